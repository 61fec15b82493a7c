/* main.c: the command line: serve, migrate, user add, backup, restore, bootstrap. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "auth.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "markdown.h"
#include "oomtest.h"
#include "server.h"
#include "view.h"

#ifndef PORTAL_DATADIR
#define PORTAL_DATADIR "/usr/local/share/portal"
#endif
#define DEFAULT_CONFIG "/etc/portal/portal.conf"

static void usage(FILE *f)
{
	fputs("usage: portal [--db PATH] [--config FILE] [--datadir DIR] COMMAND ...\n"
	      "commands:\n"
	      "  serve [--socket PATH] [--socket-mode MODE] [--threads N] [--sendmail CMD]\n"
	      "  migrate\n"
	      "  user add --role ROLE --email EMAIL --name NAME [--school SLUG]  (password on stdin)\n"
	      "  backup FILE\n"
	      "  restore FILE         replace the database with a backup (server stopped)\n"
	      "  bootstrap [--demo]   first-run set-up: an admin account and demo classes\n"
	      "see portal(8)\n",
	      f);
}

/* The folder holding sql/ and templates/: as configured, the working folder
 * when it is a source tree, or where `make install` put them. */
static const char *find_datadir(void)
{
	if (app_config.datadir)
		return app_config.datadir;
	struct stat st;
	if (stat("sql/001_init.sql", &st) == 0 && stat("templates/layout.mustache", &st) == 0)
		return ".";
	return PORTAL_DATADIR;
}

/* Whether the database's schema is newer than the migrations in sqldir: an
 * older program, reinstalled after an upgrade, must not write to it. */
static int schema_too_new(struct db *db, const char *sqldir)
{
	int latest = db_latest_migration(sqldir);
	if (latest < 0)
		return 1;
	int64_t v = db_int(db, db_stmt(db, "PRAGMA user_version"), 0);
	if (v <= latest)
		return 0;
	fprintf(stderr,
		"portal: database %s is at schema version %lld, newer than this portal's %d;"
		" install the newer portal or restore a backup made before the upgrade\n",
		app_config.db_path, (long long)v, latest);
	return 1;
}

/* Opens the database and applies migrations, as every command does first. */
static struct db *open_migrated(void)
{
	struct db *db = db_open(app_config.db_path);
	if (db == NULL)
		return NULL;
	char sqldir[4096];
	snprintf(sqldir, sizeof(sqldir), "%s/sql", app_config.datadir);
	if (db_migrate(db, sqldir) < 0 || schema_too_new(db, sqldir) ||
	    markdown_render_pending(db) < 0) {
		db_close(db);
		return NULL;
	}
	return db;
}

/*
 * Takes DB.lock, which `serve` holds for its whole life: the kernel drops it
 * however the process ends, so a crash leaves no stale lock.  A POSIX record
 * lock, not flock: a forked sendmail child does not share it, so a server
 * killed while a child was between fork and exec cannot keep its successor
 * out.  Returns the descriptor to keep open, LOCK_HELD when another process
 * holds the lock, or -1 after a message.
 */
enum { LOCK_HELD = -2 };
static int lock_database(void)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s.lock", app_config.db_path);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		fputs("portal: the database path is too long\n", stderr);
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "portal: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	if (fcntl(fd, F_SETLK, &whole) < 0) {
		int e = errno;
		close(fd);
		if (e == EACCES || e == EAGAIN)
			return LOCK_HELD;
		fprintf(stderr, "portal: cannot lock %s: %s\n", path, strerror(e));
		return -1;
	}
	return fd;
}

/* Applies a command-line option through the same path as the file's keys. */
static int option(const char *key, const char *value)
{
	const char *err;
	if (config_set(&app_config, key, value, &err) < 0) {
		fprintf(stderr, "portal: option for %s: %s\n", key, err);
		return -1;
	}
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
					     {"socket-mode", required_argument, NULL, 'm'},
					     {"threads", required_argument, NULL, 't'},
					     {"sendmail", required_argument, NULL, 'S'},
					     {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int rc = c == 's'   ? option("socket", optarg)
			 : c == 'm' ? option("socket_mode", optarg)
			 : c == 't' ? option("threads", optarg)
			 : c == 'S' ? option("sendmail", optarg)
				    : -1;
		if (rc < 0)
			return 2;
	}
	/* Before anything else: a second server would unlink the first one's socket. */
	int lock = lock_database();
	if (lock == LOCK_HELD)
		fprintf(stderr, "portal: another portal is already serving %s; stop it first\n",
			app_config.db_path);
	if (lock < 0)
		return 1;
	int rc = 1;
	struct db *db = open_migrated();
	if (db == NULL)
		goto out;
	int auth = auth_init(db);
	db_close(db);
	if (auth < 0)
		goto out;
	char tdir[4096];
	snprintf(tdir, sizeof(tdir), "%s/templates", app_config.datadir);
	if (view_load(tdir) < 0)
		goto out;
	rc = server_run();
	view_unload();
out:
	close(lock);
	return rc;
}

static int cmd_migrate(void)
{
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	sqlite3_stmt *st = db_stmt(db, "PRAGMA user_version");
	int64_t v = db_int(db, st, 0);
	db_close(db);
	printf("database %s is at schema version %lld\n", app_config.db_path, (long long)v);
	return 0;
}

static int cmd_backup(int argc, char **argv)
{
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	int rc = db_backup(db, argv[1]);
	db_close(db);
	if (rc == 0)
		printf("backed up %s to %s\n", app_config.db_path, argv[1]);
	return rc == 0 ? 0 : 1;
}

/*
 * Replaces the database with the backup argv[1], checked first, then
 * migrates it.  Refuses while a server holds the database's lock: the
 * server's open connections would go on with their cached view of the old one.
 */
static int cmd_restore(int argc, char **argv)
{
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	const char *from = argv[1], *path = app_config.db_path;
	struct stat a, b;
	if (stat(from, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		fprintf(stderr, "portal: %s is the database itself; give a backup file\n", from);
		return 2;
	}
	int lock = lock_database();
	if (lock == LOCK_HELD)
		fprintf(stderr, "portal: the portal is running on %s; stop it first\n", path);
	if (lock < 0)
		return 1;
	char sqldir[4096];
	snprintf(sqldir, sizeof(sqldir), "%s/sql", app_config.datadir);
	int latest = db_latest_migration(sqldir), version, rc = 1;
	if (latest > 0 && db_restore(path, from, latest, &version) == 0) {
		printf("restored %s (schema version %d) into %s\n", from, version, path);
		struct db *db = open_migrated();
		if (db != NULL) {
			sqlite3_stmt *st = db_stmt(db, "PRAGMA user_version");
			printf("database %s is at schema version %lld\n", path,
			       (long long)db_int(db, st, 0));
			db_close(db);
			rc = 0;
		}
	}
	close(lock);
	return rc;
}

static int cmd_user(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "add") != 0) {
		usage(stderr);
		return 2;
	}
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
					     {"email", required_argument, NULL, 'e'},
					     {"name", required_argument, NULL, 'n'},
					     {"school", required_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	struct cli_user u = {0};
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': u.role = optarg; break;
		case 'e': u.email = optarg; break;
		case 'n': u.name = optarg; break;
		case 's': u.school = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	/* What is stored must be UTF-8: pages and JSON show it. */
	const char *const given[][2] = {{"--role", u.role}, {"--email", u.email},
					{"--name", u.name}, {"--school", u.school}};
	for (size_t k = 0; k < sizeof(given) / sizeof(given[0]); k++)
		if (given[k][1] && !utf8_valid(given[k][1], strlen(given[k][1]))) {
			fprintf(stderr, "portal: %s is not valid UTF-8 text\n", given[k][0]);
			return 2;
		}
	char line[1024];
	if (fgets(line, sizeof(line), stdin) == NULL) {
		fputs("portal: give the password on standard input (one line)\n", stderr);
		return 2;
	}
	line[strcspn(line, "\r\n")] = '\0';
	u.password = line;
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	int rc = auth_init(db) == 0 ? cli_user_add(db, &u) : 1;
	sodium_memzero(line, sizeof(line));
	db_close(db);
	return rc;
}

static int cmd_bootstrap(int argc, char **argv)
{
	int demo = argc > 1 && strcmp(argv[1], "--demo") == 0;
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	/* The demo's participants get the e-mails a real application gets. */
	char tdir[4096];
	snprintf(tdir, sizeof(tdir), "%s/templates", app_config.datadir);
	if (demo && view_load(tdir) < 0) {
		db_close(db);
		return 1;
	}
	int rc = auth_init(db) == 0 ? cli_bootstrap(db, demo) : 1;
	if (demo)
		view_unload();
	db_close(db);
	return rc;
}

/* jansson's allocations end the request when memory runs out (die_oom), so that
 * no JSON value silently goes missing from a page. */
static void *json_alloc(size_t size)
{
	void *p = malloc(size);
	if (p == NULL)
		die_oom();
	return p;
}

int main(int argc, char **argv)
{
#ifdef PORTAL_OOM_TEST
	oomtest_init();
#endif
	json_set_alloc_funcs(json_alloc, free);
	config_defaults(&app_config);
	const char *config_path = NULL, *db_path = NULL, *datadir = NULL;
	int i = 1;
	/* Global options come before the command. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char **slot = strcmp(a, "--db") == 0	? &db_path
				    : strcmp(a, "--config") == 0 ? &config_path
				    : strcmp(a, "--datadir") == 0 ? &datadir
								  : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (slot == NULL || i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		*slot = argv[++i];
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (config_load(&app_config, config_path ? config_path : DEFAULT_CONFIG,
			config_path != NULL) < 0)
		return 2;
	if (db_path)
		app_config.db_path = db_path;
	if (datadir)
		app_config.datadir = datadir;
	app_config.datadir = find_datadir();

	const char *cmd = argv[i];
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(sub_argc, sub_argv);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate();
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(sub_argc, sub_argv);
	if (strcmp(cmd, "restore") == 0)
		return cmd_restore(sub_argc, sub_argv);
	if (strcmp(cmd, "user") == 0)
		return cmd_user(sub_argc, sub_argv);
	if (strcmp(cmd, "bootstrap") == 0)
		return cmd_bootstrap(sub_argc, sub_argv);
	fprintf(stderr, "portal: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
