#!/bin/sh
# make bench: run depeche's own benchmarks on the Le Monde 2022 corpus.
# Never part of `make check`.  Usage: bench/run.sh BUILD_DIR
# Each benchmark prints its corpus, command and figures; the machine is
# described by the lines printed first.
BUILD=${1:-build}
CORPUS=${CORPUS:-../shared/corpora/lemonde2022.jsonl.gz}
if [ ! -f "$CORPUS" ]; then
    echo "bench: corpus $CORPUS not found (set CORPUS=...); nothing to do"
    exit 0
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GB"
echo "corpus: $CORPUS"
echo
echo "== analysis chain (bench/bench_analyze.c)"
"$BUILD/bench/bench_analyze" "$CORPUS"
for s in bench/bench_index.sh bench/bench_search.sh bench/bench_corpus.sh; do
    [ -f "$s" ] || continue
    echo
    echo "== $s"
    sh "$s" "$BUILD/depeche" "$CORPUS"
done
