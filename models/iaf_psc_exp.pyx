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
from libc.math cimport exp
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.models.propagators cimport (pnl_expm1, pnl_psc_propagator, pnl_iaf_propagator,
                                           pnl_iaf_propagator_exp)
from pynestlite.errors import BadProperty

cnp.import_array()


cdef class IafPscExp(NodeBlock):
    __doc__ = __doc__
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
            for i in range(n):
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
            for i in range(n):
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
            for i in range(n):
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
