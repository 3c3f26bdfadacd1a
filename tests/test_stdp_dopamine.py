"""stdp_dopamine_synapse and volume_transmitter beyond the stored NEST
scenario (``stdp_dopamine`` in tests/scenarios.py, compared with NEST 3.10
bit for bit by test_models_vs_nest): the closed form between events, and
the checks NEST makes."""
import math

import numpy as np
import pytest

import pynestlite as nest


def _net(c0=0.0, n0=0.0, b=0.0, deliver_interval=1):
    nest.ResetKernel()
    vt = nest.Create("volume_transmitter", params={"deliver_interval": deliver_interval})
    nest.SetDefaults("stdp_dopamine_synapse", {"volume_transmitter": vt, "b": b,
                                               "tau_c": 80.0, "tau_n": 30.0, "Wmin": -50.0})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron")
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_dopamine_synapse",
                                      "weight": 3.0, "c": c0, "n": n0})
    return vt, pre, post


@pytest.mark.parametrize("b", [0.0, 0.4])
@pytest.mark.parametrize("deliver_interval", [1, 7])
def test_weight_follows_the_closed_form_between_events(b, deliver_interval):
    """No spikes at all: from c0, n0 the traces decay and the weight moves by
    -c0 (n0/taus expm1(-taus T) - b tau_c expm1(-T/tau_c)) up to the last
    trigger T (triggers every deliver_interval min-delay slices)."""
    c0, n0 = 0.7, 0.9
    _net(c0, n0, b, deliver_interval)
    nest.Simulate(50.0)
    conn = nest.GetConnections(synapse_model="stdp_dopamine_synapse")
    T = math.floor(50.0 / deliver_interval) * deliver_interval      # min_delay 1 ms
    tau_c, tau_n = 80.0, 30.0
    taus = 1.0 / tau_c + 1.0 / tau_n
    w = 3.0 - c0 * (n0 / taus * math.expm1(-taus * T) - b * tau_c * math.expm1(-T / tau_c))
    assert conn.get("weight") == pytest.approx(w, rel=1e-12)
    assert conn.get("c") == pytest.approx(c0 * math.exp(-T / tau_c), rel=1e-12)
    assert conn.get("n") == pytest.approx(n0 * math.exp(-T / tau_n), rel=1e-12)
    assert conn.get("weight") != 3.0


def test_weight_constant_without_presynaptic_spikes():
    """(NEST's ticket 716) post and dopamine spikes but no pre spike and c = 0."""
    vt, pre, post = _net()
    dopa = nest.Create("parrot_neuron")
    sg_post = nest.Create("spike_generator", params={"spike_times": [0.5, 1.1, 3.4]})
    sg_dopa = nest.Create("spike_generator", params={"spike_times": [1.4, 2.3, 4.6]})
    nest.Connect(sg_dopa, dopa)
    nest.Connect(dopa, vt)
    nest.Connect(sg_post, post)
    conn = nest.GetConnections(synapse_model="stdp_dopamine_synapse")
    nest.Simulate(10.0)
    assert conn.get("weight") == 3.0
    assert conn.get("n") > 0.0          # the dopamine spikes arrived


def test_dopamine_spikes_move_the_weight_with_the_eligibility_trace():
    """A pre spike followed by post spikes makes c > 0; dopamine then raises
    the weight, and more dopamine raises it more."""
    ws = []
    for n_dopa in (0, 1, 5):
        vt, pre, post = _net()
        dopa = nest.Create("parrot_neuron")
        nest.Connect(nest.Create("spike_generator", params={"spike_times": [5.0]}), pre)
        nest.Connect(nest.Create("spike_generator", params={"spike_times": [8.0, 9.0]}), post)
        times = [12.0 + i for i in range(n_dopa)]
        nest.Connect(nest.Create("spike_generator", params={"spike_times": times}), dopa)
        nest.Connect(dopa, vt)
        nest.Simulate(40.0)
        ws.append(nest.GetConnections(synapse_model="stdp_dopamine_synapse").get("weight"))
    assert ws[0] == 3.0 and ws[0] < ws[1] < ws[2]


def test_volume_transmitter_reports_nest_keys():
    d = nest.GetDefaults("volume_transmitter")
    assert d["deliver_interval"] == 1 and d["element_type"] == "other"
    assert "tau_minus" not in d
    vt = nest.Create("volume_transmitter")
    assert vt.get("element_type") == "other"


def test_errors():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    with pytest.raises(nest.NESTErrors.BadProperty, match="No volume transmitter"):
        nest.Connect(n, n, syn_spec="stdp_dopamine_synapse")
    with pytest.raises(nest.NESTErrors.BadProperty, match="type volume_transmitter"):
        nest.SetDefaults("stdp_dopamine_synapse", {"volume_transmitter": n[0]})
    with pytest.raises(nest.NESTErrors.BadProperty, match="single element"):
        nest.SetDefaults("stdp_dopamine_synapse", {"volume_transmitter": n})
    with pytest.raises(nest.NESTErrors.BadProperty, match="deliver_interval"):
        nest.Create("volume_transmitter", params={"deliver_interval": 0})
    vt = nest.Create("volume_transmitter")
    nest.SetDefaults("stdp_dopamine_synapse", {"volume_transmitter": vt})
    # common properties: SetDefaults or CopyModel only
    for key in ("tau_c", "A_plus", "Wmax", "volume_transmitter"):
        with pytest.raises(nest.NESTErrors.NotImplemented, match=key):
            nest.Connect(n, n, syn_spec={"synapse_model": "stdp_dopamine_synapse", key: 1.0})
    nest.Connect(n, n, "one_to_one", syn_spec={"synapse_model": "stdp_dopamine_synapse"})
    conns = nest.GetConnections(synapse_model="stdp_dopamine_synapse")
    with pytest.raises(nest.NESTErrors.UnaccessedDictionaryEntry):
        conns.set({"tau_c": 1.0, "weight": 2.0})
    with pytest.raises(nest.NESTErrors.BadProperty, match="Kplus"):
        conns.set({"Kplus": -1.0})
    # devices cannot reach a volume transmitter; it takes static synapses only
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(nest.Create("spike_generator"), vt)
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(n, vt, syn_spec="stdp_synapse")
    assert len(nest.GetConnections(target=vt)) == 0
    nest.Connect(n, vt)
    assert len(nest.GetConnections(target=vt)) == 2
    assert np.all(np.asarray(conns.get("weight")) == 1.0)
