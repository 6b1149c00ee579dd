/* scagentd's configuration: a key = value file (documented in scagentd.conf.example and PROTOCOL.md §7).
 * Parsing is pure (text in, struct out) so the unit tests and SIGHUP reload use the same code. */
#ifndef SCD_CONFIG_H
#define SCD_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "scagent/error.h"
#include "scagent/log.h"

/* Roles are bits so a peer can hold several. */
#define SCD_ROLE_TERMINAL 0x01u
#define SCD_ROLE_DM 0x02u
#define SCD_ROLE_ADMIN 0x04u
#define SCD_ROLE_ALL (SCD_ROLE_TERMINAL | SCD_ROLE_DM | SCD_ROLE_ADMIN)

#define SCD_MAX_RULES 64

typedef struct scd_rule {
    int is_group; /* 0: uid, 1: gid */
    unsigned id;
    unsigned roles;
} scd_rule;

typedef enum scd_card_mode {
    SCD_CARD_PCSC = 0, /* the real card through PC/SC */
    SCD_CARD_NONE = 1, /* no card at all: every card method fails with no-card (protocol tests, no pcscd) */
} scd_card_mode;

typedef struct scd_config {
    char socket_path[108];   /* sun_path size */
    char socket_group[64];   /* "" : the daemon's group */
    unsigned socket_mode;    /* 0660 */
    char reader[256];        /* "" : the first reader whose card has the applet */
    scd_card_mode card;
    size_t max_message;      /* bytes per line, without the newline */
    unsigned max_depth;      /* JSON nesting */
    unsigned deadline_ms;    /* default per request */
    unsigned max_deadline_ms;
    unsigned read_timeout_ms;  /* a started line must end within this */
    unsigned idle_timeout_ms;  /* no request and nothing in flight for this long: disconnect (0: never) */
    size_t max_output;       /* bytes queued to one client before it is disconnected as not reading */
    unsigned max_clients;
    unsigned max_pending;    /* requests in flight per client */
    unsigned poll_ms;        /* card presence poll period when idle */
    size_t hash_chunk;       /* fu.hash bytes per card transaction (0: the card's largest, at most 4096) */
    int perso;               /* issuer/personalization methods enabled */
    char issuer_keys[256];   /* "": none (perso methods answer not-supported); "test": the documented test keys;
                                else the absolute path of an issuer key file (sca_issuer_keys_load), read per request */
    int card_thread;         /* the card runs on a thread of its own (else in the socket loop; worker.h) */
    sca_log_level log_level;
    int log_syslog;
    unsigned default_roles;  /* roles of every peer that can connect */
    int root_all;            /* uid 0 has every role (default yes; no: root gets roles from the rules like anyone) */
    scd_rule rules[SCD_MAX_RULES];
    size_t n_rules;
} scd_config;

void scd_config_defaults(scd_config *cfg);
/* Parse `text` over the defaults already in `cfg`. SCA_E_PARSE names the line. User and group names are
 * resolved here (getpwnam/getgrnam); an unknown name is an error so a typo never silently opens access. */
sca_rc scd_config_parse(const char *text, size_t len, scd_config *cfg, sca_error *err);
sca_rc scd_config_load(const char *path, scd_config *cfg, sca_error *err);

/* "terminal,dm-client" -> bits; -1 when a name is unknown. */
int scd_roles_parse(const char *s);
/* bits -> "terminal,dm-client,admin" */
void scd_roles_str(unsigned roles, char *out, size_t cap);

/* The roles of a peer: default_roles, plus every rule matching its uid or one of its gids; uid 0 has all
 * unless root_all is off. */
unsigned scd_roles_for(const scd_config *cfg, uid_t uid, const gid_t *gids, size_t n_gids);

#endif
