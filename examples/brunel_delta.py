"""Brunel (2000) balanced network of iaf_psc_delta neurons: the pynestlite demo.

This is the network of NEST's ``brunel_delta_nest.py`` example (NE = 4 * order
excitatory and NI = order inhibitory neurons, 10 % connectivity with fixed
in-degree, J = 0.1 mV, g = 5, eta = 2, delay 1.5 ms, Poisson drive), written
as a PyNEST script; only the import differs from NEST.

It prints the build and simulation times, the excitatory and inhibitory
firing rates and the number of synapses, and writes a raster plot.  NEST 3.10
gives about 37 Hz at scale 1 (V_reset = 10 mV).

Run::

    python examples/brunel_delta.py --scale 1.0 --simtime 1000 --out out/brunel_raster.png
"""
import argparse
import os
import time

import pynestlite as nest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="network scale (1.0: 12,500 neurons)")
    ap.add_argument("--simtime", type=float, default=1000.0, help="simulated time in ms")
    ap.add_argument("--seed", type=int, default=143202461, help="rng_seed")
    ap.add_argument("--out", default=os.path.join("out", "brunel_raster.png"),
                    help="raster plot file ('' to skip; its folder is made)")
    ap.add_argument("--progress", action="store_true", help="show a progress bar")
    args = ap.parse_args()

    order = int(2500 * args.scale)
    NE, NI = 4 * order, order
    CE, CI = NE // 10, NI // 10
    J, g, eta, delay, tau_m, theta = 0.1, 5.0, 2.0, 1.5, 20.0, 20.0
    nu_th = theta / (J * CE * tau_m)
    p_rate = 1000.0 * eta * nu_th * CE

    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "rng_seed": args.seed, "print_time": args.progress})
    t0 = time.perf_counter()
    nest.SetDefaults("iaf_psc_delta", {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0,
                                       "V_reset": 10.0, "V_m": 0.0, "V_th": theta})
    nodes_ex = nest.Create("iaf_psc_delta", NE)
    nodes_in = nest.Create("iaf_psc_delta", NI)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    espikes = nest.Create("spike_recorder")
    ispikes = nest.Create("spike_recorder")
    nest.Connect(noise, nodes_ex + nodes_in, syn_spec={"weight": J, "delay": delay})
    nest.Connect(nodes_ex[:50], espikes)
    nest.Connect(nodes_in[:50], ispikes)
    nest.Connect(nodes_ex, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": CE},
                 {"weight": J, "delay": delay})
    nest.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": CI},
                 {"weight": -g * J, "delay": delay})
    t_build = time.perf_counter() - t0

    t0 = time.perf_counter()
    nest.Simulate(args.simtime)
    t_sim = time.perf_counter() - t0

    ev_e = nest.gather_events(espikes)
    ev_i = nest.gather_events(ispikes)
    n_syn = nest.GetKernelStatus("num_connections")
    if nest.Rank() == 0:
        rate_ex = len(ev_e["times"]) / 50 / (args.simtime / 1000.0)
        rate_in = len(ev_i["times"]) / 50 / (args.simtime / 1000.0)
        print(f"Brunel network: {NE + NI} neurons, {n_syn} synapses, "
              f"{nest.NumProcesses()} process(es)")
        print(f"Excitatory rate   : {rate_ex:.2f} Hz")
        print(f"Inhibitory rate   : {rate_in:.2f} Hz")
        print(f"Building time     : {t_build:.2f} s")
        print(f"Simulation time   : {t_sim:.2f} s")
        if args.out:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            nest.raster_plot.from_device(None, events=ev_e, hist=True,
                                         title="Brunel delta network: E neurons")
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            plt.savefig(args.out, dpi=100)
            print(f"Raster plot       : {args.out}")


if __name__ == "__main__":
    main()
