#!/usr/bin/env python3
"""Benchmark: a tiny all-to-all network simulated in one-step slices.

The regime of small learning networks: very few neurons, a synaptic delay
equal to the resolution, so that ``min_delay`` is one time step and the
kernel has to run one slice (update, spike exchange and delivery) per step.
Here the per-slice overhead of a kernel dominates, not the work per neuron or
per synapse.  Runs on ``pynestlite`` and/or ``nest`` and checks that both
produce the same spikes, as pynestlite reproduces NEST's ``iaf_psc_alpha``
exactly.

Network
-------
* ``ResetKernel``, resolution 0.1 ms.
* ``--neurons`` (default 10) ``iaf_psc_alpha`` neurons with NEST's default
  parameters except ``I_e = 395`` pA (just above the rheobase of 375 pA:
  an isolated neuron fires at about 30 Hz) and initial membrane potentials
  spread deterministically, ``V_m = -70 + 14 * i / N`` mV for neuron ``i``
  (below ``V_th = -55`` mV), so that the neurons are not all in phase.
* All-to-all recurrent connections (autapses included, NEST's default),
  ``static_synapse`` with weight 5 pA and delay 0.1 ms = one step, hence
  ``min_delay`` = ``max_delay`` = 1 step.
* One ``spike_recorder`` connected from all neurons.
* With ``--multimeter``: a ``multimeter`` recording ``V_m`` of every neuron
  at every step (interval = resolution), as a learning loop reading its
  readouts does; the recorded potentials are compared between the
  simulators too (exact float equality).
* ``--steps`` steps of simulation (default 100,000 = 10,000 ms).  With the
  defaults NEST 3.10 emits 3,290 spikes.

Only the PyNEST 3.10 calls that both simulators support are used
(``ResetKernel``, ``SetKernelStatus``, ``GetKernelStatus``, ``Create``,
``NodeCollection.set``, ``Connect``, ``Simulate`` and
``recorder.get("events")``), and the network is built by a single function
that receives the simulator module as argument.

What is measured
----------------
Each simulator runs in its own subprocess (this script re-invokes itself with
a hidden ``--worker NAME`` option and reads one JSON line back).

simulate time
    Wall-clock time (``time.perf_counter``) of the ``Simulate`` call, by
    default a single ``Simulate(steps * 0.1)``.  With ``--steps-per-call K``
    the simulation is split into ``Simulate`` calls of ``K`` steps each (as a
    learning loop that interacts with the network every few steps would do),
    and the time is the sum over the calls, so that it includes the
    per-call overhead of ``Simulate`` (``Prepare``/``Run``/``Cleanup``).
    Network construction is timed separately (``build_s`` in the JSON).
us/step
    Simulate time divided by the number of steps, in microseconds.
spikes
    Number of events of the spike recorder.
equality
    The driver compares the spike counts of the two simulators (a
    ``MISMATCH`` line is printed if they differ) and whether the arrays of
    ``(sender, time)`` pairs, sorted by time and then sender, are identical
    (exact float equality of the times in ms, which JSON transports
    losslessly).
RSS
    Peak resident set size of the worker process in MiB (``VmHWM``).

The exit status is 1 if a simulator failed or the spikes differ.

Examples
--------
::

    python scaling/bench_small_slices.py                     # both, 100,000 steps
    python scaling/bench_small_slices.py --steps 10000 --only pynestlite
    python scaling/bench_small_slices.py --steps-per-call 1 --steps 10000
    python scaling/bench_small_slices.py --json small_slices.json
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _bench_common import (  # noqa: E402
    SIMULATORS,
    add_worker_options,
    fmt,
    import_simulator,
    proc_status_kib,
    run_simulators,
    worker_main,
    write_json,
)

RESULT_TAG = "BENCH_SMALL_SLICES_RESULT "


# --------------------------------------------------------------------------
# the network (one implementation, parameterised by the simulator module)
# --------------------------------------------------------------------------


def network_parameters(n_neurons):
    if n_neurons < 1:
        raise SystemExit("--neurons must be >= 1")
    return {
        "N": n_neurons,
        "resolution": 0.1,
        "I_e": 395.0,
        "V_m": [-70.0 + 14.0 * i / n_neurons for i in range(n_neurons)],
        "weight": 5.0,
        "delay": 0.1,
    }


def build_network(nest, p, multimeter=False):
    """Create and connect the network with simulator module ``nest``.

    Returns the spike recorder and the multimeter (None without
    ``multimeter``).
    """
    neurons = nest.Create("iaf_psc_alpha", p["N"], params={"I_e": p["I_e"]})
    neurons.set({"V_m": p["V_m"]})
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, neurons, {"rule": "all_to_all"}, {"weight": p["weight"], "delay": p["delay"]})
    nest.Connect(neurons, recorder)
    mm = None
    if multimeter:
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": p["resolution"]})
        nest.Connect(mm, neurons)
    return recorder, mm


def run_worker(name, args):
    """Run the benchmark in this process and return the result dict."""
    import numpy as np

    p = network_parameters(args.neurons)
    nest = import_simulator(name)

    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": p["resolution"], "print_time": False, "local_num_threads": 1})
    t0 = time.perf_counter()
    recorder, mm = build_network(nest, p, args.multimeter)
    build_s = time.perf_counter() - t0

    steps = args.steps
    per_call = args.steps_per_call or steps
    simulate_s = 0.0
    calls = 0
    done = 0
    while done < steps:
        n = min(per_call, steps - done)
        t = round(n * p["resolution"], 10)
        t0 = time.perf_counter()
        nest.Simulate(t)
        simulate_s += time.perf_counter() - t0
        done += n
        calls += 1

    events = recorder.get("events")
    senders = np.asarray(events["senders"], dtype=np.int64)
    times = np.asarray(events["times"], dtype=np.float64)
    order = np.lexsort((senders, times))
    senders, times = senders[order], times[order]
    vm = {}
    if mm is not None:
        ev = mm.get("events")
        s, t = np.asarray(ev["senders"], np.int64), np.asarray(ev["times"], np.float64)
        order = np.lexsort((s, t))
        vm = {"vm_senders": s[order].tolist(), "vm_times": t[order].tolist(),
              "vm": np.asarray(ev["V_m"], np.float64)[order].tolist()}
    hwm = proc_status_kib("VmHWM")
    return {**vm,
        "simulator": name,
        "ok": True,
        "module_file": getattr(nest, "__file__", None),
        "module_version": getattr(nest, "__version__", None),
        "steps": steps,
        "simulate_calls": calls,
        "min_delay_ms": float(nest.GetKernelStatus("min_delay")),
        "max_delay_ms": float(nest.GetKernelStatus("max_delay")),
        "biological_time_ms": float(nest.GetKernelStatus("biological_time")),
        "num_connections": int(nest.GetKernelStatus("num_connections")),
        "build_s": build_s,
        "simulate_s": simulate_s,
        "us_per_step": simulate_s / steps * 1e6,
        "n_spikes": int(len(times)),
        "peak_rss_mb": hwm / 1024.0 if hwm is not None else None,
        "senders": senders.tolist(),
        "times": times.tolist(),
    }


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------


def worker_args(args):
    """The options that pass ``args`` on to the worker subprocess."""
    return (["--steps", str(args.steps), "--neurons", str(args.neurons),
             "--steps-per-call", str(args.steps_per_call or 0)]
            + (["--multimeter"] if args.multimeter else []))


def compare_spikes(a, b):
    """Equality of the spike trains of two worker results."""
    import numpy as np

    sa, ta = np.asarray(a["senders"], np.int64), np.asarray(a["times"], np.float64)
    sb, tb = np.asarray(b["senders"], np.int64), np.asarray(b["times"], np.float64)
    out = {
        "counts_equal": len(ta) == len(tb),
        "identical": bool(np.array_equal(sa, sb) and np.array_equal(ta, tb)),
    }
    if not out["identical"]:
        n = min(len(ta), len(tb))
        diff = np.flatnonzero((sa[:n] != sb[:n]) | (ta[:n] != tb[:n]))
        first = int(diff[0]) if len(diff) else n
        out["first_difference_index"] = first
        out["first_difference"] = {
            "pynestlite": [int(sa[first]), float(ta[first])] if first < len(ta) else None,
            "nest": [int(sb[first]), float(tb[first])] if first < len(tb) else None,
        }
    return out


def summary_line(r):
    return (
        f"{r['simulator']:>10}: simulate {fmt(r['simulate_s'], '.3f')} s  "
        f"{fmt(r['us_per_step'], '.2f')} us/step  spikes {r['n_spikes']:,}  "
        f"(build {fmt(r['build_s'], '.3f')} s, {r['simulate_calls']:,} Simulate call(s), "
        f"min_delay {r['min_delay_ms']:g} ms, peak RSS {fmt(r['peak_rss_mb'], '.0f')} MB)"
    )


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="Small all-to-all iaf_psc_alpha network in one-step slices (pynestlite vs NEST).",
        epilog="See the module docstring for what is measured and how.",
    )
    ap.add_argument("--steps", type=int, default=100_000, help="steps of 0.1 ms to simulate (default 100000)")
    ap.add_argument("--neurons", type=int, default=10, help="number of neurons (default 10)")
    ap.add_argument("--steps-per-call", type=int, default=0,
                    help="split the simulation into Simulate calls of this many steps (default: one call)")
    ap.add_argument("--multimeter", action="store_true",
                    help="also record V_m of every neuron at every step with a multimeter")
    ap.add_argument("--only", choices=SIMULATORS, help="run only this simulator")
    ap.add_argument("--json", metavar="PATH", help="write all numbers (and the spikes) to this JSON file")
    add_worker_options(ap)
    args = ap.parse_args(argv)
    if args.steps < 1:
        ap.error("--steps must be >= 1")
    if args.steps_per_call < 0:
        ap.error("--steps-per-call must be >= 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        worker_main(args.worker, run_worker, args, RESULT_TAG)  # does not return

    p = network_parameters(args.neurons)
    sims = [args.only] if args.only else list(SIMULATORS)
    print(
        f"small network: {p['N']} iaf_psc_alpha (I_e {p['I_e']:g} pA), all_to_all weight {p['weight']:g} pA "
        f"delay {p['delay']:g} ms, {args.steps:,} steps of {p['resolution']:g} ms, "
        f"{'one Simulate call' if not args.steps_per_call else f'{args.steps_per_call} steps per Simulate call'}",
        flush=True,
    )

    results, failed = run_simulators(__file__, sims, worker_args(args), RESULT_TAG, summary_line, verbose=args.verbose)

    ratio = comparison = None
    a, b = results.get("pynestlite", {}), results.get("nest", {})
    if a.get("ok") and b.get("ok"):
        ratio = b["simulate_s"] / a["simulate_s"]
        print(f"ratio NEST/pynestlite: simulate {ratio:.2f}x "
              f"({fmt(b['us_per_step'], '.2f')} / {fmt(a['us_per_step'], '.2f')} us/step)")
        comparison = compare_spikes(a, b)
        if comparison["counts_equal"]:
            print(f"spike counts equal: {a['n_spikes']:,}")
        else:
            failed = True
            print(f"MISMATCH: spike counts differ: pynestlite {a['n_spikes']:,}, NEST {b['n_spikes']:,}")
        if comparison["identical"]:
            print("sorted (sender, time) arrays identical: yes")
        else:
            failed = True
            print(f"MISMATCH: sorted (sender, time) arrays differ; first difference at index "
                  f"{comparison['first_difference_index']}: {comparison['first_difference']}")
        if args.multimeter:
            same = all(a[k] == b[k] for k in ("vm_senders", "vm_times", "vm"))
            comparison["multimeter_identical"] = same
            print(f"multimeter V_m samples ({len(a['vm']):,}) identical: "
                  f"{'yes' if same else 'NO (MISMATCH)'}")
            failed = failed or not same

    if args.json:
        out = {
            "benchmark": "small_slices",
            "config": {"steps": args.steps, "neurons": args.neurons,
                       "multimeter": args.multimeter,
                       "steps_per_call": args.steps_per_call or args.steps,
                       "simulators": sims, "python": sys.executable},
            "network": p,
            "results": results,
            "ratio_simulate_nest_over_pynestlite": ratio,
            "spike_comparison": comparison,
        }
        write_json(args.json, out, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
