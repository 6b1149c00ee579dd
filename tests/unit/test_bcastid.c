/* BCAST_Client_ID on the host: IMEI BCD and Luhn, the 19 bytes of fields, the identifier's strict parser, its
 * User-Agent form, the fixed-length signatures and verification as a NAF server does it. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "sca_contract.h"
#include "scagent/bcastid.h"
#include "scagent/log.h"
#include "sig.h"
#include "testpki.h"

/* --- shared keys, made once (RSA generation is slow) ---------------------------------------------------- */
static struct {
    EVP_PKEY *ec, *rsa, *ca_key, *other_ca_key, *p384;
    X509 *ec_self, *rsa_self, *ca, *other_ca, *ec_by_ca, *ec_expired, *p384_self;
} k;

static void pki_free(void)
{
    EVP_PKEY *keys[] = {k.ec, k.rsa, k.ca_key, k.other_ca_key, k.p384};
    X509 *certs[] = {k.ec_self, k.rsa_self, k.ca, k.other_ca, k.ec_by_ca, k.ec_expired, k.p384_self};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        EVP_PKEY_free(keys[i]);
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        X509_free(certs[i]);
}

static void pki(void)
{
    if (k.ec != NULL)
        return;
    k.ec = tpki_key(TPKI_P256);
    k.rsa = tpki_key(TPKI_RSA2048);
    k.ca_key = tpki_key(TPKI_P256);
    k.other_ca_key = tpki_key(TPKI_P256);
    k.p384 = tpki_key(TPKI_P384);
    assert_non_null(k.ec);
    assert_non_null(k.rsa);
    assert_non_null(k.p384);
    k.ec_self = tpki_cert(k.ec, "client ec", NULL, NULL, 0, -1, 365);
    k.rsa_self = tpki_cert(k.rsa, "client rsa", NULL, NULL, 0, -1, 365);
    k.ca = tpki_cert(k.ca_key, "client CA", NULL, NULL, 1, -1, 3650);
    k.other_ca = tpki_cert(k.other_ca_key, "other CA", NULL, NULL, 1, -1, 3650);
    k.ec_by_ca = tpki_cert(k.ec, "client ec by CA", k.ca, k.ca_key, 0, -1, 365);
    k.ec_expired = tpki_cert(k.ec, "client ec expired", k.ca, k.ca_key, 0, -30, -1);
    k.p384_self = tpki_cert(k.p384, "client p384", NULL, NULL, 0, -1, 365);
    assert_non_null(k.ec_expired);
    assert_non_null(k.p384_self);
    atexit(pki_free);
}

static const sca_bcast_fields FIELDS = {"490154203237518", 5, 0x1234, 0x16, 0x01E240, 7};

static void fields_eq(const sca_bcast_fields *a, const sca_bcast_fields *b)
{
    assert_string_equal(a->imei, b->imei);
    assert_int_equal(a->fw_version, b->fw_version);
    assert_int_equal(a->manufacturer, b->manufacturer);
    assert_int_equal(a->model, b->model);
    assert_int_equal(a->serial, b->serial);
    assert_int_equal(a->sw_version, b->sw_version);
}

static void raw_fields(uint8_t out[19])
{
    assert_int_equal(sca_bcast_fields_encode(&FIELDS, out, NULL), SCA_OK);
}

static void hex_is(const uint8_t *b, size_t n, const char *want)
{
    char h[256];
    assert_true(n * 2 < sizeof h);
    sca_hex_encode(b, n, h, 0);
    assert_string_equal(h, want);
}

/* --- IMEI ------------------------------------------------------------------------------------------------ */
static void test_imei_vectors(void **state)
{
    (void)state;
    uint8_t b[8];
    char d[16];
    /* TS 23.003's example IMEI; bcast-identity.md §2 */
    assert_int_equal(sca_imei_encode("490154203237518", b, NULL), SCA_OK);
    hex_is(b, 8, "4A09512430325781");
    assert_int_equal(sca_imei_decode(b, d, NULL), SCA_OK);
    assert_string_equal(d, "490154203237518");
    assert_int_equal(sca_imei_encode("352099001761481", b, NULL), SCA_OK);
    hex_is(b, 8, "3A25900910674118");
    assert_int_equal(sca_imei_decode(b, d, NULL), SCA_OK);
    assert_string_equal(d, "352099001761481");
    assert_int_equal(sca_imei_encode("000000000000000", b, NULL), SCA_OK);
    hex_is(b, 8, "0A00000000000000");
    assert_int_equal(sca_imei_check_digit("49015420323751"), '8');
    assert_int_equal(sca_imei_check_digit("35209900176148"), '1');
    assert_int_equal(sca_imei_check_digit("4901542032375"), -1);
    assert_int_equal(sca_imei_check_digit("4901542032375x"), -1);
    assert_int_equal(sca_imei_check_digit(NULL), -1);
    assert_true(sca_imei_valid("490154203237518"));
    assert_false(sca_imei_valid("490154203237519"));
    assert_false(sca_imei_valid("4901542032375180"));
    assert_false(sca_imei_valid("49015420323751"));
    /* every single-digit change of a valid IMEI breaks the check digit */
    char m[16];
    for (int i = 0; i < 15; i++) {
        strcpy(m, "490154203237518");
        m[i] = (char)('0' + (m[i] - '0' + 1) % 10);
        assert_false(sca_imei_valid(m));
    }
}

static void test_imei_encode_refuses(void **state)
{
    (void)state;
    uint8_t b[8];
    sca_error err;
    const char *bad[] = {"", "49015420323751", "4901542032375180", "49015420323751a", "4901542O3237518",
                         " 90154203237518"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sca_imei_encode(bad[i], b, &err), SCA_E_INVALID_ARG);
        assert_non_null(strstr(err.msg, "15 digits"));
    }
    assert_int_equal(sca_imei_encode(NULL, b, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_imei_encode("490154203237517", b, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "check digit should be 8"));
}

static void test_imei_decode_refuses(void **state)
{
    (void)state;
    char d[16];
    sca_error err;
    uint8_t b[8];
    sca_hex_decode("4A09512430325781", b, 8);
    b[0] = 0x49; /* type 001: IMSI */
    assert_int_equal(sca_imei_decode(b, d, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "type"));
    assert_string_equal(d, "");
    b[0] = 0x43; /* type 011: IMEISV */
    assert_int_equal(sca_imei_decode(b, d, &err), SCA_E_PARSE);
    b[0] = 0x42; /* even */
    assert_int_equal(sca_imei_decode(b, d, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "odd"));
    /* a non-decimal nibble in every digit position */
    for (int digit = 0; digit < 15; digit++) {
        sca_hex_decode("4A09512430325781", b, 8);
        if (digit == 0)
            b[0] = (uint8_t)(0xF0 | (b[0] & 0x0F));
        else if (digit % 2 == 1)
            b[(digit + 1) / 2] = (uint8_t)((b[(digit + 1) / 2] & 0xF0) | 0x0C);
        else
            b[digit / 2] = (uint8_t)((b[digit / 2] & 0x0F) | 0xA0);
        assert_int_equal(sca_imei_decode(b, d, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "not a decimal digit"));
    }
    /* decoding does not check the Luhn digit: the card stores what the issuer wrote */
    sca_hex_decode("4A09512430325791", b, 8);
    assert_int_equal(sca_imei_decode(b, d, &err), SCA_OK);
    assert_string_equal(d, "490154203237519");
}

/* --- fields ---------------------------------------------------------------------------------------------- */
static void test_fields_layout_and_round_trip(void **state)
{
    (void)state;
    uint8_t raw[19];
    raw_fields(raw);
    hex_is(raw, 19, "4A09512430325781" "0005" "1234" "0016" "01E240" "0007");
    sca_bcast_fields f;
    assert_int_equal(sca_bcast_fields_decode(raw, &f, NULL), SCA_OK);
    fields_eq(&f, &FIELDS);

    sca_bcast_fields max = {"352099001761481", 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFFFF, 0xFFFF}, back;
    assert_int_equal(sca_bcast_fields_encode(&max, raw, NULL), SCA_OK);
    hex_is(raw + 8, 11, "FFFFFFFFFFFFFFFFFFFFFF");
    assert_int_equal(sca_bcast_fields_decode(raw, &back, NULL), SCA_OK);
    fields_eq(&back, &max);

    sca_bcast_fields zero = {"000000000000000", 0, 0, 0, 0, 0};
    assert_int_equal(sca_bcast_fields_encode(&zero, raw, NULL), SCA_OK);
    assert_int_equal(sca_bcast_fields_decode(raw, &back, NULL), SCA_OK);
    fields_eq(&back, &zero);
}

static void test_fields_refused(void **state)
{
    (void)state;
    uint8_t raw[19];
    sca_error err;
    sca_bcast_fields f = FIELDS;
    f.serial = 0x1000000;
    assert_int_equal(sca_bcast_fields_encode(&f, raw, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "ClientSerialNo"));
    f = FIELDS;
    f.imei[14] = '0';
    assert_int_equal(sca_bcast_fields_encode(&f, raw, &err), SCA_E_INVALID_ARG);
    raw_fields(raw);
    raw[0] = 0x4B;
    assert_int_equal(sca_bcast_fields_decode(raw, &f, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "BCAST_Client_ID fields"));
    assert_int_equal(sca_bcast_fields_decode(raw, &f, NULL), SCA_E_PARSE);
}

/* --- the identifier -------------------------------------------------------------------------------------- */
static uint8_t *make_id(EVP_PKEY *key, X509 *cert, size_t *len)
{
    uint8_t raw[19], *id = NULL;
    raw_fields(raw);
    sca_error err;
    sca_rc rc = sca_bcastid_sign(raw, key, cert, &id, len, &err);
    if (rc != SCA_OK)
        fail_msg("%s", err.msg);
    return id;
}

static void test_build_parse(void **state)
{
    (void)state;
    uint8_t raw[19], sig[256], cert[300], buf[700];
    raw_fields(raw);
    for (size_t i = 0; i < sizeof sig; i++)
        sig[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof cert; i++)
        cert[i] = (uint8_t)(0xFF - i);
    const size_t sig_lens[] = {64, 256}, cert_lens[] = {0, 1, 300};
    for (int a = 0; a < 2; a++) {
        for (int b = 0; b < 3; b++) {
            size_t n = 0;
            assert_int_equal(sca_bcastid_build(raw, sig, sig_lens[a], cert_lens[b] ? cert : NULL, cert_lens[b], buf,
                                               sizeof buf, &n, NULL),
                             SCA_OK);
            assert_int_equal(n, 19 + 2 + sig_lens[a] + 2 + cert_lens[b]);
            assert_int_equal(buf[19] << 8 | buf[20], sig_lens[a]);
            sca_bcastid_view v;
            assert_int_equal(sca_bcastid_parse(buf, n, &v, NULL), SCA_OK);
            assert_memory_equal(v.fields_raw, raw, 19);
            fields_eq(&v.fields, &FIELDS);
            assert_int_equal(v.tbs_len, SCA_BCASTID_TBS_LEN);
            assert_int_equal(v.signature_len, sig_lens[a]);
            assert_ptr_equal(v.signature, buf + 21);
            assert_memory_equal(v.signature, sig, sig_lens[a]);
            assert_int_equal(v.certificate_len, cert_lens[b]);
            if (cert_lens[b]) {
                assert_ptr_equal(v.certificate, buf + 21 + sig_lens[a] + 2);
                assert_memory_equal(v.certificate, cert, cert_lens[b]);
            } else {
                assert_null(v.certificate);
            }
        }
    }
    size_t n = 0;
    sca_error err;
    assert_int_equal(sca_bcastid_build(raw, sig, 64, cert, 300, buf, 19 + 2 + 64 + 2 + 299, &n, &err),
                     SCA_E_BUFFER_TOO_SMALL);
    assert_int_equal(sca_bcastid_build(raw, sig, 128, NULL, 0, buf, sizeof buf, &n, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_bcastid_build(raw, sig, 64, NULL, 5, buf, sizeof buf, &n, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_bcastid_build(raw, sig, 64, cert, 0x10000, buf, sizeof buf, &n, &err), SCA_E_INVALID_ARG);
}

static void test_parse_every_truncation_and_extra_byte(void **state)
{
    (void)state;
    pki();
    size_t n = 0;
    uint8_t *id = make_id(k.ec, k.ec_self, &n);
    sca_bcastid_view v;
    sca_error err;
    assert_int_equal(sca_bcastid_parse(id, n, &v, &err), SCA_OK);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *t = malloc(cut ? cut : 1); /* a fresh block of exactly `cut` bytes, so ASan sees any overread */
        memcpy(t, id, cut);
        assert_int_equal(sca_bcastid_parse(t, cut, &v, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "BCAST_Client_ID"));
        free(t);
    }
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, id, n);
    longer[n] = 0;
    assert_int_equal(sca_bcastid_parse(longer, n + 1, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "trailing"));
    free(longer);
    assert_int_equal(sca_bcastid_parse(NULL, 0, &v, &err), SCA_E_PARSE);
    free(id);
}

static void test_parse_refuses_signature_lengths(void **state)
{
    (void)state;
    uint8_t buf[19 + 2 + 300 + 2];
    raw_fields(buf);
    const size_t lens[] = {0, 1, 63, 65, 128, 255, 257};
    sca_error err;
    sca_bcastid_view v;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        memset(buf + 19, 0, sizeof buf - 19);
        buf[19] = (uint8_t)(lens[i] >> 8);
        buf[20] = (uint8_t)lens[i];
        assert_int_equal(sca_bcastid_parse(buf, 19 + 2 + lens[i] + 2, &v, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "signature_length"));
    }
    /* a malformed IMEI in otherwise well-formed bytes */
    memset(buf + 19, 0, sizeof buf - 19);
    buf[20] = 64;
    buf[0] = 0x42;
    assert_int_equal(sca_bcastid_parse(buf, 19 + 2 + 64 + 2, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "odd"));
}

/* --- Base64 and the User-Agent value --------------------------------------------------------------------- */
static void test_base64_vectors(void **state)
{
    (void)state;
    /* RFC 4648 §10 */
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *s = NULL;
        uint8_t *b = NULL;
        size_t n = 0;
        assert_int_equal(sca_b64_encode((const uint8_t *)plain[i], strlen(plain[i]), &s, NULL), SCA_OK);
        assert_string_equal(s, enc[i]);
        assert_int_equal(sca_b64_decode(s, strlen(s), 100, &b, &n, NULL), SCA_OK);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(b, plain[i], n);
        free(s);
        free(b);
    }
    const char *bad[] = {"Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm-v", "Zm_v",
                         "Zm9v====", "=Zm9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *b = NULL;
        size_t n = 0;
        sca_error err;
        assert_int_equal(sca_b64_decode(bad[i], strlen(bad[i]), 100, &b, &n, &err), SCA_E_PARSE);
        assert_null(b);
    }
    uint8_t *b = NULL;
    size_t n = 0;
    assert_int_equal(sca_b64_decode("Zm9vYmFy", 8, 5, &b, &n, NULL), SCA_E_PARSE);
}

static void test_header_round_trip(void **state)
{
    (void)state;
    pki();
    size_t n = 0, back_len = 0;
    uint8_t *id = make_id(k.rsa, k.rsa_self, &n), *back = NULL;
    char *h = NULL;
    sca_error err;
    assert_int_equal(sca_bcastid_header(id, n, &h, &err), SCA_OK);
    assert_memory_equal(h, "BCAST_Client_ID=", 16);
    assert_null(strpbrk(h, "\r\n "));
    assert_int_equal(strlen(h), 16 + (n + 2) / 3 * 4);
    assert_int_equal(sca_bcastid_from_header(h, &back, &back_len, &err), SCA_OK);
    assert_int_equal(back_len, n);
    assert_memory_equal(back, id, n);
    free(back);

    /* optional whitespace around '=' and at both ends */
    char *spaced = malloc(strlen(h) + 16);
    sprintf(spaced, " \tBCAST_Client_ID \t= %s \t", h + 16);
    assert_int_equal(sca_bcastid_from_header(spaced, &back, &back_len, &err), SCA_OK);
    assert_int_equal(back_len, n);
    assert_memory_equal(back, id, n);
    free(back);

    /* what it refuses */
    sprintf(spaced, "bcast_client_id=%s", h + 16);
    assert_int_equal(sca_bcastid_from_header(spaced, &back, &back_len, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "does not start"));
    sprintf(spaced, "User-Agent: %s", h);
    assert_int_equal(sca_bcastid_from_header(spaced, &back, &back_len, &err), SCA_E_PARSE);
    sprintf(spaced, "BCAST_Client_ID %s", h + 16);
    assert_int_equal(sca_bcastid_from_header(spaced, &back, &back_len, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "'='"));
    assert_int_equal(sca_bcastid_from_header("BCAST_Client_ID=  ", &back, &back_len, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "empty"));
    sprintf(spaced, "%s=", h); /* one '=' too many */
    assert_int_equal(sca_bcastid_from_header(spaced, &back, &back_len, &err), SCA_E_PARSE);
    strcpy(spaced, h);
    spaced[40] = '\n'; /* a line break inside */
    assert_int_equal(sca_bcastid_from_header(spaced, &back, &back_len, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "User-Agent"));
    strcpy(spaced, h);
    spaced[strlen(spaced) - 1] = '\0'; /* a character short */
    assert_int_equal(sca_bcastid_from_header(spaced, &back, &back_len, &err), SCA_E_PARSE);
    assert_null(back);
    assert_int_equal(sca_bcastid_from_header(NULL, &back, &back_len, &err), SCA_E_INVALID_ARG);
    free(spaced);
    free(h);

    /* the header of something that is not an identifier is refused */
    assert_int_equal(sca_bcastid_header(id, n - 1, &h, &err), SCA_E_PARSE);
    assert_null(h);
    free(id);
}

/* --- the fixed-length signatures ------------------------------------------------------------------------- */
static void test_rs_der_conversion(void **state)
{
    (void)state;
    uint8_t rs[64], back[64], *der = NULL;
    size_t der_len = 0;
    /* r with its high bit set (DER needs a 00), s with leading zero bytes (DER drops them) */
    memset(rs, 0, sizeof rs);
    rs[0] = 0x80;
    rs[31] = 0x01;
    rs[34] = 0x7F;
    rs[63] = 0x02;
    assert_int_equal(sca_sig_rs_to_der(rs, 64, &der, &der_len, NULL), SCA_OK);
    hex_is(der, der_len, "30430221008000000000000000000000000000000000000000000000000000000000000001"
                         "021E7F0000000000000000000000000000000000000000000000000000000002");
    assert_int_equal(sca_sig_der_to_rs(der, der_len, back, 64, NULL), SCA_OK);
    assert_memory_equal(back, rs, 64);
    sca_error err;
    /* trailing garbage, truncation, a too-small output */
    uint8_t *longer = malloc(der_len + 1);
    memcpy(longer, der, der_len);
    longer[der_len] = 0;
    assert_int_equal(sca_sig_der_to_rs(longer, der_len + 1, back, 64, &err), SCA_E_PARSE);
    assert_int_equal(sca_sig_der_to_rs(der, der_len - 1, back, 64, &err), SCA_E_PARSE);
    assert_int_equal(sca_sig_der_to_rs(der, der_len, back, 62, &err), SCA_E_PARSE);
    free(longer);
    free(der);
    assert_int_equal(sca_sig_rs_to_der(rs, 63, &der, &der_len, &err), SCA_E_INVALID_ARG);
    assert_null(der);
}

static void test_sign_verify_fixed(void **state)
{
    (void)state;
    pki();
    const uint8_t msg[] = "twenty-one bytes here";
    uint8_t sig[256];
    size_t n = 0;
    sca_error err;
    assert_int_equal(sca_sig_fixed_len(k.ec, &n, NULL), SCA_OK);
    assert_int_equal(n, 64);
    assert_int_equal(sca_sig_sign_fixed(k.ec, msg, 21, sig, 64, NULL), SCA_OK);
    assert_int_equal(sca_sig_verify_fixed(k.ec, msg, 21, sig, 64, NULL), SCA_OK);
    sig[10] ^= 1;
    assert_int_equal(sca_sig_verify_fixed(k.ec, msg, 21, sig, 64, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "signature does not verify"));
    assert_int_equal(sca_sig_fixed_len(k.rsa, &n, NULL), SCA_OK);
    assert_int_equal(n, 256);
    assert_int_equal(sca_sig_sign_fixed(k.rsa, msg, 21, sig, 256, NULL), SCA_OK);
    assert_int_equal(sca_sig_verify_fixed(k.rsa, msg, 21, sig, 256, NULL), SCA_OK);
    assert_int_equal(sca_sig_verify_fixed(k.rsa, msg, 20, sig, 256, &err), SCA_E_CRYPTO);
    assert_int_equal(sca_sig_verify_fixed(k.ec, msg, 21, sig, 256, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "256 bytes"));
    assert_int_equal(sca_sig_sign_fixed(k.ec, msg, 21, sig, 256, &err), SCA_E_INVALID_ARG);
    /* other keys are refused */
    assert_int_equal(sca_sig_fixed_len(k.p384, &n, &err), SCA_E_CRYPTO);
    assert_int_equal(sca_sig_fixed_len(NULL, &n, &err), SCA_E_INVALID_ARG);
    EVP_PKEY *small = tpki_key(TPKI_RSA1024);
    assert_int_equal(sca_sig_fixed_len(small, &n, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "1024 bits"));
    EVP_PKEY_free(small);
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_int_equal(sca_sig_fixed_len(ed, &n, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "ED25519"));
    EVP_PKEY_free(ed);
}

/* --- verification ---------------------------------------------------------------------------------------- */
static void test_verify_ec_and_rsa(void **state)
{
    (void)state;
    pki();
    EVP_PKEY *keys[] = {k.ec, k.rsa};
    X509 *certs[] = {k.ec_self, k.rsa_self};
    for (int i = 0; i < 2; i++) {
        size_t n = 0;
        uint8_t *id = make_id(keys[i], certs[i], &n);
        assert_int_equal(n, 21 + (i ? 256 : 64) + 2 + (size_t)i2d_X509(certs[i], NULL));
        sca_bcastid_verified v;
        sca_error err;
        assert_int_equal(sca_bcastid_verify(id, n, NULL, NULL, &v, &err), SCA_OK);
        assert_int_equal(v.failure, SCA_BCASTID_OK);
        assert_int_equal(v.key_type, i ? EVP_PKEY_RSA : EVP_PKEY_EC);
        assert_true(v.used_embedded_cert);
        assert_false(v.chain_checked);
        assert_string_equal(v.subject, i ? "CN=client rsa" : "CN=client ec");
        fields_eq(&v.fields, &FIELDS);
        /* the server's own copy of the certificate works as well, and wins over the embedded one */
        assert_int_equal(sca_bcastid_verify(id, n, certs[i], NULL, &v, &err), SCA_OK);
        assert_false(v.used_embedded_cert);
        assert_int_equal(sca_bcastid_verify(id, n, certs[1 - i], NULL, &v, &err), SCA_E_CRYPTO);
        assert_int_equal(v.failure, SCA_BCASTID_BAD_SIGNATURE);
        assert_non_null(strstr(err.msg, "signature does not verify"));
        assert_int_equal(sca_bcastid_verify(id, n, NULL, NULL, NULL, NULL), SCA_OK);
        free(id);
    }
}

static void test_verify_tampered_tbs_and_signature(void **state)
{
    (void)state;
    pki();
    EVP_PKEY *keys[] = {k.ec, k.rsa};
    X509 *certs[] = {k.ec_self, k.rsa_self};
    for (int i = 0; i < 2; i++) {
        size_t n = 0;
        uint8_t *id = make_id(keys[i], certs[i], &n);
        size_t sig_len = i ? 256 : 64;
        sca_bcastid_verified v;
        sca_error err;
        for (size_t pos = 0; pos < SCA_BCASTID_TBS_LEN + sig_len; pos++) {
            for (int bit = 0; bit < 8; bit += 7) {
                id[pos] ^= (uint8_t)(1u << bit);
                assert_int_not_equal(sca_bcastid_verify(id, n, NULL, NULL, &v, &err), SCA_OK);
                assert_true(v.failure == SCA_BCASTID_BAD_SIGNATURE || v.failure == SCA_BCASTID_MALFORMED);
                if (pos >= 8 && pos < 19) /* past the IMEI nothing can be malformed: the signature catches it */
                    assert_int_equal(v.failure, SCA_BCASTID_BAD_SIGNATURE);
                id[pos] ^= (uint8_t)(1u << bit);
            }
        }
        assert_int_equal(sca_bcastid_verify(id, n, NULL, NULL, &v, &err), SCA_OK);
        free(id);
    }
}

static void test_verify_certificate_cases(void **state)
{
    (void)state;
    pki();
    sca_bcastid_verified v;
    sca_error err;
    size_t n = 0;
    X509_STORE *ca = X509_STORE_new(), *other = X509_STORE_new();
    assert_true(X509_STORE_add_cert(ca, k.ca));
    assert_true(X509_STORE_add_cert(other, k.other_ca));

    uint8_t *id = make_id(k.ec, k.ec_by_ca, &n);
    assert_int_equal(sca_bcastid_verify(id, n, NULL, ca, &v, &err), SCA_OK);
    assert_true(v.chain_checked);
    assert_int_equal(sca_bcastid_verify(id, n, NULL, other, &v, &err), SCA_E_CRYPTO);
    assert_int_equal(v.failure, SCA_BCASTID_UNTRUSTED);
    assert_non_null(strstr(err.msg, "not trusted"));
    assert_non_null(strstr(err.msg, "unable to get local issuer certificate"));
    free(id);

    id = make_id(k.ec, k.ec_expired, &n); /* the signature is fine, the certificate expired */
    assert_int_equal(sca_bcastid_verify(id, n, NULL, NULL, &v, &err), SCA_OK);
    assert_int_equal(sca_bcastid_verify(id, n, NULL, ca, &v, &err), SCA_E_CRYPTO);
    assert_int_equal(v.failure, SCA_BCASTID_UNTRUSTED);
    assert_non_null(strstr(err.msg, "expired"));
    free(id);

    id = make_id(k.ec, k.ec_self, &n); /* self-signed, not issued by the CA */
    assert_int_equal(sca_bcastid_verify(id, n, NULL, ca, &v, &err), SCA_E_CRYPTO);
    assert_int_equal(v.failure, SCA_BCASTID_UNTRUSTED);
    free(id);

    id = make_id(k.ec, NULL, &n); /* no embedded certificate */
    assert_int_equal(n, 21 + 64 + 2);
    assert_int_equal(sca_bcastid_verify(id, n, NULL, NULL, &v, &err), SCA_E_INVALID_ARG);
    assert_int_equal(v.failure, SCA_BCASTID_NO_CERT);
    assert_non_null(strstr(err.msg, "supply"));
    assert_int_equal(sca_bcastid_verify(id, n, k.ec_by_ca, ca, &v, &err), SCA_OK);
    assert_int_equal(sca_bcastid_verify(id, n, k.p384_self, NULL, &v, &err), SCA_E_CRYPTO);
    assert_int_equal(v.failure, SCA_BCASTID_UNSUPPORTED_KEY);
    free(id);

    /* an embedded certificate that is not one */
    id = make_id(k.ec, k.ec_self, &n);
    size_t cert_off = 21 + 64 + 2;
    id[cert_off + 1] ^= 0x01; /* the outer DER length */
    assert_int_equal(sca_bcastid_verify(id, n, NULL, NULL, &v, &err), SCA_E_PARSE);
    assert_int_equal(v.failure, SCA_BCASTID_MALFORMED);
    assert_non_null(strstr(err.msg, "embedded client certificate"));
    free(id);

    /* a P-384 client key cannot sign an identifier */
    uint8_t raw[19], *out = NULL;
    raw_fields(raw);
    assert_int_equal(sca_bcastid_sign(raw, k.p384, NULL, &out, &n, &err), SCA_E_CRYPTO);
    assert_null(out);
    X509_STORE_free(ca);
    X509_STORE_free(other);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_imei_vectors),
    cmocka_unit_test(test_imei_encode_refuses),
    cmocka_unit_test(test_imei_decode_refuses),
    cmocka_unit_test(test_fields_layout_and_round_trip),
    cmocka_unit_test(test_fields_refused),
    cmocka_unit_test(test_build_parse),
    cmocka_unit_test(test_parse_every_truncation_and_extra_byte),
    cmocka_unit_test(test_parse_refuses_signature_lengths),
    cmocka_unit_test(test_base64_vectors),
    cmocka_unit_test(test_header_round_trip),
    cmocka_unit_test(test_rs_der_conversion),
    cmocka_unit_test(test_sign_verify_fixed),
    cmocka_unit_test(test_verify_ec_and_rsa),
    cmocka_unit_test(test_verify_tampered_tbs_and_signature),
    cmocka_unit_test(test_verify_certificate_cases),
};
RUN_SUITE("bcastid", tests)
