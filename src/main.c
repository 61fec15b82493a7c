/* main.c: the command line: serve, migrate, user add, backup, restore, bootstrap, keygen, rekey. */
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
#include "group.h"
#include "http.h"
#include "markdown.h"
#include "passkey.h"
#include "seal.h"
#include "totp.h"
#include "sealed.h"
#include "oomtest.h"
#include "server.h"
#include "i18n.h"
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
	OPT_KEY_FILE,
	OPT_ENCRYPT,
	OPT_NEW_KEY,
	OPT_ADMIN_NAME,
	OPT_ADMIN_EMAIL,
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
    [OPT_KEY_FILE] = {"key-file", true, "key_file"},
    [OPT_ENCRYPT] = {"encrypt", false, NULL},
    [OPT_NEW_KEY] = {"new-key", true, NULL},
    [OPT_ADMIN_NAME] = {"admin-name", true, NULL},
    [OPT_ADMIN_EMAIL] = {"admin-email", true, NULL},
};
#define OPT(o) (1u << (o))
#define GLOBAL_OPTS (OPT(OPT_DB) | OPT(OPT_CONFIG) | OPT(OPT_DATADIR) | OPT(OPT_KEY_FILE))

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
static int cmd_keygen(const struct invocation *inv);
static int cmd_rekey(const struct invocation *inv);

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
    {"backup", NULL, OPT(OPT_ENCRYPT), 1, cmd_backup, "backup [--encrypt] FILE"},
    {"restore", NULL, 0, 1, cmd_restore,
     "restore FILE         replace the database with a backup (server stopped)"},
    {"bootstrap", NULL, OPT(OPT_DEMO) | OPT(OPT_ADMIN_NAME) | OPT(OPT_ADMIN_EMAIL), 0,
     cmd_bootstrap,
     "bootstrap [--demo] [--admin-name NAME] [--admin-email EMAIL]\n"
     "                     first-run set-up: an admin account and demo classes"},
    {"keygen", NULL, 0, 1, cmd_keygen,
     "keygen FILE          write a new key file (mode 0400; never overwrites)"},
    {"rekey", NULL, OPT(OPT_NEW_KEY), 0, cmd_rekey,
     "rekey --new-key FILE re-seal the personal data under FILE's key (server stopped)"},
};

static void usage(FILE *f)
{
	fputs("usage: portal [--db PATH] [--config FILE] [--datadir DIR] [--key-file FILE]"
	      " COMMAND ...\n"
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
	/* SQL cannot encrypt: the values of a database from before 006_sealed.sql
	 * (or restored from such a backup) are sealed here, once. */
	if (seal_ready()) {
		int n = sealed_check_key(db) < 0 ? -1 : sealed_migrate(db);
		if (n < 0) {
			db_close(db);
			return NULL;
		}
		if (n > 0)
			fprintf(stderr, "portal: sealed the personal data of %d applications\n", n);
	}
	return db;
}

/* The commands that write or read personal data need the key. */
static int need_key(const char *what)
{
	if (seal_ready())
		return 0;
	fprintf(stderr,
		"portal: %s needs the key file that seals personal data: set key_file in the"
		" configuration or give --key-file FILE (create one with `portal keygen FILE`)\n",
		what);
	return -1;
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


/*
 * Reads the catalogs of po/ and the templates, expanded in every language.  The
 * pseudo-language en-XA is made only when the environment sets
 * PORTAL_PSEUDO_LANGUAGE=1, as the test suites do: never on a real site.
 */
static int load_text(void)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/po", app_config.datadir);
	const char *pseudo = getenv("PORTAL_PSEUDO_LANGUAGE");
	if (i18n_load(dir, pseudo && strcmp(pseudo, "1") == 0) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/templates", app_config.datadir);
	return view_load(dir);
}

static int cmd_serve(const struct invocation *inv)
{
	(void)inv;
	if (need_key("serve") < 0)
		return 1;
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
	if (load_text() < 0)
		goto out;
	rc = server_run();
	view_unload();
	i18n_unload();
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

/*
 * A copy of the live database into to, encrypted with the key's backup
 * subkey: SQLite's backup goes first to a temporary file beside to (mode
 * 0600), removed once encrypted.  0 or -1 after a message.
 */
static int backup_encrypted(struct db *db, const char *to)
{
	size_t n = strlen(to) + sizeof(".plain-XXXXXX");
	char *tmp = malloc(n);
	if (tmp == NULL)
		die_oom();
	snprintf(tmp, n, "%s.plain-XXXXXX", to);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "portal: cannot create a temporary file beside %s: %s\n", to,
			strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	int rc = db_backup(db, tmp) == 0 && seal_file_encrypt(tmp, to) == 0 ? 0 : -1;
	unlink(tmp);
	if (rc < 0)
		unlink(to);
	free(tmp);
	return rc;
}

static int cmd_backup(const struct invocation *inv)
{
	bool encrypt = inv->opt[OPT_ENCRYPT] != NULL;
	const char *to = inv->args[0];
	if (encrypt && need_key("backup --encrypt") < 0)
		return 1;
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	int rc = encrypt ? backup_encrypted(db, to) : db_backup(db, to);
	db_close(db);
	if (rc == 0)
		printf("backed up %s to %s%s\n", app_config.db_path, to,
		       encrypt ? " (encrypted)" : "");
	return rc == 0 ? 0 : 1;
}

/*
 * An encrypted backup from, decrypted into a new temporary file (mode 0600)
 * beside the database; the file's name, malloc'd, or NULL after a message
 * (and then nothing is left behind).
 */
static char *decrypt_backup(const char *from)
{
	size_t n = strlen(app_config.db_path) + sizeof(".restore-XXXXXX");
	char *tmp = malloc(n);
	if (tmp == NULL)
		die_oom();
	snprintf(tmp, n, "%s.restore-XXXXXX", app_config.db_path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "portal: cannot create a temporary file beside %s: %s\n",
			app_config.db_path, strerror(errno));
		free(tmp);
		return NULL;
	}
	close(fd);
	if (seal_file_decrypt(from, tmp) < 0) {
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
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
	int sealed = seal_file_is_sealed(from);
	if (sealed < 0)
		return 1;
	if (sealed && need_key("restoring an encrypted backup") < 0)
		return 1;
	int lock = lock_database();
	if (lock == LOCK_HELD)
		fprintf(stderr, "portal: the portal is running on %s; stop it first\n", path);
	if (lock < 0)
		return 1;
	char *plain = NULL;
	if (sealed && (plain = decrypt_backup(from)) == NULL) {
		close(lock);
		return 1;
	}
	char sqldir[4096];
	snprintf(sqldir, sizeof(sqldir), "%s/sql", app_config.datadir);
	int latest = db_latest_migration(sqldir), version, rc = 1;
	int restored = latest > 0 ? db_restore(path, plain ? plain : from, latest, &version) : -1;
	if (plain) {
		unlink(plain);
		free(plain);
	}
	if (restored == 0) {
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

static int cmd_bootstrap(const struct invocation *inv)
{
	int demo = inv->opt[OPT_DEMO] != NULL;
	if (demo && need_key("bootstrap --demo") < 0)
		return 1;
	struct db *db = open_migrated();
	if (db == NULL)
		return 1;
	/* The demo's participants get the e-mails a real application gets. */
	if (demo && load_text() < 0) {
		db_close(db);
		return 1;
	}
	struct cli_user admin = {.name = inv->opt[OPT_ADMIN_NAME], .email = inv->opt[OPT_ADMIN_EMAIL]};
	int rc = auth_init(db) == 0 ? cli_bootstrap(db, demo, &admin) : 1;
	if (demo) {
		view_unload();
		i18n_unload();
	}
	db_close(db);
	return rc;
}

static int cmd_keygen(const struct invocation *inv)
{
	if (seal_keygen(inv->args[0]) < 0)
		return 1;
	printf("wrote a new key to %s (mode 0400); keep a copy apart from the backups\n",
	       inv->args[0]);
	return 0;
}

/*
 * Re-seals every sealed value and recomputes every lookup hash under the key
 * of --new-key, in one transaction, while no server runs: afterwards only the
 * new key opens the database (portal(8) says how to swap the files).
 */
static int cmd_rekey(const struct invocation *inv)
{
	const char *new_key = inv->opt[OPT_NEW_KEY];
	if (new_key == NULL) {
		bad_usage("rekey needs", "--new-key FILE");
		return 2;
	}
	if (need_key("rekey") < 0)
		return 1;
	int lock = lock_database();
	if (lock == LOCK_HELD)
		fprintf(stderr, "portal: the portal is running on %s; stop it first\n",
			app_config.db_path);
	if (lock < 0)
		return 1;
	int rc = 1;
	struct db *db = open_migrated();
	if (db != NULL && seal_rekey_begin(new_key) == 0) {
		int n = sealed_rekey(db);
		if (n >= 0) {
			printf("re-sealed %d applications of %s under %s; use that key file from"
			       " now on\n",
			       n, app_config.db_path, new_key);
			rc = 0;
		}
	}
	if (db)
		db_close(db);
	close(lock);
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
	/* A key given must be one that works, for every command but the one making it. */
	if (cmd->run != cmd_keygen && app_config.key_file && seal_init(app_config.key_file) < 0)
		return 1;
	/* liboath and libfido2 start once, before any thread. */
	passkey_init();
	if (totp_init() < 0) {
		fputs("portal: liboath failed to start\n", stderr);
		return 1;
	}
	int rc = cmd->run(&inv);
	group_close(); /* the group writer's connection, when the command wrote through it */
	return rc;
}
