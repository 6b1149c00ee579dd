/* Parameter schemas of the methods: each member's name, type, whether it is required and its bounds. Checked
 * in the socket thread before a request is queued, so handlers only see well-formed parameters. */
#ifndef SCD_SCHEMA_H
#define SCD_SCHEMA_H

#include <stddef.h>

#include <jansson.h>

typedef enum scd_ptype {
    SCD_P_STR = 1, /* UTF-8 string, length min..max bytes */
    SCD_P_INT,     /* integer, value min..max */
    SCD_P_BOOL,
    SCD_P_B64,     /* canonical Base64, decoded length min..max bytes */
    SCD_P_HEX,     /* hex digits (even count), decoded length min..max bytes */
    SCD_P_DIGITS,  /* decimal digits only, length min..max */
    SCD_P_ID,      /* a request id: integer, or string of at most 128 bytes */
    SCD_P_STRS,    /* an array of 0..min(max, SCD_STRS_MAX) strings of 1..SCD_STR_ITEM_MAX printable ASCII bytes */
} scd_ptype;

typedef struct scd_param {
    const char *name; /* NULL ends a schema */
    scd_ptype type;
    int required;
    long long min, max;
} scd_param;

#define SCD_STRS_MAX 32
#define SCD_STR_ITEM_MAX 256

/* Members every method accepts. */
#define SCD_PARAM_DEADLINE "deadline_ms"

/* 0 when `params` fits `schema` (unknown members are errors: a typo must not be ignored); else -1 with the
 * reason in `msg`. deadline_ms (1..max_deadline_ms) is accepted everywhere. */
int scd_params_check(const scd_param *schema, const json_t *params, long long max_deadline_ms, char *msg,
                     size_t cap);

/* Decoded length of a canonical Base64 string, or -1 when it is not canonical Base64: sca_b64_decoded_len, the
 * check libscagent's decoder applies (kept under this name for the method handlers). */
long long scd_b64_len(const char *s, size_t n);

#endif
