/*
** test_langid.c -- dp_lang_detect on our own texts (tests/data/langid/
** <lang>.txt: one paragraph or headline per line, written for these
** tests) and on every record of Le Monde 2022 (../shared/corpora, SKIP
** when absent), whose French accuracy must stay above 99%.
*/
#include "dp_int.h"
#include "test.h"

#include <zlib.h>

TEST(langid_tables_are_consistent)
{
    CHECK_EQ_INT(dp__langid_table_check(), 0);
}

TEST(langid_too_little_evidence)
{
    char lang[3] = "xx";
    CHECK_EQ_INT(dp_lang_detect("", 0, lang), DP_ENOTFOUND);
    CHECK_EQ_STR(lang, "");
    CHECK_EQ_INT(dp_lang_detect("12 345 678", 10, lang), DP_ENOTFOUND);
    CHECK_EQ_INT(dp_lang_detect("Macron", 6, lang), DP_ENOTFOUND);
    /* "des" is French and German: a tie is no answer. */
    CHECK_EQ_INT(dp_lang_detect("des des", 7, lang), DP_ENOTFOUND);
    /* Bytes that are not UTF-8 are not letters; no crash on a cut
    ** sequence at the end. */
    CHECK_EQ_INT(dp_lang_detect("\xff\xfe\xc3", 3, lang), DP_ENOTFOUND);
    CHECK_EQ_INT(dp_lang_detect("la maison et le jardin \xc3", 24, lang),
                 DP_OK);
    CHECK_EQ_STR(lang, "fr");
}

static void check_own_texts(const char *code)
{
    char path[256], line[8192], lang[3];
    FILE *f;
    int lines = 0;

    snprintf(path, sizeof path, "tests/data/langid/%s.txt", code);
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\n");
        int rc = dp_lang_detect(line, n, lang);
        if (rc != DP_OK || strcmp(lang, code) != 0)
            printf("  %s detected as '%s': %.60s\n", code, lang, line);
        CHECK_EQ_INT(rc, DP_OK);
        CHECK_EQ_STR(lang, code);
        lines++;
    }
    fclose(f);
    CHECK(lines >= 10);
}

TEST(langid_own_fr) { check_own_texts("fr"); }
TEST(langid_own_en) { check_own_texts("en"); }
TEST(langid_own_de) { check_own_texts("de"); }
TEST(langid_own_es) { check_own_texts("es"); }
TEST(langid_own_it) { check_own_texts("it"); }
TEST(langid_own_pt) { check_own_texts("pt"); }
TEST(langid_own_nl) { check_own_texts("nl"); }

/* Append the decoded JSON string field "key" of line to out (which has
** room for strlen(line) more bytes); enough JSON for this corpus. */
static size_t json_field(const char *line, const char *key, char *out)
{
    char pat[32];
    const char *p;
    size_t n = 0;
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    p = strstr(line, pat);
    if (p == NULL)
        return 0;
    for (p += strlen(pat); *p && *p != '"'; p++) {
        if (*p != '\\') {
            out[n++] = *p;
        } else if (p[1] == 'u' && p[2] && p[3] && p[4] && p[5]) {
            char hex[5] = {p[2], p[3], p[4], p[5], 0};
            long cp = strtol(hex, NULL, 16);
            /* Surrogates never pair here: one U+FFFD each is enough. */
            n += dp__utf8_encode(cp >= 0xD800 && cp < 0xE000 ? 0xFFFD
                                                             : (int32_t)cp,
                                 out + n);
            p += 5;
        } else if (p[1]) {
            out[n++] = p[1] == 'n' ? '\n' : p[1];
            p++;
        }
    }
    out[n++] = '\n';
    return n;
}

TEST(langid_lemonde_french_above_99_percent)
{
    const char *path = test_shared_path("lemonde2022.jsonl.gz");
    size_t cap = 1 << 20, len;
    char *line, *text;
    long records = 0, french = 0;
    gzFile gz;

    if (path == NULL)
        SKIP("../shared/corpora/lemonde2022.jsonl.gz absent");
    gz = gzopen(path, "rb");
    line = malloc(cap);
    text = malloc(cap);
    CHECK(gz != NULL && line != NULL && text != NULL);
    while (gz && line && text && gzgets(gz, line, (int)cap)) {
        char lang[3];
        len = strlen(line);
        while (len == cap - 1 && line[len - 1] != '\n') {
            char *p = realloc(line, cap * 2);
            char *q = realloc(text, cap * 2);
            if (p == NULL || q == NULL) {
                free(p ? p : line);
                free(q ? q : text);
                line = text = NULL;
                break;
            }
            line = p;
            text = q;
            if (gzgets(gz, line + len, (int)(cap + 1)) == NULL)
                break;
            cap *= 2;
            len = strlen(line);
        }
        if (line == NULL)
            break;
        if (strstr(line, "\"lang\": \"fr\"") == NULL)
            continue;
        size_t n = json_field(line, "title", text);
        n += json_field(line, "text", text + n);
        records++;
        if (dp_lang_detect(text, n, lang) == DP_OK && strcmp(lang, "fr") == 0)
            french++;
    }
    if (gz)
        gzclose(gz);
    free(line);
    free(text);
    printf("  %ld of %ld records labelled fr detected as fr (%.2f%%)\n",
           french, records, records ? 100.0 * french / records : 0.0);
    CHECK(records > 30000);
    CHECK(french * 100 > records * 99);
}

TEST_MAIN()
