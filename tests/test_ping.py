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
    assert d["receptor_types"] == {"RECURRENT": 0, "FEEDFORWARD": 1}


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
