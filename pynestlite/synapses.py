"""SynapseCollection and GetConnections: columnar access to synapses.

A SynapseCollection holds, for the connections local to this rank that match
a query, numpy columns (store, index in the store, source, target); ``get``
and ``set`` of ``weight``/``delay``/``source``/``target``/``synapse_model``/
``receptor`` work on whole columns at once (no per-synapse Python objects).

All connections come from the kernel's one connection store:

* the synapse tables, one per synapse model: neuron -> neuron synapses and
  generator -> neuron connections (rows keyed by the source); a model's own
  columns (declared by its table class) are keys of ``get`` and ``set`` too;
* the recording table (neuron -> spike_recorder, multimeter -> neuron);
  these connections have no stored weight or delay: ``get`` reports the NEST
  defaults (1.0, 1.0 ms) and ``set`` leaves them unchanged (in NEST the
  weight and delay of a connection to or from a recorder have no effect).

Indices stay valid when connections are added later: a table keeps the old
synapses of a source row before the new ones (stable counting sort), so an
index is moved by the shift of its row.
"""
import json

import numpy as np

from pynestlite.errors import (
    BadParameter, BadProperty, SynapseKeyError, UnaccessedDictionaryEntry, UnknownModelName,
    require_finite)
from pynestlite.nodes import as_collection

KEYS = ("delay", "port", "receptor", "sizeof", "source", "synapse_id", "synapse_model",
        "target", "target_thread", "weight")
SETTABLE = ("weight", "delay")
RECORDER_WEIGHT = 1.0
RECORDER_DELAY_MS = 1.0


def _kernel():
    from pynestlite.engine import kernel
    return kernel


def _gid_dtype():
    return np.int32 if _kernel().next_gid < 2 ** 31 else np.int64


def _receptor_lookup(blk, kind):
    """Array: channel offset within a node -> receptor type (for ``kind``)."""
    lut = np.zeros(max(int(blk.n_channels), 1), np.int64)
    table = blk.spike_receptors if kind == "spike" else blk.current_receptors
    # the port NEST reports where it differs from the receptor type (ht_neuron)
    ports = getattr(blk, "receptor_ports", {}) if kind == "spike" else {}
    for rt in sorted(table, reverse=True):       # lowest receptor wins on shared offsets
        entry = table[rt]
        off = entry[0] if kind == "spike" else entry
        lut[int(off)] = int(ports.get(rt, rt))
    return lut


def _decode_receptors(codes, tgt, kind):
    """Receptor types of channel codes whose target gids are ``tgt``."""
    k = _kernel()
    out = np.zeros(len(codes), np.int64)
    if not len(codes):
        return out
    ch = (np.asarray(codes, np.uint32) >> 2).astype(np.int64)
    for rec, g in k.groups(np.unique(tgt)):
        blk = rec.block
        if rec.element_type != "neuron" or not blk.n_channels:
            continue
        sel = np.isin(tgt, g)
        dec = getattr(blk, "receptors_of_channels", None)
        if dec is not None and kind == "spike":
            out[sel] = dec(ch[sel])
            continue
        off = (ch[sel] - blk.chan_base) % blk.n_channels
        out[sel] = _receptor_lookup(blk, kind)[off]
    return out


class _TableStore:
    """Synapses of one synapse table (neuron -> neuron, one synapse model)."""

    kind = "table"

    def __init__(self, table, version=None):
        self.table = self.owner = table
        self.model = table.synapse_model
        self.version = table.layout_version if version is None else version
        table.layout_users.add(self)        # (keeps the layout log we may need)

    def copy(self):
        return type(self)(self.table, self.version)

    def remap(self, idx, src):
        """Current positions of synapses indexed under the layout we saw (-1:
        removed by Disconnect)."""
        v = self.table.layout_version
        if v == self.version:
            return idx
        new = self.table.remap_indices(idx, src, self.version)
        self.version = v
        return new

    @property
    def sizeof(self):
        return self.table.sizeof()

    @property
    def has_weight(self):
        """Whether the connections have a weight of their own (NEST's
        ``*_hom_w`` models have a model-level one and report none)."""
        return self.table.has_weight()

    @property
    def model_columns(self):
        return self.table.public_columns()

    @property
    def nested(self):
        """Per-synapse dict parameters (``optimizer``: key -> column)."""
        return getattr(self.table, "nested", {})

    def weight(self, idx):
        return self.table.get("weight", idx)

    def delay_steps(self, idx):
        return self.table.get("delay", idx).astype(np.int64)

    def delay_offsets(self, idx):
        """The sub-step part of the delays (ms; models with continuous delays),
        or None."""
        t = self.table
        return t.delay_offsets(idx) if hasattr(t, "delay_offsets") else None

    @property
    def split_delay(self):
        """``split_delay`` of a model with continuous delays, or None."""
        return getattr(type(self.table), "split_delay", None)

    def receptor(self, idx, tgt, src):
        codes = self.table.get("code", idx)
        current = np.isin(src, _kernel().current_sources())
        out = _decode_receptors(codes, tgt, "spike")
        if np.any(current):
            out[current] = _decode_receptors(codes[current], tgt[current], "current")
        return out

    def column(self, name, idx):
        return self.table.get(name, idx)

    def set_column(self, name, idx, values):
        self.table.set(name, idx, values)

    def set_weight(self, idx, w):
        self.table.set("weight", idx, w)

    def set_delay(self, idx, steps):
        self.table.set("delay", idx, np.asarray(steps).astype(np.uint16))


class _RecorderStore(_TableStore):
    """Connections in the recording table: neuron -> spike_recorder and
    multimeter -> neuron (no weight or delay: NEST reports 1.0 and 1.0 ms, and
    setting them has no effect)."""

    kind = "recorder"

    def __init__(self, table, version=None):
        _TableStore.__init__(self, table, version)
        self.model = "static_synapse"

    @property
    def model_columns(self):
        return ()

    @property
    def has_weight(self):
        return True

    @property
    def nested(self):
        return {}

    def weight(self, idx):
        return np.full(len(idx), RECORDER_WEIGHT)

    def delay_steps(self, idx):
        return None

    def delay_offsets(self, idx):
        return None

    split_delay = None

    def receptor(self, idx, tgt, src):
        return self.table.get("port", idx).astype(np.int64)

    def set_weight(self, idx, w):
        pass

    def set_delay(self, idx, steps):
        pass


class _DetectorStore(_TableStore):
    """Connections into correlation devices: weight, delay and the receptor
    port as given at Connect (the devices ignore the delay)."""

    kind = "detector"

    def __init__(self, table, version=None):
        _TableStore.__init__(self, table, version)
        self.model = "static_synapse"

    @property
    def model_columns(self):
        return ()

    def receptor(self, idx, tgt, src):
        return self.table.get("port", idx).astype(np.int64)


class SynapseCollection:
    """Connections selected by :func:`GetConnections` (local to this rank).

    Supports ``len``, iteration (one-connection collections), indexing by
    int, slice or a list of ints, ``==``, ``get``, ``set`` and attribute
    access (``conns.weight``, ``conns.weight = 2.0``).
    """

    def __init__(self, stores=(), sid=None, idx=None, src=None, tgt=None):
        self._stores = list(stores)
        e = np.empty(0, np.int64)
        # columns: store number (uint16), index in the store (int64), source and
        # target gid (int32 while gids fit, else int64): 18 bytes per connection
        gdt = _gid_dtype()
        self._sid = e.astype(np.uint16) if sid is None else np.asarray(sid, np.uint16)
        self._idx = e if idx is None else np.asarray(idx, np.int64)
        self._src = e.astype(gdt) if src is None else np.asarray(src, gdt)
        self._tgt = e.astype(gdt) if tgt is None else np.asarray(tgt, gdt)
        self.print_full = False
        self._epoch = _kernel().epoch

    # sequence protocol -----------------------------------------------------
    def __len__(self):
        return int(len(self._idx))

    def _subset(self, sel):
        stores = [s.copy() for s in self._stores]
        sub = SynapseCollection(stores, self._sid[sel], self._idx[sel], self._src[sel],
                                self._tgt[sel])
        sub._epoch = self._epoch
        return sub

    def __getitem__(self, key):
        n = len(self)
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not -n <= key < n:
                raise IndexError(f"index {key} out of range for a SynapseCollection of "
                                 f"{n} connections")
            key = int(key) % n
            return self._subset(slice(key, key + 1))
        if isinstance(key, slice):
            return self._subset(key)
        if isinstance(key, (list, tuple, np.ndarray)):
            k = np.asarray(key)
            if k.dtype == bool:
                if len(k) != n:
                    raise IndexError("boolean index must have the SynapseCollection's length")
                return self._subset(k)
            if k.size and not np.issubdtype(k.dtype, np.integer):
                raise IndexError("SynapseCollection indices must be integers")
            k = k.astype(np.int64)
            if k.size and (k.min() < -n or k.max() >= n):
                raise IndexError(f"index out of range for a SynapseCollection of {n} connections")
            return self._subset(k % max(n, 1))
        raise IndexError(f"cannot index a SynapseCollection with {type(key).__name__}")

    def __iter__(self):
        for i in range(len(self)):
            yield self._subset(slice(i, i + 1))

    def __eq__(self, other):
        if not isinstance(other, SynapseCollection):
            return NotImplemented
        if len(self) != len(other):
            return False
        self._sync()
        other._sync()
        def owners(c):
            ids = np.array([id(s.owner) for s in c._stores] or [0], np.uint64)
            return ids[c._sid]
        return (np.array_equal(owners(self), owners(other))
                and np.array_equal(self._idx, other._idx)
                and np.array_equal(self._src, other._src)
                and np.array_equal(self._tgt, other._tgt))

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    # columns ---------------------------------------------------------------
    def _parts(self):
        """(store number, store, selection) for each store with connections here
        (the selection is a slice when one store holds them all)."""
        if len(self._stores) == 1:
            if len(self):
                yield 0, self._stores[0], slice(None)
            return
        for s, store in enumerate(self._stores):
            sel = self._sid == s
            if np.any(sel):
                yield s, store, sel

    def disconnect(self):
        """Remove these connections (NEST's ``SynapseCollection.disconnect``;
        see :mod:`pynestlite.disconnect`)."""
        from pynestlite.disconnect import disconnect_collection
        disconnect_collection(self)

    def _sync(self):
        """Move indices to the current layout of the tables (see module doc)."""
        for s, store, sel in self._parts():
            self._idx[sel] = store.remap(self._idx[sel], self._src[sel].astype(np.int64))

    def _col(self, name):
        k = _kernel()
        n = len(self)
        if name == "source":
            return self._src.astype(np.int64)
        if name == "target":
            return self._tgt.astype(np.int64)
        if name == "port":
            return self._idx.copy()
        if name == "target_thread":
            return _target_threads(k, self._src.astype(np.int64), self._tgt.astype(np.int64))
        self._sync()
        if name == "sizeof":
            sizes = np.array([s.sizeof for s in self._stores] or [0], np.int64)
            return sizes[self._sid] if n else np.empty(0, np.int64)
        if name not in KEYS:
            if any(name in s.nested for s in self._stores):
                return self._nested(name)
            if not any(name in s.model_columns for s in self._stores):
                raise SynapseKeyError(name)
            return self._model_col(name)
        if name == "synapse_model":
            names = np.array([s.model for s in self._stores] or [""], dtype=object)
            return names[self._sid] if n else np.empty(0, dtype=object)
        if name == "synapse_id":
            ids = {m: k.synapse_model_id(m) for m in k.synapse_models}
            out = np.array([ids.get(s.model, -1) for s in self._stores] or [0],
                           np.int64)[self._sid]
            # (stdp_facetshw_synapse_hom reports its own synapse_id there, as NEST)
            for s, store, sel in self._parts():
                if name in store.model_columns:
                    out[sel] = store.column(name, self._idx[sel])
            return out
        weightless = name == "weight" and [st for _, st, _ in self._parts()
                                           if not st.has_weight]
        if weightless:
            # NEST's *_hom_w connections report no weight: no key when all of
            # them are such, None for them among others
            if len(weightless) == len(list(self._parts())):
                raise SynapseKeyError(name)
            out = np.full(n, None, dtype=object)
            for s, store, sel in self._parts():
                if store.has_weight:
                    out[sel] = store.weight(self._idx[sel]).tolist()
            return out
        out = np.empty(n, np.int64 if name == "receptor" else np.float64)
        h_ms = k.ms_per_step()
        for s, store, sel in self._parts():
            idx = self._idx[sel]
            if name == "weight":
                out[sel] = store.weight(idx)
            elif name == "delay":
                steps = store.delay_steps(idx)
                # NEST: Time::delay_steps_to_ms = steps * ms_per_step
                out[sel] = RECORDER_DELAY_MS if steps is None else steps * h_ms
                sub = store.delay_offsets(idx)
                if sub is not None:
                    out[sel] = out[sel] - sub
            else:
                out[sel] = store.receptor(idx, self._tgt[sel].astype(np.int64),
                                          self._src[sel].astype(np.int64))
        return out

    def _nested(self, name):
        """Per-synapse dicts of a dict parameter (empty where a model has none)."""
        out = np.empty(len(self), dtype=object)
        for i in range(len(self)):
            out[i] = {}
        for s, store, sel in self._parts():
            cols = store.nested.get(name, {})
            for sub, col in cols.items():
                v = store.column(col, self._idx[sel])
                for d, x in zip(out[sel], v.tolist()):
                    d[sub] = x
        return out

    def _model_col(self, name):
        """A column some synapse models declare (NaN where a model has none)."""
        out = None
        every = all(name in st.model_columns for st in self._stores)
        for s, store, sel in self._parts():
            if name not in store.model_columns:
                continue
            v = store.column(name, self._idx[sel])
            if out is None:
                # (integers stay integers when every model has the column)
                if len(self._stores) > 1 and not every:
                    out = np.full(len(self), None, dtype=object)   # None: model lacks it
                else:
                    out = np.zeros(len(self), v.dtype)
            out[sel] = v.tolist() if out.dtype == object else v
        return out

    def _keys(self):
        """NEST's synapse keys plus the columns of the models present."""
        extra = []
        for s in self._stores:
            extra += [c for c in s.model_columns if c not in KEYS and c not in extra]
        keys = KEYS
        if not any(st.has_weight for _, st, _ in self._parts()):
            keys = tuple(key for key in KEYS if key != "weight")
        return keys + tuple(sorted(extra))

    @staticmethod
    def _fmt(col, single):
        vals = np.asarray(col).tolist()           # Python ints, floats and str
        return vals[0] if single else vals

    def get(self, keys=None, output=""):
        """Parameters of the connections, as PyNEST's ``SynapseCollection.get``.

        No key: dict of all parameters; a str: a list of values (the value
        for one connection); a list of str: dict of lists.  ``output="json"``
        gives a JSON string, ``"pandas"`` a DataFrame.
        """
        if output not in ("", "json", "pandas"):
            raise BadParameter(f"output must be '', 'json' or 'pandas', got {output!r}")
        if output == "pandas":
            try:
                import pandas
            except ImportError:
                raise ImportError("Pandas could not be imported") from None
        # (after ResetKernel the connections are gone: as empty, as PyNEST)
        n = len(self) if self._epoch == _kernel().epoch else 0
        if n == 0:
            res = {} if keys is None else ()
            if output == "json":
                return json.dumps({})
            if output == "pandas":
                return pandas.DataFrame()
            return res
        single = n == 1
        if keys is None:
            res = {name: self._fmt(self._col(name), single) for name in self._keys()}
        elif isinstance(keys, str):
            res = self._fmt(self._col(keys), single)
        elif isinstance(keys, (list, tuple)):
            res = {name: self._fmt(self._col(name), single) for name in keys}
        else:
            raise TypeError("keys should be either a string or an iterable")
        if output == "json":
            return json.dumps(res)
        if output == "pandas":
            index = self._fmt(self._col("source"), False)
            if isinstance(keys, str):
                res = {keys: res}
            if single:
                res = {key: [v] for key, v in res.items()}
            return pandas.DataFrame(res, index=index)
        return res

    def _values(self, key, v, n):
        """One float per connection from a scalar, a sequence or a Parameter."""
        from pynestlite.random import Parameter
        k = _kernel()
        if isinstance(v, Parameter):
            from pynestlite.kernel.random_streams import Purpose
            order = np.argsort(self._tgt, kind="stable")
            ut, counts = np.unique(self._tgt[order], return_counts=True)
            drawn = k.evaluate_parameter(v, ut, purpose=Purpose.PURPOSE_SYN_PARAMETER,
                                         counts=counts)
            out = np.empty(n)
            out[order] = drawn
            return out
        try:
            arr = np.asarray(v, np.float64)
        except (TypeError, ValueError):
            raise BadProperty(f"SynapseCollection.set: {key} must be a number or a "
                              f"sequence of numbers, got {v!r}") from None
        if arr.ndim == 0:
            return np.full(n, float(arr))
        if arr.shape != (n,):
            raise BadProperty(f"SynapseCollection.set: {key} needs 1 or {n} values, "
                              f"got shape {arr.shape}")
        return arr

    def set(self, params=None, **kwargs):
        """Set ``weight`` and/or ``delay`` of the connections.

        ``params`` is a dict (values: scalar, one per connection, or a random
        Parameter drawn from the target's stream) or a list of dicts (one per
        connection); keyword arguments work as a dict.  Everything is checked
        before anything changes.
        """
        if self._epoch != _kernel().epoch:
            return                  # connections deleted by ResetKernel
        new = _kernel().agreed(self._plan_set, params, kwargs)
        if new:
            self._commit_set(new)

    def _plan_set(self, params, kwargs):
        """Checked new values of :meth:`set`: dict key -> (rows or None, values)."""
        k = _kernel()
        n = len(self)
        if params is not None and kwargs:
            raise TypeError("must either provide params or kwargs, but not both.")
        if params is None:
            params = kwargs
        if isinstance(params, (list, tuple)):
            if len(params) != n:
                raise TypeError(f"Status dict must be a dict, or a list of dicts of length {n}")
            if not all(isinstance(d, dict) for d in params):
                raise TypeError("Status dict must be a dict, or a list of dicts")
            per = {}
            for i, d in enumerate(params):
                for key, v in d.items():
                    per.setdefault(key, ([], []))
                    per[key][0].append(i)
                    per[key][1].append(v)
        elif isinstance(params, dict):
            per = None
        else:
            raise TypeError("Status dict must be a dict, or a list of dicts")
        # per-synapse dict parameters (an e-prop synapse's "optimizer": {"m", "v"})
        # become the columns they address
        nested = {}
        for st in self._stores:
            for key, cols in st.nested.items():
                nested.setdefault(key, {}).update(cols)
        if nested:
            source = per if per is not None else {k: ([], [v]) for k, v in params.items()}
            flat = {}
            for key, (rows, vals) in source.items():
                if key not in nested:
                    flat[key] = (rows, vals)
                    continue
                for v in vals:
                    if not isinstance(v, dict):
                        raise BadProperty(f"synapse parameter {key!r} must be a dict, got {v!r}")
                    for sub in v:
                        if sub not in nested[key]:
                            raise UnaccessedDictionaryEntry(
                                f"{key} has no per-synapse entry {sub!r}; expected one of "
                                f"{sorted(nested[key])}")
                for sub, col in nested[key].items():
                    got = [(r, v[sub]) for r, v in zip(rows or [None] * len(vals), vals)
                           if sub in v]
                    if got:
                        flat[col] = ([r for r, _ in got], [x for _, x in got])
            if per is not None:
                per = flat
            else:
                params = {k: vals[0] for k, (_, vals) in flat.items()}
        keys = list(per if per is not None else params)
        settable = SETTABLE + tuple(c for st in self._stores for c in st.model_columns
                                    if c not in SETTABLE)
        settable += tuple(c for cols in nested.values() for c in cols.values())
        if "weight" in keys and not all(st.has_weight for _, st, _ in self._parts()):
            settable = tuple(c for c in settable if c != "weight")
        for key in keys:
            if key not in settable:
                raise UnaccessedDictionaryEntry(
                    f"cannot set synapse parameter {key!r}; settable: {', '.join(settable)}")
        new = {}
        for key in keys:
            if per is not None:
                rows, vals = per[key]
                rows = np.asarray(rows, np.int64)
                vals = self._values(key, vals, len(rows)) if len(rows) else np.empty(0)
            else:
                rows = None
                vals = self._values(key, params[key], n)
            require_finite(vals, f"SynapseCollection.set: {key}")
            if key == "delay":
                if any(st.split_delay is not None for _, st, _ in self._parts()):
                    new["delay_ms"] = (rows, vals)     # (continuous delays: see _commit_set)
                    for _, st, _ in self._parts():
                        if st.split_delay is not None:
                            st.split_delay(k, vals)
                vals = k.delay_to_steps(vals)
            new[key] = (rows, vals)
        if n:
            self._validate(new)
        return new if n else None

    def _validate(self, new):
        """Let each synapse model check the new values of its synapses (with
        the columns it relates to them)."""
        self._sync()
        n = len(self)
        for _, store, sel in self._parts():
            if store.kind == "recorder":
                continue
            mine = np.zeros(n, bool)
            mine[sel] = True
            checked = {}
            for key, (rows, vals) in new.items():
                if key != "weight" and key not in store.model_columns:
                    continue
                if rows is None:
                    checked[key] = vals[mine]
                else:
                    part = np.zeros(n, bool)
                    part[rows] = True
                    # keys set for a subset (list of dicts) are checked alone
                    store.table.validate(self._idx[mine & part],
                                         {key: vals[mine[rows]]})
            if checked:
                store.table.validate(self._idx[mine], checked)

    def _commit_set(self, new):
        """Write the values checked by :meth:`_plan_set`."""
        k = _kernel()
        n = len(self)
        # commit
        self._sync()
        for key, (rows, vals) in new.items():
            full_sel = np.ones(n, bool) if rows is None else np.zeros(n, bool)
            if rows is not None:
                full_sel[rows] = True
                col = np.empty(n, vals.dtype)
                col[rows] = vals
            else:
                col = vals
            for s, store in enumerate(self._stores):
                sel = (self._sid == s) & full_sel
                if not np.any(sel):
                    continue
                if key == "weight":
                    store.set_weight(self._idx[sel], col[sel])
                elif key == "delay" and store.split_delay is not None:
                    ms = new["delay_ms"][1]
                    if rows is not None:
                        ms_col = np.empty(n)
                        ms_col[rows] = ms
                        ms = ms_col
                    steps, off = store.split_delay(k, ms[sel])
                    store.set_delay(self._idx[sel], steps)
                    store.set_column("delay_offset", self._idx[sel], off)
                    k.note_delays(type(store.table).delay_steps_used(steps, off))
                elif key == "delay":
                    store.set_delay(self._idx[sel], col[sel])
                elif key in store.model_columns or any(
                        key in cols.values() for cols in store.nested.values()):
                    store.set_column(key, self._idx[sel], col[sel])
            if key == "delay":
                noted = [col[(self._sid == s) & full_sel] for s, st in enumerate(self._stores)
                         if st.kind != "recorder"]
                k.note_delays(np.concatenate(noted) if noted else np.empty(0, np.int64))

    # conveniences ------------------------------------------------------------
    def sources(self):
        """Iterator over the source node ids."""
        return iter(self._src.tolist())

    def targets(self):
        """Iterator over the target node ids."""
        return iter(self._tgt.tolist())

    @property
    def distance(self):
        """Per connection the distance from source to target (wrapped by the
        target's layer; nan where either node has no position)."""
        from pynestlite.spatial.tools import connection_distances
        return connection_distances(self._src, self._tgt)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name, value):
        if name.startswith("_") or name == "print_full":
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})

    def __str__(self):
        n = len(self)
        if n == 0:
            return "The synapse collection does not contain any connections."
        src, tgt = self._src.tolist(), self._tgt.tolist()
        w = [np.nan if x is None else x for x in (
            self._col("weight").tolist() if "weight" in self._keys() else [None] * n)]
        d = self._col("delay").tolist()
        m = [str(x) for x in self._col("synapse_model")]
        rows = list(range(n))
        if n >= 35 and not self.print_full:
            rows = rows[:15] + [None] + rows[-15:]
        sm_len = max(15, max(len(x) for x in m))
        out = [f"{'source':^8} {'target':^8} {'synapse model':^{sm_len}} {'weight':^8} "
               f"{'delay':^7}",
               "-" * 8 + " " + "-" * 8 + " " + "-" * sm_len + " " + "-" * 8 + " " + "-" * 7]
        for i in rows:
            if i is None:
                out.append(f"{chr(0x22ee):>7} {chr(0x22ee):>8} {chr(0x22ee):>{sm_len}} "
                           f"{chr(0x22ee):>8} {chr(0x22ee):>7}")
            else:
                out.append(f"{src[i]:>7d} {tgt[i]:>8d} {m[i]:>{sm_len}s} {w[i]:>#8.4g} "
                           f"{d[i]:>#7.4g}")
        return "\n".join(out)

    def __repr__(self):
        return f"SynapseCollection(n={len(self)})"


def get_connections(source=None, target=None, synapse_model=None, synapse_label=None):
    """Local connections matching the query (vectorised over whole tables).

    Everything comes from the kernel's one connection store (the synapse
    tables and the recording table).  Order: by synapse model (in the order
    the models were defined), then neuron -> neuron synapses, connections to
    recorders, and connections from devices, each sorted by source, then in
    creation order (as NEST lists them on one thread).
    """
    from pynestlite.kernel.connections import channel_targets, row_indices, row_sources
    k = _kernel()
    if synapse_label is not None:
        if isinstance(synapse_label, bool) or not isinstance(synapse_label, (int, np.integer)):
            raise BadParameter(f"GetConnections: synapse_label must be an integer, got "
                               f"{synapse_label!r}")
        synapse_label = int(synapse_label)
    if synapse_model is not None:
        if not isinstance(synapse_model, str):
            raise BadParameter(f"GetConnections: synapse_model must be a model name, got "
                               f"{synapse_model!r}")
        if synapse_model not in k.synapse_models:
            raise UnknownModelName(f"synapse model {synapse_model!r} does not exist; "
                                   f"available: {sorted(k.synapse_models)}")
    k.deliver_before_growth()
    for t in k.all_tables():
        t.finalize(k.next_gid)
    src_ids = as_collection(source, "source").ids if source is not None else None
    tgt_ids = as_collection(target, "target").ids if target is not None else None
    gdt = _gid_dtype()
    chan_slot = k.channel_slots()
    devices = k.device_gids()

    def rows(table):
        """(idx or None for all, source, code) of the table's selected rows."""
        codes = table.cols["code"]
        if src_ids is None:
            src = np.empty(len(codes), gdt)
            row_sources(table.row_ptr, src)
            return None, src, codes
        idx, src = row_indices(table.row_ptr, np.asarray(src_ids, np.int64))
        return idx, src.astype(gdt), codes[idx]

    candidates = []        # (model, kind order, store, idx, src, tgt)
    for name, table in list(k.tables.items()) + [("static_synapse", k.recording),
                                                  ("static_synapse", k.detection)]:
        if synapse_model is not None and name != synapse_model:
            continue
        if synapse_label is not None and (table.kind in ("recording", "detector")
                                          or "synapse_label" not in type(table).columns):
            continue                    # only the *_lbl models carry labels
        idx, src, codes = rows(table)
        if synapse_label is not None:
            lab = table.cols["synapse_label"]
            if "synapse_label" in table.uniform:
                if int(lab[0]) != synapse_label:
                    continue
            else:
                keep = (lab if idx is None else lab[idx]) == synapse_label
                idx = np.flatnonzero(keep) if idx is None else idx[keep]
                src, codes = src[keep], codes[keep]
        if table.kind == "detector":
            # every rank holds them; reported on the rank of the device, as NEST
            store = _DetectorStore(table)
            tgt = codes.astype(gdt)
            mine = (tgt.astype(np.int64) - 1) % k.size == k.rank
            pos = np.flatnonzero(mine)
            candidates.append((name, 1, store, pos if idx is None else idx[pos], src[pos],
                               tgt[pos]))
            continue
        if table.kind == "recording":
            store = _RecorderStore(table)
            tgt = codes.astype(gdt)
            from_device = np.isin(src, devices)          # multimeter -> neuron
            kinds = ((1, ~from_device), (2, from_device))
        else:
            store = _TableStore(table)
            tgt = np.empty(len(codes), gdt)
            channel_targets(codes, chan_slot, k.size, k.rank, tgt)
            if len(devices) and len(src) and np.isin(devices, src).any():
                from_device = np.isin(src, devices)       # generator -> neuron
                kinds = ((0, ~from_device), (2, from_device))
            else:
                kinds = ((0, None),)
        for kind, sel in kinds:
            if sel is None:
                candidates.append((name, kind, store, idx, src, tgt))
            else:
                pos = np.flatnonzero(sel)
                candidates.append((name, kind, store.copy(),
                                   pos if idx is None else idx[pos], src[pos], tgt[pos]))
    model_rank = {m: i for i, m in enumerate(k.synapse_models)}
    candidates.sort(key=lambda c: (model_rank.get(c[0], len(model_rank)), c[1]))

    groups = []            # per (model, kind): list of (store, idx, src, tgt)
    last = None
    for name, kind, store, idx, src, tgt in candidates:
        sel = None
        if tgt_ids is not None:
            sel = np.isin(tgt, tgt_ids)
        if idx is None:
            idx = np.arange(len(src), dtype=np.int64) if sel is None else np.flatnonzero(sel)
        elif sel is not None:
            idx = idx[sel]
        if sel is not None:
            src, tgt = src[sel], tgt[sel]
        if not len(idx):
            continue
        if (name, kind) != last:
            groups.append([])
            last = (name, kind)
        groups[-1].append((store, idx, src, tgt))

    stores, sids, idxs, srcs, tgts = [], [], [], [], []
    for group in groups:
        first = len(stores)
        for store, idx, src, tgt in group:
            stores.append(store)
            sids.append(np.full(len(idx), len(stores) - 1, np.uint16))
            idxs.append(idx)
            srcs.append(src)
            tgts.append(tgt)
        if len(group) > 1:
            # several tables in one group (generator and multimeter connections):
            # by source, each source's connections in creation order
            order = np.argsort(np.concatenate(srcs[first:]), kind="stable")
            for lst in (sids, idxs, srcs, tgts):
                merged = np.concatenate(lst[first:])[order]
                del lst[first:]
                lst.append(merged)
    if not stores:
        return SynapseCollection()
    if len(sids) == 1:
        return SynapseCollection(stores, sids[0], idxs[0], srcs[0], tgts[0])
    return SynapseCollection(stores, np.concatenate(sids), np.concatenate(idxs),
                             np.concatenate(srcs), np.concatenate(tgts))


def _target_threads(k, src, tgt):
    """NEST's ``target_thread`` of connections: the thread NEST's assignment
    of nodes to virtual processes gives the target; a device target lives on
    every thread and takes a neuron's connection on the thread of that
    neuron."""
    from pynestlite.nodes import _neuron_vps
    size, threads = k.size, max(int(k.local_num_threads), 1)
    if threads == 1 or len(tgt) == 0:
        return np.zeros(len(tgt), np.int64)
    firsts = np.asarray(k.firsts, np.int64)
    neuron = np.array([r.element_type == "neuron" for r in k.records], bool)

    def is_neuron(g):
        return neuron[np.searchsorted(firsts, g, side="right") - 1]

    by_source = is_neuron(src) & ~is_neuron(tgt)
    return np.where(by_source, _neuron_vps(src, size, threads) // size,
                    _neuron_vps(tgt, size, threads) // size).astype(np.int64)
