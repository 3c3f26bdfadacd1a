"""pp_cond_exp_mc_urbanczik and urbanczik_synapse: the weight change against
NEST's rule evaluated independently from the recorded neuron, the escape
noise's statistics, the status and the target restriction.  (The
deterministic dynamics are compared with NEST 3.10 in the stored scenario
``pp_cond_exp_mc_urbanczik``.)"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, IllegalConnection, UnaccessedDictionaryEntry

H = 0.1


def _phi(u, p):
    return p["phi_max"] / (1.0 + p["rate_slope"] * np.exp(p["beta"] * (p["theta"] - u)))


def _h(u, p):
    return 15.0 * p["beta"] / (1.0 + np.exp(-p["beta"] * (p["theta"] - u)) / p["rate_slope"])


def _network(pre_times, eta, delay, init_w=100.0, seed=12):
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": H, "rng_seed": seed})
    nrn = nest.Create("pp_cond_exp_mc_urbanczik", 1, {"soma": {"I_e": 300.0}})
    syns = nrn.get("receptor_types")
    parrot = nest.Create("parrot_neuron")
    sg = nest.Create("spike_generator", 1, {"spike_times": pre_times})
    drive = nest.Create("spike_generator", 1, {"spike_times": np.arange(10.0, 60.0, H)})
    nest.Connect(sg, parrot, syn_spec={"delay": H})
    wr = nest.Create("weight_recorder")
    nest.CopyModel("urbanczik_synapse", "urbanczik_wr", {"weight_recorder": wr})
    nest.Connect(parrot, nrn, syn_spec={
        "synapse_model": "urbanczik_wr", "receptor_type": syns["dendritic_exc"],
        "weight": init_w, "eta": eta, "tau_Delta": 100.0, "Wmax": 2000.0, "delay": delay})
    nest.Connect(drive, nrn, syn_spec={"receptor_type": syns["soma_exc"], "weight": 10.0,
                                       "delay": H})
    mm = nest.Create("multimeter", 1, {"record_from": ["V_m.p"], "interval": H})
    nest.Connect(mm, nrn)
    sr = nest.Create("spike_recorder")
    nest.Connect(nrn, sr)
    return nrn, parrot, mm, sr, wr


def _expected_weights(nrn, mm, sr, pre_stamps_ms, delay, eta, init_w, tau_delta=100.0):
    """NEST's urbanczik rule, step by step from the recorded dendritic
    potential and somatic spikes."""
    p = nrn.get(["phi_max", "rate_slope", "beta", "theta", "g_sp", "soma", "dendritic"])
    t = np.asarray(mm.get("events")["times"])
    v_w = np.asarray(mm.get("events")["V_m.p"])
    spikes = np.asarray(sr.get("events")["times"])
    n_spk = np.array([np.sum(np.isclose(spikes, x)) for x in t])
    g_d, g_l, e_l = p["g_sp"], p["soma"]["g_L"], p["soma"]["E_L"]
    v_star = (e_l * g_l + v_w * g_d) / (g_d + g_l)
    d_pi = (n_spk - _phi(v_star, p) * H) * _h(v_star, p)
    c_m, g_lp = p["dendritic"]["C_m"], p["dendritic"]["g_L"]
    tau_l, tau_s = c_m / g_lp, p["dendritic"]["tau_syn_ex"]
    t_last, tr_l, tr_s, pi, pi_exp = -1.0, 0.0, 0.0, 0.0, 0.0
    out = []
    for ts in pre_stamps_ms:
        sel = (t - 1e-6 >= t_last - delay) & (t - 1e-6 < ts - delay)
        t_up = t[sel] + delay
        terms = (tr_l * np.exp((t_last - t_up) / tau_l)
                 - tr_s * np.exp((t_last - t_up) / tau_s)) * d_pi[sel]
        pi += terms.sum()
        pi_exp = np.exp((t_last - ts) / tau_delta) * pi_exp + np.sum(
            np.exp((t_up - ts) / tau_delta) * terms)
        w = init_w + (pi - pi_exp) * 15.0 * c_m * tau_s * eta / (g_lp * (tau_l - tau_s))
        w = min(max(w, 0.0), 2000.0)
        out.append(w)
        tr_l = tr_l * np.exp((t_last - ts) / tau_l) + 1.0
        tr_s = tr_s * np.exp((t_last - ts) / tau_s) + 1.0
        t_last = ts
    return np.array(out)


@pytest.mark.parametrize("delay", [H, 1.0])
def test_weight_follows_nests_rule(delay):
    pre = [1.0, 15.0, 33.3, 47.0, 60.0, 98.0]
    eta, init_w = 0.75, 100.0
    nrn, parrot, mm, sr, wr = _network(pre, eta, delay, init_w)
    nest.Simulate(100.0 + 2 * delay)
    assert len(sr.get("events")["times"]) >= 3, "the neuron must fire for the rule to act"
    ev = wr.get("events")
    stamps = np.asarray(ev["times"])
    np.testing.assert_allclose(stamps, np.asarray(pre) + H)        # the parrot's stamps
    expected = _expected_weights(nrn, mm, sr, stamps, delay, eta, init_w)
    got = np.asarray(ev["weights"])
    assert got[0] == init_w and np.all(np.abs(got[1:] - init_w) > 1e-3), "the weights must change"
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    conn = nest.GetConnections(parrot, nrn)
    assert conn.get("weight") == pytest.approx(got[-1], rel=1e-15)


def test_connect_weight_alone_keeps_default_initial_weight():
    """As NEST: without other synapse parameters the Connect weight is not
    the rule's initial weight (the model's default weight is)."""
    nest.ResetKernel()
    nrn = nest.Create("pp_cond_exp_mc_urbanczik", 1, {"phi_max": 0.0})
    parrot = nest.Create("parrot_neuron")
    sg = nest.Create("spike_generator", 1, {"spike_times": [5.0, 20.0]})
    nest.Connect(sg, parrot)
    nest.Connect(parrot, nrn, syn_spec={"synapse_model": "urbanczik_synapse", "weight": 50.0,
                                        "receptor_type": 3})
    nest.Simulate(30.0)
    # phi_max = 0: no error, the weight is the initial weight (1.0, the default)
    conn = nest.GetConnections(parrot, nrn)
    assert conn.get("weight") == 1.0
    # a SetStatus makes the new weight the initial one
    conn.set(weight=55.0)
    sg.set(spike_times=[40.0])
    nest.Simulate(20.0)
    assert conn.get("weight") == 55.0
    # so does a Connect of arrays with synapse parameters besides the weight
    nest.Connect(np.array([parrot.global_id]), np.array([nrn.global_id]), "one_to_one",
                 {"synapse_model": "urbanczik_synapse", "weight": 7.0, "eta": 0.5,
                  "receptor_type": 3})
    sg.set(spike_times=[60.0])
    nest.Simulate(20.0)
    assert sorted(nest.GetConnections(parrot, nrn).get("weight")) == [7.0, 55.0]


def test_escape_noise_rate():
    """With V_s at rest the escape rate is 1000 phi(E_L) per second: Poisson
    counts without dead time, and ISIs of t_ref + a geometric number of steps
    with it."""
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": H, "rng_seed": 3})
    p = {"theta": -70.0, "phi_max": 0.15, "rate_slope": 0.5, "beta": 1.0 / 3.0}
    free = nest.Create("pp_cond_exp_mc_urbanczik", 400, dict(p, t_ref=0.0))
    dead = nest.Create("pp_cond_exp_mc_urbanczik", 400, dict(p, t_ref=3.0))
    sr_free, sr_dead = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(free, sr_free)
    nest.Connect(dead, sr_dead)
    t_sim = 1000.0
    nest.Simulate(t_sim)
    rate = 1000.0 * _phi(-70.0, p)                       # 100 Hz
    n_free = len(sr_free.get("events")["times"])
    mean = rate * t_sim / 1000.0 * 400
    assert abs(n_free - mean) < 4 * np.sqrt(mean)
    q = -np.expm1(-rate * H * 1e-3)
    isi_steps = 30 + 1.0 / q
    expected = 400 * t_sim / (isi_steps * H)
    n_dead = len(sr_dead.get("events")["times"])
    assert abs(n_dead - expected) < 0.02 * expected


def test_status_and_errors():
    nest.ResetKernel()
    d = nest.GetDefaults("pp_cond_exp_mc_urbanczik")
    assert d["receptor_types"] == {"soma_exc": 1, "soma_inh": 2, "dendritic_exc": 3,
                                   "dendritic_inh": 4, "soma_curr": 5, "dendritic_curr": 6}
    assert d["recordables"] == sorted(["V_m.s", "g_ex.s", "g_in.s", "V_m.p", "I_ex.p",
                                       "I_in.p"])
    assert d["soma"]["E_in"] == -75.0 and d["dendritic"]["E_in"] == 0.0
    n = nest.Create("pp_cond_exp_mc_urbanczik")
    n.dendritic = {"C_m": 200.0}
    assert n.get("dendritic")["C_m"] == 200.0 and n.get("soma")["C_m"] == 300.0
    with pytest.raises(BadProperty, match="Rate slope"):
        n.set(rate_slope=-1.0)
    with pytest.raises(BadProperty, match="Maximum rate"):
        n.set(phi_max=-1.0)
    with pytest.raises(BadProperty, match="Capacitance"):
        n.set(dendritic={"C_m": 0.0})
    with pytest.raises(UnaccessedDictionaryEntry):
        n.set(dendritic={"V_th": 0.0})
    with pytest.raises(BadProperty, match="same sign"):
        nest.SetDefaults("urbanczik_synapse", {"weight": -1.0})
    for name in ("urbanczik_synapse_hpc", "urbanczik_synapse_lbl"):
        assert name in nest.synapse_models


def test_only_urbanczik_targets():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    with pytest.raises(IllegalConnection, match="urbanczik"):
        nest.Connect(n, n, syn_spec={"synapse_model": "urbanczik_synapse"})
    m = nest.Create("pp_cond_exp_mc_urbanczik", 2)
    nest.Connect(m, m, syn_spec={"synapse_model": "urbanczik_synapse", "receptor_type": 1})
    assert len(nest.GetConnections(m, m)) == 4
