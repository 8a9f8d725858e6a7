#!/bin/sh
# bench/bench_index.sh -- indexing speed, peak memory and archive size.
# Never part of `make check`.
#
# Usage: bench/bench_index.sh [DEPECHE] [CORPUS] [MEMORY]
#   DEPECHE  the binary (default build/depeche)
#   CORPUS   default ../shared/corpora/lemonde2022.jsonl.gz; a 10x corpus
#            is made by bench/make_corpus_10x.sh
#   MEMORY   --memory for the writer (default: the library's, 256M)
# Prints: wall and CPU time, MB/s of text (title + body bytes, as counted
# by the writer) and of input JSON, peak RSS (/usr/bin/time -v), the
# archive's size as a percentage of the text, and the size of each
# section of the segment files (with python3, if installed).
DEPECHE=${1:-build/depeche}
CORPUS=${2:-../shared/corpora/lemonde2022.jsonl.gz}
MEM=${3:-}
if [ ! -f "$CORPUS" ]; then
    echo "bench_index: corpus $CORPUS not found; nothing to do"
    exit 0
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dp-bench-index.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
A="$TMP/archive"
case "$CORPUS" in
*.gz) json=$(zcat "$CORPUS" | wc -c) ;;
*.zst) json=$(zstd -dc "$CORPUS" | wc -c) ;;
*) json=$(wc -c <"$CORPUS") ;;
esac
sync
set -- index --quiet --json
[ -n "$MEM" ] && set -- "$@" --memory "$MEM"
/usr/bin/time -v "$DEPECHE" "$@" "$A" "$CORPUS" >"$TMP/summary.json" 2>"$TMP/time.txt"
status=$?
[ "$status" -le 1 ] || { echo "index failed ($status)"; tail "$TMP/time.txt"; exit 1; }
wall=$(awk -F': ' '/Elapsed/ { n = split($2, t, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$TMP/time.txt")
user=$(awk -F': ' '/User time/ { print $2 }' "$TMP/time.txt")
sys=$(awk -F': ' '/System time/ { print $2 }' "$TMP/time.txt")
rss=$(awk -F': ' '/Maximum resident/ { print $2 }' "$TMP/time.txt")
text=$(jq .text_bytes "$TMP/summary.json")
docs=$(jq .added "$TMP/summary.json")
bytes=$(du -sb "$A" | cut -f1)
echo "corpus      $CORPUS ($docs records, $json bytes of JSON, $text bytes of text)"
echo "command     $DEPECHE $* ARCHIVE CORPUS"
awk -v w="$wall" -v u="$user" -v s="$sys" -v t="$text" -v j="$json" -v r="$rss" \
    -v b="$bytes" 'BEGIN {
    printf "time        %.2f s wall, %.2f s user, %.2f s sys\n", w, u, s
    printf "speed       %.1f MB/s of text, %.1f MB/s of JSON (wall)\n", t / w / 1e6, j / w / 1e6
    printf "peak memory %.0f MB (max RSS)\n", r / 1024
    printf "archive     %.1f MB = %.1f%% of the text\n", b / 1e6, 100 * b / t }'
"$DEPECHE" stats "$A" | sed -n '2,5p'
command -v python3 >/dev/null 2>&1 || exit 0
python3 - "$A" "$text" <<'PY'
import glob, struct, sys
names = {1: 'META', 2: 'COLS', 3: 'SOURCES', 4: 'IDS', 5: 'DICT',
         6: 'DICTIDX', 7: 'POST', 8: 'POSTCRC', 9: 'STORE', 10: 'STOREIDX'}
tot = {}
for f in glob.glob(sys.argv[1] + '/seg-*.dps'):
    d = open(f, 'rb').read()
    toff, n, _ = struct.unpack_from('<QII', d, len(d) - 24)
    for i in range(n):
        sid, _, off, ln = struct.unpack_from('<IIQQ', d, toff + 24 * i)
        tot[names[sid]] = tot.get(names[sid], 0) + ln
text = float(sys.argv[2])
index = sum(v for k, v in tot.items() if not k.startswith('STORE'))
for k in sorted(tot, key=lambda k: -tot[k]):
    print("  %-9s %11d bytes %5.1f%% of text" % (k, tot[k], 100 * tot[k] / text))
print("  index without the document store: %.1f MB = %.1f%% of text"
      % (index / 1e6, 100 * index / text))
PY
