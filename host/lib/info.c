/* GET DATA and the INFO_ALL parser. */
#include "scagent/info.h"

#include <stdio.h>
#include <string.h>

#include "sca_contract.h"
#include "scagent/tlv.h"
#include "bytes.h"

sca_rc sca_get_data(sca_card *c, uint16_t tag, uint8_t *out, size_t cap, size_t *len, sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_GET_DATA, .p1 = (uint8_t)(tag >> 8),
                  .p2 = (uint8_t)tag, .le = 256, .flags = SCA_APDU_RETRY_ON_RESET};
    char what[48];
    snprintf(what, sizeof what, "GET DATA %04X", tag);
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_card_command(c, &a, out, cap, len, what, err);
    sca_card_end(c);
    return rc;
}

static sca_rc need(const uint8_t *buf, size_t len, uint16_t tag, size_t want, sca_tlv *t, sca_error *err)
{
    sca_rc rc = sca_tlv_find(buf, len, tag, t, err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_set(err, SCA_E_PARSE, "card info: data object %04X is missing", tag);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "card info");
    if (t->len != want)
        return sca_error_set(err, SCA_E_PARSE, "card info: data object %04X has %zu bytes, expected %zu", tag,
                             t->len, want);
    return SCA_OK;
}

sca_rc sca_info_parse(const uint8_t *buf, size_t len, sca_info *info, sca_error *err)
{
    sca_tlv t;
    sca_rc rc;
    memset(info, 0, sizeof *info);
    if ((rc = need(buf, len, SCA_TAG_VERSION, 4, &t, err)) != SCA_OK)
        return rc;
    memcpy(info->version, t.value, 3);
    info->contract_version = t.value[3];
    if ((rc = need(buf, len, SCA_TAG_CAPABILITIES, 4, &t, err)) != SCA_OK)
        return rc;
    info->capabilities = sca_get32(t.value);
    if ((rc = need(buf, len, SCA_TAG_FREE_MEMORY, 12, &t, err)) != SCA_OK)
        return rc;
    info->free_persistent = sca_get32(t.value);
    info->free_transient_reset = sca_get32(t.value + 4);
    info->free_transient_deselect = sca_get32(t.value + 8);
    if ((rc = need(buf, len, SCA_TAG_PIN_STATUS, 3, &t, err)) != SCA_OK)
        return rc;
    info->pin_tries_left = t.value[0];
    info->pin_try_limit = t.value[1];
    info->pin_flags = t.value[2];
    if ((rc = need(buf, len, SCA_TAG_CARD_ID, 16, &t, err)) != SCA_OK)
        return rc;
    memcpy(info->card_id, t.value, 16);
    if ((rc = need(buf, len, SCA_TAG_LIFECYCLE, 1, &t, err)) != SCA_OK)
        return rc;
    info->lifecycle = t.value[0];
    if ((rc = need(buf, len, SCA_TAG_ISSUER_KEY_INFO, 2, &t, err)) != SCA_OK)
        return rc;
    info->issuer_key_version = t.value[0];
    info->issuer_scp = t.value[1];
    return SCA_OK;
}

sca_rc sca_get_info(sca_card *c, sca_info *info, sca_error *err)
{
    uint8_t buf[256];
    size_t len;
    sca_rc rc = sca_get_data(c, SCA_TAG_INFO_ALL, buf, sizeof buf, &len, err);
    if (rc != SCA_OK)
        return rc;
    return sca_info_parse(buf, len, info, err);
}

const char *sca_lifecycle_name(uint8_t lifecycle)
{
    switch (lifecycle) {
    case SCA_LIFECYCLE_SELECTABLE:
        return "selectable (not personalized)";
    case SCA_LIFECYCLE_PERSONALIZED:
        return "personalized";
    case SCA_LIFECYCLE_LOCKED:
        return "locked";
    default:
        return "unknown";
    }
}

void sca_capabilities_str(uint32_t caps, char *out, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {SCA_CAP_PIN, "pin"},
        {SCA_CAP_ISSUER_AUTH, "issuer-auth"},
        {SCA_CAP_EXTENDED_LENGTH, "extended-length"},
        {SCA_CAP_CHAINING, "chaining"},
        {SCA_CAP_BCAST_IDENTITY, "bcast-identity"},
        {SCA_CAP_DM_FIRMWARE, "dm-firmware"},
        {SCA_CAP_MBMS_GBA_U, "mbms-gba-u"},
        {SCA_CAP_MBMS_KEYS, "mbms-keys"},
        {SCA_CAP_DM_BOOTSTRAP, "dm-bootstrap"},
    };
    size_t o = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(caps & names[i].bit))
            continue;
        int n = snprintf(out + o, cap - o, "%s%s", o ? "," : "", names[i].name);
        if (n < 0 || (size_t)n >= cap - o)
            return;
        o += (size_t)n;
    }
}
