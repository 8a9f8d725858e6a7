/*
** timeline.c -- matching documents per day, ISO week, month or year,
** with the number of all documents of each period and the share.
**
** Only postings and per-document columns are read, never the document
** store.  Each live document gets a bucket from its date column: a precise
** period index (day number, Monday-based week number, year*12+month-1, or
** year) when its date is at least as precise as the period, otherwise an
** "imprecise" bucket of its month or year ("2022-01-??" in a daily
** timeline), otherwise "undated".  Totals count every live document per
** bucket; counts bump the bucket of every document the matcher yields.
**
** Rows run from the first to the last period any dated document covers
** (an imprecise document covers its whole month or year), narrowed or
** widened to the query's top-level date range when it has one; periods
** without a document appear with zeros.  An imprecise row follows the
** precise period that holds the last day of its month or year; the
** "undated" row comes last.
*/
#include "dp_int.h"

#include <stdio.h>

enum { B_PRECISE = 0, B_MONTH, B_YEAR, B_UNDATED, B_DELETED };

typedef struct bucket {
    int32_t v;   /* period index, month index or year */
    uint8_t kind;
} bucket;

typedef struct tl {
    dp_period by;
    int32_t pmin, pmax;      /* precise periods */
    int32_t mmin, mmax;      /* month indexes of imprecise buckets */
    int32_t ymin, ymax;
    uint64_t *pc, *pt;       /* count, total per precise period */
    uint64_t *mc, *mt, *yc, *yt;
    uint64_t uc, ut;         /* undated */
    bucket **segb;           /* per segment, per doc */
    size_t nseg;
} tl;

static int32_t floor_div(int32_t a, int32_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Period index of a day number. */
static int32_t period_of_day(dp_period by, int32_t day)
{
    int y;
    unsigned m, d;
    switch (by) {
    case DP_BY_DAY: return day;
    case DP_BY_WEEK: return floor_div(day + 3, 7); /* 1970-01-01: Thursday */
    default: break;
    }
    dp__query_civil(day, &y, &m, &d);
    return by == DP_BY_MONTH ? y * 12 + (int32_t)m - 1 : y;
}

static int32_t first_day(dp_period by, int32_t p)
{
    switch (by) {
    case DP_BY_DAY: return p;
    case DP_BY_WEEK: return p * 7 - 3;
    case DP_BY_MONTH:
        return dp__query_days(floor_div(p, 12), (unsigned)(p - floor_div(p, 12) * 12) + 1, 1);
    default: return dp__query_days(p, 1, 1);
    }
}

static bucket bucket_of(dp_period by, const dp_date *d)
{
    bucket b = {0, B_UNDATED};
    unsigned need = by == DP_BY_YEAR ? DP_PREC_YEAR
                  : by == DP_BY_MONTH ? DP_PREC_MONTH : DP_PREC_DAY;
    if (d->prec == DP_PREC_NONE)
        return b;
    if (d->prec >= need) {
        b.kind = B_PRECISE;
        if (by == DP_BY_YEAR)
            b.v = d->year;
        else if (by == DP_BY_MONTH)
            b.v = d->year * 12 + d->month - 1;
        else
            b.v = period_of_day(by, dp__query_days(d->year, d->month, d->day));
    } else if (d->prec == DP_PREC_MONTH) {
        b.kind = B_MONTH;
        b.v = d->year * 12 + d->month - 1;
    } else {
        b.kind = B_YEAR;
        b.v = d->year;
    }
    return b;
}

/* First and last precise periods a bucket's documents cover. */
static void bucket_span(const tl *t, const bucket *b, int32_t *lo, int32_t *hi)
{
    int32_t dlo, dhi;
    if (b->kind == B_PRECISE) {
        *lo = *hi = b->v;
        return;
    }
    if (b->kind == B_MONTH) {
        int y = floor_div(b->v, 12);
        unsigned m = (unsigned)(b->v - y * 12) + 1;
        dlo = dp__query_days(y, m, 1);
        dhi = dp__query_days(y, m == 12 ? 1 : m + 1, 1) - 1;
        if (m == 12)
            dhi = dp__query_days(y + 1, 1, 1) - 1;
    } else {
        dlo = dp__query_days(b->v, 1, 1);
        dhi = dp__query_days(b->v + 1, 1, 1) - 1;
    }
    *lo = period_of_day(t->by, dlo);
    *hi = period_of_day(t->by, dhi);
}

/* Pass 1: buckets of every doc, and the ranges. */
static int scan_columns(tl *t, dp__snap *snap)
{
    bool any = false, anym = false, anyy = false;

    t->nseg = dp__snap_nsegs(snap);
    t->segb = dp__calloc(t->nseg + 1, sizeof *t->segb);
    if (t->segb == NULL)
        return DP_ENOMEM;
    for (size_t s = 0; s < t->nseg; s++) {
        const dp__segment *g = dp__snap_seg(snap, s);
        uint32_t n = dp__seg_ndocs(g);
        bucket *bs = dp__malloc((n + 1) * sizeof *bs);
        if (bs == NULL)
            return DP_ENOMEM;
        t->segb[s] = bs;
        for (uint32_t d = 0; d < n; d++) {
            dp_date date;
            int32_t lo, hi;
            if (dp__seg_is_deleted(g, d)) {
                bs[d].kind = B_DELETED;
                continue;
            }
            dp__seg_doc_date(g, d, &date);
            bs[d] = bucket_of(t->by, &date);
            if (bs[d].kind == B_UNDATED)
                continue;
            bucket_span(t, &bs[d], &lo, &hi);
            if (!any || lo < t->pmin)
                t->pmin = lo;
            if (!any || hi > t->pmax)
                t->pmax = hi;
            any = true;
            if (bs[d].kind == B_MONTH) {
                if (!anym || bs[d].v < t->mmin)
                    t->mmin = bs[d].v;
                if (!anym || bs[d].v > t->mmax)
                    t->mmax = bs[d].v;
                anym = true;
            } else if (bs[d].kind == B_YEAR) {
                if (!anyy || bs[d].v < t->ymin)
                    t->ymin = bs[d].v;
                if (!anyy || bs[d].v > t->ymax)
                    t->ymax = bs[d].v;
                anyy = true;
            }
        }
    }
    if (!any)
        t->pmin = 0, t->pmax = -1;
    if (!anym)
        t->mmin = 0, t->mmax = -1;
    if (!anyy)
        t->ymin = 0, t->ymax = -1;
    return DP_OK;
}

/* The query's top-level date range, if any. */
static void query_range(const dp__qnode *nd, int32_t *lo, int32_t *hi)
{
    if (nd->kind == DP_QK_DATE) {
        if (nd->date_lo > *lo)
            *lo = nd->date_lo;
        if (nd->date_hi < *hi)
            *hi = nd->date_hi;
    } else if (nd->kind == DP_QK_AND) {
        for (uint32_t i = 0; i < nd->nkids; i++)
            if (nd->kids[i]->kind == DP_QK_DATE)
                query_range(nd->kids[i], lo, hi);
    }
}

static uint64_t *range_alloc(int32_t lo, int32_t hi)
{
    size_t n = hi >= lo ? (size_t)((int64_t)hi - lo + 1) : 0;
    return dp__calloc(n + 1, sizeof(uint64_t));
}

static int alloc_counts(tl *t)
{
    t->pc = range_alloc(t->pmin, t->pmax);
    t->pt = range_alloc(t->pmin, t->pmax);
    t->mc = range_alloc(t->mmin, t->mmax);
    t->mt = range_alloc(t->mmin, t->mmax);
    t->yc = range_alloc(t->ymin, t->ymax);
    t->yt = range_alloc(t->ymin, t->ymax);
    if (!t->pc || !t->pt || !t->mc || !t->mt || !t->yc || !t->yt)
        return DP_ENOMEM;
    return DP_OK;
}

static void bump(tl *t, const bucket *b, bool total)
{
    switch (b->kind) {
    case B_PRECISE:
        if (b->v >= t->pmin && b->v <= t->pmax)
            (total ? t->pt : t->pc)[b->v - t->pmin]++;
        break;
    case B_MONTH: (total ? t->mt : t->mc)[b->v - t->mmin]++; break;
    case B_YEAR: (total ? t->yt : t->yc)[b->v - t->ymin]++; break;
    case B_UNDATED: (*(total ? &t->ut : &t->uc))++; break;
    default: break;
    }
}

static int count_matches(tl *t, dp__eval *ev)
{
    for (size_t s = 0; s < t->nseg; s++) {
        const dp__segment *g = dp__snap_seg(ev->snap, s);
        uint32_t n = dp__seg_ndocs(g), d, target = 0;
        dp__mt *m;
        int rc;
        for (uint32_t i = 0; i < n; i++)
            bump(t, &t->segb[s][i], true);
        rc = dp__mt_build(ev, g, false, &m);
        if (rc != DP_OK)
            return rc;
        while ((rc = dp__mt_advance(m, target, &d)) == DP_OK &&
               d != DP__DOC_END) {
            bump(t, &t->segb[s][d], false);
            target = d + 1;
        }
        dp__mt_free(m);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

static void label(dp_period by, int kind, int32_t v, char *buf, size_t cap,
                  dp_date *start)
{
    int y;
    unsigned m, d;
    memset(start, 0, sizeof *start);
    if (kind == B_MONTH || kind == B_YEAR) {
        y = kind == B_MONTH ? floor_div(v, 12) : v;
        m = kind == B_MONTH ? (unsigned)(v - y * 12) + 1 : 0;
        start->year = (int16_t)y;
        start->month = (uint8_t)m;
        start->prec = kind == B_MONTH ? DP_PREC_MONTH : DP_PREC_YEAR;
        if (kind == B_MONTH)
            snprintf(buf, cap, by == DP_BY_WEEK ? "%04d-%02u-W??" : "%04d-%02u-??",
                     y, m);
        else
            snprintf(buf, cap, by == DP_BY_DAY ? "%04d-?\?-?\?"
                               : by == DP_BY_WEEK ? "%04d-W??" : "%04d-??", y);
        return;
    }
    dp__query_civil(first_day(by, v), &y, &m, &d);
    start->year = (int16_t)y;
    start->month = (uint8_t)m;
    start->day = (uint8_t)d;
    start->prec = DP_PREC_DAY;
    switch (by) {
    case DP_BY_DAY: snprintf(buf, cap, "%04d-%02u-%02u", y, m, d); break;
    case DP_BY_WEEK: {
        /* ISO week: the year of its Thursday, numbered from week 1. */
        int32_t thu = first_day(by, v) + 3;
        int ty;
        unsigned tm, td;
        dp__query_civil(thu, &ty, &tm, &td);
        snprintf(buf, cap, "%04d-W%02d", ty,
                 (int)((thu - dp__query_days(ty, 1, 1)) / 7 + 1));
        break;
    }
    case DP_BY_MONTH:
        start->day = 0;
        start->prec = DP_PREC_MONTH;
        snprintf(buf, cap, "%04d-%02u", y, m);
        break;
    default:
        start->month = start->day = 0;
        start->prec = DP_PREC_YEAR;
        snprintf(buf, cap, "%04d", y);
        break;
    }
}

static int emit(dp_period by, int kind, int32_t v, uint64_t c, uint64_t tot,
                dp_timeline_cb cb, void *ctx)
{
    char buf[32];
    dp_timeline_row row;
    if (kind == B_UNDATED) {
        memset(&row.start, 0, sizeof row.start);
        snprintf(buf, sizeof buf, "undated");
    } else {
        label(by, kind, v, buf, sizeof buf, &row.start);
    }
    row.period = buf;
    row.precise = kind == B_PRECISE;
    row.count = c;
    row.total = tot;
    row.share = tot ? (double)c / (double)tot : 0;
    return cb(ctx, &row);
}

/* Emit the imprecise rows anchored at precise period p. */
static int emit_imprecise(tl *t, int32_t p, int32_t *mi, int32_t *yi,
                          dp_timeline_cb cb, void *ctx)
{
    int rc;
    for (; *mi <= t->mmax; (*mi)++) {
        bucket b = {*mi, B_MONTH};
        int32_t lo, hi;
        bucket_span(t, &b, &lo, &hi);
        if (hi > p)
            break;
        if (t->mt[*mi - t->mmin] && hi >= t->pmin &&
            (rc = emit(t->by, B_MONTH, *mi, t->mc[*mi - t->mmin],
                       t->mt[*mi - t->mmin], cb, ctx)) != 0)
            return rc;
    }
    for (; *yi <= t->ymax; (*yi)++) {
        bucket b = {*yi, B_YEAR};
        int32_t lo, hi;
        bucket_span(t, &b, &lo, &hi);
        if (hi > p)
            break;
        if (t->yt[*yi - t->ymin] && hi >= t->pmin &&
            (rc = emit(t->by, B_YEAR, *yi, t->yc[*yi - t->ymin],
                       t->yt[*yi - t->ymin], cb, ctx)) != 0)
            return rc;
    }
    return DP_OK;
}

static int emit_all(tl *t, dp_timeline_cb cb, void *ctx)
{
    int32_t mi = t->mmin, yi = t->ymin;
    int rc;
    for (int32_t p = t->pmin; p <= t->pmax; p++) {
        rc = emit(t->by, B_PRECISE, p, t->pc[p - t->pmin], t->pt[p - t->pmin],
                  cb, ctx);
        if (rc == 0)
            rc = emit_imprecise(t, p, &mi, &yi, cb, ctx);
        if (rc != 0)
            return rc;
    }
    if (t->ut)
        return emit(t->by, B_UNDATED, 0, t->uc, t->ut, cb, ctx);
    return DP_OK;
}

static void tl_free(tl *t)
{
    for (size_t s = 0; t->segb && s < t->nseg; s++)
        dp__free(t->segb[s]);
    dp__free(t->segb);
    dp__free(t->pc);
    dp__free(t->pt);
    dp__free(t->mc);
    dp__free(t->mt);
    dp__free(t->yc);
    dp__free(t->yt);
}

int dp_timeline(dp_archive *ar, const dp_query *q, dp_period by,
                dp_timeline_cb cb, void *ctx)
{
    dp__snap *snap = NULL;
    dp__eval ev;
    tl t;
    int32_t lo = INT32_MIN, hi = INT32_MAX;
    int rc;

    if (ar == NULL || q == NULL || cb == NULL || by > DP_BY_YEAR)
        return DP_EINVAL;
    memset(&t, 0, sizeof t);
    memset(&ev, 0, sizeof ev);
    t.by = by;
    rc = dp__snap_open(ar, &snap);
    if (rc != DP_OK)
        return rc;
    rc = dp__eval_init(&ev, q, snap);
    if (rc == DP_OK)
        rc = scan_columns(&t, snap);
    if (rc == DP_OK) {
        query_range(q->root, &lo, &hi);
        if (lo != INT32_MIN)
            t.pmin = period_of_day(by, lo);
        if (hi != INT32_MAX)
            t.pmax = period_of_day(by, hi);
        rc = alloc_counts(&t);
    }
    if (rc == DP_OK)
        rc = count_matches(&t, &ev);
    if (rc == DP_OK)
        rc = emit_all(&t, cb, ctx);
    tl_free(&t);
    dp__eval_free(&ev);
    dp__snap_close(snap);
    return rc;
}
