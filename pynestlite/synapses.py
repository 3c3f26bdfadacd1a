"""SynapseCollection and GetConnections: columnar access to synapses.

A SynapseCollection holds, for the synapses local to this rank that match a
query, their table, index, source and target as numpy arrays; ``get`` and
``set`` of ``weight``/``delay``/``source``/``target``/``synapse_model`` work
on whole columns at once (no per-synapse Python objects).
"""
import numpy as np

from pynestlite.errors import BadProperty, KernelException, UnaccessedDictionaryEntry
from pynestlite.nodes import NodeCollection, as_collection


def _kernel():
    from pynestlite.engine import kernel
    return kernel


class SynapseCollection:
    """Synapses selected by :func:`GetConnections` (local to this rank)."""

    def __init__(self, parts):
        # parts: list of (table, index array, source array, target array)
        self._parts = [p for p in parts if len(p[1])]

    def __len__(self):
        return int(sum(len(p[1]) for p in self._parts))

    def _col(self, name):
        k = _kernel()
        cols = []
        for table, idx, src, tgt in self._parts:
            if name == "weight":
                cols.append(table.weight[idx])
            elif name == "delay":
                cols.append(k.steps_to_ms(table.delay[idx].astype(np.int64)))
            elif name == "source":
                cols.append(src)
            elif name == "target":
                cols.append(tgt)
            elif name == "synapse_model":
                cols.append(np.array([table.synapse_model] * len(idx), dtype=object))
            elif name == "receptor":
                cols.append(np.zeros(len(idx), np.int64))
            else:
                raise KernelException(
                    f"synapses have no parameter {name!r}; expected weight, delay, source, "
                    "target, synapse_model or receptor")
        if not cols:
            return np.empty(0)
        return np.concatenate(cols)

    def get(self, keys=None, output=""):
        """Columns of the synapses: one key -> list (value for one synapse), several -> dict."""
        names = ["source", "target", "weight", "delay", "synapse_model", "receptor"]
        single = len(self) == 1
        if keys is None:
            return {n: self._fmt(self._col(n), single) for n in names}
        if isinstance(keys, str):
            return self._fmt(self._col(keys), single)
        return {n: self._fmt(self._col(n), single) for n in keys}

    @staticmethod
    def _fmt(col, single):
        vals = [v.item() if isinstance(v, np.generic) else v for v in col]
        return vals[0] if single else vals

    def set(self, params=None, **kwargs):
        """Set weights (or delays) of all synapses: scalar or one value per synapse."""
        k = _kernel()
        params = dict(params or {}, **kwargs)
        for key in params:
            if key not in ("weight", "delay"):
                raise UnaccessedDictionaryEntry(
                    f"cannot set synapse parameter {key!r}; settable: weight, delay")
        n = len(self)
        new = {}
        for key, v in params.items():
            arr = np.asarray(v, np.float64)
            if arr.ndim == 0:
                arr = np.full(n, float(arr))
            if arr.shape != (n,):
                raise BadProperty(f"SynapseCollection.set: {key} needs 1 or {n} values, "
                                  f"got {arr.shape}")
            if key == "delay":
                arr = k.delay_to_steps(arr)
            new[key] = arr
        pos = 0
        for table, idx, src, tgt in self._parts:
            m = len(idx)
            if "weight" in new:
                w = new["weight"][pos:pos + m]
                table.weight[idx] = w
            if "delay" in new:
                table.delay[idx] = new["delay"][pos:pos + m].astype(np.uint16)
            pos += m
        if "delay" in new:
            k.note_delays(new["delay"])

    def sources(self):
        return iter(self._col("source").tolist())

    def targets(self):
        return iter(self._col("target").tolist())

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})

    def __iter__(self):
        for table, idx, src, tgt in self._parts:
            for j in range(len(idx)):
                yield SynapseCollection([(table, idx[j:j + 1], src[j:j + 1], tgt[j:j + 1])])

    def __repr__(self):
        return f"SynapseCollection(n={len(self)})"


def get_connections(source=None, target=None, synapse_model=None):
    """Local synapses matching the query (vectorised over whole tables)."""
    k = _kernel()
    for t in k.tables.values():
        t.finalize(k.next_gid)
    src_ids = as_collection(source).ids if source is not None else None
    tgt_ids = as_collection(target).ids if target is not None else None
    parts = []
    for name, table in k.tables.items():
        if synapse_model is not None and name != synapse_model:
            continue
        src = table.sources()
        idx = np.arange(len(src))
        if src_ids is not None:
            sel = np.isin(src, src_ids)
            idx, src = idx[sel], src[sel]
        tgt = k.decode_targets(table.code[idx]) if len(idx) else np.empty(0, np.int64)
        if tgt_ids is not None:
            sel = np.isin(tgt, tgt_ids)
            idx, src, tgt = idx[sel], src[sel], tgt[sel]
        # NEST orders by source, then target
        order = np.lexsort((tgt, src))
        parts.append((table, idx[order], src[order], tgt[order]))
    return SynapseCollection(parts)
