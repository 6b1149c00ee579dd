/* Issuer keys from a profile file (the format of tools/perso/test-profile.conf): `issuer_key_enc`,
 * `issuer_key_mac` and `issuer_key_version` lines; other settings are left to the caller. */
#include "scagent/issuer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "scagent/log.h"

sca_rc sca_issuer_keys_setting(sca_issuer_keys *k, const char *key, const char *value, int *used, sca_error *err)
{
    *used = 1;
    if (strcmp(key, "issuer_key_enc") == 0 || strcmp(key, "issuer_key_mac") == 0) {
        uint8_t *dst = key[11] == 'e' ? k->enc : k->mac;
        if (strlen(value) != 32 || sca_hex_decode(value, dst, 16) != 16)
            return sca_error_set(err, SCA_E_PARSE, "%s must be 16 bytes of hex (32 digits)", key);
        return SCA_OK;
    }
    if (strcmp(key, "issuer_key_version") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || v < 0 || v > 127)
            return sca_error_set(err, SCA_E_PARSE, "issuer_key_version must be 0..127 (0: any)");
        k->version = (uint8_t)v;
        return SCA_OK;
    }
    *used = 0;
    return SCA_OK;
}

sca_rc sca_issuer_keys_load(const char *path, sca_issuer_keys *k, sca_error *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot open the issuer key file %s", path);
    sca_issuer_test_keys(k);
    int have_enc = 0, have_mac = 0, lineno = 0, used;
    char line[512];
    sca_rc rc = SCA_OK;
    while (rc == SCA_OK && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *eq = strchr(line, '=');
        if (line[0] == '#' || line[0] == '\0' || eq == NULL)
            continue;
        *eq = '\0';
        rc = sca_issuer_keys_setting(k, line, eq + 1, &used, err);
        if (rc != SCA_OK)
            sca_error_prefix(err, "%s:%d", path, lineno);
        have_enc |= strcmp(line, "issuer_key_enc") == 0;
        have_mac |= strcmp(line, "issuer_key_mac") == 0;
    }
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    if (rc == SCA_OK && (!have_enc || !have_mac))
        rc = sca_error_set(err, SCA_E_PARSE, "%s: issuer_key_enc and issuer_key_mac are both required", path);
    if (rc != SCA_OK)
        OPENSSL_cleanse(k, sizeof *k);
    return rc;
}
