/* Parsers for PC/SC v2 part 10 reader answers (internal). */
#ifndef SCA_PCSC_PART10_H
#define SCA_PCSC_PART10_H

#include <stddef.h>
#include <stdint.h>

/* Find feature `tag` in a CM_IOCTL_GET_FEATURE_REQUEST answer. 0 and the control code, or -1. */
int sca_part10_find_feature(const uint8_t *buf, size_t len, uint8_t tag, uint32_t *ioctl_code);
/* Find property `tag` in a FEATURE_GET_TLV_PROPERTIES answer. 0 and the value, or -1. */
int sca_part10_find_property(const uint8_t *buf, size_t len, uint8_t tag, uint32_t *value);

#endif
