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

int sca_http_base_options(void *curl)
{
    CURL *h = curl;
    int bad = 0;
#if LIBCURL_VERSION_NUM >= 0x075500
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
    bad |= curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    return bad;
}

sca_rc sca_http_init(const char *who, sca_error *err)
{
    pthread_once(&once, init);
    if (init_rc != CURLE_OK)
        return sca_error_set(err, SCA_E_INTERNAL, "%s: libcurl initialization failed: %s", who,
                             curl_easy_strerror(init_rc));
    return SCA_OK;
}
