"""NEST's own examples, as scripts use them, with only the import changed.

The calls of ``pynest/examples/one_neuron.py`` and
``pynest/examples/brunel_delta_nest.py`` (NEST 3.10), written out here at
reduced size: verbosity, kernel attributes (``nest.resolution = ...``),
CopyModel'd synapse models used by name, connecting to recorders with a
syn_spec, ``GetDefaults(syn)["num_connections"]``, ``recorder.n_events`` and
the plotting modules ``nest.voltage_trace`` / ``nest.raster_plot``.  Numbers
are NEST 3.10's (one_neuron: first spike 59.3 ms, period 61.3 ms; Brunel:
tests/data/brunel_reference.json).
"""
import json
import os

import matplotlib
import numpy as np

import pynestlite as nest
import pynestlite.raster_plot  # noqa: F401  (as `import nest.raster_plot`)
import pynestlite.voltage_trace  # noqa: F401

matplotlib.use("Agg")
HERE = os.path.dirname(os.path.abspath(__file__))


def test_one_neuron_example():
    nest.verbosity = nest.VerbosityLevel.WARNING
    nest.ResetKernel()
    neuron = nest.Create("iaf_psc_alpha")
    neuron.I_e = 376.0
    voltmeter = nest.Create("voltmeter")
    sr = nest.Create("spike_recorder")
    nest.Connect(voltmeter, neuron)
    nest.Connect(neuron, sr)
    nest.Simulate(1000.0)
    lines = nest.voltage_trace.from_device(voltmeter)
    assert len(lines) == 1
    t = sr.get("events")["times"]
    assert abs(t[0] - 59.3) < 1e-9
    np.testing.assert_allclose(np.diff(t), 61.3, atol=1e-9)
    assert len(t) == 16
    ev = voltmeter.events
    assert len(ev["times"]) == 999           # as NEST: the last slice's sample follows later


def test_brunel_delta_nest_example_calls():
    nest.ResetKernel()
    nest.resolution = 0.1
    nest.print_time = False
    nest.overwrite_files = True
    nest.SetKernelStatus({"rng_seed": 1})
    order = 500
    NE, NI = 4 * order, order
    CE, CI = NE // 10, NI // 10
    tauMem, theta, J, g, eta, delay = 20.0, 20.0, 0.1, 5.0, 2.0, 1.5
    neuron_params = {"C_m": 1.0, "tau_m": tauMem, "t_ref": 2.0, "E_L": 0.0,
                     "V_reset": 10.0, "V_m": 0.0, "V_th": theta}
    nu_th = theta / (J * CE * tauMem)
    p_rate = 1000.0 * eta * nu_th * CE
    nodes_ex = nest.Create("iaf_psc_delta", NE, params=neuron_params)
    nodes_in = nest.Create("iaf_psc_delta", NI, params=neuron_params)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    espikes = nest.Create("spike_recorder")
    ispikes = nest.Create("spike_recorder")
    espikes.set(label="brunel-py-ex", record_to="memory")
    nest.CopyModel("static_synapse", "excitatory", {"weight": J, "delay": delay})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": -g * J, "delay": delay})
    nest.Connect(noise, nodes_ex, syn_spec="excitatory")
    nest.Connect(noise, nodes_in, syn_spec="excitatory")
    N_rec = 50
    nest.Connect(nodes_ex[:N_rec], espikes, syn_spec="excitatory")
    nest.Connect(nodes_in[:N_rec], ispikes, syn_spec="excitatory")
    nest.Connect(nodes_ex, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": CE},
                 "excitatory")
    nest.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": CI},
                 "inhibitory")
    simtime = 1000.0
    nest.Simulate(simtime)
    rate_ex = espikes.n_events / simtime * 1000.0 / N_rec
    rate_in = ispikes.n_events / simtime * 1000.0 / N_rec
    n_ex = nest.GetDefaults("excitatory")["num_connections"]
    n_in = nest.GetDefaults("inhibitory")["num_connections"]
    # as NEST counts them: recurrent + Poisson + recorder connections per model
    assert n_ex == (NE + NI) * CE + (NE + NI) + 2 * N_rec
    assert n_in == (NE + NI) * CI
    with open(os.path.join(HERE, "data", "brunel_reference.json")) as f:
        ref = json.load(f)
    nest_rate = np.mean([r["rate"] for r in ref["runs"].values()])
    # 50 recorded neurons: a 10 % band (the full-population test uses 5 %)
    assert abs(rate_ex - nest_rate) < 0.10 * nest_rate, (rate_ex, nest_rate)
    assert abs(rate_in - nest_rate) < 0.10 * nest_rate, (rate_in, nest_rate)
    axes = nest.raster_plot.from_device(espikes, hist=True)
    assert len(axes) == 2


def test_plots_from_ascii_files(tmp_path):
    # the ascii back end's files (three header lines) read back by the
    # plotting modules: the plotted points are the recorded events
    nest.ResetKernel()
    nest.SetKernelStatus({"data_path": str(tmp_path), "overwrite_files": True})
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 400.0})
    sr = nest.Create("spike_recorder", params={"record_to": "ascii"})
    vm = nest.Create("voltmeter", params={"record_to": "ascii", "interval": 1.0})
    nest.Connect(n, sr)
    nest.Connect(vm, n)
    nest.Simulate(100.0)
    import importlib.util
    import matplotlib.pyplot as plt
    ev = sr.events
    readers = [nest.raster_plot.from_file, nest.raster_plot.from_file_numpy]
    if importlib.util.find_spec("pandas"):
        readers.append(nest.raster_plot.from_file_pandas)
    for reader in readers:
        plt.close("all")
        reader(sr.filenames)
        x, y = plt.gcf().axes[0].lines[0].get_data()
        np.testing.assert_allclose(x, ev["times"], atol=5e-4)      # (3 decimals in the file)
        np.testing.assert_array_equal(y, ev["senders"])
    plt.close("all")
    lines = nest.voltage_trace.from_file(vm.filenames[0])
    assert len(lines) == 2
    v = vm.events
    sel = v["senders"] == n[0].global_id
    np.testing.assert_allclose(lines[0].get_ydata(), v["V_m"][sel], rtol=0, atol=0)
    plt.close("all")


def test_voltage_trace_from_a_file_without_header(tmp_path):
    # (NEST's voltage_trace.from_file reads plain number files too)
    import matplotlib.pyplot as plt
    data = np.array([[1, 0.1, -70.0], [2, 0.1, -69.0], [1, 0.2, -68.0], [2, 0.2, -67.0]])
    path = tmp_path / "v.txt"
    np.savetxt(path, data)
    plt.close("all")
    lines = nest.voltage_trace.from_file(str(path))
    np.testing.assert_array_equal(lines[0].get_ydata(), [-70.0, -68.0])
    np.testing.assert_array_equal(lines[1].get_xdata(), [0.1, 0.2])
    plt.close("all")
