/* scagent -S: the BCAST identity commands through scagentd (register, upgrade verify, id verify), and the log
 * relay for a remote DM server (fu log --dm-server). Their output is the direct commands' own: the daemon answers
 * with the objects the direct commands print (scagent/json_results.h, the DM server's verdict), and the text is
 * printed from them by the same functions. */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "cli.h"

/* Bytes as a Base64 JSON string (new reference), or NULL with err. */
static json_t *b64(const uint8_t *b, size_t n, sca_error *err)
{
    json_t *v = cli_jb64(b, n);
    if (v == NULL)
        sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    return v;
}

int cli_remote_register(cli *c, sca_client *cl, const char *url)
{
    json_t *p = json_pack("{s:s, s:b, s:b}", "url", url, "id_on_request", c->id_on_request, "cert", !c->no_cert);
    if (c->timeout_ms > 0)
        json_object_set_new(p, "timeout_ms", json_integer(c->timeout_ms > 120000 ? 120000 : c->timeout_ms));
    json_t *r = NULL;
    int code = cli_remote_call(c, cl, "register", p, &r);
    return code != EXIT_OK ? code : cli_show_register(c, r);
}

int cli_remote_upgrade_verify(cli *c, sca_client *cl, const char *path)
{
    sca_error err;
    uint8_t *msg = NULL;
    size_t n = 0;
    json_t *m = NULL;
    if (cli_read_file(path, 1 << 16, &msg, &n, &err) != SCA_OK || (m = b64(msg, n, &err)) == NULL) {
        free(msg);
        return cli_fail(c, &err);
    }
    free(msg);
    json_t *r = NULL;
    int code = cli_remote_call(c, cl, "upgrade.verify", json_pack("{s:o}", "msg", m), &r);
    return code != EXIT_OK ? code : cli_show(c, r, sca_json_upgrade_print);
}

json_t *cli_cert_b64(const char *path, sca_error *err)
{
    X509 *x = NULL;
    if (cli_read_cert(path, &x, err) != SCA_OK)
        return NULL;
    uint8_t *der = NULL;
    int n = i2d_X509(x, &der);
    X509_free(x);
    if (n <= 0) {
        sca_error_set(err, SCA_E_PARSE, "%s: the certificate cannot be encoded as DER", path);
        return NULL;
    }
    json_t *v = b64(der, (size_t)n, err);
    OPENSSL_free(der);
    return v;
}

int cli_remote_id_verify(cli *c, sca_client *cl, const char *path)
{
    sca_error err;
    uint8_t *in = NULL, *id = NULL, *ca = NULL;
    size_t n = 0, len = 0, ca_len = 0;
    json_t *p = json_object(), *v = NULL;
    sca_rc rc = cli_read_file(path, SCA_BCASTID_MAX_LEN * 2, &in, &n, &err);
    if (rc == SCA_OK)
        rc = cli_bcastid_from_input(in, n, &id, &len, &err);
    if (rc == SCA_OK && (v = b64(id, len, &err)) == NULL)
        rc = err.rc;
    if (rc == SCA_OK)
        json_object_set_new(p, "id", v);
    if (rc == SCA_OK && c->cert != NULL && (v = cli_cert_b64(c->cert, &err)) == NULL)
        rc = err.rc;
    else if (rc == SCA_OK && c->cert != NULL)
        json_object_set_new(p, "cert", v);
    /* the CA file is read here, by the caller: the daemon never opens files a client names */
    if (rc == SCA_OK && c->ca != NULL && (rc = cli_read_file(c->ca, 256 * 1024, &ca, &ca_len, &err)) == SCA_OK)
        json_object_set_new(p, "ca", json_stringn((const char *)ca, ca_len));
    free(in);
    free(id);
    free(ca);
    if (rc != SCA_OK) {
        json_decref(p);
        return cli_fail(c, &err);
    }
    json_t *r = NULL;
    int code = cli_remote_call(c, cl, "id.verify", p, &r);
    return code != EXIT_OK ? code : cli_show(c, r, sca_json_bcastid_verified_print);
}

int cli_remote_fu_log(cli *c, sca_client *cl)
{
    if (c->dm_server == NULL)
        return cli_usage(c, "through scagentd, fu log relays for a remote DM server: --dm-server URL --server ID "
                            "(the --server-key form holds the server's own key: run it without -S)");
    if (c->server == NULL)
        return cli_usage(c, "fu log --dm-server URL needs --server ID (the server's id on the card's list)");
    json_t *r = NULL;
    int code = cli_remote_call(c, cl, "fu.log.relay", json_pack("{s:s, s:s}", "url", c->dm_server, "server", c->server),
                               &r);
    return code != EXIT_OK ? code : cli_show_dm_verdict(c, r);
}
