/*
** cooc.c -- dp_cooc: the collocates of a query, with log-likelihood,
** pointwise mutual information and t-score (Evert 2008, surface
** co-occurrence).
**
** The query's occurrences come from the postings (occur.c); each matched
** document is analysed again (corpus.c) to know the term at every
** position and the sentences.  The window of an occurrence is its
** sentence (window 0), or `window` words on each side, within the
** sentence unless cross_sentences, never across title and text.  Windows
** of one document are merged, so that a token is counted once however
** many occurrences see it, and the occurrences' own tokens are never in
** a window: R1 is the number of tokens in the merged windows and O11 the
** number of them whose term is the collocate.  Compound tokens (which
** share the position of their first part) are not counted: words only.
** C1 is the collocate's exact frequency over live documents and N the
** number of tokens of the archive.
*/
#include "corpus.h"

#include <math.h>
#include <stdlib.h>

typedef struct co_run {
    dp__corpus c;
    const dp_cooc_options *o;
    dp__strset coll;       /* term -> O11 */
    dp_cooc_summary sum;
    dp__doctext dt;
    uint32_t *nc;          /* indexes of the word (non-compound) tokens */
    uint8_t *mark;         /* per word: 1 window, 2 node */
    size_t cap;
} co_run;

/* Words nc[a..b] (inclusive) of the same field as word j and, unless
** crossing is allowed, the same sentence, marked as window. */
static void mark_side(co_run *r, size_t nw, size_t j, long from, long to)
{
    const dp__dtok *t0 = &r->dt.tok[r->nc[j]];
    bool same_sent = r->o->window == 0 || !r->o->cross_sentences;

    if (from < 0)
        from = 0;
    if (to >= (long)nw)
        to = (long)nw - 1;
    for (long i = from; i <= to; i++) {
        const dp__dtok *t = &r->dt.tok[r->nc[i]];
        if (t->in_title != t0->in_title || (same_sent && t->sent != t0->sent))
            continue;
        if (r->mark[i] == 0)
            r->mark[i] = 1;
    }
}

static size_t word_at(const co_run *r, size_t nw, uint32_t pos)
{
    size_t lo = 0, hi = nw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->dt.tok[r->nc[mid]].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int grow(co_run *r, size_t n)
{
    if (n <= r->cap)
        return DP_OK;
    dp__free(r->nc);
    dp__free(r->mark);
    r->nc = dp__malloc(n * sizeof *r->nc);
    r->mark = dp__malloc(n);
    r->cap = r->nc && r->mark ? n : 0;
    return r->cap ? DP_OK : DP_ENOMEM;
}

static int count_doc(co_run *r, const dp__span *sp, size_t n)
{
    size_t nw = 0;
    long w = (long)r->o->window;
    int rc = grow(r, r->dt.n + 1);

    if (rc != DP_OK)
        return rc;
    for (size_t i = 0; i < r->dt.n; i++)
        if (!(r->dt.tok[i].flags & DP_TOKEN_COMPOUND))
            r->nc[nw++] = (uint32_t)i;
    memset(r->mark, 0, nw);
    for (size_t k = 0; k < n; k++) {
        size_t j0 = word_at(r, nw, sp[k].first), j1 = j0;
        if (j0 >= nw)
            return DP_ECORRUPT;
        while (j1 < nw && r->dt.tok[r->nc[j1]].pos <= sp[k].last)
            r->mark[j1++] = 2;
        if (j1 == j0)
            return DP_ECORRUPT;
        if (w == 0) {
            mark_side(r, nw, j0, 0, (long)j0 - 1);
            mark_side(r, nw, j1 - 1, (long)j1, (long)nw - 1);
        } else {
            mark_side(r, nw, j0, (long)j0 - w, (long)j0 - 1);
            mark_side(r, nw, j1 - 1, (long)j1, (long)j1 - 1 + w);
        }
    }
    for (size_t i = 0; i < nw; i++) {
        const dp__dtok *t = &r->dt.tok[r->nc[i]];
        size_t idx;
        if (r->mark[i] != 1)
            continue;
        rc = dp__strset_add(&r->coll, r->dt.strs.p + t->term_off, t->term_len,
                            &idx);
        if (rc != DP_OK)
            return rc;
        r->coll.val[idx]++;
        r->sum.window_tokens++;
    }
    return DP_OK;
}

static int walk_doc(void *ctx, size_t seg, const dp__segment *g, uint32_t d,
                    const dp__span *sp, size_t n)
{
    co_run *r = ctx;
    int rc = DP_OK;
    (void)seg;
    r->sum.docs++;
    if (n > 0) {
        r->sum.nodes += n;
        rc = dp__doctext_load(&r->c, g, d, &r->dt);
        if (rc == DP_OK)
            rc = count_doc(r, sp, n);
    }
    return rc;
}

static int walk(co_run *r, const dp_query *q)
{
    return dp__occ_walk(r->c.snap, q, walk_doc, r);
}

typedef struct co_item {
    double key;
    uint32_t idx;          /* in coll */
    uint64_t c1;
} co_item;

static int cmp_item(const void *a, const void *b, void *arg)
{
    const co_item *x = a, *y = b;
    const dp__strset *s = arg;
    dp_slice u, v;
    size_t m;
    int c;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    u = dp__strset_get(s, x->idx);
    v = dp__strset_get(s, y->idx);
    m = u.n < v.n ? u.n : v.n;
    c = m ? memcmp(u.p, v.p, m) : 0;
    return c ? c : (u.n > v.n) - (u.n < v.n);
}

static void scores(const co_run *r, uint64_t o11, uint64_t c1, double *e11,
                   double *llr, double *pmi, double *t)
{
    double R1 = (double)r->sum.window_tokens, N = (double)r->sum.tokens;
    *e11 = N > 0 ? R1 * (double)c1 / N : 0;
    *llr = dp__stats_g2((double)o11, R1, (double)c1, N);
    *pmi = dp__stats_pmi((double)o11, *e11);
    *t = dp__stats_tscore((double)o11, *e11);
}

static int rank_and_deliver(co_run *r, dp_cooc_cb cb, void *ctx)
{
    co_item *it = dp__calloc(r->coll.n + 1, sizeof *it);
    size_t n = 0;
    int rc = it ? DP_OK : DP_ENOMEM;

    for (size_t i = 0; i < r->coll.n && rc == DP_OK; i++) {
        dp_slice t = dp__strset_get(&r->coll, i);
        uint64_t o11 = r->coll.val[i], c1, df;
        double e, llr, pmi, ts;
        bool stop = false;
        if (o11 < r->o->min_freq)
            continue;
        if (!r->o->keep_stopwords &&
            (rc = dp__corpus_is_stop(&r->c, t.p, t.n, &stop)) != DP_OK)
            break;
        if (stop)
            continue;
        rc = dp__corpus_term_counts(&r->c, t.p, t.n, &c1, &df);
        if (rc != DP_OK)
            break;
        if (c1 < o11)
            c1 = o11; /* cannot happen unless index and text disagree */
        scores(r, o11, c1, &e, &llr, &pmi, &ts);
        it[n].idx = (uint32_t)i;
        it[n].c1 = c1;
        it[n].key = r->o->sort == DP_COOC_BY_PMI ? pmi
                  : r->o->sort == DP_COOC_BY_T ? ts
                  : r->o->sort == DP_COOC_BY_FREQ ? (double)o11 : llr;
        n++;
    }
    if (rc == DP_OK && n > 1)
        n = dp__corpus_topk(it, n, sizeof *it, (size_t)r->o->limit, cmp_item,
                            &r->coll);
    for (size_t i = 0; i < n && rc == DP_OK; i++) {
        dp_collocate row;
        char form[DP__TERM_MAX];
        size_t fl;
        memset(&row, 0, sizeof row);
        row.rank = i;
        row.term = dp__strset_get(&r->coll, it[i].idx);
        rc = dp__corpus_top_form(&r->c, row.term.p, row.term.n, form, &fl);
        if (rc != DP_OK)
            break;
        row.form = (dp_slice){form, fl};
        row.cooc = r->coll.val[it[i].idx];
        row.freq = it[i].c1;
        scores(r, row.cooc, row.freq, &row.expected, &row.llr, &row.pmi,
               &row.tscore);
        rc = cb(ctx, &r->sum, &row);
    }
    dp__free(it);
    return rc;
}

int dp_cooc(dp_archive *ar, const dp_query *q, const dp_cooc_options *opts,
            dp_cooc_cb cb, void *ctx)
{
    static const dp_cooc_options defaults = DP_COOC_OPTIONS_INIT;
    co_run r;
    int rc;

    if (opts == NULL)
        opts = &defaults;
    if (ar == NULL || q == NULL || cb == NULL ||
        opts->version != DP_COOC_OPTIONS_VERSION ||
        (unsigned)opts->sort > DP_COOC_BY_FREQ || !dp__occ_has_words(q))
        return DP_EINVAL;
    memset(&r, 0, sizeof r);
    r.o = opts;
    rc = dp__corpus_open(&r.c, ar, opts->analyzer);
    if (rc != DP_OK)
        return rc;
    r.sum.tokens = dp__snap_total_tokens(r.c.snap);
    rc = walk(&r, q);
    if (rc == DP_OK)
        rc = rank_and_deliver(&r, cb, ctx);
    dp__strset_free(&r.coll);
    dp__doctext_free(&r.dt);
    dp__free(r.nc);
    dp__free(r.mark);
    dp__corpus_close(&r.c);
    return rc;
}
