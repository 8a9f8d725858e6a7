/*
** search_cli.h -- helpers shared by `search`, `show` and `timeline`
** (implemented in cmd_search.c).
*/
#ifndef DP_SEARCH_CLI_H
#define DP_SEARCH_CLI_H

#include "cli.h"

/* Open the archive read-only; on failure print why and return NULL. */
dp_archive *search_open_archive(const char *path);
/* Parse text as a query in language lang (NULL: default); on a syntax
** error print the message, the query and a caret under the column, and
** return NULL. */
dp_query *search_parse_query(const char *text, const char *lang);
/* Join argv[from..argc) with spaces into a malloc'd string. */
char *search_join_args(int argc, char **argv, int from);

#endif /* DP_SEARCH_CLI_H */
