# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Correlation devices: correlation_detector, correlomatrix_detector and
correlospinmatrix_detector (binary neurons; see its class doc).

Both receive spikes like a spike_recorder does, but per receptor port (the
``receptor_type`` of the connection), weighted by the connection's weight,
and accumulate histograms of the time differences of the spikes of their
ports.  Times are whole steps: a spike's time is its stamp (the step end at
which it was emitted); connection delays are ignored.  The devices take the
spikes when NEST hands them over, and in its order (which decides which of
two spikes pairs with the other, and the order of the sums):

* spikes of neurons (parrots included) at the start of the min_delay slice
  after the one in which they were emitted, a slice's spikes sender by
  sender (gid order, the order in which NEST updates its nodes), each
  sender's in time order, through its connections in creation order, a
  spike of multiplicity m as m spikes; after ``Simulate`` the spikes of the
  last slice therefore reach the devices with the next run, as in NEST;
* spikes of spike_generators when they are sent, during the update of their
  slice (after the delivered spikes): by generator, then in the order sent,
  a spike of multiplicity m as one event of weight m w (``spike_weights``
  multiply the connection's weight).

Every rank holds all connections of every detector and sees the spikes of
all ranks, so the histograms are the same for any number of ranks.

correlation_detector
    Ports 0 and 1.  Let d = delta_tau / h (steps; an odd number keeps the
    bins symmetric) and T = tau_max / h.  A spike of port ``i`` at step s
    first drops the spikes t of the other port ``o`` that are too old,
    (s - t) - o / 2 >= T + d / 2; then, if Tstart <= s h <= Tstop, it counts
    ``n_events[i] += 1`` and pairs with every remaining spike t of port o
    (w: weight times multiplicity m of the event):

        bin = floor((T + d / 2 + (2 i - 1) (s - t)) / d)
        histogram[bin] += w_s w_t        (Kahan summation; the compensation
                                          is ``histogram_correction``)
        count_histogram[bin] += m_s

    i.e. bin n holds the differences t_1 - t_0 in
    [n d - T - d / 2, n d - T + d / 2) (ms: times h), 1 + 2 T / d bins.
    Finally the spike is kept in its port's queue (sorted by time; a spike
    arriving at the same step as a spike of the other port pairs with it
    only if it arrives second).
correlomatrix_detector
    Ports 0 .. N_channels - 1 (``delta_tau`` must be an odd multiple of
    the resolution).  One queue of all ports.  A spike (port i, step s) is
    first inserted into the queue, which then drops the spikes t with
    s - t >= T + d / 2 + min_delay; if Tstart <= s h <= Tstop it counts
    ``n_events[i] += 1`` and pairs with every queued spike (itself
    included) of port j at step t, with (a, b) = (i, j) if s >= t else
    (j, i):

        bin = -floor((d / 2 - |s - t|) / d)     if a <= b
        bin =  floor((d / 2 + |s - t|) / d)     if a > b
        covariance[a][b][bin] += w_s w_t        (bin < 1 + T / d)
        count_covariance[a][b][bin] += m_s
        and for bin 0, unless the pair is the spike with itself,
        also covariance[b][a][0] and count_covariance[b][a][0].

Parameters (both)

    ``delta_tau``   5 h      bin width (ms), a multiple of the resolution
                             (0.5 ms while that is one)
    ``tau_max``     5.0 ms   one-sided width, a multiple of delta_tau
    ``Tstart``      0 ms     spikes at earlier steps are not counted
    ``Tstop``       inf      spikes at later steps are not counted
    ``N_channels``  1        ports of correlomatrix_detector (>= 1)
    ``origin``, ``start``, ``stop``: the device takes spikes with stamps
    ``origin + start < t <= origin + stop``.

Results (read; the histograms are empty until the first Simulate):
``histogram``, ``histogram_correction``, ``count_histogram`` and
``n_events`` (per port; correlation_detector: setting ``[0, 0]`` clears
everything), ``covariance`` and ``count_covariance`` (arrays
[N_channels, N_channels, 1 + T / d]).  Setting any of delta_tau, tau_max,
Tstart, Tstop (or N_channels) clears the results, as NEST does
(correlation_detector sizes the cleared histograms by the parameters it had
before the change; the next Simulate after Create sizes them anew).

Receives: spikes (neurons, parrots, spike_generator).
See also: spike_recorder.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport INFINITY, floor
from libc.stdint cimport int64_t, uint8_t, INT64_MAX, INT64_MIN

from pynestlite.kernel.nodebase cimport NodeBlock, SIGNAL_BINARY
from pynestlite.errors import (
    BadProperty, StepMultipleRequired, TimeMultipleRequired, UnknownReceptorType,
    UnaccessedDictionaryEntry)

cnp.import_array()


cdef int64_t correlation_pairs(const int64_t[::1] stamps, const int64_t[::1] ports,
                               const double[::1] weights, const int64_t[::1] mult, int64_t t_min, int64_t t_max,
                               int64_t c_lo, int64_t c_hi, int64_t T, int64_t d,
                               int64_t[:, ::1] qt, double[:, ::1] qw, int64_t[::1] qhead,
                               int64_t[::1] qend, double[::1] hist, double[::1] corr,
                               int64_t[::1] count, int64_t[::1] nev) noexcept nogil:
    """correlation_detector: take the spikes in order (see the module doc).
    Queue of port p: qt/qw[p, qhead[p]:qend[p]], with room for every spike
    of the batch.  Returns 0."""
    cdef int64_t e, i, o, s, j, pos, b, m
    cdef double edge = <double>T + 0.5 * <double>d, w, y, t
    for e in range(stamps.shape[0]):
        s = stamps[e]
        if s <= t_min or s > t_max:
            continue
        i = ports[e]
        o = 1 - i
        m = mult[e]
        w = <double>m * weights[e]
        while qhead[o] < qend[o] and (<double>(s - qt[o, qhead[o]]) - 0.5 * o) >= edge:
            qhead[o] += 1
        if c_lo <= s <= c_hi:
            nev[i] += 1
            for j in range(qhead[o], qend[o]):
                b = <int64_t>floor((edge + (2 * i - 1) * <double>(s - qt[o, j])) / <double>d)
                y = w * qw[o, j] - corr[b]
                t = hist[b] + y
                corr[b] = (t - hist[b]) - y
                hist[b] = t
                count[b] += m
        # sorted insertion: after every queued spike at or before s
        pos = qend[i]
        while pos > qhead[i] and qt[i, pos - 1] > s:
            qt[i, pos] = qt[i, pos - 1]
            qw[i, pos] = qw[i, pos - 1]
            pos -= 1
        qt[i, pos] = s
        qw[i, pos] = w
        qend[i] += 1
    return 0


cdef int64_t correlomatrix_pairs(const int64_t[::1] stamps, const int64_t[::1] ports,
                                 const double[::1] weights, const int64_t[::1] mult,
                                 int64_t t_min, int64_t t_max,
                                 int64_t c_lo, int64_t c_hi, int64_t T, int64_t d,
                                 int64_t min_delay, int64_t[::1] qt, double[::1] qw,
                                 int64_t[::1] qp, int64_t[::1] qrange, double[:, :, ::1] cov,
                                 int64_t[:, :, ::1] count, int64_t[::1] nev) noexcept nogil:
    """correlomatrix_detector: take the spikes in order (see the module doc).
    Queue: qt/qw/qp[qrange[0]:qrange[1]] with room for the batch."""
    cdef int64_t e, i, o, s, j, pos, a, b, dist, m, nb = cov.shape[2]
    cdef size_t bin
    cdef double edge = <double>T + 0.5 * <double>d, w, x
    for e in range(stamps.shape[0]):
        s = stamps[e]
        if s <= t_min or s > t_max:
            continue
        i = ports[e]
        m = mult[e]
        w = <double>m * weights[e]
        pos = qrange[1]
        while pos > qrange[0] and qt[pos - 1] > s:
            qt[pos] = qt[pos - 1]
            qw[pos] = qw[pos - 1]
            qp[pos] = qp[pos - 1]
            pos -= 1
        qt[pos] = s
        qw[pos] = w
        qp[pos] = i
        qrange[1] += 1
        while qrange[0] < qrange[1] and <double>(s - qt[qrange[0]]) >= edge + min_delay:
            qrange[0] += 1
        if c_lo <= s <= c_hi:
            nev[i] += 1
            for j in range(qrange[0], qrange[1]):
                o = qp[j]
                if s < qt[j]:
                    a = o
                    b = i
                else:
                    a = i
                    b = o
                dist = s - qt[j] if s >= qt[j] else qt[j] - s
                if a <= b:
                    x = -floor((0.5 * d - dist) / <double>d)
                else:
                    x = floor((0.5 * d + dist) / <double>d)
                if x < 0 or x >= nb:
                    continue
                bin = <size_t>x
                cov[a, b, bin] += w * qw[j]
                count[a, b, bin] += m
                if bin == 0 and (s != qt[j] or o != i):
                    cov[b, a, 0] += w * qw[j]
                    count[b, a, 0] += m
    return 0


cdef int64_t correlospinmatrix_handle(const int64_t[::1] stamps, const int64_t[::1] ports,
                                      const int64_t[::1] mult, int64_t t_min, int64_t t_max,
                                      int64_t T, int64_t d, int64_t min_delay,
                                      int64_t[::1] scal, uint8_t[::1] on, int64_t[::1] changed,
                                      int64_t[::1] p_on, int64_t[::1] p_off, int64_t[::1] p_ch,
                                      int64_t[::1] prange,
                                      int64_t[:, :, ::1] count) noexcept nogil:
    """correlospinmatrix_detector: decode the spikes in order into binary
    pulses and count the overlaps (see the class doc).  ``scal`` holds
    (last port, last stamp, tentative down); the pulses, sorted by their
    end, are p_on/p_off/p_ch[prange[0]:prange[1]] with room for the batch."""
    cdef int64_t e, c, s, m, i, j, k, pos, t_i_on, t_i_off, t_min_on, t_j_on, t_j_off
    cdef int64_t lo, hi, delta, lag, t0 = T // d, n_ch = count.shape[0]
    cdef bint down
    cdef double tau_edge = <double>(T + d)
    for e in range(stamps.shape[0]):
        s = stamps[e]
        if s <= t_min or s > t_max:
            continue
        c = ports[e]
        if c < 0 or c >= n_ch:          # (a port N_channels no longer has)
            continue
        m = mult[e]
        down = False
        if m == 1:
            if c == scal[0] and s == scal[1]:
                # the second spike of a pair: an up-transition
                on[c] = 1
                changed[c] = s
                scal[2] = 0
            else:
                # a single spike so far: tentatively a down-transition, which
                # the next spike of another port or step confirms
                if scal[2]:
                    down = True
                scal[2] = 1
        elif m == 2:
            on[c] = 1
            if scal[2]:
                down = True
            on[scal[0]] = 0             # (NEST clears the previous sender's port)
            changed[c] = s
            scal[2] = 0
        if down:
            i = scal[0]
            t_i_on = changed[i]
            t_i_off = scal[1]
            t_min_on = t_i_on
            for k in range(n_ch):
                if on[k] and changed[k] < t_min_on:
                    t_min_on = changed[k]
            while (prange[0] < prange[1]
                   and <double>(t_min_on - p_off[prange[0]]) >= tau_edge + min_delay):
                prange[0] += 1
            # insert the pulse after every pulse ending at or before it
            pos = prange[1]
            while pos > prange[0] and p_off[pos - 1] > t_i_off:
                p_on[pos] = p_on[pos - 1]
                p_off[pos] = p_off[pos - 1]
                p_ch[pos] = p_ch[pos - 1]
                pos -= 1
            p_on[pos] = t_i_on
            p_off[pos] = t_i_off
            p_ch[pos] = i
            prange[1] += 1
            for k in range(prange[0], prange[1]):
                j = p_ch[k]
                t_j_on = p_on[k]
                t_j_off = p_off[k]
                lo = t_j_on - t_i_off
                if lo < -T:
                    lo = -T
                hi = t_j_off - t_i_on
                if hi > T:
                    hi = T
                lag = min(t_i_off, t_j_off) - max(t_i_on, t_j_on)
                if lag > 0:
                    count[i, j, t0] += lag
                    if i != j:
                        count[j, i, t0] += lag
                delta = lo / d              # (truncated towards zero, as C)
                while delta < 0:
                    lag = min(t_i_off, t_j_off - delta * d) - max(t_i_on, t_j_on - delta * d)
                    if lag > 0:
                        count[i, j, t0 - delta] += lag
                        count[j, i, t0 + delta] += lag
                    delta += 1
                if i != j:
                    delta = 1
                    while delta <= hi / d:
                        lag = (min(t_i_off, t_j_off - delta * d)
                               - max(t_i_on, t_j_on - delta * d))
                        if lag > 0:
                            count[i, j, t0 - delta] += lag
                            count[j, i, t0 + delta] += lag
                        delta += 1
            changed[i] = t_i_off
        scal[0] = c
        scal[1] = s
    return 0


def max_double(v):
    """``v``, with +inf as the largest double (as NEST reports open ends)."""
    return np.finfo(np.float64).max if v == INFINITY else float(v)


def default_delta_tau(engine):
    """NEST's default bin width: 0.5 ms while that is a multiple of the
    resolution, else 5 h."""
    tics = engine.ms_to_tics(0.5)
    if tics % engine.tics_per_step == 0:
        return 0.5
    return float(engine.steps_to_ms(5))


cdef class DetectorBlock(NodeBlock):
    """Base of the correlation devices: parameters, results per device,
    ports, reset and the activity window (see the module doc)."""
    element_type = "recorder"
    device_parameters = {"origin": 0.0, "start": 0.0, "stop": INFINITY}
    parameters = {"delta_tau": -1.0, "tau_max": 5.0, "Tstart": 0.0, "Tstop": INFINITY}
    grid_times = ("origin", "start", "stop")
    #: connections into the device carry a receptor port (DetectorTable)
    receives_ports = True
    #: result names (read only; ``n_events`` is handled by each model)
    results = ()
    #: parameters whose change clears the results
    resetting = ()
    #: results before the first Prepare sizes them (NEST's empty state)
    empty_shape = (0,)
    empty_ports = 2
    cdef public list res            # per device: dict of result arrays (None: not yet sized)
    cdef public list queue          # per device: the spikes still in the window
    cdef public list fresh          # per device: not yet through a Prepare
    cdef public object t_lim        # (t_min, t_max) steps: the device's activity window

    def __init__(self, model, gids, first_gid, last_gid, defaults):
        from pynestlite.engine import kernel
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        dt = self.arrays["delta_tau"]
        bad = (dt < 0) | (kernel.ms_to_tics(dt) % kernel.tics_per_step != 0)
        # the default, or a value the resolution no longer divides (NEST
        # recalibrates such a delta_tau to its default)
        dt[bad] = type(self).delta_tau_default(kernel)
        self.res = [None] * self.n
        self.queue = [None] * self.n
        self.fresh = [True] * self.n

    @classmethod
    def delta_tau_default(cls, engine):
        """The model's default bin width (ms) at the engine's resolution."""
        return default_delta_tau(engine)

    @classmethod
    def all_defaults(cls):
        d = dict(cls.device_parameters)
        d.update(NodeBlock.all_defaults.__func__(cls))
        # results: read (the stored values live in ``res``)
        d["n_events"] = (0, 0)
        for name in cls.results:
            d[name] = ()
        return d

    @classmethod
    def public_names(cls):
        return (tuple(cls.device_parameters) + tuple(cls.parameters) + cls.results
                + ("n_events",))

    @classmethod
    def derived_defaults(cls, defaults):
        from pynestlite.engine import kernel
        out = {"n_events": np.zeros(cls.empty_ports, np.int64)}
        dt = defaults.get("delta_tau", -1.0)
        if dt < 0 or kernel.ms_to_tics(dt) % kernel.tics_per_step != 0:
            out["delta_tau"] = cls.delta_tau_default(kernel)
        for name in cls.results:
            out[name] = np.zeros(cls.empty_shape)
        out["Tstop"] = max_double(defaults.get("Tstop", INFINITY))
        return out

    def n_ports(self, i):
        return 2

    def check(self, dict values):
        from pynestlite.engine import kernel
        NodeBlock.check(self, values)
        dt = np.asarray(values["delta_tau"], np.float64)
        tm = np.asarray(values["tau_max"], np.float64)
        dtics = kernel.ms_to_tics(dt)
        if np.any(dt <= 0) or np.any(dtics % kernel.tics_per_step != 0):
            v = float(np.ravel(dt[(dt <= 0) | (dtics % kernel.tics_per_step != 0)])[0])
            raise StepMultipleRequired(
                f"{self.model}: delta_tau = {v} ms must be a positive multiple of the "
                f"resolution {kernel.resolution} ms")
        ttics = kernel.ms_to_tics(tm)
        if np.any(tm < 0) or np.any(ttics % dtics != 0):
            bad = (tm < 0) | (ttics % dtics != 0)
            raise TimeMultipleRequired(
                f"{self.model}: tau_max = {float(np.ravel(tm[bad])[0])} ms must be a multiple "
                f"of delta_tau = {float(np.ravel(dt[bad])[0])} ms")
        if np.any(values["stop"] < values["start"]):
            raise BadProperty(f"{self.model}: stop must be >= start")

    def steps(self, i, engine):
        """(T, d) of device ``i`` in steps."""
        a = self.arrays
        d = int(engine.ms_to_tics(a["delta_tau"][i]) // engine.tics_per_step)
        T = int(engine.ms_to_tics(a["tau_max"][i]) // engine.tics_per_step)
        return T, d

    def get(self, str name, idx):
        if name == "n_events" or name in self.results:
            out = []
            for i in idx:
                r = self.res[i]
                if r is None:           # NEST's state before the results are sized
                    if name == "n_events":
                        out.append(np.zeros(self.empty_ports, np.int64))
                    else:
                        out.append(np.zeros(self.empty_shape))
                else:
                    out.append(np.array(r[name], copy=True))
            return out
        if name == "Tstop":             # (NEST reports an open end as the largest double)
            return np.array([max_double(v) for v in NodeBlock.get(self, name, idx)])
        return NodeBlock.get(self, name, idx)

    def set(self, dict updates, idx, engine=None):
        from pynestlite.engine import kernel
        engine = engine if engine is not None else kernel
        updates = dict(updates)
        for name in self.results:
            if name in updates:
                raise UnaccessedDictionaryEntry(
                    f"{self.model}: {name!r} is a result (read only)")
        clear = self.take_n_events(updates)
        reset = clear or any(name in updates for name in self.resetting)
        old = {name: np.array(self.arrays[name], copy=True) for name in self.parameters}
        if updates:
            NodeBlock.set(self, updates, idx, engine)
        if reset:
            self.reset_after_set(np.asarray(idx, np.int64), old, engine)

    def take_n_events(self, dict updates):
        """Pop ``n_events`` from ``updates``; True if it asks for a reset."""
        return False

    def reset_after_set(self, idx, old, engine):
        for i in idx:
            self.reset(int(i), engine)

    def pre_run(self, engine):
        a = self.arrays
        self.t_lim = (engine.ms_to_steps_exact(a["origin"] + a["start"], "start"),
                      np.where(np.isinf(a["origin"] + a["stop"]), INT64_MAX // 4,
                               engine.ms_to_steps_exact(np.where(np.isinf(a["stop"]), 0.0,
                                                                 a["origin"] + a["stop"]),
                                                        "stop")))
        for i in range(self.n):
            if self.fresh[i]:               # NEST sizes the results at the first Prepare
                self.reset(i, engine)
                self.fresh[i] = False

    def check_ports(self, rows, ports):
        """UnknownReceptorType for a port the device does not have."""
        for r, p in zip(np.atleast_1d(rows), np.atleast_1d(ports)):
            if p < 0 or p >= self.n_ports(int(r)):
                raise UnknownReceptorType(
                    f"{self.model} (node {int(self.gids[int(r)])}) has receptor ports 0 .. "
                    f"{self.n_ports(int(r)) - 1}, got receptor_type {int(p)}")

    def count_window(self, i, engine):
        """Tstart and Tstop of device ``i`` as the steps [c_lo, c_hi] counted."""
        a = self.arrays
        tps = engine.tics_per_step
        lo = engine.ms_to_tics(a["Tstart"][i])
        c_lo = -(-int(lo) // tps)
        if np.isinf(a["Tstop"][i]):
            c_hi = INT64_MAX // 4
        else:
            c_hi = int(engine.ms_to_tics(a["Tstop"][i])) // tps
        return c_lo, c_hi


cdef class CorrelationDetector(DetectorBlock):
    results = ("histogram", "histogram_correction", "count_histogram")
    array_results = results + ("n_events",)
    empty_shape = (0,)
    empty_ports = 2
    resetting = ("delta_tau", "tau_max", "Tstart", "Tstop")

    def take_n_events(self, dict updates):
        if "n_events" not in updates:
            return False
        v = np.asarray(updates.pop("n_events"))
        if v.dtype == object or v.ndim < 1 or v.shape[v.ndim - 1] != 2 or np.any(v != 0):
            raise BadProperty(f"{self.model}: n_events can only be set to [0, 0] (to clear "
                              f"the histograms), got {updates.get('n_events', v).tolist()}")
        return True

    def reset(self, i, engine, params=None):
        a = self.arrays if params is None else params
        d = int(engine.ms_to_tics(a["delta_tau"][i]) // engine.tics_per_step)
        T = int(engine.ms_to_tics(a["tau_max"][i]) // engine.tics_per_step)
        nb = 1 + 2 * T // d
        self.res[i] = {"histogram": np.zeros(nb), "histogram_correction": np.zeros(nb),
                       "count_histogram": np.zeros(nb, np.int64),
                       "n_events": np.zeros(2, np.int64)}
        # per port: queued steps, weights, and how many are queued
        self.queue[i] = (np.zeros((2, 0), np.int64), np.zeros((2, 0)), np.zeros(2, np.int64))

    def reset_after_set(self, idx, old, engine):
        # as NEST: the cleared histograms take the size of the parameters
        # the device had before this call
        for i in idx:
            self.reset(int(i), engine, old)

    def handle_events(self, int64_t i, stamps, ports, weights, mult, engine):
        """Take the spikes (arrays in delivery order) of device ``i``."""
        cdef int64_t n = len(stamps)
        if n == 0:
            return
        r = self.res[i]
        T, d = self.steps(i, engine)
        if len(r["histogram"]) != 1 + 2 * T // d:
            raise BadProperty(f"{self.model} (node {int(self.gids[i])}): the histogram has "
                              f"{len(r['histogram'])} bins but delta_tau and tau_max give "
                              f"{1 + 2 * T // d}; clear it with n_events = [0, 0]")
        qt_old, qw_old, lens = self.queue[i]
        cap = qt_old.shape[1] + n
        qt = np.zeros((2, cap), np.int64)
        qw = np.zeros((2, cap))
        qhead = np.zeros(2, np.int64)
        qend = np.zeros(2, np.int64)
        for p in range(2):
            m = qt_old.shape[1]
            qt[p, :m] = qt_old[p]
            qw[p, :m] = qw_old[p]
        qend[:] = lens
        c_lo, c_hi = self.count_window(i, engine)
        cdef const int64_t[::1] sv = np.ascontiguousarray(stamps, np.int64)
        cdef const int64_t[::1] pv = np.ascontiguousarray(ports, np.int64)
        cdef const double[::1] wv = np.ascontiguousarray(weights, np.float64)
        cdef const int64_t[::1] mv = np.ascontiguousarray(mult, np.int64)
        cdef int64_t[:, ::1] qtv = qt
        cdef double[:, ::1] qwv = qw
        cdef int64_t[::1] qh = qhead, qe = qend
        cdef double[::1] hv = r["histogram"], cv = r["histogram_correction"]
        cdef int64_t[::1] kv = r["count_histogram"], nv = r["n_events"]
        cdef int64_t t_min = self.t_lim[0][i], t_max = self.t_lim[1][i]
        cdef int64_t lo = c_lo, hi = c_hi, TT = T, dd = d
        with nogil:
            correlation_pairs(sv, pv, wv, mv, t_min, t_max, lo, hi, TT, dd, qtv, qwv, qh, qe,
                              hv, cv, kv, nv)
        m = int(max(qend[0] - qhead[0], qend[1] - qhead[1]))
        nq_t = np.zeros((2, m), np.int64)
        nq_w = np.zeros((2, m))
        lens = np.zeros(2, np.int64)
        for p in range(2):
            k = int(qend[p] - qhead[p])
            nq_t[p, :k] = qt[p, qhead[p]:qend[p]]
            nq_w[p, :k] = qw[p, qhead[p]:qend[p]]
            lens[p] = k
        self.queue[i] = (nq_t, nq_w, lens)


cdef class CorrelomatrixDetector(DetectorBlock):
    parameters = {"delta_tau": -1.0, "tau_max": 5.0, "Tstart": 0.0, "Tstop": INFINITY,
                  "N_channels": 1}
    results = ("covariance", "count_covariance")
    array_results = results + ("n_events",)
    empty_shape = (1, 1, 0)
    empty_ports = 1
    resetting = ("delta_tau", "tau_max", "Tstart", "Tstop", "N_channels")

    def n_ports(self, i):
        return int(self.arrays["N_channels"][i])

    def check(self, dict values):
        if np.any(np.asarray(values["N_channels"]) < 1):
            raise BadProperty(f"{self.model}: N_channels must be larger than zero")
        DetectorBlock.check(self, values)
        from pynestlite.engine import kernel
        d = kernel.ms_to_tics(np.asarray(values["delta_tau"], np.float64)) // kernel.tics_per_step
        if np.any(d % 2 != 1):
            raise BadProperty(f"{self.model}: delta_tau must be an odd multiple of the "
                              f"resolution {kernel.resolution} ms")

    def take_n_events(self, dict updates):
        if "n_events" in updates:
            raise UnaccessedDictionaryEntry(f"{self.model}: n_events is read only; set "
                                            "N_channels (or another parameter) to clear")
        return False

    def reset(self, i, engine):
        T, d = self.steps(i, engine)
        n = self.n_ports(i)
        nb = 1 + T // d
        self.res[i] = {"covariance": np.zeros((n, n, nb)),
                       "count_covariance": np.zeros((n, n, nb), np.int64),
                       "n_events": np.zeros(n, np.int64)}
        self.queue[i] = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))

    def handle_events(self, int64_t i, stamps, ports, weights, mult, engine):
        """Take the spikes (arrays in delivery order) of device ``i``."""
        cdef int64_t n = len(stamps)
        if n == 0:
            return
        r = self.res[i]
        T, d = self.steps(i, engine)
        qt_old, qw_old, qp_old = self.queue[i]
        m = len(qt_old)
        qt = np.zeros(m + n, np.int64)
        qw = np.zeros(m + n)
        qp = np.zeros(m + n, np.int64)
        qt[:m] = qt_old
        qw[:m] = qw_old
        qp[:m] = qp_old
        qrange = np.array([0, m], np.int64)
        c_lo, c_hi = self.count_window(i, engine)
        cdef const int64_t[::1] sv = np.ascontiguousarray(stamps, np.int64)
        cdef const int64_t[::1] pv = np.ascontiguousarray(ports, np.int64)
        cdef const double[::1] wv = np.ascontiguousarray(weights, np.float64)
        cdef const int64_t[::1] mv = np.ascontiguousarray(mult, np.int64)
        cdef int64_t[::1] qtv = qt, qpv = qp, qr = qrange
        cdef double[::1] qwv = qw
        cdef double[:, :, ::1] cov = r["covariance"]
        cdef int64_t[:, :, ::1] cnt = r["count_covariance"]
        cdef int64_t[::1] nv = r["n_events"]
        cdef int64_t t_min = self.t_lim[0][i], t_max = self.t_lim[1][i]
        cdef int64_t lo = c_lo, hi = c_hi, TT = T, dd = d, md = engine.min_delay
        with nogil:
            correlomatrix_pairs(sv, pv, wv, mv, t_min, t_max, lo, hi, TT, dd, md, qtv, qwv, qpv,
                                qr, cov, cnt, nv)
        a, b = int(qrange[0]), int(qrange[1])
        self.queue[i] = (qt[a:b].copy(), qw[a:b].copy(), qp[a:b].copy())


def _nest_time(engine, double ms):
    """A time as NEST prints it: ``0.15 ms (= 150 tics = 2 steps)``."""
    tics = int(engine.ms_to_tics(ms))
    tps = int(engine.tics_per_step)
    steps = (tics + tps // 2) // tps
    return (f"{tics / engine.tics_per_ms:g} ms (= {tics} tics = {steps} "
            f"{'step' if steps == 1 else 'steps'})")


cdef class CorrelospinmatrixDetector(DetectorBlock):
    """correlospinmatrix_detector -- the raw auto- and cross-covariance of the
    states (spins) of binary neurons, pooled per receptor port.

    Ports 0 .. ``N_channels`` - 1 (the ``receptor_type`` of the connection;
    all senders of a port are pooled).  Binary neurons (and
    spike_generators, parrots) send an up-transition as two spikes in one
    step (or one of multiplicity 2) and a down-transition as one spike; the
    device decodes them from the spikes it takes (when and in the order NEST
    hands them over, see the module doc; weights are ignored), keyed by the
    *port* and the stamp, as NEST does -- not by the sender:

    * a spike of multiplicity 1 with the port and stamp of the previous
      spike: an up-transition of that port (state on, changed at the stamp);
    * another spike of multiplicity 1: a tentative down-transition; it
      becomes one when a further spike of multiplicity 1 of another port or
      step, or of multiplicity 2, arrives (so the last one of a run waits for
      a later spike);
    * a spike of multiplicity 2: an up-transition of its port (the previous
      spike's port is marked off);
    * other multiplicities only become the previous spike.

    Only spikes with stamps ``origin + start < t <= origin + stop`` are
    taken.  A confirmed down-transition of port i closes the binary pulse
    [t_on, t_off) (steps; t_on the port's last change).  The pulse enters
    the list of pulses (sorted by their ends; pulses ending before
    t_min - (T + d) - min_delay are dropped first, t_min the earliest start
    of the ports marked on and of the new pulse) and overlaps with every
    listed pulse j (itself included), T = tau_max / h, d = delta_tau / h:

        count_covariance[i][j][T / d] += overlap of [t_i_on, t_i_off) and
                                         [t_j_on, t_j_off) (steps), and
                                         [j][i] too if i != j
        for D = trunc(max(t_j_on - t_i_off, -T) / d) .. -1 and (i != j) for
        D = 1 .. trunc(min(t_j_off - t_i_on, T) / d):
            o = overlap of pulse i with pulse j shifted by -D d
            count_covariance[i][j][T / d - D] += o
            count_covariance[j][i][T / d + D] += o

    i.e. ``count_covariance[i][j][k]`` counts the steps in which port i was
    on while port j was on (k - T / d) d steps later, in 1 + 2 T / d bins
    (integers; exact).

    Parameters

        ``delta_tau``   0.1 ms   bin width, a multiple of the resolution
                                 (the resolution while 0.1 ms is not one)
        ``tau_max``     1.0 ms   one-sided width, a multiple of delta_tau
        ``Tstart``      0 ms     kept (as NEST, which does not use it)
        ``Tstop``       inf      kept (as NEST, which does not use it)
        ``N_channels``  1        ports (>= 1)
        ``origin``, ``start``, ``stop``: the activity window.

    None of delta_tau, tau_max, Tstart and Tstop may be negative.  Result
    (read only): ``count_covariance`` [N_channels, N_channels, 1 + 2 T / d]
    (empty [1, 1, 0] until the first Simulate).  Setting any of delta_tau,
    tau_max, Tstart, Tstop or N_channels clears it and the decoding state.

    Receives: binary signals (binary neurons, parrots, spike_generator).
    See also: spin_detector, correlomatrix_detector.
    """
    parameters = {"delta_tau": -1.0, "tau_max": 1.0, "Tstart": 0.0, "Tstop": INFINITY,
                  "N_channels": 1}
    receives_signal = SIGNAL_BINARY
    results = ("count_covariance",)
    array_results = results
    empty_shape = (1, 1, 0)
    resetting = ("delta_tau", "tau_max", "Tstart", "Tstop", "N_channels")

    @classmethod
    def delta_tau_default(cls, engine):
        """0.1 ms (NEST's resolution when the model is registered) while
        that is a multiple of the resolution, else the resolution."""
        if engine.ms_to_tics(0.1) % engine.tics_per_step == 0:
            return 0.1
        return float(engine.resolution)

    @classmethod
    def all_defaults(cls):
        d = dict(cls.device_parameters)
        d.update(NodeBlock.all_defaults.__func__(cls))
        for name in cls.results:
            d[name] = ()
        return d

    @classmethod
    def public_names(cls):
        return tuple(cls.device_parameters) + tuple(cls.parameters) + cls.results

    @classmethod
    def derived_defaults(cls, defaults):
        out = DetectorBlock.derived_defaults.__func__(cls, defaults)
        out.pop("n_events", None)
        return out

    def n_ports(self, i):
        return int(self.arrays["N_channels"][i])

    def check(self, dict values):
        from pynestlite.engine import kernel
        NodeBlock.check(self, values)
        if np.any(np.asarray(values["N_channels"]) < 1):
            raise BadProperty(f"{self.model}: /N_channels can only be larger than zero.")
        for name in ("delta_tau", "tau_max", "Tstart", "Tstop"):
            if np.any(np.asarray(values[name], np.float64) < 0):
                raise BadProperty(f"{self.model}: /{name} must not be negative.")
        dt = np.atleast_1d(np.asarray(values["delta_tau"], np.float64))
        tm = np.atleast_1d(np.asarray(values["tau_max"], np.float64))
        dtics = kernel.ms_to_tics(dt)
        bad = dtics % kernel.tics_per_step != 0
        if np.any(bad):
            raise StepMultipleRequired(
                f"The time property delta_tau = {_nest_time(kernel, dt[bad][0])} of model "
                f"{self.model} must be a multiple of the resolution "
                f"{_nest_time(kernel, kernel.resolution)}.")
        if np.any(dtics == 0):          # (NEST divides by it)
            raise BadProperty(f"{self.model}: delta_tau must be positive, got 0 ms")
        bad = kernel.ms_to_tics(tm) % dtics != 0
        if np.any(bad):
            raise TimeMultipleRequired(
                f"In model {self.model}, the time property tau_max = "
                f"{_nest_time(kernel, tm[bad][0])} must be multiple of time property "
                f"delta_tau = {_nest_time(kernel, dt[bad][0])}.")
        if np.any(values["stop"] < values["start"]):
            raise BadProperty(f"{self.model}: stop >= start required.")

    def reset(self, i, engine):
        T, d = self.steps(i, engine)
        n = self.n_ports(i)
        nb = int(1 + 2.0 * T / d)
        self.res[i] = {"count_covariance": np.zeros((n, n, nb), np.int64)}
        # decoding state: (last port, last stamp, tentative down), the ports'
        # states and last changes, the pulses (on, off, port)
        self.queue[i] = (np.array([0, INT64_MIN, 0], np.int64), np.zeros(n, np.uint8),
                         np.zeros(n, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                         np.zeros(0, np.int64))

    def handle_events(self, int64_t i, stamps, ports, weights, mult, engine):
        """Take the spikes (arrays in delivery order) of device ``i``."""
        cdef int64_t n = len(stamps)
        if n == 0:
            return
        r = self.res[i]
        T, d = self.steps(i, engine)
        scal, on, changed, on_old, off_old, ch_old = self.queue[i]
        m = len(on_old)
        p_on = np.zeros(m + n, np.int64)
        p_off = np.zeros(m + n, np.int64)
        p_ch = np.zeros(m + n, np.int64)
        p_on[:m] = on_old
        p_off[:m] = off_old
        p_ch[:m] = ch_old
        prange = np.array([0, m], np.int64)
        cdef const int64_t[::1] sv = np.ascontiguousarray(stamps, np.int64)
        cdef const int64_t[::1] pv = np.ascontiguousarray(ports, np.int64)
        cdef const int64_t[::1] mv = np.ascontiguousarray(mult, np.int64)
        cdef int64_t[::1] scv = scal, chv = changed, onv = p_on, offv = p_off, pchv = p_ch
        cdef int64_t[::1] prv = prange
        cdef uint8_t[::1] stv = on
        cdef int64_t[:, :, ::1] cnt = r["count_covariance"]
        cdef int64_t t_min = self.t_lim[0][i], t_max = self.t_lim[1][i]
        cdef int64_t TT = T, dd = d, md = engine.min_delay
        with nogil:
            correlospinmatrix_handle(sv, pv, mv, t_min, t_max, TT, dd, md, scv, stv, chv,
                                     onv, offv, pchv, prv, cnt)
        a, b = int(prange[0]), int(prange[1])
        self.queue[i] = (scal, on, changed, p_on[a:b].copy(), p_off[a:b].copy(),
                         p_ch[a:b].copy())


MODELS = {"correlation_detector": CorrelationDetector,
          "correlomatrix_detector": CorrelomatrixDetector,
          "correlospinmatrix_detector": CorrelospinmatrixDetector}
