/* Shared by the benchmarks: a monotonic clock, and a transport that counts the APDUs it carries in front of the
 * PC/SC one (for "APDUs per operation" figures). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include "scagent/transport.h"

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Wraps `inner` (taking ownership: closing the wrapper closes it); *count is incremented per APDU. */
sca_transport *bench_counting(sca_transport *inner, unsigned long **count);

#endif
