/* scagent: the command-line front end of libscagent. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scagent/client.h"

static const char usage[] =
    "usage: scagent [options] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  readers                 list PC/SC readers, their cards, and whether the scagent applet answers\n"
    "  info                    reader, ATR, protocol, applet version, capabilities, memory, PIN tries, life cycle\n"
    "  apdu HEX [HEX...]       send raw APDUs (diagnostics); the class byte gets the session's logical channel\n"
    "  pin verify|change|status\n"
    "  id show                 the card's BCAST client identifier fields, key and certificate\n"
    "  id header               the User-Agent value: BCAST_Client_ID=<Base64 of a freshly signed identifier>\n"
    "  id verify FILE|-        check a BCAST_Client_ID (binary, Base64 or header value) as a NAF server would\n"
    "                          [--cert FILE] [--ca FILE]\n"
    "  upgrade verify FILE|-   check an upgrade_available_msg against the card's NAF anchors and identifier\n"
    "  register URL            MBMS User Service Registration with the BCAST_Client_ID [--id-on-request]\n"
    "                          [--no-cert] [--timeout MS]\n"
    "  perso keygen [ec|rsa]   issuer: new client key pair on the card (prints the public key, PEM)\n"
    "  perso csr --subject S   issuer: a PKCS#10 request signed by the card (PEM)\n"
    "  perso cert load FILE    issuer: store the client certificate (PEM or DER)\n"
    "  perso fields --imei 15DIGITS --firmware N --manufacturer N --model N --serial N --software N\n"
    "  perso imsi DIGITS       issuer: the subscriber's IMSI (EF_IMSI; the DM bootstrap NETWORKID key)\n"
    "  perso version firmware|software N\n"
    "                          issuer: raise a version (versions only go up)\n"
    "  perso naf-anchor add FILE | list | remove SLOT\n"
    "                          issuer (list: anyone): the NAF trust anchors on the card\n"
    "  dm servers | policy     the authorized DM servers and the policy for the others\n"
    "  dm check SERVER         is SERVER authorized for firmware updates (else: what the policy says)\n"
    "  dm confirm SERVER       the user confirms an unauthorized server (policy permitting; PIN if it says so)\n"
    "  dm bootstrap verify FILE --content-type VALUE | --wsp\n"
    "                          check an OMA DM bootstrap message (HMAC-SHA1 per its SEC), then print the WBXML as\n"
    "                          XML; FILE is the WBXML body, or with --wsp a raw WAP push PDU. By default the card\n"
    "                          checks it with its own IMSI or GBA key and counts the --pin tries; the _GBA methods\n"
    "                          need --naf-fqdn FQDN --ua-id HEX10; --add-server adds the DM server it names to the\n"
    "                          card's list (policy BOOTSTRAP_ADD). Offline (--offline, or any key option): the key\n"
    "                          from --imsi DIGITS | --esn HEX | --key-hex HEX (Ks_NAF for the _GBA ones) and --pin\n"
    "  gba bootstrap URL       GBA_U bootstrapping with the BSF at URL (Ub, HTTP Digest AKA); the card keeps Ks,\n"
    "                          the B-TID and lifetime are written to it [--impi I] [--cafile F] (needs --pin)\n"
    "  gba status              the card's EF_GBABP (RAND, B-TID, key lifetime) and IMPI\n"
    "  gba naf-key --naf-fqdn FQDN [--ua-id HEX10]\n"
    "                          Ks_ext_NAF for that NAF (default Ua id 0100000001, MBMS) (needs --pin)\n"
    "  perso gba --k HEX --opc HEX | --op HEX [--impi I]\n"
    "                          issuer: the MILENAGE subscriber keys (resets SQN and Ks) and the IMPI\n"
    "  perso dmboot-tries N    issuer: the DM bootstrap USERPIN try limit (1..15); the tries start again\n"
    "  fu verify PACKAGE --manifest M --server ID [--on-card] [--token F] [--confirm]\n"
    "                          check a firmware update: server, signed manifest, package (hashed here or on the card)\n"
    "  fu report started|installed|failed [--code N]\n"
    "                          tell the card the outcome; installed raises the version in the BCAST identifier\n"
    "  fu log --server-key PEM [--card-key F] [--export F]\n"
    "                          as that DM server: authenticate, read the log and a signed checkpoint, verify them\n"
    "  fu log --dm-server URL --server ID\n"
    "                          relay for a remote DM server (tools/dm-sim): it signs the challenge and verifies\n"
    "  perso dm server add SLOT --id ID --key PEM --perms fw,log,other [--not-before T] [--not-after T]\n"
    "  perso dm server remove SLOT | policy deny|warn|pin [--token-required] | originator add SLOT PEM |\n"
    "  perso dm originator remove SLOT | token-key HEX\n"
    "  mbms setup --bmsc-fqdn F  the MBMS setup for that BM-SC (after 'gba bootstrap'): the card derives and keeps\n"
    "                          the MUK; nothing secret is printed or stored here [--impi I] (needs --pin)\n"
    "  mbms ltkm FILE|-        an LTKM (binary or hex): a solicited-pull trigger prints what to do (LTKM request or\n"
    "                          re-registration); any other goes to the card (MSK update; needs --pin)\n"
    "  mbms stkm FILE|-        an STKM to the card (MTK generation): prints the TEK (MTK) and salt in hex (--pin)\n"
    "  mbms push FILE          a WAP push PDU (SMS bearer) carrying an LTKM: checked, then as 'mbms ltkm'\n"
    "  mbms delete msk --key-domain HEX6 --key-group N | muk --idi FQDN --idr B-TID   (needs --pin)\n"
    "  mbms status             the card's MUK and MSK tables (no keys)\n"
    "  mbms listen --udp PORT [--count N] [--timeout MS] [--bmsc URL --bmsc-fqdn F]\n"
    "                          receive LTKMs over UDP and act (card / LTKM request / re-registration; the requests\n"
    "                          need --bmsc); one JSON event line per message (needs --pin)\n"
    "  bcast register|service-request|token-purchase|ltkm-request URL --bmsc-fqdn F [--service ID...]\n"
    "        [--msk-id HEX8...] [--key-domain HEX6] [--udp-port N]\n"
    "                          OMA BCAST Smartcard Profile provisioning with HTTP Digest (B-TID, MRK from the card;\n"
    "                          needs --pin); exit 10 when the BM-SC refused the request or part of it\n"
    "\n"
    "options:\n"
    "  -r, --reader NAME       use this reader (exact name or a unique part of it); default: the first reader\n"
    "                          whose card answers SELECT of the scagent applet\n"
    "      --basic-channel     do not open a logical channel\n"
    "      --no-select         (apdu) talk to the card itself: basic channel, no SELECT of the applet\n"
    "      --pin PIN           the PIN (visible to other users in the process list: prefer --pin-stdin)\n"
    "      --new-pin PIN       the new PIN for 'pin change'\n"
    "      --pin-stdin         read the PIN (then the new PIN) from standard input, one per line\n"
    "      --issuer-keys FILE  (perso) issuer keys: a profile file with issuer_key_enc/mac/version\n"
    "      --test-keys         (perso) the documented test issuer keys (test cards only)\n"
    "      --out FILE          write the main output (key, CSR, identifier) to FILE\n"
    "  -S, --socket PATH       go through scagentd at PATH (info, pin, id, register, upgrade verify, dm\n"
    "                          check|servers|policy|bootstrap verify, gba, mbms, bcast, fu verify|report|log\n"
    "                          --dm-server, apdu, perso; not readers); --daemon: its\n"
    "                          socket, $SCAGENT_SOCKET or\n"
    "                          /run/scagent/scagentd.sock\n"
    "  -j, --json              print one JSON object on standard output (errors too)\n"
    "  -v, --verbose           more detail on stderr; twice: APDU traces (PINs and keys masked)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit codes:\n"
    "  0 success                       5 applet missing / operation not supported\n"
    "  1 other card or host error      6 wrong PIN\n"
    "  2 bad command line              7 PIN blocked\n"
    "  3 no PC/SC service/reader/card  8 access denied (PIN, issuer, life-cycle state)\n"
    "  4 card removed or reset         9 malformed data, protocol or crypto failure (a signature or bootstrap\n"
    "                                    MAC that does not verify, an upgrade message for another client)\n"
    "  10 (register) the server refused the registration, or requires a critical upgrade first;\n"
    "     (bcast) the BM-SC refused the request (HTTP 400/403/5xx) or a non-zero globalStatusCode\n";

static const struct {
    const char *name;
    int (*run)(cli *c, int argc, char **argv);
} commands[] = {
    {"readers", cmd_readers},
    {"info", cmd_info},
    {"apdu", cmd_apdu},
    {"pin", cmd_pin},
    {"id", cmd_id},
    {"upgrade", cmd_upgrade},
    {"register", cmd_register},
    {"perso", cmd_perso},
    {"dm", cmd_dm},
    {"fu", cmd_fu},
    {"gba", cmd_gba},
    {"mbms", cmd_mbms},
    {"bcast", cmd_bcast},
};

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    c.code = -1;
    c.not_before = -1;
    c.not_after = -1;
    c.now = -1;
    c.udp_port = -1;
    enum {
        OPT_BASIC = 256, OPT_NOSEL, OPT_PIN, OPT_NEWPIN, OPT_PINSTDIN, OPT_KEYS, OPT_TESTKEYS, OPT_SUBJECT, OPT_OUT,
        OPT_CERT, OPT_CA, OPT_NOCERT, OPT_ONREQ, OPT_TIMEOUT, OPT_IMEI, OPT_FW, OPT_SW, OPT_MFR, OPT_MODEL, OPT_SERIAL,
        OPT_MANIFEST, OPT_SERVER, OPT_ONCARD, OPT_TOKEN, OPT_CONFIRM, OPT_CODE, OPT_SERVERKEY, OPT_CARDKEY, OPT_EXPORT,
        OPT_ID, OPT_KEY, OPT_PERMS, OPT_NB, OPT_NA, OPT_TOKENREQ, OPT_BOOTADD, OPT_TIME, OPT_DMSERVER,
        OPT_CTYPE, OPT_IMSI, OPT_ESN, OPT_KEYHEX, OPT_WSP, OPT_OFFLINE, OPT_NAFFQDN, OPT_UAID, OPT_ADDSERVER,
        OPT_K, OPT_OPC, OPT_OP, OPT_IMPI, OPT_CAFILE, OPT_DAEMON, OPT_BMSCFQDN, OPT_BMSC, OPT_KEYDOMAIN,
        OPT_KEYGROUP, OPT_IDI, OPT_IDR, OPT_UDP, OPT_UDPPORT, OPT_COUNT, OPT_SERVICE, OPT_MSKID
    };
    static const struct option opts[] = {
        {"reader", required_argument, NULL, 'r'}, {"basic-channel", no_argument, NULL, OPT_BASIC},
        {"no-select", no_argument, NULL, OPT_NOSEL}, {"pin", required_argument, NULL, OPT_PIN},
        {"new-pin", required_argument, NULL, OPT_NEWPIN}, {"pin-stdin", no_argument, NULL, OPT_PINSTDIN},
        {"issuer-keys", required_argument, NULL, OPT_KEYS}, {"test-keys", no_argument, NULL, OPT_TESTKEYS},
        {"subject", required_argument, NULL, OPT_SUBJECT}, {"out", required_argument, NULL, OPT_OUT},
        {"cert", required_argument, NULL, OPT_CERT}, {"ca", required_argument, NULL, OPT_CA},
        {"no-cert", no_argument, NULL, OPT_NOCERT}, {"id-on-request", no_argument, NULL, OPT_ONREQ},
        {"timeout", required_argument, NULL, OPT_TIMEOUT}, {"imei", required_argument, NULL, OPT_IMEI},
        {"firmware", required_argument, NULL, OPT_FW}, {"software", required_argument, NULL, OPT_SW},
        {"manufacturer", required_argument, NULL, OPT_MFR}, {"model", required_argument, NULL, OPT_MODEL},
        {"serial", required_argument, NULL, OPT_SERIAL},
        {"manifest", required_argument, NULL, OPT_MANIFEST}, {"server", required_argument, NULL, OPT_SERVER},
        {"on-card", no_argument, NULL, OPT_ONCARD}, {"token", required_argument, NULL, OPT_TOKEN},
        {"confirm", no_argument, NULL, OPT_CONFIRM}, {"code", required_argument, NULL, OPT_CODE},
        {"server-key", required_argument, NULL, OPT_SERVERKEY}, {"card-key", required_argument, NULL, OPT_CARDKEY},
        {"export", required_argument, NULL, OPT_EXPORT}, {"id", required_argument, NULL, OPT_ID},
        {"key", required_argument, NULL, OPT_KEY}, {"perms", required_argument, NULL, OPT_PERMS},
        {"not-before", required_argument, NULL, OPT_NB}, {"not-after", required_argument, NULL, OPT_NA},
        {"token-required", no_argument, NULL, OPT_TOKENREQ}, {"bootstrap-add", no_argument, NULL, OPT_BOOTADD},
        {"time", required_argument, NULL, OPT_TIME}, {"dm-server", required_argument, NULL, OPT_DMSERVER},
        {"content-type", required_argument, NULL, OPT_CTYPE}, {"imsi", required_argument, NULL, OPT_IMSI},
        {"esn", required_argument, NULL, OPT_ESN}, {"key-hex", required_argument, NULL, OPT_KEYHEX},
        {"wsp", no_argument, NULL, OPT_WSP}, {"offline", no_argument, NULL, OPT_OFFLINE},
        {"naf-fqdn", required_argument, NULL, OPT_NAFFQDN}, {"ua-id", required_argument, NULL, OPT_UAID},
        {"add-server", no_argument, NULL, OPT_ADDSERVER}, {"k", required_argument, NULL, OPT_K},
        {"opc", required_argument, NULL, OPT_OPC}, {"op", required_argument, NULL, OPT_OP},
        {"impi", required_argument, NULL, OPT_IMPI}, {"cafile", required_argument, NULL, OPT_CAFILE},
        {"bmsc-fqdn", required_argument, NULL, OPT_BMSCFQDN}, {"bmsc", required_argument, NULL, OPT_BMSC},
        {"key-domain", required_argument, NULL, OPT_KEYDOMAIN}, {"key-group", required_argument, NULL, OPT_KEYGROUP},
        {"idi", required_argument, NULL, OPT_IDI}, {"idr", required_argument, NULL, OPT_IDR},
        {"udp", required_argument, NULL, OPT_UDP}, {"udp-port", required_argument, NULL, OPT_UDPPORT},
        {"count", required_argument, NULL, OPT_COUNT}, {"service", required_argument, NULL, OPT_SERVICE},
        {"msk-id", required_argument, NULL, OPT_MSKID},
        {"socket", required_argument, NULL, 'S'}, {"daemon", no_argument, NULL, OPT_DAEMON},
        {"json", no_argument, NULL, 'j'}, {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "r:S:jvh", opts, NULL)) != -1) {
        switch (o) {
        case 'r': c.open.reader = optarg; break;
        case OPT_BASIC: c.open.basic_channel = 1; break;
        case OPT_NOSEL: c.open.no_select = 1; break;
        case OPT_PIN: c.pin = optarg; break;
        case OPT_NEWPIN: c.new_pin = optarg; break;
        case OPT_PINSTDIN: c.pin_stdin = 1; break;
        case OPT_KEYS: c.issuer_keys = optarg; break;
        case OPT_TESTKEYS: c.test_keys = 1; break;
        case OPT_SUBJECT: c.subject = optarg; break;
        case OPT_OUT: c.out = optarg; break;
        case OPT_CERT: c.cert = optarg; break;
        case OPT_CA: c.ca = optarg; break;
        case OPT_NOCERT: c.no_cert = 1; break;
        case OPT_ONREQ: c.id_on_request = 1; break;
        case OPT_TIMEOUT: c.timeout_ms = atol(optarg); break;
        case OPT_IMEI: c.imei = optarg; break;
        case OPT_FW: c.firmware = optarg; break;
        case OPT_SW: c.software = optarg; break;
        case OPT_MFR: c.manufacturer = optarg; break;
        case OPT_MODEL: c.model = optarg; break;
        case OPT_SERIAL: c.serial = optarg; break;
        case OPT_MANIFEST: c.manifest = optarg; break;
        case OPT_SERVER: c.server = optarg; break;
        case OPT_ONCARD: c.on_card = 1; break;
        case OPT_TOKEN: c.token = optarg; break;
        case OPT_CONFIRM: c.confirm = 1; break;
        case OPT_CODE: c.code = atol(optarg); break;
        case OPT_SERVERKEY: c.server_key = optarg; break;
        case OPT_CARDKEY: c.card_key = optarg; break;
        case OPT_EXPORT: c.export_path = optarg; break;
        case OPT_ID: c.id = optarg; break;
        case OPT_KEY: c.key = optarg; break;
        case OPT_PERMS: c.perms = optarg; break;
        case OPT_NB: c.not_before = atol(optarg); break;
        case OPT_NA: c.not_after = atol(optarg); break;
        case OPT_TOKENREQ: c.token_required = 1; break;
        case OPT_BOOTADD: c.bootstrap_add = 1; break;
        case OPT_TIME: c.now = atoll(optarg); break;
        case OPT_DMSERVER: c.dm_server = optarg; break;
        case OPT_CTYPE: c.content_type = optarg; break;
        case OPT_IMSI: c.imsi = optarg; break;
        case OPT_ESN: c.esn = optarg; break;
        case OPT_KEYHEX: c.key_hex = optarg; break;
        case OPT_WSP: c.wsp = 1; break;
        case OPT_OFFLINE: c.offline = 1; break;
        case OPT_NAFFQDN: c.naf_fqdn = optarg; break;
        case OPT_UAID: c.ua_id = optarg; break;
        case OPT_ADDSERVER: c.add_server = 1; break;
        case OPT_K: c.gba_k = optarg; break;
        case OPT_OPC: c.gba_opc = optarg; break;
        case OPT_OP: c.gba_op = optarg; break;
        case OPT_IMPI: c.impi = optarg; break;
        case OPT_CAFILE: c.cafile = optarg; break;
        case OPT_BMSCFQDN: c.bmsc_fqdn = optarg; break;
        case OPT_BMSC: c.bmsc = optarg; break;
        case OPT_KEYDOMAIN: c.key_domain = optarg; break;
        case OPT_KEYGROUP: c.key_group = optarg; break;
        case OPT_IDI: c.idi = optarg; break;
        case OPT_IDR: c.idr = optarg; break;
        case OPT_UDP:
        case OPT_UDPPORT: c.udp_port = atol(optarg); break;
        case OPT_COUNT: c.count = atol(optarg); break;
        case OPT_SERVICE:
            if (c.n_services < sizeof c.services / sizeof *c.services) c.services[c.n_services++] = optarg;
            else c.too_many = 1;
            break;
        case OPT_MSKID:
            if (c.n_msk_ids < sizeof c.msk_ids / sizeof *c.msk_ids) c.msk_ids[c.n_msk_ids++] = optarg;
            else c.too_many = 1;
            break;
        case 'S': c.socket = optarg; break;
        case OPT_DAEMON: c.socket = sca_client_default_socket(); break;
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
    if (c.socket != NULL)
        return cli_remote(&c, argc - optind, argv + optind);
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
