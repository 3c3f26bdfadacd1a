"""Removing connections: ``Disconnect`` and ``SynapseCollection.disconnect``.

NEST's semantics: ``Disconnect(pre, post, conn_spec, syn_spec)`` walks the
pairs of the rule (``one_to_one``, the default, or ``all_to_all``) and
removes, for each pair, the oldest remaining connection from the source to
the target of the synapse model (``static_synapse`` by default); a pair
without one raises :class:`InexistentConnection` and nothing is removed.
``SynapseCollection.disconnect()`` removes exactly its connections.

The synapses leave their table at once (the rows close up; collections made
earlier follow the new positions through the table's layout log, and refer
to removed connections no more).  Spikes already in the ring buffers still
arrive, as in NEST.  Recording devices and the models whose synapses carry
state outside their columns (time-driven and e-prop synapses) cannot be
disconnected.  Every check runs before anything is removed, on every rank.
"""
import numpy as np

from pynestlite.errors import (BadProperty, InexistentConnection, NotImplementedFeature,
                               UnknownModelName)

__all__ = ["disconnect_pairs", "disconnect_collection"]


def _kernel():
    from pynestlite.engine import kernel
    return kernel


def _removable(table, model):
    """Refuse tables whose synapses have state outside their columns."""
    if table.time_driven or table.secondary or getattr(table, "kind", "") == "recording" \
            or "eprop" in type(table).__name__.lower():
        raise NotImplementedFeature(
            f"Disconnect: {model} connections cannot be removed by pynestlite (their "
            "synapses hold state outside the synapse table); remove static or STDP "
            "synapses only")


def _parse(conn_spec, syn_spec):
    conn_spec = "one_to_one" if conn_spec is None else conn_spec
    syn_spec = "static_synapse" if syn_spec is None else syn_spec
    if isinstance(conn_spec, str):
        conn_spec = {"rule": conn_spec}
    if isinstance(syn_spec, str):
        syn_spec = {"synapse_model": syn_spec}
    if not isinstance(conn_spec, dict) or not isinstance(syn_spec, dict):
        raise BadProperty("Disconnect: conn_spec and syn_spec must be dicts or names")
    rule = conn_spec.get("rule", "one_to_one")
    if rule not in ("one_to_one", "all_to_all"):
        raise NotImplementedFeature(f"Disconnect supports the rules one_to_one and "
                                    f"all_to_all, got {rule!r}")
    extra = sorted(set(conn_spec) - {"rule"})
    if extra:
        raise NotImplementedFeature(f"Disconnect: conn_spec keys {extra} are not supported")
    model = syn_spec.get("synapse_model", "static_synapse")
    extra = sorted(set(syn_spec) - {"synapse_model"})
    if extra:
        raise NotImplementedFeature(f"Disconnect selects connections by synapse model only; "
                                    f"syn_spec keys {extra} are not supported")
    return rule, model


def _pairs(rule, pre, post):
    """(sources, targets) of the rule's pairs, in NEST's order."""
    if rule == "one_to_one":
        if len(pre) != len(post):
            raise BadProperty(f"Disconnect one_to_one: sources and targets must have equal "
                              f"size, got {len(pre)} and {len(post)}")
        return pre, post
    return np.tile(pre, len(post)), np.repeat(post, len(pre))


def disconnect_pairs(pre, post, conn_spec=None, syn_spec=None):
    """``nest.Disconnect(pre, post, conn_spec, syn_spec)`` (see module doc)."""
    from pynestlite.connect import occurrence
    from pynestlite.nodes import as_collection
    from pynestlite.synapses import get_connections
    k = _kernel()

    def plan():
        k.check_mutable("Disconnect")
        rule, model = _parse(conn_spec, syn_spec)
        if model not in k.synapse_models:
            raise UnknownModelName(f"Disconnect: unknown synapse model {model!r}; available: "
                                   f"{sorted(k.synapse_models)}")
        a = as_collection(pre, "pre").ids
        b = as_collection(post, "post").ids
        k.check_gids(np.unique(np.concatenate([a, b])))
        for rec, _ in k.groups(np.unique(np.concatenate([a, b]))):
            if rec.element_type == "recorder":
                raise NotImplementedFeature(f"Disconnect: connections of recording devices "
                                            f"({rec.model}) cannot be removed")
        src, tgt = _pairs(rule, a, b)
        local = k.is_local(tgt)
        src, tgt = src[local], tgt[local]
        table = k.tables.get(model)
        if table is None or not len(table):
            if len(src):
                raise InexistentConnection(
                    f"Disconnect: no {model} connection from {int(src[0])} to {int(tgt[0])}")
            return None
        _removable(table, model)
        sc = get_connections(np.unique(src), np.unique(tgt), model)
        sel = np.zeros(len(sc), bool)
        for _, store, part in sc._parts():
            if store.table is table:
                sel[part] = True
        c_src = sc._src[sel].astype(np.int64)
        c_tgt = sc._tgt[sel].astype(np.int64)
        c_idx = sc._idx[sel].astype(np.int64)
        # the c-th request of a pair takes its c-th oldest connection
        base = int(k.next_gid) + 1
        ckey = c_src * base + c_tgt
        order = np.lexsort((c_idx, ckey))
        ckey, c_idx = ckey[order], c_idx[order]
        key = src.astype(np.int64) * base + tgt.astype(np.int64)
        pos = np.searchsorted(ckey, key, side="left") + occurrence(key)
        ok = pos < len(ckey)
        ok[ok] = ckey[pos[ok]] == key[ok]
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise InexistentConnection(f"Disconnect: no (further) {model} connection from "
                                       f"{int(src[i])} to {int(tgt[i])}")
        idx = c_idx[pos]

        def commit():
            _remove(table, model, idx)
        return commit

    commit = k.agreed(plan)
    if commit is not None:
        commit()


def disconnect_collection(sc):
    """``SynapseCollection.disconnect()``: remove exactly its connections."""
    k = _kernel()

    def plan():
        k.check_mutable("Disconnect")
        sc._sync()
        parts = []
        for _, store, sel in sc._parts():
            idx = np.asarray(sc._idx[sel], np.int64)
            if store.kind != "table":
                raise NotImplementedFeature("Disconnect: connections of recording devices "
                                            "cannot be removed")
            _removable(store.table, store.model)
            if np.any(idx < 0):
                raise InexistentConnection("disconnect: the SynapseCollection holds "
                                           "connections that were removed already")
            if len(np.unique(idx)) != len(idx):
                raise InexistentConnection("disconnect: the SynapseCollection holds a "
                                           "connection twice")
            parts.append((store.table, store.model, idx))

        def commit():
            for table, model, idx in parts:
                _remove(table, model, idx)
        return commit

    commit = k.agreed(plan)
    if commit is not None:
        commit()


def _remove(table, model, idx):
    k = _kernel()
    table.remove(idx)
    k.syn_counts[model] = k.syn_counts.get(model, 0) - len(idx)
