/* scagent dm bootstrap verify: an OMA DM bootstrap message checked offline (seed 004; applet-spec/dm-bootstrap.md):
 * the Content-Type's SEC and MAC (from --content-type, or from a raw WAP push with --wsp), the key from --imsi,
 * --esn or --key-hex and --pin, the HMAC-SHA1 over the WBXML body, then the body decoded to XML. The key material
 * comes from the command line here; the card-backed form will get it from the card. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "scagent/bootstrap.h"

/* like cli_fail, with "verified": false in the JSON object */
static int fail(const cli *c, const sca_error *err)
{
    if (!c->json)
        return cli_fail(c, err);
    json_t *e = json_pack("{s:s, s:s}", "error", sca_rc_name(err->rc), "message", err->msg);
    cli_json(json_pack("{s:b, s:b, s:o}", "ok", 0, "verified", 0, "error", e));
    return cli_exit_code(err->rc);
}

/* The network secret from --imsi, --esn or --key-hex, checked against what SEC needs (messages name options);
 * without any of them, the IMSI from the card. */
static sca_rc network_secret(cli *c, sca_dmboot_sec sec, uint8_t *out, size_t *len, sca_error *err)
{
    const char *name = sca_dmboot_sec_name(sec);
    int given = (c->imsi != NULL) + (c->esn != NULL) + (c->key_hex != NULL);
    *len = 0;
    if (given > 1)
        return sca_error_set(err, SCA_E_INVALID_ARG, "give one network secret: --imsi, --esn or --key-hex");
    if (!sca_dmboot_sec_needs_network(sec)) {
        if (given)
            return sca_error_set(err, SCA_E_INVALID_ARG,
                                 "SEC=%s uses only the PIN: drop --imsi, --esn and --key-hex", name);
        return SCA_OK;
    }
    if (sca_dmboot_sec_is_gba(sec) && (c->imsi != NULL || c->esn != NULL || c->key_hex == NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "SEC=%s is keyed with Ks_NAF from GBA Push: give it with --key-hex (64 hex digits)",
                             name);
    if (!given) { /* the card's IMSI (EF_IMSI bytes 2..L+1 are the NETWORKID key) */
        uint8_t ef[SCA_EF_IMSI_LEN];
        sca_rc rc = cli_open(c, err);
        if (rc == SCA_OK)
            rc = sca_card_imsi(c->card, ef, out, len, err);
        if (rc != SCA_OK)
            sca_error_prefix(err, "SEC=%s needs the network secret (the card's IMSI, or --imsi/--esn/--key-hex)",
                             name);
        return rc;
    }
    if (c->imsi != NULL)
        return sca_dmboot_imsi_secret(c->imsi, out, len, err);
    if (c->esn != NULL) {
        *len = 4;
        return sca_dmboot_esn_secret(c->esn, out, err);
    }
    long n = sca_hex_decode(c->key_hex, out, SCA_DMBOOT_SECRET_MAX);
    if (n <= 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "--key-hex must be 1 to %d bytes in hex", SCA_DMBOOT_SECRET_MAX);
    *len = (size_t)n;
    return SCA_OK;
}

static sca_rc check(cli *c, const sca_dmboot_header *h, const uint8_t *body, size_t body_len,
                    sca_dmboot_verified **v, sca_error *err)
{
    if (!h->media_ok) /* before asking for any PIN */
        return sca_dmboot_verify(h, NULL, 0, body, body_len, v, err);
    const char *name = sca_dmboot_sec_name(h->sec);
    if (!sca_dmboot_sec_needs_pin(h->sec) && (c->pin != NULL || c->pin_stdin))
        return sca_error_set(err, SCA_E_INVALID_ARG, "SEC=%s uses no PIN: drop --pin", name);
    uint8_t secret[SCA_DMBOOT_SECRET_MAX];
    size_t secret_len = 0;
    char pin[SCA_DMBOOT_PIN_MAX + 2] = {0};
    sca_rc rc = network_secret(c, h->sec, secret, &secret_len, err);
    if (rc == SCA_OK && sca_dmboot_sec_needs_pin(h->sec))
        rc = cli_read_pin(c, "bootstrap PIN", c->pin, pin, sizeof pin, err);
    if (rc == SCA_OK)
        rc = sca_dmboot_verify_with(h, sca_dmboot_sec_needs_pin(h->sec) ? pin : NULL, secret_len ? secret : NULL,
                                    secret_len, body, body_len, v, err);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(pin, sizeof pin);
    return rc;
}

static int verify(cli *c, const char *path)
{
    sca_error err;
    if (c->wsp && c->content_type != NULL) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "--wsp takes the Content-Type from the push PDU: drop --content-type");
        return fail(c, &err);
    }
    if (!c->wsp && c->content_type == NULL) {
        sca_error_set(&err, SCA_E_INVALID_ARG,
                      "give the message's Content-Type with --content-type \"application/vnd.syncml.dm+wbxml; "
                      "SEC=...; MAC=...\", or --wsp when FILE is a raw WAP push");
        return fail(c, &err);
    }
    uint8_t *file = NULL;
    size_t file_len = 0;
    sca_dmboot_header h;
    sca_dmboot_push push;
    const uint8_t *body = NULL;
    size_t body_len = 0;
    sca_rc rc = cli_read_file(path, SCA_DMBOOT_BODY_MAX + 4096, &file, &file_len, &err);
    if (rc == SCA_OK && c->wsp) {
        rc = sca_dmboot_push_parse(file, file_len, &push, &err);
        if (rc == SCA_OK) {
            h = push.header;
            body = push.body;
            body_len = push.body_len;
        }
    } else if (rc == SCA_OK) {
        rc = sca_dmboot_header_parse(c->content_type, &h, &err);
        body = file;
        body_len = file_len;
    }
    sca_dmboot_verified *v = NULL;
    if (rc == SCA_OK)
        rc = check(c, &h, body, body_len, &v, &err);
    free(file);
    if (rc != SCA_OK)
        return fail(c, &err);
    char *xml = NULL;
    size_t xml_len = 0;
    rc = sca_dmboot_decode(v, &xml, &xml_len, &err);
    size_t verified_len;
    sca_dmboot_verified_body(v, &verified_len);
    const char *sec = sca_dmboot_sec_name(sca_dmboot_verified_sec(v));
    sca_dmboot_verified_free(v);
    if (rc != SCA_OK) {
        if (c->json) {
            json_t *e = json_pack("{s:s, s:s}", "error", sca_rc_name(err.rc), "message", err.msg);
            cli_json(json_pack("{s:b, s:b, s:s, s:o}", "ok", 0, "verified", 1, "sec", sec, "error", e));
            return cli_exit_code(err.rc);
        }
        return cli_fail(c, &err);
    }
    if (c->json) {
        cli_json(json_pack("{s:b, s:b, s:s, s:I, s:s%}", "ok", 1, "verified", 1, "sec", sec, "body_len",
                           (json_int_t)verified_len, "xml", xml, xml_len));
    } else {
        printf("verified: the HMAC-SHA1 MAC of the %zu-byte WBXML body matches (SEC=%s)\n", verified_len, sec);
        fwrite(xml, 1, xml_len, stdout);
        if (xml_len == 0 || xml[xml_len - 1] != '\n')
            putchar('\n');
    }
    free(xml);
    return EXIT_OK;
}

int cmd_dm_bootstrap(cli *c, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[0], "verify") == 0)
        return verify(c, argv[1]);
    sca_error err;
    sca_error_set(&err, SCA_E_INVALID_ARG,
                  "usage: scagent dm bootstrap verify FILE (--content-type VALUE | --wsp) [--imsi DIGITS | --esn HEX "
                  "| --key-hex HEX] [--pin PIN]");
    return fail(c, &err);
}
