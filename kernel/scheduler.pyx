# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The simulation loop: min-delay slices of named phases, run in C.

Per slice (``min_delay`` steps starting at ``origin``):

1. **update**: every stimulation device, then every neuron block, advances
   the slice's lags; neurons read their input for step ``origin + lag``
   from the ring buffer and append spikes ``(gid, lag)`` to the local
   register.  A block with frozen nodes updates through
   ``NodeBlock.update_frozen``, which leaves those nodes as they were;
   others pay one flag test.  The update is cut after each step at which a sampler
   (multimeter) samples, and the **sample** phase runs there;
2. **order**: the new register entries become spike keys
   ``(lag << 40) | gid`` sorted into the canonical (lag, gid) order;
3. **archive**: each local spike sets its neuron's latest spike stamp and,
   for neurons that plastic synapses target, updates the neuron's traces
   and is appended to its history (``archive.h``: entries every incoming
   synapse has read and no later read can reach are dropped);
4. **record**: recorders (spike_recorder) take the local spikes;
5. **exchange**: the keys of all ranks are gathered in canonical order
   (one rank: the local keys themselves; several: ``pynestlite.parallel``);
6. **deliver** (at the start of the next slice, as NEST does): each
   synapse table delivers the spikes through its rows into the ring-buffer
   slot ``origin + lag + delay`` of the target channel (always a later
   slice, since delay >= min_delay).  Time-driven synapse tables then
   **advance** (see ``connections.pyx``): at every slice start and at their
   update times, where the slice is cut (the exchange still happens once
   per slice).  The spikes of a run's last slice are
   therefore delivered when the next run starts: plastic synapses change
   then, and synapses connected in between receive them, as in NEST.

No Python runs per slice except the MPI exchange, a due sample and the
progress callback.  The ring buffer holds ``min_delay + max_delay`` slots of
all local input channels; the slot of step ``t`` is ``t mod ring_len``.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, int32_t, uint8_t, uint64_t, INT64_MAX
from libc.math cimport exp
from libc.stdlib cimport malloc, realloc, free, qsort
from libc.string cimport memcpy
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC
from cpython.ref cimport PyObject
from cython.parallel cimport prange

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register, pnl_register_init, pnl_register_free,
    pnl_register_reserve, pnl_pevents, pnl_pevents_init, pnl_pevents_free, pnl_vregister, pnl_vregister_init, pnl_vregister_free,
    pnl_vregister_reserve,
    PNL_GID_BITS, key_gid, key_lag, CHAN_BINARY)
from pynestlite.kernel.archive cimport (
    pnl_archive, pnl_history, pnl_history_grow, pnl_archive_init, pnl_archive_free,
    pnl_eprop, pnl_eprop_enable, pnl_ep_mark_add,
    pnl_archive_resize, pnl_archive_add, pnl_archive_set_clock, pnl_archive_configure_slot,
    pnl_archive_bytes, pnl_archive_ms)
from pynestlite.kernel.connections cimport SynapseTable

cnp.import_array()

cdef extern from "threads.h" nogil:
    int PNL_OPENMP
    int pnl_max_threads()

#: whether the kernel runs its parallel phases on several threads (OpenMP)
HAVE_OPENMP = bool(PNL_OPENMP)


def max_threads():
    """Processors OpenMP sees (1 without OpenMP)."""
    return int(pnl_max_threads())

GID_BITS = PNL_GID_BITS
# flag of a flush event's key in the spike exchange (above any lag << 40)
FLUSH_FLAG = 1 << 62


def _threaded(obj):
    """Whether the class of ``obj`` itself declares ``threaded = True`` (a
    subclass that changes the update or delivery declares it again) and the
    object agrees (its ``threadable()``, where it has one)."""
    if not vars(type(obj)).get("threaded", False):
        return False
    f = getattr(obj, "threadable", None)
    return f is None or bool(f())


cdef inline double _now() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec + 1e-9 * ts.tv_nsec


cdef int _cmp_key(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *>a)[0], y = (<const int64_t *>b)[0]
    return (x > y) - (x < y)


ctypedef struct KeyOff:
    int64_t key
    double off


cdef int _cmp_key_off(const void *a, const void *b) noexcept nogil:
    """Canonical order of precise spikes: (lag, gid), then time (larger
    offset first)."""
    cdef const KeyOff *x = <const KeyOff *>a
    cdef const KeyOff *y = <const KeyOff *>b
    if x.key != y.key:
        return (x.key > y.key) - (x.key < y.key)
    return (x.off < y.off) - (x.off > y.off)


cdef inline void _sort_keys(int64_t *k, int64_t n) noexcept nogil:
    """Ascending order (insertion sort for the few spikes of a small slice)."""
    cdef int64_t i, j, v
    if n > 32:
        qsort(k, n, sizeof(int64_t), _cmp_key)
        return
    for i in range(1, n):
        v = k[i]
        j = i - 1
        while j >= 0 and k[j] > v:
            k[j + 1] = k[j]
            j -= 1
        k[j + 1] = v


cdef void sort_values(int64_t *key, double *val, int64_t n, int64_t *tk,
                      double *tv) noexcept nogil:
    """Sort ``n`` (key, value) pairs by key, stably: insertion sort of runs
    of 16, then bottom-up merges through the scratch ``tk``/``tv`` (n
    entries each)."""
    cdef int64_t i, j, lo, mid, hi, a, b, o, w
    cdef int64_t kk
    cdef double vv
    cdef int64_t *sk = key
    cdef double *sv = val
    cdef int64_t *dk = tk
    cdef double *dv = tv
    lo = 0
    while lo < n:
        hi = min(lo + 16, n)
        for i in range(lo + 1, hi):
            kk = key[i]
            vv = val[i]
            j = i - 1
            while j >= lo and key[j] > kk:
                key[j + 1] = key[j]
                val[j + 1] = val[j]
                j -= 1
            key[j + 1] = kk
            val[j + 1] = vv
        lo = hi
    w = 16
    while w < n:
        lo = 0
        while lo < n:
            mid = min(lo + w, n)
            hi = min(lo + 2 * w, n)
            a = lo
            b = mid
            o = lo
            while a < mid and b < hi:
                if sk[b] < sk[a]:
                    dk[o] = sk[b]; dv[o] = sv[b]; b += 1
                else:
                    dk[o] = sk[a]; dv[o] = sv[a]; a += 1
                o += 1
            while a < mid:
                dk[o] = sk[a]; dv[o] = sv[a]; a += 1; o += 1
            while b < hi:
                dk[o] = sk[b]; dv[o] = sv[b]; b += 1; o += 1
            lo = hi
        sk, dk = dk, sk
        sv, dv = dv, sv
        w *= 2
    if sk != key:
        memcpy(key, sk, n * sizeof(int64_t))
        memcpy(val, sv, n * sizeof(double))


def sort_values_stable(keys, values):
    """The kernel's stable (key, value) sort of the secondary values, on
    copies of two arrays (for tests)."""
    cdef int64_t[::1] k = np.array(keys, dtype=np.int64)
    cdef double[::1] v = np.array(values, dtype=np.float64)
    cdef int64_t n = k.shape[0]
    tk = np.empty(max(n, 1), np.int64)
    tv = np.empty(max(n, 1), np.float64)
    cdef int64_t[::1] tkv = tk
    cdef double[::1] tvv = tv
    if n:
        sort_values(&k[0], &v[0], n, &tkv[0], &tvv[0])
    return np.asarray(k), np.asarray(v)


cdef class Scheduler:
    """Owns the ring buffer, the spike register, the archive and the slice loop."""
    cdef SliceContext ctx
    cdef pnl_register reg
    cdef pnl_register freg           # flush events of the slice
    cdef pnl_vregister vreg          # secondary values of the slice
    cdef pnl_vregister pvals         # one rank: the last slice's values, sorted, to deliver
    cdef bint pv_ready               # pvals holds values not yet delivered
    cdef pnl_vregister vtmp          # scratch of the values' merge sort
    cdef pnl_pevents pev             # precise input in flight
    cdef double *loff                # offsets of lkeys (precise networks)
    cdef double *goff                # offsets of the spikes to deliver (precise networks)
    cdef KeyOff *korder              # scratch of the precise order phase
    cdef public bint precise         # some node sends or takes precise spike times
    cdef public object chan_precise  # uint8 per input channel (or None)
    cdef public object bin_state     # int64 [2, channels]: binary decode state (or None)
    cdef public object chan_payload  # uint8 per input channel (or None)
    cdef pnl_archive archive
    cdef int64_t *lkeys              # local keys of the slice, canonical order
    cdef int64_t lcap
    cdef int64_t *ggid               # spikes of all ranks to deliver
    cdef int32_t *glag
    cdef int64_t gcap
    cdef double t_update, t_deliver, t_communicate, t_record
    cdef public bint detailed_timers   # read the clock at every phase boundary
    cdef public object inbuf
    cdef public object chan_slot     # int64 per input channel: local neuron slot
    cdef public int64_t origin       # first step of the current (maybe partial) slice
    cdef public long lag             # steps of the current slice already done
    cdef public int64_t recorded     # register entries already ordered and recorded
    cdef public int64_t local_spikes # spikes of local neurons (multiplicity counted) since reset
    cdef public int64_t n_pending    # exchanged spikes not yet delivered (ggid/glag)
    cdef public int64_t pending_origin   # origin of the slice they belong to
    cdef public object pending_flush     # exchanged flush keys not yet delivered (or None)
    cdef public object pending_values    # exchanged (keys, values) not yet delivered (or None)
    cdef double[::1] ca, ca_t, ca_tau, ca_beta     # calcium trace per local neuron slot
    cdef int64_t n_ca
    # threads: per thread a context and a spike register (merged into reg
    # after each parallel update), and the local neuron slots it owns
    cdef public int n_threads
    cdef public int requested_threads    # local_num_threads (n_threads: 1 without OpenMP)
    cdef public int64_t thread_slots     # the local slots the threads share
    cdef SliceContext *tctx
    cdef pnl_register *treg
    cdef int64_t *slot_bound         # thread t owns slots slot_bound[t] .. slot_bound[t+1] - 1
    cdef double *t_thread            # per thread: seconds in the update and deliver phases
    # the run's blocks updated by all threads (devices first), their first slot
    cdef PyObject **par_blk
    cdef int64_t *par_slot0
    cdef Py_ssize_t n_par, n_par_dev
    cdef int run_threads             # threads of the current run (1: plain loop)
    cdef object _par_refs

    def __cinit__(self):
        pnl_register_init(&self.reg)
        pnl_register_init(&self.freg)
        pnl_vregister_init(&self.vreg)
        pnl_vregister_init(&self.pvals)
        pnl_vregister_init(&self.vtmp)
        pnl_pevents_init(&self.pev)
        pnl_archive_init(&self.archive)
        self.loff = NULL
        self.goff = NULL
        self.korder = NULL
        self.precise = False
        self.chan_precise = None
        self.chan_payload = None
        self.ctx.chan_payload = NULL
        self.ctx.loff = NULL
        self.ctx.goff = NULL
        self.ctx.chan_precise = NULL
        self.bin_state = None
        self.ctx.bin_src = NULL
        self.ctx.bin_stamp = NULL
        self.ctx.pev = &self.pev
        self.ctx.reg = &self.reg
        self.ctx.flush = &self.freg
        self.ctx.values = &self.vreg
        self.pending_flush = None
        self.pending_values = None
        self.pv_ready = False
        self.ctx.archive = &self.archive
        self.ctx.n_ranks = 1
        self.lkeys = NULL
        self.ggid = NULL
        self.glag = NULL
        self.lcap = self.gcap = 0
        self.origin = 0
        self.lag = 0
        self.recorded = 0
        self.n_pending = 0
        self.pending_origin = 0
        self.detailed_timers = False
        self.n_threads = 1
        self.requested_threads = 1
        self.thread_slots = -1
        self.tctx = NULL
        self.treg = NULL
        self.slot_bound = NULL
        self.t_thread = NULL
        self.par_blk = NULL
        self.par_slot0 = NULL
        self.n_par = self.n_par_dev = 0
        self.run_threads = 1
        self.ctx.lo = 0
        self.ctx.hi = 0
        self.ctx.thread = 0
        self.ctx.slot_lo = 0
        self.ctx.slot_hi = INT64_MAX

    def __dealloc__(self):
        self._free_threads()
        pnl_register_free(&self.reg)
        pnl_register_free(&self.freg)
        pnl_vregister_free(&self.vreg)
        pnl_vregister_free(&self.pvals)
        pnl_vregister_free(&self.vtmp)
        pnl_pevents_free(&self.pev)
        pnl_archive_free(&self.archive)
        free(self.lkeys)
        free(self.ggid)
        free(self.glag)
        free(self.loff)
        free(self.goff)
        free(self.korder)

    def configure_precise(self, chan_precise, bint precise, chan_payload=None):
        """Precise spike times, binary input and payloads: ``precise`` when a
        node of the network (on any rank) sends spikes with offsets or
        payloads (they then travel with the keys); ``chan_precise`` (uint8
        per local input channel, or None) marks the channels that take single
        events: at their offsets (CHAN_PRECISE) or decoded as binary
        transitions (CHAN_BINARY, which keep the sender and step of their
        latest event here); ``chan_payload`` those that multiply the weight
        by the payload."""
        cdef uint8_t[::1] cp
        cdef uint8_t[::1] pp
        cdef int64_t[:, ::1] bs
        self.precise = precise
        self.bin_state = None
        self.ctx.bin_src = NULL
        self.ctx.bin_stamp = NULL
        if chan_payload is None or not np.any(chan_payload):
            self.chan_payload = None
            self.ctx.chan_payload = NULL
        else:
            self.chan_payload = np.ascontiguousarray(chan_payload, np.uint8)
            pp = self.chan_payload
            self.ctx.chan_payload = &pp[0]
        if chan_precise is None or not np.any(chan_precise):
            self.chan_precise = None
            self.ctx.chan_precise = NULL
            return
        self.chan_precise = np.ascontiguousarray(chan_precise, np.uint8)
        cp = self.chan_precise
        self.ctx.chan_precise = &cp[0]
        if np.any(self.chan_precise == CHAN_BINARY):
            # (no sender has gid 0: the first event of a channel is never
            # taken for the second of a pair)
            self.bin_state = np.zeros((2, cp.shape[0]), np.int64)
            self.bin_state[1] = -1
            bs = self.bin_state
            self.ctx.bin_src = &bs[0, 0]
            self.ctx.bin_stamp = &bs[1, 0]

    @property
    def timers(self):
        per = self.thread_timers()
        return {"time_update": self.t_update, "time_deliver": self.t_deliver,
                "time_communicate": self.t_communicate, "time_record": self.t_record,
                # per thread (detailed_timers): its work in the parallel
                # phases and its wait for the slowest thread at their ends
                "time_update_threads": per["update"], "time_deliver_threads": per["deliver"],
                "time_wait_threads": per["wait"]}

    cdef void _free_threads(self):
        cdef int t
        if self.treg != NULL:
            for t in range(self.n_threads):
                pnl_register_free(&self.treg[t])
        free(self.treg)
        free(self.tctx)
        free(self.slot_bound)
        free(self.t_thread)
        self.treg = NULL
        self.tctx = NULL
        self.slot_bound = NULL
        self.t_thread = NULL

    def configure_threads(self, int n_threads, int64_t n_slots):
        """Run the update and deliver phases on ``n_threads`` threads (1: the
        plain loop).  Thread ``t`` owns the local neuron slots
        ``n_slots * t // n_threads`` up to the next thread's first: it updates
        their nodes and delivers to their input channels, so no two threads
        write the same value and every sum keeps its canonical order (results
        do not depend on the thread count)."""
        from pynestlite.errors import KernelMemoryError
        cdef int t
        if n_threads < 1:
            raise ValueError(f"n_threads must be positive, got {n_threads}")
        self._free_threads()
        self.requested_threads = n_threads
        self.thread_slots = n_slots
        if n_threads > 1 and not PNL_OPENMP:
            n_threads = 1
        self.n_threads = n_threads
        # per thread: update, deliver, wait (then one scratch value)
        self.t_thread = <double *>malloc(4 * n_threads * sizeof(double))
        if self.t_thread == NULL:
            raise KernelMemoryError("the thread timers could not be allocated")
        for t in range(4 * n_threads):
            self.t_thread[t] = 0.0
        if n_threads == 1:
            return
        self.tctx = <SliceContext *>malloc(n_threads * sizeof(SliceContext))
        self.treg = <pnl_register *>malloc(n_threads * sizeof(pnl_register))
        self.slot_bound = <int64_t *>malloc((n_threads + 1) * sizeof(int64_t))
        if self.tctx == NULL or self.treg == NULL or self.slot_bound == NULL:
            self._free_threads()
            self.n_threads = 1
            raise KernelMemoryError("the per-thread buffers could not be allocated")
        for t in range(n_threads):
            pnl_register_init(&self.treg[t])
        for t in range(n_threads + 1):
            self.slot_bound[t] = n_slots * t // n_threads

    def thread_bounds(self):
        """Thread ``t`` owns the local slots ``b[t] .. b[t+1] - 1`` (int64)."""
        cdef int t
        if self.slot_bound == NULL:
            return np.array([0, max(self.thread_slots, 0)], np.int64)
        return np.array([self.slot_bound[t] for t in range(self.n_threads + 1)], np.int64)

    def thread_timers(self):
        """Seconds each thread spent updating, delivering and waiting for the
        others at the end of a parallel phase (counted with detailed_timers)."""
        cdef int t
        if self.t_thread == NULL:
            return {"update": [], "deliver": [], "wait": []}
        return {"update": [self.t_thread[3 * t] for t in range(self.n_threads)],
                "deliver": [self.t_thread[3 * t + 1] for t in range(self.n_threads)],
                "wait": [self.t_thread[3 * t + 2] for t in range(self.n_threads)]}

    def reset_thread_timers(self):
        cdef int t
        if self.t_thread != NULL:
            for t in range(3 * self.n_threads):
                self.t_thread[t] = 0.0

    cdef void _thread_waits(self, double wall) noexcept nogil:
        """After a parallel phase of ``wall`` seconds: each thread waited the
        rest of it (its own time is in the scratch values)."""
        cdef int t, T = self.n_threads
        for t in range(T):
            self.t_thread[3 * t + 2] += wall - self.t_thread[3 * T + t]

    cdef void _thread_context(self, int t) noexcept nogil:
        """Context of thread ``t``: the loop's, with its own register and slots."""
        self.tctx[t] = self.ctx
        self.tctx[t].reg = &self.treg[t]
        self.tctx[t].thread = t
        self.tctx[t].slot_lo = self.slot_bound[t]
        self.tctx[t].slot_hi = self.slot_bound[t + 1]

    def configure(self, int64_t ring_len, int64_t row_width, int64_t min_delay, double h,
                  uint64_t seed, int64_t n_local):
        """(Re)build the ring buffer for new delay extrema or more channels.

        Input in flight is moved to the slots of its arrival step in the new
        buffer (slot of step ``t`` is ``t mod ring_len``).  The steps still
        pending lie in ``[now, now + max_delay)`` of the old extrema, and
        extrema only widen, so they always fit.  A slice that is partly done
        (``lag > 0``) continues to the new ``min_delay``; it cannot shrink
        below the steps already done, since spikes of those steps could then
        arrive in the past.
        """
        from pynestlite.errors import BadDelay, KernelMemoryError
        old = self.inbuf
        if old is not None and self.lag > min_delay:
            raise BadDelay(
                f"the new min_delay of {min_delay} steps is shorter than the {self.lag} "
                "steps already simulated of the current slice; simulate in multiples of "
                "min_delay before connecting with a shorter delay")
        if old is not None and old.shape[0] == ring_len and old.shape[1] == max(row_width, 1):
            new = old           # the same layout: every slot stays where it is
        else:
            new = np.zeros((ring_len, max(row_width, 1)), dtype=np.float64)
        if old is not None and new is not old:
            now = self.origin + self.lag
            steps = np.arange(now, now + old.shape[0], dtype=np.int64)
            w = min(old.shape[1], new.shape[1])
            src = old[steps % old.shape[0], :w]
            keep = steps < now + ring_len
            if not keep.all() and np.any(src[~keep]):
                raise BadDelay("input in flight does not fit the new delay extrema")
            new[steps[keep] % ring_len, :w] = src[keep]
        self.inbuf = new
        cdef double[:, ::1] v = new
        self.ctx.inbuf = &v[0, 0]
        self.ctx.ring_len = ring_len
        self.ctx.row_width = new.shape[1]
        self.ctx.min_delay = min_delay
        self.ctx.h = h
        self.ctx.seed = seed
        if pnl_register_reserve(&self.reg, max(64, n_local * min_delay)) != 0:
            raise KernelMemoryError("the spike register could not be allocated")

    def configure_targets(self, chan_slot, int64_t n_slots, int64_t rank, int64_t n_ranks,
                          archive):
        """Set the path from synapses to targets and the archive.

        ``chan_slot[c]`` is the local neuron slot of input channel ``c``
        (slot of gid ``g``: ``(g - 1) // n_ranks``).  ``archive`` is a dict:
        ``slots`` (int64), per slot ``n_incoming`` (plastic synapses that
        read its history), ``max_delay`` (their largest delay, steps),
        ``tau_minus`` and ``tau_minus_triplet`` (ms); ``columns`` (doubles
        per entry the rules fill), ``tics_per_step``, ``ms_per_tic`` and
        ``min_delay`` (steps).  Slots not listed keep no history.
        """
        from pynestlite.errors import KernelMemoryError
        self.chan_slot = np.ascontiguousarray(chan_slot, np.int64)
        cdef int64_t[::1] cs = self.chan_slot
        self.ctx.chan_slot = &cs[0] if cs.shape[0] else NULL
        self.ctx.n_chan = cs.shape[0]
        self.ctx.rank = rank
        self.ctx.n_ranks = n_ranks
        if pnl_archive_resize(&self.archive, n_slots, archive["columns"]) != 0:
            raise KernelMemoryError("the spike archive could not be allocated")
        pnl_archive_set_clock(&self.archive, archive["tics_per_step"], archive["ms_per_tic"],
                              archive["min_delay"])
        cdef int64_t[::1] sl = np.ascontiguousarray(archive["slots"], np.int64)
        cdef int64_t[::1] ni = np.ascontiguousarray(archive["n_incoming"], np.int64)
        cdef int64_t[::1] md = np.ascontiguousarray(archive["max_delay"], np.int64)
        cdef double[::1] tm = np.ascontiguousarray(archive["tau_minus"], np.float64)
        cdef double[::1] tt = np.ascontiguousarray(archive["tau_minus_triplet"], np.float64)
        cdef int64_t[::1] pr = np.ascontiguousarray(archive["precise"], np.int64)
        cdef int64_t i
        for i in range(self.archive.n_slots):
            self.archive.hist[i].n_incoming = 0
        for i in range(sl.shape[0]):
            pnl_archive_configure_slot(&self.archive, sl[i], ni[i], md[i], tm[i], tt[i],
                                       <int>pr[i])

    def configure_eprop(self, dict ep):
        """The e-prop sections of the archive (``eprop_archive.h``): per slot in
        ``ep["slots"]`` its e-prop ``indegree`` and the neuron's constants the
        synapses' gradient reads (``kind``, ``cutoff``, ``ls_shift``,
        ``hist_shift``, ``alpha``, ``kappa``, ``kappa_reg``, ``adapt_beta``,
        ``rho``).  Histories already kept stay."""
        from pynestlite.errors import KernelMemoryError
        sl = np.asarray(ep["slots"], np.int64)
        if (len(sl) == 0 and self.archive.eprop == NULL) or self.archive.n_slots == 0:
            return
        if len(sl) and sl.max() >= self.archive.n_slots:
            raise ValueError("configure_eprop: slot beyond the archive")
        if pnl_eprop_enable(&self.archive) != 0:
            raise KernelMemoryError("the e-prop archive could not be allocated")
        cdef int64_t i, k
        cdef pnl_eprop *p
        for i in range(self.archive.n_slots):
            self.archive.eprop[i].indegree = 0
        for i in range(len(sl)):
            p = &self.archive.eprop[sl[i]]
            p.indegree = ep["indegree"][i]
            p.kind = ep["kind"][i]
            p.cutoff = ep["cutoff"][i]
            p.ls_shift = ep["ls_shift"][i]
            p.hist_shift = ep["hist_shift"][i]
            p.alpha = ep["alpha"][i]
            p.kappa = ep["kappa"][i]
            p.kappa_reg = ep["kappa_reg"][i]
            p.adapt_beta = ep["adapt_beta"][i]
            p.rho = ep["rho"][i]
            p.zeta = ep["zeta"][i] if "zeta" in ep else 1.0
            if "new_marks" in ep:
                for k in range(ep["new_marks"][i]):
                    pnl_ep_mark_add(&self.archive, p, p.hist_shift)

    def eprop_history(self, int64_t gid):
        """The e-prop history of local neuron ``gid``: dict of ``t``, ``psi``,
        ``L``, ``reg`` (one entry per kept step) and the update markers
        ``mark_t``, ``mark_count``."""
        cdef int64_t slot = (gid - 1) // max(self.ctx.n_ranks, 1), k
        cdef pnl_eprop *p
        out = {n: np.empty(0) for n in ("psi", "L", "reg")}
        out.update({n: np.empty(0, np.int64) for n in ("t", "mark_t", "mark_count")})
        if (self.archive.eprop == NULL or (gid - 1) % max(self.ctx.n_ranks, 1) != self.ctx.rank
                or slot < 0 or slot >= self.archive.n_slots):
            return out
        p = &self.archive.eprop[slot]
        out["t"] = np.array([p.e[k].t for k in range(p.n)], np.int64)
        out["psi"] = np.array([p.e[k].psi for k in range(p.n)])
        out["L"] = np.array([p.e[k].L for k in range(p.n)])
        out["reg"] = np.array([p.e[k].reg for k in range(p.n)])
        out["mark_t"] = np.array([p.u[k].t for k in range(p.nu)], np.int64)
        out["mark_count"] = np.array([p.u[k].count for k in range(p.nu)], np.int64)
        return out

    def eprop_history_lengths(self, slots):
        """Entries kept in the e-prop histories of local ``slots``."""
        sl = np.asarray(slots, np.int64)
        out = np.zeros(len(sl), np.int64)
        cdef int64_t i
        if self.archive.eprop == NULL:
            return out
        for i in range(len(sl)):
            if 0 <= sl[i] < self.archive.n_slots:
                out[i] = self.archive.eprop[sl[i]].n
        return out

    def archive_bytes(self):
        """Bytes the archive holds (slots and allocated histories)."""
        return int(pnl_archive_bytes(&self.archive))

    def last_spike(self, gids, with_offset=False):
        """Stamp (steps) of the latest spike of local neurons ``gids`` (-1:
        none); ``with_offset``: also its precise offset (ms before the stamp)."""
        g = np.asarray(gids, np.int64)
        slot = (g - 1) // max(self.ctx.n_ranks, 1)
        out = np.full(len(g), -1, np.int64)
        off = np.zeros(len(g))
        cdef int64_t i
        local = (g - 1) % max(self.ctx.n_ranks, 1) == self.ctx.rank
        for i in range(len(g)):
            if local[i] and 0 <= slot[i] < self.archive.n_slots:
                out[i] = self.archive.last_spike[slot[i]]
                off[i] = self.archive.last_off[slot[i]]
        return (out, off) if with_offset else out

    def archive_reads(self, gids):
        """Per local neuron ``gids``: the number of spikes its archive holds
        (NEST's ``archiver_length``) and the trace the latest pair-based
        plastic synapse read from it (NEST's ``post_trace``); 0 where none."""
        g = np.asarray(gids, np.int64)
        slot = (g - 1) // max(self.ctx.n_ranks, 1)
        length = np.zeros(len(g), np.int64)
        trace = np.zeros(len(g))
        cdef int64_t i
        local = (g - 1) % max(self.ctx.n_ranks, 1) == self.ctx.rank
        for i in range(len(g)):
            if local[i] and 0 <= slot[i] < self.archive.n_slots:
                length[i] = self.archive.hist[slot[i]].n - self.archive.hist[slot[i]].first
                trace[i] = self.archive.hist[slot[i]].trace
        return length, trace

    def history(self, int64_t gid, bint full=False):
        """Stamps kept in the archive of local neuron ``gid`` (oldest first);
        with ``full``: a dict of the stamps, traces (``Kminus``,
        ``Kminus_triplet``) and access counters."""
        cdef int64_t slot = (gid - 1) // max(self.ctx.n_ranks, 1), k
        empty = np.empty(0, np.int64)
        if ((gid - 1) % max(self.ctx.n_ranks, 1) != self.ctx.rank or slot < 0
                or slot >= self.archive.n_slots):
            return {"stamp": empty, "Kminus": np.empty(0), "Kminus_triplet": np.empty(0),
                    "count": empty} if full else empty
        h = self.archive.hist[slot]
        stamps = np.array([h.e[k].stamp for k in range(h.first, h.n)], np.int64)
        if not full:
            return stamps
        return {"stamp": stamps,
                "Kminus": np.array([h.e[k].kminus for k in range(h.first, h.n)]),
                "Kminus_triplet": np.array([h.e[k].kminus_triplet for k in range(h.first, h.n)]),
                "count": np.array([h.e[k].count for k in range(h.first, h.n)], np.int64)}

    # ---------------------------------------------------------------- state
    def get_state(self):
        """The dynamic state of the loop (see ``pynestlite.checkpoint``): time,
        spikes awaiting delivery, the ring buffer and the spike archive.
        Only at a slice boundary (no spikes of a partial slice in the register)."""
        from pynestlite.errors import KernelStateError
        if self.lag != 0:
            raise KernelStateError(
                "the state can only be saved at the end of a min_delay slice; simulate "
                "in multiples of min_delay first")
        if self.archive.eprop != NULL:
            raise KernelStateError(
                "save_state does not cover e-prop networks yet (the e-prop histories and "
                "the optimizers' state are not saved)")
        cdef int64_t i, k, slot, c, ncol = self.archive.ncol, tot = 0
        n = self.n_pending
        d = {"origin": self.origin, "n_pending": n, "pending_origin": self.pending_origin,
             "pending_gid": np.array([self.ggid[i] for i in range(n)], np.int64),
             "pending_lag": np.array([self.glag[i] for i in range(n)], np.int32),
             "pending_off": np.array([self.goff[i] for i in range(n)], np.float64),
             "inbuf": np.array(self.inbuf, copy=True),
             "last_spike": np.array([self.archive.last_spike[i]
                                     for i in range(self.archive.n_slots)], np.int64),
             "last_off": np.array([self.archive.last_off[i]
                                   for i in range(self.archive.n_slots)], np.float64),
             "kminus": np.array([self.archive.hist[i].kminus
                                 for i in range(self.archive.n_slots)]),
             "kminus_triplet": np.array([self.archive.hist[i].kminus_triplet
                                         for i in range(self.archive.n_slots)])}
        lengths = np.array([self.archive.hist[i].n - self.archive.hist[i].first
                            for i in range(self.archive.n_slots)], np.int64)
        tot = int(lengths.sum())
        stamp = np.empty(tot, np.int64)
        count = np.empty(tot, np.int64)
        km = np.empty(tot)
        kt = np.empty(tot)
        vals = np.empty((tot, ncol))
        i = 0
        for slot in range(self.archive.n_slots):
            for k in range(self.archive.hist[slot].first, self.archive.hist[slot].n):
                stamp[i] = self.archive.hist[slot].e[k].stamp
                count[i] = self.archive.hist[slot].e[k].count
                km[i] = self.archive.hist[slot].e[k].kminus
                kt[i] = self.archive.hist[slot].e[k].kminus_triplet
                for c in range(ncol):
                    vals[i, c] = self.archive.hist[slot].value[k * ncol + c]
                i += 1
        d.update({"hist_len": lengths, "hist_stamp": stamp, "hist_count": count,
                  "hist_kminus": km, "hist_kminus_triplet": kt, "hist_values": vals})
        return d

    def set_state(self, dict d):
        """Restore :meth:`get_state` into a loop configured for the same network."""
        from pynestlite.errors import KernelMemoryError, KernelStateError
        cdef int64_t i, k, slot, c, ncol = self.archive.ncol, n, pos = 0
        if (d["inbuf"].shape != self.inbuf.shape or d["last_spike"].shape[0] != self.archive.n_slots
                or d["hist_values"].shape[1] != ncol):
            raise KernelStateError("the saved state does not fit this network (ring buffer "
                                   "or archive layout differ)")
        self.origin = int(d["origin"])
        self.lag = 0
        self.recorded = 0
        self.reg.n = 0
        n = int(d["n_pending"])
        self._global(n)
        for i in range(n):
            self.ggid[i] = d["pending_gid"][i]
            self.glag[i] = d["pending_lag"][i]
            self.goff[i] = d["pending_off"][i] if "pending_off" in d else 0.0
        self.n_pending = n
        self.pending_origin = int(d["pending_origin"])
        self.inbuf[...] = d["inbuf"]
        cdef pnl_history *h
        for slot in range(self.archive.n_slots):
            self.archive.last_spike[slot] = d["last_spike"][slot]
            self.archive.last_off[slot] = d["last_off"][slot] if "last_off" in d else 0.0
            h = &self.archive.hist[slot]
            h.kminus = d["kminus"][slot]
            h.kminus_triplet = d["kminus_triplet"][slot]
            h.first = 0
            h.n = 0
            n = int(d["hist_len"][slot])
            while h.cap < n:
                if pnl_history_grow(&self.archive, h) != 0:
                    raise KernelMemoryError("the spike archive could not grow")
            for k in range(n):
                h.e[k].stamp = d["hist_stamp"][pos]
                h.e[k].count = d["hist_count"][pos]
                h.e[k].kminus = d["hist_kminus"][pos]
                h.e[k].kminus_triplet = d["hist_kminus_triplet"][pos]
                h.e[k].off = 0.0        # (models with precise spike times are not checkpointed)
                for c in range(ncol):
                    h.value[k * ncol + c] = d["hist_values"][pos, c]
                pos += 1
            h.n = n

    cdef int _order(self, int64_t start) except -1:
        """Order phase: keys of register entries ``start ..`` in canonical order."""
        cdef int64_t n = self.reg.n, i, cap
        cdef int64_t *p
        cdef double *po
        cdef KeyOff *pk
        if n > self.lcap:
            cap = max(n, 2 * self.lcap, 64)
            p = <int64_t *>realloc(self.lkeys, cap * sizeof(int64_t))
            if p != NULL:
                self.lkeys = p
            po = <double *>realloc(self.loff, cap * sizeof(double))
            if po != NULL:
                self.loff = po
            pk = <KeyOff *>realloc(self.korder, cap * sizeof(KeyOff))
            if pk != NULL:
                self.korder = pk
            if p == NULL or po == NULL or pk == NULL:
                from pynestlite.errors import KernelMemoryError
                raise KernelMemoryError("the spike keys could not grow")
            self.lcap = cap
        with nogil:
            if not self.precise:
                for i in range(start, n):
                    self.lkeys[i] = (<int64_t>self.reg.lag[i] << PNL_GID_BITS) | self.reg.gid[i]
                _sort_keys(self.lkeys + start, n - start)
            else:
                for i in range(start, n):
                    self.korder[i].key = (<int64_t>self.reg.lag[i] << PNL_GID_BITS) | self.reg.gid[i]
                    self.korder[i].off = self.reg.off[i]
                qsort(self.korder + start, n - start, sizeof(KeyOff), _cmp_key_off)
                for i in range(start, n):
                    self.lkeys[i] = self.korder[i].key
                    self.loff[i] = self.korder[i].off
        return 0

    def configure_calcium(self, ca, ca_t, tau, beta):
        """The calcium trace per local neuron slot (float64 arrays, updated in
        place at each spike: Ca <- Ca exp((Ca_t - t)/tau) + beta, Ca_t <- t)."""
        self.ca = ca
        self.ca_t = ca_t
        self.ca_tau = tau
        self.ca_beta = beta
        self.n_ca = ca.shape[0]

    def calcium_decay(self, double t_end):
        """End of a run: every trace decays to ``t_end`` (ms), which becomes
        its reference time (NEST updates it there)."""
        cdef int64_t i
        with nogil:
            for i in range(self.n_ca):
                self.ca[i] = self.ca[i] * exp((self.ca_t[i] - t_end) / self.ca_tau[i])
                self.ca_t[i] = t_end

    cdef void _archive_phase(self, int64_t start) noexcept nogil:
        """Archive phase: latest spike per slot; the calcium trace; traces and
        histories of the slots plastic synapses read."""
        cdef int64_t i, slot, stamp, P = self.ctx.n_ranks
        cdef double t
        cdef pnl_archive *a = &self.archive
        for i in range(start, self.reg.n):
            slot = (key_gid(self.lkeys[i]) - 1) // P
            stamp = self.ctx.origin + key_lag(self.lkeys[i]) + 1
            if slot < self.n_ca:
                t = pnl_archive_ms(a, stamp)
                if self.precise:
                    t -= self.loff[i]
                self.ca[slot] = (self.ca[slot] * exp((self.ca_t[slot] - t) / self.ca_tau[slot])
                                 + self.ca_beta[slot])
                self.ca_t[slot] = t
            if slot < a.n_slots:
                pnl_archive_add(a, slot, stamp, self.loff[i] if self.precise else 0.0)
                a.last_off[slot] = self.loff[i] if self.precise else 0.0

    cdef int _global(self, int64_t n) except -1:
        cdef int64_t cap
        if n > self.gcap:
            cap = max(n, 2 * self.gcap, 64)
            self.ggid = <int64_t *>realloc(self.ggid, cap * sizeof(int64_t))
            self.glag = <int32_t *>realloc(self.glag, cap * sizeof(int32_t))
            self.goff = <double *>realloc(self.goff, cap * sizeof(double))
            if self.ggid == NULL or self.glag == NULL or self.goff == NULL:
                from pynestlite.errors import KernelMemoryError
                raise KernelMemoryError("the spike buffer could not grow")
            self.gcap = cap
        return 0

    def run(self, int64_t n_steps, list stimulators, list neurons, list samplers,
            list recorders, list tables, exchange, engine, progress=None):
        """Advance ``n_steps`` steps.

        ``exchange(keys) -> keys of all ranks, sorted`` (None on one rank).
        An exception on this rank is reported to the other ranks through
        ``engine.comm.fail`` (they raise the same error at their next
        exchange) and re-raised here.
        """
        try:
            stimulators, neurons = self._plan_threads(stimulators, neurons)
            self._loop(n_steps, stimulators, neurons, samplers, recorders, tables,
                       exchange, engine, progress)
        except BaseException as e:
            # tell the other ranks (they are waiting in the next exchange),
            # unless the error already is the agreed report of another rank
            if not getattr(e, "pynestlite_agreed", False):
                engine.comm.fail(e)
            raise
        finally:
            free(self.par_blk)
            free(self.par_slot0)
            self.par_blk = NULL
            self.par_slot0 = NULL
            self.n_par = self.n_par_dev = 0

    def _plan_threads(self, list stimulators, list neurons):
        """Split the run's blocks: those of threaded models (not frozen) are
        updated by every thread (``par_blk``), the others on the calling
        thread (returned).  Per update interval the devices of the calling
        thread send first, then the threaded ones, then the neurons update
        (threaded and not), whatever the thread count: so every input
        channel sums in the same order for any number of threads.  Input that
        travels with offsets (precise, binary, payload channels: shared
        queues) makes the run use one thread."""
        cdef Py_ssize_t i
        cdef int64_t P = max(self.ctx.n_ranks, 1)
        T = self.n_threads
        if (self.precise or self.ctx.chan_precise != NULL or self.ctx.chan_payload != NULL
                or self.ctx.chan_slot == NULL):
            T = 1
        self.run_threads = T
        par = [b for b in stimulators if _threaded(b) and not b.any_frozen]
        n_dev = len(par)
        par += [b for b in neurons if _threaded(b) and not b.any_frozen]
        keep = set(map(id, par))
        self.par_blk = <PyObject **>malloc(max(len(par), 1) * sizeof(PyObject *))
        self.par_slot0 = <int64_t *>malloc(max(len(par), 1) * sizeof(int64_t))
        if self.par_blk == NULL or self.par_slot0 == NULL:
            from pynestlite.errors import KernelMemoryError
            raise KernelMemoryError("the thread plan could not be allocated")
        for i in range(len(par)):
            self.par_blk[i] = <PyObject *>par[i]
            self.par_slot0[i] = (par[i].gids[0] - 1) // P if par[i].n else 0
        self.n_par = len(par)
        self.n_par_dev = n_dev
        # (the lists hold the references while the run lasts)
        self._par_refs = par
        return ([b for b in stimulators if id(b) not in keep],
                [b for b in neurons if id(b) not in keep])

    cdef int _loop(self, int64_t n_steps, list stimulators, list neurons, list samplers,
                   list recorders, list tables, exchange, engine, progress) except -1:
        """The slice loop: the phases of the module docstring, in order."""
        cdef int64_t left = n_steps, to, n_glob, done_steps = 0, p, nxt
        cdef long min_delay = self.ctx.min_delay
        cdef bint timed = self.detailed_timers
        cdef double t0 = _now() if timed else 0.0, t1, t2, t3
        cdef list driven = [t for t in tables if t.time_driven]
        cdef Py_ssize_t j
        cdef SynapseTable tab
        while left > 0:
            if (self.n_pending or self.pv_ready or self.pending_flush is not None
                    or self.pending_values is not None):
                self._deliver(tables, self.n_pending, self.pending_origin)
                self.n_pending = 0
                if timed:
                    t1 = _now()
                    self.t_deliver += t1 - t0
                    t0 = t1
            to = min(<int64_t>min_delay, self.lag + left)
            if driven:
                # time-driven synapses: at the slice start and at their update
                # times (the slice is cut there)
                p = self.origin + self.lag
                nxt = INT64_MAX
                for j in range(len(driven)):
                    nxt = min(nxt, (<SynapseTable>driven[j]).next_update(p))
                if nxt - self.origin < to:
                    to = nxt - self.origin
                for j in range(len(driven)):
                    tab = <SynapseTable>driven[j]
                    tab.advance(&self.ctx, p, self.origin + to)
                    if tab.failed:
                        from pynestlite.errors import KernelMemoryError
                        raise KernelMemoryError(f"{tab.synapse_model}: a buffer of "
                                                "in-flight spikes could not grow")
            self._update(to, stimulators, neurons, samplers, engine)
            if timed:
                t1 = _now()
                self.t_update += t1 - t0
            left -= to - self.lag
            done_steps += to - self.lag
            self.lag = to
            self.local_spikes += self.reg.n - self.recorded
            self._order(self.recorded)
            self._archive()
            self._record(recorders)
            if timed:
                t2 = _now()
                self.t_record += t2 - t1
                t0 = t2
            if self.lag == min_delay:
                self.n_pending = self._exchange(exchange, engine)
                self.pending_origin = self.origin
                if timed:
                    t0 = _now()
                    self.t_communicate += t0 - t2
                self.origin += min_delay
                self.lag = 0
                self.reg.n = 0
                self.freg.n = 0
                self.vreg.n = 0
                self.recorded = 0
                if progress is not None:
                    progress(done_steps)
                    done_steps = 0
        if driven:
            # pair what the run has archived and apply an update due now, so
            # that weights read after the run include it
            p = self.origin + self.lag
            for j in range(len(driven)):
                (<SynapseTable>driven[j]).advance(&self.ctx, p, p)
        if progress is not None and done_steps:
            progress(done_steps)
        return 0

    cdef int _update(self, int64_t to, list stimulators, list neurons, list samplers,
                     engine) except -1:
        """Update phase up to lag ``to``, cut after each step a sampler samples
        (sample phase there); raises the error of a failed model or register."""
        cdef int64_t a = self.lag, c, s, ns
        cdef Py_ssize_t i
        cdef NodeBlock blk
        self.ctx.origin = self.origin
        while a < to:
            c = to
            ns = INT64_MAX
            for i in range(len(samplers)):
                blk = <NodeBlock>samplers[i]
                s = blk.next_sample(self.origin + a)
                if s < ns:
                    ns = s
            if ns < self.origin + to:
                c = ns - self.origin + 1
            for i in range(len(stimulators)):
                blk = <NodeBlock>stimulators[i]
                self.ctx.lo = 0
                self.ctx.hi = blk.n
                if blk.any_frozen:
                    blk.update_frozen(&self.ctx, a, c)
                else:
                    blk.update(&self.ctx, a, c)
            if self.n_par:
                self._update_threaded(a, c)
            for i in range(len(neurons)):
                blk = <NodeBlock>neurons[i]
                self.ctx.lo = 0
                self.ctx.hi = blk.n
                if blk.any_frozen:
                    blk.update_frozen(&self.ctx, a, c)
                else:
                    blk.update(&self.ctx, a, c)
            if c - 1 + self.origin == ns:
                for i in range(len(samplers)):
                    samplers[i].sample(ns, engine)
            a = c
        # every block taking precise input has copied its events
        if self.pev.n:
            self.pev.n = 0
            self.pev.epoch += 1
        if (self.reg.failed or self.freg.failed or self.vreg.failed or self.archive.failed
                or self.pev.failed):
            from pynestlite.errors import KernelMemoryError
            raise KernelMemoryError("the spike register or the archive could not grow "
                                    "(out of memory)")
        for i in range(len(neurons)):
            blk = <NodeBlock>neurons[i]
            if blk.error_code != 0:
                raise blk.error()
        for i in range(self.n_par_dev, self.n_par):
            blk = <NodeBlock>self.par_blk[i]
            if blk.error_code != 0:
                raise blk.error()
        return 0

    cdef int _update_threaded(self, int64_t a, int64_t c) except -1:
        """The threaded blocks from lag ``a`` to ``c`` on all threads: a
        device sends to the targets of the thread's slots, a neuron block
        updates its nodes among those slots; then the threads' spikes join
        the register (the order phase sorts them)."""
        cdef int T = self.run_threads, t
        cdef Py_ssize_t i, n_dev = self.n_par_dev
        cdef int64_t lo, hi, m
        cdef SliceContext *cx
        cdef bint timed = self.detailed_timers
        cdef double t0, tw
        self.ctx.origin = self.origin
        if T == 1 or self.tctx == NULL:
            for i in range(self.n_par):
                self.ctx.lo = 0
                self.ctx.hi = (<NodeBlock>self.par_blk[i]).n
                (<NodeBlock>self.par_blk[i]).update(&self.ctx, a, c)
            return 0
        for t in range(T):
            self._thread_context(t)
        tw = _now() if timed else 0.0
        # (one iteration per thread: a smaller team than asked for still
        # does every thread's part)
        with nogil:
            for t in prange(T, num_threads=T, schedule="static", chunksize=1):
                t0 = _now() if timed else 0.0
                cx = &self.tctx[t]
                for i in range(self.n_par):
                    if i < n_dev:
                        cx.lo = 0
                        cx.hi = (<NodeBlock>self.par_blk[i]).n
                    else:
                        lo = cx.slot_lo - self.par_slot0[i]
                        hi = cx.slot_hi - self.par_slot0[i]
                        m = (<NodeBlock>self.par_blk[i]).n
                        cx.lo = 0 if lo < 0 else (m if lo > m else lo)
                        cx.hi = 0 if hi < 0 else (m if hi > m else hi)
                        if cx.lo >= cx.hi:
                            continue
                    (<NodeBlock>self.par_blk[i]).update(cx, a, c)
                if timed:
                    self.t_thread[3 * T + t] = _now() - t0
                    self.t_thread[3 * t] += self.t_thread[3 * T + t]
        if timed:
            self._thread_waits(_now() - tw)
        for t in range(T):
            if self.treg[t].failed:
                self.reg.failed = 1
            elif self.treg[t].n:
                if pnl_register_reserve(&self.reg, self.reg.n + self.treg[t].n) != 0:
                    break
                memcpy(self.reg.gid + self.reg.n, self.treg[t].gid,
                       self.treg[t].n * sizeof(int64_t))
                memcpy(self.reg.lag + self.reg.n, self.treg[t].lag,
                       self.treg[t].n * sizeof(int32_t))
                memcpy(self.reg.off + self.reg.n, self.treg[t].off,
                       self.treg[t].n * sizeof(double))
                self.reg.n += self.treg[t].n
            self.treg[t].n = 0
        return 0

    cdef int _archive(self) except -1:
        """Archive phase for the register entries not yet recorded."""
        self._archive_phase(self.recorded)
        if self.archive.failed:
            from pynestlite.errors import KernelMemoryError
            raise KernelMemoryError("the spike archive could not grow (out of memory)")
        return 0

    cdef int _record(self, list recorders) except -1:
        """Record phase: recorders take the new local spikes."""
        cdef Py_ssize_t i
        cdef NodeBlock blk
        self.ctx.loff = self.loff + self.recorded if self.precise else NULL
        for i in range(len(recorders)):
            blk = <NodeBlock>recorders[i]
            blk.record(&self.ctx, self.lkeys + self.recorded, self.reg.n - self.recorded)
        self.recorded = self.reg.n
        return 0

    cdef int _take_values(self) except -1:
        """One rank: move the slice's secondary values to ``pvals`` and sort
        them by key, stably (equal keys keep their push order)."""
        cdef int64_t *k = self.pvals.key
        cdef double *v = self.pvals.val
        cdef int64_t c = self.pvals.cap, n = self.vreg.n
        self.pvals.key = self.vreg.key
        self.pvals.val = self.vreg.val
        self.pvals.cap = self.vreg.cap
        self.pvals.n = n
        self.vreg.key = k
        self.vreg.val = v
        self.vreg.cap = c
        self.vreg.n = 0
        if pnl_vregister_reserve(&self.vtmp, n) != 0:
            from pynestlite.errors import KernelMemoryError
            raise KernelMemoryError("the scratch for sorting the secondary values "
                                    f"of a slice ({n} values) could not grow")
        sort_values(self.pvals.key, self.pvals.val, n, self.vtmp.key, self.vtmp.val)
        self.pv_ready = True
        return 0

    cdef int64_t _exchange(self, exchange, engine) except -1:
        """Exchange phase: the spikes of all ranks, canonical order, into
        ``ggid``/``glag``; returns their number.  Flush events (keys flagged
        with bit 62 in the exchange) and secondary values go to
        ``pending_flush`` and ``pending_values``."""
        cdef int64_t n, i, nf = self.freg.n, nv = self.vreg.n
        cdef int64_t[::1] gk
        fkeys = None
        if nf:
            fkeys = np.empty(nf, np.int64)
            for i in range(nf):
                fkeys[i] = (<int64_t>self.freg.lag[i] << PNL_GID_BITS) | self.freg.gid[i]
            fkeys.sort()
        if exchange is None and nv:
            # one rank: the slice's values become the pending ones (the two
            # registers trade buffers; the failure flag stays with vreg),
            # sorted by key in C (a slice holds a few values per readout)
            self._take_values()
        # under MPI every rank takes part (or none: the flag is agreed at Prepare)
        elif exchange is not None and engine.secondary_exchange:
            keys = np.empty(nv, np.int64)
            vals = np.empty(nv, np.float64)
            for i in range(nv):
                keys[i] = self.vreg.key[i]
                vals[i] = self.vreg.val[i]
            keys, vals = engine.comm.exchange_values(keys, vals)
            self.pending_values = (np.ascontiguousarray(keys, np.int64),
                                   np.ascontiguousarray(vals, np.float64)) if len(keys) else None
        if exchange is None:
            n = self.reg.n
            self._global(n)
            for i in range(n):
                self.ggid[i] = key_gid(self.lkeys[i])
                self.glag[i] = <int32_t>key_lag(self.lkeys[i])
                self.goff[i] = self.loff[i] if self.precise else 0.0
            self.pending_flush = fkeys
            return n
        # the order phase has sorted every chunk of the slice; the chunks cover
        # increasing lags, so the slice's keys are in canonical order already
        local = np.empty(self.reg.n + nf, np.int64)
        cdef int64_t[::1] lv = local
        if self.reg.n:
            memcpy(&lv[0], self.lkeys, self.reg.n * sizeof(int64_t))
        if nf:
            local[self.reg.n:] = fkeys | FLUSH_FLAG
        cdef double[::1] go
        offs = None
        out = np.ascontiguousarray(exchange(local), np.int64)
        if self.precise:
            # the offsets follow in a second collective (after the spike
            # exchange, the status point); both sort the ranks' keys stably,
            # so equal keys (one rank's) keep their order and both agree
            loc_off = np.zeros(self.reg.n + nf, np.float64)
            if self.reg.n:
                loc_off[:self.reg.n] = <double[:self.reg.n]>self.loff
            _, offs = engine.comm.exchange_values(local, loc_off)
        flagged = (out & FLUSH_FLAG) != 0
        if flagged.any():
            self.pending_flush = out[flagged] & ~FLUSH_FLAG
            out = np.ascontiguousarray(out[~flagged])
            if offs is not None:
                offs = offs[~flagged]
        else:
            self.pending_flush = None
        gk = out
        n = gk.shape[0]
        self._global(n)
        for i in range(n):
            self.ggid[i] = key_gid(gk[i])
            self.glag[i] = <int32_t>key_lag(gk[i])
        if offs is not None:
            go = np.ascontiguousarray(offs, np.float64)
            for i in range(n):
                self.goff[i] = go[i]
        return n

    cdef int _deliver(self, list tables, int64_t n, int64_t origin) except -1:
        cdef Py_ssize_t j
        cdef SynapseTable tab
        self._deliver_all(tables, n, origin)
        for j in range(len(tables)):
            tab = <SynapseTable>tables[j]
            if tab.failed:
                tab.failed = False
                err = tab.failure()
                if err is None:
                    from pynestlite.errors import KernelMemoryError
                    err = KernelMemoryError(f"{tab.synapse_model}: a buffer could not grow "
                                            "(out of memory)")
                raise err
        return 0

    cdef int _deliver_all(self, list tables, int64_t n, int64_t origin) except -1:
        """Deliver phase: first the secondary values of the slice at
        ``origin`` (learning signals reach their neurons before the spikes
        that read them, as in NEST), then its spikes and flush events through
        every synapse table (tables that take flush events get both, merged
        in canonical order)."""
        cdef Py_ssize_t j
        cdef SynapseTable tab
        cdef int64_t[::1] vk, mg
        cdef double[::1] vv
        cdef int32_t[::1] ml
        cdef uint8_t[::1] mf
        self.ctx.goff = self.goff if self.precise else NULL
        if self.pv_ready:
            self.pv_ready = False
            for j in range(len(tables)):
                tab = <SynapseTable>tables[j]
                if tab.secondary:
                    tab.deliver_values(&self.ctx, self.pvals.key, self.pvals.val, self.pvals.n,
                                       origin)
        elif self.pending_values is not None:
            keys, vals = self.pending_values
            self.pending_values = None
            vk = keys
            vv = vals
            for j in range(len(tables)):
                tab = <SynapseTable>tables[j]
                if tab.secondary:
                    tab.deliver_values(&self.ctx, &vk[0], &vv[0], vk.shape[0], origin)
        fk = self.pending_flush
        self.pending_flush = None
        if fk is not None and len(fk):
            spikes = np.empty(n, np.int64)
            for j in range(n):
                spikes[j] = (<int64_t>self.glag[j] << PNL_GID_BITS) | self.ggid[j]
            allk = np.concatenate([spikes, fk])
            flag = np.concatenate([np.zeros(n, np.uint8), np.ones(len(fk), np.uint8)])
            order = np.argsort(allk, kind="stable")
            allk, flag = allk[order], flag[order]
            mg = allk & ((1 << 40) - 1)
            ml = (allk >> PNL_GID_BITS).astype(np.int32)
            mf = flag
            for j in range(len(tables)):
                tab = <SynapseTable>tables[j]
                if tab.supports_flush:
                    tab.deliver_flagged(&self.ctx, &mg[0], &ml[0], &mf[0], mg.shape[0], origin)
                elif n:
                    tab.deliver(&self.ctx, self.ggid, self.glag, n, origin)
            return 0
        if n == 0:
            return 0
        cdef Py_ssize_t j1, nt = len(tables)
        cdef bint par = self.run_threads > 1 and self.tctx != NULL
        j = 0
        while j < nt:
            if par and _threaded(tables[j]):
                # a run of threaded tables: each thread delivers to its slots
                j1 = j + 1
                while j1 < nt and j1 - j < 32 and _threaded(tables[j1]):
                    j1 += 1
                self._deliver_threaded(tables, j, j1, n, origin)
                j = j1
            else:
                tab = <SynapseTable>tables[j]
                tab.deliver(&self.ctx, self.ggid, self.glag, n, origin)
                j += 1
        return 0

    cdef int _deliver_threaded(self, list tables, Py_ssize_t j0, Py_ssize_t j1, int64_t n,
                               int64_t origin) except -1:
        """Tables ``j0 .. j1 - 1`` deliver the spikes on all threads, each
        thread to the input channels of its slots (in table order, as the
        plain loop: every channel's sum keeps its order)."""
        cdef PyObject *tab[32]
        cdef Py_ssize_t j, m = j1 - j0
        cdef int T = min(self.run_threads, self.n_threads), t
        cdef bint timed = self.detailed_timers
        cdef double t0, tw
        for j in range(m):
            tab[j] = <PyObject *>tables[j0 + j]
            (<SynapseTable>tab[j]).pre_deliver(&self.ctx, self.ggid, self.glag, n, origin)
        for t in range(T):
            self._thread_context(t)
        tw = _now() if timed else 0.0
        with nogil:
            for t in prange(T, num_threads=T, schedule="static", chunksize=1):
                t0 = _now() if timed else 0.0
                for j in range(m):
                    (<SynapseTable>tab[j]).deliver(&self.tctx[t], self.ggid, self.glag, n, origin)
                if timed:
                    self.t_thread[3 * T + t] = _now() - t0
                    self.t_thread[3 * t + 1] += self.t_thread[3 * T + t]
        if timed:
            self._thread_waits(_now() - tw)
        return 0

    def deliver_pending(self, list tables):
        """Deliver the spikes (and flush events, secondary values) of the last
        slice now (before the delay extrema change: they would not fit the new
        ring buffer otherwise)."""
        if (self.n_pending or self.pv_ready or self.pending_flush is not None
                or self.pending_values is not None):
            self._deliver([t for t in tables if len(t)], self.n_pending, self.pending_origin)
            self.n_pending = 0
