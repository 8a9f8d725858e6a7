/*
** freq.c -- dp_freq: frequency lists of terms and of n-grams, over the
** archive or the documents matching a query, with document frequencies.
**
** Terms (ngram 1) are read from the index only: the dictionary's counts
** for a whole segment without deletions, the postings (frequencies, no
** positions) otherwise and for the documents of a query.  N-grams are of
** folded word forms (unstemmed: "union europeenne" reads better than its
** stems), counted by analysing the stored texts again (corpus.c): n
** consecutive words of one sentence of the title or of the text; compound
** tokens are not words here (their parts are).  Every distinct n-gram is
** held in memory, with its count and document frequency, until the end.
*/
#include "corpus.h"

#include <stdlib.h>

typedef struct fq_run {
    dp__corpus c;
    const dp_freq_options *o;
    uint8_t **marks;       /* documents of the query (NULL: all live) */
    dp__strset items;      /* item -> freq */
    uint64_t *df;
    uint32_t *last;        /* last document (serial + 1) counted in df */
    size_t dfcap;
    dp_freq_summary sum;
    dp__doctext dt;
    dp_buf key;
} fq_run;

static int item_count(fq_run *r, const char *p, size_t n, uint64_t freq,
                      uint64_t df, uint32_t doc_serial)
{
    size_t i;
    int rc = dp__strset_add(&r->items, p, n, &i);
    if (rc != DP_OK)
        return rc;
    if (i >= r->dfcap) {
        size_t cap = r->dfcap ? r->dfcap * 2 : 1024;
        uint64_t *nd = dp__realloc(r->df, cap * sizeof *nd);
        uint32_t *nl;
        if (nd == NULL)
            return DP_ENOMEM;
        r->df = nd;
        nl = dp__realloc(r->last, cap * sizeof *nl);
        if (nl == NULL)
            return DP_ENOMEM;
        r->last = nl;
        memset(r->df + r->dfcap, 0, (cap - r->dfcap) * sizeof *nd);
        memset(r->last + r->dfcap, 0, (cap - r->dfcap) * sizeof *nl);
        r->dfcap = cap;
    }
    r->items.val[i] += freq;
    if (doc_serial == 0) {
        r->df[i] += df;
    } else if (r->last[i] != doc_serial) {
        r->last[i] = doc_serial;
        r->df[i]++;
    }
    return DP_OK;
}

static bool in_scope(const fq_run *r, size_t s, const dp__segment *g,
                     uint32_t d)
{
    return r->marks ? r->marks[s][d] != 0 : !dp__seg_is_deleted(g, d);
}

/* ------------------------------------------------------------- terms */

static int term_seg(fq_run *r, size_t s, const dp__term_info *ti,
                    uint64_t *cf, uint64_t *df)
{
    const dp__segment *g = dp__snap_seg(r->c.snap, s);
    dp__postings *p;
    int rc;

    if (r->marks == NULL && dp__seg_live_docs(g) == dp__seg_ndocs(g)) {
        *cf += ti->cf;
        *df += ti->df;
        return DP_OK;
    }
    rc = dp__postings_open(g, ti, -1, DP__POST_FREQS, &p);
    if (rc != DP_OK)
        return rc;
    while ((rc = dp__postings_next(p)) == DP_OK) {
        uint32_t d = dp__postings_doc(p);
        if (r->marks && !r->marks[s][d])
            continue;
        *cf += dp__postings_freq(p);
        (*df)++;
    }
    dp__postings_free(p);
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

static int count_terms(fq_run *r)
{
    dp__termmerge m;
    int rc = dp__termmerge_open(&r->c, &m);

    while (rc == DP_OK && (rc = dp__termmerge_next(&m)) == DP_OK) {
        uint64_t cf = 0, df = 0;
        for (size_t s = 0; s < m.nsegs && rc == DP_OK; s++)
            if (m.have[s])
                rc = term_seg(r, s, &m.info[s], &cf, &df);
        if (rc != DP_OK || cf == 0)
            continue;
        r->sum.distinct++;
        if (cf < r->o->min_freq)
            continue;
        rc = item_count(r, m.term, m.term_len, cf, df, 0);
    }
    if (m.it)
        dp__termmerge_close(&m);
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

/* ------------------------------------------------------------ n-grams */

static bool is_stop_tok(const dp__dtok *t)
{
    return (t->flags & DP_TOKEN_STOP) != 0;
}

static int ngrams_doc(fq_run *r, uint32_t serial)
{
    size_t n = r->o->ngram, nw = 0;
    uint32_t *w = NULL;
    int rc = DP_OK;

    w = dp__malloc((r->dt.n + 1) * sizeof *w);
    if (w == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < r->dt.n; i++)
        if (!(r->dt.tok[i].flags & DP_TOKEN_COMPOUND))
            w[nw++] = (uint32_t)i;
    for (size_t i = 0; i + n <= nw && rc == DP_OK; i++) {
        const dp__dtok *a = &r->dt.tok[w[i]], *b = &r->dt.tok[w[i + n - 1]];
        if (a->sent != b->sent)
            continue; /* sentence numbers only grow: same first and last */
        if (!r->o->keep_stopwords && (is_stop_tok(a) || is_stop_tok(b)))
            continue;
        dp__buf_clear(&r->key);
        for (size_t k = 0; k < n && rc == DP_OK; k++) {
            const dp__dtok *t = &r->dt.tok[w[i + k]];
            if (k)
                rc = dp__buf_putc(&r->key, ' ');
            if (rc == DP_OK)
                rc = dp__buf_append(&r->key, r->dt.strs.p + t->form_off,
                                    t->form_len);
        }
        if (rc == DP_OK)
            rc = item_count(r, r->key.p, r->key.n, 1, 0, serial);
    }
    dp__free(w);
    return rc;
}

static int count_ngrams(fq_run *r)
{
    uint32_t serial = 0;
    int rc = DP_OK;

    for (size_t s = 0; s < dp__snap_nsegs(r->c.snap) && rc == DP_OK; s++) {
        const dp__segment *g = dp__snap_seg(r->c.snap, s);
        for (uint32_t d = 0; d < dp__seg_ndocs(g) && rc == DP_OK; d++) {
            if (!in_scope(r, s, g, d))
                continue;
            rc = dp__doctext_load(&r->c, g, d, &r->dt);
            if (rc == DP_OK)
                rc = ngrams_doc(r, ++serial);
        }
    }
    r->sum.distinct = r->items.n;
    return rc;
}

/* --------------------------------------------------------- scope, output */

static int scope(fq_run *r, const dp_query *q)
{
    size_t ns = dp__snap_nsegs(r->c.snap);
    int rc = DP_OK;

    if (q == NULL) {
        r->sum.docs = dp__snap_live_docs(r->c.snap);
        r->sum.tokens = dp__snap_total_tokens(r->c.snap);
        return DP_OK;
    }
    r->marks = dp__calloc(ns + 1, sizeof *r->marks);
    if (r->marks == NULL)
        return DP_ENOMEM;
    for (size_t s = 0; s < ns && rc == DP_OK; s++) {
        r->marks[s] = dp__calloc(dp__seg_ndocs(dp__snap_seg(r->c.snap, s)) + 1, 1);
        rc = r->marks[s] ? DP_OK : DP_ENOMEM;
    }
    if (rc == DP_OK)
        rc = dp__corpus_mark(&r->c, q, r->marks, 1, &r->sum.docs,
                             &r->sum.tokens);
    return rc;
}

typedef struct fq_item {
    uint64_t freq;
    uint32_t idx;
} fq_item;

static int cmp_item(const void *a, const void *b, void *arg)
{
    const fq_item *x = a, *y = b;
    dp_slice u, v;
    size_t m;
    int c;
    if (x->freq != y->freq)
        return x->freq > y->freq ? -1 : 1;
    u = dp__strset_get(arg, x->idx);
    v = dp__strset_get(arg, y->idx);
    m = u.n < v.n ? u.n : v.n;
    c = m ? memcmp(u.p, v.p, m) : 0;
    return c ? c : (u.n > v.n) - (u.n < v.n);
}

static int deliver(fq_run *r, dp_freq_cb cb, void *ctx)
{
    fq_item *it = dp__calloc(r->items.n + 1, sizeof *it);
    size_t n = 0;
    int rc = it ? DP_OK : DP_ENOMEM;

    for (size_t i = 0; i < r->items.n && rc == DP_OK; i++) {
        bool stop = false;
        dp_slice t = dp__strset_get(&r->items, i);
        if (r->items.val[i] < r->o->min_freq)
            continue;
        if (r->o->ngram == 1 && !r->o->keep_stopwords)
            rc = dp__corpus_is_stop(&r->c, t.p, t.n, &stop);
        if (stop)
            continue;
        it[n].freq = r->items.val[i];
        it[n++].idx = (uint32_t)i;
    }
    if (rc == DP_OK && n > 1)
        n = dp__corpus_topk(it, n, sizeof *it, (size_t)r->o->limit, cmp_item,
                            &r->items);
    for (size_t i = 0; i < n && rc == DP_OK; i++) {
        dp_freq_row row;
        char form[DP__TERM_MAX];
        size_t fl;
        memset(&row, 0, sizeof row);
        row.rank = i;
        row.term = dp__strset_get(&r->items, it[i].idx);
        row.form = row.term;
        if (r->o->ngram == 1) {
            rc = dp__corpus_top_form(&r->c, row.term.p, row.term.n, form, &fl);
            row.form = (dp_slice){form, fl};
        }
        row.freq = it[i].freq;
        row.df = r->df[it[i].idx];
        if (rc == DP_OK)
            rc = cb(ctx, &r->sum, &row);
    }
    dp__free(it);
    return rc;
}

int dp_freq(dp_archive *ar, const dp_query *q, const dp_freq_options *opts,
            dp_freq_cb cb, void *ctx)
{
    static const dp_freq_options defaults = DP_FREQ_OPTIONS_INIT;
    fq_run r;
    int rc;

    if (opts == NULL)
        opts = &defaults;
    if (ar == NULL || cb == NULL || opts->version != DP_FREQ_OPTIONS_VERSION ||
        opts->ngram < 1 || opts->ngram > 5)
        return DP_EINVAL;
    memset(&r, 0, sizeof r);
    r.o = opts;
    rc = dp__corpus_open(&r.c, ar, opts->analyzer);
    if (rc != DP_OK)
        return rc;
    rc = scope(&r, q);
    if (rc == DP_OK)
        rc = opts->ngram == 1 ? count_terms(&r) : count_ngrams(&r);
    if (rc == DP_OK)
        rc = deliver(&r, cb, ctx);
    for (size_t s = 0; r.marks && s < dp__snap_nsegs(r.c.snap); s++)
        dp__free(r.marks[s]);
    dp__free(r.marks);
    dp__strset_free(&r.items);
    dp__free(r.df);
    dp__free(r.last);
    dp__doctext_free(&r.dt);
    dp__buf_free(&r.key);
    dp__corpus_close(&r.c);
    return rc;
}
