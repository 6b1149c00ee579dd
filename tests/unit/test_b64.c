/* Base64: sca_b64_decoded_len (scagentd's schema check) and sca_b64_decode must agree on every string: a
 * parameter the daemon accepts has to decode in the handler, and one it rejects must be one the decoder rejects
 * too. The tricky cases by hand, then every short string over an alphabet that holds each kind of trap. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"

/* Both verdicts for in[0..n); the decoder gets a limit that never binds, so only the canonical rules count. */
static void agree(const char *in, size_t n)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    long long want = sca_b64_decoded_len(in, n);
    sca_rc rc = sca_b64_decode(in, n, n, &buf, &len, NULL);
    if (want < 0) {
        if (rc != SCA_E_PARSE)
            fail_msg("length check rejects \"%.*s\" (%zu chars) but the decoder returns %d", (int)n, in, n, rc);
        assert_null(buf);
    } else {
        if (rc != SCA_OK)
            fail_msg("length check accepts \"%.*s\" (%zu chars) as %lld bytes but the decoder returns %d", (int)n,
                     in, n, want, rc);
        assert_int_equal(len, (size_t)want);
        assert_non_null(buf);
    }
    free(buf);
}

static void test_lengths(void **state)
{
    (void)state;
    assert_int_equal(sca_b64_decoded_len("", 0), 0);
    assert_int_equal(sca_b64_decoded_len("Zg==", 4), 1);
    assert_int_equal(sca_b64_decoded_len("Zm8=", 4), 2);
    assert_int_equal(sca_b64_decoded_len("Zm9v", 4), 3);
    assert_int_equal(sca_b64_decoded_len("Zm9vYmE=", 8), 5);
    assert_int_equal(sca_b64_decoded_len("Zm9v", 3), -1); /* exactly n characters count, not up to a NUL */
}

static void test_tricky_strings_agree(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",          /* empty: 0 bytes */
        "Zg==",      /* canonical 1 byte */
        "Zm8=",      /* canonical 2 bytes */
        "Zh==",      /* non-canonical: unused bits set before "==" */
        "Zm9=",      /* non-canonical: unused bits set before "=" */
        "AB==",      /* non-canonical, low bit only */
        "AAB=",      /* non-canonical, low bit only */
        "Zg",        /* padding missing */
        "Zm8",       /* padding missing */
        "Zg=",       /* padding short */
        "Z===",      /* three '=' */
        "====",      /* nothing but padding */
        "Zm9v====",  /* a whole quad of padding */
        "Zg==Zg==",  /* '=' inside, padding then more data */
        "Zm=v",      /* '=' inside a quad */
        "=Zm9",      /* '=' first */
        "Zm9v\n",    /* trailing newline */
        " Zm9v",     /* leading blank */
        "Zm9v Zm9",  /* blank inside */
        "Zm9\tv",    /* tab */
        "Zm\r\n9v",  /* CRLF */
        "Zm-v",      /* base64url characters */
        "Zm_v",
        "Zm9v\xc3\xa9", /* non-ASCII */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        agree(cases[i], strlen(cases[i]));
    agree("Zm\0v", 4); /* an embedded NUL counts as a character, not an end */
    agree("Zg=\0", 4);
}

/* Every string of 4 and of 8 characters over a small alphabet: zero and non-zero unused bits (A, B, Q, g),
 * the two symbols, '=', whitespace, a NUL and a base64url character. */
static void test_exhaustive_agree(void **state)
{
    (void)state;
    static const char alpha[] = {'A', 'B', 'Q', 'g', '+', '/', '=', ' ', '\n', '\0', '-'};
    enum { K = sizeof alpha };
    char s[8];
    for (unsigned long c = 0; c < (unsigned long)K * K * K * K; c++) {
        unsigned long x = c;
        for (int j = 0; j < 4; j++, x /= K)
            s[j] = alpha[x % K];
        agree(s, 4);
    }
    /* 8 characters: a canonical or broken first quad before every possible last quad */
    static const char *const first[] = {"QUJD", "QQ==", "QU=D", "QU J"};
    for (size_t f = 0; f < sizeof first / sizeof first[0]; f++)
        for (unsigned long c = 0; c < (unsigned long)K * K * K * K; c++) {
            unsigned long x = c;
            memcpy(s, first[f], 4);
            for (int j = 4; j < 8; j++, x /= K)
                s[j] = alpha[x % K];
            agree(s, 8);
        }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_lengths),
    cmocka_unit_test(test_tricky_strings_agree),
    cmocka_unit_test(test_exhaustive_agree),
};

RUN_SUITE("b64", tests)
