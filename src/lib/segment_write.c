/*
** segment_write.c -- writing one immutable segment file, streaming.
**
** A segment file (seg-NNNNNNNNNNNN.dps) is, all integers little-endian:
**
**   header   "DPSEGMT1", u32 version (5), u32 flags (0)
**   sections: a merge writes STORE, POST, POSTCRC, COLS, SOURCES, IDS,
**            DICT, DICTIDX, STOREIDX, META; a flush writes POST first and
**            STORE after DICTIDX (any order is valid: the table says where
**            each one is)
**   table    per section: u32 id, u32 CRC-32C of its bytes, u64 offset,
**            u64 length (24 bytes each)
**   trailer  u64 table offset, u32 section count, u32 CRC-32C of the table,
**            "DPSEGEND"
**
**   META     u32 ndocs, u32 0, u64 total tokens, u64 nterms, u32 dictionary
**            blocks, u32 postings chunk size, u32 store blocks, u32 sources
**   COLS     per doc 24 bytes: date (12, dp__date_pack), u32 length in
**            tokens, u16 title length, 2 bytes lang, u32 source id
**   SOURCES  (nsources + 1) u32 offsets into the names that follow;
**            source 0 is ""
**   IDS      (ndocs + 1) u32 offsets, ndocs u32 docids sorted by (id,
**            docid), the id bytes in docid order
**   DICT     terms in byte order, in blocks of 32 front-coded entries:
**            varint shared-prefix, varint suffix length, suffix, varint df,
**            varint cf - df, [varint max_freq - 1 when df > 1], varint
**            postings length, varint nforms, and per form: varint prefix
**            shared with the term, varint suffix length, suffix, [varint
**            df, varint cf when nforms > 1]
**   DICTIDX  per block u32 offset in DICT, u32 0, u64 postings offset of
**            its first term
**   POST     the postings of every term, in dictionary order (postings.c)
**   POSTCRC  u32 CRC-32C of each 32 KiB chunk of POST
**   STORE    zstd frames of serialized records (docstore.c)
**   STOREIDX per block u32 first docid, u32 compressed length, u64
**            offset, u32 raw length, u32 CRC-32C
**
** The writer takes documents first (in docid order), then terms in byte
** order with their postings (a flush may instead hand the STORE section
** over precompressed at the end, written after POST: see
** dp__segw_defer_store); it keeps in memory only the columns, ids,
** the dictionary and the postings of the current term.  It has a sticky
** rc (FTS5's p->rc): after a failure every call returns it.
*/
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

#define WBUF_FLUSH (1u << 20)

typedef struct sec_ent {
    uint32_t id, crc;
    uint64_t off, len;
} sec_ent;

struct dp__segw {
    int rc;
    int fd;
    char *path;
    bool finished, in_terms, created;
    bool deferred;        /* STORE comes precompressed, after POST */
    const dp_buf *pre_blocks, *pre_idx;
    uint32_t pre_nblocks;
    dp_buf *err;
    dp_buf wbuf;
    uint64_t off;         /* logical file offset (written + buffered) */
    sec_ent secs[DP__SEC_COUNT];
    int nsecs;
    uint32_t sec_crc;
    uint64_t sec_off;
    /* documents */
    dp_buf cols, id_blob, id_offs;
    uint32_t ndocs;
    uint64_t tokens;
    dp_buf src_blob, src_offs;
    uint32_t *src_hash;
    uint32_t src_hcap, nsources;
    /* store */
    dp_buf store_raw, store_idx, zout;
    uint32_t store_first, store_nblocks;
    uint64_t store_off;
    ZSTD_CCtx *zc;
    /* terms */
    dp__post_enc enc;
    dp_buf term_post, dict, dictidx, postcrc;
    char term[DP__TERM_MAX], prev[DP__TERM_MAX];
    size_t term_len, prev_len;
    dp_buf forms_blob;
    size_t *form_off;
    uint32_t *form_df, *form_last;
    uint64_t *form_cf;
    uint32_t nforms, forms_cap;
    uint32_t dict_in_block, dict_nblocks;
    uint64_t nterms, post_off;
    uint32_t chunk_crc;
    uint64_t chunk_fill;
};

/**************************************************************************
** Output with per-section checksums.
*/

static int segw_fail(dp__segw *w, int rc, const char *what)
{
    if (w->rc == DP_OK) {
        w->rc = rc;
        if (rc == DP_EIO)
            dp__set_err(w->err, "%s: %s: %s", w->path, what, strerror(errno));
        else if (rc != DP_ENOMEM)
            dp__set_err(w->err, "%s: %s", w->path, what);
    }
    return w->rc;
}

static int flush_wbuf(dp__segw *w)
{
    size_t done = 0;
    while (done < w->wbuf.n) {
        ssize_t k = write(w->fd, w->wbuf.p + done, w->wbuf.n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return segw_fail(w, DP_EIO, "write");
        done += (size_t)k;
    }
    dp__buf_clear(&w->wbuf);
    return DP_OK;
}

static int out(dp__segw *w, const void *p, size_t n)
{
    if (w->rc != DP_OK)
        return w->rc;
    int rc = dp__buf_append(&w->wbuf, p, n);
    if (rc != DP_OK)
        return segw_fail(w, rc, "buffer");
    w->sec_crc = dp__crc32c(w->sec_crc, p, n);
    w->off += n;
    if (w->wbuf.n >= WBUF_FLUSH)
        return flush_wbuf(w);
    return DP_OK;
}

static void sec_begin(dp__segw *w)
{
    w->sec_crc = 0;
    w->sec_off = w->off;
}

static void sec_end(dp__segw *w, uint32_t id)
{
    sec_ent *e = &w->secs[w->nsecs++];
    e->id = id;
    e->crc = w->sec_crc;
    e->off = w->sec_off;
    e->len = w->off - w->sec_off;
}

static int out_section(dp__segw *w, uint32_t id, const dp_buf *b)
{
    sec_begin(w);
    out(w, b->p, b->n);
    sec_end(w, id);
    return w->rc;
}

/**************************************************************************
** Opening and documents.
*/

int dp__segw_open(dp__segw **outp, const char *path, dp_buf *err)
{
    return dp__segw_open_version(outp, path, DP__SEG_VERSION, err);
}

int dp__segw_open_version(dp__segw **outp, const char *path,
                          uint32_t version, dp_buf *err)
{
    dp__segw *w;
    uint8_t header[16] = "DPSEGMT1";
    *outp = NULL;
    if (version < 2 || version > DP__SEG_VERSION)
        return DP_EINVAL;
    w = dp__calloc(1, sizeof *w);
    if (w == NULL)
        return DP_ENOMEM;
    w->fd = -1;
    w->err = err;
    dp__post_enc_init(&w->enc, version);
    w->path = dp__strndup(path, strlen(path));
    w->zc = ZSTD_createCCtx();
    if (w->path == NULL || w->zc == NULL ||
        dp__buf_put_u32(&w->src_offs, 0) != DP_OK ||
        dp__buf_put_u32(&w->id_offs, 0) != DP_OK) {
        dp__segw_free(w);
        return DP_ENOMEM;
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        dp__set_err(err, "%s: %s", path, strerror(errno));
        dp__segw_free(w);
        return DP_EIO;
    }
    w->created = true;
    /* source 0 is the empty source */
    dp__buf_put_u32(&w->src_offs, 0);
    w->nsources = 1;
    dp__put_u32(header + 8, version);
    out(w, header, 16);
    sec_begin(w); /* STORE starts here */
    if (w->rc != DP_OK) {
        int rc = w->rc;
        dp__segw_free(w);
        return rc;
    }
    *outp = w;
    return DP_OK;
}

uint32_t dp__segw_ndocs(const dp__segw *w) { return w->ndocs; }

static uint32_t hash_bytes(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static dp_slice source_at(const dp__segw *w, uint32_t i)
{
    uint32_t a = dp__get_u32((const uint8_t *)w->src_offs.p + 4 * i);
    uint32_t b = dp__get_u32((const uint8_t *)w->src_offs.p + 4 * (i + 1));
    dp_slice s = {w->src_blob.p + a, b - a};
    return s;
}

static int grow_src_hash(dp__segw *w)
{
    uint32_t cap = w->src_hcap ? w->src_hcap * 2 : 64;
    uint32_t *h = dp__calloc(cap, sizeof *h);
    if (h == NULL)
        return DP_ENOMEM;
    for (uint32_t i = 1; i < w->nsources; i++) {
        dp_slice s = source_at(w, i);
        uint32_t k = hash_bytes(s.p, s.n) & (cap - 1);
        while (h[k])
            k = (k + 1) & (cap - 1);
        h[k] = i;
    }
    dp__free(w->src_hash);
    w->src_hash = h;
    w->src_hcap = cap;
    return DP_OK;
}

/* The source id of name, added when new. */
static int source_id(dp__segw *w, dp_slice name, uint32_t *id)
{
    if (name.n == 0) {
        *id = 0;
        return DP_OK;
    }
    if (w->nsources * 2 >= w->src_hcap && grow_src_hash(w) != DP_OK)
        return DP_ENOMEM;
    uint32_t k = hash_bytes(name.p, name.n) & (w->src_hcap - 1);
    for (; w->src_hash[k]; k = (k + 1) & (w->src_hcap - 1)) {
        dp_slice s = source_at(w, w->src_hash[k]);
        if (s.n == name.n && memcmp(s.p, name.p, name.n) == 0) {
            *id = w->src_hash[k];
            return DP_OK;
        }
    }
    if (dp__buf_append(&w->src_blob, name.p, name.n) != DP_OK ||
        dp__buf_put_u32(&w->src_offs, (uint32_t)w->src_blob.n) != DP_OK)
        return DP_ENOMEM;
    w->src_hash[k] = w->nsources;
    *id = w->nsources++;
    return DP_OK;
}

static int store_flush_block(dp__segw *w)
{
    if (w->ndocs == w->store_first)
        return w->rc; /* no document since the last block */
    size_t bound = ZSTD_compressBound(w->store_raw.n);
    dp__buf_clear(&w->zout);
    if (dp__buf_reserve(&w->zout, bound) != DP_OK)
        return segw_fail(w, DP_ENOMEM, "memory");
    size_t c = ZSTD_compressCCtx(w->zc, w->zout.p, bound, w->store_raw.p,
                                 w->store_raw.n, DP__ZSTD_LEVEL);
    if (ZSTD_isError(c))
        return segw_fail(w, DP_ENOMEM, "zstd");
    uint8_t e[24];
    dp__put_u32(e, w->store_first);
    dp__put_u32(e + 4, (uint32_t)c);
    dp__put_u64(e + 8, w->store_off);
    dp__put_u32(e + 16, (uint32_t)w->store_raw.n);
    dp__put_u32(e + 20, dp__crc32c(0, w->zout.p, c));
    if (dp__buf_append(&w->store_idx, e, 24) != DP_OK)
        return segw_fail(w, DP_ENOMEM, "memory");
    out(w, w->zout.p, c);
    w->store_off += c;
    w->store_nblocks++;
    w->store_first = w->ndocs;
    dp__buf_clear(&w->store_raw);
    return w->rc;
}

int dp__segw_doc(dp__segw *w, const dp__doc_cols *cols, dp_slice source,
                 dp_slice id, const void *raw, size_t raw_n)
{
    uint8_t r[DP__COL_ROW];
    uint32_t src;
    if (w->rc != DP_OK)
        return w->rc;
    if (w->in_terms || raw_n > UINT32_MAX / 2)
        return segw_fail(w, DP_EINVAL, "document after terms");
    if (source_id(w, source, &src) != DP_OK)
        return segw_fail(w, DP_ENOMEM, "memory");
    memset(r, 0, sizeof r);
    dp__date_pack(&cols->date, r);
    dp__put_u32(r + 12, cols->length);
    dp__put_u16(r + 16, (uint16_t)(cols->title_len > 65535 ? 65535
                                                            : cols->title_len));
    r[18] = (uint8_t)cols->lang[0];
    r[19] = cols->lang[0] ? (uint8_t)cols->lang[1] : 0;
    dp__put_u32(r + 20, src);
    if (dp__buf_append(&w->cols, r, sizeof r) != DP_OK ||
        dp__buf_append(&w->id_blob, id.p, id.n) != DP_OK ||
        dp__buf_put_u32(&w->id_offs, (uint32_t)w->id_blob.n) != DP_OK ||
        (!w->deferred && raw_n && dp__buf_append(&w->store_raw, raw, raw_n) != DP_OK))
        return segw_fail(w, DP_ENOMEM, "memory");
    w->ndocs++;
    w->tokens += cols->length;
    if (!w->deferred && w->store_raw.n >= DP__STORE_BLOCK)
        return store_flush_block(w);
    return DP_OK;
}

int dp__segw_store_cut(dp__segw *w)
{
    return store_flush_block(w);
}

int dp__segw_store_copy(dp__segw *w, const void *z, uint32_t clen,
                        uint32_t rawlen, uint32_t crc)
{
    uint8_t e[24];
    if (w->rc != DP_OK)
        return w->rc;
    if (w->deferred || w->in_terms || w->store_raw.n != 0 ||
        w->ndocs == w->store_first)
        return segw_fail(w, DP_EINVAL, "misplaced store block");
    dp__put_u32(e, w->store_first);
    dp__put_u32(e + 4, clen);
    dp__put_u64(e + 8, w->store_off);
    dp__put_u32(e + 16, rawlen);
    dp__put_u32(e + 20, crc);
    if (dp__buf_append(&w->store_idx, e, 24) != DP_OK)
        return segw_fail(w, DP_ENOMEM, "memory");
    out(w, z, clen);
    w->store_off += clen;
    w->store_nblocks++;
    w->store_first = w->ndocs;
    return w->rc;
}

/**************************************************************************
** Terms.
*/

/* Close STORE and open POST (first term, or finish). */
static int start_terms(dp__segw *w)
{
    if (w->in_terms)
        return w->rc;
    w->in_terms = true;
    if (!w->deferred) {
        store_flush_block(w);
        sec_end(w, DP__SEC_STORE);
    }
    sec_begin(w);
    return w->rc;
}

void dp__segw_defer_store(dp__segw *w)
{
    w->deferred = true;
}

void dp__segw_put_store(dp__segw *w, const dp_buf *blocks, const dp_buf *idx,
                        uint32_t nblocks)
{
    w->pre_blocks = blocks;
    w->pre_idx = idx;
    w->pre_nblocks = nblocks;
}

/* The precompressed STORE and its index (deferred mode). */
static void out_deferred_store(dp__segw *w)
{
    if (w->pre_blocks == NULL || w->pre_idx->n != (size_t)w->pre_nblocks * 24) {
        segw_fail(w, DP_EINVAL, "document store missing");
        return;
    }
    sec_begin(w);
    out(w, w->pre_blocks->p, w->pre_blocks->n);
    sec_end(w, DP__SEC_STORE);
    out_section(w, DP__SEC_STOREIDX, w->pre_idx);
    w->store_nblocks = w->pre_nblocks;
}

int dp__segw_term_begin(dp__segw *w, const char *term, size_t n,
                        const dp_slice *forms, uint32_t nforms)
{
    if (start_terms(w) != DP_OK)
        return w->rc;
    if (n == 0 || n >= DP__TERM_MAX || nforms == 0)
        return segw_fail(w, DP_EINVAL, "bad term");
    if (nforms > w->forms_cap) {
        uint32_t cap = nforms * 2;
        dp__free(w->form_off);
        w->form_off = dp__malloc(cap * (sizeof(size_t) + 2 * sizeof(uint32_t) +
                                        sizeof(uint64_t)));
        if (w->form_off == NULL) {
            w->forms_cap = 0;
            return segw_fail(w, DP_ENOMEM, "memory");
        }
        w->form_cf = (uint64_t *)(w->form_off + cap);
        w->form_df = (uint32_t *)(w->form_cf + cap);
        w->form_last = w->form_df + cap;
        w->forms_cap = cap;
    }
    memcpy(w->term, term, n);
    w->term_len = n;
    dp__buf_clear(&w->forms_blob);
    for (uint32_t i = 0; i < nforms; i++) {
        size_t fl = forms[i].n >= DP__TERM_MAX ? DP__TERM_MAX - 1 : forms[i].n;
        w->form_off[i] = w->forms_blob.n;
        if (dp__buf_put_varint(&w->forms_blob, fl) != DP_OK ||
            dp__buf_append(&w->forms_blob, forms[i].p, fl) != DP_OK)
            return segw_fail(w, DP_ENOMEM, "memory");
        w->form_cf[i] = 0;
        w->form_df[i] = 0;
        w->form_last[i] = UINT32_MAX;
    }
    w->nforms = nforms;
    dp__post_enc_reset(&w->enc, nforms);
    w->enc.ndocs = w->ndocs;
    return DP_OK;
}

int dp__segw_term_doc(dp__segw *w, uint32_t doc, const uint32_t *pos,
                      const uint32_t *forms, uint32_t freq)
{
    if (w->rc != DP_OK)
        return w->rc;
    if (doc >= w->ndocs)
        return segw_fail(w, DP_EINVAL, "docid out of range");
    uint32_t len = dp__get_u32((const uint8_t *)w->cols.p +
                               (size_t)doc * DP__COL_ROW + 12);
    for (uint32_t i = 0; i < freq; i++) {
        uint32_t f = forms && w->nforms > 1 ? forms[i] : 0;
        if (f >= w->nforms)
            return segw_fail(w, DP_EINVAL, "form index");
        w->form_cf[f]++;
        if (w->form_last[f] != doc) {
            w->form_last[f] = doc;
            w->form_df[f]++;
        }
    }
    int rc = dp__post_enc_add(&w->enc, doc, len, pos, forms, freq);
    if (rc != DP_OK)
        return segw_fail(w, rc, "postings order");
    return DP_OK;
}

/* Count n occurrences of form f in doc for the dictionary entry. */
static int note_form(dp__segw *w, uint32_t doc, uint32_t f, uint32_t n)
{
    if (f >= w->nforms)
        return segw_fail(w, DP_EINVAL, "form index");
    w->form_cf[f] += n;
    if (w->form_last[f] != doc) {
        w->form_last[f] = doc;
        w->form_df[f]++;
    }
    return DP_OK;
}

int dp__segw_term_doc_bits(dp__segw *w, uint32_t doc, uint32_t freq,
                           uint32_t code, const uint32_t *forms,
                           const dp__pos_bits *b)
{
    if (w->rc != DP_OK)
        return w->rc;
    if (doc >= w->ndocs)
        return segw_fail(w, DP_EINVAL, "docid out of range");
    if (code == 1 && forms == NULL)
        return segw_fail(w, DP_EINVAL, "form index");
    if (code == 1) {
        for (uint32_t i = 0; i < freq; i++)
            if (note_form(w, doc, forms[i], 1) != DP_OK)
                return w->rc;
    } else if (note_form(w, doc, code ? code - 1 : 0, freq) != DP_OK) {
        return w->rc;
    }
    int rc = dp__post_enc_add_bits(&w->enc, doc, b->len, freq, code, b);
    if (rc != DP_OK)
        return segw_fail(w, rc, "postings order");
    return DP_OK;
}

static size_t common_prefix(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, n = an < bn ? an : bn;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

static int dict_entry(dp__segw *w, uint64_t plen)
{
    dp_buf *d = &w->dict;
    const dp__post_enc *e = &w->enc;
    int rc = DP_OK;
    if (w->dict_in_block == 0) {
        uint8_t ix[16];
        dp__put_u32(ix, (uint32_t)d->n);
        dp__put_u32(ix + 4, 0);
        dp__put_u64(ix + 8, w->post_off);
        rc = dp__buf_append(&w->dictidx, ix, 16);
        w->prev_len = 0;
        w->dict_nblocks++;
    }
    size_t pre = common_prefix(w->prev, w->prev_len, w->term, w->term_len);
    rc = rc ? rc : dp__buf_put_varint(d, pre);
    rc = rc ? rc : dp__buf_put_varint(d, w->term_len - pre);
    rc = rc ? rc : dp__buf_append(d, w->term + pre, w->term_len - pre);
    rc = rc ? rc : dp__buf_put_varint(d, e->df);
    rc = rc ? rc : dp__buf_put_varint(d, e->cf - e->df);
    if (e->df > 1)
        rc = rc ? rc : dp__buf_put_varint(d, e->max_freq - 1);
    rc = rc ? rc : dp__buf_put_varint(d, plen);
    rc = rc ? rc : dp__buf_put_varint(d, w->nforms);
    for (uint32_t i = 0; i < w->nforms && rc == DP_OK; i++) {
        const uint8_t *q = (const uint8_t *)w->forms_blob.p + w->form_off[i];
        uint64_t fl;
        dp__get_varint(&q, (const uint8_t *)w->forms_blob.p + w->forms_blob.n,
                       &fl);
        size_t fp = common_prefix(w->term, w->term_len, (const char *)q, fl);
        rc = dp__buf_put_varint(d, fp);
        rc = rc ? rc : dp__buf_put_varint(d, fl - fp);
        rc = rc ? rc : dp__buf_append(d, q + fp, fl - fp);
        if (w->nforms > 1) {
            rc = rc ? rc : dp__buf_put_varint(d, w->form_df[i]);
            rc = rc ? rc : dp__buf_put_varint(d, w->form_cf[i]);
        }
    }
    memcpy(w->prev, w->term, w->term_len);
    w->prev_len = w->term_len;
    w->dict_in_block = (w->dict_in_block + 1) % DP__DICT_BLOCK;
    return rc;
}

/* POST bytes out, with the per-chunk checksums. */
static int out_post(dp__segw *w, const char *p, size_t n)
{
    while (n > 0 && w->rc == DP_OK) {
        size_t k = DP__POST_CHUNK - w->chunk_fill;
        if (k > n)
            k = n;
        w->chunk_crc = dp__crc32c(w->chunk_crc, p, k);
        w->chunk_fill += k;
        out(w, p, k);
        p += k;
        n -= k;
        if (w->chunk_fill == DP__POST_CHUNK) {
            if (dp__buf_put_u32(&w->postcrc, w->chunk_crc) != DP_OK)
                return segw_fail(w, DP_ENOMEM, "memory");
            w->chunk_crc = 0;
            w->chunk_fill = 0;
        }
    }
    return w->rc;
}

int dp__segw_term_end(dp__segw *w)
{
    if (w->rc != DP_OK)
        return w->rc;
    if (w->enc.df == 0 && w->enc.n == 0)
        return DP_OK; /* every doc of the term was deleted */
    dp__buf_clear(&w->term_post);
    int rc = dp__post_enc_finish(&w->enc, &w->term_post);
    if (rc == DP_OK)
        rc = dict_entry(w, w->term_post.n);
    if (rc != DP_OK)
        return segw_fail(w, rc, "memory");
    w->nterms++;
    w->post_off += w->term_post.n;
    return out_post(w, w->term_post.p, w->term_post.n);
}

/**************************************************************************
** Finishing.
*/

static int cmp_ids(const void *a, const void *b, void *ctx)
{
    const dp__segw *w = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const uint8_t *o = (const uint8_t *)w->id_offs.p;
    uint32_t xa = dp__get_u32(o + 4 * x), xb = dp__get_u32(o + 4 * x + 4);
    uint32_t ya = dp__get_u32(o + 4 * y), yb = dp__get_u32(o + 4 * y + 4);
    size_t xn = xb - xa, yn = yb - ya;
    int c = memcmp(w->id_blob.p + xa, w->id_blob.p + ya, xn < yn ? xn : yn);
    if (c != 0)
        return c;
    if (xn != yn)
        return xn < yn ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int out_ids(dp__segw *w)
{
    uint32_t *ord = dp__malloc((w->ndocs + 1) * sizeof *ord);
    if (ord == NULL)
        return segw_fail(w, DP_ENOMEM, "memory");
    for (uint32_t i = 0; i < w->ndocs; i++)
        ord[i] = i;
    qsort_r(ord, w->ndocs, sizeof *ord, cmp_ids, w);
    sec_begin(w);
    out(w, w->id_offs.p, w->id_offs.n);
    for (uint32_t i = 0; i < w->ndocs; i++) {
        uint8_t b[4];
        dp__put_u32(b, ord[i]);
        out(w, b, 4);
    }
    out(w, w->id_blob.p, w->id_blob.n);
    sec_end(w, DP__SEC_IDS);
    dp__free(ord);
    return w->rc;
}

static void out_meta(dp__segw *w)
{
    uint8_t m[40];
    dp__put_u32(m, w->ndocs);
    dp__put_u32(m + 4, 0);
    dp__put_u64(m + 8, w->tokens);
    dp__put_u64(m + 16, w->nterms);
    dp__put_u32(m + 24, w->dict_nblocks);
    dp__put_u32(m + 28, DP__POST_CHUNK);
    dp__put_u32(m + 32, w->store_nblocks);
    dp__put_u32(m + 36, w->nsources);
    sec_begin(w);
    out(w, m, sizeof m);
    sec_end(w, DP__SEC_META);
}

static void out_table(dp__segw *w)
{
    uint8_t t[DP__SEC_COUNT * 24], tr[24];
    size_t n = (size_t)w->nsecs * 24;
    uint64_t toff = w->off;
    for (int i = 0; i < w->nsecs; i++) {
        dp__put_u32(t + 24 * i, w->secs[i].id);
        dp__put_u32(t + 24 * i + 4, w->secs[i].crc);
        dp__put_u64(t + 24 * i + 8, w->secs[i].off);
        dp__put_u64(t + 24 * i + 16, w->secs[i].len);
    }
    out(w, t, n);
    dp__put_u64(tr, toff);
    dp__put_u32(tr + 8, (uint32_t)w->nsecs);
    dp__put_u32(tr + 12, dp__crc32c(0, t, n));
    memcpy(tr + 16, "DPSEGEND", 8);
    out(w, tr, 24);
}

int dp__segw_finish(dp__segw *w, uint64_t *bytes)
{
    if (start_terms(w) != DP_OK)
        return w->rc;
    sec_end(w, DP__SEC_POST);
    if (w->chunk_fill > 0 &&
        dp__buf_put_u32(&w->postcrc, w->chunk_crc) != DP_OK)
        return segw_fail(w, DP_ENOMEM, "memory");
    out_section(w, DP__SEC_POSTCRC, &w->postcrc);
    out_section(w, DP__SEC_COLS, &w->cols);
    sec_begin(w);
    out(w, w->src_offs.p, w->src_offs.n);
    out(w, w->src_blob.p, w->src_blob.n);
    sec_end(w, DP__SEC_SOURCES);
    out_ids(w);
    out_section(w, DP__SEC_DICT, &w->dict);
    out_section(w, DP__SEC_DICTIDX, &w->dictidx);
    if (w->deferred)
        out_deferred_store(w);
    else
        out_section(w, DP__SEC_STOREIDX, &w->store_idx);
    out_meta(w);
    out_table(w);
    if (w->rc == DP_OK)
        flush_wbuf(w);
    dp__crash_point("segment-fsync");
    if (w->rc == DP_OK && dp__fsync(w->fd) != 0)
        segw_fail(w, DP_EIO, "fsync");
    if (w->rc == DP_OK && close(w->fd) != 0)
        segw_fail(w, DP_EIO, "close");
    w->fd = -1;
    if (w->rc == DP_OK) {
        w->finished = true;
        if (bytes)
            *bytes = w->off;
    }
    return w->rc;
}

void dp__segw_free(dp__segw *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (!w->finished && w->created)
        unlink(w->path);
    dp__free(w->path);
    dp__buf_free(&w->wbuf);
    dp__buf_free(&w->cols);
    dp__buf_free(&w->id_blob);
    dp__buf_free(&w->id_offs);
    dp__buf_free(&w->src_blob);
    dp__buf_free(&w->src_offs);
    dp__free(w->src_hash);
    dp__buf_free(&w->store_raw);
    dp__buf_free(&w->store_idx);
    dp__buf_free(&w->zout);
    ZSTD_freeCCtx(w->zc);
    dp__post_enc_free(&w->enc);
    dp__buf_free(&w->term_post);
    dp__buf_free(&w->dict);
    dp__buf_free(&w->dictidx);
    dp__buf_free(&w->postcrc);
    dp__buf_free(&w->forms_blob);
    dp__free(w->form_off);
    dp__free(w);
}
