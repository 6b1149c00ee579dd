/* The card thread's priority queue: FIFO within each priority, urgent before normal before bulk. Plain data:
 * the worker holds its lock around every call. */
#ifndef SCD_QUEUE_H
#define SCD_QUEUE_H

#include <stddef.h>

#include "job.h"

typedef struct scd_queue {
    scd_job *head[SCD_PRIO__COUNT], *tail[SCD_PRIO__COUNT];
    size_t count;
} scd_queue;

void scd_queue_init(scd_queue *q);
void scd_queue_push(scd_queue *q, scd_job *j);
/* The next job by priority, or NULL. */
scd_job *scd_queue_pop(scd_queue *q);
/* Remove and return the first job of `client` whose id equals `id` (json_equal), or NULL. */
scd_job *scd_queue_take(scd_queue *q, uint64_t client, const json_t *id);
/* Remove every job of `client` (0: every job) into a list linked by ->next, in queue order. */
scd_job *scd_queue_take_client(scd_queue *q, uint64_t client);
/* Remove every job whose deadline is at or before `now` into a list. */
scd_job *scd_queue_take_expired(scd_queue *q, uint64_t now);

#endif
