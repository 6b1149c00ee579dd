/* The DM bootstrap check on the card, and what may follow it (applet-spec/dm-bootstrap.md §7). */
#include "scagent/dmboot_card.h"

#include <string.h>

#include <openssl/crypto.h>

#include "bootstrap_int.h"
#include "sca_contract.h"
#include "scagent/info.h"
#include "scagent/issuer.h"

/* The card's SEC codes are the header's (contract enum DMBOOT_CARD_SEC). */
_Static_assert(SCA_DMBOOT_CARD_SEC_NETWORKID == SCA_DMBOOT_SEC_NETWORKID &&
                   SCA_DMBOOT_CARD_SEC_USERPIN == SCA_DMBOOT_SEC_USERPIN &&
                   SCA_DMBOOT_CARD_SEC_USERPIN_NETWORKID == SCA_DMBOOT_SEC_USERPIN_NETWORKID &&
                   SCA_DMBOOT_CARD_SEC_NETWORKID_GBA == SCA_DMBOOT_SEC_NETWORKID_GBA &&
                   SCA_DMBOOT_CARD_SEC_USERPIN_NETWORKID_GBA == SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA,
               "the card's SEC codes follow sca_dmboot_sec");

static sca_rc check_inputs(const sca_dmboot_header *h, const char *pin, size_t naf_id_len, sca_error *err)
{
    size_t pl = pin == NULL ? 0 : strlen(pin);
    if (sca_dmboot_sec_needs_pin(h->sec) != (pl > 0))
        return sca_error_set(err, SCA_E_INVALID_ARG, pl > 0 ? "SEC=%s takes no PIN" : "SEC=%s needs the user's PIN",
                             sca_dmboot_sec_name(h->sec));
    if (pl > SCA_DMBOOT_CARD_PIN_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the card takes bootstrap PINs of at most %d characters",
                             SCA_DMBOOT_CARD_PIN_MAX);
    for (size_t i = 0; i < pl; i++)
        if ((unsigned char)pin[i] < 0x20 || (unsigned char)pin[i] > 0x7E)
            return sca_error_set(err, SCA_E_INVALID_ARG, "the bootstrap PIN must be printable ASCII");
    if (sca_dmboot_sec_is_gba(h->sec) != (naf_id_len > 0))
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             naf_id_len > 0 ? "SEC=%s takes no NAF_Id"
                                            : "SEC=%s needs the DM server's NAF_Id (--naf-fqdn and --ua-id)",
                             sca_dmboot_sec_name(h->sec));
    if (naf_id_len > SCA_GBA_NAF_ID_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a NAF_Id has at most %d bytes", SCA_GBA_NAF_ID_MAX);
    return SCA_OK;
}

/* The begin command: SEC || MAC || L PIN || L NAF_Id. */
static sca_rc begin(sca_card *c, const sca_dmboot_header *h, const char *pin, const uint8_t *naf_id,
                    size_t naf_id_len, sca_error *err)
{
    uint8_t d[1 + SCA_DMBOOT_MAC_SIZE + 2 + SCA_DMBOOT_CARD_PIN_MAX + SCA_GBA_NAF_ID_MAX];
    size_t pl = pin == NULL ? 0 : strlen(pin), n = 0;
    d[n++] = (uint8_t)h->sec;
    memcpy(d + n, h->mac, SCA_DMBOOT_MAC_SIZE);
    n += SCA_DMBOOT_MAC_SIZE;
    d[n++] = (uint8_t)pl;
    if (pl > 0)
        memcpy(d + n, pin, pl);
    n += pl;
    d[n++] = (uint8_t)naf_id_len;
    if (naf_id_len > 0)
        memcpy(d + n, naf_id, naf_id_len);
    n += naf_id_len;
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_DMBOOT_VERIFY, .p1 = SCA_DMBOOT_VERIFY_P1_01,
                  .p2 = SCA_DMBOOT_VERIFY_P2_00, .data = d, .lc = n, .flags = SCA_APDU_SENSITIVE};
    uint8_t r[8];
    size_t rn = 0;
    sca_rc rc = sca_card_command(c, &a, r, sizeof r, &rn, "starting the bootstrap check on the card", err);
    OPENSSL_cleanse(d, sizeof d);
    if (rc == SCA_E_PIN_BLOCKED)
        return sca_error_explain(err, "no bootstrap PIN tries are left on the card; the issuer must reset the limit "
                                      "('scagent perso dmboot-tries N')");
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, sca_dmboot_sec_is_gba(h->sec)
                                          ? "the card holds no IMPI; the issuer writes it with 'scagent perso gba'"
                                          : "the card holds no IMSI; the issuer writes it with 'scagent perso imsi'");
    if (rc == SCA_E_CONDITIONS)
        return sca_error_explain(err, "the card has no GBA bootstrap; run 'scagent gba bootstrap URL' first");
    return rc;
}

/* The body in parts of at most the reader's APDU size; the last part (possibly empty) compares. */
static sca_rc stream(sca_card *c, const sca_dmboot_header *h, const uint8_t *body, size_t len, sca_error *err)
{
    size_t max = sca_card_max_data(c);
    if (max > 4096)
        max = 4096;
    size_t off = 0;
    for (;;) {
        size_t n = len - off > max ? max : len - off;
        int last = off + n == len;
        sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_DMBOOT_VERIFY,
                      .p1 = last ? SCA_DMBOOT_VERIFY_P1_03 : SCA_DMBOOT_VERIFY_P1_02,
                      .p2 = SCA_DMBOOT_VERIFY_P2_00, .data = body + off, .lc = n};
        uint8_t r[8];
        size_t rn = 0;
        sca_rc rc = sca_card_command(c, &a, r, sizeof r, &rn, "checking the bootstrap MAC on the card", err);
        if (rc == SCA_E_WRONG_PIN)
            return sca_error_explain(err, "the bootstrap MAC does not verify with this PIN (SEC=%s); the bootstrap "
                                          "was refused", sca_dmboot_sec_name(h->sec));
        if (rc == SCA_E_AUTH_FAILED)
            return sca_error_set(err, SCA_E_CRYPTO,
                                 "the bootstrap MAC does not verify with the card's key (SEC=%s): the message was "
                                 "altered or is not for this subscriber; the bootstrap was refused",
                                 sca_dmboot_sec_name(h->sec));
        if (rc != SCA_OK || last)
            return rc;
        off += n;
    }
}

sca_rc sca_dmboot_verify_card(sca_card *c, const sca_dmboot_header *h, const char *pin, const uint8_t *naf_id,
                              size_t naf_id_len, const uint8_t *body, size_t body_len, sca_dmboot_verified **out,
                              sca_error *err)
{
    if (out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no place for the verified bootstrap");
    *out = NULL;
    sca_rc rc = dmboot_usable(h, err);
    if (rc == SCA_OK)
        rc = check_inputs(h, pin, naf_id_len, err);
    if (rc != SCA_OK)
        return rc;
    if (body == NULL || body_len == 0 || body_len > SCA_DMBOOT_BODY_MAX)
        return sca_error_set(err, SCA_E_PARSE, "the bootstrap body has %zu bytes; 1..%d are accepted", body_len,
                             SCA_DMBOOT_BODY_MAX);
    rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = begin(c, h, pin, naf_id, naf_id_len, err);
    if (rc == SCA_OK)
        rc = stream(c, h, body, body_len, err);
    sca_card_end(c);
    if (rc != SCA_OK)
        return rc;
    return dmboot_verified_new(h->sec, body, body_len, out, err);
}

sca_rc sca_dmboot_server_add(sca_card *c, const char *id, unsigned *slot, sca_error *err)
{
    size_t n = id == NULL ? 0 : strlen(id);
    if (n == 0 || n > SCA_DM_ID_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a DM server id has 1 to %d bytes", SCA_DM_ID_MAX);
    uint8_t r[4];
    size_t rn = 0;
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_DMBOOT_SERVER_ADD, .p1 = SCA_DMBOOT_SERVER_ADD_P1_00,
                  .p2 = SCA_DMBOOT_SERVER_ADD_P2_00, .data = (const uint8_t *)id, .lc = n, .le = SCA_LE_ANY};
    sca_rc rc = sca_card_run(c, &a, r, sizeof r, &rn, "adding the bootstrapped DM server", err);
    if (rc == SCA_E_CONDITIONS)
        return sca_error_explain(err, "the card's DM policy does not let a bootstrap add servers (BOOTSTRAP_ADD); "
                                      "the operator sets it with 'scagent perso dm policy --bootstrap-add'");
    if (rc == SCA_E_CARD && err != NULL && err->sw == SCA_SW_NOT_ENOUGH_MEMORY)
        return sca_error_explain(err, "the card's DM server list is full");
    if (rc != SCA_OK)
        return rc;
    if (rn != 1 || r[0] >= SCA_DM_SERVERS)
        return sca_error_set(err, SCA_E_PARSE, "the card's answer to DMBOOT_SERVER_ADD is not a slot");
    if (slot != NULL)
        *slot = r[0];
    return SCA_OK;
}

sca_rc sca_dmboot_pin_tries(sca_card *c, unsigned *left, unsigned *limit, sca_error *err)
{
    uint8_t b[8];
    size_t n = 0;
    sca_rc rc = sca_get_data(c, SCA_TAG_DMBOOT_PIN_TRIES, b, sizeof b, &n, err);
    if (rc != SCA_OK)
        return rc;
    if (n != 2 || b[0] > b[1] || b[1] == 0 || b[1] > 15)
        return sca_error_set(err, SCA_E_PARSE, "the card's bootstrap PIN tries are malformed");
    *left = b[0];
    *limit = b[1];
    return SCA_OK;
}

sca_rc sca_dmboot_pin_limit_put(sca_card *c, unsigned limit, sca_error *err)
{
    if (limit < 1 || limit > 15)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the bootstrap PIN try limit is 1..15");
    uint8_t v = (uint8_t)limit;
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_PUT_DATA, .p1 = SCA_TAG_DMBOOT_PIN_TRIES >> 8,
                  .p2 = SCA_TAG_DMBOOT_PIN_TRIES & 0xFF, .data = &v, .lc = 1};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "setting the bootstrap PIN try limit", err);
}
