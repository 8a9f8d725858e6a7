/* test_postings.c -- the postings codec: varints, bit-packing, Exp-Golomb
** and Rice streams, and cursors (next, advance, block-max, docs bitmap,
** positions, forms, deletions) over segments written with the segment
** writer in format versions 2 to 5, a merge of older versions, and damaged
** blocks (read through a copy of POST whose checksums count as checked). */
#include "store.h"
#include "test.h"
#include "post_model.h"

#include <unistd.h>

TEST(varint_roundtrip_and_bounds)
{
    dp_buf b = DP_BUF_INIT;
    uint64_t vals[] = {0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX,
                       UINT64_MAX};
    for (size_t i = 0; i < DP_ARRAY_LEN(vals); i++)
        CHECK_EQ_INT(dp__buf_put_varint(&b, vals[i]), DP_OK);
    const uint8_t *p = (const uint8_t *)b.p, *end = p + b.n;
    for (size_t i = 0; i < DP_ARRAY_LEN(vals); i++) {
        uint64_t v;
        CHECK(dp__get_varint(&p, end, &v));
        CHECK(v == vals[i]);
    }
    uint64_t v;
    CHECK(!dp__get_varint(&p, end, &v)); /* at the end */
    const uint8_t bad[] = {0x80, 0x80};  /* cut short */
    p = bad;
    CHECK(!dp__get_varint(&p, bad + 2, &v));
    uint32_t v32;
    p = (const uint8_t *)b.p;
    CHECK(!dp__get_varint32(&p, end, &v32) || v32 == 0);
    dp__buf_free(&b);
}

TEST(bitpack_all_widths)
{
    for (unsigned bits = 0; bits <= 32; bits++) {
        uint32_t in[DP__BLOCK], out[DP__BLOCK];
        dp_buf b = DP_BUF_INIT;
        uint64_t mask = bits == 32 ? 0xffffffffu : (1ull << bits) - 1;
        for (int i = 0; i < DP__BLOCK; i++)
            in[i] = (uint32_t)(((uint64_t)i * 2654435761u) & mask);
        CHECK_EQ_INT(dp__bitpack(&b, in, DP__BLOCK, bits), DP_OK);
        CHECK_EQ_INT(b.n, (DP__BLOCK * bits + 7) / 8);
        const uint8_t *p = (const uint8_t *)b.p;
        CHECK(dp__bitunpack(&p, p + b.n, out, DP__BLOCK, bits));
        CHECK(memcmp(in, out, sizeof in) == 0);
        p = (const uint8_t *)b.p;
        if (bits)
            CHECK(!dp__bitunpack(&p, p + b.n - 1, out, DP__BLOCK, bits));
        /* with 8 more bytes after (set bits), the 8-byte-load path must
        ** give the same values and stop at the same byte */
        size_t n = b.n;
        CHECK_EQ_INT(dp__buf_append(&b, "\xff\xff\xff\xff\xff\xff\xff\xff", 8), DP_OK);
        p = (const uint8_t *)b.p;
        memset(out, 0, sizeof out);
        CHECK(dp__bitunpack(&p, p + b.n, out, DP__BLOCK, bits));
        CHECK(memcmp(in, out, sizeof in) == 0);
        CHECK(p == (const uint8_t *)b.p + n);
        dp__buf_free(&b);
    }
}

TEST(expgolomb_roundtrip)
{
    uint32_t vals[] = {0, 1, 2, 3, 7, 8, 100, 1000, 65535, 1u << 20,
                       (1u << 31) - 1};
    for (unsigned k = 0; k < 12; k++) {
        dp_buf b = DP_BUF_INIT;
        dp__bitw w = {&b, 0, 0, DP_OK};
        for (size_t i = 0; i < DP_ARRAY_LEN(vals); i++)
            if (vals[i] >> k < (1u << 30))
                dp__bitw_expgolomb(&w, vals[i], k);
        dp__bitw_flush(&w);
        CHECK_EQ_INT(w.rc, DP_OK);
        dp__bitr r;
        dp__bitr_init(&r, (const uint8_t *)b.p, (const uint8_t *)b.p + b.n);
        for (size_t i = 0; i < DP_ARRAY_LEN(vals); i++) {
            uint32_t v = 0;
            if (vals[i] >> k >= (1u << 30))
                continue;
            CHECK(dp__bitr_expgolomb(&r, k, &v));
            CHECK_EQ_INT(v, vals[i]);
        }
        dp__buf_free(&b);
    }
    /* all zeros: no terminating one within 32 bits -> refused */
    uint8_t zeros[8] = {0};
    dp__bitr r;
    uint32_t v;
    dp__bitr_init(&r, zeros, zeros + 8);
    CHECK(!dp__bitr_expgolomb(&r, 0, &v));
}

/* A segment of 1000 docs: term "all" in every doc (freq 1 + d % 3, forms
** alternating), "even" in even docs, "rare" in docs 5 and 999. */
static const uint32_t NDOCS = 1000;

static void write_segment(const char *dir)
{
    dp__segw *w;
    dp_buf err = DP_BUF_INIT;
    char path[256];
    dp__seg_path(path, sizeof path, dir, 1);
    CHECK_EQ_INT(dp__segw_open(&w, path, &err), DP_OK);
    for (uint32_t d = 0; d < NDOCS; d++) {
        dp__doc_cols c;
        char id[16];
        memset(&c, 0, sizeof c);
        c.length = 10 + d % 50;
        snprintf(id, sizeof id, "doc%u", d);
        dp_slice src = {"src", 3}, ids = {id, strlen(id)};
        uint8_t raw[64];
        dp_buf r = DP_BUF_INIT;
        dp_record rec;
        memset(&rec, 0, sizeof rec);
        rec.id = ids;
        dp_slice lang = {"fr", 2};
        dp__record_serialize(&r, &rec, lang);
        memcpy(raw, r.p, r.n);
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, ids, raw, r.n), DP_OK);
        dp__buf_free(&r);
    }
    dp_slice forms[2] = {{"alls", 4}, {"all", 3}};
    uint32_t pos[3] = {1, 5, 9}, fm[3];
    CHECK_EQ_INT(dp__segw_term_begin(w, "all", 3, forms, 2), DP_OK);
    for (uint32_t d = 0; d < NDOCS; d++) {
        for (int i = 0; i < 3; i++)
            fm[i] = (d + (uint32_t)i) % 2;
        CHECK_EQ_INT(dp__segw_term_doc(w, d, pos, fm, 1 + d % 3), DP_OK);
    }
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    CHECK_EQ_INT(dp__segw_term_begin(w, "even", 4, forms, 1), DP_OK);
    for (uint32_t d = 0; d < NDOCS; d += 2)
        CHECK_EQ_INT(dp__segw_term_doc(w, d, pos, NULL, 1), DP_OK);
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    dp_slice rf = {"rare", 4};
    CHECK_EQ_INT(dp__segw_term_begin(w, "rare", 4, &rf, 1), DP_OK);
    CHECK_EQ_INT(dp__segw_term_doc(w, 5, pos + 1, NULL, 2), DP_OK);
    CHECK_EQ_INT(dp__segw_term_doc(w, 999, pos, NULL, 1), DP_OK);
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    /* out of order is refused, and sticky */
    CHECK_EQ_INT(dp__segw_term_begin(w, "z", 1, &rf, 1), DP_OK);
    CHECK_EQ_INT(dp__segw_term_doc(w, 7, pos, NULL, 1), DP_OK);
    CHECK(dp__segw_term_doc(w, 7, pos, NULL, 1) != DP_OK);
    dp__segw_free(w);
    CHECK(access(path, F_OK) != 0); /* unfinished: removed */
    /* again, properly */
    CHECK_EQ_INT(dp__segw_open(&w, path, &err), DP_OK);
    dp__segw_free(w);
    dp__buf_free(&err);
}

TEST(cursor_over_blocks)
{
    char dir[] = "/tmp/dp-test-post.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    write_segment(dir);
    /* the unfinished writer left nothing: write a complete one */
    dp__segw *w;
    char path[256];
    dp__seg_path(path, sizeof path, dir, 1);
    CHECK_EQ_INT(dp__segw_open(&w, path, &err), DP_OK);
    for (uint32_t d = 0; d < NDOCS; d++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = 10 + d % 50;
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, "", 0), DP_OK);
    }
    dp_slice forms[2] = {{"alls", 4}, {"all", 3}};
    uint32_t pos[3] = {1, 5, 9}, fm[3];
    CHECK_EQ_INT(dp__segw_term_begin(w, "all", 3, forms, 2), DP_OK);
    for (uint32_t d = 0; d < NDOCS; d++) {
        for (int i = 0; i < 3; i++)
            fm[i] = (d + (uint32_t)i) % 2;
        CHECK_EQ_INT(dp__segw_term_doc(w, d, pos, fm, 1 + d % 3), DP_OK);
    }
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    CHECK_EQ_INT(dp__segw_term_begin(w, "even", 4, forms, 1), DP_OK);
    for (uint32_t d = 0; d < NDOCS; d += 2)
        CHECK_EQ_INT(dp__segw_term_doc(w, d, pos, NULL, 1), DP_OK);
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    uint64_t bytes;
    CHECK_EQ_INT(dp__segw_finish(w, &bytes), DP_OK);
    dp__segw_free(w);

    dp__segfile *f;
    dp__segment g;
    open_seg(dir, 1, &f, &g, &err);
    uint8_t del[NDOCS / 8 + 1];
    memset(del, 0, sizeof del);
    del[100 / 8] |= 1 << (100 % 8); /* doc 100 deleted */
    g.deleted = del;
    g.ndeleted = 1;

    dp__term_info t;
    dp__postings *p;
    CHECK_EQ_INT(dp__seg_term_find(&g, "all", 3, &t), DP_OK);
    CHECK_EQ_INT(t.df, NDOCS);
    CHECK_EQ_INT(t.max_freq, 3);
    CHECK_EQ_INT(dp__seg_term_find(&g, "al", 2, &t), DP_ENOTFOUND);
    CHECK_EQ_INT(dp__seg_term_find(&g, "all", 3, &t), DP_OK);
    CHECK_EQ_INT(dp__postings_open(&g, &t, -1, DP__POST_POSITIONS, &p), DP_OK);
    uint32_t n = 0, expect = 0;
    while (dp__postings_next(p) == DP_OK) {
        if (expect == 100)
            expect++;
        CHECK_EQ_INT(dp__postings_doc(p), expect);
        CHECK_EQ_INT(dp__postings_freq(p), 1 + expect % 3);
        const uint32_t *ps, *fs;
        size_t np;
        dp__postings_positions(p, &ps, &fs, &np);
        CHECK_EQ_INT(np, 1 + expect % 3);
        CHECK_EQ_INT(ps[np - 1], pos[np - 1]);
        CHECK_EQ_INT(fs[0], expect % 2);
        expect++;
        n++;
    }
    CHECK_EQ_INT(n, NDOCS - 1);
    dp__postings_free(p);

    /* advance and block-max */
    CHECK_EQ_INT(dp__postings_open(&g, &t, -1, 0, &p), DP_OK);
    dp__block_info bi;
    CHECK_EQ_INT(dp__postings_block(p, 130, &bi), DP_OK);
    CHECK_EQ_INT(bi.last_doc, 255);
    CHECK_EQ_INT(bi.max_freq, 3);
    CHECK_EQ_INT(bi.min_len, 10);
    CHECK_EQ_INT(dp__postings_block(p, 1000, &bi), DP_ENOTFOUND);
    CHECK_EQ_INT(dp__postings_advance(p, 100), DP_OK);
    CHECK_EQ_INT(dp__postings_doc(p), 101); /* 100 is deleted */
    CHECK_EQ_INT(dp__postings_advance(p, 50), DP_OK); /* never backwards */
    CHECK_EQ_INT(dp__postings_doc(p), 101);
    CHECK_EQ_INT(dp__postings_advance(p, 700), DP_OK);
    CHECK_EQ_INT(dp__postings_doc(p), 700);
    CHECK_EQ_INT(dp__postings_next(p), DP_OK);
    CHECK_EQ_INT(dp__postings_doc(p), 701);
    CHECK_EQ_INT(dp__postings_advance(p, 999), DP_OK);
    CHECK_EQ_INT(dp__postings_next(p), DP_ENOTFOUND);
    CHECK_EQ_INT(dp__postings_advance(p, 5), DP_ENOTFOUND);
    dp__postings_free(p);

    /* a form cursor: form 1 ("all") occurs in docs where some i has
    ** (d + i) % 2 == 1 within freq 1 + d % 3 */
    uint32_t fi;
    CHECK_EQ_INT(dp__term_form_find(&g, &t, "all", 3, &fi), DP_OK);
    CHECK_EQ_INT(fi, 1);
    CHECK_EQ_INT(dp__postings_open(&g, &t, (int)fi, 0, &p), DP_OK);
    n = 0;
    while (dp__postings_next(p) == DP_OK) {
        uint32_t d = dp__postings_doc(p), want = 0;
        for (uint32_t i = 0; i < 1 + d % 3; i++)
            want += (d + i) % 2 == 1;
        CHECK(want > 0);
        CHECK_EQ_INT(dp__postings_freq(p), want);
        n++;
    }
    CHECK(n > 600 && n < NDOCS);
    dp__postings_free(p);

    /* prefix iteration */
    dp__term_iter *it;
    dp_slice term;
    CHECK_EQ_INT(dp__term_iter_open(&g, "e", 1, &it), DP_OK);
    CHECK_EQ_INT(dp__term_iter_next(it, &term, &t), DP_OK);
    CHECK_EQ_SLICE(term, "even");
    CHECK_EQ_INT(t.df, NDOCS / 2);
    CHECK_EQ_INT(dp__term_iter_next(it, &term, &t), DP_ENOTFOUND);
    dp__term_iter_free(it);
    CHECK_EQ_INT(dp__segfile_verify(f, &err), DP_OK);
    dp__segfile_unref(f);
    unlink(path);
    rmdir(dir);
    dp__buf_free(&err);
}



/* Random postings lists (several sizes around the block size), random
** deletions, random next/advance/block sequences: the cursor agrees with
** a plain array walk. */
TEST(cursor_random_against_model)
{
    char dir[] = "/tmp/dp-test-post2.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    unsigned seed = 42;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 8))
    const uint32_t nd = 3000;
    static const uint32_t sizes[] = {1, 2, 127, 128, 129, 300, 1000, 2999};
    static uint8_t in[8][3000];
    dp__segw *w;
    char path[256];
    dp__seg_path(path, sizeof path, dir, 1);
    CHECK_EQ_INT(dp__segw_open(&w, path, &err), DP_OK);
    for (uint32_t d = 0; d < nd; d++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = 1 + RND() % 500;
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, "", 0), DP_OK);
    }
    for (int t = 0; t < 8; t++) {
        char term[8] = {'t', (char)('0' + t), 0};
        dp_slice f = {term, 2};
        uint32_t left = sizes[t];
        CHECK_EQ_INT(dp__segw_term_begin(w, term, 2, &f, 1), DP_OK);
        for (uint32_t d = 0; d < nd; d++) {
            if (RND() % (nd - d) < left) {
                uint32_t pos[4] = {d % 7, d % 7 + 3, d % 7 + 9, d % 7 + 200};
                in[t][d] = 1;
                left--;
                CHECK_EQ_INT(dp__segw_term_doc(w, d, pos, NULL, 1 + d % 4), DP_OK);
            }
        }
        CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    }
    CHECK_EQ_INT(dp__segw_finish(w, NULL), DP_OK);
    dp__segw_free(w);
    dp__segfile *f;
    CHECK_EQ_INT(dp__segfile_open(dir, 1, &f, &err), DP_OK);
    dp__segment g;
    uint8_t del[3000 / 8 + 1];
    memset(&g, 0, sizeof g);
    memset(del, 0, sizeof del);
    for (uint32_t d = 0; d < nd; d++)
        if (RND() % 10 == 0)
            del[d / 8] |= (uint8_t)(1 << (d % 8));
    g.file = f;
    g.err = &err;
    g.deleted = del;
    for (int t = 0; t < 8; t++) {
        char term[3] = {'t', (char)('0' + t), 0};
        dp__term_info ti;
        CHECK_EQ_INT(dp__seg_term_find(&g, term, 2, &ti), DP_OK);
        CHECK_EQ_INT(ti.df, sizes[t]);
        for (int run = 0; run < 20; run++) {
            dp__postings *p;
            CHECK_EQ_INT(dp__postings_open(&g, &ti, -1, run % 2, &p), DP_OK);
            uint32_t cur = 0; /* model: next candidate docid */
            for (;;) {
                uint32_t target = cur + RND() % 200;
                bool use_adv = RND() % 2;
                if (RND() % 4 == 0) {
                    dp__block_info bi;
                    int rb = dp__postings_block(p, target, &bi);
                    uint32_t last = 0;
                    bool any = false;
                    for (uint32_t d = target; d < nd; d++)
                        if (in[t][d]) {
                            any = true;
                            break;
                        }
                    CHECK_EQ_INT(rb, any ? DP_OK : DP_ENOTFOUND);
                    if (rb == DP_OK) {
                        for (uint32_t d = target; d <= bi.last_doc && d < nd; d++)
                            if (in[t][d])
                                last = d;
                        CHECK(in[t][bi.last_doc]);
                        CHECK(bi.max_freq >= 1 && bi.max_freq <= 4);
                        (void)last;
                    }
                }
                uint32_t want = use_adv ? target : cur;
                while (want < nd && (!in[t][want] || (del[want / 8] >> (want % 8)) & 1))
                    want++;
                int rc = use_adv ? dp__postings_advance(p, target)
                                 : dp__postings_next(p);
                if (want >= nd) {
                    CHECK_EQ_INT(rc, DP_ENOTFOUND);
                    break;
                }
                CHECK_EQ_INT(rc, DP_OK);
                if (rc != DP_OK)
                    break;
                CHECK_EQ_INT(dp__postings_doc(p), want);
                CHECK_EQ_INT(dp__postings_freq(p), 1 + want % 4);
                if (run % 2) {
                    const uint32_t *ps;
                    size_t np;
                    dp__postings_positions(p, &ps, NULL, &np);
                    CHECK_EQ_INT(np, 1 + want % 4);
                    CHECK_EQ_INT(ps[0], want % 7);
                    CHECK_EQ_INT(ps[np - 1], want % 7 + (np == 4 ? 200 : np == 3 ? 9 : np == 2 ? 3 : 0));
                }
                cur = want + 1;
                if (test_failed_now)
                    break;
            }
            dp__postings_free(p);
        }
    }
    dp__segfile_unref(f);
    unlink(path);
    rmdir(dir);
    dp__buf_free(&err);
}

/* groups_against_model's frequencies: 1 to 64. */
static uint32_t groups_freq(uint32_t d, unsigned *seed)
{
    (void)d;
    return 1 + tm_rnd(seed) % 64;
}

/* Blocks of a frequent term have long position streams: they carry the
** bit length of each group of 4 docs (the 0x80 bit of the k byte), and a
** cursor jumping to any doc, with or without a form filter, must still
** give exactly the positions written.  Run for the format written today
** (3) and for version 2, which readers must still read.  Documents mix
** their forms (d % 3 == 0), use only form 0 or only form 1 (the three
** kinds of version 3 form codes), and one in five is declared 3 tokens
** long while its positions run far beyond (the Rice escape). */
static void groups_against_model(uint32_t version)
{
    char dir[] = "/tmp/dp-test-post3.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    unsigned seed = 7;
    const uint32_t nd = 700;
    static uint32_t pos[700][64], fm[700][64], fq[700];
    de_segment(dir, version, nd, &seed, groups_freq, pos, fm, fq, &err);
    dp__segfile *f;
    dp__segment g;
    open_seg(dir, 1, &f, &g, &err);
    dp__term_info ti;
    CHECK_EQ_INT(dp__seg_term_find(&g, "de", 2, &ti), DP_OK);
    /* the first block has groups: skip table, bd = 0, bf, freqs, length
    ** (version 4: each width is followed by a count of exceptions, then
    ** the exceptions: u8 index, varint high bits) */
    const uint8_t *q = f->sec[DP__SEC_POST].p + ti.post_off;
    const uint8_t *end = q + ti.post_len;
    uint64_t v;
    CHECK(dp__get_varint(&q, end, &v));
    q += v;
    CHECK_EQ_INT(q[0], 0);
    q += version >= 4 ? 2 : 1;
    unsigned bf = q[0], xf = version >= 4 ? q[1] : 0;
    q += (version >= 4 ? 2 : 1) + (DP__BLOCK * bf + 7) / 8;
    for (unsigned i = 0; i < xf; i++) {
        q++;
        CHECK(dp__get_varint(&q, end, &v));
    }
    CHECK(dp__get_varint(&q, end, &v));
    CHECK(q < end && (q[0] & 0x80));
    for (int run = 0; run < 30; run++) {
        int form = run % 3 - 1;
        dp__postings *p;
        CHECK_EQ_INT(dp__postings_open(&g, &ti, form, DP__POST_POSITIONS, &p),
                     DP_OK);
        uint32_t target = 0;
        for (;;) {
            target += RND() % (run < 10 ? 3 : 40);
            uint32_t want = target, n = 0;
            for (; want < nd; want++) {
                n = 0;
                for (uint32_t i = 0; i < fq[want]; i++)
                    n += form < 0 || fm[want][i] == (uint32_t)form;
                if (n)
                    break;
            }
            int rc = dp__postings_advance(p, target);
            if (want >= nd) {
                CHECK_EQ_INT(rc, DP_ENOTFOUND);
                break;
            }
            CHECK_EQ_INT(rc, DP_OK);
            CHECK_EQ_INT(dp__postings_doc(p), want);
            const uint32_t *ps, *fs;
            size_t np;
            dp__postings_positions(p, &ps, &fs, &np);
            CHECK_EQ_INT(np, n);
            for (uint32_t i = 0, k = 0; i < fq[want] && k < np; i++)
                if (form < 0 || fm[want][i] == (uint32_t)form) {
                    CHECK_EQ_INT(ps[k], pos[want][i]);
                    CHECK_EQ_INT(fs[k], fm[want][i]);
                    k++;
                }
            target = want + 1;
            if (test_failed_now)
                break;
        }
        dp__postings_free(p);
    }
    CHECK_EQ_INT(f->version, version);
    dp__segfile_unref(f);
    remove_seg(dir, 1);
    rmdir(dir);
    dp__buf_free(&err);
}

TEST(position_groups_against_model) { groups_against_model(DP__SEG_VERSION); }
TEST(position_groups_version3) { groups_against_model(3); }
TEST(position_groups_version2) { groups_against_model(2); }

/* Full blocks of version 4 (patched frame of reference): gaps and
** frequencies with a few values far above the rest, at every position of
** the block, give back exactly what was written; so does version 3 (plain
** frame of reference) on the same postings. */
static void pfor_against_model(uint32_t version)
{
    char dir[] = "/tmp/dp-test-post4.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    unsigned seed = 11;
    const uint32_t nd = 20000;
    static uint32_t docs[2000], fq[2000];
    uint32_t n = 0, d = 0;
    while (n < 2000) {
        d += 1 + (RND() % 50 == 0 ? RND() % 2000 : RND() % 4);
        if (d >= nd)
            break;
        docs[n] = d;
        fq[n++] = 1 + (RND() % 40 == 0 ? RND() % 100000 : RND() % 3);
    }
    dp__segw *w;
    char path[256];
    dp__seg_path(path, sizeof path, dir, 1);
    CHECK_EQ_INT(dp__segw_open_version(&w, path, version, &err), DP_OK);
    for (uint32_t i = 0; i < nd; i++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = 200000;
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, "", 0), DP_OK);
    }
    static uint32_t pos[100001];
    for (uint32_t i = 0; i < 100001; i++)
        pos[i] = i;
    dp_slice f1 = {"t", 1};
    CHECK_EQ_INT(dp__segw_term_begin(w, "t", 1, &f1, 1), DP_OK);
    for (uint32_t i = 0; i < n; i++)
        CHECK_EQ_INT(dp__segw_term_doc(w, docs[i], pos, NULL, fq[i]), DP_OK);
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    CHECK_EQ_INT(dp__segw_finish(w, NULL), DP_OK);
    dp__segw_free(w);
    dp__segfile *f;
    dp__segment g;
    open_seg(dir, 1, &f, &g, &err);
    CHECK_EQ_INT(f->version, version);
    dp__term_info ti;
    CHECK_EQ_INT(dp__seg_term_find(&g, "t", 1, &ti), DP_OK);
    CHECK_EQ_INT(ti.df, n);
    dp__postings *p;
    CHECK_EQ_INT(dp__postings_open(&g, &ti, -1, DP__POST_FREQS, &p), DP_OK);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ_INT(dp__postings_next(p), DP_OK);
        CHECK_EQ_INT(dp__postings_doc(p), docs[i]);
        CHECK_EQ_INT(dp__postings_freq(p), fq[i]);
        if (test_failed_now)
            break;
    }
    CHECK_EQ_INT(dp__postings_next(p), DP_ENOTFOUND);
    dp__postings_free(p);
    dp__segfile_unref(f);
    unlink(path);
    rmdir(dir);
    dp__buf_free(&err);
}

TEST(pfor_blocks_against_model) { pfor_against_model(DP__SEG_VERSION); }
TEST(pfor_blocks_version3) { pfor_against_model(3); }

/* The Rice code with its escape, for every parameter: values written
** are read back, and a stream of zeros (an escape without its end) is
** refused rather than read past its end. */
TEST(rice_roundtrip)
{
    static const uint32_t vals[] = {0, 1, 2, 3, 15, 16, 17, 100, 1000,
                                    65535, 1u << 20, UINT32_MAX >> 1,
                                    UINT32_MAX};
    for (unsigned k = 0; k <= 24; k++) {
        dp_buf b = DP_BUF_INIT;
        dp__bitw w = {&b, 0, 0, DP_OK};
        for (size_t i = 0; i < DP_ARRAY_LEN(vals); i++)
            dp__bitw_rice(&w, vals[i], k);
        dp__bitw_flush(&w);
        CHECK_EQ_INT(w.rc, DP_OK);
        dp__bitr r;
        dp__bitr_init(&r, (const uint8_t *)b.p, (const uint8_t *)b.p + b.n);
        for (size_t i = 0; i < DP_ARRAY_LEN(vals); i++) {
            uint32_t v = 0;
            CHECK(dp__bitr_rice(&r, k, &v));
            CHECK_EQ_INT(v, vals[i]);
        }
        dp__buf_free(&b);
    }
    uint8_t zeros[8] = {0};
    dp__bitr r;
    uint32_t v;
    dp__bitr_init(&r, zeros, zeros + 8);
    CHECK(!dp__bitr_rice(&r, 3, &v));
    /* the parameter: about log2(0.69 * length / freq), at most 24 */
    CHECK_EQ_INT(dp__rice_k(1000, 1), 9);
    CHECK_EQ_INT(dp__rice_k(1000, 40), 4);
    CHECK_EQ_INT(dp__rice_k(1, 5), 0);
    CHECK_EQ_INT(dp__rice_k(UINT32_MAX, 1), 24);
}
/**************************************************************************
** Edge cases of format versions 2 to 5, and damaged blocks.  A term model
** holds every posting written; term_check compares every way of reading
** it (a full scan, random advances with and without a form filter, lazy
** positions) with the model.
*/

/* Segment no of dir, in format `version`: nd documents of lengths len[],
** then the terms (in dictionary order). */
static void tm_write(const char *dir, uint64_t no, uint32_t version,
                     uint32_t nd, const uint32_t *len, tmodel *t, size_t nt)
{
    dp__segw *w;
    dp_buf err = DP_BUF_INIT;
    char path[256];
    dp__seg_path(path, sizeof path, dir, no);
    CHECK_EQ_INT(dp__segw_open_version(&w, path, version, &err), DP_OK);
    for (uint32_t d = 0; d < nd; d++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = len[d];
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, "", 0), DP_OK);
    }
    for (size_t i = 0; i < nt; i++)
        tm_write_term(w, &t[i]);
    CHECK_EQ_INT(dp__segw_finish(w, NULL), DP_OK);
    dp__segw_free(w);
    dp__buf_free(&err);
}

/* Occurrences of posting k of the model that a cursor with this form
** filter gives (-1: all). */
static uint32_t tm_count(const tmodel *m, uint32_t k, int form)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->freq[k]; i++)
        n += form < 0 || m->form[m->off[k] + i] == (uint32_t)form;
    return n;
}

static void tm_check_doc(const tmodel *m, uint32_t k, int form,
                         dp__postings *p)
{
    const uint32_t *ps, *fs;
    size_t np;
    CHECK_EQ_INT(dp__postings_doc(p), m->docs[k]);
    dp__postings_positions(p, &ps, &fs, &np);
    CHECK_EQ_INT(np, tm_count(m, k, form));
    for (uint32_t i = 0, j = 0; i < m->freq[k] && j < np; i++)
        if (form < 0 || m->form[m->off[k] + i] == (uint32_t)form) {
            CHECK_EQ_INT(ps[j], m->pos[m->off[k] + i]);
            CHECK_EQ_INT(fs[j], m->form[m->off[k] + i]);
            j++;
            if (test_failed_now)
                return;
        }
}

/* tio: the term's entry, NULL to look it up. */
static void tm_check_ti(const dp__segment *g, const tmodel *m, unsigned seed,
                        const dp__term_info *tio)
{
    dp__term_info ti;
    dp__postings *p;
    if (tio)
        ti = *tio;
    else
        CHECK_EQ_INT(dp__seg_term_find(g, m->name, strlen(m->name), &ti),
                     DP_OK);
    CHECK_EQ_INT(ti.df, m->df);
    CHECK_EQ_INT(ti.nforms, m->nforms);
    if (test_failed_now)
        return;
    /* every posting in order, freqs only, then with positions */
    for (unsigned flags = 0; flags < 2; flags++) {
        CHECK_EQ_INT(dp__postings_open(g, &ti, -1, flags, &p), DP_OK);
        for (uint32_t k = 0; k < m->df && !test_failed_now; k++) {
            CHECK_EQ_INT(dp__postings_next(p), DP_OK);
            CHECK_EQ_INT(dp__postings_freq(p), m->freq[k]);
            if (flags)
                tm_check_doc(m, k, -1, p);
        }
        CHECK_EQ_INT(dp__postings_next(p), DP_ENOTFOUND);
        dp__postings_free(p);
    }
    /* random advances, with a form filter one time in two (a form the
    ** term uses), lazy positions one time in three */
    for (int run = 0; run < 12 && !test_failed_now; run++) {
        int form = -1;
        unsigned flags = DP__POST_POSITIONS;
        if (run % 3 == 2)
            flags |= DP__POST_LAZY;
        if (run % 2)
            form = (int)m->form[RND() % m->nocc];
        CHECK_EQ_INT(dp__postings_open(g, &ti, form, flags, &p), DP_OK);
        uint32_t target = 0, k = 0;
        for (;;) {
            target += RND() % (run < 4 ? 3 : 300);
            while (k < m->df && (m->docs[k] < target || !tm_count(m, k, form)))
                k++;
            int rc = dp__postings_advance(p, target);
            if (k >= m->df) {
                CHECK_EQ_INT(rc, DP_ENOTFOUND);
                break;
            }
            CHECK_EQ_INT(rc, DP_OK);
            if (flags & DP__POST_LAZY)
                CHECK_EQ_INT(dp__postings_load_positions(p), DP_OK);
            if (test_failed_now)
                break;
            tm_check_doc(m, k, form, p);
            target = m->docs[k] + 1;
            k++;
            if (test_failed_now)
                break;
        }
        dp__postings_free(p);
    }
}

static void tm_check(const dp__segment *g, const tmodel *m, unsigned seed)
{
    tm_check_ti(g, m, seed, NULL);
}

/* The bytes [*q, *end) of block b of a term in POST, found through the
** term's skip entries. */
static void block_span_of(const uint8_t *post, const dp__term_info *ti,
                          uint32_t b, const uint8_t **q, const uint8_t **end)
{
    const uint8_t *p = post + ti->post_off, *e = p + ti->post_len;
    uint32_t nb = (ti->df + DP__BLOCK - 1) / DP__BLOCK;
    uint64_t v, off = 0, len = ti->post_len;
    if (nb > 1) {
        CHECK(dp__get_varint(&p, e, &v));
        const uint8_t *blocks = p + v;
        for (uint32_t i = 0; i <= b; i++) {
            uint64_t d, l, mf, ml;
            CHECK(dp__get_varint(&p, blocks, &d) &&
                  dp__get_varint(&p, blocks, &l) &&
                  dp__get_varint(&p, blocks, &mf) &&
                  dp__get_varint(&p, blocks, &ml));
            if (i < b)
                off += l;
            len = l;
        }
        p = blocks;
    }
    *q = p + off;
    *end = *q + len;
    CHECK(*end <= post + ti->post_off + ti->post_len);
}

/* The same in a copy of POST, to damage it. */
static void block_bytes(uint8_t *post, const dp__term_info *ti, uint32_t b,
                        uint8_t **q, uint8_t **end)
{
    const uint8_t *cq, *ce;
    block_span_of(post, ti, b, &cq, &ce);
    *q = post + (cq - post);
    *end = post + (ce - post);
}

/* The positions of block b of a term: *hdr at the header byte, *end at the
** block's end (the doc list is skipped as each version codes it). */
static void block_positions(const dp__segfile *f, const uint8_t *post,
                            const dp__term_info *ti, uint32_t b,
                            const uint8_t **hdr, const uint8_t **end)
{
    const uint8_t *q;
    uint32_t nb = (ti->df + DP__BLOCK - 1) / DP__BLOCK;
    uint32_t n = b + 1 < nb ? DP__BLOCK : ti->df - b * DP__BLOCK;
    uint64_t v;
    block_span_of(post, ti, b, &q, end);
    if (n == DP__BLOCK && f->version >= 4) {
        for (int list = 0; list < 2; list++) {
            unsigned w = q[0], x = q[1];
            q += 2 + (DP__BLOCK * w + 7) / 8;
            for (unsigned i = 0; i < x; i++) {
                q++;
                CHECK(dp__get_varint(&q, *end, &v));
            }
        }
    } else if (n == DP__BLOCK) {
        q += 1 + (DP__BLOCK * q[0] + 7) / 8;
        q += 1 + (DP__BLOCK * q[0] + 7) / 8;
    } else if (f->version >= 3) {
        dp__bitr r;
        unsigned k = dp__rice_k(f->ndocs, ti->df);
        uint32_t x;
        dp__bitr_init(&r, q, *end);
        for (uint32_t i = 0; i < n; i++)
            CHECK(dp__bitr_rice(&r, k, &x) && dp__bitr_expgolomb(&r, 0, &x));
        q += ((uint64_t)(r.p - q) * 8 - r.n + 7) / 8;
    } else {
        for (uint32_t i = 0; i < n; i++) {
            CHECK(dp__get_varint(&q, *end, &v));
            if (!(v & 1))
                CHECK(dp__get_varint(&q, *end, &v));
        }
    }
    CHECK(dp__get_varint(&q, *end, &v));
    CHECK_EQ_INT(v, *end - q);
    *hdr = q;
}

/* Group sizes 8 and 16 (blocks of 128 to 256 bytes of positions), a last
** block of 2 documents with groups (fewer documents than a group), a term
** of one document with groups, a term of exactly 2 blocks, documents of
** length 0 and positions far beyond the length (the Rice escape), a term
** with 70,000 forms (form codes and indexes above 2^16, all-one-form and
** mixed postings): written in versions 2 to 5 and read back every way. */
static void edges_against_model(uint32_t version)
{
    char dir[] = "/tmp/dp-test-post5.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    unsigned seed = 5 + version;
    const uint32_t nd = 2000;
    static uint32_t len[2000], pos[4000], fm[4000];
    tmodel t[5];
    memset(t, 0, sizeof t);
    t[0].name = "g16"; t[1].name = "g8"; t[2].name = "many";
    t[3].name = "one"; t[4].name = "two";
    t[0].nforms = t[1].nforms = t[3].nforms = t[4].nforms = 1;
    t[2].nforms = 70000;
    for (uint32_t d = 0; d < nd; d++)
        len[d] = d % 11 == 0 ? 0 : 1000;
    /* g16: one occurrence in each of 386 documents (about 10 bits each),
    ** the last 2 documents with 3000 occurrences each */
    for (uint32_t d = 0; d < 386; d++) {
        uint32_t fq = d >= 384 ? 3000 : 1;
        for (uint32_t i = 0; i < fq; i++)
            pos[i] = i * 3 + RND() % 3 + (d % 11 == 0 ? 100000 : 0);
        tm_add(&t[0], d * 5, fq, pos, NULL);
    }
    /* g8: two occurrences (about 20 bits a document) */
    for (uint32_t d = 0; d < 300; d++) {
        pos[0] = RND() % 500;
        pos[1] = pos[0] + RND() % 500;
        tm_add(&t[1], d * 6 + 1, 2, pos, NULL);
    }
    /* many: forms 0, f >= 65536 alone, or mixed */
    for (uint32_t d = 0; d < 600; d++) {
        uint32_t fq = 1 + RND() % 9, at = 0;
        for (uint32_t i = 0; i < fq; i++) {
            at += RND() % 200;
            pos[i] = at;
            fm[i] = d % 3 == 0 ? 0 : d % 3 == 1 ? 65536 + d : RND() % 70000;
        }
        tm_add(&t[2], d * 3, fq, pos, fm);
    }
    /* one: a single document with 3000 occurrences, the last at 2^32 - 1 */
    for (uint32_t i = 0; i < 3000; i++)
        pos[i] = i * 7;
    pos[2999] = UINT32_MAX;
    tm_add(&t[3], 1999, 3000, pos, NULL);
    /* two: exactly 256 documents */
    for (uint32_t d = 0; d < 256; d++) {
        pos[0] = d;
        tm_add(&t[4], d * 7, 1, pos, NULL);
    }
    tm_write(dir, 1, version, nd, len, t, 5);
    dp__segfile *f;
    dp__segment g;
    open_seg(dir, 1, &f, &g, &err);
    CHECK_EQ_INT(f->version, version);
    for (int i = 0; i < 5 && !test_failed_now; i++)
        tm_check(&g, &t[i], seed + (unsigned)i);
    /* the group sizes written: version 5 fits them to the stream */
    const char *terms[3] = {"g16", "g8", "one"};
    const unsigned want_g[3] = {16, 8, 4};
    for (int i = 0; i < 3 && !test_failed_now; i++) {
        dp__term_info ti;
        const uint8_t *h, *end;
        CHECK_EQ_INT(dp__seg_term_find(&g, terms[i], strlen(terms[i]), &ti),
                     DP_OK);
        uint32_t nb = (ti.df + DP__BLOCK - 1) / DP__BLOCK;
        block_positions(f, f->sec[DP__SEC_POST].p, &ti, 0, &h, &end);
        if (version >= 5)
            CHECK_EQ_INT(h[0], 0x80 | __builtin_ctz(want_g[i] / 4));
        else if (version >= 3)
            CHECK_EQ_INT(h[0], i == 2 ? 0x80 : 0);
        /* the last block: g8's 44 documents have no groups; g16's 2 and
        ** one's 1, groups of 4 in every version */
        block_positions(f, f->sec[DP__SEC_POST].p, &ti, nb - 1, &h, &end);
        CHECK_EQ_INT(h[0] & 0x80, i == 1 ? 0 : 0x80);
        if (version >= 3)
            CHECK_EQ_INT(h[0] & 0x1f, 0);
    }
    dp__segfile_unref(f);
    for (int i = 0; i < 5; i++)
        tm_free(&t[i]);
    remove_seg(dir, 1);
    rmdir(dir);
    dp__buf_free(&err);
}

TEST(edges_version5) { edges_against_model(5); }
TEST(edges_version4) { edges_against_model(4); }
TEST(edges_version3) { edges_against_model(3); }
TEST(edges_version2) { edges_against_model(2); }
TEST(position_groups_version4) { groups_against_model(4); }
TEST(pfor_blocks_version4) { pfor_against_model(4); }

/* A group length 8 bits short: the groups no longer cover the stream, and
** a cursor seeking the next group would start 8 bits early and decode
** (here) eight extra positions 0, unnoticed. */
static void damaged_group_length(uint32_t version)
{
    char dir[] = "/tmp/dp-test-post6.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    static uint32_t len[64], pos[128];
    tmodel t;
    memset(&t, 0, sizeof t);
    t.name = "t";
    t.nforms = 1;
    for (uint32_t d = 0; d < 64; d++) {
        len[d] = 1;
        for (uint32_t i = 0; i < 128; i++)
            pos[i] = d < 4 ? 0 : i + 1; /* group 0: gaps 0, one bit each */
        tm_add(&t, d, 128, pos, NULL);
    }
    tm_write(dir, 1, version, 64, len, &t, 1);
    dp__segfile *f;
    dp__segment g;
    damaged dm;
    dp__term_info ti;
    dp__postings *p;
    const uint8_t *h, *end;
    uint32_t glen[16];
    open_seg(dir, 1, &f, &g, &err);
    tm_check(&g, &t, 3);
    damaged_init(&dm, f, &err);
    CHECK_EQ_INT(dp__seg_term_find(&g, "t", 1, &ti), DP_OK);
    block_positions(f, dm.post, &ti, 0, &h, &end);
    CHECK_EQ_INT(h[0], 0x80); /* groups of 4 */
    const uint8_t *tab = h + 2;
    CHECK(dp__bitunpack(&tab, end, glen, 16, h[1]));
    CHECK_EQ_INT(glen[0], 4 * 128);
    glen[0] -= 8;
    dp_buf nb = DP_BUF_INIT;
    CHECK_EQ_INT(dp__bitpack(&nb, glen, 16, h[1]), DP_OK);
    memcpy((uint8_t *)h + 2, nb.p, nb.n);
    dp__buf_free(&nb);
    CHECK_EQ_INT(dp__postings_open(&dm.g, &ti, -1, DP__POST_POSITIONS, &p),
                 DP_OK);
    CHECK_EQ_INT(dp__postings_advance(p, 4), DP_ECORRUPT);
    CHECK(err.p && strstr(err.p, "position groups length") != NULL);
    dp__postings_free(p);
    damaged_free(&dm);
    dp__segfile_unref(f);
    tm_free(&t);
    remove_seg(dir, 1);
    rmdir(dir);
    dp__buf_free(&err);
}

TEST(damaged_group_length_version5) { damaged_group_length(5); }
TEST(damaged_group_length_version2) { damaged_group_length(2); }

/* A frequency one too small in a full block without groups: each later
** document would take its predecessor's last position, unnoticed to the
** block's end; the last document now ends a code (8 bits or more) before
** the stream does. */
static void damaged_block_freq(uint32_t version)
{
    char dir[] = "/tmp/dp-test-post7.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    static uint32_t len[128];
    uint32_t pos[2] = {3, 90};
    tmodel t;
    memset(&t, 0, sizeof t);
    t.name = "t";
    t.nforms = 1;
    for (uint32_t d = 0; d < 128; d++) {
        len[d] = 100;
        tm_add(&t, d, 2, pos, NULL);
    }
    tm_write(dir, 1, version, 128, len, &t, 1);
    dp__segfile *f;
    dp__segment g;
    damaged dm;
    dp__term_info ti;
    dp__postings *p;
    const uint8_t *h, *end;
    open_seg(dir, 1, &f, &g, &err);
    tm_check(&g, &t, 3);
    damaged_init(&dm, f, &err);
    CHECK_EQ_INT(dp__seg_term_find(&g, "t", 1, &ti), DP_OK);
    block_positions(f, dm.post, &ti, 0, &h, &end);
    CHECK_EQ_INT(h[0] & 0x80, 0); /* no groups */
    /* the block: gaps all 0 in width 0, then the (freq - 1), all 1, in
    ** width 1 (version 4: each width followed by no exceptions) */
    uint8_t *b = dm.post + ti.post_off;
    unsigned at = version >= 4 ? 2 : 1;
    CHECK_EQ_INT(b[0], 0);
    CHECK_EQ_INT(b[at], 1);
    b[at + (version >= 4 ? 2 : 1)] = 0xfe; /* doc 0: freq 1 */
    CHECK_EQ_INT(dp__postings_open(&dm.g, &ti, -1, DP__POST_POSITIONS, &p),
                 DP_OK);
    int rc;
    uint32_t n = 0;
    while ((rc = dp__postings_next(p)) == DP_OK)
        n++;
    CHECK_EQ_INT(rc, DP_ECORRUPT);
    CHECK_EQ_INT(n, 127);
    CHECK(err.p && strstr(err.p, "positions end") != NULL);
    dp__postings_free(p);
    damaged_free(&dm);
    dp__segfile_unref(f);
    tm_free(&t);
    remove_seg(dir, 1);
    rmdir(dir);
    dp__buf_free(&err);
}

TEST(damaged_block_freq_version4) { damaged_block_freq(4); }
TEST(damaged_block_freq_version2) { damaged_block_freq(2); }

/* Two exceptions of a patched list at one index: two frequencies would
** merge into one (doc 10 gets 1000, doc 20 gets 1), unnoticed by a
** cursor that reads no positions. */
TEST(damaged_pfor_exception_index)
{
    char dir[] = "/tmp/dp-test-post8.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    static uint32_t len[128], pos[1000];
    tmodel t;
    memset(&t, 0, sizeof t);
    t.name = "t";
    t.nforms = 1;
    for (uint32_t i = 0; i < 1000; i++)
        pos[i] = i;
    for (uint32_t d = 0; d < 128; d++) {
        len[d] = 1000;
        tm_add(&t, d, d == 10 || d == 20 ? 1000 : 1, pos, NULL);
    }
    tm_write(dir, 1, DP__SEG_VERSION, 128, len, &t, 1);
    dp__segfile *f;
    dp__segment g;
    damaged dm;
    dp__term_info ti;
    dp__postings *p;
    open_seg(dir, 1, &f, &g, &err);
    tm_check(&g, &t, 3);
    damaged_init(&dm, f, &err);
    CHECK_EQ_INT(dp__seg_term_find(&g, "t", 1, &ti), DP_OK);
    /* gaps: width 0, no exception; freqs: width 0, exceptions (10, 999)
    ** and (20, 999) */
    uint8_t *b = dm.post + ti.post_off;
    static const uint8_t want[] = {0, 0, 0, 2, 10, 0xe7, 0x07, 20, 0xe7, 0x07};
    CHECK(memcmp(b, want, sizeof want) == 0);
    b[7] = 10;
    CHECK_EQ_INT(dp__postings_open(&dm.g, &ti, -1, DP__POST_FREQS, &p), DP_OK);
    CHECK_EQ_INT(dp__postings_next(p), DP_ECORRUPT);
    CHECK(err.p && strstr(err.p, "packed freqs") != NULL);
    /* the cursor stays stopped: before, the block-max call read the
    ** half-decoded block of this one-block term out of bounds (bn 0) */
    dp__block_info bi;
    CHECK_EQ_INT(dp__postings_block(p, 0, &bi), DP_ECORRUPT);
    CHECK_EQ_INT(dp__postings_next(p), DP_ECORRUPT);
    CHECK_EQ_INT(dp__postings_advance(p, 5), DP_ECORRUPT);
    CHECK_EQ_INT(dp__postings_load_positions(p), DP_ECORRUPT);
    dp__postings_free(p);
    damaged_free(&dm);
    dp__segfile_unref(f);
    tm_free(&t);
    remove_seg(dir, 1);
    rmdir(dir);
    dp__buf_free(&err);
}
/* A merge re-codes the postings of older segments in today's format: the
** Rice parameters follow the document lengths of the merged segment's
** columns, and the form indexes are those of the merged term (forms
** listed in another order in each input).  Inputs: version 2 (short
** documents, positions beyond them) and version 4 (long documents). */
TEST(merge_recodes_older_versions)
{
    char dir[] = "/tmp/dp-test-post9.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    unsigned seed = 17;
    static const char *const fn1[2] = {"a", "b"};
    static const char *const fn2[3] = {"c", "a", "b"};
    static uint32_t len1[300], len2[200], pos[64], fm[64];
    tmodel in[2], out;
    memset(in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    in[0].name = in[1].name = out.name = "t";
    in[0].fnames = fn1;
    in[0].nforms = 2;
    in[1].fnames = fn2;
    in[1].nforms = 3;
    for (uint32_t d = 0; d < 300; d++)
        len1[d] = 1 + d % 7;
    for (uint32_t d = 0; d < 200; d++)
        len2[d] = 5000 + d;
    for (int s = 0; s < 2; s++) {
        uint32_t nd = s ? 200 : 300;
        for (uint32_t d = 0; d < nd; d++) {
            if (RND() % 4 == 0)
                continue;
            uint32_t fq = 1 + RND() % 40, at = 0;
            for (uint32_t i = 0; i < fq; i++) {
                at += RND() % (s ? 300 : 20);
                pos[i] = at;
                fm[i] = d % 3 ? d % 3 - 1 + (uint32_t)s : RND() % in[s].nforms;
            }
            tm_add(&in[s], d, fq, pos, fm);
        }
    }
    tm_write(dir, 1, 2, 300, len1, &in[0], 1);
    tm_write(dir, 2, 4, 200, len2, &in[1], 1);
    dp__segfile *f[3];
    dp__segment g[3];
    open_seg(dir, 1, &f[0], &g[0], &err);
    open_seg(dir, 2, &f[1], &g[1], &err);
    dp__segment *segs[2] = {&g[0], &g[1]};
    uint64_t bytes;
    uint32_t nd;
    CHECK_EQ_INT(dp__merge_segments(dir, 3, segs, 2, &bytes, &nd, &err), DP_OK);
    CHECK_EQ_INT(nd, 500);
    open_seg(dir, 3, &f[2], &g[2], &err);
    CHECK_EQ_INT(f[2]->version, DP__SEG_VERSION);
    dp__term_info ti;
    uint32_t map[2][3];
    CHECK_EQ_INT(dp__seg_term_find(&g[2], "t", 1, &ti), DP_OK);
    CHECK_EQ_INT(ti.nforms, 3);
    for (int s = 0; s < 2; s++)
        for (uint32_t k = 0; k < in[s].nforms; k++)
            CHECK_EQ_INT(dp__term_form_find(&g[2], &ti, in[s].fnames[k], 1,
                                            &map[s][k]), DP_OK);
    out.nforms = 3;
    for (int s = 0; s < 2 && !test_failed_now; s++)
        for (uint32_t k = 0; k < in[s].df; k++) {
            uint32_t n = in[s].freq[k], *ip = in[s].pos + in[s].off[k];
            for (uint32_t i = 0; i < n; i++)
                fm[i] = map[s][in[s].form[in[s].off[k] + i]];
            tm_add(&out, in[s].docs[k] + (s ? 300 : 0), n, ip, fm);
        }
    tm_check(&g[2], &out, 19);
    for (int i = 0; i < 3; i++) {
        dp__segfile_unref(f[i]);
        remove_seg(dir, (uint64_t)i + 1);
    }
    tm_free(&in[0]);
    tm_free(&in[1]);
    tm_free(&out);
    rmdir(dir);
    dp__buf_free(&err);
}
/* Groups of 32 and 64 documents, which the reader accepts but today's
** writer never makes (a block of 128 documents needs 1024 bits of
** positions for groups, so 16 documents already make groups of 128
** bits): the groups of a 100-document block are merged into larger ones
** in a copy of POST, and every way of reading the term still gives the
** positions written (the last group shorter than the others). */
TEST(position_groups_of_32_and_64)
{
    char dir[] = "/tmp/dp-test-post10.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    unsigned seed = 23;
    static uint32_t len[100];
    tmodel t;
    memset(&t, 0, sizeof t);
    t.name = "t";
    t.nforms = 2;
    for (uint32_t d = 0; d < 100; d++) {
        uint32_t pos = RND() % 2000, fm = d % 5 == 0;
        len[d] = 2000;
        tm_add(&t, d, 1, &pos, &fm);
    }
    tm_write(dir, 1, DP__SEG_VERSION, 100, len, &t, 1);
    dp__segfile *f;
    dp__segment g;
    dp__term_info ti;
    open_seg(dir, 1, &f, &g, &err);
    CHECK_EQ_INT(dp__seg_term_find(&g, "t", 1, &ti), DP_OK);
    for (unsigned gs = 32; gs <= 64 && !test_failed_now; gs *= 2) {
        damaged dm;
        const uint8_t *h, *end;
        uint32_t glen[32], big[32] = {0};
        dp__term_info t2 = ti;
        damaged_init(&dm, f, &err);
        block_positions(f, dm.post, &ti, 0, &h, &end);
        CHECK_EQ_INT(h[0], 0x82); /* groups of 16 */
        const uint8_t *stream = h + 2;
        CHECK(dp__bitunpack(&stream, end, glen, 7, h[1]));
        for (uint32_t i = 0; i < 7; i++)
            big[i * 16 / gs] += glen[i];
        /* the term again: doc list, positions length, header, groups */
        dp_buf nb = DP_BUF_INIT, pb = DP_BUF_INIT;
        uint8_t *term = dm.post + ti.post_off;
        uint64_t hlen = (uint64_t)(end - h);
        size_t vlen = hlen < 128 ? 1 : hlen < 16384 ? 2 : 3;
        uint32_t ng = (100 + gs - 1) / gs, maxg = 0;
        for (uint32_t i = 0; i < ng; i++)
            maxg = big[i] > maxg ? big[i] : maxg;
        CHECK_EQ_INT(dp__buf_putc(&pb, (char)(0x80 | __builtin_ctz(gs / 4))),
                     DP_OK);
        CHECK_EQ_INT(dp__buf_putc(&pb, (char)dp__bits_needed(maxg)), DP_OK);
        CHECK_EQ_INT(dp__bitpack(&pb, big, ng, dp__bits_needed(maxg)), DP_OK);
        CHECK_EQ_INT(dp__buf_append(&pb, stream, (size_t)(end - stream)),
                     DP_OK);
        CHECK_EQ_INT(dp__buf_append(&nb, term, (size_t)(h - vlen - term)),
                     DP_OK);
        CHECK_EQ_INT(dp__buf_put_varint(&nb, pb.n), DP_OK);
        CHECK_EQ_INT(dp__buf_append(&nb, pb.p, pb.n), DP_OK);
        CHECK(nb.n <= ti.post_len);
        memcpy(term, nb.p, nb.n);
        t2.post_len = nb.n;
        tm_check_ti(&dm.g, &t, seed + gs, &t2);
        dp__buf_free(&nb);
        dp__buf_free(&pb);
        damaged_free(&dm);
    }
    dp__segfile_unref(f);
    tm_free(&t);
    remove_seg(dir, 1);
    rmdir(dir);
    dp__buf_free(&err);
}

/* Walk two cursors the same way, a next and an advance (37 documents past
** the last) in turn, the first step an advance if adv_first: each step
** gives the same code, document and frequency; the documents are those
** of the model with this form, not deleted. */
static void same_walk(const dp__segment *g, const tmodel *m, int form,
                      dp__postings *a, dp__postings *b, int adv_first)
{
    uint32_t k = 0, target = 0;
    for (int step = adv_first; !test_failed_now; step++) {
        int ra, rb;
        if (step % 2 == 0) {
            ra = dp__postings_next(a);
            rb = dp__postings_next(b);
        } else {
            target += 37;
            ra = dp__postings_advance(a, target);
            rb = dp__postings_advance(b, target);
        }
        while (k < m->df &&
               ((step % 2 && m->docs[k] < target) || !tm_count(m, k, form) ||
                dp__seg_is_deleted(g, m->docs[k])))
            k++;
        CHECK_EQ_INT(ra, rb);
        if (k >= m->df) {
            CHECK_EQ_INT(ra, DP_ENOTFOUND);
            break;
        }
        CHECK_EQ_INT(ra, DP_OK);
        if (ra != DP_OK || rb != DP_OK)
            break;
        CHECK_EQ_INT(dp__postings_doc(a), m->docs[k]);
        CHECK_EQ_INT(dp__postings_doc(b), m->docs[k]);
        CHECK_EQ_INT(dp__postings_freq(a), dp__postings_freq(b));
        target = m->docs[k]; /* the next advance goes past it */
        k++;
    }
}

/* The three terms of docs_bitmap_against_model and
** take_block_against_model over nd documents of length 10 (len): "all"
** (every document, 2 forms), "few" (documents 0, 63, 64 and nd - 1),
** "most" (all but 1 in 8). */
static void three_terms(tmodel t[3], uint32_t *len, uint32_t nd)
{
    static const char *const fn2[2] = {"f", "g"};
    uint32_t pos[3] = {1, 4, 9}, fm[3];
    memset(t, 0, 3 * sizeof *t);
    t[0].name = "all"; t[1].name = "few"; t[2].name = "most";
    t[0].nforms = 2; t[0].fnames = fn2;
    t[1].nforms = t[2].nforms = 1;
    for (uint32_t d = 0; d < nd; d++) {
        len[d] = 10;
        for (uint32_t i = 0; i < 3; i++)
            fm[i] = d % 3 == 0 ? 1 : d % 3 == 1 ? 0 : i % 2;
        tm_add(&t[0], d, 1 + d % 3, pos, fm);
        if (d == 0 || d == 63 || d == 64 || d == nd - 1)
            tm_add(&t[1], d, 1, pos, NULL);
        if (d % 8 != 5)
            tm_add(&t[2], d, 1 + d % 2, pos, NULL);
    }
}

/* dp__postings_docs_bitmap over 333 documents (5 words, the last one
** partial), every version the writer writes: "all" (every document, 2
** forms: blocks of 128, 128 and 77), "most" (292 documents: 128, 128,
** 36), "few" (documents 0, 63, 64 and 332, in one partial block), with
** 1 document in 7 deleted (and 64, 332).  The bitmap holds exactly the
** term's documents (deleted ones and every form included, nothing at or
** above 333, nothing past the 5 words); the cursor, before and after,
** walks as a fresh one (with and without positions, with a form filter);
** called twice it sets the same bits; a moved cursor gives DP_EINVAL; a
** damaged full or last block, or a gap sending a document beyond 333,
** gives DP_ECORRUPT. */
TEST(docs_bitmap_against_model)
{
    char dir[] = "/tmp/dp-test-post11.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    enum { ND = 333, NW = (ND + 63) / 64 };
    static uint32_t len[ND];
    tmodel t[3];
    three_terms(t, len, ND);
    CHECK_EQ_INT(t[2].df, 292);
    uint8_t del[ND / 8 + 1];
    uint32_t ndel = 0;
    memset(del, 0, sizeof del);
    for (uint32_t d = 0; d < ND; d++)
        if (d % 7 == 3 || d == 64 || d == ND - 1) {
            del[d / 8] |= (uint8_t)(1 << (d % 8));
            ndel++;
        }
    for (uint32_t version = 2; version <= DP__SEG_VERSION; version++) {
        if (test_failed_now)
            break;
        tm_write(dir, version, version, ND, len, t, 3);
        dp__segfile *f;
        dp__segment g;
        open_seg(dir, version, &f, &g, &err);
        CHECK_EQ_INT(f->version, version);
        g.deleted = del;
        g.ndeleted = ndel;
        for (int i = 0; i < 3 && !test_failed_now; i++) {
            dp__term_info ti;
            CHECK_EQ_INT(dp__seg_term_find(&g, t[i].name, strlen(t[i].name),
                                           &ti), DP_OK);
            CHECK_EQ_INT(ti.df, t[i].df);
            int forms[3] = {-1, 0, 1};
            for (int c = 0; c < (t[i].nforms > 1 ? 3 : 1); c++) {
                for (unsigned flags = 0; flags < 2; flags++) {
                    dp__postings *p, *fresh;
                    uint64_t bm[NW + 1];
                    memset(bm, 0, sizeof bm);
                    bm[NW] = 0x5a5a5a5a5a5a5a5aull; /* must stay */
                    CHECK_EQ_INT(dp__postings_open(&g, &ti, forms[c], flags,
                                                   &p), DP_OK);
                    CHECK_EQ_INT(dp__postings_docs_bitmap(p, bm), DP_OK);
                    /* twice: it left the cursor before its first doc */
                    CHECK_EQ_INT(dp__postings_docs_bitmap(p, bm), DP_OK);
                    CHECK(bm[NW] == 0x5a5a5a5a5a5a5a5aull);
                    CHECK((bm[NW - 1] >> (ND % 64)) == 0);
                    uint32_t bad = ND; /* the first document wrong */
                    for (uint32_t d = 0, k = 0; d < ND && bad == ND; d++) {
                        uint32_t in = k < t[i].df && t[i].docs[k] == d;
                        k += in;
                        if (((bm[d >> 6] >> (d & 63)) & 1) != in)
                            bad = d;
                    }
                    CHECK_EQ_INT(bad, ND);
                    CHECK_EQ_INT(dp__postings_open(&g, &ti, forms[c], flags,
                                                   &fresh), DP_OK);
                    same_walk(&g, &t[i], forms[c], p, fresh, (int)flags);
                    dp__postings_free(fresh);
                    dp__postings_free(p);
                    /* a cursor that moved, or reached the end */
                    CHECK_EQ_INT(dp__postings_open(&g, &ti, forms[c], flags,
                                                   &p), DP_OK);
                    memset(bm, 0, sizeof bm);
                    CHECK_EQ_INT(dp__postings_next(p), DP_OK);
                    CHECK_EQ_INT(dp__postings_docs_bitmap(p, bm), DP_EINVAL);
                    while (dp__postings_next(p) == DP_OK)
                        ;
                    CHECK_EQ_INT(dp__postings_docs_bitmap(p, bm), DP_EINVAL);
                    for (int w = 0; w <= NW; w++)
                        CHECK(bm[w] == 0);
                    dp__postings_free(p);
                }
            }
        }
        /* damage: block 0 (full) or the last block (partial) of "most",
        ** the one block of "few", overwritten with 0xff (varints and
        ** bit widths that do not end or fit; in a Rice list, version 3
        ** on, gaps of 2^k - 1 all in range, which only the positions'
        ** length that must fill the block shows), and a Rice list with 0
        ** too (a quotient that does not end); the bitmap of exactly NW
        ** words (ASan sees a write past it) */
        for (int i = 1; i < 3 && !test_failed_now; i++) {
            dp__term_info ti;
            CHECK_EQ_INT(dp__seg_term_find(&g, t[i].name, strlen(t[i].name),
                                           &ti), DP_OK);
            uint32_t nb = (ti.df + DP__BLOCK - 1) / DP__BLOCK;
            /* (block, byte): the first and the last block with 0xff, and
            ** a last block that is a Rice list with 0 too */
            uint32_t cb[3] = {0};
            int cbyte[3] = {0xff}, nc = 1;
            if (nb > 1) {
                cb[nc] = nb - 1;
                cbyte[nc++] = 0xff;
            }
            if (version >= 3 && ti.df % DP__BLOCK != 0) {
                cb[nc] = nb - 1;
                cbyte[nc++] = 0;
            }
            for (int c = 0; c < nc && !test_failed_now; c++) {
                damaged dm;
                uint8_t *q, *end;
                dp__postings *p;
                damaged_init(&dm, f, &err);
                block_bytes(dm.post, &ti, cb[c], &q, &end);
                memset(q, cbyte[c], (size_t)(end - q));
                uint64_t *bm = calloc(NW, sizeof *bm);
                int rc = dp__postings_open(&dm.g, &ti, -1, DP__POST_FREQS, &p);
                if (rc == DP_OK) {
                    CHECK_EQ_INT(dp__postings_docs_bitmap(p, bm),
                                 DP_ECORRUPT);
                    CHECK(err.p && strstr(err.p, "damaged postings"));
                    CHECK_EQ_INT(dp__postings_next(p), DP_ECORRUPT);
                    dp__postings_free(p);
                } else {
                    CHECK_EQ_INT(rc, DP_ECORRUPT);
                }
                free(bm);
                damaged_free(&dm);
            }
        }
        /* the first gap of "few" made large, the list still decodable:
        ** documents beyond 333, none of them may reach the bitmap */
        if (!test_failed_now) {
            dp__term_info ti;
            damaged dm;
            uint8_t *q, *end;
            dp__postings *p;
            CHECK_EQ_INT(dp__seg_term_find(&g, "few", 3, &ti), DP_OK);
            damaged_init(&dm, f, &err);
            block_bytes(dm.post, &ti, 0, &q, &end);
            q[0] = version >= 3 ? 0x80 : 0x7f; /* unary 7; varint 63, 1 */
            uint64_t *bm = calloc(NW, sizeof *bm);
            CHECK_EQ_INT(dp__postings_open(&dm.g, &ti, -1, DP__POST_FREQS,
                                           &p), DP_OK);
            CHECK_EQ_INT(dp__postings_docs_bitmap(p, bm), DP_ECORRUPT);
            CHECK(err.p && strstr(err.p, "docid out of range"));
            dp__postings_free(p);
            free(bm);
            damaged_free(&dm);
        }
        dp__segfile_unref(f);
        remove_seg(dir, version);
    }
    for (int i = 0; i < 3; i++)
        tm_free(&t[i]);
    rmdir(dir);
    dp__buf_free(&err);
}
/* dp__postings_take_block over the documents of docs_bitmap_against_model
** (blocks of 128, 128 and 77; 128, 128 and 36; one of 4), every version
** the writer writes, with deletions: the blocks taken one after the other
** hold the term's documents and frequencies, deleted ones included, then
** DP_ENOTFOUND for good; a form filter or a cursor moved by next gives
** DP_EINVAL; a damaged block DP_ECORRUPT. */
TEST(take_block_against_model)
{
    char dir[] = "/tmp/dp-test-post12.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    enum { ND = 333 };
    static uint32_t len[ND];
    tmodel t[3];
    three_terms(t, len, ND);
    uint8_t del[ND / 8 + 1];
    memset(del, 0, sizeof del);
    for (uint32_t d = 0; d < ND; d += 7)
        del[d / 8] |= (uint8_t)(1 << (d % 8));
    for (uint32_t version = 2; version <= DP__SEG_VERSION; version++) {
        if (test_failed_now)
            break;
        tm_write(dir, version, version, ND, len, t, 3);
        dp__segfile *f;
        dp__segment g;
        open_seg(dir, version, &f, &g, &err);
        g.deleted = del;
        g.ndeleted = (ND + 6) / 7;
        for (int i = 0; i < 3 && !test_failed_now; i++) {
            dp__term_info ti;
            CHECK_EQ_INT(dp__seg_term_find(&g, t[i].name, strlen(t[i].name),
                                           &ti), DP_OK);
            for (unsigned flags = 0; flags < 2; flags++) {
                dp__postings *p;
                const uint32_t *docs, *freqs;
                uint32_t n, k = 0, bad = UINT32_MAX, blocks = 0;
                int rc;
                CHECK_EQ_INT(dp__postings_open(&g, &ti, -1, flags, &p),
                             DP_OK);
                while ((rc = dp__postings_take_block(p, &docs, &freqs,
                                                     &n)) == DP_OK) {
                    CHECK(n > 0 && n <= DP__BLOCK);
                    for (uint32_t j = 0; j < n && bad == UINT32_MAX; j++, k++)
                        if (k >= t[i].df || docs[j] != t[i].docs[k] ||
                            freqs[j] != t[i].freq[k])
                            bad = k;
                    blocks++;
                }
                CHECK_EQ_INT(rc, DP_ENOTFOUND);
                CHECK_EQ_INT(bad, UINT32_MAX);
                CHECK_EQ_INT(k, t[i].df);
                CHECK_EQ_INT(blocks, (t[i].df + DP__BLOCK - 1) / DP__BLOCK);
                CHECK_EQ_INT(dp__postings_take_block(p, &docs, &freqs, &n),
                             DP_ENOTFOUND);
                dp__postings_free(p);
                /* moved by next: not at a block's start */
                CHECK_EQ_INT(dp__postings_open(&g, &ti, -1, flags, &p),
                             DP_OK);
                CHECK_EQ_INT(dp__postings_next(p), DP_OK);
                CHECK_EQ_INT(dp__postings_take_block(p, &docs, &freqs, &n),
                             DP_EINVAL);
                dp__postings_free(p);
            }
            if (t[i].nforms > 1) {
                dp__postings *p;
                const uint32_t *docs, *freqs;
                uint32_t n;
                CHECK_EQ_INT(dp__postings_open(&g, &ti, 1, 0, &p), DP_OK);
                CHECK_EQ_INT(dp__postings_take_block(p, &docs, &freqs, &n),
                             DP_EINVAL);
                dp__postings_free(p);
            }
        }
        /* the last block of "most" damaged */
        if (!test_failed_now) {
            dp__term_info ti;
            damaged dm;
            uint8_t *q, *end;
            dp__postings *p;
            const uint32_t *docs, *freqs;
            uint32_t n;
            int rc;
            CHECK_EQ_INT(dp__seg_term_find(&g, "most", 4, &ti), DP_OK);
            damaged_init(&dm, f, &err);
            block_bytes(dm.post, &ti, 2, &q, &end);
            memset(q, 0xff, (size_t)(end - q));
            rc = dp__postings_open(&dm.g, &ti, -1, DP__POST_FREQS, &p);
            if (rc == DP_OK) {
                while ((rc = dp__postings_take_block(p, &docs, &freqs,
                                                     &n)) == DP_OK)
                    ;
                CHECK_EQ_INT(rc, DP_ECORRUPT);
                CHECK(err.p && strstr(err.p, "damaged postings"));
                CHECK_EQ_INT(dp__postings_take_block(p, &docs, &freqs, &n),
                             DP_ECORRUPT);
                dp__postings_free(p);
            } else {
                CHECK_EQ_INT(rc, DP_ECORRUPT);
            }
            damaged_free(&dm);
        }
        dp__segfile_unref(f);
        remove_seg(dir, version);
    }
    for (int i = 0; i < 3; i++)
        tm_free(&t[i]);
    rmdir(dir);
    dp__buf_free(&err);
}

/* dp__postings_peek_block and dp__postings_pass_block over the terms of
** take_block_against_model, every version the writer writes, with
** deletions: for every choice of blocks to pass, each block peeked gives
** the skip entry dp__postings_block gives for it (a term of one block: no
** bound), a block taken after passes holds the model's documents of
** that block, and the end is DP_ENOTFOUND for good; a form filter or a
** moved cursor gives DP_EINVAL. */
TEST(peek_and_pass_blocks_against_model)
{
    char dir[] = "/tmp/dp-test-post13.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    enum { ND = 333 };
    static uint32_t len[ND];
    tmodel t[3];
    three_terms(t, len, ND);
    uint8_t del[ND / 8 + 1];
    memset(del, 0, sizeof del);
    for (uint32_t d = 0; d < ND; d += 7)
        del[d / 8] |= (uint8_t)(1 << (d % 8));
    for (uint32_t version = 2; version <= DP__SEG_VERSION; version++) {
        if (test_failed_now)
            break;
        tm_write(dir, version, version, ND, len, t, 3);
        dp__segfile *f;
        dp__segment g;
        open_seg(dir, version, &f, &g, &err);
        g.deleted = del;
        g.ndeleted = (ND + 6) / 7;
        for (int i = 0; i < 3 && !test_failed_now; i++) {
            dp__term_info ti;
            CHECK_EQ_INT(dp__seg_term_find(&g, t[i].name, strlen(t[i].name),
                                           &ti), DP_OK);
            uint32_t nb = (t[i].df + DP__BLOCK - 1) / DP__BLOCK;
            for (uint32_t pass = 0; pass < 1u << nb; pass++) {
                dp__postings *p, *q;
                uint32_t bad = UINT32_MAX;
                CHECK_EQ_INT(dp__postings_open(&g, &ti, -1, 0, &p), DP_OK);
                for (uint32_t b = 0; b < nb && bad == UINT32_MAX; b++) {
                    uint32_t k0 = b * DP__BLOCK;
                    uint32_t kn = k0 + DP__BLOCK < t[i].df ? k0 + DP__BLOCK
                                                          : t[i].df;
                    dp__block_info pi, want;
                    CHECK_EQ_INT(dp__postings_peek_block(p, &pi), DP_OK);
                    if (nb == 1) {
                        want.last_doc = DP__DOC_END - 1;
                        want.max_freq = UINT32_MAX;
                        want.min_len = 0;
                    } else {
                        CHECK_EQ_INT(dp__postings_open(&g, &ti, -1, 0, &q),
                                     DP_OK);
                        CHECK_EQ_INT(dp__postings_block(q, t[i].docs[k0],
                                                        &want), DP_OK);
                        dp__postings_free(q);
                        CHECK_EQ_INT(want.last_doc, t[i].docs[kn - 1]);
                    }
                    if (pi.last_doc != want.last_doc ||
                        pi.max_freq != want.max_freq ||
                        pi.min_len != want.min_len)
                        bad = b;
                    if (pass & (1u << b)) {
                        CHECK_EQ_INT(dp__postings_pass_block(p), DP_OK);
                        continue;
                    }
                    const uint32_t *docs, *freqs;
                    uint32_t n;
                    CHECK_EQ_INT(dp__postings_take_block(p, &docs, &freqs,
                                                         &n), DP_OK);
                    CHECK_EQ_INT(n, kn - k0);
                    for (uint32_t j = 0; j < n && j < kn - k0; j++)
                        if (docs[j] != t[i].docs[k0 + j] ||
                            freqs[j] != t[i].freq[k0 + j])
                            bad = b;
                }
                CHECK_EQ_INT(bad, UINT32_MAX);
                dp__block_info pi;
                CHECK_EQ_INT(dp__postings_peek_block(p, &pi), DP_ENOTFOUND);
                CHECK_EQ_INT(dp__postings_pass_block(p), DP_ENOTFOUND);
                CHECK_EQ_INT(dp__postings_peek_block(p, &pi), DP_ENOTFOUND);
                dp__postings_free(p);
            }
            dp__postings *p;
            dp__block_info pi;
            CHECK_EQ_INT(dp__postings_open(&g, &ti, -1, 0, &p), DP_OK);
            CHECK_EQ_INT(dp__postings_next(p), DP_OK);
            CHECK_EQ_INT(dp__postings_peek_block(p, &pi), DP_EINVAL);
            CHECK_EQ_INT(dp__postings_pass_block(p), DP_EINVAL);
            dp__postings_free(p);
            if (t[i].nforms > 1) {
                CHECK_EQ_INT(dp__postings_open(&g, &ti, 1, 0, &p), DP_OK);
                CHECK_EQ_INT(dp__postings_peek_block(p, &pi), DP_EINVAL);
                CHECK_EQ_INT(dp__postings_pass_block(p), DP_EINVAL);
                dp__postings_free(p);
            }
        }
        dp__segfile_unref(f);
        remove_seg(dir, version);
    }
    for (int i = 0; i < 3; i++)
        tm_free(&t[i]);
    rmdir(dir);
    dp__buf_free(&err);
}

#undef RND
TEST_MAIN()
