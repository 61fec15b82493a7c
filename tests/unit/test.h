/* test.h: the few macros the C unit tests share; each test file is one program. */
#ifndef PORTAL_TEST_H
#define PORTAL_TEST_H

#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

/* Counts one check; on failure prints where and what, and carries on. */
#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (cond) {                                                           \
			test_passed++;                                                \
		} else {                                                              \
			test_failed++;                                                \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)

/* Compares two strings (NULL-safe) and prints both on a mismatch. */
#define CHECK_STR(got, want)                                                          \
	do {                                                                          \
		const char *g_ = (got), *w_ = (want);                                 \
		if ((g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0)) { \
			test_passed++;                                                \
		} else {                                                              \
			test_failed++;                                                \
			fprintf(stderr, "FAIL %s:%d: %s\n  got:  [%s]\n  want: [%s]\n",  \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)",         \
				w_ ? w_ : "(null)");                                  \
		}                                                                     \
	} while (0)

/* Prints the closing line that tests/run.sh adds up, and the exit status. */
#define TEST_DONE(name)                                                               \
	(printf("%s: %d passed, %d failed\n", (name), test_passed, test_failed),        \
	 test_failed ? 1 : 0)

#endif
