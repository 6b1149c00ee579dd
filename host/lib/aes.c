/* AES-CMAC and AES-CBC through OpenSSL 3 EVP. */
#include "aes.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

sca_rc sca_aes_cmac(const uint8_t key[16], const uint8_t *data, size_t len, uint8_t mac[16], sca_error *err)
{
    sca_rc rc = SCA_E_CRYPTO;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = m ? EVP_MAC_CTX_new(m) : NULL;
    char cipher[] = "AES-128-CBC";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0), OSSL_PARAM_END};
    size_t out = 0;
    if (ctx && EVP_MAC_init(ctx, key, 16, params) && EVP_MAC_update(ctx, data, len) &&
        EVP_MAC_final(ctx, mac, &out, 16) && out == 16)
        rc = SCA_OK;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    if (rc != SCA_OK)
        sca_error_set(err, rc, "AES-CMAC failed in OpenSSL");
    return rc;
}

sca_rc sca_aes_cbc_encrypt(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t len,
                           uint8_t *out, sca_error *err)
{
    static const uint8_t zero[16];
    if (len % 16 != 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "AES-CBC input is not a whole number of blocks");
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    int ok = ctx && EVP_EncryptInit_ex2(ctx, EVP_aes_128_cbc(), key, iv ? iv : zero, NULL) &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &n1, in, (int)len) &&
             EVP_EncryptFinal_ex(ctx, out + n1, &n2) && (size_t)(n1 + n2) == len;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? SCA_OK : sca_error_set(err, SCA_E_CRYPTO, "AES-CBC encryption failed in OpenSSL");
}
