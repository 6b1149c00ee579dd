/* Writes the seeds of fuzz_fu_manifest and fuzz_fu_log (signed with the fixed key of fixed_pki.h, which plays
 * both the originator and the card's log key). Not part of the fuzz run; rebuild the seeds with
 *   cc -std=c11 -D_DEFAULT_SOURCE -I host/include -I host/lib -I build/gen/c -o build/mkseeds_fu \
 *      tests/fuzz/mkseeds_fu.c build/lib/libscagent.a $(pkg-config --libs libcrypto) && build/mkseeds_fu
 * from the repository root. ECDSA signatures are randomized, so each run writes different (equally valid) bytes.
 * The card id and nonce must match those in fuzz_fu_log.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_pki.h"
#include "scagent/fu.h"
#include "scagent/fulog.h"

static const uint8_t FIXED_CARD_ID[16] = {0x5C, 0xA6, 0xE7, 0x70, 0xF0, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t FIXED_NONCE[16] = {0x6E, 0x6F, 0x6E, 0x63, 0x65, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

static void put(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void die(const sca_error *err)
{
    fprintf(stderr, "%s\n", err->msg);
    exit(1);
}

static void manifest(EVP_PKEY *key, const char *name, int imei, int card, const char *server, int trailing)
{
    sca_fu_manifest m;
    memset(&m, 0, sizeof m);
    for (int i = 0; i < 32; i++)
        m.sha256[i] = (uint8_t)(0x11 * i);
    m.size = 1048577;
    m.kind = card ? SCA_FU_KIND_SOFTWARE : SCA_FU_KIND_FIRMWARE;
    m.manufacturer = 0x1234;
    m.model = 0x16;
    m.from_min = 5;
    m.from_max = 5;
    m.to = 6;
    m.seq = 42;
    m.server_id_len = strlen(server);
    memcpy(m.server_id, server, m.server_id_len);
    m.has_imei = imei;
    memcpy(m.imei, FIXED_FIELDS, 8);
    m.has_card_id = card;
    memcpy(m.card_id, FIXED_CARD_ID, 16);
    m.originator = 1;
    uint8_t *b;
    size_t n;
    sca_error err;
    if (sca_fu_manifest_build(&m, key, &b, &n, &err) != SCA_OK)
        die(&err);
    char path[256];
    snprintf(path, sizeof path, "tests/fuzz/corpus/fu_manifest/%s", name);
    /* trailing: one byte after the signature (refused by the parser) */
    uint8_t *t = malloc(n + 1);
    memcpy(t, b, n);
    t[n] = 0x00;
    put(path, t, n + (size_t)(trailing != 0));
    free(t);
    free(b);
}

/* checkpoint_len (1) || checkpoint || h_before_first || records, for a log of `count` records */
static void log_seed(EVP_PKEY *key, const char *name, uint32_t count, int corrupt)
{
    uint8_t h[32] = {0}, recs[20 * SCA_FU_LOG_RECORD_LEN];
    sca_error err;
    for (uint32_t s = 1; s <= count; s++) {
        sca_fu_log_record r;
        memset(&r, 0, sizeof r);
        r.seq = s;
        r.time = 1750000000u + 60 * s;
        r.kind = s % 4 == 0 ? 0x10 : SCA_FU_KIND_FIRMWARE;
        r.status = (uint8_t)(1 + s % 6);
        r.result = s % 4 == 0 ? 0 : 200;
        r.from = 5;
        r.to = 6;
        memcpy(r.imei_bcd, FIXED_FIELDS, 8);
        r.flags = 0x09;
        r.server_id_len = 14;
        memcpy(r.server_id, "dm.example.com", 14);
        memset(r.sha256, (int)s, 32);
        r.manifest_seq = 40 + s;
        if (sca_fu_log_record_encode(&r, recs + (s - 1) * SCA_FU_LOG_RECORD_LEN, &err) != SCA_OK)
            die(&err);
    }
    uint8_t head[32] = {0};
    for (uint32_t s = 1; s <= count; s++)
        if (sca_fu_log_chain(head, recs + (s - 1) * SCA_FU_LOG_RECORD_LEN, head, &err) != SCA_OK)
            die(&err);
    uint8_t *cp;
    size_t cl;
    if (sca_fu_log_checkpoint_sign(key, FIXED_CARD_ID, count, 1, head, FIXED_NONCE, sizeof FIXED_NONCE, &cp, &cl,
                                   &err) != SCA_OK)
        die(&err);
    uint8_t out[4096];
    size_t n = 0;
    out[n++] = (uint8_t)cl;
    memcpy(out + n, cp, cl);
    n += cl;
    memcpy(out + n, h, 32);
    n += 32;
    memcpy(out + n, recs, count * SCA_FU_LOG_RECORD_LEN);
    n += count * SCA_FU_LOG_RECORD_LEN;
    if (corrupt)
        out[n - 20] ^= 0x01; /* inside the last record's package hash: the chain no longer reaches the head */
    char path[256];
    snprintf(path, sizeof path, "tests/fuzz/corpus/fu_log/%s", name);
    put(path, out, n);
    free(cp);
}

int main(void)
{
    (void)fixed_cert;
    EVP_PKEY *key = fixed_key();
    manifest(key, "minimal", 0, 0, "d", 0);
    manifest(key, "imei", 1, 0, "dm.example.com", 0);
    manifest(key, "card-bound", 0, 1, "dm.example.com", 0);
    manifest(key, "all-fields", 1, 1, "https-dm-server-with-a-rather-long-identifier.example.com:8443", 0);
    manifest(key, "trailing-byte", 1, 0, "dm.example.com", 1);
    log_seed(key, "empty", 0, 0);
    log_seed(key, "one", 1, 0);
    log_seed(key, "five", 5, 0);
    log_seed(key, "nineteen", 19, 0);
    log_seed(key, "five-altered", 5, 1);
    EVP_PKEY_free(key);
    return 0;
}
