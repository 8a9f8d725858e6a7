#!/usr/bin/python3
"""Sphinx 2.2 adapter of the peer benchmark (Debian's sphinxsearch).

  adapter_sphinx.py index CORPUS.jsonl DIR      W1: write DIR/sphinx.conf,
                                                run indexer (one thread)
  adapter_sphinx.py tsv CORPUS.jsonl            the tsvpipe producer
  adapter_sphinx.py query DIR QUERIES.tsv RUNS  W2+W3: start searchd, ask
                                                over SphinxQL (PyMySQL),
                                                JSON Lines on stdout

Configuration, as a French news user would write it: morphology =
libstemmer_fr (Snowball French), a charset_table folding case and the
accents of every Latin letter up to U+024F (Sphinx's default table treats
accented letters as separators), index_exact_words = 1 (the =word exact
operator), positions in the hit lists (Sphinx's default, needed for
phrases), no stop words, ranker=bm25 in queries (as for the other
engines).  Sphinx has no elision rule: elided articles are blanked by the
producer, as for FTS5 and Groonga.  The string id is a string attribute,
the month (YYYYMM) an integer attribute; per-month counts are a GROUP BY
on it, asked for as many groups as the index has months (counted at
start), so that none is cut.  Latencies are measured in
this client and so include the MySQL-protocol round trip of PyMySQL.
"""
import json, os, re, signal, subprocess, sys, time, unicodedata

ELISION = re.compile(r"(?<!\w)(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldsnmtcj])['’]",
                     re.IGNORECASE)
PORT = int(os.environ.get("SPHINX_PORT", "9366"))


def charset_table():
    parts = ["0..9", "A..Z->a..z", "_", "a..z"]
    for cp in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(cp))
                       if not unicodedata.combining(c)).lower()
        if len(base) == 1 and "a" <= base <= "z":
            parts.append("U+%X->%s" % (cp, base))
        elif chr(cp).isalpha():
            low = chr(cp).lower()
            parts.append("U+%X->U+%X" % (cp, ord(low)) if low != chr(cp) and len(low) == 1
                         else "U+%X" % cp)
    # Ligatures and letters NFKD does not decompose: keep them as letters.
    return ", ".join(dict.fromkeys(parts))


def conf(corpus, path):
    me = os.path.abspath(__file__)
    return """
source src
{
    type = tsvpipe
    tsvpipe_command = /usr/bin/python3 %(me)s tsv %(corpus)s
    tsvpipe_field = text
    tsvpipe_attr_string = sid
    tsvpipe_attr_uint = month
}
index idx
{
    source = src
    path = %(path)s/idx
    docinfo = extern
    morphology = libstemmer_fr
    min_word_len = 1
    index_exact_words = 1
    html_strip = 0
    charset_table = %(cs)s
}
indexer
{
    mem_limit = 256M
}
searchd
{
    listen = 127.0.0.1:%(port)d:mysql41
    log = %(path)s/searchd.log
    query_log = %(path)s/query.log
    pid_file = %(path)s/searchd.pid
    binlog_path =
    workers = threads
}
""" % {"me": me, "corpus": os.path.abspath(corpus), "path": os.path.abspath(path),
       "cs": charset_table(), "port": PORT}


def do_tsv(corpus):
    out = sys.stdout
    with open(corpus, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            r = json.loads(line)
            text = ELISION.sub(" ", r["text"])
            text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
            d = r["date"]
            month = int(d[0:4]) * 100 + int(d[5:7]) if len(d) >= 7 else 0
            out.write("%d\t%s\t%s\t%d\n" % (n, text, r["id"], month))


def do_index(corpus, path):
    os.makedirs(path, exist_ok=True)
    cf = os.path.join(path, "sphinx.conf")
    with open(cf, "w") as f:
        f.write(conf(corpus, path))
    subprocess.run(["indexer", "--config", cf, "--all", "--quiet"], check=True)
    for f in ("searchd.log", "query.log"):
        if os.path.exists(os.path.join(path, f)):
            os.remove(os.path.join(path, f))


def translate(op, words):
    if op == "phrase":
        return '"%s"' % words
    if op == "or":
        return " | ".join(words.split())
    return " ".join(words.split())            # Sphinx's default is AND


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
    import pymysql
    cf = os.path.join(path, "sphinx.conf")
    subprocess.run(["searchd", "--config", cf], check=True,
                   stdout=subprocess.DEVNULL)
    try:
        t0 = time.perf_counter()
        for _ in range(100):
            try:
                db = pymysql.connect(host="127.0.0.1", port=PORT, user="")
                break
            except pymysql.err.OperationalError:
                time.sleep(0.05)
        cur = db.cursor()
        cur.execute("SHOW STATUS LIKE 'uptime'")
        cur.fetchall()
        _, rtt = timed(lambda: (cur.execute("SHOW STATUS LIKE 'uptime'"),
                                cur.fetchall()), 50)
        print(json.dumps({"engine": "sphinx", "version": "2.2.11",
                          "open_ms": (time.perf_counter() - t0) * 1e3,
                          "roundtrip_ms": rtt}))
        def run(sql):
            cur.execute(sql)
            return cur.fetchall()

        # every month of the index, however many: a GROUP BY returns at
        # most max_matches groups, so they are counted first (the limit
        # doubled until the answer is short), and a query's months are
        # among them
        n = 1024
        while True:
            nmonths = len(run("SELECT month FROM idx GROUP BY month LIMIT %d "
                              "OPTION max_matches=%d" % (n, n)))
            if nmonths < n:
                break
            n *= 2
        ml = max(nmonths, 1)
        for line in open(qfile, encoding="utf-8"):
            cls, qid, op, words, w3 = line.rstrip("\n").split("\t")
            qs = translate(op, words)
            m = db.escape(qs)
            out = {"qid": qid, "class": cls, "query": qs}

            top = ("SELECT sid FROM idx WHERE MATCH(%s) ORDER BY WEIGHT() DESC"
                   " LIMIT 10 OPTION ranker=bm25" % m)
            cnt = "SELECT COUNT(*) FROM idx WHERE MATCH(%s)" % m
            mon = ("SELECT month, COUNT(*) FROM idx WHERE MATCH(%s) GROUP BY month"
                   " ORDER BY month ASC LIMIT %d OPTION max_matches=%d" % (m, ml, ml))
            rows, out["search_ms"] = timed(lambda: run(top), runs)
            out["top10"] = [r[0] for r in rows]
            rows, out["count_ms"] = timed(lambda: run(cnt), runs)
            out["count"] = int(rows[0][0]) if rows else 0
            if w3 == "1":
                rows, out["timeline_ms"] = timed(lambda: run(mon), runs)
                out["months"] = {"%04d-%02d" % (int(r[0]) // 100, int(r[0]) % 100):
                                 int(r[1]) for r in rows}
            print(json.dumps(out), flush=True)
        db.close()
    finally:
        subprocess.run(["searchd", "--config", cf, "--stopwait"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    a = sys.argv
    if len(a) == 4 and a[1] == "index":
        do_index(a[2], a[3])
    elif len(a) == 3 and a[1] == "tsv":
        do_tsv(a[2])
    elif len(a) == 5 and a[1] == "query":
        do_query(a[2], a[3], int(a[4]))
    else:
        sys.exit("usage: adapter_sphinx.py index CORPUS DIR | tsv CORPUS | query DIR QUERIES RUNS")


if __name__ == "__main__":
    main()
