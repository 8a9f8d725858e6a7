/*
** fuzz_segment.c -- fuzz target for everything that reads an archive
** from disk: the MANIFEST and deletion files (manifest.c), segment files
** (segment_read.c, postings.c, docstore.c) and the query engine that
** walks them (search, timeline, snippets, record fetch, and the corpus
** analyses kwic, terms and freq).
**
** A small valid archive is built once into /tmp/dp-fuzz-segment.<pid> (two
** segments, one deletion file), then its segments are rewritten in every
** older format version the reader accepts (2 to DP__SEG_VERSION - 1: the
** same documents, records, terms, forms and positions, written by
** dp__segw_open_version), so that the decoders users' old archives go
** through (version 2's Exp-Golomb positions and varint partial blocks,
** the Rice codes of versions 3 and 4) are fuzzed too.  Each input picks a
** version and damages one file of that version's archive, then the
** archive is opened and used; any error code is fine, a crash or a
** sanitizer report is not.  Every file is made pristine again before the
** next input.
**
** Input layout:
**   byte 0   which file: index (mod the number of files) in name order
**            (MANIFEST, del-*.dpd, seg-*.dps); bits 2-7 also pick which
**            3 of the 8 queries run (search, count; timeline for one)
**   byte 1   bit 0: recompute the checksums after patching, so that the
**            damage gets past the CRC-32C checks to the decoders behind
**            them; bits 1-4: where offsets point (segments only):
**              0        the whole file
**              1..10    inside section <id> (META, COLS, ..., STOREIDX)
**              11       inside the *decompressed* first STORE block,
**                       recompressed afterwards (reaches the record
**                       decoder); checksums are then always fixed
**              12       no file: bytes 2.. go to dp__record_parse
**            bits 5-7 (v): the format version of the segments
**              0        today's (DP__SEG_VERSION): the writer's files
**              1..7     version 2 + (v - 1) % (DP__SEG_VERSION - 1),
**                       today 1 -> 2, 2 -> 3, 3 -> 4, 4 -> 5, 5 -> 2,
**                       6 -> 3, 7 -> 4 (an absolute version, so that
**                       inputs with v 1..4 keep their version when a
**                       version is added; those with 5..7 then move to
**                       another); MANIFEST and del-*.dpd are
**                       the same in every version but for the segment
**                       sizes in MANIFEST.  (These bits were unused
**                       before; the saved inputs that had them set were
**                       rewritten with them cleared.)
**   bytes 2- patch operations, each an opcode byte (mod 4) then:
**              0 xor      u16 offset, u8 value
**              1 set32    u16 offset, u32 value (little-endian)
**              2 cut      u16 offset: truncate there
**              3 write    u16 offset, u8 length, that many bytes
**            offsets are taken modulo the length of the target region.
*/
#include "store.h"
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MAX_FILES 16
#define REGION_STORE_RAW 11
#define REGION_RECORD 12
#define MIN_VERSION 2 /* the oldest the writer can still write */
#define NVERSIONS (DP__SEG_VERSION - MIN_VERSION + 1)

typedef struct afile {
    char name[64];
    uint8_t *data;
    size_t n;
} afile;

/* The harness's own state (set once): the library keeps none. */
static struct {
    char dir[64];
    pid_t owner;
    /* files[v - MIN_VERSION]: the pristine archive in format version v,
    ** the same names in the same (name) order in every version */
    afile files[NVERSIONS][MAX_FILES];
    size_t nfiles;
    uint64_t counts[8]; /* dp_count of each query, today's version */
    dp_query *queries[8];
    size_t nqueries;
    dp_analyzer *analyzer;
    int verbose; /* DP_FUZZ_VERBOSE set: say what each input reached */
} H;

typedef struct buf8 {
    uint8_t *p;
    size_t n, cap;
} buf8;

/**************************************************************************
** Building the pristine archive.
*/

typedef struct seed_rec {
    const char *id, *date, *title, *text, *source, *lang;
} seed_rec;

static const seed_rec batch1[] = {
    {"a1", "2022-01-28", "L'OTAN et la Russie",
     "Le président russe a rencontré l'OTAN à Bruxelles. La Russie et "
     "l'Ukraine discutent, la mer Noire reste tendue.", "lemonde.fr", "fr"},
    {"a2", "2022-02", "Gaz et blé", "Le prix du gaz monte; le blé aussi. "
     "Macron parle à Poutine.", "liberation.fr", "fr"},
    {"a3", "2022", "", "Une année entière: présidentielle, guerre, gaz.",
     "lemonde.fr", "fr"},
    {"a4", "2022-03-01T10:15:00+01:00", "NATO summit",
     "NATO leaders met in Brussels about Russia and Ukraine.", "bbc.co.uk",
     "en"},
    {"a5", "2021-12-31", "Réveillon", "Les Etats-Unis et la France "
     "fêtent la fin de l'année. Macron, Macron, Macron.", "", "fr"},
    {"a6", "", "Sans date", "Un texte sans date sur l'OTAN.", "lemonde.fr",
     "fr"},
};

static const seed_rec batch2[] = {
    {"b1", "2022-01-15", "Ukraine", "Kiev et Moscou: la Russie masse des "
     "troupes près de l'Ukraine.", "lefigaro.fr", "fr"},
    {"a2", "2022-02-24", "Invasion", "La Russie envahit l'Ukraine. "
     "Le gaz flambe.", "liberation.fr", "fr"},
    {"b2", "2022-06", "Élections", "Législatives: Macron perd la majorité.",
     "lemonde.fr", "fr"},
};

static dp_slice sl(const char *s) { return (dp_slice){s, strlen(s)}; }

static int add_batch(dp_writer *w, const seed_rec *b, size_t n)
{
    dp_field extra = {{"author", 6}, {"Jean Dupont", 11}};
    for (size_t i = 0; i < n; i++) {
        dp_record r;
        memset(&r, 0, sizeof r);
        r.id = sl(b[i].id);
        if (b[i].date[0] != '\0' &&
            dp_date_parse(b[i].date, strlen(b[i].date), &r.date, NULL) != DP_OK)
            return DP_EINVAL;
        r.title = sl(b[i].title);
        r.text = sl(b[i].text);
        r.source = sl(b[i].source);
        r.url = sl("https://example.org/x");
        r.lang = sl(b[i].lang);
        r.extra = &extra;
        r.n_extra = i % 2;
        int rc = dp_writer_add(w, &r, NULL);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

static int build_archive(const char *dir)
{
    dp_writer_options wo = DP_WRITER_OPTIONS_INIT;
    dp_archive *a = NULL;
    dp_writer *w = NULL;
    int rc;

    wo.merge = 0; /* keep two segments, and a deletion file */
    rc = dp_archive_open(&a, dir, DP_ARCHIVE_CREATE);
    if (rc == DP_OK)
        rc = dp_writer_begin(a, &wo, &w);
    if (rc == DP_OK)
        rc = add_batch(w, batch1, sizeof batch1 / sizeof batch1[0]);
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    if (rc == DP_OK)
        rc = add_batch(w, batch2, sizeof batch2 / sizeof batch2[0]);
    if (rc == DP_OK)
        rc = dp_writer_delete(w, "a5", 2);
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    if (rc != DP_OK)
        fprintf(stderr, "fuzz_segment: building the archive: %s: %s\n",
                dp_strerror(rc), w ? dp_writer_errmsg(w) : dp_archive_errmsg(a));
    dp_writer_close(w);
    dp_archive_close(a);
    return rc;
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(((const afile *)x)->name, ((const afile *)y)->name);
}

static int slurp(const char *path, uint8_t **out, size_t *n)
{
    struct stat sb;
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &sb) != 0)
        return -1;
    *n = (size_t)sb.st_size;
    *out = malloc(*n + 1);
    if (*out == NULL || read(fd, *out, *n) != (ssize_t)*n) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* The archive the writer made, as today's version. */
static int load_files(void)
{
    DIR *d = opendir(H.dir);
    struct dirent *e;
    char path[512];
    afile *cur = H.files[DP__SEG_VERSION - MIN_VERSION];

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL && H.nfiles < MAX_FILES) {
        const char *nm = e->d_name;
        if (strcmp(nm, "MANIFEST") != 0 && strncmp(nm, "seg-", 4) != 0 &&
            strncmp(nm, "del-", 4) != 0)
            continue;
        if (strlen(nm) >= sizeof cur[0].name)
            continue;
        afile *f = &cur[H.nfiles++];
        memcpy(f->name, nm, strlen(nm) + 1);
        snprintf(path, sizeof path, "%s/%s", H.dir, nm);
        if (slurp(path, &f->data, &f->n) != 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    qsort(cur, H.nfiles, sizeof cur[0], cmp_names);
    return H.nfiles >= 3 ? 0 : -1;
}

static int write_file(const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", H.dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t k = n ? write(fd, p, n) : 0;
    close(fd);
    return k == (ssize_t)n ? 0 : -1;
}

/* Put the pristine archive of `version` in place. */
static void write_version(uint32_t version)
{
    const afile *set = H.files[version - MIN_VERSION];
    for (size_t i = 0; i < H.nfiles; i++)
        write_file(set[i].name, set[i].data, set[i].n);
}

/**************************************************************************
** The same archive in older format versions: each segment is copied
** document by document and term by term (columns, stored records, forms,
** decoded positions) into a writer of the older version, as a merge of
** one input without deletions would (the deletion file still applies:
** docids do not change).  MANIFEST gets the new segment sizes.
*/

/* The postings of term ti of g, positions decoded, into w. */
static int copy_term(const dp__segment *g, dp__segw *w, const dp__term_info *ti)
{
    dp__form_buf *fb = calloc(ti->nforms, sizeof *fb);
    dp_slice *fs = calloc(ti->nforms, sizeof *fs);
    dp__postings *p = NULL;
    int rc = fb && fs ? DP_OK : DP_ENOMEM;

    for (uint32_t k = 0; k < ti->nforms && rc == DP_OK; k++) {
        rc = dp__term_form(g, ti, k, &fb[k]);
        fs[k] = fb[k].info.form;
    }
    if (rc == DP_OK)
        rc = dp__segw_term_begin(w, ti->term, ti->term_len, fs, ti->nforms);
    if (rc == DP_OK)
        rc = dp__postings_open(g, ti, -1, DP__POST_POSITIONS, &p);
    while (rc == DP_OK && (rc = dp__postings_next(p)) == DP_OK) {
        const uint32_t *pos, *forms;
        size_t n;
        dp__postings_positions(p, &pos, &forms, &n);
        rc = dp__segw_term_doc(w, dp__postings_doc(p), pos, forms,
                               (uint32_t)n);
    }
    if (rc == DP_ENOTFOUND)
        rc = dp__segw_term_end(w);
    dp__postings_free(p);
    free(fb);
    free(fs);
    return rc;
}

/* Segment `no` of H.dir (today's version) rewritten in `version`, into
** *out (malloc'ed). */
static int transcode(uint64_t no, uint32_t version, uint8_t **out, size_t *n)
{
    dp_buf err = DP_BUF_INIT;
    dp__segfile *f = NULL;
    dp__segw *w = NULL;
    dp__term_iter *it = NULL;
    dp__fetch fe = DP__FETCH_INIT;
    dp__segment g;
    char path[512];

    snprintf(path, sizeof path, "%s/transcode.tmp", H.dir);
    unlink(path);
    int rc = dp__segfile_open(H.dir, no, &f, &err);
    if (rc == DP_OK)
        rc = dp__segw_open_version(&w, path, version, &err);
    memset(&g, 0, sizeof g);
    g.file = f;
    g.err = &err;
    for (uint32_t d = 0; rc == DP_OK && d < dp__seg_ndocs(&g); d++) {
        dp__doc_cols c;
        const void *raw;
        size_t rn;
        dp__seg_doc_cols(&g, d, &c);
        rc = dp__seg_fetch_raw(&g, d, &fe, &raw, &rn);
        if (rc == DP_OK)
            rc = dp__segw_doc(w, &c, dp__seg_source_name(&g, c.source),
                              dp__seg_doc_id(&g, d), raw, rn);
    }
    if (rc == DP_OK)
        rc = dp__term_iter_open(&g, "", 0, &it);
    while (rc == DP_OK) {
        dp_slice t;
        dp__term_info ti;
        rc = dp__term_iter_next(it, &t, &ti);
        if (rc == DP_OK)
            rc = copy_term(&g, w, &ti);
    }
    if (rc == DP_ENOTFOUND)
        rc = dp__segw_finish(w, NULL);
    if (rc != DP_OK)
        fprintf(stderr, "fuzz_segment: segment %llu in version %u: %s: %s\n",
                (unsigned long long)no, (unsigned)version, dp_strerror(rc),
                err.n ? (const char *)err.p : "");
    dp__term_iter_free(it);
    dp__fetch_free(&fe);
    dp__segw_free(w);
    if (f != NULL)
        dp__segfile_unref(f);
    dp__buf_free(&err);
    if (rc == DP_OK && slurp(path, out, n) != 0)
        rc = DP_EIO;
    unlink(path);
    return rc;
}

/* H.files of `version` from today's (in place in H.dir). */
static int make_version(uint32_t version)
{
    const afile *cur = H.files[DP__SEG_VERSION - MIN_VERSION];
    afile *set = H.files[version - MIN_VERSION];
    dp__manifest m = {0};
    dp_buf err = DP_BUF_INIT;
    size_t mi = H.nfiles;
    int rc = DP_OK;

    for (size_t i = 0; i < H.nfiles && rc == DP_OK; i++) {
        unsigned long long no;
        set[i] = cur[i]; /* shares the bytes of files that do not change */
        if (strcmp(cur[i].name, "MANIFEST") == 0)
            mi = i;
        if (sscanf(cur[i].name, "seg-%llu.dps", &no) == 1)
            rc = transcode(no, version, &set[i].data, &set[i].n);
    }
    if (rc == DP_OK && mi < H.nfiles)
        rc = dp__manifest_read(H.dir, &m, &err);
    for (size_t k = 0; rc == DP_OK && k < m.nseg; k++)
        for (size_t i = 0; i < H.nfiles; i++) {
            unsigned long long no;
            if (sscanf(set[i].name, "seg-%llu.dps", &no) == 1 &&
                no == m.segs[k].seg_no)
                m.segs[k].bytes = set[i].n;
        }
    if (rc == DP_OK && mi < H.nfiles)
        rc = dp__manifest_write(H.dir, &m, &err, NULL);
    if (rc == DP_OK && mi < H.nfiles) {
        char path[512];
        snprintf(path, sizeof path, "%s/MANIFEST", H.dir);
        if (slurp(path, &set[mi].data, &set[mi].n) != 0)
            rc = DP_EIO;
    }
    dp__manifest_free(&m);
    dp__buf_free(&err);
    write_version(DP__SEG_VERSION);
    return rc;
}

/* Open every segment file and check every checksum, the lazy ones too:
** how many files failed to open or verify, or are of another format
** version than `version` (0: any). */
static int verify_segments(uint32_t version)
{
    int bad = 0;
    for (size_t i = 0; i < H.nfiles; i++) {
        unsigned long long no;
        dp__segfile *f = NULL;
        dp_buf err = DP_BUF_INIT;
        /* every version's set has today's names (make_version), and
        ** today's is filled first */
        if (sscanf(H.files[DP__SEG_VERSION - MIN_VERSION][i].name,
                   "seg-%llu.dps", &no) != 1)
            continue;
        if (dp__segfile_open(H.dir, no, &f, &err) != DP_OK ||
            (version != 0 && f->version != version) ||
            dp__segfile_verify(f, &err) != DP_OK)
            bad++;
        if (f != NULL)
            dp__segfile_unref(f);
        dp__buf_free(&err);
    }
    return bad;
}

/* Every version's pristine archive opens, has segments of that version
** and counts what today's counts: else the rewrite above is wrong and
** the fuzzing of that version meaningless. */
static int check_version(uint32_t version)
{
    dp_archive *a = NULL;
    int rc, ok = 1;

    write_version(version);
    if (verify_segments(version) != 0)
        ok = 0;
    rc = dp_archive_open(&a, H.dir, DP_ARCHIVE_READ);
    for (size_t q = 0; rc == DP_OK && q < H.nqueries; q++) {
        uint64_t n;
        if (dp_count(a, H.queries[q], &n) != DP_OK)
            ok = 0;
        else if (version == DP__SEG_VERSION)
            H.counts[q] = n;
        else if (n != H.counts[q])
            ok = 0;
    }
    dp_archive_close(a);
    write_version(DP__SEG_VERSION);
    if (rc != DP_OK || !ok)
        fprintf(stderr, "fuzz_segment: the archive of version %u does not "
                "read back as today's\n", (unsigned)version);
    return rc == DP_OK && ok ? 0 : -1;
}

static void remove_tree(const char *dir)
{
    DIR *d;
    struct dirent *e;
    char path[512];

    if ((d = opendir(dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void remove_dir(void)
{
    if (getpid() == H.owner)
        remove_tree(H.dir);
}

/* libFuzzer leaves through _Exit on a timeout, a crash or the end of
** -max_total_time, past atexit: sweep the directories of processes that
** are gone.  Ours are /tmp/dp-fuzz-segment.<pid>. */
static void sweep_stale(void)
{
    DIR *d = opendir("/tmp");
    struct dirent *e;
    char path[512];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        long pid;
        char tail;
        if (sscanf(e->d_name, "dp-fuzz-segment.%ld%c", &pid, &tail) != 1 ||
            pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* still running */
        snprintf(path, sizeof path, "/tmp/%s", e->d_name);
        remove_tree(path);
    }
    closedir(d);
}

static const char *const query_texts[] = {
    "russie", "otan OR macron", "\"la russie\"", "presid*",
    "=Macron -gaz", "russie NEAR/4 ukraine", "date:2022-01..2022-03 gaz",
    "title:otan OR source:lemonde.fr",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (H.nfiles > 0)
        return 0;
    setenv("DEPECHE_UNSAFE_NOSYNC", "1", 1);
    sweep_stale();
    snprintf(H.dir, sizeof H.dir, "/tmp/dp-fuzz-segment.%ld", (long)getpid());
    remove_tree(H.dir); /* a pid reused after an _Exit */
    if (mkdir(H.dir, 0700) != 0)
        abort();
    H.owner = getpid();
    H.verbose = getenv("DP_FUZZ_VERBOSE") != NULL;
    atexit(remove_dir);
    if (build_archive(H.dir) != DP_OK || load_files() != 0)
        abort();
    if (dp_analyzer_new(&H.analyzer, NULL) != DP_OK)
        abort();
    for (size_t i = 0; i < sizeof query_texts / sizeof query_texts[0]; i++) {
        dp_query_options qo = DP_QUERY_OPTIONS_INIT;
        qo.analyzer = H.analyzer;
        if (dp_query_parse(query_texts[i], strlen(query_texts[i]), &qo,
                           &H.queries[H.nqueries], NULL) == DP_OK)
            H.nqueries++;
    }
    if (check_version(DP__SEG_VERSION) != 0)
        abort();
    for (uint32_t v = MIN_VERSION; v < DP__SEG_VERSION; v++)
        if (make_version(v) != DP_OK || check_version(v) != 0)
            abort();
    return 0;
}

/**************************************************************************
** Patching.
*/

typedef struct reader8 {
    const uint8_t *p, *end;
} reader8;

static bool take(reader8 *r, void *out, size_t n)
{
    if ((size_t)(r->end - r->p) < n)
        return false;
    memcpy(out, r->p, n);
    r->p += n;
    return true;
}

/* Apply the operations to region [lo, hi) of b (which may shrink). */
static void apply_ops(buf8 *b, size_t lo, size_t hi, reader8 *in)
{
    uint8_t op, v8, len;
    uint8_t o[2], v[4], run[255];

    while (take(in, &op, 1) && take(in, o, 2)) {
        if (hi > b->n)
            hi = b->n;
        if (lo >= hi)
            return;
        size_t at = lo + (size_t)(o[0] | o[1] << 8) % (hi - lo);
        switch (op % 4) {
        case 0:
            if (!take(in, &v8, 1))
                return;
            b->p[at] ^= v8;
            break;
        case 1:
            if (!take(in, v, 4))
                return;
            for (size_t i = 0; i < 4 && at + i < hi; i++)
                b->p[at + i] = v[i];
            break;
        case 2:
            b->n = at;
            break;
        default:
            if (!take(in, &len, 1) || !take(in, run, len))
                return;
            for (size_t i = 0; i < len && at + i < hi; i++)
                b->p[at + i] = run[i];
            break;
        }
    }
}

/* Where section id lies in a segment image: false if the trailer or
** the table is not readable. */
static bool find_section(const buf8 *b, uint32_t id, size_t *off, size_t *len,
                         size_t *entry)
{
    if (b->n < 16 + 24)
        return false;
    const uint8_t *t = b->p + b->n - 24;
    uint64_t toff = dp__get_u64(t);
    uint32_t nsect = dp__get_u32(t + 8);
    if (nsect > 64 || toff > b->n - 24 || (uint64_t)nsect * 24 > b->n - 24 - toff)
        return false;
    for (uint32_t i = 0; i < nsect; i++) {
        const uint8_t *e = b->p + toff + (size_t)i * 24;
        uint64_t o = dp__get_u64(e + 8), l = dp__get_u64(e + 16);
        if (dp__get_u32(e) != id)
            continue;
        if (o > b->n || l > b->n - o)
            return false;
        *off = (size_t)o;
        *len = (size_t)l;
        *entry = (size_t)(toff + (uint64_t)i * 24);
        return true;
    }
    return false;
}

/* Recompute every checksum of a segment image whose structure is still
** readable: POST chunks, STORE blocks, sections, the table. */
static void fix_segment(buf8 *b)
{
    size_t off, len, ent, moff, mlen, ment, coff, clen, cent;

    if (find_section(b, DP__SEC_POST, &off, &len, &ent) &&
        find_section(b, DP__SEC_META, &moff, &mlen, &ment) && mlen >= 32 &&
        find_section(b, DP__SEC_POSTCRC, &coff, &clen, &cent)) {
        uint32_t chunk = dp__get_u32(b->p + moff + 28);
        for (size_t c = 0; chunk > 0 && (c + 1) * 4 <= clen; c++) {
            if ((uint64_t)c * chunk >= len)
                break;
            size_t n = len - c * chunk < chunk ? len - c * chunk : chunk;
            dp__put_u32(b->p + coff + 4 * c,
                        dp__crc32c(0, b->p + off + c * chunk, n));
        }
    }
    if (find_section(b, DP__SEC_STORE, &off, &len, &ent) &&
        find_section(b, DP__SEC_STOREIDX, &coff, &clen, &cent)) {
        for (size_t i = 0; (i + 1) * 24 <= clen; i++) {
            uint8_t *e = b->p + coff + i * 24;
            uint64_t so = dp__get_u64(e + 8), sn = dp__get_u32(e + 4);
            if (so <= len && sn <= len - so)
                dp__put_u32(e + 20, dp__crc32c(0, b->p + off + so, (size_t)sn));
        }
    }
    for (uint32_t id = 1; id < DP__SEC_COUNT; id++)
        if (find_section(b, id, &off, &len, &ent))
            dp__put_u32(b->p + ent + 4, dp__crc32c(0, b->p + off, len));
    if (b->n >= 16 + 24) {
        uint8_t *t = b->p + b->n - 24;
        uint64_t toff = dp__get_u64(t);
        uint32_t nsect = dp__get_u32(t + 8);
        if (nsect <= 64 && toff <= b->n - 24 &&
            (uint64_t)nsect * 24 <= b->n - 24 - toff)
            dp__put_u32(t + 12, dp__crc32c(0, b->p + toff, (size_t)nsect * 24));
    }
}

/* MANIFEST and deletion files end with the CRC-32C of what precedes. */
static void fix_tail_crc(buf8 *b)
{
    if (b->n >= 4)
        dp__put_u32(b->p + b->n - 4, dp__crc32c(0, b->p, b->n - 4));
}

/* Region 11: patch the decompressed first STORE block, recompress it and
** splice it back, moving everything after it. */
static void patch_store_raw(buf8 *b, reader8 *in)
{
    size_t off, len, ent, ioff, ilen, ient;
    buf8 raw = {NULL, 0, 0};

    if (!find_section(b, DP__SEC_STORE, &off, &len, &ent) ||
        !find_section(b, DP__SEC_STOREIDX, &ioff, &ilen, &ient) || ilen < 24)
        return;
    uint8_t *e = b->p + ioff;
    uint64_t so = dp__get_u64(e + 8), sn = dp__get_u32(e + 4);
    uint32_t rn = dp__get_u32(e + 16);
    if (so != 0 || sn > len || rn > (1u << 24))
        return;
    raw.cap = raw.n = rn;
    raw.p = malloc(rn + 1);
    if (raw.p == NULL ||
        ZSTD_decompress(raw.p, rn, b->p + off, (size_t)sn) != rn)
        goto done;
    apply_ops(&raw, 0, raw.n, in);
    size_t zcap = ZSTD_compressBound(raw.n);
    uint8_t *z = malloc(zcap);
    size_t zn = z ? ZSTD_compress(z, zcap, raw.p, raw.n, 1) : 0;
    if (z == NULL || ZSTD_isError(zn)) {
        free(z);
        goto done;
    }
    /* Splice: [0, off) + z + [off + sn, n). */
    size_t tail = b->n - (off + (size_t)sn);
    size_t nn = off + zn + tail;
    uint8_t *np = malloc(nn + 1);
    if (np == NULL) {
        free(z);
        goto done;
    }
    memcpy(np, b->p, off);
    memcpy(np + off, z, zn);
    memcpy(np + off + zn, b->p + off + sn, tail);
    free(z);
    int64_t delta = (int64_t)zn - (int64_t)sn;
    free(b->p);
    b->p = np;
    b->n = b->cap = nn;
    /* Move what followed the block: table entries, trailer, STOREIDX. */
    uint8_t *t = b->p + b->n - 24;
    uint64_t toff = dp__get_u64(t) + (uint64_t)delta;
    uint32_t nsect = dp__get_u32(t + 8);
    dp__put_u64(t, toff);
    if (nsect > 64 || toff > b->n - 24 || (uint64_t)nsect * 24 > b->n - 24 - toff)
        goto done;
    for (uint32_t i = 0; i < nsect; i++) {
        uint8_t *te = b->p + toff + (size_t)i * 24;
        uint64_t o = dp__get_u64(te + 8);
        if (dp__get_u32(te) == DP__SEC_STORE)
            dp__put_u64(te + 16, dp__get_u64(te + 16) + (uint64_t)delta);
        else if (o > off)
            dp__put_u64(te + 8, o + (uint64_t)delta);
    }
    if (find_section(b, DP__SEC_STOREIDX, &ioff, &ilen, &ient)) {
        for (size_t i = 0; (i + 1) * 24 <= ilen; i++) {
            uint8_t *x = b->p + ioff + i * 24;
            if (i == 0) {
                dp__put_u32(x + 4, (uint32_t)zn);
                dp__put_u32(x + 16, (uint32_t)raw.n);
            } else {
                dp__put_u64(x + 8, dp__get_u64(x + 8) + (uint64_t)delta);
            }
        }
    }
done:
    free(raw.p);
}

/**************************************************************************
** Using the damaged archive.
*/

static int count_row(void *ctx, const dp_timeline_row *row)
{
    FUZZ_CHECK(row->period != NULL);
    (*(int *)ctx)++;
    return *(int *)ctx > 5000; /* a damaged date range may be huge */
}

static void check_hit(dp_results *res, size_t i)
{
    dp_hit hit;
    dp_snippet sn;
    if (dp_results_hit(res, i, &hit) == DP_OK) {
        fuzz_touch(hit.id);
        fuzz_touch(hit.title);
        fuzz_touch(hit.source);
        fuzz_touch(hit.lang);
    }
    if (dp_results_snippet(res, i, 80, &sn) == DP_OK) {
        fuzz_touch(sn.text);
        for (size_t k = 0; k < sn.n_spans; k++)
            FUZZ_CHECK(sn.spans[k][0] <= sn.spans[k][1] &&
                       sn.spans[k][1] <= sn.text.n);
    }
}

static void use_query(dp_archive *a, const dp_query *q, size_t qi,
                      bool timeline)
{
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_results *res = NULL;
    uint64_t total;
    int rows = 0;

    so.sort = (dp_sort)(qi % 3);
    so.limit = 4;
    if (dp_search(a, q, &so, &res) == DP_OK) {
        size_t n = dp_results_count(res);
        FUZZ_CHECK(n <= 4);
        for (size_t i = 0; i < n && i < 2; i++)
            check_hit(res, i);
        FUZZ_CHECK(dp_results_hit(res, n, &(dp_hit){0}) != DP_OK);
    } else {
        FUZZ_CHECK(res == NULL);
    }
    if (H.verbose)
        fprintf(stderr, "  query %zu: %zu hits\n", qi,
                res ? dp_results_count(res) : 0);
    dp_results_free(res);
    int rc = dp_count(a, q, &total);
    if (H.verbose)
        fprintf(stderr, "  count %zu: %s %llu\n", qi, dp_strerror(rc),
                (unsigned long long)total);
    if (!timeline)
        return;
    rc = dp_timeline(a, q, (dp_period)(qi % 4), count_row, &rows);
    if (H.verbose)
        fprintf(stderr, "  timeline %zu: %s, %d rows\n", qi, dp_strerror(rc),
                rows);
}

static int kwic_line(void *ctx, const dp_kwic_line *l)
{
    (void)ctx;
    fuzz_touch(l->id);
    fuzz_touch(l->left);
    fuzz_touch(l->match);
    fuzz_touch(l->right);
    return 0;
}

static int terms_row(void *ctx, const dp_terms_part *part,
                     const dp_term_score *row)
{
    (void)ctx;
    (void)part;
    fuzz_touch(row->term);
    fuzz_touch(row->form);
    return 0;
}

static int freq_row(void *ctx, const dp_freq_summary *sum,
                    const dp_freq_row *row)
{
    (void)ctx;
    (void)sum;
    fuzz_touch(row->term);
    fuzz_touch(row->form);
    return 0;
}

/* The corpus analyses read every posting and stored text: one of them
** per input (by pick), on small limits. */
static void use_corpus(dp_archive *a, const dp_query *q, unsigned pick)
{
    uint64_t total;
    switch (pick % 3) {
    case 0: {
        dp_kwic_options ko = DP_KWIC_OPTIONS_INIT;
        ko.limit = 3;
        ko.analyzer = H.analyzer;
        ko.sort = (dp_kwic_sort)(pick / 3 % 5);
        dp_kwic(a, q, &ko, kwic_line, NULL, &total);
        break;
    }
    case 1: {
        dp_terms_options to = DP_TERMS_OPTIONS_INIT;
        to.part = q;
        to.limit = 5;
        to.per_period = pick / 3 % 2;
        dp_terms(a, &to, terms_row, NULL);
        break;
    }
    default: {
        dp_freq_options fo = DP_FREQ_OPTIONS_INIT;
        fo.limit = 5;
        fo.ngram = 1 + pick / 3 % 2;
        fo.analyzer = H.analyzer;
        dp_freq(a, q, &fo, freq_row, NULL);
        break;
    }
    }
}

/* Three of the queries (picked by `pick`) keep each input fast; the
** first of them also gets a timeline and a corpus analysis. */
static void use_archive(dp_archive *a, unsigned pick)
{
    static const char *const ids[] = {"a1", "a2", "a4", "a5", "b2", "zz"};
    dp_archive_stats st;
    dp_record *rec;

    dp_archive_stats_get(a, &st);
    for (size_t k = 0; k < 3 && H.nqueries > 0; k++) {
        size_t i = (pick + 3 * k) % H.nqueries;
        use_query(a, H.queries[i], i, k == 0);
        if (k == 0)
            use_corpus(a, H.queries[i], pick);
    }
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        int rc = dp_archive_get(a, ids[i], strlen(ids[i]), &rec);
        if (H.verbose)
            fprintf(stderr, "  get %s: %s\n", ids[i], dp_strerror(rc));
        if (rc != DP_OK)
            continue;
        fuzz_touch(rec->id);
        fuzz_touch(rec->title);
        fuzz_touch(rec->text);
        fuzz_touch(rec->source);
        fuzz_touch(rec->url);
        fuzz_touch(rec->lang);
        for (size_t k = 0; k < rec->n_extra; k++) {
            fuzz_touch(rec->extra[k].name);
            fuzz_touch(rec->extra[k].value);
        }
        dp_record_free(rec);
    }
}


static void parse_records(const uint8_t *p, const uint8_t *end)
{
    dp__fetch f = DP__FETCH_INIT;
    dp_record rec;
    while (p < end && dp__record_parse(&p, end, &rec, &f) == DP_OK) {
        fuzz_touch(rec.id);
        fuzz_touch(rec.text);
        for (size_t k = 0; k < rec.n_extra; k++)
            fuzz_touch(rec.extra[k].value);
    }
    dp__fetch_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (H.nfiles == 0)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 2 || size > 65536)
        return 0;
    reader8 in = {data + 2, data + size};
    unsigned region = (data[1] >> 1) & 15;
    bool fix = data[1] & 1;
    if (region == REGION_RECORD) {
        parse_records(data + 2, data + size);
        return 0;
    }
    unsigned vbits = data[1] >> 5;
    uint32_t version = vbits == 0 ? DP__SEG_VERSION
                                  : MIN_VERSION + (vbits - 1) % NVERSIONS;
    /* Every file pristine first: a crashed input of the replay driver
    ** (which forks) could not put its file back. */
    write_version(version);
    afile *f = &H.files[version - MIN_VERSION][data[0] % H.nfiles];
    bool is_seg = strncmp(f->name, "seg-", 4) == 0;
    buf8 b = {malloc(f->n + 1), f->n, f->n};
    if (b.p == NULL)
        return 0;
    memcpy(b.p, f->data, f->n);

    size_t lo = 0, hi = b.n, ent;
    if (is_seg && region == REGION_STORE_RAW) {
        patch_store_raw(&b, &in);
        fix = true;
        hi = 0; /* no further patching */
    } else if (is_seg && region >= 1 && region < DP__SEC_COUNT) {
        if (!find_section(&b, region, &lo, &hi, &ent))
            lo = 0, hi = b.n;
        else
            hi += lo;
    }
    if (hi > lo)
        apply_ops(&b, lo, hi, &in);
    if (fix && is_seg)
        fix_segment(&b);
    else if (fix)
        fix_tail_crc(&b);

    if (write_file(f->name, b.p, b.n) == 0) {
        dp_archive *a = NULL;
        int rc = dp_archive_open(&a, H.dir, DP_ARCHIVE_READ);
        if (H.verbose)
            fprintf(stderr, "%s (version %u, %zu bytes): open: %s %s\n",
                    f->name, (unsigned)version, b.n, dp_strerror(rc),
                    a ? dp_archive_errmsg(a) : "");
        if (rc == DP_OK)
            use_archive(a, data[0] >> 2);
        else
            FUZZ_CHECK(a == NULL || dp_archive_errmsg(a) != NULL);
        dp_archive_close(a);
        if (is_seg)
            verify_segments(0);
    }
    free(b.p);
    return 0;
}
