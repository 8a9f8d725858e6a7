/* test_crash.c -- crash safety: a forked writer is killed with SIGKILL at
** every crash point of the commit path (flushes, merges, segment fsync,
** manifest write/rename) and at random moments, more than 50 times; after
** each kill the archive must open, hold exactly the documents of the last
** completed commit (all of them findable by id and by term), and nothing
** of the interrupted one. */
#include "store.h"
#include "test.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

__attribute__((constructor)) static void no_sync(void)
{
    /* a SIGKILL keeps the page cache: fsync only matters for power loss */
    setenv("DEPECHE_UNSAFE_NOSYNC", "1", 1);
}

/* Batch b adds ids b*100 .. b*100+11 and replaces id (b-1)*100 (if b>0)
** and deletes id (b-1)*100+1. */
static int run_batch(const char *dir, int b)
{
    dp_archive *a;
    dp_writer *w;
    dp_writer_options o = DP_WRITER_OPTIONS_INIT;
    o.memory_limit = 1; /* a segment per document: flushes and merges */
    int rc = dp_archive_open(&a, dir, DP_ARCHIVE_CREATE);
    if (rc == DP_OK)
        rc = dp_writer_begin(a, &o, &w);
    for (int i = 0; i < 12 && rc == DP_OK; i++) {
        char id[32], text[128];
        dp_record r;
        memset(&r, 0, sizeof r);
        snprintf(id, sizeof id, "id%d", b * 100 + i);
        snprintf(text, sizeof text, "crashtest batch%c gouvernement %s", 'a' + b % 26,
                 i % 2 ? "Roumanie" : "Ukraine");
        r.id.p = id;
        r.id.n = strlen(id);
        r.text.p = text;
        r.text.n = strlen(text);
        r.lang.p = "fr";
        r.lang.n = 2;
        dp_date_parse("2022-03-04", 10, &r.date, NULL);
        rc = dp_writer_add(w, &r, NULL);
    }
    if (rc == DP_OK && b > 0) {
        char id[32];
        dp_record r;
        memset(&r, 0, sizeof r);
        snprintf(id, sizeof id, "id%d", (b - 1) * 100);
        r.id.p = id;
        r.id.n = strlen(id);
        r.text.p = "crashtest replaced";
        r.text.n = strlen(r.text.p);
        rc = dp_writer_add(w, &r, NULL);
        snprintf(id, sizeof id, "id%d", (b - 1) * 100 + 1);
        if (rc == DP_OK)
            rc = dp_writer_delete(w, id, strlen(id));
    }
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    if (rc == DP_OK)
        dp_writer_close(w);
    dp_archive_close(a);
    return rc;
}

/* Is id live in s, and (when want_text) with that text? */
static bool has_doc(dp__snap *s, int n, const char *want_text)
{
    char id[32];
    dp_record r;
    dp__fetch f = DP__FETCH_INIT;
    size_t seg;
    uint32_t d;
    snprintf(id, sizeof id, "id%d", n);
    if (dp__snap_find_id(s, id, strlen(id), &seg, &d) != DP_OK)
        return false;
    bool ok = dp__seg_fetch(dp__snap_seg(s, seg), d, &f, &r) == DP_OK;
    if (ok && want_text)
        ok = r.text.n == strlen(want_text) &&
             memcmp(r.text.p, want_text, r.text.n) == 0;
    dp__fetch_free(&f);
    return ok;
}

static long crashtest_docs(dp_archive *a)
{
    dp__snap *s;
    long n = 0;
    if (dp__snap_open(a, &s) != DP_OK)
        return -1;
    for (size_t i = 0; i < dp__snap_nsegs(s); i++) {
        const dp__segment *g = dp__snap_seg(s, i);
        dp__term_info t;
        dp__postings *p;
        if (dp__seg_term_find(g, "crashtest", 9, &t) != DP_OK)
            continue;
        if (dp__postings_open(g, &t, -1, DP__POST_POSITIONS, &p) != DP_OK) {
            n = -1000000;
            break;
        }
        while (dp__postings_next(p) == DP_OK)
            n++;
        dp__postings_free(p);
    }
    long live = (long)dp__snap_live_docs(s);
    dp__snap_close(s);
    return n == live ? n : -1;
}

/* The archive holds exactly batches 0..last (with their replacements
** and deletions).  Returns true if so. */
static bool check_state(const char *dir, int last, bool verbose)
{
    dp_archive *a;
    int rc = dp_archive_open(&a, dir, DP_ARCHIVE_READ);
    bool ok = rc == DP_OK;
    long expect = 0;
    dp__snap *s = NULL;
    if (last < 0 && rc == DP_ENOTFOUND) { /* killed while creating it */
        dp_archive_close(a);
        return true;
    }
    if (ok)
        ok = dp__snap_open(a, &s) == DP_OK;
    for (int b = 0; ok && b <= last + 1; b++) {
        for (int i = 0; i < 12; i++) {
            int n = b * 100 + i;
            bool want = b <= last && !(b < last && i == 1);
            const char *text = b < last && i == 0 ? "crashtest replaced" : NULL;
            if (has_doc(s, n, text) != want) {
                if (verbose)
                    printf("  id%d: expected %s (last commit %d)\n", n,
                       want ? "present" : "absent", last);
                ok = false;
            }
            expect += want;
        }
    }
    if (ok && crashtest_docs(a) != expect) {
        if (verbose)
            printf("  term postings disagree with %ld live docs\n", expect);
        ok = false;
    }
    if (!ok && verbose)
        printf("  %s\n", dp_archive_errmsg(a));
    dp__snap_close(s);
    dp_archive_close(a);
    return ok;
}

static const char *points[] = {
    "flush-terms",  "flush-done",      "segment-fsync", "merge-terms",
    "merge-done",   "manifest-write",  "manifest-rename", "manifest-done",
};

TEST(kill_writer_at_every_point)
{
    char dir[] = "/tmp/dp-test-crash.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int committed = -1, kills = 0, batch = 0, rounds = 0;
    unsigned seed = 12345;
    for (int round = 0; round < 200 && kills < 52 && !test_failed_now;
         round++) {
        char env[64];
        int npoints = (int)DP_ARRAY_LEN(points);
        rounds++;
        bool timed = round >= 2 * npoints;
        if (!timed)
            snprintf(env, sizeof env, "%s:%d", points[round % npoints],
                     1 + (round / npoints) * 3);
        pid_t pid = fork();
        if (pid == 0) {
            if (!timed)
                setenv("DEPECHE_TEST_CRASH_AT", env, 1);
            _exit(run_batch(dir, batch) == DP_OK ? 0 : 3);
        }
        if (timed) {
            seed = seed * 1103515245u + 12345u;
            struct timespec ts = {0, (long)(seed % 15000) * 1000};
            nanosleep(&ts, NULL);
            kill(pid, SIGKILL);
        }
        int status;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            kills++;
            /* the commit happened or not: accept either, exactly */
            if (check_state(dir, batch, false))
                committed = batch++;
            else
                CHECK(check_state(dir, committed, true));
        } else {
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            committed = batch++;
            CHECK(check_state(dir, committed, true));
        }
    }
    printf("  %d rounds, %d kills, %d commits\n", rounds, kills, committed + 1);
    CHECK(kills >= 50);
    CHECK(committed >= 5);
    /* a last clean run, then an optimize, still exact */
    CHECK_EQ_INT(run_batch(dir, batch), DP_OK);
    committed = batch;
    dp_archive *a;
    CHECK_EQ_INT(dp_archive_open(&a, dir, DP_ARCHIVE_WRITE), DP_OK);
    CHECK_EQ_INT(dp_archive_optimize(a), DP_OK);
    dp_archive_close(a);
    CHECK(check_state(dir, committed, true));
    /* no leftover files: a MANIFEST, a LOCK, one segment, no deletions */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL)
        files += e->d_name[0] != '.';
    closedir(d);
    CHECK_EQ_INT(files, 3);
    test_rm_rf(dir);
}

TEST_MAIN()
