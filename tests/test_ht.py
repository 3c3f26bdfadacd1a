"""ht_neuron and ht_synapse: defaults, receptors, recordables, NEST's checks,
``equilibrate`` and ``voltage_clamp``, and the depression rule against its
closed form.  (Agreement with NEST 3.10: the stored scenarios
``ht_neuron_drive`` and ``ht_synapse`` in test_models_vs_nest.py.)"""
import math

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadParameter, BadProperty, UnknownReceptorType

RECORDABLES = ["I_KNa", "I_NaP", "I_T", "I_h", "V_m", "g_AMPA", "g_GABA_A", "g_GABA_B",
               "g_NMDA", "theta"]


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def test_defaults():
    d = nest.GetDefaults("ht_neuron")
    assert d["receptor_types"] == {"AMPA": 1, "NMDA": 2, "GABA_A": 3, "GABA_B": 4}
    assert sorted(d["recordables"]) == RECORDABLES
    assert d["V_m"] == pytest.approx(-70.0)
    assert d["theta"] == -51.0
    assert d["instant_unblock_NMDA"] is False and d["voltage_clamp"] is False
    assert d["g_peak_GABA_B"] == 0.0132 and d["tau_D_KNa"] == 1250.0
    assert "equilibrate" not in d
    n = nest.Create("ht_neuron")
    assert n.get("receptor_types") == d["receptor_types"]


@pytest.mark.parametrize("params", [
    {"g_peak_AMPA": -0.1}, {"S_act_NMDA": -1.0}, {"t_ref": -1.0}, {"tau_m": 0.0},
    {"tau_D_KNa": -2.0}, {"tau_rise_NMDA": 50.0}, {"tau_Mg_fast_NMDA": 30.0},
    {"tau_rise_GABA_B": 300.0}])
def test_bad_parameters(params):
    n = nest.Create("ht_neuron")
    with pytest.raises(BadParameter):
        n.set(params)
    with pytest.raises(BadParameter):
        nest.SetDefaults("ht_neuron", params)


def test_receptors():
    src = nest.Create("parrot_neuron")
    n = nest.Create("ht_neuron")
    with pytest.raises(UnknownReceptorType):
        nest.Connect(src, n)                                   # receptor 0
    with pytest.raises(UnknownReceptorType):
        nest.Connect(src, n, syn_spec={"receptor_type": 5})
    nest.Connect(src, n, syn_spec={"receptor_type": 4})
    dc = nest.Create("dc_generator")
    with pytest.raises(UnknownReceptorType):
        nest.Connect(dc, n, syn_spec={"receptor_type": 1})
    nest.Connect(dc, n)


def _first_sample(params, record):
    n = nest.Create("ht_neuron", 1, params)
    mm = nest.Create("multimeter", {"record_from": record, "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(2.0)        # (samples of the first 1 ms slice; NEST hands them out after it)
    return {k: mm.get("events")[k][0] for k in record}


def test_equilibrate_sets_gating_variables():
    """At rest the currents stay at their equilibrium values; setting V_m
    without ``equilibrate`` leaves I_h's activation at -70 mV's value."""
    m_h = lambda V: 1.0 / (1.0 + math.exp((V + 75.0) / 5.5))
    eq = _first_sample({"V_m": -60.0, "equilibrate": True, "voltage_clamp": True}, ["I_h"])
    nest.ResetKernel()
    keep = _first_sample({"V_m": -60.0, "voltage_clamp": True}, ["I_h"])
    # I_h = -g_peak_h m_h (V - E_rev_h), m_h relaxing slowly (tau > 100 ms)
    assert eq["I_h"] == pytest.approx(-m_h(-60.0) * (-60.0 + 40.0), rel=1e-3)
    assert keep["I_h"] == pytest.approx(-m_h(-70.0) * (-60.0 + 40.0), rel=1e-3)


def test_voltage_clamp_holds_V_m():
    n = nest.Create("ht_neuron", 1, {"V_m": -55.0, "voltage_clamp": True})
    dc = nest.Create("dc_generator", {"amplitude": 100.0})
    nest.Connect(dc, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(50.0)
    assert n.get("V_m") == -55.0
    assert sr.n_events == 0          # theta (-51 mV) is never reached


def test_spikes_with_refractory_potassium_current():
    """A strong current makes the neuron fire; V_m and theta jump to E_Na at
    a spike (and start to fall within the step), intervals are longer than
    t_ref."""
    n = nest.Create("ht_neuron", 1, {"t_ref": 3.0})
    dc = nest.Create("dc_generator", {"amplitude": 60.0})
    nest.Connect(dc, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    mm = nest.Create("multimeter", {"record_from": ["V_m", "theta"], "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(200.0)
    t = sr.get("events")["times"]
    assert len(t) > 5
    assert np.all(np.diff(t) > 3.0)
    ev = mm.get("events")
    at = np.isin(np.round(ev["times"], 1), np.round(t, 1))
    assert at.sum() == len(t)
    assert np.all(ev["V_m"][at] > 0.0) and np.all(ev["theta"][at] > 20.0)


def test_ht_synapse_closed_form():
    """Weights carried by ht_synapse: P recovers towards 1 with tau_P since
    the previous spike (from t = 0 for the first), the spike carries w P,
    then P <- P (1 - delta_P)."""
    times = [3.0, 5.5, 6.0, 40.0, 41.2, 150.0]
    sg = nest.Create("spike_generator", {"spike_times": times})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("ht_neuron")
    wr = nest.Create("weight_recorder")
    nest.Connect(sg, pre)
    nest.CopyModel("ht_synapse", "ht_rec", {"weight_recorder": wr})
    w, tau_P, delta_P, P0 = 2.5, 80.0, 0.3, 0.9
    nest.Connect(pre, post, syn_spec={"synapse_model": "ht_rec", "weight": w,
                                      "tau_P": tau_P, "delta_P": delta_P, "P": P0,
                                      "receptor_type": 1})
    nest.Simulate(200.0)
    P, last, expected = P0, 0.0, []
    for t in times:
        t_send = t + 1.0                    # the parrot's spike (delay 1 ms)
        P = 1 - (1 - P) * math.exp(-(t_send - last) / tau_P)
        expected.append(w * P)
        P *= 1 - delta_P
        last = t_send
    got = wr.get("events")["weights"]
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    conn = nest.GetConnections(synapse_model="ht_rec")
    assert conn.get("P") == pytest.approx(P, rel=1e-14)


@pytest.mark.parametrize("params", [{"tau_P": 0.0}, {"delta_P": 1.5}, {"P": -0.1}])
def test_ht_synapse_checks(params):
    with pytest.raises(BadProperty):
        nest.SetDefaults("ht_synapse", params)
    pre = nest.Create("parrot_neuron")
    post = nest.Create("ht_neuron")
    with pytest.raises(BadProperty):
        nest.Connect(pre, post, syn_spec=dict(params, synapse_model="ht_synapse",
                                              receptor_type=1))


@pytest.mark.parametrize("model", ["ht_synapse_hpc", "ht_synapse_lbl"])
def test_ht_synapse_variants(model):
    d = nest.GetDefaults(model)
    assert (d["tau_P"], d["delta_P"], d["P"]) == (500.0, 0.125, 1.0)


def test_connections_report_the_port():
    """As NEST, GetConnections reports ht_neuron's port: receptor_type - 1."""
    src = nest.Create("parrot_neuron")
    n = nest.Create("ht_neuron")
    for rt in (1, 2, 3, 4):
        nest.Connect(src, n, syn_spec={"synapse_model": "ht_synapse", "receptor_type": rt})
    assert sorted(nest.GetConnections().receptor) == [0, 1, 2, 3]
