/* test_merge_copy.c -- a merge copies the position bits of documents
** instead of decoding and coding them again (merge.c): the cursor's raw
** access (dp__postings_pos_code, dp__postings_pos_bits) and the encoder's
** (dp__post_enc_add_bits) write the same bytes as a decode and re-encode;
** merges with and without the copies give identical segment files, over
** inputs of format versions 2 to 5 with deletions, renumbered and mixed
** forms, long and short documents, blocks with and without position
** groups; the merged positions read back right; damaged position bits
** give DP_ECORRUPT. */
#include "store.h"
#include "test.h"
#include "post_model.h"

#include <sys/stat.h>
#include <unistd.h>

#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 8))

/* One term of one input (post_model.h): its forms (names, in the
** input's order) and its postings. */
typedef tmodel tpost;

/* Segment no of dir in format `version`: nd documents of lengths len[],
** then the terms with postings (in byte order). */
static void tp_write(const char *dir, uint64_t no, uint32_t version,
                     uint32_t nd, const uint32_t *len, tpost *t, size_t nt)
{
    dp__segw *w;
    dp_buf err = DP_BUF_INIT;
    char path[256];
    dp__seg_path(path, sizeof path, dir, no);
    CHECK_EQ_INT(dp__segw_open_version(&w, path, version, &err), DP_OK);
    /* a stored record (a merge with deletions copies them one by one) */
    dp_buf raw = DP_BUF_INIT;
    dp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.id = (dp_slice){"x", 1};
    CHECK_EQ_INT(dp__record_serialize(&raw, &rec, (dp_slice){"fr", 2}), DP_OK);
    for (uint32_t d = 0; d < nd; d++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = len[d];
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, raw.p, raw.n), DP_OK);
    }
    dp__buf_free(&raw);
    for (size_t i = 0; i < nt; i++)
        if (t[i].df > 0)
            tm_write_term(w, &t[i]);
    CHECK_EQ_INT(dp__segw_finish(w, NULL), DP_OK);
    dp__segw_free(w);
    dp__buf_free(&err);
}

static void read_all(const char *dir, uint64_t no, dp_buf *out)
{
    char path[256];
    uint8_t *p = NULL;
    size_t n = 0;
    dp_buf err = DP_BUF_INIT;
    dp__seg_path(path, sizeof path, dir, no);
    CHECK_EQ_INT(dp__read_file(path, &p, &n, &err), DP_OK);
    dp__buf_clear(out);
    if (p != NULL)
        CHECK_EQ_INT(dp__buf_append(out, p, n), DP_OK);
    dp__free(p);
    dp__buf_free(&err);
}

/* Random postings for term t of an input of nd documents: each document
** with probability 1/every; frequencies mostly 1 to 3, some up to 60, one
** in 97 documents 700; positions within the document's length and, one
** document in 13, far beyond it (Rice escapes); forms by document: all
** the first form, all one other form, or mixed. */
static void gen_term(tpost *t, uint32_t nd, const uint32_t *len,
                     unsigned every, unsigned *seedp)
{
    unsigned seed = *seedp;
    static uint32_t pos[800], fm[800];
    for (uint32_t d = 0; d < nd; d++) {
        if (RND() % every != 0)
            continue;
        uint32_t fq = RND() % 4 == 0 ? 1 + RND() % 60 : 1 + RND() % 3;
        if (d % 97 == 13)
            fq = 700;
        uint32_t span = len[d] ? len[d] : 1, at = 0, style = RND() % 4;
        for (uint32_t i = 0; i < fq; i++) {
            at += RND() % (2 * span / fq + 1);
            if (d % 13 == 5 && i == fq / 2)
                at += 1u << 20;
            pos[i] = at;
            fm[i] = style == 0 ? 0
                    : style == 1 ? t->nforms - 1
                    : style == 2 ? RND() % t->nforms
                                 : (d / 3) % t->nforms;
        }
        tm_add(t, d, fq, pos, fm);
    }
    *seedp = seed;
}

#define NIN 5
#define NTERMS 7

/* Inputs: versions 5, 4, 5, 2, 3 (the version 2 input is always decoded).
** Terms and their forms per input:
**   a    one form everywhere, in most documents (full blocks, groups)
**   b    x y / y x / x y ...: input 1's forms renumbered (uniform postings
**        get a rewritten code, mixed ones are decoded)
**   c    p / q / p: one form per input, two in the merged term
**   d    the same four forms in the same order everywhere (mixed postings
**        copied as they are)
**   e    only in input 2, all its documents deleted
**   f    rare (single-block terms without groups, partial blocks)
**   g    one dominant input (x y z) and another with (z x): renumbered
*/
static const char *const F1[] = {"a"};
static const char *const FXY[] = {"bx", "by"};
static const char *const FYX[] = {"by", "bx"};
static const char *const FP[] = {"cp"};
static const char *const FQ[] = {"cq"};
static const char *const FD[] = {"d0", "d1", "d2", "d3"};
static const char *const FE[] = {"e"};
static const char *const FF[] = {"f", "ff"};
static const char *const FG[] = {"gx", "gy", "gz"};
static const char *const FZX[] = {"gz", "gx"};

typedef struct fixture {
    char dir[64];
    uint32_t nd[NIN], *len[NIN];
    uint32_t version[NIN];
    tpost t[NIN][NTERMS];
    dp__segfile *f[NIN];
    dp__segment g[NIN];
    dp_buf err;
} fixture;

static void fx_build(fixture *x, unsigned seed)
{
    static const uint32_t ver[NIN] = {5, 4, 5, 2, 3};
    static const uint32_t nd[NIN] = {700, 300, 450, 200, 260};
    memset(x, 0, sizeof *x);
    strcpy(x->dir, "/tmp/dp-test-mcopy.XXXXXX");
    CHECK(mkdtemp(x->dir) != NULL);
    for (int s = 0; s < NIN; s++) {
        x->nd[s] = nd[s];
        x->version[s] = ver[s];
        x->len[s] = malloc(nd[s] * sizeof(uint32_t));
        for (uint32_t d = 0; d < nd[s]; d++) {
            uint32_t r = RND() % 10;
            x->len[s][d] = r == 0 ? 0 : r < 4 ? 1 + RND() % 30
                         : r < 8 ? 100 + RND() % 2000 : 20000 + RND() % 80000;
        }
        tpost *t = x->t[s];
        t[0] = (tpost){.name = "a", .nforms = 1, .fnames = F1};
        t[1] = (tpost){.name = "b", .nforms = 2,
                       .fnames = s == 1 ? FYX : FXY};
        t[2] = (tpost){.name = "c", .nforms = 1, .fnames = s == 1 ? FQ : FP};
        t[3] = (tpost){.name = "d", .nforms = 4, .fnames = FD};
        t[4] = (tpost){.name = "e", .nforms = 1, .fnames = FE};
        t[5] = (tpost){.name = "f", .nforms = 2, .fnames = FF};
        t[6] = (tpost){.name = "g", .nforms = s == 2 ? 2 : 3,
                       .fnames = s == 2 ? FZX : FG};
        gen_term(&t[0], nd[s], x->len[s], 1, &seed);
        gen_term(&t[1], nd[s], x->len[s], s == 1 ? 2 : 3, &seed);
        gen_term(&t[2], nd[s], x->len[s], 2, &seed);
        gen_term(&t[3], nd[s], x->len[s], 2, &seed);
        if (s == 2)
            for (uint32_t d = 100; d < 104; d++) {
                uint32_t p0 = d;
                tm_add(&t[4], d, 1, &p0, NULL);
            }
        gen_term(&t[5], nd[s], x->len[s], 60, &seed);
        gen_term(&t[6], nd[s], x->len[s], s == 0 ? 2 : 4, &seed);
        tp_write(x->dir, (uint64_t)s + 1, ver[s], nd[s], x->len[s], t, NTERMS);
        open_seg(x->dir, (uint64_t)s + 1, &x->f[s], &x->g[s], &x->err);
        CHECK_EQ_INT(x->f[s]->version, ver[s]);
    }
    /* deletions: every 7th document of input 0, a range of input 2 that
    ** holds all of term e, the first 130 documents of input 1 (its first
    ** block of term a) */
    for (int s = 0; s < 3; s++) {
        uint32_t n = x->nd[s];
        x->g[s].deleted = calloc((n + 7) / 8 + 1, 1);
        for (uint32_t d = 0; d < n; d++) {
            bool del = s == 0 ? d % 7 == 3 : s == 1 ? d < 130
                                                    : d >= 90 && d < 120;
            if (del) {
                x->g[s].deleted[d / 8] |= (uint8_t)(1u << (d % 8));
                x->g[s].ndeleted++;
            }
        }
    }
}

static void fx_free(fixture *x)
{
    for (int s = 0; s < NIN; s++) {
        dp__segfile_unref(x->f[s]);
        free(x->g[s].deleted);
        free(x->len[s]);
        for (int i = 0; i < NTERMS; i++)
            tm_free(&x->t[s][i]);
        remove_seg(x->dir, (uint64_t)s + 1);
    }
    dp__buf_free(&x->err);
}

static bool fx_deleted(const fixture *x, int s, uint32_t d)
{
    return x->g[s].deleted && (x->g[s].deleted[d / 8] >> (d % 8) & 1);
}

/* The merged segment against the inputs: every term's live postings with
** docids renumbered and forms found by name. */
static void fx_check_merged(const fixture *x, const dp__segment *mg)
{
    static const char *const names[NTERMS] = {"a", "b", "c", "d", "e", "f",
                                              "g"};
    uint32_t base[NIN], next = 0;
    for (int s = 0; s < NIN; s++) {
        base[s] = next;
        for (uint32_t d = 0; d < x->nd[s]; d++)
            next += !fx_deleted(x, s, d);
    }
    CHECK_EQ_INT(dp__seg_ndocs(mg), next);
    for (int i = 0; i < NTERMS && !test_failed_now; i++) {
        dp__term_info ti;
        int rc = dp__seg_term_find(mg, names[i], strlen(names[i]), &ti);
        if (i == 4) { /* every document deleted */
            CHECK_EQ_INT(rc, DP_ENOTFOUND);
            continue;
        }
        CHECK_EQ_INT(rc, DP_OK);
        dp__postings *p;
        CHECK_EQ_INT(dp__postings_open(mg, &ti, -1, DP__POST_POSITIONS, &p),
                     DP_OK);
        uint32_t df = 0;
        for (int s = 0; s < NIN && !test_failed_now; s++) {
            const tpost *t = &x->t[s][i];
            uint32_t fmap[8], newdoc = base[s], d = 0;
            for (uint32_t k = 0; k < t->nforms; k++)
                CHECK_EQ_INT(dp__term_form_find(mg, &ti, t->fnames[k],
                                                strlen(t->fnames[k]),
                                                &fmap[k]), DP_OK);
            for (uint32_t k = 0; k < t->df && !test_failed_now; k++) {
                for (; d < t->docs[k]; d++)
                    newdoc += !fx_deleted(x, s, d);
                if (fx_deleted(x, s, t->docs[k]))
                    continue;
                const uint32_t *ps, *fs;
                size_t np;
                CHECK_EQ_INT(dp__postings_next(p), DP_OK);
                CHECK_EQ_INT(dp__postings_doc(p), newdoc);
                dp__postings_positions(p, &ps, &fs, &np);
                CHECK_EQ_INT(np, t->freq[k]);
                for (uint32_t j = 0; j < np && !test_failed_now; j++) {
                    CHECK_EQ_INT(ps[j], t->pos[t->off[k] + j]);
                    CHECK_EQ_INT(fs[j], fmap[t->form[t->off[k] + j]]);
                }
                df++;
            }
        }
        CHECK_EQ_INT(dp__postings_next(p), DP_ENOTFOUND);
        CHECK_EQ_INT(ti.df, df);
        dp__postings_free(p);
    }
}

/* The merge with copies of bits and the merge that decodes everything
** write the same bytes, and the positions read back are the inputs'. */
TEST(merge_copy_same_bytes_as_decode)
{
    fixture x;
    char out[2][80];
    fx_build(&x, 41);
    dp__segment *segs[NIN];
    for (int s = 0; s < NIN; s++)
        segs[s] = &x.g[s];
    dp_buf bytes[2] = {DP_BUF_INIT, DP_BUF_INIT};
    for (int c = 0; c < 2; c++) {
        uint64_t sz;
        uint32_t nd;
        snprintf(out[c], sizeof out[c], "%s/o%d", x.dir, c);
        CHECK_EQ_INT(mkdir(out[c], 0700), 0);
        int rc = dp__merge_segments_ex(out[c], 9, segs, NIN, c == 0, &sz, &nd,
                                       &x.err);
        if (rc != DP_OK)
            fprintf(stderr, "  merge: %s\n", x.err.p ? x.err.p : "");
        CHECK_EQ_INT(rc, DP_OK);
        read_all(out[c], 9, &bytes[c]);
    }
    CHECK(bytes[0].n > 0);
    CHECK_EQ_INT(bytes[0].n, bytes[1].n);
    CHECK(memcmp(bytes[0].p, bytes[1].p, bytes[0].n) == 0);
    dp__segfile *mf;
    dp__segment mg;
    open_seg(out[0], 9, &mf, &mg, &x.err);
    if (!test_failed_now) {
        CHECK_EQ_INT(dp__segfile_verify(mf, &x.err), DP_OK);
        fx_check_merged(&x, &mg);
        dp__segfile_unref(mf);
    }
    for (int c = 0; c < 2; c++) {
        remove_seg(out[c], 9);
        rmdir(out[c]);
        dp__buf_free(&bytes[c]);
    }
    fx_free(&x);
    rmdir(x.dir);
}

/* Each term of a version 5 input coded again through the encoder twice:
** with the decoded positions (dp__post_enc_add) and with their bits
** (dp__post_enc_add_bits, the form code of each posting kept): the same
** bytes.  pos_code does not move the cursor, and a document left to
** load_positions after it reads right. */
TEST(enc_add_bits_same_bytes)
{
    fixture x;
    fx_build(&x, 7);
    static const char *const names[] = {"a", "b", "d", "g"};
    dp__post_enc e[2];
    dp_buf out[2] = {DP_BUF_INIT, DP_BUF_INIT};
    static uint32_t forms[1000];
    for (int c = 0; c < 2; c++)
        dp__post_enc_init(&e[c], DP__SEG_VERSION);
    for (size_t i = 0; i < DP_ARRAY_LEN(names) && !test_failed_now; i++) {
        dp__term_info ti;
        dp__postings *p, *q;
        const dp__segment *g = &x.g[2]; /* version 5, deletions */
        CHECK_EQ_INT(dp__seg_term_find(g, names[i], 1, &ti), DP_OK);
        CHECK_EQ_INT(dp__postings_open(g, &ti, -1,
                                       DP__POST_POSITIONS | DP__POST_LAZY, &p),
                     DP_OK);
        CHECK_EQ_INT(dp__postings_open(g, &ti, -1, DP__POST_POSITIONS, &q),
                     DP_OK);
        for (int c = 0; c < 2; c++) {
            dp__post_enc_reset(&e[c], ti.nforms);
            e[c].ndocs = dp__seg_ndocs(g);
            dp__buf_clear(&out[c]);
        }
        uint32_t n = 0, mixed = 0;
        while (dp__postings_next(q) == DP_OK && !test_failed_now) {
            const uint32_t *ps, *fs;
            size_t np;
            uint32_t doc = dp__postings_doc(q), code, fq = dp__postings_freq(q);
            uint32_t len = dp__seg_doc_len(g, doc);
            dp__pos_bits b;
            dp__postings_positions(q, &ps, &fs, &np);
            CHECK_EQ_INT(dp__post_enc_add(&e[0], doc, len, ps, fs, fq), DP_OK);
            CHECK_EQ_INT(dp__postings_next(p), DP_OK);
            CHECK_EQ_INT(dp__postings_doc(p), doc);
            CHECK_EQ_INT(dp__postings_pos_code(p, &code), DP_OK);
            CHECK(code <= ti.nforms);
            if (n++ % 5 == 4) { /* decoded after the peek */
                const uint32_t *ps2, *fs2;
                size_t np2;
                CHECK_EQ_INT(dp__postings_load_positions(p), DP_OK);
                dp__postings_positions(p, &ps2, &fs2, &np2);
                CHECK_EQ_INT(np2, np);
                CHECK(np2 == np && memcmp(ps, ps2, np * sizeof *ps) == 0 &&
                      memcmp(fs, fs2, np * sizeof *fs) == 0);
                CHECK_EQ_INT(dp__post_enc_add(&e[1], doc, len, ps2, fs2, fq),
                             DP_OK);
                continue;
            }
            /* the lengths from the columns, or given */
            CHECK_EQ_INT(dp__postings_pos_bits(p, n % 2 ? &x.len[2][doc] : NULL,
                                               &b, forms), DP_OK);
            CHECK_EQ_INT(b.code, code);
            CHECK_EQ_INT(b.len, len);
            CHECK_EQ_INT(b.k, dp__rice_k(len, fq));
            if (code == 1) {
                mixed++;
                CHECK(memcmp(forms, fs, np * sizeof *fs) == 0);
            }
            /* stepped over: no positions, and none read later */
            CHECK_EQ_INT(dp__postings_load_positions(p), DP_OK);
            dp__postings_positions(p, &ps, &fs, &np);
            CHECK_EQ_INT(np, 0);
            CHECK_EQ_INT(dp__postings_pos_bits(p, NULL, &b, NULL), DP_EINVAL);
            CHECK_EQ_INT(dp__post_enc_add_bits(&e[1], doc, len, fq, code, &b),
                         DP_OK);
        }
        CHECK_EQ_INT(dp__postings_next(p), DP_ENOTFOUND);
        if (ti.nforms > 1)
            CHECK(mixed > 0);
        for (int c = 0; c < 2; c++)
            CHECK_EQ_INT(dp__post_enc_finish(&e[c], &out[c]), DP_OK);
        CHECK_EQ_INT(out[0].n, out[1].n);
        CHECK(out[0].n == out[1].n &&
              memcmp(out[0].p, out[1].p, out[0].n) == 0);
        dp__postings_free(p);
        dp__postings_free(q);
    }
    /* refused: another length (another Rice parameter), a code for a
    ** one-form term, a cursor that decodes every document, an old version */
    {
        dp__term_info ti;
        dp__postings *p;
        dp__pos_bits b;
        uint32_t code;
        CHECK_EQ_INT(dp__seg_term_find(&x.g[0], "a", 1, &ti), DP_OK);
        CHECK_EQ_INT(dp__postings_open(&x.g[0], &ti, -1,
                                       DP__POST_POSITIONS | DP__POST_LAZY, &p),
                     DP_OK);
        CHECK_EQ_INT(dp__postings_next(p), DP_OK);
        uint32_t doc = dp__postings_doc(p), fq = dp__postings_freq(p);
        uint32_t len = dp__seg_doc_len(&x.g[0], doc);
        CHECK_EQ_INT(dp__postings_pos_bits(p, NULL, &b, NULL), DP_OK);
        dp__post_enc_reset(&e[0], 1);
        CHECK_EQ_INT(dp__post_enc_add_bits(&e[0], doc, len * 4 + 100, fq, 0,
                                           &b), DP_EINVAL);
        CHECK_EQ_INT(dp__post_enc_add_bits(&e[0], doc, len, fq, 2, &b),
                     DP_EINVAL);
        CHECK_EQ_INT(dp__post_enc_add_bits(&e[0], doc, len, fq, 0, &b), DP_OK);
        dp__postings_free(p);
        CHECK_EQ_INT(dp__postings_open(&x.g[0], &ti, -1, DP__POST_POSITIONS,
                                       &p), DP_OK);
        CHECK_EQ_INT(dp__postings_next(p), DP_OK);
        CHECK_EQ_INT(dp__postings_pos_code(p, &code), DP_EINVAL);
        dp__postings_free(p);
        CHECK_EQ_INT(dp__seg_term_find(&x.g[3], "a", 1, &ti), DP_OK);
        CHECK_EQ_INT(dp__postings_open(&x.g[3], &ti, -1,
                                       DP__POST_POSITIONS | DP__POST_LAZY, &p),
                     DP_OK);
        CHECK_EQ_INT(dp__postings_next(p), DP_OK);
        CHECK_EQ_INT(dp__postings_pos_bits(p, NULL, &b, NULL), DP_EINVAL);
        dp__postings_free(p);
    }
    for (int c = 0; c < 2; c++) {
        dp__post_enc_free(&e[c]);
        dp__buf_free(&out[c]);
    }
    fx_free(&x);
    rmdir(x.dir);
}

/* Position bits zeroed (a truncated stream: the codes run past the
** documents' ends) or flipped, in the last block of term "d" of input 0
** and then in its first: a merge with copies fails with DP_ECORRUPT like
** the merge that decodes, and leaves no file. */
TEST(merge_copy_damaged_positions)
{
    fixture x;
    fx_build(&x, 99);
    dp__term_info ti;
    CHECK_EQ_INT(dp__seg_term_find(&x.g[0], "d", 1, &ti), DP_OK);
    for (int kind = 0; kind < 4 && !test_failed_now; kind++) {
        damaged dm;
        damaged_init(&dm, x.f[0], &x.err);
        dm.g.deleted = x.g[0].deleted;
        dm.g.ndeleted = x.g[0].ndeleted;
        uint8_t *end = dm.post + ti.post_off + ti.post_len;
        if (kind == 0) {
            memset(end - 6, 0, 6);
        } else if (kind == 1) {
            end[-3] ^= 0x5a;
            end[-9] ^= 0xa5;
        } else {
            /* the first block's positions: 100 bytes into the term */
            uint8_t *b = dm.post + ti.post_off + ti.post_len / 3;
            if (kind == 2)
                memset(b, 0, 12);
            else
                for (int i = 0; i < 40; i++)
                    b[i] ^= (uint8_t)(0x11 * (i + 1));
        }
        dp__segment *segs[NIN];
        for (int s = 0; s < NIN; s++)
            segs[s] = &x.g[s];
        segs[0] = &dm.g;
        for (int c = 0; c < 2; c++) {
            uint64_t sz;
            uint32_t nd;
            dp__buf_clear(&x.err);
            CHECK_EQ_INT(dp__merge_segments_ex(x.dir, 9, segs, NIN, c == 0,
                                               &sz, &nd, &x.err), DP_ECORRUPT);
            CHECK(x.err.p && strstr(x.err.p, "damaged postings") != NULL);
            char path[256];
            dp__seg_path(path, sizeof path, x.dir, 9);
            CHECK(access(path, F_OK) != 0);
        }
        damaged_free(&dm);
    }
    fx_free(&x);
    rmdir(x.dir);
}

/* One document of length 1000 with term "t" (forms "t", "u"), its freq
** positions mixed forms 0 and 1 far apart (a stream of about 30 bytes);
** then the stream replaced by the bits of w (zero-padded to its length):
** the merge with copies and the merge that decodes both fail with
** DP_ECORRUPT and a message naming `what`. */
static void crafted(const char *dir, void (*craft)(dp__bitw *w, unsigned k),
                    const char *what)
{
    static const char *const fn[2] = {"t", "u"};
    uint32_t len = 1000, pos[4] = {10, 3000000, 6000000, 9000000};
    uint32_t fm[4] = {0, 1, 1, 0};
    tpost t = {.name = "t", .nforms = 2, .fnames = fn};
    dp_buf err = DP_BUF_INIT;
    tm_add(&t, 0, 4, pos, fm);
    tp_write(dir, 1, DP__SEG_VERSION, 1, &len, &t, 1);
    dp__segfile *f;
    dp__segment g;
    dp__term_info ti;
    open_seg(dir, 1, &f, &g, &err);
    CHECK_EQ_INT(dp__seg_term_find(&g, "t", 1, &ti), DP_OK);
    damaged dm;
    damaged_init(&dm, f, &err);
    /* the block: doc gap (Rice) and freq - 1 (Exp-Golomb) to a byte, then
    ** varint pos_len, the header byte (no groups) and the stream */
    const uint8_t *q = dm.post + ti.post_off, *end = q + ti.post_len;
    dp__bitr r;
    uint32_t v;
    uint64_t plen;
    dp__bitr_init(&r, q, end);
    CHECK(dp__bitr_rice(&r, dp__rice_k(1, 1), &v) &&
          dp__bitr_expgolomb(&r, 0, &v));
    CHECK_EQ_INT(v, 3);
    q += ((uint64_t)(r.p - q) * 8 - r.n + 7) / 8;
    CHECK(dp__get_varint(&q, end, &plen));
    CHECK_EQ_INT(plen, end - q);
    CHECK_EQ_INT(q[0], 0);
    uint8_t *stream = (uint8_t *)q + 1;
    size_t sn = (size_t)(end - stream);
    dp_buf b = DP_BUF_INIT;
    dp__bitw w = {&b, 0, 0, DP_OK};
    craft(&w, dp__rice_k(len, 4));
    dp__bitw_flush(&w);
    CHECK(b.n <= sn);
    memset(stream, 0, sn);
    memcpy(stream, b.p, b.n < sn ? b.n : sn);
    dp__buf_free(&b);
    /* the cursor's raw access, then both merges */
    dp__postings *p;
    dp__pos_bits pb;
    CHECK_EQ_INT(dp__postings_open(&dm.g, &ti, -1,
                                   DP__POST_POSITIONS | DP__POST_LAZY, &p),
                 DP_OK);
    CHECK_EQ_INT(dp__postings_next(p), DP_OK);
    CHECK_EQ_INT(dp__postings_pos_bits(p, NULL, &pb, NULL), DP_ECORRUPT);
    CHECK(err.p && strstr(err.p, what) != NULL);
    CHECK_EQ_INT(dp__postings_pos_bits(p, NULL, &pb, NULL), DP_ECORRUPT);
    dp__postings_free(p);
    dp__segment *segs[1] = {&dm.g};
    for (int c = 0; c < 2; c++) {
        uint64_t sz;
        uint32_t nd;
        dp__buf_clear(&err);
        CHECK_EQ_INT(dp__merge_segments_ex(dir, 2, segs, 1, c == 0, &sz, &nd,
                                           &err), DP_ECORRUPT);
        CHECK(err.p && strstr(err.p, what) != NULL);
    }
    damaged_free(&dm);
    dp__segfile_unref(f);
    remove_seg(dir, 1);
    tm_free(&t);
    dp__buf_free(&err);
}

/* form code 1 (mixed), a gap, then form 2 of a term of 2 forms */
static void craft_form(dp__bitw *w, unsigned k)
{
    dp__bitw_expgolomb(w, 1, 0);
    dp__bitw_rice(w, 5, k);
    dp__bitw_expgolomb(w, 2, 0);
}

/* form code 0, then gaps whose sum passes 2^32 - 1 */
static void craft_large(dp__bitw *w, unsigned k)
{
    dp__bitw_expgolomb(w, 0, 0);
    dp__bitw_rice(w, 3000000000u, k);
    dp__bitw_rice(w, 1500000000u, k);
}

/* form code 0 and the 4 gaps, then a spare zero byte or more */
static void craft_short(dp__bitw *w, unsigned k)
{
    dp__bitw_expgolomb(w, 0, 0);
    for (int i = 0; i < 4; i++)
        dp__bitw_rice(w, 1, k);
}

/* form code 0, one gap, then zeros: the stream ends inside a code */
static void craft_truncated(dp__bitw *w, unsigned k)
{
    dp__bitw_expgolomb(w, 0, 0);
    dp__bitw_rice(w, 1, k);
}

TEST(merge_copy_crafted_damage)
{
    char dir[] = "/tmp/dp-test-mcopy2.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    crafted(dir, craft_form, "(form index)");
    crafted(dir, craft_large, "(position too large)");
    crafted(dir, craft_short, "(positions end)");
    crafted(dir, craft_truncated, "(positions)");
    rmdir(dir);
}

TEST_MAIN()
