/* A session with the scagent applet on one card: reader choice, logical channel, SELECT, one PC/SC
 * transaction per logical operation, and recovery from resets by other applications. */
#ifndef SCAGENT_CARD_H
#define SCAGENT_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/apdu.h"
#include "scagent/error.h"
#include "scagent/transport.h"

typedef struct sca_card sca_card;

typedef struct sca_open_opts {
    const char *reader; /* exact reader name, or a unique part of it; NULL: the first reader whose card
                           answers SELECT of the scagent applet */
    int basic_channel;  /* 1: never open a logical channel */
    int no_select;      /* 1: raw access: basic channel, no SELECT of the applet (diagnostics) */
} sca_open_opts;

/* Security state the host has established on the card; lost on reset or removal. */
#define SCA_SEC_PIN 0x01u
#define SCA_SEC_ISSUER 0x02u

sca_rc sca_card_open(const sca_open_opts *opts, sca_card **out, sca_error *err);
/* Open over a given transport (unit tests, or an embedding application); takes ownership of `tr`, also on
 * failure. */
sca_rc sca_card_attach(sca_transport *tr, const sca_open_opts *opts, sca_card **out, sca_error *err);
void sca_card_close(sca_card *c);

/* Bracket one logical operation (one PC/SC transaction). Nests. When the card was reset by another
 * application since the last operation, the applet is re-selected; if PIN or issuer state was lost,
 * SCA_E_CARD_RESET is returned (and no transaction is held). */
sca_rc sca_card_begin(sca_card *c, sca_error *err);
void sca_card_end(sca_card *c);
/* Deferred end (for servers that answer before they clean up): while on, the outermost sca_card_end only marks
 * the transaction to be ended, and sca_card_flush ends it (so does the next sca_card_begin, before it takes a new
 * one, and sca_card_close): every operation keeps its own transaction, which just ends a little later. */
void sca_card_defer_end(sca_card *c, int on);
void sca_card_flush(sca_card *c);

/* Send an APDU to the applet (its class gets the session's logical channel). Returns the status word in `sw`;
 * only transport and protocol failures are errors. A reset is recovered transparently when the APDU has
 * SCA_APDU_RETRY_ON_RESET and no security state was lost. */
sca_rc sca_card_transceive(sca_card *c, const sca_apdu *a, uint8_t *resp, size_t cap, size_t *resp_len,
                           uint16_t *sw, sca_error *err);
/* As sca_card_transceive, but a status word other than 9000 becomes an error that names `operation`. */
sca_rc sca_card_command(sca_card *c, const sca_apdu *a, uint8_t *resp, size_t cap, size_t *resp_len,
                        const char *operation, sca_error *err);

/* sca_card_command as one operation of its own (inside its own transaction). `resp` may be NULL for commands
 * that answer no data (a few bytes of answer are then discarded), `resp_len` may be NULL. */
sca_rc sca_card_run(sca_card *c, const sca_apdu *a, uint8_t *resp, size_t cap, size_t *resp_len,
                    const char *operation, sca_error *err);
/* The largest command data field one APDU can carry to this card through this reader (255 without extended
 * length, e.g. on T=0). */
size_t sca_card_max_data(const sca_card *c);
const char *sca_card_reader(const sca_card *c);
int sca_card_protocol(const sca_card *c);
const uint8_t *sca_card_atr(const sca_card *c, size_t *len);
unsigned sca_card_channel(const sca_card *c);
uint32_t sca_card_capabilities(const sca_card *c); /* from the SELECT answer */
/* Incremented on every reset or reconnect, so callers can tell that card state was lost. */
unsigned sca_card_generation(const sca_card *c);

unsigned sca_card_security(const sca_card *c);
void sca_card_set_security(sca_card *c, unsigned flag, int on);
/* Per-session state owned by a capability (the issuer secure channel): freed with `drop` on reset, removal,
 * close, or when replaced. */
void sca_card_set_session(sca_card *c, void *state, void (*drop)(void *state));
void *sca_card_session(const sca_card *c);

#endif
