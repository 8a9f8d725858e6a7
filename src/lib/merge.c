/*
** merge.c -- merging segments into one, and the merge policy.
**
** A merge streams the live documents of its input segments, oldest first,
** into a new segment (their stored records are not re-analysed: a store
** block without deleted documents is copied compressed, as is; the others
** record by record), then walks the term dictionaries of all inputs
** together in byte order (a k-way merge) and, for each term, re-encodes
** the postings of every input with the docids renumbered and the form
** indexes mapped onto the union of the inputs' forms.  Deleted documents
** disappear.  Memory: the docid maps with the documents' lengths (2.2
** bytes per input doc) and the postings of one term; the inputs' mapped
** pages are released as the merge passes them (madvise), so that its
** resident set stays small.
**
** Positions are copied, not decoded: a document keeps its length, hence
** the Rice parameter of its gaps, so its position bits are copied from
** the input's stream into the output's (dp__postings_pos_bits,
** dp__segw_term_doc_bits), when the input is of format version 3 on and
** its form code survives: as it is when the input's form indexes are the
** merged term's, rewritten (f -> f's merged index) for a posting of one
** form otherwise.  A posting whose forms mix and change indexes, and
** every posting of a version 1 or 2 input, is decoded and coded again.
** The bytes written are the same either way (tests/test_merge_copy.c);
** at ten times Le Monde the merge takes about a third less CPU
** (docs/performance.md).
**
** Policy (log-merge, factor 10): a segment's level is the number of
** decimal digits of its live document count.  When ten or more
** consecutive segments share a level, they are merged into one of a
** higher level; so an archive of N documents has at most about
** 9 * log10(N) segments.  Past 40 segments the newest ten are merged
** whatever their sizes, as a safety net.
*/
#include "store.h"

#include <stdlib.h>

#define FACTOR 10
#define MAX_SEGS 40

static unsigned level(uint32_t live)
{
    unsigned l = 0;
    for (uint64_t n = (uint64_t)live + 1; n >= FACTOR; n /= FACTOR)
        l++;
    return l;
}

size_t dp__merge_policy(const uint32_t *live, size_t n, size_t *first)
{
    size_t end = n;
    while (end > 0) {
        size_t start = end - 1;
        unsigned l = level(live[start]);
        while (start > 0 && level(live[start - 1]) == l)
            start--;
        if (end - start >= FACTOR) {
            *first = start;
            return end - start;
        }
        end = start;
    }
    if (n > MAX_SEGS) {
        *first = n - FACTOR;
        return FACTOR;
    }
    return 0;
}

typedef struct minput {
    dp__segment *g;
    /* old docid -> new docid: bit d of alive says whether doc d is live,
    ** rank[w] is the new docid of the first live doc from 64 * w on;
    ** len[d] the length of doc d, UINT16_MAX: read the columns.  Small
    ** (2.2 bytes a doc), as the postings of every term look them up:
    ** arrays of 8 bytes a doc missed the cache at ten times Le Monde */
    uint64_t *alive;
    uint32_t *rank;
    uint16_t *len;
    dp__term_iter *it;
    dp__term_info ti;
    bool live;
    uint32_t *fmap;         /* this term's form index -> merged index */
} minput;

typedef struct merger {
    dp__segw *sw;
    minput *in;
    size_t n;
    dp_buf *err;
    dp_buf forms;           /* merged forms: bytes */
    size_t *foff;
    uint8_t *flen;
    uint64_t *fcf;
    uint32_t nforms, fcap;
    uint32_t *ford;
    uint32_t *tmpf;
    size_t tmpcap;
    uint64_t nterms_done;
    bool copy_bits;         /* copy position bits when they can be kept */
} merger;

/* Copy the live documents of store block b of input i: the compressed
** block as is when none of its documents is deleted (after checking its
** checksum), else record by record. */
static int copy_block(merger *m, size_t i, uint32_t b, dp__fetch *f,
                      uint32_t *next)
{
    minput *in = &m->in[i];
    const dp__segfile *sf = in->g->file;
    const uint8_t *e = sf->storeidx + (size_t)b * 24;
    uint32_t d0 = dp__get_u32(e);
    uint32_t d1 = b + 1 < sf->store_nblocks ? dp__get_u32(e + 24) : sf->ndocs;
    bool whole = true;
    int rc = DP_OK;
    for (uint32_t d = d0; d < d1; d++)
        whole = whole && !dp__seg_is_deleted(in->g, d);
    const uint8_t *z = sf->sec[DP__SEC_STORE].p + dp__get_u64(e + 8);
    uint32_t clen = dp__get_u32(e + 4), crc = dp__get_u32(e + 20);
    if (whole && dp__crc32c(0, z, clen) != crc) {
        dp__set_err(m->err, "%s: damaged document store (block checksum)",
                    sf->path);
        return DP_ECORRUPT;
    }
    if (whole)
        rc = dp__segw_store_cut(m->sw);
    for (uint32_t d = d0; d < d1 && rc == DP_OK; d++) {
        dp__doc_cols c;
        const void *raw = NULL;
        size_t rn = 0;
        if (dp__seg_is_deleted(in->g, d))
            continue;
        (*next)++;
        in->alive[d / 64] |= 1ull << (d % 64);
        dp__seg_doc_cols(in->g, d, &c);
        in->len[d] = c.length < UINT16_MAX ? (uint16_t)c.length : UINT16_MAX;
        if (!whole)
            rc = dp__seg_fetch_raw(in->g, d, f, &raw, &rn);
        if (rc == DP_OK)
            rc = dp__segw_doc(m->sw, &c, dp__seg_source_name(in->g, c.source),
                              dp__seg_doc_id(in->g, d), raw, rn);
    }
    if (rc == DP_OK && whole && d1 > d0)
        rc = dp__segw_store_copy(m->sw, z, clen, dp__get_u32(e + 16), crc);
    return rc;
}

/* The new docid of live document d of input in. */
static inline uint32_t new_docid(const minput *in, uint32_t d)
{
    if (in->g->deleted == NULL)
        return in->rank[0] + d;
    uint64_t below = in->alive[d / 64] & ((1ull << (d % 64)) - 1);
    return in->rank[d / 64] + (uint32_t)__builtin_popcountll(below);
}

static int copy_docs(merger *m)
{
    dp__fetch f = DP__FETCH_INIT;
    uint32_t next = 0;
    int rc = DP_OK;
    for (size_t i = 0; i < m->n && rc == DP_OK; i++) {
        minput *in = &m->in[i];
        uint32_t nd = dp__seg_ndocs(in->g), nw = nd / 64 + 1, first = next;
        in->alive = dp__calloc(nw, sizeof *in->alive);
        in->rank = dp__malloc(nw * sizeof *in->rank);
        in->len = dp__calloc(nd + 1, sizeof *in->len);
        if (in->alive == NULL || in->rank == NULL || in->len == NULL) {
            rc = DP_ENOMEM;
            break;
        }
        for (uint32_t b = 0; b < in->g->file->store_nblocks && rc == DP_OK; b++)
            rc = copy_block(m, i, b, &f, &next);
        /* the new docids, as copy_block gave them: in order */
        for (uint32_t w = 0; w < nw; w++) {
            in->rank[w] = first;
            first += (uint32_t)__builtin_popcountll(in->alive[w]);
        }
        dp__segfile_drop(in->g->file, DP__SEC_STORE, UINT64_MAX);
    }
    dp__fetch_free(&f);
    return rc;
}

static int term_cmp(const dp__term_info *a, const dp__term_info *b)
{
    int c = memcmp(a->term, b->term,
                   a->term_len < b->term_len ? a->term_len : b->term_len);
    return c ? c : (a->term_len > b->term_len) - (a->term_len < b->term_len);
}

/* Add form s to the merged list (or find it); returns its index. */
static int merged_form(merger *m, dp_slice s, uint64_t cf, uint32_t *out)
{
    for (uint32_t i = 0; i < m->nforms; i++)
        if (m->flen[i] == s.n && memcmp(m->forms.p + m->foff[i], s.p, s.n) == 0) {
            m->fcf[i] += cf;
            *out = i;
            return DP_OK;
        }
    if (m->nforms == m->fcap) {
        uint32_t cap = m->fcap ? m->fcap * 2 : 64;
        size_t *fo = dp__realloc(m->foff, cap * sizeof *fo);
        if (fo == NULL)
            return DP_ENOMEM;
        m->foff = fo;
        uint64_t *fc = dp__realloc(m->fcf, cap * sizeof *fc);
        if (fc == NULL)
            return DP_ENOMEM;
        m->fcf = fc;
        uint8_t *fl = dp__realloc(m->flen, cap);
        if (fl == NULL)
            return DP_ENOMEM;
        m->flen = fl;
        uint32_t *fr = dp__realloc(m->ford, cap * 2 * sizeof *fr);
        if (fr == NULL)
            return DP_ENOMEM;
        m->ford = fr;
        m->fcap = cap;
    }
    m->foff[m->nforms] = m->forms.n;
    m->flen[m->nforms] = (uint8_t)s.n;
    m->fcf[m->nforms] = cf;
    if (dp__buf_append(&m->forms, s.p, s.n) != DP_OK)
        return DP_ENOMEM;
    *out = m->nforms++;
    return DP_OK;
}

static int fcmp(const void *a, const void *b, void *ctx)
{
    const merger *m = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (m->fcf[x] != m->fcf[y])
        return m->fcf[x] > m->fcf[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/* Build the union of forms of the inputs holding the current term, and
** each input's map onto it (sorted by total cf). */
static int union_forms(merger *m, const dp__term_info *cur, dp_slice *fs)
{
    m->nforms = 0;
    dp__buf_clear(&m->forms);
    for (size_t i = 0; i < m->n; i++) {
        minput *in = &m->in[i];
        if (!in->live || term_cmp(&in->ti, cur) != 0)
            continue;
        dp__free(in->fmap);
        in->fmap = dp__malloc(in->ti.nforms * sizeof(uint32_t));
        if (in->fmap == NULL)
            return DP_ENOMEM;
        for (uint32_t k = 0; k < in->ti.nforms; k++) {
            dp__form_buf fb;
            int rc = dp__term_form(in->g, &in->ti, k, &fb);
            if (rc == DP_OK)
                rc = merged_form(m, fb.info.form, fb.info.cf, &in->fmap[k]);
            if (rc != DP_OK)
                return rc;
        }
    }
    uint32_t *ord = m->ford, *rank = m->ford + m->fcap;
    for (uint32_t i = 0; i < m->nforms; i++)
        ord[i] = i;
    qsort_r(ord, m->nforms, sizeof *ord, fcmp, m);
    for (uint32_t i = 0; i < m->nforms; i++) {
        rank[ord[i]] = i;
        fs[i].p = m->forms.p + m->foff[ord[i]];
        fs[i].n = m->flen[ord[i]];
    }
    for (size_t i = 0; i < m->n; i++) {
        minput *in = &m->in[i];
        if (!in->live || term_cmp(&in->ti, cur) != 0)
            continue;
        for (uint32_t k = 0; k < in->ti.nforms; k++)
            in->fmap[k] = rank[in->fmap[k]];
    }
    return DP_OK;
}

/* Room for n form indexes in m->tmpf. */
static int grow_tmp(merger *m, size_t n)
{
    if (n <= m->tmpcap)
        return DP_OK;
    dp__free(m->tmpf);
    m->tmpf = dp__malloc(n * 2 * sizeof(uint32_t));
    m->tmpcap = m->tmpf ? n * 2 : 0;
    return m->tmpf ? DP_OK : DP_ENOMEM;
}

/* Whether the input's forms keep their indexes in the merged term. */
static bool forms_kept(const minput *in)
{
    for (uint32_t k = 0; k < in->ti.nforms; k++)
        if (in->fmap[k] != k)
            return false;
    return true;
}

/* Copy the current document's position bits to the output when its form
** code can be kept or rewritten (*done), else leave it to be decoded: a
** mixed-form posting whose forms change indexes.  Uniform postings get
** the code of their form's merged index; the gaps that follow do not
** change.  The same bytes as the decode and re-encode path. */
static int copy_bits(merger *m, minput *in, dp__postings *p, uint32_t doc,
                     uint16_t len16, bool kept, bool *done)
{
    uint32_t code = 0, freq = dp__postings_freq(p), len = len16;
    dp__pos_bits b;
    int rc;
    *done = false;
    if (!kept) {
        rc = dp__postings_pos_code(p, &code);
        if (rc != DP_OK || code == 1)
            return rc;
    }
    rc = grow_tmp(m, freq);
    if (rc == DP_OK)
        rc = dp__postings_pos_bits(p, len16 < UINT16_MAX ? &len : NULL, &b,
                                   m->tmpf);
    if (rc != DP_OK)
        return rc;
    if (!kept) {
        uint32_t f = in->fmap[code ? code - 1 : 0];
        code = f ? f + 1 : 0;
    } else {
        code = b.code;
    }
    *done = true;
    return dp__segw_term_doc_bits(m->sw, doc, freq, code, m->tmpf, &b);
}

/* The postings of the current term of input in, docids and forms mapped.
** Positions are copied as bits from inputs of version 3 on (see the top
** of the file), else decoded and coded again. */
static int copy_postings(merger *m, minput *in)
{
    dp__postings *p;
    bool bits = m->copy_bits && in->g->file->version >= 3;
    bool kept = bits && forms_kept(in);
    int rc = dp__postings_open(in->g, &in->ti, -1,
                               DP__POST_POSITIONS | (bits ? DP__POST_LAZY : 0),
                               &p);
    if (rc != DP_OK)
        return rc;
    while ((rc = dp__postings_next(p)) == DP_OK) {
        const uint32_t *pos, *forms;
        size_t n;
        uint32_t d = dp__postings_doc(p), doc = new_docid(in, d);
        if (bits) {
            bool done;
            rc = copy_bits(m, in, p, doc, in->len[d], kept, &done);
            if (rc == DP_OK && !done)
                rc = dp__postings_load_positions(p);
            if (rc != DP_OK)
                break;
            if (done)
                continue;
        }
        dp__postings_positions(p, &pos, &forms, &n);
        rc = grow_tmp(m, n);
        if (rc != DP_OK)
            break;
        for (size_t k = 0; k < n; k++)
            m->tmpf[k] = in->fmap[forms[k]];
        rc = dp__segw_term_doc(m->sw, doc, pos, m->tmpf, (uint32_t)n);
        if (rc != DP_OK)
            break;
    }
    dp__postings_free(p);
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

static int advance_input(minput *in)
{
    dp_slice t;
    int rc = dp__term_iter_next(in->it, &t, &in->ti);
    in->live = rc == DP_OK;
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

static int merge_terms(merger *m)
{
    dp_slice *fs = NULL;
    size_t fs_cap = 0;
    int rc = DP_OK;
    for (size_t i = 0; i < m->n && rc == DP_OK; i++) {
        rc = dp__term_iter_open(m->in[i].g, "", 0, &m->in[i].it);
        if (rc == DP_OK)
            rc = advance_input(&m->in[i]);
    }
    while (rc == DP_OK) {
        minput *min = NULL;
        for (size_t i = 0; i < m->n; i++)
            if (m->in[i].live && (min == NULL || term_cmp(&m->in[i].ti, &min->ti) < 0))
                min = &m->in[i];
        if (min == NULL)
            break;
        dp__term_info cur = min->ti;
        size_t need = 0;
        for (size_t i = 0; i < m->n; i++)
            if (m->in[i].live && term_cmp(&m->in[i].ti, &cur) == 0)
                need += m->in[i].ti.nforms;
        if (need > fs_cap) {
            dp__free(fs);
            fs = dp__malloc(need * 2 * sizeof *fs);
            fs_cap = fs ? need * 2 : 0;
            if (fs == NULL)
                rc = DP_ENOMEM;
        }
        if (rc == DP_OK)
            rc = union_forms(m, &cur, fs);
        if (rc == DP_OK)
            rc = dp__segw_term_begin(m->sw, cur.term, cur.term_len, fs,
                                     m->nforms);
        for (size_t i = 0; i < m->n && rc == DP_OK; i++) {
            minput *in = &m->in[i];
            if (!in->live || term_cmp(&in->ti, &cur) != 0)
                continue;
            rc = copy_postings(m, in);
            if (rc == DP_OK)
                rc = advance_input(in);
        }
        if (rc == DP_OK)
            rc = dp__segw_term_end(m->sw);
        if ((++m->nterms_done & 4095) == 0)
            for (size_t i = 0; i < m->n; i++)
                if (m->in[i].live)
                    dp__segfile_drop(m->in[i].g->file, DP__SEC_POST,
                                     m->in[i].ti.post_off);
    }
    dp__free(fs);
    return rc;
}

int dp__merge_segments(const char *dir, uint64_t no, dp__segment *const *segs,
                       size_t n, uint64_t *bytes, uint32_t *ndocs,
                       dp_buf *err)
{
    return dp__merge_segments_ex(dir, no, segs, n, true, bytes, ndocs, err);
}

int dp__merge_segments_ex(const char *dir, uint64_t no,
                          dp__segment *const *segs, size_t n, bool copy_bits,
                          uint64_t *bytes, uint32_t *ndocs, dp_buf *err)
{
    merger m;
    char path[4096];
    int rc;

    memset(&m, 0, sizeof m);
    m.copy_bits = copy_bits;
    m.n = n;
    m.err = err;
    m.in = dp__calloc(n + 1, sizeof *m.in);
    if (m.in == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        m.in[i].g = segs[i];
    dp__seg_path(path, sizeof path, dir, no);
    rc = dp__segw_open(&m.sw, path, err);
    if (rc == DP_OK)
        rc = copy_docs(&m);
    dp__crash_point("merge-terms");
    if (rc == DP_OK)
        rc = merge_terms(&m);
    if (rc == DP_OK) {
        *ndocs = dp__segw_ndocs(m.sw);
        rc = dp__segw_finish(m.sw, bytes);
    }
    dp__segw_free(m.sw);
    for (size_t i = 0; i < n; i++) {
        dp__free(m.in[i].alive);
        dp__free(m.in[i].rank);
        dp__free(m.in[i].len);
        dp__free(m.in[i].fmap);
        dp__term_iter_free(m.in[i].it);
    }
    dp__free(m.in);
    dp__buf_free(&m.forms);
    dp__free(m.foff);
    dp__free(m.flen);
    dp__free(m.fcf);
    dp__free(m.ford);
    dp__free(m.tmpf);
    return rc;
}
