/*
 * archive.h -- per-neuron spike history for plastic synapses.
 *
 * One archive per rank covers the local neuron slots (slot of gid g on
 * rank r of P ranks: (g - 1) / P).  Every slot keeps the stamp of its latest
 * spike (-1: none yet).  Slots that plastic synapses target (n_incoming > 0)
 * also keep a history, with the semantics of NEST's archiving node:
 *
 *   - each entry (pnl_entry) holds the spike stamp (steps; the stamp the spike recorder
 *     reports), the postsynaptic traces at that spike
 *         Kminus         <- Kminus * exp((t_last - t) / tau_minus) + 1
 *         Kminus_triplet <- Kminus_triplet * exp((t_last - t) / tau_minus_triplet) + 1
 *     (t in ms; t_last = the previous spike, -1.0 ms before the first), an
 *     access counter, and `ncol` doubles a synapse rule may fill;
 *   - a synapse reads the entries in (t1, t2] with pnl_archive_history, which
 *     counts the access; pnl_archive_k_value gives Kminus decayed to t from
 *     the latest entry strictly before t;
 *   - at each new spike at t, the oldest entry is dropped while every
 *     incoming plastic synapse has read it and the next entry lies more than
 *     max_delay + min_delay steps before t (max_delay: the largest delay of
 *     the slot's incoming plastic synapses), so the history stays as short
 *     as the synapses allow.
 *
 * Times in ms follow the kernel's clock: t(stamp) = stamp * tics_per_step *
 * ms_per_tic.  The kernel appends in canonical (lag, gid) order in its
 * archive phase; synapse delivery reads from nogil code.
 */
#ifndef PYNESTLITE_ARCHIVE_H
#define PYNESTLITE_ARCHIVE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One history entry (40 bytes). */
typedef struct {
    int64_t stamp;          /* spike stamp (steps) */
    int64_t count;          /* access counter */
    double kminus;          /* Kminus at the spike */
    double kminus_triplet;  /* Kminus_triplet at the spike */
    double off;             /* precise offset (ms before the stamp; 0 unless `precise`) */
} pnl_entry;

typedef struct {
    pnl_entry *e;       /* entries, ascending stamps */
    double *value;      /* ncol values per entry */
    int64_t first;      /* first live entry */
    int64_t n;          /* entries used (live: first .. n-1) */
    int64_t cap;
    /* archiving-node state */
    double kminus, kminus_triplet;
    double tau_minus_inv, tau_minus_triplet_inv;
    int64_t n_incoming; /* plastic synapses that read this history */
    int64_t max_delay;  /* their largest delay (steps) */
    double trace;       /* the trace the latest pair-based read returned (NEST's
                         * post_trace: get_K_value's value, 0 before any) */
    int precise;        /* keep the spikes' offsets (models with precise spike times,
                         * as NEST's archive of its _ps models) */
} pnl_history;

/* The e-prop section of a neuron's archive (see eprop_archive.h): one entry
 * per time step (surrogate gradient, learning signal, firing-rate term; a
 * readout keeps its error signal in `L`) and the update markers of the
 * synapses that still have to read it. */
typedef struct {
    int64_t t;
    double psi;
    double L;
    double reg;
} pnl_ep_entry;

typedef struct {
    int64_t t;
    int64_t count;
} pnl_ep_mark;

typedef struct {
    pnl_ep_entry *e;    /* ascending t (gaps where entries were erased) */
    int64_t n, cap;
    pnl_ep_mark *u;     /* update markers, ascending t */
    int64_t nu, capu;
    double *reg_hist;   /* per-interval firing-rate terms (bsshslm_2020) */
    int64_t *reg_t;
    int64_t nreg, capreg;
    int64_t indegree;   /* e-prop synapses onto this neuron (0: no history) */
    /* the neuron's constants the synapses' gradient needs (set at Prepare) */
    int kind;           /* PNL_EP_* of eprop_archive.h */
    int64_t cutoff;     /* eprop_isi_trace_cutoff (steps) */
    int64_t ls_shift;   /* steps between a readout's error and the entry it belongs to */
    int64_t hist_shift; /* bsshslm_2020: steps from a spike to its interval's start */
    double alpha;       /* exp(-h / tau_m): presynaptic trace decay */
    double kappa, kappa_reg;
    double adapt_beta, rho;
    double zeta;        /* bsshslm_2020: weight of an input spike in z_bar (1 or 1 - alpha) */
} pnl_eprop;

typedef struct {
    int64_t n_slots;
    int64_t ncol;
    pnl_eprop *eprop;       /* per slot e-prop section (NULL until needed) */
    int64_t *last_spike;    /* per slot: stamp of the latest spike, -1 if none */
    double *last_off;       /* per slot: its precise offset (ms before the stamp; 0 on grid) */
    pnl_history *hist;      /* per slot (empty unless n_incoming > 0) */
    int64_t min_delay;      /* steps */
    int64_t tics_per_step;
    double ms_per_tic;
    int failed;             /* an allocation failed; checked with the GIL */
} pnl_archive;

static inline void pnl_archive_init(pnl_archive *a)
{
    memset(a, 0, sizeof(*a));
    a->min_delay = 1;
    a->tics_per_step = 100;
    a->ms_per_tic = 1.0 / 1000.0;
}

static inline void pnl_history_clear(pnl_history *h)
{
    free(h->e); free(h->value);
    h->e = NULL; h->value = NULL;
    h->first = h->n = h->cap = 0;
}

static inline void pnl_eprop_clear(pnl_eprop *p)
{
    free(p->e); free(p->u); free(p->reg_hist); free(p->reg_t);
    p->e = NULL; p->u = NULL; p->reg_hist = NULL; p->reg_t = NULL;
    p->n = p->cap = p->nu = p->capu = p->nreg = p->capreg = 0;
}

static inline void pnl_archive_free(pnl_archive *a)
{
    if (a->hist)
        for (int64_t i = 0; i < a->n_slots; ++i)
            pnl_history_clear(&a->hist[i]);
    if (a->eprop)
        for (int64_t i = 0; i < a->n_slots; ++i)
            pnl_eprop_clear(&a->eprop[i]);
    free(a->eprop);
    free(a->hist); free(a->last_spike); free(a->last_off);
    pnl_archive_init(a);
}

/* Time in ms of a stamp, as the kernel's clock computes it. */
static inline double pnl_archive_ms(const pnl_archive *a, int64_t stamp)
{
    return a->ms_per_tic * (double)(stamp * a->tics_per_step);
}

static inline void pnl_archive_set_clock(pnl_archive *a, int64_t tics_per_step,
                                         double ms_per_tic, int64_t min_delay)
{
    a->tics_per_step = tics_per_step;
    a->ms_per_tic = ms_per_tic;
    a->min_delay = min_delay;
}

/* Grow to n_slots slots (existing histories and last spikes are kept). */
static inline int pnl_archive_resize(pnl_archive *a, int64_t n_slots, int64_t ncol)
{
    if (n_slots < a->n_slots)
        n_slots = a->n_slots;
    if (a->n_slots > 0 && ncol != a->ncol) {
        for (int64_t i = 0; i < a->n_slots; ++i) {   /* entries change shape */
            free(a->hist[i].value);
            a->hist[i].value = NULL;
            if (a->hist[i].n > 0 && ncol > 0) {
                a->hist[i].value = (double *)calloc((size_t)(a->hist[i].cap * ncol),
                                                    sizeof(double));
                if (!a->hist[i].value) { a->failed = 1; return -1; }
            }
        }
    }
    a->ncol = ncol;
    if (n_slots == a->n_slots)
        return 0;
    int64_t *ls = (int64_t *)realloc(a->last_spike, (size_t)n_slots * sizeof(int64_t));
    if (!ls) { a->failed = 1; return -1; }
    a->last_spike = ls;
    double *lo = (double *)realloc(a->last_off, (size_t)n_slots * sizeof(double));
    if (!lo) { a->failed = 1; return -1; }
    a->last_off = lo;
    pnl_history *h = (pnl_history *)realloc(a->hist, (size_t)n_slots * sizeof(pnl_history));
    if (!h) { a->failed = 1; return -1; }
    a->hist = h;
    if (a->eprop) {
        pnl_eprop *ep = (pnl_eprop *)realloc(a->eprop, (size_t)n_slots * sizeof(pnl_eprop));
        if (!ep) { a->failed = 1; return -1; }
        a->eprop = ep;
        memset(ep + a->n_slots, 0, (size_t)(n_slots - a->n_slots) * sizeof(pnl_eprop));
    }
    for (int64_t i = a->n_slots; i < n_slots; ++i) {
        a->last_spike[i] = -1;
        a->last_off[i] = 0.0;
        memset(&a->hist[i], 0, sizeof(pnl_history));
        a->hist[i].tau_minus_inv = 1.0 / 20.0;
        a->hist[i].tau_minus_triplet_inv = 1.0 / 110.0;
    }
    a->n_slots = n_slots;
    return 0;
}

/* Incoming plastic synapses of `slot`, their largest delay (steps) and the
 * neuron's trace time constants (ms).  A slot without incoming plastic
 * synapses keeps no history (NEST: traces are not updated either). */
static inline void pnl_archive_configure_slot(pnl_archive *a, int64_t slot, int64_t n_incoming,
                                              int64_t max_delay, double tau_minus,
                                              double tau_minus_triplet, int precise)
{
    pnl_history *h = &a->hist[slot];
    h->n_incoming = n_incoming;
    h->precise = precise;
    h->max_delay = max_delay;
    h->tau_minus_inv = 1.0 / tau_minus;
    h->tau_minus_triplet_inv = 1.0 / tau_minus_triplet;
}

static inline int pnl_history_grow(pnl_archive *a, pnl_history *h)
{
    if (h->first > 0 && h->first >= h->n / 2) {     /* compact in place */
        int64_t live = h->n - h->first, f = h->first;
        memmove(h->e, h->e + f, (size_t)live * sizeof(pnl_entry));
        if (a->ncol)
            memmove(h->value, h->value + f * a->ncol, (size_t)(live * a->ncol) * sizeof(double));
        h->n = live;
        h->first = 0;
        return 0;
    }
    int64_t cap = h->cap ? 2 * h->cap : 8;
    pnl_entry *e = (pnl_entry *)realloc(h->e, (size_t)cap * sizeof(pnl_entry));
    if (!e) return -1;
    h->e = e;
    if (a->ncol) {
        double *v = (double *)realloc(h->value, (size_t)(cap * a->ncol) * sizeof(double));
        if (!v) return -1;
        h->value = v;
    }
    h->cap = cap;
    return 0;
}

/* Record a spike of `slot` at `stamp` with precise offset `off` (ms before
 * the stamp; kept only for a `precise` history, whose spike times are then
 * stamp - off, as NEST's archive); returns its entry index (-1: not kept).
 * (`last_off` still holds the previous spike's offset here.) */
static inline int64_t pnl_archive_add(pnl_archive *a, int64_t slot, int64_t stamp, double off)
{
    int64_t prev = a->last_spike[slot];
    pnl_history *h = &a->hist[slot];
    a->last_spike[slot] = stamp;
    if (h->n_incoming == 0)
        return -1;
    double prev_off = h->precise ? a->last_off[slot] : 0.0;
    if (!h->precise)
        off = 0.0;
    /* drop entries every synapse has read that no future read can reach */
    while (h->n - h->first > 1
           && h->e[h->first].count >= h->n_incoming
           && stamp - h->e[h->first + 1].stamp > h->max_delay + a->min_delay)
        h->first += 1;
    double t = pnl_archive_ms(a, stamp) - off;
    double t_last = prev >= 0 ? pnl_archive_ms(a, prev) - prev_off : -1.0;
    h->kminus = h->kminus * exp((t_last - t) * h->tau_minus_inv) + 1.0;
    h->kminus_triplet = h->kminus_triplet * exp((t_last - t) * h->tau_minus_triplet_inv) + 1.0;
    if (h->n == h->cap && pnl_history_grow(a, h) != 0) {
        a->failed = 1;
        return -1;
    }
    int64_t k = h->n++;
    h->e[k].stamp = stamp;
    h->e[k].count = 0;
    h->e[k].kminus = h->kminus;
    h->e[k].kminus_triplet = h->kminus_triplet;
    h->e[k].off = off;
    for (int64_t c = 0; c < a->ncol; ++c)
        h->value[k * a->ncol + c] = 0.0;
    return k;
}

/* Live entries of `slot` with t1 < stamp <= t2 (steps): sets [*k0, *k1) as
 * live indices (0 = oldest kept), counts the access, returns k1 - k0. */
static inline int64_t pnl_archive_history(pnl_archive *a, int64_t slot, int64_t t1, int64_t t2,
                                          int64_t *k0, int64_t *k1)
{
    pnl_history *h = &a->hist[slot];
    int64_t i = h->n - 1, end;
    while (i >= h->first && h->e[i].stamp > t2)
        --i;
    end = i + 1;
    while (i >= h->first && h->e[i].stamp > t1) {
        h->e[i].count += 1;
        --i;
    }
    *k0 = i + 1 - h->first;
    *k1 = end - h->first;
    return end - (i + 1);
}

/* Kminus (col 0), Kminus_triplet (col 1) or 1 (col 2: the nearest-neighbour
 * trace) decayed to time t_ms from the latest entry stamped strictly before
 * `before` (0 if none). */
static inline double pnl_archive_k_value(const pnl_archive *a, int64_t slot, int64_t before,
                                         double t_ms, int col)
{
    const pnl_history *h = &a->hist[slot];
    for (int64_t i = h->n - 1; i >= h->first; --i)
        if (h->e[i].stamp < before) {
            double t_i = pnl_archive_ms(a, h->e[i].stamp) - h->e[i].off;
            if (col == 1)
                return h->e[i].kminus_triplet * exp((t_i - t_ms) * h->tau_minus_triplet_inv);
            if (col == 2)
                return exp((t_i - t_ms) * h->tau_minus_inv);
            return h->e[i].kminus * exp((t_i - t_ms) * h->tau_minus_inv);
        }
    return 0.0;
}

static inline int64_t pnl_archive_size(const pnl_archive *a, int64_t slot)
{
    return a->hist[slot].n - a->hist[slot].first;
}

/* Stamp of the k-th live entry of `slot` (0 = oldest kept). */
static inline int64_t pnl_archive_stamp(const pnl_archive *a, int64_t slot, int64_t k)
{
    return a->hist[slot].e[a->hist[slot].first + k].stamp;
}

/* Time (ms) of the k-th live entry of `slot`: its stamp's time minus its
 * precise offset (0 for a history that keeps none). */
static inline double pnl_archive_entry_ms(const pnl_archive *a, int64_t slot, int64_t k)
{
    const pnl_entry *e = a->hist[slot].e + a->hist[slot].first + k;
    return pnl_archive_ms(a, e->stamp) - e->off;
}

/* The k-th live entry of `slot`. */
static inline const pnl_entry *pnl_archive_entry(const pnl_archive *a, int64_t slot, int64_t k)
{
    return a->hist[slot].e + a->hist[slot].first + k;
}

static inline double *pnl_archive_values(const pnl_archive *a, int64_t slot, int64_t k)
{
    return a->hist[slot].value + (a->hist[slot].first + k) * a->ncol;
}

/* Bytes held by the histories (allocated capacity). */
static inline int64_t pnl_archive_bytes(const pnl_archive *a)
{
    int64_t b = a->n_slots * (int64_t)(sizeof(int64_t) + sizeof(pnl_history));
    for (int64_t i = 0; i < a->n_slots; ++i)
        b += a->hist[i].cap * (int64_t)(sizeof(pnl_entry) + a->ncol * sizeof(double));
    if (a->eprop)
        for (int64_t i = 0; i < a->n_slots; ++i)
            b += (int64_t)sizeof(pnl_eprop) + a->eprop[i].cap * (int64_t)sizeof(pnl_ep_entry)
                 + a->eprop[i].capu * (int64_t)sizeof(pnl_ep_mark)
                 + a->eprop[i].capreg * (int64_t)(sizeof(double) + sizeof(int64_t));
    return b;
}

#endif
