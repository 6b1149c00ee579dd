/* scagent-perso: personalize a card from a profile (issuer keys, PIN, life cycle), through the issuer secure
 * channel. The test profile is tools/perso/test-profile.conf; an issuer writes its own. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sca_contract.h"
#include "scagent/scagent.h"

typedef struct profile {
    sca_issuer_keys keys;
    char pin[16];
    int personalize;
} profile;

static sca_rc load_profile(const char *path, profile *p, sca_error *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot open the profile %s", path);
    char line[512];
    int lineno = 0;
    sca_rc rc = SCA_OK;
    memset(p, 0, sizeof *p);
    sca_issuer_test_keys(&p->keys);
    while (rc == SCA_OK && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            rc = sca_error_set(err, SCA_E_PARSE, "%s:%d: expected key=value", path, lineno);
            break;
        }
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        int used = 0;
        rc = sca_issuer_keys_setting(&p->keys, k, v, &used, err);
        if (rc != SCA_OK || used)
            continue;
        if (strcmp(k, "pin") == 0 && strlen(v) < sizeof p->pin)
            strcpy(p->pin, v);
        else if (strcmp(k, "lifecycle") == 0 && strcmp(v, "personalized") == 0)
            p->personalize = 1;
        else
            rc = sca_error_set(err, SCA_E_PARSE, "%s:%d: unknown setting '%s'", path, lineno, k);
    }
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"reader", required_argument, NULL, 'r'},
                                         {"profile", required_argument, NULL, 'p'},
                                         {"verbose", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    sca_open_opts open = {0};
    const char *path = NULL;
    int o, verbose = 0;
    while ((o = getopt_long(argc, argv, "r:p:vh", opts, NULL)) != -1) {
        switch (o) {
        case 'r': open.reader = optarg; break;
        case 'p': path = optarg; break;
        case 'v': verbose++; break;
        default:
            fprintf(o == 'h' ? stdout : stderr,
                    "usage: scagent-perso [--reader NAME] --profile FILE [-v]\n"
                    "Opens the issuer channel with the profile's keys, sets the PIN and moves the applet to\n"
                    "PERSONALIZED. Exit 0 on success, 1 on failure, 2 on a bad command line.\n");
            return o == 'h' ? 0 : 2;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "scagent-perso: --profile is required\n");
        return 2;
    }
    if (verbose)
        sca_log_set_level(verbose > 1 ? SCA_LOG_DEBUG : SCA_LOG_INFO);
    profile p;
    sca_error err;
    sca_card *card = NULL;
    sca_rc rc = load_profile(path, &p, &err);
    if (rc == SCA_OK)
        rc = sca_card_open(&open, &card, &err);
    if (rc == SCA_OK)
        rc = sca_card_begin(card, &err);
    if (rc == SCA_OK) {
        rc = sca_issuer_open(card, &p.keys, &err);
        if (rc == SCA_OK && p.pin[0])
            rc = sca_issuer_reset_pin(card, p.pin, &err);
        if (rc == SCA_OK && p.personalize) {
            sca_info info;
            rc = sca_get_info(card, &info, &err);
            if (rc == SCA_OK && info.lifecycle != SCA_LIFECYCLE_PERSONALIZED)
                rc = sca_issuer_set_lifecycle(card, SCA_LIFECYCLE_PERSONALIZED, &err);
        }
        sca_card_end(card);
    }
    OPENSSL_cleanse(&p, sizeof p);
    if (rc != SCA_OK) {
        fprintf(stderr, "scagent-perso: %s\n", err.msg);
        sca_card_close(card);
        return 1;
    }
    printf("personalized the card in %s\n", sca_card_reader(card));
    sca_card_close(card);
    return 0;
}
