/* libFuzzer target: what libscagent makes of a NAF's response (registration signalling, 5.1.7.3).
 * Input: status (2 bytes big-endian, taken mod 1000), Content-Type length (1 byte), the Content-Type bytes, then
 * the body. Content-Type and body are copied to buffers of their exact size so ASan sees any read past them.
 * Besides "no crash", the properties that the registration flow relies on are checked (abort on violation). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/register.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    long status = ((long)data[0] << 8 | data[1]) % 1000;
    size_t ct_len = data[2];
    if (ct_len > size - 3)
        ct_len = size - 3;
    size_t body_len = size - 3 - ct_len;
    char *ct = malloc(ct_len ? ct_len : 1);
    uint8_t *body = malloc(body_len ? body_len : 1);
    if (ct == NULL || body == NULL)
        abort();
    memcpy(ct, data + 3, ct_len);
    memcpy(body, data + 3 + ct_len, body_len);

    int asks = -1;
    sca_register_outcome o = sca_register_classify(status, ct, ct_len, body, body_len, &asks);
    if ((unsigned)o > SCA_REG_REFUSED || (asks != 0 && asks != 1))
        abort();
    if (asks && (status != 403 || o != SCA_REG_REFUSED)) /* the id is only ever asked for by a plain 403 */
        abort();
    if ((o == SCA_REG_UPGRADE_CRITICAL && status != 403) || (o == SCA_REG_ACCEPTED && (status < 200 || status > 299)))
        abort();

    char ex[SCA_REGISTER_EXCERPT_MAX + 1];
    sca_register_excerpt(body, body_len, ex, sizeof ex);
    size_t n = strnlen(ex, sizeof ex);
    if (n >= sizeof ex)
        abort();
    for (size_t i = 0; i < n; i++)
        if (ex[i] < 0x20 || ex[i] > 0x7E)
            abort();
    char small[5];
    sca_register_excerpt(body, body_len, small, sizeof small);
    if (strnlen(small, sizeof small) >= sizeof small)
        abort();
    free(ct);
    free(body);
    return 0;
}
