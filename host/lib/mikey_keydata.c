/* The Key Data sub-payloads inside a decrypted KEMAC Encr data field (RFC 3830 §6.13):
 *   next(8) | Type(4) | KV(4) | Key data len(16) | Key data | [Salt len(16) | Salt] | KV data
 * KV data: SPI: SPI len(8) | SPI;  Interval: VF len(8) | VF | VT len(8) | VT.
 * The salt is present exactly for the types TGK+SALT (1) and TEK+SALT (3). */
#include "scagent/mikey.h"

#include <stdlib.h>
#include <string.h>

static sca_rc short_by(sca_error *err, size_t idx, const char *what, size_t need, size_t have)
{
    return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data %zu: %s needs %zu bytes but only %zu remain (truncated "
                         "or wrong decryption key)", idx, what, need, have);
}

static int has_salt(uint8_t type)
{
    return type == SCA_MIKEY_KEY_TGK_SALT || type == SCA_MIKEY_KEY_TEK_SALT;
}

sca_rc sca_mikey_key_data_parse(const uint8_t *d, size_t len, sca_mikey_keys *keys, sca_error *err)
{
    if (keys == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "sca_mikey_key_data_parse: no output");
    memset(keys, 0, sizeof *keys);
    if (d == NULL || len == 0)
        return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data: empty (a KEMAC that carries a key has at least "
                             "one Key Data sub-payload)");
    size_t off = 0;
    for (;;) {
        size_t idx = keys->n + 1;
        if (keys->n == SCA_MIKEY_MAX_KEYS)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data: more than %d sub-payloads", SCA_MIKEY_MAX_KEYS);
        if (len - off < 4)
            return short_by(err, idx, "the header", 4, len - off);
        uint8_t next = d[off];
        if (next != SCA_MIKEY_PT_KEY_DATA && next != SCA_MIKEY_PT_LAST)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data %zu: next payload %u; inside a KEMAC only Key "
                                 "Data (20) or last (0) may follow", idx, next);
        sca_mikey_key *k = &keys->k[keys->n];
        k->type = d[off + 1] >> 4;
        k->kv_type = d[off + 1] & 0x0F;
        if (k->type > SCA_MIKEY_KEY_TEK_SALT)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data %zu: type %u (0 TGK, 1 TGK+SALT, 2 TEK, 3 "
                                 "TEK+SALT are supported)", idx, k->type);
        if (k->kv_type > SCA_MIKEY_KV_INTERVAL)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data %zu: KV type %u (0 Null, 1 SPI, 2 Interval)",
                                 idx, k->kv_type);
        size_t kl = (size_t)d[off + 2] << 8 | d[off + 3];
        off += 4;
        if (kl == 0)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data %zu: key length 0", idx);
        if (len - off < kl)
            return short_by(err, idx, "the key", kl, len - off);
        k->key = d + off;
        k->key_len = kl;
        off += kl;
        if (has_salt(k->type)) {
            if (len - off < 2)
                return short_by(err, idx, "the salt length", 2, len - off);
            size_t sl = (size_t)d[off] << 8 | d[off + 1];
            off += 2;
            if (len - off < sl)
                return short_by(err, idx, "the salt", sl, len - off);
            k->salt = sl ? d + off : NULL;
            k->salt_len = sl;
            off += sl;
        }
        if (k->kv_type == SCA_MIKEY_KV_SPI) {
            if (len - off < 1 || len - off - 1 < d[off])
                return short_by(err, idx, "the SPI", len - off ? 1 + (size_t)d[off] : 1, len - off);
            k->spi_len = d[off];
            k->spi = k->spi_len ? d + off + 1 : NULL;
            off += 1 + k->spi_len;
        } else if (k->kv_type == SCA_MIKEY_KV_INTERVAL) {
            for (int j = 0; j < 2; j++) {
                if (len - off < 1 || len - off - 1 < d[off])
                    return short_by(err, idx, j ? "VT" : "VF", len - off ? 1 + (size_t)d[off] : 1, len - off);
                size_t n = d[off];
                const uint8_t *p = n ? d + off + 1 : NULL;
                if (j) {
                    k->vt = p;
                    k->vt_len = n;
                } else {
                    k->vf = p;
                    k->vf_len = n;
                }
                off += 1 + n;
            }
        }
        keys->n++;
        if (next == SCA_MIKEY_PT_LAST)
            break;
    }
    if (off != len)
        return sca_error_set(err, SCA_E_PARSE, "MIKEY Key Data: %zu trailing bytes after the last sub-payload "
                             "(wrong decryption key, or padding the codec does not expect)", len - off);
    return SCA_OK;
}

sca_rc sca_mikey_key_data_build(const sca_mikey_keys *keys, uint8_t **out, size_t *out_len, sca_error *err)
{
    if (keys == NULL || out == NULL || out_len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "sca_mikey_key_data_build: missing argument");
    *out = NULL;
    *out_len = 0;
    if (keys->n == 0 || keys->n > SCA_MIKEY_MAX_KEYS)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY Key Data build: 1..%d keys", SCA_MIKEY_MAX_KEYS);
    size_t total = 0;
    for (size_t i = 0; i < keys->n; i++) {
        const sca_mikey_key *k = &keys->k[i];
        if (k->type > SCA_MIKEY_KEY_TEK_SALT || k->kv_type > SCA_MIKEY_KV_INTERVAL || k->key_len == 0 ||
            k->key_len > 0xFFFF || k->key == NULL || k->salt_len > 0xFFFF || k->spi_len > 255 || k->vf_len > 255 ||
            k->vt_len > 255 || (!has_salt(k->type) && k->salt_len))
            return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY Key Data build: key %zu has a bad type, KV type or "
                                 "length (key 1..65535, salt only with a +SALT type, SPI/VF/VT up to 255)", i + 1);
        total += 4 + k->key_len + (has_salt(k->type) ? 2 + k->salt_len : 0) +
                 (k->kv_type == SCA_MIKEY_KV_SPI ? 1 + k->spi_len : 0) +
                 (k->kv_type == SCA_MIKEY_KV_INTERVAL ? 2 + k->vf_len + k->vt_len : 0);
    }
    uint8_t *m = malloc(total), *p = m;
    if (m == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
#define PUTN(src, n) do { if (n) memcpy(p, (src), (n)); p += (n); } while (0)
    for (size_t i = 0; i < keys->n; i++) {
        const sca_mikey_key *k = &keys->k[i];
        *p++ = i + 1 < keys->n ? SCA_MIKEY_PT_KEY_DATA : SCA_MIKEY_PT_LAST;
        *p++ = (uint8_t)(k->type << 4 | k->kv_type);
        *p++ = (uint8_t)(k->key_len >> 8);
        *p++ = (uint8_t)k->key_len;
        PUTN(k->key, k->key_len);
        if (has_salt(k->type)) {
            *p++ = (uint8_t)(k->salt_len >> 8);
            *p++ = (uint8_t)k->salt_len;
            PUTN(k->salt, k->salt_len);
        }
        if (k->kv_type == SCA_MIKEY_KV_SPI) {
            *p++ = (uint8_t)k->spi_len;
            PUTN(k->spi, k->spi_len);
        } else if (k->kv_type == SCA_MIKEY_KV_INTERVAL) {
            *p++ = (uint8_t)k->vf_len;
            PUTN(k->vf, k->vf_len);
            *p++ = (uint8_t)k->vt_len;
            PUTN(k->vt, k->vt_len);
        }
    }
#undef PUTN
    *out = m;
    *out_len = total;
    return SCA_OK;
}
