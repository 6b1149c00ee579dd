/* One queued request (or an event) on its way from the socket thread to the card thread and back. The socket
 * thread builds it and gives it away; the card thread fills in the answer; the socket thread sends it and
 * frees it. Exactly one thread touches a job at a time (the hand-over goes through the worker's mutex). */
#ifndef SCD_JOB_H
#define SCD_JOB_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "scagent/error.h"

struct scd_method;

typedef enum scd_prio {
    SCD_PRIO_URGENT = 0, /* latency-critical: PIN, info, the STKM->TEK path */
    SCD_PRIO_NORMAL = 1,
    SCD_PRIO_BULK = 2,   /* long work split in steps: fu.hash */
    SCD_PRIO__COUNT
} scd_prio;

typedef struct scd_job {
    struct scd_job *next;
    uint64_t client;          /* the connection's serial number (fds are reused, serials are not) */
    uint64_t seq;             /* submission order, for FIFO within a priority */
    uint64_t deadline_ms;     /* monotonic clock, ms */
    const struct scd_method *method; /* NULL: an event */
    json_t *root;             /* the request (owns id and params) */
    json_t *id;               /* borrowed from root */
    json_t *params;           /* borrowed from root */
    uid_t uid;
    pid_t pid;                /* the peer's (SO_PEERCRED): connections of one process share the PIN state */
    scd_prio prio;
    int cancelled;            /* set under the worker's lock; a stepping job stops at its next step */
    int steps;                /* steps run so far */
    void *state;              /* a stepping handler's progress, freed with free_state */
    void (*free_state)(void *state);
    /* off-card work (HTTP round trips): the job runs on a thread of its own and sends its card steps to the card
     * thread as sub-jobs (scd_worker_card_step), so the card thread never waits for the network */
    int offcard;
    struct scd_job *off_next;  /* the worker's list of running off-card jobs */
    struct scd_job *parent;    /* a sub-job: its waiter is signalled instead of an answer being sent */
    sca_rc (*sub_fn)(void *cardctx, void *arg, sca_error *err);
    void *sub_arg;
    int sub_done;
    const char *sub_ecode;     /* a sub-job failed with a protocol code (cancelled, deadline-exceeded, ...) */
    /* the answer */
    json_t *result;           /* success (owned), or the event object for events */
    int rc;                   /* the sca_rc of a library error (0 otherwise), for the card-state bookkeeping */
    const char *ecode;        /* error: a protocol code or sca_rc_name() */
    char emsg[320];
    uint16_t sw;
} scd_job;

/* The monotonic clock in milliseconds. */
uint64_t scd_now_ms(void);

void scd_job_free(scd_job *j);
/* Record an error answer. */
void scd_job_fail(scd_job *j, const char *code, const char *msg);

#endif
