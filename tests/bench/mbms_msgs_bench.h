/* The BM-SC side of the MBMS benchmarks (bench-mbms, bench-daemon): a fresh emulated card personalized for GBA and
 * MBMS (test issuer keys, PIN 1234, GBA keys and IMPI), a GBA bootstrap with an AUTN computed on the host
 * (MILENAGE), the MUK derived here as the BM-SC does, and the LTKM and STKMs built from applet-spec/mbms.md with
 * OpenSSL EVP (HMAC-SHA1 PRF and MAC, AES-128-ECB for AES-CM). tools/bmsc-sim and the JUnit tests cross-check the
 * same formats independently. */
#ifndef BENCH_MBMS_MSGS_H
#define BENCH_MBMS_MSGS_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/scagent.h"

#define MBMS_BENCH_PIN "1234"
#define MBMS_BENCH_STKM_MAX 160 /* an STKM of mbms_bench_stkm */

/* Personalize (issuer session, PIN, GBA keys, IMPI), bootstrap GBA, write the B-TID, run the MBMS setup on the card,
 * and derive the same MUK here. The PIN stays verified on `card`. Exits on failure. */
void mbms_bench_personalize_and_bootstrap(sca_card *card, uint8_t muk[32]);
/* An LTKM carrying `msk` (MTK IDs 0001..FFFF) under `muk` with counter `counter`; returns its length. m: 512. */
size_t mbms_bench_ltkm(const uint8_t muk[32], const uint8_t msk[16], uint32_t counter, uint8_t *m);
/* An STKM carrying `mtk` and a salt of 14 bytes 5A under `msk`; returns its length. m: MBMS_BENCH_STKM_MAX. */
size_t mbms_bench_stkm(const uint8_t msk[16], unsigned mtk_id, uint32_t counter, const uint8_t mtk[16], uint8_t *m);

#endif
