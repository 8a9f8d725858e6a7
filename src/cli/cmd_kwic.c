/*
** cmd_kwic.c -- `depeche kwic ARCHIVE QUERY`: every occurrence of the
** query with its left and right context (a concordance), sortable by
** date or by the words next to the match, paged without a cap.
*/
#include "corpus_cli.h"

#include <stdlib.h>
#include <string.h>

static const char kwic_usage[] =
    "depeche kwic [--sort doc|date|date-desc|left|right] [--width N[w]] "
    "[--words] [--offset N] [--limit N] [--json|--csv] ARCHIVE QUERY";

typedef struct kwic_ctx {
    out_format out;
    bool tty;
    unsigned width;
    bool words;
} kwic_ctx;

static void print_table(const kwic_ctx *c, const dp_kwic_line *l,
                        const char *date)
{
    size_t lf, lt, rf, rt, w = c->words ? 60 : c->width;
    size_t lw;

    corpus_clip(l->left.p, l->left.n, w, true, &lf, &lt);
    corpus_clip(l->right.p, l->right.n, w, false, &rf, &rt);
    printf("%-16.*s %-10.10s ", (int)(l->id.n > 16 ? 16 : l->id.n), l->id.p,
           date);
    lw = corpus_flat_width(l->left.p + lf, lt - lf);
    for (size_t i = lw; i < w; i++)
        fputc(' ', stdout);
    corpus_flat(stdout, l->left.p + lf, lt - lf);
    fputs(c->tty ? "\033[1m" : "[", stdout);
    corpus_flat(stdout, l->match.p, l->match.n);
    fputs(c->tty ? "\033[0m" : "]", stdout);
    corpus_flat(stdout, l->right.p + rf, rt - rf);
    fputc('\n', stdout);
}

static int print_line(void *vctx, const dp_kwic_line *l)
{
    kwic_ctx *c = vctx;
    char date[40] = "";

    dp_date_format(&l->date, date, sizeof date);
    switch (c->out) {
    case OUT_JSON:
        printf("{\"rank\": %llu, \"id\": ", (unsigned long long)l->rank + 1);
        cli_json_str(stdout, l->id.p, l->id.n);
        printf(", \"date\": ");
        if (date[0])
            cli_json_str(stdout, date, strlen(date));
        else
            fputs("null", stdout);
        fputs(", \"left\": ", stdout);
        cli_json_str(stdout, l->left.p, l->left.n);
        fputs(", \"match\": ", stdout);
        cli_json_str(stdout, l->match.p, l->match.n);
        fputs(", \"right\": ", stdout);
        cli_json_str(stdout, l->right.p, l->right.n);
        printf(", \"field\": \"%s\", \"start\": %zu, \"end\": %zu}\n",
               l->in_title ? "title" : "text", l->start, l->end);
        break;
    case OUT_CSV:
        printf("%llu,", (unsigned long long)l->rank + 1);
        cli_csv_field(stdout, l->id.p, l->id.n);
        printf(",%s,", date);
        cli_csv_field(stdout, l->left.p, l->left.n);
        fputc(',', stdout);
        cli_csv_field(stdout, l->match.p, l->match.n);
        fputc(',', stdout);
        cli_csv_field(stdout, l->right.p, l->right.n);
        printf(",%s,%zu,%zu\n", l->in_title ? "title" : "text", l->start,
               l->end);
        break;
    default:
        print_table(c, l, date);
    }
    return 0;
}

static bool parse_sort(const char *s, dp_kwic_sort *out)
{
    static const char *names[] = {"doc", "date", "date-desc", "left", "right"};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (dp_kwic_sort)i;
            return true;
        }
    return false;
}

static bool parse_width(const char *s, dp_kwic_options *o)
{
    char *end;
    unsigned long v;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    v = strtoul(s, &end, 10);
    if (*end == 'w' && end[1] == '\0')
        o->width_words = 1;
    else if (*end != '\0')
        return false;
    if (v == 0 || v > 100000)
        return false;
    o->width = (unsigned)v;
    return true;
}

int cmd_kwic(int argc, char **argv)
{
    dp_kwic_options o = DP_KWIC_OPTIONS_INIT;
    kwic_ctx c = {OUT_TABLE, false, 40, false};
    const char *pos[2] = {NULL, NULL};
    int npos = 0, rc, status = EXIT_OK;
    unsigned long long v;
    dp_archive *a;
    dp_query *q;
    uint64_t total = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0) {
            printf("usage: %s\n", kwic_usage);
            return EXIT_OK;
        } else if (strcmp(arg, "--json") == 0) {
            c.out = OUT_JSON;
        } else if (strcmp(arg, "--csv") == 0) {
            c.out = OUT_CSV;
        } else if (strcmp(arg, "--words") == 0) {
            o.width_words = 1;
        } else if (strcmp(arg, "--sort") == 0) {
            if (!parse_sort(corpus_optarg(argc, argv, &i), &o.sort))
                return cli_usage(kwic_usage, "--sort takes doc, date, "
                                 "date-desc, left or right");
        } else if (strcmp(arg, "--width") == 0) {
            if (!parse_width(corpus_optarg(argc, argv, &i), &o))
                return cli_usage(kwic_usage, "--width takes N or Nw (words)");
        } else if (strcmp(arg, "--limit") == 0 || strcmp(arg, "--offset") == 0) {
            if (!cli_parse_u64(corpus_optarg(argc, argv, &i), &v))
                return cli_usage(kwic_usage, "%s takes a number", arg);
            if (arg[2] == 'l')
                o.limit = v;
            else
                o.offset = v;
        } else if (arg[0] == '-' && arg[1] == '-') {
            return cli_usage(kwic_usage, "unknown option '%s'", arg);
        } else if (npos < 2) {
            pos[npos++] = arg;
        } else {
            return cli_usage(kwic_usage, "too many arguments");
        }
    }
    if (npos < 2)
        return cli_usage(kwic_usage, "an archive and a query are needed");
    c.width = o.width ? o.width : o.width_words ? 5 : 40;
    c.words = o.width_words;
    c.tty = c.out == OUT_TABLE && cli_is_tty(stdout);
    q = corpus_parse_query(pos[1]);
    if (q == NULL)
        return EXIT_USAGE;
    a = corpus_open_archive(pos[0]);
    if (a == NULL) {
        dp_query_free(q);
        return EXIT_PROBLEM;
    }
    if (c.out == OUT_CSV)
        puts("rank,id,date,left,match,right,field,start,end");
    rc = dp_kwic(a, q, &o, print_line, &c, &total);
    if (rc == DP_EINVAL)
        status = cli_usage(kwic_usage, "the query has no word to show");
    else if (rc != DP_OK)
        status = corpus_fail(a, "kwic", rc);
    else if (c.out == OUT_TABLE && fflush(stdout) == 0)
        fprintf(stderr, "%llu occurrences\n", (unsigned long long)total);
    dp_query_free(q);
    dp_archive_close(a);
    return status;
}
