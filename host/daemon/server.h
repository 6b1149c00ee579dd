/* The socket thread: accepts connections (peer credentials), frames and checks requests, queues them for the
 * card thread, writes answers and events through per-connection output queues, and enforces the read, idle
 * and output limits so that a slow or vanished client never blocks the others. */
#ifndef SCD_SERVER_H
#define SCD_SERVER_H

#include <stddef.h>

#include "config.h"
#include "worker.h"

typedef struct scd_server scd_server;

/* Called on SIGHUP: fill `cfg` with the new configuration, 0 on success (the old one stays on failure). */
typedef int (*scd_reload_fn)(scd_config *cfg, void *ctx);

/* `listen_fds`: listening sockets (non-blocking). `sig_fd`: the read end of the signal self-pipe: a byte 'T'
 * is a shutdown request, 'H' a reload. */
scd_server *scd_server_new(const scd_config *cfg, const int *listen_fds, size_t n_listen, int sig_fd, scd_worker *w,
                           scd_reload_fn reload, void *reload_ctx);
/* The loop; returns at shutdown after answering what was in flight and flushing (bounded) the output. */
int scd_server_run(scd_server *s);
void scd_server_free(scd_server *s);

/* The hello object (new reference) for a peer with `roles`: protocol, server, version, capabilities (the
 * methods this peer may call), limits. Exposed for the unit tests. */
json_t *scd_hello(const scd_config *cfg, unsigned roles);

#define SCD_VERSION "0.1.0"

#endif
