#!/usr/bin/python3
"""How many bytes the positions of a corpus take under three codes.

Usage: bench/position_codes.py CORPUS.jsonl.gz   (about a minute at 1x Le Monde)

An estimate for docs/performance.md ("Where depeche is behind"): would
Lucene's layout of positions make depeche's phrases faster at a cost in
size the index line can afford?  Every word (title, lead, text; folded,
cut at non-alphanumerics, no stemming, stop words kept) and its positions
in each document, coded as
  rice  depeche's segment format 5: Rice codes of the gaps, with a
        parameter per document from its length and the word's frequency
        (postings.c, rice_k); form codes not counted;
  for   Lucene 4.1's .pos: one flat stream of per-document gaps, blocks
        of 128 bit-packed at the widest gap of the block (plus a width
        byte), the tail in vInts;
  pfor  the same blocks at their best width (plus two header bytes),
        each gap wider than it an exception of 40 bits (an 8-bit index
        and a 32-bit value).
"Long lists" are those of 128 positions or more, the only ones with a
full block.  Words and positions differ a little from depeche's (its
tokenizer, elision and stems), so compare the codes with each other, not
with the index's sizes.
"""
import gzip
import json
import re
import sys
import unicodedata
from collections import defaultdict

WORD = re.compile(r"[a-z0-9]+")


def fold(s):
    s = unicodedata.normalize("NFD", s.lower())
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def read_postings(path):
    """{word: [(document length, [positions])]}, one version per id."""
    seen, post = set(), defaultdict(list)
    for line in gzip.open(path, "rt"):
        r = json.loads(line)
        if r["id"] in seen:
            continue
        seen.add(r["id"])
        toks = WORD.findall(fold(" ".join(r.get(k) or "" for k in ("title", "lead", "text"))))
        per = defaultdict(list)
        for i, t in enumerate(toks):
            per[t].append(i)
        for t, ps in per.items():
            post[t].append((len(toks), ps))
    return len(seen), post


def rice_bits(doclen, ps):
    """postings.c's rice_k: the largest k with freq * 100 << k <= doclen * 69."""
    a, b = doclen * 69, len(ps) * 100
    k = min((a // b).bit_length() - 1, 24) if a >= b else 0
    n, prev = 0, 0
    for p in ps:
        n += ((p - prev) >> k) + 1 + k
        prev = p
    return n


def vint_bits(v):
    n = 1
    while v >= 128:
        v >>= 7
        n += 1
    return 8 * n


def block_bits(gaps, cost):
    n, i = 0, 0
    while i + 128 <= len(gaps):
        n += cost(gaps[i:i + 128])
        i += 128
    return n + sum(vint_bits(g) for g in gaps[i:])


def for_block(blk):
    return 8 + 128 * max(blk).bit_length()


def pfor_block(blk):
    return min(16 + 128 * w + 40 * sum(1 for g in blk if g.bit_length() > w)
               for w in range(max(blk).bit_length() + 1))


def main():
    ndocs, post = read_postings(sys.argv[1])
    codes = ("rice", "for", "pfor")
    every, long_ = dict.fromkeys(codes, 0), dict.fromkeys(codes, 0)
    npos = nlong = 0
    for lst in post.values():
        gaps = []
        for _len, ps in lst:
            gaps += [p - q for p, q in zip(ps, [0] + ps[:-1])]
        bits = {"rice": sum(rice_bits(n, ps) for n, ps in lst),
                "for": block_bits(gaps, for_block),
                "pfor": block_bits(gaps, pfor_block)}
        npos += len(gaps)
        for c in codes:
            every[c] += bits[c]
            if len(gaps) >= 128:
                long_[c] += bits[c]
        nlong += len(gaps) if len(gaps) >= 128 else 0
    print("corpus: %s, %d documents, %d positions, %d in lists of 128 or more"
          % (sys.argv[1], ndocs, npos, nlong))
    for c in codes:
        print("%-5s all lists %6.2f MB   long lists %6.2f MB, %.2f bits a position"
              % (c, every[c] / 8e6, long_[c] / 8e6, long_[c] / max(nlong, 1)))


if __name__ == "__main__":
    main()
