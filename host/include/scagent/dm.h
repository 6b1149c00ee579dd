/* The card side of DM firmware-update control (applet-spec/dm-firmware.md): the authorized DM servers and the
 * policy, the firmware-update session (server check, user confirmation, manifest, package, report), and the
 * authenticated export of the firmware-update log. */
#ifndef SCAGENT_DM_H
#define SCAGENT_DM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "scagent/card.h"

typedef struct sca_dm_server {
    uint8_t slot;
    uint8_t perms;          /* SCA_DM_PERM_* */
    uint32_t not_before;    /* 0: none */
    uint32_t not_after;     /* 0xFFFFFFFF: none */
    uint8_t pub[65];        /* 04 || X || Y (P-256) */
    char id[65];            /* NUL-terminated; ids are 1..64 bytes without NUL */
} sca_dm_server;

typedef struct sca_dm_check_result {
    int authorized;
    uint8_t perms;
    uint8_t slot;           /* 0xFF: not listed */
    uint8_t policy;         /* SCA_DM_POLICY_* */
    uint8_t reason;         /* SCA_DM_REASON_* */
} sca_dm_check_result;

typedef struct sca_fu_summary {
    uint8_t kind;           /* SCA_LOG_KIND_FIRMWARE / _SOFTWARE */
    uint16_t from, to;
    uint64_t size;
    uint8_t sha256[32];
} sca_fu_summary;

/* --- anyone ------------------------------------------------------------------------------------------- */
sca_rc sca_dm_servers(sca_card *c, sca_dm_server *out, size_t cap, size_t *n, sca_error *err);
sca_rc sca_dm_policy(sca_card *c, uint8_t *policy, uint8_t *flags, sca_error *err);
const char *sca_dm_policy_name(uint8_t policy);
const char *sca_dm_reason_text(uint8_t reason);
/* Check a DM server at `now` (seconds since 1970); starts a firmware-update session for it on the card. */
sca_rc sca_dm_check(sca_card *c, uint32_t now, const char *server_id, sca_dm_check_result *r, sca_error *err);
/* The user confirms the unauthorized server of the session (the policy may need the PIN verified first). */
sca_rc sca_dm_confirm(sca_card *c, const char *server_id, sca_error *err);

/* The signed manifest (and optionally the 16-byte subscriber token) checked by the card. */
sca_rc sca_fu_verify_manifest(sca_card *c, const uint8_t *manifest, size_t len, const uint8_t *token,
                              sca_fu_summary *out, sca_error *err);
/* The package digest computed by the host, compared by the card. */
sca_rc sca_fu_package_digest(sca_card *c, const uint8_t sha256[32], uint64_t size, sca_error *err);
/* The card hashes the package itself: the file is streamed in `chunk`-byte commands (0: the largest the card and
 * reader carry in one APDU, at most 4096). `progress` may be NULL. */
sca_rc sca_fu_hash_on_card(sca_card *c, const char *path, uint64_t size, size_t chunk,
                           void (*progress)(uint64_t done, uint64_t total, void *ctx), void *ctx, sca_error *err);
/* Report the outcome: SCA_FU_REPORT_P1_01 started, _03 installed, _04 failed, with a FUMO result code. */
sca_rc sca_fu_report(sca_card *c, uint8_t status, uint32_t now, uint16_t code, sca_error *err);

/* The card's log-signing public key (GET DATA LOG_PUBLIC_KEY). Caller frees. */
sca_rc sca_dm_log_public_key(sca_card *c, EVP_PKEY **out, sca_error *err);
/* Log status: the last sequence number and the first retained one. */
sca_rc sca_dm_log_status(sca_card *c, uint32_t *count, uint32_t *first, unsigned *capacity, sca_error *err);

/* Authenticate as the DM server in `slot`: the card's challenge is given to `sign` (the server's side: it returns a
 * DER ECDSA signature of "SCAGENT-DM-AUTH-1" || card id || challenge). */
typedef sca_rc (*sca_dm_signer)(const uint8_t card_id[16], const uint8_t challenge[16], uint8_t *sig, size_t cap,
                                size_t *sig_len, void *ctx, sca_error *err);
sca_rc sca_dm_log_auth(sca_card *c, uint8_t slot, sca_dm_signer sign, void *ctx, sca_error *err);
/* The same in two card steps, for a signer that is far away (an HTTP round trip): the card id and the challenge
 * (the card keeps it for `slot` until a reset or another begin), then the signature. Each is its own transaction. */
sca_rc sca_dm_log_auth_begin(sca_card *c, uint8_t slot, uint8_t card_id[16], uint8_t challenge[16], sca_error *err);
sca_rc sca_dm_log_auth_finish(sca_card *c, uint8_t slot, const uint8_t *sig, size_t sig_len, sca_error *err);

/* The export after authentication: h_before_first (32) || n (2) || records || checkpoint_len (2) || checkpoint,
 * the container tools/dm-sim reads. Caller frees *out. */
sca_rc sca_dm_log_export(sca_card *c, const uint8_t *nonce, size_t nonce_len, uint8_t **out, size_t *len,
                         sca_error *err);

/* The same for a remote DM server (tools/dm-sim's HTTP interface at `url`): the server gives the nonce, signs
 * the challenge for `server_id` (its id on the card's list) and verifies the export; `*result` is its verdict
 * ({"verified": bool, "reason", "count", "dropped", "records": [...]}). The terminal only relays. */
sca_rc sca_dm_remote_log(sca_card *c, const char *url, const char *server_id, json_t **result, sca_error *err);
/* The same with the card reached through `run`: run(ctx, fn, arg, err) must call fn(card, arg, err) and return its
 * result (each fn is one short transaction of its own). No transaction is held during the HTTP exchanges with the
 * DM server, so a service (scagentd) can serve others between the steps. */
typedef sca_rc (*sca_card_fn)(sca_card *c, void *arg, sca_error *err);
typedef sca_rc (*sca_card_runner)(void *ctx, sca_card_fn fn, void *arg, sca_error *err);
sca_rc sca_dm_remote_log_steps(sca_card_runner run, void *run_ctx, const char *url, const char *server_id,
                               json_t **result, sca_error *err);

/* --- issuer (secure channel open) ------------------------------------------------------------------------ */
sca_rc sca_dm_server_put(sca_card *c, const sca_dm_server *s, sca_error *err);
sca_rc sca_dm_server_delete(sca_card *c, uint8_t slot, sca_error *err);
sca_rc sca_dm_policy_set(sca_card *c, uint8_t policy, uint8_t flags, sca_error *err);
sca_rc sca_fu_originator_put(sca_card *c, uint8_t slot, const uint8_t pub[65], sca_error *err);
sca_rc sca_fu_originator_delete(sca_card *c, uint8_t slot, sca_error *err);
sca_rc sca_fu_token_key_put(sca_card *c, const uint8_t key[16], sca_error *err);

#endif
