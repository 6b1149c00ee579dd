/* scagent register URL: the MBMS User Service Registration with the card's BCAST_Client_ID (seed 000, 5.1.7.3).
 * An upgrade_available_msg in the answer is verified against the card before anything is reported from it: a
 * forged or misdirected message is an error (exit 9), never an instruction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
    json_t *o = rc == SCA_OK ? sca_json_register(&r, have_upgrade ? &u : NULL) : NULL;
    sca_register_result_free(&r);
    return rc == SCA_OK ? cli_show_register(c, o) : cli_fail(c, &err);
}
