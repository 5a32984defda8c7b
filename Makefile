# Makefile - entry points: build, run, test, demo (each installs what it needs first)
#
#   make run ARGS="check example.org"     audit a domain
#   make test                             the whole suite (last line: N passed, N failed, N skipped)
#   make test-asan                        the suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo                             a real report with no internet (the test world)
#   make bench                            domains/second over 1,000 fixture domains (the test world)
#   make man                              the manual page, build/mailsec.1 (installed by meson install)
#   make fuzz                             every libFuzzer target in fuzz/ for FUZZ_SECONDS each (clang)

BUILD     ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
ARGS      ?=
PY        := /usr/bin/python3

.PHONY: all deps build run test test-asan test-valgrind demo bench man fuzz clean

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

demo: build
	@scripts/demo

bench: build
	@bench/check

man: build
	@ninja -C $(BUILD) mailsec.1 >/dev/null && echo "$(BUILD)/mailsec.1 (read it with: man -l $(BUILD)/mailsec.1)"

# Fuzzing: the library instrumented for coverage, each target run on its seed corpus
# (fuzz/corpus/<name>/) plus what it finds (fuzz/corpus-<name>/, not committed).
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dbuildtype=debug -Dc_args=-fsanitize=fuzzer-no-link >/dev/null

fuzz: deps $(FUZZ_BUILD)/build.ninja
	@for src in fuzz/fuzz_*.c; do t=$$(basename $$src .c); n=$${t#fuzz_}; \
	    ninja -C $(FUZZ_BUILD) fuzz/$$t >/dev/null || exit 1; \
	    mkdir -p fuzz/corpus-$$n; echo "== $$t ($(FUZZ_SECONDS) s)"; \
	    $(FUZZ_BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        fuzz/corpus-$$n fuzz/corpus/$$n >$(FUZZ_BUILD)/$$t.log 2>&1; rc=$$?; \
	    tail -4 $(FUZZ_BUILD)/$$t.log; \
	    [ $$rc = 0 ] || { echo "$$t failed: $(FUZZ_BUILD)/$$t.log"; exit 1; }; done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
