"""iaf_psc_exp_multisynapse / iaf_psc_alpha_multisynapse: receptor
bookkeeping, NEST's errors, and the response of one receptor against the
closed form.  (Spike-for-spike agreement with NEST 3.10: the stored scenario
``multisynapse`` in test_models_vs_nest.py.)"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (BadProperty, IncompatibleReceptorType, NotImplementedFeature,
                               UnaccessedDictionaryEntry)

MODELS = ("iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse")


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


@pytest.mark.parametrize("model", MODELS)
def test_defaults_and_recordables(model):
    d = nest.GetDefaults(model)
    assert list(d["tau_syn"]) == [2.0]
    assert d["n_synapses"] == 1
    assert d["recordables"] == ["I_syn", "I_syn_1", "V_m"]
    n = nest.Create(model, 2, {"tau_syn": [1.0, 2.0, 3.0]})
    assert n[0].get("n_synapses") == 3
    assert n[0].get("recordables") == ["I_syn", "I_syn_1", "I_syn_2", "I_syn_3", "V_m"]
    np.testing.assert_array_equal(n[1].get("tau_syn"), [1.0, 2.0, 3.0])
    nest.SetDefaults(model, {"tau_syn": [0.5, 0.7]})
    assert nest.GetDefaults(model, "n_synapses") == 2
    assert nest.Create(model).get("n_synapses") == 2


@pytest.mark.parametrize("model", MODELS)
def test_receptor_errors(model):
    n = nest.Create(model, 2, {"tau_syn": [1.0, 2.0]})
    n[1].set(tau_syn=[1.0])
    sg = nest.Create("spike_generator")
    for bad in (0, 3):
        with pytest.raises(IncompatibleReceptorType, match="receptor"):
            nest.Connect(sg, n, syn_spec={"receptor_type": bad})
    with pytest.raises(IncompatibleReceptorType, match="1 ... 1"):
        nest.Connect(sg, n, syn_spec={"receptor_type": 2})
    assert nest.num_connections == 0          # nothing of a failed Connect stays
    assert n.get("has_connections") == (False, False)
    nest.Connect(sg, n, syn_spec={"receptor_type": 1})
    assert n.get("has_connections") == (True, True)
    c = nest.GetConnections(sg)
    assert list(c.get("receptor")) == [1, 1]
    # NEST: the number of receptors of a connected node cannot change
    with pytest.raises(BadProperty, match="has connections"):
        n[0].set(tau_syn=[1.0, 2.0, 3.0])
    n[0].set(tau_syn=[4.0, 5.0])                 # same count: allowed
    with pytest.raises(BadProperty, match="strictly positive"):
        n[0].set(tau_syn=[4.0, -1.0])
    np.testing.assert_array_equal(n[0].get("tau_syn"), [4.0, 5.0])
    with pytest.raises(UnaccessedDictionaryEntry, match="read only"):
        n[0].set(n_synapses=4)


def test_tau_syn_equal_tau_m_refused_for_exp():
    n = nest.Create("iaf_psc_exp_multisynapse")
    with pytest.raises(BadProperty, match="must differ"):
        n.set(tau_syn=[10.0])
    with pytest.raises(BadProperty, match="must differ"):
        n.set(tau_m=2.0)
    assert n.get("tau_m") == 10.0
    nest.Create("iaf_psc_alpha_multisynapse").set(tau_syn=[10.0])     # alpha: allowed


def test_capacity_grows_before_connect_only():
    a = nest.Create("iaf_psc_exp_multisynapse", 2)
    b = nest.Create("iaf_psc_exp_multisynapse", 1)
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(sg, b, syn_spec={"receptor_type": 1})
    a.set(tau_syn=[1.0, 2.0, 3.0, 4.0])          # a block nothing reaches yet: grows
    nest.Connect(sg, a, syn_spec={"receptor_type": 4, "weight": 100.0})
    nest.Connect(sg, a[0], syn_spec={"receptor_type": 2, "weight": 100.0})
    c = nest.Create("iaf_psc_exp_multisynapse", 2)
    nest.Connect(sg, c[0], syn_spec={"receptor_type": 1})
    with pytest.raises(NotImplementedFeature, match="before Connect"):
        c[1].set(tau_syn=[1.0, 2.0])
    mm = nest.Create("multimeter", params={"record_from": ["I_syn_2", "I_syn_4"],
                                           "interval": 0.1})
    nest.Connect(mm, a)
    nest.Simulate(3.0)
    ev = mm.events
    first = ev["senders"] == a[0].global_id
    # the spike at 1.0 ms, delay 1.0: both receptors of node a[0] carry 100 pA
    # from 2.1 ms on (decaying with tau 2 and 4 ms)
    t = ev["times"][first]
    np.testing.assert_allclose(ev["I_syn_2"][first][t == 2.1], 100.0 * np.exp(-0.0 / 2.0))
    i4 = ev["I_syn_4"][first]
    np.testing.assert_allclose(i4[t > 2.05], 100.0 * np.exp(-(t[t > 2.05] - 2.1) / 4.0),
                               rtol=1e-12)
    assert np.all(ev["I_syn_2"][~first] == 0.0)


@pytest.mark.parametrize("model", MODELS)
def test_single_receptor_psp_closed_form(model):
    """One spike of weight w on receptor 2 of three: V_m(t) follows the
    exact PSP of that receptor's time constant; I_syn equals I_syn_2."""
    tau_m, C_m, w, tau = 10.0, 250.0, 500.0, 1.5
    n = nest.Create(model, 1, {"tau_syn": [0.3, tau, 4.0], "tau_m": tau_m, "C_m": C_m,
                               "E_L": 0.0, "V_th": 1e9, "V_reset": -1.0, "V_m": 0.0})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(sg, n, syn_spec={"receptor_type": 2, "weight": w, "delay": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn", "I_syn_2"],
                                           "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(30.0)
    ev = mm.events
    t = ev["times"] - 2.0                          # the PSC starts at 2.0 ms
    on = t > 0
    if model == "iaf_psc_exp_multisynapse":
        v = w / C_m / (1 / tau - 1 / tau_m) * (np.exp(-t[on] / tau_m) - np.exp(-t[on] / tau))
    else:
        # alpha PSC w e/tau t exp(-t/tau) into a leaky membrane
        a = 1 / tau - 1 / tau_m
        x = t[on]
        v = (w * np.e / tau / C_m) * (np.exp(-x / tau_m) / a ** 2
                                      - np.exp(-x / tau) * (1 / a ** 2 + x / a))
    np.testing.assert_allclose(ev["V_m"][on], v, rtol=1e-9, atol=1e-12)
    assert np.all(ev["V_m"][~on] == 0.0)
    np.testing.assert_array_equal(ev["I_syn"], ev["I_syn_2"])


def test_aeif_receptor_lists():
    m = "aeif_cond_beta_multisynapse"
    d = nest.GetDefaults(m)
    assert d["n_receptors"] == 1 and d["recordables"] == ["V_m", "g_1", "w"]
    n = nest.Create(m, 2, {"E_rev": [0.0, -80.0], "tau_rise": [1.0, 2.0],
                           "tau_decay": [5.0, 10.0]})
    assert n[0].get("n_receptors") == 2
    with pytest.raises(BadProperty, match="must be provided"):
        n.set(E_rev=[0.0, -80.0, 10.0])
    with pytest.raises(BadProperty, match="same size"):
        n.set(E_rev=[0.0], tau_rise=[1.0, 2.0], tau_decay=[3.0, 4.0])
    with pytest.raises(BadProperty, match="rise time"):
        n.set(tau_rise=[6.0, 2.0])
    with pytest.raises(UnaccessedDictionaryEntry, match="read only"):
        n.set(g=[1.0, 2.0])
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(sg, n, syn_spec={"receptor_type": 2, "weight": 3.0})
    # NEST: a connected node may gain receptors (within the block's capacity
    # here), not lose them
    n[0].set(E_rev=[0.0, -80.0], tau_rise=[1.0, 1.5], tau_decay=[5.0, 9.0])
    with pytest.raises(BadProperty, match="cannot be reduced"):
        n[0].set(E_rev=[0.0], tau_rise=[1.0], tau_decay=[5.0])
    nest.Simulate(5.0)
    g = n[1].get("g")
    assert len(g) == 2 and g[0] == 0.0 and g[1] > 0.0
    assert n[1].get("dg")[1] != 0.0


@pytest.mark.parametrize("model", ("aeif_cond_beta_multisynapse", "aeif_cond_alpha_multisynapse"))
def test_aeif_negative_weight_stops_simulation(model):
    n = nest.Create(model)
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(sg, n, syn_spec={"receptor_type": 1, "weight": -1.0})
    with pytest.raises(BadProperty, match="must be positive"):
        nest.Simulate(5.0)


def test_aeif_beta_peak_is_weight():
    """The beta conductance of a spike of weight w peaks at w nS, at
    t_peak = tau_d tau_r ln(tau_d/tau_r)/(tau_d - tau_r) after arrival."""
    tr, td, w = 1.0, 5.0, 4.0
    nest.resolution = 0.01
    n = nest.Create("aeif_cond_beta_multisynapse",
                    params={"tau_rise": [tr], "tau_decay": [td], "E_rev": [0.0],
                            "V_peak": 1e3, "V_th": 900.0, "Delta_T": 0.0})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(sg, n, syn_spec={"receptor_type": 1, "weight": w, "delay": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["g_1"], "interval": 0.01})
    nest.Connect(mm, n)
    nest.Simulate(20.0)
    g = mm.events["g_1"]
    t = mm.events["times"]
    t_peak = td * tr * np.log(td / tr) / (td - tr)
    assert abs(t[np.argmax(g)] - (2.0 + t_peak)) <= 0.011
    np.testing.assert_allclose(g.max(), w, rtol=1e-4)
