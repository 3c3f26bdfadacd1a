# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The synapse layer: postsynaptic tables with per-model columns.

One table per synapse model per rank holds the synapses whose target lives
on this rank, in compressed sparse rows keyed by source gid
(``row_ptr[gid] .. row_ptr[gid+1]``), each row in the order the synapses
were created (so sums are rank independent).

Every table has two kernel columns: the target's ring-buffer channel code
(``code``, uint32; see ``nodebase.pxd``) and the delay in steps (``delay``,
uint16).  A synapse model is a subclass that declares its own per-synapse
columns and model-level parameters, as node models declare parameters::

    columns = {"weight": ("float64", 1.0)}      # name -> (dtype, default)
    common = {}                                 # model-level parameters

and implements ``deliver`` (``nogil``: add the weights of the synapses of the
given spikes to the ring buffer, updating their state first if plastic).
``finalize``, ``add``, ``get``/``set`` of columns, ``sources`` and
``sizeof`` work for any set of columns.  The synapse's target is reached
through ``ctx.chan_slot[code >> 2]`` (the target's local neuron slot), which
costs no bytes per synapse; plastic models set ``uses_archive`` and read the
target's spike history in ``ctx.archive``.

A *time-driven* model (``time_driven = True``) also acts between
deliveries: the scheduler calls ``advance(ctx, p, end)`` at the start of
every slice and at each of the model's update times (``next_update``; the
slice is cut there), with ``p`` the current step and ``end`` the step up to
which the loop will run before the next call.  Such a model may defer the
transmission of a spike to the slice in which it arrives (so that the
weight used is the one valid at arrival).

``Connect`` appends chunks; ``finalize`` (at Prepare) merges them into the
rows with a stable counting sort by source, column by column.

A model may declare columns ``compact``: such a column is stored as one
value while every synapse has the same value (a model parameter left at
one value, e.g. ``tau_plus``), and becomes a full column the first time
synapses differ.  Its typed view then has one element; delivery indexes it
with ``k * stride`` (stride 0 while compact, see :meth:`stride`).
"""
import weakref

import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, int32_t, uint8_t, uint16_t, uint32_t, INT64_MAX
from libc.stdlib cimport realloc, free
from libc.string cimport memcpy
from cython.parallel cimport prange

from pynestlite.kernel.nodebase cimport (SliceContext, add_to_channel, add_event, owns_target,
                                         split_threads)
from pynestlite.errors import BadProperty

cnp.import_array()

MAX_DELAY_STEPS = 65535

ctypedef fused col_t:
    uint8_t
    uint16_t
    uint32_t
    int32_t
    int64_t
    float
    double


cdef class SynapseTable:
    """Base of all synapse models' tables (CSR by source; see module doc).

    Class attributes a model declares
    ---------------------------------
    columns : dict
        Per-synapse columns: name -> (numpy dtype name, default value).
    common : dict
        Model-level parameters (shared by all synapses of the model):
        name -> default.  Given to :meth:`pre_run` at Prepare.
    uses_archive : bool
        The model reads its targets' spike history: the kernel keeps an
        archive for every neuron such a synapse targets.
    archive_columns : int
        Doubles per archive entry the model's rule fills.
    time_driven : bool
        The model implements ``advance`` and ``next_update`` (see module doc).
    compact : tuple of str
        Columns stored as one value while all synapses agree.
    private : tuple of str
        Columns of internal state that ``get``/``set`` do not show.
    """
    columns = {}
    common = {}
    kind = "synapse"
    compact = ()
    private = ()
    uses_archive = False
    archive_columns = 0
    time_driven = False
    #: delivers flush events too (``deliver_flagged``)
    supports_flush = False
    #: carries values sent each step (``deliver_values``), not spikes
    secondary = False
    #: the kind of the target's receptor the synapses address ("spike",
    #: "rate", "learning_signal"; see ``Engine.channel_codes``)
    channel_kind = "spike"
    KERNEL_COLUMNS = {"code": ("uint32", 0), "delay": ("uint16", 1)}

    def __init__(self, synapse_model):
        self.synapse_model = synapse_model
        self.row_ptr = np.zeros(2, np.int64)
        self.uniform = set()
        self.cols = {}
        for name, (dt, default) in self.all_columns().items():
            if name in self.compact:
                self.cols[name] = np.full(1, default, dt)
                self.uniform.add(name)
            else:
                self.cols[name] = np.empty(0, dt)
        self.pending = []
        self.n_rows = 0
        self.layout_log = []
        self.layout_base = 0
        self.layout_users = weakref.WeakSet()
        self.bind()

    # ------------------------------------------------------------- layout log
    @property
    def layout_version(self):
        """Counts the changes of the synapses' positions (growth, removal)."""
        return self.layout_base + len(self.layout_log)

    def _log_layout(self, str kind, data):
        """Record a change of positions; entries no live user needs are dropped."""
        self.layout_log.append((kind, data))
        oldest = min((u.version for u in self.layout_users), default=self.layout_version)
        drop = oldest - self.layout_base
        if drop > 0:
            del self.layout_log[:drop]
            self.layout_base += drop

    def remap_indices(self, idx, src, int64_t version):
        """Positions now of the synapses ``idx`` (of sources ``src``) that had
        these positions at layout ``version``; -1 for removed ones.  Growth
        appends to rows (row order kept), removal closes the gaps."""
        idx = np.asarray(idx, np.int64).copy()
        for kind, data in self.layout_log[version - self.layout_base:]:
            alive = idx >= 0
            if kind == "grow":
                old_rp, new_rp = data
                idx[alive] = new_rp[src[alive]] + (idx[alive] - old_rp[src[alive]])
            else:
                pos = np.searchsorted(data, idx[alive])
                hit = pos < len(data)
                hit[hit] = data[pos[hit]] == idx[alive][hit]
                moved = idx[alive] - pos
                moved[hit] = -1
                idx[alive] = moved
        return idx

    def remove(self, idx):
        """Delete the (finalized) synapses at positions ``idx``; the others keep
        their order.  Compact columns stay compact."""
        idx = np.unique(np.asarray(idx, np.int64))
        if not len(idx):
            return
        n = self.n_synapses()
        keep = np.ones(n, bool)
        keep[idx] = False
        rows = np.searchsorted(self.row_ptr, idx, side="right") - 1
        counts = np.diff(self.row_ptr) - np.bincount(rows, minlength=self.n_rows)
        row_ptr = np.zeros(self.n_rows + 1, np.int64)
        np.cumsum(counts, out=row_ptr[1:])
        for name in list(self.cols):
            # (columns a model holds elsewhere meanwhile, e.g. per row, are empty)
            if name not in self.uniform and self.cols[name].shape[0] == n:
                self.cols[name] = np.ascontiguousarray(self.cols[name][keep])
        self.row_ptr = row_ptr
        self._log_layout("drop", idx)
        self.bind()

    @classmethod
    def all_columns(cls):
        """Kernel columns followed by the model's columns: name -> (dtype, default)."""
        d = dict(SynapseTable.KERNEL_COLUMNS)
        d.update(cls.columns)
        return d

    @classmethod
    def public_columns(cls):
        """The model's columns a user may get and set."""
        return tuple(c for c in cls.columns if c not in cls.private)

    def stored_columns(self):
        """Columns :meth:`finalize` writes per synapse (a model holding some
        state per source row leaves those out)."""
        return self.all_columns()

    def n_synapses(self):
        """Synapses in the rows (pending ones not included)."""
        return int(self.row_ptr[-1])

    def stride(self, str name):
        """Index stride of column ``name``'s view: 0 while compact, else 1."""
        return 0 if name in self.uniform else 1

    @classmethod
    def defaults(cls):
        """The model's NEST defaults: weight, delay (ms), receptor_type, columns, common."""
        d = {"weight": 1.0, "delay": 1.0, "receptor_type": 0}
        d.update({name: default for name, (_, default) in cls.columns.items()
                  if name not in cls.private})
        d.update(cls.common)
        return d

    @classmethod
    def sizeof(cls):
        """Bytes per synapse while the compact columns are compact (the row
        pointers and any per-row state come on top)."""
        return int(sum(np.dtype(dt).itemsize for name, (dt, _) in cls.all_columns().items()
                       if name not in cls.compact))

    def nbytes(self):
        """Bytes the table holds: columns, row pointers and model state."""
        return int(sum(c.nbytes for c in self.cols.values()) + self.row_ptr.nbytes)

    def bind(self):
        """Take typed views of the columns (subclasses bind their own too)."""
        self.rp = self.row_ptr
        self.cd = self.cols["code"]
        self.dl = self.cols["delay"]
        # the rows may have moved: the thread segments are planned again at
        # the next Prepare (until then each thread scans whole rows)
        self.has_tseg = False
        self.tseg_key = None

    def pre_run(self, engine, dict params):
        """Take the model-level parameters before a run (``params``: the model's
        defaults, including ``common``)."""
        pass

    #: columns whose value is model-level (``common``): ``SetDefaults`` or
    #: ``CopyModel`` set them for all synapses of a model (NEST's ``*_hom``
    #: models); declared ``compact`` and ``private`` as well, they are held
    #: as one value that :meth:`take_common` refreshes before each run
    hom = ()

    def take_common(self, dict params):
        """Hold the model-level parameters ``hom`` as the compact columns the
        delivery reads (one value each)."""
        for name in self.hom:
            dt = self.all_columns()[name][0]
            self.cols[name] = np.full(1, params[name], dt)
            self.uniform.add(name)
        self.bind()

    @classmethod
    def has_weight(cls):
        """Whether each synapse has its own weight (False where the weight is
        model-level: NEST's ``*_hom_w`` models report none per connection)."""
        return "weight" not in cls.hom

    @classmethod
    def check(cls, dict values, common=None):
        """Validate values of the model's columns (raise BadProperty).

        ``values`` maps column names (and ``weight``) to arrays of equal
        length, one entry per synapse; a model that relates columns (a weight
        bounded by ``Wmax``) finds all it needs, see :meth:`validate`.
        ``common`` holds the model-level parameters (defaults of the model
        name the synapses are made with), when the caller knows them.
        """
        pass

    #: columns that :meth:`check` relates to each other
    checked_together = ()

    def validate(self, idx, dict new):
        """Check ``new`` values (name -> array) for the stored synapses ``idx``;
        the columns the model relates to the changed ones are read from the
        table."""
        from pynestlite.engine import kernel
        values = dict(new)
        if any(name in new for name in self.checked_together):
            for name in self.checked_together:
                if name not in values:
                    values[name] = self.get(name, idx)
        self.check(values, kernel.synapse_models.get(self.synapse_model))

    def __len__(self):
        return int(self.cols["code"].shape[0]) + sum(len(p[0]) for p in self.pending)

    def add(self, sources, codes, delays, dict values):
        """Queue synapses for the next finalize.

        ``values`` holds the model's columns (missing ones take their
        defaults); delays and column values may be scalars, which stay
        scalars until they are written into the rows.
        """
        sources = np.asarray(sources, np.int64)
        chunk = {"code": np.asarray(codes, np.uint32)}
        chunk["delay"] = delays if np.ndim(delays) == 0 else np.asarray(delays, np.uint16)
        for name, (dt, default) in self.columns.items():
            # (a model-level value is the table's one value, never per synapse)
            v = self.cols[name][0] if name in self.hom else values.get(name, default)
            if np.ndim(v) != 0:
                v = np.asarray(v, dt)
                if name in self.compact and v.shape[0] and np.all(v == v[0]):
                    v = v[0]        # keeps a compact column compact
            chunk[name] = v
        self.pending.append((sources, chunk))

    def sources(self):
        """Source gid of every stored synapse (expanded from the rows)."""
        counts = np.diff(self.row_ptr)
        return np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    def finalize(self, int64_t n_gids):
        """Merge pending synapses into the rows (stable bucket sort by source).

        Existing rows keep their order and new synapses follow in the order
        they were added.  Columns are merged one at a time, each freed as
        soon as it is written, so the peak is the old table + the pending
        chunks + one new column.
        """
        if not self.pending and self.n_rows >= n_gids + 1:
            return
        pending = self.pending
        self.pending = []
        n_rows = max(n_gids + 1, self.n_rows)
        for src, _ in pending:
            if len(src):
                n_rows = max(n_rows, int(src.max()) + 1)
        counts = np.zeros(n_rows, np.int64)
        counts[:self.n_rows] = np.diff(self.row_ptr)
        # large chunks are merged by several threads, each taking a contiguous
        # part of the chunk (its counts per row place it after the parts
        # before it); the others by one pass that every thread scans
        plans = [_chunk_plan(src, n_rows) for src, _ in pending]
        for (src, _), plan in zip(pending, plans):
            if plan is None:
                counts += np.bincount(src, minlength=n_rows)
            else:
                counts += plan[2]
        row_ptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(counts, out=row_ptr[1:])
        del counts
        total = int(row_ptr[n_rows])
        old_rp = self.row_ptr
        n_old = int(old_rp[-1])
        for name, (dt, _) in self.stored_columns().items():
            if name in self.uniform:
                vals = [chunk[name] for _, chunk in pending]
                u = self.cols[name][0]
                if all(np.ndim(v) == 0 for v in vals):
                    first = vals[0] if (n_old == 0 and vals) else u
                    if all(v == first for v in vals):
                        self.cols[name] = np.full(1, first, dt)
                        for _, chunk in pending:
                            chunk.pop(name)
                        continue
                old = np.full(n_old, u, dt)      # the synapses differ from now on
                self.uniform.discard(name)
                self.cols.pop(name)
            else:
                old = self.cols.pop(name)
            out = np.empty(total, dt)
            nxt = row_ptr[:n_rows].copy()
            _scatter_rows(old_rp, old, nxt, out)
            del old
            for (src, chunk), plan in zip(pending, plans):
                v = chunk.pop(name)
                v = np.full(1, v, dt) if np.ndim(v) == 0 else v
                if plan is None:
                    _scatter_chunk(src, v, nxt, out)
                else:
                    _scatter_parts(src, v, plan, nxt, out)
                del v
            self.cols[name] = out
        self._log_layout("grow", (old_rp, row_ptr))
        self.row_ptr = row_ptr
        self.n_rows = n_rows
        self.bind()

    def get(self, str name, idx):
        """Values of column ``name`` of the synapses ``idx`` (a model-level
        parameter ``hom``: its current value, for each of them)."""
        if name in self.hom:
            from pynestlite.engine import kernel
            value = kernel.synapse_models[self.synapse_model][name]
            return np.full(np.shape(np.arange(self.n_synapses())[idx]), value,
                           self.all_columns()[name][0])
        col = self.cols[name]
        if name in self.uniform:
            return np.array(np.broadcast_to(col, (self.n_synapses(),))[idx])
        return col[idx]

    def set(self, str name, idx, values):
        """Write column ``name`` of the synapses ``idx`` (values checked by
        :meth:`validate` beforehand).  A compact column stays compact while
        the synapses keep agreeing."""
        if name in self.uniform:
            col = self.cols[name]
            v = np.asarray(values, col.dtype)
            if np.all(v == col[0]):
                return
            n = self.n_synapses()
            every = np.zeros(n, bool)
            every[idx] = True
            if every.all() and v.size and np.all(v == v.flat[0]):
                col[0] = v.flat[0]
                return
            self.cols[name] = np.full(n, col[0], col.dtype)
            self.uniform.discard(name)
            self.bind()
        self.cols[name][idx] = values

    def __dealloc__(self):
        free(self.wr_k); free(self.wr_stamp); free(self.wr_w)

    # ------------------------------------------------------- weight recorder
    @classmethod
    def check_common(cls, dict params):
        """Validate model-level parameters at SetDefaults/CopyModel: a
        ``weight_recorder`` must be one weight_recorder node (models with
        more model-level parameters check them too)."""
        if params.get("weight_recorder") is not None:
            from pynestlite.engine import kernel
            weight_recorder_block(params["weight_recorder"], kernel)

    def bind_weight_recorder(self, engine, params):
        """Take the model's ``weight_recorder`` (a node id or collection; None:
        off) before a run, with the synapses its ``senders`` and ``targets``
        select: only their transmissions are logged (the log of a long run
        holds what the recorder keeps, not every transmission)."""
        wr = params.get("weight_recorder")
        if wr is None:
            self.weight_recorder = None
            self.wr_on = False
            return
        blk, i = weight_recorder_block(wr, engine, index=True)
        self.weight_recorder = blk
        self.wr_index = i
        self.wr_on = True
        senders, targets = blk.filters(i)
        if not len(senders) and not len(targets):
            self.wr_all = True
            self.wr_sel_key = None
            return
        key = (senders.tobytes(), targets.tobytes(), self.row_ptr, len(self))
        if self.wr_sel_key is not None and self.wr_sel_key[:2] == key[:2] \
                and self.wr_sel_key[2] is key[2] and self.wr_sel_key[3] == key[3]:
            self.wr_all = False
            return
        rp = np.asarray(self.row_ptr, np.int64)
        n = int(rp[-1]) if len(rp) else 0
        codes = np.asarray(self.cols["code"][:n], np.uint32) if n else np.empty(0, np.uint32)
        sel = np.ones(n, bool)
        if len(senders):
            rows = np.zeros(max(len(rp) - 1, 0), bool)
            s = senders[senders < len(rows)]
            rows[s] = True
            sel &= np.repeat(rows, np.diff(rp))
        if len(targets):
            chans = np.unique(codes >> 2)
            chan_ok = np.zeros(int(chans[-1]) + 1 if len(chans) else 0, bool)
            if len(chans):
                chan_ok[chans] = np.isin(engine.decode_targets(chans << 2), targets)
                sel &= chan_ok[codes >> 2]
        self.wr_sel = sel.view(np.uint8)
        self.wr_all = False
        self.wr_sel_key = key

    cdef int record_weight(self, int64_t k, int64_t stamp, double w) noexcept nogil:
        """Log a transmission of synapse ``k`` (spike stamp, weight sent) if
        the weight recorder's filter selects it."""
        cdef int64_t cap
        if not self.wr_all and not self.wr_sel[k]:
            return 0
        if self.wr_n == self.wr_cap:
            cap = 2 * self.wr_cap if self.wr_cap else 1024
            p1 = <int64_t *>realloc(self.wr_k, cap * sizeof(int64_t))
            if p1 != NULL:
                self.wr_k = p1
            p2 = <int64_t *>realloc(self.wr_stamp, cap * sizeof(int64_t))
            if p2 != NULL:
                self.wr_stamp = p2
            p3 = <double *>realloc(self.wr_w, cap * sizeof(double))
            if p3 != NULL:
                self.wr_w = p3
            if p1 == NULL or p2 == NULL or p3 == NULL:
                self.wr_failed = 1
                return -1
            self.wr_cap = cap
        self.wr_k[self.wr_n] = k
        self.wr_stamp[self.wr_n] = stamp
        self.wr_w[self.wr_n] = w
        self.wr_n += 1
        return 0

    def flush_weights(self, engine):
        """Hand the logged transmissions of the run to the weight recorder."""
        from pynestlite.errors import KernelMemoryError
        from pynestlite.synapses import _decode_receptors
        if self.wr_failed:
            self.wr_failed = 0
            self.wr_n = 0
            raise KernelMemoryError(f"{self.synapse_model}: the weight recorder buffer "
                                    "could not grow")
        cdef int64_t n = self.wr_n
        if n == 0 or self.weight_recorder is None:
            self.wr_n = 0
            return
        ks = np.empty(n, np.int64)
        st = np.empty(n, np.int64)
        w = np.empty(n, np.float64)
        cdef int64_t[::1] v2 = ks, v3 = st
        cdef double[::1] v4 = w
        memcpy(&v2[0], self.wr_k, n * sizeof(int64_t))
        memcpy(&v3[0], self.wr_stamp, n * sizeof(int64_t))
        memcpy(&v4[0], self.wr_w, n * sizeof(double))
        self.wr_n = 0
        src = np.searchsorted(self.row_ptr, ks, side="right") - 1
        codes = self.cols["code"][ks]
        tgt = engine.decode_targets(codes)
        receptors = _decode_receptors(codes, tgt, "spike")
        self.weight_recorder.record_weights(self.wr_index, src, tgt, st, w,
                                            np.asarray(receptors, np.int64), ks, engine)

    def get_state(self):
        """Every column (private ones included) as arrays, and which columns
        are held compact; a model with more state adds it
        (``pynestlite.checkpoint``)."""
        return {"columns": {name: np.array(col, copy=True) for name, col in self.cols.items()},
                "uniform": sorted(self.uniform)}

    def set_state(self, dict state):
        """Restore :meth:`get_state` into a finalized table of the same synapses."""
        from pynestlite.errors import KernelStateError
        cols = state["columns"]
        n = self.n_synapses()
        if set(cols) != set(self.cols):
            raise KernelStateError(f"{self.synapse_model}: saved columns {sorted(cols)} differ "
                                   f"from the table's {sorted(self.cols)}")
        stored = self.stored_columns()
        for name, col in cols.items():
            if name in stored and name not in state["uniform"] and col.shape[0] != n:
                raise KernelStateError(f"{self.synapse_model}: {col.shape[0]} saved synapses, "
                                       f"the network has {n}")
        if not (np.array_equal(cols["code"], self.cols["code"])
                and np.array_equal(cols["delay"], self.cols["delay"])):
            raise KernelStateError(f"{self.synapse_model}: the saved synapses connect other "
                                   "targets or have other delays than this network's")
        self.cols = {name: np.array(col, dtype=self.all_columns()[name][0])
                     for name, col in cols.items()}
        self.uniform = set(state["uniform"])
        self.bind()

    def failure(self):
        """The exception for ``failed`` set by nogil code (None: out of memory)."""
        return None

    def plan_threads(self, chan_slot, bounds):
        """Before a run on several threads (tables of models that deliver on
        threads): if every row lists its synapses by the thread of their
        target (``bounds``: thread ``t`` owns the slots ``bounds[t] ..
        bounds[t+1] - 1``; rows in target order, as the connection rules make
        them, are), each thread delivers a contiguous part of each row
        (:func:`row_span`); otherwise each thread reads the whole row and
        keeps its targets.  Both deliver the same sums in the same order."""
        b = np.ascontiguousarray(bounds, np.int64)
        key = (self.row_ptr, len(self), b.tobytes())
        if self.tseg_key is not None and self.tseg_key[0] is key[0] \
                and self.tseg_key[1:] == key[1:]:
            return self.has_tseg
        seg = np.empty((self.n_rows, len(b)), np.int64)
        self.has_tseg = bool(thread_segments(self.rp, self.cd,
                                             np.ascontiguousarray(chan_slot, np.int64), b, seg))
        self.tseg = seg if self.has_tseg else None
        self.tseg_key = key
        return self.has_tseg

    cdef void pre_deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                          int64_t n, int64_t origin) noexcept nogil:
        """Before several threads deliver the spikes (on the calling thread):
        what the delivery reads per source rather than per target (a model
        with state per source row computes it here)."""
        pass

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        pass

    cdef void deliver_flagged(self, SliceContext *ctx, const int64_t *gids,
                              const int32_t *lags, const uint8_t *flush, int64_t n,
                              int64_t origin) noexcept nogil:
        """Deliver spikes and flush events (``flush[i]``: entry ``i`` is a flush
        event: no spike, but the synapses integrate up to its stamp), merged in
        canonical order; only models with ``supports_flush``."""
        pass

    cdef void deliver_values(self, SliceContext *ctx, const int64_t *keys,
                             const double *vals, int64_t n, int64_t origin) noexcept nogil:
        """Secondary models (``secondary``): deliver the values ``vals`` sent
        by the sources of ``keys`` ((lag << 40) | gid) in the slice at
        ``origin``."""
        pass

    cdef int64_t next_update(self, int64_t after) noexcept nogil:
        """The first update time (step) of a time-driven model after ``after``."""
        return INT64_MAX

    cdef void advance(self, SliceContext *ctx, int64_t p, int64_t end) noexcept nogil:
        """Time-driven work at step ``p`` (slice start or update time); the
        loop then runs up to step ``end`` before the next call."""
        pass


cdef inline void _static_span(SliceContext *ctx, int64_t base, const uint16_t *dl,
                              const uint32_t *cd, const double *w, Py_ssize_t s_w,
                              int64_t k0, int64_t k1) noexcept nogil:
    """Synapses ``k0 .. k1 - 1`` of a static table take a spike whose ring
    slot is ``base``: each adds its weight (``w[k * s_w]``) to its channel in
    the slot ``delay`` steps later (the column pointers are read once per
    span, not once per synapse)."""
    cdef int64_t k, slot, L = ctx.ring_len, W = ctx.row_width
    cdef double *buf = ctx.inbuf
    for k in range(k0, k1):
        slot = base + dl[k]
        if slot >= L:
            slot -= L
        add_to_channel(buf + slot * W, cd[k], w[k * s_w], 1.0)


cdef class StaticSynapseTable(SynapseTable):
    """``static_synapse``: a fixed weight (float64) and delay.

    14 bytes per synapse (channel code 4, weight 8, delay 2) plus 8 bytes per
    source gid for the row pointers.  A spike of source ``g`` at ``lag`` adds
    ``weight`` to the target channel in the ring-buffer slot of step
    ``origin + lag + delay``.
    """
    columns = {"weight": ("float64", 1.0)}
    # the delivery hands single events (sender, step) to the channels that
    # take them (precise and binary targets)
    single_events = True
    # several threads deliver at once, each to the targets it owns
    threaded = True

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]
        self.s_w = self.stride("weight")

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, g, nrows = self.n_rows
        if ctx.chan_precise != NULL or ctx.chan_payload != NULL:
            self.deliver_precise(ctx, gids, lags, n, origin)
            return
        if split_threads(ctx):
            self.deliver_owned(ctx, gids, lags, n, origin)
            return
        if self.dl.shape[0] == 0:
            return
        cdef const int64_t *rp = &self.rp[0]
        for s in range(n):
            g = gids[s]
            if g < nrows:
                _static_span(ctx, (origin + lags[s]) % ctx.ring_len, &self.dl[0], &self.cd[0],
                             &self.w[0], self.s_w, rp[g], rp[g + 1])

    cdef void deliver_owned(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                            int64_t n, int64_t origin) noexcept nogil:
        """As :meth:`deliver` on one of several threads: only the synapses
        whose target slot the thread owns."""
        cdef int64_t s, k, g, k0, k1, base, slot, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t nrows = self.n_rows
        if self.dl.shape[0] == 0:
            return
        for s in range(n):
            g = gids[s]
            if g >= nrows:
                continue
            base = (origin + lags[s]) % L
            if not row_span(self, ctx, g, &k0, &k1):
                _static_span(ctx, base, &self.dl[0], &self.cd[0], &self.w[0], self.s_w, k0, k1)
                continue
            for k in range(k0, k1):
                if not owns_target(ctx, self.cd[k]):
                    continue
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], self.w[k * self.s_w], 1.0)

    cdef void deliver_precise(self, SliceContext *ctx, const int64_t *gids,
                              const int32_t *lags, int64_t n, int64_t origin) noexcept nogil:
        """As :meth:`deliver` in a network with targets that take single
        events or payloads: precise targets get each spike with its offset,
        binary targets decode each spike with its sender, payload targets
        the weight times the spike's payload."""
        cdef int64_t s, k, g, step, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t nrows = self.n_rows
        cdef double off
        for s in range(n):
            g = gids[s]
            if g >= nrows:
                continue
            off = ctx.goff[s] if ctx.goff != NULL else 0.0
            for k in range(self.rp[g], self.rp[g + 1]):
                step = origin + lags[s] + self.dl[k]
                add_event(ctx, ctx.inbuf + (step % L) * W, self.cd[k], self.w[k * self.s_w], 1.0,
                          step, off, g, origin + lags[s])


cdef class RecordingTable(SynapseTable):
    """Connections of recording devices: neuron -> spike_recorder (rows keyed
    by the neuron) and multimeter -> neuron (rows keyed by the multimeter).

    The ``code`` column holds the target's gid (a neuron's gid appears only
    as the target of multimeters); there is no weight, and the delay column
    is unused (NEST ignores both for recorders and reports 1.0
    and 1.0 ms).  The kernel never delivers through this table: recorders
    read it at Prepare (spike_recorder: which sources, how many times;
    multimeter: which targets).
    """
    kind = "recording"
    # multimeter -> neuron: NEST's receptor (port) of the connection, the
    # multimeter's number among those recording the neuron (1, 2, ...);
    # 0 for spike_recorder connections (held as one value while all are 0)
    columns = {"port": ("uint16", 0)}
    compact = ("port",)

    def __init__(self, synapse_model="static_synapse"):
        SynapseTable.__init__(self, synapse_model)

    def multimeter_counts(self, int64_t n_gids):
        """Per gid: the multimeter connections it receives (finalizes first)."""
        self.finalize(n_gids)
        return np.bincount(self.cols["code"].astype(np.int64), minlength=n_gids + 1)

    def targets_of(self, int64_t gid):
        """Target gids of the connections of source ``gid`` (creation order)."""
        if gid + 1 >= self.row_ptr.shape[0]:
            return np.empty(0, np.int64)
        return self.cols["code"][self.row_ptr[gid]:self.row_ptr[gid + 1]].astype(np.int64)


cdef class DetectorTable(SynapseTable):
    """Connections into devices with input ports (correlation_detector,
    correlomatrix_detector): rows keyed by the source, ``code`` the
    detector's gid, ``port`` the receptor the connection was made with and
    ``weight`` its weight.  The delay column counts towards the kernel's
    delay extrema, as in NEST, but the detectors ignore it.

    Every rank holds all connections of every detector, so every rank sees
    the same spikes (the exchanged spikes of all ranks) and builds the same
    histograms.  Delivery (at the start of the slice after the spikes were
    emitted, as NEST delivers to these devices) only logs the synapse index,
    the spike's stamp and the delivering slice; the detectors take the log
    after the run (:meth:`take_events`, ordered there as NEST hands them
    over).  The ordinary synapse tables are not involved.

    *Live* receivers (devices that act on their input during the run, e.g.
    spike_dilutor; :meth:`configure_live`) take the spikes instead as counts
    in a ring buffer of their own, ``live_ring[arrival step mod ring_len,
    column]``, arrival = emission step + delay (as a neuron's input); the
    device reads and zeroes its column's entry in its update of that step.
    """
    kind = "detector"
    columns = {"weight": ("float64", 1.0), "port": ("uint16", 0)}
    compact = ("port",)

    def __init__(self, synapse_model="static_synapse"):
        SynapseTable.__init__(self, synapse_model)
        self.live_gids = np.empty(0, np.int64)

    def __dealloc__(self):
        free(self.ev_k)
        free(self.ev_stamp)
        free(self.ev_due)

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, g, k, cap, n_rows = self.rp.shape[0] - 1
        cdef int64_t due = origin + ctx.min_delay       # the slice delivering them
        cdef int64_t *p1
        cdef int64_t *p2
        cdef int64_t *p3
        cdef int64_t L = self.live_ring.shape[0] if self.has_live else 1
        for s in range(n):
            g = gids[s]
            if g >= n_rows:
                continue
            for k in range(self.rp[g], self.rp[g + 1]):
                if self.has_live and self.live_col[k] >= 0:
                    self.live_ring[(origin + lags[s] + self.dl[k]) % L, self.live_col[k]] += 1.0
                    continue
                if self.ev_n == self.ev_cap:
                    cap = 2 * self.ev_cap if self.ev_cap else 1024
                    p1 = <int64_t *>realloc(self.ev_k, cap * sizeof(int64_t))
                    if p1 != NULL:
                        self.ev_k = p1
                    p2 = <int64_t *>realloc(self.ev_stamp, cap * sizeof(int64_t))
                    if p2 != NULL:
                        self.ev_stamp = p2
                    p3 = <int64_t *>realloc(self.ev_due, cap * sizeof(int64_t))
                    if p3 != NULL:
                        self.ev_due = p3
                    if p1 == NULL or p2 == NULL or p3 == NULL:
                        self.failed = True
                        return
                    self.ev_cap = cap
                self.ev_k[self.ev_n] = k
                self.ev_stamp[self.ev_n] = origin + lags[s] + 1
                self.ev_due[self.ev_n] = due
                self.ev_n += 1

    def configure_live(self, live_gids, int64_t ring_len, int64_t step):
        """Make the devices ``live_gids`` (ascending) live receivers with a
        ring buffer of ``ring_len`` slots (call after :meth:`finalize`).
        Counts still pending (arrival at ``step`` or later) move to the new
        layout.  Returns the ring (numpy, [ring_len, len(live_gids)])."""
        live_gids = np.asarray(live_gids, np.int64)
        ring = np.zeros((ring_len, len(live_gids)), np.float64)
        if self.has_live:
            old = np.asarray(self.live_ring)
            old_gids = self.live_gids
            keep = np.isin(old_gids, live_gids)
            L0 = old.shape[0]
            t = step + np.arange(min(L0, ring_len), dtype=np.int64)
            cols = np.searchsorted(live_gids, old_gids[keep])
            ring[np.ix_(t % ring_len, cols)] = old[np.ix_(t % L0, np.flatnonzero(keep))]
        codes = np.asarray(self.cols["code"], np.int64) if len(self) else np.empty(0, np.int64)
        col = np.full(len(codes), -1, np.int64)
        if len(live_gids):
            pos = np.minimum(np.searchsorted(live_gids, codes), len(live_gids) - 1)
            hit = live_gids[pos] == codes
            col[hit] = pos[hit]
        self.live_col = col
        self.live_ring = ring
        self.live_gids = live_gids
        self.has_live = len(live_gids) > 0
        return ring

    def take_events(self):
        """The logged deliveries since the last call: synapse index, spike
        stamp and the first step of the slice that delivered it, arrays in
        delivery order; the log is emptied."""
        cdef int64_t n = self.ev_n
        ks = np.empty(n, np.int64)
        st = np.empty(n, np.int64)
        due = np.empty(n, np.int64)
        cdef int64_t[::1] vk = ks, vs = st, vd = due
        if n:
            memcpy(&vk[0], self.ev_k, n * sizeof(int64_t))
            memcpy(&vs[0], self.ev_stamp, n * sizeof(int64_t))
            memcpy(&vd[0], self.ev_due, n * sizeof(int64_t))
        self.ev_n = 0
        return ks, st, due

    def connections_of(self, sources):
        """(synapse index, source) of the connections of the given source
        gids, each source's connections in creation order."""
        sources = np.asarray(sources, np.int64)
        rp = self.row_ptr
        inside = sources + 1 < rp.shape[0]
        lo = np.zeros(len(sources), np.int64)
        hi = np.zeros(len(sources), np.int64)
        lo[inside] = rp[sources[inside]]
        hi[inside] = rp[sources[inside] + 1]
        counts = hi - lo
        src = np.repeat(sources, counts)
        first = np.cumsum(counts) - counts
        idx = np.repeat(lo - first, counts) + np.arange(counts.sum(), dtype=np.int64)
        return idx, src


SYNAPSE_TYPES = {"static_synapse": StaticSynapseTable}


def weight_recorder_block(wr, engine, index=False):
    """The WeightRecorder block of the node ``wr`` (a NodeCollection or id),
    with the node's place in it when ``index``."""
    from pynestlite.models.recorders import WeightRecorder
    from pynestlite.nodes import as_collection
    try:
        ids = as_collection(wr, "weight_recorder").ids
        blocks = [rec.block for rec, _ in engine.groups(ids)]
    except Exception:
        ids, blocks = (), []
    if len(ids) != 1 or len(blocks) != 1 or not isinstance(blocks[0], WeightRecorder):
        raise BadProperty(f"weight_recorder must be one weight_recorder node, got {wr!r}")
    if not index:
        return blocks[0]
    return blocks[0], int(np.searchsorted(blocks[0].gids, ids[0]))


# threads that build the tables (local_num_threads; see set_build_threads)
cdef int _build_threads = 1


def set_build_threads(int n):
    """Merge pending synapses into the tables on ``n`` threads (each writes
    the rows of its own range of sources, so the tables do not depend on
    ``n``)."""
    global _build_threads
    _build_threads = max(1, n)


def _row_bounds(nxt, int T):
    """Sources ``b[t] .. b[t+1] - 1`` for thread ``t``: about as many synapses each."""
    nx = np.asarray(nxt)
    total_rows = len(nx)
    if T <= 1 or total_rows == 0:
        return np.array([0, total_rows], np.int64)
    b = np.searchsorted(nx, np.linspace(nx[0], nx[-1], T + 1)[1:-1], side="left")
    return np.concatenate([[0], b, [total_rows]]).astype(np.int64)


def _scatter_rows(const int64_t[::1] rp, const col_t[::1] col, int64_t[::1] nxt,
                  col_t[::1] out):
    """Copy the rows of an existing column to the front of the new rows."""
    cdef Py_ssize_t g, k, p
    cdef Py_ssize_t n_rows = rp.shape[0] - 1
    with nogil:
        for g in prange(n_rows, num_threads=_build_threads, schedule="static"):
            for k in range(rp[g], rp[g + 1]):
                out[nxt[g] + k - rp[g]] = col[k]
            nxt[g] += rp[g + 1] - rp[g]


def _scatter_chunk(src_obj, const col_t[::1] vals, int64_t[::1] nxt, col_t[::1] out):
    """Append the values of a chunk to their source rows, in chunk order; one
    value for a longer chunk is the value of all its synapses (on several
    threads: each scans the chunk and writes its own sources' rows)."""
    cdef const int64_t[::1] src = np.ascontiguousarray(src_obj, dtype=np.int64)
    cdef Py_ssize_t i, p, n = src.shape[0]
    cdef Py_ssize_t stride = 0 if vals.shape[0] == 1 else 1
    cdef int T = _build_threads if n > 100000 else 1, t
    cdef const int64_t[::1] b = _row_bounds(nxt, T)
    cdef int64_t lo, hi, g
    with nogil:
        for t in prange(T, num_threads=T, schedule="static", chunksize=1):
            lo = b[t]
            hi = b[t + 1]
            for i in range(n):
                g = src[i]
                if g < lo or g >= hi:
                    continue
                p = nxt[g]
                nxt[g] = p + 1
                out[p] = vals[i * stride]


def _chunk_plan(src_obj, int64_t n_rows):
    """How several threads merge a large chunk: ``(parts, cnt, total)`` with
    ``parts[t] .. parts[t+1] - 1`` thread ``t``'s contiguous part of the
    chunk, ``cnt[t, g]`` the part's synapses of row ``g`` and ``total`` their
    sum over the parts; None for one thread, a small chunk, or more rows than
    the chunk has synapses per thread (the counts would outweigh the chunk)."""
    cdef const int64_t[::1] src
    cdef int T = _build_threads, t
    cdef Py_ssize_t i, n = len(src_obj)
    cdef int64_t[:, ::1] c
    cdef const int64_t[::1] pb
    if T <= 1 or n < 100000 or T * n_rows > n:
        return None
    src = np.ascontiguousarray(src_obj, dtype=np.int64)
    parts = np.linspace(0, n, T + 1).astype(np.int64)
    cnt = np.zeros((T, n_rows), np.int64)
    c = cnt
    pb = parts
    with nogil:
        for t in prange(T, num_threads=T, schedule="static", chunksize=1):
            for i in range(pb[t], pb[t + 1]):
                c[t, src[i]] += 1
    return parts, cnt, cnt.sum(axis=0)


def _scatter_parts(src_obj, const col_t[::1] vals, plan, int64_t[::1] nxt, col_t[::1] out):
    """As :func:`_scatter_chunk` with a plan of :func:`_chunk_plan`: thread
    ``t`` writes its part of the chunk, each row's synapses after those of
    the parts before (the same rows as one pass in chunk order)."""
    parts, cnt, total = plan
    cdef const int64_t[::1] src = np.ascontiguousarray(src_obj, dtype=np.int64)
    cdef const int64_t[::1] pb = parts
    cur_obj = np.cumsum(cnt, axis=0)
    cur_obj -= cnt
    cur_obj += np.asarray(nxt)[None, :]
    cdef int64_t[:, ::1] cur = cur_obj
    cdef Py_ssize_t stride = 0 if vals.shape[0] == 1 else 1, i
    cdef int T = pb.shape[0] - 1, t
    cdef int64_t g, p
    with nogil:
        for t in prange(T, num_threads=T, schedule="static", chunksize=1):
            for i in range(pb[t], pb[t + 1]):
                g = src[i]
                p = cur[t, g]
                cur[t, g] = p + 1
                out[p] = vals[i * stride]
    np.asarray(nxt)[:] += total


ctypedef fused gid_t:
    int32_t
    int64_t


def row_sources(const int64_t[::1] rp, gid_t[::1] out):
    """Write the source gid of every synapse (row ``g`` repeated) into ``out``."""
    cdef Py_ssize_t g, k
    with nogil:
        for g in range(rp.shape[0] - 1):
            for k in range(rp[g], rp[g + 1]):
                out[k] = <gid_t>g


def row_indices(const int64_t[::1] rp, const int64_t[::1] gids):
    """Indices and sources of the synapses of source rows ``gids`` (sorted, unique)."""
    cdef Py_ssize_t i, k, n = 0, p = 0, nr = rp.shape[0] - 1
    cdef int64_t g
    for i in range(gids.shape[0]):
        g = gids[i]
        if 0 <= g < nr:
            n += rp[g + 1] - rp[g]
    idx = np.empty(n, np.int64)
    src = np.empty(n, np.int64)
    cdef int64_t[::1] iv = idx, sv = src
    with nogil:
        for i in range(gids.shape[0]):
            g = gids[i]
            if g < 0 or g >= nr:
                continue
            for k in range(rp[g], rp[g + 1]):
                iv[p] = k
                sv[p] = g
                p += 1
    return idx, src


def multapse_index(sources, targets):
    """For connections given by their source and target gids: the number of
    earlier connections (in the given order) between the same pair (0 for
    the first, 1 for the second multapse, ...)."""
    src = np.asarray(sources, np.int64)
    tgt = np.asarray(targets, np.int64)
    n = src.shape[0]
    dup = np.zeros(n, np.int64)
    if n:
        key = src * (int(tgt.max()) + 1) + tgt
        srt = np.argsort(key, kind="stable")
        ks = key[srt]
        first = np.r_[True, ks[1:] != ks[:n - 1]]
        run_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        dup[srt] = np.arange(n) - run_start
    return dup


def channel_code(channel, split, count):
    """The code a synapse stores for its target channel(s) (an int or a
    uint32 array): ``(channel << 2) | count | split`` (see nodebase.pxd)."""
    return (channel << 2) | (2 if count else 0) | (1 if split else 0)


cdef inline int _row_segments(const int64_t *rp, const uint32_t *cd, const int64_t *chan_slot,
                              const int64_t *bounds, int T, int64_t g,
                              int64_t *seg) noexcept nogil:
    """:func:`thread_segments` of row ``g`` into ``seg[0 .. T]``; 1 if the
    row does not list its synapses by thread (``seg`` unfinished)."""
    cdef int64_t k, sl
    cdef int t = 1, owner, last = 0
    seg[0] = rp[g]
    for k in range(rp[g], rp[g + 1]):
        sl = chan_slot[cd[k] >> 2]
        if sl < 0:
            sl = 0
        owner = last
        while owner + 1 < T and sl >= bounds[owner + 1]:
            owner += 1
        if sl < bounds[owner]:
            return 1         # an earlier thread's target after a later one's
        while t <= owner:
            seg[t] = k
            t += 1
        last = owner
    while t <= T:
        seg[t] = rp[g + 1]
        t += 1
    return 0


def thread_segments(const int64_t[::1] rp, const uint32_t[::1] cd,
                    const int64_t[::1] chan_slot, const int64_t[::1] bounds,
                    int64_t[:, ::1] seg):
    """Per row ``g``, ``seg[g, t]``: the first synapse whose target slot
    (``chan_slot[cd >> 2]``) is owned by thread ``t`` or a later one
    (``bounds[t] <= slot``); ``seg[g, T]`` is the row's end.  Returns False
    (``seg`` unfinished) if some row does not list its synapses by thread.
    The rows are planned on the table-building threads."""
    cdef Py_ssize_t g, nrows = seg.shape[0]
    cdef int T = bounds.shape[0] - 1
    cdef int64_t bad = 0
    if nrows == 0:
        return True
    if cd.shape[0] == 0:
        seg[:, :] = 0
        return True
    if chan_slot.shape[0] == 0:
        return False
    with nogil:
        for g in prange(nrows, num_threads=_build_threads, schedule="static"):
            bad += _row_segments(&rp[0], &cd[0], &chan_slot[0], &bounds[0], T, g, &seg[g, 0])
    return bad == 0


def channel_targets(const uint32_t[::1] codes, const int64_t[::1] chan_slot, int64_t size,
                    int64_t rank, gid_t[::1] out):
    """Target gid of every channel code: ``chan_slot[code >> 2] * size + rank + 1``."""
    cdef Py_ssize_t i
    with nogil:
        for i in range(codes.shape[0]):
            out[i] = <gid_t>(chan_slot[codes[i] >> 2] * size + rank + 1)
