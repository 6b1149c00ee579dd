/* The card side of the BCAST client identity (applet-spec/bcast-identity.md): the client key pair, the identifier
 * fields and versions, the certificate, the signed BCAST_Client_ID and the NAF trust anchors.
 *
 * Reading is open to anyone; every change needs the issuer secure channel (sca_issuer_open) first. The private key
 * never leaves the card: no function here (and no command of the applet) can read it. */
#ifndef SCAGENT_BCAST_H
#define SCAGENT_BCAST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "scagent/card.h"

/* Largest answers of this capability, for callers' buffers. */
#define SCA_BCAST_ID_MAX (19 + 2 + 256 + 2 + 2048)
#define SCA_BCAST_SPKI_MAX 512

typedef struct sca_bcast_status {
    uint8_t key_alg;      /* SCA_KEY_ALG_* */
    int fields_set;
    unsigned cert_len;    /* 0: no certificate */
    unsigned anchors;     /* NAF anchors in use */
} sca_bcast_status;

typedef struct sca_naf_anchor_entry {
    uint8_t slot;
    unsigned len;
    uint8_t sha256[32];
} sca_naf_anchor_entry;

/* Which version RAISE_VERSION changes. */
typedef enum sca_bcast_version {
    SCA_BCAST_FIRMWARE = 1, /* TerminalFirmwareVersionNo */
    SCA_BCAST_SOFTWARE = 2, /* ClientSoftwareVersionNo */
} sca_bcast_version;

/* --- anyone ------------------------------------------------------------------------------------------- */
sca_rc sca_bcast_get_status(sca_card *c, sca_bcast_status *st, sca_error *err);
/* The 19 bytes of identifier fields (SCA_E_NOT_FOUND when the issuer has not written them). */
sca_rc sca_bcast_get_fields(sca_card *c, uint8_t fields[19], sca_error *err);
/* The client public key (SCA_E_NOT_FOUND when none was generated). Caller frees with EVP_PKEY_free. */
sca_rc sca_bcast_get_public_key(sca_card *c, EVP_PKEY **out, sca_error *err);
/* The stored client certificate (SCA_E_NOT_FOUND when none is loaded). Caller frees with X509_free. */
sca_rc sca_bcast_get_certificate(sca_card *c, X509 **out, sca_error *err);
/* A freshly signed BCAST_Client_ID; `with_cert` = 0 leaves the certificate out (certificate_length 0). */
sca_rc sca_bcast_get_client_id(sca_card *c, int with_cert, uint8_t *out, size_t cap, size_t *len, sca_error *err);
/* The NAF anchors: the list (slot, length, SHA-256), and one certificate. */
sca_rc sca_naf_anchor_list(sca_card *c, sca_naf_anchor_entry *out, size_t cap, size_t *n, sca_error *err);
sca_rc sca_naf_anchor_read(sca_card *c, uint8_t slot, X509 **out, sca_error *err);
/* All anchors as a store for verification. Caller frees with sk_X509_pop_free(..., X509_free). */
sca_rc sca_naf_anchor_stack(sca_card *c, STACK_OF(X509) **out, sca_error *err);

/* Verify an upgrade_available_msg against the card's NAF anchors and its current fields (scagent/upgrade.h). */
struct sca_upgrade_result;
sca_rc sca_bcast_verify_upgrade(sca_card *c, const uint8_t *msg, size_t len, struct sca_upgrade_result *out,
                                sca_error *err);

/* --- issuer (secure channel open) ------------------------------------------------------------------------ */
/* Generate a new client key pair (SCA_KEY_ALG_EC_P256 or SCA_KEY_ALG_RSA_2048): erases the old pair and the
 * certificate. `pub` (may be NULL) receives the new public key. */
sca_rc sca_bcast_keygen(sca_card *c, uint8_t alg, EVP_PKEY **pub, sca_error *err);
/* Build a PKCS#10 request for the card's key: the host makes the CertificationRequestInfo (subject given in
 * OpenSSL's "/CN=.../O=..." form), the card signs it. Caller frees with X509_REQ_free. */
sca_rc sca_bcast_make_csr(sca_card *c, const char *subject, X509_REQ **out, sca_error *err);
/* The 19 bytes of fields (only before the card is PERSONALIZED). */
sca_rc sca_bcast_put_fields(sca_card *c, const uint8_t fields[19], sca_error *err);
/* Load the client certificate; it must hold the card's public key (checked here before sending). */
sca_rc sca_bcast_load_certificate(sca_card *c, X509 *cert, sca_error *err);
/* Raise a version; the card refuses a value that is not greater than the current one. */
sca_rc sca_bcast_raise_version(sca_card *c, sca_bcast_version which, uint16_t value, sca_error *err);
/* Add a NAF trust anchor (a CA certificate); `slot` (may be NULL) receives where it went. */
sca_rc sca_naf_anchor_add(sca_card *c, X509 *anchor, uint8_t *slot, sca_error *err);
sca_rc sca_naf_anchor_remove(sca_card *c, uint8_t slot, sca_error *err);

#endif
