"""NEST's ignore-and-spike mechanism on iaf_psc_delta and the e-prop
neurons: spikes at the offset and every interval after it, whatever the
dynamics; a new offset restarts the countdown, a new interval applies from
the next spike.  Against NEST 3.10: the stored scenario
``ignore_and_spike`` (tests/test_models_vs_nest.py)."""

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


@pytest.mark.parametrize("model", ["iaf_psc_delta", "eprop_iaf", "eprop_iaf_psc_delta",
                                   "eprop_iaf_adapt", "eprop_iaf_bsshslm_2020"])
def test_defaults_and_validation(model):
    d = nest.GetDefaults(model)
    assert (d["ignore_and_spike"], d["ignore_and_spike_offset"],
            d["ignore_and_spike_interval"]) == (False, 1.0, 100.0)
    for key in ("ignore_and_spike_offset", "ignore_and_spike_interval"):
        with pytest.raises(BadProperty, match=key):
            nest.Create(model, 1, {"ignore_and_spike": True, key: 0.0})


def test_schedule_ignores_dynamics():
    nest.resolution = 1.0
    n = nest.Create("iaf_psc_delta", 2, {"ignore_and_spike": True,
                                         "ignore_and_spike_offset": 2.0,
                                         "ignore_and_spike_interval": 3.0})
    n[1].set(I_e=1e4)           # would fire every step on its own
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(10.0)
    n.set(ignore_and_spike_offset=4.0)      # restarts the countdown at t = 10
    nest.Simulate(10.0)
    ev = sr.get("events")
    for g in n.tolist():
        t = np.sort(np.asarray(ev["times"])[np.asarray(ev["senders"]) == g])
        np.testing.assert_array_equal(t, [2.0, 5.0, 8.0, 14.0, 17.0, 20.0])
