"""The cross-entropy loss of ``eprop_readout`` (a pynestlite extension of
the event-driven e-prop family, with the semantics of
``eprop_readout_bsshslm_2020``'s):

* with the readouts connected all to all by ``rate_connection_delayed`` on
  receptor 3, ``readout_signal`` is the softmax of the previous step's
  V_m over the readouts (0 in the first step and outside the learning
  window), ``readout_signal_unnorm`` exp(V_m), and ``error_signal`` the
  per-step cross-entropy gradient (softmax - target) x window, to 1e-15;
* the mean-squared error stays the default (NEST's arithmetic, compared bit
  for bit with NEST in ``test_eprop.py``);
* bad or mixed loss names raise BadProperty; receptor 4 does not exist.
"""
import numpy as np
import pytest

import pynestlite as nest


def _readouts(loss, T=40.0):
    nest.ResetKernel()
    nest.set(resolution=1.0)
    ro = nest.Create("eprop_readout", 3, {"C_m": 1.0, "tau_m": 2.0, "loss": loss})
    sg = nest.Create("spike_generator", 3)
    rng = np.random.RandomState(0)
    for k in range(3):
        sg[k].set(spike_times=np.sort(rng.choice(np.arange(1.0, T), 12, replace=False)))
    nest.Connect(sg, ro, "one_to_one", {"weight": [0.7, -0.4, 1.1], "delay": 1.0})
    window = nest.Create("step_rate_generator")
    target = nest.Create("step_rate_generator", 3)
    window.set(amplitude_times=[5.0, 30.0], amplitude_values=[1.0, 0.0])
    for k in range(3):
        target[k].set(amplitude_times=[1.0], amplitude_values=[float(k == 1)])
    rate = {"synapse_model": "rate_connection_delayed", "delay": 1.0}
    nest.Connect(window, ro, "all_to_all", dict(rate, receptor_type=1))
    nest.Connect(target, ro, "one_to_one", dict(rate, receptor_type=2))
    if loss == "cross_entropy":
        nest.Connect(ro, ro, {"rule": "all_to_all", "allow_autapses": False},
                     dict(rate, receptor_type=3))
    keys = ["V_m", "readout_signal", "error_signal", "target_signal"]
    if loss == "cross_entropy":
        keys.append("readout_signal_unnorm")
    mm = nest.Create("multimeter", params={"record_from": keys, "interval": 1.0})
    nest.Connect(mm, ro)
    nest.Simulate(T + 1.0)
    ev = mm.events
    s = np.asarray(ev["senders"]) - ro[0].global_id
    t = np.rint(ev["times"]).astype(int) - 1        # a sample at T ms is step T - 1
    out = {}
    for k in keys:
        x = np.zeros((int(T), 3))
        x[t, s] = ev[k]
        out[k] = x
    return out


def test_cross_entropy_is_the_softmax_of_the_previous_step():
    r = _readouts("cross_entropy")
    V = r["V_m"]
    p = np.exp(V) / np.exp(V).sum(axis=1, keepdims=True)
    prev = np.vstack([np.zeros((1, 3)), p[:-1]])     # step 0: nothing sent yet
    steps = np.arange(len(V))
    # the window amplitude of time T ms acts in step T (the generator steps
    # at T - 1 ms, the delay is one step)
    window = ((steps >= 5) & (steps < 30)).astype(float)[:, None]
    target = np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(r["readout_signal"], prev * window, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r["error_signal"], (prev - target) * window, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r["readout_signal_unnorm"], np.exp(V), rtol=1e-15)
    assert np.all(r["error_signal"][window[:, 0] == 1, 1] < 0)
    np.testing.assert_allclose(r["readout_signal"][window[:, 0] == 1].sum(axis=1), 1.0,
                               rtol=1e-14)


def test_mean_squared_error_is_the_default():
    assert nest.GetDefaults("eprop_readout")["loss"] == "mean_squared_error"
    r = _readouts("mean_squared_error")
    steps = np.arange(len(r["V_m"]))
    window = ((steps >= 5) & (steps < 30)).astype(float)[:, None]
    np.testing.assert_array_equal(r["readout_signal"], r["V_m"] * window)
    np.testing.assert_array_equal(r["error_signal"],
                                  (r["V_m"] - np.array([0.0, 1.0, 0.0])) * window)


def test_bad_loss():
    nest.ResetKernel()
    with pytest.raises(nest.NESTErrors.BadProperty, match="loss from"):
        nest.Create("eprop_readout", 2, {"loss": "hinge"})
    ro = nest.Create("eprop_readout", 2)
    ro[0].set(loss="cross_entropy")
    with pytest.raises(nest.NESTErrors.BadProperty, match="same loss"):
        nest.Simulate(1.0)
    nest.ResetKernel()
    ro = nest.Create("eprop_readout", 2)
    gen = nest.Create("step_rate_generator")
    with pytest.raises(nest.NESTErrors.UnknownReceptorType):
        nest.Connect(gen, ro, syn_spec={"synapse_model": "rate_connection_delayed",
                                        "receptor_type": 4})
