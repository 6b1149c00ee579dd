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
    snprintf(x->issuer_keys, sizeof x->issuer_keys, "%s", cfg->issuer_keys);
    if (!strcmp(x->issuer_keys, "test"))
        sca_log(SCA_LOG_WARN, "issuer_keys = test: perso methods use the documented test issuer keys (test cards only)");
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
    scd_pin_owner_set(x, NULL);
    x->hash_owner = 0;
    x->hashed = 0;
}

#define BACKOFF_FIRST_MS 200u
#define BACKOFF_MAX_MS 2000u

/* The presence poll's own PC/SC context: after pcscd restarted it is stale, so it goes with the card. */
static void release_poll_ctx(scd_cardctx *x)
{
    if (x->have_pcsc)
        SCardReleaseContext((SCARDCONTEXT)x->pcsc_ctx);
    x->have_pcsc = 0;
    x->event_count = 0;
}

/* Remember why there is no card and when to try again (doubling up to BACKOFF_MAX_MS). */
static void schedule_retry(scd_cardctx *x, const sca_error *why)
{
    x->backoff_ms = x->backoff_ms == 0 ? BACKOFF_FIRST_MS
                    : x->backoff_ms >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : 2 * x->backoff_ms;
    x->next_open_ms = scd_now_ms() + x->backoff_ms;
    if (why != NULL) {
        x->down_rc = why->rc;
        snprintf(x->down_msg, sizeof x->down_msg, "%s", why->msg);
    }
}

/* The card (or pcscd) went away: close the handle, drop what it knew, announce it once, retry with a backoff. */
static void card_gone(scd_cardctx *x, const sca_error *why)
{
    if (x->card) {
        sca_card_close(x->card);
        x->card = NULL;
    }
    release_poll_ctx(x);
    drop_state(x);
    if (x->present != 0)
        event(x, "card-removed");
    x->present = 0;
    x->backoff_ms = 0;
    schedule_retry(x, why);
}

sca_card *scd_card(scd_cardctx *x, sca_error *err)
{
    if (x->card)
        return x->card;
    if (x->mode == SCD_CARD_NONE) {
        sca_error_set(err, SCA_E_NO_CARD, "this daemon runs without a card (card = none in scagentd.conf)");
        return NULL;
    }
    uint64_t now = scd_now_ms();
    if (x->down_rc != SCA_OK && now < x->next_open_ms) {
        /* in an outage: answer at once with the reason; the card thread retries on its schedule */
        sca_error_set(err, x->down_rc, "%s (the daemon retries opening the card; next attempt in %llu ms)",
                      x->down_msg, (unsigned long long)(x->next_open_ms - now));
        return NULL;
    }
    sca_open_opts o = {.reader = x->reader[0] ? x->reader : NULL};
    if (sca_card_open(&o, &x->card, err) != SCA_OK) {
        x->card = NULL;
        schedule_retry(x, err);
        return NULL;
    }
    /* the answer leaves before the transaction's end (the flush after the step): one PC/SC round trip less
     * between the card's answer and the client */
    sca_card_defer_end(x->card, 1);
    x->backoff_ms = 0;
    x->down_rc = SCA_OK;
    x->down_msg[0] = '\0';
    release_poll_ctx(x); /* a fresh context for the presence poll too (pcscd may have restarted) */
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

void scd_pin_owner_set(scd_cardctx *x, const scd_job *j)
{
    x->pin_owner = j ? j->client : 0;
    x->pin_pid = j ? (uint64_t)j->pid : 0;
    x->pin_uid = j ? j->uid : 0;
}

int scd_pin_mine(const scd_cardctx *x, const scd_job *j)
{
    if (x->pin_owner == 0)
        return 0;
    if (x->pin_owner == j->client)
        return 1;
    /* threads of one terminal stack often use one connection each: the process is the principal */
    return x->pin_pid != 0 && x->pin_pid == (uint64_t)j->pid && x->pin_uid == j->uid;
}

sca_rc scd_need_pin(scd_cardctx *x, scd_job *j, const char *pin, sca_error *err)
{
    if (pin != NULL) {
        sca_rc rc = sca_pin_verify(x->card, pin, err);
        scd_pin_owner_set(x, rc == SCA_OK ? j : NULL);
        return rc;
    }
    /* the card has one PIN state for all of its users: only the connection that verified (or another
     * connection of the same process) may lean on it */
    if (!scd_pin_mine(x, j))
        return sca_error_set(err, SCA_E_DENIED, "verify the PIN first on this connection (pin.verify), or pass "
                                                "\"pin\" with the request");
    return SCA_OK;
}

/* After each step: card-state bookkeeping from the library's answer and the card's generation counter. */
static void after(scd_cardctx *x, const scd_job *j)
{
    /* the card went away, or pcscd did (its restart makes every handle and context stale: SCA_E_NO_SERVICE,
     * or an invalid handle, which the library reports as a transport error) */
    if (x->card && (j->rc == SCA_E_CARD_REMOVED || j->rc == SCA_E_NO_SERVICE || j->rc == SCA_E_NO_CARD ||
                    j->rc == SCA_E_NO_READER || j->rc == SCA_E_TRANSPORT)) {
        sca_error why;
        sca_error_set(&why, j->rc == SCA_E_NO_SERVICE ? SCA_E_NO_SERVICE : SCA_E_CARD_REMOVED, "%s: %s",
                      j->rc == SCA_E_NO_SERVICE ? "pcscd went away" : "the card went away", j->emsg);
        card_gone(x, &why);
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
    if (j->sub_fn != NULL) { /* one card step of an off-card job */
        j->rc = 0;
        if (scd_card(x, &err) == NULL || j->sub_fn(x, j->sub_arg, &err) != SCA_OK)
            scd_fail_err(j, &err);
        after(x, j);
        return SCD_STEP_DONE;
    }
    /* perso handlers open the card themselves, after checking the issuer keys and their parameters: those answers
     * must not depend on whether a card is there */
    if (!(j->method->flags & SCD_M_PERSO) && scd_card(x, &err) == NULL) {
        scd_fail_err(j, &err);
        after(x, j);
        return SCD_STEP_DONE;
    }
    j->rc = 0;
    scd_step st = j->method->run(x, j);
    after(x, j);
    return st;
}

/* An off-card job on its own thread: it must not touch x->card, only send steps through scd_oncard. */
static scd_step run_off(void *ctx, scd_job *j)
{
    return j->method->run(ctx, j);
}

sca_rc scd_oncard(scd_cardctx *x, scd_job *j, sca_rc (*fn)(scd_cardctx *x, void *arg, sca_error *err), void *arg,
                  sca_error *err)
{
    return scd_worker_card_step(x->w, j, (sca_rc(*)(void *, void *, sca_error *))fn, arg, err);
}

scd_step scd_off_fail(scd_job *j, const sca_error *err)
{
    if (j->sub_ecode != NULL) { /* a protocol failure of a card step: cancelled, deadline, shutting down */
        scd_job_fail(j, j->sub_ecode, err->msg);
        return SCD_STEP_DONE;
    }
    return scd_fail_err(j, err);
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
        /* pcscd restarted: a new context next time, and the card handle is stale too */
        sca_error why;
        sca_error_set(&why, SCA_E_NO_SERVICE, "pcscd went away (PC/SC 0x%08lX); the card is closed",
                      (unsigned long)r);
        card_gone(x, &why);
        return;
    }
    if (r != SCARD_S_SUCCESS && r != SCARD_E_TIMEOUT)
        return;
    unsigned long count = (unsigned long)(st.dwEventState >> 16);
    int present = (st.dwEventState & SCARD_STATE_PRESENT) != 0;
    if (!present || (st.dwEventState & SCARD_STATE_UNKNOWN)) {
        sca_error why;
        sca_error_set(&why, SCA_E_CARD_REMOVED, "the card was removed from %s", sca_card_reader(x->card));
        card_gone(x, &why);
        return;
    } else if (x->event_count != 0 && count != x->event_count) {
        /* pulled and put back between two polls: the handle is stale, reopen (announces both) */
        sca_error why;
        sca_error_set(&why, SCA_E_CARD_REMOVED, "the card was removed and inserted again");
        card_gone(x, &why);
        x->next_open_ms = 0;
        sca_error err;
        scd_card(x, &err);
        return;
    }
    x->event_count = count;
}

static void flush(void *ctx)
{
    scd_cardctx *x = ctx;
    if (x->card)
        sca_card_flush(x->card);
}

static void stop(void *ctx)
{
    scd_cardctx *x = ctx;
    if (x->card) {
        sca_card_close(x->card); /* no transaction is held between steps: closing ends the PC/SC session */
        x->card = NULL;
    }
    release_poll_ctx(x);
}

scd_executor scd_cardexec(scd_cardctx *x, unsigned idle_ms)
{
    scd_executor e = {.run = run, .idle = idle, .stop = stop, .run_off = run_off, .flush = flush, .ctx = x,
                      .idle_ms = idle_ms};
    return e;
}
