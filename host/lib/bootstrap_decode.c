/* DM bootstrap: the verified WBXML as XML text, with libwbxml2. Takes only an sca_dmboot_verified, so no
 * unverified bytes reach the WBXML decoder. */
#include <stdlib.h>
#include <string.h>

#include <wbxml/wbxml.h>

#include "bootstrap_int.h"

sca_rc sca_dmboot_decode(const sca_dmboot_verified *v, char **xml, size_t *xml_len, sca_error *err)
{
    if (xml != NULL)
        *xml = NULL;
    if (xml_len != NULL)
        *xml_len = 0;
    size_t body_len;
    const uint8_t *body = sca_dmboot_verified_body(v, &body_len);
    if (body == NULL || xml == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "only a verified bootstrap message can be decoded");
    WBXMLConvWBXML2XML *conv = NULL;
    if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK)
        return sca_error_set(err, SCA_E_NO_MEMORY, "cannot create the WBXML decoder");
    wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_INDENT);
    wbxml_conv_wbxml2xml_set_indent(conv, 2);
    WB_UTINY *out = NULL;
    WB_ULONG out_len = 0;
    /* libwbxml takes a non-const pointer but only reads the document */
    WBXMLError rc = wbxml_conv_wbxml2xml_run(conv, (WB_UTINY *)body, (WB_ULONG)body_len, &out, &out_len);
    wbxml_conv_wbxml2xml_destroy(conv);
    if (rc != WBXML_OK) {
        free(out); /* libwbxml allocates with malloc */
        return sca_error_set(err, SCA_E_PARSE,
                             "the bootstrap MAC verified but its WBXML does not decode (%s): the DM server sent a "
                             "malformed document",
                             (const char *)wbxml_errors_string(rc));
    }
    char *text = malloc((size_t)out_len + 1);
    if (text == NULL) {
        free(out);
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    }
    if (out_len > 0)
        memcpy(text, out, out_len);
    text[out_len] = '\0';
    free(out);
    *xml = text;
    if (xml_len != NULL)
        *xml_len = (size_t)out_len;
    return SCA_OK;
}
