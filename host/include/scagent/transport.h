/* The transport interface under the APDU engine: PC/SC in production, a scripted card in unit tests. */
#ifndef SCAGENT_TRANSPORT_H
#define SCAGENT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

#define SCA_MAX_ATR 33
#define SCA_MAX_SHORT_RESPONSE (256 + 2)
#define SCA_MAX_EXT_RESPONSE (65536 + 2)

typedef struct sca_transport sca_transport;

struct sca_transport_ops {
    /* Send one raw C-APDU and receive the raw R-APDU (data and SW1 SW2). When another application reset the
     * card, the transport reconnects (leaving the card as it is) and returns SCA_E_CARD_RESET without sending;
     * when the card is gone it returns SCA_E_CARD_REMOVED. */
    sca_rc (*transmit)(sca_transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t *resp_len,
                       sca_error *err);
    /* Exclusive access for one logical operation (SCardBeginTransaction). The same reset/removal rules as
     * transmit. */
    sca_rc (*begin)(sca_transport *t, sca_error *err);
    void (*end)(sca_transport *t);
    /* Free the transport (disconnects). */
    void (*close)(sca_transport *t);
};

struct sca_transport {
    const struct sca_transport_ops *ops;
    int protocol;          /* 0: T=0, 1: T=1 */
    size_t max_apdu_data;  /* the reader's limit on command data; > 255 means extended APDUs pass */
    uint8_t atr[SCA_MAX_ATR];
    size_t atr_len;
    char reader[256];
};

/* --- PC/SC ---------------------------------------------------------------------------------------------- */

/* One reader as PC/SC reports it. */
struct sca_reader_info {
    char name[256];
    int card_present;
    uint8_t atr[SCA_MAX_ATR];
    size_t atr_len;
};

/* List the readers (up to `cap`); `*count` gets the number found. */
sca_rc sca_pcsc_list_readers(struct sca_reader_info *out, size_t cap, size_t *count, sca_error *err);

/* Connect to the card in `reader` (exact name) with T=0|T=1, shared mode. */
sca_rc sca_pcsc_open(const char *reader, sca_transport **out, sca_error *err);

#endif
