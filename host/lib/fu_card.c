/* The firmware-update session on the card (applet-spec/dm-firmware.md §4): manifest, package, report. */
#include "scagent/dm.h"
#include "scagent/fu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sca_contract.h"
#include "bytes.h"

/* The card's refusals of a manifest, in the words of dm-firmware.md §4.2. */
static sca_rc explain_manifest(sca_rc rc, sca_error *err)
{
    if (err == NULL)
        return rc;
    switch (err->sw) {
    case SCA_SW_WRONG_DATA:
        return sca_error_explain(err, "the card refused the manifest: it is malformed");
    case SCA_SW_SECURITY_STATUS:
        return sca_error_explain(err, "the card refused the manifest: the delivering DM server is not authorized "
                                      "(and not confirmed), the signature is not from the originator, or the "
                                      "subscriber token is wrong or missing");
    case SCA_SW_CONDITIONS:
        return sca_error_explain(err, "the card refused the manifest: it targets another device or subscription, "
                                      "is a downgrade or outside its version range, reuses a sequence number, or "
                                      "no DM server was checked first");
    default:
        return rc;
    }
}

sca_rc sca_fu_verify_manifest(sca_card *c, const uint8_t *manifest, size_t len, const uint8_t *token,
                              sca_fu_summary *out, sca_error *err)
{
    if (len == 0 || len > SCA_FU_MANIFEST_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a manifest has 1..%d bytes", SCA_FU_MANIFEST_MAX);
    uint8_t d[SCA_FU_MANIFEST_MAX + SCA_FU_TOKEN_LEN], b[64];
    size_t n = 0;
    memcpy(d, manifest, len);
    if (token != NULL)
        memcpy(d + len, token, SCA_FU_TOKEN_LEN);
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_FU_VERIFY_MANIFEST,
                  .p1 = token ? SCA_FU_VERIFY_MANIFEST_P1_01 : SCA_FU_VERIFY_MANIFEST_P1_00, .data = d,
                  .lc = len + (token ? SCA_FU_TOKEN_LEN : 0), .le = 256, .flags = SCA_APDU_CHAIN};
    sca_rc rc = sca_card_run(c, &a, b, sizeof b, &n, "verifying the update manifest", err);
    if (rc != SCA_OK)
        return explain_manifest(rc, err);
    if (n != 45)
        return sca_error_set(err, SCA_E_PARSE, "manifest check: the card answered %zu bytes, expected 45", n);
    out->kind = b[0];
    out->from = sca_get16(b + 1);
    out->to = sca_get16(b + 3);
    out->size = sca_get64(b + 5);
    memcpy(out->sha256, b + 13, 32);
    return SCA_OK;
}

sca_rc sca_fu_package_digest(sca_card *c, const uint8_t sha256[32], uint64_t size, sca_error *err)
{
    uint8_t d[40];
    memcpy(d, sha256, 32);
    sca_put64(d + 32, size);
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_FU_PACKAGE_DIGEST, .data = d, .lc = sizeof d};
    sca_rc rc = sca_card_run(c, &a, NULL, 0, NULL, "comparing the package digest", err);
    if (rc == SCA_E_BAD_REQUEST) {
        sca_error_explain(err, "the package does not match the manifest (digest or size): it is corrupted, "
                               "truncated or extended; the card logged the failure");
        return err != NULL ? (err->rc = SCA_E_CRYPTO) : SCA_E_CRYPTO;
    }
    if (rc == SCA_E_CONDITIONS)
        return sca_error_explain(err, "no verified manifest in this firmware-update session: verify it first");
    return rc;
}

sca_rc sca_fu_hash_part(sca_card *card, uint8_t p1, const uint8_t *data, size_t len, sca_error *err)
{
    if (card == NULL || (len > 0 && data == NULL) ||
        (p1 != SCA_FU_HASH_P1_01 && p1 != SCA_FU_HASH_P1_02 && p1 != SCA_FU_HASH_P1_03))
        return sca_error_set(err, SCA_E_INVALID_ARG, "FU_HASH: a card, the data and P1 01, 02 or 03");
    if (len > sca_card_max_data(card))
        return sca_error_set(err, SCA_E_INVALID_ARG, "FU_HASH: a part of %zu bytes is more than one APDU carries "
                             "(%zu)", len, sca_card_max_data(card));
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_FU_HASH, .p1 = p1, .data = data, .lc = len};
    uint8_t r[8];
    size_t rn;
    sca_rc rc = sca_card_run(card, &a, r, sizeof r, &rn, "hashing the package on the card", err);
    if (rc == SCA_E_BAD_REQUEST) {
        sca_error_explain(err, "the package hashed by the card does not match the manifest (digest or size); the "
                               "card logged the failure");
        rc = err != NULL ? (err->rc = SCA_E_CRYPTO) : SCA_E_CRYPTO;
    }
    return rc;
}

sca_rc sca_fu_hash_on_card(sca_card *c, const char *path, uint64_t size, size_t chunk,
                           void (*progress)(uint64_t done, uint64_t total, void *ctx), void *ctx, sca_error *err)
{
    size_t max = sca_card_max_data(c);
    if (chunk == 0 || chunk > max)
        chunk = max > 4096 ? 4096 : max;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot open the package %s", path);
    uint8_t *buf = malloc(chunk);
    if (buf == NULL) {
        fclose(f);
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    }
    sca_rc rc = sca_card_begin(c, err);
    int begun = rc == SCA_OK;
    uint64_t done = 0;
    /* P1 01 carries the first part, 02 the next ones, 03 the last one; a package of one part is 01 then an empty
     * 03, and an empty package an empty 01 and an empty 03. Reading one chunk ahead tells which part is last. */
    size_t n = begun ? fread(buf, 1, chunk, f) : 0;
    uint8_t p1 = SCA_FU_HASH_P1_01;
    while (rc == SCA_OK) {
        uint8_t next;
        int more = n == chunk && fread(&next, 1, 1, f) == 1;
        if (!more && p1 != SCA_FU_HASH_P1_01)
            p1 = SCA_FU_HASH_P1_03;
        rc = sca_fu_hash_part(c, p1, buf, n, err); /* inside our transaction: no new one */
        done += n;
        if (progress != NULL)
            progress(done, size, ctx);
        if (rc != SCA_OK || p1 == SCA_FU_HASH_P1_03)
            break;
        if (!more) { /* everything was in the first part: close with an empty last one */
            p1 = SCA_FU_HASH_P1_03;
            n = 0;
            continue;
        }
        p1 = SCA_FU_HASH_P1_02;
        buf[0] = next;
        n = 1 + fread(buf + 1, 1, chunk - 1, f);
    }
    if (rc == SCA_OK && ferror(f))
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "cannot read the package %s", path);
    if (begun)
        sca_card_end(c);
    free(buf);
    fclose(f);
    return rc;
}

sca_rc sca_fu_report(sca_card *c, uint8_t status, uint32_t now, uint16_t code, sca_error *err)
{
    uint8_t d[6];
    sca_put32(d, now);
    sca_put16(d + 4, code);
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_FU_REPORT, .p1 = status, .data = d, .lc = sizeof d};
    sca_rc rc = sca_card_run(c, &a, NULL, 0, NULL, "reporting the update to the card", err);
    if (rc == SCA_E_CONDITIONS)
        return sca_error_explain(err, "the card has no verified, matched package in its firmware-update session to "
                                      "report on: verify the manifest and the package first");
    return rc;
}
