/* A deliberately small, strict XML reader for the documents HTTP peers answer with (internal): the BSF's
 * BootstrappingInfo (gba_ub.c, TS 24.109 Annex C) and the BM-SC's provisioning answers (bcast_provision_xml.c,
 * tools/bmsc-sim/README.md). The whole document becomes a flat list of elements.
 *
 * Accepted: an optional XML declaration, one root element, elements with attributes (single or double quotes),
 * text, whitespace; the five predefined entities. Refused (SCA_E_PARSE saying what and where): DOCTYPE, comments,
 * processing instructions other than the declaration, CDATA, character references and other entities, control
 * characters other than tab/CR/LF, non-ASCII bytes, duplicate attributes, mismatched end tags, text mixed with child
 * elements (other than whitespace; unless sca_xml_opts.mixed_ok), anything after the root, and documents beyond
 * the limits of sca_xml_opts. Namespaces are not interpreted (names are compared whole). */
#ifndef SCA_XML_SMALL_H
#define SCA_XML_SMALL_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"

/* The defaults of sca_xml_opts (a 0 field takes them). */
#define SCA_XML_DOC_MAX 65536
#define SCA_XML_ELEMENTS_MAX 256
#define SCA_XML_ATTRS_MAX 8
#define SCA_XML_DEPTH_MAX 6
/* Fixed bounds. */
#define SCA_XML_NAME_MAX 64
#define SCA_XML_ATTRS_LIMIT 16 /* the largest attrs_max */

typedef struct sca_xml_opts {
    const char *what;    /* names the document in messages ("the BM-SC's LTKMResponse") */
    const char *advice;  /* ends every SCA_E_PARSE message ("report it to the BM-SC's operator") */
    size_t doc_max;      /* bytes (SCA_XML_DOC_MAX); told in KiB */
    size_t elements_max; /* SCA_XML_ELEMENTS_MAX */
    int depth_max;       /* the root is depth 0 (SCA_XML_DEPTH_MAX) */
    size_t attrs_max;    /* per element, at most SCA_XML_ATTRS_LIMIT (SCA_XML_ATTRS_MAX) */
    int mixed_ok;        /* 1: text beside child elements is accepted; `text` is then the first such run */
    int strict_values;   /* 1: no tab in attribute values either (otherwise tab is their one control character) */
    size_t value_max;    /* the longest attribute value (0: no limit but the document's size) */
} sca_xml_opts;

typedef struct sca_xml_attr {
    char name[SCA_XML_NAME_MAX + 1];
    const char *value; /* NUL-terminated, decoded, in the document's arena */
} sca_xml_attr;

typedef struct sca_xml_elem {
    char name[SCA_XML_NAME_MAX + 1];
    int parent;        /* index, -1 for the root */
    int depth;         /* 0 for the root */
    size_t at;         /* the byte offset of its '<' (for messages) */
    size_t n_attrs;
    sca_xml_attr attrs[SCA_XML_ATTRS_LIMIT];
    const char *text;  /* decoded text content ("" when none or only whitespace around children) */
    size_t text_len;
} sca_xml_elem;

typedef struct sca_xml_doc {
    size_t n;
    sca_xml_elem *e;   /* e[0] is the root, then document order */
    char *arena;
    size_t cap;        /* of e */
} sca_xml_doc;

/* Parse `n` bytes under `opts` (NULL: the defaults, "the XML document"). Free with sca_xml_free (also after a
 * failure). */
sca_rc sca_xml_parse(const uint8_t *d, size_t n, const sca_xml_opts *opts, sca_xml_doc *doc, sca_error *err);
void sca_xml_free(sca_xml_doc *doc);
/* The value of attribute `name` of element `i`, or NULL. */
const char *sca_xml_attr_get(const sca_xml_doc *doc, size_t i, const char *name);
/* SCA_E_PARSE in the parser's own words: "<what> is malformed: <why> (at byte <at>); <advice>", for a reader's
 * checks of the content (`at`: an element's offset). */
sca_rc sca_xml_fail(const sca_xml_opts *opts, size_t at, const char *why, sca_error *err);

#endif
