#!/usr/bin/env python3
"""Run one of NEST's e-prop example scripts, unchanged, on pynestlite.

NEST 3.10 ships six e-prop examples (``pynest/examples/eprop_plasticity/``
in its source: the sine-wave regression with both model families, evidence
accumulation, lemniscate, handwriting and N-MNIST).  This runner makes
``import nest`` in the script import pynestlite (``--simulator nest`` keeps
NEST, for comparisons) and runs a copy of the script in a fresh directory
with copies of its data files (blocklist, handwriting trace).  The script itself
is not edited, apart from two documented, opt-in overrides:

``--iterations N``
    sets the script's iteration counts (``n_iter``, ``n_iter_train``; tests
    use few) by rewriting those assignment lines before running it;
``--nmnist-synthetic DIR``
    for the N-MNIST example: writes a small synthetic event set in the
    dataset's layout into DIR and runs the script there, so it reads it
    instead of downloading (``examples/eprop/nmnist.py``).  With the real
    dataset extracted into the working directory, leave it out.

``--out FILE.npz`` saves the script's final ``loss`` (and ``error``, where it
has one) and its recorded weight and readout arrays where present.  Plots
are drawn with matplotlib's Agg backend (no window).

Usage::

    python examples/eprop/run_nest_example.py \\
        path/to/eprop_supervised_regression_sine-waves.py --iterations 5 --out res.npz
"""
import argparse
import os
import re
import runpy
import shutil
import sys
import tempfile

import numpy as np

ITERATION_NAMES = ("n_iter", "n_iter_train")


def patched_source(path, iterations):
    """The script's text, with the iteration counts set when asked."""
    with open(path) as f:
        text = f.read()
    if iterations is not None:
        for name in ITERATION_NAMES:
            text = re.sub(rf"^{name} = \d+", f"{name} = {int(iterations)}", text, flags=re.M)
        text = re.sub(r"^n_iter_test = \d+", "n_iter_test = 1", text, flags=re.M)
    return text


def run(script, simulator="pynestlite", iterations=None, nmnist_dir=None):
    """Run ``script`` and return its global variables."""
    import matplotlib
    matplotlib.use("Agg")
    if simulator == "pynestlite":
        import pynestlite
        sys.modules["nest"] = pynestlite
    script = os.path.abspath(script)
    src_dir = os.path.dirname(script)
    work = tempfile.mkdtemp(prefix="eprop_example_") if nmnist_dir is None else nmnist_dir
    os.makedirs(work, exist_ok=True)
    if nmnist_dir is not None:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from nmnist import make_synthetic_dataset
        make_synthetic_dataset(nmnist_dir, n_per_label=4)
    # the script runs in the work directory with copies of its data files
    # (it reads them from its own directory)
    for name in os.listdir(src_dir):
        if name.endswith((".txt", ".csv", ".npy")):
            shutil.copyfile(os.path.join(src_dir, name), os.path.join(work, name))
    path = os.path.join(work, os.path.basename(script))
    with open(path, "w") as f:
        f.write(patched_source(script, iterations))
    cwd = os.getcwd()
    try:
        os.chdir(work)
        return runpy.run_path(path, run_name="__main__")
    finally:
        os.chdir(cwd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("script", help="path of a NEST e-prop example script")
    ap.add_argument("--simulator", choices=("pynestlite", "nest"), default="pynestlite")
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--nmnist-synthetic", default=None, metavar="DIR")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    g = run(args.script, args.simulator, args.iterations, args.nmnist_synthetic)
    res = {}
    for name in ("loss", "error"):
        if name in g:
            res[name] = np.asarray(g[name], np.float64)
    if "results_dict" in g:       # N-MNIST keeps its metrics per iteration
        for key, val in g["results_dict"].items():
            val = np.asarray(val)
            if val.dtype.kind in "fiub":
                res["results_" + key] = val.astype(np.float64)
    for name in ("events_mm_out", "events_mm_rec", "events_sr_in", "events_sr_rec", "events_wr"):
        if name in g and isinstance(g[name], dict):
            for key, val in g[name].items():
                res[f"{name}_{key}"] = np.asarray(val)
    if "loss" in res:
        print("loss per iteration:", np.array2string(np.ravel(res["loss"])[:20], precision=6))
    if args.out:
        np.savez(args.out, **res)


if __name__ == "__main__":
    main()
