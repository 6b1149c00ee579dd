/* HTTP Digest header parsing, arithmetic and the Authorization writer (http_digest.h). The parser works on a length,
 * never on a NUL, and writes nothing the caller sees until the whole value is accepted. MD5 goes through
 * OpenSSL 3 EVP (no deprecated MD5()); the password (RES) is fed to the digest directly, never copied. */
#include "http_digest.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* --- the auth-param list ------------------------------------------------------------------------------- */

typedef struct cursor {
    const char *p;
    size_t n, i;
    const char *what; /* "WWW-Authenticate" or "Authentication-Info", for messages */
} cursor;

static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int ieq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static void skip_ows(cursor *c)
{
    while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t'))
        c->i++;
}

static sca_rc fail(cursor *c, sca_error *err, const char *why)
{
    /* no server named here: the caller (http_exchange.c) prefixes which one (BSF, BM-SC) and what it asked */
    return sca_error_set(err, SCA_E_PARSE, "its %s header is malformed: %s at offset %zu; the server does not speak "
                         "HTTP Digest (RFC 7616) as this client expects, check its URL", c->what, why, c->i);
}

/* A token into out (cap bytes with the NUL); lengths checked. */
static sca_rc take_token(cursor *c, char *out, size_t cap, sca_error *err)
{
    size_t len = 0;
    while (c->i < c->n && is_tchar((unsigned char)c->p[c->i])) {
        if (len + 1 >= cap)
            return fail(c, err, "a value or name is too long");
        out[len++] = c->p[c->i++];
    }
    out[len] = '\0';
    return len > 0 ? SCA_OK : fail(c, err, "a token was expected");
}

/* A quoted-string (RFC 7230 §3.2.6), unescaped into out. Control characters and bytes above 0x7E are refused
 * also when escaped: nothing in a Digest header needs them, and they would end up in our next request. */
static sca_rc take_quoted(cursor *c, char *out, size_t cap, sca_error *err)
{
    size_t len = 0;
    c->i++; /* the opening DQUOTE */
    for (;;) {
        if (c->i >= c->n)
            return fail(c, err, "unterminated quoted-string");
        unsigned char ch = (unsigned char)c->p[c->i];
        if (ch == '"') {
            c->i++;
            break;
        }
        if (ch == '\\') {
            if (++c->i >= c->n)
                return fail(c, err, "unterminated quoted-string (a backslash at the end)");
            ch = (unsigned char)c->p[c->i];
        }
        if ((ch < 0x20 && ch != '\t') || ch > 0x7E)
            return fail(c, err, "a control character or a non-ASCII byte");
        if (len + 1 >= cap)
            return fail(c, err, "a value is too long");
        out[len++] = (char)ch;
        c->i++;
    }
    out[len] = '\0';
    return SCA_OK;
}

/* Where a known parameter goes, or NULL for one we ignore. */
static char *slot(sca_digest_params *o, const char *name, unsigned *bit)
{
    static const struct {
        const char *name;
        unsigned bit;
        size_t off;
    } known[] = {
        {"realm", SCA_DIGEST_REALM, offsetof(sca_digest_params, realm)},
        {"nonce", SCA_DIGEST_NONCE, offsetof(sca_digest_params, nonce)},
        {"opaque", SCA_DIGEST_OPAQUE, offsetof(sca_digest_params, opaque)},
        {"algorithm", SCA_DIGEST_ALGORITHM, offsetof(sca_digest_params, algorithm)},
        {"qop", SCA_DIGEST_QOP, offsetof(sca_digest_params, qop)},
        {"rspauth", SCA_DIGEST_RSPAUTH, offsetof(sca_digest_params, rspauth)},
        {"cnonce", SCA_DIGEST_CNONCE, offsetof(sca_digest_params, cnonce)},
        {"nc", SCA_DIGEST_NC, offsetof(sca_digest_params, nc)},
        {"stale", SCA_DIGEST_STALE, offsetof(sca_digest_params, stale)},
        {"nextnonce", SCA_DIGEST_NEXTNONCE, offsetof(sca_digest_params, nextnonce)},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (ieq(name, known[i].name)) {
            *bit = known[i].bit;
            return (char *)o + known[i].off;
        }
    *bit = 0;
    return NULL;
}

/* One auth-param; `names` keeps the lower-cased names seen so far, to refuse duplicates of any parameter. */
static sca_rc take_param(cursor *c, sca_digest_params *o, char names[][SCA_DIGEST_NAME_MAX + 1], size_t *count,
                         sca_error *err)
{
    char name[SCA_DIGEST_NAME_MAX + 1], value[SCA_DIGEST_VALUE_MAX + 1];
    sca_rc rc = take_token(c, name, sizeof name, err);
    if (rc != SCA_OK)
        return rc;
    for (char *q = name; *q != '\0'; q++)
        *q = (char)lower((unsigned char)*q);
    skip_ows(c);
    if (c->i >= c->n || c->p[c->i] != '=')
        return fail(c, err, "'=' expected after a parameter name");
    c->i++;
    skip_ows(c);
    if (c->i < c->n && c->p[c->i] == '"')
        rc = take_quoted(c, value, sizeof value, err);
    else
        rc = take_token(c, value, sizeof value, err);
    if (rc != SCA_OK)
        return rc;
    for (size_t k = 0; k < *count; k++)
        if (strcmp(names[k], name) == 0)
            return fail(c, err, "a parameter appears twice");
    if (*count >= SCA_DIGEST_PARAMS_MAX)
        return fail(c, err, "too many parameters");
    memcpy(names[(*count)++], name, sizeof name);
    unsigned bit;
    char *dst = slot(o, name, &bit);
    if (dst != NULL) {
        memcpy(dst, value, strlen(value) + 1);
        o->present |= bit;
    }
    return SCA_OK;
}

/* The list from c->i to the end: at least one parameter. */
static sca_rc parse_list(cursor *c, sca_digest_params *o, sca_error *err)
{
    char names[SCA_DIGEST_PARAMS_MAX][SCA_DIGEST_NAME_MAX + 1];
    size_t count = 0;
    for (;;) {
        skip_ows(c);
        if (c->i >= c->n)
            break;
        if (c->p[c->i] == ',') { /* an empty list element (RFC 7230 §7) */
            c->i++;
            continue;
        }
        sca_rc rc = take_param(c, o, names, &count, err);
        if (rc != SCA_OK)
            return rc;
        skip_ows(c);
        if (c->i < c->n && c->p[c->i] != ',')
            return fail(c, err, "',' expected between parameters");
    }
    return count > 0 ? SCA_OK : fail(c, err, "no parameters");
}

static sca_rc parse_common(const char *v, size_t n, sca_digest_params *out, cursor *c, sca_error *err)
{
    if (v == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "Digest header parser: missing argument");
    if (n > SCA_DIGEST_HEADER_MAX)
        return sca_error_set(err, SCA_E_PARSE, "its %s header is %zu bytes, over the %d-byte limit; the server is not "
                             "one this client can talk to", c->what, n, SCA_DIGEST_HEADER_MAX);
    for (size_t i = 0; i < n; i++) /* outside quoted-strings too: CR, LF and NUL never belong in a header value */
        if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || (unsigned char)v[i] > 0x7E) {
            c->i = i;
            return fail(c, err, "a control character or a non-ASCII byte");
        }
    return SCA_OK;
}

/* The auth-param list from c->i into *out, which is written only when the whole list is accepted. */
static sca_rc parse_into(cursor *c, sca_digest_params *out, sca_error *err)
{
    sca_digest_params tmp;
    memset(&tmp, 0, sizeof tmp);
    sca_rc rc = parse_list(c, &tmp, err);
    if (rc == SCA_OK)
        *out = tmp;
    return rc;
}

sca_rc sca_digest_parse_challenge(const char *v, size_t n, sca_digest_params *out, sca_error *err)
{
    cursor c = {.p = v, .n = n, .what = "WWW-Authenticate"};
    sca_rc rc = parse_common(v, n, out, &c, err);
    if (rc != SCA_OK)
        return rc;
    char scheme[SCA_DIGEST_NAME_MAX + 1];
    skip_ows(&c);
    if ((rc = take_token(&c, scheme, sizeof scheme, err)) != SCA_OK)
        return rc;
    if (!ieq(scheme, "Digest"))
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "it asks for HTTP '%s' authentication; this client needs "
                             "HTTP Digest: check its URL", scheme);
    if (c.i >= c.n || (c.p[c.i] != ' ' && c.p[c.i] != '\t'))
        return fail(&c, err, "a space expected after 'Digest'");
    return parse_into(&c, out, err);
}

sca_rc sca_digest_parse_info(const char *v, size_t n, sca_digest_params *out, sca_error *err)
{
    cursor c = {.p = v, .n = n, .what = "Authentication-Info"};
    sca_rc rc = parse_common(v, n, out, &c, err);
    return rc != SCA_OK ? rc : parse_into(&c, out, err);
}

int sca_digest_list_has(const char *list, const char *want)
{
    size_t wl = strlen(want);
    const char *p = list;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *s = p;
        while (*p != '\0' && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - s) == wl) {
            size_t i = 0;
            while (i < wl && lower((unsigned char)s[i]) == lower((unsigned char)want[i]))
                i++;
            if (i == wl)
                return 1;
        }
    }
    return 0;
}

/* --- the arithmetic ------------------------------------------------------------------------------------ */

static void to_hex(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 0x0F];
    }
    out[2 * n] = '\0';
}

/* MD5 over the parts joined with ':' (a part may be binary); the intermediate digest is wiped. */
static sca_rc md5_join(const uint8_t *const *part, const size_t *len, size_t count, char out[SCA_DIGEST_HEX_LEN + 1],
                       sca_error *err)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_MD *md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    int ok = ctx != NULL && md5 != NULL && EVP_DigestInit_ex2(ctx, md5, NULL);
    for (size_t i = 0; ok && i < count; i++)
        ok = (i == 0 || EVP_DigestUpdate(ctx, ":", 1)) && (len[i] == 0 || EVP_DigestUpdate(ctx, part[i], len[i]));
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 16;
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md5);
    if (ok)
        to_hex(md, 16, out);
    OPENSSL_cleanse(md, sizeof md);
    if (!ok) {
        out[0] = '\0';
        return sca_error_set(err, SCA_E_CRYPTO, "HTTP Digest: MD5 is not available in OpenSSL (a FIPS-only "
                             "configuration?); GBA bootstrapping needs it (RFC 3310 AKAv1-MD5)");
    }
    return SCA_OK;
}

#define STR(s) ((const uint8_t *)(s))

sca_rc sca_digest_md5_hex(const uint8_t *d, size_t n, char out[SCA_DIGEST_HEX_LEN + 1], sca_error *err)
{
    const uint8_t *p[1] = {d};
    size_t l[1] = {n};
    if (out == NULL || (n > 0 && d == NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG, "HTTP Digest: missing argument");
    return md5_join(p, l, 1, out, err);
}

sca_rc sca_digest_ha1(const char *username, const char *realm, const uint8_t *password, size_t password_len,
                      char ha1[SCA_DIGEST_HEX_LEN + 1], sca_error *err)
{
    if (username == NULL || realm == NULL || ha1 == NULL || (password_len > 0 && password == NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG, "HTTP Digest: missing argument for HA1");
    const uint8_t *p[3] = {STR(username), STR(realm), password};
    size_t l[3] = {strlen(username), strlen(realm), password_len};
    return md5_join(p, l, 3, ha1, err);
}

sca_rc sca_digest_ha2(const char *method, const char *uri, const char *qop, const uint8_t *body, size_t body_len,
                      char ha2[SCA_DIGEST_HEX_LEN + 1], sca_error *err)
{
    if (method == NULL || uri == NULL || ha2 == NULL || (body_len > 0 && body == NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG, "HTTP Digest: missing argument for HA2");
    char hbody[SCA_DIGEST_HEX_LEN + 1];
    int integrity = qop != NULL && ieq(qop, "auth-int");
    if (integrity) {
        sca_rc rc = sca_digest_md5_hex(body, body_len, hbody, err);
        if (rc != SCA_OK)
            return rc;
    }
    const uint8_t *p[3] = {STR(method), STR(uri), STR(hbody)};
    size_t l[3] = {strlen(method), strlen(uri), SCA_DIGEST_HEX_LEN};
    return md5_join(p, l, integrity ? 3 : 2, ha2, err);
}

sca_rc sca_digest_response(const char *ha1, const char *nonce, const char *nc, const char *cnonce, const char *qop,
                           const char *ha2, char out[SCA_DIGEST_HEX_LEN + 1], sca_error *err)
{
    if (ha1 == NULL || nonce == NULL || ha2 == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "HTTP Digest: missing argument for the response");
    if (qop == NULL || qop[0] == '\0') {
        const uint8_t *p[3] = {STR(ha1), STR(nonce), STR(ha2)};
        size_t l[3] = {strlen(ha1), strlen(nonce), strlen(ha2)};
        return md5_join(p, l, 3, out, err);
    }
    if (nc == NULL || cnonce == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "HTTP Digest: qop needs nc and cnonce");
    const uint8_t *p[6] = {STR(ha1), STR(nonce), STR(nc), STR(cnonce), STR(qop), STR(ha2)};
    size_t l[6] = {strlen(ha1), strlen(nonce), strlen(nc), strlen(cnonce), strlen(qop), strlen(ha2)};
    return md5_join(p, l, 6, out, err);
}

int sca_digest_hex_equal(const char *ours, const char *theirs)
{
    if (ours == NULL || theirs == NULL || strlen(ours) != SCA_DIGEST_HEX_LEN ||
        strnlen(theirs, SCA_DIGEST_HEX_LEN + 1) != SCA_DIGEST_HEX_LEN)
        return 0;
    char t[SCA_DIGEST_HEX_LEN];
    for (size_t i = 0; i < SCA_DIGEST_HEX_LEN; i++)
        t[i] = (char)lower((unsigned char)theirs[i]);
    return CRYPTO_memcmp(ours, t, SCA_DIGEST_HEX_LEN) == 0;
}

/* --- the Authorization header ------------------------------------------------------------------------------ */

int sca_digest_put_quoted(char *out, size_t cap, size_t *len, const char *s)
{
    size_t need = 2;
    for (const char *p = s; *p != '\0'; p++)
        need += (*p == '"' || *p == '\\') ? 2 : 1;
    if (*len + need + 1 > cap)
        return 0;
    out[(*len)++] = '"';
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            out[(*len)++] = '\\';
        out[(*len)++] = *p;
    }
    out[(*len)++] = '"';
    out[*len] = '\0';
    return 1;
}

int sca_digest_put_raw(char *out, size_t cap, size_t *len, const char *s)
{
    size_t l = strlen(s);
    if (*len + l + 1 > cap)
        return 0;
    memcpy(out + *len, s, l + 1);
    *len += l;
    return 1;
}

/* ", name=" and the value quoted (or raw). */
static int put_param(char *out, size_t cap, size_t *len, const char *name, const char *v, int quoted)
{
    return sca_digest_put_raw(out, cap, len, ", ") && sca_digest_put_raw(out, cap, len, name) &&
           sca_digest_put_raw(out, cap, len, "=") &&
           (quoted ? sca_digest_put_quoted(out, cap, len, v) : sca_digest_put_raw(out, cap, len, v));
}

sca_rc sca_digest_authorization(sca_digest_client *c, const sca_digest_params *ch, const sca_digest_request *q,
                                const char *who, char *out, size_t cap, sca_error *err)
{
    if (c == NULL || ch == NULL || q == NULL || q->username == NULL || q->uri == NULL || out == NULL || cap == 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: Digest Authorization: missing argument", who);
    uint8_t cn[16];
    if (RAND_bytes(cn, sizeof cn) != 1)
        return sca_error_set(err, SCA_E_CRYPTO, "%s: no random bytes for the cnonce (OpenSSL RAND)", who);
    to_hex(cn, sizeof cn, c->cnonce);
    c->nc = "00000001";
    char ha2[SCA_DIGEST_HEX_LEN + 1], rsp[SCA_DIGEST_HEX_LEN + 1];
    sca_rc rc = sca_digest_ha1(q->username, ch->realm, q->password, q->password_len, c->ha1, err);
    if (rc == SCA_OK)
        rc = sca_digest_ha2(q->method, q->uri, "auth-int", q->body, q->body_len, ha2, err);
    if (rc == SCA_OK)
        rc = sca_digest_response(c->ha1, ch->nonce, c->nc, c->cnonce, "auth-int", ha2, rsp, err);
    if (rc != SCA_OK)
        return rc;
    size_t n = 0;
    int ok = sca_digest_put_raw(out, cap, &n, "Authorization: Digest username=") &&
             sca_digest_put_quoted(out, cap, &n, q->username) && put_param(out, cap, &n, "realm", ch->realm, 1) &&
             put_param(out, cap, &n, "nonce", ch->nonce, 1) && put_param(out, cap, &n, "uri", q->uri, 1) &&
             put_param(out, cap, &n, "qop", "auth-int", 0) && put_param(out, cap, &n, "nc", c->nc, 0) &&
             put_param(out, cap, &n, "cnonce", c->cnonce, 1) && put_param(out, cap, &n, "response", rsp, 1);
    if (ok && (ch->present & SCA_DIGEST_OPAQUE))
        ok = put_param(out, cap, &n, "opaque", ch->opaque, 1);
    ok = ok && put_param(out, cap, &n, "algorithm", q->algorithm, 0);
    if (ok && q->auts != NULL)
        ok = put_param(out, cap, &n, "auts", q->auts, 1);
    if (!ok)
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: the Authorization header would be too long", who);
    return SCA_OK;
}
