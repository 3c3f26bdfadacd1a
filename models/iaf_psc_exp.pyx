# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_psc_exp -- leaky integrate-and-fire neuron with exponential PSCs.

Equations
---------
    dV_m/dt   = -(V_m - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_0)/C_m
    dI_syn_X/dt = -I_syn_X/tau_syn_X + sum_k w_k delta(t - t_k)   (X = ex, in)

Spikes with w >= 0 go to I_syn_ex, w < 0 to I_syn_in (pA).  Threshold V_th,
reset to V_reset, clamped for t_ref.  Currents on receptor 1 are filtered
through the excitatory synapse (NEST's ``I_1``).

Numerics
--------
Exact integration on the grid, as NEST: P11 = exp(-h/tau_syn), P22 =
exp(-h/tau_m), P20 = tau_m/C_m (1 - P22), P21 from propagators.h (with the
NEST limit for tau_m == tau_syn).  Per step: V_m (if not refractory), then
PSC decay, then the step's spikes are added (they act on V_m one step later),
then threshold, then the input current of the step is stored.

Parameters
----------
    ``E_L``         -70 mV   resting potential
    ``C_m``         250 pF   membrane capacitance
    ``tau_m``       10 ms    membrane time constant
    ``tau_syn_ex``  2 ms     excitatory PSC time constant
    ``tau_syn_in``  2 ms     inhibitory PSC time constant
    ``t_ref``       2 ms     absolute refractory period
    ``V_th``        -55 mV   spike threshold
    ``V_reset``     -70 mV   reset potential
    ``I_e``         0 pA     constant input current

State: ``V_m`` (mV), ``I_syn_ex``, ``I_syn_in`` (pA).  Receives spikes
(receptor 0), currents (receptors 0 and 1); sends spikes.

References: Rotter S, Diesmann M (1999) Biol Cybern 81:381-402.
See also: iaf_psc_delta, iaf_psc_alpha.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, pow
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.models.propagators cimport (pnl_expm1, pnl_psc_propagator, pnl_iaf_propagator,
                                           pnl_iaf_propagator_exp)
from pynestlite.errors import BadProperty

cnp.import_array()


cdef class IafPscExp(NodeBlock):
    __doc__ = __doc__
    # pre_run reads only parameters and the time base: the kernel skips it
    # while neither changed since the last one
    pre_run_pure = True
    threaded = True         # the update reads and writes its own nodes only
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 2.0,
                  "tau_syn_in": 2.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0,
                  "I_e": 0.0}
    state = {"V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0}
    internal = {"r": 0, "i_0": 0.0, "i_1": 0.0}
    relative = ("V_m", "V_th", "V_reset")
    strictly_positive = ("C_m", "tau_m", "tau_syn_ex", "tau_syn_in")
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 4          # ex, in, I0, I1
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2, 1: 3}
    recordables = ("V_m", "I_syn_ex", "I_syn_in")

    cdef double[::1] V_m, V_th, V_reset, I_e, i_ex, i_in, i_0, i_1
    cdef double[::1] P11ex, P11in, P22, P21ex, P21in, P20
    cdef int64_t[::1] r, ref_counts, gid

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.I_e = a["I_e"]; self.i_ex = a["I_syn_ex"]; self.i_in = a["I_syn_in"]
        self.i_0 = a["i_0"]; self.i_1 = a["i_1"]; self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, n = self.n
        a = self.arrays
        out = {k: np.empty(n) for k in ("P11ex", "P11in", "P22", "P21ex", "P21in", "P20")}
        cdef double[::1] p11e = out["P11ex"], p11i = out["P11in"], p22 = out["P22"]
        cdef double[::1] p21e = out["P21ex"], p21i = out["P21in"], p20 = out["P20"]
        cdef double[::1] te = a["tau_syn_ex"], ti = a["tau_syn_in"], tm = a["tau_m"], cm = a["C_m"]
        for i in range(n):
            p11e[i] = exp(-h / te[i])
            p11i[i] = exp(-h / ti[i])
            p22[i] = exp(-h / tm[i])
            p21e[i] = pnl_iaf_propagator(te[i], tm[i], cm[i], h).P32
            p21i[i] = pnl_iaf_propagator(ti[i], tm[i], cm[i], h).P32
            p20[i] = tm[i] / cm[i] * (1.0 - p22[i])
        self.P11ex = p11e; self.P11in = p11i; self.P22 = p22
        self.P21ex = p21e; self.P21in = p21i; self.P20 = p20
        self.ref_counts = engine.ms_to_steps(a["t_ref"])

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        # the array pointers are taken once, before the loops: every access to
        # a memoryview attribute of self costs a "not initialized" test and a
        # load of its data pointer, which GCC cannot move out of the loop
        # because pnl_register_push may call realloc.  The state lives in
        # locals within a step (one load and one store per variable); the
        # order of the floating-point operations is NEST's.
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double V, Iex, Iin, p11e
        cdef int64_t c
        if n == 0:
            return
        cdef double *V_m = &self.V_m[0]
        cdef double *i_ex = &self.i_ex[0]
        cdef double *i_in = &self.i_in[0]
        cdef double *i_0 = &self.i_0[0]
        cdef double *i_1 = &self.i_1[0]
        cdef int64_t *r = &self.r[0]
        cdef const double *P22 = &self.P22[0]
        cdef const double *P21ex = &self.P21ex[0]
        cdef const double *P21in = &self.P21in[0]
        cdef const double *P20 = &self.P20[0]
        cdef const double *P11ex = &self.P11ex[0]
        cdef const double *P11in = &self.P11in[0]
        cdef const double *I_e = &self.I_e[0]
        cdef const double *V_th = &self.V_th[0]
        cdef const double *V_reset = &self.V_reset[0]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 4
                V = V_m[i]
                Iex = i_ex[i]
                Iin = i_in[i]
                if r[i] == 0:
                    V = (V * P22[i] + Iex * P21ex[i] + Iin * P21in[i]
                         + (I_e[i] + i_0[i]) * P20[i])
                else:
                    r[i] -= 1
                p11e = P11ex[i]
                Iex *= p11e
                Iin *= P11in[i]
                Iex += (1.0 - p11e) * i_1[i]
                Iex += row[c]
                Iin += row[c + 1]
                if V >= V_th[i]:
                    r[i] = self.ref_counts[i]
                    V = V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = V
                i_ex[i] = Iex
                i_in[i] = Iin
                i_0[i] = row[c + 2]
                i_1[i] = row[c + 3]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0; row[c + 3] = 0.0


MODELS = {"iaf_psc_exp": IafPscExp}


cdef class IafPscExpHtum(NodeBlock):
    """iaf_psc_exp_htum -- iaf_psc_exp with an absolute and a total
    refractory period (Hill & Tononi 2005; Tsodyks et al. 2000).

    Equations as iaf_psc_exp.  After a spike V_m is clamped to V_reset for
    ``t_ref_abs``; until ``t_ref_tot`` has passed it integrates again but
    cannot spike (relative refractoriness as a threshold at infinity).

    Numerics: exact integration as iaf_psc_exp (NEST's order: V_m, PSC
    decay, the step's spikes, then the threshold test outside the total
    refractory period).  Both refractory periods must be at least one step
    (BadProperty at Simulate).

    Parameters: ``E_L`` -70 mV, ``C_m`` 250 pF, ``tau_m`` 10 ms,
    ``tau_syn_ex``/``tau_syn_in`` 2 ms, ``t_ref_abs`` 2 ms, ``t_ref_tot``
    2 ms (>= t_ref_abs), ``V_th`` -55 mV, ``V_reset`` -70 mV, ``I_e`` 0 pA.
    State ``V_m``, ``I_syn_ex``, ``I_syn_in``.

    As NEST 3.10, a multimeter records this model's V_m relative to E_L
    (GetStatus reports it absolute).

    References: Hill S, Tononi G (2005) J Neurophysiol 93:1671-1698.
    """
    threaded = True         # the update reads and writes its own nodes only
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 2.0,
                  "tau_syn_in": 2.0, "t_ref_abs": 2.0, "t_ref_tot": 2.0, "V_th": -55.0,
                  "V_reset": -70.0, "I_e": 0.0}
    state = {"V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0}
    internal = {"r_abs": 0, "r_tot": 0, "i_0": 0.0}
    relative = ("V_m", "V_th", "V_reset")
    strictly_positive = ("C_m", "tau_m", "tau_syn_ex", "tau_syn_in", "t_ref_abs", "t_ref_tot")
    ordered = (("V_reset", "V_th"),)
    n_channels = 3          # ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "I_syn_ex", "I_syn_in")

    cdef double[::1] V_m, V_th, V_reset, I_e, i_ex, i_in, i_0
    cdef double[::1] P11ex, P11in, P22, P21ex, P21in, P20
    cdef int64_t[::1] r_abs, r_tot, n_abs, n_tot, gid

    def sample(self, str name, idx):
        if name == "V_m":                       # NEST's recordable: relative to E_L
            return np.array(self.arrays["V_m"][idx], np.float64)
        return NodeBlock.sample(self, name, idx)

    def check(self, dict values):
        NodeBlock.check(self, values)
        if np.any(values["t_ref_abs"] > values["t_ref_tot"]):
            raise BadProperty(f"{self.model}: the total refractory period t_ref_tot must be "
                              "larger than or equal to the absolute one t_ref_abs")

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.I_e = a["I_e"]; self.i_ex = a["I_syn_ex"]; self.i_in = a["I_syn_in"]
        self.i_0 = a["i_0"]; self.r_abs = a["r_abs"]; self.r_tot = a["r_tot"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, n = self.n
        a = self.arrays
        te, ti, tm, cm = a["tau_syn_ex"], a["tau_syn_in"], a["tau_m"], a["C_m"]
        self.P11ex = np.exp(-h / te)
        self.P11in = np.exp(-h / ti)
        self.P22 = np.exp(-h / tm)
        self.P20 = tm / cm * (1.0 - np.asarray(self.P22))
        self.P21ex = np.array([pnl_iaf_propagator_exp(te[i], tm[i], cm[i], h) for i in range(n)])
        self.P21in = np.array([pnl_iaf_propagator_exp(ti[i], tm[i], cm[i], h) for i in range(n)])
        self.n_abs = engine.ms_to_steps(a["t_ref_abs"])
        self.n_tot = engine.ms_to_steps(a["t_ref_tot"])
        if n and (np.min(self.n_abs) < 1 or np.min(self.n_tot) < 1):
            raise BadProperty(f"{self.model}: the absolute and the total refractory time must "
                              "be at least one time step")

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double V
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                V = self.V_m[i]
                if self.r_abs[i] == 0:
                    V = (V * self.P22[i] + self.i_ex[i] * self.P21ex[i]
                         + self.i_in[i] * self.P21in[i] + (self.I_e[i] + self.i_0[i]) * self.P20[i])
                else:
                    self.r_abs[i] -= 1
                self.i_ex[i] = self.i_ex[i] * self.P11ex[i] + row[i * 3]
                self.i_in[i] = self.i_in[i] * self.P11in[i] + row[i * 3 + 1]
                if self.r_tot[i] == 0:
                    if V >= self.V_th[i]:
                        self.r_abs[i] = self.n_abs[i]
                        self.r_tot[i] = self.n_tot[i]
                        V = self.V_reset[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.r_tot[i] -= 1
                self.V_m[i] = V
                self.i_0[i] = row[i * 3 + 2]
                row[i * 3] = 0.0; row[i * 3 + 1] = 0.0; row[i * 3 + 2] = 0.0


MODELS["iaf_psc_exp_htum"] = IafPscExpHtum


cdef class Mat2PscExp(NodeBlock):
    """mat2_psc_exp -- non-resetting leaky integrate-and-fire neuron with a
    multi-timescale adaptive threshold (MAT(2), Kobayashi et al. 2009).

    Equations
    ---------
        dV_m/dt = -(V_m - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_0)/C_m
        V_th(t) = omega + H_1 + H_2,   dH_j/dt = -H_j/tau_j
    exponential PSCs as iaf_psc_exp.  When V_m >= V_th outside the
    refractory period t_ref: a spike, H_1 += alpha_1, H_2 += alpha_2; V_m is
    not reset.

    Numerics: exact integration as NEST (V_m with expm1 propagators, the
    thresholds decay, then the PSCs and the step's spikes, then the
    threshold test), in NEST's arithmetic.

    Parameters: ``E_L`` -70 mV, ``C_m`` 100 pF, ``tau_m`` 5 ms,
    ``tau_syn_ex`` 1 ms, ``tau_syn_in`` 3 ms, ``t_ref`` 2 ms, ``tau_1``
    10 ms, ``tau_2`` 200 ms, ``alpha_1`` 37 mV, ``alpha_2`` 2 mV, ``omega``
    -51 mV (resting threshold), ``I_e`` 0 pA.  State ``V_m``,
    ``V_th_alpha_1``, ``V_th_alpha_2`` (H_1, H_2); read only ``V_th``.
    Recordables ``V_m``, ``V_th``.

    References: Kobayashi R, Tsubo Y, Shinomoto S (2009) Front Comput
    Neurosci 3:9.
    """
    parameters = {"E_L": -70.0, "C_m": 100.0, "tau_m": 5.0, "tau_syn_ex": 1.0,
                  "tau_syn_in": 3.0, "t_ref": 2.0, "tau_1": 10.0, "tau_2": 200.0,
                  "alpha_1": 37.0, "alpha_2": 2.0, "omega": -51.0, "I_e": 0.0}
    state = {"V_m": -70.0, "V_th": -51.0, "V_th_alpha_1": 0.0, "V_th_alpha_2": 0.0}
    threaded = True         # the update reads and writes its own nodes only
    read_only = ("V_th",)
    internal = {"r": 0, "i_0": 0.0, "i_ex": 0.0, "i_in": 0.0}
    relative = ("V_m", "omega")
    strictly_positive = ("C_m", "tau_m", "tau_syn_ex", "tau_syn_in", "t_ref", "tau_1", "tau_2")
    n_channels = 3          # ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "V_th")

    cdef double[::1] V_m, omega, I_e, i_ex, i_in, i_0, H1, H2, alpha_1, alpha_2
    cdef double[::1] P11ex, P11in, P22_expm1, P21ex, P21in, P20, P11th, P22th
    cdef int64_t[::1] r, ref_counts, gid

    def check(self, dict values):
        NodeBlock.check(self, values)
        tm = values["tau_m"]
        if np.any((tm == values["tau_syn_ex"]) | (tm == values["tau_syn_in"])):
            raise BadProperty(f"{self.model}: membrane and synapse time constant(s) must "
                              "differ")

    def get(self, str name, idx):
        if name == "V_th":
            a = self.arrays
            return (a["E_L"][idx] + a["omega"][idx] + a["V_th_alpha_1"][idx]
                    + a["V_th_alpha_2"][idx])
        return NodeBlock.get(self, name, idx)

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.omega = a["omega"]; self.I_e = a["I_e"]
        self.i_ex = a["i_ex"]; self.i_in = a["i_in"]; self.i_0 = a["i_0"]
        self.H1 = a["V_th_alpha_1"]; self.H2 = a["V_th_alpha_2"]
        self.alpha_1 = a["alpha_1"]; self.alpha_2 = a["alpha_2"]; self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, n = self.n
        a = self.arrays
        te, ti, tm, cm = a["tau_syn_ex"], a["tau_syn_in"], a["tau_m"], a["C_m"]
        p11e = np.exp(-h / te); p11i = np.exp(-h / ti)
        p22 = np.array([pnl_expm1(-h / tm[i]) for i in range(n)])
        self.P21ex = np.array([-tm[i] / (cm[i] * (1.0 - tm[i] / te[i])) * p11e[i]
                               * pnl_expm1(h * (1.0 / te[i] - 1.0 / tm[i])) for i in range(n)])
        self.P21in = np.array([-tm[i] / (cm[i] * (1.0 - tm[i] / ti[i])) * p11i[i]
                               * pnl_expm1(h * (1.0 / ti[i] - 1.0 / tm[i])) for i in range(n)])
        self.P20 = np.array([-tm[i] / cm[i] * p22[i] for i in range(n)])
        self.P11ex = p11e; self.P11in = p11i; self.P22_expm1 = p22
        self.P11th = np.exp(-h / a["tau_1"]); self.P22th = np.exp(-h / a["tau_2"])
        self.ref_counts = engine.ms_to_steps(a["t_ref"])

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double V
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                V = self.V_m[i]
                V = (V * self.P22_expm1[i] + V + self.i_ex[i] * self.P21ex[i]
                     + self.i_in[i] * self.P21in[i] + (self.I_e[i] + self.i_0[i]) * self.P20[i])
                self.H1[i] *= self.P11th[i]
                self.H2[i] *= self.P22th[i]
                self.i_ex[i] = self.i_ex[i] * self.P11ex[i] + row[i * 3]
                self.i_in[i] = self.i_in[i] * self.P11in[i] + row[i * 3 + 1]
                if self.r[i] == 0:
                    if V >= self.omega[i] + self.H2[i] + self.H1[i]:
                        self.r[i] = self.ref_counts[i]
                        self.H1[i] += self.alpha_1[i]
                        self.H2[i] += self.alpha_2[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.r[i] -= 1
                self.V_m[i] = V
                self.i_0[i] = row[i * 3 + 2]
                row[i * 3] = 0.0; row[i * 3 + 1] = 0.0; row[i * 3 + 2] = 0.0


MODELS["mat2_psc_exp"] = Mat2PscExp


cdef class Amat2PscExp(Mat2PscExp):
    """amat2_psc_exp -- mat2_psc_exp with a voltage-dependent threshold
    component (augmented MAT, Yamauchi et al. 2011).

    Equations as mat2_psc_exp, with V_th = omega + H_1 + H_2 + H_v where
        d^2 H_v/dt^2 = -2/tau_v dH_v/dt - H_v/tau_v^2 + beta/tau_v dV_m/dt
    (H_v: ``V_th_v``, driven by the membrane's rate of change, scaled by
    ``beta``, 0 by default).

    Numerics: exact integration as NEST (its closed-form propagators P60 ...
    P77 in its arithmetic); the order of the state updates is NEST's: H_v,
    dH_v, V_m, the adaptive thresholds, the PSCs and the step's spikes, then
    the threshold test.

    Parameters: ``E_L`` -70 mV, ``C_m`` 200 pF, ``tau_m`` 10 ms,
    ``tau_syn_ex`` 1 ms, ``tau_syn_in`` 3 ms, ``t_ref`` 2 ms, ``tau_1`` 10 ms,
    ``tau_2`` 200 ms, ``alpha_1`` 10 mV, ``alpha_2`` 0 mV, ``beta`` 0,
    ``tau_v`` 5 ms, ``omega`` -65 mV, ``I_e`` 0 pA; tau_m, tau_syn_ex,
    tau_syn_in and tau_v must differ.  State ``V_m``, ``V_th_alpha_1``,
    ``V_th_alpha_2``, ``V_th_v``; read only ``V_th``.  Recordables ``V_m``,
    ``V_th``, ``V_th_v``, ``I_syn_ex``, ``I_syn_in``.

    References: Yamauchi S, Kim H, Shinomoto S (2011) Front Comput Neurosci
    5:42.
    """
    threaded = True         # the update reads and writes its own nodes only
    parameters = {"E_L": -70.0, "C_m": 200.0, "tau_m": 10.0, "tau_syn_ex": 1.0,
                  "tau_syn_in": 3.0, "t_ref": 2.0, "tau_1": 10.0, "tau_2": 200.0,
                  "alpha_1": 10.0, "alpha_2": 0.0, "beta": 0.0, "tau_v": 5.0, "omega": -65.0,
                  "I_e": 0.0}
    state = {"V_m": -70.0, "V_th": -65.0, "V_th_alpha_1": 0.0, "V_th_alpha_2": 0.0,
             "V_th_v": 0.0, "I_syn_ex": 0.0, "I_syn_in": 0.0}
    read_only = ("V_th", "I_syn_ex", "I_syn_in")
    internal = {"r": 0, "i_0": 0.0, "i_ex": 0.0, "i_in": 0.0, "V_th_dv": 0.0}
    strictly_positive = Mat2PscExp.strictly_positive + ("tau_v",)
    recordables = ("V_m", "V_th", "V_th_v", "I_syn_ex", "I_syn_in")

    cdef double[::1] Hv, dHv
    cdef double[::1] P30, P31, P32, P33, P44, P55, P60, P61, P62, P63, P66
    cdef double[::1] P70, P71, P72, P73, P76, P77

    def check(self, dict values):
        Mat2PscExp.check(self, values)
        tv = values["tau_v"]
        if np.any((tv == values["tau_m"]) | (tv == values["tau_syn_ex"])
                  | (tv == values["tau_syn_in"])):
            raise BadProperty(f"{self.model}: tau_v must differ from tau_m, tau_syn_ex and "
                              "tau_syn_in")

    def get(self, str name, idx):
        a = self.arrays
        if name == "V_th":
            return (a["E_L"][idx] + a["omega"][idx] + a["V_th_alpha_1"][idx]
                    + a["V_th_alpha_2"][idx] + a["V_th_v"][idx])
        if name == "I_syn_ex":
            return np.array(a["i_ex"][idx], np.float64)
        if name == "I_syn_in":
            return np.array(a["i_in"][idx], np.float64)
        return Mat2PscExp.get(self, name, idx)

    def bind(self):
        Mat2PscExp.bind(self)
        self.Hv = self.arrays["V_th_v"]
        self.dHv = self.arrays["V_th_dv"]

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, n = self.n
        cdef double c, beta, taum, tauE, tauI, tauV, eE, eI, em, eV
        a = self.arrays
        names = ("P11ex", "P11in", "P30", "P31", "P32", "P33", "P44", "P55", "P60", "P61",
                 "P62", "P63", "P66", "P70", "P71", "P72", "P73", "P76", "P77")
        P = {k: np.empty(n) for k in names}
        for i in range(n):
            c = a["C_m"][i]; beta = a["beta"][i]; taum = a["tau_m"][i]
            tauE = a["tau_syn_ex"][i]; tauI = a["tau_syn_in"][i]; tauV = a["tau_v"][i]
            eE = exp(-h / tauE); eI = exp(-h / tauI); em = exp(-h / taum)
            eV = exp(-h / tauV)
            P["P11ex"][i] = eE; P["P11in"][i] = eI; P["P33"][i] = em
            P["P44"][i] = exp(-h / a["tau_1"][i]); P["P55"][i] = exp(-h / a["tau_2"][i])
            P["P66"][i] = eV; P["P77"][i] = eV
            P["P30"][i] = (taum - em * taum) / c
            P["P31"][i] = ((eE - em) * tauE * taum) / (c * (tauE - taum))
            P["P32"][i] = ((eI - em) * tauI * taum) / (c * (tauI - taum))
            P["P60"][i] = (beta * (em - eV) * taum * tauV) / (c * (taum - tauV))
            P["P61"][i] = (beta * tauE * taum * tauV * (eV * (-tauE + taum) + em * (tauE - tauV)
                                                       + eE * (-taum + tauV))) \
                / (c * (tauE - taum) * (tauE - tauV) * (taum - tauV))
            P["P62"][i] = (beta * tauI * taum * tauV * (eV * (-tauI + taum) + em * (tauI - tauV)
                                                       + eI * (-taum + tauV))) \
                / (c * (tauI - taum) * (tauI - tauV) * (taum - tauV))
            P["P63"][i] = (beta * (-em + eV) * tauV) / (taum - tauV)
            P["P70"][i] = (beta * taum * tauV * (em * taum * tauV
                                                 - eV * (h * (taum - tauV) + taum * tauV))) \
                / (c * pow(taum - tauV, 2))
            P["P71"][i] = (beta * tauE * taum * tauV
                           * ((em * taum * pow(tauE - tauV, 2)
                               - eE * tauE * pow(taum - tauV, 2)) * tauV
                              - eV * (tauE - taum)
                              * (h * (tauE - tauV) * (taum - tauV) + tauE * taum * tauV
                                 - pow(tauV, 3)))) \
                / (c * (tauE - taum) * pow(tauE - tauV, 2) * pow(taum - tauV, 2))
            P["P72"][i] = (beta * tauI * taum * tauV
                           * ((em * taum * pow(tauI - tauV, 2)
                               - eI * tauI * pow(taum - tauV, 2)) * tauV
                              - eV * (tauI - taum)
                              * (h * (tauI - tauV) * (taum - tauV) + tauI * taum * tauV
                                 - pow(tauV, 3)))) \
                / (c * (tauI - taum) * pow(tauI - tauV, 2) * pow(taum - tauV, 2))
            P["P73"][i] = (beta * tauV * (-(em * taum * tauV)
                                          + eV * (h * (taum - tauV) + taum * tauV))) \
                / pow(taum - tauV, 2)
            P["P76"][i] = eV * h
        self.P11ex = P["P11ex"]; self.P11in = P["P11in"]
        self.P30 = P["P30"]; self.P31 = P["P31"]; self.P32 = P["P32"]; self.P33 = P["P33"]
        self.P44 = P["P44"]; self.P55 = P["P55"]; self.P60 = P["P60"]; self.P61 = P["P61"]
        self.P62 = P["P62"]; self.P63 = P["P63"]; self.P66 = P["P66"]; self.P70 = P["P70"]
        self.P71 = P["P71"]; self.P72 = P["P72"]; self.P73 = P["P73"]; self.P76 = P["P76"]
        self.P77 = P["P77"]
        self.ref_counts = engine.ms_to_steps(a["t_ref"])

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double I, V
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                I = self.I_e[i] + self.i_0[i]
                V = self.V_m[i]
                self.Hv[i] = (I * self.P70[i] + self.i_ex[i] * self.P71[i]
                              + self.i_in[i] * self.P72[i] + V * self.P73[i]
                              + self.dHv[i] * self.P76[i] + self.Hv[i] * self.P77[i])
                self.dHv[i] = (I * self.P60[i] + self.i_ex[i] * self.P61[i]
                               + self.i_in[i] * self.P62[i] + V * self.P63[i]
                               + self.dHv[i] * self.P66[i])
                V = (I * self.P30[i] + self.i_ex[i] * self.P31[i] + self.i_in[i] * self.P32[i]
                     + V * self.P33[i])
                self.H1[i] *= self.P44[i]
                self.H2[i] *= self.P55[i]
                self.i_ex[i] = self.i_ex[i] * self.P11ex[i] + row[i * 3]
                self.i_in[i] = self.i_in[i] * self.P11in[i] + row[i * 3 + 1]
                if self.r[i] == 0:
                    if V >= self.omega[i] + self.H2[i] + self.H1[i] + self.Hv[i]:
                        self.r[i] = self.ref_counts[i]
                        self.H1[i] += self.alpha_1[i]
                        self.H2[i] += self.alpha_2[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.r[i] -= 1
                self.V_m[i] = V
                self.i_0[i] = row[i * 3 + 2]
                row[i * 3] = 0.0; row[i * 3 + 1] = 0.0; row[i * 3 + 2] = 0.0


MODELS["amat2_psc_exp"] = Amat2PscExp
