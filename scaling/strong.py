"""Strong scaling: a fixed Brunel network on a list of rank counts.

    python scaling/strong.py --scale 1.0 --ranks 1 2 --simtime 1000

Each point is a separate ``mpiexec -n N`` run of scaling/brunel_mpi_worker.py;
per-phase times (max over ranks), kernel timers and peak RSS per rank go to
``--json`` and speed-up/efficiency to the ``--plot`` figure.  On a cluster pass
the launcher, e.g. ``--launcher "srun --ntasks"``; on a laptop with fewer cores
than ranks add ``--mpi-args=-bind-to --mpi-args=none`` (MPICH's hydra
oversubscribes by default; Open MPI needs ``--oversubscribe``).
"""
import argparse

from _mpirun import report, run_point


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--simtime", type=float, default=1000.0)
    ap.add_argument("--launcher", default="", help="e.g. 'srun --ntasks' (default: mpiexec -n)")
    ap.add_argument("--mpi-args", action="append", default=[], help="extra launcher argument")
    ap.add_argument("--json", default="strong_scaling.json")
    ap.add_argument("--plot", default="strong_scaling.png")
    a = ap.parse_args()
    points = [run_point(n, a.scale, a.simtime, a.launcher, a.mpi_args) for n in a.ranks]
    report(points, "strong", a.json, a.plot)


if __name__ == "__main__":
    main()
