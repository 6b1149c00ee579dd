/* scagent info: reader, ATR, protocol, applet version, capabilities, memory, PIN tries, life cycle. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_info(cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sca_error err;
    sca_info i;
    if (cli_open(c, &err) != SCA_OK || sca_get_info(c->card, &i, &err) != SCA_OK)
        return cli_fail(c, &err);
    size_t atr_len;
    const uint8_t *atr_b = sca_card_atr(c->card, &atr_len);
    char *atr = cli_hex(atr_b, atr_len, !c->json), *id = cli_hex(i.card_id, sizeof i.card_id, 0);
    char caps[256], version[32];
    sca_capabilities_str(i.capabilities, caps, sizeof caps);
    snprintf(version, sizeof version, "%u.%u.%u", i.version[0], i.version[1], i.version[2]);
    int pin_set = (i.pin_flags & (1u << 2)) != 0, blocked = (i.pin_flags & (1u << 1)) != 0;
    if (c->json) {
        cli_json(json_pack("{s:b, s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:I, s:{s:I, s:I, s:I}, "
                           "s:{s:b, s:b, s:i, s:i}, s:s, s:s, s:i}",
                           "ok", 1, "reader", sca_card_reader(c->card), "atr", atr ? atr : "", "protocol",
                           sca_card_protocol(c->card) ? "T=1" : "T=0", "channel", (int)sca_card_channel(c->card),
                           "applet_version", version, "contract_version", i.contract_version, "capabilities", caps,
                           "capabilities_bits", (json_int_t)i.capabilities, "free_memory", "persistent",
                           (json_int_t)i.free_persistent, "transient_reset", (json_int_t)i.free_transient_reset,
                           "transient_deselect", (json_int_t)i.free_transient_deselect, "pin", "set", pin_set,
                           "blocked", blocked, "tries_left", i.pin_tries_left, "try_limit", i.pin_try_limit,
                           "card_id", id ? id : "", "lifecycle", sca_lifecycle_name(i.lifecycle),
                           "issuer_key_version", i.issuer_key_version));
    } else {
        printf("reader:            %s\n", sca_card_reader(c->card));
        printf("ATR:               %s\n", atr ? atr : "");
        printf("protocol:          T=%d, logical channel %u\n", sca_card_protocol(c->card),
               sca_card_channel(c->card));
        printf("applet version:    %s (contract %u)\n", version, i.contract_version);
        printf("capabilities:      %s\n", caps);
        printf("free memory:       %u persistent, %u transient (reset), %u transient (deselect) bytes\n",
               i.free_persistent, i.free_transient_reset, i.free_transient_deselect);
        if (!pin_set)
            printf("PIN:               not set (card not personalized)\n");
        else
            printf("PIN:               %u of %u tries left%s\n", i.pin_tries_left, i.pin_try_limit,
                   blocked ? ", BLOCKED" : "");
        printf("card id:           %s\n", id ? id : "");
        printf("life cycle:        %s\n", sca_lifecycle_name(i.lifecycle));
        printf("issuer key:        version %u\n", i.issuer_key_version);
    }
    free(atr);
    free(id);
    return EXIT_OK;
}
