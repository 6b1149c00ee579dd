/* MIKEY messages for the MBMS unit tests (test_mbms, test_mbms_push, test_bcast_provision): LTKMs (normal or a
 * solicited-pull trigger) and STKMs built with the host codec; the MACs and encrypted data are filler (the host
 * never checks them, the card does). */
#ifndef TEST_MBMS_MSGS_H
#define TEST_MBMS_MSGS_H

#include <stddef.h>
#include <stdint.h>

/* An LTKM for Key Domain 32F451, MSK ID group||number, `encr_len` bytes of Encr data (0: a trigger when number is
 * 0 and vbit is 0), V bit `vbit`. malloc'd; free(). */
uint8_t *mbms_test_ltkm(uint16_t group, uint16_t number, size_t encr_len, int vbit, size_t *len);
/* An STKM for MSK ID 00070002, MTK ID `mtk_id`. */
uint8_t *mbms_test_stkm(uint16_t mtk_id, size_t *len);
/* Hex of `n` bytes into a new string (upper case, no spaces); free(). */
char *mbms_test_hex(const uint8_t *d, size_t n);

#endif
