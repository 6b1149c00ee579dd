/* scagentd.conf: one `key = value` per line, '#' starts a comment line. See scagentd.conf.example. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scd_config_defaults(scd_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->socket_path, sizeof cfg->socket_path, "/run/scagent/scagentd.sock");
    cfg->socket_mode = 0660;
    cfg->card = SCD_CARD_PCSC;
    cfg->max_message = 1024 * 1024;
    cfg->max_depth = 16;
    cfg->deadline_ms = 30000;
    cfg->max_deadline_ms = 600000;
    cfg->read_timeout_ms = 10000;
    cfg->idle_timeout_ms = 0;
    cfg->max_output = 8 * 1024 * 1024;
    cfg->max_clients = 256;
    cfg->max_pending = 64;
    cfg->poll_ms = 500;
    cfg->hash_chunk = 0;
    cfg->perso = 0;
    cfg->card_thread = 0;
    cfg->log_level = SCA_LOG_INFO;
    cfg->log_syslog = 0;
    cfg->default_roles = SCD_ROLE_TERMINAL;
    cfg->root_all = 1;
}

static const struct {
    const char *name;
    unsigned bit;
} role_names[] = {{"terminal", SCD_ROLE_TERMINAL}, {"dm-client", SCD_ROLE_DM}, {"admin", SCD_ROLE_ADMIN}};

int scd_roles_parse(const char *s)
{
    unsigned r = 0;
    while (*s) {
        while (*s == ',' || *s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        size_t n = strcspn(s, ", \t");
        int found = 0;
        if (n == 4 && strncmp(s, "none", 4) == 0)
            found = 1;
        for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
            if (strlen(role_names[i].name) == n && strncmp(s, role_names[i].name, n) == 0) {
                r |= role_names[i].bit;
                found = 1;
            }
        if (!found)
            return -1;
        s += n;
    }
    return (int)r;
}

void scd_roles_str(unsigned roles, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (roles & role_names[i].bit) {
            int k = snprintf(out + used, cap - used, "%s%s", used ? "," : "", role_names[i].name);
            if (k < 0 || (size_t)k >= cap - used)
                return;
            used += (size_t)k;
        }
    if (used == 0)
        snprintf(out, cap, "none");
}

unsigned scd_roles_for(const scd_config *cfg, uid_t uid, const gid_t *gids, size_t n_gids)
{
    if (uid == 0 && cfg->root_all)
        return SCD_ROLE_ALL;
    unsigned r = cfg->default_roles;
    for (size_t i = 0; i < cfg->n_rules; i++) {
        const scd_rule *ru = &cfg->rules[i];
        if (!ru->is_group && ru->id == (unsigned)uid)
            r |= ru->roles;
        for (size_t g = 0; ru->is_group && g < n_gids; g++)
            if (ru->id == (unsigned)gids[g])
                r |= ru->roles;
    }
    return r;
}

static int parse_uint(const char *v, unsigned long max, unsigned long *out)
{
    if (!isdigit((unsigned char)v[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long x = strtoul(v, &end, 0); /* 0: socket_mode is octal with its leading 0 */
    if (errno || *end || x > max)
        return -1;
    *out = x;
    return 0;
}

static int parse_bool(const char *v)
{
    if (!strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
        return 0;
    return -1;
}

/* One rule key: uid.N, gid.N, user.NAME, group.NAME. */
static sca_rc parse_rule(scd_config *cfg, const char *key, const char *val, unsigned line, sca_error *err)
{
    int roles = scd_roles_parse(val);
    if (roles < 0)
        return sca_error_set(err, SCA_E_PARSE, "line %u: unknown role in '%s' (terminal, dm-client, admin, none)",
                             line, val);
    if (cfg->n_rules == SCD_MAX_RULES)
        return sca_error_set(err, SCA_E_PARSE, "line %u: more than %d uid/gid rules", line, SCD_MAX_RULES);
    scd_rule ru = {.roles = (unsigned)roles};
    const char *dot = strchr(key, '.');
    const char *name = dot + 1;
    unsigned long id;
    if (!strncmp(key, "uid.", 4) || !strncmp(key, "gid.", 4)) {
        if (parse_uint(name, 0xFFFFFFFEul, &id))
            return sca_error_set(err, SCA_E_PARSE, "line %u: '%s' needs a numeric id", line, key);
        ru.is_group = key[0] == 'g';
    } else if (!strncmp(key, "user.", 5)) {
        struct passwd *pw = getpwnam(name);
        if (pw == NULL)
            return sca_error_set(err, SCA_E_PARSE, "line %u: no user '%s'", line, name);
        id = pw->pw_uid;
    } else {
        struct group *gr = getgrnam(name);
        if (gr == NULL)
            return sca_error_set(err, SCA_E_PARSE, "line %u: no group '%s'", line, name);
        id = gr->gr_gid;
        ru.is_group = 1;
    }
    ru.id = (unsigned)id;
    cfg->rules[cfg->n_rules++] = ru;
    return SCA_OK;
}

/* a function, not `x < lo` in the macro: with lo 0 the compiler warns the test is always false */
static int below(unsigned long x, unsigned long lo)
{
    return x < lo;
}

/* issuer_keys = test | /absolute/path. Only the setting is kept: the file is read when a perso request needs it,
 * so no key material sits in the configuration (which the socket thread copies on every reload). */
static sca_rc set_issuer_keys(scd_config *cfg, const char *v, unsigned line, sca_error *err)
{
    if (strcmp(v, "test") != 0 && (v[0] != '/' || strlen(v) >= sizeof cfg->issuer_keys))
        return sca_error_set(err, SCA_E_PARSE,
                             "line %u: issuer_keys is 'test' (the documented test keys, test cards only) or the "
                             "absolute path (under %zu bytes) of an issuer key file", line, sizeof cfg->issuer_keys);
    snprintf(cfg->issuer_keys, sizeof cfg->issuer_keys, "%s", v);
    return SCA_OK;
}

static sca_rc set_key(scd_config *cfg, const char *k, const char *v, unsigned line, sca_error *err)
{
    unsigned long x;
    int b;
#define NUM(name, field, lo, hi)                                                                                    \
    if (!strcmp(k, name)) {                                                                                         \
        if (parse_uint(v, hi, &x) || below(x, lo))                                                                      \
            return sca_error_set(err, SCA_E_PARSE, "line %u: %s takes a number %lu..%lu", line, name,              \
                                 (unsigned long)(lo), (unsigned long)(hi));                                        \
        cfg->field = x;                                                                                             \
        return SCA_OK;                                                                                              \
    }
    NUM("max_message", max_message, 256, 64ul * 1024 * 1024)
    NUM("max_depth", max_depth, 2, 64)
    NUM("deadline_ms", deadline_ms, 1, 3600000)
    NUM("max_deadline_ms", max_deadline_ms, 1, 3600000)
    NUM("read_timeout_ms", read_timeout_ms, 1, 3600000)
    NUM("idle_timeout_ms", idle_timeout_ms, 0, 86400000)
    NUM("max_output", max_output, 4096, 1024ul * 1024 * 1024)
    NUM("max_clients", max_clients, 1, 4096)
    NUM("max_pending", max_pending, 1, 4096)
    NUM("poll_ms", poll_ms, 50, 60000)
    NUM("hash_chunk", hash_chunk, 0, 65535)
    NUM("socket_mode", socket_mode, 0, 0777)
#undef NUM
    if (!strcmp(k, "socket")) {
        if (v[0] != '/' || strlen(v) >= sizeof cfg->socket_path)
            return sca_error_set(err, SCA_E_PARSE, "line %u: socket is an absolute path under %zu bytes", line,
                                 sizeof cfg->socket_path);
        snprintf(cfg->socket_path, sizeof cfg->socket_path, "%s", v);
        return SCA_OK;
    }
    if (!strcmp(k, "socket_group")) {
        if (strlen(v) >= sizeof cfg->socket_group)
            return sca_error_set(err, SCA_E_PARSE, "line %u: group name too long", line);
        snprintf(cfg->socket_group, sizeof cfg->socket_group, "%s", v);
        return SCA_OK;
    }
    if (!strcmp(k, "reader")) {
        snprintf(cfg->reader, sizeof cfg->reader, "%s", v);
        return SCA_OK;
    }
    if (!strcmp(k, "card")) {
        if (strcmp(v, "pcsc") && strcmp(v, "none"))
            return sca_error_set(err, SCA_E_PARSE, "line %u: card is pcsc or none", line);
        cfg->card = strcmp(v, "none") ? SCD_CARD_PCSC : SCD_CARD_NONE;
        return SCA_OK;
    }
    if (!strcmp(k, "perso")) {
        if ((b = parse_bool(v)) < 0)
            return sca_error_set(err, SCA_E_PARSE, "line %u: perso is yes or no", line);
        cfg->perso = b;
        return SCA_OK;
    }
    if (!strcmp(k, "issuer_keys"))
        return set_issuer_keys(cfg, v, line, err);
    if (!strcmp(k, "card_thread")) {
        if ((b = parse_bool(v)) < 0)
            return sca_error_set(err, SCA_E_PARSE, "line %u: card_thread is yes or no", line);
        cfg->card_thread = b;
        return SCA_OK;
    }
    if (!strcmp(k, "root_all_roles")) {
        if ((b = parse_bool(v)) < 0)
            return sca_error_set(err, SCA_E_PARSE, "line %u: root_all_roles is yes or no", line);
        cfg->root_all = b;
        return SCA_OK;
    }
    if (!strcmp(k, "log")) {
        if (strcmp(v, "stderr") && strcmp(v, "syslog"))
            return sca_error_set(err, SCA_E_PARSE, "line %u: log is stderr or syslog", line);
        cfg->log_syslog = !strcmp(v, "syslog");
        return SCA_OK;
    }
    if (!strcmp(k, "log_level")) {
        static const char *lv[] = {"error", "warn", "info", "debug"};
        for (int i = 0; i < 4; i++)
            if (!strcmp(v, lv[i])) {
                cfg->log_level = (sca_log_level)i;
                return SCA_OK;
            }
        return sca_error_set(err, SCA_E_PARSE, "line %u: log_level is error, warn, info or debug", line);
    }
    if (!strcmp(k, "default_roles")) {
        int r = scd_roles_parse(v);
        if (r < 0)
            return sca_error_set(err, SCA_E_PARSE, "line %u: unknown role in '%s'", line, v);
        cfg->default_roles = (unsigned)r;
        return SCA_OK;
    }
    if ((!strncmp(k, "uid.", 4) || !strncmp(k, "gid.", 4) || !strncmp(k, "user.", 5) || !strncmp(k, "group.", 6)) &&
        strchr(k, '.')[1] != '\0')
        return parse_rule(cfg, k, v, line, err);
    return sca_error_set(err, SCA_E_PARSE, "line %u: unknown key '%s'", line, k);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

sca_rc scd_config_parse(const char *text, size_t len, scd_config *cfg, sca_error *err)
{
    unsigned line = 0;
    size_t pos = 0;
    char buf[1024];
    while (pos < len) {
        line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        if (n >= sizeof buf)
            return sca_error_set(err, SCA_E_PARSE, "line %u: longer than %zu bytes", line, sizeof buf - 1);
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        pos += n + (nl != NULL);
        if (memchr(buf, '\0', n) != NULL)
            return sca_error_set(err, SCA_E_PARSE, "line %u: NUL byte", line);
        char *s = trim(buf);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL)
            return sca_error_set(err, SCA_E_PARSE, "line %u: expected key = value", line);
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (*k == '\0')
            return sca_error_set(err, SCA_E_PARSE, "line %u: empty key", line);
        sca_rc rc = set_key(cfg, k, v, line, err);
        if (rc != SCA_OK)
            return rc;
    }
    if (cfg->deadline_ms > cfg->max_deadline_ms)
        return sca_error_set(err, SCA_E_PARSE, "deadline_ms is above max_deadline_ms");
    return SCA_OK;
}

sca_rc scd_config_load(const char *path, scd_config *cfg, sca_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return sca_error_set(err, SCA_E_INVALID_ARG, "cannot open %s: %s", path, strerror(errno));
    char *text = malloc(256 * 1024);
    size_t n = text ? fread(text, 1, 256 * 1024, f) : 0;
    int toolong = text && n == 256 * 1024;
    fclose(f);
    if (text == NULL)
        return sca_error_set(err, SCA_E_NO_MEMORY, NULL);
    sca_rc rc = toolong ? sca_error_set(err, SCA_E_PARSE, "larger than 256 KiB")
                        : scd_config_parse(text, n, cfg, err);
    free(text);
    if (rc != SCA_OK)
        sca_error_prefix(err, "%s", path);
    return rc;
}
