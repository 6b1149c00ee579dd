/* STKM -> TEK through libscagent on the emulated card, against the raw APDU round trip in the same run:
 *   - latency (p50, p99) and rate of sca_mbms_mtk, one STKM after another;
 *   - the raw baseline: the same number of SCardTransmit round trips of an APDU of the same length (an instruction
 *     the applet refuses at once, so its cost is the transport's and the card's dispatch);
 *   - APDUs per STKM, counted at the transport (target: one exchange for an STKM that fits one APDU).
 * The card must be fresh: the benchmark personalizes it (test issuer keys, PIN, GBA keys), bootstraps GBA with an
 * AUTN it computes itself (host MILENAGE), derives the MUK for a BM-SC, and loads one MSK. The LTKM and STKMs are
 * built here from applet-spec/mbms.md with OpenSSL EVP (HMAC-SHA1 PRF and MAC, AES-128-ECB for AES-CM), as the BM-SC
 * would; tools/bmsc-sim and the JUnit tests cross-check the same formats independently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <winscard.h>

#include "sca_contract.h"
#include "scagent/scagent.h"
#include "scagent/mbms.h"
#include "scagent/milenage.h"

static const char PIN[] = "1234";
static const char IMPI[] = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
static const char FQDN[] = "bmsc.bench.test";
static const char BTID[] = "bench@bsf.bench.test";
static const uint8_t CSB[4] = {0x11, 0x22, 0x33, 0x44};
static const uint8_t DOMAIN[3] = {0x00, 0xF1, 0x10};
static const uint8_t MSK_ID[4] = {0x00, 0x01, 0x00, 0x01};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const sca_error *err)
{
    fprintf(stderr, "bench-mbms: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

/* ---- a transport that counts APDUs ---------------------------------------------------------------------------- */
typedef struct counting {
    sca_transport base;
    sca_transport *inner;
    unsigned long apdus;
} counting;
static sca_rc c_transmit(sca_transport *t, const uint8_t *cmd, size_t n, uint8_t *r, size_t *rn, sca_error *err)
{
    counting *c = (counting *)t;
    c->apdus++;
    return c->inner->ops->transmit(c->inner, cmd, n, r, rn, err);
}
static sca_rc c_begin(sca_transport *t, sca_error *err)
{
    return ((counting *)t)->inner->ops->begin(((counting *)t)->inner, err);
}
static void c_end(sca_transport *t)
{
    ((counting *)t)->inner->ops->end(((counting *)t)->inner);
}
static void c_close(sca_transport *t)
{
    counting *c = (counting *)t;
    c->inner->ops->close(c->inner);
    free(c);
}
static const struct sca_transport_ops counting_ops = {c_transmit, c_begin, c_end, c_close};

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

static size_t ltkm(const uint8_t muk[32], const uint8_t msk[16], uint32_t counter, uint8_t *m)
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

static size_t stkm(const uint8_t msk[16], unsigned mtk_id, uint32_t counter, const uint8_t mtk[16], uint8_t *m)
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
static void personalize_and_bootstrap(sca_card *card, uint8_t muk[32])
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The raw baseline: n round trips of an APDU of `len` data bytes that the applet refuses at once. */
static void raw_round_trips(const char *reader, size_t len, int n, double *lat)
{
    SCARDCONTEXT ctx;
    SCARDHANDLE h;
    DWORD proto;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS ||
        SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto) !=
            SCARD_S_SUCCESS)
        die("raw connect", NULL);
    const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    uint8_t sel[5 + SCA_APPLET_AID_LEN] = {0x00, 0xA4, 0x04, 0x00, SCA_APPLET_AID_LEN}, aid[] = SCA_APPLET_AID;
    memcpy(sel + 5, aid, sizeof aid);
    uint8_t apdu[5 + 255], r[300];
    DWORD rl = sizeof r;
    SCardTransmit(h, pci, sel, sizeof sel, NULL, r, &rl);
    apdu[0] = 0x80, apdu[1] = 0x42, apdu[2] = 0, apdu[3] = 0, apdu[4] = (uint8_t)len;
    memset(apdu + 5, 0xA5, len);
    for (int i = 0; i < n / 4; i++) {
        rl = sizeof r;
        SCardTransmit(h, pci, apdu, (DWORD)(5 + len), NULL, r, &rl);
    }
    for (int i = 0; i < n; i++) {
        rl = sizeof r;
        double t0 = now_s();
        SCardTransmit(h, pci, apdu, (DWORD)(5 + len), NULL, r, &rl);
        lat[i] = now_s() - t0;
    }
    SCardDisconnect(h, SCARD_RESET_CARD);
    SCardReleaseContext(ctx);
}

int main(int argc, char **argv)
{
    const char *reader = argc > 1 ? argv[1] : "Virtual PCD 00 00";
    int n = argc > 2 ? atoi(argv[2]) : 500;
    if (n < 10)
        n = 10;
    sca_error err;
    sca_transport *pc;
    if (sca_pcsc_open(reader, &pc, &err) != SCA_OK)
        die("open", &err);
    counting *cnt = calloc(1, sizeof *cnt);
    cnt->base = *pc;
    cnt->base.ops = &counting_ops;
    cnt->inner = pc;
    sca_card *card;
    if (sca_card_attach(&cnt->base, NULL, &card, &err) != SCA_OK)
        die("attach", &err);
    uint8_t muk[32], msk[16], mtk[16], got[16], salt[14], m[512];
    personalize_and_bootstrap(card, muk);
    memset(msk, 0x4D, sizeof msk);
    size_t ml = ltkm(muk, msk, 1, m);
    size_t vl = 0;
    if (sca_mbms_msk_update(card, m, ml, NULL, 0, &vl, &err) != SCA_OK)
        die("LTKM", &err);

    /* STKMs built ahead, so only the card path is timed */
    uint8_t (*msgs)[160] = malloc((size_t)n * 160);
    size_t *lens = malloc((size_t)n * sizeof *lens);
    double *lat = malloc((size_t)n * sizeof *lat), *raw = malloc((size_t)n * sizeof *raw);
    for (int i = 0; i < n; i++) {
        memset(mtk, (uint8_t)i, sizeof mtk);
        lens[i] = stkm(msk, (unsigned)(i + 1), (uint32_t)(i + 1), mtk, msgs[i]);
    }
    unsigned long a0 = cnt->apdus;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        size_t sl = 0;
        double s = now_s();
        if (sca_mbms_mtk(card, msgs[i], lens[i], got, salt, &sl, &err) != SCA_OK)
            die("STKM", &err);
        lat[i] = now_s() - s;
        memset(mtk, (uint8_t)i, sizeof mtk);
        if (memcmp(got, mtk, 16) != 0 || sl != 14)
            die("the card's MTK differs from the BM-SC's", NULL);
    }
    double total = now_s() - t0;
    double per_stkm = (double)(cnt->apdus - a0) / n;
    size_t apdu_data = 2 + 1 + lens[0]; /* 53 L mode || message */
    OPENSSL_cleanse(got, sizeof got);
    OPENSSL_cleanse(salt, sizeof salt);
    OPENSSL_cleanse(muk, sizeof muk);
    sca_card_close(card);

    raw_round_trips(reader, apdu_data, n, raw);
    double raw_total = 0;
    for (int i = 0; i < n; i++)
        raw_total += raw[i];
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    qsort(raw, (size_t)n, sizeof *raw, cmp_double);
    double p50 = lat[n / 2] * 1e6, p99 = lat[(n * 99) / 100] * 1e6;
    double r50 = raw[n / 2] * 1e6, r99 = raw[(n * 99) / 100] * 1e6;
    printf("STKM -> TEK: %d STKMs of %zu bytes, p50 %.1f us, p99 %.1f us, %.0f/s; raw %zu-byte APDU p50 %.1f us, "
           "p99 %.1f us, %.0f/s; %.2f APDUs per STKM\n",
           n, lens[0], p50, p99, n / total, apdu_data, r50, r99, n / raw_total, per_stkm);
    printf("BENCH mbms_stkm_latency_p50 value=%.1f baseline=%.1f ratio=%.3f unit=us\n", p50, r50, p50 / r50);
    printf("BENCH mbms_stkm_latency_p99 value=%.1f baseline=%.1f ratio=%.3f unit=us\n", p99, r99, p99 / r99);
    printf("BENCH mbms_stkm_rate value=%.0f baseline=%.0f ratio=%.3f unit=per_s\n", n / total, n / raw_total,
           (n / total) / (n / raw_total));
    printf("BENCH mbms_apdus_per_stkm value=%.2f baseline=1 ratio=%.3f unit=apdus\n", per_stkm, per_stkm);
    free(msgs);
    free(lens);
    free(lat);
    free(raw);
    return 0;
}
