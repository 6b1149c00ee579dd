/* libcurl's process-wide initialization, done once whichever module needs HTTP first (internal). */
#ifndef SCA_HTTP_INIT_H
#define SCA_HTTP_INIT_H

#include "scagent/error.h"

/* curl_global_init once per process (thread-safe); SCA_E_INTERNAL naming `who` when it failed. */
sca_rc sca_http_init(const char *who, sca_error *err);

/* The options every request to a network peer of ours takes (a CURL *): http and https only, HTTP/1.1, no
 * redirects (the answer must come from the server asked), no signals (threads). Nonzero when libcurl refused one. */
int sca_http_base_options(void *curl);

#endif
