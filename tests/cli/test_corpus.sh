#!/bin/sh
# CLI tests of `depeche kwic`, `terms`, `cooc` and `freq`: output formats
# (table, JSON Lines, CSV), exact values on records written here, and
# usage errors.  The numbers are worked out in tests/test_corpus.c and
# docs/analysis.md ("Corpus analyses").
. "$(dirname "$0")/lib.sh"
export DEPECHE_UNSAFE_NOSYNC=1
A="$T_TMP/arch"

cat >"$T_TMP/c.jsonl" <<'JSON'
{"id": "d1", "date": "2022-01-10", "lang": "fr", "title": "Le chat noir", "text": "Le chat dort. Le chien aboie près du chat."}
{"id": "d2", "date": "2022-01-20", "lang": "fr", "title": "Marché", "text": "Les prix montent. Le pain coûte cher."}
{"id": "d3", "date": "2022-02-03", "lang": "fr", "title": "Guerre en Ukraine", "text": "L'armée russe entre en Ukraine. Kiev résiste. Les Etats-Unis réagissent."}
{"id": "d4", "date": "2022-02-15", "lang": "fr", "title": "", "text": "L'Ukraine demande des armes. Le chat de Kiev est célèbre! La guerre continue."}
{"id": "d5", "date": "2022-02", "lang": "fr", "title": "", "text": "Ukraine, Ukraine, Ukraine. Guerre et paix."}
{"id": "d6", "date": "2022-03-01", "lang": "fr", "title": "Paix", "text": "Le pain et le chat.\nLa paix revient ?"}
{"id": "d7", "date": "2022", "lang": "fr", "title": "", "text": "Bilan de l'année : guerre, prix, pain."}
JSON

if ! "$DEPECHE" index "$A" "$T_TMP/c.jsonl" >/dev/null 2>&1; then
    t_skip "depeche index is not available in this build"
    t_end
    exit $?
fi

t_begin kwic_json_every_occurrence
check_status 0 "$DEPECHE" kwic --json --width 2w "$A" chat
check_eq "$(wc -l <"$T_TMP/out" | tr -d ' ')" 5 "occurrences"
check_eq "$(sed -n 1p "$T_TMP/out" | jq -r '.left + "[" + .match + "]" + .right')" "Le [chat] noir" "title line"
check_eq "$(sed -n 1p "$T_TMP/out" | jq -r .field)" title "field"
check_eq "$(sed -n 4p "$T_TMP/out" | jq -r '.id + " " + .date + " " + .left + "[" + .match + "]" + .right')" \
    "d4 2022-02-15 armes. Le [chat] de Kiev" "line 4"

t_begin kwic_sort_left_csv_paging
check_status 0 "$DEPECHE" kwic --csv --sort left --width 1w --offset 1 --limit 2 "$A" chat
check_eq "$(head -n 1 "$T_TMP/out")" "rank,id,date,left,match,right,field,start,end" "header"
check_eq "$(wc -l <"$T_TMP/out" | tr -d ' ')" 3 "two lines after the header"
check_eq "$(sed -n 2p "$T_TMP/out")" "2,d1,2022-01-10,Le ,chat, noir,title,3,7" "first line of the page (rank 2)"

t_begin kwic_table_phrase_and_total
check_status 0 "$DEPECHE" kwic --width 6 "$A" '"chat de kiev"'
check_contains "$T_TMP/out" "d4               2022-02-15 s. Le [chat de Kiev] est c"
check_contains "$T_TMP/err" "1 occurrences"

t_begin kwic_errors
check_status 2 "$DEPECHE" kwic "$A"
check_contains "$T_TMP/err" "an archive and a query are needed"
check_status 2 "$DEPECHE" kwic "$A" 'chat AND ('
check_contains "$T_TMP/err" "column"
check_status 2 "$DEPECHE" kwic "$A" 'date:2022-01'
check_contains "$T_TMP/err" "no word"
check_status 2 "$DEPECHE" kwic --sort sideways "$A" chat
check_status 1 "$DEPECHE" kwic "$T_TMP/nowhere" chat
check_contains "$T_TMP/err" "cannot open archive"

t_begin terms_date_json
check_status 0 "$DEPECHE" terms --json --date 2022-02 --limit 3 "$A"
check_eq "$(sed -n 1p "$T_TMP/out" | jq -r '.term + " " + .form + " " + (.freq|tostring) + " " + (.ref_freq|tostring) + " " + (.df|tostring)')" \
    "ukrain ukraine 6 0 3" "top term of February"
check_eq "$(jq -r .sign "$T_TMP/out" | sort -u)" 1 "over-used only"
check_not_contains "$T_TMP/out" '"term": "le"'

t_begin terms_per_period_csv
check_status 0 "$DEPECHE" terms --csv --per-period month --limit 1 "$A"
check_eq "$(head -n 1 "$T_TMP/out")" "period,rank,term,form,freq,expected,ref_freq,df,ref_df,llr,spec,sign" "header"
check_eq "$(tail -n +2 "$T_TMP/out" | cut -d, -f1 | tr '\n' ' ')" "2022-01 2022-02 2022-03 " "one row per month"

t_begin terms_against_and_table
check_status 0 "$DEPECHE" terms --date 2022-02 --against 2022-01 --keep-stopwords "$A"
check_contains "$T_TMP/out" "part: 3 documents"
check_contains "$T_TMP/out" "reference: 2 documents"

t_begin terms_errors
check_status 2 "$DEPECHE" terms "$A"
check_contains "$T_TMP/err" "choose a part"
check_status 2 "$DEPECHE" terms --per-period fortnight "$A"
check_status 2 "$DEPECHE" terms --per-period month --against 2022-01 "$A"

t_begin cooc_window_json
check_status 0 "$DEPECHE" cooc --json --window 2 --min-freq 1 --keep-stopwords "$A" kiev
check_eq "$(wc -l <"$T_TMP/out" | tr -d ' ')" 5 "collocates"
check_eq "$(jq -r 'select(.term == "chat") | "\(.cooc) \(.freq)"' "$T_TMP/out")" "1 5" "chat: O11 and C1"
check_status 0 "$DEPECHE" cooc --min-freq 1 "$A" kiev
check_contains "$T_TMP/out" "2 documents, 2 occurrences, 6 tokens in the windows (R1)"

t_begin freq_terms_and_bigrams
check_status 0 "$DEPECHE" freq --csv --limit 2 "$A"
check_eq "$(sed -n 2p "$T_TMP/out")" "1,ukrain,ukraine,6,3" "top term"
check_status 0 "$DEPECHE" freq --json --ngram 2 --keep-stopwords "$A"
check_eq "$(jq -r 'select(.term == "le chat") | "\(.freq) \(.df)"' "$T_TMP/out")" "4 3" "le chat"
check_status 0 "$DEPECHE" freq --json "$A" guerre
check_eq "$(jq -r 'select(.term == "guerr") | "\(.freq) \(.df)"' "$T_TMP/out")" "4 4" "guerre in its own documents"
check_status 2 "$DEPECHE" freq --ngram 9 "$A"

t_end
