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
from pynestlite.kernel.nodebase import ARCHIVE_PARAMETERS
from pynestlite.models.propagators cimport pnl_psc_propagator, pnl_iaf_propagator
from pynestlite.errors import (BadProperty, IncompatibleReceptorType, NotImplementedFeature,
                               plain)

cnp.import_array()


cdef class MultisynapseBlock(NodeBlock):
    """Receptor bookkeeping of the multisynapse models: ``tau_syn`` per node
    (a list), per-receptor state columns named ``<prefix>_<k>``, the input
    channels [I0, receptor 1, ..., receptor K] per node, K the block's
    capacity."""
    receptor_state = ()         # per-receptor state column prefixes ("I_syn", ...)
    receptor_list = "tau_syn"   # the list parameter whose length is the receptor count
    count_name = "n_synapses"
    current_receptors = {0: 0}

    cdef public int64_t n_channels
    cdef public dict spike_receptors
    cdef public tuple recordables
    cdef public int64_t capacity
    cdef public bint pinned         # some connection reaches a node of the block
    cdef double **cols              # [prefix j][receptor k] -> column, j * capacity + k
    cdef int64_t ncols

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        self.cols = NULL
        self.capacity = 0
        self.pinned = False
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        k = len(defaults.get(self.receptor_list, self.parameters[self.receptor_list]))
        self.arrays[self.count_name][:] = k
        self._resize(k)

    def __dealloc__(self):
        PyMem_Free(self.cols)

    @classmethod
    def derived_defaults(cls, defaults):
        """GetDefaults values that follow from the receptor list."""
        k = len(defaults.get(cls.receptor_list, cls.parameters[cls.receptor_list]))
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
        if name == self.receptor_list:
            return [np.array(self.arrays[name][i], np.float64) for i in idx]
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
                    f"({self.receptor_list} has that many entries), got {receptor}")
            self.arrays["has_connections"][rows] = 1
        self.pinned = True

    def set(self, dict updates, idx, engine=None):
        lists = updates.get(self.receptor_list)
        counts = None
        if lists is not None:
            counts = np.empty(len(lists), np.int64)
            clean = []
            for j, v in enumerate(lists):
                arr = np.asarray(v, dtype=np.float64).reshape(-1) if np.ndim(v) <= 1 else None
                if arr is None:
                    raise BadProperty(f"{self.model}: {self.receptor_list} must be a list of "
                                      f"numbers, got {v!r}")
                self.check_receptor_list(arr)
                counts[j] = len(arr)
                clean.append(tuple(float(x) for x in arr))
            idx_arr = np.asarray(idx, np.int64)
            counts = np.broadcast_to(counts, (len(idx_arr),)) if len(counts) == 1 else counts
            changed = counts != self.arrays[self.count_name][idx_arr]
            if np.any(changed & (self.arrays["has_connections"][idx_arr] != 0)):
                raise BadProperty(f"{self.model}: the neuron has connections, therefore the "
                                  "number of ports cannot be changed")
            k = int(counts.max()) if len(counts) else 0
            if k > self.capacity and self.pinned:
                raise NotImplementedFeature(
                    f"{self.model}: cannot raise the number of receptors to {k} (more than "
                    f"the {self.capacity} of the nodes created with these) once connections "
                    f"reach any of them; set {self.receptor_list} at Create or before Connect")
            updates = dict(updates)
            updates[self.receptor_list] = clean
        self.check_rows(updates, np.asarray(idx, np.int64))
        NodeBlock.set(self, updates, idx, engine)
        if counts is not None:
            self.arrays[self.count_name][np.asarray(idx, np.int64)] = counts
            k = int(counts.max()) if len(counts) else 0
            if k > self.capacity:
                old = self.n_channels
                self._resize(k)
                if engine is not None and self.chan_base >= 0:
                    engine.regrow_channels(self, old)

    def check_receptor_list(self, arr):
        if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
            raise BadProperty(f"{self.model}: all synaptic time constants must be strictly "
                              f"positive, got {[plain(x) for x in arr]}")

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
            for i in range(n):
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
            for i in range(n):
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


MODELS = {"iaf_psc_exp_multisynapse": IafPscExpMultisynapse,
          "iaf_psc_alpha_multisynapse": IafPscAlphaMultisynapse}
