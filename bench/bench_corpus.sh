#!/bin/sh
# bench/bench_corpus.sh -- times the corpus analyses on Le Monde 2022:
# significant terms of one month and of every month, a concordance of a
# frequent word (every occurrence), the collocates of "Ukraine" and the
# bigram frequency list.  Never part of `make check`.
#
# Usage: bench/bench_corpus.sh [DEPECHE] [CORPUS]
#   ARCHIVE=dir  reuse an archive already indexed from CORPUS (else one is
#                indexed into a temporary directory and removed after)
#   RUNS=n       runs per command for hyperfine (default 5)
# Uses hyperfine when installed (mean +- sd of RUNS after one warm-up),
# else /usr/bin/time; peak memory always comes from /usr/bin/time -v.
DEPECHE=${1:-build/depeche}
CORPUS=${2:-../shared/corpora/lemonde2022.jsonl.gz}
RUNS=${RUNS:-5}
if [ ! -f "$CORPUS" ] && [ -z "$ARCHIVE" ]; then
    echo "bench_corpus: corpus $CORPUS not found; nothing to do"
    exit 0
fi
TMP=""
if [ -z "$ARCHIVE" ]; then
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-bench-corpus.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    ARCHIVE="$TMP/archive"
    echo "indexing $CORPUS into $ARCHIVE"
    "$DEPECHE" index --quiet "$ARCHIVE" "$CORPUS" >/dev/null || exit 1
fi
"$DEPECHE" stats "$ARCHIVE" 2>/dev/null | head -n 6

run() {
    name=$1
    shift
    echo
    echo "-- $name: depeche $*"
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine --style basic --warmup 1 --runs "$RUNS" \
            "$DEPECHE $* >/dev/null" 2>&1 | grep -E "Time|Range"
    fi
    /usr/bin/time -f "wall %e s, user %U s, max RSS %M KB" \
        "$DEPECHE" "$@" >"${TMPDIR:-/tmp}/dp-bench-corpus.out" || true
    wc -l <"${TMPDIR:-/tmp}/dp-bench-corpus.out" | sed 's/^/output lines: /'
}

run "terms of one month" terms --date 2022-02 "$ARCHIVE"
run "terms of every month" terms --per-period month --limit 20 "$ARCHIVE"
run "kwic of a frequent word, every occurrence" kwic --json "$ARCHIVE" guerre
run "kwic sorted by left context" kwic --json --sort left "$ARCHIVE" guerre
run "collocates of Ukraine" cooc "$ARCHIVE" Ukraine
run "bigram frequencies" freq --ngram 2 --limit 100 "$ARCHIVE"
run "term frequencies" freq --limit 100 "$ARCHIVE"
rm -f "${TMPDIR:-/tmp}/dp-bench-corpus.out"
