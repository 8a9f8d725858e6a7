/*
** query.h -- internals of the query module: the query tree built by
** query_parse.c, evaluated by query_eval.c, ranked by search.c, counted
** per period by timeline.c, and highlighted by snippet.c.
**
** A dp_query owns every node and string of its tree in one arena, freed
** in one call.  The tree is built in two passes: the parser makes a
** syntax tree whose text leaves hold the words as typed, then the
** analysis pass (dp__query_analyze) replaces each word by the terms the
** analysis chain makes of it, drops single stop words, and simplifies.
*/
#ifndef DP_QUERY_H
#define DP_QUERY_H

/* Limits: beyond them a query is answered with DP_ESYNTAX and a message. */
#define DP_QUERY_MAX_DEPTH 100      /* nesting of '(' and negations */
#define DP_QUERY_MAX_LEAVES 20000   /* words, phrases, fields */
#define DP_QUERY_MAX_NEAR 1000      /* largest n of NEAR/n */
#define DP_QUERY_NEAR_DEFAULT 10    /* NEAR without /n */

typedef enum dp__qkind {
    DP_QK_NONE = 0, /* matches nothing (a word with no term left) */
    DP_QK_ALL,      /* every live document (base of pure negations) */
    DP_QK_PHRASE,   /* 1..n terms at relative positions; a word is one */
    DP_QK_PREFIX,   /* prefix* over the folded forms (or terms) */
    DP_QK_NEAR,     /* kids[0] and kids[1] within `near` positions */
    DP_QK_AND,      /* every kid; NOT kids subtract */
    DP_QK_OR,       /* any kid */
    DP_QK_NOT,      /* kids[0] negated: only meaningful under AND */
    DP_QK_DATE,     /* document date interval inside [lo, hi] days */
    DP_QK_META      /* source: or lang: equal to `value` */
} dp__qkind;

/* Which text a leaf searches. */
typedef enum dp__qfield {
    DP_QF_ANY = 0,  /* title and text */
    DP_QF_TITLE = 1,
    DP_QF_SOURCE = 2,
    DP_QF_LANG = 3,
    DP_QF_DATE = 4
} dp__qfield;

/* Flags of a syntax leaf. */
enum {
    DP_QL_QUOTED = 1 << 0, /* written as "a phrase" */
    DP_QL_EXACT = 1 << 1,  /* =form: match the unstemmed folded form */
    DP_QL_PREFIX = 1 << 2  /* word*: prefix of folded forms */
};

typedef struct dp__qterm {
    const char *text; /* NUL-terminated, in the arena */
    uint32_t len;
    uint32_t pos;     /* position relative to the phrase's first term */
    uint8_t exact;    /* 1: text is a form: match it, not the term */
    uint8_t prefix;   /* 1: text is a folded prefix (a PREFIX leaf's term,
                      ** or word* inside a phrase): match what it begins */
    uint8_t stop;     /* analysed as a stop word */
    /* exact: the terms that may hold the form (its stem in every known
    ** language and the form itself), deduplicated. */
    const char **cands;
    uint32_t *cand_lens;
    uint32_t ncands;
} dp__qterm;

typedef struct dp__qnode dp__qnode;
struct dp__qnode {
    dp__qkind kind;
    dp__qfield field;
    unsigned flags;        /* DP_QL_* of a text leaf */
    uint32_t col;          /* 1-based column (characters) in the query */
    const char *raw;       /* leaf text as typed (arena), NUL-terminated */
    uint32_t raw_len;
    dp__qnode **kids;
    uint32_t nkids;
    dp__qterm *terms;      /* PHRASE; PREFIX: terms[0] is the prefix */
    uint32_t nterms;
    uint32_t near;         /* NEAR distance in positions */
    int32_t date_lo, date_hi; /* DATE: inclusive day numbers */
    int id;                /* evaluation slot (query_eval.c) */
};

struct dp_query {
    dp__qnode *root;
    char *text;            /* copy of the query text */
    size_t text_len;
    char lang[8];          /* analysis language */
    int only_stop;         /* every word was a stop word: they were kept */
    int nleaves;           /* scoring leaves (text leaves not under NOT),
                           ** numbered 0..nleaves-1 in dp__qnode.id */
    /* arena: singly linked blocks */
    struct dp__qarena *arena;
};

/* Day number of a civil date (days since 1970-01-01, proleptic
** Gregorian); month and day must be valid. */
int32_t dp__query_days(int y, unsigned m, unsigned d);
/* The inclusive day interval a date covers at its precision; false for
** DP_PREC_NONE. */
bool dp__query_date_span(const dp_date *d, int32_t *lo, int32_t *hi);

/* The civil date of a day number. */
void dp__query_civil(int32_t day, int *y, unsigned *m, unsigned *d);

/* Allocate from the query's arena (zeroed); NULL on OOM. */
void *dp__query_alloc(dp_query *q, size_t n);

/* Pass 1: the syntax tree.  On DP_ESYNTAX err is filled; DP_ENOMEM. */
int dp__query_parse_syntax(dp_query *q, dp_query_error *err);
/* Pass 2: analyse the words (a may be NULL: one is made for the call). */
int dp__query_analyze(dp_query *q, dp_analyzer *a, dp_query_error *err);
/* Write the tree as an s-expression (tests, --explain). */
int dp__query_dump(const dp_query *q, dp_buf *out);

/**************************************************************************
** query_eval.c: matchers.  A matcher walks the live documents of one
** segment that match a query node, in increasing docid order, with
** skipping (advance); text leaves also give their occurrences (positions)
** and their BM25 contribution.  dp__eval holds what is archive-wide: N,
** avgdl and the IDF of every scoring leaf (df summed over segments).
*/
#define DP__DOC_END UINT32_MAX
#define DP__BM25_K1 1.2
#define DP__BM25_B 0.75

typedef struct dp__mt dp__mt;

typedef struct dp__eval_term dp__eval_term;
typedef struct dp__eval {
    const dp_query *q;
    dp__snap *snap;
    double N, avgdl;
    double *idf;           /* per scoring leaf */
    int rc;
    /* the look-ups of plain query terms per segment, made for the idf
    ** and reused by the matchers (a dictionary look-up is not free) */
    dp__eval_term *terms;
    size_t nterms, capterms;
} dp__eval;

/* Compute the archive-wide statistics of q over snap.  DP_OK, DP_ENOMEM,
** DP_ECORRUPT. */
int dp__eval_init(dp__eval *ev, const dp_query *q, dp__snap *snap);
void dp__eval_free(dp__eval *ev);

/* Matcher of the query over segment g.  scoring: leaves keep what BM25
** needs.  DP_OK, DP_ENOMEM, DP_ECORRUPT. */
int dp__mt_build(dp__eval *ev, const dp__segment *g, bool scoring,
                 dp__mt **out);
void dp__mt_free(dp__mt *m);
/* Move to the first matching live doc >= target (never backwards);
** *doc = DP__DOC_END at the end.  DP_OK, DP_ECORRUPT. */
int dp__mt_advance(dp__mt *m, uint32_t target, uint32_t *doc);
/* BM25 score of doc, the root's current document. */
int dp__mt_score(dp__mt *m, uint32_t doc, double *score);
/* When the root is one scoring term with one cursor and has not moved:
** its cursor and idf, so that ranking can run a tight loop.  DP_OK or
** DP_ENOTFOUND. */
int dp__mt_single(dp__mt *m, dp__postings **p, double *idf);
/* When the root is one scoring term of several cursors (a prefix, an
** =form under several stems) and has not moved: its cursors (*n of them,
** borrowed) and idf; its tf in a document is the sum of their
** frequencies there.  DP_OK or DP_ENOTFOUND. */
int dp__mt_atom_lists(dp__mt *m, dp__postings ***p, uint32_t *n,
                      double *idf);
/* When the root is an AND of one scoring whole term (one cursor, no
** form) and of NOTs and filters only, and has not moved: the term and its
** idf, so that ranking can walk the term's blocks over the AND's bitmap.
** DP_OK or DP_ENOTFOUND. */
int dp__mt_and_single(dp__mt *m, dp__term_info *ti, double *idf);
/* When the root is an OR of scoring leaves (and has not moved): its kids,
** for MaxScore.  DP_OK or DP_ENOTFOUND. */
int dp__mt_or_leaves(dp__mt *m, dp__mt ***kids, uint32_t *n);
/* Upper bound of a leaf's score over its segment. */
double dp__mt_leaf_ub(const dp__mt *m);
/* k1 * (1 - b + b * dl / avgdl) of doc. */
double dp__mt_norm(const dp__mt *m, uint32_t doc);
/* Score of leaf m on doc (0 unless m is on doc). */
int dp__mt_leaf_score(dp__mt *m, uint32_t doc, double norm, double *score);
/* An upper bound of the score of any doc in [target, *last], *last >=
** target.  DP_OK, DP_ECORRUPT. */
int dp__mt_bound(dp__mt *m, uint32_t target, double *ub, uint32_t *last);
/* Fast exact count of the matches in the segment when the query is a
** single whole term and the segment has no deletion: DP_OK, or
** DP_ENOTFOUND when the slow path must be taken. */
int dp__mt_fast_count(dp__mt *m, uint64_t *count);
/* Does m (fresh) match exactly the documents of its postings lists, with
** each list's frequencies: whole terms (no =exact form filter), or an OR
** of them?  Then those lists can be read a block at a time
** (dp__postings_take_block, dp__mt_live_bitmap). */
bool dp__mt_whole_lists(const dp__mt *m);
/* When m (fresh from dp__mt_build) matches exactly the documents of its
** postings lists -- a whole term, a prefix of whole terms, an OR of these
** -- or is an AND of such, ORs of ANDs included, with NOTs of such and
** date, source and lang filters, whose lists are dense enough to pay
** (query_eval.c, lists_ok), its live matches in the segment as a bitmap
** (bit d of word d / 64 for document d), *nwords words, the caller's to
** dp__free: counting long lists this way costs a decode of their blocks,
** where a merge or a leapfrog of their cursors costs steps per document.
** m cannot advance afterwards.  DP_OK, DP_ENOTFOUND (another query: walk
** it), DP_ENOMEM, DP_ECORRUPT. */
int dp__mt_live_bitmap(dp__mt *m, uint64_t **out, uint32_t *nwords);
/* When the root is a scoring phrase on doc: an upper bound of its score
** there from the occurrences of its rarest word in doc (the phrase
** matches at most that many times), known before every occurrence of
** the phrase is looked for.  DP_OK or DP_ENOTFOUND (another root). */
int dp__mt_doc_bound(dp__mt *m, uint32_t doc, double *ub);
/* When the root is a scoring phrase and the walk need not find every
** match (no exact total): from now on it may pass over the documents
** whose score cannot exceed floor, known from the occurrences of its
** words there before any position is read.  No effect on another root. */
void dp__mt_set_floor(dp__mt *m, double floor);

/* Call cb for every (term, form) postings cursor that query term qt
** needs in segment g: form -1 for a whole term, a form index for an
** =exact term or a prefix matched on its forms.  Returns DP_OK, a
** lookup error (DP_ECORRUPT), or cb's non-zero return.  Shared by the
** matchers here and the occurrence finder of the corpus analyses. */
typedef int (*dp__spec_cb)(void *ctx, const dp__term_info *t, int form);
int dp__query_term_specs(const dp__segment *g, const dp__qterm *qt,
                         dp__spec_cb cb, void *ctx);

/* BM25 of one leaf: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl /
** avgdl)). */
double dp__bm25(double idf, double tf, double dl, double avgdl);

/**************************************************************************
** search.c: the result set (snippet.c reads it).
*/
typedef struct dp__entry {
    double key;     /* larger is better */
    double score;
    uint64_t addr;  /* segment << 32 | docid */
} dp__entry;

typedef struct dp__hit_store {
    char *blob;     /* title, source, lang copied from the stored record */
    dp_hit hit;
    bool loaded;
} dp__hit_store;

struct dp_results {
    dp__snap *snap;
    const dp_query *q;
    dp__entry *hits;
    dp__hit_store *store;
    size_t n;
    uint64_t total;
    dp__fetch fetch;
    /* snippet.c's state */
    dp_analyzer *an;
    dp_buf snip;
    size_t (*spans)[2];
    size_t nspans, capspans;
};

/* Segment and docid of hit i: DP_OK or DP_ENOTFOUND. */
int dp__results_doc(dp_results *r, size_t i, const dp__segment **g,
                    uint32_t *doc);

/**************************************************************************
** snippet.c
*/
void dp__snippet_state_free(dp_results *r);

/* Does a token (term, form) match a positive leaf of q?  Used by snippets
** to mark words. */
bool dp__query_token_matches(const dp_query *q, const char *term,
                             size_t term_len, const char *form,
                             size_t form_len);

#endif /* DP_QUERY_H */
