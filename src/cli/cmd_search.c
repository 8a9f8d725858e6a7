/*
** cmd_search.c -- `depeche search ARCHIVE QUERY`: ranked (BM25) or dated
** search with highlighted snippets and paging without caps.
**
** Output: a table on a terminal (matched words in bold), --json one object
** per hit (id, date, title, score, snippet, highlights as [start, end]
** byte offsets into the snippet), --csv a header row then one row per hit,
** --count the exact total only.  --no-total trades the exact total for
** speed (the top hits are the same, the total a lower bound; with
** --limit 0, which asks for the total only, it is ignored).  A query with
** a syntax error is shown with a caret under the column that failed, and
** exits with status 2.
*/
#include "search_cli.h"

#include <stdlib.h>
#include <string.h>

static const char search_usage[] =
    "depeche search ARCHIVE QUERY... [--sort score|date|-date|date-desc]\n"
    "       [--limit N] [--offset N] [--count] [--no-total] [--lang L]\n"
    "       [--snippet N] [--json|--csv] [--explain]";

dp_archive *search_open_archive(const char *path)
{
    dp_archive *a = NULL;
    int rc = dp_archive_open(&a, path, DP_ARCHIVE_READ);
    if (rc != DP_OK) {
        cli_error("%s", a && *dp_archive_errmsg(a) ? dp_archive_errmsg(a)
                                                   : dp_strerror(rc));
        dp_archive_close(a);
        return NULL;
    }
    return a;
}

dp_query *search_parse_query(const char *text, const char *lang)
{
    dp_query_options o = DP_QUERY_OPTIONS_INIT;
    dp_query_error e;
    dp_query *q = NULL;
    int rc;

    o.lang = lang;
    rc = dp_query_parse(text, strlen(text), &o, &q, &e);
    if (rc == DP_ESYNTAX) {
        size_t col = e.column, len = strlen(text);
        cli_error("query: %s", e.message);
        if (len <= 200 && col >= 1) {
            fprintf(stderr, "  %s\n  %*s^\n", text, (int)(col - 1), "");
        }
    } else if (rc != DP_OK) {
        cli_error("query: %s", dp_strerror(rc));
    }
    return q;
}

char *search_join_args(int argc, char **argv, int from)
{
    size_t len = 1, n = 0;
    char *s;
    for (int i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    s = malloc(len);
    if (s == NULL)
        return NULL;
    for (int i = from; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (n)
            s[n++] = ' ';
        memcpy(s + n, argv[i], l);
        n += l;
    }
    s[n] = '\0';
    return s;
}

typedef struct opts {
    dp_search_options so;
    out_format out;
    bool count_only;
    bool explain;
    const char *lang;
    unsigned long long snippet;
    const char *archive;
    char **words;
    int nwords;
} opts;

static int parse_sort(const char *v, dp_sort *out)
{
    if (strcmp(v, "score") == 0 || strcmp(v, "rank") == 0)
        *out = DP_SORT_SCORE;
    else if (strcmp(v, "date") == 0 || strcmp(v, "date-asc") == 0)
        *out = DP_SORT_DATE_ASC;
    else if (strcmp(v, "-date") == 0 || strcmp(v, "date-desc") == 0)
        *out = DP_SORT_DATE_DESC;
    else
        return -1;
    return 0;
}

/* Options start with "--" (a single '-' starts a negated query word). */
static int parse_args(int argc, char **argv, opts *o)
{
    unsigned long long v;
    o->words = calloc((size_t)argc + 1, sizeof *o->words);
    if (o->words == NULL)
        return EXIT_PROBLEM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
            if (strcmp(a, "--") == 0)
                for (i++; i < argc; i++)
                    o->words[o->nwords++] = argv[i];
            else if (o->archive == NULL)
                o->archive = a;
            else
                o->words[o->nwords++] = argv[i];
            continue;
        }
        if (strcmp(a, "--json") == 0)
            o->out = OUT_JSON;
        else if (strcmp(a, "--csv") == 0)
            o->out = OUT_CSV;
        else if (strcmp(a, "--count") == 0)
            o->count_only = true;
        else if (strcmp(a, "--no-total") == 0)
            o->so.no_total = 1;
        else if (strcmp(a, "--explain") == 0)
            o->explain = true;
        else if (strcmp(a, "--help") == 0) {
            printf("usage: %s\n", search_usage);
            exit(EXIT_OK);
        } else if (val == NULL)
            return cli_usage(search_usage, "unknown option or missing value: '%s'", a);
        else if (strcmp(a, "--sort") == 0) {
            if (parse_sort(val, &o->so.sort))
                return cli_usage(search_usage, "--sort: expected score, date, "
                                               "-date or date-desc, not '%s'", val);
            i++;
        } else if (strcmp(a, "--limit") == 0 || strcmp(a, "--offset") == 0 ||
                   strcmp(a, "--snippet") == 0) {
            if (!cli_parse_u64(val, &v))
                return cli_usage(search_usage, "%s: expected a number, not '%s'",
                                 a, val);
            if (a[2] == 'l')
                o->so.limit = v;
            else if (a[2] == 'o')
                o->so.offset = v;
            else
                o->snippet = v;
            i++;
        } else if (strcmp(a, "--lang") == 0) {
            o->lang = val;
            i++;
        } else
            return cli_usage(search_usage, "unknown option '%s'", a);
    }
    if (o->archive == NULL || o->nwords == 0)
        return cli_usage(search_usage, o->archive ? "no query given"
                                                  : "no archive given");
    return EXIT_OK;
}

static void print_table_hit(size_t rank, const dp_hit *h, const dp_snippet *sn,
                            bool tty)
{
    char date[64];
    size_t at = 0;

    dp_date_format(&h->date, date, sizeof date);
    printf("%3zu. %-10.10s  ", rank, date[0] ? date : "undated");
    fwrite(h->id.p, 1, h->id.n, stdout);
    if (h->score > 0)
        printf("  (%.3f)", h->score);
    printf("\n     %s", tty ? "\033[1m" : "");
    fwrite(h->title.p, 1, h->title.n, stdout);
    printf("%s\n     ", tty ? "\033[0m" : "");
    for (size_t k = 0; k < sn->n_spans; k++) {
        fwrite(sn->text.p + at, 1, sn->spans[k][0] - at, stdout);
        printf("%s", tty ? "\033[1m" : "[");
        fwrite(sn->text.p + sn->spans[k][0], 1,
               sn->spans[k][1] - sn->spans[k][0], stdout);
        printf("%s", tty ? "\033[0m" : "]");
        at = sn->spans[k][1];
    }
    fwrite(sn->text.p + at, 1, sn->text.n - at, stdout);
    printf("\n\n");
}

static void print_json_hit(const dp_hit *h, const dp_snippet *sn)
{
    char date[64];
    dp_date_format(&h->date, date, sizeof date);
    printf("{\"id\": ");
    cli_json_str(stdout, h->id.p, h->id.n);
    printf(", \"date\": ");
    if (date[0])
        cli_json_str(stdout, date, strlen(date));
    else
        printf("null");
    printf(", \"title\": ");
    cli_json_str(stdout, h->title.p, h->title.n);
    printf(", \"score\": %.6f, \"snippet\": ", h->score);
    cli_json_str(stdout, sn->text.p, sn->text.n);
    printf(", \"highlights\": [");
    for (size_t k = 0; k < sn->n_spans; k++)
        printf("%s[%zu, %zu]", k ? ", " : "", sn->spans[k][0], sn->spans[k][1]);
    printf("]}\n");
}

static void print_csv_hit(size_t rank, const dp_hit *h, const dp_snippet *sn)
{
    char date[64];
    dp_date_format(&h->date, date, sizeof date);
    printf("%zu,", rank);
    cli_csv_field(stdout, h->id.p, h->id.n);
    printf(",%s,%.6f,", date, h->score);
    cli_csv_field(stdout, h->title.p, h->title.n);
    fputc(',', stdout);
    cli_csv_field(stdout, sn->text.p, sn->text.n);
    fputc('\n', stdout);
}

static int print_hits(dp_results *r, const opts *o)
{
    bool tty = o->out == OUT_TABLE && cli_is_tty(stdout);
    size_t n = dp_results_count(r);
    uint64_t total = dp_results_total(r);

    if (o->out == OUT_CSV)
        printf("rank,id,date,score,title,snippet\n");
    for (size_t i = 0; i < n; i++) {
        dp_hit h;
        dp_snippet sn;
        int rc = dp_results_hit(r, i, &h);
        if (rc == DP_OK)
            rc = dp_results_snippet(r, i, (size_t)o->snippet, &sn);
        if (rc != DP_OK) {
            cli_error("reading hit %zu: %s", i + 1, dp_strerror(rc));
            return EXIT_PROBLEM;
        }
        if (o->out == OUT_JSON)
            print_json_hit(&h, &sn);
        else if (o->out == OUT_CSV)
            print_csv_hit((size_t)o->so.offset + i + 1, &h, &sn);
        else
            print_table_hit((size_t)o->so.offset + i + 1, &h, &sn, tty);
    }
    if (o->out == OUT_TABLE) {
        /* without the exact total, the matches seen: a lower bound */
        const char *of = o->so.no_total ? "at least " : "";
        if (n)
            printf("%llu-%llu of %s%llu matching documents\n",
                   (unsigned long long)o->so.offset + 1,
                   (unsigned long long)(o->so.offset + n), of,
                   (unsigned long long)total);
        else
            printf("%s%llu matching documents\n", of,
                   (unsigned long long)total);
    }
    return EXIT_OK;
}

int cmd_search(int argc, char **argv)
{
    opts o;
    dp_archive *a = NULL;
    dp_query *q = NULL;
    dp_results *r = NULL;
    char *text = NULL;
    int status, rc;

    memset(&o, 0, sizeof o);
    o.so = (dp_search_options)DP_SEARCH_OPTIONS_INIT;
    status = parse_args(argc, argv, &o);
    if (status != EXIT_OK)
        goto cleanup;
    text = search_join_args(o.nwords, o.words, 0);
    status = EXIT_USAGE;
    q = text ? search_parse_query(text, o.lang) : NULL;
    if (q == NULL)
        goto cleanup;
    if (o.explain) {
        char buf[4096];
        dp_query_explain(q, buf, sizeof buf);
        printf("%s\n", buf);
        status = EXIT_OK;
        goto cleanup;
    }
    status = EXIT_PROBLEM;
    a = search_open_archive(o.archive);
    if (a == NULL)
        goto cleanup;
    if (o.count_only) {
        uint64_t c;
        rc = dp_count(a, q, &c);
        if (rc == DP_OK)
            printf("%llu\n", (unsigned long long)c);
    } else {
        if (o.so.limit == 0) /* the total only: count it */
            o.so.no_total = 0;
        rc = dp_search(a, q, &o.so, &r);
        if (rc == DP_OK) {
            status = print_hits(r, &o);
            goto cleanup;
        }
    }
    if (rc != DP_OK)
        cli_error("search: %s", *dp_archive_errmsg(a) ? dp_archive_errmsg(a)
                                                      : dp_strerror(rc));
    else
        status = EXIT_OK;
cleanup:
    dp_results_free(r);
    dp_query_free(q);
    dp_archive_close(a);
    free(text);
    free(o.words);
    return status;
}
