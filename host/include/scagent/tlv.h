/* A strict BER-TLV reader for card answers (1- or 2-byte tags, definite lengths up to 3 bytes). */
#ifndef SCAGENT_TLV_H
#define SCAGENT_TLV_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

typedef struct sca_tlv {
    uint16_t tag;
    const uint8_t *value;
    size_t len;
} sca_tlv;

/* Read the TLV at `*off` in buf[0..len) and advance `*off` past it. SCA_E_PARSE when it is truncated or
 * malformed. */
sca_rc sca_tlv_next(const uint8_t *buf, size_t len, size_t *off, sca_tlv *out, sca_error *err);
/* Find the first TLV with `tag` at this level. SCA_E_NOT_FOUND when absent, SCA_E_PARSE when malformed. */
sca_rc sca_tlv_find(const uint8_t *buf, size_t len, uint16_t tag, sca_tlv *out, sca_error *err);

#endif
