/* Verifying a BCAST_Client_ID the way a NAF server does (5.1.7.1: "SHOULD be verified by the NAF Server"):
 * the signature over fields || signature_length with the client certificate's key, then optionally the
 * certificate against the server's CA store. */
#include "scagent/bcastid.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "cert.h"
#include "sig.h"

static sca_rc fail(sca_bcastid_verified *out, sca_bcastid_failure why, sca_rc rc, sca_error *err)
{
    out->failure = why;
    if (err)
        sca_error_prefix(err, "BCAST_Client_ID");
    return rc;
}

static sca_rc check_chain(X509 *cert, X509_STORE *ca, sca_error *err)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL || !X509_STORE_CTX_init(ctx, ca, cert, NULL)) {
        X509_STORE_CTX_free(ctx);
        ERR_clear_error();
        return sca_error_set(err, SCA_E_NO_MEMORY, "could not set up the certificate verification");
    }
    int ok = X509_verify_cert(ctx) == 1;
    int code = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    if (!ok)
        return sca_error_set(err, SCA_E_CRYPTO, "the client certificate is not trusted: %s (error %d); the "
                             "client is not one of the CAs' clients, or its certificate expired",
                             X509_verify_cert_error_string(code), code);
    return SCA_OK;
}

sca_rc sca_bcastid_verify(const uint8_t *id, size_t len, X509 *cert, X509_STORE *ca, sca_bcastid_verified *out,
                          sca_error *err)
{
    sca_bcastid_verified local;
    if (out == NULL)
        out = &local;
    memset(out, 0, sizeof *out);
    sca_bcastid_view v;
    sca_rc rc = sca_bcastid_parse(id, len, &v, err);
    if (rc != SCA_OK) {
        out->failure = SCA_BCASTID_MALFORMED;
        return rc;
    }
    memcpy(out->fields_raw, v.fields_raw, sizeof out->fields_raw);

    X509 *own = NULL;
    if (cert == NULL) {
        if (v.certificate == NULL) {
            out->failure = SCA_BCASTID_NO_CERT;
            return sca_error_set(err, SCA_E_INVALID_ARG, "BCAST_Client_ID: it carries no certificate and none was "
                                 "given; supply the client's certificate on file to verify it");
        }
        rc = sca_cert_from_der(v.certificate, v.certificate_len, "the embedded client certificate", &own, err);
        if (rc != SCA_OK)
            return fail(out, SCA_BCASTID_MALFORMED, rc, err);
        cert = own;
        out->used_embedded_cert = 1;
    }
    sca_cert_subject(cert, out->subject, sizeof out->subject);

    EVP_PKEY *key = X509_get0_pubkey(cert);
    size_t want = 0;
    if (key == NULL) {
        ERR_clear_error();
        rc = sca_error_set(err, SCA_E_CRYPTO, "the client certificate's public key cannot be read");
    } else {
        rc = sca_sig_fixed_len(key, &want, err);
    }
    if (rc != SCA_OK) {
        X509_free(own);
        return fail(out, SCA_BCASTID_UNSUPPORTED_KEY, rc, err);
    }
    out->key_type = EVP_PKEY_is_a(key, "EC") ? EVP_PKEY_EC : EVP_PKEY_RSA;

    rc = sca_sig_verify_fixed(key, id, v.tbs_len, v.signature, v.signature_len, err);
    if (rc != SCA_OK) {
        X509_free(own);
        return fail(out, SCA_BCASTID_BAD_SIGNATURE, rc, err);
    }
    if (ca != NULL) {
        rc = check_chain(cert, ca, err);
        X509_free(own);
        if (rc != SCA_OK)
            return fail(out, SCA_BCASTID_UNTRUSTED, rc, err);
        out->chain_checked = 1;
    } else {
        X509_free(own);
    }
    out->fields = v.fields;
    out->failure = SCA_BCASTID_OK;
    return SCA_OK;
}
