/* JSON forms of library results, and the text people read from them. The CLI's --json output and scagentd's
 * answers are built here, so a command says the same through the daemon (scagent -S) as on the card directly,
 * and the CLI prints its text from the same object either way. */
#ifndef SCAGENT_JSON_RESULTS_H
#define SCAGENT_JSON_RESULTS_H

#include <stdio.h>

#include <jansson.h>

#include "scagent/bcastid.h"
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

#endif
