# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_psc_alpha -- leaky integrate-and-fire neuron with alpha-shaped PSCs.

Equations
---------
    dV_m/dt = -(V_m - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_stim)/C_m
    I_syn_X(t) = sum_k w_k (e/tau_syn_X) (t - t_k) exp(-(t - t_k)/tau_syn_X)

An incoming spike of weight w (pA) gives a PSC peaking at w after tau_syn;
w >= 0 excitatory, w < 0 inhibitory.  Threshold V_th, reset V_reset,
refractory t_ref, lower bound V_min.

Numerics
--------
Exact integration as NEST: PSC state (dI, I) with P11 = P22 = exp(-h/tau_syn),
P21 = h P11; membrane y3 = V_m - E_L with
    y3 <- P30 (y0 + I_e) + P31 dI + P32 I + expm1(-h/tau_m) y3 + y3,
P30 = -tau_m/C_m expm1(-h/tau_m), P31/P32 from propagators.h (NEST's
IAFPropagatorAlpha including the tau_m == tau_syn limit), expm1 as NEST's
released builds compute it (pnl_expm1, its series).  A spike adds w
e/tau_syn to dI in the step it arrives.

Parameters
----------
    ``E_L``         -70 mV   resting potential
    ``C_m``         250 pF   membrane capacitance
    ``tau_m``       10 ms    membrane time constant
    ``tau_syn_ex``  2 ms     excitatory rise time
    ``tau_syn_in``  2 ms     inhibitory rise time
    ``t_ref``       2 ms     absolute refractory period
    ``V_th``        -55 mV   spike threshold
    ``V_reset``     -70 mV   reset potential
    ``V_min``       -inf mV  lower bound of V_m
    ``I_e``         0 pA     constant input current

State: ``V_m``, ``I_syn_ex``, ``I_syn_in``.  Receives spikes (receptor 0)
and currents (receptor 0); sends spikes.

References: Rotter S, Diesmann M (1999) Biol Cybern 81:381-402.
See also: iaf_psc_exp, iaf_psc_delta.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, INFINITY, M_E
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.models.propagators cimport pnl_psc_propagator, pnl_iaf_propagator, pnl_expm1

cnp.import_array()



cdef class IafPscAlpha(NodeBlock):
    __doc__ = __doc__
    # pre_run reads only parameters and the time base: the kernel skips it
    # while neither changed since the last one
    pre_run_pure = True
    threaded = True         # the update reads and writes its own nodes only
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 2.0,
                  "tau_syn_in": 2.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0,
                  "V_min": -INFINITY, "I_e": 0.0}
    state = {"V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0}
    internal = {"r": 0, "y0": 0.0, "dI_ex": 0.0, "dI_in": 0.0}
    relative = ("V_m", "V_th", "V_reset", "V_min")
    strictly_positive = ("C_m", "tau_m", "tau_syn_ex", "tau_syn_in")
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 3          # ex, in, I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "I_syn_ex", "I_syn_in")

    cdef double[::1] V_m, V_th, V_reset, V_min, I_e, I_ex, I_in, dI_ex, dI_in, y0
    cdef double[::1] P11ex, P11in, P21ex, P21in, P30, P31ex, P32ex, P31in, P32in, expm1_tau_m
    cdef double[::1] epsc0, ipsc0
    cdef int64_t[::1] r, ref_counts, gid

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.V_min = a["V_min"]; self.I_e = a["I_e"]; self.I_ex = a["I_syn_ex"]
        self.I_in = a["I_syn_in"]; self.dI_ex = a["dI_ex"]; self.dI_in = a["dI_in"]
        self.y0 = a["y0"]; self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, n = self.n
        cdef pnl_psc_propagator pe, pi
        a = self.arrays
        names = ("P11ex", "P11in", "P21ex", "P21in", "P30", "P31ex", "P32ex", "P31in",
                 "P32in", "expm1_tau_m", "epsc0", "ipsc0")
        out = {k: np.empty(n) for k in names}
        cdef double[::1] p11e = out["P11ex"], p11i = out["P11in"], p21e = out["P21ex"]
        cdef double[::1] p21i = out["P21in"], p30 = out["P30"], p31e = out["P31ex"]
        cdef double[::1] p32e = out["P32ex"], p31i = out["P31in"], p32i = out["P32in"]
        cdef double[::1] em1 = out["expm1_tau_m"], e0 = out["epsc0"], i0 = out["ipsc0"]
        cdef double[::1] te = a["tau_syn_ex"], ti = a["tau_syn_in"], tm = a["tau_m"], cm = a["C_m"]
        for i in range(n):
            p11e[i] = exp(-h / te[i])
            p11i[i] = exp(-h / ti[i])
            em1[i] = pnl_expm1(-h / tm[i])
            p30[i] = -tm[i] / cm[i] * pnl_expm1(-h / tm[i])
            p21e[i] = h * p11e[i]
            p21i[i] = h * p11i[i]
            pe = pnl_iaf_propagator(te[i], tm[i], cm[i], h)
            pi = pnl_iaf_propagator(ti[i], tm[i], cm[i], h)
            p31e[i] = pe.P31; p32e[i] = pe.P32
            p31i[i] = pi.P31; p32i[i] = pi.P32
            e0[i] = 1.0 * M_E / te[i]
            i0[i] = 1.0 * M_E / ti[i]
        self.P11ex = p11e; self.P11in = p11i; self.P21ex = p21e; self.P21in = p21i
        self.P30 = p30; self.P31ex = p31e; self.P32ex = p32e; self.P31in = p31i
        self.P32in = p32i; self.expm1_tau_m = em1; self.epsc0 = e0; self.ipsc0 = i0
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
        cdef double y3, V, Iex, Iin, dIex, dIin, p11e, p11i
        cdef int64_t c
        if n == 0:
            return
        cdef double *V_m = &self.V_m[0]
        cdef double *I_ex = &self.I_ex[0]
        cdef double *I_in = &self.I_in[0]
        cdef double *dI_ex = &self.dI_ex[0]
        cdef double *dI_in = &self.dI_in[0]
        cdef double *y0 = &self.y0[0]
        cdef int64_t *r = &self.r[0]
        cdef const double *P30 = &self.P30[0]
        cdef const double *P31ex = &self.P31ex[0]
        cdef const double *P32ex = &self.P32ex[0]
        cdef const double *P31in = &self.P31in[0]
        cdef const double *P32in = &self.P32in[0]
        cdef const double *P11ex = &self.P11ex[0]
        cdef const double *P11in = &self.P11in[0]
        cdef const double *P21ex = &self.P21ex[0]
        cdef const double *P21in = &self.P21in[0]
        cdef const double *em1 = &self.expm1_tau_m[0]
        cdef const double *epsc0 = &self.epsc0[0]
        cdef const double *ipsc0 = &self.ipsc0[0]
        cdef const double *I_e = &self.I_e[0]
        cdef const double *V_min = &self.V_min[0]
        cdef const double *V_th = &self.V_th[0]
        cdef const double *V_reset = &self.V_reset[0]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 3
                V = V_m[i]
                Iex = I_ex[i]
                Iin = I_in[i]
                dIex = dI_ex[i]
                dIin = dI_in[i]
                if r[i] == 0:
                    y3 = (P30[i] * (y0[i] + I_e[i]) + P31ex[i] * dIex
                          + P32ex[i] * Iex + P31in[i] * dIin
                          + P32in[i] * Iin + em1[i] * V + V)
                    if y3 < V_min[i]:
                        y3 = V_min[i]
                    V = y3
                else:
                    r[i] -= 1
                p11e = P11ex[i]
                p11i = P11in[i]
                Iex = P21ex[i] * dIex + p11e * Iex
                dIex *= p11e
                dIex += epsc0[i] * row[c]
                Iin = P21in[i] * dIin + p11i * Iin
                dIin *= p11i
                dIin += ipsc0[i] * row[c + 1]
                if V >= V_th[i]:
                    r[i] = self.ref_counts[i]
                    V = V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = V
                I_ex[i] = Iex
                I_in[i] = Iin
                dI_ex[i] = dIex
                dI_in[i] = dIin
                y0[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


MODELS = {"iaf_psc_alpha": IafPscAlpha}
