/* Writes the seeds of fuzz_bcastid and fuzz_upgrade (signed with the fixed key of fixed_pki.h). Not part of the
 * fuzz run; rebuild the seeds with
 *   cc -std=c11 -D_DEFAULT_SOURCE -I host/include -I host/lib -I build/gen/c -o build/mkseeds_bcast \
 *      tests/fuzz/mkseeds_bcast.c build/lib/libscagent.a $(pkg-config --libs libcrypto) && build/mkseeds_bcast
 * from the repository root. ECDSA signatures are randomized, so each run writes different (equally valid) bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_pki.h"
#include "scagent/bcastid.h"
#include "scagent/upgrade.h"

static void put(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void upgrade(EVP_PKEY *key, X509 *cert, const char *name, int critical, int pushed, int dm, const char *uri,
                    int version)
{
    sca_upgrade_params p;
    memset(&p, 0, sizeof p);
    p.protocol_version = (uint8_t)version;
    p.critical = critical;
    p.pushed = pushed;
    p.contact_dm = dm;
    p.uri = uri;
    memcpy(p.fields, FIXED_FIELDS, sizeof p.fields);
    uint8_t *m = NULL;
    size_t n = 0;
    sca_error err;
    if (sca_upgrade_build(&p, key, cert, &m, &n, &err) != SCA_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    char path[128];
    snprintf(path, sizeof path, "tests/fuzz/corpus/upgrade/%s", name);
    put(path, m, n);
    free(m);
}

int main(void)
{
    EVP_PKEY *key = fixed_key();
    X509 *cert = fixed_cert();
    uint8_t *id = NULL;
    size_t n = 0;
    sca_error err;
    char *h = NULL;
    if (sca_bcastid_sign(FIXED_FIELDS, key, cert, &id, &n, &err) != SCA_OK ||
        sca_bcastid_header(id, n, &h, &err) != SCA_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    put("tests/fuzz/corpus/bcastid/valid-ec-cert", id, n);
    put("tests/fuzz/corpus/bcastid/header-ec-cert", h, strlen(h));
    put("tests/fuzz/corpus/bcastid/truncated", id, n - 1);
    free(id);
    free(h);
    if (sca_bcastid_sign(FIXED_FIELDS, key, NULL, &id, &n, &err) != SCA_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    put("tests/fuzz/corpus/bcastid/valid-ec-nocert", id, n);
    free(id);

    upgrade(key, cert, "optional-upgrade-server", 0, 0, 0, "https://upgrade.example/fw", 0);
    upgrade(key, cert, "critical-dm-server", 1, 0, 1, "https://dm.example/", 0);
    upgrade(key, cert, "critical-pushed", 1, 1, 0, NULL, 0);
    upgrade(key, cert, "version-1", 0, 0, 0, "x", 1);
    upgrade(key, NULL, "no-cert", 0, 1, 1, NULL, 0);
    EVP_PKEY_free(key);
    X509_free(cert);
    return 0;
}
