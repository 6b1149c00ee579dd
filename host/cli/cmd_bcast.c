/* scagent bcast register|service-request|token-purchase|ltkm-request URL: OMA BCAST Smartcard Profile provisioning
 * with HTTP Digest (scagent/provision.h), the B-TID from the card's EF_GBABP and MRK from its NAF derivation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "scagent/mbms.h"
#include "scagent/provision.h"

#define EXIT_REFUSED 10

sca_rc cli_bcast_run(cli *c, sca_bcast_request *req, sca_bcast_response *out, sca_error *err)
{
    memset(out, 0, sizeof *out);
    if (c->bmsc_fqdn == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "give the BM-SC's FQDN with --bmsc-fqdn (its NAF name: the MRK "
                             "is derived for it, and it is the Digest realm)");
    sca_gba_bp bp;
    uint8_t mrk[SCA_MBMS_MRK_LEN];
    sca_rc rc = cli_open_with_pin(c, err);
    if (rc == SCA_OK)
        rc = sca_gba_bp_read(c->card, &bp, err);
    if (rc == SCA_OK && bp.btid[0] == '\0')
        rc = sca_error_set(err, SCA_E_CONDITIONS, "the card has no B-TID yet; run 'scagent gba bootstrap URL' first");
    if (rc != SCA_OK)
        return rc;
    rc = sca_mbms_setup(c->card, c->bmsc_fqdn, c->impi, mrk, err);
    if (rc != SCA_OK)
        return rc;
    req->btid = bp.btid;
    req->mrk = mrk;
    req->cafile = c->cafile;
    req->timeout_ms = c->timeout_ms;
    rc = sca_bcast_provision(req, out, err);
    OPENSSL_cleanse(mrk, sizeof mrk);
    req->mrk = NULL;
    req->btid = NULL;
    return rc;
}

int cli_bcast_refused(const sca_bcast_response *r, sca_rc rc)
{
    if (rc == SCA_OK)
        return r->global_status != 0;
    return r->http_status != 0 && r->http_status != 200 && r->http_status != 401 &&
           (rc == SCA_E_DENIED || rc == SCA_E_BAD_REQUEST || rc == SCA_E_TRANSPORT);
}

json_t *cli_bcast_json(const sca_bcast_response *r)
{
    json_t *items = json_array(), *ltkms = json_array();
    for (size_t i = 0; i < r->n_items; i++)
        json_array_append_new(items, json_pack("{s:s, s:I}", "id", r->items[i].id, "status",
                                               (json_int_t)r->items[i].status));
    for (size_t i = 0; i < r->n_ltkms; i++) {
        char *h = cli_hex(r->ltkms[i].msg, r->ltkms[i].len, 0);
        char id[9];
        snprintf(id, sizeof id, "%02X%02X%02X%02X", r->ltkms[i].msk_id[0], r->ltkms[i].msk_id[1],
                 r->ltkms[i].msk_id[2], r->ltkms[i].msk_id[3]);
        json_array_append_new(ltkms, json_pack("{s:s, s:s}", "msk_id", id, "hex", h ? h : ""));
        free(h);
    }
    return json_pack("{s:I, s:s, s:I, s:i, s:o, s:o}", "http_status", (json_int_t)r->http_status, "request_id",
                     r->request_id, "global_status", (json_int_t)r->global_status, "http_requests", r->http_requests,
                     "items", items, "ltkms", ltkms);
}

/* --msk-id values and --key-domain into the request; 0 on a bad value. */
static int take_ids(cli *c, sca_bcast_request *q, uint8_t (*msk)[SCA_MIKEY_MSK_ID_LEN], uint8_t kd[3])
{
    for (size_t i = 0; i < c->n_msk_ids; i++)
        if (strlen(c->msk_ids[i]) != 8 || sca_hex_decode(c->msk_ids[i], msk[i], SCA_MIKEY_MSK_ID_LEN) != 4)
            return 0;
    q->msk_ids = (const uint8_t(*)[SCA_MIKEY_MSK_ID_LEN])msk;
    q->n_msk_ids = c->n_msk_ids;
    if (c->key_domain != NULL) {
        if (strlen(c->key_domain) != 6 || sca_hex_decode(c->key_domain, kd, 3) != 3)
            return 0;
        q->key_domain = kd;
    }
    return 1;
}

int cmd_bcast(cli *c, int argc, char **argv)
{
    static const char use[] = "usage: scagent bcast register|service-request|token-purchase|ltkm-request URL "
                              "--bmsc-fqdn F [--service ID...] [--msk-id HEX8...] [--key-domain HEX6] [--udp-port N]";
    if (argc != 2 || c->too_many)
        return cli_usage(c, use);
    sca_bcast_request q;
    memset(&q, 0, sizeof q);
    static const sca_bcast_kind kinds[] = {SCA_BCAST_REGISTER, SCA_BCAST_SERVICE_REQUEST, SCA_BCAST_TOKEN_PURCHASE,
                                          SCA_BCAST_LTKM_REQUEST};
    size_t k = 0;
    while (k < 4 && strcmp(argv[0], sca_bcast_kind_name(kinds[k])) != 0)
        k++;
    if (k == 4)
        return cli_usage(c, use);
    q.kind = kinds[k];
    q.base_url = argv[1];
    q.ids = c->services;
    q.n_ids = c->n_services;
    uint8_t msk[32][SCA_MIKEY_MSK_ID_LEN], kd[3];
    if (!take_ids(c, &q, msk, kd))
        return cli_usage(c, "--msk-id is 4 bytes in hex (8 digits), --key-domain 3 bytes (6 digits)");
    if (c->udp_port > 65535)
        return cli_usage(c, "--udp-port is 1..65535");
    q.delivery_port = c->udp_port > 0 ? (uint16_t)c->udp_port : 0;
    sca_error err;
    sca_bcast_response r;
    sca_rc rc = cli_bcast_run(c, &q, &r, &err);
    int refused = cli_bcast_refused(&r, rc);
    int code;
    if (rc != SCA_OK) {
        code = cli_fail(c, &err);
        if (refused)
            code = EXIT_REFUSED;
    } else {
        if (c->json) {
            json_t *o = cli_bcast_json(&r);
            json_object_set_new(o, "ok", json_boolean(!refused));
            json_object_set_new(o, "kind", json_string(sca_bcast_kind_name(q.kind)));
            cli_json(o);
        } else {
            printf("%s: HTTP %ld, globalStatusCode %ld (%s)\n", sca_bcast_kind_name(q.kind), r.http_status,
                   r.global_status, r.global_status == 0 ? "granted" : "refused in part or whole");
            for (size_t i = 0; i < r.n_items; i++)
                printf("  %s: status %ld\n", r.items[i].id, r.items[i].status);
            for (size_t i = 0; i < r.n_ltkms; i++)
                printf("  LTKM for MSK ID %02X%02X%02X%02X: %zu bytes\n", r.ltkms[i].msk_id[0], r.ltkms[i].msk_id[1],
                       r.ltkms[i].msk_id[2], r.ltkms[i].msk_id[3], r.ltkms[i].len);
        }
        code = refused ? EXIT_REFUSED : EXIT_OK;
    }
    sca_bcast_response_free(&r);
    return code;
}
