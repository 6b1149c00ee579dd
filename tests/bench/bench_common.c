/* Shared by the benchmarks (bench_common.h). */
#include "bench_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>

#include "sca_contract.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double bench_now_us(void)
{
    return bench_now() * 1e6;
}

typedef struct counting {
    sca_transport base;
    sca_transport *inner;
    unsigned long apdus;
} counting;

static sca_rc c_transmit(sca_transport *t, const uint8_t *cmd, size_t n, uint8_t *r, size_t *rn, sca_error *err)
{
    counting *c = (counting *)t;
    c->apdus++;
    return c->inner->ops->transmit(c->inner, cmd, n, r, rn, err);
}

static sca_rc c_begin(sca_transport *t, sca_error *err)
{
    counting *c = (counting *)t;
    return c->inner->ops->begin(c->inner, err);
}

static void c_end(sca_transport *t)
{
    counting *c = (counting *)t;
    c->inner->ops->end(c->inner);
}

static void c_close(sca_transport *t)
{
    counting *c = (counting *)t;
    c->inner->ops->close(c->inner);
    free(c);
}

static const struct sca_transport_ops counting_ops = {c_transmit, c_begin, c_end, c_close};

sca_transport *bench_counting(sca_transport *inner, unsigned long **count)
{
    counting *c = calloc(1, sizeof *c);
    if (c == NULL)
        abort();
    c->base = *inner;
    c->base.ops = &counting_ops;
    c->inner = inner;
    *count = &c->apdus;
    return &c->base;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_sort(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
}

double bench_pct(double *v, int n, double p)
{
    bench_sort(v, n);
    return v[(int)fmin(n - 1, floor(p * n))];
}

const SCARD_IO_REQUEST *bench_raw_open(const char *reader, SCARDCONTEXT *ctx, SCARDHANDLE *h, DWORD *proto)
{
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, ctx) != SCARD_S_SUCCESS)
        return NULL;
    if (SCardConnect(*ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, h, proto) !=
        SCARD_S_SUCCESS) {
        SCardReleaseContext(*ctx);
        return NULL;
    }
    const SCARD_IO_REQUEST *pci = *proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    uint8_t sel[5 + SCA_APPLET_AID_LEN] = {0x00, 0xA4, 0x04, 0x00, SCA_APPLET_AID_LEN}, aid[] = SCA_APPLET_AID, r[300];
    memcpy(sel + 5, aid, sizeof aid);
    DWORD rl = sizeof r;
    SCardTransmit(*h, pci, sel, sizeof sel, NULL, r, &rl);
    return pci;
}

sca_rc bench_dm_personalize(sca_card *card, const char *dm_id, EVP_PKEY **orig, sca_error *err)
{
    sca_issuer_keys k;
    sca_issuer_test_keys(&k);
    EVP_PKEY *o = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), *srv = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    uint8_t opub[65], fields[19];
    size_t plen;
    EVP_PKEY_get_octet_string_param(o, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, opub, 65, &plen);
    sca_bcast_fields f = {.imei = "490154203237518", .fw_version = 1, .manufacturer = 7, .model = 9, .serial = 1,
                          .sw_version = 1};
    sca_dm_server s = {.slot = 0, .perms = SCA_DM_PERM_FW_UPDATE | SCA_DM_PERM_READ_LOG, .not_after = 0xFFFFFFFFu};
    snprintf(s.id, sizeof s.id, "%s", dm_id);
    EVP_PKEY_get_octet_string_param(srv, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, s.pub, 65, &plen);
    EVP_PKEY_free(srv);
    sca_rc rc = sca_bcast_fields_encode(&f, fields, err);
    if (rc == SCA_OK)
        rc = sca_issuer_open(card, &k, err);
    if (rc == SCA_OK)
        rc = sca_bcast_put_fields(card, fields, err);
    if (rc == SCA_OK)
        rc = sca_dm_server_put(card, &s, err);
    if (rc == SCA_OK)
        rc = sca_fu_originator_put(card, 0, opub, err);
    if (rc != SCA_OK) {
        EVP_PKEY_free(o);
        return rc;
    }
    *orig = o;
    return SCA_OK;
}
