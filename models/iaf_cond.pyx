# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_cond_exp, iaf_cond_alpha -- integrate-and-fire neurons with conductance synapses.

Equations
---------
    C_m dV_m/dt = -g_L (V_m - E_L) - g_ex (V_m - E_ex) - g_in (V_m - E_in) + I_e + I_stim

iaf_cond_exp:    dg_X/dt = -g_X / tau_syn_X; a spike of weight w adds w to g_X.
iaf_cond_alpha:  dg_X/dt = dg'_X - g_X / tau_syn_X,  ddg'_X/dt = -dg'_X / tau_syn_X;
                 a spike adds w e / tau_syn_X to dg'_X (conductance peak w at tau_syn_X).

X = ex for w >= 0, X = in (with -w) for w < 0 (nS).  While refractory V_m is
clamped to V_reset (dV/dt = 0); otherwise the right-hand side uses
min(V_m, V_th).  Threshold V_th, reset V_reset, refractory t_ref.

Numerics
--------
NEST integrates both with GSL's adaptive Runge-Kutta-Fehlberg 4(5)
(``gsl_odeiv_evolve_apply`` with ``control_y_new(1e-3, 0)``), one integration
step size per neuron carried across steps.  pynestlite uses
``kernel/rkf45.h``, a re-implementation of that exact driver (same
operations in the same order), so V_m agrees with NEST to the last bit.
Per step, as NEST: iaf_cond_exp adds the step's spikes and then checks the
threshold; iaf_cond_alpha checks the threshold and then adds the spikes.

Parameters
----------
    ``E_L``         -70 mV       leak reversal potential
    ``C_m``         250 pF       membrane capacitance
    ``g_L``         16.6667 nS   leak conductance
    ``E_ex``        0 mV         excitatory reversal potential
    ``E_in``        -85 mV       inhibitory reversal potential
    ``tau_syn_ex``  0.2 ms       excitatory synaptic time constant
    ``tau_syn_in``  2 ms         inhibitory synaptic time constant
    ``t_ref``       2 ms         absolute refractory period
    ``V_th``        -55 mV       spike threshold
    ``V_reset``     -60 mV       reset potential
    ``I_e``         0 pA         constant input current

State: ``V_m`` (mV, default -70), ``g_ex``, ``g_in`` (nS).  Receives spikes
and currents (receptor 0); sends spikes.

References: Meffin H et al. (2004) J Comput Neurosci 16:159-175.
See also: iaf_psc_exp, iaf_psc_alpha.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport M_E, exp
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.models.propagators cimport pnl_beta_normalization

cnp.import_array()

from pynestlite.kernel.rkf45 cimport (
    rkf45_advance, rkf45_evolve_apply_std, rkf45_rhs, rkf45_work)



ctypedef struct CondBetaParams:
    int refractory
    double V_reset, V_th, E_ex, E_in, g_L, E_L, C_m, I_e, I_stim
    double tau_rise_ex, tau_decay_ex, tau_rise_in, tau_decay_in


ctypedef struct CondParams:
    int refractory
    double V_reset, V_th, E_ex, E_in, g_L, E_L, C_m, tau_ex, tau_in, I_e, I_stim


cdef inline double membrane_rhs(const CondParams *q, double v, double g_ex, double g_in) noexcept nogil:
    """dV/dt of both models (0 while refractory, V clamped at V_th)."""
    cdef double V
    if q.refractory:
        return 0.0
    V = v if v < q.V_th else q.V_th
    return (-q.g_L * (V - q.E_L) + q.I_stim + q.I_e
            - g_ex * (V - q.E_ex) - g_in * (V - q.E_in)) / q.C_m


cdef int cond_exp_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    cdef CondParams *q = <CondParams *>p
    f[0] = membrane_rhs(q, y[0], y[1], y[2])
    f[1] = -y[1] / q.tau_ex
    f[2] = -y[2] / q.tau_in
    return 0


cdef int cond_alpha_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, dg_ex, g_ex, dg_in, g_in), NEST's order
    cdef CondParams *q = <CondParams *>p
    f[0] = membrane_rhs(q, y[0], y[2], y[4])
    f[1] = -y[1] / q.tau_ex
    f[2] = y[1] - (y[2] / q.tau_ex)
    f[3] = -y[3] / q.tau_in
    f[4] = y[3] - (y[4] / q.tau_in)
    return 0


cdef class IafCondBase(NodeBlock):
    """Parameters, state and step skeleton shared by the conductance models."""
    parameters = {"E_L": -70.0, "C_m": 250.0, "g_L": 16.6667, "E_ex": 0.0, "E_in": -85.0,
                  "tau_syn_ex": 0.2, "tau_syn_in": 2.0, "t_ref": 2.0, "V_th": -55.0,
                  "V_reset": -60.0, "I_e": 0.0}
    state = {"V_m": -70.0, "g_ex": 0.0, "g_in": 0.0}
    strictly_positive = ("C_m", "tau_syn_ex", "tau_syn_in")
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 3          # spikes ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "g_ex", "g_in")

    cdef double[::1] V_m, g_ex, g_in, E_L, C_m, g_L, E_ex, E_in, tau_ex, tau_in, V_th
    cdef double[::1] V_reset, I_e, I_stim, h_int
    cdef int64_t[::1] r, ref_counts, gid

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.g_ex = a["g_ex"]; self.g_in = a["g_in"]
        self.E_L = a["E_L"]; self.C_m = a["C_m"]; self.g_L = a["g_L"]; self.E_ex = a["E_ex"]
        self.E_in = a["E_in"]; self.tau_ex = a["tau_syn_ex"]; self.tau_in = a["tau_syn_in"]
        self.V_th = a["V_th"]; self.V_reset = a["V_reset"]; self.I_e = a["I_e"]
        self.I_stim = a["I_stim"]; self.h_int = a["h_int"]; self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        unset = a["h_int"] <= 0.0
        a["h_int"][unset] = engine.resolution

    cdef inline void fill(self, CondParams *q, Py_ssize_t i) noexcept nogil:
        q.refractory = self.r[i] > 0
        q.V_reset = self.V_reset[i]; q.V_th = self.V_th[i]; q.E_ex = self.E_ex[i]
        q.E_in = self.E_in[i]; q.g_L = self.g_L[i]; q.E_L = self.E_L[i]
        q.C_m = self.C_m[i]; q.tau_ex = self.tau_ex[i]; q.tau_in = self.tau_in[i]
        q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]

    cdef inline void threshold(self, SliceContext *ctx, Py_ssize_t i, double *v, long lag) noexcept nogil:
        """NEST's refractory clamp / threshold / reset after the integration step."""
        if self.r[i] > 0:
            self.r[i] -= 1
            v[0] = self.V_reset[i]
        elif v[0] >= self.V_th[i]:
            self.r[i] = self.ref_counts[i]
            v[0] = self.V_reset[i]
            pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)


cdef class IafCondExp(IafCondBase):
    threaded = True         # the update reads and writes its own nodes only
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double y[3]
        cdef int64_t c
        cdef int st
        cdef rkf45_work work
        cdef CondParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                self.fill(&q, i)
                y[0] = self.V_m[i]; y[1] = self.g_ex[i]; y[2] = self.g_in[i]
                st = rkf45_advance(&work, 1e-3, 0.0, cond_exp_rhs, &q, 3, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                y[1] += row[c]
                y[2] += -row[c + 1]
                self.threshold(ctx, i, &y[0], lag)
                self.V_m[i] = y[0]; self.g_ex[i] = y[1]; self.g_in[i] = y[2]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


cdef class IafCondAlpha(IafCondBase):
    threaded = True         # the update reads and writes its own nodes only
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0, "dg_ex": 0.0, "dg_in": 0.0}
    cdef double[::1] dg_ex, dg_in

    def bind(self):
        IafCondBase.bind(self)
        self.dg_ex = self.arrays["dg_ex"]
        self.dg_in = self.arrays["dg_in"]

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double y[5]
        cdef int64_t c
        cdef int st
        cdef rkf45_work work
        cdef CondParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                self.fill(&q, i)
                y[0] = self.V_m[i]; y[1] = self.dg_ex[i]; y[2] = self.g_ex[i]
                y[3] = self.dg_in[i]; y[4] = self.g_in[i]
                st = rkf45_advance(&work, 1e-3, 0.0, cond_alpha_rhs, &q, 5, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                self.threshold(ctx, i, &y[0], lag)
                y[1] += row[c] * (1.0 * M_E / self.tau_ex[i])
                y[3] += -row[c + 1] * (1.0 * M_E / self.tau_in[i])
                self.V_m[i] = y[0]; self.dg_ex[i] = y[1]; self.g_ex[i] = y[2]
                self.dg_in[i] = y[3]; self.g_in[i] = y[4]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


MODELS = {"iaf_cond_exp": IafCondExp, "iaf_cond_alpha": IafCondAlpha}


cdef int cond_beta_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, dg_ex, g_ex, dg_in, g_in); NEST's arithmetic, which divides the
    # derivative of dg by tau_decay and that of g by tau_rise
    cdef CondBetaParams *q = <CondBetaParams *>p
    cdef double V = q.V_reset if q.refractory else (y[0] if y[0] < q.V_th else q.V_th)
    cdef double I_syn_exc = y[2] * (V - q.E_ex)
    cdef double I_syn_inh = y[4] * (V - q.E_in)
    cdef double I_leak = q.g_L * (V - q.E_L)
    f[0] = 0.0 if q.refractory else (-I_leak - I_syn_exc - I_syn_inh + q.I_stim + q.I_e) / q.C_m
    f[1] = -y[1] / q.tau_decay_ex
    f[2] = y[1] - (y[2] / q.tau_rise_ex)
    f[3] = -y[3] / q.tau_decay_in
    f[4] = y[3] - (y[4] / q.tau_rise_in)
    return 0


cdef class IafCondBeta(IafCondBase):
    """iaf_cond_beta -- integrate-and-fire neuron with beta-shaped conductances.

    Equations as iaf_cond_alpha with, per synapse type X, a rise and a decay
    time constant: a spike of weight w (> 0: ex, else in with -w) adds
    w g0_X to dg_X, g0_X normalising the conductance to a peak of w
    (NEST's beta normalisation; the alpha limit e/tau_decay for equal time
    constants).  As NEST's code, the ODE of dg_X uses tau_decay_X and that
    of g_X tau_rise_X (the shape is symmetric in the two).

    Numerics: RKF45 as iaf_cond_alpha (``control_y_new(1e-3, 0)``); per
    step integrate, then refractory clamp / threshold, then the step's
    spikes.

    Parameters: those of iaf_cond_alpha without ``tau_syn_ex``/``tau_syn_in``,
    with ``tau_rise_ex`` 0.2, ``tau_decay_ex`` 0.2, ``tau_rise_in`` 2,
    ``tau_decay_in`` 2 ms.  State ``V_m``, ``g_ex``, ``dg_ex``, ``g_in``,
    ``dg_in``; recordables ``V_m``, ``g_ex``, ``g_in``, ``t_ref_remaining``.

    References: Rotter S, Diesmann M (1999) Biol Cybern 81:381-402.
    """
    parameters = {"E_L": -70.0, "C_m": 250.0, "g_L": 16.6667, "E_ex": 0.0, "E_in": -85.0,
                  "tau_rise_ex": 0.2, "tau_decay_ex": 0.2, "tau_rise_in": 2.0,
                  "tau_decay_in": 2.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -60.0,
                  "I_e": 0.0}
    state = {"V_m": -70.0, "g_ex": 0.0, "dg_ex": 0.0, "g_in": 0.0, "dg_in": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("C_m", "tau_rise_ex", "tau_decay_ex", "tau_rise_in", "tau_decay_in")
    recordables = ("V_m", "g_ex", "g_in", "t_ref_remaining")
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] dg_ex, dg_in, tr_ex, td_ex, tr_in, td_in, g0_ex, g0_in
    cdef double h

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.g_ex = a["g_ex"]; self.g_in = a["g_in"]
        self.dg_ex = a["dg_ex"]; self.dg_in = a["dg_in"]
        self.E_L = a["E_L"]; self.C_m = a["C_m"]; self.g_L = a["g_L"]; self.E_ex = a["E_ex"]
        self.E_in = a["E_in"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.I_e = a["I_e"]; self.I_stim = a["I_stim"]; self.h_int = a["h_int"]
        self.tr_ex = a["tau_rise_ex"]; self.td_ex = a["tau_decay_ex"]
        self.tr_in = a["tau_rise_in"]; self.td_in = a["tau_decay_in"]
        self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        IafCondBase.pre_run(self, engine)
        a = self.arrays
        self.h = engine.resolution
        self.g0_ex = np.array([pnl_beta_normalization(r, d) for r, d in
                               zip(a["tau_rise_ex"], a["tau_decay_ex"])], np.float64)
        self.g0_in = np.array([pnl_beta_normalization(r, d) for r, d in
                               zip(a["tau_rise_in"], a["tau_decay_in"])], np.float64)

    def sample(self, str name, idx):
        if name == "t_ref_remaining":
            return np.asarray(self.arrays["r"][idx], np.float64) * self.h
        return IafCondBase.sample(self, name, idx)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double y[5]
        cdef int64_t c
        cdef int st
        cdef rkf45_work work
        cdef CondBetaParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                q.refractory = self.r[i] > 0
                q.V_reset = self.V_reset[i]; q.V_th = self.V_th[i]; q.E_ex = self.E_ex[i]
                q.E_in = self.E_in[i]; q.g_L = self.g_L[i]; q.E_L = self.E_L[i]
                q.C_m = self.C_m[i]; q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                q.tau_rise_ex = self.tr_ex[i]; q.tau_decay_ex = self.td_ex[i]
                q.tau_rise_in = self.tr_in[i]; q.tau_decay_in = self.td_in[i]
                y[0] = self.V_m[i]; y[1] = self.dg_ex[i]; y[2] = self.g_ex[i]
                y[3] = self.dg_in[i]; y[4] = self.g_in[i]
                st = rkf45_advance(&work, 1e-3, 0.0, cond_beta_rhs, &q, 5, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                self.threshold(ctx, i, &y[0], lag)
                y[1] += row[c] * self.g0_ex[i]
                y[3] += -row[c + 1] * self.g0_in[i]
                self.V_m[i] = y[0]; self.dg_ex[i] = y[1]; self.g_ex[i] = y[2]
                self.dg_in[i] = y[3]; self.g_in[i] = y[4]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


MODELS["iaf_cond_beta"] = IafCondBeta


ctypedef struct CondSfaRrParams:
    int refractory
    double V_reset, V_th, E_ex, E_in, g_L, E_L, C_m, I_e, I_stim
    double tau_ex, tau_in, tau_sfa, tau_rr, E_sfa, E_rr


cdef int cond_sfa_rr_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, g_ex, g_in, g_sfa, g_rr); NEST's arithmetic
    cdef CondSfaRrParams *q = <CondSfaRrParams *>p
    cdef double V = q.V_reset if q.refractory else (y[0] if y[0] < q.V_th else q.V_th)
    cdef double I_syn_exc = y[1] * (V - q.E_ex)
    cdef double I_syn_inh = y[2] * (V - q.E_in)
    cdef double I_L = q.g_L * (V - q.E_L)
    cdef double I_sfa = y[3] * (V - q.E_sfa)
    cdef double I_rr = y[4] * (V - q.E_rr)
    f[0] = 0.0 if q.refractory else \
        (-I_L + q.I_stim + q.I_e - I_syn_exc - I_syn_inh - I_sfa - I_rr) / q.C_m
    f[1] = -y[1] / q.tau_ex
    f[2] = -y[2] / q.tau_in
    f[3] = -y[3] / q.tau_sfa
    f[4] = -y[4] / q.tau_rr
    return 0


cdef class IafCondExpSfaRr(IafCondBase):
    """iaf_cond_exp_sfa_rr -- iaf_cond_exp with spike-frequency adaptation and
    relative refractoriness (Dayan & Abbott 2001).

    Two more conductances, each incremented at a spike and decaying
    exponentially: g_sfa (by ``q_sfa``, time constant ``tau_sfa``, reversal
    ``E_sfa``) and g_rr (``q_rr``, ``tau_rr``, ``E_rr``); both enter the
    membrane equation as  - g_X (V - E_X).

    Numerics: RKF45 as iaf_cond_exp (``control_y_new(1e-3, 0)``); per step
    integrate, add the step's spikes, then refractory clamp / threshold.

    Parameters (NEST's defaults): ``V_th`` -57, ``V_reset`` -70, ``E_L`` -70,
    ``E_ex`` 0, ``E_in`` -75, ``E_sfa`` -70, ``E_rr`` -70 mV; ``t_ref``
    0.5, ``tau_syn_ex`` 1.5, ``tau_syn_in`` 10, ``tau_sfa`` 110, ``tau_rr``
    1.97 ms; ``g_L`` 28.95, ``q_sfa`` 14.48, ``q_rr`` 3214 nS; ``C_m``
    289.5 pF; ``I_e`` 0 pA.  State and recordables ``V_m``, ``g_ex``,
    ``g_in``, ``g_sfa``, ``g_rr``.

    References: Dayan P, Abbott LF (2001) Theoretical Neuroscience, MIT
    Press, p. 166.
    """
    parameters = {"V_th": -57.0, "V_reset": -70.0, "t_ref": 0.5, "g_L": 28.95, "C_m": 289.5,
                  "E_ex": 0.0, "E_in": -75.0, "E_L": -70.0, "tau_syn_ex": 1.5,
                  "tau_syn_in": 10.0, "I_e": 0.0, "tau_sfa": 110.0, "tau_rr": 1.97,
                  "E_sfa": -70.0, "E_rr": -70.0, "q_sfa": 14.48, "q_rr": 3214.0}
    state = {"V_m": -70.0, "g_ex": 0.0, "g_in": 0.0, "g_sfa": 0.0, "g_rr": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("C_m", "tau_syn_ex", "tau_syn_in", "tau_sfa", "tau_rr")
    recordables = ("V_m", "g_ex", "g_in", "g_sfa", "g_rr")
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] g_sfa, g_rr, tau_sfa, tau_rr, E_sfa, E_rr, q_sfa, q_rr

    def bind(self):
        IafCondBase.bind(self)
        a = self.arrays
        self.g_sfa = a["g_sfa"]; self.g_rr = a["g_rr"]; self.tau_sfa = a["tau_sfa"]
        self.tau_rr = a["tau_rr"]; self.E_sfa = a["E_sfa"]; self.E_rr = a["E_rr"]
        self.q_sfa = a["q_sfa"]; self.q_rr = a["q_rr"]

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double y[5]
        cdef int64_t c
        cdef int st
        cdef rkf45_work work
        cdef CondSfaRrParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                q.refractory = self.r[i] > 0
                q.V_reset = self.V_reset[i]; q.V_th = self.V_th[i]; q.E_ex = self.E_ex[i]
                q.E_in = self.E_in[i]; q.g_L = self.g_L[i]; q.E_L = self.E_L[i]
                q.C_m = self.C_m[i]; q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                q.tau_ex = self.tau_ex[i]; q.tau_in = self.tau_in[i]
                q.tau_sfa = self.tau_sfa[i]; q.tau_rr = self.tau_rr[i]
                q.E_sfa = self.E_sfa[i]; q.E_rr = self.E_rr[i]
                y[0] = self.V_m[i]; y[1] = self.g_ex[i]; y[2] = self.g_in[i]
                y[3] = self.g_sfa[i]; y[4] = self.g_rr[i]
                st = rkf45_advance(&work, 1e-3, 0.0, cond_sfa_rr_rhs, &q, 5, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                y[1] += row[c]
                y[2] += -row[c + 1]
                if self.r[i] > 0:
                    self.r[i] -= 1
                    y[0] = self.V_reset[i]
                elif y[0] >= self.V_th[i]:
                    self.r[i] = self.ref_counts[i]
                    y[0] = self.V_reset[i]
                    y[3] += self.q_sfa[i]
                    y[4] += self.q_rr[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                self.V_m[i] = y[0]; self.g_ex[i] = y[1]; self.g_in[i] = y[2]
                self.g_sfa[i] = y[3]; self.g_rr[i] = y[4]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


MODELS["iaf_cond_exp_sfa_rr"] = IafCondExpSfaRr


cdef class IafCondExpZoh(IafCondBase):
    """iaf_cond_exp_zoh -- conductance-based LIF neuron with a zero-order-hold
    exponential membrane update (the PING neuron of Murray & O'Leary).

    Equations
    ---------
        C_m dV_m/dt = -g_L (V_m - E_L) - g_ex (V_m - E_ex) - g_in (V_m - E_in) + I_e + I_stim

    written per step as the relaxation  tau_eff dV_m/dt = -(V_m - V_inf)  with

        g_tot = g_L + g_ex + g_in,   tau_eff = C_m / g_tot,
        V_inf = (g_L E_L + g_ex E_ex + g_in E_in + I_e + I_stim) / g_tot.

    Conductances are non-negative; a spike of weight w > 0 kicks g_ex by w, one
    of weight w < 0 kicks g_in by -w (nS).  Two spike receptors differ only in
    where the kick sits relative to the step's decay (alpha = exp(-h/tau_syn_ex),
    gamma = exp(-h/tau_syn_in), s_t the spikes read at step t):

    receptor_type 0 (the default; recurrent input, the seed's eqs. 7 and 8)
        g_{t+1} = decay * (g_t + w s_t)        kick, then decay
    receptor_type 1 (feedforward input, the seed's eq. 6)
        g_{t+1} = decay * g_t + w s_t          decay, then kick

    Numerics
    --------
    Zero-order hold: per step of resolution h the conductances are first
    updated as above, then held at g_{t+1} for the whole step, under which the
    membrane equation is integrated exactly:

        V_{t+1} = V_inf + (V_t - V_inf) exp(-h / tau_eff).

    Then the spike and the countdown refractoriness: if the countdown r > 0,
    V_{t+1} = V_reset and r -= 1 (no spike); otherwise if V_{t+1} >= V_th the
    neuron spikes, V_{t+1} = V_reset and r = round(t_ref / h).  So V_m is held
    at V_reset for the t_ref / h steps after the spike step.  I_stim is the
    current that arrived in the previous step (as NEST's models take currents).

    Update order: a spike emitted in the update of step t (recorded at time
    (t + 1) h) sent with the minimum delay of one step is read by its targets
    in the update of step t + 1.  With delay h between the populations this is
    the seed's synchronous order: at each step both populations read the spikes
    the other emitted at the end of the previous step, and emit fresh spikes at
    the end of this one.

    Parameters
    ----------
        ``E_L``         -65 mV      leak reversal potential
        ``C_m``         1000 pF     membrane capacitance (seed: 1.0 nF on E, 0.5 nF on I)
        ``g_L``         50 nS       leak conductance (seed: 0.05 uS on E, 0.1 uS on I)
        ``E_ex``        0 mV        excitatory reversal potential
        ``E_in``        -80 mV      inhibitory reversal potential
        ``tau_syn_ex``  2 ms        AMPA decay time constant
        ``tau_syn_in``  9 ms        GABA decay time constant
        ``t_ref``       3 ms        refractory period (seed: 3 ms on E, 1.5 ms on I)
        ``V_th``        -50 mV      spike threshold
        ``V_reset``     -65 mV      reset potential
        ``I_e``         0 pA        constant input current

    State: ``V_m`` (mV, default -65), ``g_ex``, ``g_in`` (nS, >= 0).
    Receives spikes (receptors 0 and 1) and currents (receptor 0); sends
    spikes.  The seed's time step is the kernel's default resolution 0.1 ms.

    References: Murray E, O'Leary T, the PING-gated-sparsity methods
    (``../shared/seeds/004``), eqs. (1)-(8).
    See also: iaf_cond_exp.
    """
    parameters = {"E_L": -65.0, "C_m": 1000.0, "g_L": 50.0, "E_ex": 0.0, "E_in": -80.0,
                  "tau_syn_ex": 2.0, "tau_syn_in": 9.0, "t_ref": 3.0, "V_th": -50.0,
                  "V_reset": -65.0, "I_e": 0.0}
    state = {"V_m": -65.0, "g_ex": 0.0, "g_in": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("C_m", "g_L", "tau_syn_ex", "tau_syn_in")
    non_negative = ("t_ref", "g_ex", "g_in")
    n_channels = 5          # receptor 0 ex, in; I0; receptor 1 ex, in
    spike_receptors = {0: (0, True, False), 1: (3, True, False)}
    # (no ``receptor_types`` dictionary: NEST gives one only to models whose
    # receptor 0 is not a valid target, and plain Connect uses receptor 0 here)
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] P_ex, P_in

    def pre_run(self, engine):
        IafCondBase.pre_run(self, engine)
        a = self.arrays
        self.P_ex = np.exp(-engine.resolution / a["tau_syn_ex"])
        self.P_in = np.exp(-engine.resolution / a["tau_syn_in"])

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef int64_t c
        cdef double g_ex, g_in, g_tot, v_inf, v
        cdef double h = ctx.h
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 5
                g_ex = self.P_ex[i] * (self.g_ex[i] + row[c]) + row[c + 3]
                g_in = self.P_in[i] * (self.g_in[i] - row[c + 1]) - row[c + 4]
                g_tot = self.g_L[i] + g_ex + g_in
                v_inf = (self.g_L[i] * self.E_L[i] + g_ex * self.E_ex[i] + g_in * self.E_in[i]
                         + self.I_e[i] + self.I_stim[i]) / g_tot
                v = v_inf + (self.V_m[i] - v_inf) * exp(-h * g_tot / self.C_m[i])
                self.threshold(ctx, i, &v, lag)
                self.V_m[i] = v; self.g_ex[i] = g_ex; self.g_in[i] = g_in
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0
                row[c + 3] = 0.0; row[c + 4] = 0.0


MODELS["iaf_cond_exp_zoh"] = IafCondExpZoh
