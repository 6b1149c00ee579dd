/* Reading the firmware-update log as an authenticated DM server (applet-spec/dm-firmware.md §3.4, §5). */
#include "scagent/dm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "sca_contract.h"
#include "scagent/info.h"
#include "bytes.h"

sca_rc sca_dm_log_public_key(sca_card *c, EVP_PKEY **out, sca_error *err)
{
    uint8_t b[256];
    size_t n;
    sca_rc rc = sca_get_data(c, SCA_TAG_LOG_PUBLIC_KEY, b, sizeof b, &n, err);
    if (rc != SCA_OK)
        return rc;
    const uint8_t *p = b;
    *out = d2i_PUBKEY(NULL, &p, (long)n);
    if (*out == NULL || p != b + n) {
        EVP_PKEY_free(*out);
        *out = NULL;
        return sca_error_set(err, SCA_E_PARSE, "the card's log key is not a valid SubjectPublicKeyInfo");
    }
    return SCA_OK;
}

sca_rc sca_dm_log_status(sca_card *c, uint32_t *count, uint32_t *first, unsigned *capacity, sca_error *err)
{
    uint8_t b[16];
    size_t n;
    sca_rc rc = sca_get_data(c, SCA_TAG_LOG_STATUS, b, sizeof b, &n, err);
    if (rc == SCA_OK && n != 9)
        rc = sca_error_set(err, SCA_E_PARSE, "log status: the card answered %zu bytes, expected 9", n);
    if (rc == SCA_OK) {
        *count = sca_get32(b);
        *capacity = b[4];
        *first = sca_get32(b + 5);
    }
    return rc;
}

sca_rc sca_dm_log_auth_begin(sca_card *c, uint8_t slot, uint8_t card_id[16], uint8_t challenge[16], sca_error *err)
{
    uint8_t id[32], ch[32];
    size_t n = 0;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_get_data(c, SCA_TAG_CARD_ID, id, sizeof id, &n, err);
    if (rc == SCA_OK && n != 16)
        rc = sca_error_set(err, SCA_E_PARSE, "card id: %zu bytes, expected 16", n);
    sca_apdu begin = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_LOG_AUTH_BEGIN, .p1 = slot, .le = 256};
    if (rc == SCA_OK)
        rc = sca_card_command(c, &begin, ch, sizeof ch, &n, "asking the card for a challenge", err);
    if (rc == SCA_OK && n != SCA_DM_CHALLENGE_LEN)
        rc = sca_error_set(err, SCA_E_PARSE, "the card's challenge has %zu bytes, expected %d", n,
                           SCA_DM_CHALLENGE_LEN);
    sca_card_end(c);
    if (rc == SCA_OK) {
        memcpy(card_id, id, 16);
        memcpy(challenge, ch, SCA_DM_CHALLENGE_LEN);
    }
    return rc;
}

sca_rc sca_dm_log_auth_finish(sca_card *c, uint8_t slot, const uint8_t *sig, size_t sig_len, sca_error *err)
{
    sca_apdu auth = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_LOG_AUTH, .p1 = slot, .data = sig, .lc = sig_len};
    uint8_t r[8];
    size_t n = 0;
    sca_rc rc = sca_card_command(c, &auth, r, sizeof r, &n, "authenticating the DM server", err);
    if (rc == SCA_E_AUTH_FAILED)
        sca_error_explain(err, "the card did not accept the DM server's signature: the key does not belong to the "
                               "server in slot %u", slot);
    else if (rc == SCA_E_DENIED)
        sca_error_explain(err, "the DM server in slot %u may not read the log (no READ_LOG permission, or outside "
                               "its validity)", slot);
    else if (rc == SCA_E_CONDITIONS)
        sca_error_explain(err, "the card has no challenge for slot %u any more (a reset, or another log read began "
                               "in between): start again", slot);
    return rc;
}

sca_rc sca_dm_log_auth(sca_card *c, uint8_t slot, sca_dm_signer sign, void *ctx, sca_error *err)
{
    uint8_t card_id[16], challenge[SCA_DM_CHALLENGE_LEN], sig[160];
    size_t sig_len = 0;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_dm_log_auth_begin(c, slot, card_id, challenge, err);
    if (rc == SCA_OK)
        rc = sign(card_id, challenge, sig, sizeof sig, &sig_len, ctx, err);
    if (rc == SCA_OK)
        rc = sca_dm_log_auth_finish(c, slot, sig, sig_len, err);
    sca_card_end(c);
    return rc;
}

sca_rc sca_dm_log_export(sca_card *c, const uint8_t *nonce, size_t nonce_len, uint8_t **out, size_t *len,
                         sca_error *err)
{
    if (nonce_len < SCA_LOG_NONCE_MIN || nonce_len > SCA_LOG_NONCE_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the nonce has %d..%d bytes", SCA_LOG_NONCE_MIN,
                             SCA_LOG_NONCE_MAX);
    uint32_t count, first;
    unsigned capacity;
    size_t cap = 32 + 2 + (size_t)SCA_LOG_CAPACITY * SCA_LOG_RECORD_LEN + 2 + 512;
    uint8_t *b = malloc(cap), *part = malloc(32 + SCA_LOG_READ_MAX * SCA_LOG_RECORD_LEN + 16);
    if (b == NULL || part == NULL) {
        free(b);
        free(part);
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    }
    sca_rc rc = sca_card_begin(c, err);
    int begun = rc == SCA_OK;
    if (rc == SCA_OK)
        rc = sca_dm_log_status(c, &count, &first, &capacity, err);
    size_t records = rc == SCA_OK && count >= first && count > 0 ? count - first + 1 : 0;
    if (rc == SCA_OK && records > SCA_LOG_CAPACITY)
        rc = sca_error_set(err, SCA_E_PARSE, "log status: %zu records retained, more than the capacity", records);
    size_t off = 34;
    for (size_t i = 0; rc == SCA_OK && i < records; i += SCA_LOG_READ_MAX) {
        size_t k = records - i < SCA_LOG_READ_MAX ? records - i : SCA_LOG_READ_MAX, n = 0;
        sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_LOG_READ, .p1 = (uint8_t)i, .p2 = (uint8_t)k,
                      .le = SCA_LE_ANY};
        rc = sca_card_command(c, &a, part, 32 + SCA_LOG_READ_MAX * SCA_LOG_RECORD_LEN + 16, &n, "reading the log",
                              err);
        if (rc == SCA_OK && n != 32 + k * SCA_LOG_RECORD_LEN)
            rc = sca_error_set(err, SCA_E_PARSE, "log read: the card answered %zu bytes, expected %zu", n,
                               32 + k * SCA_LOG_RECORD_LEN);
        if (rc == SCA_OK) {
            if (i == 0)
                memcpy(b, part, 32);
            memcpy(b + off, part + 32, k * SCA_LOG_RECORD_LEN);
            off += k * SCA_LOG_RECORD_LEN;
        }
    }
    if (rc == SCA_OK && records == 0)
        memset(b, 0, 32); /* an empty log: h_0 */
    if (rc == SCA_OK) {
        b[32] = (uint8_t)(records >> 8), b[33] = (uint8_t)records;
        size_t n = 0;
        sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_LOG_CHECKPOINT, .data = nonce, .lc = nonce_len,
                      .le = SCA_LE_ANY};
        rc = sca_card_command(c, &a, b + off + 2, cap - off - 2, &n, "asking the card for a signed checkpoint", err);
        if (rc == SCA_OK) {
            b[off] = (uint8_t)(n >> 8), b[off + 1] = (uint8_t)n;
            off += 2 + n;
        }
    }
    if (rc == SCA_E_DENIED)
        sca_error_explain(err, "the log can only be read by an authenticated DM server with the READ_LOG permission");
    if (begun)
        sca_card_end(c);
    free(part);
    if (rc != SCA_OK) {
        free(b);
        return rc;
    }
    *out = b;
    *len = off;
    return SCA_OK;
}
