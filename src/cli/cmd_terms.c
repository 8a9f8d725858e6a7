/*
** cmd_terms.c -- `depeche terms ARCHIVE`: the terms that characterise a
** part of the archive (a period, a query, a source, or several at once)
** against the rest of it or another period, with log-likelihood and
** Lafon's specificity; --per-period gives every period in one call.
*/
#include "corpus_cli.h"

#include <stdlib.h>
#include <string.h>

static const char terms_usage[] =
    "depeche terms [--date D] [--query Q] [--source S] [--against D | "
    "--against-query Q] [--per-period day|week|month|year] [--sort ll|spec] "
    "[--under|--both] [--limit N] [--min-freq N] [--keep-stopwords] "
    "[--json|--csv] ARCHIVE";

typedef struct terms_ctx {
    out_format out;
    const char *last_period;
    bool header;
} terms_ctx;

static void part_header(terms_ctx *c, const dp_terms_part *p)
{
    if (c->header && (p->period == NULL || (c->last_period &&
                                            strcmp(c->last_period, p->period) == 0)))
        return;
    c->header = true;
    c->last_period = p->period;
    printf("%s%s%s%llu documents, %llu tokens; reference: %llu documents, "
           "%llu tokens\n",
           p->period ? "\n" : "", p->period ? p->period : "",
           p->period ? ": " : "part: ", (unsigned long long)p->docs,
           (unsigned long long)p->tokens, (unsigned long long)p->ref_docs,
           (unsigned long long)p->ref_tokens);
    printf("%4s  %-30s %9s %10s %9s %7s %11s %9s\n", "rank", "term (form)",
           "freq", "expected", "ref", "df", "llr", "spec");
}

static void json_row(const dp_terms_part *p, const dp_term_score *r)
{
    fputs("{", stdout);
    if (p->period)
        printf("\"period\": \"%s\", ", p->period);
    printf("\"rank\": %llu, \"term\": ", (unsigned long long)r->rank + 1);
    cli_json_str(stdout, r->term.p, r->term.n);
    fputs(", \"form\": ", stdout);
    cli_json_str(stdout, r->form.p, r->form.n);
    printf(", \"freq\": %llu, \"expected\": ", (unsigned long long)r->freq);
    corpus_num(stdout, r->expected, true);
    printf(", \"ref_freq\": %llu, \"df\": %llu, \"ref_df\": %llu, \"llr\": ",
           (unsigned long long)r->ref_freq, (unsigned long long)r->df,
           (unsigned long long)r->ref_df);
    corpus_num(stdout, r->llr, true);
    fputs(", \"spec\": ", stdout);
    corpus_num(stdout, r->spec, true);
    printf(", \"sign\": %d, \"part_tokens\": %llu, \"ref_tokens\": %llu}\n",
           r->sign, (unsigned long long)p->tokens,
           (unsigned long long)p->ref_tokens);
}

static int print_row(void *vctx, const dp_terms_part *p, const dp_term_score *r)
{
    terms_ctx *c = vctx;
    char tf[300];

    if (c->out == OUT_JSON) {
        json_row(p, r);
    } else if (c->out == OUT_CSV) {
        printf("%s,%llu,", p->period ? p->period : "",
               (unsigned long long)r->rank + 1);
        cli_csv_field(stdout, r->term.p, r->term.n);
        fputc(',', stdout);
        cli_csv_field(stdout, r->form.p, r->form.n);
        printf(",%llu,", (unsigned long long)r->freq);
        corpus_num(stdout, r->expected, false);
        printf(",%llu,%llu,%llu,", (unsigned long long)r->ref_freq,
               (unsigned long long)r->df, (unsigned long long)r->ref_df);
        corpus_num(stdout, r->llr, false);
        fputc(',', stdout);
        corpus_num(stdout, r->spec, false);
        printf(",%d\n", r->sign);
    } else {
        part_header(c, p);
        if (r->term.n == r->form.n && memcmp(r->term.p, r->form.p, r->form.n) == 0)
            snprintf(tf, sizeof tf, "%.*s", (int)r->form.n, r->form.p);
        else
            snprintf(tf, sizeof tf, "%.*s (%.*s)", (int)r->form.n, r->form.p,
                     (int)r->term.n, r->term.p);
        printf("%4llu  ", (unsigned long long)r->rank + 1);
        cli_pad(stdout, tf, strlen(tf), 30);
        printf(" %9llu %10.1f %9llu %7llu %11.2f %9.2f\n",
               (unsigned long long)r->freq, r->expected,
               (unsigned long long)r->ref_freq, (unsigned long long)r->df,
               r->llr, r->spec);
    }
    return 0;
}

static bool parse_period(const char *s, dp_period *p)
{
    static const char *names[] = {"day", "week", "month", "year"};
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *p = (dp_period)i;
            return true;
        }
    return false;
}

/* Append " field:value" (value quoted when it has a space or quote). */
static void add_clause(char *buf, size_t cap, const char *field,
                       const char *value)
{
    size_t n = strlen(buf);
    if (strcmp(field, "(") == 0)
        snprintf(buf + n, cap - n, "%s(%s)", n ? " " : "", value);
    else if (strpbrk(value, " \t\"()") != NULL)
        snprintf(buf + n, cap - n, "%s%s\"%s\"", n ? " " : "", field, value);
    else
        snprintf(buf + n, cap - n, "%s%s%s", n ? " " : "", field, value);
}

typedef struct terms_args {
    char part[4096], against[4096];
    const char *archive;
} terms_args;

static int parse_args(int argc, char **argv, dp_terms_options *o,
                      terms_ctx *c, terms_args *t)
{
    unsigned long long v;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        if (strcmp(arg, "--help") == 0) {
            printf("usage: %s\n", terms_usage);
            exit(EXIT_OK);
        }
        if (strcmp(arg, "--json") == 0) c->out = OUT_JSON;
        else if (strcmp(arg, "--csv") == 0) c->out = OUT_CSV;
        else if (strcmp(arg, "--keep-stopwords") == 0) o->keep_stopwords = 1;
        else if (strcmp(arg, "--under") == 0) o->sign = DP_TERMS_UNDER;
        else if (strcmp(arg, "--both") == 0) o->sign = DP_TERMS_BOTH;
        else if (arg[0] != '-' || arg[1] != '-') {
            if (t->archive)
                return cli_usage(terms_usage, "too many arguments");
            t->archive = arg;
        } else if ((val = corpus_optarg(argc, argv, &i)) == NULL) {
            return cli_usage(terms_usage, "'%s' needs a value", arg);
        } else if (strcmp(arg, "--date") == 0) add_clause(t->part, sizeof t->part, "date:", val);
        else if (strcmp(arg, "--source") == 0) add_clause(t->part, sizeof t->part, "source:", val);
        else if (strcmp(arg, "--query") == 0) add_clause(t->part, sizeof t->part, "(", val);
        else if (strcmp(arg, "--against") == 0) add_clause(t->against, sizeof t->against, "date:", val);
        else if (strcmp(arg, "--against-query") == 0) add_clause(t->against, sizeof t->against, "(", val);
        else if (strcmp(arg, "--per-period") == 0) {
            if (!parse_period(val, &o->period))
                return cli_usage(terms_usage, "--per-period takes day, week, month or year");
            o->per_period = 1;
        } else if (strcmp(arg, "--sort") == 0) {
            if (strcmp(val, "ll") && strcmp(val, "spec"))
                return cli_usage(terms_usage, "--sort takes ll or spec");
            o->sort = val[0] == 's' ? DP_TERMS_BY_SPEC : DP_TERMS_BY_LL;
        } else if (strcmp(arg, "--limit") == 0 || strcmp(arg, "--min-freq") == 0) {
            if (!cli_parse_u64(val, &v))
                return cli_usage(terms_usage, "%s takes a number", arg);
            if (arg[2] == 'l')
                o->limit = v;
            else
                o->min_freq = v;
        } else
            return cli_usage(terms_usage, "unknown option '%s'", arg);
    }
    if (t->archive == NULL)
        return cli_usage(terms_usage, "no archive given");
    if (!o->per_period && t->part[0] == 0)
        return cli_usage(terms_usage, "choose a part: --date, --query, --source "
                                      "or --per-period");
    if (o->per_period && t->against[0])
        return cli_usage(terms_usage, "--per-period compares each period with "
                                      "the rest: no --against");
    return EXIT_OK;
}

int cmd_terms(int argc, char **argv)
{
    dp_terms_options o = DP_TERMS_OPTIONS_INIT;
    terms_ctx c = {OUT_TABLE, NULL, false};
    static terms_args t;
    dp_query *part = NULL, *against = NULL;
    dp_archive *a = NULL;
    int status, rc;

    memset(&t, 0, sizeof t);
    status = parse_args(argc, argv, &o, &c, &t);
    if (status != EXIT_OK)
        return status;
    if ((t.part[0] && (part = corpus_parse_query(t.part)) == NULL) ||
        (t.against[0] && (against = corpus_parse_query(t.against)) == NULL)) {
        status = EXIT_USAGE;
        goto cleanup;
    }
    o.part = part;
    o.against = against;
    a = corpus_open_archive(t.archive);
    if (a == NULL) {
        status = EXIT_PROBLEM;
        goto cleanup;
    }
    if (c.out == OUT_CSV)
        puts("period,rank,term,form,freq,expected,ref_freq,df,ref_df,llr,spec,sign");
    rc = dp_terms(a, &o, print_row, &c);
    if (rc != DP_OK)
        status = corpus_fail(a, "terms", rc);
    else if (c.out == OUT_TABLE && !c.header)
        fprintf(stderr, "no document in the part\n");
cleanup:
    dp_query_free(part);
    dp_query_free(against);
    dp_archive_close(a);
    return status;
}
