/* Shared pieces of the DM firmware-update codecs (internal): DER ECDSA P-256 with SHA-256, the form every DM
 * firmware signature takes (manifest, checkpoint, DM server authentication). */
#ifndef SCA_FU_INT_H
#define SCA_FU_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "scagent/error.h"

/* SCA_OK when `key` is an EC P-256 key; else SCA_E_CRYPTO naming `role` ("the originator key"). */
sca_rc sca_fu_require_p256(EVP_PKEY *key, const char *role, sca_error *err);
/* DER ECDSA P-256 SHA-256 of msg into der (capacity cap >= 72); signs again (ECDSA is randomized) until the
 * DER length is at least `min_len` (0: any). */
sca_rc sca_fu_sign_der(EVP_PKEY *key, const char *role, const uint8_t *msg, size_t len, size_t min_len,
                       uint8_t *der, size_t cap, size_t *der_len, sca_error *err);
/* 1 when `der` is a valid DER ECDSA P-256 SHA-256 signature of msg by key, 0 when it is not, -1 when OpenSSL
 * could not set the check up. */
int sca_fu_verify_der(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t *der, size_t der_len);

static inline uint16_t sca_fu_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t sca_fu_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void sca_fu_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void sca_fu_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
