# membership — GNU make. `make` builds bin/membership; `make check` and
# `make demo` install what a fresh Debian machine lacks first (`make deps`).

PREFIX ?= /usr/local
DESTDIR ?=
# The configuration is looked up in $(SYSCONFDIR)/membership/membership.yaml
# (SPEC §2), whatever PREFIX is; the workspace of the installed config is
# $(LOCALSTATEDIR)/lib/membership.
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
SYSTEMDUNITDIR ?= /lib/systemd/system
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
DOCDIR = $(PREFIX)/share/doc/membership
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
WORKSPACE_DIR = $(LOCALSTATEDIR)/lib/membership
ifeq ($(origin CC),default)
CC = gcc
endif
VERSION := 0.1.0

DEB_PACKAGES := libsqlite3-dev libcsv-dev libyaml-dev check pkg-config tzdata sqlite3 valgrind \
	libxlsxwriter-dev libminizip-dev nettle-dev faketime python3-openpyxl time strace
FUZZ_PACKAGES := clang libclang-rt-14-dev clang-format
# Building and checking the Debian package (`make deb`, .ci/run): debhelper,
# lintian, man and groff to read the pages, systemd-analyze for the units.
PKG_PACKAGES := debhelper dpkg-dev fakeroot lintian man-db groff-base systemd adduser
PKGS := sqlite3 yaml-0.1 xlsxwriter nettle minizip

WARN := -Wall -Wextra -Werror -Werror=implicit-function-declaration -Wshadow -Wformat=2
BASE_CFLAGS := -std=c17 -D_POSIX_C_SOURCE=200809L -DMEMBERSHIP_VERSION='"$(VERSION)"' \
	-Ilib -Ijobs -Ibuild $(WARN)
OPT ?= -O2 -g
# CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line (a
# distribution's hardening flags) come after the project's own, so they are
# added to its warnings and -Werror, never instead of them.
CFLAGS ?=
CPPFLAGS ?=
LDFLAGS ?=
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
BUILD ?= build
BIN ?= bin

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -pthread
CHECK_FLAGS = $(shell pkg-config --cflags --libs check 2>/dev/null)

CFLAGS_ALL = $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) $(EXTRA_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(EXTRA_CFLAGS) $(CFLAGS) $(LDFLAGS) $(EXTRA_LDFLAGS)

LIB_SRC := $(wildcard lib/*.c)
JOB_SRC := $(wildcard jobs/*.c)
SQL_SRC := $(wildcard lib/schema*.sql)
LIB_OBJ := $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRC)) $(patsubst lib/%.sql,$(BUILD)/lib/%_sql.o,$(SQL_SRC))
JOB_OBJ := $(patsubst jobs/%.c,$(BUILD)/jobs/%.o,$(JOB_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps deps-deb deb deps-fuzz check demo bench stage install uninstall asan valgrind clean unit e2e crash fuzz format format-check lint

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

# main.c holds the default config path: rebuilt when SYSCONFDIR changes.
$(BUILD)/sysconfdir: FORCE | $(BUILD)/jobs
	@echo '$(SYSCONFDIR)' | cmp -s - $@ || echo '$(SYSCONFDIR)' > $@
$(BUILD)/jobs/main.o: $(BUILD)/sysconfdir
$(BUILD)/jobs/main.o: CFLAGS_ALL += -DMEMBERSHIP_SYSCONFDIR='"$(SYSCONFDIR)"'
FORCE:

$(BIN)/membership: $(LIB_OBJ) $(JOB_OBJ) | $(BIN)
	$(CC) $(LDFLAGS_ALL) -o $@ $(LIB_OBJ) $(JOB_OBJ) $(PKG_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(LIB_OBJ) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Itests/unit $(LDFLAGS) $(EXTRA_LDFLAGS) -o $@ $< $(LIB_OBJ) $(PKG_LIBS) $(CHECK_FLAGS)

unit: $(UNIT_BIN)

# --- dependencies -----------------------------------------------------------
# Installs the Debian packages that are missing: as root with apt-get, else
# through sudo, else prints the exact command and fails.
deps:
	@sh tests/deps.sh $(DEB_PACKAGES)

deps-deb:
	@sh tests/deps.sh $(PKG_PACKAGES)

# The fuzz harnesses need clang and its libFuzzer runtime; `make format-check`
# (in .ci/run) needs clang-format.
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
	@$(MAKE) --no-print-directory BUILD=build/faults BIN=build/faults/bin EXTRA_CFLAGS=-DMEMBERSHIP_FAULTS build/faults/bin/membership
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
# `make install PREFIX=/usr SYSCONFDIR=/etc DESTDIR=…` lays out SPEC §8.1:
# the program, the config (its workspace /var/lib/membership), the systemd
# units, the man pages, the bash completion and the crontab example. An
# existing, edited config is never overwritten (the new one goes beside it
# as membership.yaml.new). Run as root without DESTDIR, it also creates the
# system user `membership` and the workspace (0750, owned by it);
# NO_WORKSPACE=1 skips the workspace (the Debian package creates it on
# install). `make uninstall` removes all that but the workspace and an
# edited config.
UNITS := $(wildcard examples/*.service examples/*.timer)
STAGE := $(BUILD)/install
SUBST = sed -e 's|/usr/bin/membership|$(BINDIR)/membership|g' \
	-e 's|/etc/membership|$(SYSCONFDIR)/membership|g' \
	-e 's|/var/lib/membership|$(WORKSPACE_DIR)|g'

stage:
	@rm -rf $(STAGE) && mkdir -p $(STAGE)/units
	@sed -e 's|^workspace: *[^ #]*|workspace: $(WORKSPACE_DIR)|' \
	  -e 's|^# membership.yaml — configuration of bin/membership|# $(SYSCONFDIR)/membership/membership.yaml — configuration of membership|' \
	  config/membership.yaml > $(STAGE)/membership.yaml
	@$(SUBST) -e 's|/usr/local/bin/membership|$(BINDIR)/membership|g' \
	  -e 's|^MEMBERSHIP_CONFIG=.*|MEMBERSHIP_CONFIG=$(SYSCONFDIR)/membership/membership.yaml|' \
	  crontab.example > $(STAGE)/crontab
	@for u in $(UNITS); do $(SUBST) $$u > $(STAGE)/units/$${u##*/}; done
	@$(SUBST) -e 's/"membership [0-9][0-9.]*"/"membership $(VERSION)"/' man/membership.1 > $(STAGE)/membership.1
	@$(SUBST) -e 's/"membership [0-9][0-9.]*"/"membership $(VERSION)"/' man/membership.yaml.5 > $(STAGE)/membership.yaml.5

install: all stage
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/membership $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
	  $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BIN)/membership $(DESTDIR)$(BINDIR)/membership
	@cfg=$(DESTDIR)$(SYSCONFDIR)/membership/membership.yaml; \
	if [ -f $$cfg ] && ! cmp -s $$cfg $(STAGE)/membership.yaml; then \
	  echo "install: $$cfg was edited: kept; the new one is $$cfg.new"; \
	  install -m 0644 $(STAGE)/membership.yaml $$cfg.new; \
	else echo "install -m 0644 $(STAGE)/membership.yaml $$cfg"; install -m 0644 $(STAGE)/membership.yaml $$cfg; fi
	install -m 0644 $(STAGE)/membership.1 $(DESTDIR)$(MANDIR)/man1/membership.1
	install -m 0644 $(STAGE)/membership.yaml.5 $(DESTDIR)$(MANDIR)/man5/membership.yaml.5
	install -m 0644 completion/membership $(DESTDIR)$(COMPLETIONDIR)/membership
	install -m 0644 $(STAGE)/units/* $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 $(STAGE)/crontab $(DESTDIR)$(DOCDIR)/examples/crontab
ifneq ($(NO_WORKSPACE),1)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  getent passwd membership > /dev/null || { echo "install: creating the system user membership"; \
	    useradd --system --user-group --home-dir $(WORKSPACE_DIR) --no-create-home \
	      --shell /usr/sbin/nologin --comment "membership batch jobs" membership; } && \
	  install -d -o membership -g membership -m 0750 $(WORKSPACE_DIR); \
	else install -d -m 0750 $(DESTDIR)$(WORKSPACE_DIR); fi
endif

uninstall: stage
	rm -f $(DESTDIR)$(BINDIR)/membership $(DESTDIR)$(MANDIR)/man1/membership.1 \
	  $(DESTDIR)$(MANDIR)/man5/membership.yaml.5 $(DESTDIR)$(COMPLETIONDIR)/membership \
	  $(DESTDIR)$(DOCDIR)/examples/crontab $(DESTDIR)$(SYSCONFDIR)/membership/membership.yaml.new
	@for u in $(UNITS); do rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; done
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2> /dev/null
	@cfg=$(DESTDIR)$(SYSCONFDIR)/membership/membership.yaml; \
	if [ -f $$cfg ] && ! cmp -s $$cfg $(STAGE)/membership.yaml; then echo "uninstall: $$cfg was edited: kept"; \
	else rm -f $$cfg; rmdir $(DESTDIR)$(SYSCONFDIR)/membership 2> /dev/null || true; fi
	@echo "uninstall: the workspace $(DESTDIR)$(WORKSPACE_DIR) is kept (the books are the shop's money)"

# `make deb` builds ../membership_$(VERSION)_<arch>.deb from debian/
# (dpkg-buildpackage -us -uc -b: unsigned, binary only).
deb: deps deps-deb
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
	  { echo "deb: debian/changelog says $$v, the Makefile $(VERSION)" >&2; exit 1; }
	dpkg-buildpackage -us -uc -b
	@echo "deb: ../membership_$(VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).deb"

# `make format` lays the C files out by .clang-format; `make format-check`
# changes nothing and fails, naming file and line, where one is not laid
# out so (clang-format 14 or later: --dry-run -Werror).
FORMAT_FILES = $(wildcard lib/*.c lib/*.h jobs/*.c jobs/*.h tests/unit/*.c tests/unit/*.h)
CLANG_FORMAT ?= clang-format

format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check:
	@$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files as .clang-format lays them out"

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
FUZZ_NAMES := csvin config timestamp amount ingest
FUZZ_BIN := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_NAMES))
# only what the harnesses call (log.c, for one, does not build under clang's -Wformat=2);
# fuzz_ingest runs jobs/ingest_rows.c against the real schema.
FUZZ_LIB_SRC := lib/csvin.c lib/utf8.c lib/config.c lib/dates.c lib/money.c lib/error.c \
	lib/db.c lib/validate.c lib/csvout.c lib/fsx.c lib/rules.c lib/rules_sql.c \
	jobs/ingest_rows.c
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/%.o,$(FUZZ_LIB_SRC)) \
	$(patsubst lib/%.sql,$(FUZZ_DIR)/lib/%_sql.o,$(SQL_SRC))
FUZZ_CFLAGS = $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS)

.PHONY: fuzz-build
.SECONDARY: $(FUZZ_LIB_OBJ)

$(FUZZ_DIR)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/lib/%_sql.o: $(BUILD)/lib/%_sql.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/jobs/%.o: jobs/%.c jobs/*.h lib/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS) -lpthread

fuzz-build: $(FUZZ_BIN)

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/smoke.sh
