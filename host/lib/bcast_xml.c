/* The small XML reader of bcast_xml.h: one pass, no recursion, every index checked against the length. */
#include "bcast_xml.h"

#include <stdlib.h>
#include <string.h>

typedef struct xp {
    const uint8_t *p;
    size_t n, i;
    const char *what;
    sca_error *err;
    sca_xml_doc *doc;
    size_t arena_used;
} xp;

static sca_rc xfail(xp *x, const char *why)
{
    return sca_error_set(x->err, SCA_E_PARSE, "%s is malformed: %s (at byte %zu); report it to the BM-SC's "
                         "operator", x->what, why, x->i);
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
            if ((u < 0x20 && !(ws_ok && ws(u)) && u != '\t') || u > 0x7E)
                return xfail(x, "a control character or a non-ASCII byte");
            x->i++;
        }
        *nonws += !ws((unsigned char)c);
        dst[l++] = c; /* decoding never grows: the arena (n + elements + 1) always has room */
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
        if (e->n_attrs >= SCA_XML_ATTRS_MAX)
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
        x->i++;
        e->n_attrs++;
    }
}

sca_rc sca_xml_parse(const uint8_t *d, size_t n, const char *what, sca_xml_doc *doc, sca_error *err)
{
    if (doc == NULL || (d == NULL && n > 0))
        return sca_error_set(err, SCA_E_INVALID_ARG, "XML parser: missing argument");
    memset(doc, 0, sizeof *doc);
    xp x = {.p = d, .n = n, .what = what != NULL ? what : "the XML document", .err = err, .doc = doc};
    if (n > SCA_XML_DOC_MAX)
        return xfail(&x, "the document is larger than 64 KiB");
    doc->e = calloc(SCA_XML_ELEMENTS_MAX, sizeof *doc->e);
    doc->arena = malloc(n + SCA_XML_ELEMENTS_MAX + 1);
    if (doc->e == NULL || doc->arena == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "XML parser: out of memory");
    sca_rc rc = xdecl(&x);
    skip_ws(&x);
    int cur = -1;              /* the open element */
    int closed_root = 0;
    size_t child_count[SCA_XML_DEPTH_MAX + 1] = {0};
    static const char empty_text[] = "";
    while (rc == SCA_OK && !closed_root) {
        if (cur >= 0) { /* content of `cur` up to the next markup */
            const char *t;
            size_t len, nonws;
            if ((rc = xtext(&x, '<', 1, &t, &len, &nonws)) != SCA_OK)
                break;
            sca_xml_elem *ce = &doc->e[cur];
            if (nonws > 0) {
                if (child_count[ce->depth] > 0 || ce->text_len > 0)
                    return xfail(&x, "text mixed with elements");
                ce->text = t;
                ce->text_len = len;
            }
        } else if (!at(&x, "<")) {
            return xfail(&x, "the root element expected");
        }
        if ((rc = no_markup_decl(&x)) != SCA_OK)
            break;
        if (at(&x, "</")) {
            if (cur < 0)
                return xfail(&x, "an end tag before the root element");
            x.i += 2;
            char name[SCA_XML_NAME_MAX + 1];
            if ((rc = xname(&x, name)) != SCA_OK)
                break;
            skip_ws(&x);
            if (strcmp(name, doc->e[cur].name) != 0 || !at(&x, ">"))
                return xfail(&x, "an end tag does not match its start tag");
            x.i++;
            if (doc->e[cur].text_len > 0 && child_count[doc->e[cur].depth] > 0)
                return xfail(&x, "text mixed with elements");
            cur = doc->e[cur].parent;
            closed_root = cur < 0;
            continue;
        }
        x.i++; /* '<' */
        if (doc->n >= SCA_XML_ELEMENTS_MAX)
            return xfail(&x, "too many elements");
        int depth = cur < 0 ? 0 : doc->e[cur].depth + 1;
        if (depth > SCA_XML_DEPTH_MAX)
            return xfail(&x, "elements nested too deeply");
        if (cur >= 0) {
            if (doc->e[cur].text_len > 0)
                return xfail(&x, "text mixed with elements");
            child_count[doc->e[cur].depth]++;
        }
        sca_xml_elem *e = &doc->e[doc->n];
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
