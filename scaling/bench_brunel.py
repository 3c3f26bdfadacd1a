#!/usr/bin/env python3
"""Reference benchmark: the Brunel (2000) delta-synapse network.

Builds and simulates the sparsely connected excitatory/inhibitory network of
NEST's ``pynest/examples/brunel_delta_nest.py`` on one or more simulator
modules (``pynestlite`` and/or ``nest``) and reports, for each of them, how
fast and how memory-hungry it is and whether the network activity is sane.

Network
-------
* ``iaf_psc_delta`` neurons, ``C_m`` 1 pF, ``tau_m`` 20 ms, ``t_ref`` 2 ms,
  ``E_L`` 0 mV, ``V_m`` 0 mV, ``V_th`` 20 mV, ``V_reset`` 10 mV (change
  with ``--v-reset``; NEST's example file itself uses 0 mV).
* ``order = int(2500 * scale)``, ``NE = 4 * order`` excitatory and
  ``NI = order`` inhibitory neurons (12,500 neurons at scale 1).
* Recurrent connections with rule ``fixed_indegree``: ``CE = int(0.1 * NE)``
  excitatory inputs of weight ``J = 0.1`` mV and ``CI = int(0.1 * NI)``
  inhibitory inputs of weight ``-g * J`` (``g = 5``) per neuron, delay
  1.5 ms.  The E->(E and I) and I->(E and I) projections are each made with
  one ``Connect`` call per target population.
* One ``poisson_generator`` with ``p_rate = 1000 * eta * V_th / (J * CE *
  tau_m) * CE`` Hz (``eta = 2``; i.e. ``CE`` independent Poisson inputs at
  ``eta`` times the threshold rate, 20 kHz) connected ``all_to_all`` to all
  neurons with weight ``J`` and delay 1.5 ms.
* Two ``spike_recorder`` devices on the first 50 E and the first 50 I
  neurons, as in the example.
* Resolution 0.1 ms; ``--simtime`` ms of simulation (default 1000 ms).

Only the PyNEST 3.10 calls that both simulators support are used
(``ResetKernel``, ``SetKernelStatus``, ``GetKernelStatus``, ``SetDefaults``,
``Create``, ``Connect`` with conn_spec/syn_spec dicts, ``Simulate``,
NodeCollection slicing and ``recorder.get("events")``), and the network is
built by a single function that receives the simulator module as argument.

What is measured
----------------
Each simulator runs in its own subprocess (this script re-invokes itself with
a hidden ``--worker NAME`` option and reads one JSON line back), so that
peak memory is per simulator and two kernels never share a process.

build time
    Wall-clock time (``time.perf_counter``) of all ``Create`` and
    ``Connect`` calls.  ``ResetKernel``/``SetKernelStatus`` before them are
    timed separately (``setup_s`` in the JSON output).
simulate time
    Wall-clock time of ``Simulate``.  This includes whatever a kernel does
    lazily on its first ``Simulate`` (NEST finalises its connection
    infrastructure there).  With ``--progress`` the simulation is split into
    15 ms ``Simulate`` calls to drive the progress bar, which adds a small
    per-call overhead; benchmark numbers should be taken without it.
synapses
    ``GetKernelStatus("num_connections")`` after the simulation: the
    recurrent synapses ``(NE + NI) * (CE + CI)`` plus ``NE + NI`` Poisson
    connections plus 100 recorder connections.
rate
    Mean firing rate of the recorded E neurons, ``n_spikes / (N_rec *
    simtime)`` over the whole simulation, as in the NEST example (the I rate
    is in the JSON output).
CV
    Coefficient of variation of the inter-spike intervals, computed per
    recorded E neuron with at least 3 spikes (``std(ISI) / mean(ISI)``) and
    averaged over those neurons.
RSS
    Peak resident set size of the worker process in MiB, ``VmHWM`` from
    ``/proc/self/status`` read at the end of the run (it includes the
    Python interpreter and the imported modules).
bytes/syn
    ``(VmRSS after Connect and the first Simulate call - VmRSS before the
    first Create) / num_connections``, ``VmRSS`` read from
    ``/proc/self/status``.  Measuring after the first ``Simulate`` includes
    memory that kernels allocate lazily at simulation start, while transient
    build-time buffers that were freed again are excluded.  The baseline is
    taken after import, ``ResetKernel`` and ``SetKernelStatus``.  Neuron
    state, ring buffers and recorded spikes are included but are small next
    to the synapses at the default scale.  An upper bound using ``VmHWM``
    instead of the final ``VmRSS`` is in the JSON output
    (``bytes_per_synapse_hwm``).

Examples
--------
::

    python scaling/bench_brunel.py                      # both, scale 1
    python scaling/bench_brunel.py --simulators nest --scale 0.1 --simtime 200
    python scaling/bench_brunel.py --threads 2 --seed 1 --json out.json
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _bench_common import (  # noqa: E402
    SIMULATORS,
    SimulatorUnavailable,
    add_worker_options,
    fmt,
    import_simulator,
    nest_ratios,
    proc_status_kib,
    run_simulators,
    worker_main,
    write_json,
)

RESULT_TAG = "BENCH_BRUNEL_RESULT "
N_REC = 50


# --------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------


def memory_snapshot():
    return {"rss_kib": proc_status_kib("VmRSS"), "hwm_kib": proc_status_kib("VmHWM")}


# --------------------------------------------------------------------------
# the network (one implementation, parameterised by the simulator module)
# --------------------------------------------------------------------------


def network_parameters(scale, v_reset):
    order = int(2500 * scale)
    if order < 1:
        raise SystemExit(f"--scale {scale} is too small (order = {order})")
    NE, NI = 4 * order, order
    CE, CI = int(0.1 * NE), int(0.1 * NI)
    if CE < 1 or CI < 1:
        raise SystemExit(f"--scale {scale} is too small (CE = {CE}, CI = {CI})")
    J, g, eta = 0.1, 5.0, 2.0
    tau_m, theta = 20.0, 20.0
    nu_th = theta / (J * CE * tau_m)  # threshold rate per input, kHz
    p_rate = 1000.0 * eta * nu_th * CE  # CE inputs at eta * nu_th, in Hz
    return {
        "order": order,
        "NE": NE,
        "NI": NI,
        "CE": CE,
        "CI": CI,
        "J": J,
        "g": g,
        "eta": eta,
        "delay": 1.5,
        "resolution": 0.1,
        "p_rate": p_rate,
        "N_rec": min(N_REC, NI),
        "neuron": {
            "C_m": 1.0,
            "tau_m": tau_m,
            "t_ref": 2.0,
            "E_L": 0.0,
            "V_reset": v_reset,
            "V_m": 0.0,
            "V_th": theta,
        },
    }


def build_network(nest, p, timer):
    """Create and connect the Brunel network with simulator module ``nest``.

    Returns the excitatory and inhibitory spike recorders.
    """
    exc = {"weight": p["J"], "delay": p["delay"]}
    inh = {"weight": -p["g"] * p["J"], "delay": p["delay"]}
    all_to_all = {"rule": "all_to_all"}

    with timer("build_s"):
        nest.SetDefaults("iaf_psc_delta", p["neuron"])
        nest.SetDefaults("poisson_generator", {"rate": p["p_rate"]})
        nodes_ex = nest.Create("iaf_psc_delta", p["NE"])
        nodes_in = nest.Create("iaf_psc_delta", p["NI"])
        noise = nest.Create("poisson_generator")
        espikes = nest.Create("spike_recorder")
        ispikes = nest.Create("spike_recorder")

        for targets in (nodes_ex, nodes_in):
            nest.Connect(noise, targets, all_to_all, exc)
        nest.Connect(nodes_ex[: p["N_rec"]], espikes, all_to_all, exc)
        nest.Connect(nodes_in[: p["N_rec"]], ispikes, all_to_all, exc)

        for targets in (nodes_ex, nodes_in):
            nest.Connect(nodes_ex, targets, {"rule": "fixed_indegree", "indegree": p["CE"]}, exc)
        for targets in (nodes_ex, nodes_in):
            nest.Connect(nodes_in, targets, {"rule": "fixed_indegree", "indegree": p["CI"]}, inh)
    return espikes, ispikes


def spike_statistics(recorder, n_rec, simtime):
    """Mean rate (Hz) and mean per-neuron ISI CV of a spike recorder."""
    import numpy as np

    events = recorder.get("events")
    senders = np.asarray(events["senders"])
    times = np.asarray(events["times"], dtype=float)
    rate = len(times) / (n_rec * simtime / 1000.0)
    cvs = []
    if len(times):
        order = np.lexsort((times, senders))
        senders, times = senders[order], times[order]
        splits = np.flatnonzero(np.diff(senders)) + 1
        for t in np.split(times, splits):
            if len(t) >= 3:
                isi = np.diff(t)
                mean = isi.mean()
                if mean > 0:
                    cvs.append(isi.std() / mean)
    cv = float(np.mean(cvs)) if cvs else float("nan")
    return {"rate_hz": rate, "cv": cv, "n_spikes": int(len(times)), "n_cv_neurons": len(cvs)}


def kernel_value(nest, key):
    try:
        return nest.GetKernelStatus(key)
    except Exception:  # noqa: BLE001 - optional information only
        return None


def run_worker(name, args):
    """Run the benchmark in this process and return the result dict.

    The progress bar is written to the driver's terminal, passed in as file
    descriptor ``--console-fd``.
    """
    result = {"simulator": name, "ok": False}
    timings = {}

    class timer:
        def __init__(self, key):
            self.key = key

        def __enter__(self):
            self.t0 = time.perf_counter()

        def __exit__(self, *exc):
            timings[self.key] = timings.get(self.key, 0.0) + time.perf_counter() - self.t0

    p = network_parameters(args.scale, args.v_reset)
    mem = {"start": memory_snapshot()}
    with timer("import_s"):
        try:
            nest = import_simulator(name)
        except ImportError as err:
            unavailable = SimulatorUnavailable.from_import_error(name, err)
            if not unavailable.not_installed:
                import traceback

                traceback.print_exc()
            raise unavailable from err
    result["module_file"] = getattr(nest, "__file__", None)
    result["module_version"] = getattr(nest, "__version__", None)
    mem["after_import"] = memory_snapshot()

    with timer("setup_s"):
        nest.ResetKernel()
        kernel = {"resolution": p["resolution"], "print_time": False, "local_num_threads": args.threads}
        if args.seed is not None:
            kernel["rng_seed"] = args.seed
        nest.SetKernelStatus(kernel)
    mem["before_create"] = memory_snapshot()

    espikes, ispikes = build_network(nest, p, timer)
    mem["after_connect"] = memory_snapshot()

    simtime = args.simtime
    if args.progress:
        from tqdm import tqdm

        console = os.fdopen(args.console_fd, "w") if args.console_fd is not None else sys.stderr
        steps = max(1, int(round(simtime / p["resolution"])))
        chunk = max(1, int(round(10 * p["delay"] / p["resolution"])))  # multiple of min_delay
        done = 0
        with tqdm(total=simtime, unit="ms", desc=name, file=console) as bar:
            while done < steps:
                n = min(chunk, steps - done)
                with timer("simulate_s"):
                    nest.Simulate(round(n * p["resolution"], 10))
                if done == 0:
                    mem["after_first_simulate"] = memory_snapshot()
                done += n
                bar.update(n * p["resolution"])
    else:
        with timer("simulate_s"):
            nest.Simulate(simtime)
        mem["after_first_simulate"] = memory_snapshot()

    num_connections = int(nest.GetKernelStatus("num_connections"))
    stats_e = spike_statistics(espikes, p["N_rec"], simtime)
    stats_i = spike_statistics(ispikes, p["N_rec"], simtime)
    mem["end"] = memory_snapshot()

    base = mem["before_create"]["rss_kib"]
    steady = mem["after_first_simulate"]["rss_kib"]
    peak = mem["end"]["hwm_kib"]
    result.update(
        ok=True,
        rng_seed=kernel_value(nest, "rng_seed"),
        local_num_threads=kernel_value(nest, "local_num_threads"),
        build_s=timings["build_s"],
        simulate_s=timings["simulate_s"],
        setup_s=timings["setup_s"],
        import_s=timings["import_s"],
        num_connections=num_connections,
        expected_recurrent_synapses=(p["NE"] + p["NI"]) * (p["CE"] + p["CI"]),
        rate_e_hz=stats_e["rate_hz"],
        cv_e=stats_e["cv"],
        n_spikes_e=stats_e["n_spikes"],
        n_cv_neurons_e=stats_e["n_cv_neurons"],
        rate_i_hz=stats_i["rate_hz"],
        cv_i=stats_i["cv"],
        n_spikes_i=stats_i["n_spikes"],
        peak_rss_mb=peak / 1024.0 if peak is not None else None,
        bytes_per_synapse=(steady - base) * 1024.0 / num_connections
        if None not in (steady, base) and num_connections
        else None,
        bytes_per_synapse_hwm=(peak - base) * 1024.0 / num_connections
        if None not in (peak, base) and num_connections
        else None,
        memory_kib=mem,
    )
    return result


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------


def worker_args(args):
    """The options that pass ``args`` on to the worker subprocess."""
    out = [
        "--scale",
        repr(args.scale),
        "--simtime",
        repr(args.simtime),
        "--threads",
        str(args.threads),
        "--v-reset",
        repr(args.v_reset),
    ]
    if args.seed is not None:
        out += ["--seed", str(args.seed)]
    if args.progress:
        out.append("--progress")
    return out


def summary_line(r):
    return (
        f"{r['simulator']}: build {fmt(r['build_s'], '.1f')} s  "
        f"sim {fmt(r['simulate_s'], '.1f')} s  "
        f"rate {fmt(r['rate_e_hz'], '.1f')} Hz  "
        f"CV {fmt(r['cv_e'], '.2f')}  "
        f"synapses {r['num_connections']:,}  "
        f"RSS {fmt(r['peak_rss_mb'], '.0f')} MB  "
        f"bytes/syn {fmt(r['bytes_per_synapse'], '.1f')}"
    )


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="Brunel delta network benchmark (pynestlite vs NEST).",
        epilog="See the module docstring for what is measured and how.",
    )
    ap.add_argument("--scale", type=float, default=1.0, help="network size; order = int(2500*scale) (default 1.0)")
    ap.add_argument("--simtime", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    ap.add_argument("--threads", type=int, default=1, help="local_num_threads (default 1)")
    ap.add_argument(
        "--simulators",
        default=",".join(SIMULATORS),
        help="comma-separated list out of pynestlite,nest (default both)",
    )
    ap.add_argument("--seed", type=int, default=None, help="rng_seed (default: the kernel's default seed)")
    ap.add_argument("--json", metavar="PATH", help="write all numbers to this JSON file")
    ap.add_argument("--v-reset", type=float, default=10.0, help="V_reset in mV (default 10)")
    ap.add_argument("--progress", action="store_true", help="show a tqdm progress bar (simulates in 15 ms chunks)")
    add_worker_options(ap, console=True)
    args = ap.parse_args(argv)
    if args.threads < 1:
        ap.error("--threads must be >= 1")
    if args.simtime <= 0:
        ap.error("--simtime must be > 0")
    sims = [s.strip() for s in args.simulators.split(",") if s.strip()]
    unknown = [s for s in sims if s not in SIMULATORS]
    if unknown or not sims:
        ap.error(f"--simulators: unknown {unknown}; choose from {','.join(SIMULATORS)}")
    args.simulators = list(dict.fromkeys(sims))
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        worker_main(args.worker, run_worker, args, RESULT_TAG)  # does not return

    p = network_parameters(args.scale, args.v_reset)
    print(
        f"Brunel delta network: scale {args.scale:g} (NE {p['NE']:,}, NI {p['NI']:,}, "
        f"CE {p['CE']}, CI {p['CI']}), simtime {args.simtime:g} ms, "
        f"threads {args.threads}, seed {'default' if args.seed is None else args.seed}, "
        f"V_reset {args.v_reset:g} mV",
        flush=True,
    )

    results, failed = run_simulators(
        __file__, args.simulators, worker_args(args), RESULT_TAG, summary_line, verbose=args.verbose, console=True
    )

    ratios = nest_ratios(results, {"simulate": "simulate_s", "build": "build_s"})
    a, b = results.get("pynestlite", {}), results.get("nest", {})
    if ratios is not None:
        print(f"ratio NEST/pynestlite: simulate {ratios['simulate']:.2f}x  build {ratios['build']:.2f}x")
        print(
            f"bytes/syn: pynestlite {fmt(a['bytes_per_synapse'], '.1f')}  "
            f"NEST {fmt(b['bytes_per_synapse'], '.1f')}"
        )

    if args.json:
        out = {
            "benchmark": "brunel_delta",
            "config": {
                "scale": args.scale,
                "simtime_ms": args.simtime,
                "threads": args.threads,
                "seed": args.seed,
                "simulators": args.simulators,
                "python": sys.executable,
            },
            "network": p,
            "results": results,
            "ratios_nest_over_pynestlite": ratios,
        }
        write_json(args.json, out, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
