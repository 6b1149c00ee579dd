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

static json_t *perms_json(uint8_t p)
{
    json_t *a = json_array();
    if (p & SCA_DM_PERM_FW_UPDATE)
        json_array_append_new(a, json_string("fw"));
    if (p & SCA_DM_PERM_READ_LOG)
        json_array_append_new(a, json_string("log"));
    if (p & SCA_DM_PERM_OTHER_DM)
        json_array_append_new(a, json_string("other"));
    return a;
}

static void perms_text(uint8_t p, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s", p & SCA_DM_PERM_FW_UPDATE ? "fw " : "", p & SCA_DM_PERM_READ_LOG ? "log " : "",
             p & SCA_DM_PERM_OTHER_DM ? "other" : "");
}

static int dm_servers(cli *c)
{
    sca_error err;
    sca_dm_server s[SCA_DM_SERVERS];
    size_t n = 0;
    if (cli_open(c, &err) != SCA_OK || sca_dm_servers(c->card, s, SCA_DM_SERVERS, &n, &err) != SCA_OK)
        return cli_fail(c, &err);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        /* a server added by a verified DM bootstrap has no key (first byte 00): it can never read the log */
        int keyless = s[i].pub[0] == 0x00;
        char *key = keyless ? NULL : cli_hex(s[i].pub, 65, 0);
        if (c->json) {
            json_array_append_new(arr, json_pack("{s:i, s:s, s:o, s:I, s:I, s:o, s:b}", "slot", s[i].slot, "id",
                                                 s[i].id, "perms", perms_json(s[i].perms), "not_before",
                                                 (json_int_t)s[i].not_before, "not_after",
                                                 (json_int_t)s[i].not_after, "key",
                                                 key ? json_string(key) : json_null(), "bootstrapped", keyless));
        } else {
            char p[32];
            perms_text(s[i].perms, p, sizeof p);
            printf("slot %2u: %-32s permissions: %s%s\n", s[i].slot, s[i].id, p,
                   keyless ? " (added by a DM bootstrap, no key)" : "");
        }
        free(key);
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:i, s:o}", "ok", 1, "capacity", SCA_DM_SERVERS, "servers", arr));
    } else {
        json_decref(arr);
        if (n == 0)
            printf("no authorized DM servers (capacity %d)\n", SCA_DM_SERVERS);
    }
    return EXIT_OK;
}

static int dm_policy(cli *c)
{
    sca_error err;
    uint8_t policy, flags;
    if (cli_open(c, &err) != SCA_OK || sca_dm_policy(c->card, &policy, &flags, &err) != SCA_OK)
        return cli_fail(c, &err);
    int token = (flags & SCA_DM_POLICY_FLAG_TOKEN_REQUIRED) != 0, boot = (flags & SCA_DM_POLICY_FLAG_BOOTSTRAP_ADD) != 0;
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:b, s:b}", "ok", 1, "policy", sca_dm_policy_name(policy), "token_required",
                           token, "bootstrap_add", boot));
    else
        printf("policy for unauthorized DM servers: %s\nsubscriber token required: %s\nbootstrapped servers may be "
               "added: %s\n",
               policy == SCA_DM_POLICY_DENY            ? "deny the update"
               : policy == SCA_DM_POLICY_CONFIRM_PIN   ? "ask the user to confirm with the PIN"
               : policy == SCA_DM_POLICY_WARN_CONFIRM  ? "warn and ask the user to confirm"
                                                       : "unknown",
               token ? "yes" : "no", boot ? "yes" : "no");
    return EXIT_OK;
}

json_t *cli_check_json(const sca_dm_check_result *r)
{
    return json_pack("{s:b, s:o, s:i, s:s, s:s}", "authorized", r->authorized, "perms", perms_json(r->perms), "slot",
                     r->slot == 0xFF ? -1 : r->slot, "policy", sca_dm_policy_name(r->policy), "reason",
                     sca_dm_reason_text(r->reason));
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
    if (c->json) {
        json_t *o = cli_check_json(&r);
        json_object_set_new(o, "ok", json_true());
        json_object_set_new(o, "server", json_string(server));
        if (confirm)
            json_object_set_new(o, "confirmed", json_boolean(!r.authorized));
        cli_json(o);
    } else if (r.authorized) {
        printf("%s: %s\n", server, sca_dm_reason_text(r.reason));
    } else {
        printf("%s: %s\n", server, sca_dm_reason_text(r.reason));
        if (confirm)
            printf("the user's confirmation was recorded on the card; the update may go on\n");
        else if (r.policy == SCA_DM_POLICY_DENY)
            printf("policy: firmware updates through this server are refused\n");
        else
            printf("WARNING: this server is outside the operator's official channel; the update may go on only "
                   "after the user confirms%s (scagent dm confirm)\n",
                   r.policy == SCA_DM_POLICY_CONFIRM_PIN ? " with the PIN" : "");
    }
    return EXIT_OK;
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
