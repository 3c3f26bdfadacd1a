# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Recording devices: spike_recorder, multimeter, voltmeter.

Recorders are replicated on every rank and record only local nodes, as in
NEST.  Events are kept in memory as growing lists of numpy chunks and handed
to the recording back end (``pynestlite.recording``) chosen by ``record_to``
(``memory``, ``ascii`` or ``hdf5``).

spike_recorder
    Connect neurons -> recorder.  Events ``senders`` and ``times`` (ms,
    the step end at which the spike was emitted).  Within a run, events are
    in time order, and by sender within a step.
multimeter
    Connect multimeter -> neurons.  ``record_from`` (list of recordables),
    ``interval`` (ms, default 1.0, a multiple of the resolution), ``offset``.
    Samples are taken after the update of step s and stamped (s+1) h, at
    stamps that are multiples of ``interval`` (shifted by ``offset``), as
    NEST's data logger does.  Events ``senders``, ``times`` and one array per
    recorded variable.  A device whose recordables are all plain state
    arrays of its targets (``NodeBlock.recordable_array``) copies them from
    their addresses into one buffer per step (``FastSampler``); the others
    ask each target block (``sample``), with the same events.
voltmeter
    A multimeter with ``record_from = ["V_m"]``.
weight_recorder
    Set as the ``weight_recorder`` of a plastic synapse model (``CopyModel``
    or ``SetDefaults``); records every spike transmission of that model's
    synapses: events ``senders``, ``targets``, ``times`` (the presynaptic
    spike's time), ``weights`` (the weight sent with it, after the rule's
    update), ``receptors`` and ``ports`` (the synapse's index in its
    table).  ``senders`` / ``targets`` parameters (lists of node ids; empty:
    all) restrict what is recorded.

Common parameters: ``origin``, ``start``, ``stop`` (ms): events with stamps
``origin + start < t <= origin + stop`` are recorded; ``record_to``,
``label``, ``n_events`` (read; set 0 to clear), ``time_in_steps``.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport INFINITY

from libc.stdint cimport int64_t, uint16_t, INT64_MAX
from libc.stdlib cimport calloc, realloc, free
from libc.string cimport memcpy
from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, key_gid, key_lag, SIGNAL_ALL, SIGNAL_BINARY)
from pynestlite.errors import BadProperty

cnp.import_array()


cdef class RecordingBlock(NodeBlock):
    element_type = "recorder"
    device_parameters = {"origin": 0.0, "start": 0.0, "stop": INFINITY,
                         "record_to": "memory", "label": "", "time_in_steps": False,
                         "file_extension": "dat", "precision": 3}
    # settable always, reported only where record_to is 'ascii' (as NEST's
    # status shows the keys of the chosen back end)
    ascii_keys = ("file_extension", "precision", "filenames")
    grid_times = ("origin", "start", "stop")
    cdef public list chunks
    cdef public object backends
    cdef public object t_lim

    def __init__(self, model, gids, first_gid, last_gid, defaults):
        self.chunks = [[] for _ in range(len(gids))]
        self.backends = [None] * len(gids)
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)

    @classmethod
    def all_defaults(cls):
        d = dict(cls.device_parameters)
        d.update(NodeBlock.all_defaults.__func__(cls))
        d["n_events"] = 0       # read: events recorded; set 0 to clear
        return d

    @classmethod
    def public_names(cls):
        return tuple(cls.device_parameters) + tuple(cls.parameters) + tuple(cls.state) + ("n_events",)

    def get(self, str name, idx):
        if name == "n_events":
            return np.array([self.n_events(i) for i in idx], dtype=np.int64)
        return NodeBlock.get(self, name, idx)

    def set(self, dict updates, idx, engine=None):
        updates = dict(updates)
        clear = False
        if "n_events" in updates:
            v = np.asarray(updates.pop("n_events")).ravel()
            if np.any(v != 0):
                raise BadProperty(f"{self.model}: n_events can only be set to 0 (to clear events)")
            clear = True
        if "record_to" in updates:
            for v in np.atleast_1d(np.asarray(updates["record_to"], dtype=object)):
                if v not in ("memory", "ascii", "hdf5", "screen"):
                    raise BadProperty(
                        f"{self.model}: record_to must be one of 'memory', 'ascii', "
                        f"'hdf5', 'screen', got {v!r}")
        if "precision" in updates:
            for v in np.atleast_1d(np.asarray(updates["precision"])):
                if not float(v).is_integer() or v < 0:
                    raise BadProperty(f"{self.model}: precision must be a non-negative "
                                      f"integer (decimals of the ascii times), got {v!r}")
        if "time_in_steps" in updates:
            from pynestlite.engine import kernel
            new_v = np.broadcast_to(np.asarray(updates["time_in_steps"], bool), (len(idx),))
            old_v = np.asarray(self.arrays["time_in_steps"], bool)[np.asarray(idx, np.int64)]
            # (setting the value it has is not an error, as NEST)
            if kernel.simulated and np.any(new_v != old_v):
                raise BadProperty(f"{self.model}: property time_in_steps cannot be set after "
                                  "Simulate has been called")
        if "file_extension" in updates:
            for v in np.atleast_1d(np.asarray(updates["file_extension"], dtype=object)):
                if not isinstance(v, str):
                    raise BadProperty(f"{self.model}: file_extension must be a string, "
                                      f"got {v!r}")
        if updates:
            NodeBlock.set(self, updates, idx, engine)
        if clear:               # only once every other value was accepted
            for i in idx:
                self.chunks[i] = []

    def n_events(self, i):
        return int(sum(len(c[0]) for c in self.chunks[i]))

    def pre_run(self, engine):
        a = self.arrays
        t_min = engine.ms_to_steps_exact(a["origin"] + a["start"], "start")
        stop = a["origin"] + a["stop"]
        t_max = np.where(np.isinf(stop), np.iinfo(np.int64).max // 4,
                         engine.ms_to_steps_exact(np.where(np.isinf(stop), 0.0, stop), "stop"))
        self.t_lim = (np.ascontiguousarray(t_min, np.int64), np.ascontiguousarray(t_max, np.int64))

    def store(self, i, columns, engine):
        """Append one chunk of events (tuple of arrays: senders, stamps, values...)."""
        if len(columns[0]) == 0:
            return
        self.chunks[i].append(columns)
        if self.backends[i] is not None:
            self.backends[i].write(columns, engine)

    def columns(self):
        return ("senders", "times")

    def columns_of(self, i):
        """Names of the event columns of device row ``i``."""
        return self.columns()

    def events(self, i, engine):
        """The events dict of device row ``i`` (NEST's ``events``)."""
        names = self.columns_of(i)
        ch = self.chunks[i]
        out = {}
        for j, name in enumerate(names):
            if ch:
                out[name] = np.concatenate([c[j] for c in ch])
            else:
                out[name] = np.empty(0, np.int64 if j < 2 else np.float64)
        stamps = out["times"]
        # continuous spike times (hardware target): chunks carry offsets,
        # time = stamp * h - offset as NEST's precise spike times
        offsets = None
        if any(len(c) > len(names) for c in ch):
            offsets = np.concatenate([c[len(names)] if len(c) > len(names)
                                      else np.zeros(len(c[0])) for c in ch])
        if self.arrays["time_in_steps"][i]:
            out["times"] = stamps.astype(np.int64)
            if isinstance(self, SpikeRecorder):
                out["offsets"] = offsets if offsets is not None else np.zeros(len(stamps))
        else:
            out["times"] = engine.steps_to_ms(stamps)
            if offsets is not None:
                out["times"] = out["times"] - offsets
        return out


cdef class SpikeRecorder(RecordingBlock):
    receives_signal = SIGNAL_ALL
    cdef public list sources        # per device at Prepare: uint16 connections per gid
    # record phase (C): per device its source counts and a growing event buffer
    cdef uint16_t **mask
    cdef int64_t *mask_len
    cdef int64_t *lim_lo
    cdef int64_t *lim_hi
    cdef int64_t **ev_gid
    cdef int64_t **ev_stamp
    cdef double **ev_off            # offsets (precise spikes; NULL until the first)
    cdef int64_t *ev_n
    cdef int64_t *ev_cap
    cdef int64_t n_dev
    cdef public int failed

    def __init__(self, model, gids, first_gid, last_gid, defaults):
        self.sources = [np.zeros(0, np.uint16) for _ in range(len(gids))]
        RecordingBlock.__init__(self, model, gids, first_gid, last_gid, defaults)

    def __dealloc__(self):
        self._free()

    cdef void _free(self):
        cdef int64_t i
        for i in range(self.n_dev):
            free(self.ev_gid[i])
            free(self.ev_stamp[i])
            free(self.ev_off[i])
        free(self.mask); free(self.mask_len); free(self.lim_lo); free(self.lim_hi)
        free(self.ev_gid); free(self.ev_stamp); free(self.ev_off); free(self.ev_n)
        free(self.ev_cap)
        self.mask = NULL; self.mask_len = NULL; self.lim_lo = NULL; self.lim_hi = NULL
        self.ev_gid = NULL; self.ev_stamp = NULL; self.ev_off = NULL; self.ev_n = NULL
        self.ev_cap = NULL
        self.n_dev = 0

    def pre_run(self, engine):
        RecordingBlock.pre_run(self, engine)
        # the sources of each device from the recording connections (a source
        # connected k times records each spike k times)
        for dev in range(self.n):
            src = engine.recording_sources(self.gids[dev])
            top = int(src.max()) + 1 if len(src) else 0
            self.sources[dev] = np.bincount(src, minlength=top).astype(np.uint16)
        self.flush(engine)
        self._free()
        cdef int64_t n = self.n, i
        cdef uint16_t[::1] mv
        self.mask = <uint16_t **>calloc(max(n, 1), sizeof(uint16_t *))
        self.mask_len = <int64_t *>calloc(max(n, 1), sizeof(int64_t))
        self.lim_lo = <int64_t *>calloc(max(n, 1), sizeof(int64_t))
        self.lim_hi = <int64_t *>calloc(max(n, 1), sizeof(int64_t))
        self.ev_gid = <int64_t **>calloc(max(n, 1), sizeof(int64_t *))
        self.ev_stamp = <int64_t **>calloc(max(n, 1), sizeof(int64_t *))
        self.ev_off = <double **>calloc(max(n, 1), sizeof(double *))
        self.ev_n = <int64_t *>calloc(max(n, 1), sizeof(int64_t))
        self.ev_cap = <int64_t *>calloc(max(n, 1), sizeof(int64_t))
        if (self.mask == NULL or self.mask_len == NULL or self.lim_lo == NULL
                or self.lim_hi == NULL or self.ev_gid == NULL or self.ev_stamp == NULL
                or self.ev_off == NULL or self.ev_n == NULL or self.ev_cap == NULL):
            self._free()
            from pynestlite.errors import KernelMemoryError
            raise KernelMemoryError(f"{self.model}: the event buffers could not be allocated")
        self.n_dev = n
        self.failed = 0
        t_min, t_max = self.t_lim
        for i in range(n):
            mv = self.sources[i]        # kept alive by ``sources`` until the next Prepare
            self.mask_len[i] = mv.shape[0]
            if mv.shape[0]:
                self.mask[i] = &mv[0]
            self.lim_lo[i] = t_min[i]
            self.lim_hi[i] = t_max[i]

    cdef void record(self, SliceContext *ctx, const int64_t *keys, int64_t n) noexcept nogil:
        cdef int64_t d, s, g, stamp, m, c, cap
        cdef int64_t *pg
        cdef int64_t *ps
        cdef double *po
        for d in range(self.n_dev):
            if self.mask_len[d] == 0:
                continue
            for s in range(n):
                g = key_gid(keys[s])
                if g >= self.mask_len[d]:
                    continue
                m = self.mask[d][g]
                if m == 0:
                    continue
                stamp = ctx.origin + key_lag(keys[s]) + 1
                if stamp <= self.lim_lo[d] or stamp > self.lim_hi[d]:
                    continue
                if self.ev_n[d] + m > self.ev_cap[d]:
                    cap = max(2 * self.ev_cap[d], self.ev_n[d] + m, 256)
                    pg = <int64_t *>realloc(self.ev_gid[d], cap * sizeof(int64_t))
                    if pg == NULL:
                        self.failed = 1
                        return
                    self.ev_gid[d] = pg
                    ps = <int64_t *>realloc(self.ev_stamp[d], cap * sizeof(int64_t))
                    if ps == NULL:
                        self.failed = 1
                        return
                    self.ev_stamp[d] = ps
                    if self.ev_off[d] != NULL:
                        po = <double *>realloc(self.ev_off[d], cap * sizeof(double))
                        if po == NULL:
                            self.failed = 1
                            return
                        self.ev_off[d] = po
                    self.ev_cap[d] = cap
                if ctx.loff != NULL and self.ev_off[d] == NULL:
                    # the first precise spike: earlier events lie on the grid
                    self.ev_off[d] = <double *>calloc(max(self.ev_cap[d], 1), sizeof(double))
                    if self.ev_off[d] == NULL:
                        self.failed = 1
                        return
                for c in range(m):
                    self.ev_gid[d][self.ev_n[d]] = g
                    self.ev_stamp[d][self.ev_n[d]] = stamp
                    if self.ev_off[d] != NULL:
                        self.ev_off[d][self.ev_n[d]] = ctx.loff[s] if ctx.loff != NULL else 0.0
                    self.ev_n[d] += 1

    def flush(self, engine):
        """Hand the events of the record phase to the devices' event stores."""
        cdef int64_t d, n
        cdef int64_t[::1] gv, sv
        if self.failed:
            from pynestlite.errors import KernelMemoryError
            raise KernelMemoryError(f"{self.model}: the event buffer could not grow")
        for d in range(self.n_dev):
            n = self.ev_n[d]
            if n == 0:
                continue
            g = np.empty(n, np.int64)
            st = np.empty(n, np.int64)
            gv = g
            sv = st
            memcpy(&gv[0], self.ev_gid[d], n * sizeof(int64_t))
            memcpy(&sv[0], self.ev_stamp[d], n * sizeof(int64_t))
            self.ev_n[d] = 0
            if self.ev_off[d] != NULL:
                off = np.array(<double[:n]>self.ev_off[d], copy=True)
                free(self.ev_off[d])
                self.ev_off[d] = NULL
                self.store(d, (g, st, off), engine)
            else:
                self.store(d, (g, st), engine)

    def record_precise(self, gids, times, engine):
        """Record spikes at continuous times (ms; time order): each is stamped
        with the step it falls in, ``(stamp - 1) h < t <= stamp h``, and keeps
        its offset ``stamp h - t``."""
        gids = np.asarray(gids, np.int64)
        times = np.asarray(times, np.float64)
        stamps = np.ceil(times / engine.resolution - 1e-9).astype(np.int64)
        offsets = np.maximum(engine.steps_to_ms(stamps) - times, 0.0)
        self.record_spikes(gids, stamps, engine, offsets)

    def record_row(self, row, gids, stamps, engine, offsets=None):
        """Record spikes (canonical order) for device row ``row`` alone (a
        train a Poisson generator sent to this recorder), inside its window."""
        t_min, t_max = self.t_lim
        sel = (stamps > t_min[row]) & (stamps <= t_max[row])
        if np.any(sel):
            cols = (np.asarray(gids)[sel], np.asarray(stamps)[sel])
            if offsets is not None:
                cols += (np.asarray(offsets)[sel],)
            self.store(row, cols, engine)

    def listens_to(self, gids):
        """Boolean mask over ``gids``: which of them some row of this
        recorder records from."""
        gids = np.asarray(gids, np.int64)
        heard = np.zeros(len(gids), bool)
        for m in self.sources:
            if len(m):
                inside = gids < len(m)
                heard[inside] |= np.asarray(m)[gids[inside]] > 0
        return heard

    def record_spikes(self, gids, stamps, engine, offsets=None):
        """Record spikes given as arrays (gid, stamp in canonical order); used
        for spikes that do not pass the record phase (spike_generator)."""
        t_min, t_max = self.t_lim
        for i in range(self.n):
            m = self.sources[i]
            if len(m) == 0:
                continue
            inside = gids < len(m)
            mult = np.zeros(len(gids), np.int64)
            mult[inside] = m[gids[inside]]
            mult[(stamps <= t_min[i]) | (stamps > t_max[i])] = 0
            if np.any(mult):
                sel = mult > 0
                cols = (np.repeat(gids[sel], mult[sel]), np.repeat(stamps[sel], mult[sel]))
                if offsets is not None:
                    cols += (np.repeat(offsets[sel], mult[sel]),)
                self.store(i, cols, engine)


cdef class FastSampler:
    """The samples of one multimeter whose recordables are all plain arrays
    (``NodeBlock.recordable_array``): each sample copies the values from
    their addresses (fixed during a run) into a growing (samples, columns)
    buffer, columns name by name, targets in plan order, as the general
    path orders them."""
    cdef public object senders      # gids of one sample (plan order)
    cdef public int64_t n_names
    cdef cnp.uint64_t[::1] src      # address of each column's value
    cdef cnp.uint64_t[::1] el       # address of its E_L (relative names) or 0
    cdef double[:, ::1] buf
    cdef int64_t[::1] stamps
    cdef public int64_t n

    def __init__(self, senders, int64_t n_names, src, el):
        self.senders = senders
        self.n_names = n_names
        self.src = src
        self.el = el
        self.buf = np.empty((64, len(src)))
        self.stamps = np.empty(64, np.int64)
        self.n = 0

    cdef int take(self, int64_t stamp) except -1:
        cdef Py_ssize_t c, m = self.src.shape[0]
        cdef double v
        if self.n == self.stamps.shape[0]:
            self._grow()
        for c in range(m):
            v = (<double *><size_t>self.src[c])[0]
            if self.el[c] != 0:
                v += (<double *><size_t>self.el[c])[0]
            self.buf[self.n, c] = v
        self.stamps[self.n] = stamp
        self.n += 1
        return 0

    def pop(self, int64_t limit):
        """The held samples with stamps <= ``limit`` as one chunk of events
        (senders, stamps, one array per name), removed from the buffer;
        None if there are none."""
        cdef int64_t k = 0, ns = len(self.senders)
        while k < self.n and self.stamps[k] <= limit:
            k += 1
        if k == 0:
            return None
        buf = np.asarray(self.buf)
        cols = [np.tile(self.senders, k), np.repeat(np.asarray(self.stamps)[:k], ns)]
        for j in range(self.n_names):
            cols.append(buf[:k, j * ns:(j + 1) * ns].flatten())     # a copy
        rest = self.n - k
        buf[:rest] = buf[k:self.n].copy()
        st = np.asarray(self.stamps)
        st[:rest] = st[k:self.n].copy()
        self.n = rest
        return tuple(cols)

    def same_columns(self, FastSampler other):
        return (self.n_names == other.n_names and self.src.shape[0] == other.src.shape[0]
                and np.array_equal(self.senders, other.senders))

    def adopt(self, FastSampler other):
        """Take over the samples ``other`` holds (same columns)."""
        cdef int64_t k
        for k in range(other.n):
            if self.n == self.stamps.shape[0]:
                self._grow()
            self.buf[self.n, :] = other.buf[k, :]
            self.stamps[self.n] = other.stamps[k]
            self.n += 1
        other.n = 0

    def _grow(self):
        cdef Py_ssize_t m = self.src.shape[0]
        buf = np.empty((2 * self.n, m))
        buf[:self.n] = self.buf
        stamps = np.empty(2 * self.n, np.int64)
        stamps[:self.n] = self.stamps
        self.buf = buf
        self.stamps = stamps

    def split(self):
        """All held samples, one chunk each (for the general path)."""
        out = []
        while self.n:
            out.append(self.pop(self.stamps[0]))
        return out


cdef class Multimeter(RecordingBlock):
    """Samples of the targets' recordables every ``interval`` ms.

    Timing as NEST's: the samples taken in a min_delay slice reach the
    device when the next slice begins (NEST's multimeter asks its targets
    for their data at the start of each slice and receives the previous
    slice's).  After ``Simulate(T)`` the events therefore end at the start of
    the last slice run (T - min_delay when T is a multiple of min_delay); the
    rest follows with the next ``Simulate``.
    """
    sends_signal = SIGNAL_ALL
    parameters = {"record_from": (), "interval": 1.0, "offset": 0.0}
    internal = {"next_rec": -1}
    strictly_positive = ("interval",)
    non_negative = ("offset",)
    grid_times = ("origin", "start", "stop", "interval", "offset")
    cdef public list plan           # per device: list of (block, rows, gids) of its targets
    cdef public object interval_steps
    cdef public list held           # per device: samples not yet handed over (chunks)
    cdef public list fast           # per device: its FastSampler, or None
    cdef public bint fast_planned
    cdef int64_t[::1] iv, t_min, t_max   # this run's intervals and [start, stop) in steps
    cdef int64_t[::1] next_rec

    def __init__(self, model, gids, first_gid, last_gid, defaults):
        self.plan = [[] for _ in range(len(gids))]
        self.held = [[] for _ in range(len(gids))]
        self.fast = [None] * len(gids)
        RecordingBlock.__init__(self, model, gids, first_gid, last_gid, defaults)

    def hand_over(self, int64_t limit, engine):
        """Store the held samples with stamps <= ``limit`` (the first step of
        the last slice run): those of the slices before it."""
        for i in range(self.n):
            if self.fast[i] is not None:
                chunk = self.fast[i].pop(limit)
                if chunk is not None:
                    self.store(i, chunk, engine)
                continue
            held = self.held[i]
            k = 0
            while k < len(held) and held[k][1][0] <= limit:
                self.store(i, held[k], engine)
                k += 1
            if k:
                del held[:k]

    def set(self, dict updates, idx, engine=None):
        if "offset" in updates and engine is not None:
            for i in np.asarray(idx, np.int64):
                if len(engine.recording_targets(self.gids[i])):
                    raise BadProperty(f"{self.model}: offset cannot be changed after the "
                                      "multimeter has been connected")
        if "record_from" in updates:
            updates = dict(updates)
            updates["record_from"] = [tuple(v) if not isinstance(v, str) else (v,)
                                      for v in updates["record_from"]]
        RecordingBlock.set(self, updates, idx, engine)

    def columns_of(self, i):
        return ("senders", "times") + tuple(self.arrays["record_from"][i])

    def check_frozen(self, values):
        # NEST's multimeter asks its targets for data in its update: frozen,
        # it would record nothing, so it refuses to be frozen
        if np.any(values):
            raise BadProperty("multimeter cannot be frozen.")

    def pre_run(self, engine):
        RecordingBlock.pre_run(self, engine)
        a = self.arrays
        self.interval_steps = np.ascontiguousarray(
            engine.ms_to_steps_exact(a["interval"], "interval"), np.int64)
        offset_steps = engine.ms_to_steps_exact(a["offset"], "offset")
        now = engine.step
        for i in range(self.n):
            if a["next_rec"][i] >= now:
                continue
            iv = self.interval_steps[i]
            nxt = (now // iv + 1) * iv - 1
            if offset_steps[i] != 0:
                nxt = offset_steps[i] - 1
                while nxt <= now:
                    nxt += iv
            a["next_rec"][i] = nxt
        # resolve targets to (block, rows) and check recordables
        for i in range(self.n):
            self.plan[i] = engine.locate_local(engine.recording_targets(self.gids[i]))
            for blk, rows, g in self.plan[i]:
                for name in a["record_from"][i]:
                    if name not in blk.recordables:
                        raise BadProperty(
                            f"{self.model}: {blk.model} has no recordable {name!r}; "
                            f"recordables are {list(blk.recordables)}")
        # the samplers read the targets' arrays: planned at the first sample,
        # when every block has had its pre_run
        self.fast_planned = False

    def _plan_fast(self):
        """Each device's FastSampler for this run (or None: general path);
        samples still held from the last run move to the new sampler when
        its columns are the same, else to the general path's chunks."""
        for i in range(self.n):
            old = self.fast[i]
            new = self._fast_sampler(i)
            if old is not None and old.n:
                if new is not None and new.same_columns(old):
                    new.adopt(old)
                else:
                    self.held[i].extend(old.split())
                    new = None
            self.fast[i] = new
        self.iv = self.interval_steps
        self.t_min = self.t_lim[0]
        self.t_max = self.t_lim[1]
        self.fast_planned = True

    def _fast_sampler(self, i):
        """Device ``i``'s FastSampler when all its recordables are plain
        arrays of unfrozen targets and it holds no samples in chunks."""
        names = self.arrays["record_from"][i]
        plan = self.plan[i]
        if not names or not plan or self.held[i] or any(blk.any_frozen for blk, _, _ in plan):
            return None
        src, el = [], []
        for name in names:
            for blk, rows, _ in plan:
                direct = blk.recordable_array(name)
                if direct is None:
                    return None
                arr, relative = direct
                rows = np.asarray(rows, np.int64)
                src.append(arr.ctypes.data + 8 * rows)
                el.append(blk.arrays["E_L"].ctypes.data + 8 * rows if relative
                          else np.zeros(len(rows), np.int64))
        senders = np.concatenate([np.asarray(g, np.int64) for _, _, g in plan])
        if len(senders) == 0:
            return None
        return FastSampler(senders, len(names), np.concatenate(src).astype(np.uint64),
                           np.concatenate(el).astype(np.uint64))

    def bind(self):
        self.next_rec = self.arrays["next_rec"]

    cdef int64_t next_sample(self, int64_t from_step) noexcept nogil:
        cdef int64_t i, m = INT64_MAX
        for i in range(self.next_rec.shape[0]):
            if from_step <= self.next_rec[i] < m:
                m = self.next_rec[i]
        return m

    def sample(self, int64_t step, engine):
        """Sample all devices due at ``step`` (just updated); stamp step + 1."""
        cdef Py_ssize_t i
        cdef int64_t stamp = step + 1
        if not self.fast_planned:
            self._plan_fast()
        for i in range(self.n):
            if self.next_rec[i] != step:
                continue
            self.next_rec[i] = step + self.iv[i]
            if not (self.t_min[i] < stamp <= self.t_max[i]):
                continue
            f = self.fast[i]
            if f is not None:
                (<FastSampler>f).take(stamp)
            elif self.plan[i]:
                self._sample_general(i, stamp)

    def _sample_general(self, i, stamp):
        """One sample of device ``i`` through its targets' ``sample``."""
        names = self.arrays["record_from"][i]
        if not names:
            return                      # nothing to record: no events (as NEST)
        plan = self.plan[i]
        if any(blk.any_frozen for blk, _, _ in plan):
            # a frozen node is not updated and logs no data (NEST)
            plan = [(blk, rows[blk.frozen[rows] == 0], g[blk.frozen[rows] == 0])
                    if blk.any_frozen else (blk, rows, g) for blk, rows, g in plan]
        senders = np.concatenate([g for _, _, g in plan])
        cols = [senders, np.full(len(senders), stamp, np.int64)]
        for name in names:
            cols.append(np.concatenate([blk.sample(name, rows) for blk, rows, _ in plan]))
        if len(senders):
            self.held[i].append(tuple(cols))


cdef class Voltmeter(Multimeter):
    parameters = {"record_from": ("V_m",), "interval": 1.0, "offset": 0.0}


cdef class WeightRecorder(RecordingBlock):
    receives_signal = SIGNAL_ALL
    parameters = {"senders": (), "targets": ()}

    def columns(self):
        return ("senders", "times", "targets", "weights", "receptors", "ports")

    def events(self, i, engine):
        out = RecordingBlock.events(self, i, engine)
        for name in ("targets", "receptors", "ports"):
            out[name] = np.asarray(out[name], np.int64)
        return out

    def filters(self, i):
        """The ``senders`` and ``targets`` of recorder ``i`` as sorted gid arrays
        (empty: no filter)."""
        from pynestlite.nodes import as_collection
        return (np.asarray(as_collection(self.arrays["senders"][i], "senders").ids, np.int64),
                np.asarray(as_collection(self.arrays["targets"][i], "targets").ids, np.int64))

    def record_weights(self, i, src, tgt, stamps, weights, receptors, ports, engine):
        """Take the transmissions of a run for recorder ``i`` (arrays in
        delivery order; the synapse table logged only those its senders and
        targets select)."""
        t_min, t_max = self.t_lim
        sel = (stamps > t_min[i]) & (stamps <= t_max[i])
        if np.any(sel):
            self.store(i, (src[sel], stamps[sel], tgt[sel], weights[sel], receptors[sel],
                           ports[sel]), engine)


def decode_spins(const int64_t[::1] gids, const int64_t[::1] stamps, int64_t batch):
    """Binary states from the spikes a spin_detector received, as NEST's
    spin_detector decodes them.

    The spikes come in delivery order (by stamp, then sender) and are
    delivered in batches of ``batch`` steps (one min-delay slice: stamps
    ``(k batch, (k + 1) batch]``).  A spike is held; the next one of the
    same sender and stamp turns it into state 1 (an up-transition: a spike
    of multiplicity 2), anything else writes it as state 0, and the spike
    that wrote a held one is not held itself (NEST's rule; so of two single
    spikes of different senders in one batch only the first is recorded).
    A spike still held at the end of its batch is written with state 0.

    Returns
    -------
    (senders, stamps, states) : int64 arrays
    """
    cdef Py_ssize_t n = gids.shape[0], k, m = 0
    out_g = np.empty(n, np.int64)
    out_s = np.empty(n, np.int64)
    out_v = np.empty(n, np.int64)
    cdef int64_t[::1] og = out_g, os = out_s, ov = out_v
    cdef bint held = False
    cdef int64_t hg = 0, hs = 0, hv = 0
    with nogil:
        for k in range(n):
            if held and (stamps[k] - 1) // batch != (hs - 1) // batch:
                og[m] = hg; os[m] = hs; ov[m] = hv; m += 1
                held = False
            if held and gids[k] == hg and stamps[k] == hs:
                hv = 1
            if held:
                og[m] = hg; os[m] = hs; ov[m] = hv; m += 1
                held = False
            else:
                hg = gids[k]; hs = stamps[k]; hv = 0
                held = True
        if held:
            og[m] = hg; os[m] = hs; ov[m] = hv; m += 1
    return out_g[:m], out_s[:m], out_v[:m]


cdef class SpinDetector(SpikeRecorder):
    """spin_detector -- records the binary states that binary neurons send.

    A binary neuron sends an up-transition (to state 1) as two spikes in one
    step and a down-transition (to 0) as one spike; the detector decodes
    them (:func:`decode_spins`, NEST's rule, per min-delay batch of
    deliveries) and records sender, time and ``state`` (0 or 1) of each.
    Device parameters and windows (origin, start, stop) as spike_recorder;
    ``events`` has ``senders``, ``times`` and ``state``.  Receives binary
    signals only (binary neurons, spike_generator, parrot_neuron).
    """
    receives_signal = SIGNAL_BINARY
    cdef public int64_t batch

    def pre_run(self, engine):
        self.batch = max(int(engine.min_delay), 1)
        SpikeRecorder.pre_run(self, engine)

    def columns(self):
        return ("senders", "times", "state")

    def store(self, i, columns, engine):
        if len(columns[0]) == 0:
            return
        g, st, state = decode_spins(np.ascontiguousarray(columns[0], np.int64),
                                    np.ascontiguousarray(columns[1], np.int64),
                                    max(self.batch, 1))
        RecordingBlock.store(self, i, (g, st, state), engine)

    def events(self, i, engine):
        out = RecordingBlock.events(self, i, engine)
        out["state"] = np.asarray(out["state"], np.int64)
        return out


MODELS = {"spike_recorder": SpikeRecorder, "spin_detector": SpinDetector,
          "multimeter": Multimeter, "voltmeter": Voltmeter, "weight_recorder": WeightRecorder}
