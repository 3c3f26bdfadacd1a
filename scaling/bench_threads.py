#!/usr/bin/env python3
"""Threads series: the Brunel benchmark with 1 and 2 (or more) threads per
process, on pynestlite and, when installed, NEST 3.10, in one run.

Runs ``bench_brunel.py`` (each simulator and thread count in its own worker
process: peak memory per run) for every thread count and prints per
simulator the simulate time, the speed-up over one thread and the peak RSS
relative to one thread, then NEST / pynestlite at each thread count.
Absolute times vary 2-4x between runs on a shared machine; compare the
ratios of one run.

    python scaling/bench_threads.py [--scale 1] [--simtime 1000] [--threads 1,2]
                                    [--simulators pynestlite,nest] [--json out.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run_brunel(simulator, threads, args):
    """One bench_brunel.py run; its result dict (or None when it failed)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [sys.executable, os.path.join(HERE, "bench_brunel.py"), "--simulators", simulator,
               "--threads", str(threads), "--scale", repr(args.scale),
               "--simtime", repr(args.simtime), "--seed", str(args.seed), "--json", out]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if not os.path.exists(out):
            print(f"{simulator} x{threads}: failed\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
            return None
        with open(out) as f:
            data = json.load(f)
    res = data.get("results", data).get(simulator)
    if not res or not res.get("ok"):
        print(f"{simulator} x{threads}: {res.get('error') if res else 'no result'}")
        return None
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--simtime", type=float, default=1000.0)
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--simulators", default="pynestlite,nest")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args(argv)
    counts = [int(t) for t in args.threads.split(",")]
    sims = [s.strip() for s in args.simulators.split(",") if s.strip()]
    if any(t < 1 for t in counts) or 1 not in counts:
        ap.error("--threads: positive counts, 1 among them (the reference)")
    print(f"Brunel delta network, scale {args.scale:g}, {args.simtime:g} ms, threads {counts}",
          flush=True)
    table = {}
    for sim in sims:
        for t in counts:
            r = run_brunel(sim, t, args)
            if r is None:
                continue
            table.setdefault(sim, {})[t] = r
            print(f"  {sim:10s} threads {t}: simulate {r['simulate_s']:.2f} s, build "
                  f"{r['build_s']:.2f} s, rate {r['rate_e_hz']:.1f} Hz, peak RSS "
                  f"{r['peak_rss_mb']:.0f} MB", flush=True)
    summary = {}
    for sim, rows in table.items():
        one = rows.get(1)
        for t, r in sorted(rows.items()):
            if one is None or t == 1:
                continue
            sp = one["simulate_s"] / r["simulate_s"]
            mem = r["peak_rss_mb"] / one["peak_rss_mb"]
            summary[f"{sim}_speedup_{t}"] = sp
            summary[f"{sim}_rss_ratio_{t}"] = mem
            print(f"{sim}: speed-up 1 -> {t} threads {sp:.2f}x, peak RSS {mem:.2f}x of one thread")
    if "pynestlite" in table and "nest" in table:
        for t in counts:
            a, b = table["pynestlite"].get(t), table["nest"].get(t)
            if a and b:
                summary[f"nest_over_pynestlite_{t}"] = b["simulate_s"] / a["simulate_s"]
                print(f"threads {t}: NEST / pynestlite simulate {b['simulate_s'] / a['simulate_s']:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "runs": {s: {str(t): r for t, r in rows.items()}
                                                     for s, rows in table.items()},
                       "summary": summary}, f, indent=1)
    return 0 if table else 1


if __name__ == "__main__":
    sys.exit(main())
