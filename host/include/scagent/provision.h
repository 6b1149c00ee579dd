/* OMA BCAST Smartcard Profile service provisioning over HTTP Digest (seed 002 5.4.7.2.3-5.4.7.2.7; TS 33.246
 * §6.2.1; applet-spec/mbms.md §6): Registration, Service Request, Token Purchase and LTKM Request to the BM-SC
 * (BSM). The exact URLs and XML bodies are those of tools/bmsc-sim/README.md (our outline of OMA BCAST Services
 * 5.1.6 [G]).
 *
 * Each request: POST without Authorization, 401 with one Digest challenge (algorithm MD5, qop auth-int), POST again
 * with username = the B-TID and password = Base64(MRK) (the 44-character text), 200 with the answer. A stale nonce
 * (401 with stale=true) gets one more round; at most 3 requests whatever the server does. The BM-SC must prove it
 * knows MRK: a 200 without exactly one Authentication-Info with a matching rspauth is refused (SCA_E_AUTH_FAILED),
 * and nothing in its body is believed before that. Redirects are not followed. */
#ifndef SCAGENT_PROVISION_H
#define SCAGENT_PROVISION_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"
#include "scagent/mikey.h"

#define SCA_BCAST_IDS_MAX 32        /* service IDs, purchase items or MSK IDs in one request */
#define SCA_BCAST_ITEM_ID_MAX 256        /* one service ID / purchase item reference */
#define SCA_BCAST_BODY_MAX 65536    /* the BM-SC's answer body */
#define SCA_BCAST_LTKMS_MAX 32      /* LTKMs in one LTKMResponse */
#define SCA_BCAST_LTKM_MAX 2048     /* one LTKM (decoded) */
#define SCA_BCAST_REQUEST_ID_MAX 64

typedef enum sca_bcast_kind {
    SCA_BCAST_REGISTER = 0,        /* POST /bmsc/register: RegistrationRequest { ServiceID+ } */
    SCA_BCAST_SERVICE_REQUEST,     /* POST /bmsc/service-request: ServiceRequest { PurchaseItem+, LTKMDelivery? } */
    SCA_BCAST_TOKEN_PURCHASE,      /* POST /bmsc/token-purchase: TokenPurchaseRequest { the same } */
    SCA_BCAST_LTKM_REQUEST,        /* POST /bmsc/ltkm-request: LTKMRequest { KeyDomainID?, MSKID+, LTKMDelivery? } */
} sca_bcast_kind;

typedef struct sca_bcast_request {
    sca_bcast_kind kind;
    const char *base_url;          /* the BM-SC, e.g. http://127.0.0.1:8080 (the path /bmsc/<kind> is appended) */
    const char *btid;              /* the Digest username */
    const uint8_t *mrk;            /* 32 bytes; the Digest password is its Base64 */
    const char *const *ids;        /* register: ServiceIDs (none: urn:allServices); service-request and
                                      token-purchase: purchase item global IDs (at least one) */
    size_t n_ids;
    const uint8_t (*msk_ids)[SCA_MIKEY_MSK_ID_LEN]; /* ltkm-request: at least one; Key Number 0 = the Key Group */
    size_t n_msk_ids;
    const uint8_t *key_domain;     /* ltkm-request: 3 bytes, or NULL (the BM-SC's own) */
    const char *delivery_address;  /* LTKMDelivery address (NULL: 127.0.0.1) */
    uint16_t delivery_port;        /* LTKMDelivery port; 0: no LTKMDelivery element (nothing pushed) */
    const char *request_id;        /* NULL: a random one */
    const char *cafile;            /* TLS trust for https; NULL: the system store */
    long timeout_ms;               /* per HTTP request; 0: 10 s */
} sca_bcast_request;

typedef struct sca_bcast_item {
    char id[SCA_BCAST_ITEM_ID_MAX + 1]; /* ServiceID, globalIDRef, or the MSK ID as 8 hex digits */
    long status;                   /* statusCode / itemwiseStatusCode (0 success, 3 unknown, 8 malformed) */
} sca_bcast_item;

typedef struct sca_bcast_ltkm {
    uint8_t msk_id[SCA_MIKEY_MSK_ID_LEN];
    uint8_t *msg;                  /* the MIKEY message (malloc'd) */
    size_t len;
} sca_bcast_ltkm;

typedef struct sca_bcast_response {
    long http_status;              /* of the last answer (0: none) */
    int http_requests;
    char *body;                    /* the last answer's body, NUL-terminated (malloc'd; NULL when none) */
    size_t body_len;
    char request_id[SCA_BCAST_REQUEST_ID_MAX + 1];
    long global_status;            /* globalStatusCode of a 200 answer; -1 before parsing */
    size_t n_items;
    sca_bcast_item items[SCA_BCAST_IDS_MAX];
    size_t n_ltkms;
    sca_bcast_ltkm ltkms[SCA_BCAST_LTKMS_MAX];
} sca_bcast_response;

/* One provisioning exchange. On SCA_OK the answer was a 200 with a verified rspauth and a well-formed body of the
 * right kind (global_status says whether the BM-SC granted everything: 0). Otherwise the error says what to do;
 * http_status and body still describe the last answer (e.g. 403 when the BM-SC does not know the B-TID:
 * SCA_E_DENIED). Free the response with sca_bcast_response_free in every case. */
sca_rc sca_bcast_provision(const sca_bcast_request *req, sca_bcast_response *out, sca_error *err);
void sca_bcast_response_free(sca_bcast_response *r);

/* The request body of `req` (malloc'd, NUL-terminated XML) with `request_id`; SCA_E_INVALID_ARG naming a bad
 * field (IDs: 1..256 printable ASCII; at least one purchase item / MSK ID where required). */
sca_rc sca_bcast_request_body(const sca_bcast_request *req, const char *request_id, char **out, size_t *len,
                              sca_error *err);
/* Parse a 200 body strictly for `kind`: root element RegistrationResponse / ServiceResponse /
 * TokenPurchaseResponse / LTKMResponse with requestID (equal to `request_id` unless NULL) and globalStatusCode;
 * the item elements with their status codes; for an LTKMResponse every LTKM element's mskID (8 hex) and its
 * Base64 (canonical, at most SCA_BCAST_LTKM_MAX bytes) that must decode to an LTKM (sca_mikey_parse and
 * sca_ltkm_classify accept it) whose MSK ID equals mskID. Unknown elements are ignored; known ones elsewhere than
 * directly under the root are refused. `out` is filled (free it with sca_bcast_response_free). */
sca_rc sca_bcast_parse_response(sca_bcast_kind kind, const uint8_t *body, size_t n, const char *request_id,
                                sca_bcast_response *out, sca_error *err);

const char *sca_bcast_kind_name(sca_bcast_kind kind); /* "register", "service-request", ... (the URL path) */

#endif
