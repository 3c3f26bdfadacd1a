"""glif_psc, glif_psc_double_alpha, glif_cond: parameters and NEST's checks,
the mechanism combinations, receptors, recordables, and the membrane
against the closed form.  (Spike-for-spike agreement with NEST 3.10: the
stored scenarios ``glif_psc`` and ``glif_cond`` in test_models_vs_nest.py.)"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (BadProperty, IncompatibleReceptorType, UnaccessedDictionaryEntry,
                               UnknownReceptorType)

MODELS = ("glif_psc", "glif_psc_double_alpha", "glif_cond")
MECHANISMS = ("spike_dependent_threshold", "after_spike_currents", "adapting_threshold")
VALID = ((False, False, False), (True, False, False), (False, True, False),
         (True, True, False), (True, True, True))
INVALID = ((False, False, True), (True, False, True), (False, True, True))
# receptor lists of three receptors per model
LISTS = {"glif_psc": {"tau_syn": [1.0, 2.0, 3.0]},
         "glif_psc_double_alpha": {"tau_syn_fast": [1.0, 2.0, 3.0],
                                   "tau_syn_slow": [4.0, 5.0, 6.0],
                                   "amp_slow": [0.1, 0.2, 0.3]},
         "glif_cond": {"tau_syn": [1.0, 2.0, 3.0], "E_rev": [0.0, -80.0, -20.0]}}
FIXED_RECORDABLES = ["ASCurrents_sum", "I", "V_m", "threshold", "threshold_spike",
                     "threshold_voltage"]


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def g_name(model):
    return "g_m" if model == "glif_cond" else "g"


@pytest.mark.parametrize("model", MODELS)
def test_defaults(model):
    d = nest.GetDefaults(model)
    expected = {g_name(model): 9.43, "E_L": -78.85, "C_m": 58.72, "t_ref": 3.75,
                "th_spike_add": 0.37, "th_spike_decay": 0.009, "voltage_reset_fraction": 0.2,
                "voltage_reset_add": 18.51, "th_voltage_index": 0.005,
                "th_voltage_decay": 0.09}
    if model != "glif_cond":        # (NEST's glif_cond does not report them)
        expected.update(threshold_spike=0.0, threshold_voltage=0.0)
    else:
        assert "threshold_spike" not in d and "threshold_voltage" not in d
    for key, value in expected.items():
        assert d[key] == value, key
    assert d["V_th"] == pytest.approx(-51.68, abs=1e-12)
    assert d["V_reset"] == d["V_m"] == -78.85
    for key in MECHANISMS + ("has_connections",):
        assert d[key] is False, key
    np.testing.assert_array_equal(d["asc_init"], [0.0, 0.0])
    np.testing.assert_array_equal(d["asc_decay"], [0.003, 0.1])
    np.testing.assert_array_equal(d["asc_amps"], [-9.18, -198.94])
    np.testing.assert_array_equal(d["asc_r"], [1.0, 1.0])
    np.testing.assert_array_equal(d["ASCurrents"], [0.0, 0.0])
    if model == "glif_psc":
        np.testing.assert_array_equal(d["tau_syn"], [2.0])
    elif model == "glif_psc_double_alpha":
        np.testing.assert_array_equal(d["tau_syn_fast"], [2.0])
        np.testing.assert_array_equal(d["tau_syn_slow"], [6.0])
        np.testing.assert_array_equal(d["amp_slow"], [0.3])
    else:
        np.testing.assert_array_equal(d["tau_syn"], [0.2, 2.0])
        np.testing.assert_array_equal(d["E_rev"], [0.0, -85.0])
    n = nest.Create(model)
    s = n.get()
    for key in ("n_receptors", "n_synapses", "I", "threshold", "r"):
        assert key not in s, key
    for key in expected:
        assert s[key] == d[key], key


@pytest.mark.parametrize("model", MODELS)
def test_recordables(model):
    rec = nest.GetDefaults(model, "recordables")
    if model == "glif_cond":
        assert rec == sorted(FIXED_RECORDABLES + ["g_1", "g_2"])
    else:
        assert rec == sorted(FIXED_RECORDABLES + ["I_syn"])
    n = nest.Create(model, 1, LISTS[model])
    if model == "glif_cond":
        assert n.get("recordables") == sorted(FIXED_RECORDABLES + ["g_1", "g_2", "g_3"])
    else:
        assert n.get("recordables") == rec
    mm = nest.Create("multimeter", 1, {"record_from": n.get("recordables"), "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(2.0)
    ev = mm.get("events")
    for key in n.get("recordables"):
        assert len(ev[key]) == 10, key         # (the last 1 ms slice follows later, as NEST)
    np.testing.assert_allclose(ev["threshold"], -51.68, rtol=1e-12)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("combo", VALID)
def test_valid_combinations(model, combo):
    n = nest.Create(model, 1, dict(zip(MECHANISMS, combo)))
    assert tuple(n.get(list(MECHANISMS)).values()) == combo
    nest.Simulate(5.0)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("combo", INVALID)
def test_invalid_combinations(model, combo):
    with pytest.raises(BadProperty, match="mechanism combination"):
        nest.Create(model, 1, dict(zip(MECHANISMS, combo)))
    n = nest.Create(model, 2)
    with pytest.raises(BadProperty, match="mechanism combination"):
        n.set(dict(zip(MECHANISMS, combo)))
    assert n.get("adapting_threshold") == (False, False)      # nothing written
    # GLIF5 -> switching one of its mechanisms off leaves an invalid combination
    m = nest.Create(model, 1, dict(zip(MECHANISMS, VALID[4])))
    with pytest.raises(BadProperty, match="mechanism combination"):
        m.set(after_spike_currents=False)


@pytest.mark.parametrize("model", MODELS)
def test_parameter_checks(model):
    n = nest.Create(model)
    g = g_name(model)
    for params, match in (({"C_m": 0.0}, "C_m"), ({g: -1.0}, g), ({"t_ref": 0.0}, "t_ref"),
                          ({"V_reset": -50.0}, "V_reset"), ({"V_th": -80.0}, "V_reset"),
                          ({"asc_decay": [np.nan, 1.0]}, "asc_decay"),
                          ({"V_m": np.inf}, "V_m")):
        with pytest.raises(BadProperty, match=match):
            n.set(params)
    # checks that apply only with the mechanism that uses the parameter
    n.set({"th_spike_decay": -1.0, "voltage_reset_fraction": 2.0, "th_voltage_decay": 0.0,
           "asc_decay": [-1.0], "asc_r": [3.0, 3.0, 3.0]})
    for params, match in (
            ({"spike_dependent_threshold": True}, "th_spike_decay"),
            ({"spike_dependent_threshold": True, "th_spike_decay": 0.1},
             "voltage_reset_fraction"),
            ({"after_spike_currents": True}, "same size"),
            ({"after_spike_currents": True, "asc_r": [0.5]}, "asc_decay"),
            ({"after_spike_currents": True, "asc_r": [1.5], "asc_decay": [0.1]}, "asc_r"),
            ({"spike_dependent_threshold": True, "th_spike_decay": 0.1,
              "voltage_reset_fraction": 0.5, "after_spike_currents": True, "asc_r": [0.5],
              "asc_decay": [0.1], "asc_amps": [1.0], "asc_init": [0.0],
              "adapting_threshold": True}, "th_voltage_decay")):
        with pytest.raises(BadProperty, match=match):
            n.set(params)
    assert n.get("spike_dependent_threshold") is False
    n.set({"spike_dependent_threshold": True, "th_spike_decay": 0.1,
           "voltage_reset_fraction": 0.5, "after_spike_currents": True, "asc_r": [0.5],
           "asc_decay": [0.1], "asc_amps": [1.0], "asc_init": [0.0],
           "adapting_threshold": True, "th_voltage_decay": 0.2})
    with pytest.raises(UnaccessedDictionaryEntry, match="read only"):
        n.set(has_connections=True)
    with pytest.raises(UnaccessedDictionaryEntry):
        n.set(tau_m=10.0)


@pytest.mark.parametrize("model", MODELS)
def test_state_needs_its_mechanism(model):
    n = nest.Create(model)
    for params, match in (({"ASCurrents": [1.0, 2.0]}, "after_spike_currents"),
                          ({"threshold_spike": 1.0}, "spike_dependent_threshold"),
                          ({"threshold_voltage": 1.0}, "adapting_threshold")):
        with pytest.raises(BadProperty, match=match):
            n.set(params)
    m = nest.Create(model, 1, dict(zip(MECHANISMS, VALID[4])))
    m.set({"ASCurrents": [1.0, 2.0], "threshold_spike": 1.0, "threshold_voltage": 2.0})
    np.testing.assert_array_equal(m.get("ASCurrents"), [1.0, 2.0])
    if model != "glif_cond":
        assert (m.get("threshold_spike"), m.get("threshold_voltage")) == (1.0, 2.0)
    with pytest.raises(BadProperty, match="size"):
        m.set(ASCurrents=[1.0, 2.0, 3.0])
    m.set({"asc_decay": [0.1, 0.2, 0.3], "asc_amps": [1.0, 2.0, 3.0], "asc_r": [1.0] * 3,
           "asc_init": [0.0] * 3, "ASCurrents": [4.0, 5.0, 6.0]})
    np.testing.assert_array_equal(m.get("ASCurrents"), [4.0, 5.0, 6.0])
    # as NEST, asc_init does not change the currents
    m.set(asc_init=[7.0, 7.0, 7.0])
    np.testing.assert_array_equal(m.get("ASCurrents"), [4.0, 5.0, 6.0])


def test_receptor_lists():
    n = nest.Create("glif_cond")
    with pytest.raises(BadProperty, match="must be provided"):
        n.set(tau_syn=[1.0, 2.0, 3.0])
    with pytest.raises(BadProperty, match="same size"):
        n.set({"tau_syn": [1.0, 2.0, 3.0], "E_rev": [0.0, 1.0]})
    with pytest.raises(BadProperty, match="strictly positive"):
        n.set(tau_syn=[1.0, 0.0])
    n.set({"tau_syn": [1.0], "E_rev": [-85.0]})
    assert n.get("recordables") == sorted(FIXED_RECORDABLES + ["g_1"])
    np.testing.assert_array_equal(n.get("g"), [0.0])
    with pytest.raises(BadProperty, match="at most 32"):
        n.set({"tau_syn": [1.0] * 33, "E_rev": [0.0] * 33})
    d = nest.Create("glif_psc_double_alpha")
    with pytest.raises(BadProperty, match="amplitudes must be strictly positive"):
        d.set(amp_slow=[0.0])
    with pytest.raises(BadProperty, match="must be provided"):
        d.set(tau_syn_fast=[1.0, 2.0])
    with pytest.raises(BadProperty, match="strictly positive"):
        d.set(tau_syn_slow=[-1.0])
    p = nest.Create("glif_psc")
    with pytest.raises(BadProperty, match="strictly positive"):
        p.set(tau_syn=[2.0, -1.0])


@pytest.mark.parametrize("model", MODELS)
def test_receptors(model):
    n = nest.Create(model, 2, LISTS[model])
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0]})
    for bad in (0, 4):
        with pytest.raises(IncompatibleReceptorType):
            nest.Connect(sg, n, syn_spec={"receptor_type": bad})
    assert nest.num_connections == 0
    assert n.get("has_connections") == (False, False)
    for r in (1, 2, 3):
        nest.Connect(sg, n, syn_spec={"receptor_type": r, "weight": 1.0})
    assert n.get("has_connections") == (True, True)
    assert sorted(nest.GetConnections(sg).get("receptor")) == [1, 1, 2, 2, 3, 3]
    dc = nest.Create("dc_generator")
    with pytest.raises((UnknownReceptorType, IncompatibleReceptorType)):
        nest.Connect(dc, n, syn_spec={"receptor_type": 1})
    nest.Connect(dc, n)
    first = list(LISTS[model])[0]
    with pytest.raises(BadProperty, match="has connections"):
        n[0].set({k: v[:2] for k, v in LISTS[model].items()})
    n[0].set({first: [9.0, 8.0, 7.0]})           # same number of receptors: allowed
    nest.Simulate(3.0)


def test_e_l_keeps_absolute_values():
    n = nest.Create("glif_psc", 1, {"V_th": -50.0, "V_reset": -70.0, "V_m": -65.0})
    n.set(E_L=-60.0)
    assert n.get(["V_th", "V_reset", "V_m"]) == {"V_th": -50.0, "V_reset": -70.0, "V_m": -65.0}
    n.set({"E_L": -75.0, "V_m": -74.0})
    assert n.get("V_m") == -74.0


def test_glif1_membrane_closed_form():
    """GLIF1 with a constant current below threshold: U(t) = I/g (1 - exp(-t g/C_m))
    from the step after the current arrives."""
    I = 200.0
    n = nest.Create("glif_psc")
    dc = nest.Create("dc_generator", 1, {"amplitude": I})
    nest.Connect(dc, n)
    mm = nest.Create("multimeter", 1, {"record_from": ["V_m", "I", "threshold"],
                                       "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(50.0)
    ev = mm.get("events")
    t = np.asarray(ev["times"])
    g, C_m, E_L = 9.43, 58.72, -78.85
    # the dc current arrives after the delay of 1 ms, in the step ending at
    # 1.1 ms, and acts from the next step on
    expected = E_L + I / g * (1.0 - np.exp(-(t - 1.1).clip(0) * g / C_m))
    np.testing.assert_allclose(ev["V_m"], expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(np.asarray(ev["I"]), np.where(t > 1.05, I, 0.0))
    np.testing.assert_allclose(ev["threshold"], -51.68, rtol=1e-12)


def test_glif3_after_spike_currents_and_refractoriness():
    """GLIF3 with a strong current: after each spike the currents jump by
    asc_amps (r = 1: on top of their decay over t_ref), V_m is reset and held
    for t_ref; the next interval is longer (adaptation)."""
    n = nest.Create("glif_psc", 1, {"after_spike_currents": True, "t_ref": 2.0})
    dc = nest.Create("dc_generator", 1, {"amplitude": 1500.0})
    nest.Connect(dc, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    mm = nest.Create("multimeter", 1, {"record_from": ["V_m", "ASCurrents_sum"],
                                       "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(40.0)
    spikes = np.asarray(sr.get("events")["times"])
    assert len(spikes) >= 3
    isi = np.diff(spikes)
    assert isi[1] > isi[0] >= 2.0
    ev = mm.get("events")
    t, v = np.asarray(ev["times"]), np.asarray(ev["V_m"])
    for s in spikes:
        held = v[(t >= s) & (t < s + 2.0 - 1e-9)]
        np.testing.assert_array_equal(held, -78.85)
    assert np.min(ev["ASCurrents_sum"]) < -150.0


def test_double_alpha_sums_two_alpha_functions():
    """tau_syn_fast = tau_syn_slow and amp_slow = 1: twice the current of
    glif_psc with that tau_syn."""
    a = nest.Create("glif_psc", 1, {"tau_syn": [2.0]})
    b = nest.Create("glif_psc_double_alpha", 1, {"tau_syn_fast": [2.0], "tau_syn_slow": [2.0],
                                                 "amp_slow": [1.0]})
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0]})
    nest.Connect(sg, a, syn_spec={"receptor_type": 1, "weight": 100.0})
    nest.Connect(sg, b, syn_spec={"receptor_type": 1, "weight": 50.0})
    mm = nest.Create("multimeter", 1, {"record_from": ["V_m", "I_syn"], "interval": 0.1})
    nest.Connect(mm, a + b)
    nest.Simulate(20.0)
    ev = mm.get("events")
    s = np.asarray(ev["senders"])
    np.testing.assert_allclose(np.asarray(ev["I_syn"])[s == 1], np.asarray(ev["I_syn"])[s == 2],
                               rtol=1e-12)
    np.testing.assert_allclose(np.asarray(ev["V_m"])[s == 1], np.asarray(ev["V_m"])[s == 2],
                               rtol=1e-12)
    assert np.max(np.asarray(ev["I_syn"])[s == 1]) == pytest.approx(100.0, rel=1e-2)


def test_set_defaults_and_copy_model():
    nest.SetDefaults("glif_psc", {"after_spike_currents": True, "ASCurrents": [1.0, 2.0]})
    n = nest.Create("glif_psc")
    np.testing.assert_array_equal(n.get("ASCurrents"), [1.0, 2.0])
    with pytest.raises(BadProperty, match="mechanism combination"):
        nest.SetDefaults("glif_psc", {"adapting_threshold": True})
    nest.CopyModel("glif_cond", "my_glif", {"tau_syn": [1.0, 2.0, 3.0],
                                            "E_rev": [0.0, 0.0, -70.0]})
    assert "g_3" in nest.GetDefaults("my_glif", "recordables")
    assert "g_3" in nest.Create("my_glif").get("recordables")
