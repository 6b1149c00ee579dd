/* DER certificates in and out of the BCAST messages, with the lengths checked and OpenSSL's error queue left
 * empty (a failed parse of outside bytes is an answer, not an OpenSSL failure to report later). */
#include "cert.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

sca_rc sca_cert_from_der(const uint8_t *der, size_t len, const char *what, X509 **out, sca_error *err)
{
    *out = NULL;
    if (der == NULL || len == 0 || len > LONG_MAX)
        return sca_error_set(err, SCA_E_PARSE, "%s is empty", what);
    const uint8_t *p = der;
    X509 *c = d2i_X509(NULL, &p, (long)len);
    if (c == NULL || p != der + len) {
        X509_free(c);
        ERR_clear_error();
        return sca_error_set(err, SCA_E_PARSE, "%s is not one DER X.509 certificate of exactly %zu bytes", what,
                             len);
    }
    *out = c;
    return SCA_OK;
}

sca_rc sca_cert_to_der(X509 *cert, uint8_t **der, size_t *len, sca_error *err)
{
    *der = NULL;
    *len = 0;
    int n = cert ? i2d_X509(cert, NULL) : -1;
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL, *p = buf;
    if (buf == NULL || i2d_X509(cert, &p) != n) {
        free(buf);
        ERR_clear_error();
        return sca_error_set(err, n > 0 ? SCA_E_NO_MEMORY : SCA_E_INVALID_ARG,
                             "could not encode the certificate as DER");
    }
    *der = buf;
    *len = (size_t)n;
    return SCA_OK;
}

void sca_cert_subject(X509 *cert, char *out, size_t cap)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b != NULL && X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        int n = BIO_read(b, out, (int)(cap - 1 > INT_MAX ? INT_MAX : cap - 1));
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(b);
    ERR_clear_error();
}
