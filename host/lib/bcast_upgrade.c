/* An upgrade_available_msg checked against this card: its NAF trust anchors and its current identifier fields. */
#include "scagent/bcast.h"

#include "scagent/upgrade.h"

sca_rc sca_bcast_verify_upgrade(sca_card *c, const uint8_t *msg, size_t len, sca_upgrade_result *out, sca_error *err)
{
    uint8_t fields[19];
    STACK_OF(X509) *anchors = NULL;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_bcast_get_fields(c, fields, err);
    if (rc == SCA_OK)
        rc = sca_naf_anchor_stack(c, &anchors, err);
    sca_card_end(c);
    if (rc == SCA_OK && sk_X509_num(anchors) == 0)
        rc = sca_error_set(err, SCA_E_CONDITIONS, "the card holds no NAF trust anchor, so no upgrade message can be "
                                                  "trusted; the issuer adds one with 'scagent perso naf-anchor add'");
    if (rc == SCA_OK)
        rc = sca_upgrade_verify(msg, len, anchors, fields, out, err);
    sk_X509_pop_free(anchors, X509_free);
    return rc;
}
