# membership — GNU make. `make` builds bin/membership; `make check` and
# `make demo` install what a fresh Debian machine lacks first (`make deps`).

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= gcc
VERSION := 0.1.0

DEB_PACKAGES := libsqlite3-dev libcsv-dev libyaml-dev check pkg-config tzdata sqlite3 valgrind \
	libxlsxwriter-dev nettle-dev faketime python3-openpyxl time
FUZZ_PACKAGES := clang libclang-rt-14-dev
PKGS := sqlite3 yaml-0.1 xlsxwriter

WARN := -Wall -Wextra -Werror -Werror=implicit-function-declaration -Wshadow -Wformat=2
BASE_CFLAGS := -std=c17 -D_POSIX_C_SOURCE=200809L -DMEMBERSHIP_VERSION='"$(VERSION)"' \
	-Ilib -Ijobs -Ibuild $(WARN)
OPT ?= -O2 -g
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
BUILD ?= build
BIN ?= bin

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -pthread
CHECK_FLAGS = $(shell pkg-config --cflags --libs check 2>/dev/null)

CFLAGS_ALL = $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) $(EXTRA_CFLAGS)

LIB_SRC := $(wildcard lib/*.c)
JOB_SRC := $(wildcard jobs/*.c)
SQL_SRC := $(wildcard lib/schema*.sql)
LIB_OBJ := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRC)) $(patsubst lib/%.sql,$(BUILD)/lib/%_sql.o,$(SQL_SRC))
JOB_OBJ := $(patsubst jobs/%.c,$(BUILD)/jobs/%.o,$(JOB_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps deps-fuzz check demo bench install uninstall asan valgrind clean unit e2e crash fuzz format lint

all: $(BIN)/membership

$(BUILD)/lib $(BUILD)/jobs $(BUILD)/tests $(BIN):
	@mkdir -p $@

# lib/schema.sql → schema_sql[], lib/schema_2.sql → schema_2_sql[], …
$(BUILD)/lib/%_sql.c: lib/%.sql | $(BUILD)/lib
	@{ echo '/* generated from $< — do not edit */'; \
	   echo 'const char $*_sql[] ='; \
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
	@sh tests/deps.sh $(DEB_PACKAGES)

# The fuzz harnesses need clang and its libFuzzer runtime.
deps-fuzz:
	@sh tests/deps.sh $(FUZZ_PACKAGES)

# --- tests ------------------------------------------------------------------
check: deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory BUILD=build/faults BIN=build/faults/bin EXTRA_CFLAGS=-DMEMBERSHIP_FAULTS build/faults/bin/membership
	@sh tests/run.sh

# The crash tests only (tests/crash/), with 20 timed kills a job in
# t_kill_sweep.sh instead of check's 5.
crash: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory BUILD=build/faults BIN=build/faults/bin EXTRA_CFLAGS=-DMEMBERSHIP_FAULTS build/faults/bin/membership
	@CRASH_KILLS=20 TESTS=tests/crash/ sh tests/run.sh

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

# --- fuzzing (libFuzzer) -------------------------------------------------------
# `make fuzz` builds the harnesses of tests/fuzz/ with clang under ASan and
# UBSan into build/fuzz/ and runs each for FUZZ_SECONDS on a copy of its
# seed corpus (tests/fuzz/smoke.sh); `make fuzz-build` only builds them.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_NAMES := csvin config timestamp amount
FUZZ_BIN := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))
# only what the harnesses call (log.c, for one, does not build under clang's -Wformat=2)
FUZZ_LIB_SRC := lib/csvin.c lib/sha256.c lib/config.c lib/dates.c lib/money.c lib/error.c
FUZZ_LIB_OBJ := $(patsubst lib/%.c,$(FUZZ_DIR)/lib/%.o,$(FUZZ_LIB_SRC))
FUZZ_CFLAGS = $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS)

.PHONY: fuzz-build
.SECONDARY: $(FUZZ_LIB_OBJ)

$(FUZZ_DIR)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS) -lpthread

fuzz-build: $(FUZZ_BIN)

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/smoke.sh
