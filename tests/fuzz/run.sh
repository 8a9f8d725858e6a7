#!/bin/sh
# tests/fuzz/run.sh -- build the fuzz targets of tests/fuzz/ with clang's
# libFuzzer (ASan + UBSan) into build/fuzz/ and run each one for a while.
#
#   sh tests/fuzz/run.sh [SECONDS] [TARGET...]     (make fuzz FUZZ_SECONDS=N)
#   sh tests/fuzz/run.sh merge [TARGET...]
#
# Run: each target fuzzes for SECONDS (default 60; 0 only builds) with
# build/fuzz/corpus/<name>/ as its working corpus, seeded from the saved
# corpus tests/fuzz/corpus/<name>/ and, when present, the dictionary
# tests/fuzz/<name>.dict.  Crashes land in build/fuzz/crash-<name>-*: copy
# each (minimised with -minimize_crash=1) into tests/fuzz/corpus/<name>/
# as crash-<what> so that `make check` replays it forever.
# Merge: minimise the saved corpus plus the working one into a small set
# keeping the same edge coverage (greedy set cover, tests/fuzz/setcover.awk,
# on libFuzzer's -merge=1 control file) and write it back to
# tests/fuzz/corpus/<name>/ (at most FUZZ_MAX_FILES files); files with
# names of their own (seed-*, crash-*, ...) are kept as they are.
# Targets run one after the other, niced: the machine is shared.
# FUZZ_FLAGS adds libFuzzer options (e.g. FUZZ_FLAGS=-len_control=0).
set -e
cd "$(dirname "$0")/../.."

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz: installing clang (libFuzzer comes with it)"
    apt-get install -y clang >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y clang >/dev/null; }
fi

mode=run
secs=60
case "${1:-}" in
merge) mode=merge; shift ;;
[0-9]*) secs=$1; shift ;;
esac
targets="$*"
[ -n "$targets" ] || targets=$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')

# At most this many files per saved corpus (the replay must stay fast).
FUZZ_MAX_FILES=${FUZZ_MAX_FILES:-190}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
OUT=build/fuzz
make -s --no-print-directory BUILD=$OUT CC=clang \
    OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $SAN" \
    LDOPT="$SAN" $OUT/libdepeche.a
# The packages the library links with, as the Makefile lists them.
PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)
LIBS="$(pkg-config --libs $PKGS) -lstemmer -lm -lpthread"
CPP="-Iinclude -Isrc/lib -D_GNU_SOURCE $(pkg-config --cflags $PKGS)"

for t in $targets; do
    clang -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer $SAN $CPP \
        tests/fuzz/fuzz_$t.c $OUT/libdepeche.a $LIBS -o $OUT/fuzz_$t
    saved=tests/fuzz/corpus/$t
    work=$OUT/corpus/$t
    mkdir -p "$saved" "$work"
    dict=
    [ -f tests/fuzz/$t.dict ] && dict=-dict=tests/fuzz/$t.dict
    if [ "$mode" = merge ]; then
        # libFuzzer's merge writes, per input, the edges it covers (COV
        # lines of the control file); a greedy set cover on edges alone
        # keeps far fewer files than -merge=1's feature-based choice.
        # Files with a name of their own (seed-*, crash-*, ...) are kept
        # as they are; only sha1-named files are replaced.
        tmp=$OUT/merge-$t
        rm -rf "$tmp" && mkdir -p "$tmp/out" "$tmp/old"
        cp "$saved"/* "$tmp/old/" 2>/dev/null || true
        nice -n 10 $OUT/fuzz_$t -merge=1 -merge_control_file="$tmp/control" \
            $dict "$tmp/out" "$tmp/old" "$work" >$tmp/log 2>&1 ||
            { tail -n 20 $tmp/log; exit 1; }
        named=$(ls "$saved" | grep -vc '^[0-9a-f]\{40\}$' || true)
        awk -v max=$((FUZZ_MAX_FILES - named)) -f tests/fuzz/setcover.awk \
            "$tmp/control" >"$tmp/chosen"
        for f in "$saved"/*; do
            b=$(basename "$f")
            case "$b" in
            *[!0-9a-f]*) ;;
            *) [ ${#b} -eq 40 ] && rm -f "$f" ;;
            esac
        done
        while read -r f; do
            b=$(basename "$f")
            case "$b" in
            *[!0-9a-f]*) [ -f "$saved/$b" ] || cp "$f" "$saved/$b" ;;
            *) cp "$f" "$saved/$(sha1sum <"$f" | cut -c1-40)" ;;
            esac
        done <"$tmp/chosen"
        echo "fuzz $t: $(ls "$saved" | wc -l) files," \
             "$(cat "$saved"/* | wc -c) bytes in $saved"
    elif [ "$secs" -gt 0 ]; then
        echo "fuzz $t: $secs s (log: $OUT/fuzz-$t.log)"
        nice -n 10 $OUT/fuzz_$t -max_total_time="$secs" -timeout=10 \
            -rss_limit_mb=2048 -max_len=8192 $dict ${FUZZ_FLAGS:-} \
            -artifact_prefix=$OUT/crash-$t- "$work" "$saved" \
            >$OUT/fuzz-$t.log 2>&1 || {
            tail -n 60 $OUT/fuzz-$t.log
            echo "fuzz $t: FOUND A CRASH: $(ls $OUT/crash-$t-* 2>/dev/null)"
            exit 1
        }
        tail -n 1 $OUT/fuzz-$t.log
    fi
done
