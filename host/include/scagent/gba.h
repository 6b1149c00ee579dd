/* GBA_U through the card (applet-spec/gba.md §5): AUTHENTICATE in the GBA context (TS 31.102 §7.1.2), the
 * EF_GBABP data, the issuer's personalization, and the Ub client that bootstraps against a BSF (TS 24.109,
 * HTTP Digest AKA of RFC 3310). Ks never leaves the card; Ks_ext_NAF does, as TS 33.220 says it may. */
#ifndef SCAGENT_GBA_H
#define SCAGENT_GBA_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/card.h"

#define SCA_GBA_RAND_LEN 16
#define SCA_GBA_AUTN_LEN 16
#define SCA_GBA_RES_MAX 16
#define SCA_GBA_AUTS_LEN 14
#define SCA_GBA_KS_NAF_LEN 32
#define SCA_GBA_UA_ID_LEN 5
#define SCA_GBA_IMPI_MAX 128
#define SCA_GBA_BTID_MAX 128
#define SCA_GBA_LIFETIME_MAX 32
#define SCA_GBA_NAF_ID_MAX 160

/* The Ua security protocol identifier of TS 33.246 MBMS (TS 33.220 Annex H), also used by OMA BCAST. */
extern const uint8_t SCA_GBA_UA_MBMS[SCA_GBA_UA_ID_LEN];

/* The answer of a bootstrapping AUTHENTICATE. */
typedef struct sca_gba_auth {
    int sync_failure;              /* 1: AUTS is set (the SQN was not fresh); 0: RES is set */
    uint8_t res[SCA_GBA_KS_NAF_LEN]; /* RES (4..16 bytes), or Ks_ext_NAF (32) for the NAF derivation */
    size_t res_len;
    uint8_t auts[SCA_GBA_AUTS_LEN];
} sca_gba_auth;

/* Parse the data of an AUTHENTICATE GBA answer: 'DB' L RES or 'DC' 0E AUTS (bootstrapping), or with
 * `naf` set 'DB' 20 Ks_ext_NAF into out->res (res_len 32). Every length is checked; SCA_E_PARSE otherwise. */
sca_rc sca_gba_parse_answer(const uint8_t *d, size_t n, int naf, sca_gba_auth *out, sca_error *err);

/* AUTHENTICATE 'DD': RAND, AUTN in; RES, or AUTS on a synchronisation failure. Needs the PIN verified.
 * SCA_E_AUTH_FAILED (SW 9862) when the AUTN does not verify (not from our network, or a GBA_ME AUTN). */
sca_rc sca_gba_authenticate(sca_card *c, const uint8_t rand[SCA_GBA_RAND_LEN], const uint8_t autn[SCA_GBA_AUTN_LEN],
                            sca_gba_auth *out, sca_error *err);
/* NAF_Id = FQDN || Ua security protocol identifier. `out` must hold SCA_GBA_NAF_ID_MAX bytes. */
sca_rc sca_gba_naf_id(const char *fqdn, const uint8_t ua[SCA_GBA_UA_ID_LEN], uint8_t *out, size_t *len,
                      sca_error *err);
/* AUTHENTICATE 'DE': Ks_ext_NAF for NAF_Id and IMPI (the card keeps Ks_int_NAF). Needs the PIN and a bootstrap.
 * The caller wipes `ks_ext_naf` with OPENSSL_cleanse. */
sca_rc sca_gba_naf_key(sca_card *c, const uint8_t *naf_id, size_t naf_id_len, const char *impi,
                       uint8_t ks_ext_naf[SCA_GBA_KS_NAF_LEN], sca_error *err);

/* EF_GBABP as the card gives it. */
typedef struct sca_gba_bp {
    uint8_t rand[SCA_GBA_RAND_LEN];
    char btid[SCA_GBA_BTID_MAX + 1];     /* "" until written */
    char lifetime[SCA_GBA_LIFETIME_MAX + 1];
} sca_gba_bp;

/* Parse the GBA_BP data object (L RAND L B-TID L lifetime, exactly). */
sca_rc sca_gba_bp_parse(const uint8_t *d, size_t n, sca_gba_bp *out, sca_error *err);
/* Read it; SCA_E_NOT_FOUND before the first bootstrap. */
sca_rc sca_gba_bp_read(sca_card *c, sca_gba_bp *out, sca_error *err);
/* Write the B-TID and key lifetime the BSF sent (the ME's EF_GBABP update). Needs the PIN. */
sca_rc sca_gba_bp_write(sca_card *c, const char *btid, const char *lifetime, sca_error *err);
/* The card's IMPI (personalized by the issuer) into `out` (SCA_GBA_IMPI_MAX + 1 bytes, NUL-terminated). */
sca_rc sca_gba_impi(sca_card *c, char *out, size_t cap, sca_error *err);

/* Issuer personalization (the issuer channel must be open or openable: sca_issuer_command_chained). */
sca_rc sca_gba_perso_keys(sca_card *c, const uint8_t k[16], const uint8_t opc[16], sca_error *err);
sca_rc sca_gba_perso_impi(sca_card *c, const char *impi, sca_error *err);

/* ---- Ub: bootstrapping against a BSF (host/lib/gba_ub.c) ---- */

typedef struct sca_gba_ub_opts {
    const char *url;          /* the BSF, e.g. http://127.0.0.1:8080/ */
    const char *impi;         /* NULL: the card's */
    const char *cafile;       /* TLS trust for https URLs; NULL: the system store */
    long timeout_ms;          /* per HTTP request; 0: 10 s */
} sca_gba_ub_opts;

typedef struct sca_gba_ub_result {
    char btid[SCA_GBA_BTID_MAX + 1];
    char lifetime[SCA_GBA_LIFETIME_MAX + 1];
    uint8_t rand[SCA_GBA_RAND_LEN];
    int resynchronised;       /* 1 when the card answered AUTS first and the BSF resynchronised */
    int http_requests;
} sca_gba_ub_result;

/* The whole Ub run (TS 24.109 §4 / Annex A): request with the IMPI, 401 with RAND||AUTN in the nonce,
 * AUTHENTICATE on the card, the Digest response with RES as the password (or auts= with the empty password
 * on a synchronisation failure, then once more), 200 with the BootstrappingInfo XML; checks the BSF's rspauth,
 * then writes the B-TID and lifetime to the card. Needs the PIN verified. */
sca_rc sca_gba_ub_bootstrap(sca_card *c, const sca_gba_ub_opts *opts, sca_gba_ub_result *out, sca_error *err);

#endif
