# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_psc_exp_multisynapse, iaf_psc_alpha_multisynapse -- leaky
integrate-and-fire neurons with any number of synaptic receptors, each with
its own PSC time constant.

Equations
---------
    dV_m/dt = -(V_m - E_L)/tau_m + (sum_k I_syn_k + I_e + I_0)/C_m

_exp:   dI_syn_k/dt = -I_syn_k/tau_syn[k-1]; a spike of weight w on receptor
        k adds w to I_syn_k.
_alpha: I_syn_k is an alpha function: dy1_k/dt = -y1_k/tau_syn[k-1],
        dI_syn_k/dt = y1_k - I_syn_k/tau_syn[k-1]; a spike adds
        w e/tau_syn[k-1] to y1_k (a PSC of peak w at t = tau_syn).

The number of receptors of a node is ``len(tau_syn)`` (``n_synapses``);
spikes connect to receptor_type 1 ... n_synapses, whatever the sign of the
weight; currents (dc, noise, step generators) to receptor 0.  Threshold
V_th, reset to V_reset, clamped for t_ref; the alpha model bounds V_m below
by V_min.

Numerics
--------
Exact integration on the grid, as NEST: per receptor P11 = exp(-h/tau_syn)
and the PSC -> V_m propagators of ``propagators.h``; P22 = exp(-h/tau_m).
Per step: V_m (if not refractory) from the previous step's currents, summed
receptor by receptor in receptor order; then the PSCs decay and take the
step's spikes; then threshold; then the step's input current is stored.  The
recordable ``I_syn`` is the sum of the receptors' currents.

As in NEST, the number of receptors of a node with spike connections cannot
change (BadProperty).  The receptor capacity of the nodes of one Create is
the largest ``len(tau_syn)`` among them; it can grow while no connection
reaches any of them (NotImplementedFeature afterwards: set ``tau_syn`` at
Create or before connecting).

Parameters
----------
    ``E_L``      -70 mV   resting potential
    ``C_m``      250 pF   membrane capacitance
    ``tau_m``    10 ms    membrane time constant
    ``tau_syn``  [2] ms   PSC time constants, one per receptor
    ``t_ref``    2 ms     absolute refractory period
    ``V_th``     -55 mV   spike threshold
    ``V_reset``  -70 mV   reset potential
    ``V_min``    -inf mV  lower bound of V_m (alpha only)
    ``I_e``      0 pA     constant input current

State: ``V_m`` (mV); recordables ``V_m``, ``I_syn``, ``I_syn_1`` ...
(pA).  Read only: ``n_synapses``, ``has_connections``.

References: Rotter S, Diesmann M (1999) Biol Cybern 81:381-402.
See also: iaf_psc_exp, iaf_psc_alpha.
"""
import numpy as np
cimport numpy as cnp
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from libc.math cimport exp, INFINITY, M_E
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.nodebase import ERROR_INSTABILITY
from pynestlite.kernel.rkf45 cimport rkf45_evolve_apply_std, rkf45_work
from pynestlite.models.aeif import check_spike_parameters
from pynestlite.models.propagators cimport (pnl_beta_normalization, pnl_psc_propagator,
                                           pnl_iaf_propagator)
from pynestlite.errors import (BadProperty, IncompatibleReceptorType, NotImplementedFeature,
                               plain)

cnp.import_array()


cdef class MultisynapseBlock(NodeBlock):
    """Receptor bookkeeping of the multisynapse models: ``tau_syn`` per node
    (a list), per-receptor state columns named ``<prefix>_<k>``, the input
    channels [I0, receptor 1, ..., receptor K] per node, K the block's
    capacity."""
    receptor_state = ()         # per-receptor state column prefixes ("I_syn", ...)
    receptor_lists = ("tau_syn",)   # per-receptor list parameters (equal lengths)
    count_name = "n_synapses"       # the read-only receptor count NEST reports
    may_grow_when_connected = False     # NEST: the count of a connected node is fixed
    max_receptors = 1 << 20
    current_receptors = {0: 0}
    listed_state = ()           # per-receptor state that get reports as lists ("g", "dg")

    # (attributes declared in multisynapse.pxd)

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        self.cols = NULL
        self.capacity = 0
        self.pinned = False
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        first = self.receptor_lists[0]
        k = len(defaults.get(first, self.parameters[first]))
        self.arrays[self.count_name][:] = k
        self._resize(k)

    def __dealloc__(self):
        PyMem_Free(self.cols)

    @classmethod
    def derived_defaults(cls, defaults):
        """GetDefaults values that follow from the receptor list."""
        first = cls.receptor_lists[0]
        k = len(defaults.get(first, cls.parameters[first]))
        return {cls.count_name: k, "recordables": sorted(cls.names_for(k))}

    @classmethod
    def names_for(cls, k):
        """Recordables of a node with ``k`` receptors (NEST's names)."""
        return tuple(cls.fixed_recordables) + tuple(
            f"{p}_{r}" for p in cls.receptor_state for r in range(1, k + 1))

    def recordables_of(self, rows):
        counts = self.arrays[self.count_name]
        return [sorted(self.names_for(int(counts[i]))) for i in rows]

    def _resize(self, int64_t k):
        """Receptor capacity ``k``: new state columns (zeros) and channels."""
        if k < self.capacity:
            return
        for p in self.receptor_state:
            for r in range(self.capacity + 1, k + 1):
                self.arrays.setdefault(f"{p}_{r}", np.zeros(self.n))
        self.capacity = k
        self.n_channels = k + 1
        self.spike_receptors = {r: (r, False, False) for r in range(1, k + 1)}
        self.recordables = self.names_for(k)
        self.bind()

    def bind(self):
        cdef int64_t j, r, m = len(self.receptor_state)
        cdef double[::1] col
        PyMem_Free(self.cols)
        self.cols = NULL
        self.ncols = m * self.capacity
        if self.ncols and self.n:
            self.cols = <double **>PyMem_Malloc(self.ncols * sizeof(double *))
            for j in range(m):
                for r in range(self.capacity):
                    col = self.arrays[f"{self.receptor_state[j]}_{r + 1}"]
                    self.cols[j * self.capacity + r] = &col[0]
        self.bind_model()

    def bind_model(self):
        pass

    def get(self, str name, idx):
        if name in self.receptor_lists:
            return [np.array(self.arrays[name][i], np.float64) for i in idx]
        if name in self.listed_state:
            counts = self.arrays[self.count_name]
            return [np.array([self.arrays[f"{name}_{r}"][i] for r in range(1, counts[i] + 1)],
                             np.float64) for i in idx]
        return NodeBlock.get(self, name, idx)

    def sample(self, str name, idx):
        if name == "I_syn":
            out = np.zeros(len(idx))
            counts = self.arrays[self.count_name][idx]
            for r in range(1, self.capacity + 1):       # receptor order, as NEST sums
                out = out + np.where(counts >= r, self.arrays[f"I_syn_{r}"][idx], 0.0)
            return out
        if name not in self.all_defaults():
            return np.array(self.arrays[name][idx], np.float64)     # a receptor's state
        return NodeBlock.sample(self, name, idx)

    def check_receptor(self, rows, int receptor, str kind):
        """Connect: ``receptor`` must be one of the nodes' receptors; marks
        them connected (NEST's has_connections)."""
        counts = self.arrays[self.count_name][rows]
        if kind == "spike":
            if receptor < 1:
                raise IncompatibleReceptorType(
                    f"{self.model} (node {int(self.gids[rows][0])}) takes spikes on receptor "
                    f"types 1 ... n_synapses, got {receptor}")
            if np.any(counts < receptor):
                raise IncompatibleReceptorType(
                    f"{self.model} (node {int(self.gids[rows[counts < receptor][0]])}) has "
                    f"receptor types 1 ... {int(counts[counts < receptor][0])} for spikes "
                    f"({self.receptor_lists[0]} has that many entries), got {receptor}")
            self.arrays["has_connections"][rows] = 1
        self.pinned = True

    def set(self, dict updates, idx, engine=None):
        idx = np.asarray(idx, np.int64)
        given = [name for name in self.receptor_lists if name in updates]
        counts = None
        if given:
            updates = dict(updates)
            for name in given:
                clean = []
                for v in updates[name]:
                    if np.ndim(v) > 1:
                        raise BadProperty(f"{self.model}: {name} must be a list of numbers, "
                                          f"got {v!r}")
                    arr = np.asarray(v, dtype=np.float64).reshape(-1)
                    self.check_receptor_list(name, arr)
                    clean.append(tuple(float(x) for x in arr))
                updates[name] = clean
            old = self.arrays[self.count_name][idx]
            counts = np.empty(len(idx), np.int64)
            for j in range(len(idx)):
                sizes = {len(updates[name][j]) if name in updates
                         else len(self.arrays[name][idx[j]]) for name in self.receptor_lists}
                if len(sizes) > 1:
                    if len(given) < len(self.receptor_lists):
                        raise BadProperty(
                            f"{self.model}: if the number of receptor ports is changed, all "
                            f"of {', '.join(self.receptor_lists)} must be provided")
                    raise BadProperty(f"{self.model}: {', '.join(self.receptor_lists)} must "
                                      "have the same size")
                counts[j] = sizes.pop()
            connected = self.arrays["has_connections"][idx] != 0
            if np.any(connected & ((counts < old) if self.may_grow_when_connected
                                   else (counts != old))):
                raise BadProperty(f"{self.model}: the neuron has connections, therefore the "
                                  "number of ports cannot be "
                                  + ("reduced" if self.may_grow_when_connected else "changed"))
            k = int(counts.max()) if len(counts) else 0
            if k > self.capacity and self.pinned:
                raise NotImplementedFeature(
                    f"{self.model}: cannot raise the number of receptors to {k} (more than "
                    f"the {self.capacity} of the nodes created with these) once connections "
                    f"reach any of them; set {', '.join(self.receptor_lists)} at Create or "
                    "before Connect")
            if k > self.max_receptors:
                raise BadProperty(f"{self.model}: at most {self.max_receptors} receptors, "
                                  f"got {k}")
        self.check_rows(updates, idx)
        NodeBlock.set(self, updates, idx, engine)
        if counts is not None:
            self.arrays[self.count_name][idx] = counts
            k = int(counts.max()) if len(counts) else 0
            if k > self.capacity:
                old_channels = self.n_channels
                self._resize(k)
                if engine is not None and self.chan_base >= 0:
                    engine.regrow_channels(self, old_channels)

    def check_receptor_list(self, str name, arr):
        """Values of one receptor list (all must be finite; time constants > 0)."""
        if np.any(~np.isfinite(arr)):
            raise BadProperty(f"{self.model}: {name} must be finite, got "
                              f"{[plain(x) for x in arr]}")
        if name.startswith("tau") and np.any(arr <= 0):
            raise BadProperty(f"{self.model}: all synaptic time constants must be strictly "
                              f"positive, got {name} = {[plain(x) for x in arr]}")

    def check_rows(self, dict updates, idx):
        """Checks that combine the receptor list with other parameters of
        each row (values after the update), before anything is written."""
        pass

    def rows_matrix(self, str name):
        """(n, capacity) array of a list parameter, 0 beyond a node's count."""
        out = np.zeros((self.n, max(self.capacity, 1)))
        for i, v in enumerate(self.arrays[name]):
            out[i, :len(v)] = v
        return out


cdef class IafPscExpMultisynapse(MultisynapseBlock):
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "tau_syn": (2.0,), "t_ref": 2.0,
                  "V_th": -55.0, "V_reset": -70.0, "I_e": 0.0}
    state = {"V_m": -70.0, "n_synapses": 1, "has_connections": False}
    read_only = ("n_synapses", "has_connections")
    internal = {"r": 0, "i_0": 0.0}
    relative = ("V_m", "V_th", "V_reset")
    strictly_positive = ("C_m", "tau_m")
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    receptor_state = ("I_syn",)
    fixed_recordables = ("V_m", "I_syn")
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] V_m, V_th, V_reset, I_e, i_0, P22, P20
    cdef double[:, ::1] P11, P21
    cdef int64_t[::1] r, nrec, ref_counts, gid

    def bind_model(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.I_e = a["I_e"]; self.i_0 = a["i_0"]; self.r = a["r"]
        self.nrec = a["n_synapses"]
        self.gid = self.gids

    def check_rows(self, dict updates, idx):
        # NEST: tau_syn must differ from tau_m (its exact propagator is singular)
        tm = np.broadcast_to(np.asarray(updates.get("tau_m", self.arrays["tau_m"][idx]),
                                        np.float64), idx.shape)
        lists = updates.get("tau_syn") or [self.arrays["tau_syn"][i] for i in idx]
        for j in range(len(idx)):
            if any(t == tm[j] for t in lists[j]):
                raise BadProperty(f"{self.model}: membrane and synapse time constant(s) must "
                                  f"differ (tau_m = {plain(tm[j])})")

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, k, n = self.n, K = max(self.capacity, 1)
        a = self.arrays
        tau = self.rows_matrix("tau_syn")
        p11 = np.zeros((n, K)); p21 = np.zeros((n, K))
        p22 = np.empty(n); p20 = np.empty(n)
        cdef double[::1] tm = a["tau_m"], cm = a["C_m"]
        for i in range(n):
            p22[i] = exp(-h / tm[i])
            p20[i] = tm[i] / cm[i] * (1.0 - p22[i])
            for k in range(len(a["tau_syn"][i])):
                p11[i, k] = exp(-h / tau[i, k])
                p21[i, k] = pnl_iaf_propagator(tau[i, k], tm[i], cm[i], h).P32
        self.P11 = p11; self.P21 = p21; self.P22 = p22; self.P20 = p20
        self.ref_counts = engine.ms_to_steps(a["t_ref"])

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, k, n = self.n, K = self.capacity, nch = self.n_channels
        cdef long lag
        cdef double *row
        cdef double V
        cdef double **I = self.cols
        if n == 0:
            return
        cdef double *V_m = &self.V_m[0]
        cdef double *i_0 = &self.i_0[0]
        cdef int64_t *r = &self.r[0]
        cdef const int64_t *nrec = &self.nrec[0]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                V = V_m[i]
                if r[i] == 0:
                    V = V * self.P22[i] + (self.I_e[i] + i_0[i]) * self.P20[i]
                    for k in range(nrec[i]):
                        V += self.P21[i, k] * I[k][i]
                else:
                    r[i] -= 1
                for k in range(nrec[i]):
                    I[k][i] = I[k][i] * self.P11[i, k] + row[i * nch + 1 + k]
                    row[i * nch + 1 + k] = 0.0
                if V >= self.V_th[i]:
                    r[i] = self.ref_counts[i]
                    V = self.V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = V
                i_0[i] = row[i * nch]
                row[i * nch] = 0.0


cdef class IafPscAlphaMultisynapse(MultisynapseBlock):
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "tau_syn": (2.0,), "t_ref": 2.0,
                  "V_th": -55.0, "V_reset": -70.0, "V_min": -INFINITY, "I_e": 0.0}
    state = {"V_m": -70.0, "n_synapses": 1, "has_connections": False}
    read_only = ("n_synapses", "has_connections")
    internal = {"r": 0, "i_0": 0.0}
    relative = ("V_m", "V_th", "V_reset", "V_min")
    strictly_positive = ("C_m", "tau_m")
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    receptor_state = ("I_syn", "y1")
    fixed_recordables = ("V_m", "I_syn")
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] V_m, V_th, V_reset, V_min, I_e, i_0, P33, P30
    cdef double[:, ::1] P11, P21, P31, P32, psc0
    cdef int64_t[::1] r, nrec, ref_counts, gid

    @classmethod
    def names_for(cls, k):
        return ("V_m", "I_syn") + tuple(f"I_syn_{r}" for r in range(1, k + 1))

    def bind_model(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.V_min = a["V_min"]; self.I_e = a["I_e"]; self.i_0 = a["i_0"]; self.r = a["r"]
        self.nrec = a["n_synapses"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, k, n = self.n, K = max(self.capacity, 1)
        cdef pnl_psc_propagator pp
        a = self.arrays
        tau = self.rows_matrix("tau_syn")
        p11 = np.zeros((n, K)); p21 = np.zeros((n, K)); p31 = np.zeros((n, K))
        p32 = np.zeros((n, K)); psc0 = np.zeros((n, K))
        p33 = np.empty(n); p30 = np.empty(n)
        cdef double[::1] tm = a["tau_m"], cm = a["C_m"]
        for i in range(n):
            p33[i] = exp(-h / tm[i])
            p30[i] = 1 / cm[i] * (1 - p33[i]) * tm[i]
            for k in range(len(a["tau_syn"][i])):
                p11[i, k] = exp(-h / tau[i, k])
                p21[i, k] = h * p11[i, k]
                pp = pnl_iaf_propagator(tau[i, k], tm[i], cm[i], h)
                p31[i, k] = pp.P31; p32[i, k] = pp.P32
                psc0[i, k] = 1.0 * M_E / tau[i, k]
        self.P11 = p11; self.P21 = p21; self.P31 = p31; self.P32 = p32; self.psc0 = psc0
        self.P33 = p33; self.P30 = p30
        self.ref_counts = engine.ms_to_steps(a["t_ref"])

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        # per receptor k: y2 = I[k] (the PSC, I_syn_k), y1 = I[K + k]
        cdef Py_ssize_t i, k, n = self.n, K = self.capacity, nch = self.n_channels
        cdef long lag
        cdef double *row
        cdef double V
        cdef double **I = self.cols
        if n == 0:
            return
        cdef double *V_m = &self.V_m[0]
        cdef double *i_0 = &self.i_0[0]
        cdef int64_t *r = &self.r[0]
        cdef const int64_t *nrec = &self.nrec[0]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                V = V_m[i]
                if r[i] == 0:
                    V = self.P30[i] * (i_0[i] + self.I_e[i]) + self.P33[i] * V
                    for k in range(nrec[i]):
                        V += self.P31[i, k] * I[K + k][i] + self.P32[i, k] * I[k][i]
                    if V < self.V_min[i]:
                        V = self.V_min[i]
                else:
                    r[i] -= 1
                for k in range(nrec[i]):
                    I[k][i] = self.P21[i, k] * I[K + k][i] + self.P11[i, k] * I[k][i]
                    I[K + k][i] *= self.P11[i, k]
                    I[K + k][i] += self.psc0[i, k] * row[i * nch + 1 + k]
                    row[i * nch + 1 + k] = 0.0
                if V >= self.V_th[i]:
                    r[i] = self.ref_counts[i]
                    V = self.V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = V
                i_0[i] = row[i * nch]
                row[i * nch] = 0.0



# ----------------------------------------------------------------------
# AdEx with conductance receptors: aeif_cond_beta_multisynapse,
# aeif_cond_alpha_multisynapse

ctypedef struct AeifMsParams:
    int refractory
    Py_ssize_t n
    double V_reset, V_peak, V_th, Delta_T, g_L, E_L, C_m, a, tau_w, I_e, I_stim
    const double *E_rev
    const double *tau_rise
    const double *tau_decay


cdef int aeif_ms_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, w, dg_1, g_1, dg_2, g_2, ...), NEST's order and arithmetic
    cdef AeifMsParams *q = <AeifMsParams *>p
    cdef Py_ssize_t i
    cdef double V = q.V_reset if q.refractory else (y[0] if y[0] < q.V_peak else q.V_peak)
    cdef double w = y[1]
    cdef double I_syn = 0.0
    cdef double I_spike
    for i in range(q.n):
        I_syn += y[3 + 2 * i] * (q.E_rev[i] - V)
    I_spike = 0.0 if q.Delta_T == 0.0 else q.Delta_T * q.g_L * exp((V - q.V_th) / q.Delta_T)
    if q.refractory:
        f[0] = 0.0
    else:
        f[0] = (-q.g_L * (V - q.E_L) + I_spike + I_syn - w + q.I_e + q.I_stim) / q.C_m
    f[1] = (q.a * (V - q.E_L) - w) / q.tau_w
    for i in range(q.n):
        f[2 + 2 * i] = -y[2 + 2 * i] / q.tau_rise[i]
        f[3 + 2 * i] = y[2 + 2 * i] - y[3 + 2 * i] / q.tau_decay[i]
    return 0


cdef int C_ERROR_NEGATIVE_WEIGHT = -1001
ERROR_NEGATIVE_WEIGHT = C_ERROR_NEGATIVE_WEIGHT


def negative_weight_error(str model):
    """The error of a conductance multisynapse model that received a
    negative weight (NEST checks at delivery)."""
    return BadProperty(f"{model}: synaptic weights for conductance-based multisynapse "
                       "models must be positive")
cdef int C_ERROR_INSTABILITY = ERROR_INSTABILITY


cdef class AeifCondBetaMultisynapse(MultisynapseBlock):
    __doc__ = """aeif_cond_beta_multisynapse, aeif_cond_alpha_multisynapse -- AdEx
    neurons (Brette & Gerstner 2005) with any number of conductance receptors.

    Equations
    ---------
        C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T)
                    + sum_k g_k (E_rev[k] - V) - w + I_e + I_stim
        tau_w dw/dt = a (V - E_L) - w
        dg'_k/dt = -g'_k/tau_rise[k],  dg_k/dt = g'_k - g_k/tau_decay[k]

    A spike of weight w >= 0 (nS) on receptor k adds w g0_k to g'_k, g0_k
    normalising the beta function to a peak of w (the alpha model:
    tau_rise = tau_decay = tau_syn[k], g0 = e/tau_syn).  Negative weights
    stop the simulation with BadProperty, as NEST.  Spike, reset, adaptation
    jump b and refractoriness as aeif_cond_alpha; the receptor count is
    ``len(E_rev)`` (``n_receptors``), at most 32.

    Numerics
    --------
    As NEST: GSL's RKF45 (``kernel/rkf45.h``) with tolerance
    ``gsl_error_tol``, the spike condition after every accepted step, the
    state vector (V_m, w, dg_1, g_1, ...) in NEST's order and the
    right-hand side in NEST's arithmetic.

    Parameters: ``C_m`` 281 pF, ``g_L`` 30 nS, ``E_L`` -70.6 mV, ``V_th``
    -50.4 mV, ``Delta_T`` 2 mV, ``V_peak`` 0 mV, ``V_reset`` -60 mV,
    ``t_ref`` 0 ms, ``a`` 4 nS, ``b`` 80.5 pA, ``tau_w`` 144 ms, ``I_e``
    0 pA, ``gsl_error_tol`` 1e-6; ``E_rev`` [0] mV, ``tau_rise`` [2] ms,
    ``tau_decay`` [20] ms (alpha: ``tau_syn`` [2] ms).
    State: ``V_m``, ``w``; read only ``g``, ``dg`` (per receptor),
    ``n_receptors``, ``has_connections``.  Recordables ``V_m``, ``w``,
    ``g_1`` ...

    References: Brette R, Gerstner W (2005) J Neurophysiol 94:3637-3642.
    See also: aeif_cond_alpha, iaf_psc_exp_multisynapse.
    """
    parameters = {"C_m": 281.0, "g_L": 30.0, "E_L": -70.6, "V_th": -50.4, "Delta_T": 2.0,
                  "V_peak": 0.0, "V_reset": -60.0, "t_ref": 0.0, "a": 4.0, "b": 80.5,
                  "tau_w": 144.0, "I_e": 0.0, "gsl_error_tol": 1e-6, "E_rev": (0.0,),
                  "tau_rise": (2.0,), "tau_decay": (20.0,)}
    state = {"V_m": -70.6, "w": 0.0, "g": (0.0,), "dg": (0.0,), "n_receptors": 1,
             "has_connections": False}
    read_only = ("g", "dg", "n_receptors", "has_connections")
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("C_m", "tau_w", "gsl_error_tol")
    non_negative = ("t_ref", "Delta_T")
    ordered = (("V_reset", "V_peak"),)
    receptor_lists = ("E_rev", "tau_rise", "tau_decay")
    count_name = "n_receptors"
    may_grow_when_connected = True
    max_receptors = 32
    receptor_state = ("g", "dg")
    listed_state = ("g", "dg")
    fixed_recordables = ("V_m", "w")
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] V_m, w, I_stim, h_int, V_peak_eff, tol, b, V_reset
    cdef double[::1] C_m, g_L, E_L, V_th, Delta_T, V_peak, a, tau_w, I_e
    cdef double[:, ::1] E_rev, tau_r, tau_d, g0
    cdef int64_t[::1] r, nrec, ref_counts, gid

    @classmethod
    def names_for(cls, k):
        return ("V_m", "w") + tuple(f"g_{r}" for r in range(1, k + 1))

    def bind_model(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.w = a["w"]; self.I_stim = a["I_stim"]; self.h_int = a["h_int"]
        self.tol = a["gsl_error_tol"]; self.b = a["b"]; self.V_reset = a["V_reset"]
        self.r = a["r"]; self.nrec = a[self.count_name]
        self.C_m = a["C_m"]; self.g_L = a["g_L"]; self.E_L = a["E_L"]; self.V_th = a["V_th"]
        self.Delta_T = a["Delta_T"]; self.V_peak = a["V_peak"]; self.a = a["a"]
        self.tau_w = a["tau_w"]; self.I_e = a["I_e"]
        self.gid = self.gids

    cdef inline void fill(self, AeifMsParams *q, Py_ssize_t i) noexcept nogil:
        q.refractory = self.r[i] > 0
        q.n = self.nrec[i]
        q.V_reset = self.V_reset[i]; q.V_peak = self.V_peak[i]; q.V_th = self.V_th[i]
        q.Delta_T = self.Delta_T[i]; q.g_L = self.g_L[i]; q.E_L = self.E_L[i]
        q.C_m = self.C_m[i]; q.a = self.a[i]; q.tau_w = self.tau_w[i]; q.I_e = self.I_e[i]
        q.I_stim = self.I_stim[i]
        q.E_rev = &self.E_rev[i, 0]; q.tau_rise = &self.tau_r[i, 0]
        q.tau_decay = &self.tau_d[i, 0]

    def check(self, dict values):
        MultisynapseBlock.check(self, values)
        check_spike_parameters(self.model, values)

    def check_rows(self, dict updates, idx):
        rise = updates.get("tau_rise")
        decay = updates.get("tau_decay")
        if rise is None and decay is None:
            return
        for j in range(len(idx)):
            r = rise[j] if rise is not None else self.arrays["tau_rise"][idx[j]]
            d = decay[j] if decay is not None else self.arrays["tau_decay"][idx[j]]
            if len(r) == len(d) and any(x > y for x, y in zip(r, d)):
                raise BadProperty(f"{self.model}: synaptic rise time must be smaller than or "
                                  "equal to decay time")

    def rise_and_decay(self):
        """(n, capacity) rise and decay time constants."""
        return self.rows_matrix("tau_rise"), self.rows_matrix("tau_decay")

    def pre_run(self, engine):
        cdef Py_ssize_t i, k
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.V_peak_eff = np.where(a["Delta_T"] > 0.0, a["V_peak"], a["V_th"])
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution
        rise, decay = self.rise_and_decay()
        g0 = np.zeros_like(rise)
        for i in range(self.n):
            for k in range(int(self.nrec[i])):
                g0[i, k] = pnl_beta_normalization(rise[i, k], decay[i, k])
        self.E_rev = self.rows_matrix("E_rev")
        self.tau_r = rise; self.tau_d = decay; self.g0 = g0

    def error(self):
        if self.error_code == C_ERROR_NEGATIVE_WEIGHT:
            return negative_weight_error(self.model)
        return MultisynapseBlock.error(self)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, k, n = self.n, K = self.capacity, nch = self.n_channels
        cdef long lag
        cdef double *row
        cdef double t, x
        cdef double y[66]
        cdef int st
        cdef rkf45_work work
        cdef AeifMsParams q
        cdef double **G = self.cols      # g_k = G[k], dg_k = G[K + k]
        if n == 0:
            return
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                self.fill(&q, i)
                y[0] = self.V_m[i]; y[1] = self.w[i]
                for k in range(q.n):
                    y[2 + 2 * k] = G[K + k][i]
                    y[3 + 2 * k] = G[k][i]
                t = 0.0
                while t < ctx.h:
                    st = rkf45_evolve_apply_std(&work, self.tol[i], self.tol[i], 0.0, 1.0,
                                                aeif_ms_rhs, &q, 2 + 2 * q.n, &t, ctx.h,
                                                &self.h_int[i], y, NULL)
                    if st != 0:
                        self.error_code = st
                        return
                    if y[0] < -1e3 or y[1] < -1e6 or y[1] > 1e6:
                        self.error_code = C_ERROR_INSTABILITY
                        return
                    if self.r[i] > 0:
                        y[0] = self.V_reset[i]
                    elif y[0] >= self.V_peak_eff[i]:
                        y[0] = self.V_reset[i]
                        y[1] += self.b[i]
                        self.r[i] = self.ref_counts[i] + 1 if self.ref_counts[i] > 0 else 0
                        q.refractory = self.r[i] > 0
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                if self.r[i] > 0:
                    self.r[i] -= 1
                for k in range(q.n):
                    x = row[i * nch + 1 + k]
                    if x < 0.0:
                        self.error_code = C_ERROR_NEGATIVE_WEIGHT
                        return
                    y[2 + 2 * k] += x * self.g0[i, k]
                    row[i * nch + 1 + k] = 0.0
                self.V_m[i] = y[0]; self.w[i] = y[1]
                for k in range(q.n):
                    G[K + k][i] = y[2 + 2 * k]
                    G[k][i] = y[3 + 2 * k]
                self.I_stim[i] = row[i * nch]
                row[i * nch] = 0.0


cdef class AeifCondAlphaMultisynapse(AeifCondBetaMultisynapse):
    __doc__ = AeifCondBetaMultisynapse.__doc__
    parameters = dict({k: v for k, v in AeifCondBetaMultisynapse.parameters.items()
                       if k not in ("tau_rise", "tau_decay")}, tau_syn=(2.0,))
    receptor_lists = ("E_rev", "tau_syn")
    threaded = True         # the update reads and writes its own nodes only

    def rise_and_decay(self):
        tau = self.rows_matrix("tau_syn")
        return tau, tau


MODELS = {"iaf_psc_exp_multisynapse": IafPscExpMultisynapse,
          "iaf_psc_alpha_multisynapse": IafPscAlphaMultisynapse,
          "aeif_cond_beta_multisynapse": AeifCondBetaMultisynapse,
          "aeif_cond_alpha_multisynapse": AeifCondAlphaMultisynapse}
