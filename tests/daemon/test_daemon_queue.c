/* The card thread's queue: priorities, FIFO within a priority, steps of long jobs interleaved with urgent
 * ones, cancellation (queued and running), deadlines, client drop and shutdown, with a fake card. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_exec.h"
#include "harness.h"
#include "queue.h"
#include "worker.h"

/* A failed assertion leaves a card thread running on a dead test's stack: end the run instead of hanging it. */
__attribute__((constructor)) static void watchdog(void)
{
    alarm(300);
}

static scd_job *mkjob(uint64_t client, int id, const char *method, uint64_t deadline_ms)
{
    scd_job *j = calloc(1, sizeof *j);
    j->client = client;
    j->root = json_pack("{s:i, s:s, s:{}}", "id", id, "method", method, "params");
    j->id = json_object_get(j->root, "id");
    j->params = json_object_get(j->root, "params");
    j->method = scd_method_find(method);
    assert_non_null(j->method);
    j->prio = j->method->prio;
    j->deadline_ms = deadline_ms ? deadline_ms : scd_now_ms() + 60000;
    return j;
}

/* --- the queue alone ------------------------------------------------------------------------------------- */

/* A worker over a fake card; with `hold`, the first job it runs waits there until fake_release. */
static void start(fake *f, scd_worker *w, int hold)
{
    fake_init(f);
    f->hold = hold;
    scd_executor e = fake_executor(f);
    assert_int_equal(scd_worker_start(w, &e), 0);
}

static void queue_order(void **state)
{
    (void)state;
    scd_queue q;
    scd_queue_init(&q);
    scd_queue_push(&q, mkjob(1, 1, "fu.hash", 0));
    scd_queue_push(&q, mkjob(1, 2, "dm.check", 0));
    scd_queue_push(&q, mkjob(1, 3, "info", 0));
    scd_queue_push(&q, mkjob(2, 4, "dm.servers", 0));
    scd_queue_push(&q, mkjob(2, 5, "pin.status", 0));
    int want[] = {3, 5, 2, 4, 1};
    for (int i = 0; i < 5; i++) {
        scd_job *j = scd_queue_pop(&q);
        assert_int_equal(json_integer_value(j->id), want[i]);
        scd_job_free(j);
    }
    assert_null(scd_queue_pop(&q));
    assert_int_equal(q.count, 0);
}

static void queue_take(void **state)
{
    (void)state;
    scd_queue q;
    scd_queue_init(&q);
    uint64_t now = scd_now_ms();
    scd_queue_push(&q, mkjob(1, 1, "info", now + 100000));
    scd_queue_push(&q, mkjob(2, 1, "info", now - 1));
    scd_queue_push(&q, mkjob(1, 2, "dm.check", now - 1));
    scd_queue_push(&q, mkjob(2, 3, "fu.hash", now + 100000));
    json_t *id1 = json_integer(1), *id9 = json_integer(9);
    scd_job *j = scd_queue_take(&q, 2, id1); /* client 2's id 1, not client 1's */
    assert_non_null(j);
    assert_int_equal(j->client, 2);
    scd_job_free(j);
    assert_null(scd_queue_take(&q, 2, id9));
    j = scd_queue_take_expired(&q, now);
    assert_non_null(j);
    assert_int_equal(json_integer_value(j->id), 2);
    assert_null(j->next);
    scd_job_free(j);
    j = scd_queue_take_client(&q, 1);
    assert_int_equal(json_integer_value(j->id), 1);
    assert_null(j->next);
    scd_job_free(j);
    assert_int_equal(q.count, 1);
    j = scd_queue_take_client(&q, 0);
    assert_int_equal(json_integer_value(j->id), 3);
    scd_job_free(j);
    assert_int_equal(q.count, 0);
    assert_null(scd_queue_pop(&q));
    json_decref(id1);
    json_decref(id9);
}

/* --- the worker with a fake card --------------------------------------------------------------------------- */

typedef struct answers {
    char codes[64][32];
    int ids[64];
    int n;
} answers;

static void collect(scd_worker *w, answers *a, int want)
{
    for (int tries = 0; a->n < want && tries < 500; tries++) {
        scd_job *l = scd_worker_take_done(w);
        if (l == NULL)
            usleep(2000);
        while (l) {
            scd_job *j = l;
            l = l->next;
            if (j->method != NULL) {
                a->ids[a->n] = (int)json_integer_value(j->id);
                snprintf(a->codes[a->n++], 32, "%s", j->ecode ? j->ecode : "ok");
            }
            scd_job_free(j);
        }
    }
    assert_int_equal(a->n, want);
}

static const char *code_of(const answers *a, int id)
{
    for (int i = 0; i < a->n; i++)
        if (a->ids[i] == id)
            return a->codes[i];
    return "missing";
}

static void urgent_between_bulk_steps(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 1);
    scd_worker_submit(&w, mkjob(1, 1, "fu.hash", 0)); /* 3 steps */
    fake_wait_entered(&f, 1);
    scd_worker_submit(&w, mkjob(2, 2, "dm.check", 0));
    scd_worker_submit(&w, mkjob(2, 3, "gba.naf-key", 0));
    scd_worker_submit(&w, mkjob(3, 4, "pin.status", 0));
    fake_release(&f);
    answers a = {0};
    collect(&w, &a, 4);
    assert_string_equal(f.log, "1.1,3.1,4.1,2.1,1.2,1.3,");
    for (int i = 0; i < 4; i++)
        assert_string_equal(a.codes[i], "ok");
    scd_worker_destroy(&w);
}

/* A long operation takes smaller steps while urgent requests are about (m_dm.c's fu.hash asks this). */
static void urgent_requests_are_remembered(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 0);
    assert_false(scd_worker_urgent_recently(&w, 60000)); /* none yet */
    scd_worker_submit(&w, mkjob(1, 1, "dm.check", 0));  /* normal: not counted */
    answers a = {0};
    collect(&w, &a, 1);
    assert_false(scd_worker_urgent_recently(&w, 60000));
    scd_worker_submit(&w, mkjob(1, 2, "mbms.stkm", 0));
    collect(&w, &a, 2);
    assert_true(scd_worker_urgent_recently(&w, 60000));
    usleep(30000);
    assert_false(scd_worker_urgent_recently(&w, 10)); /* outside a 10 ms window */
    scd_worker_destroy(&w);
}

static void a_stream_of_urgent_work_waits_for_nothing(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 1);
    f.bulk_steps = 20;
    scd_worker_submit(&w, mkjob(1, 1, "fu.hash", 0));
    fake_wait_entered(&f, 1);
    for (int i = 0; i < 10; i++)
        scd_worker_submit(&w, mkjob(2, 100 + i, "gba.naf-key", 0));
    fake_release(&f);
    answers a = {0};
    collect(&w, &a, 11);
    /* every urgent job ran right after the step that was running when it came: no bulk step in between */
    assert_non_null(strstr(f.log, "1.1,100.1,101.1,102.1,103.1,104.1,105.1,106.1,107.1,108.1,109.1,1.2,"));
    assert_non_null(strstr(f.log, "1.20,"));
    scd_worker_destroy(&w);
}

static void cancel_queued_and_running(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 1);
    scd_worker_submit(&w, mkjob(1, 1, "fu.hash", 0));
    fake_wait_entered(&f, 1);
    scd_worker_submit(&w, mkjob(1, 2, "info", 0));
    json_t *id1 = json_integer(1), *id2 = json_integer(2), *id3 = json_integer(3);
    assert_int_equal(scd_worker_cancel(&w, 1, id2), 1);
    assert_int_equal(scd_worker_cancel(&w, 2, id1), 0); /* another client's id: untouched */
    assert_int_equal(scd_worker_cancel(&w, 1, id1), 2);
    assert_int_equal(scd_worker_cancel(&w, 1, id3), 0);
    fake_release(&f);
    answers a = {0};
    collect(&w, &a, 2);
    assert_string_equal(code_of(&a, 2), SCD_E_CANCELLED);
    assert_string_equal(code_of(&a, 1), SCD_E_CANCELLED);
    assert_string_equal(f.log, "1.1,"); /* the stepping job stopped after its running step */
    json_decref(id1);
    json_decref(id2);
    json_decref(id3);
    scd_worker_destroy(&w);
}

static void deadlines(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 1);
    scd_worker_submit(&w, mkjob(1, 1, "info", 0));
    fake_wait_entered(&f, 1);
    uint64_t now = scd_now_ms();
    scd_worker_submit(&w, mkjob(1, 2, "info", now + 20));
    scd_worker_submit(&w, mkjob(1, 3, "info", now + 100000));
    scd_worker_expire(&w, now + 21); /* the socket thread's sweep, while the card is busy */
    answers a = {0};
    collect(&w, &a, 1);
    assert_string_equal(code_of(&a, 2), SCD_E_DEADLINE);
    /* a deadline that passes while queued but before a sweep is caught when the job is taken */
    scd_worker_submit(&w, mkjob(1, 4, "info", now));
    fake_release(&f);
    collect(&w, &a, 4);
    assert_string_equal(code_of(&a, 4), SCD_E_DEADLINE);
    assert_string_equal(code_of(&a, 3), "ok");
    assert_string_equal(f.log, "1.1,3.1,");
    scd_worker_destroy(&w);
}

static void *stopper(void *arg)
{
    scd_worker_stop(arg);
    return NULL;
}

static void shutdown_answers_everything(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 1);
    scd_worker_submit(&w, mkjob(1, 1, "info", 0));
    fake_wait_entered(&f, 1);
    scd_worker_submit(&w, mkjob(1, 2, "info", 0));
    scd_worker_submit(&w, mkjob(2, 3, "fu.hash", 0));
    pthread_t t;
    pthread_create(&t, NULL, stopper, &w);
    while (1) { /* until the stop flag is up */
        pthread_mutex_lock(&w.mu);
        int s = w.stopping;
        pthread_mutex_unlock(&w.mu);
        if (s)
            break;
        usleep(1000);
    }
    fake_release(&f);
    pthread_join(t, NULL);
    scd_job *late = mkjob(1, 9, "info", 0);
    assert_int_equal(scd_worker_submit(&w, late), -1); /* refused: the caller still owns it */
    scd_job_free(late);
    answers a = {0};
    collect(&w, &a, 3);
    assert_string_equal(code_of(&a, 1), "ok"); /* the running one finished */
    assert_string_equal(code_of(&a, 2), SCD_E_SHUTDOWN);
    assert_string_equal(code_of(&a, 3), SCD_E_SHUTDOWN);
    scd_worker_destroy(&w);
}

static void dropped_client_leaves_nothing(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 1);
    scd_worker_submit(&w, mkjob(2, 1, "fu.hash", 0));
    fake_wait_entered(&f, 1);
    scd_worker_submit(&w, mkjob(2, 2, "info", 0));
    scd_worker_submit(&w, mkjob(1, 3, "info", 0));
    scd_worker_drop_client(&w, 2);
    assert_int_equal(scd_worker_queued(&w), 1);
    fake_release(&f);
    answers a = {0};
    collect(&w, &a, 2); /* job 1 ends cancelled (nobody reads it), job 3 runs */
    assert_string_equal(code_of(&a, 1), SCD_E_CANCELLED);
    assert_string_equal(code_of(&a, 3), "ok");
    assert_string_equal(f.log, "1.1,3.1,");
    scd_worker_destroy(&w);
}

static void events_in_order(void **state)
{
    (void)state;
    fake f;
    scd_worker w;
    start(&f, &w, 0);
    scd_worker_post_event(&w, scd_event("card-removed", NULL));
    scd_worker_post_event(&w, scd_event("card-inserted", NULL));
    scd_job *l = scd_worker_take_done(&w);
    assert_non_null(l);
    assert_string_equal(json_string_value(json_object_get(l->result, "event")), "card-removed");
    assert_string_equal(json_string_value(json_object_get(l->next->result, "event")), "card-inserted");
    scd_job_free(l->next);
    scd_job_free(l);
    scd_worker_destroy(&w);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(queue_order),
    cmocka_unit_test(queue_take),
    cmocka_unit_test(urgent_between_bulk_steps),
    cmocka_unit_test(urgent_requests_are_remembered),
    cmocka_unit_test(a_stream_of_urgent_work_waits_for_nothing),
    cmocka_unit_test(cancel_queued_and_running),
    cmocka_unit_test(deadlines),
    cmocka_unit_test(shutdown_answers_everything),
    cmocka_unit_test(dropped_client_leaves_nothing),
    cmocka_unit_test(events_in_order),
};
RUN_SUITE("daemon-queue", tests)
