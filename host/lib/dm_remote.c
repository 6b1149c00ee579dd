/* The log read on behalf of a remote DM server (tools/dm-sim's HTTP interface, dm-firmware.md §5): the terminal
 * only relays. The server gives the nonce, signs the card's challenge with its own key, and verifies the export
 * itself; the terminal never holds the server's key. JSON over HTTP POST with libcurl. */
#include "scagent/dm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "sca_contract.h"
#include "scagent/info.h"
#include "http_init.h"
#include "scagent/log.h"

#define REMOTE_MAX_ANSWER (1 << 20)

typedef struct answer {
    char *buf;
    size_t len;
    int too_big;
} answer;

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
    answer *a = ctx;
    size_t add = size * n;
    if (a->len + add > REMOTE_MAX_ANSWER) {
        a->too_big = 1;
        return 0;
    }
    char *nb = realloc(a->buf, a->len + add + 1);
    if (nb == NULL)
        return 0;
    memcpy(nb + a->len, p, add);
    a->buf = nb;
    a->len += add;
    a->buf[a->len] = '\0';
    return add;
}

/* POST `req` as JSON to base + path; the answer must be a JSON object with HTTP 200. */
static sca_rc post_json(const char *base, const char *path, json_t *req, json_t **out, sca_error *err)
{
    char url[1024];
    if ((size_t)snprintf(url, sizeof url, "%s%s", base, path) >= sizeof url)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the DM server URL is too long");
    char *body = json_dumps(req, JSON_COMPACT);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    answer a = {0};
    sca_rc rc = SCA_OK;
    if (body == NULL || h == NULL || hdr == NULL) {
        rc = sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    } else {
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        CURLcode cc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (a.too_big)
            rc = sca_error_set(err, SCA_E_PARSE, "the DM server's answer to %s exceeds %d bytes", path,
                               REMOTE_MAX_ANSWER);
        else if (cc != CURLE_OK)
            rc = sca_error_set(err, SCA_E_TRANSPORT, "cannot reach the DM server at %s: %s; check the URL and that "
                               "the server runs", url, curl_easy_strerror(cc));
        else if (status != 200)
            rc = sca_error_set(err, SCA_E_DENIED, "the DM server answered %s with HTTP %ld: %.160s", path, status,
                               a.buf ? a.buf : "");
    }
    if (rc == SCA_OK) {
        json_error_t je;
        *out = json_loadb(a.buf ? a.buf : "", a.len, 0, &je);
        if (*out == NULL || !json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = sca_error_set(err, SCA_E_PARSE, "the DM server's answer to %s is not a JSON object", path);
        }
    }
    free(a.buf);
    free(body);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return rc;
}

/* A hex string field of exactly `min..max` bytes. */
static sca_rc hex_field(json_t *o, const char *name, uint8_t *out, size_t min, size_t max, size_t *len,
                        sca_error *err)
{
    const char *s = json_string_value(json_object_get(o, name));
    size_t n = s ? strlen(s) : 0;
    if (s == NULL || n % 2 != 0 || n / 2 < min || n / 2 > max || sca_hex_decode(s, out, max) != (long)(n / 2))
        return sca_error_set(err, SCA_E_PARSE, "the DM server's answer has no valid '%s' (%zu..%zu bytes of hex)",
                             name, min, max);
    *len = n / 2;
    return SCA_OK;
}

/* What the steps share. */
typedef struct rlog {
    const char *server_id;
    int slot;
    uint8_t card_id[16];
    uint8_t challenge[SCA_DM_CHALLENGE_LEN];
    uint8_t sig[72];
    size_t sig_len;
    uint8_t nonce[SCA_LOG_NONCE_MAX];
    size_t nonce_len;
    uint8_t *exp;
    size_t exp_len;
} rlog;

/* Card step 1: the server's slot on the card's list, the card id and a challenge for that slot. */
static sca_rc step_challenge(sca_card *c, void *arg, sca_error *err)
{
    rlog *l = arg;
    sca_dm_server list[SCA_DM_SERVERS];
    size_t n = 0;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_dm_servers(c, list, SCA_DM_SERVERS, &n, err);
    for (size_t i = 0; rc == SCA_OK && i < n && l->slot < 0; i++)
        if (strcmp(list[i].id, l->server_id) == 0)
            l->slot = list[i].slot;
    if (rc == SCA_OK && l->slot < 0)
        rc = sca_error_set(err, SCA_E_DENIED, "DM server %s is not on the card's list; only an authorized DM server "
                                              "with the READ_LOG permission reads the log", l->server_id);
    if (rc == SCA_OK)
        rc = sca_dm_log_auth_begin(c, (uint8_t)l->slot, l->card_id, l->challenge, err);
    sca_card_end(c);
    return rc;
}

/* Card step 2: the server's signature, then the export for its nonce, in one transaction (nobody else may use the
 * authenticated session in between). */
static sca_rc step_export(sca_card *c, void *arg, sca_error *err)
{
    rlog *l = arg;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_dm_log_auth_finish(c, (uint8_t)l->slot, l->sig, l->sig_len, err);
    if (rc == SCA_OK)
        rc = sca_dm_log_export(c, l->nonce, l->nonce_len, &l->exp, &l->exp_len, err);
    sca_card_end(c);
    return rc;
}

/* HTTP: the server signs the card's challenge with its own key. */
static sca_rc remote_sign(const char *url, rlog *l, sca_error *err)
{
    char id_hex[33], ch_hex[2 * SCA_DM_CHALLENGE_LEN + 1];
    sca_hex_encode(l->card_id, 16, id_hex, 0);
    sca_hex_encode(l->challenge, SCA_DM_CHALLENGE_LEN, ch_hex, 0);
    json_t *req = json_pack("{s:s, s:s, s:s}", "server", l->server_id, "card_id", id_hex, "challenge", ch_hex), *ans;
    sca_rc rc = post_json(url, "/dm/auth", req, &ans, err);
    json_decref(req);
    if (rc != SCA_OK)
        return rc;
    rc = hex_field(ans, "signature", l->sig, 8, sizeof l->sig, &l->sig_len, err);
    json_decref(ans);
    return rc;
}

/* HTTP: the export to the server, which verifies it and answers its verdict. */
static sca_rc remote_verify(const char *url, const rlog *l, json_t **ans, sca_error *err)
{
    /* Base64 with OpenSSL (4 output bytes per 3 input bytes, NUL-terminated) */
    char *enc = malloc(4 * ((l->exp_len + 2) / 3) + 1), id_hex[33], nonce_hex[2 * SCA_LOG_NONCE_MAX + 1];
    if (enc == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    EVP_EncodeBlock((unsigned char *)enc, l->exp, (int)l->exp_len);
    sca_hex_encode(l->card_id, 16, id_hex, 0);
    sca_hex_encode(l->nonce, l->nonce_len, nonce_hex, 0);
    json_t *req = json_pack("{s:s, s:s, s:s}", "card_id", id_hex, "nonce", nonce_hex, "export", enc);
    sca_rc rc = post_json(url, "/dm/log", req, ans, err);
    json_decref(req);
    free(enc);
    return rc;
}

sca_rc sca_dm_remote_log_steps(sca_card_runner run, void *run_ctx, const char *url, const char *server_id,
                               json_t **result, sca_error *err)
{
    rlog l = {.server_id = server_id, .slot = -1};
    json_t *empty = json_object(), *ans = NULL;
    sca_rc rc = sca_http_init("DM server relay", err);
    if (rc == SCA_OK)
        rc = run(run_ctx, step_challenge, &l, err);
    if (rc == SCA_OK)
        rc = post_json(url, "/dm/nonce", empty, &ans, err);
    if (rc == SCA_OK)
        rc = hex_field(ans, "nonce", l.nonce, SCA_LOG_NONCE_MIN, SCA_LOG_NONCE_MAX, &l.nonce_len, err);
    json_decref(ans);
    ans = NULL;
    if (rc == SCA_OK)
        rc = remote_sign(url, &l, err);
    if (rc == SCA_OK)
        rc = run(run_ctx, step_export, &l, err);
    if (rc == SCA_OK)
        rc = remote_verify(url, &l, &ans, err);
    free(l.exp);
    json_decref(empty);
    if (rc != SCA_OK) {
        json_decref(ans);
        return rc;
    }
    *result = ans;
    return SCA_OK;
}

static sca_rc direct(void *ctx, sca_card_fn fn, void *arg, sca_error *err)
{
    return fn(ctx, arg, err);
}

sca_rc sca_dm_remote_log(sca_card *c, const char *url, const char *server_id, json_t **result, sca_error *err)
{
    return sca_dm_remote_log_steps(direct, c, url, server_id, result, err);
}
