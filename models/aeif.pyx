# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""aeif_cond_alpha, aeif_cond_exp, aeif_psc_alpha, aeif_psc_exp -- adaptive
exponential integrate-and-fire neurons (AdEx, Brette & Gerstner 2005) with
conductance (cond) or current (psc) synapses.

Equations
---------
    C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T)
                - I_syn - w + I_e + I_stim
    tau_w dw/dt = a (V - E_L) - w
    cond: I_syn = g_ex (V - E_ex) + g_in (V - E_in)       (s_X = g_X, nS)
    psc:  I_syn = I_syn_in - I_syn_ex                     (s_X = I_syn_X, pA)

_exp:   ds_X/dt = -s_X/tau_syn_X; a spike of weight w adds w to s_X.
_alpha: ds_X/dt = ds'_X - s_X/tau_syn_X, dds'_X/dt = -ds'_X/tau_syn_X;
        a spike adds w e/tau_syn_X to ds'_X.
(X = ex for w >= 0, X = in with -w for w < 0.)  When V reaches V_peak
(V_th if Delta_T = 0), V is set to V_reset, w increases by b and V is clamped
for t_ref; the right-hand side uses min(V, V_peak) and dV/dt = 0 while
refractory.

Numerics
--------
As NEST: GSL's RKF45 with the control ``gsl_odeiv_control_yp_new(tol, tol)``
(tol = ``gsl_error_tol``), re-implemented bit for bit in ``kernel/rkf45.h``;
the spike condition is checked after every accepted integration step inside
the simulation step (several spikes per step are possible when t_ref = 0),
then the step's input spikes are added.  V < -1e3 mV or |w| > 1e6 pA raise
NumericalInstability.  The first integration step is the resolution (cond)
or min(0.01 ms, resolution) (psc), as NEST's.

Parameters
----------
    ``C_m``            281 pF     membrane capacitance
    ``g_L``            30 nS      leak conductance
    ``E_L``            -70.6 mV   leak reversal potential
    ``V_th``           -50.4 mV   spike initiation threshold
    ``Delta_T``        2 mV       slope factor
    ``V_peak``         0 mV       spike detection threshold
    ``V_reset``        -60 mV     reset potential
    ``t_ref``          0 ms       absolute refractory period
    ``a``              4 nS       subthreshold adaptation
    ``b``              80.5 pA    spike-triggered adaptation
    ``tau_w``          144 ms     adaptation time constant
    ``E_ex``, ``E_in``  0, -85 mV  reversal potentials (cond only)
    ``tau_syn_ex``     0.2 ms     excitatory synaptic time constant
    ``tau_syn_in``     2 ms       inhibitory synaptic time constant
    ``I_e``            0 pA       constant input current
    ``gsl_error_tol``  1e-6       solver tolerance

State: ``V_m`` (mV, default E_L), ``w`` (pA), ``g_ex``, ``g_in`` (nS, cond) or
``I_syn_ex``, ``I_syn_in`` (pA, >= 0, psc; the alpha model also ``dI_syn_ex``,
``dI_syn_in``).
Receives spikes and currents (receptor 0); sends spikes.

References: Brette R, Gerstner W (2005) J Neurophysiol 94:3637-3642.
See also: iaf_cond_alpha, iaf_cond_exp.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, log, M_E
from libc.float cimport DBL_MAX
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.nodebase import ERROR_INSTABILITY
from pynestlite.errors import BadProperty

cnp.import_array()

from pynestlite.kernel.rkf45 cimport (
    rkf45_advance, rkf45_evolve_apply_std, rkf45_rhs, rkf45_work)


cdef int C_ERROR_INSTABILITY = ERROR_INSTABILITY

ctypedef struct AeifParams:
    int refractory, current_based
    double V_reset, V_peak, V_th, Delta_T, g_L, E_L, E_ex, E_in, C_m, a, tau_w
    double tau_ex, tau_in, I_e, I_stim


cdef inline void membrane_and_adaptation(const AeifParams *q, double v, double s_ex,
                                         double s_in, double w, double *dv, double *dw) noexcept nogil:
    cdef double V = q.V_reset if q.refractory else (v if v < q.V_peak else q.V_peak)
    cdef double I_spike = 0.0 if q.Delta_T == 0.0 else q.g_L * q.Delta_T * exp((V - q.V_th) / q.Delta_T)
    if q.refractory:
        dv[0] = 0.0
    elif q.current_based:
        dv[0] = (-q.g_L * (V - q.E_L) + I_spike + s_ex - s_in - w + q.I_e + q.I_stim) / q.C_m
    else:
        dv[0] = (-q.g_L * (V - q.E_L) + I_spike - s_ex * (V - q.E_ex) - s_in * (V - q.E_in)
                 - w + q.I_e + q.I_stim) / q.C_m
    dw[0] = (q.a * (V - q.E_L) - w) / q.tau_w


cdef int aeif_alpha_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, ds_ex, s_ex, ds_in, s_in, w), NEST's order
    cdef AeifParams *q = <AeifParams *>p
    membrane_and_adaptation(q, y[0], y[2], y[4], y[5], &f[0], &f[5])
    f[1] = -y[1] / q.tau_ex
    f[2] = y[1] - y[2] / q.tau_ex
    f[3] = -y[3] / q.tau_in
    f[4] = y[3] - y[4] / q.tau_in
    return 0


cdef int aeif_exp_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, s_ex, s_in, w), NEST's order
    cdef AeifParams *q = <AeifParams *>p
    membrane_and_adaptation(q, y[0], y[1], y[2], y[3], &f[0], &f[3])
    f[1] = -y[1] / q.tau_ex
    f[2] = -y[2] / q.tau_in
    return 0


def check_spike_parameters(model, dict values):
    """NEST's checks of the AdEx spike parameters (V_peak >= V_th; no overflow
    of the exponential at V_peak), shared with the multisynapse AdEx models."""
    if np.any(values["V_peak"] < values["V_th"]):
        raise BadProperty(f"{model}: V_peak >= V_th required")
    dt = values["Delta_T"]
    pos = dt > 0
    max_exp_arg = log(DBL_MAX / 1e20)
    if np.any((values["V_peak"][pos] - values["V_th"][pos]) / dt[pos] >= max_exp_arg):
        raise BadProperty(f"{model}: V_peak, V_th and Delta_T would overflow exp() "
                          "at spike time; increase Delta_T or reduce V_peak")


_PARAMETERS = {"C_m": 281.0, "g_L": 30.0, "E_L": -70.6, "V_th": -50.4, "Delta_T": 2.0,
               "V_peak": 0.0, "V_reset": -60.0, "t_ref": 0.0, "a": 4.0, "b": 80.5,
               "tau_w": 144.0, "tau_syn_ex": 0.2, "tau_syn_in": 2.0, "I_e": 0.0,
               "gsl_error_tol": 1e-6}


cdef class AeifCondBase(NodeBlock):
    """Parameters, checks and the integrate-and-spike step of the AdEx models
    (conductance synapses here; :class:`AeifPscExp` and :class:`AeifPscAlpha`
    change the synapse names and the membrane's synaptic term)."""
    parameters = dict(_PARAMETERS, E_ex=0.0, E_in=-85.0)
    state = {"V_m": -70.6, "w": 0.0, "g_ex": 0.0, "g_in": 0.0}
    #: state names of the synaptic variables s_ex, s_in (and ds_ex, ds_in)
    synapse_names = ("g_ex", "g_in", "dg_ex", "dg_in")
    current_based = False
    #: the first integration step: the resolution, capped at this (ms) if set
    first_step_cap = None
    strictly_positive = ("C_m", "tau_syn_ex", "tau_syn_in", "tau_w", "gsl_error_tol")
    non_negative = ("t_ref", "Delta_T")
    ordered = (("V_reset", "V_peak"),)
    n_channels = 3          # spikes ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "g_ex", "g_in", "w")
    dim = 0

    cdef double[::1] V_m, w, g_ex, g_in, C_m, g_L, E_L, V_th, Delta_T, V_peak, V_reset, a, b
    cdef bint psc
    cdef double[::1] tau_w, E_ex, E_in, tau_ex, tau_in, I_e, tol, I_stim, h_int, V_peak_eff
    cdef int64_t[::1] r, ref_counts, gid

    def check(self, dict values):
        NodeBlock.check(self, values)
        check_spike_parameters(self.model, values)

    def bind(self):
        a = self.arrays
        ex, inh = self.synapse_names[:2]
        self.psc = self.current_based
        self.V_m = a["V_m"]; self.w = a["w"]; self.g_ex = a[ex]; self.g_in = a[inh]
        self.C_m = a["C_m"]; self.g_L = a["g_L"]; self.E_L = a["E_L"]; self.V_th = a["V_th"]
        self.Delta_T = a["Delta_T"]; self.V_peak = a["V_peak"]; self.V_reset = a["V_reset"]
        self.a = a["a"]; self.b = a["b"]; self.tau_w = a["tau_w"]
        # (current synapses: no reversal potentials; the membrane does not read them)
        self.E_ex = a["E_ex"] if "E_ex" in a else a["E_L"]
        self.E_in = a["E_in"] if "E_in" in a else a["E_L"]
        self.tau_ex = a["tau_syn_ex"]; self.tau_in = a["tau_syn_in"]
        self.I_e = a["I_e"]; self.tol = a["gsl_error_tol"]; self.I_stim = a["I_stim"]
        self.h_int = a["h_int"]; self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.V_peak_eff = np.where(a["Delta_T"] > 0.0, a["V_peak"], a["V_th"])
        unset = a["h_int"] <= 0.0
        h0 = engine.resolution if self.first_step_cap is None \
            else min(self.first_step_cap, engine.resolution)
        a["h_int"][unset] = h0

    cdef inline void fill(self, AeifParams *q, Py_ssize_t i) noexcept nogil:
        q.refractory = self.r[i] > 0
        q.current_based = self.psc
        q.V_reset = self.V_reset[i]; q.V_peak = self.V_peak[i]; q.V_th = self.V_th[i]
        q.Delta_T = self.Delta_T[i]; q.g_L = self.g_L[i]; q.E_L = self.E_L[i]
        q.E_ex = self.E_ex[i]; q.E_in = self.E_in[i]; q.C_m = self.C_m[i]; q.a = self.a[i]
        q.tau_w = self.tau_w[i]; q.tau_ex = self.tau_ex[i]; q.tau_in = self.tau_in[i]
        q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]

    cdef inline void integrate(self, SliceContext *ctx, Py_ssize_t i, long lag, double *y,
                               rkf45_rhs rhs, size_t dim, int iw) noexcept nogil:
        """NEST's step: integrate to h, checking the spike condition after every
        accepted integration step; y[0] is V_m and y[iw] is w."""
        cdef double t = 0.0
        cdef int st
        cdef rkf45_work work
        cdef AeifParams q
        self.fill(&q, i)
        while t < ctx.h:
            st = rkf45_evolve_apply_std(&work, self.tol[i], self.tol[i], 0.0, 1.0, rhs, &q,
                                        dim, &t, ctx.h, &self.h_int[i], y, NULL)
            if st != 0:
                self.error_code = st
                return
            if y[0] < -1e3 or y[iw] < -1e6 or y[iw] > 1e6:
                self.error_code = C_ERROR_INSTABILITY
                return
            if self.r[i] > 0:
                y[0] = self.V_reset[i]
            elif y[0] >= self.V_peak_eff[i]:
                y[0] = self.V_reset[i]
                y[iw] += self.b[i]
                self.r[i] = self.ref_counts[i] + 1 if self.ref_counts[i] > 0 else 0
                q.refractory = self.r[i] > 0
                pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
        if self.r[i] > 0:
            self.r[i] -= 1


cdef class AeifCondAlpha(AeifCondBase):
    threaded = True         # the update reads and writes its own nodes only
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0, "dg_ex": 0.0, "dg_in": 0.0}
    cdef double[::1] dg_ex, dg_in

    def bind(self):
        AeifCondBase.bind(self)
        self.dg_ex = self.arrays[self.synapse_names[2]]
        self.dg_in = self.arrays[self.synapse_names[3]]

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double y[6]
        cdef int64_t c
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                y[0] = self.V_m[i]; y[1] = self.dg_ex[i]; y[2] = self.g_ex[i]
                y[3] = self.dg_in[i]; y[4] = self.g_in[i]; y[5] = self.w[i]
                self.integrate(ctx, i, lag, y, aeif_alpha_rhs, 6, 5)
                y[1] += row[c] * (1.0 * M_E / self.tau_ex[i])
                y[3] += -row[c + 1] * (1.0 * M_E / self.tau_in[i])
                self.V_m[i] = y[0]; self.dg_ex[i] = y[1]; self.g_ex[i] = y[2]
                self.dg_in[i] = y[3]; self.g_in[i] = y[4]; self.w[i] = y[5]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


cdef class AeifCondExp(AeifCondBase):
    threaded = True         # the update reads and writes its own nodes only
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double y[4]
        cdef int64_t c
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                y[0] = self.V_m[i]; y[1] = self.g_ex[i]; y[2] = self.g_in[i]; y[3] = self.w[i]
                self.integrate(ctx, i, lag, y, aeif_exp_rhs, 4, 3)
                y[1] += row[c]
                y[2] += -row[c + 1]
                self.V_m[i] = y[0]; self.g_ex[i] = y[1]; self.g_in[i] = y[2]; self.w[i] = y[3]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


cdef class AeifPscExp(AeifCondExp):
    threaded = True         # the update reads and writes its own nodes only
    parameters = dict(_PARAMETERS)
    state = {"V_m": -70.6, "w": 0.0, "I_syn_ex": 0.0, "I_syn_in": 0.0}
    non_negative = ("t_ref", "Delta_T", "I_syn_ex", "I_syn_in")
    synapse_names = ("I_syn_ex", "I_syn_in")
    recordables = ("V_m", "I_syn_ex", "I_syn_in", "w")
    current_based = True
    first_step_cap = 0.01


cdef class AeifPscAlpha(AeifCondAlpha):
    threaded = True         # the update reads and writes its own nodes only
    parameters = dict(_PARAMETERS)
    state = {"V_m": -70.6, "w": 0.0, "I_syn_ex": 0.0, "I_syn_in": 0.0, "dI_syn_ex": 0.0,
             "dI_syn_in": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    non_negative = ("t_ref", "Delta_T", "I_syn_ex", "I_syn_in")
    synapse_names = ("I_syn_ex", "I_syn_in", "dI_syn_ex", "dI_syn_in")
    recordables = ("V_m", "I_syn_ex", "I_syn_in", "w")
    current_based = True
    first_step_cap = 0.01


MODELS = {"aeif_cond_alpha": AeifCondAlpha, "aeif_cond_exp": AeifCondExp,
          "aeif_psc_alpha": AeifPscAlpha, "aeif_psc_exp": AeifPscExp}


ctypedef struct AeifDeltaParams:
    int refractory
    double V_reset, V_peak, V_th, Delta_T_inv, Delta_T, g_L, E_L, C_m_inv, a, tau_w_inv
    double I_e, I_stim


cdef int aeif_delta_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, w); NEST's arithmetic (multiplications by stored inverses)
    cdef AeifDeltaParams *q = <AeifDeltaParams *>p
    cdef double V = q.V_reset if q.refractory else (y[0] if y[0] < q.V_peak else q.V_peak)
    cdef double I_spike = 0.0 if q.Delta_T == 0.0 else \
        q.g_L * q.Delta_T * exp((V - q.V_th) * q.Delta_T_inv)
    if q.refractory:
        f[0] = 0.0
    else:
        f[0] = (-q.g_L * (V - q.E_L) + I_spike - y[1] + q.I_e + q.I_stim) * q.C_m_inv
    f[1] = (q.a * (V - q.E_L) - y[1]) * q.tau_w_inv
    return 0


cdef class AeifPscDelta(NodeBlock):
    """aeif_psc_delta -- AdEx neuron whose input spikes make V_m jump.

    Equations
    ---------
        C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - w
                    + I_e + I_stim + C_m sum_k w_k delta(t - t_k)
        tau_w dw/dt = a (V - E_L) - w

    A spike of weight w (mV, either sign) adds w to V_m outside the
    refractory period; during it the spike is lost, or, with
    ``refractory_input``, added on leaving it, discounted by
    exp(-remaining steps h / tau_m) with tau_m = C_m/g_L (as NEST).  Spike at
    V_peak (V_th if Delta_T = 0): reset to V_reset, w += b, clamped for
    t_ref.

    Numerics
    --------
    As NEST: RKF45 (``kernel/rkf45.h``, tolerance ``gsl_error_tol``); after
    every accepted integration step the step's input (taken once, at the
    first integration step) and the spike condition.

    Parameters: ``C_m`` 281 pF, ``g_L`` 30 nS, ``E_L`` -70.6 mV, ``V_th``
    -50.4 mV, ``Delta_T`` 2 mV, ``V_peak`` 0 mV, ``V_reset`` -60 mV,
    ``t_ref`` 0 ms, ``a`` 4 nS, ``b`` 80.5 pA, ``tau_w`` 144 ms, ``I_e``
    0 pA, ``gsl_error_tol`` 1e-6, ``refractory_input`` False.
    State ``V_m`` (mV), ``w`` (pA).

    References: Brette R, Gerstner W (2005) J Neurophysiol 94:3637-3642.
    See also: aeif_psc_exp, iaf_psc_delta.
    """
    parameters = {"C_m": 281.0, "g_L": 30.0, "E_L": -70.6, "V_th": -50.4, "Delta_T": 2.0,
                  "V_peak": 0.0, "V_reset": -60.0, "t_ref": 0.0, "a": 4.0, "b": 80.5,
                  "tau_w": 144.0, "I_e": 0.0, "gsl_error_tol": 1e-6, "refractory_input": False}
    state = {"V_m": -70.6, "w": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0, "refr_buffer": 0.0}
    strictly_positive = ("C_m", "tau_w", "gsl_error_tol")
    non_negative = ("t_ref", "Delta_T")
    ordered = (("V_reset", "V_peak"),)
    n_channels = 2          # spikes (signed), I0
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("V_m", "w")
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] V_m, w, C_m, g_L, E_L, V_th, Delta_T, V_peak, V_reset, a, b, tau_w
    cdef double[::1] I_e, tol, I_stim, h_int, V_peak_eff, refr_buffer
    cdef unsigned char[::1] refr_input
    cdef int64_t[::1] r, ref_counts, gid

    def check(self, dict values):
        NodeBlock.check(self, values)
        check_spike_parameters(self.model, values)

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.w = a["w"]; self.C_m = a["C_m"]; self.g_L = a["g_L"]
        self.E_L = a["E_L"]; self.V_th = a["V_th"]; self.Delta_T = a["Delta_T"]
        self.V_peak = a["V_peak"]; self.V_reset = a["V_reset"]; self.a = a["a"]
        self.b = a["b"]; self.tau_w = a["tau_w"]; self.I_e = a["I_e"]
        self.tol = a["gsl_error_tol"]; self.I_stim = a["I_stim"]; self.h_int = a["h_int"]
        self.refr_buffer = a["refr_buffer"]; self.refr_input = a["refractory_input"]
        self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.V_peak_eff = np.where(a["Delta_T"] > 0.0, a["V_peak"], a["V_th"])
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double y[2]
        cdef double t, spk, tau_m
        cdef int st
        cdef rkf45_work work
        cdef AeifDeltaParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                q.refractory = self.r[i] > 0
                q.V_reset = self.V_reset[i]; q.V_peak = self.V_peak[i]; q.V_th = self.V_th[i]
                q.Delta_T = self.Delta_T[i]
                q.Delta_T_inv = 1.0 / self.Delta_T[i] if self.Delta_T[i] != 0.0 else 0.0
                q.g_L = self.g_L[i]; q.E_L = self.E_L[i]; q.C_m_inv = 1.0 / self.C_m[i]
                q.a = self.a[i]; q.tau_w_inv = 1.0 / self.tau_w[i]; q.I_e = self.I_e[i]
                q.I_stim = self.I_stim[i]
                tau_m = self.C_m[i] / self.g_L[i]
                y[0] = self.V_m[i]; y[1] = self.w[i]
                spk = row[i * 2]            # read once, as NEST's get_value clears it
                t = 0.0
                while t < ctx.h:
                    st = rkf45_evolve_apply_std(&work, self.tol[i], self.tol[i], 0.0, 1.0,
                                                aeif_delta_rhs, &q, 2, &t, ctx.h,
                                                &self.h_int[i], y, NULL)
                    if st != 0:
                        self.error_code = st
                        return
                    if y[0] < -1e3 or y[1] < -1e6 or y[1] > 1e6:
                        self.error_code = C_ERROR_INSTABILITY
                        return
                    if self.r[i] == 0:
                        y[0] = y[0] + spk
                        if self.refr_input[i] and self.refr_buffer[i] != 0.0:
                            y[0] += self.refr_buffer[i]
                            self.refr_buffer[i] = 0.0
                    else:
                        y[0] = self.V_reset[i]
                        if self.refr_input[i]:
                            self.refr_buffer[i] += spk * exp(-self.r[i] * ctx.h / tau_m)
                    spk = 0.0
                    if self.r[i] == 0 and y[0] >= self.V_peak_eff[i]:
                        y[0] = self.V_reset[i]
                        self.r[i] = self.ref_counts[i] + 1 if self.ref_counts[i] > 0 else 0
                        q.refractory = self.r[i] > 0
                        y[1] += self.b[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                if self.r[i] > 0:
                    self.r[i] -= 1
                self.V_m[i] = y[0]; self.w[i] = y[1]
                self.I_stim[i] = row[i * 2 + 1]
                row[i * 2] = 0.0; row[i * 2 + 1] = 0.0


MODELS["aeif_psc_delta"] = AeifPscDelta


ctypedef struct AeifClopathParams:
    int refractory, clamped
    double V_reset, V_clamp, V_peak, Delta_T, g_L, E_L, C_m, a, tau_w, tau_z, tau_V_th
    double V_th_rest, tau_plus, tau_minus, tau_bar, I_e, I_stim


cdef int aeif_clopath_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, w, z, V_th, u_bar_plus, u_bar_minus, u_bar_bar), NEST's order
    cdef AeifClopathParams *q = <AeifClopathParams *>p
    cdef double V
    if q.refractory or q.clamped:
        V = q.V_clamp if q.clamped else q.V_reset
    else:
        V = y[0] if y[0] < q.V_peak else q.V_peak
    cdef double I_spike = 0.0 if q.Delta_T == 0.0 else \
        q.g_L * q.Delta_T * exp((V - y[3]) / q.Delta_T)
    if q.refractory or q.clamped:
        f[0] = 0.0
    else:
        f[0] = (-q.g_L * (V - q.E_L) + I_spike - y[1] + y[2] + q.I_e + q.I_stim) / q.C_m
    f[1] = 0.0 if q.clamped else (q.a * (V - q.E_L) - y[1]) / q.tau_w
    f[2] = -y[2] / q.tau_z
    f[3] = -(y[3] - q.V_th_rest) / q.tau_V_th
    f[4] = (-y[4] + V) / q.tau_plus
    f[5] = (-y[5] + V) / q.tau_minus
    f[6] = (-y[6] + y[5]) / q.tau_bar
    return 0


from pynestlite.models.clopath cimport CLOPATH_ERROR_MEMORY, ClopathArchive
from pynestlite.models.clopath import CLOPATH_PARAMETERS


cdef class AeifPscDeltaClopath(NodeBlock):
    """aeif_psc_delta_clopath -- AdEx neuron with the adaptive threshold, spike
    afterpotential and voltage clamp of Clopath et al. (2010), input spikes
    making V_m jump.

    Equations
    ---------
        C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - w + z
                    + I_e + I_stim + C_m sum_k w_k delta(t - t_k)
        tau_w dw/dt = a (V - E_L) - w,      tau_z dz/dt = -z
        tau_V_th dV_th/dt = -(V_th - V_th_rest)
        tau_u_bar_plus du_bar_plus/dt = V - u_bar_plus   (and u_bar_minus)
        tau_u_bar_bar du_bar_bar/dt = u_bar_minus - u_bar_bar

    At V_peak (the threshold V_th if Delta_T = 0) the neuron spikes: V_m is
    clamped to V_clamp for t_clamp (w frozen), then reset to V_reset and held
    there for t_ref; w += b, z = I_sp, V_th = V_th_max.  Input spikes are
    lost while clamped or refractory.  In the right-hand side V is min(V_m,
    V_peak), V_clamp while clamped and V_reset while refractory, as NEST.

    Numerics
    --------
    As NEST: RKF45 (``kernel/rkf45.h``, tolerance ``gsl_error_tol``); after
    every accepted integration step the step's input (taken once), the spike
    condition and the end of the clamp.

    Parameters: ``V_peak`` 33 mV, ``V_reset`` -60 mV, ``t_ref`` 0 ms, ``g_L``
    30 nS, ``C_m`` 281 pF, ``E_L`` -70.6 mV, ``Delta_T`` 2 mV, ``tau_w``
    144 ms, ``tau_z`` 40 ms, ``tau_V_th`` 50 ms, ``V_th_max`` 30.4 mV,
    ``V_th_rest`` -50.4 mV, ``tau_u_bar_plus`` 7 ms, ``tau_u_bar_minus``
    10 ms, ``tau_u_bar_bar`` 500 ms, ``a`` 4 nS, ``b`` 80.5 pA, ``I_sp``
    400 pA, ``I_e`` 0 pA, ``gsl_error_tol`` 1e-6, ``t_clamp`` 2 ms,
    ``V_clamp`` 33 mV, and the parameters of the neuron's Clopath archive
    (``models/clopath.pyx``), which ``clopath_synapse`` reads: each step
    the state at the step's end (after the spike, clamp and reset, before
    the counters count down) goes to it.  State ``V_m``, ``w``,
    ``u_bar_plus``, ``u_bar_minus``, ``u_bar_bar``; ``z`` and ``V_th`` are
    recordable.

    References: Clopath C et al. (2010) Nat Neurosci 13:344-352.
    See also: aeif_psc_delta, hh_psc_alpha_clopath.
    """
    parameters = dict({"V_peak": 33.0, "V_reset": -60.0, "t_ref": 0.0, "g_L": 30.0,
                       "C_m": 281.0, "E_L": -70.6, "Delta_T": 2.0, "tau_w": 144.0,
                       "tau_z": 40.0, "tau_V_th": 50.0, "V_th_max": 30.4, "V_th_rest": -50.4,
                       "tau_u_bar_plus": 7.0, "tau_u_bar_minus": 10.0, "tau_u_bar_bar": 500.0,
                       "a": 4.0, "b": 80.5, "I_sp": 400.0, "I_e": 0.0, "gsl_error_tol": 1e-6,
                       "t_clamp": 2.0, "V_clamp": 33.0}, **CLOPATH_PARAMETERS)
    state = {"V_m": -70.6, "w": 0.0, "u_bar_plus": -70.6, "u_bar_minus": -70.6,
             "u_bar_bar": -70.6}
    internal = {"z": 0.0, "V_th": -50.4, "r": 0, "clamp_r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("C_m", "tau_w", "tau_z", "tau_V_th", "tau_u_bar_plus",
                         "tau_u_bar_minus", "tau_u_bar_bar", "gsl_error_tol", "u_ref_squared")
    non_negative = ("t_ref", "t_clamp", "Delta_T", "delay_u_bars")
    ordered = (("V_reset", "V_peak"),)
    n_channels = 2          # spikes (signed), I0
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("V_m", "w", "z", "V_th", "u_bar_plus", "u_bar_minus", "u_bar_bar")

    cdef double[::1] V_m, w, z, V_th, u_plus, u_minus, u_bar, C_m, g_L, E_L, Delta_T, V_peak
    cdef double[::1] V_reset, V_clamp, a, b, tau_w, tau_z, tau_V_th, V_th_rest, V_th_max, I_sp
    cdef double[::1] tau_plus, tau_minus, tau_bar, I_e, tol, I_stim, h_int
    cdef int64_t[::1] r, clamp_r, ref_counts, clamp_counts, gid
    cdef public ClopathArchive clopath_archive
    clopath_archiving = True       # clopath_synapse may target it
    # the Clopath archive lives outside the parameter arrays: save_state refuses
    checkpointable = False

    def check(self, dict values):
        NodeBlock.check(self, values)
        if np.any(values["V_th_max"] < values["V_th_rest"]):
            raise BadProperty(f"{self.model}: V_th_max >= V_th_rest required")
        if np.any(values["V_peak"] < values["V_th_rest"]):
            raise BadProperty(f"{self.model}: V_peak >= V_th_rest required")
        dt = values["Delta_T"]
        pos = dt > 0
        if np.any((values["V_peak"][pos] - values["V_th_rest"][pos]) / dt[pos]
                  >= log(DBL_MAX / 1e20)):
            raise BadProperty(f"{self.model}: V_peak, V_th_rest and Delta_T would overflow "
                              "exp() at spike time; increase Delta_T or reduce V_peak")

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.w = a["w"]; self.z = a["z"]; self.V_th = a["V_th"]
        self.u_plus = a["u_bar_plus"]; self.u_minus = a["u_bar_minus"]
        self.u_bar = a["u_bar_bar"]; self.C_m = a["C_m"]; self.g_L = a["g_L"]
        self.E_L = a["E_L"]; self.Delta_T = a["Delta_T"]; self.V_peak = a["V_peak"]
        self.V_reset = a["V_reset"]; self.V_clamp = a["V_clamp"]; self.a = a["a"]
        self.b = a["b"]; self.tau_w = a["tau_w"]; self.tau_z = a["tau_z"]
        self.tau_V_th = a["tau_V_th"]; self.V_th_rest = a["V_th_rest"]
        self.V_th_max = a["V_th_max"]; self.I_sp = a["I_sp"]
        self.tau_plus = a["tau_u_bar_plus"]; self.tau_minus = a["tau_u_bar_minus"]
        self.tau_bar = a["tau_u_bar_bar"]; self.I_e = a["I_e"]; self.tol = a["gsl_error_tol"]
        self.I_stim = a["I_stim"]; self.h_int = a["h_int"]; self.r = a["r"]
        self.clamp_r = a["clamp_r"]
        self.gid = self.gids

    def pre_run(self, engine):
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.clamp_counts = engine.ms_to_steps(a["t_clamp"])
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution
        if self.clopath_archive is None:
            self.clopath_archive = ClopathArchive(self.n)
        self.clopath_archive.pre_run(a, engine)

    def error(self):
        if self.error_code == CLOPATH_ERROR_MEMORY:
            return self.clopath_archive.error()
        return NodeBlock.error(self)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[7]
        cdef double t, spk, v_peak
        cdef int st
        cdef rkf45_work work
        cdef AeifClopathParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                q.V_reset = self.V_reset[i]; q.V_clamp = self.V_clamp[i]
                q.V_peak = self.V_peak[i]; q.Delta_T = self.Delta_T[i]; q.g_L = self.g_L[i]
                q.E_L = self.E_L[i]; q.C_m = self.C_m[i]; q.a = self.a[i]
                q.tau_w = self.tau_w[i]; q.tau_z = self.tau_z[i]; q.tau_V_th = self.tau_V_th[i]
                q.V_th_rest = self.V_th_rest[i]; q.tau_plus = self.tau_plus[i]
                q.tau_minus = self.tau_minus[i]; q.tau_bar = self.tau_bar[i]
                q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                y[0] = self.V_m[i]; y[1] = self.w[i]; y[2] = self.z[i]; y[3] = self.V_th[i]
                y[4] = self.u_plus[i]; y[5] = self.u_minus[i]; y[6] = self.u_bar[i]
                v_peak = self.V_peak[i]
                spk = row[i * 2]            # read once, as NEST's get_value clears it
                t = 0.0
                while t < ctx.h:
                    q.refractory = self.r[i] > 0
                    q.clamped = self.clamp_r[i] > 0
                    st = rkf45_evolve_apply_std(&work, self.tol[i], self.tol[i], 0.0, 1.0,
                                                aeif_clopath_rhs, &q, 7, &t, ctx.h,
                                                &self.h_int[i], y, NULL)
                    if st != 0:
                        self.error_code = st
                        return
                    if y[0] < -1e3 or y[1] < -1e6 or y[1] > 1e6:
                        self.error_code = C_ERROR_INSTABILITY
                        return
                    if self.r[i] == 0 and self.clamp_r[i] == 0:
                        y[0] = y[0] + spk
                    spk = 0.0
                    if self.Delta_T[i] == 0.0:
                        v_peak = y[3]
                    if y[0] >= v_peak and self.clamp_r[i] == 0:
                        y[0] = self.V_clamp[i]
                        y[1] += self.b[i]
                        y[2] = self.I_sp[i]
                        y[3] = self.V_th_max[i]
                        self.clamp_r[i] = self.clamp_counts[i] + 1 if self.clamp_counts[i] > 0 \
                            else 0
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                    elif self.clamp_r[i] == 1:
                        y[0] = self.V_reset[i]
                        self.clamp_r[i] = 0
                        self.r[i] = self.ref_counts[i] + 1 if self.ref_counts[i] > 0 else 0
                    if self.r[i] > 0:
                        y[0] = self.V_reset[i]
                if self.clopath_archive.write(i, ctx.origin + lag + 1, y[0], y[4], y[5], y[6]):
                    self.error_code = CLOPATH_ERROR_MEMORY
                    return
                if self.clamp_r[i] > 0:
                    self.clamp_r[i] -= 1
                if self.r[i] > 0:
                    self.r[i] -= 1
                self.V_m[i] = y[0]; self.w[i] = y[1]; self.z[i] = y[2]; self.V_th[i] = y[3]
                self.u_plus[i] = y[4]; self.u_minus[i] = y[5]; self.u_bar[i] = y[6]
                self.I_stim[i] = row[i * 2 + 1]
                row[i * 2] = 0.0; row[i * 2 + 1] = 0.0


MODELS["aeif_psc_delta_clopath"] = AeifPscDeltaClopath
