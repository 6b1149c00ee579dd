/* The scripted card (see scripted.h). */
#include "scripted.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/log.h"

typedef struct scripted {
    sca_transport base;
    const struct script_step *steps;
    size_t n, pos;
    int mismatch;
} scripted;

static sca_rc s_transmit(sca_transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len,
                         sca_error *err)
{
    scripted *s = (scripted *)t;
    while (s->pos < s->n && s->steps[s->pos].expect && strcmp(s->steps[s->pos].expect, "BEGIN") == 0)
        s->pos++; /* a reset announced for a transaction start that never came */
    if (s->pos >= s->n) {
        s->mismatch = 1;
        return sca_error_set(err, SCA_E_TRANSPORT, "script: no step left");
    }
    const struct script_step *st = &s->steps[s->pos++];
    if (st->expect != NULL) {
        uint8_t want[70000];
        long wl = sca_hex_decode(st->expect, want, sizeof want);
        if (wl < 0 || (size_t)wl != cmd_len || memcmp(want, cmd, cmd_len) != 0) {
            char got[3 * 64 + 1];
            sca_hex_encode(cmd, cmd_len > 64 ? 64 : cmd_len, got, 1);
            fprintf(stderr, "script step %zu: expected %.120s, got %s\n", s->pos - 1, st->expect, got);
            s->mismatch = 1;
        }
    }
    if (st->fail != SCA_OK)
        return sca_error_set(err, st->fail, "script: %s", sca_rc_name(st->fail));
    long rl = sca_hex_decode(st->reply, resp, *resp_len);
    if (rl < 0)
        return sca_error_set(err, SCA_E_INTERNAL, "script: bad reply");
    *resp_len = (size_t)rl;
    return SCA_OK;
}

static sca_rc s_begin(sca_transport *t, sca_error *err)
{
    scripted *s = (scripted *)t;
    if (s->pos < s->n && s->steps[s->pos].expect && strcmp(s->steps[s->pos].expect, "BEGIN") == 0) {
        sca_rc rc = s->steps[s->pos++].fail;
        return rc == SCA_OK ? SCA_OK : sca_error_set(err, rc, "script: begin: %s", sca_rc_name(rc));
    }
    return SCA_OK;
}

static void s_end(sca_transport *t) { (void)t; }
static void s_close(sca_transport *t) { free(t); }

static const struct sca_transport_ops ops = {s_transmit, s_begin, s_end, s_close};

sca_transport *scripted_new(int protocol, size_t max_apdu_data, const struct script_step *steps, size_t n)
{
    scripted *s = calloc(1, sizeof *s);
    s->base.ops = &ops;
    s->base.protocol = protocol;
    s->base.max_apdu_data = max_apdu_data;
    snprintf(s->base.reader, sizeof s->base.reader, "Scripted Reader 00");
    s->steps = steps;
    s->n = n;
    return &s->base;
}

size_t scripted_left(const sca_transport *t)
{
    const scripted *s = (const scripted *)t;
    return s->n - s->pos;
}

int scripted_mismatch(const sca_transport *t) { return ((const scripted *)t)->mismatch; }
