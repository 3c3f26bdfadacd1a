"""Config B trained from scratch with pynestlite's event-driven e-prop
(NEST 3.10's ``eprop_iaf_psc_delta`` family).

Network (one copy; the e-prop synapses hold their own weights, so copies
cannot share them)::

    200 spike_generator --1:1, static--> 200 parrot_neuron
        --eprop_synapse W_ih--> 8 eprop_iaf_psc_delta
        --eprop_synapse W_ho--> 12 eprop_readout
    12 eprop_readout --eprop_learning_signal_connection B--> 8 hidden
    12 step_rate_generator (targets) --rate_connection_delayed, receptor 2--> readouts
    1 step_rate_generator (learning window) --receptor 1--> readouts
    12 eprop_readout --rate_connection_delayed, receptor 3--> the other readouts
        (cross entropy only: the softmax's normalization)

All delays 1 ms (h = 1 ms).  Hidden: V_th 1, V_reset 0, E_L 0, C_m 1 (weights
are jumps of V), tau_m 2 ms, t_ref 1 ms; readouts tau_m 2 ms, C_m 1.

Trials run back to back, ``slot`` = 100 bins + ``gap_ms`` steps each; bin t
of slot s is a spike_generator spike at (s slot + t + 1) ms, as in
``network.py``.  The gap (default 10 ms of silence) lets the state of a trial
decay before the next (hidden and readout V_m and the e-prop traces z_bar,
e_bar all decay with tau 2 ms: exp(-10/2) = 0.7 % is left), standing in for
the inference network's V_m = 0 reset.  The learning window is 1 on the 100
readout steps whose V_m the inference's ``"input"`` window
(``reference.WINDOWS``) averages (samples 4..103 ms of the slot, i.e. the
readout updates of steps 3..102) and 0 elsewhere; the target is the one-hot
class there.  The decision is the argmax of the trial-mean V_m over the
window, as in inference.

Loss (``loss``): ``"cross_entropy"`` (default), the per-step cross entropy
-sum_k y*_k log y_k of the softmax y of the readouts' V_m (``eprop_readout``'s
cross-entropy option, the softmax of the previous step, see its docstring),
or ``"mean_squared_error"``, NEST 3.10's loss of this family,
0.5 sum_k (y_k - y*_k)^2 with y = V_m.  The paper's loss is the cross entropy
of the trial-mean V_m; a per-step loss is what a forward-in-time rule can
follow.  With the squared error the readouts have to match 0/1 levels step
by step with a 2-ms membrane and no bias.  In a numpy model of this
training (trials independent, same rule, window and Adam; 4,096 trials, 20
epochs, batch 32, lr 3e-3, symmetric feedback, c_reg 1) the squared error
reaches 70 % test accuracy and then drifts (52-64 % over the next 20
epochs), hidden neurons falling silent on the way, while the cross entropy
reaches 81.7 %; this network with the cross entropy: 78.8 % with that
budget, 86.6 % with 16,384 trials x 10 epochs, batch 32, lr 2e-3.

Optimizer: Adam on every e-prop synapse with ``batch_size`` = trials x slot
steps.  The optimization index of this family counts steps (``t + 1``;
``models/eprop_common.pxd``), so one optimization step covers exactly the
steps of ``batch_trials`` consecutive slots: trial s falls in optimization
step s // batch_trials (its window ends at step s slot + 102 < (s + 1)
slot), and the sum of its gradients, divided by the steps of the batch, is
applied once, at the synapse's first event of the next minibatch.  All trials
of a minibatch therefore see the same weights.  The per-step mean makes the
gradient 1/(batch x slot) of a summed one; Adam is invariant to that scale
(apart from epsilon, set to 1e-8 as in PyTorch, well below the gradients'
RMS), so lr is used as it is.

Feedback ``"symmetric"``: B = W_ho^T, copied from the hidden -> readout
synapses into the learning-signal connections after every minibatch
(symmetric e-prop; the copy lags the readout weights by one minibatch,
because an e-prop synapse applies a minibatch's update at its first event
of the next one).  A B frozen at the initial W_ho^T does not learn the task
(29 % test accuracy after 80 epochs with the squared error, c_reg 10).
``"random"``: fixed U(-0.29, 0.29).

Firing-rate regularization: NEST's ``c_reg`` / ``f_target`` (the gradient of
c_reg/2 (f_av - f_target)^2 with f_av a running mean of the neuron's rate,
time constant given by ``kappa_reg``): it pulls every hidden rate towards
f_target from both sides, whereas the paper's regulariser only penalises
rates above 100 Hz (a relu band).  c_reg = 1 keeps the rates in 120-155 Hz;
10 homogenizes them and swamps the error's gradient (with the cross
entropy of the trial mean, whose per-step error is 100 times smaller, the
network then stays at chance), 0.3 or 0 lets hidden neurons fall silent.

The surrogate gradient is NEST's ``piecewise_linear`` with height 1.25 and
width 0.7 (threshold units): the peak and the half width of the paper's
sigmoid derivative 5 sigma(5x)(1 - sigma(5x)).  The eligibility filter
``kappa`` is the readouts' decay exp(-h / 2 ms).
"""
import time
from dataclasses import dataclass, asdict

import numpy as np

import network

FEEDBACK = ("symmetric", "random")
LOSSES = ("cross_entropy", "mean_squared_error")
RANDOM_FEEDBACK_BOUND = 0.29
WINDOW_FIRST, WINDOW_STEPS = 3, 100       # readout steps 3..102 of a slot


@dataclass
class TrainConfig:
    """Training options.  The defaults of epochs, batch and lr are the
    paper's budget (100 epochs of minibatches of 128 at lr 1e-3; ``run.py``
    trains 10 epochs of 32 at lr 2e-3 by default); loss, feedback and c_reg
    default to what learns the task (module docstring).

    Attributes
    ----------
    epochs : int
    batch_trials : int
        Trials per minibatch (the paper's 128).
    lr : float
        Adam's eta.
    feedback : {"symmetric", "random"}
    loss : {"cross_entropy", "mean_squared_error"}
    c_reg, f_target, kappa_reg : float
        Firing-rate regularization of the hidden neurons (Hz for f_target).
    surrogate_height, surrogate_width : float
        ``piecewise_linear`` surrogate gradient.
    gap_ms : float
        Silent ms after each trial's 100 bins.
    tau, t_ref, dt : float
        Membrane time constant, hidden refractory time, resolution (ms).
    seed : int
        numpy seed of the initial weights, feedback and shuffling.
    """
    epochs: int = 100
    batch_trials: int = 128
    lr: float = 1e-3
    feedback: str = "symmetric"
    loss: str = "cross_entropy"
    c_reg: float = 1.0
    f_target: float = 130.0
    kappa_reg: float = 0.99
    surrogate_height: float = 1.25
    surrogate_width: float = 0.7
    gap_ms: float = 10.0
    tau: float = 2.0
    t_ref: float = 1.0
    dt: float = 1.0
    seed: int = 1

    def check(self):
        """Raise ValueError for an option out of range."""
        if self.feedback not in FEEDBACK:
            raise ValueError(f"feedback must be one of {FEEDBACK}, got {self.feedback!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        for name in ("epochs", "batch_trials"):
            v = getattr(self, name)
            if int(v) != v or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        for name in ("lr", "tau", "dt", "surrogate_height", "surrogate_width"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("c_reg", "f_target", "t_ref", "gap_ms"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        if not 0 <= self.kappa_reg < 1:
            raise ValueError(f"kappa_reg must be in [0, 1), got {self.kappa_reg!r}")
        if self.dt != 1.0:
            raise ValueError("the data have 1 ms bins: dt must be 1.0")
        return self


def initial_weights(n_in, n_hid, n_cls, seed):
    """The notes' initialisation, seeded: W_ih ~ U(-1/sqrt(n_hid), 1/sqrt(n_hid)),
    W_ho ~ U(-1/sqrt(n_cls), 1/sqrt(n_cls)) (PyTorch's fan-in bound on the
    (in, out) matrices), drawn in that order from RandomState(seed).

    Returns
    -------
    (W_ih (n_in, n_hid), W_ho (n_hid, n_cls), rng)
    """
    rng = np.random.RandomState(seed)
    b1, b2 = 1 / np.sqrt(n_hid), 1 / np.sqrt(n_cls)
    W_ih = rng.uniform(-b1, b1, (n_in, n_hid))
    W_ho = rng.uniform(-b2, b2, (n_hid, n_cls))
    return W_ih, W_ho, rng


def feedback_weights(kind, W_ho, rng):
    """Feedback B (hidden, classes): W_ho itself (symmetric; the network
    copies W_ho into it after every minibatch) or U(-0.29, 0.29) drawn from
    ``rng``."""
    if kind == "symmetric":
        return np.array(W_ho, np.float64)
    if kind == "random":
        return rng.uniform(-RANDOM_FEEDBACK_BOUND, RANDOM_FEEDBACK_BOUND, W_ho.shape)
    raise ValueError(f"feedback must be one of {FEEDBACK}, got {kind!r}")


class EpropNetwork:
    """The e-prop network of the module docstring, built once; minibatches
    of trials run through it in sequence (one Simulate each).

    Parameters
    ----------
    W_ih, W_ho, B : ndarray
        Initial weights (inputs, hidden), (hidden, classes) and feedback
        (hidden, classes).
    cfg : TrainConfig
    bins : int
        Bins of a trial.
    optimizer : dict, optional
        Replaces the Adam optimizer (e.g. ``{"type": "gradient_descent",
        "eta": ...}``; ``batch_size`` is always set from the minibatch).
    simulator : module, optional
        A PyNEST-compatible module instead of pynestlite.
    """

    def __init__(self, W_ih, W_ho, B, cfg, bins=100, optimizer=None, simulator=None):
        cfg.check()
        self.cfg = cfg
        self.W_ih, self.W_ho = np.asarray(W_ih, np.float64), np.asarray(W_ho, np.float64)
        self.B = np.asarray(B, np.float64)
        self.n_in, self.n_hid = self.W_ih.shape
        self.n_cls = self.W_ho.shape[1]
        if self.W_ho.shape[0] != self.n_hid or self.B.shape != self.W_ho.shape:
            raise ValueError(f"W_ih {self.W_ih.shape}, W_ho {self.W_ho.shape} and B "
                             f"{self.B.shape} do not chain")
        self.bins = int(bins)
        gap = int(round(cfg.gap_ms / cfg.dt))
        if self.bins + gap < WINDOW_FIRST + WINDOW_STEPS:
            raise ValueError(f"gap_ms must be >= {WINDOW_FIRST + WINDOW_STEPS - self.bins} "
                             "ms so a trial's window ends inside its slot")
        self.slot = self.bins + gap
        self.trials_run = 0
        self.nest, self.comm = network._simulator(simulator)
        self._build(optimizer)

    def _build(self, optimizer):
        nest, cfg = self.nest, self.cfg
        nest.ResetKernel()
        nest.set_verbosity("M_ERROR")
        nest.SetKernelStatus({"resolution": cfg.dt, "print_time": False})
        kappa = float(np.exp(-cfg.dt / cfg.tau))
        hidden = {"C_m": 1.0, "E_L": 0.0, "V_m": 0.0, "V_th": 1.0, "V_reset": 0.0,
                  "t_ref": cfg.t_ref, "tau_m": cfg.tau, "I_e": 0.0,
                  "c_reg": cfg.c_reg, "f_target": cfg.f_target, "kappa": kappa,
                  "kappa_reg": cfg.kappa_reg,
                  "surrogate_gradient_function": "piecewise_linear",
                  "surrogate_gradient_height": cfg.surrogate_height,
                  "surrogate_gradient_width": cfg.surrogate_width,
                  "flush_event_send_interval": float(self.slot * cfg.dt)}
        readout = {"C_m": 1.0, "E_L": 0.0, "V_m": 0.0, "tau_m": cfg.tau, "I_e": 0.0,
                   "loss": cfg.loss}
        opt = {"type": "adam", "eta": cfg.lr, "beta_1": 0.9, "beta_2": 0.999,
               "epsilon": 1e-8}
        if optimizer is not None:
            opt = dict(optimizer)
        opt.update(batch_size=cfg.batch_trials * self.slot, optimize_each_step=True,
                   Wmin=-100.0, Wmax=100.0)
        nest.SetDefaults("eprop_synapse", {"optimizer": opt})
        self.gens = nest.Create("spike_generator", self.n_in)
        self.parrots = nest.Create("parrot_neuron", self.n_in)
        self.hidden = nest.Create("eprop_iaf_psc_delta", self.n_hid, hidden)
        self.readouts = nest.Create("eprop_readout", self.n_cls, readout)
        self.targets = nest.Create("step_rate_generator", self.n_cls)
        self.window = nest.Create("step_rate_generator")
        d = cfg.dt
        one = {"rule": "one_to_one"}
        dense = {"rule": "all_to_all"}
        nest.Connect(self.gens, self.parrots, one, {"delay": d})
        # all_to_all weights are (targets, sources)
        nest.Connect(self.parrots, self.hidden, dense,
                     {"synapse_model": "eprop_synapse", "delay": d, "weight": self.W_ih.T})
        nest.Connect(self.hidden, self.readouts, dense,
                     {"synapse_model": "eprop_synapse", "delay": d, "weight": self.W_ho.T})
        nest.Connect(self.readouts, self.hidden, dense,
                     {"synapse_model": "eprop_learning_signal_connection", "delay": d,
                      "weight": self.B})
        nest.Connect(self.targets, self.readouts, one,
                     {"synapse_model": "rate_connection_delayed", "delay": d,
                      "receptor_type": 2})
        nest.Connect(self.window, self.readouts, dense,
                     {"synapse_model": "rate_connection_delayed", "delay": d,
                      "receptor_type": 1})
        if cfg.loss == "cross_entropy":
            nest.Connect(self.readouts, self.readouts,
                         {"rule": "all_to_all", "allow_autapses": False},
                         {"synapse_model": "rate_connection_delayed", "delay": d,
                          "receptor_type": 3})
        self.feedback = nest.GetConnections(
            source=self.readouts, target=self.hidden,
            synapse_model="eprop_learning_signal_connection")
        self.feedback_index = (
            np.atleast_1d(np.asarray(self.feedback.get("target"), np.int64))
            - network._first(self.hidden),
            np.atleast_1d(np.asarray(self.feedback.get("source"), np.int64))
            - network._first(self.readouts))
        self.mm = nest.Create("multimeter", params={"record_from": ["V_m", "readout_signal",
                                                                    "error_signal"],
                                                    "interval": d})
        nest.Connect(self.mm, self.readouts)
        self.sr = nest.Create("spike_recorder")
        nest.Connect(self.hidden, self.sr)

    def _slot_start(self, s):
        """Time (ms) at which slot s begins."""
        return s * self.slot * self.cfg.dt

    def _set_inputs(self, spikes, labels, learn):
        """spike_times, targets and learning window of the next len(spikes)
        slots."""
        dt, s0, n = self.cfg.dt, self.trials_run, len(spikes)
        trial, t, j = np.nonzero(spikes)
        times = ((s0 + trial) * self.slot + t + 1) * dt
        order = np.lexsort((times, j))
        j, times = j[order], times[order]
        b = np.searchsorted(j, np.arange(self.n_in + 1))
        self.gens.set([{"spike_times": times[b[k]:b[k + 1]]} for k in range(self.n_in)])
        # an amplitude time of T ms acts in the readouts' update of step T
        # (measured; ``test_learning_window_alignment``)
        on = (s0 + np.arange(n)) * self.slot + WINDOW_FIRST
        edges = np.ravel(np.column_stack([on, on + WINDOW_STEPS])) * dt
        flag = np.tile([1.0, 0.0], n)
        self.window.set({"amplitude_times": edges,
                         "amplitude_values": flag if learn else 0.0 * flag})
        onehot = np.asarray(labels)[:, None] == np.arange(self.n_cls)[None, :]
        self.targets.set([{"amplitude_times": edges,
                           "amplitude_values": np.ravel(np.column_stack(
                               [onehot[:, k], np.zeros(n)])).astype(np.float64)}
                          for k in range(self.n_cls)])

    def run(self, spikes, labels, learn=True):
        """Run the trials ``spikes`` (N, bins, inputs) with classes ``labels``
        in the next N slots; with ``learn`` False the learning window stays
        0 (no error, no gradient from the readouts).

        Returns
        -------
        dict
            ``readout_mean`` (N, classes): trial-mean V_m over the window;
            ``loss`` (N,): mean over the window's steps of the per-step loss
            (-sum_k y*_k log y_k or 0.5 sum_k E_k^2);
            ``hidden_counts`` (N, hidden): spikes in steps 2..101 of each slot
            (the inference's counting window).
        """
        spikes = np.asarray(spikes)
        N = len(spikes)
        if spikes.shape[1:] != (self.bins, self.n_in):
            raise ValueError(f"spikes must have shape (N, {self.bins}, {self.n_in}), "
                             f"got {spikes.shape}")
        if len(labels) != N:
            raise ValueError(f"{N} trials but {len(labels)} labels")
        self._set_inputs(spikes, labels, learn)
        s0 = self.trials_run
        self.nest.Simulate(N * self.slot * self.cfg.dt)
        self.trials_run += N
        return self._collect(s0, N)

    def _gather(self, events, key, dtype):
        return np.concatenate(self.comm.allgather(np.asarray(events[key], dtype)))

    def _collect(self, s0, N):
        dt = self.cfg.dt
        ev = self.mm.get("events")
        senders = self._gather(ev, "senders", np.int64) - network._first(self.readouts)
        step = np.rint(self._gather(ev, "times", np.float64) / dt).astype(np.int64) - 1
        v = self._gather(ev, "V_m", np.float64)
        err = self._gather(ev, "error_signal", np.float64)
        slot, k = np.divmod(step, self.slot)
        slot -= s0
        sel = (k >= WINDOW_FIRST) & (k < WINDOW_FIRST + WINDOW_STEPS) & (slot >= 0)
        rec = np.zeros((N, WINDOW_STEPS, self.n_cls))
        rec[slot[sel], k[sel] - WINDOW_FIRST, senders[sel]] = v[sel]
        e = np.zeros((N, WINDOW_STEPS, self.n_cls))
        e[slot[sel], k[sel] - WINDOW_FIRST, senders[sel]] = err[sel]
        if self.cfg.loss == "cross_entropy":
            y = np.ones((N, WINDOW_STEPS, self.n_cls))
            y[slot[sel], k[sel] - WINDOW_FIRST, senders[sel]] = \
                self._gather(ev, "readout_signal", np.float64)[sel]
            # the target's y is E + 1 there, so this is -sum_k y*_k log y_k
            loss = -np.log(np.where(e < 0, y, 1.0)).sum(axis=2).mean(axis=1)
        else:
            loss = 0.5 * (e ** 2).sum(axis=2).mean(axis=1)
        ev = self.sr.get("events")
        hs = self._gather(ev, "senders", np.int64) - network._first(self.hidden)
        step = np.rint(self._gather(ev, "times", np.float64) / dt).astype(np.int64) - 1
        slot, k = np.divmod(step, self.slot)
        slot -= s0
        keep = (k >= 2) & (k < 2 + self.bins) & (slot >= 0)
        counts = np.zeros((N, self.n_hid), np.int64)
        np.add.at(counts, (slot[keep], hs[keep]), 1)
        self.mm.n_events = 0
        self.sr.n_events = 0
        return {"readout_mean": rec.mean(axis=1), "loss": loss, "hidden_counts": counts}

    def _matrix(self, pre, post):
        """The e-prop weights pre -> post as a (pre, post) matrix, gathered
        from all ranks."""
        c = self.nest.GetConnections(source=pre, target=post, synapse_model="eprop_synapse")
        got = {k: np.atleast_1d(np.asarray(c.get(k))) for k in ("source", "target", "weight")}
        src = self._gather(got, "source", np.int64) - network._first(pre)
        tgt = self._gather(got, "target", np.int64) - network._first(post)
        W = np.full((len(pre), len(post)), np.nan)
        W[src, tgt] = self._gather(got, "weight", np.float64)
        return W

    def weights(self):
        """The current (W_ih, W_ho), gathered from all ranks."""
        return (self._matrix(self.parrots, self.hidden),
                self._matrix(self.hidden, self.readouts))

    def copy_feedback(self):
        """Symmetric feedback: B = the current W_ho (hidden, classes) in the
        learning-signal connections of this rank."""
        self.B = self._matrix(self.hidden, self.readouts)
        j, k = self.feedback_index
        if len(j):
            self.feedback.set({"weight": self.B[j, k]})


def train(data, cfg, progress=None, simulator=None, log=None):
    """Train config B with e-prop on ``data`` (an ``ipd_data.IPDData``).

    Each epoch runs the trials in a fresh seeded order, one minibatch of
    ``cfg.batch_trials`` trials per Simulate (the last one may be smaller;
    it is padded with the next epoch's first trials in the optimizer's
    step count, see below).  After the last epoch one slot without learning
    window is run so that every synapse applies its last pending update.

    The optimizer steps are aligned with minibatches only when every
    minibatch is full: ``len(data)`` must be a multiple of
    ``cfg.batch_trials``.

    Parameters
    ----------
    data : IPDData
    cfg : TrainConfig
    progress : callable, optional
        Called with the number of trials finished after each minibatch.
    simulator : module, optional
    log : callable, optional
        Called with each epoch's record (dict).

    Returns
    -------
    dict
        ``W_ih``, ``W_ho``, ``B``, ``W_ih_init``, ``W_ho_init``, ``epochs``
        (per epoch: ``loss`` mean per-step loss, ``train_accuracy``,
        ``hidden_rate_hz``, ``wall_s``), ``config`` and ``timing``
        (``steps``, ``run_s``, ``us_per_step``).
    """
    cfg.check()
    N = len(data)
    if N % cfg.batch_trials:
        raise ValueError(f"the training set ({N} trials) must be a multiple of "
                         f"batch_trials ({cfg.batch_trials})")
    n_in = data.spikes.shape[2]
    W_ih0, W_ho0, rng = initial_weights(n_in, 8, data.config.num_classes, cfg.seed)
    B = feedback_weights(cfg.feedback, W_ho0, rng)
    t0 = time.perf_counter()
    net = EpropNetwork(W_ih0, W_ho0, B, cfg, bins=data.spikes.shape[1], simulator=simulator)
    t_build = time.perf_counter() - t0
    epochs, run_s = [], 0.0
    for ep in range(cfg.epochs):
        order = rng.permutation(N)
        te = time.perf_counter()
        loss = np.empty(N)
        est = np.empty(N, np.int64)
        counts = np.zeros(net.n_hid)
        for lo in range(0, N, cfg.batch_trials):
            idx = order[lo:lo + cfg.batch_trials]
            t1 = time.perf_counter()
            out = net.run(data.spikes[idx], data.labels[idx])
            if cfg.feedback == "symmetric":
                net.copy_feedback()
            run_s += time.perf_counter() - t1
            loss[lo:lo + len(idx)] = out["loss"]
            est[lo:lo + len(idx)] = np.argmax(out["readout_mean"], axis=1)
            counts += out["hidden_counts"].sum(axis=0)
            if progress is not None:
                progress(len(idx))
        rec = {"epoch": ep + 1, "loss": float(loss.mean()),
               "train_accuracy": float(np.mean(est == data.labels[order])),
               "hidden_rate_hz": (counts / N / (data.config.duration)).tolist(),
               "wall_s": time.perf_counter() - te}
        epochs.append(rec)
        if log is not None:
            log(rec)
    # one more slot without learning: each synapse applies the last pending
    # minibatch's update at its next event (flush intervals are one slot)
    net.run(data.spikes[:1], data.labels[:1], learn=False)
    W_ih, W_ho = net.weights()
    steps = cfg.epochs * N * net.slot
    return {"W_ih": W_ih, "W_ho": W_ho, "B": net.B, "W_ih_init": W_ih0, "W_ho_init": W_ho0,
            "epochs": epochs, "config": asdict(cfg), "slot_steps": net.slot,
            "timing": {"build_s": t_build, "run_s": run_s, "steps": steps,
                       "us_per_step": 1e6 * run_s / steps}}
