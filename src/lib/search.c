/*
** search.c -- ranked and dated search, exact counts, and the result set.
**
** Ranking keeps the best offset+limit hits in a bounded heap while the
** query's matcher walks each segment.  Once the heap is full, the root
** matcher's block-max bound (the sum of the BM25 bounds its leaves' current
** postings blocks allow) is compared with the worst kept score: when no
** document of the blocks can beat it, they are not scored.  A single term
** has its own loop (block-max on its own blocks, and a per-document bound
** from its frequency before the length is read).
** Ties keep the document of lower address (older segment, then older
** docid), which is also the order of the walk, so a later document needs
** a strictly larger score.
**
** The exact total (the default) needs every match to be found, and for
** anything but a single term finding a match is the cost (leapfrogging
** lists, decoding positions for phrases), so the walk visits every match,
** counts it, and skips only the scoring of those the bound rules out (for
** a phrase, also a bound per document from its rarest word's frequency,
** which spares finding its other occurrences there): one
** pass, where jumping past blocks and then counting in a second pass
** (dp_count) found the matches of those blocks twice.  An OR of whole
** single terms is then scored a window of documents at a time from whole
** postings blocks (rank_or_bulk), and one with an =exact form is a plain
** merge of its cursors (rank_or_terms).  With
** no_total, the walk jumps past the blocks the bound rules out
** (block-max WAND), an OR of leaves uses MaxScore (leaves that cannot
** make a hit alone stop driving the walk; on the cursors themselves for
** an OR of single terms), and a phrase passes over the candidate
** documents whose word counts and length bound its score below the
** worst kept one, before reading any position there (dp__mt_set_floor):
** a phrase of common words has tens of thousands of candidates, and only
** a few can still enter the top.  A single whole term is
** counted from its df (minus its deleted documents), a prefix or an OR of
** whole terms, or an AND of such over dense lists, on a bitmap of their
** lists (dp__mt_live_bitmap), anything else by walking its matches.  Date sorting visits
** every match and so counts them too.
*/
#include "dp_int.h"
#include "store.h" /* DP__MAX_FREQ */

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* a is better than b. */
static bool better(const dp__entry *a, const dp__entry *b)
{
    return a->key > b->key || (a->key == b->key && a->addr < b->addr);
}

/* A min-heap of the kept entries: the worst at the top. */
typedef struct heap {
    dp__entry *e;
    size_t n, cap, k;
} heap;

static void sift_down(heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        dp__entry t;
        if (l < h->n && better(&h->e[w], &h->e[l]))
            w = l;
        if (r < h->n && better(&h->e[w], &h->e[r]))
            w = r;
        if (w == i)
            return;
        t = h->e[i];
        h->e[i] = h->e[w];
        h->e[w] = t;
        i = w;
    }
}

static int heap_push(heap *h, const dp__entry *x)
{
    size_t i;
    if (h->k == 0)
        return DP_OK;
    if (h->n == h->k) {
        if (!better(x, &h->e[0]))
            return DP_OK;
        h->e[0] = *x;
        sift_down(h, 0);
        return DP_OK;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        dp__entry *e;
        if (cap > h->k)
            cap = h->k;
        e = dp__realloc(h->e, cap * sizeof *e);
        if (e == NULL)
            return DP_ENOMEM;
        h->e = e;
        h->cap = cap;
    }
    i = h->n++;
    h->e[i] = *x;
    while (i > 0 && better(&h->e[(i - 1) / 2], &h->e[i])) {
        dp__entry t = h->e[i];
        h->e[i] = h->e[(i - 1) / 2];
        h->e[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return DP_OK;
}

static int cmp_best_first(const void *a, const void *b)
{
    const dp__entry *x = a, *y = b;
    return better(x, y) ? -1 : better(y, x) ? 1 : 0;
}

/* Sort key of a date: seconds from 1970 of its first instant as written
** (no time zone shift); undated documents sort last either way. */
static double date_key(const dp__segment *g, uint32_t doc, dp_sort sort)
{
    dp_date d;
    double t;
    dp__seg_doc_date(g, doc, &d);
    if (d.prec == DP_PREC_NONE)
        return -INFINITY;
    t = (double)dp__query_days(d.year, d.month ? d.month : 1,
                               d.day ? d.day : 1) * 86400.0;
    if (d.prec == DP_PREC_TIME)
        t += d.hour * 3600.0 + d.minute * 60.0 + d.second;
    return sort == DP_SORT_DATE_ASC ? -t : t;
}

/* The tight loop of a one-term query: block-max skipping on the term's
** own blocks, and a per-document bound from the block's shortest document
** before the length column is read. */
static int rank_single(const dp__segment *g, dp__postings *p, double idf,
                       double avgdl, size_t s, heap *h, uint64_t *seen,
                       bool *pruned)
{
    const double k1 = DP__BM25_K1, b = DP__BM25_B;
    const double idfk = idf * (k1 + 1), ka = k1 * (1 - b), kb = k1 * b / avgdl;
    double block_ub = 0, len_bound = 0;
    uint32_t t = 0, last = 0;
    bool have = false, step = false;
    int rc;

    for (;;) {
        dp__entry e;
        uint32_t d;
        double tf, dl;
        /* next is cheaper than a skip-list search for the following doc */
        rc = step ? dp__postings_next(p) : dp__postings_advance(p, t);
        step = true;
        if (rc == DP_ENOTFOUND)
            return DP_OK;
        if (rc != DP_OK)
            return rc;
        d = dp__postings_doc(p);
        tf = dp__postings_freq(p);
        if (h->n == h->k) {
            if (!have || d > last) {
                dp__block_info bi;
                rc = dp__postings_block(p, d, &bi);
                if (rc != DP_OK)
                    return rc == DP_ENOTFOUND ? DP_OK : rc;
                last = bi.last_doc < d ? d : bi.last_doc;
                len_bound = ka + kb * bi.min_len;
                block_ub = idfk * bi.max_freq / (bi.max_freq + len_bound);
                have = true;
            }
            if (block_ub + 1e-9 <= h->e[0].key) {
                *pruned = true;
                if (last >= DP__DOC_END - 1)
                    return DP_OK;
                t = last + 1;
                step = false;
                continue;
            }
            if (idfk * tf / (tf + len_bound) + 1e-9 <= h->e[0].key) {
                *pruned = true;
                continue;
            }
        }
        dl = (double)dp__seg_doc_len(g, d);
        e.score = idf * (k1 + 1) * tf / (tf + k1 * (1 - b + b * dl / avgdl));
        e.key = e.score;
        e.addr = (uint64_t)s << 32 | d;
        (*seen)++;
        rc = heap_push(h, &e);
        if (rc != DP_OK)
            return rc;
        t = d + 1;
    }
}

/* The smallest frequency whose score bound at length bound L passes the
** floor of the kept top (floor > -inf), as rank_single's per-document
** test decides it (the same expression, so the same documents pass):
** UINT32_MAX when none can.  The bound grows with the frequency. */
static uint32_t single_tf_min(double idfk, double L, double floor)
{
    double f = floor - 1e-9;
    if (f <= 0)
        return 0;
    if (idfk <= f || f * L / (idfk - f) >= (double)DP__MAX_FREQ)
        return UINT32_MAX;
    uint32_t t = (uint32_t)(f * L / (idfk - f)) + 1;
    while (t > 1 && !(idfk * (t - 1) / ((t - 1) + L) + 1e-9 <= floor))
        t--;
    while (t < DP__MAX_FREQ && idfk * t / (t + L) + 1e-9 <= floor)
        t++;
    return t;
}

/* rank_single by whole blocks (a cursor without a form filter): a block
** whose bound cannot enter the top is passed undecoded, and in the others
** a document is looked at only when its frequency reaches the least that
** could (single_tf_min), a comparison per posting where rank_single pays
** a cursor step and a division.  The same documents are scored, in the
** same order, as by rank_single.  allow, when not NULL, is a bitmap of
** the documents that may be ranked (live ones only; rank_and_single).
** DP_EINVAL when the cursor cannot be walked so (it was moved already). */
static int rank_single_blocks(const dp__segment *g, dp__postings *p,
                              double idf, double avgdl, const uint64_t *allow,
                              size_t s, heap *h, uint64_t *seen, bool *pruned)
{
    const double k1 = DP__BM25_K1, b = DP__BM25_B;
    const double idfk = idf * (k1 + 1), ka = k1 * (1 - b), kb = k1 * b / avgdl;
    const uint16_t *dlen;
    int rc = dp__seg_doc_lens(g, &dlen);

    while (rc == DP_OK) {
        dp__block_info bi;
        const uint32_t *docs, *freqs;
        uint32_t n;
        rc = dp__postings_peek_block(p, &bi);
        if (rc != DP_OK)
            break;
        double len_bound = ka + kb * bi.min_len;
        bool full = h->n == h->k;
        if (full && idfk * bi.max_freq / (bi.max_freq + len_bound) + 1e-9 <=
                        h->e[0].key) {
            *pruned = true;
            rc = dp__postings_pass_block(p);
            continue;
        }
        rc = dp__postings_take_block(p, &docs, &freqs, &n);
        if (rc != DP_OK)
            break;
        uint32_t tf_min =
            full ? single_tf_min(idfk, len_bound, h->e[0].key) : 0;
        for (uint32_t i = 0; i < n && rc == DP_OK; i++) {
            if (freqs[i] < tf_min) {
                *pruned = true;
                continue;
            }
            uint32_t d = docs[i];
            if (allow ? !((allow[d >> 6] >> (d & 63)) & 1)
                      : dp__seg_is_deleted(g, d))
                continue;
            double tf = freqs[i], dl = dp__seg_doc_len_in(g, dlen, d);
            dp__entry e;
            e.score = idf * (k1 + 1) * tf / (tf + k1 * (1 - b + b * dl / avgdl));
            e.key = e.score;
            e.addr = (uint64_t)s << 32 | d;
            (*seen)++;
            rc = heap_push(h, &e);
            if (h->n == h->k)
                tf_min = single_tf_min(idfk, len_bound, h->e[0].key);
        }
    }
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

/* One word with NOTs and filters ("monde -france", "monde date:2015"):
** the AND's matches as a bitmap of its lists when it is dense enough
** (dp__mt_live_bitmap, as for its count), their number the total, and the
** word ranked by its blocks as alone (rank_single_blocks) over the
** documents of the bitmap.  The walk (rank_segment) moved the word's
** cursor and checked the NOT's list on every document of the word, and
** scored every match.  The word is the only scoring leaf, so the scores
** are rank_segment's, in the same order.  DP_ENOTFOUND when m is not
** such an AND, or not dense enough for a bitmap. */
static int rank_and_single(dp__mt *m, const dp__segment *g, double avgdl,
                           size_t s, heap *h, uint64_t *seen)
{
    dp__term_info ti;
    dp__postings *p = NULL;
    uint64_t *bm = NULL, ranked = 0;
    uint32_t nw;
    double idf;
    bool pruned = false;
    int rc = dp__mt_and_single(m, &ti, &idf);
    if (rc == DP_OK)
        rc = dp__mt_live_bitmap(m, &bm, &nw);
    if (rc != DP_OK)
        return rc;
    for (uint32_t w = 0; w < nw; w++) /* the total: not what is ranked */
        *seen += (uint64_t)__builtin_popcountll(bm[w]);
    rc = dp__postings_open(g, &ti, -1, DP__POST_FREQS, &p);
    if (rc == DP_OK)
        rc = rank_single_blocks(g, p, idf, avgdl, bm, s, h, &ranked, &pruned);
    dp__postings_free(p);
    dp__free(bm);
    return rc;
}

/* MaxScore over an OR of leaves: kids sorted by their score bound; the
** prefix of kids whose bounds sum to at most the worst kept score cannot
** make a hit alone, so candidates come from the other ("essential") kids
** only and the rest are probed with advance, most promising first, while
** the score can still beat the worst kept one. */
static int rank_maxscore(dp__mt **kids, uint32_t n, size_t s, heap *h,
                         uint64_t *seen, bool *pruned)
{
    dp__mt *stack_k[16], **k = stack_k;
    double stack_u[17], *cum = stack_u; /* cum[i] = sum of ub of k[0..i) */
    uint32_t t = 0;
    int rc = DP_OK;

    if (n > 16) {
        k = dp__malloc(n * sizeof *k);
        cum = dp__malloc((n + 1) * sizeof *cum);
        if (k == NULL || cum == NULL) {
            rc = DP_ENOMEM;
            goto cleanup;
        }
    }
    for (uint32_t i = 0; i < n; i++) { /* insertion sort by bound */
        uint32_t j = i;
        double u = dp__mt_leaf_ub(kids[i]);
        while (j > 0 && dp__mt_leaf_ub(k[j - 1]) > u) {
            k[j] = k[j - 1];
            j--;
        }
        k[j] = kids[i];
    }
    cum[0] = 0;
    for (uint32_t i = 0; i < n; i++)
        cum[i + 1] = cum[i] + dp__mt_leaf_ub(k[i]);
    for (;;) {
        double theta = h->n == h->k ? h->e[0].key : -1, sc = 0, norm;
        uint32_t ess = 0, d = DP__DOC_END, kd;
        dp__entry e;
        while (h->n == h->k && ess < n && cum[ess + 1] + 1e-9 <= theta)
            ess++;
        if (ess == n)
            break;
        if (ess > 0)
            *pruned = true;
        for (uint32_t i = ess; i < n; i++) {
            rc = dp__mt_advance(k[i], t, &kd);
            if (rc != DP_OK)
                goto cleanup;
            d = kd < d ? kd : d;
        }
        if (d == DP__DOC_END)
            break;
        norm = dp__mt_norm(k[ess], d);
        for (uint32_t i = ess; i < n && rc == DP_OK; i++) {
            double x;
            rc = dp__mt_leaf_score(k[i], d, norm, &x);
            sc += x;
        }
        for (uint32_t i = ess; i-- > 0 && rc == DP_OK;) {
            double x = 0; /* read below even when rc is an error */
            if (h->n == h->k && sc + cum[i + 1] + 1e-9 <= theta)
                break; /* cannot enter: the order is decided */
            rc = dp__mt_advance(k[i], d, &kd);
            if (rc == DP_OK)
                rc = dp__mt_leaf_score(k[i], d, norm, &x);
            sc += x;
        }
        if (rc != DP_OK)
            goto cleanup;
        e.score = e.key = sc;
        e.addr = (uint64_t)s << 32 | d;
        (*seen)++;
        rc = heap_push(h, &e);
        if (rc != DP_OK)
            goto cleanup;
        t = d + 1;
    }
cleanup:
    if (k != stack_k) {
        dp__free(k);
        dp__free(cum);
    }
    return rc;
}

/* An OR of single terms, with the exact total: every document of the
** union is visited anyway (to be counted), so the cursors are walked with
** next() in one merge, and a document is scored only when the bound of
** the terms on it (their tf at the shortest length) can beat the worst
** kept score.  The score is computed as dp__mt_score does (same terms,
** same order, same expression), so that every path ranks ties alike. */
#define OR_TERMS_MAX 16
typedef struct or_walk {
    dp__postings *p[OR_TERMS_MAX];
    double idf[OR_TERMS_MAX];
    uint32_t cur[OR_TERMS_MAX]; /* doc of each cursor, DP__DOC_END at end */
    uint32_t n;
} or_walk;

static int or_next(or_walk *w, uint32_t i)
{
    int rc = dp__postings_next(w->p[i]);
    if (rc != DP_OK && rc != DP_ENOTFOUND)
        return rc;
    w->cur[i] = rc == DP_OK ? dp__postings_doc(w->p[i]) : DP__DOC_END;
    return DP_OK;
}

/* The two halves of BM25 that every ranking of an OR of terms computes
** alike (rank_or_terms, rank_maxscore_terms, rank_or_bulk), so that all
** give the same scores to the bit and rank ties alike: a document's norm,
** k1 (1 - b + b dl / avgdl), the smallest being k1 (1 - b); and a term's
** score at frequency tf. */
static inline double or_norm(double dl, double avgdl)
{
    return DP__BM25_K1 * (1 - DP__BM25_B + DP__BM25_B * dl / avgdl);
}

static inline double or_term_score(double idf, double tf, double norm)
{
    return idf * (DP__BM25_K1 + 1) * tf / (tf + norm);
}

/* BM25 of d summed over the terms on it (or_norm); with the smallest
** norm, a bound of it. */
static double or_score(const or_walk *w, uint32_t d, double norm)
{
    double sc = 0;
    for (uint32_t i = 0; i < w->n; i++)
        if (w->cur[i] == d)
            sc += or_term_score(w->idf[i], dp__postings_freq(w->p[i]), norm);
    return sc;
}

static int rank_or_terms(const dp__segment *g, dp__mt **kids, uint32_t n,
                         double avgdl, size_t s, heap *h, uint64_t *seen)
{
    or_walk w;
    int rc = DP_OK;

    w.n = n;
    for (uint32_t i = 0; i < n && rc == DP_OK; i++) {
        rc = dp__mt_single(kids[i], &w.p[i], &w.idf[i]);
        if (rc == DP_OK)
            rc = or_next(&w, i);
    }
    while (rc == DP_OK) {
        uint32_t d = DP__DOC_END;
        for (uint32_t i = 0; i < n; i++)
            d = w.cur[i] < d ? w.cur[i] : d;
        if (d == DP__DOC_END)
            break;
        (*seen)++;
        if (h->n < h->k ||
            or_score(&w, d, or_norm(0, avgdl)) + 1e-9 > h->e[0].key) {
            double dl = (double)dp__seg_doc_len(g, d);
            dp__entry e;
            e.score = e.key = or_score(&w, d, or_norm(dl, avgdl));
            e.addr = (uint64_t)s << 32 | d;
            rc = heap_push(h, &e);
        }
        for (uint32_t i = 0; i < n && rc == DP_OK; i++)
            if (w.cur[i] == d)
                rc = or_next(&w, i);
    }
    return rc;
}

/* The exact OR of whole terms, as rank_or_terms ranks it, a window of
** documents at a time (Lucene's BooleanScorer does the same): each term's
** blocks are taken whole (dp__postings_take_block) and its BM25 added to
** the score of each of its documents in the window, then the window's
** documents are counted and offered to the heap in docid order.  A merge
** of the cursors costs a call and a comparison per cursor for every
** document of the union; here a document costs its terms' postings and
** one bit.  Each score is the same sum, in the same order of terms, of
** the same expression as or_score's, so the hits and their order are
** rank_or_terms's.  Every posting is scored: keeping the frequencies
** instead and scoring only the documents whose bound can enter the top,
** as rank_or_terms does, was 1.4x slower ("professeurs OR dites OR
** directement" at ten times Le Monde, 1.10 against 0.78 ms), the
** divisions of the scores costing less than the loop over the terms of
** each document. */
#define OR_WINDOW 2048

typedef struct or_list {
    dp__postings *p;
    double idf;
    const uint32_t *docs, *freqs; /* the taken block */
    uint32_t i, n;                /* docs[i..n) not yet scored */
    bool end;
    /* a cursor that cannot give whole blocks (one keeping a surface form
    ** of its term) is walked, its posting given as a block of one */
    bool walk, walked;
    uint32_t one_doc, one_freq;
} or_list;

typedef struct or_bulk {
    const dp__segment *g;
    const uint16_t *dlen;         /* dp__seg_doc_lens */
    double avgdl;
    or_list l[OR_TERMS_MAX];
    double score[OR_WINDOW];      /* 0 unless the document's bit is set */
    uint64_t hit[OR_WINDOW / 64]; /* documents of the window in a list */
} or_bulk;

/* The walked cursor's next posting, as a block of one. */
static int or_list_step(or_list *l)
{
    int rc = l->walked ? dp__postings_next(l->p) : dp__postings_advance(l->p, 0);
    l->walked = true;
    if (rc == DP_OK) {
        l->one_doc = dp__postings_doc(l->p);
        l->one_freq = dp__postings_freq(l->p);
        l->docs = &l->one_doc;
        l->freqs = &l->one_freq;
        l->n = 1;
    }
    return rc;
}

/* Make docs[i] the list's next document unless it has none left. */
static int or_list_fill(or_list *l)
{
    while (l->i >= l->n && !l->end) {
        int rc = l->walk ? or_list_step(l)
                         : dp__postings_take_block(l->p, &l->docs, &l->freqs,
                                                   &l->n);
        if (rc == DP_EINVAL && !l->walk && !l->walked) {
            l->walk = true; /* a form's cursor: no whole blocks */
            continue;
        }
        l->i = 0;
        if (rc == DP_ENOTFOUND) {
            l->n = 0;
            l->end = true;
        } else if (rc != DP_OK) {
            return rc;
        }
    }
    return DP_OK;
}

/* Add list l's scores of the documents below lim (>= base) to the
** window. */
static int or_list_score(or_bulk *b, or_list *l, uint32_t base, uint32_t lim)
{
    int rc;
    while ((rc = or_list_fill(l)) == DP_OK && l->i < l->n &&
           l->docs[l->i] < lim) {
        uint32_t stop = l->n;
        while (l->i < stop && l->docs[l->i] < lim) {
            uint32_t d = l->docs[l->i], o = d - base;
            double dl = (double)dp__seg_doc_len_in(b->g, b->dlen, d);
            /* the window's scores start at 0 and 0 + x is x: no branch
            ** on whether d is new (a coin toss per posting) */
            b->score[o] += or_term_score(l->idf, l->freqs[l->i],
                                         or_norm(dl, b->avgdl));
            b->hit[o >> 6] |= 1ull << (o & 63);
            l->i++;
        }
    }
    return rc;
}

/* Count the window's live documents and offer them to the heap; leave
** the window empty for the next. */
static int or_window_flush(or_bulk *b, uint32_t base, uint32_t lim, size_t s,
                           heap *h, uint64_t *seen)
{
    uint64_t live = 0;
    int rc = DP_OK;
    for (uint32_t d = dp__seg_next_deleted(b->g, base); d < lim;
         d = dp__seg_next_deleted(b->g, d + 1)) {
        b->hit[(d - base) >> 6] &= ~(1ull << ((d - base) & 63));
        b->score[d - base] = 0;
    }
    for (uint32_t w = 0; w < OR_WINDOW / 64; w++) {
        for (uint64_t x = b->hit[w]; x != 0; x &= x - 1) {
            uint32_t o = w * 64 + (uint32_t)__builtin_ctzll(x);
            live++;
            if (rc == DP_OK && (h->n < h->k || b->score[o] > h->e[0].key)) {
                dp__entry e;
                e.score = e.key = b->score[o];
                e.addr = (uint64_t)s << 32 | (base + o);
                rc = heap_push(h, &e);
            }
            b->score[o] = 0;
        }
        b->hit[w] = 0;
    }
    *seen += live;
    return rc;
}

static int rank_or_bulk(const dp__segment *g, dp__mt **kids, uint32_t n,
                        double avgdl, size_t s, heap *h, uint64_t *seen)
{
    uint32_t ndocs = dp__seg_ndocs(g);
    or_bulk *b = dp__calloc(1, sizeof *b); /* 18 kB: not on the stack */
    int rc;

    if (b == NULL)
        return DP_ENOMEM;
    b->g = g;
    b->avgdl = avgdl;
    rc = dp__seg_doc_lens(g, &b->dlen);
    for (uint32_t i = 0; i < n && rc == DP_OK; i++)
        rc = dp__mt_single(kids[i], &b->l[i].p, &b->l[i].idf);
    while (rc == DP_OK) {
        uint32_t first = DP__DOC_END, base, lim;
        for (uint32_t i = 0; i < n && rc == DP_OK; i++) {
            or_list *l = &b->l[i];
            rc = or_list_fill(l);
            if (rc == DP_OK && l->i < l->n && l->docs[l->i] < first)
                first = l->docs[l->i];
        }
        if (rc != DP_OK || first == DP__DOC_END || first >= ndocs)
            break;
        base = first - first % OR_WINDOW;
        lim = ndocs - base > OR_WINDOW ? base + OR_WINDOW : ndocs;
        for (uint32_t i = 0; i < n && rc == DP_OK; i++)
            rc = or_list_score(b, &b->l[i], base, lim);
        if (rc == DP_OK)
            rc = or_window_flush(b, base, lim, s, h, seen);
    }
    dp__free(b);
    return rc;
}

/* A term of several cursors (a prefix: `europ*` is every term beginning
** so, `a*` thousands of them) ranked as rank_or_bulk ranks an OR: a
** window of documents at a time, each list's postings adding their
** frequencies to their documents' tf, then the window's live documents
** counted, scored and offered to the heap in docid order.  The generic
** walk (rank_segment) moved every cursor for every document, a cost of
** the number of cursors per document: on ten times Le Monde `a*` took
** 21 s, `con*` 0.9 s.  The score is dp__mt_score's expression on the same
** sum of frequencies (exact in a double), so the hits and their order are
** the walk's. */
#define ATOM_WINDOW 2048

/* Add list l's frequencies of the documents below lim (>= base). */
static int atom_list_add(or_list *l, uint32_t *tf, uint64_t *hit,
                         uint32_t base, uint32_t lim)
{
    int rc;
    while ((rc = or_list_fill(l)) == DP_OK && l->i < l->n &&
           l->docs[l->i] < lim) {
        for (; l->i < l->n && l->docs[l->i] < lim; l->i++) {
            uint32_t o = l->docs[l->i] - base;
            tf[o] += l->freqs[l->i];
            hit[o >> 6] |= 1ull << (o & 63);
        }
    }
    return rc;
}

typedef struct atom_bulk {
    const dp__segment *g;
    const uint16_t *dlen; /* dp__seg_doc_lens */
    double idf, avgdl;
    uint32_t tf[ATOM_WINDOW];          /* 0 unless the bit is set */
    uint64_t hit[ATOM_WINDOW / 64];
} atom_bulk;

/* Score the window's live documents into the heap and count them; leave
** the window empty for the next. */
static int atom_window_flush(atom_bulk *b, uint32_t base, uint32_t lim,
                             size_t s, heap *h, uint64_t *seen)
{
    const double k1 = DP__BM25_K1, bb = DP__BM25_B;
    int rc = DP_OK;
    for (uint32_t d = dp__seg_next_deleted(b->g, base); d < lim;
         d = dp__seg_next_deleted(b->g, d + 1)) {
        b->hit[(d - base) >> 6] &= ~(1ull << ((d - base) & 63));
        b->tf[d - base] = 0;
    }
    for (uint32_t w = 0; w < ATOM_WINDOW / 64; w++) {
        for (uint64_t x = b->hit[w]; x != 0; x &= x - 1) {
            uint32_t o = w * 64 + (uint32_t)__builtin_ctzll(x);
            double tf = b->tf[o];
            double dl = (double)dp__seg_doc_len_in(b->g, b->dlen, base + o);
            double norm = k1 * (1 - bb + bb * dl / b->avgdl);
            dp__entry e;
            e.score = e.key = b->idf * (k1 + 1) * tf / (tf + norm);
            e.addr = (uint64_t)s << 32 | (base + o);
            (*seen)++;
            if (rc == DP_OK)
                rc = heap_push(h, &e);
            b->tf[o] = 0;
        }
        b->hit[w] = 0;
    }
    return rc;
}

static int rank_atom_bulk(const dp__segment *g, dp__postings **curs,
                          uint32_t n, double idf, double avgdl, size_t s,
                          heap *h, uint64_t *seen)
{
    uint32_t ndocs = dp__seg_ndocs(g);
    atom_bulk *b = dp__calloc(1, sizeof *b); /* 8.5 kB: not on the stack */
    or_list *l = dp__calloc(n, sizeof *l);
    int rc = b && l ? DP_OK : DP_ENOMEM;

    if (rc == DP_OK) {
        b->g = g;
        b->idf = idf;
        b->avgdl = avgdl;
        rc = dp__seg_doc_lens(g, &b->dlen);
    }
    for (uint32_t i = 0; i < n && rc == DP_OK; i++)
        l[i].p = curs[i];
    while (rc == DP_OK) {
        uint32_t first = DP__DOC_END, base, lim;
        for (uint32_t i = 0; i < n && rc == DP_OK; i++) {
            rc = or_list_fill(&l[i]);
            if (rc == DP_OK && l[i].i < l[i].n && l[i].docs[l[i].i] < first)
                first = l[i].docs[l[i].i];
        }
        if (rc != DP_OK || first == DP__DOC_END || first >= ndocs)
            break;
        base = first - first % ATOM_WINDOW;
        lim = ndocs - base > ATOM_WINDOW ? base + ATOM_WINDOW : ndocs;
        for (uint32_t i = 0; i < n && rc == DP_OK; i++)
            rc = atom_list_add(&l[i], b->tf, b->hit, base, lim);
        if (rc == DP_OK)
            rc = atom_window_flush(b, base, lim, s, h, seen);
    }
    dp__free(l);
    dp__free(b);
    return rc;
}

/* Bound of term i's score on its current doc: at the shortest length. */
static double or_term_bound(const or_walk *w, uint32_t i)
{
    return or_term_score(w->idf[i], dp__postings_freq(w->p[i]),
                         or_norm(0, 1));
}

/* MaxScore over an OR of single terms (no_total), on their cursors as
** rank_or_terms walks them: the generic rank_maxscore calls through the
** matchers per document and, while the bounds prune nothing (terms of
** similar frequency, which is common), was slower than the plain merge
** (half the OR queries of the benchmark, up to 1.8x).  Here the
** essential terms are merged with next(), a document is passed when the
** bound of the terms on it (at the shortest length) plus the bounds of
** the others cannot beat the worst kept score, before its length is
** read, and the others are probed with advance(), largest bound first.
** The score pushed is or_score's, as in rank_or_terms, so that both
** paths rank ties alike. */
static int rank_maxscore_terms(const dp__segment *g, dp__mt **kids,
                               uint32_t n, double avgdl, size_t s, heap *h,
                               uint64_t *seen, bool *pruned)
{
    uint32_t ord[OR_TERMS_MAX]; /* term indexes by increasing bound */
    double cum[OR_TERMS_MAX + 1];   /* cum[j]: bounds of ord[0..j) */
    or_walk w;
    int rc = DP_OK;

    w.n = n;
    for (uint32_t i = 0; i < n && rc == DP_OK; i++) {
        uint32_t j = i;
        rc = dp__mt_single(kids[i], &w.p[i], &w.idf[i]);
        if (rc == DP_OK)
            rc = or_next(&w, i);
        while (j > 0 && dp__mt_leaf_ub(kids[ord[j - 1]]) >
                            dp__mt_leaf_ub(kids[i])) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = i;
    }
    cum[0] = 0;
    for (uint32_t j = 0; j < n; j++)
        cum[j + 1] = cum[j] + dp__mt_leaf_ub(kids[ord[j]]);
    uint32_t ess = 0; /* ord[0..ess) are not essential */
    while (rc == DP_OK) {
        bool full = h->n == h->k;
        double theta = full ? h->e[0].key : -1, sc = 0;
        while (full && ess < n && cum[ess + 1] + 1e-9 <= theta)
            ess++;
        if (ess == n)
            break;
        uint32_t d = DP__DOC_END;
        for (uint32_t j = ess; j < n; j++)
            d = w.cur[ord[j]] < d ? w.cur[ord[j]] : d;
        if (d == DP__DOC_END)
            break;
        for (uint32_t j = ess; j < n; j++)
            if (w.cur[ord[j]] == d)
                sc += or_term_bound(&w, ord[j]);
        bool in = !full || sc + cum[ess] + 1e-9 > theta;
        for (uint32_t j = ess; in && j-- > 0;) { /* probe, largest first */
            uint32_t i = ord[j];
            if (full && sc + cum[j + 1] + 1e-9 <= theta) {
                in = false;
                break;
            }
            if (w.cur[i] < d) {
                int r = dp__postings_advance(w.p[i], d);
                if (r != DP_OK && r != DP_ENOTFOUND) {
                    rc = r;
                    break;
                }
                w.cur[i] = r == DP_OK ? dp__postings_doc(w.p[i]) : DP__DOC_END;
            }
            if (w.cur[i] == d)
                sc += or_term_bound(&w, i);
        }
        if (in && rc == DP_OK) {
            double dl = (double)dp__seg_doc_len(g, d);
            dp__entry e;
            e.score = e.key = or_score(&w, d, or_norm(dl, avgdl));
            e.addr = (uint64_t)s << 32 | d;
            (*seen)++;
            rc = heap_push(h, &e);
        } else if (rc == DP_OK) {
            *pruned = true;
        }
        for (uint32_t j = ess; j < n && rc == DP_OK; j++)
            if (w.cur[ord[j]] == d)
                rc = or_next(&w, ord[j]);
    }
    return rc;
}

/* Are the kids of an OR all single terms that rank_or_terms can walk? */
static bool or_of_terms(dp__mt **kids, uint32_t n)
{
    if (n > OR_TERMS_MAX)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        dp__postings *p;
        double idf;
        if (dp__mt_single(kids[i], &p, &idf) != DP_OK)
            return false;
    }
    return true;
}

/* Walk one segment, ranking.  With `count`, every match is visited and
** counted in *seen (the exact total without a second pass: a document the
** bound rules out is counted, not scored), else the walk jumps past the
** blocks the bound rules out and *pruned is set. */
static int rank_segment(dp__mt *m, size_t s, heap *h, bool count,
                        uint64_t *seen, bool *pruned)
{
    uint32_t t = 0, d, last = 0;
    double ub = 0;
    bool have_bound = false;
    int rc;

    /* a later segment starts with the top already full */
    if (!count && h->n == h->k && h->k > 0)
        dp__mt_set_floor(m, h->e[0].key);
    for (;;) {
        dp__entry e;
        rc = dp__mt_advance(m, t, &d);
        if (rc != DP_OK || d == DP__DOC_END)
            return rc;
        if (h->n == h->k) {
            if (!have_bound || d > last) {
                rc = dp__mt_bound(m, d, &ub, &last);
                if (rc != DP_OK)
                    return rc;
                have_bound = true;
            }
            if (ub + 1e-9 <= h->e[0].key) {
                if (count) {
                    (*seen)++;
                    t = d + 1;
                    continue;
                }
                *pruned = true;
                t = last >= DP__DOC_END - 1 ? DP__DOC_END : last + 1;
                continue;
            }
            /* a phrase: its bound on d spares looking for its other
            ** occurrences there (the match itself is known) */
            double dub;
            if (dp__mt_doc_bound(m, d, &dub) == DP_OK &&
                dub + 1e-9 <= h->e[0].key) {
                (*seen)++;
                t = d + 1;
                continue;
            }
        }
        rc = dp__mt_score(m, d, &e.score);
        if (rc != DP_OK)
            return rc;
        e.key = e.score;
        e.addr = (uint64_t)s << 32 | d;
        (*seen)++;
        rc = heap_push(h, &e);
        if (rc != DP_OK)
            return rc;
        if (!count && h->n == h->k)
            dp__mt_set_floor(m, h->e[0].key);
        t = d + 1;
    }
}

static int date_segment(dp__mt *m, const dp__segment *g, size_t s,
                        dp_sort sort, heap *h, uint64_t *seen)
{
    uint32_t t = 0, d;
    int rc;

    for (;;) {
        dp__entry e;
        rc = dp__mt_advance(m, t, &d);
        if (rc != DP_OK || d == DP__DOC_END)
            return rc;
        (*seen)++;
        e.score = 0;
        e.addr = (uint64_t)s << 32 | d;
        e.key = date_key(g, d, sort);
        rc = heap_push(h, &e);
        if (rc != DP_OK)
            return rc;
        t = d + 1;
    }
}

/* Count the matches of q in snap. */
static int count_snap(dp__eval *ev, uint64_t *out)
{
    uint64_t total = 0;
    int rc = DP_OK;

    for (size_t s = 0; s < dp__snap_nsegs(ev->snap) && rc == DP_OK; s++) {
        dp__mt *m;
        uint64_t c;
        uint32_t d, t = 0;
        rc = dp__mt_build(ev, dp__snap_seg(ev->snap, s), false, &m);
        if (rc != DP_OK)
            break;
        uint64_t *bm;
        uint32_t nw;
        if (dp__mt_fast_count(m, &c) == DP_OK) {
            total += c;
        } else if ((rc = dp__mt_live_bitmap(m, &bm, &nw)) == DP_OK) {
            for (uint32_t i = 0; i < nw; i++)
                total += (uint64_t)__builtin_popcountll(bm[i]);
            dp__free(bm);
        } else if (rc == DP_ENOTFOUND) {
            while ((rc = dp__mt_advance(m, t, &d)) == DP_OK &&
                   d != DP__DOC_END) {
                total++;
                t = d + 1;
            }
        }
        dp__mt_free(m);
    }
    *out = total;
    return rc;
}

int dp_count(dp_archive *ar, const dp_query *q, uint64_t *out)
{
    dp__snap *snap = NULL;
    dp__eval ev;
    int rc;

    *out = 0;
    if (ar == NULL || q == NULL)
        return DP_EINVAL;
    rc = dp__snap_open(ar, &snap);
    if (rc != DP_OK)
        return rc;
    rc = dp__eval_init(&ev, q, snap);
    if (rc == DP_OK)
        rc = count_snap(&ev, out);
    dp__eval_free(&ev);
    dp__snap_close(snap);
    return rc;
}

/* Does MaxScore pay for an OR of single terms without the total?  It
** stops walking a term's list once the term alone cannot make the top,
** which needs a term far below the others.  Of the 50 ORs of the
** benchmark's query set at ten times Le Monde (bench/peers; medians of
** five processes), MaxScore beat rank_or_bulk on 5 of the 7 two-term ones
** whose idfs differ by 1.5 times or more ("sars OR coups" 0.20 against
** 0.67 ms), on 2 of the 19 other two-term ones (by up to 1.75x) and on
** 2 of the 24 three-term ones (by up to 1.2x), and was slower on the 39
** others, by up to 4.4x.  So: two terms, one of them 1.5 times the
** other's idf. */
static bool maxscore_pays(dp__mt **kids, uint32_t n)
{
    dp__postings *p;
    double a, b;
    if (n != 2 || dp__mt_single(kids[0], &p, &a) != DP_OK ||
        dp__mt_single(kids[1], &p, &b) != DP_OK)
        return false;
    return a >= 1.5 * b || b >= 1.5 * a;
}

/* An OR of single terms (or_of_terms): in windows from whole blocks when
** its lists are whole, else a merge of its cursors; without the total,
** MaxScore when it pays (or the lists are not whole). */
static int rank_or(dp__mt *m, const dp__segment *g, dp__mt **kids,
                   uint32_t n, double avgdl, size_t s, heap *h, bool no_total,
                   uint64_t *seen, bool *pruned)
{
    bool whole = dp__mt_whole_lists(m);
    if (no_total && (!whole || maxscore_pays(kids, n)))
        return rank_maxscore_terms(g, kids, n, avgdl, s, h, seen, pruned);
    return whole ? rank_or_bulk(g, kids, n, avgdl, s, h, seen)
                 : rank_or_terms(g, kids, n, avgdl, s, h, seen);
}

static int run(dp__eval *ev, const dp_search_options *o, heap *h,
               uint64_t *total)
{
    uint64_t seen = 0;
    bool pruned = false;
    int rc = DP_OK;

    if (h->k == 0 && o->sort == DP_SORT_SCORE) /* limit 0: the total only */
        return o->no_total ? DP_OK : count_snap(ev, total);

    for (size_t s = 0; s < dp__snap_nsegs(ev->snap) && rc == DP_OK; s++) {
        const dp__segment *g = dp__snap_seg(ev->snap, s);
        dp__mt *m;
        rc = dp__mt_build(ev, g, true, &m);
        if (rc != DP_OK)
            break;
        dp__postings *p, **curs;
        dp__mt **kids;
        uint32_t nk, nc;
        double idf;
        if (o->sort == DP_SORT_SCORE && dp__mt_single(m, &p, &idf) == DP_OK)
        {
            rc = rank_single_blocks(g, p, idf, ev->avgdl, NULL, s, h, &seen,
                                    &pruned);
            if (rc == DP_EINVAL) /* a form's cursor, or one moved */
                rc = rank_single(g, p, idf, ev->avgdl, s, h, &seen, &pruned);
        }
        else if (o->sort == DP_SORT_SCORE &&
                 dp__mt_atom_lists(m, &curs, &nc, &idf) == DP_OK)
            rc = rank_atom_bulk(g, curs, nc, idf, ev->avgdl, s, h, &seen);
        else if (o->sort == DP_SORT_SCORE &&
                 (rc = rank_and_single(m, g, ev->avgdl, s, h, &seen)) !=
                     DP_ENOTFOUND)
            ; /* ranked, or failed */
        else if (o->sort == DP_SORT_SCORE &&
                 dp__mt_or_leaves(m, &kids, &nk) == DP_OK &&
                 or_of_terms(kids, nk))
            rc = rank_or(m, g, kids, nk, ev->avgdl, s, h, o->no_total,
                         &seen, &pruned);
        else if (o->sort == DP_SORT_SCORE && o->no_total &&
                 dp__mt_or_leaves(m, &kids, &nk) == DP_OK)
            rc = rank_maxscore(kids, nk, s, h, &seen, &pruned);
        else if (o->sort == DP_SORT_SCORE)
            rc = rank_segment(m, s, h, !o->no_total, &seen, &pruned);
        else
            rc = date_segment(m, g, s, o->sort, h, &seen);
        dp__mt_free(m);
    }
    if (rc == DP_OK && pruned && !o->no_total)
        return count_snap(ev, total);
    *total = seen;
    return rc;
}

int dp_search(dp_archive *ar, const dp_query *q, const dp_search_options *opts,
              dp_results **out)
{
    dp_search_options def = DP_SEARCH_OPTIONS_INIT;
    dp_results *r = NULL;
    heap h = {NULL, 0, 0, 0};
    dp__eval ev;
    int rc;

    *out = NULL;
    if (opts == NULL)
        opts = &def;
    if (ar == NULL || q == NULL || opts->version != DP_SEARCH_OPTIONS_VERSION ||
        opts->sort > DP_SORT_DATE_DESC)
        return DP_EINVAL;
    r = dp__calloc(1, sizeof *r);
    if (r == NULL)
        return DP_ENOMEM;
    r->q = q;
    rc = dp__snap_open(ar, &r->snap);
    if (rc != DP_OK) {
        dp__free(r);
        return rc;
    }
    memset(&ev, 0, sizeof ev);
    rc = dp__eval_init(&ev, q, r->snap);
    if (rc == DP_OK) {
        uint64_t k = opts->limit > UINT64_MAX - opts->offset
                         ? UINT64_MAX : opts->offset + opts->limit;
        uint64_t live = dp__snap_live_docs(r->snap);
        h.k = (size_t)(k < live ? k : live);
        if (opts->limit == 0)
            h.k = 0;
        rc = run(&ev, opts, &h, &r->total);
    }
    dp__eval_free(&ev);
    if (rc == DP_OK) {
        if (h.n > 1)
            qsort(h.e, h.n, sizeof *h.e, cmp_best_first);
        if (h.n > opts->offset) {
            r->n = h.n - (size_t)opts->offset;
            memmove(h.e, h.e + opts->offset, r->n * sizeof *h.e);
        }
        r->hits = h.e;
        h.e = NULL;
        r->store = dp__calloc(r->n + 1, sizeof *r->store);
        if (r->store == NULL)
            rc = DP_ENOMEM;
    }
    dp__free(h.e);
    if (rc != DP_OK) {
        dp_results_free(r);
        return rc;
    }
    *out = r;
    return DP_OK;
}

size_t dp_results_count(const dp_results *r) { return r ? r->n : 0; }
uint64_t dp_results_total(const dp_results *r) { return r ? r->total : 0; }

/* Segment and docid of hit i. */
int dp__results_doc(dp_results *r, size_t i, const dp__segment **g,
                    uint32_t *doc)
{
    if (r == NULL || i >= r->n)
        return DP_ENOTFOUND;
    *g = dp__snap_seg(r->snap, (size_t)(r->hits[i].addr >> 32));
    *doc = (uint32_t)r->hits[i].addr;
    return DP_OK;
}

static int load_hit(dp_results *r, size_t i)
{
    dp__hit_store *st = &r->store[i];
    const dp__segment *g;
    dp_record rec;
    uint32_t doc;
    char *b;
    int rc = dp__results_doc(r, i, &g, &doc);

    if (rc != DP_OK)
        return rc;
    rc = dp__seg_fetch(g, doc, &r->fetch, &rec);
    if (rc != DP_OK)
        return rc;
    b = dp__malloc(rec.title.n + rec.source.n + rec.lang.n + 3);
    if (b == NULL)
        return DP_ENOMEM;
    st->blob = b;
    memset(&st->hit, 0, sizeof st->hit);
    st->hit.doc = r->hits[i].addr;
    st->hit.score = r->hits[i].score;
    dp__seg_doc_date(g, doc, &st->hit.date);
    st->hit.id = dp__seg_doc_id(g, doc);
#define COPY(field)                                                          \
    do {                                                                 \
        if (rec.field.n)                                                 \
            memcpy(b, rec.field.p, rec.field.n);                         \
        b[rec.field.n] = '\0';                                           \
        st->hit.field.p = b;                                             \
        st->hit.field.n = rec.field.n;                                   \
        b += rec.field.n + 1;                                            \
    } while (0)
    COPY(title);
    COPY(source);
    COPY(lang);
#undef COPY
    st->loaded = true;
    return DP_OK;
}

int dp_results_id(const dp_results *r, size_t i, dp_slice *id)
{
    if (r == NULL || i >= r->n)
        return DP_ENOTFOUND;
    *id = dp__seg_doc_id(dp__snap_seg(r->snap, (size_t)(r->hits[i].addr >> 32)),
                         (uint32_t)r->hits[i].addr);
    return DP_OK;
}

int dp_results_hit(dp_results *r, size_t i, dp_hit *hit)
{
    int rc;
    if (r == NULL || i >= r->n)
        return DP_ENOTFOUND;
    if (!r->store[i].loaded) {
        rc = load_hit(r, i);
        if (rc != DP_OK)
            return rc;
    }
    *hit = r->store[i].hit;
    return DP_OK;
}

void dp_results_free(dp_results *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; r->store && i < r->n; i++)
        dp__free(r->store[i].blob);
    dp__free(r->store);
    dp__free(r->hits);
    dp__fetch_free(&r->fetch);
    dp__snippet_state_free(r);
    dp__snap_close(r->snap);
    dp__free(r);
}
