"""bernoulli_synapse: stochastic transmission with probability p_transmit."""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty


def _transmitted(p, n_spikes=1000, n_targets=1, seed=123, model="bernoulli_synapse",
                 multapses=1):
    """Spikes of one parrot (fed 1 spike per ms) that reach each of
    ``n_targets`` parrots through ``multapses`` bernoulli synapses each:
    an array [n_targets] of received counts, and the spike trains."""
    nest.ResetKernel()
    nest.rng_seed = seed
    sg = nest.Create("spike_generator",
                     params={"spike_times": np.arange(1, n_spikes + 1).astype(float)})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron", n_targets)
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, pre)
    for _ in range(multapses):
        nest.Connect(pre, post, syn_spec={"synapse_model": model, "p_transmit": p})
    nest.Connect(post, sr)
    nest.Simulate(n_spikes + 3.0)
    ev = sr.get("events")
    senders = np.asarray(ev["senders"])
    counts = np.array([np.sum(senders == g) for g in post.tolist()])
    return counts, senders, np.asarray(ev["times"])


def test_transmission_fraction_is_binomial():
    """Each of 1000 spikes to 20 targets passes with p = 0.25: every count
    within 4 standard deviations of N p, the pooled count within 3."""
    n, p = 1000, 0.25
    counts, _, _ = _transmitted(p, n, n_targets=20)
    sd = (n * p * (1 - p)) ** 0.5
    assert np.all(np.abs(counts - n * p) < 4 * sd), counts
    assert abs(counts.sum() - 20 * n * p) < 3 * sd * 20 ** 0.5, counts.sum()
    # the targets' trains differ (independent draws per synapse)
    assert len({c for c in counts}) > 5


def test_p_transmit_one_and_zero():
    counts, _, t = _transmitted(1.0, 200)
    assert counts.tolist() == [200]
    # a transmitted spike arrives after the two static delays (1 ms each)
    assert np.allclose(t, np.arange(1, 201) + 2.0)
    counts, _, _ = _transmitted(0.0, 200)
    assert counts.tolist() == [0]


def test_multapses_draw_independently():
    """Two synapses between the same pair: the target's parrot repeats what
    each passes (up to 2 per spike); the pair count is binomial(2N, p)."""
    n, p = 1000, 0.5
    counts, _, t = _transmitted(p, n, multapses=2)
    sd = (2 * n * p * (1 - p)) ** 0.5
    assert abs(counts[0] - 2 * n * p) < 4 * sd
    # both synapses passing the same spike happens about N p^2 times
    _, mult = np.unique(t, return_counts=True)
    both = np.sum(mult == 2)
    assert abs(both - n * p * p) < 4 * (n * p * p * (1 - p * p)) ** 0.5, both


def test_seed_changes_and_fixes_the_draws():
    _, _, t1 = _transmitted(0.3, 300, seed=5)
    _, _, t2 = _transmitted(0.3, 300, seed=5)
    _, _, t3 = _transmitted(0.3, 300, seed=6)
    assert np.array_equal(t1, t2)
    assert not np.array_equal(t1, t3)


@pytest.mark.parametrize("p", [-0.1, 1.1, np.nan])
def test_p_transmit_outside_the_unit_interval_is_refused(p):
    nest.ResetKernel()
    a = nest.Create("parrot_neuron")
    b = nest.Create("parrot_neuron")
    with pytest.raises(BadProperty, match=r"p_transmit must be in \[0, 1\]"):
        nest.Connect(a, b, syn_spec={"synapse_model": "bernoulli_synapse", "p_transmit": p})
    assert nest.GetConnections(a, b) is None or len(nest.GetConnections(a, b)) == 0


def test_defaults_get_and_set():
    d = nest.GetDefaults("bernoulli_synapse")
    assert d["p_transmit"] == 1.0 and d["weight"] == 1.0
    nest.ResetKernel()
    a = nest.Create("parrot_neuron", 2)
    b = nest.Create("parrot_neuron", 3)
    nest.Connect(a, b, syn_spec={"synapse_model": "bernoulli_synapse", "p_transmit": 0.4,
                                 "weight": 2.0})
    c = nest.GetConnections(a, b)
    assert np.allclose(c.get("p_transmit"), 0.4)
    c[0].set(p_transmit=0.9)
    assert np.isclose(c.get("p_transmit")[0], 0.9) and np.allclose(c.get("p_transmit")[1:], 0.4)
    with pytest.raises(BadProperty, match="p_transmit"):
        c[1].set(p_transmit=2.0)


def test_weight_recorder_logs_the_transmitted_spikes_only():
    nest.ResetKernel()
    nest.rng_seed = 7
    wr = nest.Create("weight_recorder")
    nest.SetDefaults("bernoulli_synapse", {"p_transmit": 0.4, "weight_recorder": wr})
    sg = nest.Create("spike_generator", params={"spike_times": np.arange(1.0, 301.0)})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron")
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "bernoulli_synapse", "weight": 3.0})
    nest.Connect(post, sr)
    nest.Simulate(305.0)
    w_ev, s_ev = wr.get("events"), sr.get("events")
    n = len(s_ev["times"])
    assert 60 < n < 180
    assert len(w_ev["times"]) == n
    assert np.allclose(w_ev["weights"], 3.0)
    # a transmission at t is the target's spike one delay later
    assert np.allclose(np.sort(w_ev["times"]) + 1.0, np.sort(s_ev["times"]))


def test_weight_recorder_must_be_a_weight_recorder_at_set_defaults():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha")
    with pytest.raises(BadProperty, match="weight_recorder must be one weight_recorder"):
        nest.SetDefaults("bernoulli_synapse", {"weight_recorder": n})
    assert nest.GetDefaults("bernoulli_synapse")["weight_recorder"] is None
