/*
** cli_util.c -- output escaping, error printing and small parsers shared
** by the subcommands.
*/
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("depeche: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage(const char *usage, const char *fmt, ...)
{
    va_list ap;
    if (fmt) {
        fputs("depeche: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    fprintf(stderr, "usage: %s\n", usage);
    return EXIT_USAGE;
}

void cli_json_str(FILE *f, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;

    fputc('"', f);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fwrite(s + run, 1, i - run, f);
        run = i + 1;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            fputs("\\u00", f);
            fputc(hex[c >> 4], f);
            fputc(hex[c & 15], f);
        }
    }
    fwrite(s + run, 1, n - run, f);
    fputc('"', f);
}

void cli_csv_field(FILE *f, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

bool cli_is_tty(FILE *f)
{
    return isatty(fileno(f)) && getenv("NO_COLOR") == NULL;
}

int cli_read_file(const char *path, char **out, size_t *n)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 65536, len = 0;
    char *p;

    *out = NULL;
    *n = 0;
    if (f == NULL)
        return DP_EIO;
    p = malloc(cap);
    while (p) {
        size_t got = fread(p + len, 1, cap - len, f);
        len += got;
        if (len < cap)
            break;
        char *q = realloc(p, cap * 2);
        if (q == NULL) {
            free(p);
            p = NULL;
            break;
        }
        p = q;
        cap *= 2;
    }
    if (f != stdin)
        fclose(f);
    if (p == NULL)
        return DP_ENOMEM;
    *out = p;
    *n = len;
    return DP_OK;
}

bool cli_parse_u64(const char *s, unsigned long long *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno == 0 && *end == '\0';
}

size_t cli_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

void cli_pad(FILE *f, const char *s, size_t n, size_t width)
{
    fwrite(s, 1, n, f);
    for (size_t w = cli_width(s, n); w < width; w++)
        fputc(' ', f);
}

void cli_print_issue(FILE *f, const dp_issue *is)
{
    fprintf(f, "%s", is->file ? is->file : "-");
    if (is->line)
        fprintf(f, ":%llu", (unsigned long long)is->line);
    if (is->column)
        fprintf(f, ":%llu", (unsigned long long)is->column);
    fprintf(f, ": %s: %s: %s\n", is->is_reject ? "rejected" : "warning",
            dp_issue_name(is->kind), is->message ? is->message : "");
}

int cli_parse_format(const char *s, dp_format *f)
{
    static const struct {
        const char *name;
        dp_format format;
    } names[] = {{"auto", DP_FORMAT_AUTO}, {"text", DP_FORMAT_TEXT},
                 {"jsonl", DP_FORMAT_JSONL}, {"csv", DP_FORMAT_CSV},
                 {"tsv", DP_FORMAT_TSV}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *f = names[i].format;
            return 0;
        }
    return -1;
}
