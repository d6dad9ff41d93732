# aircall-gorgias — build, test, run.
#   make            build cgi-bin/aircall-gorgias.fcgi
#   make install    binary, migrations, example configs, systemd units
#                   (PREFIX=/usr/local DESTDIR=... UNITDIR=...)
#   make deps       install the Debian packages (scripts/deps.sh holds the list)
#   make check-layers  the layering of src/ (scripts/check-layers.sh), after
#                   proving the check fails on trees that break it
#   make test       every test: the layer check, C unit tests, then end-to-end tests against
#                   PostgreSQL, lighttpd, Apache and the fake vendors
#   make run        the bridge locally with sandbox vendors (see README)
#   make asan       the same binary with AddressSanitizer + UBSan
#   make test-asan  the whole suite against the ASan binary
#   make bench      request budget and throughput benchmarks
#   make fuzz       every libFuzzer target for FUZZ_TIME seconds each (clang)

CC      ?= cc
PKGS     = fcgi libpq jansson libcurl libcrypto
CFLAGS  ?= -O2 -g
WARN     = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
           -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CPPFLAGS = -Isrc -Ibuild $(shell pkg-config --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/postgresql)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lfcgi -lpq -ljansson -lcurl -lcrypto)
PYTHON  ?= /usr/bin/python3

BIN      = cgi-bin/aircall-gorgias.fcgi
ASANBIN  = cgi-bin/aircall-gorgias-asan.fcgi
LAYERS   = base core vendor store apply web cli
SRCS     = $(foreach d,$(LAYERS),$(wildcard src/$(d)/*.c))
HDRS     = $(foreach d,$(LAYERS),$(wildcard src/$(d)/*.h))
OBJS     = $(SRCS:src/%.c=build/%.o) build/migrations.o
ASANOBJS = $(SRCS:src/%.c=build/asan/%.o) build/asan/migrations.o
UNIT     = $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/test_*.c))
SANITIZE = -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined,float-cast-overflow

.PHONY: all asan deps install check-layers test test-build test-unit test-e2e test-asan run bench clean fakes-test fuzz fuzz-build fuzz-regress
all: $(BIN)

build/migrations.c: scripts/embed-sql.sh $(wildcard sql/*.sql) | build
	sh scripts/embed-sql.sh $(sort $(wildcard sql/*.sql)) > $@.tmp && mv $@.tmp $@

build build/asan build/unit cgi-bin:
	mkdir -p $@

build/%.o: src/%.c $(HDRS) | build
	@mkdir -p $(@D); echo "  CC    $<"; $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@
build/migrations.o: build/migrations.c | build
	@echo "  CC    $<"; $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@
build/main.o: src/main.c $(HDRS) | build
	@echo "  CC    $<"; $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(BIN): build/main.o $(OBJS) | cgi-bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/%.o: src/%.c $(HDRS) | build/asan
	@mkdir -p $(@D); echo "  CC    $< (asan)"; $(CC) $(WARN) -O1 -g $(SANITIZE) $(CPPFLAGS) -c $< -o $@
build/asan/migrations.o: build/migrations.c | build/asan
	@echo "  CC    $< (asan)"; $(CC) $(WARN) -O1 -g $(SANITIZE) $(CPPFLAGS) -c $< -o $@
$(ASANBIN): build/asan/main.o $(ASANOBJS) | cgi-bin
	$(CC) -g $(SANITIZE) -o $@ $^ $(LDLIBS)
asan: $(ASANBIN)

# Unit tests link the objects they need, under the sanitizers.
build/unit/%: tests/unit/%.c $(ASANOBJS) | build/unit
	@echo "  LD    $@"; $(CC) $(WARN) -O1 -g $(SANITIZE) $(CPPFLAGS) $< $(ASANOBJS) -o $@ $(LDLIBS)

test-unit: $(UNIT)
	@set -e; for t in $(UNIT); do echo "== $$t"; ./$$t; done

check-layers: | build
	@sh tests/layers/test_check_layers.sh > build/check-layers-test.log 2>&1 || \
	  { cat build/check-layers-test.log; echo "check-layers: its own test failed"; exit 1; }
	@sh scripts/check-layers.sh && echo "check-layers: ok"

test-e2e: $(BIN)
	$(PYTHON) -m pytest -q tests/fakes tests/e2e

# The Debian packages first (scripts/deps.sh installs them as root, else
# names them and stops); then a new make, whose pkg-config calls see them.
deps:
	@sh scripts/deps.sh

# Everything the tests run is compiled first, on every core (the unit tests
# link all ASan objects: a serial build is minutes); the tests then run one
# suite at a time, so that timing assertions never compete with a compiler.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
test-build: $(BIN) $(UNIT)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) test-build
	@$(MAKE) --no-print-directory check-layers test-unit test-e2e

test-asan: $(ASANBIN) test-unit
	AG_BINARY=$(CURDIR)/$(ASANBIN) $(PYTHON) -m pytest -q tests/e2e

# libFuzzer targets (tests/fuzz/fuzz_*.c) over the untrusted-input parsers,
# with ASan + UBSan; seeds in tests/fuzz/corpus/<target>, crashes found once
# kept in tests/fuzz/regressions/<target> and replayed by fuzz-regress.
FUZZCC    ?= clang
FUZZ_TIME ?= 60
FUZZ_SAN   = -Wno-unknown-warning-option -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
FUZZOBJS   = $(SRCS:src/%.c=build/fuzz/%.o) build/fuzz/migrations.o
FUZZERS    = $(patsubst tests/fuzz/%.c,build/fuzz/bin/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz build/fuzz/bin:
	mkdir -p $@
build/fuzz/%.o: src/%.c $(HDRS) | build/fuzz
	@mkdir -p $(@D); echo "  CC    $< (fuzz)"; $(FUZZCC) $(WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c $< -o $@
build/fuzz/migrations.o: build/migrations.c | build/fuzz
	@echo "  CC    $< (fuzz)"; $(FUZZCC) $(WARN) -O1 -g $(FUZZ_SAN) $(CPPFLAGS) -c $< -o $@
build/fuzz/bin/%: tests/fuzz/%.c $(FUZZOBJS) | build/fuzz/bin
	@echo "  LD    $@"; $(FUZZCC) $(WARN) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer $(CPPFLAGS) $< $(FUZZOBJS) -o $@ $(LDLIBS)

.SECONDARY: $(FUZZOBJS)
fuzz-build: $(FUZZERS)

# Every seed and every kept crash, once, without fuzzing (a fixed bug stays fixed).
fuzz-regress: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do n=$${f##*/}; \
	  dirs=$$(ls -d tests/fuzz/corpus/$$n tests/fuzz/regressions/$$n 2>/dev/null || true); \
	  echo "== $$n (replay)"; ./$$f -runs=0 $$dirs 2>&1 | tail -n 1; done

# Fuzzes each target FUZZ_TIME seconds from a working copy of its seeds
# (build/fuzz/corpus, so tests/fuzz/corpus stays the reviewed seed set).
fuzz: fuzz-regress
	@set -e; for f in $(FUZZERS); do n=$${f##*/}; \
	  mkdir -p build/fuzz/corpus/$$n build/fuzz/crash/$$n; \
	  echo "== $$n ($(FUZZ_TIME) s)"; \
	  if ./$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 -artifact_prefix=build/fuzz/crash/$$n/ \
	       build/fuzz/corpus/$$n tests/fuzz/corpus/$$n > build/fuzz/$$n.log 2>&1; then \
	    grep -E '^#[0-9]+[[:space:]]+DONE' build/fuzz/$$n.log | tail -n 1; \
	  else tail -n 40 build/fuzz/$$n.log; echo "fuzz: $$n failed (input in build/fuzz/crash/$$n)"; exit 1; fi; \
	done

run:
	sh scripts/run-sandbox.sh

# make install [PREFIX=/usr/local] [DESTDIR=...] [UNITDIR=...]: see scripts/install.sh.
PREFIX  ?= /usr/local
UNITDIR ?= $(PREFIX)/lib/systemd/system
install: $(BIN)
	sh scripts/install.sh "$(DESTDIR)" "$(PREFIX)" "$(UNITDIR)"

bench: $(BIN)
	$(PYTHON) bench/run.py

clean:
	rm -rf build $(BIN) $(ASANBIN)
