/* config.c: defaults, the configuration file and the settings it may name. */
#include "config.h"
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "validate.h"

struct config app_config;

/* Read once at start-up: tests move the clock to exercise expiry and retention. */
static long time_offset;

long long app_now(void)
{
	return (long long)time(NULL) + time_offset;
}

void config_defaults(struct config *c)
{
	const char *off = getenv("PORTAL_TIME_OFFSET");
	if (off == NULL || parse_int(off, -1000000000L, 1000000000L, &time_offset) < 0)
		time_offset = 0;
	c->db_path = "var/portal.db";
	c->socket_path = "var/portal.sock";
	c->socket_mode = 0660;
	c->datadir = NULL;
	c->key_file = NULL;
	/* More workers than cores: a worker waiting for its group commit's flush
	 * (group.c) uses no CPU, and a group holds at most one request per worker. */
	c->threads = 16;
	c->sendmail = "/usr/sbin/sendmail -t -i";
	c->mail_from = "Torrance Police Community Programs <programs@torranceca.gov>";
	c->site_name = "Torrance Police Department Community Programs";
	c->department_contact = "Community Affairs Unit, Torrance Police Department, 3300 Civic "
				"Center Drive, Torrance, CA 90503";
	c->department_phone = "3106185555";
	c->department_email = "programs@torranceca.gov";
	c->base_url = "http://127.0.0.1:8080";
	c->retention_days = 180;
	c->require_two_factor = false;
	c->access_log_days = 730;
	c->mail_retry_seconds = 60;
	c->secure_cookies = -1;
	c->default_location = "Torrance Police Department, Community Room, 3300 Civic Center "
			      "Drive, Torrance, CA 90503";
	clock_set_zone("America/Los_Angeles");
}

static int set_int(const char *value, long min, long max, int *out, const char **err)
{
	/* Settings are read before any thread starts, so one buffer is enough. */
	static char why[80];
	long v;
	if (parse_int(value, min, max, &v) < 0) {
		snprintf(why, sizeof(why), "expects a whole number from %ld to %ld", min, max);
		*err = why;
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* Every string kept for a setting stays listed here, so that one replaced
 * later (a key given twice, or by a command-line option) is still reachable
 * and not reported as a leak. */
static char **kept;
static size_t nkept;

static char *keep(const char *s)
{
	char *p = strdup(s);
	char **list = p ? realloc(kept, (nkept + 1) * sizeof(*kept)) : NULL;
	if (list == NULL) {
		fputs("portal: out of memory\n", stderr);
		exit(1);
	}
	kept = list;
	kept[nkept++] = p;
	return p;
}

int config_set(struct config *c, const char *key, const char *value, const char **err)
{
	*err = NULL;
	/* An empty value is a mistake for every key; for sendmail it would even
	 * count each message as sent, since `sh -c ""` succeeds. */
	if (value[0] == '\0') {
		*err = "needs a value";
		return -1;
	}
	/* Settings reach pages, mail and JSON, which all need UTF-8. */
	if (!utf8_valid(value, strlen(value))) {
		*err = "is not valid UTF-8 text";
		return -1;
	}
	if (strcmp(key, "database") == 0) {
		c->db_path = keep(value);
	} else if (strcmp(key, "socket") == 0) {
		c->socket_path = keep(value);
	} else if (strcmp(key, "socket_mode") == 0) {
		char *end;
		errno = 0;
		long m = strtol(value, &end, 8);
		if (errno || *end || value[0] == '\0' || m < 0 || m > 0777) {
			*err = "expects an octal mode such as 0660";
			return -1;
		}
		if (m & 0007) {
			*err = "must not give other users access (libfcgi trusts its socket)";
			return -1;
		}
		c->socket_mode = (int)m;
	} else if (strcmp(key, "datadir") == 0) {
		c->datadir = keep(value);
	} else if (strcmp(key, "key_file") == 0) {
		c->key_file = keep(value);
	} else if (strcmp(key, "threads") == 0) {
		return set_int(value, 1, 256, &c->threads, err);
	} else if (strcmp(key, "sendmail") == 0) {
		c->sendmail = keep(value);
	} else if (strcmp(key, "mail_from") == 0) {
		c->mail_from = keep(value);
	} else if (strcmp(key, "site_name") == 0) {
		c->site_name = keep(value);
	} else if (strcmp(key, "department_contact") == 0) {
		c->department_contact = keep(value);
	} else if (strcmp(key, "department_phone") == 0) {
		char digits[11];
		if (!phone_normalise(value, digits)) {
			*err = "expects a US telephone number of 10 digits, such as 310-618-5555";
			return -1;
		}
		c->department_phone = keep(digits);
	} else if (strcmp(key, "department_email") == 0) {
		if (!email_valid(value)) {
			*err = "expects an e-mail address, such as programs@torranceca.gov";
			return -1;
		}
		c->department_email = keep(value);
	} else if (strcmp(key, "base_url") == 0) {
		if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) {
			*err = "expects an address starting with https:// or http://";
			return -1;
		}
		c->base_url = keep(value);
	} else if (strcmp(key, "mail_retry_seconds") == 0) {
		return set_int(value, 1, 86400, &c->mail_retry_seconds, err);
	} else if (strcmp(key, "retention_days") == 0) {
		return set_int(value, 1, 36500, &c->retention_days, err);
	} else if (strcmp(key, "access_log_days") == 0) {
		return set_int(value, 1, 36500, &c->access_log_days, err);
	} else if (strcmp(key, "require_two_factor") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
			*err = "expects yes or no";
			return -1;
		}
		c->require_two_factor = strcmp(value, "yes") == 0;
	} else if (strcmp(key, "time_zone") == 0) {
		if (clock_set_zone(value) < 0) {
			*err = "expects a time zone name such as America/Los_Angeles";
			return -1;
		}
	} else if (strcmp(key, "default_location") == 0) {
		c->default_location = keep(value);
	} else if (strcmp(key, "secure_cookies") == 0) {
		if (strcmp(value, "yes") == 0)
			c->secure_cookies = 1;
		else if (strcmp(value, "no") == 0)
			c->secure_cookies = 0;
		else if (strcmp(value, "auto") == 0)
			c->secure_cookies = -1;
		else {
			*err = "expects yes, no or auto";
			return -1;
		}
	} else {
		*err = "is not a setting the portal knows";
		return -1;
	}
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
			 s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int config_load(struct config *c, const char *path, int required)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (!required && errno == ENOENT)
			return 0;
		fprintf(stderr, "portal: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "%s:%d: line too long\n", path, lineno);
			rc = -1;
			break;
		}
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			fprintf(stderr, "%s:%d: expected 'key = value'\n", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		const char *err;
		if (config_set(c, key, value, &err) < 0) {
			fprintf(stderr, "%s:%d: %s %s\n", path, lineno, key, err);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}
