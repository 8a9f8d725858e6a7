/*
** corpus_cli.c -- helpers shared by `kwic`, `terms`, `cooc` and `freq`:
** opening the archive, parsing the query, printing numbers and text
** for tables, JSON Lines and CSV.
*/
#include "corpus_cli.h"

#include <math.h>
#include <string.h>

dp_archive *corpus_open_archive(const char *path)
{
    dp_archive *a = NULL;
    int rc = dp_archive_open(&a, path, DP_ARCHIVE_READ);
    if (rc != DP_OK) {
        const char *m = a ? dp_archive_errmsg(a) : "";
        cli_error("cannot open archive '%s': %s%s%s", path, dp_strerror(rc),
                  *m ? ": " : "", m);
        dp_archive_close(a);
        return NULL;
    }
    return a;
}

dp_query *corpus_parse_query(const char *text)
{
    dp_query *q = NULL;
    dp_query_error e;
    int rc = dp_query_parse(text, strlen(text), NULL, &q, &e);
    if (rc == DP_ESYNTAX)
        cli_error("query: %s", e.message);
    else if (rc != DP_OK)
        cli_error("query: %s", dp_strerror(rc));
    return rc == DP_OK ? q : NULL;
}

void corpus_num(FILE *f, double v, bool json)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else if (json)
        fputs("null", f);
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
           c == '\v';
}

void corpus_flat(FILE *f, const char *s, size_t n)
{
    bool sp = false;
    for (size_t i = 0; i < n; i++) {
        if (is_space((unsigned char)s[i])) {
            sp = true;
            continue;
        }
        if (sp)
            fputc(' ', f);
        sp = false;
        fputc(s[i], f);
    }
    if (sp)
        fputc(' ', f);
}

size_t corpus_flat_width(const char *s, size_t n)
{
    size_t w = 0;
    bool sp = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) {
            sp = true;
            continue;
        }
        w += sp;
        sp = false;
        w += (c & 0xC0) != 0x80;
    }
    return w + sp;
}

void corpus_clip(const char *s, size_t n, size_t max, bool keep_end,
                 size_t *from, size_t *to)
{
    *from = 0;
    *to = n;
    while (corpus_flat_width(s + *from, *to - *from) > max) {
        if (keep_end) {
            (*from)++;
            while (*from < n && ((unsigned char)s[*from] & 0xC0) == 0x80)
                (*from)++;
        } else {
            (*to)--;
            while (*to > 0 && ((unsigned char)s[*to] & 0xC0) == 0x80)
                (*to)--;
        }
    }
}

int corpus_fail(dp_archive *a, const char *what, int rc)
{
    const char *m = a ? dp_archive_errmsg(a) : "";
    cli_error("%s: %s%s%s", what, dp_strerror(rc), *m ? ": " : "", m);
    return EXIT_PROBLEM;
}

const char *corpus_optarg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        return NULL;
    (*i)++;
    return argv[*i];
}
