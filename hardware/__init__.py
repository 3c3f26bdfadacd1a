"""The hardware target: compile a network to an emulated accelerated chip.

``nest.SetKernelStatus({"target": "brainscales2"})`` makes ``Simulate``
(and ``Run``) compile the network built with Create/Connect for the default
chip (:data:`BRAINSCALES2`) and run it on the event-driven emulator; spikes
land in the spike_recorders, one membrane trace in a multimeter, and
``nest.GetKernelStatus("hardware_report")`` is the program's resource
report.  ``"chip_seed"`` picks the emulated chip instance (its
fixed-pattern noise), ``"hardware_latency"`` the event latency (delays
longer than it go through parrot neurons; default the smallest delay).

:func:`compile` returns the :class:`Program` for in-the-loop learning
(``run_batch``, ``set_weights``, ``set_delays``).  Connection delays
longer than the chip's event latency are axonal delays through parrot
neurons (one per delayed source).  Passes: :mod:`.compiler` (validate,
place, route, quantize, emit); the chip: :mod:`.chip`; the emulator:
:mod:`.emulator`.
"""
import numpy as np

from pynestlite.hardware.chip import BRAINSCALES2, Chip
from pynestlite.hardware.compiler import (
    compile_network, emit, place, quantize, route, validate)
from pynestlite.hardware.network import read_network
from pynestlite.hardware.program import Program, Report

__all__ = ["BRAINSCALES2", "Chip", "Program", "Report", "compile", "validate", "place",
           "route", "quantize", "emit", "read_network", "TARGETS"]

#: kernel ``target`` values and their chips
TARGETS = {"brainscales2": BRAINSCALES2}


def compile(chip=None, *, signed=True, circuits_per_neuron=None, weight_range=None,
            chip_seed=None, latency=None):
    """Compile the network built so far for ``chip``.

    Parameters
    ----------
    chip : Chip, optional
        Default: :data:`BRAINSCALES2`.
    signed : bool
        Two synapse rows (one excitatory, one inhibitory) per connection, so
        that weights may change sign (as in-the-loop training needs); with
        False one row of the weight's sign.
    circuits_per_neuron : int, optional
        Circuits per logical neuron (default: the fewest that give every
        neuron its fan-in).
    weight_range : float, optional
        Largest weight magnitude the synapses represent (default: the
        largest in the network); it sets the weight step.
    chip_seed : int, optional
        The emulated chip instance (default: the kernel's ``chip_seed``).
    latency : float, optional
        The chip's event latency in model ms (default: the kernel's
        ``hardware_latency``, or if that is None the smallest connection
        delay).  Sources with longer delays send through parrot
        neurons that hold each spike ``delay - latency``.

    Returns
    -------
    Program

    Raises
    ------
    HardwareResourceError
        The network does not fit (fan-in, neuron circuits, synapse rows,
        external sources): names the resource, what was asked, what exists
        and the population.
    HardwareUnsupportedError
        A model, synapse, device or recording the chip lacks, or a
        parameter outside the calibratable range.
    """
    from pynestlite.engine import kernel
    if chip is None:
        chip = BRAINSCALES2
    if not isinstance(chip, Chip):
        from pynestlite.errors import BadProperty
        raise BadProperty(f"compile: chip must be a pynestlite.hardware.Chip, got {chip!r}")
    if chip_seed is None:
        chip_seed = kernel.chip_seed
    if latency is None:
        latency = kernel.hardware_latency
    net = read_network(kernel)
    return compile_network(net, chip, signed=signed, circuits_per_neuron=circuits_per_neuron,
                           weight_range=weight_range, chip_seed=chip_seed, latency=latency)
