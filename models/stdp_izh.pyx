# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The plasticity of Izhikevich's polychronization model (Izhikevich 2006;
Pauli et al. 2018): nearest-neighbour STDP accumulated into a weight change
``wdev`` that is applied to the weight only at fixed update times.

Timing (both models)
--------------------
All of the delay is axonal.  A spike of the source stamped ``s`` (it
crossed threshold in the step ending at ``s``) crosses a synapse of delay
``d`` at ``P = s + d``: its weight enters the target's update of the step
``[P - 1, P)``, and the weight used is the one valid in that step (weights
change only at update times, every ``syn_update_interval``, a kernel key in
ms, default 1000).  With ``t`` the target's spike stamps:

* potentiation, at each target spike ``t``: ``wdev += ltp(t - P_last)`` with
  ``P_last`` the latest arrival ``<= t`` (none yet: nothing);
* depression, at each arrival ``P``: ``wdev += ltd((P - 1) - t_last)`` with
  ``t_last`` the latest target spike ``<= P - 1`` (none yet: nothing);
* a target spike and an arrival in the same step: potentiation first, so
  ``t = P`` gives ``ltp(0)`` and ``t = P - 1`` gives ``ltd(0)`` only (the
  order of the original program: threshold test, then delivery);
* at each update time ``T``, after all events before ``T``:
  ``wdev <- f wdev``; ``w <- w + (c T/1000 ms + wdev)``; ``w`` clipped to
  ``[0, Wmax]``; ``wdev <- 0`` if ``reset_weight_change_after_update``.

Spikes crossing the synapse in one step are summed into the target's input
newest spike first and, among spikes of one stamp, in ascending source gid
order (``poly_spnet.cpp`` sums newest first and then by descending neuron
index: a network numbered in reverse sums in the same order).

Implementation: a spike is not transmitted when it is delivered but put on
the list of the step in which it arrives; at the start of that step's slice
the list is transmitted with the current weights, and once the target's
spikes up to that step are archived (the next call) the depression and the
potentiation by the target spikes since the synapse's previous arrival are
computed from the target's archive.  A ``weight_recorder`` (model-level
parameter) logs each transmission with the spike's stamp and the weight
sent.  At an update time each synapse also
reads the target spikes since its last arrival.  Every synapse reads each
archive entry once, so the archive is trimmed as for NEST's STDP synapses.
Per synapse: channel code, delay, ``weight``, ``wdev`` and the last arrival
(30 bytes).
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, pow
from libc.stdint cimport int64_t, int32_t, uint32_t, INT64_MAX
from libc.stdlib cimport calloc, realloc, free

from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel
from pynestlite.kernel.archive cimport pnl_archive, pnl_archive_history, pnl_archive_stamp
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.errors import BadProperty

cnp.import_array()

#: ``p_last`` of a synapse no spike has crossed yet
cdef int64_t NO_ARRIVAL = -2305843009213693952     # -2**61


cdef struct ArrivalList:
    int64_t step        # the step [step, step + 1) the spikes enter (-1: unused)
    int64_t n, cap
    int64_t *syn        # synapse indices, in delivery order
    int64_t *stamp      # stamps of the spikes (ascending)


cdef int _push(ArrivalList *L, int64_t step, int64_t syn, int64_t stamp) noexcept nogil:
    """Append a spike (synapse, stamp) to the list of ``step``; -1 if the list
    holds another step's spikes or cannot grow (it is then unchanged)."""
    cdef int64_t cap
    if L.step != step:
        if L.n:
            return -1
        L.step = step
    if L.n == L.cap:
        cap = 2 * L.cap if L.cap else 256
        p1 = <int64_t *>realloc(L.syn, cap * sizeof(int64_t))
        if p1 != NULL:
            L.syn = p1
        p2 = <int64_t *>realloc(L.stamp, cap * sizeof(int64_t))
        if p2 != NULL:
            L.stamp = p2
        if p1 == NULL or p2 == NULL:
            return -1
        L.cap = cap
    L.syn[L.n] = syn
    L.stamp[L.n] = stamp
    L.n += 1
    return 0


def _require(ok, message):
    if not np.all(ok):
        raise BadProperty(message)


cdef class IzhStdpTable(SynapseTable):
    """Machinery of both models (module docstring): arrival lists, the
    nearest-neighbour pairing against the target's archive and the update
    times; a model supplies ``ltp``, ``ltd`` and the factor ``f``."""
    uses_archive = True
    time_driven = True
    private = ("p_last",)
    columns = {"weight": ("float64", 1.0), "wdev": ("float64", 0.0),
               "p_last": ("int64", -2 ** 61)}
    cdef double[::1] w, wdev
    cdef int64_t[::1] plast
    cdef ArrivalList *lists
    cdef int64_t n_lists
    cdef public int64_t interval    # steps between update times
    cdef public int64_t b_last      # the last update time processed
    cdef int64_t stdp_to            # lists of steps < stdp_to are paired and gone
    cdef int64_t sent_to            # lists of steps < sent_to are transmitted
    cdef public bint started
    cdef double wmax, additive, factor
    cdef bint reset
    cdef double ms_per_step

    def __dealloc__(self):
        self._free_lists()

    cdef void _free_lists(self):
        cdef int64_t r
        if self.lists != NULL:
            for r in range(self.n_lists):
                free(self.lists[r].syn)
                free(self.lists[r].stamp)
            free(self.lists)
        self.lists = NULL
        self.n_lists = 0

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]
        self.wdev = self.cols["wdev"]
        self.plast = self.cols["p_last"]

    # ---------------------------------------------------------------- checks
    @classmethod
    def check(cls, dict values, common=None):
        common = dict(cls.common, **(common or {}))
        if "weight" in values:
            w = np.asarray(values["weight"], np.float64)
            _require(w >= 0, f"{cls.model_name}: weight must be >= 0 (the rule clips "
                     "weights to [0, Wmax])")
            _require(w <= common["Wmax"], f"{cls.model_name}: weight must be <= Wmax "
                     f"({common['Wmax']}); raise Wmax or lower the weight")

    @classmethod
    def check_common(cls, dict params):
        """Validate model-level parameters at SetDefaults/CopyModel."""
        SynapseTable.check_common.__func__(cls, params)
        if "Wmax" in params:
            _require(float(params["Wmax"]) >= 0, f"{cls.model_name}: Wmax must be >= 0")
        for name in cls.positive:
            if name in params:
                _require(float(params[name]) > 0, f"{cls.model_name}: {name} must be > 0")
        for name in cls.non_negative:
            if name in params:
                _require(float(params[name]) >= 0, f"{cls.model_name}: {name} must be >= 0")

    positive = ()
    non_negative = ()
    model_name = "stdp_izh"

    # ------------------------------------------------------------- life cycle
    def pre_run(self, engine, dict params):
        self.bind_weight_recorder(engine, params)
        T = int(engine.ms_to_steps_exact(engine.syn_update_interval, "syn_update_interval"))
        self.interval = T
        self.ms_per_step = engine.tics_per_step * engine.ms_per_tic
        self.wmax = float(params["Wmax"])
        self.reset = bool(params["reset_weight_change_after_update"])
        self.additive = float(params["constant_additive_value"]) * ((T * self.ms_per_step) / 1000.0)
        self.configure(params, T * self.ms_per_step)
        # Wmax may have been lowered (SetDefaults) below synapses made before
        self.check({"weight": self.cols["weight"]}, params)
        if not self.started:
            self.b_last = (engine.step // T) * T
            self.stdp_to = self.sent_to = engine.step
            self.started = True
        self._resize_lists(engine.max_delay + 2 * engine.min_delay + 1)

    def configure(self, dict params, double interval_ms):
        """Model-specific constants (the factor f of wdev, tables)."""
        pass

    def _resize_lists(self, int64_t n):
        """(Re)lay the ring of arrival lists for ``n`` steps, keeping entries."""
        if n == self.n_lists:
            return
        cdef ArrivalList *old = self.lists
        cdef int64_t n_old = self.n_lists, r, q
        cdef ArrivalList *new = <ArrivalList *>calloc(n, sizeof(ArrivalList))
        if new == NULL:
            raise MemoryError("arrival lists")
        for r in range(n):
            new[r].step = -1
        for r in range(n_old):
            if old[r].step >= 0 and old[r].n > 0:
                q = old[r].step % n
                new[q] = old[r]
            else:
                free(old[r].syn)
                free(old[r].stamp)
        free(old)
        self.lists = new
        self.n_lists = n

    def in_flight(self):
        """Spikes on their way: (synapse index, stamp, arrival step) arrays."""
        out = []
        cdef int64_t r, e
        for r in range(self.n_lists):
            for e in range(self.lists[r].n):
                out.append((self.lists[r].syn[e], self.lists[r].stamp[e], self.lists[r].step))
        return np.array(out, np.int64).reshape(-1, 3)

    def get_state(self):
        d = SynapseTable.get_state(self)
        d.update(in_flight=self.in_flight(), b_last=self.b_last, stdp_to=self.stdp_to,
                 sent_to=self.sent_to, started=self.started)
        return d

    def set_state(self, dict state):
        """Restore :meth:`get_state` (after ``pre_run`` laid out the lists)."""
        SynapseTable.set_state(self, state)
        self.b_last = int(state["b_last"])
        self.stdp_to = int(state["stdp_to"])
        self.sent_to = int(state["sent_to"])
        self.started = bool(state["started"])
        cdef int64_t r
        for r in range(self.n_lists):
            self.lists[r].n = 0
            self.lists[r].step = -1
        for syn, stamp, k in np.asarray(state["in_flight"], np.int64).reshape(-1, 3):
            if _push(&self.lists[k % self.n_lists], k, syn, stamp) != 0:
                raise MemoryError("arrival lists")

    def finalize(self, int64_t n_gids):
        """Merge pending synapses; spikes in flight follow their synapses to
        the new indices."""
        old_rp = self.row_ptr.copy()
        SynapseTable.finalize(self, n_gids)
        n_old = int(old_rp[-1])
        if n_old == 0 or self.lists == NULL:
            return
        counts = np.diff(old_rp)
        src = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        newpos = self.row_ptr[src] + (np.arange(n_old, dtype=np.int64) - old_rp[src])
        cdef int64_t[::1] m = newpos
        cdef int64_t r, e
        for r in range(self.n_lists):
            for e in range(self.lists[r].n):
                self.lists[r].syn[e] = m[self.lists[r].syn[e]]

    # ------------------------------------------------------------- the rule
    cdef double ltp(self, int64_t dt) noexcept nogil:
        """Potentiation by a target spike ``dt`` steps after the arrival."""
        return 0.0

    cdef double ltd(self, int64_t dt) noexcept nogil:
        """Depression by an arrival whose step starts ``dt`` steps after the
        target's spike."""
        return 0.0

    cdef inline void _potentiate(self, pnl_archive *a, int64_t j, int64_t slot, int64_t to,
                                 int64_t *k0, int64_t *k1) noexcept nogil:
        """Pair the target spikes after the synapse's last read, up to ``to``,
        with the synapse's last arrival; ``[k0, k1)`` are the entries read."""
        cdef int64_t pl = self.plast[j], i, done
        done = pl - 1 if pl - 1 > self.b_last - 1 else self.b_last - 1
        pnl_archive_history(a, slot, done, to, k0, k1)
        if pl != NO_ARRIVAL:
            for i in range(k0[0], k1[0]):
                self.wdev[j] += self.ltp(pnl_archive_stamp(a, slot, i) - pl)

    cdef void _arrive(self, SliceContext *ctx, int64_t j, int64_t k) noexcept nogil:
        """STDP of the spike that crossed synapse ``j`` into step ``k``
        (the target's spikes up to k are archived)."""
        cdef pnl_archive *a = ctx.archive
        cdef int64_t slot = ctx.chan_slot[self.cd[j] >> 2], tp = -1, k0, k1
        self._potentiate(a, j, slot, k, &k0, &k1)
        if k1 > k0:
            tp = pnl_archive_stamp(a, slot, k1 - 1)
        elif k0 > 0:
            tp = pnl_archive_stamp(a, slot, k0 - 1)
        if tp >= 0:
            self.wdev[j] += self.ltd(k - tp)
        self.plast[j] = k + 1

    cdef void _pair_until(self, SliceContext *ctx, int64_t lim) noexcept nogil:
        """STDP of the arrivals in steps ``[stdp_to, lim)``; their lists are freed."""
        cdef int64_t k, e
        cdef ArrivalList *L
        for k in range(self.stdp_to, lim):
            L = &self.lists[k % self.n_lists]
            if L.step != k:
                continue
            for e in range(L.n):
                self._arrive(ctx, L.syn[e], k)
            L.n = 0
            L.step = -1
        if lim > self.stdp_to:
            self.stdp_to = lim

    cdef void _update_weights(self, SliceContext *ctx, int64_t t) noexcept nogil:
        """The update at time ``t`` (all events before t are paired)."""
        cdef pnl_archive *a = ctx.archive
        cdef int64_t j, n = self.cd.shape[0], k0, k1
        cdef double wd, w
        for j in range(n):
            self._potentiate(a, j, ctx.chan_slot[self.cd[j] >> 2], t - 1, &k0, &k1)
            wd = self.wdev[j] * self.factor
            w = self.w[j] + (self.additive + wd)
            if w > self.wmax:
                w = self.wmax
            if w < 0.0:
                w = 0.0
            self.w[j] = w
            self.wdev[j] = 0.0 if self.reset else wd
        self.b_last = t

    cdef void _transmit(self, SliceContext *ctx, int64_t k) noexcept nogil:
        """Add the weights of the spikes entering step ``k`` to the targets'
        input of that step: newest stamp first, each stamp in delivery order."""
        cdef ArrivalList *L = &self.lists[k % self.n_lists]
        cdef double *row
        cdef int64_t e, b, i, st
        if L.step != k or L.n == 0:
            return
        row = ctx.inbuf + (k % ctx.ring_len) * ctx.row_width
        e = L.n
        while e > 0:
            st = L.stamp[e - 1]
            b = e - 1
            while b > 0 and L.stamp[b - 1] == st:
                b -= 1
            for i in range(b, e):
                add_to_channel(row, self.cd[L.syn[i]], self.w[L.syn[i]], 1.0)
                if self.wr_on:
                    self.record_weight(L.syn[i], L.stamp[i], self.w[L.syn[i]])
            e = b

    # ------------------------------------------------------------ the loop
    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, j, g, stamp
        if self.lists == NULL:
            return
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            stamp = origin + lags[s] + 1
            for j in range(self.rp[g], self.rp[g + 1]):
                if _push(&self.lists[(stamp + self.dl[j] - 1) % self.n_lists],
                         stamp + self.dl[j] - 1, j, stamp) != 0:
                    self.failed = True
                    return

    cdef int64_t next_update(self, int64_t after) noexcept nogil:
        if self.interval <= 0:
            return INT64_MAX
        return (after // self.interval + 1) * self.interval

    cdef void advance(self, SliceContext *ctx, int64_t p, int64_t end) noexcept nogil:
        cdef int64_t t, k
        if self.lists == NULL or self.interval <= 0:
            return
        while True:
            t = (self.b_last // self.interval + 1) * self.interval
            if t > p:
                break
            self._pair_until(ctx, t)
            self._update_weights(ctx, t)
        self._pair_until(ctx, p)
        k = p if p > self.sent_to else self.sent_to
        while k < end:
            self._transmit(ctx, k)
            k += 1
        if end > self.sent_to:
            self.sent_to = end


cdef class StdpIzhSynapseTable(IzhStdpTable):
    """``stdp_izh_synapse``: the polychronization rule with exponential
    windows (the "qualitative" model of Pauli et al. 2018).

    ``ltp(dt) = LTP exp(-dt h / tau_LTP)``, ``ltd(dt) = LTD exp(-dt h / tau_LTD)``
    (``LTD`` < 0 depresses), ``f = exp(-syn_update_interval /
    tau_syn_update_interval)`` (1 if ``tau_syn_update_interval`` is 0: no
    decay), ``c = constant_additive_value`` per second; timing and update as
    in the module docstring.

    Parameters (model-level): ``LTP`` 0.1, ``LTD`` -0.12, ``tau_LTP`` 20 ms,
    ``tau_LTD`` 20 ms, ``Wmax`` 10, ``tau_syn_update_interval`` 10000 ms,
    ``constant_additive_value`` 0.01, ``reset_weight_change_after_update``
    False.  Per synapse: ``weight`` (in [0, Wmax]), ``wdev`` 0.
    """
    model_name = "stdp_izh_synapse"
    common = {"LTP": 0.1, "LTD": -0.12, "tau_LTP": 20.0, "tau_LTD": 20.0, "Wmax": 10.0,
              "tau_syn_update_interval": 10000.0, "constant_additive_value": 0.01,
              "reset_weight_change_after_update": False, "weight_recorder": None}
    positive = ("tau_LTP", "tau_LTD")
    non_negative = ("tau_syn_update_interval",)
    cdef double a_ltp, a_ltd, tau_ltp, tau_ltd

    def configure(self, dict params, double interval_ms):
        self.a_ltp = float(params["LTP"])
        self.a_ltd = float(params["LTD"])
        self.tau_ltp = float(params["tau_LTP"])
        self.tau_ltd = float(params["tau_LTD"])
        tau = float(params["tau_syn_update_interval"])
        self.factor = exp(-interval_ms / tau) if tau > 0 else 1.0

    cdef double ltp(self, int64_t dt) noexcept nogil:
        return self.a_ltp * exp(-(dt * self.ms_per_step) / self.tau_ltp)

    cdef double ltd(self, int64_t dt) noexcept nogil:
        return self.a_ltd * exp(-(dt * self.ms_per_step) / self.tau_ltd)


cdef class StdpIzhBitwiseSynapseTable(IzhStdpTable):
    """``stdp_izh_bitwise_synapse``: the rule of ``poly_spnet.cpp`` operation
    for operation (the "bitwise" model of Pauli et al. 2018).

    The traces decay by a factor per step instead of an exponential:
    ``ltp(dt)`` is ``LTP`` multiplied ``dt`` times by ``trace_factor``
    (``0.95 * x`` each step, as the original's ``LTP[i][t+D+1] =
    0.95*LTP[i][t+D]``), ``ltd(dt)`` likewise from ``LTD`` (``LTD[i] *=
    0.95``), tabulated until they settle; ``f = wdev_factor`` per update
    (``sd *= 0.9``), ``c = constant_additive_value`` per second (``s +=
    0.01 + sd``), then the clip to [0, Wmax].  With the original's 1-ms
    resolution, 1-s updates and these defaults the weights equal the
    original's bit for bit.

    Parameters (model-level): ``LTP`` 0.1, ``LTD`` -0.12, ``trace_factor``
    0.95 per step, ``wdev_factor`` 0.9 per update, ``Wmax`` 10,
    ``constant_additive_value`` 0.01, ``reset_weight_change_after_update``
    False.  Per synapse: ``weight`` (in [0, Wmax]), ``wdev`` 0.
    """
    model_name = "stdp_izh_bitwise_synapse"
    common = {"LTP": 0.1, "LTD": -0.12, "trace_factor": 0.95, "wdev_factor": 0.9,
              "Wmax": 10.0, "constant_additive_value": 0.01,
              "reset_weight_change_after_update": False, "weight_recorder": None}
    positive = ("trace_factor",)
    non_negative = ("wdev_factor",)
    cdef public object tab_ltp, tab_ltd
    cdef double[::1] t_ltp, t_ltd
    cdef int64_t n_tab
    cdef double a_ltp, a_ltd, trace_factor

    @classmethod
    def check_common(cls, dict params):
        IzhStdpTable.check_common.__func__(cls, params)
        if "trace_factor" in params:
            _require(float(params["trace_factor"]) < 1, "stdp_izh_bitwise_synapse: "
                     "trace_factor must be in (0, 1)")

    def configure(self, dict params, double interval_ms):
        self.factor = float(params["wdev_factor"])
        a_ltp, a_ltd, f = float(params["LTP"]), float(params["LTD"]), float(params["trace_factor"])
        if (a_ltp, a_ltd, f) != (self.a_ltp, self.a_ltd, self.trace_factor) or self.tab_ltp is None:
            self.tab_ltp = _decay_table(a_ltp, f)
            self.tab_ltd = _decay_table(a_ltd, f)
            self.a_ltp, self.a_ltd, self.trace_factor = a_ltp, a_ltd, f
        self.t_ltp = self.tab_ltp
        self.t_ltd = self.tab_ltd

    def nbytes(self):
        return (SynapseTable.nbytes(self)
                + (self.tab_ltp.nbytes + self.tab_ltd.nbytes if self.tab_ltp is not None else 0))

    cdef double ltp(self, int64_t dt) noexcept nogil:
        return _lookup(self.t_ltp, dt, self.a_ltp, self.trace_factor)

    cdef double ltd(self, int64_t dt) noexcept nogil:
        return _lookup(self.t_ltd, dt, self.a_ltd, self.trace_factor)


cdef inline double _lookup(const double[::1] tab, int64_t dt, double x0,
                          double f) noexcept nogil:
    """Entry ``dt`` of a decay table; past its end the value it settled at,
    or (a table cut at its cap) ``x0 f^dt``."""
    cdef int64_t n = tab.shape[0]
    if dt < n:
        return tab[dt]
    if f * tab[n - 1] == tab[n - 1]:
        return tab[n - 1]
    return x0 * pow(f, <double>dt)


def _decay_table(double x0, double f, int64_t cap=1 << 20):
    """``x0``, ``f*x0``, ``f*(f*x0)``, ... (one multiplication per step, as a
    trace decayed step by step) until the product no longer changes (it ends
    at 0 or, rounding upwards, at the smallest subnormal number, where the
    original's traces stay too) or ``cap`` entries."""
    out = np.empty(cap, np.float64)
    cdef double[::1] o = out
    cdef double x = x0, y
    cdef int64_t i = 0
    while i < cap:
        o[i] = x
        i += 1
        y = f * x
        if y == x:
            break
        x = y
    return out[:i].copy()


SYNAPSE_MODELS = {
    "stdp_izh_synapse": StdpIzhSynapseTable,
    "stdp_izh_bitwise_synapse": StdpIzhBitwiseSynapseTable,
}
