/* The card's MBMS answers, parsed strictly: the AUTHENTICATE MBMS answer '53' L ('DB' || data) per mode, and the
 * MBMS_KEYS status data object (applet-spec/mbms.md §2, §3.3). Nothing is allocated; pointers point into the
 * input. */
#include "scagent/mbms.h"

#include <string.h>

#include "bytes.h"

#define TAG_ANSWER 0x53
#define TAG_OK 0xDB

static sca_rc bad(sca_error *err, const char *why)
{
    return sca_error_set(err, SCA_E_PARSE, "the card's MBMS answer is malformed: %s; the card does not speak the "
                         "MBMS context as applet-spec/mbms.md §2 says (report it with the APDU trace, -vv)", why);
}

sca_rc sca_mbms_parse_answer(const uint8_t *d, size_t n, int mode, const uint8_t **data, size_t *data_len,
                             sca_error *err)
{
    if ((d == NULL && n > 0) || data == NULL || data_len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MBMS answer parser: missing argument");
    *data = NULL;
    *data_len = 0;
    if (n < 2)
        return bad(err, n == 0 ? "no data (a 53 TLV expected)" : "a single byte");
    if (d[0] != TAG_ANSWER)
        return bad(err, "it does not start with tag 53");
    size_t l, hl;
    if (d[1] < 0x80) {
        l = d[1];
        hl = 2;
    } else if (d[1] == 0x81) {
        if (n < 3)
            return bad(err, "the length 81 xx is truncated");
        l = d[2];
        hl = 3;
        if (l < 0x80)
            return bad(err, "the length 81 xx is not in its shortest form");
    } else if (d[1] == 0x82) {
        if (n < 4)
            return bad(err, "the length 82 xx xx is truncated");
        l = sca_get16(d + 2);
        hl = 4;
        if (l < 0x100)
            return bad(err, "the length 82 xx xx is not in its shortest form");
    } else {
        return bad(err, "a length form other than xx, 81 xx, 82 xx xx");
    }
    if (l != n - hl)
        return bad(err, l > n - hl ? "the 53 TLV runs past the end of the answer" : "bytes after the 53 TLV");
    if (l == 0 || d[hl] != TAG_OK)
        return bad(err, "the value does not start with DB (success)");
    const uint8_t *v = d + hl + 1;
    size_t vl = l - 1;
    switch (mode) {
    case 0:
        break;
    case SCA_MBMS_MODE_MSK_UPDATE:
        if (vl > 0) {
            if (vl > SCA_MBMS_VERIF_MAX)
                return bad(err, "the verification message is too long");
            sca_mikey_view view;
            sca_error e2;
            if (sca_mikey_parse(v, vl, &view, &e2) != SCA_OK || view.hdr.data_type != SCA_MIKEY_DT_PSK_VERIFY ||
                !view.has_v)
                return bad(err, "what follows DB is not a MIKEY verification message (data type 1 with a V payload)");
        }
        break;
    case SCA_MBMS_MODE_MTK:
        if (vl < SCA_MBMS_MTK_LEN || vl > SCA_MBMS_MTK_LEN + SCA_MBMS_SALT_MAX)
            return bad(err, "an MTK answer is DB, 16 bytes of MTK and 0..14 bytes of salt");
        break;
    case SCA_MBMS_MODE_MSK_DELETE:
    case SCA_MBMS_MODE_MUK_DELETE:
        if (vl != 0)
            return bad(err, "a deletion answers DB alone");
        break;
    default:
        return sca_error_set(err, SCA_E_INVALID_ARG, "MBMS answer parser: unknown mode %d", mode);
    }
    *data = vl > 0 ? v : NULL;
    *data_len = vl;
    return SCA_OK;
}

/* --- GET DATA MBMS_KEYS -------------------------------------------------------------------------------------- */

static sca_rc sbad(sca_error *err, const char *why, size_t at)
{
    return sca_error_set(err, SCA_E_PARSE, "the card's MBMS key table status is malformed: %s (at byte %zu); "
                         "report it with the APDU trace (-vv)", why, at);
}

/* An L-prefixed field of 1..max bytes at *i. */
static int take_lv(const uint8_t *d, size_t n, size_t *i, uint8_t *out, size_t max, size_t *len)
{
    if (*i >= n)
        return 0;
    size_t l = d[*i];
    if (l == 0 || l > max || l > n - *i - 1)
        return 0;
    memcpy(out, d + *i + 1, l);
    *len = l;
    *i += 1 + l;
    return 1;
}

sca_rc sca_mbms_status_parse(const uint8_t *d, size_t n, sca_mbms_status *out, sca_error *err)
{
    if ((d == NULL && n > 0) || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MBMS status parser: missing argument");
    sca_mbms_status s;
    memset(&s, 0, sizeof s);
    size_t i = 0;
    if (n < 1)
        return sbad(err, "no MUK count", i);
    s.n_muk = d[i++];
    if (s.n_muk > SCA_MBMS_STATUS_MUKS)
        return sbad(err, "more MUKs than the card's table holds", 0);
    for (size_t k = 0; k < s.n_muk; k++) {
        sca_mbms_muk_info *m = &s.muk[k];
        if (!take_lv(d, n, &i, m->idi, SCA_MBMS_IDI_MAX, &m->idi_len))
            return sbad(err, "a MUK's IDi is empty, too long or truncated", i);
        if (!take_lv(d, n, &i, m->idr, SCA_MBMS_IDR_MAX, &m->idr_len))
            return sbad(err, "a MUK's IDr is empty, too long or truncated", i);
        if (n - i < 4)
            return sbad(err, "a MUK's TS is truncated", i);
        m->ts = sca_get32(d + i);
        i += 4;
    }
    if (i >= n)
        return sbad(err, "no MSK count", i);
    s.n_msk = d[i++];
    if (s.n_msk > SCA_MBMS_STATUS_MSKS)
        return sbad(err, "more MSKs than the card's table holds", i - 1);
    for (size_t k = 0; k < s.n_msk; k++) {
        sca_mbms_msk_info *m = &s.msk[k];
        if (n - i < 17)
            return sbad(err, "an MSK entry is truncated", i);
        memcpy(m->key_domain, d + i, 3);
        memcpy(m->msk_id, d + i + 3, 4);
        m->key_group = sca_get16(d + i + 3);
        m->key_number = sca_get16(d + i + 5);
        m->vf = sca_get16(d + i + 7);
        m->vt = sca_get16(d + i + 9);
        m->ts = sca_get32(d + i + 11);
        m->last_mtk_id = sca_get16(d + i + 15);
        i += 17;
    }
    if (i != n)
        return sbad(err, "bytes after the last MSK entry", i);
    *out = s;
    return SCA_OK;
}
