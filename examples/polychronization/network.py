"""The polychronization network (Izhikevich 2006; Pauli et al. 2018) built
with pynestlite.

Two modes:

``bitwise``
    the original program (``poly_spnet.cpp``) reproduced spike for spike:
    connectivity, initial state and thalamic stimulus drawn with the
    emulation of glibc ``rand()`` in the original order
    (:mod:`original_rng`), ``izhikevich_2006`` neurons and the
    ``stdp_izh_bitwise_synapse``.  Original neuron ``i`` is node
    ``1000 - i`` (the inhibitory neurons are created first): pynestlite sums
    the spikes arriving in one step newest first and then by ascending node
    id, the original newest first and then by descending index, so with
    this numbering every floating-point sum is the original's.
``qualitative``
    the same model drawn with pynestlite's own random streams (``rng_seed``):
    ``fixed_outdegree`` 100 without autapses or multapses, initial
    ``V_m`` uniform in [-65, -55), the stimulated neuron of each millisecond
    uniform over all neurons, and the ``stdp_izh_synapse`` (exponential
    windows).

Both: 800 excitatory (a 0.02, d 8) and 200 inhibitory (a 0.1, d 2) neurons,
resolution 1 ms, weights updated every second (``syn_update_interval``).
Each excitatory neuron has 100 plastic synapses onto any neurons, five with
each delay 1..20 ms, initial weight 6, Wmax 10; each inhibitory neuron 100
static synapses onto excitatory neurons, weight -5, delay 1 ms.  Every
millisecond one neuron receives an input of 20 for one step (a
spike_generator per neuron, weight 20, delay 1 ms; the input of the first
millisecond, which no spike can reach, is set through ``I_e``).
"""
import numpy as np

import original_rng

N_EXC, N_INH = original_rng.N_EXC, original_rng.N_INH
N = N_EXC + N_INH
M = original_rng.M
D = original_rng.D
W_INIT, W_MAX, W_INH, W_STIM = 6.0, 10.0, -5.0, 20.0
EXC_PARAMS = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "V_th": 30.0}
INH_PARAMS = {"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0, "V_th": 30.0}
SYNAPSE = {"bitwise": "stdp_izh_bitwise_synapse", "qualitative": "stdp_izh_synapse"}


class Network:
    """A built network: node ids, stimulus and the helpers a run needs.

    Attributes
    ----------
    mode : str
    nest : module
        The simulator (``pynestlite``).
    exc, inh : NodeCollection
    gid : numpy.ndarray
        Node id of original neuron index ``i`` (bitwise: ``1000 - i``).
    generators : NodeCollection
        One spike_generator per neuron: generator k feeds node k + 1.
    """

    def __init__(self, nest, mode, seed):
        self.nest, self.mode, self.seed = nest, mode, seed
        self.stim_ms = 0            # stimulus drawn up to this ms
        self._stim_rng = None

    # -------------------------------------------------------------- indices
    def index_of(self, gids):
        """Original neuron index of node ids."""
        gids = np.asarray(gids, np.int64)
        if self.mode == "bitwise":
            return N - gids
        return gids - 1

    def synapses(self):
        """All synapses as arrays ``pre``, ``post`` (original indices),
        ``delay`` (ms), ``weight`` and ``wdev`` (0 for the static ones), in
        the original program's order: by source index, then by the source's
        synapse number (bitwise) or creation order (qualitative)."""
        nest = self.nest
        parts = []
        for model in ("EX", "IN"):
            c = nest.GetConnections(synapse_model=model)
            d = c.get(["source", "target", "delay", "weight"] + (["wdev"] if model == "EX"
                                                                  else []))
            pre = self.index_of(d["source"])
            post = self.index_of(d["target"])
            wdev = np.asarray(d["wdev"]) if model == "EX" else np.zeros(len(pre))
            parts.append((pre, post, np.asarray(d["delay"]), np.asarray(d["weight"]), wdev))
        pre, post, delay, weight, wdev = (np.concatenate(x) for x in zip(*parts))
        if self.original_post is not None:
            # the position of each synapse among its source's 100 in the original
            pos = np.full((N, N), -1, np.int64)
            rows = np.repeat(np.arange(N), M)
            pos[rows, self.original_post.ravel()] = np.tile(np.arange(M), N)
            second = pos[pre, post]
        else:
            second = np.arange(len(pre))
        order = np.lexsort((second, pre))
        return {"pre": pre[order], "post": post[order], "delay": delay[order],
                "weight": weight[order], "wdev": wdev[order]}

    # ------------------------------------------------------------- stimulus
    def stimulus_state(self):
        """The stimulus generator's state as a JSON string (for resuming)."""
        import json
        if self.mode == "bitwise":
            rng = {"r": list(self._stim_rng._r), "calls": self._stim_rng.calls}
        else:
            rng = self._stim_rng.bit_generator.state
        return json.dumps({"stim_ms": self.stim_ms, "rng": rng})

    def set_stimulus_state(self, text):
        """Continue the stimulus from :meth:`stimulus_state`."""
        import json
        d = json.loads(text)
        self.stim_ms = int(d["stim_ms"])
        if self.mode == "bitwise":
            self._stim_rng._r = [int(x) for x in d["rng"]["r"]]
            self._stim_rng.calls = int(d["rng"]["calls"])
        else:
            self._stim_rng.bit_generator.state = d["rng"]

    def draw_stimulus(self, n_ms):
        """The stimulated neuron (original index) of the next ``n_ms`` ms."""
        if self.mode == "bitwise":
            out = original_rng.stimulus(self._stim_rng, n_ms)
        else:
            out = self._stim_rng.integers(0, N, n_ms)
        return np.asarray(out, np.int64)

    def load_stimulus(self, last_step):
        """Draw the stimulus up to step ``last_step`` and program the
        generators with it: the input of step t is a spike at time t (emitted
        in the update of step t - 1, delay 1 ms)."""
        n = last_step + 1 - self.stim_ms
        who = self.draw_stimulus(n)
        t = np.arange(self.stim_ms, last_step + 1, dtype=np.float64)
        if self.stim_ms == 0:
            # the first millisecond: no spike can arrive at step 0
            self.first_ms_neuron = int(who[0])
            who, t = who[1:], t[1:]
        order = np.argsort(who, kind="stable")
        who, t = who[order], t[order]
        bounds = np.searchsorted(who, np.arange(N + 1))
        # generator k feeds node k + 1
        first = self.index_of(np.arange(1, N + 1))
        self.generators.set([{"spike_times": t[bounds[i]:bounds[i + 1]]} for i in first])
        self.stim_ms = last_step + 1

    def simulate(self, t_ms, chunk_ms=10_000):
        """Simulate ``t_ms`` more (whole ms), drawing the stimulus chunk by chunk."""
        nest = self.nest
        left = int(round(t_ms))
        while left > 0:
            now = int(round(nest.GetKernelStatus("biological_time")))
            n = min(left, chunk_ms)
            # a run over steps [now, now + n) emits the spike times (now, now + n]
            if self.stim_ms <= now + n:
                self.load_stimulus(now + n)
            if now == 0:
                first = nest.NodeCollection([int(self.gid[self.first_ms_neuron])])
                first.set(I_e=W_STIM)
                nest.Simulate(1.0)
                first.set(I_e=0.0)
                if n > 1:
                    nest.Simulate(float(n - 1))
            else:
                nest.Simulate(float(n))
            left -= n


def connect_original(nest, post, delay, gid):
    """Connect the original program's synapses: ``post[i]`` (targets) and
    ``delay[i]`` (ms) of original neuron ``i`` (node ``gid[i]``), through the
    synapse models ``EX`` (excitatory sources) and ``IN`` (inhibitory) that
    the caller has defined."""
    for i in range(N):
        tg = gid[post[i]]
        order = np.argsort(tg)
        spec = {"synapse_model": "EX" if i < N_EXC else "IN"}
        if i < N_EXC:
            spec["delay"] = delay[i][order].astype(np.float64).reshape(-1, 1)
        nest.Connect(nest.NodeCollection([int(gid[i])]),
                     nest.NodeCollection(tg[order].tolist()), "all_to_all", spec)


def build(nest, mode="bitwise", seed=0, synapse_model=None):
    """Build the network in the (reset) kernel of ``nest``.

    Parameters
    ----------
    nest : module
        ``pynestlite`` (after ``ResetKernel``).
    mode : {"bitwise", "qualitative"}
    seed : int
        ``srand`` seed of the original (bitwise) or ``rng_seed`` (qualitative).
    synapse_model : str, optional
        The plastic synapse model; default by mode (``SYNAPSE``).

    Returns
    -------
    Network
    """
    if mode not in SYNAPSE:
        raise ValueError(f"mode must be 'bitwise' or 'qualitative', got {mode!r}")
    syn = synapse_model or SYNAPSE[mode]
    nest.SetKernelStatus({"resolution": 1.0, "syn_update_interval": 1000.0})
    net = Network(nest, mode, seed)
    if mode == "bitwise":
        orig = original_rng.original_network(seed)
        inh = nest.Create("izhikevich_2006", N_INH, params=INH_PARAMS)    # nodes 1..200
        exc = nest.Create("izhikevich_2006", N_EXC, params=EXC_PARAMS)    # nodes 201..1000
        gid = N - np.arange(N)
        v0 = orig["v0"]
        post = orig["post"]
        delay = orig["delay"]
        net.original_post = post
        net._stim_rng = orig["rng"]
    else:
        nest.SetKernelStatus({"rng_seed": int(seed)})
        exc = nest.Create("izhikevich_2006", N_EXC, params=EXC_PARAMS)    # nodes 1..800
        inh = nest.Create("izhikevich_2006", N_INH, params=INH_PARAMS)    # nodes 801..1000
        gid = np.arange(N) + 1
        rng = np.random.default_rng([int(seed), 2006])
        v0 = -65.0 + 10.0 * rng.random(N)
        post = delay = None
        net.original_post = None
        net._stim_rng = rng
    net.exc, net.inh, net.gid = exc, inh, gid
    nodes = nest.NodeCollection(list(range(1, N + 1)))
    nodes.set([{"V_m": float(v0[i]), "U_m": float(0.2 * v0[i])}
               for i in net.index_of(np.arange(1, N + 1))])
    net.synapse_model = syn
    nest.CopyModel(syn, "EX", {"weight": W_INIT, "Wmax": W_MAX})
    nest.CopyModel("static_synapse", "IN", {"weight": W_INH, "delay": 1.0})
    if mode == "bitwise":
        connect_original(nest, post, delay, gid)
    else:
        nest.Connect(exc, exc + inh, {"rule": "fixed_outdegree", "outdegree": M,
                                      "allow_autapses": False, "allow_multapses": False},
                     {"synapse_model": "EX"})
        nest.Connect(inh, exc, {"rule": "fixed_outdegree", "outdegree": M,
                                "allow_autapses": False, "allow_multapses": False},
                     {"synapse_model": "IN"})
        # five connections of each delay 1..20 ms per excitatory neuron, in
        # the order the rule made them
        conns = nest.GetConnections(exc, synapse_model="EX")
        src = np.asarray(conns.get("source"))
        order = np.argsort(src, kind="stable")
        d = np.empty(len(src))
        d[order] = np.tile(np.arange(M) // (M // D) + 1, N_EXC).astype(np.float64)
        conns.set(delay=d)
    net.generators = nest.Create("spike_generator", N)
    nest.Connect(net.generators, nodes, "one_to_one", {"weight": W_STIM, "delay": 1.0})
    return net
