/* The signed firmware-update manifest (applet-spec/dm-firmware.md §4.1) and the subscriber token (§4.2 item 8). */
#include "scagent/fu.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aes.h"
#include "fu_int.h"
#include "sca_contract.h"
#include "bytes.h"

_Static_assert(SCA_FU_SERVER_ID_MAX == SCA_DM_ID_MAX, "fu.h and the contract disagree on the server id length");
_Static_assert(SCA_FU_KIND_FIRMWARE == SCA_LOG_KIND_FIRMWARE && SCA_FU_KIND_SOFTWARE == SCA_LOG_KIND_SOFTWARE,
               "fu.h and the contract disagree on the kinds");
_Static_assert(SCA_FU_TOKEN_LEN == 16, "the token is one AES-CMAC");

#define HEADER_LEN (SCA_FU_MAGIC_LEN + 1)

typedef struct tag_rule {
    uint8_t tag;
    uint8_t min, max;
    int required;
    const char *name;
} tag_rule;

static const tag_rule RULES[] = {
    {SCA_FU_TAG_SHA256, 32, 32, 1, "package SHA-256"},
    {SCA_FU_TAG_SIZE, 8, 8, 1, "package size"},
    {SCA_FU_TAG_KIND, 1, 1, 1, "kind"},
    {SCA_FU_TAG_MANUFACTURER, 2, 2, 1, "manufacturer"},
    {SCA_FU_TAG_MODEL, 2, 2, 1, "model"},
    {SCA_FU_TAG_FROM, 4, 4, 1, "version range"},
    {SCA_FU_TAG_TO, 2, 2, 1, "new version"},
    {SCA_FU_TAG_SEQ, 4, 4, 1, "sequence number"},
    {SCA_FU_TAG_SERVER_ID, 1, SCA_FU_SERVER_ID_MAX, 1, "DM server id"},
    {SCA_FU_TAG_IMEI, 8, 8, 0, "target IMEI"},
    {SCA_FU_TAG_CARD_ID, 16, 16, 0, "card binding"},
    {SCA_FU_TAG_ORIGINATOR, 1, 1, 1, "originator slot"},
    {SCA_FU_TAG_SIGNATURE, SCA_FU_SIG_MIN, SCA_FU_SIG_MAX, 1, "signature"},
};
#define N_RULES (sizeof RULES / sizeof RULES[0])

static const tag_rule *rule_of(uint8_t tag, size_t *index)
{
    for (size_t i = 0; i < N_RULES; i++)
        if (RULES[i].tag == tag) {
            *index = i;
            return &RULES[i];
        }
    return NULL;
}

/* Store one value the rules admit (its length is checked) into the view. */
static sca_rc take(sca_fu_manifest_view *v, uint8_t tag, const uint8_t *p, size_t n, size_t off, sca_error *err)
{
    sca_fu_manifest *m = &v->m;
    switch (tag) {
    case SCA_FU_TAG_SHA256: memcpy(m->sha256, p, 32); break;
    case SCA_FU_TAG_SIZE: m->size = sca_get64(p); break;
    case SCA_FU_TAG_KIND:
        if (p[0] != SCA_FU_KIND_FIRMWARE && p[0] != SCA_FU_KIND_SOFTWARE)
            return sca_error_set(err, SCA_E_PARSE, "manifest: kind (tag 03 at byte %zu) is 0x%02X; it must be 01 "
                                 "(firmware) or 02 (software)", off, p[0]);
        m->kind = p[0];
        break;
    case SCA_FU_TAG_MANUFACTURER: m->manufacturer = sca_fu_be16(p); break;
    case SCA_FU_TAG_MODEL: m->model = sca_fu_be16(p); break;
    case SCA_FU_TAG_FROM:
        m->from_min = sca_fu_be16(p);
        m->from_max = sca_fu_be16(p + 2);
        break;
    case SCA_FU_TAG_TO: m->to = sca_fu_be16(p); break;
    case SCA_FU_TAG_SEQ: m->seq = sca_fu_be32(p); break;
    case SCA_FU_TAG_SERVER_ID:
        memcpy(m->server_id, p, n);
        m->server_id_len = n;
        break;
    case SCA_FU_TAG_IMEI: {
        memcpy(m->imei, p, SCA_IMEI_BCD_LEN);
        m->has_imei = 1;
        if (sca_imei_decode(m->imei, v->imei_digits, NULL) != SCA_OK)
            v->imei_digits[0] = '\0'; /* shown as bytes; the card compares bytes */
        break;
    }
    case SCA_FU_TAG_CARD_ID:
        memcpy(m->card_id, p, SCA_FU_CARD_ID_LEN);
        m->has_card_id = 1;
        break;
    case SCA_FU_TAG_ORIGINATOR:
        if (p[0] >= SCA_FU_ORIGINATORS)
            return sca_error_set(err, SCA_E_PARSE, "manifest: originator slot (tag 0C at byte %zu) is %u; the card "
                                 "has slots 0..%d", off, p[0], SCA_FU_ORIGINATORS - 1);
        m->originator = p[0];
        break;
    default: return sca_error_set(err, SCA_E_INTERNAL, "manifest: no rule for tag 0x%02X", tag);
    }
    return SCA_OK;
}

sca_rc sca_fu_manifest_parse(const uint8_t *buf, size_t len, sca_fu_manifest_view *v, sca_error *err)
{
    memset(v, 0, sizeof *v);
    if (buf == NULL || len < HEADER_LEN)
        return sca_error_set(err, SCA_E_PARSE, "manifest: %zu bytes, truncated before the end of the header "
                             "(\"SCFU\" and the format byte)", buf ? len : 0);
    if (len > SCA_FU_MANIFEST_MAX)
        return sca_error_set(err, SCA_E_PARSE, "manifest: %zu bytes; at most %d are allowed", len,
                             SCA_FU_MANIFEST_MAX);
    if (memcmp(buf, SCA_FU_MAGIC, SCA_FU_MAGIC_LEN) != 0)
        return sca_error_set(err, SCA_E_PARSE, "manifest: does not start with \"SCFU\"; this is not a scagent "
                             "firmware-update manifest");
    if (buf[4] != SCA_FU_FORMAT)
        return sca_error_set(err, SCA_E_PARSE, "manifest: format 0x%02X; this host reads format 01 only", buf[4]);
    int seen[N_RULES] = {0};
    int last_tag = -1;
    size_t off = HEADER_LEN;
    while (off < len) {
        if (len - off < 2)
            return sca_error_set(err, SCA_E_PARSE, "manifest: truncated in a TLV header at byte %zu", off);
        uint8_t tag = buf[off];
        size_t n = buf[off + 1];
        size_t idx = 0;
        const tag_rule *r = rule_of(tag, &idx);
        if (r == NULL)
            return sca_error_set(err, SCA_E_PARSE, "manifest: unknown tag 0x%02X at byte %zu", tag, off);
        if (tag == last_tag)
            return sca_error_set(err, SCA_E_PARSE, "manifest: tag 0x%02X (%s) appears twice (byte %zu)", tag,
                                 r->name, off);
        if (tag < last_tag)
            return sca_error_set(err, SCA_E_PARSE, "manifest: tag 0x%02X (%s) at byte %zu comes after tag 0x%02X; "
                                 "tags must be in increasing order", tag, r->name, off, last_tag);
        if (len - off - 2 < n)
            return sca_error_set(err, SCA_E_PARSE, "manifest: tag 0x%02X (%s) at byte %zu has length %zu but only "
                                 "%zu bytes remain", tag, r->name, off, n, len - off - 2);
        if (n < r->min || n > r->max) {
            if (r->min == r->max)
                return sca_error_set(err, SCA_E_PARSE, "manifest: tag 0x%02X (%s) at byte %zu has length %zu; it "
                                     "must be %u", tag, r->name, off, n, r->min);
            return sca_error_set(err, SCA_E_PARSE, "manifest: tag 0x%02X (%s) at byte %zu has length %zu; it must "
                                 "be %u..%u", tag, r->name, off, n, r->min, r->max);
        }
        seen[idx] = 1;
        last_tag = tag;
        if (tag == SCA_FU_TAG_SIGNATURE) {
            v->tbs_len = off;
            v->signature = buf + off + 2;
            v->signature_len = n;
            off += 2 + n;
            if (off != len)
                return sca_error_set(err, SCA_E_PARSE, "manifest: %zu byte%s after the signature; the signature "
                                     "must be last", len - off, len - off == 1 ? "" : "s");
            break;
        }
        sca_rc rc = take(v, tag, buf + off + 2, n, off, err);
        if (rc != SCA_OK)
            return rc;
        off += 2 + n;
    }
    for (size_t i = 0; i < N_RULES; i++)
        if (RULES[i].required && !seen[i])
            return sca_error_set(err, SCA_E_PARSE, "manifest: the required tag 0x%02X (%s) is missing%s",
                                 RULES[i].tag, RULES[i].name,
                                 RULES[i].tag == SCA_FU_TAG_SIGNATURE ? " (unsigned or truncated manifest)" : "");
    v->len = len;
    return SCA_OK;
}

static size_t put_tlv(uint8_t *out, size_t off, uint8_t tag, const uint8_t *val, size_t n)
{
    out[off] = tag;
    out[off + 1] = (uint8_t)n;
    memcpy(out + off + 2, val, n);
    return off + 2 + n;
}

sca_rc sca_fu_manifest_build(const sca_fu_manifest *m, EVP_PKEY *originator_key, uint8_t **out, size_t *len,
                             sca_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (len != NULL)
        *len = 0;
    if (m == NULL || out == NULL || len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "manifest: fields and output are required");
    if (m->server_id_len < 1 || m->server_id_len > SCA_FU_SERVER_ID_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "manifest: the DM server id has %zu bytes; it must have "
                             "1..%d", m->server_id_len, SCA_FU_SERVER_ID_MAX);
    if (m->kind != SCA_FU_KIND_FIRMWARE && m->kind != SCA_FU_KIND_SOFTWARE)
        return sca_error_set(err, SCA_E_INVALID_ARG, "manifest: kind %u; it must be 1 (firmware) or 2 (software)",
                             m->kind);
    if (m->originator >= SCA_FU_ORIGINATORS)
        return sca_error_set(err, SCA_E_INVALID_ARG, "manifest: originator slot %u; the card has slots 0..%d",
                             m->originator, SCA_FU_ORIGINATORS - 1);
    sca_rc rc = sca_fu_require_p256(originator_key, "the originator key", err);
    if (rc != SCA_OK)
        return rc;

    uint8_t buf[SCA_FU_MANIFEST_MAX];
    _Static_assert(HEADER_LEN + 34 + 10 + 3 + 4 + 4 + 6 + 4 + 6 + 2 + SCA_FU_SERVER_ID_MAX + 10 + 18 + 3 + 2 +
                       SCA_FU_SIG_MAX <= SCA_FU_MANIFEST_MAX,
                   "the largest manifest fits FU_MANIFEST_MAX");
    uint8_t v[8];
    size_t off = 0;
    memcpy(buf, SCA_FU_MAGIC, SCA_FU_MAGIC_LEN);
    buf[4] = SCA_FU_FORMAT;
    off = HEADER_LEN;
    off = put_tlv(buf, off, SCA_FU_TAG_SHA256, m->sha256, 32);
    for (int i = 0; i < 8; i++)
        v[i] = (uint8_t)(m->size >> (56 - 8 * i));
    off = put_tlv(buf, off, SCA_FU_TAG_SIZE, v, 8);
    off = put_tlv(buf, off, SCA_FU_TAG_KIND, &m->kind, 1);
    sca_fu_put16(v, m->manufacturer);
    off = put_tlv(buf, off, SCA_FU_TAG_MANUFACTURER, v, 2);
    sca_fu_put16(v, m->model);
    off = put_tlv(buf, off, SCA_FU_TAG_MODEL, v, 2);
    sca_fu_put16(v, m->from_min);
    sca_fu_put16(v + 2, m->from_max);
    off = put_tlv(buf, off, SCA_FU_TAG_FROM, v, 4);
    sca_fu_put16(v, m->to);
    off = put_tlv(buf, off, SCA_FU_TAG_TO, v, 2);
    sca_fu_put32(v, m->seq);
    off = put_tlv(buf, off, SCA_FU_TAG_SEQ, v, 4);
    off = put_tlv(buf, off, SCA_FU_TAG_SERVER_ID, m->server_id, m->server_id_len);
    if (m->has_imei)
        off = put_tlv(buf, off, SCA_FU_TAG_IMEI, m->imei, SCA_IMEI_BCD_LEN);
    if (m->has_card_id)
        off = put_tlv(buf, off, SCA_FU_TAG_CARD_ID, m->card_id, SCA_FU_CARD_ID_LEN);
    off = put_tlv(buf, off, SCA_FU_TAG_ORIGINATOR, &m->originator, 1);

    size_t tbs_len = off, sig_len = 0;
    rc = sca_fu_sign_der(originator_key, "the originator key", buf, tbs_len, SCA_FU_SIG_MIN, buf + off + 2,
                         sizeof buf - off - 2, &sig_len, err);
    if (rc != SCA_OK)
        return rc;
    if (sig_len > SCA_FU_SIG_MAX)
        return sca_error_set(err, SCA_E_CRYPTO, "manifest: a %zu-byte signature; P-256 DER signatures have at "
                             "most %d", sig_len, SCA_FU_SIG_MAX);
    buf[off] = SCA_FU_TAG_SIGNATURE;
    buf[off + 1] = (uint8_t)sig_len;
    off += 2 + sig_len;
    *out = malloc(off);
    if (*out == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "manifest: out of memory");
    memcpy(*out, buf, off);
    *len = off;
    return SCA_OK;
}

sca_rc sca_fu_manifest_verify_sig(const uint8_t *buf, size_t len, EVP_PKEY *originator, sca_error *err)
{
    sca_fu_manifest_view v;
    sca_rc rc = sca_fu_manifest_parse(buf, len, &v, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_fu_require_p256(originator, "the originator key", err);
    if (rc != SCA_OK)
        return rc;
    int ok = sca_fu_verify_der(originator, buf, v.tbs_len, v.signature, v.signature_len);
    if (ok < 0)
        return sca_error_set(err, SCA_E_CRYPTO, "manifest: OpenSSL could not set up the signature check");
    if (ok == 0)
        return sca_error_set(err, SCA_E_CRYPTO, "manifest: the signature does not verify with the originator key "
                             "(slot %u): the manifest was altered or signed with another key", v.m.originator);
    return SCA_OK;
}

sca_rc sca_fu_token(const uint8_t key[16], const uint8_t *manifest, size_t len, const uint8_t card_id[16],
                    uint32_t seq, uint8_t out[16], sca_error *err)
{
    if (key == NULL || (manifest == NULL && len != 0) || card_id == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "token: key, manifest, card id and output are required");
    uint8_t data[32 + 16 + 4];
    unsigned int n = 0;
    if (EVP_Digest(manifest, len, data, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return sca_error_set(err, SCA_E_CRYPTO, "token: SHA-256 of the manifest failed in OpenSSL");
    memcpy(data + 32, card_id, 16);
    sca_fu_put32(data + 48, seq);
    sca_rc rc = sca_aes_cmac(key, data, sizeof data, out, err);
    if (rc != SCA_OK && err != NULL)
        sca_error_prefix(err, "token");
    return rc;
}

sca_rc sca_fu_token_verify(const uint8_t key[16], const uint8_t *manifest, size_t len, const uint8_t card_id[16],
                           const uint8_t token[16], sca_error *err)
{
    if (token == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "token: no token given");
    sca_fu_manifest_view v;
    sca_rc rc = sca_fu_manifest_parse(manifest, len, &v, err);
    if (rc != SCA_OK)
        return rc;
    uint8_t want[16];
    rc = sca_fu_token(key, manifest, len, card_id, v.m.seq, want, err);
    if (rc != SCA_OK)
        return rc;
    int same = CRYPTO_memcmp(want, token, sizeof want) == 0;
    OPENSSL_cleanse(want, sizeof want);
    if (!same)
        return sca_error_set(err, SCA_E_CRYPTO, "token: does not match this manifest and card id (another card, "
                             "another manifest, or another token key)");
    return SCA_OK;
}
