"""Worker-subprocess machinery shared by the ``scaling/bench_*.py`` scripts.

Each benchmark script runs every simulator (``pynestlite`` and/or ``nest``)
in its own subprocess, so that peak memory is per simulator and two kernels
never share a process.  The script re-invokes itself with a hidden
``--worker NAME`` option; the worker runs the benchmark and writes exactly
one line ``RESULT_TAG + json.dumps(result)`` to its stdout, which the driver
parses.  This module holds the parts of that protocol that do not depend on
the benchmark:

* the worker side: :func:`import_simulator`, :class:`SimulatorUnavailable`
  and :func:`worker_main`;
* the driver side: :func:`add_worker_options`, :func:`run_in_subprocess`,
  :func:`run_simulators` and :func:`write_json`;
* two small helpers for measuring and printing, :func:`proc_status_kib` and
  :func:`fmt`.

A result dict has at least the keys ``simulator`` and ``ok``; a failed one
also ``error`` and, if the simulator could not be imported,
``not_installed``.  The driver adds ``returncode`` and, for a failure other
than a missing simulator, ``stderr_tail`` (the last 25 lines of the
worker's log).
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SIMULATORS = ("pynestlite", "nest")
EXIT_NOT_INSTALLED = 3
REQUIRED_API = ("ResetKernel", "SetKernelStatus", "GetKernelStatus", "SetDefaults", "Create", "Connect", "Simulate")
STDERR_TAIL_LINES = 25


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def proc_status_kib(field):
    """Read one memory field of ``/proc/self/status``.

    Parameters
    ----------
    field : str
        Name of the field, e.g. ``"VmRSS"`` or ``"VmHWM"``.

    Returns
    -------
    int or None
        The value in KiB, or None where the file or the field is missing
        (not Linux).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def fmt(value, spec, missing="n/a"):
    """Format a number that may be missing.

    Parameters
    ----------
    value : float, int or None
        The number.
    spec : str
        Format specification for :func:`format`, e.g. ``".2f"``.
    missing : str, optional
        Text for a missing value (None or NaN).

    Returns
    -------
    str
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return format(value, spec)


# --------------------------------------------------------------------------
# worker side
# --------------------------------------------------------------------------


class SimulatorUnavailable(Exception):
    """The simulator module cannot be imported (or lacks the needed API).

    Parameters
    ----------
    message : str
        What went wrong; becomes the ``error`` of the worker's result.
    not_installed : bool
        True if the simulator is simply not installed (the driver then skips
        NEST quietly), False if it is there but broken.
    """

    def __init__(self, message, not_installed):
        super().__init__(message)
        self.not_installed = not_installed

    @classmethod
    def from_import_error(cls, name, err):
        """Describe an ImportError raised while importing simulator ``name``.

        Parameters
        ----------
        name : str
            The simulator module, ``"pynestlite"`` or ``"nest"``.
        err : ImportError
            The exception.

        Returns
        -------
        SimulatorUnavailable
            ``not_installed`` is True only if the module ``name`` itself was
            not found (not one of its dependencies).
        """
        top_missing = isinstance(err, ModuleNotFoundError) and err.name == name
        return cls(f"cannot import {name} ({type(err).__name__}: {err})", not_installed=top_missing)


def import_simulator(name):
    """Import a simulator module.

    Parameters
    ----------
    name : {"pynestlite", "nest"}
        The module.  If ``pynestlite`` is not installed, the source tree
        containing this script is tried (``.`` and ``src/``).

    Returns
    -------
    module

    Raises
    ------
    ImportError
        If the module cannot be imported.
    SimulatorUnavailable
        If pynestlite lacks one of the functions in ``REQUIRED_API``.
    """
    if name == "nest":
        import nest

        return nest
    try:
        import pynestlite
    except ModuleNotFoundError as err:
        if err.name != "pynestlite":
            raise
        root = Path(__file__).resolve().parent.parent
        for candidate in (root, root / "src"):
            if (candidate / "pynestlite").is_dir() and str(candidate) not in sys.path:
                sys.path.insert(0, str(candidate))
        import pynestlite
    missing = [f for f in REQUIRED_API if not hasattr(pynestlite, f)]
    if missing:
        where = getattr(pynestlite, "__file__", None) or list(getattr(pynestlite, "__path__", []))
        raise SimulatorUnavailable(
            f"cannot use pynestlite imported from {where}: it lacks {', '.join(missing)} (not implemented yet?)",
            not_installed=False,
        )
    return pynestlite


def worker_main(name, run_worker, args, result_tag):
    """Entry point of the worker subprocess: emit exactly one JSON result line.

    All other output of the process (the kernel's banner and messages, also
    those written from C/C++ to file descriptor 1) is redirected to stderr,
    which the driver sends to a log file unless ``--verbose``; the result
    line goes to the original stdout.  Does not return: the process ends
    with ``os._exit``, skipping interpreter teardown (kernel destructors,
    atexit handlers), which is not part of the benchmark and may print or
    take long.

    Parameters
    ----------
    name : str
        The simulator.
    run_worker : callable
        Called as ``run_worker(name, args)`` after the redirection; runs the
        benchmark and returns the result dict (JSON-serialisable).
    args : argparse.Namespace
        The worker's parsed command line, passed on to ``run_worker``.
    result_tag : str
        Prefix of the result line, the one :func:`run_in_subprocess` looks
        for.

    Notes
    -----
    Exit status 0 on success, ``EXIT_NOT_INSTALLED`` if ``run_worker``
    raised an ImportError or :class:`SimulatorUnavailable`, 1 for any other
    exception (its traceback goes to the log).
    """
    result_out = os.fdopen(os.dup(1), "w")
    sys.stdout.flush()
    os.dup2(2, 1)
    code = 0
    try:
        result = run_worker(name, args)
    except (ImportError, SimulatorUnavailable) as err:
        unavailable = SimulatorUnavailable.from_import_error(name, err) if isinstance(err, ImportError) else err
        result = {"simulator": name, "ok": False, "not_installed": unavailable.not_installed, "error": str(unavailable)}
        code = EXIT_NOT_INSTALLED
    except Exception as err:  # noqa: BLE001 - reported to the parent
        import traceback

        traceback.print_exc()
        result = {"simulator": name, "ok": False, "error": f"{type(err).__name__}: {err}"}
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    result_out.write(result_tag + json.dumps(result) + "\n")
    result_out.flush()
    os._exit(code)


# --------------------------------------------------------------------------
# driver side
# --------------------------------------------------------------------------


def add_worker_options(parser, console=False):
    """Add the options of the driver/worker protocol to a parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The benchmark script's parser; the options are added at the end.
    console : bool, optional
        Also add the hidden ``--console-fd`` option, the descriptor of the
        driver's terminal (see :func:`run_in_subprocess`).

    Notes
    -----
    Adds ``--verbose`` (show the simulators' own output) and the hidden
    ``--worker NAME``.
    """
    parser.add_argument("--verbose", action="store_true", help="show the simulators' own output")
    parser.add_argument("--worker", choices=SIMULATORS, help=argparse.SUPPRESS)
    if console:
        parser.add_argument("--console-fd", type=int, help=argparse.SUPPRESS)


def run_in_subprocess(script, name, worker_args, result_tag, verbose=False, console=False):
    """Run one simulator's worker and return its result.

    Parameters
    ----------
    script : str
        Path of the benchmark script, re-invoked as ``script --worker name
        *worker_args`` with this interpreter.
    name : str
        The simulator.
    worker_args : list of str
        The benchmark's own options for the worker.
    result_tag : str
        Prefix of the worker's result line (see :func:`worker_main`).
    verbose : bool, optional
        Let the worker's own output through to our stderr.  Otherwise it
        goes to a temporary log file, kept as ``stderr_tail`` on failure.
    console : bool, optional
        Unless ``verbose``, pass a duplicate of our stderr to the worker as
        ``--console-fd`` (e.g. for a progress bar).

    Returns
    -------
    dict
        The worker's result with ``returncode`` added; a failure result if
        the worker printed none.
    """
    cmd = [sys.executable, os.path.abspath(script), "--worker", name, *worker_args]
    pass_fds = ()
    log = None
    if not verbose:
        log = tempfile.TemporaryFile(mode="w+", prefix=Path(script).stem + "_")
        if console:
            console_fd = os.dup(sys.stderr.fileno())
            pass_fds = (console_fd,)
            cmd += ["--console-fd", str(console_fd)]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, pass_fds=pass_fds, text=True)
    finally:
        for fd in pass_fds:
            os.close(fd)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith(result_tag):
            result = json.loads(line[len(result_tag) :])
    if result is None:
        result = {
            "simulator": name,
            "ok": False,
            "error": f"worker exited with code {proc.returncode} without a result",
        }
    result["returncode"] = proc.returncode
    if log is not None:
        if not result.get("ok") and not result.get("not_installed"):
            log.seek(0)
            result["stderr_tail"] = log.read().strip().splitlines()[-STDERR_TAIL_LINES:]
        log.close()
    return result


def run_simulators(script, simulators, worker_args, result_tag, summary_line, verbose=False, console=False):
    """Run the workers of several simulators one after the other and report.

    For each simulator, prints ``running NAME ...`` to stderr, then to
    stdout either ``summary_line(result)``, or a line saying that NEST is
    not installed and skipped, or a ``NAME: FAILED: error`` line followed by
    the tail of the worker's log.

    Parameters
    ----------
    script, worker_args, result_tag, verbose, console
        As for :func:`run_in_subprocess`.
    simulators : iterable of str
        The simulators, in order.
    summary_line : callable
        Maps a successful result dict to its one-line summary.

    Returns
    -------
    results : dict
        Result dict of each simulator, by name.
    failed : bool
        True if a simulator failed (a missing NEST does not count).
    """
    results = {}
    failed = False
    for name in simulators:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        r = run_in_subprocess(script, name, worker_args, result_tag, verbose=verbose, console=console)
        results[name] = r
        if r.get("ok"):
            print(summary_line(r), flush=True)
        elif r.get("not_installed") and name == "nest":
            print(f"NEST not installed: skipping ({r['error']})", flush=True)
        else:
            failed = True
            print(f"{name}: FAILED: {r.get('error')}", flush=True)
            for line in r.get("stderr_tail", []):
                print(f"    {line}", flush=True)
    return results, failed


def nest_ratios(results, keys):
    """NEST / pynestlite for each ``name: result_key`` of ``keys``.

    Parameters
    ----------
    results : dict
        The driver's results, by simulator.
    keys : dict
        Output name -> key of the workers' result dicts.

    Returns
    -------
    dict or None
        The ratios (None where a value is missing or pynestlite's is 0), or
        None unless both simulators ran.
    """
    a, b = results.get("pynestlite", {}), results.get("nest", {})
    if not (a.get("ok") and b.get("ok")):
        return None
    return {name: (b[key] / a[key] if b.get(key) is not None and a.get(key) else None)
            for name, key in keys.items()}


def write_json(path, data, indent):
    """Write a benchmark's numbers to a JSON file and say so on stdout.

    Parameters
    ----------
    path : str
        The file (the ``--json`` option).
    data : dict
        The numbers; NaN is written as ``NaN``.
    indent : int
        Indentation of :func:`json.dump`.
    """
    with open(path, "w") as f:
        json.dump(data, f, indent=indent)
        f.write("\n")
    print(f"wrote {path}")
