"""Per-call cost of the PyNEST API: what a script pays that loops over
Connect, set/get and short Simulate calls, for pynestlite and, when
installed, NEST 3.10 in the same run (each in its own process).

    python scaling/bench_api_calls.py [--calls 2000]

Measured per call (microseconds, median of three rounds):

* ``connect``: ``Connect(a[i], b[i])`` of one neuron pair;
* ``set_get``: ``n[i].set(V_m=...)`` followed by ``n[i].get("V_m")``;
* ``simulate``: ``Simulate(1.0)`` of 100 ``iaf_psc_alpha`` neurons;
* ``run``: ``Run(1.0)`` inside a ``RunManager`` (no Prepare/Cleanup).
"""
import argparse
import json
import subprocess
import sys

WORKER = r"""
import json, sys, time, statistics
name, calls = sys.argv[1], int(sys.argv[2])
nest = __import__(name)
if name == "nest":
    nest.set_verbosity("M_ERROR")

def connect(n):
    nest.ResetKernel()
    a = nest.Create("iaf_psc_alpha", n)
    b = nest.Create("iaf_psc_alpha", n)
    t0 = time.perf_counter()
    for i in range(n):
        nest.Connect(a[i], b[i])
    return time.perf_counter() - t0

def timed(setup, body):
    def fn(n):
        state = setup()
        t0 = time.perf_counter()
        body(state, n)
        return time.perf_counter() - t0
    return fn

def med(fn, n):
    return statistics.median(fn(n) / n * 1e6 for _ in range(3))

def setup_nodes():
    nest.ResetKernel()
    return nest.Create("iaf_psc_alpha", 100)

def set_get(nodes, n):
    for i in range(n):
        nodes[i % 100].set(V_m=-70.0 + (i % 7))
        nodes[i % 100].get("V_m")

def simulate(nodes, n):
    for _ in range(n):
        nest.Simulate(1.0)

def run(nodes, n):
    with nest.RunManager():
        for _ in range(n):
            nest.Run(1.0)

res = {"connect": med(connect, calls),
       "set_get": med(timed(setup_nodes, set_get), calls),
       "simulate": med(timed(setup_nodes, simulate), max(calls // 4, 1)),
       "run": med(timed(setup_nodes, run), max(calls // 4, 1))}
print("RESULT " + json.dumps(res))
"""

KEYS = ("connect", "set_get", "simulate", "run")


def measure(name, calls):
    out = subprocess.run([sys.executable, "-c", WORKER, name, str(calls)],
                         capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    res = {name: measure(name, args.calls) for name in ("pynestlite", "nest")}
    if res["pynestlite"] is None:
        sys.exit("pynestlite run failed")
    print(f"{'call':<10} {'pynestlite us':>14} {'NEST us':>10} {'NEST/pynestlite':>16}")
    for key in KEYS:
        a = res["pynestlite"][key]
        b = res["nest"][key] if res["nest"] else None
        ratio = f"{b / a:.2f}" if b else "n/a"
        print(f"{key:<10} {a:14.1f} {b if b is not None else float('nan'):10.1f} {ratio:>16}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
