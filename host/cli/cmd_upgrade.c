/* scagent upgrade verify FILE|-: an upgrade_available_msg (seed 000, 5.1.7.2) checked against the card's NAF trust
 * anchors and its current identifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *uri_kind_name(sca_upgrade_uri_kind k)
{
    switch (k) {
    case SCA_UPGRADE_URI_DM_SERVER: return "dm-server";
    case SCA_UPGRADE_URI_UPGRADE_SERVER: return "upgrade-server";
    default: return "none";
    }
}

json_t *cli_upgrade_json(const sca_upgrade_result *r)
{
    if (!r->supported)
        return json_pack("{s:b, s:b, s:i}", "verified", 0, "supported", 0, "protocol_version", r->protocol_version);
    return json_pack("{s:b, s:b, s:b, s:b, s:b, s:s, s:s, s:s}", "verified", 1, "supported", 1, "critical",
                     r->critical, "pushed", r->pushed, "contact_dm_server", r->contact_dm, "uri_kind",
                     uri_kind_name(r->uri_kind), "uri", r->uri, "naf", r->naf_subject);
}

void cli_upgrade_print(const sca_upgrade_result *r)
{
    if (!r->supported) {
        printf("upgrade message: protocol_version %u is not supported; the message is ignored\n",
               r->protocol_version);
        return;
    }
    printf("upgrade message: verified (NAF %s)\n", r->naf_subject);
    printf("  upgrade:  %s\n", r->critical ? "CRITICAL (required to register / access the service)" : "optional");
    if (r->pushed)
        printf("  delivery: pushed to the terminal\n");
    else
        printf("  go to:    %s (%s)\n", r->uri, r->uri_kind == SCA_UPGRADE_URI_DM_SERVER ? "DM server" : "upgrade server");
}

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
    if (c->json) {
        json_t *o = cli_upgrade_json(&r);
        json_object_set_new(o, "ok", json_true());
        cli_json(o);
    } else {
        cli_upgrade_print(&r);
    }
    return EXIT_OK;
}
