"""The forward pass on the emulated BrainScaleS-2 chip (in-the-loop training).

:class:`EmulatorForward` builds the layered network with pynestlite's PyNEST
API (spike_generators -> iaf_psc_exp layers), compiles it once for the chip
(``pynestlite.hardware.compile``: two synapse rows per connection so that
weights may change sign) and is then a ``forward(weights, input_times)``
for ``training.Trainer``: per batch it writes the weights
(``Program.set_weights``), presents all patterns as one concatenated spike
train (``Program.run_batch``) and returns the measured first-spike times.
The chip brings its own noise (fixed-pattern per circuit, trial-to-trial
per batch) and its 6-bit weights; the trainer's backward pass uses the
measured times with the nominal parameters.

Axonal delays (``spec["delays"]``): every presynaptic channel of a layer
(the inputs, the hidden neurons) sends through a parrot neuron on the chip
(its connections get the delay d tau_s + latency); per batch the trainer's
delays are written with ``Program.set_delays`` (8-bit hold grid, jitter per
repeated spike, both the chip's).

Units.  The trainer works in units of tau_s with C_m = 1, E_L = 0; the chip
network uses tau_s = ``tau_ms`` of model time (6 ms = 6 µs on the chip):
tau_m = tau_ms / g_leak, C_m = tau_ms pF (so g_L = g_leak nS), V_th =
threshold mV, and a weight w (dimensionless) is w pA.  The chip's event
latency d (one resolution step) delays every hop; bias spikes of layer l are
sent l * d later and the returned times of layer l are shifted back by
(l + 1) * d, so that the measured times are those of the model.
"""
import numpy as np

import pynestlite as nest
from pynestlite import hardware


class EmulatorForward:
    """Forward pass on the emulated chip.

    Parameters
    ----------
    spec : dict
        ``network.network_spec`` of the network.
    weight_range : float
        Largest weight magnitude the synapses hold (6-bit steps of it).
    chip : pynestlite.hardware.Chip, optional
        Default BrainScaleS-2.
    chip_seed : int
        The chip instance.
    tau_ms : float
        tau_s in model ms.
    """

    def __init__(self, spec, weight_range, chip=None, chip_seed=0, tau_ms=6.0):
        self.spec = spec
        self.tau = tau_ms
        nest.ResetKernel()
        nest.resolution = 0.01
        self.d = 0.01 / tau_ms                 # event latency in tau_s
        L = len(spec["layer_sizes"])
        inputs = nest.Create("spike_generator", spec["n_inputs"])
        biases = [nest.Create("spike_generator", len(b)) if len(b) else None
                  for b in spec["bias_times"]]
        layers = []
        for l, n in enumerate(spec["layer_sizes"]):
            g = spec["g_leak"][l]
            layers.append(nest.Create("iaf_psc_exp", n, params={
                "tau_m": tau_ms / g, "tau_syn_ex": tau_ms, "tau_syn_in": tau_ms,
                "C_m": tau_ms, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0,
                "V_th": spec["threshold"][l], "t_ref": 30.0}))
        self.pre = []
        dcfg = spec.get("delays")
        # delayed channels start at the middle of the delay range
        d0 = 0.01 + (dcfg["shift"] + 0.5 * dcfg["scale"]) * tau_ms if dcfg else 0.01
        for l in range(L):
            for pre, d in ((inputs if l == 0 else layers[l - 1], d0), (biases[l], 0.01)):
                if pre is not None:
                    nest.Connect(pre, layers[l], "all_to_all",
                                 syn_spec={"weight": weight_range / 2, "delay": d})
            # the trainer's weight rows: presynaptic channels, then bias inputs
            ids = [(inputs if l == 0 else layers[l - 1]).ids]
            if biases[l] is not None:
                ids.append(biases[l].ids)
            self.pre.append(np.concatenate(ids).astype(np.int64))
        self.layers = layers
        self.channels = [inputs] + layers[:-1]      # the delayed channels of each layer
        self.program = hardware.compile(chip, weight_range=weight_range, chip_seed=chip_seed,
                                        latency=0.01)
        # bias columns of run_batch: generators in gid order after the inputs
        self.bias_cols = [np.asarray(b, np.float64) * tau_ms + l * 0.01
                          for l, b in enumerate(spec["bias_times"])]
        self.samples = 0
        self.hardware_time = 0.0
        self.energy = 0.0

    def __call__(self, weights, input_times, delays=None):
        if (delays is not None) != bool(self.spec.get("delays")):
            raise ValueError("EmulatorForward: delays are given exactly when the network "
                             "spec has them")
        for l, w in enumerate(weights):
            self.program.set_weights(self.pre[l], self.layers[l], w)
        if delays is not None:
            for l, d in enumerate(delays):
                self.program.set_delays(self.channels[l], np.asarray(d) * self.tau + 0.01)
        x = np.asarray(input_times, np.float64) * self.tau
        bias = np.concatenate(self.bias_cols) if self.bias_cols else np.empty(0)
        cols = np.concatenate([x, np.broadcast_to(bias, (len(x), len(bias)))], axis=1)
        out = self.program.run_batch(cols)
        self.samples += len(x)
        self.hardware_time += self.program.last_batch["hardware_time_s"]
        self.energy += self.program.last_batch["energy_J"]
        res, start = [], 0
        for l, n in enumerate(self.spec["layer_sizes"]):
            res.append(out[:, start:start + n] / self.tau - (l + 1) * self.d)
            start += n
        return res
