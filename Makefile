# Makefile - entry points: build, run, test, demo (each installs what it needs first)
#
#   make run ARGS="check example.org"     audit a domain
#   make test                             the whole suite (last line: N passed, N failed, N skipped)
#   make test-asan                        the suite under AddressSanitizer + UndefinedBehaviorSanitizer,
#                                         with allocation-failure injection (group allocfail)
#   make test-allocfail                   only the allocation-failure group, in the ASan build
#   make fuzz                             every libFuzzer target for FUZZ_SECONDS (default 60) each
#   make demo                             a real report with no internet (the test world)
#   make bench                            issue 23's targets as ratios on the shared bench world
#                                         (../shared/bench, running; BENCH_ARGS="-n 1000 -r 1" for a quick look)
#   make bench-testworld                  domains/second over 1,000 fixture domains (the test world)
#   make bench-lint                       mailsec lint over a generated 92,000-record zone (offline)
#   make man                              the manual page, build/mailsec.1 (installed by meson install)

BUILD     ?= build
ASAN_BUILD ?= build-asan
ARGS      ?=
FUZZ_SECONDS ?= 60
PY        := /usr/bin/python3

.PHONY: all deps build run test test-asan test-allocfail test-valgrind fuzz demo bench bench-testworld man bench-reports bench-lint clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)

run: build
	@$(BUILD)/mailsec $(ARGS)

test: build
	$(PY) tests/run --build $(BUILD)

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dbuildtype=debug -Dalloc_fail=true >/dev/null

test-asan: deps $(ASAN_BUILD)/build.ninja
	@meson configure $(ASAN_BUILD) -Dalloc_fail=true >/dev/null
	@ninja -C $(ASAN_BUILD) >/dev/null || ninja -C $(ASAN_BUILD)
	MAILSEC_TEST_TIME_SCALE=3 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(PY) tests/run --build $(ASAN_BUILD)

test-allocfail: deps $(ASAN_BUILD)/build.ninja
	@meson configure $(ASAN_BUILD) -Dalloc_fail=true >/dev/null
	@ninja -C $(ASAN_BUILD) >/dev/null || ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(PY) tests/run --build $(ASAN_BUILD) --only allocfail

test-valgrind: build
	$(PY) tests/run --build $(BUILD) --only unit,cases --valgrind

fuzz: deps
	scripts/fuzz $(FUZZ_SECONDS)

demo: build
	@scripts/demo

# Issue 23's targets (not part of make test): runs ../shared/bench's scripts on the running
# world, never starts it (bench/issue23 says how when it is down); outputs in /tmp/mailsec-bench.
BENCH_ARGS ?=
bench: build
	$(PY) bench/issue23 --build $(BUILD) $(BENCH_ARGS)

bench-testworld: build
	@bench/check
	@bench/spf

man: build
	@ninja -C $(BUILD) mailsec.1 >/dev/null && echo "$(BUILD)/mailsec.1 (read it with: man -l $(BUILD)/mailsec.1)"

# Report ingestion benchmark (not part of make test): BENCH_MB of synthetic XML.
BENCH_MB ?= 200
bench-reports: build
	$(PY) bench/reports --build $(BUILD) --mb $(BENCH_MB)

# Lint benchmark (not part of make test): BENCH_DOMAINS mail domains in a BENCH_RECORDS-record zone.
BENCH_DOMAINS ?= 2000
BENCH_RECORDS ?= 92000
bench-lint: build
	$(PY) bench/lint --build $(BUILD) --domains $(BENCH_DOMAINS) --records $(BENCH_RECORDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
