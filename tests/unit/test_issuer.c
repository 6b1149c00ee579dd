/* The issuer secure channel against the vector computed independently with the openssl command line
 * (tests/vectors/secure-channel.txt), and AES-CMAC against RFC 4493. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "aes.h"
#include "scagent/issuer.h"
#include "scagent/log.h"
#include "vectors.h"

static vectors vec = {.path = "tests/vectors/secure-channel.txt"};

static const char *get(const char *key)
{
    return vectors_get(&vec, key);
}

static void hex_eq(const uint8_t *b, size_t n, const char *key)
{
    char h[600];
    sca_hex_encode(b, n, h, 0);
    assert_string_equal(h, get(key));
}

static void test_cmac_rfc4493(void **state)
{
    (void)state;
    uint8_t k[16], m[64], mac[16];
    sca_hex_decode("2b7e151628aed2a6abf7158809cf4f3c", k, 16);
    sca_hex_decode("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52ef"
                   "f69f2445df4f9b17ad2b417be66c3710", m, 64);
    char h[33];
    assert_int_equal(sca_aes_cmac(k, m, 0, mac, NULL), SCA_OK);
    sca_hex_encode(mac, 16, h, 0);
    assert_string_equal(h, "BB1D6929E95937287FA37D129B756746");
    assert_int_equal(sca_aes_cmac(k, m, 16, mac, NULL), SCA_OK);
    sca_hex_encode(mac, 16, h, 0);
    assert_string_equal(h, "070A16B46B4D4144F79BDD9DD04A287C");
    assert_int_equal(sca_aes_cmac(k, m, 40, mac, NULL), SCA_OK);
    sca_hex_encode(mac, 16, h, 0);
    assert_string_equal(h, "DFA66747DE9AE63030CA32611497C827");
    assert_int_equal(sca_aes_cmac(k, m, 64, mac, NULL), SCA_OK);
    sca_hex_encode(mac, 16, h, 0);
    assert_string_equal(h, "51F0BEBF7E3B9D92FC49741779363CFE");
}

static void test_session_vector(void **state)
{
    (void)state;
    sca_issuer_keys k;
    sca_issuer_test_keys(&k);
    hex_eq(k.enc, 16, "key_enc");
    uint8_t host[8], card[8], ccg[8], hcg[8], buf[64];
    sca_hex_decode(get("host_challenge"), host, 8);
    sca_hex_decode(get("card_challenge"), card, 8);
    sca_scp_session s;
    assert_int_equal(sca_scp_derive(&k, host, card, &s, ccg, hcg, NULL), SCA_OK);
    hex_eq(s.s_enc, 16, "s_enc");
    hex_eq(s.s_mac, 16, "s_mac");
    hex_eq(ccg, 8, "card_cryptogram");
    hex_eq(hcg, 8, "host_cryptogram");

    sca_apdu ext = {.cla = 0x84, .ins = 0x82, .p1 = 0x33, .data = hcg, .lc = 8}, w;
    assert_int_equal(sca_scp_wrap(&s, &ext, 0, buf, sizeof buf, &w, NULL), SCA_OK);
    uint8_t apdu[300];
    memcpy(apdu, "\x84\x82\x33\x00", 4);
    apdu[4] = (uint8_t)w.lc;
    memcpy(apdu + 5, w.data, w.lc);
    hex_eq(apdu, 5 + w.lc, "external_authenticate");

    uint8_t pin[8] = {'1', '2', '3', '4', 0xFF, 0xFF, 0xFF, 0xFF};
    sca_apdu rrc = {.cla = 0x04, .ins = 0x2C, .p1 = 0x02, .p2 = 0x81, .data = pin, .lc = 8};
    assert_int_equal(sca_scp_wrap(&s, &rrc, 1, buf, sizeof buf, &w, NULL), SCA_OK);
    assert_int_equal(s.counter, 1);
    memcpy(apdu, "\x04\x2C\x02\x81", 4);
    apdu[4] = (uint8_t)w.lc;
    memcpy(apdu + 5, w.data, w.lc);
    hex_eq(apdu, 5 + w.lc, "reset_retry_counter_pin_1234");
    assert_true(w.flags & SCA_APDU_SENSITIVE);
}

static void test_wrap_limits(void **state)
{
    (void)state;
    sca_scp_session s;
    memset(&s, 0, sizeof s);
    uint8_t d[240] = {0}, buf[300];
    sca_apdu a = {.cla = 0x84, .ins = 0xF0, .data = d, .lc = 240}, w;
    sca_error err;
    assert_int_equal(sca_scp_wrap(&s, &a, 1, buf, sizeof buf, &w, &err), SCA_E_INVALID_ARG);
    a.lc = 0; /* no data: no padding block, only the MAC */
    assert_int_equal(sca_scp_wrap(&s, &a, 1, buf, sizeof buf, &w, &err), SCA_OK);
    assert_int_equal(w.lc, 8);
    assert_int_equal(s.counter, 1);
    a.lc = 16; /* a whole block still gets a full padding block */
    assert_int_equal(sca_scp_wrap(&s, &a, 1, buf, sizeof buf, &w, &err), SCA_OK);
    assert_int_equal(w.lc, 32 + 8);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cmac_rfc4493),
    cmocka_unit_test(test_session_vector),
    cmocka_unit_test(test_wrap_limits),
};
RUN_SUITE("issuer", tests)
