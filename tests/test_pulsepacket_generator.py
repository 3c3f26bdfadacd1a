"""pulsepacket_generator: Gaussian pulse packets with NEST's timing, the same
spikes for every target and however the run is split."""
import numpy as np
import pytest

import pynestlite as nest


def _run(chunks, activity=2000, sdev=3.0, pulses=(50.0, 120.0), seed=5, **extra):
    nest.ResetKernel()
    nest.rng_seed = seed
    ppg = nest.Create("pulsepacket_generator", params={
        "pulse_times": list(pulses), "activity": activity, "sdev": sdev, **extra})
    parrots = nest.Create("parrot_neuron", 2)
    sr_dev = nest.Create("spike_recorder")
    sr = nest.Create("spike_recorder")
    nest.Connect(ppg, parrots, syn_spec={"delay": 1.0})
    nest.Connect(ppg, sr_dev)
    nest.Connect(parrots, sr)
    for t in chunks:
        nest.Simulate(t)
    return sr_dev.events, sr.events


def test_packets_are_gaussian_around_the_pulse_times():
    dev, _ = _run([200.0])
    t = np.asarray(dev["times"])
    for centre in (50.0, 120.0):
        x = t[np.abs(t - centre) < 40.0]
        assert len(x) == 2000
        # stamp = step of the drawn time + 1: the mean lies 1 to 1.1 steps late
        assert x.mean() - centre == pytest.approx(0.1, abs=4 * 3.0 / np.sqrt(2000) + 0.05)
        assert x.std() == pytest.approx(3.0, rel=0.06)


def test_every_target_gets_the_same_spikes_and_splitting_changes_nothing():
    dev, par = _run([200.0])
    senders = np.asarray(par["senders"])
    a = np.sort(np.asarray(par["times"])[senders == senders.min()])
    b = np.sort(np.asarray(par["times"])[senders == senders.max()])
    assert len(a) == 4000 and np.array_equal(a, b)
    np.testing.assert_allclose(np.sort(dev["times"]) + 1.0, a, atol=1e-9)
    dev2, par2 = _run([33.3, 17.0, 60.0, 89.7])
    assert np.array_equal(np.sort(dev["times"]), np.sort(dev2["times"]))
    dev3, _ = _run([200.0], seed=6)
    assert not np.array_equal(np.sort(dev["times"]), np.sort(dev3["times"]))


def test_activity_window_and_checks():
    dev, _ = _run([300.0], activity=10, sdev=5.0, pulses=(10.0, 125.0, 175.0, 275.0),
                  start=75.0, stop=225.0)
    t = np.asarray(dev["times"])
    assert len(t) == 20 and t.min() >= 75.0 and t.max() <= 225.0
    with pytest.raises(nest.NESTErrors.BadProperty, match="negative"):
        nest.Create("pulsepacket_generator", params={"sdev": -1.0})
    with pytest.raises(nest.NESTErrors.BadProperty, match="negative"):
        nest.SetDefaults("pulsepacket_generator", {"activity": -5})
