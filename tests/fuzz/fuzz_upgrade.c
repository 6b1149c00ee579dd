/* libFuzzer target: upgrade_available_msg from outside (the client's view): the strict parser and the whole
 * verification against a fixed NAF anchor and fixed client fields, plus with the message's own fields (so
 * mutated messages also get past the fields check when their signature happens to hold). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixed_pki.h"
#include "scagent/upgrade.h"

static STACK_OF(X509) *anchors;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    anchors = sk_X509_new_null();
    if (anchors == NULL || !sk_X509_push(anchors, fixed_cert()))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sca_error err;
    sca_upgrade_view v;
    sca_rc parsed = sca_upgrade_parse(data, size, &v, &err);
    if (parsed == SCA_OK && v.supported) {
        volatile uint8_t touch = v.signature[v.signature_len - 1]; /* ASan checks the bounds */
        if (v.uri_len)
            touch = v.uri[v.uri_len - 1];
        if (v.certificate_len)
            touch = v.certificate[v.certificate_len - 1];
        (void)touch;
    }
    sca_upgrade_result r;
    sca_rc rc = sca_upgrade_verify(data, size, anchors, FIXED_FIELDS, &r, &err);
    /* verification never accepts what the parser refuses, and its result matches the parse */
    if (rc == SCA_OK && (parsed != SCA_OK || r.supported != v.supported))
        abort();
    if (rc == SCA_OK && r.supported &&
        (r.critical != v.critical || r.pushed != v.pushed || r.uri_kind != v.uri_kind ||
         strlen(r.uri) != v.uri_len || memcmp(v.fields_raw, FIXED_FIELDS, sizeof FIXED_FIELDS) != 0))
        abort();
    if (size >= 2 + SCA_BCAST_FIELDS_SIZE)
        (void)sca_upgrade_verify(data, size, anchors, data + 2, &r, &err);
    return 0;
}
