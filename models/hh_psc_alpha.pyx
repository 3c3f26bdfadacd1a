# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Hodgkin-Huxley neurons: hh_psc_alpha and hh_cond_exp_traub, as NEST's.

hh_psc_alpha -- Hodgkin-Huxley neuron with alpha-shaped PSCs
------------------------------------------------------------

Equations
---------
    C_m dV/dt = -(g_Na m^3 h (V - E_Na) + g_K n^4 (V - E_K) + g_L (V - E_L))
                + I_syn_ex + I_syn_in + I_e + I_stim
    dx/dt = alpha_x(V) (1 - x) - beta_x(V) x,   x in {m, h, n}
    alpha_n = 0.01 (V + 55) / (1 - exp(-(V + 55)/10)),  beta_n = 0.125 exp(-(V + 65)/80)
    alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40)/10)),    beta_m = 4 exp(-(V + 65)/18)
    alpha_h = 0.07 exp(-(V + 65)/20),                     beta_h = 1 / (1 + exp(-(V + 35)/10))
    I_syn_X: alpha functions; a spike of weight w (pA) adds w e/tau_syn_X to dI_X
    (w > 0 excitatory, otherwise inhibitory).

A spike is emitted when V >= 0 mV and V fell in this step (a maximum), unless
within t_ref of the last spike (no reset: the HH dynamics repolarise).

Numerics
--------
As NEST: GSL's RKF45 with ``control_y_new(1e-3, 0)`` reproduced bit for bit
(``kernel/rkf45.h``).  Per step: integrate, add the step's input spikes, then
the spike condition; the current of a step acts in the next one.

Parameters
----------
    ``C_m``         100 pF       membrane capacitance
    ``g_Na``        12000 nS     sodium peak conductance
    ``g_K``         3600 nS      potassium peak conductance
    ``g_L``         30 nS        leak conductance
    ``E_Na``        50 mV        sodium reversal potential
    ``E_K``         -77 mV       potassium reversal potential
    ``E_L``         -54.402 mV   leak reversal potential
    ``t_ref``       2 ms         refractory period of spike detection
    ``tau_syn_ex``  0.2 ms       excitatory PSC rise time
    ``tau_syn_in``  2 ms         inhibitory PSC rise time
    ``I_e``         0 pA         constant input current

State: ``V_m`` (mV, default -65), ``Act_m``, ``Inact_h``, ``Act_n`` (at their
steady state for V = -65 mV), ``I_syn_ex``, ``I_syn_in`` (pA).

References: Gerstner W, Kistler W (2002) Spiking Neuron Models, Cambridge.

hh_cond_exp_traub -- Hodgkin-Huxley neuron of Traub & Miles with exponential conductances
------------------------------------------------------------------------------------------
    C_m dV/dt = -(g_Na m^3 h (V - E_Na) + g_K n^4 (V - E_K) + g_L (V - E_L))
                - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
    dx/dt = alpha_x(u) - (alpha_x(u) + beta_x(u)) x,   u = V - V_T,  x in {m, h, n}
    alpha_n = 0.032 (15 - u) / (exp((15 - u)/5) - 1),  beta_n = 0.5 exp((10 - u)/40)
    alpha_m = 0.32 (13 - u) / (exp((13 - u)/4) - 1),   beta_m = 0.28 (u - 40) / (exp((u - 40)/5) - 1)
    alpha_h = 0.128 exp((17 - u)/18),                  beta_h = 4 / (1 + exp((40 - u)/5))
    dg_X/dt = -g_X / tau_syn_X; a spike of weight w (nS) adds |w| to g_ex (w > 0)
    or g_in (w < 0).

A spike is emitted when V >= V_T + 30 mV and V fell in this step (a maximum),
unless within t_ref of the last spike; no reset.  Numerics as hh_psc_alpha
(RKF45, ``control_y_new(1e-3, 0)``).  The initial gating variables are
NEST's: the steady state of the rate functions evaluated at u = E_L = -60
(without subtracting V_T).

Parameters: ``g_Na`` 20000 nS, ``g_K`` 6000 nS, ``g_L`` 10 nS, ``C_m`` 200 pF,
``E_Na`` 50 mV, ``E_K`` -90 mV, ``E_L`` -60 mV, ``V_T`` -63 mV, ``E_ex`` 0 mV,
``E_in`` -80 mV, ``tau_syn_ex`` 5 ms, ``tau_syn_in`` 10 ms, ``t_ref`` 2 ms,
``I_e`` 0 pA.  State: ``V_m`` (E_L), ``Act_m``, ``Inact_h``, ``Act_n``,
``g_ex``, ``g_in`` (nS).

References: Traub RD, Miles R (1991) Neuronal Networks of the Hippocampus,
Cambridge.  See also: hh_psc_alpha, iaf_cond_exp.
"""
import math

import numpy as np
cimport numpy as cnp
from libc.math cimport exp, M_E
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.errors import BadProperty
from pynestlite.models.clopath cimport CLOPATH_ERROR_MEMORY, ClopathArchive
from pynestlite.models.clopath import CLOPATH_PARAMETERS

cnp.import_array()

from pynestlite.kernel.rkf45 cimport (
    rkf45_advance, rkf45_evolve_apply_std, rkf45_rhs, rkf45_work)




def _steady_state(v):
    """(m, h, n) at rest potential v, with libm's exp as NEST."""
    alpha_n = (0.01 * (v + 55.)) / (1. - math.exp(-(v + 55.) / 10.))
    beta_n = 0.125 * math.exp(-(v + 65.) / 80.)
    alpha_m = (0.1 * (v + 40.)) / (1. - math.exp(-(v + 40.) / 10.))
    beta_m = 4. * math.exp(-(v + 65.) / 18.)
    alpha_h = 0.07 * math.exp(-(v + 65.) / 20.)
    beta_h = 1. / (1. + math.exp(-(v + 35.) / 10.))
    return (alpha_m / (alpha_m + beta_m), alpha_h / (alpha_h + beta_h),
            alpha_n / (alpha_n + beta_n))


_M0, _H0, _N0 = _steady_state(-65.0)


def _solver_pre_run(block, engine):
    """Refractory step counts; the solver's first step size is the
    resolution where none is carried over from an earlier run."""
    a = block.arrays
    a["h_int"][a["h_int"] <= 0.0] = engine.resolution
    return engine.ms_to_steps(a["t_ref"])

ctypedef struct HHParams:
    double g_Na, g_K, g_L, E_Na, E_K, E_L, C_m, tau_ex, tau_in, I_e, I_stim
    double tau_plus, tau_minus, tau_bar      # (hh_psc_alpha_clopath's filters)


cdef int hh_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, m, h, n, dI_ex, I_ex, dI_in, I_in), NEST's order
    cdef HHParams *q = <HHParams *>p
    cdef double V = y[0], m = y[1], h = y[2], n = y[3]
    cdef double alpha_n = (0.01 * (V + 55.)) / (1. - exp(-(V + 55.) / 10.))
    cdef double beta_n = 0.125 * exp(-(V + 65.) / 80.)
    cdef double alpha_m = (0.1 * (V + 40.)) / (1. - exp(-(V + 40.) / 10.))
    cdef double beta_m = 4. * exp(-(V + 65.) / 18.)
    cdef double alpha_h = 0.07 * exp(-(V + 65.) / 20.)
    cdef double beta_h = 1. / (1. + exp(-(V + 35.) / 10.))
    cdef double I_Na = q.g_Na * m * m * m * h * (V - q.E_Na)
    cdef double I_K = q.g_K * n * n * n * n * (V - q.E_K)
    cdef double I_L = q.g_L * (V - q.E_L)
    f[0] = (-(I_Na + I_K + I_L) + q.I_stim + q.I_e + y[5] + y[7]) / q.C_m
    f[1] = alpha_m * (1 - y[1]) - beta_m * y[1]
    f[2] = alpha_h * (1 - y[2]) - beta_h * y[2]
    f[3] = alpha_n * (1 - y[3]) - beta_n * y[3]
    f[4] = -y[4] / q.tau_ex
    f[5] = y[4] - (y[5] / q.tau_ex)
    f[6] = -y[6] / q.tau_in
    f[7] = y[6] - (y[7] / q.tau_in)
    return 0


cdef int hh_clopath_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, m, h, n, dI_ex, I_ex, dI_in, I_in, u_bar_plus, u_bar_minus, u_bar_bar)
    cdef HHParams *q = <HHParams *>p
    hh_rhs(t, y, f, p)
    f[8] = (-y[8] + y[0]) / q.tau_plus
    f[9] = (-y[9] + y[0]) / q.tau_minus
    f[10] = (-y[10] + y[9]) / q.tau_bar
    return 0


cdef class HhPscAlpha(NodeBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes only
    parameters = {"C_m": 100.0, "g_Na": 12000.0, "g_K": 3600.0, "g_L": 30.0, "E_Na": 50.0,
                  "E_K": -77.0, "E_L": -54.402, "t_ref": 2.0, "tau_syn_ex": 0.2,
                  "tau_syn_in": 2.0, "I_e": 0.0}
    state = {"V_m": -65.0, "Act_m": _M0, "Inact_h": _H0, "Act_n": _N0,
             "I_syn_ex": 0.0, "I_syn_in": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0, "dI_ex": 0.0, "dI_in": 0.0}
    strictly_positive = ("C_m", "tau_syn_ex", "tau_syn_in")
    non_negative = ("t_ref", "g_Na", "g_K", "g_L", "Act_m", "Inact_h", "Act_n")
    n_channels = 3          # ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "I_syn_ex", "I_syn_in", "Act_m", "Inact_h", "Act_n")

    cdef double[::1] V_m, m, h, n_, dI_ex, I_ex, dI_in, I_in, g_Na, g_K, g_L, E_Na, E_K, E_L
    cdef double[::1] C_m, tau_ex, tau_in, I_e, I_stim, h_int
    cdef double[::1] u_plus, u_minus, u_bar, tau_plus, tau_minus, tau_bar
    cdef bint clopath
    cdef public ClopathArchive clopath_archive     # (hh_psc_alpha_clopath; else None)
    cdef int64_t[::1] r, ref_counts, gid

    def bind(self):
        a = self.arrays
        self.clopath = "u_bar_plus" in a
        if self.clopath:
            self.u_plus = a["u_bar_plus"]; self.u_minus = a["u_bar_minus"]
            self.u_bar = a["u_bar_bar"]; self.tau_plus = a["tau_u_bar_plus"]
            self.tau_minus = a["tau_u_bar_minus"]; self.tau_bar = a["tau_u_bar_bar"]
        self.V_m = a["V_m"]; self.m = a["Act_m"]; self.h = a["Inact_h"]; self.n_ = a["Act_n"]
        self.dI_ex = a["dI_ex"]; self.I_ex = a["I_syn_ex"]; self.dI_in = a["dI_in"]
        self.I_in = a["I_syn_in"]; self.g_Na = a["g_Na"]; self.g_K = a["g_K"]
        self.g_L = a["g_L"]; self.E_Na = a["E_Na"]; self.E_K = a["E_K"]; self.E_L = a["E_L"]
        self.C_m = a["C_m"]; self.tau_ex = a["tau_syn_ex"]; self.tau_in = a["tau_syn_in"]
        self.I_e = a["I_e"]; self.I_stim = a["I_stim"]; self.h_int = a["h_int"]
        self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        self.ref_counts = _solver_pre_run(self, engine)
        if self.clopath:
            if self.clopath_archive is None:
                self.clopath_archive = ClopathArchive(self.n)
            self.clopath_archive.pre_run(self.arrays, engine)

    def error(self):
        if self.error_code == CLOPATH_ERROR_MEMORY:
            return self.clopath_archive.error()
        return NodeBlock.error(self)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[11]
        cdef double U_old
        cdef int64_t c
        cdef int st, dim = 11 if self.clopath else 8
        cdef rkf45_work work
        cdef HHParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                q.g_Na = self.g_Na[i]; q.g_K = self.g_K[i]; q.g_L = self.g_L[i]
                q.E_Na = self.E_Na[i]; q.E_K = self.E_K[i]; q.E_L = self.E_L[i]
                q.C_m = self.C_m[i]; q.tau_ex = self.tau_ex[i]; q.tau_in = self.tau_in[i]
                q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                y[0] = self.V_m[i]; y[1] = self.m[i]; y[2] = self.h[i]; y[3] = self.n_[i]
                y[4] = self.dI_ex[i]; y[5] = self.I_ex[i]; y[6] = self.dI_in[i]
                y[7] = self.I_in[i]
                if self.clopath:
                    q.tau_plus = self.tau_plus[i]; q.tau_minus = self.tau_minus[i]
                    q.tau_bar = self.tau_bar[i]
                    y[8] = self.u_plus[i]; y[9] = self.u_minus[i]; y[10] = self.u_bar[i]
                U_old = y[0]
                st = rkf45_advance(&work, 1e-3, 0.0,
                                   hh_clopath_rhs if self.clopath else hh_rhs, &q, dim,
                                   ctx.h, &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                y[4] += row[c] * (1.0 * M_E / self.tau_ex[i])
                y[6] += row[c + 1] * (1.0 * M_E / self.tau_in[i])
                if self.clopath and self.clopath_archive.write(i, ctx.origin + lag + 1, y[0],
                                                               y[8], y[9], y[10]):
                    self.error_code = CLOPATH_ERROR_MEMORY
                    return
                if self.r[i] > 0:
                    self.r[i] -= 1
                elif y[0] >= 0 and U_old > y[0]:
                    self.r[i] = self.ref_counts[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                self.V_m[i] = y[0]; self.m[i] = y[1]; self.h[i] = y[2]; self.n_[i] = y[3]
                self.dI_ex[i] = y[4]; self.I_ex[i] = y[5]; self.dI_in[i] = y[6]
                self.I_in[i] = y[7]
                if self.clopath:
                    self.u_plus[i] = y[8]; self.u_minus[i] = y[9]; self.u_bar[i] = y[10]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


cdef class HhPscAlphaClopath(HhPscAlpha):
    """hh_psc_alpha_clopath: hh_psc_alpha with the low-pass filtered membrane
    potentials of the Clopath rule integrated with it (same RKF45 step):

        tau_u_bar_plus du_bar_plus/dt = V_m - u_bar_plus
        tau_u_bar_minus du_bar_minus/dt = V_m - u_bar_minus
        tau_u_bar_bar du_bar_bar/dt = u_bar_minus - u_bar_bar

    (defaults 114, 10, 500 ms; the three start at 0 as NEST's).  Each step,
    after the step's input and before the spike test, the state goes to
    the neuron's Clopath archive (``models/clopath.pyx``: parameters
    ``A_LTD``, ``A_LTP``, ``u_ref_squared > 0``, ``theta_plus``,
    ``theta_minus``, ``A_LTD_const``, ``delay_u_bars``), which
    ``clopath_synapse`` reads."""
    parameters = dict(HhPscAlpha.parameters, tau_u_bar_plus=114.0, tau_u_bar_minus=10.0,
                      tau_u_bar_bar=500.0, **CLOPATH_PARAMETERS)
    state = dict(HhPscAlpha.state, u_bar_plus=0.0, u_bar_minus=0.0, u_bar_bar=0.0)
    strictly_positive = HhPscAlpha.strictly_positive + (
        "tau_u_bar_plus", "tau_u_bar_minus", "tau_u_bar_bar", "u_ref_squared")
    non_negative = HhPscAlpha.non_negative + ("delay_u_bars",)
    recordables = HhPscAlpha.recordables + ("u_bar_plus", "u_bar_minus", "u_bar_bar")
    clopath_archiving = True       # clopath_synapse may target it
    # the Clopath archive lives outside the parameter arrays: save_state refuses
    checkpointable = False


def _traub_steady_state(u):
    """(m, h, n) of hh_cond_exp_traub's rate functions at u (libm's exp)."""
    alpha_n = 0.032 * (15. - u) / (math.exp((15. - u) / 5.) - 1.)
    beta_n = 0.5 * math.exp((10. - u) / 40.)
    alpha_m = 0.32 * (13. - u) / (math.exp((13. - u) / 4.) - 1.)
    beta_m = 0.28 * (u - 40.) / (math.exp((u - 40.) / 5.) - 1.)
    alpha_h = 0.128 * math.exp((17. - u) / 18.)
    beta_h = 4. / (1. + math.exp((40. - u) / 5.))
    return (alpha_m / (alpha_m + beta_m), alpha_h / (alpha_h + beta_h),
            alpha_n / (alpha_n + beta_n))


_TM0, _TH0, _TN0 = _traub_steady_state(-60.0)

ctypedef struct TraubParams:
    double g_Na, g_K, g_L, E_Na, E_K, E_L, V_T, E_ex, E_in, C_m, tau_ex, tau_in, I_e, I_stim


cdef int traub_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, m, h, n, g_ex, g_in), NEST's order
    cdef TraubParams *q = <TraubParams *>p
    cdef double V = y[0]
    cdef double I_Na = q.g_Na * y[1] * y[1] * y[1] * y[2] * (V - q.E_Na)
    cdef double I_K = q.g_K * y[3] * y[3] * y[3] * y[3] * (V - q.E_K)
    cdef double I_L = q.g_L * (V - q.E_L)
    cdef double I_ex = y[4] * (V - q.E_ex)
    cdef double I_in = y[5] * (V - q.E_in)
    f[0] = (-I_Na - I_K - I_L - I_ex - I_in + q.I_stim + q.I_e) / q.C_m
    cdef double u = V - q.V_T
    cdef double alpha_n = 0.032 * (15. - u) / (exp((15. - u) / 5.) - 1.)
    cdef double beta_n = 0.5 * exp((10. - u) / 40.)
    cdef double alpha_m = 0.32 * (13. - u) / (exp((13. - u) / 4.) - 1.)
    cdef double beta_m = 0.28 * (u - 40.) / (exp((u - 40.) / 5.) - 1.)
    cdef double alpha_h = 0.128 * exp((17. - u) / 18.)
    cdef double beta_h = 4. / (1. + exp((40. - u) / 5.))
    f[1] = alpha_m - (alpha_m + beta_m) * y[1]
    f[2] = alpha_h - (alpha_h + beta_h) * y[2]
    f[3] = alpha_n - (alpha_n + beta_n) * y[3]
    f[4] = -y[4] / q.tau_ex
    f[5] = -y[5] / q.tau_in
    return 0


cdef class HhCondExpTraub(NodeBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes only
    parameters = {"g_Na": 20000.0, "g_K": 6000.0, "g_L": 10.0, "C_m": 200.0, "E_Na": 50.0,
                  "E_K": -90.0, "E_L": -60.0, "V_T": -63.0, "E_ex": 0.0, "E_in": -80.0,
                  "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "t_ref": 2.0, "I_e": 0.0}
    state = {"V_m": -60.0, "Act_m": _TM0, "Inact_h": _TH0, "Act_n": _TN0,
             "g_ex": 0.0, "g_in": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("C_m", "tau_syn_ex", "tau_syn_in")
    non_negative = ("t_ref", "Act_m", "Inact_h", "Act_n")
    n_channels = 3          # ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "g_ex", "g_in", "Act_m", "Inact_h", "Act_n")

    cdef double[::1] V_m, m, h, n_, g_ex, g_in, g_Na, g_K, g_L, E_Na, E_K, E_L, V_T
    cdef double[::1] E_ex, E_in, C_m, tau_ex, tau_in, I_e, I_stim, h_int
    cdef int64_t[::1] r, ref_counts, gid

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.m = a["Act_m"]; self.h = a["Inact_h"]; self.n_ = a["Act_n"]
        self.g_ex = a["g_ex"]; self.g_in = a["g_in"]; self.g_Na = a["g_Na"]
        self.g_K = a["g_K"]; self.g_L = a["g_L"]; self.E_Na = a["E_Na"]; self.E_K = a["E_K"]
        self.E_L = a["E_L"]; self.V_T = a["V_T"]; self.E_ex = a["E_ex"]; self.E_in = a["E_in"]
        self.C_m = a["C_m"]; self.tau_ex = a["tau_syn_ex"]; self.tau_in = a["tau_syn_in"]
        self.I_e = a["I_e"]; self.I_stim = a["I_stim"]; self.h_int = a["h_int"]
        self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        self.ref_counts = _solver_pre_run(self, engine)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[6]
        cdef double U_old
        cdef int64_t c
        cdef int st
        cdef rkf45_work work
        cdef TraubParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                q.g_Na = self.g_Na[i]; q.g_K = self.g_K[i]; q.g_L = self.g_L[i]
                q.E_Na = self.E_Na[i]; q.E_K = self.E_K[i]; q.E_L = self.E_L[i]
                q.V_T = self.V_T[i]; q.E_ex = self.E_ex[i]; q.E_in = self.E_in[i]
                q.C_m = self.C_m[i]; q.tau_ex = self.tau_ex[i]; q.tau_in = self.tau_in[i]
                q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                y[0] = self.V_m[i]; y[1] = self.m[i]; y[2] = self.h[i]; y[3] = self.n_[i]
                y[4] = self.g_ex[i]; y[5] = self.g_in[i]
                U_old = y[0]
                st = rkf45_advance(&work, 1e-3, 0.0, traub_rhs, &q, 6, ctx.h, &self.h_int[i],
                                   y, NULL)
                if st != 0:
                    self.error_code = st
                y[4] += row[c]
                y[5] += -row[c + 1]
                if self.r[i] > 0:
                    self.r[i] -= 1
                elif y[0] >= q.V_T + 30. and U_old > y[0]:
                    self.r[i] = self.ref_counts[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                self.V_m[i] = y[0]; self.m[i] = y[1]; self.h[i] = y[2]; self.n_[i] = y[3]
                self.g_ex[i] = y[4]; self.g_in[i] = y[5]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


MODELS = {"hh_psc_alpha": HhPscAlpha, "hh_psc_alpha_clopath": HhPscAlphaClopath,
          "hh_cond_exp_traub": HhCondExpTraub}
