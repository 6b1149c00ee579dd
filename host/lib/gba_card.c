/* GBA_U through the card: AUTHENTICATE in the GBA context, EF_GBABP, the IMPI, personalization
 * (applet-spec/gba.md §5). */
#include "scagent/gba.h"

#include <string.h>

#include <openssl/crypto.h>

#include "sca_contract.h"
#include "scagent/info.h"
#include "scagent/issuer.h"
#include "scagent/usim.h"

const uint8_t SCA_GBA_UA_MBMS[SCA_GBA_UA_ID_LEN] = {0x01, 0x00, 0x00, 0x00, 0x01};

enum { TAG_OK = 0xDB, TAG_SYNC = 0xDC, MODE_BOOTSTRAP = 0xDD, MODE_NAF = 0xDE };

sca_rc sca_gba_parse_answer(const uint8_t *d, size_t n, int naf, sca_gba_auth *out, sca_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 2 || (size_t)d[1] + 2 != n)
        return sca_error_set(err, SCA_E_PARSE, "the card's AUTHENTICATE answer is malformed (%zu bytes)", n);
    if (naf) {
        if (d[0] != TAG_OK || d[1] != SCA_GBA_KS_NAF_LEN)
            return sca_error_set(err, SCA_E_PARSE, "the card's NAF derivation answer is not 'DB' 20 Ks_ext_NAF");
    } else if (d[0] == TAG_SYNC) {
        if (d[1] != SCA_GBA_AUTS_LEN)
            return sca_error_set(err, SCA_E_PARSE, "the card's AUTS is %u bytes, not 14", d[1]);
        out->sync_failure = 1;
        memcpy(out->auts, d + 2, SCA_GBA_AUTS_LEN);
        return SCA_OK;
    } else if (d[0] != TAG_OK || d[1] < 4 || d[1] > SCA_GBA_RES_MAX) {
        return sca_error_set(err, SCA_E_PARSE, "the card's bootstrapping answer is neither 'DB' RES nor 'DC' AUTS");
    }
    memcpy(out->res, d + 2, d[1]);
    out->res_len = d[1];
    return SCA_OK;
}

/* AUTHENTICATE 00 88 00 84 with `data`; the answer parsed. */
static sca_rc authenticate(sca_card *c, const uint8_t *data, size_t len, int naf, sca_gba_auth *out,
                           const char *op, sca_error *err)
{
    uint8_t r[64];
    size_t rn = 0;
    sca_apdu a = {.cla = SCA_CLA_ISO, .ins = SCA_INS_AUTHENTICATE, .p1 = SCA_AUTHENTICATE_P1_00,
                  .p2 = SCA_AUTHENTICATE_P2_84, .data = data, .lc = len, .le = SCA_LE_ANY,
                  .flags = SCA_APDU_SENSITIVE_RESP};
    sca_rc rc = sca_card_run(c, &a, r, sizeof r, &rn, op, err);
    if (rc == SCA_E_DENIED)
        rc = sca_error_explain(err, "verify the PIN first (--pin)");
    else if (rc == SCA_E_NOT_SUPPORTED && err != NULL && err->sw == SCA_SW_USIM_CONTEXT_NOT_SUPPORTED)
        rc = sca_error_explain(err, "this card has no GBA context");
    if (rc == SCA_OK)
        rc = sca_gba_parse_answer(r, rn, naf, out, err);
    OPENSSL_cleanse(r, sizeof r);
    return rc;
}

sca_rc sca_gba_authenticate(sca_card *c, const uint8_t rand[SCA_GBA_RAND_LEN], const uint8_t autn[SCA_GBA_AUTN_LEN],
                            sca_gba_auth *out, sca_error *err)
{
    uint8_t d[3 + SCA_GBA_RAND_LEN + SCA_GBA_AUTN_LEN];
    d[0] = MODE_BOOTSTRAP;
    d[1] = SCA_GBA_RAND_LEN;
    memcpy(d + 2, rand, SCA_GBA_RAND_LEN);
    d[2 + SCA_GBA_RAND_LEN] = SCA_GBA_AUTN_LEN;
    memcpy(d + 3 + SCA_GBA_RAND_LEN, autn, SCA_GBA_AUTN_LEN);
    sca_rc rc = authenticate(c, d, sizeof d, 0, out, "GBA bootstrapping (AUTHENTICATE)", err);
    if (rc == SCA_E_AUTH_FAILED)
        rc = sca_error_explain(err, "the AUTN did not verify on the card: the BSF does not hold this card's K/OPc, "
                                    "or it sent a GBA_ME challenge");
    else if (rc == SCA_E_NOT_FOUND)
        rc = sca_error_explain(err, "the card has no GBA keys; the issuer writes them with 'scagent perso gba'");
    return rc;
}

sca_rc sca_gba_naf_id(const char *fqdn, const uint8_t ua[SCA_GBA_UA_ID_LEN], uint8_t *out, size_t *len,
                      sca_error *err)
{
    size_t n = fqdn == NULL ? 0 : strlen(fqdn);
    if (n == 0 || n + SCA_GBA_UA_ID_LEN > SCA_GBA_NAF_ID_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a NAF FQDN has 1 to %d characters",
                             SCA_GBA_NAF_ID_MAX - SCA_GBA_UA_ID_LEN);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)fqdn[i];
        if (!(ch == '-' || ch == '.' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
              (ch >= 'A' && ch <= 'Z')))
            return sca_error_set(err, SCA_E_INVALID_ARG, "'%s' is not an FQDN (letters, digits, '-' and '.')", fqdn);
    }
    memcpy(out, fqdn, n);
    memcpy(out + n, ua, SCA_GBA_UA_ID_LEN);
    *len = n + SCA_GBA_UA_ID_LEN;
    return SCA_OK;
}

sca_rc sca_gba_naf_key(sca_card *c, const uint8_t *naf_id, size_t naf_id_len, const char *impi,
                       uint8_t ks_ext_naf[SCA_GBA_KS_NAF_LEN], sca_error *err)
{
    size_t il = impi == NULL ? 0 : strlen(impi);
    if (naf_id_len < 6 || naf_id_len > SCA_GBA_NAF_ID_MAX || il == 0 || il > SCA_GBA_IMPI_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "NAF_Id (6..%d bytes) or IMPI (1..%d bytes) out of range",
                             SCA_GBA_NAF_ID_MAX, SCA_GBA_IMPI_MAX);
    uint8_t d[3 + SCA_GBA_NAF_ID_MAX + SCA_GBA_IMPI_MAX];
    d[0] = MODE_NAF;
    d[1] = (uint8_t)naf_id_len;
    memcpy(d + 2, naf_id, naf_id_len);
    d[2 + naf_id_len] = (uint8_t)il;
    memcpy(d + 3 + naf_id_len, impi, il);
    sca_gba_auth a;
    sca_rc rc = authenticate(c, d, 3 + naf_id_len + il, 1, &a, "GBA NAF key derivation (AUTHENTICATE)", err);
    if (rc == SCA_E_CONDITIONS)
        rc = sca_error_explain(err, "the card has no GBA bootstrap yet; run 'scagent gba bootstrap URL' first");
    if (rc == SCA_OK)
        memcpy(ks_ext_naf, a.res, SCA_GBA_KS_NAF_LEN);
    OPENSSL_cleanse(&a, sizeof a);
    return rc;
}

/* An LV at *p within [*p, end) into a NUL-terminated string of at most `max` characters. */
static int take_lv(const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
    if (*p >= end)
        return -1;
    size_t l = **p;
    if (l > max || l > (size_t)(end - *p - 1))
        return -1;
    memcpy(out, *p + 1, l);
    out[l] = '\0';
    if (memchr(out, '\0', l) != NULL)
        return -1;
    *p += 1 + l;
    return 0;
}

sca_rc sca_gba_bp_parse(const uint8_t *d, size_t n, sca_gba_bp *out, sca_error *err)
{
    memset(out, 0, sizeof *out);
    const uint8_t *p = d, *end = d + n;
    if (n < 1 + SCA_GBA_RAND_LEN || d[0] != SCA_GBA_RAND_LEN)
        return sca_error_set(err, SCA_E_PARSE, "the card's EF_GBABP does not start with a 16-byte RAND");
    memcpy(out->rand, d + 1, SCA_GBA_RAND_LEN);
    p += 1 + SCA_GBA_RAND_LEN;
    if (take_lv(&p, end, out->btid, SCA_GBA_BTID_MAX) != 0 ||
        take_lv(&p, end, out->lifetime, SCA_GBA_LIFETIME_MAX) != 0 || p != end)
        return sca_error_set(err, SCA_E_PARSE, "the card's EF_GBABP is malformed (%zu bytes)", n);
    return SCA_OK;
}

sca_rc sca_gba_bp_read(sca_card *c, sca_gba_bp *out, sca_error *err)
{
    if (!(sca_card_capabilities(c) & SCA_CAP_MBMS_GBA_U)) { /* no applet: the USIM's own EF_GBABP */
        uint8_t f[260];
        size_t fn = 0;
        sca_rc rc = sca_usim_read_ef(c, SCA_USIM_EF_GBABP, f, sizeof f, &fn, err);
        if (rc != SCA_OK)
            return rc;
        /* the file is longer than its content: its LVs, then FF padding */
        size_t used = fn >= 1 + SCA_GBA_RAND_LEN ? 1 + (size_t)f[0] : fn;
        for (int k = 0; k < 2 && used < fn; k++)
            used += 1 + (size_t)f[used];
        if (used > fn)
            return sca_error_set(err, SCA_E_PARSE, "the USIM's EF_GBABP is malformed (%zu bytes)", fn);
        return sca_gba_bp_parse(f, used, out, err);
    }
    uint8_t b[1 + SCA_GBA_RAND_LEN + 2 + SCA_GBA_BTID_MAX + SCA_GBA_LIFETIME_MAX];
    size_t n = 0;
    sca_rc rc = sca_get_data(c, SCA_TAG_GBA_BP, b, sizeof b, &n, err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, "no GBA bootstrap on the card yet; run 'scagent gba bootstrap URL'");
    if (rc != SCA_OK)
        return rc;
    return sca_gba_bp_parse(b, n, out, err);
}

sca_rc sca_gba_bp_write(sca_card *c, const char *btid, const char *lifetime, sca_error *err)
{
    size_t bl = strlen(btid), ll = strlen(lifetime);
    if (bl == 0 || bl > SCA_GBA_BTID_MAX || ll == 0 || ll > SCA_GBA_LIFETIME_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "B-TID (1..%d) or key lifetime (1..%d) out of range",
                             SCA_GBA_BTID_MAX, SCA_GBA_LIFETIME_MAX);
    uint8_t d[2 + SCA_GBA_BTID_MAX + SCA_GBA_LIFETIME_MAX];
    d[0] = (uint8_t)bl;
    memcpy(d + 1, btid, bl);
    d[1 + bl] = (uint8_t)ll;
    memcpy(d + 2 + bl, lifetime, ll);
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_GBA_BP_PUT, .data = d, .lc = 2 + bl + ll};
    sca_rc rc = sca_card_run(c, &a, NULL, 0, NULL, "writing the B-TID to the card", err);
    if (rc == SCA_E_DENIED)
        rc = sca_error_explain(err, "verify the PIN first (--pin)");
    return rc;
}

sca_rc sca_gba_impi(sca_card *c, char *out, size_t cap, sca_error *err)
{
    uint8_t b[SCA_GBA_IMPI_MAX + 1];
    size_t n = 0;
    sca_rc rc = sca_get_data(c, SCA_TAG_GBA_IMPI, b, sizeof b, &n, err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, "the card holds no IMPI; the issuer writes it with 'scagent perso gba --impi'");
    if (rc != SCA_OK)
        return rc;
    if (n == 0 || n > SCA_GBA_IMPI_MAX || memchr(b, '\0', n) != NULL)
        return sca_error_set(err, SCA_E_PARSE, "the card's IMPI is malformed (%zu bytes)", n);
    if (n + 1 > cap)
        return sca_error_set(err, SCA_E_BUFFER_TOO_SMALL, "the IMPI needs %zu bytes", n + 1);
    memcpy(out, b, n);
    out[n] = '\0';
    return SCA_OK;
}

sca_rc sca_gba_perso_keys(sca_card *c, const uint8_t k[16], const uint8_t opc[16], sca_error *err)
{
    uint8_t d[32];
    memcpy(d, k, 16);
    memcpy(d + 16, opc, 16);
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_PUT_DATA, .p1 = SCA_TAG_GBA_KEYS >> 8,
                  .p2 = SCA_TAG_GBA_KEYS & 0xFF, .data = d, .lc = sizeof d, .flags = SCA_APDU_SENSITIVE};
    sca_rc rc = sca_issuer_command_chained(c, &a, NULL, 0, NULL, "writing the GBA keys (K, OPc)", err);
    OPENSSL_cleanse(d, sizeof d);
    return rc;
}

sca_rc sca_gba_perso_impi(sca_card *c, const char *impi, sca_error *err)
{
    size_t n = strlen(impi);
    if (n == 0 || n > SCA_GBA_IMPI_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "an IMPI has 1 to %d bytes", SCA_GBA_IMPI_MAX);
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_PUT_DATA, .p1 = SCA_TAG_GBA_IMPI >> 8,
                  .p2 = SCA_TAG_GBA_IMPI & 0xFF, .data = (const uint8_t *)impi, .lc = n};
    return sca_issuer_command_chained(c, &a, NULL, 0, NULL, "writing the IMPI", err);
}
