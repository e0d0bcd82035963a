# membership — GNU make. `make` builds bin/membership; `make check` and
# `make demo` install what a fresh Debian machine lacks first (`make deps`).

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= gcc
VERSION := 0.1.0

DEB_PACKAGES := libsqlite3-dev libcsv-dev libyaml-dev check pkg-config tzdata sqlite3 valgrind
PKGS := sqlite3 yaml-0.1

WARN := -Wall -Wextra -Werror -Werror=implicit-function-declaration -Wshadow -Wformat=2
BASE_CFLAGS := -std=c17 -D_POSIX_C_SOURCE=200809L -DMEMBERSHIP_VERSION='"$(VERSION)"' \
	-Ilib -Ijobs -Ibuild $(WARN)
OPT ?= -O2 -g
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
BUILD ?= build
BIN ?= bin

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv
CHECK_FLAGS = $(shell pkg-config --cflags --libs check 2>/dev/null)

CFLAGS_ALL = $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) $(EXTRA_CFLAGS)

LIB_SRC := $(wildcard lib/*.c)
JOB_SRC := $(wildcard jobs/*.c)
LIB_OBJ := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRC)) $(BUILD)/lib/schema_sql.o
JOB_OBJ := $(patsubst jobs/%.c,$(BUILD)/jobs/%.o,$(JOB_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps check demo bench install uninstall asan valgrind clean unit e2e crash fuzz format lint

all: $(BIN)/membership

$(BUILD)/lib $(BUILD)/jobs $(BUILD)/tests $(BIN):
	@mkdir -p $@

$(BUILD)/lib/schema_sql.c: lib/schema.sql | $(BUILD)/lib
	@{ echo '/* generated from lib/schema.sql — do not edit */'; \
	   echo 'const char schema_sql[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $<; \
	   echo ';'; } > $@

$(BUILD)/lib/%.o: $(BUILD)/lib/%.c | $(BUILD)/lib
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/lib/%.o: lib/%.c lib/*.h | $(BUILD)/lib
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/jobs/%.o: jobs/%.c jobs/*.h lib/*.h | $(BUILD)/jobs
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BIN)/membership: $(LIB_OBJ) $(JOB_OBJ) | $(BIN)
	$(CC) $(OPT) $(EXTRA_CFLAGS) $(EXTRA_LDFLAGS) -o $@ $(LIB_OBJ) $(JOB_OBJ) $(PKG_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(LIB_OBJ) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Itests/unit $(EXTRA_LDFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS) $(CHECK_FLAGS)

unit: $(UNIT_BIN)

# --- dependencies -----------------------------------------------------------
# Installs the Debian packages that are missing: as root with apt-get, else
# through sudo, else prints the exact command and fails.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "installing:$$missing"; \
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "run as root: apt-get install -y$$missing" >&2; exit 1; fi

# --- tests ------------------------------------------------------------------
check: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory BUILD=build/faults BIN=build/faults/bin EXTRA_CFLAGS=-DMEMBERSHIP_FAULTS build/faults/bin/membership
	@sh tests/run.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin OPT='-O1 -g -fno-omit-frame-pointer' \
	  EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' \
	  EXTRA_LDFLAGS='-fsanitize=address,undefined' build/asan/bin/membership unit
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  MEMBERSHIP_BIN=build/asan/bin/membership UNIT_DIR=build/asan/tests sh tests/run.sh

valgrind: deps
	@$(MAKE) --no-print-directory all unit
	@MEMBERSHIP_VALGRIND=1 sh tests/run.sh

# --- demo and bench ----------------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory all
	@sh fixtures/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@if [ -f bench/run.sh ]; then sh bench/run.sh; else echo "bench: not built yet (see the performance issue)"; fi

# --- install ------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/membership
	install -m 0755 $(BIN)/membership $(DESTDIR)$(PREFIX)/bin/membership
	install -m 0644 config/membership.yaml $(DESTDIR)$(PREFIX)/share/membership/membership.yaml
	install -m 0644 crontab.example $(DESTDIR)$(PREFIX)/share/membership/crontab.example

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/membership
	rm -rf $(DESTDIR)$(PREFIX)/share/membership

format:
	clang-format -i lib/*.c lib/*.h jobs/*.c jobs/*.h tests/unit/*.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability -Ilib -Ijobs lib jobs

clean:
	rm -rf build bin tests/tmp
