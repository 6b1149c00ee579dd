/* The GBA key derivation function (TS 33.220 Annex B, applet-spec/gba.md §2) on OpenSSL 3 EVP_MAC HMAC
 * SHA-256. */
#include "scagent/milenage.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

sca_rc sca_gba_kdf(const uint8_t *key, size_t key_len, uint8_t fc, const uint8_t *const *p, const size_t *p_len,
                   size_t n, uint8_t out[32], sca_error *err)
{
    if (!key || !out || (n > 0 && (!p || !p_len)))
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA KDF: missing argument");
    for (size_t i = 0; i < n; i++)
        if (p_len[i] > 0xFFFFu || (p_len[i] > 0 && !p[i]))
            return sca_error_set(err, SCA_E_INVALID_ARG, "GBA KDF: parameter P%zu is missing or too long", i);

    sca_rc rc = SCA_E_CRYPTO;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
    int ok = ctx && EVP_MAC_init(ctx, key, key_len, params) && EVP_MAC_update(ctx, &fc, 1);
    for (size_t i = 0; ok && i < n; i++) {
        uint8_t l[2] = {(uint8_t)(p_len[i] >> 8), (uint8_t)p_len[i]};
        ok = (p_len[i] == 0 || EVP_MAC_update(ctx, p[i], p_len[i])) && EVP_MAC_update(ctx, l, 2);
    }
    size_t got = 0;
    if (ok && EVP_MAC_final(ctx, out, &got, SCA_GBA_KDF_LEN) && got == SCA_GBA_KDF_LEN)
        rc = SCA_OK;
    EVP_MAC_CTX_free(ctx); /* frees the key copy inside OpenSSL (cleansed by the HMAC provider) */
    EVP_MAC_free(mac);
    if (rc != SCA_OK) {
        OPENSSL_cleanse(out, SCA_GBA_KDF_LEN);
        sca_error_set(err, rc, "GBA KDF: HMAC-SHA-256 failed in OpenSSL");
    }
    return rc;
}

sca_rc sca_gba_ks_naf(sca_gba_label label, const uint8_t ks[32], const uint8_t rand[16], const uint8_t *impi,
                      size_t impi_len, const uint8_t *naf_id, size_t naf_id_len, uint8_t out[32], sca_error *err)
{
    static const uint8_t gba_me[] = {'g', 'b', 'a', '-', 'm', 'e'};
    static const uint8_t gba_u[] = {'g', 'b', 'a', '-', 'u'};
    if (label != SCA_GBA_ME && label != SCA_GBA_U)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA KDF: unknown label");
    if (!ks || !rand || (impi_len && !impi) || (naf_id_len && !naf_id))
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA KDF: missing argument");
    const uint8_t *p[4] = {label == SCA_GBA_U ? gba_u : gba_me, rand, impi, naf_id};
    size_t len[4] = {label == SCA_GBA_U ? sizeof gba_u : sizeof gba_me, 16, impi_len, naf_id_len};
    return sca_gba_kdf(ks, SCA_GBA_KS_LEN, SCA_GBA_FC_KS_NAF, p, len, 4, out, err);
}
