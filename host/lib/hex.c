/* Hex encoding and decoding. */
#include "scagent/log.h"

#include <ctype.h>

void sca_hex_encode(const uint8_t *in, size_t len, char *out, int spaced)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (spaced && i > 0)
            out[o++] = ' ';
        out[o++] = digits[in[i] >> 4];
        out[o++] = digits[in[i] & 0x0F];
    }
    out[o] = '\0';
}

int sca_hex_digit(int c)
{
    /* no tolower(): a negative char would be undefined behaviour there */
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long sca_hex_decode(const char *in, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = in; *p != '\0'; p++) {
        if (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n') {
            if (hi >= 0)
                return -1; /* a separator inside a byte */
            continue;
        }
        int v = sca_hex_digit((unsigned char)*p);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi >= 0 ? -1 : (long)n;
}
