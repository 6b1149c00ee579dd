/* libcurl's global initialization, once per process. */
#include "http_init.h"

#include <pthread.h>

#include <curl/curl.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;

static void init(void)
{
    init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

sca_rc sca_http_init(const char *who, sca_error *err)
{
    pthread_once(&once, init);
    if (init_rc != CURLE_OK)
        return sca_error_set(err, SCA_E_INTERNAL, "%s: libcurl initialization failed: %s", who,
                             curl_easy_strerror(init_rc));
    return SCA_OK;
}
