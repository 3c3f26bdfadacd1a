"""Regression tests of the synapse-layer issue's defects (issue 7).

* A delay change between Prepare and Run must not write outside the input
  ring buffer: changes beyond the extrema fixed by Prepare raise BadDelay
  and change nothing; changes inside them take effect.
* Connect after Simulate with delays outside the first run's extrema is
  accepted (NEST 3.10 refuses it with "Minimum and maximum delay cannot be
  changed after Simulate has been called"): the ring buffer is re-sized at
  the next Prepare and spikes in flight arrive when they are due.
"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadDelay


def events(sr):
    ev = sr.get("events")
    return sorted(zip(np.round(ev["times"], 6).tolist(), ev["senders"].tolist()))


def driven_pair(delay):
    """A regularly firing source driving a target that fires on every input."""
    nest.ResetKernel()
    src = nest.Create("iaf_psc_delta", params={"I_e": 1000.0})
    tgt = nest.Create("iaf_psc_delta")
    sr = nest.Create("spike_recorder")
    nest.Connect(src, tgt, syn_spec={"weight": 100.0, "delay": delay})
    nest.Connect(tgt, sr)
    return src, tgt, sr


def test_delay_change_while_prepared_beyond_extrema_is_refused():
    src, tgt, sr = driven_pair(1.0)
    conns = nest.GetConnections(src, tgt)
    nest.Prepare()
    for bad in (3.7, 500.0, 0.5):
        with pytest.raises(BadDelay, match=r"extrema \[1\.0, 1\.0\] ms fixed by Prepare"):
            conns.set(delay=bad)
    assert conns.get("delay") == 1.0
    nest.Run(60.0)
    nest.Cleanup()
    fired = events(sr)
    # the same run without the refused changes
    src, tgt, sr = driven_pair(1.0)
    nest.Simulate(60.0)
    assert fired == events(sr)
    assert len(fired) == 8


def test_delay_change_after_cleanup_takes_effect():
    src, tgt, sr = driven_pair(1.0)
    nest.Prepare()
    nest.Cleanup()
    nest.GetConnections(src, tgt).set(delay=3.7)
    nest.Simulate(60.0)
    late = events(sr)
    src, tgt, sr = driven_pair(3.7)
    nest.Simulate(60.0)
    assert late == events(sr)
    assert len(late) == 8


def test_delay_change_inside_extrema_while_prepared():
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 5.0]})
    p = nest.Create("parrot_neuron", 2)
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, p[0], syn_spec={"delay": 1.0})
    nest.Connect(p[0], p[1], syn_spec={"delay": 4.0})
    nest.Connect(p, sr)
    nest.Prepare()
    nest.GetConnections(p[0], p[1]).set(delay=2.5)
    nest.Run(20.0)
    nest.Cleanup()
    assert events(sr) == [(2.0, 2), (4.5, 3), (6.0, 2), (8.5, 3)]


def test_connect_after_simulate_with_new_delays_keeps_spikes_in_flight():
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 9.0, 9.5, 14.0]})
    p1 = nest.Create("parrot_neuron", 2)
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, p1[0], syn_spec={"delay": 0.1})
    nest.Connect(sg, p1[1], syn_spec={"delay": 2.0})
    nest.Connect(p1, sr)
    nest.Simulate(10.0)
    assert nest.GetKernelStatus(["min_delay", "max_delay"]) == (0.1, 2.0)
    # spikes of p1[1] at 11.0 and 11.5 are in flight; max_delay grows 2 -> 5 ms
    p2 = nest.Create("parrot_neuron")
    nest.Connect(p1[1], p2, syn_spec={"delay": 5.0})
    nest.Connect(p2, sr)
    nest.Simulate(30.0)
    assert nest.GetKernelStatus(["min_delay", "max_delay"]) == (0.1, 5.0)
    assert events(sr) == [(2.1, 2), (4.0, 3), (9.1, 2), (9.6, 2), (11.0, 3), (11.5, 3),
                          (14.1, 2), (16.0, 3), (16.0, 5), (16.5, 5), (21.0, 5)]


def test_connect_after_simulate_shorter_min_delay_mid_slice():
    """min_delay 1.0 -> 0.7 ms after 10.5 ms (5 steps into a 10-step slice)."""
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [3.0, 9.2, 12.0]})
    a = nest.Create("parrot_neuron")
    b = nest.Create("parrot_neuron")
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, a, syn_spec={"delay": 1.0})
    nest.Connect(a + b, sr)
    nest.Simulate(10.5)
    nest.Connect(a, b, syn_spec={"delay": 0.7})
    nest.Simulate(10.0)
    # a fires at 4.0, 10.2 (in the partial slice, delivered at its end through
    # the new connection) and 13.0; b follows 0.7 ms later
    assert events(sr) == [(4.0, 2), (10.2, 2), (10.9, 3), (13.0, 2), (13.7, 3)]


def test_min_delay_below_the_steps_done_of_a_slice_is_refused():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_delta", 2)
    nest.Connect(n[0], n[1], syn_spec={"delay": 1.0})
    nest.Simulate(10.5)
    nest.Connect(n[1], n[0], syn_spec={"delay": 0.2})
    with pytest.raises(BadDelay, match="shorter than the 5 steps already simulated"):
        nest.Simulate(1.0)


def test_user_delay_extrema_still_bound_connections():
    nest.ResetKernel()
    nest.SetKernelStatus({"min_delay": 0.5, "max_delay": 2.0})
    n = nest.Create("iaf_psc_delta", 2)
    with pytest.raises(BadDelay, match=r"fixed by min_delay/max_delay"):
        nest.Connect(n[0], n[1], syn_spec={"delay": 3.0})
    assert nest.GetKernelStatus("num_connections") == 0


def test_target_lookup_is_rebuilt_after_reset_kernel():
    """Same channel count after ResetKernel, other gids: targets must follow."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_delta", 2)
    nest.Connect(n[0], n[1])
    assert nest.GetConnections().get("target") == 2
    nest.ResetKernel()
    nest.Create("spike_recorder")
    n = nest.Create("iaf_psc_delta", 2)
    nest.Connect(n[0], n[1])
    assert nest.GetConnections().get("target") == 3
