/* test_lookup.c -- the read paths that skip work: the dictionary look-up
** that compares front-coded terms in place and steps over the forms of
** the entries it passes, the postings cursor that decodes a document's
** positions only as far as asked (dp__postings_positions_upto), and the
** phrase matcher built on it, which stops at a document's first match
** unless the score or a NEAR needs them all.  Each is checked against a
** plain reference: the dictionary iterator, the positions written, and a
** phrase count made with fully decoding cursors. */
#include "store.h"
#include "dp_int.h"
#include "test.h"
#include "post_model.h"

#include <math.h>
#include <unistd.h>

#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 8))

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_term(char **terms, size_t n, const char *s)
{
    return bsearch(&s, terms, n, sizeof *terms, cmp_str) != NULL;
}

static void check_absent(const dp__segment *g, char **terms, size_t n,
                         const char *s, size_t len)
{
    char buf[DP__TERM_MAX + 2];
    dp__term_info t;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (!is_term(terms, n, buf))
        CHECK_EQ_INT(dp__seg_term_find(g, buf, len, &t), DP_ENOTFOUND);
}

/* Terms sharing long prefixes (the front coding), one to six forms each,
** over ~190 dictionary blocks: every term is found with the same entry
** the iterator gives, and strings between them, before the first and
** after the last are not. */
TEST(term_lookup_against_iteration)
{
    char dir[] = "/tmp/dp-test-lookup.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    unsigned seed = 3;
    enum { NT = 6000, ND = 40 };
    static char *terms[NT];
    size_t nt = 0;
    CHECK(mkdtemp(dir) != NULL);
    for (size_t i = 0; i < NT; i++) {
        char b[64];
        static const char *const stems[] = {"a", "pre", "presid", "president",
                                            "z", "zz", "m", "ma", "mai"};
        const char *stem = stems[RND() % 9];
        char c1 = (char)('a' + RND() % 26), c2 = (char)('a' + RND() % 26);
        int n = snprintf(b, sizeof b, "%s%c%c", stem, c1, c2);
        for (unsigned k = RND() % 4; k > 0 && n < 60; k--)
            b[n++] = (char)('a' + RND() % 3);
        b[n] = 0;
        terms[nt++] = strdup(b);
    }
    qsort(terms, nt, sizeof *terms, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < nt; i++) {
        if (u && strcmp(terms[u - 1], terms[i]) == 0) {
            free(terms[i]);
            continue;
        }
        terms[u++] = terms[i];
    }
    nt = u;

    dp__segw *w;
    char path[256];
    dp__seg_path(path, sizeof path, dir, 1);
    CHECK_EQ_INT(dp__segw_open(&w, path, &err), DP_OK);
    for (uint32_t d = 0; d < ND; d++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = 100;
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, "", 0), DP_OK);
    }
    for (size_t i = 0; i < nt; i++) {
        static const char *const sfx[] = {"", "s", "es", "x", "ent", "ons"};
        char fb[6][80];
        dp_slice forms[6];
        uint32_t nf = 1 + (uint32_t)(i % 6), pos[2] = {3, 9}, fm[2];
        for (uint32_t f = 0; f < nf; f++) {
            snprintf(fb[f], sizeof fb[f], "%s%s", terms[i], sfx[f]);
            forms[f].p = fb[f];
            forms[f].n = strlen(fb[f]);
        }
        CHECK_EQ_INT(dp__segw_term_begin(w, terms[i], strlen(terms[i]), forms,
                                         nf), DP_OK);
        for (uint32_t d = (uint32_t)i % 3; d < ND; d += 1 + (uint32_t)(i % 7)) {
            fm[0] = 0;
            fm[1] = (d + (uint32_t)i) % nf;
            CHECK_EQ_INT(dp__segw_term_doc(w, d, pos, fm, 1 + d % 2), DP_OK);
        }
        CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    }
    CHECK_EQ_INT(dp__segw_finish(w, NULL), DP_OK);
    dp__segw_free(w);

    dp__segfile *f;
    dp__segment g;
    open_seg(dir, 1, &f, &g, &err);
    CHECK(f->dict_nblocks > 100);

    dp__term_iter *it;
    dp__term_info ti, tf;
    dp_slice term;
    size_t seen = 0;
    CHECK_EQ_INT(dp__term_iter_open(&g, "", 0, &it), DP_OK);
    while (dp__term_iter_next(it, &term, &ti) == DP_OK && !test_failed_now) {
        CHECK(seen < nt && term.n == strlen(terms[seen]) &&
              memcmp(term.p, terms[seen], term.n) == 0);
        seen++;
        CHECK_EQ_INT(dp__seg_term_find(&g, term.p, term.n, &tf), DP_OK);
        CHECK_EQ_INT(tf.df, ti.df);
        CHECK(tf.cf == ti.cf);
        CHECK_EQ_INT(tf.nforms, ti.nforms);
        CHECK_EQ_INT(tf.max_freq, ti.max_freq);
        CHECK(tf.post_off == ti.post_off && tf.post_len == ti.post_len);
        CHECK(tf.forms_off == ti.forms_off);
        CHECK(tf.term_len == ti.term_len &&
              memcmp(tf.term, ti.term, ti.term_len) == 0);
        /* the forms read through the entry found */
        dp__form_buf fb;
        CHECK_EQ_INT(dp__term_form(&g, &tf, tf.nforms - 1, &fb), DP_OK);
        CHECK(fb.info.form.n >= tf.term_len &&
              memcmp(fb.info.form.p, tf.term, tf.term_len) == 0);
    }
    dp__term_iter_free(it);
    CHECK_EQ_INT(seen, nt);

    for (size_t i = 0; i < nt && !test_failed_now; i++) {
        const char *s = terms[i];
        size_t n = strlen(s);
        char b[DP__TERM_MAX + 2];
        check_absent(&g, terms, nt, s, n - 1);       /* a prefix */
        memcpy(b, s, n);
        b[n] = 'a';                                  /* an extension */
        check_absent(&g, terms, nt, b, n + 1);
        b[n] = '\x01';
        check_absent(&g, terms, nt, b, n + 1);
        memcpy(b, s, n);
        b[n - 1] = (char)(b[n - 1] + 1);             /* the next string */
        check_absent(&g, terms, nt, b, n);
        b[n - 1] = (char)(b[n - 1] - 2);             /* the previous */
        check_absent(&g, terms, nt, b, n);
    }
    check_absent(&g, terms, nt, "", 0);
    check_absent(&g, terms, nt, "\x01", 1);
    check_absent(&g, terms, nt, "\xff\xff", 2);
    check_absent(&g, terms, nt, "zzzzzzzzzzzzzzzzzzzzzzzzz", 25);

    dp__segfile_unref(f);
    unlink(path);
    rmdir(dir);
    dp__buf_free(&err);
    for (size_t i = 0; i < nt; i++)
        free(terms[i]);
}

/* lazy_against_model's frequencies: one document in 7 without the term,
** one in 4 with up to 64 occurrences, the others up to 6. */
static uint32_t lazy_freq(uint32_t d, unsigned *seed)
{
    return d % 7 == 3 ? 0 : 1 + tm_rnd(seed) % (d % 4 == 0 ? 64 : 6);
}

/* A term in 900 documents with 1 to 64 occurrences each, forms mixed
** or not, short and long documents (the Rice escape), in every format
** version: a cursor landing on random documents and asking for its
** positions up to increasing bounds (stopping anywhere, finishing
** sometimes, moving on inside the same position group or to a later
** one) always holds a prefix of the positions written that reaches the
** bound, and the full list when it finishes. */
static void lazy_against_model(uint32_t version)
{
    char dir[] = "/tmp/dp-test-lazy.XXXXXX";
    dp_buf err = DP_BUF_INIT;
    CHECK(mkdtemp(dir) != NULL);
    unsigned seed = 5 + version;
    enum { ND = 900 };
    static uint32_t pos[ND][64], fm[ND][64], fq[ND];
    de_segment(dir, version, ND, &seed, lazy_freq, pos, fm, fq, &err);
    dp__segfile *f;
    dp__segment g;
    open_seg(dir, 1, &f, &g, &err);
    dp__term_info ti;
    CHECK_EQ_INT(dp__seg_term_find(&g, "de", 2, &ti), DP_OK);
    for (int run = 0; run < 40 && !test_failed_now; run++) {
        dp__postings *p;
        uint32_t target = 0;
        CHECK_EQ_INT(dp__postings_open(&g, &ti, -1,
                                       DP__POST_POSITIONS | DP__POST_LAZY, &p),
                     DP_OK);
        for (;;) {
            uint32_t d;
            target += RND() % (run < 20 ? 3 : 30);
            for (d = target; d < ND && fq[d] == 0; d++)
                ;
            int rc = dp__postings_advance(p, target);
            if (d >= ND) {
                CHECK_EQ_INT(rc, DP_ENOTFOUND);
                break;
            }
            CHECK_EQ_INT(rc, DP_OK);
            CHECK_EQ_INT(dp__postings_doc(p), d);
            CHECK_EQ_INT(dp__postings_freq(p), fq[d]);
            uint32_t want = 0, last = pos[d][fq[d] - 1];
            unsigned asks = RND() % 4; /* 0: positions never looked at */
            for (unsigned a = 0; a < asks && !test_failed_now; a++) {
                const uint32_t *ps, *fs;
                size_t np;
                want += RND() % (a == 0 ? 40 : 200);
                if (RND() % 8 == 0)
                    want = UINT32_MAX;
                CHECK_EQ_INT(dp__postings_positions_upto(p, want, &ps, &np),
                             DP_OK);
                CHECK(np >= 1 && np <= fq[d]);
                CHECK(np == fq[d] || ps[np - 1] >= want);
                CHECK(np == fq[d] || want <= last);
                dp__postings_positions(p, &ps, &fs, &np);
                for (size_t i = 0; i < np; i++) {
                    CHECK_EQ_INT(ps[i], pos[d][i]);
                    CHECK_EQ_INT(fs[i], fm[d][i]);
                }
                if (want == UINT32_MAX)
                    break;
            }
            if (asks && RND() % 3 == 0) { /* then all of them */
                const uint32_t *ps;
                size_t np;
                CHECK_EQ_INT(dp__postings_load_positions(p), DP_OK);
                dp__postings_positions(p, &ps, NULL, &np);
                CHECK_EQ_INT(np, fq[d]);
                for (size_t i = 0; i < np; i++)
                    CHECK_EQ_INT(ps[i], pos[d][i]);
            }
            target = d + 1;
            if (test_failed_now)
                break;
        }
        dp__postings_free(p);
    }
    dp__segfile_unref(f);
    remove_seg(dir, 1);
    rmdir(dir);
    dp__buf_free(&err);
}

TEST(lazy_positions_version5) { lazy_against_model(5); }
TEST(lazy_positions_version4) { lazy_against_model(4); }
TEST(lazy_positions_version3) { lazy_against_model(3); }
TEST(lazy_positions_version2) { lazy_against_model(2); }

/* ---------------------------------------------------------------- phrases */

static dp_archive *ar;
static dp_analyzer *an;
static char adir[64];

/* Documents of words from a small vocabulary where "aux" and "de" are in
** nearly every document, several times (so that phrases leave them out
** of the leapfrog and check them last), "ajouter aux favoris" is planted
** in some, and the words repeat (phrases with several matches in a
** document, whose scores need them all).  One segment of 3000 documents:
** terms of many blocks, blocks with position groups; then one document in
** seven is deleted (d % 7 == 3), so that cursors step over deleted
** documents inside blocks and groups. */
static int build_archive(void)
{
    static const char *const words[] = {
        "ajouter", "aux", "favoris", "guerre", "en", "ukraine", "cinq",
        "ans", "de", "la", "maison", "rouge", "porte", "ouverte", "mois",
        "quelques", "monde", "champion", "du", "nuit"};
    dp_writer_options wo = DP_WRITER_OPTIONS_INIT;
    dp_writer *w = NULL;
    dp_buf text = DP_BUF_INIT;
    unsigned seed = 17;
    int rc;
    snprintf(adir, sizeof adir, "/tmp/dp-test-lookup-ar.XXXXXX");
    if (mkdtemp(adir) == NULL)
        return DP_EIO;
    rc = dp_archive_open(&ar, adir, DP_ARCHIVE_CREATE);
    if (rc == DP_OK)
        rc = dp_analyzer_new(&an, NULL);
    wo.memory_limit = 64u << 20;
    if (rc == DP_OK)
        rc = dp_writer_begin(ar, &wo, &w);
    for (int d = 0; d < 3000 && rc == DP_OK; d++) {
        char id[32];
        dp_record r;
        int n = 20 + (int)(RND() % (d % 10 == 0 ? 400 : 60));
        dp__buf_clear(&text);
        for (int i = 0; i < n; i++) {
            unsigned x = RND() % 100;
            const char *wd = x < 12 ? "aux" : x < 22 ? "de"
                           : words[RND() % DP_ARRAY_LEN(words)];
            if (x >= 97)
                wd = "ajouter aux favoris";
            dp__buf_printf(&text, "%s%s", i ? " " : "", wd);
        }
        if (d % 600 == 1) /* a first occurrence far from gamma, a second
                          ** next to it (phrase_occurrences_for_near) */
            dp__buf_printf(&text, " alpha beta%s alpha beta gamma",
                           " nuit nuit nuit nuit nuit nuit nuit nuit nuit");
        dp__buf_printf(&text, " aux de");
        snprintf(id, sizeof id, "d%d", d);
        memset(&r, 0, sizeof r);
        r.id.p = id;
        r.id.n = strlen(id);
        r.text.p = text.p;
        r.text.n = text.n;
        r.lang.p = "fr";
        r.lang.n = 2;
        rc = dp_writer_add(w, &r, NULL);
    }
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    dp_writer_close(w);
    w = NULL;
    if (rc == DP_OK)
        rc = dp_writer_begin(ar, &wo, &w);
    for (int d = 3; d < 3000 && rc == DP_OK; d += 7) {
        char id[32];
        snprintf(id, sizeof id, "d%d", d);
        rc = dp_writer_delete(w, id, strlen(id));
    }
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    dp_writer_close(w);
    dp__buf_free(&text);
    return rc;
}

/* The reference: the matches of phrase leaf nd in each doc of segment g,
** with cursors that decode every position (no laziness, no leapfrog):
** tf[doc] = number of starts. */
static int ref_phrase(const dp__segment *g, const dp__qnode *nd,
                      uint32_t *tf)
{
    dp__postings *c[8];
    uint32_t n = nd->nterms;
    int rc = DP_OK;
    memset(tf, 0, dp__seg_ndocs(g) * sizeof *tf);
    for (uint32_t i = 0; i < n; i++) {
        dp__term_info t;
        if (dp__seg_term_find(g, nd->terms[i].text, nd->terms[i].len, &t) !=
            DP_OK) {
            for (uint32_t k = 0; k < i; k++)
                dp__postings_free(c[k]);
            return DP_OK; /* a word absent: no match */
        }
        CHECK_EQ_INT(dp__postings_open(g, &t, -1, DP__POST_POSITIONS, &c[i]),
                     DP_OK);
    }
    while ((rc = dp__postings_next(c[0])) == DP_OK) {
        uint32_t d = dp__postings_doc(c[0]);
        const uint32_t *p0, *pk;
        size_t n0, nk;
        bool on = !dp__seg_is_deleted(g, d);
        for (uint32_t i = 1; i < n && on; i++) {
            int r2 = dp__postings_advance(c[i], d);
            on = r2 == DP_OK && dp__postings_doc(c[i]) == d;
        }
        if (!on)
            continue;
        dp__postings_positions(c[0], &p0, NULL, &n0);
        for (size_t j = 0; j < n0; j++) {
            bool all = true;
            for (uint32_t i = 1; i < n && all; i++) {
                uint32_t want = p0[j] + nd->terms[i].pos - nd->terms[0].pos;
                bool has = false;
                dp__postings_positions(c[i], &pk, NULL, &nk);
                for (size_t k = 0; k < nk && !has; k++)
                    has = pk[k] == want;
                all = has;
            }
            tf[d] += all;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        dp__postings_free(c[i]);
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

static uint64_t count_of(const char *text);

static void check_phrase(const char *text)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_query_error qe;
    dp_query *q;
    dp_results *res;
    dp__snap *snap;
    dp__eval ev;
    uint64_t count = 0, want = 0;
    qo.analyzer = an;
    CHECK_EQ_INT(dp_query_parse(text, strlen(text), &qo, &q, &qe), DP_OK);
    CHECK(q->root->kind == DP_QK_PHRASE && q->root->nterms >= 2);
    CHECK_EQ_INT(dp_count(ar, q, &count), DP_OK);
    so.limit = 100000;
    CHECK_EQ_INT(dp_search(ar, q, &so, &res), DP_OK);
    CHECK_EQ_INT(dp__snap_open(ar, &snap), DP_OK);
    CHECK_EQ_INT(dp__eval_init(&ev, q, snap), DP_OK);
    CHECK_EQ_INT(dp__snap_nsegs(snap), 1);
    const dp__segment *g = dp__snap_seg(snap, 0);
    uint32_t *tf = calloc(dp__seg_ndocs(g), sizeof *tf);
    CHECK_EQ_INT(ref_phrase(g, q->root, tf), DP_OK);
    for (uint32_t d = 0; d < dp__seg_ndocs(g); d++)
        want += tf[d] > 0;
    CHECK(want > 0);
    CHECK(count == want);
    CHECK(dp_results_total(res) == want);
    CHECK(dp_results_count(res) == want);
    /* every hit's score is the BM25 of its full match count */
    for (size_t i = 0; i < dp_results_count(res) && !test_failed_now; i++) {
        const dp__segment *hg;
        uint32_t d;
        CHECK_EQ_INT(dp__results_doc(res, i, &hg, &d), DP_OK);
        double dl = (double)dp__seg_doc_len(g, d);
        double s = dp__bm25(ev.idf[q->root->id], tf[d], dl, ev.avgdl);
        CHECK(tf[d] > 0 && fabs(res->hits[i].score - s) < 1e-9);
    }
    /* the top 10, where the bound of a phrase on a document spares
    ** finding its other occurrences, are the first 10 of the full list */
    dp_results *top;
    so.limit = 10;
    CHECK_EQ_INT(dp_search(ar, q, &so, &top), DP_OK);
    CHECK(dp_results_total(top) == want);
    CHECK(dp_results_count(top) == (want < 10 ? want : 10));
    for (size_t i = 0; i < dp_results_count(top); i++)
        CHECK(top->hits[i].addr == res->hits[i].addr &&
              top->hits[i].score == res->hits[i].score);
    dp_results_free(top);
    if (test_failed_now)
        printf("  phrase %s: count %llu, want %llu\n", text,
               (unsigned long long)count, (unsigned long long)want);
    free(tf);
    dp__eval_free(&ev);
    dp__snap_close(snap);
    dp_results_free(res);
    dp_query_free(q);
}

TEST(phrases_against_full_decoding)
{
    static const char *const phrases[] = {
        "\"ajouter aux favoris\"", "\"aux favoris\"", "\"ajouter aux\"",
        "\"de la maison\"", "\"aux de\"", "\"de aux\"", "\"la maison rouge\"",
        "\"guerre en ukraine\"", "\"cinq ans\"", "\"quelques mois\"",
        "\"champion du monde\"", "\"la nuit aux\"",
        "\"aux aux\"", "\"de de de\"", "\"maison aux maison\"",
        "\"favoris ajouter\""};
    int rc = build_archive();
    CHECK_EQ_INT(rc, DP_OK);
    if (rc != DP_OK)
        return;
    /* every document ends in "aux de"; 429 of the 3000 are deleted */
    CHECK(count_of("aux") == 3000 - 429);
    for (size_t i = 0; i < DP_ARRAY_LEN(phrases) && !test_failed_now; i++)
        check_phrase(phrases[i]);
}

static uint64_t count_of(const char *text)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_query_error qe;
    dp_query *q;
    uint64_t n = UINT64_MAX;
    qo.analyzer = an;
    CHECK_EQ_INT(dp_query_parse(text, strlen(text), &qo, &q, &qe), DP_OK);
    CHECK_EQ_INT(dp_count(ar, q, &n), DP_OK);
    dp_query_free(q);
    return n;
}

/* NEAR takes every occurrence of a phrase, not only the first one that
** tells the document matches: five documents hold "alpha beta" twice,
** gamma right after the second only. */
TEST(phrase_occurrences_for_near)
{
    if (ar == NULL)
        SKIP("no archive (phrases_against_full_decoding failed)");
    CHECK(count_of("\"alpha beta\"") == 5);
    CHECK(count_of("\"alpha beta\" NEAR/1 gamma") == 5);
    CHECK(count_of("\"alpha beta\" NEAR/0 gamma") == 0);
    CHECK(count_of("\"alpha beta\" NEAR/0 \"beta gamma\"") == 5);
    CHECK(count_of("\"beta alpha\"") == 0);
    CHECK(count_of("\"alpha beta gamma\"") == 5);
    CHECK(count_of("\"alpha beta nuit\"") == 5);
    CHECK(count_of("\"alpha beta aux\"") == 0);
}

TEST(cleanup)
{
    dp_analyzer_free(an);
    dp_archive_close(ar);
    if (adir[0])
        CHECK_EQ_INT(test_rm_rf(adir), 0);
}

TEST_MAIN()
