"""The synapse layer: a synapse model defined outside the project plugs in.

``tests/plugins/counting_synapse.pyx`` is compiled here against the
installed kernel declarations (``pynestlite/kernel/*.pxd``) and registered
with ``register_synapse_model``; nothing in the scheduler, the front end or
GetConnections knows it.  It reads its target's spike history from the
kernel's archive at every delivery and changes its weight, so the test checks
delivery, per-synapse columns, model-level parameters through CopyModel,
the archive, GetConnections of model columns, ``sizeof`` and 1 vs 2 ranks.
"""
import glob
import importlib
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import UnaccessedDictionaryEntry

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGINS = os.path.join(HERE, "plugins")
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")


def _stage_includes(root):
    """pynestlite/kernel/*.pxd and *.h of the installed package under ``root``."""
    kdir = os.path.dirname(importlib.import_module("pynestlite.kernel.connections").__file__)
    dest = os.path.join(root, "pynestlite", "kernel")
    os.makedirs(dest)
    open(os.path.join(root, "pynestlite", "__init__.pxd"), "w").close()
    open(os.path.join(dest, "__init__.pxd"), "w").close()
    for f in glob.glob(os.path.join(kdir, "*.pxd")) + glob.glob(os.path.join(kdir, "*.h")):
        shutil.copy(f, dest)
    return dest


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory):
    pytest.importorskip("Cython")
    tmp = str(tmp_path_factory.mktemp("plugin"))
    inc = _stage_includes(os.path.join(tmp, "include"))
    shutil.copy(os.path.join(PLUGINS, "counting_synapse.pyx"), tmp)
    setup = textwrap.dedent(f"""
        import numpy as np
        from Cython.Build import cythonize
        from setuptools import Extension, setup
        setup(ext_modules=cythonize(
            [Extension("counting_synapse", ["counting_synapse.pyx"],
                       include_dirs=[np.get_include(), {inc!r}])],
            include_path=[{os.path.join(tmp, "include")!r}], quiet=True))
    """)
    with open(os.path.join(tmp, "setup.py"), "w") as f:
        f.write(setup)
    p = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=tmp,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return tmp


@pytest.fixture(scope="module")
def counting(plugin_dir):
    sys.path.insert(0, plugin_dir)
    sys.path.insert(0, PLUGINS)
    try:
        mod = importlib.import_module("counting_synapse")
        net = importlib.import_module("counting_network")
    finally:
        sys.path.remove(plugin_dir)
        sys.path.remove(PLUGINS)
    from pynestlite.engine import register_synapse_model
    register_synapse_model("counting_synapse", mod.CountingSynapseTable)
    return net


def test_registered_model_defaults_and_sizeof(counting):
    nest.ResetKernel()
    d = nest.GetDefaults("counting_synapse")
    assert d["increment"] == 0.5 and d["t_post"] == -1.0 and d["weight"] == 1.0
    assert d["sizeof"] == 4 + 2 + 8 + 8        # code, delay, weight, t_post
    assert nest.GetDefaults("static_synapse")["sizeof"] == 14
    assert "counting_synapse" in nest.Models("synapses")
    with pytest.raises(UnaccessedDictionaryEntry):
        nest.SetDefaults("counting_synapse", {"incremnt": 1.0})


def test_plastic_model_semantics(counting):
    d, ev = counting.run(nest)
    src, tgt = np.array(d["source"]), np.array(d["target"])
    w, tp = np.array(d["weight"]), np.array(d["t_post"])
    model = np.array(d["synapse_model"])
    assert len(src) == 5 * 3 + 2
    assert set(d["sizeof"]) == {22}
    senders, times = ev["senders"], ev["times"]
    assert len(times) > 100
    h = 0.1
    for i in range(len(src)):
        fast = model[i] == "counting_fast"
        pre_t = times[senders == src[i]]
        post_steps = np.round(times[senders == tgt[i]] / h).astype(int)
        n_pre = len(pre_t)          # 300 ms is a multiple of min_delay: all delivered
        if not fast:
            assert w[i] == pytest.approx(2.0 + 0.5 * n_pre)
        else:
            assert w[i] > 1.0 + 0.25 * n_pre and w[i] < 2.0 + 0.25 * n_pre
        # the last delivery happened at the end of the slice (min_delay 1 ms
        # = 10 steps) of the source's last spike; the archive then held the
        # target's spikes up to that slice end
        last_pre = int(round(pre_t[-1] / h))          # stamp = step + 1
        slice_end = ((last_pre - 1) // 10 + 1) * 10
        seen = post_steps[post_steps <= slice_end]
        expected = seen[-1] * h if len(seen) else -1.0
        assert tp[i] == pytest.approx(expected), (i, src[i], tgt[i])


def test_model_column_set_and_get(counting):
    counting.run(nest)
    conns = nest.GetConnections(synapse_model="counting_synapse")
    conns.set(t_post=5.0)
    assert set(conns.get("t_post")) == {5.0}
    with pytest.raises(UnaccessedDictionaryEntry, match="settable"):
        conns.set(t_pre=1.0)


def _kept(stamps, window):
    """The archive's entries after its last spike S, by NEST's rule: the
    oldest entry goes while every synapse has read it and the next one lies
    more than ``window`` (largest incoming delay + min_delay) before S."""
    if len(stamps) == 0:
        return stamps
    i0 = int(np.searchsorted(stamps, stamps[-1] - window))
    return stamps[max(i0 - 1, 0):]


def test_archive_is_trimmed(counting):
    d, ev = counting.run(nest)
    k = nest.kernel
    kept = 0
    for g in range(7, 12):
        stamps = np.round(ev["times"][ev["senders"] == g] / 0.1).astype(np.int64)
        delays = np.asarray(nest.GetConnections(target=nest.NodeCollection([g])).get("delay"))
        window = int(round(max(delays) / 0.1)) + k.min_delay
        hist = k.scheduler.history(g)
        np.testing.assert_array_equal(hist, _kept(stamps, window))
        assert k.scheduler.last_spike([g])[0] == (stamps[-1] if len(stamps) else -1)
        full = k.scheduler.history(g, full=True)
        # every entry but the newest has been read by the synapses since
        assert np.all(full["count"][:-1] >= 1)
        kept += len(hist)
    assert kept < len(ev["times"]) // 10
    # neurons no plastic synapse targets keep no history
    assert len(k.scheduler.history(1)) == 0


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not installed (pip install mpich)")
def test_one_and_two_ranks_identical(counting, plugin_dir, tmp_path):
    out = {}
    for n in (1, 2):
        f = tmp_path / f"n{n}.npz"
        env = dict(os.environ)
        env.pop("PYNESTLITE_NO_MPI", None)
        p = subprocess.run([MPIEXEC, "-n", str(n), sys.executable,
                            os.path.join(PLUGINS, "counting_network.py"), plugin_dir, str(f)],
                           capture_output=True, text=True, timeout=600, env=env)
        assert p.returncode == 0, p.stderr[-3000:]
        with np.load(f) as z:
            assert int(z["ranks"]) == n
            out[n] = (z["syn"], z["spikes"])
    assert len(out[1][0]) == 17
    np.testing.assert_array_equal(out[2][0], out[1][0])
    np.testing.assert_array_equal(out[2][1], out[1][1])


def test_archive_keeps_the_spikes_within_the_horizon(counting):
    nest.ResetKernel()
    times = np.round(np.arange(0.5, 50.0, 0.3), 1)
    sg = nest.Create("spike_generator", params={"spike_times": times})
    src = nest.Create("parrot_neuron")
    tgt = nest.Create("parrot_neuron")
    nest.Connect(sg, src + tgt, syn_spec={"delay": 0.1})
    nest.Connect(src, tgt, syn_spec={"synapse_model": "counting_synapse", "weight": 0.0,
                                     "delay": 2.0})
    nest.Simulate(50.0)
    k = nest.kernel
    assert (k.min_delay, k.max_delay) == (1, 20)
    hist = k.scheduler.history(tgt.tolist()[0])
    sg_stamps = np.round((times + 0.1) / 0.1).astype(np.int64)
    # the target parrot repeats the generator's spikes and src's, 2 ms later
    stamps = np.sort(np.concatenate([sg_stamps, sg_stamps + 20]))
    stamps = stamps[stamps <= k.step]
    # the largest incoming plastic delay is 20 steps, min_delay 1 step
    np.testing.assert_array_equal(hist, _kept(stamps, 21))
    assert 5 <= len(hist) < len(stamps) // 10
    t_post = nest.GetConnections(src, tgt).get("t_post")
    # src last fired at the last generator stamp; its delivery saw the archive
    # up to that step
    assert t_post == pytest.approx(stamps[stamps <= sg_stamps[-1]][-1] * 0.1)


def test_generators_connect_through_static_models_only(counting):
    nest.ResetKernel()
    pg = nest.Create("poisson_generator", params={"rate": 100.0})
    n = nest.Create("iaf_psc_alpha")
    with pytest.raises(nest.IllegalConnection, match="static synapse models only"):
        nest.Connect(pg, n, syn_spec={"synapse_model": "counting_synapse"})
    assert nest.GetKernelStatus("num_connections") == 0
    nest.CopyModel("static_synapse", "my_static", {"weight": 3.0})
    nest.Connect(pg, n, syn_spec="my_static")
    c = nest.GetConnections(pg)
    assert c.get("synapse_model") == "my_static" and c.get("weight") == 3.0


def test_model_column_defaults_follow_copymodel_and_setdefaults(counting):
    nest.ResetKernel()
    nest.CopyModel("counting_synapse", "counting_marked", {"t_post": 7.0})
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n[0], n[1], syn_spec="counting_marked")
    nest.Connect(n[1], n[0], syn_spec={"synapse_model": "counting_marked", "t_post": 3.0})
    assert nest.GetConnections(n[0]).get("t_post") == 7.0
    assert nest.GetConnections(n[1]).get("t_post") == 3.0
    nest.SetDefaults("counting_marked", {"t_post": 9.0})
    nest.Connect(n[0], n[1], syn_spec="counting_marked")
    assert nest.GetConnections(n[0]).get("t_post") == [7.0, 9.0]


def test_register_synapse_model_rejects_bad_input():
    from pynestlite.engine import register_synapse_model
    with pytest.raises(nest.BadProperty, match="is not a SynapseTable subclass"):
        register_synapse_model("my_model", dict)
    from pynestlite.kernel.connections import StaticSynapseTable
    with pytest.raises(nest.BadProperty, match="'iaf_psc_alpha' is a node model"):
        register_synapse_model("iaf_psc_alpha", StaticSynapseTable)
    assert "my_model" not in nest.Models("synapses")
