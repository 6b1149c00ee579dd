/* The APDU engine: one logical command in, one complete response out.
 *
 * Handles what real readers and cards put between the two: command chaining (CLA b5) when the data does not
 * fit a short APDU and the card or reader cannot take extended length, 61xx GET RESPONSE loops (T=0 cards, and
 * T=1 cards that chain responses), and one re-send after 6Cxx (wrong Le). */
#include "scagent/apdu.h"

#include <string.h>

#include "sca_contract.h"

#define MAX_GET_RESPONSE 300 /* 64 KiB in 256-byte parts, with room to spare */
#define CMD_BUF (4 + 3 + 65535 + 3)

static sca_rc send_raw(const sca_engine *e, const uint8_t *cmd, size_t len, int mask, uint8_t *resp,
                       size_t *resp_len, sca_error *err)
{
    sca_trace_apdu(">", cmd, len, mask, 0);
    sca_rc rc = e->tr->ops->transmit(e->tr, cmd, len, resp, resp_len, err);
    if (rc != SCA_OK)
        return rc;
    if (*resp_len < 2)
        return sca_error_set(err, SCA_E_PROTOCOL, "the card answered %zu bytes, less than a status word",
                             *resp_len);
    return SCA_OK;
}

/* Send one (already chained-apart) APDU and collect its response, following 61xx and 6Cxx. */
static sca_rc exchange(const sca_engine *e, const sca_apdu *a, uint8_t cla, int extended, uint8_t *resp,
                       size_t cap, size_t *resp_len, uint16_t *sw, sca_error *err)
{
    uint8_t cmd[CMD_BUF];
    uint8_t raw[SCA_MAX_EXT_RESPONSE];
    int t0 = e->tr->protocol == 0;
    int mask_cmd = (a->flags & SCA_APDU_SENSITIVE) != 0;
    int mask_resp = (a->flags & SCA_APDU_SENSITIVE_RESP) != 0;
    size_t cmd_len, raw_len, total = 0;
    sca_apdu cur = *a;
    int resent = 0;        /* 6Cxx re-sends of the current command (at most one) */
    int get_responses = 0; /* GET RESPONSE commands sent so far */

    sca_rc rc = sca_apdu_encode(&cur, cla, extended, t0, cmd, sizeof cmd, &cmd_len, err);
    while (rc == SCA_OK) {
        raw_len = sizeof raw;
        rc = send_raw(e, cmd, cmd_len, mask_cmd, raw, &raw_len, err);
        if (rc != SCA_OK)
            break;
        sca_trace_apdu("<", raw, raw_len, mask_resp, 1);
        uint8_t sw1 = raw[raw_len - 2], sw2 = raw[raw_len - 1];
        if (sw1 == 0x6C) {
            /* Wrong Le: the card says how many bytes it has; send the same command again once, with that Le. */
            if (resent || extended || (t0 && cur.lc > 0))
                return sca_error_set(err, SCA_E_PROTOCOL, "the card answered 6C%02X %s", sw2,
                                     resent ? "again after the corrected Le" : "where no Le was sent");
            resent = 1;
            cur.le = sw2 == 0 ? 256 : sw2;
            rc = sca_apdu_encode(&cur, cla, 0, t0, cmd, sizeof cmd, &cmd_len, err);
            continue;
        }
        size_t data = raw_len - 2;
        if (total + data > cap)
            return sca_error_set(err, SCA_E_BUFFER_TOO_SMALL,
                                 "the card's answer (%zu bytes so far) exceeds the %zu-byte buffer", total + data,
                                 cap);
        memcpy(resp + total, raw, data);
        total += data;
        if (sw1 != 0x61) {
            *sw = (uint16_t)(sw1 << 8 | sw2);
            *resp_len = total;
            return SCA_OK;
        }
        /* 61xx: more data waits; fetch it with GET RESPONSE on the same channel. */
        if (++get_responses > MAX_GET_RESPONSE)
            return sca_error_set(err, SCA_E_PROTOCOL, "the card kept answering 61xx (%d GET RESPONSE)",
                                 MAX_GET_RESPONSE);
        memset(&cur, 0, sizeof cur);
        cur.cla = SCA_CLA_ISO;
        cur.ins = SCA_INS_GET_RESPONSE;
        cur.le = sw2 == 0 ? 256 : sw2;
        cur.flags = a->flags & SCA_APDU_SENSITIVE_RESP;
        mask_cmd = 0;
        cla = sca_cla_for_channel(SCA_CLA_ISO, e->channel);
        extended = 0;
        resent = 0;
        rc = sca_apdu_encode(&cur, cla, 0, t0, cmd, sizeof cmd, &cmd_len, err);
    }
    return rc;
}

sca_rc sca_engine_transceive(const sca_engine *e, const sca_apdu *a, uint8_t *resp, size_t cap,
                             size_t *resp_len, uint16_t *sw, sca_error *err)
{
    int t0 = e->tr->protocol == 0;
    int ext_ok = !t0 && e->card_extended && e->tr->max_apdu_data > 255;
    int extended = a->lc > 255 || a->le > 256;
    *resp_len = 0;
    *sw = 0;
    if (!extended || ext_ok) {
        uint8_t cla = sca_cla_for_channel(a->cla, e->channel);
        return exchange(e, a, cla, extended && ext_ok, resp, cap, resp_len, sw, err);
    }
    if (a->le > 256 && a->lc <= 255) {
        /* A long answer without extended length: ask for 256, the rest comes through 61xx. */
        sca_apdu s = *a;
        s.le = 256;
        return exchange(e, &s, sca_cla_for_channel(a->cla, e->channel), 0, resp, cap, resp_len, sw, err);
    }
    if (!(a->flags & SCA_APDU_CHAIN))
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "%zu bytes of command data need extended length or chaining, and neither is "
                             "available for this command on this card/reader", a->lc);
    /* Command chaining: all but the last part carry CLA b5 and no Le; each must answer 9000. */
    size_t off = 0;
    while (a->lc - off > 255) {
        sca_apdu part = *a;
        part.data = a->data + off;
        part.lc = 255;
        part.le = 0;
        uint8_t cla = sca_cla_for_channel((uint8_t)(a->cla | SCA_CLA_CHAINING), e->channel);
        sca_rc rc = exchange(e, &part, cla, 0, resp, cap, resp_len, sw, err);
        if (rc != SCA_OK)
            return rc;
        if (*sw != SCA_SW_OK)
            return SCA_OK; /* the card refused a part: its status word is the answer */
        if (*resp_len != 0)
            return sca_error_set(err, SCA_E_PROTOCOL, "the card answered data to an intermediate chained part");
        off += 255;
    }
    sca_apdu last = *a;
    last.data = a->data + off;
    last.lc = a->lc - off;
    if (last.le > 256)
        last.le = 256;
    return exchange(e, &last, sca_cla_for_channel(a->cla, e->channel), 0, resp, cap, resp_len, sw, err);
}
