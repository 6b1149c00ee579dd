/* scagent -S SOCKET / --daemon: the commands that go through scagentd instead of opening the card. Each maps to
 * one method of the daemon (host/daemon/PROTOCOL.md); the output is the direct command's JSON (with --json) and
 * its text where the daemon answers with the same result object (scagent/json_results.h), else a plain
 * "key: value" rendering of the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli.h"
#include "sca_contract.h"
#include "scagent/client.h"
#include "scagent/mbms.h"

#define HASH_PART (16u * 1024) /* fu verify --on-card: package bytes per fu.hash request (small: less to parse
                                    * at once in the daemon, so other clients wait less) */

static void print_text(const char *prefix, const json_t *v)
{
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        if (json_is_object(x)) {
            char p[128];
            snprintf(p, sizeof p, "%s%s.", prefix, k);
            print_text(p, x);
            continue;
        }
        char *s = json_is_string(x) ? NULL : json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT);
        printf("%s%s: %s\n", prefix, k, s ? s : json_string_value(x));
        free(s);
    }
}

/* The methods whose answer is the direct command's result object (scagent/json_results.h), and its text. */
static const struct {
    const char *method;
    void (*print)(FILE *f, const json_t *o);
} printers[] = {
    {"info", sca_json_info_print},           {"pin.status", sca_json_pin_status_print},
    {"dm.servers", sca_json_dm_servers_print}, {"dm.policy", sca_json_dm_policy_print},
    {"dm.check", sca_json_dm_check_print},   {"id.show", sca_json_id_show_print},
};

static int show(cli *c, const char *method, json_t *r, int argc, char **argv)
{
    for (size_t i = 0; i < sizeof printers / sizeof printers[0]; i++) {
        if (strcmp(method, printers[i].method))
            continue;
        /* the text names the server as the direct command does; the answer (--json) stays the daemon's */
        if (!c->json && !strcmp(method, "dm.check") && argc >= 3)
            json_object_set_new(r, "server", json_string(argv[2]));
        return cli_show(c, r, printers[i].print);
    }
    if (c->json) {
        json_t *o = json_pack("{s:b}", "ok", 1);
        json_object_update(o, r);
        cli_json(o);
    } else if (!strcmp(method, "id.header")) {
        printf("%s\n", json_string_value(json_object_get(r, "user_agent")));
    } else if (!strcmp(method, "apdu")) {
        const char *d = json_string_value(json_object_get(r, "data"));
        printf("%s%s%s  (%s)\n", d, *d ? " " : "", json_string_value(json_object_get(r, "sw")),
               json_string_value(json_object_get(r, "meaning")));
    } else if (!strcmp(method, "dmboot.verify")) {
        printf("verified: the HMAC-SHA1 MAC matches (SEC=%s, checked by the card)\n",
               json_string_value(json_object_get(r, "sec")));
        printf("%s\n", json_string_value(json_object_get(r, "xml")));
    } else {
        print_text("", r);
    }
    json_decref(r);
    return EXIT_OK;
}

/* Build the method and its parameters from the command line; NULL method: not available through the daemon. */
static const char *translate(cli *c, int argc, char **argv, json_t *p, sca_error *err)
{
    const char *cmd = argv[0], *sub = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "info") && argc == 1)
        return "info";
    if (!strcmp(cmd, "pin") && argc == 2 && !strcmp(sub, "status"))
        return "pin.status";
    if (!strcmp(cmd, "pin") && argc == 2 && (!strcmp(sub, "verify") || !strcmp(sub, "change"))) {
        char pin[64] = {0}, np[64] = {0};
        int change = !strcmp(sub, "change");
        if (cli_read_pin(c, change ? "Current PIN" : "PIN", c->pin, pin, sizeof pin, err) != SCA_OK ||
            (change && cli_read_pin(c, "New PIN", c->new_pin, np, sizeof np, err) != SCA_OK))
            return "";
        json_object_set_new(p, "pin", json_string(pin));
        if (change)
            json_object_set_new(p, "new_pin", json_string(np));
        OPENSSL_cleanse(pin, sizeof pin);
        OPENSSL_cleanse(np, sizeof np);
        return change ? "pin.change" : "pin.verify";
    }
    if (!strcmp(cmd, "id") && argc == 2 && !strcmp(sub, "header")) {
        json_object_set_new(p, "cert", json_boolean(!c->no_cert));
        return "id.header";
    }
    if (!strcmp(cmd, "id") && argc == 2 && !strcmp(sub, "show"))
        return "id.show";
    if (!strcmp(cmd, "dm") && argc == 3 && !strcmp(sub, "check")) {
        json_object_set_new(p, "server", json_string(argv[2]));
        if (c->now >= 0)
            json_object_set_new(p, "time", json_integer(c->now));
        return "dm.check";
    }
    if (!strcmp(cmd, "dm") && argc == 2 && (!strcmp(sub, "servers") || !strcmp(sub, "policy")))
        return !strcmp(sub, "servers") ? "dm.servers" : "dm.policy";
    if (!strcmp(cmd, "dm") && argc == 4 && !strcmp(sub, "bootstrap") && !strcmp(argv[2], "verify")) {
        if (c->content_type == NULL || c->wsp || c->offline || c->imsi || c->esn || c->key_hex) {
            sca_error_set(err, SCA_E_INVALID_ARG, "through the daemon: dm bootstrap verify FILE --content-type VALUE "
                                                  "[--pin PIN] [--naf-fqdn FQDN --ua-id HEX10] [--add-server]");
            return "";
        }
        uint8_t *body;
        size_t n;
        if (cli_read_file(argv[3], SCA_DMBOOT_BODY_MAX, &body, &n, err) != SCA_OK)
            return "";
        char *b64 = malloc(4 * ((n + 2) / 3) + 1); /* EVP_EncodeBlock: padded, no line breaks, NUL-terminated */
        if (b64 != NULL)
            EVP_EncodeBlock((unsigned char *)b64, body, (int)n);
        free(body);
        if (b64 == NULL) {
            sca_error_set(err, SCA_E_NO_MEMORY, NULL);
            return "";
        }
        json_object_set_new(p, "body", json_string(b64));
        free(b64);
        json_object_set_new(p, "content_type", json_string(c->content_type));
        if (c->pin)
            json_object_set_new(p, "pin", json_string(c->pin));
        if (c->naf_fqdn)
            json_object_set_new(p, "naf_fqdn", json_string(c->naf_fqdn));
        if (c->ua_id)
            json_object_set_new(p, "ua_id", json_string(c->ua_id));
        if (c->add_server)
            json_object_set_new(p, "add_server", json_true());
        return "dmboot.verify";
    }
    if (!strcmp(cmd, "apdu") && argc == 2) {
        json_object_set_new(p, "apdu", json_string(argv[1]));
        return "apdu";
    }
    return NULL;
}


static int cli_remote_simple(cli *c, int argc, char **argv);

/* ---- helpers ---------------------------------------------------------------------------------------------- */

json_t *cli_jb64(const uint8_t *b, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    if (s == NULL)
        return NULL;
    EVP_EncodeBlock((unsigned char *)s, b, (int)n);
    json_t *o = json_string(s);
    free(s);
    return o;
}

uint8_t *cli_unb64(const json_t *r, const char *key, size_t *n)
{
    const char *s = json_string_value(json_object_get(r, key));
    *n = 0;
    if (s == NULL)
        return NULL;
    size_t l = strlen(s);
    uint8_t *b = malloc(l / 4 * 3 + 1);
    if (b == NULL || l % 4 != 0) {
        free(b);
        return NULL;
    }
    int k = l ? EVP_DecodeBlock(b, (const unsigned char *)s, (int)l) : 0;
    if (k < 0) {
        free(b);
        return NULL;
    }
    size_t pad = l >= 2 && s[l - 1] == '=' ? (s[l - 2] == '=' ? 2 : 1) : 0;
    *n = (size_t)k - pad;
    return b;
}

/* A Base64 member of a result as upper-case hex (new string, "" when absent); `wipe`: the bytes are keys. */
static char *b64_to_hex(const json_t *r, const char *key, int wipe)
{
    size_t n;
    uint8_t *b = cli_unb64(r, key, &n);
    char *h = b ? cli_hex(b, n, 0) : NULL;
    if (b && wipe)
        OPENSSL_cleanse(b, n);
    free(b);
    return h ? h : strdup("");
}

static const char *jstr(const json_t *r, const char *key)
{
    const char *s = json_string_value(json_object_get(r, key));
    return s ? s : "";
}

static long long jint(const json_t *r, const char *key)
{
    return json_integer_value(json_object_get(r, key));
}

/* The PIN as the direct command asks for it (--pin, --pin-stdin or a prompt) into params. */
static sca_rc add_pin(cli *c, json_t *p, const char *prompt, sca_error *err)
{
    char pin[64] = {0};
    sca_rc rc = cli_read_pin(c, prompt, c->pin, pin, sizeof pin, err);
    if (rc == SCA_OK)
        json_object_set_new(p, "pin", json_string(pin));
    OPENSSL_cleanse(pin, sizeof pin);
    return rc;
}

int cli_remote_call(cli *c, sca_client *cl, const char *method, json_t *p, json_t **r)
{
    sca_error err;
    if (sca_client_call(cl, method, p, c->timeout_ms > 0 ? (int)c->timeout_ms : 0, r, &err) != SCA_OK)
        return cli_fail(c, &err);
    return EXIT_OK;
}

/* ---- mbms stkm|ltkm|status|setup ----------------------------------------------------------------------- */

static int r_mbms_stkm(cli *c, sca_client *cl, const char *path)
{
    sca_error err;
    uint8_t *m = NULL;
    size_t n = 0;
    json_t *p = json_object(), *r = NULL;
    sca_rc rc = cli_read_mikey(path, &m, &n, &err);
    if (rc == SCA_OK)
        rc = add_pin(c, p, "PIN", &err);
    if (rc == SCA_OK)
        json_object_set_new(p, "stkm", cli_jb64(m, n));
    free(m);
    if (rc != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    int code = cli_remote_call(c, cl, "mbms.stkm", p, &r);
    if (code != EXIT_OK)
        return code;
    char *th = b64_to_hex(r, "mtk", 1), *sh = b64_to_hex(r, "salt", 1);
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:s}", "ok", 1, "mtk", th, "salt", sh));
    else
        printf("TEK (MTK): %s\nsalt:      %s\n", th, *sh ? sh : "(none)");
    OPENSSL_cleanse(th, strlen(th));
    OPENSSL_cleanse(sh, strlen(sh));
    free(th);
    free(sh);
    json_decref(r);
    return EXIT_OK;
}

/* One LTKM (or a BSM trigger), from a file or out of a WAP push (`via`). */
static int r_mbms_ltkm_msg(cli *c, sca_client *cl, const uint8_t *m, size_t n, const char *via)
{
    sca_error err;
    sca_mbms_action a;
    json_t *p = json_object(), *r = NULL;
    sca_rc rc = sca_mbms_ltkm_action(m, n, &a, &err); /* the same classification as the daemon's: a trigger needs no PIN */
    if (rc == SCA_OK && a.kind == SCA_MBMS_PROCESS_ON_CARD)
        rc = add_pin(c, p, "PIN", &err);
    if (rc == SCA_OK)
        json_object_set_new(p, "ltkm", cli_jb64(m, n));
    if (rc != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    int code = cli_remote_call(c, cl, "mbms.ltkm", p, &r);
    if (code != EXIT_OK)
        return code;
    int stored = json_is_true(json_object_get(r, "stored"));
    char *vh = b64_to_hex(r, "verification", 0);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "action", jstr(r, "action"), "key_domain",
                              jstr(r, "key_domain"), "key_group", jstr(r, "key_group"), "key_group_number",
                              (json_int_t)jint(r, "key_group_number"), "key_number", (json_int_t)jint(r, "key_number"),
                              "next", jstr(r, "next"));
        json_object_set_new(o, "ok", json_true());
        json_object_set_new(o, "via", json_string(via));
        if (stored)
            json_object_set_new(o, "stored", json_true());
        if (*vh)
            json_object_set_new(o, "verification", json_string(vh));
        cli_json(o);
    } else if (!stored) {
        printf("a BSM solicited-pull trigger (%s, Key Domain %s, Key Group %lld): %s\n", jstr(r, "action"),
               jstr(r, "key_domain"), jint(r, "key_group_number"), jstr(r, "next"));
    } else {
        printf("MSK stored on the card (Key Domain %s, Key Group %lld, Key Number %lld)\n", jstr(r, "key_domain"),
               jint(r, "key_group_number"), jint(r, "key_number"));
        if (*vh)
            printf("verification message: %s\n", vh);
    }
    free(vh);
    json_decref(r);
    return EXIT_OK;
}

static int r_mbms_ltkm(cli *c, sca_client *cl, const char *path)
{
    sca_error err;
    uint8_t *m = NULL;
    size_t n = 0;
    if (cli_read_mikey(path, &m, &n, &err) != SCA_OK)
        return cli_fail(c, &err);
    int code = r_mbms_ltkm_msg(c, cl, m, n, "file");
    free(m);
    return code;
}

/* The SMS WAP push is parsed here (the same parser as the direct command); its LTKM goes to the daemon. */
static int ltkm_remote(cli *c, void *cl, const uint8_t *m, size_t n, const char *via)
{
    return r_mbms_ltkm_msg(c, cl, m, n, via);
}

/* mbms delete msk --key-domain HEX6 --key-group N | muk --idi S --idr S, with the direct command's output. */
static int r_mbms_delete(cli *c, sca_client *cl, const char *what)
{
    sca_error err;
    json_t *p = json_pack("{s:s}", "what", what), *r = NULL;
    uint16_t grp;
    if (!strcmp(what, "msk") && c->key_domain != NULL && cli_mbms_key_group(c->key_group, &grp)) {
        json_object_set_new(p, "key_domain", json_string(c->key_domain));
        json_object_set_new(p, "key_group", json_integer(grp));
    } else if (!strcmp(what, "muk") && c->idi != NULL && c->idr != NULL) {
        json_object_set_new(p, "idi", json_string(c->idi));
        json_object_set_new(p, "idr", json_string(c->idr));
    } else {
        json_decref(p);
        return cli_usage(c, "usage: scagent mbms delete msk --key-domain HEX6 --key-group N | muk --idi S --idr S");
    }
    if (add_pin(c, p, "PIN", &err) != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    int code = cli_remote_call(c, cl, "mbms.delete", p, &r);
    if (code != EXIT_OK)
        return code;
    json_decref(r);
    if (c->json)
        cli_json(json_pack("{s:b, s:s}", "ok", 1, "deleted", what));
    else
        printf("deleted (%s)\n", what);
    return EXIT_OK;
}

static int r_mbms_status(cli *c, sca_client *cl)
{
    json_t *r = NULL;
    int code = cli_remote_call(c, cl, "mbms.status", NULL, &r);
    if (code != EXIT_OK)
        return code;
    json_t *muks = json_object_get(r, "muks"), *msks = json_object_get(r, "msks"), *e;
    size_t i;
    if (c->json) {
        cli_json(json_pack("{s:b, s:O, s:O}", "ok", 1, "muks", muks, "msks", msks));
    } else {
        printf("MUKs (%zu):\n", json_array_size(muks));
        json_array_foreach(muks, i, e)
            printf("  IDi %s  IDr %s  TS %lld\n", jstr(e, "idi"), jstr(e, "idr"), jint(e, "ts"));
        printf("MSKs (%zu):\n", json_array_size(msks));
        json_array_foreach(msks, i, e)
            printf("  Key Domain %s  MSK ID %s  MTK IDs %lld..%lld  TS %lld  last MTK ID %lld\n", jstr(e, "key_domain"),
                   jstr(e, "msk_id"), jint(e, "vf"), jint(e, "vt"), jint(e, "ts"), jint(e, "last_mtk_id"));
    }
    json_decref(r);
    return EXIT_OK;
}

static int r_mbms_setup(cli *c, sca_client *cl)
{
    sca_error err;
    json_t *r = NULL;
    if (c->bmsc_fqdn == NULL)
        return cli_usage(c, "usage: scagent mbms setup --bmsc-fqdn FQDN [--impi I]");
    json_t *p = json_pack("{s:s}", "bmsc_fqdn", c->bmsc_fqdn);
    if (c->impi)
        json_object_set_new(p, "impi", json_string(c->impi));
    if (add_pin(c, p, "PIN", &err) != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    int code = cli_remote_call(c, cl, "mbms.setup", p, &r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:s}", "ok", 1, "idi", jstr(r, "idi"), "idr", jstr(r, "idr")));
    else
        printf("MBMS setup done: the card holds the MUK for %s (IDr = B-TID %s); nothing was stored on the host\n",
               jstr(r, "idi"), *jstr(r, "idr") ? jstr(r, "idr") : "?");
    json_decref(r);
    return EXIT_OK;
}

/* ---- gba bootstrap|status|naf-key ------------------------------------------------------------------------ */

static int r_gba(cli *c, sca_client *cl, const char *sub, const char *url)
{
    sca_error err;
    json_t *p = json_object(), *r = NULL;
    const char *method = !strcmp(sub, "bootstrap") ? "gba.bootstrap" : !strcmp(sub, "naf-key") ? "gba.naf-key"
                                                                                               : "gba.status";
    sca_rc rc = SCA_OK;
    if (!strcmp(method, "gba.bootstrap")) {
        json_object_set_new(p, "url", json_string(url));
        if (c->timeout_ms > 0)
            json_object_set_new(p, "timeout_ms", json_integer(c->timeout_ms));
    } else if (!strcmp(method, "gba.naf-key")) {
        if (c->naf_fqdn == NULL)
            rc = sca_error_set(&err, SCA_E_INVALID_ARG, "give the NAF's FQDN with --naf-fqdn");
        else
            json_object_set_new(p, "naf_fqdn", json_string(c->naf_fqdn));
        if (c->ua_id)
            json_object_set_new(p, "ua_id", json_string(c->ua_id));
    }
    if (rc == SCA_OK && c->cafile && !strcmp(method, "gba.bootstrap"))
        rc = sca_error_set(&err, SCA_E_INVALID_ARG, "--cafile: the daemon uses the system's TLS trust store only");
    if (rc == SCA_OK && strcmp(method, "gba.status")) {
        if (c->impi)
            json_object_set_new(p, "impi", json_string(c->impi));
        rc = add_pin(c, p, "PIN", &err);
    }
    if (rc != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    int code = cli_remote_call(c, cl, method, p, &r);
    if (code != EXIT_OK)
        return code;
    if (!strcmp(method, "gba.bootstrap")) {
        if (c->json)
            cli_json(json_pack("{s:b, s:s, s:s, s:s, s:O, s:O}", "ok", 1, "btid", jstr(r, "btid"), "lifetime",
                               jstr(r, "lifetime"), "rand", jstr(r, "rand"), "resynchronised",
                               json_object_get(r, "resynchronised"), "http_requests",
                               json_object_get(r, "http_requests")));
        else
            printf("bootstrapped: B-TID %s, key lifetime %s%s\n", jstr(r, "btid"), jstr(r, "lifetime"),
                   json_is_true(json_object_get(r, "resynchronised")) ? " (after an SQN resynchronisation)" : "");
    } else if (!strcmp(method, "gba.naf-key")) {
        if (c->json)
            cli_json(json_pack("{s:b, s:s, s:s}", "ok", 1, "naf_fqdn", jstr(r, "naf_fqdn"), "ks_ext_naf",
                               jstr(r, "ks_ext_naf")));
        else
            printf("%s\n", jstr(r, "ks_ext_naf"));
    } else {
        int have = json_is_true(json_object_get(r, "bootstrapped"));
        const char *impi = json_string_value(json_object_get(r, "impi"));
        if (c->json) {
            json_t *o = json_pack("{s:b, s:b}", "ok", 1, "bootstrapped", have);
            if (impi)
                json_object_set_new(o, "impi", json_string(impi));
            if (have) {
                json_object_set_new(o, "rand", json_string(jstr(r, "rand")));
                json_object_set_new(o, "btid", json_string(jstr(r, "btid")));
                json_object_set_new(o, "lifetime", json_string(jstr(r, "lifetime")));
            }
            cli_json(o);
        } else {
            printf("IMPI:      %s\n", impi ? impi : "(not personalized)");
            if (have)
                printf("RAND:      %s\nB-TID:     %s\nlifetime:  %s\n", jstr(r, "rand"),
                       *jstr(r, "btid") ? jstr(r, "btid") : "(not written)",
                       *jstr(r, "lifetime") ? jstr(r, "lifetime") : "(not written)");
            else
                printf("no GBA bootstrap yet\n");
        }
    }
    json_decref(r);
    return EXIT_OK;
}

/* ---- bcast register|service-request|token-purchase|ltkm-request URL ---------------------------------------- */

static int r_bcast(cli *c, sca_client *cl, const char *kind, const char *url)
{
    sca_error err;
    json_t *r = NULL;
    if (c->too_many)
        return cli_usage(c, "at most 32 --service / --msk-id values");
    if (c->bmsc_fqdn == NULL)
        return cli_usage(c, "give the BM-SC's FQDN with --bmsc-fqdn (its NAF name: the MRK is derived for it, and it "
                             "is the Digest realm)");
    if (c->udp_port > 65535)
        return cli_usage(c, "--udp-port is 1..65535");
    if (c->cafile)
        return cli_usage(c, "--cafile: the daemon uses the system's TLS trust store only");
    json_t *p = json_pack("{s:s, s:s, s:s}", "kind", kind, "url", url, "bmsc_fqdn", c->bmsc_fqdn);
    json_t *sv = json_array(), *mk = json_array();
    for (size_t i = 0; i < c->n_services; i++)
        json_array_append_new(sv, json_string(c->services[i]));
    for (size_t i = 0; i < c->n_msk_ids; i++)
        json_array_append_new(mk, json_string(c->msk_ids[i]));
    json_object_set_new(p, "services", sv);
    json_object_set_new(p, "msk_ids", mk);
    if (c->key_domain)
        json_object_set_new(p, "key_domain", json_string(c->key_domain));
    if (c->udp_port > 0)
        json_object_set_new(p, "udp_port", json_integer(c->udp_port));
    if (c->impi)
        json_object_set_new(p, "impi", json_string(c->impi));
    if (c->timeout_ms > 0)
        json_object_set_new(p, "timeout_ms", json_integer(c->timeout_ms));
    if (add_pin(c, p, "PIN", &err) != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    int code = cli_remote_call(c, cl, "bcast.provision", p, &r);
    if (code != EXIT_OK)
        return code;
    int refused = jint(r, "global_status") != 0;
    json_t *items = json_object_get(r, "items"), *ltkms = json_object_get(r, "ltkms"), *e;
    size_t i;
    if (c->json) {
        json_t *lt = json_array();
        json_array_foreach(ltkms, i, e) {
            char *h = b64_to_hex(e, "ltkm", 0);
            json_array_append_new(lt, json_pack("{s:s, s:s}", "msk_id", jstr(e, "msk_id"), "hex", h));
            free(h);
        }
        json_t *o = json_pack("{s:I, s:s, s:I, s:I, s:O, s:o}", "http_status", (json_int_t)jint(r, "http_status"),
                              "request_id", jstr(r, "request_id"), "global_status",
                              (json_int_t)jint(r, "global_status"),
                              "http_requests", (json_int_t)jint(r, "http_requests"), "items", items, "ltkms", lt);
        json_object_set_new(o, "ok", json_boolean(!refused));
        json_object_set_new(o, "kind", json_string(kind));
        cli_json(o);
    } else {
        printf("%s: HTTP %lld, globalStatusCode %lld (%s)\n", kind, jint(r, "http_status"), jint(r, "global_status"),
               refused ? "refused in part or whole" : "granted");
        json_array_foreach(items, i, e)
            printf("  %s: status %lld\n", jstr(e, "id"), jint(e, "status"));
        json_array_foreach(ltkms, i, e) {
            size_t n;
            uint8_t *b = cli_unb64(e, "ltkm", &n);
            printf("  LTKM for MSK ID %s: %zu bytes\n", jstr(e, "msk_id"), n);
            free(b);
        }
    }
    json_decref(r);
    return refused ? EXIT_REFUSED : EXIT_OK;
}

/* ---- fu verify PACKAGE | fu report STATUS ------------------------------------------------------------------ */

/* The package to the card in fu.hash requests of HASH_PART bytes (the daemon cuts them into one card transaction
 * per chunk, so urgent requests of other clients run in between). Exactly `size` bytes, as sca_fu_hash_on_card. */
static int hash_on_card(cli *c, sca_client *cl, const char *package, uint64_t size)
{
    sca_error err;
    FILE *f = fopen(package, "rb");
    if (f == NULL) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "cannot open the package %s", package);
        return cli_fail(c, &err);
    }
    uint8_t *buf = malloc(HASH_PART);
    uint64_t done = 0;
    int code = EXIT_OK, first = 1;
    if (buf == NULL) {
        fclose(f);
        sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
        return cli_fail(c, &err);
    }
    for (;;) {
        size_t n = fread(buf, 1, HASH_PART, f);
        int last = n < HASH_PART || (done + n == size && fgetc(f) == EOF);
        json_t *p = json_pack("{s:o, s:b, s:b}", "data", cli_jb64(buf, n), "first", first, "last", last);
        json_t *r = NULL;
        code = cli_remote_call(c, cl, "fu.hash", p, &r);
        json_decref(r);
        if (code != EXIT_OK)
            break;
        done += n;
        first = 0;
        if (!c->json && isatty(STDERR_FILENO) && size > 0)
            fprintf(stderr, "\r%3d%% %llu/%llu bytes%s", (int)(done * 100 / size), (unsigned long long)done,
                    (unsigned long long)size, last ? "\n" : "");
        if (last)
            break;
    }
    free(buf);
    fclose(f);
    return code;
}

static int r_fu_verify(cli *c, sca_client *cl, const char *package)
{
    sca_error err;
    if (c->manifest == NULL || c->server == NULL)
        return cli_usage(c, "usage: scagent fu verify PACKAGE --manifest FILE --server ID [--on-card] [--token FILE] "
                             "[--confirm]");
    uint8_t *m = NULL, token[16], digest[32];
    size_t mlen = 0;
    uint64_t size = 0;
    sca_fu_manifest_view v;
    sca_rc rc = cli_read_file(c->manifest, SCA_FU_MANIFEST_MAX, &m, &mlen, &err);
    if (rc == SCA_OK)
        rc = sca_fu_manifest_parse(m, mlen, &v, &err);
    if (rc == SCA_OK && c->token != NULL)
        rc = cli_read_token(c->token, token, &err);
    if (rc != SCA_OK) {
        free(m);
        return cli_fail(c, &err);
    }
    json_t *chk = NULL, *r = NULL;
    int confirmed = 0;
    int code = cli_remote_call(c, cl, "dm.check", json_pack("{s:s, s:I}", "server", c->server, "time", (json_int_t)cli_now(c)),
                    &chk);
    const char *policy = code == EXIT_OK ? jstr(chk, "policy") : "";
    if (code == EXIT_OK && !json_is_true(json_object_get(chk, "authorized")) && c->confirm &&
        strcmp(policy, sca_dm_policy_name(SCA_DM_POLICY_DENY))) {
        json_t *p = json_pack("{s:s}", "server", c->server);
        if (!strcmp(policy, sca_dm_policy_name(SCA_DM_POLICY_CONFIRM_PIN)) &&
            add_pin(c, p, "PIN to confirm the unauthorized DM server", &err) != SCA_OK) {
            json_decref(p);
            code = cli_fail(c, &err);
        } else {
            code = cli_remote_call(c, cl, "dm.confirm", p, &r);
            json_decref(r);
            confirmed = code == EXIT_OK;
        }
    }
    json_t *sum = NULL;
    if (code == EXIT_OK) {
        json_t *p = json_pack("{s:o}", "manifest", cli_jb64(m, mlen));
        if (c->token)
            json_object_set_new(p, "token", cli_jb64(token, 16));
        code = cli_remote_call(c, cl, "fu.verify-manifest", p, &sum);
    }
    free(m);
    if (code == EXIT_OK && c->on_card) {
        code = hash_on_card(c, cl, package, v.m.size);
    } else if (code == EXIT_OK) {
        rc = sca_fu_hash_file(package, v.m.size, NULL, NULL, digest, &size, &err);
        if (rc == SCA_E_PARSE) { /* as the direct command: reported to the card as a corrupted package */
            json_decref(r);
            r = NULL;
            cli_remote_call(c, cl, "fu.report", json_pack("{s:s, s:i, s:I}", "status", "failed", "code", 402, "time",
                                               (json_int_t)cli_now(c)), &r);
            err.rc = rc = SCA_E_CRYPTO;
            sca_error_prefix(&err, "the package does not match the manifest; the card logged the failure");
        }
        if (rc != SCA_OK) {
            code = cli_fail(c, &err);
        } else {
            char hex[65];
            for (int i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02X", digest[i]);
            json_decref(r);
            r = NULL;
            code = cli_remote_call(c, cl, "fu.digest", json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)size), &r);
        }
    }
    json_decref(r);
    if (code == EXIT_OK) {
        if (c->json) {
            json_t *o = json_pack("{s:b, s:s, s:I, s:I, s:I, s:s, s:b, s:b, s:b}", "ok", 1, "kind", jstr(sum, "kind"),
                                  "from", (json_int_t)jint(sum, "from"), "to", (json_int_t)jint(sum, "to"), "size",
                                  (json_int_t)jint(sum, "size"), "sha256", jstr(sum, "sha256"), "hashed_on_card",
                                  c->on_card, "token", c->token != NULL, "confirmed", confirmed);
            json_object_set(o, "server", chk);
            cli_json(o);
        } else {
            printf("DM server %s: %s%s\n", c->server, jstr(chk, "reason"), confirmed ? " (confirmed by the user)" : "");
            printf("manifest:  %s update %lld -> %lld, signed by originator %u, sequence %lu\n", jstr(sum, "kind"),
                   jint(sum, "from"), jint(sum, "to"), v.m.originator, (unsigned long)v.m.seq);
            printf("package:   %lld bytes, SHA-256 %s, %s\n", jint(sum, "size"), jstr(sum, "sha256"),
                   c->on_card ? "hashed by the card" : "hashed here, compared by the card");
            printf("verified: the update may be installed; then run 'scagent fu report installed'\n");
        }
    }
    json_decref(chk);
    json_decref(sum);
    return code;
}

static int r_fu_report(cli *c, sca_client *cl, const char *what)
{
    if (strcmp(what, "started") && strcmp(what, "installed") && strcmp(what, "failed"))
        return cli_usage(c, "usage: scagent fu report started|installed|failed [--code N]");
    if (c->code > 0xFFFF)
        return cli_usage(c, "--code is a FUMO result code, 0..65535");
    json_t *p = json_pack("{s:s, s:I}", "status", what, "time", (json_int_t)cli_now(c)), *r = NULL;
    if (c->code >= 0)
        json_object_set_new(p, "code", json_integer(c->code));
    int code = cli_remote_call(c, cl, "fu.report", p, &r);
    if (code != EXIT_OK)
        return code;
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:I}", "ok", 1, "reported", what, "code", (json_int_t)jint(r, "code")));
    else
        printf("reported '%s' (result %lld) to the card%s\n", what, jint(r, "code"),
               !strcmp(what, "installed") ? "; the version in the BCAST identifier was raised" : "");
    json_decref(r);
    return EXIT_OK;
}

/* Commands of several requests, or with the direct command's own output (is_complex says which). */

static int run_complex(cli *c, sca_client *cl, int argc, char **argv)
{
    const char *cmd = argv[0], *sub = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "mbms")) {
        if (argc == 2 && !strcmp(sub, "listen"))
            return cli_remote_mbms_listen(c, cl);
        if (argc == 3 && !strcmp(sub, "stkm"))
            return r_mbms_stkm(c, cl, argv[2]);
        if (argc == 3 && !strcmp(sub, "ltkm"))
            return r_mbms_ltkm(c, cl, argv[2]);
        if (argc == 3 && !strcmp(sub, "push"))
            return cli_mbms_push(c, argv[2], ltkm_remote, cl);
        if (argc == 3 && !strcmp(sub, "delete"))
            return r_mbms_delete(c, cl, argv[2]);
        if (argc == 2 && !strcmp(sub, "status"))
            return r_mbms_status(c, cl);
        return r_mbms_setup(c, cl);
    }
    if (!strcmp(cmd, "gba"))
        return r_gba(c, cl, sub, argc == 3 ? argv[2] : NULL);
    if (!strcmp(cmd, "bcast"))
        return r_bcast(c, cl, sub, argv[2]);
    if (!strcmp(cmd, "fu") && !strcmp(sub, "verify"))
        return r_fu_verify(c, cl, argv[2]);
    if (!strcmp(cmd, "register"))
        return cli_remote_register(c, cl, argv[1]);
    if (!strcmp(cmd, "fu") && !strcmp(sub, "log"))
        return cli_remote_fu_log(c, cl);
    if (!strcmp(cmd, "upgrade"))
        return cli_remote_upgrade_verify(c, cl, argv[2]);
    if (!strcmp(cmd, "id"))
        return cli_remote_id_verify(c, cl, argv[2]);
    if (!strcmp(cmd, "perso"))
        return cli_remote_perso(c, cl, argc, argv);
    return r_fu_report(c, cl, argv[2]);
}

static int is_complex(int argc, char **argv)
{
    const char *cmd = argv[0], *sub = argc > 1 ? argv[1] : "";
    if (!strcmp(cmd, "mbms"))
        return (argc == 3 && (!strcmp(sub, "stkm") || !strcmp(sub, "ltkm") || !strcmp(sub, "push") ||
                              !strcmp(sub, "delete"))) ||
               (argc == 2 && (!strcmp(sub, "status") || !strcmp(sub, "setup") || !strcmp(sub, "listen")));
    if (!strcmp(cmd, "gba"))
        return (argc == 3 && !strcmp(sub, "bootstrap")) ||
               (argc == 2 && (!strcmp(sub, "status") || !strcmp(sub, "naf-key")));
    if (!strcmp(cmd, "bcast"))
        return argc == 3 && (!strcmp(sub, "register") || !strcmp(sub, "service-request") ||
                             !strcmp(sub, "token-purchase") || !strcmp(sub, "ltkm-request"));
    if (!strcmp(cmd, "fu"))
        return (argc == 3 && (!strcmp(sub, "verify") || !strcmp(sub, "report"))) || (argc == 2 && !strcmp(sub, "log"));
    if (!strcmp(cmd, "register"))
        return argc == 2;
    if (!strcmp(cmd, "upgrade") || !strcmp(cmd, "id"))
        return argc == 3 && !strcmp(sub, "verify");
    if (!strcmp(cmd, "perso"))
        return argc >= 2;
    return 0;
}

int cli_remote(cli *c, int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "perso") && (c->issuer_keys != NULL || c->test_keys))
        return cli_usage(c, "--issuer-keys/--test-keys: through the daemon, perso uses scagentd's configured issuer "
                            "keys (issuer_keys in scagentd.conf); run it without them");
    if (argc >= 1 && is_complex(argc, argv)) {
        sca_error err;
        sca_client *cl;
        if (sca_client_connect(c->socket, 0, &cl, &err) != SCA_OK)
            return cli_fail(c, &err);
        int code = run_complex(c, cl, argc, argv);
        sca_client_close(cl);
        return code;
    }
    return cli_remote_simple(c, argc, argv);
}

static int cli_remote_simple(cli *c, int argc, char **argv)
{
    sca_error err;
    json_t *p = json_object();
    sca_error_clear(&err);
    const char *method = translate(c, argc, argv, p, &err);
    if (method == NULL) {
        json_decref(p);
        char m[200];
        snprintf(m, sizeof m, "'%s%s%s' is not available through the daemon yet; run it without -S/--socket/--daemon",
                 argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
        return cli_usage(c, m);
    }
    if (*method == '\0') {
        json_decref(p);
        return cli_fail(c, &err);
    }
    sca_client *cl;
    if (sca_client_connect(c->socket, 0, &cl, &err) != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    json_t *r = NULL;
    sca_rc rc = sca_client_call(cl, method, p, c->timeout_ms > 0 ? (int)c->timeout_ms : 0, &r, &err);
    sca_client_close(cl);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    return show(c, method, r, argc, argv);
}
