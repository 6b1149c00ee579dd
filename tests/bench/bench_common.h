/* Shared by the benchmarks: a monotonic clock, percentiles, a transport that counts the APDUs it carries in front of
 * the PC/SC one (for "APDUs per operation" figures), a raw PC/SC connection for the baselines, and the DM
 * personalization of a fresh card. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <openssl/evp.h>
#include <winscard.h>

#include "scagent/scagent.h"
#include "scagent/transport.h"

/* Microseconds on the monotonic clock. */
double bench_now_us(void);
/* Sort ascending (for medians and percentiles). */
void bench_sort(double *v, int n);
/* The p-quantile (0..1) of n values, sorting them in place. */
double bench_pct(double *v, int n, double p);

/* A raw PC/SC connection to `reader` (shared, T=0 or T=1) with the applet selected on the basic channel: the
 * protocol's PCI, or NULL when it cannot connect. */
const SCARD_IO_REQUEST *bench_raw_open(const char *reader, SCARDCONTEXT *ctx, SCARDHANDLE *h, DWORD *proto);

/* DM firmware-update control on a fresh card (test issuer keys): identifier fields, the DM server `dm_id` in slot 0
 * (firmware updates and log reading; its key pair is made here and dropped), and originator 0, whose private key is
 * returned in *orig for signing manifests. */
sca_rc bench_dm_personalize(sca_card *card, const char *dm_id, EVP_PKEY **orig, sca_error *err);

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Wraps `inner` (taking ownership: closing the wrapper closes it); *count is incremented per APDU. */
sca_transport *bench_counting(sca_transport *inner, unsigned long **count);

#endif
