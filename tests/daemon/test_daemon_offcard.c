/* Off-card methods (gba.bootstrap, bcast.provision): the job runs on a thread of its own and sends only its card
 * steps to the card thread. While it waits for the network, the card thread serves everybody else; cancelling it,
 * its client leaving and a shutdown all end it at its next card step. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "methods.h"
#include "proto.h"
#include "worker.h"

__attribute__((constructor)) static void watchdog(void)
{
    alarm(60);
}

typedef struct rig {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int gate_open;   /* the "HTTP answer" has come */
    int waiting;     /* off-card jobs waiting at the gate */
    int card_steps;  /* sub-jobs run by the card thread */
    scd_worker *w;
} rig;

static rig R;

static sca_rc card_step(void *ctx, void *arg, sca_error *err)
{
    (void)ctx;
    (void)arg;
    (void)err;
    pthread_mutex_lock(&R.mu);
    R.card_steps++;
    pthread_mutex_unlock(&R.mu);
    return SCA_OK;
}

static scd_step ex_run(void *ctx, scd_job *j)
{
    (void)ctx;
    if (j->sub_fn) {
        sca_error err;
        if (j->sub_fn(NULL, j->sub_arg, &err) != SCA_OK)
            scd_job_fail(j, "card-error", err.msg);
        return SCD_STEP_DONE;
    }
    j->result = json_pack("{s:s}", "method", j->method->name);
    return SCD_STEP_DONE;
}

/* card step, wait for the network, card step */
static scd_step ex_run_off(void *ctx, scd_job *j)
{
    (void)ctx;
    sca_error err;
    if (scd_worker_card_step(R.w, j, card_step, NULL, &err) != SCA_OK)
        goto fail;
    pthread_mutex_lock(&R.mu);
    R.waiting++;
    pthread_cond_broadcast(&R.cv);
    while (!R.gate_open)
        pthread_cond_wait(&R.cv, &R.mu);
    R.waiting--;
    pthread_mutex_unlock(&R.mu);
    if (scd_worker_card_step(R.w, j, card_step, NULL, &err) != SCA_OK)
        goto fail;
    j->result = json_pack("{s:s, s:b}", "method", j->method->name, "offcard", 1);
    return SCD_STEP_DONE;
fail:
    scd_job_fail(j, j->sub_ecode ? j->sub_ecode : "card-error", err.msg);
    return SCD_STEP_DONE;
}

static void rig_start(scd_worker *w)
{
    memset(&R, 0, sizeof R);
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv, NULL);
    R.w = w;
    scd_executor ex = {.run = ex_run, .run_off = ex_run_off, .idle_ms = 50};
    assert_int_equal(scd_worker_start(w, &ex), 0);
}

static void wait_waiting(int n)
{
    pthread_mutex_lock(&R.mu);
    while (R.waiting < n)
        pthread_cond_wait(&R.cv, &R.mu);
    pthread_mutex_unlock(&R.mu);
}

static void open_gate(void)
{
    pthread_mutex_lock(&R.mu);
    R.gate_open = 1;
    pthread_cond_broadcast(&R.cv);
    pthread_mutex_unlock(&R.mu);
}

static scd_job *job(uint64_t client, int id, const char *method)
{
    scd_job *j = calloc(1, sizeof *j);
    j->root = json_pack("{s:i, s:s, s:{}}", "id", id, "method", method, "params");
    j->id = json_object_get(j->root, "id");
    j->params = json_object_get(j->root, "params");
    j->method = scd_method_find(method);
    j->prio = j->method->prio;
    j->offcard = (j->method->flags & SCD_M_OFFCARD) != 0;
    j->client = client;
    j->deadline_ms = scd_now_ms() + 30000;
    return j;
}

/* Wait for the answer to (client, id); NULL after 5 s. */
static scd_job *answer(scd_worker *w, uint64_t client, int id, scd_job **others)
{
    for (scd_job **pp = others; *pp; pp = &(*pp)->next)
        if ((*pp)->client == client && json_integer_value((*pp)->id) == id) {
            scd_job *f = *pp;
            *pp = f->next;
            return f;
        }
    for (int t = 0; t < 500; t++) {
        scd_job *l = scd_worker_take_done(w), *found = NULL;
        while (l) {
            scd_job *n = l->next;
            if (found == NULL && l->client == client && json_integer_value(l->id) == id) {
                found = l;
            } else {
                l->next = *others;
                *others = l;
            }
            l = n;
        }
        if (found)
            return found;
        usleep(10000);
    }
    return NULL;
}

static void free_list(scd_job *l)
{
    while (l) {
        scd_job *n = l->next;
        scd_job_free(l);
        l = n;
    }
}

static void card_thread_free_while_network_waits(void **state)
{
    (void)state;
    scd_worker w;
    rig_start(&w);
    assert_true(scd_method_find("gba.bootstrap")->flags & SCD_M_OFFCARD);
    assert_true(scd_method_find("bcast.provision")->flags & SCD_M_OFFCARD);
    assert_int_equal(scd_worker_submit(&w, job(1, 1, "gba.bootstrap")), 0);
    wait_waiting(1);
    assert_int_equal(scd_worker_offcard(&w), 1);
    /* the off-card job waits for its BSF: an urgent request of another client is served meanwhile */
    scd_job *others = NULL;
    assert_int_equal(scd_worker_submit(&w, job(2, 7, "mbms.stkm")), 0);
    scd_job *u = answer(&w, 2, 7, &others);
    assert_non_null(u);
    assert_null(u->ecode);
    assert_int_equal(scd_worker_offcard(&w), 1);
    open_gate();
    scd_job *a = answer(&w, 1, 1, &others);
    assert_non_null(a);
    assert_null(a->ecode);
    assert_true(json_is_true(json_object_get(a->result, "offcard")));
    assert_int_equal(R.card_steps, 2);
    assert_int_equal(scd_worker_offcard(&w), 0);
    scd_job_free(u);
    scd_job_free(a);
    free_list(others);
    scd_worker_destroy(&w);
}

static void cancel_and_client_gone(void **state)
{
    (void)state;
    scd_worker w;
    rig_start(&w);
    assert_int_equal(scd_worker_submit(&w, job(1, 1, "bcast.provision")), 0);
    assert_int_equal(scd_worker_submit(&w, job(2, 2, "gba.bootstrap")), 0);
    wait_waiting(2);
    json_t *id = json_integer(1);
    assert_int_equal(scd_worker_cancel(&w, 1, id), 2); /* running (off the card) */
    json_decref(id);
    scd_worker_drop_client(&w, 2);
    open_gate();
    scd_job *others = NULL;
    scd_job *a = answer(&w, 1, 1, &others);
    assert_non_null(a);
    assert_string_equal(a->ecode, SCD_E_CANCELLED);
    scd_job *b = answer(&w, 2, 2, &others); /* answered into the void: the socket thread drops it */
    assert_non_null(b);
    assert_string_equal(b->ecode, SCD_E_CANCELLED);
    assert_int_equal(R.card_steps, 2); /* the first step of each; none after the cancel */
    scd_job_free(a);
    scd_job_free(b);
    free_list(others);
    scd_worker_destroy(&w);
}

static void *late_gate(void *arg)
{
    (void)arg;
    usleep(100000);
    open_gate();
    return NULL;
}

static void shutdown_waits_and_fails_the_next_step(void **state)
{
    (void)state;
    scd_worker w;
    rig_start(&w);
    assert_int_equal(scd_worker_submit(&w, job(1, 1, "gba.bootstrap")), 0);
    wait_waiting(1);
    pthread_t th;
    pthread_create(&th, NULL, late_gate, NULL);
    scd_worker_stop(&w); /* returns only when the off-card job has ended */
    pthread_join(th, NULL);
    assert_int_equal(scd_worker_offcard(&w), 0);
    scd_job *others = NULL;
    scd_job *a = answer(&w, 1, 1, &others);
    assert_non_null(a);
    assert_string_equal(a->ecode, SCD_E_SHUTDOWN);
    assert_int_equal(R.card_steps, 1);
    scd_job_free(a);
    free_list(others);
    scd_worker_destroy(&w);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(card_thread_free_while_network_waits),
    cmocka_unit_test(cancel_and_client_gone),
    cmocka_unit_test(shutdown_waits_and_fails_the_next_step),
};
RUN_SUITE("daemon-offcard", tests)
