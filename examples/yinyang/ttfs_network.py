"""Layered time-to-first-spike networks: structure, software forward pass,
backward pass with given (computed or measured) spike times, axonal delays,
weight quantisation.

Network structure (``network_spec``)
------------------------------------
Neuron layer l = 0 .. L-1 has ``layer_sizes[l]`` neurons and the weight
matrix ``weights[l]`` of shape [n_in_l, n_out_l] (float64, current units,
C_m = 1, time unit tau_s).  Its rows are, in this order:

1. the presynaptic population: for l = 0 the input channels
   (``n_inputs * multiplex`` columns of the input times, the ``multiplex``
   copies of feature f being the contiguous columns f*m .. f*m + m - 1),
   for l > 0 the neurons of layer l - 1;
2. ``len(bias_times[l])`` bias inputs spiking at the fixed times
   ``bias_times[l]`` in every sample.

The input times of layer l are (``layer_inputs``)

    t_in_l = [ t_pre + d_l ,  bias_times[l] ]

with ``d_l`` the axonal delays of the presynaptic population (one per
presynaptic channel, absent = 0).  Bias inputs are never delayed.

Pluggable forward pass
----------------------
A forward pass is any callable

    forward(weights, input_times, delays=None) -> [t_0, ..., t_{L-1}]

* ``weights``: list of float64 arrays [n_in_l, n_out_l] -- the weights to
  emulate (already quantised when the trainer quantises),
* ``input_times``: float64 [B, n_inputs * multiplex] -- spike times of the
  input channels in tau_s (np.inf = no spike), without bias inputs,
* ``delays``: None, or a list with one entry per layer, each None or a
  float64 array [n_pre_l] of axonal delays (tau_s) of the presynaptic
  channels of that layer (the trainer passes it only for networks with
  delays),
* returns one float64 array [B, n_out_l] of first-spike times (tau_s,
  np.inf = no spike) per neuron layer, before any axonal delay.

``SoftwareForward`` is the closed-form implementation (optionally with the
hardware-like threshold noise and delay jitter); an emulator of a chip can be
passed instead.
"""
import numpy as np

try:
    from . import ttfs
except ImportError:
    import ttfs


def _per_layer(value, n_layers):
    """A scalar or per-layer list -> list of length n_layers."""
    if np.ndim(value) == 0:
        return [value] * n_layers
    assert len(value) == n_layers
    return list(value)


def network_spec(config):
    """Structure of the network of a configuration.

    Parameters
    ----------
    config : dict
        A configuration (see ``configs.py``); uses ``config["network"]``.

    Returns
    -------
    dict
        ``n_inputs`` (input channels incl. multiplexing), ``n_features``,
        ``multiplex``, ``layer_sizes``, ``n_pre`` (presynaptic channels per
        layer), ``n_in`` (weight rows per layer), ``bias_times`` (list of lists),
        ``g_leak``, ``threshold`` (per layer), ``threshold_noise_fp``
        ((mean, std), per-neuron offset drawn once), ``threshold_noise_b2b``
        (std of the per-batch offset), ``delay_jitter`` (std of Gaussian noise
        on delayed spike times), ``delays`` (None or dict with ``shift``,
        ``scale``).
    """
    net = config["network"]
    sizes = list(net["layer_sizes"])
    L = len(sizes)
    m = int(net.get("multiplex", 1))
    n_inputs = int(net["n_inputs"]) * m
    bias = net.get("bias_times") or [[] for _ in range(L)]
    bias = [list(b) for b in bias]
    n_pre = [n_inputs] + sizes[:-1]
    return {
        "n_features": int(net["n_inputs"]),
        "multiplex": m,
        "n_inputs": n_inputs,
        "layer_sizes": sizes,
        "n_pre": n_pre,
        "n_in": [n_pre[l] + len(bias[l]) for l in range(L)],
        "bias_times": bias,
        "g_leak": [float(g) for g in _per_layer(net.get("g_leak", 1.0), L)],
        "threshold": [float(th) for th in _per_layer(net.get("threshold", 1.0), L)],
        "threshold_noise_fp": tuple(net.get("threshold_noise_fp", (0.0, 0.0))),
        "threshold_noise_b2b": float(net.get("threshold_noise_b2b", 0.0)),
        "delay_jitter": float(net.get("delay_jitter", 0.0)),
        "delays": net.get("delays"),
    }


def multiplex(times, factor):
    """Repeat every input channel ``factor`` times (copies contiguous): [B, F] -> [B, F*factor]."""
    return np.repeat(times, factor, axis=1) if factor > 1 else times


def layer_inputs(pre_times, bias_times=(), delays=None, jitter=0.0, rng=None):
    """Input times of a neuron layer: delayed presynaptic times, then bias spikes.

        t_in = [ t_pre + d (+ N(0, jitter^2)) ,  bias_times ]

    Parameters
    ----------
    pre_times : ndarray, shape (B, n_pre)
        Presynaptic spike times (np.inf = no spike).
    bias_times : sequence of float
        Bias spike times of this layer.
    delays : ndarray, shape (n_pre,), optional
        Axonal delays.
    jitter : float
        Standard deviation of Gaussian jitter on the delayed times (needs ``rng``).
    rng : numpy.random.Generator, optional

    Returns
    -------
    ndarray, shape (B, n_pre + len(bias_times))
    """
    t = np.asarray(pre_times, dtype=np.float64)
    if delays is not None:
        t = t + delays[None, :]
        if jitter:
            t = t + jitter * rng.standard_normal(t.shape)
    if len(bias_times):
        t = np.concatenate([t, np.broadcast_to(np.asarray(bias_times, float), (len(t), len(bias_times)))], axis=1)
    return t


def quantise(w, w_clip, n_bits=None):
    """Clip weights to [-w_clip, w_clip] and round to 2 * 2^n_bits - 1 levels.

        step = w_clip / (2^n_bits - 1),  w_q = step * round(clip(w) / step)

    Parameters
    ----------
    w : ndarray
        Weights.
    w_clip : float or None
        Clipping bound (None: no clipping, no quantisation).
    n_bits : int, optional
        Magnitude bits (sign extra); None: clip only.

    Returns
    -------
    ndarray
    """
    if w_clip is None:
        return w
    w = np.clip(w, -w_clip, w_clip)
    if n_bits is None:
        return w
    step = w_clip / (2 ** n_bits - 1)
    return np.round(w / step) * step


def sigmoid(x):
    """Logistic function 1 / (1 + e^{-x})."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def effective_delays(theta, shift, scale, repeat=1):
    """Axonal delays from their parameters: d = shift + scale * sigmoid(theta).

    ``repeat`` > 1 shares each parameter across ``repeat`` contiguous
    channels (multiplexed input copies).

    Returns
    -------
    d : ndarray
        Delays per channel.
    dd_dtheta : ndarray
        scale * sigmoid'(theta), per parameter.
    """
    s = sigmoid(theta)
    d = shift + scale * s
    return np.repeat(d, repeat), scale * s * (1.0 - s)


class SoftwareForward:
    """Closed-form forward pass of a network, with optional hardware-like noise.

    Per layer l: t_l = spike_times(layer_inputs(t_{l-1}, bias_times[l], d_l),
    weights[l], g_leak[l], theta_l) with

        theta_l = threshold[l] + fp_l + b2b_l,
        fp_l  ~ N(mean_fp, std_fp^2) per neuron, drawn once here,
        b2b_l ~ N(0, std_b2b^2) per neuron, redrawn at every call (one batch),

    and Gaussian jitter (std ``delay_jitter``) on delayed spike times when
    delays are given.

    Parameters
    ----------
    spec : dict
        ``network_spec`` of the network.
    seed : int or numpy.random.SeedSequence, optional
        Seed of the noise.
    noise : bool
        False: ignore the noise settings of ``spec`` (ideal forward).
    """

    def __init__(self, spec, seed=None, noise=True):
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self.noise = noise
        mean, std = spec["threshold_noise_fp"]
        self.fp = [mean + std * self.rng.standard_normal(n) if noise and (mean or std) else np.zeros(n)
                   for n in spec["layer_sizes"]]

    def thresholds(self):
        """Thresholds of the next call, one array [n_out_l] per layer."""
        b2b = self.spec["threshold_noise_b2b"] if self.noise else 0.0
        out = []
        for th, fp in zip(self.spec["threshold"], self.fp):
            th = th + fp
            if b2b:
                th = th + b2b * self.rng.standard_normal(len(fp))
            out.append(th)
        return out

    def __call__(self, weights, input_times, delays=None):
        spec = self.spec
        jitter = spec["delay_jitter"] if self.noise else 0.0
        thresholds = self.thresholds()
        t = input_times
        outputs = []
        for l, w in enumerate(weights):
            d = None if delays is None else delays[l]
            t_in = layer_inputs(t, spec["bias_times"][l], d, jitter, self.rng)
            t = ttfs.spike_times(t_in, w, spec["g_leak"][l], thresholds[l])
            outputs.append(t)
        return outputs


def network_backward(spec, weights, input_times, outputs, delta_out, delays=None, max_dw=None,
                     form="implicit"):
    """Gradients of a batch loss with respect to weights and axonal delays.

    Layer by layer from the top, with the nominal layer inputs
    t_in_l = layer_inputs(t_{l-1}, bias_times[l], d_l) built from the given
    output times (computed or measured) and ``ttfs.layer_backward``:

        dL/dw_l, dL/dt_in_l = layer_backward(t_in_l, w_l, t_l, dL/dt_l)
        dL/dt_{l-1} = dL/dt_in_l[:, :n_pre_l],   dL/dd_l = sum_b dL/dt_in_l[b, :n_pre_l]

    Parameters
    ----------
    spec : dict
        ``network_spec``.
    weights : list of ndarray
        Weights used in the forward pass.
    input_times : ndarray, shape (B, n_inputs)
        Input channel times.
    outputs : list of ndarray
        Output times of every layer (from the forward pass).
    delta_out : ndarray, shape (B, n_classes)
        dL/dt of the label layer (gradient of the batch loss).
    delays : list, optional
        Axonal delays per layer as passed to the forward pass.
    max_dw : float, optional
        Per-sample weight-gradient clipping (see ``ttfs.layer_backward``).
    form : {"implicit", "nominal"}
        The spike-time gradients (see ``ttfs.layer_backward``; ``"nominal"``
        evaluates them at the layer's nominal threshold).

    Returns
    -------
    grads_w : list of ndarray
        dL/dw per layer.
    grads_d : list
        dL/dd per layer ([n_pre_l] arrays, None where no delays).
    n_clipped : int
        Clipped (sample, neuron) pairs over all layers.
    """
    L = len(weights)
    grads_w, grads_d = [None] * L, [None] * L
    delta = delta_out
    n_clipped = 0
    for l in range(L - 1, -1, -1):
        pre = input_times if l == 0 else outputs[l - 1]
        d = None if delays is None else delays[l]
        t_in = layer_inputs(pre, spec["bias_times"][l], d)
        gw, delta_in, nc = ttfs.layer_backward(t_in, weights[l], outputs[l], delta,
                                               spec["g_leak"][l], max_dw, form,
                                               spec["threshold"][l])
        n_clipped += nc
        grads_w[l] = gw
        delta = delta_in[:, :pre.shape[1]]
        if d is not None:
            grads_d[l] = delta.sum(axis=0)
    return grads_w, grads_d, n_clipped
