/* scagent pin verify|change|status. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"

static int pin_status(cli *c)
{
    sca_error err;
    sca_pin_status st;
    if (cli_open(c, &err) != SCA_OK || sca_pin_get_status(c->card, &st, &err) != SCA_OK)
        return cli_fail(c, &err);
    return cli_show(c, sca_json_pin_status(&st), sca_json_pin_status_print);
}

int cmd_pin(cli *c, int argc, char **argv)
{
    sca_error err;
    if (argc < 1 || (strcmp(argv[0], "verify") && strcmp(argv[0], "change") && strcmp(argv[0], "status"))) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent pin verify|change|status");
        return cli_fail(c, &err);
    }
    if (strcmp(argv[0], "status") == 0)
        return pin_status(c);
    int change = strcmp(argv[0], "change") == 0;
    char pin[64] = {0}, new_pin[64] = {0};
    sca_rc rc = cli_read_pin(c, change ? "Current PIN" : "PIN", c->pin, pin, sizeof pin, &err);
    if (rc == SCA_OK && change)
        rc = cli_read_pin(c, "New PIN", c->new_pin, new_pin, sizeof new_pin, &err);
    if (rc == SCA_OK)
        rc = cli_open(c, &err);
    if (rc == SCA_OK)
        rc = change ? sca_pin_change(c->card, pin, new_pin, &err) : sca_pin_verify(c->card, pin, &err);
    OPENSSL_cleanse(pin, sizeof pin);
    OPENSSL_cleanse(new_pin, sizeof new_pin);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    if (c->json)
        cli_json(json_pack("{s:b}", "ok", 1));
    else
        printf(change ? "PIN changed\n" : "PIN verified\n");
    return EXIT_OK;
}
