/*
** bench_query.c -- latency of each way of asking one query set, in one
** long-lived process (archive opening and query parsing excluded).
** Never part of `make check`.
**
** Usage: bench_query ARCHIVE [ROUNDS] < QUERIES
**
** QUERIES: one query per line, in depeche's syntax.  Each query runs
** ROUNDS times (default 15) after one warm-up, in four modes taken in
** turn within each round, so that a slow spell of the machine falls on
** all of them alike:
**   exact:    dp_search, top 10 by BM25 with the exact total;
**   no_total: the same top 10 without it (dp_search_options.no_total);
**   count:    dp_count;
**   timeline: dp_timeline by month.
** Printed: per query its matches and the median of each mode (ms), then
** per mode the median and the 99th percentile (nearest rank) of the
** queries' medians, as bench/peers/report.py computes them.
**
** The ORs of the side-by-side benchmark, for example:
**   grep -P '\tor\t' WORK/input/queries.tsv | cut -f4 | sed 's/ / OR /g' |
**       build/bench/bench_query WORK/index-depeche/archive
** (WORK: /tmp/depeche-bench-peers/lemonde2022-10x after make bench-peers
** on the ten-times corpus).
*/
#include "depeche.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MODE_EXACT, MODE_NO_TOTAL, MODE_COUNT, MODE_TIMELINE, NMODES };
static const char *const mode_names[NMODES] = {"exact", "no_total", "count",
                                               "timeline"};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* As bench/peers/report.py: the middle value, or the mean of the two. */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_d);
    if (n == 0)
        return 0;
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int on_row(void *ctx, const dp_timeline_row *row)
{
    *(uint64_t *)ctx += row->count;
    return 0;
}

/* One run of q in mode m; *matches gets what it found. */
static int run_mode(dp_archive *ar, const dp_query *q, int m,
                    uint64_t *matches)
{
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_results *r = NULL;
    int rc;
    *matches = 0;
    switch (m) {
    case MODE_EXACT:
    case MODE_NO_TOTAL:
        so.limit = 10;
        so.no_total = m == MODE_NO_TOTAL;
        rc = dp_search(ar, q, &so, &r);
        if (rc == DP_OK)
            *matches = dp_results_total(r);
        dp_results_free(r);
        return rc;
    case MODE_COUNT: return dp_count(ar, q, matches);
    default: return dp_timeline(ar, q, DP_BY_MONTH, on_row, matches);
    }
}

/* Time q: fills med[NMODES]; DP_OK or the first error. */
static int time_query(dp_archive *ar, const dp_query *q, int rounds,
                      double *med, uint64_t *matches)
{
    double *t = calloc((size_t)rounds * NMODES, sizeof *t);
    uint64_t c;
    int rc = t ? DP_OK : DP_ENOMEM;
    for (int m = 0; m < NMODES && rc == DP_OK; m++) /* warm-up */
        rc = run_mode(ar, q, m, &c);
    for (int i = 0; i < rounds && rc == DP_OK; i++)
        for (int m = 0; m < NMODES && rc == DP_OK; m++) {
            double s = now_ms();
            rc = run_mode(ar, q, m, &c);
            t[(size_t)m * rounds + i] = now_ms() - s;
            if (m == MODE_COUNT)
                *matches = c;
        }
    for (int m = 0; m < NMODES && rc == DP_OK; m++)
        med[m] = median(t + (size_t)m * rounds, (size_t)rounds);
    free(t);
    return rc;
}

int main(int argc, char **argv)
{
    dp_archive *ar = NULL;
    dp_analyzer *an = NULL;
    int rounds = argc > 2 ? atoi(argv[2]) : 15;
    char line[4096];
    double *meds[NMODES] = {NULL};
    size_t n = 0, cap = 0;
    int rc;

    if (argc < 2 || rounds < 1) {
        fprintf(stderr, "usage: bench_query ARCHIVE [ROUNDS] < QUERIES\n");
        return 2;
    }
    rc = dp_archive_open(&ar, argv[1], DP_ARCHIVE_READ);
    if (rc == DP_OK)
        rc = dp_analyzer_new(&an, NULL);
    if (rc != DP_OK) {
        fprintf(stderr, "bench_query: %s: %s\n", argv[1],
                ar ? dp_archive_errmsg(ar) : dp_strerror(rc));
        return 1;
    }
    printf("%-40s %9s", "query", "matches");
    for (int m = 0; m < NMODES; m++)
        printf(" %9s", mode_names[m]);
    printf("\n");
    while (fgets(line, sizeof line, stdin) != NULL) {
        dp_query_options qo = DP_QUERY_OPTIONS_INIT;
        dp_query_error err;
        dp_query *q;
        double med[NMODES];
        uint64_t matches = 0;
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == 0)
            continue;
        qo.analyzer = an;
        if (dp_query_parse(line, strlen(line), &qo, &q, &err) != DP_OK) {
            fprintf(stderr, "bench_query: %s: %s\n", line, err.message);
            return 1;
        }
        rc = time_query(ar, q, rounds, med, &matches);
        dp_query_free(q);
        if (rc != DP_OK) {
            fprintf(stderr, "bench_query: %s: %s\n", line,
                    dp_archive_errmsg(ar));
            return 1;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            for (int m = 0; m < NMODES; m++)
                if ((meds[m] = realloc(meds[m], cap * sizeof **meds)) == NULL)
                    return 1;
        }
        printf("%-40.40s %9llu", line, (unsigned long long)matches);
        for (int m = 0; m < NMODES; m++) {
            meds[m][n] = med[m];
            printf(" %9.3f", med[m]);
        }
        printf("\n");
        n++;
    }
    for (int m = 0; m < NMODES && n > 0; m++) {
        size_t p99 = (size_t)ceil(0.99 * (double)n) - 1;
        double mid = median(meds[m], n); /* sorts */
        printf("%-9s %zu queries: median %.3f ms, p99 %.3f ms\n",
               mode_names[m], n, mid, meds[m][p99]);
        free(meds[m]);
    }
    dp_analyzer_free(an);
    dp_archive_close(ar);
    return 0;
}
