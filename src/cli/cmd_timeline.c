/*
** cmd_timeline.c -- `depeche timeline ARCHIVE QUERY --by PERIOD`: matching
** documents per day, ISO week, month (default) or year, with all documents
** of the period and the share.  Periods without a match are listed with
** 0; documents less precise than the period have rows of their own
** ("2022-01-??": January 2022, day unknown).  Table (with bars on a
** terminal), --json one object per period, --csv a header and one row per
** period.
*/
#include "search_cli.h"

#include <stdlib.h>
#include <string.h>

static const char timeline_usage[] =
    "depeche timeline ARCHIVE QUERY... [--by day|week|month|year] "
    "[--lang L] [--json|--csv]";

typedef struct tctx {
    out_format out;
    bool tty;
} tctx;

static int on_row(void *vctx, const dp_timeline_row *r)
{
    tctx *c = vctx;
    switch (c->out) {
    case OUT_JSON:
        printf("{\"period\": \"%s\", \"count\": %llu, \"total\": %llu, "
               "\"share\": %.6f}\n",
               r->period, (unsigned long long)r->count,
               (unsigned long long)r->total, r->share);
        break;
    case OUT_CSV:
        printf("%s,%llu,%llu,%.6f\n", r->period, (unsigned long long)r->count,
               (unsigned long long)r->total, r->share);
        break;
    default:
        printf("%-12s %8llu %8llu %7.2f%%", r->period,
               (unsigned long long)r->count, (unsigned long long)r->total,
               100 * r->share);
        if (c->tty) {
            int w = (int)(r->share * 40 + 0.5);
            fputc(' ', stdout);
            for (int i = 0; i < w; i++)
                fputs("\xe2\x96\x88", stdout); /* full block */
        }
        fputc('\n', stdout);
    }
    return 0;
}

static int parse_by(const char *v, dp_period *by)
{
    static const char *names[] = {"day", "week", "month", "year"};
    for (int i = 0; i < 4; i++)
        if (strcmp(v, names[i]) == 0) {
            *by = (dp_period)i;
            return 0;
        }
    return -1;
}

int cmd_timeline(int argc, char **argv)
{
    tctx c = {OUT_TABLE, false};
    dp_period by = DP_BY_MONTH;
    const char *archive = NULL, *lang = NULL;
    char **words = calloc((size_t)argc + 1, sizeof *words);
    char *text = NULL;
    dp_archive *a = NULL;
    dp_query *q = NULL;
    int nw = 0, status = EXIT_USAGE, rc;

    if (words == NULL)
        return EXIT_PROBLEM;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strncmp(o, "--", 2) != 0) {
            if (archive == NULL)
                archive = o;
            else
                words[nw++] = argv[i];
        } else if (strcmp(o, "--json") == 0) {
            c.out = OUT_JSON;
        } else if (strcmp(o, "--csv") == 0) {
            c.out = OUT_CSV;
        } else if (strcmp(o, "--help") == 0) {
            printf("usage: %s\n", timeline_usage);
            free(words);
            return EXIT_OK;
        } else if (strcmp(o, "--by") == 0 && i + 1 < argc) {
            if (parse_by(argv[++i], &by)) {
                status = cli_usage(timeline_usage, "--by: expected day, week, "
                                   "month or year, not '%s'", argv[i]);
                goto cleanup;
            }
        } else if (strcmp(o, "--lang") == 0 && i + 1 < argc) {
            lang = argv[++i];
        } else {
            status = cli_usage(timeline_usage, "unknown option or missing "
                               "value: '%s'", o);
            goto cleanup;
        }
    }
    if (archive == NULL || nw == 0) {
        status = cli_usage(timeline_usage, archive ? "no query given"
                                                   : "no archive given");
        goto cleanup;
    }
    text = search_join_args(nw, words, 0);
    q = text ? search_parse_query(text, lang) : NULL;
    if (q == NULL)
        goto cleanup;
    status = EXIT_PROBLEM;
    a = search_open_archive(archive);
    if (a == NULL)
        goto cleanup;
    c.tty = c.out == OUT_TABLE && cli_is_tty(stdout);
    if (c.out == OUT_CSV)
        printf("period,count,total,share\n");
    else if (c.out == OUT_TABLE)
        printf("%-12s %8s %8s %8s\n", "period", "count", "total", "share");
    rc = dp_timeline(a, q, by, on_row, &c);
    if (rc != DP_OK)
        cli_error("timeline: %s", *dp_archive_errmsg(a) ? dp_archive_errmsg(a)
                                                        : dp_strerror(rc));
    else
        status = EXIT_OK;
cleanup:
    dp_query_free(q);
    dp_archive_close(a);
    free(text);
    free(words);
    return status;
}
