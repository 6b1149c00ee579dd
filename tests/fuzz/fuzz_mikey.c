/* libFuzzer target: MIKEY messages from outside (sca_mikey_parse), the KEMAC Encr data read as if it were the
 * decrypted Key Data (sca_mikey_key_data_parse), and the LTKM classification. Invariants: every pointer the view
 * hands out stays inside the input (ASan), and whatever parses is canonical: building it again gives the same
 * bytes, for the message and for the Key Data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/mikey.h"

static void touch(const uint8_t *p, size_t n)
{
    if (n) {
        volatile uint8_t x = p[0];
        x = p[n - 1];
        (void)x;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sca_error err;
    sca_mikey_view v;
    sca_mikey_keys keys;
    uint8_t *out = NULL;
    size_t out_len = 0;
    /* the input also as Key Data directly */
    if (sca_mikey_key_data_parse(data, size, &keys, &err) == SCA_OK) {
        if (sca_mikey_key_data_build(&keys, &out, &out_len, &err) != SCA_OK || out_len != size ||
            memcmp(out, data, size) != 0)
            abort();
        free(out);
        out = NULL;
    }
    if (sca_mikey_parse(data, size, &v, &err) != SCA_OK)
        return 0;
    touch(v.rand, v.rand_len);
    for (size_t i = 0; i < v.n_ids; i++)
        touch(v.ids[i].data, v.ids[i].len);
    for (size_t i = 0; i < v.n_ext; i++) {
        touch(v.ext[i].data, v.ext[i].len);
        for (size_t j = 0; j < v.ext[i].n_key_ids; j++)
            touch(v.ext[i].key_ids[j].id, v.ext[i].key_ids[j].len);
    }
    for (size_t i = 0; i < v.n_sp; i++)
        for (size_t j = 0; j < v.sp[i].n_params; j++)
            touch(v.sp[i].params[j].value, v.sp[i].params[j].len);
    touch(v.kemac.encr, v.kemac.encr_len);
    touch(v.kemac.mac, v.kemac.mac_len);
    touch(v.v.mac, v.v.mac_len);
    size_t covered;
    if (sca_mikey_mac_range(&v, &covered, &err) == SCA_OK &&
        (covered > size || covered + (v.has_kemac ? v.kemac.mac_len : v.v.mac_len) != size))
        abort();
    if (sca_mikey_build(&v, &out, &out_len, &err) != SCA_OK || out_len != size || memcmp(out, data, size) != 0)
        abort();
    free(out);
    sca_ltkm_info info;
    if (sca_ltkm_classify(&v, &info, &err) == SCA_OK) {
        int pull = info.key_number == 0 && v.kemac.encr_len == 0 && !v.hdr.v;
        if ((info.cls != SCA_LTKM_NORMAL_UPDATE) != pull ||
            (info.cls == SCA_LTKM_REREGISTER_ALL_SERVICES) != (pull && info.key_group == 0))
            abort();
    }
    if (v.kemac.encr_len && sca_mikey_key_data_parse(v.kemac.encr, v.kemac.encr_len, &keys, &err) == SCA_OK)
        for (size_t i = 0; i < keys.n; i++) {
            touch(keys.k[i].key, keys.k[i].key_len);
            touch(keys.k[i].salt, keys.k[i].salt_len);
            touch(keys.k[i].spi, keys.k[i].spi_len);
            touch(keys.k[i].vf, keys.k[i].vf_len);
            touch(keys.k[i].vt, keys.k[i].vt_len);
        }
    return 0;
}
