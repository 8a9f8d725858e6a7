/*
** cmd_show.c -- `depeche show ARCHIVE ID`: print a stored record as it was
** indexed (all its fields, extras included), as a table, --json (one
** object) or --csv (a header row and one row).
*/
#include "search_cli.h"

#include <string.h>

static const char show_usage[] = "depeche show ARCHIVE ID [--json|--csv]";

static void json_field(const char *name, dp_slice v, bool first)
{
    printf("%s\"%s\": ", first ? "" : ", ", name);
    cli_json_str(stdout, v.p ? v.p : "", v.n);
}

static void print_json(const dp_record *r)
{
    char date[64];
    dp_date_format(&r->date, date, sizeof date);
    printf("{");
    json_field("id", r->id, true);
    printf(", \"date\": ");
    if (date[0])
        cli_json_str(stdout, date, strlen(date));
    else
        printf("null");
    json_field("title", r->title, false);
    json_field("source", r->source, false);
    json_field("url", r->url, false);
    json_field("lang", r->lang, false);
    json_field("text", r->text, false);
    printf(", \"extra\": {");
    for (size_t i = 0; i < r->n_extra; i++) {
        printf("%s", i ? ", " : "");
        cli_json_str(stdout, r->extra[i].name.p, r->extra[i].name.n);
        printf(": ");
        cli_json_str(stdout, r->extra[i].value.p, r->extra[i].value.n);
    }
    printf("}}\n");
}

static void print_csv(const dp_record *r)
{
    char date[64];
    const dp_slice *f[] = {&r->id, NULL, &r->title, &r->source, &r->url,
                           &r->lang, &r->text};
    dp_date_format(&r->date, date, sizeof date);
    printf("id,date,title,source,url,lang,text\n");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (i)
            fputc(',', stdout);
        if (f[i])
            cli_csv_field(stdout, f[i]->p ? f[i]->p : "", f[i]->n);
        else
            fputs(date, stdout);
    }
    fputc('\n', stdout);
}

static void table_line(const char *name, dp_slice v)
{
    if (v.n == 0)
        return;
    printf("%-8s ", name);
    fwrite(v.p, 1, v.n, stdout);
    fputc('\n', stdout);
}

static void print_table(const dp_record *r)
{
    char date[64];
    dp_date_format(&r->date, date, sizeof date);
    table_line("id", r->id);
    printf("%-8s %s\n", "date", date[0] ? date : "(none)");
    table_line("title", r->title);
    table_line("source", r->source);
    table_line("url", r->url);
    table_line("lang", r->lang);
    for (size_t i = 0; i < r->n_extra; i++) {
        printf("%-8.*s ", (int)r->extra[i].name.n, r->extra[i].name.p);
        fwrite(r->extra[i].value.p, 1, r->extra[i].value.n, stdout);
        fputc('\n', stdout);
    }
    printf("\n");
    fwrite(r->text.p, 1, r->text.n, stdout);
    printf("\n");
}

int cmd_show(int argc, char **argv)
{
    out_format out = OUT_TABLE;
    const char *pos[2] = {NULL, NULL};
    int npos = 0, rc;
    dp_archive *a;
    dp_record *rec = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            out = OUT_JSON;
        else if (strcmp(argv[i], "--csv") == 0)
            out = OUT_CSV;
        else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: %s\n", show_usage);
            return EXIT_OK;
        } else if (strncmp(argv[i], "--", 2) == 0)
            return cli_usage(show_usage, "unknown option '%s'", argv[i]);
        else if (npos < 2)
            pos[npos++] = argv[i];
        else
            return cli_usage(show_usage, "too many arguments");
    }
    if (npos != 2)
        return cli_usage(show_usage, npos ? "no id given" : "no archive given");
    a = search_open_archive(pos[0]);
    if (a == NULL)
        return EXIT_PROBLEM;
    rc = dp_archive_get(a, pos[1], strlen(pos[1]), &rec);
    if (rc == DP_ENOTFOUND) {
        cli_error("no document with id '%s'", pos[1]);
    } else if (rc != DP_OK) {
        cli_error("%s", *dp_archive_errmsg(a) ? dp_archive_errmsg(a)
                                              : dp_strerror(rc));
    } else if (out == OUT_JSON) {
        print_json(rec);
    } else if (out == OUT_CSV) {
        print_csv(rec);
    } else {
        print_table(rec);
    }
    dp_record_free(rec);
    dp_archive_close(a);
    return rc == DP_OK ? EXIT_OK : EXIT_PROBLEM;
}
