/* Fixed-length signatures on OpenSSL 3 EVP: P-256 r || s (converted to and from the DER form EVP speaks) and RSA
 * PKCS#1 v1.5, both with SHA-256. */
#include "sig.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

static int is_p256(EVP_PKEY *key)
{
    char name[64];
    size_t n = 0;
    if (!EVP_PKEY_is_a(key, "EC") || !EVP_PKEY_get_group_name(key, name, sizeof name, &n))
        return 0;
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name);
    return nid == NID_X9_62_prime256v1;
}

sca_rc sca_sig_fixed_len(EVP_PKEY *key, size_t *len, sca_error *err)
{
    *len = 0;
    if (key == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no key given for the signature");
    if (is_p256(key)) {
        *len = SCA_SIG_P256_LEN;
        return SCA_OK;
    }
    ERR_clear_error(); /* a failed group-name query of a non-EC key */
    if (EVP_PKEY_is_a(key, "RSA")) {
        int bits = EVP_PKEY_get_bits(key), size = EVP_PKEY_get_size(key);
        if (bits < SCA_SIG_RSA_MIN_BITS || size <= 0)
            return sca_error_set(err, SCA_E_CRYPTO, "the RSA key has %d bits; at least %d are required", bits,
                                 SCA_SIG_RSA_MIN_BITS);
        *len = (size_t)size;
        return SCA_OK;
    }
    const char *type = EVP_PKEY_get0_type_name(key);
    return sca_error_set(err, SCA_E_CRYPTO, "the key is of type %s; only EC P-256 and RSA keys are supported",
                         type ? type : "unknown");
}

sca_rc sca_sig_rs_to_der(const uint8_t *rs, size_t rs_len, uint8_t **der, size_t *der_len, sca_error *err)
{
    *der = NULL;
    *der_len = 0;
    if (rs_len == 0 || rs_len % 2 != 0 || rs_len > 132)
        return sca_error_set(err, SCA_E_INVALID_ARG, "an r || s signature of %zu bytes is not possible", rs_len);
    size_t half = rs_len / 2;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, (int)half, NULL), *s = BN_bin2bn(rs + half, (int)half, NULL);
    sca_rc rc = SCA_E_NO_MEMORY;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
        r = s = NULL; /* owned by sig now */
        int n = i2d_ECDSA_SIG(sig, NULL);
        uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
        uint8_t *p = buf;
        if (buf && i2d_ECDSA_SIG(sig, &p) == n) {
            *der = buf;
            *der_len = (size_t)n;
            rc = SCA_OK;
        } else {
            free(buf);
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    if (rc != SCA_OK) {
        ERR_clear_error();
        sca_error_set(err, rc, "could not convert an r || s signature to DER");
    }
    return rc;
}

sca_rc sca_sig_der_to_rs(const uint8_t *der, size_t der_len, uint8_t *rs, size_t rs_len, sca_error *err)
{
    if (rs_len == 0 || rs_len % 2 != 0 || der_len > 1024)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bad lengths for a DER to r || s conversion");
    size_t half = rs_len / 2;
    const uint8_t *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    sca_rc rc = SCA_E_PARSE;
    if (sig != NULL && p == der + der_len) {
        const BIGNUM *r = NULL, *s = NULL;
        ECDSA_SIG_get0(sig, &r, &s);
        if (!BN_is_negative(r) && !BN_is_negative(s) && (size_t)BN_num_bytes(r) <= half &&
            (size_t)BN_num_bytes(s) <= half && BN_bn2binpad(r, rs, (int)half) == (int)half &&
            BN_bn2binpad(s, rs + half, (int)half) == (int)half)
            rc = SCA_OK;
    }
    ECDSA_SIG_free(sig);
    if (rc != SCA_OK) {
        ERR_clear_error();
        sca_error_set(err, rc, "the ECDSA signature is not a DER ECDSA-Sig-Value with r and s of %zu bytes", half);
    }
    return rc;
}

/* A digest-sign/verify context for SHA-256 with the key's padding fixed to PKCS#1 v1.5 for RSA. */
static EVP_MD_CTX *open_ctx(EVP_PKEY *key, int sign)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok = ctx != NULL &&
             (sign ? EVP_DigestSignInit_ex(ctx, &pctx, "SHA256", NULL, NULL, key, NULL)
                   : EVP_DigestVerifyInit_ex(ctx, &pctx, "SHA256", NULL, NULL, key, NULL)) == 1;
    if (ok && EVP_PKEY_is_a(key, "RSA"))
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
    if (!ok) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

sca_rc sca_sig_verify_fixed(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t *sig, size_t sig_len,
                            sca_error *err)
{
    size_t want = 0;
    sca_rc frc = sca_sig_fixed_len(key, &want, err);
    if (frc != SCA_OK)
        return frc;
    if (sig_len != want)
        return sca_error_set(err, SCA_E_CRYPTO,
                             "signature does not verify: it is %zu bytes, the %s key makes %zu-byte signatures",
                             sig_len, is_p256(key) ? "P-256" : "RSA", want);
    uint8_t *der = NULL;
    size_t der_len = sig_len;
    if (is_p256(key)) {
        sca_rc rc = sca_sig_rs_to_der(sig, sig_len, &der, &der_len, err);
        if (rc != SCA_OK)
            return rc;
    }
    EVP_MD_CTX *ctx = open_ctx(key, 0);
    int v = ctx ? EVP_DigestVerify(ctx, der ? der : sig, der_len, msg, len) : -1;
    EVP_MD_CTX_free(ctx);
    free(der);
    ERR_clear_error();
    if (ctx == NULL)
        return sca_error_set(err, SCA_E_CRYPTO, "OpenSSL could not set up the signature verification");
    if (v != 1)
        return sca_error_set(err, SCA_E_CRYPTO, "signature does not verify with the %s key: the data was altered "
                             "or signed with another key", is_p256(key) ? "P-256" : "RSA");
    return SCA_OK;
}

sca_rc sca_sig_sign_fixed(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t *sig, size_t sig_len,
                          sca_error *err)
{
    size_t want = 0;
    sca_rc frc = sca_sig_fixed_len(key, &want, err);
    if (frc != SCA_OK)
        return frc;
    if (sig_len != want)
        return sca_error_set(err, SCA_E_INVALID_ARG, "this key makes %zu-byte signatures, not %zu", want, sig_len);
    EVP_MD_CTX *ctx = open_ctx(key, 1);
    size_t n = 0;
    uint8_t *buf = NULL;
    sca_rc rc = SCA_E_CRYPTO;
    if (ctx && EVP_DigestSign(ctx, NULL, &n, msg, len) == 1 && n > 0 && (buf = malloc(n)) != NULL &&
        EVP_DigestSign(ctx, buf, &n, msg, len) == 1) {
        if (is_p256(key))
            rc = sca_sig_der_to_rs(buf, n, sig, sig_len, err);
        else if (n == sig_len) {
            memcpy(sig, buf, n);
            rc = SCA_OK;
        }
    }
    EVP_MD_CTX_free(ctx);
    free(buf);
    ERR_clear_error();
    if (rc != SCA_OK)
        return sca_error_set(err, SCA_E_CRYPTO, "signing failed in OpenSSL (is it a private key?)");
    return rc;
}
