/* The firmware-update log (applet-spec/dm-firmware.md §3): records, the hash chain, the signed checkpoint and
 * the verification of an exported log. */
#include "scagent/fulog.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fu_int.h"
#include "sca_contract.h"

_Static_assert(SCA_FU_LOG_RECORD_LEN == SCA_LOG_RECORD_LEN, "fulog.h and the contract disagree: record length");
_Static_assert(SCA_FU_LOG_CAPACITY == SCA_LOG_CAPACITY, "fulog.h and the contract disagree: capacity");
_Static_assert(SCA_FU_LOG_NONCE_MIN == SCA_LOG_NONCE_MIN && SCA_FU_LOG_NONCE_MAX == SCA_LOG_NONCE_MAX,
               "fulog.h and the contract disagree: nonce lengths");
_Static_assert(SCA_DM_CHALLENGE_LEN == 16, "the DM challenge is 16 bytes");

/* record offsets (§3.1) */
enum {
    R_SEQ = 0, R_TIME = 4, R_KIND = 8, R_STATUS = 9, R_RESULT = 10, R_FROM = 12, R_TO = 14, R_IMEI = 16,
    R_FLAGS = 24, R_ID_LEN = 25, R_ID = 26, R_SHA = 58, R_MSEQ = 90, R_RESERVED = 94,
};
/* checkpoint offsets (§3.4) */
enum {
    C_CARD = SCA_FU_CHECKPOINT_MAGIC_LEN, C_COUNT = C_CARD + 16, C_FIRST = C_COUNT + 4, C_HEAD = C_FIRST + 4,
    C_NONCE_LEN = C_HEAD + 32, C_NONCE = C_NONCE_LEN + 1,
};

static const uint8_t H0[32];

const char *sca_fu_log_kind_name(uint8_t kind)
{
    switch (kind) {
    case SCA_LOG_KIND_FIRMWARE: return "firmware";
    case SCA_LOG_KIND_SOFTWARE: return "software";
    case SCA_LOG_KIND_CONFIRMATION: return "confirmation";
    default: return "unknown";
    }
}

const char *sca_fu_log_status_name(uint8_t status)
{
    switch (status) {
    case SCA_LOG_STATUS_STARTED: return "started";
    case SCA_LOG_STATUS_VERIFIED: return "verified";
    case SCA_LOG_STATUS_INSTALLED: return "installed";
    case SCA_LOG_STATUS_FAILED: return "failed";
    case SCA_LOG_STATUS_REFUSED: return "refused";
    case SCA_LOG_STATUS_CONFIRMED: return "confirmed";
    default: return "unknown";
    }
}

sca_rc sca_fu_log_record_parse(const uint8_t rec[SCA_FU_LOG_RECORD_LEN], sca_fu_log_record *r, sca_error *err)
{
    memset(r, 0, sizeof *r);
    if (rec == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log record: no bytes given");
    r->seq = sca_fu_be32(rec + R_SEQ);
    if (r->seq == 0)
        return sca_error_set(err, SCA_E_PARSE, "log record: seq is 0; sequence numbers start at 1");
    r->time = sca_fu_be32(rec + R_TIME);
    r->kind = rec[R_KIND];
    r->status = rec[R_STATUS];
    r->result = sca_fu_be16(rec + R_RESULT);
    r->from = sca_fu_be16(rec + R_FROM);
    r->to = sca_fu_be16(rec + R_TO);
    memcpy(r->imei_bcd, rec + R_IMEI, SCA_IMEI_BCD_LEN);
    for (int i = 0; i < SCA_IMEI_BCD_LEN; i++)
        r->has_imei |= r->imei_bcd[i] != 0;
    if (r->has_imei && sca_imei_decode(r->imei_bcd, r->imei, NULL) != SCA_OK)
        r->imei[0] = '\0'; /* kept as bytes: what the issuer wrote */
    r->flags = rec[R_FLAGS];
    r->server_id_len = rec[R_ID_LEN];
    if (r->server_id_len > SCA_FU_LOG_SERVER_ID_MAX)
        return sca_error_set(err, SCA_E_PARSE, "log record %u: server id length %zu; at most %d", r->seq,
                             r->server_id_len, SCA_FU_LOG_SERVER_ID_MAX);
    memcpy(r->server_id, rec + R_ID, r->server_id_len);
    for (size_t i = r->server_id_len; i < SCA_FU_LOG_SERVER_ID_MAX; i++)
        if (rec[R_ID + i] != 0)
            return sca_error_set(err, SCA_E_PARSE, "log record %u: byte %zu of the server id padding is not zero",
                                 r->seq, i);
    memcpy(r->sha256, rec + R_SHA, 32);
    r->manifest_seq = sca_fu_be32(rec + R_MSEQ);
    if (rec[R_RESERVED] != 0 || rec[R_RESERVED + 1] != 0)
        return sca_error_set(err, SCA_E_PARSE, "log record %u: the reserved bytes are %02X%02X, not zero", r->seq,
                             rec[R_RESERVED], rec[R_RESERVED + 1]);
    return SCA_OK;
}

sca_rc sca_fu_log_record_encode(const sca_fu_log_record *r, uint8_t out[SCA_FU_LOG_RECORD_LEN], sca_error *err)
{
    if (r == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log record: record and output are required");
    if (r->seq == 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log record: seq 0; sequence numbers start at 1");
    if (r->server_id_len > SCA_FU_LOG_SERVER_ID_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log record: a server id of %zu bytes; cut it to %d",
                             r->server_id_len, SCA_FU_LOG_SERVER_ID_MAX);
    memset(out, 0, SCA_FU_LOG_RECORD_LEN);
    sca_fu_put32(out + R_SEQ, r->seq);
    sca_fu_put32(out + R_TIME, r->time);
    out[R_KIND] = r->kind;
    out[R_STATUS] = r->status;
    sca_fu_put16(out + R_RESULT, r->result);
    sca_fu_put16(out + R_FROM, r->from);
    sca_fu_put16(out + R_TO, r->to);
    memcpy(out + R_IMEI, r->imei_bcd, SCA_IMEI_BCD_LEN);
    out[R_FLAGS] = r->flags;
    out[R_ID_LEN] = (uint8_t)r->server_id_len;
    memcpy(out + R_ID, r->server_id, r->server_id_len);
    memcpy(out + R_SHA, r->sha256, 32);
    sca_fu_put32(out + R_MSEQ, r->manifest_seq);
    return SCA_OK;
}

/* h = SHA-256(prev || rec) with a context the caller keeps (NULL: a one-off). */
static int chain_step(EVP_MD_CTX *ctx, const uint8_t prev[32], const uint8_t *rec, uint8_t next[32])
{
    uint8_t in[32 + SCA_FU_LOG_RECORD_LEN];
    memcpy(in, prev, 32);
    memcpy(in + 32, rec, SCA_FU_LOG_RECORD_LEN);
    unsigned int n = 0;
    int ok = ctx != NULL ? EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL) == 1 &&
                               EVP_DigestUpdate(ctx, in, sizeof in) == 1 && EVP_DigestFinal_ex(ctx, next, &n) == 1
                         : EVP_Digest(in, sizeof in, next, &n, EVP_sha256(), NULL) == 1;
    return ok && n == 32;
}

sca_rc sca_fu_log_chain(const uint8_t prev[32], const uint8_t rec[SCA_FU_LOG_RECORD_LEN], uint8_t next[32],
                        sca_error *err)
{
    if (prev == NULL || rec == NULL || next == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log chain: previous hash, record and output are required");
    return chain_step(NULL, prev, rec, next) ? SCA_OK
                                             : sca_error_set(err, SCA_E_CRYPTO, "log chain: SHA-256 failed in OpenSSL");
}

sca_rc sca_fu_log_read_split(const uint8_t *answer, size_t len, const uint8_t **h_before_first,
                             const uint8_t **records, size_t *n_records, sca_error *err)
{
    *h_before_first = NULL;
    *records = NULL;
    *n_records = 0;
    if (answer == NULL || len < 32 + SCA_FU_LOG_RECORD_LEN || (len - 32) % SCA_FU_LOG_RECORD_LEN != 0)
        return sca_error_set(err, SCA_E_PARSE, "LOG_READ answer: %zu bytes; it must be the 32-byte chain hash and "
                             "whole %d-byte records (at least one)", answer ? len : 0, SCA_FU_LOG_RECORD_LEN);
    *h_before_first = answer;
    *records = answer + 32;
    *n_records = (len - 32) / SCA_FU_LOG_RECORD_LEN;
    return SCA_OK;
}

sca_rc sca_fu_log_checkpoint_parse(const uint8_t *buf, size_t len, sca_fu_log_checkpoint *cp, sca_error *err)
{
    memset(cp, 0, sizeof *cp);
    if (buf == NULL || len < C_NONCE)
        return sca_error_set(err, SCA_E_PARSE, "log checkpoint: %zu bytes, truncated before the nonce (a "
                             "checkpoint has at least %d)", buf ? len : 0, SCA_FU_CHECKPOINT_MIN);
    if (memcmp(buf, SCA_FU_CHECKPOINT_MAGIC, SCA_FU_CHECKPOINT_MAGIC_LEN) != 0)
        return sca_error_set(err, SCA_E_PARSE, "log checkpoint: does not start with \"%s\"",
                             SCA_FU_CHECKPOINT_MAGIC);
    memcpy(cp->card_id, buf + C_CARD, 16);
    cp->count = sca_fu_be32(buf + C_COUNT);
    cp->first_seq = sca_fu_be32(buf + C_FIRST);
    memcpy(cp->head, buf + C_HEAD, 32);
    size_t nl = buf[C_NONCE_LEN];
    if (nl < SCA_FU_LOG_NONCE_MIN || nl > SCA_FU_LOG_NONCE_MAX)
        return sca_error_set(err, SCA_E_PARSE, "log checkpoint: nonce length %zu; it must be %d..%d", nl,
                             SCA_FU_LOG_NONCE_MIN, SCA_FU_LOG_NONCE_MAX);
    size_t off = C_NONCE;
    if (len - off < nl + 1)
        return sca_error_set(err, SCA_E_PARSE, "log checkpoint: %zu bytes, truncated in the nonce or before the "
                             "signature length", len);
    cp->nonce = buf + off;
    cp->nonce_len = nl;
    off += nl;
    cp->tbs_len = off;
    size_t sl = buf[off++];
    if (sl < SCA_FU_CHECKPOINT_SIG_MIN || sl > SCA_FU_CHECKPOINT_SIG_MAX)
        return sca_error_set(err, SCA_E_PARSE, "log checkpoint: signature length %zu; a DER P-256 signature has "
                             "%d..%d bytes", sl, SCA_FU_CHECKPOINT_SIG_MIN, SCA_FU_CHECKPOINT_SIG_MAX);
    if (len - off < sl)
        return sca_error_set(err, SCA_E_PARSE, "log checkpoint: the signature has %zu bytes but only %zu remain",
                             sl, len - off);
    if (len - off > sl)
        return sca_error_set(err, SCA_E_PARSE, "log checkpoint: %zu byte%s after the signature", len - off - sl,
                             len - off - sl == 1 ? "" : "s");
    cp->signature = buf + off;
    cp->signature_len = sl;
    return SCA_OK;
}

sca_rc sca_fu_log_checkpoint_sign(EVP_PKEY *card_log_key, const uint8_t card_id[16], uint32_t count,
                                  uint32_t first_seq, const uint8_t head[32], const uint8_t *nonce,
                                  size_t nonce_len, uint8_t **out, size_t *len, sca_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (len != NULL)
        *len = 0;
    if (card_id == NULL || head == NULL || nonce == NULL || out == NULL || len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log checkpoint: card id, head, nonce and output are required");
    if (nonce_len < SCA_FU_LOG_NONCE_MIN || nonce_len > SCA_FU_LOG_NONCE_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log checkpoint: a nonce of %zu bytes; it must have %d..%d",
                             nonce_len, SCA_FU_LOG_NONCE_MIN, SCA_FU_LOG_NONCE_MAX);
    uint8_t buf[SCA_FU_CHECKPOINT_MAX];
    memcpy(buf, SCA_FU_CHECKPOINT_MAGIC, SCA_FU_CHECKPOINT_MAGIC_LEN);
    memcpy(buf + C_CARD, card_id, 16);
    sca_fu_put32(buf + C_COUNT, count);
    sca_fu_put32(buf + C_FIRST, first_seq);
    memcpy(buf + C_HEAD, head, 32);
    buf[C_NONCE_LEN] = (uint8_t)nonce_len;
    memcpy(buf + C_NONCE, nonce, nonce_len);
    size_t off = C_NONCE + nonce_len, sl = 0;
    sca_rc rc = sca_fu_sign_der(card_log_key, "the card's log key", buf, off, 0, buf + off + 1,
                                sizeof buf - off - 1, &sl, err);
    if (rc != SCA_OK)
        return rc;
    buf[off] = (uint8_t)sl;
    off += 1 + sl;
    *out = malloc(off);
    if (*out == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "log checkpoint: out of memory");
    memcpy(*out, buf, off);
    *len = off;
    return SCA_OK;
}

/* Record why the verification failed (the message is already in err) and drop any record decoded so far. */
static sca_rc fail(sca_fu_log_report *out, sca_fu_log_failure f, sca_rc rc)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
        out->failure = f;
    }
    return rc;
}

sca_rc sca_fu_log_verify(const uint8_t h_before_first[32], const uint8_t *records, size_t n_records,
                         const uint8_t *checkpoint, size_t cp_len, EVP_PKEY *card_log_key,
                         const uint8_t card_id[16], const uint8_t *nonce, size_t nonce_len,
                         sca_fu_log_report *out, sca_error *err)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
        out->failure = SCA_FU_LOG_BAD_CHECKPOINT;
    }
    if (card_id == NULL || nonce == NULL || checkpoint == NULL || (n_records > 0 && (records == NULL ||
                                                                                   h_before_first == NULL)))
        return sca_error_set(err, SCA_E_INVALID_ARG, "log verification: the checkpoint, card id, nonce, records "
                             "and the chain hash before them are required");
    if (nonce_len < SCA_FU_LOG_NONCE_MIN || nonce_len > SCA_FU_LOG_NONCE_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "log verification: a nonce of %zu bytes; use %d..%d fresh "
                             "random bytes", nonce_len, SCA_FU_LOG_NONCE_MIN, SCA_FU_LOG_NONCE_MAX);

    /* 1. the checkpoint: format, signature, card, nonce */
    sca_fu_log_checkpoint cp;
    sca_rc rc = sca_fu_log_checkpoint_parse(checkpoint, cp_len, &cp, err);
    if (rc != SCA_OK)
        return fail(out, SCA_FU_LOG_BAD_CHECKPOINT, rc);
    rc = sca_fu_require_p256(card_log_key, "the card's log key", err);
    if (rc != SCA_OK)
        return fail(out, SCA_FU_LOG_BAD_KEY, rc);
    int v = sca_fu_verify_der(card_log_key, checkpoint, cp.tbs_len, cp.signature, cp.signature_len);
    if (v <= 0)
        return fail(out, SCA_FU_LOG_BAD_SIGNATURE,
                    v < 0 ? sca_error_set(err, SCA_E_CRYPTO, "log checkpoint: OpenSSL could not set up the "
                                          "signature check")
                          : sca_error_set(err, SCA_E_CRYPTO, "log checkpoint: the signature does not verify with "
                                          "the card's log key (altered, or from another card)"));
    if (CRYPTO_memcmp(cp.card_id, card_id, 16) != 0)
        return fail(out, SCA_FU_LOG_WRONG_CARD,
                    sca_error_set(err, SCA_E_CRYPTO, "log checkpoint: signed for another card id; read the log "
                                  "from the card you asked"));
    if (cp.nonce_len != nonce_len || CRYPTO_memcmp(cp.nonce, nonce, nonce_len) != 0)
        return fail(out, SCA_FU_LOG_WRONG_NONCE,
                    sca_error_set(err, SCA_E_CRYPTO, "log checkpoint: made for another nonce (an old checkpoint "
                                  "replayed?); ask LOG_CHECKPOINT again with a fresh nonce"));

    /* 2. the window */
    uint32_t want_first = cp.count > SCA_FU_LOG_CAPACITY - 1 ? cp.count - (SCA_FU_LOG_CAPACITY - 1) : 1;
    if (cp.first_seq != want_first && cp.count == 0)
        return fail(out, SCA_FU_LOG_BAD_WINDOW,
                    sca_error_set(err, SCA_E_CRYPTO, "log checkpoint: an empty log (count 0) with first retained "
                                  "seq %u; it must be 1", cp.first_seq));
    if (cp.first_seq != want_first)
        return fail(out, SCA_FU_LOG_BAD_WINDOW,
                    sca_error_set(err, SCA_E_CRYPTO, "log checkpoint: count %u with first retained seq %u; a log "
                                  "of %u records keeps seq %u..%u", cp.count, cp.first_seq, cp.count, want_first,
                                  cp.count));
    size_t want_n = (size_t)(cp.count - cp.first_seq) + 1;
    if (cp.count == 0)
        want_n = 0;
    if (n_records != want_n && want_n == 0)
        return fail(out, SCA_FU_LOG_RECORD_COUNT,
                    sca_error_set(err, SCA_E_CRYPTO, "log: %zu records given, but the checkpoint is of an empty log "
                                  "(count 0): the records are extra", n_records));
    if (n_records != want_n)
        return fail(out, SCA_FU_LOG_RECORD_COUNT,
                    sca_error_set(err, SCA_E_CRYPTO, "log: %zu records given, the checkpoint covers %zu (seq "
                                  "%u..%u): records are %s", n_records, want_n, cp.first_seq, cp.count,
                                  n_records < want_n ? "missing; read the whole window" : "extra"));
    uint8_t h[32];
    memcpy(h, n_records > 0 ? h_before_first : H0, 32);
    if (cp.first_seq == 1 && CRYPTO_memcmp(h, H0, 32) != 0)
        return fail(out, SCA_FU_LOG_BAD_START,
                    sca_error_set(err, SCA_E_CRYPTO, "log: it starts at seq 1 but the chain hash before it is not "
                                  "32 zero bytes"));

    /* 3. the records and the chain */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "log verification: out of memory");
    sca_fu_log_record rec;
    for (size_t i = 0; i < n_records; i++) {
        const uint8_t *p = records + i * SCA_FU_LOG_RECORD_LEN;
        uint32_t want_seq = cp.first_seq + (uint32_t)i;
        rc = sca_fu_log_record_parse(p, &rec, err);
        if (rc != SCA_OK) {
            EVP_MD_CTX_free(ctx);
            if (err != NULL)
                sca_error_prefix(err, "log: record %zu of %zu", i + 1, n_records);
            return fail(out, SCA_FU_LOG_BAD_RECORD, rc);
        }
        if (rec.seq != want_seq) {
            EVP_MD_CTX_free(ctx);
            return fail(out, SCA_FU_LOG_BAD_SEQ,
                        sca_error_set(err, SCA_E_CRYPTO, "log: record %zu of %zu has seq %u where seq %u belongs: "
                                      "a record is missing, repeated or out of order", i + 1, n_records, rec.seq,
                                      want_seq));
        }
        if (out != NULL)
            out->records[i] = rec;
        if (!chain_step(ctx, h, p, h)) {
            EVP_MD_CTX_free(ctx);
            return sca_error_set(err, SCA_E_CRYPTO, "log verification: SHA-256 failed in OpenSSL");
        }
    }
    EVP_MD_CTX_free(ctx);
    if (CRYPTO_memcmp(h, cp.head, 32) != 0) {
        return fail(out, SCA_FU_LOG_CHAIN_MISMATCH,
                    sca_error_set(err, SCA_E_CRYPTO, "log: the records do not hash to the signed head: a record or "
                                  "the chain hash before the first was altered"));
    }
    if (out != NULL) {
        out->failure = SCA_FU_LOG_OK;
        out->count = cp.count;
        out->first_seq = cp.first_seq;
        out->dropped = cp.first_seq - 1;
        memcpy(out->head, cp.head, 32);
        out->n_records = n_records;
    }
    return SCA_OK;
}
