"""The gif models (gif_psc_exp, gif_cond_exp and their multisynapse
variants): escape-noise spiking against its analytic rate, the adaptation
kernels, parameter checks, receptors and recordables.  (Agreement with NEST
3.10 where the dynamics are deterministic: the stored scenarios
``gif_drive`` and ``gif_multisynapse`` in test_models_vs_nest.py.)"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (BadProperty, IncompatibleReceptorType, KernelException,
                               UnaccessedDictionaryEntry)

GIF = ("gif_psc_exp", "gif_cond_exp", "gif_psc_exp_multisynapse", "gif_cond_exp_multisynapse")
H = 0.1


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def _constant_hazard(model, n, lam, t_ref, T, dV=0.0, Delta_V=0.5, seed=None):
    """``n`` nodes held at E_L (no input, reset to E_L), V_T_star = E_L - dV:
    the hazard is lam exp(dV/Delta_V) in every step outside refractoriness."""
    if seed is not None:
        nest.rng_seed = seed
    nodes = nest.Create(model, n, {"lambda_0": lam, "t_ref": t_ref, "V_reset": -70.0,
                                   "V_T_star": -70.0 - dV, "Delta_V": Delta_V})
    sr = nest.Create("spike_recorder")
    nest.Connect(nodes, sr)
    nest.Simulate(T)
    return nodes, sr.events["senders"], sr.events["times"]


@pytest.mark.parametrize("model", GIF)
def test_escape_rate_without_refractoriness(model):
    """t_ref = 0: a Bernoulli draw per step with p = 1 - exp(-lambda h).
    lambda h = 0.2, so p = 0.1813; lambda h itself (0.2) would be 50
    standard deviations away."""
    n, lam, T = 50, 2000.0, 1000.0
    _, senders, times = _constant_hazard(model, n, lam, 0.0, T)
    draws = n * round(T / H)
    p = -np.expm1(-lam * 1e-3 * H)
    sd = np.sqrt(draws * p * (1 - p))
    assert abs(len(times) - draws * p) < 5 * sd
    # at most one spike per step and node
    assert len(set(zip(senders.tolist(), np.round(times / H).astype(int).tolist()))) == \
        len(times)


@pytest.mark.parametrize("model", ("gif_psc_exp", "gif_cond_exp_multisynapse"))
def test_escape_rate_depends_on_voltage(model):
    """V 1 mV below V_T_star with Delta_V 0.5 mV: lambda_0 e^-2 ..., and
    1 mV above: lambda_0 e^2."""
    for dV, factor in ((-1.0, np.exp(-2.0)), (1.0, np.exp(2.0))):
        nest.ResetKernel()
        n, lam, T = 40, 200.0, 2000.0
        _, _, times = _constant_hazard(model, n, lam, 0.0, T, dV=dV)
        draws = n * round(T / H)
        p = -np.expm1(-lam * factor * 1e-3 * H)
        sd = np.sqrt(draws * p * (1 - p))
        assert abs(len(times) - draws * p) < 5 * sd, (dV, len(times), draws * p)


@pytest.mark.parametrize("model", GIF)
def test_renewal_with_dead_time(model):
    """t_ref 2 ms: after a spike in step s, draws resume in step s + 21; the
    inter-spike interval is 20 steps plus a geometric number of steps."""
    n, lam, T, t_ref = 20, 500.0, 5000.0, 2.0
    _, senders, times = _constant_hazard(model, n, lam, t_ref, T)
    p = -np.expm1(-lam * 1e-3 * H)
    R = round(t_ref / H)
    isi = np.concatenate([np.diff(times[senders == s]) for s in np.unique(senders)])
    steps = np.round(isi / H).astype(int)
    assert steps.min() == R + 1
    extra = steps - R            # geometric on 1, 2, ... with parameter p
    mean, sd = 1.0 / p, np.sqrt(1 - p) / p
    assert abs(extra.mean() - mean) < 5 * sd / np.sqrt(len(extra))
    # memoryless: P(extra = 1) = p
    k1 = np.sum(extra == 1)
    assert abs(k1 - len(extra) * p) < 5 * np.sqrt(len(extra) * p * (1 - p))
    rate = len(times) / n / (T * 1e-3)
    expected = 1.0 / ((R + 1.0 / p) * H * 1e-3)
    assert abs(rate - expected) < 0.05 * expected


def test_seeds():
    """Same seed, same spikes; another seed, other spikes."""
    runs = []
    for seed in (3, 3, 4):
        nest.ResetKernel()
        _, s, t = _constant_hazard("gif_psc_exp", 5, 300.0, 1.0, 500.0, seed=seed)
        runs.append((s.tolist(), t.tolist()))
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_lambda_zero_never_fires():
    n = nest.Create("gif_psc_exp", params={"lambda_0": 0.0, "I_e": 1e5})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(200.0)
    assert sr.n_events == 0 and n.V_m > 0.0


@pytest.mark.parametrize("model", GIF)
def test_kernels_jump_and_decay(model):
    """A hard threshold (huge lambda_0, tiny Delta_V) fires when V_m crosses
    V_T; at a spike every element jumps by its q; E_sfa and I_stc read the
    elements at the start of each step, before they decay by exp(-h/tau)."""
    tau_sfa, q_sfa, tau_stc, q_stc = [10.0, 50.0], [5.0, 2.0], [4.0], [30.0]
    n = nest.Create(model, params={"lambda_0": 1e6, "Delta_V": 1e-9, "I_e": 150.0,
                                   "V_T_star": -60.0, "t_ref": 500.0, "tau_sfa": tau_sfa,
                                   "q_sfa": q_sfa, "tau_stc": tau_stc, "q_stc": q_stc})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "E_sfa", "I_stc"],
                                           "interval": H})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(60.0)
    t_spk = sr.events["times"]
    assert len(t_spk) == 1                         # then refractory for 500 ms
    ev = mm.events
    t = ev["times"]
    before = t <= t_spk[0] + 1e-9
    assert np.all(ev["E_sfa"][before] == -60.0) and np.all(ev["I_stc"][before] == 0.0)
    assert np.all(ev["V_m"][t < t_spk[0] - 1e-9] < -60.0)
    after = ~before
    k = np.round((t[after] - t_spk[0]) / H) - 1    # steps of decay since the jump
    sfa = -60.0 + sum(q * np.exp(-H / tau) ** k for q, tau in zip(q_sfa, tau_sfa))
    stc = sum(q * np.exp(-H / tau) ** k for q, tau in zip(q_stc, tau_stc))
    np.testing.assert_allclose(ev["E_sfa"][after], sfa, rtol=1e-12)
    np.testing.assert_allclose(ev["I_stc"][after], stc, rtol=1e-12)
    # refractory: V_m held at V_reset from the step after the spike
    assert np.all(ev["V_m"][after] == -55.0)
    k = round((60.0 - t_spk[0]) / H) - 1            # the state after the last step
    assert n.E_sfa == pytest.approx(
        -60.0 + sum(q * np.exp(-H / tau) ** k for q, tau in zip(q_sfa, tau_sfa)), rel=1e-12)
    assert n.I_stc == pytest.approx(
        sum(q * np.exp(-H / tau) ** k for q, tau in zip(q_stc, tau_stc)), rel=1e-12)


def test_no_reset_without_refractory_period():
    """t_ref = 0: the neuron is never clamped, V_m is not reset."""
    n = nest.Create("gif_psc_exp", params={"lambda_0": 1e6, "Delta_V": 1e-9, "I_e": 150.0,
                                           "V_T_star": -60.0, "t_ref": 0.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(100.0)
    t = sr.events["times"]
    assert len(t) > 100
    np.testing.assert_allclose(np.diff(t), H, atol=1e-9)   # fires every step once above
    assert n.V_m > -60.0


def test_kernel_elements_carry_on_when_lists_grow():
    """Growing a kernel list keeps the running elements; the new one starts
    at 0."""
    params = {"lambda_0": 1e6, "Delta_V": 1e-9, "I_e": 150.0, "V_T_star": -60.0,
              "t_ref": 1000.0, "tau_sfa": [20.0], "q_sfa": [4.0]}
    a = nest.Create("gif_psc_exp", params=params)
    b = nest.Create("gif_psc_exp", params=params)
    nest.Simulate(50.0)
    b.set(tau_sfa=[20.0, 5.0], q_sfa=[4.0, 100.0])
    nest.Simulate(50.0)
    assert a.E_sfa > -60.0
    assert a.E_sfa == b.E_sfa


@pytest.mark.parametrize("model", GIF)
def test_defaults_and_recordables(model):
    d = nest.GetDefaults(model)
    expected = {"C_m": 80.0, "g_L": 4.0, "E_L": -70.0, "V_reset": -55.0, "t_ref": 4.0,
                "I_e": 0.0, "V_T_star": -35.0, "Delta_V": 0.5, "lambda_0": 1.0,
                "V_m": -70.0, "E_sfa": 0.0, "I_stc": 0.0}
    for key, value in expected.items():
        assert d[key] == value, key
    for key in ("tau_sfa", "q_sfa", "tau_stc", "q_stc"):
        assert len(d[key]) == 0
    rec = {"V_m", "E_sfa", "I_stc"}
    if model == "gif_psc_exp":
        rec |= {"I_syn_ex", "I_syn_in"}
        assert (d["tau_syn_ex"], d["tau_syn_in"]) == (2.0, 2.0)
    elif model == "gif_cond_exp":
        rec |= {"g_ex", "g_in"}
        assert (d["E_ex"], d["E_in"], d["gsl_error_tol"]) == (0.0, -85.0, 1e-3)
        assert (d["g_ex"], d["g_in"]) == (0.0, 0.0)
    else:
        np.testing.assert_array_equal(d["tau_syn"], [2.0])
        assert d["n_receptors"] == 1 and d["has_connections"] is False
        if "cond" in model:
            np.testing.assert_array_equal(d["E_rev"], [0.0])
    assert set(d["recordables"]) == rec
    n = nest.Create(model, params={"tau_sfa": [10.0, 20.0], "q_sfa": [1.0, 2.0]})
    np.testing.assert_array_equal(n.get("tau_sfa"), [10.0, 20.0])
    mm = nest.Create("multimeter", params={"record_from": sorted(rec)})
    nest.Connect(mm, n)
    nest.Simulate(5.0)
    assert {len(mm.events[key]) for key in rec} == {len(mm.events["times"])} != {0}


@pytest.mark.parametrize("model", GIF)
@pytest.mark.parametrize("bad, match", [
    ({"lambda_0": -10.0}, "lambda_0"),
    ({"g_L": 0.0}, "g_L"),
    ({"C_m": -1.0}, "C_m"),
    ({"Delta_V": 0.0}, "Delta_V"),
    ({"t_ref": -0.1}, "t_ref"),
    ({"tau_sfa": [120.0], "q_sfa": [10.0, 25.0]}, "same dimensions"),
    ({"tau_sfa": 120.0, "q_sfa": [10.0, 25.0]}, "tau_sfa"),
    ({"q_stc": [1.0]}, "same dimensions"),
    ({"tau_stc": [10.0, 0.0], "q_stc": [1.0, 2.0]}, "strictly positive"),
    ({"E_sfa": 1.0}, "read only"),
    ({"I_stc": 1.0}, "read only"),
])
def test_checks(model, bad, match):
    n = nest.Create(model)
    with pytest.raises(KernelException, match=match):
        n.set(bad)
    with pytest.raises(KernelException):
        nest.Create(model, params=bad)
    assert n.lambda_0 == 1.0 and len(n.tau_sfa) == 0


@pytest.mark.parametrize("model", ("gif_psc_exp", "gif_cond_exp"))
def test_synapse_time_constants_checked(model):
    n = nest.Create(model)
    with pytest.raises(BadProperty, match="synapse time constants"):
        n.set(tau_syn_ex=0.0)
    with pytest.raises(BadProperty, match="synapse time constants"):
        n.set(tau_syn_in=-2.0)


@pytest.mark.parametrize("model", ("gif_psc_exp_multisynapse", "gif_cond_exp_multisynapse"))
def test_multisynapse_receptors(model):
    cond = "cond" in model
    lists = {"tau_syn": [1.0, 3.0, 6.0]}
    if cond:
        lists["E_rev"] = [0.0, -80.0, 20.0]
    n = nest.Create(model, params=dict(lists, lambda_0=0.0))
    assert n.n_receptors == 3
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    for bad in (0, 4):
        with pytest.raises(IncompatibleReceptorType):
            nest.Connect(sg, n, syn_spec={"receptor_type": bad})
    with pytest.raises(BadProperty):
        n.set(tau_syn=[0.0, 1.0, 2.0], **({"E_rev": [0.0] * 3} if cond else {}))
    if cond:
        with pytest.raises(BadProperty, match="all of"):
            n.set(tau_syn=[1.0, 2.0])
        with pytest.raises(BadProperty, match="same size"):
            n.set(tau_syn=[1.0, 2.0], E_rev=[0.0])
    nest.Connect(sg, n, syn_spec={"receptor_type": 3, "weight": 5.0})
    assert n.has_connections
    shrink = {"tau_syn": [1.0, 3.0]}
    if cond:
        shrink["E_rev"] = [0.0, -80.0]
    with pytest.raises(BadProperty, match="connections"):
        n.set(shrink)
    assert n.n_receptors == 3
    # each receptor acts with its own time constant (and reversal potential)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": H})
    nest.Connect(mm, n)
    nest.Simulate(30.0)
    v = mm.events["V_m"]
    assert v.max() > v[0] + 0.01
    if cond:
        g = n.get("g")
        assert len(g) == 3 and g[2] > 0.0 and g[0] == 0.0


def test_cond_multisynapse_rejects_negative_weights():
    n = nest.Create("gif_cond_exp_multisynapse", params={"lambda_0": 0.0})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(sg, n, syn_spec={"receptor_type": 1, "weight": -1.0})
    with pytest.raises(BadProperty, match="weights"):
        nest.Simulate(10.0)


def test_multisynapse_psc_signs_and_receptors():
    """Receptors of gif_psc_exp_multisynapse take weights of both signs; a
    receptor with the time constants of gif_psc_exp's excitatory synapse
    gives its membrane trajectory delayed by one step (the multisynapse
    model updates V_m with the PSCs of the previous step)."""
    common = {"lambda_0": 0.0}
    ms = nest.Create("gif_psc_exp_multisynapse", params=dict(common, tau_syn=[2.0, 4.0]))
    ps = nest.Create("gif_psc_exp", params=dict(common, tau_syn_ex=2.0, tau_syn_in=4.0))
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 7.0]})
    nest.Connect(sg, ms, syn_spec={"receptor_type": 1, "weight": 80.0})
    nest.Connect(sg, ms, syn_spec={"receptor_type": 2, "weight": -30.0})
    nest.Connect(sg, ps, syn_spec={"weight": 80.0})
    nest.Connect(sg, ps, syn_spec={"weight": -30.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": H})
    nest.Connect(mm, ms + ps)
    nest.Simulate(20.0)
    ev = mm.events
    vm = ev["V_m"][ev["senders"] == ms.global_id]
    vp = ev["V_m"][ev["senders"] == ps.global_id]
    assert vm.max() > vm[0] + 0.1 and vm.min() < vm.max()
    np.testing.assert_allclose(vm[1:], vp[:-1], rtol=1e-12, atol=1e-12)


def test_checkpoint_keeps_adaptation(tmp_path):
    """The kernel elements are node state: a run saved and loaded into the
    same network continues with the same spikes and threshold."""
    def build():
        nest.ResetKernel()
        n = nest.Create("gif_psc_exp", 3, {"lambda_0": 50.0, "I_e": 60.0, "V_T_star": -60.0,
                                           "tau_sfa": [30.0, 200.0], "q_sfa": [4.0, 1.0],
                                           "tau_stc": [20.0], "q_stc": [15.0]})
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        return n, sr

    n, sr = build()
    nest.Simulate(600.0)
    full = (sr.events["times"][sr.events["times"] > 300.0].tolist(), n.get("E_sfa"))
    n, sr = build()
    nest.Simulate(300.0)
    nest.save_state(tmp_path / "g.h5")
    n, sr = build()
    nest.load_state(tmp_path / "g.h5")
    nest.Simulate(300.0)
    assert len(full[0]) > 10
    assert (sr.events["times"].tolist(), n.get("E_sfa")) == full
