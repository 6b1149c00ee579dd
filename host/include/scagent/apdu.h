/* APDUs and the engine that carries them: case 1-4, short and extended length, command chaining,
 * 61xx GET RESPONSE, 6Cxx re-send, logical-channel class bytes. */
#ifndef SCAGENT_APDU_H
#define SCAGENT_APDU_H

#include <stddef.h>
#include <stdint.h>

#include "scagent/error.h"
#include "scagent/transport.h"

/* Flags of an APDU. */
#define SCA_APDU_SENSITIVE 0x01u      /* mask the command data in traces (PINs, keys) */
#define SCA_APDU_SENSITIVE_RESP 0x02u /* mask the response data in traces */
#define SCA_APDU_CHAIN 0x04u          /* command chaining allowed when the data exceeds a short APDU */
#define SCA_APDU_RETRY_ON_RESET 0x08u /* read-only: may be re-sent transparently after a card reset */

typedef struct sca_apdu {
    uint8_t cla; /* base class; the engine adds the logical channel and the chaining bit */
    uint8_t ins;
    uint8_t p1;
    uint8_t p2;
    const uint8_t *data;
    size_t lc;      /* command data length, 0..65535 */
    size_t le;      /* expected response length: 0 = none, 1..65536; SCA_LE_ANY = as much as the card has */
    unsigned flags;
} sca_apdu;

#define SCA_LE_ANY 65536u

/* The class byte for `base` on logical channel `channel` (0..19), per ISO 7816-4 (first and further
 * interindustry coding; proprietary classes coded alike, as ETSI TS 102 221 does). */
uint8_t sca_cla_for_channel(uint8_t base, unsigned channel);

/* Encode one APDU (no chaining) into `out`. `extended` selects extended length; on T=0 (`t0`) a case-4 command
 * is sent as case 3 and the data comes back through 61xx. */
sca_rc sca_apdu_encode(const sca_apdu *a, uint8_t cla, int extended, int t0, uint8_t *out, size_t cap,
                       size_t *out_len, sca_error *err);

/* Parse a raw C-APDU (as typed by a person, or received from a client) into `out`, which points into `raw`.
 * Accepts the short and extended forms of cases 1-4; SCA_E_PARSE when the lengths do not add up. */
sca_rc sca_apdu_parse(const uint8_t *raw, size_t len, sca_apdu *out, sca_error *err);

/* Engine parameters for one exchange. */
typedef struct sca_engine {
    sca_transport *tr;
    unsigned channel;  /* logical channel */
    int card_extended; /* the card accepts extended-length APDUs */
} sca_engine;

/* Carry `a` to the card and return the complete response data and the final status word. A non-9000 status
 * word is NOT an error here (the caller interprets it); transport failures and protocol violations are. */
sca_rc sca_engine_transceive(const sca_engine *e, const sca_apdu *a, uint8_t *resp, size_t cap,
                             size_t *resp_len, uint16_t *sw, sca_error *err);

/* Trace one raw APDU at debug level, masking the data when `mask`. `dir` is ">" or "<". */
void sca_trace_apdu(const char *dir, const uint8_t *raw, size_t len, int mask, int is_response);

#endif
