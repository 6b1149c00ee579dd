/* LTKM arrival: the WAP push of the SMS bearer (seed 001 6.6.1) accepted in its encodings and refused otherwise,
 * every truncation; the decision for an LTKM (card, LTKM request, re-registration); UDP datagrams. */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mbms_msgs.h"
#include "scagent/mbms.h"

static const uint8_t BODY[] = {0x01, 0x00, 0x15, 0x00, 0xAB, 0xCD};

/* TID 42, Push, headers `h`, body BODY. */
static size_t pdu(const uint8_t *h, size_t hl, uint8_t *out)
{
    size_t n = 0;
    out[n++] = 0x42;
    out[n++] = 0x06;
    out[n++] = (uint8_t)hl; /* uintvar, < 128 here */
    memcpy(out + n, h, hl);
    n += hl;
    memcpy(out + n, BODY, sizeof BODY);
    return n + sizeof BODY;
}

static sca_rc parse(const uint8_t *h, size_t hl, sca_mbms_push *p, sca_error *err)
{
    uint8_t b[512];
    size_t n = pdu(h, hl, b);
    sca_rc rc = sca_mbms_push_parse(b, n, p, err);
    if (rc == SCA_OK) {
        assert_int_equal(p->body_len, sizeof BODY);
        assert_memory_equal(p->body, BODY, sizeof BODY);
        assert_int_equal(p->tid, 0x42);
    }
    return rc;
}

#define H(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void test_accepted(void **state)
{
    (void)state;
    sca_mbms_push p;
    sca_error err;
    /* the canonical form: D2, AF 93 */
    assert_int_equal(parse(H(0xD2, 0xAF, 0x93), &p, &err), SCA_OK);
    /* the content type as text, the app id as text */
    static const uint8_t t[] = "application/mikey\0\xAFx-oma-application:bcast.ua";
    assert_int_equal(parse(t, sizeof t, &p, &err), SCA_OK);
    /* general form with a charset parameter; the app id as a long integer */
    assert_int_equal(parse(H(0x03, 0xD2, 0x81, 0xEA, 0xAF, 0x01, 0x13), &p, &err), SCA_OK);
    /* general form with the media as text */
    static const uint8_t g[] = "\x12" "application/mikey\0\xAF\x93";
    assert_int_equal(parse(g, sizeof g - 1, &p, &err), SCA_OK);
    /* other headers skipped: short-integer, text, short length, uintvar length; app id as an application header */
    static const uint8_t o[] = "\xD2\x8D\x85\x91text\0\x92\x03\x01\x02\x03\x93\x1F\x02\xAA\xBB"
                               "X-Wap-Application-Id\0x-oma-application:bcast.ua";
    assert_int_equal(parse(o, sizeof o, &p, &err), SCA_OK);
    /* an unknown application header before it */
    static const uint8_t a[] = "\xD2X-Other\0value\0\xAF\x93";
    assert_int_equal(parse(a, sizeof a - 1, &p, &err), SCA_OK);
    /* quoted text (7F) */
    static const uint8_t q[] = "\x7F" "application/mikey\0\xAF\x93";
    assert_int_equal(parse(q, sizeof q - 1, &p, &err), SCA_OK);
}

static void expect_refused(const uint8_t *h, size_t hl, const char *piece)
{
    sca_mbms_push p;
    sca_error err;
    sca_rc rc = parse(h, hl, &p, &err);
    if (rc != SCA_E_PARSE || strstr(err.msg, piece) == NULL)
        print_error("rc %s: %s (want '%s')\n", sca_rc_name(rc), err.msg, piece);
    assert_int_equal(rc, SCA_E_PARSE);
    assert_non_null(strstr(err.msg, piece));
}

static void test_refused(void **state)
{
    (void)state;
    expect_refused(H(0xB0, 0xAF, 0x93), "0x52");                         /* another content type code */
    expect_refused(H(0xD2, 0xAF, 0x94), "another application");          /* another app id */
    expect_refused(H(0xD2, 0xAF, 0x01, 0x14), "another application");
    expect_refused(H(0xD2), "no X-Wap-Application-Id");
    expect_refused(H(0xD2, 0x8D, 0x85), "no X-Wap-Application-Id");
    expect_refused(H(0xD2, 0xAF, 0x93, 0xAF, 0x93), "two X-Wap-Application-Id");
    expect_refused(H(0xD2, 0x7F, 0x02, 0xAF, 0x93), "code page shift");
    expect_refused(H(0xD2, 0x01, 0xAF, 0x93), "code page shift");
    expect_refused(H(0xD2, 0x00, 0xAF, 0x93), "NUL");
    static const uint8_t t[] = "text/plain\0\xAF\x93";
    expect_refused(t, sizeof t - 1, "not application/mikey");
    static const uint8_t u[] = "\xD2\xAFx-wap-application:push.sia";
    expect_refused(u, sizeof u, "another application");
    expect_refused(H(0x05, 0xD2, 0xAF, 0x93), "runs past");              /* general form too long */
    expect_refused(H(0x00, 0xAF, 0x93), "empty");
    expect_refused(H(0xD2, 0xAF, 0x05, 0x13), "neither a code nor a text"); /* 5-octet long integer */
    expect_refused(H(0xD2, 0x92, 0x09, 0x01, 0xAF, 0x93), "runs past");   /* a header value beyond the headers */
    expect_refused(H(0xD2, 0x92, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), "too long");
    /* PDU type, headers length, body */
    sca_mbms_push p;
    sca_error err;
    uint8_t b[] = {0x42, 0x07, 0x03, 0xD2, 0xAF, 0x93, 0x01};
    assert_int_equal(sca_mbms_push_parse(b, sizeof b, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "not Push"));
    uint8_t nobody[] = {0x42, 0x06, 0x03, 0xD2, 0xAF, 0x93};
    assert_int_equal(sca_mbms_push_parse(nobody, sizeof nobody, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "no body"));
    uint8_t hl0[] = {0x42, 0x06, 0x00, 0x01};
    assert_int_equal(sca_mbms_push_parse(hl0, sizeof hl0, &p, &err), SCA_E_PARSE);
    uint8_t hl_long[] = {0x42, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    assert_int_equal(sca_mbms_push_parse(hl_long, sizeof hl_long, &p, &err), SCA_E_PARSE);
    uint8_t hl_beyond[] = {0x42, 0x06, 0x10, 0xD2, 0xAF, 0x93};
    assert_int_equal(sca_mbms_push_parse(hl_beyond, sizeof hl_beyond, &p, &err), SCA_E_PARSE);
    assert_int_equal(sca_mbms_push_parse(NULL, 0, &p, &err), SCA_E_PARSE);
}

/* Every prefix: refused until the headers are complete and one body byte is there, then accepted. */
static void test_truncations(void **state)
{
    (void)state;
    static const uint8_t o[] = "\x03\xD2\x81\xEA\x8D\x85\x91text\0\x92\x03\x01\x02\x03\x93\x1F\x02\xAA\xBB"
                               "\xAFx-oma-application:bcast.ua";
    uint8_t b[256];
    size_t n = pdu(o, sizeof o, b), hend = 3 + sizeof o;
    sca_mbms_push p;
    sca_error err;
    for (size_t i = 0; i < n; i++) {
        sca_rc rc = sca_mbms_push_parse(b, i, &p, &err);
        if (i <= hend) {
            assert_int_equal(rc, SCA_E_PARSE);
        } else {
            assert_int_equal(rc, SCA_OK);
            assert_int_equal(p.body_len, i - hend);
        }
    }
    /* every headers length other than the right one is refused (or shifts the body) */
    for (unsigned hl = 0; hl < sizeof o; hl++) {
        b[2] = (uint8_t)hl;
        assert_int_equal(sca_mbms_push_parse(b, n, &p, &err), SCA_E_PARSE);
    }
}

static void test_action(void **state)
{
    (void)state;
    sca_mbms_action a;
    sca_error err;
    size_t n;
    uint8_t *m = mbms_test_ltkm(7, 2, 32, 1, &n);
    assert_int_equal(sca_mbms_ltkm_action(m, n, &a, &err), SCA_OK);
    assert_int_equal(a.kind, SCA_MBMS_PROCESS_ON_CARD);
    assert_true(a.verification_requested);
    assert_int_equal(a.key_group, 7);
    assert_int_equal(a.key_number, 2);
    assert_int_equal(a.key_domain[0], 0x32);
    free(m);
    m = mbms_test_ltkm(7, 0, 0, 0, &n);
    assert_int_equal(sca_mbms_ltkm_action(m, n, &a, &err), SCA_OK);
    assert_int_equal(a.kind, SCA_MBMS_LTKM_REQUEST);
    assert_string_equal(sca_mbms_action_name(a.kind), "ltkm-request");
    free(m);
    m = mbms_test_ltkm(0, 0, 0, 0, &n);
    assert_int_equal(sca_mbms_ltkm_action(m, n, &a, &err), SCA_OK);
    assert_int_equal(a.kind, SCA_MBMS_REREGISTER_ALL_SERVICES);
    assert_non_null(strstr(sca_mbms_action_next(a.kind), "urn:allServices"));
    free(m);
    m = mbms_test_ltkm(7, 0, 0, 1, &n); /* V set: a normal update (near miss) */
    assert_int_equal(sca_mbms_ltkm_action(m, n, &a, &err), SCA_OK);
    assert_int_equal(a.kind, SCA_MBMS_PROCESS_ON_CARD);
    free(m);
    m = mbms_test_stkm(3, &n);
    assert_int_equal(sca_mbms_ltkm_action(m, n, &a, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "STKM"));
    free(m);
    uint8_t junk[] = {0x02, 0x00};
    assert_int_equal(sca_mbms_ltkm_action(junk, sizeof junk, &a, &err), SCA_E_PARSE);
}

static void test_udp(void **state)
{
    (void)state;
    int fd = -1;
    uint16_t port = 0;
    sca_error err;
    assert_int_equal(sca_mbms_udp_open("127.0.0.1", 0, &fd, &port, &err), SCA_OK);
    assert_true(port != 0);
    uint8_t buf[16];
    size_t n = 0;
    assert_int_equal(sca_mbms_udp_recv(fd, buf, sizeof buf, 30, &n, &err), SCA_E_TIMEOUT);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    uint8_t big[40] = {9};
    assert_int_equal(sendto(s, BODY, sizeof BODY, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)sizeof BODY);
    assert_int_equal(sendto(s, big, sizeof big, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)sizeof big);
    assert_int_equal(sendto(s, BODY, 0, 0, (struct sockaddr *)&to, sizeof to), 0);
    assert_int_equal(sca_mbms_udp_recv(fd, buf, sizeof buf, 1000, &n, &err), SCA_OK);
    assert_int_equal(n, sizeof BODY);
    assert_memory_equal(buf, BODY, n);
    assert_int_equal(sca_mbms_udp_recv(fd, buf, sizeof buf, 1000, &n, &err), SCA_E_PARSE); /* oversize */
    assert_non_null(strstr(err.msg, "40-byte"));
    assert_int_equal(sca_mbms_udp_recv(fd, buf, sizeof buf, 1000, &n, &err), SCA_E_PARSE); /* empty */
    close(s);
    close(fd);
    assert_int_equal(sca_mbms_udp_open("not-an-ip", 0, &fd, &port, &err), SCA_E_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_action),
        cmocka_unit_test(test_udp),
    };
    int failed = cmocka_run_group_tests_name("mbms-push", tests, NULL, NULL);
    printf("SUITE mbms-push passed=%zu failed=%d\n", sizeof tests / sizeof *tests - (size_t)failed, failed);
    return failed ? 1 : 0;
}
