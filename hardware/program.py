"""A compiled network: the chip instance, the emulator, the resource report.

A :class:`Program` runs on the emulated chip in two ways: as the kernel's
``Run`` when the kernel ``target`` is ``"brainscales2"`` (spikes go to the
ordinary spike_recorders, one membrane trace to a multimeter), and as
:meth:`Program.run_batch` for in-the-loop learning (many input patterns as
one concatenated spike train, first spike times per pattern back).

The chip instance.  ``chip_seed`` draws, once per circuit, standard normal
deviations of the membrane and synaptic time constants, the synaptic gain
(per sign), the threshold and the leak potential, scaled by the chip's
``fp_*`` spreads (time constants and gains relative, threshold and leak
relative to V_th - E_L).  A logical neuron of several circuits has the
membrane of all of them in parallel (1/tau_m is the mean of its circuits'),
the mean synaptic time constants, the first circuit's threshold, and each
synapse the gain of the circuit whose row it sits on.  Trial-to-trial
threshold noise is redrawn for every run (every ``Run`` and every batch),
as is the jitter of the parrot neurons that realize axonal delays.
"""
import numpy as np

from pynestlite.errors import BadProperty, HardwareResourceError
from pynestlite.hardware.compiler import parrot_holds
from pynestlite.hardware.emulator import Emulator

# streams of the chip instance (SeedSequence entropy: chip_seed, purpose, run;
# the parrots' jitter: the emulator's Philox key of chip_seed, _JITTER, run)
_FIXED_PATTERN, _TRIAL, _POISSON, _JITTER = 0, 1, 2, 3


class Report(dict):
    """Resource report of a program: a dict that prints as a table."""

    _ROWS = (
        ("neuron circuits", "neuron_circuits_used", "neuron_circuits_available", ""),
        ("synapse rows", "synapse_rows_used", "synapse_rows_available", ""),
        ("synapses", "synapses_used", "synapses_available", ""),
        ("external sources", "external_sources_used", "external_sources_available", ""),
    )

    def __str__(self):
        lines = [f"{self['chip']} program: {self['logical_neurons']} neurons x "
                 f"{self['circuits_per_neuron']} circuit(s), chip_seed {self['chip_seed']}",
                 f"  {'resource':<22}{'used':>10}{'available':>12}{'share':>9}"]
        for label, u, a, _ in self._ROWS:
            share = self[u] / self[a] if self[a] else 0.0
            lines.append(f"  {label:<22}{self[u]:>10}{self[a]:>12}{share:>8.1%}")
        if self.get("parrot_neurons"):
            lines.append(f"  axonal delays: {self['parrot_neurons']} parrot neurons, latency "
                         f"{self['latency_ms']:g} ms, hold error <= "
                         f"{self['delay_max_error_ms']:.3g} ms")
        lines += [
            f"  weights: {self['weight_bits']} bit, lsb {self['weight_lsb']:.6g}, range "
            f"±{self['weight_range']:.6g}, rmse {self['weight_rmse']:.4g}, max error "
            f"{self['weight_max_error']:.4g}, clipped {self['weights_clipped']}",
            f"  hardware time per run {self['hardware_time_per_run_s'] * 1e6:.4g} µs "
            f"({self['runs_per_s']:,.0f} runs/s), energy per run "
            f"{self['energy_per_run_J'] * 1e6:.4g} µJ at {self['power_W'] * 1e3:.4g} mW",
        ]
        return "\n".join(lines)


class Program:
    """A network compiled for a chip (made by :func:`pynestlite.hardware.compile`).

    Attributes
    ----------
    report : Report
        Resources used of available, weight quantization error, hardware
        time and energy per run (one pattern presentation, or the last
        ``Run``).
    input_gids : ndarray
        The spike_generators (inputs of :meth:`run_batch`), gid order.
    neuron_gids : ndarray
        The neurons (outputs of :meth:`run_batch`), gid order.
    sample_period : float
        Model ms between the patterns of a batch.
    """

    def __init__(self, net, chip, placement, routing, quantized, chip_seed, signed, delays):
        self.net, self.chip = net, chip
        self.delays = delays
        self.placement, self.routing, self.quantized = placement, routing, quantized
        self.chip_seed = int(chip_seed)
        self.signed = signed
        self.runs = 0
        self.input_gids = net.input_gids
        self.neuron_gids = net.neuron_gids
        self._draw_instance()
        self._build_sources()
        p = net.params              # nominal (calibration target) time constants
        taus = np.concatenate([p["tau_m"], p["tau_syn_ex"], p["tau_syn_in"]]) \
            if len(p["tau_m"]) else np.zeros(1)
        period_hw = max(chip.min_sample_period,
                        chip.relaxation_time_constants * chip.ms_to_hw(float(taus.max())))
        self.emulator = Emulator(self.params, self.ptr, self.conn_target,
                                 self.effective_weights(), self.n_sources_in, self.delay)
        self.parrot_index = self._source_index(delays.parrot_sources)
        self._hold_hw = delays.hold_hw.copy()
        self._apply_delays()
        if delays.parrots:
            # a batch's patterns also wait for the longest chain of parrot holds
            # (depth 0: a network with cycles waits for one hold)
            period_hw += max(self.emulator.depth, 1) * float(chip.parrot_delay_range[1])
        self.sample_period = period_hw * chip.speedup * 1e3          # model ms
        self.report = self._report(period_hw)

    # ------------------------------------------------------------------
    def _rng(self, purpose, run=0):
        return np.random.Generator(np.random.Philox(
            np.random.SeedSequence([self.chip_seed, purpose, run])))

    def _draw_instance(self):
        """Fixed-pattern deviations per circuit and the logical neurons' parameters."""
        chip, net, pl = self.chip, self.net, self.placement
        z = self._rng(_FIXED_PATTERN).standard_normal((8, chip.neuron_circuits))
        self.circuit_deviation = {name: z[i] for i, name in enumerate(
            ("tau_m", "tau_syn_ex", "tau_syn_in", "gain_ex", "gain_in", "V_th", "E_L", "tau_w"))}
        f = lambda name, spread: np.maximum(1.0 + spread * z_of(name), 0.2)   # noqa: E731
        z_of = lambda name: self.circuit_deviation[name][pl.circuits]         # noqa: E731
        p = {k: np.array(v, np.float64) for k, v in net.params.items()}
        span = p["V_th"] - p["E_L"]
        p["tau_m"] = 1.0 / np.mean(1.0 / (p["tau_m"][:, None] * f("tau_m", chip.fp_tau)), axis=1)
        for x in ("tau_syn_ex", "tau_syn_in", "tau_w"):
            p[x] = np.mean(p[x][:, None] * f(x, chip.fp_tau), axis=1)
        p["V_th"] = p["V_th"] + span * (chip.fp_threshold_mean
                                        + chip.fp_threshold * z_of("V_th")[:, 0])
        p["E_L"] = p["E_L"] + chip.fp_leak * span * np.mean(z_of("E_L"), axis=1)
        self.gain = {"ex": np.maximum(1.0 + chip.fp_gain * self.circuit_deviation["gain_ex"], 0.2),
                     "in": np.maximum(1.0 + chip.fp_gain * self.circuit_deviation["gain_in"], 0.2)}
        self.params = p
        self.span = span

    def _build_sources(self):
        """Emulator sources: spike_generators, poisson trains (one per target),
        then neurons; connections in CSR order by source."""
        net = self.net
        n_in = len(net.input_gids)
        pois_gids = np.asarray([q["gid"] for q in net.poisson], np.int64)
        src = net.source
        is_p = np.isin(src, pois_gids) if len(pois_gids) else np.zeros(len(src), bool)
        n_p = int(is_p.sum())
        self.poisson_conn = np.flatnonzero(is_p)
        self.poisson_of = {int(g): i for i, g in enumerate(pois_gids)}
        self.n_sources_in = n_in + n_p
        idx = self._source_index(src)
        idx[is_p] = n_in + np.arange(n_p)           # each poisson connection its own train
        order = np.argsort(idx, kind="stable")
        self.conn_order = order                    # emulator connection k = net connection order[k]
        n_src = self.n_sources_in + len(net.neuron_gids)
        self.ptr = np.zeros(n_src + 1, np.int64)
        np.add.at(self.ptr, idx + 1, 1)
        self.ptr = np.cumsum(self.ptr)
        self.conn_target = np.searchsorted(net.neuron_gids, net.target)[order]
        self.delay = self.delays.latency

    def _source_index(self, gids):
        """Emulator source index of spike_generators and neurons (by gid; -1
        for a poisson_generator, whose trains are per connection)."""
        gids = np.asarray(gids, np.int64)
        idx = np.full(len(gids), -1, np.int64)
        is_in = np.isin(gids, self.net.input_gids)
        idx[is_in] = np.searchsorted(self.net.input_gids, gids[is_in])
        is_n = np.isin(gids, self.net.neuron_gids)
        idx[is_n] = self.n_sources_in + np.searchsorted(self.net.neuron_gids, gids[is_n])
        return idx

    def _apply_delays(self):
        """Per emulator source: arrival delay and parrot hold (model ms)."""
        chip = self.chip
        n_src = len(self.ptr) - 1
        hold = np.zeros(n_src)
        hold[self.parrot_index] = chip.hw_to_ms(self._hold_hw)
        self.emulator.set_delays(self.delay + hold, hold, chip.hw_to_ms(chip.parrot_jitter))

    def set_delays(self, sources, delays):
        """Change the axonal delays of sources that send through parrot
        neurons (between batches; same placement and routing).

        Parameters
        ----------
        sources : NodeCollection or array of node ids
        delays : array_like
            New delay (model ms, latency included) per source.

        Raises
        ------
        BadProperty
            Shapes differ, or a source has no parrot neuron (it was compiled
            with the latency: recompile with the delay).
        HardwareUnsupportedError
            A hold outside the parrot's range.
        """
        s_ids = _ids(sources)
        d = np.asarray(delays, np.float64).ravel()
        if d.shape != s_ids.shape:
            raise BadProperty(f"set_delays: {len(s_ids)} sources but {d.size} delays")
        ok = np.isin(s_ids, self.delays.parrot_sources)
        if not np.all(ok):
            g = int(s_ids[~ok][0])
            raise BadProperty(f"set_delays: node {g} sends without a parrot neuron (its "
                              f"delay is the latency {self.delay:g} ms); compile the network "
                              "with its delay to give it one")
        hold = d - self.delay
        pos = np.searchsorted(self.delays.parrot_sources, s_ids)
        self._hold_hw[pos] = parrot_holds(self.chip, hold, lambda i: f"node {int(s_ids[i])}")
        self._apply_delays()

    def effective_weights(self):
        """Weights the circuits see: quantized, times the gain of the circuit
        whose row holds the synapse (emulator connection order)."""
        q, rt, pl, chip = self.quantized, self.routing, self.placement, self.chip
        if not len(q.level):
            return np.empty(0)
        s = (q.sign < 0).astype(np.int64)            # 0: excitatory row, 1: inhibitory row
        k = np.arange(len(s))
        row = rt.row[k, s]
        tidx = np.searchsorted(self.net.neuron_gids, self.net.target)
        circ = pl.circuits[tidx, row // chip.synapse_rows]
        gain = np.where(s == 0, self.gain["ex"][circ], self.gain["in"][circ])
        return (q.weight * gain)[self.conn_order]

    def _report(self, period_hw):
        chip, pl, rt, q = self.chip, self.placement, self.routing, self.quantized
        groups = chip.synapse_arrays // pl.circuits_per_neuron
        return Report(
            chip=chip.name, chip_seed=self.chip_seed,
            logical_neurons=int(len(self.neuron_gids)),
            circuits_per_neuron=pl.circuits_per_neuron,
            neuron_circuits_used=pl.circuits_used,
            neuron_circuits_available=chip.neuron_circuits,
            synapse_rows_used=int(rt.rows_used),
            synapse_rows_available=int(groups * chip.synapse_rows * pl.circuits_per_neuron),
            synapses_used=int(rt.synapses_used),
            synapses_available=int(chip.synapses),
            external_sources_used=int(self.n_sources_in),
            external_sources_available=int(chip.external_sources),
            weight_bits=chip.weight_bits, weight_lsb=q.lsb, weight_range=q.weight_range,
            weight_rmse=q.rmse, weight_max_error=q.max_error, weights_clipped=q.clipped,
            parrot_neurons=self.delays.parrots, latency_ms=self.delays.latency,
            delay_max_error_ms=self.delays.max_error_ms,
            hardware_time_per_run_s=period_hw, runs_per_s=1.0 / period_hw,
            energy_per_run_J=chip.power * period_hw, power_W=chip.power,
            speedup=chip.speedup, sample_period_ms=self.sample_period)

    # ------------------------------------------------------------------
    def trial_offsets(self):
        """Threshold offsets (mV) of the next run: trial-to-trial noise."""
        z = self._rng(_TRIAL, self.runs).standard_normal(len(self.neuron_gids))
        self.runs += 1
        return self.chip.t2t_threshold * self.span * z

    def start_run(self, parrots_idle=True):
        """Trial-to-trial noise of the next run (threshold offsets, parrot
        jitter) into the emulator."""
        self.emulator.start_run(self.chip_seed, _JITTER, self.runs, parrots_idle)
        self.emulator.set_threshold_offsets(self.trial_offsets())

    def _check_rate(self, n_events, duration_ms):
        hw = self.chip.ms_to_hw(duration_ms)
        if hw > 0 and n_events / hw > self.chip.max_input_event_rate:
            raise HardwareResourceError(
                f"input event rate: {n_events} events in {hw * 1e6:.4g} µs of hardware time "
                f"= {n_events / hw:.4g}/s asked, the link carries "
                f"{self.chip.max_input_event_rate:.4g}/s on {self.chip.name}")

    def run_batch(self, first_spike_times):
        """Present many input patterns as one concatenated spike train.

        Parameters
        ----------
        first_spike_times : array_like, float64 [batch, n_inputs]
            Per pattern, the spike time (model ms from the pattern's start)
            of each input (the spike_generators in gid order); ``np.inf``: no
            spike.  Times lie in [0, sample_period).

        Returns
        -------
        ndarray, float64 [batch, n_neurons]
            Each neuron's first spike time in its pattern (model ms from the
            pattern's start; the chip's event latency is included in every
            hop), ``np.inf`` when it stays silent.  The pattern ``b`` starts
            at ``b * sample_period`` from rest (the period is long enough
            for the chip to relax; the emulator drops what is left, about
            exp(-8) of the currents), the batch has one draw of
            trial-to-trial noise, and the report's
            hardware time and energy grow by one period per pattern.
        """
        x = np.asarray(first_spike_times, np.float64)
        n_in = len(self.input_gids)
        if x.ndim != 2 or x.shape[1] != n_in:
            raise BadProperty(f"run_batch: first_spike_times must be [batch, {n_in}] "
                              f"(one column per spike_generator), got shape {x.shape}")
        fin = np.isfinite(x)
        if np.any(np.isnan(x)) or np.any(x[fin] < 0) or np.any(x[fin] >= self.sample_period):
            raise BadProperty(f"run_batch: spike times must be np.inf or in [0, "
                              f"{self.sample_period:g}) ms (the sample period)")
        B = x.shape[0]
        P = self.sample_period
        b, i = np.nonzero(fin)
        t = b * P + x[b, i]
        self._check_rate(len(t), B * P)
        em = self.emulator
        em.reset(0.0)
        self.start_run()
        t_s, i_s = em.input_arrivals(t, i)
        out = np.full((B, len(self.neuron_gids)), np.inf)
        if em.acyclic:          # feed-forward: neuron by neuron, no event queue
            nrn, ts = em.run_layered(t_s, i_s, B, P, out)
        else:
            nrn, ts, _ = em.run(t_s, i_s, B * P, period=P)
            pat = np.minimum((ts // P).astype(np.int64), B - 1)
            np.minimum.at(out, (pat, nrn), ts - pat * P)
        hw = self.chip.ms_to_hw(B * P)
        self.last_batch = {"patterns": B, "hardware_time_s": hw,
                           "energy_J": self.chip.power * hw, "spikes": len(ts)}
        return out

    def set_weights(self, sources, targets, W):
        """Change the weights of existing connections between batches (same
        placement and routing; the weight range of the compile stays).

        Parameters
        ----------
        sources, targets : NodeCollection or array of node ids
        W : array_like [len(sources), len(targets)]
            New weights; entries without a connection must be 0.

        Raises
        ------
        BadProperty
            Shape mismatch, unknown node, or a non-zero weight where no
            connection exists.
        HardwareResourceError
            A weight changes sign on a program compiled with ``signed=False``
            (its connections have a row of one sign only).
        """
        s_ids = _ids(sources)
        t_ids = _ids(targets)
        W = np.asarray(W, np.float64)
        if W.shape != (len(s_ids), len(t_ids)):
            raise BadProperty(f"set_weights: W must be [{len(s_ids)}, {len(t_ids)}], "
                              f"got {W.shape}")
        net = self.net
        si = _position(s_ids, net.source)
        ti = _position(t_ids, net.target)
        sel = np.flatnonzero((si >= 0) & (ti >= 0))
        has = np.zeros(W.shape, bool)
        has[si[sel], ti[sel]] = True
        if np.any((W != 0) & ~has):
            a, c = np.argwhere((W != 0) & ~has)[0]
            raise BadProperty(f"set_weights: no connection {s_ids[a]} -> {t_ids[c]} for the "
                              f"non-zero weight W[{a}, {c}]; the program keeps its routing "
                              "(compile again to add connections)")
        new = net.weight.copy()
        new[sel] = W[si[sel], ti[sel]]
        from pynestlite.hardware.compiler import quantize
        q = quantize(new, self.chip, self.quantized.weight_range)
        if not self.signed:
            flip = (q.sign != self.quantized.sign) & (q.level > 0) & (self.quantized.level > 0)
            if np.any(flip):
                k = int(np.flatnonzero(flip)[0])
                raise HardwareResourceError(
                    f"synapse rows: connection {net.source[k]} -> {net.target[k]} changes sign "
                    "but was routed with one row (compile with signed=True for two rows per "
                    "connection)")
        net.weight = new
        self.quantized = q
        self.emulator.set_weights(self.effective_weights())
        self.report.update(weight_rmse=q.rmse, weight_max_error=q.max_error,
                           weights_clipped=q.clipped)


def _ids(nodes):
    ids = getattr(nodes, "ids", None)
    if ids is None:
        ids = np.atleast_1d(np.asarray(nodes, np.int64))
    return np.asarray(ids, np.int64)


def _position(ids, values):
    """Index of each value in ``ids`` (-1 where absent)."""
    order = np.argsort(ids, kind="stable")
    srt = ids[order]
    pos = np.searchsorted(srt, values)
    pos = np.minimum(pos, len(srt) - 1) if len(srt) else pos
    ok = len(srt) > 0
    out = np.full(len(values), -1, np.int64)
    if ok:
        hit = srt[pos] == values
        out[hit] = order[pos[hit]]
    return out
