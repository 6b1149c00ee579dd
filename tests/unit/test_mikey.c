/* MIKEY codec (RFC 3830 §6 as TS 33.246 / OMA BCAST use it) and LTKM classification (seed 001 6.6.1/6.6.2):
 * a hand-built LTKM with every field commented, builder round trips for every payload kind, Key Data
 * sub-payloads, the three LTKM classes and their near misses, truncation at every byte, trailing bytes and
 * hostile inputs. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "scagent/mikey.h"

/* A complete MSK delivery message (LTKM) built by hand per RFC 3830 §6 / RFC 4563 / TS 33.246 §6.4 (layout as
 * in applet-spec/mikey.md). No public byte string of an MBMS MIKEY message was found in the stored sources. */
static const uint8_t LTKM[] = {
    /* HDR (RFC 3830 §6.1) */
    0x01,                   /* version 1 */
    0x00,                   /* data type 0: pre-shared key message (TS 33.246 MSK/MTK messages) */
    0x15,                   /* next payload 21: General Extension */
    0x00,                   /* V = 0 (no verification message wanted), PRF func 0 = MIKEY-1 */
    0x00, 0x00, 0x00, 0x2A, /* CSB ID */
    0x00,                   /* #CS = 0 */
    0x01,                   /* CS ID map type 1: Empty map (RFC 4563 §5); no map info follows */
    /* General Extension (RFC 3830 §6.15), type 3 = Key ID (RFC 4563) */
    0x05,                   /* next payload 5: T */
    0x03,                   /* type 3: Key ID */
    0x00, 0x0D,             /* length 13 */
    0x00, 0x00, 0x03,       /* Key ID Type 0 (MBMS Key Domain ID), Key ID Len 3 */
    0x32, 0xF4, 0x51,       /*   Key Domain ID = MCC || MNC (234/15), 3 bytes */
    0x01, 0x00, 0x04,       /* Key ID Type 1 (MBMS Service Key ID = MSK ID), Key ID Len 4 */
    0x00, 0x07, 0x00, 0x02, /*   MSK ID: Key Group 0x0007 (bytes 0-1) || Key Number 0x0002 (bytes 2-3) */
    /* T (RFC 3830 §6.6) */
    0x0B,                   /* next payload 11: RAND */
    0x02,                   /* TS type 2: COUNTER */
    0x00, 0x00, 0x01, 0x00, /* TS value, 32 bits: 256 */
    /* RAND (§6.11) */
    0x06,                   /* next payload 6: ID */
    0x10,                   /* RAND len 16 */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,
    /* IDi (§6.7): the BM-SC's NAF id */
    0x06,                   /* next payload 6: ID */
    0x01,                   /* ID type 1: URI */
    0x00, 0x0B,             /* ID len 11 */
    'n', 'a', 'f', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
    /* IDr: the B-TID */
    0x01,                   /* next payload 1: KEMAC */
    0x00,                   /* ID type 0: NAI */
    0x00, 0x08,             /* ID len 8 */
    'b', 't', 'i', 'd', '@', 'b', 's', 'f',
    /* KEMAC (§6.2) */
    0x00,                   /* next payload 0: last */
    0x01,                   /* Encr alg 1: AES-CM-128 */
    0x00, 0x08,             /* Encr data len 8 */
    0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, /* Encr data (opaque here) */
    0x01,                   /* MAC alg 1: HMAC-SHA-1-160 */
    0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, /* MAC, 20 bytes */
    0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF, 0xB0, 0xB1, 0xB2, 0xB3,
};

static const uint8_t RAND16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t DOMAIN[3] = {0x32, 0xF4, 0x51};
static const uint8_t MAC20[20] = {0x5A};

/* An LTKM-shaped view: HDR, EXT(Key ID: domain, MSK ID), T, RAND, IDi, IDr, KEMAC. */
static void ltkm_view(sca_mikey_view *v, uint8_t msk_id[4], uint16_t group, uint16_t number, const uint8_t *encr,
                      size_t encr_len, int vbit)
{
    memset(v, 0, sizeof *v);
    v->hdr.version = 1;
    v->hdr.data_type = SCA_MIKEY_DT_PSK;
    v->hdr.v = vbit;
    v->hdr.csb_id = 0x01020304;
    v->hdr.map_type = SCA_MIKEY_MAP_EMPTY;
    msk_id[0] = (uint8_t)(group >> 8);
    msk_id[1] = (uint8_t)group;
    msk_id[2] = (uint8_t)(number >> 8);
    msk_id[3] = (uint8_t)number;
    uint8_t order[] = {SCA_MIKEY_PT_EXT, SCA_MIKEY_PT_T, SCA_MIKEY_PT_RAND, SCA_MIKEY_PT_ID, SCA_MIKEY_PT_ID,
                       SCA_MIKEY_PT_KEMAC};
    memcpy(v->order, order, sizeof order);
    v->n_payloads = sizeof order;
    v->n_ext = 1;
    v->ext[0].type = SCA_MIKEY_EXT_KEY_ID;
    v->ext[0].n_key_ids = 2;
    v->ext[0].key_ids[0] = (sca_mikey_key_id){SCA_MIKEY_KEYID_DOMAIN, DOMAIN, 3};
    v->ext[0].key_ids[1] = (sca_mikey_key_id){SCA_MIKEY_KEYID_MSK, msk_id, 4};
    v->t.type = SCA_MIKEY_TS_COUNTER;
    v->t.value = 77;
    v->rand = RAND16;
    v->rand_len = 16;
    v->n_ids = 2;
    v->ids[0] = (sca_mikey_id){1, (const uint8_t *)"naf.example", 11};
    v->ids[1] = (sca_mikey_id){0, (const uint8_t *)"btid@bsf", 8};
    v->kemac.encr_alg = SCA_MIKEY_ENCR_AES_CM_128;
    v->kemac.encr = encr;
    v->kemac.encr_len = encr_len;
    v->kemac.mac_alg = SCA_MIKEY_MAC_HMAC_SHA1_160;
    v->kemac.mac = MAC20;
    v->kemac.mac_len = 20;
}

static uint8_t *build_ok(const sca_mikey_view *v, size_t *len)
{
    uint8_t *m = NULL;
    sca_error e;
    sca_rc rc = sca_mikey_build(v, &m, len, &e);
    if (rc != SCA_OK)
        print_error("build: %s\n", e.msg);
    assert_int_equal(rc, SCA_OK);
    return m;
}

/* parse(build(v)) rebuilds to the same bytes */
static void roundtrip(const sca_mikey_view *v, sca_mikey_view *out)
{
    size_t len, len2;
    uint8_t *m = build_ok(v, &len);
    sca_error e;
    sca_rc rc = sca_mikey_parse(m, len, out, &e);
    if (rc != SCA_OK)
        print_error("parse: %s\n", e.msg);
    assert_int_equal(rc, SCA_OK);
    uint8_t *m2 = build_ok(out, &len2);
    assert_memory_equal(m, m2, len);
    assert_int_equal(len, len2);
    assert_int_equal(out->n_payloads, v->n_payloads);
    assert_memory_equal(out->order, v->order, v->n_payloads);
    free(m2);
    free(m); /* `out` points into m: callers only compare scalars afterwards */
}

static void test_known_ltkm(void **state)
{
    (void)state;
    sca_mikey_view v;
    sca_error e;
    assert_int_equal(sca_mikey_parse(LTKM, sizeof LTKM, &v, &e), SCA_OK);
    assert_int_equal(v.hdr.version, 1);
    assert_int_equal(v.hdr.data_type, 0);
    assert_int_equal(v.hdr.v, 0);
    assert_int_equal(v.hdr.prf, 0);
    assert_int_equal(v.hdr.csb_id, 42);
    assert_int_equal(v.hdr.map_type, SCA_MIKEY_MAP_EMPTY);
    assert_int_equal(v.n_payloads, 6);
    assert_true(v.mbms.has_key_domain && v.mbms.has_msk_id && !v.mbms.has_mtk_id);
    assert_memory_equal(v.mbms.key_domain, DOMAIN, 3);
    assert_int_equal(v.mbms.key_group, 7);
    assert_int_equal(v.mbms.key_number, 2);
    assert_int_equal(v.t.type, SCA_MIKEY_TS_COUNTER);
    assert_int_equal(v.t.value, 256);
    assert_int_equal(v.rand_len, 16);
    assert_int_equal(v.rand[15], 0xFF);
    assert_int_equal(v.n_ids, 2);
    assert_memory_equal(v.ids[0].data, "naf.example", 11);
    assert_memory_equal(v.ids[1].data, "btid@bsf", 8);
    assert_int_equal(v.kemac.encr_alg, 1);
    assert_int_equal(v.kemac.encr_len, 8);
    assert_int_equal(v.kemac.encr[0], 0xDE);
    assert_int_equal(v.kemac.mac_alg, 1);
    assert_int_equal(v.kemac.mac_len, 20);
    assert_int_equal(v.kemac.mac[19], 0xB3);
    size_t covered;
    assert_int_equal(sca_mikey_mac_range(&v, &covered, &e), SCA_OK);
    assert_int_equal(covered, sizeof LTKM - 20); /* everything up to and including the MAC alg byte */
    assert_ptr_equal(LTKM + covered, v.kemac.mac);
    sca_ltkm_info info;
    assert_int_equal(sca_ltkm_classify(&v, &info, &e), SCA_OK);
    assert_int_equal(info.cls, SCA_LTKM_NORMAL_UPDATE);
    assert_int_equal(info.key_group, 7);
    assert_int_equal(info.key_number, 2);
    /* the builder reproduces the hand-made bytes */
    size_t len;
    uint8_t *m = build_ok(&v, &len);
    assert_int_equal(len, sizeof LTKM);
    assert_memory_equal(m, LTKM, len);
    free(m);
}

static void test_roundtrip_every_payload(void **state)
{
    (void)state;
    uint8_t msk[4], mtk[2] = {0x00, 0x09};
    static const uint8_t encr[5] = {1, 2, 3, 4, 5}, vendor[3] = {0xAB, 0xCD, 0xEF}, bcast[4] = {2, 0, 1, 2};
    static const uint8_t p1[1] = {1}, p2[2] = {0x10, 0x20};
    sca_mikey_view v, out;
    ltkm_view(&v, msk, 0x0102, 0x0304, encr, sizeof encr, 1);
    /* STKM-ish: add MTK ID; SRTP-ID map; NTP-UTC time; SP; OMA BCAST and vendor extensions */
    v.ext[0].key_ids[2] = (sca_mikey_key_id){SCA_MIKEY_KEYID_MTK, mtk, 2};
    v.ext[0].n_key_ids = 3;
    v.hdr.map_type = SCA_MIKEY_MAP_SRTP_ID;
    v.hdr.n_cs = 2;
    v.hdr.prf = 0x7F;
    v.hdr.cs[0] = (sca_mikey_srtp_cs){1, 0xDEADBEEF, 7};
    v.hdr.cs[1] = (sca_mikey_srtp_cs){2, 0x01020304, 0xFFFFFFFF};
    v.t.type = SCA_MIKEY_TS_NTP_UTC;
    v.t.value = 0xE1234567890ABCDEull;
    uint8_t order[] = {SCA_MIKEY_PT_EXT, SCA_MIKEY_PT_EXT, SCA_MIKEY_PT_T, SCA_MIKEY_PT_RAND, SCA_MIKEY_PT_ID,
                       SCA_MIKEY_PT_ID, SCA_MIKEY_PT_SP, SCA_MIKEY_PT_EXT, SCA_MIKEY_PT_KEMAC};
    memcpy(v.order, order, sizeof order);
    v.n_payloads = sizeof order;
    v.n_ext = 3;
    v.ext[1] = (sca_mikey_ext){.type = SCA_MIKEY_EXT_OMA_BCAST, .data = bcast, .len = sizeof bcast};
    v.ext[2] = (sca_mikey_ext){.type = SCA_MIKEY_EXT_VENDOR, .data = vendor, .len = sizeof vendor};
    v.n_sp = 1;
    v.sp[0].policy_no = 3;
    v.sp[0].prot_type = 0;
    v.sp[0].n_params = 3;
    v.sp[0].params[0] = (sca_mikey_sp_param){0, 1, p1};
    v.sp[0].params[1] = (sca_mikey_sp_param){1, 2, p2};
    v.sp[0].params[2] = (sca_mikey_sp_param){9, 0, NULL};
    roundtrip(&v, &out);
    assert_int_equal(out.hdr.v, 1);
    assert_int_equal(out.hdr.prf, 0x7F);
    assert_int_equal(out.hdr.n_cs, 2);
    assert_int_equal(out.hdr.cs[1].roc, 0xFFFFFFFF);
    assert_int_equal(out.hdr.cs[0].ssrc, 0xDEADBEEF);
    assert_true(out.t.value == 0xE1234567890ABCDEull);
    assert_int_equal(out.mbms.key_group, 0x0102);
    assert_int_equal(out.mbms.key_number, 0x0304);
    assert_true(out.mbms.has_mtk_id);
    assert_int_equal(out.mbms.mtk_id, 9);
    assert_int_equal(out.n_ext, 3);
    assert_true(out.ext[1].has_subtype);
    assert_int_equal(out.ext[1].subtype, SCA_MIKEY_BCAST_STKM);
    assert_false(out.ext[2].has_subtype);
    assert_int_equal(out.ext[2].len, 3);
    assert_int_equal(out.n_sp, 1);
    assert_int_equal(out.sp[0].n_params, 3);
    assert_int_equal(out.sp[0].params[1].type, 1);
    assert_int_equal(out.sp[0].params[2].len, 0);
    assert_int_equal(out.kemac.encr_len, 5);

    /* verification message: HDR(data type 1) T IDi IDr V */
    sca_mikey_view ver = {0};
    ver.hdr.version = 1;
    ver.hdr.data_type = SCA_MIKEY_DT_PSK_VERIFY;
    ver.hdr.map_type = SCA_MIKEY_MAP_EMPTY;
    uint8_t vo[] = {SCA_MIKEY_PT_T, SCA_MIKEY_PT_ID, SCA_MIKEY_PT_ID, SCA_MIKEY_PT_V};
    memcpy(ver.order, vo, sizeof vo);
    ver.n_payloads = sizeof vo;
    ver.t.type = SCA_MIKEY_TS_NTP;
    ver.t.value = 5;
    ver.n_ids = 2;
    ver.ids[0] = (sca_mikey_id){1, (const uint8_t *)"i", 1};
    ver.ids[1] = (sca_mikey_id){0, (const uint8_t *)"r", 1};
    ver.v.alg = 1;
    size_t len;
    uint8_t *m = build_ok(&ver, &len); /* NULL MAC → zeros */
    sca_error e;
    assert_int_equal(sca_mikey_parse(m, len, &out, &e), SCA_OK);
    assert_true(out.has_v);
    assert_int_equal(out.v.mac_len, 20);
    assert_int_equal(out.v.mac[0], 0);
    size_t covered;
    assert_int_equal(sca_mikey_mac_range(&out, &covered, &e), SCA_OK);
    assert_int_equal(covered, len - 20);
    free(m);

    /* error message: HDR(data type 6) ERR; and a NULL-MAC KEMAC with no encr data */
    sca_mikey_view er = {0};
    er.hdr.version = 1;
    er.hdr.data_type = SCA_MIKEY_DT_ERROR;
    er.hdr.map_type = SCA_MIKEY_MAP_EMPTY;
    er.order[0] = SCA_MIKEY_PT_ERR;
    er.order[1] = SCA_MIKEY_PT_KEMAC;
    er.n_payloads = 2;
    er.err.err_no = 3;
    roundtrip(&er, &out);
    assert_true(out.has_err);
    assert_int_equal(out.err.err_no, 3);
    assert_int_equal(out.kemac.mac_len, 0);
    assert_null(out.kemac.encr);
    /* no payload at all, then no MAC range */
    er.n_payloads = 0;
    roundtrip(&er, &out);
    assert_int_equal(sca_mikey_mac_range(&out, &covered, &e), SCA_E_INVALID_ARG);
}

static void test_key_data(void **state)
{
    (void)state;
    static const uint8_t key16[16] = {0x11}, salt14[14] = {0x22}, vf[2] = {0, 1}, vt[2] = {0xFF, 0xFF},
                         spi[4] = {9, 8, 7, 6};
    sca_mikey_keys in = {0}, out;
    in.n = 3;
    in.k[0] = (sca_mikey_key){.type = SCA_MIKEY_KEY_TEK_SALT, .kv_type = SCA_MIKEY_KV_INTERVAL, .key = key16,
                              .key_len = 16, .salt = salt14, .salt_len = 14, .vf = vf, .vf_len = 2, .vt = vt,
                              .vt_len = 2};
    in.k[1] = (sca_mikey_key){.type = SCA_MIKEY_KEY_TGK, .kv_type = SCA_MIKEY_KV_SPI, .key = key16, .key_len = 16,
                              .spi = spi, .spi_len = 4};
    in.k[2] = (sca_mikey_key){.type = SCA_MIKEY_KEY_TEK, .kv_type = SCA_MIKEY_KV_NULL, .key = key16, .key_len = 1};
    uint8_t *m, *m2;
    size_t len, len2;
    sca_error e;
    assert_int_equal(sca_mikey_key_data_build(&in, &m, &len, &e), SCA_OK);
    assert_int_equal(len, (4 + 16 + 2 + 14 + 1 + 2 + 1 + 2) + (4 + 16 + 1 + 4) + (4 + 1));
    assert_int_equal(m[0], SCA_MIKEY_PT_KEY_DATA);
    assert_int_equal(m[1], 0x32); /* TEK+SALT, Interval */
    assert_int_equal(sca_mikey_key_data_parse(m, len, &out, &e), SCA_OK);
    assert_int_equal(out.n, 3);
    assert_int_equal(out.k[0].salt_len, 14);
    assert_int_equal(out.k[0].vt[0], 0xFF);
    assert_int_equal(out.k[1].spi_len, 4);
    assert_int_equal(out.k[2].key_len, 1);
    assert_int_equal(sca_mikey_key_data_build(&out, &m2, &len2, &e), SCA_OK);
    assert_int_equal(len, len2);
    assert_memory_equal(m, m2, len);
    free(m2);
    /* every truncation and one extra byte fail */
    for (size_t i = 0; i < len; i++)
        assert_int_equal(sca_mikey_key_data_parse(m, i, &out, &e), SCA_E_PARSE);
    uint8_t *big = malloc(len + 1);
    assert_non_null(big);
    memcpy(big, m, len);
    big[len] = 0;
    assert_int_equal(sca_mikey_key_data_parse(big, len + 1, &out, &e), SCA_E_PARSE);
    /* bad next payload, type, KV type, zero key length */
    memcpy(big, m, len);
    big[0] = 1;
    assert_int_equal(sca_mikey_key_data_parse(big, len, &out, &e), SCA_E_PARSE);
    memcpy(big, m, len);
    big[1] = 0x42;
    assert_int_equal(sca_mikey_key_data_parse(big, len, &out, &e), SCA_E_PARSE);
    big[1] = 0x23;
    assert_int_equal(sca_mikey_key_data_parse(big, len, &out, &e), SCA_E_PARSE);
    memcpy(big, m, len);
    big[2] = big[3] = 0;
    assert_int_equal(sca_mikey_key_data_parse(big, len, &out, &e), SCA_E_PARSE);
    free(big);
    free(m);
    /* more than SCA_MIKEY_MAX_KEYS sub-payloads chained with next = 20 */
    uint8_t many[6 * (SCA_MIKEY_MAX_KEYS + 1)];
    for (size_t i = 0; i <= SCA_MIKEY_MAX_KEYS; i++) {
        uint8_t *q = many + 6 * i;
        q[0] = i < SCA_MIKEY_MAX_KEYS ? 20 : 0;
        q[1] = 0x20;
        q[2] = 0;
        q[3] = 2;
        q[4] = q[5] = 0x33;
    }
    assert_int_equal(sca_mikey_key_data_parse(many, sizeof many, &out, &e), SCA_E_PARSE);
    assert_int_equal(sca_mikey_key_data_parse(many + 6, sizeof many - 6, &out, &e), SCA_OK);
    assert_int_equal(out.n, SCA_MIKEY_MAX_KEYS);
    assert_int_equal(sca_mikey_key_data_parse(NULL, 0, &out, &e), SCA_E_PARSE);
    /* builder refuses a salt on a type without one */
    in.k[2].salt_len = 1;
    in.k[2].salt = salt14;
    assert_int_equal(sca_mikey_key_data_build(&in, &m, &len, &e), SCA_E_INVALID_ARG);
}

static sca_ltkm_class classify(uint16_t group, uint16_t number, size_t encr_len, int vbit)
{
    static const uint8_t encr[4] = {1, 2, 3, 4};
    uint8_t msk[4];
    sca_mikey_view v, out;
    ltkm_view(&v, msk, group, number, encr_len ? encr : NULL, encr_len, vbit);
    size_t len;
    uint8_t *m = build_ok(&v, &len);
    sca_error e;
    assert_int_equal(sca_mikey_parse(m, len, &out, &e), SCA_OK);
    sca_ltkm_info info;
    assert_int_equal(sca_ltkm_classify(&out, &info, &e), SCA_OK);
    assert_int_equal(info.key_group, group);
    assert_int_equal(info.key_number, number);
    assert_memory_equal(info.key_domain, DOMAIN, 3);
    free(m);
    return info.cls;
}

static void test_ltkm_classes(void **state)
{
    (void)state;
    assert_int_equal(classify(0x0007, 0x0002, 4, 0), SCA_LTKM_NORMAL_UPDATE);
    assert_int_equal(classify(0x0007, 0x0000, 0, 0), SCA_LTKM_SOLICITED_PULL);
    assert_int_equal(classify(0x0000, 0x0000, 0, 0), SCA_LTKM_REREGISTER_ALL_SERVICES);
    /* near misses: each of the three conditions broken alone, with Key Group 0 and not */
    for (uint16_t g = 0; g < 2; g++) {
        assert_int_equal(classify(g, 0x0001, 0, 0), SCA_LTKM_NORMAL_UPDATE);  /* Key Number ≠ 0 */
        assert_int_equal(classify(g, 0x0100, 0, 0), SCA_LTKM_NORMAL_UPDATE);  /* high byte of Key Number */
        assert_int_equal(classify(g, 0x0000, 4, 0), SCA_LTKM_NORMAL_UPDATE);  /* Encr data len ≠ 0 */
        assert_int_equal(classify(g, 0x0000, 0, 1), SCA_LTKM_NORMAL_UPDATE);  /* V set */
    }
    assert_int_equal(classify(0x0100, 0x0000, 0, 0), SCA_LTKM_SOLICITED_PULL); /* Key Group high byte ≠ 0 */
    assert_string_equal(sca_ltkm_class_name(SCA_LTKM_REREGISTER_ALL_SERVICES), "reregister-all-services");
    assert_string_equal(SCA_LTKM_ALL_SERVICES_URN, "urn:allServices");

    /* not LTKMs */
    uint8_t msk[4];
    sca_mikey_view v;
    sca_ltkm_info info;
    sca_error e;
    ltkm_view(&v, msk, 0, 0, NULL, 0, 0);
    v.mbms.has_key_domain = v.mbms.has_msk_id = 1; /* the classifier reads the parsed ids */
    v.has_kemac = 1;
    assert_int_equal(sca_ltkm_classify(&v, &info, &e), SCA_OK);
    v.mbms.has_mtk_id = 1; /* an STKM */
    assert_int_equal(sca_ltkm_classify(&v, &info, &e), SCA_E_PARSE);
    assert_non_null(strstr(e.msg, "STKM"));
    v.mbms.has_mtk_id = 0;
    v.mbms.has_msk_id = 0;
    assert_int_equal(sca_ltkm_classify(&v, &info, &e), SCA_E_PARSE);
    assert_non_null(strstr(e.msg, "MSK ID"));
    v.mbms.has_msk_id = 1;
    v.has_kemac = 0;
    assert_int_equal(sca_ltkm_classify(&v, &info, &e), SCA_E_PARSE);
    v.has_kemac = 1;
    v.hdr.data_type = SCA_MIKEY_DT_PSK_VERIFY;
    assert_int_equal(sca_ltkm_classify(&v, &info, &e), SCA_E_PARSE);
    assert_int_equal(sca_ltkm_classify(NULL, &info, &e), SCA_E_INVALID_ARG);
}

static void every_truncation(const uint8_t *m, size_t len)
{
    sca_mikey_view v;
    sca_error e;
    assert_int_equal(sca_mikey_parse(m, len, &v, &e), SCA_OK);
    for (size_t i = 0; i < len; i++) {
        uint8_t *cut = malloc(i ? i : 1); /* exact-size copies so ASan/valgrind see overreads */
        assert_non_null(cut);
        memcpy(cut, m, i);
        if (sca_mikey_parse(cut, i, &v, &e) != SCA_E_PARSE)
            fail_msg("a %zu-byte prefix of a %zu-byte message parsed", i, len);
        free(cut);
    }
    uint8_t *big = malloc(len + 1);
    assert_non_null(big);
    memcpy(big, m, len);
    for (unsigned b = 0; b < 256; b += 85) {
        big[len] = (uint8_t)b;
        assert_int_equal(sca_mikey_parse(big, len + 1, &v, &e), SCA_E_PARSE);
        assert_non_null(strstr(e.msg, "trailing"));
    }
    free(big);
}

static void test_truncation_and_trailing(void **state)
{
    (void)state;
    every_truncation(LTKM, sizeof LTKM);
    /* STKM-shaped: HDR EXT(domain, MSK ID, MTK ID) T KEMAC(TEK) */
    static const uint8_t encr[30] = {7};
    uint8_t msk[4], mtk[2] = {0x00, 0x05};
    sca_mikey_view v;
    ltkm_view(&v, msk, 1, 2, encr, sizeof encr, 0);
    v.ext[0].key_ids[2] = (sca_mikey_key_id){SCA_MIKEY_KEYID_MTK, mtk, 2};
    v.ext[0].n_key_ids = 3;
    uint8_t order[] = {SCA_MIKEY_PT_EXT, SCA_MIKEY_PT_T, SCA_MIKEY_PT_KEMAC};
    memcpy(v.order, order, sizeof order);
    v.n_payloads = 3;
    v.n_ids = 0;
    size_t len;
    uint8_t *m = build_ok(&v, &len);
    every_truncation(m, len);
    free(m);
}

static sca_rc parse_bytes(const uint8_t *m, size_t len, sca_error *e)
{
    sca_mikey_view v;
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, m, len);
    sca_rc rc = sca_mikey_parse(copy, len, &v, e);
    free(copy);
    return rc;
}

#define HDR_EMPTY(next) 0x01, 0x00, (next), 0x00, 0, 0, 0, 0, 0x00, 0x01

static void expect_parse_error(const uint8_t *m, size_t len, const char *needle)
{
    sca_error e;
    assert_int_equal(parse_bytes(m, len, &e), SCA_E_PARSE);
    if (needle && strstr(e.msg, needle) == NULL)
        fail_msg("expected \"%s\" in \"%s\"", needle, e.msg);
}

#define EXPECT(needle, ...)                                                                                     \
    do {                                                                                                        \
        const uint8_t bytes_[] = {__VA_ARGS__};                                                                 \
        expect_parse_error(bytes_, sizeof bytes_, needle);                                                      \
    } while (0)

static void test_hostile(void **state)
{
    (void)state;
    /* header */
    EXPECT("version", 0x02, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 1);
    EXPECT("data type", 0x01, 0x02, 0x00, 0x00, 0, 0, 0, 0, 0, 1);
    EXPECT("map type", 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 2);
    EXPECT("#CS", 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 1, 1);                 /* #CS ≠ 0 with Empty map */
    EXPECT("#CS", 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 255, 0);               /* absurd #CS */
    EXPECT("SRTP-ID", 0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0); /* map short */
    EXPECT("shorter", 0x01);
    {
        sca_error e;
        sca_mikey_view v;
        assert_int_equal(sca_mikey_parse(NULL, 5, &v, &e), SCA_E_PARSE);
        assert_int_equal(sca_mikey_parse(LTKM, sizeof LTKM, NULL, &e), SCA_E_INVALID_ARG);
    }
    /* lengths pointing past the end */
    EXPECT("RAND", HDR_EMPTY(11), 0x00, 0x10, 1, 2, 3);
    EXPECT("ID", HDR_EMPTY(6), 0x00, 0x01, 0xFF, 0xFF, 'a');
    EXPECT("KEMAC", HDR_EMPTY(1), 0x00, 0x01, 0xFF, 0xFF, 0, 1);
    EXPECT("KEMAC", HDR_EMPTY(1), 0x00, 0x01, 0x00, 0x00, 0x01, 1, 2, 3); /* MAC shorter than 20 */
    EXPECT("General Extension", HDR_EMPTY(21), 0x00, 0x05, 0x01, 0x00, 1);
    EXPECT("SP", HDR_EMPTY(10), 0x00, 0x00, 0x00, 0x00, 0x10, 0, 1, 0);
    EXPECT("SP parameter", HDR_EMPTY(10), 0x00, 0x00, 0x00, 0x00, 0x03, 0, 5, 0); /* param past policy len */
    EXPECT("Key ID", HDR_EMPTY(21), 0x00, 0x03, 0x00, 0x04, 0x01, 0x00, 0x09, 0); /* Key ID len past ext */
    EXPECT("stray", HDR_EMPTY(21), 0x00, 0x03, 0x00, 0x02, 0x01, 0x00);
    EXPECT("T payload", HDR_EMPTY(5), 0x00, 0x00, 1, 2, 3, 4);             /* NTP-UTC needs 8 bytes */
    EXPECT("T payload", HDR_EMPTY(5), 0x00);
    EXPECT("V payload", HDR_EMPTY(9), 0x00, 0x01, 1, 2);
    EXPECT("ERR", HDR_EMPTY(12), 0x00, 0x01);
    EXPECT("T payload", HDR_EMPTY(5)); /* next payload announced, message ends */
}

static void test_hostile_structure(void **state)
{
    (void)state;
    /* next payload loops: a payload naming its own type again and again hits the per-kind bound */
    EXPECT("second T", HDR_EMPTY(5), 0x05, 0x02, 0, 0, 0, 1, 0x05, 0x02, 0, 0, 0, 2);
    EXPECT("second RAND", HDR_EMPTY(11), 11, 1, 0xAA, 0, 1, 0xBB);
    EXPECT("ID payloads", HDR_EMPTY(6), 6, 0, 0, 1, 'a', 6, 0, 0, 1, 'b', 0, 0, 0, 1, 'c');
    EXPECT("General Extension payloads", HDR_EMPTY(21), 21, 0, 0, 0, 21, 0, 0, 0, 21, 0, 0, 0, 21, 0, 0, 0, 0, 0,
           0, 0);
    EXPECT("SP payloads", HDR_EMPTY(10), 10, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    EXPECT("second ERR", HDR_EMPTY(12), 12, 0, 0, 0, 0, 0, 0, 0);
    /* KEMAC / V must be last */
    EXPECT("must be last", HDR_EMPTY(1), 0x05, 0x00, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 1);
    EXPECT("must be last", HDR_EMPTY(9), 0x05, 0x00, 0x02, 0, 0, 0, 1);
    /* unknown and unsupported payload types, Key Data at top level */
    EXPECT("not supported", HDR_EMPTY(2), 0, 0, 0, 0);   /* PKE */
    EXPECT("not supported", HDR_EMPTY(4), 0, 0, 0, 0);   /* SIGN */
    EXPECT("not supported", HDR_EMPTY(200), 0, 0, 0, 0);
    EXPECT("outside a KEMAC", HDR_EMPTY(20), 0, 0x20, 0, 1, 0);
    EXPECT("not supported", HDR_EMPTY(11), 77, 1, 0xAA, 0, 0);
    /* unknown algorithms, TS types, zero lengths */
    EXPECT("TS type", HDR_EMPTY(5), 0x00, 0x03, 0, 0, 0, 0);
    EXPECT("MAC algorithm", HDR_EMPTY(1), 0x00, 0x01, 0x00, 0x00, 0x07);
    EXPECT("V payload algorithm", HDR_EMPTY(9), 0x00, 0x02);
    EXPECT("length 0", HDR_EMPTY(11), 0x00, 0x00);
    EXPECT("empty ID", HDR_EMPTY(6), 0x00, 0x00, 0x00, 0x00);
    /* Key ID extension: wrong sizes, duplicates, too many entries */
    EXPECT("must be 3", HDR_EMPTY(21), 0, 3, 0, 5, 0, 0, 2, 1, 2);
    EXPECT("must be 4", HDR_EMPTY(21), 0, 3, 0, 6, 1, 0, 3, 1, 2, 3);
    EXPECT("must be 2", HDR_EMPTY(21), 0, 3, 0, 4, 2, 0, 1, 1);
    EXPECT("twice", HDR_EMPTY(21), 21, 3, 0, 7, 1, 0, 4, 0, 1, 0, 1, 0, 3, 0, 7, 1, 0, 4, 0, 1, 0, 2);
    EXPECT("more than", HDR_EMPTY(21), 0, 3, 0, 15, 9, 0, 0, 9, 0, 0, 9, 0, 0, 9, 0, 0, 9, 0, 0);
    /* absurd SP parameter count */
    {
        uint8_t m[10 + 5 + 2 * (SCA_MIKEY_MAX_SP_PARAMS + 1)] = {HDR_EMPTY(10), 0, 0, 0, 0,
                                                                 2 * (SCA_MIKEY_MAX_SP_PARAMS + 1)};
        expect_parse_error(m, sizeof m, "parameters");
    }
    /* an unknown Key ID type and unknown extension types are kept */
    {
        const uint8_t m[] = {HDR_EMPTY(21), 21, 3, 0, 4, 200, 0, 1, 0x77, 0, 0xF1, 0, 2, 0xAB, 0xCD};
        sca_mikey_view v;
        sca_error e;
        assert_int_equal(sca_mikey_parse(m, sizeof m, &v, &e), SCA_OK);
        assert_int_equal(v.ext[0].n_key_ids, 1);
        assert_int_equal(v.ext[0].key_ids[0].type, 200);
        assert_false(v.mbms.has_key_domain);
        assert_int_equal(v.ext[1].type, 0xF1);
        assert_int_equal(v.ext[1].len, 2);
    }
    /* builder refuses what would not parse */
    {
        sca_mikey_view v;
        uint8_t msk[4], *m = NULL;
        size_t len = 0;
        sca_error e;
        ltkm_view(&v, msk, 1, 1, NULL, 0, 0);
        v.order[0] = SCA_MIKEY_PT_KEMAC; /* KEMAC not last; counts still match */
        v.order[5] = SCA_MIKEY_PT_EXT;
        assert_int_equal(sca_mikey_build(&v, &m, &len, &e), SCA_E_INVALID_ARG);
        assert_null(m);
        ltkm_view(&v, msk, 1, 1, NULL, 0, 0);
        v.n_ids = 1; /* order lists two */
        assert_int_equal(sca_mikey_build(&v, &m, &len, &e), SCA_E_INVALID_ARG);
        ltkm_view(&v, msk, 1, 1, NULL, 0, 0);
        v.kemac.mac_len = 19;
        assert_int_equal(sca_mikey_build(&v, &m, &len, &e), SCA_E_INVALID_ARG);
        ltkm_view(&v, msk, 1, 1, NULL, 0, 0);
        v.t.value = 0x100000000ull;
        assert_int_equal(sca_mikey_build(&v, &m, &len, &e), SCA_E_INVALID_ARG);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known_ltkm),
    cmocka_unit_test(test_roundtrip_every_payload),
    cmocka_unit_test(test_key_data),
    cmocka_unit_test(test_ltkm_classes),
    cmocka_unit_test(test_truncation_and_trailing),
    cmocka_unit_test(test_hostile),
    cmocka_unit_test(test_hostile_structure),
};

RUN_SUITE("mikey", tests)
