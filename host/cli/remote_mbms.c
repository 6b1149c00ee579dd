/* scagent -S … mbms listen: the listener runs here (UDP, the BSM's triggers, the events on standard output), the
 * card's part of each message goes through scagentd: an LTKM to mbms.ltkm, an LTKM Request or a re-registration to
 * bcast.provision (the daemon holds the B-TID and MRK steps; the MRK never comes here). The events are those of the
 * direct command. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "scagent/mbms.h"

typedef struct remote_card {
    sca_client *cl;
    char pin[64]; /* read once: a prompt per message would stall the listener */
} remote_card;

static json_t *with_pin(const remote_card *rc, json_t *p)
{
    if (rc->pin[0])
        json_object_set_new(p, "pin", json_string(rc->pin));
    return p;
}

static sca_rc call(cli *c, const remote_card *rc, const char *method, json_t *p, json_t **r, sca_error *err)
{
    return sca_client_call(rc->cl, method, with_pin(rc, p), c->timeout_ms > 0 ? (int)c->timeout_ms : 0, r, err);
}

/* Base64 member `key` of `o` (absent: 0 bytes) into out, at most cap bytes. */
static sca_rc unb64_into(const json_t *o, const char *key, uint8_t *out, size_t cap, size_t *n, sca_error *err)
{
    *n = 0;
    if (json_object_get(o, key) == NULL)
        return SCA_OK;
    size_t len = 0;
    uint8_t *b = cli_unb64(o, key, &len);
    sca_rc rc = SCA_OK;
    if (b == NULL || len > cap)
        rc = sca_error_set(err, SCA_E_PARSE, "scagentd's \"%s\" is not Base64 of at most %zu bytes", key, cap);
    else
        memcpy(out, b, *n = len);
    free(b);
    return rc;
}

static sca_rc remote_store(cli *c, void *ctx, const uint8_t *m, size_t n, uint8_t *verif, size_t cap, size_t *vl,
                           sca_error *err)
{
    json_t *r = NULL;
    sca_rc rc = call(c, ctx, "mbms.ltkm", json_pack("{s:o}", "ltkm", cli_jb64(m, n)), &r, err);
    if (rc == SCA_OK && !json_is_true(json_object_get(r, "stored")))
        rc = sca_error_set(err, SCA_E_PARSE, "scagentd did not give the LTKM to the card (it classified it as %s)",
                           json_string_value(json_object_get(r, "action")));
    if (rc == SCA_OK)
        rc = unb64_into(r, "verification", verif, cap, vl, err);
    json_decref(r);
    return rc;
}

static sca_rc remote_provision(cli *c, void *ctx, sca_bcast_request *q, sca_bcast_response *out, sca_error *err)
{
    memset(out, 0, sizeof *out);
    out->global_status = -1;
    if (c->bmsc_fqdn == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "give the BM-SC's FQDN with --bmsc-fqdn");
    json_t *p = json_pack("{s:s, s:s, s:s, s:[]}", "kind", q->kind == SCA_BCAST_LTKM_REQUEST ? "ltkm-request"
                                                                                         : "register",
                          "url", q->base_url, "bmsc_fqdn", c->bmsc_fqdn, "msk_ids"), *r = NULL;
    for (size_t i = 0; i < q->n_msk_ids; i++) {
        char h[2 * SCA_MIKEY_MSK_ID_LEN + 1];
        sca_hex_encode(q->msk_ids[i], SCA_MIKEY_MSK_ID_LEN, h, 0);
        json_array_append_new(json_object_get(p, "msk_ids"), json_string(h));
    }
    if (q->key_domain != NULL) {
        char h[7];
        sca_hex_encode(q->key_domain, 3, h, 0);
        json_object_set_new(p, "key_domain", json_string(h));
    }
    if (c->impi)
        json_object_set_new(p, "impi", json_string(c->impi));
    sca_rc rc = call(c, ctx, "bcast.provision", p, &r, err);
    if (rc != SCA_OK)
        return rc;
    out->http_status = (long)json_integer_value(json_object_get(r, "http_status"));
    out->global_status = (long)json_integer_value(json_object_get(r, "global_status"));
    json_t *lt = json_object_get(r, "ltkms"), *e;
    size_t i;
    json_array_foreach(lt, i, e) {
        if (out->n_ltkms == SCA_BCAST_LTKMS_MAX)
            break;
        sca_bcast_ltkm *l = &out->ltkms[out->n_ltkms];
        if ((l->msg = malloc(SCA_MBMS_DATAGRAM_MAX)) == NULL) {
            rc = sca_error_set(err, SCA_E_NO_MEMORY, NULL);
            break;
        }
        out->n_ltkms++;
        if ((rc = unb64_into(e, "ltkm", l->msg, SCA_MBMS_DATAGRAM_MAX, &l->len, err)) != SCA_OK)
            break;
    }
    json_decref(r);
    return rc;
}

int cli_remote_mbms_listen(cli *c, sca_client *cl)
{
    if (c->cafile)
        return cli_usage(c, "--cafile: the daemon uses the system's TLS trust store only");
    remote_card rc = {.cl = cl};
    sca_error err;
    if (cli_read_pin(c, "PIN", c->pin, rc.pin, sizeof rc.pin, &err) != SCA_OK)
        return cli_fail(c, &err);
    cli_listen_card card = {remote_store, remote_provision, &rc};
    int code = cli_mbms_listen_with(c, &card);
    OPENSSL_cleanse(rc.pin, sizeof rc.pin);
    return code;
}
