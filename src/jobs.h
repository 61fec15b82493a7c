/* jobs.h: the server's background thread: e-mail delivery, session reminders and the daily
 * retention run. */
#ifndef PORTAL_JOBS_H
#define PORTAL_JOBS_H

/* Starts the thread; 0 or -1. */
int jobs_start(void);
/* Asks it to stop and waits for it (a message being piped finishes first). */
void jobs_stop(void);

#endif
