/* arena.h: request-scoped memory; everything a request allocates is freed at once. */
#ifndef PORTAL_ARENA_H
#define PORTAL_ARENA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/*
 * An arena hands out memory from large blocks and frees it all in one call.
 * Out of memory calls die_oom (below).  An arena is used by one thread at a
 * time, and stays sound when die_oom leaves one of its calls: a block is only
 * linked in once allocated.
 */
struct arena_block;
struct arena {
	struct arena_block *head;
	size_t keep; /* bytes of the first block kept across arena_reset */
};

void arena_init(struct arena *a);
/* Frees every block but the first, which is emptied for the next request and grown
 * to what this one used (up to 1 MiB), so that the next one like it takes no malloc. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

void *arena_alloc(struct arena *a, size_t size);   /* zeroed, 16-aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* A growable byte buffer living in an arena. */
struct buf {
	struct arena *arena;
	char *data;
	size_t len, cap;
};
void buf_init(struct buf *b, struct arena *a);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminates and returns the data (owned by the arena). */
char *buf_str(struct buf *b);

/*
 * Used where allocation fails.  In a thread that set a catch with oom_catch
 * (a worker during a request, the jobs thread during a run) it jumps there,
 * and the catcher rolls back and answers 500: the failure ends that request
 * only.  Elsewhere (start-up, the command line) it exits with a message.
 * The jump skips the frames between: callers never hold a lock (but the
 * database's writer lock, which the catcher releases) or a half-made change
 * of shared state across a call that may allocate.  What the skipped
 * frames held on the heap is lost (a leak bounded by one request, on a path
 * taken only when memory ran out); what they held in the arena or the
 * database connection is reclaimed by the catcher.
 */
_Noreturn void die_oom(void);
/* Sets (target) or clears (NULL) where die_oom jumps in the calling thread.
 * die_oom clears it before jumping, so each catch is used once. */
void oom_catch(jmp_buf *target);

#endif
