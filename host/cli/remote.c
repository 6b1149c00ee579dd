/* scagent -S SOCKET / --daemon: the commands that go through scagentd instead of opening the card. Each maps to
 * one method of the daemon (host/daemon/PROTOCOL.md); the output is the direct command's JSON (with --json) or
 * a plain "key: value" rendering of the result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli.h"
#include "scagent/client.h"

static int usage_fail(cli *c, const char *msg)
{
    sca_error err;
    sca_error_set(&err, SCA_E_INVALID_ARG, "%s", msg);
    return cli_fail(c, &err);
}

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

static int show(cli *c, const char *method, json_t *r)
{
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
    if (!strcmp(cmd, "gba") && argc == 2 && !strcmp(sub, "status"))
        return "gba.status";
    if (!strcmp(cmd, "apdu") && argc == 2) {
        json_object_set_new(p, "apdu", json_string(argv[1]));
        return "apdu";
    }
    return NULL;
}

int cli_remote(cli *c, int argc, char **argv)
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
        return usage_fail(c, m);
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
    return show(c, method, r);
}
