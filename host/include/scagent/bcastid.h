/* The OMA BCAST client identifier (BCAST_Client_ID, seed 5.1.7.1; applet-spec/bcast-identity.md §2, §3, §8):
 * the 19 bytes of fields, the whole identifier, its User-Agent form, and its verification as a NAF server does.
 *
 * Choices (where the CR is silent):
 * - IMEI: TS 24.008 §10.5.1.4 BCD, 15 digits (odd), type 010. Decoding checks type, odd flag and digits only
 *   (the card stores what the issuer wrote); encoding also requires the TS 23.003 Luhn check digit.
 * - signature_length is 64 (P-256, r || s, SHA-256) or 256 (RSA-2048, PKCS#1 v1.5, SHA-256), the two forms the
 *   card makes; anything else is malformed. The signature covers the 21 bytes fields || signature_length.
 * - certificate_length may be anything the 2-byte field can carry (0 = none): a server also sees clients other
 *   than our card, whose certificates may exceed the card's CERT_MAX.
 * - The parser is strict: the lengths must cover the input exactly, no byte missing, none left over.
 * - User-Agent value: "BCAST_Client_ID=" followed by standard Base64 with padding and no line breaks. Reading it
 *   back accepts optional spaces/tabs around the '=' and at both ends, nothing else: the Base64 must be
 *   canonical (length a multiple of 4, padding only at the end, unused bits zero).
 * - Buffers returned through `uint8_t **` / `char **` are allocated with malloc; release them with free(). */
#ifndef SCAGENT_BCASTID_H
#define SCAGENT_BCASTID_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "scagent/error.h"

#define SCA_IMEI_DIGITS 15
#define SCA_IMEI_BCD_LEN 8
#define SCA_BCAST_FIELDS_SIZE 19                              /* = SCA_BCAST_FIELDS_LEN of the contract */
#define SCA_BCASTID_TBS_LEN (SCA_BCAST_FIELDS_SIZE + 2)       /* what the client signs */
#define SCA_BCASTID_MAX_LEN (SCA_BCASTID_TBS_LEN + 65535 + 2 + 65535)
#define SCA_BCASTID_HEADER_PREFIX "BCAST_Client_ID="

/* The 19 bytes of fields, decoded. */
typedef struct sca_bcast_fields {
    char imei[SCA_IMEI_DIGITS + 1]; /* 15 digits and a NUL */
    uint16_t fw_version;            /* TerminalFirmwareVersionNo */
    uint16_t manufacturer;          /* ClientManufacturerCode */
    uint16_t model;                 /* ClientModelNo */
    uint32_t serial;                /* ClientSerialNo, 24 bits */
    uint16_t sw_version;            /* ClientSoftwareVersionNo */
} sca_bcast_fields;

/* --- IMEI ------------------------------------------------------------------------------------------------- */
/* The TS 23.003 check digit ('0'..'9') of the first 14 digits of `imei`, or -1 when they are not 14 digits. */
int sca_imei_check_digit(const char *imei);
/* 1 when `imei` is exactly 15 digits whose last is the Luhn check digit of the first 14, else 0. */
int sca_imei_valid(const char *imei);
/* Encode 15 digits (Luhn checked) into the 8 BCD octets. SCA_E_INVALID_ARG with the reason otherwise. */
sca_rc sca_imei_encode(const char *imei, uint8_t out[SCA_IMEI_BCD_LEN], sca_error *err);
/* Decode 8 BCD octets (type 010, odd, digits 0..9; the Luhn digit is not checked). SCA_E_PARSE otherwise. */
sca_rc sca_imei_decode(const uint8_t in[SCA_IMEI_BCD_LEN], char out[SCA_IMEI_DIGITS + 1], sca_error *err);

/* --- the 19 bytes of fields ------------------------------------------------------------------------------ */
/* SCA_E_INVALID_ARG for a bad IMEI or a serial above 0xFFFFFF. */
sca_rc sca_bcast_fields_encode(const sca_bcast_fields *f, uint8_t out[SCA_BCAST_FIELDS_SIZE], sca_error *err);
sca_rc sca_bcast_fields_decode(const uint8_t in[SCA_BCAST_FIELDS_SIZE], sca_bcast_fields *f, sca_error *err);

/* --- the identifier --------------------------------------------------------------------------------------- */
/* A parsed identifier; the pointers point into the parsed buffer. */
typedef struct sca_bcastid_view {
    uint8_t fields_raw[SCA_BCAST_FIELDS_SIZE];
    sca_bcast_fields fields;
    const uint8_t *signature;
    size_t signature_len;     /* 64 or 256 */
    const uint8_t *certificate;
    size_t certificate_len;   /* 0: none embedded (certificate is then NULL) */
    size_t tbs_len;           /* SCA_BCASTID_TBS_LEN: the signed bytes are the first tbs_len of the buffer */
} sca_bcastid_view;

/* Parse strictly (see the choices above). SCA_E_PARSE says which part is wrong. */
sca_rc sca_bcastid_parse(const uint8_t *buf, size_t len, sca_bcastid_view *view, sca_error *err);
/* Assemble fields || signature_length || signature || certificate_length || certificate into `out`
 * (capacity `cap`; the length goes to `*out_len`). The signature length must be 64 or 256, the certificate
 * at most 65535 bytes (cert may be NULL with cert_len 0). For tests and simulators: the card builds its own. */
sca_rc sca_bcastid_build(const uint8_t fields[SCA_BCAST_FIELDS_SIZE], const uint8_t *sig, size_t sig_len,
                         const uint8_t *cert, size_t cert_len, uint8_t *out, size_t cap, size_t *out_len,
                         sca_error *err);
/* Sign `fields` with `key` (P-256 or RSA-2048) the way the card does and assemble the identifier with `cert`
 * (NULL: certificate_length 0) into a new buffer. For tests and the software client of the simulators. */
sca_rc sca_bcastid_sign(const uint8_t fields[SCA_BCAST_FIELDS_SIZE], EVP_PKEY *key, X509 *cert, uint8_t **out,
                        size_t *out_len, sca_error *err);

/* --- the User-Agent value (5.1.7.3) ----------------------------------------------------------------------- */
/* "BCAST_Client_ID=<Base64>" for a well-formed identifier (it is parsed first). */
sca_rc sca_bcastid_header(const uint8_t *id, size_t len, char **out, sca_error *err);
/* The identifier bytes from a User-Agent value (the value only, without "User-Agent:"). SCA_E_PARSE when the
 * prefix is missing or the Base64 is not canonical. The bytes are not parsed: call sca_bcastid_verify. */
sca_rc sca_bcastid_from_header(const char *value, uint8_t **id, size_t *len, sca_error *err);

/* --- verification, as a NAF server does ------------------------------------------------------------------- */
typedef enum sca_bcastid_failure {
    SCA_BCASTID_OK = 0,
    SCA_BCASTID_MALFORMED,      /* SCA_E_PARSE: the identifier or its embedded certificate is malformed */
    SCA_BCASTID_NO_CERT,        /* SCA_E_INVALID_ARG: none embedded and none supplied */
    SCA_BCASTID_UNSUPPORTED_KEY,/* SCA_E_CRYPTO: the certificate's key is neither P-256 nor RSA >= 2048 */
    SCA_BCASTID_BAD_SIGNATURE,  /* SCA_E_CRYPTO: also a signature whose length does not suit the key */
    SCA_BCASTID_UNTRUSTED,      /* SCA_E_CRYPTO: the certificate does not verify against the CA store */
} sca_bcastid_failure;

typedef struct sca_bcastid_verified {
    sca_bcastid_failure failure;  /* why it failed, also set on success (SCA_BCASTID_OK) */
    uint8_t fields_raw[SCA_BCAST_FIELDS_SIZE];
    sca_bcast_fields fields;      /* valid only on success */
    int key_type;                 /* EVP_PKEY_EC or EVP_PKEY_RSA */
    int used_embedded_cert;       /* 1 when the embedded certificate was used */
    int chain_checked;            /* 1 when a CA store was given and the certificate verified against it */
    char subject[256];            /* the certificate's subject, RFC 2253, possibly truncated */
} sca_bcastid_verified;

/* Verify the identifier: parse it, take `cert` (the certificate the server has on file for this client) or,
 * when NULL, the embedded one; check the signature over the 21 signed bytes with its key (P-256: r || s, SHA-256;
 * RSA: PKCS#1 v1.5 SHA-256, signature length = modulus length); then, when `ca` is not NULL, verify the
 * certificate against it (X509_verify_cert, current time). `out` may be NULL. */
sca_rc sca_bcastid_verify(const uint8_t *id, size_t len, X509 *cert, X509_STORE *ca, sca_bcastid_verified *out,
                          sca_error *err);

#endif
