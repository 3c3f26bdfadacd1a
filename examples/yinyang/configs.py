"""Configurations of the Yin-Yang time-to-first-spike experiments.

Units: times in tau_s, C_m = 1, E_l = 0, weights are currents; g_leak = 1
means tau_m = tau_s, g_leak = 0.5 means tau_m = 2 tau_s.

Keys
----
network:
    n_inputs (features), multiplex (copies per input channel), layer_sizes,
    bias_times (per layer, list of times), g_leak, threshold (scalar or per
    layer), weight_init (per layer (mean, std) of a normal distribution),
    delays (None or {shift, scale, init: (mean, std) of theta, lr}: axonal
    delays d = shift + scale * sigmoid(theta) on the presynaptic channels of
    every layer), threshold_noise_fp ((mean, std), per neuron, fixed),
    threshold_noise_b2b (std, per neuron, redrawn per batch), delay_jitter
    (std of Gaussian noise on delayed spikes).
encoding:
    t_early, t_late.
training:
    epochs, batch_size, lr, betas, eps, lr_step / lr_gamma (step schedule per
    epoch), loss ({type: "ce", xi, alpha, beta} or {type: "dmse", delta_t}),
    max_dw (per-sample gradient clipping), bump_value, bump_exponential,
    max_missing (per layer), weight_clip, weight_bits (shadow-weight
    quantisation to 2 * 2^bits - 1 levels in [-weight_clip, weight_clip]),
    backward ("implicit", the default: the exact gradient at the given
    spike times; "nominal": the closed forms at the nominal threshold, as
    the thesis trains on hardware; see ``ttfs.layer_backward``).
data:
    {split: (size, seed)}.
"""
import copy

DATA = {"train": (5000, 42), "validation": (1000, 41), "test": (1000, 40)}

# Target 1: 5-120-3 (4 features + bias), tau_m = tau_s, cross-entropy (software hyperparameters).
TARGET1 = {
    "name": "target1",
    "network": {
        "n_inputs": 4, "multiplex": 1, "layer_sizes": [120, 3],
        "bias_times": [[0.9], [0.9]],
        "g_leak": 1.0, "threshold": 1.0,
        "weight_init": [(1.5, 0.8), (0.5, 0.8)],
        "delays": None,
        "threshold_noise_fp": (0.0, 0.0), "threshold_noise_b2b": 0.0, "delay_jitter": 0.0,
    },
    "encoding": {"t_early": 0.15, "t_late": 2.0},
    "training": {
        "epochs": 300, "batch_size": 150, "lr": 0.005, "betas": (0.9, 0.999), "eps": 1e-8,
        "lr_step": 20, "lr_gamma": 0.95,
        "loss": {"type": "ce", "xi": 0.2, "alpha": 0.005, "beta": 1.0},
        "max_dw": 0.2, "bump_value": 0.0005, "bump_exponential": True, "max_missing": [0.3, 0.0],
        "weight_clip": None, "weight_bits": None,
    },
    "data": DATA,
}

# Target 2: 4-30-3, tau_m = 2 tau_s, shift-invariant MSE, ideal simulation; weights only.
TARGET2_WEIGHTS = {
    "name": "target2_weights",
    "network": {
        "n_inputs": 4, "multiplex": 1, "layer_sizes": [30, 3],
        "bias_times": [[], []],
        "g_leak": 0.5, "threshold": 1.0,
        "weight_init": [(1.0, 1.0), (1.0, 1.0)],
        "delays": None,
        "threshold_noise_fp": (0.0, 0.0), "threshold_noise_b2b": 0.0, "delay_jitter": 0.0,
    },
    "encoding": {"t_early": 0.15, "t_late": 2.0},
    "training": {
        "epochs": 300, "batch_size": 150, "lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8,
        "lr_step": 20, "lr_gamma": 0.95,
        "loss": {"type": "dmse", "delta_t": 0.2},
        "max_dw": 0.2, "bump_value": 0.0005, "bump_exponential": True, "max_missing": [0.3, 0.0],
        "weight_clip": None, "weight_bits": None,
    },
    "data": DATA,
}

# Target 2 with axonal delays on the inputs and on the hidden neurons.
TARGET2_DELAYS = copy.deepcopy(TARGET2_WEIGHTS)
TARGET2_DELAYS["name"] = "target2_delays"
TARGET2_DELAYS["network"]["delays"] = {"shift": 0.0, "scale": 1.0, "init": (0.0, 0.25), "lr": 0.01}

# Target 3: hardware-aware simulation: tau_m = tau_s, threshold 2.6, inputs x5, 6-bit weights in
# [-2.1, 2.1] (step 1/30) with shadow weights, fixed and per-batch threshold noise; weights only.
TARGET3_WEIGHTS = {
    "name": "target3_weights",
    "network": {
        "n_inputs": 4, "multiplex": 5, "layer_sizes": [30, 3],
        "bias_times": [[], []],
        "g_leak": 1.0, "threshold": 2.6,
        "weight_init": [(1.0, 0.12), (0.075, 0.15)],
        "delays": None,
        "threshold_noise_fp": (0.13, 0.08), "threshold_noise_b2b": 0.04, "delay_jitter": 0.01,
    },
    "encoding": {"t_early": 0.15, "t_late": 2.0},
    "training": {
        "epochs": 300, "batch_size": 40, "lr": 0.002, "betas": (0.9, 0.999), "eps": 1e-8,
        "lr_step": 20, "lr_gamma": 0.95,
        "loss": {"type": "dmse", "delta_t": 0.3},
        "max_dw": 0.2, "bump_value": 0.0005, "bump_exponential": True, "max_missing": [0.05, 0.05],
        "weight_clip": 2.1, "weight_bits": 6,
        # the thesis' backward pass: W(z) at the nominal threshold 2.6 (Ch. 5 eqs. 24-25; its
        # code's backward as well), so the threshold offsets of the forward pass bias the
        # gradient; "implicit" (exact at the measured times) absorbs them (see README)
        "backward": "nominal",
    },
    "data": DATA,
}

# Target 3 with axonal delays in [2.0, 3.5] (shared by the five copies of an input).
TARGET3_DELAYS = copy.deepcopy(TARGET3_WEIGHTS)
TARGET3_DELAYS["name"] = "target3_delays"
TARGET3_DELAYS["network"]["delays"] = {"shift": 2.0, "scale": 1.5, "init": (0.0, 0.5), "lr": 0.002}

CONFIGS = {c["name"]: c for c in (TARGET1, TARGET2_WEIGHTS, TARGET2_DELAYS, TARGET3_WEIGHTS, TARGET3_DELAYS)}


def get(name, **training_overrides):
    """Deep copy of a named configuration, with optional ``training`` entries replaced."""
    cfg = copy.deepcopy(CONFIGS[name])
    cfg["training"].update(training_overrides)
    return cfg
