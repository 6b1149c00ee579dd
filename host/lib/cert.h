/* X.509 certificates as the BCAST messages carry them: DER in, DER out, a subject for messages (internal). */
#ifndef SCA_CERT_H
#define SCA_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "scagent/error.h"

/* Parse one DER certificate that must fill `len` exactly. SCA_E_PARSE naming `what` ("the embedded client
 * certificate") otherwise. */
sca_rc sca_cert_from_der(const uint8_t *der, size_t len, const char *what, X509 **out, sca_error *err);
/* The DER encoding in a new buffer (free()). */
sca_rc sca_cert_to_der(X509 *cert, uint8_t **der, size_t *len, sca_error *err);
/* The subject in RFC 2253 form, truncated to fit `cap` (which must be at least 1). */
void sca_cert_subject(X509 *cert, char *out, size_t cap);

#endif
