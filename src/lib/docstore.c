/*
** docstore.c -- the document store: every original record, serialized
** and compressed with zstd (level 2) in blocks of about 256 KiB, for
** display and snippets.
**
** A serialized record is: varint len + id bytes; the date as 12 packed
** bytes (dp__date_pack); then varint len + bytes of title, text, source,
** url and lang; varint n_extra; per extra field varint len + name, varint
** len + value.  A STORE block is one zstd frame of consecutive records;
** the STOREIDX entry of block b is u32 first_docid, u32 compressed length,
** u64 offset in STORE, u32 raw length, u32 CRC-32C of the compressed
** bytes.  A fetch checks the CRC, decompresses the block into the
** caller's dp__fetch (which caches it: consecutive fetches in one block
** decompress once) and walks to the record.
*/
#include "store.h"

#include <zstd.h>

#define RAW_BLOCK_MAX ((uint64_t)1 << 30)

static int put_slice(dp_buf *b, const char *p, size_t n)
{
    int rc = dp__buf_put_varint(b, n);
    if (rc == DP_OK && n)
        rc = dp__buf_append(b, p, n);
    return rc;
}

int dp__record_serialize(dp_buf *b, const dp_record *rec, dp_slice lang)
{
    uint8_t date[12];
    int rc = put_slice(b, rec->id.p, rec->id.n);
    dp__date_pack(&rec->date, date);
    if (rc == DP_OK)
        rc = dp__buf_append(b, date, 12);
    if (rc == DP_OK)
        rc = put_slice(b, rec->title.p, rec->title.n);
    if (rc == DP_OK)
        rc = put_slice(b, rec->text.p, rec->text.n);
    if (rc == DP_OK)
        rc = put_slice(b, rec->source.p, rec->source.n);
    if (rc == DP_OK)
        rc = put_slice(b, rec->url.p, rec->url.n);
    if (rc == DP_OK)
        rc = put_slice(b, lang.p, lang.n);
    if (rc == DP_OK)
        rc = dp__buf_put_varint(b, rec->n_extra);
    for (size_t i = 0; i < rec->n_extra && rc == DP_OK; i++) {
        rc = put_slice(b, rec->extra[i].name.p, rec->extra[i].name.n);
        if (rc == DP_OK)
            rc = put_slice(b, rec->extra[i].value.p, rec->extra[i].value.n);
    }
    return rc;
}

static bool get_slice(const uint8_t **p, const uint8_t *end, dp_slice *s)
{
    uint64_t n;
    if (!dp__get_varint(p, end, &n) || n > (uint64_t)(end - *p))
        return false;
    s->p = n ? (const char *)*p : "";
    s->n = (size_t)n;
    *p += n;
    return true;
}

bool dp__record_skip(const uint8_t **p, const uint8_t *end)
{
    dp_slice s;
    uint64_t n_extra;
    if (!get_slice(p, end, &s) || end - *p < 12)
        return false;
    *p += 12;
    for (int i = 0; i < 5; i++)
        if (!get_slice(p, end, &s))
            return false;
    if (!dp__get_varint(p, end, &n_extra) || n_extra > (uint64_t)(end - *p))
        return false;
    for (uint64_t i = 0; i < 2 * n_extra; i++)
        if (!get_slice(p, end, &s))
            return false;
    return true;
}

int dp__record_parse(const uint8_t **p, const uint8_t *end, dp_record *rec,
                     dp__fetch *f)
{
    uint64_t n_extra;
    memset(rec, 0, sizeof *rec);
    if (!get_slice(p, end, &rec->id) || end - *p < 12)
        return DP_ECORRUPT;
    dp__date_unpack(*p, &rec->date);
    *p += 12;
    if (!get_slice(p, end, &rec->title) || !get_slice(p, end, &rec->text) ||
        !get_slice(p, end, &rec->source) || !get_slice(p, end, &rec->url) ||
        !get_slice(p, end, &rec->lang) ||
        !dp__get_varint(p, end, &n_extra) || n_extra > (uint64_t)(end - *p))
        return DP_ECORRUPT;
    if (n_extra > f->extra_cap) {
        dp_field *ne = dp__realloc(f->extra, n_extra * sizeof *ne);
        if (ne == NULL)
            return DP_ENOMEM;
        f->extra = ne;
        f->extra_cap = n_extra;
    }
    for (uint64_t i = 0; i < n_extra; i++)
        if (!get_slice(p, end, &f->extra[i].name) ||
            !get_slice(p, end, &f->extra[i].value))
            return DP_ECORRUPT;
    rec->extra = f->extra;
    rec->n_extra = (size_t)n_extra;
    return DP_OK;
}

static int store_corrupt(const dp__segment *g, const char *what)
{
    dp__set_err(g->err, "%s: damaged document store (%s)", g->file->path,
                what);
    return DP_ECORRUPT;
}

/* The block holding docid (the last whose first doc is <= docid). */
static uint32_t store_block_of(const dp__segfile *sf, uint32_t docid)
{
    uint32_t lo = 0, hi = sf->store_nblocks;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (dp__get_u32(sf->storeidx + (size_t)mid * 24) <= docid)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int load_store_block(const dp__segment *g, uint32_t b, dp__fetch *f)
{
    const dp__segfile *sf = g->file;
    const uint8_t *e = sf->storeidx + (size_t)b * 24;
    uint32_t clen = dp__get_u32(e + 4), raw = dp__get_u32(e + 16);
    const uint8_t *src = sf->sec[DP__SEC_STORE].p + dp__get_u64(e + 8);

    if (f->seg == sf && f->block == b)
        return DP_OK;
    f->seg = NULL;
    if (dp__crc32c(0, src, clen) != dp__get_u32(e + 20))
        return store_corrupt(g, "block checksum");
    /* the frame says its size: check it before allocating anything */
    if (raw > RAW_BLOCK_MAX || ZSTD_getFrameContentSize(src, clen) != raw)
        return store_corrupt(g, "block size");
    if (raw + 1 > f->raw_cap) {
        void *nr = dp__realloc(f->raw, raw + 1);
        if (nr == NULL)
            return DP_ENOMEM;
        f->raw = nr;
        f->raw_cap = raw + 1;
    }
    size_t got = ZSTD_decompress(f->raw, raw, src, clen);
    if (ZSTD_isError(got) || got != raw)
        return store_corrupt(g, "zstd frame");
    f->seg = sf;
    f->block = b;
    return DP_OK;
}

/* Point *p at the serialized record of docid inside the cached block. */
static int locate(const dp__segment *g, uint32_t docid, dp__fetch *f,
                  const uint8_t **p, const uint8_t **end)
{
    const dp__segfile *sf = g->file;
    if (docid >= sf->ndocs)
        return DP_EINVAL;
    uint32_t b = store_block_of(sf, docid);
    int rc = load_store_block(g, b, f);
    if (rc != DP_OK)
        return rc;
    const uint8_t *e = sf->storeidx + (size_t)b * 24;
    *p = f->raw;
    *end = *p + dp__get_u32(e + 16);
    for (uint32_t d = dp__get_u32(e); d < docid; d++)
        if (!dp__record_skip(p, *end))
            return store_corrupt(g, "record");
    return DP_OK;
}

int dp__seg_fetch(const dp__segment *g, uint32_t docid, dp__fetch *f,
                  dp_record *rec)
{
    const uint8_t *p, *end;
    int rc = locate(g, docid, f, &p, &end);
    if (rc == DP_OK)
        rc = dp__record_parse(&p, end, rec, f);
    if (rc == DP_ECORRUPT)
        return store_corrupt(g, "record");
    return rc;
}

int dp__seg_fetch_raw(const dp__segment *g, uint32_t docid, dp__fetch *f,
                      const void **raw, size_t *n)
{
    const uint8_t *p, *end;
    int rc = locate(g, docid, f, &p, &end);
    if (rc != DP_OK)
        return rc;
    const uint8_t *start = p;
    if (!dp__record_skip(&p, end))
        return store_corrupt(g, "record");
    *raw = start;
    *n = (size_t)(p - start);
    return DP_OK;
}

void dp__fetch_free(dp__fetch *f)
{
    if (f == NULL)
        return;
    dp__free(f->raw);
    dp__free(f->extra);
    f->raw = NULL;
    f->extra = NULL;
    f->raw_cap = f->extra_cap = 0;
    f->seg = NULL;
}

/* One block: compress raw[0..n) into tmp, then append it and its index
** entry (so that blocks grows by what the block takes, not by zstd's
** bound: the writer counts its capacity against the memory limit). */
static int compress_block(ZSTD_CCtx *zc, const char *raw, size_t n,
                          uint32_t first, dp_buf *tmp, dp_buf *blocks,
                          dp_buf *idx)
{
    size_t bound = ZSTD_compressBound(n);
    uint8_t e[24];
    dp__buf_clear(tmp);
    if (dp__buf_reserve(tmp, bound) != DP_OK)
        return DP_ENOMEM;
    size_t c = ZSTD_compressCCtx(zc, tmp->p, bound, raw, n, DP__ZSTD_LEVEL);
    if (ZSTD_isError(c) || n > UINT32_MAX || c > UINT32_MAX)
        return DP_ENOMEM;
    dp__put_u32(e, first);
    dp__put_u32(e + 4, (uint32_t)c);
    dp__put_u64(e + 8, blocks->n);
    dp__put_u32(e + 16, (uint32_t)n);
    dp__put_u32(e + 20, dp__crc32c(0, tmp->p, c));
    int rc = dp__buf_append(blocks, tmp->p, c);
    return rc ? rc : dp__buf_append(idx, e, 24);
}

/* The store of a writer's buffer is compressed as its records arrive
** (dp__zstore_add), so that the buffer holds them compressed: about a
** third of their size, hence about twice as many documents before a
** flush, and half as many flushes and merges.  A flush keeps a block
** whose records all live as it is (its first docid mapped); a block
** holding a record deleted meanwhile (replaced or deleted while in the
** buffer) is decompressed and its live records compressed again. */
static int zstore_cut(dp__zstore *z)
{
    if (z->pend.n == 0)
        return DP_OK;
    if (z->zc == NULL && (z->zc = ZSTD_createCCtx()) == NULL)
        return DP_ENOMEM;
    size_t nb = z->blocks.n, ni = z->idx.n;
    int rc = compress_block(z->zc, z->pend.p, z->pend.n, z->pend_first,
                            &z->tmp, &z->blocks, &z->idx);
    if (rc != DP_OK) { /* keep pend: a flush tried again cuts it again */
        z->blocks.n = nb;
        z->idx.n = ni;
        return rc;
    }
    z->nblocks++;
    dp__buf_clear(&z->pend);
    z->pend_first = z->nrec;
    return DP_OK;
}

int dp__zstore_add(dp__zstore *z, const void *rec, size_t n)
{
    int rc = dp__buf_append(&z->pend, rec, n);
    if (rc != DP_OK)
        return rc;
    z->nrec++;
    return z->pend.n >= DP__STORE_BLOCK ? zstore_cut(z) : DP_OK;
}

/* Not counted: zstd's context (about 0.8 MB at level 2), as a flush's
** own working memory is not. */
size_t dp__zstore_mem(const dp__zstore *z)
{
    return z->pend.cap + z->tmp.cap + z->blocks.cap + z->idx.cap;
}

void dp__zstore_free(dp__zstore *z)
{
    ZSTD_freeCCtx(z->zc);
    dp__buf_free(&z->pend);
    dp__buf_free(&z->tmp);
    dp__buf_free(&z->blocks);
    dp__buf_free(&z->idx);
    memset(z, 0, sizeof *z);
}

/* Block b's live records (buffer indexes first to end, renumbered by
** docmap) compressed again: appended as one block (none when no record
** lives) to blocks, its STOREIDX entry to idx, *nblocks counted; raw is
** scratch for the old block. */
static int zstore_rebuild(dp__zstore *z, uint32_t b, uint32_t end,
                          const uint32_t *docmap, dp_buf *raw,
                          dp_buf *blocks, dp_buf *idx, uint32_t *nblocks)
{
    const uint8_t *e = (const uint8_t *)z->idx.p + 24 * (size_t)b;
    uint32_t first = dp__get_u32(e), clen = dp__get_u32(e + 4);
    uint32_t rawlen = dp__get_u32(e + 16);
    uint64_t off = dp__get_u64(e + 8);
    dp_buf live = DP_BUF_INIT;
    int rc = dp__buf_reserve(raw, rawlen);
    if (rc != DP_OK)
        return rc;
    size_t got = ZSTD_decompress(raw->p, rawlen, z->blocks.p + off, clen);
    if (ZSTD_isError(got) || got != rawlen)
        return DP_ENOMEM; /* our own bytes, in memory: only memory fails */
    const uint8_t *p = (const uint8_t *)raw->p, *pend = p + rawlen;
    uint32_t mapped = UINT32_MAX;
    for (uint32_t d = first; d < end && rc == DP_OK; d++) {
        const uint8_t *r = p;
        if (!dp__record_skip(&p, pend)) {
            dp__buf_free(&live);
            return DP_ENOMEM;
        }
        if (docmap[d] == UINT32_MAX)
            continue;
        if (mapped == UINT32_MAX)
            mapped = docmap[d];
        rc = dp__buf_append(&live, r, (size_t)(p - r));
    }
    if (rc == DP_OK && live.n > 0) {
        rc = compress_block(z->zc, live.p, live.n, mapped, &z->tmp, blocks,
                            idx);
        (*nblocks)++;
    }
    dp__buf_free(&live);
    return rc;
}

/* Append block b (of z) to blocks and idx as it is, its first docid
** mapped. */
static int zstore_keep(const dp__zstore *z, uint32_t b, uint32_t mapped,
                       dp_buf *blocks, dp_buf *idx)
{
    uint8_t e[24];
    memcpy(e, z->idx.p + 24 * (size_t)b, 24);
    uint32_t clen = dp__get_u32(e + 4);
    uint64_t off = dp__get_u64(e + 8);
    dp__put_u32(e, mapped);
    dp__put_u64(e + 8, blocks->n);
    int rc = dp__buf_append(blocks, z->blocks.p + off, clen);
    return rc ? rc : dp__buf_append(idx, e, 24);
}

int dp__zstore_finish(dp__zstore *z, const uint32_t *docmap,
                      dp__zstore_out *out)
{
    int rc = zstore_cut(z);
    bool gaps = false;
    for (uint32_t d = 0; d < z->nrec && !gaps; d++)
        gaps = docmap[d] == UINT32_MAX;
    memset(out, 0, sizeof *out);
    out->blocks = &z->blocks;
    out->idx = &z->idx;
    out->nblocks = z->nblocks;
    if (rc != DP_OK || !gaps) /* docmap is the identity */
        return rc;
    dp_buf raw = DP_BUF_INIT;
    for (uint32_t b = 0; b < z->nblocks && rc == DP_OK; b++) {
        const uint8_t *e = (const uint8_t *)z->idx.p + 24 * (size_t)b;
        uint32_t first = dp__get_u32(e);
        uint32_t end = b + 1 < z->nblocks ? dp__get_u32(e + 24) : z->nrec;
        bool whole = true;
        for (uint32_t d = first; d < end && whole; d++)
            whole = docmap[d] != UINT32_MAX;
        if (whole) {
            rc = zstore_keep(z, b, docmap[first], &out->own_blocks,
                             &out->own_idx);
            out->n_own++;
        } else {
            rc = zstore_rebuild(z, b, end, docmap, &raw, &out->own_blocks,
                                &out->own_idx, &out->n_own);
        }
    }
    dp__buf_free(&raw);
    out->blocks = &out->own_blocks;
    out->idx = &out->own_idx;
    out->nblocks = out->n_own;
    return rc;
}

void dp__zstore_out_free(dp__zstore_out *out)
{
    dp__buf_free(&out->own_blocks);
    dp__buf_free(&out->own_idx);
}
