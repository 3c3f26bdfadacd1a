"""The multimeter's direct sampling (``FastSampler``): a device whose
recordables are all plain state arrays of its targets
(``NodeBlock.recordable_array``) copies their values into one buffer per
step instead of asking every target block per sample.  Its events must be
those of the general path exactly: compared here with the same network in
which a sibling of the recorded nodes is frozen (a frozen node in a target
block sends the device down the general path), over several Simulate calls
(samples held across runs), intervals, offsets, start/stop, two target
models, values stored relative to E_L with E_L changed between runs, and
cleared events.  Models that compute a recordable (their own ``get`` or
``sample``) are sampled the general way.
"""
import numpy as np

import pynestlite as nest
from pynestlite import kernel


def _block(nodes):
    return kernel.groups(nodes.tolist())[0][0].block


def _run(frozen_sibling):
    nest.ResetKernel()
    nest.set(resolution=0.1)
    lif = nest.Create("iaf_psc_alpha", 3, {"I_e": 400.0})
    lif[1].set(I_e=300.0)
    adex = nest.Create("aeif_cond_alpha", 2, {"I_e": 700.0})
    if frozen_sibling:
        lif[2].set(frozen=True)
        adex[1].set(frozen=True)
    gen = nest.Create("poisson_generator", params={"rate": 8000.0})
    nest.Connect(gen, lif[:2] + adex[:1], syn_spec={"weight": 40.0})
    a = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex"],
                                          "interval": 0.1})
    b = nest.Create("multimeter", params={"record_from": ["w", "V_m"], "interval": 0.3,
                                          "offset": 0.2, "start": 7.0, "stop": 61.0})
    c = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5})
    nest.Connect(a, lif[:2])
    nest.Connect(b, adex[:1])
    nest.Connect(c, lif[:2] + adex[:1])     # targets in two blocks
    out = []
    nest.Simulate(25.0)
    out.append([m.events for m in (a, b, c)])
    lif[0].set(E_L=-60.0)                  # V_m is stored relative to E_L
    nest.Simulate(17.3)
    out.append([m.events for m in (a, b, c)])
    a.n_events = 0
    nest.Simulate(30.0)
    out.append([m.events for m in (a, b, c)])
    used = [_block(m).fast[0] is not None for m in (a, b, c)]
    return out, used


def test_direct_sampling_equals_the_general_path():
    fast, used_fast = _run(False)
    general, used_general = _run(True)
    assert used_fast == [True] * 3 and used_general == [False] * 3
    for run_f, run_g in zip(fast, general):
        for f, g in zip(run_f, run_g):
            assert f.keys() == g.keys()
            assert len(f["times"]) > 0
            for k in f:
                np.testing.assert_array_equal(f[k], g[k], err_msg=k)


def test_computed_recordables_use_the_general_path():
    nest.ResetKernel()
    mat = nest.Create("mat2_psc_exp")
    ro = nest.Create("eprop_readout")
    assert _block(mat).recordable_array("V_th") is None          # its own get
    assert _block(ro).recordable_array("eprop_history_duration") is None
    arr, relative = _block(ro).recordable_array("V_m")
    assert arr is _block(ro).arrays["V_m"] and relative
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "V_th"]})
    nest.Connect(mm, mat)
    nest.Simulate(5.0)
    assert _block(mm).fast[0] is None
    assert len(mm.events["V_th"]) == 4
