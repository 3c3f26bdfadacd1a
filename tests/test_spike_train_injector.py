"""spike_train_injector: a neuron with a prescribed spike train (NEST 3.10's
semantics: the times as a spike_generator takes them, the spikes as a
neuron's)."""
import math

import numpy as np
import pytest

import pynestlite as nest


@pytest.mark.parametrize(("times", "expected", "precise", "offgrid"), [
    ([1.0, 1.9999, 3.0001], [1.0, 2.0, 3.0], False, False),
    ([1.0, 1.05, 3.0001], [1.0, 1.1, 3.0], False, True),
    ([1.0, 1.05, 3.0001], [1.0, 1.05, 3.0001], True, False),
])
def test_spike_times_follow_the_generator_rules(times, expected, precise, offgrid):
    nest.ResetKernel()
    nest.set(resolution=0.1, tics_per_ms=1000)
    inj = nest.Create("spike_train_injector", params={
        "spike_times": times, "precise_times": precise, "allow_offgrid_times": offgrid})
    assert inj.spike_times == pytest.approx(expected)
    assert inj.get("element_type") == "neuron"
    assert "tau_minus" not in nest.GetDefaults("spike_train_injector")


@pytest.mark.parametrize("parrot", ["parrot_neuron", "parrot_neuron_ps"])
def test_precise_spike_reaches_a_parrot_at_its_time(parrot):
    nest.ResetKernel()
    src = nest.Create("spike_train_injector", 1, {"spike_times": [1.01], "precise_times": True})
    p = nest.Create(parrot)
    sr = nest.Create("spike_recorder")
    nest.Connect(src, p, syn_spec={"delay": 0.2})
    nest.Connect(p, sr)
    nest.Simulate(2.0)
    expected = 1.01 + 0.2
    if parrot == "parrot_neuron":
        expected = math.ceil(expected / nest.resolution) * nest.resolution
    assert sr.events["times"] == pytest.approx([expected])


def test_spikes_are_a_neurons_spikes():
    """Multiplicities, the activity window, recording as a neuron and plastic
    synapses (a spike_generator could not drive an stdp_synapse)."""
    nest.ResetKernel()
    inj = nest.Create("spike_train_injector", 2, {
        "spike_times": [1.0, 2.0, 5.0, 9.0], "spike_multiplicities": [1, 2, 1, 1],
        "start": 1.5, "stop": 8.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(inj, sr)
    post = nest.Create("iaf_psc_alpha")
    nest.Connect(inj, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 100.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, post)
    nest.Simulate(12.0)
    ev = sr.events
    assert sorted(ev["times"].tolist()) == [2.0] * 4 + [5.0] * 2
    assert nest.local_spike_counter == 6
    vm = mm.events["V_m"]
    assert vm.max() > -70.0 + 1.0          # the injected spikes drive the neuron
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(post, inj)
