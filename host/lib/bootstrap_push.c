/* DM bootstrap: a whole WAP push PDU (WAP-230-WSP 8.2.4.1 Push, connectionless: TID, PDU type, HeadersLen,
 * ContentType, Headers, Data), minimally: the Content-type, and the body after the headers. */
#include "bootstrap_int.h"

sca_rc sca_dmboot_push_parse(const uint8_t *pdu, size_t len, sca_dmboot_push *out, sca_error *err)
{
    if ((pdu == NULL && len > 0) || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no WAP push PDU to parse");
    if (len < 3)
        return sca_error_set(err, SCA_E_PARSE, "the WAP push has %zu bytes: too short for TID, PDU type and headers",
                             len);
    out->tid = pdu[0];
    out->body = NULL;
    out->body_len = 0;
    if (pdu[1] != SCA_DMBOOT_WSP_PUSH)
        return sca_error_set(err, SCA_E_PARSE,
                             "the WSP PDU type is 0x%02X, not Push (0x06): not a WAP push (give the raw connectionless "
                             "push, starting with the transaction ID)",
                             pdu[1]);
    const uint8_t *p = pdu + 2, *end = pdu + len;
    uint32_t headers_len;
    int ok = dmboot_uintvar(&p, end, 5, &headers_len);
    if (ok <= 0)
        return sca_error_set(err, SCA_E_PARSE, "the WAP push headers length is %s",
                             ok == 0 ? "truncated" : "longer than 5 octets or beyond 32 bits");
    if (headers_len == 0)
        return sca_error_set(err, SCA_E_PARSE, "the WAP push has no headers: the Content-type is missing");
    if ((size_t)(end - p) < headers_len)
        return sca_error_set(err, SCA_E_PARSE, "the WAP push headers (%u bytes) go beyond its end (%zu bytes left)",
                             (unsigned)headers_len, (size_t)(end - p));
    size_t used;
    sca_rc rc = sca_dmboot_header_parse_wsp(p, headers_len, &used, &out->header, err);
    if (rc != SCA_OK) {
        if (err != NULL)
            sca_error_prefix(err, "WAP push");
        return rc;
    }
    /* the other headers (p + used .. p + headers_len) are not needed: skipped */
    p += headers_len;
    if (p == end)
        return sca_error_set(err, SCA_E_PARSE, "the WAP push has no body: no bootstrap document");
    out->body = p;
    out->body_len = (size_t)(end - p);
    return SCA_OK;
}
