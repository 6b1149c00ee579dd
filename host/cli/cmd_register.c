/* scagent register URL: the MBMS User Service Registration with the card's BCAST_Client_ID (seed 000, 5.1.7.3).
 * An upgrade_available_msg in the answer is verified against the card before anything is reported from it: a
 * forged or misdirected message is an error (exit 9), never an instruction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Exit code when the server refused the registration or requires a critical upgrade first. */
#define EXIT_REFUSED 10

static int report(cli *c, const sca_register_result *r, const sca_upgrade_result *u)
{
    int code = EXIT_OK;
    if (r->outcome == SCA_REG_REFUSED || r->outcome == SCA_REG_UPGRADE_CRITICAL)
        code = EXIT_REFUSED;
    if (c->json) {
        json_t *o = json_pack("{s:b, s:s, s:i, s:b, s:b, s:b}", "ok", code == EXIT_OK, "outcome",
                              sca_register_outcome_name(r->outcome), "http_status", r->http_status,
                              "id_sent_initially", r->id_sent_initially, "id_requested", r->id_requested,
                              "id_sent_on_request", r->id_sent_on_request);
        if (u != NULL)
            json_object_set_new(o, "upgrade", cli_upgrade_json(u));
        if (r->outcome == SCA_REG_REFUSED)
            json_object_set_new(o, "refusal", json_pack("{s:s, s:s}", "reason", r->reason, "body",
                                                        r->excerpt ? r->excerpt : ""));
        cli_json(o);
        return code;
    }
    printf("registration: %s (HTTP %d)%s\n", sca_register_outcome_name(r->outcome), r->http_status,
           r->id_requested ? ", the server asked for the BCAST_Client_ID" : "");
    if (u != NULL)
        cli_upgrade_print(u);
    if (r->outcome == SCA_REG_REFUSED)
        printf("  refused: %s%s%s\n", r->reason, r->excerpt && *r->excerpt ? ": " : "", r->excerpt ? r->excerpt : "");
    return code;
}

int cmd_register(cli *c, int argc, char **argv)
{
    sca_error err;
    if (argc < 1) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent register URL [--id-on-request] [--no-cert] "
                                               "[--timeout MS]");
        return cli_fail(c, &err);
    }
    uint8_t *id = malloc(SCA_BCAST_ID_MAX);
    size_t id_len = 0;
    sca_register_result r;
    memset(&r, 0, sizeof r);
    sca_rc rc = id != NULL ? cli_open(c, &err) : sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
    if (rc == SCA_OK)
        rc = sca_bcast_get_client_id(c->card, !c->no_cert, id, SCA_BCAST_ID_MAX, &id_len, &err);
    if (rc == SCA_OK) {
        sca_register_opts o = {.url = argv[0], .client_id = id, .id_len = id_len,
                               .id_on_request_only = c->id_on_request, .timeout_ms = c->timeout_ms,
                               .verbose = c->verbose > 0};
        rc = sca_register(&o, &r, &err);
    }
    free(id);
    sca_upgrade_result u;
    int have_upgrade = 0;
    if (rc == SCA_OK && (r.outcome == SCA_REG_UPGRADE_OPTIONAL || r.outcome == SCA_REG_UPGRADE_CRITICAL)) {
        memset(&u, 0, sizeof u);
        rc = sca_bcast_verify_upgrade(c->card, r.upgrade_msg, r.upgrade_len, &u, &err);
        if (rc != SCA_OK)
            sca_error_prefix(&err, "the server's upgrade_available_msg was rejected");
        have_upgrade = rc == SCA_OK;
    }
    int code = rc == SCA_OK ? report(c, &r, have_upgrade ? &u : NULL) : cli_fail(c, &err);
    sca_register_result_free(&r);
    return code;
}
