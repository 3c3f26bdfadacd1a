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
    ``ignore_and_spike``           False  spike at a fixed schedule, not at V_th
    ``ignore_and_spike_offset``    1 ms   first forced spike after (re)setting it
    ``ignore_and_spike_interval``  100 ms between forced spikes

With ``ignore_and_spike`` (NEST's ignore-and-spike mechanism) the neuron
spikes exactly at the offset (rounded up to steps) after Create or the
latest setting of the offset and every interval after that, and never at
V_th; reset and refractoriness follow each forced spike as usual.

State: ``V_m`` (mV, default -70).  Receives spikes (receptor 0) and currents
(receptor 0); sends spikes.  Recordables: V_m.

References: Rotter S, Diesmann M (1999) Biol Cybern 81:381-402.
See also: iaf_psc_exp, iaf_psc_alpha.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, floor, INFINITY
from libc.stdint cimport int64_t, uint8_t, uint64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.random_streams cimport (
    pnl_key, pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, pnl_poisson,
    pnl_exponential, PURPOSE_NEURON)
from pynestlite.models.propagators cimport pnl_expm1
from pynestlite.models.ignore_and_spike cimport forced_threshold
from pynestlite.kernel.nodebase import (
    IGNORE_AND_SPIKE_PARAMETERS, IGNORE_AND_SPIKE_INTERNAL, IGNORE_AND_SPIKE_POSITIVE,
    ignore_and_spike_steps, ignore_and_spike_set)
from pynestlite.errors import BadProperty

cnp.import_array()


cdef class IafPscDelta(NodeBlock):
    __doc__ = __doc__
    # pre_run reads only parameters and the time base: the kernel skips it
    # while neither changed since the last one
    pre_run_pure = True
    threaded = True         # the update reads and writes its own nodes only
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0,
                  "V_th": -55.0, "V_reset": -70.0, "V_min": -INFINITY, "I_e": 0.0,
                  "refractory_input": False, **IGNORE_AND_SPIKE_PARAMETERS}
    state = {"V_m": -70.0}
    internal = {"r": 0, "y0": 0.0, "refr_spikes": 0.0, **IGNORE_AND_SPIKE_INTERNAL}
    relative = ("V_m", "V_th", "V_reset", "V_min")
    strictly_positive = ("C_m", "tau_m") + IGNORE_AND_SPIKE_POSITIVE
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 2
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("V_m",)

    cdef double[::1] V_m, V_th, V_reset, V_min, I_e, y0, refr, P30, P33, tau_m
    cdef int64_t[::1] r, ref_counts, gid, until_spike, spike_steps
    cdef uint8_t[::1] refr_input, ignore_spike
    cdef int64_t[::1] ignoring      # nodes with ignore_and_spike
    cdef double[::1] thr            # threshold the update compares with (V_th, or
                                    # -inf/+inf for ignoring nodes)

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.V_min = a["V_min"]; self.I_e = a["I_e"]; self.y0 = a["y0"]
        self.refr = a["refr_spikes"]; self.r = a["r"]; self.refr_input = a["refractory_input"]
        self.gid = self.gids
        self.until_spike = a["until_spike"]; self.ignore_spike = a["ignore_and_spike"]

    def after_set(self, idx, new):
        ignore_and_spike_set(self, idx, new)

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
        self.spike_steps = ignore_and_spike_steps(self, engine)
        self.ignoring = np.flatnonzero(a["ignore_and_spike"]).astype(np.int64)
        thr = np.array(a["V_th"], np.float64)
        thr[self.ignoring] = INFINITY
        self.thr = thr

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
        cdef const double *V_reset = &self.V_reset[0]
        cdef const double *tau_m = &self.tau_m[0]
        cdef int64_t *until = &self.until_spike[0]
        cdef const int64_t *spike_steps = &self.spike_steps[0]
        cdef double *thr = &self.thr[0]
        cdef Py_ssize_t j, n_ign = self.ignoring.shape[0]
        cdef const int64_t *ign = &self.ignoring[0] if n_ign else NULL
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            # ignore-and-spike: the nodes that ignore their threshold get
            # -inf in the step they must spike, +inf otherwise
            for j in range(n_ign):
                if ctx.lo <= ign[j] < ctx.hi:
                    thr[ign[j]] = forced_threshold(&until[ign[j]], spike_steps[ign[j]])
            for i in range(ctx.lo, ctx.hi):
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
                if V >= thr[i]:
                    r[i] = self.ref_counts[i]
                    V = V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = V
                y0[i] = row[c + 1]
                row[c + 1] = 0.0


MODELS = {"iaf_psc_delta": IafPscDelta}


cdef class PpPscDelta(NodeBlock):
    """pp_psc_delta -- point-process neuron with leaky integration of
    delta-shaped input currents and adaptation (Cardanobile & Rotter 2010).

    Equations
    ---------
        dV_m/dt = -V_m/tau_m + (I_e + I_0)/C_m + sum_k w_k delta(t - t_k)
        E_sfa = sum_j H_j,  dH_j/dt = -H_j/tau_sfa[j],  H_j += q_sfa[j] at a spike
        rate(t) = c_1 V' + c_2 exp(c_3 V'),   V' = V_m - E_sfa   (spikes/s)

    Outside the dead time, a step of length h emits a spike with
    probability 1 - exp(-rate h) if ``dead_time`` > 0, else a Poisson
    number of spikes of mean rate h (sent as one event with that
    multiplicity).  After a spike the dead time is ``dead_time`` (at least
    one step), or, with ``dead_time_random``, Gamma(``dead_time_shape``)
    distributed with mean ``dead_time``; with ``with_reset`` V_m is set to 0.
    V_m is relative to rest (no E_L).

    Numerics: exact integration on the grid, NEST's order (V_m takes the
    step's input spikes at once, the adaptation decays, then the spike
    draw).  Draws come from the stream keyed by (rng_seed, PURPOSE_NEURON,
    node id) at counter (step, draw), so spikes do not depend on the number
    of ranks (the realisation differs from NEST's).  ``tau_sfa`` and
    ``q_sfa`` may be numbers or equal-length lists (NEST reports them as
    they were set); changing them, or the state, clears the adaptation.

    Parameters: ``tau_m`` 10 ms, ``C_m`` 250 pF, ``dead_time`` 1 ms,
    ``dead_time_random`` False, ``dead_time_shape`` 1, ``with_reset`` True,
    ``tau_sfa`` [] ms, ``q_sfa`` [] mV, ``c_1`` 0 Hz/mV, ``c_2`` 1.238 Hz,
    ``c_3`` 0.25 1/mV, ``I_e`` 0 pA, ``t_ref_remaining`` 0 ms (dead time at
    the start).  State ``V_m`` (mV), ``E_sfa`` (mV).

    References: Cardanobile S, Rotter S (2010) J Comput Neurosci 28:267-284.
    """
    parameters = {"tau_m": 10.0, "C_m": 250.0, "dead_time": 1.0, "dead_time_random": False,
                  "dead_time_shape": 1, "with_reset": True, "tau_sfa": (), "q_sfa": (),
                  "c_1": 0.0, "c_2": 1.238, "c_3": 0.25, "I_e": 0.0, "t_ref_remaining": 0.0}
    state = {"V_m": 0.0, "E_sfa": 0.0}
    internal = {"r": -1, "y0": 0.0, "multi": True}
    strictly_positive = ("C_m", "tau_m")
    non_negative = ("dead_time", "t_ref_remaining", "c_3")
    n_channels = 2          # spikes (signed), I0
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("V_m", "E_sfa")
    # the update reads and writes its own nodes only (the draws are keyed by
    # the node and the step)
    threaded = True

    cdef double[::1] V_m, E_sfa, y0, I_e, c_1, c_2, c_3, P33, P30, dt_mean
    cdef unsigned char[::1] random_dt, reset
    cdef int64_t[::1] r, dt_steps, shape, gid, nq
    cdef double[:, ::1] Q, Q33, q_sfa
    cdef double tics_per_ms
    cdef int64_t tics_per_step

    cdef inline int64_t ms_to_steps(self, double ms) noexcept nogil:
        """NEST's Time(Time::ms(ms)).get_steps(): the nearest tic, then the
        step at or after it."""
        cdef int64_t tics = <int64_t>floor(ms * self.tics_per_ms + 0.5)
        return (tics + self.tics_per_step - 1) // self.tics_per_step

    def set(self, dict updates, idx, engine=None):
        updates = dict(updates)
        multi = None
        for name in ("tau_sfa", "q_sfa"):
            if name in updates:
                vals, flags = [], []
                for v in updates[name]:
                    if np.ndim(v) > 1:
                        raise BadProperty(f"{self.model}: {name} must be a number or a list")
                    arr = np.atleast_1d(np.asarray(v, np.float64))
                    if not np.all(np.isfinite(arr)):
                        raise BadProperty(f"{self.model}: {name} must be finite")
                    vals.append(tuple(float(x) for x in arr))
                    flags.append(np.ndim(v) > 0)
                updates[name] = vals
                multi = flags if multi is None else [a and b for a, b in zip(multi, flags)]
        idx = np.asarray(idx, np.int64)
        tau = updates.get("tau_sfa") or [self.arrays["tau_sfa"][i] for i in idx]
        q = updates.get("q_sfa") or [self.arrays["q_sfa"][i] for i in idx]
        for j in range(len(idx)):
            if len(tau[j]) != len(q[j]):
                raise BadProperty(f"{self.model}: 'tau_sfa' and 'q_sfa' need to have the same "
                                  f"dimension ({len(tau[j])} and {len(q[j])})")
            if any(t <= 0 for t in tau[j]):
                raise BadProperty(f"{self.model}: all time constants must be strictly positive")
        shape = updates.get("dead_time_shape")
        if shape is not None and np.any(np.asarray(shape) < 1):
            raise BadProperty(f"{self.model}: the shape of the dead time gamma distribution "
                              "must not be smaller than 1")
        NodeBlock.set(self, updates, idx, engine)
        if multi is not None:
            self.arrays["multi"][idx] = np.asarray(multi, np.uint8)
        if {"tau_sfa", "q_sfa", "V_m", "E_sfa"} & set(updates):
            self.Q = None                         # adaptation restarts at E_sfa
        if "t_ref_remaining" in updates:
            self.arrays["r"][idx] = -1            # dead time from t_ref_remaining

    def get(self, str name, idx):
        if name in ("tau_sfa", "q_sfa"):
            out = []
            for i in idx:
                v = self.arrays[name][i]
                if self.arrays["multi"][i]:
                    out.append(np.array(v, np.float64))
                else:
                    out.append(float(v[0]) if len(v) else 0.0)
            return out
        return NodeBlock.get(self, name, idx)

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.E_sfa = a["E_sfa"]; self.y0 = a["y0"]; self.I_e = a["I_e"]
        self.c_1 = a["c_1"]; self.c_2 = a["c_2"]; self.c_3 = a["c_3"]
        self.random_dt = a["dead_time_random"]; self.reset = a["with_reset"]
        self.r = a["r"]; self.shape = a["dead_time_shape"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, j, n = self.n
        a = self.arrays
        self.P33 = np.exp(-h / a["tau_m"])
        self.P30 = 1 / a["C_m"] * (1 - np.asarray(self.P33)) * a["tau_m"]
        dead = np.where((a["dead_time"] != 0) & (a["dead_time"] < h), h, a["dead_time"])
        self.dt_steps = engine.ms_to_steps(dead)
        self.tics_per_ms = float(engine.tics_per_ms)
        self.tics_per_step = int(engine.tics_per_step)
        self.dt_mean = dead
        start = a["r"] < 0
        a["r"][start] = engine.ms_to_steps(a["t_ref_remaining"][start])
        K = max([len(t) for t in a["tau_sfa"]] + [1])
        q33 = np.zeros((n, K)); qs = np.zeros((n, K))
        nq = np.zeros(n, np.int64)
        for i in range(n):
            nq[i] = len(a["tau_sfa"][i])
            for j in range(nq[i]):
                q33[i, j] = exp(-h / a["tau_sfa"][i][j])
                qs[i, j] = a["q_sfa"][i][j]
        if self.Q is None or self.Q.shape[1] != K:
            Q = np.zeros((n, K))
            Q[:, 0] = a["E_sfa"]                  # E_sfa as set: the first element
            self.Q = Q
        self.Q33 = q33; self.q_sfa = qs; self.nq = nq

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, j, n = self.n
        cdef long lag
        cdef int64_t step, m, k
        cdef double *row
        cdef double V, q, Veff, rate, g
        cdef pnl_key key
        cdef pnl_stream s
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            step = ctx.origin + lag
            for i in range(ctx.lo, ctx.hi):
                V = self.P30[i] * (self.y0[i] + self.I_e[i]) + self.P33[i] * self.V_m[i] \
                    + row[i * 2]
                q = 0.0
                for j in range(self.nq[i]):
                    self.Q[i, j] = self.Q33[i, j] * self.Q[i, j]
                    q += self.Q[i, j]
                if self.nq[i] == 0:
                    q = self.Q[i, 0]              # E_sfa as set, without adaptation
                self.E_sfa[i] = q
                if self.r[i] == 0:
                    Veff = V - q
                    rate = self.c_1[i] * Veff + self.c_2[i] * exp(self.c_3[i] * Veff)
                    if rate > 0.0:
                        key = pnl_make_key(ctx.seed, PURPOSE_NEURON, <uint64_t>self.gid[i])
                        pnl_stream_init(&s, key, <uint64_t>step, 0)
                        m = 0
                        if self.dt_mean[i] > 0.0:
                            if pnl_uniform(&s) <= -pnl_expm1(-rate * ctx.h * 1e-3):
                                m = 1
                        else:
                            m = pnl_poisson(&s, rate * ctx.h * 1e-3)
                        if m > 0:
                            if self.random_dt[i]:
                                g = 0.0
                                for k in range(self.shape[i]):
                                    g += pnl_exponential(&s)
                                self.r[i] = self.ms_to_steps(
                                    g / (self.shape[i] / self.dt_mean[i]))
                            else:
                                self.r[i] = self.dt_steps[i]
                            for j in range(self.nq[i]):
                                self.Q[i, j] += self.q_sfa[i, j] * m
                            pnl_register_push(ctx.reg, self.gid[i], <int>lag, m)
                            if self.reset[i]:
                                V = 0.0
                else:
                    self.r[i] -= 1
                self.V_m[i] = V
                self.y0[i] = row[i * 2 + 1]
                row[i * 2] = 0.0; row[i * 2 + 1] = 0.0


MODELS["pp_psc_delta"] = PpPscDelta
