/* upgrade_available_msg (5.1.7.2): the bit layout, parsed strictly and built for tests and simulators.
 *   byte 0: protocol_version (b8-b5) | reserved_for_future_use (b4-b1)
 *   byte 1: critical (b8) | pushed (b7) | contact_dm_server (b6) | reserved (b5-b1)
 *   19 bytes of BCAST_Client_ID fields
 *   if not pushed: uri_length (1) || URI
 *   signature_length (2) || signature || certificate_length (2) || certificate */
#include "scagent/upgrade.h"

#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "sig.h"

#define HEAD_LEN (2 + SCA_BCAST_FIELDS_SIZE)

static int uri_octet_ok(uint8_t c)
{
    return c >= 0x21 && c <= 0x7E;
}

sca_rc sca_upgrade_parse(const uint8_t *msg, size_t len, sca_upgrade_view *v, sca_error *err)
{
    memset(v, 0, sizeof *v);
    if (msg == NULL || len == 0)
        return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: empty");
    v->protocol_version = msg[0] >> 4;
    if (v->protocol_version != SCA_UPGRADE_PROTOCOL_VERSION)
        return SCA_OK; /* the CR: ignore messages of a version we do not support; nothing more is read */
    v->supported = 1;
    if (len < HEAD_LEN)
        return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: %zu bytes, truncated before the end of "
                             "the client fields (%d)", len, HEAD_LEN);
    v->reserved_future = msg[0] & 0x0F;
    v->critical = msg[1] >> 7 & 1;
    v->pushed = msg[1] >> 6 & 1;
    v->contact_dm = msg[1] >> 5 & 1;
    v->reserved = msg[1] & 0x1F;
    sca_rc rc = sca_bcast_fields_decode(msg + 2, &v->fields, err);
    if (rc != SCA_OK) {
        if (err)
            sca_error_prefix(err, "upgrade_available_msg");
        return rc;
    }
    memcpy(v->fields_raw, msg + 2, SCA_BCAST_FIELDS_SIZE);
    size_t off = HEAD_LEN;
    if (!v->pushed) {
        if (off >= len)
            return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: truncated before the URI length");
        size_t n = msg[off++];
        if (n == 0)
            return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: the URI is empty (length 0); a message "
                                 "that is not pushed must name where to get the upgrade");
        if (len - off < n)
            return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: the URI is %zu bytes but only %zu "
                                 "remain", n, len - off);
        for (size_t i = 0; i < n; i++)
            if (!uri_octet_ok(msg[off + i]))
                return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: URI octet %zu is 0x%02X, not "
                                     "printable ASCII", i + 1, msg[off + i]);
        v->uri = msg + off;
        v->uri_len = n;
        v->uri_kind = v->contact_dm ? SCA_UPGRADE_URI_DM_SERVER : SCA_UPGRADE_URI_UPGRADE_SERVER;
        off += n;
    }
    if (len - off < 2)
        return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: truncated before signature_length");
    size_t sig_len = (size_t)msg[off] << 8 | msg[off + 1];
    off += 2;
    v->tbs_len = off;
    if (sig_len == 0)
        return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: signature_length is 0; the message must be "
                             "signed by the NAF");
    if (len - off < sig_len + 2)
        return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: truncated in the signature or the "
                             "certificate length (%zu bytes, at least %zu needed)", len, off + sig_len + 2);
    v->signature = msg + off;
    v->signature_len = sig_len;
    off += sig_len;
    size_t cert_len = (size_t)msg[off] << 8 | msg[off + 1];
    off += 2;
    if (len - off != cert_len)
        return sca_error_set(err, SCA_E_PARSE, "upgrade_available_msg: certificate_length %zu but %zu bytes "
                             "follow%s", cert_len, len - off, len - off > cert_len ? " (trailing bytes)" :
                             " (truncated)");
    v->certificate = cert_len ? msg + off : NULL;
    v->certificate_len = cert_len;
    return SCA_OK;
}

static sca_rc check_params(const sca_upgrade_params *p, size_t *uri_len, sca_error *err)
{
    *uri_len = 0;
    if (p->protocol_version > 0x0F || p->reserved_future > 0x0F || p->reserved > 0x1F)
        return sca_error_set(err, SCA_E_INVALID_ARG, "protocol_version and reserved_for_future_use are 4 bits, "
                             "reserved is 5 bits");
    if (p->pushed) {
        if (p->uri != NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "a pushed upgrade carries no URI; pass uri = NULL");
        return SCA_OK;
    }
    if (p->uri == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "an upgrade that is not pushed needs a URI");
    size_t n = strnlen(p->uri, SCA_UPGRADE_URI_MAX + 1);
    if (n == 0 || n > SCA_UPGRADE_URI_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the URI must be 1 to %d characters", SCA_UPGRADE_URI_MAX);
    for (size_t i = 0; i < n; i++)
        if (!uri_octet_ok((uint8_t)p->uri[i]))
            return sca_error_set(err, SCA_E_INVALID_ARG, "URI character %zu is not printable ASCII (0x21..0x7E); "
                                 "percent-encode it", i + 1);
    *uri_len = n;
    return SCA_OK;
}

sca_rc sca_upgrade_build(const sca_upgrade_params *p, EVP_PKEY *key, X509 *cert, uint8_t **out, size_t *out_len,
                         sca_error *err)
{
    *out = NULL;
    *out_len = 0;
    size_t uri_len = 0, sig_len = 0;
    sca_rc rc = check_params(p, &uri_len, err);
    if (rc == SCA_OK)
        rc = sca_sig_fixed_len(key, &sig_len, err);
    if (rc == SCA_OK && sig_len > 0xFFFF)
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "the key's signatures do not fit signature_length");
    if (rc != SCA_OK)
        return rc;
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (cert != NULL && (rc = sca_cert_to_der(cert, &der, &der_len, err)) != SCA_OK)
        return rc;
    if (der_len > 0xFFFF) {
        free(der);
        return sca_error_set(err, SCA_E_INVALID_ARG, "the certificate (%zu bytes) does not fit certificate_length",
                             der_len);
    }
    size_t tbs_len = HEAD_LEN + (p->pushed ? 0 : 1 + uri_len) + 2;
    size_t total = tbs_len + sig_len + 2 + der_len;
    uint8_t *m = malloc(total);
    if (m == NULL) {
        free(der);
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    }
    m[0] = (uint8_t)(p->protocol_version << 4 | p->reserved_future);
    m[1] = (uint8_t)((p->critical ? 0x80 : 0) | (p->pushed ? 0x40 : 0) | (p->contact_dm ? 0x20 : 0) | p->reserved);
    memcpy(m + 2, p->fields, SCA_BCAST_FIELDS_SIZE);
    size_t off = HEAD_LEN;
    if (!p->pushed) {
        m[off++] = (uint8_t)uri_len;
        memcpy(m + off, p->uri, uri_len);
        off += uri_len;
    }
    m[off++] = (uint8_t)(sig_len >> 8);
    m[off++] = (uint8_t)sig_len;
    rc = sca_sig_sign_fixed(key, m, tbs_len, m + off, sig_len, err);
    off += sig_len;
    m[off++] = (uint8_t)(der_len >> 8);
    m[off++] = (uint8_t)der_len;
    if (der_len)
        memcpy(m + off, der, der_len);
    free(der);
    if (rc != SCA_OK) {
        free(m);
        return rc;
    }
    *out = m;
    *out_len = total;
    return SCA_OK;
}
