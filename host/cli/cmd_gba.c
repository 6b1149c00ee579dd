/* scagent gba bootstrap|status|naf-key, and the issuer steps perso gba / perso dmboot-tries (applet-spec/gba.md
 * §5, dm-bootstrap.md §7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "sca_contract.h"
#include "scagent/dmboot_card.h"
#include "scagent/gba.h"
#include "scagent/milenage.h"

/* NAF_Id from --naf-fqdn and --ua-id (default: the MBMS Ua id). */
sca_rc cli_naf_id(const cli *c, int ua_required, uint8_t *out, size_t *len, sca_error *err)
{
    uint8_t ua[SCA_GBA_UA_ID_LEN];
    if (c->naf_fqdn == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "give the NAF's FQDN with --naf-fqdn");
    if (c->ua_id == NULL) {
        if (ua_required)
            return sca_error_set(err, SCA_E_INVALID_ARG,
                                 "give the DM server's Ua security protocol id with --ua-id (10 hex digits): OMNA "
                                 "has no registered value for OMA DM (seed 004 Appendix D)");
        memcpy(ua, SCA_GBA_UA_MBMS, sizeof ua);
    } else if (strlen(c->ua_id) != 2 * SCA_GBA_UA_ID_LEN || sca_hex_decode(c->ua_id, ua, sizeof ua) != SCA_GBA_UA_ID_LEN) {
        return sca_error_set(err, SCA_E_INVALID_ARG, "--ua-id is 5 bytes in hex (10 digits), e.g. 0100000001");
    }
    return sca_gba_naf_id(c->naf_fqdn, ua, out, len, err);
}

static int bootstrap(cli *c, const char *url)
{
    sca_error err;
    sca_gba_ub_result r;
    sca_gba_ub_opts o = {.url = url, .impi = c->impi, .cafile = c->cafile, .timeout_ms = c->timeout_ms};
    if (cli_open_with_pin(c, &err) != SCA_OK || sca_gba_ub_bootstrap(c->card, &o, &r, &err) != SCA_OK)
        return cli_fail(c, &err);
    char *rand = cli_hex(r.rand, sizeof r.rand, 0);
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:s, s:s, s:b, s:i}", "ok", 1, "btid", r.btid, "lifetime", r.lifetime, "rand",
                           rand ? rand : "", "resynchronised", r.resynchronised, "http_requests", r.http_requests));
    else
        printf("bootstrapped: B-TID %s, key lifetime %s%s\n", r.btid, r.lifetime,
               r.resynchronised ? " (after an SQN resynchronisation)" : "");
    free(rand);
    return EXIT_OK;
}

static int status(cli *c)
{
    sca_error err;
    sca_gba_bp bp;
    char impi[SCA_GBA_IMPI_MAX + 1] = "";
    sca_rc orc = cli_open(c, &err);
    if (orc == SCA_E_NO_APPLET) { /* a plain USIM: its own EF_GBABP, no IMPI of ours */
        c->open.no_select = 1;
        orc = cli_open(c, &err);
    }
    if (orc != SCA_OK)
        return cli_fail(c, &err);
    sca_rc irc = (sca_card_capabilities(c->card) & SCA_CAP_MBMS_GBA_U)
                     ? sca_gba_impi(c->card, impi, sizeof impi, &err)
                     : sca_error_set(&err, SCA_E_NOT_FOUND, "a USIM holds no IMPI of ours");
    if (irc != SCA_OK && irc != SCA_E_NOT_FOUND)
        return cli_fail(c, &err);
    sca_rc rc = sca_gba_bp_read(c->card, &bp, &err);
    if (rc != SCA_OK && rc != SCA_E_NOT_FOUND)
        return cli_fail(c, &err);
    int have = rc == SCA_OK;
    char *rand = have ? cli_hex(bp.rand, sizeof bp.rand, 0) : NULL;
    if (c->json) {
        json_t *o = json_pack("{s:b, s:b}", "ok", 1, "bootstrapped", have);
        if (irc == SCA_OK)
            json_object_set_new(o, "impi", json_string(impi));
        if (have) {
            json_object_set_new(o, "rand", json_string(rand ? rand : ""));
            json_object_set_new(o, "btid", json_string(bp.btid));
            json_object_set_new(o, "lifetime", json_string(bp.lifetime));
        }
        cli_json(o);
    } else {
        printf("IMPI:      %s\n", irc == SCA_OK ? impi : "(not personalized)");
        if (have)
            printf("RAND:      %s\nB-TID:     %s\nlifetime:  %s\n", rand ? rand : "",
                   bp.btid[0] ? bp.btid : "(not written)", bp.lifetime[0] ? bp.lifetime : "(not written)");
        else
            printf("no GBA bootstrap yet\n");
    }
    free(rand);
    return EXIT_OK;
}

static int naf_key(cli *c)
{
    sca_error err;
    uint8_t naf[SCA_GBA_NAF_ID_MAX], key[SCA_GBA_KS_NAF_LEN];
    size_t naf_len = 0;
    char impi[SCA_GBA_IMPI_MAX + 1];
    if (cli_naf_id(c, 0, naf, &naf_len, &err) != SCA_OK)
        return cli_fail(c, &err);
    if (cli_open_with_pin(c, &err) != SCA_OK)
        return cli_fail(c, &err);
    if (c->impi != NULL)
        snprintf(impi, sizeof impi, "%s", c->impi);
    else if (sca_gba_impi(c->card, impi, sizeof impi, &err) != SCA_OK)
        return cli_fail(c, &err);
    if (sca_gba_naf_key(c->card, naf, naf_len, impi, key, &err) != SCA_OK)
        return cli_fail(c, &err);
    char *hex = cli_hex(key, sizeof key, 0);
    OPENSSL_cleanse(key, sizeof key);
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:s}", "ok", 1, "naf_fqdn", c->naf_fqdn, "ks_ext_naf", hex ? hex : ""));
    else
        printf("%s\n", hex ? hex : "");
    if (hex != NULL)
        OPENSSL_cleanse(hex, strlen(hex));
    free(hex);
    return EXIT_OK;
}

int cmd_gba(cli *c, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[0], "bootstrap") == 0)
        return bootstrap(c, argv[1]);
    if (argc == 1 && strcmp(argv[0], "status") == 0)
        return status(c);
    if (argc == 1 && strcmp(argv[0], "naf-key") == 0)
        return naf_key(c);
    return cli_usage(c, "usage: scagent gba bootstrap URL | status | naf-key --naf-fqdn FQDN [--ua-id HEX10]");
}

/* perso gba --k HEX --opc HEX | --op HEX [--impi I] */
int cli_perso_gba(cli *c)
{
    sca_error err;
    uint8_t k[16], opc[16], op[16];
    if (c->gba_k == NULL || (c->gba_opc == NULL) == (c->gba_op == NULL))
        return cli_usage(c, "usage: scagent perso gba --k HEX32 (--opc HEX32 | --op HEX32) [--impi IMPI]");
    if (strlen(c->gba_k) != 32 || sca_hex_decode(c->gba_k, k, sizeof k) != 16 ||
        strlen(c->gba_opc ? c->gba_opc : c->gba_op) != 32 ||
        sca_hex_decode(c->gba_opc ? c->gba_opc : c->gba_op, c->gba_opc ? opc : op, 16) != 16) {
        OPENSSL_cleanse(k, sizeof k);
        return cli_usage(c, "--k, --opc and --op are 16 bytes in hex (32 digits)");
    }
    sca_rc rc = SCA_OK;
    if (c->gba_op != NULL) { /* the card holds OPc, never OP (gba.md §1) */
        rc = sca_milenage_opc(k, op, opc, &err);
        OPENSSL_cleanse(op, sizeof op);
    }
    if (rc == SCA_OK)
        rc = cli_open_issuer(c, &err);
    if (rc == SCA_OK)
        rc = sca_gba_perso_keys(c->card, k, opc, &err);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(opc, sizeof opc);
    if (rc == SCA_OK && c->impi != NULL)
        rc = sca_gba_perso_impi(c->card, c->impi, &err);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    if (c->json)
        cli_json(json_pack("{s:b, s:b}", "ok", 1, "impi_written", c->impi != NULL));
    else
        printf("wrote the GBA keys (K, OPc; SQN state and Ks reset)%s\n", c->impi ? " and the IMPI" : "");
    return EXIT_OK;
}

/* perso dmboot-tries N */
int cli_perso_dmboot_tries(cli *c, const char *n)
{
    sca_error err;
    char *end = NULL;
    long v = strtol(n, &end, 10);
    if (end == n || *end != '\0' || v < 1 || v > 15)
        return cli_usage(c, "usage: scagent perso dmboot-tries N (1..15)");
    if (cli_open_issuer(c, &err) != SCA_OK || sca_dmboot_pin_limit_put(c->card, (unsigned)v, &err) != SCA_OK)
        return cli_fail(c, &err);
    if (c->json)
        cli_json(json_pack("{s:b, s:i}", "ok", 1, "limit", (int)v));
    else
        printf("the DM bootstrap PIN try limit is %ld; the tries start again\n", v);
    return EXIT_OK;
}
