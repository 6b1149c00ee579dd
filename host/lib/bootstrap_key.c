/* DM bootstrap: the HMAC key for each SEC value from the PIN and the network secret (applet-spec/dm-bootstrap.md
 * section 3): the IMSI in TS 24.008 10.5.1.4 semi-octets (= EF_IMSI bytes 2.., TS 31.102 4.2.2), the ESN's bytes,
 * Ks_NAF, and the "PIN:secret" combination of OMA DM Security 5.7.2.3.3. */
#include <string.h>

#include <openssl/crypto.h>

#include "bootstrap_int.h"
#include "scagent/log.h"

sca_rc sca_dmboot_imsi_secret(const char *imsi, uint8_t out[SCA_DMBOOT_IMSI_KEY_MAX], size_t *out_len,
                              sca_error *err)
{
    size_t n = imsi != NULL ? strlen(imsi) : 0;
    int digits = n > 0;
    for (size_t i = 0; i < n; i++)
        digits = digits && imsi[i] >= '0' && imsi[i] <= '9';
    if (!digits || n < 6 || n > 15 || out == NULL || out_len == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "the IMSI must be 6 to 15 decimal digits (MCC, MNC, MSIN), without spaces");
    /* nibbles: odd/even indicator and type of identity (001 = IMSI) = 1001b odd, 0001b even; the digits; an F
     * filler to complete the last octet when the count is even. Each octet: the later nibble high. */
    uint8_t nib[17];
    size_t k = 0;
    nib[k++] = (n % 2) ? 0x9 : 0x1;
    for (size_t i = 0; i < n; i++)
        nib[k++] = (uint8_t)(imsi[i] - '0');
    if (k % 2)
        nib[k++] = 0xF;
    for (size_t i = 0; i < k / 2; i++)
        out[i] = (uint8_t)(nib[2 * i + 1] << 4 | nib[2 * i]);
    *out_len = k / 2;
    return SCA_OK;
}

sca_rc sca_dmboot_esn_secret(const char *esn, uint8_t out[4], sca_error *err)
{
    if (esn == NULL || strlen(esn) != 8 || out == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the ESN must be 8 hex digits (32 bits)");
    for (size_t i = 0; i < 4; i++) {
        int hi = sca_hex_digit(esn[2 * i]), lo = sca_hex_digit(esn[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return sca_error_set(err, SCA_E_INVALID_ARG, "the ESN must be 8 hex digits (32 bits)");
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return SCA_OK;
}

void sca_dmboot_key_wipe(sca_dmboot_key *key)
{
    if (key != NULL)
        OPENSSL_cleanse(key, sizeof *key);
}

static sca_rc check_pin(sca_dmboot_sec sec, const char *pin, size_t *len, sca_error *err)
{
    const char *name = sca_dmboot_sec_name(sec);
    if (!sca_dmboot_sec_needs_pin(sec)) {
        if (pin != NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG,
                                 "SEC=%s uses no PIN: leave the PIN out (the key is the network secret)", name);
        *len = 0;
        return SCA_OK;
    }
    if (pin == NULL || pin[0] == '\0')
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "SEC=%s needs the user PIN that came with this bootstrap (out of band)", name);
    size_t n = strlen(pin);
    if (n > SCA_DMBOOT_PIN_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG, "the bootstrap PIN has %zu characters; at most %d", n,
                             SCA_DMBOOT_PIN_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)pin[i] < 0x20 || (unsigned char)pin[i] > 0x7E)
            return sca_error_set(err, SCA_E_INVALID_ARG,
                                 "the bootstrap PIN must be printable ASCII (its bytes are the key)");
    *len = n;
    return SCA_OK;
}

static sca_rc check_network(sca_dmboot_sec sec, const uint8_t *network, size_t len, sca_error *err)
{
    const char *name = sca_dmboot_sec_name(sec);
    if (!sca_dmboot_sec_needs_network(sec)) {
        if (network != NULL || len != 0)
            return sca_error_set(err, SCA_E_INVALID_ARG,
                                 "SEC=%s uses only the user PIN: leave the network secret (IMSI, ESN, key) out", name);
        return SCA_OK;
    }
    if (sca_dmboot_sec_is_gba(sec)) {
        if (network == NULL || len != SCA_DMBOOT_KS_NAF_SIZE)
            return sca_error_set(err, SCA_E_INVALID_ARG,
                                 "SEC=%s needs Ks_NAF, the %d-byte GBA Push NAF key for the DM server (%zu bytes "
                                 "given)",
                                 name, SCA_DMBOOT_KS_NAF_SIZE, network != NULL ? len : 0);
        return SCA_OK;
    }
    if (network == NULL || len == 0 || len > SCA_DMBOOT_SECRET_MAX)
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "SEC=%s needs the network secret: the IMSI (semi-octets) or the ESN (4 bytes), 1 to %d "
                             "bytes",
                             name, SCA_DMBOOT_SECRET_MAX);
    return SCA_OK;
}

sca_rc sca_dmboot_key_make(sca_dmboot_sec sec, const char *pin, const uint8_t *network, size_t network_len,
                           sca_dmboot_key *key, sca_error *err)
{
    if (key == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no key buffer");
    memset(key, 0, sizeof *key);
    if (sec < SCA_DMBOOT_SEC_NETWORKID || sec > SCA_DMBOOT_SEC_USERPIN_NETWORKID_GBA)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no security method (SEC) to make a key for");
    size_t pin_len = 0;
    sca_rc rc = check_pin(sec, pin, &pin_len, err);
    if (rc == SCA_OK)
        rc = check_network(sec, network, network_len, err);
    if (rc != SCA_OK)
        return rc;
    /* USERPIN: the PIN; NETWORKID(_GBA): the secret; USERPIN_NETWORKID(_GBA): PIN ':' secret */
    size_t n = 0;
    if (pin_len) {
        memcpy(key->bytes, pin, pin_len);
        n = pin_len;
        if (sca_dmboot_sec_needs_network(sec))
            key->bytes[n++] = ':';
    }
    if (sca_dmboot_sec_needs_network(sec)) {
        memcpy(key->bytes + n, network, network_len);
        n += network_len;
    }
    key->len = n;
    return SCA_OK;
}
