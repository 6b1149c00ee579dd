/* The firmware-update log (dm-firmware.md §3, §5): records, the chain and the signed checkpoint are made here
 * the way the card makes them (a test key plays the card's log key), then verified: every byte of the records
 * and of the checkpoint flipped, an old checkpoint against a new nonce, another card, missing and reordered
 * records, a wrapped ring; and the DM server's authentication signature. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sca_contract.h"
#include "scagent/fulog.h"
#include "testpki.h"

static struct {
    EVP_PKEY *card, *other, *p384;
} k;

static void keys_free(void)
{
    EVP_PKEY_free(k.card);
    EVP_PKEY_free(k.other);
    EVP_PKEY_free(k.p384);
}

static void keys(void)
{
    if (k.card != NULL)
        return;
    k.card = tpki_key(TPKI_P256);
    k.other = tpki_key(TPKI_P256);
    k.p384 = tpki_key(TPKI_P384);
    assert_non_null(k.card);
    assert_non_null(k.other);
    assert_non_null(k.p384);
    atexit(keys_free);
}

static const uint8_t CARD_ID[16] = {0x5C, 0xA6, 0xE7, 0x70, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t IMEI[8] = {0x4A, 0x09, 0x51, 0x24, 0x30, 0x32, 0x57, 0x81};

/* A card's log: every record ever written and every chain hash (h[0] = h_0). */
#define MAXREC 200
typedef struct card_log {
    uint32_t count;
    uint8_t rec[MAXREC + 1][SCA_LOG_RECORD_LEN]; /* rec[seq] */
    uint8_t h[MAXREC + 1][32];                   /* h[seq] */
} card_log;

static sca_fu_log_record record_for(uint32_t seq)
{
    sca_fu_log_record r;
    memset(&r, 0, sizeof r);
    r.seq = seq;
    r.time = 1700000000u + seq;
    if (seq % 5 == 0) {
        r.kind = SCA_LOG_KIND_CONFIRMATION;
        r.status = SCA_LOG_STATUS_CONFIRMED;
        r.flags = SCA_FU_LOG_FLAG_CONFIRMED;
    } else {
        r.kind = seq % 2 ? SCA_LOG_KIND_FIRMWARE : SCA_LOG_KIND_SOFTWARE;
        r.status = (uint8_t)(1 + seq % 5);
        r.result = 200;
        r.from = (uint16_t)seq;
        r.to = (uint16_t)(seq + 1);
        r.flags = SCA_FU_LOG_FLAG_AUTHORIZED | SCA_FU_LOG_FLAG_HASHED_ON_CARD;
        for (int i = 0; i < 32; i++)
            r.sha256[i] = (uint8_t)(seq + (uint32_t)i);
        r.manifest_seq = seq * 7;
    }
    if (seq % 3)
        memcpy(r.imei_bcd, IMEI, 8);
    r.server_id_len = seq % 33; /* 0..32 */
    for (size_t i = 0; i < r.server_id_len; i++)
        r.server_id[i] = (uint8_t)('a' + (seq + i) % 26);
    return r;
}

static void make_log(card_log *l, uint32_t count)
{
    memset(l->h[0], 0, 32);
    l->count = count;
    for (uint32_t s = 1; s <= count; s++) {
        sca_fu_log_record r = record_for(s);
        assert_int_equal(sca_fu_log_record_encode(&r, l->rec[s], NULL), SCA_OK);
        assert_int_equal(sca_fu_log_chain(l->h[s - 1], l->rec[s], l->h[s], NULL), SCA_OK);
    }
}

static uint32_t first_of(uint32_t count)
{
    return count > SCA_LOG_CAPACITY - 1 ? count - (SCA_LOG_CAPACITY - 1) : 1;
}

/* The export: h_before_first and the window's records, as LOG_READ answers concatenated. */
typedef struct export {
    uint8_t h_before[32];
    uint8_t records[SCA_LOG_CAPACITY * SCA_LOG_RECORD_LEN];
    size_t n;
    uint8_t *cp;
    size_t cp_len;
} export;

static void nonce_of(uint8_t *n, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++)
        n[i] = (uint8_t)(v + i);
}

static void export_log(const card_log *l, export *e, EVP_PKEY *key, const uint8_t *card_id, const uint8_t *nonce,
                       size_t nonce_len)
{
    uint32_t first = first_of(l->count);
    memcpy(e->h_before, l->h[first - 1], 32);
    e->n = l->count ? l->count - first + 1 : 0;
    for (size_t i = 0; i < e->n; i++)
        memcpy(e->records + i * SCA_LOG_RECORD_LEN, l->rec[first + i], SCA_LOG_RECORD_LEN);
    sca_error err;
    if (sca_fu_log_checkpoint_sign(key, card_id, l->count, first, l->h[l->count], nonce, nonce_len, &e->cp,
                                   &e->cp_len, &err) != SCA_OK)
        fail_msg("%s", err.msg);
}

static sca_rc verify(const export *e, const uint8_t *nonce, size_t nonce_len, sca_fu_log_report *rep,
                     sca_error *err)
{
    return sca_fu_log_verify(e->h_before, e->records, e->n, e->cp, e->cp_len, k.card, CARD_ID, nonce, nonce_len,
                             rep, err);
}

static card_log the_log;

static void test_verify_ok_and_wrapped(void **state)
{
    (void)state;
    keys();
    uint32_t counts[] = {0, 1, 2, 5, 31, 32, 33, 34, 64, 100, MAXREC};
    sca_fu_log_report *rep = calloc(1, sizeof *rep);
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        make_log(&the_log, counts[c]);
        uint8_t nonce[24];
        nonce_of(nonce, sizeof nonce, (uint8_t)c);
        export e;
        export_log(&the_log, &e, k.card, CARD_ID, nonce, sizeof nonce);
        sca_error err;
        if (verify(&e, nonce, sizeof nonce, rep, &err) != SCA_OK)
            fail_msg("count %u: %s", counts[c], err.msg);
        uint32_t first = first_of(counts[c]);
        assert_int_equal(rep->failure, SCA_FU_LOG_OK);
        assert_int_equal(rep->count, counts[c]);
        assert_int_equal(rep->first_seq, first);
        assert_int_equal(rep->dropped, first - 1);
        assert_int_equal(rep->n_records, e.n);
        assert_memory_equal(rep->head, the_log.h[counts[c]], 32);
        for (size_t i = 0; i < e.n; i++) {
            sca_fu_log_record want = record_for(first + (uint32_t)i);
            const sca_fu_log_record *got = &rep->records[i];
            assert_int_equal(got->seq, want.seq);
            assert_int_equal(got->time, want.time);
            assert_int_equal(got->kind, want.kind);
            assert_int_equal(got->status, want.status);
            assert_int_equal(got->result, want.result);
            assert_int_equal(got->from, want.from);
            assert_int_equal(got->to, want.to);
            assert_int_equal(got->flags, want.flags);
            assert_int_equal(got->server_id_len, want.server_id_len);
            assert_memory_equal(got->server_id, want.server_id, want.server_id_len);
            assert_memory_equal(got->sha256, want.sha256, 32);
            assert_int_equal(got->manifest_seq, want.manifest_seq);
            assert_int_equal(got->has_imei, want.seq % 3 != 0);
            assert_string_equal(got->imei, want.seq % 3 ? "490154203237518" : "");
        }
        free(e.cp);
    }
    /* an empty log: no records, h_before_first may be NULL */
    make_log(&the_log, 0);
    uint8_t nonce[16] = {0};
    export e;
    export_log(&the_log, &e, k.card, CARD_ID, nonce, sizeof nonce);
    assert_int_equal(sca_fu_log_verify(NULL, NULL, 0, e.cp, e.cp_len, k.card, CARD_ID, nonce, 16, rep, NULL), SCA_OK);
    assert_int_equal(rep->count, 0);
    assert_int_equal(rep->first_seq, 1);
    assert_int_equal(rep->dropped, 0);
    free(e.cp);
    free(rep);
}

/* Every byte of h_before_first, of the records and of the checkpoint flipped: never accepted. */
static void test_every_byte_flipped(void **state)
{
    (void)state;
    keys();
    uint32_t counts[] = {6, 40};
    for (size_t c = 0; c < 2; c++) {
        make_log(&the_log, counts[c]);
        uint8_t nonce[32];
        nonce_of(nonce, sizeof nonce, 0x33);
        export e;
        export_log(&the_log, &e, k.card, CARD_ID, nonce, sizeof nonce);
        sca_fu_log_report rep;
        sca_error err;
        assert_int_equal(verify(&e, nonce, sizeof nonce, &rep, &err), SCA_OK);
        int seen[16] = {0};
        for (size_t i = 0; i < 32; i++) {
            e.h_before[i] ^= 0x01;
            assert_int_not_equal(verify(&e, nonce, sizeof nonce, &rep, &err), SCA_OK);
            assert_int_equal(rep.failure, counts[c] <= 32 ? SCA_FU_LOG_BAD_START : SCA_FU_LOG_CHAIN_MISMATCH);
            e.h_before[i] ^= 0x01;
        }
        for (size_t i = 0; i < e.n * SCA_LOG_RECORD_LEN; i++) {
            for (int bit = 0; bit < 8; bit += 7) {
                e.records[i] ^= (uint8_t)(1u << bit);
                sca_rc rc = verify(&e, nonce, sizeof nonce, &rep, &err);
                if (rc == SCA_OK)
                    fail_msg("record byte %zu bit %d accepted", i, bit);
                assert_true(rep.failure == SCA_FU_LOG_BAD_SEQ || rep.failure == SCA_FU_LOG_BAD_RECORD ||
                            rep.failure == SCA_FU_LOG_CHAIN_MISMATCH);
                assert_int_equal(rep.n_records, 0);
                seen[rep.failure] = 1;
                e.records[i] ^= (uint8_t)(1u << bit);
            }
        }
        assert_true(seen[SCA_FU_LOG_BAD_SEQ] && seen[SCA_FU_LOG_BAD_RECORD] && seen[SCA_FU_LOG_CHAIN_MISMATCH]);
        for (size_t i = 0; i < e.cp_len; i++) {
            for (int bit = 0; bit < 8; bit += 7) {
                e.cp[i] ^= (uint8_t)(1u << bit);
                sca_rc rc = verify(&e, nonce, sizeof nonce, &rep, &err);
                if (rc == SCA_OK)
                    fail_msg("checkpoint byte %zu bit %d accepted", i, bit);
                assert_true(rep.failure == SCA_FU_LOG_BAD_CHECKPOINT || rep.failure == SCA_FU_LOG_BAD_SIGNATURE);
                e.cp[i] ^= (uint8_t)(1u << bit);
            }
        }
        assert_int_equal(verify(&e, nonce, sizeof nonce, &rep, &err), SCA_OK);
        free(e.cp);
    }
}

static void test_replayed_checkpoint_and_other_card(void **state)
{
    (void)state;
    keys();
    make_log(&the_log, 10);
    uint8_t old_nonce[16], new_nonce[16], long_nonce[17];
    nonce_of(old_nonce, 16, 1);
    nonce_of(new_nonce, 16, 2);
    nonce_of(long_nonce, 17, 1); /* the old nonce and one more byte */
    export e;
    export_log(&the_log, &e, k.card, CARD_ID, old_nonce, 16);
    sca_fu_log_report rep;
    sca_error err;
    assert_int_equal(verify(&e, old_nonce, 16, &rep, &err), SCA_OK);
    /* the server asks with a new nonce and is shown the old checkpoint */
    assert_int_equal(verify(&e, new_nonce, 16, &rep, &err), SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_WRONG_NONCE);
    assert_non_null(strstr(err.msg, "nonce"));
    assert_int_equal(verify(&e, long_nonce, 17, &rep, &err), SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_WRONG_NONCE);
    /* nonces outside 16..32 are the caller's mistake */
    assert_int_equal(verify(&e, long_nonce, 15, &rep, &err), SCA_E_INVALID_ARG);
    uint8_t big[33] = {0};
    assert_int_equal(verify(&e, big, 33, &rep, &err), SCA_E_INVALID_ARG);
    /* another card id in the checkpoint */
    uint8_t other_id[16];
    memcpy(other_id, CARD_ID, 16);
    other_id[0] ^= 0xFF;
    assert_int_equal(sca_fu_log_verify(e.h_before, e.records, e.n, e.cp, e.cp_len, k.card, other_id, old_nonce, 16,
                                       &rep, &err),
                     SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_WRONG_CARD);
    assert_non_null(strstr(err.msg, "card id"));
    /* signed by another key */
    assert_int_equal(sca_fu_log_verify(e.h_before, e.records, e.n, e.cp, e.cp_len, k.other, CARD_ID, old_nonce, 16,
                                       &rep, &err),
                     SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_BAD_SIGNATURE);
    assert_int_equal(sca_fu_log_verify(e.h_before, e.records, e.n, e.cp, e.cp_len, k.p384, CARD_ID, old_nonce, 16,
                                       &rep, &err),
                     SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_BAD_KEY);
    free(e.cp);
    /* the checkpoint of a longer log of the same card (a newer head) against these records */
    card_log *l2 = malloc(sizeof *l2);
    make_log(l2, 11);
    export e2;
    export_log(l2, &e2, k.card, CARD_ID, new_nonce, 16);
    assert_int_equal(sca_fu_log_verify(e.h_before, e.records, e.n, e2.cp, e2.cp_len, k.card, CARD_ID, new_nonce, 16,
                                       &rep, &err),
                     SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_RECORD_COUNT);
    free(e2.cp);
    free(l2);
}

static void test_missing_reordered_and_window(void **state)
{
    (void)state;
    keys();
    uint8_t nonce[20];
    nonce_of(nonce, 20, 9);
    sca_fu_log_report rep;
    sca_error err;
    for (int wrapped = 0; wrapped < 2; wrapped++) {
        make_log(&the_log, wrapped ? 70 : 8);
        export e;
        export_log(&the_log, &e, k.card, CARD_ID, nonce, 20);
        export m = e;
        /* the last record missing */
        assert_int_equal(sca_fu_log_verify(m.h_before, m.records, m.n - 1, m.cp, m.cp_len, k.card, CARD_ID, nonce, 20,
                                           &rep, &err),
                         SCA_E_CRYPTO);
        assert_int_equal(rep.failure, SCA_FU_LOG_RECORD_COUNT);
        assert_non_null(strstr(err.msg, "missing"));
        /* a middle record missing, the last repeated to keep the number */
        memmove(m.records + 3 * SCA_LOG_RECORD_LEN, m.records + 4 * SCA_LOG_RECORD_LEN,
                (m.n - 4) * SCA_LOG_RECORD_LEN);
        assert_int_equal(verify(&m, nonce, 20, &rep, &err), SCA_E_CRYPTO);
        assert_int_equal(rep.failure, SCA_FU_LOG_BAD_SEQ);
        assert_non_null(strstr(err.msg, "where seq"));
        /* two records swapped */
        m = e;
        uint8_t tmp[SCA_LOG_RECORD_LEN];
        memcpy(tmp, m.records + SCA_LOG_RECORD_LEN, SCA_LOG_RECORD_LEN);
        memcpy(m.records + SCA_LOG_RECORD_LEN, m.records + 2 * SCA_LOG_RECORD_LEN, SCA_LOG_RECORD_LEN);
        memcpy(m.records + 2 * SCA_LOG_RECORD_LEN, tmp, SCA_LOG_RECORD_LEN);
        assert_int_equal(verify(&m, nonce, 20, &rep, &err), SCA_E_CRYPTO);
        assert_int_equal(rep.failure, SCA_FU_LOG_BAD_SEQ);
        /* the first record missing, one extra */
        assert_int_equal(sca_fu_log_verify(e.h_before, e.records + SCA_LOG_RECORD_LEN, e.n - 1, e.cp, e.cp_len, k.card,
                                           CARD_ID, nonce, 20, &rep, &err),
                         SCA_E_CRYPTO);
        assert_int_equal(rep.failure, SCA_FU_LOG_RECORD_COUNT);
        uint8_t *more = calloc(e.n + 1, SCA_LOG_RECORD_LEN);
        memcpy(more, e.records, e.n * SCA_LOG_RECORD_LEN);
        assert_int_equal(sca_fu_log_verify(e.h_before, more, e.n + 1, e.cp, e.cp_len, k.card, CARD_ID, nonce, 20, &rep,
                                           &err),
                         SCA_E_CRYPTO);
        assert_int_equal(rep.failure, SCA_FU_LOG_RECORD_COUNT);
        assert_non_null(strstr(err.msg, "extra"));
        free(more);
        free(e.cp);
    }
    /* a card that claims an odd window (signed): refused */
    make_log(&the_log, 40);
    uint32_t firsts[] = {0, 1, 8, 10, 41};
    for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        uint8_t *cp;
        size_t cl;
        assert_int_equal(sca_fu_log_checkpoint_sign(k.card, CARD_ID, 40, firsts[i], the_log.h[40], nonce, 20, &cp,
                                                    &cl, NULL),
                         SCA_OK);
        assert_int_equal(sca_fu_log_verify(the_log.h[firsts[i] ? firsts[i] - 1 : 0], the_log.rec[firsts[i] ? firsts[i] : 1],
                                           firsts[i] ? 41 - firsts[i] : 40, cp, cl, k.card, CARD_ID, nonce, 20, &rep,
                                           &err),
                         SCA_E_CRYPTO);
        assert_int_equal(rep.failure, SCA_FU_LOG_BAD_WINDOW);
        free(cp);
    }
    /* an empty log must say first seq 1 */
    uint8_t *cp;
    size_t cl;
    static const uint8_t zero[32];
    assert_int_equal(sca_fu_log_checkpoint_sign(k.card, CARD_ID, 0, 0, zero, nonce, 20, &cp, &cl, NULL), SCA_OK);
    assert_int_equal(sca_fu_log_verify(NULL, NULL, 0, cp, cl, k.card, CARD_ID, nonce, 20, &rep, &err), SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_BAD_WINDOW);
    free(cp);
    /* an empty log with a head that is not h_0 */
    uint8_t one[32] = {1};
    assert_int_equal(sca_fu_log_checkpoint_sign(k.card, CARD_ID, 0, 1, one, nonce, 20, &cp, &cl, NULL), SCA_OK);
    assert_int_equal(sca_fu_log_verify(NULL, NULL, 0, cp, cl, k.card, CARD_ID, nonce, 20, &rep, &err), SCA_E_CRYPTO);
    assert_int_equal(rep.failure, SCA_FU_LOG_CHAIN_MISMATCH);
    free(cp);
    /* records without the hash before them */
    make_log(&the_log, 3);
    export e;
    export_log(&the_log, &e, k.card, CARD_ID, nonce, 20);
    assert_int_equal(sca_fu_log_verify(NULL, e.records, e.n, e.cp, e.cp_len, k.card, CARD_ID, nonce, 20, &rep, &err),
                     SCA_E_INVALID_ARG);
    free(e.cp);
}

/* A malformed record the card signed anyway (a broken card): reported as malformed, not as altered. */
static void test_malformed_record_signed(void **state)
{
    (void)state;
    keys();
    make_log(&the_log, 4);
    the_log.rec[3][95] = 1; /* reserved */
    for (uint32_t s = 3; s <= 4; s++)
        assert_int_equal(sca_fu_log_chain(the_log.h[s - 1], the_log.rec[s], the_log.h[s], NULL), SCA_OK);
    uint8_t nonce[16] = {7};
    export e;
    export_log(&the_log, &e, k.card, CARD_ID, nonce, 16);
    sca_fu_log_report rep;
    sca_error err;
    assert_int_equal(verify(&e, nonce, 16, &rep, &err), SCA_E_PARSE);
    assert_int_equal(rep.failure, SCA_FU_LOG_BAD_RECORD);
    assert_non_null(strstr(err.msg, "reserved"));
    assert_non_null(strstr(err.msg, "record 3 of 4"));
    free(e.cp);
}

static void test_record_codec(void **state)
{
    (void)state;
    uint8_t b[SCA_LOG_RECORD_LEN];
    sca_fu_log_record r = record_for(32), p;
    sca_error err;
    assert_int_equal(sca_fu_log_record_encode(&r, b, &err), SCA_OK);
    /* the layout of §3.1 */
    assert_memory_equal(b, "\x00\x00\x00\x20", 4);
    assert_int_equal(b[8], r.kind);
    assert_int_equal(b[10] << 8 | b[11], 200);
    assert_memory_equal(b + 16, IMEI, 8);
    assert_int_equal(b[25], 32);
    assert_memory_equal(b + 26, r.server_id, 32);
    assert_memory_equal(b + 58, r.sha256, 32);
    assert_int_equal(b[90] << 24 | b[91] << 16 | b[92] << 8 | b[93], 32 * 7);
    assert_int_equal(sca_fu_log_record_parse(b, &p, &err), SCA_OK);
    assert_int_equal(p.seq, 32);
    assert_string_equal(p.imei, "490154203237518");
    /* structure errors */
    uint8_t c[SCA_LOG_RECORD_LEN];
    memcpy(c, b, sizeof c);
    memset(c, 0, 4);
    assert_int_equal(sca_fu_log_record_parse(c, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "seq is 0"));
    memcpy(c, b, sizeof c);
    c[25] = 33;
    assert_int_equal(sca_fu_log_record_parse(c, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "server id length"));
    r = record_for(3);
    assert_int_equal(sca_fu_log_record_encode(&r, c, &err), SCA_OK);
    c[26 + 31] = 'x';
    assert_int_equal(sca_fu_log_record_parse(c, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "padding"));
    memcpy(c, b, sizeof c);
    c[94] = 0x80;
    assert_int_equal(sca_fu_log_record_parse(c, &p, &err), SCA_E_PARSE);
    /* values the host does not know still parse */
    memcpy(c, b, sizeof c);
    c[8] = 0x77;
    c[9] = 0x66;
    c[24] = 0xFF;
    memset(c + 16, 0xFF, 8);
    assert_int_equal(sca_fu_log_record_parse(c, &p, &err), SCA_OK);
    assert_string_equal(sca_fu_log_kind_name(p.kind), "unknown");
    assert_string_equal(sca_fu_log_status_name(p.status), "unknown");
    assert_true(p.has_imei);
    assert_string_equal(p.imei, "");
    assert_string_equal(sca_fu_log_kind_name(SCA_LOG_KIND_CONFIRMATION), "confirmation");
    assert_string_equal(sca_fu_log_status_name(SCA_LOG_STATUS_INSTALLED), "installed");
    /* encoder limits */
    r.seq = 0;
    assert_int_equal(sca_fu_log_record_encode(&r, c, &err), SCA_E_INVALID_ARG);
    r.seq = 1;
    r.server_id_len = 33;
    assert_int_equal(sca_fu_log_record_encode(&r, c, &err), SCA_E_INVALID_ARG);
    /* the chain step is SHA-256(prev || record) */
    uint8_t prev[32], in[32 + SCA_LOG_RECORD_LEN], want[32], got[32];
    memset(prev, 0x5A, 32);
    memcpy(in, prev, 32);
    memcpy(in + 32, b, SCA_LOG_RECORD_LEN);
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(in, sizeof in, want, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(sca_fu_log_chain(prev, b, got, NULL), SCA_OK);
    assert_memory_equal(got, want, 32);
}

static void test_checkpoint_parse_and_read_split(void **state)
{
    (void)state;
    keys();
    uint8_t head[32], nonce[32];
    memset(head, 0xAB, 32);
    nonce_of(nonce, 32, 0x40);
    for (size_t nl = 16; nl <= 32; nl += 16) {
        uint8_t *cp;
        size_t cl;
        assert_int_equal(sca_fu_log_checkpoint_sign(k.card, CARD_ID, 77, 46, head, nonce, nl, &cp, &cl, NULL), SCA_OK);
        sca_fu_log_checkpoint v;
        sca_error err;
        assert_int_equal(sca_fu_log_checkpoint_parse(cp, cl, &v, &err), SCA_OK);
        assert_memory_equal(cp, "SCAGENT-LOG-CHECKPOINT-1", 24);
        assert_memory_equal(v.card_id, CARD_ID, 16);
        assert_int_equal(v.count, 77);
        assert_int_equal(v.first_seq, 46);
        assert_memory_equal(v.head, head, 32);
        assert_int_equal(v.nonce_len, nl);
        assert_memory_equal(v.nonce, nonce, nl);
        assert_int_equal(v.tbs_len, 24 + 16 + 4 + 4 + 32 + 1 + nl);
        assert_int_equal(cp[v.tbs_len], v.signature_len);
        assert_int_equal(cl, v.tbs_len + 1 + v.signature_len);
        assert_in_range(cl, SCA_FU_CHECKPOINT_MIN, SCA_FU_CHECKPOINT_MAX);
        for (size_t cut = 0; cut < cl; cut++)
            assert_int_equal(sca_fu_log_checkpoint_parse(cp, cut, &v, &err), SCA_E_PARSE);
        uint8_t *x = malloc(cl + 1);
        memcpy(x, cp, cl);
        x[cl] = 0;
        assert_int_equal(sca_fu_log_checkpoint_parse(x, cl + 1, &v, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "after the signature"));
        x[0] = 'X';
        assert_int_equal(sca_fu_log_checkpoint_parse(x, cl, &v, &err), SCA_E_PARSE);
        x[0] = 'S';
        x[24 + 16 + 4 + 4 + 32] = 15;
        assert_int_equal(sca_fu_log_checkpoint_parse(x, cl, &v, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "nonce length"));
        free(x);
        free(cp);
    }
    uint8_t *cp = NULL;
    size_t cl = 0;
    assert_int_equal(sca_fu_log_checkpoint_sign(k.card, CARD_ID, 1, 1, head, nonce, 15, &cp, &cl, NULL),
                     SCA_E_INVALID_ARG);
    assert_int_equal(sca_fu_log_checkpoint_sign(k.p384, CARD_ID, 1, 1, head, nonce, 16, &cp, &cl, NULL),
                     SCA_E_CRYPTO);
    assert_null(cp);
    /* LOG_READ answers */
    uint8_t ans[32 + 3 * SCA_LOG_RECORD_LEN];
    const uint8_t *h, *recs;
    size_t n;
    assert_int_equal(sca_fu_log_read_split(ans, sizeof ans, &h, &recs, &n, NULL), SCA_OK);
    assert_ptr_equal(h, ans);
    assert_ptr_equal(recs, ans + 32);
    assert_int_equal(n, 3);
    size_t bad[] = {0, 31, 32, 33, 32 + SCA_LOG_RECORD_LEN - 1, 32 + SCA_LOG_RECORD_LEN + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sca_fu_log_read_split(ans, bad[i], &h, &recs, &n, NULL), SCA_E_PARSE);
}

static void test_dm_auth(void **state)
{
    (void)state;
    keys();
    uint8_t chal[16], sig[SCA_DM_AUTH_SIG_MAX];
    for (int i = 0; i < 16; i++)
        chal[i] = (uint8_t)(0xE0 + i);
    size_t n = 0;
    sca_error err;
    assert_int_equal(sca_dm_auth_sign(k.other, CARD_ID, chal, sig, sizeof sig, &n, &err), SCA_OK);
    assert_in_range(n, 8, SCA_DM_AUTH_SIG_MAX);
    /* independently: the 49 bytes of §5 and a plain EVP verification */
    uint8_t msg[49];
    memcpy(msg, "SCAGENT-DM-AUTH-1", 17);
    memcpy(msg + 17, CARD_ID, 16);
    memcpy(msg + 33, chal, 16);
    uint8_t built[SCA_DM_AUTH_MSG_LEN];
    sca_dm_auth_message(CARD_ID, chal, built);
    assert_memory_equal(built, msg, 49);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, k.other, NULL), 1);
    assert_int_equal(EVP_DigestVerify(ctx, sig, n, msg, sizeof msg), 1);
    EVP_MD_CTX_free(ctx);
    assert_int_equal(sca_dm_auth_verify(k.other, CARD_ID, chal, sig, n, &err), SCA_OK);
    chal[0] ^= 1;
    assert_int_equal(sca_dm_auth_verify(k.other, CARD_ID, chal, sig, n, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "does not verify"));
    chal[0] ^= 1;
    assert_int_equal(sca_dm_auth_verify(k.card, CARD_ID, chal, sig, n, &err), SCA_E_CRYPTO);
    assert_int_equal(sca_dm_auth_verify(k.other, CARD_ID, chal, sig, n - 1, &err), SCA_E_CRYPTO);
    /* too small a buffer, a key that is not P-256 */
    uint8_t small[20];
    assert_int_equal(sca_dm_auth_sign(k.other, CARD_ID, chal, small, sizeof small, &n, &err),
                     SCA_E_BUFFER_TOO_SMALL);
    assert_int_equal(n, 0);
    assert_int_equal(sca_dm_auth_sign(k.p384, CARD_ID, chal, sig, sizeof sig, &n, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "P-256"));
    assert_int_equal(sca_dm_auth_sign(NULL, CARD_ID, chal, sig, sizeof sig, &n, &err), SCA_E_INVALID_ARG);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_verify_ok_and_wrapped),
    cmocka_unit_test(test_every_byte_flipped),
    cmocka_unit_test(test_replayed_checkpoint_and_other_card),
    cmocka_unit_test(test_missing_reordered_and_window),
    cmocka_unit_test(test_malformed_record_signed),
    cmocka_unit_test(test_record_codec),
    cmocka_unit_test(test_checkpoint_parse_and_read_split),
    cmocka_unit_test(test_dm_auth),
};
RUN_SUITE("fu_log", tests)
