#!/usr/bin/env python3
"""Benchmark: the polychronization network (Izhikevich 2006) on pynestlite,
the original C++ program and NEST 3.10, per simulated second.

Network (all three): 800 excitatory + 200 inhibitory Izhikevich neurons at
1-ms resolution, the original program's connectivity (glibc ``rand()``,
seed 0: 100 targets per neuron, excitatory delays 1..20 ms, five of each),
initial state and thalamic stimulus (one neuron per ms receives 20 for one
step), plastic excitatory synapses (initial weight 6, Wmax 10).

- **original**: ``poly_spnet.cpp`` compiled with g++ -O2 (only its output
  changed, see ``examples/polychronization/original.py``); the wall time of
  the whole process, which is dominated by the simulation.
- **pynestlite**: ``examples/polychronization/network.py`` in bitwise mode
  (``izhikevich_2006``, ``stdp_izh_bitwise_synapse``): the same spikes and
  weights as the original.  Its stimulus (the emulation of glibc ``rand()``,
  in Python) is drawn before the timed run, as NEST's is.
- **NEST 3.10** has neither the 2006 numerics nor the Izhikevich synapse:
  it runs the same connectivity, state and stimulus with ``izhikevich``
  (``consistent_integration`` False, the published two-half-step scheme)
  and ``stdp_synapse`` (additive: mu_plus = mu_minus = 0, lambda 0.01,
  alpha 1.2, Wmax 10), the closest of its models; its activity differs,
  so the rates are printed beside the times.

Each simulator runs in its own subprocess (pynestlite and NEST through
``_bench_common``); a first second of simulation is not timed (tables,
buffers).  Prints ms per simulated second for each and the ratios
pynestlite/original and NEST/pynestlite.  Absolute times differ 2-4x between
runs on shared machines; ratios from one run compare.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "examples", "polychronization")
sys.path.insert(0, EXAMPLE)

from _bench_common import (SIMULATORS, add_worker_options, fmt, import_simulator,  # noqa: E402
                           nest_ratios, run_simulators, worker_main, write_json)

RESULT_TAG = "BENCH_POLY_RESULT "


def _nest_network(nest, seconds):
    """The original connectivity, state and stimulus with NEST's models."""
    import original_rng
    import network
    orig = original_rng.original_network(0)
    nest.SetKernelStatus({"resolution": 1.0, "local_num_threads": 1})
    inh = nest.Create("izhikevich", network.N_INH,
                      params=dict(network.INH_PARAMS, consistent_integration=False))
    exc = nest.Create("izhikevich", network.N_EXC,
                      params=dict(network.EXC_PARAMS, consistent_integration=False))
    gid = network.N - np.arange(network.N)
    nodes = inh + exc
    v0 = orig["v0"][network.N - np.asarray(nodes.tolist())]
    nodes.set(V_m=v0.tolist(), U_m=(0.2 * v0).tolist())
    nest.CopyModel("stdp_synapse", "EX", {"weight": network.W_INIT, "Wmax": network.W_MAX,
                                          "mu_plus": 0.0, "mu_minus": 0.0, "lambda": 0.01,
                                          "alpha": 1.2})
    nest.CopyModel("static_synapse", "IN", {"weight": network.W_INH, "delay": 1.0})
    network.connect_original(nest, orig["post"], orig["delay"], gid)
    who = np.array(original_rng.stimulus(orig["rng"], seconds * 1000 + 1))
    t = np.arange(len(who), dtype=float)
    gens = nest.Create("spike_generator", network.N)
    node_of_gen = np.arange(1, network.N + 1)
    first = network.N - node_of_gen
    times = [t[(who == i) & (t > 0)] for i in first]
    gens.set([{"spike_times": x.tolist()} for x in times])
    nest.Connect(gens, nest.NodeCollection(node_of_gen.tolist()), "one_to_one",
                 {"weight": network.W_STIM, "delay": 1.0})
    return nodes


def run_worker(name, args):
    nest = import_simulator(name)
    nest.ResetKernel()
    sr = None
    t0 = time.perf_counter()
    if name == "pynestlite":
        import network
        net = network.build(nest, "bitwise", seed=0)
        nodes = nest.NodeCollection(list(range(1, network.N + 1)))
    else:
        nodes = _nest_network(nest, args.seconds + 1)
    sr = nest.Create("spike_recorder")
    nest.Connect(nodes, sr)
    build_s = time.perf_counter() - t0
    if name == "pynestlite":
        net.simulate(1000)
        sr.set(n_events=0)
        # the stimulus is drawn beforehand (the emulation of rand() is Python)
        net.load_stimulus(1000 + args.seconds * 1000)
        t0 = time.perf_counter()
        net.simulate(args.seconds * 1000, chunk_ms=args.seconds * 1000)
    else:
        nest.Simulate(1000.0)
        sr.set(n_events=0)
        t0 = time.perf_counter()
        nest.Simulate(args.seconds * 1000.0)
    sim_s = time.perf_counter() - t0
    n_spikes = len(sr.get("events")["times"])
    return {"simulator": name, "ok": True, "module_version": getattr(nest, "__version__", None),
            "build_s": build_s, "simulate_s": sim_s,
            "ms_per_s": 1000.0 * sim_s / args.seconds,
            "rate_hz": n_spikes / (1000.0 * args.seconds)}


def run_original(seconds):
    import original
    if not original.available():
        return {"simulator": "original", "ok": False, "error": "g++ or poly_spnet.cpp missing"}
    with tempfile.TemporaryDirectory() as work:
        exe1 = original.build(work, 1)
        exe = original.build(work, seconds + 1)
        times = []
        for e in (exe1, exe):
            t0 = time.perf_counter()
            subprocess.run([e], cwd=work, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        counts = np.loadtxt(os.path.join(work, "counts.txt"), ndmin=2)
    # the second program's time minus the first's: `seconds` simulated seconds
    sim_s = times[1] - times[0]
    return {"simulator": "original", "ok": True, "simulate_s": sim_s,
            "ms_per_s": 1000.0 * sim_s / seconds,
            "rate_hz": counts[-seconds:, 1:].sum() / (1000.0 * seconds)}


def summary_line(r):
    return (f"{r['simulator']:>10}: {fmt(r['ms_per_s'], '.1f')} ms per simulated s  "
            f"(simulate {fmt(r['simulate_s'], '.2f')} s"
            + (f", build {fmt(r['build_s'], '.2f')} s" if "build_s" in r else "")
            + f")  rate {fmt(r['rate_hz'], '.2f')} spikes/neuron/s")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=20, help="simulated seconds timed")
    ap.add_argument("--only", choices=SIMULATORS + ("original",))
    ap.add_argument("--json", metavar="PATH")
    add_worker_options(ap)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker, run_worker, args, RESULT_TAG)
    print(f"polychronization network: 1,000 Izhikevich neurons, 100,000 synapses, "
          f"{args.seconds} s", flush=True)
    results, failed = {}, False
    if args.only in (None, "original"):
        r = run_original(args.seconds)
        results["original"] = r
        print(summary_line(r) if r["ok"] else f"original: skipped ({r['error']})", flush=True)
    sims = [s for s in SIMULATORS if args.only in (None, s)]
    if sims:
        res, failed = run_simulators(__file__, sims, ["--seconds", str(args.seconds)],
                                     RESULT_TAG, summary_line, verbose=args.verbose)
        results.update(res)
    ratios = {}
    a, o = results.get("pynestlite", {}), results.get("original", {})
    if a.get("ok") and o.get("ok"):
        ratios["pynestlite_over_original"] = a["ms_per_s"] / o["ms_per_s"]
        print(f"ratio pynestlite/original: {ratios['pynestlite_over_original']:.2f}x")
    nr = nest_ratios(results, {"simulate": "ms_per_s"})
    if nr is not None:
        ratios["nest_over_pynestlite"] = nr["simulate"]
        print(f"ratio NEST/pynestlite: {fmt(nr['simulate'], '.2f')}x")
    if args.json:
        write_json(args.json, {"benchmark": "polychronization", "config": vars(args),
                               "results": results, "ratios": ratios}, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
