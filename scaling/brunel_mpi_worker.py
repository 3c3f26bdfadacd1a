"""One point of a scaling run: the Brunel network on the ranks of this mpiexec.

Started by scaling/strong.py and scaling/weak.py as
``mpiexec -n N python brunel_mpi_worker.py --scale S --simtime T --out FILE``.
Rank 0 writes one JSON object with the per-phase times (maximum over ranks),
the kernel timers of each rank, the peak RSS of each rank and the firing rate.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np

import pynestlite as nest


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--simtime", type=float, default=1000.0)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    order = int(2500 * a.scale)
    NE, NI = 4 * order, order
    CE, CI = NE // 10, NI // 10
    J, g, eta, delay, tau_m, theta = 0.1, 5.0, 2.0, 1.5, 20.0, 20.0
    p_rate = 1000.0 * eta * theta / (J * CE * tau_m) * CE

    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": a.seed})
    t0 = time.perf_counter()
    nest.SetDefaults("iaf_psc_delta", {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0,
                                       "V_reset": 10.0, "V_m": 0.0, "V_th": theta})
    ne = nest.Create("iaf_psc_delta", NE)
    ni = nest.Create("iaf_psc_delta", NI)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    sr = nest.Create("spike_recorder")
    t1 = time.perf_counter()
    nest.Connect(noise, ne + ni, syn_spec={"weight": J, "delay": delay})
    nest.Connect(ne, ne + ni, {"rule": "fixed_indegree", "indegree": CE},
                 {"weight": J, "delay": delay})
    nest.Connect(ni, ne + ni, {"rule": "fixed_indegree", "indegree": CI},
                 {"weight": -g * J, "delay": delay})
    nest.Connect(ne[:500], sr)
    t2 = time.perf_counter()
    nest.Simulate(a.simtime)
    t3 = time.perf_counter()
    st = nest.GetKernelStatus()
    local_syn = sum(len(t) for t in nest.kernel.tables.values())
    mine = {"create": t1 - t0, "connect": t2 - t1, "simulate": t3 - t2,
            "update": st["time_update"], "deliver": st["time_deliver"],
            "communicate": st["time_communicate"], "record": st["time_record"],
            "peak_rss_mb": peak_rss_mb(), "local_synapses": local_syn}
    ev = nest.gather_events(sr)
    allv = nest.kernel.comm.allgather(mine)
    if nest.Rank() == 0:
        res = {"ranks": nest.NumProcesses(), "scale": a.scale, "simtime": a.simtime,
               "neurons": NE + NI, "synapses": st["num_connections"],
               "rate_hz": len(ev["times"]) / 500 / (a.simtime / 1000.0),
               "per_rank": allv}
        for key in ("create", "connect", "simulate", "update", "deliver", "communicate"):
            res[key] = max(r[key] for r in allv)
        res["peak_rss_mb_max"] = max(r["peak_rss_mb"] for r in allv)
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
