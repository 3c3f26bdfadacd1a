"""The paper's base network (config B) in pynestlite, run on many trials.

Per trial (notes section 2 and 4.1-4.2)::

    200 spike_generator --1:1, 1 ms--> 200 parrot_neuron --W_ih, 1 ms--> 8 hidden
        --W_ho, 1 ms--> 12 readouts

* hidden: ``iaf_psc_delta`` with E_L = 0, V_th = 1, V_reset = 0, t_ref = 1 ms,
  tau_m = 2 ms, C_m = 1 (weights are jumps of V_m in units of the threshold,
  as in the paper; no current flows, so C_m has no other effect);
* readouts: the same model with V_th = 1e300 (never reached), i.e. a
  non-spiking leaky integrator Vo <- exp(-h/tau_m) Vo + sum W_ho s with the
  same tau_m, sampled by a multimeter every 1 ms;
* decision: argmax over the readouts of the mean of their V_m over the
  trial's window of 100 samples;
* hidden spike counts: a spike counter per hidden neuron (``iaf_psc_delta``
  with tau_m = 1e300 ms, so exp(-h/tau_m) = 1 exactly, and V_th = 1e300;
  each spike adds 1.0), sampled with the readouts.

The input of bin t (the paper's x[t]) is a spike_generator spike at t + 1 ms of
the trial, so it reaches the hidden update of step t + 2, and a readout sample
at k ms sees the bins up to k - 4.  The window (``reference.WINDOWS``) is by
default ``"input"``: samples at 4..103 ms and hidden spikes of steps 2..101,
which compensates the network's delays as the notes' NEST-like model [V] does
(sample j sees the bins up to j); ``"paper"`` takes the samples at 1..100 ms
and the spikes of steps 0..99, the latency of the paper's code (bins 97-99
never reach its readout).  ``reference.nest_forward`` is the same arithmetic
in numpy; the tests check that the two agree bit for bit.

How the trials are run (measured, see the README): ``replicas`` independent
copies of the network are built once and run ``slots`` trials each, one after
the other, with Prepare once and one ``Run`` per slot.  A slot is the trial's
100 bins, 3 steps for the last bin to reach the readouts and the refractory
steps after that, so no spike is in flight and no neuron is refractory at a
slot's end; ``V_m`` = 0 of the hidden neurons, readouts and counters before
each Run then resets every state exactly.  Results are identical to one
Simulate per trial and do not depend on ``replicas``, on the threads or on the
number of MPI ranks (the kernel's delivery order is canonical; the recorded
events are gathered from all ranks).

The simulator is pynestlite unless another PyNEST-compatible module is passed
(``simulator=nest``: the same calls run on NEST 3.10, in one process, which
``tests/data/make_sound_localisation_nest.py`` uses to store NEST's results).
"""
import importlib
import time

import numpy as np

import reference

NEVER = 1e300       # a threshold never reached; a time constant without decay


def hidden_params(tau=2.0, t_ref=1.0):
    """iaf_psc_delta parameters of a hidden neuron (ms, threshold units)."""
    return {"E_L": 0.0, "V_m": 0.0, "V_th": 1.0, "V_reset": 0.0, "t_ref": t_ref,
            "tau_m": tau, "C_m": 1.0, "I_e": 0.0}


def readout_params(tau=2.0):
    """iaf_psc_delta parameters of a non-spiking leaky readout."""
    return {"E_L": 0.0, "V_m": 0.0, "V_th": NEVER, "V_reset": 0.0, "t_ref": 0.0,
            "tau_m": tau, "C_m": 1.0, "I_e": 0.0}


def counter_params():
    """iaf_psc_delta parameters of a spike counter (no leak, no threshold)."""
    return {"E_L": 0.0, "V_m": 0.0, "V_th": NEVER, "V_reset": 0.0, "t_ref": 0.0,
            "tau_m": NEVER, "C_m": 1.0, "I_e": 0.0}


def _pairs(first_pre, n_pre, first_post, n_post, replicas):
    """Source and target gids of all-to-all blocks, one per replica, in
    (replica, source, target) order."""
    b = np.arange(replicas)[:, None, None]
    pre = first_pre + b * n_pre + np.arange(n_pre)[None, :, None]
    post = first_post + b * n_post + np.arange(n_post)[None, None, :]
    pre, post = np.broadcast_arrays(pre, post)
    return pre.ravel(), post.ravel()


def _first(nodes):
    """The first node id of a NodeCollection (on every rank)."""
    return int(nodes[:1].tolist()[0])


class _OneProcess:
    """Gathering for a simulator run in one process."""

    @staticmethod
    def allgather(value):
        return [value]


def _simulator(simulator):
    """(PyNEST-like module, communicator): pynestlite and its ranks by default."""
    if simulator is None:
        sim = importlib.import_module("pynestlite")
        return sim, importlib.import_module("pynestlite.parallel").comm
    return simulator, _OneProcess()


class ReplicaNetwork:
    """``replicas`` copies of the base network, built once, run slot by slot.

    Parameters
    ----------
    W_ih : ndarray (inputs, hidden)
    W_ho : ndarray (hidden, classes)
    replicas : int
        Copies of the network (trials run in parallel).
    slots : int
        Trials each copy runs in sequence.
    bins : int
        Bins of a trial (100).
    tau, t_ref, dt : float
        Membrane time constant, hidden refractory time, resolution (ms).
    threads : int
        ``local_num_threads``.
    window : {"input", "paper"}
        The trial's readout samples and counted hidden spikes (module
        docstring).
    record_spikes : bool
        Also record every hidden spike (a spike_recorder; slower, see the
        README).
    simulator : module, optional
        A PyNEST-compatible module to run on instead of pynestlite.
    """

    def __init__(self, W_ih, W_ho, replicas, slots, bins=100, tau=2.0, t_ref=1.0, dt=1.0,
                 threads=1, window="input", record_spikes=False, simulator=None):
        self.W_ih, self.W_ho = np.asarray(W_ih, np.float64), np.asarray(W_ho, np.float64)
        self.n_in, self.n_hid = self.W_ih.shape
        self.n_cls = self.W_ho.shape[1]
        if self.W_ho.shape[0] != self.n_hid:
            raise ValueError(f"W_ih {self.W_ih.shape} and W_ho {self.W_ho.shape} do not chain")
        self.replicas, self.slots, self.bins = int(replicas), int(slots), int(bins)
        self.tau, self.t_ref, self.dt = tau, t_ref, dt
        self.threads, self.record_spikes = threads, record_spikes
        self.simulator = simulator
        self.off_readout, self.off_hidden = reference.window_offsets(window)
        ref_steps = int(np.ceil(t_ref / dt - 1e-9))
        self.slot_steps = self.bins + reference.STEPS_AFTER + max(1, ref_steps)

    def _input_times(self, spikes):
        """spike_times of the replicas' generators: trial i runs on replica
        i % replicas in slot i // replicas; bin t of slot s at
        (s slot_steps + t + 1) dt."""
        R, n_in = self.replicas, self.n_in
        trial, t, j = np.nonzero(spikes)
        key = (trial % R) * n_in + j
        times = ((trial // R) * self.slot_steps + t + 1) * self.dt
        order = np.lexsort((times, key))
        key, times = key[order], times[order]
        b = np.searchsorted(key, np.arange(R * n_in + 1))
        return [times[b[k]:b[k + 1]] for k in range(R * n_in)]

    def run(self, spikes, progress=None):
        """Run up to replicas x slots trials.

        Parameters
        ----------
        spikes : ndarray (N, bins, inputs) of 0/1
        progress : callable, optional
            Called with the number of trials finished after each slot.

        Returns
        -------
        dict
            ``readout_mean`` (N, classes), ``hidden_counts`` (N, hidden) and,
            with ``record_spikes``, ``hidden_spikes`` (N, bins, hidden) bool
            (entry k: the window's k-th step, a spike at k + off + 1 ms of
            the trial, off the window's hidden step offset).
        """
        spikes = np.asarray(spikes)
        N = len(spikes)
        R, dt = self.replicas, self.dt
        if spikes.shape[1:] != (self.bins, self.n_in):
            raise ValueError(f"spikes must have shape (N, {self.bins}, {self.n_in}), "
                             f"got {spikes.shape}")
        if not 1 <= N <= R * self.slots:
            raise ValueError(f"{N} trials do not fit {R} replicas x {self.slots} slots")
        slots = -(-N // R)
        t0 = time.perf_counter()
        nest, self.comm = _simulator(self.simulator)
        nest.ResetKernel()
        nest.set_verbosity("M_ERROR")
        nest.SetKernelStatus({"resolution": dt, "local_num_threads": self.threads})
        gens = nest.Create("spike_generator", R * self.n_in,
                           params=[{"spike_times": t} for t in self._input_times(spikes)])
        parrots = nest.Create("parrot_neuron", R * self.n_in)
        hidden = nest.Create("iaf_psc_delta", R * self.n_hid,
                             params=hidden_params(self.tau, self.t_ref))
        readouts = nest.Create("iaf_psc_delta", R * self.n_cls, params=readout_params(self.tau))
        counters = nest.Create("iaf_psc_delta", R * self.n_hid, params=counter_params())
        nest.Connect(gens, parrots, "one_to_one", {"delay": dt})
        for src, tgt, W in ((parrots, hidden, self.W_ih), (hidden, readouts, self.W_ho)):
            pre, post = _pairs(_first(src), W.shape[0], _first(tgt), W.shape[1], R)
            nest.Connect(pre, post, "one_to_one",
                         {"weight": np.tile(W.ravel(), R), "delay": np.full(pre.size, dt)})
        nest.Connect(hidden, counters, "one_to_one", {"weight": 1.0, "delay": dt})
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": dt})
        nest.Connect(mm, readouts + counters)
        if self.record_spikes:
            sr = nest.Create("spike_recorder")
            nest.Connect(hidden, sr)
        state = hidden + readouts + counters
        t_build = time.perf_counter() - t0
        nest.Prepare()
        try:
            for s in range(slots):
                state.set(V_m=0.0)
                nest.Run(self.slot_steps * dt)
                if progress is not None:
                    progress(min(R, N - s * R))
        finally:
            nest.Cleanup()
        t_run = time.perf_counter() - t0 - t_build
        out = self._collect(mm, sr if self.record_spikes else None, readouts, counters,
                            hidden, N, slots)
        out["timing"] = {"build_s": t_build, "run_s": t_run, "steps": slots * self.slot_steps,
                         "collect_s": time.perf_counter() - t0 - t_build - t_run}
        return out

    def _gather(self, events, key, dtype):
        return np.concatenate(self.comm.allgather(np.asarray(events[key], dtype)))

    def _collect(self, mm, sr, readouts, counters, hidden, N, slots):
        """Per-trial arrays from the recorded events (gathered over ranks)."""
        R, dt, S = self.replicas, self.dt, self.slot_steps
        _gather = self._gather
        ev = mm.get("events")
        senders = _gather(ev, "senders", np.int64)
        step = np.rint(_gather(ev, "times", np.float64) / dt).astype(np.int64) - 1
        v = _gather(ev, "V_m", np.float64)
        slot, k = step // S, step % S          # sample at (k + 1) dt of the slot
        r0, c0 = _first(readouts), _first(counters)
        lo = self.off_readout
        sel = (senders < c0) & (k >= lo) & (k < lo + self.bins)
        i = senders[sel] - r0
        trial = slot[sel] * R + i // self.n_cls
        rec = np.zeros((R * slots, self.bins, self.n_cls))
        rec[trial, k[sel] - lo, i % self.n_cls] = v[sel]
        # the counters' sample after step off_hidden + bins holds the spikes
        # of the steps before off_hidden + bins (none before off_hidden: the
        # input reaches the hidden layer in step 2)
        sel = (senders >= c0) & (k == self.off_hidden + self.bins)
        i = senders[sel] - c0
        counts = np.zeros((R * slots, self.n_hid), np.int64)
        counts[slot[sel] * R + i // self.n_hid, i % self.n_hid] = np.rint(v[sel])
        out = {"readout_mean": reference.trial_mean(rec[:N]), "hidden_counts": counts[:N]}
        if sr is not None:
            ev = sr.get("events")
            senders = _gather(ev, "senders", np.int64) - _first(hidden)
            step = np.rint(_gather(ev, "times", np.float64) / dt).astype(np.int64) - 1
            k = step % S - self.off_hidden
            keep = (k >= 0) & (k < self.bins)
            step, senders, k = step[keep], senders[keep], k[keep]
            s = np.zeros((R * slots, self.bins, self.n_hid), bool)
            s[(step // S) * R + senders // self.n_hid, k, senders % self.n_hid] = True
            out["hidden_spikes"] = s[:N]
        return out


def run_trials(spikes, W_ih, W_ho, tau=2.0, t_ref=1.0, dt=1.0, replicas=16,
               slots_per_build=64, threads=1, window="input", record_spikes=False,
               progress=None, simulator=None):
    """Run any number of trials through :class:`ReplicaNetwork` builds of
    ``replicas`` x ``slots_per_build`` trials.

    Returns
    -------
    dict
        ``readout_mean``, ``hidden_counts`` (and ``hidden_spikes``) of all
        trials; ``timing``: build, run and collect seconds and simulated steps
        summed over the builds.
    """
    spikes = np.asarray(spikes)
    net = ReplicaNetwork(W_ih, W_ho, replicas, slots_per_build, bins=spikes.shape[1], tau=tau,
                         t_ref=t_ref, dt=dt, threads=threads, window=window,
                         record_spikes=record_spikes, simulator=simulator)
    per_build = net.replicas * net.slots
    parts = [net.run(spikes[lo:lo + per_build], progress)
             for lo in range(0, len(spikes), per_build)]
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0] if key != "timing"}
    out["timing"] = {key: sum(p["timing"][key] for p in parts) for key in parts[0]["timing"]}
    return out
