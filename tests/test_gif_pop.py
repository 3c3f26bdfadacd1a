"""gif_pop_psc_exp, the mesoscopic population of gif neurons: the
stationary population rate against NEST 3.10's long-run value (binomial
and Poisson spike counts), spikes sent with multiplicity, the automatic
history length, re-initialisation by SetStatus, parameter checks and
status keys.  (Agreement with NEST where the dynamics are deterministic:
the stored scenario ``gif_pop_psc_exp_drive`` in test_models_vs_nest.py.)"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, UnaccessedDictionaryEntry

MODEL = "gif_pop_psc_exp"

# NEST 3.10, N = 500, I_e = 200 pA, other parameters default, resolution
# 0.5 ms, population rate (Hz) over 1 ... 21 s: mean of five seeds and its
# standard error; the standard deviation of one 20 s run is 0.016 Hz
# (from 1 s batch means).
NEST_RATE = {True: (6.632, 0.007), False: (6.613, 0.007)}
RUN_SD = 0.016


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def _population_rate(bino, seed, T=21000.0, h=0.5, N=500):
    nest.resolution = h
    nest.rng_seed = seed
    pop = nest.Create(MODEL, params={"N": N, "I_e": 200.0, "BinoRand": bino})
    mm = nest.Create("multimeter", params={"record_from": ["n_events", "mean"],
                                           "interval": h})
    nest.Connect(mm, pop)
    nest.Simulate(T)
    ev = mm.events
    keep = ev["times"] > 1000.0
    to_hz = 1000.0 / (N * h)
    return ev["n_events"][keep].mean() * to_hz, ev["mean"][keep].mean() * to_hz


@pytest.mark.parametrize("bino", [True, False])
def test_stationary_rate_matches_nest(bino):
    """The population rate and the rate of expected counts agree with NEST's
    within four standard errors of the difference."""
    rate, expected = _population_rate(bino, seed=12)
    ref, se = NEST_RATE[bino]
    tol = 4.0 * np.hypot(RUN_SD, se)
    assert abs(rate - ref) < tol, (rate, ref, tol)
    assert abs(expected - ref) < tol, (expected, ref, tol)


def test_counts_do_not_exceed_N_and_follow_mean():
    """A strongly driven small population: counts stay in [0, N] and average
    to the expected counts."""
    nest.resolution = 0.5
    pop = nest.Create(MODEL, params={"N": 20, "I_e": 600.0, "t_ref": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["n_events", "mean"],
                                           "interval": 0.5})
    nest.Connect(mm, pop)
    nest.Simulate(5000.0)
    n = mm.events["n_events"]
    m = mm.events["mean"]
    assert n.min() >= 0 and n.max() <= 20
    assert n.max() > 1
    # binomial counts: variance m (1 - m/N) per step
    se = np.sqrt(np.sum(m * (1 - m / 20.0))) / len(n)
    assert abs(n.mean() - m.mean()) < 5 * se


def test_spikes_carry_the_count_as_multiplicity():
    """Each step with n_events > 0 sends n_events spikes (one event of that
    multiplicity): a spike recorder sees them all, a downstream neuron gets
    weight times count."""
    nest.resolution = 0.5
    pop = nest.Create(MODEL, params={"N": 200, "I_e": 300.0})
    mm = nest.Create("multimeter", params={"record_from": ["n_events"], "interval": 0.5})
    sr = nest.Create("spike_recorder")
    target = nest.Create("iaf_psc_delta", params={"V_th": 1e9, "tau_m": 1e9, "E_L": 0.0,
                                                  "V_m": 0.0, "V_reset": 0.0, "C_m": 1.0})
    nest.Connect(mm, pop)
    nest.Connect(pop, sr)
    nest.Connect(pop, target, syn_spec={"weight": 0.25, "delay": 0.5})
    nest.Simulate(1000.0)
    counts = mm.events["n_events"]
    times = mm.events["times"]
    spikes = sr.events["times"]
    assert counts.sum() > 100
    per_step = np.bincount(np.round(spikes / 0.5).astype(int), minlength=2001)
    np.testing.assert_array_equal(per_step[np.round(times / 0.5).astype(int)], counts)
    assert per_step.sum() == len(spikes) and len(spikes) >= counts.sum()
    # the spikes of the last step are still in flight (delay 0.5 ms)
    arrived = np.sum(spikes < 1000.0)
    assert target.V_m == pytest.approx(0.25 * arrived, rel=1e-5)   # (tau_m 1e9 ms)


def test_input_weights_are_scaled_by_multiplicity():
    """Input is weight times multiplicity: one spike of multiplicity 4
    equals four spikes of weight w in the same step."""
    pops = nest.Create(MODEL, 2, {"lambda_0": 0.0})
    sg1 = nest.Create("spike_generator", params={"spike_times": [2.0],
                                                 "spike_multiplicities": [4]})
    sg2 = nest.Create("spike_generator", params={"spike_times": [2.0] * 4})
    nest.Connect(sg1, pops[0], syn_spec={"weight": 10.0})
    nest.Connect(sg2, pops[1], syn_spec={"weight": 10.0})
    nest.Simulate(10.0)
    a, b = pops.get("I_syn_ex")
    assert a > 0 and a == pytest.approx(b, rel=1e-14)
    assert pops.get("V_m")[0] == pytest.approx(pops.get("V_m")[1], rel=1e-14)


def test_automatic_history_length_and_reinitialisation():
    """len_kernel < 1 is replaced by the automatic length at the first run
    (defaults, h = 0.1: where the kernel 0.5 exp(-t/300) falls below
    0.1 Delta_V = 0.2, t = 300 ln 2.5 = 274.9 ms); a SetStatus starts the
    population afresh (all neurons just fired: no spikes expected for t_ref)."""
    pop = nest.Create(MODEL)
    mm = nest.Create("multimeter", params={"record_from": ["mean"], "interval": 0.1})
    nest.Connect(mm, pop)
    assert pop.len_kernel == -1
    nest.Simulate(50.0)
    assert pop.len_kernel == int(300.0 * np.log(2.5) / 0.1)
    pop.set({"I_e": 400.0})
    nest.Simulate(10.0)
    m = mm.events["mean"][mm.events["times"] > 50.0]
    assert np.all(m[:40] == 0.0)          # t_ref = 4 ms
    assert m[40] > 0.0


def test_status_keys_as_nest():
    pop = nest.Create(MODEL)
    d = pop.get()
    for key in ("tau_minus", "Ca", "t_spike", "tau_Ca", "beta_Ca", "tau_minus_triplet"):
        assert key not in d
    assert sorted(d["recordables"]) == ["E_sfa", "I_syn_ex", "I_syn_in", "V_m", "mean",
                                        "n_events"]
    assert d["N"] == 100 and isinstance(d["N"], int)
    assert d["BinoRand"] is True
    np.testing.assert_array_equal(d["tau_sfa"], [300.0])
    np.testing.assert_array_equal(d["q_sfa"], [0.5])
    assert d["n_events"] == 0 and d["mean"] == 0.0 and d["E_sfa"] == 0.0


@pytest.mark.parametrize("params", [
    {"C_m": 0.0}, {"tau_m": -1.0}, {"tau_syn_ex": 0.0}, {"tau_syn_in": -2.0}, {"N": 0},
    {"lambda_0": -1.0}, {"Delta_V": 0.0}, {"t_ref": -0.1}, {"tau_sfa": [10.0, 0.0],
                                                            "q_sfa": [1.0, 1.0]},
    {"tau_sfa": [10.0, 20.0]}, {"q_sfa": []}])
def test_bad_parameters(params):
    pop = nest.Create(MODEL)
    with pytest.raises(BadProperty):
        pop.set(params)
    assert pop.get("C_m") == 250.0 and pop.get("N") == 100


def test_read_only_state():
    pop = nest.Create(MODEL)
    for key in ("n_events", "mean", "E_sfa"):
        with pytest.raises(UnaccessedDictionaryEntry):
            pop.set({key: 1})


def test_empty_adaptation_lists_refused_at_simulate():
    pop = nest.Create(MODEL, params={"tau_sfa": [], "q_sfa": []})
    assert list(pop.tau_sfa) == []
    with pytest.raises(BadProperty):
        nest.Simulate(1.0)


def test_no_stdp_synapses_into_a_population():
    """As NEST, a population keeps no spike archive: a plastic synapse may
    start at it but not end there."""
    from pynestlite.errors import IllegalConnection
    pop = nest.Create(MODEL)
    n = nest.Create("iaf_psc_alpha")
    with pytest.raises(IllegalConnection):
        nest.Connect(n, pop, syn_spec={"synapse_model": "stdp_synapse"})
    nest.Connect(pop, n, syn_spec={"synapse_model": "stdp_synapse"})
    nest.Simulate(20.0)


def test_checkpoint_continues_the_population(tmp_path):
    """save_state / load_state carry the history buffers: a run split by a
    checkpoint equals the run in one piece."""
    from pynestlite.checkpoint import load_state, save_state

    def build():
        nest.ResetKernel()
        pop = nest.Create(MODEL, 2, {"N": 300, "I_e": 300.0})
        mm = nest.Create("multimeter", params={"record_from": ["n_events", "mean"],
                                               "interval": 0.1})
        nest.Connect(mm, pop)
        return mm

    mm = build()
    nest.Simulate(200.0)
    keep = mm.events["times"] > 100.0
    whole = {k: mm.events[k][keep] for k in ("n_events", "mean", "senders")}
    build()
    nest.Simulate(100.0)
    save_state(str(tmp_path / "state.h5"))
    mm = build()
    load_state(str(tmp_path / "state.h5"))
    nest.Simulate(100.0)
    assert whole["n_events"].sum() > 0
    for k in whole:
        np.testing.assert_array_equal(mm.events[k], whole[k])
