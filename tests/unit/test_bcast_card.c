/* The card side of the BCAST identity through the scripted card: answers parsed strictly, card refusals explained
 * with the next step, and host-side checks that stop a command before it reaches the card. */
#include "harness.h"

#include <string.h>

#include "scagent/bcast.h"
#include "scagent/card.h"
#include "scripted.h"
#include "sca_contract.h"

#define OPEN_NONE {"0070000001", "6881"}
#define SELECT_CH0 {"00A4040009F053434147454E540100", "9000"}
/* fields with TerminalFirmwareVersionNo 5 and ClientSoftwareVersionNo 7 */
#define FIELDS "4A10450223731508000512340016" "01E240" "0007" "9000"

static sca_card *open_scripted(sca_transport *tr)
{
    sca_card *c = NULL;
    sca_error err;
    assert_int_equal(sca_card_attach(tr, NULL, &c, &err), SCA_OK);
    return c;
}

static void test_status(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"80CADF4300", "0101012302 9000"},
                                                  {"80CADF4300", "01019000"}));
    sca_card *c = open_scripted(tr);
    sca_bcast_status st;
    sca_error err;
    assert_int_equal(sca_bcast_get_status(c, &st, &err), SCA_OK);
    assert_int_equal(st.key_alg, SCA_KEY_ALG_EC_P256);
    assert_true(st.fields_set);
    assert_int_equal(st.cert_len, 0x123);
    assert_int_equal(st.anchors, 2);
    assert_int_equal(sca_bcast_get_status(c, &st, &err), SCA_E_PARSE);
    assert_int_equal(scripted_left(tr), 0);
    sca_card_close(c);
}

static void test_anchor_list(void **state)
{
    (void)state;
    char two[2 * 70 + 8], bad[2 * 36 + 8];
    strcpy(two, "000123");
    for (int i = 0; i < 32; i++)
        strcat(two, "AA");
    strcat(two, "020456");
    for (int i = 0; i < 32; i++)
        strcat(two, "BB");
    strcat(two, "9000");
    strcpy(bad, "000123");
    for (int i = 0; i < 33; i++)
        strcat(bad, "AA");
    strcat(bad, "9000");
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"80CADF4400", two}, {"80CADF4400", bad},
                                                  {"80CADF4400", "9000"}));
    sca_card *c = open_scripted(tr);
    sca_naf_anchor_entry e[4];
    size_t n = 9;
    sca_error err;
    assert_int_equal(sca_naf_anchor_list(c, e, 4, &n, &err), SCA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(e[0].slot, 0);
    assert_int_equal(e[0].len, 0x123);
    assert_int_equal(e[1].slot, 2);
    assert_int_equal(e[1].len, 0x456);
    assert_int_equal(e[1].sha256[31], 0xBB);
    assert_int_equal(sca_naf_anchor_list(c, e, 4, &n, &err), SCA_E_PARSE);
    assert_int_equal(sca_naf_anchor_list(c, e, 4, &n, &err), SCA_OK);
    assert_int_equal(n, 0);
    sca_card_close(c);
}

static void test_refusals_explained(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"804A000000", "6985"},
                                                  {"80CADF4000", "6A88"}, {"80CADF4100", "6A88"}));
    sca_card *c = open_scripted(tr);
    uint8_t id[64], fields[19];
    size_t n;
    sca_error err;
    EVP_PKEY *k = NULL;
    assert_int_equal(sca_bcast_get_client_id(c, 1, id, sizeof id, &n, &err), SCA_E_CONDITIONS);
    assert_int_equal(err.sw, 0x6985);
    assert_non_null(strstr(err.msg, "perso keygen"));
    assert_int_equal(sca_bcast_get_fields(c, fields, &err), SCA_E_NOT_FOUND);
    assert_non_null(strstr(err.msg, "perso fields"));
    assert_int_equal(sca_bcast_get_public_key(c, &k, &err), SCA_E_NOT_FOUND);
    assert_null(k);
    assert_int_equal(scripted_left(tr), 0);
    sca_card_close(c);
}

/* Versions only go up: the host refuses a lower or equal value before sending anything to the card. */
static void test_version_precheck(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"80CADF4000", FIELDS},
                                                  {"80CADF4000", FIELDS}, {"80CADF4000", FIELDS}));
    sca_card *c = open_scripted(tr);
    sca_error err;
    assert_int_equal(sca_bcast_raise_version(c, SCA_BCAST_FIRMWARE, 5, &err), SCA_E_CONDITIONS);
    assert_non_null(strstr(err.msg, "only go up"));
    assert_int_equal(sca_bcast_raise_version(c, SCA_BCAST_SOFTWARE, 6, &err), SCA_E_CONDITIONS);
    /* greater, but no issuer session: refused on the host, nothing wrapped is sent */
    assert_int_equal(sca_bcast_raise_version(c, SCA_BCAST_SOFTWARE, 8, &err), SCA_E_DENIED);
    assert_int_equal(scripted_left(tr), 0);
    assert_false(scripted_mismatch(tr));
    sca_card_close(c);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    sca_transport *tr = scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0));
    sca_card *c = open_scripted(tr);
    sca_error err;
    X509_REQ *req = NULL;
    assert_int_equal(sca_bcast_keygen(c, 7, NULL, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_bcast_make_csr(c, "CN=no slash", &req, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_bcast_make_csr(c, "/CN", &req, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_bcast_make_csr(c, "/NOTATYPE=x", &req, &err), SCA_E_INVALID_ARG);
    assert_null(req);
    assert_int_equal(scripted_left(tr), 0);
    sca_card_close(c);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_status),
    cmocka_unit_test(test_anchor_list),
    cmocka_unit_test(test_refusals_explained),
    cmocka_unit_test(test_version_precheck),
    cmocka_unit_test(test_bad_arguments),
};
RUN_SUITE("bcast_card", tests)
