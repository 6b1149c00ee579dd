/* DM bootstrap: the SEC values (DM names and WSP/ProvBoot codes) and the MAC value, shared by both parsers. */
#include <string.h>

#include "bootstrap_int.h"
#include "scagent/log.h"

static const struct {
    sca_dmboot_sec sec;
    const char *name;
} names[] = {
    {SCA_DMBOOT_SEC_NETWORKID, "NETWORKID"},
    {SCA_DMBOOT_SEC_USERPIN, "USERPIN"},
    {SCA_DMBOOT_SEC_USERPIN_NETWORKID, "USERPIN_NETWORKID"},
    {SCA_DMBOOT_SEC_NETWORKID_GBA, "NETWORKID_GBA"},
    {SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA, "USERPIN_NETWORKID_GBA"},
};

const char *sca_dmboot_sec_name(sca_dmboot_sec sec)
{
    if (sec == SCA_DMBOOT_SEC_NONE)
        return "none";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sec == sec)
            return names[i].name;
    return "unknown";
}

int sca_dmboot_sec_needs_pin(sca_dmboot_sec sec)
{
    return sec == SCA_DMBOOT_SEC_USERPIN || sec == SCA_DMBOOT_SEC_USERPIN_NETWORKID ||
           sec == SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA;
}

int sca_dmboot_sec_needs_network(sca_dmboot_sec sec)
{
    return sec == SCA_DMBOOT_SEC_NETWORKID || sec == SCA_DMBOOT_SEC_USERPIN_NETWORKID ||
           sca_dmboot_sec_is_gba(sec);
}

int sca_dmboot_sec_is_gba(sca_dmboot_sec sec)
{
    return sec == SCA_DMBOOT_SEC_NETWORKID_GBA || sec == SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA;
}

int dmboot_name_eq(const char *s, size_t len, const char *name)
{
    if (strlen(name) != len)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i], n = name[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (n >= 'a' && n <= 'z')
            n = (char)(n - 'a' + 'A');
        if (c != n)
            return 0;
    }
    return 1;
}

void dmboot_acc_init(dmboot_acc *a, sca_dmboot_header *h)
{
    memset(h, 0, sizeof *h);
    h->sec_code = -1;
    a->h = h;
    a->have_sec = 0;
    a->have_mac = 0;
}

static sca_rc sec_twice(sca_error *err)
{
    return sca_error_set(err, SCA_E_PARSE,
                         "the Content-Type has SEC twice: a bootstrap message carries one security method; refused");
}

/* a printable rendering of an unknown value for messages: at most 32 characters, others as '?' */
static void show(const char *s, size_t len, char out[40])
{
    size_t n = len < 32 ? len : 32, o = 0;
    for (size_t i = 0; i < n; i++)
        out[o++] = (s[i] >= 0x20 && s[i] < 0x7F) ? s[i] : '?';
    if (len > n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

sca_rc dmboot_acc_sec_name(dmboot_acc *a, const char *s, size_t len, sca_error *err)
{
    if (a->have_sec)
        return sec_twice(err);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (dmboot_name_eq(s, len, names[i].name)) {
            a->h->sec = names[i].sec;
            a->have_sec = 1;
            return SCA_OK;
        }
    }
    char shown[40];
    show(s, len, shown);
    return sca_error_set(err, SCA_E_PARSE,
                         "unknown SEC value '%s': DM bootstrap knows NETWORKID, USERPIN, USERPIN_NETWORKID, "
                         "NETWORKID_GBA and USERPIN_NETWORKID_GBA; refused",
                         shown);
}

sca_rc dmboot_acc_sec_code(dmboot_acc *a, unsigned code, sca_error *err)
{
    static const sca_dmboot_sec by_code[] = {SCA_DMBOOT_SEC_NETWORKID, SCA_DMBOOT_SEC_USERPIN,
                                              SCA_DMBOOT_SEC_USERPIN_NETWORKID};
    if (a->have_sec)
        return sec_twice(err);
    if (code == 3)
        return sca_error_set(err, SCA_E_PARSE,
                             "SEC is 3 (USERPINMAC): a Client Provisioning method with no DM bootstrap equivalent; "
                             "refused");
    if (code >= sizeof by_code / sizeof by_code[0])
        return sca_error_set(err, SCA_E_PARSE,
                             "unknown SEC code %u: WSP codes are 0 NETWPIN (NETWORKID), 1 USERPIN, 2 USERNETWPIN "
                             "(USERPIN_NETWORKID); refused",
                             code);
    a->h->sec = by_code[code];
    a->h->sec_code = (int)code;
    a->have_sec = 1;
    return SCA_OK;
}

sca_rc dmboot_acc_mac(dmboot_acc *a, const char *s, size_t len, sca_error *err)
{
    if (a->have_mac)
        return sca_error_set(err, SCA_E_PARSE, "the Content-Type has MAC twice; refused");
    if (len != 2 * SCA_DMBOOT_MAC_SIZE)
        return sca_error_set(err, SCA_E_PARSE,
                             "the MAC has %zu characters: it must be the HMAC-SHA1 as exactly 40 hex digits; refused",
                             len);
    for (size_t i = 0; i < SCA_DMBOOT_MAC_SIZE; i++) {
        int hi = sca_hex_digit(s[2 * i]), lo = sca_hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return sca_error_set(err, SCA_E_PARSE,
                                 "the MAC has a character that is not a hex digit at position %zu; refused",
                                 hi < 0 ? 2 * i + 1 : 2 * i + 2);
        a->h->mac[i] = (uint8_t)(hi << 4 | lo);
    }
    a->have_mac = 1;
    return SCA_OK;
}

sca_rc dmboot_acc_finish(dmboot_acc *a, sca_error *err)
{
    if (!a->have_sec)
        return sca_error_set(err, SCA_E_PARSE,
                             "the Content-Type has no SEC parameter: an unauthenticated bootstrap message is refused "
                             "(OMA DM Security 5.7.2)");
    if (!a->have_mac)
        return sca_error_set(err, SCA_E_PARSE,
                             "the Content-Type has no MAC parameter: an unauthenticated bootstrap message is refused "
                             "(OMA DM Security 5.7.2)");
    return SCA_OK;
}
