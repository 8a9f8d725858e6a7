/*
** analyze_stem.c -- Snowball stemming behind a cache of frequent words.
**
** libstemmer's stemmers keep state between calls and are not thread-safe,
** so each analyzer owns one stemmer per language it has met.  Stemming
** costs about half a microsecond a word, and a news archive repeats the
** same few hundred thousand words millions of times, so an
** open-addressing hash table (word -> stem, stop flag) sits in front of
** it.  A slot is 32 bytes and holds the word and its stem themselves when
** they fit in 24 bytes (nearly always), so that a hit costs one cache
** miss; longer pairs live in an arena.  In front of it, a direct-mapped
** table of 16,384 slots (512 KB, which stays in the CPU's cache) keeps
** copies of the slots last used, where most words of a text are found.
** The table starts small (128 KB) and doubles when three quarters full,
** up to CACHE_SLOTS_MAX slots (16 MB, 393,216 words: Le Monde 2022 has
** 157,533 distinct ones); at that size, when it is full or the arena
** (4 MB at most) is, it is emptied in one go: frequent words come back
** at once, and memory stays bounded (21 MB per language at most, under
** 1 MB for a query process) whatever the archive.  Words longer than
** CACHE_KEY_MAX bytes bypass the cache.  The stop word set of the
** language is a small hash set built here too.
*/
#include "dp_int.h"

#include <libstemmer.h>

#define CACHE_SLOTS_MIN (1u << 12)   /* powers of two */
#define CACHE_SLOTS_MAX (1u << 19)
#define CACHE_INLINE 24              /* key + stem bytes kept in the slot */
#define CACHE_ARENA_MIN (1u << 16)
#define CACHE_ARENA_MAX (1u << 22)
#define CACHE_KEY_MAX 64
#define FRONT_SLOTS (1u << 14)       /* power of two: 512 KB */
#define STOP_SLOTS 1024u           /* power of two, > 2 x longest list */

typedef struct cache_slot {
    uint32_t hash;
    uint8_t klen;   /* 0: empty slot (keys are never empty) */
    uint8_t vlen;
    uint8_t stop;
    uint8_t inl;    /* key and stem in kv, else kv holds the arena offset */
    char kv[CACHE_INLINE];
} cache_slot;

struct dp_stemmer {
    int lang;
    struct sb_stemmer *sb;
    cache_slot *slots;
    uint32_t mask;  /* slots - 1 */
    cache_slot *front; /* direct-mapped copies of recent inline slots */
    char *arena;
    size_t arena_used, arena_cap;
    uint32_t used;
    uint64_t hits, misses;
    const char *stop[STOP_SLOTS];
    uint8_t stop_len[STOP_SLOTS];
};

static inline uint64_t load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The first n bytes at w (n <= 8) as a little-endian number: two 4-byte
** loads, or three bytes, overlapping, never past n. */
static inline uint64_t low_bytes_of(const char *w, size_t n)
{
    const unsigned char *u = (const unsigned char *)w;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 4) {
        uint32_t a = load32(w), b = load32(w + n - 4);
        return a | (uint64_t)b << (8 * (n - 4));
    }
#else /* byte by byte: the same number on any machine */
    if (n >= 4) {
        uint64_t v = 0;
        for (size_t i = n; i-- > 0;)
            v = v << 8 | u[i];
        return v;
    }
#endif
    if (n > 0)
        return u[0] | (uint64_t)u[n / 2] << (8 * (n / 2)) |
               (uint64_t)u[n - 1] << (8 * (n - 1));
    return 0;
}

/* Words are short.  Up to 16 bytes (nearly all), the hash mixes the two
** zero-extended halves once (dp__hash_halves), which the tokenizer
** computes without a branch on the length (dp__word_hash16, analyze.h);
** here without reading past n.  Longer, 8 bytes at a time, the last
** load overlapping the one before (a byte at a time, FNV-1a's multiplies
** form a chain as long as the word: the cost of a hit in the cache). */
static inline uint32_t hash_word(const char *w, size_t n)
{
    if (n <= 8)
        return dp__hash_halves(n, low_bytes_of(w, n), 0);
    if (n <= 16)
        return dp__hash_halves(n, dp__load_le64(w), low_bytes_of(w + 8, n - 8));
    uint64_t h = 0x9E3779B97F4A7C15ull * (n + 1);
    for (size_t i = 0; i + 8 < n; i += 8)
        h = dp__hash_mix(h ^ load64(w + i));
    h = dp__hash_mix(h ^ load64(w + n - 8));
    return (uint32_t)dp__hash_mix(h);
}

static void stop_set_build(dp_stemmer *s)
{
    const char *const *list = dp__stop_list(s->lang);
    for (size_t i = 0; list && list[i]; i++) {
        size_t n = strlen(list[i]);
        uint32_t j = hash_word(list[i], n) & (STOP_SLOTS - 1);
        while (s->stop[j] != NULL)
            j = (j + 1) & (STOP_SLOTS - 1);
        s->stop[j] = list[i];
        s->stop_len[j] = (uint8_t)n;
    }
}

static int stop_set_has(const dp_stemmer *s, const char *w, size_t n,
                        uint32_t h)
{
    if (n > 255)
        return 0;
    for (uint32_t j = h & (STOP_SLOTS - 1); s->stop[j] != NULL;
         j = (j + 1) & (STOP_SLOTS - 1)) {
        if (s->stop_len[j] == n && memcmp(s->stop[j], w, n) == 0)
            return 1;
    }
    return 0;
}

int dp__stemmer_new(dp_stemmer **out, int lang)
{
    dp_stemmer *s = NULL;

    *out = NULL;
    s = dp__calloc(1, sizeof *s);
    if (s == NULL)
        goto nomem;
    s->lang = lang;
    s->slots = dp__calloc(CACHE_SLOTS_MIN, sizeof *s->slots);
    s->mask = CACHE_SLOTS_MIN - 1;
    s->front = dp__calloc(FRONT_SLOTS, sizeof *s->front);
    if (s->slots == NULL || s->front == NULL)
        goto nomem;
    s->sb = sb_stemmer_new(dp__lang_snowball(lang), "UTF_8");
    if (s->sb == NULL) /* the language is known, so it is out of memory */
        goto nomem;
    stop_set_build(s);
    *out = s;
    return DP_OK;
nomem:
    dp__stemmer_free(s);
    return DP_ENOMEM;
}

void dp__stemmer_free(dp_stemmer *s)
{
    if (s == NULL)
        return;
    if (s->sb)
        sb_stemmer_delete(s->sb);
    dp__free(s->slots);
    dp__free(s->front);
    dp__free(s->arena);
    dp__free(s);
}

static void cache_clear(dp_stemmer *s)
{
    memset(s->slots, 0, ((size_t)s->mask + 1) * sizeof *s->slots);
    s->used = 0;
    s->arena_used = 0;
}

/* Double the table (DP_OK) if it may still grow; DP_ENOMEM otherwise
** or when out of memory (the caller then empties it). */
static int cache_grow(dp_stemmer *s)
{
    uint32_t cap = (s->mask + 1) * 2;
    if (cap > CACHE_SLOTS_MAX)
        return DP_ENOMEM;
    cache_slot *t = dp__calloc(cap, sizeof *t);
    if (t == NULL)
        return DP_ENOMEM;
    for (uint32_t i = 0; i <= s->mask; i++) {
        if (s->slots[i].klen == 0)
            continue;
        uint32_t j = s->slots[i].hash & (cap - 1);
        while (t[j].klen)
            j = (j + 1) & (cap - 1);
        t[j] = s->slots[i];
    }
    dp__free(s->slots);
    s->slots = t;
    s->mask = cap - 1;
    return DP_OK;
}

/* Room for n more bytes in the arena (grown up to CACHE_ARENA_MAX)? */
static bool arena_room(dp_stemmer *s, size_t n)
{
    if (s->arena_used + n <= s->arena_cap)
        return true;
    size_t cap = s->arena_cap ? s->arena_cap : CACHE_ARENA_MIN;
    while (cap < s->arena_used + n)
        cap *= 2;
    if (cap > CACHE_ARENA_MAX)
        return false;
    char *p = dp__realloc(s->arena, cap);
    if (p == NULL)
        return false;
    s->arena = p;
    s->arena_cap = cap;
    return true;
}

/* The first free slot of hash h. */
static uint32_t free_slot(const dp_stemmer *s, uint32_t h)
{
    uint32_t j = h & s->mask;
    while (s->slots[j].klen)
        j = (j + 1) & s->mask;
    return j;
}

/* Remember word -> stem: its slot, or NULL when it cannot. */
static const cache_slot *cache_put(dp_stemmer *s, uint32_t slot, uint32_t h,
                      const char *w, size_t n, const char *stem,
                      size_t stem_len, int stop)
{
    bool inl = n + stem_len <= CACHE_INLINE;
    if (stem_len > 255)
        return NULL;
    if (s->used + 1 > (s->mask + 1) / 4 * 3) {
        if (cache_grow(s) != DP_OK)
            cache_clear(s);
        slot = free_slot(s, h);
    }
    if (!inl && !arena_room(s, n + stem_len)) {
        cache_clear(s);
        slot = free_slot(s, h);
        if (!arena_room(s, n + stem_len))
            return NULL;
    }
    cache_slot *c = &s->slots[slot];
    char *o = c->kv;
    c->hash = h;
    c->klen = (uint8_t)n;
    c->vlen = (uint8_t)stem_len;
    c->stop = (uint8_t)stop;
    c->inl = inl;
    if (!inl) {
        uint32_t off = (uint32_t)s->arena_used;
        memcpy(c->kv, &off, sizeof off);
        o = s->arena + off;
        s->arena_used += n + stem_len;
    }
    memcpy(o, w, n);
    memcpy(o + n, stem, stem_len);
    s->used++;
    return c;
}

/* The key and stem bytes of a used slot. */
static inline const char *slot_bytes(const dp_stemmer *s, const cache_slot *c)
{
    uint32_t off;
    if (c->inl)
        return c->kv;
    memcpy(&off, c->kv, sizeof off);
    return s->arena + off;
}

static int stem_raw(dp_stemmer *s, const char *w, size_t n,
                    const char **stem, size_t *stem_len)
{
    const sb_symbol *r = sb_stemmer_stem(s->sb, (const sb_symbol *)w,
                                         (int)n);
    if (r == NULL)
        return DP_ENOMEM;
    *stem = (const char *)r;
    *stem_len = (size_t)sb_stemmer_length(s->sb);
    return DP_OK;
}

int dp__stemmer_lookup(dp_stemmer *s, const char *word, size_t n,
                       int stem_it, const char **stem, size_t *stem_len,
                       int *is_stop)
{
    return dp__stemmer_lookup_hashed(s, word, n, hash_word(word, n),
                                     stem_it, stem, stem_len, is_stop);
}

int dp__stemmer_lookup_hashed(dp_stemmer *s, const char *word, size_t n,
                              uint32_t h, int stem_it, const char **stem,
                              size_t *stem_len, int *is_stop)
{
    int stop, rc;

    if (!stem_it || n > CACHE_KEY_MAX || n == 0) {
        if (is_stop)
            *is_stop = stop_set_has(s, word, n, h);
        *stem = word;
        *stem_len = n;
        if (!stem_it || n == 0 || n > INT32_MAX)
            return DP_OK;
        return stem_raw(s, word, n, stem, stem_len);
    }
    /* the front table first: it stays in the CPU's cache, and the
    ** frequent words that make most of a text are found there */
    cache_slot *f = &s->front[h & (FRONT_SLOTS - 1)];
    if (f->hash == h && f->klen == n && dp__same_bytes(f->kv, word, n)) {
        s->hits++;
        *stem = f->kv + n;
        *stem_len = f->vlen;
        if (is_stop)
            *is_stop = f->stop;
        return DP_OK;
    }
    uint32_t j = h & s->mask;
    for (;; j = (j + 1) & s->mask) {
        const cache_slot *c = &s->slots[j];
        if (c->klen == 0)
            break;
        if (c->hash != h || c->klen != n)
            continue;
        const char *kv = slot_bytes(s, c);
        if (dp__same_bytes(kv, word, n)) {
            s->hits++;
            if (c->inl) {
                *f = *c;
                kv = f->kv;
            }
            *stem = kv + n;
            *stem_len = c->vlen;
            if (is_stop)
                *is_stop = c->stop;
            return DP_OK;
        }
    }
    s->misses++;
    stop = stop_set_has(s, word, n, h);
    rc = stem_raw(s, word, n, stem, stem_len);
    if (rc != DP_OK)
        return rc;
    const cache_slot *c = cache_put(s, j, h, word, n, *stem, *stem_len, stop);
    if (c != NULL && c->inl)
        *f = *c;
    if (is_stop)
        *is_stop = stop;
    return DP_OK;
}

uint32_t dp__stemmer_prefetch(const dp_stemmer *s, const char *word,
                              size_t n)
{
    uint32_t h = hash_word(word, n);
    __builtin_prefetch(&s->front[h & (FRONT_SLOTS - 1)]);
    __builtin_prefetch(&s->slots[h & s->mask]);
    return h;
}

uint32_t dp__word_hash(const char *word, size_t n)
{
    return hash_word(word, n);
}

void dp__stemmer_stats(const dp_stemmer *s, uint64_t *hits, uint64_t *misses)
{
    *hits = s ? s->hits : 0;
    *misses = s ? s->misses : 0;
}
