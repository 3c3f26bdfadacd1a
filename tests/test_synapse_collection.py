"""GetConnections and SynapseCollection: queries, get/set, indexing, simulation effects.

NEST 3.10 runs the same small deterministic networks in a *subprocess*
(never in this process, which imports pynestlite); the (source, target,
synapse_model, weight, delay) lists and spike times are compared.
"""
import importlib.util
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pynestlite as nest

HAVE_NEST = importlib.util.find_spec("nest") is not None
needs_nest = pytest.mark.skipif(not HAVE_NEST, reason="NEST is not installed")

# The network builder runs unchanged on NEST and on pynestlite.
BUILD = r'''
def build(nest):
    nest.ResetKernel()
    nest.CopyModel("static_synapse", "my_syn", {"weight": 2.0})
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_exp", 2)
    pg = nest.Create("poisson_generator", params={"rate": 100.0})
    sr = nest.Create("spike_recorder")
    mm = nest.Create("multimeter", params={"record_from": ["V_m"]})
    nest.Connect(a, b, "all_to_all",
                 {"weight": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "delay": 1.5})
    nest.Connect(a, a, "one_to_one", "my_syn")
    nest.Connect(b, a[0], syn_spec={"synapse_model": "my_syn", "weight": -3.0, "delay": 2.0})
    nest.Connect(a[2], a[1], syn_spec={"weight": 0.5, "delay": 0.15})
    nest.Connect(pg, b, syn_spec={"weight": 7.0, "delay": 1.0})
    nest.Connect(a, sr)
    nest.Connect(mm, b)
    return dict(a=a, b=b, pg=pg, sr=sr, mm=mm)


def queries(nest, n):
    a, b = n["a"], n["b"]
    return {
        "all": nest.GetConnections(),
        "src_a": nest.GetConnections(source=a),
        "tgt_b": nest.GetConnections(target=b),
        "a1_b": nest.GetConnections(source=a[1], target=b),
        "a_a": nest.GetConnections(source=a, target=a),
        "static": nest.GetConnections(synapse_model="static_synapse"),
        "my_syn": nest.GetConnections(synapse_model="my_syn"),
        "my_syn_tgt_a0": nest.GetConnections(target=a[0], synapse_model="my_syn"),
        "pg": nest.GetConnections(source=n["pg"]),
        "sr": nest.GetConnections(target=n["sr"]),
        "mm": nest.GetConnections(source=n["mm"]),
        "none": nest.GetConnections(source=b, target=b),
    }


def rows(conns):
    if len(conns) == 0:
        return []
    d = conns.get(["source", "target", "synapse_model", "weight", "delay"])
    if len(conns) == 1:
        d = {k: [v] for k, v in d.items()}
    return [list(r) for r in zip(d["source"], d["target"], d["synapse_model"], d["weight"],
                                 d["delay"])]


def drive(nest, zero_weights=False, late_zero=False, delay=None):
    """spike_generator -> parrot -> iaf_psc_delta, and spike_generator -> iaf_psc_delta."""
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 15.0, 25.0, 35.0]})
    par = nest.Create("parrot_neuron")
    n1 = nest.Create("iaf_psc_delta")
    n2 = nest.Create("iaf_psc_delta")
    srs = [nest.Create("spike_recorder") for _ in range(3)]
    nest.Connect(sg, par)
    nest.Connect(par, n1, syn_spec={"weight": 20.0, "delay": 1.0})
    nest.Connect(sg, n2, syn_spec={"weight": 20.0, "delay": 1.0})
    for node, sr in zip((par, n1, n2), srs):
        nest.Connect(node, sr)
    if delay is not None:
        nest.GetConnections(source=par, target=n1).set(delay=delay)
        nest.GetConnections(source=sg, target=n2).delay = delay
    if zero_weights:
        nest.GetConnections(source=par, target=n1).set(weight=0.0)
        nest.GetConnections(source=sg, target=n2).weight = 0.0
    if late_zero:
        nest.Simulate(20.0)
        nest.GetConnections(source=par, target=n1).set({"weight": 0.0})
        nest.GetConnections(source=sg, target=n2).set([{"weight": 0.0}])
        nest.Simulate(30.0)
    else:
        nest.Simulate(50.0)
    return [[float(t) for t in sr.get("events")["times"]] for sr in srs]
'''

exec(BUILD)      # defines build, queries, rows, drive for pynestlite here

NEST_SCRIPT = BUILD + r'''
import json, sys
import nest
nest.verbosity = nest.VerbosityLevel.ERROR
out = {}
n = build(nest)
q = queries(nest, n)
out["queries"] = {k: rows(v) for k, v in q.items()}
out["num_connections"] = nest.num_connections
out["drive"] = {"plain": drive(nest), "zero": drive(nest, zero_weights=True),
                "late_zero": drive(nest, late_zero=True), "delay3": drive(nest, delay=3.0)}
json.dump(out, sys.stdout)
'''


@pytest.fixture(scope="module")
def nest_ref():
    if not HAVE_NEST:
        pytest.skip("NEST is not installed")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(NEST_SCRIPT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def netw():
    return build(nest)


# ---------------------------------------------------------------------------
# queries against NEST
@needs_nest
def test_get_connections_queries_match_nest(nest_ref, netw):
    got = {k: rows(v) for k, v in queries(nest, netw).items()}
    assert set(got) == set(nest_ref["queries"])
    for key, ref in nest_ref["queries"].items():
        assert sorted(got[key]) == sorted(ref), key
    assert nest.num_connections == nest_ref["num_connections"]


@needs_nest
def test_get_connections_order_matches_nest(nest_ref, netw):
    """Order: by synapse model, then source (neurons, to recorders, from devices),
    per source in creation order.  (With a target filter NEST lists device
    connections target by target; pynestlite keeps the order above.)"""
    got = {k: rows(v) for k, v in queries(nest, netw).items()}
    for key in ("all", "src_a", "a_a", "my_syn", "static", "pg", "sr", "mm"):
        assert [r[:3] for r in got[key]] == [r[:3] for r in nest_ref["queries"][key]], key


def test_get_connections_numbers(netw):
    q = queries(nest, netw)
    assert {k: len(v) for k, v in q.items()} == {
        "all": 6 + 3 + 2 + 1 + 2 + 3 + 2, "src_a": 6 + 3 + 1 + 3, "tgt_b": 6 + 2 + 2,
        "a1_b": 2, "a_a": 4, "static": 6 + 1 + 2 + 3 + 2, "my_syn": 5, "my_syn_tgt_a0": 3,
        "pg": 2, "sr": 3, "mm": 2, "none": 0}
    # all_to_all [post][pre] weights: target row, source column
    d = q["a1_b"].get(["source", "target", "weight", "delay"])
    assert d == {"source": [2, 2], "target": [4, 5], "weight": [2.0, 5.0], "delay": [1.5, 1.5]}
    assert q["my_syn_tgt_a0"].get("weight") == [2.0, -3.0, -3.0]
    assert q["my_syn_tgt_a0"].get("source") == [1, 4, 5]
    assert q["pg"].get("weight") == [7.0, 7.0]
    assert q["mm"].get("target") == [4, 5]
    with pytest.raises(nest.KernelException):
        nest.GetConnections(synapse_model="no_such_synapse")
    # connections to/from recorders have no weight that acts: set is accepted
    q["sr"].set(weight=2.0)
    q["mm"].set({"weight": 3.0, "delay": 2.0})
    assert len(nest.GetConnections(target=netw["sr"])) == 3


# ---------------------------------------------------------------------------
# get
def test_get_forms(netw):
    c = nest.GetConnections(source=netw["a"], target=netw["b"])
    assert len(c) == 6
    assert c.get("weight") == [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    assert c.weight == c.get("weight")
    assert c.source == [1, 1, 2, 2, 3, 3] and c.target == [4, 5, 4, 5, 4, 5]
    assert c.get("delay") == [1.5] * 6
    assert c.get("synapse_model") == ["static_synapse"] * 6
    assert c.get(["weight", "source"]) == {"weight": c.weight, "source": c.source}
    full = c.get()
    assert {"source", "target", "weight", "delay", "synapse_model", "receptor"} <= set(full)
    assert all(len(v) == 6 for v in full.values())
    assert full["receptor"] == [0] * 6
    one = c[3]
    assert len(one) == 1
    assert one.get("weight") == 5.0 and one.weight == 5.0
    assert one.get(["source", "target"]) == {"source": 2, "target": 5}
    assert one.get()["delay"] == 1.5
    assert json.loads(c.get("weight", output="json")) == c.weight
    with pytest.raises(KeyError):
        c.get("no_such_key")
    with pytest.raises(KeyError):
        c.no_such_key


def test_empty_collection(netw):
    e = nest.GetConnections(source=netw["b"], target=netw["b"])
    assert len(e) == 0
    assert e.get("weight") == () and e.get() == {} and e.get(["weight"]) == ()
    assert list(e) == [] and list(e.sources()) == []
    e.set(weight=3.0)        # a no-op, as in NEST
    assert "does not contain any connections" in str(e)


def test_len_iteration_indexing_equality(netw):
    c = nest.GetConnections(source=netw["a"], target=netw["b"])
    items = list(c)
    assert len(items) == 6 and all(len(x) == 1 for x in items)
    assert [x.get("weight") for x in items] == c.weight
    assert list(c.sources()) == c.source and list(c.targets()) == c.target
    assert c[-1].weight == 6.0 and c[0].target == 4
    assert c[1:4].weight == [4.0, 2.0, 5.0]
    assert c[::2].weight == [1.0, 2.0, 3.0]
    assert c[[0, 5]].weight == [1.0, 6.0]
    with pytest.raises(IndexError):
        c[6]
    assert c == nest.GetConnections(source=netw["a"], target=netw["b"])
    assert c[0] == items[0] and c[0] != c[1]
    assert c != nest.GetConnections(source=netw["a"])
    text = str(c)
    assert "source" in text and "synapse model" in text and len(text.splitlines()) == 8


def test_receptor_reported(netw):
    e = nest.Create("iaf_psc_exp")
    dc = nest.Create("dc_generator")
    nest.Connect(dc, e, syn_spec={"receptor_type": 1})
    nest.Connect(dc, netw["b"])
    c = nest.GetConnections(source=dc)
    assert dict(zip(c.target, c.receptor)) == {4: 0, 5: 0, e.tolist()[0]: 1}


# ---------------------------------------------------------------------------
# set
def test_set_scalar_array_dict_list_and_attribute(netw):
    c = nest.GetConnections(source=netw["a"], target=netw["b"])
    other = nest.GetConnections(source=netw["a"], target=netw["a"])
    before_other = other.weight
    c.set(weight=2.5)
    assert c.weight == [2.5] * 6
    c.set(weight=np.arange(6.0))
    assert c.weight == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    c.set({"weight": [6, 5, 4, 3, 2, 1], "delay": 2.0})
    assert c.get(["weight", "delay"]) == {"weight": [6.0, 5.0, 4.0, 3.0, 2.0, 1.0],
                                          "delay": [2.0] * 6}
    c.set([{"weight": float(i)} for i in range(6)])
    assert c.weight == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    c.weight = [9.0, 8.0, 7.0, 6.0, 5.0, 4.0]
    c.delay = 0.15                              # rounded to the grid as by Connect
    fresh = nest.GetConnections(source=netw["a"], target=netw["b"])
    assert fresh.weight == [9.0, 8.0, 7.0, 6.0, 5.0, 4.0]
    assert fresh.delay == [0.2] * 6
    c[2].weight = -1.0
    c[4:].set(weight=0.0)
    assert fresh.weight == [9.0, 8.0, -1.0, 6.0, 0.0, 0.0]
    assert other.weight == before_other         # nothing else changed
    nest.SetStatus(c, {"weight": 3.0})
    nest.SetStatus(c, "delay", 1.0)
    assert fresh.weight == [3.0] * 6 and fresh.delay == [1.0] * 6


def test_set_random_parameter(netw):
    c = nest.GetConnections(source=netw["a"], target=netw["b"])
    c.set(weight=nest.random.uniform(10.0, 20.0))
    w = np.array(c.weight)
    assert np.all((w >= 10.0) & (w < 20.0)) and len(np.unique(w)) == 6


def test_set_errors_change_nothing(netw):
    c = nest.GetConnections(source=netw["a"], target=netw["b"])
    w0, d0 = c.weight, c.delay
    with pytest.raises(nest.KernelException):
        c.set(weight=[1.0, 2.0])
    with pytest.raises(nest.BadDelay):
        c.set(weight=5.0, delay=0.01)              # the weight is not set either
    with pytest.raises(nest.BadDelay):
        c.set(delay=[1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    with pytest.raises(nest.UnaccessedDictionaryEntry):
        c.set(weight=5.0, source=1)
    with pytest.raises(nest.UnaccessedDictionaryEntry):
        c.set(synapse_model="my_syn")
    with pytest.raises(TypeError):
        c.set([{"weight": 1.0}] * 5)
    with pytest.raises(TypeError):
        c.set({"weight": 1.0}, delay=2.0)
    assert c.weight == w0 and c.delay == d0


def test_indices_survive_later_connects(netw):
    """A collection keeps addressing its synapses after new ones are added."""
    a, b = netw["a"], netw["b"]
    c = nest.GetConnections(source=a, target=b)
    nest.Connect(a, b, syn_spec={"weight": 100.0})     # same rows: stored after c's
    nest.Connect(b, b, syn_spec={"weight": 200.0})
    assert len(nest.GetConnections(source=a, target=b)) == 12   # (rows are rebuilt)
    c.set(weight=-7.0)
    w = nest.GetConnections(source=a, target=b).weight
    assert sorted(w) == [-7.0] * 6 + [100.0] * 6
    assert nest.GetConnections(source=b, target=b).weight == [200.0] * 4
    nest.Simulate(1.0)                                     # Prepare rebuilds again
    c.set(weight=-8.0)
    assert sorted(nest.GetConnections(source=a, target=b).weight) == [-8.0] * 6 + [100.0] * 6


def test_getstatus_on_synapse_collection(netw):
    c = nest.GetConnections(source=netw["a"][1], target=netw["b"])
    st = list(nest.GetStatus(c))
    assert len(st) == 2
    assert [(d["source"], d["target"], d["weight"], d["delay"]) for d in st] == \
        [(2, 4, 2.0, 1.5), (2, 5, 5.0, 1.5)]
    assert list(nest.GetStatus(c, "weight")) == [2.0, 5.0]
    one = nest.GetStatus(c[0])
    assert len(one) == 1 and one[0]["target"] == 4


def test_getstatus_formats_as_nest(netw):
    c = nest.GetConnections(source=netw["a"][1], target=netw["b"])
    assert isinstance(nest.GetStatus(c), tuple)
    assert nest.GetStatus(c[0], "weight") == (2.0,)
    assert nest.GetStatus(c, ["weight", "delay"]) == ((2.0, 1.5), (5.0, 1.5))


# ---------------------------------------------------------------------------
# synapse models and Connect(..., return_synapsecollection=True)
def test_copymodel_synapse_defaults():
    nest.ResetKernel()
    nest.CopyModel("static_synapse", "my_syn", {"weight": 2.0, "delay": 3.0})
    assert nest.GetDefaults("my_syn")["weight"] == 2.0
    assert nest.GetDefaults("static_synapse")["weight"] == 1.0
    a = nest.Create("iaf_psc_alpha", 4)
    nest.Connect(a[:2], a[2:], "one_to_one", "my_syn")
    nest.Connect(a[:2], a[2:], "one_to_one", {"synapse_model": "my_syn", "weight": 3.0})
    nest.Connect(a[:2], a[2:], "one_to_one")
    c = nest.GetConnections(synapse_model="my_syn")
    assert len(c) == 4
    assert sorted(c.weight) == [2.0, 2.0, 3.0, 3.0] and c.delay == [3.0] * 4
    assert c.synapse_model == ["my_syn"] * 4
    s = nest.GetConnections(synapse_model="static_synapse")
    assert s.weight == [1.0, 1.0] and s.delay == [1.0, 1.0]
    with pytest.raises(nest.KernelException):
        nest.CopyModel("static_synapse", "my_syn")
    with pytest.raises(nest.KernelException):
        nest.CopyModel("static_synapse", "bad_syn", {"no_param": 1.0})
    assert "bad_syn" not in nest.Models("synapses")


def test_connect_returns_synapse_collection():
    nest.ResetKernel()
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_alpha", 2)
    c = nest.Connect(a, b, "all_to_all", {"weight": 4.0, "delay": 2.5},
                     return_synapsecollection=True)
    assert len(c) == 6 and c.weight == [4.0] * 6 and c.delay == [2.5] * 6
    assert sorted(zip(c.source, c.target)) == [(s, t) for s in (1, 2, 3) for t in (4, 5)]
    assert nest.Connect(a, b, return_synapsecollection=False) is None
    c.set(weight=0.5)
    assert sorted(nest.GetConnections(source=a, target=b).weight) == [0.5] * 6 + [1.0] * 6


# ---------------------------------------------------------------------------
# weights and delays set on a SynapseCollection act in the simulation
def test_driven_neurons_spike():
    par, n1, n2 = drive(nest)
    assert par == [6.0, 16.0, 26.0, 36.0]
    assert len(n1) == 4 and len(n2) == 4


def test_zero_weight_silences_target():
    par, n1, n2 = drive(nest, zero_weights=True)
    assert len(par) == 4 and n1 == [] and n2 == []


def test_zero_weight_after_first_simulate():
    par, n1, n2 = drive(nest, late_zero=True)
    assert len(par) == 4
    assert len(n1) == 2 and len(n2) == 2 and max(n1 + n2) < 20.0


@needs_nest
def test_simulation_effects_match_nest(nest_ref):
    ref = nest_ref["drive"]
    assert drive(nest) == ref["plain"]
    assert drive(nest, zero_weights=True) == ref["zero"]
    assert drive(nest, late_zero=True) == ref["late_zero"]
    assert drive(nest, delay=3.0) == ref["delay3"]
    plain, later = ref["plain"], ref["delay3"]
    assert np.allclose(np.array(later[1]) - np.array(plain[1]), 2.0)


def test_generator_connections_keep_their_synapse_model():
    """Connections from a generator made with a copied model are listed under it."""
    nest.ResetKernel()
    nest.CopyModel("static_synapse", "drive", {"weight": 3.0, "delay": 2.0})
    n = nest.Create("iaf_psc_alpha", 4)
    pg = nest.Create("poisson_generator", params={"rate": 100.0})
    dc = nest.Create("dc_generator")
    nest.Connect(pg, n, syn_spec="drive")
    nest.Connect(dc, n[:2])
    drive = nest.GetConnections(synapse_model="drive")
    assert len(drive) == 4
    assert set(drive.get("weight")) == {3.0} and set(drive.get("delay")) == {2.0}
    assert set(drive.get("synapse_model")) == {"drive"}
    assert sorted(drive.get("target")) == n.tolist()
    static = nest.GetConnections(synapse_model="static_synapse")
    assert len(static) == 2 and set(static.get("source")) == {dc.global_id}
    assert nest.GetDefaults("drive")["num_connections"] == 4


def test_labelled_synapse_models():
    """NEST's *_lbl models: a synapse_label per connection (default -1),
    GetConnections(synapse_label=...) selects by it; other models refuse it."""
    import pytest
    from pynestlite.errors import BadProperty, UnaccessedDictionaryEntry
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 3)
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": "static_synapse_lbl",
                                       "synapse_label": 7})
    nest.Connect(n[0], n[2], syn_spec={"synapse_model": "stdp_synapse_lbl",
                                       "synapse_label": 7, "weight": 2.0})
    nest.Connect(n[1], n[2], syn_spec={"synapse_model": "static_synapse_lbl"})
    nest.Connect(n[1], n[2])
    assert nest.GetDefaults("static_synapse_lbl", "synapse_label") == -1
    c = nest.GetConnections(synapse_label=7)
    assert c.get("synapse_label") == [7, 7]
    assert c.get("target") == [2, 3]
    assert c.get("synapse_model") == ["static_synapse_lbl", "stdp_synapse_lbl"]
    assert len(nest.GetConnections(synapse_label=-1)) == 1
    c.set(synapse_label=9)
    assert len(nest.GetConnections(synapse_label=7)) == 0
    assert nest.GetConnections(synapse_label=9).get("weight") == [1.0, 2.0]
    with pytest.raises(UnaccessedDictionaryEntry, match="synapse_label"):
        nest.Connect(n[1], n[2], syn_spec={"synapse_model": "static_synapse",
                                           "synapse_label": 3})
    with pytest.raises(BadProperty, match="negative"):
        nest.Connect(n[1], n[2], syn_spec={"synapse_model": "static_synapse_lbl",
                                           "synapse_label": -3})
    assert nest.num_connections == 4
    nest.Simulate(5.0)


def test_collocated_synapses_share_the_pairs():
    """A random rule with CollocatedSynapses: each chosen pair gets one
    synapse of every specification; a bad specification stores nothing."""
    nest.ResetKernel()
    a = nest.Create("iaf_psc_alpha", 20)
    b = nest.Create("iaf_psc_alpha", 10)
    spec = nest.CollocatedSynapses({"weight": -2.0, "delay": 1.5},
                                   {"synapse_model": "stdp_synapse", "weight": 3.0})
    assert len(spec) == 2
    nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": 4}, spec)
    st = nest.GetConnections(synapse_model="static_synapse")
    sp = nest.GetConnections(synapse_model="stdp_synapse")
    assert len(st) == len(sp) == 40
    pairs = lambda c: sorted(zip(c.source, c.target))
    assert pairs(st) == pairs(sp)
    assert set(st.weight) == {-2.0} and set(sp.weight) == {3.0}
    bad = nest.CollocatedSynapses({"weight": 1.0}, {"synapse_model": "no_such_synapse"})
    with pytest.raises(nest.NESTErrors.UnknownModelName):
        nest.Connect(a, b, "all_to_all", bad)
    assert nest.num_connections == 80
    with pytest.raises(TypeError):
        nest.CollocatedSynapses()
