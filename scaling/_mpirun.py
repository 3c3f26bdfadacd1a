"""Shared driver code of strong.py and weak.py: launch points, collect, plot."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def mpiexec():
    exe = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    if exe is None:
        sys.exit("mpiexec not found: pip install mpich mpi4py (or load your cluster's MPI)")
    return exe


def run_point(ranks, scale, simtime, launcher, extra):
    """Run the worker on ``ranks`` ranks; returns its JSON result."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "point.json")
        cmd = launcher.split() if launcher else [mpiexec(), "-n", str(ranks)]
        if launcher:
            cmd += [str(ranks)] if launcher.endswith(("-n", "-np", "--ntasks")) else []
        cmd += list(extra) + [sys.executable, os.path.join(HERE, "brunel_mpi_worker.py"),
                              "--scale", str(scale), "--simtime", str(simtime), "--out", out]
        print("$", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)
        with open(out) as f:
            return json.load(f)


def report(points, kind, json_path, plot_path):
    base = points[0]
    print(f"\n{kind} scaling of the Brunel network")
    print(f"{'ranks':>5} {'scale':>6} {'synapses':>11} {'build s':>10} {'sim s':>8} "
          f"{'comm s':>7} {'speed-up':>8} {'eff.':>6} {'RSS/rank MB':>11}")
    for p in points:
        if kind == "strong":
            p["speedup"] = base["simulate"] / p["simulate"]
            p["efficiency"] = p["speedup"] / (p["ranks"] / base["ranks"])
        else:
            p["speedup"] = base["simulate"] / p["simulate"] * (p["ranks"] / base["ranks"])
            p["efficiency"] = base["simulate"] / p["simulate"]
        print(f"{p['ranks']:>5} {p['scale']:>6.2f} {p['synapses']:>11,} {p['build']:>10.2f} "
              f"{p['simulate']:>8.2f} {p['communicate']:>7.2f} {p['speedup']:>8.2f} "
              f"{p['efficiency']:>6.2f} {p['peak_rss_mb_max']:>11.0f}")
    with open(json_path, "w") as f:
        json.dump(points, f, indent=1)
    print(f"wrote {json_path}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    r = [p["ranks"] for p in points]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.plot(r, [p["speedup"] for p in points], "o-", label="measured")
    a1.plot(r, [x / r[0] for x in r], "k--", label="ideal")
    a1.set_xlabel("ranks"); a1.set_ylabel("speed-up"); a1.legend()
    a2.plot(r, [p["efficiency"] for p in points], "o-")
    a2.axhline(1.0, color="k", ls="--")
    a2.set_xlabel("ranks"); a2.set_ylabel("efficiency"); a2.set_ylim(0, 1.2)
    fig.suptitle(f"{kind} scaling, Brunel network")
    fig.tight_layout()
    fig.savefig(plot_path, dpi=100)
    print(f"wrote {plot_path}")
