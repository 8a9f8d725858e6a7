/*
** occur.c -- the occurrences of a query in one document: spans of
** positions, from the postings' positions, for concordances (kwic.c) and
** collocates (cooc.c).
**
** The query engine (query_eval.c) says which documents match; this file
** says where.  Each positive text leaf (a word, "phrase", prefix*, =form,
** title:...) reached from the root through AND and OR (never through
** NOT) gets its own position cursors in the segment, opened the way the
** matchers open theirs (a term; an =form under each candidate term; a
** prefix's proper-prefix terms filtered on forms, then every term
** starting with it).  A leaf's occurrences are the starts s where every
** term i of the phrase is at s + pos_i; a NEAR node pairs each
** occurrence of either side with the nearest occurrence of the other
** side within the distance (ties: the earlier) and spans the pair.  The
** occurrences of the document are the union of those of all units,
** sorted by (first, last) and without duplicates.
*/
#include "corpus.h"

#include <stdlib.h>

typedef struct spanvec {
    dp__span *v;
    size_t n, cap;
} spanvec;

static int spans_push(spanvec *s, uint32_t first, uint32_t last)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        dp__span *nv = dp__realloc(s->v, cap * sizeof *nv);
        if (nv == NULL)
            return DP_ENOMEM;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n].first = first;
    s->v[s->n++].last = last;
    return DP_OK;
}

typedef struct occ_atom {
    dp__postings **curs;
    uint32_t *cdoc;        /* DP__DOC_END when exhausted */
    size_t ncurs, cap;
    bool started;
    uint32_t *pos;         /* positions in the current doc, sorted */
    size_t npos, cappos;
} occ_atom;

typedef struct occ_leaf {
    const dp__qnode *nd;
    occ_atom *atoms;
    uint32_t natoms;
} occ_leaf;

struct dp__occ {
    const dp__segment *g;
    const dp_query *q;
    occ_leaf *leaves;
    size_t nleaves;
    uint32_t title_len;
    spanvec out;
};

/* ------------------------------------------------------------ building */

static int atom_add(occ_atom *a, const dp__segment *g, const dp__term_info *t,
                    int form)
{
    dp__postings *p;
    int rc;

    if (a->ncurs == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 2;
        dp__postings **nc = dp__realloc(a->curs, cap * sizeof *nc);
        uint32_t *nd;
        if (nc == NULL)
            return DP_ENOMEM;
        a->curs = nc;
        nd = dp__realloc(a->cdoc, cap * sizeof *nd);
        if (nd == NULL)
            return DP_ENOMEM;
        a->cdoc = nd;
        a->cap = cap;
    }
    rc = dp__postings_open(g, t, form, DP__POST_POSITIONS, &p);
    if (rc != DP_OK)
        return rc;
    a->curs[a->ncurs] = p;
    a->cdoc[a->ncurs++] = 0;
    return DP_OK;
}

/* Open one cursor per (term, form) the query term needs: the same
** expansion as the matchers' (dp__query_term_specs). */
typedef struct atom_spec_ctx {
    occ_atom *a;
    const dp__segment *g;
} atom_spec_ctx;

static int atom_spec(void *ctx, const dp__term_info *t, int form)
{
    atom_spec_ctx *c = ctx;
    return atom_add(c->a, c->g, t, form);
}

static int atom_open(occ_atom *a, const dp__segment *g, const dp__qterm *qt)
{
    atom_spec_ctx c = {a, g};
    return dp__query_term_specs(g, qt, atom_spec, &c);
}

static void atom_free(occ_atom *a)
{
    for (size_t i = 0; i < a->ncurs; i++)
        dp__postings_free(a->curs[i]);
    dp__free(a->curs);
    dp__free(a->cdoc);
    dp__free(a->pos);
}

void dp__occ_free(dp__occ *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->nleaves; i++) {
        for (uint32_t j = 0; j < o->leaves[i].natoms; j++)
            atom_free(&o->leaves[i].atoms[j]);
        dp__free(o->leaves[i].atoms);
    }
    dp__free(o->leaves);
    dp__free(o->out.v);
    dp__free(o);
}

static bool is_text_leaf(const dp__qnode *nd)
{
    return nd->kind == DP_QK_PHRASE || nd->kind == DP_QK_PREFIX;
}

static size_t count_leaves(const dp__qnode *nd)
{
    size_t n = 0;
    if (nd->kind == DP_QK_NOT)
        return 0;
    if (is_text_leaf(nd))
        return 1;
    for (uint32_t i = 0; i < nd->nkids; i++)
        n += count_leaves(nd->kids[i]);
    return n;
}

static int open_leaves(dp__occ *o, const dp__qnode *nd)
{
    int rc = DP_OK;

    if (nd->kind == DP_QK_NOT)
        return DP_OK;
    if (is_text_leaf(nd)) {
        occ_leaf *l = &o->leaves[o->nleaves++];
        l->nd = nd;
        l->atoms = dp__calloc(nd->nterms ? nd->nterms : 1, sizeof *l->atoms);
        if (l->atoms == NULL)
            return DP_ENOMEM;
        l->natoms = nd->nterms;
        for (uint32_t i = 0; i < nd->nterms && rc == DP_OK; i++)
            rc = atom_open(&l->atoms[i], o->g, &nd->terms[i]);
        return rc;
    }
    for (uint32_t i = 0; i < nd->nkids && rc == DP_OK; i++)
        rc = open_leaves(o, nd->kids[i]);
    return rc;
}

bool dp__occ_has_words(const dp_query *q)
{
    return q && q->root && count_leaves(q->root) > 0;
}

int dp__occ_open(const dp_query *q, const dp__segment *g, dp__occ **out)
{
    dp__occ *o = dp__calloc(1, sizeof *o);
    size_t n = count_leaves(q->root);
    int rc;

    *out = NULL;
    if (o == NULL)
        return DP_ENOMEM;
    o->g = g;
    o->q = q;
    o->leaves = dp__calloc(n ? n : 1, sizeof *o->leaves);
    rc = o->leaves ? open_leaves(o, q->root) : DP_ENOMEM;
    if (rc != DP_OK) {
        dp__occ_free(o);
        return rc;
    }
    *out = o;
    return DP_OK;
}

/* ------------------------------------------------------------- finding */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Load the positions of the atom in doc (npos 0 when absent). */
static int atom_load(occ_atom *a, uint32_t doc)
{
    size_t total = 0;
    int hits = 0;

    for (size_t i = 0; i < a->ncurs; i++) {
        const uint32_t *p;
        size_t k;
        if (a->cdoc[i] != DP__DOC_END && (!a->started || a->cdoc[i] < doc)) {
            int rc = dp__postings_advance(a->curs[i], doc);
            if (rc == DP_ENOTFOUND)
                a->cdoc[i] = DP__DOC_END;
            else if (rc != DP_OK)
                return rc;
            else
                a->cdoc[i] = dp__postings_doc(a->curs[i]);
        }
        if (a->cdoc[i] != doc)
            continue;
        dp__postings_positions(a->curs[i], &p, NULL, &k);
        if (total + k > a->cappos) {
            size_t cap = a->cappos ? a->cappos : 16;
            uint32_t *np;
            while (cap < total + k)
                cap *= 2;
            np = dp__realloc(a->pos, cap * sizeof *np);
            if (np == NULL)
                return DP_ENOMEM;
            a->pos = np;
            a->cappos = cap;
        }
        memcpy(a->pos + total, p, k * sizeof *p);
        total += k;
        hits++;
    }
    a->started = true;
    if (hits > 1) {
        size_t w = 0;
        qsort(a->pos, total, sizeof *a->pos, cmp_u32);
        for (size_t i = 0; i < total; i++)
            if (w == 0 || a->pos[w - 1] != a->pos[i])
                a->pos[w++] = a->pos[i];
        total = w;
    }
    a->npos = total;
    return DP_OK;
}

static bool has_pos(const uint32_t *p, size_t n, uint64_t want)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid] < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && p[lo] == want;
}

static occ_leaf *find_leaf(dp__occ *o, const dp__qnode *nd)
{
    for (size_t i = 0; i < o->nleaves; i++)
        if (o->leaves[i].nd == nd)
            return &o->leaves[i];
    return NULL;
}

static int leaf_spans(dp__occ *o, const dp__qnode *nd, uint32_t doc,
                      spanvec *out)
{
    occ_leaf *l = find_leaf(o, nd);
    uint32_t span;
    uint64_t limit = UINT64_MAX;
    int rc;

    if (l == NULL || l->natoms == 0)
        return DP_OK;
    for (uint32_t i = 0; i < l->natoms; i++) {
        rc = atom_load(&l->atoms[i], doc);
        if (rc != DP_OK)
            return rc;
    }
    for (uint32_t i = 0; i < l->natoms; i++)
        if (l->atoms[i].npos == 0)
            return DP_OK;
    span = nd->terms[nd->nterms - 1].pos;
    if (nd->field == DP_QF_TITLE)
        limit = o->title_len;
    for (size_t j = 0; j < l->atoms[0].npos; j++) {
        uint32_t s = l->atoms[0].pos[j];
        bool ok = (uint64_t)s + span < limit;
        for (uint32_t i = 1; ok && i < l->natoms; i++)
            ok = has_pos(l->atoms[i].pos, l->atoms[i].npos,
                         (uint64_t)s + nd->terms[i].pos);
        if (ok && (rc = spans_push(out, s, s + span)) != DP_OK)
            return rc;
    }
    return DP_OK;
}

static int node_spans(dp__occ *o, const dp__qnode *nd, uint32_t doc,
                      spanvec *out);

static uint64_t span_dist(dp__span a, dp__span b)
{
    if (b.first > a.last)
        return (uint64_t)b.first - a.last;
    if (a.first > b.last)
        return (uint64_t)a.first - b.last;
    return 0;
}

/* Pair each span of `from` with its nearest span of `to` within limit. */
static int near_pairs(const spanvec *from, const spanvec *to, uint32_t limit,
                      spanvec *out)
{
    for (size_t i = 0; i < from->n; i++) {
        size_t best = SIZE_MAX;
        uint64_t bd = UINT64_MAX;
        for (size_t j = 0; j < to->n; j++) {
            uint64_t d = span_dist(from->v[i], to->v[j]);
            if (d < bd) {
                bd = d;
                best = j;
            }
        }
        if (best != SIZE_MAX && bd <= limit) {
            dp__span a = from->v[i], b = to->v[best];
            int rc = spans_push(out, a.first < b.first ? a.first : b.first,
                                a.last > b.last ? a.last : b.last);
            if (rc != DP_OK)
                return rc;
        }
    }
    return DP_OK;
}

static int near_spans(dp__occ *o, const dp__qnode *nd, uint32_t doc,
                      spanvec *out)
{
    spanvec a = {0}, b = {0};
    int rc;

    if (nd->nkids != 2)
        return DP_OK;
    rc = node_spans(o, nd->kids[0], doc, &a);
    if (rc == DP_OK)
        rc = node_spans(o, nd->kids[1], doc, &b);
    if (rc == DP_OK)
        rc = near_pairs(&a, &b, nd->near, out);
    if (rc == DP_OK)
        rc = near_pairs(&b, &a, nd->near, out);
    dp__free(a.v);
    dp__free(b.v);
    return rc;
}

static int node_spans(dp__occ *o, const dp__qnode *nd, uint32_t doc,
                      spanvec *out)
{
    int rc = DP_OK;

    if (is_text_leaf(nd))
        return leaf_spans(o, nd, doc, out);
    if (nd->kind == DP_QK_NEAR)
        return near_spans(o, nd, doc, out);
    if (nd->kind != DP_QK_AND && nd->kind != DP_QK_OR)
        return DP_OK;
    for (uint32_t i = 0; i < nd->nkids && rc == DP_OK; i++)
        rc = node_spans(o, nd->kids[i], doc, out);
    return rc;
}

static int cmp_span(const void *a, const void *b)
{
    const dp__span *x = a, *y = b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return (x->last > y->last) - (x->last < y->last);
}

int dp__occ_doc(dp__occ *o, uint32_t doc, const dp__span **spans, size_t *n)
{
    size_t w = 0;
    int rc;

    o->out.n = 0;
    {
        dp__doc_cols cols;
        dp__seg_doc_cols(o->g, doc, &cols);
        o->title_len = cols.title_len;
    }
    rc = node_spans(o, o->q->root, doc, &o->out);
    if (rc != DP_OK)
        return rc;
    if (o->out.n > 1)
        qsort(o->out.v, o->out.n, sizeof *o->out.v, cmp_span);
    for (size_t i = 0; i < o->out.n; i++)
        if (w == 0 || cmp_span(&o->out.v[w - 1], &o->out.v[i]) != 0)
            o->out.v[w++] = o->out.v[i];
    o->out.n = w;
    *spans = o->out.v;
    *n = w;
    return DP_OK;
}

int dp__occ_walk(dp__snap *snap, const dp_query *q, dp__occ_cb cb, void *ctx)
{
    dp__eval ev;
    int rc = dp__eval_init(&ev, q, snap);

    for (size_t s = 0; s < dp__snap_nsegs(snap) && rc == DP_OK; s++) {
        const dp__segment *g = dp__snap_seg(snap, s);
        dp__mt *m = NULL;
        dp__occ *o = NULL;
        uint32_t d = 0;
        rc = dp__mt_build(&ev, g, false, &m);
        if (rc == DP_OK)
            rc = dp__occ_open(q, g, &o);
        while (rc == DP_OK) {
            const dp__span *sp;
            size_t n;
            rc = dp__mt_advance(m, d, &d);
            if (rc != DP_OK || d == DP__DOC_END)
                break;
            rc = dp__occ_doc(o, d, &sp, &n);
            if (rc == DP_OK)
                rc = cb(ctx, s, g, d, sp, n);
            d++;
        }
        dp__occ_free(o);
        dp__mt_free(m);
    }
    dp__eval_free(&ev);
    return rc;
}
