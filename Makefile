# depeche -- one GNU Makefile (like Redis, LMDB and Lua).
#
#   make            build the library and the command (build/)
#   make check      install missing packages, build, run every test
#                   optimised and again under ASan+UBSan
#   make demo       install, build, and run depeche on the bundled sample
#   make bench      run the benchmarks in bench/ (never part of check)
#   make bench-peers  the same workloads in depeche and peer engines
#                   (CORPUS=path.jsonl.gz; see docs/bench-peers.md)
#   make fuzz       build the fuzz targets with libFuzzer (clang)
#   make clean
#
# Variables: WERROR=1 turns warnings into errors (CI sets it),
# SANITIZE=1 builds the ASan+UBSan variant into build/asan/.

CC      ?= cc
PKGS    := libutf8proc libzstd zlib libisal
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS    := $(PKG_LIBS) -lstemmer -lm -lpthread

WARN    := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN    += -Werror
endif

ifeq ($(SANITIZE),1)
BUILD   := build/asan
OPT     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer
LDOPT   := -fsanitize=address,undefined
else
BUILD   := build
OPT     := -O2 -g
LDOPT   :=
endif

CPPFLAGS := -Iinclude -Isrc/lib -D_GNU_SOURCE $(PKG_CFLAGS)
CFLAGS   := -std=c11 $(OPT) $(WARN) -fvisibility=hidden -MMD -MP
LDFLAGS  := $(LDOPT)

LIB_SRC  := $(sort $(wildcard src/lib/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
# Fuzz targets: each tests/fuzz/fuzz_<name>.c is linked with the replay
# driver into $(BUILD)/tests/test_fuzz_<name>, which tests/run.sh runs
# like any test (it replays tests/fuzz/corpus/<name>/; docs/fuzzing.md).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/test_fuzz_%)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIBA     := $(BUILD)/libdepeche.a
DEPECHE  := $(BUILD)/depeche

.SECONDARY:

.PHONY: all deps check check-opt check-asan demo bench fuzz clean tests

all: $(LIBA) $(DEPECHE)

tests: all $(TEST_BIN) $(FUZZ_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(DEPECHE): $(CLI_OBJ) $(LIBA)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIBA) $(LIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBA)
	$(CC) $(LDFLAGS) $< $(LIBA) $(LIBS) -o $@

$(BUILD)/tests/test_fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o \
                           $(BUILD)/tests/fuzz/replay.o $(LIBA)
	$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBA)
	$(CC) $(LDFLAGS) $< $(LIBA) $(LIBS) -o $@

deps:
	@sh scripts/install-deps.sh

# The whole test suite: optimised, then under ASan+UBSan.  The last line
# is the sum over both runs: "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory WERROR=1 tests
	@$(MAKE) --no-print-directory WERROR=1 SANITIZE=1 tests
	@sh tests/run.sh build build/asan

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(DEPECHE)

bench: all $(BENCH_BIN)
	@sh bench/run.sh $(BUILD)

# Side by side with SQLite FTS5, Xapian, Lucene, Groonga and Sphinx
# (installed from Debian packages if missing); see docs/bench-peers.md.
CORPUS ?= ../shared/corpora/lemonde2022.jsonl.gz
.PHONY: bench-peers
bench-peers: all
	@sh bench/peers/run.sh $(DEPECHE) $(CORPUS)

# libFuzzer builds of tests/fuzz/ into build/fuzz/ (clang, installed if
# missing), each run FUZZ_SECONDS (default 60) on its corpus.
FUZZ_SECONDS ?= 60
fuzz:
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d) \
           $(FUZZ_SRC:tests/%.c=$(BUILD)/tests/%.d) $(BUILD)/tests/fuzz/replay.d
