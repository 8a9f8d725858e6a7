#!/usr/bin/python3
"""Prepare the common input of the peer benchmark, and its fixed query set.

Usage: prep.py CORPUS.jsonl[.gz] WORKDIR

Writes into WORKDIR:
  corpus.jsonl  one {"id","date","text"} object per line, the input every
                engine (depeche included) indexes in W1.  Ids repeat in the
                Le Monde file (republished articles); the last line of an id
                wins, as in the source's own convention, so that every engine
                sees the same set of documents without having to implement
                replacement.  text = title + "\n" + lead + "\n" + body.
  stats.json    documents, bytes of text (the denominator of MB/s and of the
                index size ratio), months.
  queries.tsv   class, id, operator, words, w3 flag (see make_queries()).

Decompression and deduplication happen here, once, outside every timing.
Deterministic: the same corpus gives byte-identical outputs (fixed seed).
"""
import gzip, json, os, random, re, sys, collections

# Snowball's French stop list (the one Lucene's FrenchAnalyzer and most
# French configurations use): single-word queries avoid it so that no
# engine turns a query into nothing.
STOP = set("""au aux avec ce ces dans de des du elle en et eux il je la le leur
lui ma mais me même mes moi mon ne nos notre nous on ou par pas pour qu que qui
sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l à m n s t y
été étée étées étés étant suis es est sommes êtes sont serai seras sera serons
serez seront serais serait serions seriez seraient étais était étions étiez
étaient fus fut fûmes fûtes furent sois soit soyons soyez soient fusse fusses
fût fussions fussiez fussent ayant eu eue eues eus ai as avons avez ont aurai
auras aura aurons aurez auront aurais aurait aurions auriez auraient avais
avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez
aient eusse eusses eût eussions eussiez eussent ceci cela celà cet cette ici
ils les leurs quel quels quelle quelles sans soi""".split())
# Extra very frequent function words that other stop lists (Lucene's
# French list) also drop; avoided in single-word and AND/OR queries.
STOP |= set("""plus tout tous toute toutes comme aussi alors donc ont été fait
faire dont entre très bien deux après avant sous depuis encore avoir être
selon autre autres peu ainsi même cela celui celle ceux leurs lors chez
contre vers car sans non oui où si""".split())

# Words keep their inner apostrophes ("aujourd'hui" is one word for Xapian
# and Lucene), then lose an elided article: "l'ordre" counts as "ordre",
# and no query word is a fragment such as "aujourd" or "hui".
TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
ELIDED = re.compile(r"^(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldsnmtcj])['’]")
PLAIN = re.compile(r"^[a-z]{3,}$")
PHRASE = re.compile(r"(?<![\w'’-])([a-z]{2,}(?: [a-z]{2,}){1,2})(?![\w'’-])")


def read_corpus(path):
    opener = gzip.open if path.endswith(".gz") else open
    docs = collections.OrderedDict()
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            parts = [r.get("title") or "", r.get("lead") or "", r.get("text") or ""]
            text = "\n".join(p for p in parts if p)
            date = r.get("date") or ""
            if r["id"] in docs:
                del docs[r["id"]]          # later line = newer version
            docs[r["id"]] = (date, text)
    return docs


def make_queries(docs, rng):
    df = collections.Counter()
    texts = []
    for _id, (_date, text) in docs.items():
        low = text.lower()
        texts.append(low)
        df.update(set(ELIDED.sub("", w) for w in TOKEN.findall(low)))
    cand = [(n, w) for w, n in df.items() if PLAIN.match(w) and w not in STOP]
    cand.sort(key=lambda x: (-x[0], x[1]))
    ranked = [w for _n, w in cand]
    bands = {
        "w_top": ranked[:50],                       # df rank 1-50
        "w_high": ranked[50:500],                   # 51-500
        "w_mid": ranked[500:5000],                  # 501-5000
        "w_rare": [w for n, w in cand if 3 <= n <= 20],
    }
    out = []
    for cls in ("w_top", "w_high", "w_mid", "w_rare"):
        pool = bands[cls]
        pick = pool if len(pool) <= 50 else rng.sample(pool, 50)
        if cls == "w_top":                          # the top word first
            pick = [ranked[0]] + [w for w in pick if w != ranked[0]]
        for w in pick:
            out.append((cls, "word", [w]))
    mid_set = set(ranked[50:5000])
    n = 0
    while n < 50:                                   # AND: co-occurring words
        t = texts[rng.randrange(len(texts))]
        ws = sorted(set(ELIDED.sub("", w) for w in TOKEN.findall(t)) & mid_set)
        k = 2 + (n % 2)
        if len(ws) < k:
            continue
        out.append(("and", "and", rng.sample(ws, k)))
        n += 1
    pool = ranked[500:5000]
    for i in range(50):                             # OR: independent words
        out.append(("or", "or", rng.sample(pool, 2 + (i % 2))))
    n = 0
    seen = set()
    while n < 50:                                   # phrases from the texts
        t = texts[rng.randrange(len(texts))]
        ms = PHRASE.findall(t)
        if not ms:
            continue
        m = ms[rng.randrange(len(ms))].split()
        k = 2 + (n % 2)
        if len(m) < k:
            continue
        start = rng.randrange(len(m) - k + 1)
        ws = m[start:start + k]
        if ws[0] in STOP or ws[-1] in STOP or " ".join(ws) in seen:
            continue
        seen.add(" ".join(ws))
        out.append(("phrase", "phrase", ws))
        n += 1
    rows = []
    per_class = collections.Counter()
    for i, (cls, op, ws) in enumerate(out):
        per_class[cls] += 1
        # W3 (timelines): the first 7 of each class and the first 8 of
        # w_top (led by the most common word): 8 + 6 x 7 = 50 queries.
        w3 = 1 if per_class[cls] <= (8 if cls == "w_top" else 7) else 0
        rows.append("%s\tq%03d\t%s\t%s\t%d" % (cls, i, op, " ".join(ws), w3))
    return rows, ranked[0]


def w4_month(months):
    """W4's default foreground: March of the latest year with 100+
    documents (2022-03 for Le Monde 2022, the same texts in its shifted
    ten-times copies)."""
    years = collections.Counter()
    for m, n in months.items():
        years[m[:4]] += n
    good = [y for y, n in years.items() if n >= 100 and y.isdigit()]
    return (max(good) if good else "2022") + "-03"


def main():
    src, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    docs = read_corpus(src)
    nbytes = 0
    months = collections.Counter()
    with open(os.path.join(work, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for i, (date, text) in docs.items():
            f.write(json.dumps({"id": i, "date": date, "text": text},
                               ensure_ascii=False) + "\n")
            nbytes += len(text.encode("utf-8"))
            months[date[:7]] += 1
    rows, top = make_queries(docs, random.Random(20221))
    with open(os.path.join(work, "queries.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    st = {"source": os.path.abspath(src), "documents": len(docs),
          "text_bytes": nbytes, "months": len(months), "top_word": top,
          "queries": len(rows), "w4_month": w4_month(months)}
    with open(os.path.join(work, "stats.json"), "w") as f:
        json.dump(st, f, indent=1)
    print(json.dumps(st))


if __name__ == "__main__":
    main()
