/*
** analyze.h -- internals of the analysis chain (analyze*.c, langid.c).
**
** The chain is split over four files: analyze.c (tokenizer, elision,
** compounds, numbers, the driver dp_analyze), analyze_fold.c (character
** classes and case/accent folding), analyze_stop.c (stop word lists) and
** analyze_stem.c (the libstemmer wrapper and its cache of frequent words).
** langid.c is dp_lang_detect.  Nothing here is public.
*/
#ifndef DP_ANALYZE_H
#define DP_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**************************************************************************
** analyze_fold.c: character classes and folding.
*/

/* Character classes seen by the tokenizer. */
enum {
    DP_CC_SEP = 0,   /* separator: spaces, punctuation, symbols, controls */
    DP_CC_LETTER,    /* letters (and other numbers: superscripts, ...) */
    DP_CC_DIGIT,     /* decimal digits (Nd) */
    DP_CC_MARK,      /* combining marks: inside a word only */
    DP_CC_APOS,      /* ' U+2019 U+02BC U+2018: inside a word, or separator */
    DP_CC_HYPHEN,    /* - U+2010 U+2011: inside a word, or separator */
    DP_CC_IGNORE,    /* format characters (soft hyphen, ZWJ): skipped */
    DP_CC_IDEO       /* CJK ideographs and kana: one token each */
};

/* A folded character is at most this many bytes of UTF-8. */
#define DP_FOLD_MAX 24

/* Folding table for U+0000..U+024F (Basic Latin to Latin Extended-B),
** built once per analyzer from utf8proc so that the common case is one
** table lookup.  Each entry holds the folded UTF-8 bytes and the class. */
#define DP_FOLD_TABLE_END 0x250
typedef struct dp_fold_entry {
    uint8_t cls;   /* DP_CC_* */
    uint8_t len;   /* folded length in bytes (0: the character vanishes) */
    char s[6];     /* folded bytes */
} dp_fold_entry;

typedef struct dp_fold_table {
    int strip_accents;
    dp_fold_entry e[DP_FOLD_TABLE_END];
} dp_fold_table;

/* Fill t for the given mode.  Never fails (no allocation). */
void dp__fold_table_init(dp_fold_table *t, int strip_accents);

/* Class of any code point (table for the Latin range, utf8proc beyond). */
int dp__fold_class(const dp_fold_table *t, int32_t cp);

/* Fold cp (case folding, compatibility decomposition and, when the table
** strips accents, removal of combining marks) into out[DP_FOLD_MAX].
** Returns the number of bytes written, possibly 0. */
size_t dp__fold_cp(const dp_fold_table *t, int32_t cp, char *out);

/* True for the space characters that may group digits: U+0020, U+00A0,
** U+2007, U+2009, U+202F. */
int dp__fold_is_group_space(int32_t cp);

/**************************************************************************
** analyze_stop.c: stop words, stored folded (lower case, no accents).
*/

/* Languages the chain knows, in this order everywhere. */
enum {
    DP_LANG_FR = 0, DP_LANG_EN, DP_LANG_DE, DP_LANG_ES, DP_LANG_IT,
    DP_LANG_PT, DP_LANG_NL, DP_LANG__COUNT,
    DP_LANG_NONE = -1
};

/* ISO 639-1 code ("fr") and Snowball algorithm name ("french"). */
const char *dp__lang_code(int lang);
const char *dp__lang_snowball(int lang);

/* Language index of a code: "fr", "FR", "fr-FR", "fr_CA", "french";
** DP_LANG_NONE for anything else (NULL, "", "ru"). */
int dp__lang_from_code(const char *code);

/* The NULL-terminated stop word list of a language (folded forms). */
const char *const *dp__stop_list(int lang);

/**************************************************************************
** analyze_stem.c: one Snowball stemmer per language per analyzer, behind
** a bounded open-addressing cache from word to stem (and stop flag).
*/
typedef struct dp_stemmer dp_stemmer;

/* Create the stemmer of `lang` (a DP_LANG_*).  DP_OK or DP_ENOMEM. */
int dp__stemmer_new(dp_stemmer **out, int lang);
void dp__stemmer_free(dp_stemmer *s);

/* Look word[0..n) up: *stem receives its stem (borrowed until the next
** call on s), *is_stop whether it is a stop word (is_stop may be NULL).
** When `stem_it` is 0 the stem is the word itself (the stop flag is still
** given).  Returns DP_OK or DP_ENOMEM. */
int dp__stemmer_lookup(dp_stemmer *s, const char *word, size_t n,
                       int stem_it, const char **stem, size_t *stem_len,
                       int *is_stop);

/* Start loading the cache slots where word[0..n) would be, so that a
** lookup of it soon after finds them in the CPU's cache; returns the
** word's hash, for dp__stemmer_lookup_hashed (the same lookup). */
uint32_t dp__stemmer_prefetch(const dp_stemmer *s, const char *word,
                              size_t n);
int dp__stemmer_lookup_hashed(dp_stemmer *s, const char *word, size_t n,
                              uint32_t hash, int stem_it, const char **stem,
                              size_t *stem_len, int *is_stop);

/* Cache counters, for benchmarks. */
void dp__stemmer_stats(const dp_stemmer *s, uint64_t *hits,
                       uint64_t *misses);

/* The hash of word[0..n) that the cache uses (dp__stemmer_prefetch's). */
uint32_t dp__word_hash(const char *word, size_t n);

/* Eight bytes as a little-endian number (byte i at bits 8i), whatever
** the machine's byte order (one load where it is known). */
static inline uint64_t dp__load_le64(const char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
#else
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | u[i];
    return v;
#endif
}

/* The masks of a word of n <= 16 bytes read as two little-endian
** halves: the n low bytes of the 16.  A table, since the compiler turned
** the comparisons of n into branches, which mispredicted. */
static const uint64_t dp__word_masks[17][2] = {
    {0x0000000000000000ull, 0x0000000000000000ull},
    {0x00000000000000ffull, 0x0000000000000000ull},
    {0x000000000000ffffull, 0x0000000000000000ull},
    {0x0000000000ffffffull, 0x0000000000000000ull},
    {0x00000000ffffffffull, 0x0000000000000000ull},
    {0x000000ffffffffffull, 0x0000000000000000ull},
    {0x0000ffffffffffffull, 0x0000000000000000ull},
    {0x00ffffffffffffffull, 0x0000000000000000ull},
    {0xffffffffffffffffull, 0x0000000000000000ull},
    {0xffffffffffffffffull, 0x00000000000000ffull},
    {0xffffffffffffffffull, 0x000000000000ffffull},
    {0xffffffffffffffffull, 0x0000000000ffffffull},
    {0xffffffffffffffffull, 0x00000000ffffffffull},
    {0xffffffffffffffffull, 0x000000ffffffffffull},
    {0xffffffffffffffffull, 0x0000ffffffffffffull},
    {0xffffffffffffffffull, 0x00ffffffffffffffull},
    {0xffffffffffffffffull, 0xffffffffffffffffull},
};

static inline uint64_t dp__hash_mix(uint64_t h)
{
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

/* dp__word_hash of a word of at most 16 bytes, whose halves are h0 (its
** first 8 bytes, zero-extended) and h1 (the rest, zero-extended). */
static inline uint32_t dp__hash_halves(size_t n, uint64_t h0, uint64_t h1)
{
    uint64_t h = 0x9E3779B97F4A7C15ull * (n + 1);
    return (uint32_t)dp__hash_mix(
        dp__hash_mix(h ^ h0 ^ h1 * 0xD6E8FEB86659FD93ull));
}

/* dp__word_hash(word, n) when 16 bytes can be read at word, whatever n
** (the tokenizer's copies of plain words): the halves are masked, with no
** branch on the length, which mispredicted at most words. */
static inline uint32_t dp__word_hash16(const char *word, size_t n)
{
    if (n > 16)
        return dp__word_hash(word, n);
    return dp__hash_halves(n, dp__load_le64(word) & dp__word_masks[n][0],
                           dp__load_le64(word + 8) & dp__word_masks[n][1]);
}

/* dp__same_bytes(a, b, n) for n <= 16, when 16 bytes can be read at a
** and at b: no branch on n. */
static inline bool dp__same_bytes16(const char *a, const char *b, size_t n)
{
    uint64_t d0 = dp__load_le64(a) ^ dp__load_le64(b);
    uint64_t d1 = dp__load_le64(a + 8) ^ dp__load_le64(b + 8);
    return ((d0 & dp__word_masks[n][0]) | (d1 & dp__word_masks[n][1])) == 0;
}

/* Are a[0 .. n) and b[0 .. n) equal?  Words are short: 8 (or 4) bytes at
** a time, the last load overlapping the one before, never past n (the
** same loads as dp__word_hash; a call of memcmp costs more). */
static inline bool dp__same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y, d = 0;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            d |= x ^ y;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return (d | (x ^ y)) == 0;
    }
    if (n >= 4) {
        uint32_t p, q, r, t;
        memcpy(&p, a, 4);
        memcpy(&q, b, 4);
        memcpy(&r, a + n - 4, 4);
        memcpy(&t, b + n - 4, 4);
        return ((p ^ q) | (r ^ t)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/**************************************************************************
** analyze.c: the analysis with words known to the caller.
*/

/* A plain word is a run of letters that the tokenizer's fast path reads
** whole (one part: no elision, hyphen, digit or mark), whose term is the
** stem of its folded form in the text's language.  dp__analyze_known
** offers each to `take` first, with its language (a DP_LANG_*, or
** DP_LANG_NONE without a stemmer), folded form (16 bytes can be read
** at it, whatever its length: dp__same_bytes16), dp__word_hash and
** position: `take` returns 1 when it has recorded the word itself (its
** position is counted, no token is emitted), 0 to have it go on through
** the stemmer and be emitted with DP__TOKEN_PLAIN in its flags, or an
** error code below 0.  The caller's table is prefetched a few words
** ahead: `size` bytes at table + (hash & mask) * size (inline: a call
** per word cost a quarter of what the table saves).  The writer takes
** the words its buffer already knows: the stemming, the copying and the
** interning of their bytes are skipped. */
typedef struct dp__known {
    const void *table;
    uint32_t mask;
    uint32_t size; /* 64 or 128 */
    int (*take)(void *ctx, int lang, const char *form, size_t n,
                uint32_t hash, uint32_t pos);
    void *ctx;
} dp__known;

/* A token flag of dp__analyze_known only: a plain word (above). */
#define DP__TOKEN_PLAIN (1u << 7)

/* dp_analyze, with plain words offered to known first (NULL: none). */
int dp__analyze_known(dp_analyzer *a, const char *lang, const char *text,
                      size_t n, dp_token_cb cb, void *ctx,
                      const dp__known *known);

/* Tests only: read plain words byte by byte, as on a big-endian machine
** or with a fold table whose ASCII letters are not [A-Za-z] lowercased,
** instead of eight bytes at a time. */
void dp__analyzer_byte_loop(dp_analyzer *a);

/**************************************************************************
** langid.c
*/

/* dp_lang_detect, returning the DP_LANG_* index or DP_LANG_NONE. */
int dp__lang_detect(const char *text, size_t n);

/* 0 if every function word is found in the lookup table with its own
** languages (1 to WORD_MAX bytes, not listed twice with two language
** sets) and the suffix table is in the order of its last bytes; else
** the first bad index, plus 1000 for the suffix table and 2000 for the
** function words. */
int dp__langid_table_check(void);

#endif /* DP_ANALYZE_H */
