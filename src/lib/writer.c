/*
** writer.c -- the one writer of an archive: the lock, the in-memory
** buffer of analysed documents, flushes into segments, deletions by id,
** merges by policy and the commit.
**
** The buffer holds, per term, its postings as a varint stream (per doc:
** varint(doc - last_doc - 1), varint(freq), then per occurrence
** varint(position gap), varint(local form index)), and per document its
** columns, id and source; the serialized records go, as they come, into
** STORE blocks compressed at once (docstore.c's dp__zstore), so that the
** buffer holds about twice as many documents.  Its size is accounted and a
** segment is flushed when it passes the memory limit, so that memory does
** not grow with the amount of text.  Deletions and replacements mark
** documents in copies of the deletion bitmaps; the commit writes new
** deletion files, merges, then replaces the MANIFEST atomically.  Files of
** segments that are no longer named are deleted after the MANIFEST, unless
** a snapshot of this process still uses them (then a later commit does).
** Records are analysed in a second thread (writer_pipe.c) and indexed
** here in their order; documents replaced while still in the buffer are
** left out of the segment it becomes.  A token's (term, form) pair is
** interned once per buffer in a table of 64-byte slots (pslot), by
** either thread (lex_intern), so that adding a token is one probe that
** usually hits, then an append to the occurrences of its document; the
** dictionary is sorted once, at the flush.
*/
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

typedef struct mform {
    uint64_t key;  /* first 8 bytes, zero-padded: most compares end here */
    char *s;
    uint8_t n;
    uint64_t cf;
} mform;

typedef struct mterm {
    uint64_t key;        /* first 8 bytes, zero-padded */
    char *s;
    uint8_t n;
    uint32_t hash;
    uint32_t nforms, fcap, last_form;
    mform *forms;
} mterm;

/* The fields of a term that indexing touches, apart from mterm (strings
** and forms, for flushes and new pairs) so that a token touches one
** 48-byte record: the postings and the document being analysed, its
** occurrences (a list in occ[]). */
typedef struct thot {
    uint8_t *post;       /* varint stream, see the top of the file */
    size_t pn, pcap;
    uint32_t last;       /* last doc added + 1, 0: none */
    uint32_t mark;       /* docgen when touched by the current doc */
    uint32_t head, tail, freq;
} thot;

/* A slot of the (term, form) table: the hot path of indexing.  One probe
** reads one 64-byte slot (a cache line: the table is aligned), which
** holds the hash, the first bytes of the key (term bytes then form
** bytes), the ids the pair interns to and the pair's occurrence count
** (the form's cf, gathered at flush), so that a token known to the
** buffer costs one cache miss here, and compares words, not strings,
** unless the key is longer than 48 bytes (then its strings are read:
** three more misses). */
#define PSLOT_WORDS 6
#define PSLOT_INLINE (8 * PSLOT_WORDS)
typedef struct pslot {
    uint32_t chk;        /* hash bits 14..31, term length, form length */
    uint32_t term;       /* term index + 1; 0: empty slot */
    uint32_t form;       /* form index in the term */
    uint32_t cf;
    uint64_t kb[PSLOT_WORDS]; /* the key's first 48 bytes, zero-padded */
} pslot;

/* A token's key: the term's bytes then the form's (contiguous in the
** packed token, which has at least 16 readable bytes after the key's
** end: see pack_token). */
typedef struct pkey {
    const char *p;
    uint32_t tl, fl, hash, chk;
    uint64_t kb[PSLOT_WORDS];
} pkey;

/* One occurrence of the current document, chained per term. */
typedef struct occ {
    uint32_t pos, form, next;
} occ;

/* The buffer.  Its lexicon (terms, table, ptab, the counts and str_mem)
** is written by the thread that analyses (writer_pipe.c's worker, through
** lex_intern) while records are pending in the pipe, and read by the
** writer's thread only when none is (flushes); lex_used is written by
** the writer's thread.  The rest belongs to the writer's thread. */
typedef struct membuf {
    mterm *terms;
    pslot *ptab;     /* (term, form) pairs, open addressing, in ptab_mem
                     ** aligned to 64 bytes */
    void *ptab_mem;
    uint32_t pmask, npairs;
    size_t lex_used; /* the lexicon's size after the last document added
                     ** (its lex_after): what mb_mem counts, not the
                     ** table's size now, which includes the documents
                     ** the analysis thread has interned ahead: with it,
                     ** where a flush fell depended on timing */
    thot *hot;       /* per term id, grown by the writer's thread */
    uint32_t hcap;
    uint32_t nterms, tcap;
    uint64_t *table; /* hash << 32 | (term index + 1), open addressing */
    uint32_t tmask;
    dp_buf cols;     /* dp__doc_cols per doc */
    dp_buf src_blob, src_offs, id_blob, id_offs, deleted;
    dp__zstore store; /* the records, compressed as they come */
    uint32_t ndocs;
    uint32_t docgen; /* + 1 per document added (or failing to be) */
    uint32_t *idtab; /* docid + 1 */
    uint32_t idmask;
    size_t post_mem, str_mem;
    occ *occ;
    size_t nocc, occ_cap;
    uint32_t *touched; /* terms of the current doc */
    size_t ntouched, touched_cap;
    dp__ftab ftab;     /* plain words known, for the writer's thread */
} membuf;

typedef struct wseg {
    dp__segment v;   /* file + deletion bitmap (owned) */
    bool dirty;      /* deletions changed: write a new deletion file */
    bool fresh;      /* written since the last commit */
} wseg;

struct dp_writer {
    dp_archive *a;
    int lockfd;
    dp_analyzer *an;
    bool own_an;
    size_t limit;
    int merge;
    dp__manifest m;   /* the last commit */
    wseg *segs;
    size_t nseg, segcap;
    membuf mb;
    dp_writer_stats st;
    dp_buf err;
    dp__adoc sync;    /* a record analysed in the caller's thread */
    dp__pipe *pipe;   /* records analysed in a second thread */
    int threads;      /* 1: use the pipe when possible */
    int broken;       /* not DP_OK: a record failed halfway into the buffer
                      ** (its columns, store or postings may be there, its
                      ** docid not), or one taken earlier was lost in the
                      ** pipe (consume_slot): only abort and close remain */
    uint32_t *dpos, *dform;
    size_t dcap;
    pthread_mutex_t lexmu; /* the lexicon of mb, for lex_intern */
};

/**************************************************************************
** Helpers.
*/

static uint32_t hash_bytes(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static dp_slice item(const dp_buf *offs, const dp_buf *blob, uint32_t i)
{
    uint32_t a = dp__get_u32((const uint8_t *)offs->p + 4 * (size_t)i);
    uint32_t b = dp__get_u32((const uint8_t *)offs->p + 4 * (size_t)i + 4);
    dp_slice s = {blob->p + a, b - a};
    return s;
}

static bool bit_get(const uint8_t *bm, uint32_t i)
{
    return bm && (bm[i >> 3] >> (i & 7)) & 1;
}

/**************************************************************************
** The memory buffer.
*/

static void mb_free(membuf *mb)
{
    for (uint32_t i = 0; i < mb->nterms; i++) {
        mterm *t = &mb->terms[i];
        for (uint32_t k = 0; k < t->nforms; k++)
            dp__free(t->forms[k].s);
        dp__free(t->forms);
        dp__free(t->s);
    }
    for (uint32_t i = 0; i < mb->hcap; i++)
        dp__free(mb->hot[i].post);
    dp__free(mb->terms);
    dp__free(mb->hot);
    dp__free(mb->ptab_mem);
    dp__free(mb->table);
    dp__buf_free(&mb->cols);
    dp__buf_free(&mb->src_blob);
    dp__buf_free(&mb->src_offs);
    dp__buf_free(&mb->id_blob);
    dp__buf_free(&mb->id_offs);
    dp__zstore_free(&mb->store);
    dp__buf_free(&mb->deleted);
    dp__free(mb->idtab);
    dp__free(mb->occ);
    dp__free(mb->touched);
    dp__free(mb->ftab.e); /* its ids were this lexicon's */
    memset(mb, 0, sizeof *mb);
}

static size_t mb_mem(const membuf *mb)
{
    return mb->post_mem + mb->lex_used +
           (size_t)mb->hcap * sizeof(thot) + mb->cols.cap +
           mb->src_blob.cap + mb->src_offs.cap + mb->id_blob.cap +
           mb->id_offs.cap + dp__zstore_mem(&mb->store) +
           (size_t)(mb->idmask + 1) * 4 + mb->occ_cap * sizeof(occ) +
           mb->touched_cap * 4;
}

static int grow_table(membuf *mb)
{
    uint32_t cap = mb->table ? (mb->tmask + 1) * 2 : 512;
    uint64_t *t = dp__calloc(cap, sizeof *t);
    if (t == NULL)
        return DP_ENOMEM;
    for (uint32_t i = 0; i < mb->nterms; i++) {
        uint32_t k = mb->terms[i].hash & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = (uint64_t)mb->terms[i].hash << 32 | (i + 1);
    }
    dp__free(mb->table);
    mb->table = t;
    mb->tmask = cap - 1;
    return DP_OK;
}

static inline uint64_t key8(const char *s, size_t n)
{
    uint64_t k = 0;
    memcpy(&k, s, n < 8 ? n : 8);
    return k;
}

/* s[0..n) equals the string (key, str, len)? */
static inline bool same(uint64_t key, const char *str, size_t len,
                        uint64_t skey, const char *s, size_t n)
{
    return key == skey && len == n &&
           (n <= 8 || memcmp(str + 8, s + 8, n - 8) == 0);
}

/* The index of term s[0..n) in the buffer, added when new.  The table
** holds the hashes, and the terms their first 8 bytes, so that a lookup
** touches little memory and rarely calls memcmp (the hottest path of
** indexing). */
static int term_id(membuf *mb, const char *s, size_t n, uint32_t *out)
{
    if (mb->table == NULL || (mb->nterms + 1) * 2 > mb->tmask + 1) {
        if (grow_table(mb) != DP_OK)
            return DP_ENOMEM;
    }
    uint32_t h = hash_bytes(s, n), k = h & mb->tmask;
    uint64_t key = key8(s, n);
    for (; mb->table[k]; k = (k + 1) & mb->tmask) {
        if ((uint32_t)(mb->table[k] >> 32) != h)
            continue;
        uint32_t i = (uint32_t)mb->table[k] - 1;
        mterm *t = &mb->terms[i];
        if (same(t->key, t->s, t->n, key, s, n)) {
            *out = i;
            return DP_OK;
        }
    }
    if (mb->nterms == mb->tcap) {
        uint32_t cap = mb->tcap ? mb->tcap * 2 : 256;
        mterm *nt = dp__realloc(mb->terms, cap * sizeof *nt);
        if (nt == NULL)
            return DP_ENOMEM;
        mb->terms = nt;
        mb->tcap = cap;
    }
    mterm *t = &mb->terms[mb->nterms];
    memset(t, 0, sizeof *t);
    t->s = dp__strndup(s, n);
    if (t->s == NULL)
        return DP_ENOMEM;
    t->n = (uint8_t)n;
    t->key = key;
    t->hash = h;
    mb->str_mem += n + 24;
    mb->table[k] = (uint64_t)h << 32 | ++mb->nterms;
    *out = mb->nterms - 1;
    return DP_OK;
}

static int form_id(membuf *mb, mterm *t, const char *s, size_t n,
                   uint32_t *out)
{
    if (n >= DP__TERM_MAX)
        n = DP__TERM_MAX - 1;
    uint64_t key = key8(s, n);
    /* the form of the last occurrence is the likeliest */
    if (t->nforms) {
        const mform *f = &t->forms[t->last_form];
        if (same(f->key, f->s, f->n, key, s, n)) {
            *out = t->last_form;
            return DP_OK;
        }
    }
    for (uint32_t i = 0; i < t->nforms; i++) {
        const mform *f = &t->forms[i];
        if (same(f->key, f->s, f->n, key, s, n)) {
            *out = t->last_form = i;
            return DP_OK;
        }
    }
    if (t->nforms == t->fcap) {
        uint32_t cap = t->fcap ? t->fcap * 2 : 1;
        mform *nf = dp__realloc(t->forms, cap * sizeof *nf);
        if (nf == NULL)
            return DP_ENOMEM;
        t->forms = nf;
        mb->str_mem += (cap - t->fcap) * sizeof *nf;
        t->fcap = cap;
    }
    mform *f = &t->forms[t->nforms];
    f->s = dp__strndup(s, n);
    if (f->s == NULL)
        return DP_ENOMEM;
    f->n = (uint8_t)n;
    f->key = key;
    f->cf = 0;
    mb->str_mem += n + 32;
    *out = t->last_form = t->nforms++;
    return DP_OK;
}

/* id -> buffer docid table. */
static int idtab_put(membuf *mb, uint32_t docid)
{
    if (mb->idtab == NULL || (mb->ndocs + 1) * 2 > mb->idmask + 1) {
        uint32_t cap = mb->idtab ? (mb->idmask + 1) * 2 : 1024;
        uint32_t *t = dp__calloc(cap, sizeof *t);
        if (t == NULL)
            return DP_ENOMEM;
        dp__free(mb->idtab);
        mb->idtab = t;
        mb->idmask = cap - 1;
        for (uint32_t d = 0; d < docid; d++) {
            dp_slice s = item(&mb->id_offs, &mb->id_blob, d);
            uint32_t k = hash_bytes(s.p, s.n) & mb->idmask;
            while (t[k])
                k = (k + 1) & mb->idmask;
            t[k] = d + 1;
        }
    }
    dp_slice s = item(&mb->id_offs, &mb->id_blob, docid);
    uint32_t k = hash_bytes(s.p, s.n) & mb->idmask;
    while (mb->idtab[k])
        k = (k + 1) & mb->idmask;
    mb->idtab[k] = docid + 1;
    return DP_OK;
}

/* Mark the live buffer doc with this id deleted; true if there was one. */
static bool mb_delete_id(membuf *mb, const char *id, size_t n)
{
    bool found = false;
    if (mb->idtab == NULL)
        return false;
    uint32_t k = hash_bytes(id, n) & mb->idmask;
    for (; mb->idtab[k]; k = (k + 1) & mb->idmask) {
        uint32_t d = mb->idtab[k] - 1;
        dp_slice s = item(&mb->id_offs, &mb->id_blob, d);
        uint8_t *bm = (uint8_t *)mb->deleted.p;
        if (s.n == n && memcmp(s.p, id, n) == 0 && !bit_get(bm, d)) {
            bm[d >> 3] |= (uint8_t)(1u << (d & 7));
            found = true;
        }
    }
    return found;
}

/**************************************************************************
** Analysing one document into the buffer.
*/

/* Chain occurrence o to term t's list for the current doc, keeping the
** list in position order (tokens come in order; a compound may not). */
static void chain_occ(membuf *mb, thot *t, uint32_t o)
{
    occ *oc = mb->occ;
    if (oc[t->tail].pos <= oc[o].pos) {
        oc[t->tail].next = o;
        t->tail = o;
        return;
    }
    if (oc[o].pos < oc[t->head].pos) {
        oc[o].next = t->head;
        t->head = o;
        return;
    }
    uint32_t i = t->head;
    while (oc[oc[i].next].pos <= oc[o].pos)
        i = oc[i].next;
    oc[o].next = oc[i].next;
    oc[i].next = o;
}

/* The hash of a (term, form) key of n bytes (tl of them the term's), from
** its words w[0 .. (n + 7) / 8), the last one zero-padded: 8 bytes at a
** time (the per-byte FNV of hash_bytes costs as much as the probe). */
static inline uint32_t hash_words(const uint64_t *w, size_t n, size_t tl)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)n << 8 | tl);
    for (size_t i = 0; i < (n + 7) / 8; i++) {
        h = (h ^ w[i]) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

/* The same from the key's bytes (any length below 2 * DP__TERM_MAX). */
static uint32_t hash_key(const char *p, size_t n, size_t tl)
{
    uint64_t w[2 * DP__TERM_MAX / 8 + 1] = {0};
    memcpy(w, p, n);
    return hash_words(w, n, tl);
}

/* The hash of the pair in slot e (growing the table): from the slot's
** own words when the key fits there (no cache miss on the strings), else
** from its strings. */
static uint32_t hash_key_of(const membuf *mb, const pslot *e)
{
    char buf[2 * DP__TERM_MAX];
    size_t tl = (e->chk >> 7) & 127, fl = e->chk & 127;
    if (tl + fl <= PSLOT_INLINE)
        return hash_words(e->kb, tl + fl, tl);
    const mterm *t = &mb->terms[e->term - 1];
    const mform *f = &t->forms[e->form];
    memcpy(buf, t->s, t->n);
    memcpy(buf + t->n, f->s, f->n);
    return hash_key(buf, (size_t)t->n + f->n, t->n);
}

/* A table of cap slots aligned to 64 bytes (*mem is what to free). */
static pslot *ptab_alloc(uint32_t cap, void **mem)
{
    char *p = dp__calloc((size_t)cap + 1, sizeof(pslot));
    *mem = p;
    if (p == NULL)
        return NULL;
    return (pslot *)(p + (64 - (uintptr_t)p % 64) % 64);
}

static int grow_ptab(membuf *mb)
{
    uint32_t cap = mb->ptab ? (mb->pmask + 1) * 2 : 256;
    void *mem;
    pslot *t = ptab_alloc(cap, &mem);
    if (t == NULL)
        return DP_ENOMEM;
    for (uint32_t i = 0; mb->ptab && i <= mb->pmask; i++) {
        if (mb->ptab[i].term == 0)
            continue;
        uint32_t k = hash_key_of(mb, &mb->ptab[i]) & (cap - 1);
        while (t[k].term)
            k = (k + 1) & (cap - 1);
        t[k] = mb->ptab[i];
    }
    dp__free(mb->ptab_mem);
    mb->ptab_mem = mem;
    mb->ptab = t;
    mb->pmask = cap - 1;
    return DP_OK;
}

/* The key at p: its words are read 8 bytes at a time (the packed token
** has room past the key), the last one masked. */
static inline void pkey_make(pkey *k, const char *p, size_t tl, size_t fl)
{
    size_t n = tl + fl, nw = (n + 7) / 8;
    k->p = p;
    k->tl = (uint32_t)tl;
    k->fl = (uint32_t)fl;
    memset(k->kb, 0, sizeof k->kb);
    if (nw > PSLOT_WORDS)
        nw = PSLOT_WORDS;
    for (size_t i = 0; i < nw; i++)
        memcpy(&k->kb[i], p + 8 * i, 8);
    if (n % 8 && n <= PSLOT_INLINE)
        k->kb[nw - 1] &= (1ull << (8 * (n % 8))) - 1;
    k->hash = n <= PSLOT_INLINE ? hash_words(k->kb, n, tl)
                                : hash_key(p, n, tl);
    k->chk = (k->hash & 0xffffc000u) | (uint32_t)tl << 7 | (uint32_t)fl;
}

/* Does slot e hold key k? */
static inline bool pslot_is(const membuf *mb, const pslot *e, const pkey *k)
{
    uint64_t diff = e->chk ^ k->chk;
    for (size_t i = 0; i < PSLOT_WORDS; i++)
        diff |= e->kb[i] ^ k->kb[i];
    if (diff)
        return false;
    if (k->tl + k->fl <= PSLOT_INLINE)
        return true;
    const mterm *t = &mb->terms[e->term - 1];
    const mform *f = &t->forms[e->form];
    return memcmp(t->s, k->p, k->tl) == 0 &&
           memcmp(f->s, k->p + k->tl, k->fl) == 0;
}

/* Add the occurrences that entry e gave to its pair's count. */
static inline void ftab_fold(membuf *mb, dp__fentry *e)
{
    mb->ptab[e->slot].cf += e->cnt;
    e->cnt = 0;
}

/* Before a flush reads the pairs' counts, and before the pair table
** grows (the slots move: the entries are then emptied): every entry's
** count, added. */
static void ftab_fold_all(membuf *mb, bool empty)
{
    for (uint32_t i = 0; mb->ftab.e && i < 1u << DP__FTAB_BITS; i++)
        if (mb->ftab.e[i].cnt)
            ftab_fold(mb, &mb->ftab.e[i]);
    if (empty && mb->ftab.e)
        memset(mb->ftab.e, 0, sizeof *mb->ftab.e << DP__FTAB_BITS);
}

/* The (term, form) ids of a token: one probe of the pair table when the
** pair is known, else the term and form tables (and a new slot). */
/* The slot of key in the pair table (mb->ptab not NULL): the one holding
** it, or the empty slot where it goes. */
static inline pslot *pair_slot(const membuf *mb, const pkey *key)
{
    uint32_t k = key->hash & mb->pmask;
    while (mb->ptab[k].term && !pslot_is(mb, &mb->ptab[k], key))
        k = (k + 1) & mb->pmask;
    return &mb->ptab[k];
}

static int pair_id(membuf *mb, const pkey *key, uint32_t *ti, uint32_t *fi,
                   uint32_t *slot)
{
    /* load at most 3/4: the table is a large part of the buffer */
    if (mb->ptab == NULL ||
        (size_t)(mb->npairs + 1) * 4 > (size_t)(mb->pmask + 1) * 3) {
        if (mb->ptab)
            ftab_fold_all(mb, true); /* its slots are about to move */
        if (grow_ptab(mb) != DP_OK)
            return DP_ENOMEM;
    }
    pslot *e = pair_slot(mb, key);
    *slot = (uint32_t)(e - mb->ptab);
    if (e->term) {
        e->cf++;
        *ti = e->term - 1;
        *fi = e->form;
        return DP_OK;
    }
    if (term_id(mb, key->p, key->tl, ti) != DP_OK ||
        form_id(mb, &mb->terms[*ti], key->p + key->tl, key->fl, fi) != DP_OK)
        return DP_ENOMEM;
    e->chk = key->chk;
    e->term = *ti + 1;
    e->form = *fi;
    e->cf = 1;
    memcpy(e->kb, key->kb, sizeof e->kb);
    mb->npairs++;
    return DP_OK;
}

/* The known-words table of the buffer, made on first use (NULL when out
** of memory: words are then stemmed and interned as the pipe's are). */
static dp__ftab *ftab_ready(membuf *mb)
{
    if (mb->ftab.e == NULL)
        mb->ftab.e = dp__calloc(1u << DP__FTAB_BITS, sizeof *mb->ftab.e);
    return mb->ftab.e ? &mb->ftab : NULL;
}

/* Remember plain word form[0..n) of language lang as pair (ti, fi), in
** place of the entry its hash falls on. */
static void ftab_fill(membuf *mb, int lang, const char *form, size_t n,
                      uint32_t ti, uint32_t fi, uint32_t slot)
{
    if (n == 0 || n > DP__FTAB_FORM)
        return;
    uint32_t h = dp__word_hash(form, n);
    dp__fentry *e = dp__ftab_set(&mb->ftab, h);
    /* there already (a word twice in one document misses twice) */
    if (dp__fentry_holds(e, h, lang, form, n) ||
        dp__fentry_holds(e + 1, h, lang, form, n))
        return;
    /* an empty entry, else the one that gave fewer words lately */
    if (e->n != 0 && (e[1].n == 0 || e[1].cnt <= e->cnt))
        e++;
    if (e->cnt)
        ftab_fold(mb, e);
    e->hash = h;
    e->term = ti;
    e->form = fi;
    e->slot = slot;
    e->lang = (uint8_t)(lang + 1);
    e->n = (uint8_t)n;
    memcpy(e->f, form, n);
}

/* The size of the lexicon, for mb_mem. */
static size_t lex_size(const membuf *mb)
{
    return mb->str_mem + (size_t)mb->tcap * (sizeof(mterm) + 16) +
           (mb->ptab ? (size_t)(mb->pmask + 1) * sizeof(pslot) : 0);
}

/* dp__intern_fn: set the (term, form) ids of d's packed tokens, adding
** the pairs that are new.  Runs in either thread (see writer_pipe.c),
** under w->lexmu.  Tokens go in batches
** whose table slots are prefetched first: the misses of a batch overlap
** instead of following one another. */
static int lex_intern_locked(membuf *mb, dp__adoc *d)
{
    enum { BATCH = 16 };
    uint8_t *q = (uint8_t *)d->toks.p, *end = q + d->toks.n, *tq[BATCH];
    pkey keys[BATCH];
    bool fill = d->ftab != NULL && d->ftab->e != NULL &&
                d->plain_lang >= DP_LANG_NONE;
    int rc = DP_OK;
    /* the known words first: their entries, as the analysis found them,
    ** before the others' pairs can replace or empty any.  Without a
    ** branch on whether a token is known (1 in 20 is not, and the branch
    ** mispredicted): the others count in a local entry, and their ids,
    ** written here, are set again below. */
    dp__fentry none = {0}, *base[2] = {&none, mb->ftab.e};
    for (uint8_t *k = q; k + 15 <= end; k += 15 + k[5] + k[6]) {
        uint32_t known = (k[4] & DP__PACK_IDS) != 0;
        dp__fentry *e = base[known] + (dp__get_u32(k + 7) & -known);
        e->cnt++;
        dp__put_u32(k + 7, e->term);
        dp__put_u32(k + 11, e->form);
    }
    while (q + 15 <= end && rc == DP_OK) {
        int m = 0;
        for (; m < BATCH && q + 15 <= end; q += 15 + q[5] + q[6]) {
            tq[m] = q; /* kept unless known: its ids are set */
            m += !(q[4] & DP__PACK_IDS);
        }
        for (int i = 0; i < m; i++) {
            pkey_make(&keys[i], (const char *)tq[i] + 15, tq[i][5],
                      tq[i][6]);
            if (mb->ptab)
                __builtin_prefetch(&mb->ptab[keys[i].hash & mb->pmask]);
        }
        for (int i = 0; i < m && rc == DP_OK; i++) {
            uint32_t ti = 0, fi = 0, slot = 0;
            rc = pair_id(mb, &keys[i], &ti, &fi, &slot);
            dp__put_u32(tq[i] + 7, ti);
            dp__put_u32(tq[i] + 11, fi);
            if (rc == DP_OK && fill && (tq[i][4] & DP__TOKEN_PLAIN))
                ftab_fill(mb, d->plain_lang, keys[i].p + keys[i].tl,
                          keys[i].fl, ti, fi, slot);
        }
    }
    d->lex_after = lex_size(mb);
    return rc;
}

/* Take back the counts lex_intern gave d's tokens: d was interned ahead
** (by the worker) but is not in the buffer being flushed.  Without this,
** how far the worker had run ahead, a matter of timing, would decide the
** order of a term's forms and add forms no document of the segment has,
** so that two builds of the same input differed. */
static void lex_uncount(membuf *mb, const dp__adoc *d)
{
    const uint8_t *q = (const uint8_t *)d->toks.p, *end = q + d->toks.n;
    for (; mb->ptab && q + 15 <= end; q += 15 + q[5] + q[6]) {
        pkey key;
        pkey_make(&key, (const char *)q + 15, q[5], q[6]);
        pslot *e = pair_slot(mb, &key);
        if (e->term)
            e->cf--;
    }
}

static int lex_intern(void *ctx, dp__adoc *d)
{
    dp_writer *w = ctx;
    pthread_mutex_lock(&w->lexmu);
    int rc = lex_intern_locked(&w->mb, d);
    d->interned = rc == DP_OK;
    pthread_mutex_unlock(&w->lexmu);
    return rc;
}

/* Make mb->hot cover term id ti (new entries zeroed). */
static int grow_hot(membuf *mb, uint32_t ti)
{
    uint32_t cap = mb->hcap ? mb->hcap : 256;
    while (cap <= ti)
        cap *= 2;
    thot *nh = dp__realloc(mb->hot, cap * sizeof *nh);
    if (nh == NULL)
        return DP_ENOMEM;
    memset(nh + mb->hcap, 0, (cap - mb->hcap) * sizeof *nh);
    mb->hot = nh;
    mb->hcap = cap;
    return DP_OK;
}

/* Add one occurrence (term ti, form f) of the document being added. */
static int insert_token(membuf *mb, uint32_t ti, uint32_t f, uint32_t pos)
{
    if (ti >= mb->hcap && grow_hot(mb, ti) != DP_OK)
        return DP_ENOMEM;
    if (mb->nocc == mb->occ_cap) {
        size_t cap = mb->occ_cap ? mb->occ_cap * 2 : 1024;
        occ *no = dp__realloc(mb->occ, cap * sizeof *no);
        if (no == NULL)
            return DP_ENOMEM;
        mb->occ = no;
        mb->occ_cap = cap;
    }
    uint32_t o = (uint32_t)mb->nocc++;
    mb->occ[o] = (occ){pos, f, UINT32_MAX};
    thot *t = &mb->hot[ti];
    if (t->mark != mb->docgen) {
        if (mb->ntouched == mb->touched_cap) {
            size_t cap = mb->touched_cap ? mb->touched_cap * 2 : 256;
            uint32_t *nt = dp__realloc(mb->touched, cap * sizeof *nt);
            if (nt == NULL)
                return DP_ENOMEM;
            mb->touched = nt;
            mb->touched_cap = cap;
        }
        mb->touched[mb->ntouched++] = ti;
        t->mark = mb->docgen;
        t->head = t->tail = o;
        t->freq = 1;
    } else {
        chain_occ(mb, t, o);
        t->freq++;
    }
    return DP_OK;
}

static inline uint8_t *put_vint(uint8_t *o, uint64_t v)
{
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

/* Start loading the end of the postings of the i-th term touched by the
** current doc (an integer sum: post is NULL for a term new in it). */
static inline void prefetch_post_end(const membuf *mb, size_t i)
{
    const thot *t = &mb->hot[mb->touched[i]];
    __builtin_prefetch((const void *)((uintptr_t)t->post + t->pn), 1);
}

/* Append the current doc's occurrences to each touched term's postings. */
static int mb_append_occ(membuf *mb, uint32_t doc)
{
    /* the end of each term's postings is a cache miss on a large buffer
    ** (the thot, touched by insert_token, is not): prefetch it AHEAD
    ** terms ahead */
    enum { AHEAD = 4 };
    for (size_t i = 0; i < mb->ntouched && i < AHEAD; i++)
        prefetch_post_end(mb, i);
    for (size_t i = 0; i < mb->ntouched; i++) {
        if (i + AHEAD < mb->ntouched)
            prefetch_post_end(mb, i + AHEAD);
        thot *t = &mb->hot[mb->touched[i]];
        size_t need = t->pn + 20 + (size_t)t->freq * 10;
        if (need > t->pcap) {
            size_t cap = t->pcap ? t->pcap * 2 : 16;
            while (cap < need)
                cap *= 2;
            uint8_t *np = dp__realloc(t->post, cap);
            if (np == NULL)
                return DP_ENOMEM;
            mb->post_mem += cap - t->pcap;
            t->post = np;
            t->pcap = cap;
        }
        uint8_t *o = t->post + t->pn, *o0 = o;
        o = put_vint(o, (uint64_t)(doc - t->last));
        o = put_vint(o, t->freq);
        uint32_t prev = 0;
        for (uint32_t k = t->head; k != UINT32_MAX; k = mb->occ[k].next) {
            o = put_vint(o, mb->occ[k].pos - prev);
            o = put_vint(o, mb->occ[k].form);
            prev = mb->occ[k].pos;
        }
        t->pn += (size_t)(o - o0);
        t->last = doc + 1;
    }
    mb->ntouched = 0;
    return DP_OK;
}

static int put_u32buf(dp_buf *b, size_t v)
{
    return dp__buf_put_u32(b, (uint32_t)v);
}

/* Add an analysed document (its record serialized in d->raw, its tokens
** packed in d->toks) to the buffer. */
static int mb_add(dp_writer *w, dp__adoc *d)
{
    membuf *mb = &w->mb;
    const uint8_t *q = (const uint8_t *)d->raw.p;
    dp__doc_cols cols;
    dp_record rec;
    int rc = dp__record_parse(&q, q + d->raw.n, &rec, &d->fetch);
    if (rc != DP_OK)
        return rc == DP_ECORRUPT ? DP_EINVAL : rc;
    memset(&cols, 0, sizeof cols);
    cols.date = rec.date;
    memcpy(cols.lang, d->lang, 4);
    cols.title_len = d->title_len;
    cols.length = d->length;
    mb->nocc = 0;
    mb->ntouched = 0;
    /* not ndocs + 1: a document that failed midway left marks with it */
    mb->docgen++;
    q = (const uint8_t *)d->toks.p;
    const uint8_t *end = q + d->toks.n, *ahead = q;
    /* each token touches its term's thot, a cache miss on a large
    ** buffer: prefetch the one PREFETCH tokens ahead */
    enum { PREFETCH = 8 };
    for (int k = 0; k < PREFETCH && ahead + 15 <= end; k++)
        ahead += 15 + ahead[5] + ahead[6];
    for (; q + 15 <= end && rc == DP_OK; q += 15 + q[5] + q[6]) {
        if (ahead + 15 <= end) {
            uint32_t ta = dp__get_u32(ahead + 7);
            if (ta < mb->hcap)
                __builtin_prefetch(&mb->hot[ta]);
            ahead += 15 + ahead[5] + ahead[6];
        }
        rc = insert_token(mb, dp__get_u32(q + 7), dp__get_u32(q + 11),
                          dp__get_u32(q));
    }
    if (rc != DP_OK)
        return rc;
    if (mb->src_offs.n == 0 && (put_u32buf(&mb->src_offs, 0) ||
                                put_u32buf(&mb->id_offs, 0)))
        return DP_ENOMEM;
    rc = dp__buf_append(&mb->cols, &cols, sizeof cols);
    rc = rc ? rc : dp__buf_append(&mb->src_blob, rec.source.p, rec.source.n);
    rc = rc ? rc : put_u32buf(&mb->src_offs, mb->src_blob.n);
    rc = rc ? rc : dp__buf_append(&mb->id_blob, rec.id.p, rec.id.n);
    rc = rc ? rc : put_u32buf(&mb->id_offs, mb->id_blob.n);
    rc = rc ? rc : dp__zstore_add(&mb->store, d->raw.p, d->raw.n);
    if (rc == DP_OK && mb->ndocs % 8 == 0)
        rc = dp__buf_putc(&mb->deleted, 0);
    rc = rc ? rc : mb_append_occ(mb, mb->ndocs);
    rc = rc ? rc : idtab_put(mb, mb->ndocs);
    if (rc != DP_OK)
        return rc;
    mb->ndocs++;
    w->st.bytes_text += rec.title.n + rec.text.n;
    return DP_OK;
}

/**************************************************************************
** Flushing the buffer into a segment.
*/

static int tcmp(const void *a, const void *b, void *ctx)
{
    const membuf *mb = ctx;
    const mterm *x = &mb->terms[*(const uint32_t *)a];
    const mterm *y = &mb->terms[*(const uint32_t *)b];
    /* the first 8 bytes as a big-endian number: most compares end here */
    uint64_t kx = __builtin_bswap64(x->key), ky = __builtin_bswap64(y->key);
    if (kx != ky)
        return kx < ky ? -1 : 1;
    if (x->n > 8 && y->n > 8) {
        int c = memcmp(x->s + 8, y->s + 8, (x->n < y->n ? x->n : y->n) - 8);
        if (c)
            return c;
    }
    return (x->n > y->n) - (x->n < y->n);
}

static int fcmp(const void *a, const void *b, void *ctx)
{
    const mterm *t = ctx;
    const mform *x = &t->forms[*(const uint32_t *)a];
    const mform *y = &t->forms[*(const uint32_t *)b];
    if (x->cf != y->cf)
        return x->cf > y->cf ? -1 : 1;
    int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* One varint of a term's buffered stream (written by put_vint just
** above: trusted, but never read past end).  Inline: decoding the
** buffer is a large part of a flush. */
static inline uint64_t get_vint(const uint8_t **q, const uint8_t *end)
{
    const uint8_t *p = *q;
    uint64_t v = 0;
    if (DP_LIKELY(p < end && *p < 0x80)) { /* most gaps and forms */
        *q = p + 1;
        return *p;
    }
    for (int shift = 0; p < end && shift < 64; shift += 7) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (b < 0x80)
            break;
    }
    *q = p;
    return v;
}

static int grow_scratch(dp_writer *w, size_t n)
{
    if (n <= w->dcap)
        return DP_OK;
    size_t cap = n * 2;
    dp__free(w->dpos);
    w->dpos = dp__malloc(cap * 2 * sizeof(uint32_t));
    w->dcap = w->dpos ? cap : 0;
    w->dform = w->dpos ? w->dpos + cap : NULL;
    return w->dpos ? DP_OK : DP_ENOMEM;
}

/* Write one buffered term through the segment writer. */
static int flush_term(dp_writer *w, dp__segw *sw, mterm *t,
                      const thot *h, const uint32_t *docmap)
{
    uint32_t order[256], *ord = order, map[256], *mp = map;
    dp_slice fs[256], *forms = fs;
    int rc = DP_OK;
    if (t->nforms > 256) {
        ord = dp__malloc(t->nforms * (2 * sizeof(uint32_t) + sizeof(dp_slice)));
        if (ord == NULL)
            return DP_ENOMEM;
        mp = ord + t->nforms;
        forms = (dp_slice *)(mp + t->nforms);
    }
    for (uint32_t i = 0; i < t->nforms; i++)
        ord[i] = i;
    qsort_r(ord, t->nforms, sizeof *ord, fcmp, t);
    for (uint32_t i = 0; i < t->nforms; i++) {
        mp[ord[i]] = i;
        forms[i].p = t->forms[ord[i]].s;
        forms[i].n = t->forms[ord[i]].n;
    }
    /* forms no occurrence of the buffer has (a record rejected after its
    ** tokens were counted) sort last: leave them out */
    uint32_t nforms = t->nforms;
    while (nforms > 1 && t->forms[ord[nforms - 1]].cf == 0)
        nforms--;
    rc = dp__segw_term_begin(sw, t->s, t->n, forms, nforms);
    const uint8_t *q = h->post, *end = q + h->pn;
    int64_t doc = -1;
    while (rc == DP_OK && q < end) {
        uint32_t pos = 0;
        uint64_t dd = get_vint(&q, end), freq = get_vint(&q, end);
        doc += (int64_t)dd + 1;
        rc = grow_scratch(w, freq);
        for (uint64_t k = 0; k < freq && rc == DP_OK; k++) {
            uint64_t gap = get_vint(&q, end), f = get_vint(&q, end);
            pos += (uint32_t)gap;
            w->dpos[k] = pos;
            w->dform[k] = mp[f];
        }
        if (rc == DP_OK && docmap[doc] != UINT32_MAX)
            rc = dp__segw_term_doc(sw, docmap[doc], w->dpos, w->dform,
                                   (uint32_t)freq);
    }
    if (rc == DP_OK)
        rc = dp__segw_term_end(sw);
    if (ord != order)
        dp__free(ord);
    return rc;
}

static int seg_push(dp_writer *w, dp__segfile *f, uint8_t *deleted,
                    uint32_t ndeleted)
{
    if (w->nseg == w->segcap) {
        size_t cap = w->segcap ? w->segcap * 2 : 16;
        wseg *ns = dp__realloc(w->segs, cap * sizeof *ns);
        if (ns == NULL)
            return DP_ENOMEM;
        w->segs = ns;
        w->segcap = cap;
    }
    wseg *s = &w->segs[w->nseg++];
    memset(s, 0, sizeof *s);
    s->v.file = f;
    s->v.deleted = deleted;
    s->v.ndeleted = ndeleted;
    s->v.err = &w->err;
    dp__segment_count(&s->v);
    return DP_OK;
}

/* Write the terms of the buffer, in byte order. */
static int flush_terms(dp_writer *w, dp__segw *sw, const uint32_t *docmap)
{
    membuf *mb = &w->mb;
    /* a term no document added reached (its record failed) has no entry */
    const thot none = {0};
    uint32_t *ord = dp__malloc((mb->nterms + 1) * sizeof *ord);
    int rc = DP_OK;
    if (ord == NULL)
        return DP_ENOMEM;
    for (uint32_t i = 0; i < mb->nterms; i++)
        ord[i] = i;
    /* the forms' counts were kept in the pair table */
    for (uint32_t k = 0; mb->ptab && k <= mb->pmask; k++) {
        const pslot *e = &mb->ptab[k];
        if (e->term)
            mb->terms[e->term - 1].forms[e->form].cf = e->cf;
    }
    qsort_r(ord, mb->nterms, sizeof *ord, tcmp, mb);
    dp__crash_point("flush-terms");
    /* in byte order, terms are scattered in memory: each costs a few
    ** cache misses (its record, forms, postings), started ahead here */
    enum { AHEAD = 4 };
    for (uint32_t i = 0; i < mb->nterms && rc == DP_OK; i++) {
        if (i + 2 * AHEAD < mb->nterms) {
            uint32_t far = ord[i + 2 * AHEAD];
            __builtin_prefetch(&mb->terms[far]);
            if (far < mb->hcap)
                __builtin_prefetch(&mb->hot[far]);
        }
        if (i + AHEAD < mb->nterms) {
            uint32_t near = ord[i + AHEAD];
            __builtin_prefetch(mb->terms[near].forms);
            if (near < mb->hcap)
                __builtin_prefetch(mb->hot[near].post);
        }
        /* nor has a term whose first form failed to be interned (out
        ** of memory in lex_intern): no occurrence can name it */
        if (mb->terms[ord[i]].nforms == 0)
            continue;
        rc = flush_term(w, sw, &mb->terms[ord[i]],
                        ord[i] < mb->hcap ? &mb->hot[ord[i]] : &none, docmap);
    }
    dp__free(ord);
    return rc;
}

/* The buffer's documents' numbers in the new segment, UINT32_MAX for
** those replaced or deleted while in the buffer; *live counts the others. */
static int mb_docmap(const membuf *mb, uint32_t **out, uint32_t *live)
{
    uint32_t *docmap = dp__malloc((size_t)mb->ndocs * sizeof *docmap);
    uint32_t n = 0;
    if (docmap == NULL)
        return DP_ENOMEM;
    for (uint32_t d = 0; d < mb->ndocs; d++)
        docmap[d] = bit_get((const uint8_t *)mb->deleted.p, d) ? UINT32_MAX
                                                               : n++;
    *out = docmap;
    *live = n;
    return DP_OK;
}

/* Write the columns, source and id of each document kept, in order. */
static int flush_docs(const membuf *mb, dp__segw *sw, const uint32_t *docmap)
{
    const dp__doc_cols *cols = (const dp__doc_cols *)mb->cols.p;
    int rc = DP_OK;
    for (uint32_t d = 0; d < mb->ndocs && rc == DP_OK; d++) {
        if (docmap[d] == UINT32_MAX)
            continue;
        rc = dp__segw_doc(sw, &cols[d], item(&mb->src_offs, &mb->src_blob, d),
                          item(&mb->id_offs, &mb->id_blob, d), NULL, 0);
    }
    return rc;
}

/* Write the buffer as segment file `no`: documents, postings, and the
** document store, compressed already (dp__zstore). */
static int mb_write_segment(dp_writer *w, uint64_t no, const uint32_t *docmap)
{
    membuf *mb = &w->mb;
    dp__segw *sw = NULL;
    dp__zstore_out st;
    char path[4096];
    int rc;

    memset(&st, 0, sizeof st);
    dp__seg_path(path, sizeof path, w->a->dir, no);
    rc = dp__segw_open(&sw, path, &w->err);
    if (rc == DP_OK) {
        dp__segw_defer_store(sw);
        rc = flush_docs(mb, sw, docmap);
    }
    if (rc == DP_OK)
        rc = flush_terms(w, sw, docmap);
    if (rc == DP_OK)
        rc = dp__zstore_finish(&mb->store, docmap, &st);
    if (rc == DP_OK) {
        dp__segw_put_store(sw, st.blocks, st.idx, st.nblocks);
        rc = dp__segw_finish(sw, NULL);
    }
    dp__segw_free(sw);
    dp__zstore_out_free(&st);
    return rc;
}

/* Open the segment file `no` just written and add it to the writer's
** segments, marked fresh: written since the last commit. */
static int open_flushed(dp_writer *w, uint64_t no)
{
    dp__segfile *f;
    int rc = dp__segfile_open(w->a->dir, no, &f, &w->err);
    if (rc != DP_OK)
        return rc;
    rc = seg_push(w, f, NULL, 0);
    if (rc != DP_OK) {
        dp__segfile_unref(f);
        return rc;
    }
    w->segs[w->nseg - 1].fresh = true;
    w->st.flushes++;
    return DP_OK;
}

/* Write the buffer as a new segment (documents replaced or deleted while
** in the buffer are left out) and open it.  The buffer is emptied. */
static int mb_flush(dp_writer *w)
{
    membuf *mb = &w->mb;
    uint32_t *docmap, live;
    int rc;

    if (mb->ndocs == 0)
        return DP_OK;
    rc = mb_docmap(mb, &docmap, &live);
    if (rc != DP_OK)
        return rc;
    if (live == 0) { /* everything was replaced or deleted meanwhile */
        dp__free(docmap);
        mb_free(mb);
        return DP_OK;
    }
    ftab_fold_all(mb, false); /* the forms' counts are read from the pairs */
    uint64_t no = w->m.next_no++;
    rc = mb_write_segment(w, no, docmap);
    dp__free(docmap);
    if (rc != DP_OK)
        return rc;
    dp__crash_point("flush-done");
    rc = open_flushed(w, no);
    if (rc != DP_OK)
        return rc;
    mb_free(mb);
    return DP_OK;
}

/**************************************************************************
** Loading the committed state, the lock, garbage collection.
*/

static void segs_clear(dp_writer *w, bool unlink_fresh)
{
    for (size_t i = 0; i < w->nseg; i++) {
        wseg *s = &w->segs[i];
        if (unlink_fresh && s->fresh)
            unlink(s->v.file->path);
        dp__segfile_unref(s->v.file);
        dp__free(s->v.deleted);
    }
    w->nseg = 0;
}

/* True if dir holds a segment or deletion file: then a missing MANIFEST
** is damage, not a new archive (writing an empty one would make the next
** clean-up delete every segment). */
static bool dir_has_archive_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;
    if (d == NULL)
        return false;
    while (!found && (e = readdir(d)) != NULL)
        found = (strncmp(e->d_name, "seg-", 4) == 0 ||
                 strncmp(e->d_name, "del-", 4) == 0);
    closedir(d);
    return found;
}

static int load_state(dp_writer *w)
{
    int rc = dp__manifest_read(w->a->dir, &w->m, &w->err);
    if (rc == DP_ENOTFOUND && dir_has_archive_files(w->a->dir)) {
        dp__set_err(&w->err, "%s/MANIFEST is missing but the directory holds "
                    "segment files: refusing to start an empty archive over "
                    "them", w->a->dir);
        return DP_ECORRUPT;
    }
    if (rc == DP_ENOTFOUND) {
        /* a new archive: its first, empty commit */
        memset(&w->m, 0, sizeof w->m);
        w->m.next_no = 1;
        rc = dp__manifest_write(w->a->dir, &w->m, &w->err, NULL);
    }
    for (size_t i = 0; i < w->m.nseg && rc == DP_OK; i++) {
        const dp__mseg *ms = &w->m.segs[i];
        dp__segfile *f;
        uint8_t *bm = NULL;
        uint32_t nd = 0;
        rc = dp__archive_segfile(w->a, ms->seg_no, &f, &w->err);
        if (rc == DP_ENOTFOUND)
            rc = DP_ECORRUPT;
        if (rc != DP_OK)
            break;
        if (ms->del_no)
            rc = dp__del_read(w->a->dir, ms->del_no, ms->seg_no, ms->ndocs, &bm,
                              &nd, &w->err);
        if (rc == DP_OK && (f->ndocs != ms->ndocs || nd != ms->ndeleted)) {
            dp__set_err(&w->err, "%s: counts differ from the manifest",
                        f->path);
            rc = DP_ECORRUPT;
        }
        if (rc == DP_OK)
            rc = seg_push(w, f, bm, nd);
        if (rc != DP_OK) {
            dp__free(bm);
            dp__segfile_unref(f);
            break;
        }
        w->segs[w->nseg - 1].v.del_no = ms->del_no;
    }
    return rc;
}

static bool named(const dp__manifest *m, uint64_t no, bool del)
{
    for (size_t i = 0; i < m->nseg; i++)
        if ((del ? m->segs[i].del_no : m->segs[i].seg_no) == no)
            return true;
    return false;
}

/* Delete files the MANIFEST does not name (older commits, crashed
** writers), except segments a snapshot of this process still maps. */
static void gc_files(dp_writer *w)
{
    DIR *d = opendir(w->a->dir);
    struct dirent *e;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        unsigned long long no;
        char tail[8], path[4096];
        bool del;
        if (sscanf(e->d_name, "seg-%12llu.%3s", &no, tail) == 2 &&
            strcmp(tail, "dps") == 0)
            del = false;
        else if (sscanf(e->d_name, "del-%12llu.%3s", &no, tail) == 2 &&
                 strcmp(tail, "dpd") == 0)
            del = true;
        else
            continue;
        if (named(&w->m, no, del) || (!del && dp__archive_in_use(w->a, no)))
            continue;
        bool pending = false;
        for (size_t i = 0; i < w->nseg && !del; i++)
            pending = pending || w->segs[i].v.file->no == no;
        if (pending)
            continue;
        snprintf(path, sizeof path, "%s/%s", w->a->dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

static int take_lock(dp_writer *w)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/LOCK", w->a->dir);
    w->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->lockfd < 0) {
        dp__set_err(&w->err, "%s: %s", path, strerror(errno));
        return DP_EIO;
    }
    if (flock(w->lockfd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        dp__set_err(&w->err,
                    busy ? "%s: the archive is being written by another "
                           "process (or handle); try again when it is done"
                         : "%s: flock: %s",
                    path, strerror(errno));
        close(w->lockfd);
        w->lockfd = -1;
        return busy ? DP_EBUSY : DP_EIO;
    }
    return DP_OK;
}

/**************************************************************************
** The public writer.
*/

int dp_writer_begin(dp_archive *a, const dp_writer_options *opts,
                    dp_writer **out)
{
    dp_writer *w;
    int rc;
    *out = NULL;
    if (!(a->flags & DP_ARCHIVE_WRITE)) {
        dp__set_err(&a->err, "%s: archive opened read-only", a->dir);
        return DP_EINVAL;
    }
    if (opts && opts->version != DP_WRITER_OPTIONS_VERSION)
        return DP_EINVAL;
    w = dp__calloc(1, sizeof *w);
    if (w == NULL)
        return DP_ENOMEM;
    w->a = a;
    w->lockfd = -1;
    pthread_mutex_init(&w->lexmu, NULL);
    w->limit = opts && opts->memory_limit ? opts->memory_limit
                                          : DP_WRITER_DEFAULT_MEMORY;
    w->merge = opts ? opts->merge : 1;
    w->threads = opts ? opts->threads : 1;
    w->an = opts ? opts->analyzer : NULL;
    rc = take_lock(w);
    if (rc == DP_OK)
        rc = load_state(w);
    if (rc == DP_OK)
        gc_files(w);
    if (rc != DP_OK) {
        dp__set_err(&a->err, "%s", w->err.p ? w->err.p : dp_strerror(rc));
        dp_writer_close(w);
        return rc;
    }
    *out = w;
    return DP_OK;
}

const char *dp_writer_errmsg(const dp_writer *w)
{
    return w && w->err.p ? w->err.p : "";
}

void dp_writer_stats_get(const dp_writer *w, dp_writer_stats *out)
{
    *out = w->st;
}

static int apply_policy(dp_writer *w, bool all);

/* Mark every live doc with this id deleted; returns how many. */
static uint32_t delete_id(dp_writer *w, const char *id, size_t n)
{
    uint32_t count = 0;
    for (size_t i = 0; i < w->nseg; i++) {
        wseg *s = &w->segs[i];
        uint32_t d;
        if (dp__seg_find_id(&s->v, id, n, &d) != DP_OK ||
            dp__seg_is_deleted(&s->v, d))
            continue;
        if (s->v.deleted == NULL) {
            s->v.deleted = dp__calloc((dp__seg_ndocs(&s->v) + 7) / 8 + 1, 1);
            if (s->v.deleted == NULL)
                return UINT32_MAX;
        }
        s->v.deleted[d >> 3] |= (uint8_t)(1u << (d & 7));
        s->v.ndeleted++;
        s->v.tokens -= dp__seg_doc_len(&s->v, d);
        s->dirty = true;
        count++;
    }
    if (mb_delete_id(&w->mb, id, n))
        count++;
    return count;
}

/* DP_EINVAL when a failure left the buffer half-written (a segment whose
** parts disagree) or lost a record (a commit without it). */
static int refuse_broken(dp_writer *w)
{
    if (w->broken == DP_OK)
        return DP_OK;
    dp__set_err(&w->err, "an earlier failure (%s) lost a record or left it "
                "halfway in the buffer: abort or close the writer",
                dp_strerror(w->broken));
    return DP_EINVAL;
}

/* Index one analysed document: replace its id, add it (maybe_flush
** flushes when the buffer is full).  *replaced counts a replacement. */
static int consume(dp_writer *w, dp__adoc *d, int *replaced)
{
    const uint8_t *q = (const uint8_t *)d->raw.p;
    uint64_t idn;
    if (d->rc != DP_OK)
        return d->rc;
    if (w->broken != DP_OK) /* nothing more goes into that buffer */
        return w->broken;
    /* Frequencies are 24-bit on disk (DP__MAX_FREQ): a document of 2^24
    ** positions or more could hold a term more often than that, and its
    ** segment could not be written.  Refuse it whole, before its id
    ** replaces anything. */
    if (d->length >= DP__MAX_FREQ) {
        dp__set_err(&w->err, "document of %u words: more than depeche "
                    "indexes in one document (%u)", d->length,
                    (unsigned)DP__MAX_FREQ - 1);
        return DP_EINVAL;
    }
    if (!d->interned) {
        int r = lex_intern(w, d);
        if (r != DP_OK) {
            /* stopped partway: the pairs before the failure were counted
            ** (cf, which orders a term's forms) and new ones made, for a
            ** record the buffer will not hold */
            w->broken = r;
            return r;
        }
    }
    w->mb.lex_used = d->lex_after;
    /* the id is the record's first field */
    if (!dp__get_varint(&q, q + d->raw.n, &idn) ||
        idn > (uint64_t)((const uint8_t *)d->raw.p + d->raw.n - q))
        return DP_EINVAL;
    uint32_t n = delete_id(w, (const char *)q, (size_t)idn);
    if (n == UINT32_MAX) { /* its words are counted already */
        w->broken = DP_ENOMEM;
        return DP_ENOMEM;
    }
    int rc = mb_add(w, d);
    if (rc != DP_OK) {
        if (rc != DP_EINVAL) /* a record that does not parse adds nothing */
            w->broken = rc;
        return rc;
    }
    w->st.added++;
    if (n > 0) {
        w->st.replaced++;
        if (replaced)
            *replaced = 1;
    }
    return DP_OK;
}

/* Consume the pipe's oldest slot and release it.  Its record was taken
** with DP_OK by an earlier dp_writer_add: a failure other than DP_EINVAL
** (a record refused whole, which the error reports) loses it, so the
** writer must not commit what is left as if complete. */
static int consume_slot(dp_writer *w, dp__adoc *d)
{
    int rc = consume(w, d, NULL);
    dp__pipe_pop(w->pipe);
    if (rc != DP_OK && rc != DP_EINVAL && w->broken == DP_OK)
        w->broken = rc;
    return rc;
}

/* Consume the analysed slots of the pipe: all of them (wait), or those
** ready, until the buffer is full.  Returns the first error; the slots
** are released anyway. */
static int drain(dp_writer *w, bool wait)
{
    int rc = DP_OK;
    dp__adoc *d;
    while (w->pipe && (d = dp__pipe_head(w->pipe, wait)) != NULL) {
        int r = consume_slot(w, d);
        if (rc == DP_OK)
            rc = r;
        if (mb_mem(&w->mb) >= w->limit)
            break;
    }
    return rc;
}

/* Flush and merge when the buffer is full.  The worker is paused during
** the flush (it interns into the buffer's lexicon); the records it has
** analysed meanwhile are interned again into the emptied buffer. */
static int maybe_flush(dp_writer *w)
{
    if (w->broken != DP_OK)
        return w->broken;
    if (mb_mem(&w->mb) < w->limit)
        return DP_OK;
    dp__adoc *d;
    if (w->pipe)
        dp__pipe_pause(w->pipe);
    for (size_t k = 0; w->pipe && (d = dp__pipe_done_slot(w->pipe, k)) != NULL;
         k++)
        if (d->rc == DP_OK && d->interned)
            lex_uncount(&w->mb, d);
    int rc = mb_flush(w);
    for (size_t k = 0; rc == DP_OK && w->pipe &&
                       (d = dp__pipe_done_slot(w->pipe, k)) != NULL; k++) {
        if (d->rc == DP_OK && d->interned)
            d->rc = lex_intern(w, d); /* its ids were the flushed lexicon's */
    }
    if (w->pipe)
        dp__pipe_resume(w->pipe);
    /* merge now too, so that the number of segments stays logarithmic
    ** during a long load without commits */
    if (rc == DP_OK)
        rc = apply_policy(w, false);
    return rc;
}

/* Consume the analysed slots of the pipe (all of them: wait), flushing
** whenever the buffer is full.  Returns the first error. */
static int pipe_consume(dp_writer *w, bool wait)
{
    int rc = DP_OK;
    for (;;) {
        int r = drain(w, wait);
        if (r == DP_OK)
            r = maybe_flush(w);
        if (rc == DP_OK)
            rc = r;
        if (!wait || dp__pipe_pending(w->pipe) == 0)
            return rc;
    }
}

static int need_analyzer(dp_writer *w)
{
    if (w->an != NULL)
        return DP_OK;
    int rc = dp_analyzer_new(&w->an, NULL); /* on first use: delete needs none */
    w->own_an = rc == DP_OK;
    return rc;
}

/* A date as dp_date_parse makes them: each part present exactly when the
** precision has it, in the calendar.  Records built by a program rather
** than a reader are checked here, before they can reach a segment. */
static bool date_is_valid(const dp_date *d)
{
    static const uint8_t dim[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d->prec > DP_PREC_TIME)
        return false;
    if (d->prec == DP_PREC_NONE)
        return d->year == 0 && d->month == 0 && d->day == 0;
    if (d->year < 1 || d->year > 9999)
        return false;
    if ((d->month == 0) != (d->prec < DP_PREC_MONTH) || d->month > 12)
        return false;
    if ((d->day == 0) != (d->prec < DP_PREC_DAY))
        return false;
    if (d->day) {
        bool leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
        if (d->day > dim[d->month - 1] || (d->month == 2 && d->day == 29 && !leap))
            return false;
    }
    return d->hour <= 23 && d->minute <= 59 && d->second <= 60;
}

int dp_writer_add(dp_writer *w, const dp_record *rec, int *replaced)
{
    int rc;
    if (replaced)
        *replaced = 0;
    if ((rc = refuse_broken(w)) != DP_OK)
        return rc;
    if (rec->id.n == 0) {
        dp__set_err(&w->err, "record without id");
        return DP_EINVAL;
    }
    if (!date_is_valid(&rec->date)) {
        dp__set_err(&w->err, "record %.*s: invalid date fields (precision %u, "
                    "%d-%u-%u)", (int)(rec->id.n > 200 ? 200 : rec->id.n),
                    rec->id.p, (unsigned)rec->date.prec, rec->date.year,
                    (unsigned)rec->date.month, (unsigned)rec->date.day);
        return DP_EINVAL;
    }
    rc = need_analyzer(w);
    if (rc != DP_OK)
        return rc;
    /* A position takes two bytes at least (a letter and a separator), so
    ** only a record this large can reach consume's DP__MAX_FREQ limit: it
    ** is analysed here, so that its rejection is this call's answer and
    ** not a later commit's failure. */
    bool huge = rec->title.n + rec->text.n >= 2 * (size_t)DP__MAX_FREQ - 2;
    if (replaced != NULL || w->threads == 0 || huge) {
        /* synchronous: the answer is needed now */
        rc = pipe_consume(w, true);
        dp__buf_clear(&w->sync.raw);
        if (rc == DP_OK)
            rc = dp__record_serialize(&w->sync.raw, rec, rec->lang);
        /* the pipe is empty: this thread alone uses the lexicon */
        w->sync.ftab = ftab_ready(&w->mb);
        if (rc == DP_OK)
            w->sync.rc = dp__adoc_analyze(&w->sync, w->an);
        if (rc == DP_OK)
            rc = consume(w, &w->sync, replaced);
        return rc == DP_OK ? maybe_flush(w) : rc;
    }
    if (w->pipe == NULL) {
        rc = dp__pipe_new(&w->pipe, w->an, lex_intern, w);
        if (rc != DP_OK)
            return rc;
    }
    rc = pipe_consume(w, false);
    if (rc == DP_OK && dp__pipe_full(w->pipe)) {
        dp__adoc *d = dp__pipe_head(w->pipe, true);
        rc = consume_slot(w, d);
        if (rc == DP_OK)
            rc = maybe_flush(w);
    }
    if (rc == DP_OK)
        rc = dp__pipe_push(w->pipe, rec);
    return rc;
}

int dp_writer_delete(dp_writer *w, const char *id, size_t n)
{
    int rc = refuse_broken(w);
    if (rc != DP_OK)
        return rc;
    rc = pipe_consume(w, true);
    if (rc != DP_OK)
        return rc;
    uint32_t k = delete_id(w, id, n);
    if (k == UINT32_MAX)
        return DP_ENOMEM;
    if (k == 0) {
        dp__set_err(&w->err, "no document with id '%.*s'", (int)n, id);
        return DP_ENOTFOUND;
    }
    w->st.deleted++;
    return DP_OK;
}

/* Merge segs[first .. first+count) into one new segment in place. */
static int merge_range(dp_writer *w, size_t first, size_t count)
{
    dp__segment **in = dp__malloc(count * sizeof *in);
    uint64_t no = w->m.next_no++, bytes;
    uint32_t ndocs;
    dp__segfile *f;
    if (in == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < count; i++)
        in[i] = &w->segs[first + i].v;
    int rc = dp__merge_segments(w->a->dir, no, in, count, &bytes, &ndocs,
                                &w->err);
    dp__free(in);
    if (rc != DP_OK)
        return rc;
    dp__crash_point("merge-done");
    rc = dp__segfile_open(w->a->dir, no, &f, &w->err);
    if (rc != DP_OK)
        return rc;
    for (size_t i = first; i < first + count; i++) {
        wseg *s = &w->segs[i];
        if (s->fresh)
            unlink(s->v.file->path);
        dp__segfile_unref(s->v.file);
        dp__free(s->v.deleted);
    }
    wseg *s = &w->segs[first];
    memset(s, 0, sizeof *s);
    s->v.file = f;
    s->v.err = &w->err;
    s->fresh = true;
    dp__segment_count(&s->v);
    memmove(&w->segs[first + 1], &w->segs[first + count],
            (w->nseg - first - count) * sizeof *s);
    w->nseg -= count - 1;
    w->st.merges++;
    return DP_OK;
}

/* Drop segments with no live document; merge by policy. */
static int apply_policy(dp_writer *w, bool all)
{
    size_t k = 0;
    for (size_t i = 0; i < w->nseg; i++) {
        wseg *s = &w->segs[i];
        if (dp__seg_live_docs(&s->v) == 0) {
            if (s->fresh)
                unlink(s->v.file->path);
            dp__segfile_unref(s->v.file);
            dp__free(s->v.deleted);
            continue;
        }
        w->segs[k++] = *s;
    }
    w->nseg = k;
    if (all) {
        if (w->nseg > 1 || (w->nseg == 1 && w->segs[0].v.ndeleted > 0))
            return merge_range(w, 0, w->nseg);
        return DP_OK;
    }
    for (int rounds = 0; rounds < 64 && w->merge; rounds++) {
        uint32_t live[256];
        size_t n = w->nseg < 256 ? w->nseg : 256, first;
        for (size_t i = 0; i < n; i++)
            live[i] = dp__seg_live_docs(&w->segs[w->nseg - n + i].v);
        size_t count = dp__merge_policy(live, n, &first);
        if (count < 2)
            break;
        int rc = merge_range(w, w->nseg - n + first, count);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

static int write_commit(dp_writer *w)
{
    dp__manifest nm = w->m;
    int rc = DP_OK;
    nm.generation++;
    nm.nseg = w->nseg;
    nm.segs = dp__calloc(w->nseg + 1, sizeof *nm.segs);
    if (nm.segs == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < w->nseg && rc == DP_OK; i++) {
        wseg *s = &w->segs[i];
        if (s->dirty && s->v.ndeleted > 0) {
            s->v.del_no = nm.next_no++;
            rc = dp__del_write(w->a->dir, s->v.del_no, s->v.file->no,
                               s->v.file->ndocs, s->v.deleted, &w->err);
        }
        nm.segs[i].seg_no = s->v.file->no;
        nm.segs[i].ndocs = s->v.file->ndocs;
        nm.segs[i].ndeleted = s->v.ndeleted;
        nm.segs[i].del_no = s->v.ndeleted ? s->v.del_no : 0;
        nm.segs[i].bytes = s->v.file->size;
    }
    w->m.next_no = nm.next_no;
    if (rc == DP_OK)
        rc = dp__fsync_dir(w->a->dir, &w->err);
    bool published = false;
    if (rc == DP_OK)
        rc = dp__manifest_write(w->a->dir, &nm, &w->err, &published);
    if (rc != DP_OK && !published) {
        dp__free(nm.segs);
        return rc;
    }
    /* Published (even if the directory fsync then failed): the new
    ** manifest is what readers see, so its files are no longer fresh and
    ** must survive an abort. */
    dp__manifest_free(&w->m);
    w->m = nm;
    for (size_t i = 0; i < w->nseg; i++)
        w->segs[i].dirty = w->segs[i].fresh = false;
    if (rc != DP_OK)
        return rc;
    gc_files(w);
    return DP_OK;
}

static int commit(dp_writer *w, bool all)
{
    int rc = refuse_broken(w);
    if (rc != DP_OK)
        return rc;
    rc = pipe_consume(w, true);
    if (rc == DP_OK)
        rc = refuse_broken(w);
    if (rc == DP_OK)
        rc = mb_flush(w);
    if (rc == DP_OK)
        rc = apply_policy(w, all);
    if (rc == DP_OK)
        rc = write_commit(w);
    if (rc != DP_OK && w->err.n == 0)
        dp__set_err(&w->err, "commit failed: %s", dp_strerror(rc));
    return rc;
}

int dp_writer_commit(dp_writer *w) { return commit(w, false); }

void dp_writer_abort(dp_writer *w)
{
    dp__pipe_free(w->pipe); /* pending records are dropped */
    w->pipe = NULL;
    mb_free(&w->mb);
    w->broken = DP_OK;
    segs_clear(w, true);
    dp__manifest_free(&w->m);
    if (load_state(w) != DP_OK)
        segs_clear(w, false);
}

void dp_writer_close(dp_writer *w)
{
    if (w == NULL)
        return;
    dp__pipe_free(w->pipe);
    dp__adoc_free(&w->sync);
    mb_free(&w->mb);
    segs_clear(w, true);
    dp__free(w->segs);
    dp__manifest_free(&w->m);
    if (w->own_an)
        dp_analyzer_free(w->an);
    if (w->lockfd >= 0)
        close(w->lockfd);
    dp__buf_free(&w->err);
    dp__free(w->dpos);
    pthread_mutex_destroy(&w->lexmu);
    dp__free(w);
}

int dp_archive_optimize(dp_archive *a)
{
    dp_writer *w;
    int rc = dp_writer_begin(a, NULL, &w);
    if (rc != DP_OK)
        return rc;
    rc = commit(w, true);
    if (rc != DP_OK)
        dp__set_err(&a->err, "%s", dp_writer_errmsg(w));
    dp_writer_close(w);
    return rc;
}
