/* Helpers shared by the method handlers (m_*.c): parameter access (already validated by the schema) and
 * encodings for results. */
#ifndef SCD_HANDLERS_H
#define SCD_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cardexec.h"
#include "job.h"

const char *scd_pstr(const scd_job *j, const char *key);        /* NULL when absent */
long long scd_pint(const scd_job *j, const char *key, long long dflt);
int scd_pbool(const scd_job *j, const char *key, int dflt);
/* Decode a Base64 or hex parameter into a new buffer (free()); NULL/0 when absent. */
sca_rc scd_pb64(const scd_job *j, const char *key, uint8_t **out, size_t *len, sca_error *err);
sca_rc scd_phex(const scd_job *j, const char *key, uint8_t *out, size_t cap, size_t *len, sca_error *err);
/* Upper-case hex and Base64 as JSON strings (new references). */
json_t *scd_jhex(const uint8_t *b, size_t n);
json_t *scd_jb64(const uint8_t *b, size_t n);

#endif
