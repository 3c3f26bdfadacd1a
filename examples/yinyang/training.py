"""Training of time-to-first-spike networks with exact spike-time gradients and a
pluggable forward pass (software closed form, or a chip emulator in the loop).

One training step on a batch (input channel times x, labels y):

1. forward: ``outputs = forward(weights_used, x[, delays=d])`` with
   weights_used = quantise(shadow weights) (or the float weights);
2. weight bumping: the first layer (from the bottom) whose fraction of
   silent (sample, neuron) pairs exceeds ``max_missing[l]`` gets
   ``bump`` added to all incoming weights of every neuron silent in at least
   one sample; the bump doubles when the same layer is bumped in consecutive
   batches (else it restarts at ``bump_value``); no gradient step in such a
   batch;
3. otherwise: loss and dL/dt of the label layer (mean over the batch),
   backward with the given output times and the nominal parameters
   (``network.network_backward``, per-sample Delta-w clipping), Adam step
   on the shadow weights (and delay parameters), shadow weights clipped to
   [-w_clip, w_clip].

The learning rate follows a step schedule per epoch.  See ``ttfs_network.py`` for
the forward-pass interface and the units (tau_s, C_m = 1, current weights).
"""
import copy
import time

import numpy as np

try:
    from . import dataset, losses, optim, ttfs
    from . import ttfs_network as network
except ImportError:
    import dataset
    import losses
    import optim
    import ttfs
    import ttfs_network as network


class Trainer:
    """Network state, optimiser and training loop of one configuration.

    Parameters
    ----------
    config : dict
        A configuration (``configs.py``).
    forward : callable, optional
        ``forward(weights, input_times[, delays=...]) -> list of per-layer
        output times`` (see ``ttfs_network.py``).  Default: ``network.SoftwareForward``
        with the configuration's noise settings.  The backward pass always
        uses the times this callable returns.
    seed : int
        Seed of the weight/delay initialisation, the shuffling and the
        software forward's noise.

    Attributes
    ----------
    spec : dict
        ``network.network_spec(config)``.
    weights : list of ndarray
        Float (shadow) weights [n_in_l, n_out_l].
    thetas : list of ndarray or None
        Delay parameters per layer (None without delays); layer 0 has one
        parameter per feature, shared by its multiplexed copies.
    """

    def __init__(self, config, forward=None, seed=0):
        self.config = copy.deepcopy(config)
        self.spec = network.network_spec(self.config)
        tr = self.config["training"]
        net = self.config["network"]
        init_seq, shuffle_seq, noise_seq = np.random.SeedSequence(seed).spawn(3)
        rng = np.random.default_rng(init_seq)
        self.weights = [rng.normal(mean, std, (n_in, n_out))
                        for (mean, std), n_in, n_out in zip(net["weight_init"], self.spec["n_in"],
                                                           self.spec["layer_sizes"])]
        dcfg = self.spec["delays"]
        self.thetas = None
        if dcfg:
            mean, std = dcfg["init"]
            n_par = [self.spec["n_features"]] + self.spec["layer_sizes"][:-1]
            self.thetas = [rng.normal(mean, std, n) for n in n_par]
        self.forward = forward if forward is not None else network.SoftwareForward(self.spec, noise_seq)
        self.rng = np.random.default_rng(shuffle_seq)
        self.loss_fn = losses.make_loss(tr["loss"])
        self.backward = tr.get("backward", "implicit")
        ttfs.check_backward_form(self.backward)
        betas, eps = tuple(tr.get("betas", (0.9, 0.999))), tr.get("eps", 1e-8)
        self.opt_w = optim.Adam(self.weights, tr["lr"], betas, eps)
        self.opt_d = optim.Adam(self.thetas, dcfg.get("lr", tr["lr"]), betas, eps) if dcfg else None
        self.bump = tr["bump_value"]
        self.last_bumped = None
        self.epoch = 0
        self.history = []

    # -- parameters as the forward pass sees them ------------------------------------------------

    def used_weights(self):
        """Weights for the forward pass: clipped and quantised shadow weights (if configured)."""
        tr = self.config["training"]
        return [network.quantise(w, tr.get("weight_clip"), tr.get("weight_bits")) for w in self.weights]

    def delays(self):
        """Axonal delays per layer for the forward pass (None without delays)."""
        if self.thetas is None:
            return None
        dcfg = self.spec["delays"]
        return [network.effective_delays(th, dcfg["shift"], dcfg["scale"],
                                         self.spec["multiplex"] if l == 0 else 1)[0]
                for l, th in enumerate(self.thetas)]

    def input_times(self, features):
        """Input channel times: TTFS encoding of the features, multiplexed (no bias inputs)."""
        enc = self.config.get("encoding", {})
        t = dataset.encode(features, enc.get("t_early", 0.15), enc.get("t_late", 2.0))
        return network.multiplex(t, self.spec["multiplex"])

    def run_forward(self, input_times, weights=None, delays=None):
        """Call the forward pass and check its output."""
        weights = self.used_weights() if weights is None else weights
        if self.thetas is None:
            outputs = self.forward(weights, input_times)
        else:
            outputs = self.forward(weights, input_times, delays=self.delays() if delays is None else delays)
        outputs = [np.asarray(t, dtype=np.float64) for t in outputs]
        assert len(outputs) == len(weights)
        for t, n in zip(outputs, self.spec["layer_sizes"]):
            assert t.shape == (len(input_times), n), (t.shape, n)
        return outputs

    # -- one batch -------------------------------------------------------------------------------

    def _check_bump(self, outputs):
        """Bump the weights of the lowest layer with too many silent neurons; return its index or None."""
        tr = self.config["training"]
        max_missing = tr["max_missing"]
        for l, t in enumerate(outputs):
            silent = ~np.isfinite(t)
            if silent.mean() > max_missing[l]:
                if tr.get("bump_exponential", True) and self.last_bumped == l:
                    self.bump *= 2.0
                else:
                    self.bump = tr["bump_value"]
                self.weights[l][:, silent.any(axis=0)] += self.bump
                self.last_bumped = l
                return l
        self.last_bumped = None
        return None

    def _clip_shadow(self):
        w_clip = self.config["training"].get("weight_clip")
        if w_clip is not None:
            for w in self.weights:
                np.clip(w, -w_clip, w_clip, out=w)

    def train_batch(self, input_times, labels):
        """One training step (forward, bump or gradient step).

        Returns
        -------
        dict
            ``loss`` (mean batch loss, NaN in a bump batch), ``correct``
            (number of correctly classified samples), ``bumped`` (layer index
            or None), ``clipped`` (clipped sample-neuron pairs).
        """
        weights = self.used_weights()
        delays = self.delays()
        outputs = self.run_forward(input_times, weights, delays)
        correct = int((losses.decode(outputs[-1]) == labels).sum())
        bumped = self._check_bump(outputs)
        if bumped is not None:
            self._clip_shadow()
            return {"loss": np.nan, "correct": correct, "bumped": bumped, "clipped": 0}
        loss, grad = self.loss_fn(outputs[-1], labels)
        grads_w, grads_d, n_clipped = network.network_backward(
            self.spec, weights, input_times, outputs, grad / len(labels), delays,
            self.config["training"].get("max_dw"), self.backward)
        self.opt_w.step(self.weights, grads_w)
        if self.thetas is not None:
            dcfg = self.spec["delays"]
            g_theta = []
            for l, (th, gd) in enumerate(zip(self.thetas, grads_d)):
                _, dd_dth = network.effective_delays(th, dcfg["shift"], dcfg["scale"])
                if l == 0 and self.spec["multiplex"] > 1:
                    gd = gd.reshape(-1, self.spec["multiplex"]).sum(axis=1)
                g_theta.append(gd * dd_dth)
            self.opt_d.step(self.thetas, g_theta)
        self._clip_shadow()
        return {"loss": float(loss.mean()), "correct": correct, "bumped": None, "clipped": n_clipped}

    # -- epochs ----------------------------------------------------------------------------------

    def train_epoch(self, features, labels):
        """One pass over the (shuffled) training set at the scheduled learning rate.

        Returns
        -------
        dict
            ``epoch``, ``lr``, ``train_loss`` (mean over gradient batches),
            ``train_acc`` (during the epoch), ``bumps``, ``clipped``, ``time``.
        """
        tr = self.config["training"]
        t_start = time.perf_counter()
        self.opt_w.lr = optim.step_lr(tr["lr"], self.epoch, tr["lr_step"], tr["lr_gamma"])
        if self.opt_d is not None:
            lr_d = self.spec["delays"].get("lr", tr["lr"])
            self.opt_d.lr = optim.step_lr(lr_d, self.epoch, tr["lr_step"], tr["lr_gamma"])
        x = self.input_times(features)
        order = self.rng.permutation(len(labels))
        bs = tr["batch_size"]
        batch_losses, correct, bumps, clipped = [], 0, 0, 0
        for start in range(0, len(order), bs):
            idx = order[start:start + bs]
            r = self.train_batch(x[idx], labels[idx])
            correct += r["correct"]
            clipped += r["clipped"]
            if r["bumped"] is None:
                batch_losses.append(r["loss"])
            else:
                bumps += 1
        rec = {"epoch": self.epoch, "lr": self.opt_w.lr,
               "train_loss": float(np.mean(batch_losses)) if batch_losses else np.nan,
               "train_acc": correct / len(labels), "bumps": bumps, "clipped": clipped,
               "time": time.perf_counter() - t_start}
        self.epoch += 1
        return rec

    def evaluate(self, features, labels, batch_size=None):
        """Accuracy and mean loss on a data set (forward pass only).

        The samples are run in batches of ``batch_size`` (default: the training
        batch size), one forward call each, so that per-batch noise of the
        forward pass is drawn as often as in training.

        Returns
        -------
        dict
            ``acc``, ``loss``, ``outputs`` (list of per-layer times, all samples).
        """
        batch_size = batch_size or self.config["training"]["batch_size"]
        x = self.input_times(features)
        parts = [self.run_forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        outputs = [np.concatenate([p[l] for p in parts]) for l in range(len(self.weights))]
        loss, _ = self.loss_fn(outputs[-1], labels)
        acc = float((losses.decode(outputs[-1]) == labels).mean())
        return {"acc": acc, "loss": float(loss.mean()), "outputs": outputs}

    def fit(self, data, epochs=None, eval_every=1, log=None):
        """Train for ``epochs`` epochs; evaluate on ``validation`` (and ``test`` at the end).

        Parameters
        ----------
        data : dict
            ``{"train": (features, labels), "validation": ..., "test": ...}``
            (validation and test optional).
        epochs : int, optional
            Defaults to ``config["training"]["epochs"]``.
        eval_every : int
            Validation every this many epochs (and after the last).
        log : callable, optional
            Called with every epoch record (a dict).

        Returns
        -------
        list of dict
            Epoch records; the last one also has ``test_acc`` if a test set is given.
        """
        epochs = self.config["training"]["epochs"] if epochs is None else epochs
        features, labels = data["train"]
        for e in range(epochs):
            rec = self.train_epoch(features, labels)
            last = e == epochs - 1
            if "validation" in data and (last or (e + 1) % eval_every == 0):
                rec["val_acc"] = self.evaluate(*data["validation"])["acc"]
            if last and "test" in data:
                rec["test_acc"] = self.evaluate(*data["test"])["acc"]
            self.history.append(rec)
            if log is not None:
                log(rec)
        return self.history

    def state(self):
        """Copy of the trainable state: float weights, delay parameters, effective delays."""
        return {"weights": [w.copy() for w in self.weights],
                "thetas": None if self.thetas is None else [t.copy() for t in self.thetas],
                "delays": self.delays(), "epoch": self.epoch}


def train(config, data=None, forward=None, seed=0, epochs=None, eval_every=1, log=None):
    """Build a ``Trainer`` and fit it.

    Parameters
    ----------
    config : dict
        Configuration (``configs.py``).
    data : dict, optional
        Data sets; default: the Yin-Yang splits of ``config["data"]``.
    forward : callable, optional
        Forward pass (see ``ttfs_network.py``); default software closed form.
    seed : int
        Initialisation / shuffling / noise seed.
    epochs, eval_every, log
        See ``Trainer.fit``.

    Returns
    -------
    trainer : Trainer
    history : list of dict
    """
    if data is None:
        data = dataset.splits(config.get("data"))
    trainer = Trainer(config, forward=forward, seed=seed)
    history = trainer.fit(data, epochs=epochs, eval_every=eval_every, log=log)
    return trainer, history
