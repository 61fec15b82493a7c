/* oomtest.h: the allocation-failure test build (-DPORTAL_OOM_TEST) only. */
#ifndef PORTAL_OOMTEST_H
#define PORTAL_OOMTEST_H

#ifdef PORTAL_OOM_TEST
#include <stdbool.h>

/*
 * In this build malloc, calloc and realloc count the calls of the thread
 * that armed them.  oomtest_arm starts a request's count; when spec is a
 * number N >= 1 (the X-Fail-Alloc header), the Nth call fails, once.
 * oomtest_disarm stops counting and returns the count, with whether the
 * failure happened.  ICU keeps the plain allocator: the test aims at the
 * portal, jansson, cmark and SQLite.
 */
void oomtest_init(void);
void oomtest_arm(const char *spec);
unsigned long oomtest_disarm(bool *failed);
#endif

#endif
