"""NodeCollection semantics, checked against values NEST 3.10 returns.

Every expected value below was obtained by running the same statements
with ``import nest`` (NEST 3.10) in a separate process.
"""
import math

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (BadProperty, KernelException, UnaccessedDictionaryEntry,
                               UnknownNode)


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


# ---------------------------------------------------------------------------
# ids, slicing, indexing
def test_create_returns_contiguous_ids():
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_exp", 2)
    c = nest.Create("spike_recorder")
    assert a.tolist() == [1, 2, 3]
    assert b.tolist() == [4, 5]
    assert c.tolist() == [6]
    assert (len(a), len(b), len(c)) == (3, 2, 1)
    assert a.get("global_id") == (1, 2, 3)
    assert c.get("global_id") == 6
    assert np.array_equal(np.array(a), [1, 2, 3])


def test_slicing():
    n = nest.Create("iaf_psc_alpha", 10)
    assert n[2:5].tolist() == [3, 4, 5]
    assert n[::3].tolist() == [1, 4, 7, 10]
    assert n[1:8:2].tolist() == [2, 4, 6, 8]
    assert n[-3:].tolist() == [8, 9, 10]
    assert n[:2].tolist() == [1, 2]
    assert n[0:1] == n[0]
    for bad_step in (0, -1):
        with pytest.raises(IndexError):
            n[::bad_step]


def test_integer_and_negative_index():
    n = nest.Create("iaf_psc_alpha", 4)
    assert n[0].tolist() == [1]
    assert n[-1].tolist() == [4]
    assert n[-4].tolist() == [1]
    assert n[np.int64(2)].tolist() == [3]
    assert isinstance(n[1], nest.NodeCollection) and len(n[1]) == 1
    for bad in (4, -5):
        with pytest.raises(IndexError):
            n[bad]


def test_index_lists():
    n = nest.Create("iaf_psc_alpha", 6)
    assert n[[0, 2, 5]].tolist() == [1, 3, 6]
    assert n[(1, 4)].tolist() == [2, 5]
    assert n[np.array([1, 4])].tolist() == [2, 5]
    assert n[[True, False, True, False, False, True]].tolist() == [1, 3, 6]
    assert n[np.array([False] * 5 + [True])].tolist() == [6]
    assert len(n[[]]) == 0
    with pytest.raises(BadProperty):          # NEST: indices must be ascending
        n[[2, 0]]
    with pytest.raises(ValueError):           # NEST: ValueError for repeated indices
        n[[1, 1]]
    with pytest.raises(IndexError):
        n[[0, 6]]
    with pytest.raises(IndexError):           # bool mask of the wrong length
        n[[True, False]]


def test_iteration_yields_single_node_collections():
    n = nest.Create("iaf_psc_alpha", 3)
    items = list(n)
    assert all(isinstance(x, nest.NodeCollection) and len(x) == 1 for x in items)
    assert [x.tolist() for x in items] == [[1], [2], [3]]
    assert [x.get("global_id") for x in n] == [1, 2, 3]
    assert [x.global_id for x in n] == [1, 2, 3]


def test_join_sorted_and_overlap_raises():
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_exp", 2)
    assert (b + a).tolist() == [1, 2, 3, 4, 5]
    assert b + a == a + b
    assert (a[2] + a[0]).tolist() == [1, 3]
    assert sum([b, a[1]]).tolist() == [2, 4, 5]
    with pytest.raises(BadProperty):          # NEST: BadProperty
        a + a[1]
    with pytest.raises(BadProperty):
        (a + b) + b[0]
    with pytest.raises(TypeError):
        a + [7]


def test_eq_contains_len_index():
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_alpha", 2)
    assert a == a[0:3]
    assert a == nest.NodeCollection([1, 2, 3])
    assert not (a == b)
    assert a != b
    assert a[0] != a[1]
    assert 2 in a and 3 in a
    assert 4 not in a and 0 not in a
    assert np.int64(5) in b
    assert len(a + b) == 5
    assert (a + b).index(4) == 3
    assert a.index(1) == 0 and a.index(np.int64(3)) == 2
    with pytest.raises(ValueError):
        a.index(4)
    assert bool(a) and not bool(nest.NodeCollection([]))


def test_nodecollection_from_ids():
    nest.Create("iaf_psc_alpha", 6)
    nc = nest.NodeCollection([1, 2, 5])
    assert nc.tolist() == [1, 2, 5]
    assert nc.get("global_id") == (1, 2, 5)
    assert nest.NodeCollection(np.array([4, 6])).tolist() == [4, 6]
    assert len(nest.NodeCollection([])) == 0
    assert len(nest.NodeCollection()) == 0
    with pytest.raises(UnknownNode):
        nest.NodeCollection([7])
    with pytest.raises(UnknownNode):
        nest.NodeCollection([0])
    with pytest.raises(BadProperty):          # NEST: ids must be unique
        nest.NodeCollection([1, 1])


# ---------------------------------------------------------------------------
# repr (strings NEST 3.10 prints)
def test_repr_matches_nest():
    a = nest.Create("iaf_psc_alpha", 10)
    b = nest.Create("iaf_psc_exp", 5)
    sr = nest.Create("spike_recorder")
    pad = " " * 15
    head = "NodeCollection(metadata=None, model=iaf_psc_alpha, "
    assert repr(a) == head + "size=10, first=1, last=10)"
    assert repr(a[3]) == head + "size=1, first=4)"
    assert str(a[2:5]) == head + "size=3, first=3, last=5)"
    assert repr(a[::3]) == ("NodeCollection(metadata=None,\n"
                            + pad + "model=iaf_psc_alpha, size=4, first=1, last=10, step=3)")
    assert repr(a + b) == ("NodeCollection(metadata=None,\n"
                           + pad + "model=iaf_psc_alpha, size=10, first=1, last=10;\n"
                           + pad + "model=iaf_psc_exp, size=5, first=11, last=15)")
    assert repr(a[[1, 4, 5]]) == ("NodeCollection(metadata=None,\n"
                                  + pad + "model=iaf_psc_alpha, size=1, first=2;\n"
                                  + pad + "model=iaf_psc_alpha, size=2, first=5, last=6)")
    assert repr(a[:3] + a[5:9] + sr) == ("NodeCollection(metadata=None,\n"
                                         + pad + "model=iaf_psc_alpha, size=3, first=1, last=3;\n"
                                         + pad + "model=iaf_psc_alpha, size=4, first=6, last=9;\n"
                                         + pad + "model=spike_recorder, size=1, first=16)")
    assert repr(nest.NodeCollection([])) == "NodeCollection(<empty>)"


def test_repr_merges_contiguous_creates_of_one_model():
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_alpha", 2)
    assert repr(a + b) == ("NodeCollection(metadata=None, model=iaf_psc_alpha, "
                           "size=5, first=1, last=5)")


# ---------------------------------------------------------------------------
# get
def test_get_one_vs_several_nodes():
    n = nest.Create("iaf_psc_alpha", 3, {"V_m": [-60.0, -61.0, -62.0]})
    assert n[1].get("V_m") == -61.0
    assert isinstance(n[1].get("V_m"), float)
    assert n.get("V_m") == (-60.0, -61.0, -62.0)
    assert n.get(["V_m", "C_m"]) == {"V_m": (-60.0, -61.0, -62.0), "C_m": (250.0, 250.0, 250.0)}
    assert n[0].get(["V_m"]) == {"V_m": -60.0}
    assert n[0].get(["V_m", "t_ref"]) == {"V_m": -60.0, "t_ref": 2.0}
    assert isinstance(n[0].get("global_id"), int)
    assert n[0].get("local") is True


def test_get_all_keys_as_nest():
    n = nest.Create("iaf_psc_alpha", 2)
    d = n[0].get()
    expected = {"global_id": 1, "model": "iaf_psc_alpha", "element_type": "neuron",
                "V_m": -70.0, "t_spike": -1.0, "local": True, "vp": 0, "thread": 0,
                "frozen": False, "node_uses_wfr": False,
                "recordables": ["I_syn_ex", "I_syn_in", "V_m"], "C_m": 250.0,
                "E_L": -70.0, "I_e": 0.0, "V_reset": -70.0, "V_th": -55.0, "t_ref": 2.0,
                "tau_m": 10.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}
    for key, value in expected.items():
        assert d[key] == value, key
    assert d["V_min"] == -math.inf
    assert list(d) == sorted(d)                 # NEST returns the keys sorted
    dd = n.get()
    assert dd["global_id"] == (1, 2)
    assert dd["model"] == ("iaf_psc_alpha", "iaf_psc_alpha")
    assert dd["V_th"] == (-55.0, -55.0)
    assert set(dd) == set(d)


def test_get_unknown_key_is_keyerror():
    n = nest.Create("iaf_psc_alpha", 2)
    for q in ("foo", ["foo"], ["V_m", "foo"]):
        with pytest.raises(KeyError):
            n.get(q)
        with pytest.raises(KeyError):
            n[0].get(q)
    with pytest.raises(KeyError):               # only recorders have events
        n.get("events")


def test_composite_of_different_models():
    a = nest.Create("iaf_psc_alpha", 2, {"tau_syn_ex": 3.0})
    b = nest.Create("iaf_psc_exp", 2, {"tau_syn_ex": 4.0})
    sr = nest.Create("spike_recorder")
    m = a + b
    assert m.get("tau_syn_ex") == (3.0, 3.0, 4.0, 4.0)
    assert m.get("model") == ("iaf_psc_alpha", "iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_exp")
    assert m.get("V_min") == (-math.inf, -math.inf, None, None)   # iaf_psc_exp has no V_min
    m.set({"tau_syn_ex": [1.0, 2.0, 5.0, 6.0]})
    assert a.get("tau_syn_ex") == (1.0, 2.0) and b.get("tau_syn_ex") == (5.0, 6.0)
    # a slice that interleaves the two models
    assert (a[1] + b[0]).get("global_id") == (2, 3)
    # heterogeneous get(): union of keys, None where a node lacks one
    h = a[0] + sr
    g = h.get()
    assert g["V_m"] == (-70.0, None)
    assert g["n_events"] == (None, 0)
    assert g["global_id"] == (1, 5)
    assert g["model"] == ("iaf_psc_alpha", "spike_recorder")
    assert g["t_spike"] == (-1.0, None)
    assert h.get(["V_m", "model"]) == {"V_m": (-70.0, None),
                                        "model": ("iaf_psc_alpha", "spike_recorder")}
    with pytest.raises(UnaccessedDictionaryEntry):   # NEST: the recorder has no V_m
        h.set(V_m=-60.0)
    # pynestlite checks every key first (NEST would have set the neuron's V_m)
    assert a[0].get("V_m") == -70.0


def test_spike_times_last_spike_and_hierarchical_get():
    n = nest.Create("iaf_psc_alpha", 4, {"I_e": 500.0})
    sr = nest.Create("spike_recorder", 2)
    nest.Connect(n, sr)
    nest.Simulate(50.0)
    # NEST 3.10: spikes at 13.9, 29.8, 45.7 ms for I_e = 500 pA
    assert n.get("t_spike") == (45.7, 45.7, 45.7, 45.7)
    times = sr[0].get("events", "times")
    np.testing.assert_allclose(times, np.repeat([13.9, 29.8, 45.7], 4))
    ev = sr[0].get("events", ["times", "senders"])
    assert sorted(ev) == ["senders", "times"]
    assert ev["senders"].tolist() == [1, 2, 3, 4] * 3
    senders = sr.get("events", "senders")
    assert isinstance(senders, list) and len(senders) == 2
    assert all(s.tolist() == [1, 2, 3, 4] * 3 for s in senders)
    assert sr.get("n_events") == (12, 12)
    assert sr[1].get("events")["times"].tolist() == times.tolist()


# ---------------------------------------------------------------------------
# attribute access
def test_attribute_access_and_assignment():
    n = nest.Create("iaf_psc_alpha", 3)
    assert n.V_m == (-70.0, -70.0, -70.0)
    assert n[0].V_m == -70.0
    n.V_m = -60.0
    assert n.get("V_m") == (-60.0, -60.0, -60.0)
    n.I_e = [1.0, 2.0, 3.0]
    assert n.I_e == (1.0, 2.0, 3.0)
    n[2].V_m = -55.5
    assert n.V_m == (-60.0, -60.0, -55.5)
    assert n.global_id == (1, 2, 3)
    with pytest.raises(KeyError):          # NEST raises KeyError here
        n.foo
    with pytest.raises(AttributeError):    # pynestlite: also an AttributeError
        n.foo
    assert not hasattr(n, "foo")
    with pytest.raises(UnaccessedDictionaryEntry):
        n.foo = 1.0


# ---------------------------------------------------------------------------
# set
def test_set_forms():
    n = nest.Create("iaf_psc_alpha", 3)
    n.set({"V_m": -60.0})
    assert n.V_m == (-60.0, -60.0, -60.0)
    n.set(V_m=[-61.0, -62.0, -63.0])
    assert n.V_m == (-61.0, -62.0, -63.0)
    n.set({"V_m": np.array([-64.0, -65.0, -66.0])})
    assert n.V_m == (-64.0, -65.0, -66.0)
    n.set([{"V_m": -50.0}, {"V_m": -51.0}, {"C_m": 100.0}])
    assert n.get(["V_m", "C_m"]) == {"V_m": (-50.0, -51.0, -66.0), "C_m": (250.0, 250.0, 100.0)}
    n.set({"V_m": -55.5, "I_e": 10.0})
    assert n.get(["V_m", "I_e"]) == {"V_m": (-55.5, -55.5, -55.5), "I_e": (10.0, 10.0, 10.0)}
    n.set(t_ref=np.float64(3.0), tau_m=np.array([11.0, 12.0, 13.0]))
    assert n.get("t_ref") == (3.0, 3.0, 3.0) and n.tau_m == (11.0, 12.0, 13.0)
    n[1].set(V_m=-40.0)
    assert n.V_m == (-55.5, -40.0, -55.5)
    with pytest.raises(TypeError):
        n.set({"V_m": -1.0}, I_e=2.0)


def test_set_random_parameter():
    n = nest.Create("iaf_psc_alpha", 200)
    n.set(V_m=nest.random.uniform(-70.0, -60.0))
    v = np.array(n.V_m)
    assert np.all((v >= -70.0) & (v < -60.0))
    assert len(np.unique(v)) == 200
    n.set({"C_m": 100.0 + 10.0 * nest.random.uniform_int(5)})
    c = np.array(n.C_m)
    assert set(c) == {100.0, 110.0, 120.0, 130.0, 140.0}


def test_set_errors_change_nothing():
    n = nest.Create("iaf_psc_alpha", 3)
    with pytest.raises(UnaccessedDictionaryEntry):
        n.set({"V_m": -60.0, "foo": 1.0})
    with pytest.raises(BadProperty):             # NEST: capacitance must be > 0
        n.set({"V_m": -60.0, "C_m": -1.0})
    with pytest.raises((BadProperty, IndexError)):   # 2 values for 3 nodes (NEST: IndexError)
        n.set({"V_m": [-60.0, -61.0]})
    # pynestlite checks all dicts before writing (NEST would set nodes 1 and 2)
    with pytest.raises(UnaccessedDictionaryEntry):
        n.set([{"V_m": -60.0}, {"V_m": -60.0}, {"foo": 1.0}])
    with pytest.raises((KernelException, ValueError)):
        n.set([{"V_m": -60.0}])
    assert n.V_m == (-70.0, -70.0, -70.0)
    assert n.C_m == (250.0, 250.0, 250.0)


def test_spike_generator_spike_times():
    sg = nest.Create("spike_generator")
    sg.set(spike_times=[1.0, 2.0])
    st = sg.get("spike_times")
    assert isinstance(st, np.ndarray) and st.tolist() == [1.0, 2.0]
    sg2 = nest.Create("spike_generator", 2)
    sg2.set({"spike_times": [3.0, 4.0]})         # one list for all generators
    got = sg2.get("spike_times")
    assert isinstance(got, tuple) and [g.tolist() for g in got] == [[3.0, 4.0], [3.0, 4.0]]
    sg2.set([{"spike_times": [1.0, 2.5]}, {"spike_times": [4.0]}])
    assert [g.tolist() for g in sg2.spike_times] == [[1.0, 2.5], [4.0]]
    sg2[0].set(spike_times=[5.0, 6.0])
    assert [g.tolist() for g in sg2.get("spike_times")] == [[5.0, 6.0], [4.0]]
    sg2.spike_times = [1.5, 2.5]
    assert [g.tolist() for g in sg2.spike_times] == [[1.5, 2.5], [1.5, 2.5]]
    assert isinstance(sg.get("spike_weights"), np.ndarray) and len(sg.get("spike_weights")) == 0
    with pytest.raises(BadProperty):
        sg.set(spike_times=[2.0, 1.0])           # must be sorted
    assert sg.get("spike_times").tolist() == [1.0, 2.0]


def test_spike_generators_drive_parrots_as_nest():
    sg = nest.Create("spike_generator", 2)
    sg.set([{"spike_times": [1.0, 2.5]}, {"spike_times": [4.0]}])
    p = nest.Create("parrot_neuron", 2)
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, p, "one_to_one")
    nest.Connect(p, sr)
    sr2 = nest.Create("spike_recorder")
    nest.Connect(sg, sr2)
    nest.Simulate(10.0)
    ev = sr.get("events")
    assert ev["times"].tolist() == [2.0, 3.5, 5.0] and ev["senders"].tolist() == [3, 3, 4]
    ev = sr2.get("events")
    assert ev["times"].tolist() == [1.0, 2.5, 4.0] and ev["senders"].tolist() == [1, 1, 2]
    assert p.get("t_spike") == (3.5, 5.0)
    assert sr.get("n_events") == 3


def test_multimeter_record_from_is_a_list():
    mm = nest.Create("multimeter", 2, {"record_from": ["V_m"]})
    vm = nest.Create("voltmeter")
    assert mm[0].get("record_from") == ["V_m"]
    assert mm.get("record_from") == (["V_m"], ["V_m"])
    assert vm.get("record_from") == ["V_m"]


def test_set_with_no_local_nodes_keeps_random_calls_in_step():
    """A rank without local nodes must still advance the random call counter
    in ``set``; otherwise later random values differ between ranks."""
    from pynestlite.engine import kernel
    from pynestlite.parallel import SerialComm

    class FakeRank1of2(SerialComm):
        """Serial stand-in for rank 1 of 2 ranks (collectives are identities)."""
        rank, size = 1, 2

    def run():
        a = nest.Create("iaf_psc_alpha", 1)           # gid 1: owned by rank 0
        a.set(V_m=nest.random.uniform(-70.0, -60.0))
        b = nest.Create("iaf_psc_alpha", 4, {"V_m": nest.random.uniform(-70.0, -60.0)})
        return kernel.calls, b

    calls_serial, b = run()
    serial = dict(zip(b.tolist(), b.get("V_m")))
    nest.ResetKernel()
    saved = kernel.comm
    kernel.comm = FakeRank1of2()
    try:
        calls_rank1, b = run()
        local_values = b.get("V_m")               # rank 1 holds gids 2 and 4

    finally:
        kernel.comm = saved
        nest.ResetKernel()
    assert calls_rank1 == calls_serial
    assert local_values == (serial[2], serial[4])


def test_failed_set_is_all_or_nothing_and_draws_nothing():
    """A pynestlite guarantee (NEST 3.10 leaves the nodes set before the bad one)."""
    def run(fail):
        nest.ResetKernel()
        nest.rng_seed = 3
        a = nest.Create("iaf_psc_alpha", 2)
        b = nest.Create("iaf_psc_alpha", 2, {"V_th": -65.0})
        if fail:
            # fine for a (V_th -55), not for b (V_th -65): a must not change either
            with pytest.raises(BadProperty):
                (a + b).set({"V_m": nest.random.uniform(-70.0, -60.0), "V_reset": -60.0})
            with pytest.raises(BadProperty):
                (a + b).set([{"V_m": -50.0}, {"C_m": 100.0}, {"V_m": -51.0}, {"C_m": -1.0}])
            assert (a + b).get("V_m") == (-70.0,) * 4
            assert (a + b).get("V_reset") == (-70.0,) * 4
            assert (a + b).get("C_m") == (250.0,) * 4
        (a + b).set(V_m=nest.random.uniform(-70.0, -60.0))
        return (a + b).get("V_m")

    assert run(fail=True) == run(fail=False)


def test_failed_recorder_set_keeps_settings():
    sr = nest.Create("spike_recorder", 2)
    with pytest.raises(BadProperty):
        sr.set([{"start": 5.0}, {"record_to": "no_such_backend"}])
    assert sr.get("start") == (0.0, 0.0)
    assert sr.get("record_to") == ("memory", "memory")


def test_n_events_zero_clears_events():
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(20.0)
    assert sr.n_events == 2                      # NEST 3.10: 2 (both spike at 13.9 ms)
    sr.n_events = 0
    assert sr.n_events == 0 and len(sr.events["times"]) == 0


def test_get_output_json():
    import json
    n = nest.Create("iaf_psc_alpha", 2)
    assert n.get("V_m", output="json") == "[-70.0, -70.0]"          # as NEST 3.10
    assert json.loads(n[0].get(["V_m", "C_m"], output="json")) == {"V_m": -70.0, "C_m": 250.0}
    sr = nest.Create("spike_recorder")
    assert json.loads(sr.get("events", output="json")) == {"senders": [], "times": []}


_MPI_SCRIPT = """
import json
import numpy as np
import pynestlite as nest
from pynestlite.engine import kernel
a = nest.Create("iaf_psc_alpha", 1)                  # gid 1: one rank has no local node
a.set(V_m=nest.random.uniform(-70.0, -60.0))
b = nest.Create("iaf_psc_alpha", 5, {"V_m": nest.random.uniform(-70.0, -60.0)})
loc = nest.GetLocalNodeCollection(b)
vm = dict(zip(loc.tolist(), np.atleast_1d(loc.get("V_m")).tolist()))
# C_m of gid 2 is bad: only the rank owning gid 2 sees it, every rank must raise
try:
    b.set({"C_m": [-1.0, 100.0, 100.0, 100.0, 100.0], "I_e": nest.random.uniform(0.0, 1.0)})
    err = None
except nest.KernelException as e:
    err = type(e).__name__
after = (kernel.calls, sorted(set(np.atleast_1d(loc.get("C_m")).tolist())),
         sorted(set(np.atleast_1d(loc.get("I_e")).tolist())))
with open(f"result_{nest.NumProcesses()}_{nest.Rank()}.json", "w") as f:
    json.dump({"rank": nest.Rank(), "vm": vm, "err": err, "after": after}, f)
"""


def _run_script(cmd, tmp_path, env, n):
    import json
    import subprocess
    f = tmp_path / "set_mpi.py"
    f.write_text(_MPI_SCRIPT)
    p = subprocess.run(cmd + [str(f)], capture_output=True, text=True, timeout=120, env=env,
                       cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    return [json.loads((tmp_path / f"result_{n}_{r}.json").read_text()) for r in range(n)]


def test_set_under_mpi_matches_serial_and_fails_on_all_ranks(tmp_path):
    import os
    import shutil
    import sys
    mpiexec = (shutil.which("mpiexec", path=os.path.dirname(sys.executable))
               or shutil.which("mpiexec"))
    if mpiexec is None:
        pytest.skip("mpiexec not installed")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env.pop("PYNESTLITE_NO_MPI", None)
    serial_env = {k: v for k, v in env.items()
                  if not k.startswith(("PMI_", "HYDI_", "HYDRA_", "MPI_", "OMPI_", "PMIX_"))}
    serial_env["PYNESTLITE_NO_MPI"] = "1"
    (ref,) = _run_script([sys.executable], tmp_path, serial_env, 1)
    ranks = _run_script([mpiexec, "-n", "2", sys.executable], tmp_path, env, 2)
    assert sorted(r["rank"] for r in ranks) == [0, 1]
    vm = {}
    for r in ranks:
        vm.update(r["vm"])
        assert r["err"] == "BadProperty"                    # raised on both ranks
        assert r["after"] == [2, [250.0], [0.0]]            # rolled back, no draws used
    assert vm == ref["vm"]                                  # same values as one process
    assert ref["err"] == "BadProperty" and ref["after"] == [2, [250.0], [0.0]]


def test_get_nodes_all_and_by_properties():
    nest.ResetKernel()
    nest.Create("iaf_psc_alpha", 3, params={"V_m": [-70.0, -60.0, -70.0]})
    nest.Create("spike_recorder")
    nest.Create("iaf_psc_exp", 2)
    assert nest.GetNodes().tolist() == [1, 2, 3, 4, 5, 6]
    assert nest.GetNodes(local_only=True).tolist() == [1, 2, 3, 4, 5, 6]
    assert nest.GetNodes({"V_m": -70.0}).tolist() == [1, 3, 5, 6]
    assert nest.GetNodes({"model": "spike_recorder"}).tolist() == [4]
    assert nest.GetNodes({"element_type": "neuron", "V_m": -60.0}).tolist() == [2]
    assert len(nest.GetNodes({"no_such_parameter": 1.0})) == 0
    nest.ResetKernel()
    assert len(nest.GetNodes()) == 0


def test_vp_thread_and_to_array_as_nest():
    """NEST 3.10 with two threads on one process: vp = id % 2, devices on vp 0."""
    nest.local_num_threads = 2
    n = nest.Create("parrot_neuron", 5)
    assert n.vp == (1, 0, 1, 0, 1) and n.thread == (1, 0, 1, 0, 1)
    assert n._to_array() == {"All": [1, 2, 3, 4, 5]}
    assert n._to_array("rank") == {"Rank 0": [1, 2, 3, 4, 5]}
    assert n[::2]._to_array("thread") == {0: [], 1: [1, 3, 5]}
    sr = nest.Create("spike_recorder")
    assert (sr.vp, sr.thread, sr._to_array("thread")) == (0, 0, {0: [6], 1: []})
    with pytest.raises(ValueError, match="selection"):
        n._to_array("node")


@pytest.mark.parametrize("threads,expected", [
    (1, ((0, 1, 2, 5, 6, 7, 8), (3, 4), 9)),
    (2, ((0, 0, 1, 3, 4, 4, 5), (1, 2), 5)),
    (3, ((0, 0, 0, 3, 3, 3, 4), (1, 2), 5))])
def test_thread_local_id_as_nest(threads, expected):
    """NEST 3.10, same script: -1 until Prepare, then the node's place among
    the nodes of its thread (devices on every thread)."""
    nest.local_num_threads = threads
    n = nest.Create("iaf_psc_alpha", 3)
    mm = nest.Create("multimeter", 2)
    p = nest.Create("parrot_neuron", 4)
    sr = nest.Create("spike_recorder")
    assert (n + p).thread_local_id == (-1,) * 7 and sr.thread_local_id == -1
    nest.Simulate(1.0)
    assert ((n + p).thread_local_id, mm.thread_local_id, sr.thread_local_id) == expected
    late = nest.Create("iaf_psc_alpha", 2)
    assert late.thread_local_id == (-1, -1)


def test_model_ids_grow_with_copies():
    nest.CopyModel("iaf_psc_alpha", "my_iaf")
    nest.CopyModel("static_synapse", "my_static")
    assert nest.GetDefaults("my_iaf")["model_id"] > nest.GetDefaults("iaf_psc_alpha")["model_id"]
    a, b = nest.Create("iaf_psc_alpha"), nest.Create("my_iaf")
    assert b.model_id == nest.GetDefaults("my_iaf", "model_id") and b.model == "my_iaf"
    assert a.model_id == nest.GetDefaults("iaf_psc_alpha", "model_id")
    sid = nest.GetDefaults("my_static")["synapse_modelid"]
    assert sid > nest.GetDefaults("static_synapse")["synapse_modelid"]
    nest.Connect(a, b, syn_spec="my_static")
    assert nest.GetConnections().synapse_id == sid
    with pytest.raises(nest.NESTErrors.NewModelNameExists):
        nest.CopyModel("iaf_psc_alpha", "my_iaf")


def test_strided_slices_select_connections():
    n = nest.Create("iaf_psc_alpha", 6)
    nest.Connect(n, n, "one_to_one")
    c = nest.GetConnections(source=n[::2])
    assert c.source == [1, 3, 5] and c.target == [1, 3, 5]


def test_equality_across_resetkernel_compares_ids_and_models():
    # as NEST: collections from before a ResetKernel keep the models they had
    nest.ResetKernel()
    exp_1 = nest.Create("iaf_psc_exp", 10)
    nest.ResetKernel()
    exp_2 = nest.Create("iaf_psc_exp", 10)
    assert exp_1 == exp_2
    nest.ResetKernel()
    alpha = nest.Create("iaf_psc_alpha", 10)
    assert alpha == nest.NodeCollection(alpha.tolist())
    assert alpha != exp_1 and exp_1 != alpha
    assert alpha[:5] != alpha


def test_empty_collections_stay_usable_after_resetkernel():
    empty = [nest.NodeCollection(), nest.NodeCollection([])]
    nest.ResetKernel()
    for nc in empty:
        nc.set()
        assert len(nc) == 0
    old = nest.Create("iaf_psc_alpha", 2)
    nest.ResetKernel()
    with pytest.raises(nest.NESTErrors.KernelException, match="ResetKernel"):
        old.set(V_m=-60.0)


def test_sliced_composites_cannot_be_joined_as_nest():
    # NEST 3.10's outcomes for each slice + a new node
    nest.ResetKernel()
    comp = nest.Create("iaf_psc_alpha", 10) + nest.Create("iaf_psc_exp", 7)
    other = nest.Create("iaf_psc_delta")
    prim = nest.Create("iaf_psc_alpha", 5)
    cases = [(comp[::2], False), (comp[2:14], False), (comp[:5], True), (comp[10:], True),
             (comp[0:17], False), (prim[::2], False), (prim[1:3], True), (prim[::5], False)]
    for nc, joins in cases:
        if joins:
            assert len(nc + other) == len(nc) + 1
        else:
            with pytest.raises(nest.NESTErrors.BadProperty, match="sliced composite"):
                nc + other
            with pytest.raises(nest.NESTErrors.BadProperty, match="sliced composite"):
                other + nc
    assert len(comp[::2] + nest.NodeCollection()) == 9      # (empty joins)


def test_print_nodes(capsys):
    # NEST 3.10's layout: consecutive Creates of one model form one range
    nest.ResetKernel()
    nest.Create("iaf_psc_alpha", 5)
    nest.Create("iaf_psc_alpha", 7)
    nest.Create("spike_recorder")
    nest.Create("parrot_neuron", 300)
    nest.PrintNodes()
    assert capsys.readouterr().out == ("  1 ..  12 iaf_psc_alpha\n 13        spike_recorder\n"
                                       " 14 .. 313 parrot_neuron\n")


def test_longer_value_lists_give_their_first_values():
    # NEST 3.10: a list longer than the collection sets the first values (a
    # shorter one raises), at Create and in set, also across a composite
    nest.ResetKernel()
    n = nest.Create("iaf_psc_delta", 3, params={"V_m": np.array([-60., -61., -62., -63.])})
    assert n.V_m == (-60.0, -61.0, -62.0)
    both = n + nest.Create("iaf_psc_alpha", 2)
    both.set({"V_m": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    assert both.V_m == (1.0, 2.0, 3.0, 4.0, 5.0)
    with pytest.raises(IndexError):
        n.set({"V_m": [1.0, 2.0]})
