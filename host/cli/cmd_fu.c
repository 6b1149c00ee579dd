/* scagent fu verify|report|log: a firmware update checked by the card (server, signed manifest, package), its
 * outcome reported, and the card's firmware-update log read and verified as an authorized DM server would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "cli.h"
#include "sca_contract.h"

sca_rc cli_read_key(const char *path, int want_private, EVP_PKEY **out, uint8_t point[65], sca_error *err)
{
    uint8_t *buf;
    size_t n;
    sca_rc rc = cli_read_file(path, 64 * 1024, &buf, &n, err);
    if (rc != SCA_OK)
        return rc;
    BIO *b = BIO_new_mem_buf(buf, (int)n);
    EVP_PKEY *k = NULL;
    if (b != NULL) {
        k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
        if (k == NULL && !want_private) {
            BIO_reset(b);
            k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
        }
        if (k == NULL && !want_private) {
            const uint8_t *p = buf;
            k = d2i_PUBKEY(NULL, &p, (long)n);
        }
    }
    BIO_free(b);
    OPENSSL_cleanse(buf, n);
    free(buf);
    size_t plen = 0;
    if (k == NULL || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC || EVP_PKEY_get_bits(k) != 256 ||
        (point != NULL && (!EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, 65, &plen) ||
                           plen != 65))) {
        EVP_PKEY_free(k);
        return sca_error_set(err, SCA_E_INVALID_ARG, "%s holds no P-256 %s key (PEM)", path,
                             want_private ? "private" : "public");
    }
    *out = k;
    return SCA_OK;
}

/* A progress bar on a terminal, nothing otherwise. */
static void progress_bar(uint64_t done, uint64_t total, void *ctx)
{
    (void)ctx;
    if (!isatty(STDERR_FILENO) || total == 0)
        return;
    int pct = (int)(done * 100 / total), bars = pct / 4;
    fprintf(stderr, "\r[%-25.*s] %3d%% %llu/%llu bytes", bars, "#########################", pct,
            (unsigned long long)done, (unsigned long long)total);
    if (done >= total)
        fputc('\n', stderr);
}

sca_rc cli_read_token(const char *path, uint8_t token[16], sca_error *err)
{
    uint8_t *buf;
    size_t n;
    sca_rc rc = cli_read_file(path, 256, &buf, &n, err);
    if (rc != SCA_OK)
        return rc;
    if (n == 16) {
        memcpy(token, buf, 16);
    } else {
        char hex[64] = {0};
        size_t k = 0;
        for (size_t i = 0; i < n && k < sizeof hex - 1; i++)
            if (buf[i] != '\n' && buf[i] != '\r' && buf[i] != ' ')
                hex[k++] = (char)buf[i];
        if (k != 32 || sca_hex_decode(hex, token, 16) != 16)
            rc = sca_error_set(err, SCA_E_INVALID_ARG, "%s: a subscriber token is 16 bytes (binary or 32 hex digits)",
                               path);
    }
    free(buf);
    return rc;
}

static int fu_verify(cli *c, const char *package)
{
    sca_error err;
    if (c->manifest == NULL || c->server == NULL) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent fu verify PACKAGE --manifest FILE --server ID "
                                               "[--on-card] [--token FILE] [--confirm]");
        return cli_fail(c, &err);
    }
    uint8_t *m = NULL, token[16], digest[32];
    size_t mlen = 0;
    uint64_t size = 0;
    sca_fu_manifest_view v;
    sca_dm_check_result chk;
    sca_fu_summary sum;
    int confirmed = 0;
    sca_rc rc = cli_read_file(c->manifest, SCA_FU_MANIFEST_MAX, &m, &mlen, &err);
    if (rc == SCA_OK)
        rc = sca_fu_manifest_parse(m, mlen, &v, &err);
    if (rc == SCA_OK && c->token != NULL)
        rc = cli_read_token(c->token, token, &err);
    if (rc == SCA_OK)
        rc = cli_open(c, &err);
    if (rc == SCA_OK)
        rc = sca_dm_check(c->card, cli_now(c), c->server, &chk, &err);
    if (rc == SCA_OK && !chk.authorized && c->confirm && chk.policy != SCA_DM_POLICY_DENY) {
        rc = cli_confirm_server(c, &chk, c->server, &err);
        confirmed = rc == SCA_OK;
    }
    if (rc == SCA_OK)
        rc = sca_fu_verify_manifest(c->card, m, mlen, c->token ? token : NULL, &sum, &err);
    if (rc == SCA_OK && c->on_card) {
        rc = sca_fu_hash_on_card(c->card, package, v.m.size, 0, c->json ? NULL : progress_bar, NULL, &err);
    } else if (rc == SCA_OK) {
        /* Read exactly the size the signed manifest promises, never more (an endless package cannot keep us
         * reading). A shorter or longer file is reported to the card as a failed update (FUMO 402, corrupted
         * package), so the card logs it; a file of the right size goes to the card's digest comparison. */
        rc = sca_fu_hash_file(package, v.m.size, c->json ? NULL : progress_bar, NULL, digest, &size, &err);
        if (rc == SCA_E_PARSE) {
            sca_error ignored;
            sca_fu_report(c->card, SCA_FU_REPORT_P1_04, cli_now(c), 402, &ignored);
            err.rc = rc = SCA_E_CRYPTO;
            sca_error_prefix(&err, "the package does not match the manifest; the card logged the failure");
        }
        if (rc == SCA_OK)
            rc = sca_fu_package_digest(c->card, digest, size, &err);
    }
    free(m);
    if (rc != SCA_OK)
        return cli_fail(c, &err);
    char *sha = cli_hex(sum.sha256, 32, 0);
    const char *kind = sum.kind == SCA_LOG_KIND_FIRMWARE ? "firmware" : "software";
    if (c->json) {
        json_t *o = json_pack("{s:b, s:s, s:i, s:i, s:I, s:s, s:b, s:b, s:b}", "ok", 1, "kind", kind, "from",
                              sum.from, "to", sum.to, "size", (json_int_t)sum.size, "sha256", sha ? sha : "",
                              "hashed_on_card", c->on_card, "token", c->token != NULL, "confirmed", confirmed);
        json_object_set_new(o, "server", sca_json_dm_check(&chk));
        cli_json(o);
    } else {
        printf("DM server %s: %s%s\n", c->server, sca_dm_reason_text(chk.reason),
               confirmed ? " (confirmed by the user)" : "");
        printf("manifest:  %s update %u -> %u, signed by originator %u, sequence %lu\n", kind, sum.from, sum.to,
               v.m.originator, (unsigned long)v.m.seq);
        printf("package:   %llu bytes, SHA-256 %s, %s\n", (unsigned long long)sum.size, sha ? sha : "",
               c->on_card ? "hashed by the card" : "hashed here, compared by the card");
        printf("verified: the update may be installed; then run 'scagent fu report installed'\n");
    }
    free(sha);
    return EXIT_OK;
}

static int fu_report(cli *c, const char *what)
{
    sca_error err;
    uint8_t status;
    long code;
    if (strcmp(what, "started") == 0)
        status = SCA_FU_REPORT_P1_01, code = 0;
    else if (strcmp(what, "installed") == 0)
        status = SCA_FU_REPORT_P1_03, code = 200;
    else if (strcmp(what, "failed") == 0)
        status = SCA_FU_REPORT_P1_04, code = 410;
    else {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent fu report started|installed|failed [--code N]");
        return cli_fail(c, &err);
    }
    if (c->code >= 0)
        code = c->code;
    if (code > 0xFFFF) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "--code is a FUMO result code, 0..65535");
        return cli_fail(c, &err);
    }
    if (cli_open(c, &err) != SCA_OK || sca_fu_report(c->card, status, cli_now(c), (uint16_t)code, &err) != SCA_OK)
        return cli_fail(c, &err);
    if (c->json)
        cli_json(json_pack("{s:b, s:s, s:i}", "ok", 1, "reported", what, "code", (int)code));
    else
        printf("reported '%s' (result %ld) to the card%s\n", what, code,
               status == SCA_FU_REPORT_P1_03 ? "; the version in the BCAST identifier was raised" : "");
    return EXIT_OK;
}

/* The DM server's side of LOG_AUTH, with its private key. */
static sca_rc sign_with_key(const uint8_t card_id[16], const uint8_t challenge[16], uint8_t *sig, size_t cap,
                            size_t *len, void *ctx, sca_error *err)
{
    return sca_dm_auth_sign(ctx, card_id, challenge, sig, cap, len, err);
}

static json_t *record_json(const sca_fu_log_record *r)
{
    char *sha = cli_hex(r->sha256, 32, 0);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:i, s:i, s:i, s:s, s:s#, s:b, s:b, s:b, s:b, s:s, s:I}", "seq",
                          (json_int_t)r->seq, "time", (json_int_t)r->time, "kind", sca_fu_log_kind_name(r->kind),
                          "status", sca_fu_log_status_name(r->status), "result", r->result, "from", r->from, "to",
                          r->to, "imei", r->imei, "server", (const char *)r->server_id, (int)r->server_id_len,
                          "authorized", (r->flags & SCA_FU_LOG_FLAG_AUTHORIZED) != 0, "confirmed",
                          (r->flags & SCA_FU_LOG_FLAG_CONFIRMED) != 0, "token", (r->flags & SCA_FU_LOG_FLAG_TOKEN) != 0,
                          "hashed_on_card", (r->flags & SCA_FU_LOG_FLAG_HASHED_ON_CARD) != 0, "sha256", sha ? sha : "",
                          "manifest_seq", (json_int_t)r->manifest_seq);
    free(sha);
    return o;
}

/* The terminal relays for a remote DM server, which holds its key and verifies the export itself. */
static int fu_log_remote(cli *c)
{
    sca_error err;
    json_t *res = NULL;
    if (c->server == NULL) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "fu log --dm-server URL needs --server ID (the server's id on the "
                                               "card's list)");
        return cli_fail(c, &err);
    }
    if (cli_open(c, &err) != SCA_OK || sca_dm_remote_log(c->card, c->dm_server, c->server, &res, &err) != SCA_OK)
        return cli_fail(c, &err);
    return cli_show_dm_verdict(c, res);
}

int cli_show_dm_verdict(const cli *c, json_t *res)
{
    int verified = json_is_true(json_object_get(res, "verified"));
    if (c->json) {
        json_object_set_new(res, "ok", json_boolean(verified));
        cli_json(res);
    } else {
        const char *reason = json_string_value(json_object_get(res, "reason"));
        if (verified)
            printf("the DM server verified the log: %lld records written, %lld dropped by the ring\n",
                   (long long)json_integer_value(json_object_get(res, "count")),
                   (long long)json_integer_value(json_object_get(res, "dropped")));
        else
            printf("the DM server did NOT verify the log: %s\n", reason ? reason : "no reason given");
        json_decref(res);
    }
    return verified ? EXIT_OK : EXIT_BAD_DATA;
}

static int fu_log(cli *c)
{
    sca_error err;
    if (c->dm_server != NULL)
        return fu_log_remote(c);
    if (c->server_key == NULL) {
        sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent fu log --server-key PEM [--card-key FILE] "
                                               "[--export FILE]");
        return cli_fail(c, &err);
    }
    EVP_PKEY *server = NULL, *card_key = NULL;
    uint8_t point[65], nonce[16], card_id[32], *exp = NULL;
    size_t exp_len = 0, n = 0, nservers = 0;
    sca_dm_server list[SCA_DM_SERVERS];
    sca_fu_log_report *rep = calloc(1, sizeof *rep);
    int slot = -1;
    sca_rc rc = rep ? cli_read_key(c->server_key, 1, &server, point, &err) : sca_error_set(&err, SCA_E_NO_MEMORY, NULL);
    if (rc == SCA_OK && c->card_key != NULL)
        rc = cli_read_key(c->card_key, 0, &card_key, NULL, &err);
    if (rc == SCA_OK)
        rc = cli_open(c, &err);
    if (rc == SCA_OK)
        rc = sca_dm_servers(c->card, list, SCA_DM_SERVERS, &nservers, &err);
    for (size_t i = 0; rc == SCA_OK && i < nservers && slot < 0; i++)
        if (memcmp(list[i].pub, point, 65) == 0)
            slot = list[i].slot;
    if (rc == SCA_OK && slot < 0)
        rc = sca_error_set(&err, SCA_E_DENIED, "this key belongs to no DM server on the card's list; only an "
                                               "authorized DM server with the READ_LOG permission reads the log");
    if (rc == SCA_OK && card_key == NULL)
        rc = sca_dm_log_public_key(c->card, &card_key, &err);
    if (rc == SCA_OK)
        rc = sca_get_data(c->card, SCA_TAG_CARD_ID, card_id, sizeof card_id, &n, &err);
    if (rc == SCA_OK && RAND_bytes(nonce, sizeof nonce) != 1)
        rc = sca_error_set(&err, SCA_E_CRYPTO, "no random bytes for the nonce");
    if (rc == SCA_OK)
        rc = sca_dm_log_auth(c->card, (uint8_t)slot, sign_with_key, server, &err);
    if (rc == SCA_OK)
        rc = sca_dm_log_export(c->card, nonce, sizeof nonce, &exp, &exp_len, &err);
    if (rc == SCA_OK && c->export_path != NULL) {
        cli o = *c;
        o.out = c->export_path;
        rc = cli_write_out(&o, exp, exp_len, &err);
    }
    if (rc == SCA_OK) {
        /* container: h_before_first (32) || n (2) || records || checkpoint_len (2) || checkpoint */
        size_t records = (size_t)exp[32] << 8 | exp[33], cp_off = 34 + records * SCA_LOG_RECORD_LEN;
        size_t cp_len = (size_t)exp[cp_off] << 8 | exp[cp_off + 1];
        rc = sca_fu_log_verify(exp, exp + 34, records, exp + cp_off + 2, cp_len, card_key, card_id, nonce,
                               sizeof nonce, rep, &err);
    }
    free(exp);
    EVP_PKEY_free(server);
    EVP_PKEY_free(card_key);
    if (rc != SCA_OK) {
        free(rep);
        return cli_fail(c, &err);
    }
    if (c->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < rep->n_records; i++)
            json_array_append_new(arr, record_json(&rep->records[i]));
        char *nh = cli_hex(nonce, sizeof nonce, 0);
        cli_json(json_pack("{s:b, s:b, s:I, s:I, s:I, s:i, s:s, s:o}", "ok", 1, "verified", 1, "count",
                           (json_int_t)rep->count, "first_seq", (json_int_t)rep->first_seq, "dropped",
                           (json_int_t)rep->dropped, "server_slot", slot, "nonce", nh ? nh : "", "records", arr));
        free(nh);
    } else {
        printf("log verified: %lu records written, %zu retained, %lu dropped by the ring; checkpoint signed by the "
               "card for our nonce\n", (unsigned long)rep->count, rep->n_records, (unsigned long)rep->dropped);
        for (size_t i = 0; i < rep->n_records; i++) {
            const sca_fu_log_record *r = &rep->records[i];
            printf("  #%-4lu %-12s %-10s result %3u  %u -> %u  server %.*s%s%s\n", (unsigned long)r->seq,
                   sca_fu_log_kind_name(r->kind), sca_fu_log_status_name(r->status), r->result, r->from, r->to,
                   (int)r->server_id_len, (const char *)r->server_id,
                   r->flags & SCA_FU_LOG_FLAG_AUTHORIZED ? " (authorized)" : "",
                   r->flags & SCA_FU_LOG_FLAG_CONFIRMED ? " (confirmed by the user)" : "");
        }
    }
    free(rep);
    return EXIT_OK;
}

int cmd_fu(cli *c, int argc, char **argv)
{
    sca_error err;
    if (argc >= 2 && strcmp(argv[0], "verify") == 0)
        return fu_verify(c, argv[1]);
    if (argc >= 2 && strcmp(argv[0], "report") == 0)
        return fu_report(c, argv[1]);
    if (argc >= 1 && strcmp(argv[0], "log") == 0)
        return fu_log(c);
    sca_error_set(&err, SCA_E_INVALID_ARG, "usage: scagent fu verify PACKAGE --manifest M --server ID | "
                                           "report started|installed|failed | log --server-key PEM");
    return cli_fail(c, &err);
}
