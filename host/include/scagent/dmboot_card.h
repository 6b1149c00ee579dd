/* The DM bootstrap check done by the card (applet-spec/dm-bootstrap.md §7): the card builds the key from its own
 * IMSI or GBA Ks_ext_NAF and the user's PIN, computes HMAC-SHA1 over the body the host streams to it, and counts
 * the USERPIN tries; a verified bootstrap may add its DM server to the card's list where the policy allows it. */
#ifndef SCAGENT_DMBOOT_CARD_H
#define SCAGENT_DMBOOT_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/bootstrap.h"
#include "scagent/card.h"

/* Verify on the card. `pin`: the user's bootstrap PIN (1..31 printable characters) for the USERPIN methods, else
 * NULL; `naf_id`/`naf_id_len`: the DM server's NAF_Id (FQDN || Ua id) for the _GBA methods, else NULL/0.
 * Success: *out owns the verified body. SCA_E_CRYPTO: the MAC does not verify; SCA_E_WRONG_PIN (err->tries_left):
 * it does not verify with this PIN; SCA_E_PIN_BLOCKED: no USERPIN tries left; SCA_E_NOT_FOUND: the card has no
 * IMSI / IMPI; SCA_E_CONDITIONS: no GBA bootstrap. The whole exchange is one card transaction. */
sca_rc sca_dmboot_verify_card(sca_card *c, const sca_dmboot_header *h, const char *pin, const uint8_t *naf_id,
                              size_t naf_id_len, const uint8_t *body, size_t body_len, sca_dmboot_verified **out,
                              sca_error *err);

/* Right after sca_dmboot_verify_card succeeded (same session): add the DM server `id` (1..64 bytes) to the card's
 * authorized list. SCA_E_CONDITIONS: the policy does not allow bootstrapped servers (or nothing verified);
 * SCA_E_CARD: the list is full. *slot gets the slot (an already listed server keeps its own). */
sca_rc sca_dmboot_server_add(sca_card *c, const char *id, unsigned *slot, sca_error *err);

/* The USERPIN tries left and the limit. */
sca_rc sca_dmboot_pin_tries(sca_card *c, unsigned *left, unsigned *limit, sca_error *err);
/* Issuer: set the limit (1..15); the tries start again. */
sca_rc sca_dmboot_pin_limit_put(sca_card *c, unsigned limit, sca_error *err);

/* The DM server id a verified bootstrap names: the value of the first ./DMAcc/<x>/ServerID (DM 1.2) or
 * ./SyncML/DMAcc/<x>/ServerId (DM 1.1.2) item of the decoded XML, into `out` (NUL-terminated, 1..64 bytes of
 * printable ASCII). SCA_E_NOT_FOUND when there is none; SCA_E_PARSE when it is malformed. */
sca_rc sca_dmboot_server_id(const char *xml, char *out, size_t cap, sca_error *err);

#endif
