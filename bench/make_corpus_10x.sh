#!/bin/sh
# bench/make_corpus_10x.sh -- a corpus ten times larger than Le Monde 2022,
# for scaling benchmarks: ten copies of it, copy k (1..10) with every year
# in its date fields shifted by -k (2022 -> 2021 .. 2012) and its ids made
# unique ("ID" -> "ID-k"), so that nothing is
# replaced.  Writes gzip'd JSON Lines to OUT, which must be outside the
# repository (under /tmp, say).  About 1.1 GB of JSON, 370 MB gzip'd.
#
# Usage: bench/make_corpus_10x.sh OUT.jsonl.gz [CORPUS]
OUT=${1:?usage: make_corpus_10x.sh OUT.jsonl.gz [CORPUS]}
CORPUS=${2:-../shared/corpora/lemonde2022.jsonl.gz}
case "$(cd "$(dirname "$OUT")" 2>/dev/null && pwd)" in
"$(pwd)"|"$(pwd)"/*) echo "make_corpus_10x: write outside the repository"; exit 2 ;;
esac
[ -f "$CORPUS" ] || { echo "make_corpus_10x: no $CORPUS"; exit 1; }
for k in 1 2 3 4 5 6 7 8 9 10; do
    zcat "$CORPUS" | awk -v k="$k" '
    function shift(line, key,    i, y) {
        i = index(line, "\"" key "\": \"")
        if (i == 0) return line
        i += length(key) + 5
        y = substr(line, i, 4)
        if (y !~ /^[0-9][0-9][0-9][0-9]$/) return line
        return substr(line, 1, i - 1) sprintf("%04d", y - k) substr(line, i + 4)
    }
    {
        line = shift($0, "date")
        line = shift(line, "datetime")
        i = index(line, "\"id\": \"")
        if (i > 0) {
            j = index(substr(line, i + 7), "\"")
            line = substr(line, 1, i + 6 + j - 1) "-" k substr(line, i + 6 + j)
        }
        print line
    }'
done | gzip -1 >"$OUT"
echo "wrote $OUT: $(zcat "$OUT" | wc -l) records"
