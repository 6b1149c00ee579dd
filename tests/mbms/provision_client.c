/* Test driver for tests/mbms/run: the BCAST provisioning client (sca_bcast_provision) and the LTKM arrival helpers
 * (UDP, WAP push, the action decision) without a card; B-TID and MRK come from the command line.
 *
 *   provision_client request KIND URL --btid B --mrk HEX64 [--service ID]... [--msk-id HEX8]... [--key-domain HEX6]
 *                    [--udp-port N] [--timeout MS] [-v]
 *       one line: "ok http=200 global=G requests=N items=ID:S,... ltkms=MSKID:LEN:ACTION,..." (exit 0), or
 *       "error=<class> http=N requests=N msg=\"...\"" (exit 1)
 *   provision_client listen --port-file F [--count N] [--timeout MS]
 *       opens a UDP socket on 127.0.0.1 (any port, written to F), then one line per datagram:
 *       "msg bytes=N action=A key_domain=HEX key_group=HEX key_number=N" or "ignored error=<class>", and
 *       "timeout" when nothing came within --timeout (exit 1)
 *   provision_client push FILE
 *       a WAP push PDU: "ok tid=N bytes=N action=A key_group=HEX" or "error=<class> msg=\"...\""
 * Exit 2: bad command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "scagent/log.h"
#include "scagent/mbms.h"
#include "scagent/provision.h"

static int bad_usage(void)
{
    fprintf(stderr, "usage: provision_client request KIND URL --btid B --mrk HEX64 [...] | listen --port-file F "
                    "[--count N] [--timeout MS] | push FILE\n");
    return 2;
}

static void print_action(const uint8_t *m, size_t n)
{
    sca_mbms_action a;
    sca_error err;
    if (sca_mbms_ltkm_action(m, n, &a, &err) != SCA_OK) {
        printf("ignored error=%s\n", sca_rc_name(err.rc));
        return;
    }
    printf("msg bytes=%zu action=%s key_domain=%02x%02x%02x key_group=%04x key_number=%u\n", n,
           sca_mbms_action_name(a.kind), a.key_domain[0], a.key_domain[1], a.key_domain[2], a.key_group,
           a.key_number);
}

static int request(int argc, char **argv)
{
    static const sca_bcast_kind kinds[] = {SCA_BCAST_REGISTER, SCA_BCAST_SERVICE_REQUEST, SCA_BCAST_TOKEN_PURCHASE,
                                          SCA_BCAST_LTKM_REQUEST};
    if (argc < 2)
        return bad_usage();
    sca_bcast_request q;
    memset(&q, 0, sizeof q);
    size_t k = 0;
    while (k < 4 && strcmp(argv[0], sca_bcast_kind_name(kinds[k])) != 0)
        k++;
    if (k == 4)
        return bad_usage();
    q.kind = kinds[k];
    q.base_url = argv[1];
    const char *ids[SCA_BCAST_IDS_MAX];
    uint8_t msk[SCA_BCAST_IDS_MAX][4], kd[3], mrk[32];
    int have_mrk = 0;
    for (int i = 2; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "-v") == 0) {
            sca_log_set_level(SCA_LOG_INFO);
            continue;
        }
        if (v == NULL)
            return bad_usage();
        if (strcmp(argv[i], "--btid") == 0) {
            q.btid = v;
        } else if (strcmp(argv[i], "--mrk") == 0) {
            if (strlen(v) != 64 || sca_hex_decode(v, mrk, sizeof mrk) != 32)
                return bad_usage();
            have_mrk = 1;
        } else if (strcmp(argv[i], "--service") == 0 && q.n_ids < SCA_BCAST_IDS_MAX) {
            ids[q.n_ids++] = v;
        } else if (strcmp(argv[i], "--msk-id") == 0 && q.n_msk_ids < SCA_BCAST_IDS_MAX) {
            if (strlen(v) != 8 || sca_hex_decode(v, msk[q.n_msk_ids], 4) != 4)
                return bad_usage();
            q.n_msk_ids++;
        } else if (strcmp(argv[i], "--key-domain") == 0) {
            if (strlen(v) != 6 || sca_hex_decode(v, kd, 3) != 3)
                return bad_usage();
            q.key_domain = kd;
        } else if (strcmp(argv[i], "--udp-port") == 0) {
            q.delivery_port = (uint16_t)atoi(v);
        } else if (strcmp(argv[i], "--timeout") == 0) {
            q.timeout_ms = atol(v);
        } else {
            return bad_usage();
        }
        i++;
    }
    if (!have_mrk)
        return bad_usage();
    q.ids = ids;
    q.msk_ids = (const uint8_t(*)[4])msk;
    q.mrk = mrk;
    sca_bcast_response r;
    sca_error err;
    sca_rc rc = sca_bcast_provision(&q, &r, &err);
    OPENSSL_cleanse(mrk, sizeof mrk);
    if (rc != SCA_OK) {
        printf("error=%s http=%ld requests=%d msg=\"%s\"\n", sca_rc_name(rc), r.http_status, r.http_requests, err.msg);
        sca_bcast_response_free(&r);
        return 1;
    }
    printf("ok http=%ld global=%ld requests=%d items=", r.http_status, r.global_status, r.http_requests);
    for (size_t i = 0; i < r.n_items; i++)
        printf("%s%s:%ld", i ? "," : "", r.items[i].id, r.items[i].status);
    printf(" ltkms=");
    for (size_t i = 0; i < r.n_ltkms; i++) {
        sca_mbms_action a;
        int ok = sca_mbms_ltkm_action(r.ltkms[i].msg, r.ltkms[i].len, &a, &err) == SCA_OK;
        printf("%s%02x%02x%02x%02x:%zu:%s", i ? "," : "", r.ltkms[i].msk_id[0], r.ltkms[i].msk_id[1],
               r.ltkms[i].msk_id[2], r.ltkms[i].msk_id[3], r.ltkms[i].len, ok ? sca_mbms_action_name(a.kind) : "?");
    }
    printf("\n");
    sca_bcast_response_free(&r);
    return 0;
}

static int listen_udp(int argc, char **argv)
{
    const char *port_file = NULL;
    long count = 1, timeout = 5000;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port-file") == 0)
            port_file = argv[i + 1];
        else if (strcmp(argv[i], "--count") == 0)
            count = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--timeout") == 0)
            timeout = atol(argv[i + 1]);
        else
            return bad_usage();
    }
    if (port_file == NULL || argc % 2 != 0)
        return bad_usage();
    int fd;
    uint16_t port;
    sca_error err;
    if (sca_mbms_udp_open("127.0.0.1", 0, &fd, &port, &err) != SCA_OK) {
        printf("error=%s msg=\"%s\"\n", sca_rc_name(err.rc), err.msg);
        return 1;
    }
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%u\n", (unsigned)port) < 0 || fclose(f) != 0 || rename(tmp, port_file) != 0) {
        close(fd);
        return 1;
    }
    int code = 0;
    for (long i = 0; i < count; i++) {
        uint8_t buf[SCA_MBMS_DATAGRAM_MAX];
        size_t n = 0;
        sca_rc rc = sca_mbms_udp_recv(fd, buf, sizeof buf, timeout, &n, &err);
        if (rc == SCA_E_TIMEOUT) {
            printf("timeout\n");
            code = 1;
            break;
        }
        if (rc != SCA_OK)
            printf("ignored error=%s\n", sca_rc_name(rc));
        else
            print_action(buf, n);
        fflush(stdout);
    }
    close(fd);
    return code;
}

static int push(const char *path)
{
    uint8_t b[4096];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return bad_usage();
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    sca_mbms_push p;
    sca_error err;
    if (sca_mbms_push_parse(b, n, &p, &err) != SCA_OK) {
        printf("error=%s msg=\"%s\"\n", sca_rc_name(err.rc), err.msg);
        return 1;
    }
    printf("ok tid=%u ", p.tid);
    print_action(p.body, p.body_len);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "request") == 0)
        return request(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "listen") == 0)
        return listen_udp(argc - 2, argv + 2);
    if (argc == 3 && strcmp(argv[1], "push") == 0)
        return push(argv[2]);
    return bad_usage();
}
