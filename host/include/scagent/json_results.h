/* JSON forms of library results, and the text people read from them. The CLI's --json output and scagentd's
 * answers are built here, so a command says the same through the daemon (scagent -S) as on the card directly,
 * and the CLI prints its text from the same object either way. */
#ifndef SCAGENT_JSON_RESULTS_H
#define SCAGENT_JSON_RESULTS_H

#include <stdio.h>

#include <jansson.h>

#include <openssl/x509.h>

#include "scagent/bcast.h"
#include "scagent/bcastid.h"
#include "scagent/mbms.h"
#include "scagent/dm.h"
#include "scagent/info.h"
#include "scagent/pin.h"
#include "scagent/register.h"
#include "scagent/upgrade.h"

/* {verified, supported, critical, pushed, contact_dm_server, uri_kind, uri, naf}, or {verified:false,
 * supported:false, protocol_version} for a version we do not support (the message is then ignored). */
json_t *sca_json_upgrade(const sca_upgrade_result *r);
void sca_json_upgrade_print(FILE *f, const json_t *o);

/* {imei, firmware_version, manufacturer, model, serial, software_version, hex} */
json_t *sca_json_bcast_fields(const uint8_t raw[SCA_BCAST_FIELDS_SIZE], const sca_bcast_fields *fields);
void sca_json_bcast_fields_print(FILE *f, const json_t *o);

/* {signature_valid, key (ec|rsa), embedded_certificate, chain_checked, subject, fields{...}} */
json_t *sca_json_bcastid_verified(const sca_bcastid_verified *v);
void sca_json_bcastid_verified_print(FILE *f, const json_t *o);

/* {outcome, http_status, id_sent_initially, id_requested, id_sent_on_request, upgrade?{...} (verified against
 * the card: `u`, NULL when there was none), refusal?{reason, body}}. */
json_t *sca_json_register(const sca_register_result *r, const sca_upgrade_result *u);
void sca_json_register_print(FILE *f, const json_t *o);
/* 1 when the registration was refused or needs a critical upgrade first (the CLI's exit code 10). */
int sca_json_register_refused(const json_t *o);

/* `scagent info`: {reader, atr (hex, no spaces; the text spaces it), protocol ("T=0"|"T=1"), channel,
 * applet_version, contract_version, capabilities, capabilities_bits, free_memory{persistent, transient_reset,
 * transient_deselect}, pin{set, blocked, tries_left, try_limit}, card_id, lifecycle, issuer_key_version}. */
json_t *sca_json_info(const sca_info *i, const char *reader, const uint8_t *atr, size_t atr_len, int protocol,
                      unsigned channel);
void sca_json_info_print(FILE *f, const json_t *o);

/* `scagent pin status`: {set, blocked, tries_left, try_limit} (scagentd adds verified, verified_on_card). */
json_t *sca_json_pin_status(const sca_pin_status *st);
void sca_json_pin_status_print(FILE *f, const json_t *o);

/* A DM server's permissions (SCA_DM_PERM_*) as the names the CLI and scagentd use: [fw, log, other]. */
json_t *sca_json_dm_perms(uint8_t perms);

/* `scagent dm servers`: {capacity, servers[{slot, id, perms[fw|log|other], not_before, not_after, key (hex, null
 * for a server added by a DM bootstrap), bootstrapped}]}. */
json_t *sca_json_dm_servers(const sca_dm_server *s, size_t n);
void sca_json_dm_servers_print(FILE *f, const json_t *o);

/* `scagent dm policy`: {policy, token_required, bootstrap_add} from the policy and its flags. */
json_t *sca_json_dm_policy(uint8_t policy, uint8_t flags);
void sca_json_dm_policy_print(FILE *f, const json_t *o);

/* `scagent dm check`: {authorized, perms, slot (-1: not listed), policy, reason}. The text needs the members the
 * caller adds: "server", and "confirmed" (true: the user's confirmation was recorded, `dm confirm`). */
json_t *sca_json_dm_check(const sca_dm_check_result *r);
void sca_json_dm_check_print(FILE *f, const json_t *o);

/* `scagent id show`: {key (ec-p256|rsa-2048|none), certificate_length, naf_anchors, fields ({...} as
 * sca_json_bcast_fields, null when not written: `raw` NULL), certificate?{subject, issuer} (RFC 2253; when
 * `cert` is given)}. */
json_t *sca_json_id_show(const sca_bcast_status *st, const uint8_t *raw /* SCA_BCAST_FIELDS_SIZE or NULL */,
                         const sca_bcast_fields *fields, const X509 *cert);
void sca_json_id_show_print(FILE *f, const json_t *o);

/* What an LTKM asks for (sca_mbms_ltkm_action): {action, key_domain (hex 3), key_group (hex 2), key_group_number,
 * key_number, next}. */
json_t *sca_json_mbms_action(const sca_mbms_action *a);

#endif
