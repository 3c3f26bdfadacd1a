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
    recorded variable.
voltmeter
    A multimeter with ``record_from = ["V_m"]``.

Common parameters: ``origin``, ``start``, ``stop`` (ms): events with stamps
``origin + start < t <= origin + stop`` are recorded; ``record_to``,
``label``, ``n_events`` (read; set 0 to clear), ``time_in_steps``.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport INFINITY

from pynestlite.kernel.nodebase cimport NodeBlock
from pynestlite.errors import BadProperty

cnp.import_array()


cdef class RecordingBlock(NodeBlock):
    element_type = "recorder"
    device_parameters = {"origin": 0.0, "start": 0.0, "stop": INFINITY,
                         "record_to": "memory", "label": "", "time_in_steps": False}
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

    def set(self, dict updates, idx):
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
        if updates:
            NodeBlock.set(self, updates, idx)
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
        self.t_lim = (t_min, t_max)

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
        if self.arrays["time_in_steps"][i]:
            out["times"] = stamps.astype(np.int64)
            if isinstance(self, SpikeRecorder):
                out["offsets"] = np.zeros(len(stamps))
        else:
            out["times"] = engine.steps_to_ms(stamps)
        return out


cdef class SpikeRecorder(RecordingBlock):
    cdef public list sources        # per device: uint8 mask over gids (grown on demand)

    def __init__(self, model, gids, first_gid, last_gid, defaults):
        self.sources = [np.zeros(0, np.uint16) for _ in range(len(gids))]
        RecordingBlock.__init__(self, model, gids, first_gid, last_gid, defaults)

    def add_sources(self, i, gids):
        """Connect sources (a source connected k times records each spike k times)."""
        m = self.sources[i]
        top = int(np.max(gids)) + 1 if len(gids) else 0
        if top > len(m):
            m2 = np.zeros(max(top, 2 * len(m)), np.uint16)
            m2[:len(m)] = m
            m = m2
        np.add.at(m, np.asarray(gids, np.int64), 1)
        self.sources[i] = m

    def record_spikes(self, gids, stamps, engine):
        """Record the local spikes (gid, stamp arrays in canonical order)."""
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
                if np.all(mult[sel] == 1):
                    self.store(i, (gids[sel].copy(), stamps[sel].copy()), engine)
                else:
                    self.store(i, (np.repeat(gids[sel], mult[sel]),
                                   np.repeat(stamps[sel], mult[sel])), engine)


cdef class Multimeter(RecordingBlock):
    parameters = {"record_from": (), "interval": 1.0, "offset": 0.0}
    internal = {"next_rec": -1}
    strictly_positive = ("interval",)
    non_negative = ("offset",)
    cdef public list targets        # per device: int64 array of target gids
    cdef public list plan           # per device: list of (block, rows, gids)
    cdef public object interval_steps

    def __init__(self, model, gids, first_gid, last_gid, defaults):
        self.targets = [np.zeros(0, np.int64) for _ in range(len(gids))]
        self.plan = [[] for _ in range(len(gids))]
        RecordingBlock.__init__(self, model, gids, first_gid, last_gid, defaults)

    def set(self, dict updates, idx):
        if "record_from" in updates:
            updates = dict(updates)
            updates["record_from"] = [tuple(v) if not isinstance(v, str) else (v,)
                                      for v in updates["record_from"]]
        RecordingBlock.set(self, updates, idx)

    def add_targets(self, i, gids):
        self.targets[i] = np.concatenate([self.targets[i], np.asarray(gids, np.int64)])

    def columns_of(self, i):
        return ("senders", "times") + tuple(self.arrays["record_from"][i])

    def pre_run(self, engine):
        RecordingBlock.pre_run(self, engine)
        a = self.arrays
        self.interval_steps = engine.ms_to_steps_exact(a["interval"], "interval")
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
            self.plan[i] = engine.locate_local(self.targets[i])
            for blk, rows, g in self.plan[i]:
                for name in a["record_from"][i]:
                    if name not in blk.recordables:
                        raise BadProperty(
                            f"{self.model}: {blk.model} has no recordable {name!r}; "
                            f"recordables are {list(blk.recordables)}")

    def due_steps(self, int first, int last):
        """Steps s in [first, last) at which any device of the block samples."""
        out = set()
        a = self.arrays
        for i in range(self.n):
            s = a["next_rec"][i]
            iv = self.interval_steps[i]
            while s < last:
                if s >= first:
                    out.add(int(s))
                s += iv
        return out

    def sample(self, int step, engine):
        """Sample all devices due at ``step`` (just updated); stamp step + 1."""
        a = self.arrays
        t_min, t_max = self.t_lim
        for i in range(self.n):
            if a["next_rec"][i] != step:
                continue
            a["next_rec"][i] = step + self.interval_steps[i]
            stamp = step + 1
            if not (t_min[i] < stamp <= t_max[i]) or not self.plan[i]:
                continue
            names = a["record_from"][i]
            senders = np.concatenate([g for _, _, g in self.plan[i]])
            cols = [senders, np.full(len(senders), stamp, np.int64)]
            for name in names:
                cols.append(np.concatenate([blk.sample(name, rows) for blk, rows, _ in self.plan[i]]))
            self.store(i, tuple(cols), engine)


cdef class Voltmeter(Multimeter):
    parameters = {"record_from": ("V_m",), "interval": 1.0, "offset": 0.0}


MODELS = {"spike_recorder": SpikeRecorder, "multimeter": Multimeter, "voltmeter": Voltmeter}
