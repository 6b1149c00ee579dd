/* The User-Agent value that carries a BCAST_Client_ID (5.1.7.3.1, bcast-identity.md §8):
 * "BCAST_Client_ID=" and the identifier in standard Base64. */
#include "scagent/bcastid.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"

sca_rc sca_bcastid_header(const uint8_t *id, size_t len, char **out, sca_error *err)
{
    *out = NULL;
    sca_bcastid_view v;
    sca_rc rc = sca_bcastid_parse(id, len, &v, err); /* never send what no server can read */
    if (rc != SCA_OK)
        return rc;
    char *b64 = NULL;
    if ((rc = sca_b64_encode(id, len, &b64, err)) != SCA_OK)
        return rc;
    size_t plen = strlen(SCA_BCASTID_HEADER_PREFIX), blen = strlen(b64);
    char *s = malloc(plen + blen + 1);
    if (s == NULL) {
        free(b64);
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    }
    memcpy(s, SCA_BCASTID_HEADER_PREFIX, plen);
    memcpy(s + plen, b64, blen + 1);
    free(b64);
    *out = s;
    return SCA_OK;
}

static int ows(char c)
{
    return c == ' ' || c == '\t';
}

sca_rc sca_bcastid_from_header(const char *value, uint8_t **id, size_t *len, sca_error *err)
{
    *id = NULL;
    *len = 0;
    if (value == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no User-Agent value given");
    static const char token[] = "BCAST_Client_ID";
    const char *p = value;
    while (ows(*p))
        p++;
    if (strncmp(p, token, sizeof token - 1) != 0)
        return sca_error_set(err, SCA_E_PARSE, "the User-Agent value does not start with \"BCAST_Client_ID=\"");
    p += sizeof token - 1;
    while (ows(*p))
        p++;
    if (*p != '=')
        return sca_error_set(err, SCA_E_PARSE, "the User-Agent value has no '=' after BCAST_Client_ID");
    p++;
    while (ows(*p))
        p++;
    size_t n = strlen(p);
    while (n > 0 && ows(p[n - 1]))
        n--;
    if (n == 0)
        return sca_error_set(err, SCA_E_PARSE, "the User-Agent value carries an empty BCAST_Client_ID");
    sca_rc rc = sca_b64_decode(p, n, SCA_BCASTID_MAX_LEN, id, len, err);
    if (rc != SCA_OK && err)
        sca_error_prefix(err, "BCAST_Client_ID in the User-Agent");
    return rc;
}
