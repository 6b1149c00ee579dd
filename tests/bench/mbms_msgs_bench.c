/* The BM-SC side of the MBMS benchmarks (mbms_msgs_bench.h), shared by bench-mbms and bench-daemon. */
#include "mbms_msgs_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "scagent/mbms.h"
#include "scagent/milenage.h"

static const char PIN[] = MBMS_BENCH_PIN;
static const char IMPI[] = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
static const char FQDN[] = "bmsc.bench.test";
static const char BTID[] = "bench@bsf.bench.test";
static const uint8_t CSB[4] = {0x11, 0x22, 0x33, 0x44};
static const uint8_t DOMAIN[3] = {0x00, 0xF1, 0x10};
static const uint8_t MSK_ID[4] = {0x00, 0x01, 0x00, 0x01};

static void die(const char *what, const sca_error *err)
{
    fprintf(stderr, "bench (MBMS setup): %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

/* ---- the BM-SC side (mbms.md §4, §5) --------------------------------------------------------------------------- */
static void hmac_sha1(const uint8_t *key, size_t klen, const uint8_t *const *parts, const size_t *lens, size_t n,
                      uint8_t out[20])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA1";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
    size_t ol = 0;
    if (!EVP_MAC_init(ctx, key, klen, params))
        die("HMAC", NULL);
    for (size_t i = 0; i < n; i++)
        EVP_MAC_update(ctx, parts[i], lens[i]);
    EVP_MAC_final(ctx, out, &ol, 20);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}

/* RFC 3830 PRF, one chunk, outputs up to 20 bytes: HMAC(k, HMAC(k, label) || label). */
static void prf(const uint8_t *k, size_t kl, uint32_t constant, const uint8_t *rand, size_t rl, uint8_t *out,
                size_t ol)
{
    uint8_t label[9 + 64], a1[20], o[20];
    label[0] = (uint8_t)(constant >> 24), label[1] = (uint8_t)(constant >> 16), label[2] = (uint8_t)(constant >> 8);
    label[3] = (uint8_t)constant, label[4] = 0xFF;
    memcpy(label + 5, CSB, 4);
    memcpy(label + 9, rand, rl);
    const uint8_t *p1[] = {label};
    size_t l1[] = {9 + rl};
    hmac_sha1(k, kl, p1, l1, 1, a1);
    const uint8_t *p2[] = {a1, label};
    size_t l2[] = {20, 9 + rl};
    hmac_sha1(k, kl, p2, l2, 2, o);
    memcpy(out, o, ol);
}

static void aes_cm(const uint8_t key[16], const uint8_t salt[14], uint32_t counter, uint8_t *d, size_t n)
{
    uint8_t iv[16] = {0}, ks[16];
    memcpy(iv, salt, 14);
    for (int i = 0; i < 4; i++)
        iv[2 + i] ^= CSB[i];
    iv[10] ^= (uint8_t)(counter >> 24), iv[11] ^= (uint8_t)(counter >> 16), iv[12] ^= (uint8_t)(counter >> 8);
    iv[13] ^= (uint8_t)counter;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ol;
    EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL);
    EVP_CIPHER_CTX_set_padding(c, 0);
    for (size_t p = 0; p < n; p += 16) {
        EVP_EncryptUpdate(c, ks, &ol, iv, 16);
        for (size_t i = 0; i < 16 && p + i < n; i++)
            d[p + i] ^= ks[i];
        for (int i = 15; i >= 0 && ++iv[i] == 0; i--)
            ;
    }
    EVP_CIPHER_CTX_free(c);
}

static size_t put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
    return 2;
}
static size_t put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
    return 4;
}

/* KEMAC (encrypted key data) and the MAC, appended at p; returns the new end. */
static size_t kemac(uint8_t *m, size_t p, const uint8_t *inkey, size_t kl, const uint8_t *rand, size_t rl,
                    uint32_t counter, uint8_t *kd, size_t kdl)
{
    uint8_t encr[16], salt[14], auth[20];
    prf(inkey, kl, 0x150533E1, rand, rl, encr, 16);
    prf(inkey, kl, 0x29B88916, rand, rl, salt, 14);
    prf(inkey, kl, 0x2D22AC75, rand, rl, auth, 20);
    aes_cm(encr, salt, counter, kd, kdl);
    m[p++] = 0, m[p++] = 1;
    p += put16(m + p, (unsigned)kdl);
    memcpy(m + p, kd, kdl);
    p += kdl;
    m[p++] = 1;
    const uint8_t *parts[] = {m};
    size_t lens[] = {p};
    hmac_sha1(auth, 20, parts, lens, 1, m + p);
    OPENSSL_cleanse(encr, sizeof encr);
    OPENSSL_cleanse(auth, sizeof auth);
    return p + 20;
}

size_t mbms_bench_ltkm(const uint8_t muk[32], const uint8_t msk[16], uint32_t counter, uint8_t *m)
{
    static const uint8_t rand[16] = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
                                     0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};
    size_t p = 0;
    m[p++] = 1, m[p++] = 0, m[p++] = 21, m[p++] = 0;
    memcpy(m + p, CSB, 4), p += 4;
    m[p++] = 0, m[p++] = 1;
    m[p++] = 5, m[p++] = 3, p += put16(m + p, 6 + 7); /* EXT Key ID: domain, MSK ID */
    m[p++] = 0, p += put16(m + p, 3), memcpy(m + p, DOMAIN, 3), p += 3;
    m[p++] = 1, p += put16(m + p, 4), memcpy(m + p, MSK_ID, 4), p += 4;
    m[p++] = 11, m[p++] = 2, p += put32(m + p, counter);
    m[p++] = 6, m[p++] = 16, memcpy(m + p, rand, 16), p += 16;
    m[p++] = 6, m[p++] = 1, p += put16(m + p, sizeof FQDN - 1), memcpy(m + p, FQDN, sizeof FQDN - 1),
        p += sizeof FQDN - 1;
    m[p++] = 1, m[p++] = 0, p += put16(m + p, sizeof BTID - 1), memcpy(m + p, BTID, sizeof BTID - 1),
        p += sizeof BTID - 1;
    uint8_t kd[26] = {0, 0x02, 0, 16};
    memcpy(kd + 4, msk, 16);
    kd[20] = 2, kd[21] = 0, kd[22] = 1, kd[23] = 2, kd[24] = 0xFF, kd[25] = 0xFF; /* MTK IDs 0001..FFFF */
    return kemac(m, p, muk, 32, rand, 16, counter, kd, sizeof kd);
}

size_t mbms_bench_stkm(const uint8_t msk[16], unsigned mtk_id, uint32_t counter, const uint8_t mtk[16], uint8_t *m)
{
    size_t p = 0;
    m[p++] = 1, m[p++] = 0, m[p++] = 21, m[p++] = 0;
    memcpy(m + p, CSB, 4), p += 4;
    m[p++] = 0, m[p++] = 1;
    m[p++] = 5, m[p++] = 3, p += put16(m + p, 6 + 7 + 5);
    m[p++] = 0, p += put16(m + p, 3), memcpy(m + p, DOMAIN, 3), p += 3;
    m[p++] = 1, p += put16(m + p, 4), memcpy(m + p, MSK_ID, 4), p += 4;
    m[p++] = 2, p += put16(m + p, 2), p += put16(m + p, mtk_id);
    m[p++] = 1, m[p++] = 2, p += put32(m + p, counter);
    uint8_t kd[36] = {0, 0x30, 0, 16};
    memcpy(kd + 4, mtk, 16);
    kd[20] = 0, kd[21] = 14;
    memset(kd + 22, 0x5A, 14);
    return kemac(m, p, msk, 16, NULL, 0, counter, kd, sizeof kd);
}

/* ---- the card ------------------------------------------------------------------------------------------------ */
void mbms_bench_personalize_and_bootstrap(sca_card *card, uint8_t muk[32])
{
    sca_error err;
    sca_issuer_keys k;
    sca_issuer_test_keys(&k);
    uint8_t key[16], opc[16], rand[16], sqn[6] = {0, 0, 0, 0, 0, 0x20}, amf[2] = {0x80, 0};
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i, opc[i] = (uint8_t)(0x30 + i), rand[i] = (uint8_t)(0x50 + i);
    if (sca_issuer_open(card, &k, &err) != SCA_OK || sca_issuer_reset_pin(card, PIN, &err) != SCA_OK ||
        sca_gba_perso_keys(card, key, opc, &err) != SCA_OK || sca_gba_perso_impi(card, IMPI, &err) != SCA_OK ||
        sca_pin_verify(card, PIN, &err) != SCA_OK)
        die("personalize (a fresh emulated card is needed)", &err);
    sca_milenage m;
    uint8_t mac[8], ak[6], ik[16], ck[16], d[20], autn[16], ks[32];
    sca_milenage_init(&m, key, opc);
    if (sca_milenage_set_rand(&m, rand, &err) != SCA_OK || sca_milenage_f1(&m, sqn, amf, mac, &err) != SCA_OK ||
        sca_milenage_f5(&m, ak, &err) != SCA_OK || sca_milenage_f4(&m, ik, &err) != SCA_OK ||
        sca_milenage_f3(&m, ck, &err) != SCA_OK)
        die("milenage", &err);
    EVP_Digest(ik, 16, d, NULL, EVP_sha1(), NULL);
    for (int i = 0; i < 6; i++)
        autn[i] = sqn[i] ^ ak[i];
    memcpy(autn + 6, amf, 2);
    for (int i = 0; i < 8; i++)
        autn[8 + i] = mac[i] ^ d[i]; /* MAC* for GBA_U (TS 33.220 §5.3.2) */
    sca_gba_auth a;
    if (sca_gba_authenticate(card, rand, autn, &a, &err) != SCA_OK || a.sync_failure)
        die("GBA bootstrap", &err);
    if (sca_gba_bp_write(card, BTID, "2099-01-01T00:00:00Z", &err) != SCA_OK)
        die("B-TID", &err);
    uint8_t mrk[32];
    if (sca_mbms_setup(card, FQDN, IMPI, mrk, &err) != SCA_OK)
        die("MBMS setup (NAF derivation)", &err);
    memcpy(ks, ck, 16), memcpy(ks + 16, ik, 16);
    uint8_t naf[sizeof FQDN - 1 + 5];
    memcpy(naf, FQDN, sizeof FQDN - 1);
    memcpy(naf + sizeof FQDN - 1, SCA_GBA_UA_MBMS, 5);
    if (sca_gba_ks_naf(SCA_GBA_U, ks, rand, (const uint8_t *)IMPI, sizeof IMPI - 1, naf, sizeof naf, muk, &err) !=
        SCA_OK)
        die("KDF", &err);
    sca_milenage_clear(&m);
    OPENSSL_cleanse(mrk, sizeof mrk);
    OPENSSL_cleanse(ks, sizeof ks);
}

