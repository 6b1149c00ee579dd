/* Framing, request parsing and answers of the scagentd protocol. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scd_framer_init(scd_framer *f, size_t max)
{
    memset(f, 0, sizeof *f);
    f->max = max;
}

void scd_framer_free(scd_framer *f)
{
    free(f->buf);
    memset(f, 0, sizeof *f);
}

int scd_framer_partial(const scd_framer *f)
{
    return f->len > 0 || f->discarding;
}

static void deliver(const char *line, size_t n, scd_line_cb cb, void *ctx)
{
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (n > 0)
        cb(line, n, ctx);
}

int scd_framer_feed(scd_framer *f, const char *data, size_t n, scd_line_cb cb, void *ctx)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) : n; /* bytes of line content in this piece */
        size_t step = take + (nl != NULL);
        if (f->discarding) {
            if (nl) { /* the end of the oversized line: report it once, start afresh */
                f->discarding = 0;
                cb(NULL, 0, ctx);
            }
        } else if (f->len + take > f->max) {
            f->len = 0;
            if (nl)
                cb(NULL, 0, ctx);
            else
                f->discarding = 1;
            if (f->cap > 4096) { /* give back what a huge line took */
                free(f->buf);
                f->buf = NULL;
                f->cap = 0;
            }
        } else if (nl && f->len == 0) {
            deliver(data, take, cb, ctx); /* the common case: a whole line in one read, no copy */
        } else {
            if (f->len + take > f->cap) {
                size_t cap = f->cap ? f->cap : 256;
                while (cap < f->len + take)
                    cap *= 2;
                if (cap > f->max + 1)
                    cap = f->max + 1;
                char *b = realloc(f->buf, cap);
                if (b == NULL)
                    return -1;
                f->buf = b;
                f->cap = cap;
            }
            memcpy(f->buf + f->len, data, take);
            f->len += take;
            if (nl) {
                size_t l = f->len;
                f->len = 0; /* before the callback: it may feed more */
                deliver(f->buf, l, cb, ctx);
            }
        }
        data += step;
        n -= step;
    }
    return 0;
}

unsigned scd_json_depth(const char *s, size_t n)
{
    unsigned d = 0, max = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++d > max)
                max = d;
        } else if ((c == ']' || c == '}') && d > 0) {
            d--;
        }
    }
    return max;
}

/* The message is pre + arg + post (no format strings from variables). */
static int fail(scd_proto_error *e, const char *code, const char *pre, const char *arg, const char *post)
{
    e->code = code;
    snprintf(e->message, sizeof e->message, "%s%s%s", pre, arg ? arg : "", post ? post : "");
    return -1;
}

static int id_ok(const json_t *id)
{
    if (json_is_integer(id))
        return 1;
    return json_is_string(id) && json_string_length(id) <= SCD_ID_STRING_MAX;
}

int scd_request_parse(const char *line, size_t len, unsigned max_depth, scd_request *out, scd_proto_error *e)
{
    memset(out, 0, sizeof *out);
    if (scd_json_depth(line, len) > max_depth) {
        char d[16];
        snprintf(d, sizeof d, "%u", max_depth);
        return fail(e, SCD_E_TOO_DEEP, "JSON nested deeper than ", d, " levels");
    }
    json_error_t je;
    /* no JSON_DECODE_ANY: a request is an object; duplicates are refused so nobody can smuggle a second id */
    out->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (out->root == NULL)
        return fail(e, SCD_E_PARSE, "not a JSON object: ", je.text, NULL);
    json_t *id = json_object_get(out->root, "id");
    if (id != NULL && id_ok(id))
        out->id = id;
    if (id == NULL)
        return fail(e, SCD_E_INVALID, "a request needs an \"id\" (integer or string)", NULL, NULL);
    if (!id_ok(id))
        return fail(e, SCD_E_INVALID, "\"id\" must be an integer or a string of at most 128 bytes", NULL, NULL);
    json_t *m = json_object_get(out->root, "method");
    if (!json_is_string(m) || json_string_length(m) == 0 || json_string_length(m) > 64)
        return fail(e, SCD_E_INVALID, "a request needs a \"method\" string", NULL, NULL);
    out->method = json_string_value(m);
    if (strlen(out->method) != json_string_length(m))
        return fail(e, SCD_E_INVALID, "\"method\" holds a NUL character", NULL, NULL);
    json_t *p = json_object_get(out->root, "params");
    if (p == NULL) {
        p = json_object();
        if (p == NULL || json_object_set_new(out->root, "params", p) != 0)
            return fail(e, SCD_E_INVALID, "out of memory", NULL, NULL);
    } else if (!json_is_object(p)) {
        return fail(e, SCD_E_INVALID, "\"params\" must be an object", NULL, NULL);
    }
    out->params = p;
    const char *k;
    json_t *v;
    json_object_foreach(out->root, k, v) {
        if (strcmp(k, "id") && strcmp(k, "method") && strcmp(k, "params"))
            return fail(e, SCD_E_INVALID, "unknown member in the request: ", strlen(k) > 64 ? "(a long name)" : k, NULL);
    }
    return 0;
}

void scd_request_free(scd_request *r)
{
    json_decref(r->root);
    memset(r, 0, sizeof *r);
}

json_t *scd_result(json_t *id, json_t *result)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", id ? json_copy(id) : json_null());
    json_object_set_new(o, "result", result ? result : json_object());
    return o;
}

json_t *scd_error(json_t *id, const char *code, const char *message, uint16_t sw)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message ? message : code);
    if (e == NULL) /* message not UTF-8 (it never is, but never send nothing) */
        e = json_pack("{s:s, s:s}", "code", code, "message", code);
    if (sw != 0) {
        char h[8];
        snprintf(h, sizeof h, "%04X", sw);
        json_object_set_new(e, "sw", json_string(h));
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", id ? json_copy(id) : json_null());
    json_object_set_new(o, "error", e);
    return o;
}

json_t *scd_event(const char *name, json_t *data)
{
    json_t *o = json_pack("{s:s}", "event", name);
    if (data != NULL)
        json_object_set_new(o, "data", data);
    return o;
}

char *scd_dump_line(const json_t *obj, size_t *len)
{
    /* compact and ASCII-only: a line never holds a raw newline, and clients need no UTF-8 decoder to frame */
    char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    char *l = realloc(s, n + 2);
    if (l == NULL) {
        free(s);
        return NULL;
    }
    l[n] = '\n';
    l[n + 1] = '\0';
    *len = n + 1;
    return l;
}
