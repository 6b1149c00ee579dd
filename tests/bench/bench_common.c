/* Shared by the benchmarks (bench_common.h). */
#include "bench_common.h"

#include <stdlib.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct counting {
    sca_transport base;
    sca_transport *inner;
    unsigned long apdus;
} counting;

static sca_rc c_transmit(sca_transport *t, const uint8_t *cmd, size_t n, uint8_t *r, size_t *rn, sca_error *err)
{
    counting *c = (counting *)t;
    c->apdus++;
    return c->inner->ops->transmit(c->inner, cmd, n, r, rn, err);
}

static sca_rc c_begin(sca_transport *t, sca_error *err)
{
    counting *c = (counting *)t;
    return c->inner->ops->begin(c->inner, err);
}

static void c_end(sca_transport *t)
{
    counting *c = (counting *)t;
    c->inner->ops->end(c->inner);
}

static void c_close(sca_transport *t)
{
    counting *c = (counting *)t;
    c->inner->ops->close(c->inner);
    free(c);
}

static const struct sca_transport_ops counting_ops = {c_transmit, c_begin, c_end, c_close};

sca_transport *bench_counting(sca_transport *inner, unsigned long **count)
{
    counting *c = calloc(1, sizeof *c);
    if (c == NULL)
        abort();
    c->base = *inner;
    c->base.ops = &counting_ops;
    c->inner = inner;
    *count = &c->apdus;
    return &c->base;
}
