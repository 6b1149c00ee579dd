/* Registration signalling with a NAF / Rights Issuer (OMA BCAST Smartcard Profile 5.1.7.3; the choices are in
 * applet-spec/bcast-identity.md §8): the MBMS User Service Registration over HTTP(S), with the BCAST_Client_ID in
 * the User-Agent header, the server's request for it ("403 ... send_BCAST_Client_ID"), and the answers carrying
 * an upgrade_available_msg.
 *
 * The identifier and the upgrade message are opaque bytes here: the card makes the first, the upgrade codec
 * verifies the second (signature, NAF anchors, fields). Nothing in this module trusts the upgrade message. */
#ifndef SCAGENT_REGISTER_H
#define SCAGENT_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

#define SCA_REGISTER_MAX_BODY 65536  /* larger response bodies are an error (SCA_E_PARSE) */
#define SCA_REGISTER_MAX_ID 8192     /* largest identifier accepted from the caller */
#define SCA_REGISTER_EXCERPT_MAX 256 /* characters of a refusal's body kept for people */
#define SCA_REGISTER_UPGRADE_TYPE "application/vnd.oma.bcast.upgrade-available-msg" /* our choice, §8 */
/* The default request: TS 26.346's registration document for one test service, with the IANA type 3GPP
 * registered for it. Real terminals pass their own body (the service IDs they want). */
#define SCA_REGISTER_DEFAULT_TYPE "application/mbms-register+xml"
#define SCA_REGISTER_DEFAULT_BODY                                                                               \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                                              \
    "<mbmsUserServiceRegistration>\n"                                                                           \
    "  <serviceId>urn:scagent:bcast:test-service</serviceId>\n"                                                 \
    "</mbmsUserServiceRegistration>\n"

typedef enum sca_register_outcome {
    SCA_REG_ACCEPTED = 0,     /* 2xx, the normal registration answer (5.1.7.3.5) */
    SCA_REG_UPGRADE_OPTIONAL, /* 200 with an upgrade_available_msg */
    SCA_REG_UPGRADE_CRITICAL, /* 403 with an upgrade_available_msg: upgrade before the service is granted */
    SCA_REG_REFUSED,          /* anything else: other 4xx/5xx, a redirect, the identifier asked for twice */
} sca_register_outcome;

typedef struct sca_register_opts {
    const char *url;            /* http:// or https:// registration URL (e.g. .../keymanagement?requesttype=register) */
    const uint8_t *client_id;   /* the BCAST_Client_ID bytes; NULL with id_len 0 when the terminal has none */
    size_t id_len;              /* 0: answer a request for the identifier with an empty User-Agent (5.1.7.3.3) */
    int id_on_request_only;     /* 1: leave it off the initial POST, send it only when the NAF asks */
    const void *body;           /* request body; NULL: SCA_REGISTER_DEFAULT_BODY */
    size_t body_len;
    const char *content_type;   /* NULL: SCA_REGISTER_DEFAULT_TYPE (or the caller's when body is given) */
    long timeout_ms;            /* whole exchange per request; 0: 30000 */
    const char *ca_file;        /* https: PEM file of trusted CAs; NULL: the system's */
    int verbose;                /* log the HTTP headers (never bodies) through sca_log at SCA_LOG_INFO */
} sca_register_opts;

typedef struct sca_register_result {
    sca_register_outcome outcome;
    int http_status;            /* of the final response */
    int id_sent_initially;      /* the identifier was on the initial POST */
    int id_requested;           /* the NAF asked for it (403 send_BCAST_Client_ID) and we answered with a GET */
    int id_sent_on_request;     /* that GET carried the identifier (0: an empty User-Agent) */
    uint8_t *upgrade_msg;       /* UPGRADE_*: the body as received, NOT verified; malloc'd */
    size_t upgrade_len;
    uint8_t *body;              /* ACCEPTED: the registration answer as received (NUL-terminated too); malloc'd */
    size_t body_len;
    char *excerpt;              /* REFUSED: up to SCA_REGISTER_EXCERPT_MAX printable characters of the body */
    char reason[160];           /* REFUSED: why, in words */
} sca_register_result;

/* Run the registration exchange. Returns SCA_OK whenever the NAF answered: its decision is in `r`, also a
 * refusal. Errors: SCA_E_INVALID_ARG (options), SCA_E_TRANSPORT (no connection, TLS failure), SCA_E_TIMEOUT,
 * SCA_E_PARSE (a body over SCA_REGISTER_MAX_BODY), SCA_E_NO_MEMORY. `r` is always initialized; free it with
 * sca_register_result_free. Thread-safe (one curl handle per call). */
sca_rc sca_register(const sca_register_opts *o, sca_register_result *r, sca_error *err);
void sca_register_result_free(sca_register_result *r);
const char *sca_register_outcome_name(sca_register_outcome o); /* "accepted", "upgrade-optional", ... */

/* --- the pure parts, for tests, fuzzing and other transports ---------------------------------------------- */

/* What one response means. `ctype` is the Content-Type header value (NULL or any bytes, `ctype_len` long;
 * parameters after ';' ignored, case-insensitive). Sets *asks_id when it is the request for the identifier
 * (403 whose body contains "send_BCAST_Client_ID"); the outcome is then SCA_REG_REFUSED (what it means if not
 * answered). Never reads outside the given lengths. */
sca_register_outcome sca_register_classify(long status, const char *ctype, size_t ctype_len, const uint8_t *body,
                                           size_t len, int *asks_id);
/* `body` as one line for people: printable ASCII kept, runs of white space and other bytes become one space or
 * '.', at most cap-1 characters (an ellipsis "..." marks a cut), always NUL-terminated when cap > 0. */
void sca_register_excerpt(const uint8_t *body, size_t len, char *out, size_t cap);

#endif
