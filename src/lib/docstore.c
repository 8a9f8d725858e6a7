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

/* One block: compress raw[0..n) and append it and its index entry. */
static int compress_block(ZSTD_CCtx *zc, const char *raw, size_t n,
                          uint32_t first, dp_buf *blocks, dp_buf *idx)
{
    size_t bound = ZSTD_compressBound(n);
    uint8_t e[24];
    if (dp__buf_reserve(blocks, bound) != DP_OK)
        return DP_ENOMEM;
    char *dst = blocks->p + blocks->n;
    size_t c = ZSTD_compressCCtx(zc, dst, bound, raw, n, DP__ZSTD_LEVEL);
    if (ZSTD_isError(c) || n > UINT32_MAX || c > UINT32_MAX)
        return DP_ENOMEM;
    dp__put_u32(e, first);
    dp__put_u32(e + 4, (uint32_t)c);
    dp__put_u64(e + 8, blocks->n);
    dp__put_u32(e + 16, (uint32_t)n);
    dp__put_u32(e + 20, dp__crc32c(0, dst, c));
    blocks->n += c;
    return dp__buf_append(idx, e, 24);
}

/* Records go to blocks in docid order.  Consecutive live records are
** contiguous in raw, so a block is compressed from raw itself; only a
** block with a deleted record inside is gathered into a copy first. */
int dp__store_compress(const dp_buf *raw, const dp_buf *offs,
                       const uint32_t *docmap, uint32_t n, dp_buf *blocks,
                       dp_buf *idx, uint32_t *nblocks)
{
    ZSTD_CCtx *zc = ZSTD_createCCtx();
    dp_buf cur = DP_BUF_INIT;
    uint32_t first = 0;
    size_t bs = 0, be = 0; /* the block so far is raw[bs..be) */
    bool copied = false;   /* ... or, when it has a gap, cur */
    int rc = zc ? DP_OK : DP_ENOMEM;
    *nblocks = 0;
    for (uint32_t d = 0; d < n && rc == DP_OK; d++) {
        if (docmap[d] == UINT32_MAX)
            continue;
        const uint8_t *o = (const uint8_t *)offs->p + 4 * (size_t)d;
        uint32_t a = dp__get_u32(o), b = dp__get_u32(o + 4);
        if (!copied && be == bs) {
            first = docmap[d];
            bs = a;
            be = b;
        } else if (!copied && a == be) {
            be = b;
        } else {
            if (!copied) {
                rc = dp__buf_append(&cur, raw->p + bs, be - bs);
                copied = true;
            }
            if (rc == DP_OK)
                rc = dp__buf_append(&cur, raw->p + a, b - a);
        }
        size_t len = copied ? cur.n : be - bs;
        if (rc == DP_OK && len >= DP__STORE_BLOCK) {
            rc = compress_block(zc, copied ? cur.p : raw->p + bs, len, first,
                                blocks, idx);
            (*nblocks)++;
            dp__buf_clear(&cur);
            copied = false;
            bs = be = 0;
        }
    }
    size_t len = copied ? cur.n : be - bs;
    if (rc == DP_OK && len > 0) {
        rc = compress_block(zc, copied ? cur.p : raw->p + bs, len, first,
                            blocks, idx);
        (*nblocks)++;
    }
    dp__buf_free(&cur);
    ZSTD_freeCCtx(zc);
    return rc;
}
