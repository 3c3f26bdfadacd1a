#!/usr/bin/env python3
"""Benchmark: e-prop training on pynestlite and NEST 3.10, same tasks, same run.

Tasks (``examples/eprop/eprop_tasks.py``, NEST's e-prop test networks, which
both simulators train to the same losses bit for bit):

- ``sine``: sine-wave regression with the event-driven models (eprop_iaf,
  Adam, 100-step samples, cutoff 100 ms, flush events);
- ``sine_original``: the same task with the original models
  (eprop_iaf_bsshslm_2020, gradient descent, 1000-step samples);
- ``evidence``: evidence accumulation with the original models (50 LIF +
  50 ALIF, two softmax readouts, Adam, batch ``--batch``).

Each simulator runs each task in its own subprocess (never both in one
process); the time is that of building and training the network (the
simulator's import excluded).  Prints seconds and the ratio NEST/pynestlite
(> 1: pynestlite is faster), and the losses' agreement.  Absolute times
differ 2-4x between runs on shared machines; ratios from one run compare.

Usage::

    python scaling/bench_eprop.py [--iterations 20] [--batch 8] [--tasks sine,evidence]
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


def worker(simulator, task, iterations, batch):
    sys.path.insert(0, TASKS)
    nest = importlib.import_module(simulator)
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    import eprop_tasks as E
    run = {"sine": lambda: E.sine_regression(nest, "eprop_iaf", "adam", n_iter=iterations),
           "sine_original": lambda: E.sine_regression_original(nest, n_iter=iterations),
           "evidence": lambda: E.evidence_accumulation(nest, batch, n_iter=iterations)}[task]
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
