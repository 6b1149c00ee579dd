/* BCAST_Client_ID (5.1.7.1): fields (19) || signature_length (2) || signature || certificate_length (2) ||
 * certificate, parsed strictly and assembled for tests and simulators. */
#include "scagent/bcastid.h"

#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "sca_contract.h"
#include "sig.h"

_Static_assert(SCA_EC_SIGNATURE_LEN == SCA_SIG_P256_LEN, "the contract's EC signature length is r || s");

static int signature_len_ok(size_t n)
{
    return n == SCA_EC_SIGNATURE_LEN || n == SCA_RSA_SIGNATURE_LEN;
}

sca_rc sca_bcastid_parse(const uint8_t *buf, size_t len, sca_bcastid_view *view, sca_error *err)
{
    memset(view, 0, sizeof *view);
    if (buf == NULL || len < SCA_BCASTID_TBS_LEN)
        return sca_error_set(err, SCA_E_PARSE, "BCAST_Client_ID: %zu bytes, too short for the fields and the "
                             "signature length (%d)", buf ? len : 0, SCA_BCASTID_TBS_LEN);
    size_t sig_len = (size_t)buf[19] << 8 | buf[20];
    if (!signature_len_ok(sig_len))
        return sca_error_set(err, SCA_E_PARSE, "BCAST_Client_ID: signature_length %zu is neither %d (P-256) nor "
                             "%d (RSA-2048)", sig_len, SCA_EC_SIGNATURE_LEN, SCA_RSA_SIGNATURE_LEN);
    size_t off = SCA_BCASTID_TBS_LEN;
    if (len - off < sig_len + 2)
        return sca_error_set(err, SCA_E_PARSE, "BCAST_Client_ID: truncated in the signature or the certificate "
                             "length (%zu bytes, at least %zu needed)", len, off + sig_len + 2);
    const uint8_t *sig = buf + off;
    off += sig_len;
    size_t cert_len = (size_t)buf[off] << 8 | buf[off + 1];
    off += 2;
    if (len - off != cert_len)
        return sca_error_set(err, SCA_E_PARSE, "BCAST_Client_ID: certificate_length %zu but %zu bytes follow%s",
                             cert_len, len - off, len - off > cert_len ? " (trailing bytes)" : " (truncated)");
    sca_rc rc = sca_bcast_fields_decode(buf, &view->fields, err);
    if (rc != SCA_OK)
        return rc;
    memcpy(view->fields_raw, buf, SCA_BCAST_FIELDS_SIZE);
    view->signature = sig;
    view->signature_len = sig_len;
    view->certificate = cert_len ? buf + off : NULL;
    view->certificate_len = cert_len;
    view->tbs_len = SCA_BCASTID_TBS_LEN;
    return SCA_OK;
}

sca_rc sca_bcastid_build(const uint8_t fields[SCA_BCAST_FIELDS_SIZE], const uint8_t *sig, size_t sig_len,
                         const uint8_t *cert, size_t cert_len, uint8_t *out, size_t cap, size_t *out_len,
                         sca_error *err)
{
    *out_len = 0;
    if (!signature_len_ok(sig_len) || sig == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "a BCAST_Client_ID signature is %d or %d bytes, not %zu",
                             SCA_EC_SIGNATURE_LEN, SCA_RSA_SIGNATURE_LEN, sig_len);
    if (cert_len > 0xFFFF || (cert == NULL && cert_len != 0))
        return sca_error_set(err, SCA_E_INVALID_ARG, "the certificate (%zu bytes) does not fit certificate_length",
                             cert_len);
    size_t total = SCA_BCASTID_TBS_LEN + sig_len + 2 + cert_len;
    if (cap < total)
        return sca_error_set(err, SCA_E_BUFFER_TOO_SMALL, "BCAST_Client_ID needs %zu bytes, the buffer has %zu",
                             total, cap);
    memcpy(out, fields, SCA_BCAST_FIELDS_SIZE);
    out[19] = (uint8_t)(sig_len >> 8);
    out[20] = (uint8_t)sig_len;
    memcpy(out + SCA_BCASTID_TBS_LEN, sig, sig_len);
    size_t off = SCA_BCASTID_TBS_LEN + sig_len;
    out[off] = (uint8_t)(cert_len >> 8);
    out[off + 1] = (uint8_t)cert_len;
    if (cert_len)
        memcpy(out + off + 2, cert, cert_len);
    *out_len = total;
    return SCA_OK;
}

sca_rc sca_bcastid_sign(const uint8_t fields[SCA_BCAST_FIELDS_SIZE], EVP_PKEY *key, X509 *cert, uint8_t **out,
                        size_t *out_len, sca_error *err)
{
    *out = NULL;
    *out_len = 0;
    size_t sig_len = 0;
    sca_rc rc = sca_sig_fixed_len(key, &sig_len, err);
    if (rc == SCA_OK && !signature_len_ok(sig_len))
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "a client key is P-256 or RSA-2048 (signature of %d or %d "
                           "bytes); this one makes %zu", SCA_EC_SIGNATURE_LEN, SCA_RSA_SIGNATURE_LEN, sig_len);
    if (rc != SCA_OK)
        return rc;
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (cert != NULL && (rc = sca_cert_to_der(cert, &der, &der_len, err)) != SCA_OK)
        return rc;
    size_t cap = SCA_BCASTID_TBS_LEN + sig_len + 2 + der_len;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        free(der);
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    }
    uint8_t tbs[SCA_BCASTID_TBS_LEN], sig[SCA_RSA_SIGNATURE_LEN];
    memcpy(tbs, fields, SCA_BCAST_FIELDS_SIZE);
    tbs[19] = (uint8_t)(sig_len >> 8);
    tbs[20] = (uint8_t)sig_len;
    rc = sca_sig_sign_fixed(key, tbs, sizeof tbs, sig, sig_len, err);
    if (rc == SCA_OK)
        rc = sca_bcastid_build(fields, sig, sig_len, der, der_len, buf, cap, out_len, err);
    free(der);
    if (rc != SCA_OK) {
        free(buf);
        *out_len = 0;
        return rc;
    }
    *out = buf;
    return SCA_OK;
}
