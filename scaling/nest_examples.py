"""NEST 3.10's example scripts run on pynestlite with only the import changed.

Runs every ``*.py`` under a copy of NEST's ``pynest/examples`` (not part of
this project: clone nest/nest-simulator at v3.10, or pass any folder of
PyNEST scripts) in a subprocess whose ``import nest`` is pynestlite (a shim
package on ``PYTHONPATH``), with matplotlib's non-interactive backend and a
time limit per script, and prints per script: ``ok``, ``timeout`` or the
first line of the error that stopped it, then the counts and the missing
pieces ranked by how many scripts they stop.

    python scaling/nest_examples.py --examples path/to/pynest/examples \\
        [--timeout 120] [--jobs 2] [--only name ...] [--json out.json]

Scripts run in a scratch copy of their folder (they write data and figures
next to themselves); helper modules of multi-file examples run too and
count like any script.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SHIM = '''"""The name ``nest`` for pynestlite (NEST's examples import nest)."""
import sys
import pynestlite
sys.modules[__name__] = pynestlite
'''


def scripts(root, only=None):
    """Every .py under ``root`` (sorted), or those whose name contains one of ``only``."""
    found = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".py") and not f.startswith("_"):
                found.append(os.path.join(dirpath, f))
    found.sort()
    if only:
        found = [p for p in found if any(o in os.path.relpath(p, root) for o in only)]
    return found


def first_error(text):
    """The exception line of a traceback (its last line naming an Error)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception|Failure|Exit|Interrupt)\b", ln) or ": " in ln and \
                re.match(r"^[\w.]+:", ln):
            return ln[:160]
    return lines[-1][:160] if lines else "failed without output"


def run_one(path, root, shim_dir, timeout):
    rel = os.path.relpath(path, root)
    work = tempfile.mkdtemp(prefix="pnl_example_")
    try:
        src_dir = os.path.dirname(path)
        dst_dir = os.path.join(work, "ex")
        shutil.copytree(src_dir, dst_dir)
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(
            [shim_dir, dst_dir, os.environ.get("PYTHONPATH", "")]))
        t0 = time.perf_counter()
        try:
            res = subprocess.run([sys.executable, os.path.basename(path)], cwd=dst_dir,
                                 env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return rel, "timeout", time.perf_counter() - t0
        dt = time.perf_counter() - t0
        if res.returncode == 0:
            return rel, "ok", dt
        return rel, first_error(res.stderr or res.stdout), dt
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", required=True, help="NEST's pynest/examples folder")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--json")
    args = ap.parse_args()
    root = os.path.abspath(args.examples)
    paths = scripts(root, args.only)
    if not paths:
        sys.exit(f"no scripts under {root}")
    shim_dir = tempfile.mkdtemp(prefix="pnl_shim_")
    os.makedirs(os.path.join(shim_dir, "nest"))
    with open(os.path.join(shim_dir, "nest", "__init__.py"), "w") as f:
        f.write(SHIM)
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = [pool.submit(run_one, p, root, shim_dir, args.timeout) for p in paths]
        for fut in concurrent.futures.as_completed(futs):
            rel, status, dt = fut.result()
            results.append((rel, status, dt))
            print(f"{status[:100]:<100s} {dt:6.1f} s  {rel}", flush=True)
    shutil.rmtree(shim_dir, ignore_errors=True)
    results.sort()
    n_ok = sum(s == "ok" for _, s, _ in results)
    print(f"\n{n_ok} of {len(results)} scripts run to the end "
          f"({sum(s == 'timeout' for _, s, _ in results)} timed out after {args.timeout:.0f} s)")
    why = collections.Counter(re.sub(r"\d+(\.\d+)?", "#", s)[:110]
                              for _, s, _ in results if s not in ("ok",))
    print("\nwhat stops the others (scripts):")
    for reason, n in why.most_common():
        print(f"  {n:3d}  {reason}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"ok": n_ok, "total": len(results),
                       "scripts": [{"script": r, "status": s, "seconds": round(d, 1)}
                                   for r, s, d in results]}, f, indent=1)


if __name__ == "__main__":
    main()
