/*
** cmd_analyze.c -- `depeche analyze`: show how a text becomes terms.
**
** Prints every token of the analysis chain (surface form, byte offsets,
** position, folded form, term, flags) so that a user can see why a word
** matches a query or not: "Élysée" and "elysee" give the same term, "l'"
** is dropped, "Etats-Unis" is indexed whole and by its parts.
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char analyze_usage[] =
    "depeche analyze [--lang L] [--no-stem] [--json|--csv] (TEXT... | -f FILE)";

struct analyze_ctx {
    const char *text;
    out_format out;
    size_t count;
};

static void flags_str(unsigned flags, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s", flags & DP_TOKEN_STOP ? "stop " : "",
             flags & DP_TOKEN_COMPOUND ? "compound " : "",
             flags & DP_TOKEN_NUMBER ? "number " : "");
    size_t n = strlen(buf);
    if (n)
        buf[n - 1] = '\0';
}

static int print_token(void *vctx, const dp_token *t)
{
    struct analyze_ctx *c = vctx;
    const char *surface = c->text + t->start;
    size_t sn = t->end - t->start;
    char fl[40];

    flags_str(t->flags, fl, sizeof fl);
    switch (c->out) {
    case OUT_JSON:
        printf("{\"pos\": %u, \"start\": %zu, \"end\": %zu, \"surface\": ", t->pos,
               t->start, t->end);
        cli_json_str(stdout, surface, sn);
        fputs(", \"form\": ", stdout);
        cli_json_str(stdout, t->form, t->form_len);
        fputs(", \"term\": ", stdout);
        cli_json_str(stdout, t->term, t->term_len);
        printf(", \"stop\": %s, \"compound\": %s, \"number\": %s}\n",
               t->flags & DP_TOKEN_STOP ? "true" : "false",
               t->flags & DP_TOKEN_COMPOUND ? "true" : "false",
               t->flags & DP_TOKEN_NUMBER ? "true" : "false");
        break;
    case OUT_CSV:
        printf("%u,%zu,%zu,", t->pos, t->start, t->end);
        cli_csv_field(stdout, surface, sn);
        fputc(',', stdout);
        cli_csv_field(stdout, t->form, t->form_len);
        fputc(',', stdout);
        cli_csv_field(stdout, t->term, t->term_len);
        printf(",%s\n", fl);
        break;
    default:
        printf("%5u %6zu-%-6zu ", t->pos, t->start, t->end);
        cli_pad(stdout, surface, sn, 20);
        fputc(' ', stdout);
        cli_pad(stdout, t->form, t->form_len, 20);
        fputc(' ', stdout);
        cli_pad(stdout, t->term, t->term_len, 16);
        printf(" %s\n", fl);
    }
    c->count++;
    return 0;
}

/* Join argv words with single spaces into one malloc'd text. */
static char *join_args(int argc, char **argv, int from, size_t *n)
{
    size_t len = 0;
    for (int i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len + 1);
    if (s == NULL)
        return NULL;
    *n = 0;
    for (int i = from; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (i > from)
            s[(*n)++] = ' ';
        memcpy(s + *n, argv[i], l);
        *n += l;
    }
    s[*n] = '\0';
    return s;
}

int cmd_analyze(int argc, char **argv)
{
    dp_analyzer_options ao = DP_ANALYZER_OPTIONS_INIT;
    struct analyze_ctx c = {NULL, OUT_TABLE, 0};
    const char *lang = NULL, *file = NULL;
    char detected[3] = "";
    char *text = NULL;
    size_t n = 0;
    dp_analyzer *a = NULL;
    int i, rc, status = EXIT_OK;

    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--lang") == 0 && i + 1 < argc)
            lang = argv[++i];
        else if (strcmp(o, "--no-stem") == 0)
            ao.stem = 0;
        else if (strcmp(o, "--json") == 0)
            c.out = OUT_JSON;
        else if (strcmp(o, "--csv") == 0)
            c.out = OUT_CSV;
        else if (strcmp(o, "-f") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            printf("usage: %s\n", analyze_usage);
            return EXIT_OK;
        } else if (strcmp(o, "--") == 0) {
            i++;
            break;
        } else
            return cli_usage(analyze_usage, "unknown option '%s'", o);
    }
    if (file != NULL) {
        if (i < argc)
            return cli_usage(analyze_usage, "give TEXT or -f FILE, not both");
        if (cli_read_file(file, &text, &n) != DP_OK) {
            cli_error("cannot read '%s'", file);
            return EXIT_PROBLEM;
        }
    } else {
        if (i >= argc)
            return cli_usage(analyze_usage, "no text given");
        text = join_args(argc, argv, i, &n);
        if (text == NULL)
            return EXIT_PROBLEM;
    }
    if (lang == NULL || lang[0] == '\0') {
        if (dp_lang_detect(text, n, detected) == DP_OK)
            lang = detected;
        else
            lang = "";
        if (c.out == OUT_TABLE)
            printf("language: %s (detected)\n", lang[0] ? lang : "unknown");
    }
    rc = dp_analyzer_new(&a, &ao);
    if (rc != DP_OK) {
        cli_error("%s", dp_strerror(rc));
        free(text);
        return EXIT_PROBLEM;
    }
    c.text = text;
    if (c.out == OUT_TABLE)
        printf("%5s %13s %-20s %-20s %-16s %s\n", "pos", "bytes", "surface", "form",
               "term", "flags");
    else if (c.out == OUT_CSV)
        printf("pos,start,end,surface,form,term,flags\n");
    rc = dp_analyze(a, lang[0] ? lang : "und", text, n, print_token, &c);
    if (rc != DP_OK) {
        cli_error("analysis failed: %s", dp_strerror(rc));
        status = EXIT_PROBLEM;
    }
    dp_analyzer_free(a);
    free(text);
    return status;
}
