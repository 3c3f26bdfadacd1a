# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Dopamine-modulated STDP: ``volume_transmitter`` and ``stdp_dopamine_synapse``.

A ``volume_transmitter`` collects the spikes of a pool of dopaminergic
neurons (connected to it with static synapses; weights are ignored, a spike
counts with its multiplicity) and hands them to the synapses of every
``stdp_dopamine_synapse`` model whose common property ``volume_transmitter``
names it.  Spike times are arrival times: the stamp of the dopamine spike
plus the delay of its connection to the transmitter.  Every
``deliver_interval`` min-delay slices (at the steps T that are multiples of
``deliver_interval * min_delay``) the synapses are *triggered*: brought up
to T, and the transmitter's buffer restarts at T with a pseudo spike of
multiplicity 0 (NEST's ``volume_transmitter``).

Synapse dynamics (Izhikevich 2007; Potjans et al. 2010), per synapse with
eligibility trace ``c``, dopamine trace ``n``, presynaptic trace ``Kplus``
and weight ``w``::

    dc/dt = -c / tau_c + A_plus Kplus(t) sum_post delta(t - t_post - d)
                       - A_minus K_minus(t - d) sum_pre delta(t - t_pre)
    dn/dt = -n / tau_n + sum_dopa m_k delta(t - t_k) / tau_n
    dw/dt = c (n - b),   Wmin <= w <= Wmax

Numerics: event-driven and exact between events, in NEST's order of
operations (weights equal NEST 3.10's bit for bit).  Between two events at
t0 < t1 with no dopamine spike in between, with ``taus = 1/tau_c + 1/tau_n``:

    w <- w - c0 (n0 / taus expm1(-taus (t1 - t0)) - b tau_c expm1(-(t1 - t0) / tau_c))

(clamped to [Wmin, Wmax] after each piece), ``c`` decays with ``tau_c`` and
``n`` with ``tau_n``; a dopamine spike of multiplicity m adds m / tau_n to
``n``.  A presynaptic spike at t (the whole delay d is dendritic) first
facilitates, for every postsynaptic spike t_j in (t_last_update - d, t - d]
with t - t_j > 1e-6 ms, ``c += A_plus Kplus exp((t_last_update - (t_j +
d)) / tau_plus)``, advancing the weight piecewise to each t_j + d, then to
t; then ``c -= A_minus K_minus(t - d)``; the spike is sent with the new
weight; then ``Kplus <- Kplus exp((t_last_update - t) / tau_plus) + 1``.  A
trigger at T does the same facilitation (without the 1e-6 ms test), advances
everything to T and sets t_last_update = T; a presynaptic spike stamped
before the last trigger is therefore applied backwards from it, as NEST
applies it.

Parameters: common to all synapses of a model (``SetDefaults`` /
``CopyModel`` only; Connect refuses them): ``volume_transmitter`` (a
volume_transmitter node, required before Connect), ``A_plus`` 1,
``A_minus`` 1.5, ``tau_plus`` 20 ms, ``tau_c`` 1000 ms, ``tau_n`` 200 ms,
``b`` 0, ``Wmin`` 0, ``Wmax`` 200, ``weight_recorder``; per synapse:
``weight`` 1, ``Kplus`` 0, ``c`` 0, ``n`` 0.

References: Izhikevich EM (2007) Cereb Cortex 17:2443-2452; Potjans W,
Morrison A, Diesmann M (2010) Front Comput Neurosci 4:141.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, fabs, log
from libc.stdint cimport int64_t, int32_t, INT64_MAX
from libc.stdlib cimport realloc, free
from libc.string cimport memmove

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, add_to_channel, input_row
from pynestlite.kernel.archive cimport (
    pnl_archive, pnl_archive_entry_ms, pnl_archive_history, pnl_archive_k_value, pnl_archive_ms)
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.errors import BadProperty, IllegalConnection, NotImplementedFeature

cnp.import_array()

# NEST's stdp_eps: postsynaptic spikes closer than this to a presynaptic
# spike do not facilitate; dopamine spikes within it of t1 count as in (t0, t1]
cdef double STDP_EPS = 1e-6


cdef double DBL_EPS = 2.220446049250313e-16


cdef inline double nest_expm1(double x) noexcept nogil:
    """exp(x) - 1 as NEST 3.10's PyPI build computes it (its build lacks
    HAVE_EXPM1): exp(x) - 1 for |x| > ln 2, else the Taylor series summed
    term by term until a term falls below DBL_EPSILON of the sum."""
    cdef double total, term
    cdef long k
    if x == 0.0:
        return 0.0
    if fabs(x) > log(2.0):
        return exp(x) - 1.0
    total = x
    term = x * x / 2
    k = 2
    while fabs(term) > fabs(total) * DBL_EPS:
        total += term
        k += 1
        term *= x / k
    return total


ctypedef struct pnl_vt:
    int64_t *step       # arrival steps of dopamine spikes, ascending
    double *mult        # their summed multiplicities
    int64_t first       # first live entry
    int64_t n           # entries used
    int64_t cap
    int64_t last_trig   # the latest trigger (steps); the buffer's pseudo spike
    int64_t prev_trig   # the trigger before it


cdef class VolumeTransmitter(NodeBlock):
    """volume_transmitter -- collects dopamine spikes for stdp_dopamine_synapse.

    Equations
    ---------
    None: each step's incoming spikes are stored with their summed
    multiplicity and the arrival time (step end), for the
    ``stdp_dopamine_synapse`` models that name this node.

    Numerics
    --------
    The input channel counts spikes.  Every ``deliver_interval`` min-delay
    slices the synapses are triggered (see ``stdp_dopamine_synapse``) and the
    spikes before the previous trigger are dropped.

    Parameters
    ----------
        ``deliver_interval``   1   trigger interval in min-delay slices

    Receives spikes from neurons (receptor 0) through static synapses; sends
    nothing.  Devices cannot connect to it (NEST: a node without proxies
    cannot reach a global receiver); under MPI it is not available yet.
    """
    __doc__ = __doc__
    nest_element_type = "other"
    refuses_devices = True
    refuses_plastic = True
    parameters = {"deliver_interval": 1}
    strictly_positive = ("deliver_interval",)
    state = {}
    internal = {}
    n_channels = 1
    spike_receptors = {0: (0, False, True)}
    current_receptors = {}
    recordables = ()

    cdef pnl_vt *vt
    cdef int64_t n_vt
    cdef int64_t[::1] interval

    @classmethod
    def all_defaults(cls):
        return dict(cls.parameters)

    @classmethod
    def public_names(cls):
        return tuple(cls.parameters)

    def bind(self):
        cdef int64_t i
        self.interval = self.arrays["deliver_interval"]
        if self.vt == NULL and self.n > 0:
            self.vt = <pnl_vt *>realloc(NULL, self.n * sizeof(pnl_vt))
            if self.vt == NULL:
                raise MemoryError("volume_transmitter: out of memory")
            for i in range(self.n):
                self.vt[i].step = NULL
                self.vt[i].mult = NULL
                self.vt[i].first = 0
                self.vt[i].n = 0
                self.vt[i].cap = 0
                self.vt[i].last_trig = 0
                self.vt[i].prev_trig = 0
            self.n_vt = self.n

    def __dealloc__(self):
        cdef int64_t i
        if self.vt != NULL:
            for i in range(self.n_vt):
                free(self.vt[i].step)
                free(self.vt[i].mult)
            free(self.vt)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i
        cdef long lag
        cdef double *row
        cdef double m
        cdef pnl_vt *v
        cdef int64_t cap
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(self.n):
                m = row[i]
                row[i] = 0.0
                if m > 0.0:
                    v = &self.vt[i]
                    if v.n == v.cap:
                        if v.first > 0:
                            memmove(v.step, v.step + v.first, (v.n - v.first) * sizeof(int64_t))
                            memmove(v.mult, v.mult + v.first, (v.n - v.first) * sizeof(double))
                            v.n -= v.first
                            v.first = 0
                        if v.n == v.cap:
                            cap = 2 * v.cap + 16
                            v.step = <int64_t *>realloc(v.step, cap * sizeof(int64_t))
                            v.mult = <double *>realloc(v.mult, cap * sizeof(double))
                            if v.step == NULL or v.mult == NULL:
                                self.error_code = 1
                                return
                            v.cap = cap
                    v.step[v.n] = ctx.origin + lag + 1
                    v.mult[v.n] = m
                    v.n += 1

    def error(self):
        return MemoryError("volume_transmitter: the spike buffer could not grow")

    def trigger_steps(self, int64_t i, int64_t min_delay):
        """Steps between triggers of transmitter ``i``."""
        return int(self.interval[i]) * min_delay

    cdef pnl_vt *get_vt(self, int64_t i) noexcept nogil:
        return &self.vt[i]


cdef inline void vt_advance(pnl_vt *v, int64_t T) noexcept nogil:
    """The trigger at T: the buffer restarts at T (idempotent: every table of
    the transmitter calls it at T); spikes at or before the previous trigger
    are no longer read by anyone."""
    if T > v.last_trig:
        v.prev_trig = v.last_trig
        v.last_trig = T
        while v.first < v.n and v.step[v.first] <= v.prev_trig:
            v.first += 1


cdef class StdpDopamineSynapseTable(SynapseTable):
    """``stdp_dopamine_synapse``: see the module docstring.  Storage: 46 bytes
    per synapse (code, delay, weight, Kplus, c, n, the last update step and
    the index of the last dopamine spike read)."""
    uses_archive = True
    time_driven = True
    private = ("t_lu", "dopa_idx")
    columns = {"weight": ("float64", 1.0), "Kplus": ("float64", 0.0), "c": ("float64", 0.0),
               "n": ("float64", 0.0), "t_lu": ("int64", 0), "dopa_idx": ("int64", 0)}
    common = {"A_plus": 1.0, "A_minus": 1.5, "tau_plus": 20.0, "tau_c": 1000.0,
              "tau_n": 200.0, "b": 0.0, "Wmin": 0.0, "Wmax": 200.0,
              "volume_transmitter": None, "weight_recorder": None}
    cdef double[::1] w, kplus, c, nn
    cdef int64_t[::1] t_lu, didx
    cdef double A_plus, A_minus, tau_plus, tau_c, tau_n, b, Wmin, Wmax, ms_per_step
    cdef VolumeTransmitter vt_block
    cdef pnl_vt *vt
    cdef public int64_t interval     # steps between triggers
    cdef public int64_t last_trig    # the last trigger this table has applied
    # the window of dopamine spikes being read: pseudo spike at w_t0 (ms),
    # then the transmitter's live entries w_first .. w_n - 1
    cdef double w_t0
    cdef int64_t w_first, w_n
    cdef pnl_archive *arch

    def bind(self):
        SynapseTable.bind(self)
        c = self.cols
        self.w = c["weight"]; self.kplus = c["Kplus"]; self.c = c["c"]; self.nn = c["n"]
        self.t_lu = c["t_lu"]; self.didx = c["dopa_idx"]

    @classmethod
    def check(cls, dict values, common=None):
        if "Kplus" in values and np.any(np.asarray(values["Kplus"]) < 0):
            raise BadProperty("Kplus must be non-negative.")

    @classmethod
    def check_common(cls, dict params):
        SynapseTable.check_common.__func__(cls, params)
        if params.get("volume_transmitter") is not None:
            from pynestlite.engine import kernel
            volume_transmitter_of(params["volume_transmitter"], kernel)

    @classmethod
    def check_connection(cls, engine, pre_recs, post_recs, delays, model):
        if engine.synapse_models[model].get("volume_transmitter") is None:
            raise BadProperty("No volume transmitter has been assigned to the dopamine "
                              f"synapse ({model}); SetDefaults({model!r}, "
                              "{'volume_transmitter': vt}) first.")
        if engine.size > 1:
            raise NotImplementedFeature(
                f"{model} under MPI ({engine.size} ranks) is not available yet: the "
                "volume transmitter's spikes are not shared between ranks; run it on one rank")

    def pre_run(self, engine, dict params):
        self.bind_weight_recorder(engine, params)
        blk, i = volume_transmitter_of(params["volume_transmitter"], engine)
        self.vt_block = <VolumeTransmitter>blk
        self.vt = self.vt_block.get_vt(<int64_t>i)
        self.interval = blk.trigger_steps(i, engine.min_delay)
        self.A_plus = float(params["A_plus"]); self.A_minus = float(params["A_minus"])
        self.tau_plus = float(params["tau_plus"]); self.tau_c = float(params["tau_c"])
        self.tau_n = float(params["tau_n"]); self.b = float(params["b"])
        self.Wmin = float(params["Wmin"]); self.Wmax = float(params["Wmax"])
        self.ms_per_step = engine.tics_per_step * engine.ms_per_tic
        if self.last_trig < self.vt.last_trig:
            self.last_trig = self.vt.last_trig

    # --------------------------------------------------------------- pieces
    cdef inline double wt(self, int64_t i) noexcept nogil:
        """Time (ms) of dopamine spike i of the window (0: the pseudo spike)."""
        if i == 0:
            return self.w_t0
        return pnl_archive_ms(self.arch, self.vt.step[self.w_first + i - 1])

    cdef inline void update_weight(self, int64_t k, double c0, double n0,
                                   double minus_dt) noexcept nogil:
        cdef double taus = (self.tau_c + self.tau_n) / (self.tau_c * self.tau_n)
        cdef double w = self.w[k] - c0 * (n0 / taus * nest_expm1(taus * minus_dt)
                                          - self.b * self.tau_c * nest_expm1(minus_dt / self.tau_c))
        if w < self.Wmin:
            w = self.Wmin
        if w > self.Wmax:
            w = self.Wmax
        self.w[k] = w

    cdef inline void update_dopamine(self, int64_t k) noexcept nogil:
        cdef int64_t i = self.didx[k]
        cdef double minus_dt = self.wt(i) - self.wt(i + 1)
        i += 1
        self.didx[k] = i
        self.nn[k] = (self.nn[k] * exp(minus_dt / self.tau_n)
                      + self.vt.mult[self.w_first + i - 1] / self.tau_n)

    cdef void process_dopa(self, int64_t k, double t0, double t1) noexcept nogil:
        """Weight, c and n of synapse ``k`` from t0 to t1 (ms), through the
        dopamine spikes of the window in (t0, t1]."""
        cdef int64_t nw = 1 + self.w_n - self.w_first
        cdef double n0, cd
        if nw > self.didx[k] + 1 and t1 - self.wt(self.didx[k] + 1) > -STDP_EPS:
            n0 = self.nn[k] * exp((self.wt(self.didx[k]) - t0) / self.tau_n)
            self.update_weight(k, self.c[k], n0, t0 - self.wt(self.didx[k] + 1))
            self.update_dopamine(k)
            while nw > self.didx[k] + 1 and t1 - self.wt(self.didx[k] + 1) > -STDP_EPS:
                cd = self.c[k] * exp((t0 - self.wt(self.didx[k])) / self.tau_c)
                self.update_weight(k, cd, self.nn[k],
                                   self.wt(self.didx[k]) - self.wt(self.didx[k] + 1))
                self.update_dopamine(k)
            cd = self.c[k] * exp((t0 - self.wt(self.didx[k])) / self.tau_c)
            self.update_weight(k, cd, self.nn[k], self.wt(self.didx[k]) - t1)
        else:
            n0 = self.nn[k] * exp((self.wt(self.didx[k]) - t0) / self.tau_n)
            self.update_weight(k, self.c[k], n0, t0 - t1)
        self.c[k] = self.c[k] * exp((t0 - t1) / self.tau_c)

    cdef double facilitate_until(self, int64_t k, int64_t slot, int64_t d, int64_t t_end,
                                 bint check_eps, double t_spike) noexcept nogil:
        """The postsynaptic spikes in (t_last_update - d, t_end - d] facilitate
        (the weight advanced to each); returns the time (ms) reached."""
        cdef int64_t j0, j1, j
        cdef double d_ms = d * self.ms_per_step
        cdef double t_lu = pnl_archive_ms(self.arch, self.t_lu[k]), t0 = t_lu, tj
        pnl_archive_history(self.arch, slot, self.t_lu[k] - d, t_end - d, &j0, &j1)
        for j in range(j0, j1):
            tj = pnl_archive_entry_ms(self.arch, slot, j)
            self.process_dopa(k, t0, tj + d_ms)
            t0 = tj + d_ms
            if not check_eps or t_spike - tj > STDP_EPS:
                self.c[k] += self.A_plus * (self.kplus[k] * exp((t_lu - t0) / self.tau_plus))
        return t0

    cdef void open_window(self, int64_t pseudo) noexcept nogil:
        """Read the transmitter's spikes after the trigger at ``pseudo``."""
        cdef pnl_vt *v = self.vt
        cdef int64_t i = v.first
        self.w_t0 = pnl_archive_ms(self.arch, pseudo)
        while i < v.n and v.step[i] <= pseudo:
            i += 1
        self.w_first = i
        self.w_n = v.n

    cdef void trigger(self, SliceContext *ctx, int64_t T) noexcept nogil:
        """Every synapse up to the trigger at T (steps)."""
        cdef int64_t g, k, d
        cdef double t_trig, t0
        vt_advance(self.vt, T)
        self.arch = ctx.archive
        self.open_window(self.vt.prev_trig if self.vt.last_trig == T else self.last_trig)
        t_trig = pnl_archive_ms(self.arch, T)
        for g in range(self.n_rows):
            for k in range(self.rp[g], self.rp[g + 1]):
                d = self.dl[k]
                t0 = self.facilitate_until(k, ctx.chan_slot[self.cd[k] >> 2], d, T, False, 0.0)
                self.process_dopa(k, t0, t_trig)
                self.nn[k] = self.nn[k] * exp((self.wt(self.didx[k]) - t_trig) / self.tau_n)
                self.kplus[k] = self.kplus[k] * exp(
                    (pnl_archive_ms(self.arch, self.t_lu[k]) - t_trig) / self.tau_plus)
                self.t_lu[k] = T
                self.didx[k] = 0
        self.last_trig = T

    cdef void catch_up(self, SliceContext *ctx, int64_t p) noexcept nogil:
        """Apply the trigger due at or before step ``p`` if not done yet."""
        cdef int64_t T
        if self.interval <= 0:
            return
        T = (p // self.interval) * self.interval
        if T > self.last_trig:
            self.trigger(ctx, T)

    cdef int64_t next_update(self, int64_t after) noexcept nogil:
        if self.interval <= 0:
            return INT64_MAX
        return (after // self.interval + 1) * self.interval

    cdef void advance(self, SliceContext *ctx, int64_t p, int64_t end) noexcept nogil:
        if self.vt != NULL:
            self.catch_up(ctx, p)

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t t_spike, d, tslot
        cdef double t_ms, t0, km
        if self.vt == NULL:     # (not run yet: no rows either)
            return
        # the trigger at the end of the slice of these spikes comes first (NEST
        # triggers in the update phase, before the next slice's delivery)
        self.catch_up(ctx, origin + ctx.min_delay)
        self.arch = ctx.archive
        self.open_window(self.vt.last_trig)
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows or self.rp[g] == self.rp[g + 1]:
                continue
            base = (origin + lags[s]) % L
            t_spike = origin + lags[s] + 1
            t_ms = pnl_archive_ms(self.arch, t_spike)
            for k in range(self.rp[g], self.rp[g + 1]):
                d = self.dl[k]
                tslot = ctx.chan_slot[self.cd[k] >> 2]
                t0 = self.facilitate_until(k, tslot, d, t_spike, True, t_ms)
                self.process_dopa(k, t0, t_ms)
                km = pnl_archive_k_value(self.arch, tslot, t_spike - d,
                                         t_ms - d * self.ms_per_step, 0)
                self.arch.hist[tslot].trace = km        # the target's post_trace
                self.c[k] -= self.A_minus * km
                if self.wr_on:
                    self.record_weight(k, t_spike, self.w[k])
                slot = base + d
                if slot >= L:
                    slot -= L
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], self.w[k], 1.0)
                self.kplus[k] = self.kplus[k] * exp(
                    (pnl_archive_ms(self.arch, self.t_lu[k]) - t_ms) / self.tau_plus) + 1.0
                self.t_lu[k] = t_spike



def volume_transmitter_of(vt, engine):
    """(block, row) of the volume_transmitter node ``vt`` (a NodeCollection of
    one node or a node id)."""
    from pynestlite.nodes import as_collection
    try:
        ids = as_collection(vt, "volume_transmitter").ids
        found = [(rec.block, g) for rec, g in engine.groups(ids)]
    except Exception:
        ids, found = (), []
    if len(ids) != 1:
        raise BadProperty("Property volume_transmitter must be a single element NodeCollection")
    if len(found) != 1 or not isinstance(found[0][0], VolumeTransmitter):
        raise BadProperty("Property volume_transmitter must be set to a node of type "
                          "volume_transmitter")
    blk = found[0][0]
    return blk, int(np.searchsorted(blk.gids, found[0][1][0]))


MODELS = {"volume_transmitter": VolumeTransmitter}
SYNAPSE_MODELS = {"stdp_dopamine_synapse": StdpDopamineSynapseTable}
