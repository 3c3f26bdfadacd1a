"""TripartiteConnect: primary connections plus third-factor connections.

NEST's tripartite rule ``third_factor_bernoulli_with_pool``: ``pre`` is
connected to ``post`` by an ordinary (bipartite) rule; then, for every
primary connection ``i -> j`` and with probability ``p``, one node ``t`` of
the pool of ``j`` (a subset of ``third``) is chosen uniformly and the
connections ``i -> t`` (``third_in``) and ``t -> j`` (``third_out``) are
made.

Pools:

* ``pool_type="random"`` (default): the pool of a target is ``pool_size``
  distinct nodes of ``third``, drawn when the target first gets a
  third-factor connection (in ``third``'s order);
* ``pool_type="block"``: the targets, in the order of ``post``, share
  consecutive blocks of ``third``: with ``pool_size > 1`` target ``k`` gets
  ``third[k * pool_size : (k + 1) * pool_size]`` (needs
  ``len(post) * pool_size == len(third)``); with ``pool_size == 1`` target
  ``k`` gets ``third[k // (len(post) // len(third))]`` (needs ``len(post)``
  to be a multiple of ``len(third)``).

Numerics and ranks: the primary connections of all ranks are gathered and
put in canonical (target, source) order; the Bernoulli draws, pools and
choices come from one Philox stream keyed by the kernel seed and the
connect call, in that order.  So the third-factor connections do not depend
on the number of ranks (they do differ from NEST's draws).
"""
import collections

import numpy as np

from pynestlite.errors import BadProperty, IllegalConnection

THIRD_RULES = ("third_factor_bernoulli_with_pool",)
SYN_KEYS = ("primary", "third_in", "third_out")
_STREAM_TAG = 0x7472_6970      # separates this stream from every other use of the seed


def _kernel():
    from pynestlite import kernel
    return kernel


def _third_spec(spec, n_post, n_third):
    """(p, random_pool, pool_size) of a checked third-factor rule."""
    if not isinstance(spec, dict):
        raise IllegalConnection(f"TripartiteConnect: the third-factor rule must be a dict "
                                f"with 'rule' one of {list(THIRD_RULES)}, got {spec!r}")
    rule = spec.get("rule")
    if rule not in THIRD_RULES:
        raise IllegalConnection(f"TripartiteConnect: unknown third-factor connection rule "
                                f"{rule!r}; expected one of {list(THIRD_RULES)}")
    unknown = set(spec) - {"rule", "p", "pool_type", "pool_size"}
    if unknown:
        raise BadProperty(f"TripartiteConnect: unknown keys {sorted(unknown)} of rule {rule}; "
                          "expected p, pool_type, pool_size")
    p = float(spec.get("p", 1.0))
    if not 0.0 <= p <= 1.0:
        raise BadProperty(f"TripartiteConnect: p must be in [0, 1], got {p}")
    pool_type = spec.get("pool_type", "random")
    if pool_type not in ("random", "block"):
        raise BadProperty(f"pool_type must be 'random' or 'block', got {pool_type!r}")
    size = spec.get("pool_size", n_third)
    if isinstance(size, bool) or not float(size).is_integer() or not 1 <= size <= n_third:
        raise BadProperty(f"pool_size must be an integer with 1 <= pool_size <= size of the "
                          f"third-factor population ({n_third}), got {size!r}")
    size = int(size)
    if pool_type == "block" and not (n_post * size == n_third
                                     or (size == 1 and n_post % n_third == 0)):
        raise BadProperty(
            f"block pools do not fit: {n_post} targets, {n_third} third-factor nodes, "
            f"pool_size {size}; with pool_size 1 the number of targets must be a multiple of "
            "the third-factor population, with pool_size > 1 targets * pool_size must equal "
            "it; otherwise use random pools")
    return p, pool_type == "random", size


def _syn_specs(syn_specs):
    """The three synapse specifications, each a dict or CollocatedSynapses."""
    from pynestlite.connect import CollocatedSynapses
    syn_specs = dict(syn_specs or {})
    unknown = set(syn_specs) - set(SYN_KEYS)
    if unknown:
        raise BadProperty(f"TripartiteConnect: syn_specs keys must be among {list(SYN_KEYS)}, "
                          f"got {sorted(unknown)}")
    out = {}
    for key in SYN_KEYS:
        spec = syn_specs.get(key, {"synapse_model": "static_synapse"})
        if isinstance(spec, str):
            spec = {"synapse_model": spec}
        specs = spec.syn_specs if isinstance(spec, CollocatedSynapses) else [spec]
        for d in specs:
            if not isinstance(d, dict):
                raise BadProperty(f"syn_specs[{key!r}] must be a dict, got {d!r}")
            for entry, value in d.items():
                if isinstance(value, (list, tuple, np.ndarray)):
                    raise ValueError(f"Tripartite connections do not accept parameter lists, "
                                     f"but syn_specs[{key!r}][{entry!r}] is one")
        out[key] = spec
    return out


def _models(spec):
    from pynestlite.connect import CollocatedSynapses
    specs = spec.syn_specs if isinstance(spec, CollocatedSynapses) else [spec]
    return {d.get("synapse_model", "static_synapse") for d in specs}


def _pairs(pre, post, models):
    """Multiset of the local (source, target) pairs from pre to post of ``models``."""
    from pynestlite import GetConnections
    out = collections.Counter()
    for model in sorted(models):
        c = GetConnections(pre, post, synapse_model=model)
        if len(c):
            out.update(zip(np.asarray(c._src, np.int64).tolist(),
                           np.asarray(c._tgt, np.int64).tolist()))
    return out


def tripartite_connect(pre, post, third, conn_spec, third_factor_conn_spec, syn_specs=None):
    """See :func:`pynestlite.TripartiteConnect`."""
    from pynestlite.connect import connect, parse_conn_spec, parse_syn_spec
    from pynestlite.nodes import NodeCollection
    for name, nc in (("Presynaptic", pre), ("Postsynaptic", post), ("Third-factor", third)):
        if not isinstance(nc, NodeCollection):
            raise TypeError(f"{name} nodes must be a NodeCollection")
    k = _kernel()
    # check everything before anything is connected
    if isinstance(conn_spec, dict) and conn_spec.get("make_symmetric"):
        raise BadProperty("Third-factor connectivity cannot be used with make_symmetric=True")
    parse_conn_spec(conn_spec)
    p, random_pool, pool_size = _third_spec(third_factor_conn_spec, len(post), len(third))
    specs = _syn_specs(syn_specs)
    for key in ("third_in", "third_out"):
        for model in _models(specs[key]):
            parse_syn_spec({"synapse_model": model})
    for nc in (pre, post, third):
        if any(rec.element_type != "neuron" for rec, _ in k.groups(nc.tolist())):
            raise IllegalConnection("TripartiteConnect connects neurons; devices cannot take "
                                    "part in it")
    call = k.calls
    # (collocated primary synapses form one primary connection per pair:
    # count the pairs of the first specification's model)
    from pynestlite.connect import CollocatedSynapses
    first = specs["primary"]
    first = first.syn_specs[0] if isinstance(first, CollocatedSynapses) else first
    models = {first.get("synapse_model", "static_synapse")}
    before = _pairs(pre, post, models)
    connect(pre, post, conn_spec, specs["primary"])
    new = _pairs(pre, post, models) - before
    pairs = sorted(((t, s) for (s, t), m in new.items() for _ in range(m)))
    gathered = k.comm.allgather(pairs) if k.size > 1 else [pairs]
    pairs = sorted(x for part in gathered for x in part)       # canonical (target, source)
    if not pairs:
        return
    rng = np.random.Generator(np.random.Philox(key=[(k.rng_seed << 32) | _STREAM_TAG, call]))
    third_ids = np.asarray(third.tolist(), np.int64)
    post_index = {g: i for i, g in enumerate(post.tolist())}
    per_third = len(post) // len(third)
    pools = {}
    chosen = []                     # (source, third node, target) of every kept pair
    for tgt, src in pairs:
        if not rng.random() < p:
            continue
        pool = pools.get(tgt)
        if pool is None:
            if random_pool:
                pool = np.sort(rng.choice(len(third_ids), pool_size, replace=False))
            else:
                j = post_index[tgt]
                first = j * pool_size if pool_size > 1 else j // per_third
                pool = np.arange(first, first + pool_size)
            pools[tgt] = pool
        t = third_ids[pool[0] if pool_size == 1 else pool[rng.integers(pool_size)]]
        chosen.append((src, int(t), tgt))
    if not chosen:
        return
    src, mid, tgt = (np.asarray(col, np.int64) for col in zip(*chosen))
    connect(src, mid, "one_to_one", specs["third_in"])
    connect(mid, tgt, "one_to_one", specs["third_out"])
