/* jobs.c: one background thread of `portal serve` delivers the outbox, queues session
 * reminders every minute and runs retention daily. */
#include "jobs.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "db.h"
#include "mail.h"
#include "reminders.h"
#include "retention.h"

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_bool stop;

/* Sleeps up to seconds, or until jobs_stop; true when asked to stop. */
static bool pause_for(int seconds)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&lock);
	while (!atomic_load(&stop) && pthread_cond_timedwait(&wake, &lock, &until) == 0)
		;
	bool s = atomic_load(&stop);
	pthread_mutex_unlock(&lock);
	return s;
}

static void *jobs_main(void *arg)
{
	(void)arg;
	struct db *db = db_open(app_config.db_path);
	if (db == NULL) {
		fputs("portal: jobs: no database; e-mail will not be sent\n", stderr);
		return NULL;
	}
	if (mail_release_claims(db) < 0)
		fputs("portal: jobs: could not release old mail claims\n", stderr);
	/* volatile: kept across a jump back to the catch below */
	volatile long long next_retention = 0, next_reminders = 0;
	jmp_buf catch;
	do {
		/* Running out of memory ends this round only (see die_oom): what it
		 * had open is rolled back, and the next round starts afresh. */
		if (setjmp(catch) != 0) {
			db_recover(db);
			fputs("portal: jobs: out of memory; trying again in a moment\n", stderr);
			continue;
		}
		oom_catch(&catch);
		long long now = app_now();
		/* Every minute, so that a reminder goes soon after it is due and never
		 * long after a session has been moved; a failed run is simply the next
		 * minute's to redo, as nothing of it was kept. */
		if (now >= next_reminders) {
			if (reminders_run(db, now) < 0)
				fputs("portal: reminders run failed; trying again in a minute\n",
				      stderr);
			next_reminders = now + 60;
		}
		if (now >= next_retention) {
			int rc = retention_run(db, now);
			if (rc < 0)
				fputs("portal: retention run failed; trying again in an hour\n", stderr);
			next_retention = now + (rc < 0 ? 3600 : 86400);
		}
		/* A full batch means more may be waiting: go again at once. */
		while (mail_deliver_due(db) == MAIL_BATCH && !atomic_load(&stop))
			;
		oom_catch(NULL);
		db_request_end(db);
	} while (!pause_for(1));
	db_close(db);
	return NULL;
}

int jobs_start(void)
{
	atomic_store(&stop, false);
	if (pthread_create(&thread, NULL, jobs_main, NULL) != 0) {
		fputs("portal: cannot start the background thread\n", stderr);
		return -1;
	}
	return 0;
}

void jobs_stop(void)
{
	pthread_mutex_lock(&lock);
	atomic_store(&stop, true);
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
}
