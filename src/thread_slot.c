/* thread_slot.c: per-thread state through a pthread key, whose destructor frees it. */
#include "thread_slot.h"

#include <stdlib.h>

#include "arena.h"

/* The key of s, made by the first thread that asks. */
static pthread_key_t slot_key(struct thread_slot *s)
{
	if (!atomic_load(&s->made)) {
		pthread_mutex_lock(&s->lock);
		if (!atomic_load(&s->made)) {
			int rc = pthread_key_create(&s->key, s->destroy);
			if (rc != 0) {
				/* Not with the lock held: die_oom may only end this request. */
				pthread_mutex_unlock(&s->lock);
				die_oom();
			}
			atomic_store(&s->made, true);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return s->key;
}

void *thread_slot_get(struct thread_slot *s)
{
	pthread_key_t key = slot_key(s);
	void *p = pthread_getspecific(key);
	if (p == NULL) {
		p = calloc(1, s->size);
		if (p == NULL || pthread_setspecific(key, p) != 0) {
			free(p);
			die_oom();
		}
	}
	return p;
}

void thread_slot_release(struct thread_slot *s)
{
	pthread_key_t key = slot_key(s);
	void *p = pthread_getspecific(key);
	if (p != NULL) {
		pthread_setspecific(key, NULL);
		s->destroy(p);
	}
}
