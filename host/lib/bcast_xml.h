/* A deliberately small XML reader for the BM-SC's provisioning answers (tools/bmsc-sim/README.md; OMA BCAST Services
 * 5.1.6 in outline): the whole document into a flat list of elements (internal).
 *
 * Accepted: an optional XML declaration, one root element, elements with attributes (single or double quotes),
 * text, whitespace; the five predefined entities. Refused (SCA_E_PARSE saying what and where): DOCTYPE, comments,
 * processing instructions other than the declaration, CDATA, character references and other entities, control
 * characters other than tab/CR/LF, non-ASCII bytes, duplicate attributes, mismatched end tags, text mixed with child
 * elements (other than whitespace), anything after the root, more than SCA_XML_ELEMENTS_MAX elements,
 * SCA_XML_ATTRS_MAX attributes per element, SCA_XML_DEPTH_MAX levels, SCA_XML_DOC_MAX bytes. Namespaces are not
 * interpreted (names are compared whole). */
#ifndef SCA_BCAST_XML_H
#define SCA_BCAST_XML_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

#define SCA_XML_DOC_MAX 65536
#define SCA_XML_ELEMENTS_MAX 256
#define SCA_XML_ATTRS_MAX 8
#define SCA_XML_DEPTH_MAX 6
#define SCA_XML_NAME_MAX 64

typedef struct sca_xml_attr {
    char name[SCA_XML_NAME_MAX + 1];
    const char *value; /* NUL-terminated, decoded, in the document's arena */
} sca_xml_attr;

typedef struct sca_xml_elem {
    char name[SCA_XML_NAME_MAX + 1];
    int parent;        /* index, -1 for the root */
    int depth;         /* 0 for the root */
    size_t n_attrs;
    sca_xml_attr attrs[SCA_XML_ATTRS_MAX];
    const char *text;  /* decoded text content ("" when none or only whitespace around children) */
    size_t text_len;
} sca_xml_elem;

typedef struct sca_xml_doc {
    size_t n;
    sca_xml_elem *e;   /* e[0] is the root, then document order */
    char *arena;
} sca_xml_doc;

/* Parse `n` bytes; `what` names the document in messages ("the BM-SC's LTKMResponse"). Free with sca_xml_free
 * (also after a failure). */
sca_rc sca_xml_parse(const uint8_t *d, size_t n, const char *what, sca_xml_doc *doc, sca_error *err);
void sca_xml_free(sca_xml_doc *doc);
/* The value of attribute `name` of element `i`, or NULL. */
const char *sca_xml_attr_get(const sca_xml_doc *doc, size_t i, const char *name);

#endif
