/* upgrade_available_msg on the client: the bit layout for every flag combination, the strict parser, the
 * unsupported protocol_version, and verification against NAF anchors and this client's fields. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "scagent/log.h"
#include "scagent/upgrade.h"
#include "testpki.h"

static struct {
    EVP_PKEY *root_key, *other_key, *inter_key, *naf_ec, *naf_rsa, *p384;
    X509 *root, *other, *inter, *naf, *naf_rsa_cert, *naf_expired, *naf_future, *naf_self, *naf_by_inter, *naf_p384;
    STACK_OF(X509) *anchors, *other_anchors, *inter_anchors, *self_anchors, *empty;
} k;

static void pki_free(void)
{
    EVP_PKEY *keys[] = {k.root_key, k.other_key, k.inter_key, k.naf_ec, k.naf_rsa, k.p384};
    X509 *certs[] = {k.root, k.other, k.inter, k.naf, k.naf_rsa_cert, k.naf_expired, k.naf_future, k.naf_self,
                     k.naf_by_inter, k.naf_p384};
    STACK_OF(X509) *stacks[] = {k.anchors, k.other_anchors, k.inter_anchors, k.self_anchors, k.empty};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        EVP_PKEY_free(keys[i]);
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        X509_free(certs[i]);
    for (size_t i = 0; i < sizeof stacks / sizeof stacks[0]; i++)
        sk_X509_pop_free(stacks[i], X509_free);
}

static STACK_OF(X509) *stack_of(X509 *c)
{
    STACK_OF(X509) *s = sk_X509_new_null();
    assert_non_null(s);
    if (c != NULL) {
        assert_true(X509_up_ref(c));
        assert_true(sk_X509_push(s, c));
    }
    return s;
}

static void pki(void)
{
    if (k.root != NULL)
        return;
    k.root_key = tpki_key(TPKI_P256);
    k.other_key = tpki_key(TPKI_P256);
    k.inter_key = tpki_key(TPKI_P256);
    k.naf_ec = tpki_key(TPKI_P256);
    k.naf_rsa = tpki_key(TPKI_RSA2048);
    k.p384 = tpki_key(TPKI_P384);
    assert_non_null(k.naf_rsa);
    assert_non_null(k.p384);
    k.root = tpki_cert(k.root_key, "NAF root", NULL, NULL, 1, -1, 3650);
    k.other = tpki_cert(k.other_key, "other root", NULL, NULL, 1, -1, 3650);
    k.inter = tpki_cert(k.inter_key, "NAF intermediate", k.root, k.root_key, 1, -1, 3650);
    k.naf = tpki_cert(k.naf_ec, "naf.example", k.root, k.root_key, 0, -1, 365);
    k.naf_rsa_cert = tpki_cert(k.naf_rsa, "naf-rsa.example", k.root, k.root_key, 0, -1, 365);
    k.naf_expired = tpki_cert(k.naf_ec, "naf expired", k.root, k.root_key, 0, -30, -1);
    k.naf_future = tpki_cert(k.naf_ec, "naf not yet valid", k.root, k.root_key, 0, 10, 30);
    k.naf_self = tpki_cert(k.naf_ec, "naf self-signed", NULL, NULL, 0, -1, 365);
    k.naf_by_inter = tpki_cert(k.naf_ec, "naf by intermediate", k.inter, k.inter_key, 0, -1, 365);
    k.naf_p384 = tpki_cert(k.p384, "naf p384", k.root, k.root_key, 0, -1, 365);
    assert_non_null(k.naf_p384);
    k.anchors = stack_of(k.other); /* two anchors, the right one second */
    assert_true(X509_up_ref(k.root));
    assert_true(sk_X509_push(k.anchors, k.root));
    k.other_anchors = stack_of(k.other);
    k.inter_anchors = stack_of(k.inter);
    k.self_anchors = stack_of(k.naf_self);
    k.empty = stack_of(NULL);
    atexit(pki_free);
}

static const sca_bcast_fields FIELDS = {"490154203237518", 5, 0x1234, 0x16, 0x01E240, 7};

static void raw_fields(uint8_t out[19])
{
    assert_int_equal(sca_bcast_fields_encode(&FIELDS, out, NULL), SCA_OK);
}

static sca_upgrade_params params(int critical, int pushed, int contact_dm, const char *uri)
{
    sca_upgrade_params p;
    memset(&p, 0, sizeof p);
    p.critical = critical;
    p.pushed = pushed;
    p.contact_dm = contact_dm;
    p.uri = pushed ? NULL : uri;
    raw_fields(p.fields);
    return p;
}

static uint8_t *build(const sca_upgrade_params *p, EVP_PKEY *key, X509 *cert, size_t *len)
{
    uint8_t *m = NULL;
    sca_error err;
    if (sca_upgrade_build(p, key, cert, &m, len, &err) != SCA_OK)
        fail_msg("%s", err.msg);
    return m;
}

static void test_every_flag_combination(void **state)
{
    (void)state;
    pki();
    uint8_t fields[19];
    raw_fields(fields);
    const char *uris[] = {"https://upgrade.example/fw?id=1", "x"};
    for (int key = 0; key < 2; key++) {
        for (int combo = 0; combo < 8; combo++) {
            for (int u = 0; u < 2; u++) {
                int critical = combo >> 2 & 1, pushed = combo >> 1 & 1, dm = combo & 1;
                sca_upgrade_params p = params(critical, pushed, dm, uris[u]);
                size_t n = 0;
                uint8_t *m = build(&p, key ? k.naf_rsa : k.naf_ec, key ? k.naf_rsa_cert : k.naf, &n);
                /* the bit layout */
                assert_int_equal(m[0], 0x00);
                assert_int_equal(m[1], critical << 7 | pushed << 6 | dm << 5);
                assert_memory_equal(m + 2, fields, 19);
                size_t uri_len = pushed ? 0 : strlen(uris[u]);
                if (!pushed) {
                    assert_int_equal(m[21], uri_len);
                    assert_memory_equal(m + 22, uris[u], uri_len);
                }
                size_t tbs = 21 + (pushed ? 0 : 1 + uri_len) + 2, sig_len = key ? 256 : 64;
                assert_int_equal(m[tbs - 2] << 8 | m[tbs - 1], sig_len);

                sca_upgrade_view v;
                assert_int_equal(sca_upgrade_parse(m, n, &v, NULL), SCA_OK);
                assert_true(v.supported);
                assert_int_equal(v.critical, critical);
                assert_int_equal(v.pushed, pushed);
                assert_int_equal(v.contact_dm, dm);
                assert_int_equal(v.tbs_len, tbs);
                assert_int_equal(v.signature_len, sig_len);
                assert_ptr_equal(v.signature, m + tbs);
                assert_int_equal(v.certificate_len, n - tbs - sig_len - 2);
                assert_string_equal(v.fields.imei, FIELDS.imei);
                assert_int_equal(v.uri_kind, pushed ? SCA_UPGRADE_URI_NONE
                                             : dm ? SCA_UPGRADE_URI_DM_SERVER : SCA_UPGRADE_URI_UPGRADE_SERVER);
                assert_int_equal(v.uri_len, uri_len);

                sca_upgrade_result r;
                sca_error err;
                if (sca_upgrade_verify(m, n, k.anchors, fields, &r, &err) != SCA_OK)
                    fail_msg("%s", err.msg);
                assert_int_equal(r.failure, SCA_UPGRADE_OK);
                assert_true(r.supported);
                assert_int_equal(r.critical, critical);
                assert_int_equal(r.pushed, pushed);
                assert_int_equal(r.contact_dm, dm);
                assert_int_equal(r.uri_kind, v.uri_kind);
                assert_string_equal(r.uri, pushed ? "" : uris[u]);
                assert_string_equal(r.naf_subject, key ? "CN=naf-rsa.example" : "CN=naf.example");
                free(m);
            }
        }
    }
}

static void test_reserved_bits_kept_and_ignored(void **state)
{
    (void)state;
    pki();
    sca_upgrade_params p = params(1, 0, 1, "https://dm.example/");
    p.reserved_future = 0x0F;
    p.reserved = 0x1F;
    size_t n = 0;
    uint8_t *m = build(&p, k.naf_ec, k.naf, &n);
    assert_int_equal(m[0], 0x0F);
    assert_int_equal(m[1], 0xBF);
    sca_upgrade_view v;
    assert_int_equal(sca_upgrade_parse(m, n, &v, NULL), SCA_OK);
    assert_int_equal(v.reserved_future, 0x0F);
    assert_int_equal(v.reserved, 0x1F);
    assert_true(v.critical && !v.pushed && v.contact_dm);
    sca_upgrade_result r;
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, NULL), SCA_OK);
    assert_true(r.supported && r.critical);
    free(m);
}

static void test_unsupported_protocol_version(void **state)
{
    (void)state;
    pki();
    for (int ver = 1; ver < 16; ver++) {
        sca_upgrade_params p = params(1, 0, 0, "https://u.example/");
        p.protocol_version = (uint8_t)ver;
        size_t n = 0;
        uint8_t *m = build(&p, k.naf_ec, k.naf, &n);
        sca_upgrade_view v;
        sca_upgrade_result r;
        sca_error err;
        assert_int_equal(sca_upgrade_parse(m, n, &v, &err), SCA_OK);
        assert_false(v.supported);
        assert_int_equal(v.protocol_version, ver);
        assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_OK);
        assert_false(r.supported);
        assert_int_equal(r.protocol_version, ver);
        assert_false(r.critical);
        /* whatever follows the first byte is not looked at */
        assert_int_equal(sca_upgrade_verify(m, 1, k.empty, p.fields, &r, &err), SCA_OK);
        assert_false(r.supported);
        free(m);
    }
    sca_error err;
    assert_int_equal(sca_upgrade_parse(NULL, 0, &(sca_upgrade_view){0}, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "empty"));
}

static void test_every_truncation_and_extra_byte(void **state)
{
    (void)state;
    pki();
    for (int pushed = 0; pushed < 2; pushed++) {
        sca_upgrade_params p = params(0, pushed, 0, "https://u.example/");
        size_t n = 0;
        uint8_t *m = build(&p, k.naf_ec, k.naf, &n);
        sca_upgrade_view v;
        sca_upgrade_result r;
        sca_error err;
        for (size_t cut = 0; cut < n; cut++) {
            uint8_t *t = malloc(cut ? cut : 1);
            memcpy(t, m, cut);
            assert_int_equal(sca_upgrade_parse(t, cut, &v, &err), SCA_E_PARSE);
            assert_non_null(strstr(err.msg, "upgrade_available_msg"));
            assert_int_equal(sca_upgrade_verify(t, cut, k.anchors, p.fields, &r, &err), SCA_E_PARSE);
            assert_int_equal(r.failure, SCA_UPGRADE_MALFORMED);
            free(t);
        }
        uint8_t *longer = malloc(n + 1);
        memcpy(longer, m, n);
        longer[n] = 0x00;
        assert_int_equal(sca_upgrade_parse(longer, n + 1, &v, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "trailing"));
        free(longer);
        free(m);
    }
}

static void test_uri_rules(void **state)
{
    (void)state;
    pki();
    sca_upgrade_params p = params(0, 0, 0, "https://u.example/");
    size_t n = 0;
    uint8_t *m = build(&p, k.naf_ec, k.naf, &n);
    sca_upgrade_view v;
    sca_error err;
    /* a URI length of 0 (the rest shifted by one: the parser stops at the length) */
    uint8_t saved = m[21];
    m[21] = 0;
    assert_int_equal(sca_upgrade_parse(m, n, &v, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "length 0"));
    m[21] = saved;
    /* an octet that is not printable ASCII, anywhere in the URI */
    const uint8_t bad[] = {0x00, 0x1F, 0x20, 0x7F, 0x80, 0xFF};
    for (size_t i = 0; i < sizeof bad; i++) {
        for (size_t pos = 0; pos < saved; pos++) {
            uint8_t c = m[22 + pos];
            m[22 + pos] = bad[i];
            assert_int_equal(sca_upgrade_parse(m, n, &v, &err), SCA_E_PARSE);
            assert_non_null(strstr(err.msg, "printable"));
            m[22 + pos] = c;
        }
    }
    assert_int_equal(sca_upgrade_parse(m, n, &v, &err), SCA_OK);
    free(m);

    /* the builder's rules */
    char longest[257];
    memset(longest, 'a', 255);
    longest[255] = '\0';
    p = params(0, 0, 1, longest);
    m = build(&p, k.naf_ec, k.naf, &n);
    sca_upgrade_result r;
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, NULL), SCA_OK);
    assert_int_equal(strlen(r.uri), 255);
    assert_int_equal(r.uri_kind, SCA_UPGRADE_URI_DM_SERVER);
    free(m);
    uint8_t *none = NULL;
    longest[255] = 'a';
    longest[256] = '\0';
    assert_int_equal(sca_upgrade_build(&p, k.naf_ec, k.naf, &none, &n, &err), SCA_E_INVALID_ARG);
    p.uri = "";
    assert_int_equal(sca_upgrade_build(&p, k.naf_ec, k.naf, &none, &n, &err), SCA_E_INVALID_ARG);
    p.uri = "https://a b/";
    assert_int_equal(sca_upgrade_build(&p, k.naf_ec, k.naf, &none, &n, &err), SCA_E_INVALID_ARG);
    assert_non_null(strstr(err.msg, "percent-encode"));
    p.uri = NULL;
    assert_int_equal(sca_upgrade_build(&p, k.naf_ec, k.naf, &none, &n, &err), SCA_E_INVALID_ARG);
    p.pushed = 1;
    p.uri = "https://u/";
    assert_int_equal(sca_upgrade_build(&p, k.naf_ec, k.naf, &none, &n, &err), SCA_E_INVALID_ARG);
    p.uri = NULL;
    p.reserved = 0x20;
    assert_int_equal(sca_upgrade_build(&p, k.naf_ec, k.naf, &none, &n, &err), SCA_E_INVALID_ARG);
    p.reserved = 0;
    assert_int_equal(sca_upgrade_build(&p, k.p384, k.naf, &none, &n, &err), SCA_E_CRYPTO);
    assert_null(none);
}

static void test_tampered_tbs_and_signature(void **state)
{
    (void)state;
    pki();
    EVP_PKEY *keys[] = {k.naf_ec, k.naf_rsa};
    X509 *certs[] = {k.naf, k.naf_rsa_cert};
    for (int key = 0; key < 2; key++) {
        for (int pushed = 0; pushed < 2; pushed++) {
            sca_upgrade_params p = params(0, pushed, 1, "https://dm.example/");
            size_t n = 0;
            uint8_t *m = build(&p, keys[key], certs[key], &n);
            sca_upgrade_view v;
            assert_int_equal(sca_upgrade_parse(m, n, &v, NULL), SCA_OK);
            sca_upgrade_result r;
            sca_error err;
            for (size_t pos = 0; pos < v.tbs_len + v.signature_len; pos++) {
                /* the lowest and highest bit of every signed byte (of byte 0 the lowest 4: its high nibble is
                 * protocol_version, which makes the message ignored, see above), the lowest of the signature's */
                for (int bit = 0; bit < (pos == 0 ? 4 : 8); bit += pos == 0 ? 3 : pos < v.tbs_len ? 7 : 8) {
                    m[pos] ^= (uint8_t)(1u << bit);
                    if (sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err) == SCA_OK)
                        fail_msg("key %d pushed %d: byte %zu bit %d changed, still verifies", key, pushed, pos, bit);
                    assert_true(r.failure == SCA_UPGRADE_BAD_SIGNATURE || r.failure == SCA_UPGRADE_MALFORMED);
                    if (pos == 0 || (pos >= 10 && pos < 21)) /* reserved bits, fields after the IMEI */
                        assert_int_equal(r.failure, SCA_UPGRADE_BAD_SIGNATURE);
                    m[pos] ^= (uint8_t)(1u << bit);
                }
            }
            assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_OK);
            free(m);
        }
    }
}

static void test_trust(void **state)
{
    (void)state;
    pki();
    sca_upgrade_params p = params(1, 0, 0, "https://u.example/");
    sca_upgrade_result r;
    sca_error err;
    size_t n = 0;
    uint8_t *m = build(&p, k.naf_ec, k.naf, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_OK);
    /* wrong anchor, none at all */
    assert_int_equal(sca_upgrade_verify(m, n, k.other_anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_UNTRUSTED);
    assert_non_null(strstr(err.msg, "NAF certificate is not trusted"));
    assert_false(r.supported);
    assert_int_equal(sca_upgrade_verify(m, n, k.empty, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_UNTRUSTED);
    assert_non_null(strstr(err.msg, "no NAF trust anchor"));
    assert_int_equal(sca_upgrade_verify(m, n, NULL, p.fields, &r, &err), SCA_E_CRYPTO);
    free(m);

    /* expired, not yet valid */
    m = build(&p, k.naf_ec, k.naf_expired, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_UNTRUSTED);
    assert_non_null(strstr(err.msg, "expired"));
    free(m);
    m = build(&p, k.naf_ec, k.naf_future, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_non_null(strstr(err.msg, "not yet valid"));
    free(m);

    /* the NAF certificate is itself the anchor; an anchor that is not self-signed */
    m = build(&p, k.naf_ec, k.naf_self, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.self_anchors, p.fields, &r, &err), SCA_OK);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    free(m);
    m = build(&p, k.naf_ec, k.naf_by_inter, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.inter_anchors, p.fields, &r, &err), SCA_OK);
    /* path length 1: the root alone does not vouch for a certificate of its intermediate, which the message
     * cannot carry */
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_UNTRUSTED);
    free(m);

    /* no certificate; a malformed one; a P-384 one (trusted, but its key cannot have made the signature) */
    m = build(&p, k.naf_ec, NULL, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_NO_CERT);
    assert_non_null(strstr(err.msg, "no NAF certificate"));
    free(m);
    m = build(&p, k.naf_ec, k.naf, &n);
    m[n - 1] ^= 0xFF; /* the last byte of the certificate's signature: still DER, no longer verifies */
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_UNTRUSTED);
    m[n - 1] ^= 0xFF;
    sca_upgrade_view v;
    assert_int_equal(sca_upgrade_parse(m, n, &v, NULL), SCA_OK);
    m[v.certificate - m] = 0x31; /* SET, not SEQUENCE */
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_PARSE);
    assert_int_equal(r.failure, SCA_UPGRADE_MALFORMED);
    assert_non_null(strstr(err.msg, "NAF certificate"));
    free(m);
    m = build(&p, k.naf_ec, k.naf_p384, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_UNSUPPORTED_KEY);
    free(m);

    /* signed with a key other than the certificate's */
    m = build(&p, k.naf_ec, k.naf_rsa_cert, &n);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_BAD_SIGNATURE);
    assert_non_null(strstr(err.msg, "signature does not verify"));
    free(m);
}

static void test_other_client(void **state)
{
    (void)state;
    pki();
    sca_upgrade_params p = params(0, 1, 0, NULL);
    size_t n = 0;
    uint8_t *m = build(&p, k.naf_ec, k.naf, &n);
    sca_upgrade_result r;
    sca_error err;
    uint8_t mine[19];
    sca_bcast_fields f = FIELDS;
    f.sw_version = 8; /* this client already upgraded */
    assert_int_equal(sca_bcast_fields_encode(&f, mine, NULL), SCA_OK);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, mine, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_OTHER_CLIENT);
    assert_non_null(strstr(err.msg, "another client"));
    assert_false(r.supported);
    f = FIELDS;
    strcpy(f.imei, "352099001761481");
    assert_int_equal(sca_bcast_fields_encode(&f, mine, NULL), SCA_OK);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, mine, &r, &err), SCA_E_CRYPTO);
    assert_int_equal(r.failure, SCA_UPGRADE_OTHER_CLIENT);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, NULL, &r, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_upgrade_verify(m, n, k.anchors, p.fields, NULL, NULL), SCA_OK);
    free(m);
}

static void test_anchors_from_der(void **state)
{
    (void)state;
    pki();
    size_t l1 = 0, l2 = 0;
    uint8_t *d1 = tpki_der(k.root, &l1), *d2 = tpki_der(k.other, &l2);
    const uint8_t *der[] = {d1, d2};
    size_t len[] = {l1, l2};
    STACK_OF(X509) *s = NULL;
    sca_error err;
    assert_int_equal(sca_upgrade_anchors_from_der(der, len, 2, &s, &err), SCA_OK);
    assert_int_equal(sk_X509_num(s), 2);
    assert_int_equal(X509_cmp(sk_X509_value(s, 0), k.root), 0);
    sk_X509_pop_free(s, X509_free);
    len[1] = l2 - 1;
    assert_int_equal(sca_upgrade_anchors_from_der(der, len, 2, &s, &err), SCA_E_PARSE);
    assert_null(s);
    assert_non_null(strstr(err.msg, "anchor 2"));
    assert_int_equal(sca_upgrade_anchors_from_der(der, len, 0, &s, &err), SCA_OK);
    assert_int_equal(sk_X509_num(s), 0);
    sk_X509_pop_free(s, X509_free);
    free(d1);
    free(d2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_flag_combination),
    cmocka_unit_test(test_reserved_bits_kept_and_ignored),
    cmocka_unit_test(test_unsupported_protocol_version),
    cmocka_unit_test(test_every_truncation_and_extra_byte),
    cmocka_unit_test(test_uri_rules),
    cmocka_unit_test(test_tampered_tbs_and_signature),
    cmocka_unit_test(test_trust),
    cmocka_unit_test(test_other_client),
    cmocka_unit_test(test_anchors_from_der),
};
RUN_SUITE("upgrade_msg", tests)
