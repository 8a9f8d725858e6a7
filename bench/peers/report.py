#!/usr/bin/python3
"""Combine the per-engine results of run.sh into one report.

Usage: report.py WORKDIR OUTPREFIX "ENGINES"

Reads WORKDIR/input/stats.json and WORKDIR/out/<engine>.{w1-N.json,
queries.jsonl,w4.json,error}; writes OUTPREFIX.md (tables) and
OUTPREFIX.json (every figure, per query too).  Per-query latency is the
median of the timed runs (run.sh's RUNS); a class's median and p99 are
taken over its queries (p99: nearest rank, i.e. about the slowest of 50).
"""
import glob, json, os, platform, statistics, sys, time

sys.dont_write_bytecode = True     # no __pycache__ in the repository
import sizes  # noqa: E402  (bench/peers/sizes.py)

# Peers that stem French and index positions: the W1 goal is "at least
# twice as fast as the fastest peer with stemming and positions".  FTS5
# has no stemmer; it is compared on its own line.
STEMMING = ("xapian", "lucene", "sphinx", "groonga")

# Peers whose W2 search does not find every match: Xapian's get_mset(0, 10)
# stops once nothing left can enter the top and estimates its total.  The
# others (FTS5's ORDER BY rank LIMIT 10, Lucene's TopDocs, Groonga's and
# Sphinx's totals) find and count every match, as dp_search does by
# default; dp_search with no_total does Xapian's work (top_ms).  W2 is
# compared like for like: each group against depeche doing the same work.
STOPS_EARLY = ("xapian",)

CLASSES = ["w_top", "w_high", "w_mid", "w_rare", "and", "or", "phrase"]
CLASS_DESC = {
    "w_top": "single word, document-frequency rank 1-50",
    "w_high": "single word, rank 51-500",
    "w_mid": "single word, rank 501-5000",
    "w_rare": "single word in 3-20 documents",
    "and": "AND of 2-3 co-occurring words (rank 51-5000)",
    "or": "OR of 2-3 words (rank 501-5000)",
    "phrase": "phrase of 2-3 consecutive words from the texts",
}

CONFIG = {
    "depeche": "depeche's defaults (include/depeche.h): case and accent "
               "folding, elision, Snowball French stemming (also inside "
               "phrases), stop words kept in phrases, BM25; the archive also "
               "stores the records (for snippets and `show`), so its size "
               "includes the text, like Groonga's and unlike the other peers'. "
               "W2/W3 through bench/peers/adapter_depeche.c, linking libdepeche "
               "(one process, queries parsed once): dp_search (BM25, limit 10, "
               "exact total) + dp_results_id for the ten ids (and the same "
               "with no_total for the row \"depeche (no total)\"), dp_count, "
               "dp_timeline by month. Without that program (the CLI fallback), "
               "search also computes snippets.",
    "fts5": "SQLite FTS5: tokenize='unicode61 remove_diacritics 2' (case and "
            "accent folding), detail=full (positions), contentless (content=''), "
            "bm25() ranking; no French stemmer and no stop words in FTS5; "
            "elided articles (l' d' qu' jusqu' ...) blanked by the adapter "
            "before indexing; ids and months in a rowid table; one "
            "transaction, journal and sync off, 'optimize' at the end.",
    "xapian": "Xapian: TermGenerator + Stem(\"french\") (Snowball), STEM_SOME "
              "(unstemmed terms with positions + stemmed Z-terms), QueryParser "
              "with the same stemmer, BM25Weight; top 10 by get_mset(0, 10), which "
              "stops early and estimates its total; accents folded and elided "
              "articles blanked by the adapter (Xapian does neither); no stop "
              "words; month in value slot 0, ValueCountMatchSpy with "
              "check_at_least = doccount (exact); database compacted after the "
              "bulk build (in W1).",
    "lucene": "Lucene 4.10.4: FrenchAnalyzer's chain (StandardTokenizer, "
              "ElisionFilter, LowerCaseFilter, French stop set, "
              "FrenchLightStemFilter) + ASCIIFoldingFilter; positions "
              "(TextField), text not stored, id stored, month as "
              "SortedDocValues; BM25Similarity; one indexing thread, "
              "SerialMergeScheduler, forceMerge(1) (in W1); classic "
              "QueryParser; TotalHitCountCollector; per-month Collector.",
    "groonga": "Groonga 13: TokenBigram (whole words for Latin letters), "
               "NormalizerMySQLUnicodeCI (case+accent folding), "
               "TokenFilterStem(french) (Snowball), index WITH_POSITION built "
               "after the load; the text is stored (zstd) because Groonga "
               "indexes a stored column; elided articles blanked by the "
               "adapter; punctuation marks are tokens; scorer_tf_idf (no BM25 "
               "in Groonga); drilldown on a month reference column; driven "
               "through the groonga command's stdin (latency includes the "
               "pipe and JSON output).",
    "sphinx": "Sphinx 2.2.11: morphology=libstemmer_fr (Snowball), "
              "charset_table folding case and Latin accents, "
              "index_exact_words=1, positions (default), no stop words, "
              "ranker=bm25 (no document-length normalisation in Sphinx's "
              "bm25 ranker); elided articles blanked by the adapter; GROUP BY "
              "month; queried over SphinxQL with PyMySQL (latency includes "
              "the MySQL-protocol round trip).",
}

# Why counts differ from FTS5's (the unstemmed, stop-word-free reference):
# short codes in the per-query table, explained once under it.
WHY = {
    (">", "word"): "S", ("<", "word"): "s",
    ("lucene", ">", "phrase"): "W", ("sphinx", ">", "phrase"): "S",
    ("groonga", ">", "phrase"): "S", ("groonga", "<", "phrase"): "P",
    ("lucene-stops", ">", "phrase"): "S",
}
LEGEND = {
    "S": "stemming: other forms of the words match",
    "s": "the engine's stemmer or tokenizer splits the word differently "
         "(e.g. a Lucene stop word, a word joined by an apostrophe)",
    "W": "Lucene drops stop words from phrases, leaving their position "
         "free (\"forces de police\" also matches \"forces X police\"), "
         "and stems inside phrases",
    "P": "Groonga indexes punctuation marks as tokens with a position: "
         "no phrase match across a hyphen or a comma",
    "T": "tokenisation differs (apostrophes, hyphens, digits next to letters)",
}


def pct(v, p):
    v = sorted(v)
    if not v:
        return None
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def med(v):
    return statistics.median(v) if v else None


def mtime(path):
    """UTC time a result file was written, or None."""
    try:
        return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(os.path.getmtime(path)))
    except OSError:
        return None


def load_engine(out, e):
    """Every result file of engine (or variant) e: W1 builds, the index's
    parts, queries, W4, errors, the load average and when each was written."""
    r = {"engine": e, "dates": {}}
    mode = os.path.join(out, e + ".w1mode")
    if os.path.exists(mode):
        r["w1mode"] = open(mode).read().strip()
    parts = os.path.join(out, e + ".parts.json")
    if os.path.exists(parts):
        try:
            r["parts"] = json.load(open(parts))
        except ValueError:
            pass
    if "parts" not in r and not e.endswith(("-2t", "-stored", "-stops")):
        # results older than sizes.py: measure the index left in place
        # (that of the last build)
        idx = os.path.join(os.path.dirname(out), "index-" + e)
        if os.path.isdir(idx):
            r["parts"] = sizes.measure(e, idx)
    ld = os.path.join(out, e + ".load")
    if os.path.exists(ld):
        r["load"] = open(ld).read().strip()
    err = os.path.join(out, e + ".error")
    if os.path.exists(err):
        r["error"] = open(err).read().strip()
    builds = []
    for f in sorted(glob.glob(os.path.join(out, e + ".w1-*.json")),
                    key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0])):
        try:
            builds.append(json.load(open(f)))
        except ValueError as ex:
            # an interrupted or failed build leaves an empty or partial
            # file: say so and leave the build out, not the whole report
            msg = "%s: not a build's figures (%s), left out" % (f, ex)
            print("report.py: " + msg, file=sys.stderr)
            r.setdefault("skipped", []).append(msg)
            continue
        d = builds[-1].get("date")
        r["dates"]["w1"] = d[:10] + " " + d[11:16] + " UTC" if d else mtime(f)
        first = builds[0].get("date")
        if d and first and first[:16] != d[:16]:
            # first and last build: run.sh builds the engines in rounds
            last = d[11:16] if first[:10] == d[:10] else d[:10] + " " + d[11:16]
            r["dates"]["w1"] = "%s %s-%s UTC" % (first[:10], first[11:16], last)
    r["builds"] = builds
    for k, f in (("w2w3", ".queries.jsonl"), ("w4", ".w4.json")):
        if os.path.exists(os.path.join(out, e + f)):
            r["dates"][k] = mtime(os.path.join(out, e + f))
    qf = os.path.join(out, e + ".queries.jsonl")
    r["queries"] = {}
    if os.path.exists(qf):
        for line in open(qf):
            o = json.loads(line)
            if "qid" in o:
                r["queries"][o["qid"]] = o
            else:
                r["header"] = o
    w4 = os.path.join(out, e + ".w4.json")
    if os.path.exists(w4):
        try:
            r["w4"] = json.load(open(w4))
        except ValueError:
            pass
    return r


def w2_classes(q, qclass, field):
    """Median and p99 per class and over all, of field of the queries."""
    w2 = {}
    allv = []
    for c in CLASSES:
        v = [q[i][field] for i in q if qclass.get(i) == c and field in q[i]]
        allv += v
        w2[c] = {"n": len(v), "median_ms": med(v), "p99_ms": pct(v, 99)}
    w2["all"] = {"n": len(allv), "median_ms": med(allv), "p99_ms": pct(allv, 99)}
    return w2


def summarise(r, stats, qclass, w3ids, topq, engine):
    s = {}
    mb = stats["text_bytes"] / 1e6
    if r["builds"]:
        b = r["builds"]
        wall = med([x["wall_s"] for x in b])
        cpu = med([x["user_s"] + x["sys_s"] for x in b])
        size = med([x["index_bytes"] for x in b])
        s["w1"] = {"builds": len(b), "wall_s": wall, "cpu_s": cpu,
                   "mb_per_s": mb / wall if wall else None,
                   "mb_per_cpu_s": mb / cpu if cpu else None,
                   "peak_rss_mb": med([x["rss_kb"] for x in b]) / 1024,
                   "index_mb": size / 1e6,
                   "index_pct_of_text": 100.0 * size / stats["text_bytes"]}
        core = (r.get("parts") or {}).get("core_bytes")
        if core is not None:
            s["w1"]["core_mb"] = core / 1e6
            s["w1"]["core_pct_of_text"] = 100.0 * core / stats["text_bytes"]
    q = r["queries"]
    if q:
        s["w2"] = w2_classes(q, qclass, "search_ms")
        # the top 10 without finding every match (see STOPS_EARLY)
        if engine in STOPS_EARLY:
            s["w2_top"] = s["w2"]
        elif any("top_ms" in q[i] for i in q):
            s["w2_top"] = w2_classes(q, qclass, "top_ms")
        tl = [q[i]["timeline_ms"] for i in w3ids if i in q and "timeline_ms" in q[i]]
        cn = [q[i]["count_ms"] for i in q]
        s["w3"] = {"timeline_n": len(tl), "timeline_median_ms": med(tl),
                   "timeline_p99_ms": pct(tl, 99),
                   "count_median_ms": med(cn), "count_p99_ms": pct(cn, 99),
                   "top_word_count_ms": q.get(topq, {}).get("count_ms"),
                   "top_word_count": q.get(topq, {}).get("count")}
    if "w4" in r:
        s["w4"] = {k: r["w4"][k] for k in ("method", "foreground", "fg_docs", "sig_ms", "top")
                   if k in r["w4"]}
    return s


def rnd(v):
    return round(v, 4) if isinstance(v, float) else v


def fmt(v, d=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 100:
            return "%.0f" % v
        return ("%." + str(d) + "f") % v
    return str(v)


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = [l for l in open("/proc/meminfo") if l.startswith("MemTotal")][0]
        mem = "%.0f GB" % (int(mem.split()[1]) / 1e6)
    except OSError:
        mem = "?"
    return "%s, %d cores, %s RAM, Linux %s" % (cpu, os.cpu_count(), mem, platform.release())


def timeline_check(engines, data, w3ids):
    """One line checking the W3 answers: each engine's per-month counts
    must add up to its own total count (a month dropped by an adapter or
    a capped GROUP BY shows here; a timeline missing altogether is
    counted apart), and where an engine's total equals depeche's, its
    months should be depeche's too."""
    parts = []
    dq = data.get("depeche", {}).get("queries", {})
    mismatch = False

    def months_sum(o):
        ms = o.get("months")
        if ms is None or any(v is None for v in ms.values()):
            return None
        return sum(ms.values())

    for e in engines:
        qs = data[e]["queries"]
        if not qs:
            continue
        none = [q for q in w3ids if months_sum(qs.get(q, {})) is None]
        nototal = [q for q in w3ids if q not in none and qs[q].get("count") is None]
        short = [q for q in w3ids if q not in none and q not in nototal
                 and months_sum(qs[q]) != qs[q]["count"]]
        ok = len(w3ids) - len(none) - len(nototal) - len(short)
        txt = "%s: months add up to the total in %d of %d" % (e, ok, len(w3ids))
        for what, lst in (("not", short), ("no timeline", none), ("no total", nototal)):
            if lst:
                txt += " (%s: %s%s)" % (what, ", ".join(lst[:8]), ", ..." if len(lst) > 8 else "")
        if e != "depeche" and dq:
            same = [q for q in w3ids if q not in none
                    and months_sum(dq.get(q, {})) is not None
                    and qs[q].get("count") is not None
                    and qs[q].get("count") == dq[q].get("count")]
            agree = sum(1 for q in same if qs[q]["months"] == dq[q]["months"])
            mismatch = mismatch or agree < len(same)
            txt += (", the same months as depeche in %d of the %d whose total "
                    "equals depeche's" % (agree, len(same)))
        parts.append(txt)
    line = "**Check: timelines.** " + ("; ".join(parts) + "." if parts else "no timelines.")
    if mismatch:
        line += (" An equal total with other months most likely means that "
                 "other documents matched, as many gained as lost (stemming, "
                 "stop words); a month assigned differently would show the same.")
    return line


def main():
    work, prefix, engines = sys.argv[1], sys.argv[2], sys.argv[3].split()
    out = os.path.join(work, "out")
    stats = json.load(open(os.path.join(work, "input", "stats.json")))
    queries = []
    for line in open(os.path.join(work, "input", "queries.tsv"), encoding="utf-8"):
        cls, qid, op, words, w3 = line.rstrip("\n").split("\t")
        queries.append({"qid": qid, "class": cls, "op": op, "words": words, "w3": w3 == "1"})
    qclass = {q["qid"]: q["class"] for q in queries}
    w3ids = [q["qid"] for q in queries if q["w3"]]
    topq = queries[0]["qid"]
    data = {e: load_engine(out, e) for e in engines}
    summ = {e: summarise(data[e], stats, qclass, w3ids, topq, e) for e in engines}
    depeche_cli = data.get("depeche", {}).get("header", {}).get("mode") == "cli"
    measured = [e for e in engines if summ[e]]
    peers = [e for e in measured if e != "depeche"]
    # depeche's W1 with its default two threads, for information
    # (run.sh: depeche-2t); the ratios use the one-thread build.
    dp2 = load_engine(out, "depeche-2t") if "depeche" in engines else None
    dp2s = summarise(dp2, stats, qclass, w3ids, topq, "depeche-2t") if dp2 and dp2["builds"] else None
    # Lucene with the text stored, for information (run.sh: lucene-stored)
    lus = load_engine(out, "lucene-stored") if "lucene" in engines else None
    luss = summarise(lus, stats, qclass, w3ids, topq, "lucene-stored") if lus and lus["builds"] else None
    # Lucene keeping the stop words, for information: its index size and
    # its queries (run.sh: lucene-stops), shown only with its build's
    # figures, so that every row of it says when it was built
    lks = load_engine(out, "lucene-stops") if "lucene" in engines else None
    lkss = summarise(lks, stats, qclass, w3ids, topq, "lucene-stops") if lks and lks["builds"] else None
    lks_queried = bool(lkss and lks["queries"])
    w1mode = data.get("depeche", {}).get("w1mode", "")
    one_thread = "--threads 0" in w1mode
    labels = {e: e for e in engines}
    if "depeche" in engines and data["depeche"]["builds"]:
        labels["depeche"] = "depeche (1 thread)" if one_thread else \
            "depeche (default threads)"

    L = []
    name = os.path.basename(prefix)
    L.append("# Side-by-side benchmark: %s\n" % name)
    L.append("Report written by `make bench-peers` (bench/peers/run.sh, "
             "report.py) on %s; when each engine's figures were measured: "
             "first table." % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    L.append("Machine: %s.\n" % machine())
    L.append("Corpus: `%s`, %d documents (one version per id), %.1f MB of text "
             "(title + lead + body), %d months. Input of every engine: the same "
             "gunzipped, deduplicated JSON Lines file (decompression and "
             "deduplication excluded from all timings). Query set: %d queries "
             "generated by bench/peers/prep.py (fixed seed); per-query latency "
             "= median of the timed runs after one warm-up.\n" %
             (stats["source"], stats["documents"], stats["text_bytes"] / 1e6,
              stats["months"], len(queries)))
    for e in engines:
        if "error" in data[e] or not summ[e]:
            what = "W2/W3/W4" if summ[e].get("w1") else "not measured"
            L.append("**%s %s**: %s\n" % (
                e, what if what == "not measured" else what + " not measured",
                data[e].get("error", "no result files in this work directory "
                            "(not run)").replace("\n", " ")[:400]))
    for label, d in [(e, data[e]) for e in engines] + [
            ("depeche (2 threads)", dp2), ("lucene (text stored)", lus),
            ("lucene (stop words kept)", lks)]:
        for msg in (d or {}).get("skipped", []):
            L.append("**%s: a W1 build's file was left out**: %s\n" % (
                label, msg))
    for label, d in (("depeche (2 threads)", dp2), ("lucene (text stored)", lus),
                     ("lucene (stop words kept)", lks)):
        if d and "error" in d:                # a variant's build failed
            L.append("**%s W1 build failed** (its row is left out or holds "
                     "the builds before the failure): %s\n" % (
                         label, d["error"].replace("\n", " ")[:400]))
    if depeche_cli:
        L.append("**depeche W2/W3 measured through its CLI** (one process per "
                 "query, start-up included): not comparable with the peers' "
                 "long-lived processes; no ratio given.\n")

    L.append("## When each engine was measured\n")
    L.append("Each engine's figures come from its own result files in the "
             "work directory (run.sh can re-measure some engines and report "
             "them with the others' earlier results: `ENGINES`, "
             "`REPORT_ENGINES`, `BUILDS=0`). Times are when each result was "
             "written (W1: its first and last build); load average: at the "
             "start of the engine's first build. run.sh builds in rounds: "
             "build 1 of every engine, then build 2 of every engine, and so "
             "on, so that a slow spell of the machine falls on all engines "
             "alike.\n")
    L.append("| engine | W1 builds | W2/W3 | W4 | load avg at W1 start |")
    L.append("|---|---|---|---|---|")
    for e, d in [(e, data[e]) for e in engines] + ([("depeche (2 threads)", dp2)] if dp2s else []) + \
            ([("lucene (text stored)", lus)] if luss else []) + \
            ([("lucene (stop words kept)", lks)] if lkss else []):
        L.append("| %s | %s | %s | %s | %s |" % (
            labels.get(e, e), d["dates"].get("w1", "-"), d["dates"].get("w2w3", "-"),
            d["dates"].get("w4", "-"), d.get("load", "-")))
    if "depeche" in engines:
        h = data["depeche"].get("header", {})
        L.append("\ndepeche: W1 by `%s`; W2/W3 by %s.\n" % (
            w1mode or "depeche index (threads not recorded)",
            "the CLI, one process per query (not comparable)" if depeche_cli else
            "bench/peers/adapter_depeche.c linking libdepeche (one process)"
            if h.get("mode") == "library" else "-"))
    else:
        L.append("")

    L.append("## W1: index build (one indexing thread)\n")
    L.append("| engine | builds | wall s | CPU s | MB text/s (wall) | MB text/CPU s | "
             "peak RSS MB | index MB (all files) | % of text | postings+positions+dictionary MB | % of text |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    w1rows = [(labels[e], summ[e].get("w1")) for e in measured]
    if dp2s:
        w1rows.insert(1 if measured and measured[0] == "depeche" else len(w1rows),
                      ("depeche (2 threads)", dp2s["w1"]))
    if luss:
        w1rows.append(("lucene (text stored)", luss["w1"]))
    if lkss:
        w1rows.append(("lucene (stop words kept)", lkss["w1"]))
    for label, w in w1rows:
        if w:
            L.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, w["builds"], fmt(w["wall_s"]), fmt(w["cpu_s"]), fmt(w["mb_per_s"]),
                fmt(w["mb_per_cpu_s"]), fmt(w["peak_rss_mb"], 0), fmt(w["index_mb"], 1),
                fmt(w["index_pct_of_text"], 1), fmt(w.get("core_mb"), 1),
                fmt(w.get("core_pct_of_text"), 1)))
    L.append("\nWall and CPU: medians over the builds, measured with /usr/bin/time "
             "around each engine's indexing program (the JVM's start included for "
             "Lucene, Python's for the Xapian, Groonga and Sphinx adapters; "
             "`depeche index` and FTS5's C adapter run directly; CPU = user + "
             "sys of the program and its children). On a shared machine (load "
             "average above the core count) wall times include waiting for the "
             "CPU: MB per CPU second is then the fairer throughput.\n")
    L.append("One indexing thread: the W1 rule. Every peer's adapter indexes in "
             "one thread (Lucene with SerialMergeScheduler). depeche builds "
             "with `--threads 0` (analysis in the calling thread: one thread in "
             "all); the row \"depeche (2 threads)\" is its default (one extra "
             "analysis thread), for information only: the ratios below use the "
             "one-thread row.%s\n" % (
                 (" The row \"lucene (text stored)\" is Lucene with the text "
                  "stored too (Lucene 4.10's default LZ4 stored fields), as a "
                  "user who shows snippets, or Elasticsearch's `_source`, keeps "
                  "it: depeche stores and compresses every record (zstd), the "
                  "Lucene row stores only the id. For information: the goal "
                  "ratios use the Lucene row." if luss else "") +
                 (" The row \"lucene (stop words kept)\" is Lucene without "
                  "FrenchAnalyzer's StopFilter (one build), for its index "
                  "size%s: depeche indexes the stop words with their positions, "
                  "so that a phrase holding one (\"guerre en ukraine\") "
                  "matches exactly, as in FTS5; the Lucene row drops them. For "
                  "information: the goal ratios use the Lucene row." % (
                      " and, in W2/W3, its query times" if lks_queried else "")
                  if lkss else "") +
                 ("" if one_thread or "depeche" not in measured else
                 " **This depeche binary has no `--threads` option: its row is "
                 "its default build, which uses more than one thread.**")))
    L.append("Index size: \"all files\" is `du -s -B1` of the index directory "
             "(whatever the engine keeps: stored text, ids, per-document values "
             "too); \"postings+positions+dictionary\" is the part the issue "
             "compares (bench/peers/sizes.py), what each engine's part holds:\n")
    L.append("| engine | postings+positions+dictionary: parts, MB | other parts, MB | what was counted |")
    L.append("|---|---|---|---|")

    def partlist(dic):
        # parts of 10 kB or more, largest first; the rest summed
        big = sorted(((k, v) for k, v in dic.items() if v >= 10000), key=lambda kv: -kv[1])
        small = [v for v in dic.values() if 0 < v < 10000]
        return ", ".join(["%s %s" % (k, fmt(v / 1e6, 1 if v >= 1e5 else 2)) for k, v in big] +
                         (["%d small (%.1f kB)" % (len(small), sum(small) / 1e3)]
                          if small else [])) or "-"
    for e in measured:
        p = data[e].get("parts")
        if p:
            L.append("| %s | %s | %s | %s |" % (labels[e], partlist(p["core"]),
                                               partlist(p["other"]), p["counted"]))
    L.append("")

    L.append("## W2: ranked top-10 search, median / p99 ms per class\n")
    L.append("| engine | " + " | ".join(CLASSES) + " | all |")
    L.append("|---|" + "---|" * (len(CLASSES) + 1))
    def w2row(name, w):
        L.append("| %s | " % name + " | ".join(
            "%s / %s" % (fmt(w[c]["median_ms"], 3), fmt(w[c]["p99_ms"], 3))
            for c in CLASSES + ["all"]) + " |")
    for e in measured:
        w = summ[e].get("w2")
        if w:
            w2row(e + (" (stops early)" if e in STOPS_EARLY else ""), w)
        if e not in STOPS_EARLY and summ[e].get("w2_top"):
            w2row(e + " (no total)", summ[e]["w2_top"])
    if lkss and lkss.get("w2"):
        w2row("lucene (stop words kept)", lkss["w2"])
    L.append("")
    for c in CLASSES:
        L.append("- `%s`: %s" % (c, CLASS_DESC[c]))
    L.append("\nEvery row but those marked finds and counts every match of "
             "the query, as a search that shows its exact total must "
             "(depeche's default). Xapian's `get_mset(0, 10)` stops early: "
             "it skips what cannot enter the top 10 and estimates its total. "
             "The row \"depeche (no total)\" is the same search with "
             "`no_total`, which does that work; the goals below compare "
             "each group with depeche doing the same work.%s" % (
                 " The row \"lucene (stop words kept)\" is Lucene without "
                 "the StopFilter, at indexing and in the queries: a phrase "
                 "with a stop word then asks for its position, as in "
                 "depeche and FTS5; for information, the goals use the "
                 "Lucene row." if lkss and lkss.get("w2") else ""))
    dq = data.get("depeche", {}).get("queries", {})
    same = [dq[i].get("top_same") for i in dq if "top_same" in dq[i]]
    if same:
        bad = [i for i in dq if dq[i].get("top_same") is False]
        L.append("Its top 10 equals the exact search's on %s." % (
            "all %d queries" % len(same) if not bad else
            "**%d of %d queries only** (differ: %s)" % (
                len(same) - len(bad), len(same), ", ".join(bad[:20]))))
    L.append("")

    L.append("## W3: exact counts, ms\n")
    L.append("| engine | per-month timeline median | p99 | total count median | p99 | count of `%s` (%s docs) |"
             % (queries[0]["words"], fmt(next((summ[e]["w3"]["top_word_count"] for e in ("fts5",) + tuple(measured)
                   if summ.get(e, {}).get("w3")), None))))
    L.append("|---|---|---|---|---|---|")
    w3rows = [(e, summ[e].get("w3")) for e in measured]
    if lkss and lkss.get("w3"):
        w3rows.append(("lucene (stop words kept)", lkss["w3"]))
    for e, w in w3rows:
        if w:
            L.append("| %s | %s | %s | %s | %s | %s |" % (
                e, fmt(w["timeline_median_ms"], 3), fmt(w["timeline_p99_ms"], 3),
                fmt(w["count_median_ms"], 3), fmt(w["count_p99_ms"], 3),
                fmt(w["top_word_count_ms"], 3)))
    L.append("\nTimelines: the %d W3 queries (the first 7 of each class, 8 of "
             "w_top), exact per-month document counts. Total counts: all %d "
             "queries.\n" % (len(w3ids), len(queries)))
    tdata = dict(data, **({"lucene-stops": lks} if lks_queried else {}))
    L.append(timeline_check(list(engines) + (["lucene-stops"] if "lucene-stops" in tdata else []),
                            tdata, w3ids) + "\n")

    L.append("## W4: significant terms of a month against the rest\n")
    L.append("| engine | method | foreground | ms | top terms |")
    L.append("|---|---|---|---|---|")
    for e in engines:
        w = summ[e].get("w4")
        if w:
            L.append("| %s | %s | %s (%s docs) | %s | %s |" % (
                e, w["method"], w["foreground"], w.get("fg_docs"), fmt(w["sig_ms"], 0),
                ", ".join(t[0] for t in w["top"][:12])))
        elif e in ("groonga", "sphinx"):
            L.append("| %s | none: no significant-terms feature, and no per-term "
                     "document-frequency access cheap enough to do it by hand | - | - | - |" % e)
    L.append("")

    # Ratios: one line per goal of the issue, depeche against the best peer.
    L.append("## depeche against the best peer, per goal of the issue\n")
    ratios = []
    if "depeche" in measured and peers:
        def g(*path):
            def key(sm):
                v = sm
                for p in path:
                    v = v.get(p, {}) if isinstance(v, dict) else {}
                return v if isinstance(v, (int, float)) else None
            return key
        stem = [e for e in peers if e in STEMMING]
        fts = [e for e in peers if e == "fts5"]
        exact = [e for e in peers if e not in STOPS_EARLY]
        early = [e for e in peers if e in STOPS_EARLY]
        # (goal, key, peers, lower is better, target ratio, latency)
        goals = [
            ("W1 build MB of text/s (wall), one thread, vs the fastest peer "
             "with stemming and positions", g("w1", "mb_per_s"), stem, False, 2.0, False),
            ("W1 build MB of text per CPU s, same peers", g("w1", "mb_per_cpu_s"),
             stem, False, 2.0, False),
            ("W1 (for information) build MB of text/s (wall), one thread, "
             "vs Lucene storing the text as depeche does",
             g("w1", "mb_per_s"), ["lucene-stored"] if luss else [], False, 2.0, False),
            ("W1 build MB of text/s (wall) vs FTS5 (without stemming)",
             g("w1", "mb_per_s"), fts, False, 1.0, False),
            ("W1 build MB of text per CPU s vs FTS5 (without stemming)",
             g("w1", "mb_per_cpu_s"), fts, False, 1.0, False),
            ("Index: postings+positions+dictionary, % of text, vs the smallest",
             g("w1", "core_pct_of_text"), peers, True, 1.0, False),
            ("Index (for information): postings+positions+dictionary, % of "
             "text, vs Lucene keeping the stop words as depeche does",
             g("w1", "core_pct_of_text"), ["lucene-stops"] if lkss else [],
             True, 1.0, False),
            ("W2 ranked top 10 with the exact total, median ms (all "
             "classes), vs the peers that find every match",
             g("w2", "all", "median_ms"), exact, True, 1.0, True),
            ("W2 ranked top 10 with the exact total, p99 ms, same peers",
             g("w2", "all", "p99_ms"), exact, True, 1.0, True),
            ("W2 ranked top 10 stopping early (depeche no_total), median ms, "
             "vs the peers that stop early",
             g("w2_top", "all", "median_ms"), early, True, 1.0, True),
            ("W2 ranked top 10 stopping early, p99 ms, same peers",
             g("w2_top", "all", "p99_ms"), early, True, 1.0, True),
            ("W2 (for information) depeche's default, exact total, median ms, "
             "vs every peer's default", g("w2", "all", "median_ms"), peers,
             True, 1.0, True),
            ("W2 (for information) depeche's default, p99 ms, vs every "
             "peer's default", g("w2", "all", "p99_ms"), peers, True, 1.0, True),
            ("W2 (for information) exact total, median ms, vs Lucene "
             "keeping the stop words (exact phrases, as depeche's)",
             g("w2", "all", "median_ms"), ["lucene-stops"] if lkss else [],
             True, 1.0, True),
            ("W2 (for information) exact total, p99 ms, vs Lucene keeping "
             "the stop words", g("w2", "all", "p99_ms"),
             ["lucene-stops"] if lkss else [], True, 1.0, True),
            ("W3 per-month timeline, median ms", g("w3", "timeline_median_ms"),
             peers, True, 1.0, True),
            ("W3 per-month timeline, p99 ms", g("w3", "timeline_p99_ms"),
             peers, True, 1.0, True),
            ("W3 (for information) per-month timeline, p99 ms, vs Lucene "
             "keeping the stop words", g("w3", "timeline_p99_ms"),
             ["lucene-stops"] if lkss else [], True, 1.0, True),
            ("W3 exact count of the top word `%s`, ms" % queries[0]["words"],
             g("w3", "top_word_count_ms"), peers, True, 1.0, True),
        ]
        if not luss:
            goals = [x for x in goals if "Lucene storing" not in x[0]]
        if not lkss:
            goals = [x for x in goals if "keeping the stop words" not in x[0]]
        elif not lkss.get("w2"):    # its build only (LUCENE_STOPS, BUILDS=0)
            goals = [x for x in goals if "keeping the stop words" not in x[0]
                     or x[0].startswith("Index")]
        L.append("| goal | depeche | best peer | ratio (>1: depeche better) | target | met |")
        L.append("|---|---|---|---|---|---|")
        for label, key, among, lower, target, latency in goals:
            d = key(summ["depeche"])
            if depeche_cli and latency:
                d = None                      # CLI latencies: not comparable
            if among == ["lucene-stored"]:
                vals = [(key(luss), "lucene, text stored")] if key(luss) else []
            elif among == ["lucene-stops"]:
                vals = [(key(lkss), "lucene, stop words kept")] if key(lkss) else []
            else:
                vals = [(key(summ[e]), e) for e in among if key(summ[e]) is not None]
            b, be = (min(vals) if lower else max(vals)) if vals else (None, None)
            ratio = (b / d if lower else d / b) if d and b else None
            met = None if ratio is None else ratio >= target if target > 1 else ratio > 1
            ratios.append({"goal": label, "depeche": rnd(d), "best_peer": be,
                           "best_peer_value": rnd(b), "ratio": rnd(ratio),
                           "target": ">= %gx" % target if target > 1 else "> 1x",
                           "met": met,
                           # a variant's or depeche's default: not a goal
                           "informational": "(for information)" in label})
            L.append("| %s | %s | %s | %s | %s | %s |" % (
                label, fmt(d, 3), "%s (%s)" % (fmt(b, 3), be) if be else "-",
                fmt(ratio, 2) + "x" if ratio else "-",
                ratios[-1]["target"], "-" if met is None else "yes" if met else "**no**"))
        notes = []
        if not one_thread and summ["depeche"].get("w1"):
            notes.append("depeche's W1 figures are its default build (this binary "
                         "has no `--threads`), not one thread.")
        dw = summ["depeche"].get("w1")
        if one_thread and dw and dw["cpu_s"] > 1.1 * dw["wall_s"]:
            notes.append("depeche's one-thread build used %s CPU s in %s s of "
                         "wall time: more than one thread ran." % (
                             fmt(dw["cpu_s"]), fmt(dw["wall_s"])))
        if dp2s and dp2s.get("w1"):
            notes.append("with its default two threads depeche builds at %s MB/s "
                         "(wall), %s MB per CPU s (row \"depeche (2 threads)\"), "
                         "not used in the ratios." % (
                             fmt(dp2s["w1"]["mb_per_s"]), fmt(dp2s["w1"]["mb_per_cpu_s"])))
        if depeche_cli:
            notes.append("depeche's W2/W3 went through its CLI: no latency ratio.")
        L.append("\nBest peer: the best value among the peers measured in this "
                 "report that do the line's work: with stemming and positions "
                 "for the W1 lines that say so (%s), FTS5 in its own W1 lines; "
                 "finding every match for W2 with the exact total, stopping "
                 "early for W2 stopping early; every peer for the index, W3 and "
                 "the lines of every peer's default. Latencies: median and p99 over "
                 "every query of the classes (W2: all %d queries; W3: the %d "
                 "timeline queries). Ratio = peer / depeche for times and sizes, "
                 "depeche / peer for throughput.%s\n" % (
                     ", ".join(stem) or "none measured", len(queries), len(w3ids),
                     "".join(" Note: " + n for n in notes)))
    else:
        L.append("depeche was not measured in this run: no ratios.\n")

    # Count comparison.
    L.append("## Total counts side by side\n")
    ref = "fts5" if "fts5" in measured else (peers[0] if peers else None)
    cols = [e for e in engines if data[e]["queries"]]
    cdata = {e: data[e] for e in cols}
    if lks_queried:                  # Lucene keeping the stop words
        cols.append("lucene-stops")
        cdata["lucene-stops"] = lks
    rel = {}
    rows = []
    for q in queries:
        counts = {e: cdata[e]["queries"].get(q["qid"], {}).get("count") for e in cols}
        notes = []
        for e in cols:
            if e == ref or counts.get(ref) is None or counts[e] is None:
                continue
            r = "=" if counts[e] == counts[ref] else (">" if counts[e] > counts[ref] else "<")
            kind = "phrase" if q["class"] == "phrase" else "word"
            rel.setdefault((e, q["class"]), {"=": 0, ">": 0, "<": 0})[r] += 1
            if r != "=":
                why = WHY.get((e, r, kind)) or WHY.get((r, kind)) or "T"
                notes.append("%s%s%s" % (e, r, why))
        rows.append((q, counts, notes))
    if ref:
        L.append("Relation of each engine's exact total count to %s's, per class "
                 "(queries equal / more / fewer):\n" % ref)
        L.append("| engine | " + " | ".join(CLASSES) + " |")
        L.append("|---|" + "---|" * len(CLASSES))
        for e in cols:
            if e == ref:
                continue
            L.append("| %s | " % e + " | ".join(
                "%d / %d / %d" % tuple(rel.get((e, c), {"=": 0, ">": 0, "<": 0})[k] for k in "=><")
                for c in CLASSES) + " |")
        L.append("")
    L.append("Why they differ: FTS5 has no stemmer and no stop words, so its counts "
             "are those of the exact (case- and accent-folded) form; Xapian, "
             "Groonga and Sphinx stem with Snowball, Lucene with its light French "
             "stemmer, so single words match more forms. Xapian's STEM_SOME leaves "
             "phrases unstemmed (so its phrase counts should equal FTS5's), Sphinx "
             "and Groonga stem inside phrases, Lucene drops stop words from "
             "phrases (\"forces de police\" also matches \"forces X police\"). "
             "Groonga indexes punctuation as tokens, so a phrase does not match "
             "across a hyphen or a comma.%s\n" % (
                 " The column lucene-stops is Lucene keeping the stop words: "
                 "its phrases ask for them, so its phrase counts differ "
                 "from FTS5's by stemming (more matches) and tokenisation "
                 "(fewer), not by stop words." if "lucene-stops" in cols else ""))
    if "depeche" in cols and "fts5" in cols:
        dq = data["depeche"]["queries"]
        exact = any("count_exact" in dq.get(q["qid"], {}) for q in queries)
        bad = []
        for q, c, _n in rows:
            if q["class"] != "phrase":
                continue
            d = dq.get(q["qid"], {}).get("count_exact" if exact else "count")
            if d != c.get("fts5"):
                bad.append((q, dict(c, depeche=d)))
        L.append("**Check: depeche's unstemmed phrase counts (%s) against FTS5's**: %s\n" % (
            "queries in =exact form, =\"a b\"" if exact else "plain phrase queries",
            "all %d equal." % sum(1 for q in queries if q["class"] == "phrase") if not bad else
            "%d differ: %s" % (len(bad), ", ".join("%s \"%s\" (depeche %s, fts5 %s)" % (
                q["qid"], q["words"], c.get("depeche"), c.get("fts5")) for q, c in bad[:20]))))
    L.append("<details><summary>Per query</summary>\n")
    L.append("Notes: engine, relation to %s, reason: %s.\n" % (
        ref, "; ".join("%s = %s" % kv for kv in LEGEND.items())))
    L.append("| qid | class | query | " + " | ".join(cols) + " | notes |")
    L.append("|---|---|---|" + "---|" * len(cols) + "---|")
    for q, counts, notes in rows:
        L.append("| %s | %s | %s %s | " % (q["qid"], q["class"], q["op"], q["words"]) +
                 " | ".join(fmt(counts[e]) for e in cols) + " | %s |" % "; ".join(notes))
    L.append("\n</details>\n")

    L.append("## Configuration of each engine\n")
    for e in engines:
        h = data[e].get("header", {})
        L.append("- **%s** %s: %s" % (e, h.get("version", ""), CONFIG.get(e, "")))
    L.append("\nFull settings: the adapters in bench/peers/ (the Sphinx "
             "configuration is copied next to this report as %s-sphinx.conf).\n"
             % name)

    with open(prefix + ".md", "w") as f:
        f.write("\n".join(L) + "\n")
    # Per-month counts as lists aligned with month_keys (compact JSON).
    month_keys = sorted({m for e in cols for o in cdata[e]["queries"].values()
                         for m in (o.get("months") or {})})

    def month_list(o):
        ms = o.get("months")
        return None if ms is None else [ms.get(m, 0) for m in month_keys]

    js = {"corpus": stats, "machine": machine(),
          "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
          "classes": CLASS_DESC, "config": {e: CONFIG.get(e) for e in engines},
          "summary": summ, "ratios": ratios,
          "depeche_w1_mode": w1mode or None,
          "depeche_2threads_w1": dp2s.get("w1") if dp2s else None,
          "lucene_text_stored_w1": luss.get("w1") if luss else None,
          "lucene_stop_words_kept_w1": lkss.get("w1") if lkss else None,
          "lucene_stop_words_kept": lkss,
          "index_parts": {e: data[e].get("parts") for e in engines},
          "measured_at": dict({e: data[e]["dates"] for e in engines},
                              **({"depeche-2t": dp2["dates"]} if dp2s else {}),
                              **({"lucene-stored": lus["dates"]} if luss else {}),
                              **({"lucene-stops": lks["dates"]} if lkss else {})),
          "load": {e: data[e].get("load") for e in engines},
          "errors": dict({e: data[e]["error"] for e in engines if "error" in data[e]},
                         **{v: d["error"] for v, d in (("depeche-2t", dp2),
                                                       ("lucene-stored", lus),
                                                       ("lucene-stops", lks))
                            if d and "error" in d}),
          "headers": dict({e: data[e].get("header") for e in engines},
                          **({"lucene-stops": lks.get("header")} if lks_queried else {})),
          "month_keys": month_keys,
          "queries": [dict(q, **{k: {e: rnd(cdata[e]["queries"].get(q["qid"], {}).get(k))
                                        for e in cols}
                                     for k in ("count", "search_ms", "count_ms",
                                               "timeline_ms")
                                     if k != "timeline_ms" or q["w3"]},
                           **({"months": {e: month_list(cdata[e]["queries"].get(q["qid"], {}))
                                          for e in cols}} if q["w3"] else {}))
                      for q in queries]}
    with open(prefix + ".json", "w") as f:
        json.dump(js, f, separators=(",", ":"))
        f.write("\n")
    sc = os.path.join(out, "sphinx.conf")
    if os.path.exists(sc):
        with open(sc) as src, open(prefix + "-sphinx.conf", "w") as dst:
            dst.write(src.read())
    print("bench-peers: wrote %s.md and %s.json" % (prefix, prefix))


if __name__ == "__main__":
    main()
