/* The authorized DM servers, the policy and the server check (applet-spec/dm-firmware.md §2, §4 step 1-2). */
#include "scagent/dm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sca_contract.h"
#include "scagent/info.h"
#include "scagent/issuer.h"
#include "bytes.h"

/* slot (1) || permissions (1) || not_before (4) || not_after (4) || key (65) || id_len (1) || id */
#define ENTRY_FIXED (1 + 1 + 4 + 4 + 65 + 1)

sca_rc sca_dm_servers(sca_card *c, sca_dm_server *out, size_t cap, size_t *n, sca_error *err)
{
    size_t bufcap = SCA_DM_SERVERS * (ENTRY_FIXED + SCA_DM_ID_MAX) + 16, len;
    uint8_t *b = malloc(bufcap);
    if (b == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    sca_rc rc = sca_get_data(c, SCA_TAG_DM_SERVERS, b, bufcap, &len, err);
    *n = 0;
    for (size_t off = 0; rc == SCA_OK && off < len;) {
        if (len - off < ENTRY_FIXED || b[off + ENTRY_FIXED - 1] == 0 || b[off + ENTRY_FIXED - 1] > SCA_DM_ID_MAX ||
            len - off - ENTRY_FIXED < b[off + ENTRY_FIXED - 1]) {
            rc = sca_error_set(err, SCA_E_PARSE, "DM server list: entry at byte %zu is malformed", off);
            break;
        }
        if (*n == cap) {
            rc = sca_error_set(err, SCA_E_BUFFER_TOO_SMALL, "DM server list: more than %zu entries", cap);
            break;
        }
        sca_dm_server *s = &out[(*n)++];
        const uint8_t *p = b + off;
        s->slot = p[0];
        s->perms = p[1];
        s->not_before = sca_get32(p + 2);
        s->not_after = sca_get32(p + 6);
        memcpy(s->pub, p + 10, 65);
        size_t idl = p[75];
        memcpy(s->id, p + 76, idl);
        s->id[idl] = '\0';
        off += ENTRY_FIXED + idl;
    }
    free(b);
    return rc;
}

sca_rc sca_dm_policy(sca_card *c, uint8_t *policy, uint8_t *flags, sca_error *err)
{
    uint8_t b[8];
    size_t n;
    sca_rc rc = sca_get_data(c, SCA_TAG_DM_POLICY, b, sizeof b, &n, err);
    if (rc == SCA_OK && n != 2)
        rc = sca_error_set(err, SCA_E_PARSE, "DM policy: the card answered %zu bytes, expected 2", n);
    if (rc == SCA_OK)
        *policy = b[0], *flags = b[1];
    return rc;
}

const char *sca_dm_policy_name(uint8_t policy)
{
    switch (policy) {
    case SCA_DM_POLICY_DENY: return "deny";
    case SCA_DM_POLICY_WARN_CONFIRM: return "warn-confirm";
    case SCA_DM_POLICY_CONFIRM_PIN: return "confirm-pin";
    default: return "unknown";
    }
}

const char *sca_dm_reason_text(uint8_t reason)
{
    switch (reason) {
    case SCA_DM_REASON_OK: return "authorized for firmware updates";
    case SCA_DM_REASON_NOT_LISTED: return "not in the card's list of authorized DM servers";
    case SCA_DM_REASON_NO_FW_PERMISSION: return "listed, but without the firmware-update permission";
    case SCA_DM_REASON_NOT_YET_VALID: return "listed, but not valid yet";
    case SCA_DM_REASON_EXPIRED: return "listed, but its authorization has expired";
    default: return "unknown reason";
    }
}

static sca_rc check_id(const char *id, sca_error *err)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > SCA_DM_ID_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a DM server id has 1..%d bytes", SCA_DM_ID_MAX);
    return SCA_OK;
}

sca_rc sca_dm_check(sca_card *c, uint32_t now, const char *server_id, sca_dm_check_result *r, sca_error *err)
{
    sca_rc rc = check_id(server_id, err);
    if (rc != SCA_OK)
        return rc;
    uint8_t d[4 + SCA_DM_ID_MAX], b[16];
    size_t idl = strlen(server_id), n = 0;
    sca_put32(d, now);
    memcpy(d + 4, server_id, idl);
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_DM_CHECK_SERVER, .data = d, .lc = 4 + idl, .le = 256};
    rc = sca_card_run(c, &a, b, sizeof b, &n, "checking the DM server", err);
    if (rc == SCA_OK && n != 5)
        rc = sca_error_set(err, SCA_E_PARSE, "DM server check: the card answered %zu bytes, expected 5", n);
    if (rc == SCA_OK) {
        r->authorized = b[0] == 1;
        r->perms = b[1];
        r->slot = b[2];
        r->policy = b[3];
        r->reason = b[4];
    }
    return rc;
}

sca_rc sca_dm_confirm(sca_card *c, const char *server_id, sca_error *err)
{
    sca_rc rc = check_id(server_id, err);
    if (rc != SCA_OK)
        return rc;
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_DM_CONFIRM, .data = (const uint8_t *)server_id,
                  .lc = strlen(server_id)};
    rc = sca_card_run(c, &a, NULL, 0, NULL, "recording the user's confirmation", err);
    if (rc == SCA_E_DENIED)
        return sca_error_explain(err, "the card's policy needs the PIN for this confirmation: verify it first "
                                      "(--pin or --pin-stdin)");
    if (rc == SCA_E_CONDITIONS)
        return sca_error_explain(err, "the card does not accept a confirmation now: its policy denies "
                                      "unauthorized DM servers, or no check of this server came first");
    return rc;
}

/* --- issuer ------------------------------------------------------------------------------------------------ */

sca_rc sca_dm_server_put(sca_card *c, const sca_dm_server *s, sca_error *err)
{
    sca_rc rc = check_id(s->id, err);
    if (rc != SCA_OK)
        return rc;
    if (s->slot >= SCA_DM_SERVERS)
        return sca_error_set(err, SCA_E_INVALID_ARG, "DM server slot must be 0..%d", SCA_DM_SERVERS - 1);
    if (s->pub[0] != 0x04)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the DM server key must be an uncompressed P-256 point");
    uint8_t d[ENTRY_FIXED - 1 + SCA_DM_ID_MAX];
    size_t idl = strlen(s->id);
    d[0] = s->perms;
    sca_put32(d + 1, s->not_before);
    sca_put32(d + 5, s->not_after);
    memcpy(d + 9, s->pub, 65);
    d[74] = (uint8_t)idl;
    memcpy(d + 75, s->id, idl);
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_DM_SERVER_PUT, .p1 = s->slot, .data = d, .lc = 75 + idl};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "writing an authorized DM server", err);
}

sca_rc sca_dm_server_delete(sca_card *c, uint8_t slot, sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_DM_SERVER_DELETE, .p1 = slot};
    sca_rc rc = sca_issuer_command_chained(c, &a, NULL, 0, NULL, "deleting an authorized DM server", err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, "DM server slot %u is empty", slot);
    return rc;
}

sca_rc sca_dm_policy_set(sca_card *c, uint8_t policy, uint8_t flags, sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_DM_POLICY_SET, .p1 = policy, .p2 = flags};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "setting the DM policy", err);
}

sca_rc sca_fu_originator_put(sca_card *c, uint8_t slot, const uint8_t pub[65], sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_FU_ORIGINATOR_PUT, .p1 = slot, .data = pub, .lc = 65};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "writing a software originator key", err);
}

sca_rc sca_fu_originator_delete(sca_card *c, uint8_t slot, sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_FU_ORIGINATOR_DELETE, .p1 = slot};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "deleting a software originator key", err);
}

sca_rc sca_fu_token_key_put(sca_card *c, const uint8_t key[16], sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_FU_TOKEN_KEY_PUT, .data = key, .lc = 16,
                  .flags = SCA_APDU_SENSITIVE};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "writing the subscriber-token key", err);
}
