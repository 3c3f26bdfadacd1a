"""Disconnect and SynapseCollection.disconnect (NEST semantics)."""
import random

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import InexistentConnection


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


def pairs():
    c = nest.GetConnections()
    return sorted(zip(np.atleast_1d(c.source).tolist(), np.atleast_1d(c.target).tolist()))


def test_disconnect_one_to_one_and_all_to_all():
    n = nest.Create("parrot_neuron", 4)
    nest.Connect(n, n)
    nest.Disconnect(n, n)                               # one_to_one: the autapses
    assert pairs() == [(i, j) for i in range(1, 5) for j in range(1, 5) if i != j]
    assert nest.num_connections == 12
    nest.Disconnect(n[:2], n[2:], conn_spec="all_to_all")
    assert (1, 3) not in pairs() and (2, 4) not in pairs() and nest.num_connections == 8
    with pytest.raises(InexistentConnection, match="from 1 to 1"):
        nest.Disconnect(n, n)                           # nothing removed on error
    assert nest.num_connections == 8
    with pytest.raises(nest.NESTErrors.NotImplemented):
        nest.Disconnect(n, n, conn_spec={"rule": "fixed_indegree", "indegree": 1})


def test_disconnect_removes_the_oldest_of_multapses_and_keeps_the_rest():
    n = nest.Create("iaf_psc_alpha", 2)
    for w in (1.0, 2.0, 3.0):
        nest.Connect(n[0], n[1], syn_spec={"weight": w})
    nest.Connect(n[1], n[0], syn_spec={"synapse_model": "stdp_synapse", "weight": 5.0})
    nest.Disconnect(n[0], n[1])
    assert list(nest.GetConnections(n[0]).weight) == [2.0, 3.0]
    nest.Disconnect(n[1], n[0], syn_spec={"synapse_model": "stdp_synapse"})
    assert len(nest.GetConnections(n[1])) == 0
    with pytest.raises(InexistentConnection):
        nest.Disconnect(n[1], n[0], syn_spec={"synapse_model": "stdp_synapse"})


def test_collections_follow_removals_edge_by_edge():
    random.seed(3)
    n = nest.Create("parrot_neuron", 6)
    nest.Connect(n, n)
    c = nest.GetConnections()
    expected = set(zip(c.source, c.target))
    order = list(range(len(c)))
    random.shuffle(order)
    for i in order:
        s, t = c[i].source, c[i].target       # read through the updated positions
        c[i].disconnect()
        expected.discard((s, t))
        assert set(pairs()) == expected
    assert nest.num_connections == 0
    with pytest.raises(InexistentConnection, match="removed already"):
        c[0].disconnect()


def test_spikes_pass_the_remaining_connections_after_disconnect():
    g = nest.Create("spike_generator", params={"spike_times": [1.0]})
    p = nest.Create("parrot_neuron", 3)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, p)
    nest.Connect(p, sr)
    nest.Simulate(5.0)
    nest.GetConnections(g, p[1]).disconnect()
    g.set(spike_times=[10.0])
    nest.Simulate(10.0)
    ev = sr.events
    late = ev["senders"][ev["times"] > 5.0]
    assert sorted(late) == [p[0].global_id, p[2].global_id]
    assert len(ev["times"]) == 5


def test_disconnect_refuses_devices_and_time_driven_synapses():
    n = nest.Create("iaf_psc_alpha", 2)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    with pytest.raises(nest.NESTErrors.NotImplemented, match="recording"):
        nest.Disconnect(n, sr + n[1], conn_spec="all_to_all")
    with pytest.raises(nest.NESTErrors.NotImplemented, match="recording"):
        nest.GetConnections(target=sr).disconnect()
    assert nest.num_connections == 2
