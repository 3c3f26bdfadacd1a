# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Spike-timing dependent plasticity with NEST's pair-based rules.

Synapses read their target's spike archive (``archive.h``: the stamps of the
target's spikes and its trace ``Kminus`` at each of them, the time constant
``tau_minus`` being a neuron parameter) and keep a presynaptic trace
``Kplus`` with the time ``t_last`` of the source's previous spike.  The whole
delay ``d`` counts as dendritic: a presynaptic spike at ``t`` acts on the
synapse at ``t`` and pairs with postsynaptic spikes up to ``t - d``.

``Kplus`` and ``t_last`` depend only on the source's spikes (and on
``tau_plus`` and the initial ``Kplus``), so while these agree on every
synapse of a source row they are held once per row: 16 bytes per source
instead of per synapse, with the same values NEST computes per synapse.  The
table falls back to per-synapse state as soon as they differ (``Kplus`` or
``tau_plus`` set per synapse, or synapses added to a row whose source has
already fired).
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport copysign, exp, fabs, pow, round
from libc.stdint cimport int64_t, int32_t, uint8_t

from libc.stdlib cimport free, realloc
from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel, owns_target, split_threads
from pynestlite.kernel.archive cimport (
    pnl_archive, pnl_archive_entry, pnl_archive_entry_ms, pnl_archive_history,
    pnl_archive_k_value, pnl_archive_ms)
from pynestlite.kernel.connections cimport SynapseTable, row_span
from pynestlite.errors import BadProperty

cnp.import_array()


cdef inline double _pow(double x, double mu) noexcept nogil:
    """``pow(x, mu)``, without the call for the common exponents 1 and 0
    (the results are the same: pow returns x and 1 exactly there)."""
    if mu == 1.0:
        return x
    if mu == 0.0:
        return 1.0
    return pow(x, mu)


cdef inline double _up_to_wmax(double new_w, double wmax) noexcept nogil:
    """``|w|`` raised to ``new_w``: at most ``|Wmax|``, with the sign of
    ``Wmax`` (NEST's rules that keep the weight's sign through ``Wmax``)."""
    return copysign(new_w if new_w < fabs(wmax) else wmax, wmax)


cdef inline double _down_to_zero(double new_w, double wmax) noexcept nogil:
    """``|w|`` lowered to ``new_w``: at least 0, with the sign of ``Wmax``."""
    return copysign(new_w if new_w > 0.0 else 0.0, wmax)


def _require(ok, message):
    if not np.all(ok):
        raise BadProperty(message)


ctypedef struct RowState:
    double kplus        # the source row's Kplus before a spike
    int64_t t_last      # and the stamp of its previous spike


cdef class PairStdpTable(SynapseTable):
    """Machinery shared by the pair-based STDP models: the presynaptic state
    (``Kplus``, ``t_last``) per source row or per synapse, the compact
    parameter columns, and the delivery loop; a model supplies ``pair``
    (the weight update of one presynaptic spike)."""
    #: as NEST, a Connect that gives only weight and delay sets the weight
    #: without the cross checks against the other parameters (Wmax's sign)
    weight_checked_at_connect = False
    uses_archive = True
    private = ("t_last",)
    decay_by_inverse = False
    row_state = True        # Kplus, t_last depend on the source alone
    trace_tau = "tau_plus"  # the column of Kplus's time constant
    common = {"weight_recorder": None}
    cdef public bint per_row          # Kplus and t_last held once per source row
    cdef public object kplus_row      # float64 per source row
    cdef public object tlast_row      # int64 per source row: stamp of the last spike (0: none)
    cdef double[::1] kp_r
    cdef int64_t[::1] tl_r
    cdef double[::1] kp_s
    cdef int64_t[::1] tl_s
    cdef double[::1] w
    cdef double[::1] tau_plus
    cdef Py_ssize_t s_tau_plus
    cdef double[::1] wmax             # every pair rule bounds the weight by Wmax
    cdef Py_ssize_t s_wmax
    cdef double ms_per_step
    cdef bint tau_inverse             # decays as exp(dt * (1 / tau_plus)) (NEST's *_pl_* order)
    # several threads: Kplus and t_last of each spike's row before the spike
    # (pre_deliver computes them on the calling thread, in spike order)
    cdef RowState *pre
    cdef int64_t pre_cap
    #: the pair rules write only their synapse's columns and the target's
    #: archive: several threads deliver at once, each to its own targets
    #: (a subclass that keeps this delivery declares it again)
    threaded = True

    def __dealloc__(self):
        free(self.pre)

    def threadable(self):
        """Not while a weight_recorder logs the transmissions (one log)."""
        return not self.wr_on

    def __init__(self, synapse_model):
        self.per_row = self.row_state
        self.tau_inverse = self.decay_by_inverse
        self.kplus_row = np.zeros(0, np.float64)
        self.tlast_row = np.zeros(0, np.int64)
        SynapseTable.__init__(self, synapse_model)

    @classmethod
    def sizeof(cls):
        """Bytes per synapse (Kplus and t_last held per source row where the
        rule allows)."""
        return SynapseTable.sizeof.__func__(cls) - (16 if cls.row_state else 0)

    def stored_columns(self):
        cols = self.all_columns()
        if self.per_row:
            cols.pop("Kplus")
            cols.pop("t_last")
        return cols

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]
        self.tau_plus = self.cols[self.trace_tau]
        self.s_tau_plus = self.stride(self.trace_tau)
        if "Wmax" in self.cols:
            self.wmax = self.cols["Wmax"]
            self.s_wmax = self.stride("Wmax")
        self.kp_r = self.kplus_row
        self.tl_r = self.tlast_row
        if not self.per_row:
            self.kp_s = self.cols["Kplus"]
            self.tl_s = self.cols["t_last"]

    def pre_run(self, engine, dict params):
        self.ms_per_step = engine.tics_per_step * engine.ms_per_tic
        self.bind_weight_recorder(engine, params)
        if self.hom:
            self.take_common(params)

    def nbytes(self):
        return SynapseTable.nbytes(self) + self.kplus_row.nbytes + self.tlast_row.nbytes

    def _to_per_synapse(self):
        """Expand the row state into per-synapse columns."""
        counts = np.diff(self.row_ptr)
        n = len(counts)
        self.cols["Kplus"] = np.repeat(self.kplus_row[:n], counts)
        self.cols["t_last"] = np.repeat(self.tlast_row[:n], counts)
        self.per_row = False
        self.kplus_row = np.zeros(0, np.float64)
        self.tlast_row = np.zeros(0, np.int64)
        self.bind()

    def finalize(self, int64_t n_gids):
        if self.per_row and self.pending:
            if not self._rows_stay_uniform():
                self._to_per_synapse()
        pending = [(src, dict(chunk)) for src, chunk in self.pending] if self.per_row else None
        SynapseTable.finalize(self, n_gids)
        if self.per_row:
            n_rows = self.n_rows
            kp = np.zeros(n_rows, np.float64)
            tl = np.zeros(n_rows, np.int64)
            kp[:len(self.kplus_row)] = self.kplus_row[:n_rows]
            tl[:len(self.tlast_row)] = self.tlast_row[:n_rows]
            for src, chunk in pending or ():
                kp[src] = chunk["Kplus"]
            self.kplus_row, self.tlast_row = kp, tl
            if self.trace_tau not in self.uniform:
                self._to_per_synapse()
            self.bind()

    def _rows_stay_uniform(self):
        """Whether the pending synapses keep every row's Kplus and t_last equal."""
        kps = [c["Kplus"] for _, c in self.pending]
        if all(np.ndim(v) == 0 for v in kps) and len(set(float(v) for v in kps)) == 1:
            # one initial Kplus (the usual case): rows that already hold
            # synapses must still be at their initial state with that value
            counts = np.diff(self.row_ptr)
            n = min(len(counts), len(self.tlast_row))
            touched = np.zeros(n, bool)
            for src, _ in self.pending:
                touched |= np.bincount(src, minlength=n)[:n] > 0
            held = touched & (counts[:n] > 0)
            return not (np.any(self.tlast_row[:n][held] != 0)
                        or np.any(self.kplus_row[:n][held] != float(kps[0])))
        src = np.concatenate([s for s, _ in self.pending])
        if src.shape[0] == 0:
            return True
        kp = np.concatenate([np.broadcast_to(np.asarray(c["Kplus"], np.float64), s.shape)
                             for s, c in self.pending])
        rows, first = np.unique(src, return_index=True)
        start = kp[first]
        if not np.all(kp == start[np.searchsorted(rows, src)]):
            return False
        counts = np.diff(self.row_ptr)
        old = rows[rows < len(counts)]
        old = old[counts[old] > 0]
        if old.shape[0]:
            pos = np.searchsorted(rows, old)
            if np.any(self.tlast_row[old] != 0) or np.any(self.kplus_row[old] != start[pos]):
                return False
        return True

    def get_state(self):
        d = SynapseTable.get_state(self)
        d.update(per_row=self.per_row, kplus_row=self.kplus_row.copy(),
                 tlast_row=self.tlast_row.copy())
        return d

    def set_state(self, dict state):
        self.per_row = bool(state["per_row"])
        self.kplus_row = np.asarray(state["kplus_row"], np.float64).copy()
        self.tlast_row = np.asarray(state["tlast_row"], np.int64).copy()
        SynapseTable.set_state(self, state)

    def get(self, str name, idx):
        if self.per_row and name in ("Kplus", "t_last"):
            src = self.sources()[idx]
            return (self.kplus_row if name == "Kplus" else self.tlast_row)[src]
        return SynapseTable.get(self, name, idx)

    def set(self, str name, idx, values):
        if self.per_row and name in ("Kplus", "t_last"):
            self._to_per_synapse()
        SynapseTable.set(self, name, idx, values)
        if self.per_row and self.trace_tau not in self.uniform:
            self._to_per_synapse()

    cdef inline double decay(self, int64_t k, double minus_dt) noexcept nogil:
        """``exp(minus_dt / tau_plus)`` of synapse ``k`` (by the inverse of
        tau_plus where the model's NEST original multiplies)."""
        if self.tau_inverse:
            return exp(minus_dt * (1. / self.tau_plus[k * self.s_tau_plus]))
        return exp(minus_dt / self.tau_plus[k * self.s_tau_plus])

    cdef inline double pre_decay(self, int64_t k, int64_t t_last, double t_post_ms, double d_ms,
                                 pnl_archive *a) noexcept nogil:
        """``exp((t_last - (t_post + d)) / tau_plus)``: the presynaptic trace
        of the spike at ``t_last`` (stamp) seen by a postsynaptic spike at
        ``t_post_ms`` (its archived time: precise for models with precise
        spike times, as NEST)."""
        return self.decay(k, pnl_archive_ms(a, t_last) - (t_post_ms + d_ms))

    cdef inline double post_trace(self, int64_t slot, int64_t t_spike, int64_t d, int col,
                                  pnl_archive *a) noexcept nogil:
        """The target's trace (``col`` of ``pnl_archive_k_value``) at ``t_spike - d``;
        the Kminus trace (col 0) is kept as the target's ``post_trace``."""
        cdef double v = pnl_archive_k_value(a, slot, t_spike - d,
                                            pnl_archive_ms(a, t_spike) - d * self.ms_per_step,
                                            col)
        if col == 0:
            a.hist[slot].trace = v
        return v

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        """The new weight of synapse ``k`` at a presynaptic spike stamped
        ``t_spike`` (steps; previous one ``t_last``, trace ``kplus[0]`` before
        this spike, which the rule may change; delay ``d`` steps, target
        archive slot ``slot``).  The caller then sets ``Kplus <- Kplus *
        exp((t_last - t) / tau_plus) + 1`` and ``t_last <- t``."""
        return w

    cdef inline void _row_advance(self, int64_t g, int64_t t_spike, pnl_archive *a) noexcept nogil:
        """The row state of source ``g`` after its spike stamped ``t_spike``:
        ``Kplus <- Kplus * exp((t_last - t) / tau_plus) + 1``, ``t_last <- t``."""
        self.kp_r[g] = (self.kp_r[g] * self.decay(0, pnl_archive_ms(a, self.tl_r[g])
                                                  - pnl_archive_ms(a, t_spike)) + 1.0)
        self.tl_r[g] = t_spike

    cdef void pre_deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                          int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, g, cap
        cdef RowState *p
        if not self.per_row:
            return
        if n > self.pre_cap:
            cap = max(n, 2 * self.pre_cap)
            p = <RowState *>realloc(self.pre, cap * sizeof(RowState))
            if p == NULL:
                self.failed = True
                return
            self.pre = p
            self.pre_cap = cap
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows or self.rp[g] == self.rp[g + 1]:
                continue
            self.pre[s].kplus = self.kp_r[g]
            self.pre[s].t_last = self.tl_r[g]
            self._row_advance(g, origin + lags[s] + 1, ctx.archive)

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, k0, k1, base, slot, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t t_spike, t_last, d
        cdef double kplus, kp, wk, t_ms
        cdef pnl_archive *a = ctx.archive
        cdef bint split = split_threads(ctx), check
        if split and self.per_row and self.failed:
            return          # (pre_deliver could not hold the row states)
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows or self.rp[g] == self.rp[g + 1]:
                continue
            base = (origin + lags[s]) % L
            t_spike = origin + lags[s] + 1
            t_ms = pnl_archive_ms(a, t_spike)
            if self.per_row:
                kplus = self.pre[s].kplus if split else self.kp_r[g]
                t_last = self.pre[s].t_last if split else self.tl_r[g]
            check = row_span(self, ctx, g, &k0, &k1)
            for k in range(k0, k1):
                if check and not owns_target(ctx, self.cd[k]):
                    continue
                if not self.per_row:
                    kplus = self.kp_s[k]
                    t_last = self.tl_s[k]
                d = self.dl[k]
                kp = kplus
                wk = self.pair(k, self.w[k], &kp, t_last, t_spike, d,
                               ctx.chan_slot[self.cd[k] >> 2], ctx)
                self.w[k] = wk
                if self.wr_on:
                    self.record_weight(k, t_spike, wk)
                slot = base + d
                if slot >= L:
                    slot -= L
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], wk, 1.0)
                if not self.per_row:
                    self.kp_s[k] = kp * self.decay(k, pnl_archive_ms(a, t_last) - t_ms) + 1.0
                    self.tl_s[k] = t_spike
            if self.per_row and not split:
                self._row_advance(g, t_spike, a)


cdef class PowerLawStdpTable(PairStdpTable):
    """The weight dependence NEST's pair-based STDP synapses share: for
    ``x = w / Wmax``, facilitation ``F(w, k) = min(x + lambda (1 - x)^mu_plus
    k, 1) Wmax`` and depression ``D(w, k) = max(x - alpha lambda x^mu_minus
    k, 0) Wmax`` (NEST's operation order: weights equal bit for bit), with
    the parameters as per-synapse columns held compact while they agree."""
    threaded = True       # (PairStdpTable's delivery)
    compact = ("tau_plus", "lambda", "alpha", "mu_plus", "mu_minus", "Wmax")
    checked_together = ("weight", "Wmax")
    cdef double[::1] lam, alpha, mu_plus, mu_minus
    cdef Py_ssize_t s_lam, s_alpha, s_mu_plus, s_mu_minus

    def bind(self):
        PairStdpTable.bind(self)
        self.lam = self.cols["lambda"]
        self.alpha = self.cols["alpha"]
        self.mu_plus = self.cols["mu_plus"]
        self.mu_minus = self.cols["mu_minus"]
        self.s_lam = self.stride("lambda")
        self.s_alpha = self.stride("alpha")
        self.s_mu_plus = self.stride("mu_plus")
        self.s_mu_minus = self.stride("mu_minus")

    @classmethod
    def check(cls, dict values, common=None):
        name = cls.__name__
        if "weight" in values and "Wmax" in values:
            w, wmax = np.asarray(values["weight"]), np.asarray(values["Wmax"])
            _require(cls.same_sign(w, wmax), "weight and Wmax must have the same sign")
        if "Kplus" in values:
            _require(np.asarray(values["Kplus"]) >= 0, "Kplus must be >= 0")
        if "tau_plus" in values:
            # (0 is accepted, as NEST accepts it: Kplus then forgets at once)
            _require(np.asarray(values["tau_plus"]) >= 0, "tau_plus must be >= 0 ms")

    @staticmethod
    def same_sign(w, wmax):
        return np.where(w >= 0, 1, -1) == np.where(wmax >= 0, 1, -1)

    cdef inline double facilitate(self, int64_t k, double w, double kp) noexcept nogil:
        cdef double wmax = self.wmax[k * self.s_wmax]
        cdef double norm = (w / wmax) + (self.lam[k * self.s_lam]
                                         * _pow(1.0 - (w / wmax), self.mu_plus[k * self.s_mu_plus])
                                         * kp)
        return norm * wmax if norm < 1.0 else wmax

    cdef inline double depress(self, int64_t k, double w, double km) noexcept nogil:
        cdef double wmax = self.wmax[k * self.s_wmax]
        cdef double norm = (w / wmax) - (self.alpha[k * self.s_alpha] * self.lam[k * self.s_lam]
                                         * _pow(w / wmax, self.mu_minus[k * self.s_mu_minus])
                                         * km)
        return norm * wmax if norm > 0.0 else 0.0

    cdef inline double facilitate_window(self, int64_t k, double w, double scale,
                                         int64_t t_last, int64_t t_spike, int64_t d,
                                         int64_t slot, pnl_archive *a) noexcept nogil:
        """Facilitation by every postsynaptic spike in ``(t_last - d, t_spike - d]``,
        each with ``scale * pre_decay``."""
        cdef int64_t k0, k1, j
        cdef double d_ms = d * self.ms_per_step
        pnl_archive_history(a, slot, t_last - d, t_spike - d, &k0, &k1)
        for j in range(k0, k1):
            w = self.facilitate(k, w, scale * self.pre_decay(
                k, t_last, pnl_archive_entry_ms(a, slot, j), d_ms, a))
        return w


_POWER_LAW_COLUMNS = {"weight": ("float64", 1.0), "tau_plus": ("float64", 20.0),
                      "lambda": ("float64", 0.01), "alpha": ("float64", 1.0),
                      "mu_plus": ("float64", 1.0), "mu_minus": ("float64", 1.0),
                      "Wmax": ("float64", 100.0), "Kplus": ("float64", 0.0),
                      "t_last": ("int64", 0)}


cdef class StdpSynapseTable(PowerLawStdpTable):
    """``stdp_synapse``: pair-based STDP with all-to-all pairing (NEST).

    Per presynaptic spike at ``t`` (ms) with delay ``d`` on a synapse whose
    source fired last at ``t_last``:

    1. facilitation, for every postsynaptic spike ``t_j`` with
       ``t_last - d < t_j <= t - d``:
       ``w <- F(w, Kplus * exp((t_last - (t_j + d)) / tau_plus))``;
    2. depression: ``w <- D(w, K_minus(t - d))``, ``K_minus(t)`` the target's
       trace ``Kminus`` at its latest spike strictly before ``t``, decayed
       with ``exp(-(t - t_j) / tau_minus)``;
    3. the spike is delivered with the new ``w``;
    4. ``Kplus <- Kplus * exp((t_last - t) / tau_plus) + 1``, ``t_last <- t``;

    with ``F`` and ``D`` of :class:`PowerLawStdpTable`.

    Parameters (per synapse, NEST's names and defaults): ``weight`` 1,
    ``tau_plus`` 20 ms, ``lambda`` 0.01, ``alpha`` 1, ``mu_plus`` 1,
    ``mu_minus`` 1, ``Wmax`` 100, ``Kplus`` 0.  The target's ``tau_minus``
    (20 ms) is a neuron parameter.  Storage: 14 bytes per synapse (code,
    delay, weight) while the parameters agree on all synapses, plus 16 bytes
    per source row for ``Kplus`` and ``t_last``.
    """
    threaded = True       # (PairStdpTable's delivery)
    columns = _POWER_LAW_COLUMNS

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        w = self.facilitate_window(k, w, kplus[0], t_last, t_spike, d, slot, ctx.archive)
        return self.depress(k, w, self.post_trace(slot, t_spike, d, 0, ctx.archive))


cdef class StdpNnSymmSynapseTable(PowerLawStdpTable):
    """``stdp_nn_symm_synapse``: STDP with symmetric nearest-neighbour pairing
    (NEST; Morrison et al. 2008, Fig. 7A).

    Per presynaptic spike at ``t`` with delay ``d`` (source's previous spike
    ``t_last``): every postsynaptic spike ``t_j`` in ``(t_last - d, t - d]``
    pairs with the presynaptic spike just before it,
    ``w <- F(w, exp((t_last - (t_j + d)) / tau_plus))``; then the presynaptic
    spike pairs with the latest postsynaptic spike ``t_j`` strictly before
    ``t - d``: ``w <- D(w, exp(-(t - d - t_j) / tau_minus))`` (none: no
    change).  ``F``, ``D`` and the parameters as ``stdp_synapse``, without
    ``Kplus``.  14 bytes per synapse plus 16 per source row.
    """
    threaded = True       # (PairStdpTable's delivery)
    columns = _POWER_LAW_COLUMNS
    private = ("t_last", "Kplus")

    @staticmethod
    def same_sign(w, wmax):
        return np.signbit(w) == np.signbit(wmax)

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        w = self.facilitate_window(k, w, 1.0, t_last, t_spike, d, slot, ctx.archive)
        return self.depress(k, w, self.post_trace(slot, t_spike, d, 2, ctx.archive))


cdef class StdpNnPreCenteredSynapseTable(PowerLawStdpTable):
    """``stdp_nn_pre_centered_synapse``: presynaptic-centred nearest-neighbour
    pairing (NEST; Izhikevich & Desai 2003, Morrison et al. 2008, Fig. 7B).

    Per presynaptic spike at ``t`` with delay ``d``: if the target fired in
    ``(t_last - d, t - d]``, its first spike ``t_j`` there facilitates,
    ``w <- F(w, Kplus exp((t_last - (t_j + d)) / tau_plus))``, and ``Kplus``
    is reset to 0; then ``w <- D(w, exp(-(t - d - t_j') / tau_minus))`` with
    ``t_j'`` the latest target spike strictly before ``t - d``; then
    ``Kplus <- Kplus exp((t_last - t) / tau_plus) + 1``.  Since the reset of
    ``Kplus`` depends on the target, the state is per synapse (30 bytes).
    """
    threaded = True       # (PairStdpTable's delivery)
    columns = _POWER_LAW_COLUMNS
    row_state = False

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        cdef pnl_archive *a = ctx.archive
        cdef int64_t k0, k1
        if pnl_archive_history(a, slot, t_last - d, t_spike - d, &k0, &k1) > 0:
            w = self.facilitate(k, w, kplus[0] * self.pre_decay(
                k, t_last, pnl_archive_entry_ms(a, slot, k0), d * self.ms_per_step, a))
            kplus[0] = 0.0
        return self.depress(k, w, self.post_trace(slot, t_spike, d, 2, a))


cdef class StdpNnRestrSynapseTable(PowerLawStdpTable):
    """``stdp_nn_restr_synapse``: restricted symmetric nearest-neighbour
    pairing (NEST; Morrison et al. 2008, Fig. 7C).

    Per presynaptic spike at ``t`` with delay ``d``: only if the target fired
    in ``(t_last - d, t - d]`` (its first spike there ``t_j``):
    ``w <- F(w, exp((t_last - (t_j + d)) / tau_plus))`` and then
    ``w <- D(w, exp(-(t - d - t_j') / tau_minus))`` with ``t_j'`` its latest
    spike strictly before ``t - d``.  No ``Kplus``; 14 bytes per synapse
    plus 16 per source row.
    """
    threaded = True       # (PairStdpTable's delivery)
    columns = _POWER_LAW_COLUMNS
    private = ("t_last", "Kplus")

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        cdef pnl_archive *a = ctx.archive
        cdef int64_t k0, k1
        if pnl_archive_history(a, slot, t_last - d, t_spike - d, &k0, &k1) > 0:
            w = self.facilitate(k, w, self.pre_decay(
                k, t_last, pnl_archive_entry_ms(a, slot, k0), d * self.ms_per_step, a))
            w = self.depress(k, w, self.post_trace(slot, t_spike, d, 2, a))
        return w


cdef class StdpTripletSynapseTable(PairStdpTable):
    """``stdp_triplet_synapse``: the triplet STDP rule of Pfister & Gerstner
    (2006), all-to-all pairing (NEST).

    The synapse keeps two presynaptic traces, ``Kplus`` (``tau_plus``) and
    ``Kplus_triplet`` (``tau_plus_triplet``); the target keeps ``Kminus``
    (``tau_minus``) and ``Kminus_triplet`` (``tau_minus_triplet``) in its
    archive, each raised by 1 at its spikes.  Per presynaptic spike at ``t``
    with delay ``d`` (previous one at ``t_last``):

    1. facilitation, for every postsynaptic spike ``t_j`` in
       ``(t_last - d, t - d]``, with ``ky = Kminus_triplet(t_j) - 1`` (the
       trace just before that spike):
       ``|w| <- min(|w| + Kplus exp((t_last - (t_j + d)) / tau_plus)
       (Aplus + Aplus_triplet ky), |Wmax|)``;
    2. ``Kplus_triplet <- Kplus_triplet exp((t_last - t) / tau_plus_triplet)``;
    3. depression with the target's ``Kminus`` at ``t - d`` (as
       ``stdp_synapse``): ``|w| <- max(|w| - Kminus (Aminus + Aminus_triplet
       Kplus_triplet), 0)``; the weight keeps the sign of ``Wmax``;
    4. the spike is delivered with the new weight; ``Kplus_triplet += 1``,
       ``Kplus <- Kplus exp((t_last - t) / tau_plus) + 1``, ``t_last <- t``.

    Parameters (NEST's names and defaults, per synapse, held once while they
    agree): ``weight`` 1, ``tau_plus`` 16.8 ms, ``tau_plus_triplet`` 101 ms,
    ``Aplus`` 5e-10, ``Aminus`` 7e-3, ``Aplus_triplet`` 6.2e-3,
    ``Aminus_triplet`` 2.3e-4, ``Wmax`` 100, ``Kplus`` 0, ``Kplus_triplet`` 0.
    Storage: 22 bytes per synapse (code, delay, weight, ``Kplus_triplet``)
    plus 16 per source row for ``Kplus`` and ``t_last``.
    """
    threaded = True       # (PairStdpTable's delivery)
    columns = {"weight": ("float64", 1.0), "tau_plus": ("float64", 16.8),
               "tau_plus_triplet": ("float64", 101.0), "Aplus": ("float64", 5e-10),
               "Aminus": ("float64", 7e-3), "Aplus_triplet": ("float64", 6.2e-3),
               "Aminus_triplet": ("float64", 2.3e-4), "Wmax": ("float64", 100.0),
               "Kplus": ("float64", 0.0), "Kplus_triplet": ("float64", 0.0),
               "t_last": ("int64", 0)}
    compact = ("tau_plus", "tau_plus_triplet", "Aplus", "Aminus", "Aplus_triplet",
               "Aminus_triplet", "Wmax")
    checked_together = ("weight", "Wmax")
    cdef double[::1] tau_pt, a_p, a_m, a_pt, a_mt, kpt
    cdef Py_ssize_t s_tau_pt, s_a_p, s_a_m, s_a_pt, s_a_mt

    def bind(self):
        PairStdpTable.bind(self)
        self.tau_pt = self.cols["tau_plus_triplet"]
        self.a_p = self.cols["Aplus"]
        self.a_m = self.cols["Aminus"]
        self.a_pt = self.cols["Aplus_triplet"]
        self.a_mt = self.cols["Aminus_triplet"]
        self.kpt = self.cols["Kplus_triplet"]
        self.s_tau_pt = self.stride("tau_plus_triplet")
        self.s_a_p = self.stride("Aplus")
        self.s_a_m = self.stride("Aminus")
        self.s_a_pt = self.stride("Aplus_triplet")
        self.s_a_mt = self.stride("Aminus_triplet")

    @classmethod
    def check(cls, dict values, common=None):
        if "weight" in values and "Wmax" in values:
            _require(PowerLawStdpTable.same_sign(np.asarray(values["weight"]),
                                                 np.asarray(values["Wmax"])),
                     "weight and Wmax must have the same sign")
        for name in ("Kplus", "Kplus_triplet"):
            if name in values:
                _require(np.asarray(values[name]) >= 0, f"{name} must be >= 0")
        for name in ("tau_plus", "tau_plus_triplet"):
            if name in values:
                _require(np.asarray(values[name]) > 0, f"{name} must be > 0 ms")

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        cdef pnl_archive *a = ctx.archive
        cdef int64_t k0, k1, j
        cdef double wmax = self.wmax[k * self.s_wmax], d_ms = d * self.ms_per_step
        cdef double ky, kt, km, new_w
        pnl_archive_history(a, slot, t_last - d, t_spike - d, &k0, &k1)
        for j in range(k0, k1):
            ky = pnl_archive_entry(a, slot, j).kminus_triplet - 1.0
            new_w = fabs(w) + kplus[0] * self.pre_decay(k, t_last, pnl_archive_entry_ms(a, slot, j),
                                                         d_ms, a) \
                * (self.a_p[k * self.s_a_p] + self.a_pt[k * self.s_a_pt] * ky)
            w = _up_to_wmax(new_w, wmax)
        kt = self.kpt[k] * exp((pnl_archive_ms(a, t_last) - pnl_archive_ms(a, t_spike))
                               / self.tau_pt[k * self.s_tau_pt])
        km = self.post_trace(slot, t_spike, d, 0, a)
        new_w = fabs(w) - km * (self.a_m[k * self.s_a_m] + self.a_mt[k * self.s_a_mt] * kt)
        self.kpt[k] = kt + 1.0
        return _down_to_zero(new_w, wmax)


cdef class VogelsSprekelerSynapseTable(PairStdpTable):
    """``vogels_sprekeler_synapse``: symmetric STDP of inhibitory synapses
    (Vogels et al. 2011), all-to-all pairing (NEST).

    Per presynaptic spike at ``t`` with delay ``d`` (previous one at
    ``t_last``), with ``F(w, k) = sgn(Wmax) min(|w| + eta k, |Wmax|)``:

    1. for every postsynaptic spike ``t_j`` in ``(t_last - d, t - d]``:
       ``w <- F(w, Kplus exp((t_last - (t_j + d)) / tau))``;
    2. ``w <- F(w, K_minus(t - d))`` (the target's trace, its ``tau_minus``,
       as ``stdp_synapse``), then the constant depression
       ``w <- sgn(Wmax) max(|w| - alpha eta, 0)``;
    3. the spike is delivered with the new weight;
       ``Kplus <- Kplus exp((t_last - t) / tau) + 1``, ``t_last <- t``.

    Parameters (NEST's names and defaults, held once while they agree):
    ``weight`` 0.5, ``tau`` 20 ms, ``alpha`` 0.12, ``eta`` 0.001, ``Wmax``
    1, ``Kplus`` 0.  Storage: 14 bytes per synapse plus 16 per source row.
    """
    threaded = True       # (PairStdpTable's delivery)
    trace_tau = "tau"
    columns = {"weight": ("float64", 0.5), "tau": ("float64", 20.0),
               "alpha": ("float64", 0.12), "eta": ("float64", 0.001),
               "Wmax": ("float64", 1.0), "Kplus": ("float64", 0.0), "t_last": ("int64", 0)}
    compact = ("tau", "alpha", "eta", "Wmax")
    checked_together = ("weight", "Wmax")
    cdef double[::1] alpha, eta
    cdef Py_ssize_t s_alpha, s_eta

    def bind(self):
        PairStdpTable.bind(self)
        self.alpha = self.cols["alpha"]
        self.eta = self.cols["eta"]
        self.s_alpha = self.stride("alpha")
        self.s_eta = self.stride("eta")

    @classmethod
    def check(cls, dict values, common=None):
        if "weight" in values and "Wmax" in values:
            w, wmax = np.asarray(values["weight"]), np.asarray(values["Wmax"])
            _require((w == 0) | (np.signbit(w) == np.signbit(wmax)),
                     "weight and Wmax must have the same sign")
        if "Kplus" in values:
            _require(np.asarray(values["Kplus"]) >= 0, "Kplus must be >= 0")
        if "tau" in values:
            _require(np.asarray(values["tau"]) > 0, "tau must be > 0 ms")

    cdef inline double facilitate(self, int64_t k, double w, double kp) noexcept nogil:
        return _up_to_wmax(fabs(w) + self.eta[k * self.s_eta] * kp, self.wmax[k * self.s_wmax])

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        cdef pnl_archive *a = ctx.archive
        cdef int64_t k0, k1, j
        cdef double d_ms = d * self.ms_per_step
        pnl_archive_history(a, slot, t_last - d, t_spike - d, &k0, &k1)
        for j in range(k0, k1):
            w = self.facilitate(k, w, kplus[0] * self.pre_decay(
                k, t_last, pnl_archive_entry_ms(a, slot, j), d_ms, a))
        w = self.facilitate(k, w, self.post_trace(slot, t_spike, d, 0, a))
        return _down_to_zero(fabs(w) - self.alpha[k * self.s_alpha] * self.eta[k * self.s_eta],
                             self.wmax[k * self.s_wmax])


_HOM_PRIVATE = ("t_last", "tau_plus", "lambda", "alpha", "mu_plus", "mu_minus", "Wmax")


cdef class StdpSynapseHomTable(StdpSynapseTable):
    """``stdp_synapse_hom``: ``stdp_synapse`` with the rule's parameters
    (``tau_plus`` 20 ms, ``lambda`` 0.01, ``alpha`` 1, ``mu_plus`` 1,
    ``mu_minus`` 1, ``Wmax`` 100) common to all synapses of the model (set by
    ``SetDefaults`` / ``CopyModel``; Connect refuses them, as NEST); per
    synapse ``weight`` and ``Kplus``.  14 bytes per synapse plus 16 per
    source row."""
    threaded = True       # (PairStdpTable's delivery)
    private = _HOM_PRIVATE
    hom = ("tau_plus", "lambda", "alpha", "mu_plus", "mu_minus", "Wmax")
    common = {"tau_plus": 20.0, "lambda": 0.01, "alpha": 1.0, "mu_plus": 1.0,
              "mu_minus": 1.0, "Wmax": 100.0, "weight_recorder": None}

    @classmethod
    def check_common(cls, dict params):
        PairStdpTable.check_common.__func__(cls, params)
        if "tau_plus" in params:
            _require(np.asarray(params["tau_plus"]) > 0, "tau_plus > 0. required.")


cdef class StdpPlSynapseHomTable(PairStdpTable):
    """``stdp_pl_synapse_hom``: STDP with power-law weight dependence
    (Morrison, Aertsen & Diesmann 2007), all-to-all pairing, parameters
    common to all synapses of the model.

    Per presynaptic spike at ``t`` with delay ``d`` (previous one ``t_last``):
    for every postsynaptic spike ``t_j`` in ``(t_last - d, t - d]``,
    ``w <- w + lambda w^mu Kplus exp((t_last - (t_j + d)) / tau_plus)``; then
    ``w <- max(w - lambda alpha w K_minus(t - d), 0)``; the spike carries the
    new weight; ``Kplus <- Kplus exp((t_last - t) / tau_plus) + 1`` (the
    decays by the inverse of tau_plus, NEST's order).  Common parameters
    (``SetDefaults`` / ``CopyModel``): ``tau_plus`` 20 ms, ``lambda`` 0.1,
    ``alpha`` 1, ``mu`` 0.4; per synapse ``weight`` 1, ``Kplus`` 0.  The
    target's ``tau_minus`` is a neuron parameter.  Reference: Morrison A,
    Aertsen A, Diesmann M (2007) Neural Comput 19:1437-1467.
    """
    threaded = True       # (PairStdpTable's delivery)
    decay_by_inverse = True
    private = ("t_last", "tau_plus", "lambda", "alpha", "mu")
    hom = ("tau_plus", "lambda", "alpha", "mu")
    compact = ("tau_plus", "lambda", "alpha", "mu")
    columns = {"weight": ("float64", 1.0), "tau_plus": ("float64", 20.0),
               "lambda": ("float64", 0.1), "alpha": ("float64", 1.0), "mu": ("float64", 0.4),
               "Kplus": ("float64", 0.0), "t_last": ("int64", 0)}
    common = {"tau_plus": 20.0, "lambda": 0.1, "alpha": 1.0, "mu": 0.4,
              "weight_recorder": None}
    cdef double[::1] lam, alpha, mu

    def bind(self):
        PairStdpTable.bind(self)
        self.lam = self.cols["lambda"]
        self.alpha = self.cols["alpha"]
        self.mu = self.cols["mu"]

    @classmethod
    def check(cls, dict values, common=None):
        if "Kplus" in values:
            _require(np.asarray(values["Kplus"]) >= 0, "Kplus must be >= 0")

    @classmethod
    def check_common(cls, dict params):
        PairStdpTable.check_common.__func__(cls, params)
        if "tau_plus" in params:
            _require(np.asarray(params["tau_plus"]) > 0, "tau_plus > 0. required.")

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        cdef pnl_archive *a = ctx.archive
        cdef int64_t k0, k1, j
        cdef double d_ms = d * self.ms_per_step
        cdef double lam = self.lam[0], new_w
        pnl_archive_history(a, slot, t_last - d, t_spike - d, &k0, &k1)
        for j in range(k0, k1):
            w = w + (lam * pow(w, self.mu[0]) * (kplus[0] * self.pre_decay(
                k, t_last, pnl_archive_entry_ms(a, slot, j), d_ms, a)))
        new_w = w - (lam * self.alpha[0] * w * self.post_trace(slot, t_spike, d, 0, a))
        return new_w if new_w > 0.0 else 0.0


cdef class JonkeSynapseTable(PairStdpTable):
    """``jonke_synapse``: STDP with exponential weight dependence and a
    constant depression term (Jonke, Legenstein, Habenschuss & Maass 2017),
    all-to-all pairing as ``stdp_synapse``.

    Per presynaptic spike at ``t`` with delay ``d`` (previous one ``t_last``),
    unless ``lambda`` is 0 (then the weight stays):

    1. for every postsynaptic spike ``t_j`` in ``(t_last - d, t - d]``:
       ``w <- min(w + lambda (exp(mu_plus w) Kplus exp((t_last - (t_j + d))
       / tau_plus) - beta), Wmax)``;
    2. ``w <- max(w + lambda (-alpha exp(mu_minus w) K_minus(t - d) - beta),
       0)``, ``K_minus`` the target's trace (its ``tau_minus``);
    3. the spike is delivered with the new weight;
       ``Kplus <- Kplus exp((t_last - t) / tau_plus) + 1``, ``t_last <- t``.

    Common parameters (``SetDefaults`` / ``CopyModel``; NEST checks none):
    ``alpha`` 1, ``beta`` 0, ``lambda`` 0.01, ``mu_plus`` 0, ``mu_minus`` 0,
    ``tau_plus`` 20 ms, ``Wmax`` 100; per synapse ``weight`` 1, ``Kplus`` 0.
    14 bytes per synapse plus 16 per source row.  Reference: Jonke Z,
    Legenstein R, Habenschuss S, Maass W (2017) J Neurosci 37:8511-8523.
    """
    threaded = True       # (PairStdpTable's delivery)
    hom = ("tau_plus", "lambda", "alpha", "beta", "mu_plus", "mu_minus", "Wmax")
    compact = hom
    private = ("t_last",) + hom
    columns = {"weight": ("float64", 1.0), "tau_plus": ("float64", 20.0),
               "lambda": ("float64", 0.01), "alpha": ("float64", 1.0),
               "beta": ("float64", 0.0), "mu_plus": ("float64", 0.0),
               "mu_minus": ("float64", 0.0), "Wmax": ("float64", 100.0),
               "Kplus": ("float64", 0.0), "t_last": ("int64", 0)}
    common = {"tau_plus": 20.0, "lambda": 0.01, "alpha": 1.0, "beta": 0.0, "mu_plus": 0.0,
              "mu_minus": 0.0, "Wmax": 100.0, "weight_recorder": None}
    cdef double lam, alpha, beta, mu_plus, mu_minus

    def pre_run(self, engine, dict params):
        PairStdpTable.pre_run(self, engine, params)
        self.lam = params["lambda"]
        self.alpha = params["alpha"]
        self.beta = params["beta"]
        self.mu_plus = params["mu_plus"]
        self.mu_minus = params["mu_minus"]

    @classmethod
    def check(cls, dict values, common=None):
        if "Kplus" in values:
            _require(np.asarray(values["Kplus"]) >= 0, "Kplus must be non-negative.")

    cdef double pair(self, int64_t k, double w, double *kplus, int64_t t_last, int64_t t_spike,
                     int64_t d, int64_t slot, SliceContext *ctx) noexcept nogil:
        cdef pnl_archive *a = ctx.archive
        cdef int64_t k0, k1, j
        cdef double d_ms = d * self.ms_per_step, wmax = self.wmax[0], new_w
        pnl_archive_history(a, slot, t_last - d, t_spike - d, &k0, &k1)
        for j in range(k0, k1):
            if self.lam != 0.0:
                new_w = w + self.lam * (exp(self.mu_plus * w) * (kplus[0] * self.pre_decay(
                    k, t_last, pnl_archive_entry_ms(a, slot, j), d_ms, a)) - self.beta)
                w = new_w if new_w < wmax else wmax
        if self.lam != 0.0:
            new_w = w + self.lam * (-self.alpha * exp(self.mu_minus * w)
                                    * self.post_trace(slot, t_spike, d, 0, a) - self.beta)
            w = new_w if new_w > 0.0 else 0.0
        return w


_FACETSHW_LUT_0 = (2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15)
_FACETSHW_LUT_1 = (0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13)


cdef class StdpFacetshwSynapseHomTable(SynapseTable):
    """``stdp_facetshw_synapse_hom``: STDP as on the FACETS / BrainScaleS
    wafer-scale hardware (Pfeil et al. 2012): 4-bit weights, pair
    accumulations evaluated only when the synapse's driver reads it out, and
    a reduced symmetric nearest-neighbour pairing.

    Per presynaptic spike at ``t`` (ms) with delay ``d`` on a synapse whose
    source fired last at ``t_last``:

    1. at its first spike the synapse takes the next ``synapse_id`` (the
       model's ``no_synapses``, which grows by one; ``readout_cycle_duration
       = int((no_synapses - 1) / synapses_per_driver + 1)
       driver_readout_time``), and its first readout time is
       ``int(synapse_id / synapses_per_driver) driver_readout_time``;
    2. if ``t`` is past the synapse's ``next_readout_time``: the weight is
       discretized, ``e = round(w / weight_per_lut_entry)``; the evaluation
       function ``E(c) = (a_thresh_tl + c2 a_causal + c1 a_acausal) / (1 +
       c2 + c1) > (a_thresh_th + c0 a_causal + c3 a_acausal) / (1 + c0 +
       c3)`` of the configuration bits ``configbit_0`` and ``configbit_1``
       selects ``lookuptable_0`` (only the first true), ``lookuptable_1``
       (only the second) or ``lookuptable_2`` (both) to map ``e``, the pair
       of ``reset_pattern`` bits of that table resetting ``a_causal`` and
       ``a_acausal`` to 0; ``next_readout_time`` advances by
       ``readout_cycle_duration`` until past ``t``; ``w = e
       weight_per_lut_entry`` (also when no table applied);
    3. if the target fired in ``(t_last - d, t - d]``, with its first spike
       there ``t_f`` and its last ``t_l``: ``a_causal += exp((t_last - (t_f +
       d)) / tau_plus)``, ``a_acausal += exp((t_l + d - t) / tau_minus_stdp)``;
    4. the spike is delivered with ``w``; ``t_last <- t``.

    Common parameters (``SetDefaults`` / ``CopyModel``): ``tau_plus`` 20 ms,
    ``tau_minus_stdp`` 20 ms, ``Wmax`` 100 (setting it sets
    ``weight_per_lut_entry = Wmax / 15``), ``no_synapses`` 0,
    ``synapses_per_driver`` 50, ``driver_readout_time`` 15 ms,
    ``readout_cycle_duration`` (derived), the three look-up tables (16
    entries in [0, 15]), ``configbit_0`` (0, 0, 1, 0), ``configbit_1`` (0,
    1, 0, 0), ``reset_pattern`` (six 1s).  Per synapse: ``weight`` 1,
    ``a_causal`` 0, ``a_acausal`` 0, ``a_thresh_th`` 21.835,
    ``a_thresh_tl`` 21.835, ``init_flag`` False, ``synapse_id`` 0,
    ``next_readout_time`` 0 ms.  As NEST, the synapse ids follow the order of
    the synapses' first spikes (within a step: the canonical (lag, gid)
    order, each source's synapses in the order they were made).  A
    ``readout_cycle_duration`` that is not positive stops the readout loop
    (NEST loops for ever).  Precise spike offsets are ignored, as in NEST.
    Reference: Pfeil T et al. (2012) Front Neurosci 6:90.
    """
    uses_archive = True
    columns = {"weight": ("float64", 1.0), "a_causal": ("float64", 0.0),
               "a_acausal": ("float64", 0.0), "a_thresh_th": ("float64", 21.835),
               "a_thresh_tl": ("float64", 21.835), "init_flag": ("uint8", 0),
               "synapse_id": ("int64", 0), "next_readout_time": ("float64", 0.0),
               "t_last": ("int64", 0)}
    private = ("t_last",)
    common = {"tau_plus": 20.0, "tau_minus_stdp": 20.0, "Wmax": 100.0,
              "weight_per_lut_entry": 100.0 / 15, "no_synapses": 0,
              "synapses_per_driver": 50, "driver_readout_time": 15.0,
              "readout_cycle_duration": 0.0,
              "lookuptable_0": np.array(_FACETSHW_LUT_0, np.int64),
              "lookuptable_1": np.array(_FACETSHW_LUT_1, np.int64),
              "lookuptable_2": np.arange(16, dtype=np.int64),
              "configbit_0": np.array((0, 0, 1, 0), np.int64),
              "configbit_1": np.array((0, 1, 0, 0), np.int64),
              "reset_pattern": np.ones(6, np.int64),
              "weight_recorder": None}
    cdef double[::1] w, a_c, a_a, th_th, th_tl, next_ro
    cdef uint8_t[::1] init
    cdef int64_t[::1] syn_id, t_last
    cdef double tau_plus, tau_minus, wple, driver_time, cycle, ms_per_step
    cdef int64_t no_synapses, per_driver
    cdef int64_t lut[3][16]
    cdef int64_t cbit[2][4]
    cdef int64_t reset[6]

    def bind(self):
        SynapseTable.bind(self)
        c = self.cols
        self.w = c["weight"]; self.a_c = c["a_causal"]; self.a_a = c["a_acausal"]
        self.th_th = c["a_thresh_th"]; self.th_tl = c["a_thresh_tl"]
        self.next_ro = c["next_readout_time"]; self.init = c["init_flag"]
        self.syn_id = c["synapse_id"]; self.t_last = c["t_last"]

    @staticmethod
    def merge_common(dict current, dict params, n_connections):
        """The derived parameters NEST updates with the ones set: ``Wmax``
        sets ``weight_per_lut_entry`` (unless given too), ``no_synapses``,
        ``synapses_per_driver`` and ``driver_readout_time`` set
        ``readout_cycle_duration``."""
        params = dict(params)
        for name in ("lookuptable_0", "lookuptable_1", "lookuptable_2", "configbit_0",
                     "configbit_1", "reset_pattern"):
            if name in params:
                params[name] = np.array(np.asarray(params[name]).ravel(), np.int64)
        merged = {**current, **params}
        if "Wmax" in params and "weight_per_lut_entry" not in params:
            params["weight_per_lut_entry"] = float(merged["Wmax"]) / (
                len(merged["lookuptable_0"]) - 1)
        if any(name in params for name in ("no_synapses", "synapses_per_driver",
                                           "driver_readout_time")):
            params["readout_cycle_duration"] = _readout_cycle(
                int(merged["no_synapses"]), int(merged["synapses_per_driver"]),
                float(merged["driver_readout_time"]))
        return params

    @classmethod
    def check_common(cls, dict params):
        SynapseTable.check_common.__func__(cls, params)
        for name in ("lookuptable_0", "lookuptable_1", "lookuptable_2"):
            if name in params:
                lut = np.asarray(params[name]).ravel()
                if lut.shape[0] != 16:
                    raise BadProperty("Look-up table has not 2^4 entries!")
                if np.any((lut < 0) | (lut > 15)) or np.any(lut != np.round(lut)):
                    raise BadProperty("Look-up table entries must be integers in [0,15]")
        for name in ("configbit_0", "configbit_1"):
            if name in params and np.asarray(params[name]).size != 4:
                raise BadProperty("Wrong number of configuration bits (!=4).")
        if "reset_pattern" in params and np.asarray(params["reset_pattern"]).size != 6:
            raise BadProperty("Wrong number of reset bits (!=6).")

    def pre_run(self, engine, dict params):
        cdef int i, j
        self.bind_weight_recorder(engine, params)
        self.ms_per_step = engine.tics_per_step * engine.ms_per_tic
        self.tau_plus = params["tau_plus"]
        self.tau_minus = params["tau_minus_stdp"]
        self.wple = params["weight_per_lut_entry"]
        self.driver_time = params["driver_readout_time"]
        self.cycle = params["readout_cycle_duration"]
        self.no_synapses = params["no_synapses"]
        self.per_driver = params["synapses_per_driver"]
        for i in range(3):
            for j in range(16):
                self.lut[i][j] = params[f"lookuptable_{i}"][j]
        for i in range(2):
            for j in range(4):
                self.cbit[i][j] = params[f"configbit_{i}"][j]
        for i in range(6):
            self.reset[i] = params["reset_pattern"][i]

    def after_run(self, engine):
        """The model's synapse count and readout cycle as the run left them."""
        d = engine.synapse_models[self.synapse_model]
        d["no_synapses"] = int(self.no_synapses)
        d["readout_cycle_duration"] = float(self.cycle)

    cdef inline bint evaluate(self, int64_t k, int c) noexcept nogil:
        cdef int64_t *b = self.cbit[c]
        return ((self.th_tl[k] + b[2] * self.a_c[k] + b[1] * self.a_a[k])
                / <double>(1 + b[2] + b[1])
                > (self.th_th[k] + b[0] * self.a_c[k] + b[3] * self.a_a[k])
                / <double>(1 + b[0] + b[3]))

    cdef void readout(self, int64_t k, double t_ms) noexcept nogil:
        """Step 2 of the rule (class docstring)."""
        cdef int64_t e = <int64_t>round(self.w[k] / self.wple)
        cdef bint e0 = self.evaluate(k, 0), e1 = self.evaluate(k, 1)
        cdef int table = -1
        if e0 and not e1:
            table = 0
        elif e1 and not e0:
            table = 1
        elif e0 and e1:
            table = 2
        if table >= 0 and 0 <= e < 16:
            e = self.lut[table][e]
            if self.reset[2 * table]:
                self.a_c[k] = 0.0
            if self.reset[2 * table + 1]:
                self.a_a[k] = 0.0
        if self.cycle > 0.0:
            while t_ms > self.next_ro[k]:
                self.next_ro[k] += self.cycle
        self.w[k] = <double>e * self.wple

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, d, slot, k0, k1, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t t_spike, tgt
        cdef double t_ms, d_ms
        cdef pnl_archive *a = ctx.archive
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            t_spike = origin + lags[s] + 1
            t_ms = pnl_archive_ms(a, t_spike)
            for k in range(self.rp[g], self.rp[g + 1]):
                if not self.init[k]:
                    self.syn_id[k] = self.no_synapses
                    self.no_synapses += 1
                    self.cycle = <double>(<int64_t>((self.no_synapses - 1.0) / self.per_driver
                                                    + 1.0)) * self.driver_time
                    self.next_ro[k] = <double>(self.syn_id[k] // self.per_driver) \
                        * self.driver_time
                    self.init[k] = 1
                if t_ms > self.next_ro[k]:
                    self.readout(k, t_ms)
                d = self.dl[k]
                d_ms = d * self.ms_per_step
                tgt = ctx.chan_slot[self.cd[k] >> 2]
                if pnl_archive_history(a, tgt, self.t_last[k] - d, t_spike - d, &k0, &k1) > 0:
                    self.a_c[k] += exp((pnl_archive_ms(a, self.t_last[k])
                                        - (pnl_archive_entry_ms(a, tgt, k0)
                                           + d_ms)) / self.tau_plus)
                    self.a_a[k] += exp(((pnl_archive_entry_ms(a, tgt, k1 - 1)
                                         + d_ms) - t_ms) / self.tau_minus)
                if self.wr_on:
                    self.record_weight(k, t_spike, self.w[k])
                slot = (origin + lags[s]) % L + d
                if slot >= L:
                    slot -= L
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], self.w[k], 1.0)
                self.t_last[k] = t_spike


def _readout_cycle(int64_t no_synapses, int64_t per_driver, double driver_time):
    """NEST's readout cycle of a driver: ``int((no_synapses - 1) /
    synapses_per_driver + 1) driver_readout_time``."""
    return float(<int64_t>((no_synapses - 1.0) / per_driver + 1.0)) * driver_time


SYNAPSE_MODELS = {
    "stdp_facetshw_synapse_hom": StdpFacetshwSynapseHomTable,
    "jonke_synapse": JonkeSynapseTable,
    "stdp_synapse_hom": StdpSynapseHomTable,
    "stdp_pl_synapse_hom": StdpPlSynapseHomTable,
    "stdp_synapse": StdpSynapseTable,
    "vogels_sprekeler_synapse": VogelsSprekelerSynapseTable,
    "stdp_triplet_synapse": StdpTripletSynapseTable,
    "stdp_nn_symm_synapse": StdpNnSymmSynapseTable,
    "stdp_nn_pre_centered_synapse": StdpNnPreCenteredSynapseTable,
    "stdp_nn_restr_synapse": StdpNnRestrSynapseTable,
}
