/*
** corpus.h -- internals of the corpus analyses (kwic.c, terms.c, cooc.c,
** freq.c), built on the archive (index.h) and the query engine (query.h).
**
** stats.c holds the scores (G2, Lafon's hypergeometric tails, PMI,
** t-score) as pure functions; corpus.c the machinery the four analyses
** share: a snapshot with an analyzer, the stop word terms of the
** archive's languages, the most frequent form of a term, the k-way merge
** of the segments' term dictionaries, the re-analysis of a stored
** document (positions back to byte offsets and sentences), the set of
** documents matching a query; occur.c the occurrences (position spans)
** of a query in a document, from the postings' positions.
*/
#ifndef DP_CORPUS_H
#define DP_CORPUS_H

#include "dp_int.h"

/**************************************************************************
** stats.c
*/

/* Natural log of P(X >= k) (upper != 0) or P(X <= k), X hypergeometric:
** t draws without replacement from T items of which F are marked.
** Summed from the largest term of the tail outward.  0 when the tail is
** the whole support, -INFINITY when it is empty. */
double dp__stats_hyper_ltail(double T, double F, double t, double k,
                             int upper);
/* Lafon's specificity of k occurrences in a part of t tokens, the term
** having F occurrences in T tokens: -log10 P(X >= k) when k >= F t / T,
** else log10 P(X <= k). */
double dp__stats_spec(double k, double t, double F, double T);
/* Signed G2 of the table (k, t - k; F - k, T - t - F + k): + when
** k > F t / T. */
double dp__stats_g2(double k, double t, double F, double T);
/* log2(O11 / E11); -INFINITY when O11 == 0. */
double dp__stats_pmi(double o11, double e11);
/* (O11 - E11) / sqrt(O11); 0 when O11 == 0. */
double dp__stats_tscore(double o11, double e11);

/**************************************************************************
** corpus.c
*/

/* A growable string set (open addressing) with a payload per string. */
typedef struct dp__strset {
    uint64_t *slot;        /* 0: empty, else hash << 32 | (index + 1) */
    size_t nslots;
    uint32_t *off, *len;   /* per item: bytes in `bytes` */
    uint32_t *hash;        /* per item: its hash, to skip most memcmp */
    uint64_t *val;         /* per item: payload */
    size_t n, cap;
    dp_buf bytes;
} dp__strset;

void dp__strset_free(dp__strset *s);
/* Index of s[0..n) or -1. */
long dp__strset_find(const dp__strset *s, const char *p, size_t n);
/* Add (or find) s[0..n): *index.  DP_OK or DP_ENOMEM. */
int dp__strset_add(dp__strset *s, const char *p, size_t n, size_t *index);
static inline dp_slice dp__strset_get(const dp__strset *s, size_t i)
{
    dp_slice r = {s->bytes.p + s->off[i], s->len[i]};
    return r;
}

typedef struct dp__corpus {
    dp_archive *ar;
    dp__snap *snap;
    dp_analyzer *an;
    int own_an;
    dp__strset stop_terms; /* stems of the stop words of the languages */
    dp__strset stop_forms; /* the stop words themselves */
    dp__fetch fetch;
} dp__corpus;

/* Snapshot ar and prepare stop words.  an may be NULL.  On failure
** everything is released.  DP_OK, DP_ENOMEM, DP_EIO, DP_ECORRUPT. */
int dp__corpus_open(dp__corpus *c, dp_archive *ar, dp_analyzer *an);
void dp__corpus_close(dp__corpus *c);

/* The most frequent form of term[0..n) over the snapshot's segments
** (ties: smaller bytes) into buf[DP__TERM_MAX]; *len its length.  When no
** segment holds the term, the term itself.  DP_OK or DP_ECORRUPT. */
int dp__corpus_top_form(dp__corpus *c, const char *term, size_t n,
                        char *buf, size_t *len);
/* Is term[0..n) a stop word (its most frequent form is one)? */
int dp__corpus_is_stop(dp__corpus *c, const char *term, size_t n,
                       bool *stop);

/* Exact occurrences and documents of a term over live documents (walks
** the postings of segments with deletions, reads the dictionary
** otherwise). */
int dp__corpus_term_counts(dp__corpus *c, const char *term, size_t n,
                           uint64_t *cf, uint64_t *df);

/* K-way merge of the segments' dictionaries: each call gives the next
** term in byte order and, for every segment s, have[s] and info[s]. */
typedef struct dp__termmerge {
    size_t nsegs;
    dp__term_iter **it;
    dp_slice *head;        /* current term of each iterator */
    dp__term_info *hinfo;
    bool *live;            /* iterator not at its end */
    bool *have;            /* out: segment s holds the term */
    dp__term_info *info;   /* out */
    char term[DP__TERM_MAX];
    size_t term_len;
} dp__termmerge;
int dp__termmerge_open(dp__corpus *c, dp__termmerge *m);
/* DP_OK, DP_ENOTFOUND at the end, DP_ECORRUPT. */
int dp__termmerge_next(dp__termmerge *m);
void dp__termmerge_close(dp__termmerge *m);

/* Set marks[seg][doc] = val for every live document matching q whose
** mark is still 0 (marks: one array of dp__seg_ndocs bytes per segment,
** the caller's).  *docs and *tokens are increased by the number and the
** summed lengths of the documents marked.  DP_OK, DP_ENOMEM,
** DP_ECORRUPT. */
int dp__corpus_mark(dp__corpus *c, const dp_query *q, uint8_t **marks,
                    uint8_t val, uint64_t *docs, uint64_t *tokens);

/* Move the best k of base[0..n) (cmp < 0: better) to the front, sorted;
** k == 0 means all.  Returns how many are in front (min(k, n)). */
size_t dp__corpus_topk(void *base, size_t n, size_t size, size_t k,
                       int (*cmp)(const void *, const void *, void *),
                       void *arg);

/* A re-analysed stored document. */
typedef struct dp__dtok {
    uint32_t pos;          /* index position */
    uint32_t start, end;   /* bytes in its field */
    uint32_t sent;         /* sentence number in the document */
    uint32_t form_off, term_off; /* into dp__doctext.strs */
    uint8_t form_len, term_len;
    uint8_t in_title;
    uint8_t flags;         /* DP_TOKEN_* */
} dp__dtok;

typedef struct dp__doctext {
    dp_record rec;         /* borrowed from the corpus' fetch */
    dp__doc_cols cols;
    dp__dtok *tok;         /* in position order (a compound follows its
                           ** first part) */
    size_t n, cap;
    dp_buf strs;
    uint32_t sent;         /* sentence counter while analysing */
    size_t prev_end;
    int rc;
    bool title;
} dp__doctext;

void dp__doctext_free(dp__doctext *d);
/* Fetch and analyse doc of g exactly as the writer did. */
int dp__doctext_load(dp__corpus *c, const dp__segment *g, uint32_t doc,
                     dp__doctext *d);
/* Index of the first token at position >= pos (n if none). */
size_t dp__doctext_find(const dp__doctext *d, uint32_t pos);
static inline dp_slice dp__doctext_field(const dp__doctext *d, bool title)
{
    return title ? d->rec.title : d->rec.text;
}

/**************************************************************************
** occur.c
*/
typedef struct dp__span {
    uint32_t first, last;  /* positions, inclusive */
} dp__span;

typedef struct dp__occ dp__occ;

/* Occurrence finder of q over segment g (cursors with positions on every
** positive leaf).  DP_OK, DP_ENOMEM, DP_ECORRUPT. */
int dp__occ_open(const dp_query *q, const dp__segment *g, dp__occ **out);
void dp__occ_free(dp__occ *o);
/* The occurrences of the query in doc (docs asked in increasing order),
** sorted by (first, last), without duplicates; borrowed until the next
** call. */
int dp__occ_doc(dp__occ *o, uint32_t doc, const dp__span **spans,
                size_t *n);
/* Walk the live documents of snap that match q, segment by segment in
** docid order, and call cb with each one's occurrences (n may be 0: a
** match through a part with no position, such as a date).  Returns DP_OK,
** DP_ENOMEM, DP_ECORRUPT, or cb's non-zero return. */
typedef int (*dp__occ_cb)(void *ctx, size_t seg, const dp__segment *g,
                          uint32_t doc, const dp__span *spans, size_t n);
int dp__occ_walk(dp__snap *snap, const dp_query *q, dp__occ_cb cb, void *ctx);
/* Does q have a positive word, phrase, prefix or NEAR? */
bool dp__occ_has_words(const dp_query *q);

#endif /* DP_CORPUS_H */
