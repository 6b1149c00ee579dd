/* Handlers: the MBMS User Service Registration with the card's BCAST_Client_ID (scagent register) and the
 * NAF-side check of an identifier (scagent id verify). Both run on a thread of their own: register talks HTTP
 * between its two card steps, and id.verify needs no card at all (its signature and chain checks would only hold
 * up the card's loop). Results are those of the CLI's --json output (scagent/json_results.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "cert.h"
#include "handlers.h"
#include "methods.h"
#include "proto.h"
#include "scagent/json_results.h"

/* ---- register: the identifier (card step), the HTTP exchange, the upgrade offer checked (card step) ---- */

typedef struct reg_card {
    int with_cert;
    uint8_t *id;
    size_t id_len;
    const sca_register_result *r;
    sca_upgrade_result u;
} reg_card;

static sca_rc reg_get_id(scd_cardctx *x, void *arg, sca_error *err)
{
    reg_card *c = arg;
    return sca_bcast_get_client_id(x->card, c->with_cert, c->id, SCA_BCAST_ID_MAX, &c->id_len, err);
}

static sca_rc reg_verify_upgrade(scd_cardctx *x, void *arg, sca_error *err)
{
    reg_card *c = arg;
    return sca_bcast_verify_upgrade(x->card, c->r->upgrade_msg, c->r->upgrade_len, &c->u, err);
}

scd_step scd_h_register(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    reg_card c = {.with_cert = scd_pbool(j, "cert", 1), .id = malloc(SCA_BCAST_ID_MAX)};
    if (c.id == NULL) {
        sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
        return scd_fail_err(j, &err);
    }
    sca_rc rc = scd_oncard(x, j, reg_get_id, &c, &err);
    if (rc != SCA_OK) {
        free(c.id);
        return scd_off_fail(j, &err);
    }
    /* the TLS trust is the system store: a client must not make the daemon read files of its choosing */
    sca_register_opts o = {.url = scd_pstr(j, "url"), .client_id = c.id, .id_len = c.id_len,
                           .id_on_request_only = scd_pbool(j, "id_on_request", 0),
                           .timeout_ms = (long)scd_pint(j, "timeout_ms", 0)};
    sca_register_result r;
    memset(&r, 0, sizeof r);
    rc = sca_register(&o, &r, &err);
    free(c.id);
    int offered = rc == SCA_OK && (r.outcome == SCA_REG_UPGRADE_OPTIONAL || r.outcome == SCA_REG_UPGRADE_CRITICAL);
    if (offered) { /* nothing of the offer is reported before the card's anchors have verified it */
        c.r = &r;
        rc = scd_oncard(x, j, reg_verify_upgrade, &c, &err);
        if (rc != SCA_OK && j->sub_ecode == NULL)
            sca_error_prefix(&err, "the server's upgrade_available_msg was rejected");
    }
    json_t *res = rc == SCA_OK ? sca_json_register(&r, offered ? &c.u : NULL) : NULL;
    sca_register_result_free(&r);
    if (rc != SCA_OK)
        return scd_off_fail(j, &err);
    return scd_ok(j, res);
}

/* ---- id.verify: a BCAST_Client_ID checked as a NAF server would, no card involved ---- */

/* The CA certificates of a PEM text (one or more) as a store. */
static sca_rc ca_store(const char *pem, X509_STORE **out, sca_error *err)
{
    X509_STORE *s = X509_STORE_new();
    BIO *b = BIO_new_mem_buf(pem, -1);
    int n = 0;
    X509 *c;
    while (s != NULL && b != NULL && (c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        n += X509_STORE_add_cert(s, c) == 1;
        X509_free(c);
    }
    ERR_clear_error(); /* the end of the text reads as an error */
    BIO_free(b);
    if (n == 0) {
        X509_STORE_free(s);
        return sca_error_set(err, SCA_E_INVALID_ARG, "\"ca\" holds no PEM certificate");
    }
    *out = s;
    return SCA_OK;
}

scd_step scd_h_id_verify(scd_cardctx *x, scd_job *j)
{
    (void)x;
    sca_error err;
    uint8_t *id = NULL, *der = NULL;
    size_t len = 0, der_len = 0;
    X509 *cert = NULL;
    X509_STORE *ca = NULL;
    const char *ua = scd_pstr(j, "user_agent");
    sca_rc rc;
    if ((ua != NULL) == (json_object_get(j->params, "id") != NULL))
        rc = sca_error_set(&err, SCA_E_INVALID_ARG, "give the identifier as \"id\" (Base64 of its bytes) or as "
                                                    "\"user_agent\" (the BCAST_Client_ID=... value), one of them");
    else if (ua != NULL)
        rc = sca_bcastid_from_header(ua, &id, &len, &err);
    else
        rc = scd_pb64(j, "id", &id, &len, &err);
    if (rc == SCA_OK && (rc = scd_pb64(j, "cert", &der, &der_len, &err)) == SCA_OK && der != NULL)
        rc = sca_cert_from_der(der, der_len, "\"cert\"", &cert, &err);
    if (rc == SCA_OK && scd_pstr(j, "ca") != NULL)
        rc = ca_store(scd_pstr(j, "ca"), &ca, &err);
    sca_bcastid_verified v;
    memset(&v, 0, sizeof v);
    if (rc == SCA_OK)
        rc = sca_bcastid_verify(id, len, cert, ca, &v, &err);
    free(id);
    free(der);
    X509_free(cert);
    X509_STORE_free(ca);
    return rc == SCA_OK ? scd_ok(j, sca_json_bcastid_verified(&v)) : scd_fail_err(j, &err);
}
