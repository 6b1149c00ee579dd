/* The card session through the scripted card: channel choice, SELECT, reset recovery, removal. */
#include "harness.h"

#include <string.h>

#include "scagent/card.h"
#include "scagent/info.h"
#include "scagent/pin.h"
#include "scripted.h"

/* MANAGE CHANNEL open -> channel 1; SELECT on channel 1 -> FCI with capabilities 0000000F. */
#define OPEN_CH1 {"0070000001", "019000"}
#define SELECT_CH1 {"01A4040009F053434147454E540100", "6F14 8409F053434147454E5401 A507DF31040000000F 9000"}
#define OPEN_NONE {"0070000001", "6881"}
#define SELECT_CH0 {"00A4040009F053434147454E540100", "9000"}

static sca_card *open_scripted(sca_transport *tr)
{
    sca_card *c = NULL;
    sca_error err;
    sca_rc rc = sca_card_attach(tr, NULL, &c, &err);
    if (rc != SCA_OK)
        fprintf(stderr, "attach: %s\n", err.msg);
    assert_int_equal(rc, SCA_OK);
    return c;
}

static void test_open_on_channel(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_CH1, SELECT_CH1, {"00708001", "9000"}));
    sca_card *c = open_scripted(tr);
    assert_int_equal(sca_card_channel(c), 1);
    assert_true(sca_card_capabilities(c) & 0x04);
    sca_card_close(c); /* closes channel 1 on the basic channel; the script checks it */
}

static void test_open_basic_fallback(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0));
    sca_card *c = open_scripted(tr);
    assert_int_equal(sca_card_channel(c), 0);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
}

static void test_no_applet(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_CH1, {"01A4040009F053434147454E540100", "6A82"},
                                                  {"00708001", "9000"}));
    sca_card *c = NULL;
    sca_error err;
    assert_int_equal(sca_card_attach(tr, NULL, &c, &err), SCA_E_NO_APPLET);
    assert_null(c);
    assert_non_null(strstr(err.msg, "no scagent applet"));
}

static void test_reset_recovered_transparently(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0,
                                                  {"80CADF3300", NULL, SCA_E_CARD_RESET},
                                                  OPEN_NONE, SELECT_CH0,
                                                  {"80CADF3300", "0303049000"}));
    sca_card *c = open_scripted(tr);
    unsigned gen = sca_card_generation(c);
    sca_pin_status st;
    sca_error err;
    assert_int_equal(sca_pin_get_status(c, &st, &err), SCA_OK);
    assert_int_equal(st.tries_left, 3);
    assert_true(st.set);
    assert_int_equal(sca_card_generation(c), gen + 1);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
}

static void test_reset_loses_pin(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0,
                                                  {"0020008108313233343536FFFF", "9000"},
                                                  {"BEGIN", NULL, SCA_E_CARD_RESET},
                                                  OPEN_NONE, SELECT_CH0));
    sca_card *c = open_scripted(tr);
    sca_error err;
    assert_int_equal(sca_pin_verify(c, "123456", &err), SCA_OK);
    assert_true(sca_card_security(c) & SCA_SEC_PIN);
    uint8_t r[8];
    size_t n;
    assert_int_equal(sca_get_data(c, 0xDF33, r, sizeof r, &n, &err), SCA_E_CARD_RESET);
    assert_non_null(strstr(err.msg, "verify the PIN again"));
    assert_false(sca_card_security(c) & SCA_SEC_PIN);
    assert_int_equal(scripted_left(tr), 0);
    sca_card_close(c);
}

static void test_reset_not_repeated_for_writes(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0,
                                                  {"0020008108313233343536FFFF", NULL, SCA_E_CARD_RESET},
                                                  OPEN_NONE, SELECT_CH0));
    sca_card *c = open_scripted(tr);
    sca_error err;
    assert_int_equal(sca_pin_verify(c, "123456", &err), SCA_E_CARD_RESET);
    assert_int_equal(scripted_left(tr), 0); /* VERIFY was not sent twice */
    sca_card_close(c);
}

static void test_removal(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0,
                                                  {"80CADF3F00", NULL, SCA_E_CARD_REMOVED}));
    sca_card *c = open_scripted(tr);
    sca_info info;
    sca_error err;
    assert_int_equal(sca_get_info(c, &info, &err), SCA_E_CARD_REMOVED);
    assert_non_null(strstr(err.msg, "removed"));
    /* everything after fails fast, without touching the transport */
    assert_int_equal(sca_get_info(c, &info, &err), SCA_E_CARD_REMOVED);
    assert_int_equal(sca_card_begin(c, &err), SCA_E_CARD_REMOVED);
    sca_card_close(c);
}

static void test_wrong_pin_tries(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0,
                                                  {"002000810839393939FFFFFFFF", "63C2"},
                                                  {"002000810839393939FFFFFFFF", "6983"}));
    sca_card *c = open_scripted(tr);
    sca_error err;
    assert_int_equal(sca_pin_verify(c, "9999", &err), SCA_E_WRONG_PIN);
    assert_int_equal(err.tries_left, 2);
    assert_int_equal(err.sw, 0x63C2);
    assert_int_equal(sca_pin_verify(c, "9999", &err), SCA_E_PIN_BLOCKED);
    assert_int_equal(sca_pin_verify(c, "12a4", &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_pin_verify(c, "123", &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_pin_verify(c, "123456789", &err), SCA_E_INVALID_ARG);
    assert_int_equal(scripted_left(tr), 0);
    sca_card_close(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_open_on_channel),
    cmocka_unit_test(test_open_basic_fallback),
    cmocka_unit_test(test_no_applet),
    cmocka_unit_test(test_reset_recovered_transparently),
    cmocka_unit_test(test_reset_loses_pin),
    cmocka_unit_test(test_reset_not_repeated_for_writes),
    cmocka_unit_test(test_removal),
    cmocka_unit_test(test_wrong_pin_tries),
};
RUN_SUITE("card", tests)
