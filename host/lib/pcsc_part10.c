/* PC/SC part 10 answers from the reader driver: the feature list and the TLV properties. Outside bytes: every
 * length is checked. */
#include "pcsc_part10.h"

int sca_part10_find_feature(const uint8_t *buf, size_t len, uint8_t tag, uint32_t *ioctl_code)
{
    /* A sequence of tag (1), length (1) = 4, control code (4, big-endian). */
    size_t i = 0;
    while (i + 2 <= len) {
        uint8_t t = buf[i], l = buf[i + 1];
        if (i + 2 + l > len)
            return -1;
        if (t == tag) {
            if (l != 4)
                return -1;
            const uint8_t *v = buf + i + 2;
            *ioctl_code = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
            return 0;
        }
        i += 2u + l;
    }
    return -1;
}

int sca_part10_find_property(const uint8_t *buf, size_t len, uint8_t tag, uint32_t *value)
{
    /* A sequence of tag (1), length (1), value (little-endian, 1..4 bytes). */
    size_t i = 0;
    while (i + 2 <= len) {
        uint8_t t = buf[i], l = buf[i + 1];
        if (i + 2 + l > len)
            return -1;
        if (t == tag) {
            if (l == 0 || l > 4)
                return -1;
            uint32_t v = 0;
            for (int k = l - 1; k >= 0; k--)
                v = v << 8 | buf[i + 2 + (size_t)k];
            *value = v;
            return 0;
        }
        i += 2u + l;
    }
    return -1;
}
