/* The subscriber's IMSI on the card (GET/PUT DATA IMSI, EF_IMSI format, TS 31.102 §4.2.2). On a USIM the host would
 * read EF_IMSI itself; the emulated card and applet-only cards carry it as a data object the issuer writes. Its
 * bytes after the length byte are the DM bootstrap NETWORKID key (applet-spec/dm-bootstrap.md). */
#ifndef SCAGENT_IMSI_H
#define SCAGENT_IMSI_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/card.h"

#define SCA_EF_IMSI_LEN 9

/* EF_IMSI from 6..15 digits: length byte, semi-octets (type 001, parity), F filler, FF padding. */
sca_rc sca_imsi_ef_encode(const char *digits, uint8_t out[SCA_EF_IMSI_LEN], sca_error *err);
/* The card's EF_IMSI, and the NETWORKID key (its bytes 2..L+1) into `key` (at least 8 bytes). */
sca_rc sca_card_imsi(sca_card *c, uint8_t ef[SCA_EF_IMSI_LEN], uint8_t *key, size_t *key_len, sca_error *err);
/* Issuer: write it (only the issuer channel can). */
sca_rc sca_card_imsi_put(sca_card *c, const uint8_t ef[SCA_EF_IMSI_LEN], sca_error *err);

#endif
