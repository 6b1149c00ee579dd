/* The issuer secure channel (applet-spec/secure-channel.md): SCP03-style derivation, C-MAC chaining and
 * C-DECRYPTION, with the session keys kept only for the life of the session and wiped afterwards. */
#include "scagent/issuer.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "aes.h"
#include "sca_contract.h"
#include "scagent/pin.h"

void sca_issuer_test_keys(sca_issuer_keys *k)
{
    for (int i = 0; i < 16; i++)
        k->enc[i] = k->mac[i] = (uint8_t)(0x40 + i);
    k->version = 1;
}

/* NIST SP 800-108 counter mode with AES-CMAC, one block: label 00 x 11, constant, 00, L, counter 01, context. */
static sca_rc kdf(const uint8_t key[16], uint8_t constant, uint16_t bits, const uint8_t ctx[16], uint8_t out[16],
                  sca_error *err)
{
    uint8_t dd[32] = {0};
    dd[11] = constant;
    dd[12] = 0x00;
    dd[13] = (uint8_t)(bits >> 8);
    dd[14] = (uint8_t)bits;
    dd[15] = 0x01;
    memcpy(dd + 16, ctx, 16);
    return sca_aes_cmac(key, dd, sizeof dd, out, err);
}

sca_rc sca_scp_derive(const sca_issuer_keys *k, const uint8_t host_challenge[8], const uint8_t card_challenge[8],
                      sca_scp_session *s, uint8_t card_cryptogram[8], uint8_t host_cryptogram[8], sca_error *err)
{
    uint8_t ctx[16], t[16];
    memcpy(ctx, host_challenge, 8);
    memcpy(ctx + 8, card_challenge, 8);
    memset(s, 0, sizeof *s);
    sca_rc rc = kdf(k->enc, 0x04, 0x0080, ctx, s->s_enc, err);
    if (rc == SCA_OK)
        rc = kdf(k->mac, 0x06, 0x0080, ctx, s->s_mac, err);
    if (rc == SCA_OK)
        rc = kdf(s->s_mac, 0x00, 0x0040, ctx, t, err);
    if (rc == SCA_OK) {
        memcpy(card_cryptogram, t, 8);
        rc = kdf(s->s_mac, 0x01, 0x0040, ctx, t, err);
    }
    if (rc == SCA_OK)
        memcpy(host_cryptogram, t, 8);
    OPENSSL_cleanse(t, sizeof t);
    return rc;
}

sca_rc sca_scp_wrap(sca_scp_session *s, const sca_apdu *plain, int encrypt, uint8_t *buf, size_t cap,
                    sca_apdu *out, sca_error *err)
{
    if (plain->lc > 239 || cap < plain->lc + 16 + SCA_CMAC_LEN)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a wrapped command carries at most 239 bytes of data");
    size_t n = 0;
    sca_rc rc = SCA_OK;
    if (encrypt)
        s->counter++;
    if (encrypt && plain->lc > 0) {
        uint8_t padded[256], iv[16] = {0}, ctr[16] = {0};
        n = (plain->lc / 16 + 1) * 16;
        memset(padded, 0, n);
        memcpy(padded, plain->data, plain->lc);
        padded[plain->lc] = 0x80;
        for (int i = 0; i < 4; i++)
            ctr[15 - i] = (uint8_t)(s->counter >> (8 * i));
        rc = sca_aes_cbc_encrypt(s->s_enc, NULL, ctr, 16, iv, err);
        if (rc == SCA_OK)
            rc = sca_aes_cbc_encrypt(s->s_enc, iv, padded, n, buf, err);
        OPENSSL_cleanse(padded, sizeof padded);
    } else if (plain->lc > 0) {
        memcpy(buf, plain->data, plain->lc);
        n = plain->lc;
    }
    if (rc != SCA_OK)
        return rc;
    uint8_t mac_in[16 + 5 + 256], full[16];
    memcpy(mac_in, s->mcv, 16);
    mac_in[16] = (uint8_t)(plain->cla & ~SCA_CLA_CHANNEL_MASK);
    mac_in[17] = plain->ins;
    mac_in[18] = plain->p1;
    mac_in[19] = plain->p2;
    mac_in[20] = (uint8_t)(n + SCA_CMAC_LEN);
    memcpy(mac_in + 21, buf, n);
    rc = sca_aes_cmac(s->s_mac, mac_in, 21 + n, full, err);
    if (rc != SCA_OK)
        return rc;
    memcpy(s->mcv, full, 16);
    memcpy(buf + n, full, SCA_CMAC_LEN);
    *out = *plain;
    out->data = buf;
    out->lc = n + SCA_CMAC_LEN;
    out->flags |= SCA_APDU_SENSITIVE;
    return SCA_OK;
}

static void session_drop(void *p)
{
    OPENSSL_cleanse(p, sizeof(sca_scp_session));
    free(p);
}

sca_rc sca_issuer_open(sca_card *c, const sca_issuer_keys *k, sca_error *err)
{
    uint8_t host_ch[8], resp[64], card_cg[8], host_cg[8], buf[64];
    size_t n;
    if (RAND_bytes(host_ch, sizeof host_ch) != 1)
        return sca_error_set(err, SCA_E_CRYPTO, "no random bytes for the host challenge");
    sca_scp_session *s = calloc(1, sizeof *s);
    if (s == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK) {
        free(s);
        return rc;
    }
    sca_card_set_session(c, NULL, NULL); /* any earlier session ends with INITIALIZE UPDATE */
    sca_card_set_security(c, SCA_SEC_ISSUER, 0);
    sca_apdu init = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_INITIALIZE_UPDATE, .p1 = k->version,
                     .data = host_ch, .lc = 8, .le = 256};
    rc = sca_card_command(c, &init, resp, sizeof resp, &n, "INITIALIZE UPDATE", err);
    if (rc == SCA_OK && n != 17)
        rc = sca_error_set(err, SCA_E_PARSE, "INITIALIZE UPDATE: the card answered %zu bytes, expected 17", n);
    if (rc == SCA_OK)
        rc = sca_scp_derive(k, host_ch, resp + 1, s, card_cg, host_cg, err);
    if (rc == SCA_OK && CRYPTO_memcmp(card_cg, resp + 9, 8) != 0)
        rc = sca_error_set(err, SCA_E_AUTH_FAILED,
                           "the card cryptogram did not verify: the card holds other issuer keys (key version %u)",
                           resp[0]);
    if (rc == SCA_OK) {
        sca_apdu ext = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_EXTERNAL_AUTHENTICATE,
                        .p1 = SCA_EXTERNAL_AUTHENTICATE_P1_33, .data = host_cg, .lc = 8}, w;
        rc = sca_scp_wrap(s, &ext, 0, buf, sizeof buf, &w, err);
        if (rc == SCA_OK)
            rc = sca_card_command(c, &w, resp, sizeof resp, &n, "EXTERNAL AUTHENTICATE", err);
    }
    if (rc == SCA_OK) {
        sca_card_set_session(c, s, session_drop);
        sca_card_set_security(c, SCA_SEC_ISSUER, 1);
    } else {
        session_drop(s);
    }
    sca_card_end(c);
    OPENSSL_cleanse(card_cg, sizeof card_cg);
    OPENSSL_cleanse(host_cg, sizeof host_cg);
    return rc;
}

sca_rc sca_issuer_command(sca_card *c, const sca_apdu *plain, uint8_t *resp, size_t cap, size_t *resp_len,
                          const char *op, sca_error *err)
{
    sca_scp_session *s = sca_card_session(c);
    if (s == NULL || !(sca_card_security(c) & SCA_SEC_ISSUER))
        return sca_error_set(err, SCA_E_DENIED, "%s: no issuer session; authenticate as issuer first", op);
    uint8_t buf[256 + 32];
    sca_apdu w;
    sca_rc rc = sca_scp_wrap(s, plain, 1, buf, sizeof buf, &w, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_card_command(c, &w, resp, cap, resp_len, op, err);
    OPENSSL_cleanse(buf, sizeof buf);
    if (rc == SCA_E_AUTH_FAILED) /* 6988: the card closed the session */
        sca_card_set_session(c, NULL, NULL), sca_card_set_security(c, SCA_SEC_ISSUER, 0);
    return rc;
}

sca_rc sca_issuer_command_chained(sca_card *c, const sca_apdu *plain, uint8_t *resp, size_t cap, size_t *resp_len,
                                  const char *op, sca_error *err)
{
    enum { PART = 239 };
    uint8_t scratch[8];
    size_t scratch_len;
    if (resp == NULL) {
        resp = scratch;
        cap = sizeof scratch;
    }
    if (resp_len == NULL)
        resp_len = &scratch_len;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    size_t off = 0;
    do {
        size_t n = plain->lc - off > PART ? PART : plain->lc - off;
        int last = off + n == plain->lc;
        sca_apdu part = *plain;
        part.data = plain->data + off;
        part.lc = n;
        if (!last) {
            uint8_t r[8];
            size_t rn;
            part.cla |= SCA_CLA_CHAINING;
            part.le = 0;
            rc = sca_issuer_command(c, &part, r, sizeof r, &rn, op, err);
        } else {
            rc = sca_issuer_command(c, &part, resp, cap, resp_len, op, err);
        }
        off += n;
    } while (rc == SCA_OK && off < plain->lc);
    sca_card_end(c);
    return rc;
}

sca_rc sca_issuer_reset_pin(sca_card *c, const char *new_pin, sca_error *err)
{
    uint8_t block[SCA_PIN_BLOCK_LEN], r[8];
    size_t n;
    sca_rc rc = sca_pin_block(new_pin, block, err);
    if (rc != SCA_OK)
        return rc;
    sca_apdu a = {.cla = SCA_CLA_ISO_SECURE, .ins = SCA_INS_RESET_RETRY_COUNTER, .p1 = SCA_RESET_RETRY_COUNTER_P1_02,
                  .p2 = SCA_RESET_RETRY_COUNTER_P2_81, .data = block, .lc = sizeof block, .flags = SCA_APDU_SENSITIVE};
    rc = sca_card_begin(c, err);
    if (rc == SCA_OK) {
        rc = sca_issuer_command(c, &a, r, sizeof r, &n, "setting the PIN (RESET RETRY COUNTER)", err);
        sca_card_end(c);
    }
    OPENSSL_cleanse(block, sizeof block);
    return rc;
}

sca_rc sca_issuer_set_lifecycle(sca_card *c, uint8_t state, sca_error *err)
{
    uint8_t r[8];
    size_t n;
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_SET_STATUS, .p1 = state, .p2 = SCA_SET_STATUS_P2_00};
    sca_rc rc = sca_card_begin(c, err);
    if (rc == SCA_OK) {
        rc = sca_issuer_command(c, &a, r, sizeof r, &n, "SET STATUS", err);
        sca_card_end(c);
    }
    return rc;
}
