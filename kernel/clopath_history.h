/*
 * clopath_history.h -- the Clopath archive of a neuron that clopath_synapse
 * reads (NEST's Clopath archiving node).
 *
 * Every step the neuron hands over its state at the end of the step (time
 * stamp t, V_m = u, the filtered potentials u_bar_plus, u_bar_minus,
 * u_bar_bar).  u_bar_plus and u_bar_minus go through a delay line of
 * del_len = delay_u_bars / h + 1 slots (zeros at the start, written before
 * read, so the value read is the one from del_len - 1 steps ago); with the
 * delayed values ub+, ub- the archive keeps, once clopath synapses target
 * the neuron (n_incoming > 0),
 *
 *   LTP (if u > theta_plus and ub+ > theta_minus): an entry (t, dw) of
 *       dw = A_LTP (u - theta_plus) (ub+ - theta_minus) h
 *       in a history of time-stamped increments (urbanczik_history.h: read
 *       in (t1, t2] with read counters, pruned before each append);
 *   LTD (if ub- > theta_minus): an entry (stamp, dw) of
 *       dw = A_LTD (ub- - theta_minus)                          (A_LTD_const)
 *       dw = A_LTD u_bar_bar^2 (ub- - theta_minus) / u_ref_squared  (else)
 *       in a ring of ltd_len = max_delay + 1 entries (stamp 0, dw 0 at the
 *       start); pnl_clopath_ltd gives the value stamped exactly at a
 *       step (0 if none is left).
 *
 * The rings are laid out once (the neuron's first Prepare), with that
 * Prepare's delay_u_bars and max_delay, as NEST lays them out once per node.
 *
 * Self-contained C99, static inline, no Python API.
 */
#ifndef PYNESTLITE_CLOPATH_HISTORY_H
#define PYNESTLITE_CLOPATH_HISTORY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "urbanczik_history.h"

typedef struct {
    int64_t stamp;      /* steps */
    double dw;
} pnl_ltd_entry;

typedef struct {
    pnl_urb_history ltp;    /* LTP increments; ltp.n_incoming: clopath synapses onto
                             * the neuron, ltp.failed: an allocation failed */
    pnl_ltd_entry *ltd;     /* ring of LTD values */
    int64_t ltd_len, ltd_cur;
    double *del_plus, *del_minus;   /* delay lines of u_bar_plus, u_bar_minus */
    int64_t del_len, del_idx;
    /* the archive's parameters (copied in at each Prepare) */
    double A_LTD, A_LTP, u_ref_squared, theta_plus, theta_minus, h;
    int A_LTD_const;
} pnl_clopath;

static inline void pnl_clopath_free(pnl_clopath *c)
{
    pnl_urb_free(&c->ltp);
    free(c->ltd); free(c->del_plus); free(c->del_minus);
    c->ltd = NULL; c->del_plus = NULL; c->del_minus = NULL;
    c->ltd_len = c->del_len = 0;
}

/* Lay out the delay lines (del_len slots) and the LTD ring (ltd_len
 * entries); returns -1 if an allocation failed. */
static inline int pnl_clopath_layout(pnl_clopath *c, int64_t del_len, int64_t ltd_len)
{
    c->del_plus = (double *)calloc((size_t)del_len, sizeof(double));
    c->del_minus = (double *)calloc((size_t)del_len, sizeof(double));
    c->ltd = (pnl_ltd_entry *)calloc((size_t)ltd_len, sizeof(pnl_ltd_entry));
    if (!c->del_plus || !c->del_minus || !c->ltd) {
        c->ltp.failed = 1;
        return -1;
    }
    c->del_len = del_len;
    c->del_idx = 0;
    c->ltd_len = ltd_len;
    c->ltd_cur = 0;
    return 0;
}

/* The neuron's state at the end of the step stamped `stamp` (t_ms its time). */
static inline void pnl_clopath_write(pnl_clopath *c, int64_t stamp, double t_ms, double u,
                                     double u_bar_plus, double u_bar_minus, double u_bar_bar)
{
    c->del_plus[c->del_idx] = u_bar_plus;
    c->del_minus[c->del_idx] = u_bar_minus;
    c->del_idx = (c->del_idx + 1) % c->del_len;
    const double ub_plus = c->del_plus[c->del_idx];
    const double ub_minus = c->del_minus[c->del_idx];
    if (c->ltp.n_incoming == 0)
        return;
    if (u > c->theta_plus && ub_plus > c->theta_minus)
        pnl_urb_append(&c->ltp, t_ms,
                       c->A_LTP * (u - c->theta_plus) * (ub_plus - c->theta_minus) * c->h);
    if (ub_minus > c->theta_minus) {
        const double dw = c->A_LTD_const
            ? c->A_LTD * (ub_minus - c->theta_minus)
            : c->A_LTD * u_bar_bar * u_bar_bar * (ub_minus - c->theta_minus) / c->u_ref_squared;
        c->ltd[c->ltd_cur].stamp = stamp;
        c->ltd[c->ltd_cur].dw = dw;
        c->ltd_cur = (c->ltd_cur + 1) % c->ltd_len;
    }
}

/* The LTD value stamped at `stamp` (0 if there is none, or stamp < 0). */
static inline double pnl_clopath_ltd(const pnl_clopath *c, int64_t stamp)
{
    if (stamp < 0)
        return 0.0;
    for (int64_t i = 0; i < c->ltd_len; ++i)
        if (c->ltd[i].stamp == stamp)
            return c->ltd[i].dw;
    return 0.0;
}

#endif
