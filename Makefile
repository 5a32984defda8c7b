# Makefile - entry points: build, run, test, demo (each installs what it needs first)
#
#   make run ARGS="check example.org"     audit a domain
#   make test                             the whole suite (last line: N passed, N failed, N skipped)
#   make test-asan                        the suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make demo                             a real report with no internet (the test world)

BUILD     ?= build
ASAN_BUILD ?= build-asan
ARGS      ?=
PY        := /usr/bin/python3

.PHONY: all deps build run test test-asan test-valgrind demo bench clean fuzz

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

# make fuzz: every target in fuzz/ for FUZZ_SECONDS each (default 60) over its seed corpus
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dbuildtype=debug >/dev/null

fuzz: deps $(FUZZ_BUILD)/build.ninja
	@ninja -C $(FUZZ_BUILD) >/dev/null || ninja -C $(FUZZ_BUILD)
	@for t in fuzz/fuzz_*.c; do n=$$(basename $$t .c); mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	    echo "== $$n ($(FUZZ_SECONDS) s)"; \
	    $(FUZZ_BUILD)/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        $(FUZZ_BUILD)/corpus/$$n fuzz/corpus/$$n || exit 1; done

demo: build
	@scripts/demo

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
