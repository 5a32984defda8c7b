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

# Fuzz targets (fuzz/): a clang build with libFuzzer, each target run for FUZZ_SECONDS
# on its seed corpus (fuzz/corpus/<target>/; new inputs go to $(FUZZ_BUILD)/corpus-<target>).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= fuzz_dkim_key fuzz_tlsrpt_record fuzz_bimi_record

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dbuildtype=debug -Dc_args=-fsanitize=fuzzer-no-link >/dev/null

fuzz: deps $(FUZZ_BUILD)/build.ninja
	@ninja -C $(FUZZ_BUILD) $(addprefix fuzz/,$(FUZZ_TARGETS)) >/dev/null || ninja -C $(FUZZ_BUILD) $(addprefix fuzz/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	    c=$${t#fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus-$$c; \
	    echo "== $$t ($(FUZZ_SECONDS) s)"; \
	    $(FUZZ_BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	        -artifact_prefix=$(FUZZ_BUILD)/$$t- \
	        $(FUZZ_BUILD)/corpus-$$c fuzz/corpus/$$c >$(FUZZ_BUILD)/$$t.log 2>&1 || \
	        { tail -50 $(FUZZ_BUILD)/$$t.log; exit 1; }; \
	    grep -E '^(#[0-9]+.*DONE|Done)' $(FUZZ_BUILD)/$$t.log | tail -1; \
	done

demo: build
	@scripts/demo

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
