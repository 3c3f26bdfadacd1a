"""Produce tests/data/nest_reference.npz by running every scenario with NEST.

Reference data in this directory was made with NEST 3.10.0 (PyNEST,
``nest.__version__ == "3.10.0"``); the version is also stored in the file
itself under the key ``meta__nest_version``.

Usage (from anywhere; needs a Python in which ``import nest`` works)::

    /work/venv/bin/python tests/data/make_nest_reference.py            # all
    /work/venv/bin/python tests/data/make_nest_reference.py --out x.npz
    /work/venv/bin/python tests/data/make_nest_reference.py --only chain

The file uses flat keys ``<scenario>__<array>``.  Sanity checks (each
scenario produces at least two neuron spikes, every recorded membrane
potential varies) are asserted before anything is written, and a table of
spike counts is printed.

Never import pynestlite here: NEST and pynestlite must not share a process.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
DEFAULT_OUT = os.path.join(HERE, "nest_reference.npz")
SEP = "__"
META = "meta"
EXPECTED_NEST_VERSION = "3.10.0"

sys.path.insert(0, TESTS)
import scenarios  # noqa: E402


def _sanity(name, arrays):
    n_spikes = sum(len(v) for k, v in arrays.items() if k.endswith("spike_times"))
    assert n_spikes >= 2, f"{name}: only {n_spikes} neuron spikes"
    vm_keys = [k for k in arrays if k.endswith("V_m") and not k.startswith("final_")
               and "final_" not in k]
    assert vm_keys, f"{name}: no V_m recorded"
    for key in vm_keys:
        prefix = key[: -len("V_m")]
        vm = arrays[key]
        senders = arrays[prefix + "vm_senders"]
        times = arrays[prefix + "vm_times"]
        assert len(vm) == len(senders) == len(times) > 0, f"{name}: {key} empty"
        assert np.all(np.isfinite(vm)), f"{name}: {key} not finite"
        for s in np.unique(senders):
            assert np.ptp(vm[senders == s]) > 0, f"{name}: {key} constant for sender {s}"
    for key, val in arrays.items():
        assert val.dtype != object, f"{name}: {key} has dtype object"
    if name == "split_simulate":
        for variant in scenarios.SPLIT_VARIANTS:
            for key in arrays:
                if key.startswith("single_") and not key.endswith("n_vm_after_call"):
                    other = variant + key[len("single_"):]
                    np.testing.assert_array_equal(
                        arrays[key], arrays[other],
                        err_msg=f"{name}: {key} != {other}")
    return n_spikes


def _spike_table(name, arrays):
    rows = []
    for key in sorted(arrays):
        if key.endswith("_times") and ("spike" in key or "relay" in key):
            senders = arrays[key[: -len("_times")] + "_senders"]
            per_sender = ", ".join(
                f"{int(s)}:{int(np.sum(senders == s))}" for s in np.unique(senders))
            rows.append(f"  {name:<24s} {key:<28s} {len(arrays[key]):5d}   {per_sender}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--only", nargs="*", default=None,
                        help="scenario names (default: all)")
    args = parser.parse_args(argv)

    import nest  # noqa: E402  (imported late so --help works without NEST)

    nest.verbosity = nest.VerbosityLevel.WARNING
    version = str(nest.__version__)
    if version != EXPECTED_NEST_VERSION:
        print(f"WARNING: running with NEST {version}, header says {EXPECTED_NEST_VERSION}",
              file=sys.stderr)

    names = args.only if args.only else list(scenarios.SCENARIOS)
    data = {
        META + SEP + "nest_version": np.asarray(version),
        META + SEP + "scenarios": np.asarray(names),
    }
    table = []
    for name in names:
        assert SEP not in name and name != META
        arrays = scenarios.run_scenario(nest, name)
        n_spikes = _sanity(name, arrays)
        table.append((name, n_spikes, _spike_table(name, arrays)))
        for key, val in arrays.items():
            if val.dtype.kind == "f":
                val = val.astype(np.float64)
            elif val.dtype.kind in "iub":
                val = val.astype(np.int64)
            data[name + SEP + key] = val

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    np.savez_compressed(out, **data)

    print(f"\nNEST {version}: wrote {len(data)} arrays to {out} "
          f"({os.path.getsize(out) / 1024:.1f} KiB)")
    print(f"\n  {'scenario':<24s} {'neuron spikes (all neuron recorders)':>13s}")
    for name, n_spikes, _ in table:
        print(f"  {name:<24s} {n_spikes:13d}")
    print("\n  per recorder (sender:count)")
    for _, _, rows in table:
        for row in rows:
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
