/* The IMSI data object of the applet (EF_IMSI format). */
#include "scagent/imsi.h"

#include <string.h>

#include "sca_contract.h"
#include "scagent/bootstrap.h"
#include "scagent/info.h"
#include "scagent/issuer.h"

sca_rc sca_imsi_ef_encode(const char *digits, uint8_t out[SCA_EF_IMSI_LEN], sca_error *err)
{
    uint8_t semi[SCA_DMBOOT_IMSI_KEY_MAX];
    size_t n = 0;
    /* the same semi-octet coding as the NETWORKID key (TS 24.008 §10.5.1.4, type 001) */
    sca_rc rc = sca_dmboot_imsi_secret(digits, semi, &n, err);
    if (rc != SCA_OK)
        return rc;
    if (n < 4 || n > 8)
        return sca_error_set(err, SCA_E_INVALID_ARG, "an IMSI has 6 to 15 digits");
    memset(out, 0xFF, SCA_EF_IMSI_LEN);
    out[0] = (uint8_t)n;
    memcpy(out + 1, semi, n);
    return SCA_OK;
}

sca_rc sca_card_imsi(sca_card *c, uint8_t ef[SCA_EF_IMSI_LEN], uint8_t *key, size_t *key_len, sca_error *err)
{
    uint8_t b[32];
    size_t n = 0;
    sca_rc rc = sca_get_data(c, SCA_TAG_IMSI, b, sizeof b, &n, err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, "the card holds no IMSI; the issuer writes it with 'scagent perso imsi'");
    if (rc != SCA_OK)
        return rc;
    if (n != SCA_EF_IMSI_LEN || b[0] < 1 || b[0] > 8)
        return sca_error_set(err, SCA_E_PARSE, "the card's IMSI is not a 9-byte EF_IMSI (%zu bytes, L %u)", n, b[0]);
    memcpy(ef, b, SCA_EF_IMSI_LEN);
    memcpy(key, b + 1, b[0]);
    *key_len = b[0];
    return SCA_OK;
}

sca_rc sca_card_imsi_put(sca_card *c, const uint8_t ef[SCA_EF_IMSI_LEN], sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_PUT_DATA, .p1 = SCA_TAG_IMSI >> 8, .p2 = SCA_TAG_IMSI & 0xFF,
                  .data = ef, .lc = SCA_EF_IMSI_LEN};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "writing the IMSI", err);
}
