/*
 * depeche adapter of the peer benchmark, W2/W3 in one long-lived process.
 *
 *   adapter_depeche query DIR QUERIES.tsv RUNS   W2+W3: JSON Lines on stdout
 *
 * It links libdepeche (public API only, include/depeche.h) so that its
 * latencies are measured like the peers': the archive DIR/archive is
 * opened once, each query is parsed once outside the timings (as the
 * Xapian and Lucene adapters do; one analyzer reused), then for each line
 * of QUERIES.tsv it prints the object every adapter prints
 * (docs/bench-peers.md): top10 ids and search_ms (dp_search with the
 * defaults: BM25, limit 10, exact total; the ten ids read with
 * dp_results_id, the id column, as FTS5 joins its ids), count and count_ms (dp_count),
 * months and timeline_ms for the W3 queries (dp_timeline by month), and
 * for phrases count_exact, the count of the unstemmed phrase ="a b" that
 * report.py checks against FTS5's.  Each latency is the median of RUNS
 * timed runs after one warm-up.  Two more figures, not in the other
 * adapters: rank_ms, the same dp_search without reading the ten ids
 * (ranking and total only), which tells how much of search_ms is the
 * reading of the ids; and top_ms, the same top 10 with no_total, without
 * the exact total: the work Xapian's get_mset(0, 10) does, which stops
 * early and estimates its total.  top_same says whether its ten ids are
 * search_ms's (report.py flags any that is not).
 *
 * The neutral queries are written in depeche's syntax (docs/query.md):
 * word -> w, and -> a AND b, or -> a OR b, phrase -> "a b" (stemmed like
 * the documents) and ="a b" (every word exact: folded, unstemmed).
 * The index mode stays in adapter_depeche.py (`depeche index`, timed from
 * outside like every peer).  Benchmark code: it exits on errors.
 */
#include "depeche.h"
#include "common.h"

static double elapsed_since(double t0)
{
    return now_ms() - t0;
}

/* The neutral query of q in depeche's syntax; exact: every word =form. */
static void translate(const struct query *q, int exact, char *out, size_t cap)
{
    char words[256];
    size_t n = 0;
    if (!strcmp(q->op, "phrase")) {
        snprintf(out, cap, "%s\"%s\"", exact ? "=" : "", q->words);
        return;
    }
    const char *sep = !strcmp(q->op, "or") ? " OR " : " AND ";
    snprintf(words, sizeof words, "%s", q->words);
    out[0] = 0;
    for (char *w = strtok(words, " "); w && n < cap; w = strtok(NULL, " "))
        n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? sep : "", w);
}

static dp_query *parse(const char *text, dp_analyzer *an)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_query_error err;
    dp_query *q;
    qo.analyzer = an;
    if (dp_query_parse(text, strlen(text), &qo, &q, &err) != DP_OK) {
        fprintf(stderr, "adapter_depeche: query %s: %s\n", text, err.message);
        exit(1);
    }
    return q;
}

static void fail(dp_archive *ar, const char *what, int rc)
{
    fprintf(stderr, "adapter_depeche: %s: %s (%s)\n", what, dp_strerror(rc),
            dp_archive_errmsg(ar));
    exit(1);
}

struct top { char ids[10][128]; int n; uint64_t total; };

/* W2: one ranked top-10 search (no_total: without the exact total),
** ids copied out unless t is NULL. */
static void search_once(dp_archive *ar, const dp_query *q, int no_total,
                        struct top *t)
{
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_results *r;
    so.no_total = no_total;
    int rc = dp_search(ar, q, &so, &r);
    if (rc != DP_OK) fail(ar, "search", rc);
    if (t == NULL) {
        dp_results_free(r);
        return;
    }
    t->n = 0;
    t->total = dp_results_total(r);
    for (size_t i = 0; i < dp_results_count(r) && i < 10; i++) {
        dp_slice id;
        if ((rc = dp_results_id(r, i, &id)) != DP_OK) fail(ar, "hit", rc);
        snprintf(t->ids[t->n++], sizeof t->ids[0], "%.*s", (int)id.n, id.p);
    }
    dp_results_free(r);
}

static int on_row(void *ctx, const dp_timeline_row *row)
{
    struct months *m = ctx;
    if (row->count > 0)
        months_add(m, row->period, (unsigned long long)row->count);
    return 0;
}

static uint64_t count_once(dp_archive *ar, const dp_query *q)
{
    uint64_t c;
    int rc = dp_count(ar, q, &c);
    if (rc != DP_OK) fail(ar, "count", rc);
    return c;
}

static void answer(dp_archive *ar, dp_analyzer *an, const struct query *qs,
                   int runs)
{
    char text[600];
    double *t = run_times(runs);
    translate(qs, 0, text, sizeof text);
    dp_query *q = parse(text, an);
    printf("{\"qid\":\"%s\",\"class\":\"%s\",\"query\":", qs->qid, qs->cls);
    json_puts(stdout, text);

    struct top top;
    for (int r = -1; r < runs; r++) {
        double s = now_ms();
        search_once(ar, q, 0, &top);
        if (r >= 0) t[r] = elapsed_since(s);
    }
    printf(",\"search_ms\":%.4f,\"top10\":[", median(t, runs));
    for (int k = 0; k < top.n; k++) {
        printf(k ? "," : "");
        json_puts(stdout, top.ids[k]);
    }

    for (int r = -1; r < runs; r++) {
        double s = now_ms();
        search_once(ar, q, 0, NULL);
        if (r >= 0) t[r] = elapsed_since(s);
    }
    printf("],\"rank_ms\":%.4f", median(t, runs));

    static struct top fast; /* ~1.3 KB: off the stack like m below */
    for (int r = -1; r < runs; r++) {
        double s = now_ms();
        search_once(ar, q, 1, &fast);
        if (r >= 0) t[r] = elapsed_since(s);
    }
    int same = fast.n == top.n;
    for (int k = 0; same && k < top.n; k++)
        same = strcmp(fast.ids[k], top.ids[k]) == 0;
    printf(",\"top_ms\":%.4f,\"top_same\":%s", median(t, runs),
           same ? "true" : "false");

    uint64_t count = 0;
    for (int r = -1; r < runs; r++) {
        double s = now_ms();
        count = count_once(ar, q);
        if (r >= 0) t[r] = elapsed_since(s);
    }
    if (count != top.total)
        fprintf(stderr, "adapter_depeche: %s: dp_count %llu, search total %llu\n",
                qs->qid, (unsigned long long)count,
                (unsigned long long)top.total);
    printf(",\"count\":%llu,\"count_ms\":%.4f", (unsigned long long)count,
           median(t, runs));

    if (!strcmp(qs->op, "phrase")) {
        char etext[600];
        translate(qs, 1, etext, sizeof etext);
        dp_query *eq = parse(etext, an);
        printf(",\"count_exact\":%llu",
               (unsigned long long)count_once(ar, eq));
        dp_query_free(eq);
    }

    if (qs->w3) {
        static struct months m;
        for (int r = -1; r < runs; r++) {
            double s = now_ms();
            m.len = 0;
            int rc = dp_timeline(ar, q, DP_BY_MONTH, on_row, &m);
            if (rc != DP_OK) fail(ar, "timeline", rc);
            if (r >= 0) t[r] = elapsed_since(s);
        }
        printf(",\"timeline_ms\":%.4f", median(t, runs));
        months_print(&m);
    }
    printf("}\n");
    fflush(stdout);
    dp_query_free(q);
}

static int do_query(const char *dir, const char *qfile, int runs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/archive", dir);
    double t0 = now_ms();
    dp_archive *ar;
    int rc = dp_archive_open(&ar, path, DP_ARCHIVE_READ);
    if (rc != DP_OK) fail(ar, path, rc);
    printf("{\"engine\":\"depeche\",\"version\":\"%s\",\"mode\":\"library\","
           "\"open_ms\":%.3f}\n", DP_VERSION, now_ms() - t0);
    dp_analyzer *an;
    if (dp_analyzer_new(&an, NULL) != DP_OK) die("out of memory");
    struct query *qs;
    int nq = read_queries(qfile, &qs);
    for (int i = 0; i < nq; i++)
        answer(ar, an, &qs[i], runs);
    free(qs);
    dp_analyzer_free(an);
    dp_archive_close(ar);
    return 0;
}

/* W4: depeche's own significant terms (dp_terms: G2 on token
** frequencies, the month's documents against the rest of the archive),
** the 12 best, timed as the median of RUNS calls after one warm-up. */
struct sig_top { char form[64]; double llr; uint64_t freq, df; };
struct sig_run { struct sig_top top[12]; int n; uint64_t docs; };

static int on_sig(void *ctx, const dp_terms_part *part, const dp_term_score *row)
{
    struct sig_run *r = ctx;
    r->docs = part->docs;
    if (r->n < 12) {
        struct sig_top *t = &r->top[r->n++];
        snprintf(t->form, sizeof t->form, "%.*s", (int)row->form.n, row->form.p);
        t->llr = row->llr;
        t->freq = row->freq;
        t->df = row->df;
    }
    return 0;
}

static int do_sig(const char *dir, const char *month, int runs)
{
    char path[4096], qtext[64];
    double *t = run_times(runs);
    dp_terms_options to = DP_TERMS_OPTIONS_INIT;
    struct sig_run r;
    dp_archive *ar;
    dp_analyzer *an;
    int rc;

    snprintf(path, sizeof path, "%s/archive", dir);
    rc = dp_archive_open(&ar, path, DP_ARCHIVE_READ);
    if (rc != DP_OK) fail(ar, path, rc);
    if (dp_analyzer_new(&an, NULL) != DP_OK) die("out of memory");
    snprintf(qtext, sizeof qtext, "date:%s", month);
    dp_query *q = parse(qtext, an);
    to.part = q;
    to.limit = 12;
    for (int i = -1; i < runs; i++) {
        double s = now_ms();
        memset(&r, 0, sizeof r);
        if ((rc = dp_terms(ar, &to, on_sig, &r)) != DP_OK) fail(ar, "terms", rc);
        if (i >= 0) t[i] = now_ms() - s;
    }
    printf("{\"engine\":\"depeche\",\"method\":\"built-in: depeche terms, G2 on "
           "token frequencies (stemmed terms shown by their most frequent form), "
           "stop words out\",\"foreground\":\"%s\",\"fg_docs\":%llu,"
           "\"sig_ms\":%.3f,\"top\":[", month, (unsigned long long)r.docs,
           median(t, runs));
    for (int k = 0; k < r.n; k++) {
        printf(k ? ",[" : "[");
        json_puts(stdout, r.top[k].form);
        printf(",%.1f,%llu,%llu]", r.top[k].llr, (unsigned long long)r.top[k].freq,
               (unsigned long long)r.top[k].df);
    }
    printf("]}\n");
    dp_query_free(q);
    dp_analyzer_free(an);
    dp_archive_close(ar);
    return 0;
}

int main(int argc, char **argv)
{
    (void)parse_doc; /* common.h's corpus reader: the index mode is the CLI's */
    if (argc == 5 && !strcmp(argv[1], "query"))
        return do_query(argv[2], argv[3], parse_runs(argv[4]));
    if (argc == 5 && !strcmp(argv[1], "sig"))
        return do_sig(argv[2], argv[3], parse_runs(argv[4]));
    fprintf(stderr, "usage: adapter_depeche query DIR QUERIES.tsv RUNS\n"
                    "       adapter_depeche sig DIR YYYY-MM RUNS\n");
    return 2;
}
