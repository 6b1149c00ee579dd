/* scagent mbms setup|ltkm|stkm|push|delete|status|listen (applet-spec/mbms.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "scagent/usim.h"
#include "scagent/mbms.h"
#include "scagent/provision.h"

#define MSG_FILE_MAX 8192

/* A card without the scagent applet: its USIM may serve GBA and MBMS itself (EF_UST services 68 and 69,
 * mbms.md §6). Reopen it without selecting the applet, check EF_UST (which leaves the USIM ADF selected, so the
 * AUTHENTICATE commands go to it) and verify the USIM's PIN1. */
static sca_rc open_usim(cli *c, int need_mbms, sca_error *err)
{
    char pin[16] = {0};
    sca_card_close(c->card);
    c->card = NULL;
    c->open.no_select = 1;
    sca_rc rc = cli_open(c, err);
    uint8_t ust[SCA_UST_MAX];
    size_t n = 0;
    if (rc == SCA_OK)
        rc = sca_usim_read_ust(c->card, ust, sizeof ust, &n, err);
    if (rc == SCA_OK && (!sca_ust_has(ust, n, SCA_UST_GBA) || (need_mbms && !sca_ust_has(ust, n, SCA_UST_MBMS_SECURITY))))
        rc = sca_error_set(err, SCA_E_NOT_SUPPORTED,
                           "this card has neither the scagent applet nor a USIM that serves %s itself (EF_UST)",
                           need_mbms ? "GBA and MBMS (services 68 and 69)" : "GBA (service 68)");
    if (rc == SCA_OK)
        rc = cli_read_pin(c, "USIM PIN1", c->pin, pin, sizeof pin, err);
    if (rc == SCA_OK)
        rc = sca_usim_verify_pin1(c->card, pin, err);
    OPENSSL_cleanse(pin, sizeof pin);
    return rc;
}

sca_rc cli_open_with_pin(cli *c, sca_error *err)
{
    char pin[16] = {0};
    if (c->card != NULL && (sca_card_security(c->card) & SCA_SEC_PIN))
        return SCA_OK;
    sca_rc rc = c->card != NULL ? SCA_OK : cli_open(c, err);
    if (rc == SCA_E_NO_APPLET)
        return open_usim(c, 0, err);
    if (rc == SCA_OK)
        rc = cli_read_pin(c, "PIN", c->pin, pin, sizeof pin, err);
    if (rc == SCA_OK)
        rc = sca_pin_verify(c->card, pin, err);
    OPENSSL_cleanse(pin, sizeof pin);
    return rc;
}

sca_rc cli_mbms_card(cli *c, sca_error *err)
{
    if (c->card == NULL) {
        sca_rc rc = cli_open(c, err);
        if (rc == SCA_E_NO_APPLET)
            return open_usim(c, 1, err);
        if (rc != SCA_OK)
            return rc;
    } else if (sca_mbms_backend(c->card) == SCA_MBMS_BACKEND_USIM) {
        return SCA_OK; /* opened and PIN1 verified by an earlier step */
    }
    sca_rc rc = cli_open_with_pin(c, err);
    if (rc == SCA_OK && sca_mbms_backend(c->card) != SCA_MBMS_BACKEND_APPLET)
        rc = sca_error_set(err, SCA_E_NOT_SUPPORTED, "the applet on this card has no MBMS key management (capability "
                           "MBMS_KEYS); update the applet");
    return rc;
}

/* A MIKEY message from a file: binary, or hex text (digits and whitespace only: a MIKEY message starts with 01). */
sca_rc cli_read_mikey(const char *path, uint8_t **out, size_t *len, sca_error *err)
{
    uint8_t *b = NULL;
    size_t n = 0;
    sca_rc rc = cli_read_file(path, MSG_FILE_MAX, &b, &n, err);
    if (rc != SCA_OK)
        return rc;
    size_t digits = 0, i = 0;
    for (; i < n; i++) {
        if (sca_hex_digit(b[i]) >= 0)
            digits++;
        else if (b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t')
            break;
    }
    if (i == n && digits > 0) { /* hex text */
        if (digits % 2 != 0) {
            free(b);
            return sca_error_set(err, SCA_E_PARSE, "%s: an odd number of hex digits", path);
        }
        size_t o = 0;
        int hi = -1;
        for (i = 0; i < n; i++) {
            int v = sca_hex_digit(b[i]);
            if (v < 0)
                continue;
            if (hi < 0) {
                hi = v;
            } else {
                b[o++] = (uint8_t)(hi << 4 | v);
                hi = -1;
            }
        }
        n = o;
    }
    if (n == 0) {
        free(b);
        return sca_error_set(err, SCA_E_PARSE, "%s is empty", path);
    }
    *out = b;
    *len = n;
    return SCA_OK;
}

static char *hex_of(const uint8_t *b, size_t n)
{
    char *h = cli_hex(b, n, 0);
    return h != NULL ? h : strdup("");
}

/* An LTKM: classify; a trigger prints the action, any other goes to the card. */
static int ltkm_msg(cli *c, const uint8_t *m, size_t n, const char *via)
{
    sca_error err;
    sca_mbms_action a;
    if (sca_mbms_ltkm_action(m, n, &a, &err) != SCA_OK)
        return cli_fail(c, &err);
    if (a.kind != SCA_MBMS_PROCESS_ON_CARD) {
        if (c->json) {
            json_t *o = sca_json_mbms_action(&a);
            json_object_set_new(o, "ok", json_true());
            json_object_set_new(o, "via", json_string(via));
            cli_json(o);
        } else {
            printf("a BSM solicited-pull trigger (%s, Key Domain %02X%02X%02X, Key Group %u): %s\n",
                   sca_mbms_action_name(a.kind), a.key_domain[0], a.key_domain[1], a.key_domain[2], a.key_group,
                   sca_mbms_action_next(a.kind));
        }
        return EXIT_OK;
    }
    uint8_t verif[SCA_MBMS_VERIF_MAX];
    size_t vl = 0;
    if (cli_mbms_card(c, &err) != SCA_OK || sca_mbms_msk_update(c->card, m, n, verif, sizeof verif, &vl, &err) != SCA_OK)
        return cli_fail(c, &err);
    char *vh = hex_of(verif, vl);
    if (c->json) {
        json_t *o = sca_json_mbms_action(&a);
        json_object_set_new(o, "ok", json_true());
        json_object_set_new(o, "via", json_string(via));
        json_object_set_new(o, "stored", json_true());
        if (vl > 0)
            json_object_set_new(o, "verification", json_string(vh));
        cli_json(o);
    } else {
        printf("MSK stored on the card (Key Domain %02X%02X%02X, Key Group %u, Key Number %u)\n", a.key_domain[0],
               a.key_domain[1], a.key_domain[2], a.key_group, a.key_number);
        if (vl > 0)
            printf("verification message: %s\n", vh);
    }
    free(vh);
    return EXIT_OK;
}

static int ltkm(cli *c, const char *path)
{
    sca_error err;
    uint8_t *m = NULL;
    size_t n = 0;
    if (cli_read_mikey(path, &m, &n, &err) != SCA_OK)
        return cli_fail(c, &err);
    int code = ltkm_msg(c, m, n, "file");
    free(m);
    return code;
}

int cli_mbms_push(cli *c, const char *path, cli_ltkm_fn ltkm_fn, void *ctx)
{
    sca_error err;
    uint8_t *b = NULL;
    size_t n = 0;
    sca_mbms_push p;
    if (cli_read_file(path, MSG_FILE_MAX, &b, &n, &err) != SCA_OK)
        return cli_fail(c, &err);
    int code = sca_mbms_push_parse(b, n, &p, &err) == SCA_OK ? ltkm_fn(c, ctx, p.body, p.body_len, "wap-push")
                                                             : cli_fail(c, &err);
    free(b);
    return code;
}

static int ltkm_direct(cli *c, void *ctx, const uint8_t *m, size_t n, const char *via)
{
    (void)ctx;
    return ltkm_msg(c, m, n, via);
}

static int stkm(cli *c, const char *path)
{
    sca_error err;
    uint8_t *m = NULL, mtk[SCA_MBMS_MTK_LEN], salt[SCA_MBMS_SALT_MAX];
    size_t n = 0, sl = 0;
    if (cli_read_mikey(path, &m, &n, &err) != SCA_OK)
        return cli_fail(c, &err);
    sca_rc rc = cli_mbms_card(c, &err);
    if (rc == SCA_OK)
        rc = sca_mbms_mtk(c->card, m, n, mtk, salt, &sl, &err);
    free(m);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    char *th = hex_of(mtk, sizeof mtk), *sh = hex_of(salt, sl);
    OPENSSL_cleanse(mtk, sizeof mtk);
    OPENSSL_cleanse(salt, sizeof salt);
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:s}", "ok", 1, "mtk", th, "salt", sh));
    else
        printf("TEK (MTK): %s\nsalt:      %s\n", th, sl > 0 ? sh : "(none)");
    OPENSSL_cleanse(th, strlen(th));
    OPENSSL_cleanse(sh, strlen(sh));
    free(th);
    free(sh);
    return EXIT_OK;
}

static int setup(cli *c)
{
    sca_error err;
    uint8_t mrk[SCA_MBMS_MRK_LEN];
    sca_gba_bp bp;
    if (c->bmsc_fqdn == NULL)
        return cli_usage(c, "usage: scagent mbms setup --bmsc-fqdn FQDN [--impi I]");
    if (cli_open_with_pin(c, &err) != SCA_OK || sca_mbms_setup(c->card, c->bmsc_fqdn, c->impi, mrk, &err) != SCA_OK)
        return cli_fail(c, &err);
    OPENSSL_cleanse(mrk, sizeof mrk); /* the host keeps nothing: bcast requests derive it again */
    int have_bp = sca_gba_bp_read(c->card, &bp, &err) == SCA_OK;
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:s}", "ok", 1, "idi", c->bmsc_fqdn, "idr", have_bp ? bp.btid : ""));
    else
        printf("MBMS setup done: the card holds the MUK for %s (IDr = B-TID %s); nothing was stored on the host\n",
               c->bmsc_fqdn, have_bp ? bp.btid : "?");
    return EXIT_OK;
}

/* --key-group: decimal or 0x hex, 0..65535 */
int cli_mbms_key_group(const char *s, uint16_t *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return 0;
    unsigned long v = strtoul(s, &end, 0);
    if (*end != '\0' || v > 0xFFFF || s[0] == '-')
        return 0;
    *out = (uint16_t)v;
    return 1;
}

static int delete_cmd(cli *c, const char *what)
{
    sca_error err;
    sca_rc rc;
    if (strcmp(what, "msk") == 0) {
        uint8_t kd[3];
        uint16_t grp;
        if (c->key_domain == NULL || strlen(c->key_domain) != 6 || sca_hex_decode(c->key_domain, kd, sizeof kd) != 3 ||
            !cli_mbms_key_group(c->key_group, &grp))
            return cli_usage(c, "usage: scagent mbms delete msk --key-domain HEX6 --key-group N (0..65535)");
        if ((rc = cli_mbms_card(c, &err)) == SCA_OK)
            rc = sca_mbms_msk_delete(c->card, kd, grp, &err);
    } else if (strcmp(what, "muk") == 0) {
        if (c->idi == NULL || c->idr == NULL)
            return cli_usage(c, "usage: scagent mbms delete muk --idi BMSC-FQDN --idr B-TID");
        if ((rc = cli_mbms_card(c, &err)) == SCA_OK)
            rc = sca_mbms_muk_delete(c->card, (const uint8_t *)c->idi, strlen(c->idi), (const uint8_t *)c->idr,
                                     strlen(c->idr), &err);
    } else {
        return cli_usage(c, "usage: scagent mbms delete msk ... | muk ...");
    }
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    if (c->json)
        cli_json(json_pack("{s:b, s:s}", "ok", 1, "deleted", what));
    else
        printf("deleted (%s)\n", what);
    return EXIT_OK;
}

static int status(cli *c)
{
    sca_error err;
    sca_mbms_status s;
    if (cli_open(c, &err) != SCA_OK || sca_mbms_status_read(c->card, &s, &err) != SCA_OK)
        return cli_fail(c, &err);
    json_t *muks = json_array(), *msks = json_array();
    if (!c->json)
        printf("MUKs (%zu):\n", s.n_muk);
    for (size_t i = 0; i < s.n_muk; i++) {
        const sca_mbms_muk_info *m = &s.muk[i];
        if (c->json)
            json_array_append_new(muks, json_pack("{s:s%, s:s%, s:I}", "idi", (const char *)m->idi, m->idi_len,
                                                  "idr", (const char *)m->idr, m->idr_len, "ts", (json_int_t)m->ts));
        else
            printf("  IDi %.*s  IDr %.*s  TS %u\n", (int)m->idi_len, (const char *)m->idi, (int)m->idr_len,
                   (const char *)m->idr, m->ts);
    }
    if (!c->json)
        printf("MSKs (%zu):\n", s.n_msk);
    for (size_t i = 0; i < s.n_msk; i++) {
        const sca_mbms_msk_info *m = &s.msk[i];
        char kd[7], id[9];
        snprintf(kd, sizeof kd, "%02X%02X%02X", m->key_domain[0], m->key_domain[1], m->key_domain[2]);
        snprintf(id, sizeof id, "%02X%02X%02X%02X", m->msk_id[0], m->msk_id[1], m->msk_id[2], m->msk_id[3]);
        if (c->json)
            json_array_append_new(msks, json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:i}", "key_domain", kd,
                                                  "msk_id", id, "key_group", m->key_group, "key_number",
                                                  m->key_number, "vf", m->vf, "vt", m->vt, "ts", (json_int_t)m->ts,
                                                  "last_mtk_id", m->last_mtk_id));
        else
            printf("  Key Domain %s  MSK ID %s  MTK IDs %u..%u  TS %u  last MTK ID %u\n", kd, id, m->vf, m->vt, m->ts,
                   m->last_mtk_id);
    }
    if (c->json)
        cli_json(json_pack("{s:b, s:o, s:o}", "ok", 1, "muks", muks, "msks", msks));
    else {
        json_decref(muks);
        json_decref(msks);
    }
    return EXIT_OK;
}

int cmd_mbms(cli *c, int argc, char **argv)
{
    if (argc == 1 && strcmp(argv[0], "setup") == 0)
        return setup(c);
    if (argc == 2 && strcmp(argv[0], "ltkm") == 0)
        return ltkm(c, argv[1]);
    if (argc == 2 && strcmp(argv[0], "stkm") == 0)
        return stkm(c, argv[1]);
    if (argc == 2 && strcmp(argv[0], "push") == 0)
        return cli_mbms_push(c, argv[1], ltkm_direct, NULL);
    if (argc == 2 && strcmp(argv[0], "delete") == 0)
        return delete_cmd(c, argv[1]);
    if (argc == 1 && strcmp(argv[0], "status") == 0)
        return status(c);
    if (argc == 1 && strcmp(argv[0], "listen") == 0)
        return cli_mbms_listen(c);
    return cli_usage(c, "usage: scagent mbms setup --bmsc-fqdn F | ltkm FILE|- | stkm FILE|- | push FILE | delete msk "
                    "--key-domain HEX6 --key-group N | delete muk --idi S --idr S | status | listen --udp PORT "
                    "[--count N] [--timeout MS] [--bmsc URL --bmsc-fqdn F]");
}
