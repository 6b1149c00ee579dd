/* EF_UST of a physical USIM (TS 31.102 §4.2.8) and the choice of the application that serves AUTHENTICATE MBMS
 * (applet-spec/mbms.md §6). The USIM commands are not the applet's, so their codes are here and not in the
 * contract. Physical USIMs only: CI has none, so sca_usim_read_ust is exercised by the unit tests' scripted card
 * only. */
#include "scagent/mbms.h"

#include <string.h>

#include "sca_contract.h"
#include "scagent/log.h"
#include "scagent/usim.h"

int sca_ust_has(const uint8_t *ust, size_t len, unsigned service)
{
    if (ust == NULL || service == 0 || (service - 1) / 8 >= len)
        return 0;
    return (ust[(service - 1) / 8] >> ((service - 1) % 8)) & 1;
}

sca_rc sca_usim_read_ust(sca_card *c, uint8_t *ust, size_t cap, size_t *len, sca_error *err)
{
    return sca_usim_read_ef(c, SCA_USIM_EF_UST, ust, cap, len, err);
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
