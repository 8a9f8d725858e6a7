/*
** alloc.c -- the one allocation wrapper of libdepeche.
**
** All library allocations pass through here so that tests can fail the Nth
** allocation and check that every path returns DP_ENOMEM cleanly.  The
** failure counter is thread-local: tests in one thread cannot disturb
** another, and no global state is shared.
*/
#include "dp_int.h"

#include <stdlib.h>

static _Thread_local long fail_after = -1;
static _Thread_local long alloc_count;

void dp__alloc_fail_after(long n) { fail_after = n; }
long dp__alloc_count(void) { return alloc_count; }

static bool alloc_should_fail(void)
{
    alloc_count++;
    if (fail_after < 0)
        return false;
    if (fail_after == 0)
        return true;
    fail_after--;
    return false;
}

void *dp__malloc(size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *dp__calloc(size_t count, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *dp__realloc(void *p, size_t n)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void dp__free(void *p) { free(p); }

char *dp__strndup(const char *s, size_t n)
{
    char *d = dp__malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
