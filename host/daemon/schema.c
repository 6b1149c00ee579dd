/* Parameter validation against the method schemas. */
#include "schema.h"

#include "b64.h"

#include <stdio.h>
#include <string.h>

long long scd_b64_len(const char *s, size_t n)
{
    /* libscagent's own check, the one its decoder applies, so a string accepted here always decodes there */
    return sca_b64_decoded_len(s, n);
}

static int hex_ok(const char *s, size_t n)
{
    if (n % 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return 1;
}

static int digits_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int check_one(const scd_param *p, const json_t *v, char *msg, size_t cap)
{
    const char *s = NULL;
    size_t n = 0;
    long long len = 0;
    switch (p->type) {
    case SCD_P_INT:
        if (!json_is_integer(v))
            break;
        if (json_integer_value(v) < p->min || json_integer_value(v) > p->max) {
            snprintf(msg, cap, "\"%s\" must be %lld..%lld", p->name, p->min, p->max);
            return -1;
        }
        return 0;
    case SCD_P_BOOL:
        if (!json_is_boolean(v))
            break;
        return 0;
    case SCD_P_ID:
        if (json_is_integer(v) || (json_is_string(v) && json_string_length(v) <= 128))
            return 0;
        break;
    case SCD_P_STRS: {
        if (!json_is_array(v))
            break;
        size_t i;
        json_t *e;
        long long most = p->max < SCD_STRS_MAX ? p->max : SCD_STRS_MAX;
        if ((long long)json_array_size(v) < p->min || (long long)json_array_size(v) > most) {
            snprintf(msg, cap, "\"%s\" must hold %lld..%lld strings", p->name, p->min, most);
            return -1;
        }
        json_array_foreach(v, i, e) {
            const char *t = json_string_value(e);
            size_t tl = json_string_length(e);
            int ok = t != NULL && tl >= 1 && tl <= SCD_STR_ITEM_MAX;
            for (size_t c = 0; ok && c < tl; c++)
                ok = t[c] > 0x20 && t[c] < 0x7F;
            if (!ok) {
                snprintf(msg, cap, "\"%s\"[%zu] must be a string of 1..%d printable ASCII characters", p->name, i,
                         SCD_STR_ITEM_MAX);
                return -1;
            }
        }
        return 0;
    }
    default:
        if (!json_is_string(v))
            break;
        s = json_string_value(v);
        n = json_string_length(v);
        if (strlen(s) != n) {
            snprintf(msg, cap, "\"%s\" holds a NUL character", p->name);
            return -1;
        }
        len = (long long)n;
        if (p->type == SCD_P_B64 && (len = scd_b64_len(s, n)) < 0) {
            snprintf(msg, cap, "\"%s\" is not canonical Base64 (RFC 4648, padded, no line breaks)", p->name);
            return -1;
        }
        if (p->type == SCD_P_HEX) {
            if (!hex_ok(s, n)) {
                snprintf(msg, cap, "\"%s\" is not an even number of hex digits", p->name);
                return -1;
            }
            len = (long long)(n / 2);
        }
        if (p->type == SCD_P_DIGITS && !digits_ok(s, n)) {
            snprintf(msg, cap, "\"%s\" must hold decimal digits only", p->name);
            return -1;
        }
        if (len < p->min || len > p->max) {
            snprintf(msg, cap, "\"%s\" must be %lld..%lld %s long", p->name, p->min, p->max,
                     p->type == SCD_P_B64 || p->type == SCD_P_HEX ? "bytes (decoded)" : "characters");
            return -1;
        }
        return 0;
    }
    static const char *names[] = {"", "a string", "an integer", "a boolean", "a Base64 string", "a hex string",
                                  "a string of digits",
                                  "an integer or a string of at most 128 bytes", "an array of strings"};
    snprintf(msg, cap, "\"%s\" must be %s", p->name, names[p->type]);
    return -1;
}

int scd_params_check(const scd_param *schema, const json_t *params, long long max_deadline_ms, char *msg,
                     size_t cap)
{
    if (!json_is_object(params)) {
        snprintf(msg, cap, "\"params\" must be an object");
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v) {
        if (!strcmp(k, SCD_PARAM_DEADLINE)) {
            scd_param d = {SCD_PARAM_DEADLINE, SCD_P_INT, 0, 1, max_deadline_ms};
            if (check_one(&d, v, msg, cap))
                return -1;
            continue;
        }
        const scd_param *p = schema;
        while (p && p->name && strcmp(p->name, k))
            p++;
        if (p == NULL || p->name == NULL) {
            snprintf(msg, cap, "unknown parameter \"%.64s\"", k);
            return -1;
        }
        if (check_one(p, v, msg, cap))
            return -1;
    }
    for (const scd_param *p = schema; p && p->name; p++)
        if (p->required && json_object_get(params, p->name) == NULL) {
            snprintf(msg, cap, "missing parameter \"%s\"", p->name);
            return -1;
        }
    return 0;
}
