/* Keys and certificates made on the fly for the BCAST identity and upgrade-message tests. */
#ifndef TEST_TESTPKI_H
#define TEST_TESTPKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

typedef enum { TPKI_P256, TPKI_P384, TPKI_RSA2048, TPKI_RSA1024 } tpki_kind;

/* A fresh key pair (EVP_PKEY_Q_keygen); NULL on failure. */
EVP_PKEY *tpki_key(tpki_kind kind);
/* A certificate for `key` named CN=`cn`, issued by `issuer` with `issuer_key` (issuer NULL: self-signed with
 * `key`), valid from now + not_before_days to now + not_after_days; `ca` adds basicConstraints CA:TRUE and
 * keyUsage keyCertSign. */
X509 *tpki_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int ca, long not_before_days,
                long not_after_days);
/* The DER form in a new buffer (free()). */
uint8_t *tpki_der(X509 *cert, size_t *len);

#endif
