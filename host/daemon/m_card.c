/* Handlers: info, PIN, BCAST identity, upgrade verification and raw APDUs. Each calls the
 * libscagent functions the CLI command of the same name calls; results follow the CLI's --json output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "handlers.h"
#include "methods.h"
#include "proto.h"
#include "sca_contract.h"
#include "scagent/json_results.h"

scd_step scd_h_info(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_info i;
    if (sca_get_info(x->card, &i, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    size_t atr_len;
    const uint8_t *atr = sca_card_atr(x->card, &atr_len);
    return scd_ok(j, sca_json_info(&i, sca_card_reader(x->card), atr, atr_len, sca_card_protocol(x->card),
                                   sca_card_channel(x->card)));
}

scd_step scd_h_pin_status(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_pin_status st;
    if (sca_pin_get_status(x->card, &st, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    /* "verified" is per connection: the card's flag may come from another client's pin.verify */
    json_t *o = sca_json_pin_status(&st);
    json_object_set_new(o, "verified", json_boolean(st.verified && scd_pin_mine(x, j)));
    json_object_set_new(o, "verified_on_card", json_boolean(st.verified));
    return scd_ok(j, o);
}

scd_step scd_h_pin_verify(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    if (sca_pin_verify(x->card, scd_pstr(j, "pin"), &err) != SCA_OK) {
        scd_pin_owner_set(x, NULL);
        scd_fail_err(j, &err);
        if (err.rc == SCA_E_WRONG_PIN) /* the tries left are part of the answer */
            snprintf(j->emsg, sizeof j->emsg, "%s", err.msg);
        return SCD_STEP_DONE;
    }
    scd_pin_owner_set(x, j);
    return scd_ok(j, json_pack("{s:b}", "verified", 1));
}

scd_step scd_h_pin_change(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    if (sca_pin_change(x->card, scd_pstr(j, "pin"), scd_pstr(j, "new_pin"), &err) != SCA_OK)
        return scd_fail_err(j, &err);
    scd_pin_owner_set(x, j); /* CHANGE REFERENCE DATA verifies the PIN as VERIFY does */
    return scd_ok(j, json_pack("{s:b}", "changed", 1));
}

scd_step scd_h_id_show(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_bcast_status st;
    uint8_t raw[SCA_BCAST_FIELDS_SIZE];
    sca_bcast_fields f;
    X509 *cert = NULL;
    sca_rc rc = sca_bcast_get_status(x->card, &st, &err);
    if (rc == SCA_OK && st.fields_set) {
        rc = sca_bcast_get_fields(x->card, raw, &err);
        if (rc == SCA_OK)
            rc = sca_bcast_fields_decode(raw, &f, &err);
    }
    if (rc == SCA_OK && st.cert_len > 0)
        rc = sca_bcast_get_certificate(x->card, &cert, &err);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    json_t *o = sca_json_id_show(&st, st.fields_set ? raw : NULL, &f, cert);
    X509_free(cert);
    return scd_ok(j, o);
}

scd_step scd_h_id_header(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t *id = malloc(SCA_BCAST_ID_MAX);
    size_t n = 0;
    char *value = NULL;
    sca_rc rc = id ? sca_bcast_get_client_id(x->card, scd_pbool(j, "cert", 1), id, SCA_BCAST_ID_MAX, &n, &err)
                   : sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
    if (rc == SCA_OK)
        rc = sca_bcastid_header(id, n, &value, &err);
    free(id);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    json_t *o = json_pack("{s:s, s:i}", "user_agent", value, "length", (int)n);
    free(value);
    return scd_ok(j, o);
}

scd_step scd_h_upgrade_verify(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t *msg;
    size_t len;
    sca_upgrade_result r;
    memset(&r, 0, sizeof r);
    sca_rc rc = scd_pb64(j, "msg", &msg, &len, &err);
    if (rc == SCA_OK)
        rc = sca_bcast_verify_upgrade(x->card, msg, len, &r, &err);
    free(msg);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, sca_json_upgrade(&r));
}

scd_step scd_h_apdu(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    static uint8_t raw[65544], resp[65536 + 2]; /* the card thread is the only caller */
    size_t n, rl = 0;
    sca_apdu a;
    uint16_t sw = 0;
    sca_rc rc = scd_phex(j, "apdu", raw, sizeof raw, &n, &err);
    if (rc == SCA_OK && (rc = sca_apdu_parse(raw, n, &a, &err)) != SCA_OK)
        err.rc = rc = SCA_E_INVALID_ARG;
    if (rc == SCA_OK) {
        a.flags = SCA_APDU_CHAIN;
        rc = sca_card_begin(x->card, &err);
        if (rc == SCA_OK) {
            rc = sca_card_transceive(x->card, &a, resp, sizeof resp, &rl, &sw, &err);
            sca_card_end(x->card);
        }
    }
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    char swh[8];
    snprintf(swh, sizeof swh, "%04X", sw);
    return scd_ok(j, json_pack("{s:o, s:s, s:s}", "data", scd_jhex(resp, rl), "sw", swh, "meaning",
                               sca_sw_meaning(sw)));
}
