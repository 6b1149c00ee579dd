/* scagent dm bootstrap verify: an OMA DM bootstrap message checked offline (seed 004; applet-spec/dm-bootstrap.md):
 * the Content-Type's SEC and MAC (from --content-type, or from a raw WAP push with --wsp), the key from --imsi,
 * --esn or --key-hex and --pin (offline), or the card's own key with the PIN tries counted on the card (the default),
 * the HMAC-SHA1 over the WBXML body, then the body decoded to XML; --add-server then puts the DM server it names on
 * the card's list where the card's policy allows it (applet-spec/dm-bootstrap.md §7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "sca_contract.h"
#include "scagent/bootstrap.h"
#include "scagent/dmboot_card.h"
#include "scagent/usim.h"
#include "scagent/gba.h"

/* like cli_fail, with "verified": false in the JSON object */
static int fail(const cli *c, const sca_error *err)
{
    if (!c->json)
        return cli_fail(c, err);
    json_t *e = json_pack("{s:s, s:s}", "error", sca_rc_name(err->rc), "message", err->msg);
    cli_json(json_pack("{s:b, s:b, s:o}", "ok", 0, "verified", 0, "error", e));
    return cli_exit_code(err->rc);
}

/* Offline: the network secret from --imsi, --esn or --key-hex, checked against what SEC needs (messages name
 * options). */
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
                             "SEC=%s is keyed with Ks_NAF from GBA: offline, give it with --key-hex (64 hex "
                             "digits); or let the card derive it (drop --offline, give --naf-fqdn and --ua-id)",
                             name);
    if (!given)
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "SEC=%s needs the network secret: offline, give --imsi, --esn or --key-hex; or drop "
                             "--offline and the card uses its own IMSI",
                             name);
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

/* Offline unless the key comes from the card: --offline, or any key option, says the host checks alone. */
static int offline(const cli *c)
{
    return c->offline || c->imsi != NULL || c->esn != NULL || c->key_hex != NULL;
}

/* Who checked the MAC, for the output: "card", "host", or "host (IMSI from the USIM)". */
static const char *checker = "host";

/* A card without the scagent applet (a plain USIM): the NETWORKID key is its EF_IMSI (bytes 2..L+1), read here
 * and used by the host's HMAC check; a USIM keeps no bootstrap PIN tries, and the GBA methods would need the USIM's
 * own NAF derivation behind its PIN1, which this command does not ask for (dm-bootstrap.md §7.2). */
static sca_rc check_with_usim(cli *c, const sca_dmboot_header *h, const char *pin, const uint8_t *body,
                              size_t body_len, sca_dmboot_verified **v, sca_error *err)
{
    if (sca_dmboot_sec_is_gba(h->sec))
        return sca_error_set(err, SCA_E_NOT_SUPPORTED,
                             "SEC=%s on a card without the scagent applet: give Ks_NAF with --offline --key-hex",
                             sca_dmboot_sec_name(h->sec));
    uint8_t ef[9], key[8];
    size_t kl = 0;
    sca_card_close(c->card);
    c->card = NULL;
    c->open.no_select = 1;
    sca_rc rc = SCA_OK;
    if (sca_dmboot_sec_needs_network(h->sec)) {
        rc = cli_open(c, err);
        if (rc == SCA_OK)
            rc = sca_usim_read_imsi(c->card, ef, key, &kl, err);
    }
    if (rc == SCA_OK)
        rc = sca_dmboot_verify_with(h, pin, kl ? key : NULL, kl, body, body_len, v, err);
    checker = "host (IMSI from the USIM)";
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

/* On the card: its IMSI or Ks_ext_NAF for --naf-fqdn/--ua-id, the PIN counted there. */
static sca_rc check_on_card(cli *c, const sca_dmboot_header *h, const char *pin, const uint8_t *body,
                            size_t body_len, sca_dmboot_verified **v, sca_error *err)
{
    uint8_t naf[SCA_GBA_NAF_ID_MAX];
    size_t naf_len = 0;
    sca_rc rc = SCA_OK;
    if (sca_dmboot_sec_is_gba(h->sec))
        rc = cli_naf_id(c, 1, naf, &naf_len, err);
    else if (c->naf_fqdn != NULL || c->ua_id != NULL)
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "SEC=%s is not a GBA method: drop --naf-fqdn and --ua-id",
                           sca_dmboot_sec_name(h->sec));
    if (rc != SCA_OK)
        return rc;
    rc = cli_open(c, err);
    if (rc == SCA_E_NO_APPLET)
        return check_with_usim(c, h, pin, body, body_len, v, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "SEC=%s is checked by the card (or offline with --imsi/--esn/--key-hex)",
                                sca_dmboot_sec_name(h->sec));
    checker = "card";
    if (rc == SCA_OK)
        rc = sca_dmboot_verify_card(c->card, h, pin, naf_len ? naf : NULL, naf_len, body, body_len, v, err);
    return rc;
}

static sca_rc check(cli *c, const sca_dmboot_header *h, const uint8_t *body, size_t body_len,
                    sca_dmboot_verified **v, sca_error *err)
{
    if (!h->media_ok) /* before asking for any PIN */
        return sca_dmboot_verify(h, NULL, 0, body, body_len, v, err);
    const char *name = sca_dmboot_sec_name(h->sec);
    if (!sca_dmboot_sec_needs_pin(h->sec) && (c->pin != NULL || c->pin_stdin))
        return sca_error_set(err, SCA_E_INVALID_ARG, "SEC=%s uses no PIN: drop --pin", name);
    if (offline(c) && c->add_server)
        return sca_error_set(err, SCA_E_INVALID_ARG, "--add-server needs the card to verify the bootstrap: drop "
                                                     "--offline and the key options");
    uint8_t secret[SCA_DMBOOT_SECRET_MAX];
    size_t secret_len = 0;
    char pin[SCA_DMBOOT_PIN_MAX + 2] = {0};
    sca_rc rc = offline(c) ? network_secret(c, h->sec, secret, &secret_len, err) : SCA_OK;
    if (rc == SCA_OK && sca_dmboot_sec_needs_pin(h->sec))
        rc = cli_read_pin(c, "bootstrap PIN", c->pin, pin, sizeof pin, err);
    const char *p = sca_dmboot_sec_needs_pin(h->sec) ? pin : NULL;
    if (rc == SCA_OK && offline(c))
        rc = sca_dmboot_verify_with(h, p, secret_len ? secret : NULL, secret_len, body, body_len, v, err);
    else if (rc == SCA_OK)
        rc = check_on_card(c, h, p, body, body_len, v, err);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(pin, sizeof pin);
    return rc;
}

/* --add-server: the DM server the verified bootstrap names goes on the card's list (policy permitting). */
static sca_rc add_server(cli *c, const char *xml, char *id, size_t cap, unsigned *slot, sca_error *err)
{
    sca_rc rc = sca_dmboot_server_id(xml, id, cap, err);
    if (rc == SCA_OK)
        rc = sca_dmboot_server_add(c->card, id, slot, err);
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
    char id[SCA_DM_ID_MAX + 1] = "";
    unsigned slot = 0;
    sca_rc add_rc = c->add_server ? add_server(c, xml, id, sizeof id, &slot, &err) : SCA_OK;
    if (c->json) {
        json_t *o = json_pack("{s:b, s:b, s:s, s:s, s:I, s:s%}", "ok", add_rc == SCA_OK, "verified", 1, "sec", sec,
                              "checked_by", checker, "body_len", (json_int_t)verified_len, "xml",
                              xml, xml_len);
        if (c->add_server && add_rc == SCA_OK)
            json_object_set_new(o, "server_added", json_pack("{s:s, s:i}", "id", id, "slot", (int)slot));
        else if (c->add_server)
            json_object_set_new(o, "error", json_pack("{s:s, s:s}", "error", sca_rc_name(err.rc), "message", err.msg));
        cli_json(o);
    } else {
        printf("verified: the HMAC-SHA1 MAC of the %zu-byte WBXML body matches (SEC=%s, checked by the %s)\n",
               verified_len, sec, checker);
        fwrite(xml, 1, xml_len, stdout);
        if (xml_len == 0 || xml[xml_len - 1] != '\n')
            putchar('\n');
        if (c->add_server && add_rc == SCA_OK)
            printf("added DM server %s to the card's list (slot %u)\n", id, slot);
    }
    free(xml);
    if (add_rc != SCA_OK) {
        if (!c->json)
            cli_fail(c, &err);
        return cli_exit_code(add_rc);
    }
    return EXIT_OK;
}

int cmd_dm_bootstrap(cli *c, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[0], "verify") == 0)
        return verify(c, argv[1]);
    sca_error err;
    sca_error_set(&err, SCA_E_INVALID_ARG,
                  "usage: scagent dm bootstrap verify FILE (--content-type VALUE | --wsp) [--pin PIN] [--naf-fqdn FQDN "
                  "--ua-id HEX10] [--add-server] | offline: [--offline] [--imsi DIGITS | --esn HEX | --key-hex HEX]");
    return fail(c, &err);
}
