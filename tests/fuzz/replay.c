/*
** replay.c -- a standalone driver for the fuzz targets of tests/fuzz/:
** it calls LLVMFuzzerTestOneInput on a few built-in inputs and on every
** file of a corpus directory, so that `make check` replays the saved
** corpus (and every crash ever found) without libFuzzer or clang.
**
**   test_fuzz_<name> [dir-or-file...]
**
** Without arguments the corpus is tests/fuzz/corpus/<name>/, <name>
** taken from the program's own name (test_fuzz_reader -> reader),
** relative to the repository root where tests run.  Each input runs in a
** child process (fork) with a 20 s alarm, so that one crash or hang is
** counted as one failure, named, and the other inputs still run; set
** DP_REPLAY_NOFORK=1 to run in-process (for gdb).  The last line is
** "N passed, N failed"; the exit status is non-zero on any failure.
*/
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Called before the first input when the target defines it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define TIMEOUT_SECONDS 20

typedef struct tally {
    int passed, failed;
} tally;

static int run_input(const char *label, const uint8_t *data, size_t n,
                     int nofork)
{
    if (nofork) {
        LLVMFuzzerTestOneInput(data, n);
        return 1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        printf("  FAIL %s: fork: %s\n", label, strerror(errno));
        return 0;
    }
    if (pid == 0) {
        alarm(TIMEOUT_SECONDS);
        LLVMFuzzerTestOneInput(data, n);
        fflush(stdout);
        fflush(stderr);
        _exit(0); /* no atexit handlers: they belong to the parent */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    if (WIFSIGNALED(status))
        printf("  FAIL %s: killed by signal %d%s\n", label, WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    else
        printf("  FAIL %s: exit status %d\n", label, WEXITSTATUS(status));
    return 0;
}

static void count(tally *t, int ok)
{
    if (ok)
        t->passed++;
    else
        t->failed++;
}

static int read_file(const char *path, uint8_t **out, size_t *n_out)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    size_t n = 0, cap = 0;

    if (f == NULL)
        return -1;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *np = realloc(p, cap);
            if (np == NULL) {
                free(p);
                fclose(f);
                return -1;
            }
            p = np;
        }
        size_t k = fread(p + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    *out = p;
    *n_out = n;
    return 0;
}

static void run_file(tally *t, const char *path, int nofork)
{
    uint8_t *data;
    size_t n;
    if (read_file(path, &data, &n) != 0) {
        printf("  FAIL %s: cannot read\n", path);
        t->failed++;
        return;
    }
    count(t, run_input(path, data, n, nofork));
    free(data);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order (files starting with '.' and
** README* are left out). */
static void run_dir(tally *t, const char *dir, int nofork)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (d == NULL) {
        printf("  FAIL %s: cannot open directory: %s\n", dir, strerror(errno));
        t->failed++;
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (nn == NULL)
                break;
            names = nn;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (names[n] == NULL)
            break;
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
            run_file(t, names[i], nofork);
        free(names[i]);
    }
    free(names);
}

/* Inputs every parser should shrug off, whatever it parses. */
static void run_builtin(tally *t, int nofork)
{
    static const char *const seeds[] = {
        "", "\n", "\0", "{", "\"", "(", "date 2022-01-28\n\ntext\n",
        "{\"date\":\"2022\",\"text\":\"x\"}\n", "id,date,text\n1,2022,x\n",
        "\xEF\xBB\xBF", "\x1F\x8B", "\x28\xB5\x2F\xFD", "DPSEGMT1",
        "\xFF\xFE\xFD", "a\"b\\c\r\n",
    };
    uint8_t big[4096];
    char label[32];

    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        snprintf(label, sizeof label, "built-in seed %zu", i);
        size_t n = i == 2 ? 1 : strlen(seeds[i]);
        count(t, run_input(label, (const uint8_t *)seeds[i], n, nofork));
    }
    for (int b = 0; b < 3; b++) {
        memset(big, b == 0 ? 0 : b == 1 ? 0xFF : '(', sizeof big);
        snprintf(label, sizeof label, "built-in fill %d", b);
        count(t, run_input(label, big, sizeof big, nofork));
    }
}

/* tests/fuzz/corpus/<name> from ".../test_fuzz_<name>". */
static void default_dir(const char *argv0, char *out, size_t cap)
{
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    const char *name = strstr(base, "fuzz_");
    name = name ? name + 5 : base;
    snprintf(out, cap, "tests/fuzz/corpus/%s", name);
}

int main(int argc, char **argv)
{
    tally t = {0, 0};
    int nofork = getenv("DP_REPLAY_NOFORK") != NULL;
    char dir[512];

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    run_builtin(&t, nofork);
    if (argc < 2) {
        default_dir(argv[0], dir, sizeof dir);
        run_dir(&t, dir, nofork);
    }
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            run_dir(&t, argv[i], nofork);
        else
            run_file(&t, argv[i], nofork);
    }
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
