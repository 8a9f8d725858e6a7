/*
** store.h -- internals shared by the files of the storage module
** (crc.c, postings.c, docstore.c, segment_write.c, segment_read.c,
** manifest.c, archive.c, writer.c, writer_pipe.c, merge.c).  The query engine uses
** index.h only.  The byte-level format is described in docs/format.md and
** at the top of segment_write.c.
*/
#ifndef DP_STORE_H
#define DP_STORE_H

#include "dp_int.h"

#include <pthread.h>

/**************************************************************************
** crc.c: CRC-32C (Castagnoli), with the SSE4.2 instruction when the CPU
** has it and a table otherwise.  crc = dp__crc32c(0, p, n) for a buffer;
** chain calls to extend.
*/
uint32_t dp__crc32c(uint32_t crc, const void *p, size_t n);

/**************************************************************************
** Little-endian fixed-width and varint helpers (postings.c).  Decoders
** take a cursor [*p, end) and return false when the bytes run out or are
** malformed; they never read past end.
*/
/* On a little-endian machine, the bytes are the value's own: one load or
** store (gcc does not always merge a loop of byte stores into one). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DP__NATIVE_LE 1
#endif
static inline void dp__put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void dp__put_u32(uint8_t *p, uint32_t v)
{
#ifdef DP__NATIVE_LE
    memcpy(p, &v, 4);
#else
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
#endif
}
static inline void dp__put_u64(uint8_t *p, uint64_t v)
{
#ifdef DP__NATIVE_LE
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
#endif
}
static inline uint16_t dp__get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t dp__get_u32(const uint8_t *p)
{
#ifdef DP__NATIVE_LE
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
#else
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
#endif
}
static inline uint64_t dp__get_u64(const uint8_t *p)
{
#ifdef DP__NATIVE_LE
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    return (uint64_t)dp__get_u32(p) | ((uint64_t)dp__get_u32(p + 4) << 32);
#endif
}

int dp__buf_put_varint(dp_buf *b, uint64_t v);
int dp__buf_put_u32(dp_buf *b, uint32_t v);
int dp__buf_put_u64(dp_buf *b, uint64_t v);
bool dp__get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);
bool dp__get_varint32(const uint8_t **p, const uint8_t *end, uint32_t *v);

/* Bit-packing of `count` (<= 128) values of `bits` (0..32) bits each.
** pack appends ceil(count*bits/8) bytes; unpack reads them (false if the
** bytes run out). */
int dp__bitpack(dp_buf *b, const uint32_t *v, size_t count, unsigned bits);
bool dp__bitunpack(const uint8_t **p, const uint8_t *end, uint32_t *v,
                   size_t count, unsigned bits);

/* A bit stream, least significant bit first.  Exp-Golomb code of order k
** for v: u = (v >> k) + 1 has nb + 1 significant bits; write nb zero
** bits, a one bit, the nb low bits of u, then the k low bits of v. */
typedef struct dp__bitw {
    dp_buf *b;
    uint64_t acc;
    unsigned n;
    int rc;
} dp__bitw;
void dp__bitw_put(dp__bitw *w, uint64_t v, unsigned bits); /* bits <= 32 */
void dp__bitw_expgolomb(dp__bitw *w, uint32_t v, unsigned k);
void dp__bitw_flush(dp__bitw *w);

typedef struct dp__bitr {
    const uint8_t *p, *end; /* bytes not yet in acc */
    uint64_t acc;
    unsigned n;             /* valid bits in acc */
} dp__bitr;
void dp__bitr_init(dp__bitr *r, const uint8_t *p, const uint8_t *end);
bool dp__bitr_get(dp__bitr *r, unsigned bits, uint32_t *v);
bool dp__bitr_expgolomb(dp__bitr *r, unsigned k, uint32_t *v);
unsigned dp__bits_needed(uint32_t max);

/* Rice code of parameter k with an escape (format version 3 positions):
** q = v >> k below DP__RICE_MAXQ is q zero bits and a one bit; a larger
** q is DP__RICE_MAXQ zero bits then q - DP__RICE_MAXQ in Exp-Golomb order
** 0; the k low bits of v follow.  dp__rice_k gives the parameter of a
** document's positions from its length and the term's frequency in it,
** so that the encoder and the decoder agree without storing it. */
#define DP__RICE_MAXQ 16
void dp__bitw_rice(dp__bitw *w, uint32_t v, unsigned k);
bool dp__bitr_rice(dp__bitr *r, unsigned k, uint32_t *v);
unsigned dp__rice_k(uint32_t doclen, uint32_t freq);

/**************************************************************************
** Dates (segment_write.c): the 12-byte packed form stored in the columns
** and the day number.
*/
void dp__date_pack(const dp_date *d, uint8_t out[12]);
void dp__date_unpack(const uint8_t in[12], dp_date *d);
int32_t dp__date_days(const dp_date *d);

/**************************************************************************
** Postings encoding (postings.c).  One term's postings are written by a
** dp__post_enc (blocks of 128 docs) into a buffer; segment_read.c decodes
** them with the cursor of index.h.
*/
#define DP__BLOCK 128
#define DP__MAX_FREQ (1u << 24)

/* Segment format version written (segment_write.c header, postings.c
** codec).  3: positions in Rice code with a parameter per document and a
** form code per posting; 4: full blocks' docids and freqs in patched
** frame of reference; 5: position groups of 4 to 64 documents in more
** blocks (docs/format.md).  1 to 4 are still read. */
#define DP__SEG_VERSION 5

typedef struct dp__post_enc {
    uint32_t version; /* format written: 2 to DP__SEG_VERSION */
    uint32_t ndocs;   /* documents of the segment (version 3 partial blocks) */
    uint32_t nforms;
    /* current block */
    uint32_t docs[DP__BLOCK], freqs[DP__BLOCK], lens[DP__BLOCK];
    uint32_t n, block_max_freq, block_min_len;
    dp_buf pos;       /* (gap, form) u32 pairs of the current block */
    dp_buf pbits;     /* the block's positions: header and bit stream */
    dp_buf pstream;   /* the bit stream alone, while it is coded */
    dp_buf blocks;    /* finished blocks */
    dp_buf skip;      /* skip entries of finished blocks */
    uint32_t nblocks;
    int64_t last_doc; /* last doc added (-1 at start) */
    int64_t skip_last;/* last doc of the previous finished block */
    uint32_t df, max_freq;
    uint64_t cf;
    /* documents of the current block added as bits (dp__post_enc_add_bits,
    ** raw_p[d] != NULL): their form code and bits, read at the flush */
    const uint8_t *raw_p[DP__BLOCK], *raw_end[DP__BLOCK];
    uint64_t raw_bit[DP__BLOCK], raw_n[DP__BLOCK];
    uint32_t raw_code[DP__BLOCK];
    uint64_t raw_bits; /* their total, to reserve the stream's room */
} dp__post_enc;

void dp__post_enc_init(dp__post_enc *e, uint32_t version);
void dp__post_enc_reset(dp__post_enc *e, uint32_t nforms);
void dp__post_enc_free(dp__post_enc *e);
/* Add one document (increasing docids) with its positions and their form
** indexes (forms may be NULL when nforms == 1). */
int dp__post_enc_add(dp__post_enc *e, uint32_t doc, uint32_t doclen,
                     const uint32_t *pos, const uint32_t *forms,
                     uint32_t freq);
/* Append the term's encoded postings to out. */
int dp__post_enc_finish(dp__post_enc *e, dp_buf *out);

/* A document's positions as they are in a segment's position stream
** (format version 3 on), for merges: bits [bit, bit + n) of the stream
** starting at p (ending at end) hold its Rice-coded gaps, each followed
** by its form index when the forms mix (code 1); code is the form code
** read before them (0 when the term has one form), len the document's
** length and k its Rice parameter (dp__rice_k(len, freq)). */
typedef struct dp__pos_bits {
    const uint8_t *p, *end;
    uint64_t bit, n;
    uint32_t code, len;
    unsigned k;
} dp__pos_bits;
/* Add one document whose positions are copied from b (the bits must stay
** readable until dp__post_enc_finish): the form code `code` (written when
** the term has more than one form; 0 otherwise), then b's bits.  The same
** bytes as dp__post_enc_add with the decoded positions, when code is the
** code of their forms in this term.  Version 3 on; DP_EINVAL when
** dp__rice_k(doclen, freq) != b->k. */
int dp__post_enc_add_bits(dp__post_enc *e, uint32_t doc, uint32_t doclen,
                          uint32_t freq, uint32_t code, const dp__pos_bits *b);
/* The cursor's side (postings.c), on a cursor opened DP__POST_POSITIONS |
** DP__POST_LAZY without a form filter, over a segment of version 3 on
** (else DP_EINVAL), on a document whose positions were not loaded.
** pos_code reads the current document's form code (the cursor does not
** move).  pos_bits gives its position bits, checked as a decode would
** (DP_ECORRUPT), and steps over them: its positions are then empty.
** *doclen is the document's length when the caller has it at hand (NULL:
** read from the columns).  When the forms mix and forms != NULL,
** forms[i] receives occurrence i's form (room for dp__postings_freq
** entries). */
int dp__postings_pos_code(dp__postings *p, uint32_t *code);
int dp__postings_pos_bits(dp__postings *p, const uint32_t *doclen,
                          dp__pos_bits *out, uint32_t *forms);

/**************************************************************************
** Segment files (segment_write.c writes, segment_read.c reads).
*/
enum {
    DP__SEC_META = 1,
    DP__SEC_COLS = 2,
    DP__SEC_SOURCES = 3,
    DP__SEC_IDS = 4,
    DP__SEC_DICT = 5,
    DP__SEC_DICTIDX = 6,
    DP__SEC_POST = 7,
    DP__SEC_POSTCRC = 8,
    DP__SEC_STORE = 9,
    DP__SEC_STOREIDX = 10,
    DP__SEC_COUNT = 11
};
#define DP__COL_ROW 24
#define DP__DICT_BLOCK 32
#define DP__POST_CHUNK 32768
#define DP__STORE_BLOCK 262144
/* zstd level of the document store: 2, not 3, since 27 November 2026:
** 3 % less indexing time for 2 % more archive (docs/format.md). */
#define DP__ZSTD_LEVEL 2

/* A segment being written. Docs first (in docid order), then terms in
** byte order. Sticky rc: after a failure every call returns it. */
typedef struct dp__segw dp__segw;

/* Create the file at path (O_EXCL).  err receives a message. */
int dp__segw_open(dp__segw **out, const char *path, dp_buf *err);
/* The same, writing an older format version (2 to 4): for the tests that
** keep the readers of old segments honest.  DP_EINVAL for other versions. */
int dp__segw_open_version(dp__segw **out, const char *path,
                          uint32_t version, dp_buf *err);
/* raw: the serialized stored record (docstore.c format). */
int dp__segw_doc(dp__segw *w, const dp__doc_cols *cols, dp_slice source,
                 dp_slice id, const void *raw, size_t raw_n);
/* Term bytes, then its forms (most frequent first), then its docs. */
int dp__segw_term_begin(dp__segw *w, const char *term, size_t n,
                        const dp_slice *forms, uint32_t nforms);
int dp__segw_term_doc(dp__segw *w, uint32_t doc, const uint32_t *pos,
                      const uint32_t *forms, uint32_t freq);
/* The same with the positions as bits of another segment (merges; see
** dp__post_enc_add_bits): code is the form code in this term, forms the
** form of each occurrence when code is 1 (mixed), else unused.  The
** document's length is taken from b->len (a merge copies the columns:
** the length is the input's), not read again from the columns. */
int dp__segw_term_doc_bits(dp__segw *w, uint32_t doc, uint32_t freq,
                           uint32_t code, const uint32_t *forms,
                           const dp__pos_bits *b);
int dp__segw_term_end(dp__segw *w);
/* Copying a compressed STORE block as is (merges): cut closes the block
** being filled; then the block's documents are added with raw == NULL;
** then copy appends the block (checked by the caller) for them. */
int dp__segw_store_cut(dp__segw *w);
int dp__segw_store_copy(dp__segw *w, const void *z, uint32_t clen,
                        uint32_t rawlen, uint32_t crc);
/* Deferred store: call right after open; then dp__segw_doc ignores raw,
** and dp__segw_put_store (before finish) gives the compressed STORE
** blocks and their STOREIDX entries (docstore.c's dp__zstore_finish),
** borrowed until finish. */
void dp__segw_defer_store(dp__segw *w);
void dp__segw_put_store(dp__segw *w, const dp_buf *blocks, const dp_buf *idx,
                        uint32_t nblocks);
/* Write the remaining sections and the table, fsync, close.  *bytes gets
** the file size. */
int dp__segw_finish(dp__segw *w, uint64_t *bytes);
/* Close (and unlink the file unless finished). Accepts NULL. */
void dp__segw_free(dp__segw *w);
uint32_t dp__segw_ndocs(const dp__segw *w);

/* An open, mmapped, checked segment file; shared (refcounted) by the
** snapshots of one archive.  Pointers below are into the mapping and were
** bounds-checked at open. */
typedef struct dp__segfile {
    char *path;
    uint64_t no;
    const uint8_t *map;
    size_t size;
    int refs;               /* atomic */
    struct { const uint8_t *p; uint64_t n; uint32_t crc; } sec[DP__SEC_COUNT];
    uint32_t version;       /* format version of the file, 1 to 5 */
    uint32_t ndocs;
    uint64_t tokens;        /* all docs */
    uint64_t nterms;
    const uint8_t *cols;    /* ndocs rows of DP__COL_ROW bytes */
    uint32_t nsources;
    const uint8_t *src_offs, *src_blob;
    const uint8_t *id_offs, *id_sorted, *id_blob;
    uint32_t dict_nblocks;
    const uint8_t *dictidx; /* nblocks * 16 bytes */
    uint32_t post_chunk;
    uint64_t post_nchunks;
    const uint8_t *post_crcs;
    uint64_t *post_ok;      /* bitmap of checked chunks, atomic ops */
    uint32_t store_nblocks;
    const uint8_t *storeidx;/* nblocks * 24 bytes */
    /* derived data built lazily by readers (index.h dp__seg_cache_get),
    ** published with an atomic compare-and-swap, freed with the file */
    dp__seg_cached *cache[DP__SEG_CACHE_SLOTS];
    /* the last deletion file read for this segment (dp__segfile_deletions),
    ** so that a snapshot per query does not re-read and re-count it */
    pthread_mutex_t del_mu;
    uint64_t del_no;
    uint8_t *del_bitmap;
    uint32_t del_count;
    uint64_t del_tokens; /* live tokens with these deletions */
} dp__segfile;

/* Check the chunk checksums of POST bytes [off, off+n). */
int dp__segfile_check_post(dp__segfile *f, uint64_t off, uint64_t n,
                           dp_buf *err);

int dp__segfile_open(const char *dir, uint64_t seg_no, dp__segfile **out,
                     dp_buf *err);
void dp__segfile_ref(dp__segfile *f);
void dp__segfile_unref(dp__segfile *f);
uint64_t dp__segfile_no(const dp__segfile *f);
uint64_t dp__segfile_bytes(const dp__segfile *f);
/* Tell the kernel the bytes of section sec before offset upto will not
** be read again soon (madvise DONTNEED: they leave our resident set and
** are read again from the file if needed).  Merges call it on their
** inputs so that their RSS stays small. */
void dp__segfile_drop(const dp__segfile *f, int sec, uint64_t upto);
/* Check every checksum of the file (the lazy ones too). */
int dp__segfile_verify(dp__segfile *f, dp_buf *err);

/* The raw stored bytes of a doc (into f's buffer) for merging. */
int dp__seg_fetch_raw(const dp__segment *g, uint32_t docid, dp__fetch *f,
                      const void **raw, size_t *n);

/* A segment view = file + deletion bitmap.  Built by archive.c. */
struct dp__segment {
    dp__segfile *file;
    uint8_t *deleted;    /* bitmap of ndocs bits, NULL when none; owned */
    uint32_t ndeleted;
    uint64_t del_no;     /* deletion file number, 0 if none */
    uint64_t tokens;     /* live tokens */
    dp_buf *err;         /* where errors go (the snapshot's message) */
};
uint32_t dp__segfile_ndocs(const dp__segfile *f);
/* Compute g->tokens from the columns and the bitmap. */
void dp__segment_count(dp__segment *g);
/* Fill g->deleted (a private copy), g->ndeleted, g->del_no and g->tokens
** from deletion file del_no of dir (0: none) for g->file, reading and
** checking the file only when it is not the one last read for this
** segment file (cached there).  Thread-safe.  As dp__del_read. */
int dp__segment_load_deletions(dp__segment *g, const char *dir,
                               uint64_t del_no, dp_buf *err);

/**************************************************************************
** docstore.c: the stored record format and the STORE blocks.
*/
/* Serialize rec (and the date) into b (appended). */
int dp__record_serialize(dp_buf *b, const dp_record *rec, dp_slice lang);
/* Parse one serialized record at [*p, end) into rec, extras into f. */
int dp__record_parse(const uint8_t **p, const uint8_t *end, dp_record *rec,
                     dp__fetch *f);
/* Skip one serialized record. */
bool dp__record_skip(const uint8_t **p, const uint8_t *end);
/* The STORE of a writer's buffer, compressed as records are added: full
** blocks in blocks and their STOREIDX entries in idx (first docids:
** indexes of the buffer), the records of the block being filled in pend.
** Zeroed is empty. */
typedef struct dp__zstore {
    void *zc;            /* ZSTD_CCtx, made at the first block */
    dp_buf pend;         /* raw records of the block being filled */
    dp_buf tmp;          /* a block being compressed */
    uint32_t pend_first; /* buffer index of its first record */
    uint32_t nrec;       /* records added */
    dp_buf blocks, idx;
    uint32_t nblocks;
} dp__zstore;
/* Add the next record (serialized: dp__record_serialize). */
int dp__zstore_add(dp__zstore *z, const void *rec, size_t n);
/* Bytes held (capacities). */
size_t dp__zstore_mem(const dp__zstore *z);
/* The store of a flush: blocks and idx are the zstore's own buffers when
** no record was dropped, else own_blocks and own_idx. */
typedef struct dp__zstore_out {
    const dp_buf *blocks, *idx;
    uint32_t nblocks;
    dp_buf own_blocks, own_idx;
    uint32_t n_own;
} dp__zstore_out;
/* Close the block being filled and give in out the store of the records
** d < nrec with docmap[d] != UINT32_MAX, first docids as mapped (for
** dp__segw_put_store).  z keeps every record as it was added: a flush
** that fails can be tried again.  Free out with dp__zstore_out_free, even
** on failure. */
int dp__zstore_finish(dp__zstore *z, const uint32_t *docmap,
                      dp__zstore_out *out);
void dp__zstore_out_free(dp__zstore_out *out);
void dp__zstore_free(dp__zstore *z);

/**************************************************************************
** manifest.c: the MANIFEST and deletion files, atomic replacement.
*/
typedef struct dp__mseg {
    uint64_t seg_no;
    uint32_t ndocs;
    uint32_t ndeleted;
    uint64_t del_no;
    uint64_t bytes;
} dp__mseg;

typedef struct dp__manifest {
    uint64_t generation;
    uint64_t next_no;
    size_t nseg;
    dp__mseg *segs;
} dp__manifest;

/* DP_ENOTFOUND when the directory has no MANIFEST. */
int dp__manifest_read(const char *dir, dp__manifest *m, dp_buf *err);
/* *published (may be NULL) tells whether MANIFEST was renamed into place:
** then it names the commit readers see, even if the call fails after (the
** directory fsync), and the files it names must not be removed. */
int dp__manifest_write(const char *dir, const dp__manifest *m, dp_buf *err,
                       bool *published);
void dp__manifest_free(dp__manifest *m);
int dp__del_read(const char *dir, uint64_t del_no, uint64_t seg_no,
                 uint32_t ndocs, uint8_t **bitmap, uint32_t *ndeleted,
                 dp_buf *err);
int dp__del_write(const char *dir, uint64_t del_no, uint64_t seg_no,
                  uint32_t ndocs, const uint8_t *bitmap, dp_buf *err);
int dp__fsync_dir(const char *dir, dp_buf *err);
/* fsync(fd), skipped when DEPECHE_UNSAFE_NOSYNC is set (tests only). */
int dp__fsync(int fd);
void dp__seg_path(char *out, size_t cap, const char *dir, uint64_t no);
void dp__del_path(char *out, size_t cap, const char *dir, uint64_t no);
/* Test hook: SIGKILL ourselves when DEPECHE_TEST_CRASH_AT names this
** point ("name" or "name:N" for the Nth time). */
void dp__crash_point(const char *name);
/* Read a whole small file into *out (dp__malloc'd). */
int dp__read_file(const char *path, uint8_t **out, size_t *n, dp_buf *err);

/**************************************************************************
** archive.c: the archive handle, its segment cache and snapshots.
*/
struct dp_archive {
    char *dir;
    unsigned flags;
    pthread_mutex_t mu;
    dp__segfile **cache; /* open segment files, refcounted */
    size_t ncache;
    dp_buf err;
};

struct dp__snap {
    dp_archive *a;
    dp__manifest m;
    dp__segment *segs;
    size_t nseg;
    uint64_t live, tokens;
    dp_buf err;
};

/* Take a segment file from the cache or open it (with the mutex held by
** the caller NOT held: this function locks). */
int dp__archive_segfile(dp_archive *a, uint64_t seg_no, dp__segfile **out,
                        dp_buf *err);
/* Build a snapshot from a manifest already read (takes ownership of m). */
int dp__snap_from_manifest(dp_archive *a, dp__manifest *m, dp__snap **out,
                           dp_buf *err);
/* True when some open snapshot of the process uses seg_no. */
bool dp__archive_in_use(dp_archive *a, uint64_t seg_no);
void dp__set_err(dp_buf *err, const char *fmt, ...) DP_PRINTF(2, 3);

/**************************************************************************
** writer_pipe.c: records analysed in a second thread (see there).
*/
#define DP__PIPE_SLOTS 64

/* The plain words (analyze.h's dp__known) that the writer's buffer has
** interned, for the analysis in the writer's own thread: (language,
** folded form) -> (term, form) ids of the buffer's lexicon, in a
** direct-mapped table of 64-byte entries.  A word found there is packed
** with its ids (DP__PACK_IDS) without being stemmed, copied or interned
** again.  Each entry counts the occurrences it gave since it was filled;
** they are added to the pair's count (cf) in its slot of the pair table
** when the entry is replaced, before a flush, and before that table
** grows (which also empties this one: the slots move).  Emptied with the
** buffer's lexicon; 4 MB, apart from the memory limit, as the analyzer's
** stem caches are. */
#define DP__FTAB_BITS 16
#define DP__FTAB_FORM 42
typedef struct dp__fentry {
    uint32_t hash;  /* dp__word_hash of the form */
    uint32_t term, form, cnt;
    uint32_t slot;  /* the pair's slot in the pair table (writer.c) */
    uint8_t lang;   /* DP_LANG_* + 1 */
    uint8_t n;      /* form length, 0: empty entry */
    char f[DP__FTAB_FORM];
} dp__fentry;
_Static_assert(sizeof(dp__fentry) == 64, "an entry is a cache line");
typedef struct dp__ftab {
    dp__fentry *e;  /* 1 << DP__FTAB_BITS entries, NULL until used */
} dp__ftab;
/* Does e hold form[0..n) of language lang (hash: its dp__word_hash)? */
static inline bool dp__fentry_holds(const dp__fentry *e, uint32_t hash,
                                    int lang, const char *form, size_t n)
{
    return e->n == n && e->hash == hash && e->lang == (uint8_t)(lang + 1) &&
           dp__same_bytes(e->f, form, n);
}

/* dp__fentry_holds for the tokenizer's copy of a plain word, which has
** 16 bytes to read (dp__word_hash16): compared without a branch on its
** length up to 16 bytes (e->f has them: 22 + 16 <= 64). */
static inline bool dp__fentry_holds16(const dp__fentry *e, uint32_t hash,
                                      int lang, const char *form, size_t n)
{
    return e->n == n && e->hash == hash && e->lang == (uint8_t)(lang + 1) &&
           (n <= 16 ? dp__same_bytes16(e->f, form, n)
                    : dp__same_bytes(e->f, form, n));
}

/* The set of two entries where a form of this hash may be: two ways, so
** that a rare word does not push a frequent one out when they fall on
** the same place (direct-mapped, 7 % of the words missed at 1x Le
** Monde, most of them frequent words pushed out). */
static inline dp__fentry *dp__ftab_set(const dp__ftab *t, uint32_t hash)
{
    return &t->e[(hash & ((1u << (DP__FTAB_BITS - 1)) - 1)) * 2];
}

/* Packed token flag: a known word, whose ids are those of entry u32 at
** +7 of the writer's table (set by lex_intern, which counts it there). */
#define DP__PACK_IDS 0x40u

typedef struct dp__adoc {
    dp_buf raw;        /* the serialized record (docstore.c format) */
    dp_buf toks;       /* packed tokens */
    dp__fetch fetch;   /* extras of the parsed record */
    char lang[4];      /* language used (given or detected) */
    uint32_t title_len, length;
    int rc;            /* result of the analysis */
    bool interned;     /* the token ids are set (by either thread) */
    size_t lex_after;  /* the lexicon's size once d was interned */
    /* the writer's table of known plain words: set for an analysis in
    ** the writer's thread only (NULL: none); plain_lang, the language
    ** of d's plain words (DP_LANG_*; PLAIN_MIXED when its title and text
    ** were analysed in different languages, PLAIN_NONE before any) */
    dp__ftab *ftab;
    int plain_lang;
} dp__adoc;
enum { DP__PLAIN_NONE = -3, DP__PLAIN_MIXED = -2 };

/* Interning of the tokens of d->toks (their (term, form) pairs) into the
** writer's buffer: sets the ids of each packed token, d->interned and
** d->lex_after.  Thread-safe (writer.c locks its lexicon).  Documents
** are interned in their order (the pipe sees to it), so that the ids and
** the lexicon's size after each document do not depend on timing. */
typedef int (*dp__intern_fn)(void *ctx, dp__adoc *d);

/* Analyse d->raw into d->toks (packed tokens: u32 position, u8 flags, u8
** term length tl, u8 form length fl, u32 term id, u32 form id (set by a
** dp__intern_fn later), tl + fl key bytes; 16 bytes of capacity past the
** last), lang, title_len, length; d->interned = false.  With d->ftab,
** the plain words found there are packed with their ids (DP__PACK_IDS,
** no key bytes: tl = fl = 0) and the others carry DP__TOKEN_PLAIN. */
int dp__adoc_analyze(dp__adoc *d, dp_analyzer *an);
void dp__adoc_free(dp__adoc *d);

typedef struct dp__pipe dp__pipe;
int dp__pipe_new(dp__pipe **out, dp_analyzer *an, dp__intern_fn intern,
                 void *ictx);
/* Stop the worker and free everything (pending slots are dropped). */
void dp__pipe_free(dp__pipe *p);
size_t dp__pipe_pending(const dp__pipe *p);
bool dp__pipe_full(const dp__pipe *p);
/* Serialize rec into the next free slot (the ring must not be full). */
int dp__pipe_push(dp__pipe *p, const dp_record *rec);
/* The oldest slot once analysed (waiting for it if wait), or NULL. */
dp__adoc *dp__pipe_head(dp__pipe *p, bool wait);
/* Pause the worker between two slots (waiting for the one it analyses);
** while paused, no call of its intern function runs, and the analysed
** slots can be read and changed: dp__pipe_done_slot gives the k-th
** pending slot (0: the oldest) if analysed, else NULL. */
void dp__pipe_pause(dp__pipe *p);
void dp__pipe_resume(dp__pipe *p);
dp__adoc *dp__pipe_done_slot(dp__pipe *p, size_t k);
/* Release the oldest slot after consuming it. */
void dp__pipe_pop(dp__pipe *p);

/**************************************************************************
** merge.c: merging segment views into one new segment.
*/
/* Write segment file `no` in dir from the live docs of segs[0..n). */
int dp__merge_segments(const char *dir, uint64_t no, dp__segment *const *segs,
                       size_t n, uint64_t *bytes, uint32_t *ndocs,
                       dp_buf *err);
/* The same; copy_bits false decodes and codes again the positions of
** every document instead of copying their bits when it can (for the
** tests, which check that both write the same bytes). */
int dp__merge_segments_ex(const char *dir, uint64_t no,
                          dp__segment *const *segs, size_t n, bool copy_bits,
                          uint64_t *bytes, uint32_t *ndocs, dp_buf *err);
/* Choose which segments to merge (indexes, oldest first, contiguous).
** Returns the count chosen (0: nothing to do) and *first. */
size_t dp__merge_policy(const uint32_t *live, size_t n, size_t *first);

#endif /* DP_STORE_H */
