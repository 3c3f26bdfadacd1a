# cython: language_level=3
"""Cython declarations of kernel/rkf45.h (GSL-exact RKF45 driver) for the ODE models."""

cdef extern from "rkf45.h" nogil:
    ctypedef int (*rkf45_rhs)(double, const double*, double*, void*) noexcept nogil
    ctypedef struct rkf45_work:
        pass
    ctypedef struct rkf45_stats:
        pass
    int rkf45_advance(rkf45_work *w, double eps_abs, double eps_rel, rkf45_rhs f,
                      void *params, size_t dim, double h_step, double *h, double *y,
                      rkf45_stats *stats)
    int rkf45_evolve_apply_std(rkf45_work *w, double eps_abs, double eps_rel, double a_y,
                               double a_dydt, rkf45_rhs f, void *params, size_t dim, double *t,
                               double t1, double *h, double *y, rkf45_stats *stats)
