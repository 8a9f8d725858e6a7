/*
** query_eval.c -- matchers: the evaluation of an analysed query over one
** segment, as a tree of cursors that move forward with skipping.
**
** Every matcher has advance(target): move to the first live document >=
** target that matches.  Leaves are "atoms" (the union of one or more
** postings cursors: a term, an =exact form looked up under each candidate
** term, or the expansion of a prefix) and "phrases" (atoms at relative
** positions, or one atom restricted to the title).  A phrase leapfrogs
** its atoms rarest first, leaving out the words found in more than half
** of the segment's documents (de, la), which are looked up only in the
** documents where the rarer words stand at the right distance; positions
** are decoded only for documents holding every driving atom: all those
** of the atom with the fewest occurrences in the document (the candidate
** starts), the others' only up to the position looked for.  Advancing
** stops at a document's first match (a count needs no more); the other
** matches are found when the score (tf) or a NEAR asks.  AND leapfrogs its
** positive kids, then checks its filters (dates, sources, languages) and
** negations on the candidate; OR takes the smallest of its kids; NEAR
** checks positions of two leaves.  Filters advance by scanning docids,
** which only happens when nothing better drives them (date:2022 alone).
**
** Invariant used by scoring: when the root is on document d, a matcher
** whose doc is d matches d (it was advanced to a target <= d and stopped
** there), and one whose doc differs does not.
**
** BM25 (docs/query.md): score(d) = sum over the text leaves of the
** branches that match d (all kids of an AND, the matching kids of an OR,
** both sides of a NEAR, nothing under NOT) of idf * tf * (k1 + 1) / (tf + k1 *
** (1 - b + b * dl / avgdl)), where tf is the number of occurrences of the
** leaf (tokens for a term or prefix, matches for a phrase, title
** occurrences for title:), and idf = ln(1 + (N - df + 0.5) / (df + 0.5))
** with df summed over segments (a phrase adds the idf of its terms).
**
** Prefix semantics: prefix P matches a token when its term (stem) starts
** with P, or when its term is a proper prefix of P and its folded form
** starts with P ("economique*" finds "économiques", whose stem is
** "econom").
*/
#include "dp_int.h"

#include <math.h>
#include <stdlib.h>

enum mt_kind {
    MT_NONE,
    MT_ALL,
    MT_DATE,
    MT_META,
    MT_ATOM,
    MT_PHRASE,
    MT_NEAR,
    MT_AND,
    MT_OR,
    MT_NOT
};

struct dp__mt {
    enum mt_kind kind;
    bool started;
    bool need_pos;
    bool title_only;
    uint32_t doc;
    const dp__segment *g;
    const dp__qnode *nd;
    dp__mt **kids;
    uint32_t nkids;
    /* ATOM */
    dp__postings **curs;
    uint32_t *cdoc;
    uint32_t ncurs, capcurs;
    uint32_t maxfreq;     /* bound of tf over the segment */
    uint32_t whole_df;    /* fast count: df of a single whole-term cursor */
    bool formed;          /* some cursor keeps one surface form only */
    /* ATOM merged (merged_adv): the documents of its window below vlim
    ** and their frequency sums, vdoc/vtf[0..vn), the atom at vi; vhit
    ** the window's bitmap while it is filled */
    bool merged;
    uint32_t *vdoc, *vtf;
    uint64_t *vhit;
    uint32_t vn, vi, vlim;
    uint64_t df_sum;      /* sum of the cursors' df: the cost of walking */
    /* ATOM (merged) and PHRASE: occurrence starts of the current doc */
    uint32_t *occ;
    size_t nocc, capocc;
    uint32_t occ_doc;     /* doc the occ array is for */
    uint32_t span;        /* PHRASE: last relative position */
    int64_t off;          /* ATOM in a phrase: its position in it */
    size_t pi;            /* ATOM in a phrase: positions of the current
                          ** doc before pi are below every one asked */
    uint32_t ndrive;      /* PHRASE: atoms pos[0..ndrive) intersect docs */
    bool one_cur;         /* PHRASE, AND: pos[] are atoms of one cursor */
    uint32_t next;        /* PHRASE: no match before it when d fails */
    /* PHRASE on occ_doc: the candidate starts are the positions dpos[0..
    ** dn) of atom drv; those before scan are checked, occ holds the
    ** matches among them; occ_all once every start is checked */
    dp__mt *drv;
    const uint32_t *dpos;
    size_t dn, scan;
    bool occ_all;
    uint32_t title_len;
    /* PHRASE of dense one-cursor drivers: the documents holding all their
    ** terms (dense_candidates), NULL until then or if not worth it */
    uint64_t *cand;
    enum { CAND_UNKNOWN, CAND_WAIT, CAND_DONE } cand_state;
    uint64_t checked;     /* PHRASE: candidate documents verified so far */
    double floor;         /* PHRASE root: pass docs scoring <= it (0: none) */
    /* ATOM: the term of its (last) cursor, for dense_candidates */
    dp__term_info ti;
    /* AND: kids split by role */
    dp__mt **pos, **neg, **filt;
    uint32_t npos, nneg, nfilt;
    /* DATE and META (filters): the class of each zone of 64 documents
    ** for this filter, and the first zone from each one on that may match
    ** (NULL: none known, each document is checked); zmaybe documents are
    ** in the zones that may match */
    uint8_t *zcls;
    uint32_t *znext;
    uint32_t nzones, zmaybe;
    /* META */
    uint32_t source;
    bool source_found;
    /* scoring */
    int leaf;             /* scoring leaf id or -1 */
    double idf, avgdl;
};

double dp__bm25(double idf, double tf, double dl, double avgdl)
{
    return idf * tf * (DP__BM25_K1 + 1) /
           (tf + DP__BM25_K1 * (1 - DP__BM25_B + DP__BM25_B * dl / avgdl));
}

/* df is capped at N: deleted documents and the sum of a prefix's
** expansions may exceed it, and the idf must stay positive for the
** score bounds to hold. */
static double idf_of(double N, double df)
{
    if (df > N)
        df = N;
    return log(1 + (N - df + 0.5) / (df + 0.5));
}

/* ------------------------------------------------------ term resolution */

static int exact_specs(const dp__segment *g, const dp__qterm *qt, dp__spec_cb cb,
                       void *ctx)
{
    for (uint32_t i = 0; i < qt->ncands; i++) {
        dp__term_info ti;
        uint32_t fi;
        int rc = dp__seg_term_find(g, qt->cands[i], qt->cand_lens[i], &ti);
        if (rc == DP_ENOTFOUND)
            continue;
        if (rc != DP_OK)
            return rc;
        rc = dp__term_form_find(g, &ti, qt->text, qt->len, &fi);
        if (rc == DP_ENOTFOUND)
            continue;
        if (rc == DP_OK)
            rc = cb(ctx, &ti, (int)fi);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

static int prefix_specs(const dp__segment *g, const dp__qterm *qt, dp__spec_cb cb,
                        void *ctx)
{
    dp__term_iter *it = NULL;
    dp__term_info ti;
    dp_slice term;
    int rc;

    /* Terms that are proper prefixes of P: their forms starting with P. */
    for (uint32_t k = 1; k < qt->len; k++) {
        rc = dp__seg_term_find(g, qt->text, k, &ti);
        if (rc == DP_ENOTFOUND)
            continue;
        if (rc != DP_OK)
            return rc;
        for (uint32_t f = 0; f < ti.nforms; f++) {
            dp__form_buf fb;
            rc = dp__term_form(g, &ti, f, &fb);
            if (rc != DP_OK)
                return rc;
            if (fb.info.form.n >= qt->len &&
                memcmp(fb.info.form.p, qt->text, qt->len) == 0) {
                rc = cb(ctx, &ti, (int)f);
                if (rc != DP_OK)
                    return rc;
            }
        }
    }
    /* Terms starting with P: whole. */
    rc = dp__term_iter_open(g, qt->text, qt->len, &it);
    if (rc != DP_OK)
        return rc;
    while ((rc = dp__term_iter_next(it, &term, &ti)) == DP_OK) {
        rc = cb(ctx, &ti, -1);
        if (rc != DP_OK)
            break;
    }
    dp__term_iter_free(it);
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

int dp__query_term_specs(const dp__segment *g, const dp__qterm *qt,
                         dp__spec_cb cb, void *ctx)
{
    dp__term_info ti;
    int rc;

    if (qt->prefix)
        return prefix_specs(g, qt, cb, ctx);
    if (qt->exact)
        return exact_specs(g, qt, cb, ctx);
    rc = dp__seg_term_find(g, qt->text, qt->len, &ti);
    if (rc == DP_ENOTFOUND)
        return DP_OK;
    return rc == DP_OK ? cb(ctx, &ti, -1) : rc;
}

/* ----------------------------------------------------- eval statistics */

struct dp__eval_term {
    const dp__segment *g;
    const dp__qterm *qt;
    int rc;               /* DP_OK or DP_ENOTFOUND */
    dp__term_info ti;
};

/* dp__query_term_specs through ev's cache of plain terms. */
static int eval_term_specs(dp__eval *ev, const dp__segment *g,
                           const dp__qterm *qt, dp__spec_cb cb, void *ctx)
{
    dp__eval_term *e = NULL;

    if (qt->prefix || qt->exact)
        return dp__query_term_specs(g, qt, cb, ctx);
    for (size_t i = 0; i < ev->nterms && e == NULL; i++)
        if (ev->terms[i].g == g && ev->terms[i].qt == qt)
            e = &ev->terms[i];
    if (e == NULL) {
        if (ev->nterms == ev->capterms) {
            size_t cap = ev->capterms ? 2 * ev->capterms : 8;
            dp__eval_term *t = dp__realloc(ev->terms, cap * sizeof *t);
            if (t == NULL)
                return DP_ENOMEM;
            ev->terms = t;
            ev->capterms = cap;
        }
        e = &ev->terms[ev->nterms];
        e->rc = dp__seg_term_find(g, qt->text, qt->len, &e->ti);
        if (e->rc != DP_OK && e->rc != DP_ENOTFOUND)
            return e->rc;
        e->g = g;
        e->qt = qt;
        ev->nterms++;
    }
    return e->rc == DP_OK ? cb(ctx, &e->ti, -1) : DP_OK;
}

typedef struct df_ctx {
    const dp__segment *g;
    double df;
} df_ctx;

static int add_df(void *ctx, const dp__term_info *t, int form)
{
    df_ctx *c = ctx;
    dp__form_buf fb;
    int rc;

    if (form < 0) {
        c->df += t->df;
        return DP_OK;
    }
    rc = dp__term_form(c->g, t, (uint32_t)form, &fb);
    if (rc == DP_OK)
        c->df += fb.info.df;
    return rc;
}

static int qterm_df(dp__eval *ev, const dp__qterm *qt, double *df)
{
    df_ctx c = {NULL, 0};
    for (size_t s = 0; s < dp__snap_nsegs(ev->snap); s++) {
        int rc;
        c.g = dp__snap_seg(ev->snap, s);
        rc = eval_term_specs(ev, c.g, qt, add_df, &c);
        if (rc != DP_OK)
            return rc;
    }
    *df = c.df;
    return DP_OK;
}

static int leaf_idfs(dp__eval *ev, const dp__qnode *nd)
{
    int rc;

    if (nd->id >= 0 && (nd->kind == DP_QK_PHRASE || nd->kind == DP_QK_PREFIX)) {
        double idf = 0, df;
        for (uint32_t i = 0; i < nd->nterms; i++) {
            rc = qterm_df(ev, &nd->terms[i], &df);
            if (rc != DP_OK)
                return rc;
            idf += idf_of(ev->N, df);
        }
        ev->idf[nd->id] = idf;
        return DP_OK;
    }
    for (uint32_t i = 0; i < nd->nkids; i++) {
        rc = leaf_idfs(ev, nd->kids[i]);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

int dp__eval_init(dp__eval *ev, const dp_query *q, dp__snap *snap)
{
    memset(ev, 0, sizeof *ev);
    ev->q = q;
    ev->snap = snap;
    ev->N = (double)dp__snap_live_docs(snap);
    ev->avgdl = ev->N > 0 ? (double)dp__snap_total_tokens(snap) / ev->N : 1;
    if (ev->avgdl <= 0)
        ev->avgdl = 1;
    ev->idf = dp__calloc((size_t)q->nleaves + 1, sizeof *ev->idf);
    if (ev->idf == NULL)
        return DP_ENOMEM;
    return leaf_idfs(ev, q->root);
}

void dp__eval_free(dp__eval *ev)
{
    dp__free(ev->idf);
    dp__free(ev->terms);
    ev->idf = NULL;
    ev->terms = NULL;
    ev->nterms = ev->capterms = 0;
}

/* ------------------------------------------------------------- building */

void dp__mt_free(dp__mt *m)
{
    if (m == NULL)
        return;
    for (uint32_t i = 0; i < m->nkids; i++)
        dp__mt_free(m->kids[i]);
    for (uint32_t i = 0; i < m->ncurs; i++)
        dp__postings_free(m->curs[i]);
    dp__free(m->kids);
    dp__free(m->curs);
    dp__free(m->cdoc);
    dp__free(m->occ);
    dp__free(m->pos);
    dp__free(m->cand);
    dp__free(m->zcls);
    dp__free(m->znext);
    dp__free(m->vdoc);
    dp__free(m->vtf);
    dp__free(m->vhit);
    dp__free(m);
}

static dp__mt *mt_new(const dp__segment *g, const dp__qnode *nd,
                      enum mt_kind kind)
{
    dp__mt *m = dp__calloc(1, sizeof *m);
    if (m) {
        m->g = g;
        m->nd = nd;
        m->kind = kind;
        m->leaf = -1;
    }
    return m;
}

static int add_kid(dp__mt *m, dp__mt *kid, uint32_t cap)
{
    if (m->kids == NULL) {
        m->kids = dp__calloc(cap ? cap : 1, sizeof *m->kids);
        if (m->kids == NULL)
            return DP_ENOMEM;
    }
    m->kids[m->nkids++] = kid;
    return DP_OK;
}

typedef struct atom_ctx {
    dp__mt *m;
    unsigned flags;
} atom_ctx;

static int atom_add(void *ctx, const dp__term_info *t, int form)
{
    atom_ctx *c = ctx;
    dp__mt *m = c->m;
    dp__postings *p;
    int rc;

    if (m->ncurs == m->capcurs) {
        uint32_t cap = m->capcurs ? m->capcurs * 2 : 2;
        dp__postings **nc = dp__realloc(m->curs, cap * sizeof *nc);
        uint32_t *nd;
        if (nc == NULL)
            return DP_ENOMEM;
        m->curs = nc;
        nd = dp__realloc(m->cdoc, cap * sizeof *nd);
        if (nd == NULL)
            return DP_ENOMEM;
        m->cdoc = nd;
        m->capcurs = cap;
    }
    rc = dp__postings_open(m->g, t, form, c->flags, &p);
    if (rc != DP_OK)
        return rc;
    m->curs[m->ncurs] = p;
    m->cdoc[m->ncurs++] = 0;
    m->ti = *t;
    m->maxfreq += t->max_freq;
    m->whole_df = form < 0 ? t->df : 0;
    m->formed = m->formed || form >= 0;
    m->df_sum += t->df;
    return DP_OK;
}

static int build_atom(dp__eval *ev, const dp__segment *g,
                      const dp__qnode *nd, const dp__qterm *qt, bool need_pos,
                      dp__mt **out)
{
    atom_ctx c;
    int rc;

    *out = NULL;
    c.m = mt_new(g, nd, MT_ATOM);
    if (c.m == NULL)
        return DP_ENOMEM;
    c.m->need_pos = need_pos;
    c.flags = need_pos ? DP__POST_POSITIONS | DP__POST_LAZY : DP__POST_FREQS;
    rc = eval_term_specs(ev, g, qt, atom_add, &c);
    if (rc != DP_OK) {
        dp__mt_free(c.m);
        return rc;
    }
    *out = c.m;
    return DP_OK;
}

/* A term of many cursors (a prefix: `pr*` is thousands of terms) whose
** positions are not needed, under an AND, an OR or a NOT: each advance
** moved every cursor and each score summed them, a cost of the number of
** cursors per document ("pr* guerre" at ten times Le Monde: 0.8 s).  Such
** an atom reads its cursors a window of documents at a time instead: the
** window starts at the first document >= the target (every cursor moved
** there once, through its skips), and its documents with their frequency
** sums go into a sorted list that the atom then walks as one cursor, until
** a target passes the window's end.  Windows are made only where the
** query goes ("pré* date:2015-03" reads the month's region), and the root
** keeps its cursors: ranking (rank_atom_bulk, search.c) and counting (a
** bitmap) read them once already. */
enum { ATOM_MERGE_MIN = 8, MERGE_WINDOW = 2048 };

/* The first index from i on of sorted a[0..n) whose value is >= target
** (n if none): doubling steps, then halving. */
static uint32_t gallop(const uint32_t *a, uint32_t n, uint32_t i,
                       uint32_t target)
{
    uint32_t step = 1, hi;
    if (i >= n || a[i] >= target)
        return i;
    while (i + step < n && a[i + step] < target) {
        i += step;
        step *= 2;
    }
    hi = i + step < n ? i + step : n; /* a[i] < target <= a[hi] */
    while (hi - i > 1) {
        uint32_t mid = i + (hi - i) / 2;
        if (a[mid] < target)
            i = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Move cursor i of m to its first document >= target (cdoc[i]:
** DP__DOC_END at its end). */
static int merge_seek(dp__mt *m, uint32_t i, uint32_t target)
{
    int rc = DP_OK;
    if (m->cdoc[i] != DP__DOC_END && (!m->started || m->cdoc[i] < target)) {
        rc = dp__postings_advance(m->curs[i], target);
        m->cdoc[i] = rc == DP_OK ? dp__postings_doc(m->curs[i]) : DP__DOC_END;
    }
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

/* Fill m's window with the documents from the first one >= target on,
** below the window's end; vn 0 when no cursor has one. */
static int merge_window(dp__mt *m, uint32_t target)
{
    uint32_t base = DP__DOC_END, lim, n = 0;
    int rc = DP_OK;
    if (m->vtf != NULL) /* the last window's sums, moved to its front */
        memset(m->vtf, 0, m->vn * sizeof *m->vtf);
    for (uint32_t i = 0; i < m->ncurs && rc == DP_OK; i++) {
        rc = merge_seek(m, i, target);
        base = m->cdoc[i] < base ? m->cdoc[i] : base;
    }
    m->started = true;
    m->vn = m->vi = 0;
    if (rc != DP_OK || base == DP__DOC_END)
        return rc;
    lim = base + (DP__DOC_END - base > MERGE_WINDOW ? MERGE_WINDOW
                                                    : DP__DOC_END - base);
    if (m->vtf == NULL) {
        m->vtf = dp__calloc(MERGE_WINDOW, sizeof *m->vtf);
        m->vdoc = dp__malloc(MERGE_WINDOW * sizeof *m->vdoc);
        m->vhit = dp__calloc(MERGE_WINDOW / 64, sizeof *m->vhit);
        if (m->vtf == NULL || m->vdoc == NULL || m->vhit == NULL)
            return DP_ENOMEM;
    }
    for (uint32_t i = 0; i < m->ncurs && rc == DP_OK; i++)
        while (rc == DP_OK && m->cdoc[i] < lim) {
            uint32_t o = m->cdoc[i] - base;
            m->vtf[o] += dp__postings_freq(m->curs[i]);
            m->vhit[o >> 6] |= 1ull << (o & 63);
            rc = dp__postings_next(m->curs[i]);
            m->cdoc[i] = rc == DP_OK ? dp__postings_doc(m->curs[i])
                                     : DP__DOC_END;
            rc = rc == DP_ENOTFOUND ? DP_OK : rc;
        }
    /* the window's documents in order, their sums moved beside them */
    for (uint32_t w = 0; w < MERGE_WINDOW / 64; w++) {
        for (uint64_t x = m->vhit[w]; x != 0; x &= x - 1) {
            uint32_t o = w * 64 + (uint32_t)__builtin_ctzll(x);
            m->vdoc[n++] = base + o;
        }
        m->vhit[w] = 0;
    }
    for (uint32_t k = 0; k < n; k++) { /* vtf[k] <- vtf[vdoc[k] - base] */
        uint32_t o = m->vdoc[k] - base, t = m->vtf[o];
        m->vtf[o] = 0;
        m->vtf[k] = t; /* k <= o: the sums not yet moved are beyond k */
    }
    m->vlim = lim;
    m->vn = n;
    return rc;
}

/* atom_adv of a merged atom: in its window, else in a new one. */
static int merged_adv(dp__mt *m, uint32_t target)
{
    int rc = DP_OK;
    for (;;) {
        if (m->started && target < m->vlim) {
            m->vi = gallop(m->vdoc, m->vn, m->vi, target);
            if (m->vi < m->vn) {
                m->doc = m->vdoc[m->vi];
                return DP_OK;
            }
            if (m->vlim == DP__DOC_END)
                break;
            target = m->vlim; /* the window holds nothing more */
        }
        rc = merge_window(m, target);
        if (rc != DP_OK || m->vn == 0)
            break;
    }
    m->doc = DP__DOC_END;
    m->vlim = DP__DOC_END;
    return rc;
}

/* A phrase leapfrogs its atoms rarest first (m->pos), so that the long
** lists of frequent words are only advanced to candidates. */
static int order_by_df(dp__mt *m)
{
    m->pos = dp__calloc(m->nkids + 1, sizeof *m->pos);
    if (m->pos == NULL)
        return DP_ENOMEM;
    for (uint32_t i = 0; i < m->nkids; i++) {
        uint32_t j = i;
        while (j > 0 && m->pos[j - 1]->df_sum > m->kids[i]->df_sum) {
            m->pos[j] = m->pos[j - 1];
            j--;
        }
        m->pos[j] = m->kids[i];
    }
    m->npos = m->nkids;
    /* Words in most documents (de, la, se) hardly narrow the documents:
    ** advancing their long lists to every candidate and loading their
    ** blocks costs more than checking them on the few documents where the
    ** rarer words already stand at the right distance (two of them at
    ** least, so that their positions do narrow). */
    m->ndrive = m->npos;
    m->one_cur = true;
    for (uint32_t i = 0; i < m->npos; i++)
        m->one_cur = m->one_cur && m->pos[i]->ncurs == 1;
    while (m->ndrive > 2 &&
           m->pos[m->ndrive - 1]->df_sum > dp__seg_ndocs(m->g) / 2)
        m->ndrive--;
    return DP_OK;
}

/* A text leaf: an atom, or a phrase of atoms (also for title:word). */
static int build_leaf(dp__eval *ev, const dp__segment *g, const dp__qnode *nd,
                      bool need_pos, dp__mt **out)
{
    bool title = nd->field == DP_QF_TITLE;
    dp__mt *m = NULL, *kid;
    int rc;

    if (nd->nterms == 1 && !title) {
        rc = build_atom(ev, g, nd, &nd->terms[0], need_pos, &m);
        if (rc == DP_OK)
            m->merged = m->ncurs >= ATOM_MERGE_MIN && !need_pos &&
                        nd != ev->q->root;
    } else {
        m = mt_new(g, nd, MT_PHRASE);
        if (m == NULL)
            return DP_ENOMEM;
        m->title_only = title;
        m->need_pos = true;
        m->span = nd->terms[nd->nterms - 1].pos;
        rc = DP_OK;
        for (uint32_t i = 0; i < nd->nterms && rc == DP_OK; i++) {
            rc = build_atom(ev, g, nd, &nd->terms[i], true, &kid);
            if (rc != DP_OK)
                break;
            /* starts are the first term's positions */
            kid->off = (int64_t)nd->terms[i].pos - nd->terms[0].pos;
            if ((rc = add_kid(m, kid, nd->nterms)) != DP_OK)
                dp__mt_free(kid);
        }
    }
    if (rc == DP_OK && m->kind == MT_PHRASE)
        rc = order_by_df(m);
    if (rc != DP_OK) {
        dp__mt_free(m);
        return rc;
    }
    m->leaf = nd->id;
    m->idf = nd->id >= 0 ? ev->idf[nd->id] : 0;
    m->avgdl = ev->avgdl;
    *out = m;
    return DP_OK;
}

static int build(dp__eval *ev, const dp__segment *g, const dp__qnode *nd,
                 bool need_pos, dp__mt **out);

static int split_and(dp__mt *m)
{
    m->pos = dp__calloc(3 * (size_t)m->nkids + 1, sizeof *m->pos);
    if (m->pos == NULL)
        return DP_ENOMEM;
    m->neg = m->pos + m->nkids;
    m->filt = m->neg + m->nkids;
    for (uint32_t i = 0; i < m->nkids; i++) {
        dp__mt *k = m->kids[i];
        if (k->kind == MT_NOT)
            m->neg[m->nneg++] = k->kids[0];
        else if (k->kind == MT_ALL || k->kind == MT_DATE || k->kind == MT_META)
            m->filt[m->nfilt++] = k;
        else
            m->pos[m->npos++] = k;
    }
    m->one_cur = m->npos > 0;
    for (uint32_t i = 0; i < m->npos; i++)
        m->one_cur = m->one_cur && m->pos[i]->kind == MT_ATOM &&
                     m->pos[i]->ncurs == 1;
    return DP_OK;
}

/* ------------------------------------------------------------ date zones */

/* A date filter is checked per document, its date read from the columns.
** An archive of news is indexed in about the order of its dates, so the
** documents of a day, a month or a year stand together: the date spans of
** each zone of 64 documents (a word of a bitmap), computed once per
** segment file, let a filter reject a zone none of whose documents can
** match without looking at them, accept one all of whose documents do,
** and let an AND jump to the next zone that may match instead of walking
** its lists through the others.  Where the dates are shuffled nearly every
** zone may match, and the documents are checked one by one as before.
** The same zones say whether their documents share one language and one
** source: an archive indexed a source at a time, or of one language with
** a few others, then has source: and lang: filters decided a zone at a
** time too. */
enum { ZONE_SHIFT = 6, ZONE_DOCS = 1 << ZONE_SHIFT };
enum { ZONE_NONE, ZONE_SOME, ZONE_ALL };

typedef struct doc_zone {
    int32_t min_lo, max_lo; /* first days of its dated documents' spans */
    int32_t min_hi, max_hi; /* and their last days */
    uint32_t ndated;        /* documents with a date */
    /* all its documents have the language, or the source, of its first:
    ** a lang: or source: filter then says the same of all of them */
    bool same_lang, same_source;
} doc_zone;

typedef struct doc_zones {
    dp__seg_cached hdr;
    doc_zone z[];
} doc_zones;

static void doc_zones_free(dp__seg_cached *c) { dp__free(c); }

static void zone_add(doc_zone *x, int32_t lo, int32_t hi)
{
    x->min_lo = lo < x->min_lo ? lo : x->min_lo;
    x->max_lo = lo > x->max_lo ? lo : x->max_lo;
    x->min_hi = hi < x->min_hi ? hi : x->min_hi;
    x->max_hi = hi > x->max_hi ? hi : x->max_hi;
    x->ndated++;
}

/* The zones of segment g (NULL when out of memory: no zones then). */
static const doc_zone *seg_zones(const dp__segment *g)
{
    doc_zones *c =
        (doc_zones *)dp__seg_cache_get(g, DP__SEG_CACHE_ZONES);
    uint32_t n = dp__seg_ndocs(g);
    if (c != NULL)
        return c->z;
    c = dp__malloc(sizeof *c + (((size_t)n + ZONE_DOCS - 1) >> ZONE_SHIFT) *
                                   sizeof c->z[0]);
    if (c == NULL)
        return NULL;
    c->hdr.free = doc_zones_free;
    dp__doc_cols first;
    for (uint32_t d = 0; d < n; d++) {
        doc_zone *x = &c->z[d >> ZONE_SHIFT];
        dp__doc_cols col;
        int32_t lo, hi;
        dp__seg_doc_cols(g, d, &col);
        if ((d & (ZONE_DOCS - 1)) == 0) {
            x->min_lo = x->min_hi = INT32_MAX;
            x->max_lo = x->max_hi = INT32_MIN;
            x->ndated = 0;
            x->same_lang = x->same_source = true;
            first = col;
        }
        x->same_lang = x->same_lang && memcmp(col.lang, first.lang, 4) == 0;
        x->same_source = x->same_source && col.source == first.source;
        if (dp__query_date_span(&col.date, &lo, &hi))
            zone_add(x, lo, hi);
    }
    c = (doc_zones *)dp__seg_cache_put(g, DP__SEG_CACHE_ZONES, &c->hdr);
    return c ? c->z : NULL;
}

/* Can none, some or all of the docs documents of zone x fall within the
** filter's days [lo, hi] (a document matches when its whole span does)? */
static uint8_t zone_class(const doc_zone *x, uint32_t docs, int32_t lo,
                          int32_t hi)
{
    if (x->ndated == 0 || x->max_lo < lo || x->min_hi > hi)
        return ZONE_NONE;
    if (x->ndated == docs && x->min_lo >= lo && x->max_hi <= hi)
        return ZONE_ALL;
    return ZONE_SOME;
}

/* Does the source: or lang: filter m accept doc, from its columns? */
static bool meta_doc_ok(const dp__mt *m, uint32_t doc)
{
    if (m->nd->field == DP_QF_SOURCE)
        return m->source_found && dp__seg_doc_source(m->g, doc) == m->source;
    {
        dp__doc_cols c;
        size_t n = m->nd->raw_len;
        dp__seg_doc_cols(m->g, doc, &c);
        return n < sizeof c.lang && strlen(c.lang) == n &&
               strncasecmp(c.lang, m->nd->raw, n) == 0;
    }
}

/* The class of zone i (docs documents) for the filter m. */
static uint8_t filter_zone_class(const dp__mt *m, const doc_zone *z,
                                 uint32_t i, uint32_t docs)
{
    bool same;
    if (m->kind == MT_DATE)
        return zone_class(z, docs, m->nd->date_lo, m->nd->date_hi);
    same = m->nd->field == DP_QF_SOURCE ? z->same_source : z->same_lang;
    if (!same)
        return ZONE_SOME;
    return meta_doc_ok(m, i << ZONE_SHIFT) ? ZONE_ALL : ZONE_NONE;
}

/* The zones' classes for the date, source or language filter m; without
** memory for them the filter checks every document. */
static void filter_classes(dp__mt *m)
{
    uint32_t n = dp__seg_ndocs(m->g), nz = (n + ZONE_DOCS - 1) >> ZONE_SHIFT;
    const doc_zone *z = nz ? seg_zones(m->g) : NULL;
    if (z == NULL)
        return;
    m->zcls = dp__malloc(nz);
    m->znext = dp__malloc((size_t)nz * sizeof *m->znext);
    if (m->zcls == NULL || m->znext == NULL) {
        dp__free(m->zcls);
        dp__free(m->znext);
        m->zcls = NULL;
        m->znext = NULL;
        return;
    }
    m->nzones = nz;
    for (uint32_t i = nz; i-- > 0;) {
        uint32_t docs = i + 1 < nz ? ZONE_DOCS : n - (i << ZONE_SHIFT);
        m->zcls[i] = filter_zone_class(m, &z[i], i, docs);
        m->znext[i] = m->zcls[i] != ZONE_NONE ? i
                      : i + 1 < nz            ? m->znext[i + 1]
                                              : nz;
        m->zmaybe += m->zcls[i] != ZONE_NONE ? docs : 0;
    }
}

/* The first document from d on that the filter m may accept, as far as
** its zones tell (d itself when they do not), DP__DOC_END if none. */
static uint32_t filter_skip(const dp__mt *m, uint32_t d)
{
    if (m->zcls == NULL || d == DP__DOC_END) /* only filters have zones */
        return d;
    uint32_t z = d >> ZONE_SHIFT;
    if (z >= m->nzones)
        return DP__DOC_END;
    if (m->znext[z] == z)
        return d;
    return m->znext[z] < m->nzones ? m->znext[z] << ZONE_SHIFT : DP__DOC_END;
}

static int build_inner(dp__eval *ev, const dp__segment *g,
                       const dp__qnode *nd, dp__mt *m)
{
    int rc = DP_OK;
    for (uint32_t i = 0; i < nd->nkids && rc == DP_OK; i++) {
        dp__mt *kid;
        rc = build(ev, g, nd->kids[i], nd->kind == DP_QK_NEAR, &kid);
        if (rc == DP_OK && (rc = add_kid(m, kid, nd->nkids)) != DP_OK)
            dp__mt_free(kid);
    }
    if (rc == DP_OK && nd->kind == DP_QK_AND)
        rc = split_and(m);
    if (rc == DP_OK && nd->kind == DP_QK_META && nd->field == DP_QF_SOURCE) {
        rc = dp__seg_source_find(g, nd->raw, nd->raw_len, &m->source);
        m->source_found = rc == DP_OK;
        /* a source the segment does not have matches nothing in it: an
        ** AND with it ends at once instead of walking its other lists */
        if (rc == DP_ENOTFOUND)
            m->kind = MT_NONE;
        rc = rc == DP_ENOTFOUND ? DP_OK : rc;
    }
    if (rc == DP_OK && (m->kind == MT_DATE || m->kind == MT_META))
        filter_classes(m);
    return rc;
}

static int build(dp__eval *ev, const dp__segment *g, const dp__qnode *nd,
                 bool need_pos, dp__mt **out)
{
    static const enum mt_kind kinds[] = {
        [DP_QK_NONE] = MT_NONE, [DP_QK_ALL] = MT_ALL,
        [DP_QK_PHRASE] = MT_ATOM, [DP_QK_PREFIX] = MT_ATOM,
        [DP_QK_NEAR] = MT_NEAR, [DP_QK_AND] = MT_AND, [DP_QK_OR] = MT_OR,
        [DP_QK_NOT] = MT_NOT, [DP_QK_DATE] = MT_DATE, [DP_QK_META] = MT_META};
    dp__mt *m;
    int rc;

    *out = NULL;
    if (nd->kind == DP_QK_PHRASE || nd->kind == DP_QK_PREFIX)
        return build_leaf(ev, g, nd, need_pos, out);
    m = mt_new(g, nd, kinds[nd->kind]);
    if (m == NULL)
        return DP_ENOMEM;
    m->avgdl = ev->avgdl;
    rc = build_inner(ev, g, nd, m);
    if (rc != DP_OK) {
        dp__mt_free(m);
        return rc;
    }
    *out = m;
    return DP_OK;
}

int dp__mt_build(dp__eval *ev, const dp__segment *g, bool scoring,
                 dp__mt **out)
{
    DP_UNUSED(scoring);
    return build(ev, g, ev->q->root, false, out);
}

/* ------------------------------------------------------------ advancing */

static int adv(dp__mt *m, uint32_t target);

static bool date_ok(const dp__mt *m, uint32_t doc)
{
    dp_date d;
    int32_t lo, hi;
    if (m->zcls != NULL && m->zcls[doc >> ZONE_SHIFT] != ZONE_SOME)
        return m->zcls[doc >> ZONE_SHIFT] == ZONE_ALL;
    dp__seg_doc_date(m->g, doc, &d);
    if (!dp__query_date_span(&d, &lo, &hi))
        return false;
    return lo >= m->nd->date_lo && hi <= m->nd->date_hi;
}

static bool meta_ok(const dp__mt *m, uint32_t doc)
{
    if (m->zcls != NULL && m->zcls[doc >> ZONE_SHIFT] != ZONE_SOME)
        return m->zcls[doc >> ZONE_SHIFT] == ZONE_ALL;
    return meta_doc_ok(m, doc);
}

/* Filters: is doc (live) accepted? */
static bool filter_ok(const dp__mt *m, uint32_t doc)
{
    switch (m->kind) {
    case MT_DATE: return date_ok(m, doc);
    case MT_META: return meta_ok(m, doc);
    default: return true;
    }
}

static uint32_t filter_scan(dp__mt *m, uint32_t target)
{
    uint32_t n = dp__seg_ndocs(m->g), d = target;
    while (d < n && (d = filter_skip(m, d)) < n) {
        /* to the end of d's zone, then past the zones that cannot match */
        uint32_t end = (d | (ZONE_DOCS - 1)) + 1;
        for (end = end < n ? end : n; d < end; d++)
            if (!dp__seg_is_deleted(m->g, d) && filter_ok(m, d))
                return d;
    }
    return DP__DOC_END;
}

static int atom_adv(dp__mt *m, uint32_t target)
{
    uint32_t best = DP__DOC_END;
    if (m->merged)
        return merged_adv(m, target);
    for (uint32_t i = 0; i < m->ncurs; i++) {
        if (m->cdoc[i] != DP__DOC_END && (!m->started || m->cdoc[i] < target)) {
            int rc = dp__postings_advance(m->curs[i], target);
            if (rc == DP_ENOTFOUND)
                m->cdoc[i] = DP__DOC_END;
            else if (rc != DP_OK)
                return rc;
            else
                m->cdoc[i] = dp__postings_doc(m->curs[i]);
        }
        if (m->cdoc[i] < best)
            best = m->cdoc[i];
    }
    m->doc = best;
    return DP_OK;
}

static int grow_occ(dp__mt *m, size_t need)
{
    if (need > m->capocc) {
        size_t cap = m->capocc ? m->capocc : 16;
        uint32_t *o;
        while (cap < need)
            cap *= 2;
        o = dp__realloc(m->occ, cap * sizeof *o);
        if (o == NULL)
            return DP_ENOMEM;
        m->occ = o;
        m->capocc = cap;
    }
    return DP_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorted positions of an atom's current doc (borrowed until it moves). */
static int atom_positions(dp__mt *m, const uint32_t **pos, size_t *n)
{
    size_t total = 0;
    uint32_t only = 0, hits = 0;
    int rc;

    if (m->ncurs == 1) /* the common case: one term, on m->doc */
        return dp__postings_positions_upto(m->curs[0], UINT32_MAX, pos, n);
    for (uint32_t i = 0; i < m->ncurs; i++)
        if (m->cdoc[i] == m->doc) {
            hits++;
            only = i;
        }
    if (hits == 1) {
        rc = dp__postings_load_positions(m->curs[only]);
        if (rc == DP_OK)
            dp__postings_positions(m->curs[only], pos, NULL, n);
        return rc;
    }
    if (m->occ_doc == m->doc && m->started && m->occ) {
        *pos = m->occ;
        *n = m->nocc;
        return DP_OK;
    }
    for (uint32_t i = 0; i < m->ncurs; i++)
        if (m->cdoc[i] == m->doc) {
            const uint32_t *p;
            size_t k;
            rc = dp__postings_load_positions(m->curs[i]);
            if (rc != DP_OK)
                return rc;
            dp__postings_positions(m->curs[i], &p, NULL, &k);
            rc = grow_occ(m, total + k);
            if (rc != DP_OK)
                return rc;
            memcpy(m->occ + total, p, k * sizeof *p);
            total += k;
        }
    qsort(m->occ, total, sizeof *m->occ, cmp_u32);
    m->nocc = total;
    m->occ_doc = m->doc;
    *pos = m->occ;
    *n = total;
    return DP_OK;
}

/* Leapfrog kids[0..n) to a common doc >= target. */
static int leapfrog(dp__mt **kids, uint32_t n, uint32_t target, uint32_t *doc)
{
    uint32_t d = target;
    bool moved = true;
    while (moved) {
        moved = false;
        for (uint32_t i = 0; i < n; i++) {
            int rc = adv(kids[i], d);
            if (rc != DP_OK)
                return rc;
            if (kids[i]->doc == DP__DOC_END) {
                *doc = DP__DOC_END;
                return DP_OK;
            }
            if (kids[i]->doc > d) {
                d = kids[i]->doc;
                moved = true;
            }
        }
    }
    *doc = d;
    return DP_OK;
}

/* Occurrences of an atom in its doc: the sum of its cursors' on it. */
static uint32_t atom_freq(const dp__mt *a)
{
    uint32_t f = 0;
    if (a->merged)
        return a->vi < a->vn && a->vdoc[a->vi] == a->doc ? a->vtf[a->vi] : 0;
    if (a->ncurs == 1)
        return dp__postings_freq(a->curs[0]);
    for (uint32_t i = 0; i < a->ncurs; i++)
        if (a->cdoc[i] == a->doc)
            f += dp__postings_freq(a->curs[i]);
    return f;
}

/* Does atom a (on its doc) stand at position want?  Within a doc, want
** only grows for a given atom, so its positions are walked forward from
** a->pi, and a one-cursor atom decodes them only as far as want. */
static int atom_has(dp__mt *a, int64_t want, bool *has)
{
    const uint32_t *pp;
    size_t pn;
    int rc;

    *has = false;
    if (want < 0 || want > UINT32_MAX)
        return DP_OK;
    if (a->ncurs == 1)
        rc = dp__postings_positions_upto(a->curs[0], (uint32_t)want, &pp,
                                         &pn);
    else
        rc = atom_positions(a, &pp, &pn);
    if (rc != DP_OK)
        return rc;
    while (a->pi < pn && pp[a->pi] < want)
        a->pi++;
    *has = a->pi < pn && pp[a->pi] == want;
    return DP_OK;
}

/* Is start s out of the question: outside 32 bits, too near the end of
** a title-only phrase's title, or the same as the last start recorded? */
static inline bool phrase_start_skipped(const dp__mt *m, int64_t s)
{
    return s < 0 || s > UINT32_MAX || s + m->span >= m->title_len ||
           (m->nocc > 0 && m->occ[m->nocc - 1] == (uint32_t)s);
}

/* Do the atoms other than the driving one stand at their offsets from
** start s in doc d (*ok)?  A frequent atom is moved to d first; when it
** is not in d, no start there can match: the scan ends and m->next is
** its doc.  Inlined into phrase_more's loop, its hot path. */
static inline __attribute__((always_inline)) int
phrase_start_matches(dp__mt *m, uint32_t d, int64_t s, bool *okp)
{
    bool ok = true;
    for (uint32_t i = 0; i < m->npos && ok; i++) {
        dp__mt *a = m->pos[i];
        if (a == m->drv)
            continue;
        if (i >= m->ndrive && (!a->started || a->doc != d)) {
            /* a frequent word: is it in d at all? */
            int rc = adv(a, d);
            if (rc != DP_OK)
                return rc;
            if (a->doc != d) { /* no match before its doc */
                m->nocc = 0;
                m->next = a->doc;
                m->scan = m->dn;
                break;
            }
            a->pi = 0;
        }
        int rc = atom_has(a, s + a->off, &ok);
        if (rc != DP_OK)
            return rc;
    }
    *okp = ok;
    return DP_OK;
}

/* Check the candidate starts from m->scan on, until one matches (all:
** until none is left).  Each start is checked against the other atoms
** rarest first, so a frequent word is looked at only where the rarer
** ones stand at the right distance, and its positions are decoded only
** up to the one asked. */
static int phrase_more(dp__mt *m, bool all)
{
    uint32_t d = m->occ_doc;
    for (; m->scan < m->dn; m->scan++) {
        int64_t s = (int64_t)m->dpos[m->scan] - m->drv->off;
        bool ok;
        if (phrase_start_skipped(m, s))
            continue;
        int rc = phrase_start_matches(m, d, s, &ok);
        if (rc != DP_OK)
            return rc;
        if (ok && m->scan < m->dn) {
            m->occ[m->nocc++] = (uint32_t)s;
            if (!all) {
                m->scan++;
                return DP_OK;
            }
        }
    }
    m->occ_all = true;
    return DP_OK;
}

/* Does the phrase match doc d (all driving atoms are on d)?  The
** candidate starts come from the driving atom with the fewest
** occurrences in d; only the first match is looked for here (a count
** needs no more), phrase_all finds the others when the score or a NEAR
** needs them. */
static int phrase_match(dp__mt *m, uint32_t d)
{
    uint32_t best = UINT32_MAX;
    int rc;

    m->title_len = UINT32_MAX;
    if (m->title_only) {
        dp__doc_cols c;
        dp__seg_doc_cols(m->g, d, &c);
        m->title_len = c.title_len;
    }
    m->drv = m->pos[0];
    for (uint32_t i = 0; i < m->npos; i++) {
        m->pos[i]->pi = 0;
        if (i < m->ndrive) {
            uint32_t f = atom_freq(m->pos[i]);
            if (f < best) {
                best = f;
                m->drv = m->pos[i];
            }
        }
    }
    m->nocc = 0;
    m->occ_doc = d;
    m->scan = 0;
    m->occ_all = false;
    rc = atom_positions(m->drv, &m->dpos, &m->dn);
    if (rc == DP_OK)
        rc = grow_occ(m, m->dn + 1);
    if (rc != DP_OK)
        return rc;
    return phrase_more(m, false);
}

/* Every occurrence of the phrase in its current doc. */
static int phrase_all(dp__mt *m)
{
    return m->occ_all ? DP_OK : phrase_more(m, true);
}

/* leapfrog() for atoms of one cursor each (most phrases): the cursors
** are moved directly, and each atom's doc kept as atom_adv keeps it. */
static int leapfrog_one(dp__mt **k, uint32_t n, uint32_t target,
                        uint32_t *doc)
{
    uint32_t d = target, agree = 0, i = 0;
    while (agree < n) {
        dp__mt *a = k[i];
        if (!a->started || a->doc < d) {
            int rc = a->cdoc[0] == DP__DOC_END
                         ? DP_ENOTFOUND
                         : dp__postings_advance(a->curs[0], d);
            a->started = true;
            if (rc == DP_ENOTFOUND) {
                a->doc = a->cdoc[0] = DP__DOC_END;
                *doc = DP__DOC_END;
                return DP_OK;
            }
            if (rc != DP_OK)
                return rc;
            a->doc = a->cdoc[0] = dp__postings_doc(a->curs[0]);
        }
        if (a->doc == DP__DOC_END) {
            *doc = DP__DOC_END;
            return DP_OK;
        }
        if (a->doc > d) {
            d = a->doc;
            agree = 1;
        } else {
            agree++;
        }
        i = i + 1 == n ? 0 : i + 1;
    }
    *doc = d;
    return DP_OK;
}

/* A phrase of frequent words ("quelques mois", "cinq ans": each in a
** quarter of the documents) has tens of thousands of candidate documents,
** and leapfrogging its cursors advances them once per document of either
** list that the other lacks, about a third of the time of such a query.
** When every driving list holds at least 1/DENSE_DIV of the documents
** and at most half of them, and the rarest at least 1/DENSE_SPREAD of
** the longest's, their
** intersection is taken as a bitmap (each list's docids decoded by
** blocks, then ANDed by words of 64 documents), and the cursors are then
** only advanced to its documents.  The bitmap holds deleted documents
** and every form: a superset, so leapfrog_one still decides.
**
** Only a phrase that walks its own candidates gains: one driven by a
** rarer word ("de la" AND orban) is asked only for that word's
** documents, and decoding its whole lists would cost it more than it
** reads (even when those documents are spread over most of its blocks).
** So the bitmap waits until the phrase has verified as many candidate
** documents as 1/DENSE_CHECKED of its driving lists' total length: a
** phrase driven by a rare word never gets there, one that walks its
** lists does early. */
enum { DENSE_DIV = 32, DENSE_SPREAD = 4, DENSE_CHECKED = 64 };

/* Could the bitmap pay off for m (one cursor per atom, dense lists)? */
static bool dense_eligible(const dp__mt *m)
{
    uint64_t ndocs = dp__seg_ndocs(m->g);
    /* pos[] is by increasing df: when the rarest list is much shorter
    ** than the longest, leapfrogging skips most of the longest's blocks,
    ** where the bitmap would decode them all; and when the longest holds
    ** most documents ("de la", "cinq ans"), the intersection is nearly as
    ** long as the lists: nothing to gain */
    return m->one_cur && m->ndrive >= 2 &&
           m->pos[0]->df_sum >= ndocs / DENSE_DIV &&
           m->pos[0]->df_sum >= m->pos[m->ndrive - 1]->df_sum / DENSE_SPREAD &&
           m->pos[m->ndrive - 1]->df_sum <= ndocs / 2;
}

/* Has the phrase verified enough candidates to walk its own lists? */
static bool dense_walked(const dp__mt *m)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->ndrive; i++)
        total += m->pos[i]->df_sum;
    return m->checked * DENSE_CHECKED >= total;
}

/* Build m->cand from fresh cursors on the driving terms (the query's own
** are somewhere in their lists). */
static int dense_candidates(dp__mt *m)
{
    uint32_t ndocs = dp__seg_ndocs(m->g), nw = (ndocs + 63) / 64;
    uint64_t *bm = dp__calloc(nw ? nw : 1, sizeof *bm);
    uint64_t *one = dp__calloc(nw ? nw : 1, sizeof *one);
    int rc = bm && one ? DP_OK : DP_ENOMEM;
    m->cand_state = CAND_DONE;
    for (uint32_t i = 0; i < m->ndrive && rc == DP_OK; i++) {
        uint64_t *into = i == 0 ? bm : one;
        dp__postings *q;
        if (i > 0)
            memset(one, 0, nw * sizeof *one);
        rc = dp__postings_open(m->g, &m->pos[i]->ti, -1, DP__POST_FREQS, &q);
        if (rc != DP_OK)
            break;
        rc = dp__postings_docs_bitmap(q, into);
        dp__postings_free(q);
        for (uint32_t w = 0; rc == DP_OK && i > 0 && w < nw; w++)
            bm[w] &= one[w];
    }
    dp__free(one);
    if (rc == DP_OK)
        m->cand = bm;
    else
        dp__free(bm);
    return rc;
}

/* The first document >= d with its bit set in bm (of n bits), or n. */
static uint32_t next_candidate(const uint64_t *bm, uint32_t d, uint32_t n)
{
    if (d >= n)
        return n;
    uint32_t w = d >> 6;
    uint64_t bits = bm[w] & (~0ull << (d & 63));
    while (bits == 0) {
        if (++w >= (n + 63) / 64)
            return n;
        bits = bm[w];
    }
    return w * 64 + (uint32_t)__builtin_ctzll(bits);
}

/* leapfrog_one, started at the next candidate of the bitmap. */
static int leapfrog_dense(dp__mt *m, uint32_t target, uint32_t *doc)
{
    uint32_t n = dp__seg_ndocs(m->g), d = next_candidate(m->cand, target, n);
    if (d >= n) {
        *doc = DP__DOC_END;
        return DP_OK;
    }
    return leapfrog_one(m->pos, m->ndrive, d, doc);
}

/* The phrase's BM25 in doc were it to match there tf times. */
static double phrase_tf_score(const dp__mt *m, uint32_t doc, double tf)
{
    return tf > 0 ? m->idf * (DP__BM25_K1 + 1) * tf /
                        (tf + dp__mt_norm(m, doc))
                  : 0;
}

/* Can the phrase not score above its floor in d (its driving atoms on
** d)?  It matches there at most as often as its rarest driving word
** occurs, and BM25 grows with tf: the bound needs the occurrence counts
** of the cursors and the document's length, not one position, so most
** of the candidates of a phrase of common words ("ajouter aux favoris",
** tens of thousands) are passed without decoding any. */
static bool phrase_below_floor(const dp__mt *m, uint32_t d)
{
    uint32_t tf = UINT32_MAX;
    for (uint32_t i = 0; i < m->ndrive; i++) {
        uint32_t f = atom_freq(m->pos[i]);
        tf = f < tf ? f : tf;
    }
    return phrase_tf_score(m, d, tf) + 1e-9 <= m->floor;
}

static int phrase_adv(dp__mt *m, uint32_t target)
{
    uint32_t d = target;
    if (m->cand_state == CAND_UNKNOWN)
        m->cand_state = dense_eligible(m) ? CAND_WAIT : CAND_DONE;
    for (;;) {
        if (m->cand_state == CAND_WAIT && dense_walked(m)) {
            int rc = dense_candidates(m);
            if (rc != DP_OK)
                return rc;
        }
        int rc = m->cand    ? leapfrog_dense(m, d, &d)
                 : m->one_cur ? leapfrog_one(m->pos, m->ndrive, d, &d)
                              : leapfrog(m->pos, m->ndrive, d, &d);
        if (rc != DP_OK)
            return rc;
        if (d == DP__DOC_END)
            break;
        m->next = d + 1;
        m->checked++;
        if (m->floor > 0 && phrase_below_floor(m, d)) {
            d++;
            continue;
        }
        rc = phrase_match(m, d);
        if (rc != DP_OK)
            return rc;
        if (m->nocc > 0)
            break;
        d = m->next;
        if (d == DP__DOC_END)
            break;
    }
    m->doc = d;
    return DP_OK;
}

/* Occurrence starts and span of a leaf on its current doc. */
static int leaf_occ(dp__mt *m, const uint32_t **occ, size_t *n,
                    uint32_t *span)
{
    if (m->kind == MT_PHRASE) {
        int rc = phrase_all(m);
        if (rc != DP_OK)
            return rc;
        *occ = m->occ;
        *n = m->nocc;
        *span = m->span;
        return DP_OK;
    }
    *span = 0;
    return atom_positions(m, occ, n);
}

static int near_adv(dp__mt *m, uint32_t target)
{
    uint32_t d = target, limit = m->nd->near;
    for (;;) {
        const uint32_t *a, *b;
        size_t na, nb;
        uint32_t sa, sb;
        bool ok = false;
        int rc = leapfrog(m->kids, 2, d, &d);
        if (rc == DP_OK && d != DP__DOC_END)
            rc = leaf_occ(m->kids[0], &a, &na, &sa);
        if (rc == DP_OK && d != DP__DOC_END)
            rc = leaf_occ(m->kids[1], &b, &nb, &sb);
        if (rc != DP_OK)
            return rc;
        if (d == DP__DOC_END)
            break;
        for (size_t i = 0; i < na && !ok; i++)
            for (size_t j = 0; j < nb && !ok; j++) {
                uint64_t ae = (uint64_t)a[i] + sa, be = (uint64_t)b[j] + sb;
                uint64_t dist = b[j] > ae ? b[j] - ae
                              : a[i] > be ? a[i] - be : 0;
                ok = dist <= limit;
            }
        if (ok)
            break;
        d++;
    }
    m->doc = d;
    return DP_OK;
}

/* Does the negated matcher k match doc d? */
static int neg_match(dp__mt *k, uint32_t d, bool *hit)
{
    int rc;
    if (k->kind == MT_ALL || k->kind == MT_DATE || k->kind == MT_META) {
        *hit = filter_ok(k, d);
        return DP_OK;
    }
    rc = adv(k, d);
    *hit = rc == DP_OK && k->doc == d;
    return rc;
}

static int and_adv(dp__mt *m, uint32_t target)
{
    uint32_t d = target;
    for (;;) {
        bool ok = true;
        int rc;
        for (uint32_t i = 0; i < m->nfilt && d != DP__DOC_END; i++)
            d = filter_skip(m->filt[i], d);
        if (d == DP__DOC_END)
            break;
        if (m->one_cur)
            rc = leapfrog_one(m->pos, m->npos, d, &d);
        else if (m->npos > 0)
            rc = leapfrog(m->pos, m->npos, d, &d);
        else {
            rc = adv(m->filt[0], d);
            d = m->filt[0]->doc;
        }
        if (rc != DP_OK)
            return rc;
        if (d == DP__DOC_END)
            break;
        for (uint32_t i = 0; i < m->nfilt && ok; i++)
            ok = filter_ok(m->filt[i], d);
        for (uint32_t i = 0; i < m->nneg && ok; i++) {
            bool hit;
            rc = neg_match(m->neg[i], d, &hit);
            if (rc != DP_OK)
                return rc;
            ok = !hit;
        }
        if (ok)
            break;
        d++;
    }
    m->doc = d;
    return DP_OK;
}

static int or_adv(dp__mt *m, uint32_t target)
{
    uint32_t best = DP__DOC_END;
    for (uint32_t i = 0; i < m->nkids; i++) {
        int rc = adv(m->kids[i], target);
        if (rc != DP_OK)
            return rc;
        if (m->kids[i]->doc < best)
            best = m->kids[i]->doc;
    }
    m->doc = best;
    return DP_OK;
}

static int adv(dp__mt *m, uint32_t target)
{
    int rc = DP_OK;

    if (m->started && m->doc >= target)
        return DP_OK;
    if (target == DP__DOC_END) {
        m->doc = DP__DOC_END;
        m->started = true;
        return DP_OK;
    }
    switch (m->kind) {
    case MT_NONE: m->doc = DP__DOC_END; break;
    case MT_ALL:
    case MT_DATE:
    case MT_META: m->doc = filter_scan(m, target); break;
    case MT_ATOM: rc = atom_adv(m, target); break;
    case MT_PHRASE: rc = phrase_adv(m, target); break;
    case MT_NEAR: rc = near_adv(m, target); break;
    case MT_AND: rc = and_adv(m, target); break;
    case MT_OR: rc = or_adv(m, target); break;
    case MT_NOT: m->doc = DP__DOC_END; break; /* only under AND */
    }
    m->started = true;
    return rc;
}

int dp__mt_advance(dp__mt *m, uint32_t target, uint32_t *doc)
{
    int rc = adv(m, target);
    *doc = m->doc;
    return rc;
}

/* -------------------------------------------------------------- scoring */

static int leaf_tf(dp__mt *m, double *tf)
{
    double t = 0;
    if (m->kind == MT_PHRASE) {
        int rc = phrase_all(m);
        *tf = (double)m->nocc;
        return rc;
    }
    if (m->merged) {
        *tf = atom_freq(m);
        return DP_OK;
    }
    for (uint32_t i = 0; i < m->ncurs; i++)
        if (m->cdoc[i] == m->doc)
            t += dp__postings_freq(m->curs[i]);
    *tf = t;
    return DP_OK;
}

/* Sum of the BM25 of the leaves in the branches matching doc: a node is
** on doc exactly when it matches it (see the invariant at the top), an
** AND on doc has all its positive kids on it, an OR those that match. */
static int score_walk(dp__mt *m, uint32_t doc, double norm, double *sum)
{
    int rc;
    if (m->doc != doc || !m->started || m->kind == MT_NOT)
        return DP_OK;
    if (m->leaf >= 0) {
        double tf;
        rc = leaf_tf(m, &tf);
        if (rc == DP_OK && tf > 0)
            *sum += m->idf * (DP__BM25_K1 + 1) * tf / (tf + norm);
        return rc;
    }
    if (m->kind == MT_ATOM || m->kind == MT_PHRASE)
        return DP_OK;
    for (uint32_t i = 0; i < m->nkids; i++) {
        rc = score_walk(m->kids[i], doc, norm, sum);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

int dp__mt_score(dp__mt *m, uint32_t doc, double *score)
{
    double dl = (double)dp__seg_doc_len(m->g, doc);
    double norm = DP__BM25_K1 * (1 - DP__BM25_B + DP__BM25_B * dl / m->avgdl);
    *score = 0;
    return score_walk(m, doc, norm, score);
}

int dp__mt_or_leaves(dp__mt *m, dp__mt ***kids, uint32_t *n)
{
    if (m->kind != MT_OR || m->started)
        return DP_ENOTFOUND;
    for (uint32_t i = 0; i < m->nkids; i++)
        if (m->kids[i]->leaf < 0)
            return DP_ENOTFOUND;
    *kids = m->kids;
    *n = m->nkids;
    return DP_OK;
}

double dp__mt_leaf_ub(const dp__mt *m)
{
    uint32_t tf = m->maxfreq;
    if (m->kind == MT_PHRASE) {
        tf = UINT32_MAX;
        for (uint32_t i = 0; i < m->nkids; i++)
            tf = m->kids[i]->maxfreq < tf ? m->kids[i]->maxfreq : tf;
    }
    if (tf == 0 || tf == UINT32_MAX)
        return 0;
    return dp__bm25(m->idf, tf, 0, m->avgdl);
}

double dp__mt_norm(const dp__mt *m, uint32_t doc)
{
    double dl = (double)dp__seg_doc_len(m->g, doc);
    return DP__BM25_K1 * (1 - DP__BM25_B + DP__BM25_B * dl / m->avgdl);
}

int dp__mt_leaf_score(dp__mt *m, uint32_t doc, double norm, double *score)
{
    *score = 0;
    return score_walk(m, doc, norm, score);
}

int dp__mt_single(dp__mt *m, dp__postings **p, double *idf)
{
    if (m->kind != MT_ATOM || m->ncurs != 1 || m->leaf < 0 || m->started)
        return DP_ENOTFOUND;
    *p = m->curs[0];
    *idf = m->idf;
    return DP_OK;
}

int dp__mt_and_single(dp__mt *m, dp__term_info *ti, double *idf)
{
    const dp__mt *w;
    if (m->kind != MT_AND || m->npos != 1 || m->started)
        return DP_ENOTFOUND;
    w = m->pos[0];
    if (w->kind != MT_ATOM || w->ncurs != 1 || w->formed || w->leaf < 0 ||
        w->merged)
        return DP_ENOTFOUND;
    *ti = w->ti;
    *idf = w->idf;
    return DP_OK;
}

int dp__mt_atom_lists(dp__mt *m, dp__postings ***p, uint32_t *n,
                      double *idf)
{
    if (m->kind != MT_ATOM || m->ncurs < 2 || m->leaf < 0 || m->started)
        return DP_ENOTFOUND;
    *p = m->curs;
    *n = m->ncurs;
    *idf = m->idf;
    return DP_OK;
}

/* Block bound of an atom: tf and length bounds over [target, *last]. */
static int atom_block(dp__mt *m, uint32_t target, uint32_t *maxtf,
                      uint32_t *minlen, uint32_t *last)
{
    *maxtf = 0;
    *minlen = UINT32_MAX;
    *last = DP__DOC_END - 1;
    if (m->merged) { /* its cursors are not where the atom is */
        *maxtf = m->maxfreq;
        *minlen = 0;
        return DP_OK;
    }
    for (uint32_t i = 0; i < m->ncurs; i++) {
        dp__block_info bi;
        int rc;
        if (m->cdoc[i] == DP__DOC_END)
            continue;
        rc = dp__postings_block(m->curs[i], target, &bi);
        if (rc == DP_ENOTFOUND)
            continue;
        if (rc != DP_OK)
            return rc;
        *maxtf += bi.max_freq;
        if (bi.min_len < *minlen)
            *minlen = bi.min_len;
        if (bi.last_doc < *last)
            *last = bi.last_doc;
    }
    return DP_OK;
}

static int bound(dp__mt *m, uint32_t target, double *ub, uint32_t *last)
{
    uint32_t tf = UINT32_MAX, minlen = UINT32_MAX, l;
    int rc;

    *ub = 0;
    *last = DP__DOC_END - 1;
    if (m->kind == MT_NOT || m->kind == MT_ALL || m->kind == MT_DATE ||
        m->kind == MT_META || m->kind == MT_NONE)
        return DP_OK;
    if (m->kind == MT_ATOM || m->kind == MT_PHRASE) {
        dp__mt **atoms = m->kind == MT_ATOM ? &m : m->kids;
        uint32_t n = m->kind == MT_ATOM ? 1 : m->nkids;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t t, ml;
            rc = atom_block(atoms[i], target, &t, &ml, &l);
            if (rc != DP_OK)
                return rc;
            tf = t < tf ? t : tf;
            minlen = ml < minlen ? ml : minlen;
            *last = l < *last ? l : *last;
        }
        if (m->leaf >= 0 && tf > 0 && tf != UINT32_MAX)
            *ub = dp__bm25(m->idf, tf, minlen == UINT32_MAX ? 0 : minlen,
                           m->avgdl);
        return DP_OK;
    }
    for (uint32_t i = 0; i < m->nkids; i++) {
        double u;
        rc = bound(m->kids[i], target, &u, &l);
        if (rc != DP_OK)
            return rc;
        *ub += u;
        *last = l < *last ? l : *last;
    }
    return DP_OK;
}

int dp__mt_bound(dp__mt *m, uint32_t target, double *ub, uint32_t *last)
{
    int rc = bound(m, target, ub, last);
    if (*last < target)
        *last = target;
    return rc;
}

int dp__mt_doc_bound(dp__mt *m, uint32_t doc, double *ub)
{
    double tf;
    if (m->kind != MT_PHRASE || m->leaf < 0 || m->doc != doc ||
        m->occ_doc != doc)
        return DP_ENOTFOUND;
    tf = m->occ_all ? (double)m->nocc : (double)m->dn;
    *ub = phrase_tf_score(m, doc, tf);
    return DP_OK;
}

void dp__mt_set_floor(dp__mt *m, double floor)
{
    if (m->kind == MT_PHRASE && m->leaf >= 0 && m->ndrive > 0)
        m->floor = floor;
}

/* An AND is read as a bitmap when its lists are dense enough.  A walk
** costs a few steps of the cursors per document of its rarest list (a
** block of another list decoded for it when that list is much longer),
** the bitmap a decode of every posting of every list, about 2.2 ns each.
** At ten times Le Monde (303,610 documents, six segments; dp_count, the
** two ways in alternating processes), the bitmap took "monde ans" from
** 5.4 to 0.75 ms, "quelques mois" from 2.1 to 0.34, "monde voiture"
** (13 postings per document of the rarer list) from 0.97 to 0.44,
** "bateau ans" (33) from 0.47 to 0.37, and lost from about 64 on:
** "apple monde" (64) 0.40 both ways, "donetsk ans" (75) 0.27 against
** 0.37, "donetsk monde" (85) 0.31-0.40 against 0.40-0.45.  So the bitmap
** is taken while all the lists to decode (NOTs and nested ones included)
** hold at most AND_BITMAP_RATIO postings per document of the AND's
** smallest positive kid (for an OR kid, the sum of its lists), half the
** break-even; and not when they hold fewer postings than the bitmap has
** words (two rare words, "rare date:2021"): a walk takes a few steps
** where the bitmap would clear and scan three arrays of the segment's
** size.  A date filter whose zones (above) leave a share of the
** documents cuts the walk's steps by as much, since it jumps over the
** others ("monde date:2015-03" walks the month's documents). */
enum { AND_BITMAP_RATIO = 32 };

/* Part i of the AND m for its bitmap: its positive kids, then the kids
** of its NOTs (i < npos + nneg). */
static dp__mt *and_part(const dp__mt *m, uint32_t i)
{
    return i < m->npos ? m->pos[i] : m->neg[i - m->npos];
}

/* What m's bitmap costs, *cost postings decoded, and at most how many
** documents m matches, *bound (the steps of a walk). */
static void bitmap_size(const dp__mt *m, uint64_t *cost, uint64_t *bound)
{
    uint64_t c, k;
    *cost = *bound = 0;
    switch (m->kind) {
    case MT_ATOM:
        *cost = *bound = m->df_sum;
        break;
    case MT_OR:
        for (uint32_t i = 0; i < m->nkids; i++) {
            bitmap_size(m->kids[i], &c, &k);
            *cost += c;
            *bound += k;
        }
        break;
    case MT_AND:
        *bound = UINT64_MAX;
        for (uint32_t i = 0; i < m->npos + m->nneg; i++) {
            bitmap_size(and_part(m, i), &c, &k);
            *cost += c;
            if (i < m->npos && k < *bound)
                *bound = k;
        }
        /* a walk jumps over the zones its filters reject */
        for (uint32_t i = 0; i < m->nfilt; i++) {
            const dp__mt *f = m->filt[i];
            if (f->zcls != NULL)
                *bound = (uint64_t)((double)*bound * f->zmaybe /
                                    dp__seg_ndocs(m->g));
        }
        break;
    default: break;
    }
}

/* What lists_ok is asked: can m's lists be read by blocks, can m's matches
** be had as a bitmap of its lists, or can a part of an AND's bitmap. */
enum lists_use { LISTS_BLOCKS, LISTS_BITMAP, LISTS_IN_AND };

/* Whole terms (no =exact form filter keeping only some of a list's
** documents) and ORs of them: their lists can be read by blocks.  For a
** bitmap of m's matches, also terms with a form filter (a prefix's
** expansions, an =form: such a cursor is walked, walk_bitmap), and an
** AND of terms and ORs of whole terms, with NOTs of such and date or
** source filters, when dense.  In an AND a form's cursor is still walked
** with the others: the cost below does not know what walking it costs,
** and the walk skips most of its list. */
static bool lists_ok(const dp__mt *m, enum lists_use use)
{
    uint64_t cost, bound;
    if (m->started)
        return false;
    switch (m->kind) {
    case MT_NONE: return true;
    case MT_ATOM: return !m->formed || use == LISTS_BITMAP;
    case MT_OR:
        for (uint32_t i = 0; i < m->nkids; i++)
            if (!lists_ok(m->kids[i], use))
                return false;
        return true;
    case MT_AND:
        if (use == LISTS_BLOCKS || m->npos == 0)
            return false;
        for (uint32_t i = 0; i < m->npos + m->nneg; i++)
            if (!lists_ok(and_part(m, i), LISTS_IN_AND))
                return false;
        bitmap_size(m, &cost, &bound);
        return cost <= AND_BITMAP_RATIO * bound &&
               cost >= (dp__seg_ndocs(m->g) + 63) / 64;
    default: return false;
    }
}

/* An atom of whole terms, or an OR of such: its lists can also be read
** a block at a time. */
bool dp__mt_whole_lists(const dp__mt *m)
{
    return lists_ok(m, LISTS_BLOCKS);
}

static int fill_bitmap(dp__mt *m, uint64_t *bm, uint32_t nw);

/* The documents of word w of a bitmap (bits) that the filters of the AND
** m accept: a filter's zone is that word, so its class says at once for
** the 64 documents unless they are mixed. */
static uint64_t filter_word(const dp__mt *m, uint32_t w, uint64_t bits)
{
    _Static_assert(ZONE_DOCS == 64, "a date zone is a word of a bitmap");
    for (uint32_t f = 0; f < m->nfilt && bits != 0; f++) {
        const dp__mt *k = m->filt[f];
        if (k->zcls != NULL &&
            k->zcls[w] != ZONE_SOME) {
            if (k->zcls[w] == ZONE_NONE)
                return 0;
            continue;
        }
        for (uint64_t b = bits; b != 0; b &= b - 1) {
            uint32_t d = w * 64 + (uint32_t)__builtin_ctzll(b);
            if (!filter_ok(k, d))
                bits &= ~(1ull << (d & 63));
        }
    }
    return bits;
}

/* OR into bm the documents of the AND m (deleted ones included: the
** caller takes those out). */
static int fill_and(dp__mt *m, uint64_t *bm, uint32_t nw)
{
    uint64_t *acc = dp__calloc(nw ? nw : 1, sizeof *acc);
    uint64_t *one = dp__calloc(nw ? nw : 1, sizeof *one);
    int rc = acc && one ? DP_OK : DP_ENOMEM;
    if (rc == DP_OK)
        rc = fill_bitmap(m->pos[0], acc, nw);
    for (uint32_t i = 1; i < m->npos + m->nneg && rc == DP_OK; i++) {
        bool neg = i >= m->npos;
        memset(one, 0, nw * sizeof *one);
        rc = fill_bitmap(and_part(m, i), one, nw);
        for (uint32_t w = 0; rc == DP_OK && w < nw; w++)
            acc[w] &= neg ? ~one[w] : one[w];
    }
    for (uint32_t w = 0; rc == DP_OK && w < nw; w++)
        bm[w] |= acc[w] && m->nfilt > 0 ? filter_word(m, w, acc[w]) : acc[w];
    dp__free(acc);
    dp__free(one);
    return rc;
}

/* OR into bm the documents of a cursor that keeps one surface form of
** its term (a prefix's expansion, an =form): walked, as its blocks also
** hold the term's other forms. */
static int walk_bitmap(dp__postings *p, uint64_t *bm)
{
    int rc = dp__postings_advance(p, 0);
    for (; rc == DP_OK; rc = dp__postings_next(p)) {
        uint32_t d = dp__postings_doc(p);
        bm[d >> 6] |= 1ull << (d & 63);
    }
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

/* OR into bm (of nw words) the documents m matches, deleted ones
** included (lists_ok(m, LISTS_BITMAP)). */
static int fill_bitmap(dp__mt *m, uint64_t *bm, uint32_t nw)
{
    int rc = DP_OK;
    if (m->kind == MT_ATOM)
        for (uint32_t i = 0; i < m->ncurs && rc == DP_OK; i++)
            rc = dp__postings_form(m->curs[i]) >= 0
                     ? walk_bitmap(m->curs[i], bm)
                     : dp__postings_docs_bitmap(m->curs[i], bm);
    else if (m->kind == MT_OR)
        for (uint32_t i = 0; i < m->nkids && rc == DP_OK; i++)
            rc = fill_bitmap(m->kids[i], bm, nw);
    else if (m->kind == MT_AND)
        rc = fill_and(m, bm, nw);
    return rc;
}

int dp__mt_live_bitmap(dp__mt *m, uint64_t **out, uint32_t *nwords)
{
    const dp__segment *g = m->g;
    uint32_t nw = (dp__seg_ndocs(g) + 63) / 64;
    uint64_t *bm;
    int rc;

    *out = NULL;
    *nwords = 0;
    if (!lists_ok(m, LISTS_BITMAP))
        return DP_ENOTFOUND;
    bm = dp__calloc(nw ? nw : 1, sizeof *bm);
    if (bm == NULL)
        return DP_ENOMEM;
    rc = fill_bitmap(m, bm, nw);
    if (rc != DP_OK) {
        dp__free(bm);
        return rc;
    }
    for (uint32_t d = dp__seg_next_deleted(g, 0); d != UINT32_MAX &&
         d < dp__seg_ndocs(g); d = dp__seg_next_deleted(g, d + 1))
        bm[d >> 6] &= ~(1ull << (d & 63));
    m->started = true; /* its cursors were walked: it cannot advance */
    m->doc = DP__DOC_END;
    *out = bm;
    *nwords = nw;
    return DP_OK;
}

int dp__mt_fast_count(dp__mt *m, uint64_t *count)
{
    uint32_t del = 0;
    if (m->kind != MT_ATOM || m->ncurs > 1 || m->started)
        return DP_ENOTFOUND;
    if (m->ncurs == 0) {
        *count = 0;
        return DP_OK;
    }
    if (m->whole_df == 0)
        return DP_ENOTFOUND;
    /* with deletions: df minus the term's deleted documents (on error,
    ** the caller walks the postings, which reports it) */
    if (dp__seg_live_docs(m->g) != dp__seg_ndocs(m->g) &&
        dp__postings_count_deleted(m->curs[0], &del) != DP_OK)
        return DP_ENOTFOUND;
    *count = m->whole_df - del;
    return DP_OK;
}
