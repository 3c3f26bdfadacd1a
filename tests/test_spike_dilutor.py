"""spike_dilutor: each mother spike reaches each target with probability p_copy.

NEST's own draws differ from pynestlite's (counter-based streams keyed by
dilutor, target and step), so the random cases are checked statistically;
the deterministic ones (p_copy 0 and 1, windows, delays, multiplicities)
against NEST 3.10 in tests/scenarios.py (``run_spike_dilutor``).
"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, IllegalConnection, UnknownReceptorType

N_MOTHER = 2000
N_TARGETS = 20
D_IN, D_OUT, D_PARROT = 1.0, 1.5, 1.0


def dilute(p_copy, seed=1, n_targets=N_TARGETS, multiplicity=1):
    """Mother spikes every 0.5 ms (from a parrot) -> dilutor -> parrots.
    Returns the mother spike times and, per target, its spike times."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    times = 1.0 + 0.5 * np.arange(N_MOTHER)
    sg = nest.Create("spike_generator", params={
        "spike_times": times, "spike_multiplicities": [multiplicity] * N_MOTHER})
    mother = nest.Create("parrot_neuron")
    dil = nest.Create("spike_dilutor", params={"p_copy": p_copy})
    tgt = nest.Create("parrot_neuron", n_targets)
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, mother, syn_spec={"delay": D_PARROT})
    nest.Connect(mother, dil, syn_spec={"delay": D_IN})
    nest.Connect(dil, tgt, syn_spec={"delay": D_OUT})
    nest.Connect(tgt, sr)
    nest.Simulate(times[-1] + 10.0)
    ev = sr.get("events")
    senders, t = np.asarray(ev["senders"]), np.asarray(ev["times"])
    # a target parrot spikes D_PARROT + D_IN + D_OUT after the generator
    mother_t = times + D_PARROT
    per_target = [np.sort(t[senders == g]) - (D_IN + D_OUT) for g in tgt.tolist()]
    return mother_t, per_target


def _index(mother_t, t):
    """Mother-spike index of each (shifted) spike time."""
    return np.rint((t - mother_t[0]) / 0.5).astype(np.int64)


def test_defaults_and_status():
    nest.ResetKernel()
    d = nest.GetDefaults("spike_dilutor")
    assert d["p_copy"] == 1.0
    assert d["element_type"] == "stimulator"
    assert d["start"] == 0.0 and d["origin"] == 0.0
    dil = nest.Create("spike_dilutor", params={"p_copy": 0.25, "start": 5.0})
    assert dil.get("p_copy") == 0.25
    assert dil.get("start") == 5.0


@pytest.mark.parametrize("p", [-0.1, 1.5, np.nan])
def test_p_copy_outside_unit_interval_raises(p):
    nest.ResetKernel()
    msg = "p_copy' must be a finite" if np.isnan(p) else r"p_copy must be in \[0, 1\]"
    with pytest.raises(BadProperty, match=msg):
        nest.Create("spike_dilutor", params={"p_copy": p})
    dil = nest.Create("spike_dilutor", params={"p_copy": 0.5})
    with pytest.raises(BadProperty, match="p_copy"):
        dil.set(p_copy=p)
    assert dil.get("p_copy") == 0.5            # nothing half-set
    with pytest.raises(BadProperty, match="p_copy"):
        nest.SetDefaults("spike_dilutor", {"p_copy": p})
    assert nest.GetDefaults("spike_dilutor")["p_copy"] == 1.0


def test_bad_connections_raise():
    nest.ResetKernel()
    dil = nest.Create("spike_dilutor")
    n = nest.Create("iaf_psc_alpha")
    pg = nest.Create("poisson_generator")
    with pytest.raises(UnknownReceptorType, match="Receptor type 1 is not available"):
        nest.Connect(n, dil, syn_spec={"receptor_type": 1})
    with pytest.raises(IllegalConnection, match="parrot_neuron"):
        nest.Connect(pg, dil)
    with pytest.raises(IllegalConnection):
        nest.Connect(n, dil, syn_spec={"synapse_model": "stdp_synapse"})


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_deterministic_limits(p):
    mother_t, per_target = dilute(p, n_targets=3)
    for t in per_target:
        if p == 1.0:
            np.testing.assert_allclose(t, mother_t, atol=1e-9)
        else:
            assert len(t) == 0


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_copy_fraction_and_independence(p):
    mother_t, per_target = dilute(p)
    n = N_MOTHER
    copied = np.zeros((N_TARGETS, n), bool)
    for j, t in enumerate(per_target):
        idx = _index(mother_t, t)
        assert len(np.unique(idx)) == len(idx) and idx.min() >= 0 and idx.max() < n
        copied[j, idx] = True
    # each target: Binomial(n, p) copies, within 5 standard deviations
    sd = np.sqrt(n * p * (1 - p))
    counts = copied.sum(axis=1)
    assert np.all(np.abs(counts - n * p) < 5 * sd), (counts, n * p, sd)
    # all targets together: Binomial(n * N_TARGETS, p)
    total = counts.sum()
    assert abs(total - n * N_TARGETS * p) < 5 * np.sqrt(n * N_TARGETS * p * (1 - p))
    # independence: two targets share a mother spike with probability p^2
    both = np.array([np.sum(copied[a] & copied[b])
                     for a in range(N_TARGETS) for b in range(a + 1, N_TARGETS)])
    q = p * p
    assert abs(both.mean() - n * q) < 5 * np.sqrt(n * q * (1 - q) / len(both)) + 1e-9
    assert np.all(np.abs(both - n * q) < 6 * np.sqrt(n * q * (1 - q)))
    # and the children differ from each other
    assert len({c.tobytes() for c in copied}) == N_TARGETS


def test_multiplicity_is_thinned_per_spike():
    # a mother spike of multiplicity 3 gives Binomial(3, p) copies per target
    p = 0.4
    mother_t, per_target = dilute(p, n_targets=5, multiplicity=3)
    for t in per_target:
        idx = _index(mother_t, t)
        c = np.bincount(idx, minlength=N_MOTHER)
        assert c.max() <= 3
        m = 3 * p
        assert abs(c.mean() - m) < 5 * np.sqrt(3 * p * (1 - p) / N_MOTHER)
        # Binomial(3, p) has P(3 copies) = p^3
        assert abs(np.mean(c == 3) - p ** 3) < 5 * np.sqrt(p ** 3 * (1 - p ** 3) / N_MOTHER)


def test_same_seed_same_copies_other_seed_different():
    _, a = dilute(0.5, seed=3, n_targets=4)
    _, b = dilute(0.5, seed=3, n_targets=4)
    _, c = dilute(0.5, seed=4, n_targets=4)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(len(x) != len(z) or not np.array_equal(x, z) for x, z in zip(a, c))


def test_activity_window_tested_per_slice():
    # min_delay 1 ms: the window is tested at each slice's first step (as NEST)
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [4.0, 10.0, 10.5, 11.5, 20.0]})
    par = nest.Create("parrot_neuron")
    dil = nest.Create("spike_dilutor", params={"start": 3.0, "stop": 12.0})
    tgt = nest.Create("parrot_neuron")
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, par)
    nest.Connect(par, dil)
    nest.Connect(dil, tgt)
    nest.Connect(tgt, sr)
    nest.Simulate(30.0)
    # the mother spikes (parrot: 5, 11, 11.5, 12.5, 21 ms) arrive in the
    # dilutor's steps 5.9, 11.9, 12.4, 13.4, 21.9 ms; the slice starting at
    # 12 ms is active (12 <= stop), so 12.4 is repeated, the later ones not
    np.testing.assert_allclose(sr.get("events")["times"], [7.0, 13.0, 13.5])


def test_split_runs_keep_pending_spikes():
    # spikes in flight to the dilutor at the end of a run arrive in the next
    mother_t, whole = dilute(0.5, seed=8, n_targets=3)
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 8})
    times = 1.0 + 0.5 * np.arange(N_MOTHER)
    sg = nest.Create("spike_generator", params={"spike_times": times,
                                                "spike_multiplicities": [1] * N_MOTHER})
    mother = nest.Create("parrot_neuron")
    dil = nest.Create("spike_dilutor", params={"p_copy": 0.5})
    tgt = nest.Create("parrot_neuron", 3)
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, mother, syn_spec={"delay": D_PARROT})
    nest.Connect(mother, dil, syn_spec={"delay": D_IN})
    nest.Connect(dil, tgt, syn_spec={"delay": D_OUT})
    nest.Connect(tgt, sr)
    total = times[-1] + 10.0
    for chunk in (333.3, 0.4, 200.0):
        nest.Simulate(chunk)
    nest.Simulate(round(total - 533.7, 1))
    ev = sr.get("events")
    for g, t in zip(tgt.tolist(), whole):
        got = np.sort(ev["times"][ev["senders"] == g]) - (D_IN + D_OUT)
        np.testing.assert_allclose(got, t, atol=1e-9)


def test_save_state_refuses_a_dilutor(tmp_path):
    # its mother spikes in flight are not in a checkpoint yet: a clear error
    from pynestlite.checkpoint import save_state
    from pynestlite.errors import KernelStateError
    nest.ResetKernel()
    par = nest.Create("parrot_neuron")
    dil = nest.Create("spike_dilutor")
    nest.Connect(par, dil)
    nest.Simulate(5.0)
    with pytest.raises(KernelStateError, match="spike_dilutor"):
        save_state(str(tmp_path / "state.h5"))
