/* scagent upgrade verify FILE|-: an upgrade_available_msg (seed 000, 5.1.7.2) checked against the card's NAF trust
 * anchors and its current identifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_upgrade(cli *c, int argc, char **argv)
{
    sca_error err;
    if (argc < 2 || strcmp(argv[0], "verify") != 0) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent upgrade verify FILE|-");
        return cli_fail(c, &err);
    }
    uint8_t *msg = NULL;
    size_t n = 0;
    sca_upgrade_result r;
    memset(&r, 0, sizeof r);
    sca_rc rc = cli_read_file(argv[1], 1 << 20, &msg, &n, &err);
    if (rc == SCA_OK)
        rc = cli_open(c, &err);
    if (rc == SCA_OK)
        rc = sca_bcast_verify_upgrade(c->card, msg, n, &r, &err);
    free(msg);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    return cli_show(c, sca_json_upgrade(&r), sca_json_upgrade_print);
}
