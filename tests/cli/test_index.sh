#!/bin/sh
# CLI tests of `depeche index`/`add`, `stats`, `delete` and `optimize`:
# exact counts on records written here, rejected records reported with
# file:line, replacement by id, the writer lock, the memory limit.
. "$(dirname "$0")/lib.sh"
export DEPECHE_UNSAFE_NOSYNC=1 # throw-away archives: no fsync needed
A="$T_TMP/arch"

cat >"$T_TMP/a.jsonl" <<'JSON'
{"id": "a1", "date": "2022-01-28", "title": "Macron appelle Poutine", "text": "Le président Macron a appelé Vladimir Poutine.", "source": "lemonde.fr", "lang": "fr"}
{"id": "a2", "date": "2022-02", "title": "Otan", "text": "L'Otan renforce sa présence en Roumanie.", "source": "lemonde.fr", "lang": "fr"}
{"id": "a3", "title": "pas de date", "text": "Ce document n'a pas de date."}
{"id": "a1", "date": "2022-01-29", "title": "Macron appelle Poutine (mis à jour)", "text": "Nouvelle version.", "source": "lemonde.fr", "lang": "fr"}
{"id": "a4", "date": "2021", "text": "The Kremlin denies any plan to invade Ukraine.", "source": "bbc.co.uk", "lang": "en"}
JSON

t_begin index_reports_rejects_and_replacements
check_status 1 "$DEPECHE" index "$A" "$T_TMP/a.jsonl"
check_contains "$T_TMP/err" "a.jsonl:3: rejected: date-missing"
check_contains "$T_TMP/out" "added 4 documents (1 replaced an older version), rejected 1"
check_contains "$T_TMP/out" "rejected date-missing     1"

t_begin stats_json_counts
check_status 0 "$DEPECHE" stats --json "$A"
check_eq "$(jq .documents "$T_TMP/out")" 3 "documents"
check_eq "$(jq .deleted "$T_TMP/out")" 0 "deleted (the replaced a1 never reached a segment)"
check_eq "$(jq .segments "$T_TMP/out")" 1 "segments"
check_eq "$(jq -r .date_min "$T_TMP/out")" 2021 "date_min"
check_eq "$(jq -r .date_max "$T_TMP/out")" 2022-02 "date_max"
check_eq "$(jq .sources "$T_TMP/out")" 2 "sources"
check_eq "$(jq -c .languages "$T_TMP/out")" '{"fr":2,"en":1}' "languages"

t_begin stats_table
check_status 0 "$DEPECHE" stats "$A"
check_contains "$T_TMP/out" "documents   3"
check_contains "$T_TMP/out" "dates       2021 .. 2022-02"

t_begin add_json_summary
printf '%s\n' '{"id": "b1", "date": "2022-03-01", "text": "Un autre article."}' >"$T_TMP/b.jsonl"
check_status 0 "$DEPECHE" add --json "$A" "$T_TMP/b.jsonl"
check_eq "$(jq .added "$T_TMP/out")" 1 "added"
check_eq "$(jq .rejected "$T_TMP/out")" 0 "rejected"
check_eq "$("$DEPECHE" stats --json "$A" | jq .documents)" 4 "documents after add"

t_begin delete_by_id
check_status 0 "$DEPECHE" delete "$A" a2
check_contains "$T_TMP/out" "deleted 1 documents"
"$DEPECHE" stats "$A" >"$T_TMP/s.txt"
check_contains "$T_TMP/s.txt" "documents   3 (+1 deleted, not yet merged away)"
check_status 1 "$DEPECHE" delete "$A" a2 nosuch
check_contains "$T_TMP/err" "a2: no such document"
check_contains "$T_TMP/err" "nosuch: no such document"
check_eq "$("$DEPECHE" stats --json "$A" | jq .documents)" 3 "documents after delete"

t_begin optimize_merges_into_one
check_status 0 "$DEPECHE" optimize "$A"
check_contains "$T_TMP/out" "3 documents in 1 segment(s)"
"$DEPECHE" stats --json "$A" >"$T_TMP/s.json"
check_eq "$(jq .segments "$T_TMP/s.json")" 1 "segments"
check_eq "$(jq .deleted "$T_TMP/s.json")" 0 "deleted"
check_eq "$(ls "$A" | sort | tr '\n' ' ')" "LOCK MANIFEST seg-000000000004.dps " "files left"

t_begin second_writer_is_busy
# hold the lock from another process (flock(1)), then release it
( flock 9 && exec sleep 30 ) 9>"$A/LOCK" &
HOLDER=$!
i=0
while [ "$i" -lt 50 ] && flock -n "$A/LOCK" true; do sleep 0.05; i=$((i + 1)); done
check_status 1 "$DEPECHE" add "$A" "$T_TMP/b.jsonl"
check_contains "$T_TMP/err" "being written by another process"
check_status 1 "$DEPECHE" delete "$A" b1
check_contains "$T_TMP/err" "LOCK"
check_status 1 "$DEPECHE" optimize "$A"
# readers are not blocked
check_status 0 "$DEPECHE" stats "$A"
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null
check_status 0 "$DEPECHE" add "$A" "$T_TMP/b.jsonl"

t_begin memory_limit_flushes_segments
awk 'BEGIN { for (i = 0; i < 400; i++)
    printf "{\"id\": \"m%d\", \"date\": \"2022-%02d-01\", \"text\": \"article %d sur la Roumanie et l Otan, numero %d\"}\n", i, 1 + i % 12, i, i }' >"$T_TMP/m.jsonl"
check_status 0 "$DEPECHE" index --memory 40K --json "$T_TMP/m" "$T_TMP/m.jsonl"
segs=$(jq .segments_written "$T_TMP/out")
[ "$segs" -gt 5 ] || t_fail "only $segs segments written"
"$DEPECHE" stats --json "$T_TMP/m" >"$T_TMP/s.json"
check_eq "$(jq .documents "$T_TMP/s.json")" 400 "documents"
[ "$(jq .segments "$T_TMP/s.json")" -lt 20 ] || t_fail "too many segments"

t_begin usage_errors
check_status 2 "$DEPECHE" index "$A"
check_contains "$T_TMP/err" "need an archive and at least one input"
check_status 2 "$DEPECHE" index --memory 12Q "$A" "$T_TMP/b.jsonl"
check_contains "$T_TMP/err" "bad --memory"
check_status 1 "$DEPECHE" stats "$T_TMP/nothing-here"
check_contains "$T_TMP/err" "not a depeche archive"
check_status 2 "$DEPECHE" delete "$A"

t_begin wikinews_corpus
W="$SHARED/wikinews-fr-100.jsonl"
if [ -f "$W" ]; then
    check_status 1 "$DEPECHE" index "$T_TMP/w" "$W"
    check_contains "$T_TMP/out" "added 97 documents"
    check_eq "$(grep -c 'rejected: date-missing' "$T_TMP/err")" 3 "rejects"
    check_eq "$("$DEPECHE" stats --json "$T_TMP/w" | jq .documents)" 97 "documents"
else
    t_skip "no $W"
fi

t_begin document_over_the_frequency_limit_rejected_alone
# 2^24 + 10 words: more than a 24-bit frequency holds.  That record is
# rejected with a reason; the record after it is indexed.
{ printf '{"id":"big","date":"2022-01-01","text":"'
  yes z | head -n 16777226 | tr '\n' ' '
  printf '"}\n{"id":"ok","date":"2022-01-02","text":"bonjour le monde"}\n'
} >"$T_TMP/big.jsonl"
check_status 1 "$DEPECHE" index "$T_TMP/big" "$T_TMP/big.jsonl"
check_contains "$T_TMP/out" "added 1 documents"
check_contains "$T_TMP/err" "big.jsonl:1: rejected: document of 16777226 words"
check_eq "$("$DEPECHE" search "$T_TMP/big" bonjour --count)" 1 "the next record"
rm -f "$T_TMP/big.jsonl"

t_end
