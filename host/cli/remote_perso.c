/* scagent -S SOCKET perso ...: the issuer's personalization through scagentd's perso.* methods
 * (host/daemon/PROTOCOL.md §5 "Issuer methods"). The same subcommands and options as the direct command
 * (cmd_perso.c, cmd_perso_dm.c, cmd_gba.c), the same text and --json output. The files the command names
 * (certificates, public keys) are read here and sent as parameters: the daemon never opens a client's files. The
 * issuer keys are the daemon's own (issuer_keys in scagentd.conf): --issuer-keys / --test-keys are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli.h"
#include "sca_contract.h"

static const char *jstr(const json_t *r, const char *key)
{
    const char *s = json_string_value(json_object_get(r, key));
    return s ? s : "";
}

/* The certificate of FILE (PEM or DER, as the direct command reads it) as {"der": Base64}; NULL with err. */
static json_t *cert_param(const char *path, sca_error *err)
{
    json_t *v = cli_cert_b64(path, err);
    return v != NULL ? json_pack("{s:o}", "der", v) : NULL;
}

/* The P-256 public key of a PEM file (read as the direct command reads it) as "key": hex 04||X||Y. */
static sca_rc key_param(const char *path, json_t *p, sca_error *err)
{
    uint8_t point[65];
    EVP_PKEY *k = NULL;
    sca_rc rc = cli_read_key(path, 0, &k, point, err);
    EVP_PKEY_free(k);
    if (rc != SCA_OK)
        return rc;
    char *hex = cli_hex(point, sizeof point, 0);
    if (hex == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    json_object_set_new(p, "key", json_string(hex));
    free(hex);
    return SCA_OK;
}

/* One perso request: params consumed; *r the result on EXIT_OK. */
static int call(cli *c, sca_client *cl, const char *method, json_t *p, json_t **r)
{
    return cli_remote_call(c, cl, method, p, r);
}

/* A request whose direct command prints {"ok":true} or one line of text. */
static int call_done(cli *c, sca_client *cl, const char *method, json_t *p, const char *text)
{
    json_t *r = NULL;
    int code = call(c, cl, method, p, &r);
    json_decref(r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b}", "ok", 1));
    else
        printf("%s\n", text);
    return EXIT_OK;
}

/* ---- keygen, csr, cert load ---------------------------------------------------------------------------------- */

static int r_keygen(cli *c, sca_client *cl, int argc, char **argv)
{
    int rsa = argc > 1 && strcmp(argv[1], "rsa") == 0;
    if (argc > 1 && !rsa && strcmp(argv[1], "ec") != 0)
        return cli_perso_usage(c, "keygen takes 'ec' (P-256, the default) or 'rsa' (RSA-2048)");
    json_t *r = NULL;
    int code = call(c, cl, "perso.keygen", json_pack("{s:s}", "alg", rsa ? "rsa" : "ec"), &r);
    if (code != EXIT_OK)
        return code;
    const char *pub = jstr(r, "public_key");
    char *pem = strdup(pub);
    if (!c->json && c->out == NULL)
        fprintf(stderr, "generated a %s key pair on the card; the certificate was erased\n",
                rsa ? "RSA-2048" : "P-256");
    code = cli_perso_emit_pem(c, "public_key", pem, strlen(pub),
                              json_pack("{s:s}", "algorithm", rsa ? "rsa-2048" : "ec-p256"));
    json_decref(r);
    return code;
}

static int r_csr(cli *c, sca_client *cl)
{
    if (c->subject == NULL)
        return cli_perso_usage(c, "csr needs --subject, e.g. --subject '/CN=BCAST client 0001/O=Example'");
    json_t *r = NULL;
    int code = call(c, cl, "perso.csr", json_pack("{s:s}", "subject", c->subject), &r);
    if (code != EXIT_OK)
        return code;
    const char *csr = jstr(r, "csr");
    code = cli_perso_emit_pem(c, "csr", strdup(csr), strlen(csr), json_object());
    json_decref(r);
    return code;
}

static int r_cert_load(cli *c, sca_client *cl, int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "load") != 0)
        return cli_perso_usage(c, "usage: scagent perso cert load FILE");
    sca_error err;
    json_t *p = cert_param(argv[2], &err), *r = NULL;
    if (p == NULL)
        return cli_fail(c, &err);
    int code = call(c, cl, "perso.cert", p, &r);
    if (code != EXIT_OK)
        return code;
    json_int_t n = json_integer_value(json_object_get(r, "certificate_length"));
    if (c->json)
        cli_json(json_pack("{s:b, s:I}", "ok", 1, "certificate_length", n));
    else
        printf("loaded the client certificate (%lld bytes)\n", (long long)n);
    json_decref(r);
    return EXIT_OK;
}

/* ---- fields, version ----------------------------------------------------------------------------------------- */

static int r_fields(cli *c, sca_client *cl)
{
    sca_bcast_fields f;
    int code = cli_perso_fields_args(c, &f);
    if (code != EXIT_OK)
        return code;
    if (strlen(f.imei) != 15)
        return cli_perso_usage(c, "--imei must be 15 digits");
    json_t *p = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "imei", f.imei, "firmware", (json_int_t)f.fw_version,
                          "manufacturer", (json_int_t)f.manufacturer, "model", (json_int_t)f.model, "serial",
                          (json_int_t)f.serial, "software", (json_int_t)f.sw_version);
    json_t *r = NULL;
    code = call(c, cl, "perso.fields", p, &r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b, s:s}", "ok", 1, "fields", jstr(r, "fields")));
    else
        printf("wrote the identifier fields %s\n", jstr(r, "fields"));
    json_decref(r);
    return EXIT_OK;
}

static int r_version(cli *c, sca_client *cl, int argc, char **argv)
{
    unsigned long v;
    if (argc < 3 || !cli_perso_number(argv[2], 0xFFFF, &v))
        return cli_perso_usage(c, "usage: scagent perso version firmware|software N (0..65535)");
    if (strcmp(argv[1], "firmware") != 0 && strcmp(argv[1], "software") != 0)
        return cli_perso_usage(c, "version: say which, firmware or software");
    json_t *r = NULL;
    int code = call(c, cl, "perso.version", json_pack("{s:s, s:I}", "which", argv[1], "value", (json_int_t)v), &r);
    json_decref(r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:i}", "ok", 1, "version", argv[1], "value", (int)v));
    else
        printf("%s version raised to %lu\n", argv[1], v);
    return EXIT_OK;
}

/* ---- naf-anchor add FILE | list | remove SLOT ---------------------------------------------------------------- */

static int r_anchor(cli *c, sca_client *cl, int argc, char **argv)
{
    sca_error err;
    json_t *r = NULL;
    int code;
    unsigned long slot;
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        if ((code = call(c, cl, "perso.naf-anchor", json_pack("{s:s}", "action", "list"), &r)) != EXIT_OK)
            return code;
        json_t *arr = json_object_get(r, "anchors"), *e;
        size_t i;
        if (c->json) {
            cli_json(json_pack("{s:b, s:I, s:O}", "ok", 1, "capacity",
                               json_integer_value(json_object_get(r, "capacity")), "anchors", arr));
        } else {
            json_array_foreach(arr, i, e)
                printf("slot %lld: %lld bytes, SHA-256 %s\n", (long long)json_integer_value(json_object_get(e, "slot")),
                       (long long)json_integer_value(json_object_get(e, "length")), jstr(e, "sha256"));
            if (json_array_size(arr) == 0)
                printf("no NAF trust anchors (capacity %lld)\n",
                       (long long)json_integer_value(json_object_get(r, "capacity")));
        }
        json_decref(r);
        return EXIT_OK;
    }
    if (argc >= 3 && strcmp(argv[1], "add") == 0) {
        json_t *p = cert_param(argv[2], &err);
        if (p == NULL)
            return cli_fail(c, &err);
        json_object_set_new(p, "action", json_string("add"));
        if ((code = call(c, cl, "perso.naf-anchor", p, &r)) != EXIT_OK)
            return code;
        json_int_t s = json_integer_value(json_object_get(r, "slot"));
        if (c->json)
            cli_json(json_pack("{s:b, s:I}", "ok", 1, "slot", s));
        else
            printf("NAF trust anchor in slot %lld\n", (long long)s);
        json_decref(r);
        return EXIT_OK;
    }
    if (argc >= 3 && strcmp(argv[1], "remove") == 0 && cli_perso_number(argv[2], 255, &slot)) {
        code = call(c, cl, "perso.naf-anchor", json_pack("{s:s, s:I}", "action", "remove", "slot", (json_int_t)slot),
                    &r);
        json_decref(r);
        if (code != EXIT_OK)
            return code;
        if (c->json)
            cli_json(json_pack("{s:b, s:i}", "ok", 1, "removed", (int)slot));
        else
            printf("removed the NAF trust anchor in slot %lu\n", slot);
        return EXIT_OK;
    }
    return cli_perso_usage(c, "usage: scagent perso naf-anchor add FILE | list | remove SLOT");
}

/* ---- dm server add|remove, policy, originator add|remove, token-key ------------------------------------------ */

static int r_dm(cli *c, sca_client *cl, int argc, char **argv)
{
    sca_error err;
    unsigned long slot;
    if (argc >= 3 && strcmp(argv[0], "server") == 0 && strcmp(argv[1], "add") == 0 &&
        cli_perso_number(argv[2], SCA_DM_SERVERS - 1, &slot)) {
        uint8_t perms;
        if (c->id == NULL || c->key == NULL || strlen(c->id) > SCA_DM_ID_MAX || !cli_perso_dm_perms(c->perms, &perms))
            return cli_perso_dm_usage(c);
        json_t *p = json_pack("{s:s, s:I, s:s, s:o}", "action", "server-add", "slot", (json_int_t)slot, "id", c->id,
                              "perms", sca_json_dm_perms(perms));
        if (c->not_before >= 0)
            json_object_set_new(p, "not_before", json_integer(c->not_before));
        if (c->not_after >= 0)
            json_object_set_new(p, "not_after", json_integer(c->not_after));
        if (key_param(c->key, p, &err) != SCA_OK) {
            json_decref(p);
            return cli_fail(c, &err);
        }
        return call_done(c, cl, "perso.dm", p, "authorized DM server written");
    }
    if (argc >= 3 && strcmp(argv[0], "server") == 0 && strcmp(argv[1], "remove") == 0 &&
        cli_perso_number(argv[2], 255, &slot))
        return call_done(c, cl, "perso.dm", json_pack("{s:s, s:I}", "action", "server-remove", "slot", (json_int_t)slot),
                         "authorized DM server removed");
    if (argc >= 2 && strcmp(argv[0], "policy") == 0) {
        if (strcmp(argv[1], "deny") != 0 && strcmp(argv[1], "warn") != 0 && strcmp(argv[1], "pin") != 0)
            return cli_perso_dm_usage(c);
        return call_done(c, cl, "perso.dm",
                         json_pack("{s:s, s:s, s:b, s:b}", "action", "policy", "policy", argv[1], "token_required",
                                   c->token_required != 0, "bootstrap_add", c->bootstrap_add != 0),
                         "DM policy set");
    }
    if (argc >= 4 && strcmp(argv[0], "originator") == 0 && strcmp(argv[1], "add") == 0 &&
        cli_perso_number(argv[2], SCA_FU_ORIGINATORS - 1, &slot)) {
        json_t *p = json_pack("{s:s, s:I}", "action", "originator-add", "slot", (json_int_t)slot);
        if (key_param(argv[3], p, &err) != SCA_OK) {
            json_decref(p);
            return cli_fail(c, &err);
        }
        return call_done(c, cl, "perso.dm", p, "software originator key written");
    }
    if (argc >= 3 && strcmp(argv[0], "originator") == 0 && strcmp(argv[1], "remove") == 0 &&
        cli_perso_number(argv[2], 255, &slot))
        return call_done(c, cl, "perso.dm",
                         json_pack("{s:s, s:I}", "action", "originator-remove", "slot", (json_int_t)slot),
                         "software originator key removed");
    if (argc >= 2 && strcmp(argv[0], "token-key") == 0) {
        uint8_t key[16];
        int ok = strlen(argv[1]) == 32 && sca_hex_decode(argv[1], key, 16) == 16;
        OPENSSL_cleanse(key, sizeof key);
        if (!ok)
            return cli_perso_dm_usage(c);
        return call_done(c, cl, "perso.dm", json_pack("{s:s, s:s}", "action", "token-key", "token_key", argv[1]),
                         "subscriber-token key written");
    }
    return cli_perso_dm_usage(c);
}

/* ---- gba, dmboot-tries, imsi --------------------------------------------------------------------------------- */

static int r_gba(cli *c, sca_client *cl)
{
    uint8_t k[16], o[16];
    const char *ok_hex = c->gba_opc ? c->gba_opc : c->gba_op;
    if (c->gba_k == NULL || (c->gba_opc == NULL) == (c->gba_op == NULL))
        return cli_usage(c, "usage: scagent perso gba --k HEX32 (--opc HEX32 | --op HEX32) [--impi IMPI]");
    int valid = strlen(c->gba_k) == 32 && sca_hex_decode(c->gba_k, k, sizeof k) == 16 && strlen(ok_hex) == 32 &&
                sca_hex_decode(ok_hex, o, sizeof o) == 16;
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(o, sizeof o);
    if (!valid)
        return cli_usage(c, "--k, --opc and --op are 16 bytes in hex (32 digits)");
    json_t *p = json_pack("{s:s, s:s}", "k", c->gba_k, c->gba_opc ? "opc" : "op", ok_hex), *r = NULL;
    if (c->impi != NULL)
        json_object_set_new(p, "impi", json_string(c->impi));
    int code = call(c, cl, "perso.gba", p, &r);
    json_decref(r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b, s:b}", "ok", 1, "impi_written", c->impi != NULL));
    else
        printf("wrote the GBA keys (K, OPc; SQN state and Ks reset)%s\n", c->impi ? " and the IMPI" : "");
    return EXIT_OK;
}

static int r_dmboot_tries(cli *c, sca_client *cl, const char *n)
{
    char *end = NULL;
    long v = strtol(n, &end, 10);
    if (end == n || *end != '\0' || v < 1 || v > 15)
        return cli_usage(c, "usage: scagent perso dmboot-tries N (1..15)");
    json_t *r = NULL;
    int code = call(c, cl, "perso.dmboot-tries", json_pack("{s:i}", "limit", (int)v), &r);
    json_decref(r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b, s:i}", "ok", 1, "limit", (int)v));
    else
        printf("the DM bootstrap PIN try limit is %ld; the tries start again\n", v);
    return EXIT_OK;
}

static int r_imsi(cli *c, sca_client *cl, const char *imsi)
{
    uint8_t ef[SCA_EF_IMSI_LEN];
    sca_error err;
    if (sca_imsi_ef_encode(imsi, ef, &err) != SCA_OK) /* as the direct command: refused before the card */
        return cli_fail(c, &err);
    json_t *r = NULL;
    int code = call(c, cl, "perso.imsi", json_pack("{s:s}", "imsi", imsi), &r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b, s:s}", "ok", 1, "ef_imsi", jstr(r, "ef_imsi")));
    else
        printf("wrote the IMSI (EF_IMSI %s)\n", jstr(r, "ef_imsi"));
    json_decref(r);
    return EXIT_OK;
}

/* argv[0] is "perso". */
int cli_remote_perso(cli *c, sca_client *cl, int argc, char **argv)
{
    argc--, argv++; /* (--issuer-keys/--test-keys were refused by cli_remote, before it connected) */
    if (argc < 1)
        return cli_perso_usage(c, "perso: which step?");
    const char *s = argv[0];
    if (strcmp(s, "keygen") == 0)
        return r_keygen(c, cl, argc, argv);
    if (strcmp(s, "csr") == 0)
        return r_csr(c, cl);
    if (strcmp(s, "cert") == 0)
        return r_cert_load(c, cl, argc, argv);
    if (strcmp(s, "fields") == 0)
        return r_fields(c, cl);
    if (strcmp(s, "version") == 0)
        return r_version(c, cl, argc, argv);
    if (strcmp(s, "naf-anchor") == 0)
        return r_anchor(c, cl, argc, argv);
    if (strcmp(s, "dm") == 0)
        return r_dm(c, cl, argc - 1, argv + 1);
    if (strcmp(s, "gba") == 0 && argc == 1)
        return r_gba(c, cl);
    if (strcmp(s, "dmboot-tries") == 0 && argc == 2)
        return r_dmboot_tries(c, cl, argv[1]);
    if (strcmp(s, "imsi") == 0 && argc >= 2)
        return r_imsi(c, cl, argv[1]);
    return cli_perso_usage(c, "perso: unknown step");
}
