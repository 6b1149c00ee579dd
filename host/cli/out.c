/* Output, exit codes, PIN input and card opening for the CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"

int cli_exit_code(sca_rc rc)
{
    switch (rc) {
    case SCA_OK:
        return EXIT_OK;
    case SCA_E_INVALID_ARG:
        return EXIT_USAGE;
    case SCA_E_NO_SERVICE:
    case SCA_E_NO_READER:
    case SCA_E_NO_CARD:
    case SCA_E_SHARING:
        return EXIT_NO_CARD;
    case SCA_E_CARD_REMOVED:
    case SCA_E_CARD_RESET:
    case SCA_E_TRANSPORT:
    case SCA_E_TIMEOUT:
        return EXIT_CARD_LOST;
    case SCA_E_NO_APPLET:
    case SCA_E_NOT_SUPPORTED:
        return EXIT_NO_APPLET;
    case SCA_E_WRONG_PIN:
        return EXIT_WRONG_PIN;
    case SCA_E_PIN_BLOCKED:
        return EXIT_PIN_BLOCKED;
    case SCA_E_DENIED:
    case SCA_E_AUTH_FAILED:
    case SCA_E_CONDITIONS:
        return EXIT_DENIED;
    case SCA_E_PARSE:
    case SCA_E_PROTOCOL:
    case SCA_E_CRYPTO:
        return EXIT_BAD_DATA;
    default:
        return EXIT_FAILURE_GENERIC;
    }
}

void cli_json(json_t *obj)
{
    json_dumpf(obj, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(obj);
}

int cli_show(const cli *c, json_t *o, void (*print)(FILE *f, const json_t *o))
{
    if (c->json) {
        json_object_set_new(o, "ok", json_true());
        cli_json(o);
    } else {
        print(stdout, o);
        json_decref(o);
    }
    return EXIT_OK;
}

int cli_show_register(const cli *c, json_t *o)
{
    int refused = sca_json_register_refused(o);
    if (c->json) {
        json_object_set_new(o, "ok", json_boolean(!refused));
        cli_json(o);
    } else {
        sca_json_register_print(stdout, o);
        json_decref(o);
    }
    return refused ? EXIT_REFUSED : EXIT_OK;
}

int cli_fail(const cli *c, const sca_error *err)
{
    if (c->json) {
        json_t *e = json_pack("{s:s, s:s}", "error", sca_rc_name(err->rc), "message", err->msg);
        if (err->sw)
            json_object_set_new(e, "sw", json_sprintf("%04X", err->sw));
        if (err->tries_left >= 0)
            json_object_set_new(e, "tries_left", json_integer(err->tries_left));
        cli_json(json_pack("{s:b, s:o}", "ok", 0, "error", e));
    } else {
        fprintf(stderr, "scagent: %s\n", err->msg);
    }
    return cli_exit_code(err->rc);
}

char *cli_hex(const uint8_t *b, size_t n, int spaced)
{
    char *s = malloc(3 * n + 1);
    if (s != NULL)
        sca_hex_encode(b, n, s, spaced);
    return s;
}

int cli_usage(const cli *c, const char *msg)
{
    sca_error err;
    sca_error_set(&err, SCA_E_INVALID_ARG, "%s", msg);
    return cli_fail(c, &err);
}

sca_rc cli_open(cli *c, sca_error *err)
{
    return sca_card_open(&c->open, &c->card, err);
}

sca_rc cli_read_pin(const cli *c, const char *prompt, const char *given, char *out, size_t cap, sca_error *err)
{
    if (given != NULL) {
        if (strlen(given) >= cap)
            return sca_error_set(err, SCA_E_INVALID_ARG, "the PIN is too long");
        strcpy(out, given);
        return SCA_OK;
    }
    if (c->pin_stdin) {
        if (fgets(out, (int)cap, stdin) == NULL)
            return sca_error_set(err, SCA_E_INVALID_ARG, "no PIN on standard input");
        out[strcspn(out, "\r\n")] = '\0';
        return SCA_OK;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (tty == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "no terminal to ask for the PIN; use --pin-stdin");
    struct termios old, quiet;
    int fd = fileno(tty), restored = tcgetattr(fd, &old) != 0;
    if (!restored) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fprintf(tty, "%s: ", prompt);
    fflush(tty);
    char *ok = fgets(out, (int)cap, tty);
    if (!restored)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (ok == NULL) {
        OPENSSL_cleanse(out, cap);
        return sca_error_set(err, SCA_E_INVALID_ARG, "no PIN entered");
    }
    out[strcspn(out, "\r\n")] = '\0';
    return SCA_OK;
}
