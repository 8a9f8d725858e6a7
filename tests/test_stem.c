/*
** test_stem.c -- the stemming stage (dp_analyzer_stem) against Snowball's
** reference vocabularies: every word of ../shared/corpora/snowball/
** <language>.tsv ("word<TAB>stem", Debian 12's libstemmer 2.2.0) must give
** the listed stem, in all seven languages, on the first pass (stemmer)
** and on the second (through the analyzer's cache).  SKIPs when the
** vocabularies are absent.
*/
#include "dp_int.h"
#include "test.h"

/* Stem every word of one vocabulary twice; returns mismatches, -1 if
** the file is absent. */
static long check_vocabulary(const char *file, const char *lang,
                             long *words)
{
    char rel[64], line[1024];
    const char *path;
    FILE *f;
    dp_analyzer *a;
    long bad = 0;

    snprintf(rel, sizeof rel, "snowball/%s", file);
    path = test_shared_path(rel);
    if (path == NULL || dp_analyzer_new(&a, NULL) != DP_OK)
        return -1;
    f = fopen(path, "r");
    *words = 0;
    for (int pass = 0; pass < 2 && f; pass++) {
        rewind(f);
        while (fgets(line, sizeof line, f)) {
            char *tab = strchr(line, '\t');
            dp_slice s;
            if (tab == NULL)
                continue;
            line[strcspn(line, "\r\n")] = '\0';
            *tab = '\0';
            if (dp_analyzer_stem(a, lang, line, strlen(line), &s) != DP_OK ||
                s.n != strlen(tab + 1) || memcmp(s.p, tab + 1, s.n) != 0) {
                if (bad++ < 5)
                    printf("  %s: %s -> %.*s, expected %s\n", lang, line,
                           (int)s.n, s.p, tab + 1);
            }
            (*words)++;
        }
    }
    if (f)
        fclose(f);
    dp_analyzer_free(a);
    return bad;
}

static void check_language(const char *file, const char *lang)
{
    long words = 0, bad = check_vocabulary(file, lang, &words);
    if (bad < 0) {
        printf("  SKIP %s: ../shared/corpora/snowball/%s absent\n", lang,
               file);
        test_skipped_now = 1;
        return;
    }
    CHECK(words > 2 * 20000);
    CHECK_EQ_INT(bad, 0);
}

TEST(stem_dutch) { check_language("dutch.tsv", "nl"); }
TEST(stem_english) { check_language("english.tsv", "en"); }
TEST(stem_french) { check_language("french.tsv", "fr"); }
TEST(stem_german) { check_language("german.tsv", "de"); }
TEST(stem_italian) { check_language("italian.tsv", "it"); }
TEST(stem_portuguese) { check_language("portuguese.tsv", "pt"); }
TEST(stem_spanish) { check_language("spanish.tsv", "es"); }

TEST_MAIN()
