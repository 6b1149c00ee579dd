/* MIKEY message parser (RFC 3830 §6): HDR with its CS ID map, then the payload chain, each payload's first byte
 * naming the type of the next one (0 = last). Every length is checked against what remains; the chain must end
 * exactly at the end of the message. Layout choices: host/include/scagent/mikey.h, applet-spec/mikey.md. */
#include "scagent/mikey.h"
#include "bytes.h"

#include <string.h>

#define HDR_FIXED 10

static const char *pt_name(uint8_t pt)
{
    switch (pt) {
    case SCA_MIKEY_PT_KEMAC: return "KEMAC";
    case SCA_MIKEY_PT_T: return "T";
    case SCA_MIKEY_PT_ID: return "ID";
    case SCA_MIKEY_PT_V: return "V";
    case SCA_MIKEY_PT_SP: return "SP";
    case SCA_MIKEY_PT_RAND: return "RAND";
    case SCA_MIKEY_PT_ERR: return "ERR";
    case SCA_MIKEY_PT_EXT: return "General Extension";
    default: return "payload";
    }
}

static sca_rc truncated(sca_error *err, uint8_t pt, size_t at, size_t need, size_t have)
{
    return sca_error_set(err, SCA_E_PARSE, "MIKEY: %s payload at offset %zu needs %zu bytes but only %zu remain "
                         "(truncated or a length field is too large)", pt_name(pt), at, need, have);
}

static sca_rc key_ids(sca_mikey_ext *e, sca_mikey_mbms_ids *m, size_t at, sca_error *err)
{
    size_t off = 0;
    while (off < e->len) {
        if (e->n_key_ids == SCA_MIKEY_MAX_KEY_IDS)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: Key ID extension at offset %zu holds more than %d Key "
                                 "IDs", at, SCA_MIKEY_MAX_KEY_IDS);
        if (e->len - off < 3)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: Key ID extension at offset %zu: %zu stray bytes after "
                                 "the last Key ID (each needs Type(1) and Len(2))", at, e->len - off);
        uint8_t type = e->data[off];
        size_t n = sca_get16(e->data + off + 1);
        off += 3;
        if (e->len - off < n)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: Key ID type %u claims %zu bytes, only %zu left in its "
                                 "extension", type, n, e->len - off);
        const uint8_t *id = e->data + off;
        static const size_t want[3] = {SCA_MIKEY_KEY_DOMAIN_LEN, SCA_MIKEY_MSK_ID_LEN, SCA_MIKEY_MTK_ID_LEN};
        static const char *const names[3] = {"Key Domain ID", "MSK ID", "MTK ID"};
        if (type <= SCA_MIKEY_KEYID_MTK) {
            if (n != want[type])
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: %s is %zu bytes, must be %zu (TS 33.246)",
                                     names[type], n, want[type]);
            int *has = type == SCA_MIKEY_KEYID_DOMAIN ? &m->has_key_domain
                       : type == SCA_MIKEY_KEYID_MSK  ? &m->has_msk_id : &m->has_mtk_id;
            if (*has)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: %s appears twice; a message names one key",
                                     names[type]);
            *has = 1;
            if (type == SCA_MIKEY_KEYID_DOMAIN) {
                memcpy(m->key_domain, id, n);
            } else if (type == SCA_MIKEY_KEYID_MSK) {
                memcpy(m->msk_id, id, n);
                m->key_group = sca_get16(id);
                m->key_number = sca_get16(id + 2);
            } else {
                m->mtk_id = sca_get16(id);
            }
        }
        sca_mikey_key_id *k = &e->key_ids[e->n_key_ids++];
        k->type = type;
        k->id = n ? id : NULL;
        k->len = n;
        off += n;
    }
    return SCA_OK;
}

static size_t mac_len_of(uint8_t alg)
{
    switch (alg) {
    case SCA_MIKEY_MAC_NULL: return 0;
    case SCA_MIKEY_MAC_HMAC_SHA1_160: return 20;
    case SCA_MIKEY_MAC_HMAC_SHA256_256: return 32;
    default: return (size_t)-1;
    }
}

static sca_rc header(const uint8_t *msg, size_t len, sca_mikey_view *v, size_t *off, sca_error *err)
{
    if (len < HDR_FIXED)
        return sca_error_set(err, SCA_E_PARSE, "MIKEY: %zu bytes, shorter than the common header (%d)", len,
                             HDR_FIXED);
    sca_mikey_hdr *h = &v->hdr;
    h->version = msg[0];
    if (h->version != SCA_MIKEY_VERSION)
        return sca_error_set(err, SCA_E_PARSE, "MIKEY: version %u, only version 1 (RFC 3830) is known",
                             h->version);
    h->data_type = msg[1];
    if (h->data_type != SCA_MIKEY_DT_PSK && h->data_type != SCA_MIKEY_DT_PSK_VERIFY &&
        h->data_type != SCA_MIKEY_DT_ERROR)
        return sca_error_set(err, SCA_E_PARSE, "MIKEY: data type %u; MBMS uses only pre-shared key messages (0), "
                             "their verification messages (1) and error messages (6)", h->data_type);
    h->v = msg[3] >> 7;
    h->prf = msg[3] & 0x7F;
    h->csb_id = sca_get32(msg + 4);
    h->n_cs = msg[8];
    h->map_type = msg[9];
    *off = HDR_FIXED;
    if (h->map_type == SCA_MIKEY_MAP_EMPTY) {
        if (h->n_cs != 0)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: #CS is %u with the Empty CS ID map (RFC 4563); it "
                                 "must be 0", h->n_cs);
    } else if (h->map_type == SCA_MIKEY_MAP_SRTP_ID) {
        if (h->n_cs > SCA_MIKEY_MAX_CS)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: #CS is %u, more than the %d supported", h->n_cs,
                                 SCA_MIKEY_MAX_CS);
        if (len - *off < (size_t)h->n_cs * 9)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: the SRTP-ID map of %u crypto sessions needs %u bytes, "
                                 "only %zu remain", h->n_cs, h->n_cs * 9u, len - *off);
        for (unsigned i = 0; i < h->n_cs; i++) {
            const uint8_t *p = msg + *off;
            h->cs[i].policy_no = p[0];
            h->cs[i].ssrc = sca_get32(p + 1);
            h->cs[i].roc = sca_get32(p + 5);
            *off += 9;
        }
    } else {
        return sca_error_set(err, SCA_E_PARSE, "MIKEY: CS ID map type %u is not supported (0 SRTP-ID, 1 Empty map)",
                             h->map_type);
    }
    return SCA_OK;
}

sca_rc sca_mikey_parse(const uint8_t *msg, size_t len, sca_mikey_view *v, sca_error *err)
{
    if (v == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "sca_mikey_parse: no view");
    memset(v, 0, sizeof *v);
    if (msg == NULL)
        len = 0;
    size_t off = 0;
    sca_rc rc = header(msg, len, v, &off, err);
    if (rc != SCA_OK)
        return rc;
    uint8_t pt = msg[2];
    while (pt != SCA_MIKEY_PT_LAST) {
        if (v->n_payloads == SCA_MIKEY_MAX_PAYLOADS)
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: more than %d payloads", SCA_MIKEY_MAX_PAYLOADS);
        size_t at = off, rem = len - off;
        const uint8_t *p = msg + off;
        size_t need;
        switch (pt) {
        case SCA_MIKEY_PT_T: {
            if (v->has_t)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: a second T payload at offset %zu", at);
            if (rem < 2)
                return truncated(err, pt, at, 2, rem);
            size_t vl = p[1] == SCA_MIKEY_TS_COUNTER ? 4 : p[1] <= SCA_MIKEY_TS_NTP ? 8 : 0;
            if (vl == 0)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: TS type %u is unknown (0 NTP-UTC, 1 NTP, 2 COUNTER)",
                                     p[1]);
            need = 2 + vl;
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            v->has_t = 1;
            v->t.type = p[1];
            v->t.value = vl == 4 ? sca_get32(p + 2) : (uint64_t)sca_get32(p + 2) << 32 | sca_get32(p + 6);
            break;
        }
        case SCA_MIKEY_PT_RAND:
            if (v->has_rand)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: a second RAND payload at offset %zu", at);
            if (rem < 2)
                return truncated(err, pt, at, 2, rem);
            if (p[1] == 0)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: RAND of length 0 at offset %zu", at);
            need = 2 + (size_t)p[1];
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            v->has_rand = 1;
            v->rand = p + 2;
            v->rand_len = p[1];
            break;
        case SCA_MIKEY_PT_ID: {
            if (v->n_ids == SCA_MIKEY_MAX_IDS)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: more than %d ID payloads (IDi, IDr)",
                                     SCA_MIKEY_MAX_IDS);
            if (rem < 4)
                return truncated(err, pt, at, 4, rem);
            size_t n = sca_get16(p + 2);
            if (n == 0)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: empty ID payload at offset %zu", at);
            need = 4 + n;
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            sca_mikey_id *id = &v->ids[v->n_ids++];
            id->type = p[1];
            id->data = p + 4;
            id->len = n;
            break;
        }
        case SCA_MIKEY_PT_KEMAC: {
            if (rem < 4)
                return truncated(err, pt, at, 4, rem);
            size_t el = sca_get16(p + 2);
            if (rem - 4 < el + 1)
                return truncated(err, pt, at, 4 + el + 1, rem);
            uint8_t alg = p[4 + el];
            size_t ml = mac_len_of(alg);
            if (ml == (size_t)-1)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: KEMAC MAC algorithm %u is unknown (0 NULL, 1 "
                                     "HMAC-SHA-1-160, 2 HMAC-SHA-256-256)", alg);
            need = 4 + el + 1 + ml;
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            if (p[0] != SCA_MIKEY_PT_LAST)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: KEMAC at offset %zu is followed by payload %u; its "
                                     "MAC covers the whole message, so it must be last (RFC 3830 §5.2)", at, p[0]);
            v->has_kemac = 1;
            v->kemac.encr_alg = p[1];
            v->kemac.encr = el ? p + 4 : NULL;
            v->kemac.encr_len = el;
            v->kemac.mac_alg = alg;
            v->kemac.mac = ml ? p + 5 + el : NULL;
            v->kemac.mac_len = ml;
            v->mac_offset = at + 5 + el;
            break;
        }
        case SCA_MIKEY_PT_V: {
            if (rem < 2)
                return truncated(err, pt, at, 2, rem);
            size_t ml = p[1] == 0 ? 0 : p[1] == 1 ? 20 : (size_t)-1;
            if (ml == (size_t)-1)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: V payload algorithm %u is unknown (0 NULL, 1 "
                                     "HMAC-SHA-1)", p[1]);
            need = 2 + ml;
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            if (p[0] != SCA_MIKEY_PT_LAST)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: V payload at offset %zu is followed by payload %u; "
                                     "it must be last (RFC 3830 §5.2)", at, p[0]);
            v->has_v = 1;
            v->v.alg = p[1];
            v->v.mac = ml ? p + 2 : NULL;
            v->v.mac_len = ml;
            v->mac_offset = at + 2;
            break;
        }
        case SCA_MIKEY_PT_SP: {
            if (v->n_sp == SCA_MIKEY_MAX_SP)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: more than %d SP payloads", SCA_MIKEY_MAX_SP);
            if (rem < 5)
                return truncated(err, pt, at, 5, rem);
            size_t pl = sca_get16(p + 3);
            need = 5 + pl;
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            sca_mikey_sp *sp = &v->sp[v->n_sp++];
            sp->policy_no = p[1];
            sp->prot_type = p[2];
            size_t o = 0;
            while (o < pl) {
                if (sp->n_params == SCA_MIKEY_MAX_SP_PARAMS)
                    return sca_error_set(err, SCA_E_PARSE, "MIKEY: SP payload with more than %d parameters",
                                         SCA_MIKEY_MAX_SP_PARAMS);
                if (pl - o < 2 || pl - o - 2 < p[5 + o + 1])
                    return sca_error_set(err, SCA_E_PARSE, "MIKEY: SP parameter %zu runs past the policy param "
                                         "length (%zu)", sp->n_params + 1, pl);
                sca_mikey_sp_param *q = &sp->params[sp->n_params++];
                q->type = p[5 + o];
                q->len = p[5 + o + 1];
                q->value = q->len ? p + 5 + o + 2 : NULL;
                o += 2 + (size_t)q->len;
            }
            break;
        }
        case SCA_MIKEY_PT_ERR:
            if (v->has_err)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: a second ERR payload at offset %zu", at);
            need = 4;
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            v->has_err = 1;
            v->err.err_no = p[1];
            v->err.reserved = sca_get16(p + 2);
            break;
        case SCA_MIKEY_PT_EXT: {
            if (v->n_ext == SCA_MIKEY_MAX_EXT)
                return sca_error_set(err, SCA_E_PARSE, "MIKEY: more than %d General Extension payloads",
                                     SCA_MIKEY_MAX_EXT);
            if (rem < 4)
                return truncated(err, pt, at, 4, rem);
            size_t n = sca_get16(p + 2);
            need = 4 + n;
            if (rem < need)
                return truncated(err, pt, at, need, rem);
            sca_mikey_ext *e = &v->ext[v->n_ext++];
            e->type = p[1];
            e->data = n ? p + 4 : NULL;
            e->len = n;
            if (e->type == SCA_MIKEY_EXT_KEY_ID && (rc = key_ids(e, &v->mbms, at, err)) != SCA_OK)
                return rc;
            if (e->type == SCA_MIKEY_EXT_OMA_BCAST && n > 0) {
                e->has_subtype = 1;
                e->subtype = p[4];
            }
            break;
        }
        case SCA_MIKEY_PT_KEY_DATA:
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: a Key Data payload at offset %zu outside a KEMAC", at);
        default:
            return sca_error_set(err, SCA_E_PARSE, "MIKEY: payload type %u at offset %zu is not supported (no "
                                 "length to skip it by); only T, RAND, ID, SP, KEMAC, V, ERR and General "
                                 "Extension are", pt, at);
        }
        v->order[v->n_payloads++] = pt;
        pt = p[0];
        off += need;
    }
    if (off != len)
        return sca_error_set(err, SCA_E_PARSE, "MIKEY: %zu trailing bytes after the last payload (offset %zu)",
                             len - off, off);
    return SCA_OK;
}

sca_rc sca_mikey_mac_range(const sca_mikey_view *v, size_t *covered_len, sca_error *err)
{
    if (v == NULL || covered_len == NULL || (!v->has_kemac && !v->has_v) || v->mac_offset == 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MIKEY: the message has no KEMAC or V payload, so no MAC; "
                             "parse a complete MSK, MTK or verification message first");
    *covered_len = v->mac_offset;
    return SCA_OK;
}
