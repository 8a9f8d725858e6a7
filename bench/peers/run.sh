#!/bin/sh
# Side-by-side benchmark of depeche against peer engines (SQLite FTS5,
# Xapian, Lucene, Groonga, Sphinx): same corpus, same workloads, same run,
# same machine.  Usage (from the repository root, or via `make bench-peers`):
#
#   sh bench/peers/run.sh DEPECHE_BINARY [CORPUS.jsonl[.gz]]
#
# Environment:
#   ENGINES    engines to run (default: depeche fts5 xapian lucene groonga sphinx)
#   RUNS       timed runs per query, after one warm-up (default 5)
#   BUILDS     W1 index builds per engine, median reported (default 3);
#              0: no build, reuse the index and W1 figures of a previous run
#   BENCH_TMP  work directory (default /tmp/depeche-bench-peers); indexes
#              and the prepared corpus live there, never in the repository
#   RESULTS    where the report goes (default bench/results)
#   REPORT_ENGINES  engines in the report (default: ENGINES); e.g.
#              ENGINES=depeche REPORT_ENGINES="depeche fts5 xapian lucene
#              groonga sphinx" re-measures depeche only and reports it with
#              the peers' results of a previous run
#   DEPECHE_LIB  libdepeche.a linked into adapter_depeche.c (default: next
#              to DEPECHE_BINARY)
#   (W1 of depeche runs `depeche index --threads 0`, one thread as W1 asks,
#   when the binary has --threads, then BUILDS more builds with its default
#   two threads, reported as the row "depeche (2 threads)")
#   LUCENE_STORED  1 (default): each round also builds Lucene with the
#              text stored (row "lucene (text stored)", for information:
#              depeche stores every record, the Lucene row stores none); 0: not
#   LUCENE_STOPS  1 (default): the first round also builds Lucene keeping
#              the stop words (row "lucene (stop words kept)": depeche
#              indexes them, so that a phrase with a stop word is exact;
#              Lucene's FrenchAnalyzer drops them), and W2/W3 run on that
#              index too, for information; 0: not
#   W4_MONTH   foreground month of W4 (default: March of the corpus's
#              latest year, 2022-03 for Le Monde 2022), W4_RUNS its runs (3)
#
# Steps: install missing Debian packages (install.sh); prepare the input
# once, outside every timing (prep.py: gunzip, one version per id, the
# fixed query set); W1 builds under /usr/bin/time, in rounds (build 1 of
# every engine, then build 2 of every engine, ...); per engine, one
# long-lived query process for W2/W3 (and W4 where the adapter has it);
# sizes.py splits each index into postings+positions+dictionary and the
# rest; then report.py writes peers-<corpus>.md and .json.  An engine that fails
# is reported as skipped with its error and the others go on.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DEPECHE=${1:?usage: run.sh DEPECHE_BINARY [CORPUS]}
CORPUS=${2:-../shared/corpora/lemonde2022.jsonl.gz}
case $DEPECHE in /*) ;; *) DEPECHE=$(pwd)/$DEPECHE ;; esac
ENGINES=${ENGINES:-"depeche fts5 xapian lucene groonga sphinx"}
REPORT_ENGINES=${REPORT_ENGINES:-$ENGINES}
DEPECHE_LIB=${DEPECHE_LIB:-$(dirname "$DEPECHE")/libdepeche.a}
RUNS=${RUNS:-5}
BUILDS=${BUILDS:-3}
BENCH_TMP=${BENCH_TMP:-/tmp/depeche-bench-peers}
LST=""   # 1 only around the "lucene-stored" builds (never from outside)
LKS=""   # 1 only around the "lucene-stops" build (never from outside)
WN=""    # the number of builds of the variant being built, when not BUILDS
RESULTS=${RESULTS:-$ROOT/bench/results}
PY=/usr/bin/python3      # Debian's Python: python3-xapian is built for it
BIN=$BENCH_TMP/bin
LCP=/usr/share/java/lucene-core-4.10.4.jar:/usr/share/java/lucene-analyzers-common-4.10.4.jar:/usr/share/java/lucene-queryparser-4.10.4.jar

# adapter ENGINE MODE ARGS...: runs the adapter of an engine.
adapter() {
    e=$1; shift
    case $e in
    fts5)    "$BIN/adapter_fts5" "$@" ;;
    xapian)  "$PY" "$HERE/adapter_xapian.py" "$@" ;;
    lucene)  java -cp "$BIN/java:$LCP" AdapterLucene "$@" ;;
    groonga) "$PY" "$HERE/adapter_groonga.py" "$@" ;;
    sphinx)  "$PY" "$HERE/adapter_sphinx.py" "$@" ;;
    depeche)
        if [ "$1" = index ]; then depeche_index "$2" "$3"
        else "$PY" "$HERE/adapter_depeche.py" "$DEPECHE" "$@"; fi ;;
    esac
}

# depeche_index CORPUS DIR: W1 of depeche is its own indexing program,
# `depeche index`, run directly, as FTS5's is a C program: through
# adapter_depeche.py (same command) the timing also held Python's start,
# 0.12-0.16 s wall (27 November 2026), 3 % of a 1x build.  The JVM's
# start stays in Lucene's: Lucene cannot index without it.
depeche_index() {
    rm -rf "$2/archive" && mkdir -p "$2" || return 1
    # DEPECHE_INDEX_THREADS: 0 for W1's one thread, empty for the default
    "$DEPECHE" index ${DEPECHE_INDEX_THREADS:+--threads "$DEPECHE_INDEX_THREADS"} \
        "$2/archive" "$1" >/dev/null
}

# W1 is timed by /usr/bin/time, which needs a program: this script, called
# back with BENCH_PEERS_ADAPTER=1 and "ENGINE MODE ARGS..." after the two
# usual arguments.
if [ "${BENCH_PEERS_ADAPTER:-}" = 1 ]; then
    shift 2
    adapter "$@"
    exit $?
fi

# The Lucene adapter's switches of the variants, set only around their
# builds (w1 passes them to the call back above): one exported by the
# caller would also change the queries' analyzer.
unset LUCENE_STORE_TEXT LUCENE_KEEP_STOPWORDS

[ -r "$CORPUS" ] || { echo "bench-peers: no corpus at $CORPUS (skipped)"; exit 0; }
sh "$HERE/install.sh" || { echo "bench-peers: package installation failed"; exit 1; }

name=$(basename "$CORPUS"); name=${name%.gz}; name=${name%.jsonl}
W=$BENCH_TMP/$name
IN=$W/input
OUT=$W/out
mkdir -p "$IN" "$OUT" "$BIN/java" "$RESULTS"

# --- prepared input (cached while the corpus and prep.py are unchanged) ---
# shellcheck disable=SC3013  # -nt: in dash and bash, not in POSIX
if [ ! -s "$IN/stats.json" ] || [ "$CORPUS" -nt "$IN/stats.json" ] ||
   [ "$HERE/prep.py" -nt "$IN/stats.json" ]; then
    echo "bench-peers: preparing $CORPUS"
    "$PY" "$HERE/prep.py" "$CORPUS" "$IN" || exit 1
fi
Q=$IN/queries.tsv
W4M=${W4_MONTH:-$(sed -n 's/.*"w4_month": "\([0-9-]*\)".*/\1/p' "$IN/stats.json")}

# --- the compiled adapters ---------------------------------------------------
gcc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror "$HERE/adapter_fts5.c" \
    -lsqlite3 -lm -o "$BIN/adapter_fts5" 2>"$OUT/fts5.compile" || true
javac -nowarn -d "$BIN/java" -cp "$LCP" "$HERE/AdapterLucene.java" \
    2>"$OUT/lucene.compile" || true
# depeche's W2/W3 adapter links the library (adapter_depeche.py runs it
# when DEPECHE_ADAPTER names it; without it, the slow CLI fallback).
rm -f "$BIN/adapter_depeche"
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
gcc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/include" \
    "$HERE/adapter_depeche.c" "$DEPECHE_LIB" \
    $(pkg-config --libs libutf8proc libzstd zlib libisal 2>/dev/null) \
    -lstemmer -lm -lpthread -o "$BIN/adapter_depeche" \
    2>"$OUT/depeche.compile" || true
if [ -x "$BIN/adapter_depeche" ]; then
    DEPECHE_ADAPTER=$BIN/adapter_depeche; export DEPECHE_ADAPTER
else
    case " $ENGINES " in *" depeche "*)
        echo "bench-peers: WARNING: adapter_depeche.c did not build against" \
             "$DEPECHE_LIB (see $OUT/depeche.compile): depeche's W2/W3 go" \
             "through the CLI and get no ratio" ;;
    esac
fi

# W1 of depeche with one indexing thread: `--threads 0` (analysis in the
# calling thread) when the binary has the option; its default (one extra
# analysis thread) is timed too, as the row "depeche (2 threads)".
if "$DEPECHE" index --help 2>&1 | grep -q -- '--threads'; then
    DP_ONE=0
    DP_MODE="depeche index --threads 0 (one thread)"
else
    DP_ONE=""
    DP_MODE="depeche index (no --threads option in this binary: its default threads)"
fi

# w1 KEY ENGINE IDX B: timed build number B of ENGINE into IDX (depeche
# with $DPT as --threads, empty for the default), figures in
# $OUT/KEY.w1-B.json; the load average before the first build goes to
# $OUT/KEY.load.  Returns 1, with $OUT/KEY.error, when the build fails.
w1() {
    wk=$1; we=$2; wi=$3; wb=$4
    [ "$wb" = 1 ] && cut -d' ' -f1-3 /proc/loadavg >"$OUT/$wk.load"
    echo "bench-peers: $wk: W1 build $wb/${WN:-$BUILDS}"
    rm -rf "$wi"; mkdir -p "$wi"
    sync
    if ! DEPECHE_INDEX_THREADS=$DPT LUCENE_STORE_TEXT=${LST:-} \
            LUCENE_KEEP_STOPWORDS=${LKS:-} \
            BENCH_PEERS_ADAPTER=1 \
            /usr/bin/time -f '%e %U %S %M' \
            -o "$OUT/$wk.time" sh "$HERE/run.sh" "$DEPECHE" "$CORPUS" \
            "$we" index "$IN/corpus.jsonl" "$wi" \
            >"$OUT/$wk.index.log" 2>&1; then
        { echo "index failed:"; tail -5 "$OUT/$wk.index.log"; } >"$OUT/$wk.error"
        return 1
    fi
    size=$(du -s -B1 "$wi" | cut -f1)
    tail -1 "$OUT/$wk.time" | awk -v s="$size" -v b="$wb" \
        -v d="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        '{printf "{\"build\":%d,\"wall_s\":%s,\"user_s\":%s,\"sys_s\":%s,\"rss_kb\":%s,\"index_bytes\":%s,\"date\":\"%s\"}\n", b, $1, $2, $3, $4, s, d}' \
        >"$OUT/$wk.w1-$wb.json"
}

# sizes KEY ENGINE IDX: the parts of the index (sizes.py) in KEY.parts.json.
sizes() {
    "$PY" "$HERE/sizes.py" "$2" "$3" >"$OUT/$1.parts.json" \
        2>>"$OUT/$1.index.log" || rm -f "$OUT/$1.parts.json"
}

# --- W1: the builds, in rounds ------------------------------------------------
# Round b builds every engine once before round b + 1 builds any: on a
# shared machine whose speed changes by 10-30 % from one hour to the next,
# a slow spell then falls on every engine's builds instead of on the one
# being measured, and the medians' ratios stay comparable.  An engine
# whose build fails is dropped from the later rounds (its .error file).
BUILT=""
for e in $ENGINES; do
    if [ "$BUILDS" = 0 ]; then      # reuse the index and its W1 figures
        rm -f "$OUT/$e".w4.json "$OUT/$e".error "$OUT/$e".queries.jsonl
        [ "$e" = lucene ] && rm -f "$OUT"/lucene-stops.queries.jsonl \
            "$OUT"/lucene-stops.query.log
        [ -d "$W/index-$e" ] || { echo "no index at $W/index-$e (BUILDS=0)" >"$OUT/$e.error"; continue; }
    else
        rm -f "$OUT/$e".*.json "$OUT/$e".error "$OUT/$e".queries.jsonl \
            "$OUT/$e".load "$OUT/$e".w1mode
        [ "$e" = depeche ] && rm -f "$OUT"/depeche-2t.*
        # a variant's index of an earlier run must not be measured or
        # queried as this run's
        [ "$e" = lucene ] && rm -f "$OUT"/lucene-stored.* "$OUT"/lucene-stops.* &&
            rm -rf "$W/index-lucene-stops"
    fi
    if [ "$e" = depeche ] && [ ! -x "$DEPECHE" ]; then
        echo "no depeche binary at $DEPECHE" >"$OUT/$e.error"; continue
    fi
    BUILT="$BUILT $e"
    # the mode of the builds measured: kept as it was when they are reused
    if [ "$e" = depeche ] && [ "$BUILDS" != 0 ]; then
        echo "$DP_MODE" >"$OUT/depeche.w1mode"
    fi
done
if [ "$BUILDS" != 0 ]; then
    b=1
    while [ $b -le "$BUILDS" ]; do
        for e in $BUILT; do
            [ -e "$OUT/$e.error" ] && continue
            DPT=""
            [ "$e" = depeche ] && DPT=$DP_ONE
            w1 "$e" "$e" "$W/index-$e" $b || continue
            if [ "$e" = lucene ] && [ "${LUCENE_STORED:-1}" = 1 ] &&
               [ ! -e "$OUT/lucene-stored.error" ]; then
                # the text stored too, as a user showing snippets keeps it
                # (depeche stores every record): for information
                LST=1
                w1 lucene-stored lucene "$W/index-lucene-stored" $b || true
                LST=""
            fi
            if [ "$e" = lucene ] && [ "${LUCENE_STOPS:-1}" = 1 ] &&
               [ $b = 1 ]; then
                # the stop words kept, as depeche keeps them: its index
                # size, and its queries below (one build: the size does
                # not vary)
                LKS=1 WN=1
                w1 lucene-stops lucene "$W/index-lucene-stops" 1 || true
                LKS="" WN=""
            fi
            if [ "$e" = depeche ] && [ -n "$DP_ONE" ] &&
               [ ! -e "$OUT/depeche-2t.error" ]; then
                # the default two threads, for information; the index is
                # the same, so W2/W3 use the one-thread build's
                DPT=""
                w1 depeche-2t depeche "$W/index-depeche-2t" $b || true
            fi
        done
        b=$((b + 1))
    done
    for e in $BUILT; do
        [ -e "$OUT/$e.error" ] || sizes "$e" "$e" "$W/index-$e"
    done
    # the variants' sizes, unless a build failed (its index is partial)
    if [ -d "$W/index-lucene-stored" ]; then
        [ -e "$OUT/lucene-stored.error" ] ||
            sizes lucene-stored lucene "$W/index-lucene-stored"
        rm -rf "$W/index-lucene-stored"
    fi
    # (Lucene keeping the stop words stays: W2/W3 run on it below)
    if [ -d "$W/index-lucene-stops" ]; then
        if [ -e "$OUT/lucene-stops.error" ]; then
            rm -rf "$W/index-lucene-stops"
        else
            sizes lucene-stops lucene "$W/index-lucene-stops"
        fi
    fi
    if [ -d "$W/index-depeche-2t" ]; then
        [ -e "$OUT/depeche-2t.error" ] ||
            sizes depeche-2t depeche "$W/index-depeche-2t"
        rm -rf "$W/index-depeche-2t"
    fi
fi

# --- W2/W3 (and W4) in one long-lived process per engine ---------------------
for e in $BUILT; do
    [ -e "$OUT/$e.error" ] && continue
    IDX=$W/index-$e
    echo "bench-peers: $e: W2/W3 queries ($RUNS runs each)"
    if ! adapter "$e" query "$IDX" "$Q" "$RUNS" >"$OUT/$e.queries.jsonl" \
            2>"$OUT/$e.query.log"; then
        { echo "queries failed:"; tail -5 "$OUT/$e.query.log"; } >"$OUT/$e.error"
        continue
    fi
    if [ "$e" = lucene ] && [ "${LUCENE_STOPS:-1}" = 1 ] &&
       [ -d "$W/index-lucene-stops" ]; then
        # the same queries on Lucene keeping the stop words, analysed
        # without the StopFilter too: for information, next to the row
        # that the goals use
        echo "bench-peers: lucene (stop words kept): W2/W3 queries ($RUNS runs each)"
        (LUCENE_KEEP_STOPWORDS=1; export LUCENE_KEEP_STOPWORDS
         adapter lucene query "$W/index-lucene-stops" "$Q" "$RUNS") \
            >"$OUT/lucene-stops.queries.jsonl" \
            2>"$OUT/lucene-stops.query.log" ||
            { echo "bench-peers: lucene (stop words kept): queries failed" \
                   "(see $OUT/lucene-stops.query.log)"
              rm -f "$OUT/lucene-stops.queries.jsonl"; }
    fi
    case $e in
    depeche|fts5|xapian|lucene)
        echo "bench-peers: $e: W4 significant terms"
        adapter "$e" sig "$IDX" "$W4M" "${W4_RUNS:-3}" \
            >"$OUT/$e.w4.json" 2>"$OUT/$e.w4.log" || rm -f "$OUT/$e.w4.json" ;;
    esac
done
cp "$W/index-sphinx/sphinx.conf" "$OUT/sphinx.conf" 2>/dev/null || true
"$PY" "$HERE/report.py" "$W" "$RESULTS/peers-$name" "$REPORT_ENGINES"
