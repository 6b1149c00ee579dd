/* DM bootstrap: the WSP binary Content-type value with its SEC and MAC parameters (WAP-230-WSP 8.4.2.24
 * Content-type, 8.4.2.4 Parameter, 8.4.2.1 basic rules, 8.4.1.2 field values, table 38 parameter assignments; the
 * choices are in scagent/bootstrap.h). */
#include <string.h>

#include "bootstrap_int.h"

typedef struct rd {
    const uint8_t *p, *end;
} rd;

static sca_rc truncated(const char *what, sca_error *err)
{
    return sca_error_set(err, SCA_E_PARSE, "the WSP Content-type ends inside %s: truncated or malformed", what);
}

static sca_rc malformed(const rd *r, const char *expected, sca_error *err)
{
    return sca_error_set(err, SCA_E_PARSE, "the WSP Content-type has byte 0x%02X where %s was expected", *r->p,
                         expected);
}

int dmboot_uintvar(const uint8_t **p, const uint8_t *end, unsigned max_octets, uint32_t *v)
{
    uint32_t acc = 0;
    for (unsigned i = 0; i < max_octets; i++) {
        if (*p + i >= end)
            return 0;
        uint8_t b = (*p)[i];
        if (acc >> 25)
            return -1; /* beyond 32 bits */
        acc = acc << 7 | (b & 0x7Fu);
        if ((b & 0x80) == 0) {
            *p += i + 1;
            *v = acc;
            return 1;
        }
    }
    return -1;
}

static sca_rc uintvar(rd *r, unsigned max_octets, uint32_t *v, const char *what, sca_error *err)
{
    int ok = dmboot_uintvar(&r->p, r->end, max_octets, v);
    if (ok == 0)
        return truncated(what, err);
    if (ok < 0)
        return sca_error_set(err, SCA_E_PARSE, "the WSP %s is longer than %u octets or beyond 32 bits", what,
                             max_octets);
    return SCA_OK;
}

/* Integer-value: Short-integer (1xxxxxxx) or Long-integer (Short-length 1..30, that many octets; at most 4 here) */
static sca_rc integer(rd *r, uint32_t *v, const char *what, sca_error *err)
{
    if (r->p >= r->end)
        return truncated(what, err);
    uint8_t b = *r->p;
    if (b & 0x80) {
        *v = b & 0x7Fu;
        r->p++;
        return SCA_OK;
    }
    if (b == 0 || b > 30)
        return malformed(r, what, err);
    if (b > 4)
        return sca_error_set(err, SCA_E_PARSE, "the WSP %s is a %u-octet integer; at most 4 are supported", what, b);
    if ((size_t)(r->end - r->p) < 1u + b)
        return truncated(what, err);
    *v = 0;
    for (unsigned i = 1; i <= b; i++)
        *v = *v << 8 | r->p[i];
    r->p += 1u + b;
    return SCA_OK;
}

/* *TEXT End-of-string: the characters before the next 00 (which must be inside r) */
static sca_rc to_nul(rd *r, const char **s, size_t *len, const char *what, sca_error *err)
{
    const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
    if (nul == NULL)
        return truncated(what, err);
    *s = (const char *)r->p;
    *len = (size_t)(nul - r->p);
    r->p = nul + 1;
    return SCA_OK;
}

/* Text-value = No-value | Token-text | Quoted-string; also a Text-string with its Quote (7F) */
static sca_rc text_value(rd *r, const char **s, size_t *len, const char *what, sca_error *err)
{
    if (r->p >= r->end)
        return truncated(what, err);
    uint8_t b = *r->p;
    if (b == 0x00) { /* No-value */
        *s = (const char *)r->p;
        *len = 0;
        r->p++;
        return SCA_OK;
    }
    if (b < 0x20 || b > 0x7F)
        return malformed(r, what, err);
    if (b == 0x22 || b == 0x7F) /* the quote of a Quoted-string or a Text-string */
        r->p++;
    return to_nul(r, s, len, what, err);
}

/* any value by its first octet (8.4.1.2): 0 no value, 1..30 that many octets follow, 31 uintvar length, 32..127
 * text up to 00, 128..255 one octet */
static sca_rc skip_value(rd *r, sca_error *err)
{
    static const char what[] = "a parameter value";
    if (r->p >= r->end)
        return truncated(what, err);
    uint8_t b = *r->p;
    if (b >= 0x80 || b == 0) {
        r->p++;
        return SCA_OK;
    }
    if (b >= 0x20) {
        const char *s = NULL;
        size_t n = 0;
        return to_nul(r, &s, &n, what, err);
    }
    uint32_t n = b;
    r->p++;
    if (b == 31) {
        sca_rc rc = uintvar(r, 5, &n, "parameter value length", err);
        if (rc != SCA_OK)
            return rc;
    }
    if ((size_t)(r->end - r->p) < n)
        return truncated(what, err);
    r->p += n;
    return SCA_OK;
}

/* SEC: a Short-integer or Long-integer ProvBoot code, or a DM name as text */
static sca_rc sec_value(rd *r, dmboot_acc *acc, sca_error *err)
{
    if (r->p >= r->end)
        return truncated("the SEC value", err);
    uint8_t b = *r->p;
    if ((b >= 0x80) || (b >= 1 && b <= 30)) {
        uint32_t code;
        sca_rc rc = integer(r, &code, "SEC value", err);
        return rc != SCA_OK ? rc : dmboot_acc_sec_code(acc, code, err);
    }
    const char *s = NULL;
    size_t n = 0;
    sca_rc rc = text_value(r, &s, &n, "the SEC value (an integer or a text)", err);
    return rc != SCA_OK ? rc : dmboot_acc_sec_name(acc, s, n, err);
}

static sca_rc mac_value(rd *r, dmboot_acc *acc, sca_error *err)
{
    const char *s = NULL;
    size_t n = 0;
    sca_rc rc = text_value(r, &s, &n, "the MAC value (a text)", err);
    return rc != SCA_OK ? rc : dmboot_acc_mac(acc, s, n, err);
}

static sca_rc parameter(rd *r, dmboot_acc *acc, sca_error *err)
{
    uint8_t b = *r->p;
    if (b >= 0x80 || (b >= 1 && b <= 30)) { /* Typed-parameter: Well-known-parameter-token Typed-value */
        uint32_t token;
        sca_rc rc = integer(r, &token, "parameter token", err);
        if (rc != SCA_OK)
            return rc;
        if (token == SCA_DMBOOT_WSP_PARAM_SEC)
            return sec_value(r, acc, err);
        if (token == SCA_DMBOOT_WSP_PARAM_MAC)
            return mac_value(r, acc, err);
        if (token == 0x00) /* Q: a Q-value, a 1..2 octet uintvar, the one value outside the 8.4.1.2 rules */
            return uintvar(r, 2, &token, "Q value", err);
        return skip_value(r, err);
    }
    if (b >= 0x20 && b <= 0x7F) { /* Untyped-parameter: Token-text Untyped-value */
        const char *name = NULL;
        size_t name_len = 0;
        sca_rc rc = to_nul(r, &name, &name_len, "a parameter name", err);
        if (rc != SCA_OK)
            return rc;
        if (dmboot_name_eq(name, name_len, "SEC"))
            return sec_value(r, acc, err);
        if (dmboot_name_eq(name, name_len, "MAC"))
            return mac_value(r, acc, err);
        if (r->p >= r->end)
            return truncated("a parameter value", err);
        if (*r->p == 31)
            return malformed(r, "an untyped parameter value (an integer or a text)", err);
        return skip_value(r, err);
    }
    return malformed(r, "a parameter", err);
}

static const char media_name[] = SCA_DMBOOT_MEDIA_TYPE;

/* Media-type's first part: Well-known-media (Integer-value) or Extension-Media (text) */
static sca_rc media(rd *r, int *ok, sca_error *err)
{
    if (r->p >= r->end)
        return truncated("the media type", err);
    uint8_t b = *r->p;
    if (b >= 0x20 && b <= 0x7F) {
        const char *s = NULL;
        size_t n = 0;
        if (b == 0x7F)
            r->p++;
        sca_rc rc = to_nul(r, &s, &n, "the media type", err);
        if (rc == SCA_OK)
            *ok = dmboot_name_eq(s, n, media_name);
        return rc;
    }
    uint32_t v;
    sca_rc rc = integer(r, &v, "the media type", err);
    *ok = rc == SCA_OK && v == SCA_DMBOOT_WSP_MEDIA;
    return rc;
}

sca_rc sca_dmboot_header_parse_wsp(const uint8_t *buf, size_t len, size_t *used, sca_dmboot_header *out,
                                   sca_error *err)
{
    if ((buf == NULL && len > 0) || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no WSP Content-type to parse");
    dmboot_acc acc;
    dmboot_acc_init(&acc, out);
    rd r = {buf, buf + len};
    if (len == 0)
        return truncated("the Content-type", err);
    uint8_t b = *r.p;
    sca_rc rc;
    if (b >= 0x20) { /* Constrained-media: a Short-integer or Extension-media, no parameters */
        rc = media(&r, &out->media_ok, err);
        if (rc != SCA_OK)
            return rc;
    } else { /* Content-general-form: Value-length Media-type */
        uint32_t vlen = b;
        r.p++;
        if (b == 31) {
            rc = uintvar(&r, 5, &vlen, "Content-type value length", err);
            if (rc != SCA_OK)
                return rc;
        }
        if ((size_t)(r.end - r.p) < vlen)
            return truncated("the Content-type value", err);
        rd v = {r.p, r.p + vlen};
        r.p += vlen;
        rc = media(&v, &out->media_ok, err);
        while (rc == SCA_OK && v.p < v.end)
            rc = parameter(&v, &acc, err);
        if (rc != SCA_OK)
            return rc;
    }
    if (used != NULL)
        *used = (size_t)(r.p - buf);
    else if (r.p != r.end)
        return sca_error_set(err, SCA_E_PARSE, "%zu bytes follow the WSP Content-type value",
                             (size_t)(r.end - r.p));
    return dmboot_acc_finish(&acc, err);
}
