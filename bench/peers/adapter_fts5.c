/*
 * SQLite FTS5 adapter of the peer benchmark.
 *
 *   adapter_fts5 index CORPUS.jsonl DIR     W1: build DIR/fts5.db
 *   adapter_fts5 query DIR QUERIES.tsv RUNS W2+W3: one process, results
 *                                           as JSON Lines on stdout
 *
 * Configuration, as a French news user would write it with what FTS5 has:
 * tokenize = 'unicode61 remove_diacritics 2' (case and accent folding),
 * detail=full (positions, for phrases), contentless table (content='':
 * only the index is stored, not the text, like every engine in this
 * benchmark), bm25() ranking.  FTS5 has no French stemmer and no elision
 * rule: elided articles (l' d' qu' jusqu' ...) are blanked out here before
 * the text reaches the tokenizer (the same at query time, though the
 * generated queries contain no apostrophes).  Ids and months live in a
 * plain table keyed by rowid, used for the top-10 ids and the per-month
 * GROUP BY.  The build is one transaction with journal and sync off.
 */
#include <sqlite3.h>
#include <ctype.h>
#include <math.h>
#include "common.h"

static const char *const CLITICS[] = {
    "jusqu", "lorsqu", "puisqu", "quoiqu", "qu",
    "l", "d", "s", "n", "m", "t", "c", "j", NULL
};

static int is_letter_before(const char *text, const char *p)
{
    if (p == text) return 0;
    unsigned char c = (unsigned char)p[-1];
    return isalnum(c) || c >= 0x80;
}

/* Blanks "l'" / "l’" and the other clitics at the start of a word. */
static void blank_elisions(char *text)
{
    for (char *p = text; *p; p++) {
        if (!isalpha((unsigned char)*p) || is_letter_before(text, p))
            continue;
        for (int i = 0; CLITICS[i]; i++) {
            size_t n = strlen(CLITICS[i]);
            if (strncasecmp(p, CLITICS[i], n)) continue;
            size_t a = p[n] == '\'' ? 1 :
                (!memcmp(p + n, "\xE2\x80\x99", 3) ? 3 : 0);
            if (!a) continue;
            memset(p, ' ', n + a);
            p += n + a - 1;
            break;
        }
    }
}

static void check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "fts5: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static int do_index(const char *corpus, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fts5.db", dir);
    remove(path);
    sqlite3 *db;
    check(sqlite3_open(path, &db), db, "open");
    check(sqlite3_exec(db,
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
        "CREATE VIRTUAL TABLE docs USING fts5(text, content='',"
        " tokenize='unicode61 remove_diacritics 2', detail=full);"
        "CREATE TABLE meta(rowid INTEGER PRIMARY KEY, id TEXT, month TEXT);"
        "BEGIN;", 0, 0, 0), db, "schema");
    sqlite3_stmt *ins_doc, *ins_meta;
    check(sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, text) VALUES(?,?)",
                             -1, &ins_doc, 0), db, "prepare");
    check(sqlite3_prepare_v2(db, "INSERT INTO meta VALUES(?,?,?)",
                             -1, &ins_meta, 0), db, "prepare");
    FILE *f = fopen(corpus, "r");
    if (!f) die("cannot open the corpus");
    char *line = NULL;
    size_t cap = 0;
    sqlite3_int64 row = 0;
    while (getline(&line, &cap, f) > 0) {
        struct doc d;
        if (parse_doc(line, &d)) die("bad corpus line");
        blank_elisions(d.text);
        row++;
        sqlite3_bind_int64(ins_doc, 1, row);
        sqlite3_bind_text(ins_doc, 2, d.text, -1, SQLITE_STATIC);
        check(sqlite3_step(ins_doc), db, "insert");
        sqlite3_reset(ins_doc);
        sqlite3_bind_int64(ins_meta, 1, row);
        sqlite3_bind_text(ins_meta, 2, d.id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_meta, 3, d.date, 7, SQLITE_STATIC);
        check(sqlite3_step(ins_meta), db, "insert");
        sqlite3_reset(ins_meta);
    }
    free(line);
    fclose(f);
    sqlite3_finalize(ins_doc);
    sqlite3_finalize(ins_meta);
    check(sqlite3_exec(db, "COMMIT; INSERT INTO docs(docs) VALUES('optimize');",
                       0, 0, 0), db, "commit");
    sqlite3_close(db);
    return 0;
}

/* The neutral query in FTS5's syntax. */
static void translate(const struct query *q, char *out, size_t cap)
{
    char words[256];
    snprintf(words, sizeof words, "%s", q->words);
    size_t n = 0;
    if (!strcmp(q->op, "phrase")) {
        snprintf(out, cap, "\"%s\"", words);
        return;
    }
    const char *sep = !strcmp(q->op, "or") ? " OR " : " AND ";
    out[0] = 0;
    for (char *w = strtok(words, " "); w; w = strtok(NULL, " "))
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\"", n ? sep : "", w);
}

static int do_query(const char *dir, const char *qfile, int runs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fts5.db", dir);
    double t0 = now_ms();
    sqlite3 *db;
    check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, 0), db, "open");
    sqlite3_stmt *top, *cnt, *mon;
    check(sqlite3_prepare_v2(db,
        "SELECT m.id FROM (SELECT rowid, rank FROM docs WHERE docs MATCH ?1"
        " ORDER BY rank LIMIT 10) r JOIN meta m ON m.rowid = r.rowid"
        " ORDER BY r.rank", -1, &top, 0), db, "prepare");
    check(sqlite3_prepare_v2(db,
        "SELECT count(*) FROM docs WHERE docs MATCH ?1", -1, &cnt, 0),
        db, "prepare");
    check(sqlite3_prepare_v2(db,
        "SELECT m.month, count(*) FROM docs JOIN meta m ON m.rowid = docs.rowid"
        " WHERE docs MATCH ?1 GROUP BY m.month ORDER BY m.month",
        -1, &mon, 0), db, "prepare");
    printf("{\"engine\":\"fts5\",\"version\":\"%s\",\"open_ms\":%.3f}\n",
           sqlite3_libversion(), now_ms() - t0);
    struct query *qs;
    int nq = read_queries(qfile, &qs);
    for (int i = 0; i < nq; i++) {
        char fq[600];
        double *t = run_times(runs);
        translate(&qs[i], fq, sizeof fq);
        printf("{\"qid\":\"%s\",\"class\":\"%s\",\"query\":", qs[i].qid, qs[i].cls);
        json_puts(stdout, fq);
        /* W2: ranked top 10, one warm-up then RUNS timed runs. */
        char ids[10][64];
        int nids = 0;
        for (int r = -1; r < runs; r++) {
            double s = now_ms();
            sqlite3_bind_text(top, 1, fq, -1, SQLITE_STATIC);
            nids = 0;
            int rc;
            while ((rc = sqlite3_step(top)) == SQLITE_ROW && nids < 10) {
                const char *id = (const char *)sqlite3_column_text(top, 0);
                if (!id || strlen(id) >= sizeof ids[0])
                    die("fts5: a top-10 id is missing or too long");
                memcpy(ids[nids++], id, strlen(id) + 1);
            }
            check(rc, db, "search");
            sqlite3_reset(top);
            if (r >= 0) t[r] = now_ms() - s;
        }
        printf(",\"search_ms\":%.4f,\"top10\":[", median(t, runs));
        for (int k = 0; k < nids; k++) {
            printf(k ? "," : "");
            json_puts(stdout, ids[k]);
        }
        /* Exact total count. */
        long long count = 0;
        for (int r = -1; r < runs; r++) {
            double s = now_ms();
            sqlite3_bind_text(cnt, 1, fq, -1, SQLITE_STATIC);
            check(sqlite3_step(cnt), db, "count");
            count = sqlite3_column_int64(cnt, 0);
            sqlite3_reset(cnt);
            if (r >= 0) t[r] = now_ms() - s;
        }
        printf("],\"count\":%lld,\"count_ms\":%.4f", count, median(t, runs));
        /* W3: exact per-month counts. */
        if (qs[i].w3) {
            static struct months m;
            for (int r = -1; r < runs; r++) {
                double s = now_ms();
                sqlite3_bind_text(mon, 1, fq, -1, SQLITE_STATIC);
                m.len = 0;
                int rc;
                while ((rc = sqlite3_step(mon)) == SQLITE_ROW) {
                    const char *key = (const char *)sqlite3_column_text(mon, 0);
                    if (!key)
                        die("fts5: a document without a month");
                    months_add(&m, key,
                               (unsigned long long)sqlite3_column_int64(mon, 1));
                }
                check(rc, db, "timeline");
                sqlite3_reset(mon);
                if (r >= 0) t[r] = now_ms() - s;
            }
            printf(",\"timeline_ms\":%.4f", median(t, runs));
            months_print(&m);
        }
        printf("}\n");
        fflush(stdout);
    }
    free(qs);
    sqlite3_finalize(top);
    sqlite3_finalize(cnt);
    sqlite3_finalize(mon);
    sqlite3_close(db);
    return 0;
}

/* G2 (Dunning log-likelihood) of a term in a of n1 foreground documents
 * against b of n2 others; positive when over-represented. */
static double g2(double a, double n1, double b, double n2)
{
    double o[4] = {a, n1 - a, b, n2 - b}, p = (a + b) / (n1 + n2);
    double e[4] = {n1 * p, n1 * (1 - p), n2 * p, n2 * (1 - p)}, s = 0;
    for (int i = 0; i < 4; i++)
        if (o[i] > 0) s += o[i] * log(o[i] / e[i]);
    return (a / n1 >= b / n2 ? 2 : -2) * s;
}

struct sig { char term[64]; double score; long long a, df; };

/* W4, by hand (FTS5 has no such feature): foreground = the documents of
 * one month; per term, its foreground document frequency from the
 * fts5vocab 'instance' table (every token of the month's documents), its
 * total document frequency from the 'row' table; scored by G2. */
static int do_sig(const char *dir, const char *month, int runs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fts5.db", dir);
    sqlite3 *db;
    check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, 0), db, "open");
    check(sqlite3_exec(db,
        "CREATE VIRTUAL TABLE temp.vrow USING fts5vocab(main, docs, row);"
        "CREATE VIRTUAL TABLE temp.vins USING fts5vocab(main, docs, instance);",
        0, 0, 0), db, "vocab");
    sqlite3_stmt *st;
    check(sqlite3_prepare_v2(db,
        "WITH fg AS (SELECT term, count(DISTINCT doc) AS a FROM vins"
        "  WHERE doc IN (SELECT rowid FROM meta WHERE month = ?1) GROUP BY term)"
        " SELECT fg.term, fg.a, vrow.doc,"
        "  (SELECT count(*) FROM meta WHERE month = ?1), (SELECT count(*) FROM meta)"
        " FROM fg JOIN vrow ON vrow.term = fg.term WHERE fg.a >= 3",
        -1, &st, 0), db, "prepare");
    double *t = run_times(runs);
    struct sig top[20];
    int ntop = 0;
    long long nfg = 0;
    for (int r = -1; r < runs; r++) {
        double s = now_ms();
        ntop = 0;
        sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            long long a = sqlite3_column_int64(st, 1), df = sqlite3_column_int64(st, 2);
            long long all = sqlite3_column_int64(st, 4);
            nfg = sqlite3_column_int64(st, 3);
            double sc = g2((double)a, (double)nfg, (double)(df - a), (double)(all - nfg));
            int k = ntop < 20 ? ntop++ : 19;
            if (k == 19 && ntop == 20 && sc <= top[19].score) continue;
            while (k > 0 && top[k - 1].score < sc) { top[k] = top[k - 1]; k--; }
            snprintf(top[k].term, sizeof top[k].term, "%s", sqlite3_column_text(st, 0));
            top[k].score = sc; top[k].a = a; top[k].df = df;
        }
        sqlite3_reset(st);
        if (r >= 0) t[r] = now_ms() - s;
    }
    printf("{\"engine\":\"fts5\",\"method\":\"by hand: G2 on document frequencies,"
           " fts5vocab instance (foreground) and row (all) tables\","
           "\"foreground\":\"%s\",\"fg_docs\":%lld,\"sig_ms\":%.3f,\"top\":[",
           month, nfg, median(t, runs));
    for (int k = 0; k < ntop; k++) {
        printf(k ? "," : "");
        printf("[");
        json_puts(stdout, top[k].term);
        printf(",%.1f,%lld,%lld]", top[k].score, top[k].a, top[k].df);
    }
    printf("]}\n");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "sig"))
        return do_sig(argv[2], argv[3], parse_runs(argv[4]));
    if (argc == 4 && !strcmp(argv[1], "index"))
        return do_index(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "query"))
        return do_query(argv[2], argv[3], parse_runs(argv[4]));
    fprintf(stderr, "usage: adapter_fts5 index CORPUS.jsonl DIR\n"
                    "       adapter_fts5 query DIR QUERIES.tsv RUNS\n");
    return 2;
}
