/*
** bench_search.c -- search, count and timeline latency on an archive, in
** one long-lived process (start-up, archive opening and query parsing
** excluded).  Never part of `make check`.
**
** Usage: bench_search ARCHIVE [ROUNDS]
**
** The query set is fixed and derived from the archive itself so that runs
** are reproducible: single words from five document-frequency bands
** (>= 5000 docs, 1000-4999, 100-999, 10-99, 2-9; the most frequent surface
** form of evenly spaced terms of the largest segment), AND and OR of pairs
** of them, and common French phrases.  Each query runs ROUNDS times (default
** 20) after one warm-up; the figures are the median and 99th percentile
** of all runs of a group:
**   search: dp_search, top 10 by BM25 with the exact total (no snippets);
**   count:  dp_count of the most frequent words;
**   timeline: dp_timeline by month.
*/
#include "dp_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAXQ 256

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct group {
    const char *name;
    char *q[MAXQ];
    size_t n;
} group;

static void add(group *g, const char *s)
{
    if (g->n < MAXQ)
        g->q[g->n++] = strdup(s);
}

/* Pick up to `want` words per df band from the largest segment. */
static void pick_words(dp_archive *ar, group bands[5], size_t want)
{
    static const uint32_t lo[5] = {5000, 1000, 100, 10, 2};
    static const uint32_t hi[5] = {UINT32_MAX, 4999, 999, 99, 9};
    dp__snap *s;
    const dp__segment *big = NULL;
    size_t nterms[5] = {0}, seen[5] = {0};

    if (dp__snap_open(ar, &s) != DP_OK)
        return;
    for (size_t i = 0; i < dp__snap_nsegs(s); i++)
        if (big == NULL || dp__seg_ndocs(dp__snap_seg(s, i)) > dp__seg_ndocs(big))
            big = dp__snap_seg(s, i);
    /* Two passes: count terms per band, then take evenly spaced ones. */
    for (int pass = 0; pass < 2 && big; pass++) {
        dp__term_iter *it;
        dp_slice term;
        dp__term_info ti;
        if (dp__term_iter_open(big, "", 0, &it) != DP_OK)
            break;
        while (dp__term_iter_next(it, &term, &ti) == DP_OK) {
            dp__form_buf fb;
            char w[DP__TERM_MAX + 1];
            bool alpha = true;
            for (size_t k = 0; k < term.n; k++)
                alpha = alpha && ((unsigned char)term.p[k] >= 'a');
            if (!alpha || term.n < 3)
                continue;
            for (int b = 0; b < 5; b++) {
                if (ti.df < lo[b] || ti.df > hi[b])
                    continue;
                if (pass == 0) {
                    nterms[b]++;
                } else if (nterms[b] && seen[b]++ % (nterms[b] / want + 1) == 0 &&
                           dp__term_form(big, &ti, 0, &fb) == DP_OK) {
                    snprintf(w, sizeof w, "%.*s", (int)fb.info.form.n,
                             fb.info.form.p);
                    add(&bands[b], w);
                }
            }
        }
        dp__term_iter_free(it);
    }
    dp__snap_close(s);
}

typedef int (*run_fn)(dp_archive *ar, const dp_query *q);

static int run_search(dp_archive *ar, const dp_query *q)
{
    dp_results *r;
    int rc = dp_search(ar, q, NULL, &r);
    dp_results_free(r);
    return rc;
}

static int run_count(dp_archive *ar, const dp_query *q)
{
    uint64_t c;
    return dp_count(ar, q, &c);
}

static int on_row(void *ctx, const dp_timeline_row *row)
{
    (void)ctx;
    (void)row;
    return 0;
}

static int run_timeline(dp_archive *ar, const dp_query *q)
{
    return dp_timeline(ar, q, DP_BY_MONTH, on_row, NULL);
}

static void measure(dp_archive *ar, dp_analyzer *an, const group *g, run_fn fn,
                    const char *what, int rounds)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    double *t = calloc(g->n * (size_t)rounds + 1, sizeof *t);
    size_t nt = 0;
    qo.analyzer = an;
    for (size_t i = 0; i < g->n; i++) {
        dp_query *q;
        if (dp_query_parse(g->q[i], strlen(g->q[i]), &qo, &q, NULL) != DP_OK)
            continue;
        fn(ar, q); /* warm-up */
        for (int r = 0; r < rounds; r++) {
            double t0 = now_us();
            if (fn(ar, q) != DP_OK) {
                fprintf(stderr, "failed: %s\n", g->q[i]);
                break;
            }
            t[nt++] = now_us() - t0;
        }
        dp_query_free(q);
    }
    if (nt) {
        qsort(t, nt, sizeof *t, cmp_d);
        printf("%-9s %-22s queries %3zu  median %8.1f us  p99 %8.1f us  max %8.1f us\n",
               what, g->name, g->n, t[nt / 2], t[(size_t)((double)nt * 0.99)],
               t[nt - 1]);
    }
    free(t);
}

int main(int argc, char **argv)
{
    static const char *const phrases[] = {
        "\"président de la République\"", "\"guerre en Ukraine\"",
        "\"Emmanuel Macron\"", "\"Assemblée nationale\"", "\"premier ministre\"",
        "\"réforme des retraites\"", "\"Coupe du monde\"", "\"Vladimir Poutine\"",
        "\"Union européenne\"", "\"Etats-Unis\"", "\"pouvoir d'achat\"",
        "\"élection présidentielle\"", "\"extrême droite\"", "\"Marine Le Pen\"",
        "\"changement climatique\"", "\"mer Noire\"",
    };
    group bands[5] = {{"words df>=5000", {0}, 0}, {"words df 1000-4999", {0}, 0},
                      {"words df 100-999", {0}, 0}, {"words df 10-99", {0}, 0},
                      {"words df 2-9", {0}, 0}};
    group and_g = {"AND of 2 words", {0}, 0}, or_g = {"OR of 2 words", {0}, 0};
    group ph = {"phrases", {0}, 0}, all = {"all of the above", {0}, 0};
    dp_archive *ar = NULL;
    dp_analyzer *an = NULL;
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    char buf[512];

    if (argc < 2) {
        fprintf(stderr, "usage: bench_search ARCHIVE [ROUNDS]\n");
        return 2;
    }
    if (dp_archive_open(&ar, argv[1], DP_ARCHIVE_READ) != DP_OK ||
        dp_analyzer_new(&an, NULL) != DP_OK) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    pick_words(ar, bands, 10);
    for (size_t i = 0; i < 10; i++) {
        const char *a = bands[i % 3].n ? bands[i % 3].q[i % bands[i % 3].n] : "france";
        const char *b = bands[1 + i % 2].n ? bands[1 + i % 2].q[(i * 7 + 3) % bands[1 + i % 2].n] : "paris";
        snprintf(buf, sizeof buf, "%s %s", a, b);
        add(&and_g, buf);
        snprintf(buf, sizeof buf, "%s OR %s", a, b);
        add(&or_g, buf);
    }
    for (size_t i = 0; i < DP_ARRAY_LEN(phrases); i++)
        add(&ph, phrases[i]);
    for (int b = 0; b < 5; b++)
        for (size_t i = 0; i < bands[b].n; i++)
            add(&all, bands[b].q[i]);
    for (size_t i = 0; i < and_g.n; i++)
        add(&all, and_g.q[i]);
    for (size_t i = 0; i < or_g.n; i++)
        add(&all, or_g.q[i]);
    for (size_t i = 0; i < ph.n; i++)
        add(&all, ph.q[i]);
    printf("archive %s, %d rounds per query after a warm-up\n", argv[1], rounds);
    for (int b = 0; b < 5; b++)
        measure(ar, an, &bands[b], run_search, "search", rounds);
    measure(ar, an, &and_g, run_search, "search", rounds);
    measure(ar, an, &or_g, run_search, "search", rounds);
    measure(ar, an, &ph, run_search, "search", rounds);
    measure(ar, an, &all, run_search, "search", rounds);
    measure(ar, an, &bands[0], run_count, "count", rounds);
    measure(ar, an, &all, run_timeline, "timeline", rounds / 4 + 1);
    printf("words per band:");
    for (int b = 0; b < 5; b++)
        printf(" %s%s", b ? "| " : "", bands[b].n ? bands[b].q[0] : "-");
    printf(" ...\n");
    dp_analyzer_free(an);
    dp_archive_close(ar);
    return 0;
}
