/* libFuzzer target: DM bootstrap input from outside. Every input goes to all three parsers: the WSP binary
 * Content-type value (exact and with trailing bytes), the WAP push PDU, and (as a NUL-terminated string) the text
 * Content-Type header. What parses must be in bounds and consistent: the SEC is one of the five, the MAC survives a
 * round trip through the text form, a push body lies inside the input, and verification under a fixed key of
 * what parsed never accepts a body whose MAC is not that key's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/bootstrap.h"
#include "scagent/log.h"

static void valid(const sca_dmboot_header *h)
{
    if (h->sec < SCA_DMBOOT_SEC_NETWORKID || h->sec > SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA)
        abort();
    if (h->sec_code < -1 || h->sec_code > 2)
        abort();
    /* the same SEC and MAC through the text parser */
    char mac[2 * SCA_DMBOOT_MAC_SIZE + 1], text[160];
    sca_hex_encode(h->mac, sizeof h->mac, mac, 0);
    snprintf(text, sizeof text, "%s; SEC=%s; MAC=%s", SCA_DMBOOT_MEDIA_TYPE, sca_dmboot_sec_name(h->sec), mac);
    sca_dmboot_header t;
    if (sca_dmboot_header_parse(text, &t, NULL) != SCA_OK || t.sec != h->sec || !t.media_ok ||
        memcmp(t.mac, h->mac, sizeof t.mac) != 0)
        abort();
}

/* a fixed key: a verification that succeeds must be for a MAC that key really gives */
static void try_verify(const sca_dmboot_header *h, const uint8_t *body, size_t len)
{
    static const uint8_t key[] = "1234";
    sca_dmboot_verified *v = NULL;
    if (sca_dmboot_verify(h, key, 4, body, len, &v, NULL) != SCA_OK) {
        if (v != NULL)
            abort();
        return;
    }
    uint8_t mac[SCA_DMBOOT_MAC_SIZE];
    if (sca_dmboot_mac(key, 4, body, len, mac, NULL) != SCA_OK || memcmp(mac, h->mac, sizeof mac) != 0 ||
        !h->media_ok)
        abort();
    sca_dmboot_verified_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sca_error err;
    sca_dmboot_header h;
    size_t used = 0;
    if (sca_dmboot_header_parse_wsp(data, size, NULL, &h, &err) == SCA_OK)
        valid(&h);
    if (sca_dmboot_header_parse_wsp(data, size, &used, &h, &err) == SCA_OK) {
        if (used == 0 || used > size)
            abort();
        valid(&h);
        try_verify(&h, data + used, size - used);
    }
    sca_dmboot_push p;
    if (sca_dmboot_push_parse(data, size, &p, &err) == SCA_OK) {
        if (p.body < data || p.body_len == 0 || p.body + p.body_len != data + size)
            abort();
        valid(&p.header);
        try_verify(&p.header, p.body, p.body_len);
    }
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (sca_dmboot_header_parse(s, &h, &err) == SCA_OK)
        valid(&h);
    free(s);
    return 0;
}
