/* scagentd protocol layer: framing, request parsing and its errors, id echo, answers, parameter schemas. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "methods.h"
#include "proto.h"
#include "schema.h"

/* --- framing --------------------------------------------------------------------------------------------- */

typedef struct lines {
    char got[16][256];
    int n;
} lines;

static void collect(const char *line, size_t len, void *ctx)
{
    lines *l = ctx;
    assert_true(l->n < 16);
    if (line == NULL)
        snprintf(l->got[l->n++], 256, "<OVERSIZE>");
    else
        snprintf(l->got[l->n++], 256, "%.*s", (int)len, line);
}

static void framing_split_and_crlf(void **state)
{
    (void)state;
    scd_framer f;
    lines l = {0};
    scd_framer_init(&f, 64);
    const char *in = "{\"a\":1}\r\n\n{\"b\"";
    assert_int_equal(scd_framer_feed(&f, in, strlen(in), collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.got[0], "{\"a\":1}");
    assert_true(scd_framer_partial(&f));
    assert_int_equal(scd_framer_feed(&f, ":2}\n", 4, collect, &l), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.got[1], "{\"b\":2}");
    assert_false(scd_framer_partial(&f));
    scd_framer_free(&f);
}

static void framing_byte_by_byte(void **state)
{
    (void)state;
    scd_framer f;
    lines l = {0};
    scd_framer_init(&f, 64);
    const char *in = "one\ntwo\nthree\n";
    for (size_t i = 0; i < strlen(in); i++)
        scd_framer_feed(&f, in + i, 1, collect, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.got[2], "three");
    scd_framer_free(&f);
}

static void framing_oversize_recovers(void **state)
{
    (void)state;
    scd_framer f;
    lines l = {0};
    scd_framer_init(&f, 8);
    /* exactly the limit passes; one more byte is too large, in one piece or across pieces */
    scd_framer_feed(&f, "12345678\n123456789\nok\n", 22, collect, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.got[0], "12345678");
    assert_string_equal(l.got[1], "<OVERSIZE>");
    assert_string_equal(l.got[2], "ok");
    scd_framer_feed(&f, "1234", 4, collect, &l);
    scd_framer_feed(&f, "56789abcdef", 11, collect, &l);
    assert_int_equal(l.n, 3); /* still inside the long line: nothing yet */
    assert_true(scd_framer_partial(&f));
    scd_framer_feed(&f, "xyz\nnext\n", 9, collect, &l);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.got[3], "<OVERSIZE>");
    assert_string_equal(l.got[4], "next");
    assert_true(f.cap <= 9); /* memory stays bounded by the limit */
    scd_framer_free(&f);
}

static void depth_skips_strings(void **state)
{
    (void)state;
    const char *s = "{\"a\":\"[[[{{{\\\"[[\",\"b\":[[1]]}";
    assert_int_equal(scd_json_depth(s, strlen(s)), 3);
    assert_int_equal(scd_json_depth("1", 1), 0);
}

/* --- requests -------------------------------------------------------------------------------------------- */

static int parse(const char *s, scd_request *r, scd_proto_error *e)
{
    return scd_request_parse(s, strlen(s), 8, r, e);
}

static void request_ok_and_defaults(void **state)
{
    (void)state;
    scd_request r;
    scd_proto_error e;
    assert_int_equal(parse("{\"id\":7,\"method\":\"info\"}", &r, &e), 0);
    assert_string_equal(r.method, "info");
    assert_int_equal(json_integer_value(r.id), 7);
    assert_true(json_is_object(r.params) && json_object_size(r.params) == 0);
    scd_request_free(&r);
    assert_int_equal(parse("{\"method\":\"x\",\"params\":{\"a\":1},\"id\":\"abc\"}", &r, &e), 0);
    assert_string_equal(json_string_value(r.id), "abc");
    scd_request_free(&r);
}

static void request_errors(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *code;
        int id_known;
    } cases[] = {
        {"not json", SCD_E_PARSE, 0},
        {"{\"id\":1,\"method\":\"a\"} trailing", SCD_E_PARSE, 0},
        {"{\"id\":1,\"id\":2,\"method\":\"a\"}", SCD_E_PARSE, 0},
        {"[1,2]", SCD_E_INVALID, 0},
        {"{\"method\":\"info\"}", SCD_E_INVALID, 0},
        {"{\"id\":1.5,\"method\":\"info\"}", SCD_E_INVALID, 0},
        {"{\"id\":null,\"method\":\"info\"}", SCD_E_INVALID, 0},
        {"{\"id\":[1],\"method\":\"info\"}", SCD_E_INVALID, 0},
        {"{\"id\":3}", SCD_E_INVALID, 1},
        {"{\"id\":3,\"method\":7}", SCD_E_INVALID, 1},
        {"{\"id\":3,\"method\":\"\"}", SCD_E_INVALID, 1},
        {"{\"id\":3,\"method\":\"a\",\"params\":[1]}", SCD_E_INVALID, 1},
        {"{\"id\":3,\"method\":\"a\",\"extra\":1}", SCD_E_INVALID, 1},
        {"{\"id\":3,\"method\":\"a\",\"params\":{\"x\":[[[[[[[[[1]]]]]]]]]}}", SCD_E_TOO_DEEP, 0},
        {"{\"id\":\"\\u0000\",\"method\":\"a\"}", SCD_E_PARSE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scd_request r;
        scd_proto_error e;
        assert_int_equal(parse(cases[i].in, &r, &e), -1);
        if (strcmp(e.code, cases[i].code) != 0)
            fail_msg("case %zu (%s): got %s, want %s", i, cases[i].in, e.code, cases[i].code);
        assert_int_equal(r.id != NULL, cases[i].id_known);
        assert_true(strlen(e.message) > 0);
        scd_request_free(&r);
    }
    /* a string id of 128 bytes is fine, 129 is not */
    char buf[400];
    snprintf(buf, sizeof buf, "{\"id\":\"%0128d\",\"method\":\"a\"}", 0);
    scd_request r;
    scd_proto_error e;
    assert_int_equal(parse(buf, &r, &e), 0);
    scd_request_free(&r);
    snprintf(buf, sizeof buf, "{\"id\":\"%0129d\",\"method\":\"a\"}", 0);
    assert_int_equal(parse(buf, &r, &e), -1);
    scd_request_free(&r);
}

static void answers_echo_id(void **state)
{
    (void)state;
    json_t *id = json_string("req-1");
    size_t n;
    json_t *o = scd_error(id, "wrong-pin", "wrong PIN, 2 tries left", 0x63C2);
    char *l = scd_dump_line(o, &n);
    assert_string_equal(l, "{\"id\":\"req-1\",\"error\":{\"code\":\"wrong-pin\",\"message\":\"wrong PIN, 2 tries "
                           "left\",\"sw\":\"63C2\"}}\n");
    assert_int_equal(n, strlen(l));
    free(l);
    json_decref(o);
    o = scd_result(NULL, json_pack("{s:s}", "x", "a\nb\xc3\xa9"));
    l = scd_dump_line(o, &n);
    /* one line, ASCII only: embedded newlines and non-ASCII are escaped */
    assert_string_equal(l, "{\"id\":null,\"result\":{\"x\":\"a\\nb\\u00E9\"}}\n");
    free(l);
    json_decref(o);
    o = scd_event("card-removed", NULL);
    l = scd_dump_line(o, &n);
    assert_string_equal(l, "{\"event\":\"card-removed\"}\n");
    free(l);
    json_decref(o);
    json_decref(id);
}

/* --- schemas --------------------------------------------------------------------------------------------- */

static int check(const scd_param *s, const char *json, char *msg)
{
    json_t *p = json_loads(json, 0, NULL);
    assert_non_null(p);
    int r = scd_params_check(s, p, 1000, msg, 200);
    json_decref(p);
    return r;
}

static void schema_types_and_bounds(void **state)
{
    (void)state;
    static const scd_param s[] = {{"s", SCD_P_STR, 1, 1, 4}, {"i", SCD_P_INT, 0, 0, 10},
                                  {"b", SCD_P_BOOL, 0, 0, 0},  {"x", SCD_P_B64, 0, 1, 3},
                                  {"h", SCD_P_HEX, 0, 2, 2},   {"d", SCD_P_DIGITS, 0, 4, 8},
                                  {"id", SCD_P_ID, 0, 0, 0},   {NULL, 0, 0, 0, 0}};
    char msg[200];
    assert_int_equal(check(s, "{\"s\":\"ab\"}", msg), 0);
    assert_int_equal(check(s, "{\"s\":\"ab\",\"i\":10,\"b\":true,\"x\":\"AAAA\",\"h\":\"0aFF\",\"d\":\"1234\","
                              "\"id\":\"q\",\"deadline_ms\":5}",
                           msg),
                     0);
    static const struct {
        const char *in, *want;
    } bad[] = {
        {"{}", "missing parameter \"s\""},
        {"{\"s\":\"\"}", "\"s\" must be 1..4"},
        {"{\"s\":\"abcde\"}", "\"s\" must be 1..4"},
        {"{\"s\":1}", "\"s\" must be a string"},
        {"{\"s\":\"a\",\"i\":11}", "\"i\" must be 0..10"},
        {"{\"s\":\"a\",\"i\":\"1\"}", "\"i\" must be an integer"},
        {"{\"s\":\"a\",\"b\":1}", "\"b\" must be a boolean"},
        {"{\"s\":\"a\",\"x\":\"AAA\"}", "not canonical Base64"},
        {"{\"s\":\"a\",\"x\":\"AB==\"}", "not canonical Base64"}, /* unused bits set */
        {"{\"s\":\"a\",\"x\":\"AAAAAA==\"}", "\"x\" must be 1..3 bytes"},
        {"{\"s\":\"a\",\"h\":\"0g11\"}", "hex digits"},
        {"{\"s\":\"a\",\"h\":\"001\"}", "hex digits"},
        {"{\"s\":\"a\",\"d\":\"12a4\"}", "decimal digits"},
        {"{\"s\":\"a\",\"id\":1.5}", "\"id\" must be an integer or a string"},
        {"{\"s\":\"a\",\"zz\":1}", "unknown parameter \"zz\""},
        {"{\"s\":\"a\",\"deadline_ms\":0}", "\"deadline_ms\" must be 1..1000"},
        {"{\"s\":\"a\",\"deadline_ms\":1001}", "\"deadline_ms\" must be 1..1000"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(check(s, bad[i].in, msg), -1);
        if (strstr(msg, bad[i].want) == NULL)
            fail_msg("case %s: message '%s' lacks '%s'", bad[i].in, msg, bad[i].want);
    }
}

static void b64_lengths(void **state)
{
    (void)state;
    assert_int_equal(scd_b64_len("", 0), 0);
    assert_int_equal(scd_b64_len("AA==", 4), 1);
    assert_int_equal(scd_b64_len("AAA=", 4), 2);
    assert_int_equal(scd_b64_len("AAAA", 4), 3);
    assert_int_equal(scd_b64_len("A===", 4), -1);
    assert_int_equal(scd_b64_len("AA=A", 4), -1);
    assert_int_equal(scd_b64_len("AA\nA", 4), -1);
}

/* Every method's schema is well-formed: names unique, bounds ordered; every non-local method has a handler. */
static void method_table_consistent(void **state)
{
    (void)state;
    for (size_t i = 0; i < scd_method_count; i++) {
        const scd_method *m = &scd_methods[i];
        assert_ptr_equal(scd_method_find(m->name), m);
        assert_true((m->flags & SCD_M_LOCAL) ? m->run == NULL : m->run != NULL);
        for (const scd_param *p = m->params; p->name; p++) {
            assert_true(p->min <= p->max || p->type == SCD_P_BOOL || p->type == SCD_P_ID);
            for (const scd_param *q = p + 1; q->name; q++)
                assert_string_not_equal(p->name, q->name);
        }
    }
    assert_null(scd_method_find("nope"));
    assert_non_null(scd_method_find("mbms.stkm"));
    assert_non_null(scd_method_find("mbms.ltkm"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(framing_split_and_crlf),   cmocka_unit_test(framing_byte_by_byte),
    cmocka_unit_test(framing_oversize_recovers), cmocka_unit_test(depth_skips_strings),
    cmocka_unit_test(request_ok_and_defaults),  cmocka_unit_test(request_errors),
    cmocka_unit_test(answers_echo_id),          cmocka_unit_test(schema_types_and_bounds),
    cmocka_unit_test(b64_lengths),              cmocka_unit_test(method_table_consistent),
};
RUN_SUITE("daemon-proto", tests)
