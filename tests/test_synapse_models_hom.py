"""static_synapse_hom_w, tsodyks_synapse_hom, jonke_synapse,
stdp_facetshw_synapse_hom and cont_delay_synapse: model-level parameters,
errors and read-back as NEST 3.10 has them (their dynamics are compared with
NEST in the stored scenarios syn_hom, jonke, facetshw and cont_delay)."""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (
    BadDelay, BadProperty, NotImplementedFeature, UnaccessedDictionaryEntry)


@pytest.fixture(autouse=True)
def reset():
    nest.ResetKernel()


def _pair(model, **spec):
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": model, **spec})
    return n, nest.GetConnections(synapse_model=model)


@pytest.mark.parametrize("model", ["static_synapse_hom_w", "tsodyks_synapse_hom",
                                   "static_synapse_hom_w_lbl", "tsodyks_synapse_hom_hpc"])
def test_common_weight_is_not_per_connection(model):
    n = nest.Create("iaf_psc_alpha")
    with pytest.raises(NotImplementedFeature, match="SetDefaults"):
        nest.Connect(n, n, syn_spec={"synapse_model": model, "weight": 2.0})
    _, c = _pair(model)
    assert "weight" not in c.get()
    with pytest.raises(KeyError):
        c.get("weight")
    with pytest.raises(UnaccessedDictionaryEntry):
        c.set(weight=2.0)
    nest.SetDefaults(model, {"weight": 7.5})
    assert nest.GetDefaults(model)["weight"] == 7.5


def test_weight_none_beside_other_models():
    n = nest.Create("iaf_psc_alpha")
    nest.Connect(n, n, syn_spec={"synapse_model": "static_synapse", "weight": 3.0})
    nest.Connect(n, n, syn_spec={"synapse_model": "static_synapse_hom_w"})
    assert nest.GetConnections().get("weight") == [3.0, None]


def test_hom_w_weight_changes_between_runs():
    """A SetDefaults weight applies to existing connections at the next run,
    through a spike generator as well."""
    sg = nest.Create("spike_generator", {"spike_times": [1.0, 11.0]})
    n = nest.Create("iaf_psc_delta", {"V_th": 1e9, "tau_m": 1e9, "E_L": 0.0, "V_m": 0.0,
                                      "V_reset": 0.0})
    nest.SetDefaults("static_synapse_hom_w", {"weight": 2.0})
    nest.Connect(sg, n, syn_spec={"synapse_model": "static_synapse_hom_w"})
    nest.Simulate(5.0)
    v1 = n.get("V_m")
    nest.SetDefaults("static_synapse_hom_w", {"weight": 5.0})
    nest.Simulate(10.0)
    assert v1 == pytest.approx(2.0, rel=1e-7)        # (tau_m 1e9 ms: a trace of leak)
    assert n.get("V_m") == pytest.approx(7.0, rel=1e-7)


def test_tsodyks_hom_checks():
    for bad in ({"U": 1.5}, {"tau_psc": 0.0}, {"tau_rec": -1.0}, {"tau_fac": -1.0}):
        with pytest.raises(BadProperty):
            nest.SetDefaults("tsodyks_synapse_hom", bad)
    _, c = _pair("tsodyks_synapse_hom", x=0.6, y=0.2, u=0.1)
    assert c.get(["x", "y", "u"]) == {"x": 0.6, "y": 0.2, "u": 0.1}
    with pytest.raises(BadProperty, match="x \\+ y"):
        c.set(x=0.9)
    for key in ("tau_psc", "U"):
        with pytest.raises(UnaccessedDictionaryEntry):
            c.set({key: 0.2})


def test_jonke_parameters():
    d = nest.GetDefaults("jonke_synapse")
    assert (d["alpha"], d["beta"], d["lambda"], d["mu_plus"], d["mu_minus"], d["tau_plus"],
            d["Wmax"], d["Kplus"]) == (1.0, 0.0, 0.01, 0.0, 0.0, 20.0, 100.0, 0.0)
    _, c = _pair("jonke_synapse", weight=3.0, Kplus=0.5)
    assert c.get(["weight", "Kplus"]) == {"weight": 3.0, "Kplus": 0.5}
    with pytest.raises(BadProperty, match="Kplus"):
        c.set(Kplus=-1.0)
    with pytest.raises(UnaccessedDictionaryEntry):
        c.set(tau_plus=10.0)


def test_facetshw_common_parameters():
    d = nest.GetDefaults("stdp_facetshw_synapse_hom")
    assert d["weight_per_lut_entry"] == pytest.approx(100.0 / 15)
    assert list(d["lookuptable_0"]) == [2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 15]
    assert d["readout_cycle_duration"] == 0.0
    nest.SetDefaults("stdp_facetshw_synapse_hom", {"Wmax": 30.0, "no_synapses": 120})
    d = nest.GetDefaults("stdp_facetshw_synapse_hom")
    assert d["weight_per_lut_entry"] == 2.0
    assert d["readout_cycle_duration"] == 3 * 15.0
    for bad, text in (({"lookuptable_1": [0] * 15}, "2\\^4"),
                      ({"lookuptable_2": [16] * 16}, "\\[0,15\\]"),
                      ({"configbit_0": [0, 1]}, "configuration bits"),
                      ({"reset_pattern": [1] * 5}, "reset bits")):
        with pytest.raises(BadProperty, match=text):
            nest.SetDefaults("stdp_facetshw_synapse_hom", bad)


def test_facetshw_ids_follow_first_spikes():
    sg = nest.Create("spike_generator", 2)
    sg[0].set(spike_times=[5.0, 30.0])
    sg[1].set(spike_times=[2.0, 30.0])
    pre = nest.Create("parrot_neuron", 2)
    post = nest.Create("parrot_neuron")
    nest.Connect(sg, pre, "one_to_one")
    nest.SetDefaults("stdp_facetshw_synapse_hom", {"synapses_per_driver": 1,
                                                   "driver_readout_time": 10.0})
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_facetshw_synapse_hom",
                                      "weight": 20.0})
    nest.Simulate(20.0)
    c = nest.GetConnections(synapse_model="stdp_facetshw_synapse_hom")
    assert c.get("synapse_id") == [1, 0]
    assert c.get("next_readout_time") == [10.0, 10.0]
    assert nest.GetDefaults("stdp_facetshw_synapse_hom")["no_synapses"] == 2
    assert nest.GetDefaults("stdp_facetshw_synapse_hom")["readout_cycle_duration"] == 20.0
    # the first spike of the second source discretized its weight: 20 / (100/15) -> 3
    assert c.get("weight") == [20.0, pytest.approx(3 * 100.0 / 15)]


def test_cont_delay_read_back_and_errors():
    nest.resolution = 1.0
    nest.SetDefaults("cont_delay_synapse", {"delay": 1.7})
    _, c = _pair("cont_delay_synapse")
    assert c.get("delay") == pytest.approx(1.7, abs=1e-12)
    c.set(delay=2.25)
    assert c.get("delay") == pytest.approx(2.25, abs=1e-12)
    n = nest.Create("iaf_psc_alpha")
    nest.Connect(n, n, syn_spec={"synapse_model": "cont_delay_synapse", "delay": 3.0})
    c = nest.GetConnections(n, n)
    assert c.get("delay") == pytest.approx(3.0 - 0.3, abs=1e-12)   # (the default's offset)
    with pytest.raises(BadDelay):
        nest.SetDefaults("cont_delay_synapse", {"delay": 0.7})
    with pytest.raises(BadDelay):
        c.set(delay=0.5)
    assert nest.GetKernelStatus("min_delay") <= 1.0


def test_cont_delay_offsets_reach_precise_targets():
    """A grid spike at 2 ms through a delay of 1.7 ms reaches iaf_psc_delta_ps
    at 3.7 ms: the target fires then (NEST's test_cont_delay_synapse)."""
    for explicit in (False, True):
        nest.ResetKernel()
        nest.resolution = 1.0
        n = nest.Create("iaf_psc_delta_ps")
        sg = nest.Create("spike_generator", {"precise_times": True, "spike_times": [2.0, 5.5]})
        sr = nest.Create("spike_recorder")
        if explicit:
            nest.Connect(sg, n, syn_spec={"synapse_model": "cont_delay_synapse",
                                          "weight": 100.0, "delay": 1.7})
            nest.GetConnections(source=sg).set({"delay": 1.7})
        else:
            nest.SetDefaults("cont_delay_synapse", {"weight": 100.0, "delay": 1.7})
            nest.Connect(sg, n, syn_spec={"synapse_model": "cont_delay_synapse"})
        nest.Connect(n, sr)
        nest.Simulate(10.0)
        np.testing.assert_allclose(sr.events["times"], [3.7, 7.2], rtol=0, atol=1e-12)
