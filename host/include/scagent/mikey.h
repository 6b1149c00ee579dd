/* MIKEY (RFC 3830 §6) as TS 33.246 MBMS and the OMA BCAST Smartcard Profile use it: a strict parser into a view,
 * a parser for the decrypted Key Data sub-payloads of a KEMAC, a builder (tests, simulators), the byte range the
 * MAC covers, and the LTKM classification of seed 001 (BSM solicited pull, Key Group 0 = re-register).
 * applet-spec/mikey.md records every layout choice and where it was guessed.
 *
 * Strictness (what SCA_E_PARSE rejects):
 * - HDR: version ≠ 1; data type other than 0 (pre-shared), 1 (PSK verification) or 6 (error); CS ID map types
 *   other than 0 (SRTP-ID, #CS × 9 bytes) and 1 (Empty map, RFC 4563, #CS must be 0); #CS > SCA_MIKEY_MAX_CS.
 * - Payloads: any type this codec does not know (PKE, DH, SIGN, CERT, CHASH, RFC 6043 types, private use) –
 *   MIKEY payloads carry no common length field, so an unknown one cannot be skipped; Key Data outside a KEMAC;
 *   more than SCA_MIKEY_MAX_PAYLOADS payloads or more than the per-kind maximum below; a length that runs past
 *   the end; a KEMAC or V that is not the last payload (their MAC covers the whole message, RFC 3830 §5.2);
 *   unknown TS types, MAC and V algorithms (their field length would be unknown); trailing bytes.
 * - General Extension type 3 (Key ID, RFC 4563): the data must be a whole sequence of
 *   Key ID Type(8) | Key ID Len(16) | Key ID; Key Domain ID must be 3 bytes, MSK ID 4, MTK ID 2; each MBMS Key
 *   ID type at most once per message. Other extension types are kept opaque (type 5 OMA BCAST: first data byte
 *   exposed as the subtype).
 * All pointers in views point into the parsed buffer; nothing is allocated by the parsers. */
#ifndef SCAGENT_MIKEY_H
#define SCAGENT_MIKEY_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

#define SCA_MIKEY_VERSION 1

/* Next payload codes (RFC 3830 §6.1; IANA MIKEY registry) */
enum {
    SCA_MIKEY_PT_LAST = 0,
    SCA_MIKEY_PT_KEMAC = 1,
    SCA_MIKEY_PT_T = 5,
    SCA_MIKEY_PT_ID = 6,
    SCA_MIKEY_PT_V = 9,
    SCA_MIKEY_PT_SP = 10,
    SCA_MIKEY_PT_RAND = 11,
    SCA_MIKEY_PT_ERR = 12,
    SCA_MIKEY_PT_KEY_DATA = 20,
    SCA_MIKEY_PT_EXT = 21,
};

/* Data types, CS ID map types, algorithms and other code points */
enum { SCA_MIKEY_DT_PSK = 0, SCA_MIKEY_DT_PSK_VERIFY = 1, SCA_MIKEY_DT_ERROR = 6 };
enum { SCA_MIKEY_MAP_SRTP_ID = 0, SCA_MIKEY_MAP_EMPTY = 1 };
enum { SCA_MIKEY_TS_NTP_UTC = 0, SCA_MIKEY_TS_NTP = 1, SCA_MIKEY_TS_COUNTER = 2 };
enum { SCA_MIKEY_ENCR_NULL = 0, SCA_MIKEY_ENCR_AES_CM_128 = 1, SCA_MIKEY_ENCR_AES_KW_128 = 2 };
enum { SCA_MIKEY_MAC_NULL = 0, SCA_MIKEY_MAC_HMAC_SHA1_160 = 1, SCA_MIKEY_MAC_HMAC_SHA256_256 = 2 };
enum { SCA_MIKEY_KEY_TGK = 0, SCA_MIKEY_KEY_TGK_SALT = 1, SCA_MIKEY_KEY_TEK = 2, SCA_MIKEY_KEY_TEK_SALT = 3 };
enum { SCA_MIKEY_KV_NULL = 0, SCA_MIKEY_KV_SPI = 1, SCA_MIKEY_KV_INTERVAL = 2 };
enum { SCA_MIKEY_EXT_VENDOR = 0, SCA_MIKEY_EXT_SDP_IDS = 1, SCA_MIKEY_EXT_KEY_ID = 3,
       SCA_MIKEY_EXT_OMA_BCAST = 5 };
/* Key ID Types of General Extension type 3 (RFC 4563) */
enum { SCA_MIKEY_KEYID_DOMAIN = 0, SCA_MIKEY_KEYID_MSK = 1, SCA_MIKEY_KEYID_MTK = 2 };
/* OMA BCAST data subtypes of General Extension type 5 (RFC 4909 / 5410) */
enum { SCA_MIKEY_BCAST_LTKM = 1, SCA_MIKEY_BCAST_STKM = 2, SCA_MIKEY_BCAST_LTKM_REPORTING = 3,
       SCA_MIKEY_BCAST_PARENTAL = 4 };

#define SCA_MIKEY_MAX_PAYLOADS 16   /* payloads after HDR */
#define SCA_MIKEY_MAX_CS 16         /* SRTP-ID map entries */
#define SCA_MIKEY_MAX_IDS 2         /* IDi, IDr */
#define SCA_MIKEY_MAX_SP 2
#define SCA_MIKEY_MAX_SP_PARAMS 32
#define SCA_MIKEY_MAX_EXT 4
#define SCA_MIKEY_MAX_KEY_IDS 4     /* Key ID entries in one type-3 extension */
#define SCA_MIKEY_MAX_KEYS 4        /* Key Data sub-payloads in one KEMAC */

#define SCA_MIKEY_KEY_DOMAIN_LEN 3
#define SCA_MIKEY_MSK_ID_LEN 4
#define SCA_MIKEY_MTK_ID_LEN 2

typedef struct sca_mikey_srtp_cs {
    uint8_t policy_no;
    uint32_t ssrc;
    uint32_t roc;
} sca_mikey_srtp_cs;

typedef struct sca_mikey_hdr {
    uint8_t version;              /* 1 */
    uint8_t data_type;
    int v;                        /* V flag: a verification message is wanted */
    uint8_t prf;                  /* 7 bits; 0 = MIKEY-1 */
    uint32_t csb_id;
    uint8_t n_cs;                 /* #CS */
    uint8_t map_type;             /* CS ID map type */
    sca_mikey_srtp_cs cs[SCA_MIKEY_MAX_CS]; /* SRTP-ID map only */
} sca_mikey_hdr;

typedef struct sca_mikey_t {
    uint8_t type;                 /* TS type */
    uint64_t value;               /* NTP-UTC / NTP: 64 bits; COUNTER: 32 bits (RFC 3830 §6.6) */
} sca_mikey_t;

typedef struct sca_mikey_id {
    uint8_t type;                 /* 0 NAI, 1 URI (RFC 3830 §6.7) */
    const uint8_t *data;
    size_t len;                   /* 1..65535 */
} sca_mikey_id;

typedef struct sca_mikey_kemac {
    uint8_t encr_alg;
    const uint8_t *encr;          /* opaque Encr data (Key Data sub-payloads once decrypted); NULL when empty */
    size_t encr_len;
    uint8_t mac_alg;
    const uint8_t *mac;           /* NULL for the NULL MAC */
    size_t mac_len;               /* 0, 20 or 32 by mac_alg */
} sca_mikey_kemac;

typedef struct sca_mikey_sp_param {
    uint8_t type;
    uint8_t len;
    const uint8_t *value;
} sca_mikey_sp_param;

typedef struct sca_mikey_sp {
    uint8_t policy_no;
    uint8_t prot_type;
    size_t n_params;
    sca_mikey_sp_param params[SCA_MIKEY_MAX_SP_PARAMS];
} sca_mikey_sp;

typedef struct sca_mikey_v {
    uint8_t alg;                  /* 0 NULL, 1 HMAC-SHA-1 (20 bytes) */
    const uint8_t *mac;
    size_t mac_len;
} sca_mikey_v;

typedef struct sca_mikey_err {
    uint8_t err_no;
    uint16_t reserved;
} sca_mikey_err;

typedef struct sca_mikey_key_id {
    uint8_t type;                 /* SCA_MIKEY_KEYID_* */
    const uint8_t *id;
    size_t len;
} sca_mikey_key_id;

typedef struct sca_mikey_ext {
    uint8_t type;
    const uint8_t *data;          /* the whole extension data (also for type 3) */
    size_t len;
    size_t n_key_ids;             /* type 3 only */
    sca_mikey_key_id key_ids[SCA_MIKEY_MAX_KEY_IDS];
    int has_subtype;              /* type 5 with at least one data byte */
    uint8_t subtype;              /* SCA_MIKEY_BCAST_* */
} sca_mikey_ext;

/* The MBMS key identifiers, from the Key ID extension (RFC 4563; TS 33.246; seed 001 table 2). */
typedef struct sca_mikey_mbms_ids {
    int has_key_domain, has_msk_id, has_mtk_id;
    uint8_t key_domain[SCA_MIKEY_KEY_DOMAIN_LEN]; /* MCC || MNC */
    uint8_t msk_id[SCA_MIKEY_MSK_ID_LEN];         /* bytes 0-1 Key Group, bytes 2-3 Key Number */
    uint16_t key_group, key_number;               /* big-endian halves of msk_id */
    uint16_t mtk_id;                              /* 2-byte sequence number */
} sca_mikey_mbms_ids;

/* A parsed message. `order` lists the payload kinds after HDR as they appear; the per-kind arrays hold them in
 * order of appearance. The builder reads the same struct. */
typedef struct sca_mikey_view {
    sca_mikey_hdr hdr;
    size_t n_payloads;
    uint8_t order[SCA_MIKEY_MAX_PAYLOADS];
    int has_t, has_rand, has_kemac, has_v, has_err;
    sca_mikey_t t;
    const uint8_t *rand;
    size_t rand_len;              /* 1..255 */
    size_t n_ids;
    sca_mikey_id ids[SCA_MIKEY_MAX_IDS];  /* [0] = IDi, [1] = IDr */
    size_t n_sp;
    sca_mikey_sp sp[SCA_MIKEY_MAX_SP];
    sca_mikey_kemac kemac;
    sca_mikey_v v;
    sca_mikey_err err;
    size_t n_ext;
    sca_mikey_ext ext[SCA_MIKEY_MAX_EXT];
    sca_mikey_mbms_ids mbms;
    size_t mac_offset;            /* parse only: offset of the KEMAC MAC / V verification data, 0 when neither */
} sca_mikey_view;

/* Parse one whole MIKEY message strictly (see the top of this file). */
sca_rc sca_mikey_parse(const uint8_t *msg, size_t len, sca_mikey_view *view, sca_error *err);

/* The bytes the KEMAC MAC (or the V payload's verification MAC) is computed over: msg[0 .. *covered_len), i.e.
 * the whole message except the MAC field itself (RFC 3830 §5.2; TS 33.246 keeps this). For a verification
 * message the caller appends the initiator's IDi || IDr || T as RFC 3830 §5.2 says. SCA_E_INVALID_ARG when the
 * view has neither KEMAC nor V. */
sca_rc sca_mikey_mac_range(const sca_mikey_view *view, size_t *covered_len, sca_error *err);

/* Assemble a message from a view-shaped struct (payloads in view->order; next-payload fields are derived; the
 * KEMAC/V MAC is copied from view (NULL → zeros of the algorithm's length), so callers fill it in afterwards
 * using sca_mikey_mac_range on the parsed result). A type-3 extension is encoded from its key_ids; other
 * extensions from data/len. The result is malloc'd; free() it. SCA_E_INVALID_ARG names the field that does not
 * fit. The output always parses back with sca_mikey_parse, or the builder fails. */
sca_rc sca_mikey_build(const sca_mikey_view *view, uint8_t **out, size_t *out_len, sca_error *err);

/* Decrypted KEMAC Encr data: a chain of Key Data sub-payloads (RFC 3830 §6.13). */
typedef struct sca_mikey_key {
    uint8_t type;                 /* SCA_MIKEY_KEY_* (TGK, TGK+SALT, TEK, TEK+SALT) */
    uint8_t kv_type;              /* SCA_MIKEY_KV_* */
    const uint8_t *key;
    size_t key_len;               /* 1..65535 */
    const uint8_t *salt;          /* types with SALT only */
    size_t salt_len;
    const uint8_t *spi;           /* KV SPI/MKI */
    size_t spi_len;
    const uint8_t *vf, *vt;       /* KV interval: valid from / valid to (MBMS: MTK ID low / high) */
    size_t vf_len, vt_len;
} sca_mikey_key;

typedef struct sca_mikey_keys {
    size_t n;
    sca_mikey_key k[SCA_MIKEY_MAX_KEYS];
} sca_mikey_keys;

/* Parse decrypted Key Data bytes strictly: next payload 20 (another one follows) or 0 (last), known types and
 * KV types, every length inside the buffer, no trailing bytes, at most SCA_MIKEY_MAX_KEYS. */
sca_rc sca_mikey_key_data_parse(const uint8_t *data, size_t len, sca_mikey_keys *keys, sca_error *err);
/* The inverse, for tests and simulators (malloc'd; free()). */
sca_rc sca_mikey_key_data_build(const sca_mikey_keys *keys, uint8_t **out, size_t *out_len, sca_error *err);

/* LTKM classification (OMA BCAST SvcCntProtection 6.6.1 / 6.6.2, seed 001; applet-spec/mikey.md). */
typedef enum sca_ltkm_class {
    SCA_LTKM_NORMAL_UPDATE = 0,        /* hand it to the card (MBMS context, MSK update mode) */
    SCA_LTKM_SOLICITED_PULL,           /* Key Number 0, Encr data length 0, V not set: request the LTKMs of
                                          Key Group `key_group` (LTKM request), do not give it to the card */
    SCA_LTKM_REREGISTER_ALL_SERVICES,  /* the same with Key Group 0: register with "urn:allServices" (again, if
                                          already registered); send no LTKM request */
} sca_ltkm_class;

#define SCA_LTKM_ALL_SERVICES_URN "urn:allServices"

typedef struct sca_ltkm_info {
    sca_ltkm_class cls;
    uint8_t key_domain[SCA_MIKEY_KEY_DOMAIN_LEN];
    uint16_t key_group;
    uint16_t key_number;
} sca_ltkm_info;

/* Classify a parsed LTKM. It must be an MSK message: data type 0, a KEMAC, Key Domain ID and MSK ID in a Key
 * ID extension and no MTK ID (an STKM); otherwise SCA_E_PARSE says what is missing. */
sca_rc sca_ltkm_classify(const sca_mikey_view *view, sca_ltkm_info *out, sca_error *err);

const char *sca_ltkm_class_name(sca_ltkm_class cls);

#endif
