/*
** terms.c -- dp_terms: the terms that characterise a part of the archive
** against a reference, by log-likelihood (G2) and Lafon's specificity.
**
** Counting is one pass over the postings (document and frequency only,
** never positions), merged across segments in term order (corpus.c):
** every live document carries a class (0: none, 1..P: a part, P + 1: an
** explicit reference), and each term's postings add their frequencies
** into the classes of their documents.  A segment is only walked over the
** docid range holding classed documents (the cursors skip to it), and
** not at all for a term when it holds no classed document and no
** deletion: the term's archive-wide frequency then comes from the
** dictionary.  With deletions the postings are walked whole, so that
** every count is over live documents.  Each term is scored as soon as
** its counts are complete and kept only if it enters the best `limit` of
** its part (a heap per part): memory grows with the number of parts and
** of distinct terms' bytes kept, never with the documents.
*/
#include "corpus.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct tm_entry {
    double key;            /* larger is better */
    double llr, spec;
    uint64_t k, kref, df, dfref;
    uint32_t term_off;
    uint8_t term_len;
} tm_entry;

typedef struct tm_part {
    char label[40];
    uint64_t docs, tokens;
    uint64_t ref_docs, ref_tokens;
    tm_entry *e;           /* a min-heap on (key, term) when limited */
    size_t n, cap;
} tm_part;

typedef struct tm_run {
    dp__corpus c;
    const dp_terms_options *o;
    uint32_t **cls;        /* per segment, per doc: class */
    uint32_t *lo, *hi;     /* per segment: docid range of classed docs */
    uint32_t nparts;       /* parts 1..nparts; nparts + 1: reference */
    bool explicit_ref;
    tm_part *parts;        /* index 1..nparts */
    uint64_t T, N;         /* live tokens and docs of the archive */
    uint64_t *k, *df;      /* per class, for the current term */
    dp_buf terms;          /* bytes of the terms kept */
} tm_run;

/* -------------------------------------------------------------- periods */

static int64_t period_key(const dp_date *d, dp_period by)
{
    int32_t day;
    switch (by) {
    case DP_BY_YEAR:
        return d->prec >= DP_PREC_YEAR ? d->year : INT64_MIN;
    case DP_BY_MONTH:
        return d->prec >= DP_PREC_MONTH ? d->year * 12 + d->month - 1
                                        : INT64_MIN;
    default:
        if (d->prec < DP_PREC_DAY)
            return INT64_MIN;
        day = dp__query_days(d->year, d->month, d->day);
        if (by == DP_BY_DAY)
            return day;
        /* ISO weeks start on Monday; 1970-01-01 was a Thursday */
        return (int64_t)floor((day + 3) / 7.0);
    }
}

static void period_label(int64_t key, dp_period by, char *buf, size_t cap)
{
    int y;
    unsigned m, d;
    switch (by) {
    case DP_BY_YEAR:
        snprintf(buf, cap, "%04d", (int)key);
        break;
    case DP_BY_MONTH:
        snprintf(buf, cap, "%04d-%02d", (int)(key / 12), (int)(key % 12) + 1);
        break;
    case DP_BY_DAY:
        dp__query_civil((int32_t)key, &y, &m, &d);
        snprintf(buf, cap, "%04d-%02u-%02u", y, m, d);
        break;
    default: {
        int32_t thu = (int32_t)(key * 7); /* the week's Thursday */
        dp__query_civil(thu, &y, &m, &d);
        snprintf(buf, cap, "%04d-W%02d", y,
                 (int)((thu - dp__query_days(y, 1, 1)) / 7 + 1));
    }
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t doc_period(const tm_run *r, const dp__segment *g, uint32_t d)
{
    dp_date dt;
    dp__seg_doc_date(g, d, &dt);
    return period_key(&dt, r->o->period);
}

/* The sorted distinct periods of the part's documents (marks 1). */
static int period_keys(tm_run *r, uint8_t **marks, int64_t **out, size_t *nk)
{
    size_t n = 0, cap = 0, w = 0;
    int64_t *k = NULL, last = INT64_MIN;

    for (size_t s = 0; s < dp__snap_nsegs(r->c.snap); s++) {
        const dp__segment *g = dp__snap_seg(r->c.snap, s);
        for (uint32_t d = 0; d < dp__seg_ndocs(g); d++) {
            int64_t key = marks[s][d] == 1 ? doc_period(r, g, d) : INT64_MIN;
            if (key == INT64_MIN || key == last)
                continue; /* documents mostly come in date order */
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 64;
                int64_t *nkp = dp__realloc(k, nc * sizeof *nkp);
                if (nkp == NULL) {
                    dp__free(k);
                    return DP_ENOMEM;
                }
                k = nkp;
                cap = nc;
            }
            k[n++] = last = key;
        }
    }
    if (n > 1)
        qsort(k, n, sizeof *k, cmp_i64);
    for (size_t i = 0; i < n; i++)
        if (w == 0 || k[w - 1] != k[i])
            k[w++] = k[i];
    *out = k;
    *nk = w;
    return DP_OK;
}

/* Turn the part marks (1) into period classes 1..P, in time order. */
static int classify_periods(tm_run *r, uint8_t **marks)
{
    int64_t *keys = NULL;
    size_t nk = 0;
    int rc = period_keys(r, marks, &keys, &nk);

    if (rc != DP_OK)
        return rc;
    for (size_t s = 0; s < dp__snap_nsegs(r->c.snap); s++) {
        const dp__segment *g = dp__snap_seg(r->c.snap, s);
        for (uint32_t d = 0; d < dp__seg_ndocs(g); d++) {
            int64_t key = marks[s][d] == 1 ? doc_period(r, g, d) : INT64_MIN;
            const int64_t *hit = key == INT64_MIN ? NULL
                : bsearch(&key, keys, nk, sizeof *keys, cmp_i64);
            r->cls[s][d] = hit ? (uint32_t)(hit - keys) + 1 : 0;
        }
    }
    r->nparts = (uint32_t)nk;
    r->parts = dp__calloc(nk + 2, sizeof *r->parts);
    if (r->parts == NULL)
        rc = DP_ENOMEM;
    for (size_t i = 0; i < nk && rc == DP_OK; i++)
        period_label(keys[i], r->o->period, r->parts[i + 1].label,
                     sizeof r->parts[i + 1].label);
    dp__free(keys);
    return rc;
}

/* ---------------------------------------------------------------- setup */

static int mark_docs(tm_run *r, uint8_t **marks, uint64_t *pd, uint64_t *pt,
                     uint64_t *rd, uint64_t *rt)
{
    int rc = DP_OK;
    if (r->o->part)
        rc = dp__corpus_mark(&r->c, r->o->part, marks, 1, pd, pt);
    else
        for (size_t s = 0; s < dp__snap_nsegs(r->c.snap); s++) {
            const dp__segment *g = dp__snap_seg(r->c.snap, s);
            for (uint32_t d = 0; d < dp__seg_ndocs(g); d++)
                if (!dp__seg_is_deleted(g, d)) {
                    marks[s][d] = 1;
                    (*pd)++;
                    *pt += dp__seg_doc_len(g, d);
                }
        }
    if (rc == DP_OK && r->o->against)
        rc = dp__corpus_mark(&r->c, r->o->against, marks, 2, rd, rt);
    return rc;
}

static int alloc_marks(tm_run *r, uint8_t ***marks)
{
    size_t ns = dp__snap_nsegs(r->c.snap);
    int rc = DP_OK;

    *marks = dp__calloc(ns + 1, sizeof **marks);
    r->cls = dp__calloc(ns + 1, sizeof *r->cls);
    r->lo = dp__calloc(ns + 1, sizeof *r->lo);
    r->hi = dp__calloc(ns + 1, sizeof *r->hi);
    if (!*marks || !r->cls || !r->lo || !r->hi)
        return DP_ENOMEM;
    for (size_t s = 0; s < ns && rc == DP_OK; s++) {
        uint32_t nd = dp__seg_ndocs(dp__snap_seg(r->c.snap, s));
        (*marks)[s] = dp__calloc(nd + 1, 1);
        r->cls[s] = dp__calloc(nd + 1, sizeof **r->cls);
        if (!(*marks)[s] || !r->cls[s])
            rc = DP_ENOMEM;
    }
    return rc;
}

/* Marks (1: part, 2: explicit reference) to classes (1..P, P + 1). */
static int assign_classes(tm_run *r, uint8_t **marks)
{
    int rc = DP_OK;

    if (r->o->per_period) {
        rc = classify_periods(r, marks);
    } else {
        r->nparts = 1;
        r->parts = dp__calloc(3, sizeof *r->parts);
        rc = r->parts ? DP_OK : DP_ENOMEM;
    }
    for (size_t s = 0; s < dp__snap_nsegs(r->c.snap) && rc == DP_OK; s++) {
        uint32_t nd = dp__seg_ndocs(dp__snap_seg(r->c.snap, s));
        for (uint32_t d = 0; d < nd; d++) {
            if (marks[s][d] == 2)
                r->cls[s][d] = r->nparts + 1;
            else if (marks[s][d] == 1 && !r->o->per_period)
                r->cls[s][d] = 1;
        }
    }
    return rc;
}

/* Token and document totals of each part and of its reference, and the
** docid range of classed documents of each segment. */
static void part_totals(tm_run *r, uint64_t rd, uint64_t rt)
{
    for (size_t s = 0; s < dp__snap_nsegs(r->c.snap); s++) {
        const dp__segment *g = dp__snap_seg(r->c.snap, s);
        r->lo[s] = UINT32_MAX;
        r->hi[s] = 0;
        for (uint32_t d = 0; d < dp__seg_ndocs(g); d++) {
            uint32_t c = r->cls[s][d];
            if (c == 0)
                continue;
            if (d < r->lo[s])
                r->lo[s] = d;
            r->hi[s] = d;
            if (c <= r->nparts) {
                r->parts[c].docs++;
                r->parts[c].tokens += dp__seg_doc_len(g, d);
            }
        }
    }
    for (uint32_t p = 1; p <= r->nparts; p++) {
        tm_part *P = &r->parts[p];
        P->ref_docs = r->explicit_ref ? rd : r->N - P->docs;
        P->ref_tokens = r->explicit_ref ? rt : r->T - P->tokens;
    }
}

/* Class of each document, token and document totals of each part. */
static int setup(tm_run *r)
{
    uint8_t **marks = NULL;
    uint64_t pd = 0, pt = 0, rd = 0, rt = 0;
    int rc = alloc_marks(r, &marks);

    if (rc == DP_OK)
        rc = mark_docs(r, marks, &pd, &pt, &rd, &rt);
    if (rc == DP_OK)
        rc = assign_classes(r, marks);
    for (size_t s = 0; s < dp__snap_nsegs(r->c.snap) && marks; s++)
        dp__free(marks[s]);
    dp__free(marks);
    if (rc != DP_OK)
        return rc;
    part_totals(r, rd, rt);
    r->k = dp__calloc(r->nparts + 2, sizeof *r->k);
    r->df = dp__calloc(r->nparts + 2, sizeof *r->df);
    return r->k && r->df ? DP_OK : DP_ENOMEM;
}

/* ------------------------------------------------------------- counting */

/* Add the postings of one term in segment s to the class counts, and to
** *wcf / *wdf (archive-wide, live docs). */
static int count_seg(tm_run *r, size_t s, const dp__term_info *ti,
                     uint64_t *wcf, uint64_t *wdf)
{
    const dp__segment *g = dp__snap_seg(r->c.snap, s);
    bool dels = dp__seg_live_docs(g) != dp__seg_ndocs(g);
    uint32_t lo = r->lo[s], hi = r->hi[s];
    const uint32_t *cls = r->cls[s];
    dp__postings *p;
    int rc;

    if (!dels) {
        *wcf += ti->cf;
        *wdf += ti->df;
        if (lo > hi)
            return DP_OK;
    } else {
        lo = 0;
        hi = UINT32_MAX;
    }
    rc = dp__postings_open(g, ti, -1, DP__POST_FREQS, &p);
    if (rc != DP_OK)
        return rc;
    rc = dp__postings_advance(p, lo);
    while (rc == DP_OK) {
        uint32_t d = dp__postings_doc(p), f = dp__postings_freq(p), c;
        if (d > hi)
            break;
        c = cls[d];
        if (c) {
            r->k[c] += f;
            r->df[c]++;
        }
        if (dels) {
            *wcf += f;
            (*wdf)++;
        }
        rc = dp__postings_next(p);
    }
    dp__postings_free(p);
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

/* ------------------------------------------------------------- ranking */

static int entry_cmp(const tm_run *r, const tm_entry *a, const tm_entry *b)
{
    /* > 0 when a is better than b: higher key, then smaller term */
    size_t m;
    int c;
    if (a->key != b->key)
        return a->key > b->key ? 1 : -1;
    m = a->term_len < b->term_len ? a->term_len : b->term_len;
    c = memcmp(r->terms.p + a->term_off, r->terms.p + b->term_off, m);
    if (c == 0)
        c = (a->term_len > b->term_len) - (a->term_len < b->term_len);
    return -c;
}

static void sift_down(const tm_run *r, tm_entry *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && entry_cmp(r, &h[l], &h[m]) < 0)
            m = l;
        if (l + 1 < n && entry_cmp(r, &h[l + 1], &h[m]) < 0)
            m = l + 1;
        if (m == i)
            return;
        tm_entry t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(const tm_run *r, tm_entry *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (entry_cmp(r, &h[i], &h[p]) >= 0)
            return;
        tm_entry t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* Would e enter part P's list? */
static bool enters(const tm_run *r, const tm_part *P, const tm_entry *e)
{
    uint64_t lim = r->o->limit;
    return lim == 0 || P->n < lim || entry_cmp(r, e, &P->e[0]) > 0;
}

static int keep(tm_run *r, tm_part *P, tm_entry *e, const char *term,
                size_t tl)
{
    uint64_t lim = r->o->limit;
    if (P->n == P->cap && (lim == 0 || P->n < lim)) {
        size_t cap = P->cap ? P->cap * 2 : 64;
        tm_entry *ne = dp__realloc(P->e, cap * sizeof *ne);
        if (ne == NULL)
            return DP_ENOMEM;
        P->e = ne;
        P->cap = cap;
    }
    e->term_off = (uint32_t)r->terms.n;
    e->term_len = (uint8_t)tl;
    if (r->terms.n + tl >= UINT32_MAX ||
        dp__buf_append(&r->terms, term, tl) != DP_OK)
        return DP_ENOMEM;
    if (lim == 0 || P->n < lim) {
        P->e[P->n] = *e;
        if (lim)
            sift_up(r, P->e, P->n);
        P->n++;
    } else {
        P->e[0] = *e;
        sift_down(r, P->e, P->n, 0);
    }
    return DP_OK;
}

/* Score the current term in every part and keep it where it ranks. */
static int score_term(tm_run *r, const char *term, size_t tl, uint64_t wcf,
                      uint64_t wdf)
{
    const dp_terms_options *o = r->o;
    int stop_known = 0;
    bool stop = false;
    uint32_t ref = r->nparts + 1;

    for (uint32_t p = 1; p <= r->nparts; p++) {
        tm_part *P = &r->parts[p];
        tm_entry e;
        double t = (double)P->tokens, T, F;
        int rc;

        if (P->tokens == 0 || r->k[p] < o->min_freq)
            continue;
        if (o->sign == DP_TERMS_OVER && r->k[p] == 0)
            continue;
        memset(&e, 0, sizeof e);
        e.k = r->k[p];
        e.df = r->df[p];
        e.kref = r->explicit_ref ? r->k[ref] : wcf - e.k;
        e.dfref = r->explicit_ref ? r->df[ref] : wdf - e.df;
        F = (double)(e.k + e.kref);
        T = t + (double)P->ref_tokens;
        if (F == 0)
            continue;
        e.llr = dp__stats_g2((double)e.k, t, F, T);
        e.spec = o->sort == DP_TERMS_BY_SPEC ? dp__stats_spec((double)e.k, t, F, T)
                                             : NAN;
        e.key = o->sort == DP_TERMS_BY_SPEC ? e.spec : e.llr;
        if (o->sign == DP_TERMS_OVER && !(e.key > 0))
            continue;
        if (o->sign == DP_TERMS_UNDER) {
            if (!(e.key < 0))
                continue;
            e.key = -e.key;
        } else if (o->sign == DP_TERMS_BOTH) {
            e.key = fabs(e.key);
            if (!(e.key > 0))
                continue; /* neither over- nor under-used */
        }
        if (!enters(r, P, &e))
            continue;
        if (!o->keep_stopwords && !stop_known) {
            rc = dp__corpus_is_stop(&r->c, term, tl, &stop);
            if (rc != DP_OK)
                return rc;
            stop_known = 1;
        }
        if (stop)
            continue;
        rc = keep(r, P, &e, term, tl);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

static int count_all(tm_run *r)
{
    dp__termmerge m;
    int rc = dp__termmerge_open(&r->c, &m);

    while (rc == DP_OK && (rc = dp__termmerge_next(&m)) == DP_OK) {
        uint64_t wcf = 0, wdf = 0;
        memset(r->k, 0, (r->nparts + 2) * sizeof *r->k);
        memset(r->df, 0, (r->nparts + 2) * sizeof *r->df);
        for (size_t s = 0; s < m.nsegs && rc == DP_OK; s++)
            if (m.have[s])
                rc = count_seg(r, s, &m.info[s], &wcf, &wdf);
        if (rc == DP_OK && wcf > 0)
            rc = score_term(r, m.term, m.term_len, wcf, wdf);
    }
    if (m.it)
        dp__termmerge_close(&m);
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

/* ------------------------------------------------------------- delivery */

static int cmp_best(const void *a, const void *b, void *arg)
{
    return -entry_cmp(arg, a, b);
}

static int deliver(tm_run *r, dp_terms_cb cb, void *ctx)
{
    int rc = DP_OK;
    for (uint32_t p = 1; p <= r->nparts && rc == DP_OK; p++) {
        tm_part *P = &r->parts[p];
        dp_terms_part part = {r->o->per_period ? P->label : NULL, P->docs,
                              P->tokens, P->ref_docs, P->ref_tokens};
        double t = (double)P->tokens, T = t + (double)P->ref_tokens;
        if (P->tokens == 0)
            continue;
        if (P->n > 1)
            qsort_r(P->e, P->n, sizeof *P->e, cmp_best, r);
        for (size_t i = 0; i < P->n && rc == DP_OK; i++) {
            const tm_entry *e = &P->e[i];
            dp_term_score row;
            char form[DP__TERM_MAX];
            size_t fl;
            double F = (double)(e->k + e->kref);
            memset(&row, 0, sizeof row);
            row.term = (dp_slice){r->terms.p + e->term_off, e->term_len};
            rc = dp__corpus_top_form(&r->c, row.term.p, row.term.n, form, &fl);
            if (rc != DP_OK)
                break;
            row.rank = i;
            row.form = (dp_slice){form, fl};
            row.freq = e->k;
            row.ref_freq = e->kref;
            row.df = e->df;
            row.ref_df = e->dfref;
            row.expected = F * t / T;
            row.llr = e->llr;
            row.spec = isnan(e->spec) ? dp__stats_spec((double)e->k, t, F, T)
                                      : e->spec;
            row.sign = (double)e->k > row.expected ? 1
                     : (double)e->k < row.expected ? -1 : 0;
            rc = cb(ctx, &part, &row);
        }
    }
    return rc;
}

int dp_terms(dp_archive *ar, const dp_terms_options *opts, dp_terms_cb cb,
             void *ctx)
{
    static const dp_terms_options defaults = DP_TERMS_OPTIONS_INIT;
    tm_run r;
    int rc;

    if (opts == NULL)
        opts = &defaults;
    if (ar == NULL || cb == NULL || opts->version != DP_TERMS_OPTIONS_VERSION ||
        (unsigned)opts->sort > DP_TERMS_BY_SPEC ||
        (unsigned)opts->sign > DP_TERMS_BOTH ||
        (unsigned)opts->period > DP_BY_YEAR ||
        (opts->per_period && opts->against) ||
        (!opts->per_period && opts->part == NULL))
        return DP_EINVAL;
    memset(&r, 0, sizeof r);
    r.o = opts;
    r.explicit_ref = opts->against != NULL;
    rc = dp__corpus_open(&r.c, ar, NULL);
    if (rc != DP_OK)
        return rc;
    r.T = dp__snap_total_tokens(r.c.snap);
    r.N = dp__snap_live_docs(r.c.snap);
    rc = setup(&r);
    if (rc == DP_OK)
        rc = count_all(&r);
    if (rc == DP_OK)
        rc = deliver(&r, cb, ctx);
    for (size_t s = 0; r.cls && s < dp__snap_nsegs(r.c.snap); s++)
        dp__free(r.cls[s]);
    for (uint32_t p = 0; r.parts && p <= r.nparts + 1; p++)
        dp__free(r.parts[p].e);
    dp__free(r.parts);
    dp__free(r.cls);
    dp__free(r.lo);
    dp__free(r.hi);
    dp__free(r.k);
    dp__free(r.df);
    dp__buf_free(&r.terms);
    dp__corpus_close(&r.c);
    return rc;
}
