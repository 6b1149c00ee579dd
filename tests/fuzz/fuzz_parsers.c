/* libFuzzer target: the stand-alone parsers of outside bytes. The first byte picks the parser. */
#include <stdint.h>
#include <string.h>

#include "pcsc_part10.h"
#include "scagent/scagent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    sca_error err;
    switch (data[0] % 5) {
    case 0: {
        size_t off = 0;
        sca_tlv t;
        while (off < n && sca_tlv_next(d, n, &off, &t, &err) == SCA_OK)
            if (t.len > 0 && t.value[t.len - 1] == 0xFF) /* touch the last byte: ASan checks the bound */
                off += 0;
        break;
    }
    case 1: {
        sca_info i;
        (void)sca_info_parse(d, n, &i, &err);
        break;
    }
    case 2: {
        sca_apdu a;
        if (sca_apdu_parse(d, n, &a, &err) == SCA_OK && a.lc > 0)
            (void)d[(size_t)(a.data - d) + a.lc - 1];
        break;
    }
    case 3: {
        uint32_t v;
        (void)sca_part10_find_feature(d, n, 0x12, &v);
        break;
    }
    default: {
        uint32_t v;
        (void)sca_part10_find_property(d, n, 10, &v);
        break;
    }
    }
    return 0;
}
