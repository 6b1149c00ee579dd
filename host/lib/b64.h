/* Standard Base64 (RFC 4648 §4) with padding and no line breaks, decoded strictly (internal). */
#ifndef SCA_B64_H
#define SCA_B64_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

/* Encode into a new NUL-terminated string (free()). */
sca_rc sca_b64_encode(const uint8_t *in, size_t len, char **out, sca_error *err);
/* Decode exactly `n` characters of canonical Base64: a multiple of 4, alphabet A-Z a-z 0-9 + /, '=' only as
 * the last one or two, unused bits zero; at most `max` bytes out. New buffer (free(); non-NULL also for 0
 * bytes). SCA_E_PARSE with the position of the first bad character otherwise. */
sca_rc sca_b64_decode(const char *in, size_t n, size_t max, uint8_t **out, size_t *out_len, sca_error *err);
/* Decoded length of exactly `n` characters when they are canonical Base64 by the rules sca_b64_decode applies
 * (the same check, so whatever this accepts decodes, bar the `max` limit), else -1. No allocation: for checking
 * a parameter before it is queued (scagentd's schema). */
long long sca_b64_decoded_len(const char *in, size_t n);

#endif
