/* The DM server id a verified bootstrap names (its DMAcc ServerID), read from the XML libwbxml2 decoded. */
#include <ctype.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>

#include "scagent/dmboot_card.h"
#include "sca_contract.h"

/* [s, e) without surrounding XML white space. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r' || (*e)[-1] == '\n'))
        (*e)--;
}

/* The text of the element `tag` that starts at or after `from` and before `limit`: [*s, *e). */
static int element(const char *from, const char *limit, const char *tag, const char **s, const char **e)
{
    char open[24], close[24];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *o = strstr(from, open);
    if (o == NULL || o >= limit)
        return 0;
    *s = o + strlen(open);
    const char *c = strstr(*s, close);
    if (c == NULL || c > limit)
        return -1;
    *e = c;
    trim(s, e);
    return 1;
}

/* "./DMAcc/<x>/ServerID" (DM 1.2) or "./SyncML/DMAcc/<x>/ServerId" (DM 1.1.2), any case of the last segment. */
static int is_server_id_uri(const char *s, const char *e)
{
    static const char *const roots[] = {"./DMAcc/", "./SyncML/DMAcc/"};
    static const char leaf[] = "/ServerID";
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        size_t rl = strlen(roots[i]), ll = sizeof leaf - 1;
        if ((size_t)(e - s) <= rl + ll || strncmp(s, roots[i], rl) != 0 || strncasecmp(e - ll, leaf, ll) != 0)
            continue;
        const char *name = s + rl, *name_end = e - ll;
        if (memchr(name, '/', (size_t)(name_end - name)) == NULL)
            return 1;
    }
    return 0;
}

sca_rc sca_dmboot_server_id(const char *xml, char *out, size_t cap, sca_error *err)
{
    if (xml == NULL || out == NULL || cap == 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no XML or no room for the server id");
    const char *end = xml + strlen(xml);
    const char *p = xml;
    for (;;) {
        const char *item = strstr(p, "<Item>");
        if (item == NULL)
            return sca_error_set(err, SCA_E_NOT_FOUND, "the bootstrap names no DM server (no DMAcc ServerID item)");
        const char *item_end = strstr(item, "</Item>");
        if (item_end == NULL)
            return sca_error_set(err, SCA_E_PARSE, "the bootstrap XML has an unterminated Item");
        const char *s, *e;
        int t = element(item, item_end, "LocURI", &s, &e);
        if (t < 0)
            return sca_error_set(err, SCA_E_PARSE, "the bootstrap XML has an unterminated LocURI");
        if (t > 0 && is_server_id_uri(s, e)) {
            t = element(e, item_end, "Data", &s, &e);
            if (t <= 0)
                return sca_error_set(err, SCA_E_PARSE, "the bootstrap's ServerID item has no Data");
            /* libwbxml2 writes opaque data as one CDATA section: take its content */
            static const char cd_open[] = "<![CDATA[", cd_close[] = "]]>";
            if ((size_t)(e - s) >= sizeof cd_open - 1 + sizeof cd_close - 1 &&
                strncmp(s, cd_open, sizeof cd_open - 1) == 0 &&
                strncmp(e - (sizeof cd_close - 1), cd_close, sizeof cd_close - 1) == 0) {
                s += sizeof cd_open - 1;
                e -= sizeof cd_close - 1;
            }
            size_t n = (size_t)(e - s);
            if (n == 0 || n > SCA_DM_ID_MAX || n + 1 > cap)
                return sca_error_set(err, SCA_E_PARSE, "the bootstrap's ServerID has %zu bytes; 1..%d are accepted",
                                     n, SCA_DM_ID_MAX);
            for (size_t i = 0; i < n; i++)
                if (!isprint((unsigned char)s[i]) || s[i] == '&' || s[i] == '<' || s[i] == '>')
                    return sca_error_set(err, SCA_E_PARSE,
                                         "the bootstrap's ServerID is not plain printable text; refused");
            memcpy(out, s, n);
            out[n] = '\0';
            return SCA_OK;
        }
        p = item_end + 7;
        if (p > end)
            return sca_error_set(err, SCA_E_NOT_FOUND, "the bootstrap names no DM server");
    }
}
