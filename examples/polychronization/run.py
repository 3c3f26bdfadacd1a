"""Polychronization (Izhikevich 2006) as reproduced by Pauli et al. (2018).

Builds the 1,000-neuron network in bitwise mode (the original program
spike for spike) or qualitative mode (pynestlite's own random streams),
simulates it with a progress bar, stores spikes and synapses in HDF5 at
chosen times, analyses the last 10 s (rates, ISI CV, Fano factor, spectral
peak, weights per delay), finds the polychronous groups with the original
algorithm and draws figures like the paper's Figs. 2-5.

    python examples/polychronization/run.py              # bitwise, 18,000 s, all pivots
    python examples/polychronization/run.py --quick      # 300 s, pivots 0..99 (minutes)
    python examples/polychronization/run.py --mode qualitative --seed 3 --seconds 600 \\
        --pivots 100 --out out/poly --json out/poly.json --store out/poly.h5

The full bitwise run gives the paper's 4,305 groups.  ``--json`` writes
``groups``, ``rate_exc_hz``, ``rate_inh_hz``, ``seconds_simulated`` (and
the other measures) plus ``config``.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import pynestlite as nest  # noqa: E402
import analysis  # noqa: E402
import network  # noqa: E402

WINDOW_MS = 10_000      # analysis window: the last 10 s


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("bitwise", "qualitative"), default="bitwise")
    p.add_argument("--seed", type=int, default=0,
                   help="srand seed (bitwise) or rng_seed (qualitative; >= 1)")
    p.add_argument("--seconds", type=int, default=18_000, help="simulated seconds")
    p.add_argument("--pivots", type=int, default=800,
                   help="search groups from the first N excitatory pivots (0: no search)")
    p.add_argument("--min-layers", type=int, default=7)
    p.add_argument("--quick", action="store_true",
                   help="a reduced run of minutes: 300 s, pivots 0..99")
    p.add_argument("--out", help="directory for the figures")
    p.add_argument("--json", help="file for the measured numbers")
    p.add_argument("--store", help="HDF5 file for spikes and synapses at the store times")
    p.add_argument("--store-every", type=int, default=0,
                   help="store every N simulated seconds (default: only at the end)")
    p.add_argument("--resume", metavar="STORE",
                   help="continue the run stored in STORE (an HDF5 file of --store) from its "
                        "last store time up to --seconds; mode and seed come from STORE")
    a = p.parse_args(argv)
    if a.quick:
        a.seconds = min(a.seconds, 300)
        a.pivots = min(a.pivots, 100)
    if a.mode == "qualitative" and a.seed < 1:
        a.seed = 1
    if a.seconds < WINDOW_MS // 1000:
        p.error(f"--seconds must be at least {WINDOW_MS // 1000} (the analysis window)")
    return a


def store(path, t_s, net, sr):
    """Write the spikes recorded since the last store and every synapse at
    ``t_s`` seconds into group ``/t{t_s}`` of the HDF5 file ``path``, and the
    simulation's state (``nest.save_state``) to ``path + ".state"``, from
    which ``--resume`` continues."""
    import h5py
    ev = sr.events
    syn = net.synapses()
    nest.save_state(path + ".state")
    with h5py.File(path, "a") as f:
        f.attrs["state_time_s"] = t_s
        f.attrs["stimulus"] = net.stimulus_state()
        f.attrs["mode"] = net.mode
        f.attrs["seed"] = net.seed
        name = f"t{t_s:06d}"
        if name in f:
            del f[name]
        g = f.create_group(name)
        g.attrs["time_ms"] = t_s * 1000.0
        g.attrs["mode"] = net.mode
        g.attrs["seed"] = net.seed
        g["spike_times"] = np.asarray(ev["times"])
        g["spike_neurons"] = net.index_of(ev["senders"])
        for key, val in syn.items():
            g[key] = val


def simulate(net, seconds, sr, args, start=0):
    """Run from ``start`` to ``seconds`` in chunks with a progress bar; record
    the spikes of the last 10 s before each store time (and before the end)."""
    from tqdm import tqdm
    every = args.store_every or seconds
    stops = sorted(set([x for x in range(every, seconds, every) if x > start] + [seconds]))
    t = start
    with tqdm(total=seconds, initial=start, unit="s", desc=f"{net.mode} seed {net.seed}") as bar:
        for stop in stops:
            sr.set(n_events=0, start=max(0.0, stop * 1000.0 - WINDOW_MS - 1.0))
            while t < stop:
                step = min(10, stop - t)
                net.simulate(step * 1000)
                t += step
                bar.update(step)
            if args.store:
                store(args.store, stop, net, sr)


def find_groups(syn, pivots, min_layers):
    from pynestlite.analysis.polychronous import find_groups as finder
    return finder(syn["pre"], syn["post"], np.rint(syn["delay"]).astype(np.int64),
                  syn["weight"], pivots=range(pivots), min_layers=min_layers, progress=True)


def figures(out, ev_t, ev_idx, t_end, act, wst, syn, groups):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out, exist_ok=True)
    # Fig. 2A: raster of the last second
    fig, ax = plt.subplots(figsize=(8, 4))
    sel = ev_t >= t_end - 1000.0
    ax.plot(ev_t[sel] / 1000.0, ev_idx[sel], ",k")
    ax.set(xlabel="time (s)", ylabel="neuron", title="last second")
    fig.savefig(os.path.join(out, "raster.png"), dpi=120)
    plt.close(fig)
    # Fig. 2: power spectrum of the excitatory rate
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.semilogy(act["freqs"], act["psd"])
    ax.axvline(act["peak_hz"], color="r", lw=0.8)
    ax.set(xlabel="frequency (Hz)", ylabel="PSD", xlim=(0, 200),
           title=f"peak {act['peak_hz']:.1f} Hz ({act['gamma']} gamma)")
    fig.savefig(os.path.join(out, "spectrum.png"), dpi=120, bbox_inches="tight")
    plt.close(fig)
    # Fig. 2/5: weight histogram and mean E->E weight per delay
    exc = syn["pre"] < network.N_EXC
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.hist(syn["weight"][exc], bins=50, log=True)
    a1.set(xlabel="weight (mV)", ylabel="synapses", title="excitatory weights")
    a2.plot(np.arange(1, 21), wst["mean_per_delay"], "o-")
    a2.set(xlabel="delay (ms)", ylabel="mean E->E weight (mV)")
    fig.savefig(os.path.join(out, "weights.png"), dpi=120, bbox_inches="tight")
    plt.close(fig)
    # Fig. 3/5: one group (the largest)
    if groups:
        g = max(groups, key=lambda x: x["N_fired"])
        fig, ax = plt.subplots(figsize=(6, 4))
        pos = {int(n): (int(t), int(n)) for n, t in zip(g["neurons"], g["times"])}
        for pre, post, _, _ in g["links"]:
            if int(pre) in pos and int(post) in pos:
                (x0, y0), (x1, y1) = pos[int(pre)], pos[int(post)]
                ax.plot([x0, x1], [y0, y1], color="0.7", lw=0.5)
        ax.scatter(g["times"], g["neurons"], c=g["layers"], s=12, cmap="viridis")
        ax.set(xlabel="time (ms)", ylabel="neuron",
               title=f"group of pivot {g['pivot']}: {g['N_fired']} spikes, "
                     f"{g['L_max']} layers")
        fig.savefig(os.path.join(out, "group.png"), dpi=120, bbox_inches="tight")
        plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    start = 0
    if args.resume:
        import h5py
        with h5py.File(args.resume, "r") as f:
            args.mode, args.seed = str(f.attrs["mode"]), int(f.attrs["seed"])
            start, stimulus = int(f.attrs["state_time_s"]), str(f.attrs["stimulus"])
        if args.seconds <= start:
            raise SystemExit(f"--seconds {args.seconds} is not beyond the stored time {start} s")
        args.store = args.store or args.resume
    t_wall = time.time()
    nest.ResetKernel()
    net = network.build(nest, args.mode, seed=args.seed)
    sr = nest.Create("spike_recorder")
    nest.Connect(nest.NodeCollection(list(range(1, network.N + 1))), sr)
    if args.resume:
        nest.load_state(args.resume + ".state")
        net.set_stimulus_state(stimulus)
    t_build = time.time() - t_wall
    t0 = time.time()
    simulate(net, args.seconds, sr, args, start)
    t_sim = time.time() - t0
    ev = sr.events
    ev_t = np.asarray(ev["times"], np.float64)
    ev_idx = net.index_of(ev["senders"])
    t_end = args.seconds * 1000.0
    act = analysis.activity_stats(ev_t, ev_idx, t_end, WINDOW_MS)
    syn = net.synapses()
    wst = analysis.weight_stats(syn["pre"], syn["post"], syn["delay"], syn["weight"])
    groups, t_groups = [], 0.0
    if args.pivots > 0:
        t0 = time.time()
        groups = find_groups(syn, args.pivots, args.min_layers)
        t_groups = time.time() - t0
    result = {
        "groups": len(groups),
        "rate_exc_hz": act["rate_exc_hz"],
        "rate_inh_hz": act["rate_inh_hz"],
        "seconds_simulated": args.seconds,
        "cv_exc_median": act["cv_exc_median"],
        "fano_1ms": act["fano_1ms"],
        "fano_0p5ms": act["fano_0p5ms"],
        "spectral_peak_hz": act["peak_hz"],
        "gamma": act["gamma"],
        "ee_strong": wst["ee_strong"], "ee_weak": wst["ee_weak"], "ee_mid": wst["ee_mid"],
        "ei_strong": wst["ei_strong"], "strong_all": wst["strong_all"],
        "max_weight_delay_ms": wst["max_delay"],
        "group_sizes_median": float(np.median([g["N_fired"] for g in groups])) if groups else 0.0,
        "group_layers_7_fraction": (float(np.mean([g["L_max"] == 7 for g in groups]))
                                    if groups else 0.0),
        "wall_s": {"build": t_build, "simulate": t_sim, "groups": t_groups},
        "ms_per_simulated_s": 1000.0 * t_sim / (args.seconds - start),
        # memory of the spike archive and of the plastic synapse table
        "archive_bytes": int(nest.kernel.scheduler.archive_bytes()),
        "plastic_table_bytes_per_synapse": nest.kernel.tables["EX"].nbytes()
        / max(1, nest.kernel.tables["EX"].n_synapses()),
        "config": {"mode": args.mode, "seed": args.seed, "seconds": args.seconds,
                   "resumed_from_s": start,
                   "pivots": args.pivots, "min_layers": args.min_layers,
                   "synapse_model": net.synapse_model},
    }
    for k in ("groups", "rate_exc_hz", "rate_inh_hz", "spectral_peak_hz", "ee_strong",
              "ei_strong", "max_weight_delay_ms", "ms_per_simulated_s", "archive_bytes"):
        print(f"{k:>22}: {result[k]}")
    if args.out:
        figures(args.out, ev_t, ev_idx, t_end, act, wst, syn, groups)
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        os.makedirs(d, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == "__main__":
    main()
