"""Event-driven e-prop (NEST's models with biological features): losses,
surrogate gradients and archive trimming against NEST 3.10's reference
values, spike-for-spike equality with live NEST, and bad input."""
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

import pynestlite as nest

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = os.path.join(os.path.dirname(HERE), "examples", "eprop")
sys.path.insert(0, TASKS)

from eprop_tasks import (  # noqa: E402
    LIVE_CASES, NEST_BSSHSLM_CLASSIFICATION_LOSSES, NEST_BSSHSLM_REGRESSION_LOSSES,
    NEST_REGRESSION_LOSSES, ORIGINAL_CASES, RECURRENT_MODELS, TF_BSSHSLM_CLASSIFICATION_LOSSES,
    TF_BSSHSLM_REGRESSION_LOSSES, case_key, evidence_accumulation, sine_regression,
    sine_regression_original)


@pytest.mark.parametrize("model,optimizer", sorted(NEST_REGRESSION_LOSSES))
def test_regression_losses_equal_nest_reference(model, optimizer):
    """The first five iteration losses of NEST's reference runs (rtol 1e-8, NEST's own)."""
    res = sine_regression(nest, model, optimizer)
    assert np.allclose(res["loss"], NEST_REGRESSION_LOSSES[(model, optimizer)], rtol=1e-8,
                       atol=0.0)


@pytest.fixture(scope="module")
def live_nest(tmp_path_factory):
    if importlib.util.find_spec("nest") is None:
        pytest.skip("NEST (PyNEST) is not installed for this interpreter")
    out = str(tmp_path_factory.mktemp("eprop_live") / "nest_eprop.npz")
    proc = subprocess.run([sys.executable, os.path.join(TASKS, "eprop_tasks.py"),
                           "--module", "nest", "--out", out],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with np.load(out) as npz:
        return {key: npz[key] for key in npz.files}


@pytest.mark.parametrize("model,optimizer,each_step,multiplicity", LIVE_CASES)
def test_regression_equals_live_nest(live_nest, model, optimizer, each_step, multiplicity):
    """Every readout value, spike and final weight equals NEST's bit for bit."""
    res = sine_regression(nest, model, optimizer, each_step=each_step,
                          multiplicity=multiplicity)
    key = case_key(model, optimizer, each_step, multiplicity)
    assert_equals_live(res, live_nest, key)
    np.testing.assert_array_equal(res["loss"], live_nest[key + "__loss"])
    assert len(res["spikes"][0]) > 100     # the network is active


def assert_equals_live(res, live, key):
    """Readout, spikes and final weights (ordered by source, target) equal
    the live NEST run's ``key`` bit for bit."""
    np.testing.assert_array_equal(res["readout"], live[key + "__readout"])
    np.testing.assert_array_equal(res["spikes"][0], live[key + "__spike_senders"])
    np.testing.assert_array_equal(res["spikes"][1], live[key + "__spike_times"])
    src, tgt, w = res["weights"]
    np.testing.assert_array_equal(np.asarray(w)[np.lexsort((tgt, src))],
                                  live[key + "__weights"])


# NEST 3.10's surrogate gradients of one neuron at steps 15..19
# (test_eprop_plasticity.py::test_eprop_surrogate_gradients)
SURROGATE_REFERENCE = {
    "piecewise_linear": [0.21030100902759, 0.18933659619924, 0.17036721102500,
                         0.15320300152221, 0.13767218251307],
    "exponential": [0.28011776848615, 0.26861558105999, 0.25861553046549, 0.24988832085299,
                    0.24224569105944],
    "fast_sigmoid_derivative": [0.20044113201621, 0.19020804299944, 0.18160934703950,
                                0.17432167613232, 0.16809903522604],
    "arctan_derivative": [0.37433498786304, 0.36073812744784, 0.34852165076370,
                          0.33759316659435, 0.32784181049728],
}


@pytest.mark.parametrize("function", sorted(SURROGATE_REFERENCE))
def test_surrogate_gradients_equal_nest_reference(function):
    nest.ResetKernel()
    nest.set(resolution=1.0)
    gen = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0, 3.0, 5.0, 9.0, 11.0]})
    parrot = nest.Create("parrot_neuron")
    nrn = nest.Create("eprop_iaf", params={
        "C_m": 1.0, "c_reg": 0.0, "E_L": 0.0, "I_e": 0.0, "surrogate_gradient_function": function,
        "surrogate_gradient_height": 0.5, "surrogate_gradient_width": 1.0 / 1.7, "t_ref": 3.0,
        "V_m": 0.0, "V_th": 0.6})
    mm = nest.Create("multimeter", params={"interval": 1.0,
                                           "record_from": ["surrogate_gradient", "V_m"]})
    nest.Connect(gen, parrot, syn_spec={"delay": 1.0})
    nest.Connect(parrot, nrn, syn_spec={"synapse_model": "eprop_synapse", "delay": 1.0,
                                        "weight": 0.3})
    nest.Connect(mm, nrn)
    nest.Simulate(20.0)
    ev = mm.get("events")
    sel = np.isin(ev["times"], [15.0, 16.0, 17.0, 18.0, 19.0])
    assert np.allclose(ev["surrogate_gradient"][sel], SURROGATE_REFERENCE[function],
                       rtol=1e-8, atol=0.0)
    # psi is 0 while refractory (t_ref 3 ms) and peaks (= height) at V_th
    psi = ev["surrogate_gradient"]
    assert np.all(psi >= 0.0) and np.all(psi <= 0.5 + 1e-15)


def test_surrogate_shapes():
    """The four functions at V_th = 0.6: peak = height at V_th, symmetric,
    piecewise linear zero beyond one width."""
    nest.ResetKernel()
    nest.set(resolution=1.0)
    v = np.linspace(0.0, 1.2, 13)
    out = {}
    for function in sorted(SURROGATE_REFERENCE):
        nrn = nest.Create("eprop_iaf", len(v), params={
            "E_L": 0.0, "V_th": 0.6, "V_m": 0.0, "t_ref": 0.0, "C_m": 1.0, "tau_m": 1e9,
            "surrogate_gradient_function": function, "surrogate_gradient_height": 0.5,
            "surrogate_gradient_width": 0.2,
            # spike only at fixed times (never here): V_m stays where the input put it
            "ignore_and_spike": True, "ignore_and_spike_offset": 1000.0})
        gen = nest.Create("spike_generator", params={"spike_times": [1.0]})
        p = nest.Create("parrot_neuron")
        nest.Connect(gen, p)
        nest.Connect(p, nrn, syn_spec={"synapse_model": "eprop_synapse",
                                       "weight": v.reshape(-1, 1), "delay": 1.0})
        out[function] = nrn
    nest.Simulate(3.0)
    for function, nrn in out.items():
        psi = np.asarray(nrn.get("surrogate_gradient"))
        vm = np.asarray(nrn.get("V_m"))
        np.testing.assert_allclose(vm, v, rtol=1e-8, atol=1e-12)
        at = 6                                  # v = 0.6 = V_th
        assert psi[at] == pytest.approx(0.5, rel=1e-8) and psi[at] == psi.max()
        np.testing.assert_allclose(psi[:at][::-1], psi[at + 1:], rtol=1e-6, atol=1e-12)
        if function == "piecewise_linear":
            assert np.all(psi[np.abs(vm - 0.6) >= 0.2 + 1e-9] == 0.0)


@pytest.mark.parametrize("model,cutoff,expected", [
    ("eprop_iaf", 5.0, [[1, 11], [2, 21], [12, 31], [12, 21], [12, 41], [32, 49]]),
    ("eprop_iaf", 100000.0, [[1, 11], [2, 21], [12, 31], [12, 21], [12, 41], [32, 49]]),
    ("eprop_readout", 100000.0, [[1, 11], [2, 21], [12, 31], [12, 21], [12, 41], [32, 49]]),
])
def test_history_trimming_equals_nest(model, cutoff, expected):
    """eprop_history_duration per step (NEST 3.10's reference pattern): the
    archive keeps only what pending presynaptic spikes still need."""
    nest.ResetKernel()
    nest.set(resolution=1.0)
    params = {"eprop_isi_trace_cutoff": cutoff}
    if model != "eprop_readout":
        params["flush_event_send_interval"] = cutoff
    gens = nest.Create("spike_generator", 3)
    parrots = nest.Create("parrot_neuron", 3)
    nrn = nest.Create(model, 1, params)
    mm = nest.Create("multimeter", params={"interval": 1.0,
                                           "record_from": ["eprop_history_duration"]})
    nest.Connect(gens, parrots, "one_to_one")
    nest.Connect(parrots, nrn, syn_spec={"synapse_model": "eprop_synapse", "delay": 1.0})
    nest.Connect(mm, nrn)
    gens.set([{"spike_times": [10.0, 20.0, 50.0, 60.0]}, {"spike_times": [10.0, 30.0, 50.0, 90.0]},
              {"spike_times": [40.0, 60.0]}])
    nest.Simulate(110.0)
    ev = mm.get("events")
    ref = np.hstack([np.arange(a, b + 1) for a, b in expected]).astype(float)
    got = ev["eprop_history_duration"][ev["times"] <= len(ref)]
    np.testing.assert_array_equal(got, ref)


def test_perturbation_cascade():
    """One forced extra spike (thesis Fig. 3.5): identical spikes before it,
    a growing set of differing spikes and losses after it."""
    t_kick = 250.0
    a = sine_regression(nest, "eprop_iaf", "gradient_descent", n_iter=5)
    b = sine_regression(nest, "eprop_iaf", "gradient_descent", n_iter=5,
                        extra_spike=(0, t_kick))
    sa, ta = a["spikes"]
    sb, tb = b["spikes"]
    before_a, before_b = ta <= t_kick, tb <= t_kick
    np.testing.assert_array_equal(sa[before_a], sb[before_b])
    np.testing.assert_array_equal(ta[before_a], tb[before_b])
    first = a["nodes"][1].tolist()[0]     # (ids survive the reset of the second run)
    # the forced spike: the kick arrives in step t_kick, its spike is stamped t_kick + 1
    assert np.sum((sb == first) & (tb == t_kick + 1)) == 1
    assert np.sum((sa == first) & (ta == t_kick + 1)) == 0
    np.testing.assert_array_equal(a["loss"][:2], b["loss"][:2])
    assert not np.array_equal(a["loss"][2:], b["loss"][2:])
    diff = set(zip(sa[~before_a], ta[~before_a])) ^ set(zip(sb[~before_b], tb[~before_b]))
    assert len(diff) > 10


# ---------------------------------------------------------------- bad input
E_PROP_TARGETS = set(RECURRENT_MODELS) | {"eprop_readout"}


@pytest.mark.parametrize("target", sorted(set(nest.node_models) - E_PROP_TARGETS))
def test_eprop_synapse_needs_an_eprop_target(target):
    nest.ResetKernel()
    src = nest.Create("eprop_iaf")
    tgt = nest.Create(target)
    with pytest.raises(nest.NESTError):
        nest.Connect(src, tgt, "all_to_all", {"synapse_model": "eprop_synapse"})


@pytest.mark.parametrize("source", RECURRENT_MODELS)
@pytest.mark.parametrize("target", sorted(E_PROP_TARGETS))
def test_eprop_synapse_pairs(source, target):
    nest.ResetKernel()
    nest.Connect(nest.Create(source), nest.Create(target), "all_to_all",
                 {"synapse_model": "eprop_synapse", "delay": nest.resolution})
    assert nest.num_connections == 1


def test_bad_input_errors():
    nest.ResetKernel()
    nest.set(resolution=0.5)
    a, r = nest.Create("eprop_iaf"), nest.Create("eprop_readout")
    with pytest.raises(nest.NESTErrors.IllegalConnection, match="one simulation step"):
        nest.Connect(a, r, syn_spec={"synapse_model": "eprop_synapse", "delay": 1.0})
    with pytest.raises(nest.NESTErrors.BadProperty, match="surrogate_gradient_function"):
        nest.SetDefaults("eprop_iaf", {"surrogate_gradient_function": "sigmoid"})
    with pytest.raises(nest.NESTErrors.BadProperty, match="surrogate_gradient_function"):
        a.set(surrogate_gradient_function="sigmoid")
    assert a.get("surrogate_gradient_function") == "piecewise_linear"
    with pytest.raises(nest.NESTErrors.BadProperty, match="optimizer"):
        nest.SetDefaults("eprop_synapse", {"optimizer": {"type": "sgd"}})
    with pytest.raises(nest.NESTErrors.BadProperty, match="beta_1"):
        nest.SetDefaults("eprop_synapse", {"optimizer": {"type": "adam", "beta_1": 1.0}})
    with pytest.raises(nest.NESTErrors.BadProperty, match="kappa"):
        a.set(kappa=1.5)
    with pytest.raises(nest.NESTErrors.BadProperty, match="Wmax"):
        nest.Connect(a, r, syn_spec={"synapse_model": "eprop_synapse", "delay": 0.5,
                                     "weight": 200.0})
    with pytest.raises(nest.NESTErrors.IllegalConnection, match="eprop readout"):
        nest.Connect(a, a, syn_spec={"synapse_model": "eprop_learning_signal_connection"})
    with pytest.raises(nest.NESTErrors.IllegalConnection, match="rate"):
        nest.Connect(a, r, syn_spec={"synapse_model": "rate_connection_delayed",
                                     "receptor_type": 2})
    gen = nest.Create("step_rate_generator")
    with pytest.raises(nest.NESTError):
        nest.Connect(gen, r, syn_spec={"receptor_type": 2})       # static_synapse
    with pytest.raises(nest.NESTErrors.UnknownReceptorType):
        # 1 window, 2 target, 3 the softmax's normalization (cross entropy)
        nest.Connect(gen, r, syn_spec={"synapse_model": "rate_connection_delayed",
                                       "receptor_type": 4})
    nest.Connect(a, r, syn_spec={"synapse_model": "eprop_synapse", "delay": 0.5})
    with pytest.raises(nest.NESTErrors.BadProperty, match="cannot be changed"):
        nest.SetDefaults("eprop_synapse", {"optimizer": {"type": "adam"}})
    opt = nest.GetDefaults("eprop_synapse")["optimizer"]
    assert opt["type"] == "gradient_descent" and opt["eta"] == 1e-4
    assert not any(k.startswith("_") for k in opt)


def test_optimizer_defaults_and_eta_changes():
    nest.ResetKernel()
    nest.SetDefaults("eprop_synapse", {"optimizer": {"type": "adam", "eta": 1e-3}})
    opt = nest.GetDefaults("eprop_synapse", "optimizer")
    assert (opt["type"], opt["beta_1"], opt["beta_2"], opt["epsilon"]) == \
        ("adam", 0.9, 0.999, 1e-7)
    assert opt["eta"] == 1e-3 and opt["batch_size"] == 1 and opt["optimize_each_step"]
    nest.CopyModel("eprop_synapse", "eprop_gd", {"optimizer": {"type": "gradient_descent"}})
    assert nest.GetDefaults("eprop_gd", "optimizer")["type"] == "gradient_descent"
    assert nest.GetDefaults("eprop_synapse", "optimizer")["type"] == "adam"


# ------------------------------------------------ the original family (bsshslm_2020)
def test_original_regression_losses_equal_references():
    """NEST's reference losses (rtol 1e-8) and the TensorFlow losses of the
    original implementation (rtol 1e-7, NEST's own tolerances)."""
    loss = sine_regression_original(nest)["loss"]
    assert np.allclose(loss, NEST_BSSHSLM_REGRESSION_LOSSES, rtol=1e-8, atol=0.0)
    assert np.allclose(loss, TF_BSSHSLM_REGRESSION_LOSSES, rtol=1e-7, atol=0.0)


@pytest.mark.parametrize("batch", [1, 2])
def test_original_classification_losses_equal_references(batch):
    """Evidence accumulation (ALIF, softmax cross-entropy over two readouts,
    Adam, batches): NEST's reference losses; with batch 1 also TensorFlow's."""
    loss = evidence_accumulation(nest, batch)["loss"]
    assert np.allclose(loss, NEST_BSSHSLM_CLASSIFICATION_LOSSES[batch], rtol=1e-8, atol=0.0)
    if batch == 1:
        assert np.allclose(loss, TF_BSSHSLM_CLASSIFICATION_LOSSES, rtol=1e-6, atol=0.0)


@pytest.mark.parametrize("case", sorted(ORIGINAL_CASES))
def test_original_equals_live_nest(live_nest, case):
    assert_equals_live(ORIGINAL_CASES[case](nest), live_nest, case)


@pytest.mark.parametrize("model,expected", [
    ("eprop_iaf_bsshslm_2020", [[1, 3], [1, 61], [21, 61], [41, 48]]),
    ("eprop_readout_bsshslm_2020", [[1, 4], [1, 21], [20, 60], [20, 60], [40, 46]]),
])
def test_original_history_trimming_equals_nest(model, expected):
    """eprop_history_duration per step with 20-ms update intervals (NEST
    3.10's reference pattern): intervals no synapse needs are dropped."""
    nest.ResetKernel()
    nest.set(resolution=1.0, eprop_update_interval=20.0)
    gens = nest.Create("spike_generator", 3)
    parrots = nest.Create("parrot_neuron", 3)
    nrn = nest.Create(model)
    mm = nest.Create("multimeter", params={"interval": 1.0,
                                           "record_from": ["eprop_history_duration"]})
    nest.Connect(gens, parrots, "one_to_one")
    nest.Connect(parrots, nrn, syn_spec={"synapse_model": "eprop_synapse_bsshslm_2020",
                                         "delay": 1.0})
    nest.Connect(mm, nrn)
    gens.set([{"spike_times": [10.0, 20.0, 50.0, 60.0]}, {"spike_times": [10.0, 30.0, 50.0, 90.0]},
              {"spike_times": [40.0, 60.0]}])
    nest.Simulate(110.0)
    ev = mm.get("events")
    ref = np.hstack([np.arange(a, b) for a, b in expected]).astype(float)
    np.testing.assert_array_equal(ev["eprop_history_duration"][:len(ref)], ref)


@pytest.mark.parametrize("target", sorted(set(nest.node_models) - {
    "eprop_iaf_bsshslm_2020", "eprop_iaf_adapt_bsshslm_2020", "eprop_readout_bsshslm_2020"}))
def test_original_synapse_needs_an_original_target(target):
    nest.ResetKernel()
    src = nest.Create("eprop_iaf_bsshslm_2020")
    with pytest.raises(nest.NESTError):
        nest.Connect(src, nest.Create(target), "all_to_all",
                     {"synapse_model": "eprop_synapse_bsshslm_2020"})


def test_original_bad_input():
    nest.ResetKernel()
    nest.set(resolution=1.0)
    with pytest.raises(nest.NESTErrors.BadProperty, match="eprop_learning_window"):
        nest.set(eprop_update_interval=100.0, eprop_learning_window=200.0)
    with pytest.raises(nest.NESTErrors.BadProperty, match="eprop_update_interval"):
        nest.set(eprop_update_interval=0.0)
    nest.set(eprop_update_interval=100.0, eprop_learning_window=50.0)
    assert nest.GetKernelStatus("eprop_learning_window") == 50.0
    with pytest.raises(nest.NESTErrors.BadProperty, match="loss"):
        nest.Create("eprop_readout_bsshslm_2020", params={"loss": "hinge"})
    with pytest.raises(nest.NESTErrors.BadProperty, match="surrogate_gradient_function"):
        nest.SetDefaults("eprop_iaf_adapt_bsshslm_2020", {"surrogate_gradient_function": "x"})
    r = nest.Create("eprop_readout_bsshslm_2020")
    with pytest.raises(nest.NESTErrors.BadProperty, match="tau_m_readout"):
        nest.Connect(nest.Create("eprop_iaf_bsshslm_2020"), r,
                     syn_spec={"synapse_model": "eprop_synapse_bsshslm_2020",
                               "tau_m_readout": -1.0})
    with pytest.raises(nest.NESTError):     # the new family's connection
        nest.Connect(r, nest.Create("eprop_iaf_bsshslm_2020"),
                     syn_spec={"synapse_model": "eprop_learning_signal_connection"})


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 33, 100, 1000])
def test_secondary_values_sort_is_stable(n):
    """The one-rank path sorts a slice's learning-signal values by key in C;
    equal keys keep their push order (the values record it)."""
    from pynestlite.kernel.scheduler import sort_values_stable
    rng = np.random.default_rng(n)
    keys = rng.integers(0, max(1, n // 3), n)
    vals = np.arange(n, dtype=float)
    k, v = sort_values_stable(keys, vals)
    order = np.argsort(keys, kind="stable")
    assert np.array_equal(k, keys[order])
    assert np.array_equal(v, vals[order])


def test_idle_readouts_cost_no_python_per_step():
    """12 readouts with learning-signal connections send values every step;
    the one-rank kernel sorts and delivers them without numpy calls."""
    import cProfile
    import pstats
    nest.ResetKernel()
    nest.set(resolution=1.0, print_time=False)
    hid = nest.Create("eprop_iaf_psc_delta", 2)
    ro = nest.Create("eprop_readout", 12)
    nest.Connect(ro, hid, syn_spec={"synapse_model": "eprop_learning_signal_connection",
                                    "delay": 1.0, "weight": 0.1})
    nest.Simulate(10.0)
    prof = cProfile.Profile()
    prof.runcall(nest.Simulate, 2000.0)
    calls = sum(s[0] for s in pstats.Stats(prof).stats.values())
    assert calls < 1000, calls          # 2,000 steps: any per-step call shows
