/* Job helpers. */
#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t scd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void scd_job_free(scd_job *j)
{
    if (j == NULL)
        return;
    if (j->free_state && j->state)
        j->free_state(j->state);
    json_decref(j->root);
    json_decref(j->result);
    free(j);
}

void scd_job_fail(scd_job *j, const char *code, const char *msg)
{
    json_decref(j->result);
    j->result = NULL;
    j->ecode = code;
    snprintf(j->emsg, sizeof j->emsg, "%s", msg ? msg : code);
}
