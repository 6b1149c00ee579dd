/* BER-TLV reading with every length checked. */
#include "scagent/tlv.h"

sca_rc sca_tlv_next(const uint8_t *buf, size_t len, size_t *off, sca_tlv *out, sca_error *err)
{
    size_t i = *off;
    if (i >= len)
        return sca_error_set(err, SCA_E_PARSE, "TLV: no tag at offset %zu", i);
    uint16_t tag = buf[i++];
    if ((tag & 0x1F) == 0x1F) {
        if (i >= len)
            return sca_error_set(err, SCA_E_PARSE, "TLV: truncated two-byte tag");
        if (buf[i] & 0x80)
            return sca_error_set(err, SCA_E_PARSE, "TLV: tags longer than two bytes are not used here");
        tag = (uint16_t)(tag << 8 | buf[i++]);
    }
    if (i >= len)
        return sca_error_set(err, SCA_E_PARSE, "TLV %04X: missing length", tag);
    size_t l = buf[i++];
    if (l & 0x80) {
        size_t n = l & 0x7F;
        if (n == 0 || n > 3)
            return sca_error_set(err, SCA_E_PARSE, "TLV %04X: unsupported length form %02zX", tag, l);
        if (len - i < n)
            return sca_error_set(err, SCA_E_PARSE, "TLV %04X: truncated length", tag);
        l = 0;
        while (n--)
            l = l << 8 | buf[i++];
    }
    if (len - i < l)
        return sca_error_set(err, SCA_E_PARSE, "TLV %04X: length %zu exceeds the %zu bytes left", tag, l, len - i);
    out->tag = tag;
    out->value = buf + i;
    out->len = l;
    *off = i + l;
    return SCA_OK;
}

sca_rc sca_tlv_find(const uint8_t *buf, size_t len, uint16_t tag, sca_tlv *out, sca_error *err)
{
    size_t off = 0;
    while (off < len) {
        sca_rc rc = sca_tlv_next(buf, len, &off, out, err);
        if (rc != SCA_OK)
            return rc;
        if (out->tag == tag)
            return SCA_OK;
    }
    return sca_error_set(err, SCA_E_NOT_FOUND, "TLV %04X not found", tag);
}
