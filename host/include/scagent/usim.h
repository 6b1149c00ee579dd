/* A physical USIM's own files and PIN, for cards without the scagent applet (TS 31.102): the USIM application is
 * selected by its AID prefix A0 00 00 00 87 10 02, its EFs by file id. Used when the applet is absent: EF_IMSI for
 * the DM bootstrap NETWORKID key (dm-bootstrap.md), EF_UST to see whether the USIM serves GBA and MBMS itself
 * (mbms.md §6), PIN1 before its AUTHENTICATE. Open the card with sca_open_opts.no_select = 1. CI has no USIM: these
 * are exercised by unit tests with a scripted card only. */
#ifndef SCAGENT_USIM_H
#define SCAGENT_USIM_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/card.h"

#define SCA_USIM_EF_IMSI 0x6F07
#define SCA_USIM_EF_UST 0x6F38
#define SCA_USIM_EF_GBABP 0x6FD6

/* SELECT the USIM application (by its AID prefix; P2 04 with FCP, else 0C). SCA_E_NOT_FOUND when there is none. */
sca_rc sca_usim_select(sca_card *c, sca_error *err);
/* SELECT the USIM, then the EF `fid` under it, then READ BINARY of the whole file (its size from the FCP, else up to
 * 256 bytes) into buf. */
sca_rc sca_usim_read_ef(sca_card *c, uint16_t fid, uint8_t *buf, size_t cap, size_t *len, sca_error *err);
/* EF_IMSI (9 bytes) and the NETWORKID key (its bytes 2..L+1, 4..8 bytes) into `key`. */
sca_rc sca_usim_read_imsi(sca_card *c, uint8_t ef[9], uint8_t key[8], size_t *key_len, sca_error *err);
/* SELECT the USIM, then EF `fid`, then UPDATE BINARY of data at offset 0 (at most 255 bytes). Needs PIN1. */
sca_rc sca_usim_write_ef(sca_card *c, uint16_t fid, const uint8_t *data, size_t len, sca_error *err);
/* EF_GBABP (TS 31.102 §4.2.79): LV RAND || LV B-TID || LV key lifetime, written by the ME after Ub; read back with
 * sca_gba_bp_parse (trailing FF padding of the file is ignored). */
sca_rc sca_usim_write_gbabp(sca_card *c, const uint8_t rand[16], const char *btid, const char *lifetime,
                            sca_error *err);
/* VERIFY PIN1 (00 20 00 01, the PIN as 4..8 ASCII digits padded with FF, TS 31.101); SCA_E_WRONG_PIN with
 * err->tries_left on 63Cx. */
sca_rc sca_usim_verify_pin1(sca_card *c, const char *pin, sca_error *err);

#endif
