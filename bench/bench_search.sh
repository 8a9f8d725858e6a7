#!/bin/sh
# bench/bench_search.sh -- search, count and timeline latency on Le Monde
# 2022 (bench/bench_search.c: one long-lived process, start-up excluded).
# Never part of `make check`.
#
# Usage: bench/bench_search.sh [DEPECHE] [CORPUS]
#   ARCHIVE=dir  reuse an archive already indexed from CORPUS (else one is
#                indexed into a temporary directory and removed after)
#   ROUNDS=n     runs per query after one warm-up (default 20)
# The archive is measured as indexed (the corpus republishes 308 ids, so
# it holds deleted documents) and again after `depeche optimize`.
DEPECHE=${1:-build/depeche}
CORPUS=${2:-../shared/corpora/lemonde2022.jsonl.gz}
ROUNDS=${ROUNDS:-20}
BENCH=$(dirname "$DEPECHE")/bench/bench_search
if [ ! -x "$BENCH" ]; then
    echo "bench_search: $BENCH not built (make bench)"
    exit 0
fi
if [ ! -f "$CORPUS" ] && [ -z "$ARCHIVE" ]; then
    echo "bench_search: corpus $CORPUS not found; nothing to do"
    exit 0
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-bench-search.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if [ -z "$ARCHIVE" ]; then
    ARCHIVE="$TMP/archive"
    echo "indexing $CORPUS into $ARCHIVE"
    "$DEPECHE" index --quiet "$ARCHIVE" "$CORPUS" >/dev/null || exit 1
fi
echo "-- as indexed"
"$BENCH" "$ARCHIVE" "$ROUNDS"
cp -r "$ARCHIVE" "$TMP/optimized"
"$DEPECHE" optimize "$TMP/optimized" >/dev/null || exit 1
echo "-- after depeche optimize (one segment, no deleted documents)"
"$BENCH" "$TMP/optimized" "$ROUNDS"
