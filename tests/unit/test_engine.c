/* The APDU engine through the scripted card: 61xx, 6Cxx, chaining, extended length, limits. */
#include "harness.h"

#include <string.h>

#include "scagent/apdu.h"
#include "scripted.h"

static sca_rc run(sca_transport *tr, unsigned channel, int card_ext, const sca_apdu *a, uint8_t *resp, size_t cap,
                  size_t *len, uint16_t *sw, sca_error *err)
{
    sca_engine e = {.tr = tr, .channel = channel, .card_extended = card_ext};
    return sca_engine_transceive(&e, a, resp, cap, len, sw, err);
}

static void finish(sca_transport *tr)
{
    assert_false(scripted_mismatch(tr));
    assert_int_equal(scripted_left(tr), 0);
    tr->ops->close(tr);
}

static void test_get_response_loop(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(0, 255, STEPS({"00A404000201 02", "6104"},
                                                  {"00C0000004", "AABBCCDD6102"},
                                                  {"00C0000002", "EEFF9000"}));
    uint8_t d[2] = {1, 2}, r[16];
    size_t n;
    uint16_t sw;
    sca_apdu a = {.cla = 0, .ins = 0xA4, .p1 = 4, .data = d, .lc = 2, .le = 256};
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, NULL), SCA_OK);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(n, 6);
    assert_memory_equal(r, "\xAA\xBB\xCC\xDD\xEE\xFF", 6);
    finish(tr);
}

static void test_get_response_on_channel(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(0, 255, STEPS({"82CADF3000", "6C04"}, {"82CADF3004", "01020304 9000"}));
    uint8_t r[16];
    size_t n;
    uint16_t sw;
    sca_apdu a = {.cla = 0x80, .ins = 0xCA, .p1 = 0xDF, .p2 = 0x30, .le = 256};
    assert_int_equal(run(tr, 2, 0, &a, r, sizeof r, &n, &sw, NULL), SCA_OK);
    assert_int_equal(n, 4);
    finish(tr);
    tr = scripted_new(0, 255, STEPS({"01A40400020102", "6103"}, {"01C0000003", "0A0B0C9000"}));
    uint8_t d[2] = {1, 2};
    sca_apdu s = {.cla = 0, .ins = 0xA4, .p1 = 4, .data = d, .lc = 2, .le = 256};
    assert_int_equal(run(tr, 1, 0, &s, r, sizeof r, &n, &sw, NULL), SCA_OK);
    assert_int_equal(n, 3);
    finish(tr);
}

static void test_wrong_le_once(void **state)
{
    (void)state;
    uint8_t r[16];
    size_t n;
    uint16_t sw;
    sca_error err;
    sca_apdu a = {.cla = 0x80, .ins = 0xCA, .p1 = 0xDF, .p2 = 0x30, .le = 256};
    sca_transport *tr = scripted_new(1, 255, STEPS({"80CADF3000", "6C04"}, {"80CADF3004", "6C04"}));
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, &err), SCA_E_PROTOCOL);
    finish(tr);
    /* 6Cxx on a GET RESPONSE gets its own re-send */
    tr = scripted_new(0, 255, STEPS({"80CA000000", "6105"}, {"00C0000005", "6C03"}, {"00C0000003", "0102039000"}));
    sca_apdu b = {.cla = 0x80, .ins = 0xCA, .le = 256};
    assert_int_equal(run(tr, 0, 0, &b, r, sizeof r, &n, &sw, &err), SCA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sw, 0x9000);
    finish(tr);
}

static void test_chaining(void **state)
{
    (void)state;
    static uint8_t d[600];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)i;
    static char s1[2 * 262], s2[2 * 262], s3[2 * 100];
    char *p = s1 + sprintf(s1, "90EE0000FF");
    for (int i = 0; i < 255; i++)
        p += sprintf(p, "%02X", d[i]);
    p = s2 + sprintf(s2, "90EE0000FF");
    for (int i = 255; i < 510; i++)
        p += sprintf(p, "%02X", d[i]);
    p = s3 + sprintf(s3, "80EE00005A");
    for (int i = 510; i < 600; i++)
        p += sprintf(p, "%02X", d[i]);
    sprintf(p, "00");
    sca_transport *tr = scripted_new(1, 255, STEPS({s1, "9000"}, {s2, "9000"}, {s3, "CAFE9000"}));
    uint8_t r[16];
    size_t n;
    uint16_t sw;
    sca_apdu a = {.cla = 0x80, .ins = 0xEE, .data = d, .lc = 600, .le = 256, .flags = SCA_APDU_CHAIN};
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, NULL), SCA_OK);
    assert_int_equal(n, 2);
    finish(tr);
    /* a refused part stops the chain with the card's status word */
    tr = scripted_new(1, 255, STEPS({s1, "6A84"}));
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, NULL), SCA_OK);
    assert_int_equal(sw, 0x6A84);
    finish(tr);
    /* without the chaining flag: refused before anything is sent */
    a.flags = 0;
    tr = scripted_new(1, 255, NULL, 0);
    sca_error err;
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, &err), SCA_E_INVALID_ARG);
    finish(tr);
}

static void test_extended_when_allowed(void **state)
{
    (void)state;
    static uint8_t d[300];
    static char cmd[2 * 320];
    char *p = cmd + sprintf(cmd, "80EE000000012C");
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "00");
    sprintf(p, "0000");
    sca_transport *tr = scripted_new(1, 65536, STEPS({cmd, "9000"}));
    uint8_t r[400];
    size_t n;
    uint16_t sw;
    sca_apdu a = {.cla = 0x80, .ins = 0xEE, .data = d, .lc = 300, .le = SCA_LE_ANY, .flags = SCA_APDU_CHAIN};
    assert_int_equal(run(tr, 0, 1, &a, r, sizeof r, &n, &sw, NULL), SCA_OK);
    finish(tr);
    /* the same on T=0: chaining instead */
    tr = scripted_new(0, 65536, STEPS({NULL, "9000"}, {NULL, "6100"}, {"00C0000000", "9000"}));
    assert_int_equal(run(tr, 0, 1, &a, r, sizeof r, &n, &sw, NULL), SCA_OK);
    finish(tr);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t r[4];
    size_t n;
    uint16_t sw;
    sca_error err;
    sca_apdu a = {.cla = 0x80, .ins = 0xCA, .le = 256};
    sca_transport *tr = scripted_new(1, 255, STEPS({NULL, "0102030405069000"}));
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, &err), SCA_E_BUFFER_TOO_SMALL);
    finish(tr);
    tr = scripted_new(1, 255, STEPS({NULL, "90"}));
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, &err), SCA_E_PROTOCOL);
    finish(tr);
    tr = scripted_new(1, 255, STEPS({NULL, NULL, SCA_E_CARD_REMOVED}));
    assert_int_equal(run(tr, 0, 0, &a, r, sizeof r, &n, &sw, &err), SCA_E_CARD_REMOVED);
    finish(tr);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_get_response_loop), cmocka_unit_test(test_get_response_on_channel),
    cmocka_unit_test(test_wrong_le_once),     cmocka_unit_test(test_chaining),
    cmocka_unit_test(test_extended_when_allowed), cmocka_unit_test(test_limits),
};
RUN_SUITE("engine", tests)
