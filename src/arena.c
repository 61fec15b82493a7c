/* arena.c: request-scoped memory blocks and the byte buffer built on them. */
#include "arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_SIZE = 64 * 1024, ALIGN = 16 };
/* The largest first block an arena keeps across arena_reset (per worker thread). */
enum { KEEP_MAX = 1024 * 1024 };

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

/* Where die_oom goes in this thread, while a request (or a job) is under way. */
static _Thread_local jmp_buf *oom_target;

void oom_catch(jmp_buf *target)
{
	oom_target = target;
}

_Noreturn void die_oom(void)
{
	jmp_buf *target = oom_target;
	if (target != NULL) {
		/* One jump per catch: a failure while the catcher cleans up must not
		 * land in a frame that is already gone. */
		oom_target = NULL;
		longjmp(*target, 1);
	}
	fputs("portal: out of memory\n", stderr);
	exit(1);
}

static struct arena_block *block_new(size_t size)
{
	struct arena_block *b = malloc(sizeof(*b) + size);
	if (b == NULL)
		die_oom();
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->keep = BLOCK_SIZE;
}

/*
 * Empties the arena for the next request.  The first block is kept, and it
 * grows to what a request used (up to KEEP_MAX): a worker serving the same
 * pages again and again then allocates nothing from the system in the steady
 * state, where a page larger than one block used to cost a malloc and a free
 * of its own block each time.  Takes no memory: a grown block is made by the
 * next arena_alloc.
 */
void arena_reset(struct arena *a)
{
	size_t total = 0;
	for (struct arena_block *b = a->head; b != NULL; b = b->next)
		total += b->size;
	/* The oldest block is the last in the list; keep it if it is the kept size
	 * and the request fitted in it, or could not have fitted in KEEP_MAX. */
	struct arena_block *b = a->head, *last = NULL;
	bool grow = total > a->keep && total <= KEEP_MAX;
	while (b != NULL) {
		struct arena_block *next = b->next;
		if (next == NULL && b->size == a->keep && !grow) {
			last = b;
			break;
		}
		free(b);
		b = next;
	}
	if (grow)
		a->keep = (total + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE;
	if (last != NULL)
		last->used = 0;
	a->head = last;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b != NULL) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}

void *arena_alloc(struct arena *a, size_t size)
{
	if (size > SIZE_MAX / 2)
		die_oom();
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need == 0)
		need = ALIGN;
	struct arena_block *b = a->head;
	if (b == NULL && need <= a->keep) {
		/* The first block, of the size arena_reset keeps. */
		b = block_new(a->keep);
		a->head = b;
	} else if (b == NULL || b->size - b->used < need) {
		if (need > BLOCK_SIZE / 4) {
			/* A large piece gets a block of its own, behind the current one,
			 * so the current block's free space is not wasted. */
			struct arena_block *big = block_new(need);
			big->used = need;
			if (b == NULL) {
				a->head = big;
			} else {
				big->next = b->next;
				b->next = big;
			}
			memset(big->data, 0, need);
			return big->data;
		}
		b = block_new(BLOCK_SIZE);
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	memset(p, 0, need);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	n = strnlen(s, n); /* as strndup: at most n bytes, never past the string's end */
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		die_oom();
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void buf_init(struct buf *b, struct arena *a)
{
	b->arena = a;
	b->data = NULL;
	b->len = b->cap = 0;
}

static void buf_grow(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1) {
		if (cap > SIZE_MAX / 2)
			die_oom();
		cap *= 2;
	}
	/* Old space stays in the arena until the request ends; doubling keeps the
	 * total at most twice the final size. */
	char *p = arena_alloc(b->arena, cap);
	if (b->len)
		memcpy(p, b->data, b->len);
	b->data = p;
	b->cap = cap;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(b->arena, fmt, ap);
	va_end(ap);
	buf_puts(b, s);
}

char *buf_str(struct buf *b)
{
	buf_grow(b, 0);
	b->data[b->len] = '\0';
	return b->data;
}
