/* The card side of the BCAST client identity: reading (anyone) and personalization (issuer channel). */
#include "scagent/bcast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "sca_contract.h"
#include "scagent/info.h"
#include "scagent/issuer.h"

sca_rc sca_bcast_get_status(sca_card *c, sca_bcast_status *st, sca_error *err)
{
    uint8_t b[16];
    size_t n;
    sca_rc rc = sca_get_data(c, SCA_TAG_BCAST_STATUS, b, sizeof b, &n, err);
    if (rc != SCA_OK)
        return rc;
    if (n != 5)
        return sca_error_set(err, SCA_E_PARSE, "BCAST status: the card answered %zu bytes, expected 5", n);
    st->key_alg = b[0];
    st->fields_set = b[1] != 0;
    st->cert_len = (unsigned)b[2] << 8 | b[3];
    st->anchors = b[4];
    return SCA_OK;
}

sca_rc sca_bcast_get_fields(sca_card *c, uint8_t fields[19], sca_error *err)
{
    uint8_t b[64];
    size_t n;
    sca_rc rc = sca_get_data(c, SCA_TAG_BCAST_FIELDS, b, sizeof b, &n, err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, "the card holds no BCAST identifier fields yet; the issuer writes them "
                                      "with 'scagent perso fields'");
    if (rc != SCA_OK)
        return rc;
    if (n != SCA_BCAST_FIELDS_LEN)
        return sca_error_set(err, SCA_E_PARSE, "BCAST fields: the card answered %zu bytes, expected 19", n);
    memcpy(fields, b, SCA_BCAST_FIELDS_LEN);
    return SCA_OK;
}

sca_rc sca_bcast_get_public_key(sca_card *c, EVP_PKEY **out, sca_error *err)
{
    uint8_t b[SCA_BCAST_SPKI_MAX];
    size_t n;
    sca_rc rc = sca_get_data(c, SCA_TAG_BCAST_PUBLIC_KEY, b, sizeof b, &n, err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, "the card has no BCAST client key yet; the issuer generates it with "
                                      "'scagent perso keygen'");
    if (rc != SCA_OK)
        return rc;
    const uint8_t *p = b;
    *out = d2i_PUBKEY(NULL, &p, (long)n);
    if (*out == NULL || p != b + n) {
        EVP_PKEY_free(*out);
        *out = NULL;
        return sca_error_set(err, SCA_E_PARSE, "the card's public key is not a valid SubjectPublicKeyInfo");
    }
    return SCA_OK;
}

static sca_rc parse_cert(const uint8_t *b, size_t n, X509 **out, const char *what, sca_error *err)
{
    const uint8_t *p = b;
    *out = d2i_X509(NULL, &p, (long)n);
    if (*out == NULL || p != b + n) {
        X509_free(*out);
        *out = NULL;
        return sca_error_set(err, SCA_E_PARSE, "%s is not a valid DER X.509 certificate", what);
    }
    return SCA_OK;
}

sca_rc sca_bcast_get_certificate(sca_card *c, X509 **out, sca_error *err)
{
    uint8_t *b = malloc(SCA_CERT_MAX + 64);
    size_t n;
    if (b == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    sca_rc rc = sca_get_data(c, SCA_TAG_BCAST_CERTIFICATE, b, SCA_CERT_MAX + 64, &n, err);
    if (rc == SCA_E_NOT_FOUND)
        rc = sca_error_explain(err, "the card holds no client certificate; the issuer loads one with "
                                    "'scagent perso cert load'");
    if (rc == SCA_OK)
        rc = parse_cert(b, n, out, "the card's client certificate", err);
    free(b);
    return rc;
}

sca_rc sca_bcast_get_client_id(sca_card *c, int with_cert, uint8_t *out, size_t cap, size_t *len, sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_GET_CLIENT_ID,
                  .p1 = with_cert ? SCA_GET_CLIENT_ID_P1_00 : SCA_GET_CLIENT_ID_P1_01, .le = 256,
                  .flags = SCA_APDU_RETRY_ON_RESET};
    sca_rc rc = sca_card_run(c, &a, out, cap, len, "reading the BCAST_Client_ID", err);
    if (rc == SCA_E_CONDITIONS)
        return sca_error_explain(err, "the card cannot sign a BCAST_Client_ID yet: it needs a client key and the "
                                      "identifier fields (scagent perso keygen, scagent perso fields)");
    return rc;
}

sca_rc sca_naf_anchor_list(sca_card *c, sca_naf_anchor_entry *out, size_t cap, size_t *n, sca_error *err)
{
    uint8_t b[SCA_NAF_ANCHORS * 35 + 16];
    size_t len;
    sca_rc rc = sca_get_data(c, SCA_TAG_NAF_ANCHORS, b, sizeof b, &len, err);
    if (rc != SCA_OK)
        return rc;
    if (len % 35 != 0)
        return sca_error_set(err, SCA_E_PARSE, "NAF anchor list: %zu bytes is not a whole number of entries", len);
    *n = 0;
    for (size_t off = 0; off < len; off += 35) {
        if (*n == cap)
            return sca_error_set(err, SCA_E_BUFFER_TOO_SMALL, "NAF anchor list: more than %zu entries", cap);
        sca_naf_anchor_entry *e = &out[(*n)++];
        e->slot = b[off];
        e->len = (unsigned)b[off + 1] << 8 | b[off + 2];
        memcpy(e->sha256, b + off + 3, 32);
    }
    return SCA_OK;
}

sca_rc sca_naf_anchor_read(sca_card *c, uint8_t slot, X509 **out, sca_error *err)
{
    uint8_t *b = malloc(SCA_NAF_ANCHOR_MAX_LEN + 64);
    size_t n;
    if (b == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    sca_apdu a = {.cla = SCA_CLA_PROPRIETARY, .ins = SCA_INS_READ_NAF_ANCHOR, .p1 = slot,
                  .p2 = SCA_READ_NAF_ANCHOR_P2_00, .le = 256, .flags = SCA_APDU_RETRY_ON_RESET};
    char what[48];
    snprintf(what, sizeof what, "reading NAF anchor %u", slot);
    sca_rc rc = sca_card_run(c, &a, b, SCA_NAF_ANCHOR_MAX_LEN + 64, &n, what, err);
    if (rc == SCA_OK)
        rc = parse_cert(b, n, out, what, err);
    free(b);
    return rc;
}

sca_rc sca_naf_anchor_stack(sca_card *c, STACK_OF(X509) **out, sca_error *err)
{
    sca_naf_anchor_entry list[SCA_NAF_ANCHORS];
    size_t n;
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_naf_anchor_list(c, list, SCA_NAF_ANCHORS, &n, err);
    STACK_OF(X509) *sk = rc == SCA_OK ? sk_X509_new_null() : NULL;
    if (rc == SCA_OK && sk == NULL)
        rc = sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    for (size_t i = 0; rc == SCA_OK && i < n; i++) {
        X509 *x = NULL;
        rc = sca_naf_anchor_read(c, list[i].slot, &x, err);
        if (rc == SCA_OK && !sk_X509_push(sk, x)) {
            X509_free(x);
            rc = sca_error_set(err, SCA_E_NO_MEMORY, NULL);
        }
    }
    sca_card_end(c);
    if (rc != SCA_OK) {
        sk_X509_pop_free(sk, X509_free);
        return rc;
    }
    *out = sk;
    return SCA_OK;
}

/* --- issuer ------------------------------------------------------------------------------------------------ */

sca_rc sca_bcast_keygen(sca_card *c, uint8_t alg, EVP_PKEY **pub, sca_error *err)
{
    if (alg != SCA_KEY_ALG_EC_P256 && alg != SCA_KEY_ALG_RSA_2048)
        return sca_error_set(err, SCA_E_INVALID_ARG, "key algorithm must be P-256 (ec) or RSA-2048 (rsa)");
    uint8_t b[SCA_BCAST_SPKI_MAX];
    size_t n;
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_GENERATE_KEY_PAIR, .p1 = alg,
                  .p2 = SCA_GENERATE_KEY_PAIR_P2_00, .le = 256};
    sca_rc rc = sca_issuer_command_chained(c, &a, b, sizeof b, &n, "generating the BCAST client key pair", err);
    if (rc != SCA_OK || pub == NULL)
        return rc;
    const uint8_t *p = b;
    *pub = d2i_PUBKEY(NULL, &p, (long)n);
    if (*pub == NULL || p != b + n) {
        EVP_PKEY_free(*pub);
        *pub = NULL;
        return sca_error_set(err, SCA_E_PARSE, "the card answered a key generation with no valid public key");
    }
    return SCA_OK;
}

sca_rc sca_bcast_put_fields(sca_card *c, const uint8_t fields[19], sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_PUT_DATA, .p1 = SCA_TAG_BCAST_FIELDS >> 8,
                  .p2 = SCA_TAG_BCAST_FIELDS & 0xFF, .data = fields, .lc = SCA_BCAST_FIELDS_LEN};
    sca_rc rc = sca_issuer_command_chained(c, &a, NULL, 0, NULL, "writing the BCAST identifier fields", err);
    if (rc == SCA_E_CONDITIONS)
        return sca_error_explain(err, "the card is personalized: its identifier fields are fixed (only the "
                                      "versions can be raised, with 'scagent perso version')");
    return rc;
}

sca_rc sca_bcast_load_certificate(sca_card *c, X509 *cert, sca_error *err)
{
    EVP_PKEY *card_key = NULL;
    sca_rc rc = sca_bcast_get_public_key(c, &card_key, err);
    if (rc != SCA_OK)
        return rc;
    int same = EVP_PKEY_eq(X509_get0_pubkey(cert), card_key);
    EVP_PKEY_free(card_key);
    if (same != 1)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the certificate does not hold the card's public key; issue "
                                                     "it from a CSR of this card ('scagent perso csr')");
    uint8_t *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the certificate cannot be encoded");
    if (n > SCA_CERT_MAX) {
        OPENSSL_free(der);
        return sca_error_set(err, SCA_E_INVALID_ARG, "the certificate has %d bytes; the card keeps at most %d", n,
                             SCA_CERT_MAX);
    }
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_PUT_DATA, .p1 = SCA_TAG_BCAST_CERTIFICATE >> 8,
                  .p2 = SCA_TAG_BCAST_CERTIFICATE & 0xFF, .data = der, .lc = (size_t)n};
    rc = sca_issuer_command_chained(c, &a, NULL, 0, NULL, "loading the client certificate", err);
    OPENSSL_free(der);
    return rc;
}

sca_rc sca_bcast_raise_version(sca_card *c, sca_bcast_version which, uint16_t value, sca_error *err)
{
    if (which != SCA_BCAST_FIRMWARE && which != SCA_BCAST_SOFTWARE)
        return sca_error_set(err, SCA_E_INVALID_ARG, "version must be firmware or software");
    uint8_t fields[19];
    sca_rc rc = sca_card_begin(c, err);
    if (rc != SCA_OK)
        return rc;
    rc = sca_bcast_get_fields(c, fields, err);
    if (rc == SCA_OK) {
        const uint8_t *cur = fields + (which == SCA_BCAST_FIRMWARE ? 8 : 17);
        unsigned now = (unsigned)cur[0] << 8 | cur[1];
        if (value <= now)
            rc = sca_error_set(err, SCA_E_CONDITIONS, "%s version %u is not greater than the current %u; "
                               "versions only go up", which == SCA_BCAST_FIRMWARE ? "firmware" : "software",
                               value, now);
    }
    if (rc == SCA_OK) {
        uint8_t v[2] = {(uint8_t)(value >> 8), (uint8_t)value};
        sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_RAISE_VERSION, .p1 = (uint8_t)which,
                      .p2 = SCA_RAISE_VERSION_P2_00, .data = v, .lc = 2};
        rc = sca_issuer_command_chained(c, &a, NULL, 0, NULL, "raising the version", err);
    }
    sca_card_end(c);
    return rc;
}

sca_rc sca_naf_anchor_add(sca_card *c, X509 *anchor, uint8_t *slot, sca_error *err)
{
    uint8_t *der = NULL;
    int n = i2d_X509(anchor, &der);
    if (n <= 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the anchor certificate cannot be encoded");
    if (n > SCA_NAF_ANCHOR_MAX_LEN) {
        OPENSSL_free(der);
        return sca_error_set(err, SCA_E_INVALID_ARG, "the anchor has %d bytes; the card keeps at most %d", n,
                             SCA_NAF_ANCHOR_MAX_LEN);
    }
    uint8_t r[8];
    size_t rn = 0;
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_NAF_ANCHOR_ADD, .p1 = SCA_NAF_ANCHOR_ADD_P1_00,
                  .p2 = SCA_NAF_ANCHOR_ADD_P2_00, .data = der, .lc = (size_t)n, .le = 1};
    sca_rc rc = sca_issuer_command_chained(c, &a, r, sizeof r, &rn, "adding a NAF trust anchor", err);
    OPENSSL_free(der);
    if (rc == SCA_E_CARD && err != NULL && err->sw == SCA_SW_NOT_ENOUGH_MEMORY)
        return sca_error_explain(err, "all %d NAF anchor slots are in use; remove one first", SCA_NAF_ANCHORS);
    if (rc == SCA_OK && rn != 1)
        return sca_error_set(err, SCA_E_PARSE, "adding a NAF anchor: the card answered %zu bytes, expected 1", rn);
    if (rc == SCA_OK && slot != NULL)
        *slot = r[0];
    return rc;
}

sca_rc sca_naf_anchor_remove(sca_card *c, uint8_t slot, sca_error *err)
{
    sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_NAF_ANCHOR_REMOVE, .p1 = slot,
                  .p2 = SCA_NAF_ANCHOR_REMOVE_P2_00};
    sca_rc rc = sca_issuer_command_chained(c, &a, NULL, 0, NULL, "removing a NAF trust anchor", err);
    if (rc == SCA_E_NOT_FOUND)
        return sca_error_explain(err, "NAF anchor slot %u is empty", slot);
    return rc;
}
