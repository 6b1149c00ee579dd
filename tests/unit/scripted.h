/* A scripted card for unit tests: each step names the command the host must send (hex, or NULL for any) and
 * the card's answer (hex), or a failure the transport reports instead. A step whose `expect` is "BEGIN" is
 * consumed by the next transaction start. */
#ifndef TEST_SCRIPTED_H
#define TEST_SCRIPTED_H

#include <stddef.h>

#include "scagent/transport.h"

struct script_step {
    const char *expect;
    const char *reply;
    sca_rc fail; /* SCA_OK, or e.g. SCA_E_CARD_RESET / SCA_E_CARD_REMOVED */
};

sca_transport *scripted_new(int protocol, size_t max_apdu_data, const struct script_step *steps, size_t n);
/* Steps not consumed yet (0 when the host did exactly what the script expected). */
size_t scripted_left(const sca_transport *t);
/* 1 when a command did not match its step. */
int scripted_mismatch(const sca_transport *t);
#define STEPS(...) ((const struct script_step[]){__VA_ARGS__}), (sizeof((const struct script_step[]){__VA_ARGS__}) / sizeof(struct script_step))

#endif
