/* The GBA Ub client's protocol core without a card (gba_ub.c), for tests/gba and the unit tests (internal). */
#ifndef SCA_GBA_UB_INT_H
#define SCA_GBA_UB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/gba.h"

#define SCA_GBA_UB_BODY_MAX 16384        /* the BootstrappingInfo answer (a real one is ~200 bytes) */
#define SCA_GBA_UB_CONTENT_TYPE "application/vnd.3gpp.bsf+xml"
#define SCA_GBA_UB_NS "uri:3gpp-gba"

/* What runs AUTHENTICATE: the card (sca_gba_authenticate) or a test's software card. RES or AUTS into `out`;
 * an error (SCA_E_AUTH_FAILED when the AUTN does not verify) stops the run with that error. */
typedef sca_rc (*sca_gba_ub_auth_fn)(void *ctx, const uint8_t rand[SCA_GBA_RAND_LEN],
                                     const uint8_t autn[SCA_GBA_AUTN_LEN], sca_gba_auth *out, sca_error *err);

/* The whole Ub exchange of sca_gba_ub_bootstrap, with `auth` in place of the card and without the EF_GBABP
 * write. opts->impi is required here. On success `out` has the B-TID, lifetime, RAND, resynchronised and the
 * number of HTTP requests; on failure out->http_requests still counts what was sent. */
sca_rc sca_gba_ub_run(const sca_gba_ub_opts *opts, sca_gba_ub_auth_fn auth, void *ctx, sca_gba_ub_result *out,
                      sca_error *err);

/* The BootstrappingInfo body (TS 24.109 Annex C): an optional XML declaration, the root BootstrappingInfo in the
 * namespace uri:3gpp-gba (default or prefixed), exactly one btid and one lifetime (either order), an optional
 * Extension (skipped), whitespace between elements. Refused: DOCTYPE, comments, processing instructions other
 * than the declaration, CDATA, references other than the five predefined entities, control characters or
 * non-ASCII bytes in the values, values longer than SCA_GBA_BTID_MAX / SCA_GBA_LIFETIME_MAX, anything after
 * the root. SCA_E_PARSE saying what otherwise. */
sca_rc sca_gba_ub_parse_info(const uint8_t *body, size_t n, char btid[SCA_GBA_BTID_MAX + 1],
                             char lifetime[SCA_GBA_LIFETIME_MAX + 1], sca_error *err);

#endif
