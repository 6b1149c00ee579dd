/* Shared state and helpers of the scagent CLI. */
#ifndef SCAGENT_CLI_H
#define SCAGENT_CLI_H

#include <jansson.h>
#include <openssl/x509.h>

#include "scagent/client.h"
#include "scagent/json_results.h"

#include "scagent/provision.h"
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
    EXIT_REFUSED = 10,        /* register: the server refused, or requires a critical upgrade first */
};

typedef struct cli {
    sca_open_opts open;
    int json;
    int verbose;
    const char *pin;       /* --pin */
    const char *new_pin;   /* --new-pin */
    int pin_stdin;         /* --pin-stdin: PIN (and new PIN) on standard input, one per line */
    /* options of particular commands (one namespace, so they may come before or after the command) */
    const char *issuer_keys; /* --issuer-keys FILE (perso) */
    int test_keys;           /* --test-keys (perso): the documented test issuer keys */
    const char *subject;     /* --subject (perso csr) */
    const char *out;         /* --out FILE */
    const char *cert;        /* --cert FILE (id verify: the client certificate to use) */
    const char *ca;          /* --ca FILE (id verify: CA certificates, PEM) */
    int no_cert;             /* --no-cert (id): leave the certificate out */
    int id_on_request;       /* --id-on-request (register): send the identifier only when the server asks */
    long timeout_ms;         /* --timeout MS (register) */
    const char *imei, *firmware, *software, *manufacturer, *model, *serial; /* perso fields */
    /* DM firmware-update control */
    const char *manifest;    /* --manifest FILE */
    const char *server;      /* --server ID: the delivering DM server */
    int on_card;             /* --on-card: the card hashes the package itself */
    const char *token;       /* --token FILE: the 16-byte subscriber token (binary or hex) */
    int confirm;             /* --confirm: the user confirms an unauthorized server */
    long code;               /* --code N: FUMO result code for fu report (-1: default) */
    const char *server_key;  /* --server-key PEM: the DM server's private key (fu log) */
    const char *card_key;    /* --card-key FILE: the card's log key as recorded by the issuer (fu log) */
    const char *export_path; /* --export FILE: write the log export container */
    const char *dm_server;   /* --dm-server URL: relay fu log for a remote DM server (tools/dm-sim) */
    const char *id;          /* --id ID (perso dm server) */
    const char *key;         /* --key PEM (perso dm server / originator) */
    const char *perms;       /* --perms fw,log,other */
    long not_before, not_after; /* --not-before/--not-after seconds since 1970 (-1: none) */
    int token_required, bootstrap_add; /* perso dm policy flags */
    long long now;           /* --time N: the terminal's time to give the card (-1: the clock) */
    /* DM bootstrap verification (dm bootstrap verify) */
    const char *content_type; /* --content-type VALUE: the message's Content-Type header */
    const char *imsi;         /* --imsi DIGITS: the network secret as the IMSI */
    const char *esn;          /* --esn HEX: the network secret as the ESN (8 hex digits) */
    const char *key_hex;      /* --key-hex HEX: the network secret as bytes (Ks_NAF for the GBA methods) */
    int wsp;                  /* --wsp: FILE is a raw WAP push PDU */
    int offline;              /* --offline: check on the host only, key material from the command line */
    const char *naf_fqdn;     /* --naf-fqdn FQDN: the NAF (DM server, BM-SC) for GBA keys */
    const char *ua_id;        /* --ua-id HEX: its Ua security protocol identifier (5 bytes) */
    int add_server;           /* --add-server: add the bootstrapped DM server to the card's list */
    /* GBA */
    const char *gba_k, *gba_opc, *gba_op; /* --k, --opc, --op (perso gba) */
    const char *impi;         /* --impi */
    const char *cafile;       /* --cafile FILE: TLS trust for the BSF */
    const char *socket;      /* -S/--socket PATH or --daemon: go through scagentd (host/cli/remote.c) */
    /* MBMS and BCAST provisioning (cmd_mbms.c, cmd_bcast.c) */
    const char *bmsc_fqdn;    /* --bmsc-fqdn FQDN: the BM-SC's NAF FQDN (the MUK's IDi, the Digest realm) */
    const char *bmsc;         /* --bmsc URL: the BM-SC for listen's LTKM requests and re-registrations */
    const char *key_domain;   /* --key-domain HEX6 */
    const char *key_group;    /* --key-group N (decimal or 0x hex, 0..65535) */
    const char *idi, *idr;    /* --idi, --idr (mbms delete muk) */
    long udp_port;            /* --udp PORT (listen) / --udp-port N (bcast LTKMDelivery); -1: none */
    long count;               /* --count N (listen; 0: no limit) */
    const char *services[32]; /* --service ID, repeatable */
    size_t n_services;
    const char *msk_ids[32];  /* --msk-id HEX8, repeatable */
    size_t n_msk_ids;
    int too_many;             /* a repeatable option given more than 32 times */
    sca_card *card;
} cli;

/* Open the card per the global options (the first reader with the applet when none is named). */
sca_rc cli_open(cli *c, sca_error *err);

/* Report a failure (text on stderr, or a JSON object on stdout) and return the exit code. */
int cli_fail(const cli *c, const sca_error *err);
int cli_exit_code(sca_rc rc);
/* A bad command line: `msg` (what to type) as an SCA_E_INVALID_ARG failure, exit 2. */
int cli_usage(const cli *c, const char *msg);
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
int cmd_id(cli *c, int argc, char **argv);
int cmd_upgrade(cli *c, int argc, char **argv);
int cmd_register(cli *c, int argc, char **argv);
int cmd_perso(cli *c, int argc, char **argv);
int cmd_dm(cli *c, int argc, char **argv);
int cmd_fu(cli *c, int argc, char **argv);
int cmd_perso_dm(cli *c, int argc, char **argv);
int cmd_dm_bootstrap(cli *c, int argc, char **argv);
int cmd_gba(cli *c, int argc, char **argv);
int cmd_mbms(cli *c, int argc, char **argv);
int cmd_bcast(cli *c, int argc, char **argv);
/* The card open (the first reader with the applet) and the PIN verified (once per session). */
sca_rc cli_open_with_pin(cli *c, sca_error *err);
/* cli_open_with_pin, and the applet must announce MBMS_KEYS (SCA_E_NOT_SUPPORTED otherwise). */
sca_rc cli_mbms_card(cli *c, sca_error *err);
int cli_mbms_listen(cli *c);
/* mbms push FILE: the SMS WAP push parsed, its LTKM (or trigger) handed to `ltkm_fn` (the card, or scagentd). */
typedef int (*cli_ltkm_fn)(cli *c, void *ctx, const uint8_t *m, size_t n, const char *via);
int cli_mbms_push(cli *c, const char *path, cli_ltkm_fn ltkm_fn, void *ctx);
/* A MIKEY message from a file: binary, or hex text (digits and whitespace only). Caller frees *out. */
sca_rc cli_read_mikey(const char *path, uint8_t **out, size_t *len, sca_error *err);
/* --key-group: decimal or 0x hex, 0..65535; 0 when it is not. */
int cli_mbms_key_group(const char *s, uint16_t *out);
/* Where mbms listen sends the card's part of a message: the card (cmd_mbms_listen.c) or scagentd (remote_mbms.c). */
typedef struct cli_listen_card {
    /* one LTKM for the card; its verification message, when it asked for one, in verif */
    sca_rc (*store)(cli *c, void *ctx, const uint8_t *m, size_t n, uint8_t *verif, size_t cap, size_t *vl,
                    sca_error *err);
    /* one provisioning exchange with the card's B-TID and MRK; `r` is always to be freed */
    sca_rc (*provision)(cli *c, void *ctx, sca_bcast_request *q, sca_bcast_response *r, sca_error *err);
    void *ctx;
} cli_listen_card;
int cli_mbms_listen_with(cli *c, const cli_listen_card *card);
/* mbms listen through scagentd. */
int cli_remote_mbms_listen(cli *c, sca_client *cl);
/* One provisioning request with the card's B-TID and MRK (--bmsc-fqdn; PIN); `out` is always to be freed. */
sca_rc cli_bcast_run(cli *c, sca_bcast_request *req, sca_bcast_response *out, sca_error *err);
/* 1 when the BM-SC refused (HTTP 400/403/5xx, or a non-zero globalStatusCode). */
int cli_bcast_refused(const sca_bcast_response *r, sca_rc rc);
/* A response as JSON (new reference). */
json_t *cli_bcast_json(const sca_bcast_response *r);
/* The command in argv[0..argc-1] through scagentd at c->socket. */
int cli_remote(cli *c, int argc, char **argv);
/* Bytes as a Base64 JSON string (new reference; NULL when out of memory), for requests to scagentd. */
json_t *cli_jb64(const uint8_t *b, size_t n);
/* A subscriber token file (--token): 16 bytes, binary or 32 hex digits. */
sca_rc cli_read_token(const char *path, uint8_t token[16], sca_error *err);
/* A certificate file (PEM or DER) as Base64 of its DER, for requests to scagentd (new reference), or NULL with err. */
json_t *cli_cert_b64(const char *path, sca_error *err);
/* A Base64 member of scagentd's answer as bytes (malloc'd, *n); NULL when absent or malformed. */
uint8_t *cli_unb64(const json_t *r, const char *key, size_t *n);
/* One request to scagentd (params consumed): EXIT_OK with *r, or the failure reported and its exit code. */
int cli_remote_call(cli *c, sca_client *cl, const char *method, json_t *p, json_t **r);
/* A remote DM server's verdict on the log it read through us (consumed): exit EXIT_BAD_DATA unless verified. */
int cli_show_dm_verdict(const cli *c, json_t *res);
/* Through scagentd (remote_id.c): register URL, upgrade verify FILE, id verify FILE; fu log --dm-server URL. */
int cli_remote_fu_log(cli *c, sca_client *cl);
int cli_remote_register(cli *c, sca_client *cl, const char *url);
int cli_remote_upgrade_verify(cli *c, sca_client *cl, const char *path);
int cli_remote_id_verify(cli *c, sca_client *cl, const char *path);
/* perso ... through scagentd (remote_perso.c): its perso.* methods, with the direct command's output. */
int cli_remote_perso(cli *c, sca_client *cl, int argc, char **argv);
/* Helpers of the direct perso commands (cmd_perso.c, cmd_perso_dm.c) that remote_perso.c shares: a usage error
 * (with the perso usage), an unsigned decimal of at most `max`, a PEM object printed to --out/stdout or inside
 * the JSON object `extra` (consumed, as is `pem`), the perso dm usage, and --perms as permission bits. */
int cli_perso_usage(const cli *c, const char *msg);
int cli_perso_number(const char *s, unsigned long max, unsigned long *out);
int cli_perso_fields_args(const cli *c, sca_bcast_fields *f);
int cli_perso_emit_pem(cli *c, const char *what, char *pem, size_t len, json_t *extra);
int cli_perso_dm_usage(const cli *c);
int cli_perso_dm_perms(const char *s, uint8_t *out);
/* The identifier bytes from `id verify`'s input: binary, or text (a User-Agent value "BCAST_Client_ID=...", a
 * whole "User-Agent: ..." line, or bare Base64). Caller frees *id. */
sca_rc cli_bcastid_from_input(const uint8_t *in, size_t n, uint8_t **id, size_t *len, sca_error *err);
int cli_perso_gba(cli *c);
int cli_perso_dmboot_tries(cli *c, const char *n);
/* NAF_Id from --naf-fqdn and --ua-id (without --ua-id: SCA_E_INVALID_ARG when `ua_required`, else MBMS). */
sca_rc cli_naf_id(const cli *c, int ua_required, uint8_t *out, size_t *len, sca_error *err);
/* The user confirms the unauthorized server of the card's session: the PIN first when the policy asks for it. */
sca_rc cli_confirm_server(cli *c, const sca_dm_check_result *r, const char *server, sca_error *err);
/* The terminal's time for the card: --time, else the clock. */
uint32_t cli_now(const cli *c);
/* Read a P-256 key (private or public, PEM) and its uncompressed point. */
sca_rc cli_read_key(const char *path, int want_private, EVP_PKEY **out, uint8_t point[65], sca_error *err);

/* A result object (consumed; scagent/json_results.h builds them, the same as scagentd answers): with --json
 * printed with "ok": true, else as text through `print`. Returns EXIT_OK. */
int cli_show(const cli *c, json_t *o, void (*print)(FILE *f, const json_t *o));
/* A registration result (consumed): "ok" is false and the exit code EXIT_REFUSED when the server refused it or
 * requires a critical upgrade first. */
int cli_show_register(const cli *c, json_t *o);

/* Read a whole file ("-": standard input), at most `max` bytes. Caller frees. */
sca_rc cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len, sca_error *err);
/* Read one certificate, PEM or DER. */
sca_rc cli_read_cert(const char *path, X509 **out, sca_error *err);
/* Write `len` bytes to --out, or standard output when none. */
sca_rc cli_write_out(const cli *c, const void *buf, size_t len, sca_error *err);
/* Open the card and the issuer secure channel with --issuer-keys or --test-keys. */
sca_rc cli_open_issuer(cli *c, sca_error *err);

#endif
