/* libFuzzer target: an exported firmware-update log from outside (dm-firmware.md §3): the checkpoint and record
 * parsers and the whole verification against the fixed card log key of fixed_pki.h, FIXED_CARD_ID and
 * FIXED_NONCE (the seeds in corpus/fu_log are signed with them, so mutations reach every check).
 * Input: checkpoint_len (1) || checkpoint || h_before_first (32) || records (96 each; a partial tail is cut off).
 * Invariants: a verified log is the exact window its checkpoint names, its records are consecutive and replaying
 * them reaches the head; every refusal names a failure. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_pki.h"
#include "scagent/fulog.h"

static const uint8_t FIXED_CARD_ID[16] = {0x5C, 0xA6, 0xE7, 0x70, 0xF0, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t FIXED_NONCE[16] = {0x6E, 0x6F, 0x6E, 0x63, 0x65, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

static EVP_PKEY *key;
static sca_fu_log_report report;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    (void)fixed_cert; /* the certificate is for the BCAST targets */
    key = fixed_key();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t cl = data[0];
    if (size - 1 < cl)
        return 0;
    const uint8_t *cp = data + 1, *rest = cp + cl;
    size_t rest_len = size - 1 - cl;
    sca_error err;
    sca_fu_log_checkpoint c;
    sca_rc parsed = sca_fu_log_checkpoint_parse(cp, cl, &c, &err);
    if (parsed == SCA_OK) {
        if (c.tbs_len + 1 + c.signature_len != cl || c.nonce_len < 16 || c.nonce_len > 32)
            abort();
        volatile uint8_t touch = c.signature[c.signature_len - 1];
        (void)touch;
    }
    /* every whole record through the record parser */
    size_t n = rest_len >= 32 ? (rest_len - 32) / SCA_FU_LOG_RECORD_LEN : 0;
    const uint8_t *h = rest_len >= 32 ? rest : NULL, *recs = rest_len >= 32 ? rest + 32 : NULL;
    for (size_t i = 0; i < n; i++) {
        sca_fu_log_record r;
        sca_rc rc = sca_fu_log_record_parse(recs + i * SCA_FU_LOG_RECORD_LEN, &r, &err);
        if (rc == SCA_OK) {
            uint8_t back[SCA_FU_LOG_RECORD_LEN];
            if (r.seq == 0 || r.server_id_len > 32 || sca_fu_log_record_encode(&r, back, &err) != SCA_OK ||
                memcmp(back, recs + i * SCA_FU_LOG_RECORD_LEN, sizeof back) != 0)
                abort();
        } else if (rc != SCA_E_PARSE) {
            abort();
        }
    }
    if (h != NULL) {
        const uint8_t *hh, *rr;
        size_t nn;
        sca_rc rc = sca_fu_log_read_split(rest, 32 + n * SCA_FU_LOG_RECORD_LEN, &hh, &rr, &nn, &err);
        if ((rc == SCA_OK) != (n > 0) || (rc == SCA_OK && (hh != rest || rr != recs || nn != n)))
            abort();
    }
    sca_rc rc = sca_fu_log_verify(h, recs, n, cp, cl, key, FIXED_CARD_ID, FIXED_NONCE, sizeof FIXED_NONCE, &report,
                                  &err);
    if (rc == SCA_OK) {
        if (parsed != SCA_OK || report.failure != SCA_FU_LOG_OK || report.n_records != n ||
            report.count != c.count || report.first_seq != c.first_seq || report.dropped != c.first_seq - 1 ||
            memcmp(report.head, c.head, 32) != 0 || n > SCA_FU_LOG_CAPACITY)
            abort();
        uint8_t chain[32];
        memcpy(chain, n ? h : (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
        for (size_t i = 0; i < n; i++) {
            if (report.records[i].seq != c.first_seq + i)
                abort();
            if (sca_fu_log_chain(chain, recs + i * SCA_FU_LOG_RECORD_LEN, chain, &err) != SCA_OK)
                abort();
        }
        if (memcmp(chain, c.head, 32) != 0)
            abort();
    } else if (report.failure == SCA_FU_LOG_OK || err.msg[0] == '\0') {
        abort();
    }
    return 0;
}
