/*
** buf.c -- growable byte buffers (dp_buf), in the manner of curl's dynbuf.
**
** A buffer doubles its capacity as it grows and may carry a hard limit, so
** that a reader fed a hostile 10 GB line fails with DP_EINVAL instead of
** exhausting memory.  The contents are always NUL-terminated once
** allocated, which lets callers hand them to C string functions.
*/
#include "dp_int.h"

#include <stdio.h>

int dp__buf_reserve(dp_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > SIZE_MAX - b->n - 1)
        return DP_ENOMEM;
    need = b->n + extra + 1;
    if (b->limit && need > b->limit + 1)
        return DP_EINVAL;
    if (need <= b->cap)
        return DP_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = dp__realloc(b->p, cap);
    if (p == NULL)
        return DP_ENOMEM;
    b->p = p;
    b->cap = cap;
    return DP_OK;
}

int dp__buf_append(dp_buf *b, const void *p, size_t n)
{
    int rc = dp__buf_reserve(b, n);
    if (rc != DP_OK)
        return rc;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
    return DP_OK;
}

int dp__buf_putc(dp_buf *b, char c) { return dp__buf_append(b, &c, 1); }

int dp__buf_vprintf(dp_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int len, rc;

    va_copy(ap2, ap);
    len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0)
        return DP_EINVAL;
    rc = dp__buf_reserve(b, (size_t)len);
    if (rc != DP_OK)
        return rc;
    vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
    b->n += (size_t)len;
    return DP_OK;
}

int dp__buf_printf(dp_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = dp__buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void dp__buf_clear(dp_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

void dp__buf_free(dp_buf *b)
{
    dp__free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
