/* libFuzzer target: what libscagent makes of MBMS bytes from outside: the card's AUTHENTICATE MBMS answer
 * (mbms_answer.c) in each mode, the MBMS_KEYS status, the WAP push of an LTKM (mbms_push.c), the BM-SC's
 * provisioning answers with their LTKMs (bcast_provision_xml.c) and the XML reader under them (xml_small.c).
 * Input: the first byte picks the parser (mod 5: 0 card answer, 1 status, 2 WAP push, 3 provisioning answer, 4 XML)
 * and, where one is needed, the mode or kind (the byte / 5); the rest, copied to a buffer of its exact size so ASan
 * sees any read past it, is the input. Besides "no crash", what the callers rely on is checked (abort on
 * violation): pointers and lengths inside the input, the per-mode lengths, non-empty push bodies, LTKMs that parse
 * and classify, NUL-terminated IDs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xml_small.h"
#include "scagent/mbms.h"
#include "scagent/provision.h"

static void inside(const uint8_t *p, size_t n, const uint8_t *d, size_t dn)
{
    if (n > 0 && (p == NULL || p < d || p + n > d + dn))
        abort();
}

static void run(unsigned which, unsigned sub, const uint8_t *d, size_t n)
{
    sca_error e;
    switch (which) {
    case 0: {
        const uint8_t *data = NULL;
        size_t dl = 0;
        int mode = (int)(sub % 5);
        if (sca_mbms_parse_answer(d, n, mode, &data, &dl, &e) == SCA_OK) {
            inside(data, dl, d, n);
            if (mode == SCA_MBMS_MODE_MTK && (dl < 16 || dl > 30))
                abort();
            if ((mode == SCA_MBMS_MODE_MSK_DELETE || mode == SCA_MBMS_MODE_MUK_DELETE) && dl != 0)
                abort();
            if (mode == SCA_MBMS_MODE_MSK_UPDATE && dl > SCA_MBMS_VERIF_MAX)
                abort();
        }
        break;
    }
    case 1: {
        sca_mbms_status s;
        if (sca_mbms_status_parse(d, n, &s, &e) == SCA_OK) {
            if (s.n_muk > SCA_MBMS_STATUS_MUKS || s.n_msk > SCA_MBMS_STATUS_MSKS)
                abort();
            for (size_t i = 0; i < s.n_muk; i++)
                if (s.muk[i].idi_len == 0 || s.muk[i].idi_len > SCA_MBMS_IDI_MAX || s.muk[i].idr_len == 0 ||
                    s.muk[i].idr_len > SCA_MBMS_IDR_MAX)
                    abort();
        }
        break;
    }
    case 2: {
        sca_mbms_push p;
        if (sca_mbms_push_parse(d, n, &p, &e) == SCA_OK) {
            if (p.body_len == 0)
                abort();
            inside(p.body, p.body_len, d, n);
            if (p.body + p.body_len != d + n)
                abort();
        }
        break;
    }
    case 3: {
        sca_bcast_response r;
        memset(&r, 0, sizeof r);
        sca_rc rc = sca_bcast_parse_response((sca_bcast_kind)(sub % 4), d, n, NULL, &r, &e);
        if (rc == SCA_OK) {
            if (r.global_status < 0 || r.n_items > SCA_BCAST_IDS_MAX || r.n_ltkms > SCA_BCAST_LTKMS_MAX)
                abort();
            for (size_t i = 0; i < r.n_items; i++)
                if (strnlen(r.items[i].id, sizeof r.items[i].id) >= sizeof r.items[i].id)
                    abort();
            for (size_t i = 0; i < r.n_ltkms; i++) {
                sca_mbms_action a;
                if (r.ltkms[i].len == 0 || r.ltkms[i].len > SCA_BCAST_LTKM_MAX ||
                    sca_mbms_ltkm_action(r.ltkms[i].msg, r.ltkms[i].len, &a, &e) != SCA_OK)
                    abort();
            }
        } else if (r.n_ltkms != 0 || r.n_items != 0) {
            abort();
        }
        sca_bcast_response_free(&r);
        break;
    }
    default: {
        sca_xml_doc doc;
        if (sca_xml_parse(d, n, NULL, &doc, &e) == SCA_OK) {
            if (doc.n == 0 || doc.n > SCA_XML_ELEMENTS_MAX || doc.e[0].parent != -1)
                abort();
            for (size_t i = 0; i < doc.n; i++)
                if (strlen(doc.e[i].text) != doc.e[i].text_len || doc.e[i].depth > SCA_XML_DEPTH_MAX)
                    abort();
        }
        sca_xml_free(&doc);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
    if (copy == NULL)
        return 0;
    if (size > 1)
        memcpy(copy, data + 1, size - 1);
    run(data[0] % 5, data[0] / 5, copy, size - 1);
    free(copy);
    return 0;
}
