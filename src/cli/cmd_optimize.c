/*
** cmd_optimize.c -- `depeche optimize ARCHIVE`: merge all segments into
** one, dropping deleted documents, in one commit.  Readers keep their view
** meanwhile; another writer gets "busy".
*/
#include "cli.h"

#include <string.h>

static const char optimize_usage[] = "depeche optimize ARCHIVE";

int cmd_optimize(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s\n", optimize_usage);
        return EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage(optimize_usage, "need exactly one archive");
    dp_archive *a;
    int rc = dp_archive_open(&a, argv[1], DP_ARCHIVE_WRITE);
    if (rc == DP_OK)
        rc = dp_archive_optimize(a);
    if (rc != DP_OK) {
        cli_error("%s", a ? dp_archive_errmsg(a) : dp_strerror(rc));
        dp_archive_close(a);
        return EXIT_PROBLEM;
    }
    dp_archive_stats st;
    rc = dp_archive_stats_get(a, &st);
    if (rc == DP_OK)
        printf("%llu documents in %llu segment(s), %.1f MB\n",
               (unsigned long long)st.documents, (unsigned long long)st.segments,
               (double)st.bytes / 1e6);
    dp_archive_close(a);
    return rc == DP_OK ? EXIT_OK : EXIT_PROBLEM;
}
