/*
** test.h -- depeche's tiny test runner (after Redis's testhelp.h).
**
** A test file defines tests with TEST(name) { ... } and ends with
** TEST_MAIN().  Each CHECK that fails prints file:line and the expression
** and marks the current test failed; the test goes on so one run shows
** every failure.  The program takes an optional name filter (substring)
** as argv[1] and ends with exactly "N passed, N failed", exiting non-zero
** on any failure.  A test that cannot run (missing ../shared corpus)
** calls SKIP("why"), which prints the reason and counts as skipped.
**
** Environment: DEPECHE_SHARED points at the shared corpora folder
** (default ../shared/corpora, relative to the repository root, where
** tests run).
*/
#ifndef DP_TEST_H
#define DP_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);
struct test_case { const char *name; test_fn fn; };

static struct test_case test_cases[512];
static int test_ncases;
static int test_failed_now, test_skipped_now;
static int test_checks;

#define TEST(tname)                                                      \
    static void test_##tname(void);                                      \
    __attribute__((constructor)) static void test_register_##tname(void) \
    {                                                                    \
        test_cases[test_ncases].name = #tname;                           \
        test_cases[test_ncases++].fn = test_##tname;                     \
    }                                                                    \
    static void test_##tname(void)

#define CHECK(cond)                                                      \
    do {                                                                 \
        test_checks++;                                                   \
        if (!(cond)) {                                                   \
            printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);     \
            test_failed_now = 1;                                         \
        }                                                                \
    } while (0)

#define CHECK_EQ_INT(a, b)                                               \
    do {                                                                 \
        long long test_a_ = (long long)(a), test_b_ = (long long)(b);    \
        test_checks++;                                                   \
        if (test_a_ != test_b_) {                                        \
            printf("  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__,  \
                   __LINE__, #a, #b, test_a_, test_b_);                  \
            test_failed_now = 1;                                         \
        }                                                                \
    } while (0)

#define CHECK_EQ_STR(a, b)                                               \
    do {                                                                 \
        const char *test_a_ = (a), *test_b_ = (b);                       \
        test_checks++;                                                   \
        if (test_a_ == NULL || test_b_ == NULL ||                        \
            strcmp(test_a_, test_b_) != 0) {                             \
            printf("  FAIL %s:%d: %s == %s (\"%s\" != \"%s\")\n",        \
                   __FILE__, __LINE__, #a, #b,                           \
                   test_a_ ? test_a_ : "(null)",                         \
                   test_b_ ? test_b_ : "(null)");                        \
            test_failed_now = 1;                                         \
        }                                                                \
    } while (0)

/* Compare a slice (p, n) to a C string. */
#define CHECK_EQ_SLICE(s, str)                                           \
    do {                                                                 \
        const char *test_s_ = (str);                                     \
        size_t test_n_ = strlen(test_s_);                                \
        test_checks++;                                                   \
        if ((s).n != test_n_ || ((s).n && memcmp((s).p, test_s_, test_n_))) { \
            printf("  FAIL %s:%d: %s == \"%s\" (got \"%.*s\")\n",        \
                   __FILE__, __LINE__, #s, test_s_, (int)(s).n,          \
                   (s).p ? (s).p : "");                                  \
            test_failed_now = 1;                                         \
        }                                                                \
    } while (0)

#define SKIP(why)                                                        \
    do {                                                                 \
        printf("  SKIP %s\n", why);                                      \
        test_skipped_now = 1;                                            \
        return;                                                          \
    } while (0)

static inline const char *test_shared_dir(void)
{
    const char *d = getenv("DEPECHE_SHARED");
    return d ? d : "../shared/corpora";
}

/* Path of a file in the shared corpora, or NULL if it is absent. */
static inline const char *test_shared_path(const char *rel)
{
    static char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", test_shared_dir(), rel);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fclose(f);
    return path;
}

static inline int test_rm_entry(const char *path, const struct stat *st,
                                int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove a test's temporary directory and everything below it (rm -rf).
** Returns 0, or -1 if something could not be removed; a missing path
** counts as removed. */
static inline int test_rm_rf(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    fclose(f);
    return nftw(path, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

#define TEST_MAIN()                                                      \
    int main(int argc, char **argv)                                      \
    {                                                                    \
        int passed = 0, failed = 0, skipped = 0;                         \
        const char *filter = argc > 1 ? argv[1] : NULL;                  \
        for (int i = 0; i < test_ncases; i++) {                          \
            if (filter && !strstr(test_cases[i].name, filter))           \
                continue;                                                \
            test_failed_now = test_skipped_now = 0;                      \
            printf("%s\n", test_cases[i].name);                          \
            fflush(stdout);                                              \
            test_cases[i].fn();                                          \
            if (test_failed_now)                                         \
                failed++;                                                \
            else if (test_skipped_now)                                   \
                skipped++;                                               \
            else                                                         \
                passed++;                                                \
            fflush(stdout);                                              \
        }                                                                \
        printf("%d passed, %d failed, %d skipped\n", passed, failed,     \
               skipped);                                                 \
        return failed ? 1 : 0;                                           \
    }

#endif /* DP_TEST_H */
