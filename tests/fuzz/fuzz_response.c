/* libFuzzer target: every card answer libscagent parses. The input is a card's side of a conversation:
 * a sequence of R-APDUs, each prefixed by a 2-byte big-endian length; the host opens the session (MANAGE
 * CHANNEL, SELECT with FCI), reads INFO_ALL and the PIN status, verifies a PIN and runs an ECHO with chaining
 * and 61xx/6Cxx handling. Any answer must give a clean error, never a crash or a read past a buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/scagent.h"

typedef struct fuzz_tr {
    sca_transport base;
    const uint8_t *data;
    size_t len, pos;
} fuzz_tr;

static sca_rc f_transmit(sca_transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len,
                         sca_error *err)
{
    (void)cmd;
    (void)cmd_len;
    fuzz_tr *f = (fuzz_tr *)t;
    if (f->len - f->pos < 2)
        return sca_error_set(err, SCA_E_CARD_REMOVED, "fuzz: end of input");
    size_t n = (size_t)f->data[f->pos] << 8 | f->data[f->pos + 1];
    f->pos += 2;
    if (n > f->len - f->pos)
        n = f->len - f->pos;
    if (n > *resp_len)
        n = *resp_len;
    memcpy(resp, f->data + f->pos, n);
    f->pos += n;
    *resp_len = n;
    /* let some answers be resets, so the recovery paths run too */
    if (n == 1 && resp[0] == 0xEE)
        return sca_error_set(err, SCA_E_CARD_RESET, "fuzz: reset");
    return SCA_OK;
}

static sca_rc f_begin(sca_transport *t, sca_error *err)
{
    (void)t;
    (void)err;
    return SCA_OK;
}
static void f_end(sca_transport *t) { (void)t; }
static void f_close(sca_transport *t) { free(t); }
static const struct sca_transport_ops ops = {f_transmit, f_begin, f_end, f_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tr *f = calloc(1, sizeof *f);
    f->base.ops = &ops;
    f->base.protocol = size > 0 ? data[0] & 1 : 1;
    f->base.max_apdu_data = size > 1 && (data[1] & 1) ? 65536 : 255;
    f->data = data;
    f->len = size;
    f->pos = size > 2 ? 2 : size;
    sca_card *c = NULL;
    sca_error err;
    if (sca_card_attach(&f->base, NULL, &c, &err) != SCA_OK)
        return 0;
    sca_info info;
    sca_pin_status st;
    (void)sca_get_info(c, &info, &err);
    (void)sca_pin_get_status(c, &st, &err);
    (void)sca_pin_verify(c, "1234", &err);
    static uint8_t d[600], r[1024];
    sca_apdu a = {.cla = 0x80, .ins = 0xEE, .data = d, .lc = sizeof d, .le = SCA_LE_ANY, .flags = SCA_APDU_CHAIN};
    size_t n;
    (void)sca_card_command(c, &a, r, sizeof r, &n, "ECHO", &err);
    sca_card_close(c);
    return 0;
}
