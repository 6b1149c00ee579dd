/* MILENAGE on the host against the TS 35.207 / 35.208 test sets 1-6 (sources and cross-checks in
 * applet-spec/gba.md §4), and the GBA KDF against the fixed values of gba.md §4.2 and against the openssl
 * command line:
 *
 *     openssl mac -digest SHA256 -macopt hexkey:<Ks as hex> -in <file holding S> HMAC
 *
 * which prints the HMAC in upper-case hex; S = FC || P0 || L0 || ... is built here byte by byte. */
#include "harness.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scagent/milenage.h"

typedef struct vec {
    const char *k, *rand, *sqn, *amf, *op, *opc, *f1, *f1s, *f2, *f5, *f3, *f4, *f5s;
} vec;

/* Set n: K, RAND, SQN, AMF, OP, OPc, f1, f1*, f2, f5, f3, f4, f5*. */
static const vec sets[] = {
    {"465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607", "b9b9",
     "cdc202d5123e20f62b6d676ac72cb318", "cd63cb71954a9f4e48a5994e37a02baf", "4a9ffac354dfafb3", "01cfaf9ec4e871e9",
     "a54211d5e3ba50bf", "aa689c648370", "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441",
     "451e8beca43b"},
    {"0396eb317b6d1c36f19c1c84cd6ffd16", "c00d603103dcee52c4478119494202e8", "fd8eef40df7d", "af17",
     "ff53bade17df5d4e793073ce9d7579fa", "53c15671c60a4b731c55b4a441c0bde2", "5df5b31807e258b0", "a8c016e51ef4a343",
     "d3a628ed988620f0", "c47783995f72", "58c433ff7a7082acd424220f2b67c556", "21a8c1f929702adb3e738488b9f5c5da",
     "30f1197061c1"},
    {"fec86ba6eb707ed08905757b1bb44b8f", "9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc", "725c",
     "dbc59adcb6f9a0ef735477b7fadf8374", "1006020f0a478bf6b699f15c062e42b3", "9cabc3e99baf7281", "95814ba2b3044324",
     "8011c48c0c214ed2", "33484dc2136b", "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b",
     "deacdd848cc6"},
    {"9e5944aea94b81165c82fbf9f32db751", "ce83dbc54ac0274a157c17f80d017bd6", "0b604a81eca8", "9e09",
     "223014c5806694c007ca1eeef57f004f", "a64a507ae1a2a98bb88eb4210135dc87", "74a58220cba84c49", "ac2cc74a96871837",
     "f365cd683cd92e96", "f0b9c08ad02e", "e203edb3971574f5a94b0d61b816345d", "0c4524adeac041c4dd830d20854fc46b",
     "6085a86c6f63"},
    {"4ab1deb05ca6ceb051fc98e77d026a84", "74b0cd6031a1c8339b2b6ce2b8c4a186", "e880a1b580b6", "9f07",
     "2d16c5cd1fdf6b22383584e3bef2a8d8", "dcf07cbd51855290b92a07a9891e523e", "49e785dd12626ef2", "9e85790336bb3fa2",
     "5860fc1bce351e7e", "31e11a609118", "7657766b373d1c2138f307e3de9242f9", "1c42e960d89b8fa99f2744e0708ccb53",
     "fe2555e54aa9"},
    {"6c38a116ac280c454f59332ee35c8c4f", "ee6466bc96202c5a557abbeff8babf63", "414b98222181", "4464",
     "1ba00a1a7c6700ac8c3ff3e96ad08725", "3803ef5363b947c6aaa225e58fae3934", "078adfb488241a57", "80246b8d0186bcf1",
     "16c8233f05a0ac28", "45b0f69ab06c", "3f8c7587fe8e4b233af676aede30ba3b", "a7466cc1e6b2a1337d49d3b66e95d7b4",
     "1f53cd2b1113"},
};

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v = 0;
        assert_int_equal(sscanf(s, "%2x", &v), 1);
        assert_true(n < cap);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void expect(const char *want, const uint8_t *got, size_t n)
{
    char h[129];
    assert_true(n <= 64);
    tohex(got, n, h);
    assert_string_equal(h, want);
}

static void test_sets(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        const vec *v = &sets[i];
        uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16], out[16];
        unhex(v->k, k, 16), unhex(v->rand, rand, 16), unhex(v->sqn, sqn, 6), unhex(v->amf, amf, 2);
        unhex(v->op, op, 16);
        sca_error err = {0};
        assert_int_equal(sca_milenage_opc(k, op, opc, &err), SCA_OK);
        expect(v->opc, opc, 16);

        sca_milenage m;
        sca_milenage_init(&m, k, opc);
        assert_int_equal(sca_milenage_set_rand(&m, rand, &err), SCA_OK);
        assert_int_equal(sca_milenage_f1(&m, sqn, amf, out, &err), SCA_OK);
        expect(v->f1, out, 8);
        assert_int_equal(sca_milenage_f1star(&m, sqn, amf, out, &err), SCA_OK);
        expect(v->f1s, out, 8);
        assert_int_equal(sca_milenage_f2(&m, out, &err), SCA_OK);
        expect(v->f2, out, 8);
        assert_int_equal(sca_milenage_f3(&m, out, &err), SCA_OK);
        expect(v->f3, out, 16);
        assert_int_equal(sca_milenage_f4(&m, out, &err), SCA_OK);
        expect(v->f4, out, 16);
        assert_int_equal(sca_milenage_f5(&m, out, &err), SCA_OK);
        expect(v->f5, out, 6);
        assert_int_equal(sca_milenage_f5star(&m, out, &err), SCA_OK);
        expect(v->f5s, out, 6);
        sca_milenage_clear(&m);
        static const sca_milenage zero;
        assert_memory_equal(&m, &zero, sizeof m);
    }
}

static void test_args(void **state)
{
    (void)state;
    sca_error err = {0};
    uint8_t b[32] = {0};
    sca_milenage m;
    sca_milenage_init(&m, b, b);
    assert_int_equal(sca_milenage_opc(NULL, b, b, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_milenage_set_rand(&m, NULL, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_milenage_f1(&m, NULL, b, b, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_milenage_f3(NULL, b, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_gba_ks_naf((sca_gba_label)7, b, b, NULL, 0, NULL, 0, b, &err), SCA_E_INVALID_ARG);
    const uint8_t *p[1] = {b};
    size_t len[1] = {0x10000};
    assert_int_equal(sca_gba_kdf(b, 16, 1, p, len, 1, b, &err), SCA_E_INVALID_ARG);
    sca_milenage_clear(&m);
}

/* Ks = CK || IK of set 1, RAND of set 1; the values of applet-spec/gba.md §4.2 (self-computed, not official). */
static const char *KS = "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441";
static const char *RAND1 = "23553cbe9637a89d218ae64dae47bf35";
static const char *IMPI = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";

static void naf_id(uint8_t *out, size_t *len)
{
    static const char fqdn[] = "bmsc.example.org";
    memcpy(out, fqdn, sizeof fqdn - 1);
    memcpy(out + sizeof fqdn - 1, "\x01\x00\x00\x00\x01", 5);
    *len = sizeof fqdn - 1 + 5;
}

static void test_kdf_fixed(void **state)
{
    (void)state;
    uint8_t ks[32], rand[16], naf[64], out[32];
    size_t naf_len;
    unhex(KS, ks, 32), unhex(RAND1, rand, 16), naf_id(naf, &naf_len);
    sca_error err = {0};
    assert_int_equal(sca_gba_ks_naf(SCA_GBA_ME, ks, rand, (const uint8_t *)IMPI, strlen(IMPI), naf, naf_len, out, &err),
                     SCA_OK);
    expect("79d8098e4b9ef12c858a0da3471f6b2d29b4cbb549500dcb3c88154562de340d", out, 32);
    assert_int_equal(sca_gba_ks_naf(SCA_GBA_U, ks, rand, (const uint8_t *)IMPI, strlen(IMPI), naf, naf_len, out, &err),
                     SCA_OK);
    expect("5ecf80629e0becb2def8d9b3cb80ae3f99ab18f9c50f49fd5da0e6cfb6d0ee5f", out, 32);
}

/* HMAC-SHA-256 of s[0..n) under key by `openssl mac`, as lower-case hex. */
static void openssl_hmac(const uint8_t *key, size_t key_len, const uint8_t *s, size_t n, char hex[65])
{
    char path[] = "/tmp/scagent-kdf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, s, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
    char khex[129], cmd[512], line[256] = "";
    tohex(key, key_len, khex);
    snprintf(cmd, sizeof cmd, "openssl mac -digest SHA256 -macopt hexkey:%s -in '%s' HMAC", khex, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(line, sizeof line, p));
    assert_int_equal(pclose(p), 0);
    unlink(path);
    size_t j = 0;
    for (size_t i = 0; line[i] && j < 64; i++)
        if (isxdigit((unsigned char)line[i]))
            hex[j++] = (char)tolower((unsigned char)line[i]);
    hex[j] = '\0';
    assert_int_equal(j, 64);
}

static void test_kdf_openssl_cli(void **state)
{
    (void)state;
    uint32_t x = 33220;
    for (int c = 0; c < 8; c++) {
        uint8_t ks[32], rand[16], impi[300], naf[64], s[512], out[32];
        size_t impi_len = c == 7 ? 300 : (size_t)(c * 11), naf_len = (size_t)(5 + c * 7);
        uint8_t *all[] = {ks, rand, impi, naf};
        size_t all_len[] = {32, 16, impi_len, naf_len};
        for (int a = 0; a < 4; a++)
            for (size_t i = 0; i < all_len[a]; i++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                all[a][i] = (uint8_t)x;
            }
        sca_gba_label label = (c & 1) ? SCA_GBA_U : SCA_GBA_ME;
        const char *p0 = label == SCA_GBA_U ? "gba-u" : "gba-me";
        size_t n = 0;
        s[n++] = 0x01;
        const uint8_t *parts[] = {(const uint8_t *)p0, rand, impi, naf};
        size_t plen[] = {strlen(p0), 16, impi_len, naf_len};
        for (int i = 0; i < 4; i++) {
            memcpy(s + n, parts[i], plen[i]);
            n += plen[i];
            s[n++] = (uint8_t)(plen[i] >> 8);
            s[n++] = (uint8_t)plen[i];
        }
        char want[65];
        openssl_hmac(ks, 32, s, n, want);
        sca_error err = {0};
        assert_int_equal(sca_gba_ks_naf(label, ks, rand, impi, impi_len, naf, naf_len, out, &err), SCA_OK);
        expect(want, out, 32);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sets),
    cmocka_unit_test(test_args),
    cmocka_unit_test(test_kdf_fixed),
    cmocka_unit_test(test_kdf_openssl_cli),
};

RUN_SUITE("milenage", tests)
