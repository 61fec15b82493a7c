# Makefile: builds ./portal, runs it behind nginx (`make run`) and tests it (`make check`).
# Targets: all (./portal), build/asan/portal, build/oom/portal (allocation-failure
# test build), deps, check, run, format, clean, install, uninstall, fuzz, fuzz-quick,
# valgrind, bench, scan, oom (allocation-failure injection over every route),
# screenshots.
.SUFFIXES:

CC ?= cc
PKGS = fcgi sqlite3 libcmark libsodium jansson icu-i18n icu-uc liboath libqrencode libfido2
CFLAGS ?= -O2 -g
WARN = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
       -Wno-format-nonliteral -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
PREFIX ?= /usr/local
DATADIR = $(PREFIX)/share/portal
PORT ?= 8080
DB ?= var/portal.db
# The key file sealing personal data, next to the database (made by `make run`).
KEY ?= $(patsubst %.db,%,$(DB)).key
DEMO ?= 1
SENDMAIL ?=
THREADS ?= 16

# Debian packages each target needs; `make deps` installs the missing ones.
DEPS_BUILD = gcc make pkg-config libfcgi-dev libsqlite3-dev libcmark-dev libsodium-dev \
	libjansson-dev libicu-dev liboath-dev libqrencode-dev libfido2-dev
DEPS_RUN = nginx-light
DEPS_CHECK = nodejs sqlite3 curl mandoc openssl python3-icalendar gettext

SRC = src/arena.c src/file.c src/group.c src/kv.c src/http.c src/mustache.c src/validate.c src/clock.c src/thread_slot.c src/i18n.c src/lang.c \
	src/eligibility.c \
	src/db.c src/auth.c src/config.c src/view.c src/routes.c src/server.c \
	src/markdown.c src/users.c src/cohort.c src/status.c src/cli.c src/mail.c src/notify.c src/applications.c src/page_public.c src/page_pip.c src/page_status.c src/page_admin.c src/page_review.c src/jobs.c src/reminders.c src/retention.c src/page_tap.c src/page_counselor.c \
	src/page_auth.c src/page_users.c \
	src/csv.c src/page_export.c src/page_pages.c src/calendar.c src/page_calendar.c \
	src/page_attendance.c src/page_roster.c src/page_report.c src/page_sessions.c \
	src/seal.c src/sealed.c src/totp.c src/twofactor.c src/page_twofactor.c src/page_access_log.c src/passkey.c \
	src/page_message.c
UNIT_TESTS = http mustache validate status csv mail clock calendar seal i18n catalogs totp group

all: portal

# Objects of a build flavour live in build/FLAVOUR; the normal one is linked as ./portal.
portal: $(SRC) src/main.c src/*.h
	@pkg-config --exists $(PKGS) || { echo "missing libraries: run 'make deps'"; exit 1; }
	$(CC) $(CFLAGS) $(WARN) -DPORTAL_DATADIR='"$(DATADIR)"' $$(pkg-config --cflags $(PKGS)) \
		-o $@ $(SRC) src/main.c $$(pkg-config --libs $(PKGS)) -lpthread

# The same program with AddressSanitizer and UndefinedBehaviorSanitizer.
build/asan/portal: $(SRC) src/main.c src/*.h
	@mkdir -p build/asan
	$(CC) -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined $(WARN) $$(pkg-config --cflags $(PKGS)) \
		-o $@ $(SRC) src/main.c $$(pkg-config --libs $(PKGS)) -lpthread

# The allocation-failure test build: malloc, calloc and realloc fail the Nth call of
# a request named by its X-Fail-Alloc header (src/oomtest.c); `make oom` drives it.
build/oom/portal: $(SRC) src/oomtest.c src/main.c src/*.h
	@mkdir -p build/oom
	$(CC) -O1 -g -DPORTAL_OOM_TEST $(WARN) $$(pkg-config --cflags $(PKGS)) \
		-o $@ $(SRC) src/oomtest.c src/main.c $$(pkg-config --libs $(PKGS)) -lpthread

# One program per unit test, linked with every module but main.c.
build/normal/test_%: tests/unit/test_%.c $(SRC) src/*.h tests/unit/test.h
	@mkdir -p build/normal
	$(CC) -O1 -g $(WARN) -Isrc $$(pkg-config --cflags $(PKGS)) -o $@ $< $(SRC) \
		$$(pkg-config --libs $(PKGS)) -lpthread
build/asan/test_%: tests/unit/test_%.c $(SRC) src/*.h tests/unit/test.h
	@mkdir -p build/asan
	$(CC) -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined $(WARN) -Isrc $$(pkg-config --cflags $(PKGS)) \
		-o $@ $< $(SRC) $$(pkg-config --libs $(PKGS)) -lpthread

deps:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_RUN)

deps-check:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_RUN) $(DEPS_CHECK)

check: deps-check
	@$(MAKE) --no-print-directory portal build/asan/portal build/oom/portal \
		$(UNIT_TESTS:%=build/normal/test_%) $(UNIT_TESTS:%=build/asan/test_%)
	@sh tests/run.sh $(UNIT_TESTS)

run: deps
	@$(MAKE) --no-print-directory portal
	@mkdir -p "$$(dirname $(DB))" "$$(dirname $(KEY))" var/run
	@[ -f $(KEY) ] || ./portal keygen $(KEY)
	@./portal --db $(DB) --key-file $(KEY) migrate
	@./portal --db $(DB) --key-file $(KEY) bootstrap $$([ "$(DEMO)" = 0 ] || echo --demo) \
		$(if $(ADMIN_NAME),--admin-name '$(ADMIN_NAME)') $(if $(ADMIN_EMAIL),--admin-email '$(ADMIN_EMAIL)')
	@PORT=$(PORT) DB=$(DB) KEY=$(KEY) THREADS=$(THREADS) SENDMAIL='$(SENDMAIL)' sh etc/run.sh

# The messages to translate: po/portal.pot from the templates' {{#t}} markers and the C
# strings marked with _(), N_(), C_() and P_(), merged into each po/LANG.po (made when
# missing).  Needs GNU gettext's tools (Debian's gettext).
# `make pot` writes po/portal.pot alone, for changes of the code while translators hold
# the PO files.
PO_LANGS = es ja ko zh-Hant
po: pot
	@for l in $(PO_LANGS); do \
		if [ -f po/$$l.po ]; then msgmerge --quiet --update --backup=none po/$$l.po po/portal.pot; \
		else /usr/bin/python3 po/init-po.py $$l po/portal.pot >po/$$l.po; fi; \
	done

pot:
	@command -v xgettext >/dev/null || { echo "xgettext missing: apt-get install gettext"; exit 1; }
	@mkdir -p build/po
	/usr/bin/python3 po/extract-templates.py templates/*.mustache >build/po/portal.pot
	xgettext --join-existing --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: \
		--keyword=N_ --keyword=_:2 --keyword=C_:2c,3 --keyword=P_:2,3 \
		--package-name=portal --sort-by-file -o build/po/portal.pot $(SRC) src/main.c
	sed '/^"POT-Creation-Date:/d' build/po/portal.pot >po/portal.pot

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build portal var/run

FORCE:
.PHONY: all deps deps-check check run format clean FORCE install uninstall po pot

# ---- Hardening: fuzzing, valgrind, benchmarks and scanners ----
DEPS_FUZZ = clang libclang-rt-14-dev
DEPS_VALGRIND = valgrind
DEPS_BENCH = wrk
DEPS_SCAN = sqlmap wapiti
FUZZ_SECONDS ?= 60
BENCH_SECONDS ?= 5
SCAN_MINUTES ?= 8
FUZZERS = urlencoded query cookies mustache csv validate lang
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
# The modules each harness links with.
FUZZ_SRC_urlencoded = src/http.c src/kv.c src/arena.c
FUZZ_SRC_query = src/http.c src/kv.c src/arena.c src/validate.c src/clock.c src/thread_slot.c src/config.c
FUZZ_SRC_cookies = src/http.c src/kv.c src/arena.c
FUZZ_SRC_mustache = src/mustache.c src/arena.c
FUZZ_SRC_lang = src/lang.c src/i18n.c src/file.c src/http.c src/kv.c src/arena.c src/validate.c \
	src/clock.c src/thread_slot.c src/config.c
FUZZ_SRC_csv = src/csv.c src/arena.c
FUZZ_SRC_validate = src/eligibility.c src/validate.c src/clock.c src/thread_slot.c src/config.c src/http.c src/kv.c src/arena.c \
	src/i18n.c src/file.c
# Small render budgets keep one mustache run fast (see mustache.c).
FUZZ_DEFS_mustache = -DMUS_MAX_STEPS='(1UL << 16)' -DMUS_MAX_OUTPUT='((size_t)1 << 20)'

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(SRC) src/*.h
	@mkdir -p build/fuzz
	clang $(FUZZ_CFLAGS) $(FUZZ_DEFS_$*) $(WARN) -Isrc -Itests/fuzz \
		$$(pkg-config --cflags $(PKGS)) -o $@ $< $(FUZZ_SRC_$*) \
		$$(pkg-config --libs $(PKGS)) -lpthread

deps-fuzz:
	@sh tests/deps.sh $(DEPS_BUILD) $(DEPS_FUZZ)

# Each harness runs FUZZ_SECONDS from its seeds; a crash fails and is kept in build/fuzz/crashes.
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZERS:%=build/fuzz/fuzz_%)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# A few seconds of each harness, for `make check`; ends with "fuzz: N passed, N failed".
fuzz-quick:
	@$(MAKE) --no-print-directory FUZZ_SECONDS=3 fuzz

# The end-to-end suite against a portal under valgrind; fails on any error or definite leak.
valgrind: deps-check
	@sh tests/deps.sh $(DEPS_VALGRIND)
	@$(MAKE) --no-print-directory portal
	@sh tests/valgrind.sh

# Throughput, latency and memory against nginx static and a bare libfcgi responder.
# Never fails on a figure.
bench: deps-check
	@sh tests/deps.sh $(DEPS_BENCH)
	@$(MAKE) --no-print-directory portal build/bench/bare
	@BENCH_SECONDS=$(BENCH_SECONDS) sh tests/bench/bench.sh

build/bench/bare: tests/bench/bare.c
	@mkdir -p build/bench
	$(CC) -O2 -g $(WARN) $$(pkg-config --cflags fcgi sqlite3) -o $@ $< \
		$$(pkg-config --libs fcgi sqlite3) -lpthread

# sqlmap on every form and wapiti on the whole site, bounded in time; fails on a finding above low.
scan: deps-check
	@sh tests/deps.sh $(DEPS_SCAN)
	@$(MAKE) --no-print-directory portal
	@SCAN_MINUTES=$(SCAN_MINUTES) sh tests/scan/scan.sh

# Allocation-failure injection (tests/oom/oom.js): every route's requests again with the
# Nth allocation failing, N = 1, 2, ... up to OOM_MAX_N (unset: until the request
# completes); fails on a crash, an answer other than the route's own or 500, or a
# half-written change.  Ends with "oom: N passed, N failed".
OOM_MAX_N ?=
oom: deps-check
	@$(MAKE) --no-print-directory build/oom/portal
	@OOM_MAX_N=$(OOM_MAX_N) node tests/oom/oom.js

.PHONY: deps-fuzz fuzz fuzz-quick valgrind bench scan oom

# `make install` puts the program, its data, its manual and the example
# configuration under PREFIX, staged under DESTDIR when packaging; nothing else.
# The binary finds its data through DATADIR, so it must be built with the same PREFIX.
BINDIR = $(PREFIX)/bin
MAN8DIR = $(PREFIX)/share/man/man8
DOCDIR = $(PREFIX)/share/doc/portal
DOCS = etc/portal.conf.example etc/portal.service etc/portal-backup.service \
	etc/portal-backup.timer etc/nginx-site.conf
SHARE_FILES = $(wildcard templates/*.mustache) $(wildcard static/*) $(wildcard sql/*.sql) \
	$(wildcard po/*.po) po/portal.pot

install: portal
	@tr '\0' '\n' <portal | grep -qxF '$(DATADIR)' || { echo "./portal was built for" \
		"another PREFIX than $(PREFIX): run 'make clean' first"; exit 1; }
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MAN8DIR)' '$(DESTDIR)$(DOCDIR)' \
		'$(DESTDIR)$(DATADIR)/templates' '$(DESTDIR)$(DATADIR)/static' \
		'$(DESTDIR)$(DATADIR)/sql' '$(DESTDIR)$(DATADIR)/po'
	install -m 755 portal '$(DESTDIR)$(BINDIR)/portal'
	install -m 644 $(wildcard templates/*.mustache) '$(DESTDIR)$(DATADIR)/templates'
	install -m 644 $(wildcard static/*) '$(DESTDIR)$(DATADIR)/static'
	install -m 644 $(wildcard sql/*.sql) '$(DESTDIR)$(DATADIR)/sql'
	install -m 644 $(wildcard po/*.po) po/portal.pot '$(DESTDIR)$(DATADIR)/po'
	install -m 644 portal.8 '$(DESTDIR)$(MAN8DIR)/portal.8'
	install -m 644 $(DOCS) '$(DESTDIR)$(DOCDIR)'

# Removes what install put and its own folders; bin/, man8/ and doc/ are shared, so they stay.
uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/portal' '$(DESTDIR)$(MAN8DIR)/portal.8' \
		$(patsubst %,'$(DESTDIR)$(DATADIR)/%',$(SHARE_FILES)) \
		$(patsubst %,'$(DESTDIR)$(DOCDIR)/%',$(notdir $(DOCS)))
	rmdir '$(DESTDIR)$(DATADIR)/templates' '$(DESTDIR)$(DATADIR)/static' \
		'$(DESTDIR)$(DATADIR)/sql' '$(DESTDIR)$(DATADIR)/po' '$(DESTDIR)$(DATADIR)' '$(DESTDIR)$(DOCDIR)' \
		2>/dev/null || true

# Browser tests (tests/browser): Debian's Chromium, Java for the Nu HTML Checker, and npm
# for the packages locked in package-lock.json (playwright-core, axe-core, vnu-jar).
DEPS_BROWSER = chromium default-jre-headless npm fonts-noto-cjk

# The Debian packages (npm only where Node.js came without it: NodeSource's nodejs carries
# npm and conflicts with Debian's), then node_modules when missing or older than the lock.
browser-deps:
	@sh tests/deps.sh $(if $(shell command -v npm),$(filter-out npm,$(DEPS_BROWSER)),$(DEPS_BROWSER))
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then \
		npm ci --no-audit --no-fund --ignore-scripts && touch node_modules; fi

# make check runs the browser tests too (tests/browser/run.sh): their packages first.
check: browser-deps deps-fuzz

# PNGs of the main pages at a phone and a desktop size, in docs/screenshots/.
screenshots: browser-deps portal
	@node tests/browser/screenshots.js docs/screenshots

.PHONY: browser-deps screenshots
