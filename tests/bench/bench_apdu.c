/* APDU round trip: libscagent (sca_card_transceive, GET DATA VERSION) against a minimal raw SCardTransmit loop
 * of the same APDU on the same emulated card, in the same run. Prints medians and one BENCH line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include "bench_common.h"
#include "sca_contract.h"
#include "scagent/scagent.h"

int main(int argc, char **argv)
{
    const char *reader = argc > 1 ? argv[1] : "Virtual PCD 00 00";
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    double *raw = calloc((size_t)n, sizeof *raw), *lib = calloc((size_t)n, sizeof *lib);

    /* Raw: connect, select on the basic channel, then a GET DATA loop. */
    SCARDCONTEXT ctx;
    SCARDHANDLE h;
    DWORD proto;
    const SCARD_IO_REQUEST *pci = bench_raw_open(reader, &ctx, &h, &proto);
    if (pci == NULL) {
        fprintf(stderr, "bench: cannot connect to %s\n", reader);
        return 1;
    }
    uint8_t gd[] = {0x80, 0xCA, 0xDF, 0x30, 0x04}, r[300];
    DWORD rl = sizeof r;
    for (int i = 0; i < n / 4; i++) { /* warm up pcscd, the bridge's JIT and the caches before measuring */
        rl = sizeof r;
        SCardTransmit(h, pci, gd, sizeof gd, NULL, r, &rl);
    }
    for (int i = 0; i < n; i++) {
        rl = sizeof r;
        double t0 = bench_now_us();
        LONG rc = SCardTransmit(h, pci, gd, sizeof gd, NULL, r, &rl);
        raw[i] = bench_now_us() - t0;
        if (rc != SCARD_S_SUCCESS || rl != 6 || r[4] != 0x90) {
            fprintf(stderr, "bench: raw GET DATA failed (%lX, %lu bytes)\n", (unsigned long)rc, (unsigned long)rl);
            return 1;
        }
    }
    SCardDisconnect(h, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);

    /* libscagent: the same APDU through the engine (logical channel, SW handling, tracing hooks). */
    /* the basic channel, where the raw loop selected the applet: the same APDU bytes on both sides */
    sca_open_opts o = {.reader = reader, .basic_channel = 1};
    sca_card *c;
    sca_error err;
    if (sca_card_open(&o, &c, &err) != SCA_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_GET_DATA, .p1 = 0xDF, .p2 = 0x30, .le = 4};
    for (int i = 0; i < n; i++) {
        size_t len;
        uint16_t sw;
        double t0 = bench_now_us();
        sca_rc rc = sca_card_transceive(c, &a, r, sizeof r, &len, &sw, &err);
        lib[i] = bench_now_us() - t0;
        if (rc != SCA_OK || sw != 0x9000 || len != 4) {
            fprintf(stderr, "bench: libscagent GET DATA failed: %s\n", err.msg);
            return 1;
        }
    }
    sca_card_close(c);

    double raw_med = bench_pct(raw, n, 0.5), raw_p99 = bench_pct(raw, n, 0.99);
    double lib_med = bench_pct(lib, n, 0.5), lib_p99 = bench_pct(lib, n, 0.99);
    printf("APDU round trip through pcscd + vpcd + the jCardSim bridge, %d APDUs each (%s, T=%d)\n", n, reader,
           proto == SCARD_PROTOCOL_T0 ? 0 : 1);
    printf("  raw SCardTransmit:     median %8.1f us   p99 %8.1f us\n", raw_med, raw_p99);
    printf("  libscagent transceive: median %8.1f us   p99 %8.1f us\n", lib_med, lib_p99);
    printf("  raw median below 1 ms: %s\n", raw_med < 1000 ? "yes" : "NO");
    printf("BENCH apdu_roundtrip value=%.1f baseline=%.1f ratio=%.3f unit=us\n", lib_med, raw_med, lib_med / raw_med);
    free(raw);
    free(lib);
    return 0;
}
