"""Recording back ends (pynestlite.recording): ascii, hdf5, screen, merge, gather.

Every test writes into its own ``tmp_path`` (set as ``data_path``) and
compares what the files hold with the recorder's memory ``events``, which are
always kept in addition to the files.
"""
import os

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadParameter, BadProperty

h5py = pytest.importorskip("h5py")

T = 40.0  # ms per Simulate call


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


def _network(tmp_path, record_to, sr_params=None, mm_params=None):
    """3 regular spikers, a spike_recorder and a V_m multimeter (gids 4 and 5)."""
    nest.data_path = str(tmp_path)
    neurons = nest.Create("iaf_psc_alpha", 3, {"I_e": [400.0, 450.0, 500.0]})
    sr = nest.Create("spike_recorder", params=dict({"record_to": record_to}, **(sr_params or {})))
    mm = nest.Create("multimeter", params=dict({"record_to": record_to, "record_from": ["V_m"],
                                                "interval": 0.5}, **(mm_params or {})))
    nest.Connect(neurons, sr)
    nest.Connect(mm, neurons)
    return neurons, sr, mm


def _read_dat(path):
    """(header columns, data array with one row per event) of an ascii file."""
    with open(path) as fh:
        first, second, header = fh.readline(), fh.readline(), fh.readline()
        body = fh.read()
    assert first.startswith("# ") and second == "# RecordingBackendASCII version: 2\n"
    assert "#" not in body and "sender" not in body, "the header must appear once, at the top"
    data = np.loadtxt(path, skiprows=3, ndmin=2)
    return header.rstrip("\n").split("\t"), data


def _assert_dat_equals_events(path, events, variables=()):
    cols, data = _read_dat(path)
    assert cols == ["sender", "time_ms"] + list(variables)
    assert len(data) == len(events["senders"]) > 0
    np.testing.assert_array_equal(data[:, 0].astype(np.int64), events["senders"])
    np.testing.assert_allclose(data[:, 1], np.round(events["times"], 3), rtol=0, atol=1e-9)
    for j, name in enumerate(variables):
        # %.17g round-trips a double exactly
        np.testing.assert_array_equal(data[:, 2 + j], events[name])


def _sorted_events(ev):
    order = np.lexsort((ev["senders"], ev["times"]))
    return {k: np.asarray(v)[order] for k, v in ev.items()}


def _slice_events(ev, start, stop):
    return {k: np.asarray(v)[start:stop] for k, v in ev.items()}


# ---------------------------------------------------------------------------
# ascii
def test_ascii_one_file_per_recorder_equal_to_memory_and_appended(tmp_path):
    _, sr, mm = _network(tmp_path, "ascii")
    sr_file = tmp_path / f"spike_recorder-{sr.global_id}-0.dat"
    mm_file = tmp_path / f"multimeter-{mm.global_id}-0.dat"

    nest.Simulate(T)
    assert sorted(os.listdir(tmp_path)) == sorted([sr_file.name, mm_file.name])
    _assert_dat_equals_events(sr_file, sr.get("events"))
    _assert_dat_equals_events(mm_file, mm.get("events"), ["V_m"])
    n_sr_first, n_mm_first = sr.n_events, mm.n_events

    nest.Simulate(T)  # the second run appends to the same files
    assert sorted(os.listdir(tmp_path)) == sorted([sr_file.name, mm_file.name])
    ev_sr, ev_mm = sr.get("events"), mm.get("events")
    assert sr.n_events > n_sr_first and mm.n_events > n_mm_first
    assert ev_sr["times"].max() > T and ev_mm["times"].max() == 2 * T - nest.min_delay  # NEST: the last slice's samples follow later
    _assert_dat_equals_events(sr_file, ev_sr)
    _assert_dat_equals_events(mm_file, ev_mm, ["V_m"])


def test_ascii_file_name_uses_label_and_data_prefix(tmp_path):
    nest.data_prefix = "exp1_"
    _, sr, mm = _network(tmp_path, "ascii", sr_params={"label": "spikes"})
    nest.Simulate(T)
    expected = {f"exp1_spikes-{sr.global_id}-0.dat", f"exp1_multimeter-{mm.global_id}-0.dat"}
    assert set(os.listdir(tmp_path)) == expected
    _assert_dat_equals_events(tmp_path / f"exp1_spikes-{sr.global_id}-0.dat", sr.get("events"))


def test_ascii_time_in_steps_writes_steps_and_offsets(tmp_path):
    # NEST's layout: sender, time_step, time_offset (precision decimals)
    _, sr, _ = _network(tmp_path, "ascii", sr_params={"time_in_steps": True})
    nest.Simulate(T)
    ev = sr.get("events")
    assert ev["times"].dtype.kind == "i"
    cols, data = _read_dat(tmp_path / f"spike_recorder-{sr.global_id}-0.dat")
    assert cols == ["sender", "time_step", "time_offset"]
    assert len(data) == len(ev["senders"]) > 0
    np.testing.assert_array_equal(data[:, 0].astype(np.int64), ev["senders"])
    np.testing.assert_array_equal(data[:, 1].astype(np.int64), ev["times"])
    assert np.all(data[:, 2] == 0.0)
    with open(tmp_path / f"spike_recorder-{sr.global_id}-0.dat") as fh:
        assert fh.readlines()[3].split("\t")[2] == "0.000\n"


@pytest.mark.parametrize("in_steps", [False, True])
def test_ascii_precise_spike_times(tmp_path, in_steps):
    # precise spikes: the ms column is the stamp's time less the offset; in
    # steps, the offset is its own column (as NEST)
    nest.ResetKernel()
    nest.data_path = str(tmp_path)
    pg = nest.Create("poisson_generator_ps", params={"rate": 5000.0})
    par = nest.Create("parrot_neuron_ps", 3)
    sr = nest.Create("spike_recorder", params={"record_to": "ascii",
                                               "time_in_steps": in_steps, "precision": 6})
    nest.Connect(pg, par)
    nest.Connect(par, sr)
    nest.Simulate(30.0)
    ev = sr.get("events")
    cols, data = _read_dat(tmp_path / f"spike_recorder-{sr.global_id}-0.dat")
    assert len(data) == len(ev["senders"]) > 50
    if in_steps:
        assert cols == ["sender", "time_step", "time_offset"]
        np.testing.assert_array_equal(data[:, 1].astype(np.int64), ev["times"])
        np.testing.assert_allclose(data[:, 2], ev["offsets"], atol=1e-6)
        assert np.any(data[:, 2] > 0.0)
    else:
        assert cols == ["sender", "time_ms"]
        np.testing.assert_allclose(data[:, 1], ev["times"], atol=1e-6)
        assert np.any(np.abs(ev["times"] / nest.resolution
                             - np.round(ev["times"] / nest.resolution)) > 1e-3)


def test_time_in_steps_cannot_change_after_simulate():
    nest.ResetKernel()
    mm = nest.Create("multimeter")
    mm.time_in_steps = True
    nest.Simulate(10.0)
    mm.time_in_steps = True             # the value it has: no change
    with pytest.raises(BadProperty, match="time_in_steps cannot be set after Simulate"):
        mm.time_in_steps = False
    assert mm.time_in_steps


def test_cleanup_after_a_simulate_whose_prepare_failed(tmp_path):
    # NEST: Simulate = Prepare, Run, Cleanup; after a Prepare that failed
    # (an output file exists), Cleanup is allowed, then Simulate works
    nest.ResetKernel()
    nest.data_path = str(tmp_path)
    mm = nest.Create("multimeter", params={"record_to": "ascii", "record_from": ["V_m"]})
    nest.Connect(mm, nest.Create("iaf_psc_alpha"))
    nest.Simulate(10.0)
    nest.ResetKernel()
    nest.data_path = str(tmp_path)
    mm = nest.Create("multimeter", params={"record_to": "ascii", "record_from": ["V_m"]})
    nest.Connect(mm, nest.Create("iaf_psc_alpha"))
    with pytest.raises(BadProperty, match="exists"):
        nest.Simulate(10.0)
    nest.Cleanup()
    with pytest.raises(nest.KernelStateError, match="Cleanup called without Prepare"):
        nest.Cleanup()
    nest.overwrite_files = True
    nest.Simulate(10.0)
    assert mm.n_events == 9


def test_ascii_then_memory_keeps_file_and_memory_consistent(tmp_path):
    """Switching a recorder from ascii to memory stops the file, not the recording."""
    _, sr, _ = _network(tmp_path, "ascii")
    path = tmp_path / f"spike_recorder-{sr.global_id}-0.dat"
    nest.Simulate(T)
    first = sr.get("events")
    content = path.read_text()
    sr.record_to = "memory"
    nest.Simulate(T)
    assert path.read_text() == content
    assert sr.n_events > len(first["senders"])
    sr.record_to = "ascii"  # back to the same file: appended, no "file exists" error
    nest.Simulate(T)
    _, data = _read_dat(path)
    ev = sr.get("events")
    late = ev["times"] > 2 * T
    np.testing.assert_array_equal(data[:, 0].astype(np.int64),
                                  np.concatenate([first["senders"], ev["senders"][late]]))


def test_n_events_zero_clears_memory_but_not_the_file(tmp_path):
    _, sr, _ = _network(tmp_path, "ascii")
    nest.Simulate(T)
    before = sr.get("events")
    sr.n_events = 0
    assert sr.n_events == 0
    nest.Simulate(T)
    after = sr.get("events")
    assert after["times"].min() > T
    _, data = _read_dat(tmp_path / f"spike_recorder-{sr.global_id}-0.dat")
    np.testing.assert_array_equal(data[:, 0].astype(np.int64),
                                  np.concatenate([before["senders"], after["senders"]]))


def test_screen_backend_prints_events(tmp_path, capsys):
    _, sr, _ = _network(tmp_path, "memory", sr_params={"record_to": "screen"})
    capsys.readouterr()
    nest.Simulate(T)
    lines = capsys.readouterr().out.strip().splitlines()
    ev = sr.get("events")
    assert len(lines) == len(ev["senders"]) > 0
    assert lines == [f"{s}\t{t:.3f}" for s, t in zip(ev["senders"], ev["times"])]
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------
# hdf5
def _check_group(grp, model, gid, events, variables=()):
    assert dict(grp.attrs) == {"model": model, "gid": gid, "rank": 0}
    assert set(grp.keys()) == {"senders", "times", *variables}
    assert grp["senders"].dtype == np.int64 and grp["times"].dtype == np.float64
    np.testing.assert_array_equal(grp["senders"][()], events["senders"])
    np.testing.assert_array_equal(grp["times"][()], events["times"])
    for name in variables:
        assert grp[name].dtype == np.float64
        np.testing.assert_array_equal(grp[name][()], events[name])


def test_hdf5_one_file_per_run_with_documented_layout(tmp_path):
    nest.data_prefix = "net_"
    _, sr, mm = _network(tmp_path, "hdf5", sr_params={"label": "spikes"})
    sr_gid, mm_gid = sr.global_id, mm.global_id
    bounds = [(0, 0)]
    for _ in range(2):
        nest.Simulate(T)
        bounds.append((sr.n_events, mm.n_events))
    assert sorted(os.listdir(tmp_path)) == ["net_run-0.h5", "net_run-1.h5"]
    ev_sr, ev_mm = sr.get("events"), mm.get("events")
    for run in (0, 1):
        (s0, m0), (s1, m1) = bounds[run], bounds[run + 1]
        assert s1 > s0 and m1 > m0
        with h5py.File(tmp_path / f"net_run-{run}.h5", "r") as f:
            assert f.attrs["resolution"] == nest.resolution
            assert f.attrs["rank"] == 0 and f.attrs["num_processes"] == 1
            assert set(f.keys()) == {f"spikes-{sr_gid}", f"multimeter-{mm_gid}"}
            _check_group(f[f"spikes-{sr_gid}"], "spike_recorder", sr_gid,
                         _slice_events(ev_sr, s0, s1))
            _check_group(f[f"multimeter-{mm_gid}"], "multimeter", mm_gid,
                         _slice_events(ev_mm, m0, m1), ["V_m"])


def test_hdf5_run_index_counts_every_run_and_restarts_after_reset(tmp_path):
    _, sr, _ = _network(tmp_path, "memory")
    nest.Simulate(T)                    # run 0: nothing to hdf5
    sr.record_to = "hdf5"
    nest.Simulate(T)                    # run 1
    assert os.listdir(tmp_path) == ["run-1.h5"]
    nest.ResetKernel()
    sub = tmp_path / "second"
    sub.mkdir()
    _, sr, _ = _network(sub, "hdf5")
    nest.Simulate(T)
    assert os.listdir(sub) == ["run-0.h5"]
    with h5py.File(sub / "run-0.h5", "r") as f:
        np.testing.assert_array_equal(f[f"spike_recorder-{sr.global_id}"]["senders"][()],
                                      sr.get("events")["senders"])


def test_merge_hdf5_of_two_runs_is_sorted_concatenation(tmp_path):
    _, sr, mm = _network(tmp_path, "hdf5")
    nest.Simulate(T)
    nest.Simulate(T)
    out = tmp_path / "merged.h5"
    assert nest.merge_hdf5([tmp_path / "run-0.h5", tmp_path / "run-1.h5"], out) == out
    with h5py.File(out, "r") as f:
        assert "rank" not in f.attrs
        assert f.attrs["num_processes"] == 1
        for rec, variables in ((sr, ()), (mm, ("V_m",))):
            grp = f[f"{rec.get('model')}-{rec.global_id}"]
            assert "rank" not in grp.attrs
            assert grp.attrs["gid"] == rec.global_id
            want = _sorted_events(rec.get("events"))
            for name in ("senders", "times", *variables):
                np.testing.assert_array_equal(grp[name][()], want[name])


def test_merge_hdf5_of_rank_files_equals_one_rank_file(tmp_path):
    """Split a 1-rank file by sender parity (as two ranks hold it) and merge back."""
    _network(tmp_path, "hdf5")
    nest.Simulate(T)
    src = tmp_path / "run-0.h5"
    parts = [tmp_path / "part-rank0.h5", tmp_path / "part-rank1.h5"]
    with h5py.File(src, "r") as f:
        for r, p in enumerate(parts):
            with h5py.File(p, "w") as g:
                for k, v in f.attrs.items():
                    g.attrs[k] = v
                g.attrs["rank"] = r
                g.attrs["num_processes"] = 2
                for name, grp in f.items():
                    h = g.create_group(name)
                    for k, v in grp.attrs.items():
                        h.attrs[k] = v
                    h.attrs["rank"] = r
                    keep = grp["senders"][()] % 2 == (1 - r)
                    for col, ds in grp.items():
                        h.create_dataset(col, data=ds[()][keep])
    out = nest.merge_hdf5(parts[::-1], tmp_path / "merged.h5")
    with h5py.File(src, "r") as f, h5py.File(out, "r") as m:
        assert set(m.keys()) == set(f.keys())
        for name in f:
            assert set(m[name].keys()) == set(f[name].keys())
            for col in f[name]:
                assert m[name][col].dtype == f[name][col].dtype
                np.testing.assert_array_equal(m[name][col][()], f[name][col][()])


def test_merge_hdf5_rejects_a_single_path(tmp_path):
    with pytest.raises(BadParameter, match="list of file paths"):
        nest.merge_hdf5(str(tmp_path / "run-0.h5"), tmp_path / "out.h5")
    with pytest.raises(BadParameter, match="at least one input file"):
        nest.merge_hdf5([], tmp_path / "out.h5")


# ---------------------------------------------------------------------------
# gather_events
def test_gather_events_one_rank_returns_sorted_events():
    neurons = nest.Create("iaf_psc_alpha", 4, {"I_e": [400.0, 420.0, 440.0, 460.0]})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, neurons[2:])       # targets in the order 3, 4, 1, 2
    nest.Connect(mm, neurons[:2])
    nest.Connect(neurons, sr)
    nest.Simulate(T)
    ev = mm.get("events")
    assert not np.array_equal(ev["senders"][:4], [1, 2, 3, 4])
    got = nest.gather_events(mm)
    want = _sorted_events(ev)
    assert set(got) == set(ev)
    np.testing.assert_array_equal(got["senders"][:4], [1, 2, 3, 4])
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])
    got_sr = nest.gather_events(sr)
    assert len(got_sr["times"]) > 0
    assert np.all(np.diff(got_sr["times"]) >= 0)
    for key, v in _sorted_events(sr.get("events")).items():
        np.testing.assert_array_equal(got_sr[key], v)


def test_gather_events_needs_one_recorder():
    neurons = nest.Create("iaf_psc_alpha", 2)
    recs = nest.Create("spike_recorder", 2)
    with pytest.raises(BadParameter, match="one recorder, got 2 nodes"):
        nest.gather_events(recs)
    with pytest.raises(BadParameter, match="is not a recorder"):
        nest.gather_events(neurons[:1])


@pytest.mark.parametrize("min_delay", [0.1, 1.0])
def test_multimeter_hands_out_samples_one_slice_late_as_nest(min_delay):
    """NEST 3.10, same script: after each Simulate the samples end at the
    start of the last slice run (the rest follows with the next run)."""
    nest.set(min_delay=min_delay, max_delay=2.0)
    n = nest.Create("iaf_psc_alpha", params={"I_e": 400.0})
    m = nest.Create("multimeter", params={"interval": 0.5, "record_from": ["V_m"]})
    nest.Connect(m, n)
    nest.Simulate(5.0)
    last = {0.1: 4.5, 1.0: 4.0}[min_delay]
    np.testing.assert_array_equal(m.events["times"], np.arange(1, 2 * last + 1) * 0.5)
    assert m.n_events == 2 * last
    nest.Simulate(0.3)                  # a partial slice: up to its start, 5.0 (or 5.2)
    np.testing.assert_array_equal(m.events["times"], np.arange(1, 11) * 0.5)
    nest.Simulate(2.0)
    np.testing.assert_array_equal(m.events["times"], np.arange(1, 15) * 0.5)
    v = m.events["V_m"]
    assert np.all(np.diff(v) > 0)       # the membrane charges towards threshold


def test_multimeter_connections_number_their_receptors_as_nest():
    """NEST 3.10, same script: each multimeter recording a neuron gets the
    next receptor of that neuron (1, 2, ...); spike_recorder connections 0."""
    n = nest.Create("iaf_psc_alpha", 3)
    m1 = nest.Create("multimeter", params={"record_from": ["V_m"]})
    m2 = nest.Create("multimeter", params={"record_from": ["V_m"]})
    nest.Connect(m2, n[1:])
    nest.Connect(m1, n)
    assert nest.GetConnections(m1).receptor == [1, 2, 2]
    assert nest.GetConnections(m2).receptor == [1, 1]
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    assert nest.GetConnections(target=sr).receptor == [0, 0, 0]
    nest.Simulate(3.0)                                  # the recordings are unchanged
    assert len(m1.events["times"]) == 3 * 2 and len(m2.events["times"]) == 2 * 2


def test_ascii_file_extension_and_time_precision(tmp_path):
    """``file_extension`` names the file, ``precision`` sets the decimals of
    the times; values keep every bit."""
    nest.ResetKernel()
    nest.data_path = str(tmp_path)
    n = nest.Create("iaf_psc_alpha", params={"I_e": 400.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "record_to": "ascii",
                                           "file_extension": "txt", "precision": 1,
                                           "interval": 0.5})
    nest.Connect(mm, n)
    nest.Simulate(3.0)
    path = mm.filenames[0]
    assert path.endswith("-0.txt")
    rows = open(path).read().splitlines()[3:]
    assert [r.split("\t")[1] for r in rows[:3]] == ["0.5", "1.0", "1.5"]
    np.testing.assert_array_equal(np.loadtxt(path, skiprows=3)[:, 2], mm.events["V_m"])
    with pytest.raises(BadProperty, match="precision"):
        mm.precision = 2.5
    with pytest.raises(BadProperty, match="precision must be a non-negative integer"):
        mm.precision = -1


def test_filenames_of_an_ascii_recorder(tmp_path):
    """``filenames``: the file a recorder writes on this rank (ascii), read as
    NEST's examples read it (three header rows)."""
    nest.ResetKernel()
    nest.data_path = str(tmp_path)
    n = nest.Create("iaf_psc_alpha", params={"I_e": 400.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "record_to": "ascii",
                                           "interval": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    nest.Simulate(50.0)
    # as NEST: only an ascii recorder reports filenames, file_extension, precision
    assert not {"filenames", "file_extension", "precision"} & set(sr.get())
    assert mm.get(["file_extension", "precision"]) == {"file_extension": "dat",
                                                       "precision": 3}
    data = np.loadtxt(mm.filenames[0], skiprows=3)
    np.testing.assert_allclose(data[:, 1], mm.events["times"])
    np.testing.assert_allclose(data[:, 2], mm.events["V_m"], rtol=1e-15)


def test_generator_spikes_reach_only_the_recorders_listening():
    """A spike_recorder records the spike_generators connected to it; the
    generators no recorder listens to are not scanned (listens_to)."""
    nest.ResetKernel()
    a = nest.Create("spike_generator", 2, params={"spike_times": [1.0, 3.0]})
    b = nest.Create("spike_generator", 3, params={"spike_times": [2.0]})
    n = nest.Create("iaf_psc_alpha")
    sr = nest.Create("spike_recorder")
    nest.Connect(a[1], sr)
    nest.Connect(b, n)
    nest.Simulate(5.0)
    ev = sr.events
    assert list(ev["senders"]) == [a[1].global_id] * 2
    assert list(ev["times"]) == [1.0, 3.0]
    from pynestlite.engine import kernel
    rec = next(r.block for r in kernel.records if r.block.model == "spike_recorder")
    gens = [r.block for r in kernel.records if r.block.model == "spike_generator"]
    masks = [list(rec.listens_to(g.gids)) for g in gens]
    assert [False, True] in masks and [False, False, False] in masks
