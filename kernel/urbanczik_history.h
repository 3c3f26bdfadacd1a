/*
 * urbanczik_history.h -- the dendritic prediction-error history of a neuron
 * that Urbanczik-Senn synapses read (NEST's urbanczik archiving node).
 *
 * The neuron appends one entry per time step (time in ms, the increment dPI
 * of the error integral), once synapses of this kind target it
 * (n_incoming > 0).  A synapse reads the entries with t in (t1, t2] and
 * counts its read on each; before appending, the oldest entries every
 * incoming synapse has read are dropped, the newest of them kept (as NEST).
 * The neuron also keeps here the constants of the compartment the synapses
 * sit on (C_m, g_L, tau_syn_ex, tau_syn_in), which their rule needs.
 *
 * Self-contained C99, static inline, no Python API; one history per
 * neuron, owned by the neuron's block.
 */
#ifndef PYNESTLITE_URBANCZIK_HISTORY_H
#define PYNESTLITE_URBANCZIK_HISTORY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double t;           /* ms */
    double dw;          /* dPI of the step ending at t */
    int64_t count;      /* reads by incoming synapses */
} pnl_urb_entry;

typedef struct {
    pnl_urb_entry *e;   /* live entries e[first .. n-1], ascending t */
    int64_t first, n, cap;
    int64_t n_incoming; /* synapses that read this history */
    /* the constants of the synapses' compartment */
    double C_m, g_L, tau_syn_ex, tau_syn_in;
    int failed;         /* an allocation failed */
} pnl_urb_history;

static inline void pnl_urb_free(pnl_urb_history *h)
{
    free(h->e);
    h->e = NULL;
    h->first = h->n = h->cap = 0;
}

/* Append (t, dw) after dropping the front entries every incoming synapse
 * has read (the last one of them stays). */
static inline void pnl_urb_append(pnl_urb_history *h, double t, double dw)
{
    while (h->n - h->first > 1 && h->e[h->first].count >= h->n_incoming)
        h->first++;
    if (h->n == h->cap) {
        int64_t live = h->n - h->first;
        if (h->first > 0 && live < h->cap / 2) {
            memmove(h->e, h->e + h->first, (size_t)live * sizeof(pnl_urb_entry));
        } else {
            int64_t cap = h->cap ? 2 * h->cap : 64;
            pnl_urb_entry *e = (pnl_urb_entry *)realloc(h->e, (size_t)cap * sizeof(pnl_urb_entry));
            if (e == NULL) {
                h->failed = 1;
                return;
            }
            h->e = e;
            h->cap = cap;
            if (h->first > 0)
                memmove(h->e, h->e + h->first, (size_t)live * sizeof(pnl_urb_entry));
        }
        h->first = 0;
        h->n = live;
    }
    h->e[h->n].t = t;
    h->e[h->n].dw = dw;
    h->e[h->n].count = 0;
    h->n++;
}

/* The entries with t in (t1, t2] as [*k0, *k1); each of them counts the
 * read.  A margin of 1e-6 ms makes the interval exclude t1 and include t2
 * on the time grid (NEST's convention). */
static inline void pnl_urb_range(pnl_urb_history *h, double t1, double t2,
                                 int64_t *k0, int64_t *k1)
{
    /* the first entry with t - 1e-6 >= t1 (t ascending: bisection) */
    int64_t lo = h->first, hi = h->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (h->e[mid].t - 1.0e-6 < t1)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t k = lo;
    *k0 = k;
    while (k < h->n && h->e[k].t - 1.0e-6 < t2) {
        h->e[k].count++;
        k++;
    }
    *k1 = k;
}

#endif
