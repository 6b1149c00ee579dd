/* A physical USIM's files and PIN1 (scagent/usim.h). The USIM's commands are not the applet's, so their codes are
 * here and not in the contract. */
#include "scagent/usim.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sca_contract.h"
#include "scagent/imsi.h"
#include "scagent/pin.h"
#include "scagent/tlv.h"

#define INS_READ_BINARY 0xB0
#define INS_UPDATE_BINARY 0xD6
#define SELECT_BY_DF_NAME 0x04
#define SELECT_BY_FID 0x00
#define P2_FCP 0x04
#define P2_NO_DATA 0x0C
#define FCP_TEMPLATE 0x62
#define FCP_FILE_SIZE 0x80
#define SW_END_OF_FILE 0x6282
#define PIN1_REFERENCE 0x01

static const uint8_t USIM_AID_PREFIX[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02};

/* SELECT with P2 04 (FCP), else with P2 0C when the card refuses P2 04; the FCP (or nothing) into fcp. */
static sca_rc select_file(sca_card *c, uint8_t p1, const uint8_t *id, size_t n, uint8_t *fcp, size_t cap,
                          size_t *fcp_len, const char *what, sca_error *err)
{
    uint16_t sw;
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_SELECT, .p1 = p1, .p2 = P2_FCP, .data = id, .lc = n, .le = 256};
    sca_rc rc = sca_card_transceive(c, &a, fcp, cap, fcp_len, &sw, err);
    if (rc == SCA_OK && (sw == SCA_SW_INCORRECT_P1P2 || sw == SCA_SW_WRONG_P1P2 || sw == SCA_SW_FUNC_NOT_SUPPORTED)) {
        a.p2 = P2_NO_DATA;
        a.le = 0;
        rc = sca_card_transceive(c, &a, fcp, cap, fcp_len, &sw, err);
        *fcp_len = 0;
    }
    if (rc != SCA_OK)
        return rc;
    if (sw == SCA_SW_FILE_NOT_FOUND)
        return sca_error_set(err, SCA_E_NOT_FOUND, "%s: not on this card (SELECT answered 6A82)", what);
    if (sw != SCA_SW_OK)
        return sca_error_from_sw(err, sw, what);
    return SCA_OK;
}

sca_rc sca_usim_select(sca_card *c, sca_error *err)
{
    uint8_t fcp[258];
    size_t fl = 0;
    return select_file(c, SELECT_BY_DF_NAME, USIM_AID_PREFIX, sizeof USIM_AID_PREFIX, fcp, sizeof fcp, &fl,
                       "selecting the USIM application (AID A0000000871002...)", err);
}

/* The preamble of reading and of writing an EF: the USIM application, then the EF by its file id; the FCP (or
 * nothing, when the card only answers P2 0C) into fcp. Inside the caller's sca_card_begin, so no other client's
 * SELECT can come between this and the READ/UPDATE BINARY that follows. */
static sca_rc select_ef(sca_card *c, uint16_t fid, uint8_t *fcp, size_t cap, size_t *fcp_len, sca_error *err)
{
    uint8_t id[2] = {(uint8_t)(fid >> 8), (uint8_t)fid};
    char what[48];
    snprintf(what, sizeof what, "selecting EF %04X on the USIM", fid);
    sca_rc rc = sca_usim_select(c, err);
    if (rc == SCA_OK)
        rc = select_file(c, SELECT_BY_FID, id, sizeof id, fcp, cap, fcp_len, what, err);
    return rc;
}

sca_rc sca_usim_read_ef(sca_card *c, uint16_t fid, uint8_t *buf, size_t cap, size_t *len, sca_error *err)
{
    if (c == NULL || buf == NULL || len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "reading a USIM file: missing argument");
    *len = 0;
    uint8_t fcp[258];
    size_t fl = 0;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = select_ef(c, fid, fcp, sizeof fcp, &fl, err);
    size_t want = 256;
    sca_tlv t62, t80;
    if (rc == SCA_OK && fl > 0 && sca_tlv_find(fcp, fl, FCP_TEMPLATE, &t62, NULL) == SCA_OK &&
        sca_tlv_find(t62.value, t62.len, FCP_FILE_SIZE, &t80, NULL) == SCA_OK && t80.len >= 1 && t80.len <= 2) {
        want = t80.len == 1 ? t80.value[0] : (size_t)(t80.value[0] << 8 | t80.value[1]);
        if (want == 0 || want > 256)
            rc = sca_error_set(err, SCA_E_PARSE, "EF %04X: the FCP gives a size of %zu bytes", fid, want);
    }
    if (rc == SCA_OK) {
        uint16_t sw;
        uint8_t b[258];
        size_t n = 0;
        sca_apdu a = {.cla = SCA_CLA_ISO, .ins = INS_READ_BINARY, .le = want};
        rc = sca_card_transceive(c, &a, b, sizeof b, &n, &sw, err);
        if (rc == SCA_OK && sw != SCA_SW_OK && sw != SW_END_OF_FILE)
            rc = sca_error_from_sw(err, sw, "reading a USIM file (READ BINARY)");
        if (rc == SCA_OK && (n == 0 || n > cap))
            rc = sca_error_set(err, n == 0 ? SCA_E_PARSE : SCA_E_BUFFER_TOO_SMALL, "EF %04X: %zu bytes read", fid, n);
        if (rc == SCA_OK) {
            memcpy(buf, b, n);
            *len = n;
        }
    }
    sca_card_end(c);
    return rc;
}

sca_rc sca_usim_write_ef(sca_card *c, uint16_t fid, const uint8_t *data, size_t len, sca_error *err)
{
    if (c == NULL || data == NULL || len == 0 || len > 255)
        return sca_error_set(err, SCA_E_INVALID_ARG, "writing a USIM file: 1..255 bytes");
    uint8_t fcp[258], r[8];
    size_t fl = 0, rn = 0;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = select_ef(c, fid, fcp, sizeof fcp, &fl, err);
    if (rc == SCA_OK) {
        uint16_t sw;
        sca_apdu a = {.cla = SCA_CLA_ISO, .ins = INS_UPDATE_BINARY, .data = data, .lc = len};
        rc = sca_card_transceive(c, &a, r, sizeof r, &rn, &sw, err);
        if (rc == SCA_OK && sw != SCA_SW_OK)
            rc = sca_error_from_sw(err, sw, "writing a USIM file (UPDATE BINARY)");
    }
    sca_card_end(c);
    return rc;
}

sca_rc sca_usim_write_gbabp(sca_card *c, const uint8_t rand[16], const char *btid, const char *lifetime,
                            sca_error *err)
{
    size_t bl = strlen(btid), ll = strlen(lifetime);
    if (bl == 0 || bl > 128 || ll == 0 || ll > 32)
        return sca_error_set(err, SCA_E_INVALID_ARG, "EF_GBABP: B-TID 1..128 and lifetime 1..32 characters");
    uint8_t d[3 + 16 + 128 + 32];
    size_t n = 0;
    d[n++] = 16;
    memcpy(d + n, rand, 16), n += 16;
    d[n++] = (uint8_t)bl;
    memcpy(d + n, btid, bl), n += bl;
    d[n++] = (uint8_t)ll;
    memcpy(d + n, lifetime, ll), n += ll;
    return sca_usim_write_ef(c, SCA_USIM_EF_GBABP, d, n, err);
}

sca_rc sca_usim_read_imsi(sca_card *c, uint8_t ef[9], uint8_t key[8], size_t *key_len, sca_error *err)
{
    uint8_t b[16] = {0};
    size_t n = 0;
    sca_rc rc = sca_usim_read_ef(c, SCA_USIM_EF_IMSI, b, sizeof b, &n, err);
    if (rc != SCA_OK)
        return rc;
    if (n != SCA_EF_IMSI_LEN || b[0] < 4 || b[0] > 8 || (b[1] & 0x07) != 0x01)
        return sca_error_set(err, SCA_E_PARSE, "the USIM's EF_IMSI is not a 9-byte IMSI (%zu bytes, L %u)", n, b[0]);
    memcpy(ef, b, SCA_EF_IMSI_LEN);
    memcpy(key, b + 1, b[0]);
    *key_len = b[0];
    return SCA_OK;
}

sca_rc sca_usim_verify_pin1(sca_card *c, const char *pin, sca_error *err)
{
    uint8_t block[8];
    sca_rc rc = sca_pin_block(pin, block, err);
    if (rc != SCA_OK)
        return rc;
    uint16_t sw = 0;
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_VERIFY, .p1 = 0x00, .p2 = PIN1_REFERENCE, .data = block,
                  .lc = sizeof block, .flags = SCA_APDU_SENSITIVE};
    uint8_t r[8];
    size_t rn = 0;
    rc = sca_card_begin(c, err);
    if (rc == SCA_OK) {
        rc = sca_card_transceive(c, &a, r, sizeof r, &rn, &sw, err);
        sca_card_end(c);
    }
    OPENSSL_cleanse(block, sizeof block);
    if (rc != SCA_OK)
        return rc;
    if (sw != SCA_SW_OK)
        return sca_error_from_sw(err, sw, "verifying the USIM's PIN1");
    sca_card_set_security(c, SCA_SEC_PIN, 1);
    return SCA_OK;
}
