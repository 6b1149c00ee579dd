/* DM bootstrap: the HTTP Content-Type value "application/vnd.syncml.dm+wbxml; SEC=...; MAC=..." (RFC 9110
 * 8.3.1 media type, 5.6.6 parameters, 5.6.4 quoted strings; scagent/bootstrap.h has the choices). */
#include <string.h>

#include "bootstrap_int.h"

#define VALUE_CAP 128 /* longer SEC or MAC values are wrong anyway; their length is still counted */

typedef struct text {
    const char *start, *p; /* the whole value (for positions) and the cursor */
} text;

static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void ows(text *t)
{
    while (*t->p == ' ' || *t->p == '\t')
        t->p++;
}

static sca_rc bad(const text *t, const char *expected, sca_error *err)
{
    unsigned char c = (unsigned char)*t->p;
    if (c == '\0')
        return sca_error_set(err, SCA_E_PARSE, "the Content-Type ends where %s was expected", expected);
    return sca_error_set(err, SCA_E_PARSE,
                         (c >= 0x20 && c < 0x7F) ? "the Content-Type has '%c' at character %zu where %s was expected"
                                                 : "the Content-Type has byte 0x%02X at character %zu where %s was "
                                                   "expected",
                         c, (size_t)(t->p - t->start) + 1, expected);
}

/* a token: 1 or more tchars; *len its length */
static sca_rc token(text *t, const char **s, size_t *len, const char *what, sca_error *err)
{
    *s = t->p;
    while (is_tchar((unsigned char)*t->p))
        t->p++;
    *len = (size_t)(t->p - *s);
    return *len > 0 ? SCA_OK : bad(t, what, err);
}

typedef struct value {
    char buf[VALUE_CAP];
    size_t len; /* the full length, also beyond VALUE_CAP */
} value;

static void put(value *v, char c)
{
    if (v->len < VALUE_CAP)
        v->buf[v->len] = c;
    v->len++;
}

/* a token or a quoted-string (RFC 9110 5.6.4: qdtext, and "\" before HTAB, SP, VCHAR or obs-text) */
static sca_rc param_value(text *t, value *v, sca_error *err)
{
    v->len = 0;
    if (*t->p != '"') {
        const char *s = NULL;
        size_t n = 0;
        sca_rc rc = token(t, &s, &n, "a parameter value (a token or a quoted string)", err);
        if (rc != SCA_OK)
            return rc;
        for (size_t i = 0; i < n; i++)
            put(v, s[i]);
        return SCA_OK;
    }
    t->p++;
    for (;;) {
        unsigned char c = (unsigned char)*t->p;
        if (c == '"') {
            t->p++;
            return SCA_OK;
        }
        if (c == '\\') {
            t->p++;
            c = (unsigned char)*t->p;
        }
        if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7F)
            return bad(t, "the closing '\"' of a quoted string", err);
        put(v, (char)c);
        t->p++;
    }
}

static sca_rc too_long(int is_mac, size_t len, sca_error *err)
{
    if (is_mac)
        return sca_error_set(err, SCA_E_PARSE,
                             "the MAC has %zu characters: it must be the HMAC-SHA1 as exactly 40 hex digits; refused",
                             len);
    return sca_error_set(err, SCA_E_PARSE, "the SEC value has %zu characters: no such security method; refused", len);
}

sca_rc sca_dmboot_header_parse(const char *in, sca_dmboot_header *out, sca_error *err)
{
    if (in == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no Content-Type value to parse");
    dmboot_acc acc;
    dmboot_acc_init(&acc, out);
    text t = {in, in};
    ows(&t);
    /* an optional "Content-Type:" in front (the whole header line) */
    if (strlen(t.p) >= 12 && dmboot_name_eq(t.p, 12, "Content-Type")) {
        text after = {in, t.p + 12};
        ows(&after);
        if (*after.p == ':') {
            t.p = after.p + 1;
            ows(&t);
        }
    }
    const char *type = NULL, *subtype = NULL;
    size_t type_len = 0, subtype_len = 0;
    sca_rc rc = token(&t, &type, &type_len, "a media type", err);
    if (rc != SCA_OK)
        return rc;
    if (*t.p != '/')
        return bad(&t, "'/' in the media type", err);
    t.p++;
    rc = token(&t, &subtype, &subtype_len, "the media subtype", err);
    if (rc != SCA_OK)
        return rc;
    out->media_ok = dmboot_name_eq(type, type_len, "application") &&
                    dmboot_name_eq(subtype, subtype_len, "vnd.syncml.dm+wbxml");
    for (;;) {
        ows(&t);
        if (*t.p == '\0')
            break;
        if (*t.p != ';')
            return bad(&t, "';' before the next parameter", err);
        t.p++;
        ows(&t);
        if (*t.p == ';' || *t.p == '\0')
            continue; /* an empty parameter */
        const char *name = NULL;
        size_t name_len = 0;
        rc = token(&t, &name, &name_len, "a parameter name", err);
        if (rc != SCA_OK)
            return rc;
        ows(&t);
        if (*t.p != '=')
            return bad(&t, "'=' after the parameter name", err);
        t.p++;
        ows(&t);
        value v;
        rc = param_value(&t, &v, err);
        if (rc != SCA_OK)
            return rc;
        int is_sec = dmboot_name_eq(name, name_len, "SEC"), is_mac = dmboot_name_eq(name, name_len, "MAC");
        if (!is_sec && !is_mac)
            continue; /* other parameters: checked for syntax, ignored */
        /* (a second SEC or MAC is reported as such by the accumulator, whatever its length) */
        if (v.len > VALUE_CAP && !(is_sec ? acc.have_sec : acc.have_mac))
            return too_long(is_mac, v.len, err);
        size_t n = v.len > VALUE_CAP ? VALUE_CAP : v.len;
        rc = is_sec ? dmboot_acc_sec_name(&acc, v.buf, n, err) : dmboot_acc_mac(&acc, v.buf, n, err);
        if (rc != SCA_OK)
            return rc;
    }
    return dmboot_acc_finish(&acc, err);
}
