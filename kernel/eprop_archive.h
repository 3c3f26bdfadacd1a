/*
 * eprop_archive.h -- the e-prop section of the per-neuron archive.
 *
 * A neuron that e-prop synapses target (indegree > 0) appends one entry per
 * time step t in its update: the surrogate gradient psi^t, the firing-rate
 * regularization term, and (written later, when the readouts' error signals
 * arrive) the learning signal L^t.  A readout appends its error signal.
 * The synapses read the entries when a presynaptic spike arrives
 * (event-driven e-prop: no per-step work in synapses) and the history is
 * trimmed as NEST's e-prop archiving node trims it:
 *
 *   - every synapse keeps an update marker at the stamp of its last spike
 *     (markers carry access counters: the synapses whose last spike was
 *     then);
 *   - when a synapse moves its marker from t_prev to t_spike, the entries
 *     in [t_prev - 1, t_prev - 1 + cutoff) that no remaining marker needs
 *     are erased, and so is everything before the earliest marker - 1.
 *
 * So the history covers at most eprop_isi_trace_cutoff steps after each
 * pending presynaptic spike (and everything since the oldest one when the
 * cutoff is infinite).  Entries are searched by binary search on t (gaps
 * arise where entries were erased).
 */
#ifndef PYNESTLITE_EPROP_ARCHIVE_H
#define PYNESTLITE_EPROP_ARCHIVE_H

#include <stddef.h>

#include "archive.h"

enum {
    PNL_EP_RECURRENT = 0,   /* eprop_iaf, eprop_iaf_psc_delta */
    PNL_EP_ADAPT = 1,       /* eprop_iaf_adapt, eprop_iaf_psc_delta_adapt */
    PNL_EP_READOUT = 2      /* eprop_readout */
};

/* Make sure `a` has an e-prop section per slot. */
static inline int pnl_eprop_enable(pnl_archive *a)
{
    if (a->eprop || a->n_slots == 0)
        return 0;
    a->eprop = (pnl_eprop *)calloc((size_t)a->n_slots, sizeof(pnl_eprop));
    if (!a->eprop) { a->failed = 1; return -1; }
    return 0;
}

/* First entry with t >= time (n if none). */
static inline int64_t pnl_ep_lower(const pnl_eprop *p, int64_t time)
{
    int64_t lo = 0, hi = p->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (p->e[mid].t < time) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* The first of `n` records, `stride` bytes apart and each beginning with
 * its int64_t time, whose time is >= `time` (n if none).  The times are
 * distinct and increasing (history entries, update markers), so
 * t[k] >= t[0] + k: the record of `time` is at k = time - t[0] or, after
 * gaps, at most t[k] - time places before; only those are searched. */
static inline int64_t pnl_lower_time(const void *rec, size_t stride, int64_t n, int64_t time)
{
#define PNL_T(k) (*(const int64_t *)((const char *)rec + (size_t)(k) * stride))
    if (n == 0 || PNL_T(0) >= time)
        return 0;
    if (PNL_T(n - 1) < time)
        return n;
    int64_t hi = time - PNL_T(0);
    if (hi > n - 1)
        hi = n - 1;
    int64_t lo = hi - (PNL_T(hi) - time);     /* t[lo - 1] < time <= t[hi] */
    if (lo < 0)
        lo = 0;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (PNL_T(mid) < time) lo = mid + 1; else hi = mid;
    }
    return lo;
#undef PNL_T
}

_Static_assert(offsetof(pnl_ep_entry, t) == 0 && offsetof(pnl_ep_mark, t) == 0,
               "pnl_lower_time reads a record's time at its start");

/* pnl_ep_lower by pnl_lower_time. */
static inline int64_t pnl_ep_lower_guess(const pnl_eprop *p, int64_t time)
{
    return pnl_lower_time(p->e, sizeof(pnl_ep_entry), p->n, time);
}

/* pnl_ep_lower for a time near the end of the history (the learning
 * signals of the last steps): a short scan back, else the binary search. */
static inline int64_t pnl_ep_lower_recent(const pnl_eprop *p, int64_t time)
{
    int64_t k = p->n;
    for (int s = 0; s < 8 && k > 0; ++s) {
        if (p->e[k - 1].t < time)
            return k;
        --k;
    }
    return pnl_ep_lower(p, time);
}

/* First marker with t >= time, by pnl_lower_time. */
static inline int64_t pnl_ep_lower_mark_guess(const pnl_eprop *p, int64_t time)
{
    return pnl_lower_time(p->u, sizeof(pnl_ep_mark), p->nu, time);
}

/* First marker with t >= time, searching from `lo` (nu if none). */
static inline int64_t pnl_ep_lower_mark(const pnl_eprop *p, int64_t lo, int64_t time)
{
    int64_t hi = p->nu;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (p->u[mid].t < time) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* Append the entry of step t (zeros); returns its index, -1 if the neuron
 * keeps no history or the allocation failed (then a->failed is set). */
static inline int64_t pnl_ep_append(pnl_archive *a, int64_t slot, int64_t t)
{
    pnl_eprop *p = &a->eprop[slot];
    if (p->indegree == 0)
        return -1;
    if (p->n == p->cap) {
        int64_t cap = p->cap ? 2 * p->cap : 64;
        pnl_ep_entry *e = (pnl_ep_entry *)realloc(p->e, (size_t)cap * sizeof(pnl_ep_entry));
        if (!e) { a->failed = 1; return -1; }
        p->e = e;
        p->cap = cap;
    }
    int64_t k = p->n++;
    p->e[k].t = t;
    p->e[k].psi = 0.0;
    p->e[k].L = 0.0;
    p->e[k].reg = 0.0;
    return k;
}

/* Add `value` to the learning signal of the entry of step `time` (if kept). */
static inline void pnl_ep_add_learning_signal(pnl_eprop *p, int64_t time, double value)
{
    if (p->indegree == 0)
        return;
    int64_t k = pnl_ep_lower_recent(p, time);
    if (k < p->n && p->e[k].t == time)
        p->e[k].L += value;
}

/* The learning signal of the first entry at or after `time` (0 if none). */
static inline double pnl_ep_learning_signal(const pnl_eprop *p, int64_t time)
{
    int64_t k = pnl_ep_lower_recent(p, time);
    return k < p->n ? p->e[k].L : 0.0;
}

static inline void pnl_ep_erase(pnl_eprop *p, int64_t k0, int64_t k1)
{
    if (k0 >= k1)
        return;
    memmove(p->e + k0, p->e + k1, (size_t)(p->n - k1) * sizeof(pnl_ep_entry));
    p->n -= k1 - k0;
}

static inline void pnl_ep_erase_mark(pnl_eprop *p, int64_t i)
{
    memmove(p->u + i, p->u + i + 1, (size_t)(p->nu - i - 1) * sizeof(pnl_ep_mark));
    p->nu -= 1;
}

/* Count a marker at t (inserted if new); -1 if the allocation failed. */
static inline int pnl_ep_mark_add(pnl_archive *a, pnl_eprop *p, int64_t t)
{
    /* (t is usually the latest marker, a spike now: the search looks at
     * the end first) */
    int64_t i = pnl_ep_lower_mark_guess(p, t);
    if (i < p->nu && p->u[i].t == t) {
        p->u[i].count += 1;
        return 0;
    }
    if (p->nu == p->capu) {
        int64_t cap = p->capu ? 2 * p->capu : 8;
        pnl_ep_mark *u = (pnl_ep_mark *)realloc(p->u, (size_t)cap * sizeof(pnl_ep_mark));
        if (!u) { a->failed = 1; return -1; }
        p->u = u;
        p->capu = cap;
    }
    memmove(p->u + i + 1, p->u + i, (size_t)(p->nu - i) * sizeof(pnl_ep_mark));
    p->u[i].t = t;
    p->u[i].count = 1;
    p->nu += 1;
    return 0;
}

/* A synapse whose previous spike was at t_prev (0: none) transmits at
 * t_spike: move its marker and erase what no marker needs any more. */
static inline void pnl_ep_release(pnl_archive *a, pnl_eprop *p, int64_t t_spike, int64_t t_prev)
{
    /* the earliest marker bounds the history from below; it changes only
     * when the first marker is added or the earliest one is removed (else
     * what lies before it was erased, or kept, when it became the earliest) */
    int front = p->nu == 0;
    if (pnl_ep_mark_add(a, p, t_spike) != 0)
        return;
    if (t_prev > 0) {
        int64_t i = pnl_ep_lower_mark_guess(p, t_prev);
        if (i < p->nu && p->u[i].t == t_prev) {
            if (p->u[i].count > 0)
                p->u[i].count -= 1;
            if (p->u[i].count == 0) {
                pnl_ep_erase_mark(p, i);
                front |= i == 0;
            }
        }
        /* A marker at t needs [t - 1, t - 1 + cutoff).  Of the markers, the
         * range is cut at its end by the first whose need begins inside it
         * (the smallest t - 1 >= cand_begin) and at its start by the last
         * whose need ends inside it (the largest t - 1 <= cand_begin, if
         * t - 1 + cutoff >= cand_begin): markers are sorted by t, so two
         * searches find both. */
        const int64_t cutoff = p->cutoff;
        const int64_t cand_begin = t_prev - 1, cand_end = cand_begin + cutoff;
        int64_t erase_begin = cand_begin, erase_end = cand_end;
        /* first marker with t >= t_prev (= cand_begin + 1): where t_prev's
         * marker is, or was before it was erased */
        int64_t j = i;
        if (j < p->nu) {
            int64_t req_begin = p->u[j].t - 1;
            if (req_begin <= cand_end && req_begin < erase_end)
                erase_end = req_begin;
        }
        int64_t last = (j < p->nu && p->u[j].t - 1 == cand_begin) ? j : j - 1;
        if (last >= 0) {
            int64_t req_end = p->u[last].t - 1 + cutoff;
            if (req_end >= cand_begin && req_end <= cand_end && req_end > erase_begin)
                erase_begin = req_end;
        }
        if (erase_begin < erase_end) {
            int64_t k0 = pnl_ep_lower_guess(p, erase_begin);
            int64_t k1 = pnl_ep_lower_guess(p, erase_end);
            pnl_ep_erase(p, k0, k1);
        }
    }
    if (!front || p->nu == 0 || p->n == 0)
        return;
    int64_t keep = p->u[0].t - 1;
    int64_t k = pnl_ep_lower_guess(p, keep);
    if (k < p->n && p->e[k].t == keep && k != 0)
        pnl_ep_erase(p, 0, k);
}

/* ---- the original (bsshslm_2020) family: updates once per interval ----
 *
 * Markers sit at the start of the update interval (shifted by the model's
 * history shift) each synapse last updated in; when a neuron starts a new
 * interval, history of intervals no marker points to is erased, and so is
 * everything before the earliest marker.  The firing-rate term is one value
 * per interval, stored at the step after the interval's end. */

/* A synapse moves from its update at t_previous_update to t_current_update
 * (NEST's write_update_to_history). */
static inline void pnl_ep_write_update(pnl_archive *a, pnl_eprop *p, int64_t t_previous_update,
                                       int64_t t_current_update, int is_flush,
                                       int previous_was_flush)
{
    if (p->indegree == 0)
        return;
    if (!is_flush && pnl_ep_mark_add(a, p, t_current_update + p->hist_shift) != 0)
        return;
    if (!previous_was_flush) {
        int64_t t = t_previous_update + p->hist_shift;
        int64_t i = pnl_ep_lower_mark(p, 0, t);
        if (i < p->nu && p->u[i].t == t) {
            p->u[i].count -= 1;
            if (p->u[i].count == 0)
                pnl_ep_erase_mark(p, i);
        }
    }
}

/* At the start of an update interval: erase the intervals no marker needs. */
static inline void pnl_ep_erase_intervals(pnl_eprop *p, int64_t interval)
{
    if (p->n == 0 || p->nu == 0)
        return;
    int64_t j = 0;
    for (int64_t t = p->u[0].t; t <= p->u[p->nu - 1].t && j < p->nu; t += interval) {
        if (p->u[j].t == t)
            ++j;
        else
            pnl_ep_erase(p, pnl_ep_lower(p, t), pnl_ep_lower(p, t + interval));
    }
    pnl_ep_erase(p, 0, pnl_ep_lower(p, p->u[0].t));
}

static inline void pnl_ep_reg_push(pnl_archive *a, pnl_eprop *p, int64_t t, double reg)
{
    if (p->indegree == 0)
        return;
    if (p->nreg == p->capreg) {
        int64_t cap = p->capreg ? 2 * p->capreg : 8;
        double *v = (double *)realloc(p->reg_hist, (size_t)cap * sizeof(double));
        if (!v) { a->failed = 1; return; }
        p->reg_hist = v;
        int64_t *tt = (int64_t *)realloc(p->reg_t, (size_t)cap * sizeof(int64_t));
        if (!tt) { a->failed = 1; return; }
        p->reg_t = tt;
        p->capreg = cap;
    }
    p->reg_t[p->nreg] = t;
    p->reg_hist[p->nreg] = reg;
    p->nreg += 1;
}

/* The firing-rate term of the first interval stored at or after t (0 if none). */
static inline double pnl_ep_reg_at(const pnl_eprop *p, int64_t t)
{
    int64_t lo = 0, hi = p->nreg;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (p->reg_t[mid] < t) lo = mid + 1; else hi = mid;
    }
    return lo < p->nreg ? p->reg_hist[lo] : 0.0;
}

#endif
