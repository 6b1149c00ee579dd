/* AUTHENTICATE MBMS on the host (applet-spec/mbms.md §2-3): the answer parser (every length form, truncation,
 * per-mode contents), the MBMS_KEYS status parser, the ODD-INS block exchange through the scripted card (one block
 * with a direct answer, several blocks with 63F1 / 62F3 / A0 / 20 / 62F1, out-of-sequence status words, the bound on
 * answer parts), the status words as errors, the deletion encodings, EF_UST and the backend choice. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbms_msgs.h"
#include "scagent/card.h"
#include "scagent/mbms.h"
#include "scripted.h"

#define SELECT_CH0 {"00A4040009F053434147454E540100", "9000"}
#define OPEN_NONE {"0070000001", "6881"}

static const uint8_t KD[3] = {0x32, 0xF4, 0x51};

/* A verification message as mbms.md §4.5 lays it out (38 bytes). */
static const uint8_t VERIF[38] = {0x01, 0x01, 0x05, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x01, /* HDR */
                                  0x09, 0x02, 0x00, 0x00, 0x00, 0x4D,                         /* T: COUNTER 77 */
                                  0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* V: HMAC-SHA1 */
                                  0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x11, 0x22, 0x33, 0x44};

static sca_card *attach(sca_transport *tr)
{
    sca_card *c = NULL;
    sca_error err;
    sca_rc rc = sca_card_attach(tr, NULL, &c, &err);
    if (rc != SCA_OK)
        print_error("attach: %s\n", err.msg);
    assert_int_equal(rc, SCA_OK);
    return c;
}

/* ---- the answer parser ---- */

static void test_answer_forms(void **state)
{
    (void)state;
    const uint8_t *d;
    size_t dl;
    sca_error err;
    uint8_t del[] = {0x53, 0x01, 0xDB};
    assert_int_equal(sca_mbms_parse_answer(del, sizeof del, SCA_MBMS_MODE_MSK_DELETE, &d, &dl, &err), SCA_OK);
    assert_int_equal(dl, 0);
    assert_null(d);
    assert_int_equal(sca_mbms_parse_answer(del, sizeof del, SCA_MBMS_MODE_MUK_DELETE, &d, &dl, &err), SCA_OK);
    assert_int_equal(sca_mbms_parse_answer(del, sizeof del, SCA_MBMS_MODE_MSK_UPDATE, &d, &dl, &err), SCA_OK);
    for (size_t n = 0; n < sizeof del; n++)
        assert_int_equal(sca_mbms_parse_answer(del, n, 0, &d, &dl, &err), SCA_E_PARSE);
    /* MTK with and without salt */
    uint8_t mtk[2 + 1 + 16 + 14] = {0x53, 0x1F, 0xDB};
    for (size_t i = 3; i < sizeof mtk; i++)
        mtk[i] = (uint8_t)i;
    assert_int_equal(sca_mbms_parse_answer(mtk, sizeof mtk, SCA_MBMS_MODE_MTK, &d, &dl, &err), SCA_OK);
    assert_int_equal(dl, 30);
    assert_int_equal(d[0], 3);
    for (size_t n = 0; n < sizeof mtk; n++) /* every truncation */
        assert_int_equal(sca_mbms_parse_answer(mtk, n, SCA_MBMS_MODE_MTK, &d, &dl, &err), SCA_E_PARSE);
    mtk[1] = 0x11; /* MTK only */
    assert_int_equal(sca_mbms_parse_answer(mtk, 19, SCA_MBMS_MODE_MTK, &d, &dl, &err), SCA_OK);
    assert_int_equal(dl, 16);
    mtk[1] = 0x10; /* 15 bytes of MTK */
    assert_int_equal(sca_mbms_parse_answer(mtk, 18, SCA_MBMS_MODE_MTK, &d, &dl, &err), SCA_E_PARSE);
    uint8_t mtk_long[2 + 1 + 31] = {0x53, 0x20, 0xDB}; /* salt 15 */
    assert_int_equal(sca_mbms_parse_answer(mtk_long, sizeof mtk_long, SCA_MBMS_MODE_MTK, &d, &dl, &err), SCA_E_PARSE);
    /* deletions answer DB alone */
    uint8_t extra[] = {0x53, 0x02, 0xDB, 0x00};
    assert_int_equal(sca_mbms_parse_answer(extra, sizeof extra, SCA_MBMS_MODE_MSK_DELETE, &d, &dl, &err),
                     SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(extra, sizeof extra, 0, &d, &dl, &err), SCA_OK);
    /* wrong tag, no DB, trailing byte, length beyond */
    uint8_t bad_tag[] = {0x54, 0x01, 0xDB}, no_db[] = {0x53, 0x01, 0xDC}, trailing[] = {0x53, 0x01, 0xDB, 0x00},
            beyond[] = {0x53, 0x05, 0xDB}, empty_v[] = {0x53, 0x00};
    assert_int_equal(sca_mbms_parse_answer(bad_tag, 3, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(no_db, 3, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(trailing, 4, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "after the 53 TLV"));
    assert_int_equal(sca_mbms_parse_answer(beyond, 3, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(empty_v, 2, 0, &d, &dl, &err), SCA_E_PARSE);
}

static void test_answer_ber_lengths(void **state)
{
    (void)state;
    const uint8_t *d;
    size_t dl;
    sca_error err;
    uint8_t b[4 + 300];
    memset(b, 0, sizeof b);
    /* 81 xx: shortest form for 128..255 */
    b[0] = 0x53, b[1] = 0x81, b[2] = 0x80, b[3] = 0xDB;
    assert_int_equal(sca_mbms_parse_answer(b, 3 + 0x80, 0, &d, &dl, &err), SCA_OK);
    assert_int_equal(dl, 0x7F);
    b[2] = 0x7F; /* not the shortest form */
    assert_int_equal(sca_mbms_parse_answer(b, 3 + 0x7F, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "shortest"));
    /* 82 xx xx */
    b[1] = 0x82, b[2] = 0x01, b[3] = 0x2C, b[4] = 0xDB;
    assert_int_equal(sca_mbms_parse_answer(b, 4 + 300, 0, &d, &dl, &err), SCA_OK);
    assert_int_equal(dl, 299);
    b[2] = 0x00, b[3] = 0xFF;
    assert_int_equal(sca_mbms_parse_answer(b, 4 + 0xFF, 0, &d, &dl, &err), SCA_E_PARSE);
    /* 83 and indefinite forms, truncated length bytes */
    uint8_t l83[] = {0x53, 0x83, 0x00, 0x00, 0x01, 0xDB}, indef[] = {0x53, 0x80, 0xDB, 0x00, 0x00},
            t81[] = {0x53, 0x81}, t82[] = {0x53, 0x82, 0x01};
    assert_int_equal(sca_mbms_parse_answer(l83, sizeof l83, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(indef, sizeof indef, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(t81, sizeof t81, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(t82, sizeof t82, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(NULL, 0, 0, &d, &dl, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_parse_answer(b, 4, 9, &d, &dl, &err), SCA_E_PARSE); /* length check comes first */
}

static void test_answer_verification(void **state)
{
    (void)state;
    const uint8_t *d;
    size_t dl;
    sca_error err;
    uint8_t a[3 + sizeof VERIF] = {0x53, 1 + sizeof VERIF, 0xDB};
    memcpy(a + 3, VERIF, sizeof VERIF);
    assert_int_equal(sca_mbms_parse_answer(a, sizeof a, SCA_MBMS_MODE_MSK_UPDATE, &d, &dl, &err), SCA_OK);
    assert_int_equal(dl, sizeof VERIF);
    assert_memory_equal(d, VERIF, sizeof VERIF);
    a[4] = 0x00; /* data type 0: not a verification message */
    assert_int_equal(sca_mbms_parse_answer(a, sizeof a, SCA_MBMS_MODE_MSK_UPDATE, &d, &dl, &err), SCA_E_PARSE);
    a[4] = 0x01;
    a[1]--; /* a verification message cut short */
    assert_int_equal(sca_mbms_parse_answer(a, sizeof a - 1, SCA_MBMS_MODE_MSK_UPDATE, &d, &dl, &err), SCA_E_PARSE);
}

/* ---- MBMS_KEYS status ---- */

static void test_status_parse(void **state)
{
    (void)state;
    uint8_t s[128];
    size_t n = 0;
    s[n++] = 1;
    s[n++] = 16;
    memcpy(s + n, "bmsc.example.org", 16), n += 16;
    s[n++] = 5;
    memcpy(s + n, "b@bsf", 5), n += 5;
    s[n++] = 0, s[n++] = 0, s[n++] = 1, s[n++] = 0; /* TS 256 */
    s[n++] = 2;
    for (int k = 0; k < 2; k++) {
        uint8_t e[17] = {0x32, 0xF4, 0x51, 0x00, 0x07, 0x00, (uint8_t)(1 + k), 0x00, 0x01, 0xFF, 0xFF,
                         0x00, 0x00, 0x00, 0x09, 0x00, 0x05};
        memcpy(s + n, e, sizeof e);
        n += sizeof e;
    }
    sca_mbms_status st;
    sca_error err;
    assert_int_equal(sca_mbms_status_parse(s, n, &st, &err), SCA_OK);
    assert_int_equal(st.n_muk, 1);
    assert_int_equal(st.muk[0].idi_len, 16);
    assert_memory_equal(st.muk[0].idr, "b@bsf", 5);
    assert_int_equal(st.muk[0].ts, 256);
    assert_int_equal(st.n_msk, 2);
    assert_int_equal(st.msk[1].key_group, 7);
    assert_int_equal(st.msk[1].key_number, 2);
    assert_int_equal(st.msk[0].vt, 0xFFFF);
    assert_int_equal(st.msk[0].ts, 9);
    assert_int_equal(st.msk[0].last_mtk_id, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sca_mbms_status_parse(s, i, &st, &err), SCA_E_PARSE);
    s[n] = 0;
    assert_int_equal(sca_mbms_status_parse(s, n + 1, &st, &err), SCA_E_PARSE);
    uint8_t empty[] = {0, 0};
    assert_int_equal(sca_mbms_status_parse(empty, 2, &st, &err), SCA_OK);
    assert_int_equal(st.n_muk + st.n_msk, 0);
    uint8_t too_many[] = {5};
    assert_int_equal(sca_mbms_status_parse(too_many, 1, &st, &err), SCA_E_PARSE);
    uint8_t many_msk[] = {0, 9};
    assert_int_equal(sca_mbms_status_parse(many_msk, 2, &st, &err), SCA_E_PARSE);
    uint8_t empty_idi[] = {1, 0, 1, 'x', 0, 0, 0, 0, 0};
    assert_int_equal(sca_mbms_status_parse(empty_idi, sizeof empty_idi, &st, &err), SCA_E_PARSE);
}

/* ---- the exchange through the scripted card ---- */

static char *cmd_hex(uint8_t p1, const uint8_t *data, size_t n, int le)
{
    uint8_t b[4 + 1 + 255 + 1];
    size_t k = 0;
    b[k++] = 0x00, b[k++] = 0x89, b[k++] = p1, b[k++] = 0x85;
    if (n > 0) {
        b[k++] = (uint8_t)n;
        memcpy(b + k, data, n);
        k += n;
    }
    if (le)
        b[k++] = 0x00;
    return mbms_test_hex(b, k);
}

static void test_msk_delete(void **state)
{
    (void)state;
    uint8_t d[] = {0x53, 0x06, 0x03, 0x32, 0xF4, 0x51, 0x00, 0x07};
    char *want = cmd_hex(0x80, d, sizeof d, 1);
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {want, "5301DB9000"}));
    sca_card *c = attach(tr);
    sca_error err;
    assert_int_equal(sca_mbms_msk_delete(c, KD, 7, &err), SCA_OK);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    free(want);
}

static void test_muk_delete_encoding(void **state)
{
    (void)state;
    uint8_t idr[128];
    memset(idr, 'r', sizeof idr);
    const char *idi = "bmsc.example.org";
    uint8_t d[255];
    size_t k = 0;
    d[k++] = 0x53, d[k++] = 0x81, d[k++] = 0; /* patched below */
    d[k++] = 0x04;
    d[k++] = 0xA0, d[k++] = 0x81, d[k++] = 3 + 128 + 2 + 16;
    d[k++] = 0x80, d[k++] = 0x81, d[k++] = 0x80;
    memcpy(d + k, idr, 128), k += 128;
    d[k++] = 0x82, d[k++] = 16;
    memcpy(d + k, idi, 16), k += 16;
    d[2] = (uint8_t)(k - 3);
    char *want = cmd_hex(0x80, d, k, 1);
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {want, "5301DB9000"}));
    sca_card *c = attach(tr);
    sca_error err;
    assert_int_equal(sca_mbms_muk_delete(c, (const uint8_t *)idi, 16, idr, 128, &err), SCA_OK);
    assert_false(scripted_mismatch(tr));
    assert_int_equal(sca_mbms_muk_delete(c, (const uint8_t *)idi, 16, idr, 0, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_mbms_muk_delete(c, (const uint8_t *)idi, 156, idr, 1, &err), SCA_E_INVALID_ARG);
    sca_card_close(c);
    free(want);
}

/* An STKM in one block, answered at once with MTK and salt. */
static void test_mtk_single_block(void **state)
{
    (void)state;
    size_t sl;
    uint8_t *stkm = mbms_test_stkm(5, &sl);
    uint8_t d[3 + 255];
    d[0] = 0x53, d[1] = (uint8_t)(sl + 1), d[2] = 0x02;
    memcpy(d + 3, stkm, sl);
    char *want = cmd_hex(0x80, d, 3 + sl, 1);
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0,
                                                  {want, "531BDB000102030405060708090A0B0C0D0E0F"
                                                         "A1A2A3A4A5A6A7A8A9AA9000"}));
    sca_card *c = attach(tr);
    uint8_t mtk[16], salt[14];
    size_t salt_len = 99;
    sca_error err;
    assert_int_equal(sca_mbms_mtk(c, stkm, sl, mtk, salt, &salt_len, &err), SCA_OK);
    assert_int_equal(mtk[15], 0x0F);
    assert_int_equal(salt_len, 10);
    assert_int_equal(salt[9], 0xAA);
    assert_false(scripted_mismatch(tr));
    /* an LTKM is not an STKM: refused before any APDU */
    size_t ll;
    uint8_t *ltkm = mbms_test_ltkm(7, 2, 32, 0, &ll);
    assert_int_equal(sca_mbms_mtk(c, ltkm, ll, mtk, salt, &salt_len, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "MTK ID"));
    sca_card_close(c);
    free(want);
    free(stkm);
    free(ltkm);
}

/* T=0: the single block goes as case 3 and the answer comes back through 61xx / GET RESPONSE. */
static void test_mtk_t0(void **state)
{
    (void)state;
    size_t sl;
    uint8_t *stkm = mbms_test_stkm(6, &sl);
    uint8_t d[3 + 255];
    d[0] = 0x53, d[1] = (uint8_t)(sl + 1), d[2] = 0x02;
    memcpy(d + 3, stkm, sl);
    char *want = cmd_hex(0x80, d, 3 + sl, 0);
    sca_transport *tr = scripted_new(0, 255, STEPS(OPEN_NONE, {"00A4040009F053434147454E5401", "9000"},
                                                  {want, "6113"},
                                                  {"00C0000013", "5311DB000102030405060708090A0B0C0D0E0F9000"}));
    sca_card *c = attach(tr);
    uint8_t mtk[16], salt[14];
    size_t salt_len = 99;
    sca_error err;
    sca_rc rc = sca_mbms_mtk(c, stkm, sl, mtk, salt, &salt_len, &err);
    if (rc != SCA_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SCA_OK);
    assert_int_equal(salt_len, 0);
    assert_int_equal(mtk[1], 1);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    free(want);
    free(stkm);
}

/* A 600-byte LTKM: blocks of 255, 255 and the rest; 63F1, 63F1, 62F3; the answer in two parts (A0, 20). */
static void test_ltkm_chained(void **state)
{
    (void)state;
    size_t ll;
    uint8_t *ltkm = mbms_test_ltkm(7, 2, 520, 1, &ll);
    assert_true(ll + 1 > 510 && ll + 1 <= 768 - 4);
    uint8_t *msg = malloc(ll + 5);
    size_t n = 0;
    msg[n++] = 0x53, msg[n++] = 0x82, msg[n++] = (uint8_t)((ll + 1) >> 8), msg[n++] = (uint8_t)(ll + 1);
    msg[n++] = 0x01;
    memcpy(msg + n, ltkm, ll);
    n += ll;
    char *b1 = cmd_hex(0x80, msg, 255, 0), *b2 = cmd_hex(0x00, msg + 255, 255, 0),
         *b3 = cmd_hex(0x00, msg + 510, n - 510, 1);
    uint8_t ans[3 + sizeof VERIF] = {0x53, 1 + sizeof VERIF, 0xDB};
    memcpy(ans + 3, VERIF, sizeof VERIF);
    char *a1 = mbms_test_hex(ans, 20), *a2 = mbms_test_hex(ans + 20, sizeof ans - 20);
    char r1[64], r2[128];
    snprintf(r1, sizeof r1, "%s62F1", a1);
    snprintf(r2, sizeof r2, "%s9000", a2);
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {b1, "63F1"}, {b2, "63F1"}, {b3, "62F3"},
                                                  {"0089A08500", r1}, {"0089208500", r2}));
    sca_card *c = attach(tr);
    uint8_t verif[SCA_MBMS_VERIF_MAX];
    size_t vl = 0;
    sca_error err;
    sca_rc rc = sca_mbms_msk_update(c, ltkm, ll, verif, sizeof verif, &vl, &err);
    if (rc != SCA_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SCA_OK);
    assert_int_equal(vl, sizeof VERIF);
    assert_memory_equal(verif, VERIF, sizeof VERIF);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    free(b1), free(b2), free(b3), free(a1), free(a2), free(msg), free(ltkm);
}

/* One scripted card answering the first block of an MSK deletion with `sw`; the error class and a message piece. */
static void expect_sw(const char *sw, sca_mbms_mode mode, sca_rc want_rc, const char *piece)
{
    uint8_t d[255];
    size_t k = 0, ll = 0;
    uint8_t *m = NULL;
    if (mode == SCA_MBMS_MODE_MSK_UPDATE)
        m = mbms_test_ltkm(7, 2, 16, 0, &ll);
    else if (mode == SCA_MBMS_MODE_MTK)
        m = mbms_test_stkm(9, &ll);
    d[k++] = 0x53;
    if (m != NULL) {
        if (ll + 1 >= 0x80)
            d[k++] = 0x81;
        d[k++] = (uint8_t)(ll + 1), d[k++] = (uint8_t)mode;
        memcpy(d + k, m, ll);
        k += ll;
    } else {
        uint8_t del[] = {0x06, 0x03, 0x32, 0xF4, 0x51, 0x00, 0x07};
        memcpy(d + k, del, sizeof del);
        k += sizeof del;
    }
    char *want = cmd_hex(0x80, d, k, 1);
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {want, sw}));
    sca_card *c = attach(tr);
    sca_error err;
    sca_rc rc;
    uint8_t out[SCA_MBMS_VERIF_MAX], salt[14];
    size_t ol;
    if (mode == SCA_MBMS_MODE_MSK_UPDATE)
        rc = sca_mbms_msk_update(c, m, ll, out, sizeof out, &ol, &err);
    else if (mode == SCA_MBMS_MODE_MTK)
        rc = sca_mbms_mtk(c, m, ll, out, salt, &ol, &err);
    else
        rc = sca_mbms_msk_delete(c, KD, 7, &err);
    if (rc != want_rc || strstr(err.msg, piece) == NULL)
        print_error("SW %s: rc %s, message: %s\n", sw, sca_rc_name(rc), err.msg);
    assert_int_equal(rc, want_rc);
    assert_non_null(strstr(err.msg, piece));
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    free(want);
    free(m);
}

static void test_sw_mapping(void **state)
{
    (void)state;
    expect_sw("9862", SCA_MBMS_MODE_MSK_UPDATE, SCA_E_AUTH_FAILED, "does not verify with the card's key (the MUK)");
    expect_sw("9862", SCA_MBMS_MODE_MTK, SCA_E_AUTH_FAILED, "(the MSK)");
    expect_sw("9865", SCA_MBMS_MODE_MSK_UPDATE, SCA_E_AUTH_FAILED, "replay");
    expect_sw("9865", SCA_MBMS_MODE_MTK, SCA_E_AUTH_FAILED, "MTK ID");
    expect_sw("9866", SCA_MBMS_MODE_MSK_UPDATE, SCA_E_CARD, "MSK table is full");
    expect_sw("9867", SCA_MBMS_MODE_MSK_UPDATE, SCA_E_CARD, "MUK table is full");
    expect_sw("6A88", SCA_MBMS_MODE_MSK_UPDATE, SCA_E_NOT_FOUND, "no MUK");
    expect_sw("6A88", SCA_MBMS_MODE_MTK, SCA_E_NOT_FOUND, "no MSK with this STKM");
    expect_sw("6A88", SCA_MBMS_MODE_MSK_DELETE, SCA_E_NOT_FOUND, "no MSK of that Key Domain");
    expect_sw("6982", SCA_MBMS_MODE_MSK_DELETE, SCA_E_DENIED, "verify the PIN");
    expect_sw("9864", SCA_MBMS_MODE_MSK_DELETE, SCA_E_NOT_SUPPORTED, "no MBMS security context");
    /* out of sequence on the only (= last) block */
    expect_sw("63F1", SCA_MBMS_MODE_MSK_DELETE, SCA_E_PROTOCOL, "still expects data");
    expect_sw("62F1", SCA_MBMS_MODE_MSK_DELETE, SCA_E_PROTOCOL, "out of sequence");
    /* the answer itself malformed */
    expect_sw("5302DB009000", SCA_MBMS_MODE_MSK_DELETE, SCA_E_PARSE, "DB alone");
}

/* Sequence errors of a chained command and of the answer retrieval. */
static void test_sequence_errors(void **state)
{
    (void)state;
    size_t ll;
    uint8_t *ltkm = mbms_test_ltkm(7, 2, 300, 0, &ll);
    sca_error err;
    uint8_t v[64];
    size_t vl;
    /* 9000 after the first of two blocks */
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {NULL, "9000"}));
    sca_card *c = attach(tr);
    assert_int_equal(sca_mbms_msk_update(c, ltkm, ll, v, sizeof v, &vl, &err), SCA_E_PROTOCOL);
    assert_non_null(strstr(err.msg, "before the last command block"));
    sca_card_close(c);
    /* a refusal of the first block is the card's answer */
    tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {NULL, "6982"}));
    c = attach(tr);
    assert_int_equal(sca_mbms_msk_update(c, ltkm, ll, v, sizeof v, &vl, &err), SCA_E_DENIED);
    sca_card_close(c);
    /* data with 63F1 */
    tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {NULL, "0163F1"}));
    c = attach(tr);
    assert_int_equal(sca_mbms_msk_update(c, ltkm, ll, v, sizeof v, &vl, &err), SCA_E_PROTOCOL);
    sca_card_close(c);
    /* 62F1 with no data */
    tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {NULL, "63F1"}, {NULL, "62F3"}, {"0089A08500", "62F1"}));
    c = attach(tr);
    assert_int_equal(sca_mbms_msk_update(c, ltkm, ll, v, sizeof v, &vl, &err), SCA_E_PROTOCOL);
    assert_non_null(strstr(err.msg, "no data"));
    sca_card_close(c);
    /* an answer that never ends: bounded */
    struct script_step loop[2 + 2 + 16];
    loop[0] = (struct script_step)OPEN_NONE;
    loop[1] = (struct script_step)SELECT_CH0;
    loop[2] = (struct script_step){NULL, "63F1", SCA_OK};
    loop[3] = (struct script_step){NULL, "62F3", SCA_OK};
    for (int i = 4; i < 20; i++)
        loop[i] = (struct script_step){NULL, "AA62F1", SCA_OK};
    tr = scripted_new(1, 255, loop, 20);
    c = attach(tr);
    assert_int_equal(sca_mbms_msk_update(c, ltkm, ll, v, sizeof v, &vl, &err), SCA_E_PROTOCOL);
    assert_non_null(strstr(err.msg, "did not end"));
    assert_int_equal(scripted_left(tr), 0);
    sca_card_close(c);
    /* a retrieval refused */
    tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {NULL, "63F1"}, {NULL, "62F3"}, {NULL, "6A86"}));
    c = attach(tr);
    assert_int_equal(sca_mbms_msk_update(c, ltkm, ll, v, sizeof v, &vl, &err), SCA_E_BAD_REQUEST);
    sca_card_close(c);
    free(ltkm);
}

static void test_trigger_not_sent(void **state)
{
    (void)state;
    size_t ll;
    uint8_t *trig = mbms_test_ltkm(7, 0, 0, 0, &ll);
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0));
    sca_card *c = attach(tr);
    uint8_t v[64];
    size_t vl;
    sca_error err;
    assert_int_equal(sca_mbms_msk_update(c, trig, ll, v, sizeof v, &vl, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "solicited-pull"));
    uint8_t junk[] = {1, 2, 3};
    assert_int_equal(sca_mbms_msk_update(c, junk, sizeof junk, v, sizeof v, &vl, &err), SCA_E_PARSE);
    /* too long for the card (MBMS_MSG_MAX) */
    uint8_t *big = mbms_test_ltkm(7, 2, 800, 0, &ll);
    assert_int_equal(sca_mbms_msk_update(c, big, ll, v, sizeof v, &vl, &err), SCA_E_INVALID_ARG);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    free(trig);
    free(big);
}

/* ---- EF_UST ---- */

static void test_ust_has(void **state)
{
    (void)state;
    uint8_t ust[10] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0x18, 0x80};
    assert_true(sca_ust_has(ust, sizeof ust, 1));
    assert_false(sca_ust_has(ust, sizeof ust, 2));
    assert_false(sca_ust_has(ust, sizeof ust, 67));
    assert_true(sca_ust_has(ust, sizeof ust, SCA_UST_GBA));
    assert_true(sca_ust_has(ust, sizeof ust, SCA_UST_MBMS_SECURITY));
    assert_false(sca_ust_has(ust, sizeof ust, 70));
    assert_true(sca_ust_has(ust, sizeof ust, 80));
    assert_false(sca_ust_has(ust, sizeof ust, 81)); /* beyond the data */
    assert_false(sca_ust_has(ust, sizeof ust, 0));
    assert_false(sca_ust_has(ust, 8, 68));
    assert_false(sca_ust_has(NULL, 0, 1));
}

static void test_usim_backend(void **state)
{
    (void)state;
    sca_open_opts o = {.no_select = 1};
    /* SELECT ADF by partial AID with FCP, SELECT EF 6F38 (FCP with size 10), READ BINARY 10 */
    sca_transport *tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "620382017B9000"},
                                                  {"00A40004026F3800", "6207800200 0A8201219000"},
                                                  {"00B000000A", "01000000000000001800 9000"}));
    sca_card *c = NULL;
    sca_error err;
    assert_int_equal(sca_card_attach(tr, &o, &c, &err), SCA_OK);
    assert_int_equal(sca_mbms_backend(c), SCA_MBMS_BACKEND_USIM);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    /* P2 04 refused: P2 0C; no FCP, so READ BINARY with Le 256; services 68 without 69 */
    tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "6A86"}, {"00A4040C07A0000000871002", "9000"},
                                    {"00A40004026F3800", "6A86"}, {"00A4000C026F38", "9000"},
                                    {"00B0000000", "010000000000000008 9000"}));
    assert_int_equal(sca_card_attach(tr, &o, &c, &err), SCA_OK);
    assert_int_equal(sca_mbms_backend(c), SCA_MBMS_BACKEND_NONE);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    /* no USIM */
    tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "6A82"}));
    assert_int_equal(sca_card_attach(tr, &o, &c, &err), SCA_OK);
    uint8_t ust[8];
    size_t n;
    assert_int_equal(sca_usim_read_ust(c, ust, sizeof ust, &n, &err), SCA_E_NOT_FOUND);
    sca_card_close(c);
    /* our applet with MBMS_KEYS: no APDU */
    tr = scripted_new(1, 255, STEPS(OPEN_NONE, {"00A4040009F053434147454E540100",
                                                "6F14 8409F053434147454E5401 A507DF310400000800 9000"}));
    c = attach(tr);
    assert_int_equal(sca_mbms_backend(c), SCA_MBMS_BACKEND_APPLET);
    assert_string_equal(sca_mbms_backend_name(SCA_MBMS_BACKEND_APPLET), "applet");
    sca_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_forms),
        cmocka_unit_test(test_answer_ber_lengths),
        cmocka_unit_test(test_answer_verification),
        cmocka_unit_test(test_status_parse),
        cmocka_unit_test(test_msk_delete),
        cmocka_unit_test(test_muk_delete_encoding),
        cmocka_unit_test(test_mtk_single_block),
        cmocka_unit_test(test_mtk_t0),
        cmocka_unit_test(test_ltkm_chained),
        cmocka_unit_test(test_sw_mapping),
        cmocka_unit_test(test_sequence_errors),
        cmocka_unit_test(test_trigger_not_sent),
        cmocka_unit_test(test_ust_has),
        cmocka_unit_test(test_usim_backend),
    };
    int failed = cmocka_run_group_tests_name("mbms", tests, NULL, NULL);
    printf("SUITE mbms passed=%zu failed=%d\n", sizeof tests / sizeof *tests - (size_t)failed, failed);
    return failed ? 1 : 0;
}
