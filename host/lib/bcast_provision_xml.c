/* The provisioning XML (tools/bmsc-sim/README.md): request bodies, and the strict reading of the BM-SC's 200
 * answers, LTKMs included. */
#include "scagent/provision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "scagent/log.h"
#include "textbuf.h"
#include "xml_small.h"

const char *sca_bcast_kind_name(sca_bcast_kind kind)
{
    switch (kind) {
    case SCA_BCAST_REGISTER: return "register";
    case SCA_BCAST_SERVICE_REQUEST: return "service-request";
    case SCA_BCAST_TOKEN_PURCHASE: return "token-purchase";
    case SCA_BCAST_LTKM_REQUEST: return "ltkm-request";
    }
    return "?";
}

static const char *root_name(sca_bcast_kind kind, int response)
{
    switch (kind) {
    case SCA_BCAST_REGISTER: return response ? "RegistrationResponse" : "RegistrationRequest";
    case SCA_BCAST_SERVICE_REQUEST: return response ? "ServiceResponse" : "ServiceRequest";
    case SCA_BCAST_TOKEN_PURCHASE: return response ? "TokenPurchaseResponse" : "TokenPurchaseRequest";
    case SCA_BCAST_LTKM_REQUEST: return response ? "LTKMResponse" : "LTKMRequest";
    }
    return "?";
}

void sca_bcast_response_free(sca_bcast_response *r)
{
    if (r == NULL)
        return;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    for (size_t i = 0; i < r->n_ltkms; i++)
        free(r->ltkms[i].msg);
    r->n_ltkms = 0;
}

/* --- request bodies ------------------------------------------------------------------------------------- */

typedef struct sb {
    char *p;
    size_t len, cap;
    int nomem;
} sb;

static void put(sb *b, const char *s, size_t n)
{
    if (!b->nomem && !sca_textbuf_append(&b->p, &b->len, &b->cap, 512, s, n))
        b->nomem = 1;
}

static void puts_(sb *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Text or attribute value with the five special characters escaped. */
static void put_esc(sb *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&': puts_(b, "&amp;"); break;
        case '<': puts_(b, "&lt;"); break;
        case '>': puts_(b, "&gt;"); break;
        case '"': puts_(b, "&quot;"); break;
        case '\'': puts_(b, "&apos;"); break;
        default: put(b, s, 1);
        }
    }
}

static int printable(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
            return 0;
    return 1;
}

static void put_hex(sb *b, const uint8_t *d, size_t n)
{
    char h[3];
    for (size_t i = 0; i < n; i++) {
        snprintf(h, sizeof h, "%02X", d[i]);
        put(b, h, 2);
    }
}

sca_rc sca_bcast_request_body(const sca_bcast_request *req, const char *request_id, char **out, size_t *len,
                              sca_error *err)
{
    if (req == NULL || out == NULL || len == NULL || request_id == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "provisioning request: missing argument");
    *out = NULL;
    *len = 0;
    const char *kind = sca_bcast_kind_name(req->kind);
    if (!printable(request_id, SCA_BCAST_REQUEST_ID_MAX))
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: the request ID has 1..%d printable characters", kind,
                             SCA_BCAST_REQUEST_ID_MAX);
    int items = req->kind == SCA_BCAST_SERVICE_REQUEST || req->kind == SCA_BCAST_TOKEN_PURCHASE;
    if (req->n_ids > SCA_BCAST_IDS_MAX || req->n_msk_ids > SCA_BCAST_IDS_MAX || (req->n_ids > 0 && req->ids == NULL) ||
        (req->n_msk_ids > 0 && req->msk_ids == NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: at most %d IDs per request", kind, SCA_BCAST_IDS_MAX);
    if (items && req->n_ids == 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: give at least one purchase item (--service ID)", kind);
    if (req->kind == SCA_BCAST_LTKM_REQUEST && req->n_msk_ids == 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "ltkm-request: give at least one MSK ID (--msk-id HEX8)");
    if (req->kind != SCA_BCAST_LTKM_REQUEST && (req->n_msk_ids > 0 || req->key_domain != NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: MSK IDs and a Key Domain ID belong to an ltkm-request", kind);
    if (req->kind == SCA_BCAST_LTKM_REQUEST && req->n_ids > 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "ltkm-request: takes MSK IDs, not service IDs");
    for (size_t i = 0; i < req->n_ids; i++)
        if (req->ids[i] == NULL || !printable(req->ids[i], SCA_BCAST_ITEM_ID_MAX))
            return sca_error_set(err, SCA_E_INVALID_ARG, "%s: a service or purchase item ID has 1..%d printable "
                                 "ASCII characters", kind, SCA_BCAST_ITEM_ID_MAX);
    const char *addr = req->delivery_address != NULL ? req->delivery_address : "127.0.0.1";
    if (req->delivery_port != 0 && !printable(addr, 255))
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s: the LTKM delivery address is not printable text", kind);
    if (req->kind == SCA_BCAST_REGISTER && req->delivery_port != 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "register: no LTKMs are pushed after a Registration; --udp-port "
                             "belongs to the other requests");
    sb b = {0};
    puts_(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
    puts_(&b, root_name(req->kind, 0));
    puts_(&b, " requestID=\"");
    put_esc(&b, request_id);
    puts_(&b, "\">");
    if (req->kind == SCA_BCAST_REGISTER) {
        if (req->n_ids == 0)
            puts_(&b, "<ServiceID>" SCA_LTKM_ALL_SERVICES_URN "</ServiceID>");
        for (size_t i = 0; i < req->n_ids; i++) {
            puts_(&b, "<ServiceID>");
            put_esc(&b, req->ids[i]);
            puts_(&b, "</ServiceID>");
        }
    } else if (items) {
        for (size_t i = 0; i < req->n_ids; i++) {
            puts_(&b, "<PurchaseItem globalIDRef=\"");
            put_esc(&b, req->ids[i]);
            puts_(&b, "\"/>");
        }
    } else {
        if (req->key_domain != NULL) {
            puts_(&b, "<KeyDomainID>");
            put_hex(&b, req->key_domain, SCA_MIKEY_KEY_DOMAIN_LEN);
            puts_(&b, "</KeyDomainID>");
        }
        for (size_t i = 0; i < req->n_msk_ids; i++) {
            puts_(&b, "<MSKID>");
            put_hex(&b, req->msk_ids[i], SCA_MIKEY_MSK_ID_LEN);
            puts_(&b, "</MSKID>");
        }
    }
    if (req->delivery_port != 0) {
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned)req->delivery_port);
        puts_(&b, "<LTKMDelivery address=\"");
        put_esc(&b, addr);
        puts_(&b, "\" port=\"");
        puts_(&b, port);
        puts_(&b, "\"/>");
    }
    puts_(&b, "</");
    puts_(&b, root_name(req->kind, 0));
    puts_(&b, ">\n");
    if (b.nomem) {
        free(b.p);
        return sca_error_set(err, SCA_E_NO_MEMORY, "%s: out of memory", kind);
    }
    *out = b.p;
    *len = b.len;
    return SCA_OK;
}

/* --- 200 answers ---------------------------------------------------------------------------------------- */

static sca_rc rbad(sca_error *err, const char *root, const char *why)
{
    return sca_error_set(err, SCA_E_PARSE, "the BM-SC's %s is not as tools/bmsc-sim/README.md defines it: %s; "
                         "report it to the BM-SC's operator", root, why);
}

/* A status code: 1..9 decimal digits. */
static int status_code(const char *s, long *v)
{
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    if (n == 0 || n > 9)
        return 0;
    long acc = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        acc = acc * 10 + (s[i] - '0');
    }
    *v = acc;
    return 1;
}

/* Exactly 2*n hex digits (either case) into out. */
static int hex_exact(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (s == NULL || len != 2 * n)
        return 0;
    for (size_t i = 0; i < 2 * n; i++)
        if (sca_hex_digit((unsigned char)s[i]) < 0)
            return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)(sca_hex_digit((unsigned char)s[2 * i]) << 4 | sca_hex_digit((unsigned char)s[2 * i + 1]));
    return 1;
}

/* The text of an element without the whitespace around it. */
static void trimmed(const sca_xml_elem *e, const char **s, size_t *n)
{
    const char *p = e->text;
    size_t l = e->text_len;
    while (l > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++, l--;
    while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r' || p[l - 1] == '\n'))
        l--;
    *s = p;
    *n = l;
}

static sca_rc take_ltkm(const sca_xml_doc *doc, size_t i, const char *root, sca_bcast_response *out, sca_error *err)
{
    const sca_xml_elem *e = &doc->e[i];
    if (out->n_ltkms >= SCA_BCAST_LTKMS_MAX)
        return rbad(err, root, "more LTKM elements than this client takes");
    sca_bcast_ltkm *l = &out->ltkms[out->n_ltkms];
    const char *id = sca_xml_attr_get(doc, i, "mskID");
    if (id == NULL || !hex_exact(id, strlen(id), l->msk_id, SCA_MIKEY_MSK_ID_LEN))
        return rbad(err, root, "an LTKM element without an mskID of 8 hex digits");
    const char *t;
    size_t tn;
    trimmed(e, &t, &tn);
    if (tn == 0)
        return rbad(err, root, "an empty LTKM element");
    uint8_t *msg = NULL;
    size_t ml = 0;
    sca_error e2;
    if (sca_b64_decode(t, tn, SCA_BCAST_LTKM_MAX, &msg, &ml, &e2) != SCA_OK)
        return sca_error_set(err, SCA_E_PARSE, "the BM-SC's %s: the LTKM for MSK ID %s is not canonical Base64 of at "
                             "most %d bytes (%s)", root, id, SCA_BCAST_LTKM_MAX, e2.msg);
    sca_mikey_view view;
    sca_ltkm_info info;
    sca_rc rc = sca_mikey_parse(msg, ml, &view, &e2);
    if (rc == SCA_OK)
        rc = sca_ltkm_classify(&view, &info, &e2);
    if (rc != SCA_OK) {
        free(msg);
        return sca_error_set(err, SCA_E_PARSE, "the BM-SC's %s: the LTKM for MSK ID %s is not an LTKM: %s", root, id,
                             e2.msg);
    }
    if (memcmp(view.mbms.msk_id, l->msk_id, SCA_MIKEY_MSK_ID_LEN) != 0) {
        free(msg);
        return sca_error_set(err, SCA_E_PARSE, "the BM-SC's %s: the LTKM labelled MSK ID %s carries another MSK ID",
                             root, id);
    }
    l->msg = msg;
    l->len = ml;
    out->n_ltkms++;
    return SCA_OK;
}

static sca_rc take_item(const sca_xml_doc *doc, size_t i, sca_bcast_kind kind, const char *root,
                        sca_bcast_response *out, sca_error *err)
{
    if (out->n_items >= SCA_BCAST_IDS_MAX)
        return rbad(err, root, "more items than this client takes");
    sca_bcast_item *it = &out->items[out->n_items];
    const char *t;
    size_t tn;
    int purchase = kind == SCA_BCAST_SERVICE_REQUEST || kind == SCA_BCAST_TOKEN_PURCHASE;
    if (purchase) {
        t = sca_xml_attr_get(doc, i, "globalIDRef");
        tn = t != NULL ? strlen(t) : 0;
    } else {
        trimmed(&doc->e[i], &t, &tn);
    }
    if (t == NULL || tn == 0 || tn > SCA_BCAST_ITEM_ID_MAX)
        return rbad(err, root, purchase ? "a PurchaseItem without a globalIDRef" : "an item without its ID");
    if (kind == SCA_BCAST_LTKM_REQUEST) {
        uint8_t id[SCA_MIKEY_MSK_ID_LEN];
        if (!hex_exact(t, tn, id, sizeof id))
            return rbad(err, root, "an MSKID that is not 8 hex digits");
    }
    if (!status_code(sca_xml_attr_get(doc, i, purchase ? "itemwiseStatusCode" : "statusCode"), &it->status))
        return rbad(err, root, purchase ? "a PurchaseItem without a numeric itemwiseStatusCode"
                                        : "an item without a numeric statusCode");
    memcpy(it->id, t, tn);
    it->id[tn] = '\0';
    out->n_items++;
    return SCA_OK;
}

sca_rc sca_bcast_parse_response(sca_bcast_kind kind, const uint8_t *body, size_t n, const char *request_id,
                                sca_bcast_response *out, sca_error *err)
{
    if (out == NULL || (body == NULL && n > 0) || kind > SCA_BCAST_LTKM_REQUEST)
        return sca_error_set(err, SCA_E_INVALID_ARG, "provisioning answer parser: missing argument");
    for (size_t i = 0; i < out->n_ltkms; i++)
        free(out->ltkms[i].msg);
    out->n_ltkms = out->n_items = 0;
    out->global_status = -1;
    out->request_id[0] = '\0';
    const char *root = root_name(kind, 1);
    char what[64];
    snprintf(what, sizeof what, "the BM-SC's %s", root);
    const sca_xml_opts xo = {.what = what, .advice = "report it to the BM-SC's operator"};
    sca_xml_doc doc;
    sca_rc rc = sca_xml_parse(body, n, &xo, &doc, err);
    if (rc == SCA_OK && strcmp(doc.e[0].name, root) != 0)
        rc = rbad(err, root, "the root element is another one (an answer to another request?)");
    const char *rid = rc == SCA_OK ? sca_xml_attr_get(&doc, 0, "requestID") : NULL;
    if (rc == SCA_OK && (rid == NULL || !printable(rid, SCA_BCAST_REQUEST_ID_MAX)))
        rc = rbad(err, root, "no requestID (1..64 printable characters)");
    if (rc == SCA_OK && request_id != NULL && strcmp(rid, request_id) != 0)
        rc = rbad(err, root, "its requestID is not the one sent");
    if (rc == SCA_OK && !status_code(sca_xml_attr_get(&doc, 0, "globalStatusCode"), &out->global_status))
        rc = rbad(err, root, "no numeric globalStatusCode");
    if (rc == SCA_OK)
        memcpy(out->request_id, rid, strlen(rid) + 1);
    const char *item = kind == SCA_BCAST_REGISTER ? "ServiceID" : kind == SCA_BCAST_LTKM_REQUEST ? "MSKID"
                                                                                                 : "PurchaseItem";
    for (size_t i = 1; rc == SCA_OK && i < doc.n; i++) {
        const sca_xml_elem *e = &doc.e[i];
        int is_item = strcmp(e->name, item) == 0;
        int is_ltkm = kind == SCA_BCAST_LTKM_REQUEST && strcmp(e->name, "LTKM") == 0;
        if (!is_item && !is_ltkm)
            continue; /* unknown elements are ignored (README: forward compatible) */
        if (e->depth != 1)
            rc = rbad(err, root, "an item or LTKM element elsewhere than directly under the root");
        else
            rc = is_ltkm ? take_ltkm(&doc, i, root, out, err) : take_item(&doc, i, kind, root, out, err);
    }
    sca_xml_free(&doc);
    if (rc != SCA_OK) {
        for (size_t i = 0; i < out->n_ltkms; i++)
            free(out->ltkms[i].msg);
        out->n_ltkms = out->n_items = 0;
        out->global_status = -1;
        out->request_id[0] = '\0';
    }
    return rc;
}
