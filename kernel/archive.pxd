# cython: language_level=3
"""C declarations of the per-neuron spike archive (see archive.h)."""
from libc.stdint cimport int64_t, uint8_t

cdef extern from "archive.h" nogil:
    ctypedef struct pnl_history:
        int64_t *stamp
        double *value
        int64_t first
        int64_t n
        int64_t cap
    ctypedef struct pnl_archive:
        int64_t n_slots
        int64_t ncol
        int64_t *last_spike
        uint8_t *archived
        pnl_history *hist
        int failed
    void pnl_archive_init(pnl_archive *a)
    void pnl_archive_free(pnl_archive *a)
    int pnl_archive_resize(pnl_archive *a, int64_t n_slots, int64_t ncol)
    int64_t pnl_archive_add(pnl_archive *a, int64_t slot, int64_t stamp)
    void pnl_archive_trim(pnl_archive *a, int64_t slot, int64_t horizon)
    int64_t pnl_archive_size(const pnl_archive *a, int64_t slot)
    int64_t pnl_archive_stamp(const pnl_archive *a, int64_t slot, int64_t k)
    double *pnl_archive_values(const pnl_archive *a, int64_t slot, int64_t k)
