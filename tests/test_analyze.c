/*
** test_analyze.c -- the analysis chain: every case of docs/analysis.md
** (folding, elision, compounds, numbers, quotes and spaces, stop words,
** options, failures) with the exact tokens it must give.
**
** Each token is written as one line "pos start-end form term flags",
** flags being S (stop), C (compound), N (number) or "-", so that one
** comparison shows the whole token stream on failure.
*/
#include "dp_int.h"
#include "analyze.h"
#include "test.h"

static char got[8192];
static size_t got_n;

static int collect(void *ctx, const dp_token *t)
{
    (void)ctx;
    got_n += (size_t)snprintf(
        got + got_n, sizeof got - got_n, "%u %zu-%zu %.*s %.*s %s%s%s%s\n",
        t->pos, t->start, t->end, (int)t->form_len, t->form,
        (int)t->term_len, t->term, t->flags ? "" : "-",
        t->flags & DP_TOKEN_STOP ? "S" : "",
        t->flags & DP_TOKEN_COMPOUND ? "C" : "",
        t->flags & DP_TOKEN_NUMBER ? "N" : "");
    return 0;
}

/* The token lines of text analysed in lang by a default analyzer. */
static const char *toks_opt(const char *lang, const char *text,
                            const dp_analyzer_options *opts)
{
    dp_analyzer *a = NULL;
    got_n = 0;
    got[0] = '\0';
    if (dp_analyzer_new(&a, opts) != DP_OK)
        return "(analyzer_new failed)";
    if (dp_analyze(a, lang, text, strlen(text), collect, NULL) != DP_OK)
        snprintf(got, sizeof got, "(analyze failed)");
    dp_analyzer_free(a);
    return got;
}

static const char *toks(const char *lang, const char *text)
{
    return toks_opt(lang, text, NULL);
}

TEST(elysee_four_variants_one_term)
{
    CHECK_EQ_STR(toks("fr", "Élysée Elysée elysee ÉLYSÉE"),
                 "0 0-8 elysee elyse -\n"
                 "1 9-16 elysee elyse -\n"
                 "2 17-23 elysee elyse -\n"
                 "3 24-32 elysee elyse -\n");
    /* Decomposed input (e + U+0301) folds the same way. */
    CHECK_EQ_STR(toks("fr", "E\xcc\x81lyse\xcc\x81" "e"),
                 "0 0-10 elysee elyse -\n");
}

TEST(elision_every_article)
{
    CHECK_EQ_STR(toks("fr", "l'État d’abord QU'il jusqu'ici lorsqu’elle "
                            "puisqu'on quoiqu'il s'est n'a m'aime t'es "
                            "c'est j'ai"),
                 "0 2-7 etat etat -\n"
                 "1 12-17 abord abord -\n"
                 "2 21-23 il il S\n"
                 "3 30-33 ici ici -\n"
                 "4 43-47 elle elle S\n"
                 "5 55-57 on on S\n"
                 "6 65-67 il il S\n"
                 "7 70-73 est est S\n"
                 "8 76-77 a a S\n"
                 "9 80-84 aime aim -\n"
                 "10 87-89 es e S\n"
                 "11 92-95 est est S\n"
                 "12 98-100 ai ai S\n");
}

TEST(elision_apostrophes_and_case)
{
    /* ’ U+2019, ' U+0027, ʼ U+02BC, ‘ U+2018; upper case articles. */
    CHECK_EQ_STR(toks("fr", "L’Elysée D'abord lʼhomme l‘homme"),
                 "0 4-11 elysee elyse -\n"
                 "1 14-19 abord abord -\n"
                 "2 23-28 homme homm -\n"
                 "3 33-38 homme homm -\n");
}

TEST(elision_keeps_aujourdhui_presquile)
{
    CHECK_EQ_STR(toks("fr", "aujourd'hui aujourd’hui presqu'île presqu’île "
                            "d'aujourd'hui quelqu'un"),
                 "0 0-11 aujourd'hui aujourd'hui -\n"
                 "1 12-25 aujourd'hui aujourd'hui -\n"
                 "2 26-37 presqu'ile presqu'il -\n"
                 "3 38-51 presqu'ile presqu'il -\n"
                 "4 54-65 aujourd'hui aujourd'hui -\n"
                 "5 66-75 quelqu'un quelqu'un -\n");
}

TEST(elision_italian)
{
    CHECK_EQ_STR(toks("it", "L'anno dell'Italia, un'altra c'è"),
                 "0 2-6 anno anno -\n"
                 "1 12-18 italia ital -\n"
                 "2 23-28 altra altra -\n"
                 "3 31-33 e e S\n");
}

/* Other apostrophes stay inside the word, except the possessive `s`,
** dropped in every language as FTS5 would cut it off ("Macron’s" is
** `macron` in a French text too). */
TEST(english_apostrophes_stay_possessive_dropped)
{
    CHECK_EQ_STR(toks("en", "Obama's aides didn't say it's over"),
                 "0 0-5 obama obama -\n"
                 "1 8-13 aides aid -\n"
                 "2 14-20 didn't didn't S\n"
                 "3 21-24 say say -\n"
                 "4 25-27 it it S\n"
                 "5 30-34 over over S\n");
    CHECK_EQ_STR(toks("fr", "Macron’s O'Neill's l's"),
                 "0 0-6 macron macron -\n"
                 "1 11-18 o'neill o'neil -\n"
                 "2 23-24 s s S\n");
}

TEST(compounds_whole_and_parts)
{
    CHECK_EQ_STR(toks("fr", "Etats-Unis porte-parole a-t-il vingt-cinq "
                            "Saint-Sylvestre"),
                 "0 0-5 etats etat -\n"
                 "0 0-10 etats-unis etat-unis C\n"
                 "1 6-10 unis unis -\n"
                 "2 11-16 porte port -\n"
                 "2 11-23 porte-parole port-parol C\n"
                 "3 17-23 parole parol -\n"
                 "4 24-25 a a S\n"
                 "4 24-30 a-t-il a-t-il C\n"
                 "5 26-27 t t S\n"
                 "6 28-30 il il S\n"
                 "7 31-36 vingt vingt -\n"
                 "7 31-41 vingt-cinq vingt-cinq C\n"
                 "8 37-41 cinq cinq -\n"
                 "9 42-47 saint saint -\n"
                 "9 42-57 saint-sylvestre saint-sylvestr C\n"
                 "10 48-57 sylvestre sylvestr -\n");
    /* Same terms whatever the case and accents, and with U+2011. */
    CHECK_EQ_STR(toks("fr", "ÉTATS\xe2\x80\x91UNIS"),
                 "0 0-6 etats etat -\n"
                 "0 0-13 etats-unis etat-unis C\n"
                 "1 9-13 unis unis -\n");
}

TEST(compounds_with_elision_and_limits)
{
    /* Elision inside a compound; 9 parts give no whole; a hyphen not
    ** between letters, and the dash, are separators. */
    CHECK_EQ_STR(toks("fr", "c'est-à-dire l'Etats-Unis a-b-c-d-e-f-g-h-i "
                            "anti- -pro x – y"),
                 "0 2-5 est est S\n"
                 "0 2-13 est-a-dire est-a-dir C\n"
                 "1 6-8 a a S\n"
                 "2 9-13 dire dir -\n"
                 "3 16-21 etats etat -\n"
                 "3 16-26 etats-unis etat-unis C\n"
                 "4 22-26 unis unis -\n"
                 "5 27-28 a a S\n"
                 "6 29-30 b b -\n"
                 "7 31-32 c c S\n"
                 "8 33-34 d d S\n"
                 "9 35-36 e e -\n"
                 "10 37-38 f f -\n"
                 "11 39-40 g g -\n"
                 "12 41-42 h h -\n"
                 "13 43-44 i i -\n"
                 "14 45-49 anti anti -\n"
                 "15 52-55 pro pro -\n"
                 "16 56-57 x x -\n"
                 "17 62-63 y y S\n");
}

TEST(numbers)
{
    /* 1 000 with U+0020, U+00A0 and U+202F; decimals; a 4-digit group
    ** before a group is a year, not a thousand; 1er is a word. */
    CHECK_EQ_STR(toks("fr", "2022 3,5 1 000 1\xc2\xa0" "000 1\xe2\x80\xaf"
                            "000 12 345 678 en 2021 100 000 morts 1er 3.5 "
                            "COVID-19 2021-2022 1 000km"),
                 "0 0-4 2022 2022 N\n"
                 "1 5-8 3,5 3,5 N\n"
                 "2 9-14 1000 1000 N\n"
                 "3 15-21 1000 1000 N\n"
                 "4 22-29 1000 1000 N\n"
                 "5 30-40 12345678 12345678 N\n"
                 "6 41-43 en en S\n"
                 "7 44-48 2021 2021 N\n"
                 "8 49-56 100000 100000 N\n"
                 "9 57-62 morts mort -\n"
                 "10 63-66 1er 1er -\n"
                 "11 67-70 3.5 3.5 N\n"
                 "12 71-76 covid covid -\n"
                 "12 71-79 covid-19 covid-19 C\n"
                 "13 77-79 19 19 N\n"
                 "14 80-84 2021 2021 N\n"
                 "14 80-89 2021-2022 2021-2022 CN\n"
                 "15 85-89 2022 2022 N\n"
                 "16 90-91 1 1 N\n"
                 "17 92-97 000km 000km -\n");
    /* A number ends at a point or comma not followed by a digit. */
    CHECK_EQ_STR(toks("fr", "En 2022, 3."),
                 "0 0-2 en en S\n"
                 "1 3-7 2022 2022 N\n"
                 "2 9-10 3 3 N\n");
}

TEST(quotes_and_spaces_separate)
{
    /* « NBSP Non NNBSP ! NBSP », “Oui”, „Ja“ and 'quoted'. */
    CHECK_EQ_STR(toks("fr", "\xc2\xab\xc2\xa0Non\xe2\x80\xaf! \xc2\xbb, "
                            "dit-il. \xe2\x80\x9cOui\xe2\x80\x9d "
                            "\xe2\x80\x9eJa\xe2\x80\x9c 'quoted'"),
                 "0 4-7 non non -\n"
                 "1 16-19 dit dit -\n"
                 "1 16-22 dit-il dit-il C\n"
                 "2 20-22 il il S\n"
                 "3 27-30 oui oui -\n"
                 "4 37-39 ja ja -\n"
                 "5 44-50 quoted quoted -\n");
    /* Other spaces: em space U+2003, ideographic space U+3000, tab. */
    CHECK_EQ_STR(toks("fr", "un\xe2\x80\x83" "deux\xe3\x80\x80trois\tquatre"),
                 "0 0-2 un un S\n"
                 "1 5-9 deux deux -\n"
                 "2 12-17 trois trois -\n"
                 "3 18-24 quatre quatr -\n");
}

TEST(unicode_forms_and_bad_bytes)
{
    /* Ideographs one by one; ligature ﬁ; fullwidth Ａ; m²; an invalid
    ** byte separates; a soft hyphen vanishes; œ and ß expand. */
    CHECK_EQ_STR(toks("fr", "東京 ﬁnance Ａ m² x\xffy inter\xc2\xadnational "
                            "cœur Straße"),
                 "0 0-3 東 東 -\n"
                 "1 3-6 京 京 -\n"
                 "2 7-15 finance financ -\n"
                 "3 16-19 a a S\n"
                 "4 20-23 m2 m2 -\n"
                 "5 24-25 x x -\n"
                 "6 26-27 y y S\n"
                 "7 28-43 international international -\n"
                 "8 44-49 coeur coeur -\n"
                 "9 50-57 strasse strass -\n");
}

TEST(stop_words_per_language)
{
    CHECK_EQ_STR(toks("de", "Die Straße über München und Köln"),
                 "0 0-3 die die S\n"
                 "1 4-11 strasse strass -\n"
                 "2 12-17 uber uber S\n"
                 "3 18-26 munchen munch -\n"
                 "4 27-30 und und S\n"
                 "5 31-36 koln koln -\n");
    /* An unknown language: folded, not stemmed, no stop words. */
    CHECK_EQ_STR(toks("ru", "Les Députés"),
                 "0 0-3 les les -\n"
                 "1 4-13 deputes deputes -\n");
}

TEST(language_detected_when_not_given)
{
    const char *fr = "Le président de la République a parlé avec les "
                     "ministres de l'économie.";
    char expect[8192];
    snprintf(expect, sizeof expect, "%s", toks("fr", fr));
    CHECK_EQ_STR(toks(NULL, fr), expect);
    CHECK_EQ_STR(toks("", fr), expect);
    CHECK_EQ_STR(toks("FR-fr", fr), expect);
}

TEST(options_no_stem_keep_accents)
{
    dp_analyzer_options o = DP_ANALYZER_OPTIONS_INIT;
    o.stem = 0;
    CHECK_EQ_STR(toks_opt("fr", "Les Élysées", &o),
                 "0 0-3 les les S\n"
                 "1 4-13 elysees elysees -\n");
    o.stem = 1;
    o.fold_accents = 0;
    /* Precomposed and decomposed é give the same NFC form. */
    CHECK_EQ_STR(toks_opt("fr", "Élysée E\xcc\x81lyse\xcc\x81" "e", &o),
                 "0 0-8 élysée élys -\n"
                 "1 9-19 élysée élys -\n");
}

static int stop_at_second(void *ctx, const dp_token *t)
{
    (void)t;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

TEST(callback_stops_the_walk)
{
    dp_analyzer *a;
    int n = 0;
    CHECK_EQ_INT(dp_analyzer_new(&a, NULL), DP_OK);
    CHECK_EQ_INT(dp_analyze(a, "fr", "un deux trois", 13, stop_at_second, &n),
                 42);
    CHECK_EQ_INT(n, 2);
    dp_analyzer_free(a);
    dp_analyzer_free(NULL);
}

TEST(analyzer_stem_stage)
{
    dp_analyzer *a;
    dp_slice s;
    CHECK_EQ_INT(dp_analyzer_new(&a, NULL), DP_OK);
    CHECK_EQ_INT(dp_analyzer_stem(a, "fr", "elysee", 6, &s), DP_OK);
    CHECK_EQ_SLICE(s, "elyse");
    CHECK_EQ_INT(dp_analyzer_stem(a, "fr", "élysée", 8, &s), DP_OK);
    CHECK_EQ_SLICE(s, "élys");
    CHECK_EQ_INT(dp_analyzer_stem(a, "en", "running", 7, &s), DP_OK);
    CHECK_EQ_SLICE(s, "run");
    CHECK_EQ_INT(dp_analyzer_stem(a, "xx", "running", 7, &s), DP_ENOTFOUND);
    CHECK_EQ_SLICE(s, "running");
    CHECK_EQ_INT(dp_analyzer_stem(a, NULL, "running", 7, &s), DP_ENOTFOUND);
    dp_analyzer_free(a);
}

/* The term the chain gives a form equals dp_analyzer_stem of the form,
** which the indexer and the query module rely on. */
TEST(term_is_stem_of_form)
{
    static const char *const text = "Les députés ont voté jeudi la réforme "
                                     "des retraites, a-t-il précisé.";
    dp_analyzer *a, *b;
    CHECK_EQ_INT(dp_analyzer_new(&a, NULL), DP_OK);
    CHECK_EQ_INT(dp_analyzer_new(&b, NULL), DP_OK);
    toks("fr", text);
    for (char *line = got; *line;) {
        char form[64], term[64];
        char *nl = strchr(line, '\n');
        if (sscanf(line, "%*u %*s %63s %63s", form, term) == 2 &&
            !strchr(form, '-')) {
            dp_slice s;
            CHECK_EQ_INT(dp_analyzer_stem(b, "fr", form, strlen(form), &s),
                         DP_OK);
            CHECK_EQ_SLICE(s, term);
        }
        line = nl + 1;
    }
    dp_analyzer_free(a);
    dp_analyzer_free(b);
}

TEST(stop_lists_are_folded)
{
    dp_fold_table *t = malloc(sizeof *t);
    dp__fold_table_init(t, 1);
    for (int l = 0; l < DP_LANG__COUNT; l++) {
        const char *const *list = dp__stop_list(l);
        CHECK(list != NULL);
        for (size_t i = 0; list && list[i]; i++) {
            for (const char *p = list[i]; *p; p++)
                CHECK((unsigned char)*p < 0x80 &&
                      t->e[(unsigned char)*p].s[0] == *p);
        }
    }
    free(t);
    CHECK_EQ_INT(dp__lang_from_code("french"), DP_LANG_FR);
    CHECK_EQ_INT(dp__lang_from_code("pt_BR"), DP_LANG_PT);
    CHECK_EQ_INT(dp__lang_from_code("f"), DP_LANG_NONE);
    CHECK_EQ_INT(dp__lang_from_code("fra"), DP_LANG_NONE);
}

/* Fail the Nth allocation for every N: DP_ENOMEM, never a crash, and
** once allocation succeeds again, the same tokens. */
TEST(allocation_failures)
{
    const char *text = "L'Élysée et les États-Unis : 1 000 soldats.";
    char expect[8192];
    int done = 0;
    snprintf(expect, sizeof expect, "%s", toks("fr", text));
    for (long n = 0; n < 200 && !done; n++) {
        dp_analyzer *a = NULL;
        int rc;
        got_n = 0;
        got[0] = '\0';
        dp__alloc_fail_after(n);
        rc = dp_analyzer_new(&a, NULL);
        if (rc == DP_OK) {
            rc = dp_analyze(a, "fr", text, strlen(text), collect, NULL);
            if (rc == DP_OK) {
                CHECK_EQ_STR(got, expect);
                done = 1;
            }
        }
        dp__alloc_fail_after(-1);
        CHECK(rc == DP_OK || rc == DP_ENOMEM);
        if (rc == DP_ENOMEM && a == NULL)
            CHECK(1);
        dp_analyzer_free(a);
    }
    CHECK(done);
}

static int count_tokens(void *ctx, const dp_token *t)
{
    (void)t;
    ++*(int *)ctx;
    return 0;
}

/* Long and hostile input: a 100 kB word, 200 hyphens, lone marks. */
TEST(hostile_input)
{
    size_t n = 100000;
    char *s = malloc(n + 1);
    dp_analyzer *a;
    int count = 0;
    memset(s, 'a', n);
    for (size_t i = 1; i < 400; i += 2)
        s[i] = '-';
    s[n] = '\0';
    CHECK_EQ_INT(dp_analyzer_new(&a, NULL), DP_OK);
    got_n = 0;
    CHECK_EQ_INT(dp_analyze(a, "fr", s, n, stop_at_second, &count), 42);
    CHECK_EQ_INT(dp_analyze(a, "fr", "\xcc\x81\xcc\x81 a", 6, collect, NULL),
                 DP_OK);
    CHECK_EQ_STR(got, "0 5-6 a a S\n");
    got_n = 0;
    got[0] = '\0';
    /* 200 hyphens: 201 parts, cut into words of at most 64 pieces, too
    ** many parts for a whole compound; the last part is 99,600 bytes. */
    count = 0;
    CHECK_EQ_INT(dp_analyze(a, "fr", s, n, count_tokens, &count), DP_OK);
    CHECK_EQ_INT(count, 201);
    dp_analyzer_free(a);
    free(s);
}

/* The tokens of one word, without their end offset: "pos start form
** term flags" (the end differs when a soft hyphen follows the word). */
static int collect_no_end(void *ctx, const dp_token *t)
{
    dp_buf *b = ctx;
    char line[512];
    int n = snprintf(line, sizeof line, "%u %zu %.*s %.*s %u\n", t->pos,
                     t->start, (int)t->form_len, t->form, (int)t->term_len,
                     t->term, t->flags);
    return dp__buf_append(b, line, (size_t)n) == DP_OK ? 0 : 1;
}

/* Analyse "<word>", "<word>," and "<word><soft hyphen>": a soft hyphen
** (U+00AD, skipped inside a word) sends the word through scan_word, the
** general path; the end of the text or a comma, through the fast path of
** plain words.  The three must give the same tokens. */
static int same_both_paths(dp_analyzer *a, const char *lang,
                           const char *word, dp_buf *fast, dp_buf *slow)
{
    char text[512];
    size_t wl = strlen(word), fast1;
    if (wl + 8 > sizeof text)
        return 1;
    fast->n = slow->n = 0;
    if (dp_analyze(a, lang, word, wl, collect_no_end, fast))
        return 0;
    fast1 = fast->n;
    snprintf(text, sizeof text, "%s,", word);
    if (dp_analyze(a, lang, text, strlen(text), collect_no_end, fast))
        return 0;
    snprintf(text, sizeof text, "%s\xC2\xAD", word);
    if (dp_analyze(a, lang, text, strlen(text), collect_no_end, slow))
        return 0;
    return fast->n == 2 * fast1 && slow->n == fast1 &&
           memcmp(fast->p, slow->p, fast1) == 0 &&
           memcmp(fast->p + fast1, slow->p, fast1) == 0;
}

/* Plain words (ASCII and two-byte Latin letters then a separator) take
** a fast path in dp_analyze: it must give what the general path gives,
** with each option, for every word of the Snowball French vocabulary
** and for letters that fold to several bytes or to other cases. */
TEST(plain_word_fast_path_equals_general_path)
{
    static const char *const words[] = {
        "a", "Élysée", "ÉLYSÉE", "straße", "STRASSE", "Œuvre", "cœur",
        "æsir", "ǅemal", "ĳssel", "ŉ", "ſ", "ÿ", "Ÿ", "ﬁ", "ȿ", "ɏ", "Ɋ",
        "naïve", "façade", "garçon", "Ångström", "Ĳ", "ł", "Łódź", "the",
        "des", "qu", "aujourd", "x",
    };
    dp_analyzer_options keep = DP_ANALYZER_OPTIONS_INIT;
    keep.stem = 0;
    keep.fold_accents = 0;
    const dp_analyzer_options *opts[] = {NULL, &keep};
    const char *voc = test_shared_path("snowball/french.tsv");
    dp_buf fast = {0}, slow = {0};
    for (size_t o = 0; o < 2; o++) {
        dp_analyzer *a;
        CHECK_EQ_INT(dp_analyzer_new(&a, opts[o]), DP_OK);
        for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
            int same = same_both_paths(a, "fr", words[i], &fast, &slow);
            if (!same)
                fprintf(stderr, "  %s: %.*s vs %.*s\n", words[i],
                        (int)fast.n, fast.p, (int)slow.n, slow.p);
            CHECK(same);
            CHECK(same_both_paths(a, "en", words[i], &fast, &slow));
        }
        FILE *f = voc ? fopen(voc, "r") : NULL;
        char line[512];
        size_t n = 0, bad = 0;
        while (f && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\t\n")] = '\0';
            if (!same_both_paths(a, "fr", line, &fast, &slow) && bad++ < 5)
                fprintf(stderr, "  %s: %.*s vs %.*s\n", line, (int)fast.n,
                        fast.p, (int)slow.n, slow.p);
            n++;
        }
        if (f)
            fclose(f);
        CHECK_EQ_INT(bad, 0);
        if (voc)
            CHECK(n > 20000);
        dp_analyzer_free(a);
    }
    if (voc == NULL)
        printf("  (../shared/corpora absent: the built-in words only)\n");
    dp__buf_free(&fast);
    dp__buf_free(&slow);
}

/* One token as a line with its positions and offsets shifted. */
static int collect_shifted(dp_buf *b, const dp_token *t, uint32_t pos0,
                           size_t off0)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%u %zu-%zu %.*s %.*s %u\n",
                     t->pos + pos0, t->start + off0, t->end + off0,
                     (int)t->form_len, t->form, (int)t->term_len, t->term,
                     t->flags);
    return dp__buf_append(b, line, (size_t)n) == DP_OK ? 0 : 1;
}

typedef struct shift_ctx {
    dp_buf *b;
    uint32_t pos0, next;
    size_t off0;
} shift_ctx;

static int collect_shift_cb(void *ctx, const dp_token *t)
{
    shift_ctx *c = ctx;
    if (t->pos + c->pos0 + 1 > c->next)
        c->next = t->pos + c->pos0 + 1;
    return collect_shifted(c->b, t, c->pos0, c->off0);
}

/* The fast path reads plain words 8 at a time and flushes its batch when
** the form buffer runs short or a word takes the general path: a text
** mixing runs of plain words (short, and 40 letters long), elisions,
** compounds, digits and a 300-letter word gives the tokens of its
** space-separated pieces analysed one at a time, positions and offsets
** shifted. */
TEST(plain_word_batches_equal_words_alone)
{
    dp_buf text = {0}, whole = {0}, parts = {0};
    static const char *const pieces[] = {
        "Le", "président", "de", "la", "République", "a", "reçu", "hier",
        "les", "représentants", "des", "syndicats", "l'État,", "covid19",
        "porte-parole", "aujourd'hui", "3,5", "Œuvre", "straße", "ǅemal",
        "x", "y", "z", "et", "puis", "encore", "des", "mots", "simples",
        "pour", "remplir", "un", "lot", "entier", "«", "guillemets", "»",
    };
    char lw[48], huge[301];
    memset(huge, 'q', 300);
    huge[300] = '\0';
    dp_analyzer *a;
    CHECK_EQ_INT(dp_analyzer_new(&a, NULL), DP_OK);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof pieces / sizeof *pieces; i++) {
            dp__buf_append(&text, pieces[i], strlen(pieces[i]));
            dp__buf_putc(&text, ' ');
        }
        for (int k = 0; k < 12; k++) { /* long plain words in a row */
            memset(lw, 'a' + k, 40);
            dp__buf_append(&text, lw, 40);
            dp__buf_putc(&text, ' ');
        }
        dp__buf_append(&text, huge, 300);
        dp__buf_putc(&text, ' ');
    }
    shift_ctx c = {&whole, 0, 0, 0};
    CHECK_EQ_INT(dp_analyze(a, "fr", text.p, text.n, collect_shift_cb, &c),
                 DP_OK);
    c.b = &parts;
    c.next = 0;
    for (size_t i = 0; i < text.n;) {
        size_t j = i;
        while (j < text.n && text.p[j] != ' ')
            j++;
        c.pos0 = c.next;
        c.off0 = i;
        CHECK_EQ_INT(dp_analyze(a, "fr", text.p + i, j - i, collect_shift_cb,
                                &c),
                     DP_OK);
        i = j + 1;
    }
    CHECK(whole.n > 2000);
    CHECK(whole.n == parts.n && memcmp(whole.p, parts.p, whole.n) == 0);
    dp_analyzer_free(a);
    dp__buf_free(&text);
    dp__buf_free(&whole);
    dp__buf_free(&parts);
}

/* Plain words are read eight bytes at a time (ascii_letters8): it must
** give what the byte loop gives, with each option, on texts of random
** pieces that put every byte next to the ASCII letters' bounds ('@' 'A'
** 'Z' '[' '`' 'a' 'z' '{'), accents, marks, a soft hyphen and
** ideographs at every offset of the eight, and at the end of the text. */
static int collect_full(void *ctx, const dp_token *t)
{
    return collect_shifted(ctx, t, 0, 0);
}

TEST(plain_words_eight_bytes_at_a_time)
{
    static const char *const bits[] = {
        "A", "Z", "a", "z", "@", "[", "`", "{", "m", "Q", "0", "9", " ",
        " ", ",", "'", "-", "\xC3\xA9", "\xC3\x89", "\xC3\x9F",
        "\xC7\x85", "\xE2\x80\x99", "\xC2\xAB", "\xC2\xAD",
        "\xE4\xB8\xAD", "\xCC\x81", "\x7F", "\x01", "ab", "Le ",
    };
    dp_analyzer_options keep = DP_ANALYZER_OPTIONS_INIT;
    keep.stem = 0;
    keep.fold_accents = 0;
    const dp_analyzer_options *opts[] = {NULL, &keep};
    dp_buf text = {0}, fast = {0}, slow = {0};
    uint64_t seed = 42;
    size_t differ = 0, tokens = 0;
    for (size_t o = 0; o < 2; o++) {
        dp_analyzer *a, *b;
        CHECK_EQ_INT(dp_analyzer_new(&a, opts[o]), DP_OK);
        CHECK_EQ_INT(dp_analyzer_new(&b, opts[o]), DP_OK);
        dp__analyzer_byte_loop(b);
        for (int round = 0; round < 20000; round++) {
            text.n = fast.n = slow.n = 0;
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t len = (size_t)(seed >> 58); /* 0 to 63 pieces */
            for (size_t i = 0; i < len; i++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                const char *p = bits[(seed >> 33) % (sizeof bits / sizeof *bits)];
                dp__buf_append(&text, p, strlen(p));
            }
            const char *lang = round % 3 ? "fr" : "en";
            CHECK_EQ_INT(dp_analyze(a, lang, text.p, text.n, collect_full,
                                    &fast), DP_OK);
            CHECK_EQ_INT(dp_analyze(b, lang, text.p, text.n, collect_full,
                                    &slow), DP_OK);
            tokens += fast.n;
            if (fast.n != slow.n || memcmp(fast.p, slow.p, fast.n) != 0) {
                if (differ++ < 3)
                    fprintf(stderr, "  %.*s:\n%.*s vs\n%.*s\n", (int)text.n,
                            text.p, (int)fast.n, fast.p, (int)slow.n, slow.p);
            }
        }
        dp_analyzer_free(a);
        dp_analyzer_free(b);
    }
    CHECK_EQ_INT(differ, 0);
    CHECK(tokens > 100000);
    dp__buf_free(&text);
    dp__buf_free(&fast);
    dp__buf_free(&slow);
}

/* The tokenizer hashes and compares its copies of words reading 16 bytes
** whatever their length (dp__word_hash16, dp__same_bytes16): the bytes
** after the word must not count, and the results must be those of
** dp__word_hash and dp__same_bytes, which never read past the word (the
** stem caches and the writer's table mix the two). */
TEST(padded_word_hash_and_compare)
{
    char a[64], b[64];
    uint64_t seed = 7;
    size_t differ = 0;
    for (size_t n = 0; n <= 40; n++) {
        for (int round = 0; round < 300; round++) {
            for (size_t i = 0; i < sizeof a; i++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                a[i] = (char)(seed >> 56);
                b[i] = (char)(seed >> 48);
            }
            memcpy(b, a, n); /* the same word, other bytes after it */
            uint32_t h = dp__word_hash(a, n);
            if (dp__word_hash16(a, n) != h || dp__word_hash16(b, n) != h)
                differ++;
            if (n <= 16 && (!dp__same_bytes16(a, b, n) ||
                            !dp__same_bytes(a, b, n)))
                differ++;
            if (n > 0) { /* one byte of the word changed */
                size_t at = (size_t)(seed >> 20) % n;
                b[at] ^= (char)(1 + (seed >> 40) % 255);
                if (n <= 16 && dp__same_bytes16(a, b, n))
                    differ++;
                if (dp__same_bytes(a, b, n) ||
                    dp__word_hash16(b, n) != dp__word_hash(b, n))
                    differ++;
            }
        }
    }
    CHECK_EQ_INT(differ, 0);
    /* the length counts: "ab" and "ab\0" differ */
    CHECK(dp__word_hash("ab\0", 2) != dp__word_hash("ab\0", 3));
}

TEST_MAIN()
