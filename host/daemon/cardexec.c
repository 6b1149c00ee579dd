/* The card thread's executor over libscagent and PC/SC. */
#include "cardexec.h"

#include <stdio.h>
#include <string.h>

#include <winscard.h>

#include "methods.h"
#include "proto.h"

void scd_cardctx_init(scd_cardctx *x, const scd_config *cfg, scd_worker *w)
{
    memset(x, 0, sizeof *x);
    snprintf(x->reader, sizeof x->reader, "%s", cfg->reader);
    x->mode = cfg->card;
    x->hash_chunk = cfg->hash_chunk;
    x->w = w;
    x->present = -1; /* unknown: the first open or poll announces nothing */
}

static void event(scd_cardctx *x, const char *name)
{
    sca_log(SCA_LOG_INFO, "event %s", name);
    if (x->w)
        scd_worker_post_event(x->w, scd_event(name, NULL));
}

/* Everything the card knew about its clients is gone. */
static void drop_state(scd_cardctx *x)
{
    x->pin_owner = 0;
    x->hash_owner = 0;
    x->hashed = 0;
}

static void card_gone(scd_cardctx *x)
{
    if (x->card) {
        sca_card_close(x->card);
        x->card = NULL;
    }
    drop_state(x);
    if (x->present != 0)
        event(x, "card-removed");
    x->present = 0;
}

sca_card *scd_card(scd_cardctx *x, sca_error *err)
{
    if (x->card)
        return x->card;
    if (x->mode == SCD_CARD_NONE) {
        sca_error_set(err, SCA_E_NO_CARD, "this daemon runs without a card (card = none in scagentd.conf)");
        return NULL;
    }
    sca_open_opts o = {.reader = x->reader[0] ? x->reader : NULL};
    if (sca_card_open(&o, &x->card, err) != SCA_OK) {
        x->card = NULL;
        return NULL;
    }
    x->generation = sca_card_generation(x->card);
    drop_state(x);
    if (x->present == 0)
        event(x, "card-inserted");
    x->present = 1;
    return x->card;
}

scd_step scd_fail_err(scd_job *j, const sca_error *err)
{
    scd_job_fail(j, sca_rc_name(err->rc), err->msg);
    j->rc = err->rc;
    j->sw = err->sw;
    return SCD_STEP_DONE;
}

scd_step scd_ok(scd_job *j, json_t *result)
{
    json_decref(j->result);
    j->result = result ? result : json_object();
    j->ecode = NULL;
    return SCD_STEP_DONE;
}

sca_rc scd_need_pin(scd_cardctx *x, scd_job *j, const char *pin, sca_error *err)
{
    if (pin != NULL) {
        sca_rc rc = sca_pin_verify(x->card, pin, err);
        x->pin_owner = rc == SCA_OK ? j->client : 0;
        return rc;
    }
    /* the card has one PIN state for all of its users: only the connection that verified may lean on it */
    if (x->pin_owner != j->client)
        return sca_error_set(err, SCA_E_DENIED, "verify the PIN first on this connection (pin.verify), or pass "
                                                "\"pin\" with the request");
    return SCA_OK;
}

/* After each step: card-state bookkeeping from the library's answer and the card's generation counter. */
static void after(scd_cardctx *x, const scd_job *j)
{
    if (j->rc == SCA_E_CARD_REMOVED || (x->card && (j->rc == SCA_E_NO_CARD || j->rc == SCA_E_TRANSPORT))) {
        card_gone(x);
        return;
    }
    if (x->card && sca_card_generation(x->card) != x->generation) {
        x->generation = sca_card_generation(x->card);
        drop_state(x);
        event(x, "card-reset");
    } else if (j->rc == SCA_E_CARD_RESET) {
        drop_state(x);
        event(x, "card-reset");
    }
}

static scd_step run(void *ctx, scd_job *j)
{
    scd_cardctx *x = ctx;
    sca_error err;
    if (!(j->method->flags & SCD_M_STUB) && scd_card(x, &err) == NULL) {
        scd_fail_err(j, &err);
        after(x, j);
        return SCD_STEP_DONE;
    }
    j->rc = 0;
    scd_step st = j->method->run(x, j);
    after(x, j);
    return st;
}

/* Presence poll with a zero timeout: cheap, and it never holds the card. */
static void idle(void *ctx)
{
    scd_cardctx *x = ctx;
    if (x->mode == SCD_CARD_NONE)
        return;
    uint64_t now = scd_now_ms();
    if (x->card == NULL) {
        if (now < x->next_open_ms)
            return;
        x->next_open_ms = now + 2000;
        sca_error err;
        if (scd_card(x, &err) == NULL && x->present != 0) {
            if (x->present == 1)
                event(x, "card-removed");
            x->present = 0;
        }
        return;
    }
    if (!x->have_pcsc) {
        SCARDCONTEXT c;
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c) != SCARD_S_SUCCESS)
            return;
        x->pcsc_ctx = (long)c;
        x->have_pcsc = 1;
    }
    SCARD_READERSTATE st;
    memset(&st, 0, sizeof st);
    st.szReader = sca_card_reader(x->card);
    st.dwCurrentState = SCARD_STATE_UNAWARE;
    LONG r = SCardGetStatusChange((SCARDCONTEXT)x->pcsc_ctx, 0, &st, 1);
    if (r == SCARD_E_NO_SERVICE || r == SCARD_E_SERVICE_STOPPED || r == SCARD_E_INVALID_HANDLE) {
        SCardReleaseContext((SCARDCONTEXT)x->pcsc_ctx);
        x->have_pcsc = 0; /* pcscd restarted: a new context next time, and the card handle is stale too */
        card_gone(x);
        return;
    }
    if (r != SCARD_S_SUCCESS && r != SCARD_E_TIMEOUT)
        return;
    unsigned long count = (unsigned long)(st.dwEventState >> 16);
    int present = (st.dwEventState & SCARD_STATE_PRESENT) != 0;
    if (!present || (st.dwEventState & SCARD_STATE_UNKNOWN)) {
        card_gone(x);
    } else if (x->event_count != 0 && count != x->event_count) {
        /* pulled and put back between two polls: the handle is stale, reopen (announces both) */
        card_gone(x);
        x->next_open_ms = 0;
        sca_error err;
        scd_card(x, &err);
    }
    x->event_count = count;
}

static void stop(void *ctx)
{
    scd_cardctx *x = ctx;
    if (x->card) {
        sca_card_close(x->card); /* no transaction is held between steps: closing ends the PC/SC session */
        x->card = NULL;
    }
    if (x->have_pcsc)
        SCardReleaseContext((SCARDCONTEXT)x->pcsc_ctx);
    x->have_pcsc = 0;
}

scd_executor scd_cardexec(scd_cardctx *x, unsigned idle_ms)
{
    scd_executor e = {.run = run, .idle = idle, .stop = stop, .ctx = x, .idle_ms = idle_ms};
    return e;
}
