/* The method table (PROTOCOL.md §5 lists the same methods with their parameters and results). */
#include "methods.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "sca_contract.h"
#include "scagent/bootstrap.h"

#define T SCD_ROLE_TERMINAL
#define D SCD_ROLE_DM
#define A SCD_ROLE_ADMIN
#define END {NULL, 0, 0, 0, 0}

static const scd_param p_none[] = {END};
static const scd_param p_cancel[] = {{"id", SCD_P_ID, 1, 0, 0}, END};
static const scd_param p_pin[] = {{"pin", SCD_P_DIGITS, 1, 4, 8}, END};
static const scd_param p_pin_change[] = {{"pin", SCD_P_DIGITS, 1, 4, 8}, {"new_pin", SCD_P_DIGITS, 1, 4, 8}, END};
static const scd_param p_id_header[] = {{"cert", SCD_P_BOOL, 0, 0, 0}, END};
static const scd_param p_upgrade[] = {{"msg", SCD_P_B64, 1, 1, 65536}, END};
static const scd_param p_register[] = {{"url", SCD_P_STR, 1, 1, 2048}, {"id_on_request", SCD_P_BOOL, 0, 0, 0},
                                       {"cert", SCD_P_BOOL, 0, 0, 0}, {"timeout_ms", SCD_P_INT, 0, 1, 120000}, END};
static const scd_param p_id_verify[] = {{"id", SCD_P_B64, 0, 1, 8192}, {"user_agent", SCD_P_STR, 0, 1, 12000},
                                        {"cert", SCD_P_B64, 0, 1, 16384}, {"ca", SCD_P_STR, 0, 1, 262144}, END};
static const scd_param p_dm_check[] = {{"server", SCD_P_STR, 1, 1, SCA_DM_ID_MAX},
                                       {"time", SCD_P_INT, 0, 0, 0xFFFFFFFFll}, END};
static const scd_param p_dm_confirm[] = {{"server", SCD_P_STR, 1, 1, SCA_DM_ID_MAX},
                                         {"pin", SCD_P_DIGITS, 0, 4, 8}, END};
static const scd_param p_fu_manifest[] = {{"manifest", SCD_P_B64, 1, 1, SCA_FU_MANIFEST_MAX},
                                          {"token", SCD_P_B64, 0, SCA_FU_TOKEN_LEN, SCA_FU_TOKEN_LEN}, END};
static const scd_param p_fu_digest[] = {{"sha256", SCD_P_HEX, 1, 32, 32},
                                        {"size", SCD_P_INT, 1, 0, 0x7FFFFFFFFFFFFFFFll}, END};
/* one request carries up to max_message of package; the daemon cuts it into one card transaction per chunk */
static const scd_param p_fu_hash[] = {{"data", SCD_P_B64, 1, 0, 64ll * 1024 * 1024}, {"first", SCD_P_BOOL, 0, 0, 0},
                                      {"last", SCD_P_BOOL, 0, 0, 0}, END};
static const scd_param p_fu_report[] = {{"status", SCD_P_STR, 1, 6, 9}, {"code", SCD_P_INT, 0, 0, 65535},
                                        {"time", SCD_P_INT, 0, 0, 0xFFFFFFFFll}, END};
static const scd_param p_fu_relay[] = {{"url", SCD_P_STR, 1, 1, 2048}, {"server", SCD_P_STR, 1, 1, SCA_DM_ID_MAX},
                                       END};
static const scd_param p_dmboot[] = {{"body", SCD_P_B64, 1, 1, SCA_DMBOOT_BODY_MAX},
                                     {"content_type", SCD_P_STR, 1, 1, 1024}, {"pin", SCD_P_STR, 0, 1, 31},
                                     {"naf_fqdn", SCD_P_STR, 0, 1, 128}, {"ua_id", SCD_P_HEX, 0, 5, 5},
                                     {"add_server", SCD_P_BOOL, 0, 0, 0}, END};
static const scd_param p_gba_boot[] = {{"url", SCD_P_STR, 1, 1, 2048}, {"impi", SCD_P_STR, 0, 1, 128},
                                       {"pin", SCD_P_DIGITS, 0, 4, 8}, {"timeout_ms", SCD_P_INT, 0, 1, 120000}, END};
static const scd_param p_gba_naf[] = {{"naf_fqdn", SCD_P_STR, 1, 1, 128}, {"ua_id", SCD_P_HEX, 0, 5, 5},
                                      {"impi", SCD_P_STR, 0, 1, 128}, {"pin", SCD_P_DIGITS, 0, 4, 8}, END};
static const scd_param p_apdu[] = {{"apdu", SCD_P_HEX, 1, 4, 65544}, END};
static const scd_param p_mbms_ltkm[] = {{"ltkm", SCD_P_B64, 1, 1, 2048}, {"pin", SCD_P_DIGITS, 0, 4, 8}, END};
static const scd_param p_mbms_stkm[] = {{"stkm", SCD_P_B64, 1, 1, 2048}, {"pin", SCD_P_DIGITS, 0, 4, 8}, END};
static const scd_param p_mbms_setup[] = {{"bmsc_fqdn", SCD_P_STR, 1, 1, 128}, {"impi", SCD_P_STR, 0, 1, 128},
                                         {"pin", SCD_P_DIGITS, 0, 4, 8}, END};
static const scd_param p_mbms_delete[] = {{"what", SCD_P_STR, 1, 3, 3}, {"key_domain", SCD_P_HEX, 0, 3, 3},
                                          {"key_group", SCD_P_INT, 0, 0, 65535}, {"idi", SCD_P_STR, 0, 1, 155},
                                          {"idr", SCD_P_STR, 0, 1, 128}, {"pin", SCD_P_DIGITS, 0, 4, 8}, END};
static const scd_param p_bcast[] = {{"kind", SCD_P_STR, 1, 1, 32}, {"url", SCD_P_STR, 1, 1, 2048},
                                    {"bmsc_fqdn", SCD_P_STR, 1, 1, 128}, {"services", SCD_P_STRS, 0, 0, 32},
                                    {"msk_ids", SCD_P_STRS, 0, 0, 32}, {"key_domain", SCD_P_HEX, 0, 3, 3},
                                    {"udp_port", SCD_P_INT, 0, 1, 65535}, {"impi", SCD_P_STR, 0, 1, 128},
                                    {"pin", SCD_P_DIGITS, 0, 4, 8}, {"timeout_ms", SCD_P_INT, 0, 1, 120000}, END};
/* issuer and personalization (m_perso.c): each method's members as `scagent perso ...` takes them; the "action" of
 * perso.naf-anchor / perso.dm, and which members belong to it, are checked by the handler (also bad-params) */
static const scd_param p_perso_fields[] = {{"imei", SCD_P_DIGITS, 1, 15, 15}, {"firmware", SCD_P_INT, 1, 0, 65535},
                                           {"manufacturer", SCD_P_INT, 1, 0, 65535}, {"model", SCD_P_INT, 1, 0, 65535},
                                           {"serial", SCD_P_INT, 1, 0, 0xFFFFFF}, {"software", SCD_P_INT, 1, 0, 65535},
                                           END};
static const scd_param p_perso_version[] = {{"which", SCD_P_STR, 1, 8, 8}, {"value", SCD_P_INT, 1, 0, 65535}, END};
static const scd_param p_perso_anchor[] = {{"action", SCD_P_STR, 0, 1, 16}, {"pem", SCD_P_STR, 0, 1, 65536},
                                           {"der", SCD_P_B64, 0, 1, 65536}, {"slot", SCD_P_INT, 0, 0, 255}, END};
static const scd_param p_perso_keygen[] = {{"alg", SCD_P_STR, 0, 1, 8}, END};
static const scd_param p_perso_csr[] = {{"subject", SCD_P_STR, 1, 1, 1024}, END};
static const scd_param p_perso_cert[] = {{"pem", SCD_P_STR, 0, 1, 65536}, {"der", SCD_P_B64, 0, 1, 65536}, END};
static const scd_param p_perso_dm[] = {{"action", SCD_P_STR, 0, 1, 32}, {"slot", SCD_P_INT, 0, 0, 255},
                                       {"id", SCD_P_STR, 0, 1, SCA_DM_ID_MAX}, {"key", SCD_P_HEX, 0, 65, 65},
                                       {"key_pem", SCD_P_STR, 0, 1, 8192}, {"perms", SCD_P_STRS, 0, 0, 3},
                                       {"not_before", SCD_P_INT, 0, 0, 0xFFFFFFFFll},
                                       {"not_after", SCD_P_INT, 0, 0, 0xFFFFFFFFll}, {"policy", SCD_P_STR, 0, 1, 8},
                                       {"token_required", SCD_P_BOOL, 0, 0, 0}, {"bootstrap_add", SCD_P_BOOL, 0, 0, 0},
                                       {"token_key", SCD_P_HEX, 0, 16, 16}, END};
static const scd_param p_perso_imsi[] = {{"imsi", SCD_P_DIGITS, 1, 6, 15}, END};
static const scd_param p_perso_gba[] = {{"k", SCD_P_HEX, 1, 16, 16}, {"opc", SCD_P_HEX, 0, 16, 16},
                                        {"op", SCD_P_HEX, 0, 16, 16}, {"impi", SCD_P_STR, 0, 1, 128}, END};
static const scd_param p_perso_tries[] = {{"limit", SCD_P_INT, 1, 1, 15}, END};

const scd_method scd_methods[] = {
    /* the socket thread's own */
    {"hello", 0, SCD_PRIO_URGENT, SCD_M_LOCAL, p_none, NULL},
    {"cancel", 0, SCD_PRIO_URGENT, SCD_M_LOCAL, p_cancel, NULL},
    /* latency-critical first */
    {"info", T | D, SCD_PRIO_URGENT, 0, p_none, scd_h_info},
    {"pin.status", T | D, SCD_PRIO_URGENT, 0, p_none, scd_h_pin_status},
    {"pin.verify", T, SCD_PRIO_URGENT, 0, p_pin, scd_h_pin_verify},
    {"pin.change", T, SCD_PRIO_URGENT, 0, p_pin_change, scd_h_pin_change},
    {"gba.naf-key", T, SCD_PRIO_URGENT, 0, p_gba_naf, scd_h_gba_naf_key},
    {"mbms.stkm", T, SCD_PRIO_URGENT, 0, p_mbms_stkm, scd_h_mbms_stkm},
    /* BCAST identity */
    {"id.show", T, SCD_PRIO_NORMAL, 0, p_none, scd_h_id_show},
    {"id.header", T, SCD_PRIO_NORMAL, 0, p_id_header, scd_h_id_header},
    {"upgrade.verify", T, SCD_PRIO_NORMAL, 0, p_upgrade, scd_h_upgrade_verify},
    /* the identifier (one card step), HTTP to the NAF on a thread of its own, then the upgrade offer checked */
    {"register", T, SCD_PRIO_NORMAL, SCD_M_OFFCARD, p_register, scd_h_register},
    /* no card: the NAF server's check, on a thread of its own */
    {"id.verify", T | D, SCD_PRIO_NORMAL, SCD_M_OFFCARD, p_id_verify, scd_h_id_verify},
    /* DM firmware-update control */
    {"dm.servers", T | D, SCD_PRIO_NORMAL, 0, p_none, scd_h_dm_servers},
    {"dm.policy", T | D, SCD_PRIO_NORMAL, 0, p_none, scd_h_dm_policy},
    {"dm.check", D, SCD_PRIO_NORMAL, 0, p_dm_check, scd_h_dm_check},
    {"dm.confirm", T, SCD_PRIO_NORMAL, 0, p_dm_confirm, scd_h_dm_confirm},
    {"fu.verify-manifest", D, SCD_PRIO_NORMAL, 0, p_fu_manifest, scd_h_fu_verify_manifest},
    {"fu.digest", D, SCD_PRIO_NORMAL, 0, p_fu_digest, scd_h_fu_digest},
    {"fu.hash", D, SCD_PRIO_BULK, 0, p_fu_hash, scd_h_fu_hash},
    {"fu.report", D, SCD_PRIO_NORMAL, 0, p_fu_report, scd_h_fu_report},
    {"fu.log.read", D, SCD_PRIO_NORMAL, 0, p_none, scd_h_fu_log_read},
    /* HTTP with the DM server on a thread of its own, between two card steps */
    {"fu.log.relay", D, SCD_PRIO_NORMAL, SCD_M_OFFCARD, p_fu_relay, scd_h_fu_log_relay},
    {"dmboot.verify", D, SCD_PRIO_NORMAL, 0, p_dmboot, scd_h_dmboot_verify},
    /* GBA and MBMS */
    {"gba.status", T, SCD_PRIO_NORMAL, 0, p_none, scd_h_gba_status},
    /* HTTP on a thread of its own; its card steps (AUTHENTICATE, GBA_BP_PUT) queue at bulk priority */
    {"gba.bootstrap", T, SCD_PRIO_BULK, SCD_M_OFFCARD, p_gba_boot, scd_h_gba_bootstrap},
    {"mbms.ltkm", T, SCD_PRIO_NORMAL, 0, p_mbms_ltkm, scd_h_mbms_ltkm},
    {"mbms.setup", T, SCD_PRIO_NORMAL, 0, p_mbms_setup, scd_h_mbms_setup},
    {"mbms.status", T, SCD_PRIO_NORMAL, 0, p_none, scd_h_mbms_status},
    {"mbms.delete", T, SCD_PRIO_NORMAL, 0, p_mbms_delete, scd_h_mbms_delete},
    /* the B-TID and MRK in one card step, then HTTP Digest to the BM-SC on a thread of its own */
    {"bcast.provision", T, SCD_PRIO_NORMAL, SCD_M_OFFCARD, p_bcast, scd_h_bcast_provision},
    /* diagnostics and issuer */
    {"apdu", A, SCD_PRIO_NORMAL, 0, p_apdu, scd_h_apdu},
    {"perso.fields", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_fields, scd_h_perso_fields},
    {"perso.version", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_version, scd_h_perso_version},
    {"perso.naf-anchor", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_anchor, scd_h_perso_naf_anchor},
    {"perso.keygen", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_keygen, scd_h_perso_keygen},
    {"perso.csr", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_csr, scd_h_perso_csr},
    {"perso.cert", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_cert, scd_h_perso_cert},
    {"perso.dm", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_dm, scd_h_perso_dm},
    {"perso.imsi", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_imsi, scd_h_perso_imsi},
    {"perso.gba", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_gba, scd_h_perso_gba},
    {"perso.dmboot-tries", A, SCD_PRIO_NORMAL, SCD_M_PERSO, p_perso_tries, scd_h_perso_dmboot_tries},
};
const size_t scd_method_count = sizeof scd_methods / sizeof scd_methods[0];

const scd_method *scd_method_find(const char *name)
{
    for (size_t i = 0; i < scd_method_count; i++)
        if (strcmp(scd_methods[i].name, name) == 0)
            return &scd_methods[i];
    return NULL;
}

int scd_method_allowed(const scd_method *m, unsigned roles, int perso_enabled, char *msg, size_t cap)
{
    if ((m->flags & SCD_M_PERSO) && !perso_enabled) {
        snprintf(msg, cap, "%s: issuer and personalization methods are off in this daemon (perso = yes in "
                           "scagentd.conf enables them)", m->name);
        return -1;
    }
    /* admin may call everything: it is the role for diagnostics and the issuer */
    if (m->roles == 0 || (roles & (m->roles | SCD_ROLE_ADMIN)))
        return 0;
    char need[64], have[64];
    scd_roles_str(m->roles, need, sizeof need);
    scd_roles_str(roles, have, sizeof have);
    snprintf(msg, cap, "%s needs one of the roles %s; this connection has %s (roles come from the uid/gid rules of "
                       "scagentd.conf)", m->name, need, have);
    return -1;
}
