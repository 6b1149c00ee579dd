/* DM bootstrap: HMAC-SHA1 over the WBXML body (OMA DM Security 5.7.2.1; RFC 2104), compared in constant time; a
 * body that verifies becomes an sca_dmboot_verified, the only thing sca_dmboot_decode accepts. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "bootstrap_int.h"

struct sca_dmboot_verified {
    sca_dmboot_sec sec;
    size_t body_len;
    uint8_t body[]; /* a private copy: what verified is what gets decoded */
};

sca_rc sca_dmboot_mac(const uint8_t *key, size_t key_len, const uint8_t *body, size_t body_len,
                      uint8_t mac[SCA_DMBOOT_MAC_SIZE], sca_error *err)
{
    if (key == NULL || key_len == 0 || (body == NULL && body_len > 0) || mac == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "HMAC-SHA1 needs a key and a body");
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac != NULL ? EVP_MAC_CTX_new(hmac) : NULL;
    char digest[] = "SHA1";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
    size_t out_len = 0;
    int ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, params) && EVP_MAC_update(ctx, body, body_len) &&
             EVP_MAC_final(ctx, mac, &out_len, SCA_DMBOOT_MAC_SIZE) && out_len == SCA_DMBOOT_MAC_SIZE;
    EVP_MAC_CTX_free(ctx); /* cleanses its copy of the key */
    EVP_MAC_free(hmac);
    if (!ok) {
        OPENSSL_cleanse(mac, SCA_DMBOOT_MAC_SIZE);
        return sca_error_set(err, SCA_E_CRYPTO, "HMAC-SHA1 is not available from OpenSSL (no default provider?)");
    }
    return SCA_OK;
}

static const char *key_hint(sca_dmboot_sec sec)
{
    switch (sec) {
    case SCA_DMBOOT_SEC_NETWORKID: return "the IMSI or ESN";
    case SCA_DMBOOT_SEC_USERPIN: return "the PIN";
    case SCA_DMBOOT_SEC_USERPIN_NETWORKID: return "the PIN and the IMSI or ESN";
    case SCA_DMBOOT_SEC_NETWORKID_GBA: return "Ks_NAF";
    case SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA: return "the PIN and Ks_NAF";
    default: return "the key";
    }
}

/* a header that can be verified at all: the DM media type and a SEC */
sca_rc dmboot_usable(const sca_dmboot_header *h, sca_error *err)
{
    if (h == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no bootstrap header to verify");
    if (!h->media_ok)
        return sca_error_set(err, SCA_E_PARSE,
                             "the media type is not " SCA_DMBOOT_MEDIA_TYPE ": not a DM bootstrap message; refused");
    if (h->sec < SCA_DMBOOT_SEC_NETWORKID || h->sec > SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA)
        return sca_error_set(err, SCA_E_PARSE, "the bootstrap header has no security method (SEC); refused");
    return SCA_OK;
}

sca_rc sca_dmboot_verify(const sca_dmboot_header *h, const uint8_t *key, size_t key_len, const uint8_t *body,
                         size_t body_len, sca_dmboot_verified **out, sca_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no place for the verified bootstrap");
    sca_rc rc = dmboot_usable(h, err);
    if (rc != SCA_OK)
        return rc;
    if (key == NULL || key_len == 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no key to check the bootstrap MAC with (SEC=%s needs %s)",
                             sca_dmboot_sec_name(h->sec), key_hint(h->sec));
    if (body == NULL || body_len == 0)
        return sca_error_set(err, SCA_E_PARSE, "the bootstrap message has an empty body; refused");
    if (body_len > SCA_DMBOOT_BODY_MAX)
        return sca_error_set(err, SCA_E_PARSE, "the bootstrap body has %zu bytes; at most %d are accepted", body_len,
                             SCA_DMBOOT_BODY_MAX);
    uint8_t mac[SCA_DMBOOT_MAC_SIZE];
    rc = sca_dmboot_mac(key, key_len, body, body_len, mac, err);
    if (rc != SCA_OK)
        return rc;
    int same = CRYPTO_memcmp(mac, h->mac, sizeof mac) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    if (!same)
        return sca_error_set(err, SCA_E_CRYPTO,
                             "the bootstrap MAC does not verify (SEC=%s): the message was altered or %s is wrong; "
                             "the bootstrap was refused",
                             sca_dmboot_sec_name(h->sec), key_hint(h->sec));
    return dmboot_verified_new(h->sec, body, body_len, out, err);
}

sca_rc dmboot_verified_new(sca_dmboot_sec sec, const uint8_t *body, size_t body_len, sca_dmboot_verified **out,
                           sca_error *err)
{
    sca_dmboot_verified *v = malloc(sizeof *v + body_len);
    if (v == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    v->sec = sec;
    v->body_len = body_len;
    memcpy(v->body, body, body_len);
    *out = v;
    return SCA_OK;
}

sca_rc sca_dmboot_verify_with(const sca_dmboot_header *h, const char *pin, const uint8_t *network,
                              size_t network_len, const uint8_t *body, size_t body_len, sca_dmboot_verified **out,
                              sca_error *err)
{
    if (out != NULL)
        *out = NULL;
    sca_rc rc = dmboot_usable(h, err);
    if (rc != SCA_OK)
        return rc;
    sca_dmboot_key key;
    rc = sca_dmboot_key_make(h->sec, pin, network, network_len, &key, err);
    if (rc == SCA_OK)
        rc = sca_dmboot_verify(h, key.bytes, key.len, body, body_len, out, err);
    sca_dmboot_key_wipe(&key);
    return rc;
}

sca_dmboot_sec sca_dmboot_verified_sec(const sca_dmboot_verified *v)
{
    return v != NULL ? v->sec : SCA_DMBOOT_SEC_NONE;
}

const uint8_t *sca_dmboot_verified_body(const sca_dmboot_verified *v, size_t *len)
{
    if (len != NULL)
        *len = v != NULL ? v->body_len : 0;
    return v != NULL ? v->body : NULL;
}

void sca_dmboot_verified_free(sca_dmboot_verified *v)
{
    free(v);
}
