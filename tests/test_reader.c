/*
** test_reader.c -- the record readers: text, JSON Lines, CSV/TSV,
** directories, stdin, .gz/.zst, and every kind of bad input.
**
** Each test reads fixtures (tests/data/reader/) or files it writes into a
** private temporary directory, collects every record and issue, and
** checks them exactly: kind, line, column, and what was delivered.
*/
#include "dp_int.h"
#include "test.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* ---- collecting what a read gives ---------------------------------- */

#define MAXR 64
#define MAXI 64

typedef struct grec {
    char *id, *title, *text, *source, *url, *lang, *extras, *file;
    size_t text_n;
    char date[48];
    int prec;
    unsigned long long line;
} grec;

typedef struct gissue {
    int kind, reject;
    unsigned long long line, col;
    char file[512];
    char msg[1024];
} gissue;

typedef struct got {
    int n, ni, rc;
    grec r[MAXR];
    gissue is[MAXI];
    dp_reader_stats st;
    int stop_at_issue; /* return 77 from the callback at this issue (1-based) */
} got;

static char *dupn(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static int on_issue(void *ctx, const dp_issue *is)
{
    got *g = ctx;
    if (g->ni < MAXI) {
        gissue *x = &g->is[g->ni];
        x->kind = is->kind;
        x->reject = is->is_reject;
        x->line = is->line;
        x->col = is->column;
        snprintf(x->file, sizeof x->file, "%s", is->file);
        snprintf(x->msg, sizeof x->msg, "%s", is->message);
    }
    g->ni++;
    return g->ni == g->stop_at_issue ? 77 : 0;
}

static char *join_extras(const dp_record *rec)
{
    size_t cap = 16;
    for (size_t i = 0; i < rec->n_extra; i++)
        cap += rec->extra[i].name.n + rec->extra[i].value.n + 2;
    char *s = malloc(cap), *w = s;
    for (size_t i = 0; i < rec->n_extra; i++) {
        w += sprintf(w, "%s%.*s=%.*s", i ? ";" : "", (int)rec->extra[i].name.n,
                     rec->extra[i].name.p, (int)rec->extra[i].value.n,
                     rec->extra[i].value.p);
    }
    *w = '\0';
    return s;
}

static void read_opts(got *g, const char *const *paths, size_t n,
                      dp_reader_options *o)
{
    dp_reader_options d = DP_READER_OPTIONS_INIT;
    dp_reader *r = NULL;
    const dp_record *rec;
    int stop = g->stop_at_issue;

    memset(g, 0, sizeof *g);
    g->stop_at_issue = stop;
    if (o == NULL)
        o = &d;
    o->on_issue = on_issue;
    o->ctx = g;
    g->rc = dp_reader_open(&r, paths, n, o);
    if (g->rc != DP_OK)
        return;
    while ((g->rc = dp_reader_next(r, &rec)) == DP_OK) {
        if (g->n < MAXR) {
            grec *x = &g->r[g->n];
            x->id = dupn(rec->id.p, rec->id.n);
            x->title = dupn(rec->title.p, rec->title.n);
            x->text = dupn(rec->text.p, rec->text.n);
            x->text_n = rec->text.n;
            x->source = dupn(rec->source.p, rec->source.n);
            x->url = dupn(rec->url.p, rec->url.n);
            x->lang = dupn(rec->lang.p, rec->lang.n);
            x->file = strdup(rec->file);
            x->extras = join_extras(rec);
            dp_date_format(&rec->date, x->date, sizeof x->date);
            x->prec = rec->date.prec;
            x->line = rec->line;
        }
        g->n++;
    }
    dp_reader_stats_get(r, &g->st);
    dp_reader_close(r);
}

static void read1(got *g, const char *path, dp_reader_options *o)
{
    read_opts(g, &path, 1, o);
}

static void got_free(got *g)
{
    for (int i = 0; i < g->n && i < MAXR; i++) {
        grec *x = &g->r[i];
        free(x->id), free(x->title), free(x->text), free(x->source);
        free(x->url), free(x->lang), free(x->extras), free(x->file);
    }
    g->n = 0;
}

#define CHECK_ISSUE(g, i, k, rej, ln, co)                                \
    do {                                                                 \
        CHECK((g)->ni > (i));                                            \
        if ((g)->ni > (i)) {                                             \
            CHECK_EQ_STR(dp_issue_name((g)->is[i].kind), dp_issue_name(k)); \
            CHECK_EQ_INT((g)->is[i].reject, rej);                        \
            CHECK_EQ_INT((g)->is[i].line, ln);                           \
            CHECK_EQ_INT((g)->is[i].col, co);                            \
        }                                                                \
    } while (0)

#define CHECK_HAS(hay, needle)                                           \
    do {                                                                 \
        const char *h_ = (hay);                                          \
        test_checks++;                                                   \
        if (strstr(h_, needle) == NULL) {                                \
            printf("  FAIL %s:%d: \"%s\" lacks \"%s\"\n", __FILE__,      \
                   __LINE__, h_, needle);                                \
            test_failed_now = 1;                                         \
        }                                                                \
    } while (0)

/* ---- a private temporary directory --------------------------------- */

static char tmpdir[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

static void rm_tmpdir(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tmp(const char *name)
{
    static char paths[8][512];
    static int k;
    if (!tmpdir[0]) {
        strcpy(tmpdir, "/tmp/dp_test_reader_XXXXXX");
        if (mkdtemp(tmpdir) == NULL)
            abort();
        atexit(rm_tmpdir);
    }
    k = (k + 1) % 8;
    snprintf(paths[k], sizeof paths[k], "%s/%s", tmpdir, name);
    return paths[k];
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    const char *p = tmp(name);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", p);
    for (char *s = dir + strlen(tmpdir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(dir, 0700);
        *s = '/';
    }
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        abort();
    fwrite(data, 1, n, f);
    fclose(f);
    return p;
}

static const char *write_str(const char *name, const char *s)
{
    return write_file(name, s, strlen(s));
}

/* gzip (zlib's deflate with a gzip wrapper) of s[0..n) into a new buffer. */
static unsigned char *gzip(const char *s, size_t n, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, n) + 64;
    unsigned char *o = malloc(cap);
    z.next_in = (unsigned char *)s;
    z.avail_in = (uInt)n;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return o;
}

/* n JSON Lines records with ids 0..n-1 and some text each. */
static char *make_jsonl(int n, size_t *len)
{
    size_t cap = (size_t)n * 200 + 1, k = 0;
    char *s = malloc(cap);
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(s + k, cap - k,
                              "{\"id\": \"r%d\", \"date\": \"2022-01-%02d\", "
                              "\"text\": \"Texte numéro %d, avec assez de "
                              "mots pour peser %d octets.\"}\n",
                              i, 1 + i % 28, i, i * 7919 % 1000);
    *len = k;
    return s;
}

/* ---- the plain-text record format ---------------------------------- */

TEST(text_reference_record)
{
    const char *p = test_shared_path("seed/000_7dfaa709dec0236f.txt");
    got g;
    if (p == NULL)
        SKIP("../shared/corpora/seed/000_7dfaa709dec0236f.txt absent");
    char path[4096];
    snprintf(path, sizeof path, "%s", p);
    read1(&g, path, NULL);
    CHECK_EQ_INT(g.rc, DP_ENOTFOUND);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 0);
    if (g.n == 1) {
        grec *r = &g.r[0];
        CHECK_EQ_STR(r->date, "2022-01");
        CHECK_EQ_INT(r->prec, DP_PREC_MONTH);
        CHECK_EQ_INT(r->line, 1);
        CHECK_EQ_STR(r->title, ""); /* never derived from the text */
        CHECK(strncmp(r->text, "L’entretien téléphonique d’une heure", 40) == 0);
        const char *end = "l’arrivée de forces étrangères sur son sol.";
        size_t el = strlen(end);
        CHECK(r->text_n > el && strcmp(r->text + r->text_n - el, end) == 0);
        /* Whole text: the file minus " date 2022-01 " (14 bytes). */
        CHECK_EQ_INT(r->text_n, 2091 - 14);
        CHECK(strstr(r->text, "\n\nUne exigence inacceptable pour l’Otan et "
                              "la France\n\nPour Jean-Yves") != NULL);
        char id[4200];
        snprintf(id, sizeof id, "%s:1", path);
        CHECK_EQ_STR(r->id, id);
    }
    CHECK_EQ_INT(g.st.records, 1);
    CHECK_EQ_INT(g.st.rejected, 0);
    got_free(&g);
}

TEST(text_multi_records_and_headers)
{
    got g;
    read1(&g, "tests/data/reader/multi.txt", NULL);
    CHECK_EQ_INT(g.n, 3);
    CHECK_EQ_INT(g.ni, 0);
    if (g.n != 3)
        return;
    CHECK_EQ_STR(g.r[0].date, "2022-01-28");
    CHECK_EQ_INT(g.r[0].line, 1);
    CHECK_EQ_STR(g.r[0].id, "tests/data/reader/multi.txt:1");
    CHECK_EQ_STR(g.r[0].text, "Premier article, le texte commence sur la ligne "
                              "du date.\nSuite du premier.");
    CHECK_EQ_STR(g.r[1].date, "2022-01-28T15:02:15+01:00");
    CHECK_EQ_INT(g.r[1].line, 4);
    CHECK_EQ_STR(g.r[1].title, "Macron et Poutine");
    CHECK_EQ_STR(g.r[1].source, "lemonde.fr");
    CHECK_EQ_STR(g.r[1].url, "https://example.org/a");
    CHECK_EQ_STR(g.r[1].lang, "fr");
    CHECK_EQ_STR(g.r[1].id, "art-2");
    CHECK_EQ_STR(g.r[1].text, "Premier paragraphe du second.\n"
                              "date de publication inconnue.\n"
                              "title ceci est du texte, pas un en-tête\n\n"
                              "Second paragraphe.");
    CHECK_EQ_STR(g.r[2].date, "2022");
    CHECK_EQ_INT(g.r[2].prec, DP_PREC_YEAR);
    CHECK_EQ_INT(g.r[2].line, 17);
    CHECK_EQ_STR(g.r[2].text, "Texte d’une année.");
    CHECK_EQ_INT(g.st.files, 1);
    CHECK_EQ_INT(g.st.records, 3);
    got_free(&g);
}

TEST(text_header_recognition)
{
    got g;
    const char *p = write_str(
        "hdr.txt",
        "  date 2022-01-28 15:02 Texte après une heure.\n"
        "Date: 28 janvier 2022\n"
        "Title: Un titre\n"
        "title:\n"
        "Texte.\n"
        "id 7 ici n'est plus un en-tête\n"
        "date 2022-02 \n"
        "title\n"
        "Date limite: demain\n"
        "datewise 2022\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 3);
    CHECK_EQ_INT(g.ni, 0);
    if (g.n == 3) {
        CHECK_EQ_STR(g.r[0].date, "2022-01-28T15:02:00");
        CHECK_EQ_STR(g.r[0].text, "Texte après une heure.");
        CHECK_EQ_STR(g.r[1].date, "2022-01-28");
        CHECK_EQ_STR(g.r[1].title, "Un titre");
        CHECK_EQ_STR(g.r[1].text, "Texte.\nid 7 ici n'est plus un en-tête");
        CHECK_EQ_INT(g.r[2].line, 7);
        CHECK_EQ_STR(g.r[2].text, "title\nDate limite: demain\ndatewise 2022");
    }
    got_free(&g);
}

TEST(text_missing_date)
{
    got g;
    const char *p = write_str("nodate.txt", "\n\nUn texte sans date.\nDeux.\n"
                                            "date 2022-03-04 Daté.\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_DATE_MISSING, 1, 3, 0);
    CHECK_EQ_STR(g.is[0].file, p);
    CHECK_EQ_STR(g.r[0].text, "Daté.");
    CHECK_EQ_INT(g.st.rejected, 1);
    CHECK_EQ_INT(g.st.by_kind[DP_ISSUE_DATE_MISSING], 1);
    got_free(&g);

    /* Dates optional: the same text is delivered without a date. */
    dp_reader_options o = DP_READER_OPTIONS_INIT;
    o.require_date = 0;
    read1(&g, p, &o);
    CHECK_EQ_INT(g.n, 2);
    CHECK_EQ_INT(g.ni, 0);
    CHECK_EQ_INT(g.r[0].prec, DP_PREC_NONE);
    CHECK_EQ_STR(g.r[0].text, "Un texte sans date.\nDeux.");
    CHECK_EQ_INT(g.r[0].line, 3);
    got_free(&g);
}

TEST(text_impossible_date)
{
    got g;
    const char *p = write_str("bad.txt", "date 2022-13-45 Texte rejeté.\nSuite.\n"
                                         "date 2022-02-29\n\nRejeté aussi.\n"
                                         "date 2022-02-28\n\nGardé.\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 2);
    CHECK_ISSUE(&g, 0, DP_ISSUE_DATE_INVALID, 1, 1, 6);
    CHECK_HAS(g.is[0].msg, "\"2022-13-45\"");
    CHECK_HAS(g.is[0].msg, "month out of range");
    CHECK_ISSUE(&g, 1, DP_ISSUE_DATE_INVALID, 1, 3, 6);
    CHECK_HAS(g.is[1].msg, "day out of range for the month");
    CHECK_EQ_STR(g.r[0].text, "Gardé.");
    CHECK_EQ_INT(g.r[0].line, 6);
    CHECK_EQ_INT(g.st.rejected, 2);
    got_free(&g);
}

TEST(dates_optional_bad_date_is_warning)
{
    got g;
    dp_reader_options o = DP_READER_OPTIONS_INIT;
    o.require_date = 0;
    const char *p = write_str("opt.jsonl", "{\"date\": \"2022-13-45\", \"text\": \"a\"}\n"
                                           "{\"text\": \"b\"}\n");
    read1(&g, p, &o);
    CHECK_EQ_INT(g.n, 2);
    CHECK_EQ_INT(g.ni, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_DATE_INVALID, 0, 1, 10);
    CHECK_EQ_INT(g.r[0].prec, DP_PREC_NONE);
    CHECK_EQ_STR(g.r[0].extras, "date=2022-13-45");
    CHECK_EQ_STR(g.r[1].text, "b");
    got_free(&g);

    /* Colon form with an ISO date and text on the same line; CSV ids. */
    p = write_str("colon.txt", "Date: 2022-01-28T09:00Z Texte direct.\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_STR(g.n ? g.r[0].date : "", "2022-01-28T09:00:00Z");
    CHECK_EQ_STR(g.n ? g.r[0].text : "", "Texte direct.");
    got_free(&g);
    p = write_str("noid.csv", "Published,Content\n2022-01-28,x\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    char want[600];
    snprintf(want, sizeof want, "%s:2", p);
    CHECK_EQ_STR(g.n ? g.r[0].id : "", want);
    CHECK_EQ_STR(g.n ? g.r[0].text : "", "x");
    got_free(&g);
}

TEST(text_empty_record)
{
    got g;
    const char *p = write_str("empty_rec.txt", "date 2022-01-01\n\n\ndate 2022-01-02 x\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_EMPTY, 1, 1, 0);
    got_free(&g);
}

/* ---- byte-level input: BOM, CRLF, UTF-8, empty files --------------- */

TEST(bom_and_crlf)
{
    got g;
    const char *p = write_str("crlf.txt", "\xEF\xBB\xBF" "date 2022-01-28\r\ntitle T\r\n\r\n"
                                          "Ligne un.\r\nLigne deux.\r\n\r\nFin.\r\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 0);
    CHECK_EQ_STR(g.r[0].title, "T");
    CHECK_EQ_STR(g.r[0].text, "Ligne un.\nLigne deux.\n\nFin.");
    CHECK(strchr(g.r[0].text, '\r') == NULL);
    got_free(&g);

    p = write_str("bom.jsonl", "\xEF\xBB\xBF{\"date\": \"2022\", \"text\": \"a\"}\r\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 0);
    CHECK_EQ_STR(g.r[0].text, "a");
    got_free(&g);

    /* No suffix: the BOM does not hide the '{' from format sniffing. */
    p = write_str("bom_noext", "\xEF\xBB\xBF\n{\"date\": \"2022\", \"text\": \"b\"}\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_STR(g.n ? g.r[0].text : "", "b");
    got_free(&g);
}

TEST(utf8_repair_policy)
{
    got g;
    const char *p = write_str("bad8.jsonl",
                              "{\"date\": \"2022\", \"title\": \"caf\xE9!\", \"text\": \"ok\"}\n"
                              "{\"date\": \"2022\", \"text\": \"\xC3\"}\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 2);
    CHECK_EQ_INT(g.ni, 2);
    CHECK_ISSUE(&g, 0, DP_ISSUE_UTF8_REPAIRED, 0, 1, 31);
    CHECK_HAS(g.is[0].msg, "0xE9");
    CHECK_EQ_STR(g.r[0].title, "caf\xEF\xBF\xBD!");
    CHECK_ISSUE(&g, 1, DP_ISSUE_UTF8_REPAIRED, 0, 2, 27);
    CHECK_EQ_STR(g.r[1].text, "\xEF\xBF\xBD");
    CHECK_EQ_INT(g.st.warnings, 2);
    CHECK_EQ_INT(g.st.rejected, 0);
    got_free(&g);

    p = write_str("bad8.txt", "date 2022 Caf\xE9.\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_UTF8_REPAIRED, 0, 1, 14);
    CHECK_EQ_STR(g.r[0].text, "Caf\xEF\xBF\xBD.");
    got_free(&g);
}

TEST(utf8_reject_policy)
{
    got g;
    dp_reader_options o = DP_READER_OPTIONS_INIT;
    o.utf8 = DP_UTF8_REJECT;
    const char *p = write_str("rej8.jsonl",
                              "{\"date\": \"2022\", \"title\": \"caf\xE9!\", \"text\": \"ok\"}\n"
                              "{\"date\": \"2022\", \"text\": \"bon\"}\n");
    read1(&g, p, &o);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_UTF8, 1, 1, 31);
    CHECK_EQ_STR(g.r[0].text, "bon");
    got_free(&g);

    /* Text format: the bad line is inside the record's text. */
    p = write_str("rej8.txt", "date 2022 Un.\nDeux \xFF\xFE.\ndate 2023 Trois.\n");
    o.utf8 = DP_UTF8_REJECT;
    read1(&g, p, &o);
    CHECK_EQ_INT(g.n, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_UTF8, 1, 2, 6);
    CHECK_EQ_STR(g.r[0].date, "2023");
    got_free(&g);
}

TEST(empty_file)
{
    got g;
    const char *p = write_str("empty.txt", "");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.rc, DP_ENOTFOUND);
    CHECK_EQ_INT(g.n, 0);
    CHECK_EQ_INT(g.ni, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_EMPTY_FILE, 0, 0, 0);
    CHECK_EQ_INT(g.st.files, 1);
    CHECK_EQ_INT(g.st.warnings, 1);
    got_free(&g);

    p = write_str("blank.jsonl", "\n  \n\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 0);
    CHECK_ISSUE(&g, 0, DP_ISSUE_EMPTY_FILE, 0, 0, 0);
    got_free(&g);

    p = write_str("header_only.csv", "date,text\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 0);
    CHECK_ISSUE(&g, 0, DP_ISSUE_EMPTY_FILE, 0, 0, 0);
    got_free(&g);
}

/* ---- JSON Lines ----------------------------------------------------- */

TEST(jsonl_aliases_escapes_extras)
{
    got g;
    read1(&g, "tests/data/reader/aliases.jsonl", NULL);
    CHECK_EQ_INT(g.n, 3);
    CHECK_EQ_INT(g.ni, 0);
    if (g.n != 3)
        return;
    CHECK_EQ_STR(g.r[0].id, "1234");
    CHECK_EQ_STR(g.r[0].date, "2022-01-28");
    CHECK_EQ_STR(g.r[0].title, "Titre");
    CHECK_EQ_STR(g.r[0].text, "Corps.");
    CHECK_EQ_STR(g.r[0].source, "lemonde.fr");
    CHECK_EQ_STR(g.r[0].url, "https://e.org/1");
    CHECK_EQ_STR(g.r[0].lang, "fr");
    CHECK_EQ_STR(g.r[0].extras, "tags=[\"a\", \"b\"]");
    /* date and datetime: the more precise wins, the other is an extra. */
    CHECK_EQ_STR(g.r[1].date, "2022-01-28T15:02:15+01:00");
    CHECK_EQ_STR(g.r[1].title, "Téléphone \xF0\x9F\x98\x80");
    CHECK_EQ_STR(g.r[1].text, "a\"b\\c/d\b\f\n\r\te");
    CHECK_EQ_STR(g.r[1].extras, "date=2022-01-28;meta={\"k\": [1, 2.5e3, null, "
                                "true]};fulltext=false");
    CHECK_EQ_STR(g.r[2].date, "2022-02");
    CHECK_EQ_INT(g.r[2].line, 4);
    CHECK_EQ_STR(g.r[2].id, "tests/data/reader/aliases.jsonl:4");
    CHECK_EQ_STR(g.r[2].source, "AFP");
    CHECK_EQ_STR(g.r[2].url, "u");
    CHECK_EQ_STR(g.r[2].extras, "score=-0.5");
    got_free(&g);
}

TEST(jsonl_wrong_types)
{
    got g;
    const char *p = write_str(
        "types.jsonl",
        "{\"date\": \"2022-01-28\", \"title\": 5, \"text\": \"x\"}\n"
        "{\"date\": [2022, 1], \"text\": \"y\"}\n"
        "{\"date\": \"2022-01-28\", \"text\": {\"a\": 1}, \"title\": \"t\"}\n"
        "{\"date\": null, \"text\": \"z\"}\n"
        "{\"date\": \"2022-01-28\", \"published\": \"hier\", \"text\": \"w\"}\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 3);
    CHECK_EQ_INT(g.ni, 5);
    /* Line 1: wrong title type is a warning, the value kept as an extra. */
    CHECK_ISSUE(&g, 0, DP_ISSUE_FIELD_TYPE, 0, 1, 33);
    CHECK_HAS(g.is[0].msg, "\"title\" is a number");
    CHECK_EQ_STR(g.r[0].title, "");
    CHECK_EQ_STR(g.r[0].extras, "title=5");
    /* Line 2: a date of the wrong type rejects the record. */
    CHECK_ISSUE(&g, 1, DP_ISSUE_FIELD_TYPE, 1, 2, 10);
    CHECK_HAS(g.is[1].msg, "is an array");
    CHECK_HAS(g.is[1].msg, "[2022, 1]");
    /* Line 3: an object as text: warning, record kept (it has a title). */
    CHECK_ISSUE(&g, 2, DP_ISSUE_FIELD_TYPE, 0, 3, 32);
    CHECK_EQ_STR(g.r[1].title, "t");
    CHECK_EQ_STR(g.r[1].text, "");
    /* Line 4: null date = no date. */
    CHECK_ISSUE(&g, 3, DP_ISSUE_DATE_MISSING, 1, 4, 0);
    /* Line 5: a bad second date is a warning when another one is good. */
    CHECK_ISSUE(&g, 4, DP_ISSUE_DATE_INVALID, 0, 5, 37);
    CHECK_EQ_STR(g.r[2].date, "2022-01-28");
    CHECK_EQ_STR(g.r[2].extras, "published=hier");
    CHECK_EQ_INT(g.st.rejected, 2);
    CHECK_EQ_INT(g.st.warnings, 3);
    got_free(&g);
}

TEST(jsonl_syntax_errors)
{
    got g;
    const char *p = write_str(
        "syntax.jsonl",
        "{\"date\": \"2022\", \"text\": \"a\"\n"
        "{\"date\": \"2022\", \"text\": \"b\"} x\n"
        "[1, 2]\n"
        "{\"date\": \"2022\", \"text\": \"\\q\"}\n"
        "{\"date\": \"2022\", \"text\": \"c\", \"n\": 01}\n"
        "{\"date\": \"2022\", \"text\": \"unterminated}\n"
        "{\"date\": \"2022\", \"text\": \"bon\", \"deep\": [[[{\"x\": [true]}]]]}\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 6);
    CHECK_ISSUE(&g, 0, DP_ISSUE_SYNTAX, 1, 1, 29); /* end of line */
    CHECK_HAS(g.is[0].msg, "expected ',' or '}'");
    CHECK_ISSUE(&g, 1, DP_ISSUE_SYNTAX, 1, 2, 31);
    CHECK_ISSUE(&g, 2, DP_ISSUE_SYNTAX, 1, 3, 1);
    CHECK_ISSUE(&g, 3, DP_ISSUE_SYNTAX, 1, 4, 27);
    CHECK_HAS(g.is[3].msg, "unknown escape");
    CHECK_ISSUE(&g, 4, DP_ISSUE_SYNTAX, 1, 5, 37); /* the 1 of 01 */
    CHECK_ISSUE(&g, 5, DP_ISSUE_SYNTAX, 1, 6, 26); /* its quote */
    CHECK_HAS(g.is[5].msg, "unterminated string");
    CHECK_EQ_STR(g.r[0].text, "bon");
    CHECK_EQ_STR(g.r[0].extras, "deep=[[[{\"x\": [true]}]]]");
    got_free(&g);
}

/* Keys are matched by length first: a key with a NUL byte is no alias
** (found by fuzzing: tests/fuzz/corpus/reader/crash-field-name-nul). */
TEST(jsonl_key_with_nul)
{
    got g;
    const char *p = write_str("nulkey.jsonl",
                              "{\"id\\u0000\": \"k\", \"date\": \"2022\", \"text\": \"t\"}\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 0);
    char want[600];
    snprintf(want, sizeof want, "%s:1", p);
    CHECK_EQ_STR(g.n ? g.r[0].id : "", want);
    CHECK_EQ_STR(g.n ? g.r[0].extras : "", "id=k"); /* printed up to its NUL */
    got_free(&g);
}

TEST(jsonl_lone_surrogate)
{
    got g;
    const char *p = write_str("sur.jsonl",
                              "{\"date\": \"2022\", \"text\": \"a\\ud800b\"}\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_UTF8_REPAIRED, 0, 1, 28);
    CHECK_EQ_STR(g.r[0].text, "a\xEF\xBF\xBD" "b");
    got_free(&g);
    dp_reader_options o = DP_READER_OPTIONS_INIT;
    o.utf8 = DP_UTF8_REJECT;
    read1(&g, p, &o);
    CHECK_EQ_INT(g.n, 0);
    CHECK_ISSUE(&g, 0, DP_ISSUE_UTF8, 1, 1, 28);
    got_free(&g);
}

TEST(jsonl_line_of_50_mb)
{
    /* 30 bytes of JSON (one of them a \n escape) decode to 29 bytes. */
    static const char pat[] = "abcdefghij klmnopqrstuvwxyz.\\n";
    const size_t reps = 35000, chunks = 50, chunk_n = 30 * reps;
    const char *p = tmp("big.jsonl");
    FILE *f = fopen(p, "wb");
    char *chunk = malloc(chunk_n);
    CHECK(f != NULL && chunk != NULL && sizeof pat == 31);
    if (f == NULL || chunk == NULL)
        return;
    for (size_t i = 0; i < reps; i++)
        memcpy(chunk + 30 * i, pat, 30);
    fputs("{\"id\": \"big\", \"date\": \"2022-06\", \"text\": \"", f);
    for (size_t i = 0; i < chunks; i++)
        fwrite(chunk, 1, chunk_n, f);
    fputs("END\"}\n{\"date\": \"2022\", \"text\": \"after\"}\n", f);
    fclose(f);
    free(chunk);

    dp_reader *r;
    const dp_record *rec;
    CHECK_EQ_INT(dp_reader_open(&r, &p, 1, NULL), DP_OK);
    CHECK_EQ_INT(dp_reader_next(r, &rec), DP_OK);
    CHECK_EQ_INT(rec->text.n, chunks * reps * 29 + 3); /* 50,750,003 */
    CHECK(rec->text.n >= 3 && memcmp(rec->text.p + rec->text.n - 3, "END", 3) == 0);
    CHECK(memcmp(rec->text.p, "abcdefghij klmnopqrstuvwxyz.\nabc", 32) == 0);
    CHECK_EQ_SLICE(rec->id, "big");
    CHECK_EQ_INT(dp_reader_next(r, &rec), DP_OK);
    CHECK_EQ_SLICE(rec->text, "after");
    CHECK_EQ_INT(rec->line, 2);
    CHECK_EQ_INT(dp_reader_next(r, &rec), DP_ENOTFOUND);
    dp_reader_close(r);
    remove(p);
}

/* ---- CSV and TSV ---------------------------------------------------- */

TEST(csv_quoted_multiline)
{
    got g;
    read1(&g, "tests/data/reader/quoted.csv", NULL);
    CHECK_EQ_INT(g.n, 2);
    CHECK_EQ_INT(g.ni, 0);
    if (g.n != 2)
        return;
    CHECK_EQ_STR(g.r[0].id, "c1");
    CHECK_EQ_STR(g.r[0].title, "Titre, avec virgule");
    CHECK_EQ_STR(g.r[0].text, "Ligne 1\n\"citée\"\nLigne 3");
    CHECK_EQ_STR(g.r[0].extras, "note=n1");
    CHECK_EQ_INT(g.r[0].line, 2);
    CHECK_EQ_STR(g.r[1].id, "c2");
    CHECK_EQ_INT(g.r[1].line, 6); /* after a 3-line row and a blank line */
    CHECK_EQ_STR(g.r[1].text, "Texte deux");
    got_free(&g);
}

TEST(csv_field_count)
{
    got g;
    const char *p = write_str("count.csv", "date,title,text\n"
                                           "2022-01-01,a,b,c\n"
                                           "2022-01-02,a\n"
                                           "\"2022-01-03\",\"multi\nligne\",t,extra\n"
                                           "2022-01-04,bon,texte\n"
                                           "2022-01-05,\"x\"y,z\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 4);
    CHECK_ISSUE(&g, 0, DP_ISSUE_FIELD_COUNT, 1, 2, 16);
    CHECK_HAS(g.is[0].msg, "row has 4 fields, the header has 3");
    CHECK_HAS(g.is[0].msg, "\"c\"");
    CHECK_ISSUE(&g, 1, DP_ISSUE_FIELD_COUNT, 1, 3, 0);
    CHECK_HAS(g.is[1].msg, "row has 2 fields");
    CHECK_ISSUE(&g, 2, DP_ISSUE_FIELD_COUNT, 1, 5, 10); /* 2nd line of the row */
    CHECK_EQ_STR(g.r[0].title, "bon");
    CHECK_EQ_INT(g.r[0].line, 6);
    CHECK_ISSUE(&g, 3, DP_ISSUE_SYNTAX, 1, 7, 15);
    got_free(&g);
}

TEST(tsv)
{
    got g;
    read1(&g, "tests/data/reader/simple.tsv", NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.ni, 1);
    CHECK_EQ_STR(g.r[0].title, "Tab un");
    CHECK_EQ_STR(g.r[0].text, "Texte tab");
    CHECK_ISSUE(&g, 0, DP_ISSUE_FIELD_COUNT, 1, 3, 33);
    got_free(&g);

    /* Forced TSV on a name that says nothing. */
    const char *p = write_str("tabs.dat", "date\ttext\n2022\t\"a\"\"b\"\n");
    dp_reader_options o = DP_READER_OPTIONS_INIT;
    o.format = DP_FORMAT_TSV;
    read1(&g, p, &o);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_STR(g.n ? g.r[0].text : "", "a\"b");
    got_free(&g);
}

TEST(csv_unterminated_quote)
{
    got g;
    const char *p = write_str("unterm.csv", "date,text\n2022,ok\n2022,\"never\nclosed\n");
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.n, 1);
    CHECK_ISSUE(&g, 0, DP_ISSUE_SYNTAX, 1, 3, 6);
    got_free(&g);
}

/* ---- compression ---------------------------------------------------- */

TEST(gzip_and_zstd)
{
    size_t n, gz_n;
    char *s = make_jsonl(300, &n);
    unsigned char *gz = gzip(s, n, &gz_n);
    got g;

    read1(&g, write_file("a.jsonl.gz", gz, gz_n), NULL);
    CHECK_EQ_INT(g.n, 300);
    CHECK_EQ_INT(g.ni, 0);
    CHECK_EQ_STR(g.r[63 - 1].id, "r62");
    CHECK_EQ_INT(g.st.bytes_in, gz_n);
    CHECK_EQ_INT(g.st.bytes_total, gz_n);
    got_free(&g);

    /* Magic bytes alone: no suffix, format sniffed after inflating. */
    read1(&g, write_file("noext", gz, gz_n), NULL);
    CHECK_EQ_INT(g.n, 300);
    got_free(&g);

    /* Damaged deflate data: reported, never a crash; what came before the
    ** damage is delivered. */
    unsigned char *bad = malloc(gz_n);
    memcpy(bad, gz, gz_n);
    for (size_t i = gz_n / 2; i < gz_n / 2 + 16; i++)
        bad[i] ^= 0x55;
    read1(&g, write_file("bad.jsonl.gz", bad, gz_n), NULL);
    CHECK_EQ_INT(g.st.by_kind[DP_ISSUE_IO], 1);
    CHECK(g.n < 300);
    int io = -1;
    for (int i = 0; i < g.ni && i < MAXI; i++)
        if (g.is[i].kind == DP_ISSUE_IO)
            io = i;
    CHECK(io >= 0);
    if (io >= 0)
        CHECK_HAS(g.is[io].msg, "damaged gzip data");
    got_free(&g);
    free(bad);

    /* Two gzip members back to back (as `cat a.gz b.gz`). */
    unsigned char *two = malloc(2 * gz_n);
    memcpy(two, gz, gz_n);
    memcpy(two + gz_n, gz, gz_n);
    read1(&g, write_file("two.jsonl.gz", two, 2 * gz_n), NULL);
    CHECK_EQ_INT(g.n, 600);
    CHECK_EQ_INT(g.ni, 0);
    got_free(&g);
    free(two);

    size_t zcap = ZSTD_compressBound(n);
    unsigned char *zs = malloc(zcap);
    size_t zn = ZSTD_compress(zs, zcap, s, n, 3);
    read1(&g, write_file("a.jsonl.zst", zs, zn), NULL);
    CHECK_EQ_INT(g.n, 300);
    CHECK_EQ_INT(g.ni, 0);
    got_free(&g);

    free(zs);
    free(s);

    /* A cut .zst: records before the cut, then a truncation issue.  zstd
    ** blocks hold 128 KiB: the input must span several. */
    s = make_jsonl(3000, &n);
    zcap = ZSTD_compressBound(n);
    zs = malloc(zcap);
    zn = ZSTD_compress(zs, zcap, s, n, 3);
    read1(&g, write_file("cut.jsonl.zst", zs, zn * 2 / 3), NULL);
    CHECK(g.n > 0 && g.n < 3000);
    CHECK_EQ_INT(g.st.by_kind[DP_ISSUE_TRUNCATED], 1);
    got_free(&g);
    free(zs);
    free(gz);
    free(s);
}

TEST(gzip_truncated)
{
    size_t n, gz_n;
    char *s = make_jsonl(3000, &n);
    unsigned char *gz = gzip(s, n, &gz_n);
    got g;

    read1(&g, write_file("cut.jsonl.gz", gz, gz_n / 2), NULL);
    CHECK(g.n > 100 && g.n < 3000);
    /* Every record before the cut, in order. */
    int in_order = 1;
    for (int i = 0; i < g.n && i < MAXR; i++) {
        char want[16];
        snprintf(want, sizeof want, "r%d", i);
        in_order &= strcmp(g.r[i].id, want) == 0;
    }
    CHECK(in_order);
    CHECK_EQ_INT(g.st.by_kind[DP_ISSUE_TRUNCATED], 1);
    CHECK_EQ_INT(g.st.by_kind[DP_ISSUE_EMPTY_FILE], 0);
    /* The truncation names the first line that is not whole; the partial
    ** line itself, if any, is rejected as a JSON syntax error. */
    int t = -1;
    for (int i = 0; i < g.ni && i < MAXI; i++)
        if (g.is[i].kind == DP_ISSUE_TRUNCATED)
            t = i;
    CHECK(t >= 0);
    if (t >= 0) {
        CHECK_EQ_INT(g.is[t].reject, 0);
        CHECK_EQ_INT(g.is[t].line, (unsigned long long)g.n + 1);
        CHECK_HAS(g.is[t].msg, "gzip stream ends early");
    }
    CHECK_EQ_INT(g.st.rejected, g.st.by_kind[DP_ISSUE_SYNTAX]);
    CHECK(g.st.rejected <= 1);
    if (g.st.rejected == 1)
        CHECK_EQ_INT(g.is[t + 1].line, (unsigned long long)g.n + 1);
    got_free(&g);
    free(gz);
    free(s);
}

/* ---- paths, directories, stdin ------------------------------------- */

TEST(nonexistent_path)
{
    got g;
    const char *paths[] = {"/nonexistent/dir/file.jsonl", "tests/data/reader/multi.txt"};
    read_opts(&g, paths, 2, NULL);
    CHECK_EQ_INT(g.rc, DP_ENOTFOUND);
    CHECK_EQ_INT(g.n, 3); /* the next input is still read */
    CHECK_ISSUE(&g, 0, DP_ISSUE_IO, 0, 0, 0);
    CHECK_EQ_STR(g.is[0].file, "/nonexistent/dir/file.jsonl");
    CHECK_HAS(g.is[0].msg, "No such file or directory");
    CHECK_EQ_INT(g.st.files, 1);
    CHECK_EQ_INT(g.st.by_kind[DP_ISSUE_IO], 1);
    got_free(&g);
}

TEST(directory_walk)
{
    got g;
    write_str("dir/b.txt", "date 2022-01-02 B.\n");
    write_str("dir/a/z.jsonl", "{\"date\": \"2022-01-01\", \"text\": \"AZ\"}\n");
    write_str("dir/a/.hidden.txt", "date 2022 caché\n");
    write_str("dir/.git/config", "date 2022 caché\n");
    write_str("dir/c.csv", "date,text\n2022-01-03,C\n");
    read1(&g, tmp("dir"), NULL);
    CHECK_EQ_INT(g.n, 3);
    CHECK_EQ_INT(g.ni, 0);
    CHECK_EQ_INT(g.st.files, 3);
    if (g.n == 3) {
        CHECK_EQ_STR(g.r[0].text, "AZ");
        CHECK_HAS(g.r[0].file, "dir/a/z.jsonl");
        CHECK_EQ_STR(g.r[1].text, "B.");
        CHECK_EQ_STR(g.r[2].text, "C");
    }
    CHECK_EQ_INT(g.st.bytes_total, 19 + 37 + 23);
    got_free(&g);
}

TEST(stdin_dash)
{
    got g;
    const char *p = write_str("stdin.txt", "date 2022-05-01 Depuis stdin.\n");
    int saved = dup(0), fd = open(p, O_RDONLY);
    CHECK(saved >= 0 && fd >= 0);
    dup2(fd, 0);
    close(fd);
    read1(&g, "-", NULL);
    dup2(saved, 0);
    close(saved);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_STR(g.n ? g.r[0].file : "", "-");
    CHECK_EQ_STR(g.n ? g.r[0].id : "", "-:1");
    CHECK_EQ_STR(g.n ? g.r[0].text : "", "Depuis stdin.");
    got_free(&g);
}

/* ---- API contract --------------------------------------------------- */

TEST(callback_stop_is_sticky)
{
    got g;
    const char *p = write_str("stop.jsonl", "{\"text\": \"no date\"}\n"
                                            "{\"date\": \"2022\", \"text\": \"x\"}\n");
    g.stop_at_issue = 1;
    read1(&g, p, NULL);
    CHECK_EQ_INT(g.rc, 77);
    CHECK_EQ_INT(g.n, 0);
    got_free(&g);
    g.stop_at_issue = 0;
}

TEST(bad_arguments)
{
    dp_reader *r = (dp_reader *)1;
    const char *paths[] = {"x"};
    dp_reader_options o = DP_READER_OPTIONS_INIT;
    CHECK_EQ_INT(dp_reader_open(&r, paths, 0, NULL), DP_EINVAL);
    CHECK(r == NULL);
    o.version = 99;
    CHECK_EQ_INT(dp_reader_open(&r, paths, 1, &o), DP_EINVAL);
    CHECK_EQ_STR(dp_issue_name(DP_ISSUE_DATE_INVALID), "date-invalid");
    CHECK_EQ_STR(dp_issue_name(DP_ISSUE__COUNT), "unknown");
    dp_reader_close(NULL);
}

/* Fail the Nth allocation for every N: DP_ENOMEM or success, no leak. */
TEST(allocation_failures)
{
    const char *paths[] = {"tests/data/reader/multi.txt",
                           "tests/data/reader/aliases.jsonl",
                           "tests/data/reader/quoted.csv"};
    int completed = 0;
    for (long n = 0; n < 400 && !completed; n++) {
        dp_reader *r = NULL;
        const dp_record *rec;
        int rc, count = 0;
        dp__alloc_fail_after(n);
        rc = dp_reader_open(&r, paths, 3, NULL);
        if (rc == DP_OK) {
            while ((rc = dp_reader_next(r, &rec)) == DP_OK)
                count++;
            dp_reader_close(r);
        }
        dp__alloc_fail_after(-1);
        CHECK(rc == DP_ENOMEM || rc == DP_ENOTFOUND);
        if (rc == DP_ENOTFOUND) {
            CHECK_EQ_INT(count, 8);
            completed = 1;
        }
    }
    CHECK(completed);
}

/* The reader's own UTF-8 validator agrees with utf8.c's on every 1-, 2-
** and 3-byte string, on 4-byte ones around every boundary, and on random
** strings with ASCII runs (for the eight-bytes-at-a-time skip). */
TEST(utf8_validator_agrees)
{
    unsigned char b[40];
    long bad = 0;
    for (unsigned x = 0; x < (1u << 24); x++) {
        b[0] = (unsigned char)(x >> 16), b[1] = (unsigned char)(x >> 8);
        b[2] = (unsigned char)x;
        if (b[0] < 0xC0 && x >= 256) /* ASCII/continuation lead: 1 pass */
            continue;
        for (size_t n = 1; n <= 3; n++)
            bad += dp__reader_utf8_valid((char *)b, n) !=
                   dp__utf8_valid_prefix((char *)b, n);
    }
    static const unsigned char edge[] = {0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                         0xA0, 0xBF, 0xC0};
    for (unsigned c = 0xF0; c <= 0xF7; c++)
        for (size_t i = 0; i < sizeof edge; i++)
            for (size_t j = 0; j < sizeof edge; j++)
                for (size_t k = 0; k < sizeof edge; k++) {
                    b[0] = (unsigned char)c, b[1] = edge[i], b[2] = edge[j];
                    b[3] = edge[k];
                    bad += dp__reader_utf8_valid((char *)b, 4) !=
                           dp__utf8_valid_prefix((char *)b, 4);
                }
    static const unsigned char alphabet[] = {'a', ' ', 0xC3, 0xA9, 0xE2, 0x80,
                                             0x99, 0xF0, 0x9F, 0xED, 0xA0,
                                             0xC0, 0xF4, 0x90, 0xFF, 0xBF};
    uint32_t seed = 12345;
    for (int t = 0; t < 200000; t++) {
        size_t n = 1 + t % sizeof b;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned v = seed >> 16;
            b[i] = v % 4 ? (unsigned char)('a' + v % 26) : alphabet[v % sizeof alphabet];
        }
        bad += dp__reader_utf8_valid((char *)b, n) !=
               dp__utf8_valid_prefix((char *)b, n);
    }
    CHECK_EQ_INT(bad, 0);
}

/* ---- the real corpus ------------------------------------------------ */

/* The id of the first line of a gzip'd JSON Lines file, found with zlib
** and strstr, independently of depeche's reader. */
static void first_line_id(const char *path, char *out, size_t cap)
{
    char line[8192];
    const char *p, *q;
    gzFile f = gzopen(path, "rb");
    out[0] = '\0';
    if (f == NULL)
        return;
    if (gzgets(f, line, sizeof line) != NULL &&
        (p = strstr(line, "\"id\": \"")) != NULL &&
        (q = strchr(p + 7, '"')) != NULL && (size_t)(q - p - 7) < cap)
        snprintf(out, cap, "%.*s", (int)(q - p - 7), p + 7);
    gzclose(f);
}

TEST(lemonde_counts)
{
    char first_id[64];
    const char *p = test_shared_path("lemonde2022.jsonl.gz");
    dp_reader *r;
    const dp_record *rec;
    uint64_t time_prec = 0, n = 0;
    int rc;
    if (p == NULL)
        SKIP("../shared/corpora/lemonde2022.jsonl.gz absent");
    first_line_id(p, first_id, sizeof first_id);
    CHECK(strncmp(first_id, "lemonde-", 8) == 0);
    CHECK_EQ_INT(dp_reader_open(&r, &p, 1, NULL), DP_OK);
    while ((rc = dp_reader_next(r, &rec)) == DP_OK) {
        time_prec += rec->date.prec == DP_PREC_TIME;
        if (n++ == 0) {
            CHECK_EQ_SLICE(rec->id, first_id);
            CHECK_EQ_SLICE(rec->lang, "fr");
            CHECK_EQ_INT(rec->n_extra, 5);
        }
    }
    CHECK_EQ_INT(rc, DP_ENOTFOUND);
    dp_reader_stats st;
    dp_reader_stats_get(r, &st);
    CHECK_EQ_INT(st.records, 30669);
    CHECK_EQ_INT(st.rejected, 0);
    CHECK_EQ_INT(st.warnings, 0);
    CHECK_EQ_INT(time_prec, 30669); /* datetime beats date */
    dp_reader_close(r);
}

TEST_MAIN()
