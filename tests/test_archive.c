/* test_archive.c -- the archive: round trip, replace, delete, merges,
** snapshots, the writer lock, damaged files, allocation failures. */
#include "store.h"
#include "test.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/**************************************************************************
** Helpers.
*/

/* The archives of these tests are thrown away: skip fsync (the crash
** tests of tests/cli/test_crash.sh keep it). */
__attribute__((constructor)) static void no_sync(void)
{
    setenv("DEPECHE_UNSAFE_NOSYNC", "1", 1);
}

static char *tmp_archive(void)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/dp-test-archive.XXXXXX");
    if (mkdtemp(path) == NULL)
        return NULL;
    return path;
}

static dp_record rec_make(const char *id, const char *date, const char *title,
                          const char *text)
{
    dp_record r;
    memset(&r, 0, sizeof r);
    r.id.p = id;
    r.id.n = strlen(id);
    dp_date_parse(date, strlen(date), &r.date, NULL);
    r.title.p = title;
    r.title.n = strlen(title);
    r.text.p = text;
    r.text.n = strlen(text);
    r.source.p = "lemonde.fr";
    r.source.n = 10;
    r.lang.p = "fr";
    r.lang.n = 2;
    return r;
}

static int add_one(dp_writer *w, const char *id, const char *date,
                   const char *title, const char *text)
{
    dp_record r = rec_make(id, date, title, text);
    return dp_writer_add(w, &r, NULL);
}

/* Number of live docs containing term (summed over segments). */
static long term_docs(dp__snap *s, const char *term)
{
    long n = 0;
    for (size_t i = 0; i < dp__snap_nsegs(s); i++) {
        const dp__segment *g = dp__snap_seg(s, i);
        dp__term_info t;
        dp__postings *p;
        if (dp__seg_term_find(g, term, strlen(term), &t) != DP_OK)
            continue;
        if (dp__postings_open(g, &t, -1, 0, &p) != DP_OK)
            return -1;
        while (dp__postings_next(p) == DP_OK)
            n++;
        dp__postings_free(p);
    }
    return n;
}

/* Canonical dump of an archive: per live doc (by id) its columns and
** record, per term the (id, positions, forms) of each live doc.  Two
** archives holding the same documents dump the same, whatever their
** segments. */
static int dump_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *dump_archive(dp_archive *a)
{
    dp__snap *s;
    dp_buf out = DP_BUF_INIT;
    char **lines = NULL;
    size_t n = 0, cap = 0;
    if (dp__snap_open(a, &s) != DP_OK)
        return NULL;
    for (size_t i = 0; i < dp__snap_nsegs(s); i++) {
        const dp__segment *g = dp__snap_seg(s, i);
        dp__fetch f = DP__FETCH_INIT;
        dp__term_iter *it;
        dp__term_info t;
        dp_slice term;
        for (uint32_t d = 0; d < dp__seg_ndocs(g); d++) {
            dp__doc_cols c;
            dp_record r;
            dp_buf l = DP_BUF_INIT;
            if (dp__seg_is_deleted(g, d))
                continue;
            dp__seg_doc_cols(g, d, &c);
            dp_slice id = dp__seg_doc_id(g, d);
            dp_slice src = dp__seg_source_name(g, c.source);
            if (dp__seg_fetch(g, d, &f, &r) != DP_OK)
                return NULL;
            dp__buf_printf(&l, "doc %.*s len=%u tlen=%u lang=%s src=%.*s "
                           "day=%d prec=%d title=%.*s text=%.*s",
                           (int)id.n, id.p, c.length, c.title_len, c.lang,
                           (int)src.n, src.p, dp__seg_doc_day(g, d),
                           c.date.prec, (int)r.title.n, r.title.p,
                           (int)r.text.n, r.text.p);
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                lines = realloc(lines, cap * sizeof *lines);
            }
            lines[n++] = l.p;
        }
        dp__fetch_free(&f);
        dp__term_iter_open(g, "", 0, &it);
        while (dp__term_iter_next(it, &term, &t) == DP_OK) {
            dp__postings *p;
            dp__postings_open(g, &t, -1, DP__POST_POSITIONS, &p);
            while (dp__postings_next(p) == DP_OK) {
                const uint32_t *pos, *forms;
                size_t np;
                dp_buf l = DP_BUF_INIT;
                dp_slice id = dp__seg_doc_id(g, dp__postings_doc(p));
                dp__postings_positions(p, &pos, &forms, &np);
                dp__buf_printf(&l, "term %.*s %.*s freq=%u:", (int)term.n,
                               term.p, (int)id.n, id.p, dp__postings_freq(p));
                for (size_t k = 0; k < np; k++) {
                    dp__form_buf fb;
                    dp__term_form(g, &t, forms[k], &fb);
                    dp__buf_printf(&l, " %u/%.*s", pos[k],
                                   (int)fb.info.form.n, fb.info.form.p);
                }
                if (n == cap) {
                    cap = cap ? cap * 2 : 256;
                    lines = realloc(lines, cap * sizeof *lines);
                }
                lines[n++] = l.p;
            }
            dp__postings_free(p);
        }
        dp__term_iter_free(it);
    }
    qsort(lines, n, sizeof *lines, dump_cmp);
    for (size_t i = 0; i < n; i++) {
        dp__buf_printf(&out, "%s\n", lines[i]);
        dp__free(lines[i]);
    }
    free(lines);
    dp__snap_close(s);
    return out.p ? out.p : dp__strndup("", 0);
}

static const char *texts[] = {
    "Le président Macron a appelé Vladimir Poutine au téléphone.",
    "Les présidents des Etats-Unis et de la France se sont parlé.",
    "L'Otan renforce sa présence en Roumanie, selon le Pentagone.",
    "Les élections présidentielles auront lieu en avril.",
    "Le Kremlin dément toute intention d'envahir l'Ukraine.",
    "La Roumanie accueille des soldats français de l'Otan.",
};

/* Add docs doc0..doc(n-1) built from texts, a few ids twice. */
static int add_corpus(dp_writer *w, int n)
{
    char id[32], date[32], title[64];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "doc%d", i % 7 == 6 ? i - 3 : i);
        snprintf(date, sizeof date, "2022-%02d-%02d", 1 + i % 12, 1 + i % 28);
        snprintf(title, sizeof title, "Titre %d président", i);
        int rc = add_one(w, id, date, title, texts[i % 6]);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

/**************************************************************************
** Tests.
*/

TEST(roundtrip)
{
    char *dir = tmp_archive();
    dp_archive *a;
    dp_writer *w;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    CHECK_EQ_INT(add_one(w, "a1", "2022-01-28", "Macron appelle Poutine",
                         "Le président Macron a appelé Poutine. Les présidents parlent."),
                 DP_OK);
    CHECK_EQ_INT(add_one(w, "a2", "2022-01", "", "Poutine répond au président."),
                 DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);

    dp__snap *s;
    CHECK_EQ_INT(dp__snap_open(a, &s), DP_OK);
    CHECK_EQ_INT(dp__snap_nsegs(s), 1);
    CHECK_EQ_INT(dp__snap_live_docs(s), 2);
    const dp__segment *g = dp__snap_seg(s, 0);
    size_t seg;
    uint32_t d;
    CHECK_EQ_INT(dp__snap_find_id(s, "a2", 2, &seg, &d), DP_OK);
    CHECK_EQ_INT(d, 1);
    CHECK_EQ_INT(dp__snap_find_id(s, "a3", 2, &seg, &d), DP_ENOTFOUND);
    dp__doc_cols c;
    dp__seg_doc_cols(g, 0, &c);
    CHECK_EQ_INT(c.date.year, 2022);
    CHECK_EQ_INT(c.date.day, 28);
    CHECK_EQ_INT(c.title_len, 3);
    CHECK_EQ_STR(c.lang, "fr");
    CHECK_EQ_SLICE(dp__seg_source_name(g, c.source), "lemonde.fr");
    dp__seg_doc_cols(g, 1, &c);
    CHECK_EQ_INT(c.date.prec, DP_PREC_MONTH);
    CHECK_EQ_INT(c.title_len, 0);
    CHECK_EQ_INT(c.length, 4);
    CHECK_EQ_INT(dp__seg_doc_day(g, 1), 18993); /* 2022-01-01 */
    CHECK_EQ_INT(dp__snap_total_tokens(s),
                 dp__seg_doc_len(g, 0) + dp__seg_doc_len(g, 1));

    /* "poutin" (stem of Poutine): in the title of a1 (pos 2) and body */
    dp__term_info t;
    dp__postings *p;
    CHECK_EQ_INT(dp__seg_term_find(g, "poutin", 6, &t), DP_OK);
    CHECK_EQ_INT(t.df, 2);
    CHECK_EQ_INT(t.cf, 3);
    CHECK_EQ_INT(dp__postings_open(g, &t, -1, DP__POST_POSITIONS, &p), DP_OK);
    CHECK_EQ_INT(dp__postings_next(p), DP_OK);
    CHECK_EQ_INT(dp__postings_doc(p), 0);
    CHECK_EQ_INT(dp__postings_freq(p), 2);
    const uint32_t *pos, *forms;
    size_t np;
    dp__postings_positions(p, &pos, &forms, &np);
    CHECK_EQ_INT(np, 2);
    CHECK_EQ_INT(pos[0], 2);
    CHECK_EQ_INT(pos[1], 4 + 5); /* body from 4, "poutine" 6th word */
    CHECK_EQ_INT(dp__postings_next(p), DP_OK);
    CHECK_EQ_INT(dp__postings_doc(p), 1);
    CHECK_EQ_INT(dp__postings_next(p), DP_ENOTFOUND);
    dp__postings_free(p);

    /* forms of "president": president (2) and presidents (1) */
    CHECK_EQ_INT(dp__seg_term_find(g, "president", 9, &t), DP_OK);
    CHECK_EQ_INT(t.nforms, 2);
    dp__form_buf fb;
    CHECK_EQ_INT(dp__term_form(g, &t, 0, &fb), DP_OK);
    CHECK_EQ_SLICE(fb.info.form, "president");
    CHECK_EQ_INT(fb.info.cf, 2);
    uint32_t fi;
    CHECK_EQ_INT(dp__term_form_find(g, &t, "presidents", 10, &fi), DP_OK);
    CHECK_EQ_INT(fi, 1);
    CHECK_EQ_INT(dp__postings_open(g, &t, (int)fi, DP__POST_POSITIONS, &p),
                 DP_OK);
    CHECK_EQ_INT(dp__postings_next(p), DP_OK);
    CHECK_EQ_INT(dp__postings_doc(p), 0);
    CHECK_EQ_INT(dp__postings_freq(p), 1);
    CHECK_EQ_INT(dp__postings_next(p), DP_ENOTFOUND);
    dp__postings_free(p);

    /* prefix iteration */
    dp__term_iter *it;
    dp_slice term;
    int k = 0;
    CHECK_EQ_INT(dp__term_iter_open(g, "pr", 2, &it), DP_OK);
    while (dp__term_iter_next(it, &term, &t) == DP_OK) {
        CHECK(term.n >= 2 && memcmp(term.p, "pr", 2) == 0);
        k++;
    }
    CHECK_EQ_INT(k, 1);
    dp__term_iter_free(it);

    dp__fetch f = DP__FETCH_INIT;
    dp_record r;
    CHECK_EQ_INT(dp__seg_fetch(g, 0, &f, &r), DP_OK);
    CHECK_EQ_SLICE(r.id, "a1");
    CHECK_EQ_SLICE(r.title, "Macron appelle Poutine");
    CHECK_EQ_SLICE(r.url, "");
    dp__fetch_free(&f);
    dp__snap_close(s);

    dp_record *got;
    CHECK_EQ_INT(dp_archive_get(a, "a2", 2, &got), DP_OK);
    CHECK_EQ_SLICE(got->text, "Poutine répond au président.");
    CHECK_EQ_INT(got->date.month, 1);
    dp_record_free(got);
    CHECK_EQ_INT(dp_archive_get(a, "zz", 2, &got), DP_ENOTFOUND);
    CHECK(got == NULL);

    dp_archive_stats st;
    CHECK_EQ_INT(dp_archive_stats_get(a, &st), DP_OK);
    CHECK_EQ_INT(st.documents, 2);
    CHECK_EQ_INT(st.segments, 1);
    CHECK_EQ_INT(st.sources, 1);
    CHECK_EQ_INT(st.n_langs, 1);
    CHECK_EQ_INT(st.date_min.month, 1);
    CHECK_EQ_INT(st.date_max.day, 28);
    CHECK(st.terms > 8);
    dp_archive_close(a);
    test_rm_rf(dir);
}

TEST(replace_and_delete)
{
    char *dir = tmp_archive();
    dp_archive *a;
    dp_writer *w;
    int replaced;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    CHECK_EQ_INT(add_one(w, "x", "2022", "", "ancienne version roumanie"), DP_OK);
    CHECK_EQ_INT(add_one(w, "y", "2022", "", "autre roumanie"), DP_OK);
    dp_record r = rec_make("x", "2022", "", "nouvelle version");
    CHECK_EQ_INT(dp_writer_add(w, &r, &replaced), DP_OK); /* in buffer */
    CHECK_EQ_INT(replaced, 1);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    r = rec_make("x", "2022", "", "troisième version");
    CHECK_EQ_INT(dp_writer_add(w, &r, &replaced), DP_OK); /* committed */
    CHECK_EQ_INT(replaced, 1);
    CHECK_EQ_INT(dp_writer_delete(w, "y", 1), DP_OK);
    CHECK_EQ_INT(dp_writer_delete(w, "y", 1), DP_ENOTFOUND);
    CHECK_EQ_INT(dp_writer_delete(w, "nope", 4), DP_ENOTFOUND);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_stats ws;
    dp_writer_stats_get(w, &ws);
    CHECK_EQ_INT(ws.added, 4);
    CHECK_EQ_INT(ws.replaced, 2);
    CHECK_EQ_INT(ws.deleted, 1);
    dp_writer_close(w);

    dp__snap *s;
    CHECK_EQ_INT(dp__snap_open(a, &s), DP_OK);
    CHECK_EQ_INT(dp__snap_live_docs(s), 1);
    CHECK_EQ_INT(term_docs(s, "rouman"), 0);
    CHECK_EQ_INT(term_docs(s, "version"), 1);
    CHECK_EQ_INT(term_docs(s, "troisiem"), 1);
    CHECK_EQ_INT(term_docs(s, "nouvel"), 0);
    dp__snap_close(s);
    dp_record *got;
    CHECK_EQ_INT(dp_archive_get(a, "x", 1, &got), DP_OK);
    CHECK_EQ_SLICE(got->text, "troisième version");
    dp_record_free(got);
    CHECK_EQ_INT(dp_archive_get(a, "y", 1, &got), DP_ENOTFOUND);

    /* optimize drops the deleted docs, keeps the live one */
    CHECK_EQ_INT(dp_archive_optimize(a), DP_OK);
    dp_archive_stats st;
    CHECK_EQ_INT(dp_archive_stats_get(a, &st), DP_OK);
    CHECK_EQ_INT(st.segments, 1);
    CHECK_EQ_INT(st.documents, 1);
    CHECK_EQ_INT(st.deleted, 0);
    dp_archive_close(a);
    test_rm_rf(dir);
}

/* Build the same documents with one segment and with many (tiny memory
** limit: a flush per document, merges), then optimize: same dump. */
TEST(merge_preserves_everything)
{
    char *d1 = strdup(tmp_archive()), *d2 = strdup(tmp_archive());
    dp_archive *a1, *a2;
    dp_writer *w;
    dp_writer_options o = DP_WRITER_OPTIONS_INIT;
    CHECK_EQ_INT(dp_archive_open(&a1, d1, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a1, NULL, &w), DP_OK);
    CHECK_EQ_INT(add_corpus(w, 150), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);

    CHECK_EQ_INT(dp_archive_open(&a2, d2, DP_ARCHIVE_CREATE), DP_OK);
    o.memory_limit = 1;
    CHECK_EQ_INT(dp_writer_begin(a2, &o, &w), DP_OK);
    CHECK_EQ_INT(add_corpus(w, 100), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    CHECK_EQ_INT(add_corpus(w, 150), DP_OK); /* replaces all 100 */
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_stats ws;
    dp_writer_stats_get(w, &ws);
    CHECK(ws.merges > 10);
    dp_writer_close(w);

    dp_archive_stats st;
    CHECK_EQ_INT(dp_archive_stats_get(a2, &st), DP_OK);
    CHECK(st.segments > 1 && st.segments < 30);
    CHECK_EQ_INT(st.documents, 150 - 150 / 7);

    char *x1 = dump_archive(a1), *x2 = dump_archive(a2);
    CHECK(x1 != NULL && x2 != NULL);
    CHECK(x1 && x2 && strcmp(x1, x2) == 0);
    CHECK(x1 && strstr(x1, "term rouman doc2 freq=1: 9/roumanie") != NULL);
    CHECK_EQ_INT(dp_archive_optimize(a2), DP_OK);
    char *x3 = dump_archive(a2);
    CHECK(x3 && x1 && strcmp(x1, x3) == 0);
    CHECK_EQ_INT(dp_archive_stats_get(a2, &st), DP_OK);
    CHECK_EQ_INT(st.segments, 1);
    dp__free(x1);
    dp__free(x2);
    dp__free(x3);
    dp_archive_close(a1);
    dp_archive_close(a2);
    test_rm_rf(d1);
    test_rm_rf(d2);
    free(d1);
    free(d2);
}

/* The buffer keeps its records compressed in STORE blocks as they come
** (docstore.c, dp__zstore); a flush keeps the blocks whose records all
** live and rebuilds those holding a record replaced or deleted while in
** the buffer.  Several blocks, some of each kind: every record must come
** back as its last version, none of the dropped ones. */
static void long_text(char *buf, size_t cap, int doc, int version)
{
    size_t n = 0;
    for (int k = 0; n + 64 < cap; k++)
        n += (size_t)snprintf(buf + n, cap - n, "mot%d version%d texte%d ",
                              doc * 31 + k, version, k);
}

TEST(store_blocks_rebuilt_at_flush)
{
    enum { NDOCS = 400, TEXT = 3000 };
    char *dir = tmp_archive(), id[32], text[TEXT];
    dp_archive *a;
    dp_writer *w;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    for (int d = 0; d < NDOCS; d++) {
        snprintf(id, sizeof id, "d%d", d);
        long_text(text, sizeof text, d, 1);
        CHECK_EQ_INT(add_one(w, id, "2022-01-01", "titre", text), DP_OK);
    }
    /* in the buffer: replace every 50th of the first half, delete d7 */
    for (int d = 0; d < NDOCS / 2; d += 50) {
        snprintf(id, sizeof id, "d%d", d);
        long_text(text, sizeof text, d, 2);
        CHECK_EQ_INT(add_one(w, id, "2022-01-01", "titre", text), DP_OK);
    }
    CHECK_EQ_INT(dp_writer_delete(w, "d7", 2), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);

    dp__snap *s;
    CHECK_EQ_INT(dp__snap_open(a, &s), DP_OK);
    CHECK_EQ_INT(dp__snap_nsegs(s), 1);
    CHECK_EQ_INT(dp__snap_live_docs(s), NDOCS - 1);
    /* 400 records of 3 kB: at least four blocks of 256 KiB */
    CHECK(dp__snap_seg(s, 0)->file->store_nblocks >= 4);
    dp__snap_close(s);
    for (int d = 0; d < NDOCS; d++) {
        dp_record *got;
        snprintf(id, sizeof id, "d%d", d);
        int rc = dp_archive_get(a, id, strlen(id), &got);
        if (d == 7) {
            CHECK_EQ_INT(rc, DP_ENOTFOUND);
            continue;
        }
        CHECK_EQ_INT(rc, DP_OK);
        if (rc != DP_OK)
            continue;
        long_text(text, sizeof text, d, d < NDOCS / 2 && d % 50 == 0 ? 2 : 1);
        CHECK_EQ_SLICE(got->text, text);
        dp_record_free(got);
    }
    dp_archive_close(a);
    test_rm_rf(dir);
}

/* Documents longer than 65,535 words: the query's cursors take each
** document's length (for its Rice parameter) from a 16-bit table with an
** escape to COLS.  "zebre girafe" stands once, far in, in each long
** document: a parameter from a length cut to 16 bits (15 where 110,000
** words give 16) would shift its positions and lose the phrase. */
static long phrase_count(dp_archive *a, const char *text)
{
    dp_query *q = NULL;
    uint64_t c = 0;
    if (dp_query_parse(text, strlen(text), NULL, &q, NULL) != DP_OK)
        return -1;
    int rc = dp_count(a, q, &c);
    dp_query_free(q);
    return rc == DP_OK ? (long)c : -1;
}

TEST(long_documents_positions)
{
    enum { WORDS = 110000 };
    char *dir = tmp_archive(), id[32];
    dp_buf text = {0};
    dp_archive *a;
    dp_writer *w;
    long lion_after = 0, tigre_before = 0;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    for (int d = 0; d < 40; d++) {
        /* every fourth document long, the others short */
        int words = d % 4 == 1 ? WORDS + d : 20 + d, at = words - 7 - d % 5;
        lion_after += (at + 1) % 3 != 0;
        tigre_before += (at - 1) % 3 == 0;
        dp__buf_clear(&text);
        for (int k = 0; k < words; k++) {
            const char *wd = k == at ? "zebre girafe"
                             : k % 3 ? "lion" : "tigre";
            CHECK_EQ_INT(dp__buf_append(&text, wd, strlen(wd)), DP_OK);
            CHECK_EQ_INT(dp__buf_append(&text, " ", 1), DP_OK);
        }
        CHECK_EQ_INT(dp__buf_append(&text, "", 1), DP_OK);
        snprintf(id, sizeof id, "d%d", d);
        CHECK_EQ_INT(add_one(w, id, "2022-01-01", "titre", text.p), DP_OK);
    }
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);
    CHECK_EQ_INT(phrase_count(a, "\"zebre girafe\""), 40);
    CHECK_EQ_INT(phrase_count(a, "\"girafe lion\""), lion_after);
    CHECK_EQ_INT(phrase_count(a, "\"girafe zebre\""), 0);
    CHECK_EQ_INT(phrase_count(a, "\"tigre zebre girafe\""), tigre_before);
    CHECK(lion_after > 0 && lion_after < 40 && tigre_before > 0);

    /* The phrases built each segment's table of 16-bit lengths, which
    ** dp__seg_doc_len then reads (scoring): a long document's length is
    ** escaped there and must still come out whole, as in its row. */
    dp__snap *s;
    int nlong = 0;
    CHECK_EQ_INT(dp__snap_open(a, &s), DP_OK);
    for (size_t i = 0; i < dp__snap_nsegs(s); i++) {
        const dp__segment *g = dp__snap_seg(s, i);
        const uint16_t *lens;
        CHECK_EQ_INT(dp__seg_doc_lens(g, &lens), DP_OK);
        for (uint32_t d = 0; d < dp__seg_ndocs(g); d++) {
            dp__doc_cols c;
            dp__seg_doc_cols(g, d, &c);
            CHECK_EQ_INT(dp__seg_doc_len(g, d), c.length);
            CHECK_EQ_INT(lens[d], c.length < DP__DLEN_ESC ? c.length
                                                          : DP__DLEN_ESC);
            nlong += c.length > WORDS;
        }
    }
    CHECK_EQ_INT(nlong, 10);
    dp__snap_close(s);
    dp__buf_free(&text);
    dp_archive_close(a);
    test_rm_rf(dir);
}

/* Words counted through the writer's table of known plain words (one
** thread: writer_pipe.c's known_take) and through the pipe (two threads)
** must give every form its exact count (cf), which orders a term's forms
** in its segment.  "arbres" is a plain word, counted in the table after
** its first occurrence; "arbre" comes after an elision ("l'arbre"), so it
** never is, and is counted in the pair table at once.  The plural, four
** times a document against three, must come first with its full count.
** A small buffer makes several flushes (each must add the table's counts
** before writing), and 200 distinct filler words per document make the
** pair table grow (the counts are added and the table emptied first). */
static void letters_word(char *w, unsigned k)
{
    for (int i = 0; i < 5; i++, k /= 26) /* "baaaa", "caaaa", ... */
        w[i] = (char)('a' + (i == 0 ? 1 + k % 25 : k % 26));
    w[5] = '\0';
}

static void known_words(int threads)
{
    enum { NDOCS = 120, FILLER = 200 };
    char *dir = tmp_archive(), id[32], text[4096], fw[8];
    dp_writer_options o = DP_WRITER_OPTIONS_INIT;
    dp_archive *a;
    dp_writer *w;
    o.threads = threads;
    o.memory_limit = 2 << 20; /* tens of documents a segment */
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, &o, &w), DP_OK);
    for (int d = 0; d < NDOCS; d++) {
        size_t n = (size_t)snprintf(text, sizeof text, "arbres l'arbre "
                                    "arbres l'arbre arbres l'arbre arbres");
        for (unsigned k = 0; k < FILLER; k++) {
            letters_word(fw, (unsigned)d * FILLER + k);
            n += (size_t)snprintf(text + n, sizeof text - n, " %s", fw);
        }
        snprintf(id, sizeof id, "d%d", d);
        CHECK_EQ_INT(add_one(w, id, "2022-01-01", "titre", text), DP_OK);
    }
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);

    dp__snap *s;
    uint64_t cf_one = 0, cf_plural = 0;
    CHECK_EQ_INT(dp__snap_open(a, &s), DP_OK);
    CHECK(dp__snap_nsegs(s) >= 3);
    for (size_t i = 0; i < dp__snap_nsegs(s); i++) {
        const dp__segment *g = dp__snap_seg(s, i);
        dp__term_info t;
        CHECK_EQ_INT(dp__seg_term_find(g, "arbre", 5, &t), DP_OK);
        CHECK_EQ_INT(t.nforms, 2);
        for (uint32_t f = 0; f < t.nforms && !test_failed_now; f++) {
            dp__form_buf fb;
            CHECK_EQ_INT(dp__term_form(g, &t, f, &fb), DP_OK);
            bool plural = fb.info.form.n == 6;
            CHECK_EQ_INT(plural, f == 0); /* most frequent first */
            *(plural ? &cf_plural : &cf_one) += fb.info.cf;
        }
    }
    CHECK_EQ_INT(cf_plural, 4 * NDOCS);
    CHECK_EQ_INT(cf_one, 3 * NDOCS);
    dp__snap_close(s);
    dp_archive_close(a);
    test_rm_rf(dir);
}

/* The end of the two tests below.  rc is what the writer answered after
** the failure: DP_EINVAL when it asks for an abort (it is aborted, and
** false returned); else it is committed and the first form of "arbre"
** in its one segment must be `form`, with count cf unless that is 0.
** Closes w and a and removes dir. */
static bool check_arbre(char *dir, dp_archive *a, dp_writer *w, int rc,
                        const char *form, uint64_t cf)
{
    bool kept = rc != DP_EINVAL;
    if (kept) {
        CHECK_EQ_INT(rc, DP_OK);
        CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    } else {
        dp_writer_abort(w);
    }
    dp_writer_close(w);
    dp__snap *s = NULL;
    if (kept && dp__snap_open(a, &s) == DP_OK) {
        CHECK_EQ_INT(dp__snap_nsegs(s), 1);
        dp__term_info t;
        dp__form_buf first;
        if (dp__snap_nsegs(s) == 1 &&
            dp__seg_term_find(dp__snap_seg(s, 0), "arbre", 5, &t) == DP_OK &&
            dp__term_form(dp__snap_seg(s, 0), &t, 0, &first) == DP_OK) {
            CHECK_EQ_SLICE(first.info.form, form);
            CHECK(cf == 0 || first.info.cf == cf);
        } else {
            CHECK(!"no form of arbre");
        }
        dp__snap_close(s);
    } else {
        CHECK(!kept);
    }
    dp_archive_close(a);
    test_rm_rf(dir);
    return kept;
}

/* A record refused after its analysis (here out of memory while its
** tokens are packed, after known words were found in the table) must
** count none of its words: the forms of "arbre" keep the order of an
** archive without it (the singular, four times, first).  Each allocation
** of that add fails in turn.  (Found in review: the counts used to be
** taken by the analysis, before the record was accepted.) */
static void refused_add_counts_nothing(long fail_at, int *refused)
{
    static char big[20000 * 7 + 1], pad[210000];
    char *dir = tmp_archive();
    dp_writer_options o = DP_WRITER_OPTIONS_INIT;
    dp_archive *a;
    dp_writer *w;
    o.threads = 0;
    for (size_t i = 0; i < 20000; i++)
        memcpy(big + 7 * i, "arbres ", 7);
    memset(pad, 'a', sizeof pad - 1); /* sizes the writer's buffers */
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, &o, &w), DP_OK);
    CHECK_EQ_INT(add_one(w, "d0", "2022-01-01", "titre", pad), DP_OK);
    CHECK_EQ_INT(add_one(w, "d1", "2022-01-01", "titre",
                         "arbres arbres l'arbre l'arbre l'arbre l'arbre"),
                 DP_OK);
    dp__alloc_fail_after(fail_at);
    int rc = add_one(w, "d2", "2022-01-01", "titre", big);
    dp__alloc_fail_after(-1);
    *refused = rc != DP_OK;
    CHECK(rc == DP_OK || rc == DP_ENOMEM);
    /* d2 failed halfway into the buffer, past its analysis: the writer
    ** asks for an abort (failed_add_needs_abort tests that).  Without d2:
    ** "arbre" 4, "arbres" 2; with it, "arbres" 20,002 */
    rc = add_one(w, "d3", "2022-01-01", "titre", "maison");
    if (!check_arbre(dir, a, w, rc, *refused ? "arbre" : "arbres",
                     *refused ? 4 : 20002))
        *refused = 2;
}

/* The same when the failure falls while the record's words are
** interned: "l'arbre" (never a known word) was counted five times before
** the new words that fail, so the writer must not go on as if the record
** had added nothing (it asks for an abort).  A record refused whole
** leaves "arbres" (3) before "arbre" (2); one taken puts "arbre" (7)
** first. */
static void interning_fails(long fail_at, int *outcome)
{
    static char d2[8192];
    char *dir = tmp_archive();
    dp_writer_options o = DP_WRITER_OPTIONS_INIT;
    dp_archive *a;
    dp_writer *w;
    size_t n = (size_t)snprintf(d2, sizeof d2, "l'arbre l'arbre l'arbre "
                                "l'arbre l'arbre");
    char fw[8];
    for (unsigned k = 0; k < 60; k++) {
        letters_word(fw, k);
        n += (size_t)snprintf(d2 + n, sizeof d2 - n, " %s", fw);
    }
    o.threads = 0;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, &o, &w), DP_OK);
    CHECK_EQ_INT(add_one(w, "d1", "2022-01-01", "titre",
                         "arbres arbres arbres l'arbre l'arbre"), DP_OK);
    dp__alloc_fail_after(fail_at);
    int rc = add_one(w, "d2", "2022-01-01", "titre", d2);
    dp__alloc_fail_after(-1);
    *outcome = rc == DP_OK ? 0 : 1;
    rc = rc == DP_OK ? DP_OK : dp_writer_commit(w);
    if (!check_arbre(dir, a, w, rc, *outcome ? "arbres" : "arbre", 0))
        *outcome = 2; /* halfway: abort asked */
}

TEST(interning_failure_needs_abort)
{
    int outcome = 1, seen[3] = {0, 0, 0};
    for (long n = 0; outcome && n < 3000 && !test_failed_now; n++) {
        interning_fails(n, &outcome);
        seen[outcome]++;
    }
    CHECK_EQ_INT(outcome, 0); /* the add went through in the end */
    CHECK(seen[1] > 0);       /* refused whole, before its interning */
    CHECK(seen[2] > 0);       /* failed halfway: an abort asked */
}

TEST(refused_add_counts_no_known_word)
{
    int refused = 1, nrefused = 0;
    for (long n = 0; refused && n < 200 && !test_failed_now; n++) {
        refused_add_counts_nothing(n, &refused);
        nrefused += refused == 1;
    }
    CHECK(!refused);      /* the add went through in the end */
    CHECK(nrefused >= 2); /* and was refused whole before that */
}

TEST(known_words_counted)
{
    known_words(0);
    known_words(1);
}

/* A new archive in dir and its writer (threads: dp_writer_options'). */
static int new_archive(const char *dir, int threads, dp_archive **a,
                       dp_writer **w)
{
    dp_writer_options o = DP_WRITER_OPTIONS_INIT;
    o.threads = threads;
    int rc = dp_archive_open(a, dir, DP_ARCHIVE_CREATE);
    return rc ? rc : dp_writer_begin(*a, &o, w);
}

/* A commit that fails on its n-th allocation is tried again: every
** record must then read back as its last version, or, when the failure
** lost a record (two threads: the records waiting in the pipe), the
** retry must say so (DP_EINVAL) and commit nothing.  The flush cuts the
** last STORE block first: a failure there must keep its records. */
static int add_versions(dp_writer *w, int ndocs)
{
    char id[32], text[3000];
    int rc = DP_OK;
    for (int i = 0; i < ndocs + 3 && rc == DP_OK; i++) {
        int d = i < ndocs ? i : (i - ndocs) * 7; /* then d0, d7, d14 again */
        if (i == ndocs) /* a delete takes the pipe in: the new versions of
                        ** d0, d7, d14 wait there for the commit */
            rc = dp_writer_delete(w, "d3", 2);
        snprintf(id, sizeof id, "d%d", d);
        long_text(text, sizeof text, d, i < ndocs ? 1 : 2);
        if (rc == DP_OK)
            rc = add_one(w, id, "2022-01-28", "titre", text);
    }
    return rc;
}

static void commit_retried(int threads)
{
    enum { NDOCS = 24 };
    char id[32], text[3000];
    int retried = 0;
    for (long n = 0; n < 3000; n++) {
        char *dir = tmp_archive();
        dp_archive *a;
        dp_writer *w;
        CHECK_EQ_INT(new_archive(dir, threads, &a, &w), DP_OK);
        CHECK_EQ_INT(add_versions(w, NDOCS), DP_OK);
        dp__alloc_fail_after(n);
        int rc = dp_writer_commit(w);
        dp__alloc_fail_after(-1);
        bool done = rc == DP_OK;
        if (!done) {
            retried++;
            rc = dp_writer_commit(w);
            if (threads == 0)
                CHECK_EQ_INT(rc, DP_OK);
            else
                CHECK(rc == DP_OK || rc == DP_EINVAL);
        }
        dp_writer_close(w);
        for (int d = 0; d < NDOCS; d++) {
            dp_record *got;
            snprintf(id, sizeof id, "d%d", d);
            int g = dp_archive_get(a, id, strlen(id), &got);
            CHECK_EQ_INT(g, d == 3 || rc != DP_OK ? DP_ENOTFOUND : DP_OK);
            if (g != DP_OK)
                continue;
            long_text(text, sizeof text, d, d % 7 == 0 && d <= 14 ? 2 : 1);
            CHECK_EQ_SLICE(got->text, text);
            dp_record_free(got);
        }
        dp_archive_close(a);
        test_rm_rf(dir);
        if (done)
            break;
    }
    CHECK(retried > 10); /* the failures reached into the flush */
}

TEST(commit_retried_after_alloc_failure)
{
    commit_retried(0);
    commit_retried(1);
}

/* An add that fails halfway (allocation n) leaves its record partly in
** the buffer: the writer then refuses commits and adds (DP_EINVAL) until
** it is aborted, and the archive keeps its last commit.  Before, such a
** commit wrote a segment whose parts disagreed (or overflowed). */
TEST(failed_add_needs_abort)
{
    int failed = 0, refused = 0;
    for (long n = 0; n < 2000; n++) {
        char *dir = tmp_archive(), id[32];
        dp_archive *a;
        dp_writer *w;
        CHECK_EQ_INT(new_archive(dir, 0, &a, &w), DP_OK);
        CHECK_EQ_INT(add_one(w, "a", "2022", "", "premier texte du monde"),
                     DP_OK);
        CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
        for (int d = 0; d < 6; d++) {
            snprintf(id, sizeof id, "d%d", d);
            CHECK_EQ_INT(add_one(w, id, "2022", "", "texte du monde"), DP_OK);
        }
        dp__alloc_fail_after(n);
        int rc = add_one(w, "last", "2022", "titre", "un dernier texte");
        dp__alloc_fail_after(-1);
        if (rc == DP_OK) {
            CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
            dp_writer_close(w);
            dp_archive_close(a);
            test_rm_rf(dir);
            break;
        }
        failed++;
        CHECK_EQ_INT(rc, DP_ENOMEM);
        rc = dp_writer_commit(w);
        refused += rc == DP_EINVAL;
        if (rc == DP_EINVAL) {
            CHECK(strstr(dp_writer_errmsg(w), "abort") != NULL);
            CHECK_EQ_INT(add_one(w, "x", "2022", "", "encore"), DP_EINVAL);
        } else {
            CHECK_EQ_INT(rc, DP_OK); /* failed before touching the buffer */
        }
        dp_writer_abort(w);
        CHECK_EQ_INT(add_one(w, "b", "2022", "", "second texte"), DP_OK);
        CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
        dp_writer_close(w);
        dp_record *got;
        CHECK_EQ_INT(dp_archive_get(a, "a", 1, &got), DP_OK);
        if (got)
            dp_record_free(got);
        CHECK_EQ_INT(dp_archive_get(a, "b", 1, &got), DP_OK);
        if (got)
            dp_record_free(got);
        dp_archive_close(a);
        test_rm_rf(dir);
    }
    CHECK(failed > 5);
    CHECK(refused > 0);
}

TEST(snapshot_isolation)
{
    char *dir = tmp_archive();
    dp_archive *a, *b;
    dp_writer *w;
    dp__snap *s0;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    CHECK_EQ_INT(add_corpus(w, 20), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    CHECK_EQ_INT(dp_archive_open(&b, dir, DP_ARCHIVE_READ), DP_OK);
    CHECK_EQ_INT(dp__snap_open(b, &s0), DP_OK);
    long before = term_docs(s0, "rouman");
    CHECK(before > 0);
    /* delete some, add more, optimize: the old snapshot does not move */
    CHECK_EQ_INT(dp_writer_delete(w, "doc2", 4), DP_OK);
    CHECK_EQ_INT(add_one(w, "new", "2022", "", "roumanie roumanie"), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);
    CHECK_EQ_INT(dp_archive_optimize(a), DP_OK);
    CHECK_EQ_INT(term_docs(s0, "rouman"), before);
    CHECK_EQ_INT(dp__snap_live_docs(s0), 18);
    dp__snap *s1;
    CHECK_EQ_INT(dp__snap_open(b, &s1), DP_OK);
    CHECK_EQ_INT(term_docs(s1, "rouman"), before);  /* -1 +1 */
    CHECK_EQ_INT(dp__snap_live_docs(s1), 18);
    CHECK(dp__snap_generation(s1) > dp__snap_generation(s0));
    dp__fetch f = DP__FETCH_INIT;
    dp_record r;
    size_t seg;
    uint32_t d;
    CHECK_EQ_INT(dp__snap_find_id(s0, "doc2", 4, &seg, &d), DP_OK);
    CHECK_EQ_INT(dp__seg_fetch(dp__snap_seg(s0, seg), d, &f, &r), DP_OK);
    CHECK_EQ_SLICE(r.id, "doc2");
    dp__fetch_free(&f);
    dp__snap_close(s0);
    dp__snap_close(s1);
    dp_archive_close(b);
    dp_archive_close(a);
    test_rm_rf(dir);
}

TEST(second_writer_busy)
{
    char *dir = tmp_archive();
    dp_archive *a, *b;
    dp_writer *w, *w2;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_archive_open(&b, dir, DP_ARCHIVE_WRITE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(b, NULL, &w2), DP_EBUSY);
    CHECK(w2 == NULL);
    CHECK(strstr(dp_archive_errmsg(b), "LOCK") != NULL);
    CHECK_EQ_INT(dp_archive_optimize(b), DP_EBUSY);
    /* another process too */
    pid_t pid = fork();
    if (pid == 0) {
        dp_archive *c;
        dp_writer *w3;
        int rc = dp_archive_open(&c, dir, DP_ARCHIVE_WRITE);
        if (rc == DP_OK)
            rc = dp_writer_begin(c, NULL, &w3);
        _exit(rc == DP_EBUSY ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    dp_writer_close(w);
    CHECK_EQ_INT(dp_writer_begin(b, NULL, &w2), DP_OK);
    dp_writer_close(w2);
    dp_archive *ro;
    CHECK_EQ_INT(dp_archive_open(&ro, dir, DP_ARCHIVE_READ), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(ro, NULL, &w2), DP_EINVAL);
    dp_archive_close(ro);
    dp_archive_close(a);
    dp_archive_close(b);
    test_rm_rf(dir);
}

/* A missing MANIFEST beside segment files is damage: starting a writer
** must refuse, and must not delete the segments (it used to write an
** empty MANIFEST, and its clean-up then removed every segment). */
TEST(missing_manifest_keeps_segments)
{
    char *dir = tmp_archive(), path[512];
    dp_archive *a;
    dp_writer *w;
    dp_record r = rec_make("a", "2022-01-02", "Titre", "un texte");
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    CHECK_EQ_INT(dp_writer_add(w, &r, NULL), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);
    dp_archive_close(a);
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    CHECK_EQ_INT(unlink(path), 0);
    /* refused when the archive is opened for writing or, at the latest,
    ** when the writer starts */
    int rc = dp_archive_open(&a, dir, DP_ARCHIVE_CREATE);
    if (rc == DP_OK) {
        rc = dp_writer_begin(a, NULL, &w);
        if (rc == DP_OK)
            dp_writer_close(w);
    }
    CHECK_EQ_INT(rc, DP_ECORRUPT);
    CHECK(strstr(dp_archive_errmsg(a), "MANIFEST is missing") != NULL);
    dp_archive_close(a);
    snprintf(path, sizeof path, "%s/seg-000000000001.dps", dir);
    CHECK(access(path, F_OK) == 0);
    test_rm_rf(dir);
}

/* Dates given through the API are checked like the readers' dates: a
** part present without its precision (or missing with it) or outside the
** calendar is DP_EINVAL, and the writer goes on. */
TEST(writer_rejects_invalid_dates)
{
    char *dir = tmp_archive();
    dp_archive *a;
    dp_writer *w;
    dp_record r = rec_make("a", "2022-01-02", "Titre", "un texte");
    static const dp_date bad[] = {
        {2022, 0, 0, 0, 0, 0, DP_PREC_MONTH, 0, 0},  /* month missing */
        {2022, 13, 0, 0, 0, 0, DP_PREC_MONTH, 0, 0}, /* month 13 */
        {2022, 2, 29, 0, 0, 0, DP_PREC_DAY, 0, 0},   /* not a leap year */
        {2022, 1, 5, 0, 0, 0, DP_PREC_MONTH, 0, 0},  /* day beyond precision */
        {2022, 1, 1, 0, 0, 0, 9, 0, 0},              /* no such precision */
        {0, 0, 0, 0, 0, 0, DP_PREC_YEAR, 0, 0},      /* year 0 */
    };
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.date = bad[i];
        CHECK_EQ_INT(dp_writer_add(w, &r, NULL), DP_EINVAL);
        CHECK(strstr(dp_writer_errmsg(w), "invalid date") != NULL);
    }
    r = rec_make("b", "2024-02-29", "Titre", "un texte");
    CHECK_EQ_INT(dp_writer_add(w, &r, NULL), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);
    dp_archive_stats st;
    CHECK_EQ_INT(dp_archive_stats_get(a, &st), DP_OK);
    CHECK_EQ_INT(st.documents, 1);
    dp_archive_close(a);
    test_rm_rf(dir);
}

/* A segment whose trailer puts the section table at an offset that
** wraps around 2^64 when its length is added: reported, not followed. */
TEST(segment_table_offset_wraps)
{
    char *dir = tmp_archive(), path[512];
    uint8_t b[100];
    dp__segfile *f = NULL;
    dp_buf err = DP_BUF_INIT;
    int fd;
    memset(b, 0, sizeof b);
    memcpy(b, "DPSEGMT1", 8);
    dp__put_u32(b + 8, 2);
    /* trailer: table offset, 64 sections, checksum, end mark */
    uint64_t tlen = 64 * 24, toff = (uint64_t)(sizeof b - 24) - tlen;
    dp__put_u64(b + sizeof b - 24, toff);
    dp__put_u32(b + sizeof b - 16, 64);
    memcpy(b + sizeof b - 8, "DPSEGEND", 8);
    snprintf(path, sizeof path, "%s/seg-000000000001.dps", dir);
    fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, b, sizeof b) == (ssize_t)sizeof b);
    close(fd);
    CHECK_EQ_INT(dp__segfile_open(dir, 1, &f, &err), DP_ECORRUPT);
    CHECK(f == NULL);
    CHECK(err.p != NULL && strstr(err.p, "seg-000000000001.dps") != NULL);
    dp__buf_free(&err);
    test_rm_rf(dir);
}

TEST(open_missing)
{
    dp_archive *a;
    CHECK_EQ_INT(dp_archive_open(&a, "/tmp/dp-no-such-archive", DP_ARCHIVE_READ),
                 DP_ENOTFOUND);
    CHECK(strstr(dp_archive_errmsg(a), "no-such-archive") != NULL);
    dp_archive_close(a);
}

/* Flip one byte or truncate each file of a small archive, at many
** offsets: every open + stats + fetch returns an error naming the file,
** or (for a flip in slack) succeeds; never crashes. */
static int open_and_read(const char *dir, char *msg, size_t cap)
{
    dp_archive *a;
    dp_archive_stats st;
    int rc = dp_archive_open(&a, dir, DP_ARCHIVE_READ);
    if (rc == DP_OK)
        rc = dp_archive_stats_get(a, &st);
    if (rc == DP_OK) {
        char *d = dump_archive(a);
        rc = d ? DP_OK : DP_ECORRUPT;
        dp__free(d);
    }
    snprintf(msg, cap, "%s", dp_archive_errmsg(a));
    dp_archive_close(a);
    return rc;
}

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

TEST(damage_every_file)
{
    char *dir = tmp_archive();
    dp_archive *a;
    dp_writer *w;
    char msg[1024];
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    CHECK_EQ_INT(add_corpus(w, 40), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    CHECK_EQ_INT(dp_writer_delete(w, "doc1", 4), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);
    dp_archive_close(a);
    CHECK_EQ_INT(open_and_read(dir, msg, sizeof msg), DP_OK);

    DIR *d = opendir(dir);
    struct dirent *e;
    char names[16][256];
    int nn = 0;
    while ((e = readdir(d)) != NULL && nn < 16)
        if (e->d_name[0] != '.' && strcmp(e->d_name, "LOCK") != 0)
            memcpy(names[nn++], e->d_name, sizeof names[0]);
    closedir(d);
    CHECK_EQ_INT(nn, 3); /* MANIFEST, one segment, one deletion file */
    int cases = 0, detected = 0;
    for (int i = 0; i < nn; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%.256s", dir, names[i]);
        long size = file_size(path);
        if (size <= 0)
            continue;
        FILE *f = fopen(path, "rb");
        char *orig = malloc((size_t)size + 1);
        CHECK(fread(orig, 1, (size_t)size, f) == (size_t)size);
        fclose(f);
        long step = size / 61 + 1;
        for (long off = 0; off < size; off += step) {
            for (int mode = 0; mode < 2; mode++) {
                f = fopen(path, "wb");
                if (mode == 0) {
                    fwrite(orig, 1, (size_t)size, f);
                    fseek(f, off, SEEK_SET);
                    fputc(orig[off] ^ 0x5a, f);
                } else {
                    fwrite(orig, 1, (size_t)off, f);
                }
                fclose(f);
                int rc = open_and_read(dir, msg, sizeof msg);
                cases++;
                if (rc == DP_ECORRUPT && strstr(msg, names[i]) != NULL)
                    detected++;
                else
                    printf("  undetected: %s %s at %ld: rc=%d %s\n", names[i],
                           mode ? "truncate" : "flip", off, rc, msg);
            }
        }
        f = fopen(path, "wb");
        fwrite(orig, 1, (size_t)size, f);
        fclose(f);
        free(orig);
    }
    CHECK(cases > 200);
    CHECK_EQ_INT(detected, cases);
    CHECK_EQ_INT(open_and_read(dir, msg, sizeof msg), DP_OK);
    test_rm_rf(dir);
}

/* Fail allocation N for every N on open, add, commit, read: no crash, no
** leak (ASan), an error code, and the archive still opens afterwards. */
TEST(alloc_failures)
{
    char *dir = tmp_archive();
    dp_archive *a;
    dp_writer *w;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_CREATE), DP_OK);
    CHECK_EQ_INT(dp_writer_begin(a, NULL, &w), DP_OK);
    CHECK_EQ_INT(add_corpus(w, 8), DP_OK);
    CHECK_EQ_INT(dp_writer_commit(w), DP_OK);
    dp_writer_close(w);
    dp_archive_close(a);
    int ok = 0, failed = 0;
    for (long n = 0; n < 4000; n++) {
        int rc;
        dp__alloc_fail_after(n);
        rc = dp_archive_open(&a, dir, DP_ARCHIVE_WRITE);
        if (rc == DP_OK)
            rc = dp_writer_begin(a, NULL, &w);
        if (rc == DP_OK) {
            rc = add_corpus(w, 3);
            if (rc == DP_OK)
                rc = dp_writer_delete(w, "doc5", 4);
            if (rc == DP_OK)
                rc = dp_writer_commit(w);
            dp_writer_close(w);
        }
        dp__alloc_fail_after(-1);
        if (rc == DP_OK) {
            char *x = dump_archive(a);
            rc = x ? DP_OK : DP_ENOMEM;
            dp__free(x);
        }
        dp_archive_close(a);
        if (rc == DP_OK) {
            ok++;
            break;
        }
        failed++;
        if (rc != DP_ENOMEM && rc != DP_ENOTFOUND)
            printf("  n=%ld rc=%d\n", n, rc);
        CHECK(rc == DP_ENOMEM || rc == DP_ENOTFOUND);
        /* the archive still opens and holds 8 or 8+ docs */
        CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_READ), DP_OK);
        dp_archive_close(a);
    }
    CHECK_EQ_INT(ok, 1);
    CHECK(failed > 50);
    test_rm_rf(dir);
}

TEST_MAIN()
