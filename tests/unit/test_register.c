/* Registration signalling: response classification, body excerpts, the User-Agent and Date headers, and the
 * argument checks of sca_register (no network here; tests/naf/run runs the exchanges against the simulator). */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "register_int.h"
#include "scagent/register.h"

#define UP SCA_REGISTER_UPGRADE_TYPE

static sca_register_outcome cls(long status, const char *ct, const char *body, int *asks)
{
    return sca_register_classify(status, ct, ct ? strlen(ct) : 0, (const uint8_t *)body, body ? strlen(body) : 0,
                                 asks);
}

static void test_classify_statuses(void **state)
{
    (void)state;
    int asks = -1;
    assert_int_equal(cls(200, "application/xml", "<ok/>", &asks), SCA_REG_ACCEPTED);
    assert_int_equal(asks, 0);
    assert_int_equal(cls(204, NULL, NULL, &asks), SCA_REG_ACCEPTED);
    assert_int_equal(cls(200, UP, "\x00\x00", &asks), SCA_REG_UPGRADE_OPTIONAL);
    assert_int_equal(cls(403, UP, "\x00\x80", &asks), SCA_REG_UPGRADE_CRITICAL);
    assert_int_equal(cls(200, "application/octet-stream", "x", &asks), SCA_REG_UPGRADE_OPTIONAL);
    assert_int_equal(cls(403, "application/octet-stream", "x", &asks), SCA_REG_UPGRADE_CRITICAL);
    assert_int_equal(cls(404, UP, "x", &asks), SCA_REG_REFUSED); /* only 2xx / 403 carry the message */
    assert_int_equal(cls(500, "text/plain", "oops", &asks), SCA_REG_REFUSED);
    assert_int_equal(cls(302, NULL, NULL, &asks), SCA_REG_REFUSED);
    assert_int_equal(cls(403, "text/plain", "registration refused", &asks), SCA_REG_REFUSED);
    assert_int_equal(asks, 0);
    assert_int_equal(cls(0, NULL, NULL, NULL), SCA_REG_REFUSED);
}

static void test_classify_id_request(void **state)
{
    (void)state;
    int asks = 0;
    /* 5.1.7.3.2 exactly, and with surroundings */
    assert_int_equal(cls(403, "text/plain", "send_BCAST_Client_ID", &asks), SCA_REG_REFUSED);
    assert_int_equal(asks, 1);
    assert_int_equal(cls(403, NULL, "\r\nsend_BCAST_Client_ID\r\n", &asks), SCA_REG_REFUSED);
    assert_int_equal(asks, 1);
    /* not a request: wrong status, truncated text, an upgrade message that happens to contain it */
    assert_int_equal(cls(200, "text/plain", "send_BCAST_Client_ID", &asks), SCA_REG_ACCEPTED);
    assert_int_equal(asks, 0);
    assert_int_equal(cls(403, "text/plain", "send_BCAST_Client_I", &asks), SCA_REG_REFUSED);
    assert_int_equal(asks, 0);
    assert_int_equal(cls(403, UP, "send_BCAST_Client_ID", &asks), SCA_REG_UPGRADE_CRITICAL);
    assert_int_equal(asks, 0);
    /* the bound is the length given, not a NUL */
    const uint8_t b[] = "send_BCAST_Client_IDxx";
    assert_int_equal(sca_register_classify(403, NULL, 0, b, 19, &asks), SCA_REG_REFUSED);
    assert_int_equal(asks, 0);
    assert_int_equal(sca_register_classify(403, NULL, 0, b, 20, &asks), SCA_REG_REFUSED);
    assert_int_equal(asks, 1);
}

static void test_classify_content_types(void **state)
{
    (void)state;
    int asks;
    const char *yes[] = {UP, "Application/VND.OMA.BCAST.Upgrade-Available-Msg", " " UP " ", UP ";v=1",
                         UP " ; charset=binary", "\t" UP};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        assert_int_equal(cls(200, yes[i], "x", &asks), SCA_REG_UPGRADE_OPTIONAL);
    const char *no[] = {"", ";", UP "x", "x" UP, UP " junk", "application/vnd.oma.bcast", "text/plain",
                        "application/octet-streamx", UP ",text/plain"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        assert_int_equal(cls(200, no[i], "x", &asks), SCA_REG_ACCEPTED);
    /* the length bounds the value: a prefix of the type is not the type */
    assert_int_equal(sca_register_classify(200, UP, strlen(UP) - 1, NULL, 0, &asks), SCA_REG_ACCEPTED);
    char with_nul[64];
    memcpy(with_nul, "application/octet-stream\0x", 26);
    assert_int_equal(sca_register_classify(200, with_nul, 26, NULL, 0, &asks), SCA_REG_ACCEPTED);
}

static void test_excerpt(void **state)
{
    (void)state;
    char out[64];
    const char *b = "  invalid BCAST_Client_ID:\r\n\tbad\x01\xff sig  ";
    sca_register_excerpt((const uint8_t *)b, strlen(b), out, sizeof out);
    assert_string_equal(out, "invalid BCAST_Client_ID: bad.. sig");
    char small[8];
    sca_register_excerpt((const uint8_t *)"abcdefghijkl", 12, small, sizeof small);
    assert_string_equal(small, "abcd...");
    sca_register_excerpt((const uint8_t *)"abcdefg", 7, small, sizeof small);
    assert_string_equal(small, "abcdefg");
    sca_register_excerpt(NULL, 5, small, sizeof small);
    assert_string_equal(small, "");
    char one[1] = {'x'};
    sca_register_excerpt((const uint8_t *)"abc", 3, one, 1);
    assert_int_equal(one[0], '\0');
    char big[SCA_REGISTER_EXCERPT_MAX + 1];
    uint8_t body[1000];
    memset(body, 'A', sizeof body);
    sca_register_excerpt(body, sizeof body, big, sizeof big);
    assert_int_equal(strlen(big), SCA_REGISTER_EXCERPT_MAX);
    assert_string_equal(big + SCA_REGISTER_EXCERPT_MAX - 3, "...");
}

static void test_excerpt_trailing_space_trimmed(void **state)
{
    (void)state;
    char out[32];
    sca_register_excerpt((const uint8_t *)"a b \n", 5, out, sizeof out);
    assert_string_equal(out, "a b");
}

static void test_ua_header(void **state)
{
    (void)state;
    const uint8_t id[] = {0x4A, 0x09, 0x51, 0x24, 0xFF};
    char *h = sca_register_ua_header(id, sizeof id);
    assert_non_null(h);
    assert_string_equal(h, "User-Agent: BCAST_Client_ID=SglRJP8=");
    free(h);
    h = sca_register_ua_header(id, 3);
    assert_string_equal(h, "User-Agent: BCAST_Client_ID=SglR");
    free(h);
    uint8_t big[SCA_REGISTER_MAX_ID];
    memset(big, 0xFB, sizeof big);
    h = sca_register_ua_header(big, sizeof big);
    assert_non_null(h);
    assert_null(strchr(h, '\n')); /* one line, however long */
    assert_int_equal(strlen(h), strlen("User-Agent: BCAST_Client_ID=") + 4 * ((sizeof big + 2) / 3));
    free(h);
    assert_null(sca_register_ua_header(big, SCA_REGISTER_MAX_ID + 1)); /* refused before reading */
    assert_null(sca_register_ua_header(NULL, 4));
    assert_null(sca_register_ua_header(id, 0));
}

static void test_date_header(void **state)
{
    (void)state;
    char d[64];
    sca_register_date_header((time_t)1073556798, d, sizeof d); /* the CR's example date */
    assert_string_equal(d, "Date: Thu, 08 Jan 2004 10:13:18 GMT");
}

static void test_register_bad_args(void **state)
{
    (void)state;
    sca_register_result r;
    sca_error e;
    sca_register_opts o = {0};
    assert_int_equal(sca_register(&o, &r, &e), SCA_E_INVALID_ARG);
    assert_non_null(strstr(e.msg, "no NAF URL"));
    assert_null(r.upgrade_msg);
    o.url = "ftp://127.0.0.1/";
    assert_int_equal(sca_register(&o, &r, &e), SCA_E_INVALID_ARG);
    assert_non_null(strstr(e.msg, "not an http"));
    o.url = "http://127.0.0.1:9/";
    o.id_len = 5;
    assert_int_equal(sca_register(&o, &r, &e), SCA_E_INVALID_ARG);
    static const uint8_t id[SCA_REGISTER_MAX_ID + 1];
    o.client_id = id;
    o.id_len = sizeof id;
    assert_int_equal(sca_register(&o, &r, &e), SCA_E_INVALID_ARG);
    assert_non_null(strstr(e.msg, "limit"));
    o.id_len = 0;
    o.body_len = 3;
    assert_int_equal(sca_register(&o, &r, &e), SCA_E_INVALID_ARG);
    o.body_len = 0;
    o.content_type = "text/xml\r\nX-Injected: 1";
    assert_int_equal(sca_register(&o, &r, &e), SCA_E_INVALID_ARG);
    assert_non_null(strstr(e.msg, "content type"));
    o.content_type = NULL;
    o.timeout_ms = -1;
    assert_int_equal(sca_register(&o, &r, &e), SCA_E_INVALID_ARG);
    assert_int_equal(sca_register(NULL, &r, &e), SCA_E_INVALID_ARG);
    assert_int_equal(sca_register(&o, NULL, &e), SCA_E_INVALID_ARG);
    sca_register_result_free(NULL);
}

static void test_outcome_names(void **state)
{
    (void)state;
    assert_string_equal(sca_register_outcome_name(SCA_REG_ACCEPTED), "accepted");
    assert_string_equal(sca_register_outcome_name(SCA_REG_UPGRADE_OPTIONAL), "upgrade-optional");
    assert_string_equal(sca_register_outcome_name(SCA_REG_UPGRADE_CRITICAL), "upgrade-critical");
    assert_string_equal(sca_register_outcome_name(SCA_REG_REFUSED), "refused");
    assert_string_equal(sca_register_outcome_name((sca_register_outcome)42), "unknown");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_classify_statuses),
    cmocka_unit_test(test_classify_id_request),
    cmocka_unit_test(test_classify_content_types),
    cmocka_unit_test(test_excerpt),
    cmocka_unit_test(test_excerpt_trailing_space_trimmed),
    cmocka_unit_test(test_ua_header),
    cmocka_unit_test(test_date_header),
    cmocka_unit_test(test_register_bad_args),
    cmocka_unit_test(test_outcome_names),
};

RUN_SUITE("register", tests)
