/*
** writer_pipe.c -- analysing records in a second thread while the writer
** indexes the previous ones.
**
** Indexing is two halves of about the same cost: analysing a record
** (language, tokens, stems) and adding its tokens to the in-memory index
** (hash lookups, postings, flushes).  The writer therefore hands each
** record to a worker thread through a ring of DP__PIPE_SLOTS slots: the
** caller serializes the record into a free slot; the worker analyses the
** slots in order, packing the tokens; the caller consumes finished slots
** in the same order, so documents keep their order and replacements by id
** stay exact.  An error of the worker (out of memory) is handed back with
** its slot.  Only the worker uses the analyzer while slots are pending;
** dp__pipe_drain hands it back.
**
** Interning each token's (term, form) pair into the writer's buffer (a
** hash table: its cache misses are a large cost) is done by whichever
** thread has time: the worker does it when analysed records are waiting
** for the writer (ndone >= 2), else the writer does it when it consumes
** the record; records are interned in their order either way (the worker
** does not intern past a record it left to the writer).  To flush, the
** writer pauses the worker (dp__pipe_pause: it finishes its slot and
** waits), writes the segment, empties the buffer
** and its lexicon, interns again the tokens of the slots already interned
** (from their bytes), then resumes it.
**
** Packed token: u32 position (title first, body after a gap), u8 flags,
** u8 term length, u8 form length, u32 term id, u32 form id, term bytes,
** form bytes.  The buffer always has 16 bytes of capacity past the last
** token (the writer reads a key 8 bytes at a time, up to 7 past its end).
*/
#include "store.h"

#include <stdlib.h>

enum { SLOT_FREE = 0, SLOT_QUEUED, SLOT_DONE };

struct dp__pipe {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* a slot was queued, or stop */
    pthread_cond_t cv_done; /* a slot was analysed */
    dp_analyzer *an;
    dp__intern_fn intern;
    void *ictx;
    dp__adoc slots[DP__PIPE_SLOTS];
    int state[DP__PIPE_SLOTS];
    size_t head, tail, count; /* ring: head = oldest, tail = next free */
    size_t work;              /* next slot for the worker */
    bool stop;
    bool paused, busy;        /* busy: the worker is analysing a slot */
    size_t ndone;             /* slots analysed, not yet popped */
    bool skipped[DP__PIPE_SLOTS]; /* done, left to the writer to intern */
    size_t nskipped;
};

/**************************************************************************
** Analysis of one record (either thread).
*/

typedef struct pctx {
    dp__adoc *d;
    uint32_t base, max_pos;
    int rc;
} pctx;

/* Room in d->toks for a packed token of `key` key bytes at position pos
** (below UINT32_MAX / 2), its position written, toks.n and max_pos moved
** on: the caller fills the rest.  NULL with c->rc set when out of
** memory.  The buffer keeps 16 bytes of capacity past the token. */
static uint8_t *pack_room(pctx *c, uint64_t pos, size_t key)
{
    dp_buf *b = &c->d->toks;
    size_t need = 15 + key + 16;
    if (DP_UNLIKELY(b->n + need + 1 > b->cap)) {
        int rc = dp__buf_reserve(b, need);
        if (rc != DP_OK) {
            c->rc = rc;
            return NULL;
        }
    }
    uint8_t *o = (uint8_t *)b->p + b->n;
    dp__put_u32(o, (uint32_t)pos);
    b->n += 15 + key;
    if (pos + 1 > c->max_pos)
        c->max_pos = (uint32_t)pos + 1;
    return o;
}

static int pack_token(void *ctx, const dp_token *tok)
{
    pctx *c = ctx;
    const char *form = tok->form ? tok->form : tok->term;
    size_t fl = tok->form ? tok->form_len : tok->term_len;
    uint64_t pos = (uint64_t)c->base + tok->pos;
    if (tok->term_len == 0 || tok->term_len >= DP__TERM_MAX)
        return 0;
    if (!(tok->flags & DP_TOKEN_COMPOUND))
        c->d->length++;
    if (pos >= UINT32_MAX / 2)
        return 0;
    if (fl >= DP__TERM_MAX)
        fl = DP__TERM_MAX - 1;
    uint8_t *o = pack_room(c, pos, tok->term_len + fl);
    if (o == NULL)
        return 1;
    o[4] = (uint8_t)tok->flags;
    o[5] = (uint8_t)tok->term_len;
    o[6] = (uint8_t)fl;
    memset(o + 7, 0, 8); /* ids, set by intern */
    memcpy(o + 15, tok->term, tok->term_len);
    memcpy(o + 15 + tok->term_len, form, fl);
    return 0;
}

/* dp__known's take: a plain word the buffer knows is packed as
** pack_token would pack it, without its bytes, with the index of its
** entry in place of its ids: lex_intern sets the ids and counts the word
** in the entry, only if the record is taken (a record refused after its
** analysis, out of memory or too long, must count nothing). */
static int known_take(void *ctx, int lang, const char *form, size_t n,
                      uint32_t hash, uint32_t tpos)
{
    pctx *c = ctx;
    dp__adoc *d = c->d;
    dp__fentry *e = dp__ftab_set(d->ftab, hash);
    d->plain_lang = d->plain_lang == DP__PLAIN_NONE || d->plain_lang == lang
                        ? lang
                        : DP__PLAIN_MIXED;
    if (!dp__fentry_holds16(e, hash, lang, form, n) &&
        !dp__fentry_holds16(++e, hash, lang, form, n)) /* the set's other */
        return 0;
    uint64_t pos = (uint64_t)c->base + tpos;
    d->length++;
    if (pos >= UINT32_MAX / 2)
        return 1;
    uint8_t *o = pack_room(c, pos, 0);
    if (o == NULL)
        return c->rc;
    o[4] = DP__PACK_IDS;
    o[5] = o[6] = 0;
    dp__put_u32(o + 7, (uint32_t)(e - d->ftab->e));
    dp__put_u32(o + 11, 0);
    return 1;
}

/* Analyse one text of d: through its writer's known words when it has
** them (the writer's own thread). */
static int analyze_part(dp__adoc *d, dp_analyzer *an, const dp_slice *t,
                        pctx *c)
{
    if (d->ftab == NULL || d->ftab->e == NULL)
        return dp_analyze(an, d->lang, t->p, t->n, pack_token, c);
    /* the sets of dp__ftab_set: two entries of 64 bytes */
    dp__known k = {d->ftab->e, (1u << (DP__FTAB_BITS - 1)) - 1,
                   2 * sizeof(dp__fentry), known_take, c};
    return dp__analyze_known(an, d->lang, t->p, t->n, pack_token, c, &k);
}

static void pick_lang(const dp_record *rec, char lang[4])
{
    memset(lang, 0, 4);
    if (rec->lang.n >= 2) {
        for (int i = 0; i < 2; i++) {
            char c = rec->lang.p[i];
            lang[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        if (lang[0] < 'a' || lang[0] > 'z' || lang[1] < 'a' || lang[1] > 'z')
            memset(lang, 0, 4);
        return;
    }
    const dp_slice *s = rec->text.n ? &rec->text : &rec->title;
    char code[3] = "";
    if (dp_lang_detect(s->p, s->n > 20000 ? 20000 : s->n, code) == DP_OK)
        memcpy(lang, code, 2);
}

int dp__adoc_analyze(dp__adoc *d, dp_analyzer *an)
{
    const uint8_t *p = (const uint8_t *)d->raw.p;
    dp_record rec;
    pctx c = {d, 0, 0, DP_OK};
    int rc = dp__record_parse(&p, p + d->raw.n, &rec, &d->fetch);
    if (rc != DP_OK)
        return rc == DP_ECORRUPT ? DP_EINVAL : rc;
    dp__buf_clear(&d->toks);
    d->length = 0;
    d->interned = false;
    d->plain_lang = DP__PLAIN_NONE;
    pick_lang(&rec, d->lang);
    rc = DP_OK;
    if (rec.title.n)
        rc = analyze_part(d, an, &rec.title, &c);
    d->title_len = c.max_pos;
    c.base = c.max_pos ? c.max_pos + 1 : 0;
    if (rc == DP_OK && rec.text.n)
        rc = analyze_part(d, an, &rec.text, &c);
    return c.rc != DP_OK ? c.rc : rc;
}

void dp__adoc_free(dp__adoc *d)
{
    dp__buf_free(&d->raw);
    dp__buf_free(&d->toks);
    dp__fetch_free(&d->fetch);
}

/**************************************************************************
** The ring and its worker.
*/

static void *worker(void *arg)
{
    dp__pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && (p->paused || p->state[p->work] != SLOT_QUEUED))
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop)
            break;
        size_t i = p->work;
        /* intern here only when the writer has analysed records waiting
        ** (it is the slower thread); else the writer interns them.  Not
        ** past a record left to the writer either: records are interned
        ** in their order, whichever thread does it (see dp__intern_fn). */
        bool intern = p->ndone >= 2 && p->nskipped == 0;
        p->busy = true;
        pthread_mutex_unlock(&p->mu);
        int rc = dp__adoc_analyze(&p->slots[i], p->an);
        if (rc == DP_OK && intern)
            rc = p->intern(p->ictx, &p->slots[i]);
        pthread_mutex_lock(&p->mu);
        p->busy = false;
        p->slots[i].rc = rc;
        p->skipped[i] = !intern;
        p->nskipped += !intern;
        p->state[i] = SLOT_DONE;
        p->ndone++;
        p->work = (i + 1) % DP__PIPE_SLOTS;
        pthread_cond_signal(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int dp__pipe_new(dp__pipe **out, dp_analyzer *an, dp__intern_fn intern,
                 void *ictx)
{
    dp__pipe *p = dp__calloc(1, sizeof *p);
    *out = NULL;
    if (p == NULL)
        return DP_ENOMEM;
    p->an = an;
    p->intern = intern;
    p->ictx = ictx;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    if (pthread_create(&p->th, NULL, worker, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv_work);
        pthread_cond_destroy(&p->cv_done);
        dp__free(p);
        return DP_ENOMEM;
    }
    *out = p;
    return DP_OK;
}

void dp__pipe_free(dp__pipe *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    for (size_t i = 0; i < DP__PIPE_SLOTS; i++)
        dp__adoc_free(&p->slots[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    dp__free(p);
}

size_t dp__pipe_pending(const dp__pipe *p) { return p ? p->count : 0; }

bool dp__pipe_full(const dp__pipe *p) { return p->count == DP__PIPE_SLOTS; }

int dp__pipe_push(dp__pipe *p, const dp_record *rec)
{
    dp__adoc *d = &p->slots[p->tail];
    dp_slice lang = rec->lang;
    /* only the caller touches free slots: no lock for the copy */
    dp__buf_clear(&d->raw);
    int rc = dp__record_serialize(&d->raw, rec, lang);
    if (rc != DP_OK)
        return rc;
    pthread_mutex_lock(&p->mu);
    p->state[p->tail] = SLOT_QUEUED;
    p->tail = (p->tail + 1) % DP__PIPE_SLOTS;
    p->count++;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    return DP_OK;
}

dp__adoc *dp__pipe_head(dp__pipe *p, bool wait)
{
    dp__adoc *d = NULL;
    pthread_mutex_lock(&p->mu);
    while (wait && p->count > 0 && p->state[p->head] != SLOT_DONE)
        pthread_cond_wait(&p->cv_done, &p->mu);
    if (p->count > 0 && p->state[p->head] == SLOT_DONE)
        d = &p->slots[p->head];
    pthread_mutex_unlock(&p->mu);
    return d;
}

void dp__pipe_pause(dp__pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->paused = true;
    while (p->busy)
        pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void dp__pipe_resume(dp__pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->paused = false;
    pthread_cond_signal(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
}

dp__adoc *dp__pipe_done_slot(dp__pipe *p, size_t k)
{
    size_t i = (p->head + k) % DP__PIPE_SLOTS;
    return k < p->count && p->state[i] == SLOT_DONE ? &p->slots[i] : NULL;
}

void dp__pipe_pop(dp__pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->state[p->head] = SLOT_FREE;
    p->nskipped -= p->skipped[p->head];
    p->skipped[p->head] = false;
    p->ndone--;
    p->head = (p->head + 1) % DP__PIPE_SLOTS;
    p->count--;
    pthread_mutex_unlock(&p->mu);
}
