/* Test driver for tests/gba/run: the Ub protocol core (sca_gba_ub_run) against a BSF, with a software GBA_U "card"
 * built on the host MILENAGE in place of AUTHENTICATE.
 *
 *   ub_client URL [--impi IMPI] [--k HEX32] [--opc HEX32] [--sqn-ms HEX12] [--naf FQDN] [--timeout MS] [-v]
 *
 * Defaults: the bsf-sim default subscriber (tools/bsf-sim/README.md) and SQN_MS 0. Prints one line and exits 0:
 *   ok btid=B-TID lifetime=T rand=HEX resynchronised=0|1 requests=N auth_calls=N ks_ext_naf=HEX
 * (ks_ext_naf: Ks_ext_NAF for --naf with the MBMS Ua id, from CK || IK by host/lib/gba_kdf.c; "-" without --naf),
 * or "error=<class> requests=N auth_calls=N card=<last verdict> msg=\"...\"" and exits 1 (2: bad command line).
 *
 * The soft card does what the applet does for a GBA_U bootstrap (TS 33.102 §6.3.3, TS 33.220 §5.3.2): recovers SQN
 * with AK, checks MAC* = f1 xor the first 8 bytes of SHA-1(IK) (SCA_E_AUTH_FAILED otherwise, as SW 9862), checks
 * SQN > SQN_MS (else AUTS = (SQN_MS xor f5*) || f1*(SQN_MS, AMF 0000)), and answers RES = f2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "gba_ub_int.h"
#include "scagent/error.h"
#include "scagent/log.h"
#include "scagent/milenage.h"

static const uint8_t UA_MBMS[5] = {0x01, 0x00, 0x00, 0x00, 0x01}; /* TS 33.220 Annex H */

typedef struct soft_card {
    uint8_t k[16], opc[16];
    uint64_t sqn_ms;
    uint8_t ck[16], ik[16]; /* of the last RES: Ks = CK || IK */
    int calls;
    const char *verdict; /* "res", "auts", "mac-failure" */
} soft_card;

static uint64_t get48(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v << 8 | p[i];
    return v;
}

static void put48(uint8_t *p, uint64_t v)
{
    for (int i = 5; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* MAC* = MAC xor Trunc64(SHA-1(IK)), the first 8 bytes (the GBA_U AUTN of TS 33.220 §5.3.2). */
static int mac_star_ok(const uint8_t mac[8], const uint8_t ik[16], const uint8_t autn_mac[8])
{
    uint8_t md[EVP_MAX_MD_SIZE], ms[8];
    size_t mdlen = 0;
    if (!EVP_Q_digest(NULL, "SHA1", NULL, ik, 16, md, &mdlen) || mdlen != 20)
        return 0;
    for (int i = 0; i < 8; i++)
        ms[i] = mac[i] ^ md[i];
    return CRYPTO_memcmp(ms, autn_mac, 8) == 0;
}

static sca_rc sync_failure(soft_card *c, sca_milenage *m, sca_gba_auth *out, sca_error *err)
{
    static const uint8_t amf0[2] = {0, 0}; /* the dummy AMF of resynchronisation (TS 33.102 §6.3.3) */
    uint8_t ak_star[6], sqn_ms[6], mac_s[8];
    put48(sqn_ms, c->sqn_ms);
    sca_rc rc = sca_milenage_f5star(m, ak_star, err);
    if (rc == SCA_OK)
        rc = sca_milenage_f1star(m, sqn_ms, amf0, mac_s, err);
    if (rc != SCA_OK)
        return rc;
    for (int i = 0; i < 6; i++)
        out->auts[i] = sqn_ms[i] ^ ak_star[i];
    memcpy(out->auts + 6, mac_s, 8);
    out->sync_failure = 1;
    c->verdict = "auts";
    return SCA_OK;
}

static sca_rc soft_auth(void *ctx, const uint8_t rand[16], const uint8_t autn[16], sca_gba_auth *out, sca_error *err)
{
    soft_card *c = ctx;
    c->calls++;
    sca_milenage m;
    uint8_t ak[6], sqn[6], mac[8], ik[16], ck[16];
    sca_milenage_init(&m, c->k, c->opc);
    sca_rc rc = sca_milenage_set_rand(&m, rand, err);
    if (rc == SCA_OK)
        rc = sca_milenage_f5(&m, ak, err);
    for (int i = 0; i < 6; i++)
        sqn[i] = autn[i] ^ ak[i];
    if (rc == SCA_OK)
        rc = sca_milenage_f1(&m, sqn, autn + 6, mac, err);
    if (rc == SCA_OK)
        rc = sca_milenage_f4(&m, ik, err);
    if (rc == SCA_OK)
        rc = sca_milenage_f3(&m, ck, err);
    if (rc == SCA_OK && !mac_star_ok(mac, ik, autn + 8)) {
        c->verdict = "mac-failure";
        rc = sca_error_set(err, SCA_E_AUTH_FAILED, "soft card: MAC* does not verify (SW 9862)");
    } else if (rc == SCA_OK && get48(sqn) <= c->sqn_ms) {
        rc = sync_failure(c, &m, out, err);
    } else if (rc == SCA_OK && (rc = sca_milenage_f2(&m, out->res, err)) == SCA_OK) {
        out->res_len = 8;
        out->sync_failure = 0;
        c->sqn_ms = get48(sqn);
        memcpy(c->ck, ck, 16);
        memcpy(c->ik, ik, 16);
        c->verdict = "res";
    }
    sca_milenage_clear(&m);
    OPENSSL_cleanse(ck, sizeof ck);
    OPENSSL_cleanse(ik, sizeof ik);
    return rc;
}

static int hex_in(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return 0;
        out[i] = (uint8_t)v;
    }
    return 1;
}

static void hex_out(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Ks_ext_NAF = KDF(CK || IK, "gba-me", RAND, IMPI, NAF_Id) with NAF_Id = FQDN || Ua id. */
static int ks_ext_naf(const soft_card *c, const sca_gba_ub_result *r, const char *impi, const char *naf, char *hex)
{
    uint8_t ks[32], naf_id[SCA_GBA_NAF_ID_MAX], out[32];
    size_t fl = strlen(naf);
    if (fl + sizeof UA_MBMS > sizeof naf_id)
        return 0;
    memcpy(naf_id, naf, fl);
    memcpy(naf_id + fl, UA_MBMS, sizeof UA_MBMS);
    memcpy(ks, c->ck, 16);
    memcpy(ks + 16, c->ik, 16);
    sca_error e;
    int ok = sca_gba_ks_naf(SCA_GBA_ME, ks, r->rand, (const uint8_t *)impi, strlen(impi), naf_id, fl + sizeof UA_MBMS,
                            out, &e) == SCA_OK;
    if (ok)
        hex_out(out, 32, hex);
    OPENSSL_cleanse(ks, sizeof ks);
    OPENSSL_cleanse(out, sizeof out);
    return ok;
}

static int usage(void)
{
    fprintf(stderr, "usage: ub_client URL [--impi IMPI] [--k HEX32] [--opc HEX32] [--sqn-ms HEX12] [--naf FQDN] "
                    "[--timeout MS] [-v]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        return usage();
    soft_card card = {.verdict = "none"};
    hex_in("000102030405060708090a0b0c0d0e0f", card.k, 16);
    hex_in("69d5c2eb2e2e624750541d3bbc692ba5", card.opc, 16);
    sca_gba_ub_opts o = {.url = argv[1], .impi = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org"};
    const char *naf = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint8_t sqn[6];
        if (strcmp(a, "-v") == 0) {
            sca_log_set_level(SCA_LOG_INFO);
            continue;
        }
        if (v == NULL)
            return usage();
        i++;
        if (strcmp(a, "--impi") == 0)
            o.impi = v;
        else if (strcmp(a, "--naf") == 0)
            naf = v;
        else if (strcmp(a, "--timeout") == 0)
            o.timeout_ms = atol(v);
        else if (strcmp(a, "--k") == 0 ? !hex_in(v, card.k, 16)
                 : strcmp(a, "--opc") == 0 ? !hex_in(v, card.opc, 16)
                 : strcmp(a, "--sqn-ms") == 0 ? !hex_in(v, sqn, 6) || ((card.sqn_ms = get48(sqn)), 0)
                 : 1)
            return usage();
    }
    sca_gba_ub_result r;
    sca_error e;
    sca_error_clear(&e);
    sca_rc rc = sca_gba_ub_run(&o, soft_auth, &card, &r, &e);
    if (rc != SCA_OK) {
        printf("error=%s requests=%d auth_calls=%d card=%s msg=\"%s\"\n", sca_rc_name(rc), r.http_requests, card.calls,
               card.verdict, e.msg);
        OPENSSL_cleanse(&card, sizeof card);
        return 1;
    }
    char rand_hex[33], ks_hex[65] = "-";
    hex_out(r.rand, 16, rand_hex);
    if (naf != NULL && !ks_ext_naf(&card, &r, o.impi, naf, ks_hex)) {
        printf("error=kdf requests=%d msg=\"Ks_ext_NAF could not be computed\"\n", r.http_requests);
        return 1;
    }
    printf("ok btid=%s lifetime=%s rand=%s resynchronised=%d requests=%d auth_calls=%d ks_ext_naf=%s\n", r.btid,
           r.lifetime, rand_hex, r.resynchronised, r.http_requests, card.calls, ks_hex);
    OPENSSL_cleanse(&card, sizeof card);
    return 0;
}
