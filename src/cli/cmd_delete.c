/*
** cmd_delete.c -- `depeche delete ARCHIVE ID...`: delete records by id, in
** one commit.  Ids that no live document has are reported on stderr (and
** make the exit status 1); the others are deleted all the same.
*/
#include "cli.h"

#include <string.h>

static const char delete_usage[] = "depeche delete [--json] ARCHIVE ID...";

int cmd_delete(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    int first_id = 0;
    for (int i = 1; i < argc && !first_id; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n", delete_usage);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--") == 0 && path)
            first_id = i + 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0' && path == NULL)
            return cli_usage(delete_usage, "unknown option '%s'", argv[i]);
        else if (path == NULL)
            path = argv[i];
        else
            first_id = i;
    }
    if (path == NULL || first_id == 0 || first_id >= argc)
        return cli_usage(delete_usage, "need an archive and at least one id");
    dp_archive *a;
    dp_writer *w = NULL;
    unsigned long deleted = 0, missing = 0;
    int rc = dp_archive_open(&a, path, DP_ARCHIVE_WRITE);
    if (rc == DP_OK)
        rc = dp_writer_begin(a, NULL, &w);
    if (rc != DP_OK) {
        cli_error("%s", a ? dp_archive_errmsg(a) : dp_strerror(rc));
        dp_archive_close(a);
        return EXIT_PROBLEM;
    }
    for (int i = first_id; i < argc && rc == DP_OK; i++) {
        rc = dp_writer_delete(w, argv[i], strlen(argv[i]));
        if (rc == DP_ENOTFOUND) {
            fprintf(stderr, "depeche: %s: no such document\n", argv[i]);
            missing++;
            rc = DP_OK;
        } else if (rc == DP_OK) {
            deleted++;
        }
    }
    if (rc == DP_OK && deleted)
        rc = dp_writer_commit(w);
    if (rc != DP_OK) {
        cli_error("%s", dp_writer_errmsg(w));
        dp_writer_close(w);
        dp_archive_close(a);
        return EXIT_PROBLEM;
    }
    dp_writer_close(w);
    dp_archive_close(a);
    if (json)
        printf("{\"deleted\": %lu, \"not_found\": %lu}\n", deleted, missing);
    else
        printf("deleted %lu documents%s\n", deleted,
               missing ? " (some ids were not found)" : "");
    return missing ? EXIT_PROBLEM : EXIT_OK;
}
