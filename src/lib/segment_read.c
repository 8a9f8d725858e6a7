/*
** segment_read.c -- opening a segment file (mmap), checking it, and
** reading its columns, ids, sources and term dictionary.
**
** At open every small section (META, COLS, SOURCES, IDS, DICT, DICTIDX,
** POSTCRC, STOREIDX) is checked against its CRC-32C and its structure is
** validated (offsets, sizes, column values), so that the O(1) accessors
** of index.h cannot fail afterwards.  The two large sections are checked
** lazily: POST by 32 KiB chunks the first time a cursor touches them
** (a bitmap remembers checked chunks), STORE block by block when a record
** is fetched.  dp__segfile_verify checks everything at once.
** The byte layout is in segment_write.c and docs/format.md.
*/
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_SIZE 16
#define TRAILER_SIZE 24
#define TABLE_ENTRY 24
#define META_SIZE 40

/**************************************************************************
** Dates in the columns.
*/

void dp__date_pack(const dp_date *d, uint8_t out[12])
{
    dp__put_u16(out, (uint16_t)d->year);
    out[2] = d->month;
    out[3] = d->day;
    out[4] = d->hour;
    out[5] = d->minute;
    out[6] = d->second;
    out[7] = d->prec;
    dp__put_u16(out + 8, (uint16_t)d->tz_min);
    out[10] = d->has_tz;
    out[11] = 0;
}

void dp__date_unpack(const uint8_t in[12], dp_date *d)
{
    memset(d, 0, sizeof *d);
    d->year = (int16_t)dp__get_u16(in);
    d->month = in[2];
    d->day = in[3];
    d->hour = in[4];
    d->minute = in[5];
    d->second = in[6];
    d->prec = in[7];
    d->tz_min = (int16_t)dp__get_u16(in + 8);
    d->has_tz = in[10];
}

/* Days from 1970-01-01 (Howard Hinnant's days_from_civil). */
int32_t dp__date_days(const dp_date *d)
{
    if (d->prec == DP_PREC_NONE)
        return INT32_MIN;
    int y = d->year;
    unsigned m = d->prec >= DP_PREC_MONTH && d->month ? d->month : 1;
    unsigned dd = d->prec >= DP_PREC_DAY && d->day ? d->day : 1;
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + dd - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

/**************************************************************************
** Opening.
*/

static int seg_corrupt(dp__segfile *f, dp_buf *err, const char *what)
{
    dp__set_err(err, "%s: damaged segment (%s)", f->path, what);
    return DP_ECORRUPT;
}

static int read_table(dp__segfile *f, dp_buf *err)
{
    const uint8_t *t = f->map + f->size - TRAILER_SIZE;
    /* version 2 added the position groups (postings.c; version 1 files
    ** have none and read the same), version 3 the Rice-coded positions
    ** and the form code per posting, version 4 the patched frame of
    ** reference of full blocks, version 5 the sizes of position groups */
    uint32_t version = dp__get_u32(f->map + 8);
    if (memcmp(f->map, "DPSEGMT1", 8) != 0 || version < 1 ||
        version > DP__SEG_VERSION)
        return seg_corrupt(f, err, "bad header");
    f->version = version;
    if (memcmp(t + 16, "DPSEGEND", 8) != 0)
        return seg_corrupt(f, err, "bad trailer");
    uint64_t toff = dp__get_u64(t);
    uint32_t nsect = dp__get_u32(t + 8);
    uint64_t tlen = (uint64_t)nsect * TABLE_ENTRY;
    /* toff comes from the file: compare without toff + tlen, which a
    ** crafted offset can wrap around 2^64. */
    if (nsect > 64 || toff < HEADER_SIZE || toff > f->size - TRAILER_SIZE ||
        tlen != f->size - TRAILER_SIZE - toff)
        return seg_corrupt(f, err, "bad section table");
    if (dp__crc32c(0, f->map + toff, tlen) != dp__get_u32(t + 12))
        return seg_corrupt(f, err, "section table checksum");
    for (uint32_t i = 0; i < nsect; i++) {
        const uint8_t *e = f->map + toff + (uint64_t)i * TABLE_ENTRY;
        uint32_t id = dp__get_u32(e);
        uint64_t off = dp__get_u64(e + 8), len = dp__get_u64(e + 16);
        if (id == 0 || id >= DP__SEC_COUNT || f->sec[id].p != NULL ||
            off < HEADER_SIZE || off > toff || len > toff - off)
            return seg_corrupt(f, err, "bad section entry");
        f->sec[id].p = f->map + off;
        f->sec[id].n = len;
        f->sec[id].crc = dp__get_u32(e + 4);
    }
    for (int id = 1; id < DP__SEC_COUNT; id++) {
        if (f->sec[id].p == NULL)
            return seg_corrupt(f, err, "missing section");
        if (id == DP__SEC_POST || id == DP__SEC_STORE)
            continue;
        if (dp__crc32c(0, f->sec[id].p, f->sec[id].n) != f->sec[id].crc)
            return seg_corrupt(f, err, "section checksum");
    }
    return DP_OK;
}

static int read_meta(dp__segfile *f, dp_buf *err)
{
    const uint8_t *m = f->sec[DP__SEC_META].p;
    if (f->sec[DP__SEC_META].n != META_SIZE)
        return seg_corrupt(f, err, "meta size");
    f->ndocs = dp__get_u32(m);
    f->tokens = dp__get_u64(m + 8);
    f->nterms = dp__get_u64(m + 16);
    f->dict_nblocks = dp__get_u32(m + 24);
    f->post_chunk = dp__get_u32(m + 28);
    f->store_nblocks = dp__get_u32(m + 32);
    f->nsources = dp__get_u32(m + 36);
    if (f->post_chunk < 64 || f->nsources == 0 || f->ndocs > (1u << 31))
        return seg_corrupt(f, err, "meta values");
    f->post_nchunks = (f->sec[DP__SEC_POST].n + f->post_chunk - 1) /
                      f->post_chunk;
    if (f->sec[DP__SEC_COLS].n != (uint64_t)f->ndocs * DP__COL_ROW ||
        f->sec[DP__SEC_DICTIDX].n != (uint64_t)f->dict_nblocks * 16 ||
        f->sec[DP__SEC_POSTCRC].n != f->post_nchunks * 4 ||
        f->sec[DP__SEC_STOREIDX].n != (uint64_t)f->store_nblocks * 24)
        return seg_corrupt(f, err, "section sizes");
    f->cols = f->sec[DP__SEC_COLS].p;
    f->dictidx = f->sec[DP__SEC_DICTIDX].p;
    f->post_crcs = f->sec[DP__SEC_POSTCRC].p;
    f->storeidx = f->sec[DP__SEC_STOREIDX].p;
    return DP_OK;
}

/* An offsets table of count+1 u32 followed by a blob: check monotony. */
static bool check_offsets(const uint8_t *offs, uint64_t count,
                          uint64_t blob_n)
{
    uint32_t prev = 0;
    for (uint64_t i = 0; i <= count; i++) {
        uint32_t o = dp__get_u32(offs + 4 * i);
        if (o < prev || o > blob_n)
            return false;
        prev = o;
    }
    return dp__get_u32(offs) == 0;
}

static int read_sources_ids(dp__segfile *f, dp_buf *err)
{
    uint64_t ns = f->nsources, nd = f->ndocs;
    uint64_t sn = f->sec[DP__SEC_SOURCES].n, in = f->sec[DP__SEC_IDS].n;
    if (sn < (ns + 1) * 4 || in < (nd + 1) * 4 + nd * 4)
        return seg_corrupt(f, err, "sources/ids size");
    f->src_offs = f->sec[DP__SEC_SOURCES].p;
    f->src_blob = f->src_offs + (ns + 1) * 4;
    f->id_offs = f->sec[DP__SEC_IDS].p;
    f->id_sorted = f->id_offs + (nd + 1) * 4;
    f->id_blob = f->id_sorted + nd * 4;
    if (!check_offsets(f->src_offs, ns, sn - (ns + 1) * 4) ||
        !check_offsets(f->id_offs, nd, in - (nd + 1) * 4 - nd * 4))
        return seg_corrupt(f, err, "sources/ids offsets");
    for (uint64_t i = 0; i < nd; i++)
        if (dp__get_u32(f->id_sorted + 4 * i) >= nd)
            return seg_corrupt(f, err, "id table");
    return DP_OK;
}

static int check_cols(dp__segfile *f, dp_buf *err)
{
    uint64_t tokens = 0;
    for (uint32_t i = 0; i < f->ndocs; i++) {
        const uint8_t *r = f->cols + (size_t)i * DP__COL_ROW;
        /* A month (day) is present exactly when the precision has one:
        ** date queries index month tables with it. */
        if (r[7] > DP_PREC_TIME || r[2] > 12 || r[3] > 31 ||
            (r[2] == 0) != (r[7] < DP_PREC_MONTH) ||
            (r[3] == 0) != (r[7] < DP_PREC_DAY) ||
            dp__get_u32(r + 20) >= f->nsources)
            return seg_corrupt(f, err, "column values");
        tokens += dp__get_u32(r + 12);
    }
    if (tokens != f->tokens)
        return seg_corrupt(f, err, "token count");
    return DP_OK;
}

static int check_store_index(dp__segfile *f, dp_buf *err)
{
    uint64_t off = 0;
    uint32_t prev = 0;
    for (uint32_t b = 0; b < f->store_nblocks; b++) {
        const uint8_t *e = f->storeidx + (size_t)b * 24;
        uint32_t first = dp__get_u32(e), clen = dp__get_u32(e + 4);
        if (dp__get_u64(e + 8) != off || (b == 0 ? first != 0 : first <= prev) ||
            first >= f->ndocs)
            return seg_corrupt(f, err, "store index");
        off += clen;
        prev = first;
    }
    if (off != f->sec[DP__SEC_STORE].n || (f->ndocs && !f->store_nblocks))
        return seg_corrupt(f, err, "store size");
    return DP_OK;
}

static int check_dictidx(dp__segfile *f, dp_buf *err)
{
    uint64_t dn = f->sec[DP__SEC_DICT].n, pn = f->sec[DP__SEC_POST].n;
    uint64_t pd = 0, pp = 0;
    for (uint32_t b = 0; b < f->dict_nblocks; b++) {
        const uint8_t *e = f->dictidx + (size_t)b * 16;
        uint64_t d = dp__get_u32(e), p = dp__get_u64(e + 8);
        if (d >= dn || p > pn || d < pd || p < pp || (b == 0 && d != 0))
            return seg_corrupt(f, err, "dictionary index");
        pd = d;
        pp = p;
    }
    if ((f->nterms == 0) != (f->dict_nblocks == 0) ||
        f->nterms > (uint64_t)f->dict_nblocks * DP__DICT_BLOCK)
        return seg_corrupt(f, err, "term count");
    return DP_OK;
}

static int map_file(dp__segfile *f, dp_buf *err)
{
    struct stat st;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dp__set_err(err, "%s: %s", f->path, strerror(errno));
        return errno == ENOENT ? DP_ENOTFOUND : DP_EIO;
    }
    if (fstat(fd, &st) != 0) {
        dp__set_err(err, "%s: %s", f->path, strerror(errno));
        close(fd);
        return DP_EIO;
    }
    f->size = (size_t)st.st_size;
    if (f->size < HEADER_SIZE + TRAILER_SIZE) {
        close(fd);
        return seg_corrupt(f, err, "file too short");
    }
    void *m = mmap(NULL, f->size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        dp__set_err(err, "%s: mmap: %s", f->path, strerror(errno));
        return DP_EIO;
    }
    f->map = m;
    return DP_OK;
}

int dp__segfile_open(const char *dir, uint64_t seg_no, dp__segfile **out,
                     dp_buf *err)
{
    char path[4096];
    dp__segfile *f;
    int rc;

    *out = NULL;
    dp__seg_path(path, sizeof path, dir, seg_no);
    f = dp__calloc(1, sizeof *f);
    if (f == NULL || (f->path = dp__strndup(path, strlen(path))) == NULL) {
        dp__free(f);
        return DP_ENOMEM;
    }
    f->no = seg_no;
    f->refs = 1;
    pthread_mutex_init(&f->del_mu, NULL);
    rc = map_file(f, err);
    if (rc == DP_OK)
        rc = read_table(f, err);
    if (rc == DP_OK)
        rc = read_meta(f, err);
    if (rc == DP_OK)
        rc = read_sources_ids(f, err);
    if (rc == DP_OK)
        rc = check_cols(f, err);
    if (rc == DP_OK)
        rc = check_store_index(f, err);
    if (rc == DP_OK)
        rc = check_dictidx(f, err);
    if (rc == DP_OK) {
        f->post_ok = dp__calloc((f->post_nchunks + 63) / 64 + 1, 8);
        if (f->post_ok == NULL)
            rc = DP_ENOMEM;
    }
    if (rc != DP_OK) {
        dp__segfile_unref(f);
        return rc;
    }
    *out = f;
    return DP_OK;
}

void dp__segfile_ref(dp__segfile *f)
{
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void dp__segfile_unref(dp__segfile *f)
{
    if (f == NULL || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    if (f->map)
        munmap((void *)f->map, f->size);
    for (int i = 0; i < DP__SEG_CACHE_SLOTS; i++)
        if (f->cache[i])
            f->cache[i]->free(f->cache[i]);
    dp__free(f->post_ok);
    dp__free(f->del_bitmap);
    pthread_mutex_destroy(&f->del_mu);
    dp__free(f->path);
    dp__free(f);
}

uint64_t dp__segfile_no(const dp__segfile *f) { return f->no; }
uint64_t dp__segfile_bytes(const dp__segfile *f) { return f->size; }
uint32_t dp__segfile_ndocs(const dp__segfile *f) { return f->ndocs; }

int dp__segfile_check_post(dp__segfile *f, uint64_t off, uint64_t n,
                           dp_buf *err)
{
    if (n == 0)
        return DP_OK;
    uint64_t c0 = off / f->post_chunk, c1 = (off + n - 1) / f->post_chunk;
    for (uint64_t c = c0; c <= c1 && c < f->post_nchunks; c++) {
        uint64_t bit = 1ull << (c % 64);
        if (__atomic_load_n(&f->post_ok[c / 64], __ATOMIC_ACQUIRE) & bit)
            continue;
        uint64_t start = c * f->post_chunk;
        uint64_t len = f->sec[DP__SEC_POST].n - start;
        if (len > f->post_chunk)
            len = f->post_chunk;
        if (dp__crc32c(0, f->sec[DP__SEC_POST].p + start, len) !=
            dp__get_u32(f->post_crcs + 4 * c))
            return seg_corrupt(f, err, "postings checksum");
        __atomic_fetch_or(&f->post_ok[c / 64], bit, __ATOMIC_RELEASE);
    }
    return DP_OK;
}

void dp__segfile_drop(const dp__segfile *f, int sec, uint64_t upto)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)f->sec[sec].p;
    uintptr_t b = a + (upto < f->sec[sec].n ? upto : f->sec[sec].n);
    a = (a + page - 1) & ~(page - 1);
    b &= ~(page - 1);
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
}

int dp__segfile_verify(dp__segfile *f, dp_buf *err)
{
    for (int id = 1; id < DP__SEC_COUNT; id++)
        if (dp__crc32c(0, f->sec[id].p, f->sec[id].n) != f->sec[id].crc)
            return seg_corrupt(f, err, "section checksum");
    int rc = dp__segfile_check_post(f, 0, f->sec[DP__SEC_POST].n, err);
    for (uint32_t b = 0; b < f->store_nblocks && rc == DP_OK; b++) {
        const uint8_t *e = f->storeidx + (size_t)b * 24;
        const uint8_t *p = f->sec[DP__SEC_STORE].p + dp__get_u64(e + 8);
        if (dp__crc32c(0, p, dp__get_u32(e + 4)) != dp__get_u32(e + 20))
            rc = seg_corrupt(f, err, "store block checksum");
    }
    return rc;
}

/**************************************************************************
** Documents, columns, sources, ids.
*/

uint32_t dp__seg_ndocs(const dp__segment *g) { return g->file->ndocs; }
uint32_t dp__seg_live_docs(const dp__segment *g)
{
    return g->file->ndocs - g->ndeleted;
}
uint64_t dp__seg_total_tokens(const dp__segment *g) { return g->tokens; }
const char *dp__seg_name(const dp__segment *g) { return g->file->path; }

bool dp__seg_is_deleted(const dp__segment *g, uint32_t docid)
{
    return g->deleted && (g->deleted[docid >> 3] >> (docid & 7)) & 1;
}

uint32_t dp__seg_next_deleted(const dp__segment *g, uint32_t from)
{
    uint32_t n = g->file->ndocs;
    size_t nbytes = ((size_t)n + 7) / 8;
    if (g->deleted == NULL)
        return UINT32_MAX;
    while (from < n) {
        /* 64 bits from byte from / 8 on: bit j of w is doc from + j */
        size_t byte = from >> 3;
        unsigned sh = from & 7;
        uint64_t w = 0;
        if (byte + 8 <= nbytes)
            w = dp__get_u64(g->deleted + byte);
        else
            for (unsigned k = 0; byte + k < nbytes; k++)
                w |= (uint64_t)g->deleted[byte + k] << (8 * k);
        w >>= sh;
        if (w) {
            uint32_t d = from + (uint32_t)__builtin_ctzll(w);
            return d < n ? d : UINT32_MAX;
        }
        from += 64 - sh;
    }
    return UINT32_MAX;
}

/* Walks only the deleted documents: a snapshot is taken for every query,
** and a test per document of a large segment would cost more than many
** queries. */
void dp__segment_count(dp__segment *g)
{
    g->tokens = g->file->tokens;
    for (uint32_t d = dp__seg_next_deleted(g, 0); d != UINT32_MAX;
         d = dp__seg_next_deleted(g, d + 1))
        g->tokens -= dp__seg_doc_len(g, d);
}

int dp__segment_load_deletions(dp__segment *g, const char *dir,
                               uint64_t del_no, dp_buf *err)
{
    dp__segfile *f = g->file;
    size_t nbytes = ((size_t)f->ndocs + 7) / 8;
    uint8_t *copy = NULL;
    int rc;

    g->deleted = NULL;
    g->ndeleted = 0;
    g->del_no = del_no;
    g->tokens = f->tokens;
    if (del_no == 0)
        return DP_OK;
    pthread_mutex_lock(&f->del_mu);
    if (f->del_no == del_no && f->del_bitmap) {
        copy = dp__malloc(nbytes + 1);
        if (copy) {
            memcpy(copy, f->del_bitmap, nbytes);
            g->deleted = copy;
            g->ndeleted = f->del_count;
            g->tokens = f->del_tokens;
        }
    }
    pthread_mutex_unlock(&f->del_mu);
    if (g->deleted)
        return DP_OK;
    rc = dp__del_read(dir, del_no, f->no, f->ndocs, &g->deleted,
                      &g->ndeleted, err);
    if (rc != DP_OK)
        return rc;
    dp__segment_count(g);
    copy = dp__malloc(nbytes + 1);
    if (copy == NULL)
        return DP_OK; /* not cached: read again next time */
    memcpy(copy, g->deleted, nbytes);
    pthread_mutex_lock(&f->del_mu);
    dp__free(f->del_bitmap);
    f->del_bitmap = copy;
    f->del_no = del_no;
    f->del_count = g->ndeleted;
    f->del_tokens = g->tokens;
    pthread_mutex_unlock(&f->del_mu);
    return DP_OK;
}

static const uint8_t *row(const dp__segment *g, uint32_t docid)
{
    return g->file->cols + (size_t)docid * DP__COL_ROW;
}

void dp__seg_doc_cols(const dp__segment *g, uint32_t docid, dp__doc_cols *out)
{
    const uint8_t *r = row(g, docid);
    dp__date_unpack(r, &out->date);
    out->length = dp__get_u32(r + 12);
    out->title_len = dp__get_u16(r + 16);
    out->lang[0] = (char)r[18];
    out->lang[1] = r[18] ? (char)r[19] : 0;
    out->lang[2] = out->lang[3] = 0;
    out->source = dp__get_u32(r + 20);
}

typedef struct doclens {
    dp__seg_cached hdr;
    uint16_t len[];
} doclens;

static void doclens_free(dp__seg_cached *c) { dp__free(c); }

int dp__seg_doc_lens(const dp__segment *g, const uint16_t **out)
{
    const dp__segfile *f = g->file;
    doclens *c = (doclens *)dp__seg_cache_get(g, DP__SEG_CACHE_DOCLENS);
    if (c == NULL) {
        c = dp__malloc(sizeof *c + (size_t)f->ndocs * sizeof c->len[0]);
        if (c == NULL)
            return DP_ENOMEM;
        c->hdr.free = doclens_free;
        for (uint32_t d = 0; d < f->ndocs; d++) {
            uint32_t l = dp__get_u32(row(g, d) + 12);
            c->len[d] = (uint16_t)(l < DP__DLEN_ESC ? l : DP__DLEN_ESC);
        }
        c = (doclens *)dp__seg_cache_put(g, DP__SEG_CACHE_DOCLENS, &c->hdr);
    }
    *out = c->len;
    return DP_OK;
}

uint32_t dp__seg_doc_len(const dp__segment *g, uint32_t docid)
{
    /* the dense table when a cursor has built it: the scoring of a
    ** phrase's candidates reads the lengths of scattered documents */
    const doclens *c =
        (const doclens *)dp__seg_cache_get(g, DP__SEG_CACHE_DOCLENS);
    if (c != NULL && c->len[docid] != DP__DLEN_ESC)
        return c->len[docid];
    return dp__get_u32(row(g, docid) + 12);
}

void dp__seg_doc_date(const dp__segment *g, uint32_t docid, dp_date *out)
{
    dp__date_unpack(row(g, docid), out);
}

int32_t dp__seg_doc_day(const dp__segment *g, uint32_t docid)
{
    dp_date d;
    dp__date_unpack(row(g, docid), &d);
    return dp__date_days(&d);
}

uint32_t dp__seg_doc_source(const dp__segment *g, uint32_t docid)
{
    return dp__get_u32(row(g, docid) + 20);
}

dp__seg_cached *dp__seg_cache_get(const dp__segment *g, unsigned slot)
{
    if (slot >= DP__SEG_CACHE_SLOTS)
        return NULL;
    return __atomic_load_n(&g->file->cache[slot], __ATOMIC_ACQUIRE);
}

dp__seg_cached *dp__seg_cache_put(const dp__segment *g, unsigned slot,
                                  dp__seg_cached *c)
{
    dp__seg_cached *old = NULL;
    if (slot >= DP__SEG_CACHE_SLOTS) {
        c->free(c);
        return NULL;
    }
    if (__atomic_compare_exchange_n(&g->file->cache[slot], &old, c, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return c;
    c->free(c); /* another thread published first: use its copy */
    return old;
}

uint32_t dp__seg_nsources(const dp__segment *g) { return g->file->nsources; }

static dp_slice blob_item(const uint8_t *offs, const uint8_t *blob,
                          uint32_t i)
{
    uint32_t a = dp__get_u32(offs + 4 * (size_t)i);
    uint32_t b = dp__get_u32(offs + 4 * ((size_t)i + 1));
    dp_slice s = {(const char *)blob + a, b - a};
    return s;
}

dp_slice dp__seg_source_name(const dp__segment *g, uint32_t source)
{
    dp_slice none = {"", 0};
    if (source >= g->file->nsources)
        return none;
    return blob_item(g->file->src_offs, g->file->src_blob, source);
}

int dp__seg_source_find(const dp__segment *g, const char *name, size_t n,
                        uint32_t *source)
{
    for (uint32_t i = 0; i < g->file->nsources; i++) {
        dp_slice s = blob_item(g->file->src_offs, g->file->src_blob, i);
        if (s.n == n && memcmp(s.p, name, n) == 0) {
            *source = i;
            return DP_OK;
        }
    }
    return DP_ENOTFOUND;
}

dp_slice dp__seg_doc_id(const dp__segment *g, uint32_t docid)
{
    return blob_item(g->file->id_offs, g->file->id_blob, docid);
}

static int slice_cmp(dp_slice a, const char *b, size_t bn)
{
    int c = memcmp(a.p, b, a.n < bn ? a.n : bn);
    if (c != 0)
        return c;
    return a.n < bn ? -1 : a.n > bn;
}

int dp__seg_find_id(const dp__segment *g, const char *id, size_t n,
                    uint32_t *docid)
{
    const dp__segfile *f = g->file;
    /* the table is sorted by (id, docid): find the last equal entry */
    uint32_t lo = 0, hi = f->ndocs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t d = dp__get_u32(f->id_sorted + 4 * (size_t)mid);
        if (slice_cmp(dp__seg_doc_id(g, d), id, n) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return DP_ENOTFOUND;
    uint32_t d = dp__get_u32(f->id_sorted + 4 * (size_t)(lo - 1));
    if (slice_cmp(dp__seg_doc_id(g, d), id, n) != 0)
        return DP_ENOTFOUND;
    *docid = d;
    return DP_OK;
}

/**************************************************************************
** The term dictionary: blocks of DP__DICT_BLOCK front-coded entries.
*/

typedef struct dict_cur {
    const dp__segment *g;
    const uint8_t *q, *end; /* next entry, end of DICT */
    uint32_t block, left;   /* current block, entries left in it */
    uint64_t post_off;      /* postings offset of the next entry */
    uint64_t nterms_left;
    dp__term_info t;
} dict_cur;

static int dict_corrupt(const dp__segment *g, const char *what)
{
    dp__set_err(g->err, "%s: damaged dictionary (%s)", g->file->path, what);
    return DP_ECORRUPT;
}

static void dict_seek(dict_cur *c, uint32_t block)
{
    const dp__segfile *f = c->g->file;
    const uint8_t *e = f->dictidx + (size_t)block * 16;
    c->block = block;
    c->q = f->sec[DP__SEC_DICT].p + dp__get_u32(e);
    c->end = f->sec[DP__SEC_DICT].p + f->sec[DP__SEC_DICT].n;
    c->post_off = dp__get_u64(e + 8);
    c->nterms_left = f->nterms - (uint64_t)block * DP__DICT_BLOCK;
    c->left = c->nterms_left < DP__DICT_BLOCK ? (uint32_t)c->nterms_left
                                              : DP__DICT_BLOCK;
    c->t.term_len = 0;
}

/* A varint that is almost always one byte: that byte inline. */
static inline bool get_varint_fast(const uint8_t **q, const uint8_t *end,
                                   uint64_t *v)
{
    if (*q < end && **q < 0x80) {
        *v = *(*q)++;
        return true;
    }
    return dp__get_varint(q, end, v);
}

static bool skip_forms(const uint8_t **q, const uint8_t *end, uint32_t nforms)
{
    for (uint32_t i = 0; i < nforms; i++) {
        uint64_t pre, suf, v;
        if (!get_varint_fast(q, end, &pre) || !get_varint_fast(q, end, &suf) ||
            suf > (uint64_t)(end - *q))
            return false;
        *q += suf;
        if (nforms > 1 &&
            (!get_varint_fast(q, end, &v) || !get_varint_fast(q, end, &v)))
            return false;
    }
    return true;
}

/* Decode the next entry into c->t.  DP_ENOTFOUND at the end. */
static int dict_next(dict_cur *c)
{
    if (c->left == 0) {
        if (c->block + 1 >= c->g->file->dict_nblocks)
            return DP_ENOTFOUND;
        dict_seek(c, c->block + 1);
    }
    uint64_t pre, suf, df, cfx, mf = 0, plen, nf;
    const uint8_t *dict = c->g->file->sec[DP__SEC_DICT].p;
    if (!dp__get_varint(&c->q, c->end, &pre) ||
        !dp__get_varint(&c->q, c->end, &suf) || pre > c->t.term_len ||
        pre + suf >= DP__TERM_MAX || suf > (uint64_t)(c->end - c->q))
        return dict_corrupt(c->g, "term");
    memcpy(c->t.term + pre, c->q, suf);
    c->q += suf;
    c->t.term_len = (uint8_t)(pre + suf);
    if (!dp__get_varint(&c->q, c->end, &df) ||
        !dp__get_varint(&c->q, c->end, &cfx) ||
        (df > 1 && !dp__get_varint(&c->q, c->end, &mf)) ||
        !dp__get_varint(&c->q, c->end, &plen) ||
        !dp__get_varint(&c->q, c->end, &nf))
        return dict_corrupt(c->g, "entry");
    if (df == 0 || df > c->g->file->ndocs || nf == 0 || nf > 1u << 20 ||
        mf >= DP__MAX_FREQ || cfx > (uint64_t)df * DP__MAX_FREQ)
        return dict_corrupt(c->g, "entry values");
    c->t.df = (uint32_t)df;
    c->t.cf = df + cfx;
    c->t.max_freq = df > 1 ? (uint32_t)mf + 1 : (uint32_t)c->t.cf;
    c->t.post_off = c->post_off;
    c->t.post_len = plen;
    c->t.nforms = (uint32_t)nf;
    c->t.forms_off = (size_t)(c->q - dict);
    if (!skip_forms(&c->q, c->end, c->t.nforms))
        return dict_corrupt(c->g, "forms");
    c->post_off += plen;
    c->left--;
    c->nterms_left--;
    return DP_OK;
}

/* The first term of block b, which is stored whole (prefix 0): read in
** place, without decoding the entry (the binary search over the blocks
** reads one per step). */
static int block_first(const dp__segment *g, uint32_t b, dp_slice *out)
{
    const dp__segfile *f = g->file;
    const uint8_t *dict = f->sec[DP__SEC_DICT].p;
    const uint8_t *end = dict + f->sec[DP__SEC_DICT].n;
    const uint8_t *q = dict + dp__get_u32(f->dictidx + (size_t)b * 16);
    uint64_t pre, suf;
    if (!dp__get_varint(&q, end, &pre) || !dp__get_varint(&q, end, &suf) ||
        pre != 0 || suf >= DP__TERM_MAX || suf > (uint64_t)(end - q))
        return dict_corrupt(g, "block");
    out->p = (const char *)q;
    out->n = (size_t)suf;
    return DP_OK;
}

/* The last block whose first term is <= s[0..n) (0 if none). */
static int dict_find_block(dict_cur *c, const char *s, size_t n)
{
    uint32_t lo = 0, hi = c->g->file->dict_nblocks;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        dp_slice first;
        int rc = block_first(c->g, mid, &first);
        if (rc != DP_OK)
            return rc;
        if (slice_cmp(first, s, n) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    dict_seek(c, lo);
    return DP_OK;
}


/* Step over the counts and forms of the entry whose term was just read:
** a look-up passes up to DP__DICT_BLOCK - 1 entries this way, and only
** their postings lengths matter (dict_next decodes the one found, with
** every check; the entries passed get only these bounds checks, so a
** damaged entry among them, behind the dictionary's checksum, can make a
** look-up miss or land on other postings, which dp__postings_open bounds,
** instead of reporting DP_ECORRUPT). */
static bool skip_entry_rest(const uint8_t **q, const uint8_t *end,
                            uint64_t *plen)
{
    uint64_t df, v, nf;
    if (!get_varint_fast(q, end, &df) || !get_varint_fast(q, end, &v) ||
        (df > 1 && !get_varint_fast(q, end, &v)) ||
        !get_varint_fast(q, end, plen) || !get_varint_fast(q, end, &nf) ||
        nf > 1u << 20)
        return false;
    return skip_forms(q, end, (uint32_t)nf);
}

/* Where s[0..n) stands among the entries of c's block, comparing the
** front-coded terms without rebuilding them: `m` is the length of the
** common prefix of the previous term (smaller than s) and s, so that an
** entry sharing more than m bytes with the previous term is smaller than
** s too, and only the others compare their suffix, from their prefix on.
** On DP_OK, c is positioned so that dict_next decodes the entry equal to
** s (c->t.term already holds s).  DP_ENOTFOUND, DP_ECORRUPT. */
static int dict_scan_block(dict_cur *c, const char *s, size_t n)
{
    size_t m = 0, prev_len = 0;
    while (c->left > 0) {
        const uint8_t *entry = c->q;
        uint64_t pre, suf, plen;
        if (!get_varint_fast(&c->q, c->end, &pre) ||
            !get_varint_fast(&c->q, c->end, &suf) || pre > prev_len ||
            pre + suf >= DP__TERM_MAX || suf > (uint64_t)(c->end - c->q))
            return dict_corrupt(c->g, "term");
        if (pre <= m) {
            const char *sf = (const char *)c->q;
            size_t l = 0, rest = n - (size_t)pre;
            size_t cmpn = suf < rest ? (size_t)suf : rest;
            while (l < cmpn && sf[l] == s[pre + l])
                l++;
            if (l == cmpn && suf == rest) { /* equal: decode it whole */
                c->q = entry;
                memcpy(c->t.term, s, n);
                c->t.term_len = (uint8_t)n;
                return DP_OK;
            }
            if (l == cmpn ? suf > rest
                          : (uint8_t)sf[l] > (uint8_t)s[pre + l])
                return DP_ENOTFOUND; /* past s */
            m = (size_t)pre + l;
        }
        prev_len = (size_t)(pre + suf);
        c->q += suf;
        if (!skip_entry_rest(&c->q, c->end, &plen))
            return dict_corrupt(c->g, "entry");
        c->post_off += plen;
        c->left--;
        c->nterms_left--;
    }
    return DP_ENOTFOUND;
}

int dp__seg_term_find(const dp__segment *g, const char *term, size_t n,
                      dp__term_info *out)
{
    dict_cur c;
    int rc;
    c.g = g;
    c.t.term_len = 0;
    if (g->file->nterms == 0 || n >= DP__TERM_MAX)
        return DP_ENOTFOUND;
    rc = dict_find_block(&c, term, n);
    if (rc == DP_OK)
        rc = dict_scan_block(&c, term, n);
    if (rc == DP_OK)
        rc = dict_next(&c);
    if (rc == DP_OK)
        *out = c.t;
    return rc;
}

int dp__term_form(const dp__segment *g, const dp__term_info *t, uint32_t i,
                  dp__form_buf *out)
{
    const uint8_t *dict = g->file->sec[DP__SEC_DICT].p;
    const uint8_t *end = dict + g->file->sec[DP__SEC_DICT].n;
    const uint8_t *q = dict + t->forms_off;
    if (i >= t->nforms || t->forms_off > g->file->sec[DP__SEC_DICT].n)
        return DP_EINVAL;
    for (uint32_t k = 0; k <= i; k++) {
        uint64_t pre, suf, df = t->df, cf = t->cf;
        if (!dp__get_varint(&q, end, &pre) || !dp__get_varint(&q, end, &suf) ||
            pre > t->term_len || pre + suf >= DP__TERM_MAX ||
            suf > (uint64_t)(end - q))
            return dict_corrupt(g, "form");
        memcpy(out->buf, t->term, pre);
        memcpy(out->buf + pre, q, suf);
        q += suf;
        if (t->nforms > 1 &&
            (!dp__get_varint(&q, end, &df) || !dp__get_varint(&q, end, &cf)))
            return dict_corrupt(g, "form counts");
        out->info.form.p = out->buf;
        out->info.form.n = pre + suf;
        out->info.df = (uint32_t)df;
        out->info.cf = cf;
    }
    return DP_OK;
}

int dp__term_form_find(const dp__segment *g, const dp__term_info *t,
                       const char *form, size_t n, uint32_t *index)
{
    dp__form_buf fb;
    for (uint32_t i = 0; i < t->nforms; i++) {
        int rc = dp__term_form(g, t, i, &fb);
        if (rc != DP_OK)
            return rc;
        if (fb.info.form.n == n && memcmp(fb.info.form.p, form, n) == 0) {
            *index = i;
            return DP_OK;
        }
    }
    return DP_ENOTFOUND;
}

struct dp__term_iter {
    dict_cur c;
    char prefix[DP__TERM_MAX];
    size_t n;
    bool started, done;
};

int dp__term_iter_open(const dp__segment *g, const char *prefix, size_t n,
                       dp__term_iter **out)
{
    dp__term_iter *it = dp__calloc(1, sizeof *it);
    *out = NULL;
    if (it == NULL)
        return DP_ENOMEM;
    it->c.g = g;
    if (n >= DP__TERM_MAX || g->file->nterms == 0) {
        it->done = true;
    } else {
        if (n)
            memcpy(it->prefix, prefix, n);
        it->n = n;
        int rc = dict_find_block(&it->c, prefix, n);
        if (rc != DP_OK) {
            dp__free(it);
            return rc;
        }
    }
    *out = it;
    return DP_OK;
}

int dp__term_iter_next(dp__term_iter *it, dp_slice *term, dp__term_info *info)
{
    for (;;) {
        if (it->done)
            return DP_ENOTFOUND;
        int rc = dict_next(&it->c);
        if (rc == DP_ENOTFOUND)
            it->done = true;
        if (rc != DP_OK)
            return rc;
        int cmp = memcmp(it->c.t.term, it->prefix,
                         it->c.t.term_len < it->n ? it->c.t.term_len : it->n);
        if (cmp < 0 || (cmp == 0 && it->c.t.term_len < it->n))
            continue; /* before the prefix range */
        if (cmp > 0) {
            it->done = true;
            return DP_ENOTFOUND;
        }
        *info = it->c.t;
        term->p = info->term;
        term->n = info->term_len;
        it->started = true;
        return DP_OK;
    }
}

void dp__term_iter_free(dp__term_iter *it) { dp__free(it); }
