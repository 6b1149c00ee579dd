/* DM firmware-update control on the emulated card, in one run:
 *   - on-card package hashing (FU_HASH through libscagent) in bytes per second, against the raw APDU transport
 *     limit: the same number of APDUs of the same size sent with a minimal SCardTransmit loop;
 *   - APDUs per server check and per log append, counted at the transport.
 * The card must be fresh (life cycle SELECTABLE): the benchmark personalizes it with the test issuer keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <winscard.h>

#include "bench_common.h"
#include "sca_contract.h"
#include "scagent/scagent.h"

#define DM_ID "bench.dm.test"

static void die(const char *what, const sca_error *err)
{
    fprintf(stderr, "bench-dm: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}


/* Raw transport limit: `n` APDUs of `size` data bytes (an instruction the applet refuses at once, so the cost is
 * the transport's), on the basic channel of a fresh connection. Returns bytes per second. */
static double raw_limit(const char *reader, size_t size, int n)
{
    SCARDCONTEXT ctx;
    SCARDHANDLE h;
    DWORD proto;
    const SCARD_IO_REQUEST *pci = bench_raw_open(reader, &ctx, &h, &proto);
    if (pci == NULL)
        die("raw connect", NULL);
    uint8_t *apdu = malloc(7 + size), r[300];
    DWORD rl = sizeof r, len;
    apdu[0] = 0x80, apdu[1] = 0x42, apdu[2] = 0, apdu[3] = 0;
    if (size <= 255) {
        apdu[4] = (uint8_t)size;
        len = (DWORD)(5 + size);
    } else {
        apdu[4] = 0, apdu[5] = (uint8_t)(size >> 8), apdu[6] = (uint8_t)size;
        len = (DWORD)(7 + size);
    }
    memset(apdu + (size <= 255 ? 5 : 7), 0xA5, size);
    for (int i = 0; i < n / 4; i++) { /* warm up */
        rl = sizeof r;
        SCardTransmit(h, pci, apdu, len, NULL, r, &rl);
    }
    double t0 = bench_now();
    for (int i = 0; i < n; i++) {
        rl = sizeof r;
        SCardTransmit(h, pci, apdu, len, NULL, r, &rl);
    }
    double dt = bench_now() - t0;
    /* reset, so the applet is no longer selected on the basic channel when libscagent opens its own channel */
    SCardDisconnect(h, SCARD_RESET_CARD);
    SCardReleaseContext(ctx);
    free(apdu);
    return (double)size * n / dt;
}

int main(int argc, char **argv)
{
    const char *reader = argc > 1 ? argv[1] : "Virtual PCD 00 00";
    size_t pkg_size = argc > 2 ? (size_t)atol(argv[2]) : 512 * 1024;
    sca_error err;

    /* the library side: a counting transport under a card session */
    sca_transport *pc;
    if (sca_pcsc_open(reader, &pc, &err) != SCA_OK)
        die("open", &err);
    unsigned long *apdus;
    sca_transport *counted = bench_counting(pc, &apdus);
    sca_card *card;
    if (sca_card_attach(counted, NULL, &card, &err) != SCA_OK)
        die("attach", &err);
    size_t chunk = sca_card_max_data(card) > 4096 ? 4096 : sca_card_max_data(card);

    /* personalize: fields, a DM server, an originator */
    EVP_PKEY *orig = NULL;
    if (bench_dm_personalize(card, DM_ID, &orig, &err) != SCA_OK)
        die("personalize (a fresh emulated card is needed)", &err);

    /* APDUs per server check and per log append (a user confirmation is one record) */
    unsigned long a0 = *apdus;
    sca_dm_check_result chk;
    if (sca_dm_check(card, (uint32_t)time(NULL), "unlisted.dm.test", &chk, &err) != SCA_OK)
        die("check", &err);
    unsigned long check_apdus = *apdus - a0;
    a0 = *apdus;
    if (sca_dm_confirm(card, "unlisted.dm.test", &err) != SCA_OK)
        die("confirm", &err);
    unsigned long append_apdus = *apdus - a0;

    /* the package and its manifest */
    char path[] = "/tmp/bench-dm-XXXXXX";
    int fd = mkstemp(path);
    uint8_t *pkg = malloc(pkg_size), digest[32];
    RAND_bytes(pkg, (int)pkg_size);
    if (fd < 0 || write(fd, pkg, pkg_size) != (ssize_t)pkg_size)
        die("temp file", NULL);
    close(fd);
    EVP_Digest(pkg, pkg_size, digest, NULL, EVP_sha256(), NULL);
    sca_fu_manifest m = {.size = pkg_size, .kind = SCA_FU_KIND_FIRMWARE, .manufacturer = 7, .model = 9,
                         .from_min = 1, .from_max = 1, .to = 2, .seq = 1, .originator = 0};
    memcpy(m.sha256, digest, 32);
    memcpy(m.server_id, DM_ID, strlen(DM_ID));
    m.server_id_len = strlen(DM_ID);
    uint8_t *mbuf;
    size_t mlen;
    sca_fu_summary sum;
    if (sca_fu_manifest_build(&m, orig, &mbuf, &mlen, &err) != SCA_OK ||
        sca_dm_check(card, (uint32_t)time(NULL), DM_ID, &chk, &err) != SCA_OK ||
        sca_fu_verify_manifest(card, mbuf, mlen, NULL, &sum, &err) != SCA_OK)
        die("manifest", &err);
    a0 = *apdus;
    double t0 = bench_now();
    if (sca_fu_hash_on_card(card, path, pkg_size, chunk, NULL, NULL, &err) != SCA_OK)
        die("hash on card", &err);
    double dt = bench_now() - t0;
    unsigned long hash_apdus = *apdus - a0;
    double lib_bps = (double)pkg_size / dt;
    sca_card_close(card);
    unlink(path);

    double raw_bps = raw_limit(reader, chunk, (int)hash_apdus);
    printf("on-card hashing: %zu bytes in %lu APDUs of %zu bytes: %.0f B/s; raw transport %.0f B/s\n", pkg_size,
           hash_apdus, chunk, lib_bps, raw_bps);
    printf("BENCH dm_check_apdus value=%lu baseline=1 ratio=%.3f unit=apdus\n", check_apdus, (double)check_apdus);
    printf("BENCH dm_log_append_apdus value=%lu baseline=1 ratio=%.3f unit=apdus\n", append_apdus,
           (double)append_apdus);
    printf("BENCH fu_hash_on_card value=%.0f baseline=%.0f ratio=%.3f unit=B/s\n", lib_bps, raw_bps,
           lib_bps / raw_bps);
    free(pkg);
    free(mbuf);
    EVP_PKEY_free(orig);
    return 0;
}
