/* The OMA BCAST upgrade_available_msg (seed 5.1.7.2; applet-spec/bcast-identity.md §7): what a NAF server sends
 * when a firmware or software upgrade is available, signed with its key. Parse, build (tests and simulators) and
 * verify it against the card's NAF trust anchors and current identifier fields.
 *
 * Choices (where the CR is silent):
 * - protocol_version != 0 is not an error: the CR says to ignore such messages. Parse and verify then return
 *   SCA_OK with `supported` = 0 and nothing else filled in; callers must check `supported` first.
 * - Reserved bits are kept in the view and otherwise ignored; the builder sends what it is given (normally 0).
 * - URI (present when upgrade_pushed_flag is 0): one length byte (1..255) and that many octets, each printable
 *   ASCII without space (0x21..0x7E). A length of 0, or any other octet, is malformed.
 * - signature_length must be at least 1 (a message without one is malformed); its value must match the NAF key:
 *   64 for P-256 (r || s, SHA-256), the modulus length for RSA >= 2048 bits (PKCS#1 v1.5, SHA-256). The signature
 *   covers every byte before it, signature_length included (tbs_len bytes).
 * - certificate_length 0 parses (the layout allows it) but never verifies: the client needs the NAF certificate.
 * - Trust: the NAF certificate must equal one of the anchors or be issued by one (the message carries one
 *   certificate, so the path is at most that certificate and an anchor); anchors need not be self-signed;
 *   validity periods are checked at the current time.
 * - Buffers returned through `uint8_t **` are allocated with malloc; release them with free(). */
#ifndef SCAGENT_UPGRADE_H
#define SCAGENT_UPGRADE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "scagent/bcastid.h"
#include "scagent/error.h"

#define SCA_UPGRADE_PROTOCOL_VERSION 0
#define SCA_UPGRADE_URI_MAX 255

typedef enum sca_upgrade_uri_kind {
    SCA_UPGRADE_URI_NONE = 0,        /* upgrade_pushed_flag = 1: no URI */
    SCA_UPGRADE_URI_DM_SERVER,       /* dm_server_URI (contact_dm_server_flag = 1) */
    SCA_UPGRADE_URI_UPGRADE_SERVER,  /* upgrade_server_URI (contact_dm_server_flag = 0) */
} sca_upgrade_uri_kind;

/* A parsed message; the pointers point into the parsed buffer. */
typedef struct sca_upgrade_view {
    uint8_t protocol_version;
    int supported;                /* 1 when protocol_version is 0; else nothing below is filled in */
    uint8_t reserved_future;      /* byte 0, b4-b1 */
    uint8_t reserved;             /* byte 1, b5-b1 */
    int critical;                 /* upgrade_critical_flag */
    int pushed;                   /* upgrade_pushed_flag */
    int contact_dm;               /* contact_dm_server_flag */
    uint8_t fields_raw[SCA_BCAST_FIELDS_SIZE];
    sca_bcast_fields fields;
    const uint8_t *uri;           /* not NUL-terminated; NULL when pushed */
    size_t uri_len;
    sca_upgrade_uri_kind uri_kind;
    size_t tbs_len;               /* the signed bytes are the first tbs_len of the message */
    const uint8_t *signature;
    size_t signature_len;
    const uint8_t *certificate;   /* NULL when certificate_length is 0 */
    size_t certificate_len;
} sca_upgrade_view;

/* Parse strictly (exact total length, see the choices above). SCA_E_PARSE says which part is wrong. */
sca_rc sca_upgrade_parse(const uint8_t *msg, size_t len, sca_upgrade_view *view, sca_error *err);

/* What to put into a message (sca_upgrade_build). */
typedef struct sca_upgrade_params {
    uint8_t protocol_version;     /* 4 bits; SCA_UPGRADE_PROTOCOL_VERSION */
    uint8_t reserved_future;      /* 4 bits, normally 0 */
    uint8_t reserved;             /* 5 bits, normally 0 */
    int critical, pushed, contact_dm;
    uint8_t fields[SCA_BCAST_FIELDS_SIZE]; /* the client's fields, as in its BCAST_Client_ID */
    const char *uri;              /* required (1..255 characters 0x21..0x7E) when !pushed, NULL when pushed */
} sca_upgrade_params;

/* Build and sign a message with the NAF key (P-256 or RSA >= 2048) and embed `cert` (NULL: certificate_length 0,
 * which no client accepts; for tests). For tests, tools and the NAF simulator. */
sca_rc sca_upgrade_build(const sca_upgrade_params *p, EVP_PKEY *key, X509 *cert, uint8_t **out, size_t *out_len,
                         sca_error *err);

typedef enum sca_upgrade_failure {
    SCA_UPGRADE_OK = 0,
    SCA_UPGRADE_MALFORMED,        /* SCA_E_PARSE: the message or its certificate is malformed */
    SCA_UPGRADE_NO_CERT,          /* SCA_E_CRYPTO: no NAF certificate in the message */
    SCA_UPGRADE_UNTRUSTED,        /* SCA_E_CRYPTO: the NAF certificate does not chain to an anchor (or expired) */
    SCA_UPGRADE_UNSUPPORTED_KEY,  /* SCA_E_CRYPTO: the NAF key is neither P-256 nor RSA >= 2048 */
    SCA_UPGRADE_BAD_SIGNATURE,    /* SCA_E_CRYPTO: also a signature whose length does not suit the key */
    SCA_UPGRADE_OTHER_CLIENT,     /* SCA_E_CRYPTO: authentic, but its fields are not this client's */
} sca_upgrade_failure;

typedef struct sca_upgrade_result {
    sca_upgrade_failure failure;  /* why it failed; SCA_UPGRADE_OK on success */
    int supported;                /* 0: protocol_version != 0, ignore the message (SCA_OK, nothing else set) */
    uint8_t protocol_version;
    int critical;                 /* 1: mandatory to register / access the service; 0: optional */
    int pushed;                   /* 1: the upgrade will be pushed; no URI */
    int contact_dm;
    sca_upgrade_uri_kind uri_kind;
    char uri[SCA_UPGRADE_URI_MAX + 1]; /* NUL-terminated; "" when none */
    char naf_subject[256];        /* the NAF certificate's subject, RFC 2253, possibly truncated */
} sca_upgrade_result;

/* Verify a message for this client, in this order: protocol_version (≠ 0 → supported = 0, SCA_OK); strict
 * parse; the NAF certificate present and trusted by `anchors` (the card's NAF anchors); the signature with
 * its key; the 19 fields equal to `expected_fields` (the card's current fields). `out` may be NULL; the result
 * counts only when SCA_OK and out->supported. */
sca_rc sca_upgrade_verify(const uint8_t *msg, size_t len, STACK_OF(X509) *anchors,
                          const uint8_t expected_fields[SCA_BCAST_FIELDS_SIZE], sca_upgrade_result *out,
                          sca_error *err);

/* The anchors as a stack from DER certificates (as READ_NAF_ANCHOR returns them); free with
 * sk_X509_pop_free(stack, X509_free). SCA_E_PARSE names the first malformed one. */
sca_rc sca_upgrade_anchors_from_der(const uint8_t *const *der, const size_t *len, size_t n,
                                    STACK_OF(X509) **out, sca_error *err);

#endif
