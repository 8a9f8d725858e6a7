#!/usr/bin/python3
"""Groonga adapter of the peer benchmark (Debian's groonga-bin 13).

  adapter_groonga.py index CORPUS.jsonl DIR      W1: build DIR/db
  adapter_groonga.py query DIR QUERIES.tsv RUNS  W2+W3, JSON Lines on stdout

Both modes drive one long-lived `groonga DIR/db` process through its
standard input (one command per line, one JSON response per line).

Configuration, as a French user of Groonga (or Mroonga) would write it:
lexicon TokenBigram (Latin letters are grouped into whole words, not
bigrams) with NormalizerMySQLUnicodeCI from groonga-normalizer-mysql (case
and accent folding like MySQL's utf8_unicode_ci; Groonga 13's own NFKC
normalizers keep accents) and TokenFilterStem("algorithm", "french") from
groonga-token-filter-stem (Snowball French, applied to the folded words);
index column WITH_POSITION (phrases), built after the load (static index
construction, the fast path the manual advises for bulk loads).  Groonga
indexes a stored column, so the text is stored too (zstd-compressed) and
counts in the index size.  Elided articles are blanked before loading, as
for FTS5; punctuation marks are tokens of their own in Groonga and take a
position.  Ranking: scorer_tf_idf (Groonga has no BM25), sorted by -_score.
Per-month counts: drilldown on the month column (a reference to a Months
table), exact.  Latencies are measured in this client and so include the
pipe round trip and Groonga's JSON output.  The select cache is turned
off (cache_limit 0): repeated runs would otherwise be cache hits.
"""
import json, os, re, subprocess, sys, time

ELISION = re.compile(r"(?<!\w)(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldsnmtcj])['’]",
                     re.IGNORECASE)

SCHEMA = [
    "plugin_register normalizers/mysql",
    "plugin_register token_filters/stem",
    "table_create Months TABLE_HASH_KEY ShortText",
    "table_create Docs TABLE_HASH_KEY ShortText",
    "column_create Docs month COLUMN_SCALAR Months",
    "column_create Docs text COLUMN_SCALAR|COMPRESS_ZSTD LongText",
    "table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer TokenBigram"
    " --normalizer NormalizerMySQLUnicodeCI"
    " --token_filters 'TokenFilterStem(\"algorithm\", \"french\")'",
]
INDEX = "column_create Terms docs_text COLUMN_INDEX|WITH_POSITION Docs text"


class Groonga:
    def __init__(self, db, create=False):
        args = ["groonga"] + (["-n"] if create else []) + [db]
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, bufsize=1 << 16)

    def send(self, cmd, body=None):
        self.p.stdin.write(cmd.encode("utf-8") + b"\n")
        if body is not None:
            self.p.stdin.write(body)
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        res = json.loads(line)
        if res[0][0] != 0:
            raise RuntimeError("groonga: %s: %s" % (cmd[:80], res[0]))
        return res[1] if len(res) > 1 else None

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def do_index(corpus, path):
    os.makedirs(path, exist_ok=True)
    for f in os.listdir(path):
        os.remove(os.path.join(path, f))
    g = Groonga(os.path.join(path, "db"), create=True)
    for c in SCHEMA:
        g.send(c)
    batch = []

    def flush():
        body = ("[" + ",".join(batch) + "]\n").encode("utf-8")
        g.send("load --table Docs --columns '_key, month, text'", body)
        batch.clear()

    with open(corpus, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            batch.append(json.dumps([r["id"], r["date"][:7],
                                     ELISION.sub(" ", r["text"])],
                                    ensure_ascii=False))
            if len(batch) == 1000:
                flush()
    if batch:
        flush()
    g.send(INDEX)
    g.close()


def quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def translate(op, words):
    if op == "phrase":
        return '"%s"' % words
    if op == "or":
        return " OR ".join(words.split())
    return " ".join(words.split())          # Groonga's default is AND


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def timed(fn, runs):
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        res = fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return res, median(ts)


def do_query(path, qfile, runs):
    t0 = time.perf_counter()
    g = Groonga(os.path.join(path, "db"))
    # Groonga caches select results (100 entries by default): every run
    # after the warm-up would be a cache hit.  Off, as in the other engines.
    g.send("cache_limit 0")
    st = g.send("status")
    print(json.dumps({"engine": "groonga", "version": st.get("version"),
                      "open_ms": (time.perf_counter() - t0) * 1e3}))
    for line in open(qfile, encoding="utf-8"):
        cls, qid, op, words, w3 = line.rstrip("\n").split("\t")
        qs = translate(op, words)
        base = ("select Docs --match_columns 'scorer_tf_idf(text)' --query %s"
                % quote(qs))
        out = {"qid": qid, "class": cls, "query": qs}

        def top10():
            r = g.send(base + " --sort_keys -_score --limit 10"
                       " --output_columns _key")
            return [row[0] for row in r[0][2:]]

        def count():
            return g.send(base + " --limit 0 --output_columns _id")[0][0][0]

        def timeline():
            r = g.send(base + " --limit 0 --output_columns _id"
                       " --drilldown month --drilldown_limit -1"
                       " --drilldown_output_columns _key,_nsubrecs")
            return {k: n for k, n in sorted(r[1][2:])}

        out["top10"], out["search_ms"] = timed(top10, runs)
        out["count"], out["count_ms"] = timed(count, runs)
        if w3 == "1":
            out["months"], out["timeline_ms"] = timed(timeline, runs)
        print(json.dumps(out), flush=True)
    g.close()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "index":
        do_index(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "query":
        do_query(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("usage: adapter_groonga.py index CORPUS DIR | query DIR QUERIES RUNS")


if __name__ == "__main__":
    main()
