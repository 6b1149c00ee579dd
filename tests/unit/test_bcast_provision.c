/* BCAST provisioning XML (tools/bmsc-sim/README.md): the request bodies byte for byte, argument checks, and the
 * strict reading of the 200 answers (LTKMs included); the small XML reader's refusals. The HTTP Digest exchange
 * itself runs against tools/bmsc-sim in tests/mbms/run. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "xml_small.h"
#include "mbms_msgs.h"
#include "scagent/provision.h"

static const uint8_t MRK[32] = {1};

static char *body_of(const sca_bcast_request *q)
{
    char *b = NULL;
    size_t n = 0;
    sca_error err;
    sca_rc rc = sca_bcast_request_body(q, "r1", &b, &n, &err);
    if (rc != SCA_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, SCA_OK);
    assert_int_equal(strlen(b), n);
    return b;
}

static void test_request_bodies(void **state)
{
    (void)state;
    sca_bcast_request q = {.kind = SCA_BCAST_REGISTER, .base_url = "http://x", .btid = "b", .mrk = MRK};
    char *b = body_of(&q);
    assert_string_equal(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RegistrationRequest requestID=\"r1\">"
                           "<ServiceID>urn:allServices</ServiceID></RegistrationRequest>\n");
    free(b);
    const char *ids[] = {"urn:example:item:news", "a&b<c>\"'"};
    q.kind = SCA_BCAST_SERVICE_REQUEST;
    q.ids = ids;
    q.n_ids = 2;
    q.delivery_port = 4359;
    b = body_of(&q);
    assert_string_equal(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceRequest requestID=\"r1\">"
                           "<PurchaseItem globalIDRef=\"urn:example:item:news\"/>"
                           "<PurchaseItem globalIDRef=\"a&amp;b&lt;c&gt;&quot;&apos;\"/>"
                           "<LTKMDelivery address=\"127.0.0.1\" port=\"4359\"/></ServiceRequest>\n");
    free(b);
    q.kind = SCA_BCAST_TOKEN_PURCHASE;
    q.delivery_port = 0;
    q.n_ids = 1;
    b = body_of(&q);
    assert_non_null(strstr(b, "<TokenPurchaseRequest requestID=\"r1\"><PurchaseItem"));
    assert_null(strstr(b, "LTKMDelivery"));
    free(b);
    const uint8_t msk[2][4] = {{0, 1, 0, 2}, {0xAB, 0xCD, 0, 0}}, kd[3] = {0x00, 0xF1, 0x10};
    sca_bcast_request l = {.kind = SCA_BCAST_LTKM_REQUEST, .msk_ids = msk, .n_msk_ids = 2, .key_domain = kd,
                           .delivery_address = "10.0.0.2", .delivery_port = 5000};
    b = body_of(&l);
    assert_string_equal(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LTKMRequest requestID=\"r1\">"
                           "<KeyDomainID>00F110</KeyDomainID><MSKID>00010002</MSKID><MSKID>ABCD0000</MSKID>"
                           "<LTKMDelivery address=\"10.0.0.2\" port=\"5000\"/></LTKMRequest>\n");
    free(b);
    /* refusals */
    char *o = NULL;
    size_t n;
    sca_error err;
    l.n_msk_ids = 0;
    assert_int_equal(sca_bcast_request_body(&l, "r", &o, &n, &err), SCA_E_INVALID_ARG);
    q.n_ids = 0;
    q.kind = SCA_BCAST_SERVICE_REQUEST;
    assert_int_equal(sca_bcast_request_body(&q, "r", &o, &n, &err), SCA_E_INVALID_ARG);
    const char *bad[] = {"tab\there"};
    q.ids = bad;
    q.n_ids = 1;
    assert_int_equal(sca_bcast_request_body(&q, "r", &o, &n, &err), SCA_E_INVALID_ARG);
    q.ids = ids;
    assert_int_equal(sca_bcast_request_body(&q, "", &o, &n, &err), SCA_E_INVALID_ARG);
    sca_bcast_request r = {.kind = SCA_BCAST_REGISTER, .delivery_port = 1};
    assert_int_equal(sca_bcast_request_body(&r, "r", &o, &n, &err), SCA_E_INVALID_ARG);
    assert_null(o);
}

static sca_rc parse(sca_bcast_kind k, const char *xml, const char *rid, sca_bcast_response *r, sca_error *err)
{
    memset(r, 0, sizeof *r);
    return sca_bcast_parse_response(k, (const uint8_t *)xml, strlen(xml), rid, r, err);
}

static void test_responses(void **state)
{
    (void)state;
    sca_bcast_response r;
    sca_error err;
    assert_int_equal(parse(SCA_BCAST_REGISTER, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RegistrationResponse "
                           "requestID=\"r1\" globalStatusCode=\"0\"><ServiceID statusCode=\"0\">urn:allServices"
                           "</ServiceID></RegistrationResponse>", "r1", &r, &err), SCA_OK);
    assert_int_equal(r.global_status, 0);
    assert_int_equal(r.n_items, 1);
    assert_string_equal(r.items[0].id, "urn:allServices");
    assert_string_equal(r.request_id, "r1");
    sca_bcast_response_free(&r);
    assert_int_equal(parse(SCA_BCAST_SERVICE_REQUEST, "<ServiceResponse requestID='r2' globalStatusCode='3'>\n"
                           "  <PurchaseItem globalIDRef=\"urn:x\" itemwiseStatusCode=\"3\"/>\n  <Extra a='1'><b/></Extra>"
                           "\n</ServiceResponse>\n", NULL, &r, &err), SCA_OK);
    assert_int_equal(r.global_status, 3);
    assert_int_equal(r.items[0].status, 3);
    sca_bcast_response_free(&r);
    /* an LTKM: Base64 of a real LTKM whose MSK ID matches */
    size_t ll;
    uint8_t *ltkm = mbms_test_ltkm(7, 2, 16, 0, &ll);
    char *b64 = NULL;
    assert_int_equal(sca_b64_encode(ltkm, ll, &b64, &err), SCA_OK);
    char xml[2048];
    snprintf(xml, sizeof xml, "<LTKMResponse requestID=\"r3\" globalStatusCode=\"0\"><MSKID statusCode=\"0\">00070002"
             "</MSKID><LTKM mskID=\"00070002\">%s</LTKM></LTKMResponse>", b64);
    assert_int_equal(parse(SCA_BCAST_LTKM_REQUEST, xml, "r3", &r, &err), SCA_OK);
    assert_int_equal(r.n_ltkms, 1);
    assert_int_equal(r.ltkms[0].len, ll);
    assert_memory_equal(r.ltkms[0].msg, ltkm, ll);
    assert_int_equal(r.ltkms[0].msk_id[3], 2);
    sca_bcast_response_free(&r);
    /* the label does not match the LTKM's MSK ID */
    snprintf(xml, sizeof xml, "<LTKMResponse requestID=\"r3\" globalStatusCode=\"0\"><LTKM mskID=\"00070003\">%s"
             "</LTKM></LTKMResponse>", b64);
    assert_int_equal(parse(SCA_BCAST_LTKM_REQUEST, xml, "r3", &r, &err), SCA_E_PARSE);
    assert_non_null(strstr(err.msg, "another MSK ID"));
    assert_int_equal(r.n_ltkms, 0);
    /* not Base64, not an LTKM */
    assert_int_equal(parse(SCA_BCAST_LTKM_REQUEST, "<LTKMResponse requestID=\"r\" globalStatusCode=\"0\"><LTKM "
                           "mskID=\"00070002\">AAA=x</LTKM></LTKMResponse>", NULL, &r, &err), SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_LTKM_REQUEST, "<LTKMResponse requestID=\"r\" globalStatusCode=\"0\"><LTKM "
                           "mskID=\"00070002\">AQIDBA==</LTKM></LTKMResponse>", NULL, &r, &err), SCA_E_PARSE);
    /* nested LTKM, wrong root, wrong/missing request ID, missing status, bad MSKID */
    snprintf(xml, sizeof xml, "<LTKMResponse requestID=\"r3\" globalStatusCode=\"0\"><x><LTKM mskID=\"00070002\">%s"
             "</LTKM></x></LTKMResponse>", b64);
    assert_int_equal(parse(SCA_BCAST_LTKM_REQUEST, xml, "r3", &r, &err), SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_LTKM_REQUEST, "<ServiceResponse requestID=\"r\" globalStatusCode=\"0\"/>", NULL,
                           &r, &err), SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_REGISTER, "<RegistrationResponse requestID=\"r9\" globalStatusCode=\"0\"/>",
                           "r1", &r, &err), SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_REGISTER, "<RegistrationResponse globalStatusCode=\"0\"/>", NULL, &r, &err),
                     SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_REGISTER, "<RegistrationResponse requestID=\"r\"/>", NULL, &r, &err),
                     SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_REGISTER, "<RegistrationResponse requestID=\"r\" globalStatusCode=\"-1\"/>",
                           NULL, &r, &err), SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_LTKM_REQUEST, "<LTKMResponse requestID=\"r\" globalStatusCode=\"0\"><MSKID "
                           "statusCode=\"0\">0007000</MSKID></LTKMResponse>", NULL, &r, &err), SCA_E_PARSE);
    assert_int_equal(parse(SCA_BCAST_SERVICE_REQUEST, "<ServiceResponse requestID=\"r\" globalStatusCode=\"0\">"
                           "<PurchaseItem globalIDRef=\"x\"/></ServiceResponse>", NULL, &r, &err), SCA_E_PARSE);
    /* every truncation of a good answer is refused */
    snprintf(xml, sizeof xml, "<LTKMResponse requestID=\"r3\" globalStatusCode=\"0\"><MSKID statusCode=\"0\">00070002"
             "</MSKID><LTKM mskID=\"00070002\">%s</LTKM></LTKMResponse>", b64);
    for (size_t i = 0; i < strlen(xml); i++) {
        memset(&r, 0, sizeof r);
        assert_int_equal(sca_bcast_parse_response(SCA_BCAST_LTKM_REQUEST, (const uint8_t *)xml, i, "r3", &r, &err),
                         SCA_E_PARSE);
        assert_int_equal(r.n_ltkms, 0);
    }
    free(b64);
    free(ltkm);
}

static void test_xml_refusals(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "<a>", "<a></b>", "</a>", "<a/><b/>", "<a/>x", "<!DOCTYPE a><a/>", "<a><!-- c --></a>",
        "<a><![CDATA[x]]></a>", "<?pi x?><a/>", "<a>&ext;</a>", "<a>&#65;</a>", "<a x='1' x='2'/>",
        "<a x=1/>", "<a>t<b/></a>", "<a><b/>t</a>", "<a>\x01</a>", "<a>\xC3\xA9</a>", "<a x='<'/>",
        "<a><b><c><d><e><f><g><h/></g></f></e></d></c></b></a>", "<?xml version='1.0'<a/>",
    };
    const sca_xml_opts xo = {.what = "test"};
    sca_xml_doc d;
    sca_error err;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sca_rc rc = sca_xml_parse((const uint8_t *)bad[i], strlen(bad[i]), &xo, &d, &err);
        if (rc != SCA_E_PARSE)
            print_error("accepted: %s\n", bad[i]);
        assert_int_equal(rc, SCA_E_PARSE);
        sca_xml_free(&d);
    }
    const char *ok = "<?xml version=\"1.0\"?>\n<a x=\"&lt;&amp;\">\n <b y='2'>t &gt; u</b>\n <c/>\n</a>\n";
    assert_int_equal(sca_xml_parse((const uint8_t *)ok, strlen(ok), &xo, &d, &err), SCA_OK);
    assert_int_equal(d.n, 3);
    assert_string_equal(sca_xml_attr_get(&d, 0, "x"), "<&");
    assert_string_equal(d.e[1].text, "t > u");
    assert_int_equal(d.e[2].depth, 1);
    assert_null(sca_xml_attr_get(&d, 2, "x"));
    sca_xml_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_responses),
        cmocka_unit_test(test_xml_refusals),
    };
    int failed = cmocka_run_group_tests_name("bcast-provision", tests, NULL, NULL);
    printf("SUITE bcast-provision passed=%zu failed=%d\n", sizeof tests / sizeof *tests - (size_t)failed, failed);
    return failed ? 1 : 0;
}
