"""correlation_detector and correlomatrix_detector: bins, ports, weights,
windows, reset and NEST's errors (the stored NEST scenarios
``correlation_detector_sg`` and ``correlomatrix_detector_sg`` compare
whole networks bit for bit)."""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (
    BadProperty, IllegalConnection, StepMultipleRequired, TimeMultipleRequired,
    UnaccessedDictionaryEntry, UnknownReceptorType)


@pytest.fixture(autouse=True)
def reset():
    nest.ResetKernel()


def feed(model, trains, weights=None, params=None, t_sim=None):
    """A device of ``model`` fed by one spike_generator per port."""
    det = nest.Create(model, 1, params or {})
    for port, times in enumerate(trains):
        sg = nest.Create("spike_generator", 1, {"spike_times": times})
        w = 1.0 if weights is None else weights[port]
        nest.Connect(sg, det, syn_spec={"receptor_type": port, "weight": w})
    if t_sim is None:
        t_sim = max(max(t) for t in trains if len(t)) + 2 * nest.GetKernelStatus("min_delay")
    nest.Simulate(t_sim)
    return det


def brute_histogram(t0, t1, delta_tau, tau_max, h=0.1):
    """Bin n counts the pairs with t1 - t0 in [n d - T - d/2, n d - T + d/2)."""
    d = round(delta_tau / h)
    T = round(tau_max / h)
    hist = np.zeros(1 + 2 * T // d, np.int64)
    for a in t0:
        for b in t1:
            diff = round(b / h) - round(a / h)
            x = (diff + T + d / 2) / d
            n = int(np.floor(x))
            if 0 <= n < len(hist):
                if diff == -(T + d / 2):
                    continue        # (cannot happen for odd d)
                hist[n] += 1
    return hist


def test_defaults():
    d = nest.GetDefaults("correlation_detector")
    assert d["delta_tau"] == 0.5 and d["tau_max"] == 5.0
    assert d["Tstart"] == 0.0 and d["Tstop"] == np.finfo(float).max   # (NEST: open end)
    assert d["element_type"] == "recorder"
    assert list(d["n_events"]) == [0, 0]
    m = nest.GetDefaults("correlomatrix_detector")
    assert m["N_channels"] == 1 and m["delta_tau"] == 0.5


def test_histogram_is_the_pairwise_count():
    rng = np.random.default_rng(5)
    t0 = np.unique(np.round(rng.uniform(0.1, 80.0, 60), 1))
    t1 = np.unique(np.round(rng.uniform(0.1, 80.0, 60), 1))
    det = feed("correlation_detector", [t0, t1], params={"delta_tau": 0.7, "tau_max": 4.9})
    np.testing.assert_array_equal(det.count_histogram, brute_histogram(t0, t1, 0.7, 4.9))
    np.testing.assert_array_equal(det.n_events, [len(t0), len(t1)])
    np.testing.assert_array_equal(det.histogram, det.count_histogram.astype(float))


def test_weights_multiply():
    det = feed("correlation_detector", [[1.0, 3.0], [2.0]], weights=[1.5, -2.0])
    hist = det.histogram
    assert np.count_nonzero(hist) == 2
    assert hist[hist != 0].tolist() == [-3.0, -3.0]


def test_nest_doc_examples():
    nest.SetDefaults("correlation_detector", {"delta_tau": 1.0, "tau_max": 5.0})
    det = feed("correlation_detector", [[1.0, 2.0, 6.0], [2.0, 4.0]])
    np.testing.assert_array_equal(det.histogram, [0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 0])
    nest.ResetKernel()
    nest.SetDefaults("correlation_detector", {"delta_tau": 1.0, "tau_max": 5.0})
    det = feed("correlation_detector", [[6.0], [0.5, 5.4, 5.5, 5.6, 6.4, 6.5, 6.6, 11.5]])
    np.testing.assert_array_equal(det.histogram, [1, 0, 0, 0, 1, 3, 2, 0, 0, 0, 0])


def test_last_slice_waits_for_the_next_run():
    # spikes of neurons reach the device at the start of the next slice, so
    # those of the last slice of a run arrive with the next run; a
    # spike_generator's spikes arrive when sent
    det = nest.Create("correlation_detector")
    sg = nest.Create("spike_generator", 3, [{"spike_times": [3.0]}, {"spike_times": [8.5]},
                                            {"spike_times": [9.6]}])
    par = nest.Create("parrot_neuron", 2)
    nest.Connect(sg[:2], par, "one_to_one")
    nest.Connect(par[0], det, syn_spec={"receptor_type": 0})
    nest.Connect(par[1], det, syn_spec={"receptor_type": 1})
    nest.Connect(sg[2], det, syn_spec={"receptor_type": 0})
    nest.Simulate(10.0)            # the parrots spike at 4.0 and 9.5
    np.testing.assert_array_equal(det.n_events, [2, 0])
    nest.Simulate(1.0)
    np.testing.assert_array_equal(det.n_events, [2, 1])
    assert det.count_histogram.sum() == 1      # (4.0 is too far from 9.5)


def test_tstart_tstop_and_window():
    det = feed("correlation_detector", [[1.0, 20.0, 40.0], [1.0, 20.0, 40.0]],
               params={"Tstart": 10.0, "Tstop": 30.0})
    np.testing.assert_array_equal(det.n_events, [1, 1])
    nest.ResetKernel()
    det = feed("correlation_detector", [[1.0, 20.0, 40.0], [1.0, 20.0, 40.0]],
               params={"start": 10.0, "stop": 30.0})
    np.testing.assert_array_equal(det.n_events, [1, 1])


def test_reset_with_n_events():
    det = feed("correlation_detector", [[1.0, 2.0], [2.0]])
    assert det.count_histogram.sum() == 2
    det.set(n_events=[0, 0])
    np.testing.assert_array_equal(det.n_events, [0, 0])
    assert det.count_histogram.sum() == 0 and det.histogram.sum() == 0


def test_errors():
    with pytest.raises(StepMultipleRequired):
        nest.SetDefaults("correlation_detector", {"delta_tau": 0.25})
    with pytest.raises(TimeMultipleRequired):
        nest.SetDefaults("correlation_detector", {"delta_tau": 1.0, "tau_max": 2.5})
    det = nest.Create("correlation_detector")
    with pytest.raises(BadProperty, match=r"n_events"):
        det.set(n_events=[1, 1])
    with pytest.raises(UnaccessedDictionaryEntry):
        det.set(histogram=[1.0])
    n = nest.Create("iaf_psc_alpha")
    with pytest.raises(UnknownReceptorType):
        nest.Connect(n, det, syn_spec={"receptor_type": 2})
    with pytest.raises(IllegalConnection):
        nest.Connect(nest.Create("poisson_generator"), det)
    with pytest.raises(IllegalConnection):
        nest.Connect(n, det, syn_spec={"synapse_model": "stdp_synapse"})
    with pytest.raises(BadProperty, match="odd"):
        nest.SetDefaults("correlomatrix_detector", {"delta_tau": 1.0})
    with pytest.raises(BadProperty):
        nest.SetDefaults("correlomatrix_detector", {"N_channels": 0})
    cm = nest.Create("correlomatrix_detector", 1, {"N_channels": 3})
    nest.Connect(n, cm, syn_spec={"receptor_type": 2})
    with pytest.raises(UnknownReceptorType):
        nest.Connect(n, cm, syn_spec={"receptor_type": 3})


def test_any_rule_connects():
    nrn = nest.Create("iaf_psc_alpha", 3)
    det = nest.Create("correlation_detector", 2)
    nest.Connect(nrn, det, {"rule": "fixed_indegree", "indegree": 1})
    conns = nest.GetConnections(target=det)
    assert len(conns) == 2
    assert sorted(conns.target) == det.tolist()


def test_get_connections_report_weight_and_port():
    nrn = nest.Create("iaf_psc_alpha")
    det = nest.Create("correlation_detector")
    nest.Connect(nrn, det, syn_spec={"weight": 2.5, "receptor_type": 1, "delay": 3.0})
    c = nest.GetConnections(target=det)
    assert c.weight == 2.5 and c.receptor == 1 and c.delay == 3.0


def test_correlomatrix_auto_and_cross():
    # port 0 at 1.5, 2.5, 4.5; port 1 at 0.5, 2.5 (NEST's test): covariance[0][1]
    cm = feed("correlomatrix_detector", [[1.5, 2.5, 4.5], [0.5, 2.5]],
              params={"delta_tau": 0.5, "tau_max": 2.0, "N_channels": 2})
    np.testing.assert_array_equal(cm.n_events, [3, 2])
    np.testing.assert_array_equal(cm.covariance[0][1], [1.0, 0.0, 1.0, 0.0, 2.0])
    # the auto-covariance at lag 0 counts every spike with itself once
    assert cm.count_covariance[0][0][0] == 3 and cm.count_covariance[1][1][0] == 2
    cm.set(N_channels=2)
    assert np.all(cm.covariance == 0) and np.all(cm.n_events == 0)
