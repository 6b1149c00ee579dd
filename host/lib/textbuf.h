/* A growing NUL-terminated text buffer (internal): the one copy of the append-and-double logic the HTTP answer
 * body (http_exchange.c) and the provisioning request bodies (bcast_provision_xml.c) share. */
#ifndef SCA_TEXTBUF_H
#define SCA_TEXTBUF_H

#include <stdlib.h>
#include <string.h>

/* Append `n` bytes of `s` at (*p)[*len] and keep the text NUL-terminated; the buffer (*p, *cap; NULL, 0 at first)
 * doubles from `first` bytes as needed. 0 when out of memory (then nothing changed). */
static inline int sca_textbuf_append(char **p, size_t *len, size_t *cap, size_t first, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : first;
        while (c < *len + n + 1)
            c *= 2;
        char *q = realloc(*p, c);
        if (q == NULL)
            return 0;
        *p = q;
        *cap = c;
    }
    memcpy(*p + *len, s, n);
    *len += n;
    (*p)[*len] = '\0';
    return 1;
}

#endif
