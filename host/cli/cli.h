/* Shared state and helpers of the scagent CLI. */
#ifndef SCAGENT_CLI_H
#define SCAGENT_CLI_H

#include <jansson.h>

#include "scagent/scagent.h"

/* Exit codes (documented in `scagent --help` and README). */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_GENERIC = 1, /* a card or host error with no more specific code */
    EXIT_USAGE = 2,           /* bad command line */
    EXIT_NO_CARD = 3,         /* no PC/SC service, no reader, no card, reader busy */
    EXIT_CARD_LOST = 4,       /* card removed or reset mid-operation, transport failure, timeout */
    EXIT_NO_APPLET = 5,       /* the applet is missing or does not support the operation */
    EXIT_WRONG_PIN = 6,
    EXIT_PIN_BLOCKED = 7,
    EXIT_DENIED = 8,          /* security status, authentication, life-cycle conditions */
    EXIT_BAD_DATA = 9,        /* malformed data from the card or input, protocol or crypto failure */
};

typedef struct cli {
    sca_open_opts open;
    int json;
    int verbose;
    const char *pin;       /* --pin */
    const char *new_pin;   /* --new-pin */
    int pin_stdin;         /* --pin-stdin: PIN (and new PIN) on standard input, one per line */
    sca_card *card;
} cli;

/* Open the card per the global options (the first reader with the applet when none is named). */
sca_rc cli_open(cli *c, sca_error *err);

/* Report a failure (text on stderr, or a JSON object on stdout) and return the exit code. */
int cli_fail(const cli *c, const sca_error *err);
int cli_exit_code(sca_rc rc);
/* Print `obj` as JSON (and free it), or nothing; text output is each command's own. */
void cli_json(json_t *obj);
/* Hex string for JSON and text. Caller frees. */
char *cli_hex(const uint8_t *b, size_t n, int spaced);

/* Read a PIN: --pin, else a line of stdin with --pin-stdin, else a prompt on the terminal without echo. */
sca_rc cli_read_pin(const cli *c, const char *prompt, const char *given, char *out, size_t cap, sca_error *err);

int cmd_readers(cli *c, int argc, char **argv);
int cmd_info(cli *c, int argc, char **argv);
int cmd_apdu(cli *c, int argc, char **argv);
int cmd_pin(cli *c, int argc, char **argv);

#endif
