/* User PIN commands. PIN blocks are wiped from memory after use. */
#include "scagent/pin.h"

#include <string.h>

#include <openssl/crypto.h>

#include "sca_contract.h"
#include "scagent/info.h"

sca_rc sca_pin_block(const char *pin, uint8_t block[8], sca_error *err)
{
    size_t n = pin ? strlen(pin) : 0;
    if (n < SCA_PIN_MIN_DIGITS || n > SCA_PIN_MAX_DIGITS)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a PIN has %d to %d digits, this one has %zu",
                             SCA_PIN_MIN_DIGITS, SCA_PIN_MAX_DIGITS, n);
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return sca_error_set(err, SCA_E_INVALID_ARG, "a PIN has only decimal digits");
    memset(block, 0xFF, SCA_PIN_BLOCK_LEN);
    memcpy(block, pin, n);
    return SCA_OK;
}

sca_rc sca_pin_verify(sca_card *c, const char *pin, sca_error *err)
{
    uint8_t block[SCA_PIN_BLOCK_LEN];
    sca_rc rc = sca_pin_block(pin, block, err);
    if (rc != SCA_OK)
        return rc;
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_VERIFY, .p1 = SCA_VERIFY_P1_00, .p2 = SCA_VERIFY_P2_81,
                  .data = block, .lc = sizeof block, .flags = SCA_APDU_SENSITIVE};
    uint8_t r[8];
    size_t n;
    rc = sca_card_begin(c, err);
    if (rc == SCA_OK) {
        rc = sca_card_command(c, &a, r, sizeof r, &n, "verifying the PIN", err);
        sca_card_set_security(c, SCA_SEC_PIN, rc == SCA_OK);
        sca_card_end(c);
    }
    OPENSSL_cleanse(block, sizeof block);
    return rc;
}

sca_rc sca_pin_change(sca_card *c, const char *old_pin, const char *new_pin, sca_error *err)
{
    uint8_t blocks[2 * SCA_PIN_BLOCK_LEN];
    sca_rc rc = sca_pin_block(old_pin, blocks, err);
    if (rc == SCA_OK)
        rc = sca_pin_block(new_pin, blocks + SCA_PIN_BLOCK_LEN, err);
    if (rc == SCA_OK) {
        sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_CHANGE_REFERENCE_DATA, .p1 = SCA_CHANGE_REFERENCE_DATA_P1_00,
                      .p2 = SCA_CHANGE_REFERENCE_DATA_P2_81, .data = blocks, .lc = sizeof blocks,
                      .flags = SCA_APDU_SENSITIVE};
        uint8_t r[8];
        size_t n;
        rc = sca_card_begin(c, err);
        if (rc == SCA_OK) {
            rc = sca_card_command(c, &a, r, sizeof r, &n, "changing the PIN", err);
            sca_card_set_security(c, SCA_SEC_PIN, rc == SCA_OK);
            sca_card_end(c);
        }
    }
    OPENSSL_cleanse(blocks, sizeof blocks);
    return rc;
}

sca_rc sca_pin_get_status(sca_card *c, sca_pin_status *st, sca_error *err)
{
    uint8_t r[8];
    size_t n;
    sca_rc rc = sca_get_data(c, SCA_TAG_PIN_STATUS, r, sizeof r, &n, err);
    if (rc != SCA_OK)
        return rc;
    if (n != 3)
        return sca_error_set(err, SCA_E_PARSE, "PIN status: the card answered %zu bytes, expected 3", n);
    st->tries_left = r[0];
    st->try_limit = r[1];
    st->verified = (r[2] & SCA_PIN_FLAG_VERIFIED) != 0;
    st->blocked = (r[2] & SCA_PIN_FLAG_BLOCKED) != 0;
    st->set = (r[2] & SCA_PIN_FLAG_SET) != 0;
    return SCA_OK;
}
