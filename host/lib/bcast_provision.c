/* OMA BCAST Smartcard Profile provisioning over HTTP Digest on the libcurl easy API (scagent/provision.h): POST,
 * 401 challenge, POST with Authorization (B-TID, Base64(MRK)), 200 with rspauth checked before the body is read.
 * Bounded: at most 3 requests (one stale-nonce round), answers capped at SCA_BCAST_BODY_MAX. */
#include "scagent/provision.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "http_digest.h"
#include "http_init.h"
#include "scagent/log.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define URL_MAX 1024
#define AUTH_HEADER_MAX 8192
#define HEADER_LINE_MAX 8192
#define HEADERS_MAX 32768
#define MAX_REQUESTS 3

typedef struct resp {
    char *body;
    size_t len, cap;
    char www[SCA_DIGEST_HEADER_MAX + 1], info[SCA_DIGEST_HEADER_MAX + 1];
    int www_count, info_count;
    size_t header_bytes;
    const char *header_bad;
    int overflow, nomem;
    char errbuf[CURL_ERROR_SIZE];
} resp;

typedef struct pv {
    const sca_bcast_request *q;
    sca_bcast_response *out;
    const char *what;          /* "register", ... for messages */
    long timeout_ms;
    CURL *h;
    CURLU *url;
    char full_url[URL_MAX + 1];
    char uri[URL_MAX + 1];
    char *body;                /* the request body */
    size_t body_len;
    resp r;
    long status;
    char ctype[128];
    char ha1[SCA_DIGEST_HEX_LEN + 1];
    char cnonce[33];
    const char *nc;
} pv;

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    resp *r = user;
    size_t n = size * nmemb;
    if (n > SCA_BCAST_BODY_MAX - r->len) {
        r->overflow = 1;
        return 0;
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
    return n > l && line[l] == ':' && strncasecmp(line, name, l) == 0;
}

/* Keep WWW-Authenticate and Authentication-Info (OWS trimmed), cap the sizes; a new status line starts over. */
static size_t on_header(char *data, size_t size, size_t nitems, void *user)
{
    resp *r = user;
    size_t n = size * nitems;
    r->header_bytes += n;
    if (r->header_bytes > HEADERS_MAX || n > HEADER_LINE_MAX) {
        r->header_bad = "the BM-SC's response headers are larger than this client accepts";
        return 0;
    }
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        r->www_count = r->info_count = 0;
        return n;
    }
    if (n > 0 && (data[0] == ' ' || data[0] == '\t')) {
        r->header_bad = "the BM-SC folded a header line (obsolete in RFC 7230), which this client refuses";
        return 0;
    }
    size_t m = n;
    while (m > 0 && (data[m - 1] == '\n' || data[m - 1] == '\r'))
        m--;
    int www = header_is(data, m, "WWW-Authenticate"), info = !www && header_is(data, m, "Authentication-Info");
    if (!www && !info)
        return n;
    size_t s = strlen(www ? "WWW-Authenticate:" : "Authentication-Info:");
    while (s < m && (data[s] == ' ' || data[s] == '\t'))
        s++;
    while (m > s && (data[m - 1] == ' ' || data[m - 1] == '\t'))
        m--;
    if (m - s > SCA_DIGEST_HEADER_MAX) {
        r->header_bad = "the BM-SC's Digest header is larger than this client accepts";
        return 0;
    }
    char *dst = www ? r->www : r->info;
    memcpy(dst, data + s, m - s);
    dst[m - s] = '\0';
    (*(www ? &r->www_count : &r->info_count))++;
    return n;
}

static sca_rc curl_failed(pv *u, CURLcode cc, const char *step, sca_error *err)
{
    const char *detail = u->r.errbuf[0] != '\0' ? u->r.errbuf : curl_easy_strerror(cc);
    if (u->r.header_bad != NULL)
        return sca_error_set(err, SCA_E_PARSE, "bcast %s, %s: %s; check that %s is a BM-SC", u->what, step,
                             u->r.header_bad, u->q->base_url);
    if (u->r.overflow || cc == CURLE_FILESIZE_EXCEEDED)
        return sca_error_set(err, SCA_E_PARSE, "bcast %s, %s: the BM-SC's answer is larger than %d bytes; check that "
                             "%s is a BM-SC", u->what, step, SCA_BCAST_BODY_MAX, u->q->base_url);
    switch (cc) {
    case CURLE_OUT_OF_MEMORY:
        return sca_error_set(err, SCA_E_NO_MEMORY, "bcast %s, %s: out of memory", u->what, step);
    case CURLE_WRITE_ERROR:
        return sca_error_set(err, u->r.nomem ? SCA_E_NO_MEMORY : SCA_E_INTERNAL, "bcast %s, %s: storing the answer "
                             "failed (%s)", u->what, step, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return sca_error_set(err, SCA_E_TIMEOUT, "bcast %s, %s to %s: no answer within %ld ms (%s); check that the "
                             "BM-SC is up, or allow a longer --timeout", u->what, step, u->full_url, u->timeout_ms,
                             detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return sca_error_set(err, SCA_E_TRANSPORT, "bcast %s, %s to %s: TLS with the BM-SC failed (%s); check its "
                             "certificate and give its CA file (--cafile)", u->what, step, u->full_url, detail);
    default:
        return sca_error_set(err, SCA_E_TRANSPORT, "bcast %s, %s to %s failed: %s; check that the BM-SC is reachable "
                             "at this URL (host, port, proxy settings) and try again", u->what, step, u->full_url,
                             detail);
    }
}

/* One POST of the body with the given Authorization header (NULL: none); sets status, ctype and r. */
static sca_rc post(pv *u, const char *authorization, const char *step, sca_error *err)
{
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/xml; charset=utf-8");
    struct curl_slist *h2 = hdr != NULL ? curl_slist_append(hdr, "Expect:") : NULL;
    struct curl_slist *h3 = h2 != NULL && authorization != NULL ? curl_slist_append(h2, authorization) : h2;
    if (h3 == NULL) {
        curl_slist_free_all(hdr);
        return sca_error_set(err, SCA_E_NO_MEMORY, "bcast %s: out of memory", u->what);
    }
    resp *r = &u->r;
    r->len = r->header_bytes = 0;
    r->www_count = r->info_count = r->overflow = r->nomem = 0;
    r->header_bad = NULL;
    r->errbuf[0] = '\0';
    if (r->body != NULL)
        r->body[0] = '\0';
    curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, h3);
    u->out->http_requests++;
    CURLcode cc = curl_easy_perform(u->h);
    curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h3);
    if (cc != CURLE_OK)
        return curl_failed(u, cc, step, err);
    char *ct = NULL;
    u->status = 0;
    curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &u->status);
    curl_easy_getinfo(u->h, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(u->ctype, sizeof u->ctype, "%s", ct != NULL ? ct : "");
    u->out->http_status = u->status;
    sca_log(SCA_LOG_INFO, "bcast %s: %s: HTTP %ld, %zu bytes%s%s", u->what, step, u->status, r->len,
            r->www_count ? ", with a challenge" : "", r->info_count ? ", with Authentication-Info" : "");
    return SCA_OK;
}

static sca_rc setup(pv *u, sca_error *err)
{
    const char *base = u->q->base_url;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    int n = snprintf(u->full_url, sizeof u->full_url, "%.*s/bmsc/%s", (int)bl, base, u->what);
    if (n < 0 || (size_t)n >= sizeof u->full_url)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast %s: the BM-SC URL is too long", u->what);
    char *scheme = NULL, *path = NULL, *query = NULL;
    sca_rc rc = SCA_OK;
    if ((u->url = curl_url()) == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "bcast %s: out of memory", u->what);
    if (curl_url_set(u->url, CURLUPART_URL, u->full_url, 0) != CURLUE_OK ||
        curl_url_get(u->url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u->url, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "bcast %s: '%.200s' is not an http:// or https:// URL; give the "
                           "BM-SC's base URL, e.g. http://bmsc.example.org:8080", u->what, base);
    if (rc == SCA_OK && curl_url_get(u->url, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL;
    if (rc == SCA_OK) {
        n = snprintf(u->uri, sizeof u->uri, "%s%s%s", path, query ? "?" : "", query ? query : "");
        if (n < 0 || (size_t)n >= sizeof u->uri)
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "bcast %s: the BM-SC URL is too long", u->what);
    }
    for (const char *p = u->uri; rc == SCA_OK && *p != '\0'; p++)
        if (*p <= 0x20 || *p > 0x7E || *p == '"' || *p == '\\')
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "bcast %s: the BM-SC URL's path has a character that needs "
                               "percent-encoding; encode it", u->what);
    curl_free(scheme);
    curl_free(path);
    curl_free(query);
    if (rc != SCA_OK)
        return rc;
    if ((u->h = curl_easy_init()) == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "bcast %s: libcurl could not make a handle", u->what);
    CURL *h = u->h;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_CURLU, u->url) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
    bad |= curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, u->body) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)u->body_len) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, u->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, u->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SCA_BCAST_BODY_MAX) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, &u->r) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, &u->r) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, u->r.errbuf) != CURLE_OK;
    if (u->q->cafile != NULL)
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, u->q->cafile) != CURLE_OK;
    if (bad)
        return sca_error_set(err, SCA_E_INTERNAL, "bcast %s: libcurl refused an option (libcurl %s too old?)",
                             u->what, curl_version_info(CURLVERSION_NOW)->version);
    return SCA_OK;
}

/* `s` as a quoted-string appended at out[*len]; 0 when it does not fit. */
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

static void excerpt(const resp *r, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < r->len && o + 1 < cap; i++)
        out[o++] = r->body[i] >= 0x20 && r->body[i] <= 0x7E ? r->body[i] : ' ';
    out[o] = '\0';
}

/* A final answer other than 200 (and other than a usable 401), as an error. */
static sca_rc refused(pv *u, const char *step, sca_error *err)
{
    char ex[121];
    excerpt(&u->r, ex, sizeof ex);
    switch (u->status) {
    case 403:
        return sca_error_set(err, SCA_E_DENIED, "bcast %s: the BM-SC refused the B-TID %.128s (HTTP 403: %s); the "
                             "bootstrap is unknown to it or expired: run 'scagent gba bootstrap URL' and 'scagent "
                             "mbms setup' again", u->what, u->q->btid, ex);
    case 400:
        return sca_error_set(err, SCA_E_BAD_REQUEST, "bcast %s: the BM-SC refused %s as malformed (HTTP 400: %s)",
                             u->what, step, ex);
    case 401:
        return sca_error_set(err, SCA_E_PARSE, "bcast %s: the BM-SC answered %s with 401 but no usable Digest "
                             "challenge (%s); check that %s is a BM-SC", u->what, step, ex, u->q->base_url);
    case 200:
        return sca_error_set(err, SCA_E_AUTH_FAILED, "bcast %s: the BM-SC answered without asking for HTTP Digest "
                             "authentication, so its answer is not authenticated (seed 002 5.4.7.2.3 requires "
                             "Digest); refusing it, check the BM-SC URL", u->what);
    default:
        return sca_error_set(err, SCA_E_TRANSPORT, "bcast %s: the BM-SC answered %s with HTTP %ld (%s); check the "
                             "URL and the BM-SC's logs, then try again", u->what, step, u->status, ex);
    }
}

/* The 401 challenge: exactly one Digest challenge, algorithm MD5 (or none), qop offering auth-int. */
static sca_rc take_challenge(pv *u, const char *step, sca_digest_params *d, sca_error *err)
{
    if (u->status != 401 || u->r.www_count == 0)
        return refused(u, step, err);
    if (u->r.www_count > 1)
        return sca_error_set(err, SCA_E_PARSE, "bcast %s: the BM-SC sent %d WWW-Authenticate headers for %s; it "
                             "sends one Digest challenge, check the URL", u->what, u->r.www_count, step);
    sca_rc rc = sca_digest_parse_challenge(u->r.www, strlen(u->r.www), d, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "bcast %s: ", u->what);
    if (!(d->present & SCA_DIGEST_REALM) || !(d->present & SCA_DIGEST_NONCE))
        return sca_error_set(err, SCA_E_PARSE, "bcast %s: the BM-SC's challenge has no realm or nonce", u->what);
    if ((d->present & SCA_DIGEST_ALGORITHM) && strcasecmp(d->algorithm, "MD5") != 0)
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "bcast %s: the BM-SC asks for Digest algorithm '%.40s'; TS "
                             "33.246 §6.2.1 uses MD5, the only one this client does", u->what, d->algorithm);
    if (!(d->present & SCA_DIGEST_QOP) || !sca_digest_list_has(d->qop, "auth-int"))
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "bcast %s: the BM-SC does not offer qop=auth-int (it offers "
                             "'%.60s'); TS 33.246 §6.2.1 requires integrity protection of the body", u->what, d->qop);
    return SCA_OK;
}

/* The Digest answer to `d`: username B-TID, password Base64(MRK). Keeps HA1 for rspauth. */
static sca_rc send_answer(pv *u, const sca_digest_params *d, sca_error *err)
{
    uint8_t cn[16];
    if (RAND_bytes(cn, sizeof cn) != 1)
        return sca_error_set(err, SCA_E_CRYPTO, "bcast %s: no random bytes for the cnonce (OpenSSL RAND)", u->what);
    for (size_t i = 0; i < sizeof cn; i++)
        snprintf(u->cnonce + 2 * i, 3, "%02x", cn[i]);
    u->nc = "00000001"; /* a fresh nonce each time */
    char *pw = NULL;
    sca_rc rc = sca_b64_encode(u->q->mrk, 32, &pw, err);
    if (rc == SCA_OK) {
        rc = sca_digest_ha1(u->q->btid, d->realm, (const uint8_t *)pw, strlen(pw), u->ha1, err);
        OPENSSL_cleanse(pw, strlen(pw));
    }
    free(pw);
    char ha2[SCA_DIGEST_HEX_LEN + 1], rsp[SCA_DIGEST_HEX_LEN + 1];
    if (rc == SCA_OK)
        rc = sca_digest_ha2("POST", u->uri, "auth-int", (const uint8_t *)u->body, u->body_len, ha2, err);
    if (rc == SCA_OK)
        rc = sca_digest_response(u->ha1, d->nonce, u->nc, u->cnonce, "auth-int", ha2, rsp, err);
    if (rc != SCA_OK)
        return rc;
    char h[AUTH_HEADER_MAX];
    size_t n = 0;
    int ok = put_raw(h, sizeof h, &n, "Authorization: Digest username=") && put_quoted(h, sizeof h, &n, u->q->btid) &&
             put_raw(h, sizeof h, &n, ", realm=") && put_quoted(h, sizeof h, &n, d->realm) &&
             put_raw(h, sizeof h, &n, ", nonce=") && put_quoted(h, sizeof h, &n, d->nonce) &&
             put_raw(h, sizeof h, &n, ", uri=") && put_quoted(h, sizeof h, &n, u->uri) &&
             put_raw(h, sizeof h, &n, ", qop=auth-int, nc=") && put_raw(h, sizeof h, &n, u->nc) &&
             put_raw(h, sizeof h, &n, ", cnonce=") && put_quoted(h, sizeof h, &n, u->cnonce) &&
             put_raw(h, sizeof h, &n, ", response=") && put_quoted(h, sizeof h, &n, rsp);
    if (ok && (d->present & SCA_DIGEST_OPAQUE))
        ok = put_raw(h, sizeof h, &n, ", opaque=") && put_quoted(h, sizeof h, &n, d->opaque);
    ok = ok && put_raw(h, sizeof h, &n, ", algorithm=MD5");
    if (!ok)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast %s: the Authorization header would be too long", u->what);
    return post(u, h, "the authenticated request", err);
}

/* Authentication-Info: rspauth with HA2 = MD5(":" uri ":" MD5(body)). The simulator always sends it and a BM-SC
 * that cannot prove it knows MRK could be anyone, so it is required. */
static sca_rc check_rspauth(pv *u, const sca_digest_params *d, sca_error *err)
{
    static const char why[] = "the BM-SC did not prove it knows MRK";
    if (u->r.info_count != 1)
        return sca_error_set(err, SCA_E_AUTH_FAILED, "bcast %s: %s (%s Authentication-Info header); its answer is "
                             "not trusted: check the BM-SC URL (a server in the middle?)", u->what, why,
                             u->r.info_count == 0 ? "no" : "more than one");
    sca_digest_params ai;
    sca_rc rc = sca_digest_parse_info(u->r.info, strlen(u->r.info), &ai, err);
    if (rc != SCA_OK) {
        if (err != NULL)
            err->rc = SCA_E_AUTH_FAILED;
        sca_error_prefix(err, "bcast %s: %s: ", u->what, why);
        return SCA_E_AUTH_FAILED;
    }
    if (!(ai.present & SCA_DIGEST_RSPAUTH) || ((ai.present & SCA_DIGEST_QOP) && strcasecmp(ai.qop, "auth-int") != 0) ||
        ((ai.present & SCA_DIGEST_CNONCE) && strcmp(ai.cnonce, u->cnonce) != 0) ||
        ((ai.present & SCA_DIGEST_NC) && strcmp(ai.nc, u->nc) != 0))
        return sca_error_set(err, SCA_E_AUTH_FAILED, "bcast %s: %s (Authentication-Info without rspauth, or for "
                             "another qop, cnonce or nc); its answer is not trusted", u->what, why);
    char ha2[SCA_DIGEST_HEX_LEN + 1], expect[SCA_DIGEST_HEX_LEN + 1];
    rc = sca_digest_ha2("", u->uri, "auth-int", (const uint8_t *)u->r.body, u->r.len, ha2, err);
    if (rc == SCA_OK)
        rc = sca_digest_response(u->ha1, d->nonce, u->nc, u->cnonce, "auth-int", ha2, expect, err);
    if (rc != SCA_OK)
        return rc;
    if (!sca_digest_hex_equal(expect, ai.rspauth))
        return sca_error_set(err, SCA_E_AUTH_FAILED, "bcast %s: %s (rspauth does not match); its answer is not "
                             "trusted: check the BM-SC URL and try again", u->what, why);
    return SCA_OK;
}

static sca_rc take_answer(pv *u, const sca_digest_params *d, const char *request_id, sca_error *err)
{
    sca_rc rc = check_rspauth(u, d, err);
    if (rc != SCA_OK)
        return rc;
    const char *ct = u->ctype;
    size_t tl = strcspn(ct, "; \t");
    if (!((tl == 15 && strncasecmp(ct, "application/xml", tl) == 0) || (tl == 8 && strncasecmp(ct, "text/xml", tl) == 0)))
        return sca_error_set(err, SCA_E_PARSE, "bcast %s: the BM-SC's answer is '%.60s', not application/xml; check "
                             "that %s is a BM-SC", u->what, ct[0] ? ct : "(no Content-Type)", u->q->base_url);
    return sca_bcast_parse_response(u->q->kind, (const uint8_t *)u->r.body, u->r.len, request_id, u->out, err);
}

static sca_rc run(pv *u, const char *request_id, sca_error *err)
{
    sca_digest_params d;
    sca_rc rc = post(u, NULL, "the first request", err);
    if (rc == SCA_OK)
        rc = take_challenge(u, "the first request", &d, err);
    while (rc == SCA_OK) {
        if ((rc = send_answer(u, &d, err)) != SCA_OK)
            break;
        if (u->status == 200)
            return take_answer(u, &d, request_id, err);
        if (u->status != 401 || u->r.www_count == 0)
            return refused(u, "the authenticated request", err);
        sca_digest_params fresh;
        if ((rc = take_challenge(u, "the authenticated request", &fresh, err)) != SCA_OK)
            break;
        int stale = (fresh.present & SCA_DIGEST_STALE) && strcasecmp(fresh.stale, "true") == 0;
        if (!stale || u->out->http_requests >= MAX_REQUESTS)
            return sca_error_set(err, SCA_E_AUTH_FAILED, "bcast %s: the BM-SC refused the Digest answer (401%s): "
                                 "the MRK does not match its key for B-TID %.128s; run 'scagent gba bootstrap URL' "
                                 "and 'scagent mbms setup --bmsc-fqdn %s' again (the FQDN must be the BM-SC's realm)",
                                 u->what, stale ? ", stale again" : "", u->q->btid, d.realm);
        sca_log(SCA_LOG_INFO, "bcast %s: the nonce was stale; answering the fresh challenge", u->what);
        d = fresh;
    }
    return rc;
}

static sca_rc check_request(const sca_bcast_request *q, sca_error *err)
{
    if (q == NULL || q->base_url == NULL || q->base_url[0] == '\0' || q->mrk == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast: no BM-SC URL or MRK given");
    if (q->kind > SCA_BCAST_LTKM_REQUEST)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast: unknown request kind");
    size_t bl = q->btid != NULL ? strlen(q->btid) : 0;
    if (bl == 0 || bl > 128)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast: no B-TID, or one longer than 128 characters; run "
                             "'scagent gba bootstrap URL' first");
    for (const char *p = q->btid; *p != '\0'; p++)
        if (*p < 0x21 || *p > 0x7E)
            return sca_error_set(err, SCA_E_INVALID_ARG, "bcast: the B-TID has a character other than printable "
                                 "ASCII; check the card's EF_GBABP");
    if (q->timeout_ms < 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast: negative timeout");
    return SCA_OK;
}

sca_rc sca_bcast_provision(const sca_bcast_request *req, sca_bcast_response *out, sca_error *err)
{
    if (out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast: no response structure");
    memset(out, 0, sizeof *out);
    out->global_status = -1;
    sca_rc rc = check_request(req, err);
    if (rc != SCA_OK)
        return rc;
    char rid[SCA_BCAST_REQUEST_ID_MAX + 1];
    if (req->request_id != NULL) {
        snprintf(rid, sizeof rid, "%s", req->request_id);
    } else {
        uint8_t r[8];
        if (RAND_bytes(r, sizeof r) != 1)
            return sca_error_set(err, SCA_E_CRYPTO, "bcast: no random bytes for the request ID (OpenSSL RAND)");
        snprintf(rid, sizeof rid, "scagent-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
                 r[6], r[7]);
    }
    pv u = {.q = req, .out = out, .what = sca_bcast_kind_name(req->kind),
            .timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS};
    rc = sca_bcast_request_body(req, rid, &u.body, &u.body_len, err);
    if (rc == SCA_OK)
        rc = sca_http_init("bcast provisioning", err);
    if (rc == SCA_OK)
        rc = setup(&u, err);
    if (rc == SCA_OK)
        rc = run(&u, rid, err);
    curl_easy_cleanup(u.h);
    curl_url_cleanup(u.url);
    free(u.body);
    OPENSSL_cleanse(u.ha1, sizeof u.ha1);
    out->body = u.r.body; /* the last answer, for the caller's diagnosis */
    out->body_len = u.r.len;
    if (rc == SCA_OK)
        sca_log(SCA_LOG_INFO, "bcast %s: 200, globalStatusCode %ld, %zu items, %zu LTKMs", u.what,
                out->global_status, out->n_items, out->n_ltkms);
    return rc;
}
