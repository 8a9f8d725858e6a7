/* test_postings.c -- the postings codec: varints, bit-packing, Exp-Golomb
** streams, and cursors (next, advance, block-max, positions, forms,
** deletions) over a segment written with the segment writer. */
#include "store.h"
#include "test.h"

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
    CHECK_EQ_INT(dp__segfile_open(dir, 1, &f, &err), DP_OK);
    dp__segment g;
    memset(&g, 0, sizeof g);
    g.file = f;
    g.err = &err;
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
    dp__segw *w;
    char path[256];
    dp__seg_path(path, sizeof path, dir, 1);
    CHECK_EQ_INT(dp__segw_open_version(&w, path, version, &err), DP_OK);
    for (uint32_t d = 0; d < nd; d++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = d % 5 == 0 ? 3 : 1000;
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, "", 0), DP_OK);
        fq[d] = 1 + RND() % 64;
        uint32_t at = RND() % 5;
        for (uint32_t i = 0; i < fq[d]; i++) {
            at += 1 + RND() % (i % 7 == 0 ? 400 : 12);
            pos[d][i] = at;
            fm[d][i] = d % 3 == 0 ? RND() % 3 == 0 : d % 3 == 2;
        }
    }
    dp_slice forms[2] = {{"de", 2}, {"d", 1}};
    CHECK_EQ_INT(dp__segw_term_begin(w, "de", 2, forms, 2), DP_OK);
    for (uint32_t d = 0; d < nd; d++)
        CHECK_EQ_INT(dp__segw_term_doc(w, d, pos[d], fm[d], fq[d]), DP_OK);
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    CHECK_EQ_INT(dp__segw_finish(w, NULL), DP_OK);
    dp__segw_free(w);
    dp__segfile *f;
    CHECK_EQ_INT(dp__segfile_open(dir, 1, &f, &err), DP_OK);
    dp__segment g;
    memset(&g, 0, sizeof g);
    g.file = f;
    g.err = &err;
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
    unlink(path);
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
    CHECK_EQ_INT(dp__segfile_open(dir, 1, &f, &err), DP_OK);
    CHECK_EQ_INT(f->version, version);
    dp__segment g;
    memset(&g, 0, sizeof g);
    g.file = f;
    g.err = &err;
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
#undef RND
TEST_MAIN()
