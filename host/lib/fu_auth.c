/* DER ECDSA P-256 SHA-256 for the DM firmware codecs, and the DM server's authentication for reading the log
 * (applet-spec/dm-firmware.md §5). */
#include <string.h>

#include <openssl/err.h>

#include "fu_int.h"
#include "scagent/fulog.h"
#include "sig.h"

sca_rc sca_fu_require_p256(EVP_PKEY *key, const char *role, sca_error *err)
{
    size_t n = 0;
    if (key == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no key given for %s", role);
    sca_error tmp;
    if (sca_sig_fixed_len(key, &n, &tmp) != SCA_OK || n != 64 || !EVP_PKEY_is_a(key, "EC")) {
        ERR_clear_error();
        const char *type = EVP_PKEY_get0_type_name(key);
        return sca_error_set(err, SCA_E_CRYPTO, "%s must be an EC P-256 key (this one is %s, %d bits)", role,
                             type ? type : "of an unknown type", EVP_PKEY_get_bits(key));
    }
    return SCA_OK;
}

sca_rc sca_fu_sign_der(EVP_PKEY *key, const char *role, const uint8_t *msg, size_t len, size_t min_len,
                       uint8_t *der, size_t cap, size_t *der_len, sca_error *err)
{
    *der_len = 0;
    sca_rc rc = sca_fu_require_p256(key, role, err);
    if (rc != SCA_OK)
        return rc;
    uint8_t sig[80];
    /* a DER P-256 signature is shorter than 70 bytes about once in 128; 64 tries never all fall short */
    for (int attempt = 0; attempt < 64; attempt++) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t n = sizeof sig;
        int ok = ctx != NULL && EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
                 EVP_DigestSign(ctx, sig, &n, msg, len) == 1;
        EVP_MD_CTX_free(ctx);
        if (!ok) {
            ERR_clear_error();
            return sca_error_set(err, SCA_E_CRYPTO, "signing with %s failed in OpenSSL (does the key have its "
                                 "private part?)", role);
        }
        if (n < min_len)
            continue;
        if (n > cap)
            return sca_error_set(err, SCA_E_BUFFER_TOO_SMALL, "the %zu-byte signature does not fit %zu bytes", n,
                                 cap);
        memcpy(der, sig, n);
        *der_len = n;
        return SCA_OK;
    }
    return sca_error_set(err, SCA_E_INTERNAL, "could not make a signature of at least %zu bytes with %s", min_len,
                         role);
}

int sca_fu_verify_der(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t *der, size_t der_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int v = -1;
    if (ctx != NULL && EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) == 1)
        v = EVP_DigestVerify(ctx, der, der_len, msg, len) == 1 ? 1 : 0;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return v;
}

void sca_dm_auth_message(const uint8_t card_id[16], const uint8_t challenge[16], uint8_t out[SCA_DM_AUTH_MSG_LEN])
{
    memcpy(out, SCA_DM_AUTH_PREFIX, SCA_DM_AUTH_PREFIX_LEN);
    memcpy(out + SCA_DM_AUTH_PREFIX_LEN, card_id, 16);
    memcpy(out + SCA_DM_AUTH_PREFIX_LEN + 16, challenge, 16);
}

sca_rc sca_dm_auth_sign(EVP_PKEY *server_key, const uint8_t card_id[16], const uint8_t challenge[16], uint8_t *der,
                        size_t cap, size_t *len, sca_error *err)
{
    if (len != NULL)
        *len = 0;
    if (card_id == NULL || challenge == NULL || der == NULL || len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "DM server authentication: card id, challenge and output "
                             "buffer are required");
    uint8_t msg[SCA_DM_AUTH_MSG_LEN];
    sca_dm_auth_message(card_id, challenge, msg);
    sca_rc rc = sca_fu_sign_der(server_key, "the DM server key", msg, sizeof msg, 0, der, cap, len, err);
    if (rc != SCA_OK && err != NULL)
        sca_error_prefix(err, "DM server authentication");
    return rc;
}

sca_rc sca_dm_auth_verify(EVP_PKEY *server_pub, const uint8_t card_id[16], const uint8_t challenge[16],
                          const uint8_t *der, size_t len, sca_error *err)
{
    if (card_id == NULL || challenge == NULL || der == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "DM server authentication: card id, challenge and signature "
                             "are required");
    sca_rc rc = sca_fu_require_p256(server_pub, "the DM server key", err);
    if (rc != SCA_OK)
        return rc;
    uint8_t msg[SCA_DM_AUTH_MSG_LEN];
    sca_dm_auth_message(card_id, challenge, msg);
    int v = len <= SCA_DM_AUTH_SIG_MAX ? sca_fu_verify_der(server_pub, msg, sizeof msg, der, len) : 0;
    if (v < 0)
        return sca_error_set(err, SCA_E_CRYPTO, "DM server authentication: OpenSSL could not set up the check");
    if (v == 0)
        return sca_error_set(err, SCA_E_CRYPTO, "DM server authentication: the signature does not verify with the "
                             "server's key for this card id and challenge (another key, card or challenge)");
    return SCA_OK;
}
