/* libFuzzer target: scagentd's request path before the card thread: NDJSON framing (the input fed in two
 * pieces, split where the first byte says), request parsing with the depth limit, method lookup, the access
 * check for the roles the second byte names, the parameter schemas, and the answer that would go back.
 * tests/fuzz/run builds every fuzz_*.c with host/lib only, so the daemon's sources are included here; the
 * handlers are stubs (they need a card). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../host/daemon/config.c"
#include "../../host/daemon/methods.c"
#include "../../host/daemon/proto.c"
#include "../../host/daemon/schema.c"

#define FUZZ_STUB(n)                                                                                                \
    scd_step n(struct scd_cardctx *x, scd_job *j)                                                                   \
    {                                                                                                               \
        (void)x;                                                                                                    \
        (void)j;                                                                                                    \
        return SCD_STEP_DONE;                                                                                       \
    }
SCD_HANDLERS(FUZZ_STUB)

typedef struct fctx {
    unsigned roles;
    int perso;
    int lines;
} fctx;

static void answer(json_t *o)
{
    size_t n;
    char *l = scd_dump_line(o, &n);
    if (l == NULL || n == 0 || l[n - 1] != '\n' || memchr(l, '\n', n - 1) != NULL)
        abort(); /* an answer is exactly one line */
    free(l);
    json_decref(o);
}

static void on_line(const char *line, size_t len, void *ctx)
{
    fctx *f = ctx;
    f->lines++;
    if (line == NULL) {
        answer(scd_error(NULL, SCD_E_TOO_LARGE, "too large", 0));
        return;
    }
    scd_request r;
    scd_proto_error e;
    if (scd_request_parse(line, len, 8, &r, &e) != 0) {
        if (e.code == NULL || e.message[0] == '\0')
            abort();
        answer(scd_error(r.id, e.code, e.message, 0));
        scd_request_free(&r);
        return;
    }
    char msg[400];
    const scd_method *m = scd_method_find(r.method);
    if (m == NULL)
        answer(scd_error(r.id, SCD_E_UNKNOWN, "unknown", 0));
    else if (scd_method_allowed(m, f->roles, f->perso, msg, sizeof msg) != 0)
        answer(scd_error(r.id, SCD_E_DENIED, msg, 0));
    else if (scd_params_check(m->params, r.params, 600000, msg, sizeof msg) != 0)
        answer(scd_error(r.id, SCD_E_BAD_PARAMS, msg, 0));
    else
        answer(scd_result(r.id, json_incref(r.params)));
    scd_request_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    fctx f = {.roles = data[1] & SCD_ROLE_ALL, .perso = (data[1] >> 3) & 1};
    size_t split = data[0] % (size - 1);
    const char *body = (const char *)data + 2;
    size_t n = size - 2;
    if (split > n)
        split = n;
    scd_framer fr;
    scd_framer_init(&fr, 512); /* small, so oversized lines happen */
    if (scd_framer_feed(&fr, body, split, on_line, &f) != 0 ||
        scd_framer_feed(&fr, body + split, n - split, on_line, &f) != 0)
        abort();
    scd_framer_free(&fr);
    return 0;
}
