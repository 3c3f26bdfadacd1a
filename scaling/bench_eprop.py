#!/usr/bin/env python3
"""Benchmark: e-prop training on pynestlite and NEST 3.10, same tasks, same run.

Tasks (``examples/eprop/eprop_tasks.py``, NEST's e-prop test networks, which
both simulators train to the same losses bit for bit):

- ``sine``: sine-wave regression with the event-driven models (eprop_iaf,
  Adam, 100-step samples, cutoff 100 ms, flush events);
- ``sine_original``: the same task with the original models
  (eprop_iaf_bsshslm_2020, gradient descent, 1000-step samples);
- ``evidence``: evidence accumulation with the original models (50 LIF +
  50 ALIF, two softmax readouts, Adam, batch ``--batch``);
- ``ipd``: a network of the sound-localisation model's size and activity
  (200 parrots firing at 225 Hz, 8 eprop_iaf_psc_delta, 12 eprop_readout,
  Adam once per 128 steps, dt = min delay = 1 ms): ``--iterations`` trials of
  100 ms; the many-small-steps regime where the per-step and per-spike costs
  of the kernel decide.  Equality is checked on the spike count and the
  final weights.

Each simulator runs each task in its own subprocess (never both in one
process); the time is that of building and training the network (the
simulator's import excluded).  Prints seconds and the ratio NEST/pynestlite
(> 1: pynestlite is faster), and the losses' agreement.  Absolute times
differ 2-4x between runs on shared machines; ratios from one run compare.

Usage::

    python scaling/bench_eprop.py [--iterations 20] [--batch 8] [--tasks sine,evidence]
    python scaling/bench_eprop.py --tasks ipd --iterations 200      # 20 s of the ipd network
"""
import argparse
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = os.path.join(HERE, "..", "examples", "eprop")


def ipd_sized(nest, n_trials):
    """The ``ipd`` task: returns ``loss`` (the final weights, for the
    equality check) and ``spikes`` (hidden senders, times)."""
    import numpy as np
    rng = np.random.RandomState(1)
    n_in, n_h, n_out, T = 200, 8, 12, 100.0 * n_trials
    nest.ResetKernel()
    nest.set(resolution=1.0, print_time=False)
    rec = {"C_m": 1.0, "E_L": 0.0, "V_m": 0.0, "V_th": 1.0, "V_reset": 0.0, "t_ref": 1.0,
           "tau_m": 2.0, "kappa": 0.6065, "kappa_reg": 0.6065, "c_reg": 0.0,
           "flush_event_send_interval": 100.0, "eprop_isi_trace_cutoff": 100.0}
    out = {"C_m": 1.0, "E_L": 0.0, "tau_m": 2.0, "V_m": 0.0, "eprop_isi_trace_cutoff": 100.0}
    gens = nest.Create("spike_generator", n_in)
    parrots = nest.Create("parrot_neuron", n_in)
    hid = nest.Create("eprop_iaf_psc_delta", n_h, rec)
    ro = nest.Create("eprop_readout", n_out, out)
    tg = nest.Create("step_rate_generator", n_out)
    wg = nest.Create("step_rate_generator")
    nest.SetDefaults("eprop_synapse", {"optimizer": {
        "type": "adam", "batch_size": 128, "eta": 1e-3, "Wmin": -100.0, "Wmax": 100.0,
        "optimize_each_step": False}})
    one, dense = {"rule": "one_to_one"}, {"rule": "all_to_all"}
    nest.Connect(gens, parrots, one, {"delay": 1.0})
    nest.Connect(parrots, hid, dense, {"synapse_model": "eprop_synapse", "delay": 1.0,
                                       "weight": rng.uniform(-.35, .35, (n_h, n_in))})
    nest.Connect(hid, ro, dense, {"synapse_model": "eprop_synapse", "delay": 1.0,
                                  "weight": rng.uniform(-.29, .29, (n_out, n_h))})
    nest.Connect(ro, hid, dense, {"synapse_model": "eprop_learning_signal_connection",
                                  "delay": 1.0, "weight": rng.uniform(-.29, .29, (n_h, n_out))})
    nest.Connect(tg, ro, one, {"synapse_model": "rate_connection_delayed", "delay": 1.0,
                               "receptor_type": 2})
    nest.Connect(wg, ro, dense, {"synapse_model": "rate_connection_delayed", "delay": 1.0,
                                 "receptor_type": 1})
    spk = rng.rand(int(T), n_in) < 0.225
    t = np.arange(1.0, T + 1.0)
    gens.set([{"spike_times": t[spk[:, j]]} for j in range(n_in)])
    wg.set({"amplitude_times": [2.0], "amplitude_values": [1.0]})
    label = rng.randint(0, n_out, n_trials)
    tg.set([{"amplitude_times": np.arange(2.0, T, 100.0),
             "amplitude_values": (label == j).astype(float)} for j in range(n_out)])
    sr = nest.Create("spike_recorder")
    nest.Connect(hid, sr)
    nest.Simulate(T)
    c = nest.GetConnections(synapse_model="eprop_synapse")
    order = np.lexsort((np.asarray(c.get("target")), np.asarray(c.get("source"))))
    ev = sr.get("events")
    return {"loss": [float(w) for w in np.asarray(c.get("weight"))[order]],
            "spikes": (np.asarray(ev["senders"]), np.asarray(ev["times"]))}


def worker(simulator, task, iterations, batch):
    sys.path.insert(0, TASKS)
    nest = importlib.import_module(simulator)
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    import eprop_tasks as E
    run = {"sine": lambda: E.sine_regression(nest, "eprop_iaf", "adam", n_iter=iterations),
           "sine_original": lambda: E.sine_regression_original(nest, n_iter=iterations),
           "evidence": lambda: E.evidence_accumulation(nest, batch, n_iter=iterations),
           "ipd": lambda: ipd_sized(nest, iterations)}[task]
    t0 = time.perf_counter()
    res = run()
    dt = time.perf_counter() - t0
    print(json.dumps({"seconds": dt, "loss": [float(x) for x in res["loss"]],
                      "spikes": int(len(res["spikes"][0]))}))


def measure(simulator, task, iterations, batch):
    proc = subprocess.run([sys.executable, __file__, "--worker", simulator, "--task", task,
                           "--iterations", str(iterations), "--batch", str(batch)],
                          capture_output=True, text=True, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(f"{simulator} {task} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--tasks", default="sine,sine_original,evidence")
    ap.add_argument("--worker", default=None)
    ap.add_argument("--task", default=None)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.task, args.iterations, args.batch)
        return
    have_nest = importlib.util.find_spec("nest") is not None
    print(f"e-prop training, {args.iterations} iterations (evidence: batch {args.batch})")
    print(f"{'task':>14} {'pynestlite s':>13} {'NEST s':>9} {'NEST/pnl':>9}  losses")
    for task in args.tasks.split(","):
        p = measure("pynestlite", task, args.iterations, args.batch)
        line = f"{task:>14} {p['seconds']:13.2f}"
        if have_nest:
            n = measure("nest", task, args.iterations, args.batch)
            same = "equal" if n["loss"] == p["loss"] and n["spikes"] == p["spikes"] else \
                "DIFFER"
            line += f" {n['seconds']:9.2f} {n['seconds'] / p['seconds']:9.2f}  {same}"
        else:
            line += f" {'-':>9} {'-':>9}  (NEST not installed)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
