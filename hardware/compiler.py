"""Compile a network for a chip: validate, place, route, quantize, emit.

Each pass is a function of the previous passes' results; :func:`compile`
runs them in order.  A network that does not fit raises
:class:`~pynestlite.errors.HardwareResourceError` naming the resource, what
was asked, what exists and the population concerned; one the chip cannot
run at all raises :class:`~pynestlite.errors.HardwareUnsupportedError`.
Nothing is kept from a failed compile.
"""
from dataclasses import dataclass

import numpy as np

from pynestlite.errors import HardwareResourceError, HardwareUnsupportedError
from pynestlite.hardware.network import adex_circuits

#: neuron block classes the circuits emulate: AdEx with exponential current
#: synapses, and LIF (the circuit with adaptation and exponential term off)
NEURON_CLASSES = {"IafPscExp": "iaf_psc_exp", "AeifPscExp": "aeif_psc_exp"}
SOURCE_CLASSES = {"SpikeGenerator": "spike_generator", "PoissonGenerator": "poisson_generator"}
SYNAPSE_CLASSES = {"StaticSynapseTable": "static_synapse"}
RECORDABLES = ("V_m",)


# ----------------------------------------------------------------------------
# validate
def _hw_range_error(chip, pop, name, value_ms, rng):
    lo, hi = rng
    hw = chip.ms_to_hw(value_ms)
    return HardwareUnsupportedError(
        f"{pop.describe()}: {name} = {value_ms:g} ms is {hw * 1e6:g} µs on {chip.name} "
        f"(speed-up {chip.speedup:g}); the calibratable range is "
        f"{lo * 1e6:g}–{hi * 1e6:g} µs ({lo * 1e3 * chip.speedup:g}–"
        f"{hi * 1e3 * chip.speedup:g} ms of model time)")


def validate(net, chip, latency=None):
    """Check that every part of ``net`` exists on ``chip`` and that its
    parameters lie in the calibratable ranges after time scaling.

    Returns
    -------
    Delays
        How the connection delays are realized (:func:`plan_delays`).

    Raises
    ------
    HardwareUnsupportedError
        A neuron model, device or synapse model the chip does not have, a
        recording it cannot make (more than one membrane trace, a quantity
        other than V_m), delays the chip cannot realize, or a time constant
        outside the calibratable range.
    """
    for pop in net.populations:
        if pop.element_type == "neuron" and pop.block_class not in NEURON_CLASSES:
            raise HardwareUnsupportedError(
                f"{pop.describe()} cannot run on {chip.name}: its circuits emulate "
                f"{', '.join(sorted(NEURON_CLASSES.values()))} (AdEx and LIF with exponential "
                "current synapses)")
    for gid, model in net.other_devices:
        raise HardwareUnsupportedError(
            f"{model} (node {gid}) cannot run on {chip.name}: its inputs are "
            "spike_generator and poisson_generator, its recorders spike_recorder and one "
            "multimeter/voltmeter trace of V_m")
    for name, cls in net.table_class.items():
        if cls not in SYNAPSE_CLASSES and np.any(net.synapse_model == name):
            raise HardwareUnsupportedError(
                f"synapse model {name!r} cannot run on {chip.name}: it has static synapses "
                "only (static_synapse and its copies)")
    # connections: neurons or inputs as sources, neurons as targets
    neuron = np.isin(net.source, net.neuron_gids)
    inputs = np.isin(net.source, net.input_gids)
    poisson = np.isin(net.source, [p["gid"] for p in net.poisson])
    bad = ~(neuron | inputs | poisson)
    if np.any(bad):
        g = int(net.source[bad][0])
        raise HardwareUnsupportedError(
            f"connections from {net.population_of(g).describe()} cannot be routed on "
            f"{chip.name}: sources are neurons, spike_generators and poisson_generators")
    delays = plan_delays(net, chip, latency)
    # parameter ranges after time scaling
    p = net.params
    for pop in net.populations:
        if pop.element_type != "neuron":
            continue
        sel = (net.neuron_gids >= pop.first) & (net.neuron_gids <= pop.last)
        adex = sel & adex_circuits(p)
        for name, rng in (("tau_m", chip.tau_m_range), ("tau_syn_ex", chip.tau_syn_range),
                          ("tau_syn_in", chip.tau_syn_range), ("t_ref", chip.t_ref_range),
                          ("tau_w", chip.tau_w_range)):
            v = p[name][adex if name == "tau_w" else sel]
            hw = chip.ms_to_hw(v)
            out = (hw < rng[0] * (1 - 1e-12)) | (hw > rng[1] * (1 + 1e-12))
            if np.any(out):
                raise _hw_range_error(chip, pop, name, float(v[out][0]), rng)
    # recording: spikes of anything, one membrane trace
    traced = []
    for gid, mm in net.multimeters.items():
        extra = [r for r in mm["record_from"] if r not in RECORDABLES]
        if extra:
            raise HardwareUnsupportedError(
                f"{mm['model']} (node {gid}) records {extra}: {chip.name} digitises the "
                "membrane potential V_m only")
        if mm["record_from"]:
            traced.extend(int(t) for t in mm["targets"])
    if len(traced) > 1:
        raise HardwareUnsupportedError(
            f"{len(traced)} membrane traces asked (neurons {sorted(set(traced))}): "
            f"{chip.name} records one membrane trace per run")
    return delays


@dataclass
class Delays:
    """Connection delays on the chip.

    Every event takes ``latency``; a source whose delay is longer sends
    through a parrot neuron holding each spike ``hold`` longer.
    """
    latency: float              # model ms
    parrot_sources: np.ndarray  # gids, ascending
    hold_ms: np.ndarray         # asked hold per parrot (delay - latency), model ms
    hold_hw: np.ndarray         # the parrot's hold on its grid, hardware s
    max_error_ms: float         # largest |realized - asked| hold, model ms

    @property
    def parrots(self):
        return int(len(self.parrot_sources))


def parrot_holds(chip, hold_ms, what):
    """Holds (model ms) on the parrot grid (hardware s); a clear error for one
    outside the parrot's range."""
    lo, hi = chip.parrot_delay_range
    hw = chip.ms_to_hw(np.asarray(hold_ms, np.float64))
    tol = 1e-9 * hi
    bad = np.flatnonzero(~((hw >= lo - tol) & (hw <= hi + tol)))      # (NaN too)
    if len(bad):
        i = int(bad[0])
        raise HardwareUnsupportedError(
            f"{what(i)}: a hold of {float(np.ravel(hold_ms)[i]):g} ms = "
            f"{hw.ravel()[i] * 1e6:g} µs is asked of its parrot neuron; {chip.name}'s parrots "
            f"hold {lo * 1e6:g}–{hi * 1e6:g} µs ({chip.hw_to_ms(lo):g}–{chip.hw_to_ms(hi):g} ms "
            "of model time)")
    return chip.quantize_parrot_delay(np.clip(hw, lo, hi))


def plan_delays(net, chip, latency=None):
    """How the connection delays are realized (a part of :func:`validate`).

    Events take the chip's latency: ``latency`` (model ms), by default the
    smallest delay of the network.  Sources whose connections all have the
    latency send directly; a source whose connections all have a longer
    delay ``d`` (an axonal delay) sends through a parrot neuron that holds
    each spike ``d - latency`` (within ``chip.parrot_delay_range``, on its
    ``parrot_delay_bits`` grid).

    Raises
    ------
    HardwareUnsupportedError
        One source with different delays to its targets (dendritic or
        synaptic delays), a delay shorter than the latency, a hold outside
        the parrot's range, or a delayed poisson_generator.
    """
    empty = np.empty(0)
    if not len(net.delay):
        return Delays(0.0 if latency is None else float(latency), np.empty(0, np.int64),
                      empty, empty, 0.0)
    d_min = float(net.delay.min())
    L = d_min if latency is None else float(latency)
    if d_min < L - 1e-12:
        raise HardwareUnsupportedError(
            f"delay {d_min:g} ms is shorter than the event latency {L:g} ms of {chip.name}")
    # connections are sorted by source: one delay per source
    src, d = net.source, net.delay
    start = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    d_lo = np.minimum.reduceat(d, start)
    d_hi = np.maximum.reduceat(d, start)
    tol = 1e-9 * max(1.0, L)
    mixed = np.flatnonzero(d_hi - d_lo > tol)
    if len(mixed):
        g = int(src[start[mixed[0]]])
        raise HardwareUnsupportedError(
            f"node {g} of {net.population_of(g).describe()} has connections with delays "
            f"{d_lo[mixed[0]]:g}–{d_hi[mixed[0]]:g} ms: {chip.name} delays a source's spikes "
            "once for all its targets (an axonal delay, through a parrot neuron); give each "
            "source one delay")
    delayed = np.flatnonzero(d_lo - L > tol)
    gids = src[start[delayed]].astype(np.int64)
    pois = np.isin(gids, [p["gid"] for p in net.poisson])
    if np.any(pois):
        g = int(gids[pois][0])
        raise HardwareUnsupportedError(
            f"poisson_generator (node {g}) with delay {float(d_lo[delayed][pois][0]):g} ms: its "
            f"trains are made at the chip's inputs; give it the event latency {L:g} ms")
    hold = d_lo[delayed] - L

    def what(i):
        g = int(gids[i])
        return (f"node {g} of {net.population_of(g).describe()} with delay "
                f"{float(d_lo[delayed][i]):g} ms (latency {L:g} ms)")
    hw = parrot_holds(chip, hold, what)
    err = float(np.max(np.abs(chip.hw_to_ms(hw) - hold))) if len(hold) else 0.0
    return Delays(L, gids, hold, hw, err)


# ----------------------------------------------------------------------------
# place
@dataclass
class Placement:
    """Logical neurons on circuits.

    ``circuits_per_neuron`` circuits (one per array, same column) form each
    logical neuron; neuron ``i`` (gid order) is in group ``i // columns``
    (arrays ``group*c .. group*c + c - 1``), column ``i % columns``.
    """
    circuits_per_neuron: int
    group: np.ndarray
    column: np.ndarray
    circuits: np.ndarray        # [n_neurons, c] circuit ids (array * columns + column)
    fan_in_rows: np.ndarray     # synapse rows each neuron needs
    parrot_circuits: np.ndarray = None  # circuit of each parrot neuron

    @property
    def circuits_used(self):
        return int(self.circuits.size) + (0 if self.parrot_circuits is None
                                          else int(len(self.parrot_circuits)))


def _copy_index(src, tgt):
    """Per connection: how many earlier connections have the same (source, target)
    (parallel connections need their own synapses); connections sorted by
    (source, target)."""
    n = len(src)
    if n == 0:
        return np.empty(0, np.int64)
    new = np.ones(n, bool)
    new[1:] = (src[1:] != src[:-1]) | (tgt[1:] != tgt[:-1])
    start = np.flatnonzero(new)
    run = np.repeat(start, np.diff(np.append(start, n)))
    return np.arange(n) - run


def _signs(net, signed):
    """Synapse rows per connection: both signs (signed) or the weight's sign."""
    if signed:
        return np.full(len(net.weight), 2, np.int64)
    return np.ones(len(net.weight), np.int64)


def place(net, chip, signed=True, circuits_per_neuron=None, parrots=0):
    """Put the logical neurons onto circuits, merging ``c`` circuits per neuron
    when the largest fan-in needs more rows than one column has; ``parrots``
    parrot neurons (axonal delays) take one circuit each after them.

    Raises
    ------
    HardwareResourceError
        A neuron needs more synapse rows than ``max_circuits_per_neuron``
        circuits have (fan-in), or the neurons and parrots need more
        circuits than exist.
    """
    n = len(net.neuron_gids)
    rows_per_conn = _signs(net, signed)
    idx = np.searchsorted(net.neuron_gids, net.target)
    fan_in = np.bincount(idx, weights=rows_per_conn, minlength=n).astype(np.int64) \
        if len(idx) else np.zeros(n, np.int64)
    c_max = chip.max_circuits_per_neuron
    need = max(1, int(-(-fan_in.max() // chip.synapse_rows))) if n else 1
    if need > c_max:
        j = int(np.argmax(fan_in))
        g = int(net.neuron_gids[j])
        per = " (two rows per signed input)" if signed else ""
        raise HardwareResourceError(
            f"fan-in: neuron {g} of {net.population_of(g).describe()} has "
            f"{int(fan_in[j] // (2 if signed else 1))} inputs and needs {int(fan_in[j])} "
            f"synapse rows{per}; a logical neuron of at most {c_max} circuits has "
            f"{c_max * chip.synapse_rows} on {chip.name}")
    c = need if circuits_per_neuron is None else int(circuits_per_neuron)
    if c < need or c > c_max:
        raise HardwareResourceError(
            f"circuits_per_neuron = {c}: the largest fan-in needs {need} and {chip.name} "
            f"merges at most {c_max}")
    groups = chip.synapse_arrays // c
    cols = chip.synapse_columns
    if n > groups * cols or n * c + parrots > chip.neuron_circuits:
        pops = ", ".join(p.describe() for p in net.populations if p.element_type == "neuron")
        par = f" + {parrots} parrot neurons (axonal delays)" if parrots else ""
        raise HardwareResourceError(
            f"neuron circuits: {n} neurons x {c} circuit{'s' if c > 1 else ''} each{par} = "
            f"{n * c + parrots} asked, {chip.neuron_circuits} exist on {chip.name} "
            f"(at most {groups * cols} neurons of {c} circuits; populations: {pops})")
    i = np.arange(n)
    group = i // cols
    column = i % cols
    arrays = group[:, None] * c + np.arange(c)[None, :]
    circuits = arrays * cols + column[:, None]
    # parrots: the free circuits from the top
    free = np.setdiff1d(np.arange(chip.neuron_circuits), circuits.ravel())
    return Placement(c, group, column, circuits, fan_in, free[::-1][:parrots].copy())


# ----------------------------------------------------------------------------
# route
@dataclass
class Routing:
    """Synapse rows of the connections.

    ``row[k, s]`` is the row (within its group: ``array = group*c + row //
    synapse_rows``) carrying sign ``s`` (0 excitatory, 1 inhibitory) of
    connection ``k``, -1 where the connection has no synapse of that sign.
    """
    row: np.ndarray
    rows_used: int
    synapses_used: int
    row_sign: list              # per group: sign of each row (-1 unused)
    row_sources: list           # per group: sources (labels) per row


def route(net, placement, chip, signed=True, parrot_sources=None):
    """Give every (source, sign) pair a synapse row in each group it reaches.

    Rows have one sign; pairs reaching disjoint columns share a row (up to
    ``2**label_bits`` per row, told apart by the event label).  First fit in
    the order (sign, source, copy).  A parrot neuron (``parrot_sources[i]``
    delayed through ``placement.parrot_circuits[i]``) takes its source's
    spikes through one excitatory synapse in its own array and column, on the
    first excitatory row there with the column free and a label left: the
    source's own rows above carry the parrot's delayed events (a delayed
    source sends only through its parrot), its undelayed events are another
    stream with a label of their own.

    Raises
    ------
    HardwareResourceError
        The pairs of a group need more rows than it has, or the inputs more
        external sources than the chip can address.
    """
    c = placement.circuits_per_neuron
    n_rows = chip.synapse_rows * c
    ncol = chip.synapse_columns
    n_conn = len(net.source)
    row = np.full((n_conn, 2), -1, np.int64)
    n_ext = len(net.input_gids) + sum(int(np.sum(net.source == p["gid"])) for p in net.poisson)
    if n_ext > chip.external_sources:
        raise HardwareResourceError(
            f"external sources: {n_ext} asked (spike_generators and per-target poisson "
            f"trains), {chip.external_sources} addressable on {chip.name}")
    tidx = np.searchsorted(net.neuron_gids, net.target)
    grp = placement.group[tidx] if n_conn else np.empty(0, np.int64)
    col = placement.column[tidx] if n_conn else np.empty(0, np.int64)
    copy = _copy_index(net.source, net.target)
    if signed:
        signs = [np.zeros(n_conn, bool), np.ones(n_conn, bool)]     # both rows
        need = [np.ones(n_conn, bool), np.ones(n_conn, bool)]
    else:
        inh = net.weight < 0
        need = [~inh, inh]
    used_rows = 0
    used_syn = 0
    row_sign, row_sources = [], []
    # the parrots' inputs: source, circuit, and the group of arrays of each
    p_src = np.empty(0, np.int64) if parrot_sources is None else np.asarray(parrot_sources)
    p_circ = np.empty(0, np.int64) if placement.parrot_circuits is None \
        else np.asarray(placement.parrot_circuits, np.int64)
    if len(p_circ) != len(p_src):
        raise ValueError(f"route: {len(p_src)} parrot sources but the placement has "
                         f"{len(p_circ)} parrot circuits (place with parrots={len(p_src)})")
    p_grp = p_circ // ncol // c
    n_groups = int(placement.group.max()) + 1 if len(placement.group) else 0
    n_groups = max(n_groups, int(p_grp.max()) + 1 if len(p_grp) else 0)
    for g in range(n_groups):
        occ = np.zeros((n_rows, ncol), bool)
        sign_of = np.full(n_rows, -1, np.int64)
        labels = np.zeros(n_rows, np.int64)
        sources = [[] for _ in range(n_rows)]
        in_g = grp == g
        for s in (0, 1):
            sel = np.flatnonzero(in_g & need[s])
            if not len(sel):
                continue
            key_src, key_copy = net.source[sel], copy[sel]
            order = np.lexsort((key_copy, key_src))
            sel = sel[order]
            brk = np.flatnonzero((np.diff(net.source[sel]) != 0) | (np.diff(copy[sel]) != 0)) + 1
            for part in np.split(sel, brk):
                cols_p = col[part]
                ok = (~occ[:, cols_p].any(axis=1)) & ((sign_of == -1) | (sign_of == s)) \
                    & (labels < chip.sources_per_row)
                free = np.flatnonzero(ok)
                if not len(free):
                    src = int(net.source[part[0]])
                    tg = int(net.target[part[0]])
                    raise HardwareResourceError(
                        f"synapse rows: group of arrays {g * c}–{g * c + c - 1} has {n_rows} "
                        f"rows, all taken when routing {'inhibitory' if s else 'excitatory'} "
                        f"input from node {src} ({net.population_of(src).describe()}) to "
                        f"{net.population_of(tg).describe()}; reduce the fan-in or the "
                        "number of distinct sources")
                r = int(free[0])
                occ[r, cols_p] = True
                sign_of[r] = s
                labels[r] += 1
                sources[r].append(int(net.source[part[0]]))
                row[part, s] = r
                used_syn += len(part)
        used_syn += _route_parrots(net, chip, c, p_src[p_grp == g], p_circ[p_grp == g], occ,
                                   sign_of, labels, sources)
        used_rows += int(np.sum(sign_of >= 0))
        row_sign.append(sign_of)
        row_sources.append(sources)
    return Routing(row, used_rows, used_syn, row_sign, row_sources)


def _route_parrots(net, chip, c, p_src, p_circ, occ, sign_of, labels, sources):
    """The input synapses of the parrot neurons ``p_src`` on circuits
    ``p_circ`` of one group of ``c`` arrays (see :func:`route`); returns
    their number."""
    cols, R = chip.synapse_columns, chip.synapse_rows
    used = 0
    for src, circ in zip(p_src, p_circ):
        array, column = int(circ) // cols, int(circ) % cols
        rows = np.arange((array % c) * R, (array % c + 1) * R)
        ok = ~occ[rows, column] & ((sign_of[rows] == -1) | (sign_of[rows] == 0)) \
            & (labels[rows] < chip.sources_per_row)
        if not ok.any():
            raise HardwareResourceError(
                f"synapse rows: array {array} has {R} rows, all taken when routing the input "
                f"of the parrot neuron (axonal delay) of node {int(src)} "
                f"({net.population_of(int(src)).describe()}); reduce the number of delayed "
                "sources or of distinct sources")
        r = int(rows[np.flatnonzero(ok)[0]])
        occ[r, column] = True
        sign_of[r] = 0
        labels[r] += 1
        sources[r].append(int(src))
        used += 1
    return used


# ----------------------------------------------------------------------------
# quantize
@dataclass
class Quantized:
    """Weights on the chip: ``level`` (0 .. 2**bits - 1) times ``lsb`` with the
    sign of the row used."""
    level: np.ndarray
    sign: np.ndarray            # +1 excitatory row, -1 inhibitory row
    lsb: float
    weight_range: float
    rmse: float
    max_error: float
    clipped: int

    @property
    def weight(self):
        return self.sign * self.level * self.lsb


def quantize(weight, chip, weight_range=None):
    """Round weights to the chip's resolution.

    The largest weight magnitude (or ``weight_range``) maps to the top level
    ``2**weight_bits - 1``; larger weights are clipped to it.

    Returns
    -------
    Quantized
        Levels, signs, the step ``lsb`` and the error (root mean square and
        largest, in weight units) against the requested weights.
    """
    w = np.asarray(weight, np.float64)
    top = chip.weight_levels
    if weight_range is None:
        weight_range = float(np.max(np.abs(w))) if w.size else 1.0
    if not np.isfinite(weight_range) or weight_range <= 0:
        weight_range = 1.0
    lsb = weight_range / top
    lev = np.rint(np.abs(w) / lsb)
    clipped = int(np.sum(lev > top))
    lev = np.minimum(lev, top).astype(np.int64)
    sign = np.where(w < 0, -1, 1).astype(np.int64)
    wq = sign * lev * lsb
    err = wq - w
    rmse = float(np.sqrt(np.mean(err ** 2))) if w.size else 0.0
    return Quantized(lev, sign, lsb, float(weight_range), rmse,
                     float(np.max(np.abs(err))) if w.size else 0.0, clipped)


# ----------------------------------------------------------------------------
# emit
def emit(net, chip, placement, routing, quantized, chip_seed=0, signed=True, delays=None):
    """The program: the emulator set up with the chip instance's circuits.

    Returns
    -------
    pynestlite.hardware.program.Program
    """
    from pynestlite.hardware.program import Program
    if delays is None:
        delays = plan_delays(net, chip)
    return Program(net, chip, placement, routing, quantized, chip_seed, signed, delays)


def compile_network(net, chip, signed=True, circuits_per_neuron=None, weight_range=None,
                    chip_seed=0, latency=None):
    """All passes on an extracted network."""
    dl = validate(net, chip, latency)
    pl = place(net, chip, signed, circuits_per_neuron, dl.parrots)
    rt = route(net, pl, chip, signed, dl.parrot_sources)
    q = quantize(net.weight, chip, weight_range)
    return emit(net, chip, pl, rt, q, chip_seed, signed, dl)
