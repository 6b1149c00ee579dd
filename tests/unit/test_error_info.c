/* Status-word mapping, error messages, TLV and INFO_ALL parsing. */
#include "harness.h"

#include <string.h>

#include "scagent/error.h"
#include "scagent/info.h"
#include "scagent/tlv.h"

static void test_sw_classes(void **state)
{
    (void)state;
    assert_int_equal(sca_sw_class(0x9000), SCA_OK);
    assert_int_equal(sca_sw_class(0x6110), SCA_OK);
    assert_int_equal(sca_sw_class(0x63C1), SCA_E_WRONG_PIN);
    assert_int_equal(sca_sw_class(0x6983), SCA_E_PIN_BLOCKED);
    assert_int_equal(sca_sw_class(0x6982), SCA_E_DENIED);
    assert_int_equal(sca_sw_class(0x6988), SCA_E_AUTH_FAILED);
    assert_int_equal(sca_sw_class(0x6A88), SCA_E_NOT_FOUND);
    assert_int_equal(sca_sw_class(0x6D00), SCA_E_NOT_SUPPORTED);
    assert_int_equal(sca_sw_class(0x6F00), SCA_E_CARD);
    assert_int_equal(sca_sw_class(0x9F10), SCA_E_CARD); /* unlisted */
    assert_string_equal(sca_sw_name(0x6985), "CONDITIONS");
    assert_string_equal(sca_sw_name(0x1234), "UNLISTED");
}

static void test_error_messages(void **state)
{
    (void)state;
    sca_error e;
    assert_int_equal(sca_error_from_sw(&e, 0x63C1, "verifying the PIN"), SCA_E_WRONG_PIN);
    assert_int_equal(e.tries_left, 1);
    assert_non_null(strstr(e.msg, "1 tries left"));
    assert_int_equal(sca_error_from_sw(&e, 0x6982, "SET STATUS"), SCA_E_DENIED);
    assert_non_null(strstr(e.msg, "SET STATUS: card answered 6982"));
    assert_int_equal(e.sw, 0x6982);
    sca_error_prefix(&e, "personalizing");
    assert_int_equal(strncmp(e.msg, "personalizing: SET STATUS", 25), 0);
    for (int rc = 0; rc < SCA_E__COUNT; rc++) {
        assert_string_not_equal(sca_rc_name((sca_rc)rc), "unknown");
        assert_string_not_equal(sca_strerror((sca_rc)rc), "unknown error");
    }
    char long_prefix[400];
    memset(long_prefix, 'x', sizeof long_prefix - 1);
    long_prefix[sizeof long_prefix - 1] = 0;
    sca_error_prefix(&e, "%s", long_prefix);
    assert_true(strlen(e.msg) < sizeof e.msg);
}

static void test_tlv(void **state)
{
    (void)state;
    const uint8_t ok[] = {0xDF, 0x30, 0x02, 0xAA, 0xBB, 0x84, 0x81, 0x01, 0xCC};
    sca_tlv t;
    assert_int_equal(sca_tlv_find(ok, sizeof ok, 0xDF30, &t, NULL), SCA_OK);
    assert_int_equal(t.len, 2);
    assert_int_equal(sca_tlv_find(ok, sizeof ok, 0x84, &t, NULL), SCA_OK);
    assert_int_equal(t.len, 1);
    assert_int_equal(t.value[0], 0xCC);
    assert_int_equal(sca_tlv_find(ok, sizeof ok, 0x99, &t, NULL), SCA_E_NOT_FOUND);
    const uint8_t trunc[] = {0xDF, 0x30, 0x05, 0xAA};
    assert_int_equal(sca_tlv_find(trunc, sizeof trunc, 0xDF30, &t, NULL), SCA_E_PARSE);
    const uint8_t badlen[] = {0x84, 0x84, 0, 0, 0, 1, 0};
    assert_int_equal(sca_tlv_find(badlen, sizeof badlen, 0x84, &t, NULL), SCA_E_PARSE);
    const uint8_t longtag[] = {0x9F, 0x81, 0x01, 0x01, 0x00};
    assert_int_equal(sca_tlv_find(longtag, sizeof longtag, 0x9F81, &t, NULL), SCA_E_PARSE);
    const uint8_t half[] = {0xDF};
    assert_int_equal(sca_tlv_find(half, sizeof half, 0xDF30, &t, NULL), SCA_E_PARSE);
}

static const uint8_t info_all[] = {
    0xDF, 0x30, 4, 0, 1, 0, 1,
    0xDF, 0x31, 4, 0, 0, 0, 0x0F,
    0xDF, 0x32, 12, 0, 0, 0x7F, 0xFF, 0, 0, 0x10, 0, 0, 0, 0x08, 0,
    0xDF, 0x33, 3, 3, 3, 0x04,
    0xDF, 0x34, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    0xDF, 0x35, 1, 0x0F,
    0xDF, 0x36, 2, 1, 3,
};

static void test_info_parse(void **state)
{
    (void)state;
    sca_info i;
    sca_error e;
    assert_int_equal(sca_info_parse(info_all, sizeof info_all, &i, &e), SCA_OK);
    assert_int_equal(i.version[1], 1);
    assert_int_equal(i.contract_version, 1);
    assert_int_equal(i.capabilities, 0x0F);
    assert_int_equal(i.free_persistent, 0x7FFF);
    assert_int_equal(i.free_transient_deselect, 0x800);
    assert_int_equal(i.pin_tries_left, 3);
    assert_int_equal(i.card_id[15], 16);
    assert_int_equal(i.lifecycle, 0x0F);
    assert_int_equal(i.issuer_scp, 3);
    char caps[128];
    sca_capabilities_str(i.capabilities, caps, sizeof caps);
    assert_string_equal(caps, "pin,issuer-auth,extended-length,chaining");
    /* every prefix is rejected as malformed or incomplete, never read past */
    for (size_t n = 0; n < sizeof info_all; n++)
        assert_int_equal(sca_info_parse(info_all, n, &i, &e), SCA_E_PARSE);
    uint8_t bad[sizeof info_all];
    memcpy(bad, info_all, sizeof bad);
    bad[2] = 3; /* VERSION with 3 bytes */
    assert_int_equal(sca_info_parse(bad, sizeof bad, &i, &e), SCA_E_PARSE);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sw_classes),
    cmocka_unit_test(test_error_messages),
    cmocka_unit_test(test_tlv),
    cmocka_unit_test(test_info_parse),
};
RUN_SUITE("error-info", tests)
