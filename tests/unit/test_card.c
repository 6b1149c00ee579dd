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

/* A card that answers 9000 to everything and counts transaction starts and ends. */
struct counting {
    sca_transport base;
    int begins, ends;
};

static sca_rc c_transmit(sca_transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len,
                         sca_error *err)
{
    (void)t, (void)cmd, (void)cmd_len, (void)err;
    resp[0] = 0x90;
    resp[1] = 0x00;
    *resp_len = 2;
    return SCA_OK;
}
static sca_rc c_begin(sca_transport *t, sca_error *err)
{
    (void)err;
    ((struct counting *)t)->begins++;
    return SCA_OK;
}
static void c_end(sca_transport *t) { ((struct counting *)t)->ends++; }
static void c_close(sca_transport *t) { (void)t; }
static const struct sca_transport_ops counting_ops = {c_transmit, c_begin, c_end, c_close};

static void test_deferred_end(void **state)
{
    (void)state;
    struct counting k = {.base = {.ops = &counting_ops, .protocol = 1, .max_apdu_data = 255}};
    sca_open_opts o = {.no_select = 1};
    sca_card *c = NULL;
    sca_error err;
    assert_int_equal(sca_card_attach(&k.base, &o, &c, &err), SCA_OK);
    sca_card_defer_end(c, 1);
    sca_apdu a = {.cla = 0x80, .ins = 0xCA, .le = 256};
    assert_int_equal(sca_card_run(c, &a, NULL, 0, NULL, "test", &err), SCA_OK);
    assert_int_equal(k.begins, 1);
    assert_int_equal(k.ends, 0); /* deferred */
    sca_card_flush(c);
    assert_int_equal(k.ends, 1);
    sca_card_flush(c); /* nothing pending */
    assert_int_equal(k.ends, 1);
    /* two operations keep two transactions: the second start ends the first */
    assert_int_equal(sca_card_run(c, &a, NULL, 0, NULL, "test", &err), SCA_OK);
    assert_int_equal(sca_card_run(c, &a, NULL, 0, NULL, "test", &err), SCA_OK);
    assert_int_equal(k.begins, 3);
    assert_int_equal(k.ends, 2);
    /* nested begin/end: one transaction, its end deferred at the outermost end */
    assert_int_equal(sca_card_begin(c, &err), SCA_OK);
    assert_int_equal(k.ends, 3);
    assert_int_equal(sca_card_run(c, &a, NULL, 0, NULL, "test", &err), SCA_OK);
    sca_card_end(c);
    assert_int_equal(k.begins, 4);
    assert_int_equal(k.ends, 3);
    /* switching it off ends what is pending, and ends are immediate again */
    sca_card_defer_end(c, 0);
    assert_int_equal(k.ends, 4);
    assert_int_equal(sca_card_run(c, &a, NULL, 0, NULL, "test", &err), SCA_OK);
    assert_int_equal(k.ends, 5);
    /* close ends a pending transaction first */
    sca_card_defer_end(c, 1);
    assert_int_equal(sca_card_run(c, &a, NULL, 0, NULL, "test", &err), SCA_OK);
    assert_int_equal(k.ends, 5);
    sca_card_close(c);
    assert_int_equal(k.begins, k.ends);
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
    cmocka_unit_test(test_deferred_end),
};
RUN_SUITE("card", tests)
