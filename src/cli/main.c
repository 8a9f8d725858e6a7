/*
** main.c -- the depeche command: dispatch to subcommands.
**
** Each subcommand lives in cmd_<name>.c.  The weak definitions below let
** the command build while a subcommand is still missing; a strong
** definition in its own file replaces them at link time.
*/
#include "cli.h"

#include <string.h>

#define WEAK_CMD(name)                                                   \
    __attribute__((weak)) int cmd_##name(int argc, char **argv)         \
    {                                                                    \
        (void)argc;                                                      \
        cli_error("'%s' is not available in this build", argv[0]);      \
        return EXIT_USAGE;                                               \
    }

WEAK_CMD(analyze)
WEAK_CMD(read)
WEAK_CMD(index)
WEAK_CMD(stats)
WEAK_CMD(search)
WEAK_CMD(show)
WEAK_CMD(timeline)
WEAK_CMD(delete)
WEAK_CMD(optimize)
WEAK_CMD(kwic)
WEAK_CMD(terms)
WEAK_CMD(cooc)
WEAK_CMD(freq)

static const struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"analyze", cmd_analyze, "show the tokens and terms of a text"},
    {"read", cmd_read, "read records from files and print them as parsed"},
    {"index", cmd_index, "create an archive or add records to it"},
    {"add", cmd_index, "add records to an archive (same as index)"},
    {"stats", cmd_stats, "documents, terms, segments, dates of an archive"},
    {"search", cmd_search, "ranked or dated search with snippets"},
    {"show", cmd_show, "print a stored record"},
    {"timeline", cmd_timeline, "matching documents per period, with shares"},
    {"delete", cmd_delete, "delete records by id"},
    {"optimize", cmd_optimize, "merge an archive's segments into one"},
    {"kwic", cmd_kwic, "concordance: every occurrence in its context"},
    {"terms", cmd_terms, "significant terms of a period, query or source"},
    {"cooc", cmd_cooc, "collocates of a query, with their scores"},
    {"freq", cmd_freq, "frequency list of terms and n-grams"},
};

static int usage(FILE *f)
{
    fprintf(f, "usage: depeche COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEvery command takes --help; most take --json and --csv.\n");
    return f == stdout ? EXIT_OK : EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--version") == 0) {
        printf("depeche %s\n", DP_VERSION);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
        return usage(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("unknown command '%s'", argv[1]);
    return usage(stderr);
}
