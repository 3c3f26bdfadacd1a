#!/usr/bin/env python3
"""Benchmark: a recurrent network of ``stdp_synapse`` (pynestlite vs NEST).

Network
-------
``--neurons`` N ``iaf_psc_alpha`` neurons (``I_e`` 0, default parameters),
recurrently connected with ``fixed_indegree`` ``--indegree`` K through
``stdp_synapse`` (``--weight`` 2 pA, Wmax 10, lambda 0.005, alpha 2.0, delay
1.5 ms, all other parameters NEST's defaults), and driven by one
``poisson_generator`` (``--rate`` Hz, weight 15 pA, delay 1 ms).  Spikes of
all neurons are recorded.  Resolution 0.1 ms, ``--threads`` threads per
process (``local_num_threads``, both simulators; default 1).

What is measured (each simulator in its own subprocess)
-------------------------------------------------------
bytes per synapse
    Growth of the process RSS from before ``Connect`` of the plastic
    synapses to after a first ``Simulate`` of one step (NEST finishes its
    connection tables there; pynestlite merges its rows), divided by the
    number of plastic synapses.  pynestlite also reports its tables' own
    count (``table_bytes_per_syn``: columns, row pointers, per-row state).
simulate time
    Wall-clock time of ``Simulate(--simtime)`` after that first step.
rates and weights
    Mean firing rate, and mean and spread of the final weights (both
    simulators run the same rule; the numbers differ only through the
    random streams of each simulator).
peak RSS
    The process's peak resident memory after the simulation, before the
    weights are read back (NEST's ``get`` of millions of synapses builds a
    dict per synapse, which would dominate the figure).

The driver prints one line per simulator and the ratios NEST/pynestlite of
simulate time, bytes per synapse and peak RSS (absolute times differ 2-4x
between runs on shared machines; ratios from one run compare).
"""

import argparse
import gc
import sys
import time

import numpy as np

from _bench_common import (SIMULATORS, add_worker_options, fmt, import_simulator,
                           nest_ratios, proc_status_kib, run_simulators, worker_main,
                           write_json)

RESULT_TAG = "BENCH_STDP_RESULT "


def run_worker(name, args):
    nest = import_simulator(name)
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": args.threads,
                          "rng_seed": 1234})
    t0 = time.perf_counter()
    n = nest.Create("iaf_psc_alpha", args.neurons)
    pg = nest.Create("poisson_generator", params={"rate": args.rate})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, n, syn_spec={"weight": 15.0, "delay": 1.0})
    nest.Connect(n, sr)
    gc.collect()
    rss0 = proc_status_kib("VmRSS")
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": args.indegree},
                 {"synapse_model": "stdp_synapse", "weight": args.weight, "Wmax": 10.0,
                  "lambda": 0.005, "alpha": 2.0, "delay": 1.5})
    nest.Simulate(0.1)
    gc.collect()
    rss1 = proc_status_kib("VmRSS")
    build_s = time.perf_counter() - t0
    n_syn = args.neurons * args.indegree
    table_bytes = None
    if name == "pynestlite":
        table_bytes = nest.kernel.tables["stdp_synapse"].nbytes() / n_syn
    t0 = time.perf_counter()
    nest.Simulate(args.simtime)
    sim_s = time.perf_counter() - t0
    n_spikes = int(nest.GetKernelStatus("local_spike_counter")) if name == "nest" else \
        len(sr.get("events")["times"])
    peak_mb = (proc_status_kib("VmHWM") or 0) / 1024.0     # before reading the weights
    w = np.asarray(nest.GetConnections(synapse_model="stdp_synapse").get("weight"))
    archive = nest.kernel.scheduler.archive_bytes() if name == "pynestlite" else None
    return {
        "simulator": name, "ok": True,
        "module_version": getattr(nest, "__version__", None),
        "synapses": n_syn, "build_s": build_s, "simulate_s": sim_s,
        "bytes_per_syn": (rss1 - rss0) * 1024.0 / n_syn if None not in (rss0, rss1) else None,
        "table_bytes_per_syn": table_bytes,
        "archive_bytes": archive,
        "rate_hz": n_spikes / (args.neurons * (args.simtime + 0.1) / 1000.0),
        "weight_mean": float(w.mean()), "weight_sd": float(w.std()),
        "peak_rss_mb": peak_mb,
    }


def summary_line(r):
    return (f"{r['simulator']:>10}: simulate {fmt(r['simulate_s'], '.2f')} s  "
            f"bytes/syn {fmt(r['bytes_per_syn'], '.1f')} (RSS)"
            + (f" {fmt(r['table_bytes_per_syn'], '.2f')} (tables)"
               if r.get("table_bytes_per_syn") is not None else "")
            + f"  build {fmt(r['build_s'], '.2f')} s  rate {fmt(r['rate_hz'], '.1f')} Hz  "
            f"w {fmt(r['weight_mean'], '.2f')} +- {fmt(r['weight_sd'], '.2f')}  "
            f"peak RSS {fmt(r['peak_rss_mb'], '.0f')} MB")


def worker_args(args):
    return ["--neurons", str(args.neurons), "--indegree", str(args.indegree),
            "--rate", str(args.rate), "--simtime", str(args.simtime),
            "--weight", str(args.weight), "--threads", str(args.threads)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=20000)
    ap.add_argument("--indegree", type=int, default=200)
    ap.add_argument("--rate", type=float, default=4000.0, help="Poisson drive (Hz)")
    ap.add_argument("--simtime", type=float, default=500.0, help="ms")
    ap.add_argument("--weight", type=float, default=2.0, help="initial plastic weight (pA)")
    ap.add_argument("--threads", type=int, default=1, help="local_num_threads (both simulators)")
    ap.add_argument("--only", choices=SIMULATORS)
    ap.add_argument("--json", metavar="PATH")
    add_worker_options(ap)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker, run_worker, args, RESULT_TAG)
    print(f"stdp_synapse network: {args.neurons:,} iaf_psc_alpha x {args.indegree} plastic "
          f"inputs = {args.neurons * args.indegree:,} synapses, {args.simtime} ms, "
          f"{args.threads} thread(s)", flush=True)
    sims = [args.only] if args.only else list(SIMULATORS)
    results, failed = run_simulators(__file__, sims, worker_args(args), RESULT_TAG,
                                     summary_line, verbose=args.verbose)
    ratios = nest_ratios(results, {k: k for k in ("simulate_s", "bytes_per_syn", "peak_rss_mb")})
    if ratios is not None:
        print(f"ratio NEST/pynestlite: simulate {fmt(ratios['simulate_s'], '.2f')}x  "
              f"bytes/syn {fmt(ratios['bytes_per_syn'], '.2f')}x  "
              f"peak RSS {fmt(ratios['peak_rss_mb'], '.2f')}x")
    if args.json:
        write_json(args.json, {"benchmark": "stdp", "config": vars(args), "results": results,
                               "ratios_nest_over_pynestlite": ratios}, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
