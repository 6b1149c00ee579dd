/* The card's runner: the only code that talks to the card. It takes jobs from the priority queue, runs them
 * through an executor (the real card, or a fake one in the unit tests) and hands the answers back to the socket
 * loop through a list and a wake-up pipe. It runs in one of two modes:
 *   - one loop (scd_worker_start_inline, scagentd's default): the socket loop itself runs one step between two
 *     poll() turns. A one-APDU request then costs no thread hand-over at all (on a 2-vCPU machine each wake-up of
 *     another thread costs about 5-10 us, the same order as the APDU), but while a step runs no socket is read;
 *   - a card thread (scd_worker_start, card_thread = yes): socket I/O, cancellation and hello stay responsive
 *     while a slow card works for seconds (RSA key generation on a physical card), at two wake-ups per request. */
#ifndef SCD_WORKER_H
#define SCD_WORKER_H

#include <pthread.h>

#include "queue.h"

typedef enum scd_step {
    SCD_STEP_DONE = 0,  /* the answer is in the job */
    SCD_STEP_AGAIN = 1, /* one step done; queue the job again behind its priority class */
} scd_step;

typedef struct scd_executor {
    scd_step (*run)(void *ctx, scd_job *j);
    void (*idle)(void *ctx);  /* nothing queued for idle_ms: poll the card's presence (may be NULL) */
    void (*stop)(void *ctx);  /* the thread ends: close the card (may be NULL) */
    scd_step (*run_off)(void *ctx, scd_job *j); /* an off-card job, on its own thread (NULL: not-supported) */
    void (*flush)(void *ctx); /* after a step's answer was handed on: end its card transaction (may be NULL) */
    void *ctx;
    unsigned idle_ms;
} scd_executor;

typedef struct scd_worker {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    scd_queue q;
    scd_job *done, *done_tail; /* answers and events for the socket thread, in order */
    int wake[2];               /* [0] for the socket thread's poll, [1] written by the card thread */
    int stopping;
    int started;
    scd_job *running;
    scd_job *offcard;          /* off-card jobs running on their threads */
    unsigned n_off;
    pthread_cond_t sub_cv;     /* a sub-job is done */
    pthread_cond_t off_cv;     /* an off-card job ended */
    uint64_t seq;
    pthread_t th;
    scd_executor ex;
    int inline_mode;           /* one loop: no card thread; `loop` runs the steps */
    pthread_t loop;
    uint64_t last_step_ms;     /* for the presence poll after idle_ms without a step */
    int wake_written;          /* the pipe holds a wake-up byte (under mu) */
    uint64_t last_urgent_ms;   /* when the last urgent request was queued (under mu) */
} scd_worker;

int scd_worker_start(scd_worker *w, const scd_executor *ex);
/* One-loop mode: no thread; the calling thread (the socket loop) runs the steps with scd_worker_run_one. */
int scd_worker_start_inline(scd_worker *w, const scd_executor *ex);
/* One-loop mode: the calling thread is the loop from now on (scd_server_run calls it). */
void scd_worker_bind_loop(scd_worker *w);
/* One-loop mode: run one step of the first queued job on this thread; 1 if one ran (0 in card-thread mode). */
int scd_worker_run_one(scd_worker *w);
/* One-loop mode: the presence poll when nothing ran for idle_ms. Returns the ms until it is due again (0: jobs
 * are queued; -1 in card-thread mode). */
int scd_worker_idle_tick(scd_worker *w, uint64_t now_ms);
/* One-loop mode: after the answers of scd_worker_run_one's step were sent, end the step's card transaction. */
void scd_worker_flush(scd_worker *w);
/* Queue a job (the worker owns it from here). -1 while stopping (the caller keeps it). */
int scd_worker_submit(scd_worker *w, scd_job *j);
/* Cancel `id` of `client`: 1 it was queued and is answered "cancelled" now; 2 it is running (a stepping job
 * stops at its next step, a single step finishes); 0 unknown (already answered). */
int scd_worker_cancel(scd_worker *w, uint64_t client, const json_t *id);
/* A client went away: its queued jobs are dropped, its running one runs to the end of its step. */
void scd_worker_drop_client(scd_worker *w, uint64_t client);
/* Answer queued jobs whose deadline passed with "deadline-exceeded" (called by the socket thread's loop, so
 * deadlines hold even while a long step runs). */
void scd_worker_expire(scd_worker *w, uint64_t now_ms);
/* From the executor: an event for every client (stolen). */
void scd_worker_post_event(scd_worker *w, json_t *event);
/* The answers and events so far, as a list (the caller frees the jobs). Also drains the wake-up pipe. The
 * socket loop calls it every turn: answers posted by the loop itself (one-loop mode) write no wake-up. */
scd_job *scd_worker_take_done(scd_worker *w);
/* 1 when an urgent request was queued within the last `window_ms`: long operations then take smaller steps. */
int scd_worker_urgent_recently(scd_worker *w, uint64_t window_ms);
/* Jobs in the queue (tests and status). */
size_t scd_worker_queued(scd_worker *w);
/* Finish the running step, answer everything queued with "shutting-down", end the thread, close the card. */
void scd_worker_stop(scd_worker *w);
/* From an off-card job's thread: run fn(cardctx, arg, err) on the card thread as one step of `parent` (its
 * client, priority and deadline) and wait for it. Its error, or a protocol failure (cancelled, deadline,
 * shutting down: then parent->sub_ecode names the code) in `err`. */
sca_rc scd_worker_card_step(scd_worker *w, scd_job *parent, sca_rc (*fn)(void *cardctx, void *arg, sca_error *err),
                            void *arg, sca_error *err);
/* Off-card jobs running now (tests). */
unsigned scd_worker_offcard(scd_worker *w);
/* Free what is left after stop (answers nobody collected) and the pipe. */
void scd_worker_destroy(scd_worker *w);

#endif
