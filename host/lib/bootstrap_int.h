/* Shared by the DM bootstrap parsers: the SEC and MAC parameter values, and the rules on which of them a header
 * must carry (scagent/bootstrap.h). */
#ifndef SCAGENT_BOOTSTRAP_INT_H
#define SCAGENT_BOOTSTRAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/bootstrap.h"

/* A header being parsed: the result and which parameters were seen. */
typedef struct dmboot_acc {
    sca_dmboot_header *h;
    int have_sec, have_mac;
} dmboot_acc;

void dmboot_acc_init(dmboot_acc *a, sca_dmboot_header *h);
/* SEC as a DM name (`len` characters, any case), as a WSP/ProvBoot short-integer code; MAC as hex text. Each
 * refuses a second SEC or MAC. */
sca_rc dmboot_acc_sec_name(dmboot_acc *a, const char *s, size_t len, sca_error *err);
sca_rc dmboot_acc_sec_code(dmboot_acc *a, unsigned code, sca_error *err);
sca_rc dmboot_acc_mac(dmboot_acc *a, const char *s, size_t len, sca_error *err);
/* Both present? (else SCA_E_PARSE naming the missing one) */
sca_rc dmboot_acc_finish(dmboot_acc *a, sca_error *err);

/* Case-insensitive comparison of `len` bytes with a NUL-terminated ASCII name (equal length required). */
int dmboot_name_eq(const char *s, size_t len, const char *name);

/* A WSP uintvar of at most `max_octets` octets at *p (before `end`); advances *p. 1: read; 0: truncated; -1: too
 * long or beyond 32 bits. */
int dmboot_uintvar(const uint8_t **p, const uint8_t *end, unsigned max_octets, uint32_t *v);

/* The checks every verification starts with: a DM bootstrap media type, a known SEC. */
sca_rc dmboot_usable(const sca_dmboot_header *h, sca_error *err);
/* The verified object: only the verifiers (host HMAC, or the card's answer) make one. */
sca_rc dmboot_verified_new(sca_dmboot_sec sec, const uint8_t *body, size_t body_len, sca_dmboot_verified **out,
                           sca_error *err);

#endif
