"""save_state / load_state (pynestlite/checkpoint.py): a simulation saved,
rebuilt and continued gives exactly the spikes and synapses of the
uninterrupted run (static, stdp_synapse and the time-driven polychronization
synapses, with spikes in flight and pending delivery at the save); bad use
is refused with nothing changed."""
import os
import sys

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import KernelStateError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "examples", "polychronization"))
import networks  # noqa: E402


def _stdp_build():
    return networks.stdp_network_build(nest)


def _result(sr, after):
    ev = sr.events
    keep = ev["times"] > after
    s, t = networks.canonical(ev["senders"][keep], ev["times"][keep])
    c = nest.GetConnections(synapse_model="stdp_synapse").get(["weight", "Kplus"])
    return s, t, np.asarray(c["weight"]), np.asarray(c["Kplus"])


def test_stdp_network_continues_exactly(tmp_path):
    sr = _stdp_build()
    nest.Simulate(200.0)
    whole = _result(sr, 100.0)
    sr = _stdp_build()
    nest.Simulate(100.0)
    nest.save_state(tmp_path / "s.h5")
    sr = _stdp_build()
    nest.load_state(tmp_path / "s.h5")
    assert nest.GetKernelStatus("biological_time") == 100.0
    nest.Simulate(100.0)
    part = _result(sr, 100.0)
    assert len(whole[1]) > 500
    for a, b in zip(whole, part):
        np.testing.assert_array_equal(a, b)


def test_polychronization_continues_exactly(tmp_path):
    import network

    def build():
        nest.ResetKernel()
        net = network.build(nest, "qualitative", seed=4)
        sr = nest.Create("spike_recorder")
        nest.Connect(nest.NodeCollection(list(range(1, network.N + 1))), sr)
        return net, sr

    net, sr = build()
    net.simulate(2500)          # across two weight updates
    whole = (networks.canonical(sr.events["senders"], sr.events["times"]), net.synapses())
    net, sr = build()
    net.simulate(1500)          # mid-interval: spikes in flight, wdev half collected
    nest.save_state(tmp_path / "p.h5")
    stim = net.stimulus_state()
    early = networks.canonical(sr.events["senders"], sr.events["times"])
    net, sr = build()
    nest.load_state(tmp_path / "p.h5")
    net.set_stimulus_state(stim)
    net.simulate(1000)
    late = networks.canonical(sr.events["senders"], sr.events["times"])
    for a, b, c in zip(whole[0], early, late):
        np.testing.assert_array_equal(a, np.concatenate([b, c]))
    syn = net.synapses()
    for key in whole[1]:
        np.testing.assert_array_equal(whole[1][key], syn[key], err_msg=key)


def test_bad_use(tmp_path):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_delta", 3)
    with pytest.raises(KernelStateError, match="nothing has been simulated"):
        nest.save_state(tmp_path / "x.h5")
    nest.Connect(n, n, syn_spec={"delay": 2.0})
    nest.Simulate(0.1)          # half a min_delay slice
    with pytest.raises(KernelStateError, match="min_delay slice"):
        nest.save_state(tmp_path / "x.h5")
    nest.Simulate(1.9)          # completes the 2-ms slice
    nest.save_state(tmp_path / "x.h5")
    # another network: refused, nothing changed
    nest.ResetKernel()
    m = nest.Create("iaf_psc_delta", 4)
    with pytest.raises(KernelStateError, match="nodes"):
        nest.load_state(tmp_path / "x.h5")
    assert nest.GetKernelStatus("biological_time") == 0.0
    nest.ResetKernel()
    m = nest.Create("iaf_psc_delta", 3)
    nest.Connect(m, m, syn_spec={"delay": 1.0})
    with pytest.raises(KernelStateError):
        nest.load_state(tmp_path / "x.h5")
    assert nest.GetKernelStatus("biological_time") == 0.0
    nest.Simulate(1.0)          # still usable
    # after a simulation: refused
    with pytest.raises(KernelStateError, match="not simulated"):
        nest.load_state(tmp_path / "x.h5")
