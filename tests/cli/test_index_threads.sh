#!/bin/sh
# CLI tests of `depeche index --threads N`: indexing everything in the
# calling thread (0) and analysing in a second thread (1, the default)
# must give the same archive contents: the same stats, search results and
# timelines, with and without flushes (--memory), with replacements by id,
# and the same segment files byte for byte.
# A bad value is a usage error (exit code 2).
. "$(dirname "$0")/lib.sh"
export DEPECHE_UNSAFE_NOSYNC=1 # throw-away archives: no fsync needed

cat >"$T_TMP/r.jsonl" <<'JSON'
{"id": "r1", "date": "2022-01-28", "title": "Macron appelle Poutine", "text": "Le président Macron a appelé Vladimir Poutine au sujet de l'Ukraine.", "lang": "fr"}
{"id": "r2", "date": "2022-02-03", "text": "L'Otan renforce sa présence en Roumanie et en Pologne."}
{"id": "r1", "date": "2022-01-29", "title": "Macron appelle Poutine (mis à jour)", "text": "Nouvelle version : Macron et Poutine se sont parlé deux heures."}
{"id": "r3", "date": "2022-03", "text": "The Kremlin denies any plan to invade Ukraine, says the spokesman."}
JSON
INPUTS="sample/wire.jsonl sample/depeches.txt sample/agenda.csv $T_TMP/r.jsonl"

# index_with NAME OPTIONS...: index the inputs into $T_TMP/NAME
index_with() {
    name=$1; shift
    # shellcheck disable=SC2086 # INPUTS is a list of paths without spaces
    check_status 0 "$DEPECHE" index "$@" "$T_TMP/$name" $INPUTS
}

# results NAME: what the archive answers, in one file
results() {
    a="$T_TMP/$1"
    {
        "$DEPECHE" stats --json "$a" | jq -c 'del(.archive, .bytes, .size, .segments, .commit)'
        for q in macron poutine ukraine otan '"vladimir poutine"' 'kremlin OR otan'; do
            echo "== $q"
            "$DEPECHE" search "$a" "$q" --json --limit 20
            "$DEPECHE" timeline "$a" "$q" --by month --csv
        done
    } >"$T_TMP/$1.res" 2>&1
}

t_begin index_threads_0_and_1_same_results
index_with t0 --threads 0
index_with t1 --threads 1
index_with tdef
results t0
results t1
results tdef
check_contains "$T_TMP/t0.res" '"documents":17,'
check_contains "$T_TMP/t0.res" '"id": "wire-001"'
if ! cmp -s "$T_TMP/t0.res" "$T_TMP/t1.res" || ! cmp -s "$T_TMP/t0.res" "$T_TMP/tdef.res"; then
    t_fail "results differ between --threads 0, 1 and the default"
    diff "$T_TMP/t0.res" "$T_TMP/tdef.res" | head -20 | sed 's/^/    | /'
fi

t_begin index_threads_replacement_counted_in_both
check_status 0 "$DEPECHE" index --threads 0 --json "$T_TMP/j0" "$T_TMP/r.jsonl"
check_eq "$(jq .added "$T_TMP/out")" 4 "added (threads 0)"
check_eq "$(jq .replaced "$T_TMP/out")" 1 "replaced (threads 0)"
check_status 0 "$DEPECHE" index --threads 1 --json "$T_TMP/j1" "$T_TMP/r.jsonl"
check_eq "$(jq .added "$T_TMP/out")" 4 "added (threads 1)"
check_eq "$(jq .replaced "$T_TMP/out")" 1 "replaced (threads 1)"
check_status 0 "$DEPECHE" search "$T_TMP/j0" macron --count
check_eq "$(cat "$T_TMP/out")" 1 "macron count (the replaced r1 is gone)"

t_begin index_threads_with_flushes_same_results
index_with m0 --threads 0 --memory 16K
index_with m1 --threads 1 --memory 16K
results m0
results m1
results t0
check_status 0 "$DEPECHE" stats --json "$T_TMP/m0"
[ "$(jq .segments "$T_TMP/out")" -ge 1 ] || t_fail "no segment"
if ! cmp -s "$T_TMP/m0.res" "$T_TMP/t0.res" || ! cmp -s "$T_TMP/m1.res" "$T_TMP/t0.res"; then
    t_fail "results differ with --memory 16K"
    diff "$T_TMP/m0.res" "$T_TMP/t0.res" | head -20 | sed 's/^/    | /'
fi

# The segment files themselves are the same bytes: before, how far the
# analysis thread had run ahead of a flush (timing) changed the order of a
# term's forms and added forms no document of the segment had.
t_begin index_threads_with_flushes_same_bytes
n=0
for f in "$T_TMP"/m0/seg-*.dps; do
    n=$((n + 1))
    cmp -s "$f" "$T_TMP/m1/$(basename "$f")" ||
        t_fail "$(basename "$f") differs between --threads 0 and 1"
done
[ "$n" -ge 2 ] || t_fail "expected several segments with --memory 16K, got $n"

# Where a flush falls must not depend on how far the analysis thread ran
# ahead: with Le Monde records and a small buffer, several builds with
# two threads give the segments of the build with one, byte for byte.
# (The size of the lexicon counted for a flush used to include the
# records the analysis thread had interned ahead.)
t_begin index_threads_flush_points_do_not_depend_on_timing
LM="$SHARED/lemonde2022.jsonl.gz"
if [ ! -r "$LM" ]; then
    t_skip "$LM absent"
else
    gzip -dc "$LM" | head -n 2000 >"$T_TMP/lm.jsonl"
    check_status 0 "$DEPECHE" index --quiet --threads 0 --memory 3M \
        "$T_TMP/lm0" "$T_TMP/lm.jsonl"
    n0=$(ls "$T_TMP"/lm0/seg-*.dps | wc -l)
    [ "$n0" -ge 3 ] || t_fail "expected several segments, got $n0"
    for k in 1 2 3; do
        check_status 0 "$DEPECHE" index --quiet --threads 1 --memory 3M \
            "$T_TMP/lm$k" "$T_TMP/lm.jsonl"
        for f in "$T_TMP"/lm0/seg-*.dps; do
            cmp -s "$f" "$T_TMP/lm$k/$(basename "$f")" ||
                t_fail "build $k with two threads: $(basename "$f") differs"
        done
        rm -rf "$T_TMP/lm$k"
    done
fi

t_begin index_threads_bad_value
for v in 2 -1 x ""; do
    check_status 2 "$DEPECHE" index --threads "$v" "$T_TMP/bad" sample/wire.jsonl
    check_contains "$T_TMP/err" "bad --threads"
done
check_status 2 "$DEPECHE" add "$T_TMP/bad" sample/wire.jsonl --threads
[ ! -e "$T_TMP/bad/MANIFEST" ] || t_fail "a usage error created an archive"

t_end
