"""One point of a scaling run: the Brunel network on the ranks of this mpiexec.

Started by scaling/strong.py and scaling/weak.py as
``mpiexec -n N python brunel_mpi_worker.py --scale S --simtime T --out FILE``.
The network is bench_brunel.py's (same parameters, same builder).  Rank 0
writes one JSON object with the per-phase times (maximum over ranks), the
kernel timers and peak RSS of each rank and the excitatory firing rate.
"""
import argparse
import contextlib
import json
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pynestlite as nest  # noqa: E402
from bench_brunel import build_network, network_parameters  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--simtime", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    p = network_parameters(a.scale, 10.0)
    times = {}

    @contextlib.contextmanager
    def timer(key):
        t0 = time.perf_counter()
        yield
        times[key] = time.perf_counter() - t0

    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": a.seed, "detailed_timers": True})
    espikes, _ = build_network(nest, p, timer)
    with timer("simulate"):
        nest.Simulate(a.simtime)
    st = nest.GetKernelStatus()
    mine = {"build": times["build_s"], "simulate": times["simulate"],
            "update": st["time_update"], "deliver": st["time_deliver"],
            "communicate": st["time_communicate"], "record": st["time_record"],
            "peak_rss_mb": peak_rss_mb(),
            "local_synapses": sum(len(t) for t in nest.kernel.tables.values())}
    ev = nest.gather_events(espikes)
    allv = nest.kernel.comm.allgather(mine)
    if nest.Rank() == 0:
        res = {"ranks": nest.NumProcesses(), "scale": a.scale, "simtime": a.simtime,
               "neurons": p["NE"] + p["NI"], "synapses": st["num_connections"],
               "rate_hz": len(ev["times"]) / p["N_rec"] / (a.simtime / 1000.0),
               "per_rank": allv}
        for key in ("build", "simulate", "update", "deliver", "communicate"):
            res[key] = max(r[key] for r in allv)
        res["peak_rss_mb_max"] = max(r["peak_rss_mb"] for r in allv)
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
