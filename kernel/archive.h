/*
 * archive.h -- per-neuron spike history for plastic synapses.
 *
 * One archive per rank covers the local neuron slots (slot of gid g on
 * rank r of P ranks: (g - 1) / P).  Only slots flagged `archived` keep a
 * history: the neurons that some plastic synapse targets.  Each history is
 * a growable array of spike stamps (steps, the stamp the spike recorder
 * reports) with `ncol` doubles per entry that a synapse rule may fill (its
 * traces), and a `first` index past the entries trimmed away.  Every slot
 * also keeps the stamp of its latest spike (-1: none yet).
 *
 * The kernel appends in canonical (lag, gid) order in its archive phase and
 * trims with the horizon the synapse models state; synapse delivery reads
 * with pnl_archive_* from nogil code.
 */
#ifndef PYNESTLITE_ARCHIVE_H
#define PYNESTLITE_ARCHIVE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t *stamp;     /* spike stamps, ascending */
    double *value;      /* ncol values per entry */
    int64_t first;      /* first live entry */
    int64_t n;          /* entries used (live: first .. n-1) */
    int64_t cap;
} pnl_history;

typedef struct {
    int64_t n_slots;
    int64_t ncol;
    int64_t *last_spike;    /* per slot: stamp of the latest spike, -1 if none */
    uint8_t *archived;      /* per slot: keeps a history */
    pnl_history *hist;      /* per slot (empty unless archived) */
    int failed;             /* an allocation failed; checked with the GIL */
} pnl_archive;

static inline void pnl_archive_init(pnl_archive *a)
{
    memset(a, 0, sizeof(*a));
}

static inline void pnl_archive_free(pnl_archive *a)
{
    if (a->hist) {
        for (int64_t i = 0; i < a->n_slots; ++i) {
            free(a->hist[i].stamp);
            free(a->hist[i].value);
        }
    }
    free(a->hist); free(a->last_spike); free(a->archived);
    pnl_archive_init(a);
}

/* Grow to n_slots slots (existing histories and last spikes are kept). */
static inline int pnl_archive_resize(pnl_archive *a, int64_t n_slots, int64_t ncol)
{
    if (n_slots < a->n_slots)
        n_slots = a->n_slots;
    if (a->n_slots > 0 && ncol != a->ncol) {
        for (int64_t i = 0; i < a->n_slots; ++i) {   /* entries change shape: start anew */
            free(a->hist[i].value);
            a->hist[i].value = NULL;
            a->hist[i].first = a->hist[i].n = a->hist[i].cap = 0;
            free(a->hist[i].stamp);
            a->hist[i].stamp = NULL;
        }
    }
    a->ncol = ncol;
    if (n_slots == a->n_slots)
        return 0;
    int64_t *ls = (int64_t *)realloc(a->last_spike, (size_t)n_slots * sizeof(int64_t));
    if (!ls) { a->failed = 1; return -1; }
    a->last_spike = ls;
    uint8_t *ar = (uint8_t *)realloc(a->archived, (size_t)n_slots);
    if (!ar) { a->failed = 1; return -1; }
    a->archived = ar;
    pnl_history *h = (pnl_history *)realloc(a->hist, (size_t)n_slots * sizeof(pnl_history));
    if (!h) { a->failed = 1; return -1; }
    a->hist = h;
    for (int64_t i = a->n_slots; i < n_slots; ++i) {
        a->last_spike[i] = -1;
        a->archived[i] = 0;
        memset(&a->hist[i], 0, sizeof(pnl_history));
    }
    a->n_slots = n_slots;
    return 0;
}

/* Record a spike of `slot` at `stamp`; returns its entry index (-1: not kept). */
static inline int64_t pnl_archive_add(pnl_archive *a, int64_t slot, int64_t stamp)
{
    a->last_spike[slot] = stamp;
    if (!a->archived[slot])
        return -1;
    pnl_history *h = &a->hist[slot];
    if (h->n == h->cap) {
        if (h->first > 0 && h->first >= h->n / 2) {     /* compact in place */
            int64_t live = h->n - h->first;
            memmove(h->stamp, h->stamp + h->first, (size_t)live * sizeof(int64_t));
            if (a->ncol)
                memmove(h->value, h->value + h->first * a->ncol,
                        (size_t)(live * a->ncol) * sizeof(double));
            h->n = live;
            h->first = 0;
        } else {
            int64_t cap = h->cap ? 2 * h->cap : 8;
            int64_t *s = (int64_t *)realloc(h->stamp, (size_t)cap * sizeof(int64_t));
            if (!s) { a->failed = 1; return -1; }
            h->stamp = s;
            if (a->ncol) {
                double *v = (double *)realloc(h->value, (size_t)(cap * a->ncol) * sizeof(double));
                if (!v) { a->failed = 1; return -1; }
                h->value = v;
            }
            h->cap = cap;
        }
    }
    int64_t k = h->n++;
    h->stamp[k] = stamp;
    for (int64_t c = 0; c < a->ncol; ++c)
        h->value[k * a->ncol + c] = 0.0;
    return k;
}

/* Forget the entries of `slot` stamped before `horizon` (the latest spike stays). */
static inline void pnl_archive_trim(pnl_archive *a, int64_t slot, int64_t horizon)
{
    pnl_history *h = &a->hist[slot];
    while (h->first < h->n - 1 && h->stamp[h->first] < horizon)
        h->first += 1;
}

static inline int64_t pnl_archive_size(const pnl_archive *a, int64_t slot)
{
    return a->hist[slot].n - a->hist[slot].first;
}

/* Stamp of the k-th live entry of `slot` (0 = oldest kept). */
static inline int64_t pnl_archive_stamp(const pnl_archive *a, int64_t slot, int64_t k)
{
    return a->hist[slot].stamp[a->hist[slot].first + k];
}

static inline double *pnl_archive_values(const pnl_archive *a, int64_t slot, int64_t k)
{
    return a->hist[slot].value + (a->hist[slot].first + k) * a->ncol;
}

#endif
