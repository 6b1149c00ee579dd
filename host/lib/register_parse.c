/* Registration signalling: what a NAF response means (5.1.7.3), and a printable excerpt of a body. Pure
 * functions over outside bytes: every read is bounded by the given lengths (fuzzed by tests/fuzz/fuzz_register.c). */
#include "scagent/register.h"

#include <string.h>

static const char id_request[] = "send_BCAST_Client_ID"; /* 5.1.7.3.2 */

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }
static int blank(int c) { return c == ' ' || c == '\t'; }

/* Does the Content-Type value name media type `want` (lower case)? Parameters after ';' do not matter. */
static int media_is(const char *ct, size_t n, const char *want)
{
    if (ct == NULL)
        return 0;
    size_t i = 0;
    while (i < n && blank((unsigned char)ct[i]))
        i++;
    size_t start = i;
    while (i < n && ct[i] != ';' && !blank((unsigned char)ct[i]))
        i++;
    size_t end = i;
    while (i < n && blank((unsigned char)ct[i]))
        i++;
    if (i < n && ct[i] != ';')
        return 0; /* "type junk": not one media type */
    size_t wl = strlen(want);
    if (end - start != wl)
        return 0;
    for (size_t k = 0; k < wl; k++)
        if (lower((unsigned char)ct[start + k]) != want[k])
            return 0;
    return 1;
}

static int contains(const uint8_t *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (hay == NULL || m > n)
        return 0;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

sca_register_outcome sca_register_classify(long status, const char *ctype, size_t ctype_len, const uint8_t *body,
                                           size_t len, int *asks_id)
{
    if (asks_id != NULL)
        *asks_id = 0;
    /* application/octet-stream too: §8 accepts it for servers that label binary bodies generically */
    int upgrade = media_is(ctype, ctype_len, SCA_REGISTER_UPGRADE_TYPE) ||
                  media_is(ctype, ctype_len, "application/octet-stream");
    if (status == 403) {
        if (upgrade)
            return SCA_REG_UPGRADE_CRITICAL;
        /* the request for the identifier is plain text; looking for it in a labelled upgrade message could
         * misread signature bytes, hence only here */
        if (asks_id != NULL && contains(body, len, id_request))
            *asks_id = 1;
        return SCA_REG_REFUSED;
    }
    if (status >= 200 && status <= 299)
        return upgrade ? SCA_REG_UPGRADE_OPTIONAL : SCA_REG_ACCEPTED;
    return SCA_REG_REFUSED;
}

void sca_register_excerpt(const uint8_t *body, size_t len, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return;
    size_t o = 0;
    int space = 0, cut = 0;
    for (size_t i = 0; body != NULL && i < len; i++) {
        uint8_t c = body[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = o > 0;
            continue;
        }
        if (o + (size_t)space + 1 > cap - 1) {
            cut = 1;
            break;
        }
        if (space)
            out[o++] = ' ';
        space = 0;
        out[o++] = (c >= 0x21 && c <= 0x7E) ? (char)c : '.';
    }
    if (cut && cap > 4) {
        if (o > cap - 4)
            o = cap - 4;
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

const char *sca_register_outcome_name(sca_register_outcome o)
{
    switch (o) {
    case SCA_REG_ACCEPTED:
        return "accepted";
    case SCA_REG_UPGRADE_OPTIONAL:
        return "upgrade-optional";
    case SCA_REG_UPGRADE_CRITICAL:
        return "upgrade-critical";
    case SCA_REG_REFUSED:
        return "refused";
    }
    return "unknown";
}
