/* app.h: the configuration every part of the server reads, fixed after start-up. */
#ifndef PORTAL_APP_H
#define PORTAL_APP_H

#include <stdbool.h>

/* Settings from the configuration file and the command line (which wins). */
struct config {
	const char *db_path;
	const char *socket_path;
	int socket_mode;     /* permissions of the FastCGI socket, 0660 by default */
	const char *datadir; /* holds sql/, templates/ and static/ */
	int threads;
	const char *sendmail;
	const char *mail_from;
	const char *site_name;
	const char *department_contact; /* who and where, without telephone or e-mail */
	const char *department_phone;   /* 10 digits: shown "310-618-5555", linked tel:+1... */
	const char *department_email;   /* shown and linked mailto: on every page */
	const char *base_url; /* for links in e-mail: "https://programs.example.org" */
	int mail_retry_seconds; /* the first retry's delay; each later one doubles */
	int retention_days;
	int secure_cookies; /* 1 always, 0 never, -1 when the request came over HTTPS */
	const char *default_location; /* where sessions are held unless a class says otherwise */
	const char *key_file; /* 32 random bytes sealing personal data (seal.c); NULL = none given */
	bool require_two_factor; /* every account sets up a second factor after its password */
	int access_log_days;     /* how long the access log keeps a row */
	/* The time zone (time_zone) is clock.c's: clock_zone(). */
};

/* The one configuration of this process; read-only once the server starts. */
extern struct config app_config;

/* Seconds since the epoch; tests may shift it with PORTAL_TIME_OFFSET (seconds). */
long long app_now(void);

#endif
