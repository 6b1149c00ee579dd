/* A small client of scagentd (host/daemon/PROTOCOL.md): connect to its Unix socket, read the hello, call
 * methods with JSON parameters and wait for the answer by id, with events passed to a callback. No PC/SC here:
 * a terminal stack that links only this needs no access to the card.
 *
 * One sca_client is for one thread at a time. Answers that arrive while waiting for another id are kept until
 * their caller waits for them, so several calls may be in flight (sca_client_send, then sca_client_wait). */
#ifndef SCAGENT_CLIENT_H
#define SCAGENT_CLIENT_H

#include <jansson.h>

#include "scagent/error.h"

typedef struct sca_client sca_client;

/* The socket: $SCAGENT_SOCKET, else /run/scagent/scagentd.sock. */
const char *sca_client_default_socket(void);

/* Connect and read the hello (within timeout_ms; <= 0: 5 s). SCA_E_NO_SERVICE when nothing listens,
 * SCA_E_PROTOCOL when the peer is not scagentd protocol 1. */
sca_rc sca_client_connect(const char *path, int timeout_ms, sca_client **out, sca_error *err);
void sca_client_close(sca_client *c);

/* The hello object ({"protocol", "server", "version", "capabilities", "roles", "limits"}); borrowed. */
const json_t *sca_client_hello(const sca_client *c);
/* 1 when the hello lists `method` among the capabilities of this connection. */
int sca_client_can(const sca_client *c, const char *method);

/* Events ({"event": "card-removed", ...}) as they arrive while the client reads; `event` is borrowed. */
typedef void (*sca_client_event_cb)(const json_t *event, void *user);
void sca_client_on_event(sca_client *c, sca_client_event_cb cb, void *user);

/* Send a request; `params` (may be NULL) is stolen. `*id` gets the request's id. */
sca_rc sca_client_send(sca_client *c, const char *method, json_t *params, json_int_t *id, sca_error *err);
/* Wait for the answer to `id` (timeout_ms <= 0: no limit). Success: *result owns the "result" object. A daemon
 * error becomes an sca_error: its class from the code (library codes map back to their sca_rc; denied ->
 * SCA_E_DENIED, deadline/cancel -> SCA_E_TIMEOUT, protocol codes -> SCA_E_INVALID_ARG / SCA_E_PROTOCOL), the
 * status word in err->sw, the message prefixed with the code; sca_client_last_code() has the code itself. */
sca_rc sca_client_wait(sca_client *c, json_int_t id, int timeout_ms, json_t **result, sca_error *err);
/* send + wait. */
sca_rc sca_client_call(sca_client *c, const char *method, json_t *params, int timeout_ms, json_t **result,
                       sca_error *err);
/* The daemon's error code of the last failed wait ("wrong-pin", "denied", ...), "" when none. */
const char *sca_client_last_code(const sca_client *c);
/* Read whatever has arrived without blocking and hand the events to the callback. */
sca_rc sca_client_poll_events(sca_client *c, sca_error *err);
/* The socket, for a caller's own poll loop. */
int sca_client_fd(const sca_client *c);

#endif
