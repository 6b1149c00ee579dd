/* Parameter and result helpers of the handlers. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "scagent/log.h"

const char *scd_pstr(const scd_job *j, const char *key)
{
    return json_string_value(json_object_get(j->params, key));
}

long long scd_pint(const scd_job *j, const char *key, long long dflt)
{
    json_t *v = json_object_get(j->params, key);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int scd_pbool(const scd_job *j, const char *key, int dflt)
{
    json_t *v = json_object_get(j->params, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

sca_rc scd_pb64(const scd_job *j, const char *key, uint8_t **out, size_t *len, sca_error *err)
{
    *out = NULL;
    *len = 0;
    json_t *v = json_object_get(j->params, key);
    if (v == NULL)
        return SCA_OK;
    return sca_b64_decode(json_string_value(v), json_string_length(v), json_string_length(v), out, len, err);
}

sca_rc scd_phex(const scd_job *j, const char *key, uint8_t *out, size_t cap, size_t *len, sca_error *err)
{
    *len = 0;
    const char *s = scd_pstr(j, key);
    if (s == NULL)
        return SCA_OK;
    long n = sca_hex_decode(s, out, cap);
    if (n < 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "\"%s\" is not hex of at most %zu bytes", key, cap);
    *len = (size_t)n;
    return SCA_OK;
}

json_t *scd_jhex(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s == NULL)
        return json_null();
    for (size_t i = 0; i < n; i++) {
        static const char h[] = "0123456789ABCDEF";
        s[2 * i] = h[b[i] >> 4];
        s[2 * i + 1] = h[b[i] & 15];
    }
    s[2 * n] = '\0';
    json_t *o = json_string(s);
    free(s);
    return o;
}

json_t *scd_jb64(const uint8_t *b, size_t n)
{
    char *s = NULL;
    if (sca_b64_encode(b, n, &s, NULL) != SCA_OK)
        return json_null();
    json_t *o = json_string(s);
    free(s);
    return o;
}
