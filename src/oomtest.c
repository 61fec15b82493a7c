/* oomtest.c: an allocator that fails the Nth call of a request, for the test build. */
#ifdef PORTAL_OOM_TEST
#include "oomtest.h"

#include <errno.h>
#include <execinfo.h>
#include <stdlib.h>
#include <unistd.h>
#include <unicode/uclean.h>

/* glibc's own allocator, which these replace for the whole program. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static _Thread_local bool armed, failed;
static _Thread_local unsigned long count, fail_at;

/* Whether this call fails: the Nth call while armed. */
static bool fail_now(void)
{
	if (!armed)
		return false;
	if (++count != fail_at)
		return false;
	failed = true;
	/* OOM_BACKTRACE=1: where the failure was injected, on stderr. */
	if (getenv("OOM_BACKTRACE")) {
		void *frames[32];
		int n = backtrace(frames, 32);
		backtrace_symbols_fd(frames, n, 2);
	}
	return true;
}

void *malloc(size_t size)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, size);
}

static void *icu_alloc(const void *ctx, size_t size)
{
	(void)ctx;
	return __libc_malloc(size);
}

static void *icu_realloc(const void *ctx, void *p, size_t size)
{
	(void)ctx;
	return __libc_realloc(p, size);
}

static void icu_free(const void *ctx, void *p)
{
	(void)ctx;
	__libc_free(p);
}

void oomtest_init(void)
{
	/* backtrace loads libgcc on its first call: not while a call is failing. */
	void *frame[1];
	backtrace(frame, 1);
	UErrorCode status = U_ZERO_ERROR;
	u_setMemoryFunctions(NULL, icu_alloc, icu_realloc, icu_free, &status);
}

void oomtest_arm(const char *spec)
{
	char *end;
	unsigned long n = spec ? strtoul(spec, &end, 10) : 0;
	fail_at = spec && *end == '\0' ? n : 0;
	count = 0;
	failed = false;
	armed = true;
}

unsigned long oomtest_disarm(bool *ok_failed)
{
	armed = false;
	*ok_failed = failed;
	return count;
}
#else
/* Nothing here in the normal build. */
typedef int oomtest_unused;
#endif
