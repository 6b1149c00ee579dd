/* Registration signalling with a NAF over HTTP(S) (5.1.7.3, bcast-identity.md §8), on the libcurl easy API.
 *
 * One POST, and at most one GET when the NAF asks for the BCAST_Client_ID: the exchange is bounded by
 * construction, whatever the server does. Redirects are not followed (a registration answer must come from the
 * URL the terminal was given). What a response means is decided by sca_register_classify (register_parse.c). */
#include "scagent/register.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_init.h"
#include "register_int.h"
#include "scagent/log.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define CONNECT_TIMEOUT_MS 10000L

char *sca_register_ua_header(const uint8_t *id, size_t len)
{
    static const char prefix[] = "User-Agent: BCAST_Client_ID=";
    if (id == NULL || len == 0 || len > SCA_REGISTER_MAX_ID)
        return NULL;
    size_t b64 = 4 * ((len + 2) / 3);
    char *h = malloc(sizeof prefix - 1 + b64 + 1);
    if (h == NULL)
        return NULL;
    memcpy(h, prefix, sizeof prefix - 1);
    /* EVP_EncodeBlock: standard alphabet, '=' padding, no line breaks, NUL-terminated */
    EVP_EncodeBlock((unsigned char *)h + sizeof prefix - 1, id, (int)len);
    return h;
}

void sca_register_date_header(time_t t, char *out, size_t cap)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11) {
        snprintf(out, cap, "Date: Thu, 01 Jan 1970 00:00:00 GMT");
        return;
    }
    snprintf(out, cap, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* --- one exchange -------------------------------------------------------------------------------------- */

typedef struct xfer {
    uint8_t *p; /* the response body, NUL-terminated; never more than SCA_REGISTER_MAX_BODY bytes */
    size_t len, cap;
    int overflow, nomem;
    int trace_level; /* -1: no header trace */
    char errbuf[CURL_ERROR_SIZE];
} xfer;

static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
    xfer *x = user;
    size_t n = size * nmemb; /* size is 1 for body data (libcurl documents it) */
    if (n > SCA_REGISTER_MAX_BODY - x->len) {
        x->overflow = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 4096;
        while (cap < x->len + n + 1)
            cap *= 2;
        if (cap > SCA_REGISTER_MAX_BODY + 1)
            cap = SCA_REGISTER_MAX_BODY + 1;
        uint8_t *p = realloc(x->p, cap);
        if (p == NULL) {
            x->nomem = 1;
            return 0;
        }
        x->p = p;
        x->cap = cap;
    }
    memcpy(x->p + x->len, data, n);
    x->len += n;
    x->p[x->len] = '\0';
    return n;
}

/* The header trace: one log line per header line, made printable (the identifier is not secret, §3). */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *user)
{
    (void)h;
    const xfer *x = user;
    const char *dir = type == CURLINFO_HEADER_OUT ? ">" : type == CURLINFO_HEADER_IN ? "<"
                    : type == CURLINFO_TEXT      ? "*" : NULL;
    if (dir == NULL || x->trace_level < 0)
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n')
            continue;
        char line[400];
        sca_register_excerpt((const uint8_t *)data + start, i - start, line, sizeof line);
        if (line[0] != '\0')
            sca_log((sca_log_level)x->trace_level, "http %s %s", dir, line);
        start = i + 1;
    }
    return 0;
}

static sca_rc curl_failed(CURLcode cc, const xfer *x, const char *what, const char *url, long timeout_ms,
                          sca_error *err)
{
    const char *detail = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc);
    if (x->overflow || cc == CURLE_FILESIZE_EXCEEDED)
        return sca_error_set(err, SCA_E_PARSE, "%s: the NAF's answer is larger than %d bytes, which no registration "
                             "answer is; check the URL points at the registration service", what, SCA_REGISTER_MAX_BODY);
    switch (cc) {
    case CURLE_OUT_OF_MEMORY:
        return sca_error_set(err, SCA_E_NO_MEMORY, "%s: out of memory", what);
    case CURLE_WRITE_ERROR:
        return sca_error_set(err, x->nomem ? SCA_E_NO_MEMORY : SCA_E_INTERNAL, "%s: storing the answer failed (%s)",
                             what, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return sca_error_set(err, SCA_E_TIMEOUT, "%s to %s: no answer within %ld ms (%s); check that the NAF is up, "
                             "or allow a longer timeout", what, url, timeout_ms, detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: bad URL '%s' (%s); give an http:// or https:// URL",
                             what, url, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return sca_error_set(err, SCA_E_TRANSPORT, "%s to %s: TLS with the NAF failed (%s); check the NAF's "
                             "certificate and give its CA in the CA file", what, url, detail);
    default:
        return sca_error_set(err, SCA_E_TRANSPORT, "%s to %s failed: %s; check that the NAF is reachable at this "
                             "URL (host, port, proxy settings) and try again", what, url, detail);
    }
}

static sca_rc perform(CURL *h, xfer *x, const char *what, const sca_register_opts *o, long timeout_ms,
                      long *status, sca_register_outcome *out, int *asks_id, sca_error *err)
{
    x->len = 0;
    x->overflow = x->nomem = 0;
    x->errbuf[0] = '\0';
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK)
        return curl_failed(cc, x, what, o->url, timeout_ms, err);
    char *ct = NULL;
    *status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    *out = sca_register_classify(*status, ct, ct != NULL ? strlen(ct) : 0, x->p, x->len, asks_id);
    sca_log(SCA_LOG_INFO, "registration: %s: HTTP %ld, %zu bytes of %s: %s%s", what, *status, x->len,
            ct != NULL ? ct : "(no Content-Type)", sca_register_outcome_name(*out), *asks_id ? " (asks for the id)" : "");
    return SCA_OK;
}

static sca_rc setup(CURL *h, xfer *x, const sca_register_opts *o, long timeout_ms, sca_error *err)
{
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_URL, o->url) != CURLE_OK;
    bad |= sca_http_base_options(h);
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                            timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms : CONNECT_TIMEOUT_MS) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SCA_REGISTER_MAX_BODY) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
    if (o->ca_file != NULL)
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file) != CURLE_OK;
    if (x->trace_level >= 0) {
        bad |= curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_DEBUGDATA, x) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_VERBOSE, 1L) != CURLE_OK;
    }
    if (bad)
        return sca_error_set(err, SCA_E_INTERNAL, "registration: libcurl refused an option (libcurl %s too old?)",
                             curl_version_info(CURLVERSION_NOW)->version);
    return SCA_OK;
}

static sca_rc check_opts(const sca_register_opts *o, sca_error *err)
{
    if (o == NULL || o->url == NULL || o->url[0] == '\0')
        return sca_error_set(err, SCA_E_INVALID_ARG, "registration: no NAF URL given");
    if (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "registration: '%.200s' is not an http:// or https:// URL", o->url);
    if (o->id_len > 0 && o->client_id == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "registration: identifier length %zu but no identifier", o->id_len);
    if (o->id_len > SCA_REGISTER_MAX_ID)
        return sca_error_set(err, SCA_E_INVALID_ARG, "registration: a %zu-byte BCAST_Client_ID is over the %d-byte "
                             "limit; it is not one the card made", o->id_len, SCA_REGISTER_MAX_ID);
    if (o->body_len > 0 && o->body == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "registration: body length %zu but no body", o->body_len);
    if (o->content_type != NULL) { /* it goes into a header line: no line breaks, and it must fit */
        size_t n = strlen(o->content_type);
        int ok = n > 0 && n <= 120;
        for (size_t i = 0; ok && i < n; i++)
            ok = o->content_type[i] >= 0x20 && o->content_type[i] <= 0x7E;
        if (!ok)
            return sca_error_set(err, SCA_E_INVALID_ARG, "registration: the content type must be 1..120 printable "
                                 "ASCII characters");
    }
    if (o->timeout_ms < 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "registration: negative timeout");
    return SCA_OK;
}

/* Give the last response to the result: the body moves into it, or becomes an excerpt. */
static sca_rc fill(sca_register_result *r, xfer *x, long status, sca_register_outcome oc, sca_error *err)
{
    r->outcome = oc;
    r->http_status = (int)status;
    if (oc == SCA_REG_REFUSED) {
        r->excerpt = malloc(SCA_REGISTER_EXCERPT_MAX + 1);
        if (r->excerpt == NULL)
            return sca_error_set(err, SCA_E_NO_MEMORY, "registration: out of memory");
        sca_register_excerpt(x->p, x->len, r->excerpt, SCA_REGISTER_EXCERPT_MAX + 1);
        if (r->reason[0] == '\0')
            snprintf(r->reason, sizeof r->reason, status >= 300 && status <= 399
                     ? "the NAF redirected (HTTP %ld); redirects are not followed, use the final URL"
                     : "the NAF refused the registration (HTTP %ld)", status);
        return SCA_OK;
    }
    if (x->p == NULL && (x->p = calloc(1, 1)) == NULL) /* an empty body is still a buffer */
        return sca_error_set(err, SCA_E_NO_MEMORY, "registration: out of memory");
    if (oc == SCA_REG_ACCEPTED) {
        r->body = x->p;
        r->body_len = x->len;
    } else {
        r->upgrade_msg = x->p;
        r->upgrade_len = x->len;
    }
    x->p = NULL;
    x->len = x->cap = 0;
    return SCA_OK;
}

static sca_rc exchange(CURL *h, xfer *x, const sca_register_opts *o, const char *ua, long timeout_ms,
                       sca_register_result *r, sca_error *err)
{
    char ctype[160], date[64];
    const char *ct = o->content_type != NULL ? o->content_type : SCA_REGISTER_DEFAULT_TYPE;
    snprintf(ctype, sizeof ctype, "Content-Type: %s", ct);
    const void *body = o->body != NULL ? o->body : SCA_REGISTER_DEFAULT_BODY;
    size_t body_len = o->body != NULL ? o->body_len : strlen(SCA_REGISTER_DEFAULT_BODY);

    /* 1. the POST of the registration (5.1.7.3.1), with the identifier unless asked to wait for a request */
    struct curl_slist *hdr = NULL, *t;
    int id_now = ua != NULL && !o->id_on_request_only;
    const char *post_hdrs[] = {ctype, "Expect:", id_now ? ua : NULL};
    for (size_t i = 0; i < sizeof post_hdrs / sizeof *post_hdrs; i++) {
        if (post_hdrs[i] == NULL)
            continue;
        if ((t = curl_slist_append(hdr, post_hdrs[i])) == NULL) {
            curl_slist_free_all(hdr);
            return sca_error_set(err, SCA_E_NO_MEMORY, "registration: out of memory");
        }
        hdr = t;
    }
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    r->id_sent_initially = id_now;
    long status = 0;
    sca_register_outcome oc = SCA_REG_REFUSED;
    int asks = 0;
    sca_rc rc = perform(h, x, "registration POST", o, timeout_ms, &status, &oc, &asks, err);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    hdr = NULL;
    if (rc != SCA_OK || !asks)
        return rc != SCA_OK ? rc : fill(r, x, status, oc, err);

    /* 2. the NAF asked (5.1.7.3.2): answer once with GET of the same URL; "User-Agent;" is curl's way of sending
     * the empty header that says "no identifier" (5.1.7.3.3) */
    r->id_requested = 1;
    r->id_sent_on_request = ua != NULL;
    sca_register_date_header(time(NULL), date, sizeof date);
    if ((t = curl_slist_append(NULL, ua != NULL ? ua : "User-Agent;")) == NULL ||
        (hdr = curl_slist_append(t, date)) == NULL) {
        curl_slist_free_all(t);
        return sca_error_set(err, SCA_E_NO_MEMORY, "registration: out of memory");
    }
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    rc = perform(h, x, ua != NULL ? "GET with the BCAST_Client_ID" : "GET with an empty User-Agent", o, timeout_ms,
                 &status, &oc, &asks, err);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdr);
    if (rc != SCA_OK)
        return rc;
    if (asks) /* only once: a server that keeps asking does not accept what we have */
        snprintf(r->reason, sizeof r->reason, "%s", ua != NULL
                 ? "the NAF asked for the BCAST_Client_ID again after receiving it: it does not accept this identifier"
                 : "the NAF asked for the BCAST_Client_ID again; this terminal has none to send");
    return fill(r, x, status, oc, err);
}

sca_rc sca_register(const sca_register_opts *o, sca_register_result *r, sca_error *err)
{
    if (r == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "registration: no result structure");
    memset(r, 0, sizeof *r);
    r->outcome = SCA_REG_REFUSED;
    sca_rc rc = check_opts(o, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_http_init("registration", err);
    if (rc != SCA_OK)
        return rc;
    long timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    char *ua = NULL;
    if (o->id_len > 0 && (ua = sca_register_ua_header(o->client_id, o->id_len)) == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "registration: out of memory");
    xfer x = {.trace_level = o->verbose ? SCA_LOG_INFO : sca_log_enabled(SCA_LOG_DEBUG) ? SCA_LOG_DEBUG : -1};
    CURL *h = curl_easy_init();
    if (h == NULL)
        rc = sca_error_set(err, SCA_E_NO_MEMORY, "registration: libcurl could not make a handle (out of memory)");
    if (rc == SCA_OK)
        rc = setup(h, &x, o, timeout_ms, err);
    if (rc == SCA_OK)
        rc = exchange(h, &x, o, ua, timeout_ms, r, err);
    curl_easy_cleanup(h);
    free(x.p);
    free(ua);
    if (rc != SCA_OK) { /* no outcome, but the flags (what was sent) stay for the diagnosis */
        free(r->upgrade_msg);
        free(r->body);
        free(r->excerpt);
        r->upgrade_msg = r->body = NULL;
        r->excerpt = NULL;
        r->upgrade_len = r->body_len = 0;
        r->outcome = SCA_REG_REFUSED;
    }
    return rc;
}

void sca_register_result_free(sca_register_result *r)
{
    if (r == NULL)
        return;
    free(r->upgrade_msg);
    free(r->body);
    free(r->excerpt);
    memset(r, 0, sizeof *r);
}
