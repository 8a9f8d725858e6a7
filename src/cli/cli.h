/*
** cli.h -- shared helpers of the depeche command (src/cli/).
**
** The command is built only on the public API (include/depeche.h), like
** curl's src/ on libcurl.  Each subcommand lives in cmd_<name>.c and has
** the signature int cmd_<name>(int argc, char **argv), where argv[0] is
** the subcommand's name; it returns the process exit status:
**   0 success, 1 the command ran but found a problem in its input
**   (rejected records, damaged archive), 2 usage error.
*/
#ifndef DP_CLI_H
#define DP_CLI_H

#include "depeche.h"

#include <stdbool.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_PROBLEM = 1, EXIT_USAGE = 2 };

typedef enum out_format { OUT_TABLE = 0, OUT_JSON, OUT_CSV } out_format;

/* Print "depeche: <msg>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "depeche CMD: <msg>\n" and "usage: ..." to stderr; returns 2. */
int cli_usage(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write s[0..n) as a JSON string (with quotes) to f. */
void cli_json_str(FILE *f, const char *s, size_t n);
/* Write s[0..n) as one CSV field (quoted when needed, RFC 4180). */
void cli_csv_field(FILE *f, const char *s, size_t n);
/* True when f is a terminal and NO_COLOR is unset: use bold, bars. */
bool cli_is_tty(FILE *f);
/* Display width of UTF-8 text in code points (good enough for Latin and
** Cyrillic scripts, which is what news archives mostly hold). */
size_t cli_width(const char *s, size_t n);
/* Write s[0..n) and pad with spaces to `width` code points. */
void cli_pad(FILE *f, const char *s, size_t n, size_t width);
/* Read a whole file (or "-" for stdin) into a malloc'd buffer. */
int cli_read_file(const char *path, char **out, size_t *n);
/* Print a reader issue as "file:line:column: rejected|warning: kind:
** message" (line and column when known). */
void cli_print_issue(FILE *f, const dp_issue *is);
/* Parse a --format value (auto, text, jsonl, csv, tsv): 0 or -1. */
int cli_parse_format(const char *s, dp_format *f);
/* Parse a non-negative integer option value; false if malformed. */
bool cli_parse_u64(const char *s, unsigned long long *out);

/* The subcommands (defined in cmd_<name>.c; main.c has weak fallbacks
** that say "not implemented yet" for any not linked in). */
int cmd_analyze(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_index(int argc, char **argv);   /* also "add" */
int cmd_stats(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_optimize(int argc, char **argv);
int cmd_kwic(int argc, char **argv);
int cmd_terms(int argc, char **argv);
int cmd_cooc(int argc, char **argv);
int cmd_freq(int argc, char **argv);

#endif /* DP_CLI_H */
