/* Logging for libscagent: levels, a replaceable sink, and APDU traces with secrets masked. */
#ifndef SCAGENT_LOG_H
#define SCAGENT_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum sca_log_level {
    SCA_LOG_ERROR = 0,
    SCA_LOG_WARN = 1,
    SCA_LOG_INFO = 2,
    SCA_LOG_DEBUG = 3, /* APDU traces */
} sca_log_level;

typedef void (*sca_log_sink)(sca_log_level level, const char *line, void *user);

/* Messages at `level` or below are emitted. Default: SCA_LOG_WARN, or the value of the environment variable
 * SCAGENT_LOG (error|warn|info|debug) read on first use. */
void sca_log_set_level(sca_log_level level);
sca_log_level sca_log_get_level(void);
/* Replace the sink (default: stderr, "scagent: <level>: <line>"). NULL restores the default. */
void sca_log_set_sink(sca_log_sink sink, void *user);

void sca_log(sca_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define sca_log_enabled(level) ((level) <= sca_log_get_level())

/* Hex helpers (upper case, space separated when `spaced`). `out` must hold 3*len+1 bytes. */
/* The value of one hex digit (either case), or -1. */
int sca_hex_digit(int c);
void sca_hex_encode(const uint8_t *in, size_t len, char *out, int spaced);
/* Parse hex (spaces, colons and tabs between bytes allowed). Returns the byte count or -1 when malformed or
 * longer than `cap`. */
long sca_hex_decode(const char *in, uint8_t *out, size_t cap);

#endif
