/* scagent info: reader, ATR, protocol, applet version, capabilities, memory, PIN tries, life cycle. */
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
    const uint8_t *atr = sca_card_atr(c->card, &atr_len);
    return cli_show(c,
                    sca_json_info(&i, sca_card_reader(c->card), atr, atr_len, sca_card_protocol(c->card),
                                  sca_card_channel(c->card)),
                    sca_json_info_print);
}
