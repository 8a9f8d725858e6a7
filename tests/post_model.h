/*
** post_model.h -- a term's postings as plain arrays, for the tests that
** write segments and read them back (test_postings.c, test_merge_copy.c,
** test_lookup.c): what was written is what a reader must give; a segment
** file opened as a segment, and removed; and a segment's postings made
** writable, to damage them.  Needs store.h and test.h first.
*/
#ifndef DP_TEST_POST_MODEL_H
#define DP_TEST_POST_MODEL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct tmodel {
    const char *name;
    const char *const *fnames; /* NULL: every form is "f" */
    uint32_t nforms, df;
    uint32_t *docs, *freq, *off; /* postings; off: first occurrence */
    uint32_t *pos, *form;        /* occurrences */
    uint32_t nocc, cap;
} tmodel;

/* Add a posting: doc, its freq positions and their forms (NULL: form 0). */
static inline void tm_add(tmodel *m, uint32_t doc, uint32_t freq,
                          const uint32_t *pos, const uint32_t *form)
{
    if (m->nocc + freq > m->cap) {
        m->cap = (m->nocc + freq) * 2;
        m->pos = realloc(m->pos, m->cap * sizeof *m->pos);
        m->form = realloc(m->form, m->cap * sizeof *m->form);
    }
    m->docs = realloc(m->docs, (m->df + 1) * sizeof *m->docs);
    m->freq = realloc(m->freq, (m->df + 1) * sizeof *m->freq);
    m->off = realloc(m->off, (m->df + 1) * sizeof *m->off);
    m->docs[m->df] = doc;
    m->freq[m->df] = freq;
    m->off[m->df++] = m->nocc;
    memcpy(m->pos + m->nocc, pos, freq * sizeof *pos);
    for (uint32_t i = 0; i < freq; i++)
        m->form[m->nocc + i] = form ? form[i] : 0;
    m->nocc += freq;
}

/* Free the arrays; the name and forms stay. */
static inline void tm_free(tmodel *m)
{
    free(m->docs);
    free(m->freq);
    free(m->off);
    free(m->pos);
    free(m->form);
    m->docs = m->freq = m->off = m->pos = m->form = NULL;
    m->df = m->nocc = m->cap = 0;
}

/* Write model term m to a segment being written (its forms named by
** fnames, else all "f"). */
static inline void tm_write_term(dp__segw *w, const tmodel *m)
{
    dp_slice *fs = malloc(m->nforms * sizeof *fs);
    for (uint32_t k = 0; k < m->nforms; k++) {
        const char *fn = m->fnames ? m->fnames[k] : "f";
        fs[k] = (dp_slice){fn, strlen(fn)};
    }
    CHECK_EQ_INT(dp__segw_term_begin(w, m->name, strlen(m->name), fs,
                                     m->nforms), DP_OK);
    free(fs);
    for (uint32_t k = 0; k < m->df; k++)
        CHECK_EQ_INT(dp__segw_term_doc(w, m->docs[k], m->pos + m->off[k],
                                       m->form + m->off[k], m->freq[k]),
                     DP_OK);
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
}

/* The tests' generator (a linear congruential one: the same sequences
** as their RND()). */
static inline uint32_t tm_rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/* Segment 1 of dir in format `version`: nd documents (one in five said
** to be 3 tokens long while its positions run far beyond, the Rice
** escape; the others 1000) and one term, "de" (forms "de" and "d").
** Document d holds fq[d] = freq(d, seed) occurrences (0: not in it, at
** most 64) at random gaps in pos[d], their forms in fm[d]: mixed when
** d % 3 == 0, all "de" when d % 3 == 1, all "d" when d % 3 == 2. */
static inline void de_segment(const char *dir, uint32_t version, uint32_t nd,
                              unsigned *seed,
                              uint32_t (*freq)(uint32_t d, unsigned *seed),
                              uint32_t (*pos)[64], uint32_t (*fm)[64],
                              uint32_t *fq, dp_buf *err)
{
    dp__segw *w;
    char path[256];
    dp__seg_path(path, sizeof path, dir, 1);
    CHECK_EQ_INT(dp__segw_open_version(&w, path, version, err), DP_OK);
    for (uint32_t d = 0; d < nd; d++) {
        dp__doc_cols c;
        memset(&c, 0, sizeof c);
        c.length = d % 5 == 0 ? 3 : 1000;
        dp_slice src = {"", 0}, id = {"x", 1};
        CHECK_EQ_INT(dp__segw_doc(w, &c, src, id, "", 0), DP_OK);
        fq[d] = freq(d, seed);
        uint32_t at = tm_rnd(seed) % 5;
        for (uint32_t i = 0; i < fq[d]; i++) {
            at += 1 + tm_rnd(seed) % (i % 7 == 0 ? 400 : 12);
            pos[d][i] = at;
            fm[d][i] = d % 3 == 0 ? tm_rnd(seed) % 3 == 0 : d % 3 == 2;
        }
    }
    dp_slice forms[2] = {{"de", 2}, {"d", 1}};
    CHECK_EQ_INT(dp__segw_term_begin(w, "de", 2, forms, 2), DP_OK);
    for (uint32_t d = 0; d < nd; d++)
        if (fq[d])
            CHECK_EQ_INT(dp__segw_term_doc(w, d, pos[d], fm[d], fq[d]), DP_OK);
    CHECK_EQ_INT(dp__segw_term_end(w), DP_OK);
    CHECK_EQ_INT(dp__segw_finish(w, NULL), DP_OK);
    dp__segw_free(w);
}

/* Segment file `no` of dir, opened as a segment of no deletions. */
static inline void open_seg(const char *dir, uint64_t no, dp__segfile **f,
                            dp__segment *g, dp_buf *err)
{
    CHECK_EQ_INT(dp__segfile_open(dir, no, f, err), DP_OK);
    memset(g, 0, sizeof *g);
    g->file = *f;
    g->err = err;
}

static inline void remove_seg(const char *dir, uint64_t no)
{
    char path[256];
    dp__seg_path(path, sizeof path, dir, no);
    unlink(path);
}

/* A writable copy of a segment's POST, read through a copy of the segment
** file whose chunk checksums count as checked: damage made there reaches
** the decoders (the checksums would catch it first on a real file).
** Needs store.h. */
typedef struct damaged {
    dp__segfile f;
    uint8_t *post;
    uint64_t *ok;
    dp__segment g;
} damaged;

static inline void damaged_init(damaged *dm, dp__segfile *f, dp_buf *err)
{
    size_t nw = f->post_nchunks / 64 + 1;
    memcpy(&dm->f, f, sizeof *f);
    dm->post = malloc(f->sec[DP__SEC_POST].n + 1);
    memcpy(dm->post, f->sec[DP__SEC_POST].p, f->sec[DP__SEC_POST].n);
    dm->ok = malloc(nw * sizeof *dm->ok);
    memset(dm->ok, 0xff, nw * sizeof *dm->ok);
    dm->f.sec[DP__SEC_POST].p = dm->post;
    dm->f.post_ok = dm->ok;
    /* the copy's derived data (document lengths) are its own */
    memset(dm->f.cache, 0, sizeof dm->f.cache);
    memset(&dm->g, 0, sizeof dm->g);
    dm->g.file = &dm->f;
    dm->g.err = err;
}

static inline void damaged_free(damaged *dm)
{
    for (int i = 0; i < DP__SEG_CACHE_SLOTS; i++)
        if (dm->f.cache[i])
            dm->f.cache[i]->free(dm->f.cache[i]);
    free(dm->post);
    free(dm->ok);
}

#endif
