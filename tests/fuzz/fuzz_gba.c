/* libFuzzer target: what libscagent makes of GBA bytes from outside: the BSF's WWW-Authenticate and
 * Authentication-Info values (http_digest.c), its BootstrappingInfo body (gba_ub.c), and the card's AUTHENTICATE
 * answer and EF_GBABP data (gba_card.c).
 * Input: the first byte picks the parser (mod 6: 0 challenge, 1 info, 2 BootstrappingInfo, 3 bootstrapping answer,
 * 4 NAF key answer, 5 GBA_BP); the rest, copied to a buffer of its exact size so ASan sees any read past it, is the
 * input. Besides "no crash", what the Ub client relies on is checked (abort on violation): accepted strings are
 * NUL-terminated within their arrays, printable ASCII, and the lengths stay within the declared maxima. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gba_ub_int.h"
#include "http_digest.h"
#include "scagent/gba.h"

static void printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n >= cap)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            abort();
}

static void check_digest(const sca_digest_params *p)
{
    const char *const v[] = {p->realm, p->nonce, p->opaque, p->algorithm, p->qop,
                             p->rspauth, p->cnonce, p->nc, p->stale, p->nextnonce};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        printable(v[i], SCA_DIGEST_VALUE_MAX + 1);
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (((p->present >> i) & 1u) == 0 && v[i][0] != '\0') /* absent means empty */
            abort();
}

static void run(unsigned which, const uint8_t *d, size_t n)
{
    sca_error e;
    switch (which) {
    case 0:
    case 1: {
        sca_digest_params p;
        sca_rc rc = which == 0 ? sca_digest_parse_challenge((const char *)d, n, &p, &e)
                               : sca_digest_parse_info((const char *)d, n, &p, &e);
        if (rc == SCA_OK)
            check_digest(&p);
        else if (e.rc != rc)
            abort();
        break;
    }
    case 2: {
        char btid[SCA_GBA_BTID_MAX + 1], lt[SCA_GBA_LIFETIME_MAX + 1];
        if (sca_gba_ub_parse_info(d, n, btid, lt, &e) == SCA_OK) {
            printable(btid, sizeof btid);
            printable(lt, sizeof lt);
            if (btid[0] == '\0' || lt[0] == '\0')
                abort();
        }
        break;
    }
    case 3:
    case 4: {
        sca_gba_auth a;
        if (sca_gba_parse_answer(d, n, which == 4, &a, &e) == SCA_OK) {
            if (a.sync_failure != 0 && a.sync_failure != 1)
                abort();
            if (!a.sync_failure && a.res_len > SCA_GBA_RES_MAX && !(which == 4 && a.res_len == SCA_GBA_KS_NAF_LEN))
                abort();
        }
        break;
    }
    default: {
        sca_gba_bp bp;
        if (sca_gba_bp_parse(d, n, &bp, &e) == SCA_OK) {
            if (strnlen(bp.btid, sizeof bp.btid) >= sizeof bp.btid ||
                strnlen(bp.lifetime, sizeof bp.lifetime) >= sizeof bp.lifetime)
                abort();
        }
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL)
        abort();
    memcpy(buf, data + 1, n);
    run(data[0] % 6u, buf, n);
    free(buf);
    return 0;
}
