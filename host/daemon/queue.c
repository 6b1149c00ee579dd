/* Priority queue of jobs: three singly linked FIFO lists. Queues stay short (a cap per client), so the linear
 * scans of cancel and expiry cost nothing next to one APDU. */
#include "queue.h"

#include <string.h>

void scd_queue_init(scd_queue *q)
{
    memset(q, 0, sizeof *q);
}

void scd_queue_push(scd_queue *q, scd_job *j)
{
    int p = j->prio < SCD_PRIO__COUNT ? (int)j->prio : SCD_PRIO_NORMAL;
    j->next = NULL;
    if (q->tail[p])
        q->tail[p]->next = j;
    else
        q->head[p] = j;
    q->tail[p] = j;
    q->count++;
}

scd_job *scd_queue_pop(scd_queue *q)
{
    for (int p = 0; p < SCD_PRIO__COUNT; p++) {
        scd_job *j = q->head[p];
        if (j) {
            q->head[p] = j->next;
            if (q->head[p] == NULL)
                q->tail[p] = NULL;
            j->next = NULL;
            q->count--;
            return j;
        }
    }
    return NULL;
}

/* Unlink every job matching `pred` into a list (in order); stop after the first when `once`. */
static scd_job *take_if(scd_queue *q, int (*pred)(const scd_job *, const void *), const void *arg, int once)
{
    scd_job *out = NULL, **out_tail = &out;
    for (int p = 0; p < SCD_PRIO__COUNT; p++) {
        scd_job **pp = &q->head[p], *prev = NULL;
        while (*pp) {
            scd_job *j = *pp;
            if (pred(j, arg)) {
                *pp = j->next;
                if (q->tail[p] == j)
                    q->tail[p] = prev;
                j->next = NULL;
                *out_tail = j;
                out_tail = &j->next;
                q->count--;
                if (once)
                    return out;
            } else {
                prev = j;
                pp = &j->next;
            }
        }
    }
    return out;
}

struct match {
    uint64_t client;
    const json_t *id;
};

static int by_id(const scd_job *j, const void *arg)
{
    const struct match *m = arg;
    return j->client == m->client && j->id != NULL && json_equal(j->id, (json_t *)m->id);
}

static int by_client(const scd_job *j, const void *arg)
{
    uint64_t c = *(const uint64_t *)arg;
    return c == 0 || j->client == c;
}

static int by_deadline(const scd_job *j, const void *arg)
{
    return j->deadline_ms <= *(const uint64_t *)arg;
}

scd_job *scd_queue_take(scd_queue *q, uint64_t client, const json_t *id)
{
    struct match m = {client, id};
    return take_if(q, by_id, &m, 1);
}

scd_job *scd_queue_take_client(scd_queue *q, uint64_t client)
{
    return take_if(q, by_client, &client, 0);
}

scd_job *scd_queue_take_expired(scd_queue *q, uint64_t now)
{
    return take_if(q, by_deadline, &now, 0);
}
