/* JSON forms of library results and their text (scagent/json_results.h). */
#include "scagent/json_results.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sca_contract.h"
#include "scagent/log.h"

static const char *uri_kind_name(sca_upgrade_uri_kind k)
{
    switch (k) {
    case SCA_UPGRADE_URI_DM_SERVER: return "dm-server";
    case SCA_UPGRADE_URI_UPGRADE_SERVER: return "upgrade-server";
    default: return "none";
    }
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int flag(const json_t *o, const char *k) { return json_is_true(json_object_get(o, k)); }

static long long num(const json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

json_t *sca_json_upgrade(const sca_upgrade_result *r)
{
    if (!r->supported)
        return json_pack("{s:b, s:b, s:i}", "verified", 0, "supported", 0, "protocol_version", r->protocol_version);
    return json_pack("{s:b, s:b, s:b, s:b, s:b, s:s, s:s, s:s}", "verified", 1, "supported", 1, "critical",
                     r->critical, "pushed", r->pushed, "contact_dm_server", r->contact_dm, "uri_kind",
                     uri_kind_name(r->uri_kind), "uri", r->uri, "naf", r->naf_subject);
}

void sca_json_upgrade_print(FILE *f, const json_t *o)
{
    if (!flag(o, "supported")) {
        fprintf(f, "upgrade message: protocol_version %lld is not supported; the message is ignored\n",
                num(o, "protocol_version"));
        return;
    }
    fprintf(f, "upgrade message: verified (NAF %s)\n", str(o, "naf"));
    fprintf(f, "  upgrade:  %s\n", flag(o, "critical") ? "CRITICAL (required to register / access the service)"
                                                        : "optional");
    if (flag(o, "pushed"))
        fprintf(f, "  delivery: pushed to the terminal\n");
    else
        fprintf(f, "  go to:    %s (%s)\n", str(o, "uri"),
                !strcmp(str(o, "uri_kind"), "dm-server") ? "DM server" : "upgrade server");
}

json_t *sca_json_bcast_fields(const uint8_t raw[SCA_BCAST_FIELDS_SIZE], const sca_bcast_fields *fl)
{
    char hex[2 * SCA_BCAST_FIELDS_SIZE + 1];
    sca_hex_encode(raw, SCA_BCAST_FIELDS_SIZE, hex, 0);
    return json_pack("{s:s, s:i, s:i, s:i, s:I, s:i, s:s}", "imei", fl->imei, "firmware_version", fl->fw_version,
                     "manufacturer", fl->manufacturer, "model", fl->model, "serial", (json_int_t)fl->serial,
                     "software_version", fl->sw_version, "hex", hex);
}

void sca_json_bcast_fields_print(FILE *f, const json_t *o)
{
    fprintf(f, "IMEI:                      %s\n", str(o, "imei"));
    fprintf(f, "TerminalFirmwareVersionNo: %lld\n", num(o, "firmware_version"));
    fprintf(f, "ClientManufacturerCode:    %lld\n", num(o, "manufacturer"));
    fprintf(f, "ClientModelNo:             %lld\n", num(o, "model"));
    fprintf(f, "ClientSerialNo:            %lld\n", num(o, "serial"));
    fprintf(f, "ClientSoftwareVersionNo:   %lld\n", num(o, "software_version"));
}

json_t *sca_json_bcastid_verified(const sca_bcastid_verified *v)
{
    json_t *o = json_pack("{s:b, s:s, s:b, s:b, s:s}", "signature_valid", 1, "key",
                          v->key_type == EVP_PKEY_EC ? "ec" : "rsa", "embedded_certificate", v->used_embedded_cert,
                          "chain_checked", v->chain_checked, "subject", v->subject);
    json_object_set_new(o, "fields", sca_json_bcast_fields(v->fields_raw, &v->fields));
    return o;
}

void sca_json_bcastid_verified_print(FILE *f, const json_t *o)
{
    sca_json_bcast_fields_print(f, json_object_get(o, "fields"));
    fprintf(f, "signature:                 valid (%s, %s certificate, subject %s)\n",
            !strcmp(str(o, "key"), "ec") ? "ECDSA P-256" : "RSA", flag(o, "embedded_certificate") ? "embedded" : "given",
            str(o, "subject"));
    fprintf(f, "certificate chain:         %s\n", flag(o, "chain_checked") ? "verified against --ca"
                                                                             : "not checked (no --ca)");
}

json_t *sca_json_register(const sca_register_result *r, const sca_upgrade_result *u)
{
    json_t *o = json_pack("{s:s, s:i, s:b, s:b, s:b}", "outcome", sca_register_outcome_name(r->outcome),
                          "http_status", r->http_status, "id_sent_initially", r->id_sent_initially, "id_requested",
                          r->id_requested, "id_sent_on_request", r->id_sent_on_request);
    if (u != NULL)
        json_object_set_new(o, "upgrade", sca_json_upgrade(u));
    if (r->outcome == SCA_REG_REFUSED)
        json_object_set_new(o, "refusal", json_pack("{s:s, s:s}", "reason", r->reason, "body",
                                                    r->excerpt ? r->excerpt : ""));
    return o;
}

int sca_json_register_refused(const json_t *o)
{
    const char *out = str(o, "outcome");
    return !strcmp(out, sca_register_outcome_name(SCA_REG_REFUSED)) ||
           !strcmp(out, sca_register_outcome_name(SCA_REG_UPGRADE_CRITICAL));
}

void sca_json_register_print(FILE *f, const json_t *o)
{
    fprintf(f, "registration: %s (HTTP %lld)%s\n", str(o, "outcome"), num(o, "http_status"),
            flag(o, "id_requested") ? ", the server asked for the BCAST_Client_ID" : "");
    const json_t *u = json_object_get(o, "upgrade");
    if (u != NULL)
        sca_json_upgrade_print(f, u);
    const json_t *x = json_object_get(o, "refusal");
    if (x != NULL) {
        const char *body = str(x, "body");
        fprintf(f, "  refused: %s%s%s\n", str(x, "reason"), *body ? ": " : "", body);
    }
}

/* ---- info ---------------------------------------------------------------------------------------------- */

static json_t *hex_string(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (s == NULL)
        return json_string("");
    sca_hex_encode(b, n, s, 0);
    json_t *o = json_string(s);
    free(s);
    return o;
}

json_t *sca_json_info(const sca_info *i, const char *reader, const uint8_t *atr, size_t atr_len, int protocol,
                      unsigned channel)
{
    char caps[256], version[32];
    sca_capabilities_str(i->capabilities, caps, sizeof caps);
    snprintf(version, sizeof version, "%u.%u.%u", i->version[0], i->version[1], i->version[2]);
    return json_pack("{s:s, s:o, s:s, s:i, s:s, s:i, s:s, s:I, s:{s:I, s:I, s:I}, s:{s:b, s:b, s:i, s:i}, s:o, s:s, "
                     "s:i}",
                     "reader", reader ? reader : "", "atr", hex_string(atr, atr_len), "protocol",
                     protocol ? "T=1" : "T=0", "channel", (int)channel, "applet_version", version, "contract_version",
                     i->contract_version, "capabilities", caps, "capabilities_bits", (json_int_t)i->capabilities,
                     "free_memory", "persistent", (json_int_t)i->free_persistent, "transient_reset",
                     (json_int_t)i->free_transient_reset, "transient_deselect", (json_int_t)i->free_transient_deselect,
                     "pin", "set", (i->pin_flags & SCA_PIN_FLAG_SET) != 0, "blocked",
                     (i->pin_flags & SCA_PIN_FLAG_BLOCKED) != 0, "tries_left", i->pin_tries_left, "try_limit",
                     i->pin_try_limit, "card_id", hex_string(i->card_id, sizeof i->card_id), "lifecycle",
                     sca_lifecycle_name(i->lifecycle), "issuer_key_version", i->issuer_key_version);
}

void sca_json_info_print(FILE *f, const json_t *o)
{
    const json_t *mem = json_object_get(o, "free_memory"), *pin = json_object_get(o, "pin");
    fprintf(f, "reader:            %s\n", str(o, "reader"));
    const char *atr = str(o, "atr"); /* hex without spaces: the text puts one between bytes */
    fputs("ATR:               ", f);
    for (size_t k = 0; atr[k]; k++) {
        fputc(atr[k], f);
        if (k % 2 == 1 && atr[k + 1] != '\0')
            fputc(' ', f);
    }
    fputc('\n', f);
    fprintf(f, "protocol:          %s, logical channel %lld\n", str(o, "protocol"), num(o, "channel"));
    fprintf(f, "applet version:    %s (contract %lld)\n", str(o, "applet_version"), num(o, "contract_version"));
    fprintf(f, "capabilities:      %s\n", str(o, "capabilities"));
    fprintf(f, "free memory:       %lld persistent, %lld transient (reset), %lld transient (deselect) bytes\n",
            num(mem, "persistent"), num(mem, "transient_reset"), num(mem, "transient_deselect"));
    if (!flag(pin, "set"))
        fprintf(f, "PIN:               not set (card not personalized)\n");
    else
        fprintf(f, "PIN:               %lld of %lld tries left%s\n", num(pin, "tries_left"), num(pin, "try_limit"),
                flag(pin, "blocked") ? ", BLOCKED" : "");
    fprintf(f, "card id:           %s\n", str(o, "card_id"));
    fprintf(f, "life cycle:        %s\n", str(o, "lifecycle"));
    fprintf(f, "issuer key:        version %lld\n", num(o, "issuer_key_version"));
}

/* ---- pin status ------------------------------------------------------------------------------------------ */

json_t *sca_json_pin_status(const sca_pin_status *st)
{
    return json_pack("{s:b, s:b, s:i, s:i}", "set", st->set, "blocked", st->blocked, "tries_left", st->tries_left,
                     "try_limit", st->try_limit);
}

void sca_json_pin_status_print(FILE *f, const json_t *o)
{
    if (!flag(o, "set"))
        fprintf(f, "PIN not set (card not personalized)\n");
    else
        fprintf(f, "PIN: %lld of %lld tries left%s\n", num(o, "tries_left"), num(o, "try_limit"),
                flag(o, "blocked") ? ", BLOCKED" : "");
}

/* ---- dm servers | policy | check ------------------------------------------------------------------------- */

json_t *sca_json_dm_perms(uint8_t p)
{
    json_t *a = json_array();
    if (p & SCA_DM_PERM_FW_UPDATE)
        json_array_append_new(a, json_string("fw"));
    if (p & SCA_DM_PERM_READ_LOG)
        json_array_append_new(a, json_string("log"));
    if (p & SCA_DM_PERM_OTHER_DM)
        json_array_append_new(a, json_string("other"));
    return a;
}

static int has_perm(const json_t *o, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(o, "perms"), i, e) {
        if (json_is_string(e) && !strcmp(json_string_value(e), name))
            return 1;
    }
    return 0;
}

json_t *sca_json_dm_servers(const sca_dm_server *s, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        /* a server added by a verified DM bootstrap has no key (first byte 00): it can never read the log */
        int keyless = s[i].pub[0] == 0x00;
        json_array_append_new(arr, json_pack("{s:i, s:s, s:o, s:I, s:I, s:o, s:b}", "slot", s[i].slot, "id",
                                             s[i].id, "perms", sca_json_dm_perms(s[i].perms), "not_before",
                                             (json_int_t)s[i].not_before, "not_after", (json_int_t)s[i].not_after,
                                             "key", keyless ? json_null() : hex_string(s[i].pub, sizeof s[i].pub),
                                             "bootstrapped", keyless));
    }
    return json_pack("{s:i, s:o}", "capacity", SCA_DM_SERVERS, "servers", arr);
}

void sca_json_dm_servers_print(FILE *f, const json_t *o)
{
    const json_t *arr = json_object_get(o, "servers");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        fprintf(f, "slot %2lld: %-32s permissions: %s%s%s%s\n", num(e, "slot"), str(e, "id"),
                has_perm(e, "fw") ? "fw " : "", has_perm(e, "log") ? "log " : "", has_perm(e, "other") ? "other" : "",
                flag(e, "bootstrapped") ? " (added by a DM bootstrap, no key)" : "");
    }
    if (json_array_size(arr) == 0)
        fprintf(f, "no authorized DM servers (capacity %lld)\n", num(o, "capacity"));
}

json_t *sca_json_dm_policy(uint8_t policy, uint8_t flags)
{
    return json_pack("{s:s, s:b, s:b}", "policy", sca_dm_policy_name(policy), "token_required",
                     (flags & SCA_DM_POLICY_FLAG_TOKEN_REQUIRED) != 0, "bootstrap_add",
                     (flags & SCA_DM_POLICY_FLAG_BOOTSTRAP_ADD) != 0);
}

static int policy_is(const json_t *o, uint8_t policy) { return !strcmp(str(o, "policy"), sca_dm_policy_name(policy)); }

void sca_json_dm_policy_print(FILE *f, const json_t *o)
{
    fprintf(f, "policy for unauthorized DM servers: %s\nsubscriber token required: %s\nbootstrapped servers may be "
               "added: %s\n",
            policy_is(o, SCA_DM_POLICY_DENY)           ? "deny the update"
            : policy_is(o, SCA_DM_POLICY_CONFIRM_PIN)  ? "ask the user to confirm with the PIN"
            : policy_is(o, SCA_DM_POLICY_WARN_CONFIRM) ? "warn and ask the user to confirm"
                                                       : "unknown",
            flag(o, "token_required") ? "yes" : "no", flag(o, "bootstrap_add") ? "yes" : "no");
}

json_t *sca_json_dm_check(const sca_dm_check_result *r)
{
    return json_pack("{s:b, s:o, s:i, s:s, s:s}", "authorized", r->authorized, "perms", sca_json_dm_perms(r->perms),
                     "slot", r->slot == 0xFF ? -1 : r->slot, "policy", sca_dm_policy_name(r->policy), "reason",
                     sca_dm_reason_text(r->reason));
}

void sca_json_dm_check_print(FILE *f, const json_t *o)
{
    fprintf(f, "%s: %s\n", str(o, "server"), str(o, "reason"));
    if (flag(o, "authorized"))
        return;
    if (flag(o, "confirmed"))
        fprintf(f, "the user's confirmation was recorded on the card; the update may go on\n");
    else if (policy_is(o, SCA_DM_POLICY_DENY))
        fprintf(f, "policy: firmware updates through this server are refused\n");
    else
        fprintf(f, "WARNING: this server is outside the operator's official channel; the update may go on only "
                   "after the user confirms%s (scagent dm confirm)\n",
                policy_is(o, SCA_DM_POLICY_CONFIRM_PIN) ? " with the PIN" : "");
}

/* ---- id show --------------------------------------------------------------------------------------------- */

static const char *key_alg_name(uint8_t alg)
{
    switch (alg) {
    case SCA_KEY_ALG_EC_P256: return "ec-p256";
    case SCA_KEY_ALG_RSA_2048: return "rsa-2048";
    default: return "none";
    }
}

/* A certificate name as RFC 2253 text ("" when it cannot be printed). */
static json_t *name_json(const X509_NAME *n)
{
    char out[256] = "";
    BIO *b = BIO_new(BIO_s_mem());
    if (b != NULL) {
        X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
        int len = BIO_read(b, out, (int)sizeof out - 1);
        out[len > 0 ? len : 0] = '\0';
        BIO_free(b);
    }
    return json_string(out);
}

json_t *sca_json_id_show(const sca_bcast_status *st, const uint8_t *raw, const sca_bcast_fields *fields,
                         const X509 *cert)
{
    json_t *o = json_pack("{s:s, s:i, s:i}", "key", key_alg_name(st->key_alg), "certificate_length",
                          (int)st->cert_len, "naf_anchors", (int)st->anchors);
    json_object_set_new(o, "fields", raw != NULL && fields != NULL ? sca_json_bcast_fields(raw, fields) : json_null());
    if (cert != NULL)
        json_object_set_new(o, "certificate", json_pack("{s:o, s:o}", "subject", name_json(X509_get_subject_name(cert)),
                                                        "issuer", name_json(X509_get_issuer_name(cert))));
    return o;
}

void sca_json_id_show_print(FILE *f, const json_t *o)
{
    const json_t *fields = json_object_get(o, "fields"), *cert = json_object_get(o, "certificate");
    if (json_is_object(fields))
        sca_json_bcast_fields_print(f, fields);
    else
        fprintf(f, "identifier fields: not written yet (scagent perso fields)\n");
    fprintf(f, "client key:                %s\n", str(o, "key"));
    if (num(o, "certificate_length") > 0)
        fprintf(f, "certificate:               %lld bytes, subject %s, issuer %s\n", num(o, "certificate_length"),
                str(cert, "subject"), str(cert, "issuer"));
    else
        fprintf(f, "certificate:               none\n");
    fprintf(f, "NAF trust anchors:         %lld\n", num(o, "naf_anchors"));
}

json_t *sca_json_mbms_action(const sca_mbms_action *a)
{
    char kd[7], grp[5];
    snprintf(kd, sizeof kd, "%02X%02X%02X", a->key_domain[0], a->key_domain[1], a->key_domain[2]);
    snprintf(grp, sizeof grp, "%04X", a->key_group);
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "action", sca_mbms_action_name(a->kind), "key_domain", kd,
                     "key_group", grp, "key_group_number", (int)a->key_group, "key_number", (int)a->key_number,
                     "next", sca_mbms_action_next(a->kind));
}
