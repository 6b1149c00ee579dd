/* AUTHENTICATE in the MBMS security context through the card (applet-spec/mbms.md §2): the ODD-INS block
 * exchange, the status words as errors that say what to do, the four modes, the MBMS setup (NAF derivation with the
 * MBMS Ua id) and the MBMS_KEYS status. */
#include "scagent/mbms.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bytes.h"
#include "sca_contract.h"
#include "scagent/gba.h"
#include "scagent/info.h"
#include "scagent/log.h"

#define TAG_ANSWER 0x53
#define RETRIEVE_MAX 16 /* answer parts after 62F3; each carries at least one byte, the answer is small */

static const char *mode_name(sca_mbms_mode mode)
{
    switch (mode) {
    case SCA_MBMS_MODE_MSK_UPDATE: return "MSK update (LTKM)";
    case SCA_MBMS_MODE_MTK: return "MTK generation (STKM)";
    case SCA_MBMS_MODE_MSK_DELETE: return "MSK deletion";
    case SCA_MBMS_MODE_MUK_DELETE: return "MUK deletion";
    }
    return "MBMS command";
}

/* A status word other than the expected ones, as an error that says what to do next. */
static sca_rc sw_error(sca_error *err, uint16_t sw, sca_mbms_mode mode)
{
    char op[80];
    snprintf(op, sizeof op, "AUTHENTICATE MBMS, %s", mode_name(mode));
    if (sw == SCA_SW_MORE_DATA_EXPECTED || sw == SCA_SW_MORE_DATA_AVAILABLE || sw == SCA_SW_ANSWER_AVAILABLE ||
        sw == SCA_SW_OK)
        return sca_error_set(err, SCA_E_PROTOCOL, "%s: the card answered %04X out of sequence (TS 102 221 Annex M "
                             "chaining); report it with the APDU trace (-vv)", op, sw);
    sca_error_from_sw(err, sw, op);
    int ltkm = mode == SCA_MBMS_MODE_MSK_UPDATE;
    switch (sw) {
    case SCA_SW_USIM_MAC_FAILED:
        return sca_error_explain(err, "%s: the message's MAC does not verify with the card's key (%s): it was not "
                                 "made for this card's %s, or it was altered; %s", op, ltkm ? "the MUK" : "the MSK",
                                 ltkm ? "GBA bootstrap" : "MSK", ltkm ? "run 'scagent gba bootstrap' and "
                                 "'scagent mbms setup' again, then have the BM-SC resend it" : "request the "
                                 "current LTKM (scagent bcast ltkm-request)");
    case SCA_SW_USIM_FRESHNESS:
        return sca_error_explain(err, "%s: replay or freshness failure: the message's counter%s is not newer than "
                                 "the last one the card accepted%s; it is an old or replayed message, nothing "
                                 "changed: wait for the next one", op, ltkm ? "" : " or MTK ID",
                                 ltkm ? "" : ", or the MTK ID is outside the MSK's validity");
    case SCA_SW_USIM_NO_MSK_MEMORY:
        return sca_error_explain(err, "%s: the card's MSK table is full; delete MSKs no longer needed ('scagent "
                                 "mbms status', then 'scagent mbms delete msk --key-domain HEX6 --key-group N')", op);
    case SCA_SW_USIM_NO_MUK_MEMORY:
        return sca_error_explain(err, "%s: the card's MUK table is full; delete the MUK of a BM-SC no longer used "
                                 "('scagent mbms status', then 'scagent mbms delete muk --idi FQDN --idr B-TID')", op);
    case SCA_SW_DATA_NOT_FOUND:
        switch (mode) {
        case SCA_MBMS_MODE_MSK_UPDATE:
            return sca_error_explain(err, "%s: the card has no MUK for this LTKM's IDi/IDr (BM-SC FQDN, B-TID): run "
                                     "'scagent gba bootstrap URL' and 'scagent mbms setup --bmsc-fqdn FQDN' first, "
                                     "or the LTKM is for an older bootstrap", op);
        case SCA_MBMS_MODE_MTK:
            return sca_error_explain(err, "%s: the card has no MSK with this STKM's Key Domain ID and MSK ID: the "
                                     "LTKM carrying it was not processed; request it (scagent bcast ltkm-request)",
                                     op);
        case SCA_MBMS_MODE_MSK_DELETE:
            return sca_error_explain(err, "%s: the card has no MSK of that Key Domain ID and Key Group (see "
                                     "'scagent mbms status')", op);
        case SCA_MBMS_MODE_MUK_DELETE:
            return sca_error_explain(err, "%s: the card has no MUK with that IDi and IDr (see 'scagent mbms "
                                     "status')", op);
        }
        break;
    case SCA_SW_SECURITY_STATUS:
        return sca_error_explain(err, "%s: verify the PIN first (--pin or --pin-stdin)", op);
    case SCA_SW_USIM_CONTEXT_NOT_SUPPORTED:
        return sca_error_explain(err, "%s: this card (application) has no MBMS security context", op);
    case SCA_SW_WRONG_DATA:
        return sca_error_explain(err, "%s: the card refused the message as malformed (mbms.md §4.1/§5 layout); "
                                 "check that it is a complete MIKEY %s", op, ltkm ? "LTKM" : "message");
    default:
        break;
    }
    return err != NULL ? err->rc : sca_sw_class(sw);
}

/* The BER length of `l` at out (1, 2 or 3 bytes); returns the count. */
static size_t put_ber_len(uint8_t *out, size_t l)
{
    if (l < 0x80) {
        out[0] = (uint8_t)l;
        return 1;
    }
    if (l < 0x100) {
        out[0] = 0x81;
        out[1] = (uint8_t)l;
        return 2;
    }
    out[0] = 0x82;
    sca_put16(out + 1, (uint16_t)l);
    return 3;
}

/* Send the blocks and collect the answer; inside a transaction. */
static sca_rc exchange(sca_card *c, sca_mbms_mode mode, const uint8_t *msg, size_t n, unsigned flags, uint8_t *ans,
                       size_t cap, size_t *ans_len, sca_error *err)
{
    uint16_t sw = 0;
    size_t got = 0, off = 0;
    sca_rc rc;
    *ans_len = 0;
    while (off < n) {
        size_t part = n - off > SCA_MBMS_BLOCK_MAX ? SCA_MBMS_BLOCK_MAX : n - off;
        int last = off + part == n;
        sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_AUTHENTICATE_ODD,
                      .p1 = off == 0 ? SCA_AUTHENTICATE_ODD_P1_80 : SCA_AUTHENTICATE_ODD_P1_00,
                      .p2 = SCA_AUTHENTICATE_ODD_P2_85, .data = msg + off, .lc = part, .le = last ? 256 : 0,
                      .flags = flags};
        rc = sca_card_transceive(c, &a, ans, cap, &got, &sw, err);
        if (rc != SCA_OK)
            return sca_error_prefix(err, "AUTHENTICATE MBMS, %s (block at %zu of %zu bytes)", mode_name(mode), off,
                                    n);
        off += part;
        if (!last) {
            if (sw != SCA_SW_MORE_DATA_EXPECTED)
                return sw == SCA_SW_OK || sw == SCA_SW_ANSWER_AVAILABLE
                           ? sca_error_set(err, SCA_E_PROTOCOL, "AUTHENTICATE MBMS: the card answered %04X before the "
                                           "last command block (%zu of %zu bytes sent)", sw, off, n)
                           : sw_error(err, sw, mode);
            if (got != 0)
                return sca_error_set(err, SCA_E_PROTOCOL, "AUTHENTICATE MBMS: the card answered data with 63F1");
            continue;
        }
        if (sw == SCA_SW_MORE_DATA_EXPECTED)
            return sca_error_set(err, SCA_E_PROTOCOL, "AUTHENTICATE MBMS: the card still expects data (63F1) after "
                                 "the last block: it read a longer 53 TLV than was sent");
        if (sw == SCA_SW_OK) {
            *ans_len = got;
            return SCA_OK;
        }
        if (sw != SCA_SW_ANSWER_AVAILABLE)
            return sw_error(err, sw, mode);
        if (got != 0)
            return sca_error_set(err, SCA_E_PROTOCOL, "AUTHENTICATE MBMS: the card answered data with 62F3");
    }
    /* 62F3: retrieve the answer, P1 A0 then 20 while 62F1 */
    size_t total = 0;
    for (int i = 0; i < RETRIEVE_MAX; i++) {
        sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_AUTHENTICATE_ODD,
                      .p1 = i == 0 ? SCA_AUTHENTICATE_ODD_P1_A0 : SCA_AUTHENTICATE_ODD_P1_20,
                      .p2 = SCA_AUTHENTICATE_ODD_P2_85, .le = 256, .flags = flags};
        rc = sca_card_transceive(c, &a, ans + total, cap - total, &got, &sw, err);
        if (rc != SCA_OK)
            return sca_error_prefix(err, "AUTHENTICATE MBMS, %s (retrieving the answer)", mode_name(mode));
        if (sw != SCA_SW_OK && sw != SCA_SW_MORE_DATA_AVAILABLE)
            return sw_error(err, sw, mode);
        total += got;
        if (sw == SCA_SW_OK) {
            *ans_len = total;
            return SCA_OK;
        }
        if (got == 0)
            return sca_error_set(err, SCA_E_PROTOCOL, "AUTHENTICATE MBMS: the card answered 62F1 (more data) "
                                 "with no data");
    }
    return sca_error_set(err, SCA_E_PROTOCOL, "AUTHENTICATE MBMS: the card's answer did not end after %d parts",
                         RETRIEVE_MAX);
}

sca_rc sca_mbms_command(sca_card *c, sca_mbms_mode mode, const uint8_t *mode_data, size_t len, int sensitive,
                        uint8_t *ans, size_t cap, size_t *ans_len, sca_error *err)
{
    if (c == NULL || ans == NULL || ans_len == NULL || (mode_data == NULL && len > 0))
        return sca_error_set(err, SCA_E_INVALID_ARG, "AUTHENTICATE MBMS: missing argument");
    *ans_len = 0;
    if (len + 1 > SCA_MBMS_MSG_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "AUTHENTICATE MBMS, %s: the message is %zu bytes; the card "
                             "takes at most %d (mode byte included)", mode_name(mode), len, SCA_MBMS_MSG_MAX);
    uint8_t msg[4 + SCA_MBMS_MSG_MAX];
    size_t n = 0;
    msg[n++] = TAG_ANSWER;
    n += put_ber_len(msg + n, len + 1);
    msg[n++] = (uint8_t)mode;
    if (len > 0)
        memcpy(msg + n, mode_data, len);
    n += len;
    sca_rc rc = sca_card_begin(c, err);
    if (rc == SCA_OK) {
        rc = exchange(c, mode, msg, n, sensitive ? SCA_APDU_SENSITIVE_RESP : 0u, ans, cap, ans_len, err);
        sca_card_end(c);
    }
    if (rc != SCA_OK && sensitive)
        OPENSSL_cleanse(ans, cap);
    return rc;
}

sca_rc sca_mbms_msk_update(sca_card *c, const uint8_t *ltkm, size_t len, uint8_t *verif, size_t cap,
                           size_t *verif_len, sca_error *err)
{
    if (ltkm == NULL || verif_len == NULL || (verif == NULL && cap > 0))
        return sca_error_set(err, SCA_E_INVALID_ARG, "MSK update: missing argument");
    *verif_len = 0;
    sca_mikey_view view;
    sca_ltkm_info info;
    sca_rc rc = sca_mikey_parse(ltkm, len, &view, err);
    if (rc == SCA_OK)
        rc = sca_ltkm_classify(&view, &info, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "MSK update: not an LTKM the card can take");
    if (info.cls != SCA_LTKM_NORMAL_UPDATE)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MSK update: this LTKM is a BSM solicited-pull trigger (%s), "
                             "which the terminal handles itself and never gives to the card; see 'scagent mbms "
                             "ltkm' (it prints what to do)", sca_ltkm_class_name(info.cls));
    uint8_t ans[SCA_MBMS_ANSWER_MAX];
    size_t n = 0;
    const uint8_t *d = NULL;
    size_t dl = 0;
    rc = sca_mbms_command(c, SCA_MBMS_MODE_MSK_UPDATE, ltkm, len, 0, ans, sizeof ans, &n, err);
    if (rc == SCA_OK)
        rc = sca_mbms_parse_answer(ans, n, SCA_MBMS_MODE_MSK_UPDATE, &d, &dl, err);
    if (rc != SCA_OK)
        return rc;
    if (dl > cap)
        return sca_error_set(err, SCA_E_BUFFER_TOO_SMALL, "MSK update: the verification message needs %zu bytes "
                             "(the MSK is stored)", dl);
    if (!view.hdr.v && dl > 0)
        sca_log(SCA_LOG_WARN, "mbms: the card sent a verification message the LTKM did not ask for");
    if (view.hdr.v && dl == 0)
        sca_log(SCA_LOG_WARN, "mbms: the LTKM asked for a verification message (V bit) and the card sent none");
    if (dl > 0)
        memcpy(verif, d, dl);
    *verif_len = dl;
    return SCA_OK;
}

sca_rc sca_mbms_mtk(sca_card *c, const uint8_t *stkm, size_t len, uint8_t mtk[SCA_MBMS_MTK_LEN],
                    uint8_t salt[SCA_MBMS_SALT_MAX], size_t *salt_len, sca_error *err)
{
    if (stkm == NULL || mtk == NULL || salt == NULL || salt_len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MTK generation: missing argument");
    *salt_len = 0;
    sca_mikey_view view;
    sca_rc rc = sca_mikey_parse(stkm, len, &view, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "MTK generation: not an STKM");
    if (!view.mbms.has_mtk_id || !view.mbms.has_msk_id || !view.has_kemac)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MTK generation: the message has no %s, so it is not an STKM "
                             "(an LTKM goes to 'scagent mbms ltkm')", !view.mbms.has_mtk_id ? "MTK ID"
                             : !view.mbms.has_msk_id ? "MSK ID" : "KEMAC");
    uint8_t ans[SCA_MBMS_ANSWER_MAX];
    size_t n = 0;
    const uint8_t *d = NULL;
    size_t dl = 0;
    rc = sca_mbms_command(c, SCA_MBMS_MODE_MTK, stkm, len, 1, ans, sizeof ans, &n, err);
    if (rc == SCA_OK)
        rc = sca_mbms_parse_answer(ans, n, SCA_MBMS_MODE_MTK, &d, &dl, err);
    if (rc == SCA_OK) {
        memcpy(mtk, d, SCA_MBMS_MTK_LEN);
        *salt_len = dl - SCA_MBMS_MTK_LEN;
        if (*salt_len > 0)
            memcpy(salt, d + SCA_MBMS_MTK_LEN, *salt_len);
    }
    OPENSSL_cleanse(ans, sizeof ans);
    return rc;
}

/* A deletion: the answer must be DB alone. */
static sca_rc deletion(sca_card *c, sca_mbms_mode mode, const uint8_t *d, size_t n, sca_error *err)
{
    uint8_t ans[SCA_MBMS_ANSWER_MAX];
    size_t an = 0;
    const uint8_t *data = NULL;
    size_t dl = 0;
    sca_rc rc = sca_mbms_command(c, mode, d, n, 0, ans, sizeof ans, &an, err);
    return rc == SCA_OK ? sca_mbms_parse_answer(ans, an, mode, &data, &dl, err) : rc;
}

sca_rc sca_mbms_msk_delete(sca_card *c, const uint8_t key_domain[SCA_MIKEY_KEY_DOMAIN_LEN], uint16_t key_group,
                           sca_error *err)
{
    if (key_domain == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MSK deletion: no Key Domain ID");
    uint8_t d[SCA_MIKEY_KEY_DOMAIN_LEN + 2];
    memcpy(d, key_domain, SCA_MIKEY_KEY_DOMAIN_LEN);
    sca_put16(d + SCA_MIKEY_KEY_DOMAIN_LEN, key_group);
    return deletion(c, SCA_MBMS_MODE_MSK_DELETE, d, sizeof d, err);
}

sca_rc sca_mbms_muk_delete(sca_card *c, const uint8_t *idi, size_t idi_len, const uint8_t *idr, size_t idr_len,
                           sca_error *err)
{
    if (idi == NULL || idr == NULL || idi_len == 0 || idi_len > SCA_MBMS_IDI_MAX || idr_len == 0 ||
        idr_len > SCA_MBMS_IDR_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MUK deletion: IDi has 1..%d bytes (the BM-SC FQDN), IDr "
                             "1..%d (the B-TID)", SCA_MBMS_IDI_MAX, SCA_MBMS_IDR_MAX);
    uint8_t inner[3 + SCA_MBMS_IDR_MAX + 3 + SCA_MBMS_IDI_MAX], d[4 + sizeof inner];
    size_t n = 0;
    inner[n++] = 0x80;
    n += put_ber_len(inner + n, idr_len);
    memcpy(inner + n, idr, idr_len);
    n += idr_len;
    inner[n++] = 0x82;
    n += put_ber_len(inner + n, idi_len);
    memcpy(inner + n, idi, idi_len);
    n += idi_len;
    size_t m = 0;
    d[m++] = 0xA0;
    m += put_ber_len(d + m, n);
    memcpy(d + m, inner, n);
    m += n;
    return deletion(c, SCA_MBMS_MODE_MUK_DELETE, d, m, err);
}

sca_rc sca_mbms_setup(sca_card *c, const char *bmsc_fqdn, const char *impi, uint8_t mrk[SCA_MBMS_MRK_LEN],
                      sca_error *err)
{
    if (c == NULL || mrk == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "MBMS setup: missing argument");
    uint8_t naf[SCA_GBA_NAF_ID_MAX];
    size_t naf_len = 0;
    char card_impi[SCA_GBA_IMPI_MAX + 1];
    sca_rc rc = sca_gba_naf_id(bmsc_fqdn, SCA_GBA_UA_MBMS, naf, &naf_len, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "MBMS setup: the BM-SC");
    if (impi == NULL) {
        rc = sca_gba_impi(c, card_impi, sizeof card_impi, err);
        if (rc != SCA_OK)
            return sca_error_prefix(err, "MBMS setup");
        impi = card_impi;
    }
    rc = sca_gba_naf_key(c, naf, naf_len, impi, mrk, err);
    if (rc == SCA_OK)
        return SCA_OK;
    OPENSSL_cleanse(mrk, SCA_MBMS_MRK_LEN);
    if (err != NULL && err->sw == SCA_SW_USIM_NO_MUK_MEMORY)
        return sca_error_explain(err, "MBMS setup: the card's MUK table is full (one MUK per BM-SC); delete one no "
                                 "longer used ('scagent mbms status', 'scagent mbms delete muk --idi FQDN --idr "
                                 "B-TID') and run the setup again");
    if (err != NULL && err->sw == SCA_SW_CONDITIONS)
        return sca_error_explain(err, "MBMS setup: the card has no GBA bootstrap with a B-TID yet; run 'scagent gba "
                                 "bootstrap URL' first (the MUK is bound to the B-TID)");
    return sca_error_prefix(err, "MBMS setup");
}

sca_rc sca_mbms_status_read(sca_card *c, sca_mbms_status *out, sca_error *err)
{
    uint8_t b[2048];
    size_t n = 0;
    sca_rc rc = sca_get_data(c, SCA_TAG_MBMS_KEYS, b, sizeof b, &n, err);
    if (rc == SCA_E_NOT_FOUND || rc == SCA_E_NOT_SUPPORTED || rc == SCA_E_BAD_REQUEST)
        return sca_error_explain(err, "the applet has no MBMS key tables (capability MBMS_KEYS); a USIM's own MBMS "
                                 "context cannot be listed");
    if (rc != SCA_OK)
        return rc;
    return sca_mbms_status_parse(b, n, out, err);
}
