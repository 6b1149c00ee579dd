/* APDU encoding: cases 1-4, short and extended, T=0 rules, logical-channel class bytes. */
#include "harness.h"

#include <string.h>

#include "scagent/apdu.h"
#include "scagent/log.h"

static void expect_enc(const sca_apdu *a, int ext, int t0, const char *hex)
{
    uint8_t out[70000];
    size_t n;
    sca_error err;
    assert_int_equal(sca_apdu_encode(a, a->cla, ext, t0, out, sizeof out, &n, &err), SCA_OK);
    char got[3 * 64 + 1];
    sca_hex_encode(out, n > 64 ? 64 : n, got, 0);
    assert_string_equal(got, hex);
}

static void test_cases_short(void **state)
{
    (void)state;
    uint8_t d[3] = {1, 2, 3};
    sca_apdu c1 = {.cla = 0x80, .ins = 0x10};
    expect_enc(&c1, 0, 0, "80100000");
    sca_apdu c2 = {.cla = 0x80, .ins = 0xCA, .p1 = 0xDF, .p2 = 0x30, .le = 256};
    expect_enc(&c2, 0, 0, "80CADF3000");
    c2.le = 4;
    expect_enc(&c2, 0, 0, "80CADF3004");
    sca_apdu c3 = {.cla = 0x00, .ins = 0x20, .p2 = 0x81, .data = d, .lc = 3};
    expect_enc(&c3, 0, 0, "0020008103010203");
    sca_apdu c4 = {.cla = 0x00, .ins = 0xA4, .p1 = 4, .data = d, .lc = 3, .le = 256};
    expect_enc(&c4, 0, 0, "00A404000301020300");
}

static void test_t0_rules(void **state)
{
    (void)state;
    uint8_t d[2] = {9, 9};
    sca_apdu c1 = {.cla = 0x80, .ins = 0x10};
    expect_enc(&c1, 0, 1, "8010000000"); /* P3 = 00 */
    sca_apdu c4 = {.cla = 0x00, .ins = 0xA4, .p1 = 4, .data = d, .lc = 2, .le = 256};
    expect_enc(&c4, 0, 1, "00A40400020909"); /* no Le: the answer comes through 61xx */
}

static void test_extended(void **state)
{
    (void)state;
    static uint8_t d[300];
    memset(d, 0xAB, sizeof d);
    sca_apdu c2 = {.cla = 0x80, .ins = 0xCA, .le = 65536};
    expect_enc(&c2, 1, 0, "80CA0000000000");
    c2.le = 1000;
    expect_enc(&c2, 1, 0, "80CA00000003E8");
    sca_apdu c3 = {.cla = 0x80, .ins = 0xEE, .data = d, .lc = 300};
    uint8_t out[400];
    size_t n;
    assert_int_equal(sca_apdu_encode(&c3, 0x80, 1, 0, out, sizeof out, &n, NULL), SCA_OK);
    assert_int_equal(n, 4 + 3 + 300);
    assert_memory_equal(out, "\x80\xEE\x00\x00\x00\x01\x2C", 7);
    sca_apdu c4 = c3;
    c4.le = 65536;
    assert_int_equal(sca_apdu_encode(&c4, 0x80, 1, 0, out, sizeof out, &n, NULL), SCA_OK);
    assert_int_equal(n, 4 + 3 + 300 + 2);
    assert_int_equal(out[n - 2], 0);
    assert_int_equal(out[n - 1], 0);
}

static void test_rejects(void **state)
{
    (void)state;
    static uint8_t d[300];
    uint8_t out[400];
    size_t n;
    sca_error err;
    sca_apdu a = {.cla = 0x80, .ins = 0xEE, .data = d, .lc = 300};
    assert_int_equal(sca_apdu_encode(&a, 0x80, 0, 0, out, sizeof out, &n, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_apdu_encode(&a, 0x80, 1, 1, out, sizeof out, &n, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_apdu_encode(&a, 0x80, 1, 0, out, 10, &n, &err), SCA_E_BUFFER_TOO_SMALL);
    sca_apdu nodata = {.cla = 0x80, .ins = 0xEE, .lc = 3};
    assert_int_equal(sca_apdu_encode(&nodata, 0x80, 0, 0, out, sizeof out, &n, &err), SCA_E_INVALID_ARG);
}

static void test_channel_cla(void **state)
{
    (void)state;
    assert_int_equal(sca_cla_for_channel(0x00, 0), 0x00);
    assert_int_equal(sca_cla_for_channel(0x00, 3), 0x03);
    assert_int_equal(sca_cla_for_channel(0x80, 1), 0x81);
    assert_int_equal(sca_cla_for_channel(0x84, 2), 0x86);
    assert_int_equal(sca_cla_for_channel(0x90, 1), 0x91);
    assert_int_equal(sca_cla_for_channel(0x00, 4), 0x40);
    assert_int_equal(sca_cla_for_channel(0x00, 19), 0x4F);
    assert_int_equal(sca_cla_for_channel(0x80, 5), 0xC1);
    assert_int_equal(sca_cla_for_channel(0x84, 4), 0xE0);
    assert_int_equal(sca_cla_for_channel(0x10, 6), 0x52);
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t b[4];
    assert_int_equal(sca_hex_decode("0a Bc:ff", b, sizeof b), 3);
    assert_memory_equal(b, "\x0A\xBC\xFF", 3);
    assert_int_equal(sca_hex_decode("0a b", b, sizeof b), -1);
    assert_int_equal(sca_hex_decode("0 a", b, sizeof b), -1);
    assert_int_equal(sca_hex_decode("zz", b, sizeof b), -1);
    assert_int_equal(sca_hex_decode("0102030405", b, sizeof b), -1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cases_short), cmocka_unit_test(test_t0_rules), cmocka_unit_test(test_extended),
    cmocka_unit_test(test_rejects),     cmocka_unit_test(test_channel_cla), cmocka_unit_test(test_hex),
};
RUN_SUITE("apdu", tests)
