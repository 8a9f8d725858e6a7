#!/bin/sh
# make demo: show depeche on the bundled sample (sample/), step by step.
# Usage: scripts/demo.sh path/to/depeche
set -e
DEPECHE=${1:-build/depeche}
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }

step "How a French sentence becomes terms" \
     "depeche analyze \"L’Elysée et les Etats-Unis : a-t-il parlé aujourd'hui ?\""
"$DEPECHE" analyze "L’Elysée et les Etats-Unis : a-t-il parlé aujourd'hui ?"

step "Reading the sample: plain-text records, JSON Lines and CSV" \
     "depeche read sample/"
"$DEPECHE" read sample/ || true

if "$DEPECHE" index --help >/dev/null 2>&1; then
    ARCHIVE=${DEMO_ARCHIVE:-build/demo-archive}
    rm -rf "$ARCHIVE"
    step "Indexing the sample" "depeche index $ARCHIVE sample/"
    "$DEPECHE" index "$ARCHIVE" sample/ || true
    step "Archive statistics" "depeche stats $ARCHIVE"
    "$DEPECHE" stats "$ARCHIVE"
    step "Ranked search with snippets" "depeche search $ARCHIVE 'otan roumanie'"
    "$DEPECHE" search "$ARCHIVE" 'otan roumanie'
    step "Coverage by month, with the share of all documents" \
         "depeche timeline $ARCHIVE 'ukraine OR ukrainien' --by month"
    "$DEPECHE" timeline "$ARCHIVE" 'ukraine OR ukrainien' --by month
    step "Every occurrence in context (concordance)" "depeche kwic $ARCHIVE otan"
    "$DEPECHE" kwic "$ARCHIVE" otan
    step "What characterises February 2022 against the rest" \
         "depeche terms $ARCHIVE --date 2022-02 --limit 8"
    "$DEPECHE" terms "$ARCHIVE" --date 2022-02 --limit 8
fi
