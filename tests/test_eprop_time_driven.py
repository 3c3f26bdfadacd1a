"""Event-driven e-prop against a time-driven reference written from the
equations with dense numpy matrices.

The reference (below) updates every neuron and every synapse trace at every
step, in the order the equations give: a spike emitted in step t arrives in
step t + 1; a readout's error of step t is the learning signal of the
recurrent neurons' step t - 1 (one step to the readout, one back); the
gradient of step t is applied as soon as its learning signal is known (two
steps later), synapse by synapse, with gradient descent.  pynestlite only
touches a synapse when its presynaptic neuron spikes, integrating the
archived history since the previous spike; the two must agree.
"""
import numpy as np
import pytest

import pynestlite as nest

H = 1.0
TAU_M, TAU_OUT = 20.0, 15.0
V_TH, HEIGHT, WIDTH = 0.5, 0.8, 0.4
KAPPA, KAPPA_REG, C_REG, F_TARGET = 0.9, 0.95, 0.05, 20.0   # f_target in Hz
ETA = 1e-3
W_MAX = 100.0          # the optimizer's default clip [-100, 100]


def make_problem(seed, n_in=10, n_rec=15, n_out=2, steps=300):
    rng = np.random.default_rng(seed)
    w_in = rng.normal(0.0, 0.6, (n_rec, n_in))
    w_rec = rng.normal(0.0, 0.3, (n_rec, n_rec))
    np.fill_diagonal(w_rec, 0.0)
    w_out = rng.normal(0.0, 0.3, (n_out, n_rec))
    b = rng.normal(0.0, 1.0, (n_rec, n_out))
    spikes = rng.random((steps, n_in)) < 0.08          # generator spikes at steps 1..
    spikes[0] = False
    target = np.sin(np.arange(steps)[:, None] * 2 * np.pi / np.array([60.0, 45.0])[:n_out])
    return dict(w_in=w_in, w_rec=w_rec, w_out=w_out, b=b, spikes=spikes, target=target,
                steps=steps)


def event_driven(pb):
    """The problem on pynestlite: returns readout signal per step and readout,
    recurrent spike stamps."""
    n_rec, n_in = pb["w_in"].shape
    n_out = pb["w_out"].shape[0]
    steps = pb["steps"]
    nest.ResetKernel()
    nest.set(resolution=H)
    gens = nest.Create("spike_generator", n_in)
    parrots = nest.Create("parrot_neuron", n_in)
    rec = nest.Create("eprop_iaf", n_rec, {
        "C_m": 1.0, "E_L": 0.0, "V_m": 0.0, "V_th": V_TH, "t_ref": 0.0, "tau_m": TAU_M,
        "surrogate_gradient_height": HEIGHT, "surrogate_gradient_width": WIDTH,
        "kappa": KAPPA, "kappa_reg": KAPPA_REG, "c_reg": C_REG, "f_target": F_TARGET})
    out = nest.Create("eprop_readout", n_out, {"C_m": 1.0, "E_L": 0.0, "V_m": 0.0,
                                               "tau_m": TAU_OUT})
    tgen = nest.Create("step_rate_generator", n_out)
    wgen = nest.Create("step_rate_generator")
    mm = nest.Create("multimeter", params={"interval": H, "record_from": ["readout_signal"]})
    sr = nest.Create("spike_recorder")
    nest.SetDefaults("eprop_synapse", {"optimizer": {"type": "gradient_descent", "eta": ETA,
                                                     "optimize_each_step": True}})
    dense = {"rule": "all_to_all", "allow_autapses": False}
    syn = {"synapse_model": "eprop_synapse", "delay": H}
    nest.Connect(gens, parrots, "one_to_one", {"delay": H})
    nest.Connect(parrots, rec, "all_to_all", dict(syn, weight=pb["w_in"]))
    nest.Connect(rec, rec, dense, dict(syn, weight=pb["w_rec"]))
    nest.Connect(rec, out, "all_to_all", dict(syn, weight=pb["w_out"]))
    nest.Connect(out, rec, "all_to_all", {"synapse_model": "eprop_learning_signal_connection",
                                          "delay": H, "weight": pb["b"]})
    nest.Connect(tgen, out, "one_to_one", {"synapse_model": "rate_connection_delayed",
                                           "delay": H, "receptor_type": 2})
    nest.Connect(wgen, out, "all_to_all", {"synapse_model": "rate_connection_delayed",
                                           "delay": H, "receptor_type": 1})
    nest.Connect(mm, out)
    nest.Connect(rec, sr)
    t = np.arange(steps) * H
    gens.set([{"spike_times": t[pb["spikes"][:, i]]} for i in range(n_in)])
    # amplitude time s ms: the generator's value from step s - 1 on, seen by
    # the readout from step s
    tgen.set([{"amplitude_times": t[1:], "amplitude_values": pb["target"][1:, k]}
              for k in range(n_out)])
    wgen.set({"amplitude_times": [H], "amplitude_values": [1.0]})
    nest.Simulate(steps * H)
    ev = mm.get("events")
    y = np.full((steps, n_out), np.nan)     # the last slice's samples follow a run later (NEST)
    for k, g in enumerate(out.tolist()):
        sel = ev["senders"] == g
        y[np.round(ev["times"][sel] / H).astype(int) - 1, k] = ev["readout_signal"][sel]
    sev = sr.get("events")
    first = rec.tolist()[0]
    return y, sorted(zip(np.round(sev["times"] / H).astype(int), sev["senders"] - first))


def time_driven(pb):
    """Dense e-prop, step by step from the equations (see module doc)."""
    W_in, W_rec, W_out, B = (pb[k].copy() for k in ("w_in", "w_rec", "w_out", "b"))
    n_rec, n_in = W_in.shape
    n_out = W_out.shape[0]
    steps = pb["steps"]
    a_rec, a_out = np.exp(-H / TAU_M), np.exp(-H / TAU_OUT)
    # spikes by arrival step: generator spike at step s -> parrot spike
    # stamped s + 1 -> arrives at the recurrent neurons in step s + 1
    arr_in = np.zeros((steps + 3, n_in), bool)
    arr_in[1:steps + 1] = pb["spikes"]
    arr_rec = np.zeros((steps + 3, n_rec), bool)
    v = np.zeros(n_rec)
    f_av = np.zeros(n_rec)
    vo = np.zeros(n_out)
    psi = np.zeros((steps + 2, n_rec))
    reg = np.zeros((steps + 2, n_rec))
    L = np.zeros((steps + 2, n_rec))
    E = np.zeros((steps + 2, n_out))
    zb_in, zb_rec, zb_out = np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec)), np.zeros(
        (n_out, n_rec))
    eb_in, eb_rec = np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec))
    er_in, er_rec = np.zeros((n_rec, n_in)), np.zeros((n_rec, n_rec))
    y = np.zeros((steps, n_out))
    spikes = []
    for T in range(steps):
        if T >= 1:                      # errors of step T-1 -> learning signal of T-2
            for j in range(n_rec):
                acc = 0.0
                for k in range(n_out):
                    acc += B[j, k] * E[T - 1, k]
                if T >= 2:
                    L[T - 2, j] = acc
        t = T - 2                       # the step whose learning signal is now known
        if t >= 0:
            zb_in = a_rec * zb_in + arr_in[t][None, :]
            zb_rec = a_rec * zb_rec + arr_rec[t][None, :]
            zb_out = a_out * zb_out + arr_rec[t][None, :]
            for zb, eb, er, W in ((zb_in, eb_in, er_in, W_in), (zb_rec, eb_rec, er_rec, W_rec)):
                e = psi[t][:, None] * zb
                eb *= KAPPA
                eb += e
                er *= KAPPA_REG
                er += (1.0 - KAPPA_REG) * e
                g = L[t][:, None] * eb + reg[t][:, None] * er
                W -= ETA * g
                np.clip(W, -W_MAX, W_MAX, out=W)
            W_out -= ETA * (E[t][:, None] * zb_out)
            np.clip(W_out, -W_MAX, W_MAX, out=W_out)
        np.fill_diagonal(W_rec, 0.0)
        # inputs of step T, summed in the order of the sources (ids)
        z_in = np.zeros(n_rec)
        for i in np.flatnonzero(arr_in[T]):
            z_in += W_in[:, i]
        for i in np.flatnonzero(arr_rec[T]):
            z_in += W_rec[:, i]
        z_out = np.zeros(n_out)
        for i in np.flatnonzero(arr_rec[T]):
            z_out += W_out[:, i]
        v = z_in + a_rec * v
        psi[T] = HEIGHT * np.maximum(0.0, 1.0 - np.abs(v - V_TH) / WIDTH)
        z = (v >= V_TH).astype(float)
        v = v - V_TH * z
        for j in np.flatnonzero(z):
            spikes.append((T + 1, j))
        arr_rec[T + 1] = z > 0
        f_av = KAPPA_REG * f_av + (1.0 - KAPPA_REG) * z / H
        reg[T] = C_REG * (f_av - F_TARGET / 1000.0 * H)
        vo = z_out + a_out * vo
        # the generators' values: amplitude time s ms is their value from step
        # s - 1 on, which the readout sees one step later (window and target
        # both from step 1)
        window = 1.0 if T >= 1 else 0.0
        target = pb["target"][T] if T >= 1 else np.zeros(n_out)
        E[T] = (vo - target) * window
        y[T] = vo * window
    return y, sorted(spikes), (W_in, W_out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_event_driven_equals_time_driven(seed):
    pb = make_problem(seed)
    y_ev, s_ev = event_driven(pb)
    y_td, s_td, (w_in, w_out) = time_driven(pb)
    assert len(s_td) > 50                              # an active network
    assert np.abs(w_out - pb["w_out"]).max() > 1e-3    # that learns
    assert s_ev == s_td
    done = ~np.isnan(y_ev[:, 0])
    assert done[:-1].all() and not done[-1]        # min_delay = one step: all but the last
    np.testing.assert_allclose(y_ev[done], y_td[done], rtol=1e-9, atol=1e-12)
