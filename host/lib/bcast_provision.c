/* OMA BCAST Smartcard Profile provisioning over HTTP Digest on the libcurl easy API (scagent/provision.h): POST,
 * 401 challenge, POST with Authorization (B-TID, Base64(MRK)), 200 with rspauth checked before the body is read.
 * Bounded: at most 3 requests (one stale-nonce round), answers capped at SCA_BCAST_BODY_MAX. */
#include "scagent/provision.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "http_digest.h"
#include "http_exchange.h"
#include "http_init.h"
#include "scagent/log.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define URL_MAX 1024
#define AUTH_HEADER_MAX 8192
#define MAX_REQUESTS 3

typedef struct pv {
    const sca_bcast_request *q;
    sca_bcast_response *out;
    const char *what;          /* "register", ... for messages */
    char who[48];              /* "bcast register" */
    char full_url[URL_MAX + 1];
    char *body;                /* the request body */
    size_t body_len;
    sca_http x;
    sca_digest_client dc;      /* of the last answer; ha1 wiped at the end */
} pv;

/* One POST of the body with the given Authorization header line (NULL: none). */
static sca_rc post(pv *u, const char *authorization, const char *step, sca_error *err)
{
    u->out->http_requests++;
    sca_rc rc = sca_http_perform(&u->x, authorization, step, err);
    if (rc == SCA_OK)
        u->out->http_status = u->x.status;
    return rc;
}

static sca_rc setup(pv *u, sca_error *err)
{
    static const char *const headers[] = {"Content-Type: application/xml; charset=utf-8", "Expect:", NULL};
    const char *base = u->q->base_url;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    int n = snprintf(u->full_url, sizeof u->full_url, "%.*s/bmsc/%s", (int)bl, base, u->what);
    if (n < 0 || (size_t)n >= sizeof u->full_url)
        return sca_error_set(err, SCA_E_INVALID_ARG, "bcast %s: the BM-SC URL is too long", u->what);
    const sca_http_opts ho = {
        .who = u->who, .peer = "BM-SC", .url = u->full_url, .shown_url = base,
        .url_hint = "the BM-SC's base URL, e.g. http://bmsc.example.org:8080", .cafile = u->q->cafile,
        .timeout_ms = u->q->timeout_ms > 0 ? u->q->timeout_ms : DEFAULT_TIMEOUT_MS, .body_max = SCA_BCAST_BODY_MAX,
        .post_body = u->body, .post_len = u->body_len, .headers = headers,
    };
    return sca_http_open(&u->x, &ho, err);
}

/* A final answer other than 200 (and other than a usable 401), as an error. */
static sca_rc refused(pv *u, const char *step, sca_error *err)
{
    char ex[121];
    sca_http_excerpt(&u->x, ex, sizeof ex);
    switch (u->x.status) {
    case 403:
        return sca_error_set(err, SCA_E_DENIED, "bcast %s: the BM-SC refused the B-TID %.128s (HTTP 403: %s); the "
                             "bootstrap is unknown to it or expired: run 'scagent gba bootstrap URL' and 'scagent "
                             "mbms setup' again", u->what, u->q->btid, ex);
    case 400:
        return sca_error_set(err, SCA_E_BAD_REQUEST, "bcast %s: the BM-SC refused %s as malformed (HTTP 400: %s)",
                             u->what, step, ex);
    case 200:
        return sca_error_set(err, SCA_E_AUTH_FAILED, "bcast %s: the BM-SC answered without asking for HTTP Digest "
                             "authentication, so its answer is not authenticated (seed 002 5.4.7.2.3 requires "
                             "Digest); refusing it, check the BM-SC URL", u->what);
    default:
        return sca_http_unexpected(&u->x, step, err);
    }
}

/* The 401 challenge: exactly one Digest challenge, algorithm MD5 (or none), qop offering auth-int. */
static sca_rc take_challenge(pv *u, const char *step, sca_digest_params *d, sca_error *err)
{
    if (u->x.status != 401 || u->x.www_count == 0)
        return refused(u, step, err);
    return sca_http_challenge(&u->x, step, "MD5", 0, "TS 33.246 §6.2.1", d, err);
}

/* The Digest answer to `d`: username B-TID, password Base64(MRK). Keeps HA1 for rspauth. */
static sca_rc send_answer(pv *u, const sca_digest_params *d, sca_error *err)
{
    char *pw = NULL;
    sca_rc rc = sca_b64_encode(u->q->mrk, 32, &pw, err);
    char h[AUTH_HEADER_MAX];
    if (rc == SCA_OK) {
        sca_digest_request q = {.username = u->q->btid, .password = (const uint8_t *)pw, .password_len = strlen(pw),
                                .method = "POST", .uri = u->x.uri, .body = (const uint8_t *)u->body,
                                .body_len = u->body_len, .algorithm = "MD5"};
        rc = sca_digest_authorization(&u->dc, d, &q, u->who, h, sizeof h, err);
        OPENSSL_cleanse(pw, strlen(pw));
    }
    free(pw);
    if (rc != SCA_OK)
        return rc;
    return post(u, h, "the authenticated request", err);
}

static sca_rc take_answer(pv *u, const sca_digest_params *d, const char *request_id, sca_error *err)
{
    /* rspauth with HA2 = MD5(":" uri ":" MD5(body)): the simulator always sends it and a BM-SC that cannot prove
     * it knows MRK could be anyone, so it is required */
    sca_rc rc = sca_http_check_rspauth(&u->x, &u->dc, d->nonce, "the BM-SC did not prove it knows MRK",
                                       "its answer is not trusted", err);
    if (rc != SCA_OK)
        return rc;
    const char *ct = u->x.ctype;
    size_t tl = strcspn(ct, "; \t");
    if (!((tl == 15 && strncasecmp(ct, "application/xml", tl) == 0) || (tl == 8 && strncasecmp(ct, "text/xml", tl) == 0)))
        return sca_error_set(err, SCA_E_PARSE, "bcast %s: the BM-SC's answer is '%.60s', not application/xml; check "
                             "that %s is a BM-SC", u->what, ct[0] ? ct : "(no Content-Type)", u->q->base_url);
    return sca_bcast_parse_response(u->q->kind, (const uint8_t *)u->x.body, u->x.len, request_id, u->out, err);
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
        if (u->x.status == 200)
            return take_answer(u, &d, request_id, err);
        if (u->x.status != 401 || u->x.www_count == 0)
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
    pv u = {.q = req, .out = out, .what = sca_bcast_kind_name(req->kind)};
    snprintf(u.who, sizeof u.who, "bcast %s", u.what);
    rc = sca_bcast_request_body(req, rid, &u.body, &u.body_len, err);
    if (rc == SCA_OK)
        rc = sca_http_init("bcast provisioning", err);
    if (rc == SCA_OK)
        rc = setup(&u, err);
    if (rc == SCA_OK)
        rc = run(&u, rid, err);
    out->body = u.x.body; /* the last answer, for the caller's diagnosis */
    out->body_len = u.x.len;
    u.x.body = NULL;
    sca_http_close(&u.x);
    free(u.body);
    OPENSSL_cleanse(u.dc.ha1, sizeof u.dc.ha1);
    if (rc == SCA_OK)
        sca_log(SCA_LOG_INFO, "bcast %s: 200, globalStatusCode %ld, %zu items, %zu LTKMs", u.what,
                out->global_status, out->n_items, out->n_ltkms);
    return rc;
}
