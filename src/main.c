/* main.c: the command line: serve, migrate, user add, backup, restore, bootstrap, keygen, rekey. */
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
#include "markdown.h"
#include "seal.h"
#include "sealed.h"
#include "server.h"
#include "view.h"

#ifndef PORTAL_DATADIR
#define PORTAL_DATADIR "/usr/local/share/portal"
#endif
#define DEFAULT_CONFIG "/etc/portal/portal.conf"

static void usage(FILE *f)
{
	fputs("usage: portal [--db PATH] [--config FILE] [--datadir DIR] [--key-file FILE]"
	      " COMMAND ...\n"
	      "commands:\n"
	      "  serve [--socket PATH] [--socket-mode MODE] [--threads N] [--sendmail CMD]\n"
	      "  migrate\n"
	      "  user add --role ROLE --email EMAIL --name NAME [--school SLUG]  (password on stdin)\n"
	      "  backup [--encrypt] FILE\n"
	      "  restore FILE         replace the database with a backup (server stopped)\n"
	      "  bootstrap [--demo]   first-run set-up: an admin account and demo classes\n"
	      "  keygen FILE          write a new key file (mode 0400; never overwrites)\n"
	      "  rekey --new-key FILE re-seal the personal data under FILE's key (server stopped)\n"
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
	/* SQL cannot encrypt: the values of a database from before 005_sealed.sql
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

static int cmd_backup(int argc, char **argv)
{
	bool encrypt = argc == 3 && strcmp(argv[1], "--encrypt") == 0;
	if (argc != 2 + encrypt || argv[argc - 1][0] == '-') {
		usage(stderr);
		return 2;
	}
	const char *to = argv[argc - 1];
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
	if (demo && need_key("bootstrap --demo") < 0)
		return 1;
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

static int cmd_keygen(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		usage(stderr);
		return 2;
	}
	if (seal_keygen(argv[1]) < 0)
		return 1;
	printf("wrote a new key to %s (mode 0400); keep a copy apart from the backups\n",
	       argv[1]);
	return 0;
}

/*
 * Re-seals every sealed value and recomputes every lookup hash under the key
 * of --new-key, in one transaction, while no server runs: afterwards only the
 * new key opens the database (portal(8) says how to swap the files).
 */
static int cmd_rekey(int argc, char **argv)
{
	static const struct option opts[] = {{"new-key", required_argument, NULL, 'k'},
					     {NULL, 0, NULL, 0}};
	const char *new_key = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'k') {
			usage(stderr);
			return 2;
		}
		new_key = optarg;
	}
	if (new_key == NULL || optind != argc) {
		usage(stderr);
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

int main(int argc, char **argv)
{
	config_defaults(&app_config);
	const char *config_path = NULL, *db_path = NULL, *datadir = NULL, *key_file = NULL;
	int i = 1;
	/* Global options come before the command. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char **slot = strcmp(a, "--db") == 0	? &db_path
				    : strcmp(a, "--config") == 0 ? &config_path
				    : strcmp(a, "--datadir") == 0 ? &datadir
				    : strcmp(a, "--key-file") == 0 ? &key_file
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
	if (key_file)
		app_config.key_file = key_file;
	app_config.datadir = find_datadir();

	const char *cmd = argv[i];
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(sub_argc, sub_argv);
	/* A key given must be one that works, for every command. */
	if (app_config.key_file && seal_init(app_config.key_file) < 0)
		return 1;
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
	if (strcmp(cmd, "rekey") == 0)
		return cmd_rekey(sub_argc, sub_argv);
	fprintf(stderr, "portal: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
