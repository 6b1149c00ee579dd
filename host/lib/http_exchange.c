/* The libcurl request/response helper of http_exchange.h, and the Digest steps that read its answers. */
#include "http_exchange.h"
#include "http_init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scagent/log.h"
#include "textbuf.h"

enum { HDR_OK, HDR_TOO_LARGE, HDR_FOLDED, HDR_DIGEST_TOO_LARGE };

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    sca_http *x = user;
    size_t n = size * nmemb;
    if (n > x->o.body_max - x->len) {
        x->overflow = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (!sca_textbuf_append(&x->body, &x->len, &x->cap, 1024, data, n)) {
        x->nomem = 1;
        return 0;
    }
    return n;
}

static int header_is(const char *line, size_t n, const char *name)
{
    size_t l = strlen(name);
    return n > l && line[l] == ':' && strncasecmp(line, name, l) == 0;
}

/* Keep WWW-Authenticate and Authentication-Info (OWS trimmed), cap the sizes; a new status line (after a 1xx)
 * starts over. */
static size_t on_header(char *data, size_t size, size_t nitems, void *user)
{
    sca_http *x = user;
    size_t n = size * nitems;
    x->header_bytes += n;
    if (x->header_bytes > SCA_HTTP_HEADERS_MAX || n > SCA_HTTP_HEADER_LINE_MAX) {
        x->header_bad = HDR_TOO_LARGE;
        return 0;
    }
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        x->www_count = x->info_count = 0;
        return n;
    }
    if (n > 0 && (data[0] == ' ' || data[0] == '\t')) {
        x->header_bad = HDR_FOLDED;
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
        x->header_bad = HDR_DIGEST_TOO_LARGE;
        return 0;
    }
    char *dst = www ? x->www : x->info;
    memcpy(dst, data + s, m - s);
    dst[m - s] = '\0';
    (*(www ? &x->www_count : &x->info_count))++;
    return n;
}

static const char *shown(const sca_http *x)
{
    return x->o.shown_url != NULL ? x->o.shown_url : x->o.url;
}

static sca_rc curl_failed(const sca_http *x, CURLcode cc, const char *step, sca_error *err)
{
    const char *detail = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc);
    const char *who = x->o.who, *peer = x->o.peer;
    switch (x->header_bad) {
    case HDR_TOO_LARGE:
        return sca_error_set(err, SCA_E_PARSE, "%s, %s: the %s's response headers are larger than this client "
                             "accepts; check that %s is a %s", who, step, peer, shown(x), peer);
    case HDR_FOLDED:
        return sca_error_set(err, SCA_E_PARSE, "%s, %s: the %s folded a header line (obsolete in RFC 7230), which "
                             "this client refuses; check that %s is a %s", who, step, peer, shown(x), peer);
    case HDR_DIGEST_TOO_LARGE:
        return sca_error_set(err, SCA_E_PARSE, "%s, %s: the %s's Digest header is larger than this client accepts; "
                             "check that %s is a %s", who, step, peer, shown(x), peer);
    }
    if (x->overflow || cc == CURLE_FILESIZE_EXCEEDED)
        return sca_error_set(err, SCA_E_PARSE, "%s, %s: the %s's answer is larger than %zu bytes; check that %s is "
                             "a %s", who, step, peer, x->o.body_max, shown(x), peer);
    switch (cc) {
    case CURLE_OUT_OF_MEMORY:
        return sca_error_set(err, SCA_E_NO_MEMORY, "%s, %s: out of memory", who, step);
    case CURLE_WRITE_ERROR:
        return sca_error_set(err, x->nomem ? SCA_E_NO_MEMORY : SCA_E_INTERNAL, "%s, %s: storing the answer failed "
                             "(%s)", who, step, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return sca_error_set(err, SCA_E_TIMEOUT, "%s, %s to %s: no answer within %ld ms (%s); check that the %s is "
                             "up, or allow a longer --timeout", who, step, x->o.url, x->o.timeout_ms, detail, peer);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return sca_error_set(err, SCA_E_TRANSPORT, "%s, %s to %s: TLS with the %s failed (%s); check its "
                             "certificate and give its CA file (--cafile)", who, step, x->o.url, peer, detail);
    default:
        return sca_error_set(err, SCA_E_TRANSPORT, "%s, %s to %s failed: %s; check that the %s is reachable at "
                             "this URL (host, port, proxy settings) and try again", who, step, x->o.url, detail,
                             peer);
    }
}

sca_rc sca_http_perform(sca_http *x, const char *authorization, const char *step, sca_error *err)
{
    struct curl_slist *hdr = NULL;
    int nomem = 0;
    for (const char *const *h = x->o.headers; h != NULL && *h != NULL && !nomem; h++) {
        struct curl_slist *l = curl_slist_append(hdr, *h);
        nomem = l == NULL;
        hdr = l != NULL ? l : hdr;
    }
    if (!nomem && authorization != NULL) {
        struct curl_slist *l = curl_slist_append(hdr, authorization);
        nomem = l == NULL;
        hdr = l != NULL ? l : hdr;
    }
    if (nomem) {
        curl_slist_free_all(hdr);
        return sca_error_set(err, SCA_E_NO_MEMORY, "%s: out of memory", x->o.who);
    }
    x->len = x->header_bytes = 0;
    x->www_count = x->info_count = x->overflow = x->nomem = 0;
    x->header_bad = HDR_OK;
    x->errbuf[0] = '\0';
    if (x->body != NULL)
        x->body[0] = '\0';
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdr);
    CURLcode cc = curl_easy_perform(x->h);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    if (cc != CURLE_OK)
        return curl_failed(x, cc, step, err);
    char *ct = NULL;
    x->status = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
    curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(x->ctype, sizeof x->ctype, "%s", ct != NULL ? ct : "");
    sca_log(SCA_LOG_INFO, "%s: %s: HTTP %ld, %zu bytes%s%s", x->o.log_who != NULL ? x->o.log_who : x->o.who, step,
            x->status, x->len, x->www_count ? ", with a challenge" : "",
            x->info_count ? ", with Authentication-Info" : "");
    return SCA_OK;
}

/* The parts of the URL the Digest header repeats: host (realm hint) and uri (the request target, byte for byte
 * what libcurl sends: it sends from the same parsed URL handle). */
static sca_rc parse_url(sca_http *x, sca_error *err)
{
    char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL;
    const char *who = x->o.who;
    sca_rc rc = SCA_OK;
    if ((x->url = curl_url()) == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "%s: out of memory", who);
    if (curl_url_set(x->url, CURLUPART_URL, x->o.url, 0) != CURLUE_OK ||
        curl_url_get(x->url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(x->url, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(x->url, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "%s: '%.200s' is not an http:// or https:// URL; give %s", who,
                           shown(x), x->o.url_hint);
    if (rc == SCA_OK && curl_url_get(x->url, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL;
    int n = rc == SCA_OK ? snprintf(x->uri, sizeof x->uri, "%s%s%s", path, query ? "?" : "", query ? query : "") : 0;
    if (rc == SCA_OK && (n < 0 || (size_t)n >= sizeof x->uri || strlen(host) >= sizeof x->host))
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "%s: the %s URL is too long", who, x->o.peer);
    for (const char *p = x->uri; rc == SCA_OK && *p != '\0'; p++)
        if (*p <= 0x20 || *p > 0x7E || *p == '"' || *p == '\\')
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "%s: the %s URL's path has a character that needs "
                               "percent-encoding; encode it", who, x->o.peer);
    if (rc == SCA_OK)
        memcpy(x->host, host, strlen(host) + 1);
    curl_free(scheme);
    curl_free(host);
    curl_free(path);
    curl_free(query);
    return rc;
}

sca_rc sca_http_open(sca_http *x, const sca_http_opts *opts, sca_error *err)
{
    memset(x, 0, sizeof *x);
    x->o = *opts;
    sca_rc rc = parse_url(x, err);
    if (rc != SCA_OK)
        return rc;
    if ((x->h = curl_easy_init()) == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "%s: libcurl could not make a handle", x->o.who);
    CURL *h = x->h;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_CURLU, x->url) != CURLE_OK;
    bad |= sca_http_base_options(h);
    if (x->o.post_body != NULL) {
        bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->o.post_body) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->o.post_len) != CURLE_OK;
    } else {
        bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
    }
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, x->o.timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, x->o.timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->o.body_max) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
    if (x->o.cafile != NULL)
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, x->o.cafile) != CURLE_OK;
    if (bad)
        return sca_error_set(err, SCA_E_INTERNAL, "%s: libcurl refused an option (libcurl %s too old?)", x->o.who,
                             curl_version_info(CURLVERSION_NOW)->version);
    return SCA_OK;
}

void sca_http_close(sca_http *x)
{
    if (x != NULL) {
        curl_easy_cleanup(x->h);
        curl_url_cleanup(x->url);
        free(x->body);
        x->h = NULL, x->url = NULL, x->body = NULL, x->len = x->cap = 0;
    }
}

void sca_http_excerpt(const sca_http *x, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < x->len && o + 1 < cap; i++)
        out[o++] = x->body[i] >= 0x20 && x->body[i] <= 0x7E ? x->body[i] : ' ';
    out[o] = '\0';
}

sca_rc sca_http_unexpected(const sca_http *x, const char *step, sca_error *err)
{
    char ex[121];
    sca_http_excerpt(x, ex, sizeof ex);
    if (x->status == 401)
        return sca_error_set(err, SCA_E_PARSE, "%s: the %s answered %s with 401 but no usable Digest challenge (%s); "
                             "check that %s is a %s", x->o.who, x->o.peer, step, ex, shown(x), x->o.peer);
    return sca_error_set(err, SCA_E_TRANSPORT, "%s: the %s answered %s with HTTP %ld (%s); check the %s URL and its "
                         "logs, then try again", x->o.who, x->o.peer, step, x->status, ex, x->o.peer);
}

sca_rc sca_http_challenge(const sca_http *x, const char *step, const char *algorithm, int algorithm_required,
                          const char *spec, sca_digest_params *d, sca_error *err)
{
    const char *who = x->o.who, *peer = x->o.peer;
    if (x->www_count != 1)
        return sca_error_set(err, SCA_E_PARSE, "%s: the %s sent %d WWW-Authenticate headers for %s; a %s sends one "
                             "Digest challenge, check the %s URL", who, peer, x->www_count, step, peer, peer);
    memset(d, 0, sizeof *d);
    sca_rc rc = sca_digest_parse_challenge(x->www, strlen(x->www), d, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "%s: the %s's answer to %s", who, peer, step);
    if (!(d->present & SCA_DIGEST_REALM) || !(d->present & SCA_DIGEST_NONCE))
        return sca_error_set(err, SCA_E_PARSE, "%s: the %s's challenge has no realm or nonce; it is not an RFC 7616 "
                             "Digest challenge", who, peer);
    if ((algorithm_required || (d->present & SCA_DIGEST_ALGORITHM)) &&
        (!(d->present & SCA_DIGEST_ALGORITHM) || strcasecmp(d->algorithm, algorithm) != 0))
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "%s: the %s asks for Digest algorithm '%.40s'; %s uses %s, the "
                             "only one this client does", who, peer, d->algorithm, spec, algorithm);
    if (!(d->present & SCA_DIGEST_QOP) || !sca_digest_list_has(d->qop, "auth-int"))
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "%s: the %s does not offer qop=auth-int (it offers '%.60s'); "
                             "%s requires integrity protection of the body", who, peer, d->qop, spec);
    return SCA_OK;
}

sca_rc sca_http_check_rspauth(const sca_http *x, const sca_digest_client *c, const char *nonce, const char *why,
                              const char *distrust, sca_error *err)
{
    const char *who = x->o.who, *peer = x->o.peer;
    if (x->info_count != 1)
        return sca_error_set(err, SCA_E_AUTH_FAILED, "%s: %s (%s Authentication-Info header); %s: check the %s URL "
                             "(a server in the middle?)", who, why, x->info_count == 0 ? "no" : "more than one",
                             distrust, peer);
    sca_digest_params ai;
    sca_rc rc = sca_digest_parse_info(x->info, strlen(x->info), &ai, err);
    if (rc != SCA_OK) { /* a malformed proof is no proof: the class says so, the message says why */
        if (err != NULL)
            err->rc = SCA_E_AUTH_FAILED;
        sca_error_prefix(err, "%s: %s: the %s's answer", who, why, peer);
        return SCA_E_AUTH_FAILED;
    }
    if (!(ai.present & SCA_DIGEST_RSPAUTH) || ((ai.present & SCA_DIGEST_QOP) && strcasecmp(ai.qop, "auth-int") != 0) ||
        ((ai.present & SCA_DIGEST_CNONCE) && strcmp(ai.cnonce, c->cnonce) != 0) ||
        ((ai.present & SCA_DIGEST_NC) && strcmp(ai.nc, c->nc) != 0))
        return sca_error_set(err, SCA_E_AUTH_FAILED, "%s: %s (Authentication-Info without rspauth, or for another qop, "
                             "cnonce or nc); %s", who, why, distrust);
    char ha2[SCA_DIGEST_HEX_LEN + 1], expect[SCA_DIGEST_HEX_LEN + 1];
    rc = sca_digest_ha2("", x->uri, "auth-int", (const uint8_t *)x->body, x->len, ha2, err);
    if (rc == SCA_OK)
        rc = sca_digest_response(c->ha1, nonce, c->nc, c->cnonce, "auth-int", ha2, expect, err);
    if (rc != SCA_OK)
        return rc;
    if (!sca_digest_hex_equal(expect, ai.rspauth))
        return sca_error_set(err, SCA_E_AUTH_FAILED, "%s: %s (rspauth does not match); %s: check the %s URL (a server "
                             "in the middle?) and try again", who, why, distrust, peer);
    return SCA_OK;
}
