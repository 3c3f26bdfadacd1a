# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Base class of node blocks and the parameter machinery they share.

A *block* holds the nodes created by one ``Create`` call that live on this
rank, as a structure of arrays (``arrays['V_m'][i]``).  Subclasses (one per
model, in ``models/``) declare their parameters as class attributes and
implement ``bind`` (take typed views of the arrays), ``pre_run`` (derived
variables such as propagators) and the ``nogil`` ``update`` loop.

Class attributes a model declares
---------------------------------
element_type : 'neuron' | 'stimulator' | 'recorder'
parameters : dict
    Exposed, settable parameters with their NEST defaults.
state : dict
    Exposed state variables with their initial values.
internal : dict
    Hidden per-node variables (refractory counters, stored input).
relative : tuple of str
    Names stored relative to ``E_L`` (as NEST does); ``get`` and ``set``
    speak absolute values, and changing ``E_L`` alone keeps the absolute
    values of the others, as in NEST.
n_channels : int
    Input channels per node in the kernel's ring buffer.
spike_receptors : dict
    receptor_type -> (channel offset, split by sign, count spikes).
current_receptors : dict
    receptor_type -> channel offset for currents (dc/noise generators).
recordables : tuple of str
    Names a multimeter may record.
sends_signal, receives_signal : int
    NEST's signal types (SIGNAL_SPIKE, SIGNAL_BINARY or both, SIGNAL_ALL):
    a connection needs a bit in common (binary neurons talk to binary
    neurons and to the devices that take both).
archiving : bool
    Whether a neuron keeps the spike archive and calcium trace (NEST's
    archiving node; True for all but population models such as
    gif_pop_psc_exp).
pre_run_pure : bool
    True when ``pre_run`` only derives values from the block's parameters
    and the kernel's time base (no state, no time, no connections): the
    kernel then skips it at a Prepare while neither changed since the last
    one (default False: it runs at every Prepare).
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, INT64_MAX

from pynestlite.errors import BadProperty, UnaccessedDictionaryEntry, plain, require_finite

cnp.import_array()


def _positive(values, names, model, strict=True):
    """Raise BadProperty unless every value of ``names`` is > 0 (>= 0 if not strict)."""
    for name in names:
        v = values.get(name)
        if v is None:
            continue
        bad = np.asarray((v <= 0) if strict else (v < 0))
        if bad.any():
            what = "> 0" if strict else ">= 0"
            raise BadProperty(
                f"{model}: {name} must be {what}, got {plain(np.asarray(v)[bad][0])}")


ERROR_INSTABILITY = -1000

# channel kinds and signal types of nodebase.pxd, for the front end
CHANNEL_PRECISE = CHAN_PRECISE
CHANNEL_BINARY = CHAN_BINARY
SIGNAL_TYPES = {"spike": SIGNAL_SPIKE, "binary": SIGNAL_BINARY, "all": SIGNAL_ALL}

# Parameters of the spike archive every neuron carries (NEST's archiving
# node): the time constants of the postsynaptic traces that plastic synapses
# read (see archive.h).
ARCHIVE_PARAMETERS = {"tau_minus": 20.0, "tau_minus_triplet": 110.0}

# The calcium trace every neuron carries (NEST's structural-plasticity node):
# at each spike at time t (ms, precise offsets included)
#     Ca <- Ca exp((Ca_t - t)/tau_Ca) + beta_Ca,   Ca_t <- t
# (the kernel's archive phase updates it); ``Ca`` reports the value just
# after the latest spike, as NEST.
CALCIUM_PARAMETERS = {"tau_Ca": 10000.0, "beta_Ca": 0.001}
CALCIUM_STATE = {"Ca": 0.0}
CALCIUM_INTERNAL = {"Ca_t": 0.0}


# NEST's ignore-and-spike mechanism (models/ignore_and_spike.pxd): the
# parameters of the models that consult it, the countdown (steps to the
# next forced spike; -1: restart from the offset at the next Prepare, as
# after Create or a new offset) and its set-up.
IGNORE_AND_SPIKE_PARAMETERS = {"ignore_and_spike": False, "ignore_and_spike_offset": 1.0,
                               "ignore_and_spike_interval": 100.0}
IGNORE_AND_SPIKE_INTERNAL = {"until_spike": -1}
IGNORE_AND_SPIKE_POSITIVE = ("ignore_and_spike_offset", "ignore_and_spike_interval")
IGNORE_AND_SPIKE_FOREVER = 1 << 62       # steps of an infinite interval


def ignore_and_spike_steps(block, engine):
    """Prepare: the interval in steps (NEST's Time(ms).get_steps(), rounded
    up) and a restarted countdown from the offset where due."""
    a = block.arrays

    def steps(ms):
        ms = np.asarray(ms, np.float64)
        out = np.full(ms.shape, IGNORE_AND_SPIKE_FOREVER, np.int64)
        ok = np.isfinite(ms) & (ms < IGNORE_AND_SPIKE_FOREVER * engine.resolution)
        if ok.any():
            out[ok] = np.minimum(engine.ms_to_steps(ms[ok]), IGNORE_AND_SPIKE_FOREVER)
        return out

    until = a["until_spike"]
    fresh = until < 0
    until[fresh] = steps(a["ignore_and_spike_offset"])[fresh]
    return steps(a["ignore_and_spike_interval"])


def ignore_and_spike_set(block, idx, new):
    """After ``set``: a new offset restarts the countdown (NEST)."""
    if "ignore_and_spike_offset" in new:
        block.arrays["until_spike"][idx] = -1


# The names being set by the innermost NodeBlock.set (its check tests only
# their signs; Python-level calls, one thread).
_SETTING = []

# Per-class caches of ``all_defaults()`` and ``public_names()`` (class
# attributes never change after import; the set/get paths read them per name).
_DEFAULTS = {}
_PUBLIC = {}


def defaults_of(cls):
    """``cls.all_defaults()``, computed once per class (read only)."""
    d = _DEFAULTS.get(cls)
    if d is None:
        d = _DEFAULTS[cls] = cls.all_defaults()
    return d


def public_of(cls):
    """``cls.public_names()``, computed once per class."""
    p = _PUBLIC.get(cls)
    if p is None:
        p = _PUBLIC[cls] = cls.public_names()
    return p


cdef void _drop_register(pnl_register *r, int64_t start, object gids):
    """Remove the entries ``start ..`` of ``r`` whose gid is in ``gids``
    (sorted), keeping the order of the others."""
    cdef int64_t n = r.n - start, i, k = start
    if n <= 0:
        return
    cdef int64_t[::1] g = np.ascontiguousarray(
        np.isin(np.asarray(<int64_t[:n]>(r.gid + start)), gids), np.int64)
    for i in range(n):
        if g[i]:
            continue
        r.gid[k] = r.gid[start + i]
        r.lag[k] = r.lag[start + i]
        r.off[k] = r.off[start + i]
        k += 1
    r.n = k


cdef void _drop_values(pnl_vregister *r, int64_t start, object gids):
    """As :func:`_drop_register` for the secondary values."""
    cdef int64_t n = r.n - start, i, k = start
    keys = np.asarray(<int64_t[:n]>(r.key + start)) & ((<int64_t>1 << PNL_GID_BITS) - 1)
    cdef int64_t[::1] g = np.ascontiguousarray(np.isin(keys, gids), np.int64)
    for i in range(n):
        if g[i]:
            continue
        r.key[k] = r.key[start + i]
        r.val[k] = r.val[start + i]
        k += 1
    r.n = k


cdef class NodeBlock:
    element_type = "neuron"
    parameters = {}
    state = {}
    internal = {}
    relative = ()
    n_channels = 0
    spike_receptors = {}
    current_receptors = {}
    recordables = ()
    sends_signal = SIGNAL_SPIKE
    receives_signal = SIGNAL_SPIKE
    archiving = True
    strictly_positive = ()
    non_negative = ()
    ordered = ()            # pairs (a, b) of parameters that need a < b
    grid_times = ()         # times (ms) that must be whole steps (inf allowed), checked at set
    # the update of a threaded model handles the nodes ``ctx.lo .. ctx.hi - 1``
    # only (a device: the connections to targets the thread owns,
    # ``owns_target``) and writes nothing shared but ``ctx.reg`` and the input
    # channels of those nodes, so the scheduler may update its blocks on
    # several threads at once; other models update on one thread
    threaded = False

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        self.model = model
        self.gids = np.ascontiguousarray(gids, dtype=np.int64)
        self.n = self.gids.shape[0]
        self.first_gid = int(first_gid)
        self.last_gid = int(last_gid)
        self.chan_base = -1
        self.error_code = 0
        self.frozen = np.zeros(self.n, dtype=np.uint8)
        self.any_frozen = False
        self.arrays = {}
        el = defaults.get("E_L", self.all_defaults().get("E_L", 0.0))
        for name, default in self.all_defaults().items():
            value = defaults.get(name, default)
            if isinstance(default, (bool, np.bool_)):
                arr = np.full(self.n, bool(value), dtype=np.uint8)
            elif isinstance(default, (int, np.integer)) and not isinstance(default, bool):
                arr = np.full(self.n, value, dtype=np.int64)
            elif isinstance(default, (float, np.floating)):
                arr = np.full(self.n, value, dtype=np.float64)
                if name in self.relative:
                    arr -= el
            else:
                # object-valued device parameters (spike_times, record_from ...)
                arr = [value] * self.n if self.n > 0 else []
            self.arrays[name] = arr
        self.bind()

    @classmethod
    def all_defaults(cls):
        d = {}
        d.update(cls.parameters)
        archived = cls.element_type == "neuron" and cls.archiving
        if archived:
            d.update(ARCHIVE_PARAMETERS)
            d.update(CALCIUM_PARAMETERS)
        d.update(cls.state)
        if archived:
            d.update(CALCIUM_STATE)
            d.update(CALCIUM_INTERNAL)
        d.update(cls.internal)
        return d

    @classmethod
    def public_names(cls):
        if cls.element_type != "neuron" or not cls.archiving:
            return tuple(cls.parameters) + tuple(cls.state)
        return (tuple(cls.parameters) + tuple(ARCHIVE_PARAMETERS) + tuple(CALCIUM_PARAMETERS)
                + tuple(cls.state) + tuple(CALCIUM_STATE))

    def bind(self):
        """Take typed views of ``self.arrays`` (called whenever they change)."""
        pass

    def sends_precise(self):
        """Whether the block's spikes carry precise offsets (models with
        ``precise_output``; a spike_generator with ``precise_times``)."""
        return bool(getattr(type(self), "precise_output", False)) and self.n > 0

    def pre_run(self, engine):
        """Compute derived variables before a run (propagators, step counts)."""
        pass

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        pass

    # ------------------------------------------------------------------
    # frozen nodes
    def check_frozen(self, values):
        """Raise BadProperty if some node of this model may not take the
        ``frozen`` values (a bool array); NEST lets every node be frozen but
        the multimeter."""
        pass

    def set_frozen(self, rows, values):
        """Freeze (True) or thaw (False) the local rows ``rows``."""
        self.frozen[np.asarray(rows, np.int64)] = np.asarray(values, bool)
        self.any_frozen = bool(self.frozen.any())

    def mute(self, rows):
        """Before an update with frozen nodes: silence what the nodes ``rows``
        would send outside the block's own arrays and register entries
        (devices: their targets)."""
        pass

    def unmute(self):
        """After an update with frozen nodes: undo :meth:`mute`."""
        pass

    cdef int update_frozen(self, SliceContext *ctx, long from_lag, long to_lag) except -1:
        """Update phase of a block some of whose nodes are frozen (NEST: a
        frozen node is not updated; it still receives events).  The block
        updates as usual, then its frozen rows get back every array row and
        their input channels in the ring buffer (they read nothing, so their
        input stays for when they thaw), and what they emitted in the update
        (spikes, flush events, secondary values) is dropped; the targets of a
        frozen device are muted during the update.  Only blocks with frozen
        nodes take this path, so unfrozen networks pay one flag test per
        block and update."""
        rows = np.flatnonzero(self.frozen)
        saved = {}
        for name, arr in self.arrays.items():
            if isinstance(arr, np.ndarray) and arr.ndim and arr.shape[0] == self.n:
                saved[name] = arr[rows].copy()
        nch = int(self.n_channels)
        ring = None
        cols = None
        if nch > 0 and self.chan_base >= 0 and ctx.ring_len > 0 and ctx.row_width > 0:
            buf = np.asarray(<double[:ctx.ring_len, :ctx.row_width]>ctx.inbuf)
            cols = (self.chan_base + rows[:, None] * nch
                    + np.arange(nch, dtype=np.int64)[None, :]).ravel()
            cols = cols[cols < ctx.row_width]
            ring = buf[:, cols].copy()
        cdef int64_t r0 = ctx.reg.n, f0 = ctx.flush.n if ctx.flush != NULL else 0
        cdef int64_t v0 = ctx.values.n if ctx.values != NULL else 0
        self.mute(rows)
        try:
            self.update(ctx, from_lag, to_lag)
        finally:
            self.unmute()
        for name, v in saved.items():
            self.arrays[name][rows] = v
        if ring is not None:
            buf[:, cols] = ring
        frozen_gids = np.ascontiguousarray(self.gids[rows], np.int64)
        _drop_register(ctx.reg, r0, frozen_gids)
        if ctx.flush != NULL:
            _drop_register(ctx.flush, f0, frozen_gids)
        if ctx.values != NULL and ctx.values.n > v0:
            _drop_values(ctx.values, v0, frozen_gids)
        return 0

    cdef void record(self, SliceContext *ctx, const int64_t *keys, int64_t n) noexcept nogil:
        """Record phase (recorders): take the local spikes ``keys`` of steps of
        the slice at ``ctx.origin`` (sorted spike keys)."""
        pass

    cdef int64_t next_sample(self, int64_t from_step) noexcept nogil:
        """Sample phase (samplers): the first step >= ``from_step`` after whose
        update the block samples (INT64_MAX: none); the scheduler cuts the
        update there and calls ``sample(step, engine)``."""
        return INT64_MAX

    def error(self):
        """The exception for ``error_code`` (set by a failed update), or None."""
        from pynestlite.errors import GSLSolverFailure, NumericalInstability
        if self.error_code == 0:
            return None
        if self.error_code == ERROR_INSTABILITY:
            return NumericalInstability(
                f"{self.model}: numerical instability (V_m < -1e3 mV or |w| > 1e6 pA) in "
                "nodes of this model; reduce the resolution or check the parameters")
        return GSLSolverFailure(f"{self.model}: the ODE solver failed with status "
                                f"{self.error_code}")

    # ------------------------------------------------------------------
    # parameters
    def get(self, str name, idx):
        """Absolute values of ``name`` for the local rows ``idx``."""
        arr = self.arrays[name]
        if isinstance(arr, list):
            return [arr[i] for i in idx]
        v = arr[idx]
        if name in self.relative:
            v = v + self.arrays["E_L"][idx]
        if arr.dtype == np.uint8 and isinstance(defaults_of(type(self))[name], (bool, np.bool_)):
            return v.astype(bool)
        return v

    def check(self, dict values):
        """Validate absolute parameter values of some rows (dict name -> array).

        Subclasses extend this; the base checks the model's declared
        positive and non-negative parameters.  Inside :meth:`set` only the
        names being set are checked for sign (the stored ones passed before).
        """
        changed = _SETTING[len(_SETTING) - 1] if _SETTING else None   # (no wraparound here)

        def names(group):
            return group if changed is None else [n for n in group if n in changed]

        _positive(values, names(self.strictly_positive), self.model, True)
        _positive(values, names(self.non_negative), self.model, False)
        if self.element_type == "neuron" and self.archiving:
            _positive(values, names(tuple(ARCHIVE_PARAMETERS) + tuple(CALCIUM_PARAMETERS)),
                      self.model, True)
            _positive(values, names(tuple(CALCIUM_STATE)), self.model, False)
        for a, b in self.ordered:
            if changed is not None and a not in changed and b not in changed:
                continue
            if a in values and b in values and np.any(values[a] >= values[b]):
                raise BadProperty(f"{self.model}: {a} must be smaller than {b}")

    def set(self, dict updates, idx, engine=None):
        """Set parameters transactionally for rows ``idx``.

        ``engine`` is the kernel the block belongs to (models that convert
        times to steps read its resolution).

        ``updates`` maps names to arrays of ``len(idx)`` values (absolute).
        Every key and value is checked before any is written.
        """
        idx = np.asarray(idx, dtype=np.int64)
        cls = type(self)
        public = public_of(cls)
        defaults = defaults_of(cls)
        read_only = getattr(cls, "read_only", ())
        for name in updates:
            if name in read_only:
                raise UnaccessedDictionaryEntry(
                    f"{self.model}: {name!r} is read only (reported by GetStatus, not "
                    "settable)")
            if name not in public:
                raise UnaccessedDictionaryEntry(
                    f"{self.model} has no parameter {name!r}; expected one of "
                    f"{sorted(public)}")
        values = {}
        arrays = self.arrays
        if cls.get is NodeBlock.get:
            # NodeBlock.get inlined (the stored values of every parameter are
            # read for the checks: a set of one node stays cheap)
            relative = self.relative
            el_rows = arrays["E_L"][idx] if relative and "E_L" in arrays else None
            for name in public:
                arr = arrays.get(name)
                if arr is None or isinstance(arr, list):
                    continue
                v = arr[idx]
                if name in relative:
                    v = v + el_rows
                if arr.dtype == np.uint8 and isinstance(defaults[name], (bool, np.bool_)):
                    v = v.astype(bool)
                values[name] = v
        else:
            for name in public:
                if name not in arrays or isinstance(arrays[name], list):
                    continue
                values[name] = self.get(name, idx)
        new = {}
        for name, v in updates.items():
            default = defaults[name]
            if isinstance(self.arrays[name], list):
                new[name] = v
                continue
            try:
                if isinstance(default, (bool, np.bool_)):
                    arr = np.asarray(v)
                    if arr.dtype.kind not in "biu":
                        raise TypeError
                    arr = arr.astype(bool)
                elif isinstance(default, (int, np.integer)):
                    arr = np.asarray(v)
                    if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
                        arr = arr.astype(np.int64)
                    if arr.dtype.kind not in "iu":
                        raise TypeError
                    arr = arr.astype(np.int64)
                else:
                    arr = np.asarray(v)
                    if arr.dtype.kind not in "fiu" or arr.dtype.kind == "b":
                        raise TypeError
                    arr = arr.astype(np.float64)
            except (TypeError, ValueError):
                raise BadProperty(
                    f"{self.model}: parameter {name!r} expects a "
                    f"{type(default).__name__}, got {v!r}") from None
            if arr.dtype.kind == "f":
                # NaN never; infinity not in a state variable or a time
                # constant / capacitance (as NEST, a threshold may be inf:
                # a neuron that never spikes)
                require_finite(arr, f"{self.model}: parameter {name!r}", allow_inf=not (
                    (name in self.state or name in self.strictly_positive)
                    and np.isfinite(float(default))))
            values[name] = (arr if arr.ndim == 1 and arr.shape[0] == idx.shape[0]
                            else np.broadcast_to(arr, (idx.shape[0],)))
            new[name] = values[name]
            if name in self.grid_times and engine is not None:
                fin = values[name][np.isfinite(values[name])]
                engine.ms_to_steps_exact(fin, f"{self.model}: {name}")
        _SETTING.append(new)
        try:
            self.check(values)
        finally:
            _SETTING.pop()
        # commit: absolute values of relative names are kept when E_L changes
        el = values.get("E_L")
        for name in public:
            if name not in self.arrays:
                continue
            arr = self.arrays[name]
            if isinstance(arr, list):
                if name in new:
                    for j, i in enumerate(idx):
                        arr[i] = new[name][j] if len(idx) > 1 else new[name][0]
                continue
            if name in self.relative:
                arr[idx] = values[name] - el
            elif name in new:
                arr[idx] = values[name]
        self.after_set(idx, new)

    def after_set(self, idx, new):
        """Hook for models that derive state from parameters at set time."""
        pass

    def sample(self, str name, idx):
        """Recordable ``name`` for rows ``idx`` (used by multimeter)."""
        return np.asarray(self.get(name, idx), dtype=np.float64)

    def recordable_array(self, str name):
        """(array, relative) if ``sample(name, rows)`` is ``array[rows]``
        (plus ``E_L[rows]`` when ``relative``) read as it is, so that a
        multimeter may copy the values itself; None otherwise.

        It is so when ``name`` is a float64 array of the block, the class
        that defines ``get`` is NodeBlock and the one that defines ``sample``
        is NodeBlock or declares in ``computed_recordables`` the only names
        its ``sample`` computes (and leaves the rest to NodeBlock's)."""
        mro = type(self).__mro__
        if next(c for c in mro if "get" in c.__dict__) is not NodeBlock:
            return None
        owner = next(c for c in mro if "sample" in c.__dict__)
        if owner is not NodeBlock and (
                "computed_recordables" not in owner.__dict__
                or name in owner.__dict__["computed_recordables"]):
            return None
        relative = name in self.relative
        for key in (name, "E_L") if relative else (name,):
            arr = self.arrays.get(key)
            if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or arr.ndim != 1 \
                    or not arr.flags.c_contiguous:
                return None             # (a multimeter reads it by address)
        return self.arrays[name], relative
