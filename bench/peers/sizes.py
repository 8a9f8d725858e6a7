#!/usr/bin/python3
"""Index size by part, for comparing indexes on equal terms.

Usage: sizes.py ENGINE INDEXDIR   (prints one JSON object)

The issue compares "an index (postings, positions and dictionary)": the
part of each engine's index that maps terms to documents and positions,
without what an engine stores besides (stored text, ids, per-document
values, norms, forward term lists, free pages).  This module measures
that part where the files allow it and lists every other part apart, so
that the report shows both the equal-terms figure and the whole
directory.  The result:

  {"core_bytes": N or null,          postings + positions + dictionary
   "core": {part: bytes},            what core_bytes adds up
   "other": {part: bytes},           the rest of the index, by part
   "counted": "...",                 one line saying what was counted}

Sizes are bytes allocated on disk (st_blocks * 512, like `du -B1`) for
files, because Groonga preallocates sparse files; sections inside a file
(depeche's segment sections, SQLite tables) are their byte lengths.
run.sh calls it after each build (out/<engine>.parts.json); report.py
calls it for results written before this existed.
"""
import glob, json, os, sqlite3, struct, subprocess, sys

# depeche segment sections (docs/format.md, "Segment file").
DP_SECTIONS = {1: "META", 2: "COLS", 3: "SOURCES", 4: "IDS", 5: "DICT",
               6: "DICTIDX", 7: "POST", 8: "POSTCRC", 9: "STORE",
               10: "STOREIDX"}
DP_CORE = ("POST", "POSTCRC", "DICT", "DICTIDX")
# Files that are not the index (logs, configuration, locks).
NOT_INDEX = (".log", ".conf", ".pid", "LOCK", "write.lock", "flintlock")


def alloc(path):
    return os.stat(path).st_blocks * 512


def files(d):
    out = {}
    for root, _dirs, names in os.walk(d):
        for n in names:
            if n.endswith(NOT_INDEX):
                continue
            p = os.path.join(root, n)
            out[os.path.relpath(p, d)] = alloc(p)
    return out


def add(dic, key, v):
    dic[key] = dic.get(key, 0) + v


def depeche_segment(path):
    """{section name: length} from a segment file's trailer and table."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        if size < 24 + 24:
            raise ValueError("%s: too short for a segment" % path)
        f.seek(size - 24)
        table_off, count, _crc, magic = struct.unpack("<QII8s", f.read(24))
        if magic != b"DPSEGEND" or table_off + 24 * count > size - 24:
            raise ValueError("%s: no segment trailer" % path)
        f.seek(table_off)
        raw = f.read(24 * count)
    out = {}
    for i in range(count):
        sid, _scrc, _off, length = struct.unpack_from("<IIQQ", raw, 24 * i)
        add(out, DP_SECTIONS.get(sid, "section%d" % sid), length)
    return out


def depeche(d):
    core, other = {}, {}
    for seg in sorted(glob.glob(os.path.join(d, "**", "*.dps"), recursive=True)):
        secs = depeche_segment(seg)
        for name, n in secs.items():
            add(core if name in DP_CORE else other, name, n)
        # header, table and trailer: what the sections leave of the file
        add(other, "headers+tables", os.path.getsize(seg) - sum(secs.values()))
    for f, n in files(d).items():
        if not f.endswith(".dps"):
            add(other, os.path.basename(f), n)
    return core, other, ("sections POST + POSTCRC + DICT + DICTIDX of every "
                         "segment (byte lengths from the segment tables); "
                         "STORE/STOREIDX (stored records), IDS, COLS, "
                         "SOURCES, META apart")


def lucene(d):
    core, other = {}, {}
    cfs = False
    for f, n in files(d).items():
        ext = f.rsplit(".", 1)[-1]
        if ext in ("doc", "pos", "tim", "tip"):
            add(core, "." + ext, n)
        else:
            cfs = cfs or ext == "cfs"
            add(other, "." + ext if "." in f else f, n)
    if cfs:
        return None, dict(other, **core), "compound file (.cfs): not separable"
    return core, other, (".doc (postings) + .pos (positions) + .tim + .tip "
                         "(terms dictionary and its index); stored fields "
                         ".fdt/.fdx, norms .nvd/.nvm, doc values .dvd/.dvm, "
                         "segment metadata apart")


def fts5(d):
    db = os.path.join(d, "fts5.db")
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        rows = c.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        free = c.execute("PRAGMA freelist_count").fetchone()[0] * \
            c.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.Error:
        return None, files(d), "SQLite without the dbstat table: whole file only"
    finally:
        c.close()
    core, other = {}, {}
    for name, n in rows:
        # docs_data: the FTS5 segments (terms, doclists, positions);
        # docs_idx: the index of their leaf pages by term.
        add(core if name in ("docs_data", "docs_idx") else other, name, n)
    if free:
        other["free pages"] = free
    return core, other, ("pages of the FTS5 tables docs_data (segments: terms, "
                         "doclists, positions) + docs_idx (leaf index), from "
                         "SQLite's dbstat; docs_docsize (document lengths), "
                         "the id/month table meta and free pages apart")


def xapian(d):
    core, other = {}, {}
    for f, n in files(d).items():
        base = f.split(".")[0]
        if base in ("postlist", "position"):
            add(core, f, n)
        else:
            add(other, f, n)
    if not core:
        return None, other, "no glass/honey tables found"
    return core, other, ("postlist (postings, and the dictionary as their "
                         "keys; also document lengths and value streams) + "
                         "position tables; termlist (each document's terms, "
                         "a forward index Xapian keeps for updates and "
                         "expand sets) and docdata apart")


def sphinx(d):
    core, other = {}, {}
    for f, n in files(d).items():
        ext = f.rsplit(".", 1)[-1]
        if ext in ("spd", "spp", "spi", "spe"):
            add(core, "." + ext, n)
        elif ext.startswith("sp"):
            add(other, "." + ext, n)
    return core, other, (".spd (doclists) + .spp (positions) + .spi "
                         "(dictionary) + .spe (skip lists); attributes .spa, "
                         "strings .sps, header .sph, kill list .spk, MVA .spm "
                         "apart")


def groonga(d):
    db = os.path.join(d, "db")
    try:
        p = subprocess.run(["groonga", db, "object_list"], capture_output=True,
                           text=True, timeout=60)
        objs = json.loads(p.stdout)[1]
    except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
        return None, files(d), "groonga object_list failed: whole directory only"
    fs = files(d)
    owner = {}
    for name, o in objs.items():
        path = o.get("path") if isinstance(o, dict) else None
        if path:
            owner[os.path.basename(path)] = name
    core, other = {}, {}
    for f, n in fs.items():
        base = f.split(".")
        name = owner.get(".".join(base[:2]), f)   # db.000010C.c -> db.000010C
        if name == "Terms" or name.startswith("Terms."):
            add(core, name, n)
        else:
            add(other, name, n)
    return core, other, ("the lexicon table Terms (patricia trie: dictionary) "
                         "+ its index column Terms.docs_text with positions "
                         "(both its files); the stored text column Docs.text, "
                         "the Docs and Months tables and the database "
                         "catalogue apart")


ENGINES = {"depeche": depeche, "lucene": lucene, "fts5": fts5,
           "xapian": xapian, "sphinx": sphinx, "groonga": groonga}


def measure(engine, d):
    fn = ENGINES.get(engine.split("-")[0])
    if fn is None or not os.path.isdir(d):
        return None
    try:
        core, other, counted = fn(d)
    except (OSError, ValueError, sqlite3.Error) as e:
        return {"core_bytes": None, "core": {}, "other": files(d),
                "counted": "not measured: %s" % e}
    return {"core_bytes": sum(core.values()) if core is not None else None,
            "core": core or {}, "other": other, "counted": counted}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: sizes.py ENGINE INDEXDIR")
    json.dump(measure(sys.argv[1], sys.argv[2]), sys.stdout)
    print()
