# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_psc_delta -- leaky integrate-and-fire neuron with delta-shaped PSCs.

Equations
---------
    dV_m/dt = -(V_m - E_L)/tau_m + (I_e + I_stim(t))/C_m + sum_k w_k delta(t - t_k)

An incoming spike of weight w (mV) makes V_m jump by w.  When V_m >= V_th the
neuron emits a spike, V_m is set to V_reset and clamped there for t_ref; spikes
arriving while refractory are dropped unless ``refractory_input`` is true, in
which case they are added, decayed by exp(-r h/tau_m), when the refractory
period ends.  V_m is bounded below by V_min.

Numerics
--------
Exact integration (Rotter & Diesmann 1999) on the grid h, as NEST:
    y3 <- P30 (y0 + I_e) + P33 y3 + spikes(t),  P33 = exp(-h/tau_m),
    P30 = (1 - P33) tau_m / C_m,
with y3 = V_m - E_L and y0 the current that arrived in the previous step (a
dc_generator acts one step after its delivery, as in NEST).  t_ref is
rounded up to whole steps.

Parameters
----------
    ``E_L``               -70 mV    resting potential
    ``C_m``               250 pF    membrane capacitance
    ``tau_m``             10 ms     membrane time constant
    ``t_ref``             2 ms      absolute refractory period
    ``V_th``              -55 mV    spike threshold
    ``V_reset``           -70 mV    reset potential
    ``V_min``             -inf mV   lower bound of V_m
    ``I_e``               0 pA      constant input current
    ``refractory_input``  False     keep spikes arriving while refractory

State: ``V_m`` (mV, default -70).  Receives spikes (receptor 0) and currents
(receptor 0); sends spikes.  Recordables: V_m.

References: Rotter S, Diesmann M (1999) Biol Cybern 81:381-402.
See also: iaf_psc_exp, iaf_psc_alpha.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, INFINITY
from libc.stdint cimport int64_t, uint8_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row

cnp.import_array()


cdef class IafPscDelta(NodeBlock):
    __doc__ = __doc__
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0,
                  "V_th": -55.0, "V_reset": -70.0, "V_min": -INFINITY, "I_e": 0.0,
                  "refractory_input": False}
    state = {"V_m": -70.0}
    internal = {"r": 0, "y0": 0.0, "refr_spikes": 0.0}
    relative = ("V_m", "V_th", "V_reset", "V_min")
    strictly_positive = ("C_m", "tau_m")
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 2
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("V_m",)

    cdef double[::1] V_m, V_th, V_reset, V_min, I_e, y0, refr, P30, P33, tau_m
    cdef int64_t[::1] r, ref_counts, gid
    cdef uint8_t[::1] refr_input

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.V_min = a["V_min"]; self.I_e = a["I_e"]; self.y0 = a["y0"]
        self.refr = a["refr_spikes"]; self.r = a["r"]; self.refr_input = a["refractory_input"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i
        a = self.arrays
        P33 = np.empty(self.n); P30 = np.empty(self.n)
        cdef double[::1] p33 = P33, p30 = P30, tau = a["tau_m"], c_m = a["C_m"]
        for i in range(self.n):
            p33[i] = exp(-h / tau[i])
            p30[i] = 1 / c_m[i] * (1 - p33[i]) * tau[i]
        self.P33 = P33; self.P30 = P30
        self.tau_m = a["tau_m"]
        self.ref_counts = engine.ms_to_steps(a["t_ref"])

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        # the array pointers are taken once, before the loops: every access to
        # a memoryview attribute of self costs a "not initialized" test and a
        # load of its data pointer, which GCC cannot move out of the loop
        # because pnl_register_push may call realloc.  V_m lives in a local
        # within a step (one load and one store); the order of the
        # floating-point operations is NEST's.
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double spikes, y3, V, h = ctx.h
        cdef int64_t c, nch = 2
        if n == 0:
            return
        cdef double *V_m = &self.V_m[0]
        cdef double *y0 = &self.y0[0]
        cdef double *refr = &self.refr[0]
        cdef int64_t *r = &self.r[0]
        cdef const uint8_t *refr_input = &self.refr_input[0]
        cdef const double *P30 = &self.P30[0]
        cdef const double *P33 = &self.P33[0]
        cdef const double *I_e = &self.I_e[0]
        cdef const double *V_min = &self.V_min[0]
        cdef const double *V_th = &self.V_th[0]
        cdef const double *V_reset = &self.V_reset[0]
        cdef const double *tau_m = &self.tau_m[0]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                c = i * nch
                spikes = row[c]
                row[c] = 0.0
                V = V_m[i]
                if r[i] == 0:
                    y3 = P30[i] * (y0[i] + I_e[i]) + P33[i] * V + spikes
                    if refr_input[i] and refr[i] != 0.0:
                        y3 += refr[i]
                        refr[i] = 0.0
                    if y3 < V_min[i]:
                        y3 = V_min[i]
                    V = y3
                else:
                    if refr_input[i]:
                        refr[i] += spikes * exp(-r[i] * h / tau_m[i])
                    r[i] -= 1
                if V >= V_th[i]:
                    r[i] = self.ref_counts[i]
                    V = V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = V
                y0[i] = row[c + 1]
                row[c + 1] = 0.0


MODELS = {"iaf_psc_delta": IafPscDelta}
