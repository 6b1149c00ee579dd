/* Integration tests: libscagent through pcscd and vpcd against the applet in jCardSim (tools/emu).
 * The card must be freshly started and NOT personalized; the tests personalize it with the test keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <winscard.h>

#include "sca_contract.h"
#include "scagent/scagent.h"

static const char *reader(void)
{
    const char *r = getenv("SCAGENT_READER");
    return r ? r : "Virtual PCD 00 00";
}

/* The session of the running test, closed by the teardown even when an assertion ends the test early (an open
 * logical channel would keep the applet busy for the next test). */
static sca_card *current;

static int teardown(void **state)
{
    (void)state;
    sca_card_close(current);
    current = NULL;
    return 0;
}

static sca_card *open_card(void)
{
    sca_open_opts o = {.reader = reader()};
    sca_card *c = NULL;
    sca_error err;
    sca_rc rc = sca_card_open(&o, &c, &err);
    if (rc != SCA_OK)
        fail_msg("open: %s", err.msg);
    current = c;
    return c;
}

static void test_info_before_personalization(void **state)
{
    (void)state;
    sca_card *c = open_card();
    sca_info i;
    sca_error err;
    assert_int_equal(sca_get_info(c, &i, &err), SCA_OK);
    assert_int_equal(i.contract_version, SCA_CONTRACT_VERSION);
    assert_int_equal(i.version[0], SCA_APPLET_VERSION_MAJOR);
    assert_true(i.capabilities & SCA_CAP_PIN);
    assert_true(i.capabilities & SCA_CAP_ISSUER_AUTH);
    assert_int_equal(i.lifecycle, SCA_LIFECYCLE_SELECTABLE);
    assert_false(i.pin_flags & SCA_PIN_FLAG_SET);
    /* the bridge offers logical channels: the session should use one */
    if (getenv("SCAGENT_EXPECT_CHANNEL"))
        assert_int_not_equal(sca_card_channel(c), 0);
    assert_int_equal(sca_pin_verify(c, "1234", &err), SCA_E_CONDITIONS);
}

static void test_issuer_channel_and_pin(void **state)
{
    (void)state;
    sca_card *c = open_card();
    sca_issuer_keys k;
    sca_error err;
    sca_issuer_test_keys(&k);
    /* without a session, issuer commands are refused by the host and by the card */
    assert_int_equal(sca_issuer_reset_pin(c, "1234", &err), SCA_E_DENIED);
    uint8_t r[8];
    size_t n;
    uint16_t sw;
    uint8_t fake[16] = {0};
    sca_apdu forged = {.cla = 0x04, .ins = 0x2C, .p1 = 0x02, .p2 = 0x81, .data = fake, .lc = 16};
    assert_int_equal(sca_card_transceive(c, &forged, r, sizeof r, &n, &sw, &err), SCA_OK);
    assert_int_equal(sw, SCA_SW_SECURITY_STATUS);
    /* wrong keys: the card cryptogram does not verify */
    sca_issuer_keys bad = k;
    bad.mac[0] ^= 1;
    assert_int_equal(sca_issuer_open(c, &bad, &err), SCA_E_AUTH_FAILED);
    assert_int_equal(sca_issuer_open(c, &k, &err), SCA_OK);
    assert_int_equal(sca_issuer_reset_pin(c, "1234", &err), SCA_OK);
    assert_int_equal(sca_issuer_set_lifecycle(c, SCA_LIFECYCLE_PERSONALIZED, &err), SCA_OK);
    sca_info i;
    assert_int_equal(sca_get_info(c, &i, &err), SCA_OK);
    assert_int_equal(i.lifecycle, SCA_LIFECYCLE_PERSONALIZED);
    assert_true(i.pin_flags & SCA_PIN_FLAG_SET);
    /* a tampered MAC closes the session on the card */
    sca_scp_session *s = sca_card_session(c);
    assert_non_null(s);
    s->mcv[0] ^= 0x55;
    assert_int_equal(sca_issuer_reset_pin(c, "9999", &err), SCA_E_AUTH_FAILED);
    assert_int_equal(err.sw, SCA_SW_SM_INCORRECT);
    assert_int_equal(sca_issuer_reset_pin(c, "9999", &err), SCA_E_DENIED);
}

static void test_pin_lifecycle(void **state)
{
    (void)state;
    sca_card *c = open_card();
    sca_error err;
    sca_pin_status st;
    assert_int_equal(sca_pin_verify(c, "1234", &err), SCA_OK);
    assert_int_equal(sca_pin_verify(c, "4321", &err), SCA_E_WRONG_PIN);
    assert_int_equal(err.tries_left, 2);
    assert_int_equal(sca_pin_change(c, "1234", "5678", &err), SCA_OK);
    assert_int_equal(sca_pin_get_status(c, &st, &err), SCA_OK);
    assert_int_equal(st.tries_left, 3);
    for (int t = 2; t >= 0; t--) {
        sca_rc rc = sca_pin_verify(c, "1111", &err);
        if (t > 0) {
            assert_int_equal(rc, SCA_E_WRONG_PIN);
            assert_int_equal(err.tries_left, t);
        } else {
            assert_true(rc == SCA_E_WRONG_PIN || rc == SCA_E_PIN_BLOCKED);
        }
    }
    assert_int_equal(sca_pin_verify(c, "5678", &err), SCA_E_PIN_BLOCKED);
    assert_int_equal(sca_pin_get_status(c, &st, &err), SCA_OK);
    assert_true(st.blocked);
    /* the issuer resets it */
    sca_issuer_keys k;
    sca_issuer_test_keys(&k);
    assert_int_equal(sca_issuer_open(c, &k, &err), SCA_OK);
    assert_int_equal(sca_issuer_reset_pin(c, "1234", &err), SCA_OK);
    assert_int_equal(sca_pin_verify(c, "1234", &err), SCA_OK);
}

static void test_echo_long(void **state)
{
    (void)state;
    sca_card *c = open_card();
    static uint8_t d[SCA_ECHO_MAX], r[SCA_ECHO_MAX + 16];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i * 7);
    size_t sizes[] = {0, 1, 255, 256, 300, 600, SCA_ECHO_MAX};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_ECHO, .data = d, .lc = sizes[k],
                      .le = SCA_LE_ANY, .flags = SCA_APDU_CHAIN};
        size_t n;
        sca_error err;
        assert_int_equal(sca_card_begin(c, &err), SCA_OK);
        sca_rc rc = sca_card_command(c, &a, r, sizeof r, &n, "ECHO", &err);
        sca_card_end(c);
        if (rc != SCA_OK)
            fail_msg("ECHO %zu: %s", sizes[k], err.msg);
        /* T=0 has no extended length: the data goes by chaining, and one short answer brings back 256 bytes */
        size_t want = sca_card_protocol(c) == 0 && sizes[k] > 256 ? 256 : sizes[k];
        assert_int_equal(n, want);
        assert_memory_equal(r, d, n);
    }
}

/* Another PC/SC client resets the card. */
static void reset_by_other(void)
{
    SCARDCONTEXT ctx;
    SCARDHANDLE h;
    DWORD proto;
    assert_int_equal(SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx), SCARD_S_SUCCESS);
    assert_int_equal(SCardConnect(ctx, reader(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h,
                                  &proto),
                     SCARD_S_SUCCESS);
    assert_int_equal(SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD,
                                    &proto),
                     SCARD_S_SUCCESS);
    SCardDisconnect(h, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);
}

static void test_reset_by_other_client(void **state)
{
    (void)state;
    sca_card *c = open_card();
    sca_error err;
    sca_info i;
    unsigned gen = sca_card_generation(c);
    reset_by_other();
    /* no PIN needed: recovered transparently */
    assert_int_equal(sca_get_info(c, &i, &err), SCA_OK);
    assert_int_equal(sca_card_generation(c), gen + 1);
    /* with the PIN verified: the loss is reported */
    assert_int_equal(sca_pin_verify(c, "1234", &err), SCA_OK);
    reset_by_other();
    assert_int_equal(sca_get_info(c, &i, &err), SCA_E_CARD_RESET);
    assert_false(sca_card_security(c) & SCA_SEC_PIN);
    /* and the card really forgot it */
    sca_pin_status st;
    assert_int_equal(sca_pin_get_status(c, &st, &err), SCA_OK);
    assert_false(st.verified);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_info_before_personalization, teardown),
        cmocka_unit_test_teardown(test_issuer_channel_and_pin, teardown),
        cmocka_unit_test_teardown(test_pin_lifecycle, teardown),
        cmocka_unit_test_teardown(test_echo_long, teardown),
        cmocka_unit_test_teardown(test_reset_by_other_client, teardown),
    };
    const char *name = getenv("SCAGENT_SUITE") ? getenv("SCAGENT_SUITE") : "integration";
    int failed = cmocka_run_group_tests_name(name, tests, NULL, NULL);
    size_t total = sizeof tests / sizeof tests[0];
    printf("SUITE %s passed=%zu failed=%d\n", name, total - (size_t)failed, failed);
    return failed ? 1 : 0;
}
