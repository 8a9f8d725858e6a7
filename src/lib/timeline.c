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
** The buckets of a segment file's documents depend on the file only, so
** they are computed once per granularity and cached in the file (see
** struct periods): a timeline then costs its matching documents, the
** segment's deletions and its distinct periods, not a column scan.
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

enum { B_PRECISE = 0, B_MONTH, B_YEAR, B_UNDATED };

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
    const struct periods **segp; /* per segment, cached in its file */
    uint64_t **segt;         /* per segment, live docs per bucket */
    size_t nseg;
} tl;

/* The buckets of one segment file for one granularity, built once and
** cached in the file (dp__seg_cache_put): the bucket of each document
** (an index into b) and the documents of each bucket, deleted included.
** Only buckets holding a document exist, so a timeline costs the
** matching documents plus the segment's periods, not a column scan. */
typedef struct periods {
    dp__seg_cached hdr;
    uint32_t nb;
    bucket *b;         /* nb buckets, in no particular order */
    uint32_t *idx;     /* per doc: its bucket */
    uint64_t *total;   /* per bucket: its documents, deleted included */
} periods;

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

static void periods_free(dp__seg_cached *c)
{
    periods *p = (periods *)c;
    dp__free(p->b);
    dp__free(p->idx);
    dp__free(p->total);
    dp__free(p);
}

/* Dense position of bucket b among the kinds' ranges (lo/hi per kind). */
static size_t dense_of(const bucket *b, const int32_t lo[3], const size_t n[3])
{
    switch (b->kind) {
    case B_PRECISE: return (size_t)((int64_t)b->v - lo[0]);
    case B_MONTH: return n[0] + (size_t)((int64_t)b->v - lo[1]);
    case B_YEAR: return n[0] + n[1] + (size_t)((int64_t)b->v - lo[2]);
    default: return n[0] + n[1] + n[2];
    }
}

/* Build the buckets of segment g: each document's bucket, then the ids
** of the buckets in use through a dense table over the kinds' ranges. */
static int periods_build(const dp__segment *g, dp_period by, periods **out)
{
    uint32_t n = dp__seg_ndocs(g);
    int32_t lo[3] = {0, 0, 0}, hi[3] = {-1, -1, -1};
    size_t cnt[3] = {0, 0, 0}, ndense;
    bool any[3] = {false, false, false};
    bucket *bs = dp__malloc(((size_t)n + 1) * sizeof *bs);
    uint32_t *map = NULL;
    periods *p = dp__calloc(1, sizeof *p);
    int rc = DP_ENOMEM;

    if (bs == NULL || p == NULL)
        goto cleanup;
    p->hdr.free = periods_free;
    for (uint32_t d = 0; d < n; d++) {
        dp_date date;
        dp__seg_doc_date(g, d, &date);
        bs[d] = bucket_of(by, &date);
        int k = bs[d].kind;
        if (k > B_YEAR)
            continue;
        if (!any[k] || bs[d].v < lo[k])
            lo[k] = bs[d].v;
        if (!any[k] || bs[d].v > hi[k])
            hi[k] = bs[d].v;
        any[k] = true;
    }
    for (int k = 0; k < 3; k++)
        cnt[k] = any[k] ? (size_t)((int64_t)hi[k] - lo[k] + 1) : 0;
    ndense = cnt[0] + cnt[1] + cnt[2] + 1;
    map = dp__malloc(ndense * sizeof *map);
    p->idx = dp__malloc(((size_t)n + 1) * sizeof *p->idx);
    if (map == NULL || p->idx == NULL)
        goto cleanup;
    memset(map, 0xff, ndense * sizeof *map);
    for (uint32_t d = 0; d < n; d++) {
        size_t x = dense_of(&bs[d], lo, cnt);
        if (map[x] == UINT32_MAX)
            map[x] = p->nb++;
        p->idx[d] = map[x];
    }
    p->b = dp__malloc(((size_t)p->nb + 1) * sizeof *p->b);
    p->total = dp__calloc((size_t)p->nb + 1, sizeof *p->total);
    if (p->b == NULL || p->total == NULL)
        goto cleanup;
    for (uint32_t d = 0; d < n; d++) {
        p->b[p->idx[d]] = bs[d];
        p->total[p->idx[d]]++;
    }
    *out = p;
    p = NULL;
    rc = DP_OK;
cleanup:
    if (p)
        periods_free(&p->hdr);
    dp__free(map);
    dp__free(bs);
    return rc;
}

/* The cached buckets of g, built on first use. */
static int periods_get(const dp__segment *g, dp_period by,
                       const periods **out)
{
    unsigned slot = DP__SEG_CACHE_PERIODS + (unsigned)by;
    dp__seg_cached *c = dp__seg_cache_get(g, slot);
    if (c == NULL) {
        periods *p;
        int rc = periods_build(g, by, &p);
        if (rc != DP_OK)
            return rc;
        c = dp__seg_cache_put(g, slot, &p->hdr);
    }
    *out = (const periods *)c;
    return DP_OK;
}

static void widen(int32_t *lo, int32_t *hi, bool *any, int32_t a, int32_t b)
{
    if (!*any || a < *lo)
        *lo = a;
    if (!*any || b > *hi)
        *hi = b;
    *any = true;
}

/* Pass 1: live documents per bucket of each segment, and the ranges. */
static int scan_columns(tl *t, dp__snap *snap)
{
    bool any = false, anym = false, anyy = false;

    t->nseg = dp__snap_nsegs(snap);
    t->segp = dp__calloc(t->nseg + 1, sizeof *t->segp);
    t->segt = dp__calloc(t->nseg + 1, sizeof *t->segt);
    if (t->segp == NULL || t->segt == NULL)
        return DP_ENOMEM;
    for (size_t s = 0; s < t->nseg; s++) {
        const dp__segment *g = dp__snap_seg(snap, s);
        const periods *p;
        int rc = periods_get(g, t->by, &p);
        if (rc != DP_OK)
            return rc;
        t->segp[s] = p;
        uint64_t *live = dp__malloc(((size_t)p->nb + 1) * sizeof *live);
        if (live == NULL)
            return DP_ENOMEM;
        t->segt[s] = live;
        if (p->nb)
            memcpy(live, p->total, p->nb * sizeof *live);
        for (uint32_t d = dp__seg_next_deleted(g, 0); d != UINT32_MAX;
             d = dp__seg_next_deleted(g, d + 1))
            live[p->idx[d]]--;
        for (uint32_t i = 0; i < p->nb; i++) {
            const bucket *b = &p->b[i];
            int32_t lo, hi;
            if (live[i] == 0 || b->kind == B_UNDATED)
                continue;
            bucket_span(t, b, &lo, &hi);
            widen(&t->pmin, &t->pmax, &any, lo, hi);
            if (b->kind == B_MONTH)
                widen(&t->mmin, &t->mmax, &anym, b->v, b->v);
            else if (b->kind == B_YEAR)
                widen(&t->ymin, &t->ymax, &anyy, b->v, b->v);
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

static void bump(tl *t, const bucket *b, bool total, uint64_t n)
{
    switch (b->kind) {
    case B_PRECISE:
        if (b->v >= t->pmin && b->v <= t->pmax)
            (total ? t->pt : t->pc)[b->v - t->pmin] += n;
        break;
    case B_MONTH: (total ? t->mt : t->mc)[b->v - t->mmin] += n; break;
    case B_YEAR: (total ? t->yt : t->yc)[b->v - t->ymin] += n; break;
    case B_UNDATED: *(total ? &t->ut : &t->uc) += n; break;
    default: break;
    }
}

/* Count m's matches per bucket from the bitmap of its lists, when it is
** a query that has one (dp__mt_live_bitmap); DP_ENOTFOUND otherwise. */
static int count_bitmap(dp__mt *m, const periods *p, uint64_t *cnt)
{
    uint64_t *bm;
    uint32_t nw;
    int rc = dp__mt_live_bitmap(m, &bm, &nw);
    if (rc != DP_OK)
        return rc;
    for (uint32_t i = 0; i < nw; i++)
        for (uint64_t w = bm[i]; w != 0; w &= w - 1)
            cnt[p->idx[i * 64 + (uint32_t)__builtin_ctzll(w)]]++;
    dp__free(bm);
    return DP_OK;
}

/* Count m's matches per bucket by walking them. */
static int count_walk(dp__mt *m, const dp__segment *g, const periods *p,
                      uint64_t *cnt)
{
    uint32_t d, target = 0;
    int rc;
    while ((rc = dp__mt_advance(m, target, &d)) == DP_OK &&
           d != DP__DOC_END) {
        if (!dp__seg_is_deleted(g, d))
            cnt[p->idx[d]]++;
        target = d + 1;
    }
    return rc;
}

/* Count the matches per bucket of each segment, then add the buckets'
** counts and totals to the periods. */
static int count_matches(tl *t, dp__eval *ev)
{
    uint64_t *cnt = NULL;
    int rc = DP_OK;
    for (size_t s = 0; s < t->nseg && rc == DP_OK; s++) {
        const dp__segment *g = dp__snap_seg(ev->snap, s);
        const periods *p = t->segp[s];
        dp__mt *m;
        dp__free(cnt);
        cnt = dp__calloc((size_t)p->nb + 1, sizeof *cnt);
        if (cnt == NULL)
            return DP_ENOMEM;
        rc = dp__mt_build(ev, g, false, &m);
        if (rc != DP_OK)
            break;
        rc = count_bitmap(m, p, cnt);
        if (rc == DP_ENOTFOUND)
            rc = count_walk(m, g, p, cnt);
        dp__mt_free(m);
        for (uint32_t i = 0; i < p->nb && rc == DP_OK; i++) {
            if (t->segt[s][i])
                bump(t, &p->b[i], true, t->segt[s][i]);
            if (cnt[i])
                bump(t, &p->b[i], false, cnt[i]);
        }
    }
    dp__free(cnt);
    return rc;
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
    for (size_t s = 0; t->segt && s < t->nseg; s++)
        dp__free(t->segt[s]);
    dp__free(t->segt);
    dp__free(t->segp);
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
