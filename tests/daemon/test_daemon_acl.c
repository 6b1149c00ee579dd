/* The access-control matrix: every method x every role set, with personalization on and off, against an
 * expectation written down here independently of the table in host/daemon/methods.c. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "harness.h"
#include "methods.h"

enum { T = SCD_ROLE_TERMINAL, D = SCD_ROLE_DM, A = SCD_ROLE_ADMIN, ANY = 0x100, PERSO = 0x200 };

/* Who may call what (PROTOCOL.md §6). A is implied everywhere (admin may call every method). */
static const struct {
    const char *method;
    unsigned who;
} expect[] = {
    {"hello", ANY},
    {"cancel", ANY},
    {"info", T | D},
    {"pin.status", T | D},
    {"pin.verify", T},
    {"pin.change", T},
    {"gba.naf-key", T},
    {"mbms.stkm", T},
    {"id.show", T},
    {"id.header", T},
    {"upgrade.verify", T},
    {"register", T},
    {"id.verify", T | D},
    {"dm.servers", T | D},
    {"dm.policy", T | D},
    {"dm.check", D},
    {"dm.confirm", T},
    {"fu.verify-manifest", D},
    {"fu.digest", D},
    {"fu.hash", D},
    {"fu.report", D},
    {"fu.log.read", D},
    {"fu.log.relay", D},
    {"dmboot.verify", D},
    {"gba.status", T},
    {"gba.bootstrap", T},
    {"mbms.ltkm", T},
    {"mbms.setup", T},
    {"mbms.status", T},
    {"mbms.delete", T},
    {"bcast.provision", T},
    {"apdu", A},
    {"perso.fields", A | PERSO},
    {"perso.version", A | PERSO},
    {"perso.naf-anchor", A | PERSO},
    {"perso.dm", A | PERSO},
    {"perso.keygen", A | PERSO},
    {"perso.csr", A | PERSO},
    {"perso.cert", A | PERSO},
    {"perso.imsi", A | PERSO},
    {"perso.gba", A | PERSO},
    {"perso.dmboot-tries", A | PERSO},
};

static void matrix(void **state)
{
    (void)state;
    size_t n = sizeof expect / sizeof expect[0];
    assert_int_equal(n, scd_method_count); /* a new method needs a row here */
    for (size_t i = 0; i < n; i++) {
        const scd_method *m = scd_method_find(expect[i].method);
        if (m == NULL)
            fail_msg("method %s is not in the table", expect[i].method);
        for (unsigned roles = 0; roles <= SCD_ROLE_ALL; roles++) {
            for (int perso = 0; perso <= 1; perso++) {
                unsigned w = expect[i].who;
                int want = (w & ANY) || (roles & (w | A));
                if ((w & PERSO) && !perso)
                    want = 0;
                char msg[400] = "";
                int got = scd_method_allowed(m, roles, perso, msg, sizeof msg) == 0;
                if (got != want)
                    fail_msg("%s roles=%u perso=%d: allowed=%d, want %d", m->name, roles, perso, got, want);
                if (!got) { /* a denial says why, naming the method */
                    assert_non_null(strstr(msg, m->name));
                    assert_true(strstr(msg, "role") != NULL || strstr(msg, "perso") != NULL);
                }
            }
        }
    }
}

static void priorities(void **state)
{
    (void)state;
    /* latency-critical methods run first, bulk last */
    assert_int_equal(scd_method_find("mbms.stkm")->prio, SCD_PRIO_URGENT);
    assert_int_equal(scd_method_find("pin.verify")->prio, SCD_PRIO_URGENT);
    assert_int_equal(scd_method_find("info")->prio, SCD_PRIO_URGENT);
    assert_int_equal(scd_method_find("fu.hash")->prio, SCD_PRIO_BULK);
    assert_int_equal(scd_method_find("dm.check")->prio, SCD_PRIO_NORMAL);
}

static void roles_from_rules(void **state)
{
    (void)state;
    scd_config c;
    scd_config_defaults(&c);
    const char *text = "default_roles = none\nuid.1000 = terminal\ngid.50 = dm-client\nuid.1001 = admin\n";
    sca_error err;
    assert_int_equal(scd_config_parse(text, strlen(text), &c, &err), SCA_OK);
    gid_t g1[] = {100}, g2[] = {100, 50};
    assert_int_equal(scd_roles_for(&c, 999, g1, 1), 0);
    assert_int_equal(scd_roles_for(&c, 1000, g1, 1), SCD_ROLE_TERMINAL);
    assert_int_equal(scd_roles_for(&c, 1000, g2, 2), SCD_ROLE_TERMINAL | SCD_ROLE_DM);
    assert_int_equal(scd_roles_for(&c, 1001, g1, 1), SCD_ROLE_ADMIN);
    assert_int_equal(scd_roles_for(&c, 0, g1, 1), SCD_ROLE_ALL);
    c.root_all = 0;
    assert_int_equal(scd_roles_for(&c, 0, g1, 1), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(matrix),
    cmocka_unit_test(priorities),
    cmocka_unit_test(roles_from_rules),
};
RUN_SUITE("daemon-acl", tests)
