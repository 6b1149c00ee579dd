/* The GBA Ub client (TS 24.109 §4 / Annex A, RFC 3310 HTTP Digest AKA) on the libcurl easy API.
 *
 * The exchange is bounded by construction: request 1 (username only), at most one synchronisation-failure
 * round (auts=, then a fresh challenge), and one answer with RES; so at most 3 requests whatever the BSF does.
 * Redirects are not followed. The BSF must prove it knows RES (rspauth in Authentication-Info) before its
 * B-TID is believed. The protocol core (sca_gba_ub_run) takes AUTHENTICATE as a callback, so it runs against the
 * BSF simulator with a software card in tests/gba; sca_gba_ub_bootstrap wires it to the card. */
#include "scagent/gba.h"
#include "scagent/usim.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64.h"
#include "gba_ub_int.h"
#include "http_digest.h"
#include "sca_contract.h"
#include "http_exchange.h"
#include "http_init.h"
#include "scagent/log.h"
#include "xml_small.h"

#define DEFAULT_TIMEOUT_MS 10000L
#define NONCE_MAX_BYTES 192 /* RAND || AUTN || server data (RFC 3310 §3.2); ours is 32 */
#define AUTH_HEADER_MAX 8192

/* ======================================================================================================
 * BootstrappingInfo (TS 24.109 Annex C): a deliberately small XML subset, see gba_ub_int.h
 * ====================================================================================================== */

/* The reader (xml_small.h) as this client has always read the document: an Extension may hold anything, mixed
 * content included (it is skipped); up to 8 levels and 16 attributes per element; attribute values of at most
 * SCA_DIGEST_VALUE_MAX characters without any control character. BootstrappingInfo itself is checked below. */
static const sca_xml_opts info_xml = {
    .what = "the BSF's BootstrappingInfo",
    .advice = "it is not the TS 24.109 Annex C document, report it to the BSF's operator",
    .doc_max = SCA_GBA_UB_BODY_MAX,
    .elements_max = SCA_GBA_UB_BODY_MAX / 4, /* "<a/>": no element limit below the size limit */
    .depth_max = 8,
    .attrs_max = 16,
    .mixed_ok = 1,
    .strict_values = 1,
    .value_max = SCA_DIGEST_VALUE_MAX,
};

static sca_rc xfail(const sca_xml_elem *e, const char *why, sca_error *err)
{
    return sca_xml_fail(&info_xml, e->at, why, err);
}

/* The root: [prefix:]BootstrappingInfo in uri:3gpp-gba. `prefix` receives "" or "p:". */
static sca_rc xroot(const sca_xml_doc *doc, char prefix[SCA_XML_NAME_MAX + 2], sca_error *err)
{
    const sca_xml_elem *r = &doc->e[0];
    const char *colon = strchr(r->name, ':');
    size_t plen = colon != NULL ? (size_t)(colon - r->name) : 0;
    if (strcmp(colon != NULL ? colon + 1 : r->name, "BootstrappingInfo") != 0)
        return xfail(r, "the root element is not BootstrappingInfo", err);
    if (doc->n == 1)
        return xfail(r, "BootstrappingInfo is empty (no btid, no lifetime)", err);
    char decl[SCA_XML_NAME_MAX + 8];
    snprintf(decl, sizeof decl, "xmlns%s%.*s", plen > 0 ? ":" : "", (int)plen, r->name);
    const char *ns = sca_xml_attr_get(doc, 0, decl);
    if (ns == NULL || strcmp(ns, SCA_GBA_UB_NS) != 0)
        return xfail(r, "BootstrappingInfo is not in the namespace uri:3gpp-gba", err);
    if (r->text_len > 0)
        return xfail(r, "text directly inside BootstrappingInfo", err);
    memcpy(prefix, r->name, plen + (plen > 0));
    prefix[plen + (plen > 0)] = '\0';
    return SCA_OK;
}

/* A simple-content child (btid, lifetime): no attributes, no children, printable text. */
static sca_rc xleaf(const sca_xml_doc *doc, size_t i, char *out, size_t max, sca_error *err)
{
    const sca_xml_elem *e = &doc->e[i];
    if (e->n_attrs > 0)
        return xfail(e, "btid and lifetime take no attributes and may not be empty", err);
    if (i + 1 < doc->n && doc->e[i + 1].parent == (int)i)
        return xfail(&doc->e[i + 1], "btid and lifetime hold text only", err);
    if (e->text_len == 0)
        return xfail(e, "an empty btid or lifetime", err);
    if (e->text_len > max)
        return xfail(e, "a value is longer than this client accepts", err);
    for (size_t k = 0; k < e->text_len; k++)
        if ((unsigned char)e->text[k] < 0x20)
            return xfail(e, "a control character or a non-ASCII byte", err);
    memcpy(out, e->text, e->text_len + 1);
    return SCA_OK;
}

/* The children of the root (the Extension's content is not looked at). */
static sca_rc xchildren(const sca_xml_doc *doc, const char *prefix, char *btid, char *lifetime, sca_error *err)
{
    unsigned seen = 0; /* 1 btid, 2 lifetime, 4 Extension */
    size_t pl = strlen(prefix);
    for (size_t i = 1; i < doc->n; i++) {
        const sca_xml_elem *e = &doc->e[i];
        if (e->parent != 0)
            continue;
        if (strncmp(e->name, prefix, pl) != 0 || strchr(e->name + pl, ':') != NULL)
            return xfail(e, "a child element outside the namespace uri:3gpp-gba", err);
        const char *local = e->name + pl;
        unsigned bit = strcmp(local, "btid") == 0 ? 1u : strcmp(local, "lifetime") == 0 ? 2u
                     : strcmp(local, "Extension") == 0 ? 4u : 0u;
        if (bit == 0)
            return xfail(e, "an element BootstrappingInfo does not have", err);
        if (seen & bit)
            return xfail(e, "btid, lifetime or Extension appears twice", err);
        seen |= bit;
        sca_rc rc = bit == 1 ? xleaf(doc, i, btid, SCA_GBA_BTID_MAX, err)
                  : bit == 2 ? xleaf(doc, i, lifetime, SCA_GBA_LIFETIME_MAX, err) : SCA_OK;
        if (rc != SCA_OK)
            return rc;
    }
    if ((seen & 3u) != 3u)
        return xfail(&doc->e[0], (seen & 1u) ? "no lifetime element" : "no btid element", err);
    return SCA_OK;
}

sca_rc sca_gba_ub_parse_info(const uint8_t *body, size_t n, char btid[SCA_GBA_BTID_MAX + 1],
                             char lifetime[SCA_GBA_LIFETIME_MAX + 1], sca_error *err)
{
    if ((body == NULL && n > 0) || btid == NULL || lifetime == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "BootstrappingInfo parser: missing argument");
    char b[SCA_GBA_BTID_MAX + 1] = "", l[SCA_GBA_LIFETIME_MAX + 1] = "", prefix[SCA_XML_NAME_MAX + 2];
    sca_xml_doc doc;
    sca_rc rc = sca_xml_parse(body, n, &info_xml, &doc, err);
    if (rc == SCA_OK)
        rc = xroot(&doc, prefix, err);
    if (rc == SCA_OK)
        rc = xchildren(&doc, prefix, b, l, err);
    sca_xml_free(&doc);
    if (rc == SCA_OK) {
        memcpy(btid, b, sizeof b);
        memcpy(lifetime, l, sizeof l);
    }
    return rc;
}


/* ======================================================================================================
 * The Ub protocol: one HTTP handle for the whole run (http_exchange.h)
 * ====================================================================================================== */

typedef struct ub {
    const sca_gba_ub_opts *o;
    sca_http x;
    sca_gba_ub_result *out;
    sca_digest_client dc; /* of the last answer; ha1 wiped at the end */
} ub;

typedef struct challenge {
    sca_digest_params d;
    uint8_t rand[SCA_GBA_RAND_LEN], autn[SCA_GBA_AUTN_LEN];
} challenge;

/* One GET with the given Authorization header line. */
static sca_rc get(ub *u, const char *authorization, const char *what, sca_error *err)
{
    u->out->http_requests++;
    return sca_http_perform(&u->x, authorization, what, err);
}

/* What a status other than the expected one means, as an error. */
static sca_rc unexpected(ub *u, const char *what, sca_error *err)
{
    if (u->x.status == 403)
        return sca_error_set(err, SCA_E_DENIED, "GBA bootstrapping: the BSF refused %s (HTTP 403): it does not know "
                             "the IMPI %.128s; check the card's IMPI (or --impi) and that the subscriber is "
                             "provisioned at the BSF", what, u->o->impi);
    return sca_http_unexpected(&u->x, what, err);
}

/* The 401 challenge: exactly one Digest AKAv1-MD5 challenge offering qop=auth-int, nonce = RAND || AUTN || ... */
static sca_rc take_challenge(ub *u, const char *what, challenge *ch, sca_error *err)
{
    if (u->x.status != 401 || u->x.www_count == 0)
        return unexpected(u, what, err);
    memset(ch, 0, sizeof *ch);
    sca_rc rc = sca_http_challenge(&u->x, what, "AKAv1-MD5", 1, "TS 24.109 (RFC 3310)", &ch->d, err);
    if (rc != SCA_OK)
        return rc;
    const sca_digest_params *d = &ch->d;
    uint8_t *nb = NULL;
    size_t nlen = 0;
    rc = sca_b64_decode(d->nonce, strlen(d->nonce), NONCE_MAX_BYTES, &nb, &nlen, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "GBA bootstrapping: the BSF's nonce is not Base64 (RFC 3310 §3.2)");
    if (nlen >= SCA_GBA_RAND_LEN + SCA_GBA_AUTN_LEN) {
        memcpy(ch->rand, nb, SCA_GBA_RAND_LEN);
        memcpy(ch->autn, nb + SCA_GBA_RAND_LEN, SCA_GBA_AUTN_LEN);
    }
    free(nb);
    if (nlen < SCA_GBA_RAND_LEN + SCA_GBA_AUTN_LEN)
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping: the BSF's nonce holds %zu bytes, fewer than "
                             "RAND and AUTN (32); it is not an AKA challenge", nlen);
    return SCA_OK;
}

/* Request 1 (TS 24.109 A.3 step 1): the IMPI, everything else empty. */
static sca_rc send_first(ub *u, sca_error *err)
{
    char h[AUTH_HEADER_MAX];
    size_t n = 0;
    int ok = sca_digest_put_raw(h, sizeof h, &n, "Authorization: Digest username=") &&
             sca_digest_put_quoted(h, sizeof h, &n, u->o->impi) && sca_digest_put_raw(h, sizeof h, &n, ", realm=") &&
             sca_digest_put_quoted(h, sizeof h, &n, u->x.host) &&
             sca_digest_put_raw(h, sizeof h, &n, ", nonce=\"\", uri=") &&
             sca_digest_put_quoted(h, sizeof h, &n, u->x.uri) && sca_digest_put_raw(h, sizeof h, &n, ", response=\"\"");
    if (!ok)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: the Authorization header would be too long");
    return get(u, h, "the first request (the IMPI)", err);
}

/* The Digest answer to `ch` with `password` (RES, or empty with AUTS). Keeps HA1 for rspauth. */
static sca_rc send_answer(ub *u, const challenge *ch, const uint8_t *password, size_t pw_len, const char *auts_b64,
                          sca_error *err)
{
    sca_digest_request q = {.username = u->o->impi, .password = password, .password_len = pw_len, .method = "GET",
                            .uri = u->x.uri, .algorithm = "AKAv1-MD5", .auts = auts_b64};
    char h[AUTH_HEADER_MAX];
    sca_rc rc = sca_digest_authorization(&u->dc, &ch->d, &q, "GBA bootstrapping", h, sizeof h, err);
    if (rc != SCA_OK)
        return rc;
    return get(u, h, auts_b64 != NULL ? "the synchronisation failure report (AUTS)" : "the answer with RES", err);
}

/* The 200: rspauth first (nothing in the body is believed before: Authentication-Info proves the BSF knows RES,
 * i.e. is the network the card authenticated; required), then the type, then the document. */
static sca_rc take_bootstrap(ub *u, const challenge *ch, sca_error *err)
{
    if (u->x.status == 401 && u->x.www_count > 0)
        return sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: the BSF did not accept the card's RES (401 "
                             "with a fresh challenge); the card and the BSF disagree on the subscriber's key, or the "
                             "IMPI %.128s belongs to another card", u->o->impi);
    if (u->x.status != 200)
        return unexpected(u, "the answer with RES", err);
    sca_rc rc = sca_http_check_rspauth(&u->x, &u->dc, ch->d.nonce, "the BSF did not prove it knows RES",
                                       "do not trust this B-TID", err);
    if (rc != SCA_OK)
        return rc;
    const char *ct = u->x.ctype;
    size_t tl = strlen(SCA_GBA_UB_CONTENT_TYPE);
    if (strncasecmp(ct, SCA_GBA_UB_CONTENT_TYPE, tl) != 0 ||
        (ct[tl] != '\0' && ct[tl] != ';' && ct[tl] != ' ' && ct[tl] != '\t'))
        return sca_error_set(err, SCA_E_PARSE, "GBA bootstrapping: the BSF's answer is '%.60s', not %s; check that "
                             "%s is a BSF", ct[0] ? ct : "(no Content-Type)", SCA_GBA_UB_CONTENT_TYPE, u->o->url);
    rc = sca_gba_ub_parse_info((const uint8_t *)u->x.body, u->x.len, u->out->btid, u->out->lifetime, err);
    if (rc == SCA_OK)
        memcpy(u->out->rand, ch->rand, SCA_GBA_RAND_LEN);
    return rc;
}

/* AUTS as the auts= value. */
static sca_rc report_sync_failure(ub *u, const challenge *ch, const sca_gba_auth *a, sca_error *err)
{
    char *b64 = NULL;
    sca_rc rc = sca_b64_encode(a->auts, SCA_GBA_AUTS_LEN, &b64, err);
    if (rc == SCA_OK)
        rc = send_answer(u, ch, NULL, 0, b64, err);
    free(b64);
    return rc;
}

static sca_rc card_answer(sca_gba_ub_auth_fn auth, void *ctx, const challenge *ch, sca_gba_auth *a,
                          sca_error *err)
{
    memset(a, 0, sizeof *a);
    sca_rc rc = auth(ctx, ch->rand, ch->autn, a, err);
    if (rc == SCA_E_AUTH_FAILED)
        return sca_error_prefix(err, "GBA bootstrapping: the card refused the BSF's AUTN, so this is not your "
                                "operator's GBA_U BSF; check the BSF URL");
    if (rc != SCA_OK)
        return sca_error_prefix(err, "GBA bootstrapping: AUTHENTICATE on the card failed");
    if (!a->sync_failure && (a->res_len < 4 || a->res_len > SCA_GBA_RES_MAX))
        return sca_error_set(err, SCA_E_PROTOCOL, "GBA bootstrapping: the card's RES is %zu bytes (4..16 expected)",
                             a->res_len);
    return SCA_OK;
}

/* Challenge → card → answer, with at most one resynchronisation round (RFC 3310 §3.4, TS 24.109 A.4). */
static sca_rc exchange(ub *u, sca_gba_ub_auth_fn auth, void *ctx, sca_error *err)
{
    challenge ch;
    sca_gba_auth a;
    sca_rc rc = send_first(u, err);
    if (rc == SCA_OK)
        rc = take_challenge(u, "the first request", &ch, err);
    while (rc == SCA_OK) {
        if ((rc = card_answer(auth, ctx, &ch, &a, err)) != SCA_OK)
            break;
        if (!a.sync_failure) {
            rc = send_answer(u, &ch, a.res, a.res_len, NULL, err);
            if (rc == SCA_OK)
                rc = take_bootstrap(u, &ch, err);
            break;
        }
        if (u->out->resynchronised) {
            rc = sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: the card reported a synchronisation "
                               "failure again after the BSF resynchronised; the BSF does not honour AUTS, report "
                               "it to the operator");
            break;
        }
        sca_log(SCA_LOG_INFO, "gba ub: the card's SQN is ahead of the BSF's: sending AUTS");
        rc = report_sync_failure(u, &ch, &a, err);
        if (rc == SCA_OK && u->x.status == 200)
            rc = sca_error_set(err, SCA_E_AUTH_FAILED, "GBA bootstrapping: the BSF answered the AUTS report with "
                               "200; an AUTS never bootstraps (RFC 3310 §3.4), this BSF is broken");
        if (rc == SCA_OK)
            rc = take_challenge(u, "the synchronisation failure report (AUTS)", &ch, err);
        u->out->resynchronised = rc == SCA_OK;
    }
    OPENSSL_cleanse(&a, sizeof a);
    return rc;
}

static sca_rc check_opts(const sca_gba_ub_opts *o, sca_error *err)
{
    if (o == NULL || o->url == NULL || o->url[0] == '\0')
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: no BSF URL given");
    if (o->impi == NULL || o->impi[0] == '\0' || strlen(o->impi) > SCA_GBA_IMPI_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: no IMPI, or one longer than %d characters",
                             SCA_GBA_IMPI_MAX);
    for (const char *p = o->impi; *p != '\0'; p++)
        if (*p < 0x21 || *p > 0x7E)
            return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: the IMPI '%.128s' has a character "
                                 "other than printable ASCII; check the card's personalization", o->impi);
    if (o->timeout_ms < 0)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: negative timeout");
    return SCA_OK;
}

sca_rc sca_gba_ub_run(const sca_gba_ub_opts *opts, sca_gba_ub_auth_fn auth, void *ctx, sca_gba_ub_result *out,
                      sca_error *err)
{
    if (out == NULL || auth == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: no result structure or AUTHENTICATE");
    memset(out, 0, sizeof *out);
    sca_rc rc = check_opts(opts, err);
    if (rc == SCA_OK)
        rc = sca_http_init("GBA bootstrapping", err);
    if (rc != SCA_OK)
        return rc;
    ub u = {.o = opts, .out = out};
    const sca_http_opts ho = {
        .who = "GBA bootstrapping", .log_who = "gba ub", .peer = "BSF", .url = opts->url,
        .url_hint = "the BSF's URL, e.g. http://bsf.example.org:8080/", .cafile = opts->cafile,
        .timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS, .body_max = SCA_GBA_UB_BODY_MAX,
    };
    rc = sca_http_open(&u.x, &ho, err);
    if (rc == SCA_OK)
        rc = exchange(&u, auth, ctx, err);
    sca_http_close(&u.x);
    OPENSSL_cleanse(u.dc.ha1, sizeof u.dc.ha1);
    if (rc != SCA_OK) { /* no B-TID on failure; the request count stays for the diagnosis */
        int requests = out->http_requests;
        memset(out, 0, sizeof *out);
        out->http_requests = requests;
    } else {
        sca_log(SCA_LOG_INFO, "gba ub: bootstrapped, B-TID %s, lifetime %s%s", out->btid, out->lifetime,
                out->resynchronised ? " (after a resynchronisation)" : "");
    }
    return rc;
}

/* ======================================================================================================
 * With the card
 * ====================================================================================================== */

static sca_rc card_auth(void *ctx, const uint8_t rand[SCA_GBA_RAND_LEN], const uint8_t autn[SCA_GBA_AUTN_LEN],
                        sca_gba_auth *out, sca_error *err)
{
    return sca_gba_authenticate(ctx, rand, autn, out, err);
}

sca_rc sca_gba_ub_bootstrap(sca_card *c, const sca_gba_ub_opts *opts, sca_gba_ub_result *out, sca_error *err)
{
    if (c == NULL || opts == NULL || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "GBA bootstrapping: missing card, options or result");
    memset(out, 0, sizeof *out);
    sca_gba_ub_opts o = *opts;
    char impi[SCA_GBA_IMPI_MAX + 1];
    if (o.impi == NULL) {
        sca_rc rc = sca_gba_impi(c, impi, sizeof impi, err);
        if (rc != SCA_OK)
            return sca_error_prefix(err, "GBA bootstrapping: reading the card's IMPI (give one with the options, "
                                    "or have the issuer personalize it)");
        o.impi = impi;
    }
    sca_rc rc = sca_gba_ub_run(&o, card_auth, c, out, err);
    if (rc != SCA_OK)
        return rc;
    if (sca_card_capabilities(c) & SCA_CAP_MBMS_GBA_U)
        rc = sca_gba_bp_write(c, out->btid, out->lifetime, err);
    else /* a USIM serving GBA itself: the ME writes its EF_GBABP (TS 31.102 §4.2.79) */
        rc = sca_usim_write_gbabp(c, out->rand, out->btid, out->lifetime, err);
    if (rc != SCA_OK)
        return sca_error_prefix(err, "GBA bootstrapping: the BSF bootstrapped (B-TID %s) but writing it to the card "
                                "failed; bootstrap again", out->btid);
    return SCA_OK;
}
