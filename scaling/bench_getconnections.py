#!/usr/bin/env python3
"""Benchmark: ``GetConnections`` and column access on ~10^7 synapses.

Builds a large random network on ``pynestlite`` and/or ``nest``, then times
querying all of its connections with ``GetConnections()`` and fetching the
columns ``source``, ``target``, ``weight`` and ``delay`` of the returned
``SynapseCollection``, and measures how much memory the collection takes per
connection.

Network
-------
* ``N = round(synapses / K)`` ``iaf_psc_delta`` neurons (default parameters)
  with ``K = --indegree`` (default 1,000), connected to themselves with one
  ``Connect`` call, rule ``fixed_indegree`` (autapses and multapses allowed,
  NEST's default), ``static_synapse`` with weight 0.1 and delay 1.5 ms.
  ``N * K`` synapses in total (``--synapses``, default 10,000,000, gives
  10,000 neurons).
* Nothing is simulated, unless ``--presimulate`` is given: then one
  ``Simulate`` of one step (0.1 ms) runs before ``GetConnections`` so that
  both kernels have finalised their connection tables (NEST builds its
  presynaptic infrastructure there, pynestlite its synapse rows).

Only the PyNEST 3.10 calls that both simulators support are used
(``ResetKernel``, ``SetKernelStatus``, ``GetKernelStatus``, ``Create``,
``Connect``, ``Simulate``, ``GetConnections``, ``SynapseCollection``
slicing, ``len`` and ``get``); the network is built by a single function
that receives the simulator module as argument.

What is measured
----------------
Each simulator runs in its own subprocess (this script re-invokes itself with
a hidden ``--worker NAME`` option and reads one JSON line back), so that the
memory numbers are per simulator.

GetConnections
    Wall-clock time (``time.perf_counter``) of ``GetConnections()`` without
    arguments (all connections; ``len`` of the result is the number of
    connections reported).
get columns
    Wall-clock time of fetching the four columns ``source``, ``target``,
    ``weight`` and ``delay`` of all connections.  If pynestlite's
    ``SynapseCollection`` offers a public accessor returning numpy columns
    (one of the methods named in ``NUMPY_ACCESSORS``), that is timed for
    pynestlite; otherwise (and always for NEST) it is PyNEST's
    ``conns.get(["source", "target", "weight", "delay"])``, which returns a
    dict of Python lists.  NEST's ``get`` materialises one status dictionary
    per connection (about 2.3 kB each, transiently), which at 10^7
    connections would not fit in memory, so the collection is read in slices
    ``conns[i:i + chunk].get(keys)`` of ``--get-chunk`` connections (default
    1,000,000; 0 = one call), the same for both simulators; the slices'
    results are kept until the end.  The time of the slicing is included.
    For pynestlite the JSON output also has the time of its internal numpy
    columns (``SynapseCollection._col``, not a public API) as
    ``internal_numpy_columns_s``, the lower bound for a numpy accessor.
bytes/conn
    Memory of the returned ``SynapseCollection`` per connection.  For
    pynestlite: the sum of ``nbytes`` of its numpy arrays ``_sid``,
    ``_idx``, ``_src`` and ``_tgt`` divided by the number of connections
    (the arrays are all it holds per connection).  For NEST, which keeps the
    connection ids in C++ objects: the growth of the resident set size
    (``VmRSS`` of ``/proc/self/status``) across the ``GetConnections`` call
    divided by the number of connections; this includes transient memory
    that the allocator did not return to the system.  The RSS growth is
    also reported for pynestlite (``bytes_per_conn_rss``), for a
    like-for-like comparison.
RSS
    Peak resident set size of the worker process in MiB (``VmHWM``).

Examples
--------
::

    python scaling/bench_getconnections.py                      # both, 10^7 synapses
    python scaling/bench_getconnections.py --synapses 1000000 --only pynestlite
    python scaling/bench_getconnections.py --get-chunk 0 --only pynestlite
    python scaling/bench_getconnections.py --json getconnections.json
"""

import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _bench_common import (  # noqa: E402
    SIMULATORS,
    add_worker_options,
    fmt,
    import_simulator,
    nest_ratios,
    proc_status_kib,
    run_simulators,
    worker_main,
    write_json,
)

RESULT_TAG = "BENCH_GETCONNECTIONS_RESULT "
KEYS = ["source", "target", "weight", "delay"]
# public SynapseCollection methods that would return numpy columns, called
# as method(KEYS) and expected to give a dict of arrays
NUMPY_ACCESSORS = ("get_columns", "columns", "to_numpy", "get_numpy")
SC_ARRAYS = ("_sid", "_idx", "_src", "_tgt")


# --------------------------------------------------------------------------
# the network (one implementation, parameterised by the simulator module)
# --------------------------------------------------------------------------


def network_parameters(synapses, indegree):
    if indegree < 1:
        raise SystemExit("--indegree must be >= 1")
    n = max(1, round(synapses / indegree))
    return {"N": n, "K": indegree, "synapses": n * indegree, "weight": 0.1, "delay": 1.5, "resolution": 0.1}


def build_network(nest, p):
    """Create and connect the network with simulator module ``nest``."""
    neurons = nest.Create("iaf_psc_delta", p["N"])
    nest.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": p["K"]},
                 {"weight": p["weight"], "delay": p["delay"]})
    return neurons


def numpy_accessor(conns):
    """Name of a public numpy-column accessor of ``conns``, or None."""
    for name in NUMPY_ACCESSORS:
        if callable(getattr(type(conns), name, None)):
            return name
    return None


def get_columns(conns, chunk):
    """``conns.get(KEYS)`` over slices of ``chunk`` connections; list of results."""
    n = len(conns)
    if chunk <= 0 or chunk >= n:
        return [conns.get(KEYS)]
    return [conns[i:i + chunk].get(KEYS) for i in range(0, n, chunk)]


def run_worker(name, args):
    """Run the benchmark in this process and return the result dict."""
    p = network_parameters(args.synapses, args.indegree)
    nest = import_simulator(name)
    rss = lambda: proc_status_kib("VmRSS")  # noqa: E731
    hwm = lambda: proc_status_kib("VmHWM")  # noqa: E731

    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": p["resolution"], "print_time": False, "local_num_threads": 1})
    t0 = time.perf_counter()
    build_network(nest, p)
    build_s = time.perf_counter() - t0
    presimulate_s = None
    if args.presimulate:
        t0 = time.perf_counter()
        nest.Simulate(p["resolution"])
        presimulate_s = time.perf_counter() - t0
    num_connections = int(nest.GetKernelStatus("num_connections"))

    gc.collect()
    rss0, hwm0 = rss(), hwm()
    t0 = time.perf_counter()
    conns = nest.GetConnections()
    getconnections_s = time.perf_counter() - t0
    rss1, hwm1 = rss(), hwm()
    n = len(conns)

    # the instance dict, not getattr: NEST's SynapseCollection.__getattr__
    # would call get() for unknown names
    fields = vars(conns)
    arrays_nbytes = None
    if name == "pynestlite" and all(hasattr(fields.get(a), "nbytes") for a in SC_ARRAYS):
        arrays_nbytes = int(sum(fields[a].nbytes for a in SC_ARRAYS))

    accessor = numpy_accessor(conns) if name == "pynestlite" else None
    t0 = time.perf_counter()
    if accessor:
        columns = [getattr(conns, accessor)(KEYS)]
    else:
        columns = get_columns(conns, args.get_chunk)
    get_columns_s = time.perf_counter() - t0
    n_values = sum(len(c["source"]) if hasattr(c["source"], "__len__") else 1 for c in columns)
    del columns
    gc.collect()

    internal_s = None
    if name == "pynestlite" and callable(getattr(type(conns), "_col", None)):
        t0 = time.perf_counter()
        internal = [conns._col(k) for k in KEYS]
        internal_s = time.perf_counter() - t0
        del internal

    peak = hwm()
    bytes_rss = (rss1 - rss0) * 1024.0 / n if None not in (rss0, rss1) and n else None
    bytes_arrays = arrays_nbytes / n if arrays_nbytes is not None and n else None
    return {
        "simulator": name,
        "ok": True,
        "module_file": getattr(nest, "__file__", None),
        "module_version": getattr(nest, "__version__", None),
        "num_connections": num_connections,
        "len_conns": n,
        "build_s": build_s,
        "presimulate_s": presimulate_s,
        "getconnections_s": getconnections_s,
        "get_columns_s": get_columns_s,
        "get_columns_path": f"numpy:{accessor}" if accessor else "get(lists)",
        "get_chunk": None if accessor else (args.get_chunk if 0 < args.get_chunk < n else n),
        "get_columns_values": n_values,
        "internal_numpy_columns_s": internal_s,
        "sc_arrays_nbytes": arrays_nbytes,
        "bytes_per_conn_arrays": bytes_arrays,
        "bytes_per_conn_rss": bytes_rss,
        "bytes_per_conn": bytes_arrays if bytes_arrays is not None else bytes_rss,
        "bytes_per_conn_method": "nbytes of _sid,_idx,_src,_tgt" if bytes_arrays is not None else "VmRSS growth",
        "hwm_growth_during_getconnections_mb": (hwm1 - hwm0) / 1024.0 if None not in (hwm0, hwm1) else None,
        "rss_kib": {"before_getconnections": rss0, "after_getconnections": rss1},
        "peak_rss_mb": peak / 1024.0 if peak is not None else None,
    }


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------


def worker_args(args):
    """The options that pass ``args`` on to the worker subprocess."""
    out = ["--synapses", str(args.synapses), "--indegree", str(args.indegree), "--get-chunk", str(args.get_chunk)]
    if args.presimulate:
        out.append("--presimulate")
    return out


def summary_line(r):
    internal = ""
    if r.get("internal_numpy_columns_s") is not None:
        internal = f" [internal numpy _col: {r['internal_numpy_columns_s']:.3f} s]"
    return (
        f"{r['simulator']:>10}: GetConnections {fmt(r['getconnections_s'], '.3f')} s  "
        f"get columns {fmt(r['get_columns_s'], '.3f')} s ({r['get_columns_path']}){internal}  "
        f"connections {r['len_conns']:,}  "
        f"bytes/conn {fmt(r['bytes_per_conn'], '.1f')} ({r['bytes_per_conn_method']}; "
        f"RSS growth {fmt(r['bytes_per_conn_rss'], '.1f')})  "
        f"build {fmt(r['build_s'], '.2f')} s  peak RSS {fmt(r['peak_rss_mb'], '.0f')} MB"
    )


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description="GetConnections and SynapseCollection column access on ~10^7 synapses (pynestlite vs NEST).",
        epilog="See the module docstring for what is measured and how.",
    )
    ap.add_argument("--synapses", type=int, default=10_000_000, help="target number of synapses (default 10^7)")
    ap.add_argument("--indegree", type=int, default=1000, help="fixed_indegree K (default 1000)")
    ap.add_argument("--get-chunk", type=int, default=1_000_000,
                    help="connections per get() slice (default 1000000; 0 = one get() call)")
    ap.add_argument("--presimulate", action="store_true", help="Simulate one step before GetConnections")
    ap.add_argument("--only", choices=SIMULATORS, help="run only this simulator")
    ap.add_argument("--json", metavar="PATH", help="write all numbers to this JSON file")
    add_worker_options(ap)
    args = ap.parse_args(argv)
    if args.synapses < 1:
        ap.error("--synapses must be >= 1")
    if args.get_chunk < 0:
        ap.error("--get-chunk must be >= 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        worker_main(args.worker, run_worker, args, RESULT_TAG)  # does not return

    p = network_parameters(args.synapses, args.indegree)
    sims = [args.only] if args.only else list(SIMULATORS)
    chunking = f"get() in slices of {args.get_chunk:,}" if args.get_chunk else "get() in one call"
    print(
        f"GetConnections: {p['N']:,} iaf_psc_delta, fixed_indegree {p['K']:,} = {p['synapses']:,} synapses, "
        f"{chunking}, {'after one Simulate step' if args.presimulate else 'not simulated'}",
        flush=True,
    )

    results, failed = run_simulators(__file__, sims, worker_args(args), RESULT_TAG, summary_line, verbose=args.verbose)

    ratios = nest_ratios(results, {
        "getconnections": "getconnections_s",
        "get_columns": "get_columns_s",
        "bytes_per_conn": "bytes_per_conn",
        "bytes_per_conn_rss": "bytes_per_conn_rss",
    })
    if ratios is not None:
        print(
            f"ratio NEST/pynestlite: GetConnections {fmt(ratios['getconnections'], '.2f')}x  "
            f"get columns {fmt(ratios['get_columns'], '.2f')}x  "
            f"bytes/conn {fmt(ratios['bytes_per_conn'], '.2f')}x "
            f"(RSS growth vs RSS growth {fmt(ratios['bytes_per_conn_rss'], '.2f')}x)"
        )

    if args.json:
        out = {
            "benchmark": "getconnections",
            "config": {"synapses": args.synapses, "indegree": args.indegree, "get_chunk": args.get_chunk,
                       "presimulate": args.presimulate, "keys": KEYS, "simulators": sims,
                       "python": sys.executable},
            "network": p,
            "results": results,
            "ratios_nest_over_pynestlite": ratios,
        }
        write_json(args.json, out, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
