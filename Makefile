# Makefile - entry points: build, run, test, demo (each installs what it needs first)
#
#   make run ARGS="check example.org"     audit a domain
#   make test                             the whole suite (last line: N passed, N failed, N skipped)
#   make test-asan                        the suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo                             a real report with no internet (the test world)

BUILD     ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
ARGS      ?=
PY        := /usr/bin/python3

.PHONY: all deps build run test test-asan test-valgrind fuzz demo bench clean

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
	    -Dbuildtype=debug >/dev/null

test-asan: deps $(ASAN_BUILD)/build.ninja
	@ninja -C $(ASAN_BUILD) >/dev/null || ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(PY) tests/run --build $(ASAN_BUILD)

test-valgrind: build
	$(PY) tests/run --build $(BUILD) --only unit,cases --valgrind

# make fuzz - every libFuzzer target under fuzz/ for FUZZ_SECONDS each, from its
# seed corpus fuzz/corpus/<name> (new inputs go to a scratch directory, not the repo).
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link >/dev/null

fuzz: deps $(FUZZ_BUILD)/build.ninja
	@ninja -C $(FUZZ_BUILD) >/dev/null || ninja -C $(FUZZ_BUILD)
	@set -e; for exe in $(FUZZ_BUILD)/fuzz/fuzz_*; do \
	    [ -x "$$exe" ] && [ -f "$$exe" ] || continue; \
	    name=$$(basename $$exe); name=$${name#fuzz_}; \
	    scratch=$$(mktemp -d); \
	    echo "== fuzz $$name ($(FUZZ_SECONDS) s)"; \
	    if ! ASAN_OPTIONS=detect_leaks=1 $$exe -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        -print_final_stats=1 $$scratch fuzz/corpus/$$name >$$scratch.log 2>&1; then \
	        tail -60 $$scratch.log; rm -rf $$scratch $$scratch.log; exit 1; fi; \
	    grep -E 'exec_per_sec|new_units' $$scratch.log; rm -rf $$scratch $$scratch.log; \
	done

demo: build
	@scripts/demo

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
