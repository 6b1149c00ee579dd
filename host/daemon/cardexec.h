/* The real executor of the card thread: owns the sca_card (opened lazily, reopened after removal), runs the
 * handlers, watches the card's presence when idle, announces card-removed / card-inserted / card-reset and
 * drops the card-derived state (who verified the PIN, the on-card hash in progress) when they happen. */
#ifndef SCD_CARDEXEC_H
#define SCD_CARDEXEC_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "scagent/scagent.h"
#include "worker.h"

typedef struct scd_cardctx {
    /* copied at start: the card thread never reads the live config (SIGHUP replaces it) */
    char reader[256];
    scd_card_mode mode;
    size_t hash_chunk;
    scd_worker *w;
    sca_card *card;
    unsigned generation;     /* sca_card_generation() when last seen */
    int present;             /* the last presence announced */
    uint64_t next_open_ms;   /* when idle may try to open the card again */
    uint64_t pin_owner;      /* the connection whose pin.verify the card's PIN state belongs to (0: none) */
    uint64_t hash_owner;     /* the connection with an on-card hash in progress (0: none) */
    uint64_t hashed;         /* bytes it has sent so far */
    long pcsc_ctx;           /* SCARDCONTEXT for presence polling (0: none yet) */
    int have_pcsc;
    unsigned long event_count; /* the reader's insert/remove counter when last polled */
    /* the outage: after the card or pcscd went away, opening is retried with a backoff; requests in between
     * fail at once with the last reason (card-removed, no-service, no-card, ...) instead of waiting */
    unsigned backoff_ms;     /* the current retry interval (0: open at once) */
    sca_rc down_rc;          /* why there is no card (SCA_OK: no failure recorded yet) */
    char down_msg[sizeof(((sca_error *)0)->msg)];
    uint64_t pin_pid;        /* the process (pid, uid) of pin_owner: its other connections share the PIN state */
    uid_t pin_uid;
    char issuer_keys[256];   /* issuer_keys of the configuration at start: "", "test" or a key file's path */
} scd_cardctx;

void scd_cardctx_init(scd_cardctx *x, const scd_config *cfg, scd_worker *w);
/* The executor callbacks for scd_worker_start (ctx = the scd_cardctx). */
scd_executor scd_cardexec(scd_cardctx *x, unsigned idle_ms);

/* For handlers: the open card, opening it when needed. NULL with `err` set when there is none. */
sca_card *scd_card(scd_cardctx *x, sca_error *err);
/* For handlers: record a library error in the job. */
scd_step scd_fail_err(scd_job *j, const sca_error *err);
/* For handlers: succeed with `result` (stolen). */
scd_step scd_ok(scd_job *j, json_t *result);
/* The PIN state belongs to j's connection (NULL: to nobody); does it belong to j's connection or process? */
void scd_pin_owner_set(scd_cardctx *x, const scd_job *j);
int scd_pin_mine(const scd_cardctx *x, const scd_job *j);
/* PIN-gated methods: verify `pin` now when given; else the card's PIN state must come from this connection. */
sca_rc scd_need_pin(scd_cardctx *x, scd_job *j, const char *pin, sca_error *err);

/* Off-card handlers (SCD_M_OFFCARD, on their own thread): run fn(x, arg, err) on the card thread as one card step
 * (one short transaction at the method's priority) and wait for it. Never touch x->card outside fn. */
sca_rc scd_oncard(scd_cardctx *x, scd_job *j, sca_rc (*fn)(scd_cardctx *x, void *arg, sca_error *err), void *arg,
                  sca_error *err);
/* Off-card handlers: record a failure (a card step's protocol code, such as cancelled, when it has one). */
scd_step scd_off_fail(scd_job *j, const sca_error *err);

#endif
