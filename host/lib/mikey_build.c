/* MIKEY message builder (tests, simulators): the inverse of sca_mikey_parse. No crypto: the KEMAC/V MAC is copied
 * (or zero-filled) and computed by the caller over sca_mikey_mac_range of the parsed result. The output is
 * parsed back before it is returned, so the builder never hands out what the parser refuses. */
#include "scagent/mikey.h"

#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
{
    if (w->oom || n == 0)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *q = realloc(w->p, cap);
        if (q == NULL) {
            w->oom = 1;
            return;
        }
        w->p = q;
        w->cap = cap;
    }
    if (src)
        memcpy(w->p + w->len, src, n);
    else
        memset(w->p + w->len, 0, n);
    w->len += n;
}

static void put8(wbuf *w, unsigned x)
{
    uint8_t b = (uint8_t)x;
    put(w, &b, 1);
}

static void put16(wbuf *w, size_t x)
{
    uint8_t b[2] = {(uint8_t)(x >> 8), (uint8_t)x};
    put(w, b, 2);
}

static void put32(wbuf *w, uint32_t x)
{
    uint8_t b[4] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
    put(w, b, 4);
}

static sca_rc too_big(sca_error *err, const char *what, size_t n, size_t max)
{
    return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: %s is %zu bytes, at most %zu fit its length field",
                         what, n, max);
}

static sca_rc payload(wbuf *w, const sca_mikey_view *m, uint8_t pt, uint8_t next, size_t *ix, sca_error *err)
{
    switch (pt) {
    case SCA_MIKEY_PT_T:
        put8(w, next);
        put8(w, m->t.type);
        if (m->t.type == SCA_MIKEY_TS_COUNTER) {
            if (m->t.value > 0xFFFFFFFFu)
                return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: a COUNTER timestamp is 32 bits");
            put32(w, (uint32_t)m->t.value);
        } else {
            put32(w, (uint32_t)(m->t.value >> 32));
            put32(w, (uint32_t)m->t.value);
        }
        return SCA_OK;
    case SCA_MIKEY_PT_RAND:
        if (m->rand_len == 0 || m->rand_len > 255 || m->rand == NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: RAND must be 1..255 bytes");
        put8(w, next);
        put8(w, (unsigned)m->rand_len);
        put(w, m->rand, m->rand_len);
        return SCA_OK;
    case SCA_MIKEY_PT_ID: {
        const sca_mikey_id *id = &m->ids[ix[0]++];
        if (id->len == 0 || id->data == NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: an ID payload needs at least one byte");
        if (id->len > 0xFFFF)
            return too_big(err, "ID", id->len, 0xFFFF);
        put8(w, next);
        put8(w, id->type);
        put16(w, id->len);
        put(w, id->data, id->len);
        return SCA_OK;
    }
    case SCA_MIKEY_PT_SP: {
        const sca_mikey_sp *sp = &m->sp[ix[1]++];
        size_t pl = 0;
        if (sp->n_params > SCA_MIKEY_MAX_SP_PARAMS)
            return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: more than %d SP parameters",
                                 SCA_MIKEY_MAX_SP_PARAMS);
        for (size_t i = 0; i < sp->n_params; i++)
            pl += 2 + (size_t)sp->params[i].len;
        if (pl > 0xFFFF)
            return too_big(err, "SP parameters", pl, 0xFFFF);
        put8(w, next);
        put8(w, sp->policy_no);
        put8(w, sp->prot_type);
        put16(w, pl);
        for (size_t i = 0; i < sp->n_params; i++) {
            put8(w, sp->params[i].type);
            put8(w, sp->params[i].len);
            put(w, sp->params[i].value, sp->params[i].len);
        }
        return SCA_OK;
    }
    case SCA_MIKEY_PT_KEMAC: {
        const sca_mikey_kemac *k = &m->kemac;
        size_t ml = k->mac_alg == 0 ? 0 : k->mac_alg == 1 ? 20 : k->mac_alg == 2 ? 32 : (size_t)-1;
        if (ml == (size_t)-1 || (k->mac != NULL && k->mac_len != ml))
            return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: KEMAC MAC algorithm %u with a %zu-byte MAC",
                                 k->mac_alg, k->mac_len);
        if (k->encr_len > 0xFFFF)
            return too_big(err, "KEMAC Encr data", k->encr_len, 0xFFFF);
        if (k->encr_len && k->encr == NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: KEMAC Encr data length without data");
        put8(w, next);
        put8(w, k->encr_alg);
        put16(w, k->encr_len);
        put(w, k->encr, k->encr_len);
        put8(w, k->mac_alg);
        put(w, k->mac, ml);
        return SCA_OK;
    }
    case SCA_MIKEY_PT_V: {
        size_t ml = m->v.alg == 0 ? 0 : m->v.alg == 1 ? 20 : (size_t)-1;
        if (ml == (size_t)-1 || (m->v.mac != NULL && m->v.mac_len != ml))
            return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: V algorithm %u with %zu bytes", m->v.alg,
                                 m->v.mac_len);
        put8(w, next);
        put8(w, m->v.alg);
        put(w, m->v.mac, ml);
        return SCA_OK;
    }
    case SCA_MIKEY_PT_ERR:
        put8(w, next);
        put8(w, m->err.err_no);
        put16(w, m->err.reserved);
        return SCA_OK;
    case SCA_MIKEY_PT_EXT: {
        const sca_mikey_ext *e = &m->ext[ix[2]++];
        if (e->type == SCA_MIKEY_EXT_KEY_ID) {
            size_t n = 0;
            if (e->n_key_ids > SCA_MIKEY_MAX_KEY_IDS)
                return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: more than %d Key IDs",
                                     SCA_MIKEY_MAX_KEY_IDS);
            for (size_t i = 0; i < e->n_key_ids; i++) {
                if (e->key_ids[i].len > 0xFFFF)
                    return too_big(err, "Key ID", e->key_ids[i].len, 0xFFFF);
                n += 3 + e->key_ids[i].len;
            }
            if (n > 0xFFFF)
                return too_big(err, "Key ID extension", n, 0xFFFF);
            put8(w, next);
            put8(w, e->type);
            put16(w, n);
            for (size_t i = 0; i < e->n_key_ids; i++) {
                put8(w, e->key_ids[i].type);
                put16(w, e->key_ids[i].len);
                put(w, e->key_ids[i].id, e->key_ids[i].len);
            }
            return SCA_OK;
        }
        if (e->len > 0xFFFF)
            return too_big(err, "General Extension data", e->len, 0xFFFF);
        put8(w, next);
        put8(w, e->type);
        put16(w, e->len);
        put(w, e->data, e->len);
        return SCA_OK;
    }
    default:
        return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: payload type %u is not supported", pt);
    }
}

sca_rc sca_mikey_build(const sca_mikey_view *m, uint8_t **out, size_t *out_len, sca_error *err)
{
    if (out == NULL || out_len == NULL || m == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "sca_mikey_build: missing argument");
    *out = NULL;
    *out_len = 0;
    if (m->n_payloads > SCA_MIKEY_MAX_PAYLOADS)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: more than %d payloads", SCA_MIKEY_MAX_PAYLOADS);
    const sca_mikey_hdr *h = &m->hdr;
    size_t counts[3] = {0, 0, 0}; /* ID, SP, EXT as used; checked against the view's counts */
    for (size_t i = 0; i < m->n_payloads; i++) {
        uint8_t pt = m->order[i];
        size_t *c = pt == SCA_MIKEY_PT_ID ? &counts[0] : pt == SCA_MIKEY_PT_SP ? &counts[1]
                    : pt == SCA_MIKEY_PT_EXT ? &counts[2] : NULL;
        if (c)
            (*c)++;
    }
    if (counts[0] != m->n_ids || counts[1] != m->n_sp || counts[2] != m->n_ext || m->n_ids > SCA_MIKEY_MAX_IDS ||
        m->n_sp > SCA_MIKEY_MAX_SP || m->n_ext > SCA_MIKEY_MAX_EXT)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: order lists %zu ID, %zu SP and %zu extension "
                             "payloads but the struct holds %zu, %zu and %zu", counts[0], counts[1], counts[2],
                             m->n_ids, m->n_sp, m->n_ext);
    if (h->prf > 0x7F || (h->map_type == SCA_MIKEY_MAP_SRTP_ID && h->n_cs > SCA_MIKEY_MAX_CS))
        return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY build: PRF is 7 bits and at most %d crypto sessions",
                             SCA_MIKEY_MAX_CS);
    wbuf w = {0};
    put8(&w, h->version);
    put8(&w, h->data_type);
    put8(&w, m->n_payloads ? m->order[0] : SCA_MIKEY_PT_LAST);
    put8(&w, (h->v ? 0x80u : 0) | h->prf);
    put32(&w, h->csb_id);
    put8(&w, h->n_cs);
    put8(&w, h->map_type);
    if (h->map_type == SCA_MIKEY_MAP_SRTP_ID)
        for (unsigned i = 0; i < h->n_cs; i++) {
            put8(&w, h->cs[i].policy_no);
            put32(&w, h->cs[i].ssrc);
            put32(&w, h->cs[i].roc);
        }
    size_t ix[3] = {0, 0, 0};
    sca_rc rc = SCA_OK;
    for (size_t i = 0; i < m->n_payloads && rc == SCA_OK; i++) {
        uint8_t next = i + 1 < m->n_payloads ? m->order[i + 1] : SCA_MIKEY_PT_LAST;
        rc = payload(&w, m, m->order[i], next, ix, err);
    }
    if (rc == SCA_OK && w.oom)
        rc = sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    if (rc == SCA_OK) {
        sca_mikey_view check;
        rc = sca_mikey_parse(w.p, w.len, &check, err);
        if (rc != SCA_OK) {
            rc = SCA_E_INVALID_ARG;
            if (err) {
                sca_error_prefix(err, "MIKEY build: the result would not parse");
                err->rc = rc;
            }
        }
    }
    if (rc != SCA_OK) {
        free(w.p);
        return rc;
    }
    *out = w.p;
    *out_len = w.len;
    return SCA_OK;
}
