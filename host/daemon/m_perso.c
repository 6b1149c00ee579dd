/* Handlers: the issuer's personalization (perso.*), calling the libscagent functions of `scagent perso ...`.
 *
 * Every request is one card step in one PC/SC transaction: check the parameters, load the issuer keys of
 * scagentd.conf (issuer_keys), open the issuer channel, do the operation, then drop the host's copy of the session
 * keys, so no issuer session outlives its request on the host (the card's own session can no longer be used: every
 * wrapped command needs the MAC chain those keys carried). Key material never goes into a log or an answer; the
 * host copies (static keys, session keys, GBA keys, the token key, the parameters holding them) are wiped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "handlers.h"
#include "methods.h"
#include "proto.h"
#include "sca_contract.h"
#include "scagent/milenage.h"

/* Everything one perso request needs, parsed from its parameters before the card is touched. */
typedef struct perso_op {
    const char *action;    /* the sub-operation of perso.naf-anchor and perso.dm */
    int issuer;            /* 1: open the issuer channel first (only naf-anchor list reads without it) */
    unsigned slot;
    unsigned number;       /* a version, a try limit, a policy */
    uint8_t flags;         /* DM policy flags */
    uint8_t bytes[SCA_BCAST_FIELDS_LEN]; /* identifier fields, EF_IMSI */
    uint8_t k[16], opc[16]; /* GBA keys; k also holds the DM token key */
    uint8_t point[65];     /* a P-256 public key, 04 || X || Y */
    sca_dm_server server;
    X509 *cert;            /* a NAF anchor or the client certificate */
    const char *text;      /* the CSR subject, the IMPI */
} perso_op;

typedef sca_rc (*perso_prep)(scd_job *j, perso_op *op, sca_error *err);
typedef sca_rc (*perso_exec)(sca_card *c, perso_op *op, json_t **out, sca_error *err);

static void op_clear(perso_op *op)
{
    X509_free(op->cert);
    OPENSSL_cleanse(op, sizeof *op);
}

/* A parameter that holds a secret: wipe its text in the request once decoded (the request lives until answered). */
static void wipe_param(scd_job *j, const char *key)
{
    json_t *v = json_object_get(j->params, key);
    if (json_is_string(v))
        OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
}

/* A parameter the schema cannot judge (an action, a combination): answered as bad-params by perso_run. */
#define bad(err, ...) sca_error_set(err, SCA_E_INVALID_ARG, __VA_ARGS__)

/* Parameters beyond `allowed` (NULL-terminated; deadline_ms is always allowed): one action's schema is narrower than
 * the method's, and a member meant for another action must not be silently ignored. */
static sca_rc only(const scd_job *j, const char *const *allowed, sca_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach(j->params, k, v) {
        int ok = !strcmp(k, SCD_PARAM_DEADLINE) || !strcmp(k, "action");
        for (const char *const *a = allowed; !ok && *a; a++)
            ok = !strcmp(k, *a);
        if (!ok)
            return sca_error_set(err, SCA_E_INVALID_ARG, "\"%.64s\" does not belong to action \"%s\"", k,
                                 scd_pstr(j, "action") ? scd_pstr(j, "action") : "");
    }
    return SCA_OK;
}

static sca_rc need(const scd_job *j, const char *key, sca_error *err)
{
    return json_object_get(j->params, key) ? SCA_OK : bad(err, "missing parameter \"%s\"", key);
}

/* A certificate from "pem" (PEM text) or "der" (Base64 of DER): exactly one of them. */
static sca_rc param_cert(const scd_job *j, X509 **out, sca_error *err)
{
    const char *pem = scd_pstr(j, "pem");
    if ((pem != NULL) == (json_object_get(j->params, "der") != NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG, "give the certificate as \"pem\" or as \"der\" (Base64), one");
    if (pem != NULL) {
        BIO *b = BIO_new_mem_buf(pem, -1);
        *out = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
    } else {
        uint8_t *der;
        size_t n;
        sca_rc rc = scd_pb64(j, "der", &der, &n, err);
        if (rc != SCA_OK)
            return rc;
        const uint8_t *p = der;
        *out = d2i_X509(NULL, &p, (long)n);
        if (*out != NULL && p != der + n) { /* trailing bytes: not one certificate */
            X509_free(*out);
            *out = NULL;
        }
        free(der);
    }
    return *out ? SCA_OK : sca_error_set(err, SCA_E_PARSE, "\"%s\" holds no X.509 certificate", pem ? "pem" : "der");
}

/* A P-256 public key from "key" (hex of 04 || X || Y) or "key_pem" (a PEM public key, as the CLI's --key file). */
static sca_rc param_point(const scd_job *j, uint8_t point[65], sca_error *err)
{
    const char *pem = scd_pstr(j, "key_pem");
    size_t n = 0;
    if ((pem != NULL) == (json_object_get(j->params, "key") != NULL))
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "give the P-256 public key as \"key\" (hex 04||X||Y) or as \"key_pem\" (PEM), one");
    if (pem == NULL) {
        sca_rc rc = scd_phex(j, "key", point, 65, &n, err);
        if (rc == SCA_OK && point[0] != 0x04)
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "\"key\" is an uncompressed point: 04 || X || Y");
        return rc;
    }
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    int ok = k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_EC && EVP_PKEY_get_bits(k) == 256 &&
             EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, 65, &n) && n == 65;
    EVP_PKEY_free(k);
    return ok ? SCA_OK : sca_error_set(err, SCA_E_PARSE, "\"key_pem\" holds no P-256 public key (PEM)");
}

/* PEM text of a public key or a request; NULL when it cannot be rendered. */
static json_t *pem_json(EVP_PKEY *pub, X509_REQ *req)
{
    BIO *b = BIO_new(BIO_s_mem());
    json_t *o = NULL;
    if (b != NULL && (pub ? PEM_write_bio_PUBKEY(b, pub) : PEM_write_bio_X509_REQ(b, req))) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        o = json_stringn(p, (size_t)n);
    }
    BIO_free(b);
    return o;
}

/* --- the common step ---------------------------------------------------------------------------------------- */

static sca_rc open_issuer(const scd_cardctx *x, sca_card *c, sca_error *err)
{
    sca_issuer_keys k;
    sca_rc rc = SCA_OK;
    if (!strcmp(x->issuer_keys, "test"))
        sca_issuer_test_keys(&k);
    else
        rc = sca_issuer_keys_load(x->issuer_keys, &k, err);
    if (rc == SCA_OK)
        rc = sca_issuer_open(c, &k, err);
    OPENSSL_cleanse(&k, sizeof k);
    if (rc != SCA_OK)
        sca_error_prefix(err, "opening the issuer channel (issuer_keys = %s)", x->issuer_keys);
    return rc;
}

/* The host's half of the session goes with the request: its keys are wiped (sca_card_set_session drops the old
 * state) and the card handle no longer claims an issuer session, so a later reset is not reported as a lost one. */
static void close_issuer(sca_card *c)
{
    sca_card_set_session(c, NULL, NULL);
    sca_card_set_security(c, SCA_SEC_ISSUER, 0);
}

static scd_step perso_run(scd_cardctx *x, scd_job *j, perso_prep prep, perso_exec exec)
{
    sca_error err;
    if (x->issuer_keys[0] == '\0') {
        char m[256];
        snprintf(m, sizeof m, "%s: this scagentd has no issuer keys: set issuer_keys = PATH (an issuer key file) in "
                              "scagentd.conf, or issuer_keys = test on a test card, and restart scagentd",
                 j->method->name);
        scd_job_fail(j, SCD_E_NOT_SUPPORTED, m);
        return SCD_STEP_DONE;
    }
    perso_op op;
    memset(&op, 0, sizeof op);
    op.issuer = 1;
    sca_rc rc = prep(j, &op, &err);
    if (rc != SCA_OK) {
        op_clear(&op);
        if (rc != SCA_E_INVALID_ARG)
            return scd_fail_err(j, &err);
        char m[sizeof err.msg + 64];
        snprintf(m, sizeof m, "%s: %s", j->method->name, err.msg);
        scd_job_fail(j, SCD_E_BAD_PARAMS, m);
        return SCD_STEP_DONE;
    }
    json_t *result = NULL;
    sca_card *c = scd_card(x, &err);
    rc = c ? sca_card_begin(c, &err) : err.rc;
    if (rc == SCA_OK) {
        if (op.issuer)
            rc = open_issuer(x, c, &err);
        if (rc == SCA_OK)
            rc = exec(c, &op, &result, &err);
        if (op.issuer)
            close_issuer(c);
        sca_card_end(c);
    }
    op_clear(&op);
    if (rc != SCA_OK) {
        json_decref(result);
        return scd_fail_err(j, &err);
    }
    return scd_ok(j, result);
}

/* --- perso.fields --------------------------------------------------------------------------------------------- */

static sca_rc fields_prep(scd_job *j, perso_op *op, sca_error *err)
{
    sca_bcast_fields f;
    memset(&f, 0, sizeof f);
    snprintf(f.imei, sizeof f.imei, "%s", scd_pstr(j, "imei"));
    f.fw_version = (uint16_t)scd_pint(j, "firmware", 0);
    f.manufacturer = (uint16_t)scd_pint(j, "manufacturer", 0);
    f.model = (uint16_t)scd_pint(j, "model", 0);
    f.serial = (uint32_t)scd_pint(j, "serial", 0);
    f.sw_version = (uint16_t)scd_pint(j, "software", 0);
    return sca_bcast_fields_encode(&f, op->bytes, err); /* the IMEI's check digit: SCA_E_INVALID_ARG */
}

static sca_rc fields_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    sca_rc rc = sca_bcast_put_fields(c, op->bytes, err);
    if (rc == SCA_OK)
        *out = json_pack("{s:o}", "fields", scd_jhex(op->bytes, SCA_BCAST_FIELDS_LEN));
    return rc;
}

scd_step scd_h_perso_fields(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, fields_prep, fields_exec);
}

/* --- perso.version -------------------------------------------------------------------------------------------- */

static sca_rc version_prep(scd_job *j, perso_op *op, sca_error *err)
{
    op->text = scd_pstr(j, "which");
    if (strcmp(op->text, "firmware") && strcmp(op->text, "software"))
        return bad(err, "\"which\" is firmware or software, not \"%.32s\"", op->text);
    op->number = (unsigned)scd_pint(j, "value", 0);
    return SCA_OK;
}

static sca_rc version_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    sca_rc rc = sca_bcast_raise_version(c, !strcmp(op->text, "firmware") ? SCA_BCAST_FIRMWARE : SCA_BCAST_SOFTWARE,
                                        (uint16_t)op->number, err);
    if (rc == SCA_OK)
        *out = json_pack("{s:s, s:i}", "version", op->text, "value", (int)op->number);
    return rc;
}

scd_step scd_h_perso_version(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, version_prep, version_exec);
}

/* --- perso.naf-anchor ----------------------------------------------------------------------------------------- */

static sca_rc anchor_prep(scd_job *j, perso_op *op, sca_error *err)
{
    static const char *const add[] = {"pem", "der", NULL}, *const rm[] = {"slot", NULL}, *const none[] = {NULL};
    if ((op->action = scd_pstr(j, "action")) == NULL)
        return bad(err, "missing parameter \"action\" (add, remove or list)");
    if (!strcmp(op->action, "add")) {
        sca_rc rc = only(j, add, err);
        return rc == SCA_OK ? param_cert(j, &op->cert, err) : rc;
    }
    if (!strcmp(op->action, "remove")) {
        sca_rc rc = only(j, rm, err);
        if (rc == SCA_OK)
            rc = need(j, "slot", err);
        op->slot = (unsigned)scd_pint(j, "slot", 0);
        return rc;
    }
    if (!strcmp(op->action, "list")) {
        op->issuer = 0; /* reading the list is open to anyone (as `scagent perso naf-anchor list`) */
        return only(j, none, err);
    }
    return bad(err, "\"action\" is add, remove or list, not \"%.32s\"", op->action);
}

static json_t *anchor_list_json(const sca_naf_anchor_entry *e, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:i, s:i, s:o}", "slot", e[i].slot, "length", (int)e[i].len, "sha256",
                                             scd_jhex(e[i].sha256, 32)));
    return json_pack("{s:i, s:o}", "capacity", SCA_NAF_ANCHORS, "anchors", arr);
}

static sca_rc anchor_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    sca_rc rc;
    if (!strcmp(op->action, "add")) {
        uint8_t slot = 0;
        if ((rc = sca_naf_anchor_add(c, op->cert, &slot, err)) == SCA_OK)
            *out = json_pack("{s:i}", "slot", slot);
    } else if (!strcmp(op->action, "remove")) {
        if ((rc = sca_naf_anchor_remove(c, (uint8_t)op->slot, err)) == SCA_OK)
            *out = json_pack("{s:i}", "removed", (int)op->slot);
    } else {
        sca_naf_anchor_entry e[SCA_NAF_ANCHORS];
        size_t n = 0;
        if ((rc = sca_naf_anchor_list(c, e, SCA_NAF_ANCHORS, &n, err)) == SCA_OK)
            *out = anchor_list_json(e, n);
    }
    return rc;
}

scd_step scd_h_perso_naf_anchor(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, anchor_prep, anchor_exec);
}

/* --- perso.keygen, perso.csr, perso.cert ---------------------------------------------------------------------- */

static sca_rc keygen_prep(scd_job *j, perso_op *op, sca_error *err)
{
    const char *alg = scd_pstr(j, "alg");
    if (alg == NULL || !strcmp(alg, "ec"))
        op->number = SCA_KEY_ALG_EC_P256;
    else if (!strcmp(alg, "rsa"))
        op->number = SCA_KEY_ALG_RSA_2048;
    else
        return bad(err, "\"alg\" is ec (P-256, the default) or rsa (RSA-2048), not \"%.32s\"", alg);
    return SCA_OK;
}

static sca_rc keygen_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    EVP_PKEY *pub = NULL;
    sca_rc rc = sca_bcast_keygen(c, (uint8_t)op->number, &pub, err);
    json_t *pem = rc == SCA_OK ? pem_json(pub, NULL) : NULL;
    EVP_PKEY_free(pub);
    if (rc == SCA_OK && pem == NULL) /* the card has the new key: say so, the public key is readable by id.show */
        return sca_error_set(err, SCA_E_NO_MEMORY, "the key pair was generated but its public key cannot be rendered");
    if (rc == SCA_OK)
        *out = json_pack("{s:s, s:o}", "algorithm", op->number == SCA_KEY_ALG_EC_P256 ? "ec-p256" : "rsa-2048",
                         "public_key", pem);
    return rc;
}

scd_step scd_h_perso_keygen(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, keygen_prep, keygen_exec);
}

static sca_rc csr_prep(scd_job *j, perso_op *op, sca_error *err)
{
    (void)err;
    op->text = scd_pstr(j, "subject");
    return SCA_OK;
}

static sca_rc csr_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    X509_REQ *req = NULL;
    sca_rc rc = sca_bcast_make_csr(c, op->text, &req, err);
    json_t *pem = rc == SCA_OK ? pem_json(NULL, req) : NULL;
    X509_REQ_free(req);
    if (rc == SCA_OK && pem == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, "the card signed the request but it cannot be rendered as PEM");
    if (rc == SCA_OK)
        *out = json_pack("{s:o}", "csr", pem);
    return rc;
}

scd_step scd_h_perso_csr(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, csr_prep, csr_exec);
}

static sca_rc cert_prep(scd_job *j, perso_op *op, sca_error *err)
{
    return param_cert(j, &op->cert, err);
}

static sca_rc cert_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    sca_rc rc = sca_bcast_load_certificate(c, op->cert, err);
    if (rc == SCA_OK)
        *out = json_pack("{s:i}", "certificate_length", i2d_X509(op->cert, NULL));
    return rc;
}

scd_step scd_h_perso_cert(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, cert_prep, cert_exec);
}

/* --- perso.dm ------------------------------------------------------------------------------------------------- */

static sca_rc perms_of(const scd_job *j, uint8_t *out, sca_error *err)
{
    size_t i;
    json_t *e;
    *out = 0;
    json_array_foreach(json_object_get(j->params, "perms"), i, e) {
        const char *p = json_string_value(e);
        if (!strcmp(p, "fw"))
            *out |= SCA_DM_PERM_FW_UPDATE;
        else if (!strcmp(p, "log"))
            *out |= SCA_DM_PERM_READ_LOG;
        else if (!strcmp(p, "other"))
            *out |= SCA_DM_PERM_OTHER_DM;
        else
            return bad(err, "\"perms\" holds fw, log and other, not \"%.32s\"", p);
    }
    return SCA_OK;
}

static sca_rc dm_server_prep(scd_job *j, perso_op *op, sca_error *err)
{
    static const char *const add[] = {"slot", "id", "key", "key_pem", "perms", "not_before", "not_after", NULL};
    sca_rc rc = only(j, add, err);
    if (rc == SCA_OK)
        rc = need(j, "slot", err);
    if (rc == SCA_OK)
        rc = need(j, "id", err);
    if (rc == SCA_OK && scd_pint(j, "slot", 0) > SCA_DM_SERVERS - 1)
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "\"slot\" of a DM server is 0..%d", SCA_DM_SERVERS - 1);
    if (rc == SCA_OK)
        rc = perms_of(j, &op->server.perms, err);
    if (rc == SCA_OK)
        rc = param_point(j, op->server.pub, err);
    op->server.slot = (uint8_t)scd_pint(j, "slot", 0);
    snprintf(op->server.id, sizeof op->server.id, "%s", scd_pstr(j, "id") ? scd_pstr(j, "id") : "");
    op->server.not_before = (uint32_t)scd_pint(j, "not_before", 0);
    op->server.not_after = (uint32_t)scd_pint(j, "not_after", 0xFFFFFFFFll);
    return rc;
}

static sca_rc dm_policy_prep(scd_job *j, perso_op *op, sca_error *err)
{
    static const char *const pol[] = {"policy", "token_required", "bootstrap_add", NULL};
    sca_rc rc = only(j, pol, err);
    if (rc == SCA_OK)
        rc = need(j, "policy", err);
    if (rc != SCA_OK)
        return rc;
    const char *p = scd_pstr(j, "policy");
    op->number = !strcmp(p, "deny") ? SCA_DM_POLICY_DENY : !strcmp(p, "warn") ? SCA_DM_POLICY_WARN_CONFIRM
                 : !strcmp(p, "pin") ? SCA_DM_POLICY_CONFIRM_PIN : 0;
    if (op->number == 0)
        return bad(err, "\"policy\" is deny, warn or pin, not \"%.32s\"", p);
    op->flags = (uint8_t)((scd_pbool(j, "token_required", 0) ? SCA_DM_POLICY_FLAG_TOKEN_REQUIRED : 0) |
                          (scd_pbool(j, "bootstrap_add", 0) ? SCA_DM_POLICY_FLAG_BOOTSTRAP_ADD : 0));
    return SCA_OK;
}

static sca_rc dm_prep(scd_job *j, perso_op *op, sca_error *err)
{
    static const char *const slot_only[] = {"slot", NULL}, *const orig[] = {"slot", "key", "key_pem", NULL},
                             *const tok[] = {"token_key", NULL};
    const char *a = op->action = scd_pstr(j, "action");
    sca_rc rc;
    if (a == NULL)
        return bad(err, "missing parameter \"action\" (server-add, server-remove, policy, originator-add, "
                        "originator-remove or token-key)");
    if (!strcmp(a, "server-add"))
        return dm_server_prep(j, op, err);
    if (!strcmp(a, "policy"))
        return dm_policy_prep(j, op, err);
    if (!strcmp(a, "server-remove") || !strcmp(a, "originator-remove")) {
        if ((rc = only(j, slot_only, err)) == SCA_OK)
            rc = need(j, "slot", err);
        op->slot = (unsigned)scd_pint(j, "slot", 0);
        return rc;
    }
    if (!strcmp(a, "originator-add")) {
        if ((rc = only(j, orig, err)) == SCA_OK)
            rc = need(j, "slot", err);
        op->slot = (unsigned)scd_pint(j, "slot", 0);
        if (rc == SCA_OK && op->slot > SCA_FU_ORIGINATORS - 1)
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "\"slot\" of an originator is 0..%d", SCA_FU_ORIGINATORS - 1);
        return rc == SCA_OK ? param_point(j, op->point, err) : rc;
    }
    if (!strcmp(a, "token-key")) {
        size_t n = 0;
        if ((rc = only(j, tok, err)) == SCA_OK)
            rc = need(j, "token_key", err);
        if (rc == SCA_OK)
            rc = scd_phex(j, "token_key", op->k, sizeof op->k, &n, err);
        wipe_param(j, "token_key");
        return rc;
    }
    return bad(err, "\"action\" is server-add, server-remove, policy, originator-add, originator-remove or "
                    "token-key, not \"%.32s\"", a);
}

static sca_rc dm_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    const char *a = op->action;
    sca_rc rc;
    if (!strcmp(a, "server-add")) {
        if ((rc = sca_dm_server_put(c, &op->server, err)) == SCA_OK)
            *out = json_pack("{s:i, s:s}", "slot", op->server.slot, "id", op->server.id);
    } else if (!strcmp(a, "server-remove") || !strcmp(a, "originator-remove")) {
        rc = a[0] == 's' ? sca_dm_server_delete(c, (uint8_t)op->slot, err)
                         : sca_fu_originator_delete(c, (uint8_t)op->slot, err);
        if (rc == SCA_OK)
            *out = json_pack("{s:i}", "removed", (int)op->slot);
    } else if (!strcmp(a, "policy")) {
        if ((rc = sca_dm_policy_set(c, (uint8_t)op->number, op->flags, err)) == SCA_OK)
            *out = json_pack("{s:s, s:b, s:b}", "policy", sca_dm_policy_name((uint8_t)op->number), "token_required",
                             (op->flags & SCA_DM_POLICY_FLAG_TOKEN_REQUIRED) != 0, "bootstrap_add",
                             (op->flags & SCA_DM_POLICY_FLAG_BOOTSTRAP_ADD) != 0);
    } else if (!strcmp(a, "originator-add")) {
        if ((rc = sca_fu_originator_put(c, (uint8_t)op->slot, op->point, err)) == SCA_OK)
            *out = json_pack("{s:i}", "slot", (int)op->slot);
    } else {
        if ((rc = sca_fu_token_key_put(c, op->k, err)) == SCA_OK)
            *out = json_pack("{s:b}", "token_key_written", 1);
    }
    return rc;
}

scd_step scd_h_perso_dm(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, dm_prep, dm_exec);
}

/* --- perso.imsi, perso.gba, perso.dmboot-tries ---------------------------------------------------------------- */

static sca_rc imsi_prep(scd_job *j, perso_op *op, sca_error *err)
{
    return sca_imsi_ef_encode(scd_pstr(j, "imsi"), op->bytes, err);
}

static sca_rc imsi_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    sca_rc rc = sca_card_imsi_put(c, op->bytes, err);
    if (rc == SCA_OK)
        *out = json_pack("{s:o}", "ef_imsi", scd_jhex(op->bytes, SCA_EF_IMSI_LEN));
    return rc;
}

scd_step scd_h_perso_imsi(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, imsi_prep, imsi_exec);
}

/* The card holds K and OPc, never OP (gba.md §1): OP is turned into OPc here, as `scagent perso gba --op` does. */
static sca_rc gba_prep(scd_job *j, perso_op *op, sca_error *err)
{
    uint8_t opv[16];
    size_t n = 0;
    sca_rc rc = SCA_OK;
    int has_opc = json_object_get(j->params, "opc") != NULL, has_op = json_object_get(j->params, "op") != NULL;
    if (has_opc == has_op)
        rc = sca_error_set(err, SCA_E_INVALID_ARG, "give \"opc\" or \"op\" (16 bytes in hex), one");
    if (rc == SCA_OK)
        rc = scd_phex(j, "k", op->k, sizeof op->k, &n, err);
    if (rc == SCA_OK)
        rc = scd_phex(j, has_opc ? "opc" : "op", has_opc ? op->opc : opv, 16, &n, err);
    if (rc == SCA_OK && has_op)
        rc = sca_milenage_opc(op->k, opv, op->opc, err);
    OPENSSL_cleanse(opv, sizeof opv);
    wipe_param(j, "k");
    wipe_param(j, "opc");
    wipe_param(j, "op");
    op->text = scd_pstr(j, "impi");
    return rc;
}

static sca_rc gba_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    sca_rc rc = sca_gba_perso_keys(c, op->k, op->opc, err);
    if (rc == SCA_OK && op->text != NULL)
        rc = sca_gba_perso_impi(c, op->text, err);
    if (rc == SCA_OK)
        *out = json_pack("{s:b, s:b}", "keys_written", 1, "impi_written", op->text != NULL);
    return rc;
}

scd_step scd_h_perso_gba(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, gba_prep, gba_exec);
}

static sca_rc tries_prep(scd_job *j, perso_op *op, sca_error *err)
{
    (void)err;
    op->number = (unsigned)scd_pint(j, "limit", 0);
    return SCA_OK;
}

static sca_rc tries_exec(sca_card *c, perso_op *op, json_t **out, sca_error *err)
{
    unsigned left = 0, limit = 0;
    sca_rc rc = sca_dmboot_pin_limit_put(c, op->number, err);
    if (rc == SCA_OK) /* read back: the tries start again at the new limit */
        rc = sca_dmboot_pin_tries(c, &left, &limit, err);
    if (rc == SCA_OK)
        *out = json_pack("{s:i, s:i}", "limit", (int)limit, "tries_left", (int)left);
    return rc;
}

scd_step scd_h_perso_dmboot_tries(scd_cardctx *x, scd_job *j)
{
    return perso_run(x, j, tries_prep, tries_exec);
}
