/* The firmware-update log, host side (applet-spec/dm-firmware.md §3, §5): the 96-byte records, the hash chain,
 * the signed checkpoint, the whole verification a DM server (or the CLI) does after LOG_READ + LOG_CHECKPOINT,
 * and the DM server's signature for LOG_AUTH.
 *
 * Choices (where the spec leaves room; dm-firmware.md §3.4 says the same):
 * - Records are parsed strictly in their structure (seq >= 1, server id length <= 32 and zero padding after it,
 *   reserved bytes 0) and tolerantly in their values: kinds, statuses, flags and result codes the host does not
 *   know are reported as numbers (sca_fu_log_kind_name() says "unknown"), so a newer card's log still verifies.
 *   The IMEI digits are decoded for display when the 8 bytes are not all zero and are TS 24.008 BCD.
 * - The retained window is exact: first retained seq = max(1, count - (SCA_LOG_CAPACITY - 1)); an empty log has
 *   count 0, first retained seq 1 and head = h_0 (32 zero bytes). The verifier needs every record of the window,
 *   in order; for first retained seq 1, h_before_first must be h_0.
 * - The checkpoint's signature is DER ECDSA P-256 SHA-256 of 8..72 bytes (the card does not re-sign to a fixed
 *   length); its nonce must be the verifier's nonce exactly (length and bytes).
 * - Checks, in order (the first failure is reported, in `failure` and the message): checkpoint format,
 *   signature, card id, nonce, window (count / first retained seq), number of records, h_before_first for a log
 *   that starts at 1, each record's format and seq, the chain to head. */
#ifndef SCAGENT_FULOG_H
#define SCAGENT_FULOG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "scagent/bcastid.h"
#include "scagent/error.h"

#define SCA_FU_LOG_RECORD_LEN 96          /* = SCA_LOG_RECORD_LEN of the contract */
#define SCA_FU_LOG_CAPACITY 32            /* = SCA_LOG_CAPACITY */
#define SCA_FU_LOG_SERVER_ID_MAX 32       /* longer server ids are cut to 32 bytes in a record */
#define SCA_FU_LOG_NONCE_MIN 16           /* = SCA_LOG_NONCE_MIN */
#define SCA_FU_LOG_NONCE_MAX 32           /* = SCA_LOG_NONCE_MAX */
#define SCA_FU_CHECKPOINT_MAGIC "SCAGENT-LOG-CHECKPOINT-1"
#define SCA_FU_CHECKPOINT_MAGIC_LEN 24
#define SCA_FU_CHECKPOINT_SIG_MIN 8       /* DER ECDSA-Sig-Value bounds for P-256 */
#define SCA_FU_CHECKPOINT_SIG_MAX 72
/* the shortest and the longest checkpoint */
#define SCA_FU_CHECKPOINT_MIN (SCA_FU_CHECKPOINT_MAGIC_LEN + 16 + 4 + 4 + 32 + 1 + SCA_FU_LOG_NONCE_MIN + 1 + 8)
#define SCA_FU_CHECKPOINT_MAX (SCA_FU_CHECKPOINT_MAGIC_LEN + 16 + 4 + 4 + 32 + 1 + SCA_FU_LOG_NONCE_MAX + 1 + 72)
#define SCA_DM_AUTH_PREFIX "SCAGENT-DM-AUTH-1"
#define SCA_DM_AUTH_PREFIX_LEN 17
#define SCA_DM_AUTH_MSG_LEN (SCA_DM_AUTH_PREFIX_LEN + 16 + 16)
#define SCA_DM_AUTH_SIG_MAX 72

/* Record flags (§3.1, offset 24). */
#define SCA_FU_LOG_FLAG_AUTHORIZED 0x01
#define SCA_FU_LOG_FLAG_CONFIRMED 0x02
#define SCA_FU_LOG_FLAG_TOKEN 0x04
#define SCA_FU_LOG_FLAG_HASHED_ON_CARD 0x08

/* One record, decoded. */
typedef struct sca_fu_log_record {
    uint32_t seq;
    uint32_t time;                 /* seconds since 1970, as the terminal said */
    uint8_t kind;                  /* SCA_LOG_KIND_* */
    uint8_t status;                /* SCA_LOG_STATUS_* */
    uint16_t result;               /* OMA FUMO result code, 0 for a confirmation */
    uint16_t from, to;             /* releases */
    uint8_t imei_bcd[SCA_IMEI_BCD_LEN];
    int has_imei;                  /* the 8 bytes are not all zero */
    char imei[SCA_IMEI_DIGITS + 1];/* its digits when has_imei and it is BCD, else "" */
    uint8_t flags;                 /* SCA_FU_LOG_FLAG_* */
    uint8_t server_id[SCA_FU_LOG_SERVER_ID_MAX];
    size_t server_id_len;          /* 0..32 */
    uint8_t sha256[32];            /* the package's, zeros for a confirmation */
    uint32_t manifest_seq;         /* 0 for a confirmation */
} sca_fu_log_record;

/* Decode one 96-byte record (see the choices). SCA_E_PARSE names the bad field. */
sca_rc sca_fu_log_record_parse(const uint8_t rec[SCA_FU_LOG_RECORD_LEN], sca_fu_log_record *out, sca_error *err);
/* Encode a record (for tests and simulators): has_imei and imei are ignored, imei_bcd is written as is.
 * SCA_E_INVALID_ARG for seq 0 or a server id longer than 32 bytes. */
sca_rc sca_fu_log_record_encode(const sca_fu_log_record *r, uint8_t out[SCA_FU_LOG_RECORD_LEN], sca_error *err);
/* h_seq = SHA-256(h_{seq-1} || record). `next` may be `prev`. */
sca_rc sca_fu_log_chain(const uint8_t prev[32], const uint8_t rec[SCA_FU_LOG_RECORD_LEN], uint8_t next[32],
                        sca_error *err);
/* Names for display: "firmware", "software", "confirmation", "unknown"; "started", ..., "confirmed", "unknown". */
const char *sca_fu_log_kind_name(uint8_t kind);
const char *sca_fu_log_status_name(uint8_t status);

/* A LOG_READ answer: h_before_first (32) || records (96 each, at least one). Pointers into `answer`.
 * SCA_E_PARSE when the length is not 32 + 96 k with k >= 1. */
sca_rc sca_fu_log_read_split(const uint8_t *answer, size_t len, const uint8_t **h_before_first,
                             const uint8_t **records, size_t *n_records, sca_error *err);

/* --- the checkpoint (§3.4) ------------------------------------------------------------------------------- */
typedef struct sca_fu_log_checkpoint {
    uint8_t card_id[16];
    uint32_t count;               /* the last seq */
    uint32_t first_seq;           /* the first retained seq */
    uint8_t head[32];             /* h_count */
    const uint8_t *nonce;         /* into the parsed buffer */
    size_t nonce_len;             /* SCA_FU_LOG_NONCE_MIN..MAX */
    const uint8_t *signature;     /* DER, into the parsed buffer */
    size_t signature_len;
    size_t tbs_len;               /* signed: the first tbs_len bytes (everything before signature_len) */
} sca_fu_log_checkpoint;

/* Parse strictly: magic, nonce length 16..32, signature length 8..72, nothing missing or left over.
 * Neither the signature nor the window is checked here. */
sca_rc sca_fu_log_checkpoint_parse(const uint8_t *buf, size_t len, sca_fu_log_checkpoint *cp, sca_error *err);
/* Make a checkpoint as the card does, signed with `card_log_key` (P-256 private), into a new buffer (free()).
 * For tests, simulators and fuzz seeds. */
sca_rc sca_fu_log_checkpoint_sign(EVP_PKEY *card_log_key, const uint8_t card_id[16], uint32_t count,
                                  uint32_t first_seq, const uint8_t head[32], const uint8_t *nonce,
                                  size_t nonce_len, uint8_t **out, size_t *len, sca_error *err);

/* --- verification ---------------------------------------------------------------------------------------- */
typedef enum sca_fu_log_failure {
    SCA_FU_LOG_OK = 0,
    SCA_FU_LOG_BAD_CHECKPOINT,    /* SCA_E_PARSE: the checkpoint is malformed */
    SCA_FU_LOG_BAD_KEY,           /* SCA_E_CRYPTO: the log key given is not a P-256 key */
    SCA_FU_LOG_BAD_SIGNATURE,     /* SCA_E_CRYPTO: the checkpoint's signature does not verify */
    SCA_FU_LOG_WRONG_CARD,        /* SCA_E_CRYPTO: signed for another card id */
    SCA_FU_LOG_WRONG_NONCE,       /* SCA_E_CRYPTO: another nonce (an old checkpoint replayed) */
    SCA_FU_LOG_BAD_WINDOW,        /* SCA_E_CRYPTO: count / first retained seq are inconsistent */
    SCA_FU_LOG_RECORD_COUNT,      /* SCA_E_CRYPTO: records missing or extra */
    SCA_FU_LOG_BAD_START,         /* SCA_E_CRYPTO: the log starts at seq 1 but h_before_first is not h_0 */
    SCA_FU_LOG_BAD_RECORD,        /* SCA_E_PARSE: a record is malformed */
    SCA_FU_LOG_BAD_SEQ,           /* SCA_E_CRYPTO: a record's seq is not the next one (missing, reordered) */
    SCA_FU_LOG_CHAIN_MISMATCH,    /* SCA_E_CRYPTO: the records do not hash to the signed head */
} sca_fu_log_failure;

typedef struct sca_fu_log_report {
    sca_fu_log_failure failure;   /* also set on success (SCA_FU_LOG_OK) */
    uint32_t count;               /* the last seq (the number of records ever written) */
    uint32_t first_seq;           /* the first retained seq */
    uint32_t dropped;             /* records overwritten by the ring: first_seq - 1 */
    uint8_t head[32];
    size_t n_records;             /* count - first_seq + 1 */
    sca_fu_log_record records[SCA_FU_LOG_CAPACITY]; /* oldest first; valid only on success */
} sca_fu_log_report;

/* Verify a log read from the card: `records` (n_records × 96 bytes, the whole retained window, oldest first,
 * as LOG_READ answers concatenated), `h_before_first` (the chain hash before the first of them, from the first
 * LOG_READ; may be NULL only when n_records is 0), `checkpoint` (the LOG_CHECKPOINT answer for `nonce`), the
 * card's log public key (GET DATA DF53) and the card id (GET DATA DF34). See the order of checks above; every
 * failure has its own message and `out->failure` (out may be NULL). SCA_E_INVALID_ARG for a nonce outside
 * 16..32 bytes or missing arguments. */
sca_rc sca_fu_log_verify(const uint8_t h_before_first[32], const uint8_t *records, size_t n_records,
                         const uint8_t *checkpoint, size_t cp_len, EVP_PKEY *card_log_key,
                         const uint8_t card_id[16], const uint8_t *nonce, size_t nonce_len,
                         sca_fu_log_report *out, sca_error *err);

/* --- DM server authentication for reading the log (§5) --------------------------------------------------- */
/* "SCAGENT-DM-AUTH-1" || card id || challenge, the 49 bytes the server signs. */
void sca_dm_auth_message(const uint8_t card_id[16], const uint8_t challenge[16], uint8_t out[SCA_DM_AUTH_MSG_LEN]);
/* The DM server's side: sign that message with its P-256 private key (DER ECDSA, SHA-256) into `der` (capacity
 * `cap`, SCA_DM_AUTH_SIG_MAX is always enough; the length goes to *len). SCA_E_CRYPTO for a key that is not
 * P-256, SCA_E_BUFFER_TOO_SMALL when the signature does not fit. */
sca_rc sca_dm_auth_sign(EVP_PKEY *server_key, const uint8_t card_id[16], const uint8_t challenge[16], uint8_t *der,
                        size_t cap, size_t *len, sca_error *err);
/* The card's side, for tests and simulators: SCA_E_CRYPTO when the signature does not verify. */
sca_rc sca_dm_auth_verify(EVP_PKEY *server_pub, const uint8_t card_id[16], const uint8_t challenge[16],
                          const uint8_t *der, size_t len, sca_error *err);

#endif
