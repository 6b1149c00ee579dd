/* A fake card executor for the daemon's unit tests: records the order in which jobs run, can hold the card
 * thread inside a job (to line up a queue behind it), and makes fu.hash take several steps. */
#ifndef TEST_FAKE_EXEC_H
#define TEST_FAKE_EXEC_H

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "methods.h"
#include "proto.h"
#include "worker.h"

typedef struct fake {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char log[8192];
    int hold;          /* 1: the next run waits here until released */
    int entered;       /* runs started */
    int bulk_steps;    /* steps of an fu.hash job */
    unsigned delay_us; /* per run, as a card would take */
} fake;

static inline void fake_init(fake *f)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->bulk_steps = 3;
}

static inline scd_step fake_run(void *ctx, scd_job *j)
{
    fake *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->entered++;
    pthread_cond_broadcast(&f->cv);
    while (f->hold)
        pthread_cond_wait(&f->cv, &f->mu);
    char tag[64];
    if (json_is_integer(j->id))
        snprintf(tag, sizeof tag, "%lld.%d,", (long long)json_integer_value(j->id), j->steps + 1);
    else
        snprintf(tag, sizeof tag, "%s.%d,", json_string_value(j->id), j->steps + 1);
    if (strlen(f->log) + strlen(tag) < sizeof f->log)
        strcat(f->log, tag);
    pthread_mutex_unlock(&f->mu);
    if (f->delay_us)
        usleep(f->delay_us);
    int need = j->method && !strcmp(j->method->name, "fu.hash") ? f->bulk_steps : 1;
    if (j->steps + 1 < need)
        return SCD_STEP_AGAIN;
    j->result = json_pack("{s:s, s:i}", "method", j->method->name, "steps", j->steps + 1);
    return SCD_STEP_DONE;
}

/* Wait until `n` runs have started (the held one included). */
static inline void fake_wait_entered(fake *f, int n)
{
    pthread_mutex_lock(&f->mu);
    while (f->entered < n)
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
}

static inline void fake_release(fake *f)
{
    pthread_mutex_lock(&f->mu);
    f->hold = 0;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static inline scd_executor fake_executor(fake *f)
{
    scd_executor e = {.run = fake_run, .ctx = f, .idle_ms = 50};
    return e;
}

#endif
