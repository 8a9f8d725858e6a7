#!/usr/bin/python3
"""depeche adapter of the peer benchmark.

  adapter_depeche.py DEPECHE index CORPUS.jsonl DIR      W1
  adapter_depeche.py DEPECHE query DIR QUERIES.tsv RUNS  W2+W3, JSON Lines

W1 runs `depeche index [--threads N] DIR/archive CORPUS.jsonl` (run.sh
times it with /usr/bin/time like every peer); N comes from the
environment variable DEPECHE_INDEX_THREADS (run.sh: 0, i.e. one thread in
all, when the binary has the option; empty: the binary's default).

W2/W3 prefer a long-lived process, so that start-up is excluded as for
the peers.  First choice: the compiled adapter adapter_depeche.c, which
links libdepeche and answers the whole query file in one process; run.sh
builds it into $BENCH_TMP/bin and names it in the environment variable
DEPECHE_ADAPTER; the adapter then runs

    $DEPECHE_ADAPTER query DIR QUERIES.tsv RUNS

Second choice, a batch mode of the binary: if `depeche bench-queries
--help` succeeds, the adapter runs

    depeche bench-queries ARCHIVE QUERIES.tsv RUNS

which must open the archive once, then for each line of QUERIES.tsv
(class, qid, op in word|and|or|phrase, words separated by spaces, w3 flag)
print one JSON object per line in the shape every adapter prints (see
docs/bench-peers.md): qid, class, query, top10 (ids), search_ms (median
of RUNS timed runs after one warm-up), count (exact), count_ms, and when
w3 is 1, months ({"YYYY-MM": n}) and timeline_ms; for phrases also
count_exact, the count of the unstemmed phrase (="a b").  The first
line may be a header object {"engine":"depeche","version":...,
"open_ms":...}.  (No such subcommand exists today: adapter_depeche.c
does this job without adding a user-facing command.)

Without either it falls back to one CLI process per query (`depeche
search ... --json`, `--count`, `depeche timeline ... --by month --json`):
latencies then include process start and archive open, the header says
"mode": "cli", and report.py marks depeche's W2/W3 as not comparable.
"""
import json, os, shutil, subprocess, sys, time


def translate(op, words):
    if op == "phrase":
        return '"%s"' % words
    if op == "or":
        return " OR ".join(words.split())
    return " AND ".join(words.split())


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s (exit %d): %s" % (" ".join(cmd[:2] + ["..."] + cmd[4:]),
                                        p.returncode, p.stderr.strip()[:300]))
    out = p.stdout.strip()
    try:
        return json.loads(out)
    except ValueError:
        # JSON Lines, or a bare number for --count
        lines = [json.loads(l) for l in out.splitlines() if l.strip()]
        return lines if len(lines) != 1 else lines[0]


def find(obj, keys):
    """First value under one of keys, searching nested dicts."""
    if isinstance(obj, dict):
        for k in keys:
            if k in obj:
                return obj[k]
        for v in obj.values():
            r = find(v, keys)
            if r is not None:
                return r
    return None


def ids_of(res):
    if isinstance(res, dict) and "id" in res:
        res = [res]                  # one hit: one JSON line, not a list
    hits = res if isinstance(res, list) else find(res, ("results", "hits", "documents", "docs"))
    out = []
    for h in hits or []:
        if isinstance(h, dict):
            out.append(h.get("id") or h.get("doc_id") or h.get("key"))
    return out[:10]


def count_of(res):
    if isinstance(res, (int, float)):
        return int(res)
    v = find(res, ("count", "total", "matches", "total_count"))
    return int(v) if v is not None else None


def months_of(res):
    if isinstance(res, dict) and "period" in res:
        res = [res]                  # one period: one JSON line
    rows = res if isinstance(res, list) else find(res, ("buckets", "periods", "timeline", "rows"))
    out = {}
    for r in rows or []:
        if isinstance(r, dict):
            p = r.get("period") or r.get("month") or r.get("key") or r.get("date")
            n = r.get("count", r.get("n", r.get("docs")))
            if p and n:
                out[str(p)[:7]] = int(n)
    return out


def timed(fn, runs):
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        res = fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return res, median(ts)


def do_index(dp, corpus, path):
    arch = os.path.join(path, "archive")
    shutil.rmtree(arch, ignore_errors=True)
    os.makedirs(path, exist_ok=True)
    # W1 asks for one indexing thread: run.sh sets DEPECHE_INDEX_THREADS
    # to 0 (analysis in the calling thread) when the binary has --threads,
    # and leaves it empty for the default (two threads) variant.
    threads = os.environ.get("DEPECHE_INDEX_THREADS", "")
    opts = ["--threads", threads] if threads else []
    p = subprocess.run([dp, "index"] + opts + [arch, corpus],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        sys.exit("depeche index failed (exit %d): %s"
                 % (p.returncode, p.stderr.strip()[-300:]))


def do_query(dp, path, qfile, runs):
    arch = os.path.join(path, "archive")
    lib = os.environ.get("DEPECHE_ADAPTER", "")
    if lib and os.access(lib, os.X_OK):
        sys.stdout.flush()
        os.execv(lib, [lib, "query", path, qfile, str(runs)])
    batch = subprocess.run([dp, "bench-queries", "--help"],
                           capture_output=True).returncode == 0
    if batch:
        sys.stdout.flush()
        os.execv(dp, [dp, "bench-queries", arch, qfile, str(runs)])
    print(json.dumps({"engine": "depeche", "mode": "cli",
                      "note": "one process per query: latencies include "
                              "process start and archive open"}), flush=True)
    for line in open(qfile, encoding="utf-8"):
        cls, qid, op, words, w3 = line.rstrip("\n").split("\t")
        qs = translate(op, words)
        out = {"qid": qid, "class": cls, "query": qs}
        res, out["search_ms"] = timed(
            lambda: run_json([dp, "search", arch, qs, "--limit", "10",
                              "--json"]), runs)
        out["top10"] = ids_of(res)
        res, out["count_ms"] = timed(
            lambda: run_json([dp, "search", arch, qs, "--count", "--json"]), runs)
        out["count"] = count_of(res)
        if op == "phrase":
            # The unstemmed phrase (every word in =exact form), whose count
            # must equal FTS5's; report.py checks it.
            exact = '="%s"' % words
            out["count_exact"] = count_of(run_json(
                [dp, "search", arch, exact, "--count", "--json"]))
        if w3 == "1":
            res, out["timeline_ms"] = timed(
                lambda: run_json([dp, "timeline", arch, qs, "--by", "month",
                                  "--json"]), runs)
            out["months"] = months_of(res)
        print(json.dumps(out), flush=True)


def main():
    a = sys.argv
    if len(a) == 5 and a[2] == "index":
        do_index(a[1], a[3], a[4])
    elif len(a) == 6 and a[2] == "query":
        do_query(a[1], a[3], a[4], int(a[5]))
    elif len(a) == 6 and a[2] == "sig" and os.environ.get("DEPECHE_ADAPTER"):
        # W4 needs the library adapter: dp_terms in one process.
        sys.stdout.flush()
        os.execv(os.environ["DEPECHE_ADAPTER"],
                 [os.environ["DEPECHE_ADAPTER"], "sig", a[3], a[4], a[5]])
    else:
        sys.exit("usage: adapter_depeche.py DEPECHE index CORPUS DIR | "
                 "DEPECHE query DIR QUERIES RUNS | DEPECHE sig DIR MONTH RUNS")


if __name__ == "__main__":
    main()
