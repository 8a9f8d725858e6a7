/*
 * Helpers shared by the C adapters of the peer benchmark (bench/peers/):
 * reading the prepared corpus (one flat JSON object of strings per line),
 * reading the query file, timing, medians, and writing the per-engine
 * result file every adapter produces in the same shape (report.py reads it).
 * Benchmark code, not library code: it exits on errors with a message.
 */
#ifndef BENCH_PEERS_COMMON_H
#define BENCH_PEERS_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what)
{
    fprintf(stderr, "adapter: %s\n", what);
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The RUNS argument: a whole number of timed runs, 1 or more. */
static int parse_runs(const char *arg)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (end == arg || *end || n < 1 || n > 1000000) {
        fprintf(stderr, "adapter: RUNS must be a whole number from 1: '%s'\n", arg);
        exit(2);
    }
    return (int)n;
}

/* Room for the times of RUNS timed runs (as many as asked: no cap), one
** buffer for the whole process. */
static double *run_times(int runs)
{
    static double *t;
    static int cap;
    if (runs > cap) {
        double *n = realloc(t, (size_t)runs * sizeof *n);
        if (!n) die("out of memory");
        t = n;
        cap = runs;
    }
    return t;
}

static void put_utf8(char **o, unsigned cp)
{
    unsigned char *p = (unsigned char *)*o;
    if (cp < 0x80) { *p++ = (unsigned char)cp; }
    else if (cp < 0x800) { *p++ = 0xC0 | (cp >> 6); *p++ = 0x80 | (cp & 63); }
    else if (cp < 0x10000) {
        *p++ = 0xE0 | (cp >> 12); *p++ = 0x80 | ((cp >> 6) & 63);
        *p++ = 0x80 | (cp & 63);
    } else {
        *p++ = 0xF0 | (cp >> 18); *p++ = 0x80 | ((cp >> 12) & 63);
        *p++ = 0x80 | ((cp >> 6) & 63); *p++ = 0x80 | (cp & 63);
    }
    *o = (char *)p;
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
    }
    return v;
}

/* Decodes the JSON string starting after the opening quote at *s, in
 * place (the decoded form is never longer); returns its start and moves *s
 * after the closing quote. */
static char *json_str(char **s)
{
    char *in = *s, *out = *s, *start = *s;
    while (*in && *in != '"') {
        if (*in != '\\') { *out++ = *in++; continue; }
        in++;
        switch (*in) {
        case 'n': *out++ = '\n'; in++; break;
        case 't': *out++ = '\t'; in++; break;
        case 'r': *out++ = '\r'; in++; break;
        case 'b': *out++ = '\b'; in++; break;
        case 'f': *out++ = '\f'; in++; break;
        case 'u': {
            unsigned cp = hex4(in + 1);
            in += 5;
            if (cp >= 0xD800 && cp < 0xDC00 && in[0] == '\\' && in[1] == 'u') {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(in + 2) - 0xDC00);
                in += 6;
            }
            put_utf8(&out, cp);
            break;
        }
        default: *out++ = *in++; break;
        }
    }
    char *next = *in ? in + 1 : in;
    *out = 0;
    *s = next;
    return start;
}

/* The three fields of one line of corpus.jsonl. */
struct doc { char *id, *date, *text; };

static int parse_doc(char *line, struct doc *d)
{
    char *s = line;
    memset(d, 0, sizeof *d);
    while ((s = strchr(s, '"')) != NULL) {
        s++;
        char *key = json_str(&s);
        s = strchr(s, '"');
        if (!s) return -1;
        s++;
        char *val = json_str(&s);
        if (!strcmp(key, "id")) d->id = val;
        else if (!strcmp(key, "date")) d->date = val;
        else if (!strcmp(key, "text")) d->text = val;
    }
    return d->id && d->date && d->text ? 0 : -1;
}

/* One line of queries.tsv: class, qid, op (word|and|or|phrase), words
 * separated by single spaces, w3 flag. */
struct query { char cls[16], qid[16], op[16], words[256]; int w3; };

static int read_queries(const char *path, struct query **out)
{
    FILE *f = fopen(path, "r");
    if (!f) die("cannot open the query file");
    int n = 0, cap = 512;
    struct query *q = calloc((size_t)cap, sizeof *q);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        if (n == cap) die("too many queries");
        if (sscanf(line, "%15[^\t]\t%15[^\t]\t%15[^\t]\t%255[^\t]\t%d",
                   q[n].cls, q[n].qid, q[n].op, q[n].words, &q[n].w3) == 5)
            n++;
    }
    fclose(f);
    *out = q;
    return n;
}

static void json_puts(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(o, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(o, "\\u%04x", *s);
        else fputc(*s, o);
    }
    fputc('"', o);
}

/* Per-month counts of one timeline, as many months as the corpus has
** (the ten-times corpus spans 120; an archive since 1944 would span
** nearly a thousand): no fixed cap, so no month is silently dropped. */
struct months { char (*key)[16]; unsigned long long *n; size_t len, cap; };

static void months_add(struct months *m, const char *key, unsigned long long n)
{
    if (strlen(key) >= sizeof m->key[0]) {
        fprintf(stderr, "adapter: month key too long: %s\n", key);
        exit(1);
    }
    if (m->len == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        char (*k)[16] = realloc(m->key, cap * sizeof *k);
        if (k) m->key = k;
        unsigned long long *c = realloc(m->n, cap * sizeof *c);
        if (c) m->n = c;
        if (!k || !c) die("out of memory");
        m->cap = cap;
    }
    memcpy(m->key[m->len], key, strlen(key) + 1);
    m->n[m->len++] = n;
}

static void months_print(const struct months *m)
{
    printf(",\"months\":{");
    for (size_t k = 0; k < m->len; k++)
        printf("%s\"%s\":%llu", k ? "," : "", m->key[k], m->n[k]);
    printf("}");
}

#endif
