/* JSON forms of library results and their text (scagent/json_results.h). */
#include "scagent/json_results.h"

#include <string.h>

#include <openssl/evp.h>

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
