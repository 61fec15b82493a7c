/* main.c: the command line: serve, migrate, user add, backup, restore, bootstrap. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
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
#include "markdown.h"
#include "server.h"
#include "view.h"

#ifndef PORTAL_DATADIR
#define PORTAL_DATADIR "/usr/local/share/portal"
#endif
#define DEFAULT_CONFIG "/etc/portal/portal.conf"

/*
 * Every option of every command, in one table: a command accepts the global
 * ones (--db, --config, --datadir) and those its row in `commands` lists,
 * before or after its name, as `--name VALUE` or `--name=VALUE`.  key is the
 * setting an option sets (config.c), the same as in the configuration file,
 * so the command line goes through the same checks and wins over the file.
 */
enum opt {
	OPT_DB,
	OPT_CONFIG,
	OPT_DATADIR,
	OPT_SOCKET,
	OPT_SOCKET_MODE,
	OPT_THREADS,
	OPT_SENDMAIL,
	OPT_ROLE,
	OPT_EMAIL,
	OPT_NAME,
	OPT_SCHOOL,
	OPT_DEMO,
	OPT_MAX
};
static const struct {
	const char *name;
	bool value;      /* takes a value; else a flag */
	const char *key; /* the setting it sets, or NULL when the command reads it */
} options[OPT_MAX] = {
    [OPT_DB] = {"db", true, NULL},
    [OPT_CONFIG] = {"config", true, NULL},
    [OPT_DATADIR] = {"datadir", true, NULL},
    [OPT_SOCKET] = {"socket", true, "socket"},
    [OPT_SOCKET_MODE] = {"socket-mode", true, "socket_mode"},
    [OPT_THREADS] = {"threads", true, "threads"},
    [OPT_SENDMAIL] = {"sendmail", true, "sendmail"},
    [OPT_ROLE] = {"role", true, NULL},
    [OPT_EMAIL] = {"email", true, NULL},
    [OPT_NAME] = {"name", true, NULL},
    [OPT_SCHOOL] = {"school", true, NULL},
    [OPT_DEMO] = {"demo", false, NULL},
};
#define OPT(o) (1u << (o))
#define GLOBAL_OPTS (OPT(OPT_DB) | OPT(OPT_CONFIG) | OPT(OPT_DATADIR))

/* A command line once parsed: option values by enum opt ("" for a flag given,
 * NULL for one absent), then the words after the command's name. */
struct invocation {
	const char *opt[OPT_MAX];
	const char *args[2];
	int nargs;
};

static int cmd_serve(const struct invocation *inv);
static int cmd_migrate(const struct invocation *inv);
static int cmd_backup(const struct invocation *inv);
static int cmd_restore(const struct invocation *inv);
static int cmd_user_add(const struct invocation *inv);
static int cmd_bootstrap(const struct invocation *inv);

/* The commands: name (and second word), the options they take beyond the
 * global ones, how many other arguments they need, and the usage line. */
static const struct command {
	const char *name, *sub;
	unsigned opts;
	int nargs;
	int (*run)(const struct invocation *inv);
	const char *usage;
} commands[] = {
    {"serve", NULL, OPT(OPT_SOCKET) | OPT(OPT_SOCKET_MODE) | OPT(OPT_THREADS) | OPT(OPT_SENDMAIL),
     0, cmd_serve, "serve [--socket PATH] [--socket-mode MODE] [--threads N] [--sendmail CMD]"},
    {"migrate", NULL, 0, 0, cmd_migrate, "migrate"},
    {"user", "add", OPT(OPT_ROLE) | OPT(OPT_EMAIL) | OPT(OPT_NAME) | OPT(OPT_SCHOOL), 0,
     cmd_user_add,
     "user add --role ROLE --email EMAIL --name NAME [--school SLUG]  (password on stdin)"},
    {"backup", NULL, 0, 1, cmd_backup, "backup FILE"},
    {"restore", NULL, 0, 1, cmd_restore,
     "restore FILE         replace the database with a backup (server stopped)"},
    {"bootstrap", NULL, OPT(OPT_DEMO), 0, cmd_bootstrap,
     "bootstrap [--demo]   first-run set-up: an admin account and demo classes"},
};

static void usage(FILE *f)
{
	fputs("usage: portal [--db PATH] [--config FILE] [--datadir DIR] COMMAND ...\n"
	      "       (options may come before or after the command's name)\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fputs("see portal(8)\n", f);
}

/* Says what is wrong with the command line, then gives the usage. */
static void bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "portal: %s: %s\n", what, arg);
	usage(stderr);
}

/* The option named by a (after its "--", up to an '='), or OPT_MAX. */
static int find_option(const char *a, size_t len)
{
	int o = 0;
	while (o < OPT_MAX && (strlen(options[o].name) != len || strncmp(options[o].name, a, len)))
		o++;
	return o;
}

/*
 * Parses argv into inv and finds its command: options anywhere, the other
 * words the command's name then its arguments.  Returns the command, or NULL
 * with *status set: 0 after --help, 2 after a message and the usage.
 */
static const struct command *parse(int argc, char **argv, struct invocation *inv, int *status)
{
	const char *words[4];
	int nwords = 0;
	*status = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			*status = 0;
			return NULL;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (nwords == (int)(sizeof(words) / sizeof(words[0]))) {
				bad_usage("unexpected argument", a);
				return NULL;
			}
			words[nwords++] = a;
			continue;
		}
		const char *eq = a[1] == '-' ? strchr(a + 2, '=') : NULL;
		int o = a[1] == '-' ? find_option(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2))
				    : OPT_MAX;
		if (o == OPT_MAX) {
			bad_usage("unknown option", a);
			return NULL;
		}
		if (inv->opt[o] != NULL) {
			bad_usage("option given twice", a);
			return NULL;
		}
		if (!options[o].value && eq) {
			bad_usage("option takes no value", a);
			return NULL;
		}
		if (options[o].value && eq == NULL && i + 1 >= argc) {
			bad_usage("option needs a value", a);
			return NULL;
		}
		inv->opt[o] = !options[o].value ? "" : eq ? eq + 1 : argv[++i];
	}
	if (nwords == 0) {
		usage(stderr);
		return NULL;
	}
	const struct command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]) && cmd == NULL; i++)
		if (strcmp(commands[i].name, words[0]) == 0 &&
		    (commands[i].sub == NULL || (nwords > 1 && strcmp(commands[i].sub, words[1]) == 0)))
			cmd = &commands[i];
	if (cmd == NULL) {
		bad_usage("unknown command", words[0]);
		return NULL;
	}
	int first = cmd->sub ? 2 : 1;
	if (nwords - first > cmd->nargs) {
		bad_usage("unexpected argument", words[first + cmd->nargs]);
		return NULL;
	}
	if (nwords - first < cmd->nargs) {
		bad_usage("missing an argument", cmd->usage);
		return NULL;
	}
	for (int i = 0; i < cmd->nargs; i++)
		inv->args[inv->nargs++] = words[first + i];
	for (int o = 0; o < OPT_MAX; o++)
		if (inv->opt[o] && !((GLOBAL_OPTS | cmd->opts) & OPT(o))) {
			fprintf(stderr, "portal: %s does not take --%s\n", cmd->name, options[o].name);
			usage(stderr);
			return NULL;
		}
	return cmd;
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

/* Applies the command line's settings through the same path as the file's keys. */
static int apply_options(const struct invocation *inv)
{
	for (int o = 0; o < OPT_MAX; o++) {
		const char *err;
		if (options[o].key == NULL || inv->opt[o] == NULL)
			continue;
		if (config_set(&app_config, options[o].key, inv->opt[o], &err) < 0) {
			fprintf(stderr, "portal: --%s: %s\n", options[o].name, err);
			return -1;
		}
	}
	return 0;
}

static int cmd_serve(const struct invocation *inv)
{
	(void)inv;
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

static int cmd_migrate(const struct invocation *inv)
{
	(void)inv;
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	sqlite3_stmt *st = db_stmt(db, "PRAGMA user_version");
	int64_t v = db_int(db, st, 0);
	db_close(db);
	printf("database %s is at schema version %lld\n", app_config.db_path, (long long)v);
	return 0;
}

static int cmd_backup(const struct invocation *inv)
{
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	int rc = db_backup(db, inv->args[0]);
	db_close(db);
	if (rc == 0)
		printf("backed up %s to %s\n", app_config.db_path, inv->args[0]);
	return rc == 0 ? 0 : 1;
}

/*
 * Replaces the database with the backup inv->args[0], checked first, then
 * migrates it.  Refuses while a server holds the database's lock: the
 * server's open connections would go on with their cached view of the old one.
 */
static int cmd_restore(const struct invocation *inv)
{
	const char *from = inv->args[0], *path = app_config.db_path;
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

static int cmd_user_add(const struct invocation *inv)
{
	struct cli_user u = {.role = inv->opt[OPT_ROLE],
			     .email = inv->opt[OPT_EMAIL],
			     .name = inv->opt[OPT_NAME],
			     .school = inv->opt[OPT_SCHOOL]};
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

static int cmd_bootstrap(const struct invocation *inv)
{
	int demo = inv->opt[OPT_DEMO] != NULL;
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

int main(int argc, char **argv)
{
	config_defaults(&app_config);
	struct invocation inv = {0};
	int status;
	const struct command *cmd = parse(argc, argv, &inv, &status);
	if (cmd == NULL)
		return status;
	const char *config_path = inv.opt[OPT_CONFIG];
	if (config_load(&app_config, config_path ? config_path : DEFAULT_CONFIG,
			config_path != NULL) < 0)
		return 2;
	if (inv.opt[OPT_DB])
		app_config.db_path = inv.opt[OPT_DB];
	if (inv.opt[OPT_DATADIR])
		app_config.datadir = inv.opt[OPT_DATADIR];
	app_config.datadir = find_datadir();
	if (apply_options(&inv) < 0)
		return 2;
	return cmd->run(&inv);
}
