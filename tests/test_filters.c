/*
** test_filters.c -- date, source and language filters against brute
** force, on an archive laid out as news archives are: most segments in
** date order (so that the zones of query_eval.c reject or accept whole
** runs of 64 documents), one commit with shuffled dates (every zone
** mixed), documents at every precision and some undated, deletions, a
** first commit with runs of one source and one language (as when an
** archive is indexed a source at a time), others mixed, and a source
** that only the last commit's segments have.
**
** The model computes its own day numbers (days_from_civil below, not the
** library's) and decides each query by a predicate written for it; the
** library must agree in dp_count, in the total and the hit set of
** dp_search (exact and top 10, the top 10 without the total the same),
** and in the sum of a monthly dp_timeline.
*/
#include "test.h"
#include "dp_int.h"

#include <limits.h>

enum { NDOCS = 2400, PER_COMMIT = NDOCS / 3 };

typedef struct fdoc {
    char id[16];
    bool live, dated, outlier;
    int32_t lo, hi; /* the span of its date, in the model's days */
    dp_date date;
    /* the words quixar, tilouk, bramvek (the same stem in French, English
    ** and German: queries are analysed in French) and "mer noire" */
    bool beta, gamma, delta, phrase;
    const char *source, *lang;
} fdoc;

static fdoc docs[NDOCS];
static char dir[64];
static dp_archive *ar;
static int built; /* 0 not yet, 1 built, -1 failed */
static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int32_t month_end(int y, int m)
{
    return m == 12 ? days_from_civil(y, 12, 31)
                   : days_from_civil(y, m + 1, 1) - 1;
}

/* Document i's date: in the order of i (three years from 2018), except
** in the middle commit (shuffled over 2015-2022) and, in the last, for
** one document in twenty; precision from none to the minute, except in
** the first commit: all dated to the day there, so that whole zones
** fall within a filter. */
static void gen_date(fdoc *f, size_t i)
{
    int32_t day = days_from_civil(2018, 1, 1) + (int32_t)(i * 1100 / NDOCS);
    uint32_t p = i < PER_COMMIT ? 20 + rnd(80) : rnd(100);
    int y, m, d;
    f->outlier = i / PER_COMMIT == 1 || (i >= PER_COMMIT && rnd(20) == 0);
    if (f->outlier)
        day = days_from_civil(2015, 1, 1) + (int32_t)rnd(8 * 365);
    civil_from_days(day, &y, &m, &d);
    memset(&f->date, 0, sizeof f->date);
    f->dated = p >= 4;
    if (!f->dated)
        return;
    f->date.year = (int16_t)y;
    if (p < 10) {
        f->date.prec = DP_PREC_YEAR;
        f->lo = days_from_civil(y, 1, 1);
        f->hi = days_from_civil(y, 12, 31);
        return;
    }
    f->date.month = (uint8_t)m;
    if (p < 20) {
        f->date.prec = DP_PREC_MONTH;
        f->lo = days_from_civil(y, m, 1);
        f->hi = month_end(y, m);
        return;
    }
    f->date.day = (uint8_t)d;
    f->date.prec = p < 90 ? DP_PREC_DAY : DP_PREC_TIME;
    f->date.hour = (uint8_t)(p < 90 ? 0 : rnd(24));
    f->lo = f->hi = day;
}

static int add_doc(dp_writer *w, size_t i)
{
    static const char *fill[] = {"maison", "route", "ville", "fleuve",
                                 "pont", "champ", "forge", "moulin"};
    fdoc *f = &docs[i];
    dp_buf b = DP_BUF_INIT;
    dp_record rec;
    int rc;
    snprintf(f->id, sizeof f->id, "f%zu", i);
    gen_date(f, i);
    f->beta = i % 2 == 1;
    f->gamma = i % 7 == 0;
    f->delta = i % 50 == 0;
    f->phrase = i % 5 == 0;
    /* the first commit as an archive indexed a source at a time: runs of
    ** one source and one language (whole zones); the others mixed */
    if (i < PER_COMMIT) {
        f->source = i >= 500 && i < 620 ? "ap" : "afp";
        f->lang = i >= 300 && i < 420 ? "en" : "fr";
    } else {
        f->source = i / PER_COMMIT == 2 && i % 3 == 0 ? "reuters"
                    : i % 4 == 0                      ? "ap"
                                                      : "afp";
        f->lang = i % 50 == 7 ? "de" : "fr";
    }
    dp__buf_printf(&b, "alpha");
    for (uint32_t k = rnd(12); k > 0; k--)
        dp__buf_printf(&b, " %s", fill[rnd(8)]);
    dp__buf_printf(&b, "%s%s%s%s", f->beta ? " quixar" : "",
                   f->gamma ? " tilouk" : "", f->delta ? " bramvek" : "",
                   f->phrase ? " mer noire" : " mer du nord");
    memset(&rec, 0, sizeof rec);
    rec.id.p = f->id;
    rec.id.n = strlen(f->id);
    rec.date = f->date;
    rec.text.p = b.p;
    rec.text.n = b.n;
    rec.source.p = f->source;
    rec.source.n = strlen(f->source);
    rec.lang.p = f->lang;
    rec.lang.n = 2;
    rc = dp_writer_add(w, &rec, NULL);
    f->live = rc == DP_OK;
    dp__buf_free(&b);
    return rc;
}

/* Three commits of several segments each (a small memory limit, no
** merges); in the second and third, one live document in 13 deleted. */
static int build(void)
{
    dp_writer_options wo = DP_WRITER_OPTIONS_INIT;
    dp_writer *w = NULL;
    int rc;
    snprintf(dir, sizeof dir, "/tmp/dp-test-filters.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return DP_EIO;
    rc = dp_archive_open(&ar, dir, DP_ARCHIVE_CREATE);
    wo.memory_limit = 96 * 1024;
    wo.merge = 0;
    if (rc == DP_OK)
        rc = dp_writer_begin(ar, &wo, &w);
    for (size_t i = 0; i < NDOCS && rc == DP_OK; i++) {
        rc = add_doc(w, i);
        if (rc == DP_OK && (i + 1) % PER_COMMIT == 0) {
            for (size_t v = 0; v <= i && i >= PER_COMMIT && rc == DP_OK;
                 v++)
                if (docs[v].live && rnd(13) == 0) {
                    rc = dp_writer_delete(w, docs[v].id, strlen(docs[v].id));
                    docs[v].live = false;
                }
            if (rc == DP_OK)
                rc = dp_writer_commit(w);
        }
    }
    if (rc != DP_OK && w)
        printf("  writer: %s\n", dp_writer_errmsg(w));
    dp_writer_close(w);
    return rc;
}

static void ensure_built(void)
{
    if (built == 0)
        built = build() == DP_OK ? 1 : -1;
}

/* ------------------------------------------------------- the queries */

/* A date filter: its text and its days (INT32_MIN / INT32_MAX: open). */
typedef struct range {
    char text[64];
    int32_t lo, hi;
} range;

static bool in_range(const fdoc *f, const range *r)
{
    return f->dated && f->lo >= r->lo && f->hi <= r->hi;
}

/* The filters asked: years, months, days, ranges across them, open
** ranges, and some with no document. */
static size_t make_ranges(range *r, size_t cap)
{
    size_t n = 0;
    for (int y = 2014; y <= 2023 && n < cap; y++) {
        snprintf(r[n].text, sizeof r[n].text, "date:%d", y);
        r[n].lo = days_from_civil(y, 1, 1);
        r[n++].hi = days_from_civil(y, 12, 31);
    }
    for (int k = 0; k < 14 && n + 4 <= cap; k++) {
        int y = 2018 + k % 4, m = 1 + (k * 5) % 12, d = 1 + (k * 3) % 28;
        snprintf(r[n].text, sizeof r[n].text, "date:%d-%02d", y, m);
        r[n].lo = days_from_civil(y, m, 1);
        r[n++].hi = month_end(y, m);
        snprintf(r[n].text, sizeof r[n].text, "date:%d-%02d-%02d", y, m, d);
        r[n].lo = r[n].hi = days_from_civil(y, m, d);
        n++;
        int y2 = y + k % 2, m2 = 1 + (m + 3) % 12;
        if (y2 == y && m2 < m)
            y2++;
        snprintf(r[n].text, sizeof r[n].text, "date:%d-%02d-%02d..%d-%02d",
                 y, m, d, y2, m2);
        r[n].lo = days_from_civil(y, m, d);
        r[n++].hi = month_end(y2, m2);
        if (k % 2 == 0) {
            snprintf(r[n].text, sizeof r[n].text, "date:..%d-%02d", y, m);
            r[n].lo = INT32_MIN;
            r[n].hi = month_end(y, m);
        } else {
            snprintf(r[n].text, sizeof r[n].text, "date:%d-%02d-%02d..", y,
                     m, d);
            r[n].lo = days_from_civil(y, m, d);
            r[n].hi = INT32_MAX;
        }
        n++;
    }
    return n;
}

/* A query shape: its text around one or two filters, and what it means. */
typedef struct shape {
    const char *fmt; /* %1$s the first filter, %2$s the second */
    bool (*want)(const fdoc *f, const range *a, const range *b);
} shape;

static bool w_alpha(const fdoc *f, const range *a, const range *b)
{ (void)b; return in_range(f, a); }
static bool w_gamma(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->gamma && in_range(f, a); }
static bool w_beta_not(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->beta && !in_range(f, a); }
static bool w_or(const fdoc *f, const range *a, const range *b)
{ (void)b; return (f->beta || f->gamma) && in_range(f, a); }
static bool w_reuters(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->beta && in_range(f, a) && !strcmp(f->source, "reuters"); }
static bool w_not_reuters(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->beta && in_range(f, a) && strcmp(f->source, "reuters"); }
static bool w_phrase(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->phrase && in_range(f, a); }
static bool w_two(const fdoc *f, const range *a, const range *b)
{ return in_range(f, a) && in_range(f, b); }
static bool w_not_and(const fdoc *f, const range *a, const range *b)
{ (void)b; return !(f->gamma && in_range(f, a)); }
static bool w_delta_or(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->delta || in_range(f, a); }
static bool w_ap(const fdoc *f, const range *a, const range *b)
{ (void)b; return in_range(f, a) && !strcmp(f->source, "ap"); }
static bool w_en(const fdoc *f, const range *a, const range *b)
{ (void)b; return in_range(f, a) && !strcmp(f->lang, "en"); }
static bool w_beta_not_fr(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->beta && in_range(f, a) && strcmp(f->lang, "fr"); }
static bool w_not_afp(const fdoc *f, const range *a, const range *b)
{ (void)b; return f->gamma && !in_range(f, a) && strcmp(f->source, "afp"); }

static const shape shapes[] = {
    {"alpha %1$s", w_alpha},
    {"%1$s", w_alpha},
    {"tilouk %1$s", w_gamma},
    {"quixar -%1$s", w_beta_not},
    {"(quixar OR tilouk) %1$s", w_or},
    {"quixar %1$s source:reuters", w_reuters},
    {"source:reuters quixar %1$s", w_reuters},
    {"quixar %1$s -source:reuters", w_not_reuters},
    {"\"mer noire\" %1$s", w_phrase},
    {"alpha %1$s %2$s", w_two},
    {"alpha -(tilouk %1$s)", w_not_and},
    {"bramvek OR %1$s", w_delta_or},
    {"%1$s source:ap", w_ap},
    {"alpha %1$s lang:en", w_en},
    {"quixar %1$s -lang:fr", w_beta_not_fr},
    {"tilouk -%1$s -source:afp", w_not_afp},
};

/* Source and language filters alone and with a word, whatever the date. */
static bool m_en(const fdoc *f, const range *a, const range *b)
{ (void)a, (void)b; return !strcmp(f->lang, "en"); }
static bool m_fr_beta(const fdoc *f, const range *a, const range *b)
{ (void)a, (void)b; return f->beta && !strcmp(f->lang, "fr"); }
static bool m_de(const fdoc *f, const range *a, const range *b)
{ (void)a, (void)b; return !strcmp(f->lang, "de"); }
static bool m_ap(const fdoc *f, const range *a, const range *b)
{ (void)a, (void)b; return !strcmp(f->source, "ap"); }
static bool m_not_afp(const fdoc *f, const range *a, const range *b)
{ (void)a, (void)b; return f->gamma && strcmp(f->source, "afp"); }
static bool m_ap_en(const fdoc *f, const range *a, const range *b)
{ (void)a, (void)b; return !strcmp(f->source, "ap") || !strcmp(f->lang, "en"); }

static const shape meta_shapes[] = {
    {"lang:en", m_en},           {"quixar lang:FR", m_fr_beta},
    {"lang:de", m_de},           {"source:ap", m_ap},
    {"tilouk -source:afp", m_not_afp}, {"source:ap OR lang:en", m_ap_en},
};

static int failures;

static int sum_rows(void *ctx, const dp_timeline_row *row)
{
    *(uint64_t *)ctx += row->count;
    return 0;
}

/* Query text against the model's predicate; returns the matches. */
static size_t check_query(const char *text, const shape *s, const range *a,
                          const range *b)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_query *q = NULL;
    dp_query_error e;
    dp_results *all = NULL, *top = NULL, *fast = NULL;
    bool *hit = calloc(NDOCS, sizeof *hit);
    size_t want = 0, got = 0, wrong = 0;
    uint64_t count = 0, tl = 0;
    bool ok;

    for (size_t i = 0; i < NDOCS; i++)
        want += docs[i].live && s->want(&docs[i], a, b);
    CHECK_EQ_INT(dp_query_parse(text, strlen(text), &qo, &q, &e), DP_OK);
    if (q == NULL) {
        free(hit);
        return 0;
    }
    CHECK_EQ_INT(dp_count(ar, q, &count), DP_OK);
    so.limit = NDOCS;
    CHECK_EQ_INT(dp_search(ar, q, &so, &all), DP_OK);
    for (size_t i = 0; all && i < dp_results_count(all); i++) {
        dp_slice id;
        size_t k = 0;
        CHECK_EQ_INT(dp_results_id(all, i, &id), DP_OK);
        for (size_t j = 1; j < id.n; j++)
            k = k * 10 + (size_t)(id.p[j] - '0');
        if (k < NDOCS && !hit[k] && docs[k].live && s->want(&docs[k], a, b))
            got++;
        else
            wrong++;
        if (k < NDOCS)
            hit[k] = true;
    }
    so.limit = 10;
    CHECK_EQ_INT(dp_search(ar, q, &so, &top), DP_OK);
    so.no_total = 1;
    CHECK_EQ_INT(dp_search(ar, q, &so, &fast), DP_OK);
    CHECK_EQ_INT(dp_timeline(ar, q, DP_BY_MONTH, sum_rows, &tl), DP_OK);
    ok = count == want && all && dp_results_total(all) == want &&
         got == want && wrong == 0 && top && dp_results_total(top) == want &&
         dp_results_count(top) == (want < 10 ? want : 10) && fast &&
         dp_results_count(fast) == dp_results_count(top) && tl == want;
    for (size_t i = 0; ok && i < dp_results_count(top); i++)
        ok = top->hits[i].addr == fast->hits[i].addr;
    CHECK(ok);
    if (!ok && failures++ < 10)
        printf("    %s: expected %zu; count %llu, search %zu right %zu "
               "wrong, top total %llu, timeline %llu\n",
               text, want, (unsigned long long)count, got, wrong,
               top ? (unsigned long long)dp_results_total(top) : 0ull,
               (unsigned long long)tl);
    dp_results_free(all);
    dp_results_free(top);
    dp_results_free(fast);
    dp_query_free(q);
    free(hit);
    return want;
}

TEST(date_and_source_filters_against_brute_force)
{
    range r[96];
    size_t nr, nq = 0, nonempty = 0, partial = 0;
    ensure_built();
    CHECK_EQ_INT(built, 1);
    if (built != 1)
        return;
    nr = make_ranges(r, sizeof r / sizeof r[0]);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (size_t i = 0; i < nr; i++) {
            char text[256];
            const range *b = &r[(i * 7 + 3) % nr];
            snprintf(text, sizeof text, shapes[s].fmt, r[i].text, b->text);
            size_t n = check_query(text, &shapes[s], &r[i], b);
            nq++;
            nonempty += n > 0;
            /* matches in some documents of a range, not all of them */
            partial += n > 0 && n < 1000;
        }
    for (size_t s = 0; s < sizeof meta_shapes / sizeof meta_shapes[0]; s++) {
        nonempty += check_query(meta_shapes[s].fmt, &meta_shapes[s], &r[0],
                                &r[0]) > 0;
        nq++;
    }
    printf("  %zu queries, %zu with matches\n", nq, nonempty);
    /* the ranges do reach the documents, and not trivially */
    CHECK(nonempty > nq / 2);
    CHECK(partial > nq / 3);
}

/* Ranges that start the day after a document of the first commit, or
** end the day before one: wherever the zones' edges fall, some zone then
** begins or ends one day outside the range. */
TEST(date_ranges_next_to_every_document)
{
    shape s = {"alpha %1$s", w_alpha};
    ensure_built();
    if (built != 1)
        SKIP("no archive");
    for (size_t i = 0; i < PER_COMMIT; i++) {
        range r[2];
        int y, m, d, y2, m2, d2;
        r[0].lo = docs[i].lo + 1;
        r[0].hi = docs[i].lo + 1 + (int32_t)(i % 40);
        r[1].lo = docs[i].lo - 1 - (int32_t)(i % 40);
        r[1].hi = docs[i].lo - 1;
        for (int k = 0; k < 2; k++) {
            civil_from_days(r[k].lo, &y, &m, &d);
            civil_from_days(r[k].hi, &y2, &m2, &d2);
            snprintf(r[k].text, sizeof r[k].text,
                     "date:%d-%02d-%02d..%d-%02d-%02d", y, m, d, y2, m2, d2);
            check_query(r[k].text, &s, &r[k], &r[k]);
        }
    }
}

/* The segments of the first and last commits are in date order, so a
** month's documents lie in a few zones: what the zones are for.  This
** checks the layout the test relies on: a month in the first commit has
** its documents within a narrow run of document numbers. */
TEST(layout_is_chronological)
{
    size_t first = NDOCS, last = 0, n = 0;
    ensure_built();
    if (built != 1)
        SKIP("no archive");
    for (size_t i = 0; i < PER_COMMIT; i++)
        if (docs[i].dated && !docs[i].outlier && docs[i].lo == docs[i].hi &&
            docs[i].lo >= days_from_civil(2018, 3, 1) &&
            docs[i].hi <= days_from_civil(2018, 3, 31)) {
            first = i < first ? i : first;
            last = i > last ? i : last;
            n++;
        }
    CHECK(n > 30);
    /* March 2018 spans about 70 docs */
    CHECK(last - first < PER_COMMIT / 2);
}

TEST(cleanup)
{
    if (ar)
        dp_archive_close(ar);
    ar = NULL;
    if (dir[0])
        CHECK_EQ_INT(test_rm_rf(dir), 0);
}

TEST_MAIN()
