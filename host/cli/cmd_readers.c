/* scagent readers: the PC/SC readers, their cards, and whether the scagent applet answers. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_readers(cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct sca_reader_info r[16];
    size_t n;
    sca_error err;
    sca_rc rc = sca_pcsc_list_readers(r, 16, &n, &err);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        int applet = 0;
        if (r[i].card_present) {
            sca_open_opts o = c->open;
            o.reader = r[i].name;
            sca_card *card;
            sca_error e;
            if (sca_card_open(&o, &card, &e) == SCA_OK) {
                applet = 1;
                sca_card_close(card);
            }
        }
        char *atr = cli_hex(r[i].atr, r[i].atr_len, !c->json);
        if (c->json)
            json_array_append_new(list, json_pack("{s:s, s:b, s:s, s:b}", "name", r[i].name, "card_present",
                                                  r[i].card_present, "atr", atr ? atr : "", "applet", applet));
        else
            printf("%s\n  card: %s%s%s\n  scagent applet: %s\n", r[i].name, r[i].card_present ? "present, ATR " : "absent",
                   r[i].card_present ? atr : "", "", applet ? "yes" : "no");
        free(atr);
    }
    if (c->json)
        cli_json(json_pack("{s:b, s:o}", "ok", 1, "readers", list));
    else {
        json_decref(list);
        if (n == 0)
            printf("no readers\n");
    }
    return EXIT_OK;
}
