/* The issuer secure channel (applet-spec/secure-channel.md) and the issuer's commands. */
#ifndef SCAGENT_ISSUER_H
#define SCAGENT_ISSUER_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/card.h"

typedef struct sca_issuer_keys {
    uint8_t enc[16]; /* K-ENC */
    uint8_t mac[16]; /* K-MAC */
    uint8_t version; /* 0: any */
} sca_issuer_keys;

/* An open secure channel. */
typedef struct sca_scp_session {
    uint8_t s_enc[16];
    uint8_t s_mac[16];
    uint8_t mcv[16];  /* MAC chaining value */
    uint32_t counter; /* encryption counter */
} sca_scp_session;

/* Issuer keys from a profile file (tools/perso/test-profile.conf format: issuer_key_enc, issuer_key_mac,
 * issuer_key_version lines; other lines are ignored). */
sca_rc sca_issuer_keys_load(const char *path, sca_issuer_keys *k, sca_error *err);
/* Apply one profile setting if it is an issuer-key setting (`*used` = 1), else leave it (`*used` = 0). */
sca_rc sca_issuer_keys_setting(sca_issuer_keys *k, const char *key, const char *value, int *used, sca_error *err);
/* The documented test keys (40 41 .. 4F for both, version 1): only for test cards. */
void sca_issuer_test_keys(sca_issuer_keys *k);

/* Derive the session keys and both cryptograms from the static keys and the two challenges. */
sca_rc sca_scp_derive(const sca_issuer_keys *k, const uint8_t host_challenge[8], const uint8_t card_challenge[8],
                      sca_scp_session *s, uint8_t card_cryptogram[8], uint8_t host_cryptogram[8], sca_error *err);
/* Wrap a plain APDU (short, data <= 239 bytes) for the session: counter, encryption, C-MAC; `buf` (at least
 * lc + 16 + 8 bytes) receives the wrapped data field, which `out` then points to. `encrypt` = 0 only for
 * EXTERNAL AUTHENTICATE. */
sca_rc sca_scp_wrap(sca_scp_session *s, const sca_apdu *plain, int encrypt, uint8_t *buf, size_t cap,
                    sca_apdu *out, sca_error *err);

/* Open the channel: INITIALIZE UPDATE, check the card cryptogram, EXTERNAL AUTHENTICATE. */
sca_rc sca_issuer_open(sca_card *c, const sca_issuer_keys *k, sca_error *err);
/* Send a command wrapped for the open channel; the status word other than 9000 is an error naming `op`. */
sca_rc sca_issuer_command(sca_card *c, const sca_apdu *plain, uint8_t *resp, size_t cap, size_t *resp_len,
                          const char *op, sca_error *err);

/* Send a command whose data may exceed one wrapped APDU: command chaining (CLA b5) with each part wrapped on its
 * own (at most 239 bytes each); only the last part carries Le and gets the answer. `resp` and `resp_len` may be
 * NULL for commands that answer no data. */
sca_rc sca_issuer_command_chained(sca_card *c, const sca_apdu *plain, uint8_t *resp, size_t cap, size_t *resp_len,
                                  const char *op, sca_error *err);

/* Issuer commands. */
sca_rc sca_issuer_reset_pin(sca_card *c, const char *new_pin, sca_error *err);
sca_rc sca_issuer_set_lifecycle(sca_card *c, uint8_t state, sca_error *err);

#endif
