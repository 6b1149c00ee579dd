/* The card executor and the handlers over the scripted card: fu.hash cut into one transaction per chunk with
 * the FU_HASH P1 sequence of sca_fu_hash_on_card, the per-connection PIN state, and the card events (reset,
 * removal) with the card-derived state dropped. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cardexec.h"
#include "fake_exec.h"
#include "harness.h"
#include "scripted.h"

#define OPEN_NONE {"0070000001", "6881"}
#define SELECT_CH0 {"00A4040009F053434147454E540100", "9000"}

__attribute__((constructor)) static void watchdog(void)
{
    alarm(120);
}

typedef struct rig {
    fake f;
    scd_worker w; /* only its event list is used */
    scd_cardctx x;
    scd_executor ex;
    sca_transport *tr;
} rig;

static void rig_open(rig *r, sca_transport *tr)
{
    memset(r, 0, sizeof *r);
    fake_init(&r->f);
    scd_executor fe = fake_executor(&r->f);
    assert_int_equal(scd_worker_start(&r->w, &fe), 0);
    scd_config cfg;
    scd_config_defaults(&cfg);
    cfg.hash_chunk = 4;
    scd_cardctx_init(&r->x, &cfg, &r->w);
    r->tr = tr;
    sca_error err;
    assert_int_equal(sca_card_attach(tr, NULL, &r->x.card, &err), SCA_OK);
    r->x.generation = sca_card_generation(r->x.card);
    r->x.present = 1;
    r->ex = scd_cardexec(&r->x, 1000);
}

static void rig_close(rig *r)
{
    assert_false(scripted_mismatch(r->tr));
    assert_int_equal(scripted_left(r->tr), 0);
    r->x.mode = SCD_CARD_NONE;
    r->ex.stop(&r->x);
    scd_worker_destroy(&r->w);
}

/* Run a job to its end as the card thread would (steps counted); returns the number of steps. */
static int run(rig *r, scd_job *j)
{
    int steps = 1;
    while (r->ex.run(&r->x, j) == SCD_STEP_AGAIN) {
        j->steps++;
        steps++;
        assert_true(steps < 100);
    }
    return steps;
}

static scd_job *job(uint64_t client, const char *method, const char *params)
{
    scd_job *j = calloc(1, sizeof *j);
    char buf[512];
    snprintf(buf, sizeof buf, "{\"id\":1,\"method\":\"%s\",\"params\":%s}", method, params ? params : "{}");
    j->root = json_loads(buf, 0, NULL);
    assert_non_null(j->root);
    j->id = json_object_get(j->root, "id");
    j->params = json_object_get(j->root, "params");
    j->method = scd_method_find(method);
    assert_non_null(j->method);
    char msg[200];
    if (scd_params_check(j->method->params, j->params, 1000, msg, sizeof msg) != 0)
        fail_msg("%s", msg);
    j->client = client;
    return j;
}

static int events(rig *r, const char *name)
{
    int n = 0;
    for (scd_job *l = scd_worker_take_done(&r->w), *next; l; l = next) {
        next = l->next;
        if (!strcmp(json_string_value(json_object_get(l->result, "event")), name))
            n++;
        scd_job_free(l);
    }
    return n;
}

static void hash_in_chunks(void **state)
{
    (void)state;
    rig r;
    /* 10 bytes (00..09) with "first", then 3 bytes (0A..0C) with "last": 4 + 4 + 2 + 3 */
    rig_open(&r, scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"803801000400010203", "9000"},
                                            {"803802000404050607", "9000"}, {"8038020002" "0809", "9000"},
                                            {"80380300030A0B0C", "9000"})));
    scd_job *a = job(7, "fu.hash", "{\"data\":\"AAECAwQFBgcICQ==\",\"first\":true}");
    assert_int_equal(run(&r, a), 3);
    assert_null(a->ecode);
    assert_int_equal(json_integer_value(json_object_get(a->result, "bytes")), 10);
    scd_job *other = job(8, "fu.hash", "{\"data\":\"AA==\"}"); /* another connection cannot continue it */
    run(&r, other);
    assert_string_equal(other->ecode, "conditions");
    scd_job *b = job(7, "fu.hash", "{\"data\":\"CgsM\",\"last\":true}");
    assert_int_equal(run(&r, b), 1);
    assert_null(b->ecode);
    assert_true(json_is_true(json_object_get(b->result, "matched")));
    assert_int_equal(json_integer_value(json_object_get(b->result, "total")), 13);
    assert_int_equal(r.x.hash_owner, 0);
    scd_job_free(a);
    scd_job_free(other);
    scd_job_free(b);
    rig_close(&r);
}

static void hash_one_chunk_and_mismatch(void **state)
{
    (void)state;
    rig r;
    /* the whole package in the first chunk: 01 with it, then an empty 03 (as sca_fu_hash_on_card does) */
    rig_open(&r, scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"80380100020102", "9000"},
                                            {"80380300", "9000"}, {"80380100020102", "9000"},
                                            {"80380300", "6A80"})));
    scd_job *a = job(7, "fu.hash", "{\"data\":\"AQI=\",\"first\":true,\"last\":true}");
    assert_int_equal(run(&r, a), 2);
    assert_null(a->ecode);
    scd_job *b = job(7, "fu.hash", "{\"data\":\"AQI=\",\"first\":true,\"last\":true}");
    run(&r, b);
    assert_string_equal(b->ecode, "crypto"); /* the card's digest or size did not match the manifest */
    assert_non_null(strstr(b->emsg, "does not match"));
    assert_int_equal(b->sw, 0x6A80);
    scd_job_free(a);
    scd_job_free(b);
    rig_close(&r);
}

static void pin_state_per_connection_and_reset(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"002000810831323334FFFFFFFF", "9000"},
                                            {"80CADF3300", "0303059000"}, {"80CADF3300", "0303059000"},
                                            {"BEGIN", NULL, SCA_E_CARD_RESET}, OPEN_NONE, SELECT_CH0)));
    scd_job *v = job(1, "pin.verify", "{\"pin\":\"1234\"}");
    run(&r, v);
    assert_null(v->ecode);
    assert_int_equal(r.x.pin_owner, 1);
    scd_job *s1 = job(1, "pin.status", NULL), *s2 = job(2, "pin.status", NULL);
    run(&r, s1);
    run(&r, s2);
    assert_true(json_is_true(json_object_get(s1->result, "verified")));
    assert_true(json_is_false(json_object_get(s2->result, "verified"))); /* not by this connection */
    assert_true(json_is_true(json_object_get(s2->result, "verified_on_card")));
    /* client 2 may not lean on client 1's PIN */
    scd_job *k = job(2, "gba.naf-key", "{\"naf_fqdn\":\"bmsc.example\"}");
    run(&r, k);
    assert_string_equal(k->ecode, "denied");
    /* a reset by another application: the PIN is lost, announced, and forgotten here too */
    scd_job *s3 = job(1, "pin.status", NULL);
    run(&r, s3);
    assert_string_equal(s3->ecode, "card-reset");
    assert_int_equal(events(&r, "card-reset"), 1);
    assert_int_equal(r.x.pin_owner, 0);
    scd_job *free_list[] = {v, s1, s2, k, s3};
    for (size_t i = 0; i < 5; i++)
        scd_job_free(free_list[i]);
    rig_close(&r);
}

static void removal_drops_the_card(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"80CADF3F00", NULL, SCA_E_CARD_REMOVED})));
    r.x.pin_owner = 5;
    scd_job *i = job(1, "info", NULL);
    run(&r, i);
    assert_string_equal(i->ecode, "card-removed");
    assert_null(r.x.card);
    assert_int_equal(r.x.pin_owner, 0);
    assert_int_equal(events(&r, "card-removed"), 1);
    /* without a card every card method answers at once (mode none here: no PC/SC in unit tests) */
    r.x.mode = SCD_CARD_NONE;
    scd_job *i2 = job(1, "info", NULL);
    run(&r, i2);
    assert_string_equal(i2->ecode, "no-card");
    assert_int_equal(events(&r, "card-removed"), 0); /* announced once */
    /* a perso method checks its issuer keys before the card: none configured, not-supported without a card too */
    scd_job *perso = job(1, "perso.dm", NULL);
    run(&r, perso);
    assert_string_equal(perso->ecode, "not-supported");
    scd_job_free(i);
    scd_job_free(i2);
    scd_job_free(perso);
    r.ex.stop(&r.x); /* (the transport went with the card: nothing left to check on it) */
    scd_worker_destroy(&r.w);
}

/* pcscd restarted under the daemon: the library reports SCA_E_NO_SERVICE for the stale handle. The card is closed
 * (and the poll's context with it), the state dropped, card-removed announced, and until the retry is due every
 * request fails at once with no-service instead of waiting for pcscd. */
static void pcscd_restart_closes_and_fails_fast(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"80CADF3F00", NULL, SCA_E_NO_SERVICE})));
    r.x.pin_owner = 5;
    r.x.hash_owner = 5;
    scd_job *i = job(1, "info", NULL);
    run(&r, i);
    assert_string_equal(i->ecode, "no-service");
    assert_null(r.x.card);
    assert_int_equal(r.x.pin_owner, 0);
    assert_int_equal(r.x.hash_owner, 0);
    assert_int_equal(r.x.have_pcsc, 0);
    assert_int_equal(events(&r, "card-removed"), 1);
    assert_int_equal(r.x.down_rc, SCA_E_NO_SERVICE);
    assert_true(r.x.next_open_ms > scd_now_ms()); /* a retry is scheduled, not attempted per request */
    /* the card mode is still pcsc: within the backoff nothing touches PC/SC, the answer comes at once */
    uint64_t t0 = scd_now_ms();
    for (int k = 0; k < 20; k++) {
        scd_job *again = job(2, "pin.status", NULL);
        run(&r, again);
        assert_string_equal(again->ecode, "no-service");
        assert_non_null(strstr(again->emsg, "retries"));
        scd_job_free(again);
    }
    assert_true(scd_now_ms() - t0 < 100);
    assert_int_equal(events(&r, "card-removed"), 0); /* announced once */
    scd_job_free(i);
    r.x.mode = SCD_CARD_NONE;
    r.ex.stop(&r.x);
    scd_worker_destroy(&r.w);
}

/* An invalid handle after the restart comes back as a transport error: the same recovery. */
static void stale_handle_closes_the_card(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0, {"80CADF3300", NULL, SCA_E_TRANSPORT})));
    scd_job *i = job(1, "pin.status", NULL);
    run(&r, i);
    assert_null(r.x.card);
    assert_int_equal(events(&r, "card-removed"), 1);
    scd_job *again = job(1, "info", NULL);
    run(&r, again);
    assert_string_equal(again->ecode, "card-removed"); /* the recorded reason, at once */
    scd_job_free(i);
    scd_job_free(again);
    r.x.mode = SCD_CARD_NONE;
    r.ex.stop(&r.x);
    scd_worker_destroy(&r.w);
}

/* A process's connections share its PIN verification; another process's do not. */
static void pin_shared_within_a_process(void **state)
{
    (void)state;
    rig r;
    rig_open(&r, scripted_new(1, 255, STEPS(OPEN_NONE, SELECT_CH0)));
    scd_job a = {.client = 1, .pid = 100, .uid = 7}, b = {.client = 2, .pid = 100, .uid = 7},
            c = {.client = 3, .pid = 101, .uid = 7}, d = {.client = 4, .pid = 0, .uid = 7};
    scd_pin_owner_set(&r.x, &a);
    assert_true(scd_pin_mine(&r.x, &a));
    assert_true(scd_pin_mine(&r.x, &b));
    assert_false(scd_pin_mine(&r.x, &c));
    assert_false(scd_pin_mine(&r.x, &d));
    scd_pin_owner_set(&r.x, &d); /* no pid known: only that connection */
    assert_true(scd_pin_mine(&r.x, &d));
    scd_job e = {.client = 5, .pid = 0, .uid = 7};
    assert_false(scd_pin_mine(&r.x, &e));
    scd_pin_owner_set(&r.x, NULL);
    assert_false(scd_pin_mine(&r.x, &a));
    rig_close(&r);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(pcscd_restart_closes_and_fails_fast),
    cmocka_unit_test(stale_handle_closes_the_card),
    cmocka_unit_test(pin_shared_within_a_process),
    cmocka_unit_test(hash_in_chunks),
    cmocka_unit_test(hash_one_chunk_and_mismatch),
    cmocka_unit_test(pin_state_per_connection_and_reset),
    cmocka_unit_test(removal_drops_the_card),
};
RUN_SUITE("daemon-cardexec", tests)
