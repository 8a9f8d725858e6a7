#!/bin/sh
# Crash safety through the command: `depeche index` is killed (SIGKILL,
# via the DEPECHE_TEST_CRASH_AT hook) during flushes, merges, the segment
# fsync and each step of the manifest update, with a small --memory to
# force many flushes; after each kill the archive must open and hold
# exactly the documents of the last completed run.  tests/test_crash.c
# does the same 60 times in C, with random timings too.
. "$(dirname "$0")/lib.sh"
export DEPECHE_UNSAFE_NOSYNC=1
A="$T_TMP/arch"

batch() { # n: 120 records with ids n-0 .. n-119
    awk -v n="$1" 'BEGIN { for (i = 0; i < 120; i++)
        printf "{\"id\": \"%s-%d\", \"date\": \"2022-05-%02d\", \"text\": \"crashtest lot %s document %d sur la Roumanie\", \"lang\": \"fr\"}\n", n, i, 1 + i % 28, n, i }' >"$T_TMP/b.jsonl"
}

docs() { "$DEPECHE" stats --json "$A" 2>"$T_TMP/serr" | jq .documents; }

committed=0
n=0
for point in flush-terms:3 segment-fsync:7 merge-terms:1 merge-done:1 \
             manifest-write:1 manifest-rename:1 manifest-done:1; do
    n=$((n + 1))
    t_begin "kill_at_$point"
    batch "b$n"
    DEPECHE_TEST_CRASH_AT=$point "$DEPECHE" index --quiet --memory 24K "$A" \
        "$T_TMP/b.jsonl" >/dev/null 2>&1
    st=$?
    [ "$st" -eq 137 ] || t_fail "not killed (status $st)"
    got=$(docs)
    if [ "$got" = $((committed + 120)) ]; then
        committed=$got # killed after the commit point
    elif [ "$got" != "$committed" ]; then
        t_fail "after a kill at $point: '$got' documents, expected $committed or $((committed + 120)); $(cat "$T_TMP/serr")"
    fi
    # and a clean run of the same batch completes the commit
    "$DEPECHE" index --quiet --memory 24K "$A" "$T_TMP/b.jsonl" >/dev/null 2>&1 ||
        t_fail "clean rerun failed"
    committed=$((n * 120))
    check_eq "$(docs)" "$committed" "documents after the rerun"
done

t_begin no_garbage_left
"$DEPECHE" optimize "$A" >/dev/null 2>&1
check_eq "$(ls "$A" | grep -c -v -e LOCK -e MANIFEST)" 1 "one segment file"
check_eq "$(docs)" "$committed" "documents"

t_end
