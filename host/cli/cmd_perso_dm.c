/* scagent perso dm ...: the issuer's side of DM firmware-update control: authorized DM servers, the policy,
 * software originator keys and the per-card subscriber-token key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "sca_contract.h"

static int usage(const cli *c)
{
    sca_error err;
    sca_error_set(&err, SCA_E_INVALID_ARG,
                  "usage: scagent perso dm server add SLOT --id ID --key PEM --perms fw,log,other "
                  "[--not-before T] [--not-after T] | server remove SLOT | policy deny|warn|pin [--token-required] "
                  "[--bootstrap-add] | originator add SLOT PEM | originator remove SLOT | token-key HEX");
    return cli_fail(c, &err);
}

static int slot_of(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || v > max)
        return 0;
    *out = (unsigned)v;
    return 1;
}

static int parse_perms(const char *s, uint8_t *out)
{
    *out = 0;
    char buf[64];
    if (s == NULL || strlen(s) >= sizeof buf)
        return 0;
    strcpy(buf, s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "fw") == 0)
            *out |= SCA_DM_PERM_FW_UPDATE;
        else if (strcmp(t, "log") == 0)
            *out |= SCA_DM_PERM_READ_LOG;
        else if (strcmp(t, "other") == 0)
            *out |= SCA_DM_PERM_OTHER_DM;
        else if (strcmp(t, "none") != 0)
            return 0;
    }
    return 1;
}

static int done(cli *c, sca_rc rc, sca_error *err, const char *text)
{
    if (rc != SCA_OK)
        return cli_fail(c, err);
    if (c->json)
        cli_json(json_pack("{s:b}", "ok", 1));
    else
        printf("%s\n", text);
    return EXIT_OK;
}

/* Exposed for scagent -S ... perso dm (remote_perso.c): the same usage and --perms. */
int cli_perso_dm_usage(const cli *c)
{
    return usage(c);
}

int cli_perso_dm_perms(const char *s, uint8_t *out)
{
    return parse_perms(s, out);
}

int cmd_perso_dm(cli *c, int argc, char **argv)
{
    sca_error err;
    unsigned slot;
    if (argc >= 3 && strcmp(argv[0], "server") == 0 && strcmp(argv[1], "add") == 0 &&
        slot_of(argv[2], SCA_DM_SERVERS - 1, &slot)) {
        sca_dm_server s;
        memset(&s, 0, sizeof s);
        EVP_PKEY *k = NULL;
        if (c->id == NULL || c->key == NULL || strlen(c->id) >= sizeof s.id || !parse_perms(c->perms, &s.perms))
            return usage(c);
        s.slot = (uint8_t)slot;
        strcpy(s.id, c->id);
        s.not_before = c->not_before >= 0 ? (uint32_t)c->not_before : 0;
        s.not_after = c->not_after >= 0 ? (uint32_t)c->not_after : 0xFFFFFFFFu;
        sca_rc rc = cli_read_key(c->key, 0, &k, s.pub, &err);
        EVP_PKEY_free(k);
        if (rc == SCA_OK)
            rc = cli_open_issuer(c, &err);
        if (rc == SCA_OK)
            rc = sca_dm_server_put(c->card, &s, &err);
        return done(c, rc, &err, "authorized DM server written");
    }
    if (argc >= 3 && strcmp(argv[0], "server") == 0 && strcmp(argv[1], "remove") == 0 &&
        slot_of(argv[2], 255, &slot)) {
        sca_rc rc = cli_open_issuer(c, &err);
        if (rc == SCA_OK)
            rc = sca_dm_server_delete(c->card, (uint8_t)slot, &err);
        return done(c, rc, &err, "authorized DM server removed");
    }
    if (argc >= 2 && strcmp(argv[0], "policy") == 0) {
        uint8_t policy = strcmp(argv[1], "deny") == 0   ? SCA_DM_POLICY_DENY
                         : strcmp(argv[1], "warn") == 0 ? SCA_DM_POLICY_WARN_CONFIRM
                         : strcmp(argv[1], "pin") == 0  ? SCA_DM_POLICY_CONFIRM_PIN
                                                        : 0;
        if (policy == 0)
            return usage(c);
        uint8_t flags = (c->token_required ? SCA_DM_POLICY_FLAG_TOKEN_REQUIRED : 0) |
                        (c->bootstrap_add ? SCA_DM_POLICY_FLAG_BOOTSTRAP_ADD : 0);
        sca_rc rc = cli_open_issuer(c, &err);
        if (rc == SCA_OK)
            rc = sca_dm_policy_set(c->card, policy, flags, &err);
        return done(c, rc, &err, "DM policy set");
    }
    if (argc >= 4 && strcmp(argv[0], "originator") == 0 && strcmp(argv[1], "add") == 0 &&
        slot_of(argv[2], SCA_FU_ORIGINATORS - 1, &slot)) {
        uint8_t point[65];
        EVP_PKEY *k = NULL;
        sca_rc rc = cli_read_key(argv[3], 0, &k, point, &err);
        EVP_PKEY_free(k);
        if (rc == SCA_OK)
            rc = cli_open_issuer(c, &err);
        if (rc == SCA_OK)
            rc = sca_fu_originator_put(c->card, (uint8_t)slot, point, &err);
        return done(c, rc, &err, "software originator key written");
    }
    if (argc >= 3 && strcmp(argv[0], "originator") == 0 && strcmp(argv[1], "remove") == 0 &&
        slot_of(argv[2], 255, &slot)) {
        sca_rc rc = cli_open_issuer(c, &err);
        if (rc == SCA_OK)
            rc = sca_fu_originator_delete(c->card, (uint8_t)slot, &err);
        return done(c, rc, &err, "software originator key removed");
    }
    if (argc >= 2 && strcmp(argv[0], "token-key") == 0) {
        uint8_t key[16];
        if (strlen(argv[1]) != 32 || sca_hex_decode(argv[1], key, 16) != 16)
            return usage(c);
        sca_rc rc = cli_open_issuer(c, &err);
        if (rc == SCA_OK)
            rc = sca_fu_token_key_put(c->card, key, &err);
        OPENSSL_cleanse(key, sizeof key);
        return done(c, rc, &err, "subscriber-token key written");
    }
    return usage(c);
}
