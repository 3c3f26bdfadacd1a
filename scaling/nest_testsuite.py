"""NEST 3.10's own PyNEST test suite as the measure of PyNEST parity.

Runs the folders of NEST's ``testsuite/pytests`` (read from the installed
``nest-simulator`` wheel, ``nest/share/nest/testsuite/pytests``; nothing of
it is copied into this project) twice: against NEST itself, and against
pynestlite through a shim package ``nest`` that is pynestlite.  Prints
passed / failed / errors / skipped per folder for both.

    python scaling/nest_testsuite.py [--folders connect other ...] [--only pynestlite]
                                     [--timeout 1800] [--json out.json]

NEST's suite needs pandas and scipy besides pytest (``pip install pandas
scipy``); the whole of it takes about half an hour on NEST.
"""
import argparse
import collections
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time

FOLDERS = ("connect", "other", "recording", "stimulating", "neurons", "synapses", "regressions")

SHIM = '''"""The name ``nest`` for pynestlite (NEST's test suite imports nest)."""
import sys
import pynestlite
sys.modules[__name__] = pynestlite
'''


def testsuite_dir():
    """NEST's pytests folder inside the installed wheel (None without NEST)."""
    spec = importlib.util.find_spec("nest")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = list(spec.submodule_search_locations)[0]
    path = os.path.join(root, "share", "nest", "testsuite", "pytests")
    return path if os.path.isdir(path) else None


def counts(text):
    """pytest's summary line -> {passed, failed, errors, skipped, ...}."""
    out = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "xfailed": 0, "xpassed": 0}
    lines = [ln for ln in text.splitlines() if re.search(r"\d+ (passed|failed|error)", ln)]
    if not lines:
        return out
    for n, what in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)", lines[-1]):
        out["errors" if what.startswith("error") else what] += int(n)
    return out


def reasons(text):
    """Failure classes of pytest's -rfE summary: the exception and the first
    words of its message, with how many tests each stops."""
    found = collections.Counter()
    for line in text.splitlines():
        m = re.match(r"(FAILED|ERROR) \S+ - (.*)", line)
        if m:
            msg = re.sub(r"\d+(\.\d+)?", "#", m.group(2))[:90]
            found[msg] += 1
    return found.most_common()


def run_folder(suite, folder, simulator, shim_dir, timeout):
    env = dict(os.environ, COLUMNS="1000")      # (untruncated -r summary lines)
    if simulator == "pynestlite":
        env["PYTHONPATH"] = shim_dir + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no",
           "--continue-on-collection-errors", "-rfE", folder]
    t0 = time.perf_counter()
    try:
        res = subprocess.run(cmd, cwd=suite, env=env, capture_output=True, text=True,
                             timeout=timeout)
        text = res.stdout + res.stderr
        c = counts(text)
        c["reasons"] = reasons(text)
        if not any(c.values()):
            c["errors"] = -1            # collection or start-up failed
            c["note"] = text.strip().splitlines()[-1][:200] if text.strip() else "no output"
    except subprocess.TimeoutExpired:
        c = counts("")
        c["note"] = f"timeout after {timeout} s"
    c["seconds"] = round(time.perf_counter() - t0, 1)
    return c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folders", nargs="*", default=list(FOLDERS))
    ap.add_argument("--only", choices=("nest", "pynestlite"), default=None)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per folder")
    ap.add_argument("--json", default=None)
    ap.add_argument("--reasons", type=int, default=0,
                    help="print the N most frequent failure classes per folder")
    args = ap.parse_args(argv)
    suite = testsuite_dir()
    if suite is None:
        sys.exit("NEST's test suite is not installed: pip install nest-simulator")
    sims = [args.only] if args.only else ["nest", "pynestlite"]
    results = {s: {} for s in sims}
    with tempfile.TemporaryDirectory() as shim_dir:
        os.makedirs(os.path.join(shim_dir, "nest"))
        with open(os.path.join(shim_dir, "nest", "__init__.py"), "w") as fh:
            fh.write(SHIM)
        for folder in args.folders:
            for sim in sims:
                c = run_folder(suite, folder, sim, shim_dir, args.timeout)
                results[sim][folder] = c
                print(f"{folder:<12} {sim:<11} passed {c['passed']:5d}  failed {c['failed']:5d}  "
                      f"errors {c['errors']:5d}  skipped {c['skipped']:5d}  ({c['seconds']} s)"
                      + (f"  [{c['note']}]" if "note" in c else ""), flush=True)
                for msg, n in c.get("reasons", [])[:args.reasons]:
                    print(f"    {n:4d}  {msg}")
    print()
    print(f"{'folder':<12}" + "".join(f"{s + ' passed':>20}" for s in sims))
    for folder in args.folders:
        print(f"{folder:<12}" + "".join(f"{results[s][folder]['passed']:>20}" for s in sims))
    tot = {s: sum(results[s][f]["passed"] for f in args.folders) for s in sims}
    print(f"{'all':<12}" + "".join(f"{tot[s]:>20}" for s in sims))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
