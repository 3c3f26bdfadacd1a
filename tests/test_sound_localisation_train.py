"""Training of the sound-localisation example (seed 000, issue 16) with
pynestlite's event-driven e-prop (``examples/sound_localisation/train.py``).

* Wiring: the learning window covers exactly the readout steps the
  inference's ``"input"`` window averages, with the one-hot target; one
  minibatch of two trials (plain gradient descent, c_reg = 0, random
  feedback B) changes every weight by exactly -eta / batch_size times the
  e-prop gradient computed in numpy from the recorded hidden and parrot
  spikes, readout errors and surrogate gradients: hidden -> readout
  sum_t E_k^t z_bar_j^t, input -> hidden sum_t L_j^t e_bar_ij^t with
  L = E B^T and e_bar the kappa-filtered psi_j z_bar_i (agreement to 1e-12
  of the largest change; any error in B, the window, the batch scaling or
  the traces shows as a difference of 10 % or more).
* With learning off, the e-prop network (trials back to back with 10 ms
  gaps) makes the inference network's decisions with the paper's weights on
  128 test trials; readout means within 5 % of their largest value (what
  is left of the previous trial after the gap), hidden counts equal in
  > 99 % of the entries.
* Learning (``run.py --quick``: 1,024 training trials, 3 epochs of
  minibatches of 16, Adam lr 1e-2, per-step cross entropy, symmetric
  feedback; 512 test trials): the per-step loss falls by at least 10 %
  (measured 2.442 -> 2.068, 15 %; ln 12 = 2.485 is chance) and the test
  accuracy is at least 20 %, ten binomial standard errors (1.2 points on
  512 trials) above chance 8.3 % (measured 30.7 %).  The run is seeded, so
  these are deterministic; the bands leave room for legitimate changes of
  summation order.
* Symmetric feedback: after a minibatch the learning-signal connections
  hold the hidden -> readout weights (B_jk = W_jk).
* The same small training (64 trials, 2 epochs) ends in the stored weights
  and losses bit for bit (`tests/data/sound_localisation_train_small.npz`);
  `tests/mpi/test_sound_localisation_ranks.py` runs it on two ranks.
* Bad options raise clear errors.
"""
import json
import os

import numpy as np
import pytest

from test_sound_localisation import EXAMPLE, MODULES, import_example

# all the example's modules, so that train and run bind its own network
# module even when another example's ``network`` was imported before
ipd_data, weights, reference, network, evaluate, train, run = import_example(
    EXAMPLE, MODULES + ("train", "run"))


@pytest.fixture(scope="module")
def trials():
    return ipd_data.generate(16384, "B", first=8)


def _net(trials, feedback="random", optimizer=None, **cfg):
    cfg = train.TrainConfig(**dict({"epochs": 1, "batch_trials": 2}, **cfg))
    W_ih, W_ho, rng = train.initial_weights(200, 8, 12, 3)
    B = train.feedback_weights(feedback, W_ho, rng)
    return train.EpropNetwork(W_ih, W_ho, B, cfg, optimizer=optimizer), W_ih, W_ho, B


def _series(nest, recorder, key, first, n, steps):
    """(steps, n) values of a recorder; a value recorded at T ms is step T - 1."""
    ev = recorder.get("events")
    s = np.asarray(ev["senders"]) - first
    t = np.rint(np.asarray(ev["times"])).astype(int) - 1
    out = np.zeros((steps, n))
    m = t < steps
    out[t[m], s[m]] = 1.0 if key is None else np.asarray(ev[key])[m]
    return out


def _first(nodes):
    return int(nodes[:1].tolist()[0])


def _filter(x, a, shift):
    """y^t = a y^{t-1} + x^{t-shift} along axis 0."""
    y = np.zeros_like(x)
    acc = np.zeros(x.shape[1:])
    for t in range(len(x)):
        acc = a * acc + (x[t - shift] if t >= shift else 0.0)
        y[t] = acc
    return y


def test_learning_window_and_targets(trials):
    net, *_ = _net(trials, batch_trials=4)
    nest = net.nest
    mm = nest.Create("multimeter", params={"record_from": ["target_signal", "error_signal"],
                                           "interval": 1.0})
    nest.Connect(mm, net.readouts)
    net.run(trials.spikes[:4], trials.labels[:4])
    steps = 4 * net.slot
    r0 = _first(net.readouts)
    err = _series(nest, mm, "error_signal", r0, 12, steps)
    tgt = _series(nest, mm, "target_signal", r0, 12, steps)
    k = np.arange(steps) % net.slot
    inside = (k >= 3) & (k < 103)          # reference.WINDOWS["input"] readout samples
    assert np.all(err[inside] != 0) and np.all(err[~inside] == 0)
    slot = np.arange(steps) // net.slot
    expect = (trials.labels[:4][slot][:, None] == np.arange(12)[None, :]) & inside[:, None]
    np.testing.assert_array_equal(tgt, expect.astype(float))


def test_training_network_runs_as_the_inference_network():
    """With learning off (no window, c_reg = 0) the e-prop network, trials
    back to back with the 10 ms gaps, gives the inference network's decisions
    (V_m reset per trial) with the paper's weights; the readout means differ
    only by what is left of the previous trial after the gap."""
    d = ipd_data.generate(4096, "B", first=128)
    W = weights.load_itdnet()
    net = train.EpropNetwork(W.W_ih, W.W_ho, np.zeros_like(W.W_ho),
                             train.TrainConfig(c_reg=0.0, batch_trials=128))
    got = net.run(d.spikes, d.labels, learn=False)
    np.testing.assert_array_equal(net.weights()[0], W.W_ih)      # nothing learned
    ref = network.run_trials(d.spikes, W.W_ih, W.W_ho)
    np.testing.assert_array_equal(np.argmax(got["readout_mean"], 1),
                                  np.argmax(ref["readout_mean"], 1))
    diff = np.abs(got["readout_mean"] - ref["readout_mean"])
    assert diff.max() < 0.05 * np.abs(ref["readout_mean"]).max()
    assert np.mean(got["hidden_counts"] == ref["hidden_counts"]) > 0.99


@pytest.mark.parametrize("loss", train.LOSSES)
def test_one_minibatch_changes_weights_by_the_numpy_eprop_gradient(trials, loss):
    eta = 0.01
    net, W_ih, W_ho, B = _net(trials, optimizer={"type": "gradient_descent", "eta": eta},
                              c_reg=0.0, loss=loss)
    nest = net.nest
    steps = 2 * net.slot                   # one minibatch: batch_size = 2 slots
    mmh = nest.Create("multimeter", params={"record_from": ["surrogate_gradient"],
                                            "interval": 1.0})
    mme = nest.Create("multimeter", params={"record_from": ["error_signal"], "interval": 1.0})
    srp, srh = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(mmh, net.hidden)
    nest.Connect(mme, net.readouts)
    nest.Connect(net.parrots, srp)
    nest.Connect(net.hidden, srh)
    net.run(trials.spikes[:2], trials.labels[:2])
    E = _series(nest, mme, "error_signal", _first(net.readouts), 12, steps)
    psi = _series(nest, mmh, "surrogate_gradient", _first(net.hidden), 8, steps)
    z_h = _series(nest, srh, None, _first(net.hidden), 8, steps)
    z_p = _series(nest, srp, None, _first(net.parrots), 200, steps)
    # the next minibatch's first events apply the update (no learning there)
    net.run(trials.spikes[2:3], trials.labels[2:3], learn=False)
    W_ih1, W_ho1 = net.weights()
    alpha = kappa = np.exp(-1.0 / 2.0)
    # hidden -> readout: z_bar of the hidden spikes (one step of delay)
    G_ho = _filter(z_h, alpha, 1).T @ E
    # input -> hidden: eligibility psi_j z_bar_i (parrot spikes two steps
    # back, psi as recorded one step earlier), kappa-filtered, times L = E B^T
    L = E @ B.T
    zb = _filter(z_p, alpha, 2)
    psi = np.vstack([np.zeros((1, 8)), psi[:-1]])
    e_bar = _filter(psi[:, None, :] * zb[:, :, None], kappa, 0)
    G_ih = np.einsum("tij,tj->ij", e_bar, L)
    for got, W0, G in ((W_ho1, W_ho, G_ho), (W_ih1, W_ih, G_ih)):
        change = got - W0
        assert np.max(np.abs(change)) > 1e-4
        np.testing.assert_allclose(change, -eta * G / steps, rtol=0,
                                   atol=1e-12 * np.max(np.abs(change)))


def test_quick_run_learns(tmp_path):
    out = tmp_path / "q.json"
    run.main(["--quick", "--json", str(out), "--out", str(tmp_path)])
    res = json.loads(out.read_text())
    loss = res["loss_per_epoch"]
    assert len(loss) == 3 and res["config"]["train_trials"] == 1024
    assert loss[-1] <= 0.90 * loss[0], loss
    assert res["test_accuracy"] >= 0.20, res["test_accuracy"]
    assert res["config"]["test_trials"] == 512
    rates = np.asarray(res["hidden_rate_hz"])
    assert np.all((rates > 20) & (rates < 250)), rates      # none silent or running away
    for key in ("mae_deg", "mae_continuous_deg", "errors_one_class_off",
                "training_us_per_step", "full_run_estimate_s"):
        assert np.isfinite(res[key])
    for f in ("loss.png", "confusion.png", "tuning_hidden.png", "trained_weights.npz"):
        assert os.path.exists(tmp_path / f)


def test_symmetric_feedback_follows_the_readout_weights(trials):
    net, W_ih, W_ho, B = _net(trials, feedback="symmetric", batch_trials=2)
    net.run(trials.spikes[:4], trials.labels[:4])       # two minibatches
    W = net.weights()[1]
    assert np.max(np.abs(W - W_ho)) > 1e-4               # the readout weights learned
    net.copy_feedback()
    np.testing.assert_array_equal(net.B, W)
    c = net.nest.GetConnections(source=net.readouts, target=net.hidden,
                                synapse_model="eprop_learning_signal_connection")
    j = np.asarray(c.get("target")) - _first(net.hidden)
    k = np.asarray(c.get("source")) - _first(net.readouts)
    np.testing.assert_array_equal(np.asarray(c.get("weight")), W[j, k])


def test_initial_and_feedback_weights():
    W_ih, W_ho, rng = train.initial_weights(200, 8, 12, 5)
    assert np.abs(W_ih).max() <= 1 / np.sqrt(8) and np.abs(W_ih).max() > 0.9 / np.sqrt(8)
    assert np.abs(W_ho).max() <= 1 / np.sqrt(12) and np.abs(W_ho).max() > 0.9 / np.sqrt(12)
    np.testing.assert_array_equal(train.feedback_weights("symmetric", W_ho, rng), W_ho)
    Bf = train.feedback_weights("random", W_ho, rng)
    assert Bf.shape == W_ho.shape and np.abs(Bf).max() <= 0.29
    W2 = train.initial_weights(200, 8, 12, 5)[0]
    np.testing.assert_array_equal(W_ih, W2)


@pytest.mark.parametrize("argv, message", [
    (["--feedback", "mirror"], "invalid choice"),
    (["--epochs", "0"], "--epochs must be >= 1"),
    (["--train-size", "100", "--batch-trials", "16"], "multiple of --batch-trials"),
    (["--lr", "-1"], "--lr must be > 0"),
    (["--c-reg", "-1"], "c_reg must be >= 0"),
    (["--weights", "w.pt", "--epochs", "3"], "training options --epochs do not apply"),
])
def test_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit):
        run.parse(argv)
    assert message in capsys.readouterr().err


def test_bad_configuration(trials):
    with pytest.raises(ValueError, match="feedback must be one of"):
        train.TrainConfig(feedback="mirror").check()
    with pytest.raises(ValueError, match="loss must be one of"):
        train.TrainConfig(loss="hinge").check()
    with pytest.raises(ValueError, match="kappa_reg must be in"):
        train.TrainConfig(kappa_reg=1.0).check()
    with pytest.raises(ValueError, match="multiple of batch_trials"):
        train.train(trials.subset(slice(0, 3)), train.TrainConfig(batch_trials=2))
    with pytest.raises(ValueError, match="gap_ms must be >= 3"):
        _net(trials, gap_ms=1.0)
    with pytest.raises(ValueError, match="do not chain"):
        train.EpropNetwork(np.zeros((200, 8)), np.zeros((8, 12)), np.zeros((12, 8)),
                           train.TrainConfig())
    net, *_ = _net(trials)
    with pytest.raises(ValueError, match="spikes must have shape"):
        net.run(trials.spikes[:2, :50], trials.labels[:2])
    with pytest.raises(ValueError, match="2 trials but 1 labels"):
        net.run(trials.spikes[:2], trials.labels[:1])


def small_training():
    """64 training trials, 2 epochs of minibatches of 16, Adam lr 1e-2 (the
    run whose results ``tests/data/sound_localisation_train_small.npz``
    holds; the MPI suite runs it on two ranks)."""
    data = ipd_data.generate(16384, "B", first=64)
    return train.train(data, train.TrainConfig(epochs=2, batch_trials=16, lr=1e-2))


def test_small_training_is_reproduced_bit_for_bit():
    res = small_training()
    ref = np.load(os.path.join(os.path.dirname(__file__), "data",
                               "sound_localisation_train_small.npz"))
    np.testing.assert_array_equal(res["W_ih"], ref["W_ih"])
    np.testing.assert_array_equal(res["W_ho"], ref["W_ho"])
    np.testing.assert_array_equal([e["loss"] for e in res["epochs"]], ref["loss"])
    assert not np.array_equal(res["W_ih"], res["W_ih_init"])
