/* LTKM classification (seed 001: OMA-TS-BCAST_SvcCntProtection 6.6.1 and 6.6.2; applet-spec/mikey.md §5).
 * An LTKM with MSK ID Key Number part = 0, KEMAC Encr Data Len = 0 and the HDR V bit not set starts a BSM
 * solicited pull; with Key Group part = 0 as well, the terminal registers with "urn:allServices" and sends no
 * LTKM request. Everything else is an ordinary LTKM for the card. */
#include "scagent/mikey.h"

#include <string.h>

const char *sca_ltkm_class_name(sca_ltkm_class cls)
{
    switch (cls) {
    case SCA_LTKM_NORMAL_UPDATE: return "normal-update";
    case SCA_LTKM_SOLICITED_PULL: return "solicited-pull";
    case SCA_LTKM_REREGISTER_ALL_SERVICES: return "reregister-all-services";
    }
    return "?";
}

sca_rc sca_ltkm_classify(const sca_mikey_view *v, sca_ltkm_info *out, sca_error *err)
{
    if (v == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "sca_ltkm_classify: missing argument");
    memset(out, 0, sizeof *out);
    if (v->hdr.data_type != SCA_MIKEY_DT_PSK)
        return sca_error_set(err, SCA_E_PARSE, "LTKM: data type %u is not a pre-shared key message (0); this is "
                             "not an LTKM", v->hdr.data_type);
    if (!v->has_kemac)
        return sca_error_set(err, SCA_E_PARSE, "LTKM: no KEMAC payload; an LTKM always ends with one");
    if (!v->mbms.has_key_domain || !v->mbms.has_msk_id)
        return sca_error_set(err, SCA_E_PARSE, "LTKM: no %s in a Key ID extension (RFC 4563); the terminal cannot "
                             "tell which SEK/PEK it is about", v->mbms.has_key_domain ? "MSK ID" : "Key Domain ID");
    if (v->mbms.has_mtk_id)
        return sca_error_set(err, SCA_E_PARSE, "LTKM: the message carries an MTK ID, so it is an STKM (MTK "
                             "message); pass it to the card in MTK generation mode instead");
    memcpy(out->key_domain, v->mbms.key_domain, sizeof out->key_domain);
    out->key_group = v->mbms.key_group;
    out->key_number = v->mbms.key_number;
    if (out->key_number == 0 && v->kemac.encr_len == 0 && !v->hdr.v)
        out->cls = out->key_group == 0 ? SCA_LTKM_REREGISTER_ALL_SERVICES : SCA_LTKM_SOLICITED_PULL;
    else
        out->cls = SCA_LTKM_NORMAL_UPDATE;
    return SCA_OK;
}
