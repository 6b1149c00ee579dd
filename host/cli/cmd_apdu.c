/* scagent apdu HEX...: raw APDUs for diagnostics, through the same engine (61xx, 6Cxx, channel). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_apdu(cli *c, int argc, char **argv)
{
    sca_error err;
    if (argc < 1) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent apdu HEX [HEX...]");
        return cli_fail(c, &err);
    }
    static uint8_t raw[65536 + 16], resp[65536 + 2];
    if (cli_open(c, &err) != SCA_OK)
        return cli_fail(c, &err);
    json_t *list = json_array();
    int code = EXIT_OK;
    for (int k = 0; k < argc; k++) {
        long n = sca_hex_decode(argv[k], raw, sizeof raw);
        sca_apdu a;
        if (n < 0) {
            sca_error_set(&err, SCA_E_INVALID_ARG, "'%s' is not a hex APDU", argv[k]);
            code = cli_fail(c, &err);
            break;
        }
        if (sca_apdu_parse(raw, (size_t)n, &a, &err) != SCA_OK) {
            err.rc = SCA_E_INVALID_ARG;
            code = cli_fail(c, &err);
            break;
        }
        a.flags = SCA_APDU_CHAIN;
        size_t rl;
        uint16_t sw;
        if (sca_card_begin(c->card, &err) != SCA_OK) {
            code = cli_fail(c, &err);
            break;
        }
        sca_rc rc = sca_card_transceive(c->card, &a, resp, sizeof resp, &rl, &sw, &err);
        sca_card_end(c->card);
        if (rc != SCA_OK) {
            code = cli_fail(c, &err);
            break;
        }
        char *hex = cli_hex(resp, rl, !c->json), swhex[8];
        snprintf(swhex, sizeof swhex, "%04X", sw);
        if (c->json)
            json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "data", hex ? hex : "", "sw", swhex,
                                                  "meaning", sca_sw_meaning(sw)));
        else
            printf("%s%s%s  (%s)\n", hex ? hex : "", rl ? " " : "", swhex, sca_sw_meaning(sw));
        free(hex);
    }
    if (c->json && code == EXIT_OK)
        cli_json(json_pack("{s:b, s:o}", "ok", 1, "responses", list));
    else
        json_decref(list);
    return code;
}
