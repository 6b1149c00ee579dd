/* The GBA Ub client (TS 24.109 §4 / Annex A, RFC 3310 HTTP Digest AKA) on the libcurl easy API.
 *
 * The exchange is bounded by construction: request 1 (username only), at most one synchronisation-failure
 * round (auts=, then a fresh challenge), and one answer with RES; so at most 3 requests whatever the BSF does.
 * Redirects are not followed. The BSF must prove it knows RES (rspauth in Authentication-Info) before its
 * B-TID is believed. The protocol core (sca_gba_ub_run) takes AUTHENTICATE as a callback, so it runs against the
 * BSF simulator with a software card in tests/gba; sca_gba_ub_bootstrap wires it to the card. */
#include "scagent/gba.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "gba_ub_int.h"
#include "http_digest.h"
#include "http_init.h"
#include "scagent/log.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define URI_MAX 1024
#define NONCE_MAX_BYTES 192 /* RAND || AUTN || server data (RFC 3310 §3.2); ours is 32 */
#define AUTH_HEADER_MAX 8192

/* ======================================================================================================
 * BootstrappingInfo (TS 24.109 Annex C): a deliberately small XML subset, see gba_ub_int.h
 * ====================================================================================================== */

#define XML_NAME_MAX 64
#define XML_ATTR_MAX 16
#define XML_DEPTH_MAX 8

typedef struct xp {
    const uint8_t *p;
    size_t n, i;
    sca_error *err;
} xp;

static sca_rc xfail(xp *x, const char *why)
{
    return sca_error_set(x->err, SCA_E_PARSE, "the BSF's BootstrappingInfo is malformed: %s (at byte %zu); it is not "
                         "the TS 24.109 Annex C document, report it to the BSF's operator", why, x->i);
}

static int xws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws(xp *x)
{
    while (x->i < x->n && xws(x->p[x->i]))
        x->i++;
}

static int at(const xp *x, const char *s)
{
    size_t l = strlen(s);
    return x->n - x->i >= l && memcmp(x->p + x->i, s, l) == 0;
}

static int name_char(int c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':')
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

/* An ASCII XML Name (prefix:local kept whole). */
static sca_rc xname(xp *x, char out[XML_NAME_MAX + 1])
{
    size_t len = 0;
    while (x->i < x->n && name_char(x->p[x->i], len == 0)) {
        if (len >= XML_NAME_MAX)
            return xfail(x, "a name is too long");
        out[len++] = (char)x->p[x->i++];
    }
    out[len] = '\0';
    return len > 0 ? SCA_OK : xfail(x, "a name was expected");
}

/* One of the five predefined entities at x->i ('&'); anything else (also character references) is refused. */
static sca_rc xentity(xp *x, char *c)
{
    static const struct {
        const char *ref;
        char c;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t k = 0; k < sizeof ents / sizeof *ents; k++)
        if (at(x, ents[k].ref)) {
            x->i += strlen(ents[k].ref);
            *c = ents[k].c;
            return SCA_OK;
        }
    return xfail(x, "a reference other than &lt; &gt; &amp; &quot; &apos;");
}

/* Character data up to `stop` ('<' for content, the quote for an attribute), decoded into out (NULL: only
 * checked, and *len counts the characters other than whitespace). `ws_ok`: tabs and line breaks are allowed
 * (between elements); never other control characters. */
static sca_rc xtext(xp *x, char stop, char *out, size_t max, int ws_ok, size_t *len)
{
    *len = 0;
    while (x->i < x->n && x->p[x->i] != stop) {
        char c = (char)x->p[x->i];
        if (c == '&') {
            sca_rc rc = xentity(x, &c);
            if (rc != SCA_OK)
                return rc;
        } else {
            unsigned char u = x->p[x->i];
            if (u == '<')
                return xfail(x, "'<' inside an attribute value");
            if ((u < 0x20 && !(ws_ok && xws(u))) || u > 0x7E)
                return xfail(x, "a control character or a non-ASCII byte");
            x->i++;
        }
        if (out == NULL) {
            *len += !xws((unsigned char)c);
            continue;
        }
        if (*len >= max)
            return xfail(x, "a value is longer than this client accepts");
        out[(*len)++] = c;
    }
    if (out != NULL)
        out[*len] = '\0';
    return x->i < x->n ? SCA_OK : xfail(x, "the document ends inside text");
}

typedef struct xattrs {
    const char *want_prefix; /* NULL: namespaces are not looked at */
    char default_ns[SCA_DIGEST_VALUE_MAX + 1];
    char prefix_ns[SCA_DIGEST_VALUE_MAX + 1];
    int has_default, has_prefix;
    int empty; /* the tag ended with "/>" */
} xattrs;

/* The attributes of a start tag, up to and including '>' or "/>"; duplicates refused. */
static sca_rc xattributes(xp *x, xattrs *a)
{
    char seen[XML_ATTR_MAX][XML_NAME_MAX + 1];
    size_t count = 0;
    for (;;) {
        size_t before = x->i;
        skip_ws(x);
        if (at(x, "/>") || at(x, ">")) {
            a->empty = x->p[x->i] == '/';
            x->i += a->empty ? 2 : 1;
            return SCA_OK;
        }
        if (x->i == before)
            return x->i < x->n ? xfail(x, "a space, '>' or '/>' expected in a tag") : xfail(x, "the document ends in a tag");
        char name[XML_NAME_MAX + 1], value[SCA_DIGEST_VALUE_MAX + 1];
        sca_rc rc = xname(x, name);
        if (rc != SCA_OK)
            return rc;
        for (size_t k = 0; k < count; k++)
            if (strcmp(seen[k], name) == 0)
                return xfail(x, "an attribute appears twice");
        if (count >= XML_ATTR_MAX)
            return xfail(x, "too many attributes");
        memcpy(seen[count++], name, sizeof name);
        skip_ws(x);
        if (!at(x, "="))
            return xfail(x, "'=' expected after an attribute name");
        x->i++;
        skip_ws(x);
        if (!at(x, "\"") && !at(x, "'"))
            return xfail(x, "a quoted attribute value expected");
        char q = (char)x->p[x->i++];
        size_t len;
        if ((rc = xtext(x, q, value, SCA_DIGEST_VALUE_MAX, 0, &len)) != SCA_OK)
            return rc;
        x->i++; /* the closing quote */
        if (a->want_prefix != NULL && strcmp(name, "xmlns") == 0) {
            memcpy(a->default_ns, value, len + 1);
            a->has_default = 1;
        } else if (a->want_prefix != NULL && strncmp(name, "xmlns:", 6) == 0 && strcmp(name + 6, a->want_prefix) == 0) {
            memcpy(a->prefix_ns, value, len + 1);
            a->has_prefix = 1;
        }
    }
}

/* "</qname" ws ">" */
static sca_rc xend_tag(xp *x, const char *qname)
{
    char name[XML_NAME_MAX + 1];
    if (!at(x, "</"))
        return xfail(x, "an end tag expected");
    x->i += 2;
    sca_rc rc = xname(x, name);
    if (rc != SCA_OK)
        return rc;
    if (strcmp(name, qname) != 0)
        return xfail(x, "an end tag does not match its start tag");
    skip_ws(x);
    if (!at(x, ">"))
        return xfail(x, "'>' expected after an end tag");
    x->i++;
    return SCA_OK;
}

static sca_rc no_markup_decl(xp *x)
{
    if (at(x, "<!"))
        return xfail(x, "a DOCTYPE, comment or CDATA section (not accepted here)");
    if (at(x, "<?"))
        return xfail(x, "a processing instruction (not accepted here)");
    return SCA_OK;
}

/* An element whose start tag name was read (x->i after the name): skipped with its content (Extension). */
static sca_rc xskip(xp *x, const char *qname, int depth)
{
    if (depth > XML_DEPTH_MAX)
        return xfail(x, "elements nested too deeply");
    xattrs a = {0};
    sca_rc rc = xattributes(x, &a);
    if (rc != SCA_OK || a.empty)
        return rc;
    for (;;) {
        size_t len;
        if ((rc = xtext(x, '<', NULL, 0, 1, &len)) != SCA_OK)
            return rc;
        if (at(x, "</"))
            return xend_tag(x, qname);
        if ((rc = no_markup_decl(x)) != SCA_OK)
            return rc;
        char name[XML_NAME_MAX + 1];
        x->i++;
        if ((rc = xname(x, name)) != SCA_OK || (rc = xskip(x, name, depth + 1)) != SCA_OK)
            return rc;
    }
}

/* A simple-content child (btid, lifetime): no attributes, text, end tag. */
static sca_rc xleaf(xp *x, const char *qname, char *out, size_t max)
{
    skip_ws(x);
    if (!at(x, ">"))
        return xfail(x, "btid and lifetime take no attributes and may not be empty");
    x->i++;
    size_t len;
    sca_rc rc = xtext(x, '<', out, max, 0, &len);
    if (rc != SCA_OK)
        return rc;
    if (len == 0)
        return xfail(x, "an empty btid or lifetime");
    return xend_tag(x, qname);
}

static sca_rc xdecl(xp *x)
{
    if (!at(x, "<?xml") || x->n - x->i < 6 || !xws(x->p[x->i + 5]))
        return SCA_OK; /* optional */
    for (size_t j = x->i + 6; j + 1 < x->n; j++) {
        if (x->p[j] == '?' && x->p[j + 1] == '>') {
            x->i = j + 2;
            return SCA_OK;
        }
        if ((x->p[j] < 0x20 && !xws(x->p[j])) || x->p[j] > 0x7E)
            return xfail(x, "a control character or a non-ASCII byte in the XML declaration");
    }
    return xfail(x, "an unterminated XML declaration");
}

/* The root start tag: [prefix:]BootstrappingInfo in uri:3gpp-gba. `prefix` receives "" or "p:". */
static sca_rc xroot(xp *x, char qname[XML_NAME_MAX + 1], char prefix[XML_NAME_MAX + 1])
{
    sca_rc rc;
    if (!at(x, "<"))
        return xfail(x, "the root element expected");
    x->i++;
    if ((rc = xname(x, qname)) != SCA_OK)
        return rc;
    const char *colon = strchr(qname, ':');
    size_t plen = colon != NULL ? (size_t)(colon - qname) : 0;
    if (strcmp(colon != NULL ? colon + 1 : qname, "BootstrappingInfo") != 0)
        return xfail(x, "the root element is not BootstrappingInfo");
    char bare[XML_NAME_MAX + 1];
    memcpy(bare, qname, plen);
    bare[plen] = '\0';
    xattrs a = {.want_prefix = bare};
    if ((rc = xattributes(x, &a)) != SCA_OK)
        return rc;
    if (a.empty)
        return xfail(x, "BootstrappingInfo is empty (no btid, no lifetime)");
    int ns_ok = plen > 0 ? a.has_prefix && strcmp(a.prefix_ns, SCA_GBA_UB_NS) == 0
                         : a.has_default && strcmp(a.default_ns, SCA_GBA_UB_NS) == 0;
    if (!ns_ok)
        return xfail(x, "BootstrappingInfo is not in the namespace uri:3gpp-gba");
    memcpy(prefix, qname, plen + (plen > 0));
    prefix[plen + (plen > 0)] = '\0';
    return SCA_OK;
}

/* One child of the root; `seen` bits: 1 btid, 2 lifetime, 4 Extension. */
static sca_rc xchild(xp *x, const char *prefix, char *btid, char *lifetime, unsigned *seen)
{
    char qname[XML_NAME_MAX + 1];
    x->i++; /* '<' */
    sca_rc rc = xname(x, qname);
    if (rc != SCA_OK)
        return rc;
    size_t pl = strlen(prefix);
    if (strncmp(qname, prefix, pl) != 0 || strchr(qname + pl, ':') != NULL)
        return xfail(x, "a child element outside the namespace uri:3gpp-gba");
    const char *local = qname + pl;
    unsigned bit = strcmp(local, "btid") == 0 ? 1u : strcmp(local, "lifetime") == 0 ? 2u
                 : strcmp(local, "Extension") == 0 ? 4u : 0u;
    if (bit == 0)
        return xfail(x, "an element BootstrappingInfo does not have");
    if (*seen & bit)
        return xfail(x, "btid, lifetime or Extension appears twice");
    *seen |= bit;
    if (bit == 4)
        return xskip(x, qname, 1);
    return bit == 1 ? xleaf(x, qname, btid, SCA_GBA_BTID_MAX) : xleaf(x, qname, lifetime, SCA_GBA_LIFETIME_MAX);
}

sca_rc sca_gba_ub_parse_info(const uint8_t *body, size_t n, char btid[SCA_GBA_BTID_MAX + 1],
                             char lifetime[SCA_GBA_LIFETIME_MAX + 1], sca_error *err)
{
    if ((body == NULL && n > 0) || btid == NULL || lifetime == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "BootstrappingInfo parser: missing argument");
    xp x = {.p = body, .n = n, .err = err};
    if (n > SCA_GBA_UB_BODY_MAX)
        return xfail(&x, "the document is larger than 16 KiB");
    char b[SCA_GBA_BTID_MAX + 1] = "", l[SCA_GBA_LIFETIME_MAX + 1] = "", qname[XML_NAME_MAX + 1],
         prefix[XML_NAME_MAX + 1];
    sca_rc rc = xdecl(&x);
    skip_ws(&x);
    if (rc == SCA_OK && (rc = no_markup_decl(&x)) == SCA_OK)
        rc = xroot(&x, qname, prefix);
    unsigned seen = 0;
    while (rc == SCA_OK) {
        size_t len;
        if ((rc = xtext(&x, '<', NULL, 0, 1, &len)) != SCA_OK)
            break;
        if (len > 0) {
            rc = xfail(&x, "text directly inside BootstrappingInfo");
            break;
        }
        if (at(&x, "</")) {
            rc = xend_tag(&x, qname);
            break;
        }
        if ((rc = no_markup_decl(&x)) == SCA_OK)
            rc = xchild(&x, prefix, b, l, &seen);
    }
    if (rc == SCA_OK) {
        skip_ws(&x);
        if (x.i != x.n)
            rc = xfail(&x, "something after the end of BootstrappingInfo");
        else if ((seen & 3u) != 3u)
            rc = xfail(&x, (seen & 1u) ? "no lifetime element" : "no btid element");
    }
    if (rc == SCA_OK) {
        memcpy(btid, b, sizeof b);
        memcpy(lifetime, l, sizeof l);
    }
    return rc;
}

/* ======================================================================================================
 * HTTP: one handle for the whole run (the connection is kept alive between requests)
 * ====================================================================================================== */

typedef struct resp {
    char *body; /* NUL-terminated, never more than SCA_GBA_UB_BODY_MAX bytes */
    size_t len, cap;
    char www[SCA_DIGEST_HEADER_MAX + 1], info[SCA_DIGEST_HEADER_MAX + 1];
    int www_count, info_count;
    size_t header_bytes;
    const char *header_bad; /* why a header line was refused (the transfer is then aborted) */
    int overflow, nomem;
    char errbuf[CURL_ERROR_SIZE];
} resp;

typedef struct ub {
    const sca_gba_ub_opts *o;
    long timeout_ms;
    CURL *h;
    CURLU *url;
    char host[256];
    char uri[URI_MAX + 1];
    resp r;
    long status;
    char ctype[128];
    sca_gba_ub_result *out;
    char ha1[SCA_DIGEST_HEX_LEN + 1]; /* of the last answer; wiped at the end */
    char cnonce[33];
    const char *nc;
} ub;

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    resp *r = user;
    size_t n = size * nmemb;
    if (n > SCA_GBA_UB_BODY_MAX - r->len) {
        r->overflow = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *p = realloc(r->body, cap);
        if (p == NULL) {
            r->nomem = 1;
            return 0;
        }
        r->body = p;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

static int header_is(const char *line, size_t n, const char *name)
{
    size_t l = strlen(name);
    if (n <= l || line[l] != ':')
        return 0;
    for (size_t i = 0; i < l; i++) {
        char a = line[i], b = name[i];
        if ((a >= 'A' && a <= 'Z' ? a + 32 : a) != (b >= 'A' && b <= 'Z' ? b + 32 : b))
            return 0;
    }
    return 1;
}

/* Keep WWW-Authenticate and Authentication-Info (OWS trimmed); cap the sizes; a new status line (after a
 * 1xx) starts over. */
static size_t on_header(char *data, size_t size, size_t nitems, void *user)
{
    resp *r = user;
    size_t n = size * nitems;
    r->header_bytes += n;
    if (r->header_bytes > SCA_GBA_UB_HEADERS_MAX || n > SCA_GBA_UB_HEADER_LINE_MAX) {
        r->header_bad = "the BSF's response headers are larger than this client accepts";
        return 0;
    }
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        r->www_count = r->info_count = 0;
        return n;
    }
    if (n > 0 && (data[0] == ' ' || data[0] == '\t')) {
        r->header_bad = "the BSF folded a header line (obsolete in RFC 7230), which this client refuses";
        return 0;
    }
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    int www = header_is(data, n, "WWW-Authenticate"), info = !www && header_is(data, n, "Authentication-Info");
    if (!www && !info)
        return size * nitems;
    size_t s = strlen(www ? "WWW-Authenticate:" : "Authentication-Info:");
    while (s < n && (data[s] == ' ' || data[s] == '\t'))
        s++;
    while (n > s && (data[n - 1] == ' ' || data[n - 1] == '\t'))
        n--;
    if (n - s > SCA_DIGEST_HEADER_MAX) {
        r->header_bad = "the BSF's Digest header is larger than this client accepts";
        return 0;
    }
    char *dst = www ? r->www : r->info;
    memcpy(dst, data + s, n - s);
    dst[n - s] = '\0';
    (*(www ? &r->www_count : &r->info_count))++;
    return size * nitems;
}

static sca_rc curl_failed(ub *u, CURLcode cc, const char *what, sca_error *err)
{
    const char *detail = u->r.errbuf[0] != '\0' ? u->r.errbuf : curl_easy_strerror(cc);
    const char *url = u->o->url;
    if (u->r.header_bad != NULL)
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping, %s: %s; check that %s is a BSF", what,
                             u->r.header_bad, url);
    if (u->r.overflow || cc == CURLE_FILESIZE_EXCEEDED)
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping, %s: the BSF's answer is larger than %d bytes, "
                             "which no Ub answer is; check that %s is a BSF", what, SCA_GBA_UB_BODY_MAX, url);
    switch (cc) {
    case CURLE_OUT_OF_MEMORY:
        return sca_error_set(err, SCA_E_NO_MEMORY, "GBA bootstrapping, %s: out of memory", what);
    case CURLE_WRITE_ERROR:
        return sca_error_set(err, u->r.nomem ? SCA_E_NO_MEMORY : SCA_E_INTERNAL, "GBA bootstrapping, %s: storing "
                             "the answer failed (%s)", what, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return sca_error_set(err, SCA_E_TIMEOUT, "GBA bootstrapping, %s to %s: no answer within %ld ms (%s); check "
                             "that the BSF is up, or allow a longer timeout", what, url, u->timeout_ms, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return sca_error_set(err, SCA_E_TRANSPORT, "GBA bootstrapping, %s to %s: TLS with the BSF failed (%s); "
                             "check the BSF's certificate and give its CA file", what, url, detail);
    default:
        return sca_error_set(err, SCA_E_TRANSPORT, "GBA bootstrapping, %s to %s failed: %s; check that the BSF is "
                             "reachable at this URL (host, port, proxy settings) and try again", what, url, detail);
    }
}

/* One GET with the given Authorization value; sets u->status, u->ctype and u->r. */
static sca_rc get(ub *u, const char *authorization, const char *what, sca_error *err)
{
    struct curl_slist *hdr = curl_slist_append(NULL, authorization);
    if (hdr == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "GBA bootstrapping: out of memory");
    resp *r = &u->r;
    r->len = r->header_bytes = 0;
    r->www_count = r->info_count = r->overflow = r->nomem = 0;
    r->header_bad = NULL;
    r->errbuf[0] = '\0';
    curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, hdr);
    u->out->http_requests++;
    CURLcode cc = curl_easy_perform(u->h);
    curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    if (cc != CURLE_OK)
        return curl_failed(u, cc, what, err);
    char *ct = NULL;
    u->status = 0;
    curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &u->status);
    curl_easy_getinfo(u->h, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(u->ctype, sizeof u->ctype, "%s", ct != NULL ? ct : "");
    sca_log(SCA_LOG_INFO, "gba ub: %s: HTTP %ld, %zu bytes%s%s", what, u->status, r->len,
            r->www_count ? ", with a challenge" : "", r->info_count ? ", with Authentication-Info" : "");
    return SCA_OK;
}

/* The parts of the URL the Digest header repeats: realm hint (host) and uri (the request target, byte for
 * byte what libcurl sends: it sends from the same parsed URL handle). */
static sca_rc parse_url(ub *u, sca_error *err)
{
    char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL;
    sca_rc rc = SCA_OK;
    if ((u->url = curl_url()) == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "GBA bootstrapping: out of memory");
    if (curl_url_set(u->url, CURLUPART_URL, u->o->url, 0) != CURLUE_OK ||
        curl_url_get(u->url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u->url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u->url, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: '%.200s' is not an http:// or https:// URL; "
                           "give the BSF's URL, e.g. http://bsf.example.org:8080/", u->o->url);
    if (rc == SCA_OK && curl_url_get(u->url, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL;
    int n = rc == SCA_OK ? snprintf(u->uri, sizeof u->uri, "%s%s%s", path, query ? "?" : "", query ? query : "") : 0;
    if (rc == SCA_OK && (n < 0 || (size_t)n >= sizeof u->uri || strlen(host) >= sizeof u->host))
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: the BSF URL is too long");
    for (const char *p = u->uri; rc == SCA_OK && *p != '\0'; p++)
        if (*p <= 0x20 || *p > 0x7E || *p == '"' || *p == '\\')
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: the BSF URL's path has a character that "
                               "needs percent-encoding; encode it");
    if (rc == SCA_OK)
        memcpy(u->host, host, strlen(host) + 1);
    curl_free(scheme);
    curl_free(host);
    curl_free(path);
    curl_free(query);
    return rc;
}

static sca_rc setup(ub *u, sca_error *err)
{
    sca_rc rc = parse_url(u, err);
    if (rc != SCA_OK)
        return rc;
    if ((u->h = curl_easy_init()) == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "GBA bootstrapping: libcurl could not make a handle");
    CURL *h = u->h;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_CURLU, u->url) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
    bad |= curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK; /* the B-TID must come from this BSF */
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, u->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, u->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SCA_GBA_UB_BODY_MAX) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, &u->r) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, &u->r) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, u->r.errbuf) != CURLE_OK;
    if (u->o->cafile != NULL)
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, u->o->cafile) != CURLE_OK;
    if (bad)
        return sca_error_set(err, SCA_E_INTERNAL, "GBA bootstrapping: libcurl refused an option (libcurl %s too old?)",
                             curl_version_info(CURLVERSION_NOW)->version);
    return SCA_OK;
}

/* ======================================================================================================
 * The Ub protocol
 * ====================================================================================================== */

typedef struct challenge {
    sca_digest_params d;
    uint8_t rand[SCA_GBA_RAND_LEN], autn[SCA_GBA_AUTN_LEN];
} challenge;

/* `s` as a quoted-string (RFC 7230 §3.2.6) appended at out[*len]; 0 when it does not fit. */
static int put_quoted(char *out, size_t cap, size_t *len, const char *s)
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

static int put_raw(char *out, size_t cap, size_t *len, const char *s)
{
    size_t l = strlen(s);
    if (*len + l + 1 > cap)
        return 0;
    memcpy(out + *len, s, l + 1);
    *len += l;
    return 1;
}

/* A short printable excerpt of the body for error messages. */
static void excerpt(const resp *r, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < r->len && o + 1 < cap; i++)
        out[o++] = r->body[i] >= 0x20 && r->body[i] <= 0x7E ? r->body[i] : ' ';
    out[o] = '\0';
}

/* What a status other than the expected one means, as an error. */
static sca_rc unexpected(ub *u, const char *what, sca_error *err)
{
    char ex[121];
    excerpt(&u->r, ex, sizeof ex);
    if (u->status == 403)
        return sca_error_set(err, SCA_E_DENIED, "GBA bootstrapping: the BSF refused %s (HTTP 403): it does not know "
                             "the IMPI %.128s; check the card's IMPI (or --impi) and that the subscriber is "
                             "provisioned at the BSF", what, u->o->impi);
    if (u->status == 401)
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping: the BSF answered %s with 401 but no usable "
                             "Digest challenge (%s); check that %s is a BSF", what, ex, u->o->url);
    return sca_error_set(err, SCA_E_TRANSPORT, "GBA bootstrapping: the BSF answered %s with HTTP %ld (%s); check the "
                         "BSF URL and its logs, then try again", what, u->status, ex);
}

/* The 401 challenge: exactly one Digest AKAv1-MD5 challenge offering qop=auth-int, nonce = RAND || AUTN || ... */
static sca_rc take_challenge(ub *u, const char *what, challenge *ch, sca_error *err)
{
    if (u->status != 401 || u->r.www_count == 0)
        return unexpected(u, what, err);
    if (u->r.www_count > 1)
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping: the BSF sent %d WWW-Authenticate headers for %s; "
                             "a BSF sends one Digest AKA challenge, check the BSF URL", u->r.www_count, what);
    memset(ch, 0, sizeof *ch);
    sca_rc rc = sca_digest_parse_challenge(u->r.www, strlen(u->r.www), &ch->d, err);
    if (rc != SCA_OK)
        return rc;
    const sca_digest_params *d = &ch->d;
    if (!(d->present & SCA_DIGEST_REALM) || !(d->present & SCA_DIGEST_NONCE))
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping: the BSF's challenge has no realm or nonce; it is "
                             "not an RFC 3310 challenge");
    if (!(d->present & SCA_DIGEST_ALGORITHM) || strcasecmp(d->algorithm, "AKAv1-MD5") != 0)
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "GBA bootstrapping: the BSF asks for Digest algorithm '%.40s'; "
                             "this client does AKAv1-MD5 (RFC 3310) only", d->algorithm);
    if (!(d->present & SCA_DIGEST_QOP) || !sca_digest_list_has(d->qop, "auth-int"))
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "GBA bootstrapping: the BSF does not offer qop=auth-int (it "
                             "offers '%.60s'); TS 24.109 requires it", d->qop);
    uint8_t *nb = NULL;
    size_t nlen = 0;
    rc = sca_b64_decode(d->nonce, strlen(d->nonce), NONCE_MAX_BYTES, &nb, &nlen, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "GBA bootstrapping: the BSF's nonce is not Base64 (RFC 3310 §3.2): ");
    if (nlen >= SCA_GBA_RAND_LEN + SCA_GBA_AUTN_LEN) {
        memcpy(ch->rand, nb, SCA_GBA_RAND_LEN);
        memcpy(ch->autn, nb + SCA_GBA_RAND_LEN, SCA_GBA_AUTN_LEN);
    }
    free(nb);
    if (nlen < SCA_GBA_RAND_LEN + SCA_GBA_AUTN_LEN)
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping: the BSF's nonce holds %zu bytes, fewer than "
                             "RAND and AUTN (32); it is not an AKA challenge", nlen);
    return SCA_OK;
}

/* Request 1 (TS 24.109 A.3 step 1): the IMPI, everything else empty. */
static sca_rc send_first(ub *u, sca_error *err)
{
    char h[AUTH_HEADER_MAX];
    size_t n = 0;
    int ok = put_raw(h, sizeof h, &n, "Authorization: Digest username=") && put_quoted(h, sizeof h, &n, u->o->impi) &&
             put_raw(h, sizeof h, &n, ", realm=") && put_quoted(h, sizeof h, &n, u->host) &&
             put_raw(h, sizeof h, &n, ", nonce=\"\", uri=") && put_quoted(h, sizeof h, &n, u->uri) &&
             put_raw(h, sizeof h, &n, ", response=\"\"");
    if (!ok)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: the Authorization header would be too long");
    return get(u, h, "the first request (the IMPI)", err);
}

/* The Digest answer to `ch` with `password` (RES, or empty with AUTS). Keeps HA1 for rspauth. */
static sca_rc send_answer(ub *u, const challenge *ch, const uint8_t *password, size_t pw_len, const char *auts_b64,
                          sca_error *err)
{
    uint8_t cn[16];
    if (RAND_bytes(cn, sizeof cn) != 1)
        return sca_error_set(err, SCA_E_CRYPTO, "GBA bootstrapping: no random bytes for the cnonce (OpenSSL RAND)");
    for (size_t i = 0; i < sizeof cn; i++)
        snprintf(u->cnonce + 2 * i, 3, "%02x", cn[i]);
    u->nc = "00000001"; /* every nonce is used once */
    char ha2[SCA_DIGEST_HEX_LEN + 1], resp_hex[SCA_DIGEST_HEX_LEN + 1];
    sca_rc rc = sca_digest_ha1(u->o->impi, ch->d.realm, password, pw_len, u->ha1, err);
    if (rc == SCA_OK)
        rc = sca_digest_ha2("GET", u->uri, "auth-int", NULL, 0, ha2, err);
    if (rc == SCA_OK)
        rc = sca_digest_response(u->ha1, ch->d.nonce, u->nc, u->cnonce, "auth-int", ha2, resp_hex, err);
    if (rc != SCA_OK)
        return rc;
    char h[AUTH_HEADER_MAX];
    size_t n = 0;
    int ok = put_raw(h, sizeof h, &n, "Authorization: Digest username=") && put_quoted(h, sizeof h, &n, u->o->impi) &&
             put_raw(h, sizeof h, &n, ", realm=") && put_quoted(h, sizeof h, &n, ch->d.realm) &&
             put_raw(h, sizeof h, &n, ", nonce=") && put_quoted(h, sizeof h, &n, ch->d.nonce) &&
             put_raw(h, sizeof h, &n, ", uri=") && put_quoted(h, sizeof h, &n, u->uri) &&
             put_raw(h, sizeof h, &n, ", qop=auth-int, nc=") && put_raw(h, sizeof h, &n, u->nc) &&
             put_raw(h, sizeof h, &n, ", cnonce=") && put_quoted(h, sizeof h, &n, u->cnonce) &&
             put_raw(h, sizeof h, &n, ", response=") && put_quoted(h, sizeof h, &n, resp_hex);
    if (ok && (ch->d.present & SCA_DIGEST_OPAQUE))
        ok = put_raw(h, sizeof h, &n, ", opaque=") && put_quoted(h, sizeof h, &n, ch->d.opaque);
    ok = ok && put_raw(h, sizeof h, &n, ", algorithm=AKAv1-MD5");
    if (ok && auts_b64 != NULL)
        ok = put_raw(h, sizeof h, &n, ", auts=") && put_quoted(h, sizeof h, &n, auts_b64);
    if (!ok)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: the Authorization header would be too long");
    return get(u, h, auts_b64 != NULL ? "the synchronisation failure report (AUTS)" : "the answer with RES", err);
}

/* Authentication-Info: rspauth = response with HA2 = MD5(":" uri ":" MD5(body)) (RFC 2617 §3.2.3, RFC 3310 §3.5).
 * Proves the BSF knows RES, i.e. is the network the card authenticated; required. */
static sca_rc check_rspauth(ub *u, const challenge *ch, sca_error *err)
{
    static const char why[] = "the BSF did not prove it knows RES";
    if (u->r.info_count != 1)
        return sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: %s (%s Authentication-Info header); do not "
                             "trust this B-TID, check the BSF URL (a server in the middle?)", why,
                             u->r.info_count == 0 ? "no" : "more than one");
    sca_digest_params ai;
    sca_rc rc = sca_digest_parse_info(u->r.info, strlen(u->r.info), &ai, err);
    if (rc != SCA_OK) { /* a malformed proof is no proof: the class says so, the message says why */
        if (err != NULL)
            err->rc = SCA_E_AUTH_FAILED;
        sca_error_prefix(err, "GBA bootstrapping: %s: ", why);
        return SCA_E_AUTH_FAILED;
    }
    if (!(ai.present & SCA_DIGEST_RSPAUTH) || ((ai.present & SCA_DIGEST_QOP) && strcasecmp(ai.qop, "auth-int") != 0) ||
        ((ai.present & SCA_DIGEST_CNONCE) && strcmp(ai.cnonce, u->cnonce) != 0) ||
        ((ai.present & SCA_DIGEST_NC) && strcmp(ai.nc, u->nc) != 0))
        return sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: %s (Authentication-Info without rspauth, or "
                             "for another qop, cnonce or nc); do not trust this B-TID", why);
    char ha2[SCA_DIGEST_HEX_LEN + 1], expect[SCA_DIGEST_HEX_LEN + 1];
    rc = sca_digest_ha2("", u->uri, "auth-int", (const uint8_t *)u->r.body, u->r.len, ha2, err);
    if (rc == SCA_OK)
        rc = sca_digest_response(u->ha1, ch->d.nonce, u->nc, u->cnonce, "auth-int", ha2, expect, err);
    if (rc != SCA_OK)
        return rc;
    if (!sca_digest_hex_equal(expect, ai.rspauth))
        return sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: %s (rspauth does not match); do not trust "
                             "this B-TID, check the BSF URL (a server in the middle?) and try again", why);
    return SCA_OK;
}

/* The 200: rspauth first (nothing in the body is believed before), then the type, then the document. */
static sca_rc take_bootstrap(ub *u, const challenge *ch, sca_error *err)
{
    if (u->status == 401 && u->r.www_count > 0)
        return sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: the BSF did not accept the card's RES (401 "
                             "with a fresh challenge); the card and the BSF disagree on the subscriber's key, or the "
                             "IMPI %.128s belongs to another card", u->o->impi);
    if (u->status != 200)
        return unexpected(u, "the answer with RES", err);
    sca_rc rc = check_rspauth(u, ch, err);
    if (rc != SCA_OK)
        return rc;
    size_t tl = strlen(SCA_GBA_UB_CONTENT_TYPE);
    if (strncasecmp(u->ctype, SCA_GBA_UB_CONTENT_TYPE, tl) != 0 ||
        (u->ctype[tl] != '\0' && u->ctype[tl] != ';' && u->ctype[tl] != ' ' && u->ctype[tl] != '\t'))
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping: the BSF's answer is '%.60s', not %s; check that "
                             "%s is a BSF", u->ctype[0] ? u->ctype : "(no Content-Type)", SCA_GBA_UB_CONTENT_TYPE,
                             u->o->url);
    rc = sca_gba_ub_parse_info((const uint8_t *)u->r.body, u->r.len, u->out->btid, u->out->lifetime, err);
    if (rc == SCA_OK)
        memcpy(u->out->rand, ch->rand, SCA_GBA_RAND_LEN);
    return rc;
}

/* AUTS as the auts= value. */
static sca_rc report_sync_failure(ub *u, const challenge *ch, const sca_gba_auth *a, sca_error *err)
{
    char *b64 = NULL;
    sca_rc rc = sca_b64_encode(a->auts, SCA_GBA_AUTS_LEN, &b64, err);
    if (rc == SCA_OK)
        rc = send_answer(u, ch, NULL, 0, b64, err);
    free(b64);
    return rc;
}

static sca_rc card_answer(sca_gba_ub_auth_fn auth, void *ctx, const challenge *ch, sca_gba_auth *a,
                          sca_error *err)
{
    memset(a, 0, sizeof *a);
    sca_rc rc = auth(ctx, ch->rand, ch->autn, a, err);
    if (rc == SCA_E_AUTH_FAILED)
        return sca_error_prefix(err, "GBA bootstrapping: the card refused the BSF's AUTN, so this is not your "
                                "operator's GBA_U BSF; check the BSF URL: ");
    if (rc != SCA_OK)
        return sca_error_prefix(err, "GBA bootstrapping: AUTHENTICATE on the card failed: ");
    if (!a->sync_failure && (a->res_len < 4 || a->res_len > SCA_GBA_RES_MAX))
        return sca_error_set(err, SCA_E_PROTOCOL, "GBA bootstrapping: the card's RES is %zu bytes (4..16 expected)",
                             a->res_len);
    return SCA_OK;
}

/* Challenge → card → answer, with at most one resynchronisation round (RFC 3310 §3.4, TS 24.109 A.4). */
static sca_rc exchange(ub *u, sca_gba_ub_auth_fn auth, void *ctx, sca_error *err)
{
    challenge ch;
    sca_gba_auth a;
    sca_rc rc = send_first(u, err);
    if (rc == SCA_OK)
        rc = take_challenge(u, "the first request", &ch, err);
    while (rc == SCA_OK) {
        if ((rc = card_answer(auth, ctx, &ch, &a, err)) != SCA_OK)
            break;
        if (!a.sync_failure) {
            rc = send_answer(u, &ch, a.res, a.res_len, NULL, err);
            if (rc == SCA_OK)
                rc = take_bootstrap(u, &ch, err);
            break;
        }
        if (u->out->resynchronised) {
            rc = sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: the card reported a synchronisation "
                               "failure again after the BSF resynchronised; the BSF does not honour AUTS, report "
                               "it to the operator");
            break;
        }
        sca_log(SCA_LOG_INFO, "gba ub: the card's SQN is ahead of the BSF's: sending AUTS");
        rc = report_sync_failure(u, &ch, &a, err);
        if (rc == SCA_OK && u->status == 200)
            rc = sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: the BSF answered the AUTS report with "
                               "200; an AUTS never bootstraps (RFC 3310 §3.4), this BSF is broken");
        if (rc == SCA_OK)
            rc = take_challenge(u, "the synchronisation failure report (AUTS)", &ch, err);
        u->out->resynchronised = rc == SCA_OK;
    }
    OPENSSL_cleanse(&a, sizeof a);
    return rc;
}

static sca_rc check_opts(const sca_gba_ub_opts *o, sca_error *err)
{
    if (o == NULL || o->url == NULL || o->url[0] == '\0')
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: no BSF URL given");
    if (o->impi == NULL || o->impi[0] == '\0' || strlen(o->impi) > SCA_GBA_IMPI_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: no IMPI, or one longer than %d characters",
                             SCA_GBA_IMPI_MAX);
    for (const char *p = o->impi; *p != '\0'; p++)
        if (*p < 0x21 || *p > 0x7E)
            return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: the IMPI '%.128s' has a character "
                                 "other than printable ASCII; check the card's personalization", o->impi);
    if (o->timeout_ms < 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: negative timeout");
    return SCA_OK;
}

sca_rc sca_gba_ub_run(const sca_gba_ub_opts *opts, sca_gba_ub_auth_fn auth, void *ctx, sca_gba_ub_result *out,
                      sca_error *err)
{
    if (out == NULL || auth == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: no result structure or AUTHENTICATE");
    memset(out, 0, sizeof *out);
    sca_rc rc = check_opts(opts, err);
    if (rc == SCA_OK)
        rc = sca_http_init("GBA bootstrapping", err);
    if (rc != SCA_OK)
        return rc;
    ub u = {.o = opts, .out = out, .timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS};
    rc = setup(&u, err);
    if (rc == SCA_OK)
        rc = exchange(&u, auth, ctx, err);
    curl_easy_cleanup(u.h);
    curl_url_cleanup(u.url);
    free(u.r.body);
    OPENSSL_cleanse(u.ha1, sizeof u.ha1);
    if (rc != SCA_OK) { /* no B-TID on failure; the request count stays for the diagnosis */
        int requests = out->http_requests;
        memset(out, 0, sizeof *out);
        out->http_requests = requests;
    } else {
        sca_log(SCA_LOG_INFO, "gba ub: bootstrapped, B-TID %s, lifetime %s%s", out->btid, out->lifetime,
                out->resynchronised ? " (after a resynchronisation)" : "");
    }
    return rc;
}

/* ======================================================================================================
 * With the card
 * ====================================================================================================== */

static sca_rc card_auth(void *ctx, const uint8_t rand[SCA_GBA_RAND_LEN], const uint8_t autn[SCA_GBA_AUTN_LEN],
                        sca_gba_auth *out, sca_error *err)
{
    return sca_gba_authenticate(ctx, rand, autn, out, err);
}

sca_rc sca_gba_ub_bootstrap(sca_card *c, const sca_gba_ub_opts *opts, sca_gba_ub_result *out, sca_error *err)
{
    if (c == NULL || opts == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: missing card, options or result");
    memset(out, 0, sizeof *out);
    sca_gba_ub_opts o = *opts;
    char impi[SCA_GBA_IMPI_MAX + 1];
    if (o.impi == NULL) {
        sca_rc rc = sca_gba_impi(c, impi, sizeof impi, err);
        if (rc != SCA_OK)
            return sca_error_prefix(err, "GBA bootstrapping: reading the card's IMPI (give one with the options, "
                                    "or have the issuer personalize it): ");
        o.impi = impi;
    }
    sca_rc rc = sca_gba_ub_run(&o, card_auth, c, out, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_gba_bp_write(c, out->btid, out->lifetime, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "GBA bootstrapping: the BSF bootstrapped (B-TID %s) but writing it to the card "
                                "failed; bootstrap again: ", out->btid);
    return SCA_OK;
}
