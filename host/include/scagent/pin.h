/* The user PIN: VERIFY, CHANGE REFERENCE DATA, status. */
#ifndef SCAGENT_PIN_H
#define SCAGENT_PIN_H

#include <stdint.h>

#include "scagent/card.h"

/* Encode a PIN of 4..8 decimal digits into the 8-byte block (ASCII digits, right-padded with FF). */
sca_rc sca_pin_block(const char *pin, uint8_t block[8], sca_error *err);

/* Verify the PIN. On SCA_E_WRONG_PIN, err->tries_left says how many tries remain. */
sca_rc sca_pin_verify(sca_card *c, const char *pin, sca_error *err);
/* Change the PIN (the old one is checked as by VERIFY). */
sca_rc sca_pin_change(sca_card *c, const char *old_pin, const char *new_pin, sca_error *err);

typedef struct sca_pin_status {
    int tries_left;
    int try_limit;
    int verified;
    int blocked;
    int set; /* a PIN has been personalized */
} sca_pin_status;

sca_rc sca_pin_get_status(sca_card *c, sca_pin_status *st, sca_error *err);

#endif
