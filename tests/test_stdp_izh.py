"""The polychronization plasticity (models/stdp_izh.pyx) and the bitwise
reproduction of Izhikevich's poly_spnet.cpp (notes seed-002, targets T2, T3):

- T2: the STDP windows of ``stdp_izh_bitwise_synapse`` (0.95^x per step,
  exactly) and ``stdp_izh_synapse`` (exponentials), Delta = 0 / -1 border
  cases, nearest-neighbour pairing, the once-per-second update;
- the weight valid at arrival is the one a spike in flight across an update
  delivers;
- T3: 60 s of the full network in bitwise mode, spike for spike and weight
  for weight equal to the original (reference numbers of the notes, and the
  compiled original itself when g++ is at hand);
- bad input.
"""
import math
import os
import sys

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, IllegalConnection, KernelStateError

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "examples", "polychronization")
sys.path.insert(0, EXAMPLE)
import network  # noqa: E402
import original  # noqa: E402


def _pair(model, pre_times, post_times, delay=5.0, weight=5.0, simtime=1000.0,
          defaults=None):
    """pre parrot -> post parrot (receptor 1: not repeated) through ``model``
    (model-level ``defaults`` set first); the parrots fire 1 ms after their
    generators.  Returns the synapse."""
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 1.0})
    if defaults:
        nest.SetDefaults(model, defaults)
    gpre = nest.Create("spike_generator", params={"spike_times": pre_times})
    gpost = nest.Create("spike_generator", params={"spike_times": post_times})
    pre, post = nest.Create("parrot_neuron"), nest.Create("parrot_neuron")
    nest.Connect(gpre, pre)
    nest.Connect(gpost, post)
    spec = {"synapse_model": model, "weight": weight, "delay": delay, "receptor_type": 1}
    nest.Connect(pre, post, syn_spec=spec)
    if simtime:
        nest.Simulate(simtime)
    return nest.GetConnections(pre, post)


def _stepwise(x0, n, f=0.95):
    """x0 decayed n steps by one multiplication per step (as the original)."""
    x = x0
    for _ in range(n):
        x = f * x
    return x


@pytest.mark.parametrize("delta", list(range(-20, 21)))
def test_bitwise_window(delta):
    # pre parrot stamp 101, delay 5: arrival P = 106; post stamp 106 + delta
    c = _pair("stdp_izh_bitwise_synapse", [100.0], [105.0 + delta])
    if delta >= 0:
        sd = _stepwise(0.1, delta)
    else:
        sd = _stepwise(-0.12, -delta - 1)
    wdev = 0.0 + sd
    wdev = wdev * 0.9
    assert c.get("wdev") == wdev          # exact
    assert c.get("weight") == 5.0 + (0.01 + wdev)


@pytest.mark.parametrize("delta", [-20, -7, -2, -1, 0, 1, 2, 9, 20])
def test_qualitative_window(delta):
    c = _pair("stdp_izh_synapse", [100.0], [105.0 + delta])
    if delta >= 0:
        raw = 0.1 * math.exp(-delta / 20.0)
    else:
        raw = -0.12 * math.exp(-(-delta - 1) / 20.0)
    f = math.exp(-1000.0 / 10000.0)
    assert c.get("wdev") == pytest.approx(raw * f, abs=1e-12)
    assert c.get("weight") == pytest.approx(5.0 + 0.01 + raw * f, abs=1e-12)


def test_border_cases_are_single_pairings():
    # Delta = 0: potentiation only (+0.1); Delta = -1: depression only (-0.12)
    assert _pair("stdp_izh_bitwise_synapse", [100.0], [105.0]).get("wdev") == 0.1 * 0.9
    assert _pair("stdp_izh_bitwise_synapse", [100.0], [104.0]).get("wdev") == -0.12 * 0.9


def test_nearest_neighbour_pairing():
    # two arrivals 5 ms apart (106, 111), a post spike 3 ms after the second:
    # only +0.1 0.95^3 (all-to-all would add +0.1 0.95^8)
    c = _pair("stdp_izh_bitwise_synapse", [100.0, 105.0], [113.0])
    assert c.get("wdev") == (0.0 + _stepwise(0.1, 3)) * 0.9
    # two post spikes after one arrival: each pairs with it
    c = _pair("stdp_izh_bitwise_synapse", [100.0], [107.0, 110.0])
    assert c.get("wdev") == ((0.0 + _stepwise(0.1, 2)) + _stepwise(0.1, 5)) * 0.9
    # an arrival after two post spikes pairs with the later one only
    c = _pair("stdp_izh_bitwise_synapse", [100.0], [95.0, 101.0])
    assert c.get("wdev") == (0.0 + _stepwise(-0.12, 106 - 1 - 102)) * 0.9


def test_updates_keep_the_decayed_wdev_and_clip():
    c = _pair("stdp_izh_bitwise_synapse", [100.0], [105.0], simtime=2000.0)
    sd1 = 0.1 * 0.9
    w1 = 5.0 + (0.01 + sd1)
    sd2 = sd1 * 0.9
    assert c.get("wdev") == sd2
    assert c.get("weight") == w1 + (0.01 + sd2)
    # reset_weight_change_after_update: wdev applied once, then 0
    c = _pair("stdp_izh_synapse", [100.0], [105.0], simtime=2000.0,
              defaults={"reset_weight_change_after_update": True,
                        "tau_syn_update_interval": 0.0})
    assert c.get("wdev") == 0.0
    assert c.get("weight") == pytest.approx(5.0 + 0.1 + 0.02, abs=1e-14)
    # clip at Wmax and at 0
    c = _pair("stdp_izh_bitwise_synapse", [100.0], [105.0], weight=10.0)
    assert c.get("weight") == 10.0
    c = _pair("stdp_izh_bitwise_synapse", [100.0], [104.0], weight=0.05)
    assert c.get("weight") == 0.0


def test_update_interval_kernel_key():
    nest.ResetKernel()
    assert nest.GetKernelStatus("syn_update_interval") == 1000.0
    nest.SetKernelStatus({"resolution": 1.0, "syn_update_interval": 100.0})
    gpre = nest.Create("spike_generator", params={"spike_times": [10.0]})
    gpost = nest.Create("spike_generator", params={"spike_times": [15.0]})
    pre, post = nest.Create("parrot_neuron"), nest.Create("parrot_neuron")
    nest.Connect(gpre, pre)
    nest.Connect(gpost, post)
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_izh_bitwise_synapse",
                                      "weight": 5.0, "delay": 5.0, "receptor_type": 1})
    nest.Simulate(350.0)        # three updates, at 100, 200 and 300 ms
    c = nest.GetConnections(pre, post)
    sd = 0.1 * 0.9
    w = 5.0 + (0.01 * 0.1 + sd)
    for _ in range(2):
        sd = sd * 0.9
        w = w + (0.01 * 0.1 + sd)
    assert c.get("wdev") == sd and c.get("weight") == w
    with pytest.raises(KernelStateError, match="syn_update_interval"):
        nest.SetKernelStatus({"syn_update_interval": 200.0})


def test_weight_valid_at_arrival():
    # iaf_psc_delta at rest 0 mV: the jump of V_m is the weight the spike
    # carries.  A spike stamped 980 with delay 20 enters step 999 (weight
    # before the update at 1000); one stamped 990 enters step 1009, after
    # the update (weight + 0.01, no pairing).
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 1.0})
    g = nest.Create("spike_generator", params={"spike_times": [979.0, 989.0]})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("iaf_psc_delta", params={"E_L": 0.0, "V_m": 0.0, "V_reset": 0.0,
                                                 "V_th": 100.0, "tau_m": 1e9})
    nest.Connect(g, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_izh_bitwise_synapse",
                                      "weight": 5.0, "delay": 20.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    nest.Connect(mm, post)
    nest.Simulate(1020.0)
    ev = mm.events
    v = dict(zip(ev["times"], ev["V_m"]))
    assert v[999.0] == 0.0 and v[1000.0] == pytest.approx(5.0, abs=1e-6)
    assert v[1010.0] - v[1009.0] == pytest.approx(5.01, abs=1e-6)


def test_bad_input():
    nest.ResetKernel()
    n = nest.Create("izhikevich_2006", 2)
    with pytest.raises(BadProperty, match="Wmax"):
        nest.Connect(n[0], n[1], syn_spec={"synapse_model": "stdp_izh_synapse",
                                           "weight": 12.0})
    with pytest.raises(BadProperty, match=">= 0"):
        nest.Connect(n[0], n[1], syn_spec={"synapse_model": "stdp_izh_bitwise_synapse",
                                           "weight": -1.0})
    assert nest.GetKernelStatus("num_connections") == 0
    with pytest.raises(BadProperty, match="Wmax"):
        nest.CopyModel("stdp_izh_synapse", "EXC", {"weight": 6.0, "Wmax": 5.0})
    with pytest.raises(BadProperty, match="tau_LTP"):
        nest.SetDefaults("stdp_izh_synapse", {"tau_LTP": -20.0})
    with pytest.raises(BadProperty, match="tau_syn_update_interval"):
        nest.SetDefaults("stdp_izh_synapse", {"tau_syn_update_interval": -1.0})
    with pytest.raises(BadProperty, match="multiple of the resolution"):
        nest.SetKernelStatus({"syn_update_interval": 1000.05})
    with pytest.raises(BadProperty, match="positive"):
        nest.SetKernelStatus({"syn_update_interval": 0.0})
    sr = nest.Create("spike_recorder")
    with pytest.raises(IllegalConnection):
        nest.Connect(n[0], sr, syn_spec={"synapse_model": "stdp_izh_synapse"})
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": "stdp_izh_synapse", "weight": 6.0})
    c = nest.GetConnections(n[0], n[1])
    with pytest.raises(BadProperty, match="Wmax"):
        c.set(weight=11.0)
    assert c.get("weight") == 6.0
    assert set(c.get().keys()) >= {"weight", "wdev", "delay"}
    assert "p_last" not in c.get()


# --------------------------------------------------------------- T3
#: the original's per-second spike counts and weights (seed 0; notes
#: seed-002 Appendix C)
REFERENCE_COUNTS = {0: (3749, 3325), 9: (1150, 996), 29: (1875, 3046), 59: (3741, 7088)}


@pytest.fixture(scope="module")
def bitwise_60s():
    nest.ResetKernel()
    net = network.build(nest, "bitwise", seed=0)
    sr = nest.Create("spike_recorder")
    nest.Connect(nest.NodeCollection(list(range(1, network.N + 1))), sr)

    def weights():
        c = nest.GetConnections(synapse_model="EX")
        src = net.index_of(c.get("source"))
        tgt = net.index_of(c.get("target"))
        s = np.full((network.N_EXC, network.N), np.nan)
        sd = np.full((network.N_EXC, network.N), np.nan)
        s[src, tgt] = c.get("weight")
        sd[src, tgt] = c.get("wdev")
        return s, sd

    net.simulate(30_000)
    w30 = weights()
    net.simulate(30_000)
    w60 = weights()
    ev = sr.events
    idx = net.index_of(ev["senders"])
    sec = (ev["times"] // 1000).astype(int)
    counts = np.zeros((61, 2), int)     # stamp 60000 is the original's second 60
    np.add.at(counts, (sec, (idx >= network.N_EXC).astype(int)), 1)
    counts = counts[:60]
    return {"counts": counts, "w30": w30, "w60": w60}


def test_bitwise_60s_reference_numbers(bitwise_60s):
    counts = bitwise_60s["counts"]
    for sec, ei in REFERENCE_COUNTS.items():
        assert tuple(counts[sec]) == ei, f"second {sec}"
    assert counts[:, 0].sum() == 146084 and counts[:, 1].sum() == 228674
    orig = network.original_rng.original_network(0)
    post = orig["post"]
    s, sd = bitwise_60s["w30"]
    assert s[0, post[0, 0]] == 10.0 and post[0, 0] == 840
    assert s[0, post[0, 1]] == 0.0
    assert s[0, post[0, 2]] == 3.027074032619294
    assert sd[0, post[0, 2]] == -0.05733600819306526
    assert s[0, post[0, 99]] == 5.939601603744497
    assert s[799, post[799, 99]] == 5.625360720986369
    ee = s[:, :network.N_EXC]
    assert np.sum(ee[~np.isnan(ee)] > 9.5) == 4480
    assert np.sum(s[~np.isnan(s)] == 10.0) == 10316
    s60, sd60 = bitwise_60s["w60"]
    assert s60[0, post[0, 2]] == 0.9910678248929752
    assert sd60[0, post[0, 0]] == 1.6355019059551335


@pytest.mark.skipif(not original.available(), reason="needs g++ and the original source")
def test_bitwise_30s_equals_compiled_original(bitwise_60s, tmp_path):
    ref = original.run(original.build(str(tmp_path), 30), str(tmp_path))
    assert np.array_equal(ref["counts"][:, 1:], bitwise_60s["counts"][:30])
    s, sd = bitwise_60s["w30"]
    rows = np.arange(network.N_EXC)[:, None]
    np.testing.assert_array_equal(s[rows, ref["post"][:network.N_EXC]],
                                  ref["s"][:network.N_EXC])
    np.testing.assert_array_equal(sd[rows, ref["post"][:network.N_EXC]],
                                  ref["sd"][:network.N_EXC])


def test_weight_recorder_logs_each_transmission():
    # spikes stamped 101 and 1101 cross the synapse (delay 5) before and after
    # the update at 1000 ms: the recorder sees the weight each one carried
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 1.0})
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_izh_bitwise_synapse", "rec", {"weight_recorder": wr})
    g = nest.Create("spike_generator", params={"spike_times": [100.0, 1100.0]})
    gpost = nest.Create("spike_generator", params={"spike_times": [105.0]})
    pre, post = nest.Create("parrot_neuron"), nest.Create("parrot_neuron")
    nest.Connect(g, pre)
    nest.Connect(gpost, post)
    nest.Connect(pre, post, syn_spec={"synapse_model": "rec", "weight": 5.0, "delay": 5.0,
                                      "receptor_type": 1})
    nest.Simulate(1200.0)
    ev = wr.events
    assert list(ev["senders"]) == [pre.global_id] * 2
    assert list(ev["targets"]) == [post.global_id] * 2
    assert list(ev["times"]) == [101.0, 1101.0]
    assert list(ev["weights"]) == [5.0, 5.0 + (0.01 + 0.1 * 0.9)]
    with pytest.raises(BadProperty, match="weight_recorder"):
        nest.SetDefaults("stdp_izh_synapse", {"weight_recorder": pre})
