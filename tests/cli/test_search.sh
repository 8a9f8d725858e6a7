#!/bin/sh
# CLI tests of `depeche search`, `show` and `timeline`: table, --json and
# --csv output, paging, sorting, counts, precise timelines (day unknown
# rows, empty periods), and errors (syntax with column, missing id, bad
# options).  Records are written here; their expected results are worked
# out by hand.
. "$(dirname "$0")/lib.sh"
export DEPECHE_UNSAFE_NOSYNC=1
A="$T_TMP/arch"

cat >"$T_TMP/c.jsonl" <<'JSON'
{"id": "d1", "date": "2022-01-10", "lang": "fr", "title": "Macron appelle Poutine", "text": "Le président Macron a appelé Vladimir Poutine au sujet de l'Ukraine.", "source": "lemonde"}
{"id": "d2", "date": "2022-01-20", "lang": "fr", "title": "Marché du blé", "text": "Les prix du blé montent. Le pain coûte cher.", "source": "afp"}
{"id": "d3", "date": "2022-03-03", "lang": "fr", "title": "Guerre en Ukraine", "text": "L'armée russe entre en Ukraine. Poutine menace. Les Etats-Unis réagissent.", "source": "lemonde"}
{"id": "d4", "date": "2022-01", "lang": "fr", "title": "Bilan de janvier", "text": "Macron et Poutine se sont parlé plusieurs fois en janvier.", "source": "afp"}
{"id": "d5", "date": "2021", "lang": "fr", "title": "Rétrospective", "text": "Une année de présidence Macron.", "source": "afp"}
JSON

if ! "$DEPECHE" index "$A" "$T_TMP/c.jsonl" >/dev/null 2>&1; then
    t_skip "depeche index is not available in this build"
    t_end
    exit $?
fi

t_begin search_table
check_status 0 "$DEPECHE" search "$A" "macron poutine"
check_contains "$T_TMP/out" "d1"
check_contains "$T_TMP/out" "d4"
check_not_contains "$T_TMP/out" "d3"
check_contains "$T_TMP/out" "1-2 of 2 matching documents"
# not a terminal: marks are [brackets]
check_contains "$T_TMP/out" "[Poutine]"

t_begin search_no_total
# the same top hits; the total is then a lower bound, and says so
check_status 0 "$DEPECHE" search "$A" "macron poutine" --no-total
check_contains "$T_TMP/out" "d1"
check_contains "$T_TMP/out" "d4"
check_contains "$T_TMP/out" "1-2 of at least 2 matching documents"
check_status 0 "$DEPECHE" search "$A" "macron" --no-total --limit 1 --json
check_eq "$(wc -l <"$T_TMP/out" | tr -d ' ')" "1" "one hit"
# --limit 0 asks for the total only: it is counted, not "at least 0"
check_status 0 "$DEPECHE" search "$A" "macron" --no-total --limit 0
check_eq "$(cat "$T_TMP/out")" "3 matching documents" "total only"

t_begin search_json
check_status 0 "$DEPECHE" search "$A" "poutine" --json --sort date
check_eq "$(wc -l <"$T_TMP/out" | tr -d ' ')" "3" "json lines"
check_eq "$(head -1 "$T_TMP/out" | jq -r .id)" "d4" "oldest first (2022-01 starts Jan 1)"
check_eq "$(sed -n 3p "$T_TMP/out" | jq -r .id)" "d3" "newest last"
# highlights are byte offsets into the snippet that cover the word
check_eq "$(sed -n 3p "$T_TMP/out" | jq -r '.highlights[0] | map(tostring) | join(" ")')" "33 40" "offsets (bytes: é is 2)"
check_eq "$(sed -n 3p "$T_TMP/out" | jq -r '.highlights | length')" "1" "one mark"
check_eq "$(sed -n 3p "$T_TMP/out" | jq -r '.title')" "Guerre en Ukraine" "title"

t_begin search_sort_desc_and_paging
check_status 0 "$DEPECHE" search "$A" "poutine" --json --sort -date --limit 1 --offset 1
check_eq "$(jq -r .id "$T_TMP/out")" "d1" "second newest"
check_status 0 "$DEPECHE" search "$A" "poutine" --json --sort date-desc --limit 1
check_eq "$(jq -r .id "$T_TMP/out")" "d3" "newest"

t_begin search_csv
check_status 0 "$DEPECHE" search "$A" "blé" --csv
check_eq "$(head -1 "$T_TMP/out")" "rank,id,date,score,title,snippet" "header"
check_contains "$T_TMP/out" "1,d2,2022-01-20,"

t_begin search_count
check_status 0 "$DEPECHE" search "$A" "macron" --count
check_eq "$(cat "$T_TMP/out")" "3" "count (d1, d4, d5)"
check_status 0 "$DEPECHE" search "$A" "macron date:2022-01" --count
check_eq "$(cat "$T_TMP/out")" "2" "month range: d1 and the month-precise d4"
check_status 0 "$DEPECHE" search "$A" "macron date:2022-01-05..2022-01-31" --count
check_eq "$(cat "$T_TMP/out")" "1" "d4 (whole January) is not inside Jan 5..31"
check_status 0 "$DEPECHE" search "$A" "macron -date:2022" --count
check_eq "$(cat "$T_TMP/out")" "1" "only d5 (2021)"
check_status 0 "$DEPECHE" search "$A" "source:afp macron" --count
check_eq "$(cat "$T_TMP/out")" "2" "source"
check_status 0 "$DEPECHE" search "$A" "title:poutine" --count
check_eq "$(cat "$T_TMP/out")" "1" "title"
check_status 0 "$DEPECHE" search "$A" '"russe entre"' --count
check_eq "$(cat "$T_TMP/out")" "1" "phrase"
check_status 0 "$DEPECHE" search "$A" "macron NEAR/2 poutine" --count
check_eq "$(cat "$T_TMP/out")" "2" "near (d1 title, d4 text)"
check_status 0 "$DEPECHE" search "$A" "macron NEAR/1 poutine" --count
check_eq "$(cat "$T_TMP/out")" "0" "near/1: 'Macron et Poutine' is 2 apart"
check_status 0 "$DEPECHE" search "$A" "présid*" --count
check_eq "$(cat "$T_TMP/out")" "2" "prefix"

t_begin search_syntax_errors
check_status 2 "$DEPECHE" search "$A" "macron AND (poutine"
check_contains "$T_TMP/err" "column 20: expected ')' to close '(' opened at column 12"
check_status 2 "$DEPECHE" search "$A" "date:2022-13"
check_contains "$T_TMP/err" "column 6: invalid date '2022-13': month out of range"
check_status 2 "$DEPECHE" search "$A" '"macron'
check_contains "$T_TMP/err" "column 8: expected '\"' to close the phrase opened at column 1"
check_status 2 "$DEPECHE" search "$A" "OR"
check_contains "$T_TMP/err" "column 1: expected a term before 'OR'"
check_status 2 "$DEPECHE" search "$A" ""
check_contains "$T_TMP/err" "column 1: empty query"
check_status 2 "$DEPECHE" search "$A" "x" --sort sideways
check_status 2 "$DEPECHE" search "$A"
check_status 1 "$DEPECHE" search "$T_TMP/nope" "macron"

t_begin show
check_status 0 "$DEPECHE" show "$A" d3
check_contains "$T_TMP/out" "Guerre en Ukraine"
check_contains "$T_TMP/out" "2022-03-03"
check_status 0 "$DEPECHE" show "$A" d4 --json
check_eq "$(jq -r .date "$T_TMP/out")" "2022-01" "month precision kept"
check_eq "$(jq -r .source "$T_TMP/out")" "afp" "source"
check_status 0 "$DEPECHE" show "$A" d2 --csv
check_eq "$(head -1 "$T_TMP/out")" "id,date,title,source,url,lang,text" "csv header"
check_status 1 "$DEPECHE" show "$A" nope
check_contains "$T_TMP/err" "no document with id 'nope'"

t_begin timeline_month
check_status 0 "$DEPECHE" timeline "$A" "poutine" --by month --csv
check_eq "$(cat "$T_TMP/out" | tr '\n' ' ')" "period,count,total,share 2021-01,0,0,0.000000 2021-02,0,0,0.000000 2021-03,0,0,0.000000 2021-04,0,0,0.000000 2021-05,0,0,0.000000 2021-06,0,0,0.000000 2021-07,0,0,0.000000 2021-08,0,0,0.000000 2021-09,0,0,0.000000 2021-10,0,0,0.000000 2021-11,0,0,0.000000 2021-12,0,0,0.000000 2021-??,0,1,0.000000 2022-01,2,3,0.666667 2022-02,0,0,0.000000 2022-03,1,1,1.000000 " "rows"

t_begin timeline_day_unknown
check_status 0 "$DEPECHE" timeline "$A" "macron date:2022" --by day --json
check_contains "$T_TMP/out" '{"period": "2022-01-10", "count": 1, "total": 1, "share": 1.000000}'
check_contains "$T_TMP/out" '{"period": "2022-01-??", "count": 1, "total": 1, "share": 1.000000}'
check_contains "$T_TMP/out" '{"period": "2022-01-11", "count": 0, "total": 0, "share": 0.000000}'
check_not_contains "$T_TMP/out" '{"period": "2022-01-01", "count": 1'
# a daily timeline of the year 2022 lists its 365 days, plus January's
# "day unknown" row
check_eq "$(wc -l <"$T_TMP/out" | tr -d ' ')" "366" "rows"
check_eq "$(sed -n 32p "$T_TMP/out" | jq -r .period)" "2022-01-??" "after Jan 31"

t_begin timeline_week_year_table
check_status 0 "$DEPECHE" timeline "$A" "poutine" --by week
check_contains "$T_TMP/out" "2022-W02"
check_contains "$T_TMP/out" "2022-01-W??"
check_status 0 "$DEPECHE" timeline "$A" "macron" --by year --json
check_contains "$T_TMP/out" '{"period": "2021", "count": 1, "total": 1, "share": 1.000000}'
check_contains "$T_TMP/out" '{"period": "2022", "count": 2, "total": 4, "share": 0.500000}'
check_status 2 "$DEPECHE" timeline "$A" "macron" --by fortnight
check_status 2 "$DEPECHE" timeline "$A" "(macron"
check_contains "$T_TMP/err" "column 8: expected ')' to close '(' opened at column 1"

t_begin exact_forms_in_phrases
# sample/ has "armes" twice (one document: "des armes"), never "arme".
"$DEPECHE" index "$T_TMP/sample" sample/ >/dev/null 2>&1
for pair in 'armes:2' '=armes:1' '=arme:0' '"des armes":1' '"des =arme":0' \
            '"=des =armes":1' '="des armes":1' '="des arme":0'; do
    q=${pair%:*}; want=${pair##*:}
    check_eq "$("$DEPECHE" search "$T_TMP/sample" "$q" --count)" "$want" "count of $q"
done

t_end
