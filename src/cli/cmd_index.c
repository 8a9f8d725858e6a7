/*
** cmd_index.c -- `depeche index ARCHIVE INPUT...` (also `depeche add`):
** create an archive or add records to it.
**
** Every input is read with the record readers (all formats, .gz, .zst,
** directories, stdin); each rejected record is reported on stderr as
** file:line: reason, and counted by reason in the summary.  On a terminal
** a progress line on stderr shows documents, megabytes read, the rate and,
** when the inputs' total size is known, the ETA.  Everything is committed
** once at the end: an interrupted run leaves the archive as it was.
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char index_usage[] =
    "depeche index [--memory SIZE] [--threads N] [--json] [--quiet]\n"
    "                     [--format F] [--utf8 repair|reject] ARCHIVE INPUT...\n"
    "  SIZE: bytes buffered before a segment is written, with an optional\n"
    "  K, M or G suffix (default 256M)\n"
    "  N: 1 (default) analyses records in a second thread while the\n"
    "  previous ones are indexed; 0 does everything in one thread";

typedef struct index_ctx {
    bool quiet, tty, json;
    uint64_t rejected[DP_ISSUE__COUNT];
    uint64_t n_rejected;
    uint64_t warnings;
} index_ctx;

static int on_issue(void *ctx, const dp_issue *is)
{
    index_ctx *c = ctx;
    if (is->is_reject) {
        c->rejected[is->kind]++;
        c->n_rejected++;
    } else {
        c->warnings++;
    }
    if (c->quiet && !is->is_reject)
        return 0;
    if (c->tty)
        fputs("\r\033[K", stderr);
    cli_print_issue(stderr, is);
    return 0;
}

static bool parse_size(const char *s, size_t *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v == 0 || v > (~0ull) / mul)
        return false;
    *out = (size_t)(v * mul);
    return true;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const dp_reader *r, uint64_t docs, double t0)
{
    dp_reader_stats st;
    dp_reader_stats_get(r, &st);
    double dt = now() - t0, mb = (double)st.bytes_in / 1e6;
    double rate = dt > 0 ? mb / dt : 0;
    fprintf(stderr, "\r\033[K%llu documents  %.1f MB  %.1f MB/s",
            (unsigned long long)docs, mb, rate);
    if (st.bytes_total > st.bytes_in && rate > 0) {
        double left = (double)(st.bytes_total - st.bytes_in) / 1e6 / rate;
        int pct = (int)(100.0 * (double)st.bytes_in / (double)st.bytes_total);
        fprintf(stderr, "  %d%%  ETA %d:%02d", pct, (int)left / 60,
                (int)left % 60);
    }
    fflush(stderr);
}

static void summary(const index_ctx *c, const dp_writer_stats *ws,
                    const dp_reader_stats *rs, double secs)
{
    double mb = (double)rs->bytes_in / 1e6;
    if (c->json) {
        printf("{\"added\": %llu, \"replaced\": %llu, \"rejected\": %llu, "
               "\"warnings\": %llu, \"reasons\": {",
               (unsigned long long)ws->added, (unsigned long long)ws->replaced,
               (unsigned long long)c->n_rejected,
               (unsigned long long)c->warnings);
        bool first = true;
        for (int k = 0; k < DP_ISSUE__COUNT; k++) {
            if (!c->rejected[k])
                continue;
            printf("%s\"%s\": %llu", first ? "" : ", ",
                   dp_issue_name((dp_issue_kind)k),
                   (unsigned long long)c->rejected[k]);
            first = false;
        }
        printf("}, \"files\": %llu, \"bytes_read\": %llu, \"segments_written\": "
               "%llu, \"merges\": %llu, \"text_bytes\": %llu, \"seconds\": %.3f}\n",
               (unsigned long long)rs->files, (unsigned long long)rs->bytes_in,
               (unsigned long long)ws->flushes, (unsigned long long)ws->merges,
               (unsigned long long)ws->bytes_text, secs);
        return;
    }
    printf("added %llu documents (%llu replaced an older version), "
           "rejected %llu\n",
           (unsigned long long)ws->added, (unsigned long long)ws->replaced,
           (unsigned long long)c->n_rejected);
    for (int k = 0; k < DP_ISSUE__COUNT; k++)
        if (c->rejected[k])
            printf("  rejected %-16s %llu\n", dp_issue_name((dp_issue_kind)k),
                   (unsigned long long)c->rejected[k]);
    double text = (double)ws->bytes_text / 1e6;
    printf("read %llu files (%.1f MB), %.1f MB of text in %.2f s "
           "(%.1f MB/s of text)\n",
           (unsigned long long)rs->files, mb, text, secs,
           secs > 0 ? text / secs : 0);
}

/* Read every record and add it.  Returns a DP_* code. */
static int load(dp_writer *w, dp_reader *r, index_ctx *c, double t0)
{
    const dp_record *rec;
    uint64_t docs = 0;
    double last = 0;
    int rc;
    while ((rc = dp_reader_next(r, &rec)) == DP_OK) {
        rc = dp_writer_add(w, rec, NULL);
        if (rc == DP_EINVAL) {
            fprintf(stderr, "%s:%llu: rejected: %s\n", rec->file ? rec->file : "-",
                    (unsigned long long)rec->line, dp_writer_errmsg(w));
            c->n_rejected++;
            continue;
        }
        if (rc != DP_OK)
            return rc;
        if (c->tty && (++docs & 255) == 0 && now() - last > 0.2) {
            last = now();
            progress(r, docs, t0);
        }
    }
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

int cmd_index(int argc, char **argv)
{
    dp_reader_options ro = DP_READER_OPTIONS_INIT;
    dp_writer_options wo = DP_WRITER_OPTIONS_INIT;
    index_ctx c;
    const char *archive = NULL;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    size_t n_paths = 0;
    int status = EXIT_OK;

    memset(&c, 0, sizeof c);
    if (paths == NULL)
        return EXIT_PROBLEM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            c.json = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            c.quiet = true;
        } else if (strcmp(a, "--memory") == 0 && i + 1 < argc) {
            if (!parse_size(argv[++i], &wo.memory_limit)) {
                free(paths);
                return cli_usage(index_usage, "bad --memory '%s'", argv[i]);
            }
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if ((v[0] != '0' && v[0] != '1') || v[1] != '\0') {
                free(paths);
                return cli_usage(index_usage, "bad --threads '%s' (0 or 1)", v);
            }
            wo.threads = v[0] - '0';
        } else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            if (cli_parse_format(argv[++i], &ro.format) != 0) {
                free(paths);
                return cli_usage(index_usage, "unknown format '%s'", argv[i]);
            }
        } else if (strcmp(a, "--utf8") == 0 && i + 1 < argc) {
            ro.utf8 = strcmp(argv[++i], "reject") == 0 ? DP_UTF8_REJECT
                                                       : DP_UTF8_REPAIR;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            free(paths);
            printf("usage: %s\n", index_usage);
            return EXIT_OK;
        } else if (a[0] == '-' && a[1] != '\0') {
            free(paths);
            return cli_usage(index_usage, "unknown option '%s'", a);
        } else if (archive == NULL) {
            archive = a;
        } else {
            paths[n_paths++] = a;
        }
    }
    if (archive == NULL || n_paths == 0) {
        free(paths);
        return cli_usage(index_usage, "need an archive and at least one input");
    }
    c.tty = cli_is_tty(stderr) && !c.quiet;

    dp_archive *a = NULL;
    dp_writer *w = NULL;
    dp_reader *r = NULL;
    double t0 = now();
    int rc = dp_archive_open(&a, archive, DP_ARCHIVE_CREATE);
    if (rc == DP_OK) {
        rc = dp_writer_begin(a, &wo, &w);
    }
    if (rc != DP_OK) {
        cli_error("%s", a ? dp_archive_errmsg(a) : dp_strerror(rc));
        status = EXIT_PROBLEM;
        goto cleanup;
    }
    ro.on_issue = on_issue;
    ro.ctx = &c;
    rc = dp_reader_open(&r, paths, n_paths, &ro);
    if (rc == DP_OK)
        rc = load(w, r, &c, t0);
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    if (c.tty)
        fputs("\r\033[K", stderr);
    if (rc != DP_OK) {
        cli_error("indexing failed, archive left as it was: %s",
                  *dp_writer_errmsg(w) ? dp_writer_errmsg(w) : dp_strerror(rc));
        status = EXIT_PROBLEM;
        goto cleanup;
    }
    dp_writer_stats ws;
    dp_reader_stats rs;
    dp_writer_stats_get(w, &ws);
    dp_reader_stats_get(r, &rs);
    summary(&c, &ws, &rs, now() - t0);
    if (c.n_rejected || rs.by_kind[DP_ISSUE_IO] || rs.by_kind[DP_ISSUE_TRUNCATED])
        status = EXIT_PROBLEM;
cleanup:
    dp_reader_close(r);
    dp_writer_close(w);
    dp_archive_close(a);
    free(paths);
    return status;
}
