/* scagent perso ...: the issuer's personalization of the BCAST client identity, through the issuer channel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cli.h"
#include "sca_contract.h"

static const char perso_usage[] =
    "usage: scagent perso keygen [ec|rsa] | csr --subject /CN=... | cert load FILE |\n"
    "       fields --imei D --firmware N --manufacturer N --model N --serial N --software N |\n"
    "       version firmware|software N | naf-anchor add FILE|list|remove SLOT\n"
    "       (with --issuer-keys FILE or --test-keys)";

static int usage_fail(const cli *c, const char *msg)
{
    sca_error err;
    sca_error_set(&err, SCA_E_INVALID_ARG, "%s\n%s", msg, perso_usage);
    return cli_fail(c, &err);
}

/* A PEM rendering of a public key or request, in memory. Caller frees. */
static char *pem_of(int (*write)(BIO *, const void *), const void *obj, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b != NULL && write(b, obj)) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        out = malloc((size_t)n + 1);
        if (out != NULL) {
            memcpy(out, p, (size_t)n);
            out[n] = '\0';
            *len = (size_t)n;
        }
    }
    BIO_free(b);
    return out;
}

static int write_pubkey(BIO *b, const void *k)
{
    return PEM_write_bio_PUBKEY(b, (EVP_PKEY *)k);
}

static int write_req(BIO *b, const void *r)
{
    return PEM_write_bio_X509_REQ(b, (X509_REQ *)r);
}

/* Print a PEM object: to --out or stdout; with --json, inside the JSON object instead. */
static int emit_pem(cli *c, const char *what, char *pem, size_t len, json_t *extra)
{
    sca_error err;
    if (pem == NULL) {
        json_decref(extra);
        sca_error_set(&err, SCA_E_NO_MEMORY, "cannot render the %s as PEM", what);
        return cli_fail(c, &err);
    }
    if (c->out != NULL || !c->json) {
        if (cli_write_out(c, pem, len, &err) != SCA_OK) {
            free(pem);
            json_decref(extra);
            return cli_fail(c, &err);
        }
    }
    if (c->json) {
        json_object_set_new(extra, "ok", json_true());
        if (c->out == NULL)
            json_object_set_new(extra, what, json_string(pem));
        else
            json_object_set_new(extra, "out", json_string(c->out));
        cli_json(extra);
    } else {
        json_decref(extra);
    }
    free(pem);
    return EXIT_OK;
}

static int perso_keygen(cli *c, int argc, char **argv)
{
    uint8_t alg = SCA_KEY_ALG_EC_P256;
    if (argc > 1 && strcmp(argv[1], "rsa") == 0)
        alg = SCA_KEY_ALG_RSA_2048;
    else if (argc > 1 && strcmp(argv[1], "ec") != 0)
        return usage_fail(c, "keygen takes 'ec' (P-256, the default) or 'rsa' (RSA-2048)");
    sca_error err;
    EVP_PKEY *pub = NULL;
    if (cli_open_issuer(c, &err) != SCA_OK || sca_bcast_keygen(c->card, alg, &pub, &err) != SCA_OK)
        return cli_fail(c, &err);
    size_t len = 0;
    char *pem = pem_of(write_pubkey, pub, &len);
    EVP_PKEY_free(pub);
    if (!c->json && c->out == NULL)
        fprintf(stderr, "generated a %s key pair on the card; the certificate was erased\n",
                alg == SCA_KEY_ALG_EC_P256 ? "P-256" : "RSA-2048");
    return emit_pem(c, "public_key", pem, len,
                    json_pack("{s:s}", "algorithm", alg == SCA_KEY_ALG_EC_P256 ? "ec-p256" : "rsa-2048"));
}

static int perso_csr(cli *c)
{
    if (c->subject == NULL)
        return usage_fail(c, "csr needs --subject, e.g. --subject '/CN=BCAST client 0001/O=Example'");
    sca_error err;
    X509_REQ *req = NULL;
    if (cli_open_issuer(c, &err) != SCA_OK || sca_bcast_make_csr(c->card, c->subject, &req, &err) != SCA_OK)
        return cli_fail(c, &err);
    size_t len = 0;
    char *pem = pem_of(write_req, req, &len);
    X509_REQ_free(req);
    return emit_pem(c, "csr", pem, len, json_object());
}

static int perso_cert_load(cli *c, int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "load") != 0)
        return usage_fail(c, "usage: scagent perso cert load FILE");
    sca_error err;
    X509 *x = NULL;
    sca_rc rc = cli_read_cert(argv[2], &x, &err);
    if (rc == SCA_OK)
        rc = cli_open_issuer(c, &err);
    if (rc == SCA_OK)
        rc = sca_bcast_load_certificate(c->card, x, &err);
    int der_len = x != NULL ? i2d_X509(x, NULL) : 0;
    X509_free(x);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    if (c->json)
        cli_json(json_pack("{s:b, s:i}", "ok", 1, "certificate_length", der_len));
    else
        printf("loaded the client certificate (%d bytes)\n", der_len);
    return EXIT_OK;
}

/* An unsigned decimal number of at most `max`. */
static int number(const char *s, unsigned long max, unsigned long *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return 0;
    *out = v;
    return 1;
}

/* The options of `perso fields` into `f`, for the direct and the daemon path alike: EXIT_OK, or the usage failure's
 * exit code (printed). */
int cli_perso_fields_args(const cli *c, sca_bcast_fields *f)
{
    unsigned long v[5];
    const char *given[5] = {c->firmware, c->manufacturer, c->model, c->serial, c->software};
    const char *names[5] = {"--firmware", "--manufacturer", "--model", "--serial", "--software"};
    const unsigned long max[5] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFFFF, 0xFFFF};
    if (c->imei == NULL)
        return usage_fail(c, "fields needs --imei (15 digits, with its check digit)");
    for (int i = 0; i < 5; i++) {
        if (!number(given[i], max[i], &v[i])) {
            char msg[96];
            snprintf(msg, sizeof msg, "fields needs %s N (0..%lu)", names[i], max[i]);
            return usage_fail(c, msg);
        }
    }
    memset(f, 0, sizeof *f);
    if (strlen(c->imei) >= sizeof f->imei)
        return usage_fail(c, "--imei must be 15 digits");
    strcpy(f->imei, c->imei);
    f->fw_version = (uint16_t)v[0];
    f->manufacturer = (uint16_t)v[1];
    f->model = (uint16_t)v[2];
    f->serial = (uint32_t)v[3];
    f->sw_version = (uint16_t)v[4];
    return EXIT_OK;
}

static int perso_fields(cli *c)
{
    sca_bcast_fields f;
    int code = cli_perso_fields_args(c, &f);
    if (code != EXIT_OK)
        return code;
    uint8_t raw[SCA_BCAST_FIELDS_LEN];
    sca_error err;
    if (sca_bcast_fields_encode(&f, raw, &err) != SCA_OK || cli_open_issuer(c, &err) != SCA_OK ||
        sca_bcast_put_fields(c->card, raw, &err) != SCA_OK)
        return cli_fail(c, &err);
    char *hex = cli_hex(raw, sizeof raw, 0);
    if (c->json)
        cli_json(json_pack("{s:b, s:s}", "ok", 1, "fields", hex ? hex : ""));
    else
        printf("wrote the identifier fields %s\n", hex ? hex : "");
    free(hex);
    return EXIT_OK;
}

static int perso_version(cli *c, int argc, char **argv)
{
    unsigned long v;
    sca_bcast_version which;
    if (argc < 3 || !number(argv[2], 0xFFFF, &v))
        return usage_fail(c, "usage: scagent perso version firmware|software N (0..65535)");
    if (strcmp(argv[1], "firmware") == 0)
        which = SCA_BCAST_FIRMWARE;
    else if (strcmp(argv[1], "software") == 0)
        which = SCA_BCAST_SOFTWARE;
    else
        return usage_fail(c, "version: say which, firmware or software");
    sca_error err;
    if (cli_open_issuer(c, &err) != SCA_OK || sca_bcast_raise_version(c->card, which, (uint16_t)v, &err) != SCA_OK)
        return cli_fail(c, &err);
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:i}", "ok", 1, "version", argv[1], "value", (int)v));
    else
        printf("%s version raised to %lu\n", argv[1], v);
    return EXIT_OK;
}

static int anchor_list(cli *c)
{
    sca_error err;
    sca_naf_anchor_entry e[SCA_NAF_ANCHORS];
    size_t n = 0;
    if (cli_open(c, &err) != SCA_OK || sca_naf_anchor_list(c->card, e, SCA_NAF_ANCHORS, &n, &err) != SCA_OK)
        return cli_fail(c, &err);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char *fp = cli_hex(e[i].sha256, 32, 0);
        if (c->json)
            json_array_append_new(arr, json_pack("{s:i, s:i, s:s}", "slot", e[i].slot, "length", (int)e[i].len,
                                                 "sha256", fp ? fp : ""));
        else
            printf("slot %u: %u bytes, SHA-256 %s\n", e[i].slot, e[i].len, fp ? fp : "");
        free(fp);
    }
    if (c->json)
        cli_json(json_pack("{s:b, s:i, s:o}", "ok", 1, "capacity", SCA_NAF_ANCHORS, "anchors", arr));
    else {
        json_decref(arr);
        if (n == 0)
            printf("no NAF trust anchors (capacity %d)\n", SCA_NAF_ANCHORS);
    }
    return EXIT_OK;
}

static int perso_anchor(cli *c, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return anchor_list(c);
    sca_error err;
    if (argc >= 3 && strcmp(argv[1], "add") == 0) {
        X509 *x = NULL;
        uint8_t slot = 0;
        sca_rc rc = cli_read_cert(argv[2], &x, &err);
        if (rc == SCA_OK)
            rc = cli_open_issuer(c, &err);
        if (rc == SCA_OK)
            rc = sca_naf_anchor_add(c->card, x, &slot, &err);
        X509_free(x);
        if (rc != SCA_OK)
            return cli_fail(c, &err);
        if (c->json)
            cli_json(json_pack("{s:b, s:i}", "ok", 1, "slot", slot));
        else
            printf("NAF trust anchor in slot %u\n", slot);
        return EXIT_OK;
    }
    unsigned long slot;
    if (argc >= 3 && strcmp(argv[1], "remove") == 0 && number(argv[2], 255, &slot)) {
        if (cli_open_issuer(c, &err) != SCA_OK || sca_naf_anchor_remove(c->card, (uint8_t)slot, &err) != SCA_OK)
            return cli_fail(c, &err);
        if (c->json)
            cli_json(json_pack("{s:b, s:i}", "ok", 1, "removed", (int)slot));
        else
            printf("removed the NAF trust anchor in slot %lu\n", slot);
        return EXIT_OK;
    }
    return usage_fail(c, "usage: scagent perso naf-anchor add FILE | list | remove SLOT");
}

/* Exposed for scagent -S ... perso (remote_perso.c): the same usage, numbers and PEM output. */
int cli_perso_usage(const cli *c, const char *msg)
{
    return usage_fail(c, msg);
}

int cli_perso_number(const char *s, unsigned long max, unsigned long *out)
{
    return number(s, max, out);
}

int cli_perso_emit_pem(cli *c, const char *what, char *pem, size_t len, json_t *extra)
{
    return emit_pem(c, what, pem, len, extra);
}

int cmd_perso(cli *c, int argc, char **argv)
{
    if (argc < 1)
        return usage_fail(c, "perso: which step?");
    if (strcmp(argv[0], "keygen") == 0)
        return perso_keygen(c, argc, argv);
    if (strcmp(argv[0], "csr") == 0)
        return perso_csr(c);
    if (strcmp(argv[0], "cert") == 0)
        return perso_cert_load(c, argc, argv);
    if (strcmp(argv[0], "fields") == 0)
        return perso_fields(c);
    if (strcmp(argv[0], "version") == 0)
        return perso_version(c, argc, argv);
    if (strcmp(argv[0], "naf-anchor") == 0)
        return perso_anchor(c, argc, argv);
    if (strcmp(argv[0], "dm") == 0)
        return cmd_perso_dm(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "gba") == 0 && argc == 1)
        return cli_perso_gba(c);
    if (strcmp(argv[0], "dmboot-tries") == 0 && argc == 2)
        return cli_perso_dmboot_tries(c, argv[1]);
    if (strcmp(argv[0], "imsi") == 0 && argc >= 2) {
        uint8_t ef[SCA_EF_IMSI_LEN];
        sca_error err;
        if (sca_imsi_ef_encode(argv[1], ef, &err) != SCA_OK || cli_open_issuer(c, &err) != SCA_OK ||
            sca_card_imsi_put(c->card, ef, &err) != SCA_OK)
            return cli_fail(c, &err);
        char *hex = cli_hex(ef, sizeof ef, 0);
        if (c->json)
            cli_json(json_pack("{s:b, s:s}", "ok", 1, "ef_imsi", hex ? hex : ""));
        else
            printf("wrote the IMSI (EF_IMSI %s)\n", hex ? hex : "");
        free(hex);
        return EXIT_OK;
    }
    return usage_fail(c, "perso: unknown step");
}
