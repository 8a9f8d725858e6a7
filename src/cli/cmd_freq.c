/*
** cmd_freq.c -- `depeche freq ARCHIVE [QUERY]`: frequency list of terms
** (from the index) or of n-grams of words (--ngram 2..5), over the
** archive or the documents matching a query, with document frequency.
*/
#include "corpus_cli.h"

#include <string.h>

static const char freq_usage[] =
    "depeche freq [--ngram N] [--min-freq N] [--limit N] [--keep-stopwords] "
    "[--json|--csv] ARCHIVE [QUERY]";

typedef struct freq_ctx {
    out_format out;
    unsigned ngram;
    bool header;
} freq_ctx;

static int print_row(void *vctx, const dp_freq_summary *s,
                     const dp_freq_row *r)
{
    freq_ctx *c = vctx;
    bool same = r->term.n == r->form.n &&
                memcmp(r->term.p, r->form.p, r->form.n) == 0;

    if (c->out == OUT_JSON) {
        printf("{\"rank\": %llu, \"term\": ", (unsigned long long)r->rank + 1);
        cli_json_str(stdout, r->term.p, r->term.n);
        fputs(", \"form\": ", stdout);
        cli_json_str(stdout, r->form.p, r->form.n);
        printf(", \"freq\": %llu, \"df\": %llu}\n", (unsigned long long)r->freq,
               (unsigned long long)r->df);
    } else if (c->out == OUT_CSV) {
        printf("%llu,", (unsigned long long)r->rank + 1);
        cli_csv_field(stdout, r->term.p, r->term.n);
        fputc(',', stdout);
        cli_csv_field(stdout, r->form.p, r->form.n);
        printf(",%llu,%llu\n", (unsigned long long)r->freq,
               (unsigned long long)r->df);
    } else {
        if (!c->header) {
            c->header = true;
            printf("%llu documents, %llu tokens, %llu distinct %s\n",
                   (unsigned long long)s->docs, (unsigned long long)s->tokens,
                   (unsigned long long)s->distinct,
                   c->ngram == 1 ? "terms" : "n-grams");
            printf("%6s  %-34s %9s %8s\n", "rank", c->ngram == 1 ? "form (term)"
                   : "n-gram", "freq", "df");
        }
        printf("%6llu  ", (unsigned long long)r->rank + 1);
        if (same) {
            cli_pad(stdout, r->form.p, r->form.n, 34);
        } else {
            char tf[300];
            snprintf(tf, sizeof tf, "%.*s (%.*s)", (int)r->form.n, r->form.p,
                     (int)r->term.n, r->term.p);
            cli_pad(stdout, tf, strlen(tf), 34);
        }
        printf(" %9llu %8llu\n", (unsigned long long)r->freq,
               (unsigned long long)r->df);
    }
    return 0;
}

int cmd_freq(int argc, char **argv)
{
    dp_freq_options o = DP_FREQ_OPTIONS_INIT;
    freq_ctx c = {OUT_TABLE, 1, false};
    const char *pos[2] = {NULL, NULL};
    int npos = 0, rc, status = EXIT_OK;
    unsigned long long v;
    dp_archive *a;
    dp_query *q = NULL;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val;
        if (strcmp(arg, "--help") == 0) {
            printf("usage: %s\n", freq_usage);
            return EXIT_OK;
        }
        if (strcmp(arg, "--json") == 0) c.out = OUT_JSON;
        else if (strcmp(arg, "--csv") == 0) c.out = OUT_CSV;
        else if (strcmp(arg, "--keep-stopwords") == 0) o.keep_stopwords = 1;
        else if (arg[0] != '-' || arg[1] != '-') {
            if (npos == 2)
                return cli_usage(freq_usage, "too many arguments");
            pos[npos++] = arg;
        } else if ((val = corpus_optarg(argc, argv, &i)) == NULL) {
            return cli_usage(freq_usage, "'%s' needs a value", arg);
        } else if (strcmp(arg, "--ngram") == 0 || strcmp(arg, "--limit") == 0 ||
                   strcmp(arg, "--min-freq") == 0) {
            if (!cli_parse_u64(val, &v) ||
                (arg[2] == 'n' && (v < 1 || v > 5)))
                return cli_usage(freq_usage, arg[2] == 'n'
                                 ? "--ngram takes 1 to 5" : "%s takes a number", arg);
            if (arg[2] == 'n')
                o.ngram = (unsigned)v;
            else if (arg[2] == 'l')
                o.limit = v;
            else
                o.min_freq = v;
        } else
            return cli_usage(freq_usage, "unknown option '%s'", arg);
    }
    if (npos < 1)
        return cli_usage(freq_usage, "no archive given");
    c.ngram = o.ngram;
    if (pos[1] && (q = corpus_parse_query(pos[1])) == NULL)
        return EXIT_USAGE;
    a = corpus_open_archive(pos[0]);
    if (a == NULL) {
        dp_query_free(q);
        return EXIT_PROBLEM;
    }
    if (c.out == OUT_CSV)
        puts("rank,term,form,freq,df");
    rc = dp_freq(a, q, &o, print_row, &c);
    if (rc != DP_OK)
        status = corpus_fail(a, "freq", rc);
    dp_query_free(q);
    dp_archive_close(a);
    return status;
}
