"""Connect: connection rules -> (source, target, weight, delay) arrays per rank.

Every rank computes the connections of its own targets only (rules keyed by
the target) or replays a global draw and keeps its targets (fixed_outdegree,
fixed_total_number).  Weights and delays given as random Parameters are drawn
from the stream of the target node, indexed by the connection's position
among that target's connections of this call: rank independent.

Devices: generators -> neurons are stored with the generator; neurons ->
spike_recorder and multimeter -> neurons with the recorder.  Everything is
validated before anything is stored, so a failing Connect adds nothing.
"""
import math

import numpy as np

from pynestlite.errors import (
    BadParameter, BadProperty, IllegalConnection, InfeasibleDegree, NotImplementedFeature,
    TypeMismatch, UnaccessedDictionaryEntry, UnknownConnectionRule, UnknownModelName,
    require_finite)
from pynestlite.kernel import connect_rules
from pynestlite.kernel.connections import MAX_DELAY_STEPS, StaticSynapseTable, channel_code
from pynestlite.nodes import NodeCollection, as_collection
from pynestlite.random import Parameter

RULES = ("all_to_all", "one_to_one", "fixed_indegree", "fixed_outdegree",
         "fixed_total_number", "pairwise_bernoulli", "symmetric_pairwise_bernoulli",
         "pairwise_poisson")
RULE_PARAMS = {"all_to_all": (), "one_to_one": (), "fixed_indegree": ("indegree",),
               "fixed_outdegree": ("outdegree",), "fixed_total_number": ("N",),
               "pairwise_bernoulli": ("p",), "symmetric_pairwise_bernoulli": ("p",),
               "pairwise_poisson": ("pairwise_avg_num_conns",)}
FLAGS = ("allow_autapses", "allow_multapses", "make_symmetric")


def _kernel():
    from pynestlite.engine import kernel
    return kernel


def parse_conn_spec(conn_spec):
    if conn_spec is None:
        conn_spec = {"rule": "all_to_all"}
    if isinstance(conn_spec, str):
        conn_spec = {"rule": conn_spec}
    if not isinstance(conn_spec, dict):
        raise BadParameter(f"conn_spec must be a rule name or a dict, got {conn_spec!r}")
    spec = dict(conn_spec)
    rule = spec.pop("rule", "all_to_all")
    if rule not in RULES:
        raise UnknownConnectionRule(f"unknown connection rule {rule!r}; expected one of "
                                    f"{list(RULES)}")
    for key in RULE_PARAMS[rule]:
        if key not in spec:
            raise BadParameter(f"rule {rule} requires the parameter {key!r}")
    for key in spec:
        if key not in RULE_PARAMS[rule] and key not in FLAGS:
            raise UnaccessedDictionaryEntry(
                f"conn_spec key {key!r} is not used by rule {rule}; expected "
                f"{list(RULE_PARAMS[rule]) + list(FLAGS)}")
    if rule == "symmetric_pairwise_bernoulli":
        _check_symmetric_bernoulli(spec)
    elif rule == "pairwise_poisson" and not spec.get("allow_multapses", True):
        raise BadProperty("Multapses must be allowed for this connection rule.")
    elif spec.get("make_symmetric") and rule != "one_to_one":
        raise NotImplementedFeature(f"make_symmetric: rule {rule} does not support symmetric "
                                    "connections (only one_to_one does)")
    spec.setdefault("allow_autapses", True)
    spec.setdefault("allow_multapses", True)
    return rule, spec


def _check_symmetric_bernoulli(spec):
    """NEST's conditions on symmetric_pairwise_bernoulli."""
    p = spec["p"]
    if isinstance(p, Parameter) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or isinstance(p, bool):
        raise BadProperty(f"symmetric_pairwise_bernoulli: p must be a number, got {p!r}")
    if not 0 <= p < 1:
        raise BadProperty("Connection probability 0 <= p < 1 required.")
    if not spec.get("allow_multapses", True):
        raise BadProperty("Multapses must be enabled.")
    if spec.get("allow_autapses", True):
        raise BadProperty("Autapses must be disabled.")
    if not spec.get("make_symmetric", False):
        raise BadProperty("Symmetric connections must be enabled.")


def cls_uses_archive(cls):
    """Whether synapses of table class ``cls`` read their target's archive."""
    return bool(cls.uses_archive or getattr(cls, "uses_eprop_archive", False))


def parse_syn_spec(syn_spec):
    k = _kernel()
    if syn_spec is None:
        syn_spec = {}
    if isinstance(syn_spec, str):
        syn_spec = {"synapse_model": syn_spec}
    if not isinstance(syn_spec, dict):
        raise BadParameter(f"syn_spec must be a synapse model name or a dict, got {syn_spec!r}")
    spec = dict(syn_spec)
    model = spec.pop("synapse_model", "static_synapse")
    if model not in k.synapse_models:
        raise UnknownModelName(
            f"unknown synapse model {model!r}; available: {sorted(k.synapse_models)}")
    defaults = k.synapse_models[model]
    common = k.synapse_types[model].common
    for key in spec:
        if key in common:
            raise NotImplementedFeature(
                f'Synapse parameter "{key}" can only be set via SetDefaults() or CopyModel().')
        if key not in defaults:
            raise UnaccessedDictionaryEntry(
                f"syn_spec key {key!r} is not a parameter of {model}; expected one of "
                f"{sorted(defaults)}")
    out = dict(defaults)
    out.update(spec)
    return model, out


def _pairs(rule, spec, pre, post, local_post, k, call):
    """(sources, targets, shape info) of the rule; targets restricted to local ones."""
    if "src_layer" in spec:
        from pynestlite.spatial.connect import plan_pairs
        src, tgt = plan_pairs(spec, pre, post, local_post, call)
        return src, tgt, ("spatial", spec)
    autapses = bool(spec["allow_autapses"])
    multapses = bool(spec["allow_multapses"])
    seed = k.rng_seed
    if rule == "one_to_one":
        if len(pre) != len(post):
            raise BadParameter(f"one_to_one needs equal sizes, got {len(pre)} sources "
                               f"and {len(post)} targets")
        idx = np.flatnonzero(np.isin(post, local_post))
        if not autapses:
            idx = idx[pre[idx] != post[idx]]
        return pre[idx], post[idx], ("one_to_one", idx)
    if rule == "all_to_all":
        src = np.tile(pre, len(local_post))
        tgt = np.repeat(local_post, len(pre))
        if not autapses:
            keep = src != tgt
            src, tgt = src[keep], tgt[keep]
        return src, tgt, ("all_to_all", None)
    if rule == "fixed_indegree":
        K = _count(spec["indegree"], "indegree")
        if not multapses and K > len(pre):
            raise InfeasibleDegree(f"Indegree {K} is larger than the number of sources "
                                   f"{len(pre)} and multapses are not allowed")
        _check_degree(K, "indegree", len(pre), pre, post, autapses, multapses)
        src = connect_rules.fixed_indegree(seed, call, local_post, pre, K, autapses, multapses)
        tgt = np.repeat(local_post, K)
        return src, tgt, ("fixed_indegree", K)
    if rule == "fixed_outdegree":
        K = _count(spec["outdegree"], "outdegree")
        if not multapses and K > len(post):
            raise InfeasibleDegree(f"Outdegree {K} is larger than the number of targets "
                                   f"{len(post)} and multapses are not allowed")
        _check_degree(K, "outdegree", len(post), post, pre, autapses, multapses)
        tgt_all = connect_rules.fixed_outdegree(seed, call, pre, post, K, autapses, multapses)
        src_all = np.repeat(pre, K)
        sel = np.isin(tgt_all, local_post)
        return src_all[sel], tgt_all[sel], ("fixed_outdegree", (K, np.flatnonzero(sel)))
    if rule == "fixed_total_number":
        N = _count(spec["N"], "N")
        n_pairs = len(pre) * len(post)
        if not autapses:
            n_pairs -= len(np.intersect1d(pre, post, assume_unique=True))
        if not multapses and N > n_pairs:
            raise BadParameter(f"N {N} exceeds the number of source-target pairs "
                               f"{n_pairs}{'' if autapses else ' (without autapses)'} and "
                               "multapses are not allowed")
        if N > 0 and n_pairs == 0:
            raise BadParameter("fixed_total_number: no source-target pair is left without "
                               "autapses")
        src_all, tgt_all = connect_rules.fixed_total_number(seed, call, pre, post, N,
                                                            autapses, multapses)
        sel = np.isin(tgt_all, local_post)
        return src_all[sel], tgt_all[sel], ("fixed_total_number", np.flatnonzero(sel))
    if rule == "symmetric_pairwise_bernoulli":
        src, tgt = _symmetric_bernoulli(float(spec["p"]), pre, post, k, call)
        sel = np.isin(tgt, local_post)
        return src[sel], tgt[sel], ("symmetric_pairwise_bernoulli", None)
    if rule == "pairwise_poisson":
        return _pairwise_poisson(spec["pairwise_avg_num_conns"], pre, local_post, autapses,
                                 k, call) + (("pairwise_poisson", None),)
    if rule == "pairwise_bernoulli":
        if isinstance(spec["p"], Parameter) and spec["p"].leaves():
            return _bernoulli_drawn_p(spec["p"], pre, local_post, autapses, k, call) + \
                (("pairwise_bernoulli", None),)
        p = _constant(spec["p"], "pairwise_bernoulli: p")
        if not np.isscalar(p):
            raise BadParameter("pairwise_bernoulli: p must be a number in [0, 1]")
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise BadParameter(f"pairwise_bernoulli: p must be in [0, 1], got {p}")
        src, tgt = connect_rules.pairwise_bernoulli(seed, call, local_post, pre, p, autapses)
        return src, tgt, ("pairwise_bernoulli", None)
    raise BadParameter(f"unknown connection rule {rule!r}")


def _bernoulli_drawn_p(p, pre, local_post, autapses, k, call):
    """pairwise_bernoulli with a random ``p``: per pair a value of ``p`` and a
    uniform number, both from the target's streams at the source's index."""
    from pynestlite.kernel import random_streams
    from pynestlite.kernel.random_streams import Purpose
    counts = np.full(len(local_post), len(pre), np.int64)
    src = np.tile(pre, len(local_post))
    tgt = np.repeat(local_post, len(pre))
    pv = k.evaluate_parameter(p, local_post, purpose=Purpose.PURPOSE_CONNECT, counts=counts)
    u = random_streams.draw("uniform", k.rng_seed, int(Purpose.PURPOSE_CONNECT), call,
                            np.ascontiguousarray(local_post, np.int64), counts)
    keep = u < pv
    if not autapses:
        keep &= src != tgt
    return src[keep], tgt[keep]


def _symmetric_bernoulli(p, pre, post, k, call):
    """symmetric_pairwise_bernoulli as NEST builds it: per target t (in
    order) K ~ Binomial(len(pre), p) redrawn while K = len(pre), then K
    distinct sources other than t, uniformly; each pair is connected both
    ways (s -> t and t -> s), so a pair chosen from both ends is doubled.
    The draws come from t's stream (every rank makes the same choice) and
    the result holds the connections of every target."""
    from pynestlite.kernel import random_streams
    from pynestlite.kernel.random_streams import Purpose
    n = len(pre)
    srcs, tgts = [], []
    for t in post:
        key = np.array([t], np.int64)
        attempt = 0
        while True:
            u = random_streams.draw("uniform", k.rng_seed, int(Purpose.PURPOSE_CONNECT),
                                    call + (attempt << 44), key, np.array([2 * n], np.int64))
            K = int(np.count_nonzero(u[:n] < p))
            if K < n:
                break
            attempt += 1
        others = pre[pre != t]
        if K > len(others):
            raise BadProperty(f"symmetric_pairwise_bernoulli: node {t} has only "
                              f"{len(others)} other sources")
        order = np.argsort(u[n:n + len(others)], kind="stable")[:K]
        chosen = others[order]
        srcs.append(chosen)
        tgts.append(np.full(K, t, np.int64))
    src = np.concatenate(srcs) if srcs else np.empty(0, np.int64)
    tgt = np.concatenate(tgts) if tgts else np.empty(0, np.int64)
    return np.concatenate([src, tgt]), np.concatenate([tgt, src])


def _pairwise_poisson(lam, pre, local_post, autapses, k, call):
    """pairwise_poisson: per (source, target) pair Poisson(lam) connections
    (lam a number >= 0 or a Parameter of the target), drawn by inversion
    from one uniform of the target's stream at the source's index."""
    from pynestlite.kernel import random_streams
    from pynestlite.kernel.random_streams import Purpose
    counts = np.full(len(local_post), len(pre), np.int64)
    if isinstance(lam, Parameter):
        lv = k.evaluate_parameter(lam, local_post, purpose=Purpose.PURPOSE_CONNECT,
                                  counts=counts)
    else:
        if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)):
            raise BadProperty(f"pairwise_avg_num_conns must be a number or a Parameter, got "
                              f"{lam!r}")
        if lam < 0:
            raise BadProperty("Connection parameter 0 ≤ pairwise_avg_num_conns required.")
        lv = np.full(int(counts.sum()), float(lam))
    if np.any(lv < 0):
        raise BadProperty("Connection parameter 0 ≤ pairwise_avg_num_conns required.")
    u = random_streams.draw("uniform", k.rng_seed, int(Purpose.PURPOSE_CONNECT), call,
                            np.ascontiguousarray(local_post, np.int64), counts)
    from pynestlite.spatial.connect import poisson_counts
    n = poisson_counts(lv, u)
    src = np.tile(pre, len(local_post))
    tgt = np.repeat(local_post, len(pre))
    if not autapses:
        n[src == tgt] = 0
    return np.repeat(src, n), np.repeat(tgt, n)


def _check_degree(K, name, n_pool, pool, keys, autapses, multapses):
    """Refuse degrees that some node cannot reach (the draw would never end).

    ``pool`` are the candidates (sources for indegree, targets for
    outdegree), ``keys`` the nodes that each need ``K`` of them.  Checked on
    the whole population, so every rank raises the same error.
    """
    if K == 0 or autapses:
        return
    if not np.isin(keys, pool).any():
        return
    left = n_pool - 1            # a node in the pool cannot pick itself
    if left == 0:
        raise BadParameter(f"fixed_{name}: a node has no partner left without autapses "
                           f"(the population has one node)")
    if not multapses and K > left:
        raise BadParameter(f"{name} {K} cannot be reached by nodes that are in both "
                           f"populations: only {left} partners are left without autapses "
                           "and multapses")


def _check_spike_pairs(pre_recs, post_recs, receptor, syn_cls, tgt):
    """Model rules on who may send spikes to whom on which receptor (NEST's
    handshake at Connect): a target model's ``check_sources(models,
    receptor, name)`` and a source model's ``check_targets(blocks, models)``
    raise UnknownReceptorType or IllegalConnection."""
    if getattr(syn_cls, "channel_kind", "spike") != "spike":
        return
    post_blocks = [r.block for r in post_recs if r.element_type == "neuron"]
    # (devices that send currents or rates connect to their own receptors)
    senders = [r for r in pre_recs
               if r.element_type == "neuron" or getattr(r.block, "output", "spike") == "spike"]
    if not post_blocks or not senders:
        return
    models = tuple({type(r.block) for r in senders})
    for blk in {type(b): b for b in post_blocks}.values():
        check = getattr(blk, "check_sources", None)
        if check is not None:
            for rt in np.unique(np.asarray(receptor, np.int64)):
                check(models, int(rt), blk.model)
        payload = set(getattr(blk, "payload_receptors", ()))
        if payload and not issubclass(syn_cls, StaticSynapseTable) and any(
                int(rt) in payload for rt in np.unique(np.asarray(receptor, np.int64))):
            raise IllegalConnection(
                f"{blk.model}: receptor_type {sorted(payload)} takes the payload of the "
                "spikes through static synapses only")
    for blk in post_blocks:
        ports = getattr(blk, "check_ports", None)
        if ports is not None:
            ports(post_blocks, receptor, tgt)
    for cls in models:
        check = getattr(cls, "check_targets", None)
        if check is not None:
            check(post_blocks, models)


def _receptors(receptor):
    """Integer receptor type(s): BadProperty for non-integral values."""
    arr = np.asarray(receptor)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise BadProperty(f"receptor_type must be an integer, got {receptor!r}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            raise BadProperty(f"receptor_type must be an integer, got {receptor!r}")
    return arr.astype(np.int64)


def occurrence(values):
    """For each element, how many equal elements come before it (0, 1, ...)."""
    order = np.argsort(values, kind="stable")
    v = values[order]
    out = np.empty(len(values), np.int64)
    out[order] = np.arange(len(v)) - np.searchsorted(v, v, side="left")
    return out


def _constant(v, name):
    """A rule parameter given as a Parameter without random parts (e.g.
    ``CreateParameter("constant", ...)``) becomes its value; random ones are
    refused."""
    if isinstance(v, Parameter):
        if v.leaves():
            raise BadParameter(f"{name}: a random Parameter is not supported here; give a "
                               "number")
        v = v.GetValue()
    return v


def _count(v, name):
    if isinstance(v, Parameter):        # (NEST: a number must be an int; a Parameter's
        v = _constant(v, name)          # value is rounded)
        if float(v).is_integer():
            v = int(v)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 0:
        raise BadParameter(f"{name} must be a non-negative integer, got {v!r}")
    return int(v)


def _values(value, name, rule_info, pre, post, src, tgt, k, purpose):
    """Per-connection values of a syn_spec entry (scalar, array or Parameter)."""
    n = len(src)
    if isinstance(value, Parameter):
        if n == 0 or np.all(tgt[1:] >= tgt[:-1]):
            order = None                        # (grouped by target already)
            starts = np.flatnonzero(np.r_[True, tgt[1:] != tgt[:-1]]) if n else \
                np.empty(0, np.int64)
            ut, counts = tgt[starts], np.diff(np.r_[starts, n])
            s_src, s_tgt = src, tgt
        else:
            order = np.argsort(tgt, kind="stable")
            ut, counts = np.unique(tgt[order], return_counts=True)
            s_src, s_tgt = src[order], tgt[order]
        space = None
        if rule_info is not None and rule_info[0] == "spatial" and value.is_spatial():
            from pynestlite.spatial.connect import connection_space
            space = connection_space(rule_info[1], s_src, s_tgt)
        drawn = k.evaluate_parameter(value, ut, purpose=purpose, counts=counts, space=space)
        if order is None:
            return np.asarray(drawn, np.float64)
        out = np.empty(n)
        out[order] = drawn
        return out
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise BadProperty(f"syn_spec {name} must be a number, an array of numbers or a "
                          f"random Parameter, got {value!r}") from None
    if arr.ndim == 0:
        # a scalar stays a scalar: tables broadcast it into their own dtype,
        # so a large Connect does not hold a float64 array per synapse
        return np.float64(arr)
    kind, info = rule_info
    if kind == "one_to_one":
        if arr.shape != (len(pre),):
            raise BadProperty(f"syn_spec {name}: one_to_one needs {len(pre)} values, "
                              f"got shape {arr.shape}")
        return arr[info]
    if kind == "all_to_all":
        if arr.shape != (len(post), len(pre)):
            raise BadProperty(f"syn_spec {name}: all_to_all needs an array of shape "
                              f"(len(post), len(pre)) = {(len(post), len(pre))}, got {arr.shape}")
        rows = np.searchsorted(post, tgt)
        cols = np.searchsorted(pre, src)
        return arr[rows, cols]
    if kind == "fixed_indegree":
        K = info
        if arr.shape != (len(post), K):
            raise BadProperty(f"syn_spec {name}: fixed_indegree needs shape "
                              f"(len(post), indegree) = {(len(post), K)}, got {arr.shape}")
        rows = np.searchsorted(post, tgt)
        return arr[rows, np.tile(np.arange(K), len(tgt) // max(K, 1))] if K else np.empty(0)
    if kind == "fixed_outdegree":
        K, sel = info
        if arr.shape != (len(pre), K):
            raise BadProperty(f"syn_spec {name}: fixed_outdegree needs shape "
                              f"(len(pre), outdegree) = {(len(pre), K)}, got {arr.shape}")
        return arr.ravel()[sel]
    if kind == "fixed_total_number":
        if arr.ndim != 1:
            raise BadProperty(f"syn_spec {name}: fixed_total_number needs a 1-D array")
        return arr[info]
    raise BadProperty(f"syn_spec {name}: arrays are not supported for rule {kind}")


def connect(pre, post, conn_spec=None, syn_spec=None):
    """Validate and make the connections (see :func:`pynestlite.Connect`).

    Two phases: :func:`_plan` checks everything and computes the
    connections of this rank, then, after a status point at which the ranks
    agree on any error (some checks see only local targets: receptor types,
    delays of arrays or random Parameters, earlier multimeter connections),
    the returned commit stores them.  A failing call adds no connection on
    any rank and leaves the call counter of the random streams as it was, so
    the network built after it is the same as without the failed call.
    """
    if isinstance(syn_spec, CollocatedSynapses):
        _connect_collocated(pre, post, conn_spec, syn_spec)
        return
    commit = _single_pair(pre, post, conn_spec, syn_spec)
    if commit is not None:
        commit()
        return
    plan = _plan
    if _connect_arrays(pre, post, conn_spec):
        for name, ids in (("pre", pre), ("post", post)):
            if np.asarray(ids).dtype.kind not in "iu":
                raise TypeMismatch(f"Connect: {name} must be integer node ids, got an array "
                                   f"of {np.asarray(ids).dtype}")
        pre, post = np.asarray(pre, np.int64).ravel(), np.asarray(post, np.int64).ravel()
        plan = _plan_arrays
    if isinstance(conn_spec, dict) and conn_spec.get("make_symmetric") and \
            conn_spec.get("rule") != "symmetric_pairwise_bernoulli":
        parse_conn_spec(conn_spec)              # (only one_to_one is symmetric)
        pre, post, conn_spec, syn_spec = _symmetric(pre, post, conn_spec, syn_spec)
        plan = _plan_arrays
    commit = _kernel().agreed(plan, pre, post, conn_spec, syn_spec)
    if commit is not None:
        commit()


class CollocatedSynapses:
    """Several synapses per pair of a connection rule (PyNEST's
    ``nest.CollocatedSynapses(spec1, spec2, ...)`` as a ``syn_spec``): every
    pair the rule chooses gets one synapse of each specification.

    Parameters
    ----------
    *syn_specs : dict
        Synapse specifications as for ``Connect``.
    """

    def __init__(self, *syn_specs):
        if not syn_specs or not all(isinstance(d, dict) for d in syn_specs):
            raise TypeError("CollocatedSynapses takes one or more syn_spec dicts")
        self.syn_specs = list(syn_specs)

    def __len__(self):
        return len(self.syn_specs)

    def __repr__(self):
        return f"CollocatedSynapses({', '.join(map(repr, self.syn_specs))})"


def _connect_collocated(pre, post, conn_spec, collocated):
    """Connect with each specification of ``collocated`` over the same pairs:
    the rule's random choice of pairs uses the random call of the first
    specification every time (each specification's own random values use
    calls of their own).  All specifications are checked before any is
    stored; a failure stores none and leaves the call counter as it was."""
    k = _kernel()
    arrays = _connect_arrays(pre, post, conn_spec)
    if arrays:
        pre, post = np.asarray(pre, np.int64).ravel(), np.asarray(post, np.int64).ravel()
    symmetric = isinstance(conn_spec, dict) and conn_spec.get("make_symmetric")
    if symmetric:
        parse_conn_spec(conn_spec)              # (only one_to_one is symmetric)
    from pynestlite.spatial.connect import is_spatial_connect
    # (one spatial specification makes every one take the spatial rule)
    spatial_path = is_spatial_connect(conn_spec, collocated)
    calls = k.calls
    commits = []
    try:
        for spec in collocated.syn_specs:
            if symmetric:
                commits.append(k.agreed(_plan_arrays, *_symmetric(pre, post, conn_spec, spec)))
            elif arrays:
                commits.append(k.agreed(_plan_arrays, pre, post, conn_spec, spec))
            else:
                commits.append(k.agreed(_plan, pre, post, conn_spec, spec, calls + 1,
                                        spatial_path))
    except BaseException:
        k.calls = calls
        raise
    for commit in commits:
        if commit is not None:
            commit()


_PAIR_RULES = (None, "all_to_all", "one_to_one")
_SCALAR = (float, int, np.floating, np.integer)


def _single_pair(pre, post, conn_spec, syn_spec):
    """The commit of the Connect a script calls in a loop, without the
    array machinery: one neuron to one neuron on one rank, rule all_to_all
    or one_to_one without flags, through static_synapse (or a copy) with
    scalar weight and delay.  None for anything else, and for anything that
    would fail a check (the general path then raises the error): the result
    is that of :func:`_plan`, the call counter of the random streams
    included."""
    k = _kernel()
    if k.size != 1 or k.prepared or type(pre) is not NodeCollection or \
            type(post) is not NodeCollection:
        return None
    if type(conn_spec) is dict:
        if conn_spec.keys() - {"rule"}:
            return None
        conn_spec = conn_spec.get("rule")
    if conn_spec not in _PAIR_RULES:
        return None
    if syn_spec is None:
        syn_spec = {}
    elif type(syn_spec) is not dict or syn_spec.keys() - {"synapse_model", "weight", "delay"}:
        return None
    model = syn_spec.get("synapse_model", "static_synapse")
    if k.synapse_types.get(model) is not StaticSynapseTable or model not in k.synapse_models:
        return None
    pre_ids, post_ids = pre.ids, post.ids
    if len(pre_ids) != 1 or len(post_ids) != 1:
        return None
    defaults = k.synapse_models[model]
    w = syn_spec.get("weight", defaults["weight"])
    d = syn_spec.get("delay", defaults["delay"])
    if not isinstance(w, _SCALAR) or not isinstance(d, _SCALAR) or isinstance(w, bool) \
            or isinstance(d, bool):
        return None
    w, d = float(w), float(d)
    src, tgt = int(pre_ids[0]), int(post_ids[0])
    if not (math.isfinite(w) and math.isfinite(d)) or not (0 < src < k.next_gid
                                                           and 0 < tgt < k.next_gid):
        return None
    rs, rt = k.record_of(src), k.record_of(tgt)
    if rs.element_type != "neuron" or rt.element_type != "neuron":
        return None
    if not type(rs.block).sends_signal & type(rt.block).receives_signal:
        return None
    blk = rt.block
    if (hasattr(blk, "check_sources") or hasattr(rs.block, "check_targets")
            or getattr(blk, "port_receptors", ())):
        return None                 # model rules on the pair: the general path
    entry = blk.spike_receptors.get(0)
    steps = math.floor(d * (1.0 / k.resolution) + 0.5)
    lim = k.user_delays
    if entry is None or not 1 <= steps <= MAX_DELAY_STEPS or (
            lim is not None and not lim[0] <= steps <= lim[1]):
        return None
    off, split, count = entry
    code = channel_code(blk.chan_base + (tgt - int(blk.gids[0])) * blk.n_channels + off,
                        split, count)

    def commit():
        k.calls += 1
        k.delay_min = steps if k.delay_min is None else min(k.delay_min, steps)
        k.delay_max = steps if k.delay_max is None else max(k.delay_max, steps)
        k.table(model).add(np.array([src], np.int64), np.array([code], np.uint32), steps,
                           {"weight": w})
        k.count_connections(model, 1)
    return commit


def _symmetric(pre, post, conn_spec, syn_spec):
    """one_to_one with make_symmetric as NEST makes it: the pairs pre[i] ->
    post[i], then post[i] -> pre[i] with the same synapse values; returned
    as the arguments of a Connect of id arrays."""
    a = np.asarray(pre.tolist() if hasattr(pre, "tolist") else pre, np.int64)
    b = np.asarray(post.tolist() if hasattr(post, "tolist") else post, np.int64)
    if len(a) != len(b):
        raise BadProperty(f"one_to_one needs sources and targets of equal size, got "
                          f"{len(a)} and {len(b)}")
    spec = {key: v for key, v in conn_spec.items() if key != "make_symmetric"}
    if isinstance(syn_spec, dict):
        drawn = sorted(key for key, v in syn_spec.items() if isinstance(v, Parameter))
        if drawn:
            # (as NEST: the two directions would draw different values)
            raise NotImplementedFeature(
                f"make_symmetric: random parameters are not supported, got {drawn}; give "
                "scalars or arrays")
        syn_spec = {key: (np.concatenate([np.ravel(v)] * 2)
                          if isinstance(v, (list, tuple, np.ndarray)) and np.size(v) == len(a)
                          and len(a) > 1 else v)
                    for key, v in syn_spec.items()}
    return np.concatenate([a, b]), np.concatenate([b, a]), spec, syn_spec


def _connect_arrays(pre, post, conn_spec):
    """PyNEST's choice of its "connect arrays" path (pairs pre[i] -> post[i],
    ids may repeat): an input that is not a NodeCollection, with the rule
    one_to_one or with repeated ids."""
    from pynestlite.nodes import NodeCollection
    if isinstance(pre, NodeCollection) and isinstance(post, NodeCollection):
        return False
    rule = conn_spec.get("rule", "all_to_all") if isinstance(conn_spec, dict) else conn_spec
    if rule == "one_to_one":
        return True
    for obj in (pre, post):
        if not isinstance(obj, NodeCollection) and np.ndim(obj) == 1:
            ids = np.asarray(obj)
            if ids.dtype.kind in "iu" and len(np.unique(ids)) != len(ids):
                return True
    return False


def _continuous_delays(k, model, syn_spec, delays):
    """Delays (steps), extra columns and the delays to note for the kernel's
    extrema of a Connect through ``model``.  A model with continuous delays
    (``split_delay``: ``cont_delay_synapse``) keeps, as NEST, the sub-step
    part of its default delay; a delay given to Connect is rounded to steps."""
    cls = k.synapse_types[model]
    if not hasattr(cls, "split_delay"):
        return delays, {}, delays
    d_steps, d_off = cls.split_delay(k, k.synapse_models[model]["delay"])
    if isinstance(syn_spec, dict) and "delay" in syn_spec:
        # (as NEST, only the rounded delay counts for the delay extrema)
        return delays, {"delay_offset": d_off[0]}, delays
    return d_steps[0], {"delay_offset": d_off[0]}, cls.delay_steps_used(d_steps[0], d_off[0])


def _plan_arrays(pre, post, conn_spec, syn_spec):
    """Connect(pre_ids, post_ids, "one_to_one", syn_spec) with numpy arrays of
    node ids, as PyNEST's connect_arrays: pair i connects pre[i] -> post[i]
    (ids may repeat), syn_spec values are scalars or arrays of len(pre)."""
    k = _kernel()
    k.check_mutable("Connect")
    rule, _ = parse_conn_spec(conn_spec)
    if rule != "one_to_one":
        raise ValueError("Connect with arrays of node ids (non-unique ids) needs the rule "
                         f"one_to_one, got {rule}")
    pre = np.asarray(pre, np.int64)
    post = np.asarray(post, np.int64)
    if len(pre) != len(post):
        raise BadProperty(f"Connect: arrays of node ids need equal lengths, got {len(pre)} "
                          f"and {len(post)}")
    if len(pre) == 0:
        return None
    k.check_gids(np.unique(pre))
    k.check_gids(np.unique(post))
    model, syn = parse_syn_spec(syn_spec)
    pre_recs = [r for r, _ in k.groups(np.unique(pre))]
    post_recs = [r for r, _ in k.groups(np.unique(post))]
    _check_signals(pre_recs, post_recs)
    if any(r.element_type != "neuron" for r in pre_recs + post_recs):
        raise IllegalConnection("Connect with arrays of node ids connects neurons; connect "
                                "devices with NodeCollections")
    _check_binary_synapse(post_recs, model, k.synapse_types[model])
    n = len(pre)

    def values(name):
        v = syn[name]
        if isinstance(v, Parameter):
            # drawn per target as for the rules (keyed by target and call)
            from pynestlite.kernel.random_streams import Purpose
            return _values(v, name, None, pre, post, pre, post, k,
                           Purpose.PURPOSE_SYN_PARAMETER)
        arr = np.asarray(v, np.float64)
        if arr.ndim == 0:
            return np.float64(arr)
        if arr.shape != (n,):
            raise BadProperty(f"syn_spec {name}: needs a scalar or {n} values, got shape "
                              f"{arr.shape}")
        return arr

    local = k.is_local(post)
    src, tgt = pre[local], post[local]
    weights = values("weight")
    delays_ms = values("delay")
    cls = k.synapse_types[model]
    delays = k.delay_to_steps(delays_ms if np.ndim(delays_ms) == 0 else delays_ms[local])
    if hasattr(cls, "check_connection"):
        cls.check_connection(k, pre_recs, post_recs, delays, model)
    receptor = _receptors(syn.get("receptor_type", 0))
    if np.ndim(receptor) == 0:
        receptor = int(receptor)
    elif np.shape(receptor) != (n,):
        raise BadProperty(f"syn_spec receptor_type: needs a scalar or {n} values, got shape "
                          f"{np.shape(receptor)}")
    else:
        receptor = np.asarray(receptor, np.int64)[local]
    _check_spike_pairs(pre_recs, post_recs, receptor, cls, tgt)
    codes = k.channel_codes(tgt, receptor, cls.channel_kind)
    delays, offsets, noted_delays = _continuous_delays(k, model, syn_spec, delays)
    vals = {"weight": weights if np.ndim(weights) == 0 else weights[local], **offsets}
    for name in cls.public_columns():
        if name != "weight":
            v = values(name)
            vals[name] = v if np.ndim(v) == 0 else v[local]
    cls.check({name: np.atleast_1d(v) for name, v in vals.items()}, k.synapse_models[model])
    if hasattr(cls, "connect_columns"):
        vals = cls.connect_columns(vals, set(syn_spec) if isinstance(syn_spec, dict) else set(),
                                   k.synapse_models[model])
    k.calls += 1

    def commit():
        k.note_delays(np.atleast_1d(noted_delays))
        k.table(model).add(src, k.assign_ports(codes, vals["weight"]), delays, vals)
        k.count_connections(model, len(src))
    return commit


def _recorder_delay_steps(k, syn):
    """The delay of a recorder's connections, in steps: unused for the
    recording, but (as in NEST, where they are ordinary connections) part of
    the delay extrema, so a network recorded with the default delay of 1 ms
    runs in slices of 1 ms (and the multimeter hands out its samples a slice
    later) like NEST's."""
    d = syn.get("delay")
    if d is None or isinstance(d, Parameter):
        return np.empty(0, np.int64)
    # (the delay is not stored: one beyond the kernel's range counts as its
    # largest delay, so that NEST's 1 ms default works at any resolution)
    d = np.minimum(np.asarray(d, np.float64), MAX_DELAY_STEPS * k.ms_per_step())
    return np.atleast_1d(k.delay_to_steps(d))


def _static_model(cls):
    """Whether synapses of table class ``cls`` only carry a weight (and
    maybe a label): the models a device may connect through."""
    return (set(cls.public_columns()) - {"synapse_label", "weight"} == set()
            and set(cls.common) - {"weight"} == set()
            and cls.channel_kind != "learning_signal")


def _check_signals(pre_recs, post_recs):
    """NEST's signal check: a source and a target must share a signal type
    (spiking and binary neurons do not connect to each other)."""
    sends = {type(r.block).sends_signal: r for r in pre_recs}
    takes = {type(r.block).receives_signal: r for r in post_recs}
    for s, src in sends.items():
        for t, tgt in takes.items():
            if not s & t:
                raise IllegalConnection(
                    f"Source and target neuron are not compatible (e.g., spiking vs binary "
                    f"neuron): {src.model} -> {tgt.model}")


def _check_binary_synapse(post_recs, model, cls):
    """Binary neurons decode their input in the static delivery: other
    synapse models cannot reach them."""
    if (any(getattr(type(r.block), "binary_input", False) for r in post_recs)
            and not getattr(cls, "single_events", False)):
        raise IllegalConnection(
            f"binary neurons take their input through static synapses only, not {model} "
            f"(the transitions are decoded in the static delivery)")

def _plan_detector(k, pre, post, pk, pre_recs, post_recs, rule, spec, model, syn, syn_spec,
                   call):
    """Connections into correlation devices: every rank keeps all of them
    (the detector sees the spikes of all ranks), with weight, delay and the
    receptor port, which the device checks."""
    from pynestlite.kernel.random_streams import Purpose
    from pynestlite.models.generators import SpikeGenerator
    dev = post_recs[0].model
    if pk == "recorder":
        raise IllegalConnection(f"a recorder cannot be connected to {dev}")
    live = getattr(type(post_recs[0].block), "live_input", False)
    if live and pk != "neuron":
        raise IllegalConnection(
            f"{pre_recs[0].model} -> {dev} is not supported: {dev} takes the spikes of "
            "neurons; connect the device to a parrot_neuron and the parrot to it")
    bad = [r for r in pre_recs if r.element_type == "stimulator"
           and not isinstance(r.block, SpikeGenerator)]
    if bad:
        raise IllegalConnection(
            f"{bad[0].model} -> {dev} is not supported: it sends each target a train of its "
            "own; feed it through a parrot_neuron")
    cls = k.synapse_types[model]
    if cls.columns.keys() != {"weight"} or cls.channel_kind != "spike":
        raise IllegalConnection(f"{dev} receives spikes through static synapse models only, "
                                f"not {model}")
    pre_ids, post_ids = pre.ids, post.ids
    src, tgt, info = _pairs(rule, spec, pre_ids, post_ids, post_ids, k, call)
    weights = _values(syn["weight"], "weight", info, pre_ids, post_ids, src, tgt, k,
                      Purpose.PURPOSE_SYN_PARAMETER)
    require_finite(weights, "weight")
    delays_ms = _values(syn["delay"], "delay", info, pre_ids, post_ids, src, tgt, k,
                        Purpose.PURPOSE_SYN_PARAMETER)
    receptor = syn.get("receptor_type", 0)
    if isinstance(receptor, Parameter) or np.ndim(receptor) > 0:
        receptor = _receptors(_values(receptor, "receptor_type", info, pre_ids, post_ids,
                                      src, tgt, k, Purpose.PURPOSE_SYN_PARAMETER))
    else:
        receptor = int(_receptors(receptor))
    ports = np.broadcast_to(np.asarray(receptor, np.int64), tgt.shape)
    delays = k.delay_to_steps(delays_ms)
    for rec, g in k.groups(np.unique(tgt)):
        sel = np.isin(tgt, g)
        rec.block.check_ports(np.searchsorted(rec.block.gids, tgt[sel]), ports[sel])
    # NEST counts a connection on the rank of its target (the device)
    n_here = int(np.count_nonzero((tgt - 1) % k.size == k.rank))

    def commit():
        k.note_delays(np.atleast_1d(delays))
        k.detection.add(src, tgt, delays, {"weight": weights,
                                          "port": ports.astype(np.uint16)})
        k.count_connections(model, n_here)
    return commit


def _plan(pre, post, conn_spec, syn_spec, pair_call=None, spatial_path=None):
    """Check a Connect call and return the function that stores it (or None).

    ``pair_call``: the random call number for the rule's choice of pairs
    (default: this call's own; CollocatedSynapses repeat one).
    ``spatial_path``: take the spatial rules (default: if the specifications
    ask for them)."""
    from pynestlite.models import recorders
    from pynestlite.kernel.random_streams import Purpose
    k = _kernel()
    k.check_mutable("Connect")
    from pynestlite.spatial import connect as spatial
    pre = as_collection(pre, "pre")
    post = as_collection(post, "post")
    pre_ids, post_ids = pre.ids, post.ids
    if spatial_path is None:
        spatial_path = spatial.is_spatial_connect(conn_spec, syn_spec)
    if spatial_path:
        rule, spec = spatial.parse(conn_spec if isinstance(conn_spec, dict)
                                   else {"rule": conn_spec or "all_to_all"},
                                   syn_spec, pre_ids, post_ids)
    else:
        rule, spec = parse_conn_spec(conn_spec)
    model, syn = parse_syn_spec(syn_spec)
    if len(pre_ids) == 0 or len(post_ids) == 0:
        raise IllegalConnection("Connect: the sources and the targets must not be empty "
                                "(as NEST)")
    pre_kinds = {r.element_type for r, _ in k.groups(pre_ids)}
    post_kinds = {r.element_type for r, _ in k.groups(post_ids)}
    pre_recs = [r for r, _ in k.groups(pre_ids)]
    post_recs = [r for r, _ in k.groups(post_ids)]
    # neurons and spike generators may record into one spike_recorder together
    mixed_recording = (post_kinds == {"recorder"} and pre_kinds == {"neuron", "stimulator"})
    if (len(pre_kinds) > 1 and not mixed_recording) or len(post_kinds) > 1:
        raise IllegalConnection("Connect: sources (and targets) must all be neurons or all "
                                "devices of one kind; split the call")
    pk = "neuron" if mixed_recording else pre_kinds.pop()
    tk = post_kinds.pop()
    _check_signals(pre_recs, post_recs)
    k.calls += 1
    call = k.calls

    if cls_uses_archive(k.synapse_types[model]) and tk != "neuron":
        raise IllegalConnection(
            f"{model} is a plastic synapse model: it connects neurons (which keep the "
            f"spike archive it reads), not {pk} -> {tk}; feed device spikes through a "
            "parrot_neuron")

    # correlation devices (receptor ports; any rule, as NEST's devices with
    # proxies) -------------------------------------------------------------
    if tk in ("recorder", "stimulator") and all(
            getattr(type(r.block), "receives_ports", False) for r in post_recs):
        return _plan_detector(k, pre, post, pk, pre_recs, post_recs, rule, spec, model, syn,
                              syn_spec, call)

    # recorders ---------------------------------------------------------
    # (a layer of neurons reaches a layer of recorders through the spatial
    # pairwise_bernoulli on the source, as in NEST)
    on_source = ("src_layer" in spec and rule == "pairwise_bernoulli"
                 and spec.get("use_on_source") and tk == "recorder" and pk == "neuron")
    if "recorder" in (pk, tk) and rule not in ("all_to_all", "one_to_one") and not on_source:
        raise IllegalConnection(f"Connect: recording devices connect with the rules "
                                f"all_to_all and one_to_one only (and a spatial "
                                f"pairwise_bernoulli with use_on_source from neurons), "
                                f"not {rule} (as NEST)")
    if tk == "recorder":
        if not all(isinstance(r.block, recorders.SpikeRecorder) for r in post_recs):
            raise IllegalConnection(
                f"{post_recs[0].model} cannot receive spikes; connect a multimeter or "
                "voltmeter *to* the neurons (Connect(multimeter, neurons))")
        if pk == "recorder":
            raise IllegalConnection("a recorder cannot be connected to a recorder")
        devices = [r for r in pre_recs if r.element_type == "stimulator"]
        from pynestlite.models.generators import SpikeGenerator
        recordable = [r for r in devices if isinstance(r.block, SpikeGenerator)
                      or getattr(type(r.block), "records_to_recorders", False)]
        if len(recordable) < len(devices):
            bad = next(r.model for r in devices if r not in recordable)
            raise IllegalConnection(
                f"{bad} -> spike_recorder is not supported (it sends no spikes); record a "
                "neuron it drives")
        src, tgt, _ = _pairs(rule, spec, pre_ids, post_ids, post_ids, k, call)
        if pk == "neuron":
            # neurons record on the rank they live on, devices everywhere
            neuron_src = np.isin(src, np.concatenate(
                [g for r, g in k.groups(pre_ids) if r.element_type == "neuron"]))
            sel = k.is_local(src) | ~neuron_src
            src, tgt = src[sel], tgt[sel]

        noted = _recorder_delay_steps(k, syn)

        def commit():
            k.note_delays(noted)
            k.recording.add(src, tgt, 0, {})
            k.count_connections(model, len(src))
        return commit
    if pk == "recorder":
        if not all(isinstance(r.block, recorders.Multimeter) for r in pre_recs):
            raise IllegalConnection(f"{pre_recs[0].model} cannot send spikes; connect the "
                                    "neurons *to* the spike_recorder")
        cls = k.synapse_types[model]
        if not _static_model(cls) or model.endswith("_hpc"):
            raise IllegalConnection(f"a multimeter connects through static_synapse or "
                                    f"static_synapse_lbl only, not {model}")
        if tk != "neuron" and not all(r.block.recordables for r in post_recs):
            raise IllegalConnection("a multimeter can only record from neurons and from "
                                    "the devices with recordables (e.g. the rate of "
                                    "sinusoidal generators)")
        src, tgt, _ = _pairs(rule, spec, pre_ids, post_ids, post_ids, k, call)
        sel = k.is_local(tgt)
        if tk != "neuron" and k.rank != 0:
            # devices live on every rank; their samples are taken once, on rank 0
            device_tgt = np.isin(tgt, np.concatenate(
                [g for r, g in k.groups(post_ids) if r.element_type != "neuron"]))
            sel &= ~device_tgt
        # NEST: "Each multimeter can only be connected once to a given node"
        for rec, g in k.groups(np.unique(src)):
            for gid in g:
                new = tgt[src == gid]
                if len(np.unique(new)) < len(new):
                    raise IllegalConnection(
                        f"{rec.model} {gid}: each multimeter can only be connected once to "
                        "a given node (the rule chose a node twice)")
                again = new[np.isin(new, k.recording_targets(gid))]
                if len(again):
                    raise IllegalConnection(
                        f"{rec.model} {gid} is already connected to node {again[0]}: each "
                        "multimeter can only be connected once to a given node")
                # NEST checks the recordables here, not at the next Simulate
                names = rec.block.arrays["record_from"][int(np.searchsorted(rec.block.gids,
                                                                            gid))]
                for trec, _ in k.groups(np.unique(new)):
                    unknown = [x for x in names if x not in trec.block.recordables]
                    if unknown:
                        raise IllegalConnection(
                            f"{rec.model} {gid} cannot record {unknown[0]!r} from "
                            f"{trec.block.model}: its recordables are "
                            f"{list(trec.block.recordables)}")
        src, tgt = src[sel], tgt[sel]
        # NEST's receptor of each connection: 1 + the multimeters that
        # already record the target (in the order of connection)
        before = k.recording.multimeter_counts(k.next_gid)[tgt]
        port = (before + occurrence(tgt) + 1).astype(np.uint16)

        noted = _recorder_delay_steps(k, syn)

        def commit():
            k.note_delays(noted)
            k.recording.add(src, tgt, 0, {"port": port})
            k.count_connections(model, len(src))
        return commit
    if tk == "neuron" and any(getattr(type(r.block), "refuses_devices", False)
                              for r in post_recs):
        bad = next(r for r in post_recs if getattr(type(r.block), "refuses_devices", False))
        if pk != "neuron":
            raise IllegalConnection(
                f"{bad.model} (node {post_ids[0]}) takes spikes from neurons only, not from "
                f"{pre_recs[0].model}; feed device spikes through a parrot_neuron")
        if cls_uses_archive(k.synapse_types[model]):
            raise IllegalConnection(f"{bad.model} takes spikes through static synapses only, "
                                    f"not {model}")
        if k.size > 1:
            raise NotImplementedFeature(
                f"{bad.model} under MPI ({k.size} ranks) is not available yet: its spikes "
                "are not shared between ranks; run it on one rank")
    if tk == "neuron" and cls_uses_archive(k.synapse_types[model]):
        bad = next((r for r in post_recs if not r.block.archiving), None)
        if bad is not None:     # (population models keep no spike archive)
            raise IllegalConnection(f"{bad.model}: the target node does not support STDP "
                                    f"synapses ({model})")
    if tk == "stimulator":
        raise IllegalConnection(
            f"{post_recs[0].model} (node {post_ids[0]}) is a stimulation device and cannot "
            "receive connections")

    # synapses to neurons ---------------------------------------------------
    local_post = post_ids[k.is_local(post_ids)]
    src, tgt, info = _pairs(rule, spec, pre_ids, post_ids, local_post, k,
                            call if pair_call is None else pair_call)
    weights = _values(syn["weight"], "weight", info, pre_ids, post_ids, src, tgt, k,
                      Purpose.PURPOSE_SYN_PARAMETER)
    require_finite(weights, "weight")
    delays_ms = _values(syn["delay"], "delay", info, pre_ids, post_ids, src, tgt, k,
                        Purpose.PURPOSE_SYN_PARAMETER)
    receptor = syn.get("receptor_type", 0)
    if isinstance(receptor, Parameter) or np.ndim(receptor) > 0:
        receptor = _receptors(_values(receptor, "receptor_type", info, pre_ids, post_ids,
                                      src, tgt, k, Purpose.PURPOSE_SYN_PARAMETER))
    else:
        receptor = int(_receptors(receptor))
    delays = k.delay_to_steps(delays_ms)
    cls = k.synapse_types[model]
    _check_spike_pairs(pre_recs, post_recs, receptor, cls, tgt)
    delays, offsets, noted_delays = _continuous_delays(k, model, syn_spec, delays)
    if pk == "stimulator":
        # generator -> neuron: rows of the synapse model's table keyed by the
        # generator; the generator reads them at Prepare and writes its output
        # through them (the kernel does not deliver them)
        if not _static_model(cls):
            raise IllegalConnection(
                f"stimulation devices connect through static synapse models only, not "
                f"{model}")
        k.deliver_before_growth()
        for name, table in k.tables.items():
            if name != model and len(table):
                # NEST: all outgoing connections of a device use one synapse model
                table.finalize(k.next_gid)
                rp = table.row_ptr
                g = pre_ids[pre_ids < len(rp) - 1]
                if np.any(rp[g + 1] > rp[g]):
                    raise IllegalConnection(
                        f"Connect: a stimulation device's connections must all use one "
                        f"synapse model; node {int(g[np.argmax(rp[g + 1] > rp[g])])} "
                        f"already connects through {name}, not {model}")
        for rec in pre_recs:
            if (rec.block.output == "rate") != (cls.channel_kind == "rate"):
                raise IllegalConnection(
                    f"{rec.model} -> {model}: rate generators connect through "
                    "rate_connection_delayed, other devices through static synapses")
        codes = np.empty(len(src), np.uint32)
        for rec, g in k.groups(np.unique(src)):
            sel = np.isin(src, g)
            kind = rec.block.output
            codes[sel] = k.channel_codes(
                tgt[sel], receptor if np.ndim(receptor) == 0 else receptor[sel], kind)

        def commit():
            k.note_delays(np.atleast_1d(noted_delays))
            k.table(model).add(src, k.assign_ports(codes, weights), delays,
                               {"weight": weights, **offsets})
            k.count_connections(model, len(src))
        return commit
    if hasattr(cls, "check_connection"):
        cls.check_connection(k, pre_recs, post_recs, delays, model)
    _check_binary_synapse(post_recs, model, cls)
    kind = cls.channel_kind
    if info[0] == "fixed_indegree" and np.ndim(receptor) == 0:
        # codes of the local targets, each repeated indegree times (the
        # rule's layout), instead of resolving one code per synapse
        codes = np.repeat(k.channel_codes(local_post, receptor, kind), info[1])
    else:
        codes = k.channel_codes(tgt, receptor, kind)

    # the model's own columns: syn_spec values over the model's defaults (as
    # weight and delay); scalars stay scalars until the rows are written
    values = {"weight": weights, **offsets}
    for name in cls.public_columns():
        if name != "weight":
            values[name] = _values(syn[name], name, info, pre_ids, post_ids, src, tgt, k,
                                   Purpose.PURPOSE_SYN_PARAMETER)
    # as NEST, a Connect that gives only weight and delay sets the weight of
    # NEST's STDP models without their cross checks of it (the sign against
    # Wmax); any other synapse parameter makes them apply
    given = set(syn_spec) if isinstance(syn_spec, dict) else set()
    plain_weight = (not getattr(cls, "weight_checked_at_connect", True)
                    and not (given - {"weight", "delay", "synapse_model", "receptor_type"}))
    cls.check({name: np.atleast_1d(v) for name, v in values.items()
               if not (plain_weight and name == "weight" and len(values) > 1)},
              k.synapse_models[model])
    if hasattr(cls, "connect_columns"):
        # private columns a model derives from the Connect call (urbanczik's init_weight)
        values = cls.connect_columns(values, given, k.synapse_models[model])
    del tgt

    def commit():
        k.note_delays(np.atleast_1d(noted_delays))
        k.table(model).add(src, k.assign_ports(codes, values["weight"]), delays, values)
        k.count_connections(model, len(src))
    return commit
