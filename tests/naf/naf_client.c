/* Test driver for tests/naf/run: one sca_register call, the result as one line on stdout.
 *
 *   naf_client URL [--id FILE] [--on-request] [--ca FILE] [--timeout MS] [--body FILE --type TYPE]
 *              [--upgrade-out FILE] [-v]
 *
 * Prints "outcome=<name> status=N id_sent_initially=0|1 id_requested=0|1 id_sent_on_request=0|1 upgrade_len=N
 * body_len=N reason=\"...\" excerpt=\"...\"" and exits 0, or prints "error=<class> msg=\"...\"" and exits 1
 * (2: bad command line). The identifier file holds the raw BCAST_Client_ID bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/error.h"
#include "scagent/log.h"
#include "scagent/register.h"

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "naf_client: cannot open %s\n", path);
        return NULL;
    }
    size_t cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    *len = buf != NULL ? fread(buf, 1, cap, f) : 0;
    fclose(f);
    return buf;
}

static int usage(void)
{
    fprintf(stderr, "usage: naf_client URL [--id FILE] [--on-request] [--ca FILE] [--timeout MS] "
                    "[--body FILE --type TYPE] [--upgrade-out FILE] [-v]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        return usage();
    sca_register_opts o = {.url = argv[1]};
    const char *id_file = NULL, *body_file = NULL, *upgrade_out = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--on-request") == 0) {
            o.id_on_request_only = 1;
        } else if (strcmp(a, "-v") == 0) {
            o.verbose = 1;
            sca_log_set_level(SCA_LOG_INFO);
        } else if (v == NULL) {
            return usage();
        } else if (strcmp(a, "--id") == 0) {
            id_file = argv[++i];
        } else if (strcmp(a, "--ca") == 0) {
            o.ca_file = argv[++i];
        } else if (strcmp(a, "--timeout") == 0) {
            o.timeout_ms = strtol(argv[++i], NULL, 10);
        } else if (strcmp(a, "--body") == 0) {
            body_file = argv[++i];
        } else if (strcmp(a, "--type") == 0) {
            o.content_type = argv[++i];
        } else if (strcmp(a, "--upgrade-out") == 0) {
            upgrade_out = argv[++i];
        } else {
            return usage();
        }
    }
    uint8_t *id = NULL, *body = NULL;
    if (id_file != NULL && (id = slurp(id_file, &o.id_len)) == NULL)
        return 2;
    if (body_file != NULL && (body = slurp(body_file, &o.body_len)) == NULL) {
        free(id);
        return 2;
    }
    o.client_id = id;
    o.body = body;

    sca_register_result r;
    sca_error err;
    sca_rc rc = sca_register(&o, &r, &err);
    int status = 0;
    if (rc != SCA_OK) {
        printf("error=%s msg=\"%s\" id_sent_initially=%d id_requested=%d\n", sca_rc_name(rc), err.msg,
               r.id_sent_initially, r.id_requested);
        status = 1;
    } else {
        printf("outcome=%s status=%d id_sent_initially=%d id_requested=%d id_sent_on_request=%d upgrade_len=%zu "
               "body_len=%zu reason=\"%s\" excerpt=\"%s\"\n",
               sca_register_outcome_name(r.outcome), r.http_status, r.id_sent_initially, r.id_requested,
               r.id_sent_on_request, r.upgrade_len, r.body_len, r.reason, r.excerpt != NULL ? r.excerpt : "");
        if (upgrade_out != NULL && r.upgrade_msg != NULL) {
            FILE *f = fopen(upgrade_out, "wb");
            if (f == NULL || fwrite(r.upgrade_msg, 1, r.upgrade_len, f) != r.upgrade_len) {
                fprintf(stderr, "naf_client: cannot write %s\n", upgrade_out);
                status = 1;
            }
            if (f != NULL)
                fclose(f);
        }
    }
    sca_register_result_free(&r);
    free(id);
    free(body);
    return status;
}
