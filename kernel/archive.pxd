# cython: language_level=3
"""C declarations of the per-neuron spike archive (see archive.h)."""
from libc.stdint cimport int64_t

cdef extern from "archive.h" nogil:
    ctypedef struct pnl_entry:
        int64_t stamp
        int64_t count
        double kminus
        double kminus_triplet
        double off
    ctypedef struct pnl_history:
        pnl_entry *e
        double *value
        int64_t first
        int64_t n
        int64_t cap
        double kminus
        double kminus_triplet
        double tau_minus_inv
        double tau_minus_triplet_inv
        int64_t n_incoming
        int64_t max_delay
        double trace
        int precise
    ctypedef struct pnl_ep_entry:
        int64_t t
        double psi
        double L
        double reg
    ctypedef struct pnl_ep_mark:
        int64_t t
        int64_t count
    ctypedef struct pnl_eprop:
        pnl_ep_entry *e
        int64_t n, cap
        pnl_ep_mark *u
        int64_t nu, capu
        double *reg_hist
        int64_t *reg_t
        int64_t nreg, capreg
        int64_t indegree
        int kind
        int64_t cutoff
        int64_t ls_shift
        int64_t hist_shift
        double alpha
        double kappa, kappa_reg
        double adapt_beta, rho
        double zeta
    ctypedef struct pnl_archive:
        int64_t n_slots
        int64_t ncol
        pnl_eprop *eprop
        int64_t *last_spike
        double *last_off
        pnl_history *hist
        int64_t min_delay
        int64_t tics_per_step
        double ms_per_tic
        int failed
    int pnl_history_grow(pnl_archive *a, pnl_history *h)
    void pnl_archive_init(pnl_archive *a)
    void pnl_archive_free(pnl_archive *a)
    double pnl_archive_ms(const pnl_archive *a, int64_t stamp)
    void pnl_archive_set_clock(pnl_archive *a, int64_t tics_per_step, double ms_per_tic,
                               int64_t min_delay)
    int pnl_archive_resize(pnl_archive *a, int64_t n_slots, int64_t ncol)
    void pnl_archive_configure_slot(pnl_archive *a, int64_t slot, int64_t n_incoming,
                                    int64_t max_delay, double tau_minus,
                                    double tau_minus_triplet, int precise)
    int64_t pnl_archive_add(pnl_archive *a, int64_t slot, int64_t stamp, double off)
    int64_t pnl_archive_history(pnl_archive *a, int64_t slot, int64_t t1, int64_t t2,
                                int64_t *k0, int64_t *k1)
    double pnl_archive_k_value(const pnl_archive *a, int64_t slot, int64_t before,
                               double t_ms, int col)
    int64_t pnl_archive_size(const pnl_archive *a, int64_t slot)
    int64_t pnl_archive_stamp(const pnl_archive *a, int64_t slot, int64_t k)
    double pnl_archive_entry_ms(const pnl_archive *a, int64_t slot, int64_t k)
    const pnl_entry *pnl_archive_entry(const pnl_archive *a, int64_t slot, int64_t k)
    double *pnl_archive_values(const pnl_archive *a, int64_t slot, int64_t k)
    int64_t pnl_archive_bytes(const pnl_archive *a)


cdef extern from "eprop_archive.h" nogil:
    enum:
        PNL_EP_RECURRENT
        PNL_EP_ADAPT
        PNL_EP_READOUT
    int pnl_eprop_enable(pnl_archive *a)
    int64_t pnl_ep_lower(const pnl_eprop *p, int64_t time)
    int64_t pnl_ep_lower_guess(const pnl_eprop *p, int64_t time)
    int64_t pnl_ep_append(pnl_archive *a, int64_t slot, int64_t t)
    void pnl_ep_add_learning_signal(pnl_eprop *p, int64_t time, double value)
    double pnl_ep_learning_signal(const pnl_eprop *p, int64_t time)
    void pnl_ep_release(pnl_archive *a, pnl_eprop *p, int64_t t_spike, int64_t t_prev)
    void pnl_eprop_clear(pnl_eprop *p)
    void pnl_ep_write_update(pnl_archive *a, pnl_eprop *p, int64_t t_previous_update,
                             int64_t t_current_update, bint is_flush, bint previous_was_flush)
    void pnl_ep_erase_intervals(pnl_eprop *p, int64_t interval)
    void pnl_ep_reg_push(pnl_archive *a, pnl_eprop *p, int64_t t, double reg)
    double pnl_ep_reg_at(const pnl_eprop *p, int64_t t)
    int pnl_ep_mark_add(pnl_archive *a, pnl_eprop *p, int64_t t)
