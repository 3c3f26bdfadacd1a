#!/usr/bin/env python3
"""Benchmark: building a spatial network, pynestlite against NEST 3.10.

Network: a periodic grid layer of ``--side`` x ``--side`` iaf_psc_alpha
neurons (default 150 x 150 = 22,500) on a unit square, connected to itself
with ``pairwise_bernoulli``, a Gaussian probability of the distance
(std 0.05) inside a circular mask (radius 0.1), weights 1 + distance and
delays 1 + 10 * distance; then a free layer of the same size at uniform
random positions connected to the grid with ``fixed_indegree`` 50 in a
rectangular mask.  Both simulators build the same calls in their own
subprocess (NEST: one thread); the script prints the build time, the
connections made, the peak resident memory and NEST / pynestlite ratios.

    python scaling/bench_spatial.py [--side 150] [--only pynestlite|nest] [--json out.json]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _bench_common as bc  # noqa: E402

TAG = "BENCH_SPATIAL "


def build(nest, side):
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 1})
    grid = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(
        shape=[side, side], extent=[1.0, 1.0], edge_wrap=True))
    free = nest.Create("iaf_psc_alpha", side * side, positions=nest.spatial.free(
        nest.random.uniform(-0.5, 0.5), num_dimensions=2))
    d = nest.spatial.distance
    t0 = time.perf_counter()
    nest.Connect(grid, grid, {"rule": "pairwise_bernoulli",
                              "p": nest.spatial_distributions.gaussian(d, std=0.05),
                              "mask": {"circular": {"radius": 0.1}}},
                 {"weight": 1.0 + d, "delay": 1.0 + 10.0 * d})
    t1 = time.perf_counter()
    nest.Connect(free, grid, {"rule": "fixed_indegree", "indegree": 50,
                              "mask": {"rectangular": {"lower_left": [-0.1, -0.1],
                                                       "upper_right": [0.1, 0.1]}}})
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def run_worker(name, args):
    nest = bc.import_simulator(name)
    if name == "nest":
        nest.set_verbosity("M_ERROR")
    t_bern, t_indeg = build(nest, args.side)
    n = nest.GetKernelStatus("num_connections")
    return {"simulator": name, "ok": True, "bernoulli_s": t_bern, "indegree_s": t_indeg,
            "build_s": t_bern + t_indeg, "connections": int(n),
            "peak_rss_mib": bc.proc_status_kib("VmHWM") / 1024.0}


def summary(r):
    return (f"{r['simulator']:>10}: pairwise_bernoulli {r['bernoulli_s']:.2f} s, "
            f"fixed_indegree {r['indegree_s']:.2f} s, {r['connections']:,} connections, "
            f"peak RSS {r['peak_rss_mib']:.0f} MiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=150)
    ap.add_argument("--only", choices=bc.SIMULATORS)
    ap.add_argument("--json")
    bc.add_worker_options(ap)
    args = ap.parse_args()
    if args.worker:
        bc.worker_main(args.worker, run_worker, args, TAG)
    sims = [args.only] if args.only else ["pynestlite", "nest"]
    results, failed = bc.run_simulators(__file__, sims, ["--side", str(args.side)], TAG,
                                        summary, verbose=args.verbose)
    ratios = bc.nest_ratios(results, {"pairwise_bernoulli time": "bernoulli_s",
                                      "fixed_indegree time": "indegree_s",
                                      "build time": "build_s", "peak RSS": "peak_rss_mib"})
    if ratios:
        print("NEST / pynestlite: " + ", ".join(
            f"{k} {v:.2f}x" for k, v in ratios.items() if v is not None))
    if args.json:
        bc.write_json(args.json, {"results": results, "nest_over_pynestlite": ratios}, 2)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
