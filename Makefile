# Makefile: builds ./portal, runs it behind nginx (`make run`) and tests it (`make check`).
.SUFFIXES:

CC ?= cc
PKGS = fcgi sqlite3 libcmark libsodium jansson
CFLAGS ?= -O2 -g
WARN = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
       -Wno-format-nonliteral -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
PREFIX ?= /usr/local
DATADIR = $(PREFIX)/share/portal
PORT ?= 8080
DB ?= var/portal.db
DEMO ?= 1
SENDMAIL ?=
THREADS ?= 4

# Debian packages each target needs; `make deps` installs the missing ones.
DEPS_BUILD = gcc make pkg-config libfcgi-dev libsqlite3-dev libcmark-dev libsodium-dev \
	libjansson-dev
DEPS_RUN = nginx-light
DEPS_CHECK = nodejs sqlite3 curl

SRC = src/arena.c src/kv.c src/http.c src/mustache.c src/validate.c src/eligibility.c \
	src/db.c src/auth.c src/config.c src/view.c src/routes.c src/server.c \
	src/markdown.c src/users.c src/cohort.c src/status.c src/cli.c src/mail.c src/notify.c src/applications.c src/page_public.c src/page_pip.c src/page_status.c
UNIT_TESTS = http mustache validate status

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
	@$(MAKE) --no-print-directory portal build/asan/portal \
		$(UNIT_TESTS:%=build/normal/test_%) $(UNIT_TESTS:%=build/asan/test_%)
	@sh tests/run.sh $(UNIT_TESTS)

run: deps
	@$(MAKE) --no-print-directory portal
	@mkdir -p "$$(dirname $(DB))" var/run
	@./portal --db $(DB) migrate
	@./portal --db $(DB) bootstrap $$([ "$(DEMO)" = 0 ] || echo --demo)
	@PORT=$(PORT) DB=$(DB) THREADS=$(THREADS) SENDMAIL='$(SENDMAIL)' sh etc/run.sh

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build portal var/run

FORCE:
.PHONY: all deps deps-check check run format clean FORCE
