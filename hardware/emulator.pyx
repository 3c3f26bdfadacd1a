# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Event-driven emulation of a compiled network in continuous time.

Every logical neuron is an AdEx neuron with exponential current synapses,
as the chip's circuits:

    C dV/dt      = -(C/tau_m) (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T)
                   - w + I_ex + I_in + I_e                (g_L = C/tau_m)
    tau_w dw/dt  = a (V - E_L) - w
    dI_x/dt      = -I_x / tau_x                (x = ex, in)
    an event of weight v at time t:  I_ex += v (v > 0),  I_in += v (v < 0)
    spike at V(t) >= V_peak:  V = V_reset, w += b, V clamped for t_ref

With the exponential term and the adaptation off (Delta_T = a = b = 0) the
circuit is LIF, its threshold V_th (= V_T) + offset; most networks run so,
and for them everything below is exact.  An AdEx neuron (Delta_T > 0 or a or
b != 0) has no closed form: it is integrated by RKF45 (``kernel/rkf45.h``,
absolute and relative tolerance 1e-10) between its events, the exponential
term with min(V, V_peak) as NEST's aeif models, and a step that ends at or
above V_peak is bisected in time to 1e-9 ms; V_th + offset is its V_T, the
trial-to-trial threshold noise moves the exponential threshold.

Numerics (LIF).  Between events the state is propagated exactly (closed form;
``expm1`` keeps it accurate when a synaptic time constant is close to the
membrane's, and the limit form is used when they are equal).  After every
change of a neuron's input, its next threshold crossing is predicted from
the closed form V(s) = V_inf + A exp(-s/tau_m) + sum_x B_x exp(-s/tau_x)
(plus a term linear in s where tau_x = tau_m): a bound on the largest
voltage reachable without further input rejects most neurons at once;
otherwise the first zero of V - V_th is isolated by Rolle's theorem and
polished by safeguarded Newton (``lif_roots.h``), to ~1e-15 relative.
Spike times are continuous (no time grid).

Events: input arrivals come as one sorted stream, neuron spikes and their
arrivals go through a binary heap ordered by (time, kind, index); a
prediction is invalidated by a version counter when the neuron's input
changes.  All arrivals of one time are applied before the affected neurons
are predicted again.

Delays.  A spike of source ``s`` arrives at all its targets
``src_delay[s]`` later: the chip's event latency, or, for a source sending
through a parrot neuron (``hold[s] > 0``), the latency plus the parrot's
hold, with Gaussian jitter per repeated spike (counter-based draws per
source and run, so the event-queue and the layered runs draw the same).  A
parrot still holding a spike drops the next one that comes before its hold
is over.
"""
import numpy as np
cimport numpy as cnp

from pynestlite.hardware.network import adex_circuits
from libc.math cimport cos, exp, expm1, fabs, floor, log, sqrt, INFINITY
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy, memset

cnp.import_array()
if sizeof(pnl_lanes) != PNL_LANES_FIELDS * PNL_LANES_C * sizeof(double):
    raise ImportError("emulator: lif_lanes.h and its declaration here disagree on the lanes")


cdef extern from "lif_roots.h":
    ctypedef struct pnl_term:
        double r
        double p0
        double p1
    double pnl_first_upcrossing(const pnl_term *t, int n, double S) nogil
    double pnl_terms_polish(const pnl_term *t, int n, double a, double b, double ga,
                            double gb) nogil
    int pnl_monotone_upcrossing(const pnl_term *t, int n, double S, double *out) nogil
    int PNL_MAX_TERMS


cdef extern from "lif_lanes.h":
    # the struct's arrays hold PNL_LANES (4) values each
    enum: PNL_LANES_C "PNL_LANES"
    enum: PNL_LANES_FIELDS
    ctypedef struct pnl_lanes:
        double V[4]
        double Ie[4]
        double Ii[4]
        double ts[4]
        double trel[4]
        double E_inf[4]
        double th[4]
        double V_reset[4]
        double inv_tm[4]
        double inv_C[4]
        double d_e[4]
        double d_i[4]
        double inv_Cd_e[4]
        double inv_Cd_i[4]
        double kmax_e[4]
        double kmax_i[4]
        int64_t scalar[4]
        double x_end[4]
        double inv_te[4]
        double inv_ti[4]
        double t_ref[4]
        int64_t pend[4]
        double p_ts[4]
        double p_x0[4]
        double p_ie[4]
        double p_ii[4]
        double p_S[4]
        double p_g[4]
        double horizon[4]
    int pnl_lanes_arrive(pnl_lanes *L, double ta, double t_last, const double *w,
                         const int64_t *conn, int64_t *checks) nogil
    int pnl_lanes_resolve(pnl_lanes *L, double *T) nogil
    int pnl_lanes_tail(pnl_lanes *L, double t_end, int n, int64_t *checks) nogil


from pynestlite.kernel.rkf45 cimport rkf45_work, rkf45_evolve_apply_std


cdef struct AdexQ:
    double C, g_L, E_L, V_T, Delta_T, V_peak, V_reset, a, inv_tw, inv_te, inv_ti, I_e
    int refractory


cdef int adex_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    """y = (V_m, w, I_ex, I_in)."""
    cdef AdexQ *q = <AdexQ *>p
    cdef double V = q.V_reset if q.refractory else (y[0] if y[0] < q.V_peak else q.V_peak)
    cdef double I_spike = 0.0
    if q.Delta_T > 0.0:
        I_spike = q.g_L * q.Delta_T * exp((V - q.V_T) / q.Delta_T)
    f[0] = 0.0 if q.refractory else (-q.g_L * (V - q.E_L) + I_spike - y[1] + y[2] + y[3]
                                      + q.I_e) / q.C
    f[1] = (q.a * (V - q.E_L) - y[1]) * q.inv_tw
    f[2] = -y[2] * q.inv_te
    f[3] = -y[3] * q.inv_ti
    return 0


DEF ADEX_TOL = 1e-10


cdef extern from "philox.h":
    ctypedef struct pnl_key:
        uint32_t k0
        uint32_t k1
    pnl_key pnl_make_key(uint64_t seed, uint64_t purpose, uint64_t extra) nogil
    void pnl_philox4x32_10(pnl_key key, uint64_t ctr_lo, uint64_t ctr_hi,
                           uint32_t out[4]) nogil
    double pnl_bits_to_unit(uint32_t lo, uint32_t hi) nogil


cdef struct Event:
    double t
    int64_t a          # >= 0: arrival of source a;  < 0: event of neuron -a - 1
    int64_t v          # >= 0: spike prediction of version v; < 0: recheck of version -v - 1


cdef inline double fmax(double a, double b) noexcept nogil:
    """max without libm's NaN handling (an inline compare; no NaN reaches it)."""
    return a if a > b else b


cdef inline double fmin(double a, double b) noexcept nogil:
    return a if a < b else b


cdef inline int ev_rank(Event *x) noexcept nogil:
    """Order of kinds at equal times: spikes, arrivals, rechecks."""
    return 1 if x.a >= 0 else (2 if x.v < 0 else 0)


cdef inline bint ev_less(Event *x, Event *y) noexcept nogil:
    cdef int rx, ry
    if x.t != y.t:
        return x.t < y.t
    rx = ev_rank(x)
    ry = ev_rank(y)
    return rx < ry or (rx == ry and x.a < y.a)


cdef int terms_of(double[::1] rates, double[::1] p0, double[::1] p1, pnl_term *t) except -1:
    """The terms (p0_k + p1_k s) exp(-rates_k s) into ``t`` (room for 8);
    returns their number."""
    cdef int k, n = rates.shape[0]
    if n > 8:
        raise ValueError("at most 8 terms")
    for k in range(n):
        t[k].r = rates[k]
        t[k].p0 = p0[k]
        t[k].p1 = p1[k]
    return n


def first_crossing(double[::1] rates, double[::1] p0, double[::1] p1, double horizon):
    """First s in (0, horizon] where sum_k (p0_k + p1_k s) exp(-rates_k s) turns
    from < 0 to >= 0 (rates ascending, at most 8 terms); inf if none."""
    cdef pnl_term t[8]
    cdef int n = terms_of(rates, p0, p1, t)
    return pnl_first_upcrossing(t, n, horizon)


def monotone_crossing(double[::1] rates, double[::1] p0, double[::1] p1, double horizon):
    """The short-horizon test of the emulator (terms as :func:`first_crossing`,
    no s-linear parts): (True, first up-crossing or inf) when it shows the sum
    increasing on (0, horizon], else (False, nan)."""
    cdef pnl_term t[8]
    cdef int n = terms_of(rates, p0, p1, t)
    cdef double out
    if pnl_monotone_upcrossing(t, n, horizon, &out):
        return True, out
    return False, float("nan")


cdef class Emulator:
    """The emulated chip running one program (see the module docstring).

    Parameters
    ----------
    params : dict of str to ndarray
        Per logical neuron: ``C_m`` (pF), ``tau_m``, ``tau_syn_ex``,
        ``tau_syn_in``, ``t_ref`` (ms), ``E_L``, ``V_th``, ``V_reset``, ``V_m``
        (mV), ``I_e`` (pA); the chip instance's fixed-pattern deviations
        already applied.
    ptr, target : ndarray of int64
        Connections by source (CSR): sources are the inputs first, then the
        neurons (source ``n_inputs + j`` is neuron ``j``).
    weight : ndarray of float64
        Effective weight (pA) per connection.
    n_inputs : int
    delay : float
        Event latency from a spike to its arrival (ms); every source's delay
        until :meth:`set_delays`.
    """
    cdef public int64_t n, n_inputs
    cdef public double delay
    cdef double[::1] C, inv_C, inv_tm, inv_te, inv_ti, d_e, d_i, E_inf, V_th, V_reset, t_ref
    cdef double[::1] kmax_e, kmax_i, horizon, V0, inv_Cd_e, inv_Cd_i
    # AdEx: per neuron flag, parameters, adaptation current and its initial value
    cdef int64_t[::1] adex
    cdef double[::1] Delta_T, V_peak, ad_a, ad_b, inv_tw, I_e, E_L, wad, w0
    cdef public bint solver_failed
    cdef double[::1] th_off
    cdef double[::1] ts, V, Ie, Ii, trel
    cdef int64_t[::1] version, ptr, tgt, dirty_flag, dirty
    cdef double[::1] w
    cdef Event *heap
    cdef int64_t heap_n, heap_cap
    cdef public double now
    cdef int64_t *sp_n_buf
    cdef double *sp_t_buf
    cdef int64_t sp_n, sp_cap
    cdef public int64_t predictions, root_solves
    # crossings the lanes deferred; of them solved side by side at a block's
    # end; crossings after a block's last arrival the lanes bracketed
    cdef public int64_t deferred, deferred_lanes, tail_lanes
    # acyclic networks: incoming connections by target and the neurons by level
    cdef int64_t[::1] in_ptr, in_src, in_k, level_ptr, level_nodes
    cdef public bint acyclic
    # delays: per source arrival delay, parrot hold (> 0: through a parrot),
    # the parrot's busy-until time, jitter draws so far; the run's jitter key
    cdef double[::1] src_delay, hold, busy
    cdef int64_t[::1] jit_n
    cdef double jitter
    cdef pnl_key jkey

    def __init__(self, params, ptr, target, weight, int64_t n_inputs, double delay):
        a = {k: np.ascontiguousarray(v, np.float64) for k, v in params.items()}
        self.n = len(a["C_m"])
        self.n_inputs = n_inputs
        self.delay = delay
        self.C = a["C_m"]
        self.inv_C = 1.0 / a["C_m"]
        tm, te, ti = a["tau_m"], a["tau_syn_ex"], a["tau_syn_in"]
        self.inv_tm = 1.0 / tm
        self.inv_te = 1.0 / te
        self.inv_ti = 1.0 / ti
        self.d_e = 1.0 / tm - 1.0 / te
        self.d_i = 1.0 / tm - 1.0 / ti
        with np.errstate(divide="ignore"):
            self.inv_Cd_e = np.where(np.asarray(self.d_e) == 0.0, 0.0,
                                     1.0 / (a["C_m"] * np.asarray(self.d_e)))
            self.inv_Cd_i = np.where(np.asarray(self.d_i) == 0.0, 0.0,
                                     1.0 / (a["C_m"] * np.asarray(self.d_i)))
        self.E_inf = a["E_L"] + a["I_e"] * tm / a["C_m"]
        self.V_th = a["V_th"].copy()
        self.V_reset = a["V_reset"].copy()
        self.t_ref = a["t_ref"].copy()
        self.V0 = a["V_m"].copy() if "V_m" in a else a["E_L"].copy()
        self.kmax_e = _psp_peak(tm, te) / a["C_m"]
        self.kmax_i = _psp_peak(tm, ti) / a["C_m"]
        zero = np.zeros(self.n)
        self.Delta_T = a.get("Delta_T", zero).copy()
        self.ad_a = a.get("a", zero).copy()
        self.ad_b = a.get("b", zero).copy()
        tw = a.get("tau_w", np.ones(self.n))
        self.inv_tw = 1.0 / tw
        self.V_peak = a.get("V_peak", a["V_th"]).copy()
        self.I_e = a["I_e"].copy()
        self.E_L = a["E_L"].copy()
        self.w0 = a.get("w", zero).copy()
        adex = adex_circuits({"Delta_T": self.Delta_T, "a": self.ad_a, "b": self.ad_b})
        self.adex = adex.astype(np.int64)
        self.horizon = 60.0 * np.maximum(np.maximum(tm, np.where(adex, tw, 0.0)),
                                         np.maximum(te, ti))
        self.th_off = np.zeros(self.n)
        self.ptr = np.ascontiguousarray(ptr, np.int64)
        self.tgt = np.ascontiguousarray(target, np.int64)
        self.w = np.ascontiguousarray(weight, np.float64).copy()
        self.dirty_flag = np.zeros(self.n, np.int64)
        self.dirty = np.zeros(self.n, np.int64)
        n_src = len(self.ptr) - 1
        self.src_delay = np.full(n_src, delay)
        self.hold = np.zeros(n_src)
        self.busy = np.full(n_src, -INFINITY)
        self.jit_n = np.zeros(n_src, np.int64)
        self.jitter = 0.0
        self.jkey = pnl_make_key(0, 0, 0)
        self._levels()
        self.heap_cap = 1024
        self.heap = <Event *>malloc(self.heap_cap * sizeof(Event))
        self.sp_cap = 1024
        self.sp_n_buf = <int64_t *>malloc(self.sp_cap * sizeof(int64_t))
        self.sp_t_buf = <double *>malloc(self.sp_cap * sizeof(double))
        if self.heap == NULL or self.sp_n_buf == NULL or self.sp_t_buf == NULL:
            raise MemoryError("emulator buffers")
        self.reset()

    def _levels(self):
        """Incoming connections by target and, if the neurons form no cycle,
        their levels (inputs: 0; a neuron: 1 + the largest level of its
        sources) for :meth:`run_layered`."""
        ptr = np.asarray(self.ptr)
        tgt = np.asarray(self.tgt)
        n_src = len(ptr) - 1
        src = np.repeat(np.arange(n_src), np.diff(ptr))
        order = np.argsort(tgt, kind="stable")
        self.in_k = order.astype(np.int64)
        self.in_src = src[order].astype(np.int64)
        self.in_ptr = np.concatenate([[0], np.cumsum(np.bincount(tgt, minlength=self.n))]
                                     ).astype(np.int64)
        level = np.zeros(self.n, np.int64)
        nn = src >= self.n_inputs
        pre, post = src[nn] - self.n_inputs, tgt[nn]
        for _ in range(self.n + 1):
            new = np.ones(self.n, np.int64)
            if len(pre):
                np.maximum.at(new, post, level[pre] + 1)
            if np.array_equal(new, level):
                break
            level = new
        else:
            self.acyclic = False
            return
        # parallel connections (one source twice onto one target) need the
        # event-driven run
        key = tgt.astype(np.int64) * n_src + src
        self.acyclic = len(np.unique(key)) == len(key)
        if self.n == 0:
            level = np.zeros(0, np.int64)
        order = np.argsort(level, kind="stable")
        self.level_nodes = order.astype(np.int64)
        top = int(level.max()) if self.n else 0
        self.level_ptr = np.searchsorted(level[order], np.arange(1, top + 2)).astype(np.int64)

    def __dealloc__(self):
        free(self.heap)
        free(self.sp_n_buf)
        free(self.sp_t_buf)

    def reset(self, double t0=0.0):
        """Initial state at time ``t0``: V = V_m, no current, nothing in flight."""
        self.ts = np.full(self.n, t0)
        self.V = np.asarray(self.V0).copy()
        self.Ie = np.zeros(self.n)
        self.Ii = np.zeros(self.n)
        self.wad = np.asarray(self.w0).copy()
        self.trel = np.full(self.n, -INFINITY)
        self.version = np.zeros(self.n, np.int64)
        self.heap_n = 0
        self.now = t0
        self.predictions = 0
        self.root_solves = 0
        self.deferred = 0
        self.deferred_lanes = 0
        self.tail_lanes = 0
        self.solver_failed = False

    def set_state(self, V, Ie, Ii, w=None):
        """Set V_m, the synaptic currents and (AdEx) the adaptation current at
        the current time (a neuron in its refractory period stays clamped)."""
        self.V = np.ascontiguousarray(V, np.float64).copy()
        self.Ie = np.ascontiguousarray(Ie, np.float64).copy()
        self.Ii = np.ascontiguousarray(Ii, np.float64).copy()
        if w is not None:
            self.wad = np.ascontiguousarray(w, np.float64).copy()
        self.ts = np.full(self.n, self.now)
        self.version = np.asarray(self.version) + 1
        cdef int64_t j
        for j in range(self.n):
            if self.predict(j, INFINITY) < 0:
                raise MemoryError("emulator: event buffers could not grow")

    def set_weights(self, weight):
        """Replace the effective weights (same connections)."""
        w = np.ascontiguousarray(weight, np.float64)
        if w.shape[0] != self.w.shape[0]:
            raise ValueError(f"set_weights: {w.shape[0]} weights for {self.w.shape[0]} "
                             "connections")
        self.w = w.copy()

    def set_delays(self, src_delay, hold, double jitter):
        """Arrival delay per source (ms from a spike to its arrival at every
        target), the parrot hold per source (ms; 0: sent directly) and the
        standard deviation (ms) of a repeated spike's jitter."""
        d = np.ascontiguousarray(src_delay, np.float64)
        h = np.ascontiguousarray(hold, np.float64)
        n_src = self.ptr.shape[0] - 1
        if d.shape[0] != n_src or h.shape[0] != n_src:
            raise ValueError(f"set_delays: {n_src} sources, got {d.shape[0]} delays and "
                             f"{h.shape[0]} holds")
        if np.any(d < 0) or np.any(h < 0) or jitter < 0:
            raise ValueError("set_delays: delays, holds and jitter must be >= 0")
        self.src_delay = d.copy()
        self.hold = h.copy()
        self.jitter = jitter

    def start_run(self, uint64_t seed, uint64_t purpose, uint64_t run, bint parrots_idle=True):
        """A new trial: the jitter draws of the stream (seed, purpose, run);
        every parrot idle unless ``parrots_idle`` is False (a run continuing
        the previous one)."""
        self.jkey = pnl_make_key(seed, purpose, run)
        self.jit_n = np.zeros(self.ptr.shape[0] - 1, np.int64)
        if parrots_idle:
            self.busy = np.full(self.ptr.shape[0] - 1, -INFINITY)

    @property
    def depth(self):
        """Levels of an acyclic network (0 otherwise)."""
        return int(self.level_ptr.shape[0]) - 1 if self.acyclic else 0

    cdef inline bint arrive(self, int64_t s, double T, double *ta) noexcept nogil:
        """Arrival time at the targets of source s's spike at T; False when
        its parrot is still holding an earlier spike (the spike is lost)."""
        cdef double h = self.hold[s], u1, u2
        cdef uint32_t o[4]
        ta[0] = T + self.src_delay[s]
        if h <= 0.0:
            return True
        if T < self.busy[s]:
            return False
        self.busy[s] = T + h
        if self.jitter > 0.0:
            pnl_philox4x32_10(self.jkey, <uint64_t>self.jit_n[s], <uint64_t>s, o)
            self.jit_n[s] += 1
            u1 = 1.0 - pnl_bits_to_unit(o[0], o[1])
            u2 = pnl_bits_to_unit(o[2], o[3])
            ta[0] = fmax(ta[0] + self.jitter * sqrt(-2.0 * log(u1))
                         * cos(6.283185307179586 * u2), T)
        return True

    def input_arrivals(self, t_in, src_in):
        """Input spikes (times and sources < n_inputs, any order) as arrivals:
        in time order through their sources, times plus the source's delay,
        through parrots where the source has one.  Returns (time, source) of
        the arrivals in time order."""
        t_a = np.asarray(t_in, np.float64)
        s_a = np.asarray(src_in, np.int64)
        if t_a.shape != s_a.shape or t_a.ndim != 1:
            raise ValueError(f"input_arrivals: times {t_a.shape} and sources {s_a.shape} "
                             "must be 1-d of one length")
        bad = (s_a < 0) | (s_a >= self.n_inputs)
        if np.any(bad):
            raise ValueError(f"input_arrivals: source {s_a[bad][0]} is not an input "
                             f"(0..{self.n_inputs - 1})")
        order = np.lexsort((s_a, t_a))
        cdef double[::1] t = np.ascontiguousarray(t_a[order])
        cdef int64_t[::1] src = np.ascontiguousarray(s_a[order])
        cdef int64_t i, m = 0, n = t.shape[0]
        cdef double ta
        out_t = np.empty(n)
        out_s = np.empty(n, np.int64)
        cdef double[::1] ot = out_t
        cdef int64_t[::1] os_ = out_s
        for i in range(n):
            if self.arrive(src[i], t[i], &ta):
                ot[m] = ta
                os_[m] = src[i]
                m += 1
        out_t, out_s = out_t[:m], out_s[:m]
        order = np.lexsort((out_s, out_t))
        return np.ascontiguousarray(out_t[order]), np.ascontiguousarray(out_s[order])

    def set_threshold_offsets(self, offsets):
        """Per-neuron threshold offsets (mV) of the next runs (trial-to-trial noise)."""
        self.th_off = np.ascontiguousarray(offsets, np.float64).copy()

    def state(self):
        """(V_m, I_syn_ex, I_syn_in, w) propagated to the current time."""
        cdef int64_t j
        cdef double v, ie, ii, t, wa
        out = np.empty((4, self.n))
        for j in range(self.n):
            v = self.V[j]; ie = self.Ie[j]; ii = self.Ii[j]; t = self.ts[j]; wa = self.wad[j]
            self.propagate(j, self.now, &v, &ie, &ii, &t, &wa)
            out[0, j] = v; out[1, j] = ie; out[2, j] = ii; out[3, j] = wa
        if self.solver_failed:
            raise RuntimeError("emulator: the AdEx integration failed (step size underflow)")
        return out

    cdef spikes(self):
        """The spike buffer as (neuron, time) arrays."""
        nn = np.empty(self.sp_n, np.int64)
        tt = np.empty(self.sp_n)
        cdef int64_t[::1] nv = nn
        cdef double[::1] tv = tt
        cdef int64_t i
        for i in range(self.sp_n):
            nv[i] = self.sp_n_buf[i]
            tv[i] = self.sp_t_buf[i]
        return nn, tt

    # ------------------------------------------------------------------
    cdef void propagate(self, int64_t j, double t, double *V, double *Ie, double *Ii,
                        double *ts, double *w) noexcept nogil:
        """Exact state of neuron j at t >= *ts (refractoriness included); an
        AdEx neuron is integrated (no spike detection: none is due)."""
        cdef double s = ts[0], dt, em, x, T
        cdef double tr = self.trel[j]
        cdef double y[4]
        if self.adex[j]:
            y[0] = V[0]; y[1] = w[0]; y[2] = Ie[0]; y[3] = Ii[0]
            self.adex_integrate(j, t, y, ts, False, &T)
            V[0] = y[0]; w[0] = y[1]; Ie[0] = y[2]; Ii[0] = y[3]
            return
        if s < tr:
            dt = fmin(t, tr) - s
            if dt > 0.0:
                if Ie[0] != 0.0:
                    Ie[0] *= exp(-dt * self.inv_te[j])
                if Ii[0] != 0.0:
                    Ii[0] *= exp(-dt * self.inv_ti[j])
            V[0] = self.V_reset[j]
            if t <= tr:
                ts[0] = t
                return
            s = tr
        dt = t - s
        if dt > 0.0 and (V[0] != self.E_inf[j] or Ie[0] != 0.0 or Ii[0] != 0.0):
            em = exp(-dt * self.inv_tm[j])
            x = V[0] - self.E_inf[j]
            if Ie[0] != 0.0:
                x += current_step(Ie, self.d_e[j], dt, em, self.C[j])
            if Ii[0] != 0.0:
                x += current_step(Ii, self.d_i[j], dt, em, self.C[j])
            V[0] = self.E_inf[j] + em * x
        ts[0] = t

    cdef inline void advance(self, int64_t j, double t) noexcept nogil:
        cdef double v = self.V[j], ie = self.Ie[j], ii = self.Ii[j], s = self.ts[j]
        cdef double wa = self.wad[j]
        self.propagate(j, t, &v, &ie, &ii, &s, &wa)
        self.V[j] = v; self.Ie[j] = ie; self.Ii[j] = ii; self.ts[j] = s; self.wad[j] = wa

    cdef inline void fire(self, int64_t j, double T) noexcept nogil:
        """Neuron j's spike at T (its state already there): reset, adaptation
        kick, refractory period."""
        self.V[j] = self.V_reset[j]
        self.wad[j] += self.ad_b[j]
        self.trel[j] = T + self.t_ref[j]

    cdef inline void rest(self, int64_t j, double t) noexcept nogil:
        """Neuron j at rest at time t (a pattern's start)."""
        self.V[j] = self.V0[j]
        self.Ie[j] = 0.0
        self.Ii[j] = 0.0
        self.wad[j] = self.w0[j]
        self.ts[j] = t
        self.trel[j] = -INFINITY

    cdef int adex_integrate(self, int64_t j, double t1, double *y, double *ts, bint detect,
                            double *T) noexcept nogil:
        """AdEx neuron j's state y = (V_m, w, I_ex, I_in) from *ts to t1
        (refractory: V clamped at V_reset until trel).  With ``detect`` it
        stops at the first V >= V_peak: *T is that time (bisected to 1e-9 ms),
        y the state there; returns 1.  Returns 0 without a crossing (*ts =
        t1), -1 if the solver failed (``solver_failed`` set)."""
        cdef AdexQ q
        cdef rkf45_work work
        cdef double t = ts[0], h, lo, hi, mid, tt, hh
        cdef double yp[4]
        cdef double ym[4]
        cdef int k
        q.C = self.C[j]; q.g_L = self.C[j] * self.inv_tm[j]; q.E_L = self.E_L[j]
        q.V_T = self.V_th[j] + self.th_off[j]; q.Delta_T = self.Delta_T[j]
        q.V_peak = self.V_peak[j]; q.V_reset = self.V_reset[j]; q.a = self.ad_a[j]
        q.inv_tw = self.inv_tw[j]; q.inv_te = self.inv_te[j]; q.inv_ti = self.inv_ti[j]
        q.I_e = self.I_e[j]
        q.refractory = 0
        h = 0.01 / self.inv_tm[j]
        if t < self.trel[j]:
            q.refractory = 1
            y[0] = q.V_reset
            if self.adex_steps(&work, &q, &t, fmin(t1, self.trel[j]), &h, y, False) < 0:
                return -1
            y[0] = q.V_reset
            q.refractory = 0
            if t1 <= self.trel[j]:
                ts[0] = t1
                return 0
        while t < t1:
            lo = t
            for k in range(4):
                yp[k] = y[k]
            if self.adex_steps(&work, &q, &t, t1, &h, y, True) < 0:
                return -1
            if detect and y[0] >= q.V_peak:
                # the crossing lies in (lo, t]: bisect, integrating from lo
                hi = t
                while hi - lo > 1e-9 + 4e-16 * fabs(hi):
                    mid = 0.5 * (lo + hi)
                    for k in range(4):
                        ym[k] = yp[k]
                    tt = lo
                    hh = mid - lo
                    if self.adex_steps(&work, &q, &tt, mid, &hh, ym, False) < 0:
                        return -1
                    if ym[0] >= q.V_peak:
                        hi = mid
                        for k in range(4):
                            y[k] = ym[k]
                    else:
                        lo = mid
                        for k in range(4):
                            yp[k] = ym[k]
                T[0] = hi
                ts[0] = hi
                return 1
        ts[0] = t1
        return 0

    cdef int adex_steps(self, rkf45_work *work, AdexQ *q, double *t, double end, double *h,
                        double *y, bint one) noexcept nogil:
        """RKF45 steps of an AdEx state y from *t towards end: one step
        (``one``) or until end.  -1 if the solver failed (``solver_failed``)."""
        while t[0] < end:
            if rkf45_evolve_apply_std(work, ADEX_TOL, ADEX_TOL, 1.0, 0.0, adex_rhs, q, 4, t,
                                      end, h, y, NULL) != 0 or h[0] <= 0.0:
                self.solver_failed = True
                return -1
            if one:
                break
        return 0

    cdef double adex_crossing(self, int64_t j, double until, bint limited) noexcept nogil:
        """next_crossing for an AdEx neuron: integrate a copy of its state up
        to ``until`` (or its horizon) and look for V >= V_peak."""
        cdef double y[4]
        cdef double s = self.ts[j], T, end
        y[0] = self.V[j]; y[1] = self.wad[j]; y[2] = self.Ie[j]; y[3] = self.Ii[j]
        self.predictions += 1
        if limited and self.trel[j] > until:
            return INFINITY
        end = fmin(until, s + self.horizon[j])
        if end <= s:
            return INFINITY if (limited or until == INFINITY) else -INFINITY
        if self.adex_integrate(j, end, y, &s, True, &T) == 1:
            return T
        return INFINITY if (limited or until == INFINITY) else -INFINITY

    cdef double next_crossing(self, int64_t j, double until, bint limited) noexcept nogil:
        """Time of neuron j's next threshold crossing without further input.

        Not ``limited``: -INFINITY when it surely does not cross before
        ``until`` (the next event of the network: the neuron is checked again
        then), else the crossing time or INFINITY.  ``limited``: the first
        crossing up to ``until``, INFINITY if there is none."""
        cdef double base = self.ts[j], v = self.V[j], ie = self.Ie[j], ii = self.Ii[j]
        cdef double x0, th, bound, B, q, s_star, g_star, S = self.horizon[j]
        cdef pnl_term t[4]
        cdef double wa = 0.0
        cdef int n
        if self.adex[j]:
            return self.adex_crossing(j, until, limited)
        if base < self.trel[j]:
            if limited and self.trel[j] > until:
                return INFINITY
            self.propagate(j, self.trel[j], &v, &ie, &ii, &base, &wa)
        x0 = v - self.E_inf[j]
        th = self.V_th[j] + self.th_off[j] - self.E_inf[j]
        self.predictions += 1
        if x0 >= th:
            return base
        bound = fmax(x0, 0.0) + fmax(ie, 0.0) * self.kmax_e[j] + fmax(ii, 0.0) * self.kmax_i[j]
        if bound < th:
            return INFINITY
        if until < INFINITY:
            # up to the next event V rises at most with the slope bound
            # -x_lo/tau_m + I_ex/C, x_lo a lower bound of x there
            # (exp(-u) >= 1 - u; inhibition ii <= 0 pulls x down by at most
            # |ii| s / C); no crossing before it: check again then
            B = until - base
            if B <= 0.0:
                return INFINITY if limited else -INFINITY
            q = (x0 * (1.0 - B * self.inv_tm[j]) if x0 >= 0.0 else x0) \
                + fmin(ii, 0.0) * B * self.inv_C[j]
            if x0 + B * (-q * self.inv_tm[j] + fmax(ie, 0.0) * self.inv_C[j]) < th:
                return INFINITY if limited else -INFINITY
            if limited:
                S = fmin(S, B)
        self.root_solves += 1
        if th > 0.0 and ie > 0.0 and ii <= 0.0 and self.d_e[j] != 0.0:
            # the excitatory part alone, A e^{-s/tau_m} + B e^{-s/tau_ex}, has
            # its maximum in closed form; inhibition (ii <= 0) only lowers V
            self.lif_terms(j, x0, th, ie, 0.0, t, False)
            B = t[2].p0
            q = -(t[2].r * B) / (t[1].r * t[1].p0)
            if q <= 0.0:
                return INFINITY         # monotone: no maximum above x0 < th, limit 0 < th
            s_star = log(q) / (t[2].r - t[1].r)
            if s_star <= 0.0:
                return INFINITY
            s_star = fmin(s_star, S)    # (limited: V rises up to S, the crossing is before)
            g_star = t[1].p0 * exp(-t[1].r * s_star) + B * exp(-t[2].r * s_star) - th
            if g_star < 0.0:
                return INFINITY
            if ii == 0.0:
                if g_star == 0.0:
                    return base + s_star
                return base + pnl_terms_polish(t, 3, 0.0, s_star, x0 - th, g_star)
        n = self.lif_terms(j, x0, th, ie, ii, t, True)
        if limited and pnl_monotone_upcrossing(t, n, S, &s_star):
            return base + s_star        # (a short horizon: V rises throughout)
        return base + pnl_first_upcrossing(t, n, S)

    cdef int lif_terms(self, int64_t j, double x0, double th, double ie, double ii,
                       pnl_term *t, bint ascending) noexcept nogil:
        """V - V_th of LIF neuron j at s after a state (x0 = V - E_inf, the
        currents ie, ii) without input, as terms (p0 + p1 s) exp(-r s): the
        constant, the membrane's, then one per synaptic time constant (ex
        first; a term linear in s where it equals the membrane's), in
        ascending rate after the constant if ``ascending``.  Returns their
        number."""
        cdef int n = 2, k, m
        cdef double B
        cdef pnl_term tmp
        t[0].r = 0.0; t[0].p0 = -th; t[0].p1 = 0.0
        t[1].r = self.inv_tm[j]; t[1].p0 = x0; t[1].p1 = 0.0
        if ie != 0.0:
            if self.d_e[j] == 0.0:
                t[1].p1 += ie * self.inv_C[j]
            else:
                B = ie / (self.C[j] * self.d_e[j])
                t[1].p0 -= B
                t[n].r = self.inv_te[j]; t[n].p0 = B; t[n].p1 = 0.0
                n += 1
        if ii != 0.0:
            if self.d_i[j] == 0.0:
                t[1].p1 += ii * self.inv_C[j]
            else:
                B = ii / (self.C[j] * self.d_i[j])
                t[1].p0 -= B
                if n == 3 and t[2].r == self.inv_ti[j]:
                    t[2].p0 += B
                else:
                    t[n].r = self.inv_ti[j]; t[n].p0 = B; t[n].p1 = 0.0
                    n += 1
        # ascending rates (insertion sort of at most 3 terms after the constant)
        for k in range(2, n if ascending else 0):
            tmp = t[k]
            m = k - 1
            while m >= 1 and t[m].r > tmp.r:
                t[m + 1] = t[m]
                m -= 1
            t[m + 1] = tmp
        return n

    cdef int push(self, double t, int64_t a, int64_t v) noexcept nogil:
        cdef int64_t i, p
        cdef Event e
        cdef Event *nh
        if self.heap_n == self.heap_cap:
            nh = <Event *>realloc(self.heap, 2 * self.heap_cap * sizeof(Event))
            if nh == NULL:
                return -1
            self.heap = nh
            self.heap_cap *= 2
        e.t = t; e.a = a; e.v = v
        i = self.heap_n
        self.heap_n += 1
        while i > 0:
            p = (i - 1) >> 1
            if not ev_less(&e, &self.heap[p]):
                break
            self.heap[i] = self.heap[p]
            i = p
        self.heap[i] = e
        return 0

    cdef Event pop(self) noexcept nogil:
        cdef Event top = self.heap[0], last
        cdef int64_t i = 0, c, n
        self.heap_n -= 1
        n = self.heap_n
        if n > 0:
            last = self.heap[n]
            while True:
                c = 2 * i + 1
                if c >= n:
                    break
                if c + 1 < n and ev_less(&self.heap[c + 1], &self.heap[c]):
                    c += 1
                if not ev_less(&self.heap[c], &last):
                    break
                self.heap[i] = self.heap[c]
                i = c
            self.heap[i] = last
        return top

    cdef int record_spike(self, int64_t j, double t) noexcept nogil:
        cdef int64_t *nn
        cdef double *nt
        if self.sp_n == self.sp_cap:
            nn = <int64_t *>realloc(self.sp_n_buf, 2 * self.sp_cap * sizeof(int64_t))
            if nn == NULL:
                return -1
            self.sp_n_buf = nn
            nt = <double *>realloc(self.sp_t_buf, 2 * self.sp_cap * sizeof(double))
            if nt == NULL:
                return -1
            self.sp_t_buf = nt
            self.sp_cap *= 2
        self.sp_n_buf[self.sp_n] = j
        self.sp_t_buf[self.sp_n] = t
        self.sp_n += 1
        return 0

    cdef int predict(self, int64_t j, double until) noexcept nogil:
        """Schedule neuron j's next spike, or a recheck at ``until`` (see
        next_crossing); older predictions become stale."""
        cdef double T = self.next_crossing(j, until, False)
        self.version[j] += 1
        if T == -INFINITY:
            return self.push(until, -j - 1, -self.version[j] - 1)
        if T < INFINITY:
            return self.push(T, -j - 1, self.version[j])
        return 0

    cdef void relax(self, double t) noexcept nogil:
        """Every neuron at rest at time t, nothing in flight."""
        cdef int64_t j
        for j in range(self.n):
            self.rest(j, t)
            self.version[j] += 1
        self.heap_n = 0

    cdef int fire_until(self, int64_t j, double until, Spike **buf, int64_t *n,
                        int64_t *cap) noexcept nogil:
        """Neuron j's spikes up to ``until`` without further input (recorded,
        and appended to ``buf`` as arrivals at their targets)."""
        cdef double T
        while True:
            T = self.next_crossing(j, until, True)
            if T > until:
                return 0
            if self.emit(j, T, buf, n, cap) < 0:
                return -1

    cdef int emit(self, int64_t j, double T, Spike **buf, int64_t *n,
                  int64_t *cap) noexcept nogil:
        """Neuron j spikes at T (no earlier crossing): state to T, recorded,
        appended to ``buf`` as its arrival, reset."""
        self.advance(j, T)
        if self.send(j, T, buf, n, cap) < 0:
            return -1
        self.fire(j, T)
        return 0

    cdef int send(self, int64_t j, double T, Spike **buf, int64_t *n,
                  int64_t *cap) noexcept nogil:
        """Neuron j's spike at T recorded and appended to ``buf`` as its
        arrival at its targets."""
        cdef double ta
        cdef Spike *nb
        if self.record_spike(j, T) < 0:
            return -1
        if n[0] == cap[0]:
            nb = <Spike *>realloc(buf[0], 2 * cap[0] * sizeof(Spike))
            if nb == NULL:
                return -1
            buf[0] = nb
            cap[0] *= 2
        if self.arrive(self.n_inputs + j, T, &ta):
            buf[0][n[0]].t = ta
            buf[0][n[0]].s = self.n_inputs + j
            n[0] += 1
        return 0

    cdef double bracketed_crossing(self, int64_t j, double x0, double ie, double ii, double S,
                                   double g_end) noexcept nogil:
        """Time after a state (x0 = V - E_inf, the currents ie, ii, one of
        them zero, V below threshold) of LIF neuron j's threshold crossing in
        (0, S], where V - V_th = g_end >= 0: V has at most one extremum, so
        it crosses once (the bracket of the lanes; no search for the
        maximum)."""
        cdef pnl_term t[4]
        cdef double th = self.V_th[j] + self.th_off[j] - self.E_inf[j]
        cdef int n = self.lif_terms(j, x0, th, ie, ii, t, False)
        self.root_solves += 1
        if g_end == 0.0:
            return S
        return pnl_terms_polish(t, n, 0.0, S, x0 - th, g_end)

    cdef void lane_params(self, pnl_lanes *LN, int l, int64_t j, double t0) noexcept nogil:
        """Lane l takes neuron j (parameters and its state); j < 0: an empty
        lane (never connected, harmless parameters)."""
        if j < 0:
            LN.V[l] = 0.0; LN.Ie[l] = 0.0; LN.Ii[l] = 0.0; LN.ts[l] = t0
            LN.trel[l] = -INFINITY; LN.E_inf[l] = 0.0; LN.th[l] = 1.0; LN.V_reset[l] = 0.0
            LN.inv_tm[l] = 1.0; LN.inv_C[l] = 1.0; LN.d_e[l] = 0.0; LN.d_i[l] = 0.0
            LN.inv_Cd_e[l] = 0.0; LN.inv_Cd_i[l] = 0.0; LN.kmax_e[l] = 0.0; LN.kmax_i[l] = 0.0
            LN.scalar[l] = 0; LN.inv_te[l] = 1.0; LN.inv_ti[l] = 1.0; LN.t_ref[l] = 0.0
            LN.horizon[l] = 1.0
        else:
            self.lane_load(LN, l, j)
            LN.E_inf[l] = self.E_inf[j]
            LN.th[l] = self.V_th[j] + self.th_off[j] - self.E_inf[j]
            LN.V_reset[l] = self.V_reset[j]
            LN.inv_tm[l] = self.inv_tm[j]
            LN.inv_C[l] = self.inv_C[j]
            LN.d_e[l] = self.d_e[j]
            LN.d_i[l] = self.d_i[j]
            LN.inv_Cd_e[l] = self.inv_Cd_e[j]
            LN.inv_Cd_i[l] = self.inv_Cd_i[j]
            LN.kmax_e[l] = self.kmax_e[j]
            LN.kmax_i[l] = self.kmax_i[j]
            LN.scalar[l] = self.adex[j]
            LN.inv_te[l] = self.inv_te[j]
            LN.inv_ti[l] = self.inv_ti[j]
            LN.t_ref[l] = self.t_ref[j]
            LN.horizon[l] = self.horizon[j]
        LN.pend[l] = 0
        LN.p_ts[l] = 0.0; LN.p_x0[l] = 0.0; LN.p_ie[l] = 0.0; LN.p_ii[l] = 0.0
        LN.p_S[l] = 1.0; LN.p_g[l] = 0.0

    cdef inline void lane_load(self, pnl_lanes *LN, int l, int64_t j) noexcept nogil:
        LN.V[l] = self.V[j]; LN.Ie[l] = self.Ie[j]; LN.Ii[l] = self.Ii[j]
        LN.ts[l] = self.ts[j]; LN.trel[l] = self.trel[j]

    cdef inline void lane_store(self, pnl_lanes *LN, int l, int64_t j) noexcept nogil:
        self.V[j] = LN.V[l]; self.Ie[j] = LN.Ie[l]; self.Ii[j] = LN.Ii[l]
        self.ts[j] = LN.ts[l]; self.trel[j] = LN.trel[l]

    cdef int lane_scalar(self, pnl_lanes *LN, int l, int64_t j, double ta, double wk,
                         Spike **N, int64_t *n_new, int64_t *capN) noexcept nogil:
        """Lane l (neuron j) takes the arrival at ta in the scalar code: its
        deferred crossing solved, its spikes up to ta, the exact propagation,
        the weight wk.  A crossing the lanes bracketed (one synaptic current,
        V at ta at or above threshold) is solved in that bracket."""
        cdef double ts = LN.ts[l]
        self.deferred += LN.pend[l]
        if LN.pend[l] and self.resolve(LN, l, j, self.bracketed_crossing(
                j, LN.p_x0[l], LN.p_ie[l], LN.p_ii[l], LN.p_S[l], LN.p_g[l]),
                N, n_new, capN) < 0:
            return -1
        self.lane_store(LN, l, j)
        if (LN.scalar[l] == 0 and ts >= LN.trel[l] and ta > ts
                and (LN.Ie[l] == 0.0 or LN.Ii[l] == 0.0)
                and LN.V[l] - LN.E_inf[l] < LN.th[l] and LN.x_end[l] >= LN.th[l]):
            self.predictions += 1
            if self.emit(j, ts + self.bracketed_crossing(
                    j, LN.V[l] - LN.E_inf[l], LN.Ie[l], LN.Ii[l], ta - ts,
                    LN.x_end[l] - LN.th[l]), N, n_new, capN) < 0:
                return -1
        if self.fire_until(j, ta, N, n_new, capN) < 0:
            return -1
        self.advance(j, ta)
        if wk >= 0.0:
            self.Ie[j] += wk
        else:
            self.Ii[j] += wk
        self.lane_load(LN, l, j)
        return 0

    cdef int resolve(self, pnl_lanes *LN, int l, int64_t j, double s, Spike **N,
                     int64_t *n_new, int64_t *capN) noexcept nogil:
        """Lane l's deferred crossing, at s after its start: the spike sent,
        the refractory period from it (the lane is held at V_reset since)."""
        cdef double T = LN.p_ts[l] + s
        LN.pend[l] = 0
        LN.V[l] = LN.V_reset[l]
        LN.trel[l] = T + self.t_ref[j]
        return self.send(j, T, N, n_new, capN)

    cdef void lane_blocks(self, pnl_lanes *tmpl, int32_t *row_of, LaneRow *rows) noexcept nogil:
        """The blocks of lanes of run_layered, level by level: each block's
        lanes at rest at time 0 (``tmpl``), and what each source sends to the
        block (``row_of[block * n_src + source]``: its row in ``rows``, -1
        where the source has no target in the block)."""
        cdef int64_t lv, q, q_end, nW, l, j, c, s, blk = 0, n_rows = 0
        cdef int64_t n_src = self.n_inputs + self.n
        cdef int32_t *ro
        for lv in range(self.level_ptr.shape[0] - 1):
            q = self.level_ptr[lv]
            q_end = self.level_ptr[lv + 1]
            while q < q_end:
                nW = q_end - q if q_end - q < PNL_LANES_C else PNL_LANES_C
                ro = &row_of[blk * n_src]
                for s in range(n_src):
                    ro[s] = -1
                for l in range(PNL_LANES_C):
                    j = self.level_nodes[q + l] if l < nW else -1
                    if j >= 0:
                        self.rest(j, 0.0)
                        for c in range(self.in_ptr[j], self.in_ptr[j + 1]):
                            s = self.in_src[c]
                            if ro[s] < 0:
                                ro[s] = <int32_t>n_rows
                                memset(&rows[n_rows], 0, sizeof(LaneRow))
                                n_rows += 1
                            rows[ro[s]].w[l] = self.w[self.in_k[c]]
                            rows[ro[s]].c[l] = 1
                    self.lane_params(&tmpl[blk], <int>l, j, 0.0)
                q += nW
                blk += 1

    def run_layered(self, double[::1] in_t, int64_t[::1] in_src, int64_t n_patterns,
                    double period, double[:, ::1] first=None):
        """A batch of patterns on an acyclic network, level by level.

        Pattern ``b`` occupies [b * period, (b + 1) * period) and starts from
        rest.  Level by level, the neurons take the arrivals of their sources
        (inputs and neurons of lower levels, in time order) one after the
        other and look for a threshold crossing before each: the dynamics of
        :meth:`run` without the event queue.  The neurons of a level go
        through the arrivals side by side, ``PNL_LANES`` at a time
        (``lif_lanes.h``); a crossing the lanes bracket while the neuron
        stays refractory past the arrival is solved at the block's end (or
        when an arrival passes its refractory end's lower bound); after the
        block's last arrival, a crossing with only an excitatory current is
        bracketed at the closed-form maximum and solved side by side too; a
        neuron that may cross threshold otherwise before an arrival, or
        leaves its refractory period, takes that arrival in the scalar code.
        Spike times agree with :meth:`run` to ~1e-15 relative (the lanes' exp
        is not the C library's).  Returns (neuron, time) of
        the spikes, neuron by neuron within a block of lanes; ``first``
        ([n_patterns, n], optional) receives each neuron's first spike time
        from its pattern's start (left as it is where the neuron is silent).
        A neuron refractory beyond the pattern's end and its last arrival
        skips its remaining arrivals (it cannot spike again in the pattern).
        The state left behind is not that of :meth:`run` (use :meth:`reset`).
        """
        cdef int64_t b, p_in = 0, n_in = in_t.shape[0], lv, q, j, e, nL, n_new = 0
        cdef int64_t spb, q_end, nW
        cdef bint want_first = first is not None
        cdef int64_t capL = 1024, capN = 1024, i, a, m, err = 0
        cdef int64_t n_levels = self.level_ptr.shape[0] - 1 if self.acyclic else 0
        cdef double t0, t_end, ta, t_last
        cdef Spike *L = <Spike *>malloc(capL * sizeof(Spike))
        cdef Spike *N = <Spike *>malloc(capN * sizeof(Spike))
        cdef Spike *nb
        cdef pnl_lanes LN
        cdef int64_t lane_j[PNL_LANES_C]
        cdef int64_t n_blocks = 0, blk, n_src = self.n_inputs + self.n, r
        cdef pnl_lanes *tmpl = NULL
        cdef int32_t *row_of = NULL
        cdef LaneRow *rows = NULL
        cdef LaneRow *row
        cdef double Tl[PNL_LANES_C]
        cdef bint got_first[PNL_LANES_C]
        cdef int l, mask, live, tail
        if not self.acyclic:
            free(L); free(N)
            raise ValueError("run_layered: the network has a cycle or parallel connections")
        if want_first and (first.shape[0] != n_patterns or first.shape[1] != self.n):
            free(L); free(N)
            raise ValueError(f"run_layered: first must be [{n_patterns}, {self.n}], got "
                             f"[{first.shape[0]}, {first.shape[1]}]")
        for lv in range(n_levels):
            n_blocks += (self.level_ptr[lv + 1] - self.level_ptr[lv] + PNL_LANES_C - 1) // PNL_LANES_C
        if L != NULL and N != NULL and n_blocks > 0:
            tmpl = <pnl_lanes *>malloc(n_blocks * sizeof(pnl_lanes))
            row_of = <int32_t *>malloc(n_blocks * n_src * sizeof(int32_t))
            rows = <LaneRow *>malloc(max(self.in_src.shape[0], 1) * sizeof(LaneRow))
        if L == NULL or N == NULL or (n_blocks > 0 and (
                tmpl == NULL or row_of == NULL or rows == NULL)):
            free(L); free(N); free(tmpl); free(row_of); free(rows)
            raise MemoryError("emulator buffers")
        self.sp_n = 0
        with nogil:
            if n_blocks > 0:
                self.lane_blocks(tmpl, row_of, rows)
            for b in range(n_patterns):
                t0 = b * period
                t_end = t0 + period
                nL = 0
                while p_in < n_in and in_t[p_in] < t_end:
                    if nL == capL:
                        nb = <Spike *>realloc(L, 2 * capL * sizeof(Spike))
                        if nb == NULL:
                            err = 1
                            break
                        L = nb
                        capL *= 2
                    L[nL].t = in_t[p_in]
                    L[nL].s = in_src[p_in]
                    nL += 1
                    p_in += 1
                if err:
                    break
                blk = 0
                for lv in range(n_levels):
                    n_new = 0
                    t_last = fmax(t_end, L[nL - 1].t) if nL > 0 else t_end
                    q = self.level_ptr[lv]
                    q_end = self.level_ptr[lv + 1]
                    while q < q_end and not err:
                        # a block of lanes from rest at t0
                        nW = q_end - q if q_end - q < PNL_LANES_C else PNL_LANES_C
                        memcpy(&LN, &tmpl[blk], sizeof(pnl_lanes))
                        for l in range(PNL_LANES_C):
                            got_first[l] = False
                            LN.ts[l] = t0
                            if l < nW:
                                j = self.level_nodes[q + l]
                                lane_j[l] = j
                                self.wad[j] = self.w0[j]
                            else:
                                lane_j[l] = -1
                        for e in range(nL):
                            r = row_of[blk * n_src + L[e].s]
                            if r < 0:
                                continue
                            row = &rows[r]
                            ta = L[e].t
                            mask = pnl_lanes_arrive(&LN, ta, t_last, row.w, row.c,
                                                    &self.predictions)
                            l = 0
                            while mask:
                                if mask & 1:
                                    j = lane_j[l]
                                    spb = self.sp_n
                                    if self.lane_scalar(&LN, l, j, ta, row.w[l], &N, &n_new,
                                                        &capN) < 0:
                                        err = 1
                                        break
                                    if want_first and not got_first[l] and self.sp_n > spb:
                                        first[b, j] = self.sp_t_buf[spb] - t0
                                        got_first[l] = True
                                mask >>= 1
                                l += 1
                            if err:
                                break
                        # the deferred crossings (pass 0), then the rest of the
                        # pattern without input: the crossings the tail brackets
                        # (pass 1); lanes that may still cross (live), and a
                        # neuron whose refractory period ends before t_end, go
                        # on in the scalar code
                        live = 0
                        for tail in range(2):
                            if tail and not err:
                                live = pnl_lanes_tail(&LN, t_end, nW, &self.predictions)
                            mask = pnl_lanes_resolve(&LN, Tl) if not err else 0
                            for l in range(nW):
                                if not ((mask >> l) & 1) or err:
                                    continue
                                self.root_solves += 1
                                if tail:
                                    self.tail_lanes += 1
                                else:
                                    self.deferred += 1
                                    self.deferred_lanes += 1
                                spb = self.sp_n
                                if self.resolve(&LN, l, lane_j[l], Tl[l] - LN.p_ts[l], &N,
                                                &n_new, &capN) < 0:
                                    err = 1
                                    continue
                                if want_first and not got_first[l]:
                                    first[b, lane_j[l]] = self.sp_t_buf[spb] - t0
                                    got_first[l] = True
                                if tail and LN.trel[l] <= t_end:
                                    live |= 1 << l
                        for l in range(nW):
                            j = lane_j[l]
                            if not err:
                                spb = self.sp_n
                                self.lane_store(&LN, l, j)
                                if (live >> l) & 1 and self.fire_until(j, t_end, &N, &n_new,
                                                                       &capN) < 0:
                                    err = 1
                                elif want_first and not got_first[l] and self.sp_n > spb:
                                    first[b, j] = self.sp_t_buf[spb] - t0
                        q += nW
                        blk += 1
                    if err:
                        break
                    # the level's spikes join the pattern's sorted arrivals
                    if sort_spikes(N, n_new) < 0:
                        err = 1
                        break
                    while nL + n_new > capL:
                        nb = <Spike *>realloc(L, 2 * capL * sizeof(Spike))
                        if nb == NULL:
                            err = 1
                            break
                        L = nb
                        capL *= 2
                    if err:
                        break
                    i = nL - 1
                    a = n_new - 1
                    m = nL + n_new - 1
                    while a >= 0:
                        if i >= 0 and spike_after(&L[i], &N[a]):
                            L[m] = L[i]
                            i -= 1
                        else:
                            L[m] = N[a]
                            a -= 1
                        m -= 1
                    nL += n_new
                if err:
                    break
        free(L)
        free(N)
        free(tmpl)
        free(row_of)
        free(rows)
        if err:
            raise MemoryError("emulator: buffers could not grow")
        if self.solver_failed:
            raise RuntimeError("emulator: the AdEx integration failed (step size underflow)")
        self.now = n_patterns * period
        nn, tt = self.spikes()
        return nn, tt

    def run(self, double[::1] in_t, int64_t[::1] in_src, double t_stop,
            int64_t trace=-1, double[::1] trace_t=None, double period=0.0):
        """Run from the current time to ``t_stop`` (events at t_stop included).

        Parameters
        ----------
        in_t, in_src : ndarray
            Arrival times (ms, ascending, > current time, <= t_stop) and
            source indices (< n_inputs) of the input events.
        t_stop : float
        trace : int
            Neuron whose V_m is sampled at ``trace_t`` (-1: none).
        period : float
            If > 0, the chip is relaxed completely at every multiple of
            ``period`` (the patterns of a batch start from rest).

        Returns
        -------
        (neuron, time, trace_values) : ndarrays
            The spikes in time order and the sampled membrane potentials.
        """
        cdef int64_t p_in = 0, n_in = in_t.shape[0], p_tr = 0, n_tr = 0
        cdef int64_t j, k, s, nd = 0, i, err = 0
        cdef double t, t_in, t_heap, t_dirty = -INFINITY, boundary = INFINITY, ta
        cdef bint take_heap
        cdef Event e
        cdef double v, ie, ii, tsj, wa
        if trace_t is not None:
            n_tr = trace_t.shape[0]
        trace_v = np.empty(n_tr)
        cdef double[::1] trv = trace_v
        self.sp_n = 0
        if period > 0.0:
            boundary = (floor(self.now / period) + 1.0) * period
        with nogil:
            while True:
                t_in = in_t[p_in] if p_in < n_in else INFINITY
                t_heap = self.heap[0].t if self.heap_n > 0 else INFINITY
                # equal times: spikes, then arrivals (input stream first), then rechecks
                take_heap = t_heap < t_in or (t_heap == t_in and not (
                    self.heap[0].a < 0 and self.heap[0].v < 0))
                t = t_heap if take_heap else t_in
                # neurons whose input changed are predicted once every arrival
                # of their time is in, up to the next event
                if nd > 0 and not (t == t_dirty and (not take_heap or self.heap[0].a >= 0)):
                    for i in range(nd):
                        j = self.dirty[i]
                        self.dirty_flag[j] = 0
                        if self.predict(j, t) < 0:
                            err = 1
                            break
                    nd = 0
                    if err:
                        break
                    continue
                # membrane samples up to the next event
                while p_tr < n_tr and trace_t[p_tr] <= fmin(t, t_stop):
                    v = self.V[trace]; ie = self.Ie[trace]; ii = self.Ii[trace]
                    tsj = self.ts[trace]; wa = self.wad[trace]
                    self.propagate(trace, trace_t[p_tr], &v, &ie, &ii, &tsj, &wa)
                    trv[p_tr] = v
                    p_tr += 1
                if t >= boundary and boundary <= t_stop:
                    self.relax(boundary)
                    boundary += period
                    continue
                if t > t_stop:
                    break
                if take_heap:
                    e = self.pop()
                    if e.a < 0 and e.v < 0:
                        # recheck: no input since the windowed check; solve fully
                        j = -e.a - 1
                        if -e.v - 1 == self.version[j]:
                            self.advance(j, e.t)
                            if self.predict(j, INFINITY) < 0:
                                err = 1
                                break
                        continue
                    if e.a < 0:
                        j = -e.a - 1
                        if e.v != self.version[j]:
                            continue
                        self.advance(j, e.t)
                        if self.record_spike(j, e.t) < 0:
                            err = 1
                            break
                        self.fire(j, e.t)
                        s = self.n_inputs + j
                        if self.ptr[s + 1] > self.ptr[s] and self.arrive(s, e.t, &ta):
                            if self.push(ta, s, 0) < 0:
                                err = 1
                                break
                        if self.predict(j, INFINITY) < 0:
                            err = 1
                            break
                        continue
                    s = e.a
                else:
                    s = in_src[p_in]
                    p_in += 1
                # arrival of source s at time t
                for k in range(self.ptr[s], self.ptr[s + 1]):
                    j = self.tgt[k]
                    self.advance(j, t)
                    if self.w[k] >= 0.0:
                        self.Ie[j] += self.w[k]
                    else:
                        self.Ii[j] += self.w[k]
                    if not self.dirty_flag[j]:
                        self.dirty_flag[j] = 1
                        self.dirty[nd] = j
                        nd += 1
                t_dirty = t
        if err:
            raise MemoryError("emulator: event buffers could not grow")
        if self.solver_failed:
            raise RuntimeError("emulator: the AdEx integration failed (step size underflow)")
        for i in range(nd):
            self.dirty_flag[self.dirty[i]] = 0
        self.now = t_stop
        nn, tt = self.spikes()
        return nn, tt, trace_v


cdef inline double current_step(double *I, double d, double dt, double em,
                                double C) noexcept nogil:
    """Decay the synaptic current I over dt (d = 1/tau_m - 1/tau_syn, em =
    exp(-dt/tau_m)) and return its contribution to exp(dt/tau_m) (V - E_inf):
    I (exp(dt d) - 1) / (C d), or I dt / C when the time constants are equal."""
    cdef double q, out
    if d == 0.0:
        out = I[0] * dt / C
        I[0] *= em
        return out
    q = expm1(dt * d)
    out = I[0] * q / (C * d)
    I[0] *= em * (1.0 + q)
    return out


cdef struct Spike:
    double t
    int64_t s


cdef struct LaneRow:
    # what one source sends to the lanes of a block: each lane's weight, and
    # whether the lane's neuron is its target
    double w[PNL_LANES_C]
    int64_t c[PNL_LANES_C]


cdef inline bint spike_after(const Spike *x, const Spike *y) noexcept nogil:
    return x.t > y.t or (x.t == y.t and x.s > y.s)


cdef void insertion_sort_spikes(Spike *a, int64_t n) noexcept nogil:
    """Insertion sort by (time, source): O(n + inversions)."""
    cdef int64_t i, k
    cdef Spike x
    for i in range(1, n):
        x = a[i]
        k = i
        while k > 0 and spike_after(&a[k - 1], &x):
            a[k] = a[k - 1]
            k -= 1
        a[k] = x


DEF SORT_BUCKETS = 1024


cdef int sort_spikes(Spike *a, int64_t n) noexcept nogil:
    """Sort a level's new spikes by (time, source): a counting pass into
    buckets of equal time width (the times spread fairly evenly over the
    pattern), then insertion sort, which only meets the few inversions
    left inside buckets (comparison sorts of random times mispredict every
    other branch).  Returns -1 if its buffer could not be allocated."""
    cdef int64_t stack_count[SORT_BUCKETS + 1]
    cdef Spike stack_buf[SORT_BUCKETS]
    cdef int64_t *count = stack_count
    cdef Spike *tmp = stack_buf
    cdef int64_t i, nb = n, bk
    cdef double lo, hi, scale
    if n < 32:
        insertion_sort_spikes(a, n)
        return 0
    lo = a[0].t
    hi = a[0].t
    for i in range(1, n):
        lo = fmin(lo, a[i].t)
        hi = fmax(hi, a[i].t)
    if not hi > lo:
        insertion_sort_spikes(a, n)
        return 0
    if n > SORT_BUCKETS:
        # (as many buckets as spikes: the insertion sort stays linear)
        tmp = <Spike *>malloc(n * sizeof(Spike))
        count = <int64_t *>malloc((n + 1) * sizeof(int64_t))
        if tmp == NULL or count == NULL:
            free(tmp)
            free(count)
            return -1
    scale = (nb - 1) / (hi - lo)
    for i in range(nb + 1):
        count[i] = 0
    for i in range(n):
        count[<int64_t>((a[i].t - lo) * scale) + 1] += 1
    for i in range(nb):
        count[i + 1] += count[i]
    for i in range(n):
        bk = <int64_t>((a[i].t - lo) * scale)
        tmp[count[bk]] = a[i]
        count[bk] += 1
    for i in range(n):
        a[i] = tmp[i]
    if tmp != stack_buf:
        free(tmp)
        free(count)
    insertion_sort_spikes(a, n)
    return 0


def _psp_peak(tau_m, tau_s):
    """max_s of tau_m tau_s / (tau_s - tau_m) (exp(-s/tau_s) - exp(-s/tau_m)):
    the largest membrane response (times C) to a unit initial current."""
    tau_m = np.asarray(tau_m, np.float64)
    tau_s = np.asarray(tau_s, np.float64)
    same = np.isclose(tau_m, tau_s, rtol=1e-12, atol=0)
    tm = np.where(same, 1.0, tau_m)
    ts = np.where(same, 2.0, tau_s)
    s_star = tm * ts / (ts - tm) * np.log(ts / tm)
    peak = tm * ts / (ts - tm) * (np.exp(-s_star / ts) - np.exp(-s_star / tm))
    # (1 + 1e-9) covers rounding: the bound must never reject a real crossing
    return np.where(same, tau_m * np.exp(-1.0), peak) * (1.0 + 1e-9)
