/* libFuzzer target: the DM server id a verified bootstrap names (sca_dmboot_server_id), from decoded XML. The XML is
 * produced by libwbxml2 from bytes that verified, but a server (or whoever holds the key) chooses them, so the
 * extraction is treated as a parser of outside bytes: whatever it returns must be 1..64 printable characters with no
 * markup, NUL-terminated inside the buffer, and it must never read past the input. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scagent/dmboot_card.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = malloc(size + 1);
    if (xml == NULL)
        return 0;
    memcpy(xml, data, size);
    xml[size] = '\0';
    char id[65];
    memset(id, 'X', sizeof id);
    sca_error err;
    if (sca_dmboot_server_id(xml, id, sizeof id, &err) == SCA_OK) {
        size_t n = strnlen(id, sizeof id);
        if (n == 0 || n == sizeof id)
            abort();
        for (size_t i = 0; i < n; i++)
            if (!isprint((unsigned char)id[i]) || id[i] == '<' || id[i] == '>' || id[i] == '&')
                abort();
        if (strstr(xml, id) == NULL)
            abort();
    } else if (err.msg[0] == '\0') {
        abort();
    }
    free(xml);
    return 0;
}
