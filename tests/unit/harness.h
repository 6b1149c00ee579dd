/* Shared bits of the cmocka unit tests: a main that prints the suite's counts for tests/run-all. */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define RUN_SUITE(name, tests)                                                                                  \
    int main(void)                                                                                              \
    {                                                                                                           \
        int failed = cmocka_run_group_tests_name(name, tests, NULL, NULL);                                      \
        size_t total = sizeof(tests) / sizeof((tests)[0]);                                                      \
        printf("SUITE %s passed=%zu failed=%d\n", name, total - (size_t)failed, failed);                        \
        return failed ? 1 : 0;                                                                                  \
    }

#endif
