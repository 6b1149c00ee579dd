/* Handlers: MBMS key management (STKM -> MTK, LTKM, the MBMS setup, the key tables, deletions), OMA BCAST
 * provisioning and GBA Ub bootstrapping. The last two talk HTTP: they are off-card methods (SCD_M_OFFCARD) that run
 * on a thread of their own and send only their card steps to the card thread, so an urgent STKM never waits for a
 * BSF or a BM-SC. Each calls the libscagent functions of the CLI command of the same name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "gba_ub_int.h"
#include "handlers.h"
#include "scagent/json_results.h"
#include "methods.h"
#include "proto.h"
#include "sca_contract.h"
#include "scagent/mbms.h"
#include "scagent/provision.h"

/* MBMS needs the PIN (given, or verified by this connection's process) and our applet's MBMS context. */
static sca_rc mbms_ready(scd_cardctx *x, scd_job *j, sca_error *err)
{
    if (!(sca_card_capabilities(x->card) & SCA_CAP_MBMS_KEYS))
        return sca_error_set(err, SCA_E_NOT_SUPPORTED, "the applet on this card has no MBMS key management "
                             "(capability MBMS_KEYS); update the applet");
    return scd_need_pin(x, j, scd_pstr(j, "pin"), err);
}

scd_step scd_h_mbms_stkm(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t *m = NULL, mtk[SCA_MBMS_MTK_LEN], salt[SCA_MBMS_SALT_MAX];
    size_t n = 0, sl = 0;
    sca_rc rc = mbms_ready(x, j, &err);
    if (rc == SCA_OK)
        rc = scd_pb64(j, "stkm", &m, &n, &err);
    if (rc == SCA_OK)
        rc = sca_mbms_mtk(x->card, m, n, mtk, salt, &sl, &err);
    free(m);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    /* keys the spec lets leave the card (for the decryptor); wiped here once encoded */
    json_t *o = json_pack("{s:o, s:o}", "mtk", scd_jb64(mtk, sizeof mtk), "salt", scd_jb64(salt, sl));
    OPENSSL_cleanse(mtk, sizeof mtk);
    OPENSSL_cleanse(salt, sizeof salt);
    return scd_ok(j, o);
}

scd_step scd_h_mbms_ltkm(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t *m = NULL, verif[SCA_MBMS_VERIF_MAX];
    size_t n = 0, vl = 0;
    sca_mbms_action a;
    sca_rc rc = scd_pb64(j, "ltkm", &m, &n, &err);
    if (rc == SCA_OK)
        rc = sca_mbms_ltkm_action(m, n, &a, &err); /* classification first: a trigger never goes to the card */
    if (rc == SCA_OK && a.kind != SCA_MBMS_PROCESS_ON_CARD) {
        free(m);
        json_t *o = sca_json_mbms_action(&a);
        json_object_set_new(o, "stored", json_false());
        return scd_ok(j, o);
    }
    if (rc == SCA_OK)
        rc = mbms_ready(x, j, &err);
    if (rc == SCA_OK)
        rc = sca_mbms_msk_update(x->card, m, n, verif, sizeof verif, &vl, &err);
    free(m);
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    json_t *o = sca_json_mbms_action(&a);
    json_object_set_new(o, "stored", json_true());
    if (vl > 0)
        json_object_set_new(o, "verification", scd_jb64(verif, vl));
    return scd_ok(j, o);
}

scd_step scd_h_mbms_setup(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    uint8_t mrk[SCA_MBMS_MRK_LEN];
    sca_gba_bp bp;
    const char *fqdn = scd_pstr(j, "bmsc_fqdn");
    sca_rc rc = scd_need_pin(x, j, scd_pstr(j, "pin"), &err);
    if (rc == SCA_OK)
        rc = sca_mbms_setup(x->card, fqdn, scd_pstr(j, "impi"), mrk, &err);
    OPENSSL_cleanse(mrk, sizeof mrk); /* MRK is not returned: bcast.provision derives it again on the card */
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    int have_bp = sca_gba_bp_read(x->card, &bp, &err) == SCA_OK;
    return scd_ok(j, json_pack("{s:s, s:s}", "idi", fqdn, "idr", have_bp ? bp.btid : ""));
}

scd_step scd_h_mbms_status(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_mbms_status s;
    if (sca_mbms_status_read(x->card, &s, &err) != SCA_OK)
        return scd_fail_err(j, &err);
    json_t *muks = json_array(), *msks = json_array();
    for (size_t i = 0; i < s.n_muk; i++) {
        const sca_mbms_muk_info *m = &s.muk[i];
        json_array_append_new(muks, json_pack("{s:s%, s:s%, s:I}", "idi", (const char *)m->idi, m->idi_len, "idr",
                                              (const char *)m->idr, m->idr_len, "ts", (json_int_t)m->ts));
    }
    for (size_t i = 0; i < s.n_msk; i++) {
        const sca_mbms_msk_info *m = &s.msk[i];
        char kd[7], id[9];
        snprintf(kd, sizeof kd, "%02X%02X%02X", m->key_domain[0], m->key_domain[1], m->key_domain[2]);
        snprintf(id, sizeof id, "%02X%02X%02X%02X", m->msk_id[0], m->msk_id[1], m->msk_id[2], m->msk_id[3]);
        json_array_append_new(msks, json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:I, s:i}", "key_domain", kd, "msk_id",
                                              id, "key_group", m->key_group, "key_number", m->key_number, "vf", m->vf,
                                              "vt", m->vt, "ts", (json_int_t)m->ts, "last_mtk_id", m->last_mtk_id));
    }
    return scd_ok(j, json_pack("{s:o, s:o}", "muks", muks, "msks", msks));
}

scd_step scd_h_mbms_delete(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    const char *what = scd_pstr(j, "what");
    sca_rc rc;
    if (!strcmp(what, "msk")) {
        uint8_t kd[3];
        size_t kl = 0;
        long long grp = scd_pint(j, "key_group", -1);
        rc = scd_phex(j, "key_domain", kd, sizeof kd, &kl, &err);
        if (rc == SCA_OK && (kl != 3 || grp < 0))
            rc = sca_error_set(&err, SCA_E_INVALID_ARG, "deleting MSKs needs \"key_domain\" (hex, 3 bytes) and "
                               "\"key_group\" (0..65535)");
        if (rc == SCA_OK)
            rc = mbms_ready(x, j, &err);
        if (rc == SCA_OK)
            rc = sca_mbms_msk_delete(x->card, kd, (uint16_t)grp, &err);
    } else if (!strcmp(what, "muk")) {
        const char *idi = scd_pstr(j, "idi"), *idr = scd_pstr(j, "idr");
        rc = idi && idr ? mbms_ready(x, j, &err)
                        : sca_error_set(&err, SCA_E_INVALID_ARG, "deleting a MUK needs \"idi\" (the BM-SC FQDN) and "
                                        "\"idr\" (the B-TID)");
        if (rc == SCA_OK)
            rc = sca_mbms_muk_delete(x->card, (const uint8_t *)idi, strlen(idi), (const uint8_t *)idr, strlen(idr),
                                     &err);
    } else {
        rc = sca_error_set(&err, SCA_E_INVALID_ARG, "\"what\" is msk or muk");
    }
    if (rc != SCA_OK)
        return scd_fail_err(j, &err);
    return scd_ok(j, json_pack("{s:s}", "deleted", what));
}

/* ---- bcast.provision: the B-TID and MRK in one card step, HTTP Digest on this thread, MRK wiped after ---- */

typedef struct prov_card {
    scd_job *j;
    const char *fqdn, *impi;
    sca_gba_bp bp;
    uint8_t mrk[SCA_MBMS_MRK_LEN];
} prov_card;

static sca_rc prov_card_step(scd_cardctx *x, void *arg, sca_error *err)
{
    prov_card *p = arg;
    sca_rc rc = scd_need_pin(x, p->j, scd_pstr(p->j, "pin"), err);
    if (rc == SCA_OK)
        rc = sca_gba_bp_read(x->card, &p->bp, err);
    if (rc == SCA_OK && p->bp.btid[0] == '\0')
        rc = sca_error_set(err, SCA_E_CONDITIONS, "the card has no B-TID yet; bootstrap first (gba.bootstrap)");
    if (rc == SCA_OK)
        rc = sca_mbms_setup(x->card, p->fqdn, p->impi, p->mrk, err);
    return rc;
}

static const struct {
    const char *name;
    sca_bcast_kind kind;
} kinds[] = {{"register", SCA_BCAST_REGISTER}, {"service-request", SCA_BCAST_SERVICE_REQUEST},
             {"token-purchase", SCA_BCAST_TOKEN_PURCHASE}, {"ltkm-request", SCA_BCAST_LTKM_REQUEST}};

scd_step scd_h_bcast_provision(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_bcast_request q;
    memset(&q, 0, sizeof q);
    const char *kind = scd_pstr(j, "kind");
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kind, kinds[k].name))
        k++;
    if (k == sizeof kinds / sizeof kinds[0]) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "\"kind\" is register, service-request, token-purchase or "
                                               "ltkm-request");
        return scd_fail_err(j, &err);
    }
    q.kind = kinds[k].kind;
    q.base_url = scd_pstr(j, "url");
    const char *ids[SCD_STRS_MAX];
    uint8_t msk[SCD_STRS_MAX][SCA_MIKEY_MSK_ID_LEN], kd[3];
    json_t *a = json_object_get(j->params, "services"), *e;
    size_t i;
    json_array_foreach(a, i, e)
        ids[q.n_ids++] = json_string_value(e);
    q.ids = ids;
    a = json_object_get(j->params, "msk_ids");
    json_array_foreach(a, i, e) {
        const char *h = json_string_value(e);
        if (strlen(h) != 8 || sca_hex_decode(h, msk[q.n_msk_ids], SCA_MIKEY_MSK_ID_LEN) != 4) {
            sca_error_set(&err, SCA_E_INVALID_ARG, "\"msk_ids\"[%zu] is 4 bytes in hex (8 digits)", i);
            return scd_fail_err(j, &err);
        }
        q.n_msk_ids++;
    }
    q.msk_ids = (const uint8_t(*)[SCA_MIKEY_MSK_ID_LEN])msk;
    size_t kl = 0;
    if (scd_phex(j, "key_domain", kd, sizeof kd, &kl, &err) != SCA_OK || (kl != 0 && kl != 3)) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "\"key_domain\" is 3 bytes in hex (6 digits)");
        return scd_fail_err(j, &err);
    }
    q.key_domain = kl ? kd : NULL;
    q.delivery_port = (uint16_t)scd_pint(j, "udp_port", 0);
    q.timeout_ms = (long)scd_pint(j, "timeout_ms", 0);
    /* the TLS trust is the system store: a client must not make the daemon read files of its choosing */
    prov_card pc = {.j = j, .fqdn = scd_pstr(j, "bmsc_fqdn"), .impi = scd_pstr(j, "impi")};
    sca_rc rc = scd_oncard(x, j, prov_card_step, &pc, &err);
    if (rc != SCA_OK) {
        OPENSSL_cleanse(pc.mrk, sizeof pc.mrk);
        return scd_off_fail(j, &err);
    }
    q.btid = pc.bp.btid;
    q.mrk = pc.mrk;
    sca_bcast_response r;
    memset(&r, 0, sizeof r);
    rc = sca_bcast_provision(&q, &r, &err);
    OPENSSL_cleanse(pc.mrk, sizeof pc.mrk);
    if (rc != SCA_OK) {
        sca_bcast_response_free(&r);
        return scd_fail_err(j, &err);
    }
    json_t *items = json_array(), *ltkms = json_array();
    for (i = 0; i < r.n_items; i++)
        json_array_append_new(items, json_pack("{s:s, s:I}", "id", r.items[i].id, "status",
                                               (json_int_t)r.items[i].status));
    for (i = 0; i < r.n_ltkms; i++) {
        char id[9];
        snprintf(id, sizeof id, "%02X%02X%02X%02X", r.ltkms[i].msk_id[0], r.ltkms[i].msk_id[1], r.ltkms[i].msk_id[2],
                 r.ltkms[i].msk_id[3]);
        json_array_append_new(ltkms, json_pack("{s:s, s:o}", "msk_id", id, "ltkm",
                                               scd_jb64(r.ltkms[i].msg, r.ltkms[i].len)));
    }
    json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:b, s:i, s:o, s:o}", "kind", kind, "http_status",
                          (json_int_t)r.http_status, "request_id", r.request_id, "global_status",
                          (json_int_t)r.global_status, "granted", r.global_status == 0, "http_requests",
                          r.http_requests, "items", items, "ltkms", ltkms);
    sca_bcast_response_free(&r);
    return scd_ok(j, o);
}

/* ---- gba.bootstrap: Ub over HTTP on this thread; the PIN/IMPI, each AUTHENTICATE and the EF_GBABP write are
 * card steps ---- */

typedef struct ub_card {
    scd_job *j;
    char impi[SCA_GBA_IMPI_MAX + 1];
    const uint8_t *rand, *autn;
    sca_gba_auth *auth;
    const sca_gba_ub_result *res;
} ub_card;

static sca_rc ub_prepare(scd_cardctx *x, void *arg, sca_error *err)
{
    ub_card *u = arg;
    sca_rc rc = scd_need_pin(x, u->j, scd_pstr(u->j, "pin"), err);
    if (rc == SCA_OK && u->impi[0] == '\0' && (rc = sca_gba_impi(x->card, u->impi, sizeof u->impi, err)) != SCA_OK)
        sca_error_prefix(err, "GBA bootstrapping: reading the card's IMPI (give one with \"impi\", or have the "
                              "issuer personalize it)");
    return rc;
}

static sca_rc ub_authenticate(scd_cardctx *x, void *arg, sca_error *err)
{
    ub_card *u = arg;
    return sca_gba_authenticate(x->card, u->rand, u->autn, u->auth, err);
}

static sca_rc ub_auth_cb(void *ctx, const uint8_t rand[SCA_GBA_RAND_LEN], const uint8_t autn[SCA_GBA_AUTN_LEN],
                         sca_gba_auth *out, sca_error *err)
{
    void **c = ctx;
    ub_card *u = c[1];
    u->rand = rand;
    u->autn = autn;
    u->auth = out;
    return scd_oncard(c[0], u->j, ub_authenticate, u, err);
}

static sca_rc ub_write(scd_cardctx *x, void *arg, sca_error *err)
{
    ub_card *u = arg;
    return sca_gba_bp_write(x->card, u->res->btid, u->res->lifetime, err);
}

scd_step scd_h_gba_bootstrap(scd_cardctx *x, scd_job *j)
{
    sca_error err;
    sca_gba_ub_result r;
    memset(&r, 0, sizeof r);
    ub_card u = {.j = j};
    if (scd_pstr(j, "impi") != NULL)
        snprintf(u.impi, sizeof u.impi, "%s", scd_pstr(j, "impi"));
    sca_rc rc = scd_oncard(x, j, ub_prepare, &u, &err);
    if (rc != SCA_OK)
        return scd_off_fail(j, &err);
    /* the TLS trust is the system store: a client must not make the daemon read files of its choosing */
    sca_gba_ub_opts o = {.url = scd_pstr(j, "url"), .impi = u.impi, .timeout_ms = (long)scd_pint(j, "timeout_ms", 0)};
    void *ctx[2] = {x, &u};
    rc = sca_gba_ub_run(&o, ub_auth_cb, ctx, &r, &err);
    if (rc == SCA_OK) {
        u.res = &r;
        if ((rc = scd_oncard(x, j, ub_write, &u, &err)) != SCA_OK)
            sca_error_prefix(&err, "GBA bootstrapping: the BSF bootstrapped (B-TID %s) but writing it to the card "
                                   "failed; bootstrap again", r.btid);
    }
    if (rc != SCA_OK)
        return scd_off_fail(j, &err);
    return scd_ok(j, json_pack("{s:s, s:s, s:o, s:b, s:i}", "btid", r.btid, "lifetime", r.lifetime, "rand",
                               scd_jhex(r.rand, sizeof r.rand), "resynchronised", r.resynchronised, "http_requests",
                               r.http_requests));
}
