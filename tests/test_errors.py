"""Bad input: the exception type, a message naming what was wrong and what was
expected, and a kernel left exactly as it was.

Every error case checks

* the exception class (from :mod:`pynestlite.errors`, all KernelExceptions),
* a fragment of its message,
* that nothing changed: kernel status (network size, connections, time,
  settings), the status of the existing nodes, the next node id, and, where
  random numbers are involved, the random numbers drawn afterwards.
"""
import math
import os
import re

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (
    BadDelay, BadParameter, BadProperty, IllegalConnection, KernelException,
    KernelStateError, TimeMultipleRequired, UnaccessedDictionaryEntry, UnknownModelName,
    UnknownNode, UnknownReceptorType)

NEURON_MODELS = ("iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha", "iaf_cond_exp")
KERNEL_KEYS = ("network_size", "num_connections", "biological_time", "resolution",
               "rng_seed", "min_delay", "max_delay", "data_path", "data_prefix",
               "overwrite_files")


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


# ---------------------------------------------------------------------------
# helpers
def _plain(v):
    if isinstance(v, np.ndarray):
        return ("array", v.tolist())
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return v


def _kernel_state():
    return dict(zip(KERNEL_KEYS, _plain(nest.GetKernelStatus(list(KERNEL_KEYS)))))


def _node_state(nodes):
    """Full status of the nodes (events summarised by their count)."""
    out = []
    for nc in nodes:
        d = nc.get()
        d.pop("events", None)
        out.append(_plain(d))
    return out


def _connections():
    c = nest.GetConnections()
    if len(c) == 0:
        return []
    return _plain(c.get(["source", "target", "weight", "delay"]))


def _fails(exc, fragment, fn, nodes=(), defaults=()):
    """Call ``fn``; it must raise ``exc`` with ``fragment`` in the message and
    leave the kernel, the ``nodes``, the model ``defaults`` and the
    connections unchanged.  Returns the message."""
    assert issubclass(exc, KernelException)
    before = (_kernel_state(), [_node_state(n) for n in nodes],
              [_plain(nest.GetDefaults(m)) for m in defaults], _connections())
    with pytest.raises(exc, match=re.escape(fragment)) as info:
        fn()
    after = (_kernel_state(), [_node_state(n) for n in nodes],
             [_plain(nest.GetDefaults(m)) for m in defaults], _connections())
    assert after[0] == before[0], "kernel status changed by a failed call"
    assert after[1] == before[1], "node status changed by a failed call"
    assert after[2] == before[2], "model defaults changed by a failed call"
    assert after[3] == before[3], "connections changed by a failed call"
    return str(info.value)


def _next_id_is(expected):
    assert nest.Create("iaf_psc_alpha").global_id == expected


def _random_draws(failing=None, noop=None):
    """Random connectivity, weights and V_m drawn after an optional failing
    (or no-op) call ``failing(n)`` / ``noop(n)`` on 8 neurons ``n``.

    A failed call must not consume random numbers: the draws must equal those
    of a kernel where the call was never made.
    """
    nest.ResetKernel()
    nest.rng_seed = 12
    n = nest.Create("iaf_psc_alpha", 8)
    if failing is not None:
        with pytest.raises(KernelException):
            failing(n)
    if noop is not None:
        noop(n)
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 3},
                 {"weight": nest.random.uniform(0.0, 1.0)})
    n.set(V_m=nest.random.uniform(-70.0, -60.0))
    m = nest.Create("iaf_psc_alpha", 3, {"V_m": nest.random.normal(-65.0, 2.0)})
    return _connections(), n.get("V_m"), m.get("V_m"), m.tolist()


# ---------------------------------------------------------------------------
# Create
def test_create_unknown_model():
    nest.Create("iaf_psc_alpha", 2)
    msg = _fails(UnknownModelName, "'no_such_model' is not a known model name",
                 lambda: nest.Create("no_such_model", 3))
    assert "iaf_psc_alpha" in msg            # lists the available models
    _next_id_is(3)


@pytest.mark.parametrize("n", [0, -1, 2.5, "3", True])
def test_create_bad_number_of_nodes(n):
    nest.Create("iaf_psc_alpha", 2)
    _fails(BadProperty, f"Create: n must be a positive integer, got {n!r}",
           lambda: nest.Create("iaf_psc_alpha", n))
    _next_id_is(3)


def test_create_unknown_parameter():
    nest.Create("iaf_psc_alpha", 2)
    msg = _fails(UnaccessedDictionaryEntry,
                 "iaf_psc_alpha has no parameter 'foo'; expected one of",
                 lambda: nest.Create("iaf_psc_alpha", 2, {"V_m": -60.0, "foo": 1.0}))
    assert "'V_m'" in msg
    _next_id_is(3)


# ---------------------------------------------------------------------------
# unknown parameters in set / SetStatus / SetDefaults (second key bad)
def test_set_unknown_parameter():
    n = nest.Create("iaf_psc_alpha", 2)
    _fails(UnaccessedDictionaryEntry, "iaf_psc_alpha has no parameter 'foo'; expected one of",
           lambda: n.set({"V_m": -60.0, "foo": 1.0}), nodes=[n])
    _fails(UnaccessedDictionaryEntry, "iaf_psc_alpha has no parameter 'foo'",
           lambda: n.set(V_m=-60.0, foo=1.0), nodes=[n])


def test_setstatus_unknown_parameter():
    n = nest.Create("iaf_psc_alpha", 2)
    _fails(UnaccessedDictionaryEntry, "iaf_psc_alpha has no parameter 'foo'; expected one of",
           lambda: nest.SetStatus(n, {"V_m": -60.0, "foo": 1.0}), nodes=[n])
    _fails(UnaccessedDictionaryEntry, "iaf_psc_alpha has no parameter 'foo'",
           lambda: nest.SetStatus(n, "foo", 1.0), nodes=[n])


def test_setdefaults_unknown_parameter():
    _fails(UnaccessedDictionaryEntry, "iaf_psc_alpha has no parameter 'foo'; expected one of",
           lambda: nest.SetDefaults("iaf_psc_alpha", {"V_m": -60.0, "foo": 1.0}),
           defaults=["iaf_psc_alpha"])
    _fails(UnaccessedDictionaryEntry, "static_synapse has no parameter 'foo'",
           lambda: nest.SetDefaults("static_synapse", {"weight": 2.0, "foo": 1.0}),
           defaults=["static_synapse"])
    assert nest.Create("iaf_psc_alpha").get("V_m") == -70.0


def test_setstatus_second_key_bad_value_or_type():
    n = nest.Create("iaf_psc_alpha", 2)
    _fails(BadProperty, "C_m must be > 0",
           lambda: nest.SetStatus(n, {"V_m": -60.0, "I_e": 10.0, "C_m": -2.0}), nodes=[n])
    _fails(BadProperty, "parameter 'I_e' expects a float",
           lambda: nest.SetStatus(n, {"V_m": -60.0, "I_e": "x"}), nodes=[n])
    _fails(BadProperty, "C_m must be > 0",
           lambda: nest.SetDefaults("iaf_psc_alpha", {"V_m": -60.0, "C_m": 0.0}),
           defaults=["iaf_psc_alpha"])


def test_setstatus_spanning_two_creates_is_all_or_nothing():
    """V_reset=-60 is fine for the first group (V_th=-55) but not the second
    (V_th=-65): the first group must not be changed either."""
    a = nest.Create("iaf_psc_alpha", 2)
    b = nest.Create("iaf_psc_alpha", 2, {"V_th": -65.0})
    _fails(BadProperty, "V_reset must be smaller than V_th",
           lambda: (a + b).set({"V_m": -58.0, "V_reset": -60.0}), nodes=[a, b])
    assert a.get("V_reset") == (-70.0, -70.0)


def test_setstatus_list_of_dicts_is_all_or_nothing():
    n = nest.Create("iaf_psc_alpha", 2)
    _fails(BadProperty, "parameter 'V_m' expects a float",
           lambda: n.set([{"V_m": -60.0}, {"V_m": "x"}]), nodes=[n])
    _fails(BadProperty, "C_m must be > 0",
           lambda: nest.SetStatus(n, [{"C_m": 100.0}, {"C_m": -1.0}]), nodes=[n])


# ---------------------------------------------------------------------------
# wrong types
def test_string_for_float_parameter():
    nest.Create("iaf_psc_alpha", 2)
    n = nest.Create("iaf_psc_alpha", 2)
    _fails(BadProperty, "iaf_psc_alpha: parameter 'V_m' expects a float, got 'abc'",
           lambda: nest.Create("iaf_psc_alpha", 2, {"V_m": "abc"}))
    _fails(BadProperty, "iaf_psc_alpha: parameter 'V_m' expects a float, got 'abc'",
           lambda: n.set(V_m="abc"), nodes=[n])
    _fails(BadProperty, "parameter 'V_m' expects a float, got None",
           lambda: n.set(V_m=None), nodes=[n])
    _next_id_is(5)


def test_float_for_bool_parameter():
    sr = nest.Create("spike_recorder")
    _fails(BadProperty, "iaf_psc_delta: parameter 'refractory_input' expects a bool, got 0.5",
           lambda: nest.Create("iaf_psc_delta", 1, {"refractory_input": 0.5}))
    _fails(BadProperty, "spike_recorder: parameter 'time_in_steps' expects a bool, got 1.5",
           lambda: sr.set(time_in_steps=1.5), nodes=[sr])
    _fails(BadProperty, "parameter 'allow_offgrid_times' expects a bool, got 'yes'",
           lambda: nest.Create("spike_generator", 1, {"allow_offgrid_times": "yes"}))
    _next_id_is(2)


# ---------------------------------------------------------------------------
# ranges
POSITIVE = [(m, key) for m in NEURON_MODELS for key in ("C_m", "tau_m", "tau_syn_ex")
            if key in nest.GetDefaults(m)]


@pytest.mark.parametrize("model,key", POSITIVE)
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_parameter_must_be_positive(model, key, value):
    n = nest.Create(model, 2)
    fragment = f"{model}: {key} must be > 0"
    msg = _fails(BadProperty, fragment, lambda: nest.Create(model, 1, {key: value}))
    assert repr(value) in msg or str(value) in msg
    _fails(BadProperty, fragment, lambda: n.set({key: value}), nodes=[n])
    _fails(BadProperty, fragment, lambda: nest.SetDefaults(model, {key: value}),
           defaults=[model])
    _next_id_is(3)


@pytest.mark.parametrize("model", NEURON_MODELS)
@pytest.mark.parametrize("v_reset", [-55.0, -50.0])
def test_v_reset_must_be_below_v_th(model, v_reset):
    n = nest.Create(model, 2)
    fragment = f"{model}: V_reset must be smaller than V_th"
    _fails(BadProperty, fragment,
           lambda: nest.Create(model, 1, {"V_th": -55.0, "V_reset": v_reset}))
    _fails(BadProperty, fragment, lambda: n.set(V_th=-55.0, V_reset=v_reset), nodes=[n])
    _fails(BadProperty, fragment, lambda: n.set(V_th=-75.0), nodes=[n])
    _next_id_is(3)


# ---------------------------------------------------------------------------
# delays
def test_delay_half_a_step_rounds_to_one_step_as_in_nest():
    """NEST 3.10 rounds delays to the grid (ld_round(d/h)) before checking
    them: 0.05 ms at h = 0.1 ms becomes 0.1 ms and is accepted (checked
    against NEST 3.10).  Only delays that round to 0 steps are refused."""
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n, n, "one_to_one", {"delay": 0.05})
    assert nest.GetConnections().get("delay") == [0.1, 0.1]


@pytest.mark.parametrize("delay", [0.04, 0.0, -1.0])
def test_delay_that_rounds_to_zero_steps(delay):
    n = nest.Create("iaf_psc_alpha", 2)
    dc = nest.Create("dc_generator")
    nest.Connect(n, n, "one_to_one", {"delay": 1.0})
    _fails(BadDelay, f"delay {delay} ms is below the resolution 0.1 ms",
           lambda: nest.Connect(n, n, "all_to_all", {"delay": delay}), nodes=[n])
    _fails(BadDelay, "is below the resolution 0.1 ms",
           lambda: nest.Connect(dc, n, syn_spec={"delay": delay}), nodes=[dc])
    _fails(BadDelay, "is below the resolution",
           lambda: nest.SetDefaults("static_synapse", {"delay": delay}),
           defaults=["static_synapse"])


# ---------------------------------------------------------------------------
# Connect
def test_unknown_connection_rule():
    n = nest.Create("iaf_psc_alpha", 2)
    msg = _fails(BadParameter, "unknown connection rule 'foo'; expected one of",
                 lambda: nest.Connect(n, n, {"rule": "foo"}))
    assert "fixed_indegree" in msg


def test_indegree_larger_than_sources_without_multapses():
    pre = nest.Create("iaf_psc_alpha", 2)
    post = nest.Create("iaf_psc_alpha", 3)
    _fails(BadParameter,
           "Indegree 3 is larger than the number of sources 2 and multapses are not allowed",
           lambda: nest.Connect(pre, post, {"rule": "fixed_indegree", "indegree": 3,
                                            "allow_multapses": False}))


@pytest.mark.parametrize("model", ["poisson_generator", "dc_generator", "spike_generator"])
def test_generator_as_target(model):
    n = nest.Create("iaf_psc_alpha", 2)
    gen = nest.Create(model)
    gid = gen.global_id
    _fails(IllegalConnection,
           f"{model} (node {gid}) is a stimulation device and cannot receive connections",
           lambda: nest.Connect(n, gen), nodes=[n, gen])
    _fails(IllegalConnection, "cannot receive connections", lambda: nest.Connect(gen, gen))


def test_spike_recorder_as_source():
    n = nest.Create("iaf_psc_alpha", 2)
    sr = nest.Create("spike_recorder")
    _fails(IllegalConnection, "spike_recorder cannot send spikes; connect the neurons *to* "
           "the spike_recorder", lambda: nest.Connect(sr, n), nodes=[n, sr])


@pytest.mark.parametrize("model", ["multimeter", "voltmeter"])
def test_multimeter_as_target(model):
    n = nest.Create("iaf_psc_alpha", 2)
    mm = nest.Create(model)
    _fails(IllegalConnection, f"{model} cannot receive spikes; connect a multimeter or "
           "voltmeter *to* the neurons", lambda: nest.Connect(n, mm), nodes=[n, mm])


def test_unknown_receptor_type():
    n = nest.Create("iaf_psc_alpha", 2)
    _fails(UnknownReceptorType, "iaf_psc_alpha (node 1) has no spike receptor_type 3; "
           "valid: [0]", lambda: nest.Connect(n, n, syn_spec={"receptor_type": 3}))
    dc = nest.Create("dc_generator")
    _fails(UnknownReceptorType, "has no current receptor_type 1; valid: [0]",
           lambda: nest.Connect(dc, n, syn_spec={"receptor_type": 1}), nodes=[dc])


def test_connect_empty_collections_raises_and_changes_nothing():
    """NEST: Connect with an empty NodeCollection is an IllegalConnection."""
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n, n, "one_to_one")
    before = (_kernel_state(), _connections())
    empty = nest.NodeCollection()
    for pre, post in ((empty, n), (n, empty), (n[0:0], n[0:0])):
        with pytest.raises(IllegalConnection, match="empty"):
            nest.Connect(pre, post, {"rule": "fixed_indegree", "indegree": 2})
    assert (_kernel_state(), _connections()) == before
    # and no random numbers were consumed
    assert _random_draws(failing=lambda m: nest.Connect(m[0:0], m, {
        "rule": "fixed_indegree", "indegree": 2})) == _random_draws()


def test_failed_calls_do_not_consume_random_numbers():
    reference = _random_draws()
    # the rule check fails
    assert _random_draws(lambda n: nest.Connect(
        n, n, {"rule": "fixed_indegree", "indegree": 20, "allow_multapses": False})) == reference
    # weights are drawn before the delay check fails
    assert _random_draws(lambda n: nest.Connect(
        n, n, {"rule": "fixed_indegree", "indegree": 2},
        {"weight": nest.random.uniform(0.0, 1.0), "delay": 0.01})) == reference
    # V_m is drawn before the C_m check fails
    assert _random_draws(lambda n: nest.Create(
        "iaf_psc_alpha", 3, {"V_m": nest.random.uniform(-70.0, -60.0), "C_m": -1.0})) == reference
    assert _random_draws(lambda n: n.set(
        V_m=nest.random.uniform(-70.0, -60.0), C_m=-1.0)) == reference


# ---------------------------------------------------------------------------
# Simulate
@pytest.mark.parametrize("t,fragment", [
    (-1.0, "simulation time must be finite and >= 0 ms, got -1.0"),
    (float("nan"), "simulation time must be finite and >= 0 ms, got nan"),
    (float("inf"), "simulation time must be finite and >= 0 ms, got inf"),
    ("abc", "simulation time must be a number, got 'abc'"),
    ("10", "simulation time must be a number, got '10'"),
    (None, "simulation time must be a number, got None"),
])
def test_simulate_bad_time(t, fragment):
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    _fails(BadProperty, fragment, lambda: nest.Simulate(t), nodes=[n])
    nest.Simulate(1.0)                  # the kernel is not left prepared
    assert nest.biological_time == 1.0


def test_simulate_time_not_multiple_of_resolution():
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    _fails(TimeMultipleRequired, "simulation time 0.15 ms is not a multiple of the "
           "resolution 0.1 ms", lambda: nest.Simulate(0.15), nodes=[n])
    nest.Prepare()
    _fails(TimeMultipleRequired, "not a multiple of the resolution",
           lambda: nest.Run(0.15), nodes=[n])
    nest.Run(0.2)
    nest.Cleanup()
    assert nest.biological_time == 0.2


# ---------------------------------------------------------------------------
# kernel status
def test_resolution_change_after_nodes_exist():
    nest.Create("iaf_psc_alpha", 2)
    _fails(KernelStateError, "the time representation (resolution, tics_per_ms) cannot "
           "change: nodes have been created; call ResetKernel first",
           lambda: nest.SetKernelStatus({"resolution": 0.2}))
    _fails(KernelStateError, "cannot change",
           lambda: setattr(nest, "resolution", 0.2))
    nest.resolution = 0.1               # the same value is not a change


@pytest.mark.parametrize("res", [0.0005, 0.0015, 0.1234])
def test_resolution_not_a_multiple_of_the_tic(res):
    what = "at least one tic" if res < 0.001 else "a multiple of the tic"
    _fails(BadProperty, f"resolution {res} ms must be {what} (0.001 ms at tics_per_ms 1000)",
           lambda: nest.SetKernelStatus({"resolution": res}))


@pytest.mark.parametrize("res", [0.0, -0.1, "0.1"])
def test_resolution_not_positive_number(res):
    _fails(BadProperty, f"resolution must be a positive number of ms, got {res!r}",
           lambda: nest.SetKernelStatus({"resolution": res}))


@pytest.mark.parametrize("seed", [0, -3, 1.5, 2.0, 2 ** 32, "7", True])
def test_bad_rng_seed(seed):
    _fails(BadProperty, f"rng_seed must be an integer in [1, 2^32-1], got {seed!r}",
           lambda: nest.SetKernelStatus({"rng_seed": seed}))


def test_kernel_status_multi_key_second_bad():
    _fails(BadProperty, "rng_seed must be an integer",
           lambda: nest.SetKernelStatus({"data_prefix": "x_", "rng_seed": 0}))
    _fails(UnaccessedDictionaryEntry, "unknown kernel property 'foo'",
           lambda: nest.SetKernelStatus({"rng_seed": 5, "foo": 1}))


def test_unknown_kernel_status_key():
    msg = _fails(UnaccessedDictionaryEntry, "unknown kernel property 'foo'; settable:",
                 lambda: nest.SetKernelStatus({"foo": 1}))
    assert "rng_seed" in msg
    _fails(UnaccessedDictionaryEntry, "unknown kernel property 'foo'", lambda: nest.set(foo=1))
    msg = _fails(UnaccessedDictionaryEntry, "unknown kernel status key 'foo'; expected one of",
                 lambda: nest.GetKernelStatus("foo"))
    assert "biological_time" in msg
    _fails(UnaccessedDictionaryEntry, "unknown kernel status key 'foo'",
           lambda: nest.get("foo"))
    _fails(BadProperty, "kernel property 'network_size' is read-only",
           lambda: nest.SetKernelStatus({"network_size": 3}))


def test_data_path_that_does_not_exist(tmp_path):
    missing = str(tmp_path / "missing")
    nest.data_path = str(tmp_path)
    _fails(BadProperty, f"data_path {missing!r} does not exist",
           lambda: nest.SetKernelStatus({"data_path": missing}))
    assert nest.data_path == str(tmp_path)


def test_data_path_removed_before_simulate(tmp_path):
    path = tmp_path / "out"
    path.mkdir()
    nest.data_path = str(path)
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    sr = nest.Create("spike_recorder", params={"record_to": "ascii"})
    nest.Connect(n, sr)
    path.rmdir()
    _fails(BadProperty, f"data_path {str(path)!r} does not exist or is not a directory",
           lambda: nest.Simulate(10.0), nodes=[n, sr])
    path.mkdir()
    nest.Simulate(10.0)
    assert os.listdir(path) == [f"spike_recorder-{sr.global_id}-0.dat"]


# ---------------------------------------------------------------------------
# recorders and files
def _recorders(tmp_path, record_to):
    nest.data_path = str(tmp_path)
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    sr = nest.Create("spike_recorder", params={"record_to": record_to})
    mm = nest.Create("voltmeter", params={"record_to": record_to})
    nest.Connect(n, sr)
    nest.Connect(mm, n)
    return n, sr, mm


def test_ascii_file_exists_without_overwrite_files(tmp_path):
    n, sr, mm = _recorders(tmp_path, "ascii")
    path = tmp_path / f"spike_recorder-{sr.global_id}-0.dat"
    path.write_text("old\n")
    _fails(BadProperty, f"output file {path} exists; set the kernel property "
           "overwrite_files=True", lambda: nest.Simulate(20.0), nodes=[n, sr, mm])
    assert os.listdir(tmp_path) == [path.name]      # the voltmeter's file was not opened
    assert path.read_text() == "old\n"
    nest.overwrite_files = True
    nest.Simulate(20.0)
    text = path.read_text()
    assert text.split("\n")[2] == "sender\ttime_ms" and "old" not in text
    assert len(text.splitlines()) == 3 + sr.n_events > 1
    assert len(os.listdir(tmp_path)) == 2


def test_hdf5_file_exists_without_overwrite_files(tmp_path):
    h5py = pytest.importorskip("h5py")
    n, sr, mm = _recorders(tmp_path, "hdf5")
    path = tmp_path / "run-0.h5"
    path.write_bytes(b"old")
    _fails(BadProperty, f"output file {path} exists; set the kernel property "
           "overwrite_files=True", lambda: nest.Simulate(20.0), nodes=[n, sr, mm])
    assert path.read_bytes() == b"old"
    nest.overwrite_files = True
    nest.Simulate(20.0)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f[f"spike_recorder-{sr.global_id}"]["senders"][()],
                                      sr.get("events")["senders"])


def test_record_to_unknown_backend():
    sr = nest.Create("spike_recorder")
    fragment = "spike_recorder: record_to must be one of 'memory', 'ascii', 'hdf5', " \
               "'screen', got 'foo'"
    _fails(BadProperty, fragment,
           lambda: nest.Create("spike_recorder", params={"record_to": "foo"}))
    _fails(BadProperty, fragment, lambda: sr.set(record_to="foo"), nodes=[sr])
    _fails(BadProperty, "record_to must be one of",
           lambda: sr.set({"n_events": 0, "record_to": "foo"}), nodes=[sr])
    _next_id_is(2)


def test_failed_recorder_set_keeps_events():
    n = nest.Create("iaf_psc_alpha", 1, {"I_e": 500.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(50.0)
    count = sr.n_events
    assert count > 0
    _fails(BadProperty, "record_to must be one of",
           lambda: sr.set({"n_events": 0, "record_to": "foo"}), nodes=[sr])
    _fails(BadProperty, "parameter 'start' expects a float",
           lambda: sr.set({"n_events": 0, "start": "x"}), nodes=[sr])
    assert sr.n_events == count


# ---------------------------------------------------------------------------
# node ids
def test_nodecollection_with_unknown_node_id():
    nest.Create("iaf_psc_alpha", 3)
    _fails(UnknownNode, "Node with id 99 does not exist. (The network has 3 nodes.)",
           lambda: nest.NodeCollection([1, 99]))
    _fails(UnknownNode, "Node with id 0 does not exist. (The network has 3 nodes.)",
           lambda: nest.NodeCollection([0, 2]))
    _fails(UnknownNode, "Node with id 4 does not exist", lambda: nest.Connect([1, 4], [2]))


# ---------------------------------------------------------------------------
# spike_generator
@pytest.mark.parametrize("params,fragment", [
    ({"spike_times": [2.0, 1.0]},
     "spike_generator: spike_times must be sorted in non-descending order"),
    ({"spike_times": [0.0, 1.0]}, "spike_generator: spike time cannot be set to 0"),
    ({"spike_times": [1.05]},
     "spike_generator: Time point 1.05 is not representable in current resolution (0.1 "
     "ms); set allow_offgrid_times=True to round it up"),
    ({"spike_times": [1.0, 2.0], "spike_weights": [1.0]},
     "spike_generator: spike_weights must have the same number of elements as spike_times "
     "(2) or 0 elements, got 1"),
    ({"spike_weights": [1.0, 2.0, 3.0]},
     "spike_weights must have the same number of elements as spike_times (2) or 0 "
     "elements, got 3"),
    ({"spike_multiplicities": [1]},
     "spike_multiplicities must have the same number of elements as spike_times (2)"),
])
def test_spike_generator_bad_times(params, fragment):
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0],
                                                "spike_weights": [1.0, 2.0]})
    n = nest.Create("iaf_psc_alpha")
    nest.Connect(sg, n)
    create_params = dict(params)
    if "spike_times" not in create_params:
        create_params["spike_times"] = [1.0, 2.0]
    _fails(BadProperty, fragment,
           lambda: nest.Create("spike_generator", params=create_params))
    _fails(BadProperty, fragment, lambda: sg.set(params), nodes=[sg])
    _next_id_is(3)


def test_spike_generator_offgrid_allowed_rounds_up():
    sg = nest.Create("spike_generator", params={"spike_times": [1.05],
                                                "allow_offgrid_times": True})
    np.testing.assert_allclose(sg.get("spike_times"), [1.1])


# ---------------------------------------------------------------------------
# Prepare / Run / Cleanup
def test_prepare_twice():
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    nest.Prepare()
    _fails(KernelStateError, "Prepare called twice without Cleanup", nest.Prepare, nodes=[n])
    nest.Run(5.0)
    nest.Cleanup()
    assert nest.biological_time == 5.0


def test_run_and_cleanup_without_prepare():
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    _fails(KernelStateError, "Run called without Prepare", lambda: nest.Run(10.0), nodes=[n])
    _fails(KernelStateError, "Cleanup called without Prepare", nest.Cleanup, nodes=[n])
    nest.Simulate(1.0)
    _fails(KernelStateError, "Run called without Prepare", lambda: nest.Run(10.0), nodes=[n])


def test_create_and_connect_between_prepare_and_cleanup():
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n, n, "one_to_one")
    nest.Prepare()
    try:
        _fails(KernelStateError, "Create is not allowed between Prepare and Cleanup",
               lambda: nest.Create("iaf_psc_alpha", 2), nodes=[n])
        _fails(KernelStateError, "Connect is not allowed between Prepare and Cleanup",
               lambda: nest.Connect(n, n), nodes=[n])
        nest.Run(1.0)
    finally:
        nest.Cleanup()
    _next_id_is(3)
    assert nest.num_connections == 2


def test_numerical_instability_in_update_raises():
    """An AdEx neuron driven to V < -1e3 mV stops the run with NumericalInstability."""
    nest.ResetKernel()
    n = nest.Create("aeif_cond_alpha", 1, {"I_e": -1e9})
    with pytest.raises(nest.NumericalInstability, match="aeif_cond_alpha"):
        nest.Simulate(10.0)
    assert not nest.kernel.prepared


def test_non_finite_values_are_refused_and_nothing_is_built():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    with pytest.raises(BadProperty, match="'V_m' must be a finite number, got nan"):
        n.set(V_m=np.nan)
    with pytest.raises(BadProperty, match="'tau_m' must be a finite number, got inf"):
        nest.Create("iaf_psc_alpha", params={"tau_m": np.inf})
    assert nest.GetKernelStatus("network_size") == 2
    with pytest.raises(BadProperty, match="weight must be a finite number, got inf"):
        nest.Connect(n[0], n[1], syn_spec={"weight": np.inf})
    with pytest.raises(BadDelay, match="delay must be a finite number of ms, got nan"):
        nest.Connect(n[0], n[1], syn_spec={"delay": np.nan})
    assert nest.GetKernelStatus("num_connections") == 0
    nest.Connect(n[0], n[1], syn_spec={"weight": 2.0})
    conns = nest.GetConnections()
    with pytest.raises(BadProperty, match="weight must be a finite number, got nan"):
        conns.set(weight=np.nan)
    assert conns.get("weight") == 2.0
    # infinity where the model's default is infinite stays allowed, and in a
    # threshold (NEST: a neuron that never spikes)
    n.set(V_min=-np.inf)
    n.set(V_th=np.inf)
    assert np.all(np.isinf(n.get("V_th")))
    nest.Create("spike_generator", params={"stop": np.inf})
    assert np.all(np.isfinite(n.get("V_m")))


def test_error_texts_show_plain_numbers_and_model_kinds():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha")
    with pytest.raises(BadProperty) as err:
        n.set(C_m=np.float64(-5.0))
    assert "got -5" in str(err.value) and "np.float64" not in str(err.value)
    with pytest.raises(UnknownModelName, match="synapse models: .*stdp_synapse"):
        nest.GetDefaults("stdp_synapse_x")


def test_unknown_recordable_is_refused_at_connect():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    mm = nest.Create("multimeter", params={"record_from": ["V_mx"]})
    with pytest.raises(IllegalConnection, match=r"cannot record 'V_mx' from iaf_psc_alpha"):
        nest.Connect(mm, n)
    mm2 = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    nest.Connect(mm2, n)
    nest.Simulate(5.0)                  # the refused multimeter does not break the run
    assert len(mm2.events["times"]) > 0


def test_import_from_the_source_folder_says_what_to_do(tmp_path):
    """A folder named pynestlite without the compiled kernel (the repository
    root of a non-editable install) shadows the installed package: a clear
    ImportError instead of 'No module named pynestlite.kernel'."""
    import shutil
    import subprocess
    import sys
    src = os.path.join(os.path.dirname(nest.__file__), "__init__.py")
    (tmp_path / "pynestlite").mkdir()
    shutil.copy(src, tmp_path / "pynestlite" / "__init__.py")
    code = ("import sys\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in "
            "(getattr(f, '__module__', '') + getattr(f, '__name__', '')).lower()]\n"
            "sys.path.insert(0, '')\n"
            "import pynestlite\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode != 0
    assert "imported from its source folder" in out.stderr
    assert "pip install -e ." in out.stderr


def test_device_connection_rules_as_nest():
    """NEST: a stimulation device connects through one synapse model only, and
    recording devices connect with all_to_all or one_to_one only."""
    n = nest.Create("iaf_psc_alpha", 3)
    pg = nest.Create("poisson_generator")
    nest.CopyModel("static_synapse", "pg_syn")
    nest.Connect(pg, n, syn_spec="static_synapse")
    nest.Connect(pg, n, syn_spec="static_synapse")          # the same model again is fine
    _fails(IllegalConnection, "one synapse model", lambda: nest.Connect(pg, n, syn_spec="pg_syn"))
    sr = nest.Create("spike_recorder")
    for spec in ({"rule": "fixed_indegree", "indegree": 1}, {"rule": "pairwise_bernoulli", "p": 1.0}):
        _fails(IllegalConnection, "all_to_all and one_to_one", lambda: nest.Connect(n, sr, spec))
    assert nest.num_connections == 6
