/* The card thread and its hand-over lists. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

/* Wake the socket loop's poll(). A full pipe already means "wake up": EAGAIN is fine. */
static void wake_loop(scd_worker *w)
{
    w->wake_written = 1;
    char b = 1;
    ssize_t r = write(w->wake[1], &b, 1);
    (void)r;
}

/* Caller holds mu. Something was queued: tell whoever runs the card. */
static void kick_locked(scd_worker *w)
{
    if (!w->inline_mode)
        pthread_cond_signal(&w->cv);
    else if (!pthread_equal(pthread_self(), w->loop))
        wake_loop(w); /* a card step from an off-card thread */
}

/* Caller holds mu. */
static void post_locked(scd_worker *w, scd_job *j)
{
    j->next = NULL;
    if (j->parent != NULL) { /* a card step of an off-card job: wake its thread, which owns it */
        j->sub_done = 1;
        pthread_cond_broadcast(&w->sub_cv);
        return;
    }
    if (w->done_tail)
        w->done_tail->next = j;
    else
        w->done = j;
    w->done_tail = j;
    /* in one-loop mode the loop collects its own answers right after the step: no wake-up needed */
    if (!(w->inline_mode && pthread_equal(pthread_self(), w->loop)))
        wake_loop(w);
}

static void post_list_locked(scd_worker *w, scd_job *list, const char *code, const char *msg)
{
    while (list) {
        scd_job *n = list->next;
        scd_job_fail(list, code, msg);
        post_locked(w, list);
        list = n;
    }
}

/* Caller holds mu (released while the step runs). Take the first job of the queue and run one step of it:
 * 0 when the queue was empty. */
static int run_one_locked(scd_worker *w)
{
    scd_job *j = scd_queue_pop(&w->q);
    if (j == NULL)
        return 0;
    if (j->cancelled) {
        scd_job_fail(j, SCD_E_CANCELLED, "cancelled by the client");
        post_locked(w, j);
        return 1;
    }
    if (scd_now_ms() >= j->deadline_ms) {
        scd_job_fail(j, SCD_E_DEADLINE, j->steps ? "the deadline passed between two steps of the operation"
                                                 : "the deadline passed before the card was free");
        post_locked(w, j);
        return 1;
    }
    w->running = j;
    pthread_mutex_unlock(&w->mu);
    scd_step st = w->ex.run(w->ex.ctx, j);
    pthread_mutex_lock(&w->mu);
    w->running = NULL;
    w->last_step_ms = scd_now_ms();
    j->steps++;
    if (st == SCD_STEP_AGAIN && !j->cancelled && !w->stopping) {
        j->seq = ++w->seq;
        scd_queue_push(&w->q, j); /* behind everything of its class: others interleave */
        return 1;
    }
    if (st == SCD_STEP_AGAIN)
        scd_job_fail(j, j->cancelled ? SCD_E_CANCELLED : SCD_E_SHUTDOWN,
                     j->cancelled ? "cancelled by the client between two steps"
                                  : "the daemon is shutting down; the operation was stopped between two steps");
    post_locked(w, j);
    return 1;
}

/* Caller holds mu, and releases it here. Whatever is still queued is answered "shutting-down"; the card closes. */
static void finish_locked(scd_worker *w)
{
    post_list_locked(w, scd_queue_take_client(&w->q, 0), SCD_E_SHUTDOWN, "the daemon is shutting down");
    pthread_mutex_unlock(&w->mu);
    if (w->ex.stop)
        w->ex.stop(w->ex.ctx);
}

static void *card_thread(void *arg)
{
    scd_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        if (run_one_locked(w)) {
            if (w->ex.flush) { /* the answer is posted: end the step's transaction */
                pthread_mutex_unlock(&w->mu);
                w->ex.flush(w->ex.ctx);
                pthread_mutex_lock(&w->mu);
            }
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)w->ex.idle_ms * 1000000u;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        int r = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        if (r == ETIMEDOUT && w->q.count == 0 && !w->stopping && w->ex.idle) {
            pthread_mutex_unlock(&w->mu);
            w->ex.idle(w->ex.ctx);
            pthread_mutex_lock(&w->mu);
        }
    }
    finish_locked(w);
    return NULL;
}

void scd_worker_bind_loop(scd_worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->loop = pthread_self();
    pthread_mutex_unlock(&w->mu);
}

int scd_worker_run_one(scd_worker *w)
{
    if (!w->inline_mode || !w->started)
        return 0;
    pthread_mutex_lock(&w->mu);
    int ran = !w->stopping && run_one_locked(w);
    pthread_mutex_unlock(&w->mu);
    return ran;
}

void scd_worker_flush(scd_worker *w)
{
    if (w->inline_mode && w->started && w->ex.flush)
        w->ex.flush(w->ex.ctx);
}

int scd_worker_idle_tick(scd_worker *w, uint64_t now_ms)
{
    if (!w->inline_mode || !w->started)
        return -1;
    pthread_mutex_lock(&w->mu);
    int queued = w->q.count > 0;
    uint64_t due = w->last_step_ms + w->ex.idle_ms;
    pthread_mutex_unlock(&w->mu);
    if (queued)
        return 0;
    if (now_ms < due)
        return (int)(due - now_ms);
    if (w->ex.idle)
        w->ex.idle(w->ex.ctx);
    w->last_step_ms = scd_now_ms(); /* only this thread writes it in one-loop mode */
    return (int)w->ex.idle_ms;
}

static int init(scd_worker *w, const scd_executor *ex)
{
    memset(w, 0, sizeof *w);
    w->ex = *ex;
    if (w->ex.idle_ms == 0)
        w->ex.idle_ms = 500;
    scd_queue_init(&w->q);
    if (pipe(w->wake) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(w->wake[i], F_SETFL, fcntl(w->wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(w->wake[i], F_SETFD, FD_CLOEXEC);
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->sub_cv, NULL);
    pthread_cond_init(&w->off_cv, NULL);
    w->last_step_ms = scd_now_ms();
    return 0;
}

int scd_worker_start(scd_worker *w, const scd_executor *ex)
{
    if (init(w, ex) != 0 || pthread_create(&w->th, NULL, card_thread, w) != 0)
        return -1;
    w->started = 1;
    return 0;
}

int scd_worker_start_inline(scd_worker *w, const scd_executor *ex)
{
    if (init(w, ex) != 0)
        return -1;
    w->inline_mode = 1;
    w->loop = pthread_self();
    w->started = 1;
    return 0;
}

struct off_arg {
    scd_worker *w;
    scd_job *j;
};

static void *off_thread(void *arg)
{
    struct off_arg a = *(struct off_arg *)arg;
    free(arg);
    scd_worker *w = a.w;
    scd_job *j = a.j;
    w->ex.run_off(w->ex.ctx, j);
    pthread_mutex_lock(&w->mu);
    for (scd_job **pp = &w->offcard; *pp; pp = &(*pp)->off_next)
        if (*pp == j) {
            *pp = j->off_next;
            break;
        }
    j->off_next = NULL;
    if (j->cancelled && j->ecode == NULL && j->result == NULL)
        scd_job_fail(j, SCD_E_CANCELLED, "cancelled by the client");
    post_locked(w, j);
    w->n_off--;
    pthread_cond_broadcast(&w->off_cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Caller holds mu. Start an off-card job on a thread of its own; -1 when it cannot (the job is answered). */
static void start_offcard_locked(scd_worker *w, scd_job *j)
{
    struct off_arg *a = malloc(sizeof *a);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (w->ex.run_off == NULL) {
        free(a);
        scd_job_fail(j, SCD_E_NOT_SUPPORTED, "this executor runs no off-card methods");
        post_locked(w, j);
    } else if (a == NULL || (a->w = w, a->j = j, pthread_create(&th, &at, off_thread, a) != 0)) {
        free(a);
        scd_job_fail(j, "no-memory", "cannot start a thread for the request");
        post_locked(w, j);
    } else {
        j->off_next = w->offcard;
        w->offcard = j;
        w->n_off++;
    }
    pthread_attr_destroy(&at);
}

sca_rc scd_worker_card_step(scd_worker *w, scd_job *parent, sca_rc (*fn)(void *cardctx, void *arg, sca_error *err),
                            void *arg, sca_error *err)
{
    scd_job *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    s->client = parent->client;
    s->deadline_ms = parent->deadline_ms;
    s->method = parent->method;
    s->id = parent->id; /* borrowed: the parent outlives its steps */
    s->params = parent->params;
    s->uid = parent->uid;
    s->pid = parent->pid;
    s->prio = parent->prio;
    s->parent = parent;
    s->sub_fn = fn;
    s->sub_arg = arg;
    pthread_mutex_lock(&w->mu);
    const char *code = w->stopping ? SCD_E_SHUTDOWN : parent->cancelled ? SCD_E_CANCELLED : NULL;
    if (code == NULL) {
        s->seq = ++w->seq;
        scd_queue_push(&w->q, s);
        kick_locked(w);
        while (!s->sub_done)
            pthread_cond_wait(&w->sub_cv, &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    sca_rc rc = SCA_OK;
    if (code != NULL) {
        parent->sub_ecode = code;
        rc = sca_error_set(err, SCA_E_TIMEOUT, "%s", !strcmp(code, SCD_E_SHUTDOWN) ? "the daemon is shutting down"
                                                                                  : "cancelled by the client");
    } else if (s->ecode != NULL) {
        if (s->rc != 0) {
            rc = sca_error_set(err, (sca_rc)s->rc, "%s", s->emsg);
            if (err)
                err->sw = s->sw;
        } else {
            parent->sub_ecode = s->ecode;
            rc = sca_error_set(err, SCA_E_TIMEOUT, "%s", s->emsg);
        }
    }
    s->root = NULL;
    scd_job_free(s);
    return rc;
}

unsigned scd_worker_offcard(scd_worker *w)
{
    pthread_mutex_lock(&w->mu);
    unsigned n = w->n_off;
    pthread_mutex_unlock(&w->mu);
    return n;
}

int scd_worker_submit(scd_worker *w, scd_job *j)
{
    pthread_mutex_lock(&w->mu);
    if (w->stopping) {
        pthread_mutex_unlock(&w->mu);
        return -1;
    }
    if (j->offcard) {
        start_offcard_locked(w, j);
        pthread_mutex_unlock(&w->mu);
        return 0;
    }
    j->seq = ++w->seq;
    if (j->prio == SCD_PRIO_URGENT)
        w->last_urgent_ms = scd_now_ms();
    scd_queue_push(&w->q, j);
    kick_locked(w);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int scd_worker_cancel(scd_worker *w, uint64_t client, const json_t *id)
{
    int r = 0;
    pthread_mutex_lock(&w->mu);
    scd_job *j = scd_queue_take(&w->q, client, id);
    if (j) {
        scd_job_fail(j, SCD_E_CANCELLED, "cancelled by the client before it ran");
        post_locked(w, j);
        r = 1;
    } else if (w->running && w->running->client == client && json_equal(w->running->id, (json_t *)id)) {
        w->running->cancelled = 1;
        r = 2;
    }
    for (scd_job *o = w->offcard; o; o = o->off_next)
        if (o->client == client && json_equal(o->id, (json_t *)id)) {
            o->cancelled = 1; /* it stops before its next card step */
            if (r == 0)
                r = 2;
        }
    pthread_mutex_unlock(&w->mu);
    return r;
}

void scd_worker_drop_client(scd_worker *w, uint64_t client)
{
    pthread_mutex_lock(&w->mu);
    scd_job *l = scd_queue_take_client(&w->q, client);
    if (w->running && w->running->client == client)
        w->running->cancelled = 1;
    for (scd_job *o = w->offcard; o; o = o->off_next)
        if (o->client == client)
            o->cancelled = 1;
    scd_job *mine = NULL;
    while (l) { /* card steps of off-card jobs belong to their threads: wake them instead of freeing */
        scd_job *n = l->next;
        if (l->parent != NULL) {
            scd_job_fail(l, SCD_E_CANCELLED, "the client went away");
            post_locked(w, l);
        } else {
            l->next = mine;
            mine = l;
        }
        l = n;
    }
    pthread_mutex_unlock(&w->mu);
    while (mine) {
        scd_job *n = mine->next;
        scd_job_free(mine);
        mine = n;
    }
}

void scd_worker_expire(scd_worker *w, uint64_t now_ms)
{
    pthread_mutex_lock(&w->mu);
    post_list_locked(w, scd_queue_take_expired(&w->q, now_ms), SCD_E_DEADLINE,
                     "the deadline passed before the card was free");
    pthread_mutex_unlock(&w->mu);
}

void scd_worker_post_event(scd_worker *w, json_t *event)
{
    scd_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        json_decref(event);
        return;
    }
    j->result = event;
    pthread_mutex_lock(&w->mu);
    post_locked(w, j);
    pthread_mutex_unlock(&w->mu);
}

scd_job *scd_worker_take_done(scd_worker *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->wake_written) { /* drained under mu: a wake-up written after this belongs to a later answer */
        char b[64];
        while (read(w->wake[0], b, sizeof b) > 0)
            ;
        w->wake_written = 0;
    }
    scd_job *l = w->done;
    w->done = w->done_tail = NULL;
    pthread_mutex_unlock(&w->mu);
    return l;
}

int scd_worker_urgent_recently(scd_worker *w, uint64_t window_ms)
{
    pthread_mutex_lock(&w->mu);
    uint64_t t = w->last_urgent_ms;
    pthread_mutex_unlock(&w->mu);
    return t != 0 && scd_now_ms() - t < window_ms;
}

size_t scd_worker_queued(scd_worker *w)
{
    pthread_mutex_lock(&w->mu);
    size_t n = w->q.count;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void scd_worker_stop(scd_worker *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    if (w->inline_mode) {
        finish_locked(w); /* the loop's own thread: the step in progress has ended already */
    } else {
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->th, NULL);
    }
    /* off-card jobs: their card steps now fail at once; wait for their network part to end */
    pthread_mutex_lock(&w->mu);
    for (scd_job *o = w->offcard; o; o = o->off_next)
        o->cancelled = 1;
    while (w->n_off > 0)
        pthread_cond_wait(&w->off_cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    w->started = 0;
}

void scd_worker_destroy(scd_worker *w)
{
    scd_worker_stop(w);
    scd_job *l = w->done;
    while (l) {
        scd_job *n = l->next;
        scd_job_free(l);
        l = n;
    }
    w->done = w->done_tail = NULL;
    if (w->wake[0] > 0) {
        close(w->wake[0]);
        close(w->wake[1]);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->sub_cv);
    pthread_cond_destroy(&w->off_cv);
}
