/*
** cmd_cooc.c -- `depeche cooc ARCHIVE QUERY`: the collocates of a query
** in a window (its sentence by default, or N words on each side), with
** co-occurrence frequency, log-likelihood, PMI and t-score.
*/
#include "corpus_cli.h"

#include <string.h>

static const char cooc_usage[] =
    "depeche cooc [--window N] [--cross-sentences] [--sort ll|pmi|t|freq] "
    "[--min-freq N] [--limit N] [--keep-stopwords] [--json|--csv] "
    "ARCHIVE QUERY";

typedef struct cooc_ctx {
    out_format out;
    bool header;
} cooc_ctx;

static void json_row(const dp_collocate *r)
{
    printf("{\"rank\": %llu, \"term\": ", (unsigned long long)r->rank + 1);
    cli_json_str(stdout, r->term.p, r->term.n);
    fputs(", \"form\": ", stdout);
    cli_json_str(stdout, r->form.p, r->form.n);
    printf(", \"cooc\": %llu, \"freq\": %llu, \"expected\": ",
           (unsigned long long)r->cooc, (unsigned long long)r->freq);
    corpus_num(stdout, r->expected, true);
    fputs(", \"llr\": ", stdout);
    corpus_num(stdout, r->llr, true);
    fputs(", \"pmi\": ", stdout);
    corpus_num(stdout, r->pmi, true);
    fputs(", \"tscore\": ", stdout);
    corpus_num(stdout, r->tscore, true);
    fputs("}\n", stdout);
}

static int print_row(void *vctx, const dp_cooc_summary *s,
                     const dp_collocate *r)
{
    cooc_ctx *c = vctx;
    char tf[300];

    if (c->out == OUT_JSON) {
        json_row(r);
        return 0;
    }
    if (c->out == OUT_CSV) {
        printf("%llu,", (unsigned long long)r->rank + 1);
        cli_csv_field(stdout, r->term.p, r->term.n);
        fputc(',', stdout);
        cli_csv_field(stdout, r->form.p, r->form.n);
        printf(",%llu,%llu,", (unsigned long long)r->cooc,
               (unsigned long long)r->freq);
        corpus_num(stdout, r->expected, false);
        fputc(',', stdout);
        corpus_num(stdout, r->llr, false);
        fputc(',', stdout);
        corpus_num(stdout, r->pmi, false);
        fputc(',', stdout);
        corpus_num(stdout, r->tscore, false);
        fputc('\n', stdout);
        return 0;
    }
    if (!c->header) {
        c->header = true;
        printf("%llu documents, %llu occurrences, %llu tokens in the windows "
               "(R1), %llu tokens in the archive (N)\n",
               (unsigned long long)s->docs, (unsigned long long)s->nodes,
               (unsigned long long)s->window_tokens,
               (unsigned long long)s->tokens);
        printf("%4s  %-30s %7s %9s %9s %10s %7s %7s\n", "rank", "term (form)",
               "cooc", "freq", "expected", "llr", "pmi", "t");
    }
    if (r->term.n == r->form.n && memcmp(r->term.p, r->form.p, r->form.n) == 0)
        snprintf(tf, sizeof tf, "%.*s", (int)r->form.n, r->form.p);
    else
        snprintf(tf, sizeof tf, "%.*s (%.*s)", (int)r->form.n, r->form.p,
                 (int)r->term.n, r->term.p);
    printf("%4llu  ", (unsigned long long)r->rank + 1);
    cli_pad(stdout, tf, strlen(tf), 30);
    printf(" %7llu %9llu %9.2f %10.2f %7.2f %7.2f\n",
           (unsigned long long)r->cooc, (unsigned long long)r->freq,
           r->expected, r->llr, r->pmi, r->tscore);
    return 0;
}

static int parse_args(int argc, char **argv, dp_cooc_options *o,
                      cooc_ctx *c, const char **pos)
{
    int npos = 0;
    unsigned long long v;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val;
        if (strcmp(arg, "--help") == 0) {
            printf("usage: %s\n", cooc_usage);
            return -1;
        }
        if (strcmp(arg, "--json") == 0) c->out = OUT_JSON;
        else if (strcmp(arg, "--csv") == 0) c->out = OUT_CSV;
        else if (strcmp(arg, "--keep-stopwords") == 0) o->keep_stopwords = 1;
        else if (strcmp(arg, "--cross-sentences") == 0) o->cross_sentences = 1;
        else if (arg[0] != '-' || arg[1] != '-') {
            if (npos == 2)
                return cli_usage(cooc_usage, "too many arguments");
            pos[npos++] = arg;
        } else if ((val = corpus_optarg(argc, argv, &i)) == NULL) {
            return cli_usage(cooc_usage, "'%s' needs a value", arg);
        } else if (strcmp(arg, "--sort") == 0) {
            static const char *names[] = {"ll", "pmi", "t", "freq"};
            int k = 0;
            while (k < 4 && strcmp(val, names[k]) != 0)
                k++;
            if (k == 4)
                return cli_usage(cooc_usage, "--sort takes ll, pmi, t or freq");
            o->sort = (dp_cooc_sort)k;
        } else if (strcmp(arg, "--window") == 0 || strcmp(arg, "--limit") == 0 ||
                   strcmp(arg, "--min-freq") == 0) {
            if (!cli_parse_u64(val, &v) || (arg[2] == 'w' && v > 1000))
                return cli_usage(cooc_usage, "%s takes a number", arg);
            if (arg[2] == 'w')
                o->window = (unsigned)v;
            else if (arg[2] == 'l')
                o->limit = v;
            else
                o->min_freq = v;
        } else
            return cli_usage(cooc_usage, "unknown option '%s'", arg);
    }
    if (npos < 2)
        return cli_usage(cooc_usage, "an archive and a query are needed");
    return EXIT_OK;
}

int cmd_cooc(int argc, char **argv)
{
    dp_cooc_options o = DP_COOC_OPTIONS_INIT;
    cooc_ctx c = {OUT_TABLE, false};
    const char *pos[2] = {NULL, NULL};
    dp_archive *a;
    dp_query *q;
    int rc, status = parse_args(argc, argv, &o, &c, pos);

    if (status != EXIT_OK)
        return status < 0 ? EXIT_OK : status;
    q = corpus_parse_query(pos[1]);
    if (q == NULL)
        return EXIT_USAGE;
    a = corpus_open_archive(pos[0]);
    if (a == NULL) {
        dp_query_free(q);
        return EXIT_PROBLEM;
    }
    if (c.out == OUT_CSV)
        puts("rank,term,form,cooc,freq,expected,llr,pmi,tscore");
    rc = dp_cooc(a, q, &o, print_row, &c);
    if (rc == DP_EINVAL)
        status = cli_usage(cooc_usage, "the query has no word");
    else if (rc != DP_OK)
        status = corpus_fail(a, "cooc", rc);
    else if (c.out == OUT_TABLE && !c.header)
        fprintf(stderr, "no collocate\n");
    dp_query_free(q);
    dp_archive_close(a);
    return status;
}
