/*
** test_corpus.c -- concordance, significant terms, collocates and
** frequency lists (kwic.c, terms.c, cooc.c, freq.c, stats.c, occur.c,
** corpus.c) on small archives written here.
**
** Every count is checked against an independent computation made in the
** test from the texts (tokens counted with dp_analyze, not the index),
** and every score against formulas written differently from stats.c
** (G2 in entropy form in long double, the hypergeometric tail summed term
** by term from lgammal), to 1e-9 relative.  The same analyses are run on
** an archive of several segments with a deletion and again after
** dp_archive_optimize: their outputs must be identical.
*/
#include "test.h"

#include "corpus.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ corpus */

typedef struct doc {
    const char *id, *date, *title, *text;
} doc;

static const doc DOCS[] = {
    {"d1", "2022-01-10", "Le chat noir",
     "Le chat dort. Le chien aboie près du chat."},
    {"d2", "2022-01-20", "Marché", "Les prix montent. Le pain coûte cher."},
    {"d3", "2022-02-03", "Guerre en Ukraine",
     "L'armée russe entre en Ukraine. Kiev résiste. Les Etats-Unis "
     "réagissent."},
    {"d4", "2022-02-15", "",
     "L'Ukraine demande des armes. Le chat de Kiev est célèbre! La guerre "
     "continue."},
    {"d5", "2022-02", "", "Ukraine, Ukraine, Ukraine. Guerre et paix."},
    {"d6", "2022-03-01", "Paix", "Le pain et le chat.\nLa paix revient ?"},
    {"d7", "2022", "", "Bilan de l'année : guerre, prix, pain."},
};
#define NDOCS (sizeof DOCS / sizeof DOCS[0])

static double rel(double a, double b)
{
    double d = fabs(a - b), m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return m > 0 ? d / m : d;
}
#define CHECK_NEAR(a, b) CHECK(rel((a), (b)) < 1e-9)

static void make_record(const doc *d, dp_record *r)
{
    memset(r, 0, sizeof *r);
    r->id = (dp_slice){d->id, strlen(d->id)};
    dp_date_parse(d->date, strlen(d->date), &r->date, NULL);
    r->title = (dp_slice){d->title, strlen(d->title)};
    r->text = (dp_slice){d->text, strlen(d->text)};
    r->lang = (dp_slice){"fr", 2};
}

/* Index DOCS into dir: `split` commits (several segments) and a doc added
** then deleted, or everything in one commit. */
static dp_archive *build(const char *dir, int split)
{
    dp_archive *a = NULL;
    dp_writer *w = NULL;
    dp_writer_options wo = DP_WRITER_OPTIONS_INIT;
    dp_record r;

    if (test_rm_rf(dir) != 0)
        return NULL;
    wo.merge = 0;
    if (dp_archive_open(&a, dir, DP_ARCHIVE_CREATE) != DP_OK)
        return NULL;
    if (dp_writer_begin(a, &wo, &w) != DP_OK)
        return NULL;
    for (size_t i = 0; i < NDOCS; i++) {
        make_record(&DOCS[i], &r);
        CHECK_EQ_INT(dp_writer_add(w, &r, NULL), DP_OK);
        if (split && (i == 1 || i == 4))
            CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    }
    if (split) {
        doc extra = {"dx", "2022-02-20", "Chat", "Ukraine chat guerre chat."};
        make_record(&extra, &r);
        CHECK_EQ_INT(dp_writer_add(w, &r, NULL), DP_OK);
        CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
        CHECK_EQ_INT(dp_writer_delete(w, "dx", 2), DP_OK);
    }
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);
    return a;
}

static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char p[512];
    if (tmpdir[0] == 0) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/dp-test-corpus-XXXXXX");
        if (mkdtemp(tmpdir) == NULL)
            abort();
    }
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static dp_query *parse(const char *s)
{
    dp_query *q = NULL;
    dp_query_error e;
    if (dp_query_parse(s, strlen(s), NULL, &q, &e) != DP_OK)
        printf("  query '%s': %s\n", s, e.message);
    return q;
}

/* ----------------------------------------- independent counts of terms */

#define MAXT 256
typedef struct tcount {
    char term[64];
    long k, ref, df, dfref, total;
} tcount;

typedef struct ind {
    tcount t[MAXT];
    int n;
    long tok_part, tok_ref;
    int in_part, cur_doc;
    int seen_doc[MAXT]; /* last doc that counted the term in df */
} ind;

static int ind_tok(void *ctx, const dp_token *tok)
{
    ind *x = ctx;
    int i;
    if (tok->term_len == 0)
        return 0;
    if (!(tok->flags & DP_TOKEN_COMPOUND)) {
        if (x->in_part)
            x->tok_part++;
        else
            x->tok_ref++;
    }
    for (i = 0; i < x->n; i++)
        if (strlen(x->t[i].term) == tok->term_len &&
            memcmp(x->t[i].term, tok->term, tok->term_len) == 0)
            break;
    if (i == x->n) {
        memcpy(x->t[i].term, tok->term, tok->term_len);
        x->t[i].term[tok->term_len] = 0;
        x->n++;
    }
    if (x->in_part)
        x->t[i].k++;
    else
        x->t[i].ref++;
    if (x->seen_doc[i] != x->cur_doc) {
        x->seen_doc[i] = x->cur_doc;
        if (x->in_part)
            x->t[i].df++;
        else
            x->t[i].dfref++;
    }
    return 0;
}

/* Count terms of DOCS, part = docs whose date starts with prefix. */
static void independent(ind *x, const char *prefix)
{
    dp_analyzer *an;
    memset(x, 0, sizeof *x);
    CHECK_EQ_INT(dp_analyzer_new(&an, NULL), DP_OK);
    for (size_t i = 0; i < NDOCS; i++) {
        x->in_part = strncmp(DOCS[i].date, prefix, strlen(prefix)) == 0 &&
                     strlen(DOCS[i].date) >= strlen(prefix);
        x->cur_doc = (int)i + 1;
        dp_analyze(an, "fr", DOCS[i].title, strlen(DOCS[i].title), ind_tok, x);
        dp_analyze(an, "fr", DOCS[i].text, strlen(DOCS[i].text), ind_tok, x);
    }
    dp_analyzer_free(an);
}

static tcount *ind_find(ind *x, dp_slice term)
{
    for (int i = 0; i < x->n; i++)
        if (strlen(x->t[i].term) == term.n &&
            memcmp(x->t[i].term, term.p, term.n) == 0)
            return &x->t[i];
    return NULL;
}

/* G2 in entropy form, long double. */
static double ref_g2(long k, long t, long F, long T)
{
    long double o[4] = {k, t - k, F - k, T - t - F + k};
    long double rows[2] = {t, T - t}, cols[2] = {F, T - F}, s = 0;
    for (int i = 0; i < 4; i++)
        if (o[i] > 0)
            s += o[i] * logl(o[i]);
    for (int i = 0; i < 2; i++) {
        if (rows[i] > 0)
            s -= rows[i] * logl(rows[i]);
        if (cols[i] > 0)
            s -= cols[i] * logl(cols[i]);
    }
    s += (long double)T * logl((long double)T);
    s *= 2;
    if (s < 0)
        s = 0;
    return (double)((long double)k * T > (long double)F * t ? s
                    : (long double)k * T < (long double)F * t ? -s : 0);
}

static long double lchoosel(long n, long k)
{
    return lgammal(n + 1) - lgammal(k + 1) - lgammal(n - k + 1);
}

/* Lafon's specificity by summing each pmf term of the tail. */
static double ref_spec(long k, long t, long F, long T)
{
    long lo = t + F - T > 0 ? t + F - T : 0, hi = F < t ? F : t;
    long double p = 0;
    int over = (long double)k * T >= (long double)F * t;
    for (long x = lo; x <= hi; x++)
        if (over ? x >= k : x <= k)
            p += expl(lchoosel(F, x) + lchoosel(T - F, t - x) -
                      lchoosel(T, t));
    return (double)(over ? -log10l(p) : log10l(p));
}

/* ------------------------------------------------------- score tests */

TEST(stats_worked_examples)
{
    /* docs/analysis.md: T = 10 tokens, the part has t = 4, the term F = 3
    ** of which k = 3 in the part.  E = 1.2; P(X >= 3) = C(3,3) C(7,1) /
    ** C(10,4) = 7 / 210; G2 = 2 (3 ln(3/1.2) + 1 ln(1/2.8) + 6 ln(6/4.2)).
    */
    CHECK_NEAR(dp__stats_spec(3, 4, 3, 10), -log10(7.0 / 210));
    CHECK_NEAR(dp__stats_spec(3, 4, 3, 10), 1.4771212547196626);
    CHECK_NEAR(dp__stats_spec(0, 4, 3, 10), log10(35.0 / 210));
    CHECK_NEAR(dp__stats_g2(3, 4, 3, 10),
               2 * (3 * log(3 / 1.2) + log(1 / 2.8) + 6 * log(6 / 4.2)));
    CHECK_NEAR(dp__stats_g2(3, 4, 3, 10), 7.718604884147403);
    CHECK_NEAR(dp__stats_g2(0, 4, 3, 10), ref_g2(0, 4, 3, 10));
    CHECK(dp__stats_g2(0, 4, 3, 10) < 0);
    /* collocation example: N = 1000, R1 = 50, C1 = 20, O11 = 6: E11 = 1 */
    CHECK_NEAR(dp__stats_pmi(6, 1), log2(6.0));
    CHECK_NEAR(dp__stats_tscore(6, 1), 5 / sqrt(6.0));
    CHECK_NEAR(dp__stats_g2(6, 50, 20, 1000), 13.505733897758002);
    /* against the independent formulas, small and Le Monde-sized counts */
    static const long cases[][4] = {
        {5, 40, 9, 200},     {0, 40, 9, 200},      {9, 40, 9, 200},
        {1, 3, 50, 60},      {30, 100, 60, 150},   {2, 1000, 3, 5000},
        {2345, 1146733, 11349, 13534180},          {94, 1122197, 100, 13534180},
        {2, 1122197, 4503, 13534180},              {150, 1122197, 57593, 13534180},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const long *c = cases[i];
        CHECK_NEAR(dp__stats_g2(c[0], c[1], c[2], c[3]),
                   ref_g2(c[0], c[1], c[2], c[3]));
        CHECK_NEAR(dp__stats_spec(c[0], c[1], c[2], c[3]),
                   ref_spec(c[0], c[1], c[2], c[3]));
        if (rel(dp__stats_spec(c[0], c[1], c[2], c[3]),
                ref_spec(c[0], c[1], c[2], c[3])) >= 1e-9)
            printf("  case %zu: %.15g vs %.15g\n", i,
                   dp__stats_spec(c[0], c[1], c[2], c[3]),
                   ref_spec(c[0], c[1], c[2], c[3]));
    }
}

/* ------------------------------------------------------ terms helpers */

typedef struct rows {
    char buf[65536];
    size_t n;
    int count;
    ind *x;
    int bad;
    int stop_seen;
} rows;

static int on_term(void *ctx, const dp_terms_part *part,
                   const dp_term_score *r)
{
    rows *R = ctx;
    int w = snprintf(R->buf + R->n, sizeof R->buf - R->n,
                     "%s|%.*s|%.*s|%llu|%llu|%llu|%llu|%.12g|%.12g|%.12g|%d\n",
                     part->period ? part->period : "-", (int)r->term.n,
                     r->term.p, (int)r->form.n, r->form.p,
                     (unsigned long long)r->freq,
                     (unsigned long long)r->ref_freq,
                     (unsigned long long)r->df, (unsigned long long)r->ref_df,
                     r->expected, r->llr, r->spec, r->sign);
    if (w > 0 && (size_t)w < sizeof R->buf - R->n)
        R->n += (size_t)w;
    R->count++;
    if (R->x) {
        tcount *t = ind_find(R->x, r->term);
        long T = R->x->tok_part + R->x->tok_ref, F;
        if (t == NULL) {
            R->bad++;
            return 0;
        }
        F = t->k + t->ref;
        if ((long)part->tokens != R->x->tok_part ||
            (long)part->ref_tokens != R->x->tok_ref || (long)r->freq != t->k ||
            (long)r->ref_freq != t->ref || (long)r->df != t->df ||
            (long)r->ref_df != t->dfref ||
            rel(r->expected, (double)F * R->x->tok_part / T) > 1e-9 ||
            rel(r->llr, ref_g2(t->k, R->x->tok_part, F, T)) > 1e-9 ||
            rel(r->spec, ref_spec(t->k, R->x->tok_part, F, T)) > 1e-9) {
            printf("  mismatch %.*s: k %llu/%ld ref %llu/%ld df %llu/%ld "
                   "llr %.12g/%.12g spec %.12g/%.12g\n",
                   (int)r->term.n, r->term.p, (unsigned long long)r->freq,
                   t->k, (unsigned long long)r->ref_freq, t->ref,
                   (unsigned long long)r->df, t->df, r->llr,
                   ref_g2(t->k, R->x->tok_part, F, T), r->spec,
                   ref_spec(t->k, R->x->tok_part, F, T));
            R->bad++;
        }
        t->total = 1; /* seen */
    }
    if (r->term.n == 2 && memcmp(r->term.p, "le", 2) == 0)
        R->stop_seen = 1;
    return 0;
}

static dp_archive *archive_split, *archive_one;

static dp_archive *get_archive(int split)
{
    dp_archive **a = split ? &archive_split : &archive_one;
    if (*a == NULL)
        *a = build(tmp_path(split ? "split" : "one"), split);
    return *a;
}

static void run_terms(dp_archive *a, const char *part, int sign, int sort,
                      int keep, rows *R)
{
    dp_terms_options o = DP_TERMS_OPTIONS_INIT;
    dp_query *q = parse(part);
    o.part = q;
    o.limit = 0;
    o.sign = sign;
    o.sort = sort;
    o.keep_stopwords = keep;
    CHECK_EQ_INT(dp_terms(a, &o, on_term, R), DP_OK);
    dp_query_free(q);
}

TEST(terms_exact_against_independent_counts)
{
    static ind x;
    static rows R;
    dp_archive *a = get_archive(1);
    int terms_with_k = 0, reported = 0;
    CHECK(a != NULL);
    if (a == NULL)
        return;
    independent(&x, "2022-02");
    memset(&R, 0, sizeof R);
    R.x = &x;
    run_terms(a, "date:2022-02", DP_TERMS_BOTH, DP_TERMS_BY_LL, 1, &R);
    CHECK_EQ_INT(R.bad, 0);
    /* every term of the archive is reported once (BOTH, no limit, stop
    ** words kept), except those exactly at their expected frequency */
    for (int i = 0; i < x.n; i++) {
        long T = x.tok_part + x.tok_ref, F = x.t[i].k + x.t[i].ref;
        if ((long double)x.t[i].k * T != (long double)F * x.tok_part)
            terms_with_k++;
        reported += x.t[i].total == 1;
    }
    CHECK_EQ_INT(R.count, terms_with_k);
    CHECK_EQ_INT(reported, terms_with_k);
    CHECK(R.stop_seen);
    /* the top over-used term of February is ukrain (6 of its 7) */
    memset(&R, 0, sizeof R);
    run_terms(a, "date:2022-02", DP_TERMS_OVER, DP_TERMS_BY_SPEC, 0, &R);
    CHECK(strncmp(R.buf, "-|ukrain|ukraine|6|0|3|0|", 25) == 0);
    if (strncmp(R.buf, "-|ukrain|ukraine|6|0|3|0|", 25) != 0)
        printf("  got %.80s\n", R.buf);
    CHECK(strstr(R.buf, "|le|") == NULL);
}

TEST(terms_same_whatever_the_segments)
{
    static rows A, B, C;
    dp_archive *a = get_archive(1), *b = get_archive(0);
    const char *parts[] = {"date:2022-02", "chat", "date:2022-01..2022-02"};
    for (size_t i = 0; i < 3; i++) {
        memset(&A, 0, sizeof A);
        memset(&B, 0, sizeof B);
        run_terms(a, parts[i], DP_TERMS_BOTH, DP_TERMS_BY_SPEC, 1, &A);
        run_terms(b, parts[i], DP_TERMS_BOTH, DP_TERMS_BY_SPEC, 1, &B);
        CHECK(A.count > 0);
        CHECK_EQ_STR(A.buf, B.buf);
    }
    /* optimize the split archive (drops the deleted doc): same again */
    CHECK_EQ_INT(dp_archive_optimize(a), DP_OK);
    memset(&C, 0, sizeof C);
    run_terms(a, "date:2022-02", DP_TERMS_BOTH, DP_TERMS_BY_SPEC, 1, &C);
    memset(&B, 0, sizeof B);
    run_terms(b, "date:2022-02", DP_TERMS_BOTH, DP_TERMS_BY_SPEC, 1, &B);
    CHECK_EQ_STR(C.buf, B.buf);
}

TEST(terms_per_period_equals_single_parts)
{
    static rows P, S;
    dp_archive *a = get_archive(1);
    dp_terms_options o = DP_TERMS_OPTIONS_INIT;
    const char *months[] = {"2022-01", "2022-02", "2022-03"};
    char want[65536] = "";

    o.per_period = 1;
    o.period = DP_BY_MONTH;
    o.limit = 5;
    memset(&P, 0, sizeof P);
    CHECK_EQ_INT(dp_terms(a, &o, on_term, &P), DP_OK);
    for (size_t i = 0; i < 3; i++) {
        char q[64];
        char *line, *save;
        snprintf(q, sizeof q, "date:%s", months[i]);
        memset(&S, 0, sizeof S);
        dp_terms_options so = DP_TERMS_OPTIONS_INIT;
        dp_query *qq = parse(q);
        so.part = qq;
        so.limit = 5;
        CHECK_EQ_INT(dp_terms(a, &so, on_term, &S), DP_OK);
        dp_query_free(qq);
        for (line = strtok_r(S.buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            strcat(want, months[i]);
            strcat(want, line + 1); /* "-|..." -> "2022-01|..." */
            strcat(want, "\n");
        }
    }
    CHECK_EQ_STR(P.buf, want);
}

TEST(terms_against_another_period)
{
    static ind x;
    static rows R;
    dp_archive *a = get_archive(0);
    dp_terms_options o = DP_TERMS_OPTIONS_INIT;
    dp_query *p = parse("date:2022-02"), *r = parse("date:2022-01");
    /* independent: part = Feb, reference = Jan only */
    dp_analyzer *an;
    memset(&x, 0, sizeof x);
    CHECK_EQ_INT(dp_analyzer_new(&an, NULL), DP_OK);
    for (size_t i = 0; i < NDOCS; i++) {
        int feb = strncmp(DOCS[i].date, "2022-02", 7) == 0;
        int jan = strncmp(DOCS[i].date, "2022-01", 7) == 0;
        if (!feb && !jan)
            continue;
        x.in_part = feb;
        x.cur_doc = (int)i + 1;
        dp_analyze(an, "fr", DOCS[i].title, strlen(DOCS[i].title), ind_tok, &x);
        dp_analyze(an, "fr", DOCS[i].text, strlen(DOCS[i].text), ind_tok, &x);
    }
    dp_analyzer_free(an);
    memset(&R, 0, sizeof R);
    R.x = &x;
    o.part = p;
    o.against = r;
    o.limit = 0;
    o.sign = DP_TERMS_BOTH;
    o.keep_stopwords = 1;
    CHECK_EQ_INT(dp_terms(a, &o, on_term, &R), DP_OK);
    CHECK(R.count > 10);
    CHECK_EQ_INT(R.bad, 0);
    dp_query_free(p);
    dp_query_free(r);
}

/* -------------------------------------------------------------- kwic */

typedef struct klines {
    char buf[16384];
    size_t n;
    int count;
} klines;

static int on_line(void *ctx, const dp_kwic_line *l)
{
    klines *K = ctx;
    char date[32];
    dp_date_format(&l->date, date, sizeof date);
    int w = snprintf(K->buf + K->n, sizeof K->buf - K->n,
                     "%.*s %s [%.*s|%.*s|%.*s]\n", (int)l->id.n, l->id.p,
                     date, (int)l->left.n, l->left.p, (int)l->match.n,
                     l->match.p, (int)l->right.n, l->right.p);
    if (w > 0 && (size_t)w < sizeof K->buf - K->n)
        K->n += (size_t)w;
    K->count++;
    return 0;
}

static uint64_t run_kwic(dp_archive *a, const char *qs, int sort,
                         unsigned width, int words, uint64_t off,
                         uint64_t lim, klines *K)
{
    dp_kwic_options o = DP_KWIC_OPTIONS_INIT;
    dp_query *q = parse(qs);
    uint64_t total = 0;
    o.sort = sort;
    o.width = width;
    o.width_words = words;
    o.offset = off;
    o.limit = lim;
    memset(K, 0, sizeof *K);
    CHECK_EQ_INT(dp_kwic(a, q, &o, on_line, K, &total), DP_OK);
    dp_query_free(q);
    return total;
}

TEST(kwic_words_phrases_near)
{
    static klines K;
    dp_archive *a = get_archive(0);
    /* words mode: contexts end with the last word (no punctuation) */
    CHECK_EQ_INT(run_kwic(a, "chat", DP_KWIC_SORT_DOC, 2, 1, 0, 0, &K), 5);
    CHECK_EQ_STR(K.buf, "d1 2022-01-10 [Le |chat| noir]\n"
                        "d1 2022-01-10 [Le |chat| dort. Le]\n"
                        "d1 2022-01-10 [près du |chat|]\n"
                        "d4 2022-02-15 [armes. Le |chat| de Kiev]\n"
                        "d6 2022-03-01 [et le |chat|.\nLa paix]\n");
    /* characters: 6 on each side */
    run_kwic(a, "kiev", DP_KWIC_SORT_DOC, 6, 0, 0, 0, &K);
    CHECK_EQ_STR(K.buf, "d3 2022-02-03 [aine. |Kiev| résis]\n"
                        "d4 2022-02-15 [at de |Kiev| est c]\n");
    /* a phrase across the elision, a compound by its parts */
    CHECK_EQ_INT(run_kwic(a, "\"chat de kiev\"", 0, 1, 1, 0, 0, &K), 1);
    CHECK_EQ_STR(K.buf, "d4 2022-02-15 [Le |chat de Kiev| est]\n");
    CHECK_EQ_INT(run_kwic(a, "etats-unis", 0, 1, 1, 0, 0, &K), 1);
    CHECK_EQ_STR(K.buf, "d3 2022-02-03 [Les |Etats-Unis| réagissent]\n");
    /* NEAR: one span per pair */
    CHECK_EQ_INT(run_kwic(a, "chat NEAR/2 kiev", 0, 0, 1, 0, 0, &K), 1);
    CHECK(strstr(K.buf, "|chat de Kiev|") != NULL);
    /* title: restricts to the title */
    CHECK_EQ_INT(run_kwic(a, "title:chat", 0, 1, 1, 0, 0, &K), 1);
    /* nothing in a NOT */
    CHECK_EQ_INT(run_kwic(a, "chat -kiev", 0, 1, 1, 0, 0, &K), 4);
}

TEST(kwic_sorts_and_paging)
{
    static klines K, P;
    dp_archive *a = get_archive(1);
    /* left sort: nearest left word first, compared on folded forms;
    ** ties in archive order */
    CHECK_EQ_INT(run_kwic(a, "chat", DP_KWIC_SORT_LEFT, 1, 1, 0, 0, &K), 5);
    CHECK_EQ_STR(K.buf, "d1 2022-01-10 [du |chat|]\n"
                        "d1 2022-01-10 [Le |chat| noir]\n"
                        "d1 2022-01-10 [Le |chat| dort]\n"
                        "d4 2022-02-15 [Le |chat| de]\n"
                        "d6 2022-03-01 [le |chat|.\nLa]\n");
    /* right sort: "" (end of the text) < de < dort < la < noir */
    run_kwic(a, "chat", DP_KWIC_SORT_RIGHT, 1, 1, 0, 0, &K);
    CHECK_EQ_STR(K.buf, "d1 2022-01-10 [du |chat|]\n"
                        "d4 2022-02-15 [Le |chat| de]\n"
                        "d1 2022-01-10 [Le |chat| dort]\n"
                        "d6 2022-03-01 [le |chat|.\nLa]\n"
                        "d1 2022-01-10 [Le |chat| noir]\n");
    /* date, newest first: d6 (March), d4, then January */
    run_kwic(a, "chat", DP_KWIC_SORT_DATE_DESC, 1, 1, 0, 0, &K);
    CHECK(strncmp(K.buf, "d6 ", 3) == 0);
    CHECK(strncmp(strchr(K.buf, ']') + 2, "d4 ", 3) == 0);
    /* paging: offset 2 limit 3 of the left sort = lines 3..5 */
    run_kwic(a, "chat", DP_KWIC_SORT_LEFT, 1, 1, 0, 0, &K);
    CHECK_EQ_INT(run_kwic(a, "chat", DP_KWIC_SORT_LEFT, 1, 1, 2, 3, &P), 5);
    CHECK_EQ_INT(P.count, 3);
    {
        const char *s = K.buf;
        for (int i = 0; i < 2; i++)
            s = strchr(s, '\n') + 1;
        CHECK(strncmp(s, P.buf, P.n) == 0);
    }
    /* paging in archive order */
    CHECK_EQ_INT(run_kwic(a, "chat", DP_KWIC_SORT_DOC, 1, 1, 4, 10, &P), 5);
    CHECK_EQ_INT(P.count, 1);
    CHECK(strncmp(P.buf, "d6 ", 3) == 0);
}

/* -------------------------------------------------------------- cooc */

typedef struct crow {
    char term[32];
    dp_collocate c;
    dp_cooc_summary s;
} crow;
typedef struct cset {
    crow r[64];
    int n;
} cset;

static int on_coll(void *ctx, const dp_cooc_summary *s, const dp_collocate *c)
{
    cset *C = ctx;
    if (C->n < 64) {
        snprintf(C->r[C->n].term, sizeof C->r[C->n].term, "%.*s", (int)c->term.n,
                 c->term.p);
        C->r[C->n].c = *c;
        C->r[C->n].s = *s;
        C->n++;
    }
    return 0;
}

static const crow *cfind(const cset *C, const char *t)
{
    for (int i = 0; i < C->n; i++)
        if (strcmp(C->r[i].term, t) == 0)
            return &C->r[i];
    return NULL;
}

TEST(cooc_counts_and_scores)
{
    static cset C;
    dp_archive *a = get_archive(0);
    dp_cooc_options o = DP_COOC_OPTIONS_INIT;
    dp_query *q = parse("kiev");
    dp_archive_stats st;
    const crow *r;
    o.window = 2;
    o.min_freq = 1;
    o.limit = 0;
    o.keep_stopwords = 1;
    memset(&C, 0, sizeof C);
    CHECK_EQ_INT(dp_cooc(a, q, &o, on_coll, &C), DP_OK);
    CHECK_EQ_INT(dp_archive_stats_get(a, &st), DP_OK);
    /* d3: "... entre en Ukraine. Kiev résiste. Les ..." -- sentence ends
    ** cut the window: only "résiste" on the right; nothing on the left.
    ** d4: "Le chat de Kiev est célèbre!" -> chat, de, est, célèbre. */
    CHECK(C.n == 5);
    CHECK_EQ_INT(C.r[0].s.window_tokens, 5);
    CHECK_EQ_INT(C.r[0].s.nodes, 2);
    CHECK_EQ_INT(C.r[0].s.docs, 2);
    CHECK_EQ_INT(C.r[0].s.tokens, st.tokens);
    r = cfind(&C, "chat");
    CHECK(r != NULL);
    if (r) {
        double N = (double)st.tokens, e = 5.0 * 5 / N;
        CHECK_EQ_INT(r->c.cooc, 1);
        CHECK_EQ_INT(r->c.freq, 5);
        CHECK_NEAR(r->c.expected, e);
        CHECK_NEAR(r->c.pmi, log2(1 / e));
        CHECK_NEAR(r->c.tscore, (1 - e) / 1);
        CHECK_NEAR(r->c.llr, ref_g2(1, 5, 5, (long)st.tokens));
    }
    CHECK(cfind(&C, "resist") != NULL);
    CHECK(cfind(&C, "ukrain") == NULL);
    /* crossing sentences: d3 adds "ukrain", "en" (left) and "le" (right) */
    o.cross_sentences = 1;
    memset(&C, 0, sizeof C);
    CHECK_EQ_INT(dp_cooc(a, q, &o, on_coll, &C), DP_OK);
    CHECK_EQ_INT(C.r[0].s.window_tokens, 8);
    CHECK(cfind(&C, "ukrain") != NULL);
    /* the sentence window (default) */
    o = (dp_cooc_options)DP_COOC_OPTIONS_INIT;
    o.min_freq = 1;
    o.limit = 0;
    o.keep_stopwords = 1;
    memset(&C, 0, sizeof C);
    CHECK_EQ_INT(dp_cooc(a, q, &o, on_coll, &C), DP_OK);
    /* d3 "Kiev résiste." (1) + d4 "Le chat de Kiev est célèbre!" (5) */
    CHECK_EQ_INT(C.r[0].s.window_tokens, 6);
    dp_query_free(q);
}

/* Concordances and collocates: the same on three segments with a pending
** deletion, on one segment, and after optimize. */
static void compare_kwic_cooc(dp_archive *a, dp_archive *b)
{
    static klines KA, KB;
    static cset CA, CB;
    dp_cooc_options o = DP_COOC_OPTIONS_INIT;
    dp_query *q = parse("kiev OR chat");
    const int sorts[] = {DP_KWIC_SORT_DOC, DP_KWIC_SORT_LEFT,
                         DP_KWIC_SORT_RIGHT, DP_KWIC_SORT_DATE};
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ_INT(run_kwic(a, "chat OR kiev", sorts[i], 3, 1, 0, 0, &KA), 7);
        CHECK_EQ_INT(run_kwic(b, "chat OR kiev", sorts[i], 3, 1, 0, 0, &KB), 7);
        CHECK_EQ_STR(KA.buf, KB.buf);
    }
    o.min_freq = 1;
    o.limit = 0;
    memset(&CA, 0, sizeof CA);
    memset(&CB, 0, sizeof CB);
    CHECK_EQ_INT(dp_cooc(a, q, &o, on_coll, &CA), DP_OK);
    CHECK_EQ_INT(dp_cooc(b, q, &o, on_coll, &CB), DP_OK);
    CHECK_EQ_INT(CA.n, CB.n);
    CHECK(CA.n > 5);
    for (int i = 0; i < CA.n && i < CB.n; i++) {
        CHECK_EQ_STR(CA.r[i].term, CB.r[i].term);
        CHECK_EQ_INT(CA.r[i].c.cooc, CB.r[i].c.cooc);
        CHECK_EQ_INT(CA.r[i].c.freq, CB.r[i].c.freq);
        CHECK(CA.r[i].c.llr == CB.r[i].c.llr);
    }
    dp_query_free(q);
}

TEST(kwic_cooc_same_whatever_the_segments)
{
    dp_archive *a = build(tmp_path("split3"), 1), *b = get_archive(0);
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL)
        return;
    compare_kwic_cooc(a, b);
    CHECK_EQ_INT(dp_archive_optimize(a), DP_OK);
    compare_kwic_cooc(a, b);
    dp_archive_close(a);
}

/* -------------------------------------------------------------- freq */

typedef struct frows {
    char buf[16384];
    size_t n;
    int count;
    dp_freq_summary s;
} frows;

static int on_freq(void *ctx, const dp_freq_summary *s, const dp_freq_row *r)
{
    frows *F = ctx;
    int w = snprintf(F->buf + F->n, sizeof F->buf - F->n, "%.*s/%.*s %llu %llu\n",
                     (int)r->term.n, r->term.p, (int)r->form.n, r->form.p,
                     (unsigned long long)r->freq, (unsigned long long)r->df);
    if (w > 0 && (size_t)w < sizeof F->buf - F->n)
        F->n += (size_t)w;
    F->count++;
    F->s = *s;
    return 0;
}

TEST(freq_terms_and_ngrams)
{
    static frows F, G;
    static ind x;
    dp_archive *a = get_archive(1), *b = get_archive(0);
    dp_freq_options o = DP_FREQ_OPTIONS_INIT;
    dp_query *q = parse("guerre");
    o.limit = 0;
    o.keep_stopwords = 1;
    memset(&F, 0, sizeof F);
    CHECK_EQ_INT(dp_freq(a, NULL, &o, on_freq, &F), DP_OK);
    independent(&x, "none");
    CHECK_EQ_INT(F.count, x.n);
    CHECK_EQ_INT(F.s.tokens, x.tok_ref);
    CHECK_EQ_INT(F.s.docs, NDOCS);
    for (int i = 0; i < x.n; i++) {
        char want[128];
        snprintf(want, sizeof want, "%s/", x.t[i].term);
        const char *at = strstr(F.buf, want);
        CHECK(at != NULL);
        if (at) {
            unsigned long long f = 0, df = 0;
            const char *sp = strchr(at, ' ');
            sscanf(sp, " %llu %llu", &f, &df);
            CHECK_EQ_INT(f, x.t[i].ref);
            CHECK_EQ_INT(df, x.t[i].dfref);
        }
    }
    /* default: stop words out, top is ukrain 7 in 3 docs */
    o = (dp_freq_options)DP_FREQ_OPTIONS_INIT;
    memset(&F, 0, sizeof F);
    CHECK_EQ_INT(dp_freq(a, NULL, &o, on_freq, &F), DP_OK);
    CHECK(strncmp(F.buf, "ukrain/ukraine 6 3\n", 19) == 0);
    CHECK(strstr(F.buf, "\nle/") == NULL);
    /* over a query: the 4 docs holding guerre */
    memset(&F, 0, sizeof F);
    CHECK_EQ_INT(dp_freq(a, q, &o, on_freq, &F), DP_OK);
    CHECK_EQ_INT(F.s.docs, 4);
    CHECK(strstr(F.buf, "guerr/guerre 4 4\n") != NULL);
    CHECK(strstr(F.buf, "chat/") != NULL); /* d4 */
    /* bigrams: within sentences; "ukraine ukraine" twice in d5 */
    o.ngram = 2;
    o.limit = 0;
    memset(&F, 0, sizeof F);
    CHECK_EQ_INT(dp_freq(a, NULL, &o, on_freq, &F), DP_OK);
    CHECK(strncmp(F.buf, "ukraine ukraine/ukraine ukraine 2 1\n", 36) == 0);
    CHECK(strstr(F.buf, "chat noir/chat noir 1 1\n") != NULL);
    CHECK(strstr(F.buf, "dort chien") == NULL); /* across a sentence end */
    CHECK(strstr(F.buf, "le chat") == NULL);    /* starts with a stop word */
    o.keep_stopwords = 1;
    memset(&F, 0, sizeof F);
    CHECK_EQ_INT(dp_freq(a, NULL, &o, on_freq, &F), DP_OK);
    CHECK(strstr(F.buf, "le chat/le chat 4 3\n") != NULL);
    /* same on the one-segment archive */
    memset(&G, 0, sizeof G);
    CHECK_EQ_INT(dp_freq(b, NULL, &o, on_freq, &G), DP_OK);
    CHECK_EQ_STR(F.buf, G.buf);
    dp_query_free(q);
}

static int stop_after_two(void *ctx, const dp_kwic_line *l)
{
    (void)l;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static int list_periods(void *ctx, const dp_terms_part *p,
                        const dp_term_score *r)
{
    char *buf = ctx;
    if (r->rank == 0 && strlen(buf) + 40 < 256) {
        char line[64];
        snprintf(line, sizeof line, "%s:%llu:%llu ", p->period,
                 (unsigned long long)p->docs, (unsigned long long)p->tokens);
        strcat(buf, line);
    }
    return 0;
}

TEST(callbacks_and_periods)
{
    dp_archive *a = get_archive(0);
    dp_query *q = parse("chat");
    dp_kwic_options ko = DP_KWIC_OPTIONS_INIT;
    dp_terms_options to = DP_TERMS_OPTIONS_INIT;
    int n = 0;
    char buf[256] = "";
    /* a callback's non-zero return stops the walk and is handed back */
    CHECK_EQ_INT(dp_kwic(a, q, &ko, stop_after_two, &n, NULL), 42);
    CHECK_EQ_INT(n, 2);
    ko.sort = DP_KWIC_SORT_DATE;
    n = 0;
    CHECK_EQ_INT(dp_kwic(a, q, &ko, stop_after_two, &n, NULL), 42);
    /* days: the month-precise d5 and the year-precise d7 are in no day */
    to.per_period = 1;
    to.period = DP_BY_DAY;
    to.keep_stopwords = 1;
    CHECK_EQ_INT(dp_terms(a, &to, list_periods, buf), DP_OK);
    CHECK_EQ_STR(buf, "2022-01-10:1:12 2022-01-20:1:8 2022-02-03:1:14 "
                      "2022-02-15:1:13 2022-03-01:1:9 ");
    /* years: every document */
    buf[0] = 0;
    to.period = DP_BY_YEAR;
    to.sign = DP_TERMS_BOTH;
    CHECK_EQ_INT(dp_terms(a, &to, list_periods, buf), DP_OK);
    CHECK_EQ_STR(buf, "");  /* one part holding everything: no reference */
    /* the query restricts the periods' documents */
    buf[0] = 0;
    to.period = DP_BY_MONTH;
    to.part = q;
    CHECK_EQ_INT(dp_terms(a, &to, list_periods, buf), DP_OK);
    CHECK_EQ_STR(buf, "2022-01:1:12 2022-02:1:13 2022-03:1:9 ");
    dp_query_free(q);
}

TEST(errors)
{
    dp_archive *a = get_archive(0);
    dp_query *q = parse("date:2022-01");
    dp_kwic_options ko = DP_KWIC_OPTIONS_INIT;
    dp_terms_options to = DP_TERMS_OPTIONS_INIT;
    klines K;
    CHECK_EQ_INT(dp_kwic(a, q, &ko, on_line, &K, NULL), DP_EINVAL);
    CHECK_EQ_INT(dp_cooc(a, q, NULL, on_coll, NULL), DP_EINVAL);
    CHECK_EQ_INT(dp_terms(a, &to, on_term, NULL), DP_EINVAL); /* no part */
    ko.version = 99;
    CHECK_EQ_INT(dp_kwic(a, q, &ko, on_line, &K, NULL), DP_EINVAL);
    dp_query_free(q);
}

/* Fail the Nth allocation for every N: each analysis returns DP_ENOMEM
** (never crashes, never leaks: ASan checks) until it has enough. */
static int count_cb_kwic(void *ctx, const dp_kwic_line *l)
{
    (void)l;
    (*(int *)ctx)++;
    return 0;
}
static int count_cb_terms(void *ctx, const dp_terms_part *p,
                          const dp_term_score *r)
{
    (void)p;
    (void)r;
    (*(int *)ctx)++;
    return 0;
}
static int count_cb_cooc(void *ctx, const dp_cooc_summary *s,
                         const dp_collocate *r)
{
    (void)s;
    (void)r;
    (*(int *)ctx)++;
    return 0;
}
static int count_cb_freq(void *ctx, const dp_freq_summary *s,
                         const dp_freq_row *r)
{
    (void)s;
    (void)r;
    (*(int *)ctx)++;
    return 0;
}

static int run_one(dp_archive *a, int which, const dp_query *q, int *nrows)
{
    dp_kwic_options ko = DP_KWIC_OPTIONS_INIT;
    dp_terms_options to = DP_TERMS_OPTIONS_INIT;
    dp_cooc_options co = DP_COOC_OPTIONS_INIT;
    dp_freq_options fo = DP_FREQ_OPTIONS_INIT;
    uint64_t total;
    *nrows = 0;
    switch (which) {
    case 0:
        ko.sort = DP_KWIC_SORT_LEFT;
        return dp_kwic(a, q, &ko, count_cb_kwic, nrows, &total);
    case 1:
        return dp_kwic(a, q, &ko, count_cb_kwic, nrows, &total);
    case 2:
        to.per_period = 1;
        return dp_terms(a, &to, count_cb_terms, nrows);
    case 3:
        co.min_freq = 1;
        return dp_cooc(a, q, &co, count_cb_cooc, nrows);
    case 4:
        fo.ngram = 2;
        return dp_freq(a, NULL, &fo, count_cb_freq, nrows);
    default:
        return dp_freq(a, q, &fo, count_cb_freq, nrows);
    }
}

TEST(out_of_memory_every_allocation)
{
    dp_archive *a;
    dp_query *q;
    a = get_archive(1);
    q = parse("chat OR \"chat de kiev\"");
    for (int which = 0; which < 6; which++) {
        int want, got, rc = DP_ENOMEM;
        CHECK_EQ_INT(run_one(a, which, q, &want), DP_OK);
        CHECK(want > 0);
        for (long n = 0; n < 100000 && rc == DP_ENOMEM; n++) {
            dp__alloc_fail_after(n);
            rc = run_one(a, which, q, &got);
            dp__alloc_fail_after(-1);
            if (rc != DP_OK && rc != DP_ENOMEM)
                printf("  analysis %d, failing allocation %ld: rc %d\n", which,
                       n, rc);
            CHECK(rc == DP_OK || rc == DP_ENOMEM);
        }
        CHECK_EQ_INT(rc, DP_OK);
        CHECK_EQ_INT(got, want);
    }
    dp_query_free(q);
}

TEST(zz_cleanup)
{
    dp_archive_close(archive_split);
    dp_archive_close(archive_one);
    archive_split = archive_one = NULL;
    if (tmpdir[0])
        CHECK_EQ_INT(test_rm_rf(tmpdir), 0);
}

TEST_MAIN()
