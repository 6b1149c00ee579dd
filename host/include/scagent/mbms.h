/* MBMS key management through the card (applet-spec/mbms.md): AUTHENTICATE in the MBMS security context (INS 89,
 * P2 85, TS 31.102 §7.1.2, ODD-INS chaining of TS 102 221 Annex M), the MBMS setup (the GBA NAF derivation with
 * the MBMS Ua id: the card keeps the MUK, the host gets MRK), the card's key tables (GET DATA MBMS_KEYS), LTKM
 * arrival (WAP push over SMS, UDP) and what the terminal does with an LTKM, and EF_UST for physical USIMs.
 *
 * Key material that leaves the card: MTK (+ salt) for the decryptor and MRK (= Ks_ext_NAF) for HTTP Digest. The
 * caller wipes its copies with OPENSSL_cleanse as soon as they are used; the library wipes its own buffers. MUK and
 * MSK never leave the card. */
#ifndef SCAGENT_MBMS_H
#define SCAGENT_MBMS_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/card.h"
#include "scagent/mikey.h"

#define SCA_MBMS_MTK_LEN 16
#define SCA_MBMS_SALT_MAX 14
#define SCA_MBMS_MRK_LEN 32         /* Ks_ext_NAF */
#define SCA_MBMS_MRK_B64_LEN 44     /* Base64(MRK): the HTTP Digest password (TS 33.222 §5.3 convention) */
#define SCA_MBMS_BLOCK_MAX 255      /* command data of one AUTHENTICATE block (short APDU) */
#define SCA_MBMS_ANSWER_MAX 1024    /* the whole 53-TLV answer (ours: at most 2 + 1 + 38) */
#define SCA_MBMS_VERIF_MAX 128      /* a verification message (ours: 38 bytes, mbms.md §4.5) */
#define SCA_MBMS_IDI_MAX 155        /* MUK table (mbms.md §3.1) */
#define SCA_MBMS_IDR_MAX 128
#define SCA_MBMS_UDP_PORT 4359      /* default LTKM UDP port (mbms.md §6 [G]) */
#define SCA_MBMS_DATAGRAM_MAX 2048  /* one MIKEY message per datagram; larger ones are refused */

/* Modes of the MBMS context (mbms.md §2). */
typedef enum sca_mbms_mode {
    SCA_MBMS_MODE_MSK_UPDATE = 0x01,
    SCA_MBMS_MODE_MTK = 0x02,
    SCA_MBMS_MODE_MSK_DELETE = 0x03,
    SCA_MBMS_MODE_MUK_DELETE = 0x04,
} sca_mbms_mode;

/* ---- the card's answer (host/lib/mbms_answer.c) ---- */

/* The data of an AUTHENTICATE MBMS answer: exactly one BER-TLV '53' L V (L as xx, 81 xx or 82 xx xx, the
 * shortest form only, as DER), V = 'DB' || data, nothing after it. `data`/`data_len` point into `d` (data_len may
 * be 0). Then per mode: MSK update: nothing, or a MIKEY verification message (data type 1, parsed by
 * sca_mikey_parse, at most SCA_MBMS_VERIF_MAX); MTK: 16 bytes of MTK then 0..14 of salt; deletions: nothing.
 * `mode` 0 checks only the framing. SCA_E_PARSE saying what is wrong otherwise. */
sca_rc sca_mbms_parse_answer(const uint8_t *d, size_t n, int mode, const uint8_t **data, size_t *data_len,
                             sca_error *err);

/* ---- the exchange (host/lib/mbms_card.c) ---- */

/* One MBMS-context command: `mode` || `mode_data` wrapped in '53' L, sent in blocks of at most 255 bytes (P1 80,
 * then 00; the card answers 63F1 between blocks), the answer taken directly (9000) or, after 62F3, retrieved with
 * P1 A0 then 20 while 62F1; all in one card transaction. The answer's data (the whole 53-TLV) into `ans`.
 * The status words become errors that say what to do (9862 MAC, 9865 replay/freshness, 9866/9867 tables full,
 * 6A88 unknown MUK/MSK, 6982 PIN); an out-of-sequence status word is SCA_E_PROTOCOL. The APDUs use CLA 00, so they
 * go to whichever application is selected on the session's channel (the applet, or a USIM ADF after
 * sca_usim_read_ust). `sensitive`: the answer is key material (masked in traces, buffers wiped). */
sca_rc sca_mbms_command(sca_card *c, sca_mbms_mode mode, const uint8_t *mode_data, size_t len, int sensitive,
                        uint8_t *ans, size_t cap, size_t *ans_len, sca_error *err);

/* MSK update (mode 01) with an LTKM. The LTKM is parsed and classified first: a solicited-pull trigger is refused
 * (SCA_E_INVALID_ARG: the host handles it, see sca_mbms_ltkm_action). The verification message (when the LTKM's V
 * bit asked for one) into `verif` (`cap` bytes; *verif_len 0 when none). Needs the PIN. */
sca_rc sca_mbms_msk_update(sca_card *c, const uint8_t *ltkm, size_t len, uint8_t *verif, size_t cap,
                           size_t *verif_len, sca_error *err);
/* MTK generation (mode 02) with an STKM: MTK (16) and salt (0..14, *salt_len). The caller wipes `mtk` and `salt`
 * with OPENSSL_cleanse after handing them to the decryptor. Needs the PIN. */
sca_rc sca_mbms_mtk(sca_card *c, const uint8_t *stkm, size_t len, uint8_t mtk[SCA_MBMS_MTK_LEN],
                    uint8_t salt[SCA_MBMS_SALT_MAX], size_t *salt_len, sca_error *err);
/* MSK deletion (mode 03): every MSK of (Key Domain ID, Key Group). Needs the PIN. */
sca_rc sca_mbms_msk_delete(sca_card *c, const uint8_t key_domain[SCA_MIKEY_KEY_DOMAIN_LEN], uint16_t key_group,
                           sca_error *err);
/* MUK deletion (mode 04): data A0 L { 80 L IDr, 82 L IDi } (IDi: the BM-SC FQDN, IDr: the B-TID). Needs the PIN. */
sca_rc sca_mbms_muk_delete(sca_card *c, const uint8_t *idi, size_t idi_len, const uint8_t *idr, size_t idr_len,
                           sca_error *err);

/* The MBMS setup (mbms.md §1, §6): the NAF derivation for NAF_Id = bmsc_fqdn || 01 00 00 00 01 (the MBMS Ua id)
 * with `impi` (NULL: the applet's, GET DATA GBA_IMPI; give it for a USIM backend). The card derives and keeps the MUK (IDi = the FQDN, IDr = its B-TID); `mrk`
 * receives MRK = Ks_ext_NAF, the HTTP Digest password's key. The caller wipes `mrk` with OPENSSL_cleanse. Repeating
 * it with the same bootstrap changes nothing on the card. Needs the PIN and a GBA bootstrap (B-TID written). */
sca_rc sca_mbms_setup(sca_card *c, const char *bmsc_fqdn, const char *impi, uint8_t mrk[SCA_MBMS_MRK_LEN],
                      sca_error *err);

/* ---- the card's key tables: GET DATA MBMS_KEYS (mbms.md §3.3), no key material ---- */

#define SCA_MBMS_STATUS_MUKS 4   /* contract MBMS_MUKS */
#define SCA_MBMS_STATUS_MSKS 8   /* contract MBMS_MSKS */

typedef struct sca_mbms_muk_info {
    uint8_t idi[SCA_MBMS_IDI_MAX];
    size_t idi_len;
    uint8_t idr[SCA_MBMS_IDR_MAX];
    size_t idr_len;
    uint32_t ts;                 /* the last accepted MSK-message counter */
} sca_mbms_muk_info;

typedef struct sca_mbms_msk_info {
    uint8_t key_domain[SCA_MIKEY_KEY_DOMAIN_LEN];
    uint8_t msk_id[SCA_MIKEY_MSK_ID_LEN];
    uint16_t key_group, key_number;  /* the halves of msk_id */
    uint16_t vf, vt;                 /* the MTK IDs this MSK may deliver */
    uint32_t ts;                     /* the last accepted MTK-message counter */
    uint16_t last_mtk_id;
} sca_mbms_msk_info;

typedef struct sca_mbms_status {
    size_t n_muk;
    sca_mbms_muk_info muk[SCA_MBMS_STATUS_MUKS];
    size_t n_msk;
    sca_mbms_msk_info msk[SCA_MBMS_STATUS_MSKS];
} sca_mbms_status;

/* Parse the MBMS_KEYS data object exactly (counts within the table sizes, lengths within the maxima, nothing
 * after the last entry). */
sca_rc sca_mbms_status_parse(const uint8_t *d, size_t n, sca_mbms_status *out, sca_error *err);
/* Read and parse it (anyone may; our applet only). */
sca_rc sca_mbms_status_read(sca_card *c, sca_mbms_status *out, sca_error *err);

/* ---- LTKM arrival (host/lib/mbms_push.c) ---- */

#define SCA_MBMS_WSP_CT_MIKEY 0x52         /* application/mikey (OMNA; seed 001 6.6.1) */
#define SCA_MBMS_WSP_APPID_BCAST_UA 0x13   /* x-oma-application:bcast.ua (OMNA; mbms.md §6) */
#define SCA_MBMS_WSP_FIELD_APPID 0x2F      /* X-Wap-Application-Id (WSP well-known field) */

typedef struct sca_mbms_push {
    uint8_t tid;
    const uint8_t *body;         /* the MIKEY message, inside the PDU */
    size_t body_len;
} sca_mbms_push;

/* A WSP connectionless Push PDU carrying an LTKM (seed 001 6.6.1; WAP-230-WSP 8.2.4.1, 8.4): TID, PDU type 06,
 * HeadersLen (uintvar), Content-Type application/mikey (short-integer 0xD2, the text "application/mikey", or the
 * general form with either and parameters), headers, body. Exactly one X-Wap-Application-Id header (0xAF), whose
 * value is x-oma-application:bcast.ua (0x93, an equal long-integer, or the text); other headers are skipped by the
 * WSP value rules (short-integer, short/uintvar length, text up to NUL); a header code page shift, a missing or
 * empty body, or anything running past the end is refused (SCA_E_PARSE saying which). The body is not parsed. */
sca_rc sca_mbms_push_parse(const uint8_t *pdu, size_t len, sca_mbms_push *out, sca_error *err);

/* A UDP socket for LTKMs bound to `bind_addr` (NULL: all IPv4 addresses) and `port` (0: any; see *bound_port). */
sca_rc sca_mbms_udp_open(const char *bind_addr, uint16_t port, int *fd, uint16_t *bound_port, sca_error *err);
/* One datagram (one MIKEY message) into buf: SCA_E_TIMEOUT after `timeout_ms` (< 0: wait for ever); a datagram
 * larger than `cap` is consumed and refused (SCA_E_PARSE), an empty one too. */
sca_rc sca_mbms_udp_recv(int fd, uint8_t *buf, size_t cap, long timeout_ms, size_t *len, sca_error *err);

/* What the terminal does with an arriving LTKM (mikey.md §5; seed 001 6.6.1/6.6.2). */
typedef enum sca_mbms_action_kind {
    SCA_MBMS_PROCESS_ON_CARD = 0,      /* MSK update on the card (sca_mbms_msk_update) */
    SCA_MBMS_LTKM_REQUEST,             /* a BSM solicited pull: LTKM Request for (key_domain, key_group) */
    SCA_MBMS_REREGISTER_ALL_SERVICES,  /* Key Group 0: Registration with urn:allServices, no LTKM Request */
} sca_mbms_action_kind;

typedef struct sca_mbms_action {
    sca_mbms_action_kind kind;
    uint8_t key_domain[SCA_MIKEY_KEY_DOMAIN_LEN];
    uint16_t key_group, key_number;
    int verification_requested;        /* the HDR V bit (a verification message will come back from the card) */
} sca_mbms_action;

/* Parse and classify (sca_mikey_parse + sca_ltkm_classify). SCA_E_PARSE: not an LTKM (the message says why). */
sca_rc sca_mbms_ltkm_action(const uint8_t *msg, size_t len, sca_mbms_action *out, sca_error *err);
/* Stable names for events: "process-on-card", "ltkm-request", "reregister-all-services". */
const char *sca_mbms_action_name(sca_mbms_action_kind kind);
/* A sentence for people: what the terminal does next. */
const char *sca_mbms_action_next(sca_mbms_action_kind kind);

/* ---- EF_UST and the backend (host/lib/mbms_ust.c) ---- */

#define SCA_UST_GBA 68            /* TS 31.102 §4.2.8 service 68: GBA */
#define SCA_UST_MBMS_SECURITY 69  /* service 69: MBMS security */
#define SCA_UST_MAX 64

/* 1 when service n (1-based) is set in EF_UST: byte (n-1)/8, bit (n-1)%8 (b1 = the least significant); 0 when
 * n is 0 or beyond the data. */
int sca_ust_has(const uint8_t *ust, size_t len, unsigned service);

/* Read EF_UST of a physical USIM on the session's channel: SELECT the USIM ADF by DF name with the AID prefix
 * A0 00 00 00 87 10 02 (P2 04, else P2 0C), SELECT EF 6F38 under it, READ BINARY (the size from the FCP when it
 * has one). For physical USIMs; CI has none, so this path is not exercised end to end there. The ADF stays
 * selected on the channel afterwards (a session opened with no_select on the basic channel is the intended
 * use). */
sca_rc sca_usim_read_ust(sca_card *c, uint8_t *ust, size_t cap, size_t *len, sca_error *err);

typedef enum sca_mbms_backend_kind {
    SCA_MBMS_BACKEND_NONE = 0,  /* neither our applet nor a USIM with GBA and MBMS security */
    SCA_MBMS_BACKEND_APPLET,    /* our applet (capability MBMS_KEYS in its SELECT answer) */
    SCA_MBMS_BACKEND_USIM,      /* the USIM's own MBMS context (UST services 68 and 69); its ADF is selected */
} sca_mbms_backend_kind;

/* Which application serves AUTHENTICATE MBMS: our applet when it says MBMS_KEYS, else the USIM when EF_UST has
 * services 68 and 69 (the same APDUs with CLA 00 then go to the USIM ADF selected on the channel), else none. */
sca_mbms_backend_kind sca_mbms_backend(sca_card *c);
const char *sca_mbms_backend_name(sca_mbms_backend_kind kind);

#endif
