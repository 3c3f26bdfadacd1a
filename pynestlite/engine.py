"""The kernel state behind the PyNEST namespace.

:data:`kernel` (one :class:`Engine` per process) owns the model registry,
the node blocks, the connection tables, the delay extrema, the scheduler and
the kernel status dictionary.  Front-end functions validate their arguments,
convert them to arrays and make one call here; the loops over neurons and
synapses live in the Cython ``kernel`` and ``models`` packages.
"""
import bisect
import math
import os
import time
import warnings

import numpy as np

from pynestlite import parallel
from pynestlite.errors import (
    BadDelay, BadProperty, DimensionMismatch, KernelException, KernelStateError, TimeMultipleRequired,
    ValueOverflow,
    UnaccessedDictionaryEntry, UnknownModelName, UnknownNode, require_finite)
from pynestlite.kernel.nodebase import CHANNEL_BINARY, CHANNEL_PRECISE, defaults_of, public_of
from pynestlite.kernel.connections import (
    MAX_DELAY_STEPS, SYNAPSE_TYPES, DetectorTable, RecordingTable, SynapseTable, channel_code,
    channel_targets, set_build_threads)
from pynestlite.kernel.random_streams import Purpose
from pynestlite.kernel.scheduler import Scheduler, _threaded
from pynestlite.models import (
    aeif, bernoulli_synapse, binary, clopath, cont_delay_synapse, correlation, eprop, eprop_bsshslm,
    generators, gif, gif_pop_psc_exp, glif, hh_psc_alpha, ht_neuron, iaf_bw, iaf_cond,
    iaf_cond_alpha_mc, iaf_psc_alpha, iaf_psc_delta, iaf_psc_exp, iaf_tum, izhikevich, lgn,
    multisynapse, parrot_neuron, precise, recorders, static_synapse_hom_w, stdp, stdp_dopamine,
    stdp_izh, tsodyks, urbanczik)

TICS_PER_MS = 1000         # the default tic (1 µs); settable with the resolution
DEFAULT_SEED = 143202461

NODE_MODELS = {}
for _mod in (iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha, iaf_cond, aeif, hh_psc_alpha,
             izhikevich, parrot_neuron, precise, generators, recorders, eprop, eprop_bsshslm,
             stdp_dopamine, multisynapse, lgn, gif, glif, binary, correlation, iaf_tum, iaf_bw,
             iaf_cond_alpha_mc, urbanczik, ht_neuron, gif_pop_psc_exp):
    NODE_MODELS.update(_mod.MODELS)
for _mod in (stdp, stdp_izh, stdp_dopamine, tsodyks, eprop, eprop_bsshslm, bernoulli_synapse,
             static_synapse_hom_w, cont_delay_synapse, urbanczik, clopath):
    SYNAPSE_TYPES.update(_mod.SYNAPSE_MODELS)
# NEST's *_hpc variants keep the target as a thread-local index to save
# memory; every pynestlite table reaches its target through the channel code
# already, so these names are the same models (own defaults, own table)
HPC_VARIANTS = ("bernoulli_synapse", "clopath_synapse", "cont_delay_synapse", "eprop_synapse",
                "eprop_synapse_bsshslm_2020", "ht_synapse", "jonke_synapse", "quantal_stp_synapse",
                "static_synapse", "static_synapse_hom_w", "stdp_dopamine_synapse",
                "stdp_facetshw_synapse_hom", "stdp_nn_pre_centered_synapse",
                "stdp_nn_restr_synapse", "stdp_nn_symm_synapse", "stdp_pl_synapse_hom",
                "stdp_synapse", "stdp_synapse_hom", "stdp_triplet_synapse", "tsodyks2_synapse",
                "tsodyks_synapse", "tsodyks_synapse_hom", "urbanczik_synapse",
                "vogels_sprekeler_synapse")
for _name in HPC_VARIANTS:
    SYNAPSE_TYPES[_name + "_hpc"] = SYNAPSE_TYPES[_name]


def labelled(table_class):
    """NEST's ``*_lbl`` variant of a synapse model: the same table with a
    column ``synapse_label`` (default -1, unlabelled; labels are >= 0), kept
    compact -- one value -- while all synapses share it.  ``GetConnections(
    synapse_label=L)`` selects by it."""
    base_check = table_class.check.__func__

    def check(cls, dict_values, common=None):
        lab = dict_values.get("synapse_label")
        if lab is not None and np.any(np.asarray(lab) < -1):       # (-1: unlabelled)
            raise BadProperty("synapse_label: a connection label must not be negative, got "
                              f"{int(np.min(lab))}")
        base_check(cls, dict_values, common)

    return type(table_class.__name__ + "Lbl", (table_class,), {
        "columns": dict(table_class.columns, synapse_label=("int64", -1)),
        "compact": tuple(table_class.compact) + ("synapse_label",),
        "check": classmethod(check),
        "__doc__": labelled.__doc__,
    })


LABEL_VARIANTS = ("bernoulli_synapse", "clopath_synapse", "cont_delay_synapse", "ht_synapse", "jonke_synapse",
                  "quantal_stp_synapse", "static_synapse", "static_synapse_hom_w",
                  "stdp_dopamine_synapse", "stdp_facetshw_synapse_hom",
                  "stdp_nn_pre_centered_synapse", "stdp_nn_restr_synapse", "stdp_nn_symm_synapse",
                  "stdp_pl_synapse_hom", "stdp_synapse", "stdp_synapse_hom",
                  "stdp_triplet_synapse", "tsodyks2_synapse", "tsodyks_synapse",
                  "tsodyks_synapse_hom", "urbanczik_synapse", "vogels_sprekeler_synapse")
for _name in LABEL_VARIANTS:
    SYNAPSE_TYPES[_name + "_lbl"] = labelled(SYNAPSE_TYPES[_name])


def register_synapse_model(name, table_class):
    """Make a synapse model available under ``name`` (now and after ResetKernel).

    Parameters
    ----------
    name : str
        The model name for ``syn_spec={"synapse_model": name}``.
    table_class : type
        A :class:`pynestlite.kernel.connections.SynapseTable` subclass that
        declares its ``columns`` and ``common`` parameters and implements the
        ``nogil`` ``deliver``.  Nothing else needs to know about it: Connect,
        GetConnections, CopyModel, SetDefaults and the slice loop work
        through the table interface.

    Raises
    ------
    BadProperty
        ``table_class`` is not a SynapseTable subclass, or ``name`` is a node
        model.

    Examples
    --------
    ``tests/plugins/counting_synapse.pyx`` is such a model::

        from pynestlite.engine import register_synapse_model
        register_synapse_model("counting_synapse", CountingSynapseTable)
    """
    if not (isinstance(table_class, type) and issubclass(table_class, SynapseTable)):
        raise BadProperty(f"register_synapse_model: {table_class!r} is not a SynapseTable "
                          "subclass")
    if name in NODE_MODELS:
        raise BadProperty(f"register_synapse_model: {name!r} is a node model")
    SYNAPSE_TYPES[name] = table_class
    if kernel is not None and name not in kernel.synapse_models:
        kernel.synapse_types[name] = table_class
        kernel.synapse_models[name] = table_class.defaults()


def _scalar_fits(value, default):
    """Whether the scalar ``value`` can be stored in a parameter like ``default``
    (the rules of ``NodeBlock.set``: bools take bools and integers, integers
    take integral numbers, floats take any real number but a bool)."""
    t = type(value)
    if t is float:                      # (the common cases without numpy)
        kind = "f"
    elif t is int:
        kind = "i"                      # (out of the int64 range: ValueOverflow before)
    elif t is bool:
        kind = "b"
    elif not np.isscalar(value) or isinstance(value, (str, bytes)):
        return False
    else:
        kind = np.asarray(value).dtype.kind
    if isinstance(default, (bool, np.bool_)):
        return kind in "biu"
    if isinstance(default, (int, np.integer)):
        return kind in "iu" or (kind == "f" and float(value).is_integer())
    return kind in "fiu"


def block_defaults_get(block, name):
    """The default of ``name`` in ``block``'s model (None if it has none)."""
    return defaults_of(type(block)).get(name)


def _frozen_values(block, value, n_all, local_pos):
    """The ``frozen`` flags of the local rows from a bool or one bool per
    node; the model may refuse them (``check_frozen``: the multimeter)."""
    if isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 1:
        if len(value) != n_all:
            raise DimensionMismatch(f"{block.model}: frozen got {len(value)} values for "
                                    f"{n_all} nodes")
        v = np.asarray(value)
    else:
        v = np.full(n_all, value)
    if v.dtype != np.bool_:
        raise BadProperty(f"{block.model}: parameter 'frozen' expects a bool, got {value!r}")
    v = v[local_pos]
    block.check_frozen(v)
    return v


class NodeRecord:
    """Nodes of one Create call: gid range, model and the local block."""

    __slots__ = ("first", "last", "model", "block")

    def __init__(self, first, last, model, block):
        self.first, self.last, self.model, self.block = first, last, model, block

    @property
    def element_type(self):
        return self.block.element_type


class Engine:
    """Process-wide simulation kernel (see module docstring)."""

    def __init__(self):
        self.comm = parallel.comm
        self.reset()

    # ------------------------------------------------------------------
    # life cycle
    def reset(self):
        # ResetKernel count: collections made before a reset refer to nothing
        # (but compare by ids and models, as NEST's: the layout of each
        # earlier kernel -- one (first, last, model) per Create -- is kept)
        if hasattr(self, "epoch"):
            self.past_layouts[self.epoch] = self.layout()
        else:
            self.past_layouts = {}
        self.epoch = getattr(self, "epoch", -1) + 1
        if isinstance(self.comm.resize_log, list):
            self.comm.resize_log.clear()
        self.resolution = 0.1
        self.tics_per_ms = TICS_PER_MS
        self.use_compressed_spikes = True     # (NEST's default; no effect here)
        # False: unknown keys in a node's parameter dict are ignored with a
        # warning instead of raising (NEST's kernel property)
        self.dict_miss_is_error = True
        # NEST's keep_source_table: False lets NEST drop the sources of the
        # connections once it has built its infrastructure, after which
        # nothing that needs a connection's source works there.  pynestlite
        # keeps its sources anyway (they are its rows) but refuses, with
        # NEST's messages, what NEST cannot do then: GetConnections and
        # Disconnect (NEST aborts), and running binary neurons (they decode
        # their input by sender) or weight_recorders (they report senders)
        self.keep_source_table = True
        self.tics_per_step = 100
        self.rng_seed = DEFAULT_SEED
        self.records = []           # NodeRecord per Create call, ascending gids
        self.layers = []            # spatial.layers.Layer per Create with positions, ascending
        self.firsts = []
        self.next_gid = 1
        self.prepared_gid = 1       # nodes below it existed at the last Prepare or Connect
                                    # (they have their thread_local_id)
        self.models = {name: (cls, {}) for name, cls in NODE_MODELS.items()}
        self.model_defaults_modified = False    # SetDefaults/CopyModel fix the time base
        # synapse model registry: name -> table class, name -> defaults
        self.synapse_types = dict(SYNAPSE_TYPES)
        self.synapse_models = {k: cls.defaults() for k, cls in SYNAPSE_TYPES.items()}
        self.tables = {}            # synapse model -> table (sources: neurons, generators)
        self.recording = RecordingTable()   # neuron -> spike_recorder, multimeter -> neuron
        self.detection = DetectorTable()    # spikes -> correlation devices (every rank: all)
        self._live_gids = np.empty(0, np.int64)
        self._live_ring = np.zeros((1, 0))
        self.syn_counts = {}        # synapse model -> local connections made with it
        self.next_channel = 0
        self._chan_slot, self._chan_slot_n = None, None     # channel -> slot lookup cache
        self._calcium_layout = None     # (n_slots, neuron blocks, slots, arrays) of the calcium trace
        # fixed per-call costs of Prepare: what the last one configured, kept
        # while nothing it depends on changed (see _configure_targets,
        # _pre_run_blocks and prepare)
        self._targets_key = None        # inputs of the last configure_targets (no plastic synapses)
        self._pre_run_keys = {}         # id(block) -> (block, time base of its last pre_run)
        self._live_key = None           # ring length of the last empty live ring
        self.node_keys = {}             # id(block) -> (block, the keys its nodes report)
        self._calcium_synced = False    # the scheduler's calcium traces equal the neurons'
        self._run_lists = None          # (number of records, the block lists run() hands over)
        self._neuron_blocks = None      # (number of records, the neuron blocks)
        self.delay_min = None       # steps, from connections
        self.delay_max = None
        self.user_delays = None     # (min, max) steps set by the user
        self.user_delays_ms = None  # the same in ms, as set
        self.min_delay = self.max_delay = None     # steps, fixed by the last Prepare
        self.step = 0               # biological time in steps
        self.prepared = False
        self.failed_prepare = False     # the latest Prepare raised (Cleanup may follow)
        self.simulated = False
        self.scheduler = Scheduler()
        self.calls = 0              # counter of random evaluations / Connect calls
        self.print_time = False
        self.local_num_threads = 1
        self.data_path = ""
        self.data_prefix = ""
        self.overwrite_files = False
        self.time_construction_create = 0.0
        self.time_construction_connect = 0.0
        self.time_simulate = 0.0
        self.target = "software"
        self.chip_seed = 0                  # emulated chip instance (hardware target)
        self.hardware_state = None          # program and carry-over of the hardware target
        self.hardware_report = None
        self.hardware_latency = None        # chip event latency (ms), None: smallest delay
        self.syn_update_interval = 1000.0   # ms, update times of time-driven synapses
        self.eprop_update_interval = 1000.0  # ms (bsshslm_2020 e-prop models)
        self.eprop_learning_window = 1000.0  # ms
        self.eprop_reset_neurons_on_update = True

    def model_id(self, model):
        """NEST's model_id: the node model's place in the order of registration
        (built-in models first, copies after them)."""
        return list(self.models).index(model)

    def synapse_model_id(self, model):
        """NEST's synapse_modelid: the same for synapse models."""
        return list(self.synapse_models).index(model)

    @property
    def rank(self):
        return self.comm.rank

    @property
    def size(self):
        return self.comm.size

    @property
    def time_ms(self):
        """Biological time in ms as NEST computes it (tics * ms_per_tic)."""
        return float(self.steps_to_ms(self.step))

    # ------------------------------------------------------------------
    # time conversions (NEST's Time class)
    def ms_to_tics(self, ms):
        return np.floor(np.asarray(ms, np.float64) * self.tics_per_ms + 0.5).astype(np.int64)

    @property
    def ms_per_tic(self):
        return 1.0 / self.tics_per_ms

    def ms_to_steps(self, ms):
        """Steps of a duration, rounded up to the grid (NEST: Time(ms).get_steps())."""
        tics = self.ms_to_tics(ms)
        return ((tics + self.tics_per_step - 1) // self.tics_per_step).astype(np.int64)

    def ms_to_steps_exact(self, ms, name):
        """Steps of a time that must lie on the grid; BadProperty otherwise."""
        tics = self.ms_to_tics(ms)
        bad = tics % self.tics_per_step != 0
        if np.any(bad):
            v = np.asarray(ms, np.float64)[bad] if np.ndim(ms) else ms
            raise BadProperty(f"{name} {np.ravel(v)[0]} ms is not a multiple of the "
                              f"resolution {self.resolution} ms")
        return (tics // self.tics_per_step).astype(np.int64)

    def default_delay_ms(self):
        """A synapse model's default delay on the current grid: 1 ms rounded
        up to a whole number of steps (NEST's recalibration), steps * h."""
        steps = max(1, -(-int(self.tics_per_ms) // int(self.tics_per_step)))
        return steps * self.ms_per_step()

    def ms_per_step(self):
        """NEST's Range::MS_PER_STEP: tics_per_step / tics_per_ms (delays in ms
        are steps times this)."""
        return self.tics_per_step / self.tics_per_ms

    def steps_to_ms(self, steps):
        """Times in ms as NEST reports them: tics * ms_per_tic."""
        if type(steps) is int:          # (one time: the same double without arrays)
            return np.float64((steps * self.tics_per_step) * self.ms_per_tic)
        return (np.asarray(steps, np.int64) * self.tics_per_step) * self.ms_per_tic

    def delay_to_steps(self, delay_ms):
        """NEST's delay rounding: ld_round(d / h), checked against the grid bounds."""
        d = np.asarray(delay_ms, np.float64)
        require_finite(d, "delay", BadDelay, unit=" of ms")
        steps = np.floor(d * (1.0 / self.resolution) + 0.5).astype(np.int64)
        if d.size and np.any(steps < 1):
            bad = np.ravel(d[steps < 1] if d.ndim else d)[0]
            raise BadDelay(f"Delay must be greater than or equal to resolution: delay {bad} ms "
                           f"is below the resolution {self.resolution} ms")
        if d.size and np.any(steps > MAX_DELAY_STEPS):
            raise BadDelay(f"delay {np.max(d)} ms exceeds the largest supported delay "
                           f"({MAX_DELAY_STEPS} steps = {MAX_DELAY_STEPS * self.resolution} ms)")
        # while prepared the ring buffers are sized for the extrema of the
        # preparation; otherwise only the user's min_delay/max_delay bound delays
        # (new extrema after a simulation take effect at the next Prepare)
        if self.prepared:
            lim, why = (self.min_delay, self.max_delay), "by Prepare (change delays " \
                "beyond them after Cleanup)"
        else:
            lim, why = self.user_delays, "by min_delay/max_delay"
        if lim is not None and d.size:
            lo, hi = lim
            bad = (steps < lo) | (steps > hi)
            if np.any(bad):
                raise BadDelay(
                    f"delay {np.ravel(d[bad] if d.ndim else d)[0]} ms outside the delay "
                    f"extrema [{lo * self.resolution}, {hi * self.resolution}] ms fixed {why}")
        return steps

    # ------------------------------------------------------------------
    # nodes
    def model_class(self, name):
        if name not in self.models:
            raise UnknownModelName(
                f"{name!r} is not a known model name; available node models: "
                f"{sorted(self.models)}")
        return self.models[name]

    def check_mutable(self, what):
        if self.prepared:
            raise KernelStateError(f"{what} is not allowed between Prepare and Cleanup")

    def create(self, model, n, params):
        """Create ``n`` nodes; returns (first, last).  Nothing remains on error,
        and a failed Create draws no random numbers (the call counter is restored)."""
        calls = self.calls
        try:
            return self._create(model, n, params)
        except BaseException:
            self.calls = calls
            raise

    def _create(self, model, n, params):
        """:meth:`create` without restoring the random-call counter on failure."""
        self.check_mutable("Create")
        cls, defaults = self.model_class(model)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise BadProperty(f"Create: n must be a positive integer, got {n!r}")
        first = self.next_gid
        last = first + int(n) - 1
        all_gids = np.arange(first, last + 1, dtype=np.int64)
        if cls.element_type == "neuron":
            local = all_gids[(all_gids - 1) % self.size == self.rank]
        else:
            local = all_gids
        t0 = time.perf_counter()
        error = None
        try:
            block = cls(model, local, first, last, defaults)
            if params:
                self.set_block(block, np.arange(len(local)), local, params, all_gids)
        except Exception as e:      # agreed over ranks: all raise, none commits
            error = e
        self.comm.status_point(error)
        if cls.element_type == "neuron":
            block.chan_base = self.next_channel
            self.next_channel += block.n_channels * len(local)
        self.records.append(NodeRecord(first, last, model, block))
        self.firsts.append(first)
        self.next_gid = last + 1
        self.time_construction_create += time.perf_counter() - t0
        return first, last

    def regrow_channels(self, block, old_n_channels):
        """Give ``block`` (no connection reaches it yet) room for its larger
        ``n_channels``: in place when its channels are the last ones, else
        a new range at the end (the old one stays unused)."""
        if block.chan_base + old_n_channels * block.n == self.next_channel:
            self.next_channel = block.chan_base + block.n_channels * block.n
        else:
            block.chan_base = self.next_channel
            self.next_channel += block.n_channels * block.n

    def agreed(self, plan, *args):
        """Run the check ``plan(*args)`` and agree on its outcome over all ranks.

        Returns its result when no rank failed; otherwise every rank raises
        the same error and the random-call counter is as before the call, so
        nothing of a failed call remains (the caller commits only after this).
        """
        calls = self.calls
        result, error = None, None
        try:
            result = plan(*args)
        except Exception as e:      # agreed over ranks: all raise, none commits
            error = e
        try:
            self.comm.status_point(error)
        except BaseException:
            self.calls = calls
            raise
        return result

    def layout(self, epoch=None):
        """(first, last, model) of each Create call of the kernel of
        ``epoch`` (ResetKernel count; default: the current one)."""
        if epoch is None or epoch == self.epoch:
            return [(r.first, r.last, r.model) for r in self.records]
        return self.past_layouts.get(epoch, [])

    def models_of(self, gids, epoch):
        """Model name of each of ``gids`` in the kernel of ``epoch`` (None
        for an id that kernel did not have)."""
        lay = self.layout(epoch)
        firsts = [f for f, _, _ in lay]
        out = []
        for g in np.asarray(gids, np.int64).tolist():
            i = bisect.bisect_right(firsts, g) - 1
            out.append(lay[i][2] if i >= 0 and g <= lay[i][1] else None)
        return out

    def record_of(self, gid):
        i = bisect.bisect_right(self.firsts, gid) - 1
        if i < 0 or gid > self.records[i].last:
            raise UnknownNode(f"Node with id {gid} does not exist. (The network has "
                              f"{self.next_gid - 1} nodes.)")
        return self.records[i]

    def check_gids(self, gids):
        gids = np.asarray(gids, np.int64)
        if gids.size:
            self._gid_range(gids)
        return gids

    def _gid_range(self, gids):
        """(smallest, largest) of non-empty ``gids``; UnknownNode for an id
        outside the network."""
        if gids.size == 1:
            lo = hi = int(gids[0])
        else:
            lo, hi = int(gids.min()), int(gids.max())
        if lo < 1 or hi >= self.next_gid:
            bad = gids[(gids < 1) | (gids >= self.next_gid)][0]
            raise UnknownNode(f"Node with id {bad} does not exist. (The network has "
                              f"{self.next_gid - 1} nodes.)")
        return lo, hi

    def groups(self, gids):
        """Split sorted gids by Create record: list of (record, gids)."""
        gids = np.asarray(gids, np.int64)
        out = []
        if gids.size == 0:
            return out
        if gids.size == 1:                  # (a single node: no reductions)
            return [(self.record_of(int(gids[0])), gids)]
        lo, hi = self._gid_range(gids)
        rec = self.record_of(lo)
        if hi <= rec.last:                  # one record (the common case of small calls)
            return [(rec, gids)]
        firsts = np.asarray(self.firsts, np.int64)
        rec_idx = np.searchsorted(firsts, gids, side="right") - 1
        bounds = np.flatnonzero(np.diff(rec_idx)) + 1
        for part in np.split(np.arange(len(gids)), bounds):
            out.append((self.records[rec_idx[part[0]]], gids[part]))
        return out

    def locate_local(self, gids):
        """Local (block, rows, gids) of the given gids (non-local ones dropped)."""
        out = []
        for rec, g in self.groups(np.asarray(gids, np.int64)):
            blk = rec.block
            rows = np.searchsorted(blk.gids, g)
            ok = (rows < len(blk.gids))
            ok[ok] &= blk.gids[rows[ok]] == g[ok]
            if np.any(ok):
                out.append((blk, rows[ok], g[ok]))
        return out

    def is_local(self, gids):
        gids = np.asarray(gids, np.int64)
        if self.size == 1:
            if gids.size:
                self._gid_range(gids)
            return np.ones(len(gids), bool)
        res = np.zeros(len(gids), bool)
        pos = 0
        for rec, g in self.groups(gids):
            if rec.element_type == "neuron":
                res[pos:pos + len(g)] = (g - 1) % self.size == self.rank
            else:
                res[pos:pos + len(g)] = True
            pos += len(g)
        return res

    def evaluate_parameter(self, param, gids, purpose=Purpose.PURPOSE_PARAMETER, counts=None,
                           space=None, call=None):
        """Values of ``param``: ``counts[i]`` (default 1) for node ``gids[i]``,
        from the nodes' streams of a new call.  ``space`` is the spatial
        context (default: the nodes' own positions, if the parameter reads
        positions)."""
        from pynestlite.random import Draw
        if call is None:                # (a given call: pieces of one evaluation)
            self.calls += 1
            call = self.calls
        gids = np.asarray(gids, np.int64)
        if counts is None:
            counts = np.ones(len(gids), np.int64)
        if space is None and len(gids) and gids[0] > 0 and param.is_spatial():
            # (GetValue evaluates for no node: gid 0, no context)
            from pynestlite.spatial.layers import find_layer
            from pynestlite.spatial.parameters import NodeSpace
            layer = find_layer(self, gids)
            space = NodeSpace(None if layer is None
                              else np.repeat(layer.pos(gids), counts, axis=0))
        return param.evaluate(Draw(self.rng_seed, int(purpose), call, gids, counts, param,
                                   space))

    def set_block(self, block, rows, gids, params, all_gids=None):
        """Apply a parameter dict (values scalar, per-node list, or Parameter)."""
        from pynestlite.random import Parameter
        self._pre_run_keys.pop(id(block), None)      # its derived values are stale
        self._calcium_synced = False
        if block.element_type != "neuron" or any(
                not isinstance(block_defaults_get(block, name), (float, int))
                for name in params):
            # the keys a node reports change only with a device's settings
            # (record_to) or a neuron's list-valued ones (receptor counts)
            self.node_keys.pop(id(block), None)
        if all_gids is None:
            all_gids = gids
        n_all = len(all_gids)
        local_pos = np.searchsorted(all_gids, gids) if n_all > 1 else np.zeros(len(gids), np.int64)
        public = public_of(type(block))
        defaults = defaults_of(type(block))
        upd = {}
        frozen = None
        if "frozen" in params:
            params = dict(params)
            frozen = _frozen_values(block, params.pop("frozen"), n_all, local_pos)
        for name, value in params.items():
            if name not in public and not self.dict_miss_is_error:
                warnings.warn(f"{block.model} has no parameter {name!r}: ignored "
                              "(dict_miss_is_error is False)", stacklevel=3)
                continue
            if name not in public:
                raise UnaccessedDictionaryEntry(
                    f"{block.model} has no parameter {name!r}; expected one of "
                    f"{sorted(public)}")
            default = defaults[name]
            is_obj = isinstance(default, (tuple, list, str))
            if isinstance(value, Parameter):
                v = self.evaluate_parameter(value, all_gids)[local_pos]
            elif isinstance(default, dict):
                # a sub-dictionary (a compartment of a multi-compartment model): one for
                # all nodes, or one per node
                if isinstance(value, dict):
                    v = [value] * len(gids)
                elif (isinstance(value, (list, tuple)) and len(value) == n_all
                      and all(isinstance(x, dict) for x in value)):
                    v = [value[i] for i in local_pos]
                else:
                    raise BadProperty(f"{block.model}: {name} expects a dictionary, got "
                                      f"{value!r}")
            elif is_obj:
                if isinstance(default, str):
                    v = [value] * len(gids) if isinstance(value, str) else \
                        [value[i] for i in local_pos]
                elif (n_all > 1 and isinstance(value, (list, tuple)) and len(value) == n_all
                      and all(isinstance(x, (list, tuple, np.ndarray)) for x in value)):
                    v = [value[i] for i in local_pos]
                else:
                    v = [value] * len(gids)
            elif isinstance(value, (list, tuple, np.ndarray)) and np.ndim(value) == 1 \
                    and not isinstance(default, (tuple, list)):
                if len(value) < n_all:
                    raise DimensionMismatch(
                        f"{block.model}: {name} got {len(value)} values for {n_all} nodes")
                v = np.asarray(value)[local_pos]        # (a longer list: its first values)
            else:
                if isinstance(value, int) and not isinstance(value, bool) \
                        and not -2 ** 63 <= value < 2 ** 63:
                    raise ValueOverflow(f"{block.model}: parameter {name!r}: the integer "
                                        f"{value} does not fit a 64-bit integer")
                if not _scalar_fits(value, default):
                    raise BadProperty(f"{block.model}: parameter {name!r} expects a "
                                      f"{type(default).__name__}, got {value!r}")
                v = np.full(len(gids), value)
            upd[name] = v
        if upd:
            block.set(upd, rows, engine=self)
        if frozen is not None:
            block.set_frozen(rows, frozen)

    # ------------------------------------------------------------------
    # connections
    def table(self, synapse_model):
        """The local synapse table of ``synapse_model`` (made on first use)."""
        if synapse_model not in self.tables:
            cls = self.synapse_types[synapse_model]
            self.tables[synapse_model] = cls(synapse_model)
        return self.tables[synapse_model]

    def gids_where(self, keep):
        """Gids of the Create records ``keep(record)`` selects, ascending."""
        parts = [np.arange(r.first, r.last + 1, dtype=np.int64) for r in self.records
                 if keep(r)]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def device_gids(self):
        """Gids of all devices (stimulators and recorders), ascending."""
        return self.gids_where(lambda r: r.element_type != "neuron")

    def current_sources(self):
        """Gids of the devices that send currents (their channel codes address
        current channels)."""
        return self.gids_where(lambda r: r.element_type == "stimulator"
                               and r.block.output == "current")

    def device_targets(self, block):
        """Connections of a stimulation device block, from the synapse tables.

        Returns (device row, channel code, weight, delay steps, target gid,
        continuous part of the delay in ms (``cont_delay_synapse``; else 0)),
        grouped by device row; per device, the tables in the order their
        models were first used and each table's rows in creation order.
        """
        devs, codes, ws, ds, offs = [], [], [], [], []
        gids = np.asarray(block.gids, np.int64)
        for t in self.tables.values():
            t.finalize(self.next_gid)
            rp = t.row_ptr
            g = gids[gids + 1 < len(rp)]
            if not len(g):
                continue
            lo, hi = rp[g], rp[g + 1]
            n = hi - lo
            if not n.sum():
                continue
            idx = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(n.sum())
            devs.append(np.repeat(np.searchsorted(gids, g), n))
            codes.append(t.cols["code"][idx])
            ws.append(t.get("weight", idx))
            ds.append(t.cols["delay"][idx].astype(np.int64))
            offs.append(t.delay_offsets(idx) if hasattr(t, "delay_offsets")
                        else np.zeros(len(idx)))
        if not devs:
            e = np.empty(0, np.int64)
            return e, e.astype(np.uint32), e.astype(np.float64), e, e, e.astype(np.float64)
        dev = np.concatenate(devs)
        order = np.argsort(dev, kind="stable")
        code = np.concatenate(codes)[order]
        return (dev[order], code, np.concatenate(ws)[order], np.concatenate(ds)[order],
                self.decode_targets(code), np.concatenate(offs)[order])

    def all_tables(self):
        """Every connection of this rank: the synapse tables and the recording table."""
        return list(self.tables.values()) + [self.recording, self.detection]

    def deliver_before_growth(self):
        """Before the tables take new connections outside Prepare (GetConnections,
        a checkpoint): the spikes of the last run's last slice, which wait for
        the next run, go through the synapses of that run now if this rank's
        new connections leave the delay extrema of that run (Prepare would
        deliver them so, but the grown tables would then hold synapses whose
        delays do not fit the ring buffer of that run).  Local: no rank
        waits for another."""
        if self.min_delay is None:
            return
        lo, hi = self.delay_min, self.delay_max
        if (lo is not None and lo < self.min_delay) or (hi is not None and hi > self.max_delay):
            self.scheduler.deliver_pending(list(self.tables.values()) + [self.detection])

    def recording_targets(self, gid):
        """Targets (local) of the recording connections of source ``gid``."""
        self.recording.finalize(self.next_gid)
        return self.recording.targets_of(int(gid))

    def recording_sources(self, gid):
        """Sources of the recording connections to ``gid``, once per connection."""
        self.recording.finalize(self.next_gid)
        code = self.recording.cols["code"]
        sel = np.flatnonzero(code == gid)
        return np.searchsorted(self.recording.row_ptr, sel, side="right") - 1

    def count_connections(self, synapse_model, n):
        """Book ``n`` local connections made with ``synapse_model``."""
        self.syn_counts[synapse_model] = self.syn_counts.get(synapse_model, 0) + int(n)

    def note_delays(self, steps):
        if len(steps) == 0:
            return
        lo, hi = int(np.min(steps)), int(np.max(steps))
        self.delay_min = lo if self.delay_min is None else min(self.delay_min, lo)
        self.delay_max = hi if self.delay_max is None else max(self.delay_max, hi)

    def delay_extrema(self):
        """(min_delay, max_delay) in steps, agreed over all ranks."""
        if self.user_delays is not None:
            return self.user_delays
        lo = self.delay_min if self.delay_min is not None else 10 ** 9
        hi = self.delay_max if self.delay_max is not None else 0
        lo = self.comm.allreduce_min(lo)
        hi = self.comm.allreduce_max(hi)
        if hi == 0:
            return 1, 1
        return lo, hi

    def channel_codes(self, tgt_gids, receptor, kind):
        """Ring-buffer channel codes of local targets for ``kind`` "spike",
        "current", "rate" or "learning_signal" connections (the block's
        ``<kind>_receptors``)."""
        tgt_gids = np.asarray(tgt_gids, np.int64)
        codes = np.empty(len(tgt_gids), np.uint32)
        one = np.ndim(receptor) == 0            # one receptor for all (the usual case)
        receptor = np.asarray(receptor, np.int64)
        if not one:
            receptor = np.broadcast_to(receptor, tgt_gids.shape)
        pos = 0
        from pynestlite.errors import UnknownReceptorType, IllegalConnection
        for rec, g in self.groups(tgt_gids):
            blk = rec.block
            if rec.element_type != "neuron":
                raise IllegalConnection(
                    f"{rec.model} (node {g[0]}) cannot receive "
                    f"{'spikes' if kind == 'spike' else 'currents'}")
            rows = np.searchsorted(blk.gids, g)
            r = receptor if one else receptor[pos:pos + len(g)]
            table = getattr(blk, f"{kind}_receptors", {})
            out = np.empty(len(g), np.uint32)
            check = getattr(blk, "check_receptor", None)
            for rt in ((int(receptor),) if one else np.unique(r)):
                sel = slice(None) if one else r == rt
                if check is not None:
                    check(rows[sel], int(rt), kind)
                if int(rt) not in table:
                    what = kind.replace("_", " ")
                    if not table:
                        raise IllegalConnection(
                            f"{rec.model} (node {g[0]}) cannot receive {what} connections")
                    raise UnknownReceptorType(
                        f"{rec.model} (node {g[0]}) has no {what} receptor_type {int(rt)}; "
                        f"valid: {sorted(table) or 'none'}")
                entry = table[int(rt)]
                if kind == "spike":
                    off, split, count = entry
                else:
                    off, split, count = entry, False, False
                ch = blk.chan_base + rows[sel] * blk.n_channels + off
                out[sel] = channel_code(ch.astype(np.uint32), split, count)
            codes[pos:pos + len(g)] = out
            pos += len(g)
        return codes

    def slot_of(self, gids):
        """Local neuron slot of gids on this rank: ``(g - 1) // size``."""
        return (np.asarray(gids, np.int64) - 1) // self.size

    def assign_ports(self, codes, weights):
        """Give every new connection to a receptor of ``port_receptors`` (a
        model that integrates each such connection on its own, e.g.
        iaf_bw_2001_exact's NMDA receptor) its own input channel, after the
        node's fixed ones; the block learns (node row, channel, weight).
        Returns the codes (counting channels: they add the multiplicity)."""
        blocks = [b for b in self.neuron_blocks() if b.n and getattr(b, "port_receptors", ())]
        if not blocks or not len(codes):
            return codes
        codes = np.array(codes, np.uint32, copy=True)
        ch = (codes >> 2).astype(np.int64)
        weights = np.broadcast_to(np.asarray(weights, np.float64), codes.shape)
        for blk in blocks:
            rel = ch - blk.chan_base
            inside = (rel >= 0) & (rel < blk.n * blk.n_channels)
            offs = {blk.spike_receptors[rt][0] for rt in blk.port_receptors}
            sel = np.flatnonzero(inside & np.isin(rel % max(blk.n_channels, 1), list(offs)))
            if not len(sel):
                continue
            new = self.next_channel + np.arange(len(sel), dtype=np.int64)
            self.next_channel += len(sel)
            blk.add_ports(rel[sel] // blk.n_channels, new, weights[sel])
            codes[sel] = channel_code(new.astype(np.uint32), False, True)
        return codes

    def channel_slots(self):
        """Per local input channel: the local neuron slot it belongs to (-1: none).

        The path from a synapse to its target: ``channel_slots()[code >> 2]``;
        it costs 8 bytes per channel and none per synapse.
        """
        if self._chan_slot_n != self.next_channel:
            cs = np.full(self.next_channel, -1, np.int64)
            for blk in self.neuron_blocks():
                if blk.n and blk.n_channels:
                    ch = blk.chan_base + np.arange(blk.n * blk.n_channels, dtype=np.int64)
                    cs[ch] = np.repeat(self.slot_of(blk.gids), blk.n_channels)
                ports = getattr(blk, "ports", None)
                if ports is not None:
                    rows, chans = ports()
                    cs[chans] = self.slot_of(blk.gids[rows])
            self._chan_slot, self._chan_slot_n = cs, self.next_channel
        return self._chan_slot

    def decode_targets(self, codes):
        """Target gids of channel codes (through :meth:`channel_slots`)."""
        codes = np.ascontiguousarray(codes, np.uint32)
        out = np.empty(len(codes), np.int64)
        channel_targets(codes, self.channel_slots(), self.size, self.rank, out)
        return out

    # ------------------------------------------------------------------
    # simulation
    def neuron_blocks(self):
        """The neuron blocks, in Create order (a new list)."""
        cache = self._neuron_blocks
        if cache is None or cache[0] != len(self.records):
            # (records are only appended, and dropped with the kernel)
            cache = self._neuron_blocks = (
                len(self.records), [r.block for r in self.records if r.element_type == "neuron"])
        return list(cache[1])

    def prepare(self):
        if self.prepared:
            raise KernelStateError("Prepare called twice without Cleanup")
        dmin, dmax = self.delay_extrema()
        if (dmin, dmax) != (self.min_delay, self.max_delay):
            # the last run's last slice waits for delivery (NEST delivers it at
            # the start of the next run); new delay extrema re-lay the ring
            # buffer, so it goes through the synapses that existed in that run
            self.scheduler.deliver_pending(list(self.tables.values()) + [self.detection])
        set_build_threads(int(self.local_num_threads))
        for t in self.all_tables():
            t.finalize(self.next_gid)
        self._configure_targets(dmin)
        # devices that act on their input during the run (spike_dilutor)
        # count the spikes of all ranks in the detector table's live ring
        live = [r.block.gids for r in self.records
                if getattr(type(r.block), "live_input", False) and r.block.n]
        if live or len(self._live_gids) or self._live_key != dmin + dmax:
            self._live_gids = np.sort(np.concatenate(live)) if live else np.empty(0, np.int64)
            self._live_ring = self.detection.configure_live(self._live_gids, dmin + dmax,
                                                            self.step)
        # (an empty live ring stays empty: nothing to move while no device is live)
        self._live_key = None if live else dmin + dmax
        n_local = sum(b.n for b in self.neuron_blocks())
        self.scheduler.configure(dmin + dmax, self.next_channel, dmin, self.resolution,
                                 self.rng_seed, n_local)
        self.min_delay, self.max_delay = dmin, dmax
        self._configure_precise()
        if not self.keep_source_table:
            self._check_without_sources()
        # secondary values (learning signals) are exchanged every slice on
        # every rank as soon as one rank has such a connection
        self.secondary_exchange = self.comm.allreduce_max(
            int(any(t.secondary and len(t) for t in self.tables.values()))) > 0
        from pynestlite import recording
        error = None
        try:
            self._pre_run_blocks()
            for name, t in self.tables.items():
                t.pre_run(self, self.synapse_models[name])
            if self.scheduler.n_threads > 1:
                bounds = self.scheduler.thread_bounds()
                cs = self.channel_slots()
                # (tables and devices that deliver or send on threads)
                for t in self.tables.values():
                    if len(t) and _threaded(t):
                        t.plan_threads(cs, bounds)
                for r in self.records:
                    if r.element_type == "stimulator" and r.block.n and _threaded(r.block):
                        r.block.plan_threads(cs, bounds)
            recording.open_backends(self)
        except Exception as e:      # e.g. a missing data_path on one rank
            error = e
        try:
            self.comm.status_point(error)
        except BaseException:
            recording.abort_backends(self)
            # as in NEST, a Simulate whose Prepare failed may be followed by Cleanup
            self.failed_prepare = True
            raise
        self.failed_prepare = False
        self.prepared = True
        self.prepared_gid = self.next_gid

    def _pre_run_blocks(self):
        """Every block's ``pre_run``, except for blocks whose model declares
        ``pre_run_pure`` (derived values of their parameters and the time base
        only) when neither changed since their last one (:meth:`set_block`
        and the restoring paths forget it)."""
        base = (self.resolution, self.tics_per_ms, self.tics_per_step)
        done = self._pre_run_keys
        for rec in self.records:
            blk = rec.block
            if not getattr(type(blk), "pre_run_pure", False):
                blk.pre_run(self)
                continue
            last = done.pop(id(blk), None)
            if last is None or last[0] is not blk or last[1] != base:
                blk.pre_run(self)
            done[id(blk)] = (blk, base)

    def forget_derived(self):
        """Drop what Prepare keeps between calls (node arrays or the scheduler
        were written by another way than :meth:`set_block`)."""
        self._pre_run_keys.clear()
        self.node_keys.clear()
        self._calcium_synced = False
        self._targets_key = None
        self._live_key = None
        self._calcium_layout = None

    def run(self, t_ms, steps=None):
        """Advance ``t_ms`` (``steps``: its ``sim_steps``, when known)."""
        if not self.prepared:
            raise KernelStateError("Run called without Prepare")
        if steps is None:
            steps = self.sim_steps(t_ms)
        if steps == 0:
            return
        t0 = time.perf_counter()
        if self.target != "software":
            self._run_hardware(steps)
            self.time_simulate = time.perf_counter() - t0
            return
        recs = self.records
        if self._run_lists is None or self._run_lists[0] != len(recs):
            # (records are only appended, and dropped with the kernel)
            self._run_lists = (len(recs), (
                [r.block for r in recs if r.element_type == "stimulator"],
                [r.block for r in recs if r.element_type == "neuron" and r.block.n],
                [r.block for r in recs if isinstance(r.block, recorders.Multimeter)],
                [r.block for r in recs if isinstance(r.block, recorders.SpikeRecorder)],
                [r.block for r in recs if isinstance(r.block, generators.SpikeGenerator)]))
        stim, neurons, mms, srs, gen_sources = map(list, self._run_lists[1])
        tables = [t for t in self.tables.values() if len(t)]
        if len(self.detection):
            tables.append(self.detection)
        exchange = self.comm.exchange_spikes if self.size > 1 else None
        if self.size > 1:
            self.comm.clock_ms = lambda: self.scheduler.origin * self.resolution
        progress = None
        bar = None
        if self.print_time and self.rank == 0:
            from tqdm import tqdm
            bar = tqdm(total=steps, unit="step", desc="Simulating",
                       bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} steps [{elapsed}<{remaining}]")
            progress = bar.update
        calcium = self._calcium_in(neurons)
        origin0 = self.scheduler.origin
        try:
            error = None
            try:
                self.scheduler.local_spikes = 0     # NEST: spikes of the latest run
                self.scheduler.run(steps, stim, neurons, mms, srs, tables, exchange, self,
                                   progress)
            finally:
                self._calcium_out(calcium, self.scheduler.origin + self.scheduler.lag)
                try:
                    for r in srs:
                        r.flush(self)
                    # multimeters receive the samples of all but the last slice run
                    sch = self.scheduler
                    last_origin = sch.origin - (self.min_delay if sch.lag == 0 else 0)
                    for m in mms:
                        m.hand_over(last_origin, self)
                except Exception as e:
                    error = e
            try:
                for t in tables:
                    if getattr(t, "weight_recorder", None) is not None:
                        t.flush_weights(self)
                    if hasattr(t, "after_run"):
                        t.after_run(self)        # model-level state the run changed
            except Exception as e:
                error = e
            try:
                self._detect(gen_sources, origin0, self.step, self.step + steps)
            except Exception as e:
                error = e
            try:
                if srs and gen_sources:
                    self._record_generator_spikes(gen_sources, srs, self.step,
                                                  self.step + steps)
                self._record_device_trains(stim)
            except Exception as e:
                error = e
            # a failure in the last slice of any rank surfaces here on all ranks
            self.comm.status_point(error)
        finally:
            if bar is not None:
                bar.close()
        self.step += steps
        self.simulated = True
        self.time_simulate = time.perf_counter() - t0

    def _run_hardware(self, steps):
        """Run on the emulated chip of the kernel's ``target`` (every rank
        emulates the whole network; errors are agreed over ranks)."""
        from pynestlite.hardware import TARGETS, target
        self.forget_derived()           # (the chip may write any node's arrays)
        error = None
        try:
            target.run(self, steps, TARGETS[self.target])
        except Exception as e:      # agreed over ranks: all raise
            error = e
        self.forget_derived()
        self.comm.status_point(error)
        self.step += steps
        self.simulated = True

    def off_grid_spiking(self):
        """Whether a node of this rank sends or takes precise spike times
        (NEST's ``off_grid_spiking``)."""
        return any(r.block.sends_precise() or getattr(r.block, "precise_input", False)
                   for r in self.records)

    def _check_without_sources(self):
        """Prepare with ``keep_source_table`` False: raise NEST's error where
        the run needs the senders of connections (binary neurons receiving
        input, synapses reporting to a weight_recorder), on every rank."""
        has_conn = any(len(t) for t in self.tables.values())
        binary = has_conn and any(blk.n and getattr(blk, "binary_input", False)
                                  for blk in self.neuron_blocks())
        recorded = any(len(t) and self.synapse_models[name].get("weight_recorder") is not None
                       for name, t in self.tables.items())
        if self.comm.allreduce_max(int(binary or recorded)):
            raise KernelException("Cannot use SourceTable::get_node_id when "
                                  "get_keep_source_table is false")

    def _configure_precise(self):
        """Single-event input and payloads: the input channels that take
        events at their offsets (spike receptors of models with
        ``precise_input``) or decode binary transitions (models with
        ``binary_input``), those that multiply the weight by the spike's
        payload (the ``payload_receptors`` of a model) and whether offsets
        travel with the spikes (some node on any rank sends them)."""
        cp = None
        for blk in self.neuron_blocks():
            if blk.n and getattr(blk, "precise_input", False):
                kind = CHANNEL_PRECISE
            elif blk.n and getattr(blk, "binary_input", False):
                kind = CHANNEL_BINARY
            else:
                continue
            if cp is None:
                cp = np.zeros(self.next_channel, np.uint8)
            base = blk.chan_base + np.arange(blk.n, dtype=np.int64) * blk.n_channels
            for off, split, count in blk.spike_receptors.values():
                cp[base + off] = kind
                if split:
                    cp[base + off + 1] = kind
        pp = None
        for blk in self.neuron_blocks():
            receptors = getattr(blk, "payload_receptors", ())
            if blk.n and receptors:
                if pp is None:
                    pp = np.zeros(self.next_channel, np.uint8)
                base = blk.chan_base + np.arange(blk.n, dtype=np.int64) * blk.n_channels
                for rt in receptors:
                    off, split, count = blk.spike_receptors[rt]
                    pp[base + off] = 1
                    if split:
                        pp[base + off + 1] = 1
        sends = any(r.block.sends_precise() for r in self.records)
        precise = self.comm.allreduce_max(int(sends)) > 0
        self.scheduler.configure_precise(cp, precise, pp)

    def _configure_threads(self, n_slots):
        """Give the scheduler ``local_num_threads`` and the slots they share."""
        sch = self.scheduler
        if sch.requested_threads != self.local_num_threads or sch.thread_slots != n_slots:
            sch.configure_threads(int(self.local_num_threads), int(n_slots))

    def _configure_targets(self, min_delay):
        """Give the scheduler the channel -> slot lookup and the archive layout:
        per local neuron that plastic synapses target, how many do (their
        reads let the archive drop entries), their largest delay and the
        neuron's trace time constants."""
        cs = self.channel_slots()
        n_slots = (self.next_gid - 1 + self.size - 1) // self.size + 1
        self._configure_threads(n_slots)
        plastic = [t for t in self.tables.values() if t.uses_archive and len(t)]
        key = None
        if not plastic:
            # no archive to configure: the same inputs configure the same
            key = (id(cs), len(cs), n_slots, self.rank, self.size, min_delay,
                   self.tics_per_step, self.tics_per_ms, id(self.scheduler))
            if key == self._targets_key:
                self._configure_eprop(cs, n_slots)
                return
        self._targets_key = None
        n_in = np.zeros(n_slots, np.int64)
        max_d = np.zeros(n_slots, np.int64)
        for t in plastic:
            slots = cs[(t.cols["code"] >> 2).astype(np.int64)]
            n_in += np.bincount(slots, minlength=n_slots)
            np.maximum.at(max_d, slots, t.cols["delay"].astype(np.int64))
        tau = np.full(n_slots, 20.0)
        tau3 = np.full(n_slots, 110.0)
        # models with precise spike times archive stamp - offset (as NEST's
        # _ps models); the others archive the stamp (other models' offsets
        # are payloads or, as NEST's iaf_chxk_2008, not archived)
        precise = np.zeros(n_slots, np.int64)
        for blk in (self.neuron_blocks() if plastic else ()):
            if blk.n and "tau_minus" in blk.arrays:
                sl = self.slot_of(blk.gids)
                tau[sl] = blk.arrays["tau_minus"]
                tau3[sl] = blk.arrays["tau_minus_triplet"]
                precise[sl] = int(bool(getattr(blk, "precise_input", False)))
        archived = np.flatnonzero(n_in)
        archive = {"slots": archived, "n_incoming": n_in[archived],
                   "max_delay": max_d[archived], "tau_minus": tau[archived],
                   "tau_minus_triplet": tau3[archived], "precise": precise[archived],
                   "columns": max([t.archive_columns for t in plastic], default=0),
                   "tics_per_step": self.tics_per_step, "ms_per_tic": self.ms_per_tic,
                   "min_delay": min_delay}
        self.scheduler.configure_targets(cs, n_slots, self.rank, self.size, archive)
        self._targets_key = key
        self._configure_eprop(cs, n_slots)

    def _calcium_in(self, neurons):
        """Hand the neurons' calcium traces to the scheduler for a run: per
        local slot Ca, Ca_t, tau_Ca, beta_Ca (returns what _calcium_out needs)."""
        n_slots = (self.next_gid - 1 + self.size - 1) // self.size + 1
        cache = self._calcium_layout
        if cache is None or cache[0] != n_slots or cache[1] != neurons:   # (blocks: by identity)
            # the slots of the neurons change only when nodes are created
            parts = [(blk, self.slot_of(blk.gids)) for blk in neurons if "Ca" in blk.arrays]
            arrays = (np.zeros(n_slots), np.zeros(n_slots), np.ones(n_slots), np.zeros(n_slots))
            cache = self._calcium_layout = (n_slots, list(neurons), parts, arrays)
            self._calcium_synced = False
        _, _, parts, (ca, ca_t, tau, beta) = cache
        if self._calcium_synced:
            # the traces are as the last run left them in both places (a set,
            # a restore or new nodes clear the flag)
            self.scheduler.configure_calcium(ca, ca_t, tau, beta)
            return ca, ca_t, parts
        for blk, sl in parts:
            a = blk.arrays
            ca[sl] = a["Ca"]; ca_t[sl] = a["Ca_t"]
            tau[sl] = a["tau_Ca"]; beta[sl] = a["beta_Ca"]
        self.scheduler.configure_calcium(ca, ca_t, tau, beta)
        return ca, ca_t, parts

    def _calcium_out(self, calcium, end_step):
        """Decay the traces to the end of the run (``end_step``), as NEST does
        there, and write them back to the neurons."""
        ca, ca_t, parts = calcium
        if parts:
            self.scheduler.calcium_decay(float(self.steps_to_ms(end_step)))
        for blk, sl in parts:
            blk.arrays["Ca"][:] = ca[sl]
            blk.arrays["Ca_t"][:] = ca_t[sl]
        self._calcium_synced = True

    def _configure_eprop(self, cs, n_slots):
        """The e-prop sections of the archive: per local neuron that e-prop
        synapses target, their number and the neuron's constants."""
        tabs = [t for t in self.tables.values()
                if getattr(t, "uses_eprop_archive", False) and len(t)]
        blocks = [b for b in self.neuron_blocks() if b.n and hasattr(b, "eprop_constants")]
        if not tabs and not blocks:
            return
        indeg = np.zeros(n_slots, np.int64)
        for t in tabs:
            slots = cs[(t.cols["code"] >> 2).astype(np.int64)]
            indeg += np.bincount(slots, minlength=n_slots)
        parts = []
        for b in blocks:
            c = b.eprop_constants(self)
            c["slots"] = self.slot_of(b.gids)
            parts.append(c)
        ep = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
        ep["indegree"] = indeg[ep["slots"]]
        # synapses new since the last run add an update marker at their
        # target's first interval (bsshslm_2020)
        marks = np.zeros(n_slots, np.int64)
        for t in tabs:
            if hasattr(t, "take_new"):
                codes = t.take_new()
                marks += np.bincount(cs[(codes >> 2).astype(np.int64)], minlength=n_slots)
        ep["new_marks"] = marks[ep["slots"]]
        self.scheduler.configure_eprop(ep)

    def t_spike(self, gids, precise=False):
        """Time (ms) of the latest spike of each local gid, -1.0 if none; on
        the grid, or (``precise``: models with precise input, as NEST's
        precise models) the stamp minus the spike's offset."""
        st, off = self.scheduler.last_spike(gids, with_offset=True)
        t = self.steps_to_ms(np.maximum(st, 0))
        return np.where(st >= 0, t - off if precise else t, -1.0)

    def live_input_ring(self):
        """(ring, gids) of the devices that take spikes during the run: the
        counts [ring slot, column] the detector table delivers and the
        devices' gids by column (set at Prepare)."""
        return self._live_ring, self._live_gids

    def device_recorders(self, block):
        """The spike_recorders connected to the devices of ``block`` (which
        send each one a train of its own): (device row, recorder gid), one
        entry per connection, by device row."""
        rows, recs = [], []
        for k, g in enumerate(block.gids):
            t = self.recording.targets_of(int(g))
            rows.append(np.full(len(t), k, np.int64))
            recs.append(np.asarray(t, np.int64))
        if not rows:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(rows), np.concatenate(recs)

    def _record_device_trains(self, stim):
        """Hand the trains the Poisson generators sent to spike_recorders in
        the run to those recorders (rank 0 only: the devices' trains are the
        same on every rank)."""
        for blk in stim:
            if not getattr(type(blk), "records_to_recorders", False):
                continue
            src, rec, stamps, offs = blk.take_recorded()
            if self.rank != 0 or not len(src):
                continue
            precise = blk.sends_precise()
            for r in np.unique(rec):
                sel = rec == r
                order = np.lexsort((-offs[sel], src[sel], stamps[sel]))
                record = self.record_of(int(r))
                row = int(np.searchsorted(record.block.gids, r))
                record.block.record_row(row, src[sel][order], stamps[sel][order], self,
                                        offs[sel][order] if precise else None)

    def _detect(self, gen_sources, origin0, s0, s1):
        """Hand the spikes that reached correlation devices in the run (steps
        s0 .. s1, the first slice starting at ``origin0``) to them, in NEST's
        order: the spikes of neurons as delivered (at the start of the next
        slice; logged by the detector table), the spikes of spike_generators
        when sent (during the update of their slice, by generator, each spike
        as one event of its multiplicity).  In a slice the delivered spikes
        come first, then the generators' spikes of the slice."""
        det = self.detection
        if not len(det):
            return
        ks, stamps, due = det.take_events()
        mult = np.ones(len(ks), np.int64)
        weights = det.get("weight", ks).astype(np.float64)
        rp = det.row_ptr
        src = np.searchsorted(rp, ks, side="right") - 1
        # sort keys: slice, phase (0: delivered at its start, 1: sent during
        # its update), sender, stamp, position (connection order)
        parts = [(ks, stamps, mult, weights, due, np.zeros(len(ks), np.int64), src,
                  np.arange(len(ks)))]
        md = self.min_delay
        for g in gen_sources:
            gids, st, m, sw = g.sent(s0, s1)
            if not len(gids):
                continue
            counts = np.zeros(len(gids), np.int64)
            inside = gids + 1 < len(rp)
            counts[inside] = rp[gids[inside] + 1] - rp[gids[inside]]
            if not counts.any():
                continue
            idx, gsrc = det.connections_of(gids)      # each spike through each connection
            w = det.get("weight", idx).astype(np.float64)
            swr = np.repeat(sw, counts)
            w = np.where(np.isnan(swr), w, swr * w)
            gst = np.repeat(st, counts)
            parts.append((idx, gst, np.repeat(m, counts), w,
                          origin0 + (gst - 1 - origin0) // md * md,
                          np.ones(len(idx), np.int64), gsrc, np.arange(len(idx))))
        if len(parts) > 1 or len(ks):
            cols = [np.concatenate([p[j] for p in parts]) for j in range(8)]
            # NEST hands a slice's delivered spikes over sender by sender (the
            # order in which the nodes were updated), each sender's in time
            # order; a generator sends its spikes of a slice in its turn
            order = np.lexsort((cols[7], cols[1], cols[6], cols[5], cols[4]))
            ks, stamps, mult, weights = (c[order] for c in cols[:4])
        if not len(ks):
            return
        dets = det.cols["code"][ks].astype(np.int64)
        ports = det.get("port", ks).astype(np.int64)
        for rec, gids in self.groups(np.unique(dets)):
            blk = rec.block
            for gid in gids:
                sel = dets == gid
                row = int(np.searchsorted(blk.gids, gid))
                blk.handle_events(row, stamps[sel], ports[sel], weights[sel], mult[sel], self)

    def _record_generator_spikes(self, gens, srs, s0, s1):
        """spike_generator -> spike_recorder: the emitted spikes in (s0, s1]
        of the generators some recorder records from."""
        for g in gens:
            heard = np.zeros(g.n, bool)
            for r in srs:
                heard |= r.listens_to(g.gids)
            if not heard.any():
                continue
            gids, stamps, offs = g.emitted(s0, s1, np.flatnonzero(heard))
            if len(gids):
                order = np.lexsort((-offs, gids, stamps))
                precise = offs[order] if g.sends_precise() else None
                for r in srs:
                    r.record_spikes(gids[order], stamps[order], self, precise)

    def cleanup(self):
        if not self.prepared and self.failed_prepare:
            self.failed_prepare = False     # (its Prepare closed what it had opened)
            return
        if not self.prepared:
            raise KernelStateError("Cleanup called without Prepare")
        from pynestlite import recording
        recording.close_backends(self)
        self.prepared = False

    def sim_steps(self, t_ms):
        if not isinstance(t_ms, (int, float, np.integer, np.floating)) \
                or isinstance(t_ms, (bool, np.bool_)):
            raise BadProperty(f"simulation time must be a number, got {t_ms!r}")
        t = float(t_ms)
        if not math.isfinite(t) or t < 0:
            raise BadProperty(f"simulation time must be finite and >= 0 ms, got {t_ms!r}")
        tics = int(math.floor(t * self.tics_per_ms + 0.5))
        if tics % self.tics_per_step != 0 or abs(tics / self.tics_per_ms - t) > 1e-9 * max(1.0, t):
            raise TimeMultipleRequired(
                f"simulation time {t} ms is not a multiple of the resolution "
                f"{self.resolution} ms")
        return tics // self.tics_per_step

    def num_connections(self):
        """All connections (synapses and device connections), summed over ranks."""
        return self.comm.allreduce_sum(sum(self.syn_counts.values()))


kernel = Engine()
