/* STKM -> TEK through libscagent on the emulated card, against the raw APDU round trip in the same run:
 *   - latency (p50, p99) and rate of sca_mbms_mtk, one STKM after another;
 *   - the raw baseline: the same number of SCardTransmit round trips of an APDU of the same length (an instruction
 *     the applet refuses at once, so its cost is the transport's and the card's dispatch);
 *   - APDUs per STKM, counted at the transport (target: one exchange for an STKM that fits one APDU).
 * The card must be fresh: the benchmark personalizes it (test issuer keys, PIN, GBA keys), bootstraps GBA with an
 * AUTN it computes itself (host MILENAGE), derives the MUK for a BM-SC, and loads one MSK. The LTKM and STKMs are
 * built in mbms_msgs_bench.c (shared with bench-daemon) from applet-spec/mbms.md with OpenSSL EVP (HMAC-SHA1 PRF
 * and MAC, AES-128-ECB for AES-CM), as the BM-SC
 * would; tools/bmsc-sim and the JUnit tests cross-check the same formats independently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <winscard.h>

#include "mbms_msgs_bench.h"
#include "bench_common.h"
#include "sca_contract.h"
#include "scagent/mbms.h"
#include "scagent/scagent.h"

static void die(const char *what, const sca_error *err)
{
    fprintf(stderr, "bench-mbms: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}


/* The raw baseline: n round trips of an APDU of `len` data bytes that the applet refuses at once. */
static void raw_round_trips(const char *reader, size_t len, int n, double *lat)
{
    SCARDCONTEXT ctx;
    SCARDHANDLE h;
    DWORD proto;
    const SCARD_IO_REQUEST *pci = bench_raw_open(reader, &ctx, &h, &proto);
    if (pci == NULL)
        die("raw connect", NULL);
    uint8_t apdu[5 + 255], r[300];
    DWORD rl = sizeof r;
    apdu[0] = 0x80, apdu[1] = 0x42, apdu[2] = 0, apdu[3] = 0, apdu[4] = (uint8_t)len;
    memset(apdu + 5, 0xA5, len);
    for (int i = 0; i < n / 4; i++) {
        rl = sizeof r;
        SCardTransmit(h, pci, apdu, (DWORD)(5 + len), NULL, r, &rl);
    }
    for (int i = 0; i < n; i++) {
        rl = sizeof r;
        double t0 = bench_now();
        SCardTransmit(h, pci, apdu, (DWORD)(5 + len), NULL, r, &rl);
        lat[i] = bench_now() - t0;
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
    unsigned long *apdus;
    sca_transport *counted = bench_counting(pc, &apdus);
    sca_card *card;
    if (sca_card_attach(counted, NULL, &card, &err) != SCA_OK)
        die("attach", &err);
    uint8_t muk[32], msk[16], mtk[16], got[16], salt[14], m[512];
    mbms_bench_personalize_and_bootstrap(card, muk);
    memset(msk, 0x4D, sizeof msk);
    size_t ml = mbms_bench_ltkm(muk, msk, 1, m);
    size_t vl = 0;
    if (sca_mbms_msk_update(card, m, ml, NULL, 0, &vl, &err) != SCA_OK)
        die("LTKM", &err);

    /* STKMs built ahead, so only the card path is timed */
    uint8_t (*msgs)[160] = malloc((size_t)n * 160);
    size_t *lens = malloc((size_t)n * sizeof *lens);
    double *lat = malloc((size_t)n * sizeof *lat), *raw = malloc((size_t)n * sizeof *raw);
    for (int i = 0; i < n; i++) {
        memset(mtk, (uint8_t)i, sizeof mtk);
        lens[i] = mbms_bench_stkm(msk, (unsigned)(i + 1), (uint32_t)(i + 1), mtk, msgs[i]);
    }
    unsigned long a0 = *apdus;
    double t0 = bench_now();
    for (int i = 0; i < n; i++) {
        size_t sl = 0;
        double s = bench_now();
        if (sca_mbms_mtk(card, msgs[i], lens[i], got, salt, &sl, &err) != SCA_OK)
            die("STKM", &err);
        lat[i] = bench_now() - s;
        memset(mtk, (uint8_t)i, sizeof mtk);
        if (memcmp(got, mtk, 16) != 0 || sl != 14)
            die("the card's MTK differs from the BM-SC's", NULL);
    }
    double total = bench_now() - t0;
    double per_stkm = (double)(*apdus - a0) / n;
    size_t apdu_data = 2 + 1 + lens[0]; /* 53 L mode || message */
    OPENSSL_cleanse(got, sizeof got);
    OPENSSL_cleanse(salt, sizeof salt);
    OPENSSL_cleanse(muk, sizeof muk);
    sca_card_close(card);

    raw_round_trips(reader, apdu_data, n, raw);
    double raw_total = 0;
    for (int i = 0; i < n; i++)
        raw_total += raw[i];
    bench_sort(lat, n);
    bench_sort(raw, n);
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
