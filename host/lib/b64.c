/* Base64 through OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock. EVP_DecodeBlock is lenient (it skips surrounding
 * whitespace and keeps the padding's zero bytes), so the canonical form is checked here first. */
#include "b64.h"

#include <limits.h>
#include <stdlib.h>

#include <openssl/evp.h>

sca_rc sca_b64_encode(const uint8_t *in, size_t len, char **out, sca_error *err)
{
    *out = NULL;
    if (len > (size_t)INT_MAX / 4 * 3 - 3)
        return sca_error_set(err, SCA_E_INVALID_ARG, "%zu bytes are too many to Base64-encode here", len);
    size_t cap = 4 * ((len + 2) / 3) + 1;
    char *s = malloc(cap);
    if (s == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    int n = EVP_EncodeBlock((unsigned char *)s, in, (int)len);
    if (n < 0 || (size_t)n != cap - 1) {
        free(s);
        return sca_error_set(err, SCA_E_INTERNAL, "Base64 encoding failed in OpenSSL");
    }
    *out = s;
    return SCA_OK;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Why a string is not canonical Base64. One scan decides it for both sca_b64_decode and sca_b64_decoded_len
 * (the daemon's schema check), so a string the schema accepts always decodes: the rules cannot drift apart. */
typedef enum b64_fault {
    B64_CANONICAL = 0,
    B64_NOT_QUADS, /* length not a multiple of 4 (padding missing?) */
    B64_BAD_CHAR,  /* a character outside the alphabet, incl. whitespace and '=' other than the last one or two */
    B64_BAD_BITS,  /* the bits the padding leaves unused are not zero */
} b64_fault;

/* Checks the whole of in[0..n); *pad gets the number of '=' and, for B64_BAD_CHAR, *at the index of the first
 * bad character. */
static b64_fault b64_scan(const char *in, size_t n, size_t *pad, size_t *at)
{
    *pad = 0;
    *at = 0;
    if (n % 4 != 0)
        return B64_NOT_QUADS;
    if (n >= 4 && in[n - 1] == '=')
        *pad = in[n - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < n - *pad; i++)
        if (b64_value(in[i]) < 0) {
            *at = i;
            return B64_BAD_CHAR;
        }
    if (*pad > 0) { /* the bits the padding leaves unused must be zero, else two encodings mean the same bytes */
        int last = b64_value(in[n - *pad - 1]);
        if ((*pad == 2 && (last & 0x0F)) || (*pad == 1 && (last & 0x03)))
            return B64_BAD_BITS;
    }
    return B64_CANONICAL;
}

long long sca_b64_decoded_len(const char *in, size_t n)
{
    size_t pad, at;
    if (b64_scan(in, n, &pad, &at) != B64_CANONICAL)
        return -1;
    size_t len = n / 4 * 3 - pad;
    return len > (size_t)LLONG_MAX ? -1 : (long long)len; /* only reachable with a 64-bit size_t near its top */
}

sca_rc sca_b64_decode(const char *in, size_t n, size_t max, uint8_t **out, size_t *out_len, sca_error *err)
{
    *out = NULL;
    *out_len = 0;
    size_t pad, at;
    b64_fault f = b64_scan(in, n, &pad, &at);
    /* the faults are reported in the order they were always checked: length, size limit, alphabet, bits */
    if (f == B64_NOT_QUADS)
        return sca_error_set(err, SCA_E_PARSE, "Base64: %zu characters, not a multiple of 4 (padding missing?)",
                             n);
    if (n > INT_MAX || n / 4 * 3 > max + 2)
        return sca_error_set(err, SCA_E_PARSE, "Base64: %zu characters decode to more than the %zu bytes allowed",
                             n, max);
    if (f == B64_BAD_CHAR)
        return sca_error_set(err, SCA_E_PARSE, "Base64: character %zu (0x%02X) is not in the standard alphabet",
                             at + 1, (unsigned)(unsigned char)in[at]);
    if (f == B64_BAD_BITS)
        return sca_error_set(err, SCA_E_PARSE, "Base64: non-canonical final character before the padding");
    size_t len = n / 4 * 3 - pad;
    if (len > max)
        return sca_error_set(err, SCA_E_PARSE, "Base64: %zu bytes, more than the %zu allowed", len, max);
    uint8_t *buf = malloc(n / 4 * 3 + 1); /* +1: never malloc(0) */
    if (buf == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    int got = n ? EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n) : 0;
    if (got < 0 || (size_t)got != n / 4 * 3) {
        free(buf);
        return sca_error_set(err, SCA_E_INTERNAL, "Base64 decoding failed in OpenSSL after validation");
    }
    *out = buf;
    *out_len = len;
    return SCA_OK;
}
