/* scagent: the command-line front end of libscagent. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: scagent [options] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  readers                 list PC/SC readers, their cards, and whether the scagent applet answers\n"
    "  info                    reader, ATR, protocol, applet version, capabilities, memory, PIN tries, life cycle\n"
    "  apdu HEX [HEX...]       send raw APDUs (diagnostics); the class byte gets the session's logical channel\n"
    "  pin verify|change|status\n"
    "\n"
    "options:\n"
    "  -r, --reader NAME       use this reader (exact name or a unique part of it); default: the first reader\n"
    "                          whose card answers SELECT of the scagent applet\n"
    "      --basic-channel     do not open a logical channel\n"
    "      --no-select         (apdu) talk to the card itself: basic channel, no SELECT of the applet\n"
    "      --pin PIN           the PIN (visible to other users in the process list: prefer --pin-stdin)\n"
    "      --new-pin PIN       the new PIN for 'pin change'\n"
    "      --pin-stdin         read the PIN (then the new PIN) from standard input, one per line\n"
    "  -j, --json              print one JSON object on standard output (errors too)\n"
    "  -v, --verbose           more detail on stderr; twice: APDU traces (PINs and keys masked)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit codes:\n"
    "  0 success                       5 applet missing / operation not supported\n"
    "  1 other card or host error      6 wrong PIN\n"
    "  2 bad command line              7 PIN blocked\n"
    "  3 no PC/SC service/reader/card  8 access denied (PIN, issuer, life-cycle state)\n"
    "  4 card removed or reset         9 malformed data, protocol or crypto failure\n";

static const struct {
    const char *name;
    int (*run)(cli *c, int argc, char **argv);
} commands[] = {
    {"readers", cmd_readers},
    {"info", cmd_info},
    {"apdu", cmd_apdu},
    {"pin", cmd_pin},
};

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    enum { OPT_BASIC = 256, OPT_NOSEL, OPT_PIN, OPT_NEWPIN, OPT_PINSTDIN };
    static const struct option opts[] = {
        {"reader", required_argument, NULL, 'r'}, {"basic-channel", no_argument, NULL, OPT_BASIC},
        {"no-select", no_argument, NULL, OPT_NOSEL}, {"pin", required_argument, NULL, OPT_PIN},
        {"new-pin", required_argument, NULL, OPT_NEWPIN}, {"pin-stdin", no_argument, NULL, OPT_PINSTDIN},
        {"json", no_argument, NULL, 'j'}, {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "r:jvh", opts, NULL)) != -1) {
        switch (o) {
        case 'r': c.open.reader = optarg; break;
        case OPT_BASIC: c.open.basic_channel = 1; break;
        case OPT_NOSEL: c.open.no_select = 1; break;
        case OPT_PIN: c.pin = optarg; break;
        case OPT_NEWPIN: c.new_pin = optarg; break;
        case OPT_PINSTDIN: c.pin_stdin = 1; break;
        case 'j': c.json = 1; break;
        case 'v': c.verbose++; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (c.verbose)
        sca_log_set_level(c.verbose > 1 ? SCA_LOG_DEBUG : SCA_LOG_INFO);
    if (optind >= argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[optind], commands[i].name) == 0) {
            int code = commands[i].run(&c, argc - optind - 1, argv + optind + 1);
            sca_card_close(c.card);
            return code;
        }
    }
    fprintf(stderr, "scagent: unknown command '%s'\n\n%s", argv[optind], usage);
    return EXIT_USAGE;
}
