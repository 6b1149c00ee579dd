/* scagent mbms listen --udp PORT: LTKMs arriving over UDP, each acted on and reported as one JSON line on standard
 * output (the terminal stack's interface):
 *
 *   {"event":"ltkm","via":"udp","bytes":N,"action":"process-on-card","key_domain":"00F110","key_group":"0001",...,
 *    "result":"stored"[,"verification":HEX]}                       the card took it (MSK update)
 *   {"event":"ltkm",...,"action":"ltkm-request","result":"requested","global_status":0,"ltkms":N}
 *                                                                  with --bmsc: the LTKM Request was sent; each LTKM of
 *                                                                  the answer then follows as an event via
 *                                                                  "ltkm-response"
 *   {"event":"ltkm",...,"action":"reregister-all-services","result":"registered","global_status":0}
 *   {"event":"ltkm",...,"result":"pending"}                        no --bmsc: the terminal stack does "next"
 *   {"event":"ltkm",...,"result":"error","error":{"class":..,"message":..[,"sw":..]}}
 *   {"event":"ignored","via":"udp","bytes":N,"error":{...}}        not an LTKM (or an oversize datagram)
 *   {"event":"timeout","after_ms":T}                               nothing within --timeout
 *
 * It stops after --count messages (0: never), on a timeout, or on an error that repeating would make worse (wrong
 * PIN, blocked PIN, card gone). The card's part goes to the card itself, or through scagentd (remote_mbms.c): the
 * events are the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "scagent/mbms.h"
#include "scagent/provision.h"

static void emit(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (s != NULL) {
        fputs(s, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(s);
    }
    json_decref(o);
}

static json_t *error_json(const sca_error *err)
{
    json_t *e = json_pack("{s:s, s:s}", "class", sca_rc_name(err->rc), "message", err->msg);
    if (err->sw)
        json_object_set_new(e, "sw", json_sprintf("%04X", err->sw));
    return e;
}

/* Errors after which listening on would only make things worse. */
static int fatal(sca_rc rc)
{
    return rc == SCA_E_WRONG_PIN || rc == SCA_E_PIN_BLOCKED || rc == SCA_E_NO_SERVICE || rc == SCA_E_NO_READER ||
           rc == SCA_E_NO_CARD || rc == SCA_E_CARD_REMOVED || rc == SCA_E_NO_APPLET;
}

static json_t *base_event(const char *via, size_t n, const sca_mbms_action *a)
{
    char kd[7], grp[5];
    snprintf(kd, sizeof kd, "%02X%02X%02X", a->key_domain[0], a->key_domain[1], a->key_domain[2]);
    snprintf(grp, sizeof grp, "%04X", a->key_group);
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:i, s:s}", "event", "ltkm", "via", via, "bytes",
                     (json_int_t)n, "action", sca_mbms_action_name(a->kind), "key_domain", kd, "key_group", grp,
                     "key_number", (int)a->key_number, "next", sca_mbms_action_next(a->kind));
}

/* The card's part, on the card itself. */
static sca_rc direct_store(cli *c, void *ctx, const uint8_t *m, size_t n, uint8_t *verif, size_t cap, size_t *vl,
                           sca_error *err)
{
    (void)ctx;
    sca_rc rc = cli_mbms_card(c, err);
    return rc == SCA_OK ? sca_mbms_msk_update(c->card, m, n, verif, cap, vl, err) : rc;
}

static sca_rc direct_provision(cli *c, void *ctx, sca_bcast_request *q, sca_bcast_response *r, sca_error *err)
{
    (void)ctx;
    return cli_bcast_run(c, q, r, err);
}

/* Give one LTKM to the card; the event says how it went. Returns the error class (SCA_OK when stored). */
static sca_rc on_card(cli *c, const cli_listen_card *card, const uint8_t *m, size_t n, json_t *ev)
{
    sca_error err;
    uint8_t verif[SCA_MBMS_VERIF_MAX];
    size_t vl = 0;
    sca_rc rc = card->store(c, card->ctx, m, n, verif, sizeof verif, &vl, &err);
    if (rc != SCA_OK) {
        json_object_set_new(ev, "result", json_string("error"));
        json_object_set_new(ev, "error", error_json(&err));
        return rc;
    }
    json_object_set_new(ev, "result", json_string("stored"));
    if (vl > 0) {
        char *h = cli_hex(verif, vl, 0);
        json_object_set_new(ev, "verification", json_string(h ? h : ""));
        free(h);
    }
    return SCA_OK;
}

/* One message: classify, act, report. Returns a fatal error class, or SCA_OK to go on. */
static sca_rc handle(cli *c, const cli_listen_card *card, const uint8_t *m, size_t n, const char *via, int depth)
{
    sca_error err;
    sca_mbms_action a;
    if (sca_mbms_ltkm_action(m, n, &a, &err) != SCA_OK) {
        emit(json_pack("{s:s, s:s, s:I, s:o}", "event", "ignored", "via", via, "bytes", (json_int_t)n, "error",
                       error_json(&err)));
        return SCA_OK;
    }
    json_t *ev = base_event(via, n, &a);
    if (a.kind == SCA_MBMS_PROCESS_ON_CARD) {
        sca_rc rc = on_card(c, card, m, n, ev);
        emit(ev);
        return fatal(rc) ? rc : SCA_OK;
    }
    if (c->bmsc == NULL || depth > 0) { /* a trigger inside an LTKM Response is not followed (no loops) */
        json_object_set_new(ev, "result", json_string("pending"));
        emit(ev);
        return SCA_OK;
    }
    sca_bcast_request q;
    memset(&q, 0, sizeof q);
    q.base_url = c->bmsc;
    uint8_t msk[1][SCA_MIKEY_MSK_ID_LEN] = {{(uint8_t)(a.key_group >> 8), (uint8_t)a.key_group, 0, 0}};
    if (a.kind == SCA_MBMS_LTKM_REQUEST) {
        q.kind = SCA_BCAST_LTKM_REQUEST;
        q.msk_ids = (const uint8_t(*)[SCA_MIKEY_MSK_ID_LEN])msk; /* Key Number 0: every MSK of the Key Group */
        q.n_msk_ids = 1;
        q.key_domain = a.key_domain;
        /* no LTKMDelivery: the LTKMs of the answer are processed here, so they do not arrive twice */
    } else {
        q.kind = SCA_BCAST_REGISTER; /* no ids: urn:allServices */
    }
    sca_bcast_response r;
    sca_rc rc = card->provision(c, card->ctx, &q, &r, &err);
    if (rc != SCA_OK) {
        json_object_set_new(ev, "result", json_string("error"));
        json_object_set_new(ev, "http_status", json_integer(r.http_status));
        json_object_set_new(ev, "error", error_json(&err));
        emit(ev);
        sca_bcast_response_free(&r);
        return fatal(rc) ? rc : SCA_OK;
    }
    json_object_set_new(ev, "result", json_string(a.kind == SCA_MBMS_LTKM_REQUEST ? "requested" : "registered"));
    json_object_set_new(ev, "global_status", json_integer(r.global_status));
    if (a.kind == SCA_MBMS_LTKM_REQUEST)
        json_object_set_new(ev, "ltkms", json_integer((json_int_t)r.n_ltkms));
    emit(ev);
    for (size_t i = 0; i < r.n_ltkms && rc == SCA_OK; i++)
        rc = handle(c, card, r.ltkms[i].msg, r.ltkms[i].len, "ltkm-response", depth + 1);
    sca_bcast_response_free(&r);
    return rc;
}

int cli_mbms_listen(cli *c)
{
    static const cli_listen_card direct = {direct_store, direct_provision, NULL};
    return cli_mbms_listen_with(c, &direct);
}

int cli_mbms_listen_with(cli *c, const cli_listen_card *card)
{
    sca_error err;
    if (c->udp_port < 0 || c->udp_port > 65535 || c->count < 0 || (c->bmsc != NULL && c->bmsc_fqdn == NULL)) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent mbms listen --udp PORT (0..65535) [--count N] "
                      "[--timeout MS] [--bmsc URL --bmsc-fqdn FQDN]");
        return cli_fail(c, &err);
    }
    int fd = -1;
    uint16_t port = 0;
    if (sca_mbms_udp_open(NULL, (uint16_t)c->udp_port, &fd, &port, &err) != SCA_OK)
        return cli_fail(c, &err);
    emit(json_pack("{s:s, s:i}", "event", "listening", "port", (int)port));
    uint8_t buf[SCA_MBMS_DATAGRAM_MAX];
    int code = EXIT_OK;
    for (long seen = 0; c->count == 0 || seen < c->count; seen++) {
        size_t n = 0;
        sca_rc rc = sca_mbms_udp_recv(fd, buf, sizeof buf, c->timeout_ms > 0 ? c->timeout_ms : -1, &n, &err);
        if (rc == SCA_E_TIMEOUT) {
            emit(json_pack("{s:s, s:I}", "event", "timeout", "after_ms", (json_int_t)c->timeout_ms));
            code = cli_exit_code(rc);
            break;
        }
        if (rc == SCA_E_PARSE) {
            emit(json_pack("{s:s, s:s, s:o}", "event", "ignored", "via", "udp", "error", error_json(&err)));
            continue;
        }
        if (rc != SCA_OK) {
            code = cli_fail(c, &err);
            break;
        }
        rc = handle(c, card, buf, n, "udp", 0);
        if (rc != SCA_OK) {
            code = cli_exit_code(rc);
            break;
        }
    }
    close(fd);
    return code;
}
