/*
** cmd_read.c -- `depeche read FILE...`: print records as the readers parse
** them, and a summary of what was read and rejected.
**
** This is the user's window on the readers: before indexing an archive of
** unknown files, `depeche read` shows which fields were recognised, which
** dates were understood at which precision, and every record that would be
** rejected, with file, line, column and reason.
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char read_usage[] =
    "depeche read [--json] [--format auto|text|jsonl|csv|tsv] [--utf8 repair|reject]\n"
    "                    [--quiet] FILE|DIR|- ...";

struct read_opts {
    out_format out;
    bool quiet;
};

static int print_issue(void *ctx, const dp_issue *is)
{
    (void)ctx;
    cli_print_issue(stderr, is);
    return 0;
}

static void json_field(FILE *f, const char *name, dp_slice v, bool *first)
{
    if (!*first)
        fputs(", ", f);
    *first = false;
    cli_json_str(f, name, strlen(name));
    fputs(": ", f);
    cli_json_str(f, v.p ? v.p : "", v.n);
}

static void print_record_json(const dp_record *r)
{
    char date[64];
    bool first = true;
    dp_slice d = {date, dp_date_format(&r->date, date, sizeof date)};
    static const char *prec[] = {"none", "year", "month", "day", "time"};

    fputc('{', stdout);
    json_field(stdout, "id", r->id, &first);
    json_field(stdout, "date", d, &first);
    printf(", \"date_precision\": \"%s\"", prec[r->date.prec <= 4 ? r->date.prec : 0]);
    json_field(stdout, "title", r->title, &first);
    json_field(stdout, "source", r->source, &first);
    json_field(stdout, "url", r->url, &first);
    json_field(stdout, "lang", r->lang, &first);
    json_field(stdout, "text", r->text, &first);
    fputs(", \"extra\": {", stdout);
    for (size_t i = 0; i < r->n_extra; i++) {
        if (i)
            fputs(", ", stdout);
        cli_json_str(stdout, r->extra[i].name.p, r->extra[i].name.n);
        fputs(": ", stdout);
        cli_json_str(stdout, r->extra[i].value.p, r->extra[i].value.n);
    }
    printf("}, \"file\": ");
    cli_json_str(stdout, r->file, strlen(r->file));
    printf(", \"line\": %llu}\n", (unsigned long long)r->line);
}

/* One short line per record: where, id, date, title and the text's start. */
static void print_record_table(const dp_record *r)
{
    char date[64];
    size_t show = r->text.n < 60 ? r->text.n : 60;

    dp_date_format(&r->date, date, sizeof date);
    /* Cut the preview on a UTF-8 boundary and on the first newline. */
    while (show > 0 && show < r->text.n && ((unsigned char)r->text.p[show] & 0xC0) == 0x80)
        show--;
    const char *nl = show ? memchr(r->text.p, '\n', show) : NULL;
    if (nl)
        show = (size_t)(nl - r->text.p);
    printf("%s:%llu\t%.*s\t%s\t%.*s\t%.*s\t%.*s%s (%zu bytes)\n", r->file,
           (unsigned long long)r->line, (int)r->id.n, r->id.p ? r->id.p : "",
           date[0] ? date : "-", (int)r->lang.n, r->lang.p ? r->lang.p : "",
           (int)r->title.n, r->title.p ? r->title.p : "", (int)show,
           r->text.p ? r->text.p : "", show < r->text.n ? "..." : "", r->text.n);
}

static void print_summary(const dp_reader_stats *st, out_format out)
{
    FILE *f = out == OUT_JSON ? stdout : stderr;
    bool first = true;

    if (out == OUT_JSON) {
        printf("{\"summary\": {\"files\": %llu, \"records\": %llu, \"rejected\": %llu, "
               "\"warnings\": %llu, \"issues\": {",
               (unsigned long long)st->files, (unsigned long long)st->records,
               (unsigned long long)st->rejected, (unsigned long long)st->warnings);
    } else {
        fprintf(f, "%llu files, %llu records read, %llu rejected, %llu warnings\n",
                (unsigned long long)st->files, (unsigned long long)st->records,
                (unsigned long long)st->rejected, (unsigned long long)st->warnings);
    }
    for (int k = 0; k < DP_ISSUE__COUNT; k++) {
        if (st->by_kind[k] == 0)
            continue;
        if (out == OUT_JSON)
            printf("%s\"%s\": %llu", first ? "" : ", ", dp_issue_name((dp_issue_kind)k),
                   (unsigned long long)st->by_kind[k]);
        else
            fprintf(f, "  %-16s %llu\n", dp_issue_name((dp_issue_kind)k),
                    (unsigned long long)st->by_kind[k]);
        first = false;
    }
    if (out == OUT_JSON)
        printf("}}}\n");
}

int cmd_read(int argc, char **argv)
{
    dp_reader_options ro = DP_READER_OPTIONS_INIT;
    struct read_opts o = {OUT_TABLE, false};
    const char **paths = calloc((size_t)argc, sizeof *paths);
    size_t n_paths = 0;
    dp_reader *r = NULL;
    const dp_record *rec;
    dp_reader_stats st;
    int rc, status = EXIT_OK;

    if (paths == NULL)
        return EXIT_PROBLEM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o.out = OUT_JSON;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = true;
        } else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            if (cli_parse_format(argv[++i], &ro.format) != 0) {
                free(paths);
                return cli_usage(read_usage, "unknown format '%s'", argv[i]);
            }
        } else if (strcmp(a, "--utf8") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "repair") == 0)
                ro.utf8 = DP_UTF8_REPAIR;
            else if (strcmp(v, "reject") == 0)
                ro.utf8 = DP_UTF8_REJECT;
            else {
                free(paths);
                return cli_usage(read_usage, "--utf8 takes repair or reject");
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            free(paths);
            printf("usage: %s\n", read_usage);
            return EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            free(paths);
            return cli_usage(read_usage, "unknown option '%s'", a);
        } else {
            paths[n_paths++] = a;
        }
    }
    if (n_paths == 0) {
        free(paths);
        return cli_usage(read_usage, "no input given");
    }
    ro.on_issue = print_issue;
    rc = dp_reader_open(&r, paths, n_paths, &ro);
    if (rc != DP_OK) {
        cli_error("cannot read: %s", dp_strerror(rc));
        free(paths);
        return EXIT_PROBLEM;
    }
    while ((rc = dp_reader_next(r, &rec)) == DP_OK) {
        if (o.quiet)
            continue;
        if (o.out == OUT_JSON)
            print_record_json(rec);
        else
            print_record_table(rec);
    }
    if (rc != DP_ENOTFOUND) {
        cli_error("read stopped: %s", dp_strerror(rc));
        status = EXIT_PROBLEM;
    }
    dp_reader_stats_get(r, &st);
    print_summary(&st, o.out);
    if (st.rejected || st.by_kind[DP_ISSUE_IO] || st.by_kind[DP_ISSUE_TRUNCATED])
        status = EXIT_PROBLEM;
    dp_reader_close(r);
    free(paths);
    return status;
}
