/* Verifying an upgrade_available_msg on the client (5.1.7.2: "SHOULD be verified by the BCAST Client"), in the
 * order of bcast-identity.md §7: version, structure, NAF certificate against the card's anchors, signature,
 * and last whether the message is for this client at all. */
#include "scagent/upgrade.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "cert.h"
#include "sig.h"

static sca_rc fail(sca_upgrade_result *out, sca_upgrade_failure why, sca_rc rc, sca_error *err)
{
    out->failure = why;
    if (err)
        sca_error_prefix(err, "upgrade_available_msg");
    return rc;
}

/* The NAF certificate must equal an anchor or be issued by one. Only the anchors go into the store and no
 * untrusted certificates are given, so every chain OpenSSL can build is the certificate and anchors; partial
 * chains let an anchor that is not self-signed (an intermediate CA, or the NAF certificate itself) be the end. */
static sca_rc check_trust(X509 *naf, STACK_OF(X509) *anchors, sca_error *err)
{
    if (anchors == NULL || sk_X509_num(anchors) == 0)
        return sca_error_set(err, SCA_E_CRYPTO, "the NAF certificate is not trusted: the card holds no NAF trust "
                             "anchor (the issuer loads them with NAF_ANCHOR_ADD)");
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = store != NULL && ctx != NULL && X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    for (int i = 0; ok && i < sk_X509_num(anchors); i++)
        ok = X509_STORE_add_cert(store, sk_X509_value(anchors, i));
    if (!ok || !X509_STORE_CTX_init(ctx, store, naf, NULL)) {
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(store);
        ERR_clear_error();
        return sca_error_set(err, SCA_E_NO_MEMORY, "could not set up the NAF certificate verification");
    }
    int verified = X509_verify_cert(ctx) == 1;
    int code = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    if (!verified)
        return sca_error_set(err, SCA_E_CRYPTO, "the NAF certificate is not trusted: %s (error %d); it is neither "
                             "one of the card's NAF anchors nor issued by one, or it is outside its validity",
                             X509_verify_cert_error_string(code), code);
    return SCA_OK;
}

sca_rc sca_upgrade_verify(const uint8_t *msg, size_t len, STACK_OF(X509) *anchors,
                          const uint8_t expected_fields[SCA_BCAST_FIELDS_SIZE], sca_upgrade_result *out,
                          sca_error *err)
{
    sca_upgrade_result local;
    if (out == NULL)
        out = &local;
    memset(out, 0, sizeof *out);
    if (expected_fields == NULL) {
        out->failure = SCA_UPGRADE_MALFORMED;
        return sca_error_set(err, SCA_E_INVALID_ARG, "the client's own fields are needed to verify an upgrade "
                             "message");
    }
    sca_upgrade_view v;
    sca_rc rc = sca_upgrade_parse(msg, len, &v, err);
    out->protocol_version = v.protocol_version;
    if (rc != SCA_OK) {
        out->failure = SCA_UPGRADE_MALFORMED;
        return rc;
    }
    if (!v.supported)
        return SCA_OK; /* ignored, as the CR requires; out->supported = 0 says so */

    if (v.certificate == NULL) {
        out->failure = SCA_UPGRADE_NO_CERT;
        return sca_error_set(err, SCA_E_CRYPTO, "upgrade_available_msg: it carries no NAF certificate, so it "
                             "cannot be authenticated; ignore it");
    }
    X509 *naf = NULL;
    rc = sca_cert_from_der(v.certificate, v.certificate_len, "the NAF certificate", &naf, err);
    if (rc != SCA_OK)
        return fail(out, SCA_UPGRADE_MALFORMED, rc, err);
    sca_cert_subject(naf, out->naf_subject, sizeof out->naf_subject);

    rc = check_trust(naf, anchors, err);
    if (rc != SCA_OK) {
        X509_free(naf);
        return fail(out, SCA_UPGRADE_UNTRUSTED, rc, err);
    }
    EVP_PKEY *key = X509_get0_pubkey(naf);
    size_t want = 0;
    if (key == NULL) {
        ERR_clear_error();
        rc = sca_error_set(err, SCA_E_CRYPTO, "the NAF certificate's public key cannot be read");
    } else {
        rc = sca_sig_fixed_len(key, &want, err);
    }
    if (rc != SCA_OK) {
        X509_free(naf);
        return fail(out, SCA_UPGRADE_UNSUPPORTED_KEY, rc, err);
    }
    rc = sca_sig_verify_fixed(key, msg, v.tbs_len, v.signature, v.signature_len, err);
    X509_free(naf);
    if (rc != SCA_OK)
        return fail(out, SCA_UPGRADE_BAD_SIGNATURE, rc, err);

    if (memcmp(v.fields_raw, expected_fields, SCA_BCAST_FIELDS_SIZE) != 0) {
        out->failure = SCA_UPGRADE_OTHER_CLIENT;
        return sca_error_set(err, SCA_E_CRYPTO, "upgrade_available_msg: it is for another client or for other "
                             "versions (IMEI %s, firmware %u, software %u differ from this card's fields); ignore "
                             "it", v.fields.imei, v.fields.fw_version, v.fields.sw_version);
    }
    out->supported = 1;
    out->critical = v.critical;
    out->pushed = v.pushed;
    out->contact_dm = v.contact_dm;
    out->uri_kind = v.uri_kind;
    memcpy(out->uri, v.uri ? (const char *)v.uri : "", v.uri_len);
    out->uri[v.uri_len] = '\0';
    out->failure = SCA_UPGRADE_OK;
    return SCA_OK;
}

sca_rc sca_upgrade_anchors_from_der(const uint8_t *const *der, const size_t *len, size_t n,
                                    STACK_OF(X509) **out, sca_error *err)
{
    *out = NULL;
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    for (size_t i = 0; i < n; i++) {
        X509 *c = NULL;
        sca_rc rc = sca_cert_from_der(der[i], len[i], "a NAF trust anchor", &c, err);
        if (rc == SCA_OK && !sk_X509_push(sk, c)) {
            X509_free(c);
            rc = sca_error_set(err, SCA_E_NO_MEMORY, NULL);
        }
        if (rc != SCA_OK) {
            if (err)
                sca_error_prefix(err, "anchor %zu", i + 1);
            sk_X509_pop_free(sk, X509_free);
            return rc;
        }
    }
    *out = sk;
    return SCA_OK;
}
