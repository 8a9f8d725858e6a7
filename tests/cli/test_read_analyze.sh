#!/bin/sh
# CLI tests of `depeche read` and `depeche analyze`: exact outputs on the
# bundled sample and on texts written here.
. "$(dirname "$0")/lib.sh"

t_begin analyze_elision_offsets_json
"$DEPECHE" analyze --lang fr --json "L’Élysée" >"$T_TMP/a.json"
check_eq "$(jq -s 'length' "$T_TMP/a.json")" 1 "token count"
check_eq "$(jq -r '.term' "$T_TMP/a.json")" elyse "term"
check_eq "$(jq -r '.start' "$T_TMP/a.json")" 4 "start offset after L’"
check_eq "$(jq -r '.surface' "$T_TMP/a.json")" "Élysée" "surface"

t_begin analyze_four_elysee_one_term
terms=$("$DEPECHE" analyze --lang fr --json "Élysée Elysée elysee ÉLYSÉE" | jq -r .term | sort -u)
check_eq "$terms" elyse "distinct terms"

t_begin analyze_csv_header_and_rows
"$DEPECHE" analyze --lang fr --csv "aujourd'hui" >"$T_TMP/a.csv"
check_eq "$(head -n 1 "$T_TMP/a.csv")" "pos,start,end,surface,form,term,flags" "header"
check_eq "$(wc -l <"$T_TMP/a.csv" | tr -d ' ')" 2 "one token row"
check_contains "$T_TMP/a.csv" "aujourd'hui"

t_begin analyze_usage_errors
check_status 2 "$DEPECHE" analyze
check_contains "$T_TMP/err" "no text given"
check_status 2 "$DEPECHE" analyze --bogus x
check_contains "$T_TMP/err" "unknown option '--bogus'"

t_begin analyze_detects_language
"$DEPECHE" analyze "Le président de la République a réuni le gouvernement ce matin à l'Elysée pour parler de la guerre." >"$T_TMP/d.txt"
check_eq "$(head -n 1 "$T_TMP/d.txt")" "language: fr (detected)" "detected language"

t_begin read_sample_records_and_dates
"$DEPECHE" read --json sample/depeches.txt >"$T_TMP/r.json" 2>"$T_TMP/r.err"
check_eq "$(grep -c '"id"' "$T_TMP/r.json")" 9 "records in depeches.txt"
check_eq "$(grep '"id"' "$T_TMP/r.json" | head -n 1 | jq -r .date)" 2022-01-12 "first date"
check_eq "$(grep '"id"' "$T_TMP/r.json" | sed -n 4p | jq -r .date_precision)" month "month precision kept"
check_eq "$(grep '"id"' "$T_TMP/r.json" | sed -n 9p | jq -r .date)" 2022 "year precision kept"
check_eq "$(grep '"id"' "$T_TMP/r.json" | sed -n 2p | jq -r .title)" \
    "Tensions à la frontière ukrainienne : l’Otan renforce sa présence en Roumanie" "title header"
check_eq "$(tail -n 1 "$T_TMP/r.json" | jq -r .summary.rejected)" 0 "nothing rejected"

t_begin read_sample_directory_all_formats
check_status 0 "$DEPECHE" read --quiet sample/
check_contains "$T_TMP/err" "14 records read, 0 rejected"

t_begin read_json_aliases_and_rfc2822
"$DEPECHE" read --json sample/wire.jsonl >"$T_TMP/w.json" 2>/dev/null
check_eq "$(sed -n 1p "$T_TMP/w.json" | jq -r .date)" "2022-02-24T06:15:00+01:00" "RFC 2822 date"
check_eq "$(sed -n 1p "$T_TMP/w.json" | jq -r .text | cut -c1-14)" "Russian forces" "maintext alias"
check_eq "$(sed -n 2p "$T_TMP/w.json" | jq -r .date)" "2022-02-28" "French long date"
check_eq "$(sed -n 2p "$T_TMP/w.json" | jq -r .text | cut -c1-10)" "Les forces" "content alias"

t_begin read_missing_file_reported
check_status 1 "$DEPECHE" read "$T_TMP/does-not-exist.jsonl"
check_contains "$T_TMP/err" "does-not-exist.jsonl"

t_begin read_bad_dates_reported_with_line
printf '{"id":"a","date":"2022-13-45","text":"x"}\n{"id":"b","date":"2022-01-02","text":"y"}\n{"id":"c","text":"z"}\n' >"$T_TMP/bad.jsonl"
check_status 1 "$DEPECHE" read --quiet "$T_TMP/bad.jsonl"
check_contains "$T_TMP/err" "bad.jsonl:1:"
check_contains "$T_TMP/err" "bad.jsonl:3"
check_contains "$T_TMP/err" "1 records read, 2 rejected"

t_begin read_reference_record
seed="$SHARED/seed/000_7dfaa709dec0236f.txt"
if [ -f "$seed" ]; then
    "$DEPECHE" read --json "$seed" >"$T_TMP/s.json" 2>/dev/null
    check_eq "$(grep -c '"id"' "$T_TMP/s.json")" 1 "one record"
    check_eq "$(head -n 1 "$T_TMP/s.json" | jq -r .date)" 2022-01 "date"
    check_eq "$(head -n 1 "$T_TMP/s.json" | jq -r .date_precision)" month "precision"
else
    t_skip "reference record absent ($seed): ../shared/corpora not beside the repository"
fi

t_end
