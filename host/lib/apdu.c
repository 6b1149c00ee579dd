/* APDU encoding (ISO 7816-3/4) and traces. */
#include "scagent/apdu.h"

#include <stdio.h>
#include <string.h>

#include "scagent/log.h"

uint8_t sca_cla_for_channel(uint8_t base, unsigned channel)
{
    uint8_t chain = base & 0x10u;
    if (channel < 4)
        return (uint8_t)((base & ~0x03u) | channel);
    /* Further interindustry coding (channels 4..19): b7 = 1, b6 = secure messaging, b5 = chaining,
     * b4-b1 = channel - 4. The proprietary flag b8 is kept. */
    uint8_t sm = (base & 0x0Cu) ? 0x20u : 0x00u;
    return (uint8_t)((base & 0x80u) | 0x40u | sm | chain | ((channel - 4) & 0x0Fu));
}

sca_rc sca_apdu_encode(const sca_apdu *a, uint8_t cla, int extended, int t0, uint8_t *out, size_t cap,
                       size_t *out_len, sca_error *err)
{
    if (a->lc > 65535 || a->le > 65536 || (a->lc > 0 && a->data == NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG, "APDU lengths out of range (Lc %zu, Le %zu)", a->lc, a->le);
    if (!extended && (a->lc > 255 || a->le > 256))
        return sca_error_set(err, SCA_E_INVALID_ARG, "APDU too long for a short APDU (Lc %zu, Le %zu)", a->lc,
                             a->le);
    if (extended && t0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "extended-length APDUs cannot be sent over T=0");
    size_t le = a->le;
    if (t0 && a->lc > 0)
        le = 0; /* T=0 case 4: send as case 3, the data comes back through 61xx */
    size_t need = 4 + (a->lc ? (extended ? 3 : 1) + a->lc : 0) + (le ? (extended ? (a->lc ? 2 : 3) : 1) : 0) +
                  (t0 && !a->lc && !le ? 1 : 0);
    if (need > cap)
        return sca_error_set(err, SCA_E_BUFFER_TOO_SMALL, "APDU buffer too small (%zu < %zu)", cap, need);
    size_t n = 0;
    out[n++] = cla;
    out[n++] = a->ins;
    out[n++] = a->p1;
    out[n++] = a->p2;
    if (a->lc) {
        if (extended) {
            out[n++] = 0x00;
            out[n++] = (uint8_t)(a->lc >> 8);
        }
        out[n++] = (uint8_t)a->lc;
        memcpy(out + n, a->data, a->lc);
        n += a->lc;
    }
    if (le) {
        if (extended) {
            if (!a->lc)
                out[n++] = 0x00;
            out[n++] = (uint8_t)(le >= 65536 ? 0 : le >> 8);
            out[n++] = (uint8_t)(le >= 65536 ? 0 : le);
        } else {
            out[n++] = (uint8_t)(le >= 256 ? 0 : le);
        }
    } else if (t0 && !a->lc) {
        out[n++] = 0x00; /* T=0 needs P3 even for case 1 */
    }
    *out_len = n;
    return SCA_OK;
}

sca_rc sca_apdu_parse(const uint8_t *raw, size_t len, sca_apdu *out, sca_error *err)
{
    memset(out, 0, sizeof *out);
    if (len < 4)
        return sca_error_set(err, SCA_E_PARSE, "an APDU has at least 4 bytes (CLA INS P1 P2), this one %zu", len);
    out->cla = raw[0];
    out->ins = raw[1];
    out->p1 = raw[2];
    out->p2 = raw[3];
    const uint8_t *b = raw + 4;
    size_t n = len - 4;
    if (n == 0)
        return SCA_OK; /* case 1 */
    if (n == 1) {
        out->le = b[0] ? b[0] : 256; /* case 2 short */
        return SCA_OK;
    }
    if (b[0] != 0) { /* short case 3 or 4 */
        size_t lc = b[0];
        if (n == 1 + lc || n == 2 + lc) {
            out->data = b + 1;
            out->lc = lc;
            if (n == 2 + lc)
                out->le = b[1 + lc] ? b[1 + lc] : 256;
            return SCA_OK;
        }
        return sca_error_set(err, SCA_E_PARSE, "APDU: Lc %zu does not match the %zu bytes that follow", lc, n - 1);
    }
    /* extended: 00 then two length bytes */
    if (n == 3) {
        size_t le = (size_t)b[1] << 8 | b[2];
        out->le = le ? le : 65536;
        return SCA_OK;
    }
    if (n < 3)
        return sca_error_set(err, SCA_E_PARSE, "APDU: truncated extended length");
    size_t lc = (size_t)b[1] << 8 | b[2];
    if (lc == 0)
        return sca_error_set(err, SCA_E_PARSE, "APDU: extended Lc of 0");
    if (n == 3 + lc || n == 5 + lc) {
        out->data = b + 3;
        out->lc = lc;
        if (n == 5 + lc) {
            size_t le = (size_t)b[3 + lc] << 8 | b[4 + lc];
            out->le = le ? le : 65536;
        }
        return SCA_OK;
    }
    return sca_error_set(err, SCA_E_PARSE, "APDU: extended Lc %zu does not match the %zu bytes that follow", lc,
                         n - 3);
}

void sca_trace_apdu(const char *dir, const uint8_t *raw, size_t len, int mask, int is_response)
{
    if (!sca_log_enabled(SCA_LOG_DEBUG))
        return;
    char hex[3 * 64 + 1];
    size_t shown;
    if (is_response) {
        size_t data = len >= 2 ? len - 2 : 0;
        if (mask && data > 0) {
            sca_hex_encode(raw + data, len - data, hex, 1);
            sca_log(SCA_LOG_DEBUG, "%s [%zu bytes masked] %s", dir, data, hex);
            return;
        }
        shown = len;
    } else {
        shown = mask ? (len < 5 ? len : 5) : len;
    }
    size_t first = shown > 64 ? 64 : shown;
    sca_hex_encode(raw, first, hex, 1);
    if (mask && shown < len)
        sca_log(SCA_LOG_DEBUG, "%s %s [%zu bytes masked]", dir, hex, len - shown);
    else if (first < shown)
        sca_log(SCA_LOG_DEBUG, "%s %s ... (%zu bytes)", dir, hex, len);
    else
        sca_log(SCA_LOG_DEBUG, "%s %s", dir, hex);
}
