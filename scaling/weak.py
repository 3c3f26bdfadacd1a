"""Weak scaling: the Brunel network grows with the number of ranks.

    python scaling/weak.py --scale-per-rank 0.5 --ranks 1 2 --simtime 1000

Rank count N runs the network at scale ``N * scale_per_rank`` (the in-degrees
grow with the network, as in the Brunel model), one ``mpiexec`` per point;
see scaling/strong.py for launcher options.  Efficiency is
T_sim(first point) / T_sim(N).
"""
import argparse

from _mpirun import report, run_point


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale-per-rank", type=float, default=0.5)
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--simtime", type=float, default=1000.0)
    ap.add_argument("--launcher", default="")
    ap.add_argument("--mpi-args", action="append", default=[])
    ap.add_argument("--json", default="weak_scaling.json")
    ap.add_argument("--plot", default="weak_scaling.png")
    a = ap.parse_args()
    points = [run_point(n, n * a.scale_per_rank, a.simtime, a.launcher, a.mpi_args)
              for n in a.ranks]
    report(points, "weak", a.json, a.plot)


if __name__ == "__main__":
    main()
