/* libcurl's process-wide initialization, done once whichever module needs HTTP first (internal). */
#ifndef SCA_HTTP_INIT_H
#define SCA_HTTP_INIT_H

#include "scagent/error.h"

/* curl_global_init once per process (thread-safe); SCA_E_INTERNAL naming `who` when it failed. */
sca_rc sca_http_init(const char *who, sca_error *err);

#endif
