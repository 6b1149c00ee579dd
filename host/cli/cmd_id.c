/* scagent id show|header|verify: the BCAST client identifier (seed 000, 5.1.7.1). */
#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "sca_contract.h"

static int id_show(cli *c)
{
    sca_error err;
    sca_bcast_status st;
    if (cli_open(c, &err) != SCA_OK || sca_bcast_get_status(c->card, &st, &err) != SCA_OK)
        return cli_fail(c, &err);
    uint8_t raw[19];
    sca_bcast_fields f;
    int have_fields = 0;
    if (st.fields_set) {
        if (sca_bcast_get_fields(c->card, raw, &err) != SCA_OK || sca_bcast_fields_decode(raw, &f, &err) != SCA_OK)
            return cli_fail(c, &err);
        have_fields = 1;
    }
    X509 *x = NULL;
    if (st.cert_len > 0 && sca_bcast_get_certificate(c->card, &x, &err) != SCA_OK)
        return cli_fail(c, &err);
    json_t *o = sca_json_id_show(&st, have_fields ? raw : NULL, &f, x);
    X509_free(x);
    return cli_show(c, o, sca_json_id_show_print);
}

static int id_header(cli *c)
{
    sca_error err;
    uint8_t *id = malloc(SCA_BCAST_ID_MAX);
    size_t n = 0;
    char *value = NULL;
    sca_rc rc = id != NULL ? cli_open(c, &err) : sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
    if (rc == SCA_OK)
        rc = sca_bcast_get_client_id(c->card, !c->no_cert, id, SCA_BCAST_ID_MAX, &n, &err);
    if (rc == SCA_OK)
        rc = sca_bcastid_header(id, n, &value, &err);
    free(id);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:i}", "ok", 1, "user_agent", value, "length", (int)n));
    } else {
        size_t len = strlen(value);
        value[len] = '\n';
        rc = cli_write_out(c, value, len + 1, &err);
        value[len] = '\0';
    }
    free(value);
    return rc == SCA_OK ? EXIT_OK : cli_fail(c, &err);
}

/* The input of `id verify`: the binary identifier, or text: a User-Agent value ("BCAST_Client_ID=..."), a whole
 * "User-Agent: ..." header line, or bare Base64. */
sca_rc cli_bcastid_from_input(const uint8_t *in, size_t n, uint8_t **id, size_t *len, sca_error *err)
{
    size_t i;
    for (i = 0; i < n && (isprint(in[i]) || isspace(in[i])); i++)
        ;
    if (i < n || n == 0) { /* binary */
        *id = malloc(n ? n : 1);
        if (*id == NULL)
            return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
        memcpy(*id, in, n);
        *len = n;
        return SCA_OK;
    }
    char *text = malloc(n + sizeof SCA_BCASTID_HEADER_PREFIX);
    if (text == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    size_t start = 0, end = n;
    while (start < end && isspace(in[start]))
        start++;
    while (end > start && isspace(in[end - 1]))
        end--;
    static const char ua[] = "User-Agent:";
    if (end - start >= sizeof ua - 1 && strncasecmp((char *)in + start, ua, sizeof ua - 1) == 0)
        start += sizeof ua - 1;
    while (start < end && isspace(in[start]))
        start++;
    const char *prefix = (end - start >= sizeof SCA_BCASTID_HEADER_PREFIX - 1 &&
                          memcmp(in + start, SCA_BCASTID_HEADER_PREFIX, sizeof SCA_BCASTID_HEADER_PREFIX - 1) == 0)
                             ? ""
                             : SCA_BCASTID_HEADER_PREFIX;
    size_t p = strlen(prefix);
    memcpy(text, prefix, p);
    memcpy(text + p, in + start, end - start);
    text[p + end - start] = '\0';
    sca_rc rc = sca_bcastid_from_header(text, id, len, err);
    free(text);
    return rc;
}

static sca_rc load_ca(const char *path, X509_STORE **out, sca_error *err)
{
    X509_STORE *s = X509_STORE_new();
    if (s == NULL || X509_STORE_load_file(s, path) != 1) {
        X509_STORE_free(s);
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot load CA certificates (PEM) from %s", path);
    }
    *out = s;
    return SCA_OK;
}

static int id_verify(cli *c, const char *path)
{
    sca_error err;
    uint8_t *in = NULL, *id = NULL;
    size_t n = 0, len = 0;
    X509 *cert = NULL;
    X509_STORE *ca = NULL;
    sca_bcastid_verified v;
    memset(&v, 0, sizeof v);
    sca_rc rc = cli_read_file(path, SCA_BCASTID_MAX_LEN * 2, &in, &n, &err);
    if (rc == SCA_OK)
        rc = cli_bcastid_from_input(in, n, &id, &len, &err);
    if (rc == SCA_OK && c->cert != NULL)
        rc = cli_read_cert(c->cert, &cert, &err);
    if (rc == SCA_OK && c->ca != NULL)
        rc = load_ca(c->ca, &ca, &err);
    if (rc == SCA_OK)
        rc = sca_bcastid_verify(id, len, cert, ca, &v, &err);
    free(in);
    free(id);
    X509_free(cert);
    X509_STORE_free(ca);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    return cli_show(c, sca_json_bcastid_verified(&v), sca_json_bcastid_verified_print);
}

int cmd_id(cli *c, int argc, char **argv)
{
    sca_error err;
    if (argc >= 1 && strcmp(argv[0], "show") == 0)
        return id_show(c);
    if (argc >= 1 && strcmp(argv[0], "header") == 0)
        return id_header(c);
    if (argc >= 2 && strcmp(argv[0], "verify") == 0)
        return id_verify(c, argv[1]);
    sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent id show | header [--no-cert] | verify FILE|- "
                                           "[--cert FILE] [--ca FILE]");
    return cli_fail(c, &err);
}
