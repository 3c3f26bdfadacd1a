#!/usr/bin/env python3
"""Threads series on a conductance-based network: iaf_cond_exp neurons
(80 % excitatory, 20 % inhibitory, fixed in-degree) driven by a Poisson
generator, simulated with each thread count (each run in a fresh kernel of
this process); prints the simulate time, the rate and the speed-up over
one thread.  Absolute times vary between runs on a shared machine.

    python scaling/bench_threads_cond.py [--n 10000] [--indegree 100]
                                         [--simtime 500] [--threads 1,2] [--repeat 2]
"""
import argparse
import sys
import time

import numpy as np

import pynestlite as nest


def run(n, indegree, simtime, threads, seed=12345):
    """(simulate seconds, mean rate Hz, spike count) of one run."""
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": threads, "rng_seed": seed})
    pop = nest.Create("iaf_cond_exp", n, params={"V_m": nest.random.uniform(-70.0, -56.0)})
    n_e = int(0.8 * n)
    k_e = int(0.8 * indegree)
    pg = nest.Create("poisson_generator", params={"rate": 12000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, pop, syn_spec={"weight": 3.0, "delay": 1.0})
    nest.Connect(pop[:n_e], pop, {"rule": "fixed_indegree", "indegree": k_e},
                 {"weight": 1.0, "delay": 1.5})
    nest.Connect(pop[n_e:], pop, {"rule": "fixed_indegree", "indegree": indegree - k_e},
                 {"weight": -6.0, "delay": 1.5})
    nest.Connect(pop, sr)
    nest.Simulate(1.0)                  # the tables are built outside the timing
    t0 = time.perf_counter()
    nest.Simulate(simtime)
    dt = time.perf_counter() - t0
    count = int(sr.get("n_events"))
    return dt, count / n / ((simtime + 1.0) / 1000.0), count


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--indegree", type=int, default=100)
    ap.add_argument("--simtime", type=float, default=500.0)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    counts = [int(t) for t in args.threads.split(",")]
    best = {}
    spikes = {}
    for rep in range(args.repeat):
        for t in counts:
            dt, rate, count = run(args.n, args.indegree, args.simtime, t)
            best[t] = min(best.get(t, np.inf), dt)
            spikes.setdefault(t, set()).add(count)
            print(f"run {rep + 1} threads {t}: simulate {dt:.2f} s, rate {rate:.1f} Hz, "
                  f"{count} spikes", flush=True)
    for t in counts:
        if t != counts[0]:
            print(f"speed-up {counts[0]} -> {t} threads (best of {args.repeat}): "
                  f"{best[counts[0]] / best[t]:.2f}x")
    # the spikes do not depend on the thread count
    return 0 if len(set().union(*spikes.values())) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
