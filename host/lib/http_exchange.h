/* One HTTP request/response at a time with a Digest-authenticating peer on the libcurl easy API (internal): the
 * GBA Ub client (gba_ub.c, GET to the BSF) and the OMA BCAST provisioning client (bcast_provision.c, POST to the
 * BM-SC) share it.
 *
 * One handle serves a whole run (the connection is kept alive between requests). HTTP/1.1, http and https only,
 * redirects never followed, the timeouts and CA file of the options. Each answer is kept: status, Content-Type,
 * the body (NUL-terminated, capped at body_max: a larger one aborts the transfer), and the two Digest headers,
 * WWW-Authenticate and Authentication-Info, OWS trimmed, each with its count so that a duplicate is seen (the
 * last value is kept). Header lines are capped (SCA_HTTP_HEADER_LINE_MAX each, SCA_HTTP_HEADERS_MAX in all,
 * SCA_DIGEST_HEADER_MAX for a Digest value), folded lines refused; a new status line (after a 1xx) starts over.
 * Messages start with opts.who and name the peer as opts.peer. */
#ifndef SCA_HTTP_EXCHANGE_H
#define SCA_HTTP_EXCHANGE_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "http_digest.h"
#include "scagent/error.h"

#define SCA_HTTP_URI_MAX 1024
#define SCA_HTTP_HOST_MAX 255
#define SCA_HTTP_HEADER_LINE_MAX 8192 /* one response header line */
#define SCA_HTTP_HEADERS_MAX 32768    /* all header lines of one response */

typedef struct sca_http_opts {
    const char *who;       /* message prefix: "GBA bootstrapping", "bcast register" */
    const char *log_who;   /* log prefix (NULL: who) */
    const char *peer;      /* "BSF", "BM-SC" */
    const char *url;       /* what is requested */
    const char *shown_url; /* the URL the user gave, for "check that URL is a BSF" (NULL: url) */
    const char *url_hint;  /* after "not an http:// or https:// URL; give ": "the BSF's URL, e.g. ..." */
    const char *cafile;    /* NULL: the system's CAs */
    long timeout_ms;       /* connect and whole transfer */
    size_t body_max;       /* the answer body */
    const char *post_body; /* NULL: GET; otherwise POSTed (not copied: it must outlive the handle) */
    size_t post_len;
    const char *const *headers; /* request header lines sent with each request (NULL-terminated), or NULL */
} sca_http_opts;

typedef struct sca_http {
    sca_http_opts o;
    CURL *h;
    CURLU *url;
    char host[SCA_HTTP_HOST_MAX + 1];  /* of the URL (a Digest realm hint) */
    char uri[SCA_HTTP_URI_MAX + 1];    /* the request target, byte for byte what libcurl sends (Digest uri=) */
    /* the last answer */
    long status;
    char ctype[128];
    char *body; /* NUL-terminated, never more than body_max bytes (NULL before any) */
    size_t len, cap;
    char www[SCA_DIGEST_HEADER_MAX + 1], info[SCA_DIGEST_HEADER_MAX + 1];
    int www_count, info_count;
    /* the transfer's bookkeeping */
    size_t header_bytes;
    int header_bad; /* why a header line was refused (the transfer is then aborted) */
    int overflow, nomem;
    char errbuf[CURL_ERROR_SIZE];
} sca_http;

/* Check the URL (http or https, a request target without characters needing percent-encoding) and make the
 * handle. SCA_E_INVALID_ARG for the URL, SCA_E_NO_MEMORY, SCA_E_INTERNAL when libcurl refuses an option. The
 * caller calls sca_http_close whatever this returns; sca_http_init must have been called. */
sca_rc sca_http_open(sca_http *x, const sca_http_opts *opts, sca_error *err);
/* One request with opts.headers and `authorization` (a whole header line; NULL: none). `step` names it in
 * messages ("the first request"). On SCA_OK the answer's fields are set, whatever its status; otherwise the
 * failure as SCA_E_TIMEOUT, SCA_E_TRANSPORT (TLS, connection), SCA_E_PARSE (headers or body over the caps),
 * SCA_E_NO_MEMORY. */
sca_rc sca_http_perform(sca_http *x, const char *authorization, const char *step, sca_error *err);
/* Frees the handle and the body (a caller keeping the body takes x->body and sets it to NULL first). */
void sca_http_close(sca_http *x);

/* A printable excerpt of the body for messages (other bytes as spaces), NUL-terminated in `cap`. */
void sca_http_excerpt(const sca_http *x, char *out, size_t cap);
/* The answer to `step` as an error when its status is not one the caller handles: a 401 without a usable
 * challenge (SCA_E_PARSE), anything else SCA_E_TRANSPORT, with the status and an excerpt of the body. */
sca_rc sca_http_unexpected(const sca_http *x, const char *step, sca_error *err);

/* The 401's challenge into `d`: exactly one WWW-Authenticate, a Digest challenge with realm and nonce, the
 * algorithm `algorithm` (when `algorithm_required` is 0 an absent one is taken as it), qop offering auth-int;
 * `spec` names the specification requiring that in messages. The caller has checked the status is 401 with at
 * least one challenge. SCA_E_PARSE / SCA_E_NOT_SUPPORTED saying what otherwise. */
sca_rc sca_http_challenge(const sca_http *x, const char *step, const char *algorithm, int algorithm_required,
                          const char *spec, sca_digest_params *d, sca_error *err);
/* The 200's Authentication-Info proves the peer knows the password: exactly one, with rspauth = the response for
 * HA2 = MD5(":" uri ":" MD5(body)) under `c` and `nonce` (RFC 2617 §3.2.3), qop/cnonce/nc when present equal to
 * ours. SCA_E_AUTH_FAILED naming `why` ("the BSF did not prove it knows RES") and `distrust` ("do not trust this
 * B-TID") otherwise. */
sca_rc sca_http_check_rspauth(const sca_http *x, const sca_digest_client *c, const char *nonce, const char *why,
                              const char *distrust, sca_error *err);

#endif
