"""Description of an accelerated analog neuromorphic chip.

A :class:`Chip` lists what the compiler may use (neuron circuits, synapse
arrays, weight resolution, fan-in, external sources, event rate), the
parameter ranges the chip's calibration reaches (in hardware time), the
speed-up of hardware over model time, the noise of an analog substrate and
the power it draws.  :data:`BRAINSCALES2` is the default instance; another
chip is another instance (``dataclasses.replace(BRAINSCALES2, ...)`` or a
new :class:`Chip`), no code changes.

Resource model
--------------
Neuron circuits sit in the columns of ``synapse_arrays`` arrays of
``synapse_rows`` x ``synapse_columns`` synapses (BrainScaleS-2: two
hemispheres of 256 x 256; 512 circuits).  A circuit integrates the synapses
of its column.  A logical neuron is made of ``c`` circuits in the same
column of ``c`` arrays (``c <= max_circuits_per_neuron``); its fan-in is
``c * synapse_rows`` synapse rows.  A synapse row carries one sign (all its
synapses are excitatory or all inhibitory), so a connection whose weight may
take either sign takes two rows (one of each).  A row is driven by a synapse
driver; events carry a ``label_bits`` label and a synapse answers one label,
so one row can serve up to ``2**label_bits`` sources as long as they reach
different columns.  External sources are addressed by (driver, label):
``synapse_arrays * synapse_rows / rows_per_driver * 2**label_bits`` of them.

Delays.  Events travel with one latency (the smallest connection delay of a
network, or the ``latency`` asked at compile).  A longer delay is axonal: a
source whose connections all have delay ``d`` sends through a parrot neuron
(one circuit, one synapse) that repeats each of its spikes ``d - latency``
later; that repeat delay is a digital hold time of ``parrot_delay_bits`` in
``parrot_delay_range`` (BrainScaleS-2: the adaptation-rebound parrot of
DelGrad, reliable over 12–21 µs) with trial-to-trial jitter
``parrot_jitter``.  A parrot holding a spike ignores another input until it
has repeated the first.
"""
import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Chip:
    """Resources, limits, noise and power of one accelerated chip.

    Times are hardware seconds unless the name says otherwise; the chip runs
    ``speedup`` times faster than model time (model ms = hardware µs at
    10**3).  Relative noise magnitudes are standard deviations as fractions
    of the nominal value (time constants, synaptic gains) or of the distance
    threshold - leak (threshold, leak).

    Attributes
    ----------
    name : str
        Name shown in reports.
    neuron_circuits : int
        Neuron circuits on the chip.
    synapse_arrays : int
        Synapse arrays; circuits are split evenly over them.
    synapse_rows, synapse_columns : int
        Rows and columns of one array (a column belongs to one circuit).
    weight_bits : int
        Resolution of one synapse weight (unsigned; the sign is the row's).
    max_circuits_per_neuron : int
        Circuits that can be merged into one logical neuron (one per array,
        same column).
    label_bits : int
        Bits of the event label a synapse matches (sources sharing one row).
    rows_per_driver : int
        Synapse rows driven by one synapse driver.
    max_input_event_rate : float
        External input events per hardware second the link carries.
    speedup : float
        Hardware time = model time / speedup.
    tau_m_range, tau_syn_range, t_ref_range, tau_w_range : (float, float)
        Calibratable ranges in hardware seconds (``tau_w``: the adaptation
        time constant of an AdEx circuit).
    min_sample_period : float
        Hardware time between patterns of a batch (decision plus relaxation
        of the previous pattern's currents and membranes).
    relaxation_time_constants : float
        A batch's patterns are at least this many of the network's largest
        time constant apart.
    power : float
        Chip power during a run in W (activity independent).
    fp_tau : float
        Fixed-pattern spread of membrane, synaptic and adaptation time constants.
    fp_gain : float
        Fixed-pattern spread of the synaptic input gain (per circuit, per sign).
    fp_threshold : float
        Fixed-pattern spread of the threshold.
    fp_threshold_mean : float
        Mean fixed-pattern deviation of the threshold, what calibration
        leaves as a bias (BrainScaleS-2: 0.13 at a threshold 2.6 above the
        leak in the thesis' measurements, 0.05 of the distance).
    fp_leak : float
        Fixed-pattern spread of the leak potential.
    t2t_threshold : float
        Trial-to-trial threshold spread, redrawn for every run.
    parrot_delay_range : (float, float)
        Repeat delays a parrot neuron can hold (hardware seconds).
    parrot_delay_bits : int
        Resolution of the repeat delay over ``parrot_delay_range``.
    parrot_jitter : float
        Standard deviation of a repeated spike's time (hardware seconds),
        drawn for every spike.
    """

    name: str = "BrainScaleS-2"
    neuron_circuits: int = 512
    synapse_arrays: int = 2
    synapse_rows: int = 256
    synapse_columns: int = 256
    weight_bits: int = 6
    max_circuits_per_neuron: int = 2
    label_bits: int = 6
    rows_per_driver: int = 2
    max_input_event_rate: float = 125e6
    speedup: float = 1000.0
    tau_m_range: tuple = (0.5e-6, 60e-6)
    tau_syn_range: tuple = (0.3e-6, 30e-6)
    t_ref_range: tuple = (0.04e-6, 32e-6)
    tau_w_range: tuple = (1e-6, 500e-6)
    min_sample_period: float = 48e-6
    relaxation_time_constants: float = 8.0
    power: float = 0.175
    fp_tau: float = 0.05
    fp_gain: float = 0.05
    fp_threshold: float = 0.03
    fp_threshold_mean: float = 0.05
    fp_leak: float = 0.01
    t2t_threshold: float = 0.015
    parrot_delay_range: tuple = (8e-6, 35e-6)
    parrot_delay_bits: int = 8
    parrot_jitter: float = 0.06e-6

    def __post_init__(self):
        from pynestlite.errors import BadProperty
        if self.neuron_circuits != self.synapse_arrays * self.synapse_columns:
            raise BadProperty(
                f"Chip {self.name!r}: neuron_circuits ({self.neuron_circuits}) must equal "
                f"synapse_arrays x synapse_columns ({self.synapse_arrays} x "
                f"{self.synapse_columns}): one circuit per array column")
        if not 1 <= self.max_circuits_per_neuron <= self.synapse_arrays:
            raise BadProperty(
                f"Chip {self.name!r}: max_circuits_per_neuron must lie in 1..synapse_arrays "
                f"({self.synapse_arrays}), got {self.max_circuits_per_neuron}")
        lo, hi = self.parrot_delay_range
        if not 0 < lo < hi or self.parrot_jitter < 0:
            raise BadProperty(f"Chip {self.name!r}: parrot_delay_range must be (lo, hi) with "
                              f"0 < lo < hi and parrot_jitter >= 0, got {self.parrot_delay_range}, "
                              f"{self.parrot_jitter}")
        for key in ("weight_bits", "synapse_rows", "synapse_columns", "rows_per_driver",
                    "parrot_delay_bits"):
            if int(getattr(self, key)) < 1:
                raise BadProperty(f"Chip {self.name!r}: {key} must be >= 1")
        if self.speedup <= 0 or self.power < 0:
            raise BadProperty(f"Chip {self.name!r}: speedup must be > 0 and power >= 0")

    @property
    def weight_levels(self):
        """Largest weight of one synapse (0 .. 2**weight_bits - 1)."""
        return (1 << self.weight_bits) - 1

    @property
    def synapses(self):
        """Synapses on the chip."""
        return self.synapse_arrays * self.synapse_rows * self.synapse_columns

    @property
    def external_sources(self):
        """External spike sources the event interface can address."""
        drivers = self.synapse_arrays * self.synapse_rows // self.rows_per_driver
        return drivers * (1 << self.label_bits)

    @property
    def sources_per_row(self):
        return 1 << self.label_bits

    def ideal(self):
        """The same chip without fixed-pattern and trial-to-trial noise."""
        return dataclasses.replace(self, name=self.name + " (ideal)", fp_tau=0.0, fp_gain=0.0,
                                   fp_threshold=0.0, fp_threshold_mean=0.0, fp_leak=0.0,
                                   t2t_threshold=0.0,
                                   parrot_jitter=0.0)

    def ms_to_hw(self, ms):
        """Model milliseconds to hardware seconds."""
        return ms * 1e-3 / self.speedup

    def hw_to_ms(self, seconds):
        """Hardware seconds to model milliseconds."""
        return seconds * 1e3 * self.speedup

    def quantize_parrot_delay(self, seconds):
        """Repeat delays (hardware seconds, inside ``parrot_delay_range``) on
        the parrot's ``parrot_delay_bits`` grid."""
        import numpy as np
        lo, hi = self.parrot_delay_range
        step = (hi - lo) / ((1 << self.parrot_delay_bits) - 1)
        return lo + np.rint((np.asarray(seconds, np.float64) - lo) / step) * step


BRAINSCALES2 = Chip()
"""BrainScaleS-2: 512 AdEx/LIF circuits in two hemispheres of 256 x 256 6-bit
synapses with row-wise sign, two circuits per logical neuron at most (256
inputs per neuron with signed connections), 10**3 speed-up, time constants
calibratable over 0.5–60 µs (membrane) and 0.3–30 µs (synapse), ~5 % spread
after calibration, 175 mW, 48 µs per sample (decision ~10 µs plus relaxation),
axonal delays by parrot neurons holding 8–35 µs in 8 bits with 60 ns jitter
(0.01 tau_s at tau_s = 6 µs)."""
