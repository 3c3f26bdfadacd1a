"""The e-prop tasks of NEST's e-prop tests, built through a PyNEST-style
module ``nest`` (pynestlite, or NEST 3.10 for the live comparisons): used by
the tests, ``scaling/bench_eprop.py`` and ``train.py``.

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
LIVE_CASES = ([(m, o, True, 1) for m in RECURRENT_MODELS for o in ("gradient_descent", "adam")]
              + [("eprop_iaf", o, False, 1) for o in ("gradient_descent", "adam")]
              # input spikes of multiplicity 2 (each copy is its own transmission)
              + [("eprop_iaf_adapt", "adam", False, 2)])


def case_key(model, optimizer, each_step, multiplicity=1):
    return (f"{model}__{optimizer}__{'each' if each_step else 'spike'}"
            + (f"__x{multiplicity}" if multiplicity > 1 else ""))


def input_recurrent_weights(rng, n_in, n_rec):
    """Input and recurrent weights as NEST's e-prop tasks draw them: float32
    randn / sqrt(fan-in) (input first), no autapses."""
    w_in = np.array(rng.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=np.float32)
    w_rec = np.array(rng.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=np.float32)
    np.fill_diagonal(w_rec, 0.0)
    return w_in, w_rec


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
                    seq=100, each_step=True, extra_spike=None,
                    cutoff=100.0, multiplicity=1):
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
    rec = {"C_m": 1.0, "c_reg": 300.0 / seq, "E_L": 0.0, "eprop_isi_trace_cutoff": cutoff,
           "f_target": 10.0, "flush_event_send_interval": float(seq), "I_e": 0.0,
           "kappa": kappa, "kappa_reg": kappa, "surrogate_gradient_function": "piecewise_linear",
           "surrogate_gradient_height": 10.0, "surrogate_gradient_width": 0.03, "t_ref": 0.0,
           "tau_m": 30.0, "V_m": 0.0, "V_th": 0.03}
    if model in ("eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt"):
        rec.update(V_reset=-0.5, V_th=0.5, c_reg=2.0 / seq / scale ** 2)
    elif model == "eprop_iaf_adapt":
        rec.update(adapt_beta=0.0174, adapt_tau=2000.0, adaptation=0.0)
    out = {"C_m": 1.0, "E_L": 0.0, "eprop_isi_trace_cutoff": cutoff, "I_e": 0.0, "tau_m": 30.0,
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
    w_in, w_rec = input_recurrent_weights(rng, n_in, n_rec)
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
    # with multiplicity m, every input spike is sent m times (parrot spikes of
    # multiplicity m into the e-prop synapses)
    gens.set([{"spike_times": np.repeat(np.hstack([np.arange(0.0, seq)[s] + t0 for t0 in starts])
                                        .astype(f32), multiplicity)} for s in spikes_in])
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


# The original family (bsshslm_2020): NEST 3.10's reference losses and the
# TensorFlow losses of the original implementation (notes seed-001 §2.13)
NEST_BSSHSLM_REGRESSION_LOSSES = [101.964356999041, 103.466731126205, 103.340607074771,
                                  103.680244037686, 104.412775748752]
TF_BSSHSLM_REGRESSION_LOSSES = [101.964363098144, 103.466735839843, 103.340606689453,
                                103.680244445800, 104.412780761718]
NEST_BSSHSLM_CLASSIFICATION_LOSSES = {
    1: [0.741152550006, 0.740388187700, 0.665785233177, 0.663644193322, 0.729428962844],
    2: [0.702163370672, 0.735555303152, 0.740354864111, 0.683882815282, 0.707841122268]}
TF_BSSHSLM_CLASSIFICATION_LOSSES = [0.741152524948, 0.740388214588, 0.665785133838,
                                    0.663644134998, 0.729429066181]


def _original_setup(nest, sequence, window):
    """Kernel of the original e-prop: h = 1 ms, one update interval per sample."""
    nest.ResetKernel()
    nest.set(resolution=1.0, print_time=False, eprop_update_interval=float(sequence),
             eprop_learning_window=float(window), eprop_reset_neurons_on_update=True)


def _recurrent_original(v_th, tau_m, t_ref, sequence, regular, **extra):
    """Recurrent parameters of the original tasks: Bellec's surrogate
    0.3/V_th max(0, 1 - |v - V_th|/V_th), rate target 10 Hz."""
    p = {"C_m": 1.0, "c_reg": 300.0, "E_L": 0.0, "f_target": 10.0,
         "flush_event_send_interval": float(sequence), "I_e": 0.0,
         "regular_spike_arrival": regular, "surrogate_gradient_function": "piecewise_linear",
         "surrogate_gradient_height": 0.3 / v_th, "surrogate_gradient_width": abs(v_th),
         "t_ref": t_ref, "tau_m": tau_m, "V_m": 0.0, "V_th": v_th}
    p.update(extra)
    return p


def _readout_original(nest, n_out, loss, tau_m, task, total_offset):
    """Readouts of the original tasks, their target generators, a multimeter
    (readout and target signal over the task) and a spike recorder."""
    out = nest.Create("eprop_readout_bsshslm_2020", n_out, {
        "C_m": 1.0, "E_L": 0.0, "I_e": 0.0, "loss": loss, "regular_spike_arrival": False,
        "tau_m": tau_m, "V_m": 0.0})
    target_gen = nest.Create("step_rate_generator", n_out)
    mm = nest.Create("multimeter", params={
        "interval": 1.0, "record_from": ["readout_signal", "target_signal"],
        "start": float(total_offset), "stop": float(total_offset + task)})
    return out, target_gen, mm, nest.Create("spike_recorder")


def _wire_original(nest, gens, parrots, rec, out, target_gen, mm, sr, w_in, w_rec, w_out, b,
                   tau_out, readout_norm):
    one = {"rule": "one_to_one"}
    dense = {"rule": "all_to_all", "allow_autapses": False}
    syn = {"synapse_model": "eprop_synapse_bsshslm_2020", "delay": 1.0, "tau_m_readout": tau_out}
    nest.Connect(gens, parrots, one, {"synapse_model": "static_synapse", "delay": 1.0})
    nest.Connect(parrots, rec, dense, dict(syn, weight=w_in))
    nest.Connect(rec, rec, dense, dict(syn, weight=w_rec))
    nest.Connect(rec, out, dense, dict(syn, weight=w_out))
    nest.Connect(out, rec, dense, {"synapse_model": "eprop_learning_signal_connection_bsshslm_2020",
                                   "delay": 1.0, "weight": b})
    if readout_norm:
        nest.Connect(out, out, dense, {"synapse_model": "rate_connection_delayed", "delay": 1.0,
                                       "receptor_type": 1, "weight": 1.0})
    nest.Connect(target_gen, out, one, {"synapse_model": "rate_connection_delayed",
                                        "delay": 1.0, "receptor_type": 2})
    nest.Connect(rec, sr)
    nest.Connect(mm, out)


def _original_result(nest, mm, sr, seq):
    ev = mm.get("events")
    senders = np.asarray(ev["senders"])
    y = np.array([np.asarray(ev["readout_signal"])[senders == g] for g in np.unique(senders)])
    yt = np.array([np.asarray(ev["target_signal"])[senders == g] for g in np.unique(senders)])
    sev = sr.get("events")
    conns = nest.GetConnections(synapse_model="eprop_synapse_bsshslm_2020")
    return {"readout_ids": np.unique(senders),
            "readout": y.reshape(len(y), -1, seq) if y.size else y,
            "target": yt.reshape(len(yt), -1, seq) if yt.size else yt,
            "spikes": (np.asarray(sev["senders"]), np.asarray(sev["times"])),
            "weights": (np.asarray(conns.get("source")), np.asarray(conns.get("target")),
                        np.asarray(conns.get("weight")))}


def sine_regression_original(nest, n_iter=5):
    """The sine-wave regression with the original e-prop (1000-step samples,
    100 LIF, one readout, gradient descent); ``loss`` per iteration
    (0.5 sum_t (y - y*)^2)."""
    rng = np.random.RandomState(1)
    n_in, n_rec, n_out, seq = 100, 100, 1, 1000
    task, total_offset = n_iter * seq, 4          # generator offset + 3 transmissions
    _original_setup(nest, seq, seq)
    gens = nest.Create("spike_generator", n_in)
    parrots = nest.Create("parrot_neuron", n_in)
    rec = nest.Create("eprop_iaf_bsshslm_2020", n_rec,
                      _recurrent_original(0.03, 30.0, 0.0, seq, False))
    out, target_gen, mm, sr = _readout_original(nest, n_out, "mean_squared_error", 30.0, task,
                                                total_offset)
    f32 = np.float32
    w_in, w_rec = input_recurrent_weights(rng, n_in, n_rec)
    w_out = np.array(rng.randn(n_rec, n_out).T / np.sqrt(n_rec), dtype=f32)
    b = np.array(rng.randn(n_rec, n_out) / np.sqrt(n_rec), dtype=f32)
    nest.SetDefaults("eprop_synapse_bsshslm_2020", {
        "optimizer": {"type": "gradient_descent", "batch_size": 1, "eta": 1e-4, "Wmin": -100.0,
                      "Wmax": 100.0}, "average_gradient": False})
    _wire_original(nest, gens, parrots, rec, out, target_gen, mm, sr, w_in, w_rec, w_out, b,
                   30.0, False)
    spikes_in = (rng.rand(seq, n_in) < 0.05).T
    spikes_in[:, 0] = False              # no input in a sample's first step
    starts = np.arange(0.0, task, seq) + 1.0
    gens.set([{"spike_times": np.hstack([np.arange(0.0, seq)[m] + t0 for t0 in starts])
               .astype(f32)} for m in spikes_in])
    y_star = superimposed_sines(rng, seq)
    target_gen.set({"amplitude_times": np.arange(0.0, task) + total_offset,
                    "amplitude_values": np.tile(y_star, n_iter)})
    nest.Simulate(float(task + total_offset + 1))
    res = _original_result(nest, mm, sr, seq)
    y, yt = res["readout"], res["target"]
    res["loss"] = 0.5 * np.mean(np.sum((y - yt) ** 2, axis=2), axis=0) if y.size else y
    return res


def evidence_accumulation(nest, batch=1, n_iter=5):
    """The evidence-accumulation classification with the original e-prop
    (7 cues, 50 LIF + 50 ALIF, two softmax readouts, Adam, gradient averaged
    over the 150-ms recall window); ``loss`` per iteration: the
    cross-entropy -mean_batch sum_window y* log y."""
    rng = np.random.RandomState(1)
    n_cues, cue, spacing, noise, recall = 7, 100, 50, 1050, 150
    seq = n_cues * (cue + spacing) + noise + recall
    n_in, n_reg, n_ad, n_out = 40, 50, 50, 2
    n_rec = n_reg + n_ad
    task, total_offset = n_iter * batch * seq, 4
    _original_setup(nest, seq, recall)
    gens = nest.Create("spike_generator", n_in)
    parrots = nest.Create("parrot_neuron", n_in)
    reg = nest.Create("eprop_iaf_bsshslm_2020", n_reg,
                      _recurrent_original(0.6, 20.0, 5.0, seq, True))
    beta_a = 1.7 * (1.0 - np.exp(-1.0 / 2000.0)) / (1.0 - np.exp(-1.0 / 20.0))
    ad = nest.Create("eprop_iaf_adapt_bsshslm_2020", n_ad, _recurrent_original(
        0.6, 20.0, 5.0, seq, True, adapt_tau=2000.0, adaptation=0.0, adapt_beta=beta_a))
    rec = reg + ad
    out, target_gen, mm, sr = _readout_original(nest, n_out, "cross_entropy", 20.0, task,
                                                total_offset)
    f32 = np.float32
    w_in, w_rec = input_recurrent_weights(rng, n_in, n_rec)
    limit = np.sqrt(3.0 / max(1.0, (n_rec + n_out) / 2.0))      # Glorot uniform
    w_out = np.array(rng.uniform(-limit, limit, (n_rec, n_out)).T, dtype=f32)
    b = np.array(rng.randn(n_rec, n_out), dtype=f32)
    nest.SetDefaults("eprop_synapse_bsshslm_2020", {
        "optimizer": {"type": "adam", "batch_size": batch, "beta_1": 0.9, "beta_2": 0.999,
                      "epsilon": 1e-8, "eta": 5e-3, "Wmin": -100.0, "Wmax": 100.0},
        "average_gradient": True})
    _wire_original(nest, gens, parrots, rec, out, target_gen, mm, sr, w_in, w_rec, w_out, b,
                   20.0, True)
    # Adam's moments of two synapses set explicitly (per-synapse optimizer state)
    # (one dict for all: under MPI each rank holds only its local synapses)
    nest.GetConnections(rec[0], rec[1:3]).set({"optimizer": {"m": 0.0, "v": 0.0}})

    pop = n_in // 4
    spikes, labels = [], []
    for _ in range(n_iter):
        choice = np.array([0.3, 0.7], dtype=f32)
        side = rng.choice([0, 1], batch)
        probs = np.stack([choice[side], choice[1 - side]], axis=1)
        cues = np.array([rng.choice([0, 1], n_cues, p=probs[k]) for k in range(batch)])
        p_in = np.zeros((batch, seq, n_in))
        for k in range(batch):
            for c in range(n_cues):
                t0 = c * (cue + spacing) + spacing
                p_in[k, t0:t0 + cue, cues[k, c] * pop:(cues[k, c] + 1) * pop] = 0.04
        p_in[:, -recall:, 2 * pop:3 * pop] = 0.04
        p_in[:, :, 3 * pop:] = 0.01
        s = p_in > rng.rand(p_in.size).reshape(p_in.shape)
        s[:, 0, :] = False
        spikes.append(s)
        labels.extend(np.sum(cues, axis=1) > n_cues // 2)
    spikes = np.array(spikes).reshape(task, n_in)
    times = np.arange(0.0, task) + 1.0
    gens.set([{"spike_times": times[spikes[:, j]].astype(f32)} for j in range(n_in)])
    target = np.zeros((n_out, batch * n_iter))
    target[np.array(labels, int), np.arange(batch * n_iter)] = 1.0
    target_gen.set([{"amplitude_times": np.arange(0.0, task, seq) + total_offset,
                     "amplitude_values": target[j]} for j in range(n_out)])
    nest.Simulate(float(task + total_offset + 1))
    res = _original_result(nest, mm, sr, seq)
    y, yt = res["readout"], res["target"]
    if len(y) == n_out:
        y = y.reshape(n_out, n_iter, batch, seq)[..., -recall:]
        yt = yt.reshape(n_out, n_iter, batch, seq)[..., -recall:]
        res["loss"] = -np.mean(np.sum(yt * np.log(y), axis=0), axis=(1, 2))
    else:           # a rank that does not hold every readout
        res["loss"] = np.empty(0)
    return res


ORIGINAL_CASES = {"sine": lambda nest: sine_regression_original(nest),
                  "evidence_1": lambda nest: evidence_accumulation(nest, 1),
                  "evidence_2": lambda nest: evidence_accumulation(nest, 2)}


def _main():
    """Run the tasks on the module named by --module (NEST: ``nest``) and save
    the results to --out (npz): tests/test_eprop.py runs it for NEST in a subprocess,
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
    for model, optimizer, each_step, mult in LIVE_CASES:
        r = sine_regression(nest, model, optimizer, n_iter=args.iterations,
                            each_step=each_step, multiplicity=mult)
        key = case_key(model, optimizer, each_step, mult)
        res[key + "__loss"] = r["loss"]
        res[key + "__readout"] = r["readout"]
        res[key + "__spike_senders"] = r["spikes"][0]
        res[key + "__spike_times"] = r["spikes"][1]
        order = np.lexsort((r["weights"][1], r["weights"][0]))
        res[key + "__weights"] = np.asarray(r["weights"][2])[order]
    for key, run in ORIGINAL_CASES.items():
        r = run(nest)
        res[key + "__loss"] = r["loss"]
        res[key + "__readout"] = r["readout"]
        res[key + "__spike_senders"] = r["spikes"][0]
        res[key + "__spike_times"] = r["spikes"][1]
        order = np.lexsort((r["weights"][1], r["weights"][0]))
        res[key + "__weights"] = np.asarray(r["weights"][2])[order]
    np.savez(args.out, **res)


if __name__ == "__main__":
    _main()
