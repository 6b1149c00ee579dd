/* PC/SC part 10 answers from the reader driver: the feature list and the TLV properties. Outside bytes: every
 * length is checked. */
#include "pcsc_part10.h"
#include "bytes.h"

/* Both answers are sequences of tag (1), length (1), value; find the value of `tag`. */
static int find_tlv(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t **value, uint8_t *vlen)
{
    size_t i = 0;
    while (i + 2 <= len) {
        uint8_t t = buf[i], l = buf[i + 1];
        if (i + 2 + l > len)
            return -1;
        if (t == tag) {
            *value = buf + i + 2;
            *vlen = l;
            return 0;
        }
        i += 2u + l;
    }
    return -1;
}

int sca_part10_find_feature(const uint8_t *buf, size_t len, uint8_t tag, uint32_t *ioctl_code)
{
    const uint8_t *v;
    uint8_t l;
    if (find_tlv(buf, len, tag, &v, &l) != 0 || l != 4)
        return -1;
    /* the control code is big-endian */
    *ioctl_code = sca_get32(v);
    return 0;
}

int sca_part10_find_property(const uint8_t *buf, size_t len, uint8_t tag, uint32_t *value)
{
    const uint8_t *v;
    uint8_t l;
    if (find_tlv(buf, len, tag, &v, &l) != 0 || l == 0 || l > 4)
        return -1;
    /* property values are little-endian, 1..4 bytes */
    uint32_t x = 0;
    for (int k = l - 1; k >= 0; k--)
        x = x << 8 | v[k];
    *value = x;
    return 0;
}
