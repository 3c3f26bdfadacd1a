# cython: language_level=3
"""Cython declarations of models/propagators.h (exact-integration propagators
of the current-based integrate-and-fire models iaf_psc_exp and iaf_psc_alpha)
and the peak normalisation of beta-shaped conductances."""

cdef extern from "propagators.h" nogil:
    ctypedef struct pnl_psc_propagator:
        double P31
        double P32
    pnl_psc_propagator pnl_iaf_propagator(double tau_syn, double tau_m, double c_m, double h)
    double pnl_iaf_propagator_exp(double tau_syn, double tau_m, double c_m, double h)
    double pnl_expm1(double x)
    double pnl_beta_normalization(double tau_rise, double tau_decay)
