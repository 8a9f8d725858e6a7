/*
** dp_int.h -- internals shared by the modules of libdepeche.
**
** Nothing here is part of the public API (include/depeche.h).  Cross-file
** internals are named dp__<module>_<verb>.  Each module keeps its own
** banner below; a module whose internal interface is large keeps it in
** src/lib/<module>.h instead, included from here, so that modules written
** at the same time do not edit one file.
*/
#ifndef DP_INT_H
#define DP_INT_H

#include "depeche.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DP_UNUSED(x) ((void)(x))
#if defined(__GNUC__)
#define DP_LIKELY(x) __builtin_expect(!!(x), 1)
#define DP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define DP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DP_LIKELY(x) (x)
#define DP_UNLIKELY(x) (x)
#define DP_PRINTF(a, b)
#endif

/**************************************************************************
** alloc.c: every allocation of the library goes through these, so that a
** test can make the Nth one fail (Lua's failnext, curl's torture mode).
** They return NULL on failure; the caller returns DP_ENOMEM.
*/
void *dp__malloc(size_t n);
void *dp__calloc(size_t count, size_t size);
void *dp__realloc(void *p, size_t n);
void dp__free(void *p);
char *dp__strndup(const char *s, size_t n);
/* Test hook: make the allocation after `n` more succeed fail, and every
** later one (n < 0 disables).  Per thread.  Returns allocations so far. */
void dp__alloc_fail_after(long n);
long dp__alloc_count(void);

/**************************************************************************
** buf.c: a growable byte buffer with an optional hard cap for untrusted
** input (curl's dynbuf).  Always NUL-terminated when p != NULL.
*/
typedef struct dp_buf {
    char *p;
    size_t n;
    size_t cap;
    size_t limit; /* 0: no limit */
} dp_buf;

#define DP_BUF_INIT { NULL, 0, 0, 0 }

int dp__buf_reserve(dp_buf *b, size_t extra);   /* DP_OK/ENOMEM/EINVAL */
int dp__buf_append(dp_buf *b, const void *p, size_t n);
int dp__buf_putc(dp_buf *b, char c);
int dp__buf_printf(dp_buf *b, const char *fmt, ...) DP_PRINTF(2, 3);
int dp__buf_vprintf(dp_buf *b, const char *fmt, va_list ap);
void dp__buf_clear(dp_buf *b);  /* n = 0, keeps memory */
void dp__buf_free(dp_buf *b);

/**************************************************************************
** utf8.c: small UTF-8 helpers used by readers and the analyzer.
*/
/* Length of the longest valid UTF-8 prefix of s[0..n). */
size_t dp__utf8_valid_prefix(const char *s, size_t n);
/* Decode one code point at s (n > 0).  Returns its length (1..4) and the
** code point in *cp, or 0 for an invalid sequence (then *cp = U+FFFD). */
size_t dp__utf8_decode(const unsigned char *s, size_t n, int32_t *cp);
/* Encode cp into out[4]; returns the length. */
size_t dp__utf8_encode(int32_t cp, char *out);

/* Module-private internal headers. */
#include "reader.h"
#include "analyze.h"
#include "index.h"
#include "query.h"

#endif /* DP_INT_H */
