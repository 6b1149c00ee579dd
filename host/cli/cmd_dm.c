/* scagent dm servers|policy|check|confirm: the card's authorized DM servers and its policy for the others
 * (seed 003, 5.2.1 steps 2-3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "sca_contract.h"

uint32_t cli_now(const cli *c)
{
    return c->now >= 0 ? (uint32_t)c->now : (uint32_t)time(NULL);
}

static int dm_servers(cli *c)
{
    sca_error err;
    sca_dm_server s[SCA_DM_SERVERS];
    size_t n = 0;
    if (cli_open(c, &err) != SCA_OK || sca_dm_servers(c->card, s, SCA_DM_SERVERS, &n, &err) != SCA_OK)
        return cli_fail(c, &err);
    return cli_show(c, sca_json_dm_servers(s, n), sca_json_dm_servers_print);
}

static int dm_policy(cli *c)
{
    sca_error err;
    uint8_t policy, flags;
    if (cli_open(c, &err) != SCA_OK || sca_dm_policy(c->card, &policy, &flags, &err) != SCA_OK)
        return cli_fail(c, &err);
    return cli_show(c, sca_json_dm_policy(policy, flags), sca_json_dm_policy_print);
}

sca_rc cli_confirm_server(cli *c, const sca_dm_check_result *r, const char *server, sca_error *err)
{
    sca_rc rc = SCA_OK;
    if (r->policy == SCA_DM_POLICY_CONFIRM_PIN) {
        char pin[64] = {0};
        rc = cli_read_pin(c, "PIN to confirm the unauthorized DM server", c->pin, pin, sizeof pin, err);
        if (rc == SCA_OK)
            rc = sca_pin_verify(c->card, pin, err);
        OPENSSL_cleanse(pin, sizeof pin);
    }
    if (rc == SCA_OK)
        rc = sca_dm_confirm(c->card, server, err);
    return rc;
}

static int dm_check(cli *c, const char *server, int confirm)
{
    sca_error err;
    sca_dm_check_result r;
    sca_rc rc = cli_open(c, &err);
    if (rc == SCA_OK)
        rc = sca_dm_check(c->card, cli_now(c), server, &r, &err);
    if (rc == SCA_OK && confirm && !r.authorized) {
        rc = cli_confirm_server(c, &r, server, &err);
    }
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    json_t *o = sca_json_dm_check(&r);
    json_object_set_new(o, "server", json_string(server));
    if (confirm)
        json_object_set_new(o, "confirmed", json_boolean(!r.authorized));
    return cli_show(c, o, sca_json_dm_check_print);
}

int cmd_dm(cli *c, int argc, char **argv)
{
    sca_error err;
    if (argc >= 1 && strcmp(argv[0], "servers") == 0)
        return dm_servers(c);
    if (argc >= 1 && strcmp(argv[0], "policy") == 0)
        return dm_policy(c);
    if (argc >= 2 && strcmp(argv[0], "check") == 0)
        return dm_check(c, argv[1], 0);
    if (argc >= 2 && strcmp(argv[0], "confirm") == 0)
        return dm_check(c, argv[1], 1);
    if (argc >= 1 && strcmp(argv[0], "bootstrap") == 0)
        return cmd_dm_bootstrap(c, argc - 1, argv + 1);
    sca_error_set(&err, SCA_E_INVALID_ARG,
                  "usage: scagent dm servers | policy | check SERVER | confirm SERVER | bootstrap verify FILE");
    return cli_fail(c, &err);
}
