"""Smaller models of NEST's catalogue: iaf_psc_exp_htum, aeif_psc_delta,
ignore_and_fire, mat2_psc_exp, mip_generator.
(Spike-for-spike agreement with NEST 3.10: the stored scenarios
``exp_htum_drive`` and ``aeif_psc_delta_drive`` in test_models_vs_nest.py.)"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, UnaccessedDictionaryEntry


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def test_htum_refractory_periods():
    """Absolute 2 ms (V_m clamped), total 5 ms (no spike): with a strong
    constant drive the inter-spike interval is the total period, and V_m
    moves again after the absolute one."""
    n = nest.Create("iaf_psc_exp_htum", params={"I_e": 5000.0, "t_ref_abs": 2.0,
                                                "t_ref_tot": 5.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(40.0)
    t = sr.events["times"]
    assert len(t) >= 5
    np.testing.assert_allclose(np.diff(t), 5.0 + 0.1, atol=1e-9)
    v, tv = mm.events["V_m"], mm.events["times"]
    after = (tv > t[0]) & (tv <= t[0] + 2.0 + 1e-9)
    # (the multimeter shows V_m relative to E_L, as NEST's recordable)
    assert np.all(v[after] == nest.GetDefaults("iaf_psc_exp_htum", "V_reset") + 70.0)
    assert v[np.argmin(np.abs(tv - (t[0] + 3.0)))] > v[after][0]


def test_htum_checks():
    n = nest.Create("iaf_psc_exp_htum")
    with pytest.raises(BadProperty, match="t_ref_tot"):
        n.set(t_ref_abs=3.0)
    with pytest.raises(BadProperty, match="> 0"):
        n.set(t_ref_abs=0.0)
    assert n.get("t_ref_abs") == 2.0


def test_aeif_psc_delta_jump_and_lost_refractory_input():
    """A spike of w mV raises V_m by w at once; a spike arriving during the
    refractory period is lost, or, with refractory_input, added (discounted)
    when it ends."""
    out = {}
    for refr in (False, True):
        nest.ResetKernel()
        n = nest.Create("aeif_psc_delta", params={"a": 0.0, "b": 0.0, "t_ref": 5.0,
                                                  "refractory_input": refr})
        big = nest.Create("spike_generator", params={"spike_times": [2.0]})
        small = nest.Create("spike_generator", params={"spike_times": [7.0, 8.0]})
        nest.Connect(big, n, syn_spec={"weight": 30.0, "delay": 1.0})
        nest.Connect(small, n, syn_spec={"weight": 3.0, "delay": 1.0})
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
        nest.Connect(mm, n)
        nest.Simulate(30.0)
        out[refr] = (mm.events["times"], mm.events["V_m"], sr.events["times"])
    t, v, spikes = out[False]
    i = np.argmin(np.abs(t - 3.0))
    # the jump (plus the membrane's drift over one 0.1 ms step, < 1e-5 mV)
    assert v[i] - v[i - 1] == pytest.approx(30.0, abs=1e-5)
    assert len(spikes) == 1 and 3.0 < spikes[0] < 3.5      # refractory beyond 8 ms (the inputs)
    np.testing.assert_array_equal(out[True][2], spikes)
    end = spikes[0] + 5.0
    np.testing.assert_array_equal(out[True][1][t <= end], v[t <= end])
    gap = out[True][1][t > end + 0.15] - v[t > end + 0.15]
    # two 3 mV inputs, discounted by exp(-remaining refractory time / tau_m)
    assert 0.0 < gap[0] < 6.0 and np.all(np.diff(gap) < 0)


def test_ignore_and_fire_period_phase_and_checks():
    n = nest.Create("ignore_and_fire", 2, {"rate": 100.0})
    n[1].set(phase=0.5)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(50.0)
    t0 = sr.events["times"][sr.events["senders"] == n[0].global_id]
    t1 = sr.events["times"][sr.events["senders"] == n[1].global_id]
    # period 10 ms; the first spike after phase/rate (+ one step, NEST's stamp)
    np.testing.assert_allclose(t0, [10.1, 20.1, 30.1, 40.1], atol=1e-9)
    np.testing.assert_allclose(t1, [5.1, 15.1, 25.1, 35.1, 45.1], atol=1e-9)
    for bad in ({"phase": 0.0}, {"phase": 1.5}, {"rate": -1.0}):
        with pytest.raises(BadProperty):
            n.set(bad)


def test_mat2_threshold_adapts_without_reset():
    n = nest.Create("mat2_psc_exp", params={"I_e": 2000.0})
    assert n.get("V_th") == pytest.approx(-51.0)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(100.0)
    spikes = sr.events["times"]
    assert len(spikes) >= 3
    # after each spike the threshold jumps by alpha_1 + alpha_2 and decays
    d = nest.GetDefaults("mat2_psc_exp")
    h1, h2 = n.get("V_th_alpha_1"), n.get("V_th_alpha_2")
    assert n.get("V_th") == pytest.approx(d["omega"] + h1 + h2)
    assert 0.0 < h1 < d["alpha_1"] * len(spikes) and h2 > 0.0
    with pytest.raises(UnaccessedDictionaryEntry, match="read only"):
        n.set(V_th=-40.0)
    with pytest.raises(BadProperty, match="must differ"):
        n.set(tau_syn_ex=5.0)


def test_mip_generator_rates_and_copy_correlation():
    """Children of rate p_copy * rate whose spikes coincide with probability
    p_copy (the parent's spike copied to both), as NEST's mip_generator."""
    rate, p, T = 1000.0, 0.3, 20000.0
    mip = nest.Create("mip_generator", params={"rate": rate, "p_copy": p})
    par = nest.Create("parrot_neuron", 2)
    nest.Connect(mip, par)
    sr = nest.Create("spike_recorder")
    nest.Connect(par, sr)
    nest.Simulate(T)
    ev = sr.events
    a = np.round(ev["times"][ev["senders"] == par[0].global_id] * 10).astype(int)
    b = np.round(ev["times"][ev["senders"] == par[1].global_id] * 10).astype(int)
    expected = rate * p * T / 1000.0                      # 6000 per child
    for x in (a, b):
        assert abs(len(x) - expected) < 5 * np.sqrt(expected)
    common = len(np.intersect1d(a, b))
    # P(both | first) ~ p (plus chance coincidences of two parent spikes in a step)
    assert abs(common / len(a) - p) < 0.03
    with pytest.raises(BadProperty, match="p_copy"):
        mip.set(p_copy=1.5)


def test_amat2_voltage_threshold_and_checks():
    """beta = 0 gives mat2's dynamics (V_th_v stays 0); beta > 0 raises the
    threshold while V_m rises."""
    common = {"C_m": 200.0, "tau_m": 10.0, "tau_syn_ex": 1.0, "tau_syn_in": 3.0,
              "t_ref": 2.0, "tau_1": 10.0, "tau_2": 200.0, "alpha_1": 10.0,
              "alpha_2": 0.0, "omega": -65.0, "I_e": 400.0}
    a0 = nest.Create("amat2_psc_exp", params=dict(common, beta=0.0))
    a1 = nest.Create("amat2_psc_exp", params=dict(common, beta=0.5))
    m = nest.Create("mat2_psc_exp", params=common)
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "V_th"], "interval": 0.1})
    mmv = nest.Create("multimeter", params={"record_from": ["V_th_v"], "interval": 0.1})
    nest.Connect(mm, a0 + m)
    nest.Connect(mmv, a1)
    nest.Simulate(3.0)
    ev = mm.events
    s0, sm = ev["senders"] == a0.global_id, ev["senders"] == m.global_id
    np.testing.assert_allclose(ev["V_m"][s0], ev["V_m"][sm], rtol=1e-12)
    np.testing.assert_allclose(ev["V_th"][s0], ev["V_th"][sm], rtol=1e-12)
    assert np.all(mmv.events["V_th_v"][5:] > 0.0)            # V_m rises from rest
    with pytest.raises(BadProperty, match="tau_v"):
        a0.set(tau_v=10.0)


@pytest.mark.parametrize("random_dead_time", (False, True))
def test_pp_psc_delta_rate_with_dead_time(random_dead_time):
    """Constant rate lam (c_3 = 0) with dead time d: renewal process of mean
    ISI 1/lam + d (fixed or Gamma-distributed dead time of mean d)."""
    lam, d, T = 30.0, 5.0, 100000.0
    n = nest.Create("pp_psc_delta", params={"c_1": 0.0, "c_2": lam, "c_3": 0.0,
                                            "dead_time": d, "dead_time_random": random_dead_time,
                                            "dead_time_shape": 3})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(T)
    t = sr.events["times"]
    expected = T / 1000.0 / (1.0 / lam + d / 1000.0)
    assert abs(len(t) - expected) < 0.04 * expected
    isi = np.diff(t)
    if random_dead_time:
        assert isi.min() < d                       # a Gamma dead time can be shorter
    else:
        assert isi.min() >= d
    assert nest.GetStatus(n, "dead_time_random")[0] is random_dead_time


def test_pp_psc_delta_adaptation_and_parameters():
    n = nest.Create("pp_psc_delta", params={"c_2": 30.0, "dead_time": 1e-8,
                                            "with_reset": False, "tau_sfa": 34.0,
                                            "q_sfa": 7.0})
    assert n.get("tau_sfa") == 34.0 and n.get("q_sfa") == 7.0     # as set: numbers
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(20000.0)
    isi = np.diff(sr.events["times"])
    corr = np.corrcoef(isi[:-1], isi[1:])[0, 1]
    assert -1.0 <= corr < -0.02                 # adaptation: negative serial correlation
    assert n.get("E_sfa") > 0.0
    m = nest.Create("pp_psc_delta", params={"tau_sfa": [10.0, 100.0], "q_sfa": [1.0, 2.0]})
    np.testing.assert_array_equal(m.get("tau_sfa"), [10.0, 100.0])
    with pytest.raises(BadProperty, match="same dimension"):
        m.set(q_sfa=[1.0])
    with pytest.raises(BadProperty, match="shape"):
        m.set(dead_time_shape=0)


def test_calcium_trace_parameters():
    """Every neuron has NEST's calcium trace (values against NEST 3.10: the
    stored scenario ``calcium``); Ca >= 0, tau_Ca and beta_Ca > 0."""
    d = nest.GetDefaults("iaf_psc_alpha")
    assert (d["Ca"], d["tau_Ca"], d["beta_Ca"]) == (0.0, 10000.0, 0.001)
    assert "Ca" not in nest.GetDefaults("poisson_generator")
    n = nest.Create("iaf_psc_alpha", params={"Ca": 2.0})
    assert n.Ca == 2.0
    for bad in ({"Ca": -1.0}, {"tau_Ca": 0.0}, {"beta_Ca": -0.1}):
        with pytest.raises(BadProperty):
            n.set(bad)
    assert n.Ca == 2.0
    nest.Simulate(100.0)                        # no spike: decays to t = 100 ms
    assert n.Ca == pytest.approx(2.0 * np.exp(-100.0 / 10000.0), rel=1e-14)


def test_hh_cond_exp_traub_defaults_and_checks():
    """Gating variables start at NEST's steady state (rate functions at
    u = E_L = -60 without V_T); a constant drive makes it fire; bad values
    are refused and leave the node unchanged."""
    d = nest.GetDefaults("hh_cond_exp_traub")
    u = -60.0
    a_m = 0.32 * (13 - u) / (np.exp((13 - u) / 4) - 1)
    b_m = 0.28 * (u - 40) / (np.exp((u - 40) / 5) - 1)
    assert d["Act_m"] == pytest.approx(a_m / (a_m + b_m), rel=1e-15)
    assert d["V_m"] == -60.0 and d["V_T"] == -63.0 and d["g_Na"] == 20000.0
    n = nest.Create("hh_cond_exp_traub", params={"I_e": 500.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(100.0)
    t = sr.events["times"]
    assert len(t) >= 3 and np.all(np.diff(t) > 2.0)      # spikes, beyond t_ref
    for bad in ({"C_m": 0.0}, {"tau_syn_ex": -1.0}, {"Act_n": -0.1}, {"t_ref": -1.0}):
        with pytest.raises(BadProperty):
            n.set(bad)
    assert n.C_m == 200.0


def test_iaf_chs_2007_inputs_and_noise():
    """Only excitatory spikes count; currents cannot be connected; the
    noise list is consumed one sample per step and must last the run."""
    n = nest.Create("iaf_chs_2007", 2)
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(sg, n[0], syn_spec={"weight": 1.0})
    nest.Connect(sg, n[1], syn_spec={"weight": -1.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(20.0)
    v, s = mm.events["V_m"], mm.events["senders"]
    # alpha EPSP: peak V_epsp = 0.77 (times the weight) at tau_epsp after arrival
    assert v[s == n[0].global_id].max() == pytest.approx(0.77, rel=2e-3)
    assert np.all(v[s == n[1].global_id] == 0.0)
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(nest.Create("dc_generator"), n[0])
    with pytest.raises(BadProperty):
        n.set(V_reset=-1.0)
    nest.ResetKernel()
    m = nest.Create("iaf_chs_2007", params={"V_noise": 1.0, "noise": [0.1] * 30})
    nest.Simulate(3.0)
    assert m.V_m == pytest.approx(0.1)
    with pytest.raises(nest.NESTErrors.KernelException, match="noise"):
        nest.Simulate(1.0)


def test_iaf_chxk_2008_spike_times_interpolated():
    """Spikes carry the linearly interpolated crossing time (off the grid);
    t_spike is the end of the step; the AHP current is g_ahp (V - E_ahp)."""
    n = nest.Create("iaf_chxk_2008", params={"I_e": 2000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "g_ahp", "I_ahp"],
                                           "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(100.0)
    t = sr.events["times"]
    assert len(t) >= 3
    assert np.all(np.abs(t / 0.1 - np.round(t / 0.1)) > 1e-6)       # off the grid
    assert n.t_spike == pytest.approx(np.ceil(t[-1] / 0.1) * 0.1)
    ev = mm.events
    np.testing.assert_allclose(ev["I_ahp"], ev["g_ahp"] * (ev["V_m"] + 95.0), rtol=1e-12)
    assert ev["g_ahp"].max() > 0.0


def _parrot_trains(model, params, n_targets, t_sim):
    """The spike trains a generator sends to ``n_targets`` parrot neurons."""
    g = nest.Create(model, params=params)
    p = nest.Create("parrot_neuron", n_targets)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, p)
    nest.Connect(p, sr)
    nest.Simulate(t_sim)
    ev = sr.events
    return [np.sort(ev["times"][ev["senders"] == gid]) for gid in p.tolist()]


def _gamma_trains(params, n_targets=20, t_sim=20000.0):
    return _parrot_trains("sinusoidal_gamma_generator", params, n_targets, t_sim)


def test_sinusoidal_gamma_generator_rate_and_regularity():
    """A stationary gamma process of order k: rate as set, ISI CV = 1/sqrt(k);
    independent trains per target."""
    for order in (1.0, 4.0):
        nest.ResetKernel()
        trains = _gamma_trains({"rate": 20.0, "order": order})
        rates = [len(t) / 20.0 for t in trains]
        assert np.mean(rates) == pytest.approx(20.0, rel=0.03)
        isi = np.concatenate([np.diff(t) for t in trains])
        assert isi.std() / isi.mean() == pytest.approx(1.0 / np.sqrt(order), rel=0.06)
        assert not np.array_equal(trains[0], trains[1])


def test_sinusoidal_gamma_generator_modulation_and_checks():
    """The rate follows rate + amplitude sin(2 pi f t + phase); one shared
    train with individual_spike_trains False (a model default only)."""
    trains = _gamma_trains({"rate": 30.0, "amplitude": 25.0, "frequency": 2.0,
                            "order": 3.0})
    t = np.concatenate(trains)
    phase = (t * 2.0 / 1000.0) % 1.0
    hist = np.histogram(phase, bins=4, range=(0, 1))[0] / (len(trains) * 20.0 * 0.25)
    # mean rate over the first and third quarter period of 30 + 25 sin: 30 +- 25 * 2 / pi
    assert hist[0] == pytest.approx(30 + 50 / np.pi, rel=0.08)
    assert hist[2] == pytest.approx(30 - 50 / np.pi, rel=0.08)
    nest.ResetKernel()
    nest.SetDefaults("sinusoidal_gamma_generator", {"individual_spike_trains": False})
    trains = _gamma_trains({"rate": 20.0, "order": 2.0}, n_targets=3, t_sim=2000.0)
    np.testing.assert_array_equal(trains[0], trains[1])
    g = nest.Create("sinusoidal_gamma_generator")
    for bad in ({"order": 0.5}, {"rate": 10.0, "amplitude": 20.0}, {"amplitude": -1.0},
                {"individual_spike_trains": True}):
        with pytest.raises(BadProperty):
            g.set(bad)
    nest.SetDefaults("sinusoidal_gamma_generator", {"individual_spike_trains": True})


@pytest.mark.parametrize("model", ["sinusoidal_poisson_generator", "sinusoidal_gamma_generator"])
def test_sinusoidal_generators_record_rate(model):
    """A multimeter records the rate of the step just ended (Hz), as NEST."""
    g = nest.Create(model, params={"rate": 40.0, "amplitude": 30.0, "frequency": 10.0,
                                   "phase": 45.0})
    mm = nest.Create("multimeter", params={"record_from": ["rate"], "interval": 0.1})
    nest.Connect(mm, g)
    nest.Simulate(100.0)
    t, r = mm.events["times"], mm.events["rate"]
    # (NEST: the recorder connection's 1 ms delay makes the slices 1 ms long;
    # the samples of the last one follow with the next run)
    assert len(t) == 990
    np.testing.assert_allclose(r, 40.0 + 30.0 * np.sin(2 * np.pi * 10.0 * t / 1000.0
                                                       + np.pi / 4), atol=1e-9)
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(nest.Create("multimeter", params={"record_from": ["rate"]}),
                     nest.Create("dc_generator"))


def _sup_trains(model, params, n_targets=10, t_sim=10000.0):
    return _parrot_trains(model, params, n_targets, t_sim)


def test_gamma_sup_generator_rate_and_regularity():
    """One component process: a gamma process (ISI CV 1/sqrt(shape)); n_proc
    of them: rate n_proc * rate; the targets' trains are independent."""
    trains = _sup_trains("gamma_sup_generator", {"rate": 20.0, "gamma_shape": 4, "n_proc": 1})
    isi = np.concatenate([np.diff(t) for t in trains])
    assert np.mean([len(t) for t in trains]) / 10.0 == pytest.approx(20.0, rel=0.05)
    assert isi.std() / isi.mean() == pytest.approx(0.5, rel=0.08)
    nest.ResetKernel()
    trains = _sup_trains("gamma_sup_generator", {"rate": 5.0, "gamma_shape": 3, "n_proc": 40})
    assert np.mean([len(t) for t in trains]) / 10.0 == pytest.approx(200.0, rel=0.03)
    assert not np.array_equal(trains[0], trains[1])
    with pytest.raises(BadProperty):
        nest.Create("gamma_sup_generator", params={"gamma_shape": 0})


def test_ppd_sup_generator_dead_time_and_rate():
    """One component process: no interval below the dead time, rate as set;
    a superposition: n_proc * rate; the modulation raises and lowers it."""
    trains = _sup_trains("ppd_sup_generator", {"rate": 50.0, "dead_time": 5.0, "n_proc": 1})
    isi = np.concatenate([np.diff(t) for t in trains])
    assert isi.min() >= 5.0 - 1e-9
    assert np.mean([len(t) for t in trains]) / 10.0 == pytest.approx(50.0, rel=0.04)
    nest.ResetKernel()
    trains = _sup_trains("ppd_sup_generator", {"rate": 10.0, "dead_time": 2.0, "n_proc": 30,
                                               "frequency": 1.0, "relative_amplitude": 0.8})
    t = np.concatenate(trains)
    rate = np.mean([len(x) for x in trains]) / 10.0
    assert rate == pytest.approx(300.0, rel=0.03)
    peak = np.sum((t % 1000.0) < 500.0)         # sin > 0 in the first half period
    assert peak / len(t) == pytest.approx(0.5 + 0.8 / np.pi, abs=0.03)
    for bad in ({"rate": 500.0, "dead_time": 2.0}, {"relative_amplitude": 1.5},
                {"n_proc": 0}):
        with pytest.raises(BadProperty):
            nest.Create("ppd_sup_generator", params=bad)


def test_hh_psc_alpha_clopath_filters_and_checks():
    """The filtered potentials follow V_m (values against NEST 3.10: the
    stored scenario ``hh_psc_alpha_clopath_drive``); u_ref_squared and the
    filter time constants must be positive."""
    n = nest.Create("hh_psc_alpha_clopath", params={"tau_u_bar_minus": 1.0})
    nest.Simulate(50.0)                   # at rest: u_bar_minus approaches V_m
    assert n.u_bar_minus == pytest.approx(n.V_m, abs=0.5)
    for bad in ({"u_ref_squared": 0.0}, {"tau_u_bar_bar": -1.0}):
        with pytest.raises(BadProperty):
            n.set(bad)


def test_get_connections_takes_node_collections():
    n = nest.Create("iaf_psc_alpha", 3)
    nest.Connect(n, n)
    assert len(nest.GetConnections(n[:1])) == 3
    with pytest.raises(TypeError, match="NodeCollection"):
        nest.GetConnections([1, 2])
    with pytest.raises(TypeError, match="NodeCollection"):
        nest.GetConnections(target=[1])


def test_aeif_psc_delta_clopath_clamp_and_threshold():
    """After a spike V_m stays at V_clamp for t_clamp, then V_reset; the
    threshold jumps to V_th_max and relaxes (values against NEST 3.10: the
    stored scenario ``aeif_psc_delta_clopath_drive``)."""
    n = nest.Create("aeif_psc_delta_clopath", params={"I_e": 1500.0, "t_clamp": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "V_th"], "interval": 0.1})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(30.0)
    t_sp = sr.events["times"][0]
    t, v, th = mm.events["times"], mm.events["V_m"], mm.events["V_th"]
    clamp = (t > t_sp) & (t < t_sp + 1.0 - 1e-9)
    assert np.all(v[clamp] == 33.0)
    assert v[np.argmin(np.abs(t - (t_sp + 1.0)))] == -60.0
    assert 30.0 < th[np.argmin(np.abs(t - t_sp))] <= 30.4 and th[-1] < 25.0
    for bad in ({"V_th_max": -60.0}, {"t_clamp": -1.0}, {"V_reset": 40.0}):
        with pytest.raises(BadProperty):
            n.set(bad)
