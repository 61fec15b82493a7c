/* thread_slot.h: state each thread keeps for itself (formatters, views), made on first use
 * and freed when the thread ends. */
#ifndef PORTAL_THREAD_SLOT_H
#define PORTAL_THREAD_SLOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* One kind of per-thread state: declare it static with THREAD_SLOT. */
struct thread_slot {
	size_t size;              /* of the state, zeroed when made */
	void (*destroy)(void *);  /* frees what the state holds, then the state itself */
	pthread_mutex_t lock;     /* makes the key once */
	atomic_bool made;
	pthread_key_t key;
};
#define THREAD_SLOT(size, destroy) {(size), (destroy), PTHREAD_MUTEX_INITIALIZER, false, 0}

/* This thread's state, zeroed on first use; never NULL (out of memory ends the process). */
void *thread_slot_get(struct thread_slot *s);
/* Frees this thread's state now (the main thread's, which no thread end frees). */
void thread_slot_release(struct thread_slot *s);

#endif
