/*
** analyze_stem.c -- Snowball stemming behind a cache of frequent words.
**
** libstemmer's stemmers keep state between calls and are not thread-safe,
** so each analyzer owns one stemmer per language it has met.  Stemming
** costs a few hundred nanoseconds a word, and a news archive repeats the
** same few tens of thousands of words millions of times, so a bounded
** open-addressing hash table (word -> stem, stop flag) sits in front of
** it.  Keys and stems live in one arena.  When the table is half full or
** the arena is full, both are emptied in one go: frequent words come back
** at once, and memory stays bounded (about 1.8 MB per language) whatever
** the archive.  Words longer than CACHE_KEY_MAX bytes bypass the cache.
** The stop word set of the language is a small hash set built here too.
*/
#include "dp_int.h"

#include <libstemmer.h>

#define CACHE_SLOTS (1u << 16)     /* power of two */
#define CACHE_MAX_USED (CACHE_SLOTS / 2)
#define CACHE_ARENA (1u << 20)
#define CACHE_KEY_MAX 64
#define STOP_SLOTS 1024u           /* power of two, > 2 x longest list */

typedef struct cache_slot {
    uint32_t hash;
    uint32_t off;   /* key at arena + off, stem right after it */
    uint8_t klen;   /* 0: empty slot (keys are never empty) */
    uint8_t vlen;
    uint8_t stop;
} cache_slot;

struct dp_stemmer {
    int lang;
    struct sb_stemmer *sb;
    cache_slot *slots;
    char *arena;
    size_t arena_used;
    uint32_t used;
    uint64_t hits, misses;
    const char *stop[STOP_SLOTS];
    uint8_t stop_len[STOP_SLOTS];
};

/* FNV-1a: words are short, and this is cheap and well spread. */
static uint32_t hash_word(const char *w, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)w[i];
        h *= 16777619u;
    }
    return h;
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
    s->slots = dp__calloc(CACHE_SLOTS, sizeof *s->slots);
    s->arena = dp__malloc(CACHE_ARENA);
    if (s->slots == NULL || s->arena == NULL)
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
    dp__free(s->arena);
    dp__free(s);
}

static void cache_clear(dp_stemmer *s)
{
    memset(s->slots, 0, CACHE_SLOTS * sizeof *s->slots);
    s->used = 0;
    s->arena_used = 0;
}

/* Remember word -> stem; silently does nothing when it cannot. */
static void cache_put(dp_stemmer *s, uint32_t slot, uint32_t h,
                      const char *w, size_t n, const char *stem,
                      size_t stem_len, int stop)
{
    if (stem_len > 255)
        return;
    if (s->used >= CACHE_MAX_USED ||
        s->arena_used + n + stem_len > CACHE_ARENA) {
        cache_clear(s);
        slot = h & (CACHE_SLOTS - 1); /* the table is empty now */
    }
    cache_slot *c = &s->slots[slot];
    c->hash = h;
    c->off = (uint32_t)s->arena_used;
    c->klen = (uint8_t)n;
    c->vlen = (uint8_t)stem_len;
    c->stop = (uint8_t)stop;
    memcpy(s->arena + s->arena_used, w, n);
    memcpy(s->arena + s->arena_used + n, stem, stem_len);
    s->arena_used += n + stem_len;
    s->used++;
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
    uint32_t h = hash_word(word, n);
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
    uint32_t j = h & (CACHE_SLOTS - 1);
    for (;; j = (j + 1) & (CACHE_SLOTS - 1)) {
        const cache_slot *c = &s->slots[j];
        if (c->klen == 0)
            break;
        if (c->hash == h && c->klen == n &&
            memcmp(s->arena + c->off, word, n) == 0) {
            s->hits++;
            *stem = s->arena + c->off + n;
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
    cache_put(s, j, h, word, n, *stem, *stem_len, stop);
    if (is_stop)
        *is_stop = stop;
    return DP_OK;
}

void dp__stemmer_stats(const dp_stemmer *s, uint64_t *hits, uint64_t *misses)
{
    *hits = s ? s->hits : 0;
    *misses = s ? s->misses : 0;
}
