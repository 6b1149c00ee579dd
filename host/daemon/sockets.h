/* The listening socket: from systemd (LISTEN_PID/LISTEN_FDS, parsed here without libsystemd) or made at the
 * configured path with the configured mode and group. */
#ifndef SCD_SOCKETS_H
#define SCD_SOCKETS_H

#include <stddef.h>

#include "config.h"

/* The sockets systemd passed (fds from 3), made non-blocking and close-on-exec; the variables are removed so
 * children never see them. Returns how many (0: not socket-activated). */
size_t scd_listen_fds(int *fds, size_t cap);
/* Create the socket at cfg->socket_path: the runtime directory when missing (0750, the socket's group), a
 * stale socket removed (a live one is an error: another scagentd runs), bound with cfg->socket_mode and
 * cfg->socket_group. */
sca_rc scd_listen_path(const scd_config *cfg, int *fd, sca_error *err);

#endif
