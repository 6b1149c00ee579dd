/* Test keys and certificates with the X509 APIs: enough of a PKI for a CA, a client and a NAF. */
#include "testpki.h"

#include <stdlib.h>

#include <openssl/x509v3.h>

EVP_PKEY *tpki_key(tpki_kind kind)
{
    switch (kind) {
    case TPKI_P256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case TPKI_P384: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    case TPKI_RSA2048: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    case TPKI_RSA1024: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    }
    return NULL;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = e != NULL && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

X509 *tpki_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int ca, long not_before_days,
                long not_after_days)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = x && name && X509_set_version(x, 2) && ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) &&
             X509_set_subject_name(x, name) &&
             X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) &&
             X509_gmtime_adj(X509_getm_notBefore(x), not_before_days * 86400) &&
             X509_gmtime_adj(X509_getm_notAfter(x), not_after_days * 86400) && X509_set_pubkey(x, key);
    if (ok && ca)
        ok = add_ext(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (ok)
        ok = X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

uint8_t *tpki_der(X509 *cert, size_t *len)
{
    int n = i2d_X509(cert, NULL);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL, *p = buf;
    if (buf == NULL || i2d_X509(cert, &p) != n) {
        free(buf);
        return NULL;
    }
    *len = (size_t)n;
    return buf;
}
