#!/usr/bin/python3
"""Xapian adapter of the peer benchmark (python3-xapian, Debian's Python).

  adapter_xapian.py index CORPUS.jsonl DIR      W1: build a glass database
  adapter_xapian.py query DIR QUERIES.tsv RUNS  W2+W3, JSON Lines on stdout

Configuration, as a French news user would write it: TermGenerator with
Stem("french") (Snowball) and the default STEM_SOME strategy (unstemmed
terms with positions for phrases, stemmed Z-terms for words), QueryParser
with the same stemmer and strategy, BM25Weight (Xapian's default).  Xapian
lowercases but neither folds accents nor splits French elisions (it keeps
"l'ordre" as one term), so the adapter folds accents (NFKD, combining marks
dropped) and blanks elided articles before indexing and parsing, as such a
user would.  The month (YYYY-MM) is value slot 0; per-month counts use a
ValueCountMatchSpy with check_at_least = doccount, which makes them exact.
"""
import json, os, re, shutil, sys, time, unicodedata
import xapian

ELISION = re.compile(r"(?<!\w)(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldsnmtcj])['’]",
                     re.IGNORECASE)


def _fold_table():
    """Accents removed (NFKD, combining marks dropped) for every Latin
    letter up to U+024F; case is left to Xapian."""
    table = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        f = "".join(c for c in unicodedata.normalize("NFKD", ch)
                    if not unicodedata.combining(c))
        if f != ch:
            table[cp] = f
    return table


FOLD = _fold_table()


def fold(text):
    return text.translate(FOLD)


def prepare(text):
    return fold(ELISION.sub(" ", text))


def do_index(corpus, path):
    db = xapian.WritableDatabase(path, xapian.DB_CREATE_OR_OVERWRITE)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem("french"))
    tg.set_stemming_strategy(xapian.TermGenerator.STEM_SOME)
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(prepare(r["text"]))
            doc.set_data(r["id"])
            doc.add_value(0, r["date"][:7])
            doc.add_boolean_term("Q" + r["id"])
            db.add_document(doc)
    db.commit()
    # A bulk-built glass database is compacted before use (as the Xapian
    # manual advises): part of the build, and of its time.
    db.compact(path + ".compact")
    db.close()
    shutil.rmtree(path)
    os.rename(path + ".compact", path)


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


def timed(fn, runs):
    fn()                                           # warm-up
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        res = fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return res, median(ts)


def do_query(path, qfile, runs):
    t0 = time.perf_counter()
    db = xapian.Database(path)
    qp = xapian.QueryParser()
    qp.set_stemmer(xapian.Stem("french"))
    qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
    qp.set_database(db)
    enq = xapian.Enquire(db)
    enq.set_weighting_scheme(xapian.BM25Weight())
    ndocs = db.get_doccount()
    print(json.dumps({"engine": "xapian", "version": xapian.version_string(),
                      "open_ms": (time.perf_counter() - t0) * 1e3}))
    for line in open(qfile, encoding="utf-8"):
        cls, qid, op, words, w3 = line.rstrip("\n").split("\t")
        qs = translate(op, words)
        query = qp.parse_query(prepare(qs), xapian.QueryParser.FLAG_DEFAULT)
        out = {"qid": qid, "class": cls, "query": str(query)}

        def top10():
            enq.set_query(query)
            return [m.document.get_data().decode() for m in enq.get_mset(0, 10)]

        def count():
            enq.set_query(query)
            return enq.get_mset(0, 0, ndocs).get_matches_estimated()

        def timeline():
            enq.set_query(query)
            spy = xapian.ValueCountMatchSpy(0)
            enq.add_matchspy(spy)
            enq.get_mset(0, 0, ndocs)
            enq.clear_matchspies()
            return {i.term.decode(): i.termfreq for i in spy.values()}

        out["top10"], out["search_ms"] = timed(top10, runs)
        out["count"], out["count_ms"] = timed(count, runs)
        if w3 == "1":
            out["months"], out["timeline_ms"] = timed(timeline, runs)
        print(json.dumps(out), flush=True)


def do_sig(path, month, runs):
    """W4 with Xapian's own feature: the expand set (ESet) of a relevance
    set made of the month's documents, i.e. the terms that best tell those
    documents apart from the rest, weighted by Xapian's default expand
    weight (TradEWeight, probabilistic), not by G2."""
    db = xapian.Database(path)
    enq = xapian.Enquire(db)
    ndocs = db.get_doccount()
    fg = xapian.Query(xapian.Query.OP_VALUE_RANGE, 0, month, month)

    def run():
        enq.set_query(fg)
        rset = xapian.RSet()
        for m in enq.get_mset(0, ndocs):
            rset.add_document(m.docid)
        # Stemmed terms only (each word once, as its Z-prefixed stem).
        eset = enq.get_eset(20, rset, xapian.ExpandDeciderFilterPrefix("Z"))
        return rset.size(), [(e.term.decode(), e.weight, db.get_termfreq(e.term))
                             for e in eset]

    (nfg, top), ms = timed(run, runs)
    print(json.dumps({"engine": "xapian", "method": "built-in: ESet (expand set) "
                      "of an RSet holding the month's documents, TradEWeight, stemmed (Z) terms only",
                      "foreground": month, "fg_docs": nfg, "sig_ms": ms,
                      "top": [[t, round(w, 1), None, df] for t, w, df in top]}))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "sig":
        do_sig(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "index":
        do_index(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "query":
        do_query(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("usage: adapter_xapian.py index CORPUS DIR | query DIR QUERIES RUNS")


if __name__ == "__main__":
    main()
