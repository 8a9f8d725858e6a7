/*
** cmd_stats.c -- `depeche stats ARCHIVE`: documents, terms, segments,
** date range, languages, sources and size on disk of an archive.  It also
** checks every checksum of every file (a full verification), so it is the
** command to run when damage is suspected.
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char stats_usage[] = "depeche stats [--json] ARCHIVE";

static void print_json(const char *path, const dp_archive_stats *st)
{
    char d0[64], d1[64];
    dp_date_format(&st->date_min, d0, sizeof d0);
    dp_date_format(&st->date_max, d1, sizeof d1);
    printf("{\"archive\": ");
    cli_json_str(stdout, path, strlen(path));
    printf(", \"documents\": %llu, \"deleted\": %llu, \"tokens\": %llu, "
           "\"terms\": %llu, \"segments\": %llu, \"generation\": %llu, "
           "\"bytes\": %llu, \"sources\": %llu, \"undated\": %llu, "
           "\"date_min\": ",
           (unsigned long long)st->documents, (unsigned long long)st->deleted,
           (unsigned long long)st->tokens, (unsigned long long)st->terms,
           (unsigned long long)st->segments, (unsigned long long)st->generation,
           (unsigned long long)st->bytes, (unsigned long long)st->sources,
           (unsigned long long)st->undated);
    if (d0[0])
        cli_json_str(stdout, d0, strlen(d0));
    else
        fputs("null", stdout);
    printf(", \"date_max\": ");
    if (d1[0])
        cli_json_str(stdout, d1, strlen(d1));
    else
        fputs("null", stdout);
    printf(", \"languages\": {");
    for (size_t i = 0; i < st->n_langs; i++) {
        const char *code = st->langs[i].code[0] ? st->langs[i].code : "unknown";
        printf("%s", i ? ", " : "");
        cli_json_str(stdout, code, strlen(code));
        printf(": %llu", (unsigned long long)st->langs[i].docs);
    }
    printf("}}\n");
}

static void print_table(const char *path, const dp_archive_stats *st)
{
    char d0[64], d1[64];
    dp_date_format(&st->date_min, d0, sizeof d0);
    dp_date_format(&st->date_max, d1, sizeof d1);
    printf("archive     %s\n", path);
    printf("documents   %llu", (unsigned long long)st->documents);
    if (st->deleted)
        printf(" (+%llu deleted, not yet merged away)",
               (unsigned long long)st->deleted);
    printf("\ntokens      %llu\n", (unsigned long long)st->tokens);
    printf("terms       %llu\n", (unsigned long long)st->terms);
    printf("segments    %llu (commit %llu)\n", (unsigned long long)st->segments,
           (unsigned long long)st->generation);
    printf("dates       %s .. %s", d0[0] ? d0 : "-", d1[0] ? d1 : "-");
    if (st->undated)
        printf(" (%llu undated)", (unsigned long long)st->undated);
    printf("\nsources     %llu\nlanguages  ", (unsigned long long)st->sources);
    for (size_t i = 0; i < st->n_langs; i++)
        printf(" %s %llu", st->langs[i].code[0] ? st->langs[i].code : "unknown",
               (unsigned long long)st->langs[i].docs);
    printf("\nsize        %.1f MB (%llu bytes)\n", (double)st->bytes / 1e6,
           (unsigned long long)st->bytes);
}

int cmd_stats(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n", stats_usage);
            return EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage(stats_usage, "unknown option '%s'", argv[i]);
        else if (path == NULL)
            path = argv[i];
        else
            return cli_usage(stats_usage, "one archive only");
    }
    if (path == NULL)
        return cli_usage(stats_usage, "no archive given");
    dp_archive *a;
    dp_archive_stats st;
    int rc = dp_archive_open(&a, path, DP_ARCHIVE_READ);
    if (rc == DP_OK)
        rc = dp_archive_stats_get(a, &st);
    if (rc != DP_OK) {
        cli_error("%s", a ? dp_archive_errmsg(a) : dp_strerror(rc));
        dp_archive_close(a);
        return EXIT_PROBLEM;
    }
    if (json)
        print_json(path, &st);
    else
        print_table(path, &st);
    dp_archive_close(a);
    return EXIT_OK;
}
