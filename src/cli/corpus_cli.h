/*
** corpus_cli.h -- helpers shared by the corpus-analysis subcommands
** (cmd_kwic.c, cmd_terms.c, cmd_cooc.c, cmd_freq.c).
*/
#ifndef DP_CORPUS_CLI_H
#define DP_CORPUS_CLI_H

#include "cli.h"

/* Open path read-only; on failure print why and return NULL. */
dp_archive *corpus_open_archive(const char *path);
/* Parse a query; on failure print the column and message, NULL. */
dp_query *corpus_parse_query(const char *text);
/* Print a number for JSON/CSV: %.10g, or null / empty for non-finite. */
void corpus_num(FILE *f, double v, bool json);
/* Write s[0..n) with every run of whitespace as one space (tables). */
void corpus_flat(FILE *f, const char *s, size_t n);
/* Code points of s[0..n) once flattened like corpus_flat. */
size_t corpus_flat_width(const char *s, size_t n);
/* The last (keep_end) or first `max` code points of the flattened text:
** byte range [*from, *to) of s. */
void corpus_clip(const char *s, size_t n, size_t max, bool keep_end,
                 size_t *from, size_t *to);
/* Report a library failure: message, exit status 1. */
int corpus_fail(dp_archive *a, const char *what, int rc);
/* Value of "--opt VALUE" at argv[*i] (advancing *i), or NULL. */
const char *corpus_optarg(int argc, char **argv, int *i);

#endif /* DP_CORPUS_CLI_H */
