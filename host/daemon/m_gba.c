/* Handlers: GBA_U (status, Ks_ext_NAF); Ub bootstrapping (off the card thread) is in m_mbms.c. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "handlers.h"
#include "methods.h"
#include "proto.h"

scd_step scd_h_gba_status(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_gba_bp bp;
    char impi[SCA_GBA_IMPI_MAX + 1] = "";
    sca_rc irc = sca_gba_impi(x->card, impi, sizeof impi, &err);
    if (irc != SCA_OK && irc != SCA_E_NOT_FOUND)
        return scd_fail_err(j, &err);
    sca_rc rc = sca_gba_bp_read(x->card, &bp, &err);
    if (rc != SCA_OK && rc != SCA_E_NOT_FOUND)
        return scd_fail_err(j, &err);
    json_t *o = json_pack("{s:b}", "bootstrapped", rc == SCA_OK);
    json_object_set_new(o, "impi", irc == SCA_OK ? json_string(impi) : json_null());
    if (rc == SCA_OK) {
        json_object_set_new(o, "rand", scd_jhex(bp.rand, sizeof bp.rand));
        json_object_set_new(o, "btid", json_string(bp.btid));
        json_object_set_new(o, "lifetime", json_string(bp.lifetime));
    }
    return scd_ok(j, o);
}

scd_step scd_h_gba_naf_key(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t ua[5], naf[SCA_GBA_NAF_ID_MAX], key[SCA_GBA_KS_NAF_LEN];
    size_t ua_len = 0, naf_len = 0;
    char impi[SCA_GBA_IMPI_MAX + 1];
    sca_rc rc = scd_phex(j, "ua_id", ua, sizeof ua, &ua_len, &err);
    if (rc == SCA_OK)
        rc = sca_gba_naf_id(scd_pstr(j, "naf_fqdn"), ua_len ? ua : SCA_GBA_UA_MBMS, naf, &naf_len, &err);
    if (rc == SCA_OK)
        rc = scd_need_pin(x, j, scd_pstr(j, "pin"), &err);
    if (rc == SCA_OK) {
        if (scd_pstr(j, "impi") != NULL)
            snprintf(impi, sizeof impi, "%s", scd_pstr(j, "impi"));
        else
            rc = sca_gba_impi(x->card, impi, sizeof impi, &err);
    }
    if (rc == SCA_OK)
        rc = sca_gba_naf_key(x->card, naf, naf_len, impi, key, &err);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    json_t *o = json_pack("{s:s, s:o}", "naf_fqdn", scd_pstr(j, "naf_fqdn"), "ks_ext_naf", scd_jhex(key, sizeof key));
    OPENSSL_cleanse(key, sizeof key);
    return scd_ok(j, o);
}
