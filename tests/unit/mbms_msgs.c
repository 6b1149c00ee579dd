/* MIKEY messages for the MBMS unit tests (mbms_msgs.h). */
#include "mbms_msgs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/mikey.h"

static const uint8_t DOMAIN[3] = {0x32, 0xF4, 0x51};
static const uint8_t RAND16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t MAC20[20] = {0x5A};

static uint8_t *build(const sca_mikey_view *v, size_t *len)
{
    uint8_t *m = NULL;
    sca_error e;
    if (sca_mikey_build(v, &m, len, &e) != SCA_OK) {
        fprintf(stderr, "mbms_msgs: build: %s\n", e.msg);
        abort();
    }
    return m;
}

static void header(sca_mikey_view *v, int vbit)
{
    memset(v, 0, sizeof *v);
    v->hdr.version = 1;
    v->hdr.data_type = SCA_MIKEY_DT_PSK;
    v->hdr.v = vbit;
    v->hdr.csb_id = 0x01020304;
    v->hdr.map_type = SCA_MIKEY_MAP_EMPTY;
    v->t.type = SCA_MIKEY_TS_COUNTER;
    v->t.value = 77;
    v->kemac.encr_alg = SCA_MIKEY_ENCR_AES_CM_128;
    v->kemac.mac_alg = SCA_MIKEY_MAC_HMAC_SHA1_160;
    v->kemac.mac = MAC20;
    v->kemac.mac_len = 20;
}

uint8_t *mbms_test_ltkm(uint16_t group, uint16_t number, size_t encr_len, int vbit, size_t *len)
{
    sca_mikey_view v;
    uint8_t msk[4] = {(uint8_t)(group >> 8), (uint8_t)group, (uint8_t)(number >> 8), (uint8_t)number};
    header(&v, vbit);
    uint8_t order[] = {SCA_MIKEY_PT_EXT, SCA_MIKEY_PT_T, SCA_MIKEY_PT_RAND, SCA_MIKEY_PT_ID, SCA_MIKEY_PT_ID,
                       SCA_MIKEY_PT_KEMAC};
    memcpy(v.order, order, sizeof order);
    v.n_payloads = sizeof order;
    v.n_ext = 1;
    v.ext[0].type = SCA_MIKEY_EXT_KEY_ID;
    v.ext[0].n_key_ids = 2;
    v.ext[0].key_ids[0] = (sca_mikey_key_id){SCA_MIKEY_KEYID_DOMAIN, DOMAIN, 3};
    v.ext[0].key_ids[1] = (sca_mikey_key_id){SCA_MIKEY_KEYID_MSK, msk, 4};
    v.rand = RAND16;
    v.rand_len = 16;
    v.n_ids = 2;
    v.ids[0] = (sca_mikey_id){1, (const uint8_t *)"bmsc.example.org", 16};
    v.ids[1] = (sca_mikey_id){0, (const uint8_t *)"btid@bsf.example.org", 20};
    uint8_t *encr = encr_len > 0 ? malloc(encr_len) : NULL;
    if (encr != NULL)
        memset(encr, 0xE5, encr_len);
    v.kemac.encr = encr;
    v.kemac.encr_len = encr_len;
    uint8_t *m = build(&v, len);
    free(encr);
    return m;
}

uint8_t *mbms_test_stkm(uint16_t mtk_id, size_t *len)
{
    sca_mikey_view v;
    uint8_t msk[4] = {0x00, 0x07, 0x00, 0x02}, mtk[2] = {(uint8_t)(mtk_id >> 8), (uint8_t)mtk_id};
    static const uint8_t encr[24] = {0xE7};
    header(&v, 0);
    uint8_t order[] = {SCA_MIKEY_PT_EXT, SCA_MIKEY_PT_T, SCA_MIKEY_PT_KEMAC};
    memcpy(v.order, order, sizeof order);
    v.n_payloads = sizeof order;
    v.n_ext = 1;
    v.ext[0].type = SCA_MIKEY_EXT_KEY_ID;
    v.ext[0].n_key_ids = 3;
    v.ext[0].key_ids[0] = (sca_mikey_key_id){SCA_MIKEY_KEYID_DOMAIN, DOMAIN, 3};
    v.ext[0].key_ids[1] = (sca_mikey_key_id){SCA_MIKEY_KEYID_MSK, msk, 4};
    v.ext[0].key_ids[2] = (sca_mikey_key_id){SCA_MIKEY_KEYID_MTK, mtk, 2};
    v.kemac.encr = encr;
    v.kemac.encr_len = sizeof encr;
    return build(&v, len);
}

char *mbms_test_hex(const uint8_t *d, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02X", d[i]);
    s[2 * n] = '\0';
    return s;
}
