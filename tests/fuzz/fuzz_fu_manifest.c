/* libFuzzer target: the firmware-update manifest from outside (dm-firmware.md §4.1): the strict parser, the
 * signature check against the fixed originator key of fixed_pki.h (the seeds in corpus/fu_manifest are signed with
 * it), and the subscriber token. Invariants: the view stays inside the input; verification never accepts what the
 * parser refuses; a parsed manifest rebuilds (re-signed) to one that parses to the same fields and verifies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_pki.h"
#include "scagent/fu.h"

static EVP_PKEY *key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    (void)fixed_cert; /* the certificate is for the BCAST targets */
    key = fixed_key();
    return 0;
}

static void same_fields(const sca_fu_manifest *a, const sca_fu_manifest *b)
{
    if (memcmp(a->sha256, b->sha256, 32) != 0 || a->size != b->size || a->kind != b->kind ||
        a->manufacturer != b->manufacturer || a->model != b->model || a->from_min != b->from_min ||
        a->from_max != b->from_max || a->to != b->to || a->seq != b->seq || a->server_id_len != b->server_id_len ||
        memcmp(a->server_id, b->server_id, a->server_id_len) != 0 || a->has_imei != b->has_imei ||
        (a->has_imei && memcmp(a->imei, b->imei, 8) != 0) || a->has_card_id != b->has_card_id ||
        (a->has_card_id && memcmp(a->card_id, b->card_id, 16) != 0) || a->originator != b->originator)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sca_error err;
    sca_fu_manifest_view v;
    sca_rc parsed = sca_fu_manifest_parse(data, size, &v, &err);
    if (parsed == SCA_OK) {
        if (v.len != size || v.tbs_len + 2 + v.signature_len != size || v.signature != data + v.tbs_len + 2 ||
            v.signature_len < SCA_FU_SIG_MIN || v.signature_len > SCA_FU_SIG_MAX || v.m.server_id_len < 1 ||
            v.m.server_id_len > SCA_FU_SERVER_ID_MAX || size > 512)
            abort();
        volatile uint8_t touch = v.signature[v.signature_len - 1]; /* ASan checks the bounds */
        (void)touch;
        if (v.imei_digits[0] != '\0' && strlen(v.imei_digits) != 15)
            abort();
        uint8_t *b = NULL;
        size_t n = 0;
        sca_fu_manifest_view w;
        if (sca_fu_manifest_build(&v.m, key, &b, &n, &err) != SCA_OK || sca_fu_manifest_parse(b, n, &w, &err) != SCA_OK ||
            sca_fu_manifest_verify_sig(b, n, key, &err) != SCA_OK || w.tbs_len != v.tbs_len ||
            memcmp(b, data, v.tbs_len) != 0)
            abort();
        same_fields(&v.m, &w.m);
        free(b);
    } else if (parsed != SCA_E_PARSE) {
        abort();
    }
    sca_rc rc = sca_fu_manifest_verify_sig(data, size, key, &err);
    if (rc == SCA_OK && parsed != SCA_OK)
        abort();
    if (rc != SCA_OK && rc != SCA_E_PARSE && rc != SCA_E_CRYPTO)
        abort();
    static const uint8_t tkey[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static const uint8_t card[16] = {0xCA};
    uint8_t token[16];
    if (sca_fu_token(tkey, data, size, card, parsed == SCA_OK ? v.m.seq : 0, token, &err) != SCA_OK)
        abort();
    rc = sca_fu_token_verify(tkey, data, size, card, token, &err);
    if ((rc == SCA_OK) != (parsed == SCA_OK))
        abort();
    return 0;
}
