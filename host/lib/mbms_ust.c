/* EF_UST of a physical USIM (TS 31.102 §4.2.8) and the choice of the application that serves AUTHENTICATE MBMS
 * (applet-spec/mbms.md §6). The USIM commands are not the applet's, so their codes are here and not in the
 * contract. Physical USIMs only: CI has none, so sca_usim_read_ust is exercised by the unit tests' scripted card
 * only. */
#include "scagent/mbms.h"

#include <string.h>

#include "sca_contract.h"
#include "scagent/log.h"
#include "scagent/tlv.h"

#define INS_READ_BINARY 0xB0
#define SELECT_BY_DF_NAME 0x04
#define SELECT_BY_FID 0x00
#define P2_FCP 0x04
#define P2_NO_DATA 0x0C
#define FCP_TEMPLATE 0x62
#define FCP_FILE_SIZE 0x80

static const uint8_t USIM_AID_PREFIX[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};
static const uint8_t EF_UST[] = {0x6F, 0x38};

int sca_ust_has(const uint8_t *ust, size_t len, unsigned service)
{
    if (ust == NULL || service == 0 || (service - 1) / 8 >= len)
        return 0;
    return (ust[(service - 1) / 8] >> ((service - 1) % 8)) & 1;
}

/* SELECT with P2 04 (FCP), else with P2 0C when the card refuses P2 04; the FCP (or nothing) into fcp. */
static sca_rc select_file(sca_card *c, uint8_t p1, const uint8_t *id, size_t n, uint8_t *fcp, size_t cap,
                          size_t *fcp_len, const char *what, sca_error *err)
{
    uint16_t sw;
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_SELECT, .p1 = p1, .p2 = P2_FCP, .data = id, .lc = n, .le = 256};
    sca_rc rc = sca_card_transceive(c, &a, fcp, cap, fcp_len, &sw, err);
    if (rc == SCA_OK && (sw == SCA_SW_INCORRECT_P1P2 || sw == SCA_SW_WRONG_P1P2 || sw == SCA_SW_FUNC_NOT_SUPPORTED)) {
        a.p2 = P2_NO_DATA;
        a.le = 0;
        rc = sca_card_transceive(c, &a, fcp, cap, fcp_len, &sw, err);
        *fcp_len = 0;
    }
    if (rc != SCA_OK)
        return rc;
    if (sw == SCA_SW_FILE_NOT_FOUND)
        return sca_error_set(err, SCA_E_NOT_FOUND, "%s: not on this card (SELECT answered 6A82)", what);
    if (sw != SCA_SW_OK)
        return sca_error_from_sw(err, sw, what);
    return SCA_OK;
}

sca_rc sca_usim_read_ust(sca_card *c, uint8_t *ust, size_t cap, size_t *len, sca_error *err)
{
    if (c == NULL || ust == NULL || len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "reading EF_UST: missing argument");
    *len = 0;
    uint8_t fcp[258];
    size_t fl = 0;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = select_file(c, SELECT_BY_DF_NAME, USIM_AID_PREFIX, sizeof USIM_AID_PREFIX, fcp, sizeof fcp, &fl,
                     "selecting the USIM application (AID A0000000871002...)", err);
    if (rc == SCA_OK)
        rc = select_file(c, SELECT_BY_FID, EF_UST, sizeof EF_UST, fcp, sizeof fcp, &fl, "selecting EF_UST (6F38)",
                         err);
    size_t want = 256;
    sca_tlv t62, t80;
    if (rc == SCA_OK && fl > 0 && sca_tlv_find(fcp, fl, FCP_TEMPLATE, &t62, NULL) == SCA_OK &&
        sca_tlv_find(t62.value, t62.len, FCP_FILE_SIZE, &t80, NULL) == SCA_OK && t80.len >= 1 && t80.len <= 2) {
        want = t80.len == 1 ? t80.value[0] : (size_t)(t80.value[0] << 8 | t80.value[1]);
        if (want == 0 || want > 256)
            rc = sca_error_set(err, SCA_E_PARSE, "EF_UST: the FCP gives a size of %zu bytes", want);
    }
    if (rc == SCA_OK) {
        uint16_t sw;
        uint8_t b[258];
        size_t n = 0;
        sca_apdu a = {.cla = SCA_CLA_ISO, .ins = INS_READ_BINARY, .le = want};
        rc = sca_card_transceive(c, &a, b, sizeof b, &n, &sw, err);
        if (rc == SCA_OK && sw != SCA_SW_OK && sw != 0x6282 /* end of file reached before Le */)
            rc = sca_error_from_sw(err, sw, "reading EF_UST (READ BINARY)");
        if (rc == SCA_OK && (n == 0 || n > cap))
            rc = sca_error_set(err, n == 0 ? SCA_E_PARSE : SCA_E_BUFFER_TOO_SMALL, "EF_UST: %zu bytes read", n);
        if (rc == SCA_OK) {
            memcpy(ust, b, n);
            *len = n;
        }
    }
    sca_card_end(c);
    return rc;
}

sca_mbms_backend_kind sca_mbms_backend(sca_card *c)
{
    if (c == NULL)
        return SCA_MBMS_BACKEND_NONE;
    if (sca_card_capabilities(c) & SCA_CAP_MBMS_KEYS)
        return SCA_MBMS_BACKEND_APPLET;
    uint8_t ust[SCA_UST_MAX];
    size_t n = 0;
    sca_error err;
    if (sca_usim_read_ust(c, ust, sizeof ust, &n, &err) != SCA_OK) {
        sca_log(SCA_LOG_INFO, "mbms: no USIM MBMS context: %s", err.msg);
        return SCA_MBMS_BACKEND_NONE;
    }
    if (sca_ust_has(ust, n, SCA_UST_GBA) && sca_ust_has(ust, n, SCA_UST_MBMS_SECURITY))
        return SCA_MBMS_BACKEND_USIM;
    sca_log(SCA_LOG_INFO, "mbms: the USIM's EF_UST lacks service %s", sca_ust_has(ust, n, SCA_UST_GBA) ? "69 (MBMS "
            "security)" : "68 (GBA)");
    return SCA_MBMS_BACKEND_NONE;
}

const char *sca_mbms_backend_name(sca_mbms_backend_kind kind)
{
    switch (kind) {
    case SCA_MBMS_BACKEND_NONE: return "none";
    case SCA_MBMS_BACKEND_APPLET: return "applet";
    case SCA_MBMS_BACKEND_USIM: return "usim";
    }
    return "?";
}
