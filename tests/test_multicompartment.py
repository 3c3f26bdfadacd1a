"""iaf_cond_alpha_mc: NEST's status with per-compartment sub-dictionaries,
receptor types and their errors.  (Its dynamics are compared with NEST 3.10
in the stored scenario ``iaf_cond_alpha_mc``.)"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import (BadProperty, IncompatibleReceptorType, UnaccessedDictionaryEntry,
                               UnknownReceptorType)

MODEL = "iaf_cond_alpha_mc"


def test_defaults():
    nest.ResetKernel()
    d = nest.GetDefaults(MODEL)
    assert d["soma"] == {"g_L": 10.0, "C_m": 150.0, "E_ex": 0.0, "E_in": -85.0, "E_L": -70.0,
                         "tau_syn_ex": 0.5, "tau_syn_in": 2.0, "I_e": 0.0, "V_m": -70.0}
    assert d["proximal"]["g_L"] == 5.0 and d["proximal"]["C_m"] == 75.0
    assert (d["V_th"], d["V_reset"], d["t_ref"], d["g_sp"], d["g_pd"]) == \
        (-55.0, -60.0, 2.0, 2.5, 1.0)
    assert d["receptor_types"]["distal_curr"] == 9 and d["receptor_types"]["soma_exc"] == 1
    assert "V_m.d" in d["recordables"] and "t_ref_remaining" in d["recordables"]
    assert "E_L.s" not in d and "V_m.s" not in d


def test_sub_dictionaries_merge_key_by_key():
    nest.ResetKernel()
    nest.SetDefaults(MODEL, {"soma": {"g_L": 12.0}})
    nest.SetDefaults(MODEL, {"soma": {"C_m": 100.0}, "V_th": -50.0})
    assert nest.GetDefaults(MODEL)["soma"]["g_L"] == 12.0
    n = nest.Create(MODEL, 3, {"distal": {"E_L": -65.0}})
    assert n[0].get("soma")["C_m"] == 100.0 and n[0].get("soma")["g_L"] == 12.0
    assert n.get("distal")[2]["E_L"] == -65.0
    n.set([{"proximal": {"I_e": float(i)}} for i in range(3)])
    assert [d["I_e"] for d in n.get("proximal")] == [0.0, 1.0, 2.0]
    n[1].soma = {"V_m": -60.0}
    assert n[1].get("soma")["V_m"] == -60.0 and n[1].get("soma")["C_m"] == 100.0
    nest.CopyModel(MODEL, "mc_copy", {"proximal": {"tau_syn_ex": 1.0}})
    assert nest.GetDefaults("mc_copy")["proximal"]["tau_syn_ex"] == 1.0
    assert nest.GetDefaults("mc_copy")["soma"]["g_L"] == 12.0


def test_errors():
    nest.ResetKernel()
    n = nest.Create(MODEL)
    with pytest.raises(BadProperty, match="Capacitance \\(proximal\\)"):
        n.set(proximal={"C_m": -1.0})
    with pytest.raises(BadProperty, match="time constants \\(distal\\)"):
        n.set(distal={"tau_syn_in": 0.0})
    with pytest.raises(BadProperty):
        n.set(V_reset=-50.0)
    with pytest.raises(UnaccessedDictionaryEntry):
        n.set(soma={"V_th": -50.0})
    with pytest.raises(UnaccessedDictionaryEntry):
        n.set({"E_L.s": -60.0})
    with pytest.raises(UnaccessedDictionaryEntry):
        n.set(receptor_types={"soma_exc": 2})
    assert n.get("soma")["C_m"] == 150.0        # nothing half-set
    sg = nest.Create("spike_generator")
    dc = nest.Create("dc_generator")
    with pytest.raises(IncompatibleReceptorType):
        nest.Connect(sg, n, syn_spec={"receptor_type": 0})
    with pytest.raises(IncompatibleReceptorType):
        nest.Connect(sg, n, syn_spec={"receptor_type": 7})
    with pytest.raises(IncompatibleReceptorType):
        nest.Connect(dc, n, syn_spec={"receptor_type": 2})
    with pytest.raises(UnknownReceptorType):
        nest.Connect(sg, n, syn_spec={"receptor_type": 10})


def test_receptors_reach_their_compartment():
    """A spike on X_exc raises g_ex.X only; a current on X_curr moves V_m.X first."""
    nest.ResetKernel()
    n = nest.Create(MODEL, 3)
    rt = nest.GetDefaults(MODEL)["receptor_types"]
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0]})
    for i, comp in enumerate(("soma", "proximal", "distal")):
        nest.Connect(sg, n[i], syn_spec={"receptor_type": rt[f"{comp}_exc"], "weight": 2.0})
    mm = nest.Create("multimeter", 1, {"record_from": ["g_ex.s", "g_ex.p", "g_ex.d"],
                                       "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(5.0)
    ev = mm.get("events")
    for i, sfx in enumerate("spd"):
        for j, other in enumerate("spd"):
            g = np.asarray(ev[f"g_ex.{other}"])[np.asarray(ev["senders"]) == n[i].global_id]
            assert (g.max() > 0.5) == (i == j)
