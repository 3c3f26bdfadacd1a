"""Statistics of the random stimulation devices.

poisson_generator: every target gets an independent Poisson train of the
set rate; noise_generator: independent Gaussian currents with the set mean
and standard deviation, renewed every ``dt``.  Bands are 5 standard errors.
"""
import numpy as np
import pytest

import pynestlite as nest


def test_poisson_generator_rate_and_independence():
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 11})
    rate, T, n = 50.0, 2000.0, 400
    pg = nest.Create("poisson_generator", params={"rate": rate})
    parrots = nest.Create("parrot_neuron", n)
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, parrots)
    nest.Connect(parrots, sr)
    nest.Simulate(T)
    ev = sr.get("events")
    counts = np.bincount(ev["senders"] - parrots[0].global_id, minlength=n)
    expected = rate * T / 1000.0                       # 100 spikes per train
    total_se = np.sqrt(expected * n)
    assert abs(counts.sum() - expected * n) < 5 * total_se
    # Poisson counts: Fano factor 1 (var/mean) within its sampling error
    fano = counts.var(ddof=1) / counts.mean()
    assert abs(fano - 1.0) < 5 * np.sqrt(2.0 / (n - 1))
    # independent trains: correlation of binned counts of different parrots ~ 0
    bins = np.arange(0, T + 10.0, 10.0)
    a = np.histogram(ev["times"][ev["senders"] == parrots[0].global_id], bins)[0]
    b = np.histogram(ev["times"][ev["senders"] == parrots[1].global_id], bins)[0]
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r) < 5 / np.sqrt(len(bins) - 1)
    # spikes only on the grid, inside the simulated time
    assert ev["times"].min() > 0 and ev["times"].max() <= T


def test_poisson_generator_start_stop():
    nest.ResetKernel()
    pg = nest.Create("poisson_generator", params={"rate": 20000.0, "start": 100.0, "stop": 200.0})
    p = nest.Create("parrot_neuron")
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, p, syn_spec={"delay": 1.0})
    nest.Connect(p, sr)
    nest.Simulate(300.0)
    t = sr.get("events")["times"]
    # active in update steps s with 100 ms < s h <= 200 ms (NEST's rule), i.e. 1000
    # steps of mean 2 spikes; the spike of step s is stamped s + 1 and the
    # parrot re-emits it one delay (1 ms) later: times in [101.2, 201.1]
    assert abs(len(t) - 2000) < 5 * np.sqrt(2000)
    assert t.min() >= 101.2 - 1e-9 and t.max() <= 201.1 + 1e-9


def test_noise_generator_mean_and_std():
    """An integrator (tau_m huge, no threshold) sums the noise current:
    V(T) - V(0) = (dt / C_m) * sum of the T/dt amplitudes of its own train."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 5})
    n, T, dt, mean, std, C = 2000, 1000.0, 1.0, 10.0, 50.0, 1.0
    nrn = nest.Create("iaf_psc_delta", n, {"tau_m": 1e12, "C_m": C, "V_th": 1e12,
                                           "E_L": 0.0, "V_m": 0.0, "V_reset": 0.0})
    ng = nest.Create("noise_generator", params={"mean": mean, "std": std, "dt": dt})
    nest.Connect(ng, nrn, syn_spec={"delay": 0.1})
    nest.Simulate(T)
    v = np.asarray(nrn.get("V_m"))
    k = T / dt                                          # amplitudes summed (one may be cut)
    exp_mean = dt * mean * k / C
    exp_std = dt * std * np.sqrt(k) / C
    # the last amplitude may act for only part of its interval: allow one dt
    assert abs(v.mean() - exp_mean) < 5 * exp_std / np.sqrt(n) + dt * mean / C
    assert abs(v.std(ddof=1) / exp_std - 1.0) < 5 * np.sqrt(1.0 / (2 * (n - 1))) + 0.01
    # independent currents per target
    assert len(np.unique(v)) == n


def _sinusoidal(individual, n=200, T=2000.0, rate=40.0, amp=30.0, f=5.0):
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 9})
    if not individual:
        nest.CopyModel("sinusoidal_poisson_generator", "spg_shared",
                       {"individual_spike_trains": False})
    g = nest.Create("sinusoidal_poisson_generator" if individual else "spg_shared",
                    params={"rate": rate, "amplitude": amp, "frequency": f, "phase": 0.0})
    parrots = nest.Create("parrot_neuron", n)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, parrots, syn_spec={"delay": 0.1})
    nest.Connect(parrots, sr)
    nest.Simulate(T)
    return sr.get("events"), parrots


def test_sinusoidal_poisson_rate_and_modulation():
    rate, amp, f, T, n = 40.0, 30.0, 5.0, 2000.0, 200
    ev, parrots = _sinusoidal(True, n, T, rate, amp, f)
    t = ev["times"] - 0.2                 # generator step end + parrot delay
    expected = rate * T / 1000.0 * n      # 16,000 spikes
    assert abs(len(t) - expected) < 5 * np.sqrt(expected)
    # first Fourier coefficient of the spike times at f: amp/rate of modulation
    phase = 2 * np.pi * f * t / 1000.0
    est_amp = 2 * np.mean(np.sin(phase)) * rate
    assert abs(est_amp - amp) < 5 * rate * np.sqrt(2.0 / len(t))
    assert abs(2 * np.mean(np.cos(phase)) * rate) < 5 * rate * np.sqrt(2.0 / len(t))
    # independent trains per target
    counts = np.bincount(ev["senders"] - parrots[0].global_id, minlength=n)
    assert len(np.unique(counts)) > 10


def test_sinusoidal_poisson_shared_train_and_prototype_only_flag():
    ev, parrots = _sinusoidal(False, n=5, T=500.0)
    per = [np.sort(ev["times"][ev["senders"] == g]) for g in parrots.tolist()]
    assert len(per[0]) > 5
    for p in per[1:]:
        np.testing.assert_array_equal(p, per[0])      # one train shared by all targets
    g = nest.Create("sinusoidal_poisson_generator")
    with pytest.raises(nest.BadProperty, match="individual_spike_trains"):
        g.set(individual_spike_trains=False)


def test_inhomogeneous_poisson_generator_switches_rates_as_nest():
    """NEST 3.10, same script: with 1e6 Hz every active step spikes; the
    parrots' first and last spikes and the silent gap match NEST's."""
    nest.ResetKernel()
    g = nest.Create("inhomogeneous_poisson_generator",
                    params={"rate_times": [5.0, 10.0, 12.3], "rate_values": [1e6, 0.0, 1e6]})
    g.set(start=2.0, stop=14.0)
    p = nest.Create("parrot_neuron", 2)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, p, syn_spec={"delay": 1.0})
    nest.Connect(p, sr)
    nest.Simulate(20.0)
    ev = sr.events
    trains = [ev["times"][ev["senders"] == gid] for gid in p.tolist()]
    for t in trains:
        assert (t.min(), t.max()) == (6.0, 15.1)              # NEST: 6.0 and 15.1
        steps = np.unique(np.round(t / 0.1).astype(int))
        assert len(steps) == 69                               # every active step
        assert np.max(np.diff(steps)) == 24                   # the 2.4 ms pause
        assert abs(len(t) - 6900) < 5 * np.sqrt(6900)         # Poisson(100) per step
    assert not np.array_equal(trains[0], trains[1]) or len(trains[0]) != len(trains[1])


def test_inhomogeneous_poisson_generator_rates_and_independence():
    nest.ResetKernel()
    g = nest.Create("inhomogeneous_poisson_generator",
                    params={"rate_times": [100.0, 600.0], "rate_values": [40.0, 10.0]})
    p = nest.Create("parrot_neuron", 400)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, p)
    nest.Connect(p, sr)
    nest.Simulate(1100.0)
    ev = sr.events
    early = np.bincount(ev["senders"][(ev["times"] > 101.0) & (ev["times"] <= 601.0)]
                        - p[0].global_id, minlength=400)
    late = np.bincount(ev["senders"][ev["times"] > 601.0] - p[0].global_id, minlength=400)
    assert np.sum(ev["times"] <= 100.0) == 0                  # rate 0 before the first time
    for counts, mean in ((early, 20.0), (late, 5.0)):         # 40 Hz and 10 Hz for 0.5 s
        assert abs(counts.mean() - mean) < 4 * np.sqrt(mean / 400)
        assert abs(counts.var() / counts.mean() - 1.0) < 0.25  # Poisson: Fano factor 1
    assert abs(np.corrcoef(early[::2], early[1::2])[0, 1]) < 0.2     # independent trains
    with pytest.raises(nest.BadProperty, match="rate_values"):
        g.set(rate_times=[1.0], rate_values=[-5.0])
    with pytest.raises(nest.BadProperty, match="reset together"):
        g.set(rate_times=[1.0])
    with pytest.raises(nest.BadProperty, match="strictly increasing"):
        g.set(rate_times=[2.0, 2.0], rate_values=[1.0, 2.0])


@pytest.mark.parametrize("model", ["sinusoidal_poisson_generator", "sinusoidal_gamma_generator"])
@pytest.mark.parametrize("individual", [True, False])
def test_sinusoidal_generators_into_spike_recorders(model, individual):
    # (NEST's example sinusoidal_poisson_generator.py): a recorder connected
    # to the generator records a train of its own (or the shared one)
    nest.ResetKernel()
    nest.SetDefaults(model, {"individual_spike_trains": individual})
    g = nest.Create(model, params={"rate": 200.0, "amplitude": 100.0, "frequency": 10.0})
    parrot = nest.Create("parrot_neuron")
    sr, sp = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(g, sr)
    nest.Connect(g, parrot, syn_spec={"delay": 1.0})
    nest.Connect(parrot, sp)
    nest.Simulate(1000.0)
    t = sr.get("events", "times")
    assert abs(len(t) - 200.0) < 5 * np.sqrt(200.0)
    assert set(sr.get("events", "senders")) == {g.global_id}
    tp = sp.get("events", "times") - 1.0          # the parrot's delay
    if individual:
        assert not np.array_equal(np.sort(t), np.sort(tp))
    else:
        np.testing.assert_allclose(np.sort(t), np.sort(tp), atol=1e-9)
