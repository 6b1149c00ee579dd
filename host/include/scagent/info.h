/* GET DATA: the applet's version, capabilities, free memory, PIN status, identity and life cycle. */
#ifndef SCAGENT_INFO_H
#define SCAGENT_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/card.h"

typedef struct sca_info {
    uint8_t version[3];        /* applet major, minor, patch */
    uint8_t contract_version;
    uint32_t capabilities;     /* SCA_CAP_* bits */
    uint32_t free_persistent;  /* bytes */
    uint32_t free_transient_reset;
    uint32_t free_transient_deselect;
    uint8_t pin_tries_left;
    uint8_t pin_try_limit;
    uint8_t pin_flags;         /* SCA_PIN_FLAG_* */
    uint8_t card_id[16];
    uint8_t lifecycle;         /* SCA_LIFECYCLE_* */
    uint8_t issuer_key_version;
    uint8_t issuer_scp;
} sca_info;

/* Read one data object (GET DATA P1-P2 = tag). */
sca_rc sca_get_data(sca_card *c, uint16_t tag, uint8_t *out, size_t cap, size_t *len, sca_error *err);
/* Read everything at once (GET DATA INFO_ALL). */
sca_rc sca_get_info(sca_card *c, sca_info *info, sca_error *err);
/* Parse an INFO_ALL answer; every TLV must be present with its exact length. */
sca_rc sca_info_parse(const uint8_t *buf, size_t len, sca_info *info, sca_error *err);

/* Names for display. */
const char *sca_lifecycle_name(uint8_t lifecycle);
/* Write the names of the capability bits, comma separated, into `out`. */
void sca_capabilities_str(uint32_t caps, char *out, size_t cap);

#endif
