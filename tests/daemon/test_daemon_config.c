/* scagentd.conf parsing: defaults, every key, the example file, and errors that name the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"

static sca_rc parse(const char *text, scd_config *c, sca_error *err)
{
    scd_config_defaults(c);
    return scd_config_parse(text, strlen(text), c, err);
}

static void defaults(void **state)
{
    (void)state;
    scd_config c;
    scd_config_defaults(&c);
    assert_string_equal(c.socket_path, "/run/scagent/scagentd.sock");
    assert_int_equal(c.socket_mode, 0660);
    assert_int_equal(c.max_message, 1024 * 1024);
    assert_int_equal(c.perso, 0);
    assert_int_equal(c.default_roles, SCD_ROLE_TERMINAL);
    assert_int_equal(c.card, SCD_CARD_PCSC);
}

static void every_key(void **state)
{
    (void)state;
    const char *text = "# comment\n"
                       "  socket = /tmp/x.sock  \n"
                       "socket_group=\n"
                       "socket_mode = 0600\n"
                       "reader = Virtual PCD 00 00\n"
                       "card = none\n"
                       "max_message = 4096\n"
                       "max_depth = 4\n"
                       "deadline_ms = 100\n"
                       "max_deadline_ms = 200\n"
                       "read_timeout_ms = 300\n"
                       "idle_timeout_ms = 400\n"
                       "max_output = 8192\n"
                       "max_clients = 3\n"
                       "max_pending = 2\n"
                       "poll_ms = 250\n"
                       "hash_chunk = 1024\n"
                       "perso = yes\n"
                       "log = syslog\n"
                       "log_level = debug\n"
                       "root_all_roles = no\n"
                       "default_roles = terminal, dm-client\n"
                       "uid.42 = admin\r\n"
                       "gid.7 = none\n";
    scd_config c;
    sca_error err;
    assert_int_equal(parse(text, &c, &err), SCA_OK);
    assert_string_equal(c.socket_path, "/tmp/x.sock");
    assert_int_equal(c.socket_mode, 0600);
    assert_string_equal(c.reader, "Virtual PCD 00 00");
    assert_int_equal(c.card, SCD_CARD_NONE);
    assert_int_equal(c.max_message, 4096);
    assert_int_equal(c.max_depth, 4);
    assert_int_equal(c.deadline_ms, 100);
    assert_int_equal(c.max_deadline_ms, 200);
    assert_int_equal(c.read_timeout_ms, 300);
    assert_int_equal(c.idle_timeout_ms, 400);
    assert_int_equal(c.max_output, 8192);
    assert_int_equal(c.max_clients, 3);
    assert_int_equal(c.max_pending, 2);
    assert_int_equal(c.poll_ms, 250);
    assert_int_equal(c.hash_chunk, 1024);
    assert_int_equal(c.perso, 1);
    assert_int_equal(c.log_syslog, 1);
    assert_int_equal(c.log_level, SCA_LOG_DEBUG);
    assert_int_equal(c.root_all, 0);
    assert_int_equal(c.default_roles, SCD_ROLE_TERMINAL | SCD_ROLE_DM);
    assert_int_equal(c.n_rules, 2);
    assert_int_equal(c.rules[0].is_group, 0);
    assert_int_equal(c.rules[0].id, 42);
    assert_int_equal(c.rules[0].roles, SCD_ROLE_ADMIN);
    assert_int_equal(c.rules[1].is_group, 1);
    assert_int_equal(c.rules[1].roles, 0);
}

static void names_resolve(void **state)
{
    (void)state;
    scd_config c;
    sca_error err;
    assert_int_equal(parse("user.root = admin\ngroup.root = dm-client\n", &c, &err), SCA_OK);
    assert_int_equal(c.n_rules, 2);
    assert_int_equal(c.rules[0].id, 0);
    assert_int_equal(parse("user.no-such-user-here = admin\n", &c, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "line 1"));
    assert_non_null(strstr(err.msg, "no user"));
}

static void errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"\n\nfoo = 1\n", "line 3: unknown key 'foo'"},
        {"socket\n", "line 1: expected key = value"},
        {"= 3\n", "line 1: empty key"},
        {"max_message = 12\n", "line 1: max_message takes a number 256.."},
        {"max_message = 1x\n", "line 1: max_message"},
        {"max_depth = -1\n", "line 1: max_depth"},
        {"socket = relative.sock\n", "absolute path"},
        {"card = usb\n", "card is pcsc or none"},
        {"perso = maybe\n", "perso is yes or no"},
        {"log = file\n", "log is stderr or syslog"},
        {"log_level = loud\n", "log_level is"},
        {"uid.1 = superuser\n", "unknown role"},
        {"uid.x = admin\n", "numeric id"},
        {"uid. = admin\n", "unknown key"},
        {"default_roles = root\n", "unknown role"},
        {"deadline_ms = 5000\nmax_deadline_ms = 10\n", "deadline_ms is above max_deadline_ms"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scd_config c;
        sca_error err;
        assert_int_equal(parse(bad[i].text, &c, &err), SCA_E_PARSE);
        if (strstr(err.msg, bad[i].want) == NULL)
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err.msg, bad[i].want);
    }
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    scd_config c;
    sca_error err;
    assert_int_equal(parse(big, &c, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "longer than"));
}

static void example_file_parses(void **state)
{
    (void)state;
    char path[4096];
    const char *src = getenv("SCAGENT_SRC");
    snprintf(path, sizeof path, "%s/host/daemon/scagentd.conf.example", src ? src : ".");
    scd_config c;
    scd_config_defaults(&c);
    sca_error err;
    if (scd_config_load(path, &c, &err) != SCA_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(c.perso, 0); /* the example keeps issuer methods off */
    assert_int_equal(c.socket_mode, 0660);
}

/* issuer_keys: "test" or an absolute path, kept as given (the file is read per perso request, not here). */
static void issuer_keys_key(void **state)
{
    (void)state;
    scd_config c;
    sca_error err;
    assert_int_equal(parse("perso = yes\n", &c, &err), SCA_OK);
    assert_string_equal(c.issuer_keys, ""); /* none by default: perso methods answer not-supported */
    assert_int_equal(parse("issuer_keys = test\n", &c, &err), SCA_OK);
    assert_string_equal(c.issuer_keys, "test");
    assert_int_equal(parse("issuer_keys = /etc/scagent/issuer-keys.conf\n", &c, &err), SCA_OK);
    assert_string_equal(c.issuer_keys, "/etc/scagent/issuer-keys.conf");
    static const char *const bad[] = {"issuer_keys = keys.conf\n", "issuer_keys =\n", "issuer_keys = TEST\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i], &c, &err), SCA_E_PARSE);
        assert_non_null(strstr(err.msg, "line 1: issuer_keys is 'test'"));
    }
    char longer[400];
    snprintf(longer, sizeof longer, "issuer_keys = /%0300d\n", 0);
    assert_int_equal(parse(longer, &c, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "under 256 bytes"));
}

static void roles_round_trip(void **state)
{
    (void)state;
    char s[64];
    for (unsigned r = 0; r <= SCD_ROLE_ALL; r++) {
        scd_roles_str(r, s, sizeof s);
        assert_int_equal(scd_roles_parse(s), (int)r);
    }
    assert_int_equal(scd_roles_parse("terminal,,admin"), SCD_ROLE_TERMINAL | SCD_ROLE_ADMIN);
    assert_int_equal(scd_roles_parse("terminals"), -1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(defaults),
    cmocka_unit_test(every_key),
    cmocka_unit_test(names_resolve),
    cmocka_unit_test(errors_name_the_line),
    cmocka_unit_test(example_file_parses),
    cmocka_unit_test(roles_round_trip),
    cmocka_unit_test(issuer_keys_key),
};
RUN_SUITE("daemon-config", tests)
