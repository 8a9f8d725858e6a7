/*
** bench_analyze.c -- throughput of the analysis chain on a JSONL archive.
**
** Usage: bench_analyze FILE.jsonl[.gz] [LIMIT]
** Reads title and text of every record (a .gz file through zcat), keeps
** them in memory, then times dp_analyze over all of them on one core:
**   1. lang "fr" (the whole chain: tokenise, fold, elide, stem, stop),
**      once cold, then the best of three runs;
**   2. lang NULL (the same plus dp_lang_detect on every record);
**   3. dp_lang_detect alone.
** It prints MB of text per second of CPU time (one core) and tokens per
** second for each, and the CPU time this thread spent reading and decoding
** the JSON (the decompression runs in the zcat process, not counted).  LIMIT caps the number of records
** (the size knob).  Without LIMIT it first times the whole chain with
** depeche's own reader (decompression and JSON included) in one thread.  The JSON parser here is minimal on purpose: it only
** finds the "title" and "text" string fields of each line.
*/
#include "depeche.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct text {
    char *p;
    size_t n;
} text;

/* CPU time of this thread: the sandbox is shared, and CPU time does not
** count the moments another process had the core. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t put_utf8(unsigned cp, char *o)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Append the JSON string value of "key" in line to out (with a space). */
static size_t json_field(const char *line, const char *key, char *out)
{
    char pat[64];
    const char *p;
    size_t n = 0;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(line, pat);
    if (p == NULL)
        return 0;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != '"')
        return 0;
    for (p++; *p && *p != '"'; p++) {
        if (*p != '\\') { out[n++] = *p; continue; }
        p++;
        switch (*p) {
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        case 'b': case 'f': out[n++] = ' '; break;
        case 'u': {
            unsigned cp = (unsigned)strtoul((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                unsigned lo = (unsigned)strtoul((char[]){p[3], p[4], p[5], p[6], 0}, NULL, 16);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            n += put_utf8(cp, out + n);
            break;
        }
        case '\0': return n;
        default: out[n++] = *p; break;
        }
    }
    out[n++] = '\n';
    return n;
}

static text *load(const char *path, size_t limit, size_t *count, size_t *bytes)
{
    char cmd[4200];
    FILE *f;
    size_t cap = 1024, len = strlen(path);
    text *t = malloc(cap * sizeof *t);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t ln;

    if (len > 3 && strcmp(path + len - 3, ".gz") == 0) {
        snprintf(cmd, sizeof cmd, "zcat '%s'", path);
        f = popen(cmd, "r");
    } else {
        f = fopen(path, "r");
    }
    if (f == NULL || t == NULL)
        return NULL;
    *count = *bytes = 0;
    while (*count < limit && (ln = getline(&line, &lcap, f)) > 0) {
        char *buf = malloc((size_t)ln + 2);
        size_t n = json_field(line, "title", buf);
        n += json_field(line, "text", buf + n);
        if (*count == cap)
            t = realloc(t, (cap *= 2) * sizeof *t);
        t[*count].p = buf;
        t[*count].n = n;
        (*count)++;
        *bytes += n;
    }
    free(line);
    if (len > 3 && strcmp(path + len - 3, ".gz") == 0)
        pclose(f);
    else
        fclose(f);
    return t;
}

static int count_token(void *ctx, const dp_token *tok)
{
    (void)tok;
    (*(size_t *)ctx)++;
    return 0;
}

/* Time dp_analyze over every text `reps` times; report the best run
** (the machine may be shared: the best run is the least disturbed). */
static void run(dp_analyzer *a, const char *lang, const text *t, size_t count,
                size_t bytes, int reps, const char *name)
{
    size_t tokens = 0;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        tokens = 0;
        for (size_t i = 0; i < count; i++)
            if (dp_analyze(a, lang, t[i].p, t[i].n, count_token, &tokens) !=
                DP_OK)
                fprintf(stderr, "dp_analyze failed on record %zu\n", i);
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    printf("%-30s %6.2f s %7.1f MB/s %7.2f Mtokens/s (%zu tokens)\n", name,
           best, (double)bytes / best / 1e6, (double)tokens / best / 1e6,
           tokens);
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The whole chain in one thread, as `depeche index` runs it before the
** postings: depeche's own reader (decompression, JSON, UTF-8 checks, date
** parsing) then dp_analyze on title and text in the record's language
** (detected when the record has none).  CPU time of this thread and wall
** time are both reported. */
static void run_whole_chain(const char *path)
{
    const char *paths[1] = {path};
    dp_reader *r = NULL;
    dp_analyzer *a = NULL;
    const dp_record *rec;
    size_t tokens = 0, bytes = 0, records = 0;
    char lang[8];
    double c0 = now(), w0 = wall_now();

    if (dp_reader_open(&r, paths, 1, NULL) != DP_OK ||
        dp_analyzer_new(&a, NULL) != DP_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        goto done;
    }
    while (dp_reader_next(r, &rec) == DP_OK) {
        size_t ln = rec->lang.n < sizeof lang ? rec->lang.n : 0;
        memcpy(lang, rec->lang.p ? rec->lang.p : "", ln);
        lang[ln] = '\0';
        dp_analyze(a, lang, rec->title.p, rec->title.n, count_token, &tokens);
        dp_analyze(a, lang, rec->text.p, rec->text.n, count_token, &tokens);
        bytes += rec->title.n + rec->text.n;
        records++;
    }
    double cpu = now() - c0, wall = wall_now() - w0;
    printf("%-30s %6.2f s CPU %7.1f MB/s of text, %6.2f s wall %7.1f MB/s, "
           "%.2f Mtokens/s (%zu records, %.1f MB, %zu tokens)\n",
           "whole chain: read + analyze", cpu, (double)bytes / cpu / 1e6, wall,
           (double)bytes / wall / 1e6, (double)tokens / cpu / 1e6, records,
           (double)bytes / 1e6, tokens);
done:
    dp_analyzer_free(a);
    dp_reader_close(r);
}

int main(int argc, char **argv)
{
    size_t count, bytes, limit = argc > 2 ? (size_t)atol(argv[2]) : (size_t)-1;
    dp_analyzer *a;
    text *t;
    double t0;
    char lang[3];
    size_t french = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.jsonl[.gz] [LIMIT]\n", argv[0]);
        return 2;
    }
    if (limit == (size_t)-1)
        run_whole_chain(argv[1]);
    t0 = now();
    t = load(argv[1], limit, &count, &bytes);
    if (t == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    printf("%zu records, %.1f MB of text (title + text), read and decoded "
           "in %.2f s\n", count, (double)bytes / 1e6, now() - t0);
    if (dp_analyzer_new(&a, NULL) != DP_OK)
        return 1;
    run(a, "fr", t, count, bytes, 1, "analyze lang=fr (first run)");
    run(a, "fr", t, count, bytes, 3, "analyze lang=fr (best of 3)");
    run(a, NULL, t, count, bytes, 3, "analyze detect (best of 3)");
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        t0 = now();
        french = 0;
        for (size_t i = 0; i < count; i++)
            if (dp_lang_detect(t[i].p, t[i].n, lang) == DP_OK &&
                strcmp(lang, "fr") == 0)
                french++;
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    printf("%-30s %6.2f s %7.1f MB/s %7.0f records/s (%zu fr)\n",
           "lang_detect alone", best, (double)bytes / best / 1e6,
           (double)count / best, french);
    dp_analyzer_free(a);
    for (size_t i = 0; i < count; i++)
        free(t[i].p);
    free(t);
    return 0;
}
