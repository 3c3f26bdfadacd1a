"""E-prop networks of the tests, built through a PyNEST-style module ``nest``
(pynestlite, or NEST 3.10 for the live comparisons).

``sine_regression`` is the supervised regression task of NEST's e-prop tests
(100 frozen Poisson inputs through parrots, 100 recurrent e-prop neurons, one
readout learning a sum of sines; numpy seed 1 draws, float32 weights, the
learning signal scaled by 1 - kappa), with NEST's parameters; it returns
the losses per iteration and what the readout produced.
"""
import numpy as np

RECURRENT_MODELS = ("eprop_iaf", "eprop_iaf_adapt", "eprop_iaf_psc_delta",
                    "eprop_iaf_psc_delta_adapt")

# First five losses of NEST 3.10's reference runs of this task
# (testsuite/pytests/synapses/test_eprop_plasticity.py), asserted to rtol 1e-8.
NEST_REGRESSION_LOSSES = {
    ("eprop_iaf", "adam"): [0.14000491891386, 0.28735818029752, 0.22263713699860,
                            0.23015072431384, 0.17565248170694],
    ("eprop_iaf_adapt", "gradient_descent"): [0.02242584487453, 0.01916753791522,
                                              0.00571493935652, 0.00037875376195,
                                              0.00037823157578],
    ("eprop_iaf_psc_delta", "gradient_descent"): [0.27039631749159, 0.51390204375229,
                                                  0.53473859833866, 0.53608474802202,
                                                  0.49323580244201],
    ("eprop_iaf_psc_delta_adapt", "gradient_descent"): [0.16416646182675, 0.27952159282830,
                                                        0.29937515524341, 0.26160957500433,
                                                        0.26384514215024],
}


# the cases compared with live NEST: every model with both optimizers, and
# one-update-per-spike (optimize_each_step False) for both optimizers
LIVE_CASES = ([(m, o, True) for m in RECURRENT_MODELS for o in ("gradient_descent", "adam")]
              + [("eprop_iaf", o, False) for o in ("gradient_descent", "adam")])


def case_key(model, optimizer, each_step):
    return f"{model}__{optimizer}__{'each' if each_step else 'spike'}"


def superimposed_sines(rng, steps, periods=(1000, 500, 333, 200)):
    """Sum of sines with random amplitudes U(0.5, 2) and phases U(0, 2 pi),
    shifted to start at 0 and scaled to max |.| = 1 (draw order: amplitudes,
    then phases)."""
    amp = rng.uniform(0.5, 2.0, len(periods))
    phase = rng.uniform(0.0, 2.0 * np.pi, len(periods))
    y = np.zeros(steps)
    for a, p, T in zip(amp, phase, periods):
        y += a * np.sin(np.linspace(p, p + 2.0 * np.pi * (steps // T), steps))
    y -= y[0]
    return y / max(np.abs(y).max(), 1e-6)


def sine_regression(nest, model="eprop_iaf", optimizer="gradient_descent", n_iter=5,
                    seq=100, each_step=True, record_weights=False, extra_spike=None):
    """Train the sine-wave regression for ``n_iter`` sequences of ``seq`` steps
    (h = 1 ms).  Returns a dict: ``loss`` per iteration, ``readout`` and
    ``target`` (iterations x steps), ``spikes`` (senders, times) of the
    recurrent neurons, ``weights`` (source, target, weight) of all e-prop
    synapses at the end, and ``nodes``.

    ``extra_spike`` = (k, t_ms): recurrent neuron k is made to spike once
    more at t (a spike_generator with a strong static synapse)."""
    rng = np.random.RandomState(1)
    n_in, n_rec, n_out = 100, 100, 1
    task = n_iter * seq
    offset, delays, extension = 1, 1, 3       # steps: generator offset, input delay, tail
    total_offset = offset + delays
    nest.ResetKernel()
    nest.set(resolution=1.0, print_time=False)
    kappa = 0.97
    scale = 1.0 - kappa
    rec = {"C_m": 1.0, "c_reg": 300.0 / seq, "E_L": 0.0, "eprop_isi_trace_cutoff": 100,
           "f_target": 10.0, "flush_event_send_interval": float(seq), "I_e": 0.0,
           "kappa": kappa, "kappa_reg": kappa, "surrogate_gradient_function": "piecewise_linear",
           "surrogate_gradient_height": 10.0, "surrogate_gradient_width": 0.03, "t_ref": 0.0,
           "tau_m": 30.0, "V_m": 0.0, "V_th": 0.03}
    if model in ("eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt"):
        rec.update(V_reset=-0.5, V_th=0.5, c_reg=2.0 / seq / scale ** 2)
    elif model == "eprop_iaf_adapt":
        rec.update(adapt_beta=0.0174, adapt_tau=2000.0, adaptation=0.0)
    out = {"C_m": 1.0, "E_L": 0.0, "eprop_isi_trace_cutoff": 100, "I_e": 0.0, "tau_m": 30.0,
           "V_m": 0.0}

    gens = nest.Create("spike_generator", n_in)
    parrots = nest.Create("parrot_neuron", n_in)
    neurons = nest.Create(model, n_rec, rec)
    readout = nest.Create("eprop_readout", n_out, out)
    target_gen = nest.Create("step_rate_generator", n_out)
    window_gen = nest.Create("step_rate_generator")
    mm = nest.Create("multimeter", params={
        "interval": 1.0, "record_from": ["readout_signal", "target_signal"],
        "start": float(total_offset), "stop": float(total_offset + task)})
    sr = nest.Create("spike_recorder")

    f32 = np.float32
    w_in = np.array(rng.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=f32)
    w_rec = np.array(rng.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=f32)
    np.fill_diagonal(w_rec, 0.0)
    w_out = np.array(rng.randn(n_rec, n_out).T / np.sqrt(n_rec), dtype=f32) * scale
    b = np.array(rng.randn(n_rec, n_out) / np.sqrt(n_rec), dtype=f32)
    if model in ("eprop_iaf", "eprop_iaf_adapt"):
        w_in, w_rec, b = w_in * scale, w_rec * scale, b * scale
    else:
        b = b / scale

    opt = {"type": optimizer, "batch_size": 1, "eta": 1e-4 * scale ** 2,
           "optimize_each_step": each_step, "Wmin": -100.0, "Wmax": 100.0}
    if optimizer == "adam":
        opt.update(beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    nest.SetDefaults("eprop_synapse", {"optimizer": opt})
    one = {"rule": "one_to_one"}
    dense = {"rule": "all_to_all", "allow_autapses": False}
    nest.Connect(gens, parrots, one, {"synapse_model": "static_synapse", "delay": 1.0})
    for pre, post, w in ((parrots, neurons, w_in), (neurons, neurons, w_rec),
                         (neurons, readout, w_out)):
        nest.Connect(pre, post, dense, {"synapse_model": "eprop_synapse", "delay": 1.0,
                                        "weight": w})
    nest.Connect(readout, neurons, dense, {"synapse_model": "eprop_learning_signal_connection",
                                           "delay": 1.0, "weight": b})
    nest.Connect(target_gen, readout, one, {"synapse_model": "rate_connection_delayed",
                                            "delay": 1.0, "receptor_type": 2})
    nest.Connect(window_gen, readout, dense, {"synapse_model": "rate_connection_delayed",
                                              "delay": 1.0, "receptor_type": 1})
    nest.Connect(neurons, sr)
    nest.Connect(mm, readout)
    if extra_spike is not None:
        k, t_kick = extra_spike
        kick = nest.Create("spike_generator", params={"spike_times": [float(t_kick)]})
        nest.Connect(kick, neurons[k], syn_spec={"weight": 1000.0, "delay": 1.0})

    spikes_in = (rng.rand(seq, n_in) < 0.05).T
    starts = np.arange(0.0, task, seq) + offset
    gens.set([{"spike_times": np.hstack([np.arange(0.0, seq)[s] + t0 for t0 in starts])
               .astype(f32)} for s in spikes_in])
    y_star = superimposed_sines(rng, seq)
    target_gen.set({"amplitude_times": np.arange(0.0, task) + total_offset,
                    "amplitude_values": np.tile(y_star, n_iter)})
    window_gen.set({"amplitude_times": [float(total_offset)], "amplitude_values": [1.0]})

    nest.Simulate(float(task + total_offset + extension))

    ev = mm.get("events")      # local events: empty on a rank without the readout
    y = np.asarray(ev["readout_signal"])[:task].reshape(-1, seq)
    yt = np.asarray(ev["target_signal"])[:task].reshape(-1, seq)
    sev = sr.get("events")
    conns = nest.GetConnections(synapse_model="eprop_synapse")
    return {"loss": 0.5 * np.sum((y - yt) ** 2, axis=1), "readout": y, "target": yt,
            "spikes": (np.asarray(sev["senders"]), np.asarray(sev["times"])),
            "weights": (np.asarray(conns.get("source")), np.asarray(conns.get("target")),
                        np.asarray(conns.get("weight"))),
            "nodes": (parrots, neurons, readout)}


def _main():
    """Run the tasks on the module named by --module (NEST: ``nest``) and save
    the results to --out (npz): used by tests/test_eprop.py in a subprocess,
    since NEST and pynestlite never share a process."""
    import argparse
    import importlib
    ap = argparse.ArgumentParser()
    ap.add_argument("--module", default="nest")
    ap.add_argument("--out", required=True)
    ap.add_argument("--iterations", type=int, default=5)
    args = ap.parse_args()
    nest = importlib.import_module(args.module)
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    res = {}
    for model, optimizer, each_step in LIVE_CASES:
        r = sine_regression(nest, model, optimizer, n_iter=args.iterations,
                            each_step=each_step)
        key = case_key(model, optimizer, each_step)
        res[key + "__loss"] = r["loss"]
        res[key + "__readout"] = r["readout"]
        res[key + "__spike_senders"] = r["spikes"][0]
        res[key + "__spike_times"] = r["spikes"][1]
        order = np.lexsort((r["weights"][1], r["weights"][0]))
        res[key + "__weights"] = np.asarray(r["weights"][2])[order]
    np.savez(args.out, **res)


if __name__ == "__main__":
    _main()
