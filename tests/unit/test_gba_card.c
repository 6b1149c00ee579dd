/* The host's parsers of GBA card answers (AUTHENTICATE 'DB'/'DC', EF_GBABP), NAF_Id building, and the DM server id
 * taken from a verified bootstrap's XML: well-formed inputs, and every truncation and length lie refused. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "scagent/dmboot_card.h"
#include "scagent/gba.h"

static void test_answer(void **state)
{
    (void)state;
    sca_gba_auth a;
    sca_error err;
    uint8_t res[] = {0xDB, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(sca_gba_parse_answer(res, sizeof res, 0, &a, &err), SCA_OK);
    assert_int_equal(a.res_len, 8);
    assert_false(a.sync_failure);
    assert_int_equal(a.res[7], 8);
    uint8_t auts[16] = {0xDC, 0x0E};
    auts[15] = 0x77;
    assert_int_equal(sca_gba_parse_answer(auts, sizeof auts, 0, &a, &err), SCA_OK);
    assert_true(a.sync_failure);
    assert_int_equal(a.auts[13], 0x77);
    uint8_t ks[34] = {0xDB, 0x20};
    assert_int_equal(sca_gba_parse_answer(ks, sizeof ks, 1, &a, &err), SCA_OK);
    assert_int_equal(a.res_len, 32);
    /* every truncation, and one byte more */
    for (size_t n = 0; n < sizeof res; n++)
        assert_int_equal(sca_gba_parse_answer(res, n, 0, &a, &err), SCA_E_PARSE);
    for (size_t n = 0; n < sizeof ks; n++)
        assert_int_equal(sca_gba_parse_answer(ks, n, 1, &a, &err), SCA_E_PARSE);
    uint8_t longer[11] = {0xDB, 0x08};
    assert_int_equal(sca_gba_parse_answer(longer, sizeof longer, 0, &a, &err), SCA_E_PARSE);
    uint8_t bad_auts[15] = {0xDC, 0x0D};
    assert_int_equal(sca_gba_parse_answer(bad_auts, sizeof bad_auts, 0, &a, &err), SCA_E_PARSE);
    uint8_t other[10] = {0xDE, 0x08};
    assert_int_equal(sca_gba_parse_answer(other, sizeof other, 0, &a, &err), SCA_E_PARSE);
    uint8_t short_naf[10] = {0xDB, 0x08};
    assert_int_equal(sca_gba_parse_answer(short_naf, sizeof short_naf, 1, &a, &err), SCA_E_PARSE);
    uint8_t long_res[20] = {0xDB, 0x12};
    assert_int_equal(sca_gba_parse_answer(long_res, sizeof long_res, 0, &a, &err), SCA_E_PARSE);
}

static void test_bp(void **state)
{
    (void)state;
    uint8_t d[64] = {0x10};
    size_t n = 17;
    memcpy(d + n, "\x05" "ab@cd" "\x04" "2026", 11);
    n += 11;
    sca_gba_bp bp;
    sca_error err;
    assert_int_equal(sca_gba_bp_parse(d, n, &bp, &err), SCA_OK);
    assert_string_equal(bp.btid, "ab@cd");
    assert_string_equal(bp.lifetime, "2026");
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sca_gba_bp_parse(d, i, &bp, &err), SCA_E_PARSE);
    assert_int_equal(sca_gba_bp_parse(d, n + 1, &bp, &err), SCA_E_PARSE);
    uint8_t empty[19] = {0x10};
    assert_int_equal(sca_gba_bp_parse(empty, sizeof empty, &bp, &err), SCA_OK);
    assert_string_equal(bp.btid, "");
    d[0] = 0x0F;
    assert_int_equal(sca_gba_bp_parse(d, n, &bp, &err), SCA_E_PARSE);
    d[0] = 0x10;
    d[17 + 1] = 0; /* a NUL inside the B-TID */
    assert_int_equal(sca_gba_bp_parse(d, n, &bp, &err), SCA_E_PARSE);
}

static void test_naf_id(void **state)
{
    (void)state;
    uint8_t out[SCA_GBA_NAF_ID_MAX];
    size_t n = 0;
    sca_error err;
    assert_int_equal(sca_gba_naf_id("bmsc.example.org", SCA_GBA_UA_MBMS, out, &n, &err), SCA_OK);
    assert_int_equal(n, 21);
    assert_memory_equal(out + 16, "\x01\x00\x00\x00\x01", 5);
    assert_int_equal(sca_gba_naf_id("", SCA_GBA_UA_MBMS, out, &n, &err), SCA_E_INVALID_ARG);
    assert_int_equal(sca_gba_naf_id("a b", SCA_GBA_UA_MBMS, out, &n, &err), SCA_E_INVALID_ARG);
    char long_fqdn[200];
    memset(long_fqdn, 'a', sizeof long_fqdn - 1);
    long_fqdn[sizeof long_fqdn - 1] = '\0';
    assert_int_equal(sca_gba_naf_id(long_fqdn, SCA_GBA_UA_MBMS, out, &n, &err), SCA_E_INVALID_ARG);
    long_fqdn[155] = '\0';
    assert_int_equal(sca_gba_naf_id(long_fqdn, SCA_GBA_UA_MBMS, out, &n, &err), SCA_OK);
    assert_int_equal(n, SCA_GBA_NAF_ID_MAX);
}

static void test_server_id(void **state)
{
    (void)state;
    char id[65];
    sca_error err;
    const char *dm12 = "<SyncML>\n <SyncBody>\n  <Add>\n   <Item>\n    <Target>\n     <LocURI>./DMAcc/x/AppID</LocURI>\n"
                       "    </Target>\n    <Data>w7</Data>\n   </Item>\n   <Item>\n    <Target>\n"
                       "     <LocURI>./DMAcc/x/ServerID</LocURI>\n    </Target>\n    <Data>\n dm.example.com\n</Data>\n"
                       "   </Item>\n  </Add>\n </SyncBody>\n</SyncML>\n";
    assert_int_equal(sca_dmboot_server_id(dm12, id, sizeof id, &err), SCA_OK);
    assert_string_equal(id, "dm.example.com");
    const char *dm112 = "<Item><Target><LocURI>./SyncML/DMAcc/a/ServerId</LocURI></Target><Data>old.example</Data></Item>";
    assert_int_equal(sca_dmboot_server_id(dm112, id, sizeof id, &err), SCA_OK);
    assert_string_equal(id, "old.example");
    const char *refused[] = {
        "<SyncML></SyncML>",                                                                      /* none */
        "<Item><Target><LocURI>./DMAcc/a/b/ServerID</LocURI></Target><Data>x</Data></Item>",      /* nested */
        "<Item><Target><LocURI>./Other/a/ServerID</LocURI></Target><Data>x</Data></Item>",        /* other root */
        "<Item><Target><LocURI>./DMAcc/a/ServerID</LocURI></Target></Item>",                       /* no Data */
        "<Item><Target><LocURI>./DMAcc/a/ServerID</LocURI></Target><Data></Data></Item>",          /* empty */
        "<Item><Target><LocURI>./DMAcc/a/ServerID</LocURI></Target><Data>a&amp;b</Data></Item>",   /* markup */
        "<Item><Target><LocURI>./DMAcc/a/ServerID</LocURI></Target><Data>x",                       /* unterminated */
        "<Item><Target><LocURI>./DMAcc/a/ServerID",
        "<Item><Target><LocURI>./DMAcc/a/ServerID</LocURI></Target><Data>"
        "0123456789012345678901234567890123456789012345678901234567890123456789</Data></Item>",  /* > 64 */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        sca_rc rc = sca_dmboot_server_id(refused[i], id, sizeof id, &err);
        if (rc == SCA_OK)
            fail_msg("accepted: %s", refused[i]);
    }
    const char *cdata = "<Item><Target><LocURI>./DMAcc/x/ServerID</LocURI></Target>"
                        "<Data><![CDATA[cd.example.com]]></Data></Item>";
    assert_int_equal(sca_dmboot_server_id(cdata, id, sizeof id, &err), SCA_OK);
    assert_string_equal(id, "cd.example.com");
    const char *cdata_markup = "<Item><Target><LocURI>./DMAcc/x/ServerID</LocURI></Target>"
                               "<Data><![CDATA[a]]>b]]></Data></Item>";
    assert_int_not_equal(sca_dmboot_server_id(cdata_markup, id, sizeof id, &err), SCA_OK);
    /* the Data of another Item is not taken */
    const char *split = "<Item><Target><LocURI>./DMAcc/a/ServerID</LocURI></Target></Item>"
                        "<Item><Data>evil</Data></Item>";
    assert_int_not_equal(sca_dmboot_server_id(split, id, sizeof id, &err), SCA_OK);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_answer),
    cmocka_unit_test(test_bp),
    cmocka_unit_test(test_naf_id),
    cmocka_unit_test(test_server_id),
};

RUN_SUITE("gba_card", tests)
