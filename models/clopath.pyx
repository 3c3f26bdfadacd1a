# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Voltage-based STDP of Clopath et al. (2010): the Clopath archive of the
neurons ``aeif_psc_delta_clopath`` and ``hh_psc_alpha_clopath`` and the
``clopath_synapse`` that reads it.

Clopath archive
---------------
Each step the neuron hands its state at the step's end to
``kernel/clopath_history.h``: the filtered potentials u_bar_plus and
u_bar_minus pass a delay line of ``delay_u_bars`` (ms), and with the delayed
values ub+, ub- the archive keeps (once clopath synapses target the neuron)

    LTP history: (t, A_LTP (V_m - theta_plus) (ub+ - theta_minus) h)
                 whenever V_m > theta_plus and ub+ > theta_minus;
    LTD values:  (t, A_LTD (ub- - theta_minus)) whenever ub- > theta_minus,
                 times u_bar_bar^2 / u_ref_squared unless ``A_LTD_const``;
                 the latest max_delay + 1 of them.

The delay line starts with zeros and the rings are laid out once, at the
neuron's first Prepare (with that Prepare's ``delay_u_bars`` and max_delay),
as NEST does.  Parameters (neuron): ``A_LTD`` 1.4e-4, ``A_LTP`` 8e-5,
``u_ref_squared`` 60 mV^2 (> 0), ``theta_plus`` -45.3 mV, ``theta_minus``
-70.6 mV, ``A_LTD_const`` True, ``delay_u_bars`` 5 ms (>= 0).

clopath_synapse
---------------
For a presynaptic spike at t (delay d, all dendritic; t_last the previous
presynaptic spike, 0 before the first) the synapse

    1. reads the target's LTP entries t_j in (t_last - d, t - d] and for each
       w <- min(w + dw_j x_bar exp((t_last - t_j - d) / tau_x), Wmax);
    2. w <- max(w - LTD(t - d), Wmin)   (LTD value stamped exactly at t - d);
    3. sends the spike with weight w;
    4. x_bar <- x_bar exp((t_last - t) / tau_x) + 1 / tau_x,  t_last <- t.

Parameters: ``weight`` 1, ``x_bar`` 0, ``tau_x`` 15 ms, ``Wmin`` 0,
``Wmax`` 100 (weight and Wmin, weight and Wmax of the same sign);
``weight_recorder`` (model-level).  Targets must keep a Clopath archive.

References: Clopath C, Buesing L, Vasilaki E, Gerstner W (2010).
Connectivity reflects coding: a model of voltage-based STDP with
homeostasis. Nat Neurosci 13:344-352.
See also: aeif_psc_delta_clopath, hh_psc_alpha_clopath, stdp_synapse.
"""
import numpy as np
cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport exp, floor
from libc.stdint cimport int64_t, int32_t
from libc.string cimport memset

from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.errors import BadProperty, KernelMemoryError, NotImplementedFeature

cnp.import_array()

# The parameters of the archive (neuron parameters of the Clopath models).
CLOPATH_PARAMETERS = {"A_LTD": 14.0e-5, "A_LTP": 8.0e-5, "u_ref_squared": 60.0,
                      "theta_plus": -45.3, "theta_minus": -70.6, "A_LTD_const": True,
                      "delay_u_bars": 5.0}


cdef class ClopathArchive:
    """The Clopath archives of the nodes of one neuron block (module
    docstring); the block writes them from its update, clopath synapse
    tables read them through per-slot pointers."""

    def __cinit__(self, Py_ssize_t n):
        self.n = n
        self.laid_out = False
        self.tics_per_step = 1
        self.ms_per_tic = 0.0
        self.c = <pnl_clopath *>PyMem_Malloc(max(n, 1) * sizeof(pnl_clopath))
        if self.c == NULL:
            raise KernelMemoryError("the Clopath archives could not be allocated")
        memset(self.c, 0, max(n, 1) * sizeof(pnl_clopath))

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.c != NULL:
            for i in range(self.n):
                pnl_clopath_free(&self.c[i])
            PyMem_Free(self.c)

    def pre_run(self, dict arrays, engine):
        """Take the archive parameters; lay the rings out at the first
        Prepare; forget the incoming synapses (the tables count theirs in
        after this)."""
        cdef Py_ssize_t i
        cdef pnl_clopath *c
        cdef int64_t del_len, ltd_len = int(engine.max_delay) + 1
        self.tics_per_step = engine.tics_per_step
        self.ms_per_tic = engine.ms_per_tic
        steps_per_ms = float(engine.tics_per_ms) / float(engine.tics_per_step)
        for i in range(self.n):
            c = &self.c[i]
            c.A_LTD = arrays["A_LTD"][i]
            c.A_LTP = arrays["A_LTP"][i]
            c.u_ref_squared = arrays["u_ref_squared"][i]
            c.theta_plus = arrays["theta_plus"][i]
            c.theta_minus = arrays["theta_minus"][i]
            c.A_LTD_const = bool(arrays["A_LTD_const"][i])
            c.h = engine.resolution
            c.ltp.n_incoming = 0
            if not self.laid_out:
                del_len = <int64_t>floor(arrays["delay_u_bars"][i] * steps_per_ms + 0.5) + 1
                if pnl_clopath_layout(c, del_len, ltd_len) != 0:
                    raise KernelMemoryError("the Clopath archives could not be allocated")
        self.laid_out = True

    def error(self):
        """KernelMemoryError if a history could not grow, else None."""
        cdef Py_ssize_t i
        for i in range(self.n):
            if self.c[i].ltp.failed:
                return KernelMemoryError("a Clopath LTP history could not grow")
        return None

    def ltp_history(self, Py_ssize_t row):
        """(times in ms, dw) of the live LTP entries of node ``row``."""
        if not 0 <= row < self.n:
            raise IndexError(f"node row {row} out of range (0 .. {self.n - 1})")
        h = &self.c[row].ltp
        return (np.array([h.e[k].t for k in range(h.first, h.n)], np.float64),
                np.array([h.e[k].dw for k in range(h.first, h.n)], np.float64))


def _check_signs(dict values):
    """NEST's checks: weight and Wmin, weight and Wmax of the same sign
    (0 counts as positive for weight and Wmin, as negative for Wmax)."""
    w = values.get("weight")
    if w is None:
        return
    w = np.asarray(w, np.float64)
    wmin = values.get("Wmin")
    if wmin is not None:
        wmin = np.asarray(wmin, np.float64)
        if np.any((w >= 0) != (wmin >= 0)):
            raise BadProperty("Weight and Wmin must have same sign.")
    wmax = values.get("Wmax")
    if wmax is not None:
        wmax = np.asarray(wmax, np.float64)
        if np.any((w >= 0) != (wmax > 0)):
            raise BadProperty("Weight and Wmax must have same sign.")


cdef class ClopathSynapseTable(SynapseTable):
    """``clopath_synapse`` (module docstring): weight, presynaptic trace and
    last spike time per synapse; the target's archive is reached through a
    per-slot pointer table built at Prepare."""
    columns = {"weight": ("float64", 1.0), "x_bar": ("float64", 0.0),
               "tau_x": ("float64", 15.0), "Wmin": ("float64", 0.0),
               "Wmax": ("float64", 100.0), "t_last": ("float64", 0.0)}
    private = ("t_last",)
    compact = ("tau_x", "Wmin", "Wmax")
    checked_together = ("weight", "Wmin", "Wmax")
    common = {"weight_recorder": None}
    cdef double[::1] w, x_bar, tau_x, Wmin, Wmax, t_last
    cdef Py_ssize_t s_tau_x, s_Wmin, s_Wmax
    cdef pnl_clopath **arch_of_slot
    cdef int64_t n_slots
    cdef int64_t tics_per_step
    cdef double ms_per_tic, ms_per_step

    def __init__(self, synapse_model):
        self.arch_of_slot = NULL
        self.n_slots = 0
        SynapseTable.__init__(self, synapse_model)

    def __dealloc__(self):
        PyMem_Free(self.arch_of_slot)

    def bind(self):
        SynapseTable.bind(self)
        c = self.cols
        self.w = c["weight"]; self.x_bar = c["x_bar"]; self.tau_x = c["tau_x"]
        self.Wmin = c["Wmin"]; self.Wmax = c["Wmax"]; self.t_last = c["t_last"]
        self.s_tau_x = self.stride("tau_x"); self.s_Wmin = self.stride("Wmin")
        self.s_Wmax = self.stride("Wmax")

    @classmethod
    def check(cls, dict values, common=None):
        _check_signs(values)

    @classmethod
    def check_connection(cls, engine, pre_recs, post_recs, delays, model):
        """Only neurons with a Clopath archive can be targets (NEST's
        "requires Clopath archiving")."""
        for rec in post_recs:
            if not getattr(type(rec.block), "clopath_archiving", False):
                raise NotImplementedFeature(
                    "This synapse model is not supported by the neuron model of at least "
                    "one connection.")

    def pre_run(self, engine, dict params):
        cdef int64_t i
        self.bind_weight_recorder(engine, params)
        self.tics_per_step = engine.tics_per_step
        self.ms_per_tic = engine.ms_per_tic
        # a delay in ms as NEST's (steps times the resolution in ms)
        self.ms_per_step = float(engine.tics_per_step) / float(engine.tics_per_ms)
        cs = engine.channel_slots()
        n_slots = (engine.next_gid - 1 + engine.size - 1) // engine.size + 1
        PyMem_Free(self.arch_of_slot)
        self.arch_of_slot = <pnl_clopath **>PyMem_Malloc(max(n_slots, 1) * sizeof(pnl_clopath *))
        if self.arch_of_slot == NULL:
            raise KernelMemoryError(f"{self.synapse_model}: the target table could not be "
                                    "allocated")
        self.n_slots = n_slots
        for i in range(n_slots):
            self.arch_of_slot[i] = NULL
        for blk in engine.neuron_blocks():
            arch = getattr(blk, "clopath_archive", None)
            if arch is not None and blk.n:
                self.point_at(arch, engine.slot_of(blk.gids))
        if self.n_synapses():
            slots = cs[(np.asarray(self.cols["code"]) >> 2).astype(np.int64)]
            counts = np.bincount(slots, minlength=n_slots)
            for i in np.flatnonzero(counts):
                if self.arch_of_slot[i] != NULL:
                    self.arch_of_slot[i].ltp.n_incoming += counts[i]

    def point_at(self, ClopathArchive arch, slots):
        """Point the target slots ``slots`` (one per node of ``arch``) at
        the archives."""
        cdef Py_ssize_t j
        cdef int64_t[::1] s = np.ascontiguousarray(slots, np.int64)
        for j in range(s.shape[0]):
            self.arch_of_slot[s[j]] = &arch.c[j]

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, t_spike, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t k0, k1, j
        cdef double t_ms, d_ms, t_last, tau_x, wk, wmax, wmin, x_bar
        cdef pnl_clopath *c
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            base = (origin + lags[s]) % L
            t_spike = origin + lags[s] + 1
            t_ms = self.ms_per_tic * <double>(t_spike * self.tics_per_step)
            # (a spike of multiplicity m comes m times, each a full update
            # of the synapse, as NEST's)
            for k in range(self.rp[g], self.rp[g + 1]):
                c = self.arch_of_slot[ctx.chan_slot[self.cd[k] >> 2]]
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                if c == NULL:
                    add_to_channel(ctx.inbuf + slot * W, self.cd[k], self.w[k], 1.0)
                    continue
                d_ms = <double>self.dl[k] * self.ms_per_step
                t_last = self.t_last[k]
                tau_x = self.tau_x[k * self.s_tau_x]
                wmax = self.Wmax[k * self.s_Wmax]
                wmin = self.Wmin[k * self.s_Wmin]
                x_bar = self.x_bar[k]
                wk = self.w[k]
                pnl_urb_range(&c.ltp, t_last - d_ms, t_ms - d_ms, &k0, &k1)
                for j in range(k0, k1):
                    wk += c.ltp.e[j].dw * (x_bar * exp((t_last - (c.ltp.e[j].t + d_ms)) / tau_x))
                    if not wk < wmax:
                        wk = wmax
                wk -= pnl_clopath_ltd(c, t_spike - self.dl[k])
                if not wk > wmin:
                    wk = wmin
                self.w[k] = wk
                if self.wr_on:
                    self.record_weight(k, t_spike, wk)
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], wk, 1.0)
                self.x_bar[k] = x_bar * exp((t_last - t_ms) / tau_x) + 1.0 / tau_x
                self.t_last[k] = t_ms


SYNAPSE_MODELS = {"clopath_synapse": ClopathSynapseTable}
