/* The wire protocol of scagentd (PROTOCOL.md): newline-delimited JSON framing, request parsing and the
 * response, error and event objects. Pure: no sockets, no card, so the unit tests and the fuzzer drive it. */
#ifndef SCD_PROTO_H
#define SCD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SCD_PROTOCOL_VERSION 1
#define SCD_ID_STRING_MAX 128

/* Protocol error codes (the card and library errors use sca_rc_name()). */
#define SCD_E_PARSE "parse-error"          /* not JSON */
#define SCD_E_INVALID "invalid-request"    /* JSON, but not a request object */
#define SCD_E_TOO_LARGE "too-large"        /* a line above max_message */
#define SCD_E_TOO_DEEP "too-deep"          /* nesting above max_depth */
#define SCD_E_UNKNOWN "unknown-method"
#define SCD_E_BAD_PARAMS "bad-params"
#define SCD_E_DENIED "denied"
#define SCD_E_BUSY "busy"                  /* too many requests in flight on this connection */
#define SCD_E_CANCELLED "cancelled"
#define SCD_E_DEADLINE "deadline-exceeded"
#define SCD_E_SHUTDOWN "shutting-down"
#define SCD_E_NOT_SUPPORTED "not-supported"
#define SCD_E_TIMEOUT "read-timeout"

/* --- framing ---------------------------------------------------------------------------------------------- */
/* Called for each complete line (without "\n" or a trailing "\r"); line == NULL means "a line longer than the
 * limit ended here" (its bytes were discarded). Empty lines are skipped. */
typedef void (*scd_line_cb)(const char *line, size_t len, void *ctx);

typedef struct scd_framer {
    char *buf;        /* the unfinished line */
    size_t len, cap;
    size_t max;       /* the longest line accepted, without its newline */
    int discarding;   /* inside a line that is already too long: drop bytes until its newline */
} scd_framer;

void scd_framer_init(scd_framer *f, size_t max);
void scd_framer_free(scd_framer *f);
/* Feed received bytes; memory stays below max + 1 bytes per connection whatever the peer sends. Returns -1 on
 * out of memory. */
int scd_framer_feed(scd_framer *f, const char *data, size_t n, scd_line_cb cb, void *ctx);
/* 1 while part of a line (or a discarded one) is pending: the read timeout runs. */
int scd_framer_partial(const scd_framer *f);

/* --- requests --------------------------------------------------------------------------------------------- */
typedef struct scd_request {
    json_t *root;       /* owns everything below */
    json_t *id;         /* borrowed; NULL only when the request is rejected before its id was known */
    const char *method; /* borrowed */
    json_t *params;     /* borrowed; an empty object when absent */
} scd_request;

typedef struct scd_proto_error {
    const char *code;   /* SCD_E_* */
    char message[200];
} scd_proto_error;

/* The deepest nesting of arrays and objects in a JSON text, computed on the bytes (strings skipped) so a
 * hostile line never builds a deep tree. */
unsigned scd_json_depth(const char *s, size_t n);

/* Parse one line into a request: a JSON object with "id" (integer or string of at most 128 bytes), "method"
 * (string) and optional "params" (object); nothing else. On failure returns -1, fills `e`, and leaves in
 * out->id the request's id when it could be read (else NULL) so the error can echo it; out->root is then still
 * owned by the caller (scd_request_free). */
int scd_request_parse(const char *line, size_t len, unsigned max_depth, scd_request *out, scd_proto_error *e);
void scd_request_free(scd_request *r);

/* --- answers (new references; `id` is copied, NULL gives "id": null) -------------------------------------- */
json_t *scd_result(json_t *id, json_t *result /* stolen */);
json_t *scd_error(json_t *id, const char *code, const char *message, uint16_t sw);
json_t *scd_event(const char *name, json_t *data /* stolen, may be NULL */);
/* The object as one line with its newline, in a new buffer (free()). */
char *scd_dump_line(const json_t *obj, size_t *len);

#endif
