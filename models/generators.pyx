# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Stimulation devices: poisson_generator, spike_generator, dc_generator,
noise_generator, mip_generator, spike_dilutor and the others of ``MODELS``.

Devices are replicated on every rank and act only on that rank's targets,
as in NEST; their connections are kept here, with the device, and their
output is written straight into the targets' input ring buffer (device
delays count towards ``min_delay``, so the write is always into a future
slice).  Activity windows follow NEST: a device is active for output stamps
``origin + start < t <= origin + stop``; current generators act two steps
ahead of their update step, as NEST's ``StimulationDevice`` does.

poisson_generator
    ``rate`` (Hz, default 0).  Every target gets an independent Poisson
    train: in each active step a count ~ Poisson(rate h / 1000) is drawn from
    the stream keyed by (rng_seed, generator, target), so the trains do not
    depend on the number of ranks.
poisson_generator_ps
    ``rate`` (Hz), ``dead_time`` (ms, default 0; 1000/rate >= dead_time).
    Every target gets an independent train at precise times: intervals
    dead_time + (1000/rate - dead_time) Exp(1), the first from the
    equilibrium process (within the dead time with probability
    rate dead_time / 1000) counted from the start of the active window
    (origin + start, origin + stop].  Draws come from the stream keyed by
    (rng_seed, generator, target, multapse), one Philox call per spike, so
    the trains do not depend on the number of ranks.  Setting ``rate``
    starts new trains.
spike_generator
    ``spike_times`` (ms, sorted, > 0, on the grid unless
    ``allow_offgrid_times``, which rounds up to the grid as NEST),
    ``spike_weights`` (empty or one per spike; replaces the connection weight),
    ``spike_multiplicities`` (empty or one per spike), ``shift_now_spikes``.
    With ``precise_times`` a time is kept exactly: the spike gets the stamp
    of the grid point at or after it and the offset before it (NEST's
    Time::ms_stamp), and targets that take precise input receive it at
    that time (others at the grid point).
dc_generator
    ``amplitude`` (pA, default 0): constant current while active.
noise_generator
    ``mean`` (pA), ``std`` (pA), ``dt`` (ms, default 1.0, a multiple of the
    resolution), ``std_mod``, ``frequency`` (Hz), ``phase`` (deg).  A new
    Gaussian amplitude per target every ``dt``:
    I = mean + sqrt(std^2 + y1 std_mod^2) N(0, 1), y1 = sin(2 pi f t + phi).
"""

import math

import numpy as np
cimport numpy as cnp
from libc.math cimport sqrt, cos, sin, exp, log, lgamma, fabs, floor, INFINITY
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t, INT64_MAX
from libc.stdlib cimport realloc, free

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, add_to_channel, add_event, pnl_register_push, pnl_register_push_off,
    SIGNAL_ALL, owns_target, split_threads)
from pynestlite.kernel.random_streams cimport (
    pnl_key, pnl_stream, pnl_make_key, pnl_stream_init, pnl_poisson, pnl_normal,
    pnl_poisson_inversion, pnl_philox4x32_10, pnl_bits_to_unit, pnl_uniform,
    PURPOSE_POISSON, PURPOSE_NOISE, PURPOSE_SINUSOIDAL, PURPOSE_INHOMOGENEOUS,
    PURPOSE_POISSON_PS, PURPOSE_PULSEPACKET)
from pynestlite.kernel.random_draws cimport pnl_binomial
from pynestlite.errors import BadProperty, plain
from pynestlite.kernel.connections import multapse_index, thread_segments

cnp.import_array()

cdef extern from "math.h" nogil:
    double M_PI


cdef enum:
    POISSON_KMAX = 64      # largest count of the inversion table (mu < 10)
    POISSON_GUIDE = 64     # entries of the guide table


cdef class StimulationBlock(NodeBlock):
    """Base of stimulation devices: activity window and local targets."""
    element_type = "stimulator"
    device_parameters = {"origin": 0.0, "start": 0.0, "stop": INFINITY}
    grid_times = ("origin", "start", "stop")
    # 'spike' devices write to spike channels, 'current' ones to current channels
    output = "spike"
    window_shift = 0
    # a spike_recorder connected to the device gets a train of its own, as a
    # target would (NEST's Poisson generators)
    records_to_recorders = False
    # multimeter recordables: name -> the internal array holding its value in
    # the latest step (the update loop writes it every step)
    recorded = {}

    cdef int64_t[::1] t_min, t_max
    cdef int64_t[::1] tgt_ptr        # per device: first target index
    cdef int64_t[::1] tgt_end        # per device: end of its targets (= its first
                                     # while the device is frozen: no targets)
    cdef uint32_t[::1] tgt_code
    cdef double[::1] tgt_w
    cdef int64_t[::1] tgt_d
    cdef double[::1] tgt_doff        # continuous part of the delay (cont_delay_synapse), ms
    cdef double h_ms                 # the resolution (ms)
    cdef int64_t[::1] tgt_gid
    cdef int64_t[::1] tgt_dup
    cdef uint8_t[::1] tgt_rec        # the target is a spike_recorder (records_to_recorders)
    # several threads: per device row, where each thread's targets start
    # (targets in slot order; [n, threads + 1]), or none (any order)
    cdef int64_t[:, ::1] tgt_seg
    cdef bint has_tgt_seg
    cdef int64_t[::1] dev_gid
    cdef bint has_rec
    # spikes sent to recorders in the run: device gid, recorder gid, stamp, offset
    cdef int64_t *rv_src
    cdef int64_t *rv_rec
    cdef int64_t *rv_stamp
    cdef double *rv_off
    cdef int64_t rv_n, rv_cap
    cdef int rv_failed

    def __dealloc__(self):
        free(self.rv_src); free(self.rv_rec); free(self.rv_stamp); free(self.rv_off)

    @classmethod
    def all_defaults(cls):
        d = dict(cls.device_parameters)
        d.update(NodeBlock.all_defaults.__func__(cls))
        return d

    @classmethod
    def public_names(cls):
        return tuple(cls.device_parameters) + tuple(cls.parameters) + tuple(cls.state)

    def check(self, dict values):
        NodeBlock.check(self, values)
        check_window(self, values)

    def sample(self, str name, idx):
        held = type(self).recorded.get(name)
        if held is not None:
            return np.asarray(self.arrays[held][idx], np.float64)
        return NodeBlock.sample(self, name, idx)

    def pre_run(self, engine):
        self.t_min, self.t_max = activity_window(self, engine)
        # the device's connections live in the kernel's synapse tables (rows
        # keyed by the device), grouped by device row here
        dev, code, w, d, tg, doff = engine.device_targets(self)
        rec = np.zeros(len(dev), np.uint8)
        if type(self).records_to_recorders:
            rdev, rg = engine.device_recorders(self)
            if len(rg):
                order = np.argsort(np.concatenate([dev, rdev]), kind="stable")
                dev = np.concatenate([dev, rdev])[order]
                code = np.concatenate([code, np.zeros(len(rg), np.uint32)])[order]
                w = np.concatenate([w, np.zeros(len(rg))])[order]
                d = np.concatenate([d, np.zeros(len(rg), np.int64)])[order]
                doff = np.concatenate([doff, np.zeros(len(rg))])[order]
                tg = np.concatenate([tg, rg])[order]
                rec = np.concatenate([rec, np.ones(len(rg), np.uint8)])[order]
        self.has_rec = bool(rec.any())
        self.tgt_rec = rec
        self.dev_gid = np.asarray(self.gids, np.int64)
        self.tgt_code = code; self.tgt_w = w; self.tgt_d = d
        self.tgt_doff = np.ascontiguousarray(doff, np.float64)
        self.h_ms = engine.tics_per_step * engine.ms_per_tic
        self.tgt_gid = tg
        # duplicate index of (device, target) pairs: independent streams per multapse
        self.tgt_dup = multapse_index(dev, tg)
        self.tgt_ptr = np.searchsorted(dev, np.arange(self.n + 1)).astype(np.int64)
        self.tgt_end = np.array(self.tgt_ptr[1:], np.int64)
        self.has_tgt_seg = False

    def plan_threads(self, chan_slot, bounds):
        """Before a run on several threads (after ``pre_run``): if every device
        row lists its targets by the thread that owns them (``bounds`` as
        ``SynapseTable.plan_threads``; a device connected to a population in
        order does), each thread sends to one contiguous part of the row
        (:meth:`span`) instead of checking every target."""
        cdef Py_ssize_t T = len(bounds) - 1
        if self.n == 0 or T < 2:
            self.has_tgt_seg = False
            return False
        seg = np.empty((self.n, T + 1), np.int64)
        self.has_tgt_seg = bool(thread_segments(
            np.ascontiguousarray(self.tgt_ptr, np.int64),
            np.ascontiguousarray(self.tgt_code, np.uint32),
            np.ascontiguousarray(chan_slot, np.int64),
            np.ascontiguousarray(bounds, np.int64), seg))
        if self.has_tgt_seg:
            self.tgt_seg = seg
        return self.has_tgt_seg

    cdef inline bint span(self, SliceContext *ctx, Py_ssize_t k, Py_ssize_t *j0,
                          Py_ssize_t *j1) noexcept nogil:
        """The targets ``j0 .. j1 - 1`` of device row ``k`` that the calling
        thread sends to: all on one thread, the thread's part on several
        (targets in slot order); True when it must still check each target
        (``owns_target``)."""
        cdef int t = ctx.thread
        j0[0] = self.tgt_ptr[k]
        j1[0] = self.tgt_end[k]
        if not split_threads(ctx):
            return False
        if (self.has_tgt_seg and j1[0] == self.tgt_ptr[k + 1]
                and self.tgt_seg.shape[0] == self.n and t + 1 < self.tgt_seg.shape[1]):
            j0[0] = self.tgt_seg[k, t]
            j1[0] = self.tgt_seg[k, t + 1]
            return False
        return True

    def mute(self, rows):
        # a frozen device is not updated: it sends nothing and keeps the state
        # of its connections (the rest of its state the caller restores)
        for k in rows:
            self.tgt_end[k] = self.tgt_ptr[k]

    def unmute(self):
        for k in range(self.n):
            self.tgt_end[k] = self.tgt_ptr[k + 1]

    cdef inline bint active(self, Py_ssize_t k, int64_t stamp) noexcept nogil:
        return self.t_min[k] < stamp and stamp <= self.t_max[k]

    cdef void record_event(self, Py_ssize_t k, Py_ssize_t j, int64_t stamp, double off,
                           int64_t mult) noexcept nogil:
        """``mult`` spikes of device ``k`` with ``stamp`` and ``off`` for the
        spike_recorder of connection ``j`` (handed over after the run)."""
        cdef int64_t cap, m
        cdef int64_t *a
        cdef double *o
        if self.rv_n + mult > self.rv_cap:
            cap = max(2 * self.rv_cap, self.rv_n + mult, 256)
            a = <int64_t *>realloc(self.rv_src, cap * sizeof(int64_t))
            if a == NULL:
                self.rv_failed = 1
                return
            self.rv_src = a
            a = <int64_t *>realloc(self.rv_rec, cap * sizeof(int64_t))
            if a == NULL:
                self.rv_failed = 1
                return
            self.rv_rec = a
            a = <int64_t *>realloc(self.rv_stamp, cap * sizeof(int64_t))
            if a == NULL:
                self.rv_failed = 1
                return
            self.rv_stamp = a
            o = <double *>realloc(self.rv_off, cap * sizeof(double))
            if o == NULL:
                self.rv_failed = 1
                return
            self.rv_off = o
            self.rv_cap = cap
        for m in range(mult):
            self.rv_src[self.rv_n] = self.dev_gid[k]
            self.rv_rec[self.rv_n] = self.tgt_gid[j]
            self.rv_stamp[self.rv_n] = stamp
            self.rv_off[self.rv_n] = off
            self.rv_n += 1

    def take_recorded(self):
        """(device gids, recorder gids, stamps, offsets) of the spikes sent to
        spike_recorders since the last call."""
        from pynestlite.errors import KernelMemoryError
        if self.rv_failed:
            self.rv_failed = 0
            self.rv_n = 0
            raise KernelMemoryError(f"{self.model}: the buffer of recorded spikes could "
                                    "not grow")
        n = self.rv_n
        out = (np.array(<int64_t[:n]>self.rv_src, copy=True) if n else np.empty(0, np.int64),
               np.array(<int64_t[:n]>self.rv_rec, copy=True) if n else np.empty(0, np.int64),
               np.array(<int64_t[:n]>self.rv_stamp, copy=True) if n else np.empty(0, np.int64),
               np.array(<double[:n]>self.rv_off, copy=True) if n else np.empty(0))
        self.rv_n = 0
        return out

    cdef inline void add_to_target(self, SliceContext *ctx, Py_ssize_t j, int64_t base,
                                   double w, double value) noexcept nogil:
        """Add ``w * value`` (``value`` on a counting channel) to the target of
        connection ``j``, arriving ``tgt_d[j]`` steps after the step whose
        ring-buffer slot is ``base`` (= step mod ring_len; a delay is below
        ring_len = min_delay + max_delay, so one wrap-around suffices)."""
        cdef int64_t slot = base + self.tgt_d[j]
        cdef int64_t ch
        if ctx.chan_payload != NULL:
            # a payload channel multiplies the weight by the spike's payload,
            # which is 0 for a device's spike on the grid (as NEST's offset)
            ch = self.tgt_code[j] >> 2
            if (self.tgt_code[j] & 1) and w < 0.0:
                ch += 1
            if ctx.chan_payload[ch] and not (self.tgt_code[j] & 2):
                return
        if slot >= ctx.ring_len:
            slot -= ctx.ring_len
        add_to_channel(ctx.inbuf + slot * ctx.row_width, self.tgt_code[j], w, value)

    cdef inline void deliver(self, SliceContext *ctx, Py_ssize_t k, Py_ssize_t j,
                             int64_t step, int64_t count) noexcept nogil:
        """``count`` spikes of device row ``k`` in ``step`` through connection
        ``j``: into its target's input, or, for a spike_recorder connected to
        a generator that records its own trains (records_to_recorders), to
        the recorder."""
        if self.has_rec and self.tgt_rec[j]:
            self.record_event(k, j, step + 1, 0.0, count)
        else:
            self.add_to_target(ctx, j, step % ctx.ring_len, self.tgt_w[j], <double>count)

    cdef inline void add_to_target_at(self, SliceContext *ctx, Py_ssize_t k, Py_ssize_t j,
                                      int64_t stamp, double off, double w,
                                      double value) noexcept nogil:
        """As :meth:`add_to_target` for a spike of device row ``k`` with
        ``stamp`` and offset ``off``: a target that takes precise input gets
        it at that time, a binary target decodes it.  The continuous part of
        a delay (``tgt_doff``) adds to the offset, a step earlier where the
        sum reaches the resolution."""
        cdef int64_t arrive = stamp - 1 + self.tgt_d[j]
        cdef double total = off + self.tgt_doff[j]
        if total >= self.h_ms:
            arrive -= 1
            total -= self.h_ms
        add_event(ctx, ctx.inbuf + (arrive % ctx.ring_len) * ctx.row_width, self.tgt_code[j],
                  w, value, arrive, total, self.dev_gid[k], stamp - 1)

    cdef void send_copies(self, SliceContext *ctx, Py_ssize_t k, int64_t step, int64_t n,
                          double p, pnl_key key) noexcept nogil:
        """Each target of device row ``k`` gets each of ``n`` spikes of
        ``step`` independently with probability ``p`` (one event of the
        copies' multiplicity); the draws come from the stream keyed by
        ``key``, the target (and repeated connection) and the step, so they
        do not depend on the number of ranks (mip_generator, spike_dilutor)."""
        cdef Py_ssize_t j
        cdef int64_t c, q
        cdef uint64_t hi
        cdef pnl_stream s
        for j in range(self.tgt_ptr[k], self.tgt_end[k]):
            hi = <uint64_t>self.tgt_gid[j] | (<uint64_t>self.tgt_dup[j] << 40)
            pnl_stream_init(&s, key, hi, <uint64_t>step << 8)
            c = 0
            for q in range(n):
                if pnl_uniform(&s) < p:
                    c += 1
            if c > 0:
                self.deliver(ctx, k, j, step, c)

    cdef inline void send(self, SliceContext *ctx, Py_ssize_t k, int64_t step,
                          double value) noexcept nogil:
        """Add ``value`` times each connection weight of device row ``k`` to its
        target, arriving at ``step + delay`` (on several threads: the targets
        of the calling thread)."""
        cdef Py_ssize_t j, j0, j1
        cdef int64_t base = step % ctx.ring_len
        cdef bint check = self.span(ctx, k, &j0, &j1)
        for j in range(j0, j1):
            if check and not owns_target(ctx, self.tgt_code[j]):
                continue
            if self.has_rec and self.tgt_rec[j]:
                self.record_event(k, j, step + 1, 0.0, <int64_t>value)
            else:
                self.add_to_target(ctx, j, base, self.tgt_w[j], value)


cdef class PoissonGenerator(StimulationBlock):
    parameters = {"rate": 0.0}
    records_to_recorders = True
    # each thread draws the trains of the targets it owns (the draws are
    # keyed by the target), unless spike_recorders take trains (a shared log)
    threaded = True

    def threadable(self):
        return not self.has_rec
    non_negative = ("rate",)
    cdef double[::1] rate
    cdef uint64_t[::1] gid

    def bind(self):
        self.rate = self.arrays["rate"]
        self.gid = self.gids.astype(np.uint64)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        # Steps are taken in aligned pairs (2m, 2m+1): one Philox call per
        # (target, pair) gives both uniforms, and the inner loop runs over
        # targets so that each ring-buffer row is written sequentially.
        # Means below 10 are sampled by inversion of the Poisson CDF through
        # a guide table (Chen & Asau 1974): start at guide[floor(u G)] and
        # step up while u > cdf[k]; larger means use the PTRS sampler.
        cdef Py_ssize_t k, j, j0, j1
        cdef int64_t s0, s1, first, last, b0, b1, c0, c1, pair, q, L = ctx.ring_len
        cdef double mu, p, u0, u1
        cdef double cdf[POISSON_KMAX + 1]
        cdef int64_t guide[POISSON_GUIDE]
        cdef uint32_t o[4]
        cdef uint64_t hi
        cdef pnl_key key
        cdef pnl_stream s
        cdef bint check
        first = ctx.origin + from_lag
        last = ctx.origin + to_lag          # exclusive
        for k in range(self.n):
            if self.rate[k] <= 0.0:
                continue
            mu = self.rate[k] * ctx.h * 1e-3
            if mu < 10.0:
                p = exp(-mu)
                cdf[0] = p
                for q in range(1, POISSON_KMAX + 1):
                    p *= mu / <double>q
                    cdf[q] = cdf[q - 1] + p
                cdf[POISSON_KMAX] = 2.0        # sentinel: the search always stops
                c0 = 0
                for q in range(POISSON_GUIDE):
                    while cdf[c0] < <double>q / POISSON_GUIDE:
                        c0 += 1
                    guide[q] = c0
            key = pnl_make_key(ctx.seed, PURPOSE_POISSON, self.gid[k])
            check = self.span(ctx, k, &j0, &j1)
            pair = first >> 1
            while 2 * pair < last:
                s0 = 2 * pair
                s1 = s0 + 1
                if s0 < first or not self.active(k, s0):
                    s0 = -1
                if s1 >= last or not self.active(k, s1):
                    s1 = -1
                pair += 1
                if s0 < 0 and s1 < 0:
                    continue
                b0 = s0 % L if s0 >= 0 else 0
                b1 = s1 % L if s1 >= 0 else 0
                for j in range(j0, j1):
                    if check and not owns_target(ctx, self.tgt_code[j]):
                        continue
                    hi = <uint64_t>self.tgt_gid[j] | (<uint64_t>self.tgt_dup[j] << 40)
                    c0 = 0
                    c1 = 0
                    if mu < 10.0:
                        pnl_philox4x32_10(key, <uint64_t>(pair - 1), hi, o)
                        if s0 >= 0:
                            u0 = pnl_bits_to_unit(o[0], o[1])
                            c0 = guide[<int64_t>(u0 * POISSON_GUIDE)]
                            while u0 > cdf[c0]:
                                c0 += 1
                        if s1 >= 0:
                            u1 = pnl_bits_to_unit(o[2], o[3])
                            c1 = guide[<int64_t>(u1 * POISSON_GUIDE)]
                            while u1 > cdf[c1]:
                                c1 += 1
                    else:
                        if s0 >= 0:
                            pnl_stream_init(&s, key, hi | (<uint64_t>1 << 63), <uint64_t>s0 << 8)
                            c0 = pnl_poisson(&s, mu)
                        if s1 >= 0:
                            pnl_stream_init(&s, key, hi | (<uint64_t>1 << 63), <uint64_t>s1 << 8)
                            c1 = pnl_poisson(&s, mu)
                    if self.has_rec and self.tgt_rec[j]:
                        if c0 > 0:
                            self.record_event(k, j, s0 + 1, 0.0, c0)
                        if c1 > 0:
                            self.record_event(k, j, s1 + 1, 0.0, c1)
                        continue
                    if c0 > 0:
                        self.add_to_target(ctx, j, b0, self.tgt_w[j], <double>c0)
                    if c1 > 0:
                        self.add_to_target(ctx, j, b1, self.tgt_w[j], <double>c1)


cdef class PoissonGeneratorPs(StimulationBlock):
    parameters = {"rate": 0.0, "dead_time": 0.0}
    non_negative = ("rate", "dead_time")
    precise_output = True
    records_to_recorders = True
    checkpointable = False      # the trains in progress are not saved (save_state refuses)
    cdef double[::1] rate, dead, nx_off
    cdef uint64_t[::1] gid
    cdef int64_t[::1] nx_stamp, draws
    cdef uint8_t[::1] fresh
    cdef double tics_per_ms, ms_per_tic
    cdef int64_t tps
    cdef bint has_trains      # the per-connection arrays exist (after a Prepare)
    cdef object restart       # rows whose trains start anew (rate set)

    def bind(self):
        self.rate = self.arrays["rate"]
        self.dead = self.arrays["dead_time"]
        self.gid = self.gids.astype(np.uint64)
        if self.restart is None:
            self.restart = set()

    def check(self, dict values):
        StimulationBlock.check(self, values)
        r, d = values["rate"], values["dead_time"]
        if np.any((r > 0) & (1000.0 / np.where(r > 0, r, 1.0) < d)):
            raise BadProperty(f"{self.model}: The inverse rate cannot be smaller than the "
                              "dead time (1000 / rate >= dead_time).")

    def set(self, dict updates, idx, engine=None):
        StimulationBlock.set(self, updates, idx, engine)
        if "rate" in updates:
            self.restart.update(int(i) for i in np.atleast_1d(idx))

    def pre_run(self, engine):
        cdef Py_ssize_t j
        old = {}                # (row, target gid, multapse) -> (stamp, offset, draws)
        if self.has_trains:
            # the trains in progress, by connection
            dev = np.repeat(np.arange(self.n), np.diff(np.asarray(self.tgt_ptr)))
            for j in range(len(dev)):
                if not self.fresh[j]:
                    old[(int(dev[j]), int(self.tgt_gid[j]), int(self.tgt_dup[j]))] = (
                        self.nx_stamp[j], self.nx_off[j], self.draws[j])
        StimulationBlock.pre_run(self, engine)
        m = len(self.tgt_gid)
        self.nx_stamp = np.zeros(m, np.int64)
        self.nx_off = np.zeros(m)
        self.draws = np.zeros(m, np.int64)
        self.fresh = np.ones(m, np.uint8)
        dev = np.repeat(np.arange(self.n), np.diff(np.asarray(self.tgt_ptr)))
        for j in range(m):
            k = int(dev[j])
            st = old.get((k, int(self.tgt_gid[j]), int(self.tgt_dup[j])))
            # a train goes on unless its rate was set or start moved past it
            if st is not None and k not in self.restart and st[0] >= self.t_min[k]:
                self.nx_stamp[j], self.nx_off[j], self.draws[j] = st
                self.fresh[j] = 0
        self.restart = set()
        self.tics_per_ms = engine.tics_per_ms
        self.ms_per_tic = engine.ms_per_tic
        self.tps = engine.tics_per_step
        self.has_trains = True

    cdef inline int64_t _stamp_steps(self, double x) noexcept nogil:
        """Steps to the grid point at or after x >= 0 ms (NEST's ms_stamp)."""
        cdef int64_t s = (<int64_t>floor(x * self.tics_per_ms)) // self.tps
        # (NEST compares tics * (1 / tics_per_step) * ms_per_step, in this order)
        if <double>(s * self.tps) * (1.0 / self.tps) * (<double>self.tps / self.tics_per_ms) < x:
            s += 1
        return s

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k, j
        cdef int64_t tmin, tmax, s
        cdef double inv_rate, x, u0, u1, new_off
        cdef uint32_t o[4]
        cdef uint64_t hi
        cdef pnl_key key
        for k in range(self.n):
            if self.rate[k] <= 0.0:
                continue
            tmin = max(ctx.origin + from_lag, self.t_min[k])
            tmax = min(ctx.origin + to_lag, self.t_max[k])
            if tmin >= tmax:
                continue
            inv_rate = 1000.0 / self.rate[k] - self.dead[k]
            key = pnl_make_key(ctx.seed, PURPOSE_POISSON_PS, self.gid[k])
            for j in range(self.tgt_ptr[k], self.tgt_end[k]):
                hi = <uint64_t>self.tgt_gid[j] | (<uint64_t>self.tgt_dup[j] << 40)
                if self.fresh[j]:
                    # the first spike of a stationary dead-time process
                    pnl_philox4x32_10(key, <uint64_t>self.draws[j], hi, o)
                    self.draws[j] += 1
                    u0 = pnl_bits_to_unit(o[0], o[1])
                    u1 = pnl_bits_to_unit(o[2], o[3])
                    if self.dead[k] > 0 and u1 < self.dead[k] * self.rate[k] / 1000.0:
                        x = u0 * self.dead[k]
                    else:
                        x = self.dead[k] + inv_rate * -log(1.0 - u0)
                    s = self._stamp_steps(x)
                    self.nx_stamp[j] = tmin + s
                    self.nx_off[j] = <double>(s * self.tps) * self.ms_per_tic - x
                    self.fresh[j] = 0
                while self.nx_stamp[j] <= tmax:
                    if self.has_rec and self.tgt_rec[j]:
                        self.record_event(k, j, self.nx_stamp[j], self.nx_off[j], 1)
                    else:
                        self.add_to_target_at(ctx, k, j, self.nx_stamp[j], self.nx_off[j],
                                              self.tgt_w[j], 1.0)
                    pnl_philox4x32_10(key, <uint64_t>self.draws[j], hi, o)
                    self.draws[j] += 1
                    x = self.dead[k] + inv_rate * -log(1.0 - pnl_bits_to_unit(o[0], o[1]))
                    new_off = -self.nx_off[j] + x
                    if new_off < 0:
                        self.nx_off[j] = -new_off
                    else:
                        s = self._stamp_steps(new_off)
                        self.nx_stamp[j] += s
                        self.nx_off[j] = <double>(s * self.tps) * self.ms_per_tic - new_off


cdef class SpikeGenerator(StimulationBlock):
    sends_signal = SIGNAL_ALL          # (binary neurons take its spikes too)
    parameters = {"spike_times": (), "spike_weights": (), "spike_multiplicities": (),
                  "allow_offgrid_times": False, "shift_now_spikes": False,
                  "precise_times": False}
    internal = {"position": 0}
    # each thread sends the spikes to the targets it owns; the position in
    # the train (row state) is read on one thread only and written by thread 0
    threaded = True
    cdef int64_t[::1] st_ptr, stamps, mult, position
    cdef double[::1] sw, soff
    cdef bint precise

    def bind(self):
        self.position = self.arrays["position"]

    def check(self, dict values):
        StimulationBlock.check(self, values)

    def sends_precise(self):
        return self.n > 0 and bool(np.any(self.arrays["precise_times"]))

    def set(self, dict updates, idx, engine=None):
        updates = spike_train_updates(self, updates, idx, engine)
        StimulationBlock.set(self, updates, idx, engine)
        for i in np.asarray(idx, np.int64):
            self.arrays["position"][i] = 0

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        self.st_ptr, self.stamps, self.sw, self.mult, self.soff = spike_train_arrays(self, engine)
        # (continuous delays give grid spikes offsets too)
        self.precise = self.sends_precise() or bool(np.any(np.asarray(self.tgt_doff) != 0))

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k, j
        cdef int64_t tstart = ctx.origin + from_lag, tstop = ctx.origin + to_lag
        cdef int64_t stamp, base, p, lo, hi
        cdef double w
        cdef bint part = split_threads(ctx), check     # one of several threads
        cdef Py_ssize_t j0, j1
        for k in range(self.n):
            if part:
                # the first spike after tstart (the stamps of a row are sorted;
                # thread 0 may be moving ``position`` meanwhile)
                lo = self.st_ptr[k]
                hi = self.st_ptr[k + 1]
                while lo < hi:
                    p = (lo + hi) // 2
                    if self.stamps[p] <= tstart:
                        lo = p + 1
                    else:
                        hi = p
                p = lo
            else:
                p = self.st_ptr[k] + self.position[k]
            while p < self.st_ptr[k + 1] and self.stamps[p] <= tstart:
                p += 1
            if p == self.st_ptr[k + 1] or self.stamps[p] > tstop:
                # nothing due in this slice (most rows, most slices)
                if ctx.thread == 0:
                    self.position[k] = p - self.st_ptr[k]
                continue
            check = self.span(ctx, k, &j0, &j1)
            while p < self.st_ptr[k + 1]:
                stamp = self.stamps[p]
                if stamp <= tstart:
                    p += 1
                    continue
                if stamp > tstop:
                    break
                if self.active(k, stamp):
                    base = (stamp - 1) % ctx.ring_len
                    for j in range(j0, j1):
                        if check and not owns_target(ctx, self.tgt_code[j]):
                            continue
                        w = self.tgt_w[j] * self.sw[p] if self.sw[p] == self.sw[p] else self.tgt_w[j]
                        if self.precise or ctx.chan_precise != NULL:
                            self.add_to_target_at(ctx, k, j, stamp, self.soff[p], w,
                                                  <double>self.mult[p])
                        else:
                            self.add_to_target(ctx, j, base, w, <double>self.mult[p])
                p += 1
            if ctx.thread == 0:
                self.position[k] = p - self.st_ptr[k]


    def sent(self, s0, s1):
        """(gids, stamps, multiplicities, spike weights (NaN: none)) of the
        spikes sent with stamps in (s0, s1], per generator in gid order,
        each in the order sent (NEST sends a spike of multiplicity m as one
        event to devices)."""
        st = np.asarray(self.stamps); ptr = np.asarray(self.st_ptr)
        mult = np.asarray(self.mult); sw = np.asarray(self.sw)
        tmin = np.asarray(self.t_min); tmax = np.asarray(self.t_max)
        parts = []
        for k in range(self.n):
            s = st[ptr[k]:ptr[k + 1]]
            sel = np.flatnonzero((s > s0) & (s <= s1) & (s > tmin[k]) & (s <= tmax[k]))
            sel += ptr[k]
            parts.append((np.full(len(sel), self.gids[k], np.int64), st[sel], mult[sel],
                          sw[sel]))
        if not parts:
            return (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64),
                    np.empty(0))
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(4))

    def emitted(self, s0, s1, rows=None):
        """(gids, stamps, offsets) of spikes emitted with stamps in (s0, s1],
        multiplicity expanded; of the device rows ``rows`` (default: all)."""
        gids = []; stamps = []; offsets = []
        st = np.asarray(self.stamps); ptr = np.asarray(self.st_ptr)
        mult = np.asarray(self.mult); off = np.asarray(self.soff)
        tmin = np.asarray(self.t_min); tmax = np.asarray(self.t_max)
        for k in (range(self.n) if rows is None else rows):
            s = st[ptr[k]:ptr[k + 1]]
            m = mult[ptr[k]:ptr[k + 1]]
            sel = (s > s0) & (s <= s1) & (s > tmin[k]) & (s <= tmax[k])
            rep = np.repeat(s[sel], m[sel])
            stamps.append(rep)
            offsets.append(np.repeat(off[ptr[k]:ptr[k + 1]][sel], m[sel]))
            gids.append(np.full(len(rep), self.gids[k], np.int64))
        if not gids:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        return np.concatenate(gids), np.concatenate(stamps), np.concatenate(offsets)


def check_window(block, dict values):
    """NEST's check of an activity window: ``stop >= start``."""
    if np.any(values["stop"] < values["start"]):
        raise BadProperty(f"{block.model}: stop must be >= start")


def activity_window(block, engine):
    """(t_min, t_max) in steps of ``block``'s activity windows: output stamps
    t with t_min < t <= t_max (origin + start, origin + stop; an open end a
    far step)."""
    a = block.arrays
    t_min = engine.ms_to_steps_exact(a["origin"] + a["start"], "start")
    stop = a["origin"] + a["stop"]
    t_max = np.where(np.isinf(stop), np.iinfo(np.int64).max // 4,
                     engine.ms_to_steps_exact(np.where(np.isinf(stop), 0.0, stop), "stop"))
    return t_min, t_max.astype(np.int64)

def spike_train_arrays(block, engine):
    """The prescribed trains of ``block`` as flat arrays: per row pointers,
    stamps (steps, origin added), weights (NaN: the connection's), multiplicities
    and precise offsets."""
    ptr = [0]; stamps = []; ws = []; ms = []; offs = []
    origin = engine.ms_to_steps_exact(block.arrays["origin"], "origin")
    for i in range(block.n):
        t = np.asarray(block.arrays["spike_times"][i], np.float64)
        if block.arrays["precise_times"][i]:
            st, off = precise_stamps(t, engine)
        else:
            st = np.rint(t / engine.resolution).astype(np.int64)
            off = np.zeros(len(st))
        stamps.append(st + origin[i])
        offs.append(off)
        w = np.asarray(block.arrays["spike_weights"][i] if "spike_weights" in block.arrays
                       else (), np.float64)
        ws.append(w if len(w) else np.full(len(st), np.nan))
        m = np.asarray(block.arrays["spike_multiplicities"][i], np.int64)
        ms.append(m if len(m) else np.ones(len(st), np.int64))
        ptr.append(ptr[len(ptr) - 1] + len(st))
    return (np.asarray(ptr, np.int64),
            np.concatenate(stamps) if stamps else np.empty(0, np.int64),
            np.concatenate(ws) if ws else np.empty(0),
            np.concatenate(ms) if ms else np.empty(0, np.int64),
            np.concatenate(offs) if offs else np.empty(0))


def _flag(block, updates, name, j, i):
    """Flag ``name`` of row ``i`` after ``updates`` (``j``: its position there)."""
    v = updates.get(name)
    if v is None:
        return bool(block.arrays[name][i])
    v = np.asarray(v).reshape(-1)
    return bool(v[min(j, v.size - 1)])


def spike_train_updates(block, dict updates, idx, engine):
    """Checked and normalised updates of a block with prescribed spike trains
    (spike_generator, spike_train_injector): NEST's rules for
    ``precise_times``, ``allow_offgrid_times`` and ``shift_now_spikes``,
    spike times on the grid (or kept exactly with precise_times), per-spike
    weights and multiplicities of matching length.  Nothing is written."""
    idx = np.asarray(idx, np.int64)
    flags = ("precise_times", "allow_offgrid_times", "shift_now_spikes")
    if "spike_times" in updates and not any(f in updates for f in flags):
        fast = _grid_rows(block, updates["spike_times"], idx, engine)
        if fast is not None:
            updates = dict(updates)
            updates["spike_times"] = fast
            return _check_train_lengths(block, updates, idx)
    for j, i in enumerate(idx):
        if _flag(block, updates, "precise_times", j, i) and (
                _flag(block, updates, "allow_offgrid_times", j, i)
                or _flag(block, updates, "shift_now_spikes", j, i)):
            raise BadProperty(
                f"{block.model}: Option precise_times cannot be set to true when either "
                "allow_offgrid_times or shift_now_spikes is set to true.")
        if (any(f in updates for f in flags) and "spike_times" not in updates
                and len(block.arrays["spike_times"][i])
                and any(_flag(block, updates, f, j, i) != bool(block.arrays[f][i])
                        for f in flags)):
            raise BadProperty(
                f"{block.model}: Options can only be set together with spike times or if "
                "no spike times have been set.")
    # normalise and validate spike times per row before anything is written
    if "spike_times" in updates or "allow_offgrid_times" in updates:
        times = updates.get("spike_times")
        clock = _clock(engine)
        new_times = []
        for j, i in enumerate(idx):
            t = block.arrays["spike_times"][i] if times is None else times[j]
            t = np.asarray(t, np.float64).ravel()
            if _flag(block, updates, "precise_times", j, i):
                # kept as given (NEST: sorted, not 0; negative ones are never sent)
                if t.size and np.any(np.diff(t) < 0):
                    raise BadProperty(f"{block.model}: spike_times must be sorted in "
                                      "non-descending order")
                if t.size and np.any(t == 0.0):
                    raise BadProperty(f"{block.model}: spike time cannot be set to 0")
                new_times.append(t.copy())
            else:
                shift = _flag(block, updates, "shift_now_spikes", j, i)
                g = _grid_spike_times(t, _flag(block, updates, "allow_offgrid_times", j, i),
                                      clock, block.model, shift)
                if shift and g.size:
                    # a spike due now cannot be sent any more: one step later
                    h = clock[0]
                    if "origin" in updates:
                        o = np.asarray(updates["origin"], np.float64).reshape(-1)
                        origin = o[min(j, o.size - 1)]
                    else:
                        origin = block.arrays["origin"][i]
                    now = np.rint(engine.time_ms / h)
                    g = np.where(np.rint((origin + g) / h) == now, g + h, g)
                new_times.append(g)
        updates = dict(updates)
        updates["spike_times"] = new_times
    return _check_train_lengths(block, updates, idx)


def _check_train_lengths(block, dict updates, idx):
    """Per-spike weights and multiplicities (converted) of as many elements as
    the spike times or none, checked on the new values before anything is
    written; returns ``updates``."""
    for key in ("spike_weights", "spike_multiplicities"):
        if key in updates and key in block.arrays:
            vals = [np.asarray(v, np.float64 if key == "spike_weights" else np.int64).ravel()
                    for v in updates[key]]
            updates[key] = vals
    for j, i in enumerate(idx):
        nt = len(updates["spike_times"][j] if "spike_times" in updates
                 else block.arrays["spike_times"][i])
        for key in ("spike_weights", "spike_multiplicities"):
            if key not in block.arrays:
                continue
            nv = len(updates[key][j] if key in updates else block.arrays[key][i])
            if nv not in (0, nt):
                raise BadProperty(
                    f"{block.model}: {key} must have the same number of elements as "
                    f"spike_times ({nt}) or 0 elements, got {nv}")
    return updates


def _ms_stamp_tics(t, tics_per_ms, tics_per_step):
    """Tics of the grid point at or after each time ``t`` (ms): NEST's
    Time::ms_stamp (tics truncated, then up to the end of the step).
    (PoissonGeneratorPs._stamp_steps is its scalar form, in steps.)"""
    n = np.floor(t * tics_per_ms).astype(np.int64)
    n -= n % tics_per_step
    # (NEST compares tics * (1 / tics_per_step) * ms_per_step, in this order:
    # 353538.3 ms is 3535383 steps of 0.1 ms, not one more)
    ms = n * (1.0 / tics_per_step) * (tics_per_step / tics_per_ms)
    return n + np.where(ms < t, tics_per_step, 0)


def precise_stamps(t, engine):
    """(stamps, offsets) of precise times ``t`` (ms): the grid point at or
    after each time (:func:`_ms_stamp_tics`) and the offset before it, 0
    where it is below rounding."""
    t = np.asarray(t, np.float64)
    tics = _ms_stamp_tics(t, engine.tics_per_ms, engine.tics_per_step)
    steps = tics // engine.tics_per_step
    stamp_ms = engine.steps_to_ms(steps)
    off = stamp_ms - t
    tiny = (np.abs(off) < 2 * np.finfo(np.float64).eps * np.abs(stamp_ms + t)) | (
        np.abs(off) < np.finfo(np.float64).tiny)
    return steps.astype(np.int64), np.where(tiny, 0.0, off)


def _clock(engine):
    """(resolution in ms, tics per ms) of ``engine``, the engine passed to ``set``."""
    if engine is None:
        from pynestlite.errors import KernelStateError
        raise KernelStateError("setting times of a stimulation device needs its engine "
                               "(block.set(..., engine=kernel))")
    return engine.resolution, engine.tics_per_ms


def _grid_rows(block, times, idx, engine):
    """The new spike times of rows ``idx`` put on the grid in one pass
    (``_grid_times`` over all rows) when all of them keep the default options
    (no precise times, no off-grid times, no shift of spikes due now).  None
    when a row is unsorted or has a time <= 0: the row-by-row path then
    reports it.  Off-grid times raise ``_grid_times``' error for the first
    of them, the one the row-by-row path would report, since every row has
    passed its earlier checks."""
    a = block.arrays
    for f in ("precise_times", "allow_offgrid_times", "shift_now_spikes"):
        if np.any(a[f][idx]):
            return None
    rows = [np.asarray(t, np.float64).ravel() for t in times]
    if not rows:
        return rows
    ends = np.cumsum([len(r) for r in rows])
    t = np.concatenate(rows)
    if t.size == 0:
        return rows
    steps_down = np.diff(t) < 0
    cut = ends[:-1]
    steps_down[cut[(cut > 0) & (cut < t.size)] - 1] = False    # across rows
    if np.any(steps_down) or np.any(t <= 0.0):
        return None
    return np.split(_grid_times(t, False, _clock(engine), block.model), cut)


def _grid_spike_times(t, allow_offgrid, clock, model, shift_now=False):
    """Spike times on the grid of resolution ``h`` (ms), NEST's rules (0 is
    allowed only with ``shift_now_spikes``)."""
    if t.size and np.any(np.diff(t) < 0):
        raise BadProperty(f"{model}: spike_times must be sorted in non-descending order")
    if t.size and np.any(t == 0.0) and not shift_now:
        raise BadProperty(f"{model}: spike time cannot be set to 0")
    if t.size and np.any(t < 0):
        raise BadProperty(f"{model}: spike times must be positive")
    return _grid_times(t, allow_offgrid, clock, model)


def _grid_times(t, allow_offgrid, clock, model):
    """Times forced to the grid as NEST does: a time that is a whole number of
    steps (after rounding to the tic) is kept; otherwise it is rounded up to
    the end of its step if ``allow_offgrid``, else BadProperty.  ``clock`` is
    (resolution h in ms, tics per ms)."""
    h, tics_per_ms = clock
    ms_per_tic = 1.0 / tics_per_ms
    tics_per_step = int(round(h * tics_per_ms))
    tics = np.floor(t * tics_per_ms + 0.5).astype(np.int64)
    on_grid = tics % tics_per_step == 0
    if not np.all(on_grid):
        if not allow_offgrid:
            bad = t[~on_grid][0]
            raise BadProperty(
                f"{model}: Time point {bad} is not representable in current resolution "
                f"({h} ms); set allow_offgrid_times=True to round it up")
        # round up to the end of the step containing t
        n = _ms_stamp_tics(t, tics_per_ms, tics_per_step)
        out = np.where(on_grid, tics * ms_per_tic, n * ms_per_tic)
    else:
        out = tics * ms_per_tic
    return np.round(out / h) * h


cdef class OscillatorBlock(StimulationBlock):
    """Base of the devices driven by a sinusoid (ac_generator, noise_generator,
    sinusoidal_poisson_generator): per row an oscillator (y_0, y_1), set from
    the simulation time at each Prepare and advanced every step by the
    rotation matrix A00..A11, as NEST does."""
    internal = {"y_0": 0.0, "y_1": 0.0}
    cdef double[::1] y_0, y_1, A00, A01, A10, A11

    def bind(self):
        self.y_0 = self.arrays["y_0"]
        self.y_1 = self.arrays["y_1"]

    def set_rotation(self, a00, a01, a10, a11):
        """The per-row step matrix (four float64 arrays of length n)."""
        self.A00, self.A01, self.A10, self.A11 = a00, a01, a10, a11

    def start_oscillator(self, freq, phase, amplitude, double t, double h):
        """Set (y_0, y_1) = amplitude (cos, sin)(omega t + phi) and the step
        matrix of a rotation by omega h, with libm's cos/sin as NEST (per row)."""
        cdef Py_ssize_t k, n = self.n
        cdef double omega, phi
        mats = [np.empty(n) for _ in range(4)]
        cdef double[::1] a00 = mats[0], a01 = mats[1], a10 = mats[2], a11 = mats[3]
        cdef double[::1] f = np.ascontiguousarray(freq, np.float64)
        cdef double[::1] ph = np.ascontiguousarray(phase, np.float64)
        cdef double[::1] amp = np.ascontiguousarray(amplitude, np.float64)
        for k in range(n):
            omega = 2.0 * M_PI * f[k] / 1000.0
            phi = ph[k] * 2.0 * M_PI / 360.0
            self.y_0[k] = amp[k] * cos(omega * t + phi)
            self.y_1[k] = amp[k] * sin(omega * t + phi)
            a00[k] = cos(omega * h)
            a01[k] = -sin(omega * h)
            a10[k] = sin(omega * h)
            a11[k] = cos(omega * h)
        self.set_rotation(*mats)

    cdef inline void rotate(self, Py_ssize_t k) noexcept nogil:
        """Advance the oscillator of row ``k`` by one step."""
        cdef double y0 = self.y_0[k]
        self.y_0[k] = self.A00[k] * y0 + self.A01[k] * self.y_1[k]
        self.y_1[k] = self.A10[k] * y0 + self.A11[k] * self.y_1[k]


cdef class StepCurrentGenerator(StimulationBlock):
    """step_current_generator: piecewise constant current.

    ``amplitude_times`` (ms, > 0, strictly increasing after forcing to the
    grid; ``allow_offgrid_times`` rounds up as NEST) and ``amplitude_values``
    (pA), set together.  The amplitude changes in the step that ends at each
    time and is sent while the device is active.  Subclasses rename the two
    lists (``times_key``, ``values_key``).
    """
    parameters = {"amplitude_times": (), "amplitude_values": (),
                  "allow_offgrid_times": False}
    internal = {"idx": 0, "amp": 0.0, "now": 0.0}
    output = "current"
    times_key = "amplitude_times"
    values_key = "amplitude_values"
    label = "Amplitude"                 # (NEST's error texts)
    recorded = {"I": "now"}
    recordables = ("I",)
    cdef int64_t[::1] at_ptr, stamps, idx
    cdef double[::1] values, amp, now

    def bind(self):
        self.idx = self.arrays["idx"]
        self.amp = self.arrays["amp"]
        self.now = self.arrays["now"]

    def set(self, dict updates, idx, engine=None):
        idx = np.asarray(idx, np.int64)
        updates = dict(updates)
        tk, vk = self.times_key, self.values_key
        has_t, has_v = tk in updates, vk in updates
        lb = self.label
        if has_t != has_v:
            raise BadProperty(f"{self.model}: {lb} times and values must be reset together "
                              f"({tk} and {vk})")
        if "allow_offgrid_times" in updates and not has_t and any(
                len(self.arrays[tk][i]) for i in idx):
            raise BadProperty(f"{self.model}: allow_offgrid_times: Option can only be set "
                              f"together with {lb.lower()} times or if no {lb.lower()} times "
                              f"have been set")
        if has_t:
            offgrid = updates.get("allow_offgrid_times")
            clock = _clock(engine)
            times, values = [], []
            for j, i in enumerate(idx):
                t = np.asarray(updates[tk][j], np.float64).ravel()
                v = np.asarray(updates[vk][j], np.float64).ravel()
                if len(t) != len(v):
                    raise BadProperty(f"{self.model}: {lb} times and values have to be the "
                                      f"same size ({len(t)} and {len(v)})")
                if np.any(t <= 0.0):
                    raise BadProperty(f"{self.model}: {tk}: Time points must lie strictly in "
                                      "the future. (t > 0)")
                og = self.arrays["allow_offgrid_times"][i] if offgrid is None else \
                    np.asarray(offgrid).reshape(-1)[min(j, np.size(offgrid) - 1)]
                g = _grid_times(t, bool(og), clock, self.model)
                if np.any(np.diff(g) <= 0):
                    raise BadProperty(f"{self.model}: {lb} times must be strictly increasing "
                                      f"(on the time grid: {tk})")
                self.check_values(v)
                times.append(g)
                values.append(v)
            updates[tk] = times
            updates[vk] = values
        StimulationBlock.set(self, updates, idx, engine)
        if has_t:
            for i in idx:
                self.arrays["idx"][i] = 0

    def check_values(self, v):
        """Hook: refuse values the device cannot take."""
        pass

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        ptr = [0]
        stamps, values = [], []
        for i in range(self.n):
            t = np.asarray(self.arrays[self.times_key][i], np.float64)
            stamps.append(np.rint(t / engine.resolution).astype(np.int64))
            values.append(np.asarray(self.arrays[self.values_key][i], np.float64))
            ptr.append(ptr[i] + len(t))
        self.at_ptr = np.asarray(ptr, np.int64)
        self.stamps = np.concatenate(stamps) if stamps else np.empty(0, np.int64)
        self.values = np.concatenate(values) if values else np.empty(0)

    cdef inline int64_t first_due(self, Py_ssize_t k, int64_t first) noexcept nogil:
        """Position of row k's first change after step ``first`` (earlier
        ones are past)."""
        cdef int64_t p = self.at_ptr[k] + self.idx[k], end = self.at_ptr[k + 1]
        while p < end and self.stamps[p] <= first:
            p += 1
        return p

    cdef inline int64_t take_due(self, Py_ssize_t k, int64_t p, int64_t step) noexcept nogil:
        """In step ``step`` the value changes when its time ends the step (NEST
        changes it one step ahead); returns the next position."""
        if p < self.at_ptr[k + 1] and step + 1 == self.stamps[p]:
            self.amp[k] = self.values[p]
            p += 1
        return p

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k
        cdef long lag
        cdef int64_t step, p
        for k in range(self.n):
            p = self.first_due(k, ctx.origin + from_lag)
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                p = self.take_due(k, p, step)
                self.now[k] = 0.0
                if not self.active(k, step + 2):
                    continue
                self.now[k] = self.amp[k]
                self.send(ctx, k, step, self.amp[k])
            self.idx[k] = p - self.at_ptr[k]


cdef class AcGenerator(OscillatorBlock):
    """ac_generator: sinusoidal current I(t) = offset + amplitude sin(2 pi f t + phase).

    ``amplitude``, ``offset`` (pA), ``frequency`` (Hz), ``phase`` (deg).  As
    NEST: the oscillator (y0, y1) is set from the simulation time at each
    Prepare and advanced by a rotation matrix every step, also while the
    device is inactive.
    """
    parameters = {"amplitude": 0.0, "offset": 0.0, "frequency": 0.0, "phase": 0.0}
    internal = dict(OscillatorBlock.internal, now=0.0)
    output = "current"
    recorded = {"I": "now"}
    recordables = ("I",)
    cdef double[::1] offset, now

    def bind(self):
        OscillatorBlock.bind(self)
        self.offset = self.arrays["offset"]
        self.now = self.arrays["now"]

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        a = self.arrays
        self.start_oscillator(a["frequency"], a["phase"], a["amplitude"], engine.time_ms,
                              engine.resolution)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k
        cdef long lag
        cdef int64_t step
        for k in range(self.n):
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                self.rotate(k)
                self.now[k] = 0.0
                if not self.active(k, step + 2):
                    continue
                self.now[k] = self.y_1[k] + self.offset[k]
                self.send(ctx, k, step, self.now[k])


cdef class DcGenerator(StimulationBlock):
    parameters = {"amplitude": 0.0}
    internal = {"now": 0.0}
    output = "current"
    recorded = {"I": "now"}
    recordables = ("I",)
    # each thread sends to the targets it owns (``send``); thread 0 alone
    # writes the recorded current
    threaded = True
    cdef double[::1] amp, now

    def bind(self):
        self.amp = self.arrays["amplitude"]
        self.now = self.arrays["now"]

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k
        cdef long lag
        cdef int64_t step
        cdef bint lead = ctx.thread == 0
        for k in range(self.n):
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                if lead:
                    self.now[k] = 0.0
                if not self.active(k, step + 2):
                    continue
                if lead:
                    self.now[k] = self.amp[k]
                self.send(ctx, k, step, self.amp[k])


cdef class NoiseGenerator(OscillatorBlock):
    sends_signal = SIGNAL_ALL
    parameters = {"mean": 0.0, "std": 0.0, "dt": 1.0, "std_mod": 0.0,
                  "frequency": 0.0, "phase": 0.0}
    internal = dict(OscillatorBlock.internal, next_step=0, now=0.0)
    non_negative = ("std", "std_mod", "frequency")
    strictly_positive = ("dt",)
    output = "current"
    recorded = {"I": "now"}             # (the mean over the targets, as NEST)
    recordables = ("I",)
    cdef double[::1] mean, std, std_mod, now
    cdef double[::1] amps
    cdef int64_t[::1] dt_steps, next_step
    cdef uint64_t[::1] gid
    cdef public object _amps

    def set(self, dict updates, idx, engine=None):
        if "dt" in updates and engine is not None:
            dt = np.atleast_1d(np.asarray(updates["dt"], np.float64))
            dt = dt[np.isfinite(dt) & (dt > 0)]
            tics = engine.ms_to_tics(dt)
            if np.any(tics % engine.tics_per_step != 0):
                from pynestlite.errors import StepMultipleRequired
                raise StepMultipleRequired(
                    f"{self.model}: dt {float(dt[tics % engine.tics_per_step != 0][0])} ms "
                    f"must be a multiple of the resolution {engine.resolution} ms")
        OscillatorBlock.set(self, updates, idx, engine)

    def bind(self):
        OscillatorBlock.bind(self)
        a = self.arrays
        self.mean = a["mean"]; self.std = a["std"]; self.std_mod = a["std_mod"]
        self.next_step = a["next_step"]
        self.now = a["now"]
        self.gid = self.gids.astype(np.uint64)

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        a = self.arrays
        h = engine.resolution
        self.dt_steps = engine.ms_to_steps_exact(a["dt"], "dt")
        self.start_oscillator(a["frequency"], a["phase"], np.ones(self.n), engine.time_ms, h)
        n_t = len(self.tgt_gid)
        if self._amps is None or len(self._amps) != n_t:
            self._amps = np.zeros(n_t)
            a["next_step"][:] = 0
        self.amps = self._amps

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k, j
        cdef long lag
        cdef int64_t now, base
        cdef double sd
        cdef pnl_key key
        cdef pnl_stream s
        for k in range(self.n):
            key = pnl_make_key(ctx.seed, PURPOSE_NOISE, self.gid[k])
            for lag in range(from_lag, to_lag):
                now = ctx.origin + lag
                self.now[k] = 0.0
                if not self.active(k, now + 2):
                    continue
                if self.std_mod[k] != 0.0:
                    self.rotate(k)
                if now >= self.next_step[k]:
                    sd = sqrt(self.std[k] * self.std[k] + self.y_1[k] * self.std_mod[k] * self.std_mod[k])
                    for j in range(self.tgt_ptr[k], self.tgt_end[k]):
                        pnl_stream_init(&s, key, <uint64_t>self.tgt_gid[j] | (<uint64_t>self.tgt_dup[j] << 40),
                                        <uint64_t>now << 8)
                        self.amps[j] = self.mean[k] + sd * pnl_normal(&s)
                    self.next_step[k] = now + self.dt_steps[k]
                base = now % ctx.ring_len
                for j in range(self.tgt_ptr[k], self.tgt_end[k]):
                    self.add_to_target(ctx, j, base, self.tgt_w[j], self.amps[j])
                    self.now[k] += self.amps[j]
                if self.tgt_end[k] > self.tgt_ptr[k]:
                    self.now[k] /= self.tgt_end[k] - self.tgt_ptr[k]


cdef class SinusoidalPoissonGenerator(OscillatorBlock):
    """sinusoidal_poisson_generator: Poisson trains of rate
    r(t) = max(0, rate + amplitude sin(2 pi frequency t + phase)).

    ``rate``, ``amplitude`` (Hz), ``frequency`` (Hz), ``phase`` (deg);
    ``individual_spike_trains`` (default True, settable only with SetDefaults
    or CopyModel, as NEST): one independent train per target, else one train
    shared by all targets.  The oscillator is set from the simulation time at
    each Prepare and rotated every step as NEST does; counts come from the
    stream keyed by (rng_seed, generator, target) or (rng_seed, generator)."""
    parameters = {"rate": 0.0, "amplitude": 0.0, "frequency": 0.0, "phase": 0.0,
                  "individual_spike_trains": True}
    internal = {"y_0": 0.0, "y_1": 0.0, "rate_now": 0.0}
    recorded = {"rate": "rate_now"}     # (Hz)
    recordables = ("rate",)
    records_to_recorders = True
    cdef double[::1] rate_ms, rate_now
    cdef uint8_t[::1] individual
    cdef uint64_t[::1] gid

    def bind(self):
        OscillatorBlock.bind(self)
        self.individual = self.arrays["individual_spike_trains"]
        self.rate_now = self.arrays["rate_now"]
        self.gid = self.gids.astype(np.uint64)

    def set(self, dict updates, idx, engine=None):
        refuse_instance_train_mode(self, updates)
        StimulationBlock.set(self, updates, idx, engine)

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        cdef Py_ssize_t k
        cdef double h = engine.resolution, t = engine.time_ms, om, phi, amp
        a = self.arrays
        n = self.n
        rate, sn, cs = np.empty(n), np.empty(n), np.empty(n)
        cdef double[::1] r = rate, s_ = sn, c_ = cs
        for k in range(n):
            om = a["frequency"][k] * (2.0 * M_PI / 1000.0)
            phi = a["phase"][k] * (M_PI / 180.0)
            amp = a["amplitude"][k] / 1000.0
            self.y_0[k] = amp * cos(om * t + phi)
            self.y_1[k] = amp * sin(om * t + phi)
            s_[k] = sin(h * om)
            c_[k] = cos(h * om)
            r[k] = a["rate"][k] / 1000.0
        self.rate_ms = rate
        # NEST's step (cos y0 - sin y1, sin y0 + cos y1) as the rotation matrix;
        # A01 y1 = (-sin) y1 is exactly -(sin y1), so the values are unchanged
        self.set_rotation(cs, np.negative(sn), sn, cs)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k, j
        cdef long lag
        cdef int64_t step, cnt
        cdef double rate
        cdef pnl_key key
        cdef pnl_stream s
        for k in range(self.n):
            key = pnl_make_key(ctx.seed, PURPOSE_SINUSOIDAL, self.gid[k])
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                self.rotate(k)
                rate = self.rate_ms[k] + self.y_1[k]
                self.rate_now[k] = 1000.0 * rate if rate > 0.0 else 0.0
                if rate <= 0.0 or not self.active(k, step):
                    continue
                if not self.individual[k]:
                    pnl_stream_init(&s, key, 0, <uint64_t>step << 8)
                    cnt = pnl_poisson(&s, rate * ctx.h)
                    if cnt > 0:
                        self.send(ctx, k, step, <double>cnt)
                    continue
                for j in range(self.tgt_ptr[k], self.tgt_end[k]):
                    pnl_stream_init(&s, key, <uint64_t>self.tgt_gid[j]
                                    | (<uint64_t>self.tgt_dup[j] << 40) | (<uint64_t>1 << 62),
                                    <uint64_t>step << 8)
                    cnt = pnl_poisson(&s, rate * ctx.h)
                    if cnt > 0:
                        self.deliver(ctx, k, j, step, cnt)


cdef double gamma_hazard_ratio(double a, double x) noexcept nogil:
    """x^(a-1) exp(-x) / Gamma(a, x) (Gamma(a, x) the upper incomplete gamma
    function, a >= 1, x >= 0): a series for x < a + 1, else a continued
    fraction (modified Lentz), both to double precision."""
    cdef double s, term, b, c, d, f, delta, an, lower
    cdef int i
    if x <= 0.0:
        return 1.0 if a == 1.0 else 0.0
    if x < a + 1.0:
        # lower incomplete gamma: exp(-x) x^a sum_n x^n / (a (a+1) ... (a+n))
        term = 1.0 / a
        s = term
        for i in range(1, 1000):
            term *= x / (a + i)
            s += term
            if fabs(term) < fabs(s) * 1e-16:
                break
        lower = exp(-x + a * log(x) - lgamma(a)) * s          # P(a, x)
        return exp((a - 1.0) * log(x) - x - lgamma(a)) / (1.0 - lower)
    b = x + 1.0 - a
    c = 1e300
    d = 1.0 / b
    f = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if fabs(d) < 1e-300:
            d = 1e-300
        c = b + an / c
        if fabs(c) < 1e-300:
            c = 1e-300
        d = 1.0 / d
        delta = d * c
        f *= delta
        if fabs(delta - 1.0) < 1e-16:
            break
    return 1.0 / (x * f)           # Gamma(a, x) = exp(-x) x^a f


cpdef inline double delta_lambda(double rate, double amp, double om, double phi,
                                 double order, double t_a, double t_b) noexcept nogil:
    """order int_{t_a}^{t_b} (rate + amp sin(om s + phi)) ds (rates in 1/ms,
    om in rad/ms): the rescaled time of sinusoidal_gamma_generator."""
    cdef double dl
    if t_a == t_b:
        return 0.0
    dl = order * rate * (t_b - t_a)
    if fabs(amp) > 0 and fabs(om) > 0:
        dl += -order * amp / om * (cos(om * t_b + phi) - cos(om * t_a + phi))
    return dl


def refuse_instance_train_mode(block, dict updates):
    """NEST: ``individual_spike_trains`` is a model default only (SetDefaults
    or CopyModel), never set on created generators."""
    if "individual_spike_trains" in updates and block.first_gid != 0:
        raise BadProperty(f"{block.model}: individual_spike_trains can only be set as a "
                          "model default (SetDefaults or CopyModel)")


cdef class SinusoidalGammaGenerator(StimulationBlock):
    """sinusoidal_gamma_generator: gamma processes of order ``order`` with the
    rate r(t) = rate + amplitude sin(2 pi frequency t + phase)
    (0 <= amplitude <= rate, order >= 1).

    Each train is an inhomogeneous gamma process by time rescaling: with
    Lambda(t) = order int_{t0}^{t} r(s) ds since the train's last spike at
    t0, a step ending at t spikes with probability
        h order r(t) Lambda^(order-1) exp(-Lambda) / Gamma(order, Lambda)
    (the hazard of the gamma distribution; Gamma the upper incomplete gamma
    function), and the spike restarts Lambda at 0, as NEST.  At each Prepare
    the trains carry Lambda over with the parameters of the previous run and
    continue with the new ones.  ``individual_spike_trains`` (default True,
    settable only with SetDefaults or CopyModel): one train per target (per
    connection), else one train shared by all targets.  Uniform draws come
    from the stream keyed by (rng_seed, generator, target, multapse), so the
    trains do not depend on the number of ranks.
    """
    parameters = {"rate": 0.0, "amplitude": 0.0, "frequency": 0.0, "phase": 0.0,
                  "order": 1.0, "individual_spike_trains": True}
    internal = {"rate_now": 0.0}
    recorded = {"rate": "rate_now"}     # (Hz)
    recordables = ("rate",)
    records_to_recorders = True
    cdef double[::1] rate_ms, amp_ms, om, phi, order, rate_now
    cdef double[::1] t0, L0             # per train: last spike (ms), Lambda there
    cdef int64_t[::1] train_ptr         # per device row: first train
    cdef uint8_t[::1] individual
    cdef uint64_t[::1] gid
    cdef object train_keys              # per train: (device gid, target gid, multapse)
    cdef object prev                    # per row: parameters of the previous run

    def bind(self):
        self.individual = self.arrays["individual_spike_trains"]
        self.rate_now = self.arrays["rate_now"]
        self.gid = self.gids.astype(np.uint64)

    def set(self, dict updates, idx, engine=None):
        refuse_instance_train_mode(self, updates)
        StimulationBlock.set(self, updates, idx, engine)

    def check(self, dict values):
        StimulationBlock.check(self, values)
        if np.any(values["order"] < 1.0):
            raise BadProperty(f"{self.model}: The gamma order must be at least 1.")
        amp, rate = values["amplitude"], values["rate"]
        if np.any((amp < 0.0) | (amp > rate)):
            raise BadProperty(f"{self.model}: Rate parameters must fulfill "
                              "0 <= amplitude <= rate.")

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        a = self.arrays
        cdef double t = engine.time_ms
        n = self.n
        self.rate_ms = a["rate"] * 1e-3
        self.amp_ms = a["amplitude"] * 1e-3
        self.om = np.asarray(a["frequency"], np.float64) * (2.0 * M_PI / 1000.0)
        self.phi = np.asarray(a["phase"], np.float64) * (M_PI / 180.0)
        self.order = np.asarray(a["order"], np.float64).copy()
        params = [(self.rate_ms[k], self.amp_ms[k], self.om[k], self.phi[k], self.order[k])
                  for k in range(n)]
        # the trains of the previous run: (last spike, Lambda there)
        old = {}
        if self.train_keys is not None:
            old = {key: (self.t0[i], self.L0[i]) for i, key in enumerate(self.train_keys)}
        if self.prev is None:
            self.prev = list(params)
        ptr = [0]
        keys, t0, L0 = [], [], []
        for k in range(n):
            if self.individual[k]:
                rows = range(self.tgt_ptr[k], self.tgt_ptr[k + 1])
                ks = [(int(self.gids[k]), int(self.tgt_gid[j]), int(self.tgt_dup[j]))
                      for j in rows]
            else:
                ks = [(int(self.gids[k]), -1, 0)] if self.tgt_ptr[k + 1] > self.tgt_ptr[k] \
                    else []
            for key in ks:
                st = old.get(key)
                if st is None:       # a new train starts now
                    st = (t, 0.0)
                else:                # carried over to now with the previous parameters
                    st = (t, st[1] + delta_lambda(*self.prev[k], st[0], t))
                keys.append(key); t0.append(st[0]); L0.append(st[1])
            ptr.append(len(keys))
        self.train_ptr = np.asarray(ptr, np.int64)
        self.t0 = np.asarray(t0, np.float64) if t0 else np.zeros(1)
        self.L0 = np.asarray(L0, np.float64) if L0 else np.zeros(1)
        self.train_keys = keys
        self.prev = params

    cdef inline double hazard(self, Py_ssize_t k, Py_ssize_t i, double t, double rate,
                              double h) noexcept nogil:
        cdef double L = self.L0[i] + delta_lambda(self.rate_ms[k], self.amp_ms[k], self.om[k],
                                                  self.phi[k], self.order[k], self.t0[i], t)
        return h * self.order[k] * rate * gamma_hazard_ratio(self.order[k], L)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k, j, i
        cdef long lag
        cdef int64_t step
        cdef double t, rate
        cdef pnl_key key
        cdef pnl_stream s
        for k in range(self.n):
            key = pnl_make_key(ctx.seed, PURPOSE_SINUSOIDAL, self.gid[k])
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                t = (step + 1) * ctx.h
                rate = self.rate_ms[k] + self.amp_ms[k] * sin(self.om[k] * t + self.phi[k])
                self.rate_now[k] = 1000.0 * rate
                if rate <= 0.0 or not self.active(k, step):
                    continue
                if self.train_ptr[k + 1] == self.train_ptr[k]:
                    continue
                if not self.individual[k]:
                    i = self.train_ptr[k]
                    pnl_stream_init(&s, key, <uint64_t>1 << 61, <uint64_t>step << 8)
                    if pnl_uniform(&s) < self.hazard(k, i, t, rate, ctx.h):
                        self.t0[i] = t
                        self.L0[i] = 0.0
                        self.send(ctx, k, step, 1.0)
                    continue
                for j in range(self.tgt_ptr[k], self.tgt_end[k]):
                    i = self.train_ptr[k] + (j - self.tgt_ptr[k])
                    pnl_stream_init(&s, key, <uint64_t>self.tgt_gid[j]
                                    | (<uint64_t>self.tgt_dup[j] << 40) | (<uint64_t>1 << 61),
                                    <uint64_t>step << 8)
                    if pnl_uniform(&s) < self.hazard(k, i, t, rate, ctx.h):
                        self.t0[i] = t
                        self.L0[i] = 0.0
                        self.deliver(ctx, k, j, step, 1)


cdef class SuperpositionBlock(StimulationBlock):
    """Base of gamma_sup_generator and ppd_sup_generator: each target gets the
    superposition of ``n_proc`` independent renewal processes, kept as
    occupation numbers of a few states (an int64 row per target and row of
    the device) that move by binomial draws every step.  A target keeps its
    row across runs; a new target starts from the device's initial
    occupation.  Draws come from the stream keyed by (rng_seed, generator,
    target, multapse, step), so the trains do not depend on the number of
    ranks."""
    records_to_recorders = True
    cdef int64_t[:, ::1] occ           # per target: the occupation numbers
    cdef int64_t[::1] width            # per device row: states used
    cdef uint64_t[::1] gid
    cdef object state_of               # (target gid, multapse) per target row

    def bind(self):
        self.gid = self.gids.astype(np.uint64)

    def initial(self, k, engine):
        """The initial occupation row of device row ``k`` (int64 array)."""
        raise NotImplementedError

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        old = {}
        if self.state_of is not None:
            old = {key: np.asarray(self.occ[i]).copy() for i, key in enumerate(self.state_of)}
        rows, keys = [], []
        self.width = np.zeros(self.n, np.int64)
        for k in range(self.n):
            init = self.initial(k, engine)
            self.width[k] = len(init)
            for j in range(self.tgt_ptr[k], self.tgt_ptr[k + 1]):
                key = (int(self.gids[k]), int(self.tgt_gid[j]), int(self.tgt_dup[j]))
                row = old.get(key)
                rows.append(init if row is None or len(row) != len(init) else row)
                keys.append(key)
        w = max([len(r) for r in rows], default=1)
        occ = np.zeros((max(len(rows), 1), max(w, 1)), np.int64)
        for i, r in enumerate(rows):
            occ[i, :len(r)] = r
        self.occ = occ
        self.state_of = keys

    cdef int64_t step_train(self, Py_ssize_t k, Py_ssize_t j, double t_ms,
                            pnl_stream *s) noexcept nogil:
        """Advance the processes of target ``j`` by one step: its spike count."""
        return 0

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k, j
        cdef long lag
        cdef int64_t step, cnt
        cdef pnl_key key
        cdef pnl_stream s
        for k in range(self.n):
            if self.tgt_end[k] == self.tgt_ptr[k] or not self.running(k):
                continue
            key = pnl_make_key(ctx.seed, PURPOSE_POISSON, self.gid[k])
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                if not self.active(k, step):
                    continue
                for j in range(self.tgt_ptr[k], self.tgt_end[k]):
                    pnl_stream_init(&s, key, <uint64_t>self.tgt_gid[j]
                                    | (<uint64_t>self.tgt_dup[j] << 40) | (<uint64_t>1 << 60),
                                    <uint64_t>step << 8)
                    cnt = self.step_train(k, j, step * ctx.h, &s)
                    if cnt > 0:
                        self.deliver(ctx, k, j, step, cnt)

    cdef bint running(self, Py_ssize_t k) noexcept nogil:
        return True


cdef class GammaSupGenerator(SuperpositionBlock):
    """gamma_sup_generator: the superposition of ``n_proc`` gamma processes of
    integer order ``gamma_shape`` and rate ``rate`` (Hz) per target.

    Each component process walks through ``gamma_shape`` phases and spikes
    when it leaves the last one; per step every phase loses Binomial(occupation,
    p) processes to the next, p = rate gamma_shape h / 1000, as NEST.  At the
    start the processes are spread evenly over the phases (the remainder in
    the last one)."""
    parameters = {"rate": 0.0, "gamma_shape": 1, "n_proc": 1}
    cdef double[::1] p_trans

    def check(self, dict values):
        StimulationBlock.check(self, values)
        if np.any(values["gamma_shape"] < 1):
            raise BadProperty(f"{self.model}: The shape must be larger or equal 1")
        if np.any(values["rate"] < 0.0):
            raise BadProperty(f"{self.model}: The rate must be larger than 0.")
        if np.any(values["n_proc"] < 1):
            raise BadProperty(f"{self.model}: The number of component processes cannot be "
                              "smaller than one")

    def initial(self, k, engine):
        a = self.arrays
        shape, n = int(a["gamma_shape"][k]), int(a["n_proc"][k])
        row = np.full(shape, n // shape, np.int64)
        row[-1] += n - (n // shape) * shape
        return row

    def pre_run(self, engine):
        SuperpositionBlock.pre_run(self, engine)
        a = self.arrays
        self.p_trans = a["rate"] * a["gamma_shape"] * engine.resolution / 1000.0

    cdef bint running(self, Py_ssize_t k) noexcept nogil:
        return self.p_trans[k] > 0.0

    cdef int64_t step_train(self, Py_ssize_t k, Py_ssize_t j, double t_ms,
                            pnl_stream *s) noexcept nogil:
        cdef Py_ssize_t i, w = self.width[k]
        cdef int64_t moved[64]
        cdef int64_t last_moved = 0, m
        cdef int64_t *o = &self.occ[j, 0]
        # all phases draw first, then move (as NEST)
        for i in range(w):
            m = pnl_binomial(s, o[i], self.p_trans[k]) if o[i] > 0 else 0
            if i < 64:
                moved[i] = m
            o[i] -= m
            if i == w - 1:
                last_moved = m
            elif i >= 64:
                o[i + 1] += m          # (beyond the buffer: a phase later is not drawn yet)
        for i in range(min(w - 1, 64)):
            o[i + 1] += moved[i]
        o[0] += last_moved
        return last_moved


cdef class PpdSupGenerator(SuperpositionBlock):
    """ppd_sup_generator: the superposition of ``n_proc`` Poisson processes
    with dead time per target, optionally rate modulated.

    ``rate`` (Hz; 1000/rate > dead_time), ``dead_time`` (ms), ``n_proc``,
    ``frequency`` (Hz) and ``relative_amplitude`` (in [0, 1]) of the
    modulation.  The processes are active or in one of dead_time/h age bins
    of refractoriness.  Per step Binomial(active, hazard) spike, with hazard
    h / (1000/rate - dead_time) (1 + relative_amplitude sin(2 pi frequency t)),
    and enter the dead time; the oldest age bin becomes active again, as NEST.
    Row layout: active, the index of the bin to release, the age bins."""
    parameters = {"rate": 0.0, "dead_time": 0.0, "n_proc": 1, "frequency": 0.0,
                  "relative_amplitude": 0.0}
    non_negative = ("dead_time",)
    cdef double[::1] hazard, omega, rel_amp

    def check(self, dict values):
        StimulationBlock.check(self, values)
        r, d = values["rate"], values["dead_time"]
        with np.errstate(divide="ignore"):
            inv = np.where(r > 0, 1000.0 / np.where(r > 0, r, 1.0), np.inf)
        if np.any(inv <= d):
            raise BadProperty(f"{self.model}: The inverse rate has to be larger than the dead "
                              "time.")
        if np.any(values["n_proc"] < 1):
            raise BadProperty(f"{self.model}: The number of component processes cannot be "
                              "smaller than one")
        amp = values["relative_amplitude"]
        if np.any((amp > 1.0) | (amp < 0.0)):
            raise BadProperty(f"{self.model}: The relative amplitude of the rate modulation "
                              "must be in [0,1].")

    def initial(self, k, engine):
        a = self.arrays
        h = engine.resolution
        bins = int(a["dead_time"][k] / h)
        n = int(a["n_proc"][k])
        occ0 = int(a["rate"][k] / 1000.0 * n * h)
        row = np.zeros(2 + bins, np.int64)
        row[0] = n - occ0 * bins
        row[2:] = occ0
        return row

    def pre_run(self, engine):
        SuperpositionBlock.pre_run(self, engine)
        a = self.arrays
        h = engine.resolution
        with np.errstate(divide="ignore"):
            self.hazard = np.where(a["rate"] > 0, 1.0 / (1000.0 / np.where(
                a["rate"] > 0, a["rate"], 1.0) - a["dead_time"]) * h, 0.0)
        self.omega = 2.0 * M_PI * np.asarray(a["frequency"], np.float64) / 1000.0
        self.rel_amp = np.asarray(a["relative_amplitude"], np.float64).copy()

    cdef bint running(self, Py_ssize_t k) noexcept nogil:
        return self.hazard[k] > 0.0

    cdef int64_t step_train(self, Py_ssize_t k, Py_ssize_t j, double t_ms,
                            pnl_stream *s) noexcept nogil:
        cdef int64_t *o = &self.occ[j, 0]
        cdef int64_t bins = self.width[k] - 2, n_spikes = 0, a
        cdef double hz = self.hazard[k]
        if self.rel_amp[k] > 0.0 and self.omega[k] != 0.0:
            hz = hz * (1.0 + self.rel_amp[k] * sin(self.omega[k] * t_ms))
        if o[0] > 0:
            n_spikes = pnl_binomial(s, o[0], hz)
        if bins > 0:
            a = o[1]
            o[0] += o[2 + a] - n_spikes
            o[2 + a] = n_spikes
            o[1] = (a + 1) % bins
        return n_spikes


cdef class StepRateGenerator(StepCurrentGenerator):
    """step_rate_generator: piecewise constant rate.

    As step_current_generator (``amplitude_times``, ``amplitude_values``,
    ``allow_offgrid_times``), for rate receptors (``rate_connection_delayed``;
    e-prop readouts take their target signal and learning window so): the
    value of step s, times the connection weight, is the receptor's input in
    step s + delay.
    """
    output = "rate"
    recorded = {"rate": "now"}
    recordables = ("rate",)


cdef class InhomogeneousPoissonGenerator(StepCurrentGenerator):
    """inhomogeneous_poisson_generator: Poisson trains of a piecewise
    constant rate.

    ``rate_times`` (ms) and ``rate_values`` (Hz, >= 0) as the times and
    values of step_current_generator (the rate changes in the step that ends
    at each time; ``allow_offgrid_times`` as there).  In every active step
    each target gets an independent count ~ Poisson(rate h / 1000) from the
    stream keyed by (rng_seed, generator, target), as NEST's independent
    trains per target, and the same for any number of ranks.
    """
    parameters = {"rate_times": (), "rate_values": (), "allow_offgrid_times": False}
    internal = {"idx": 0, "amp": 0.0, "now": 0.0}
    recorded = {}
    recordables = ()
    output = "spike"
    times_key = "rate_times"
    values_key = "rate_values"
    label = "Rate"
    cdef uint64_t[::1] gid

    def bind(self):
        StepCurrentGenerator.bind(self)
        self.gid = self.gids.astype(np.uint64)

    def check_values(self, v):
        if np.any(~np.isfinite(v)) or np.any(v < 0.0):
            raise BadProperty(f"{self.model}: rate_values must be finite and >= 0 Hz")

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k, j
        cdef long lag
        cdef int64_t step, p, base, cnt
        cdef double mu
        cdef pnl_key key
        cdef pnl_stream s
        for k in range(self.n):
            key = pnl_make_key(ctx.seed, PURPOSE_INHOMOGENEOUS, self.gid[k])
            p = self.first_due(k, ctx.origin + from_lag)
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                p = self.take_due(k, p, step)
                if self.amp[k] <= 0.0 or not self.active(k, step):
                    continue
                mu = self.amp[k] * (ctx.h * 1e-3)      # rate in Hz, h in ms
                base = step % ctx.ring_len
                for j in range(self.tgt_ptr[k], self.tgt_end[k]):
                    pnl_stream_init(&s, key, <uint64_t>self.tgt_gid[j]
                                    | (<uint64_t>self.tgt_dup[j] << 40), <uint64_t>step << 8)
                    cnt = pnl_poisson(&s, mu)
                    if cnt > 0:
                        self.add_to_target(ctx, j, base, self.tgt_w[j], <double>cnt)
            self.idx[k] = p - self.at_ptr[k]


cdef class PulsepacketGenerator(SpikeGenerator):
    """pulsepacket_generator -- Gaussian pulse packets.

    Around each time of ``pulse_times`` (ms) it fires ``activity`` spikes at
    times drawn from a normal distribution with mean the pulse time and
    standard deviation ``sdev`` (ms); every target receives the same spikes
    (a step's spikes as one spike of that multiplicity), and a
    spike_recorder records them.  NEST's timing: a drawn time x falls into
    step s = ceil(round(x / tic) / tics_per_step) and the spike is stamped
    s + 1; a pulse is drawn in the first min-delay slice whose start T
    satisfies pulse time - T <= 10 sdev (1 ms if sdev = 0), and its spikes
    in steps before T are dropped; spikes outside the activity window
    (origin + start, origin + stop] are not sent.

    Random numbers: the times of pulse i come from the Philox stream keyed
    by (rng_seed, generator) at counter i, so they are the same for any
    number of ranks and however the simulation is split into Simulate calls.
    """
    __doc__ = __doc__
    parameters = {"pulse_times": (), "activity": 0, "sdev": 0.0}
    internal = {"position": 0}

    def sends_precise(self):
        return False

    def set(self, dict updates, idx, engine=None):
        for name, what in (("activity", "activity"), ("sdev", "standard deviation")):
            if name in updates and np.any(np.asarray(updates[name]) < 0):
                raise BadProperty(f"{self.model}: The {what} cannot be negative.")
        if "pulse_times" in updates:
            updates = dict(updates)
            updates["pulse_times"] = [np.sort(np.asarray(t, np.float64).ravel())
                                      for t in updates["pulse_times"]]
        StimulationBlock.set(self, updates, idx, engine)
        for i in np.asarray(idx, np.int64):
            self.arrays["position"][i] = 0

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        tpm, tps = int(round(engine.tics_per_ms)), int(engine.tics_per_step)
        md = int(engine.min_delay)
        ptr = [0]; stamps = []; mult = []
        for i in range(self.n):
            pulses = np.asarray(self.arrays["pulse_times"][i], np.float64)
            a = int(self.arrays["activity"][i])
            sdev = float(self.arrays["sdev"][i])
            tol = sdev * 10.0 if sdev > 0.0 else 1.0
            steps = []
            for p, centre in enumerate(pulses):
                x = sdev * _normals(engine.rng_seed, int(self.gids[i]), p, a) + centre
                step = _ms_steps(x, tpm, tps)
                # the slice that draws the pulse: the first whose start T has
                # the (grid) pulse time within the tolerance
                c = _ms_steps(np.array([centre]), tpm, tps)[0] * engine.resolution
                first = max(0, int(math.ceil((c - tol) / (md * engine.resolution) - 1e-9)))
                steps.append(step[step >= first * md])
            st = np.sort(np.concatenate(steps)) if steps else np.empty(0, np.int64)
            u, m = np.unique(st, return_counts=True)
            stamps.append(u + 1)
            mult.append(m.astype(np.int64))
            ptr.append(ptr[len(ptr) - 1] + len(u))
        self.st_ptr = np.asarray(ptr, np.int64)
        self.stamps = np.concatenate(stamps).astype(np.int64) if stamps else np.empty(0, np.int64)
        self.mult = np.concatenate(mult) if mult else np.empty(0, np.int64)
        self.sw = np.full(len(self.stamps), np.nan)
        self.soff = np.zeros(len(self.stamps))
        self.precise = False
        # (the update skips spikes stamped before the slice it runs)
        self.arrays["position"][:] = 0

def _ms_steps(x, tpm, tps):
    """NEST's Time(Time::ms(x)).get_steps(): tics rounded half up (toward
    zero for negatives), then up to a whole step."""
    tics = np.trunc(np.asarray(x, np.float64) * tpm + 0.5).astype(np.int64)
    return -((-tics) // tps)


def _normals(uint64_t seed, uint64_t gid, uint64_t pulse, int64_t n):
    """``n`` standard normal draws of pulse ``pulse`` of generator ``gid``."""
    out = np.empty(n, np.float64)
    cdef double[::1] v = out
    cdef pnl_stream s
    cdef int64_t i
    pnl_stream_init(&s, pnl_make_key(seed, PURPOSE_PULSEPACKET, gid), pulse, 0)
    for i in range(n):
        v[i] = pnl_normal(&s)
    return out


cdef class SpikeTrainInjector(NodeBlock):
    """spike_train_injector -- a neuron that fires prescribed spikes.

    The spike train is given as a spike_generator's (``spike_times``,
    ``spike_multiplicities``, ``precise_times``, ``allow_offgrid_times``,
    ``shift_now_spikes``, ``origin``, ``start``, ``stop``: the same rules,
    :func:`spike_train_updates`), but the node is a neuron: it lives on one
    rank, its spikes go through the spike exchange to synapses of any model
    (plastic ones included), and recorders record it as a neuron.  A spike at
    time t leaves at the end of the step ending at t (stamp t; with
    ``precise_times`` at its exact time within that step).  Receives
    nothing.
    """
    __doc__ = __doc__
    parameters = {"spike_times": (), "spike_multiplicities": (),
                  "allow_offgrid_times": False, "shift_now_spikes": False,
                  "precise_times": False, "origin": 0.0, "start": 0.0, "stop": INFINITY}
    internal = {"position": 0}
    grid_times = ("origin", "start", "stop")
    precise_output = True
    cdef int64_t[::1] st_ptr, stamps, mult, position, gid, t_min, t_max
    cdef double[::1] sw, soff
    cdef bint precise

    @classmethod
    def all_defaults(cls):
        d = dict(cls.parameters)
        d.update(cls.internal)
        return d

    @classmethod
    def public_names(cls):
        return tuple(cls.parameters)

    def bind(self):
        self.position = self.arrays["position"]
        self.gid = self.gids

    def check(self, dict values):
        NodeBlock.check(self, values)
        check_window(self, values)

    def sends_precise(self):
        return self.n > 0 and bool(np.any(self.arrays["precise_times"]))

    def set(self, dict updates, idx, engine=None):
        updates = spike_train_updates(self, updates, idx, engine)
        NodeBlock.set(self, updates, idx, engine)
        for i in np.asarray(idx, np.int64):
            self.arrays["position"][i] = 0

    def pre_run(self, engine):
        self.t_min, self.t_max = activity_window(self, engine)
        self.st_ptr, self.stamps, self.sw, self.mult, self.soff = spike_train_arrays(self, engine)
        self.precise = self.sends_precise()

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k
        cdef int64_t tstart = ctx.origin + from_lag, tstop = ctx.origin + to_lag, stamp, p
        for k in range(self.n):
            p = self.st_ptr[k] + self.position[k]
            while p < self.st_ptr[k + 1]:
                stamp = self.stamps[p]
                if stamp <= tstart:
                    p += 1
                    continue
                if stamp > tstop:
                    break
                if self.t_min[k] < stamp <= self.t_max[k]:
                    if self.precise:
                        pnl_register_push_off(ctx.reg, self.gid[k], <int>(stamp - 1 - ctx.origin),
                                              self.mult[p], self.soff[p])
                    else:
                        pnl_register_push(ctx.reg, self.gid[k], <int>(stamp - 1 - ctx.origin),
                                          self.mult[p])
                p += 1
            self.position[k] = p - self.st_ptr[k]


cdef class MipGenerator(StimulationBlock):
    """mip_generator: correlated Poisson trains by multiple interaction
    (Kuhn et al. 2003).  A parent Poisson process of ``rate`` (Hz) is drawn
    once per generator and step; each target receives each parent spike
    independently with probability ``p_copy`` (NEST's semantics: children
    are Poisson of rate p_copy rate with pairwise correlation p_copy).

    Draws: the parent count of a step from the stream keyed by (rng_seed,
    PURPOSE_POISSON, generator) at counter (2^62, step); the copies from the
    same key at counter (target | multapse << 40, step) -- the generator's
    own node id keeps them apart from any poisson_generator's -- so the
    trains do not depend on the number of ranks.
    """
    parameters = {"rate": 0.0, "p_copy": 1.0}
    records_to_recorders = True
    non_negative = ("rate",)
    cdef double[::1] rate, p_copy
    cdef uint64_t[::1] gid

    def check(self, dict values):
        StimulationBlock.check(self, values)
        p = values["p_copy"]
        if np.any((p < 0.0) | (p > 1.0)):
            raise BadProperty(f"{self.model}: p_copy must be in [0, 1], got "
                              f"{plain(np.asarray(p)[(p < 0) | (p > 1)][0])}")

    def bind(self):
        self.rate = self.arrays["rate"]
        self.p_copy = self.arrays["p_copy"]
        self.gid = self.gids.astype(np.uint64)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k
        cdef int64_t step, parent
        cdef double mu
        cdef pnl_key key
        cdef pnl_stream s
        for k in range(self.n):
            if self.rate[k] <= 0.0:
                continue
            mu = self.rate[k] * ctx.h * 1e-3
            key = pnl_make_key(ctx.seed, PURPOSE_POISSON, self.gid[k])
            for step in range(ctx.origin + from_lag, ctx.origin + to_lag):
                if not self.active(k, step):
                    continue
                pnl_stream_init(&s, key, <uint64_t>1 << 62, <uint64_t>step << 8)
                parent = pnl_poisson(&s, mu)
                if parent > 0:
                    self.send_copies(ctx, k, step, parent, self.p_copy[k], key)


cdef class SpikeDilutor(StimulationBlock):
    """spike_dilutor -- repeats each incoming spike to each target with
    probability ``p_copy``.

    Semantics
    ---------
    The spikes of the *mother process* are the spikes of the neurons
    connected to the dilutor (weights ignored, a spike of multiplicity m
    counts m times), each arriving at its emission step plus the delay of its
    connection.  In each step in which n > 0 mother spikes arrive, every
    target of the dilutor independently receives c ~ Binomial(n, p_copy)
    copies (one event of multiplicity c, nothing if c = 0), stamped with that
    step and arriving after the delay of the dilutor's connection to it.
    With p_copy = 1 the dilutor repeats the mother process to every target
    (total latency: input delay plus output delay); each child train is a
    p_copy-thinning of it, and two children share a mother spike with
    probability p_copy^2.

    Activity window: as NEST's spike_dilutor, the device is active for a
    whole min_delay slice when the slice's first step T satisfies
    ``origin + start < T <= origin + stop`` (steps); mother spikes arriving
    in an inactive slice are dropped.  (NEST leaves them in its ring buffer,
    where they reappear min_delay + max_delay steps later and are repeated
    then if the device has become active; pynestlite does not replay them.)

    Parameters
    ----------
        ``p_copy``   1.0   copy probability, in [0, 1]
        ``origin``, ``start``, ``stop`` (ms): the activity window above.

    Distribution and draws
    ----------------------
    The dilutor is replicated on every rank, like every stimulation device,
    and sends only to its local targets.  Every rank holds all of its
    incoming connections (the kernel's detector table, as for
    correlation_detector) and counts the exchanged spikes of all ranks into
    a ring buffer of its own (``DetectorTable.configure_live``), so every
    rank sees the whole mother process -- NEST's dilutor sees only the
    spikes of the local sources.  The copies for target j at step t come
    from the stream keyed by (rng_seed, PURPOSE_POISSON, dilutor gid) at
    counter (target gid | multapse << 40, t): one uniform per mother spike,
    a copy where it is below p_copy.  The children therefore do not depend
    on the number of ranks (NEST's do, and differ from these).

    Receives spikes from neurons (receptor 0, static synapse models); a
    device cannot feed it (connect the device to a parrot_neuron and the
    parrot to the dilutor).  Sends spikes (to neurons and spike_recorders).
    NEST deprecates the model in favour of ``bernoulli_synapse``.

    Not yet: ``save_state`` (the mother spikes in flight live outside the
    node arrays; it refuses a network with a dilutor), Disconnect of its
    input connections.

    See also: mip_generator, parrot_neuron, bernoulli_synapse.
    """
    __doc__ = __doc__
    parameters = {"p_copy": 1.0}
    records_to_recorders = True
    checkpointable = False
    # incoming connections go to the detector table, receptor 0 only
    receives_ports = True
    live_input = True
    cdef double[::1] p_copy
    cdef uint64_t[::1] gid
    cdef int64_t[::1] col            # per dilutor: its column of ring (-1: no input)
    cdef double[:, ::1] ring         # mother spikes by arrival step (the kernel's)

    def check(self, dict values):
        StimulationBlock.check(self, values)
        p = np.asarray(values["p_copy"], np.float64)
        bad = ~((p >= 0.0) & (p <= 1.0))
        if np.any(bad):
            raise BadProperty(f"{self.model}: copy probability p_copy must be in [0, 1], "
                              f"got {plain(np.atleast_1d(p)[np.atleast_1d(bad)][0])}")

    def bind(self):
        self.p_copy = self.arrays["p_copy"]
        self.gid = self.gids.astype(np.uint64)

    def check_ports(self, rows, ports):
        """UnknownReceptorType for any receptor but 0 (as NEST)."""
        from pynestlite.errors import UnknownReceptorType
        ports = np.atleast_1d(ports)
        if np.any(ports != 0):
            raise UnknownReceptorType(
                f"Receptor type {int(ports[ports != 0][0])} is not available in "
                f"{self.model} (node {int(self.gids[int(np.atleast_1d(rows)[0])])}); "
                "it has receptor 0 only")

    def pre_run(self, engine):
        StimulationBlock.pre_run(self, engine)
        ring, gids = engine.live_input_ring()
        self.ring = ring
        pos = np.minimum(np.searchsorted(gids, self.gids), max(len(gids) - 1, 0))
        hit = (np.asarray(gids)[pos] == self.gids) if len(gids) else \
            np.zeros(self.n, bool)
        self.col = np.where(hit, pos, -1).astype(np.int64)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t k
        cdef long lag
        cdef int64_t step, n_mother, slot, L
        cdef bint on
        cdef pnl_key key
        if self.ring.shape[1] == 0:
            return
        L = self.ring.shape[0]
        for k in range(self.n):
            if self.col[k] < 0:
                continue
            # NEST: the window is tested at the slice's first step
            on = self.active(k, ctx.origin)
            key = pnl_make_key(ctx.seed, PURPOSE_POISSON, self.gid[k])
            for lag in range(from_lag, to_lag):
                step = ctx.origin + lag
                slot = step % L
                n_mother = <int64_t>(self.ring[slot, self.col[k]] + 0.5)
                self.ring[slot, self.col[k]] = 0.0
                if on and n_mother > 0:
                    self.send_copies(ctx, k, step, n_mother, self.p_copy[k], key)


MODELS = {"poisson_generator": PoissonGenerator, "poisson_generator_ps": PoissonGeneratorPs,
          "spike_train_injector": SpikeTrainInjector,
          "pulsepacket_generator": PulsepacketGenerator,
          "spike_generator": SpikeGenerator,
          "dc_generator": DcGenerator, "noise_generator": NoiseGenerator,
          "step_current_generator": StepCurrentGenerator, "ac_generator": AcGenerator,
          "sinusoidal_poisson_generator": SinusoidalPoissonGenerator,
          "sinusoidal_gamma_generator": SinusoidalGammaGenerator,
          "gamma_sup_generator": GammaSupGenerator, "ppd_sup_generator": PpdSupGenerator,
          "step_rate_generator": StepRateGenerator,
          "inhomogeneous_poisson_generator": InhomogeneousPoissonGenerator,
          "mip_generator": MipGenerator, "spike_dilutor": SpikeDilutor}
