"""The kernel's ``keep_source_table`` (NEST semantics): settable, True after
ResetKernel; when False, what NEST cannot do without its source table is
refused with NEST's messages (NEST aborts on GetConnections and Disconnect;
it raises on a run of binary neurons with input or of synapses reporting to
a weight_recorder); ordinary runs are unchanged."""

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, KernelException


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def test_default_set_and_reset():
    assert nest.keep_source_table is True
    assert nest.GetKernelStatus("keep_source_table") is True
    nest.SetKernelStatus({"keep_source_table": False})
    assert nest.keep_source_table is False
    nest.ResetKernel()
    assert nest.keep_source_table is True
    with pytest.raises(BadProperty, match="bool"):
        nest.SetKernelStatus({"keep_source_table": 0.5})


def test_runs_unchanged_without_source_table():
    def run(keep):
        nest.ResetKernel()
        nest.keep_source_table = keep
        n = nest.Create("iaf_psc_alpha", 3, {"I_e": 500.0})
        nest.Connect(n, n, syn_spec={"synapse_model": "stdp_synapse", "weight": 30.0})
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        nest.Simulate(50.0)
        nest.Simulate(20.0)
        return np.asarray(sr.get("events")["times"])
    np.testing.assert_array_equal(run(False), run(True))


def test_connection_access_refused():
    nest.keep_source_table = False
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n, n)
    with pytest.raises(KernelException, match="source table was cleared"):
        nest.GetConnections()
    nest.Simulate(5.0)
    with pytest.raises(KernelException, match="source table was cleared"):
        nest.Disconnect(n[:1], n[1:])


@pytest.mark.parametrize("case", ["binary", "weight_recorder"])
def test_runs_that_need_senders_refused(case):
    nest.keep_source_table = False
    if case == "binary":
        a = nest.Create("ginzburg_neuron")
        b = nest.Create("mcculloch_pitts_neuron")
        nest.Connect(a, b)
    else:
        n = nest.Create("iaf_psc_alpha", 2)
        wr = nest.Create("weight_recorder")
        nest.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": wr})
        nest.Connect(n, n, syn_spec={"synapse_model": "stdp_rec"})
    with pytest.raises(KernelException, match="get_keep_source_table is false"):
        nest.Simulate(10.0)
