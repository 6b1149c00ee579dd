/* AES-128 primitives for the issuer secure channel, on OpenSSL 3 EVP (internal). */
#ifndef SCA_AES_H
#define SCA_AES_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

/* AES-CMAC (NIST SP 800-38B) with a 16-byte key; `mac` gets 16 bytes. */
sca_rc sca_aes_cmac(const uint8_t key[16], const uint8_t *data, size_t len, uint8_t mac[16], sca_error *err);
/* AES-128-CBC without padding; `len` must be a multiple of 16. `iv` NULL means zeros (then one block is ECB). */
sca_rc sca_aes_cbc_encrypt(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t len,
                           uint8_t *out, sca_error *err);

#endif
