/* A PKCS#10 certificate request for the card's BCAST client key: the host builds the CertificationRequestInfo,
 * the card signs it (SIGN CSR), the host puts the two together and checks the result with the card's public key. */
#include "scagent/bcast.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "sca_contract.h"
#include "scagent/issuer.h"

/* "/CN=Client 1/O=Example" → X509_NAME. A '/' inside a value is written "\/". */
static sca_rc parse_subject(const char *s, X509_NAME **out, sca_error *err)
{
    if (s == NULL || s[0] != '/')
        return sca_error_set(err, SCA_E_INVALID_ARG, "the subject must look like /CN=name/O=organisation");
    X509_NAME *name = X509_NAME_new();
    char part[256];
    size_t n = 0;
    sca_rc rc = SCA_OK;
    for (const char *p = s + 1;; p++) {
        if (*p == '\\' && p[1] == '/') {
            p++;
        } else if (*p == '/' || *p == '\0') {
            part[n] = '\0';
            char *eq = strchr(part, '=');
            if (eq == NULL || eq == part || eq[1] == '\0') {
                rc = sca_error_set(err, SCA_E_INVALID_ARG, "subject part '%s' is not TYPE=value", part);
                break;
            }
            *eq = '\0';
            if (!X509_NAME_add_entry_by_txt(name, part, MBSTRING_UTF8, (const unsigned char *)(eq + 1), -1, -1, 0)) {
                rc = sca_error_set(err, SCA_E_INVALID_ARG, "subject: unknown attribute type '%s'", part);
                break;
            }
            n = 0;
            if (*p == '\0')
                break;
            continue;
        }
        if (n + 1 >= sizeof part) {
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "subject part too long (at most %zu bytes)", sizeof part - 1);
            break;
        }
        part[n++] = *p;
    }
    if (rc != SCA_OK) {
        X509_NAME_free(name);
        return rc;
    }
    *out = name;
    return SCA_OK;
}

/* The card signs; the algorithm follows the key type. */
static sca_rc attach_signature(X509_REQ *req, int is_ec, const uint8_t *sig, size_t sig_len, sca_error *err)
{
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_BIT_STRING *bits = ASN1_BIT_STRING_new();
    int ok = alg != NULL && bits != NULL;
    if (ok) {
        /* ecdsa-with-SHA256 has absent parameters (RFC 5758); sha256WithRSAEncryption has NULL (RFC 4055). */
        ok = X509_ALGOR_set0(alg, OBJ_nid2obj(is_ec ? NID_ecdsa_with_SHA256 : NID_sha256WithRSAEncryption),
                             is_ec ? V_ASN1_UNDEF : V_ASN1_NULL, NULL);
    }
    ok = ok && ASN1_BIT_STRING_set(bits, (unsigned char *)sig, (int)sig_len);
    if (ok) {
        /* all bits are used: without this the encoder would trim trailing zero bits and break the signature */
        bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
        bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
        ok = X509_REQ_set1_signature_algo(req, alg);
    }
    X509_ALGOR_free(alg);
    if (!ok) {
        ASN1_BIT_STRING_free(bits);
        return sca_error_set(err, SCA_E_CRYPTO, "cannot assemble the certificate request");
    }
    X509_REQ_set0_signature(req, bits);
    return SCA_OK;
}

sca_rc sca_bcast_make_csr(sca_card *c, const char *subject, X509_REQ **out, sca_error *err)
{
    X509_NAME *name = NULL;
    EVP_PKEY *pub = NULL;
    X509_REQ *req = NULL;
    uint8_t *tbs = NULL, sig[512];
    size_t sig_len = 0;
    sca_rc rc = parse_subject(subject, &name, err);
    if (rc == SCA_OK)
        rc = sca_bcast_get_public_key(c, &pub, err);
    if (rc == SCA_OK) {
        req = X509_REQ_new();
        if (req == NULL || !X509_REQ_set_version(req, X509_REQ_VERSION_1) || !X509_REQ_set_subject_name(req, name) ||
            !X509_REQ_set_pubkey(req, pub))
            rc = sca_error_set(err, SCA_E_CRYPTO, "cannot build the certificate request");
    }
    int tbs_len = 0;
    if (rc == SCA_OK && (tbs_len = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0)
        rc = sca_error_set(err, SCA_E_CRYPTO, "cannot encode the CertificationRequestInfo");
    if (rc == SCA_OK && tbs_len > SCA_CSR_INFO_MAX)
        rc = sca_error_set(err, SCA_E_INVALID_ARG,
                           "the CertificationRequestInfo has %d bytes; the card signs at most %d: shorten the subject",
                           tbs_len, SCA_CSR_INFO_MAX);
    if (rc == SCA_OK) {
        sca_apdu a = {.cla = SCA_CLA_SECURE, .ins = SCA_INS_SIGN_CSR, .p1 = SCA_SIGN_CSR_P1_9E,
                      .p2 = SCA_SIGN_CSR_P2_9A, .data = tbs, .lc = (size_t)tbs_len, .le = 256};
        rc = sca_issuer_command_chained(c, &a, sig, sizeof sig, &sig_len, "signing the certificate request", err);
    }
    if (rc == SCA_OK)
        rc = attach_signature(req, EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC, sig, sig_len, err);
    if (rc == SCA_OK && X509_REQ_verify(req, pub) != 1)
        rc = sca_error_set(err, SCA_E_CRYPTO, "the card's signature on the certificate request does not verify "
                                              "with its own public key");
    OPENSSL_free(tbs);
    X509_NAME_free(name);
    EVP_PKEY_free(pub);
    if (rc != SCA_OK) {
        X509_REQ_free(req);
        return rc;
    }
    *out = req;
    return SCA_OK;
}
