/* The least that any JSON-over-Unix-socket service puts on top of a one-APDU library call, on this machine and card:
 * a child process with its own card session that reads a request line, parses it with jansson, makes the same
 * library call as the direct baseline (sca_pin_get_status: one transaction, one GET DATA), writes the answer line
 * with jansson and sends it; the caller writes the request line and parses the answer with jansson. No queue, no
 * access control, no parameter checks, no events, no deadlines: only the two socket hops and the JSON that the
 * protocol itself needs (host/daemon/PROTOCOL.md). bench-daemon compares scagentd with it, so that its ratio says
 * how much of the overhead is the daemon's own and how much any such service would add here. */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

#include <sys/types.h>

typedef struct bench_floor {
    pid_t pid;
    int fd;
    unsigned long long id;
    char buf[4096]; /* the answer line being read */
} bench_floor;

/* Fork the server on `reader` (it opens its own session; nothing else may have the applet selected). 0 when it
 * answers; -1 with a message on stderr when it cannot start. */
int bench_floor_start(bench_floor *f, const char *reader);
/* One pin.status round trip through it (a bench_floor *); exits the benchmark on any failure. */
void bench_floor_call(void *f);
/* Close the socket (the server then closes its card session and exits) and wait for it. */
void bench_floor_stop(bench_floor *f);

#endif
