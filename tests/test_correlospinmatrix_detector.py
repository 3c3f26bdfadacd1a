"""correlospinmatrix_detector: a hand-counted covariance, the decoding of
binary transitions per port, parameters, NEST's checks and errors, and
rank independence (the stored NEST scenario ``correlospinmatrix_detector``
compares a whole network bit for bit)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (
    BadProperty, IllegalConnection, StepMultipleRequired, TimeMultipleRequired,
    UnaccessedDictionaryEntry, UnknownReceptorType)

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "correlospinmatrix_detector"


@pytest.fixture(autouse=True)
def reset():
    nest.ResetKernel()


def feed(trains, params, t_sim, mults=None):
    """A detector fed by one spike_generator per port."""
    det = nest.Create(MODEL, 1, params)
    for port, times in enumerate(trains):
        p = {"spike_times": times}
        if mults is not None and mults[port] is not None:
            p["spike_multiplicities"] = mults[port]
        sg = nest.Create("spike_generator", 1, p)
        nest.Connect(sg, det, syn_spec={"receptor_type": port})
    nest.Simulate(t_sim)
    return det


def test_defaults():
    d = nest.GetDefaults(MODEL)
    assert d["delta_tau"] == 0.1 and d["tau_max"] == 1.0 and d["N_channels"] == 1
    assert d["Tstart"] == 0.0 and d["Tstop"] == np.finfo(np.float64).max
    assert d["element_type"] == "recorder"
    assert np.shape(d["count_covariance"]) == (1, 1, 0)
    for key in ("n_events", "covariance", "histogram"):
        assert key not in d
    det = nest.Create(MODEL)
    assert np.shape(det.get("count_covariance")) == (1, 1, 0)
    nest.Simulate(1.0)
    c = det.get("count_covariance")
    assert c.shape == (1, 1, 21) and c.dtype.kind == "i" and not c.any()


def test_hand_counted_tiny_case():
    """Port 0 on in steps [10, 13), port 1 in [12, 15) (an up-transition of
    multiplicity 2); the last spike (3 ms) confirms port 1's down-transition.
    d = 1 step, T = 2 steps: bin k holds lag k - 2 (NEST 3.10 gives the same)."""
    det = feed([[1.0, 1.0, 1.3, 3.0], [1.2, 1.5]],
               {"N_channels": 2, "delta_tau": 0.1, "tau_max": 0.2}, 5.0,
               mults=[None, [2, 1]])
    np.testing.assert_array_equal(
        det.get("count_covariance"),
        [[[1, 2, 3, 2, 1], [3, 2, 1, 0, 0]], [[0, 0, 1, 2, 3], [1, 2, 3, 2, 1]]])


def test_nest_testsuite_case():
    """NEST's own test: pulses [10, 16) and [15, 20) ms, 1 ms bins."""
    det = feed([[10.0, 10.0, 16.0], [15.0, 15.0, 20.0], [25.0]],
               {"N_channels": 3, "tau_max": 10.0, "delta_tau": 1.0}, 100.0)
    c = det.get("count_covariance")
    up = np.r_[np.arange(10, 70, 10), np.arange(50, 0, -10)]
    np.testing.assert_array_equal(c[0, 0, 5:16], up)
    np.testing.assert_array_equal(c[0, 1, 1:11], [10, 20, 30, 40, 50, 50, 40, 30, 20, 10])
    np.testing.assert_array_equal(c[1, 0], c[0, 1][::-1])
    np.testing.assert_array_equal(c[1, 1, 6:15], [10, 20, 30, 40, 50, 40, 30, 20, 10])
    assert not c[2].any() and not c[:, 2].any()
    assert c.sum() == 360 + 2 * 300 + 250


def test_last_down_transition_waits_for_a_later_spike():
    """A single spike is a down-transition only once another spike follows
    (of another port, or later)."""
    det = feed([[1.0, 1.0, 1.5]], {"tau_max": 0.0}, 3.0)
    assert not det.get("count_covariance").any()
    nest.ResetKernel()
    det2 = feed([[1.0, 1.0, 1.5, 2.0]], {"tau_max": 0.0}, 3.0)
    np.testing.assert_array_equal(det2.get("count_covariance"), [[[5]]])


def test_decoding_is_by_port_not_by_sender():
    """Two single spikes of two senders on one port in one step decode as an
    up-transition (as NEST: the port, not the sender, is compared)."""
    det = nest.Create(MODEL, 1, {"tau_max": 0.0})
    for times in ([1.0, 2.0], [1.0]):
        sg = nest.Create("spike_generator", 1, {"spike_times": times})
        nest.Connect(sg, det)
    end = nest.Create("spike_generator", 1, {"spike_times": [4.0]})
    nest.Connect(end, det)
    nest.Simulate(6.0)
    np.testing.assert_array_equal(det.get("count_covariance"), [[[10]]])


def test_binary_neurons_and_activity_window():
    """A saturated mcculloch_pitts neuron follows a generator; a window
    [start, stop) drops the transitions outside."""
    mp = nest.Create("mcculloch_pitts_neuron", 1, {"tau_m": 0.001, "theta": 0.5})
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0, 1.0, 3.0, 6.0, 6.0, 7.0]})
    nest.Connect(sg, mp, syn_spec={"delay": 1.0})
    end = nest.Create("spike_generator", 1, {"spike_times": [12.0]})
    dets = nest.Create(MODEL, 2, {"tau_max": 0.0, "N_channels": 2})
    dets[1].set(start=5.0)
    nest.Connect(mp, dets, syn_spec={"receptor_type": 0})
    nest.Connect(end, dets, syn_spec={"receptor_type": 1})
    nest.Simulate(15.0)
    full, windowed = (d.get("count_covariance") for d in dets)
    # on for 2 ms, then 1 ms (the neuron's h follows the generator, delayed)
    assert full[0, 0, 0] == 30 and windowed[0, 0, 0] == 10
    assert not full[1].any() and not full[:, 1].any()


def test_setting_parameters_clears():
    det = feed([[1.0, 1.0, 1.5, 2.0]], {"tau_max": 0.0}, 3.0)
    assert det.get("count_covariance").sum() == 5
    det.set(Tstart=1.0)
    c = det.get("count_covariance")
    assert c.shape == (1, 1, 1) and not c.any()
    det.set(N_channels=2, tau_max=0.4, delta_tau=0.2)
    assert det.get("count_covariance").shape == (2, 2, 5)
    det.set(start=1.0)                  # device parameters do not clear
    assert det.get("count_covariance").shape == (2, 2, 5)


@pytest.mark.parametrize("params, exc, text", [
    ({"N_channels": 0}, BadProperty, "/N_channels can only be larger than zero."),
    ({"delta_tau": -1.0}, BadProperty, "/delta_tau must not be negative."),
    ({"tau_max": -1.0}, BadProperty, "/tau_max must not be negative."),
    ({"Tstart": -1.0}, BadProperty, "/Tstart must not be negative."),
    ({"Tstop": -1.0}, BadProperty, "/Tstop must not be negative."),
    ({"delta_tau": 0.15}, StepMultipleRequired,
     "The time property delta_tau = 0.15 ms (= 150 tics = 2 steps) of model "
     "correlospinmatrix_detector must be a multiple of the resolution 0.1 ms "
     "(= 100 tics = 1 step)."),
    ({"tau_max": 0.25}, TimeMultipleRequired,
     "In model correlospinmatrix_detector, the time property tau_max = 0.25 ms (= 250 "
     "tics = 3 steps) must be multiple of time property delta_tau = 0.1 ms (= 100 tics "
     "= 1 step)."),
    ({"start": 5.0, "stop": 1.0}, BadProperty, "stop >= start required."),
    ({"count_covariance": []}, UnaccessedDictionaryEntry, "count_covariance"),
    ({"n_events": [0]}, UnaccessedDictionaryEntry, "n_events"),
])
def test_checks(params, exc, text):
    det = nest.Create(MODEL)
    with pytest.raises(exc) as info:
        det.set(params)
    assert text in str(info.value)
    assert det.get("delta_tau") == 0.1 and det.get("tau_max") == 1.0
    assert det.get("N_channels") == 1


def test_ports_and_signals():
    det = nest.Create(MODEL, 1, {"N_channels": 2})
    sg = nest.Create("spike_generator")
    nest.Connect(sg, det, syn_spec={"receptor_type": 1})
    with pytest.raises(UnknownReceptorType):
        nest.Connect(sg, det, syn_spec={"receptor_type": 2})
    with pytest.raises(IllegalConnection, match="not compatible"):
        nest.Connect(nest.Create("iaf_psc_alpha"), det)
    nest.Connect(nest.Create("ginzburg_neuron"), det)
    nest.Connect(nest.Create("parrot_neuron"), det)


def test_default_delta_tau_follows_resolution():
    nest.SetKernelStatus({"resolution": 0.05})
    assert nest.Create(MODEL).get("delta_tau") == 0.1
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.25})
    assert nest.GetDefaults(MODEL, "delta_tau") == 0.25
    assert nest.Create(MODEL).get("delta_tau") == 0.25


MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")


def run_ranks(n, tmp_path):
    out = tmp_path / f"spin_n{n}.npz"
    env = dict(os.environ)
    env.pop("PYNESTLITE_NO_MPI", None)
    p = subprocess.run([MPIEXEC, "-n", str(n), sys.executable,
                        os.path.join(HERE, "correlospin_ranks_script.py"), str(out)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    with np.load(out) as f:
        res = {k: f[k] for k in f.files}
    assert int(res.pop("num_processes")[0]) == n, "mpiexec did not start the ranks asked for"
    return res


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not installed (pip install mpich)")
def test_counts_do_not_depend_on_ranks(tmp_path):
    one = run_ranks(1, tmp_path)
    assert one["cs0_count_covariance"].sum() > 1000, "the network is nearly silent"
    assert one["cs1_count_covariance"].sum() > 100
    two = run_ranks(2, tmp_path)
    assert sorted(two) == sorted(one)
    for key in one:
        np.testing.assert_array_equal(two[key], one[key], err_msg=f"{key} on 2 ranks")
