/* The 19 bytes of BCAST_Client_ID fields and the IMEI inside them (bcast-identity.md §2): TS 24.008 BCD with
 * the TS 23.003 Luhn check digit. */
#include "scagent/bcastid.h"

#include <string.h>

#include "sca_contract.h"
#include "bytes.h"

_Static_assert(SCA_BCAST_FIELDS_SIZE == SCA_BCAST_FIELDS_LEN, "the public header repeats the contract's length");

#define IMEI_TYPE 0x2       /* type of identity 010: IMEI */
#define IMEI_ODD 0x8        /* odd/even indicator, b4 */

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int sca_imei_check_digit(const char *imei)
{
    if (imei == NULL || strnlen(imei, 14) < 14 || !all_digits(imei, 14))
        return -1;
    /* Luhn: double every second digit counted from the right of the 14, i.e. digits 2, 4, ..., 14. */
    int sum = 0;
    for (int i = 0; i < 14; i++) {
        int d = imei[i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return '0' + (10 - sum % 10) % 10;
}

int sca_imei_valid(const char *imei)
{
    return imei != NULL && strnlen(imei, SCA_IMEI_DIGITS + 1) == SCA_IMEI_DIGITS &&
           all_digits(imei, SCA_IMEI_DIGITS) && sca_imei_check_digit(imei) == imei[14];
}

sca_rc sca_imei_encode(const char *imei, uint8_t out[SCA_IMEI_BCD_LEN], sca_error *err)
{
    if (imei == NULL || strnlen(imei, SCA_IMEI_DIGITS + 1) != SCA_IMEI_DIGITS ||
        !all_digits(imei, SCA_IMEI_DIGITS))
        return sca_error_set(err, SCA_E_INVALID_ARG, "an IMEI is exactly 15 digits (TAC, serial, check digit)");
    int check = sca_imei_check_digit(imei);
    if (check != imei[14])
        return sca_error_set(err, SCA_E_INVALID_ARG, "IMEI %s: the check digit should be %c (TS 23.003 Luhn); "
                             "check for a typing error", imei, check);
    out[0] = (uint8_t)((imei[0] - '0') << 4 | IMEI_ODD | IMEI_TYPE);
    for (int i = 1; i < SCA_IMEI_BCD_LEN; i++) /* digit 2i in the low nibble, digit 2i+1 in the high one */
        out[i] = (uint8_t)((imei[2 * i] - '0') << 4 | (imei[2 * i - 1] - '0'));
    return SCA_OK;
}

sca_rc sca_imei_decode(const uint8_t in[SCA_IMEI_BCD_LEN], char out[SCA_IMEI_DIGITS + 1], sca_error *err)
{
    out[0] = '\0';
    if ((in[0] & 0x07) != IMEI_TYPE)
        return sca_error_set(err, SCA_E_PARSE, "the identity type is %u, not 2 (IMEI)", in[0] & 0x07u);
    if (!(in[0] & IMEI_ODD))
        return sca_error_set(err, SCA_E_PARSE, "the IMEI's odd/even indicator says even; an IMEI has 15 digits");
    char d[SCA_IMEI_DIGITS + 1];
    d[0] = (char)('0' + (in[0] >> 4));
    for (int i = 1; i < SCA_IMEI_BCD_LEN; i++) {
        d[2 * i - 1] = (char)('0' + (in[i] & 0x0F));
        d[2 * i] = (char)('0' + (in[i] >> 4));
    }
    d[SCA_IMEI_DIGITS] = '\0';
    for (int i = 0; i < SCA_IMEI_DIGITS; i++)
        if (d[i] > '9')
            return sca_error_set(err, SCA_E_PARSE, "IMEI digit %d is the nibble %X, not a decimal digit", i + 1,
                                 (unsigned)(d[i] - '0'));
    memcpy(out, d, sizeof d);
    return SCA_OK;
}

sca_rc sca_bcast_fields_encode(const sca_bcast_fields *f, uint8_t out[SCA_BCAST_FIELDS_SIZE], sca_error *err)
{
    if (f->serial > 0xFFFFFF)
        return sca_error_set(err, SCA_E_INVALID_ARG, "ClientSerialNo %lu does not fit its 3 bytes (max 16777215)",
                             (unsigned long)f->serial);
    sca_rc rc = sca_imei_encode(f->imei, out, err);
    if (rc != SCA_OK)
        return rc;
    sca_put16(out + 8, f->fw_version);
    sca_put16(out + 10, f->manufacturer);
    sca_put16(out + 12, f->model);
    out[14] = (uint8_t)(f->serial >> 16);
    out[15] = (uint8_t)(f->serial >> 8);
    out[16] = (uint8_t)f->serial;
    sca_put16(out + 17, f->sw_version);
    return SCA_OK;
}

sca_rc sca_bcast_fields_decode(const uint8_t in[SCA_BCAST_FIELDS_SIZE], sca_bcast_fields *f, sca_error *err)
{
    memset(f, 0, sizeof *f);
    sca_rc rc = sca_imei_decode(in, f->imei, err);
    if (rc != SCA_OK) {
        if (err)
            sca_error_prefix(err, "BCAST_Client_ID fields");
        return rc;
    }
    f->fw_version = sca_get16(in + 8);
    f->manufacturer = sca_get16(in + 10);
    f->model = sca_get16(in + 12);
    f->serial = (uint32_t)in[14] << 16 | (uint32_t)in[15] << 8 | in[16];
    f->sw_version = sca_get16(in + 17);
    return SCA_OK;
}
