/* libFuzzer target: BCAST_Client_ID from outside (a NAF server's view): the strict parser, the User-Agent value,
 * and verification with the embedded certificate and with a fixed certificate and CA store. Checks the
 * round trips: header(parse OK) decodes back to the same bytes; fields that decode with a valid Luhn digit
 * encode back to the same 19 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_pki.h"
#include "scagent/bcastid.h"

static X509 *cert;
static X509_STORE *store;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cert = fixed_cert();
    store = X509_STORE_new();
    if (store == NULL || !X509_STORE_add_cert(store, cert))
        abort();
    return 0;
}

static void check_id(const uint8_t *d, size_t n)
{
    sca_error err;
    sca_bcastid_view v;
    if (sca_bcastid_parse(d, n, &v, &err) == SCA_OK) {
        volatile uint8_t touch = v.signature[v.signature_len - 1]; /* ASan checks the bounds */
        if (v.certificate_len)
            touch = v.certificate[v.certificate_len - 1];
        (void)touch;
        char *h = NULL;
        uint8_t *back = NULL;
        size_t back_len = 0;
        if (sca_bcastid_header(d, n, &h, &err) != SCA_OK || sca_bcastid_from_header(h, &back, &back_len, &err) !=
            SCA_OK || back_len != n || memcmp(back, d, n) != 0)
            abort();
        free(h);
        free(back);
    }
    sca_bcastid_verified out;
    (void)sca_bcastid_verify(d, n, NULL, NULL, &out, &err);
    (void)sca_bcastid_verify(d, n, NULL, store, &out, &err);
    if (sca_bcastid_verify(d, n, cert, store, &out, &err) == SCA_OK && out.failure != SCA_BCASTID_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_id(data, size);

    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    uint8_t *id = NULL;
    size_t n = 0;
    sca_error err;
    if (sca_bcastid_from_header(text, &id, &n, &err) == SCA_OK) {
        check_id(id, n);
        free(id);
    }
    free(text);

    if (size >= SCA_BCAST_FIELDS_SIZE) {
        sca_bcast_fields f;
        uint8_t again[SCA_BCAST_FIELDS_SIZE];
        if (sca_bcast_fields_decode(data, &f, &err) == SCA_OK && sca_imei_valid(f.imei) &&
            (sca_bcast_fields_encode(&f, again, &err) != SCA_OK || memcmp(again, data, sizeof again) != 0))
            abort();
    }
    return 0;
}
