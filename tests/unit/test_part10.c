/* PC/SC part 10 reader answers: feature list and TLV properties, good and malformed. */
#include "harness.h"

#include "pcsc_part10.h"

static void test_feature(void **state)
{
    (void)state;
    const uint8_t list[] = {0x06, 0x04, 0x42, 0x33, 0x00, 0x06, 0x12, 0x04, 0x42, 0x33, 0x00, 0x12};
    uint32_t code = 0;
    assert_int_equal(sca_part10_find_feature(list, sizeof list, 0x12, &code), 0);
    assert_int_equal(code, 0x42330012);
    assert_int_equal(sca_part10_find_feature(list, sizeof list, 0x13, &code), -1);
    assert_int_equal(sca_part10_find_feature(list, sizeof list - 1, 0x12, &code), -1); /* truncated */
    const uint8_t badlen[] = {0x12, 0x02, 0x00, 0x01};
    assert_int_equal(sca_part10_find_feature(badlen, sizeof badlen, 0x12, &code), -1);
}

static void test_property(void **state)
{
    (void)state;
    const uint8_t props[] = {0x01, 0x02, 0x00, 0x00, 0x0A, 0x04, 0x00, 0x00, 0x01, 0x00};
    uint32_t v = 0;
    assert_int_equal(sca_part10_find_property(props, sizeof props, 0x0A, &v), 0);
    assert_int_equal(v, 0x10000); /* little-endian */
    const uint8_t one[] = {0x0A, 0x01, 0xFF};
    assert_int_equal(sca_part10_find_property(one, sizeof one, 0x0A, &v), 0);
    assert_int_equal(v, 0xFF);
    const uint8_t big[] = {0x0A, 0x05, 1, 2, 3, 4, 5};
    assert_int_equal(sca_part10_find_property(big, sizeof big, 0x0A, &v), -1);
    const uint8_t over[] = {0x0A, 0x04, 1, 2};
    assert_int_equal(sca_part10_find_property(over, sizeof over, 0x0A, &v), -1);
}

static const struct CMUnitTest tests[] = {cmocka_unit_test(test_feature), cmocka_unit_test(test_property)};
RUN_SUITE("part10", tests)
