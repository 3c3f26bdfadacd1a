"""iaf_cond_exp_zoh (the PING neuron of seed 004) against the closed form of
the seed's equations (1)-(8), and the PING example's quick mode."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, UnknownReceptorType

H = 0.1
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def reference(n_steps, p, V0, g_ex0, g_in0, kicks=None):
    """The seed's step, written out: per step t -> t+1 the conductances
    (receptor 0: kick then decay, eqs. 7-8; receptor 1: decay then kick,
    eq. 6), the zero-order-hold membrane update with the new conductances,
    then spike / reset / refractory countdown.  ``kicks[t]`` is
    (ex0, in0, ex1, in1), the weights read at step t.  Returns V_m, g_ex,
    g_in after each step and the spike steps."""
    a, c = np.exp(-H / p["tau_syn_ex"]), np.exp(-H / p["tau_syn_in"])
    ref_steps = int(round(p["t_ref"] / H))
    V, ge, gi, r = V0, g_ex0, g_in0, 0
    out, spikes = [], []
    for t in range(n_steps):
        ex0, in0, ex1, in1 = (kicks or {}).get(t, (0.0, 0.0, 0.0, 0.0))
        ge = a * (ge + ex0) + ex1
        gi = c * (gi + in0) + in1
        g_tot = p["g_L"] + ge + gi
        V_inf = (p["g_L"] * p["E_L"] + ge * p["E_ex"] + gi * p["E_in"] + p["I_e"]) / g_tot
        V = V_inf + (V - V_inf) * np.exp(-H / (p["C_m"] / g_tot))
        if r > 0:
            r -= 1
            V = p["V_reset"]
        elif V >= p["V_th"]:
            spikes.append(t)
            r = ref_steps
            V = p["V_reset"]
        out.append((V, ge, gi))
    return np.array(out), spikes


def simulate(params, steps, spikes=()):
    """One neuron for ``steps`` steps; ``spikes`` are (time, weight,
    receptor) sent by spike generators with delay h.  V_m, g_ex, g_in after
    each step and the spike times."""
    nest.ResetKernel()
    n = nest.Create("iaf_cond_exp_zoh", params=params)
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "g_ex", "g_in"],
                                           "interval": H})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    for t, w, rec in spikes:
        sg = nest.Create("spike_generator", params={"spike_times": [t]})
        nest.Connect(sg, n, syn_spec={"weight": w, "delay": H, "receptor_type": rec})
    nest.Simulate(steps * H + 2.0)        # (samples lag the run by a slice, as NEST)
    ev = mm.get("events")
    trace = np.column_stack([ev["V_m"], ev["g_ex"], ev["g_in"]])[:steps]
    return trace, np.asarray(sr.get("events")["times"])


def defaults(**kw):
    d = {k: v for k, v in nest.GetDefaults("iaf_cond_exp_zoh").items()
         if k in ("E_L", "C_m", "g_L", "E_ex", "E_in", "tau_syn_ex", "tau_syn_in", "t_ref",
                  "V_th", "V_reset", "I_e")}
    d.update(kw)
    return d


def test_seed_defaults():
    d = nest.GetDefaults("iaf_cond_exp_zoh")
    assert (d["E_L"], d["E_ex"], d["E_in"], d["V_th"], d["V_reset"]) == (-65, 0, -80, -50, -65)
    assert (d["tau_syn_ex"], d["tau_syn_in"], d["t_ref"]) == (2.0, 9.0, 3.0)
    assert (d["C_m"], d["g_L"], d["V_m"]) == (1000.0, 50.0, -65.0)
    assert "receptor_types" not in d        # receptors 0 and 1, as iaf_psc_exp's 0 and 1


def test_one_step_is_the_closed_form():
    p = defaults(I_e=300.0)
    state = {"V_m": -58.0, "g_ex": 20.0, "g_in": 7.0}
    got, _ = simulate(dict(p, **state), 1)
    a, c = np.exp(-H / 2.0), np.exp(-H / 9.0)
    ge, gi = 20.0 * a, 7.0 * c
    g_tot = 50.0 + ge + gi
    V_inf = (50.0 * -65.0 + ge * 0.0 + gi * -80.0 + 300.0) / g_tot
    V = V_inf + (-58.0 - V_inf) * np.exp(-H * g_tot / 1000.0)
    np.testing.assert_allclose(got[0], [V, ge, gi], rtol=1e-12, atol=0)


def test_decay_before_and_after_the_kick():
    # a spike read at step t: receptor 0 (eqs. 7, 8) kicks, then decays;
    # receptor 1 (eq. 6) decays, then kicks
    p = defaults()
    kicks0 = {10: (30.0, 40.0, 0.0, 0.0)}
    kicks1 = {10: (0.0, 0.0, 30.0, 40.0)}
    got0, _ = simulate(p, 14, [(1.0, 30.0, 0), (1.0, -40.0, 0)])
    got1, _ = simulate(p, 14, [(1.0, 30.0, 1), (1.0, -40.0, 1)])
    ref0, _ = reference(14, p, -65.0, 0.0, 0.0, kicks0)
    ref1, _ = reference(14, p, -65.0, 0.0, 0.0, kicks1)
    np.testing.assert_allclose(got0, ref0, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got1, ref1, rtol=1e-12, atol=1e-300)
    # the step that reads the spike (step 10, recorded at 1.1 ms)
    assert got0[10, 1] == pytest.approx(30.0 * np.exp(-H / 2.0), rel=1e-14)
    assert got1[10, 1] == 30.0 and got1[10, 2] == 40.0
    assert got0[9, 1] == 0.0 and got1[9, 1] == 0.0
    assert got0[10, 0] < got1[10, 0]        # less depolarised: the kick decayed


@pytest.mark.parametrize("t_ref, C_m, g_L", [(3.0, 1000.0, 50.0), (1.5, 500.0, 100.0)])
def test_spikes_reset_and_refractory_countdown(t_ref, C_m, g_L):
    # E and I cells of the seed with a constant current and input spikes:
    # the whole trace, spikes included, is the closed form
    p = defaults(t_ref=t_ref, C_m=C_m, g_L=g_L, I_e=2000.0 * g_L / 50.0)
    inputs = [(0.5, 60.0, 1), (2.0, -25.0, 0), (4.4, 80.0, 0), (6.1, -10.0, 1)]
    kicks = {}
    for t, w, rec in inputs:
        k = kicks.setdefault(int(round(t / H)), [0.0] * 4)
        k[(0 if w > 0 else 1) + 2 * rec] += abs(w)
    steps = 400
    got, times = simulate(p, steps, inputs)
    times = times[times <= steps * H + 1e-9]
    ref, spikes = reference(steps, p, -65.0, 0.0, 0.0, {k: tuple(v) for k, v in kicks.items()})
    assert len(spikes) >= 3
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(times, (np.array(spikes) + 1) * H, rtol=0, atol=1e-12)
    # V_m is held at V_reset for t_ref / h steps after each spike step
    n_ref = int(round(t_ref / H))
    for s in [s for s in spikes if s + n_ref + 1 < steps]:
        assert np.all(got[s:s + n_ref + 1, 0] == -65.0)
        assert got[s + n_ref + 1, 0] != -65.0


def test_synchronous_order_between_two_neurons():
    # a spike emitted at step t with delay h is read by the target at step
    # t + 1 (the seed's "both populations read step-t spikes")
    nest.ResetKernel()
    pre = nest.Create("iaf_cond_exp_zoh", params={"I_e": 5000.0})
    post = nest.Create("iaf_cond_exp_zoh")
    sr = nest.Create("spike_recorder")
    mm = nest.Create("multimeter", params={"record_from": ["g_ex"], "interval": H})
    nest.Connect(pre, post, syn_spec={"weight": 10.0, "delay": H})
    nest.Connect(pre, sr)
    nest.Connect(mm, post)
    nest.Simulate(20.0)
    t_spike = sr.get("events")["times"][0]
    ev = mm.get("events")
    first = ev["times"][np.flatnonzero(ev["g_ex"] > 0)[0]]
    assert first == pytest.approx(t_spike + H, abs=1e-12)


def test_errors():
    nest.ResetKernel()
    n = nest.Create("iaf_cond_exp_zoh")
    with pytest.raises(BadProperty, match="g_L must be > 0"):
        n.set(g_L=0.0)
    with pytest.raises(BadProperty, match="g_in must be >= 0"):
        n.set(g_in=-1.0)
    with pytest.raises(BadProperty, match="V_reset must be smaller than V_th"):
        n.set(V_reset=-40.0)
    with pytest.raises(UnknownReceptorType, match="receptor_type 2"):
        nest.Connect(n, n, syn_spec={"receptor_type": 2})


# ---- the mean-field reduction (pynestlite.analysis.meanfield) -------------

def _mean_field():
    from pynestlite.analysis.meanfield import PingMeanField, Sigmoid
    return PingMeanField(Sigmoid(90.0, 1500.0, 350.0), Sigmoid(110.0, 2000.0, 140.0),
                         W_EI=127.0, W_IE=268.0, tau_E=20.0, tau_I=5.0, tau_AMPA=2.0,
                         tau_GABA=9.0)


def test_sigmoid_fit_recovers_its_parameters():
    from pynestlite.analysis.meanfield import Sigmoid
    true = Sigmoid(120.0, 900.0, 150.0)
    x = np.linspace(0.0, 2000.0, 25)
    fit = Sigmoid.fit(x, true(x))
    np.testing.assert_allclose([fit.r_max, fit.theta, fit.sigma], [120.0, 900.0, 150.0],
                               rtol=1e-6)
    np.testing.assert_allclose(fit.derivative(x), (fit(x + 1e-3) - fit(x - 1e-3)) / 2e-3,
                               rtol=1e-6, atol=1e-12)
    with pytest.raises(ValueError, match="need >= 4 points"):
        Sigmoid.fit(x[:3], true(x[:3]))


def test_fixed_point_and_jacobian_of_eqs_25_27():
    mf = _mean_field()
    for I_ext in (500.0, 1100.0, 3000.0):
        fp = mf.fixed_point(I_ext)
        np.testing.assert_allclose(mf.rhs(fp, I_ext), 0.0, atol=1e-9)
        # eq. 27 is the derivative of the vector field at the fixed point
        J = np.column_stack([(mf.rhs(fp + d, I_ext) - mf.rhs(fp - d, I_ext)) / (2 * d.sum())
                             for d in np.eye(4) * 1e-4])
        np.testing.assert_allclose(mf.jacobian(I_ext), J, rtol=1e-6, atol=1e-9)


def test_hopf_drive_and_frequency():
    mf = _mean_field()
    I_star, f_star = mf.hopf(0.0, 8000.0)
    assert 0.0 < I_star < 8000.0
    lam = mf.leading(I_star)
    assert abs(lam.real) < 1e-9 and lam.imag > 0
    assert mf.leading(I_star - 1.0).real < 0 < mf.leading(I_star + 1.0).real
    # on the axis the phase lags of the four low-pass stages of the negative
    # feedback loop add up to pi
    w = 2 * np.pi * f_star / 1000.0
    lags = sum(np.arctan(w * t) for t in (mf.tau_E, mf.tau_I, mf.tau_AMPA, mf.tau_GABA))
    assert lags == pytest.approx(np.pi, abs=1e-6)
    # no coupling, no Hopf
    mf.W_IE = 0.0
    assert np.isnan(mf.hopf(0.0, 8000.0)[0])


def test_kick_integral():
    from pynestlite.analysis.meanfield import kick_integral
    a = np.exp(-0.1 / 2.0)
    assert kick_integral(0.1, 2.0, True) == pytest.approx(0.1 / (1 - a), rel=1e-14)
    assert kick_integral(0.1, 2.0, False) == pytest.approx(0.1 * a / (1 - a), rel=1e-14)
    # the mean conductance of a Poisson train into the neuron is rate x weight x integral
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 3})
    n = nest.Create("iaf_cond_exp_zoh", 50, params={"V_th": 1e9})
    pg = nest.Create("poisson_generator", params={"rate": 2000.0})
    nest.Connect(pg, n, syn_spec={"weight": 3.0, "receptor_type": 1})
    mm = nest.Create("multimeter", params={"record_from": ["g_ex"], "interval": 1.0,
                                           "start": 50.0})
    nest.Connect(mm, n)
    nest.Simulate(2050.0)
    g = np.asarray(mm.get("events")["g_ex"])
    assert g.mean() == pytest.approx(3.0 * 2.0 * kick_integral(0.1, 2.0, True), rel=0.02)


# ---- the example's quick mode -----------------------------------------------

@pytest.fixture(scope="module")
def quick_ping(tmp_path_factory):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "ping_gamma", os.path.join(ROOT, "examples", "ping_gamma.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path_factory.mktemp("ping")
    result = mod.main(["--quick", "--out", str(out), "--json", str(out / "ping.json")])
    with open(out / "ping.json") as fh:
        stored = json.load(fh)
    return mod, result, stored, out


def test_quick_ping_keys_and_figures(quick_ping):
    mod, result, stored, out = quick_ping
    for key in ("gamma_peak_hz", "meanfield_f_star_hz", "onset_drive", "meanfield_onset_drive",
                "config"):
        assert key in stored
    assert stored["config"]["N_E"] == 800 and stored["config"]["quick"] is True
    for name in ("raster", "spectrum", "frequency_vs_drive", "eigenvalues", "fi_curves"):
        assert (out / f"{name}.png").exists()


def test_quick_ping_acceptance(quick_ping):
    mod, result, stored, out = quick_ping
    sweep = stored["coupling_sweep"]
    s0, s1 = sweep["0.0"], sweep["1.0"]
    # s = 0: feedforward COBA, no peak stands out over the whole drive sweep
    assert max(r["peak_ratio"] for r in stored["drive_sweep"]["0.0"]) < mod.PEAK_THRESHOLD
    assert s0["rate_I"] == 0.0
    # s = 1: a gamma peak, far above the threshold, and sparser E activity
    # per cycle at equal drive
    assert 25.0 <= s1["peak_hz"] <= 100.0
    assert s1["peak_ratio"] > 20 * mod.PEAK_THRESHOLD
    assert s1["active_fraction"] < 0.5 * s0["active_fraction"]
    assert s1["rate_I"] == pytest.approx(s1["peak_hz"], rel=0.2)   # I fires once a cycle
    # onset and the mean-field Hopf exist and are finite (their agreement is
    # reported, not asserted: see the README)
    assert stored["onset_drive"] > 0 and np.isfinite(stored["meanfield_onset_drive"])
    assert 10.0 < stored["meanfield_f_star_hz"] < 60.0
    assert stored["wall_s"] < 60.0


def test_fundamental_peak_of_a_volley_train():
    from pynestlite.analysis import rhythm
    # 40 cells firing together every 25 ms (sharp volleys: strong harmonics)
    t = np.repeat(np.arange(5.0, 2000.0, 25.0), 40)
    s = np.tile(np.arange(1, 41), len(t) // 40)
    counts = rhythm.binned_matrix(t, s, np.arange(1, 41), 0.0, 2000.0)
    f, ratio, pop = rhythm.coherence_spectrum(counts)
    k = rhythm.fundamental_peak(f, pop)
    assert f[k] == pytest.approx(40.0, abs=4.0)
    assert rhythm.interpolated_frequency(f, pop, k) == pytest.approx(40.0, abs=0.5)
    assert ratio[k] == pytest.approx(40.0, rel=1e-6)      # all cells in step
    # independent Poisson cells: the ratio stays near 1
    rng = np.random.default_rng(1)
    t = rng.uniform(0.0, 2000.0, 40 * 60)
    s = rng.integers(1, 41, len(t))
    f, ratio, pop = rhythm.coherence_spectrum(rhythm.binned_matrix(t, s, np.arange(1, 41), 0.0,
                                                                   2000.0))
    band = (f >= 10) & (f <= 200)
    assert 0.5 < ratio[band].mean() < 1.5 and ratio[band].max() < 3.0


def test_ping_network_does_not_depend_on_threads():
    import networks
    one = networks.ping_network(networks.Threaded(nest, 1))
    two = networks.ping_network(networks.Threaded(nest, 2))
    assert len(one["times"]) > 500 and np.ptp(one["g_in"]) > 10.0
    for k in one:
        assert np.array_equal(one[k], two[k]), k


def test_quick_ping_equal_rate_comparison(quick_ping):
    mod, result, stored, out = quick_ping
    matched = stored["rate_matched_s0_run"]
    s1 = stored["coupling_sweep"]["1.0"]
    # the s = 0 run found for the comparison at equal E rate has that rate
    assert matched["rate_E"] == pytest.approx(s1["rate_E"], rel=0.15)
    assert 0.0 < matched["active_fraction"] < 1.0
