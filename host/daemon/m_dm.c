/* Handlers: DM servers and policy, the firmware-update session (manifest, package digest, on-card hashing in
 * steps, report), the firmware-update log, and the DM bootstrap check on the card. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "handlers.h"
#include "methods.h"
#include "proto.h"
#include "sca_contract.h"
#include "scagent/fu.h"
#include "scagent/json_results.h"

static uint32_t when(const scd_job *j)
{
    long long t = scd_pint(j, "time", -1);
    return t >= 0 ? (uint32_t)t : (uint32_t)time(NULL);
}

scd_step scd_h_dm_servers(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_dm_server s[SCA_DM_SERVERS];
    size_t n = 0;
    if (sca_dm_servers(x->card, s, SCA_DM_SERVERS, &n, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, sca_json_dm_servers(s, n));
}

scd_step scd_h_dm_policy(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t policy, flags;
    if (sca_dm_policy(x->card, &policy, &flags, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, sca_json_dm_policy(policy, flags));
}

scd_step scd_h_dm_check(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_dm_check_result r;
    if (sca_dm_check(x->card, when(j), scd_pstr(j, "server"), &r, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, sca_json_dm_check(&r));
}

scd_step scd_h_dm_confirm(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t policy, flags;
    sca_rc rc = sca_dm_policy(x->card, &policy, &flags, &err);
    if (rc == SCA_OK && policy == SCA_DM_POLICY_CONFIRM_PIN)
        rc = scd_need_pin(x, j, scd_pstr(j, "pin"), &err);
    if (rc == SCA_OK)
        rc = sca_dm_confirm(x->card, scd_pstr(j, "server"), &err);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, json_pack("{s:b}", "confirmed", 1));
}

scd_step scd_h_fu_verify_manifest(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t *m = NULL, *tok = NULL;
    size_t mlen, tlen;
    sca_fu_summary s;
    sca_rc rc = scd_pb64(j, "manifest", &m, &mlen, &err);
    if (rc == SCA_OK)
        rc = scd_pb64(j, "token", &tok, &tlen, &err);
    if (rc == SCA_OK)
        rc = sca_fu_verify_manifest(x->card, m, mlen, tok, &s, &err);
    free(m);
    free(tok);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, json_pack("{s:s, s:i, s:i, s:I, s:o}", "kind",
                               s.kind == SCA_FU_KIND_FIRMWARE   ? "firmware"
                               : s.kind == SCA_FU_KIND_SOFTWARE ? "software"
                                                                : "unknown",
                               "from", s.from, "to", s.to, "size", (json_int_t)s.size, "sha256", scd_jhex(s.sha256, 32)));
}

scd_step scd_h_fu_digest(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t d[32];
    size_t n;
    sca_rc rc = scd_phex(j, "sha256", d, sizeof d, &n, &err);
    if (rc == SCA_OK)
        rc = sca_fu_package_digest(x->card, d, (uint64_t)scd_pint(j, "size", 0), &err);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, json_pack("{s:b}", "matched", 1));
}

/* fu.hash: one request carries a part of the package; the daemon sends it to the card in chunks, one card
 * transaction per chunk, and re-queues the job behind its (bulk) class between chunks, so urgent requests of
 * other clients run in between. FU_HASH P1: 01 the package's first chunk, 02 the next ones, 03 the last; a
 * package in one chunk is 01 then an empty 03 (as sca_fu_hash_on_card sends it). */
typedef struct hash_state {
    /* the part stays Base64 in the request; each step decodes only its chunk (a part of several hundred KiB decoded
     * at once would hold the card thread for a millisecond or more, ahead of urgent requests) */
    const char *b64;
    size_t b64_len, b64_off;
    uint8_t *win;      /* decoded bytes not sent yet (chunk + 3) */
    size_t win_len;
    size_t len, off;   /* the part's decoded length, and the bytes sent so far */
    int close_pending; /* the data ended with a first chunk: an empty 03 follows */
} hash_state;

static void hash_state_free(void *p)
{
    hash_state *s = p;
    free(s->win);
    free(s);
}

#define HASH_CHUNK_SHARED 1024      /* bytes per step while urgent requests are about */
#define HASH_URGENT_WINDOW_MS 2000 /* "about": one queued within this window */

static scd_step hash_step_fail(scd_cardctx *x, scd_job *j, sca_error *err)
{
    x->hash_owner = 0; /* the card ended its session (or will refuse the next part): start again */
    x->hashed = 0;
    return scd_fail_err(j, err);
}

scd_step scd_h_fu_hash(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    hash_state *s = j->state;
    int first = scd_pbool(j, "first", 0), last = scd_pbool(j, "last", 0);
    if (s == NULL) { /* the first step of this request */
        if (!first && x->hash_owner != j->client) {
            sca_error_set(&err, SCA_E_CONDITIONS, "no on-card hash in progress for this connection: send the first "
                                                  "part with \"first\": true (a card reset or removal ends it too)");
            return scd_fail_err(j, &err);
        }
        s = calloc(1, sizeof *s);
        if (s == NULL) {
            sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
            return scd_fail_err(j, &err);
        }
        json_t *d = json_object_get(j->params, "data");
        s->b64 = json_string_value(d);
        s->b64_len = json_string_length(d);
        s->len = (size_t)scd_b64_len(s->b64, s->b64_len); /* canonical: checked by the schema */
        j->state = s;
        j->free_state = hash_state_free;
        if (first) {
            x->hash_owner = j->client;
            x->hashed = 0;
        }
    } else if (x->hash_owner != j->client) {
        /* between two steps the card was reset, removed, or another client started its own hash */
        sca_error_set(&err, SCA_E_CONDITIONS, "the on-card hash was interrupted (card reset or removal, or another "
                                              "client started a hash): start again with \"first\": true");
        return scd_fail_err(j, &err);
    }
    size_t max = sca_card_max_data(x->card);
    size_t chunk = x->hash_chunk && x->hash_chunk <= max ? x->hash_chunk : (max > 4096 ? 4096 : max);
    /* while latency-critical requests (STKMs) arrive, shorter steps: one waits for at most a quarter of the time */
    if (chunk > HASH_CHUNK_SHARED && x->w != NULL && scd_worker_urgent_recently(x->w, HASH_URGENT_WINDOW_MS))
        chunk = HASH_CHUNK_SHARED;
    if (s->win == NULL && (s->win = malloc(chunk + 3)) == NULL) {
        sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
        return hash_step_fail(x, j, &err);
    }
    uint8_t p1;
    size_t n = 0;
    int end = 0;
    if (s->close_pending) {
        p1 = SCA_FU_HASH_P1_03;
    } else {
        n = s->len - s->off < chunk ? s->len - s->off : chunk;
        end = s->off + n == s->len;
        if (first && s->off == 0)
            p1 = SCA_FU_HASH_P1_01;
        else if (end && last)
            p1 = SCA_FU_HASH_P1_03;
        else if (n == 0) /* an empty middle part: nothing to send */
            return scd_ok(j, json_pack("{s:I, s:I}", "bytes", (json_int_t)0, "total", (json_int_t)x->hashed));
        else
            p1 = SCA_FU_HASH_P1_02;
    }
    while (s->win_len < n) { /* decode whole 4-character groups up to this chunk */
        size_t groups = (n - s->win_len + 2) / 3, chars = 4 * groups;
        if (chars > s->b64_len - s->b64_off)
            chars = s->b64_len - s->b64_off;
        int got = EVP_DecodeBlock(s->win + s->win_len, (const unsigned char *)s->b64 + s->b64_off, (int)chars);
        s->b64_off += chars;
        if (got < 0 || chars == 0) {
            sca_error_set(&err, SCA_E_INTERNAL, "fu.hash: the part's Base64 does not decode");
            return hash_step_fail(x, j, &err);
        }
        if (s->b64_off == s->b64_len) /* the padding of the last group decodes to zero bytes that are not data */
            got -= (s->b64[s->b64_len - 1] == '=') + (s->b64[s->b64_len - 2] == '=');
        s->win_len += (size_t)got;
    }
    if (sca_fu_hash_part(x->card, p1, s->win, n, &err) != SCA_OK)
        return hash_step_fail(x, j, &err);
    memmove(s->win, s->win + n, s->win_len - n);
    s->win_len -= n;
    s->off += n;
    x->hashed += n;
    if (p1 == SCA_FU_HASH_P1_03) { /* the card compared digest and size with the manifest: they match */
        json_t *o = json_pack("{s:I, s:I, s:b}", "bytes", (json_int_t)s->len, "total", (json_int_t)x->hashed,
                              "matched", 1);
        x->hash_owner = 0;
        x->hashed = 0;
        return scd_ok(j, o);
    }
    if (p1 == SCA_FU_HASH_P1_01 && end && last) {
        s->close_pending = 1; /* the whole package was the first chunk */
        return SCD_STEP_AGAIN;
    }
    if (!end)
        return SCD_STEP_AGAIN;
    return scd_ok(j, json_pack("{s:I, s:I}", "bytes", (json_int_t)s->len, "total", (json_int_t)x->hashed));
}

scd_step scd_h_fu_report(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    const char *st = scd_pstr(j, "status");
    uint8_t p1 = !strcmp(st, "started") ? SCA_FU_REPORT_P1_01 : !strcmp(st, "installed") ? SCA_FU_REPORT_P1_03
                 : !strcmp(st, "failed")  ? SCA_FU_REPORT_P1_04 : 0;
    if (p1 == 0) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "\"status\" is started, installed or failed");
        return scd_fail_err(j, &err);
    }
    long long code = scd_pint(j, "code", -1);
    if (code < 0) /* the FUMO defaults: 200 successful, 410 failed, 0 started */
        code = p1 == SCA_FU_REPORT_P1_03 ? 200 : p1 == SCA_FU_REPORT_P1_04 ? 410 : 0;
    if (sca_fu_report(x->card, p1, when(j), (uint16_t)code, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, json_pack("{s:s, s:i}", "reported", st, "code", (int)code));
}

scd_step scd_h_fu_log_read(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint32_t count, first;
    unsigned cap;
    if (sca_dm_log_status(x->card, &count, &first, &cap, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, json_pack("{s:I, s:I, s:i}", "count", (json_int_t)count, "first", (json_int_t)first, "capacity",
                               (int)cap));
}

/* ---- fu.log.relay: the log read by a remote DM server; its HTTP exchanges run on this thread, between two card
 * steps (the challenge; the signature and the export) ---- */

typedef struct relay_step {
    sca_card_fn fn;
    void *arg;
} relay_step;

static sca_rc relay_on_card(scd_cardctx *x, void *arg, sca_error *err)
{
    relay_step *s = arg;
    return s->fn(x->card, s->arg, err);
}

static sca_rc relay_run(void *ctx, sca_card_fn fn, void *arg, sca_error *err)
{
    void **c = ctx;
    relay_step s = {fn, arg};
    return scd_oncard(c[0], c[1], relay_on_card, &s, err);
}

scd_step scd_h_fu_log_relay(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    json_t *verdict = NULL;
    void *ctx[2] = {x, j};
    if (sca_dm_remote_log_steps(relay_run, ctx, scd_pstr(j, "url"), scd_pstr(j, "server"), &verdict, &err) != SCA_OK)
        return scd_off_fail(j, &err);
    return scd_ok(j, verdict);
}

scd_step scd_h_dmboot_verify(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_dmboot_header h;
    uint8_t *body = NULL, ua[5], naf[SCA_GBA_NAF_ID_MAX];
    size_t body_len = 0, ua_len = 0, naf_len = 0;
    sca_dmboot_verified *v = NULL;
    char *xml = NULL;
    size_t xml_len = 0;
    const char *fqdn = scd_pstr(j, "naf_fqdn");
    sca_rc rc = sca_dmboot_header_parse(scd_pstr(j, "content_type"), &h, &err);
    if (rc == SCA_OK)
        rc = scd_pb64(j, "body", &body, &body_len, &err);
    if (rc == SCA_OK)
        rc = scd_phex(j, "ua_id", ua, sizeof ua, &ua_len, &err);
    if (rc == SCA_OK && sca_dmboot_sec_is_gba(h.sec) && fqdn == NULL)
        rc = sca_error_set(&err, SCA_E_INVALID_ARG, "SEC=%s needs \"naf_fqdn\" (and \"ua_id\")",
                           sca_dmboot_sec_name(h.sec));
    if (rc == SCA_OK && fqdn != NULL)
        rc = sca_gba_naf_id(fqdn, ua_len ? ua : SCA_GBA_UA_MBMS, naf, &naf_len, &err);
    if (rc == SCA_OK)
        rc = sca_dmboot_verify_card(x->card, &h, sca_dmboot_sec_needs_pin(h.sec) ? scd_pstr(j, "pin") : NULL,
                                    naf_len ? naf : NULL, naf_len, body, body_len, &v, &err);
    free(body);
    if (rc == SCA_OK)
        rc = sca_dmboot_decode(v, &xml, &xml_len, &err);
    size_t verified_len = 0;
    const char *sec = v ? sca_dmboot_sec_name(sca_dmboot_verified_sec(v)) : "";
    if (v)
        sca_dmboot_verified_body(v, &verified_len);
    sca_dmboot_verified_free(v);
    if (rc != SCA_OK) {
        free(xml);
        return scd_fail_err(j, &err);
    }
    json_t *o = json_pack("{s:b, s:s, s:s, s:I, s:s%}", "verified", 1, "sec", sec, "checked_by", "card", "body_len",
                          (json_int_t)verified_len, "xml", xml, xml_len);
    if (o != NULL && scd_pbool(j, "add_server", 0)) {
        char id[SCA_DM_ID_MAX + 1] = "";
        unsigned slot = 0;
        rc = sca_dmboot_server_id(xml, id, sizeof id, &err);
        if (rc == SCA_OK)
            rc = sca_dmboot_server_add(x->card, id, &slot, &err);
        if (rc != SCA_OK) {
            json_decref(o);
            free(xml);
            return scd_fail_err(j, &err);
        }
        json_object_set_new(o, "server_added", json_pack("{s:s, s:i}", "id", id, "slot", (int)slot));
    }
    free(xml);
    if (o == NULL) {
        sca_error_set(&err, SCA_E_PARSE, "the decoded bootstrap is not valid UTF-8");
        return scd_fail_err(j, &err);
    }
    return scd_ok(j, o);
}
