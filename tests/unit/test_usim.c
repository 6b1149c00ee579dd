/* A physical USIM's files and PIN1 through a scripted card (no USIM in CI): EF_IMSI as the DM bootstrap NETWORKID
 * key, the FCP size, the P2 0C fallback, refusals of a malformed EF_IMSI, PIN1 verification and its errors. */
#include "harness.h"

#include <string.h>

#include "scagent/gba.h"
#include "scagent/usim.h"
#include "scripted.h"

static sca_card *open_raw(sca_transport *tr)
{
    sca_open_opts o = {.no_select = 1};
    sca_card *c = NULL;
    sca_error err;
    assert_int_equal(sca_card_attach(tr, &o, &c, &err), SCA_OK);
    return c;
}

static void test_imsi(void **state)
{
    (void)state;
    /* SELECT ADF (FCP), SELECT 6F07 (FCP: size 9), READ BINARY 9: IMSI 234150999999999 */
    sca_transport *tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "620382017B9000"},
                                                  {"00A40004026F0700", "6204800200099000"},
                                                  {"00B0000009", "0829435190999999999000"}));
    sca_card *c = open_raw(tr);
    uint8_t ef[9], key[8];
    size_t kl = 0;
    sca_error err;
    assert_int_equal(sca_usim_read_imsi(c, ef, key, &kl, &err), SCA_OK);
    assert_int_equal(kl, 8);
    static const uint8_t want[] = {0x29, 0x43, 0x51, 0x90, 0x99, 0x99, 0x99, 0x99};
    assert_memory_equal(key, want, 8);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);

    /* P2 04 refused: P2 0C, no FCP: READ BINARY with Le 256 (the card answers the 9 bytes and 6282) */
    tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "6A86"}, {"00A4040C07A0000000871002", "9000"},
                                    {"00A40004026F0700", "6A86"}, {"00A4000C026F07", "9000"},
                                    {"00B0000000", "082943519099999999 6282"}));
    c = open_raw(tr);
    assert_int_equal(sca_usim_read_imsi(c, ef, key, &kl, &err), SCA_OK);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);

    /* a malformed EF_IMSI (identity type 010), a short one, no EF, no USIM */
    const char *bad[] = {"082A435190999999999000", "07294351909999999000"};
    for (size_t i = 0; i < 2; i++) {
        tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "9000"}, {"00A40004026F0700", "9000"},
                                        {"00B0000000", bad[i]}));
        c = open_raw(tr);
        assert_int_equal(sca_usim_read_imsi(c, ef, key, &kl, &err), SCA_E_PARSE);
        sca_card_close(c);
    }
    tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "9000"}, {"00A40004026F0700", "6A82"}));
    c = open_raw(tr);
    assert_int_equal(sca_usim_read_imsi(c, ef, key, &kl, &err), SCA_E_NOT_FOUND);
    sca_card_close(c);
    tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "6A82"}));
    c = open_raw(tr);
    assert_int_equal(sca_usim_read_imsi(c, ef, key, &kl, &err), SCA_E_NOT_FOUND);
    assert_non_null(strstr(err.msg, "USIM"));
    sca_card_close(c);
}

static void test_pin1(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS({"002000010831323334FFFFFFFF", "9000"},
                                                  {"002000010839393939FFFFFFFF", "63C2"}));
    sca_card *c = open_raw(tr);
    sca_error err;
    assert_int_equal(sca_usim_verify_pin1(c, "1234", &err), SCA_OK);
    assert_true(sca_card_security(c) & SCA_SEC_PIN);
    assert_int_equal(sca_usim_verify_pin1(c, "9999", &err), SCA_E_WRONG_PIN);
    assert_int_equal(err.tries_left, 2);
    assert_int_equal(sca_usim_verify_pin1(c, "12", &err), SCA_E_INVALID_ARG); /* refused before sending */
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
}

static void test_gbabp(void **state)
{
    (void)state;
    /* written after Ub: SELECT ADF, SELECT 6FD6, UPDATE BINARY of LV RAND || LV B-TID || LV lifetime */
    uint8_t rand[16];
    memset(rand, 0x11, sizeof rand);
    const char *want = "00D600001C" "10" "11111111111111111111111111111111" "05" "6240622E78" "04" "32303236";
    sca_transport *tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "9000"},
                                                  {"00A40004026FD600", "9000"}, {want, "9000"}));
    sca_card *c = open_raw(tr);
    sca_error err;
    assert_int_equal(sca_usim_write_gbabp(c, rand, "b@b.x", "2026", &err), SCA_OK);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
    /* read back through sca_gba_bp_read on a card without the applet: the file's FF padding is ignored */
    tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "9000"}, {"00A40004026FD600", "9000"},
                                    {"00B0000000", "1011111111111111111111111111111111056240622E780432303236FFFFFF9000"}));
    c = open_raw(tr);
    sca_gba_bp bp;
    assert_int_equal(sca_gba_bp_read(c, &bp, &err), SCA_OK);
    assert_string_equal(bp.btid, "b@b.x");
    assert_string_equal(bp.lifetime, "2026");
    assert_memory_equal(bp.rand, rand, 16);
    sca_card_close(c);
    /* a B-TID length running past the file */
    tr = scripted_new(1, 255, STEPS({"00A4040407A000000087100200", "9000"}, {"00A40004026FD600", "9000"},
                                    {"00B0000000", "101111111111111111111111111111111140629000"}));
    c = open_raw(tr);
    assert_int_equal(sca_gba_bp_read(c, &bp, &err), SCA_E_PARSE);
    sca_card_close(c);
    assert_int_equal(sca_usim_write_gbabp(NULL, rand, "", "x", &err), SCA_E_INVALID_ARG);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gbabp),
    cmocka_unit_test(test_imsi),
    cmocka_unit_test(test_pin1),
};

RUN_SUITE("usim", tests)
