/* The firmware-update manifest (dm-firmware.md §4.1) and the subscriber token (§4.2 item 8): round trips for
 * every optional field, the strict parser (truncation at every byte, extra bytes, tag order, duplicates, unknown
 * tags, lengths, enumerations), the signature over every signed byte, and the token against an independent
 * computation and a fixed vector from the openssl command line. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aes.h"
#include "sca_contract.h"
#include "scagent/fu.h"
#include "testpki.h"

static struct {
    EVP_PKEY *orig, *other, *p384, *rsa;
} k;

static void keys_free(void)
{
    EVP_PKEY_free(k.orig);
    EVP_PKEY_free(k.other);
    EVP_PKEY_free(k.p384);
    EVP_PKEY_free(k.rsa);
}

static void keys(void)
{
    if (k.orig != NULL)
        return;
    k.orig = tpki_key(TPKI_P256);
    k.other = tpki_key(TPKI_P256);
    k.p384 = tpki_key(TPKI_P384);
    k.rsa = tpki_key(TPKI_RSA2048);
    assert_non_null(k.orig);
    assert_non_null(k.other);
    assert_non_null(k.p384);
    assert_non_null(k.rsa);
    atexit(keys_free);
}

/* IMEI 490154203237518 in TS 24.008 BCD (as in the BCAST fields of the other tests) */
static const uint8_t IMEI[8] = {0x4A, 0x09, 0x51, 0x24, 0x30, 0x32, 0x57, 0x81};

static sca_fu_manifest sample(int imei, int card, size_t id_len)
{
    sca_fu_manifest m;
    memset(&m, 0, sizeof m);
    for (int i = 0; i < 32; i++)
        m.sha256[i] = (uint8_t)(0xA0 + i);
    m.size = 0x0000000123456789ull;
    m.kind = SCA_FU_KIND_FIRMWARE;
    m.manufacturer = 0x1234;
    m.model = 0x0016;
    m.from_min = 3;
    m.from_max = 5;
    m.to = 6;
    m.seq = 0x01020304;
    for (size_t i = 0; i < id_len; i++)
        m.server_id[i] = (uint8_t)('a' + i % 26);
    m.server_id_len = id_len;
    m.has_imei = imei;
    if (imei)
        memcpy(m.imei, IMEI, 8);
    m.has_card_id = card;
    if (card)
        for (int i = 0; i < 16; i++)
            m.card_id[i] = (uint8_t)(0xC0 | i);
    m.originator = 2;
    return m;
}

static uint8_t *build(const sca_fu_manifest *m, EVP_PKEY *key, size_t *len)
{
    uint8_t *out = NULL;
    sca_error err;
    if (sca_fu_manifest_build(m, key, &out, len, &err) != SCA_OK)
        fail_msg("build: %s", err.msg);
    return out;
}

static void assert_same(const sca_fu_manifest *a, const sca_fu_manifest *b)
{
    assert_memory_equal(a->sha256, b->sha256, 32);
    assert_true(a->size == b->size);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->manufacturer, b->manufacturer);
    assert_int_equal(a->model, b->model);
    assert_int_equal(a->from_min, b->from_min);
    assert_int_equal(a->from_max, b->from_max);
    assert_int_equal(a->to, b->to);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->server_id_len, b->server_id_len);
    assert_memory_equal(a->server_id, b->server_id, a->server_id_len);
    assert_int_equal(!!a->has_imei, !!b->has_imei);
    if (a->has_imei)
        assert_memory_equal(a->imei, b->imei, 8);
    assert_int_equal(!!a->has_card_id, !!b->has_card_id);
    if (a->has_card_id)
        assert_memory_equal(a->card_id, b->card_id, 16);
    assert_int_equal(a->originator, b->originator);
}

static void test_round_trip_every_option(void **state)
{
    (void)state;
    keys();
    size_t ids[] = {1, 17, SCA_DM_ID_MAX};
    for (int opt = 0; opt < 4; opt++) {
        for (size_t i = 0; i < 3; i++) {
            sca_fu_manifest m = sample(opt & 1, opt >> 1 & 1, ids[i]);
            m.kind = (opt & 1) ? SCA_FU_KIND_SOFTWARE : SCA_FU_KIND_FIRMWARE;
            m.originator = (uint8_t)(i + opt) % SCA_FU_ORIGINATORS;
            size_t n = 0;
            uint8_t *b = build(&m, k.orig, &n);
            assert_true(n <= SCA_FU_MANIFEST_MAX);
            assert_memory_equal(b, "SCFU\x01", 5);
            sca_fu_manifest_view v;
            sca_error err;
            if (sca_fu_manifest_parse(b, n, &v, &err) != SCA_OK)
                fail_msg("%s", err.msg);
            assert_same(&m, &v.m);
            assert_int_equal(v.len, n);
            assert_int_equal(v.tbs_len + 2 + v.signature_len, n);
            assert_int_equal(b[v.tbs_len], 0x5F);
            assert_in_range(v.signature_len, SCA_FU_SIG_MIN, SCA_FU_SIG_MAX);
            assert_string_equal(v.imei_digits, (opt & 1) ? "490154203237518" : "");
            assert_int_equal(sca_fu_manifest_verify_sig(b, n, k.orig, &err), SCA_OK);
            /* the exact size: header, the TLVs, the signature */
            size_t want = 5 + 34 + 10 + 3 + 4 + 4 + 6 + 4 + 6 + 2 + ids[i] + ((opt & 1) ? 10 : 0) +
                          ((opt & 2) ? 18 : 0) + 3 + 2 + v.signature_len;
            assert_int_equal(n, want);
            free(b);
        }
    }
}

/* The builder signs again until the DER signature has 70..72 bytes: many signatures, all in range. */
static void test_signature_length_always_in_range(void **state)
{
    (void)state;
    keys();
    sca_fu_manifest m = sample(0, 0, 8);
    for (int i = 0; i < 400; i++) {
        m.seq = (uint32_t)i;
        size_t n = 0;
        uint8_t *b = build(&m, k.orig, &n);
        sca_fu_manifest_view v;
        assert_int_equal(sca_fu_manifest_parse(b, n, &v, NULL), SCA_OK);
        assert_in_range(v.signature_len, SCA_FU_SIG_MIN, SCA_FU_SIG_MAX);
        free(b);
    }
}

static void test_build_refuses(void **state)
{
    (void)state;
    keys();
    sca_error err;
    uint8_t *out = (uint8_t *)1;
    size_t n = 1;
    sca_fu_manifest m = sample(1, 1, 5);
    m.server_id_len = 0;
    assert_int_equal(sca_fu_manifest_build(&m, k.orig, &out, &n, &err), SCA_E_INVALID_ARG);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "server id"));
    m.server_id_len = SCA_DM_ID_MAX + 1;
    assert_int_equal(sca_fu_manifest_build(&m, k.orig, &out, &n, &err), SCA_E_INVALID_ARG);
    m = sample(1, 1, 5);
    m.kind = 3;
    assert_int_equal(sca_fu_manifest_build(&m, k.orig, &out, &n, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "kind"));
    m = sample(1, 1, 5);
    m.originator = SCA_FU_ORIGINATORS;
    assert_int_equal(sca_fu_manifest_build(&m, k.orig, &out, &n, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "originator"));
    m = sample(1, 1, 5);
    assert_int_equal(sca_fu_manifest_build(&m, k.p384, &out, &n, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "P-256"));
    assert_int_equal(sca_fu_manifest_build(&m, k.rsa, &out, &n, &err), SCA_E_CRYPTO);
    assert_int_equal(sca_fu_manifest_build(&m, NULL, &out, &n, &err), SCA_E_INVALID_ARG);
    assert_null(out);
}

static void test_truncated_at_every_byte_and_extra_byte(void **state)
{
    (void)state;
    keys();
    for (int opt = 0; opt < 4; opt++) {
        sca_fu_manifest m = sample(opt & 1, opt >> 1 & 1, 20);
        size_t n = 0;
        uint8_t *b = build(&m, k.orig, &n);
        sca_fu_manifest_view v;
        sca_error err;
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *c = malloc(cut ? cut : 1);
            memcpy(c, b, cut);
            assert_int_equal(sca_fu_manifest_parse(c, cut, &v, &err), SCA_E_PARSE);
            assert_int_equal(sca_fu_manifest_verify_sig(c, cut, k.orig, &err), SCA_E_PARSE);
            free(c);
        }
        assert_int_equal(sca_fu_manifest_parse(NULL, 0, &v, &err), SCA_E_PARSE);
        uint8_t *x = malloc(n + 1);
        memcpy(x, b, n);
        x[n] = 0x00;
        assert_int_equal(sca_fu_manifest_parse(x, n + 1, &v, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "after the signature"));
        free(x);
        free(b);
    }
}

/* --- hand-made TLV sequences for the parser ----------------------------------------------------------------- */
typedef struct tlv {
    uint8_t tag, len;
    uint8_t val[80];
} tlv;

static size_t n_base;
static tlv base[16];

/* The TLVs of a valid manifest, with a 71-byte dummy signature (the parser does not check it). */
static void base_tlvs(void)
{
    static const struct { uint8_t tag, len; } shape[] = {
        {0x01, 32}, {0x02, 8}, {0x03, 1}, {0x04, 2}, {0x05, 2}, {0x06, 4}, {0x07, 2},
        {0x08, 4},  {0x09, 7}, {0x0A, 8}, {0x0B, 16}, {0x0C, 1}, {0x5F, 71},
    };
    n_base = sizeof shape / sizeof shape[0];
    for (size_t i = 0; i < n_base; i++) {
        base[i].tag = shape[i].tag;
        base[i].len = shape[i].len;
        memset(base[i].val, (int)(0x10 + i), sizeof base[i].val);
    }
    base[2].val[0] = 0x01;                 /* kind */
    base[11].val[0] = 0x03;                /* slot */
    memcpy(base[9].val, IMEI, 8);
}

static size_t assemble(const tlv *t, size_t n, uint8_t *out)
{
    size_t off = 0;
    memcpy(out, "SCFU\x01", 5);
    off = 5;
    for (size_t i = 0; i < n; i++) {
        out[off++] = t[i].tag;
        out[off++] = t[i].len;
        memcpy(out + off, t[i].val, t[i].len);
        off += t[i].len;
    }
    return off;
}

static sca_rc parse_tlvs(const tlv *t, size_t n, sca_error *err)
{
    uint8_t buf[2048];
    size_t len = assemble(t, n, buf);
    sca_fu_manifest_view v;
    return sca_fu_manifest_parse(buf, len, &v, err);
}

static void test_hand_made_base_parses(void **state)
{
    (void)state;
    base_tlvs();
    sca_error err;
    if (parse_tlvs(base, n_base, &err) != SCA_OK)
        fail_msg("%s", err.msg);
}

static void test_tag_order_duplicates_unknown(void **state)
{
    (void)state;
    base_tlvs();
    sca_error err;
    tlv t[20];
    /* every adjacent pair swapped */
    for (size_t i = 0; i + 1 < n_base; i++) {
        memcpy(t, base, sizeof(tlv) * n_base);
        tlv tmp = t[i];
        t[i] = t[i + 1];
        t[i + 1] = tmp;
        assert_int_equal(parse_tlvs(t, n_base, &err), SCA_E_PARSE);
    }
    /* every tag but the signature twice in a row */
    for (size_t i = 0; i + 1 < n_base; i++) {
        memcpy(t, base, sizeof(tlv) * (i + 1));
        t[i + 1] = base[i];
        memcpy(t + i + 2, base + i + 1, sizeof(tlv) * (n_base - i - 1));
        assert_int_equal(parse_tlvs(t, n_base + 1, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "twice"));
    }
    /* a second signature after the first */
    memcpy(t, base, sizeof(tlv) * n_base);
    t[n_base] = base[n_base - 1];
    assert_int_equal(parse_tlvs(t, n_base + 1, &err), SCA_E_PARSE);
    /* unknown tags, in their place in the order (before the signature) or at the very start */
    uint8_t unknown[] = {0x00, 0x0D, 0x10, 0x5E, 0x60, 0xFF};
    for (size_t u = 0; u < sizeof unknown; u++) {
        memcpy(t, base, sizeof(tlv) * (n_base - 1));
        t[n_base - 1] = (tlv){.tag = unknown[u], .len = 1};
        t[n_base] = base[n_base - 1];
        assert_int_equal(parse_tlvs(t, n_base + 1, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "unknown tag"));
        t[0] = (tlv){.tag = unknown[u], .len = 0};
        memcpy(t + 1, base, sizeof(tlv) * n_base);
        assert_int_equal(parse_tlvs(t, n_base + 1, &err), SCA_E_PARSE);
    }
}

static void test_lengths_required_and_values(void **state)
{
    (void)state;
    base_tlvs();
    sca_error err;
    tlv t[20];
    for (size_t i = 0; i < n_base; i++) {
        int lo = base[i].tag == 0x09 ? 1 : base[i].tag == 0x5F ? 70 : base[i].len;
        int hi = base[i].tag == 0x09 ? 64 : base[i].tag == 0x5F ? 72 : base[i].len;
        int probe[] = {0, lo - 1, hi + 1, 75};
        for (size_t p = 0; p < 4; p++) {
            if (probe[p] < 0 || (probe[p] >= lo && probe[p] <= hi))
                continue;
            memcpy(t, base, sizeof(tlv) * n_base);
            t[i].len = (uint8_t)probe[p];
            assert_int_equal(parse_tlvs(t, n_base, &err), SCA_E_PARSE);
        }
        /* the bounds themselves parse */
        for (int len = lo; len <= hi; len += hi - lo ? hi - lo : 1) {
            memcpy(t, base, sizeof(tlv) * n_base);
            t[i].len = (uint8_t)len;
            if (parse_tlvs(t, n_base, &err) != SCA_OK)
                fail_msg("tag %02X length %d: %s", base[i].tag, len, err.msg);
        }
        /* missing: only the IMEI and the card binding may be left out */
        memcpy(t, base, sizeof(tlv) * i);
        memcpy(t + i, base + i + 1, sizeof(tlv) * (n_base - i - 1));
        sca_rc rc = parse_tlvs(t, n_base - 1, &err);
        if (base[i].tag == 0x0A || base[i].tag == 0x0B) {
            assert_int_equal(rc, SCA_OK);
        } else {
            assert_int_equal(rc, SCA_E_PARSE);
            if (base[i].tag != 0x5F)
                assert_non_null(strstr(err.msg, "missing"));
        }
    }
    /* kinds and slots outside their enumerations */
    uint8_t kinds[] = {0x00, 0x03, 0x10, 0xFF};
    for (size_t i = 0; i < sizeof kinds; i++) {
        memcpy(t, base, sizeof(tlv) * n_base);
        t[2].val[0] = kinds[i];
        assert_int_equal(parse_tlvs(t, n_base, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "kind"));
    }
    for (int s = 0; s < 256; s++) {
        memcpy(t, base, sizeof(tlv) * n_base);
        t[11].val[0] = (uint8_t)s;
        assert_int_equal(parse_tlvs(t, n_base, &err), s < SCA_FU_ORIGINATORS ? SCA_OK : SCA_E_PARSE);
    }
    /* an IMEI that is not BCD parses (the card compares bytes) but has no digits */
    memcpy(t, base, sizeof(tlv) * n_base);
    memset(t[9].val, 0xFF, 8);
    uint8_t buf[1024];
    size_t len = assemble(t, n_base, buf);
    sca_fu_manifest_view v;
    assert_int_equal(sca_fu_manifest_parse(buf, len, &v, &err), SCA_OK);
    assert_true(v.m.has_imei);
    assert_string_equal(v.imei_digits, "");
    /* a range from > to parses */
    memcpy(t, base, sizeof(tlv) * n_base);
    memcpy(t[5].val, "\x00\x09\x00\x02", 4);
    assert_int_equal(parse_tlvs(t, n_base, &err), SCA_OK);
}

static void test_header_and_size_limit(void **state)
{
    (void)state;
    base_tlvs();
    uint8_t buf[1024];
    size_t len = assemble(base, n_base, buf);
    sca_fu_manifest_view v;
    sca_error err;
    buf[0] = 'X';
    assert_int_equal(sca_fu_manifest_parse(buf, len, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "SCFU"));
    buf[0] = 'S';
    buf[4] = 0x02;
    assert_int_equal(sca_fu_manifest_parse(buf, len, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "format"));
    buf[4] = 0x00;
    assert_int_equal(sca_fu_manifest_parse(buf, len, &v, &err), SCA_E_PARSE);
    buf[4] = 0x01;
    assert_int_equal(sca_fu_manifest_parse(buf, len, &v, &err), SCA_OK);
    uint8_t big[SCA_FU_MANIFEST_MAX + 1];
    memset(big, 0, sizeof big);
    memcpy(big, buf, len);
    assert_int_equal(sca_fu_manifest_parse(big, sizeof big, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "at most"));
}

static void test_signature_tamper_every_byte_and_wrong_key(void **state)
{
    (void)state;
    keys();
    sca_fu_manifest m = sample(1, 1, 30);
    size_t n = 0;
    uint8_t *b = build(&m, k.orig, &n);
    sca_fu_manifest_view v;
    assert_int_equal(sca_fu_manifest_parse(b, n, &v, NULL), SCA_OK);
    sca_error err;
    size_t crypto = 0, parse = 0;
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 7) { /* the lowest and the highest bit of every byte */
            b[i] ^= (uint8_t)(1u << bit);
            sca_rc rc = sca_fu_manifest_verify_sig(b, n, k.orig, &err);
            if (rc != SCA_E_CRYPTO && rc != SCA_E_PARSE)
                fail_msg("byte %zu bit %d: %d %s", i, bit, rc, err.msg);
            crypto += rc == SCA_E_CRYPTO;
            parse += rc == SCA_E_PARSE;
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* the values inside the signed TLVs parse when flipped: the signature catches them */
    assert_true(crypto > 2 * 32 + 2 * 8);
    assert_true(parse > 0);
    assert_int_equal(sca_fu_manifest_verify_sig(b, n, k.orig, &err), SCA_OK);
    assert_int_equal(sca_fu_manifest_verify_sig(b, n, k.other, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "does not verify"));
    assert_int_equal(sca_fu_manifest_verify_sig(b, n, k.p384, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "P-256"));
    assert_int_equal(sca_fu_manifest_verify_sig(b, n, k.rsa, &err), SCA_E_CRYPTO);
    /* a signature of the right length that is not DER */
    uint8_t *c = malloc(n);
    memcpy(c, b, n);
    memset(c + v.tbs_len + 2, 0x30, v.signature_len);
    assert_int_equal(sca_fu_manifest_verify_sig(c, n, k.orig, &err), SCA_E_CRYPTO);
    free(c);
    free(b);
}

/* The token computed independently: SHA-256 of the manifest, the card id, the sequence number, AES-CMAC. */
static void test_token_independent(void **state)
{
    (void)state;
    keys();
    sca_fu_manifest m = sample(0, 1, 12);
    size_t n = 0;
    uint8_t *b = build(&m, k.orig, &n);
    uint8_t key[16], card[16];
    for (int i = 0; i < 16; i++) {
        key[i] = (uint8_t)(0x40 + i);
        card[i] = (uint8_t)(0xC0 | i);
    }
    uint8_t data[52];
    unsigned int dl = 0;
    assert_int_equal(EVP_Digest(b, n, data, &dl, EVP_sha256(), NULL), 1);
    memcpy(data + 32, card, 16);
    data[48] = 0x01, data[49] = 0x02, data[50] = 0x03, data[51] = 0x04; /* m.seq */
    uint8_t want[16], got[16];
    assert_int_equal(sca_aes_cmac(key, data, sizeof data, want, NULL), SCA_OK);
    sca_error err;
    assert_int_equal(sca_fu_token(key, b, n, card, m.seq, got, &err), SCA_OK);
    assert_memory_equal(want, got, 16);
    assert_int_equal(sca_fu_token_verify(key, b, n, card, got, &err), SCA_OK);
    /* another card, another key, another token, a changed manifest */
    card[15] ^= 1;
    assert_int_equal(sca_fu_token_verify(key, b, n, card, got, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "does not match"));
    card[15] ^= 1;
    key[0] ^= 1;
    assert_int_equal(sca_fu_token_verify(key, b, n, card, got, &err), SCA_E_CRYPTO);
    key[0] ^= 1;
    got[7] ^= 0x80;
    assert_int_equal(sca_fu_token_verify(key, b, n, card, got, &err), SCA_E_CRYPTO);
    got[7] ^= 0x80;
    b[10] ^= 1; /* inside the package hash: still parses */
    assert_int_equal(sca_fu_token_verify(key, b, n, card, got, &err), SCA_E_CRYPTO);
    b[10] ^= 1;
    assert_int_equal(sca_fu_token_verify(key, b, n - 1, card, got, &err), SCA_E_PARSE);
    /* the sequence number is part of the MAC */
    uint8_t other[16];
    assert_int_equal(sca_fu_token(key, b, n, card, m.seq + 1, other, &err), SCA_OK);
    assert_memory_not_equal(other, got, 16);
    free(b);
}

/* A fixed vector. The token does not parse the manifest, so any bytes serve: here the 5 bytes "SCFU" 01.
 * Derived with the openssl command line (OpenSSL 3):
 *   printf 'SCFU\001' | openssl dgst -sha256 -binary > d
 *   ( cat d; printf '\000\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017'; printf '\000\000\000\052' ) |
 *     openssl mac -cipher AES-128-CBC -macopt hexkey:2b7e151628aed2a6abf7158809cf4f3c CMAC
 *   -> 9BC4F5FFB3D8F4F523C6D92C38918A3E
 * (key: the SP 800-38B example key; card id 00..0F; sequence number 42) */
static void test_token_fixed_vector(void **state)
{
    (void)state;
    static const uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
    static const uint8_t want[16] = {0x9B, 0xC4, 0xF5, 0xFF, 0xB3, 0xD8, 0xF4, 0xF5,
                                     0x23, 0xC6, 0xD9, 0x2C, 0x38, 0x91, 0x8A, 0x3E};
    uint8_t card[16], got[16];
    for (int i = 0; i < 16; i++)
        card[i] = (uint8_t)i;
    assert_int_equal(sca_fu_token(key, (const uint8_t *)"SCFU\x01", 5, card, 42, got, NULL), SCA_OK);
    assert_memory_equal(got, want, 16);
    sca_error err;
    assert_int_equal(sca_fu_token(NULL, (const uint8_t *)"x", 1, card, 1, got, &err), SCA_E_INVALID_ARG);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip_every_option),
    cmocka_unit_test(test_signature_length_always_in_range),
    cmocka_unit_test(test_build_refuses),
    cmocka_unit_test(test_truncated_at_every_byte_and_extra_byte),
    cmocka_unit_test(test_hand_made_base_parses),
    cmocka_unit_test(test_tag_order_duplicates_unknown),
    cmocka_unit_test(test_lengths_required_and_values),
    cmocka_unit_test(test_header_and_size_limit),
    cmocka_unit_test(test_signature_tamper_every_byte_and_wrong_key),
    cmocka_unit_test(test_token_independent),
    cmocka_unit_test(test_token_fixed_vector),
};
RUN_SUITE("fu_manifest", tests)
