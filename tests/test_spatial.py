"""Spatial networks: positions, parameters, masks, rules and tools.

Values marked "NEST 3.10" were read from NEST 3.10 for the same calls; the
live comparison runs tests/spatial_cases.py on NEST and on pynestlite in
subprocesses and requires equal connections (with weights and delays that
depend on the distance) and equal spikes.
"""
import importlib.util
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import pynestlite as nest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


@pytest.fixture(autouse=True)
def reset():
    nest.ResetKernel()


def conns(a, b):
    c = nest.GetConnections(a, b).get(["source", "target"])
    return sorted(zip(np.atleast_1d(c["source"]).tolist(), np.atleast_1d(c["target"]).tolist()))


def test_grid_positions_as_nest():
    layer = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 2]))
    # NEST 3.10, bit for bit (y runs downward, the last index fastest)
    assert nest.GetPosition(layer) == [[-0.33333333333333337, 0.25], [-0.33333333333333337, -0.25],
                                       [-2.7755575615628914e-17, 0.25],
                                       [-2.7755575615628914e-17, -0.25],
                                       [0.33333333333333326, 0.25], [0.33333333333333326, -0.25]]
    sp = layer.spatial
    assert sp["shape"].tolist() == [3, 2] and sp["extent"].tolist() == [1.0, 1.0]
    assert sp["center"].tolist() == [0.0, 0.0] and sp["network_size"] == 6
    g = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[2, 3], center=[1, 2],
                                                                 extent=[2, 3]))
    assert nest.GetPosition(g) == [[0.5, 3], [0.5, 2], [0.5, 1], [1.5, 3], [1.5, 2], [1.5, 1]]
    g3 = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[2, 2, 2]))
    assert nest.GetPosition(g3)[:3] == [[-.25, .25, -.25], [-.25, .25, .25], [-.25, -.25, -.25]]
    assert nest.GetPosition(g3[7]) == [.25, -.25, .25]


def test_free_layer_extent_and_errors():
    f = nest.Create("iaf_psc_alpha", positions=nest.spatial.free([[0.1, 0.2], [0.5, -0.3],
                                                                   [0, 0]]))
    # NEST 3.10: centre = bounding-box midpoint, extent = the spread rounded up
    assert f.spatial["center"].tolist() == [0.25, -0.050000000000000044]
    assert f.spatial["extent"].tolist() == [1.0, 1.0]
    assert f[::2].spatial["positions"].tolist() == [[0.1, 0.2], [0.0, 0.0]]
    with pytest.raises(nest.KernelException, match="extent' must be specified"):
        nest.Create("iaf_psc_alpha", positions=nest.spatial.free([[0.0, 0.0]]))
    with pytest.raises(nest.BadProperty, match="Node position outside of layer"):
        nest.Create("iaf_psc_alpha", positions=nest.spatial.free([[1, 1], [2, 2], [3, 3]],
                                                                  extent=[1.5, 3.0]))
    with pytest.raises(nest.BadProperty, match="2 or 3 coordinates"):
        nest.Create("iaf_psc_alpha", positions=nest.spatial.free([[1, 1, 1, 1], [2, 2, 2, 2]]))
    n = nest.GetKernelStatus("network_size")
    with pytest.raises(TypeError, match="num_dimensions"):
        nest.spatial.free(nest.random.uniform())
    assert nest.GetKernelStatus("network_size") == n     # nothing half-built
    assert nest.Create("iaf_psc_alpha", 3).spatial is None


def test_drawn_positions_and_position_parameters():
    f = nest.Create("iaf_psc_alpha", 50, positions=nest.spatial.free(
        nest.random.uniform(-0.5, 0.5), num_dimensions=2, edge_wrap=True))
    pos = np.array(nest.GetPosition(f))
    assert pos.shape == (50, 2) and pos.min() >= -0.5 and pos.max() < 0.5
    assert len(np.unique(pos)) == 100                    # x and y are separate draws
    v = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid([2, 2]),
                    params={"V_m": -70.0 + nest.spatial.pos.x})
    assert v.V_m == (-70.25, -70.25, -69.75, -69.75)     # NEST 3.10
    with pytest.raises(nest.BadParameterValue, match="only be used when connecting"):
        nest.Create("iaf_psc_alpha", positions=nest.spatial.grid([2, 2]),
                    params={"V_m": nest.spatial.distance})
    with pytest.raises(nest.KernelException, match="not meta"):
        nest.Create("iaf_psc_alpha", 2, {"V_m": nest.spatial.pos.x})


def test_mask_borders_and_operators():
    c = nest.CreateMask("circular", {"radius": 1.0})
    assert c.Inside([1.0, 0.0]) and c.Inside([0.6, 0.8]) and not c.Inside([1.0000001, 0.0])
    e = nest.CreateMask("elliptical", {"major_axis": 2.0, "minor_axis": 1.0})
    assert e.Inside([1.0, 0.0]) and e.Inside([0.0, 0.5]) and not e.Inside([0.0, 0.6])
    e90 = nest.CreateMask("elliptical", {"major_axis": 2.0, "minor_axis": 1.0,
                                         "azimuth_angle": 90.0})
    assert e90.Inside([0.0, 1.0]) and not e90.Inside([1.0, 0.0])
    r = nest.CreateMask("rectangular", {"lower_left": [0, 0], "upper_right": [2, 1],
                                        "azimuth_angle": 90.0})
    assert r.Inside([1, 1.4]) and r.Inside([1.4, 0.5]) and r.Inside([1.0, -0.4])
    assert not r.Inside([1.6, 0.5])
    d = nest.CreateMask("doughnut", {"inner_radius": 0.5, "outer_radius": 1.0})
    assert d.Inside([1.0, 0.0]) and not d.Inside([0.5, 0.0]) and d.Inside([0.6, 0.0])
    a = nest.CreateMask("circular", {"radius": 0.5}, anchor=[1.0, 0.0])
    assert a.Inside([1.5, 0.0]) and not a.Inside([0.0, 0.0])
    u, i, m = c | a, c & a, c - a
    assert u.Inside([1.4, 0.0]) and not i.Inside([0.0, 0.0]) and i.Inside([0.75, 0.0])
    assert m.Inside([0.0, 0.0]) and not m.Inside([0.75, 0.0])
    with pytest.raises(nest.BadProperty, match="2-dimensional position"):
        c.Inside([0.0, 0.0, 0.0])
    with pytest.raises(nest.UndefinedName):
        nest.CreateMask("hexagonal", {})
    with pytest.raises(nest.BadProperty, match="inner_radius < outer_radius"):
        nest.CreateMask("doughnut", {"inner_radius": 0.1, "outer_radius": 0.1})
    with pytest.raises(nest.KernelException, match="can not be combined"):
        nest.CreateMask("grid", {"shape": [2, 2]}) | c


def line_layer():
    return nest.Create("iaf_psc_alpha", positions=nest.spatial.free(
        [[float(x), 0.0] for x in range(5)], extent=[5.0, 1.0], edge_wrap=True))


@pytest.mark.parametrize("conn, shift", [
    ({"rule": "pairwise_bernoulli"}, +1),
    ({"rule": "pairwise_bernoulli", "use_on_source": True}, -1),
    ({"rule": "fixed_indegree", "indegree": 1}, -1),
    ({"rule": "fixed_outdegree", "outdegree": 1}, +1),
])
def test_mask_centre_per_rule(conn, shift):
    # NEST 3.10: the default and fixed_outdegree lay the mask at the source,
    # use_on_source and fixed_indegree at the target
    layer = line_layer()
    spec = dict(conn, mask={"rectangular": {"lower_left": [0.5, -0.5],
                                            "upper_right": [1.5, 0.5]}})
    nest.Connect(layer, layer, spec)
    first = layer.tolist()[0]
    want = sorted((first + i, first + (i + shift) % 5) for i in range(5))
    assert conns(layer, layer) == want


def test_periodic_images_and_no_mask():
    g = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 2], edge_wrap=True))
    nest.Connect(g, g, {"rule": "pairwise_bernoulli", "mask": {"circular": {"radius": 0.5}}})
    # NEST 3.10: node 2 lies inside in two images (displacements -0.5 and +0.5)
    assert conns(g[0], g[1]) == [(1, 2), (1, 2)]
    h = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 3]))
    nest.Connect(h, h, {"rule": "pairwise_bernoulli", "p": nest.spatial.distance < 10.0,
                        "allow_autapses": False})
    assert len(conns(h, h)) == 72                          # NEST 3.10
    with pytest.raises(nest.BadProperty, match="allow_oversized_mask"):
        nest.Connect(g, g, {"rule": "pairwise_bernoulli",
                            "mask": {"circular": {"radius": 0.6}}})


def test_bernoulli_probability_statistics():
    nest.SetKernelStatus({"rng_seed": 3})
    layer = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[40, 40],
                                                                     edge_wrap=True))
    p = nest.spatial_distributions.gaussian(nest.spatial.distance, std=0.05)
    nest.Connect(layer, layer, {"rule": "pairwise_bernoulli", "p": p,
                                "mask": {"circular": {"radius": 0.15}}})
    # expected count: the sum of p over every pair inside the mask
    pos = np.array(nest.GetPosition(layer))
    d = pos[None, :, :] - pos[:, None, :]
    d -= np.round(d)
    r = np.sqrt((d ** 2).sum(-1))
    pr = np.where(r <= 0.15, np.exp(-r ** 2 / (2 * 0.05 ** 2)), 0.0)
    mean, sd = pr.sum(), math.sqrt((pr * (1 - pr)).sum())
    n = nest.GetKernelStatus("num_connections")
    assert abs(n - mean) < 4 * sd, (n, mean, sd)
    c = nest.GetConnections(layer, layer)
    dist = np.array(c.distance)
    assert dist.max() <= 0.15 + 1e-12
    # the distances follow p: a chi-square over 5 distance bins
    edges = np.linspace(0, 0.15, 6)
    obs = np.histogram(dist, edges)[0]
    exp = np.array([pr[(r > lo_) & (r <= hi_) | ((lo_ == 0) & (r == 0))].sum()
                    for lo_, hi_ in zip(edges[:-1], edges[1:])])
    chi2 = (((obs - exp) ** 2) / exp).sum()
    assert chi2 < 20.5, (obs, exp)       # 5 bins: p = 0.001


def test_fixed_indegree_in_mask():
    nest.SetKernelStatus({"rng_seed": 5})
    src = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[20, 20]))
    tgt = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[10, 10]))
    nest.Connect(src, tgt, {"rule": "fixed_indegree", "indegree": 8, "allow_multapses": False,
                            "mask": {"circular": {"radius": 0.2}}})
    c = nest.GetConnections(src, tgt)
    t = np.array(c.get("target"))
    s = np.array(c.get("source"))
    assert np.all(np.bincount(t - tgt.tolist()[0], minlength=100) == 8)
    assert len(set(zip(s.tolist(), t.tolist()))) == len(s)     # no multapses
    assert max(c.distance) <= 0.2 + 1e-12
    with pytest.raises(nest.KernelException, match="Not enough sources found inside mask"):
        nest.Connect(src, tgt, {"rule": "fixed_indegree", "indegree": 500,
                                "allow_multapses": False, "mask": {"circular": {"radius": 0.2}}})


def test_spatial_conn_spec_errors():
    g = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 3]))
    plain = nest.Create("iaf_psc_alpha", 3)
    with pytest.raises(TypeError, match="spatial information"):
        nest.Connect(plain, g, {"rule": "pairwise_bernoulli",
                                "mask": {"circular": {"radius": 0.5}}})
    with pytest.raises(ValueError, match="only possible connection rules"):
        nest.Connect(g, g, {"rule": "all_to_all", "mask": {"circular": {"radius": 0.5}}})
    with pytest.raises(ValueError, match="not allowed in conn_spec"):
        nest.Connect(g, g, {"rule": "pairwise_bernoulli", "p": nest.spatial.distance,
                            "foo": 1})
    assert nest.GetKernelStatus("num_connections") == 0


def test_tools(tmp_path):
    layer = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 2]))
    # NEST 3.10's conventions
    assert nest.Displacement(layer[0], layer[1]) == [[0.0, 0.5]]
    d = nest.Displacement([[0.0, 0.0]], layer[:2])
    assert d == [[-0.33333333333333337, 0.25], [-0.33333333333333337, -0.25]]
    assert nest.Distance(layer[0], layer[1]) == [0.5]
    assert nest.FindNearestElement(layer, [0.0, 0.0]).tolist() == [3]
    assert [n.tolist() for n in nest.FindNearestElement(layer, [0.0, 0.0], find_all=True)] == \
        [[3], [4]]
    assert nest.FindCenterElement(layer).tolist() == [3]
    w = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[4, 4],
                                                                 edge_wrap=True))
    assert nest.Displacement(w[0], w[12]) == [[0.25, 0.0]]
    sel = nest.SelectNodesByMask(layer, [0.0, 0.0], nest.CreateMask("circular",
                                                                      {"radius": 0.3}))
    assert sel.tolist() == [3, 4]
    nest.Connect(layer, layer, {"rule": "pairwise_bernoulli", "p": 1.0,
                                "mask": {"rectangular": {"lower_left": [-0.1, -0.6],
                                                         "upper_right": [0.1, 0.1]}}},
                 {"weight": 1.5, "delay": 2.3})
    assert [t.tolist() for t in nest.GetTargetNodes(layer[:2], layer)] == [[1, 2], [2]]
    assert nest.GetTargetPositions(layer[1], layer)[0] == [nest.GetPosition(layer[1])]
    nest.DumpLayerNodes(layer[1:3], str(tmp_path / "nodes.txt"))
    lines = (tmp_path / "nodes.txt").read_text().splitlines()
    assert lines[0] == "1 -0.333333 0.25" and lines[2] == "3 -2.77556e-17 0.25"
    assert len(lines) == 6                                   # the whole layer
    nest.DumpLayerConnections(layer, layer, "static_synapse", str(tmp_path / "c.txt"))
    rows = (tmp_path / "c.txt").read_text().splitlines()
    assert "1 2 1.5 2.3 0 -0.5" in rows


def test_parameter_apply():
    layer = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[3, 3]))
    v = nest.spatial.distance.apply(layer[4], [[0.0, 0.0], [0.3, 0.4]])
    assert v == pytest.approx((0.0, 0.5), abs=1e-15)   # (the centre node sits at ~1e-17)
    assert (nest.spatial.pos.y + 1.0).apply(layer[:3]) == tuple(
        1.0 + p[1] for p in nest.GetPosition(layer[:3]))


def test_layers_join_only_themselves():
    plain = nest.Create("iaf_psc_alpha", 10)
    layer = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[5, 5]))
    with pytest.raises(nest.BadProperty, match="same metadata"):
        plain + layer
    with pytest.raises(nest.KernelException):
        layer[:3] + layer[5:8]


def test_plots(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    layer = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[5, 5]))
    mask = {"circular": {"radius": 0.3}}
    p = nest.spatial_distributions.gaussian(nest.spatial.distance, std=0.2)
    nest.Connect(layer, layer, {"rule": "pairwise_bernoulli", "p": p, "mask": mask})
    fig = nest.PlotLayer(layer)
    nest.PlotTargets(layer[12], layer, fig=fig, mask=mask, probability_parameter=p)
    ax = fig.gca()
    # the 25 nodes, the source and its targets
    n_points = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))
    assert n_points >= 25 + 1 + len(nest.GetTargetNodes(layer[12], layer)[0])
    fig.savefig(tmp_path / "targets.png")


@pytest.mark.skipif(importlib.util.find_spec("nest") is None,
                    reason="NEST (PyNEST) is not installed")
def test_masks_weights_and_spikes_equal_nest(tmp_path):
    """52 deterministic cases (grid and free layers, open and periodic, seven
    masks with anchors, both pairwise_bernoulli variants, weights and delays
    from the distance, input currents from the x position): the same
    connections (weights and delays to 12 decimals) and spike times as NEST
    3.10."""
    script = os.path.join(HERE, "spatial_cases.py")
    out = {}
    for sim in ("nest", "pynestlite"):
        path = str(tmp_path / f"{sim}.json")
        proc = subprocess.run([sys.executable, script, sim, path], capture_output=True,
                              text=True, timeout=600, cwd=os.path.dirname(HERE))
        assert proc.returncode == 0, proc.stderr[-3000:]
        with open(path) as f:
            out[sim] = json.load(f)
    assert sorted(out["nest"]) == sorted(out["pynestlite"])
    n_conn = sum(len(v["conns"]) for v in out["nest"].values())
    n_spikes = sum(len(v["spikes"]) for v in out["nest"].values())
    assert n_conn > 10000 and n_spikes > 1000
    for key in out["nest"]:
        assert out["pynestlite"][key] == out["nest"][key], key


def test_results_do_not_depend_on_the_chunks(monkeypatch):
    """The rules work through the drivers in chunks; every draw is keyed by
    its driver, so tiny chunks give the same connections."""
    import networks
    from pynestlite.spatial import connect as sc
    ref = networks.spatial_network(nest, simtime=50.0)
    monkeypatch.setattr(sc, "PAIRS_PER_CHUNK", 97)
    small = networks.spatial_network(nest, simtime=50.0)
    keys = ("conn_source", "conn_target", "conn_weight", "conn_delay")
    rows = sorted(zip(*[ref[k].tolist() for k in keys]))
    assert len(rows) > 10000
    assert rows == sorted(zip(*[small[k].tolist() for k in keys]))
    assert np.array_equal(np.sort(ref["times"]), np.sort(small["times"]))


def test_neuron_layer_to_recorder_layer_by_pairwise_bernoulli_on_source():
    # NEST: a layer of neurons reaches a layer of spike_recorders through the
    # spatial pairwise_bernoulli with use_on_source; the other rules raise
    nest.ResetKernel()
    nrn = nest.Create("parrot_neuron", positions=nest.spatial.grid(shape=[2, 2]))
    rec = nest.Create("spike_recorder", positions=nest.spatial.grid(shape=[1, 1]))
    nest.Connect(nrn, rec, {"rule": "pairwise_bernoulli", "p": 1.0, "use_on_source": True})
    assert sorted(nest.GetConnections(target=rec).get("source")) == list(nrn.global_id)
    for spec in ({"rule": "pairwise_bernoulli", "p": 1.0, "use_on_source": False},
                 {"rule": "fixed_indegree", "indegree": 4, "allow_multapses": False}):
        with pytest.raises(nest.IllegalConnection, match="recording devices"):
            nest.Connect(nrn, rec, spec)
