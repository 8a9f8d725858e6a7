/*
** fuzz_query.c -- fuzz target for the query parser and its analysis pass
** (query_parse.c, query_analyze.c, and the analyzer behind them).
**
** The bytes are parsed as a query (lang "fr", or "en" for inputs of odd
** length, with one analyzer shared by every input as a server would),
** then the tree is written with dp_query_explain.  Contracts checked:
** DP_ESYNTAX leaves *out NULL and a NUL-terminated message starting with
** "column "; explain truncates like snprintf and returns the same length
** whatever the capacity.
*/
#include "fuzz.h"

#include <string.h>

static dp_analyzer *shared_analyzer;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (dp_analyzer_new(&shared_analyzer, NULL) != DP_OK)
        abort();
    return 0;
}

static void check_explain(const dp_query *q)
{
    static char big[1 << 16];
    char small[16], one[1];

    size_t n = dp_query_explain(q, big, sizeof big);
    FUZZ_CHECK(n > 0);
    if (n < sizeof big)
        FUZZ_CHECK(strlen(big) == n);
    FUZZ_CHECK(dp_query_explain(q, small, sizeof small) == n);
    FUZZ_CHECK(strlen(small) == (n < sizeof small ? n : sizeof small - 1));
    FUZZ_CHECK(dp_query_explain(q, one, sizeof one) == n && one[0] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dp_query_options opt = DP_QUERY_OPTIONS_INIT;
    dp_query_error err;
    dp_query *q = (dp_query *)&err; /* must be set to NULL on failure */

    if (shared_analyzer == NULL)
        LLVMFuzzerInitialize(NULL, NULL);
    opt.lang = size % 2 ? "en" : "fr";
    opt.analyzer = shared_analyzer;
    memset(&err, 'x', sizeof err);
    int rc = dp_query_parse((const char *)data, size, &opt, &q, &err);
    if (rc == DP_OK) {
        FUZZ_CHECK(q != NULL);
        check_explain(q);
        dp_query_free(q);
        return 0;
    }
    FUZZ_CHECK(q == NULL);
    FUZZ_CHECK(rc == DP_ESYNTAX || rc == DP_ENOMEM);
    if (rc == DP_ESYNTAX) {
        FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        FUZZ_CHECK(strncmp(err.message, "column ", 7) == 0);
    }
    return 0;
}
