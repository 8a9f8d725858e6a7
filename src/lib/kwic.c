/*
** kwic.c -- dp_kwic: the concordance of a query, every occurrence with
** its left and right context in the original text.
**
** Occurrences come from the postings' positions (occur.c); the matched
** document is then fetched and analysed again (corpus.c) to turn
** positions back into byte offsets of its title or text.  In archive
** order lines are streamed: only the documents holding lines of the page
** are analysed, and memory does not depend on the number of matches.
** The other orders first collect every occurrence with its sort key (the
** date, or the folded forms of up to KEY_WORDS words left or right of
** the match, nearest first, joined by 0x01 so that shorter words sort
** first), sort, then analyse the documents of the page once each, in
** archive order, and deliver the lines in sorted order.
*/
#include "corpus.h"

#include <stdlib.h>

#define KEY_WORDS 4

typedef struct kw_entry {
    uint32_t seg, doc, first, last;
    int64_t date;          /* minutes since 1970; undated: INT64_MAX */
    uint64_t rank;         /* archive order, then sorted order */
    uint32_t key_off, key_len;
    /* page lines: offsets into the line arena */
    size_t l_off, m_off, r_off, l_len, m_len, r_len, start, end;
    int in_title;
} kw_entry;

typedef struct kw_run {
    dp__corpus c;
    const dp_kwic_options *o;
    unsigned width;
    dp_kwic_cb cb;
    void *ctx;
    dp__doctext dt;
    long dt_seg;
    uint32_t dt_doc;
    /* collected (sorted orders) */
    kw_entry *e;
    size_t n, cap;
    dp_buf keys;
    dp_buf lines;
} kw_run;

/* ------------------------------------------------------- text of a line */

static size_t back_chars(const char *p, size_t at, unsigned n)
{
    while (at > 0 && n > 0) {
        at--;
        while (at > 0 && ((unsigned char)p[at] & 0xC0) == 0x80)
            at--;
        n--;
    }
    return at;
}

static size_t fwd_chars(const char *p, size_t len, size_t at, unsigned n)
{
    while (at < len && n > 0) {
        at++;
        while (at < len && ((unsigned char)p[at] & 0xC0) == 0x80)
            at++;
        n--;
    }
    return at;
}

typedef struct kw_line {
    dp_slice field;
    size_t ls, ms, me, re; /* left start, match start/end, right end */
    int in_title;
} kw_line;

/* Locate span sp in the analysed document: byte offsets of the match and
** of its contexts.  false when the positions are not in the text (the
** index and the stored text disagree: reported as DP_ECORRUPT). */
static bool locate(const kw_run *r, const dp__doctext *d, dp__span sp,
                   kw_line *ln)
{
    size_t i0 = dp__doctext_find(d, sp.first), i1, k;
    unsigned w = r->width;

    if (i0 >= d->n || d->tok[i0].pos != sp.first)
        return false;
    ln->in_title = d->tok[i0].in_title;
    ln->field = dp__doctext_field(d, ln->in_title);
    ln->ms = d->tok[i0].start;
    ln->me = d->tok[i0].end;
    for (i1 = i0; i1 < d->n && d->tok[i1].pos <= sp.last; i1++)
        if (!(d->tok[i1].flags & DP_TOKEN_COMPOUND) &&
            d->tok[i1].in_title == ln->in_title && d->tok[i1].end > ln->me)
            ln->me = d->tok[i1].end;
    if (!r->o->width_words) {
        ln->ls = back_chars(ln->field.p, ln->ms, w);
        ln->re = fwd_chars(ln->field.p, ln->field.n, ln->me, w);
        return true;
    }
    ln->ls = ln->ms;
    for (k = i0; k > 0 && w > 0; k--) {
        const dp__dtok *t = &d->tok[k - 1];
        if (t->in_title != ln->in_title)
            break;
        if (!(t->flags & DP_TOKEN_COMPOUND)) {
            ln->ls = t->start;
            w--;
        }
    }
    ln->re = ln->me;
    for (k = i1, w = r->width; k < d->n && w > 0; k++) {
        const dp__dtok *t = &d->tok[k];
        if (t->in_title != ln->in_title)
            break;
        if (!(t->flags & DP_TOKEN_COMPOUND)) {
            ln->re = t->end;
            w--;
        }
    }
    return true;
}

static int load_doc(kw_run *r, size_t seg, uint32_t doc)
{
    int rc;
    if (r->dt_seg == (long)seg && r->dt_doc == doc)
        return DP_OK;
    r->dt_seg = -1;
    rc = dp__doctext_load(&r->c, dp__snap_seg(r->c.snap, seg), doc, &r->dt);
    if (rc == DP_OK) {
        r->dt_seg = (long)seg;
        r->dt_doc = doc;
    }
    return rc;
}

static int emit(kw_run *r, const dp__segment *g, uint32_t doc, uint64_t rank,
                const kw_line *ln, dp_slice left, dp_slice match,
                dp_slice right)
{
    dp_kwic_line L;
    memset(&L, 0, sizeof L);
    L.rank = rank;
    L.id = dp__seg_doc_id(g, doc);
    dp__seg_doc_date(g, doc, &L.date);
    L.left = left;
    L.match = match;
    L.right = right;
    L.in_title = ln->in_title;
    L.start = ln->ms;
    L.end = ln->me;
    return r->cb(r->ctx, &L);
}

/* The index has a position the stored text does not: the segment and its
** stored records disagree. */
static int bad_positions(kw_run *r, const dp__segment *g, uint32_t doc)
{
    DP_UNUSED(r);
    DP_UNUSED(g);
    DP_UNUSED(doc);
    return DP_ECORRUPT;
}

/* ------------------------------------------------------ archive order */

static int stream_doc(kw_run *r, size_t seg, uint32_t doc,
                      const dp__span *sp, size_t n, uint64_t *rank)
{
    const dp__segment *g = dp__snap_seg(r->c.snap, seg);
    uint64_t lo = r->o->offset;
    uint64_t hi = r->o->limit ? lo + r->o->limit : UINT64_MAX;

    if (*rank + n <= lo || *rank >= hi) {
        *rank += n;
        return DP_OK;
    }
    int rc = load_doc(r, seg, doc);
    for (size_t i = 0; i < n && rc == DP_OK; i++, (*rank)++) {
        kw_line ln;
        if (*rank < lo || *rank >= hi)
            continue;
        if (!locate(r, &r->dt, sp[i], &ln))
            return bad_positions(r, g, doc);
        rc = emit(r, g, doc, *rank, &ln,
                  (dp_slice){ln.field.p + ln.ls, ln.ms - ln.ls},
                  (dp_slice){ln.field.p + ln.ms, ln.me - ln.ms},
                  (dp_slice){ln.field.p + ln.me, ln.re - ln.me});
    }
    return rc;
}

/* --------------------------------------------------------- sorted orders */

static int64_t date_key(const dp__segment *g, uint32_t doc)
{
    dp_date d;
    int32_t day = dp__seg_doc_day(g, doc);
    if (day == INT32_MIN)
        return INT64_MAX;
    dp__seg_doc_date(g, doc, &d);
    if (d.prec == DP_PREC_TIME)
        return (int64_t)day * 1440 + d.hour * 60 + d.minute - d.tz_min;
    return (int64_t)day * 1440;
}

/* Append the folded forms of up to KEY_WORDS words from token k in
** direction dir (+1 / -1), within the field. */
static int add_key(kw_run *r, const dp__doctext *d, long k, int dir,
                   int in_title)
{
    int words = 0, rc = DP_OK;
    for (; k >= 0 && (size_t)k < d->n && words < KEY_WORDS && rc == DP_OK;
         k += dir) {
        const dp__dtok *t = &d->tok[k];
        if (t->in_title != in_title)
            break;
        if (t->flags & DP_TOKEN_COMPOUND)
            continue;
        rc = dp__buf_append(&r->keys, d->strs.p + t->form_off, t->form_len);
        if (rc == DP_OK)
            rc = dp__buf_putc(&r->keys, 1);
        words++;
    }
    return rc;
}

static int collect(kw_run *r, size_t seg, uint32_t doc, const dp__span *sp,
                   size_t n, uint64_t *rank)
{
    const dp__segment *g = dp__snap_seg(r->c.snap, seg);
    bool ctx_sort = r->o->sort == DP_KWIC_SORT_LEFT ||
                    r->o->sort == DP_KWIC_SORT_RIGHT;
    int64_t dk = date_key(g, doc);
    int rc = ctx_sort ? load_doc(r, seg, doc) : DP_OK;

    for (size_t i = 0; i < n && rc == DP_OK; i++) {
        kw_entry *e;
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 256;
            kw_entry *ne = dp__realloc(r->e, cap * sizeof *ne);
            if (ne == NULL)
                return DP_ENOMEM;
            r->e = ne;
            r->cap = cap;
        }
        e = &r->e[r->n++];
        memset(e, 0, sizeof *e);
        e->seg = (uint32_t)seg;
        e->doc = doc;
        e->first = sp[i].first;
        e->last = sp[i].last;
        e->date = dk;
        e->rank = (*rank)++;
        e->key_off = (uint32_t)r->keys.n;
        if (ctx_sort) {
            size_t i0 = dp__doctext_find(&r->dt, sp[i].first);
            size_t i1 = dp__doctext_find(&r->dt, sp[i].last + 1);
            if (i0 >= r->dt.n)
                return bad_positions(r, g, doc);
            if (r->o->sort == DP_KWIC_SORT_LEFT)
                rc = add_key(r, &r->dt, (long)i0 - 1, -1, r->dt.tok[i0].in_title);
            else
                rc = add_key(r, &r->dt, (long)i1, 1, r->dt.tok[i0].in_title);
        }
        e->key_len = (uint32_t)(r->keys.n - e->key_off);
    }
    return rc;
}

static int cmp_key(const char *keys, const kw_entry *x, const kw_entry *y)
{
    uint32_t m = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = m ? memcmp(keys + x->key_off, keys + y->key_off, m) : 0;
    if (c)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static int cmp_rank(const void *a, const void *b)
{
    const kw_entry *x = a, *y = b;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The sorted orders; ties in archive order (qsort_r: glibc, _GNU_SOURCE). */
static int cmp_sorted(const void *a, const void *b, void *arg)
{
    const kw_run *r = arg;
    const kw_entry *x = a, *y = b;
    int c = 0;
    switch (r->o->sort) {
    case DP_KWIC_SORT_DATE:
        c = (x->date > y->date) - (x->date < y->date);
        break;
    case DP_KWIC_SORT_DATE_DESC:
        if (x->date == INT64_MAX || y->date == INT64_MAX)
            c = (x->date > y->date) - (x->date < y->date);
        else
            c = (x->date < y->date) - (x->date > y->date);
        break;
    default:
        c = cmp_key(r->keys.p, x, y);
    }
    return c ? c : cmp_rank(x, y);
}

static int cmp_addr(const void *a, const void *b)
{
    const kw_entry *x = a, *y = b;
    if (x->seg != y->seg)
        return x->seg < y->seg ? -1 : 1;
    if (x->doc != y->doc)
        return x->doc < y->doc ? -1 : 1;
    return cmp_rank(x, y);
}

/* Build the text of the page's lines (entries e[0..n), in any order). */
static int page_lines(kw_run *r, kw_entry *e, size_t n)
{
    int rc = DP_OK;
    qsort(e, n, sizeof *e, cmp_addr);
    for (size_t i = 0; i < n && rc == DP_OK; i++) {
        kw_line ln;
        dp__span sp = {e[i].first, e[i].last};
        rc = load_doc(r, e[i].seg, e[i].doc);
        if (rc != DP_OK)
            break;
        if (!locate(r, &r->dt, sp, &ln))
            return bad_positions(r, dp__snap_seg(r->c.snap, e[i].seg),
                                 e[i].doc);
        e[i].in_title = ln.in_title;
        e[i].start = ln.ms;
        e[i].end = ln.me;
        e[i].l_off = r->lines.n;
        e[i].l_len = ln.ms - ln.ls;
        e[i].m_len = ln.me - ln.ms;
        e[i].r_len = ln.re - ln.me;
        e[i].m_off = e[i].l_off + e[i].l_len;
        e[i].r_off = e[i].m_off + e[i].m_len;
        rc = dp__buf_append(&r->lines, ln.field.p + ln.ls, ln.re - ln.ls);
    }
    return rc;
}

static int deliver_sorted(kw_run *r)
{
    uint64_t lo = r->o->offset, cnt;
    kw_entry *page;
    int rc;

    if (r->n > 1)
        qsort_r(r->e, r->n, sizeof *r->e, cmp_sorted, r);
    if (lo >= r->n)
        return DP_OK;
    cnt = r->n - lo;
    if (r->o->limit && r->o->limit < cnt)
        cnt = r->o->limit;
    page = r->e + lo;
    for (uint64_t i = 0; i < cnt; i++)
        page[i].rank = i;
    rc = page_lines(r, page, (size_t)cnt);
    if (rc != DP_OK)
        return rc;
    qsort(page, (size_t)cnt, sizeof *page, cmp_rank);
    for (uint64_t i = 0; i < cnt && rc == DP_OK; i++) {
        const kw_entry *x = &page[i];
        const dp__segment *g = dp__snap_seg(r->c.snap, x->seg);
        kw_line ln;
        ln.in_title = x->in_title;
        ln.ms = x->start;
        ln.me = x->end;
        rc = emit(r, g, x->doc, lo + i, &ln,
                  (dp_slice){r->lines.p + x->l_off, x->l_len},
                  (dp_slice){r->lines.p + x->m_off, x->m_len},
                  (dp_slice){r->lines.p + x->r_off, x->r_len});
    }
    return rc;
}

/* -------------------------------------------------------------- driver */

typedef struct kw_walk {
    kw_run *r;
    uint64_t rank;
} kw_walk;

static int walk_doc(void *ctx, size_t seg, const dp__segment *g, uint32_t d,
                    const dp__span *sp, size_t n)
{
    kw_walk *k = ctx;
    (void)g;
    if (n == 0)
        return DP_OK;
    return k->r->o->sort == DP_KWIC_SORT_DOC
               ? stream_doc(k->r, seg, d, sp, n, &k->rank)
               : collect(k->r, seg, d, sp, n, &k->rank);
}

static int walk(kw_run *r, const dp_query *q, uint64_t *total)
{
    kw_walk k = {r, 0};
    int rc = dp__occ_walk(r->c.snap, q, walk_doc, &k);
    *total = k.rank;
    return rc;
}

int dp_kwic(dp_archive *ar, const dp_query *q, const dp_kwic_options *opts,
            dp_kwic_cb cb, void *ctx, uint64_t *total)
{
    static const dp_kwic_options defaults = DP_KWIC_OPTIONS_INIT;
    kw_run r;
    uint64_t tot = 0;
    int rc;

    if (total)
        *total = 0;
    if (opts == NULL)
        opts = &defaults;
    if (ar == NULL || q == NULL || cb == NULL ||
        opts->version != DP_KWIC_OPTIONS_VERSION ||
        (unsigned)opts->sort > DP_KWIC_SORT_RIGHT || !dp__occ_has_words(q))
        return DP_EINVAL;
    memset(&r, 0, sizeof r);
    r.o = opts;
    r.cb = cb;
    r.ctx = ctx;
    r.dt_seg = -1;
    r.width = opts->width ? opts->width : opts->width_words ? 5 : 40;
    rc = dp__corpus_open(&r.c, ar, opts->analyzer);
    if (rc != DP_OK)
        return rc;
    rc = walk(&r, q, &tot);
    if (rc == DP_OK && opts->sort != DP_KWIC_SORT_DOC)
        rc = deliver_sorted(&r);
    if (total)
        *total = tot;
    dp__doctext_free(&r.dt);
    dp__free(r.e);
    dp__buf_free(&r.keys);
    dp__buf_free(&r.lines);
    dp__corpus_close(&r.c);
    return rc;
}
