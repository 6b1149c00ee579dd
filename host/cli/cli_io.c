/* File input and output of the CLI, and opening the issuer channel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"

sca_rc cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len, sca_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot open %s", path);
    uint8_t *buf = malloc(max + 1);
    size_t n = buf != NULL ? fread(buf, 1, max + 1, f) : 0;
    int failed = buf == NULL || ferror(f);
    if (!is_stdin)
        fclose(f);
    if (failed) {
        free(buf);
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot read %s", is_stdin ? "standard input" : path);
    }
    if (n > max) {
        free(buf);
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s is larger than %zu bytes", is_stdin ? "the input" : path,
                             max);
    }
    *out = buf;
    *len = n;
    return SCA_OK;
}

static int looks_pem(const uint8_t *b, size_t n)
{
    static const char mark[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof mark - 1 <= n; i++)
        if (memcmp(b + i, mark, sizeof mark - 1) == 0)
            return 1;
    return 0;
}

sca_rc cli_read_cert(const char *path, X509 **out, sca_error *err)
{
    uint8_t *buf;
    size_t n;
    sca_rc rc = cli_read_file(path, 64 * 1024, &buf, &n, err);
    if (rc != SCA_OK)
        return rc;
    X509 *x = NULL;
    BIO *b = BIO_new_mem_buf(buf, (int)n);
    if (b != NULL && looks_pem(buf, n)) {
        x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    } else if (b != NULL) {
        const uint8_t *p = buf;
        x = d2i_X509(NULL, &p, (long)n);
    }
    BIO_free(b);
    free(buf);
    if (x == NULL)
        return sca_error_set(err, SCA_E_PARSE, "%s holds no X.509 certificate (PEM or DER)", path);
    *out = x;
    return SCA_OK;
}

sca_rc cli_write_out(const cli *c, const void *buf, size_t len, sca_error *err)
{
    FILE *f = c->out != NULL ? fopen(c->out, "wb") : stdout;
    if (f == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot create %s", c->out);
    int ok = fwrite(buf, 1, len, f) == len;
    if (c->out != NULL)
        ok = fclose(f) == 0 && ok;
    else
        ok = fflush(f) == 0 && ok;
    return ok ? SCA_OK : sca_error_set(err, SCA_E_INVALID_ARG, "cannot write %s", c->out ? c->out : "the output");
}

sca_rc cli_open_issuer(cli *c, sca_error *err)
{
    sca_issuer_keys k;
    sca_rc rc;
    if (c->issuer_keys != NULL)
        rc = sca_issuer_keys_load(c->issuer_keys, &k, err);
    else if (c->test_keys)
        sca_issuer_test_keys(&k), rc = SCA_OK;
    else
        return sca_error_set(err, SCA_E_INVALID_ARG,
                             "issuer commands need the issuer keys: --issuer-keys FILE (or --test-keys on a test card)");
    if (rc == SCA_OK)
        rc = cli_open(c, err);
    if (rc == SCA_OK)
        rc = sca_issuer_open(c->card, &k, err);
    OPENSSL_cleanse(&k, sizeof k);
    return rc;
}
