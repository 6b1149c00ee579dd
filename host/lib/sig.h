/* Fixed-length signatures (internal): the forms BCAST_Client_ID and upgrade_available_msg carry, whose length
 * must be known before signing because the signed bytes include signature_length (bcast-identity.md §3, §7).
 *   EC P-256: r || s, 32 bytes each, big-endian, left-padded with zeros, over SHA-256 (ECDSA).
 *   RSA (2048 bits or more): PKCS#1 v1.5 with SHA-256, as long as the modulus.
 * Any other key is refused. */
#ifndef SCA_SIG_H
#define SCA_SIG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "scagent/error.h"

#define SCA_SIG_P256_LEN 64
#define SCA_SIG_RSA_MIN_BITS 2048

/* The fixed signature length for `key` into `*len`: 64 for P-256, the modulus bytes for RSA. SCA_E_CRYPTO for
 * any other key (another curve, RSA below 2048 bits, another algorithm). */
sca_rc sca_sig_fixed_len(EVP_PKEY *key, size_t *len, sca_error *err);

/* r || s (rs_len = 2 × the scalar length, even, at most 132) → a DER ECDSA-Sig-Value in a new buffer (free()). */
sca_rc sca_sig_rs_to_der(const uint8_t *rs, size_t rs_len, uint8_t **der, size_t *der_len, sca_error *err);
/* A DER ECDSA-Sig-Value → r || s of rs_len bytes. SCA_E_PARSE when malformed or r/s do not fit rs_len / 2. */
sca_rc sca_sig_der_to_rs(const uint8_t *der, size_t der_len, uint8_t *rs, size_t rs_len, sca_error *err);

/* Verify a fixed-length signature over msg. SCA_E_CRYPTO "signature does not verify" when it is wrong (also
 * for a signature of the wrong length for the key: that can never verify). */
sca_rc sca_sig_verify_fixed(EVP_PKEY *key, const uint8_t *msg, size_t len, const uint8_t *sig, size_t sig_len,
                            sca_error *err);
/* Sign msg into sig, which must be exactly sca_sig_fixed_len(key) bytes. */
sca_rc sca_sig_sign_fixed(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t *sig, size_t sig_len,
                          sca_error *err);

#endif
