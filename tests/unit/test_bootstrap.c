/* DM bootstrap security on the host: every SEC value against the vectors computed with the openssl command line
 * (tests/vectors/dm-bootstrap), the IMSI in semi-octets, key rules, wrong keys and tampered bodies, the text and the
 * WSP header parsers (variants, malformed input, truncation at every byte), WAP push PDUs, and decoding only what
 * verified. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "scagent/bootstrap.h"
#include "scagent/log.h"
#include "vectors.h"

/* --- the vectors ------------------------------------------------------------------------------------------ */

static vectors vec = {.path = "tests/vectors/dm-bootstrap/vectors.txt"};
static uint8_t *body;
static size_t body_len;

static uint8_t *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/vectors/dm-bootstrap/%s", vectors_root(), name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(65536);
    assert_non_null(b);
    *len = fread(b, 1, 65536, f);
    fclose(f);
    return b;
}

static void free_body(void)
{
    free(body);
}

/* The vectors, and (read with them, once) the WBXML body they were computed over. */
static const char *get(const char *key)
{
    if (body == NULL) {
        body = slurp("bootstrap.wbxml", &body_len);
        atexit(free_body);
        assert_int_equal(body_len, atoi(vectors_get(&vec, "body_len")));
    }
    return vectors_get(&vec, key);
}

static const char *getf(const char *id, const char *field)
{
    char k[128];
    snprintf(k, sizeof k, "%s.%s", id, field);
    return get(k);
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    long n = sca_hex_decode(h, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

static void hex_eq(const uint8_t *b, size_t n, const char *expected)
{
    char h[600];
    assert_true(n < 290);
    sca_hex_encode(b, n, h, 0);
    assert_string_equal(h, expected);
}

/* the inputs of each vector: PIN and network secret as a user would give them */
static const struct {
    const char *id;
    sca_dmboot_sec sec;
    int pin;
    const char *imsi_key, *esn_key; /* vectors.txt names of the IMSI or ESN, or NULL */
    int ks_naf;
} cases[] = {
    {"networkid", SCA_DMBOOT_SEC_NETWORKID, 0, "imsi_odd", NULL, 0},
    {"networkid_even", SCA_DMBOOT_SEC_NETWORKID, 0, "imsi_even", NULL, 0},
    {"networkid_esn", SCA_DMBOOT_SEC_NETWORKID, 0, NULL, "esn", 0},
    {"userpin", SCA_DMBOOT_SEC_USERPIN, 1, NULL, NULL, 0},
    {"userpin_networkid", SCA_DMBOOT_SEC_USERPIN_NETWORKID, 1, "imsi_odd", NULL, 0},
    {"networkid_gba", SCA_DMBOOT_SEC_NETWORKID_GBA, 0, NULL, NULL, 1},
    {"userpin_networkid_gba", SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA, 1, NULL, NULL, 1},
};

/* the network secret of case i into out */
static size_t network_of(size_t i, uint8_t *out)
{
    size_t n = 0;
    if (cases[i].imsi_key != NULL)
        assert_int_equal(sca_dmboot_imsi_secret(get(cases[i].imsi_key), out, &n, NULL), SCA_OK);
    else if (cases[i].esn_key != NULL) {
        assert_int_equal(sca_dmboot_esn_secret(get(cases[i].esn_key), out, NULL), SCA_OK);
        n = 4;
    } else if (cases[i].ks_naf)
        n = unhex(get("ks_naf"), out, 64);
    return n;
}

/* --- every SEC value against the vectors -------------------------------------------------------------------- */

static void test_vectors_every_sec(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sca_error err;
        sca_dmboot_header h;
        assert_int_equal(sca_dmboot_header_parse(getf(cases[i].id, "content_type"), &h, &err), SCA_OK);
        assert_true(h.media_ok);
        assert_int_equal(h.sec, cases[i].sec);
        assert_string_equal(sca_dmboot_sec_name(h.sec), getf(cases[i].id, "sec"));
        assert_int_equal(h.sec_code, -1);
        hex_eq(h.mac, sizeof h.mac, getf(cases[i].id, "mac"));

        uint8_t net[64];
        size_t net_len = network_of(i, net);
        const char *pin = cases[i].pin ? get("pin") : NULL;
        sca_dmboot_key key;
        assert_int_equal(sca_dmboot_key_make(h.sec, pin, net_len ? net : NULL, net_len, &key, &err), SCA_OK);
        hex_eq(key.bytes, key.len, getf(cases[i].id, "key"));

        /* the library's HMAC is openssl's */
        uint8_t mac[SCA_DMBOOT_MAC_SIZE];
        assert_int_equal(sca_dmboot_mac(key.bytes, key.len, body, body_len, mac, &err), SCA_OK);
        hex_eq(mac, sizeof mac, getf(cases[i].id, "mac"));

        sca_dmboot_verified *v = NULL;
        assert_int_equal(sca_dmboot_verify(&h, key.bytes, key.len, body, body_len, &v, &err), SCA_OK);
        sca_dmboot_key_wipe(&key);
        assert_int_equal(key.len, 0);
        assert_int_equal(sca_dmboot_verified_sec(v), cases[i].sec);
        size_t n;
        const uint8_t *b = sca_dmboot_verified_body(v, &n);
        assert_int_equal(n, body_len);
        assert_memory_equal(b, body, n);
        assert_true(b != body); /* a private copy */
        char *xml = NULL;
        size_t xml_len = 0;
        assert_int_equal(sca_dmboot_decode(v, &xml, &xml_len, &err), SCA_OK);
        assert_int_equal(strlen(xml), xml_len);
        assert_non_null(strstr(xml, "<SyncML"));
        assert_non_null(strstr(xml, "./DMAcc/scagent/ServerID"));
        assert_non_null(strstr(xml, "dm.example.com"));
        free(xml);
        sca_dmboot_verified_free(v);

        /* the same through verify_with */
        assert_int_equal(sca_dmboot_verify_with(&h, pin, net_len ? net : NULL, net_len, body, body_len, &v, &err),
                         SCA_OK);
        sca_dmboot_verified_free(v);
    }
}

/* --- keys --------------------------------------------------------------------------------------------------- */

static void imsi_is(const char *imsi, const char *hex)
{
    uint8_t k[SCA_DMBOOT_IMSI_KEY_MAX];
    size_t n = 0;
    assert_int_equal(sca_dmboot_imsi_secret(imsi, k, &n, NULL), SCA_OK);
    hex_eq(k, n, hex);
}

static void test_imsi_semi_octets(void **state)
{
    (void)state;
    /* odd digit counts: low nibble 1001 (odd, IMSI) then the digits; host-patterns 5.3 and Funambol's TestMac */
    imsi_is("123456789012345", "1932547698103254");
    imsi_is("310260801674539", "3901628010765493");
    imsi_is("404020506708200", "4940205060072800");
    imsi_is("1234567", "19325476");
    /* even counts: low nibble 0001 (even, IMSI), F filler in the last high nibble */
    imsi_is("21407650123456", "21417056103254F6");
    imsi_is("123456", "113254F6");
    imsi_is("12345678901234", "11325476981032F4");
    const char *bad[] = {"", "12345", "1234567890123456", "12345678901234a", " 123456789012345", "+12345678",
                         "12 345678"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t k[SCA_DMBOOT_IMSI_KEY_MAX];
        size_t n = 0;
        sca_error err;
        assert_int_equal(sca_dmboot_imsi_secret(bad[i], k, &n, &err), SCA_E_INVALID_ARG);
        assert_non_null(strstr(err.msg, "6 to 15 decimal digits"));
    }
    uint8_t k[8];
    size_t n;
    assert_int_equal(sca_dmboot_imsi_secret(NULL, k, &n, NULL), SCA_E_INVALID_ARG);
}

static void test_esn(void **state)
{
    (void)state;
    uint8_t k[4];
    assert_int_equal(sca_dmboot_esn_secret("8E012345", k, NULL), SCA_OK);
    hex_eq(k, 4, "8E012345");
    assert_int_equal(sca_dmboot_esn_secret("8e01abcd", k, NULL), SCA_OK);
    hex_eq(k, 4, "8E01ABCD");
    const char *bad[] = {"", "8E01234", "8E0123456", "8E01234G", "8E 12345"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sca_dmboot_esn_secret(bad[i], k, NULL), SCA_E_INVALID_ARG);
}

static void key_refused(sca_dmboot_sec sec, const char *pin, const uint8_t *net, size_t len, const char *why)
{
    sca_dmboot_key key;
    sca_error err;
    assert_int_equal(sca_dmboot_key_make(sec, pin, net, len, &key, &err), SCA_E_INVALID_ARG);
    if (strstr(err.msg, why) == NULL)
        fail_msg("'%s' does not say '%s'", err.msg, why);
    assert_int_equal(key.len, 0);
}

static void test_key_rules(void **state)
{
    (void)state;
    uint8_t ks[32] = {0}, imsi[8] = {0x39, 0x01, 0x62, 0x80, 0x10, 0x76, 0x54, 0x93};
    char long_pin[70];
    memset(long_pin, '7', sizeof long_pin - 1);
    long_pin[sizeof long_pin - 1] = 0;
    key_refused(SCA_DMBOOT_SEC_NONE, "1234", NULL, 0, "no security method");
    key_refused((sca_dmboot_sec)42, "1234", NULL, 0, "no security method");
    key_refused(SCA_DMBOOT_SEC_NETWORKID, NULL, NULL, 0, "network secret");
    key_refused(SCA_DMBOOT_SEC_NETWORKID, "1234", imsi, 8, "uses no PIN");
    key_refused(SCA_DMBOOT_SEC_USERPIN, NULL, NULL, 0, "needs the user PIN");
    key_refused(SCA_DMBOOT_SEC_USERPIN, "", NULL, 0, "needs the user PIN");
    key_refused(SCA_DMBOOT_SEC_USERPIN, "1234", imsi, 8, "uses only the user PIN");
    key_refused(SCA_DMBOOT_SEC_USERPIN, "12\n34", NULL, 0, "printable ASCII");
    key_refused(SCA_DMBOOT_SEC_USERPIN, long_pin, NULL, 0, "at most 64");
    key_refused(SCA_DMBOOT_SEC_USERPIN_NETWORKID, "1234", NULL, 0, "network secret");
    key_refused(SCA_DMBOOT_SEC_USERPIN_NETWORKID, NULL, imsi, 8, "needs the user PIN");
    key_refused(SCA_DMBOOT_SEC_NETWORKID_GBA, NULL, ks, 31, "Ks_NAF");
    key_refused(SCA_DMBOOT_SEC_NETWORKID_GBA, NULL, imsi, 8, "Ks_NAF");
    key_refused(SCA_DMBOOT_SEC_NETWORKID_GBA, NULL, NULL, 0, "Ks_NAF");
    key_refused(SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA, "1234", ks, 33, "Ks_NAF");
    uint8_t big[65] = {0};
    key_refused(SCA_DMBOOT_SEC_NETWORKID, NULL, big, 65, "network secret");
    /* the largest key: 64-character PIN, ':', 64 bytes */
    sca_dmboot_key key;
    long_pin[64] = 0;
    assert_int_equal(sca_dmboot_key_make(SCA_DMBOOT_SEC_USERPIN_NETWORKID, long_pin, big, 64, &key, NULL), SCA_OK);
    assert_int_equal(key.len, SCA_DMBOOT_KEY_MAX);
    assert_int_equal(key.bytes[64], ':');
    sca_dmboot_key_wipe(&key);
    assert_int_equal(sca_dmboot_key_make(SCA_DMBOOT_SEC_USERPIN, "1234", NULL, 0, NULL, NULL), SCA_E_INVALID_ARG);
}

/* --- wrong keys, tampered bodies ------------------------------------------------------------------------------ */

static sca_dmboot_header header_of(const char *id)
{
    sca_dmboot_header h;
    assert_int_equal(sca_dmboot_header_parse(getf(id, "content_type"), &h, NULL), SCA_OK);
    return h;
}

static void refused_crypto(const sca_dmboot_header *h, const char *pin, const uint8_t *net, size_t net_len,
                           const uint8_t *b, size_t n)
{
    sca_error err;
    sca_dmboot_verified *v = (sca_dmboot_verified *)1;
    assert_int_equal(sca_dmboot_verify_with(h, pin, net, net_len, b, n, &v, &err), SCA_E_CRYPTO);
    assert_null(v);
    assert_non_null(strstr(err.msg, "does not verify"));
    assert_non_null(strstr(err.msg, "refused"));
}

static void test_wrong_key(void **state)
{
    (void)state;
    sca_dmboot_header h = header_of("networkid");
    uint8_t k[SCA_DMBOOT_IMSI_KEY_MAX];
    size_t n;
    assert_int_equal(sca_dmboot_imsi_secret("310260801674538", k, &n, NULL), SCA_OK); /* last digit off */
    refused_crypto(&h, NULL, k, n, body, body_len);
    /* the IMSI as ASCII digits (the Funambol "plain text" variant) is not our NETWORKID */
    refused_crypto(&h, NULL, (const uint8_t *)"310260801674539", 15, body, body_len);
    /* the semi-octets padded with FF to 9 bytes, or with the EF_IMSI length byte in front */
    assert_int_equal(sca_dmboot_imsi_secret(get("imsi_odd"), k, &n, NULL), SCA_OK);
    uint8_t with_len[9] = {0x08};
    memcpy(with_len + 1, k, 8);
    refused_crypto(&h, NULL, with_len, 9, body, body_len);

    h = header_of("userpin");
    refused_crypto(&h, "1235", NULL, 0, body, body_len);
    refused_crypto(&h, "12345", NULL, 0, body, body_len);
    h = header_of("userpin_networkid");
    /* ProvBoot's USERNETWPIN order (network secret then PIN, no ':') is not DM's "PIN:secret" */
    sca_dmboot_key key;
    assert_int_equal(sca_dmboot_key_make(SCA_DMBOOT_SEC_USERPIN_NETWORKID, "1234", k, 8, &key, NULL), SCA_OK);
    uint8_t provboot[12];
    memcpy(provboot, k, 8);
    memcpy(provboot + 8, "1234", 4);
    sca_dmboot_verified *v = NULL;
    assert_int_equal(sca_dmboot_verify(&h, provboot, sizeof provboot, body, body_len, &v, NULL), SCA_E_CRYPTO);
    assert_int_equal(sca_dmboot_verify(&h, key.bytes, key.len, body, body_len, &v, NULL), SCA_OK);
    sca_dmboot_verified_free(v);
    sca_dmboot_key_wipe(&key);
    refused_crypto(&h, "4321", k, 8, body, body_len);
    h = header_of("networkid_gba");
    uint8_t ks[32];
    unhex(get("ks_naf"), ks, 32);
    ks[31] ^= 1;
    refused_crypto(&h, NULL, ks, 32, body, body_len);
}

static void test_tampered_body(void **state)
{
    (void)state;
    sca_dmboot_header h = header_of("userpin");
    uint8_t *b = malloc(body_len + 1);
    assert_non_null(b);
    for (size_t i = 0; i < body_len; i++) { /* every byte, one bit each */
        memcpy(b, body, body_len);
        b[i] ^= (uint8_t)(1u << (i % 8));
        refused_crypto(&h, "1234", NULL, 0, b, body_len);
    }
    memcpy(b, body, body_len);
    refused_crypto(&h, "1234", NULL, 0, b, body_len - 1); /* truncated */
    b[body_len] = 0x01;
    refused_crypto(&h, "1234", NULL, 0, b, body_len + 1); /* extended */
    /* a changed MAC */
    h.mac[19] ^= 0x80;
    refused_crypto(&h, "1234", NULL, 0, body, body_len);
    free(b);
}

static void test_verify_refuses(void **state)
{
    (void)state;
    sca_error err;
    sca_dmboot_verified *v = NULL;
    sca_dmboot_header h = header_of("userpin");
    assert_int_equal(sca_dmboot_verify_with(&h, "1234", NULL, 0, body, 0, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "empty body"));
    assert_int_equal(sca_dmboot_verify_with(&h, "1234", NULL, 0, NULL, 10, &v, &err), SCA_E_PARSE);
    assert_int_equal(sca_dmboot_verify(&h, NULL, 0, body, body_len, &v, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "the PIN"));
    assert_int_equal(sca_dmboot_verify(NULL, (const uint8_t *)"1234", 4, body, body_len, &v, &err),
                     SCA_E_INVALID_ARG);
    assert_int_equal(sca_dmboot_verify(&h, (const uint8_t *)"1234", 4, body, body_len, NULL, &err),
                     SCA_E_INVALID_ARG);
    uint8_t *big = calloc(1, SCA_DMBOOT_BODY_MAX + 1);
    assert_non_null(big);
    assert_int_equal(sca_dmboot_verify_with(&h, "1234", NULL, 0, big, SCA_DMBOOT_BODY_MAX + 1, &v, &err),
                     SCA_E_PARSE);
    free(big);
    /* not the DM media type: refused before any key is needed */
    assert_int_equal(sca_dmboot_header_parse("application/vnd.syncml.dm+xml; SEC=USERPIN; MAC=" /* */
                                             "07145892AE950BA8584AC1513CEF7EF561B5EC66",
                                             &h, &err),
                     SCA_OK);
    assert_false(h.media_ok);
    assert_int_equal(sca_dmboot_verify_with(&h, "1234", NULL, 0, body, body_len, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "not a DM bootstrap message"));
    assert_int_equal(sca_dmboot_verify_with(&h, NULL, NULL, 0, body, body_len, &v, &err), SCA_E_PARSE);
    h.media_ok = 1;
    h.sec = SCA_DMBOOT_SEC_NONE;
    assert_int_equal(sca_dmboot_verify(&h, (const uint8_t *)"1234", 4, body, body_len, &v, &err), SCA_E_PARSE);
    assert_null(v);
}

static void test_decode_needs_verified(void **state)
{
    (void)state;
    sca_error err;
    char *xml = (char *)1;
    assert_int_equal(sca_dmboot_decode(NULL, &xml, NULL, &err), SCA_E_INVALID_ARG);
    assert_null(xml);
    assert_int_equal(sca_dmboot_verified_sec(NULL), SCA_DMBOOT_SEC_NONE);
    size_t n = 1;
    assert_null(sca_dmboot_verified_body(NULL, &n));
    assert_int_equal(n, 0);
    sca_dmboot_verified_free(NULL);
    /* authentic but not WBXML: verifies, does not decode */
    static const uint8_t junk[] = {0x02, 0xA4, 0x01, 0x6A, 0x00, 0x6D, 0x6C, 0xC3, 0x7F, 0x01};
    sca_dmboot_header h = {1, SCA_DMBOOT_SEC_USERPIN, -1, {0}};
    assert_int_equal(sca_dmboot_mac((const uint8_t *)"1234", 4, junk, sizeof junk, h.mac, &err), SCA_OK);
    sca_dmboot_verified *v = NULL;
    assert_int_equal(sca_dmboot_verify_with(&h, "1234", NULL, 0, junk, sizeof junk, &v, &err), SCA_OK);
    assert_int_equal(sca_dmboot_decode(v, &xml, NULL, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "does not decode"));
    assert_null(xml);
    sca_dmboot_verified_free(v);
    assert_int_equal(sca_dmboot_mac(NULL, 0, junk, sizeof junk, h.mac, &err), SCA_E_INVALID_ARG);
}

/* --- the text header -------------------------------------------------------------------------------------------- */

#define MAC_UP "6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009E41" /* networkid.mac */
#define MAC_LO "6aec57ad0b495b51cc8d4d0c2c2edf3e17009e41"
#define MAC_MIX "6aEC57ad0B495b51CC8d4D0c2C2eDF3e17009E41"

static void parses(const char *value, sca_dmboot_sec sec, int media_ok)
{
    sca_dmboot_header h;
    sca_error err;
    if (sca_dmboot_header_parse(value, &h, &err) != SCA_OK)
        fail_msg("refused [%s]: %s", value, err.msg);
    assert_int_equal(h.sec, sec);
    assert_int_equal(h.media_ok, media_ok);
    hex_eq(h.mac, sizeof h.mac, MAC_UP);
}

static void refused(const char *value, const char *why)
{
    sca_dmboot_header h;
    sca_error err;
    if (sca_dmboot_header_parse(value, &h, &err) != SCA_E_PARSE)
        fail_msg("accepted [%s]", value);
    if (strstr(err.msg, why) == NULL)
        fail_msg("[%s]: '%s' does not say '%s'", value, err.msg, why);
}

static void test_header_variants(void **state)
{
    (void)state;
    const sca_dmboot_sec N = SCA_DMBOOT_SEC_NETWORKID;
    parses("application/vnd.syncml.dm+wbxml; SEC=NETWORKID; MAC=" MAC_UP, N, 1);
    parses("application/vnd.syncml.dm+wbxml;SEC=NETWORKID;MAC=" MAC_UP, N, 1);
    parses("application/vnd.syncml.dm+wbxml; MAC=" MAC_UP "; SEC=NETWORKID", N, 1);        /* order */
    parses("Content-Type: application/vnd.syncml.dm+wbxml; SEC=NETWORKID; MAC=" MAC_UP, N, 1);
    parses("content-type:application/vnd.syncml.dm+wbxml;SEC=NETWORKID;MAC=" MAC_UP, N, 1);
    parses("CONTENT-TYPE \t:  APPLICATION/VND.SYNCML.DM+WBXML; sec=networkid; mac=" MAC_UP, N, 1); /* case */
    parses("Application/Vnd.SyncML.DM+WBXML; Sec=NetworkId; Mac=" MAC_LO, N, 1);             /* lower hex */
    parses("application/vnd.syncml.dm+wbxml; SEC=NETWORKID; MAC=" MAC_MIX, N, 1);           /* mixed hex */
    parses("  application/vnd.syncml.dm+wbxml \t ;\t SEC = NETWORKID ; MAC\t=\t" MAC_UP " \t", N, 1);
    parses("application/vnd.syncml.dm+wbxml; SEC=\"NETWORKID\"; MAC=\"" MAC_UP "\"", N, 1); /* quoted */
    parses("application/vnd.syncml.dm+wbxml; SEC=\"NET\\WORK\\ID\"; MAC=\"\\6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009E4\\1\"",
           N, 1);                                                                           /* escapes */
    parses("application/vnd.syncml.dm+wbxml; charset=utf-8; SEC=NETWORKID; x-y=\"a;b=\\\"c\\\\\"; MAC=" MAC_UP
           "; level=1",
           N, 1);                                                                           /* others */
    parses("application/vnd.syncml.dm+wbxml;; SEC=NETWORKID ;;; MAC=" MAC_UP ";", N, 1);    /* empty ones */
    parses("application/vnd.syncml.dm+wbxml; other=\"\xC3\xA9\"; SEC=NETWORKID; MAC=" MAC_UP, N, 1); /* obs-text */
    parses("application/vnd.syncml.dm+wbxml; SEC=USERPIN; MAC=" MAC_UP, SCA_DMBOOT_SEC_USERPIN, 1);
    parses("application/vnd.syncml.dm+wbxml; SEC=userpin_networkid; MAC=" MAC_UP, SCA_DMBOOT_SEC_USERPIN_NETWORKID,
           1);
    parses("application/vnd.syncml.dm+wbxml; SEC=NETWORKID_GBA; MAC=" MAC_UP, SCA_DMBOOT_SEC_NETWORKID_GBA, 1);
    parses("application/vnd.syncml.dm+wbxml; SEC=USERPIN_NETWORKID_GBA; MAC=" MAC_UP,
           SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA, 1);
    /* other media types parse, flagged */
    parses("application/vnd.syncml.dm+xml; SEC=NETWORKID; MAC=" MAC_UP, N, 0);
    parses("application/vnd.wap.connectivity-wbxml; SEC=NETWORKID; MAC=" MAC_UP, N, 0);
}

static void test_header_wrong_format(void **state)
{
    (void)state;
    const char *ct = "application/vnd.syncml.dm+wbxml; ";
    char b[512];
#define R(tail, why)                                                                                              \
    do {                                                                                                           \
        snprintf(b, sizeof b, "%s%s", ct, tail);                                                                   \
        refused(b, why);                                                                                           \
    } while (0)
    R("SEC=FOO; MAC=" MAC_UP, "unknown SEC value 'FOO'");
    R("SEC=NETWPIN; MAC=" MAC_UP, "unknown SEC value 'NETWPIN'"); /* a CP name in text */
    R("SEC=NETWORKID_; MAC=" MAC_UP, "unknown SEC value");
    R("SEC=\"\"; MAC=" MAC_UP, "unknown SEC value ''");
    R("SEC=0; MAC=" MAC_UP, "unknown SEC value '0'");
    char long_sec[200];
    memset(long_sec, 'A', 164);
    long_sec[164] = 0;
    snprintf(b, sizeof b, "%sSEC=\"%s\"; MAC=%s", ct, long_sec, MAC_UP);
    refused(b, "the SEC value has 164 characters");
    R("SEC=NETWORKID; MAC=6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009E4", "39 characters");
    R("SEC=NETWORKID; MAC=6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009E411", "41 characters");
    R("SEC=NETWORKID; MAC=6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009E4G", "not a hex digit at position 40");
    R("SEC=NETWORKID; MAC=0x6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009E", "not a hex digit at position 2");
    R("SEC=NETWORKID; MAC=\"6AEC57AD0B495B51CC8D 4D0C2C2EDF3E17009E41\"", "41 characters");
    R("SEC=NETWORKID; MAC=\"\"", "0 characters");
    R("SEC=NETWORKID; MAC=\"" MAC_UP MAC_UP MAC_UP MAC_UP "\"", "160 characters");
    R("SEC=NETWORKID", "no MAC parameter");
    R("SEC=NETWORKID; mac2=" MAC_UP, "no MAC parameter");
    R("MAC=" MAC_UP, "no SEC parameter");
    R("SEC=NETWORKID; SEC=NETWORKID; MAC=" MAC_UP, "SEC twice");
    R("SEC=NETWORKID; MAC=" MAC_UP "; sec=USERPIN", "SEC twice");
    R("SEC=NETWORKID; MAC=" MAC_UP "; MAC=" MAC_UP, "MAC twice");
    R("SEC=NETWORKID; MAC=" MAC_UP "; Mac=\"\"", "MAC twice");
    /* syntax */
    R("SEC; MAC=" MAC_UP, "'=' after the parameter name");
    R("SEC=; MAC=" MAC_UP, "a parameter value");
    R("SEC=NETWORKID MAC=" MAC_UP, "';' before the next parameter");
    R("SEC=NETWORKID, MAC=" MAC_UP, "';' before the next parameter");
    R("SEC=\"NETWORKID; MAC=" MAC_UP, "closing '\"'");
    R("SEC=\"NETWORKID\\", "closing '\"'");
    R("SEC=NETWORKID; MAC=" MAC_UP "\r\nX: y", "byte 0x0D");
    R("SEC=\"NET\nWORKID\"; MAC=" MAC_UP, "byte 0x0A");
    R("=NETWORKID; MAC=" MAC_UP, "a parameter name");
    R("S\xC3\xA9" "C=NETWORKID; MAC=" MAC_UP, "'=' after the parameter name");
#undef R
    refused("", "a media type");
    refused("Content-Type:", "a media type");
    refused("application; SEC=NETWORKID; MAC=" MAC_UP, "'/' in the media type");
    refused("application/; SEC=NETWORKID; MAC=" MAC_UP, "the media subtype");
    refused("Content-Typo: application/vnd.syncml.dm+wbxml; SEC=NETWORKID; MAC=" MAC_UP, "'/' in the media type");
    refused("application /vnd.syncml.dm+wbxml; SEC=NETWORKID; MAC=" MAC_UP, "'/' in the media type");
    refused("application/vnd.syncml.dm+wbxml", "no SEC parameter");
    sca_dmboot_header h;
    assert_int_equal(sca_dmboot_header_parse(NULL, &h, NULL), SCA_E_INVALID_ARG);
    assert_int_equal(sca_dmboot_header_parse("a/b", NULL, NULL), SCA_E_INVALID_ARG);
}

/* --- the WSP header ------------------------------------------------------------------------------------------ */

/* a Content-type value from hex and text pieces: "H:..." hex, "T:..." text + 00 */
static size_t build(uint8_t *out, const char *const *parts)
{
    size_t n = 0;
    for (size_t i = 0; parts[i] != NULL; i++) {
        if (parts[i][0] == 'H')
            n += unhex(parts[i] + 2, out + n, 512 - n);
        else {
            size_t l = strlen(parts[i] + 2);
            memcpy(out + n, parts[i] + 2, l + 1);
            n += l + 1;
        }
    }
    return n;
}

/* prefix a general-form value with its Value-length */
static size_t general(uint8_t *out, const char *const *parts)
{
    uint8_t v[512];
    size_t n = build(v, parts), h;
    if (n <= 30) {
        out[0] = (uint8_t)n;
        h = 1;
    } else {
        out[0] = 0x1F;
        out[1] = (uint8_t)(n < 128 ? n : 0x80 | (n >> 7));
        h = 2;
        if (n >= 128)
            out[h++] = (uint8_t)(n & 0x7F);
    }
    memcpy(out + h, v, n);
    return h + n;
}

static void wsp_parses(const char *const *parts, sca_dmboot_sec sec, int code, int media_ok)
{
    uint8_t b[600];
    size_t n = general(b, parts), used = 0;
    sca_dmboot_header h;
    sca_error err;
    if (sca_dmboot_header_parse_wsp(b, n, NULL, &h, &err) != SCA_OK)
        fail_msg("refused: %s", err.msg);
    assert_int_equal(h.sec, sec);
    assert_int_equal(h.sec_code, code);
    assert_int_equal(h.media_ok, media_ok);
    hex_eq(h.mac, sizeof h.mac, MAC_UP);
    /* followed by more bytes: fine with `used`, refused without */
    b[n] = 0xAF;
    assert_int_equal(sca_dmboot_header_parse_wsp(b, n + 1, &used, &h, &err), SCA_OK);
    assert_int_equal(used, n);
    assert_int_equal(sca_dmboot_header_parse_wsp(b, n + 1, NULL, &h, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "1 bytes follow"));
    /* truncated at every byte */
    for (size_t k = 0; k < n; k++)
        assert_int_equal(sca_dmboot_header_parse_wsp(b, k, NULL, &h, NULL), SCA_E_PARSE);
}

static void wsp_refused(const char *const *parts, const char *why)
{
    uint8_t b[600];
    size_t n = general(b, parts);
    sca_dmboot_header h;
    sca_error err;
    if (sca_dmboot_header_parse_wsp(b, n, NULL, &h, &err) != SCA_E_PARSE)
        fail_msg("accepted (%s)", why);
    if (strstr(err.msg, why) == NULL)
        fail_msg("'%s' does not say '%s'", err.msg, why);
}

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_wsp_variants(void **state)
{
    (void)state;
    const sca_dmboot_sec N = SCA_DMBOOT_SEC_NETWORKID;
    /* as Kannel and the CP clients encode it: C2, SEC 91 + short-integer, MAC 92 + text */
    wsp_parses(P("H:C2 91 80 92", "T:" MAC_UP), N, 0, 1);
    wsp_parses(P("H:C2 92", "T:" MAC_UP, "H:91 81"), SCA_DMBOOT_SEC_USERPIN, 1, 1);
    wsp_parses(P("H:C2 91 82 92", "T:" MAC_LO), SCA_DMBOOT_SEC_USERPIN_NETWORKID, 2, 1);
    wsp_parses(P("H:C2 91 80 92 22", "T:" MAC_MIX), N, 0, 1);    /* Quoted-string */
    wsp_parses(P("H:C2 91 80 92 7F", "T:" MAC_UP), N, 0, 1);     /* Text-string with its Quote */
    wsp_parses(P("H:02 00 42 91 80 92", "T:" MAC_UP), N, 0, 1);  /* media as a Long-integer */
    wsp_parses(P("T:application/vnd.syncml.dm+wbxml", "H:91 80 92", "T:" MAC_UP), N, 0, 1);
    wsp_parses(P("T:Application/VND.SyncML.DM+WBXML", "H:91 80 92", "T:" MAC_UP), N, 0, 1);
    wsp_parses(P("H:C2 91 01 00 92", "T:" MAC_UP), N, 0, 1);     /* SEC as a Long-integer */
    /* typed SEC with a text value (a DM name) */
    wsp_parses(P("H:C2 91", "T:NETWORKID", "H:92", "T:" MAC_UP), N, -1, 1);
    wsp_parses(P("H:C2 91 22", "T:USERPIN_NETWORKID_GBA", "H:92", "T:" MAC_UP), SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA,
               -1, 1);
    /* untyped: Token-text names, text or integer values */
    wsp_parses(P("H:C2", "T:SEC", "T:NETWORKID_GBA", "T:MAC", "T:" MAC_UP), SCA_DMBOOT_SEC_NETWORKID_GBA, -1, 1);
    wsp_parses(P("H:C2", "T:sec", "H:81", "T:mac", "H:22", "T:" MAC_UP), SCA_DMBOOT_SEC_USERPIN, 1, 1);
    /* the well-known tokens as 1-octet Long-integers */
    wsp_parses(P("H:C2 01 11 80 01 12", "T:" MAC_UP), N, 0, 1);
    /* other parameters skipped: charset (81 EA), Q (80 + 2-octet uintvar), name text (85), creation-date
     * (93 + Long-integer), a length-quoted value (89 1F 03 ...), untyped text and integer, a No-value */
    wsp_parses(P("H:C2 81 EA 80 83 31 85", "T:x.wbxml", "H:93 04 3B 9A CA 00 89 1F 03 41 42 43 91 80", "T:foo",
                 "T:bar", "T:n", "H:87", "T:empty", "H:00 92", "T:" MAC_UP),
               N, 0, 1);
    /* other media */
    wsp_parses(P("H:B6 91 80 92", "T:" MAC_UP), N, 0, 0); /* CP connectivity-wbxml */
    wsp_parses(P("H:C3 91 80 92", "T:" MAC_UP), N, 0, 0); /* dm+xml */
    wsp_parses(P("T:application/vnd.syncml.dm+xml", "H:91 80 92", "T:" MAC_UP), N, 0, 0);
    /* a long value: Value-length as 1F + 2-octet uintvar */
    wsp_parses(P("H:C2 85", "T:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "H:91 80 92", "T:" MAC_UP),
               N, 0, 1);
}

static void test_wsp_wrong_format(void **state)
{
    (void)state;
    wsp_refused(P("H:C2 91 83 92", "T:" MAC_UP), "USERPINMAC");
    wsp_refused(P("H:C2 91 84 92", "T:" MAC_UP), "unknown SEC code 4");
    wsp_refused(P("H:C2 91 02 01 00 92", "T:" MAC_UP), "unknown SEC code 256");
    wsp_refused(P("H:C2 91", "T:NETWPIN", "H:92", "T:" MAC_UP), "unknown SEC value 'NETWPIN'");
    wsp_refused(P("H:C2 91 00 92", "T:" MAC_UP), "unknown SEC value ''");
    wsp_refused(P("H:C2 91 1F 01 80 92", "T:" MAC_UP), "SEC value (an integer or a text)");
    wsp_refused(P("H:C2 91 80"), "no MAC parameter");
    wsp_refused(P("H:C2 92", "T:" MAC_UP), "no SEC parameter");
    wsp_refused(P("H:C2 91 80 92 00"), "0 characters");
    wsp_refused(P("H:C2 91 80 92", "T:6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009E4"), "39 characters");
    wsp_refused(P("H:C2 91 80 92", "T:6AEC57AD0B495B51CC8D4D0C2C2EDF3E17009EXX"), "not a hex digit");
    wsp_refused(P("H:C2 91 80 92 81"), "the MAC value (a text)");
    wsp_refused(P("H:C2", "T:MAC", "H:81 91 80"), "the MAC value (a text)");
    wsp_refused(P("H:C2 91 80 91 80 92", "T:" MAC_UP), "SEC twice");
    wsp_refused(P("H:C2 91 80", "T:SEC", "T:NETWORKID", "H:92", "T:" MAC_UP), "SEC twice");
    wsp_refused(P("H:C2 91 80 92", "T:" MAC_UP, "T:Mac", "T:" MAC_UP), "MAC twice");
    wsp_refused(P("H:C2 91 80 92", "T:" MAC_UP, "H:1F"), "a parameter");
    wsp_refused(P("H:C2 91 80 92", "T:" MAC_UP, "H:00"), "a parameter");
    wsp_refused(P("H:C2 05 01 02 03 04 05 80 91 80 92", "T:" MAC_UP), "5-octet integer");
    wsp_refused(P("H:C2 91 80 92", "T:" MAC_UP, "T:x", "H:1F 01 00"), "untyped parameter value");
    wsp_refused(P("H:1F"), "the media type");
    wsp_refused(P("H:00"), "the media type");
    /* constrained forms: no parameters, so no SEC */
    sca_dmboot_header h;
    sca_error err;
    static const uint8_t c2[] = {0xC2};
    assert_int_equal(sca_dmboot_header_parse_wsp(c2, 1, NULL, &h, &err), SCA_E_PARSE);
    assert_true(h.media_ok);
    assert_non_null(strstr(err.msg, "no SEC parameter"));
    static const uint8_t text[] = "application/vnd.syncml.dm+wbxml";
    assert_int_equal(sca_dmboot_header_parse_wsp(text, sizeof text, NULL, &h, &err), SCA_E_PARSE);
    assert_true(h.media_ok);
    /* lengths beyond the buffer, uintvars too long */
    static const uint8_t over[] = {0x1F, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    assert_int_equal(sca_dmboot_header_parse_wsp(over, sizeof over, NULL, &h, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "beyond 32 bits"));
    static const uint8_t big[] = {0x1F, 0x90, 0x80, 0x80, 0x80, 0x00, 0xC2};
    assert_int_equal(sca_dmboot_header_parse_wsp(big, sizeof big, NULL, &h, &err), SCA_E_PARSE);
    static const uint8_t max32[] = {0x1F, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F, 0xC2};
    assert_int_equal(sca_dmboot_header_parse_wsp(max32, sizeof max32, NULL, &h, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "truncated"));
    static const uint8_t q[] = {0x05, 0xC2, 0x80, 0x81, 0x82, 0x03};
    assert_int_equal(sca_dmboot_header_parse_wsp(q, sizeof q, NULL, &h, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "Q value"));
    assert_int_equal(sca_dmboot_header_parse_wsp(NULL, 0, NULL, &h, &err), SCA_E_PARSE);
    assert_int_equal(sca_dmboot_header_parse_wsp(NULL, 3, NULL, &h, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_dmboot_header_parse_wsp(c2, 1, NULL, NULL, &err), SCA_E_INVALID_ARG);
}

/* --- WAP push PDUs ------------------------------------------------------------------------------------------- */

static void test_push_files(void **state)
{
    (void)state;
    static const struct {
        const char *file, *id;
        sca_dmboot_sec sec;
        int code;
    } pushes[] = {
        {"push-networkid.wsp", "networkid", SCA_DMBOOT_SEC_NETWORKID, 0},
        {"push-userpin.wsp", "userpin", SCA_DMBOOT_SEC_USERPIN, 1},
        {"push-userpin-networkid-gba.wsp", "userpin_networkid_gba", SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA, -1},
    };
    for (size_t i = 0; i < sizeof pushes / sizeof pushes[0]; i++) {
        size_t n;
        uint8_t *pdu = slurp(pushes[i].file, &n);
        sca_dmboot_push p;
        sca_error err;
        assert_int_equal(sca_dmboot_push_parse(pdu, n, &p, &err), SCA_OK);
        assert_int_equal(p.tid, 0x01);
        assert_true(p.header.media_ok);
        assert_int_equal(p.header.sec, pushes[i].sec);
        assert_int_equal(p.header.sec_code, pushes[i].code);
        hex_eq(p.header.mac, sizeof p.header.mac, getf(pushes[i].id, "mac"));
        assert_int_equal(p.body_len, body_len);
        assert_memory_equal(p.body, body, body_len);
        /* verifies with the vector's key */
        uint8_t key[SCA_DMBOOT_KEY_MAX];
        size_t key_len = unhex(getf(pushes[i].id, "key"), key, sizeof key);
        sca_dmboot_verified *v = NULL;
        assert_int_equal(sca_dmboot_verify(&p.header, key, key_len, p.body, p.body_len, &v, &err), SCA_OK);
        sca_dmboot_verified_free(v);
        /* truncated at every byte: the headers refuse to parse, a shorter body does not verify */
        size_t headers_end = (size_t)(p.body - pdu);
        for (size_t k = 0; k < n; k++) {
            sca_dmboot_push t;
            sca_rc rc = sca_dmboot_push_parse(pdu, k, &t, NULL);
            if (k <= headers_end) {
                assert_int_equal(rc, SCA_E_PARSE);
            } else {
                assert_int_equal(rc, SCA_OK);
                assert_int_equal(sca_dmboot_verify(&t.header, key, key_len, t.body, t.body_len, &v, NULL),
                                 SCA_E_CRYPTO);
            }
        }
        free(pdu);
    }
}

static void test_push_malformed(void **state)
{
    (void)state;
    sca_dmboot_push p;
    sca_error err;
    static const uint8_t confirmed[] = {0x01, 0x07, 0x01, 0xC2, 0x00};
    assert_int_equal(sca_dmboot_push_parse(confirmed, sizeof confirmed, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "not Push (0x06)"));
    static const uint8_t no_headers[] = {0x01, 0x06, 0x00, 0x02};
    assert_int_equal(sca_dmboot_push_parse(no_headers, sizeof no_headers, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "no headers"));
    static const uint8_t beyond[] = {0x01, 0x06, 0x05, 0xC2, 0x00};
    assert_int_equal(sca_dmboot_push_parse(beyond, sizeof beyond, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "beyond its end"));
    static const uint8_t long_len[] = {0x01, 0x06, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00};
    assert_int_equal(sca_dmboot_push_parse(long_len, sizeof long_len, &p, &err), SCA_E_PARSE);
    static const uint8_t no_sec[] = {0x01, 0x06, 0x01, 0xC2, 0x02};
    assert_int_equal(sca_dmboot_push_parse(no_sec, sizeof no_sec, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "WAP push: "));
    assert_non_null(strstr(err.msg, "no SEC"));
    /* a valid header, no body */
    size_t n;
    uint8_t *pdu = slurp("push-networkid.wsp", &n);
    size_t headers_end = 3 + pdu[2];
    assert_int_equal(sca_dmboot_push_parse(pdu, headers_end, &p, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "no body"));
    free(pdu);
    assert_int_equal(sca_dmboot_push_parse(NULL, 0, &p, &err), SCA_E_PARSE);
    assert_int_equal(sca_dmboot_push_parse(confirmed, sizeof confirmed, NULL, &err), SCA_E_INVALID_ARG);
}

static void test_sec_names(void **state)
{
    (void)state;
    assert_string_equal(sca_dmboot_sec_name(SCA_DMBOOT_SEC_NONE), "none");
    assert_string_equal(sca_dmboot_sec_name((sca_dmboot_sec)99), "unknown");
    assert_true(sca_dmboot_sec_needs_pin(SCA_DMBOOT_SEC_USERPIN));
    assert_false(sca_dmboot_sec_needs_network(SCA_DMBOOT_SEC_USERPIN));
    assert_true(sca_dmboot_sec_needs_pin(SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA));
    assert_true(sca_dmboot_sec_needs_network(SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA));
    assert_true(sca_dmboot_sec_is_gba(SCA_DMBOOT_SEC_NETWORKID_GBA));
    assert_false(sca_dmboot_sec_is_gba(SCA_DMBOOT_SEC_NETWORKID));
    assert_false(sca_dmboot_sec_needs_pin(SCA_DMBOOT_SEC_NETWORKID));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_vectors_every_sec),
    cmocka_unit_test(test_imsi_semi_octets),
    cmocka_unit_test(test_esn),
    cmocka_unit_test(test_key_rules),
    cmocka_unit_test(test_wrong_key),
    cmocka_unit_test(test_tampered_body),
    cmocka_unit_test(test_verify_refuses),
    cmocka_unit_test(test_decode_needs_verified),
    cmocka_unit_test(test_header_variants),
    cmocka_unit_test(test_header_wrong_format),
    cmocka_unit_test(test_wsp_variants),
    cmocka_unit_test(test_wsp_wrong_format),
    cmocka_unit_test(test_push_files),
    cmocka_unit_test(test_push_malformed),
    cmocka_unit_test(test_sec_names),
};

RUN_SUITE("bootstrap", tests)
