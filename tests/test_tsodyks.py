"""tsodyks_synapse and tsodyks2_synapse beyond the stored NEST scenario
(``tsodyks`` in tests/scenarios.py, compared with NEST 3.10 bit for bit by
test_models_vs_nest): the steady states of regular trains and the checks
NEST makes."""
import math

import numpy as np
import pytest

import pynestlite as nest


def _weights(model, params, isi=20.0, n_spikes=60):
    """The weights a regular train of ``n_spikes`` spikes (interval ``isi``)
    carries through one synapse of ``model``, from a weight_recorder."""
    nest.ResetKernel()
    wr = nest.Create("weight_recorder")
    nest.CopyModel(model, "syn_rec", {"weight_recorder": wr})
    sg = nest.Create("spike_generator",
                     params={"spike_times": [10.0 + isi * i for i in range(n_spikes)]})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("iaf_psc_exp", params={"tau_syn_ex": 3.0})
    nest.Connect(sg, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "syn_rec", "weight": 1.0, **params})
    nest.Simulate(20.0 + isi * n_spikes)
    return np.asarray(wr.get("events")["weights"])


@pytest.mark.parametrize("U,tau_rec,isi", [(0.5, 800.0, 20.0), (0.2, 100.0, 7.0)])
def test_tsodyks2_depression_reaches_its_steady_state(U, tau_rec, isi):
    """tau_fac = 0: u = U and x converges to (1 - e) / (1 - (1 - U) e) with
    e = exp(-isi / tau_rec); the first spike carries U."""
    w = _weights("tsodyks2_synapse", {"U": U, "u": U, "tau_rec": tau_rec}, isi, n_spikes=200)
    e = math.exp(-isi / tau_rec)
    x_ss = (1.0 - e) / (1.0 - (1.0 - U) * e)
    assert w[0] == U
    assert w[-1] == pytest.approx(U * x_ss, rel=1e-9)
    assert np.all(np.diff(w) <= 0.0)


def test_tsodyks2_facilitation_raises_the_release():
    """With tau_fac > 0 and a small U, u grows towards U / (1 - (1 - U) f)
    (f = exp(-isi / tau_fac)) and the early spikes carry more than the first."""
    U, tau_fac, isi = 0.05, 500.0, 20.0
    w = _weights("tsodyks2_synapse", {"U": U, "u": U, "tau_fac": tau_fac, "tau_rec": 50.0},
                 isi, n_spikes=600)
    assert w[1] > w[0] and w[2] > w[1]
    f = math.exp(-isi / tau_fac)
    u_ss = U / (1.0 - (1.0 - U) * f)
    e = math.exp(-isi / 50.0)
    x_ss = (1.0 - e) / (1.0 - (1.0 - u_ss) * e)
    assert w[-1] == pytest.approx(u_ss * x_ss, rel=1e-9)


def test_tsodyks_first_spike_and_recovery():
    """tsodyks_synapse: the first spike releases U x (u starts at 0); after a
    long pause the resources have recovered and the release is U again."""
    w = _weights("tsodyks_synapse", {"U": 0.4, "tau_rec": 50.0}, isi=2000.0, n_spikes=3)
    assert w[0] == pytest.approx(0.4, rel=1e-15)
    assert w[1] == pytest.approx(0.4, rel=1e-12) and w[2] == pytest.approx(0.4, rel=1e-12)
    w = _weights("tsodyks_synapse", {"U": 0.4, "tau_rec": 50.0}, isi=5.0, n_spikes=3)
    assert w[1] < w[0]


def test_parameter_checks():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_exp", 2)
    with pytest.raises(nest.NESTErrors.BadProperty, match="U"):
        nest.Connect(n, n, syn_spec={"synapse_model": "tsodyks2_synapse", "U": 1.5})
    with pytest.raises(nest.NESTErrors.BadProperty, match="tau_rec"):
        nest.Connect(n, n, syn_spec={"synapse_model": "tsodyks_synapse", "tau_rec": 0.0})
    with pytest.raises(nest.NESTErrors.BadProperty, match="x \\+ y"):
        nest.Connect(n, n, syn_spec={"synapse_model": "tsodyks_synapse", "x": 0.7, "y": 0.5})
    assert nest.GetKernelStatus("num_connections") == 0
    nest.Connect(n, n, syn_spec={"synapse_model": "tsodyks_synapse", "x": 0.7, "y": 0.2})
    c = nest.GetConnections(synapse_model="tsodyks_synapse")
    with pytest.raises(nest.NESTErrors.BadProperty, match="x \\+ y"):
        c.set({"y": 0.5})
    with pytest.raises(nest.NESTErrors.BadProperty, match="tau_fac"):
        c.set({"tau_fac": -1.0})
    assert np.allclose(c.get("y"), 0.2)
    d = nest.GetDefaults("tsodyks2_synapse")
    assert (d["U"], d["u"], d["x"], d["tau_rec"], d["tau_fac"]) == (0.5, 0.5, 1.0, 800.0, 0.0)
    assert "t_last" not in d


def _quantal_releases(seed, n_spikes=10000, isi=20.0, n=5, U=0.3, tau_rec=50.0):
    nest.ResetKernel()
    nest.rng_seed = seed
    wr = nest.Create("weight_recorder")
    nest.CopyModel("quantal_stp_synapse", "q_rec", {"weight_recorder": wr})
    sg = nest.Create("spike_generator",
                     params={"spike_times": [10.0 + isi * i for i in range(n_spikes)]})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron")
    nest.Connect(sg, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "q_rec", "weight": 1.0, "n": n, "a": n,
                                      "U": U, "u": U, "tau_rec": tau_rec})
    nest.Simulate(20.0 + isi * n_spikes)
    ev = wr.get("events")
    return np.asarray(ev["times"]), np.asarray(ev["weights"])


def test_quantal_stp_mean_release_matches_the_expectation():
    """Released sites per spike: at steady state the available sites before a
    spike average n p / (1 - (1 - U)(1 - p)) (p = 1 - exp(-isi/tau_rec), the
    recovery probability), each released with probability U: the mean
    transmitted weight per presynaptic spike is U times that (within 4 s.e.)."""
    n, U, isi, tau_rec, n_spikes = 5, 0.3, 20.0, 50.0, 10000
    t, w = _quantal_releases(11, n_spikes, isi, n, U, tau_rec)
    p = 1.0 - math.exp(-isi / tau_rec)
    expected = U * n * p / (1.0 - (1.0 - U) * (1.0 - p))
    per_spike = np.zeros(n_spikes)
    per_spike[np.rint((t - 11.0) / isi).astype(int)] = w      # stamps: spike time + 1 ms
    assert np.all(w == np.rint(w)) and w.min() >= 1 and w.max() <= n
    se = per_spike.std() / math.sqrt(n_spikes) * 2.0          # (serial correlation margin)
    assert abs(per_spike.mean() - expected) < 4 * se, (per_spike.mean(), expected, se)
    # the same seed gives the same releases; another seed others
    t2, w2 = _quantal_releases(11, 2000, isi, n, U, tau_rec)
    t3, w3 = _quantal_releases(11, 2000, isi, n, U, tau_rec)
    t4, w4 = _quantal_releases(12, 2000, isi, n, U, tau_rec)
    assert np.array_equal(t2, t3) and np.array_equal(w2, w3)
    assert not (len(t2) == len(t4) and np.array_equal(w2, w4))
