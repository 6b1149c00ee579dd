/* The small XML reader of xml_small.h: one pass, no recursion, every index checked against the length. */
#include "xml_small.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xp {
    const uint8_t *p;
    size_t n, i;
    sca_xml_opts o; /* the limits resolved */
    sca_error *err;
    sca_xml_doc *doc;
    size_t arena_used;
} xp;

sca_rc sca_xml_fail(const sca_xml_opts *opts, size_t at, const char *why, sca_error *err)
{
    const char *what = opts != NULL && opts->what != NULL ? opts->what : "the XML document";
    const char *advice = opts != NULL && opts->advice != NULL ? opts->advice : "report it to its sender";
    return sca_error_set(err, SCA_E_PARSE, "%s is malformed: %s (at byte %zu); %s", what, why, at, advice);
}

static sca_rc xfail(xp *x, const char *why)
{
    return sca_xml_fail(&x->o, x->i, why, x->err);
}

static int ws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws(xp *x)
{
    while (x->i < x->n && ws(x->p[x->i]))
        x->i++;
}

static int at(const xp *x, const char *s)
{
    size_t l = strlen(s);
    return x->n - x->i >= l && memcmp(x->p + x->i, s, l) == 0;
}

static int name_char(int c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':')
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static sca_rc xname(xp *x, char out[SCA_XML_NAME_MAX + 1])
{
    size_t len = 0;
    while (x->i < x->n && name_char(x->p[x->i], len == 0)) {
        if (len >= SCA_XML_NAME_MAX)
            return xfail(x, "a name is too long");
        out[len++] = (char)x->p[x->i++];
    }
    out[len] = '\0';
    return len > 0 ? SCA_OK : xfail(x, "a name was expected");
}

/* Text up to `stop` decoded into the arena; *out points at it (NUL-terminated). *nonws: non-whitespace count. */
static sca_rc xtext(xp *x, char stop, int ws_ok, const char **out, size_t *len, size_t *nonws)
{
    static const struct {
        const char *ref;
        char c;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    char *dst = x->doc->arena + x->arena_used;
    size_t l = 0;
    *nonws = 0;
    while (x->i < x->n && x->p[x->i] != stop) {
        unsigned char u = x->p[x->i];
        char c = (char)u;
        if (u == '&') {
            size_t k = 0;
            while (k < sizeof ents / sizeof *ents && !at(x, ents[k].ref))
                k++;
            if (k == sizeof ents / sizeof *ents)
                return xfail(x, "a reference other than &lt; &gt; &amp; &quot; &apos;");
            x->i += strlen(ents[k].ref);
            c = ents[k].c;
        } else {
            if (u == '<')
                return xfail(x, "'<' inside an attribute value");
            if ((u < 0x20 && !(ws_ok && ws(u)) && !(u == '\t' && !x->o.strict_values)) || u > 0x7E)
                return xfail(x, "a control character or a non-ASCII byte");
            x->i++;
        }
        *nonws += !ws((unsigned char)c);
        dst[l++] = c; /* decoding never grows, and each NUL is paid for by the quote or the '>' before the text: the
                       * arena (n + SCA_XML_ELEMENTS_MAX + 1) always has room */
    }
    if (x->i >= x->n)
        return xfail(x, "the document ends inside text");
    dst[l] = '\0';
    x->arena_used += l + 1;
    *out = dst;
    *len = l;
    return SCA_OK;
}

static sca_rc no_markup_decl(xp *x)
{
    if (at(x, "<!"))
        return xfail(x, "a DOCTYPE, comment or CDATA section (not accepted)");
    if (at(x, "<?"))
        return xfail(x, "a processing instruction (not accepted)");
    return SCA_OK;
}

static sca_rc xdecl(xp *x)
{
    if (!at(x, "<?xml") || x->n - x->i < 6 || !ws(x->p[x->i + 5]))
        return SCA_OK;
    for (size_t j = x->i + 6; j + 1 < x->n; j++) {
        if (x->p[j] == '?' && x->p[j + 1] == '>') {
            x->i = j + 2;
            return SCA_OK;
        }
        if ((x->p[j] < 0x20 && !ws(x->p[j])) || x->p[j] > 0x7E)
            return xfail(x, "a control character or a non-ASCII byte in the XML declaration");
    }
    return xfail(x, "an unterminated XML declaration");
}

/* A start tag after '<' and its name; returns in *empty whether it ended with "/>". */
static sca_rc xattrs(xp *x, sca_xml_elem *e, int *empty)
{
    for (;;) {
        size_t before = x->i;
        skip_ws(x);
        if (at(x, "/>") || at(x, ">")) {
            *empty = x->p[x->i] == '/';
            x->i += *empty ? 2 : 1;
            return SCA_OK;
        }
        if (x->i == before)
            return xfail(x, x->i < x->n ? "a space, '>' or '/>' expected in a tag" : "the document ends in a tag");
        if (e->n_attrs >= x->o.attrs_max)
            return xfail(x, "too many attributes");
        sca_xml_attr *a = &e->attrs[e->n_attrs];
        sca_rc rc = xname(x, a->name);
        if (rc != SCA_OK)
            return rc;
        for (size_t k = 0; k < e->n_attrs; k++)
            if (strcmp(e->attrs[k].name, a->name) == 0)
                return xfail(x, "an attribute appears twice");
        skip_ws(x);
        if (!at(x, "="))
            return xfail(x, "'=' expected after an attribute name");
        x->i++;
        skip_ws(x);
        if (!at(x, "\"") && !at(x, "'"))
            return xfail(x, "a quoted attribute value expected");
        char q = (char)x->p[x->i++];
        size_t len, nonws;
        if ((rc = xtext(x, q, 0, &a->value, &len, &nonws)) != SCA_OK)
            return rc;
        if (x->o.value_max > 0 && len > x->o.value_max)
            return xfail(x, "a value is longer than this client accepts");
        x->i++;
        e->n_attrs++;
    }
}

/* Room for one more element (the list grows as the document has them). */
static int grow(sca_xml_doc *doc)
{
    if (doc->n < doc->cap)
        return 1;
    size_t cap = doc->cap ? 2 * doc->cap : 16;
    sca_xml_elem *e = realloc(doc->e, cap * sizeof *e);
    if (e == NULL)
        return 0;
    memset(e + doc->cap, 0, (cap - doc->cap) * sizeof *e);
    doc->e = e;
    doc->cap = cap;
    return 1;
}

sca_rc sca_xml_parse(const uint8_t *d, size_t n, const sca_xml_opts *opts, sca_xml_doc *doc, sca_error *err)
{
    if (doc == NULL || (d == NULL && n > 0))
        return sca_error_set(err, SCA_E_INVALID_ARG, "XML parser: missing argument");
    memset(doc, 0, sizeof *doc);
    xp x = {.p = d, .n = n, .err = err, .doc = doc};
    if (opts != NULL)
        x.o = *opts;
    x.o.doc_max = x.o.doc_max ? x.o.doc_max : SCA_XML_DOC_MAX;
    x.o.elements_max = x.o.elements_max ? x.o.elements_max : SCA_XML_ELEMENTS_MAX;
    x.o.depth_max = x.o.depth_max > 0 ? x.o.depth_max : SCA_XML_DEPTH_MAX;
    x.o.attrs_max = x.o.attrs_max == 0 ? SCA_XML_ATTRS_MAX
                  : x.o.attrs_max > SCA_XML_ATTRS_LIMIT ? SCA_XML_ATTRS_LIMIT : x.o.attrs_max;
    if (n > x.o.doc_max) {
        char why[64];
        snprintf(why, sizeof why, "the document is larger than %zu KiB", x.o.doc_max / 1024);
        return xfail(&x, why);
    }
    doc->arena = malloc(n + SCA_XML_ELEMENTS_MAX + 1); /* decoding never grows: see xtext */
    size_t *child_count = calloc((size_t)x.o.depth_max + 1, sizeof *child_count);
    sca_rc rc = doc->arena != NULL && child_count != NULL ? xdecl(&x)
                : sca_error_set(err, SCA_E_NO_MEMORY, "XML parser: out of memory");
    skip_ws(&x);
    int cur = -1;              /* the open element */
    int closed_root = 0;
    static const char empty_text[] = "";
    while (rc == SCA_OK && !closed_root) {
        if (cur >= 0) { /* content of `cur` up to the next markup */
            const char *t;
            size_t len, nonws;
            if ((rc = xtext(&x, '<', 1, &t, &len, &nonws)) != SCA_OK)
                break;
            sca_xml_elem *ce = &doc->e[cur];
            if (nonws > 0 && !x.o.mixed_ok && (child_count[ce->depth] > 0 || ce->text_len > 0)) {
                rc = xfail(&x, "text mixed with elements");
                break;
            }
            if (nonws > 0 && ce->text_len == 0) {
                ce->text = t;
                ce->text_len = len;
            }
        } else if (!at(&x, "<")) {
            rc = xfail(&x, "the root element expected");
            break;
        }
        if ((rc = no_markup_decl(&x)) != SCA_OK)
            break;
        if (at(&x, "</")) {
            if (cur < 0) {
                rc = xfail(&x, "an end tag before the root element");
                break;
            }
            x.i += 2;
            char name[SCA_XML_NAME_MAX + 1];
            if ((rc = xname(&x, name)) != SCA_OK)
                break;
            skip_ws(&x);
            if (strcmp(name, doc->e[cur].name) != 0 || !at(&x, ">")) {
                rc = xfail(&x, "an end tag does not match its start tag");
                break;
            }
            x.i++;
            if (!x.o.mixed_ok && doc->e[cur].text_len > 0 && child_count[doc->e[cur].depth] > 0) {
                rc = xfail(&x, "text mixed with elements");
                break;
            }
            cur = doc->e[cur].parent;
            closed_root = cur < 0;
            continue;
        }
        size_t lt = x.i++; /* '<' */
        if (doc->n >= x.o.elements_max) {
            rc = xfail(&x, "too many elements");
            break;
        }
        int depth = cur < 0 ? 0 : doc->e[cur].depth + 1;
        if (depth > x.o.depth_max) {
            rc = xfail(&x, "elements nested too deeply");
            break;
        }
        if (cur >= 0) {
            if (!x.o.mixed_ok && doc->e[cur].text_len > 0) {
                rc = xfail(&x, "text mixed with elements");
                break;
            }
            child_count[doc->e[cur].depth]++;
        }
        if (!grow(doc)) {
            rc = sca_error_set(err, SCA_E_NO_MEMORY, "XML parser: out of memory");
            break;
        }
        sca_xml_elem *e = &doc->e[doc->n];
        e->at = lt;
        e->parent = cur;
        e->depth = depth;
        e->text = empty_text;
        if ((rc = xname(&x, e->name)) != SCA_OK)
            break;
        int empty = 0;
        if ((rc = xattrs(&x, e, &empty)) != SCA_OK)
            break;
        int idx = (int)doc->n++;
        child_count[depth] = 0;
        if (empty)
            closed_root = cur < 0;
        else
            cur = idx;
    }
    free(child_count);
    if (rc != SCA_OK)
        return rc;
    skip_ws(&x);
    if (x.i != x.n)
        return xfail(&x, "something after the end of the root element");
    return SCA_OK;
}

void sca_xml_free(sca_xml_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->e);
    free(doc->arena);
    memset(doc, 0, sizeof *doc);
}

const char *sca_xml_attr_get(const sca_xml_doc *doc, size_t i, const char *name)
{
    if (doc == NULL || i >= doc->n)
        return NULL;
    for (size_t k = 0; k < doc->e[i].n_attrs; k++)
        if (strcmp(doc->e[i].attrs[k].name, name) == 0)
            return doc->e[i].attrs[k].value;
    return NULL;
}
