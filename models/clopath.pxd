# cython: language_level=3
"""The Clopath archive of a block of neurons (see clopath.pyx and
kernel/clopath_history.h), for the neuron models that keep one."""
from libc.stdint cimport int64_t

cdef extern from "clopath_history.h" nogil:
    ctypedef struct pnl_urb_entry:
        double t
        double dw
        int64_t count
    ctypedef struct pnl_urb_history:
        pnl_urb_entry *e
        int64_t first, n, cap
        int64_t n_incoming
        int failed
    ctypedef struct pnl_ltd_entry:
        int64_t stamp
        double dw
    ctypedef struct pnl_clopath:
        pnl_urb_history ltp
        pnl_ltd_entry *ltd
        int64_t ltd_len, ltd_cur
        double *del_plus
        double *del_minus
        int64_t del_len, del_idx
        double A_LTD, A_LTP, u_ref_squared, theta_plus, theta_minus, h
        int A_LTD_const
    void pnl_urb_range(pnl_urb_history *h, double t1, double t2, int64_t *k0, int64_t *k1)
    void pnl_clopath_free(pnl_clopath *c)
    int pnl_clopath_layout(pnl_clopath *c, int64_t del_len, int64_t ltd_len)
    void pnl_clopath_write(pnl_clopath *c, int64_t stamp, double t_ms, double u,
                           double u_bar_plus, double u_bar_minus, double u_bar_bar)
    double pnl_clopath_ltd(const pnl_clopath *c, int64_t stamp)


cdef enum:
    CLOPATH_ERROR_MEMORY = -1001   # a block's error_code: an LTP history could not grow


cdef class ClopathArchive:
    cdef pnl_clopath *c         # one per node of the block
    cdef Py_ssize_t n
    cdef bint laid_out
    cdef int64_t tics_per_step
    cdef double ms_per_tic

    cdef inline bint write(self, Py_ssize_t i, int64_t stamp, double u, double u_bar_plus,
                           double u_bar_minus, double u_bar_bar) noexcept nogil:
        """Node i's state at the end of the step stamped ``stamp``; True if
        its LTP history could not grow (the block then sets its error_code
        to CLOPATH_ERROR_MEMORY)."""
        pnl_clopath_write(&self.c[i], stamp,
                          self.ms_per_tic * <double>(stamp * self.tics_per_step), u,
                          u_bar_plus, u_bar_minus, u_bar_bar)
        return self.c[i].ltp.failed != 0
