/* STATUS: interface stable */
/*
** index.h -- the internal interface of the archive (storage module), for
** the query engine (search, timelines, snippets, corpus analyses).
**
** An archive is a directory of immutable segments named by a manifest
** (docs/format.md).  A reader takes a *snapshot*: the set of segments and
** deletion bitmaps of one commit.  A snapshot never changes, whatever a
** writer commits meanwhile; its memory (mmapped segments) stays valid
** until dp__snap_close.  Everything below borrows from the snapshot.
**
** Inside a segment, documents have local ids 0..dp__seg_ndocs()-1, in the
** order they were added.  Segments are ordered oldest first; a document id
** (the record's "id" string) lives in at most one segment as a live doc.
**
** Positions: the title is analysed first, its tokens take positions
** 0..title_len-1; the body follows from position title_len + 1 when the
** title is not empty (one empty position, so that no phrase matches across
** title and body), from 0 otherwise.  A position p is in the title iff
** p < dp__doc_cols.title_len.  Hyphenated compounds share the position of
** their first part (as the analyzer gives them).  Document length (for
** BM25) counts the positions used: tokens that are not DP_TOKEN_COMPOUND.
**
** Terms are the analyzer's `term` (stemmed, folded) bytes.  Each term
** keeps the list of its surface `form`s (folded, unstemmed) with their df
** and cf; each occurrence in the postings knows its form index, so that an
** =exact query (or an unstemmed phrase) opens the stem's postings filtered
** on one form.  To find the term of a form, stem the form with the
** analyzer (dp_analyzer_stem) in each language of interest; an unstemmed
** language stores the form itself as term.  Terms longer than
** DP__TERM_MAX - 1 bytes are not indexed.
**
** Threads: like every handle, a snapshot (with its cursors, iterators and
** fetch buffers) is used by one thread at a time; take one snapshot per
** thread (they share the mapped files).
**
** Errors: functions returning int give DP_OK, DP_ENOTFOUND (no such term /
** end of a cursor), DP_ENOMEM or DP_ECORRUPT.  On DP_ECORRUPT the message
** naming the file is available from dp__snap_errmsg() of the snapshot the
** segment belongs to (dp__snap_open's own failures: dp_archive_errmsg).
*/
#ifndef DP_INDEX_H
#define DP_INDEX_H

#include "depeche.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP__TERM_MAX 128

typedef struct dp__snap dp__snap;       /* a consistent read view */
typedef struct dp__segment dp__segment; /* one segment + its deletions */

/**************************************************************************
** Snapshots.
*/

/* Take a snapshot of the last commit of archive a (re-reading the manifest
** when another process committed since).  *out belongs to the caller, who
** releases it with dp__snap_close (accepts NULL); it may outlive nothing:
** close snapshots before dp_archive_close.  Thread-safe on one archive.
** DP_OK, DP_ENOMEM, DP_EIO, DP_ECORRUPT (message on the archive). */
int dp__snap_open(dp_archive *a, dp__snap **out);
void dp__snap_close(dp__snap *s);

/* The detailed message of the last error met through this snapshot
** (never NULL; "" when none).  Names the file for DP_ECORRUPT. */
const char *dp__snap_errmsg(const dp__snap *s);

/* Commit generation of this snapshot (increases with every commit). */
uint64_t dp__snap_generation(const dp__snap *s);

size_t dp__snap_nsegs(const dp__snap *s);
/* Segment i (0 = oldest), borrowed from the snapshot. */
const dp__segment *dp__snap_seg(const dp__snap *s, size_t i);

/* Archive-wide sums over live (not deleted) documents: N and the total
** number of tokens (sum of doc lengths) for BM25's avgdl. */
uint64_t dp__snap_live_docs(const dp__snap *s);
uint64_t dp__snap_total_tokens(const dp__snap *s);

/* Find the live document whose record id is id[0..n): DP_OK with its
** segment index and local docid, or DP_ENOTFOUND. */
int dp__snap_find_id(const dp__snap *s, const char *id, size_t n,
                     size_t *seg, uint32_t *docid);

/**************************************************************************
** Segments: documents and their columns.
*/

/* Documents in the segment, deleted ones included: docids are 0..n-1. */
uint32_t dp__seg_ndocs(const dp__segment *g);
uint32_t dp__seg_live_docs(const dp__segment *g);
/* Sum of the lengths of the live documents. */
uint64_t dp__seg_total_tokens(const dp__segment *g);
bool dp__seg_is_deleted(const dp__segment *g, uint32_t docid);
/* The first deleted docid >= from, or UINT32_MAX (reads 64 docs at a
** time: walking the deletions costs their number, not the segment's). */
uint32_t dp__seg_next_deleted(const dp__segment *g, uint32_t from);
/* Name of the segment's file, for messages. */
const char *dp__seg_name(const dp__segment *g);

/* The per-document columns (fixed-size rows, O(1) access). */
typedef struct dp__doc_cols {
    dp_date date;       /* with its precision; prec == 0: no date */
    uint32_t length;    /* tokens (positions) in title + body */
    uint32_t title_len; /* positions < title_len are in the title */
    char lang[4];       /* ISO 639-1 code, NUL-terminated, "" if unknown */
    uint32_t source;    /* per-segment source id, see dp__seg_source_name */
} dp__doc_cols;

/* Fill *out for docid (< ndocs, asserted).  Never fails: columns are
** checked when the segment is opened. */
void dp__seg_doc_cols(const dp__segment *g, uint32_t docid, dp__doc_cols *out);
/* Fast single-column accessors (docid < ndocs). */
uint32_t dp__seg_doc_len(const dp__segment *g, uint32_t docid);
/* The length of every document of the segment's file, 16 bits each
** (DP__DLEN_ESC: ask dp__seg_doc_len), built once per file by the first
** caller (a cursor that decodes positions or filters on a form) and
** shared.  Each document
** whose positions are decoded or passed needs its length for its Rice
** parameter, and each scored candidate for BM25: read from its 24-byte
** row of COLS, that load was a cache miss in about a sixth of the
** samples of the phrase queries' position loops (the rows of 50,000
** documents take 1.2 MB; these lengths 100 kB).  Once built,
** dp__seg_doc_len reads it too. */
enum { DP__DLEN_ESC = 0xFFFF };
int dp__seg_doc_lens(const dp__segment *g, const uint16_t **out);
/* Document d's length from dlen (dp__seg_doc_lens of g), inline: the
** loops that read it per posting would pay a call for each. */
static inline uint32_t dp__seg_doc_len_in(const dp__segment *g,
                                          const uint16_t *dlen, uint32_t d)
{
    uint32_t l = dlen[d];
    return DP_LIKELY(l != DP__DLEN_ESC) ? l : dp__seg_doc_len(g, d);
}
void dp__seg_doc_date(const dp__segment *g, uint32_t docid, dp_date *out);
/* Days since 1970-01-01 of the date's first day (month precision: the 1st
** of the month, year: January 1st); INT32_MIN when the doc has no date. */
int32_t dp__seg_doc_day(const dp__segment *g, uint32_t docid);
uint32_t dp__seg_doc_source(const dp__segment *g, uint32_t docid);

/* Derived per-document data that readers compute once per segment file
** (it depends on the immutable file only, never on deletions) and share
** between snapshots and threads: e.g. the period of each document for
** timelines.  An object starts with a dp__seg_cached header whose free
** function releases it with the file.  get returns the object of a slot
** or NULL; put publishes c unless another thread did first, in which
** case c is freed and the winner returned.  Thread-safe. */
enum {
    DP__SEG_CACHE_PERIODS = 0, /* timeline.c: a slot per dp_period */
    /* dp__seg_doc_lens: document lengths, dense; after the last period's slot
    ** (a period added to dp_period moves it, not overwrites it) */
    DP__SEG_CACHE_DOCLENS = DP__SEG_CACHE_PERIODS + DP_BY_YEAR + 1,
    /* query_eval.c: the dates, language and source of each zone of 64
    ** documents */
    DP__SEG_CACHE_ZONES,
    DP__SEG_CACHE_SLOTS
};
typedef struct dp__seg_cached {
    void (*free)(struct dp__seg_cached *c);
} dp__seg_cached;
dp__seg_cached *dp__seg_cache_get(const dp__segment *g, unsigned slot);
dp__seg_cached *dp__seg_cache_put(const dp__segment *g, unsigned slot,
                                  dp__seg_cached *c);

/* Sources: a per-segment dictionary; id 0 is the empty source "". */
uint32_t dp__seg_nsources(const dp__segment *g);
dp_slice dp__seg_source_name(const dp__segment *g, uint32_t source);
/* Source id of name[0..n) (exact bytes) or DP_ENOTFOUND. */
int dp__seg_source_find(const dp__segment *g, const char *name, size_t n,
                        uint32_t *source);

/* The record id of docid (borrowed from the mapping). */
dp_slice dp__seg_doc_id(const dp__segment *g, uint32_t docid);
/* Docid of record id[0..n) in this segment, deleted or not: DP_OK /
** DP_ENOTFOUND. If the segment holds it several times, the last one. */
int dp__seg_find_id(const dp__segment *g, const char *id, size_t n,
                    uint32_t *docid);

/**************************************************************************
** Stored records: the original record of each document, for snippets and
** `show`.  A dp__fetch holds the decompressed block; the slices of the
** record it fills are valid until the next fetch with it or its free.
*/
typedef struct dp__fetch {
    const void *seg;   /* private: the cached block */
    uint32_t block;
    void *raw;         /* private: decompressed block */
    size_t raw_cap;
    dp_field *extra;   /* private: extra fields of the last record */
    size_t extra_cap;
} dp__fetch;
#define DP__FETCH_INIT { NULL, 0, NULL, 0, NULL, 0 }

/* Fill *rec with the stored record of docid (deleted docs too): id, date,
** title, text, source, url, lang (as given in the input: the language
** used for analysis is dp__doc_cols.lang), extras; rec->file is NULL,
** line 0.  A dp__fetch must not outlive the snapshot of the segments it
** fetched from.  DP_OK, DP_ENOMEM, DP_ECORRUPT. */
int dp__seg_fetch(const dp__segment *g, uint32_t docid, dp__fetch *f,
                  dp_record *rec);
void dp__fetch_free(dp__fetch *f);

/**************************************************************************
** Terms.
*/
typedef struct dp__term_info {
    uint32_t df;      /* documents containing the term (deleted included) */
    uint64_t cf;      /* occurrences */
    uint32_t nforms;  /* surface forms, >= 1 */
    uint32_t max_freq;/* largest frequency in one doc (BM25 upper bound) */
    /* private: where the postings and the forms are */
    uint64_t post_off, post_len;
    size_t forms_off;
    uint8_t term_len;
    char term[DP__TERM_MAX];
} dp__term_info;

/* Look up a term (exact bytes).  DP_OK, DP_ENOTFOUND, DP_ECORRUPT. */
int dp__seg_term_find(const dp__segment *g, const char *term, size_t n,
                      dp__term_info *out);

/* The surface forms of a term, most frequent first (index 0..nforms-1). */
typedef struct dp__form_info {
    dp_slice form;    /* borrowed from the mapping / term_info */
    uint32_t df;
    uint64_t cf;
} dp__form_info;
/* Form i of t.  DP_OK or DP_ECORRUPT.  The slice borrows from a buffer in
** *out, valid while *out lives. */
typedef struct dp__form_buf {
    dp__form_info info;
    char buf[DP__TERM_MAX];
} dp__form_buf;
int dp__term_form(const dp__segment *g, const dp__term_info *t, uint32_t i,
                  dp__form_buf *out);
/* Index of form[0..n) among t's forms, or DP_ENOTFOUND. */
int dp__term_form_find(const dp__segment *g, const dp__term_info *t,
                       const char *form, size_t n, uint32_t *index);

/* Iterate terms in byte order, all of them (prefix n == 0) or those
** starting with prefix[0..n) (for prefix* queries).  *term borrows from
** the iterator until its next call.  next returns DP_OK, DP_ENOTFOUND at
** the end, DP_ECORRUPT. */
typedef struct dp__term_iter dp__term_iter;
int dp__term_iter_open(const dp__segment *g, const char *prefix, size_t n,
                       dp__term_iter **out);
int dp__term_iter_next(dp__term_iter *it, dp_slice *term, dp__term_info *info);
void dp__term_iter_free(dp__term_iter *it);

/**************************************************************************
** Postings cursors.  A cursor walks the live documents of one term in
** increasing docid order (deleted documents are skipped), optionally
** filtered on one surface form (then only documents where that form
** occurs; freq and positions count that form only).
**
** After open, the cursor is *before* the first document: call next or
** advance.  doc/freq/positions are valid after a call that returned DP_OK.
*/
typedef struct dp__postings dp__postings;

enum {
    DP__POST_FREQS = 0,     /* docs and freqs only (fastest) */
    DP__POST_POSITIONS = 1, /* also decode positions */
    /* with DP__POST_POSITIONS: decode a document's positions only when
    ** dp__postings_load_positions asks for them (phrases: most documents
    ** the cursor stops on are not candidates) */
    DP__POST_LAZY = 2,
};

/* form: -1 for all forms, else a form index of t (dp__term_form_find).
** *out belongs to the caller (dp__postings_free).  DP_OK, DP_ENOMEM,
** DP_ECORRUPT (the postings bytes are checksummed on first use). */
int dp__postings_open(const dp__segment *g, const dp__term_info *t,
                      int form, unsigned flags, dp__postings **out);
void dp__postings_free(dp__postings *p);

/* Set bit d (bm[d / 64], bit d % 64) for every document d of the
** term's list, deleted ones and every form included: a superset of what
** the cursor would return, for a query that intersects dense lists by
** words of 64 documents.  Only before the first document (else
** DP_EINVAL); the cursor is left there.  DP_ECORRUPT on a damaged list. */
int dp__postings_docs_bitmap(dp__postings *p, uint64_t *bm);
/* The form index the cursor keeps, or -1 (every form): as opened. */
int dp__postings_form(const dp__postings *p);

/* Move to the next live document.  DP_OK, DP_ENOTFOUND (end), DP_ECORRUPT. */
int dp__postings_next(dp__postings *p);
/* Move to the first live document >= target.  Never moves backwards: if
** the cursor is already on a document >= target it stays there (DP_OK).
** DP_OK, DP_ENOTFOUND, DP_ECORRUPT. */
int dp__postings_advance(dp__postings *p, uint32_t target);
/* Where a cursor is: the first member of every dp__postings, so that the
** query loops read its document and frequency inline (a call into
** postings.c per step of an intersection was a tenth of a phrase of
** frequent words). */
typedef struct dp__postings_at {
    int state; /* 0 before the first document, 1 on one, 2 at the end */
    uint32_t doc, freq;
} dp__postings_at;

static inline uint32_t dp__postings_doc(const dp__postings *p)
{
    return ((const dp__postings_at *)(const void *)p)->doc;
}
static inline uint32_t dp__postings_freq(const dp__postings *p)
{
    return ((const dp__postings_at *)(const void *)p)->freq;
}
/* Positions of the current document, increasing (needs
** DP__POST_POSITIONS); *forms (may be NULL) receives the parallel form
** indexes.  Borrowed until the cursor moves.  On a lazy cursor
** (DP__POST_LAZY) these are the positions decoded so far: all of them
** only after dp__postings_load_positions (dp__postings_positions_upto
** decodes a prefix). */
void dp__postings_positions(const dp__postings *p, const uint32_t **pos,
                            const uint32_t **forms, size_t *n);
/* Whole blocks instead of one document at a time, for a query that
** visits every document of the list (an OR of terms with its exact
** total): the docids and frequencies of the next block of 128 (the last
** shorter), deleted documents included (the caller drops them), borrowed
** until the next call.  Only on a cursor without a form filter that no
** call but this one has moved (else DP_EINVAL).  DP_OK, DP_ENOTFOUND
** after the last block, DP_ECORRUPT. */
int dp__postings_take_block(dp__postings *p, const uint32_t **docs,
                            const uint32_t **freqs, uint32_t *n);
/* The number of deleted documents among the term's (for exact counts
** from df without walking the postings: df minus these).  Only on a
** cursor that has not moved, without a form filter (else DP_EINVAL); it
** is left before its first document.  Costs one block decode per block
** holding a deleted document.  DP_OK, DP_EINVAL, DP_ECORRUPT. */
int dp__postings_count_deleted(dp__postings *p, uint32_t *out);
/* Make the current document's positions available (a no-op unless the
** cursor was opened DP__POST_LAZY).  DP_OK, DP_ENOMEM, DP_ECORRUPT. */
int dp__postings_load_positions(dp__postings *p);
/* Decode the current document's positions only as far as needed: at
** least until the last decoded is >= want, or all of them (a phrase
** checks one position of a frequent word and stops there).  *pos, *n
** are the positions decoded so far, increasing: every position <= want
** is among them.  A later call (or dp__postings_load_positions) goes on
** from there.  Borrowed until the cursor moves.  Format versions 1 and 2
** decode all at once.  DP_OK, DP_EINVAL, DP_ENOMEM, DP_ECORRUPT. */
int dp__postings_positions_upto(dp__postings *p, uint32_t want,
                                const uint32_t **pos, size_t *n);

/* Block-max information (for block-max WAND) about the block of 128
** postings that holds the first document >= target, without decoding it:
** the last docid of the block, the largest freq in it and the smallest
** document length in it (deleted docs included: an upper bound).  For a
** form cursor over a term of several blocks, max_freq is the term's and
** min_len 0 (still upper bounds).  Does not move the cursor.  DP_OK or
** DP_ENOTFOUND when no document >= target exists. */
typedef struct dp__block_info {
    uint32_t last_doc;
    uint32_t max_freq;
    uint32_t min_len;
} dp__block_info;
int dp__postings_block(dp__postings *p, uint32_t target, dp__block_info *out);
/* The skip entry of the block the next dp__postings_take_block would
** take (last_doc, max_freq, min_len as dp__postings_block gives them;
** a term of one block has none: max_freq UINT32_MAX, min_len 0), without
** moving the cursor; and passing that block without decoding it.  Only
** on a cursor that take_block may move.  DP_OK, DP_ENOTFOUND after the
** last block, DP_EINVAL, DP_ECORRUPT. */
int dp__postings_peek_block(dp__postings *p, dp__block_info *out);
int dp__postings_pass_block(dp__postings *p);

#endif /* DP_INDEX_H */
