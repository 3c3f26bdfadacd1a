"""pynestlite: a NEST-compatible, event-driven, distributed spiking-network
simulator with a Cython kernel.

Use it as PyNEST 3::

    import pynestlite as nest
    nest.ResetKernel()
    neurons = nest.Create("iaf_psc_alpha", 10, {"I_e": 376.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(neurons, sr)
    nest.Simulate(1000.0)
    print(sr.get("events")["times"])

Under ``mpiexec -n N`` the network is spread round-robin over the ranks and
gives the same spikes for every N.
"""
import contextlib
import enum
import os
import sys
import types
import warnings

import numpy as np

try:
    import pynestlite.kernel  # noqa: F401  (the compiled kernel, installed beside)
except ModuleNotFoundError as _err:
    if not (_err.name or "").startswith("pynestlite"):
        raise
    raise ImportError(
        f"pynestlite is being imported from its source folder "
        f"{os.path.dirname(os.path.abspath(__file__))}, which has no compiled kernel (the "
        "current directory shadows the installed package).  Run from another directory, "
        "or install in place: pip install -e .") from None

from pynestlite import random  # noqa: F401  (nest.random namespace)
from pynestlite import spatial  # noqa: F401  (nest.spatial namespace)
from pynestlite.spatial import distributions as spatial_distributions  # noqa: F401
from pynestlite.spatial.masks import CreateMask, Mask  # noqa: F401
from pynestlite.spatial.tools import (  # noqa: F401
    Displacement, Distance, DumpLayerConnections, DumpLayerNodes, FindCenterElement,
    FindNearestElement, GetPosition, GetSourceNodes, GetSourcePositions, GetTargetNodes,
    GetTargetPositions, SelectNodesByMask)
from pynestlite.spatial.plotting import (  # noqa: F401
    PlotLayer, PlotProbabilityParameter, PlotSources, PlotTargets)
from pynestlite import raster_plot, voltage_trace  # noqa: F401  (PyNEST plotting modules)
from pynestlite.engine import kernel
from pynestlite.kernel.scheduler import HAVE_OPENMP as _HAVE_OPENMP
from pynestlite.errors import (  # noqa: F401
    BadDelay, BadParameter, BadProperty, GSLSolverFailure, IllegalConnection,
    InexistentConnection, KernelException, KernelMemoryError, KernelStateError, NESTErrors,
    NewModelNameExists, NonScalarDefault, NotImplementedFeature, NumericalInstability,
    ReadOnlyKernelProperty, TypeMismatch, TimeMultipleRequired, UnaccessedDictionaryEntry,
    UnknownKernelKey, UnknownKernelProperty, UnknownModelName, UnknownNode, UnknownParameter,
    UnknownReceptorType, LayerExpected, UndefinedName, BadParameterValue)
from pynestlite.errors import plain as _plain
from pynestlite.nodes import NodeCollection
from pynestlite.connect import CollocatedSynapses  # noqa: F401
from pynestlite.random import CreateParameter, Parameter, logic, math  # noqa: F401
from pynestlite.recording import gather_events, merge_hdf5  # noqa: F401
from pynestlite.synapses import SynapseCollection

__version__ = "0.1.0"


def _build_info():
    """What this installation has, under PyNEST's ``nest.build_info`` keys."""
    import importlib.util
    import platform
    import time as _time
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.getmtime(os.path.abspath(__file__))
    machine = platform.machine() or "unknown"
    return {
        "version": __version__,
        "built": _time.strftime("%b %d %Y %H:%M:%S", _time.gmtime(built)),
        "prefix": here, "datadir": here, "docdir": here,
        "host": f"{machine}-{sys.platform}", "hostcpu": machine, "hostos": sys.platform,
        "hostvendor": "unknown",
        "have_mpi": importlib.util.find_spec("mpi4py") is not None,
        # the GSL-based models of NEST (RKF45) are here, re-implemented
        "have_gsl": True,
        "have_hdf5": importlib.util.find_spec("h5py") is not None,
        # local_num_threads runs that many OpenMP threads per rank (where the
        # compiler had OpenMP at build time; else one)
        "have_threads": _HAVE_OPENMP,
        "threads_model": "openmp" if _HAVE_OPENMP else "none",
        # the Boost-based model of NEST (iaf_bw_2001: the incomplete gamma
        # function) is here, re-implemented
        "have_boost": True, "have_music": False, "have_libneurosim": False,
        "have_sionlib": False, "ndebug": True, "exitcode": 0,
        "test_exitcodes": {"success": 0, "skipped": 200, "skipped_no_mpi": 201,
                           "skipped_have_mpi": 202, "skipped_no_threading": 203,
                           "skipped_no_gsl": 204, "skipped_no_music": 205,
                           "scripterror": 126, "abort": 134, "segfault": 139,
                           "exception": 125, "fatal": 127, "unknownerror": 10,
                           "userabort": 15},
    }


#: PyNEST's build information: version, and which optional parts exist
build_info = _build_info()

# NEST 3 names these "kernel exceptions" under nest.kernel.NESTError too
NESTError = KernelException


class VerbosityLevel(enum.IntEnum):
    """Message levels, as in PyNEST 3.10."""
    ALL = 0
    DEBUG = 5
    STATUS = 7
    INFO = 10
    DEPRECATED = 18
    WARNING = 20
    ERROR = 30
    FATAL = 40
    QUIET = 100


_verbosity = VerbosityLevel.INFO


def set_verbosity(level):
    """Set the message level (name like 'M_WARNING' or a VerbosityLevel)."""
    global _verbosity
    if isinstance(level, str):
        name = level.replace("M_", "")
        if name not in VerbosityLevel.__members__:
            raise BadParameter(f"unknown verbosity level {level!r}")
        level = VerbosityLevel[name]
    _verbosity = VerbosityLevel(level)


def _resize_log(comm):
    """NEST's spike_buffer_resize_log: when the per-rank block of the spike
    exchange changed size, the largest count that caused it, the new size."""
    log = np.array(list(comm.resize_log), np.float64).reshape(-1, 3)
    return {"times": log[:, 0], "global_max_spikes_sent": log[:, 1],
            "new_buffer_size": log[:, 2]}


def get_verbosity():
    return _verbosity


# ---------------------------------------------------------------------------
# kernel status
_READ_ONLY = ("biological_time", "num_connections", "network_size", "num_processes",
              "time_simulate", "time_update", "time_deliver", "time_communicate",
              "time_construction_create", "time_construction_connect",
              "node_models", "synapse_models", "connection_rules", "ms_per_tic",
              "tics_per_step", "time_record", "time_update_threads", "time_deliver_threads",
              "time_wait_threads", "hardware_report", "off_grid_spiking",
              "local_spike_counter", "memory_size", "spike_buffer_resize_log", "rng_types", "max_num_syn_models",
              "recording_backends")
_WRITABLE = ("resolution", "tics_per_ms", "use_compressed_spikes", "rng_seed", "min_delay",
             "max_delay", "local_num_threads", "total_num_virtual_procs", "print_time",
             "data_path", "data_prefix", "overwrite_files", "target", "chip_seed",
             "hardware_latency", "detailed_timers", "syn_update_interval", "rng_type",
             "dict_miss_is_error", "keep_source_table",
             "eprop_update_interval", "eprop_learning_window", "eprop_reset_neurons_on_update")


#: synapse models a kernel holds at most (built-in ones and copies); NEST's limit
MAX_SYNAPSE_MODELS = 512


def _recording_backends():
    from pynestlite.recording import BACKENDS
    return BACKENDS


def _memory_kib():
    """Resident set size of this process in kiB (Linux /proc; elsewhere the
    peak from getrusage)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _kernel_status(collective=True):
    """The kernel's status; ``collective`` False: without the values summed
    over ranks (for a call that not every rank makes)."""
    k = kernel
    # (a fresh kernel's extrema are 1 step each)
    dmin, dmax = k.delay_extrema() if collective else (k.user_delays or (1, 1))
    s = {
        "resolution": k.resolution,
        "rng_seed": k.rng_seed,
        "biological_time": k.time_ms,
        "min_delay": dmin * k.resolution,
        "max_delay": dmax * k.resolution,
        "num_connections": (k.num_connections() if collective
                            else sum(k.syn_counts.values())),
        "network_size": k.next_gid - 1,
        "local_num_threads": k.local_num_threads,
        "total_num_virtual_procs": k.size * k.local_num_threads,
        "num_processes": k.size,
        "print_time": k.print_time,
        "data_path": k.data_path,
        "data_prefix": k.data_prefix,
        "overwrite_files": k.overwrite_files,
        "time_simulate": k.time_simulate,
        "time_construction_create": k.time_construction_create,
        "time_construction_connect": k.time_construction_connect,
        "target": k.target,
        # hardware target: the emulated chip instance and the last run's report
        "chip_seed": k.chip_seed,
        # event latency on the chip (ms; None: the smallest connection delay);
        # longer delays go through parrot neurons
        "hardware_latency": k.hardware_latency,
        "hardware_report": k.hardware_report,
        # update interval of the time-driven (polychronization) synapses
        "syn_update_interval": k.syn_update_interval,
        # the original e-prop (bsshslm_2020 models): weights change once per
        # update interval, with the gradient of its last learning_window ms
        "eprop_update_interval": k.eprop_update_interval,
        "eprop_learning_window": k.eprop_learning_window,
        "eprop_reset_neurons_on_update": k.eprop_reset_neurons_on_update,
        # time_update/_record/_communicate/_deliver are counted only with
        # detailed_timers (four clock reads per slice; NEST: a build option)
        "detailed_timers": bool(k.scheduler.detailed_timers),
        "node_models": sorted(k.models),
        "synapse_models": sorted(k.synapse_models),
        "connection_rules": ["all_to_all", "one_to_one", "fixed_indegree", "fixed_outdegree",
                             "fixed_total_number", "pairwise_bernoulli"],
        "ms_per_tic": k.ms_per_tic,
        "tics_per_ms": float(k.tics_per_ms),
        "tics_per_step": k.tics_per_step,
        # NEST's delivery option; pynestlite always delivers by source rows
        # (what NEST's compressed spikes do), so it changes no result
        "use_compressed_spikes": k.use_compressed_spikes,
        # False: unknown keys of node parameter dicts are ignored with a warning
        "dict_miss_is_error": k.dict_miss_is_error,
        # False: NEST drops its source table after building the connection
        # infrastructure (see Engine.keep_source_table)
        "keep_source_table": k.keep_source_table,
        # a node sends or takes spikes at precise (off-grid) times
        "off_grid_spiking": k.off_grid_spiking(),
        # spikes of this rank's neurons in the latest Simulate (multiplicity counted)
        "local_spike_counter": int(k.scheduler.local_spikes),
        # resident memory of this process (kiB), as NEST reports its own
        "memory_size": _memory_kib(),
        # NEST logs each growth of its fixed-size MPI spike buffers; the
        # exchange here sends variable-size messages, so nothing is ever resized
        "spike_buffer_resize_log": _resize_log(k.comm),
        # every random number comes from the counter-based Philox4x32-10
        # (NEST's "Philox_32"); no other generator is offered
        "rng_type": "Philox_32",
        "rng_types": ["Philox_32"],
        "max_num_syn_models": MAX_SYNAPSE_MODELS,
        "recording_backends": tuple(_recording_backends()),
    }
    s.update(k.scheduler.timers)
    return s


def GetKernelStatus(keys=None):
    """Kernel status dict, one value (str key) or a list of values (list of keys)."""
    s = _kernel_status()
    if keys is None:
        return s
    if isinstance(keys, str):
        if keys not in s:
            raise UnknownKernelKey(
                f"unknown kernel status key {keys!r}; expected one of {sorted(s)}")
        return s[keys]
    return tuple(GetKernelStatus(key) for key in keys)


def SetKernelStatus(params):
    """Set kernel properties; checks every key (on every rank) before changing anything."""
    error = None
    try:
        p = _check_kernel_status(params)
    except Exception as e:      # agreed over ranks: every rank raises, none commits
        error = e
    kernel.comm.status_point(error)
    _commit_kernel_status(p)


def _check_kernel_status(params):
    """Validate a SetKernelStatus dict; returns it as a plain dict."""
    k = kernel
    if not isinstance(params, dict):
        raise BadParameter(f"SetKernelStatus expects a dict, got {type(params).__name__}")
    for key in params:
        if key == "biological_time":
            # NEST's one settable value: 0.0 (a no-op before anything ran)
            if params[key] != 0.0:
                raise BadProperty(f"biological_time can only be set to 0.0, got {params[key]!r}")
            if k.time_ms > 0:
                raise NotImplementedFeature(
                    "resetting biological_time to 0 after a simulation is not supported "
                    "(the event queues would lose spikes); use ResetKernel")
            continue
        if key in _READ_ONLY:
            raise ReadOnlyKernelProperty(f"kernel property {key!r} is read-only")
        if key not in _WRITABLE:
            raise UnknownKernelProperty(
                f"unknown kernel property {key!r}; settable: {sorted(_WRITABLE)}")
    p = dict(params)
    if "resolution" in p or "tics_per_ms" in p:
        _check_time_representation(p)
    if "use_compressed_spikes" in p:
        if not isinstance(p["use_compressed_spikes"], (bool, np.bool_)):
            raise BadProperty(f"use_compressed_spikes must be a bool, got "
                              f"{p['use_compressed_spikes']!r}")
        if k.simulated:
            raise KernelStateError("use_compressed_spikes can only be set before the first "
                                   "simulation")
    if "keep_source_table" in p and not isinstance(p["keep_source_table"], (bool, np.bool_)):
        raise BadProperty(f"keep_source_table must be a bool, got {p['keep_source_table']!r}")
    if "dict_miss_is_error" in p and not isinstance(p["dict_miss_is_error"], (bool, np.bool_)):
        raise BadProperty(f"dict_miss_is_error must be a bool, got {p['dict_miss_is_error']!r}")
    if "rng_type" in p and p["rng_type"] != "Philox_32":
        raise BadProperty(f"rng_type {p['rng_type']!r} is not available; pynestlite draws "
                          "every random number from 'Philox_32' (counter-based, the same "
                          "for any number of ranks)")
    if "rng_seed" in p:
        s = p["rng_seed"]
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or not 1 <= s < 2 ** 32:
            raise BadProperty(f"rng_seed must be an integer in [1, 2^32-1], got {s!r}")
    for key in ("local_num_threads", "total_num_virtual_procs"):
        if key in p:
            v = p[key]
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise BadProperty(f"{key} must be a positive integer, got {v!r}")
            if key == "total_num_virtual_procs" and v % k.size:
                raise BadProperty(f"total_num_virtual_procs {v} must be a multiple of the "
                                  f"number of processes {k.size}")
            now = k.local_num_threads * (k.size if key == "total_num_virtual_procs" else 1)
            if k.next_gid > 1 and v != now:
                # (setting the value it has is no change, as NEST)
                raise KernelStateError(f"cannot change {key} after nodes have been created")
    if "min_delay" in p or "max_delay" in p:
        if "min_delay" not in p or "max_delay" not in p:
            raise BadProperty("min_delay and max_delay must be set together")
        if k.simulated or any(len(t) for t in k.tables.values()):
            raise KernelStateError("min_delay/max_delay can only be set before connections "
                                   "are created")
        res = float(p.get("resolution", k.resolution))
        lo = int(np.floor(float(p["min_delay"]) / res + 1e-9))
        hi = int(np.ceil(float(p["max_delay"]) / res - 1e-9))
        if lo < 1 or hi < lo:
            raise BadDelay(f"min_delay {p['min_delay']} and max_delay {p['max_delay']} must "
                           f"satisfy resolution <= min_delay <= max_delay")
    if "data_path" in p:
        path = p["data_path"]
        if not isinstance(path, (str, os.PathLike)):
            raise BadProperty(f"data_path must be a str, got {path!r}")
        if os.fspath(path) and not os.path.isdir(path):
            raise BadProperty(f"data_path {os.fspath(path)!r} does not exist or is not a "
                              "directory; create it first")
    if "syn_update_interval" in p:
        v = p["syn_update_interval"]
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool) \
                or not np.isfinite(v) or v <= 0:
            raise BadProperty(f"syn_update_interval must be a positive number of ms, got {v!r}")
        res = float(p.get("resolution", k.resolution))
        steps = float(v) / res
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            raise BadProperty(f"syn_update_interval {v} ms is not a multiple of the "
                              f"resolution {res} ms")
        if k.simulated and float(v) != k.syn_update_interval:
            raise KernelStateError("cannot change syn_update_interval after Simulate; "
                                   "call ResetKernel first")
    for key in ("eprop_update_interval", "eprop_learning_window"):
        if key in p:
            v = p[key]
            if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool) \
                    or not np.isfinite(v) or v <= 0:
                raise BadProperty(f"{key} > 0 required (ms), got {v!r}")
            res = float(p.get("resolution", k.resolution))
            steps = float(v) / res
            if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
                raise BadProperty(f"{key} {v} ms is not a multiple of the resolution {res} ms")
    if "eprop_learning_window" in p:
        lw = float(p.get("eprop_learning_window", k.eprop_learning_window))
        ui = float(p.get("eprop_update_interval", k.eprop_update_interval))
        if lw > ui:
            raise BadProperty(f"eprop_learning_window <= eprop_update_interval required "
                              f"({lw} ms > {ui} ms)")
    if "eprop_reset_neurons_on_update" in p and not isinstance(
            p["eprop_reset_neurons_on_update"], (bool, np.bool_)):
        raise BadProperty("eprop_reset_neurons_on_update must be a bool, got "
                          f"{p['eprop_reset_neurons_on_update']!r}")
    if "target" in p and p["target"] not in ("software", "brainscales2"):
        raise BadProperty(f"target must be 'software' or 'brainscales2', got {p['target']!r}")
    if "chip_seed" in p:
        v = p["chip_seed"]
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) \
                or not 0 <= int(v) < 2 ** 63:
            raise BadProperty(f"chip_seed must be an integer in [0, 2**63), got {v!r}")
    if "hardware_latency" in p:
        v = p["hardware_latency"]
        if v is not None and (isinstance(v, (bool, np.bool_)) or not isinstance(
                v, (int, float, np.integer, np.floating)) or not 0 < float(v) < np.inf):
            raise BadProperty(f"hardware_latency must be None or a delay > 0 (ms), got {v!r}")
    return p


def _check_time_representation(p):
    """NEST's rules for the time representation: ``tics_per_ms`` only together
    with ``resolution``, the resolution a whole number (>= 1) of tics, and
    neither changed once nodes exist or the network has run."""
    k = kernel
    tpms = k.tics_per_ms
    if "tics_per_ms" in p:
        v = p["tics_per_ms"]
        if isinstance(v, (bool, np.bool_)) or not isinstance(
                v, (int, float, np.integer, np.floating)) or not np.isfinite(v) \
                or v < 1 or float(v) != int(v):
            raise BadProperty(f"tics_per_ms must be a whole number >= 1, got {_plain(v)}")
        if "resolution" not in p:
            raise KernelStateError("changing tics_per_ms requires setting the resolution "
                                   "in the same call")
        tpms = int(v)
    res = p.get("resolution", k.resolution)
    if isinstance(res, (bool, np.bool_)) or not isinstance(
            res, (int, float, np.floating, np.integer)) or not np.isfinite(res) or res <= 0:
        raise BadProperty(f"resolution must be a positive number of ms, got {_plain(res)}")
    tics = float(res) * tpms
    if round(tics) < 1:
        raise BadProperty(f"resolution {_plain(res)} ms must be at least one tic "
                          f"({1.0 / tpms:g} ms at tics_per_ms {tpms})")
    if abs(tics - round(tics)) > 1e-9 * max(1.0, tics):
        raise BadProperty(f"resolution {_plain(res)} ms must be a multiple of the tic "
                          f"({1.0 / tpms:g} ms at tics_per_ms {tpms})")
    if float(res) != k.resolution or tpms != k.tics_per_ms:
        why = [w for w, bad in (("nodes have been created", k.next_gid > 1),
                                ("the network has been simulated", k.simulated),
                                ("model defaults were modified (SetDefaults, CopyModel)",
                                 k.model_defaults_modified)) if bad]
        if why:
            raise KernelStateError(f"the time representation (resolution, tics_per_ms) "
                                   f"cannot change: {' and '.join(why)}; call ResetKernel "
                                   f"first")


def _commit_kernel_status(p):
    k = kernel
    # commit
    if "tics_per_ms" in p:
        k.tics_per_ms = int(p["tics_per_ms"])
    if "use_compressed_spikes" in p:
        k.use_compressed_spikes = bool(p["use_compressed_spikes"])
    if "resolution" in p:
        k.resolution = float(p["resolution"])
        k.tics_per_step = int(round(k.resolution * k.tics_per_ms))
        # the synapse models' default delay (1 ms) moves to the new grid, at
        # or after 1 ms, as NEST's (0.3 ms steps: 1.2 ms; 5 ms steps: 5 ms)
        # (no model default can have been set: the grid is locked then)
        d = k.default_delay_ms()
        for defaults in k.synapse_models.values():
            if "delay" in defaults:
                defaults["delay"] = d
    if "dict_miss_is_error" in p:
        k.dict_miss_is_error = bool(p["dict_miss_is_error"])
    if "keep_source_table" in p:
        k.keep_source_table = bool(p["keep_source_table"])
    if "rng_seed" in p:
        k.rng_seed = int(p["rng_seed"])
    if "local_num_threads" in p:
        k.local_num_threads = int(p["local_num_threads"])
    if "total_num_virtual_procs" in p:
        k.local_num_threads = int(p["total_num_virtual_procs"]) // k.size
    if "min_delay" in p:
        k.user_delays_ms = (float(p["min_delay"]), float(p["max_delay"]))
    if "min_delay" in p or ("resolution" in p and k.user_delays_ms is not None):
        # kept in ms: a new resolution rounds min_delay down and max_delay up (as NEST)
        res = k.resolution
        k.user_delays = (max(1, int(np.floor(k.user_delays_ms[0] / res + 1e-9))),
                         int(np.ceil(k.user_delays_ms[1] / res - 1e-9)))
    for key in ("print_time", "overwrite_files"):
        if key in p:
            setattr(k, key, bool(p[key]))
    if "detailed_timers" in p:
        k.scheduler.detailed_timers = bool(p["detailed_timers"])
    for key in ("data_path", "data_prefix"):
        if key in p:
            setattr(k, key, os.fspath(p[key]) if key == "data_path" else str(p[key]))
    if "target" in p:
        k.target = p["target"]
        k.hardware_state = None
    if "chip_seed" in p:
        k.chip_seed = int(p["chip_seed"])
    if "hardware_latency" in p:
        v = p["hardware_latency"]
        k.hardware_latency = None if v is None else float(v)
    if "syn_update_interval" in p:
        k.syn_update_interval = float(p["syn_update_interval"])
    for key in ("eprop_update_interval", "eprop_learning_window"):
        if key in p:
            setattr(k, key, float(p[key]))
    if "eprop_reset_neurons_on_update" in p:
        k.eprop_reset_neurons_on_update = bool(p["eprop_reset_neurons_on_update"])


def set(**kwargs):  # noqa: A001  (PyNEST's nest.set)
    """Set kernel properties by keyword (``nest.set(resolution=0.1)``)."""
    SetKernelStatus(kwargs)


def get(*keys):
    """Kernel properties by name (``nest.get("biological_time")``)."""
    if not keys:
        return GetKernelStatus()
    if len(keys) == 1:
        return GetKernelStatus(keys[0])
    return GetKernelStatus(keys)


def ResetKernel():
    """Delete all nodes and connections and restore every default."""
    kernel.reset()


# ---------------------------------------------------------------------------
# models
def Models(mtype="all", sel=None):
    """Names of the available models ('nodes', 'synapses' or 'all')."""
    names = []
    if mtype in ("all", "nodes"):
        names += sorted(kernel.models)
    if mtype in ("all", "synapses"):
        names += sorted(kernel.synapse_models)
    if sel is not None:
        names = [n for n in names if sel in n]
    return tuple(sorted(names))


def _model_defaults(model):
    if model in kernel.synapse_models:
        # keys starting with "_" are a model's own bookkeeping (not parameters)
        d = {k: ({kk: vv for kk, vv in v.items() if not kk.startswith("_")}
                 if isinstance(v, dict) else v)
             for k, v in kernel.synapse_models[model].items() if not k.startswith("_")}
        d["synapse_model"] = model
        d["synapse_modelid"] = kernel.synapse_model_id(model)
        d["sizeof"] = kernel.synapse_types[model].sizeof()
        d["num_connections"] = kernel.comm.allreduce_sum(kernel.syn_counts.get(model, 0))
        return d
    if model not in kernel.models:
        raise UnknownModelName(
            f"{model!r} is not a known model name; node models: {sorted(kernel.models)}; "
            "synapse models: "
            f"{sorted(kernel.synapse_models)}")
    cls, defaults = kernel.model_class(model)
    out = {}
    from pynestlite.nodes import _out_value
    for name in cls.public_names():
        if name in getattr(cls, "write_only", ()):
            continue
        base = cls.all_defaults().get(name, 0)      # n_events has no stored default
        out[name] = _out_value(name, base, defaults.get(name, base))
    if out.get("record_to", "ascii") != "ascii":
        for name in getattr(cls, "ascii_keys", ()):
            out.pop(name, None)
    if "stop" in out and cls.element_type != "neuron":
        from pynestlite.nodes import _device_stop
        out["stop"] = float(_device_stop(out["stop"]))
    out["model"] = model
    out["model_id"] = kernel.model_id(model)
    out["element_type"] = getattr(cls, "nest_element_type", cls.element_type)
    out["frozen"] = False       # (a node's status only: not a model default, as NEST)
    derived = getattr(cls, "derived_defaults", None)
    if derived is not None:
        out.update(derived(defaults))
    elif cls.recordables:
        out["recordables"] = sorted(cls.recordables)
    if getattr(cls, "receptor_types", None):
        out["receptor_types"] = dict(cls.receptor_types)
    return out


def to_json(data, **kwargs):
    """``data`` (dicts, lists, numpy values, NodeCollections,
    SynapseCollections) as a JSON string; ``kwargs`` go to ``json.dumps``."""
    import json
    from pynestlite.nodes import _json_default
    from pynestlite.synapses import SynapseCollection
    if isinstance(data, SynapseCollection):
        data = data.get()
    return json.dumps(data, default=_json_default, **kwargs)


def GetDefaults(model, keys=None, output=""):
    """Default parameters of a node or synapse model (``output="json"``: as
    a JSON string)."""
    if output not in ("", "json"):
        raise TypeError(f"GetDefaults: output must be '' or 'json', got {output!r}")
    d = _model_defaults(model)
    if output == "json":
        return to_json(d if keys is None else GetDefaults(model, keys))
    if keys is None:
        return d
    if isinstance(keys, str):
        names = [keys]
    else:
        try:
            names = list(keys)       # (any iterable of names, as PyNEST: a set, dict keys)
        except TypeError:
            raise UnknownParameter(f"GetDefaults: keys must be a str or an iterable of str, "
                                   f"got {keys!r}") from None
    for key in names:
        if not isinstance(key, str):
            raise UnknownParameter(f"GetDefaults: keys must be a str or an iterable of str, "
                                   f"got {keys!r}")
        if key not in d:
            raise UnknownParameter(f"{model} has no parameter {key!r}")
    return d[keys] if isinstance(keys, str) else [d[key] for key in names]


def SetDefaults(model, params, val=None):
    """Change defaults of a model; values are checked as for a node.  As in
    NEST, the time representation cannot change afterwards (until
    ResetKernel)."""
    if val is not None:
        params = {params: val}
    _set_defaults(model, params)
    kernel.model_defaults_modified = True


def _set_defaults(model, params):
    if model in kernel.synapse_models:
        d = kernel.synapse_models[model]
        for key, v in params.items():
            if key not in d or key.startswith("_"):
                raise UnaccessedDictionaryEntry(
                    f"{model} has no parameter {key!r}; expected one of "
                    f"{sorted(k for k in d if not k.startswith('_'))}")
        cls = kernel.synapse_types[model]
        if "delay" in params and hasattr(cls, "split_delay"):
            # (a model with continuous delays checks the two steps it needs)
            cls.split_delay(kernel, params["delay"])
        elif "delay" in params:
            steps = kernel.delay_to_steps(params["delay"])
            if np.ndim(steps) == 0:
                # stored on the grid, as NEST (tics / tics_per_ms: 3.5 stays 3.5)
                params = dict(params, delay=float(int(steps) * kernel.tics_per_step
                                                  / kernel.tics_per_ms))
        cls.check_common(params)
        if hasattr(cls, "merge_common"):
            # model-level parameters that are dicts (an optimizer) merge key by key
            params = cls.merge_common(d, params, kernel.syn_counts.get(model, 0))
        merged = {**d, **params}
        cls.check({key: np.atleast_1d(merged[key]) for key in ("weight",) + cls.public_columns()
                   if key in merged}, merged)
        d.update(params)
        return
    cls, defaults = kernel.model_class(model)
    base = cls.all_defaults()
    if "frozen" in params:
        raise UnaccessedDictionaryEntry(f"{model}: 'frozen' is a node's status, not a model "
                                        "default (set it on the nodes)")
    for key, v in params.items():
        listed = isinstance(base.get(key), (list, tuple, np.ndarray, dict))
        if isinstance(v, Parameter) or (isinstance(v, (list, tuple, np.ndarray))
                                        and key in base and not listed):
            raise NonScalarDefault(f"SetDefaults() accepts only explicit, single parameter "
                                   f"values: {model}.{key} got {v!r}")
    probe = cls(model, np.array([0], np.int64), 0, 0, defaults)
    kernel.set_block(probe, np.arange(1), np.array([0], np.int64), params)
    expand = getattr(cls, "expand_status", None)
    if expand is not None:
        # sub-dictionaries are stored as the flat names they set (merged key by key)
        params = expand(params)
    for key, v in params.items():
        defaults[key] = v if not isinstance(v, np.ndarray) else v.tolist()


def CopyModel(existing, new, params=None):
    """Copy a node or synapse model under a new name, with changed defaults."""
    if new in kernel.models or new in kernel.synapse_models:
        raise NewModelNameExists(f"CopyModel: model {new!r} already exists; choose a new name")
    if existing in kernel.synapse_models and len(kernel.synapse_models) >= MAX_SYNAPSE_MODELS:
        raise KernelException(f"CopyModel: Synapse model count exceeded: a kernel holds at "
                              f"most {MAX_SYNAPSE_MODELS} synapse models (max_num_syn_models)")
    if existing in kernel.synapse_models:
        kernel.synapse_models[new] = dict(kernel.synapse_models[existing])
        kernel.synapse_types[new] = kernel.synapse_types[existing]
    else:
        cls, defaults = kernel.model_class(existing)
        kernel.models[new] = (cls, dict(defaults))
    if params:
        try:
            SetDefaults(new, params)
        except Exception:
            kernel.models.pop(new, None)
            kernel.synapse_models.pop(new, None)
            kernel.synapse_types.pop(new, None)
            raise
    kernel.model_defaults_modified = True


# ---------------------------------------------------------------------------
# nodes and connections
def Create(model, n=1, params=None, positions=None):
    """Create ``n`` nodes of ``model``; returns their NodeCollection.

    Parameters
    ----------
    model : str
        Node model name (see :func:`Models`).
    n : int
        Number of nodes.
    params : dict or list of dict, optional
        Parameter values: scalars, per-node lists/arrays, or random Parameters
        (``nest.random.uniform(...)``); a list gives one dict per node.

    Raises
    ------
    UnknownModelName, UnaccessedDictionaryEntry, BadProperty
    """
    if isinstance(n, dict) and params is None:
        # PyNEST accepts the parameters in the place of n: Create(model, params)
        n, params = 1, n
    if isinstance(params, (list, tuple)):
        if len(params) != n:
            raise TypeMismatch(f"Create: got {len(params)} parameter dicts for {n} nodes; "
                               "a list of params needs one dict per node")
        keys = sorted({k for d in params for k in d})
        merged = {}
        cls, defaults = kernel.model_class(model)
        for key in keys:
            merged[key] = [d.get(key, defaults.get(key, cls.all_defaults().get(key)))
                           for d in params]
        params = merged
    if params is not None and not isinstance(params, dict):
        raise BadProperty(f"Create: params must be a dict or a list of dicts, got "
                          f"{type(params).__name__}")
    if positions is not None:
        from pynestlite.spatial.layers import create_layer
        return create_layer(kernel, model, n, params, positions)
    first, last = kernel.create(model, n, params)
    return NodeCollection._from_sorted(np.arange(first, last + 1, dtype=np.int64))


def save_state(path):
    """Save the simulation's state to ``path`` (HDF5) to continue it later
    with :func:`load_state` (see ``pynestlite.checkpoint``)."""
    from pynestlite.checkpoint import save_state as _save
    _save(path)


def load_state(path):
    """Continue a simulation saved by :func:`save_state`: call it after
    building the same network again, before Simulate."""
    from pynestlite.checkpoint import load_state as _load
    _load(path)


def Connect(pre, post, conn_spec=None, syn_spec=None, return_synapsecollection=False):
    """Connect ``pre`` to ``post`` by a rule (NEST semantics, see connect.py).

    Raises
    ------
    BadParameter, BadDelay, IllegalConnection, UnknownModelName, UnknownReceptorType
    """
    import time as _time
    from pynestlite.connect import connect
    t0 = _time.perf_counter()
    connect(pre, post, conn_spec, syn_spec)
    # as NEST, a Connect gives every existing node its thread_local_id
    kernel.prepared_gid = kernel.next_gid
    kernel.time_construction_connect += _time.perf_counter() - t0
    if return_synapsecollection:
        return GetConnections(pre, post)


def TripartiteConnect(pre, post, third, conn_spec, third_factor_conn_spec, syn_specs=None):
    """Connect ``pre`` to ``post`` by ``conn_spec`` and, for each of these
    primary connections, with a third-factor rule, a node of ``third``
    (NEST's ``third_factor_bernoulli_with_pool``: ``p``, ``pool_type``
    'random' or 'block', ``pool_size``).  ``syn_specs`` holds the synapse
    specifications ``primary``, ``third_in`` (pre -> third) and
    ``third_out`` (third -> post); see :mod:`pynestlite.tripartite`.

    Raises
    ------
    IllegalConnection
        An unknown third-factor rule, or devices among the nodes.
    BadProperty
        ``make_symmetric``, bad ``p``, ``pool_type`` or ``pool_size``.
    ValueError
        Parameter lists in ``syn_specs``.
    """
    import time as _time
    from pynestlite.tripartite import tripartite_connect
    t0 = _time.perf_counter()
    tripartite_connect(pre, post, third, conn_spec, third_factor_conn_spec, syn_specs)
    kernel.time_construction_connect += _time.perf_counter() - t0


def Disconnect(*args, conn_spec=None, syn_spec=None):
    """Remove connections: ``Disconnect(synapse_collection)`` or
    ``Disconnect(pre, post, conn_spec="one_to_one", syn_spec="static_synapse")``
    (NEST semantics, see :mod:`pynestlite.disconnect`).

    Raises
    ------
    InexistentConnection
        A pair of the rule has no (further) connection of the synapse model.
    NESTErrors.NotImplemented
        Another rule, selection by other synapse parameters, recording
        devices, or a synapse model whose state lives outside its table.
    """
    from pynestlite.disconnect import disconnect_pairs
    _require_source_table()
    if len(args) == 1:
        if not isinstance(args[0], SynapseCollection):
            raise TypeError("Disconnect: arguments must be a SynapseCollection or two "
                            "NodeCollections")
        if conn_spec is not None or syn_spec is not None:
            raise ValueError("Disconnect: with a SynapseCollection, conn_spec and syn_spec "
                             "cannot be given")
        args[0].disconnect()
    elif len(args) == 2:
        if not all(isinstance(a, NodeCollection) for a in args):
            raise TypeError("Disconnect: arguments must be a SynapseCollection or two "
                            "NodeCollections")
        disconnect_pairs(args[0], args[1], conn_spec, syn_spec)
    else:
        raise TypeError("Disconnect: arguments must be a SynapseCollection or two "
                        "NodeCollections")


def _require_source_table():
    """NEST's error (where NEST aborts) for reading connections while the
    kernel's ``keep_source_table`` is False."""
    if not kernel.keep_source_table:
        raise KernelException("Invalid attempt to access connection information: source "
                              "table was cleared.")


def GetConnections(source=None, target=None, synapse_model=None, synapse_label=None):
    """Synapses matching the query, local to this rank (SynapseCollection);
    ``synapse_label`` selects connections of the ``*_lbl`` models by label.

    Raises
    ------
    TypeError
        ``source`` or ``target`` is not a NodeCollection (as PyNEST).
    KernelException
        The kernel's ``keep_source_table`` is False (NEST cannot read its
        connections then).
    """
    from pynestlite.synapses import get_connections
    _require_source_table()
    for name, nodes in (("source", source), ("target", target)):
        if nodes is not None and not isinstance(nodes, NodeCollection):
            raise TypeError(f"GetConnections: {name} must be a NodeCollection, got "
                            f"{type(nodes).__name__}")
    return get_connections(source, target, synapse_model, synapse_label)


def GetStatus(nodes, keys=None, output=""):
    """Status of nodes or synapses: list of dicts, or list of values for a key
    (``output="json"``: as a JSON string)."""
    if output not in ("", "json"):
        raise TypeError(f"GetStatus: output must be '' or 'json', got {output!r}")
    result = _get_status(nodes, keys)
    if output == "json":
        import json
        from pynestlite.nodes import _json_default
        return json.dumps(result, default=_json_default)
    return result


def _get_status(nodes, keys):
    if isinstance(nodes, SynapseCollection):
        n = len(nodes)
        if keys is None:
            if n == 0:
                return ()
            d = nodes.get()
            return (d,) if n == 1 else tuple({k: d[k][i] for k in d} for i in range(n))
        if isinstance(keys, str):
            v = nodes.get(keys)
            return (v,) if n == 1 else (list(v) if n else ())
        if n == 0:
            return ()
        d = nodes.get(list(keys))
        return ((tuple(d[k] for k in keys),) if n == 1
                else tuple(tuple(d[k][i] for k in keys) for i in range(n)))
    out = []
    for nc in nodes:
        if keys is None or isinstance(keys, str):
            out.append(nc.get() if keys is None else nc.get(keys))
        else:
            d = nc.get(list(keys))
            out.append(tuple(d[key] for key in keys))
    return tuple(out)


def SetStatus(nodes, params, val=None):
    """Set status of nodes or synapses (dict, list of dicts, or key and value)."""
    if val is not None:
        params = {params: val}
    nodes.set(params)


def Prepare():
    """Prepare the kernel for Run (finalise connections, compute propagators)."""
    kernel.prepare()


def Run(t):
    """Advance the simulation by ``t`` ms (after Prepare)."""
    kernel.run(t)


def Cleanup():
    """End a Prepare ... Run sequence (closes output files)."""
    kernel.cleanup()


def Simulate(t):
    """Simulate ``t`` ms: ``Prepare(); Run(t); Cleanup()``.

    Raises
    ------
    BadProperty
        ``t`` negative or not a number.
    TimeMultipleRequired
        ``t`` not a multiple of the resolution.
    """
    steps = kernel.sim_steps(t)
    kernel.prepare()
    try:
        kernel.run(t, steps)
    finally:
        kernel.cleanup()


@contextlib.contextmanager
def RunManager():
    """Context manager: Prepare on entry, Cleanup on exit; call Run inside."""
    Prepare()
    try:
        yield
    finally:
        Cleanup()


def Rank():
    """MPI rank of this process."""
    return kernel.rank


def NumProcesses():
    """Number of MPI processes."""
    return kernel.size


def GetLocalNodeCollection(nc):
    """The nodes of ``nc`` that are local to this rank."""
    ids = nc.ids[kernel.is_local(nc.ids)]
    return NodeCollection._from_sorted(ids)


def PrintNodes():
    """Print the node id ranges and model names of all nodes (consecutive
    Creates of one model as one range), as NEST."""
    ranges = []
    for rec in kernel.records:
        if ranges and ranges[-1][2] == rec.model and ranges[-1][1] + 1 == rec.first:
            ranges[-1][1] = rec.last
        else:
            ranges.append([rec.first, rec.last, rec.model])
    if not ranges:
        return
    w = len(str(ranges[-1][1]))
    for first, last, model in ranges:
        if first == last:
            print(f"{first:>{w}}{' ' * (w + 4)} {model}")
        else:
            print(f"{first:>{w}} .. {last:>{w}} {model}")


def GetNodes(properties=None, local_only=False):
    """All nodes of the network as a NodeCollection (NEST's GetNodes).

    Parameters
    ----------
    properties : dict, optional
        Keep only nodes whose parameter ``key`` equals ``value`` for every
        item (nodes without such a parameter do not match).
    local_only : bool
        Only the nodes of this rank.
    """
    ids = np.arange(1, kernel.next_gid, dtype=np.int64)
    if properties:
        if not isinstance(properties, dict):
            raise TypeError(f"GetNodes: properties must be a dict, got {properties!r}")
        local = ids[kernel.is_local(ids)]
        keep = []
        for rec, g in kernel.groups(local):
            names = rec.block.public_names()
            ok = np.ones(len(g), bool)
            for key, val in properties.items():
                if key in ("model", "element_type"):
                    ok &= _equal(getattr(rec.block, key), val)
                    continue
                if key not in names:
                    ok[:] = False
                    break
                got = NodeCollection._from_sorted(g).get(key)
                got = np.atleast_1d(np.asarray(got, dtype=object))
                ok &= np.array([_equal(x, val) for x in got], bool)
            keep.append(g[ok])
        mine = np.concatenate(keep) if keep else np.empty(0, np.int64)
        # (devices are on every rank: unique)
        ids = mine if local_only or kernel.size == 1 else np.unique(
            np.concatenate(kernel.comm.allgather(mine)))
    elif local_only:
        ids = ids[kernel.is_local(ids)]
    return NodeCollection._from_sorted(ids.astype(np.int64))


def _equal(a, b):
    """A parameter value equals a requested one (numbers, strings, arrays)."""
    try:
        return bool(np.all(np.asarray(a) == np.asarray(b)))
    except (TypeError, ValueError):
        return False


def Install(module_name):
    raise KernelException(f"cannot install {module_name!r}: pynestlite has no extension "
                          "modules (NESTML-generated C++ models are not supported)")


def message(message, severity=VerbosityLevel.INFO, *, function=None, filename=None,
            lineno=None):
    """Print ``message`` if ``severity`` reaches the verbosity (PyNEST 3.10's
    ``nest.message``); the calling function, file and line are added as
    NEST adds them, shown at verbosity DEBUG or below."""
    import inspect
    if severity < _verbosity:
        return
    frame = inspect.stack()[1]
    where = ""
    if _verbosity <= VerbosityLevel.DEBUG:
        where = (f" ({function or frame.function}, {filename or frame.filename}:"
                 f"{lineno or frame.lineno})")
    level = VerbosityLevel._value2member_map_.get(int(severity))
    print(f"[{level.name if level is not None else int(severity)}]{where} {message}")


# ---------------------------------------------------------------------------
# module attributes: nest.resolution = 0.1, nest.biological_time, ...
class _KernelAttributeModule(types.ModuleType):
    def __getattr__(self, name):
        if name in _READ_ONLY or name in _WRITABLE:
            return GetKernelStatus(name)
        if name == "verbosity":
            return _verbosity
        if name == "kernel_status":
            return GetKernelStatus()
        raise AttributeError(f"module 'pynestlite' has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name in _WRITABLE:
            SetKernelStatus({name: value})
        elif name in _READ_ONLY:
            from pynestlite.errors import ReadOnlyKernelAttribute
            raise ReadOnlyKernelAttribute(f"kernel property {name!r} is read-only")
        elif name == "verbosity":
            set_verbosity(value)
        elif name.startswith("_"):
            super().__setattr__(name, value)
        else:
            # as PyNEST: only kernel attributes can be assigned on the module
            # (neither new names nor its functions)
            raise AttributeError(
                f"cannot set {name!r} on the module: it is not a kernel attribute "
                f"(settable: {sorted(_WRITABLE) + ['verbosity']})")


class KernelAttribute:
    """A kernel property as an attribute of the module (``nest.resolution``),
    as PyNEST's: reads GetKernelStatus; ``_default`` is its value in a
    fresh kernel; ``_readonly`` whether SetKernelStatus refuses it."""

    def __init__(self, name, readonly):
        self._name = name
        self._readonly = readonly

    def __get__(self, instance, owner=None):
        return self if instance is None else GetKernelStatus(self._name)

    def __set__(self, instance, value):
        instance.__setattr__(self._name, value)

    @property
    def _default(self):
        return _KERNEL_DEFAULTS[self._name]

    def __repr__(self):
        return f"<KernelAttribute {self._name}{' (read-only)' if self._readonly else ''}>"


_KERNEL_DEFAULTS = _kernel_status(collective=False)     # (the kernel is fresh at import)
for _name in _READ_ONLY + _WRITABLE:
    if _name in _KERNEL_DEFAULTS:
        setattr(_KernelAttributeModule, _name, KernelAttribute(_name, _name in _READ_ONLY))
sys.modules[__name__].__class__ = _KernelAttributeModule
