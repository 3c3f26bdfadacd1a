/*
 * spike_register.h -- the per-rank register of spikes emitted in a slice.
 *
 * Models append (gid, lag) pairs while they update; the scheduler sorts the
 * register into the canonical (lag, gid) order, exchanges it between ranks
 * and delivers it.  Storage grows geometrically and is reused across slices.
 */
#ifndef PYNESTLITE_SPIKE_REGISTER_H
#define PYNESTLITE_SPIKE_REGISTER_H

#include <stdint.h>
#include <stdlib.h>

typedef struct {
    int64_t *gid;
    int32_t *lag;
    double *off;    /* precise spike offset (ms before the step's end; 0: on the grid) */
    int64_t n;
    int64_t cap;
    int failed;     /* set when an allocation failed; checked with the GIL */
} pnl_register;

static inline void pnl_register_init(pnl_register *r)
{
    r->gid = NULL; r->lag = NULL; r->off = NULL; r->n = 0; r->cap = 0; r->failed = 0;
}

static inline void pnl_register_free(pnl_register *r)
{
    free(r->gid); free(r->lag); free(r->off);
    pnl_register_init(r);
}

static inline int pnl_register_reserve(pnl_register *r, int64_t cap)
{
    if (cap <= r->cap)
        return 0;
    int64_t newcap = r->cap > 0 ? r->cap : 64;
    while (newcap < cap)
        newcap *= 2;
    int64_t *g = (int64_t *)realloc(r->gid, (size_t)newcap * sizeof(int64_t));
    if (!g) { r->failed = 1; return -1; }
    r->gid = g;
    int32_t *l = (int32_t *)realloc(r->lag, (size_t)newcap * sizeof(int32_t));
    if (!l) { r->failed = 1; return -1; }
    r->lag = l;
    double *o = (double *)realloc(r->off, (size_t)newcap * sizeof(double));
    if (!o) { r->failed = 1; return -1; }
    r->off = o;
    r->cap = newcap;
    return 0;
}

/* Append `mult` copies of a spike of node `gid` at `lag`, `off` ms before
 * the end of the step (a precise spike; 0 on the grid). */
static inline void pnl_register_push_off(pnl_register *r, int64_t gid, int32_t lag,
                                         int64_t mult, double off)
{
    if (r->n + mult > r->cap && pnl_register_reserve(r, r->n + mult) != 0)
        return;
    for (int64_t m = 0; m < mult; ++m) {
        r->gid[r->n] = gid;
        r->lag[r->n] = lag;
        r->off[r->n] = off;
        r->n += 1;
    }
}

/* Append `mult` copies of a spike of node `gid` at `lag` (on the grid). */
static inline void pnl_register_push(pnl_register *r, int64_t gid, int32_t lag, int64_t mult)
{
    pnl_register_push_off(r, gid, lag, mult, 0.0);
}

/*
 * Precise input in flight to the nodes that take spikes at their offsets
 * (models with precise input): channel, absolute step of arrival (the step
 * whose ring-buffer slot a grid spike would go to), offset before that
 * step's end and the value (weight times multiplicity, or the count).
 * Deliveries and devices append; the receiving blocks copy their entries at
 * each update, and the loop empties the buffer after every update phase.
 */
typedef struct {
    int64_t *chan;
    int64_t *step;
    double *off;
    double *val;
    int64_t n;
    int64_t cap;
    int64_t epoch;  /* counts the emptyings: a reader's position is valid within one */
    int failed;
} pnl_pevents;

static inline void pnl_pevents_init(pnl_pevents *e)
{
    e->chan = NULL; e->step = NULL; e->off = NULL; e->val = NULL;
    e->n = 0; e->cap = 0; e->epoch = 0; e->failed = 0;
}

static inline void pnl_pevents_free(pnl_pevents *e)
{
    free(e->chan); free(e->step); free(e->off); free(e->val);
    pnl_pevents_init(e);
}

static inline void pnl_pevents_push(pnl_pevents *e, int64_t chan, int64_t step, double off,
                                    double val)
{
    if (e->n == e->cap) {
        int64_t cap = e->cap ? 2 * e->cap : 256;
        int64_t *c = (int64_t *)realloc(e->chan, (size_t)cap * sizeof(int64_t));
        if (!c) { e->failed = 1; return; }
        e->chan = c;
        int64_t *s = (int64_t *)realloc(e->step, (size_t)cap * sizeof(int64_t));
        if (!s) { e->failed = 1; return; }
        e->step = s;
        double *o = (double *)realloc(e->off, (size_t)cap * sizeof(double));
        if (!o) { e->failed = 1; return; }
        e->off = o;
        double *v = (double *)realloc(e->val, (size_t)cap * sizeof(double));
        if (!v) { e->failed = 1; return; }
        e->val = v;
        e->cap = cap;
    }
    e->chan[e->n] = chan;
    e->step[e->n] = step;
    e->off[e->n] = off;
    e->val[e->n] = val;
    e->n += 1;
}

/*
 * The register of values a node sends each step over secondary connections
 * (a readout's error signal to its learning-signal connections): key
 * (kind << 56) | (lag << 40) | gid and the value, exchanged once per slice
 * like spikes.
 */
typedef struct {
    int64_t *key;
    double *val;
    int64_t n;
    int64_t cap;
    int failed;
} pnl_vregister;

static inline void pnl_vregister_init(pnl_vregister *r)
{
    r->key = NULL; r->val = NULL; r->n = 0; r->cap = 0; r->failed = 0;
}

static inline void pnl_vregister_free(pnl_vregister *r)
{
    free(r->key); free(r->val);
    pnl_vregister_init(r);
}

/* Room for `n` entries (capacity doubling from 64); -1, with `failed` set,
 * if it cannot grow (the register is then unchanged). */
static inline int pnl_vregister_reserve(pnl_vregister *r, int64_t n)
{
    if (n <= r->cap)
        return 0;
    int64_t cap = r->cap ? 2 * r->cap : 64;
    while (cap < n)
        cap *= 2;
    int64_t *k = (int64_t *)realloc(r->key, (size_t)cap * sizeof(int64_t));
    if (!k) { r->failed = 1; return -1; }
    r->key = k;
    double *v = (double *)realloc(r->val, (size_t)cap * sizeof(double));
    if (!v) { r->failed = 1; return -1; }
    r->val = v;
    r->cap = cap;
    return 0;
}

/* kind: which of the node's signals (0: error signal to learning-signal
 * connections, 1: unnormalized readout to rate connections) */
static inline void pnl_vregister_push(pnl_vregister *r, int64_t gid, int32_t lag, int kind,
                                      double value)
{
    if (r->n == r->cap && pnl_vregister_reserve(r, r->n + 1) != 0)
        return;
    r->key[r->n] = ((int64_t)kind << 56) | ((int64_t)lag << 40) | gid;
    r->val[r->n] = value;
    r->n += 1;
}

#endif
