"""``Run`` on the hardware target: the kernel's network on the emulated chip.

The network is compiled at the first ``Run`` and again whenever it changed
(nodes, connections or parameters; the state V_m, I_syn_ex, I_syn_in is read
from the neurons at every run and written back after it, so SetStatus of
V_m between runs works as in software).  Connections get one synapse row of
their weight's sign (as the chip's PyNN front end maps projections).  Each
run draws new trial-to-trial noise.  Spike times are continuous: the
spike_recorders hold them exactly (``times``; with ``time_in_steps`` the
step and an ``offsets`` column as NEST's precise models).  Spikes in flight
at the end of a run arrive in the next one.

Every rank emulates the whole network (deterministically, so identically)
and records its own neurons, so results do not depend on the number of
ranks.
"""
import hashlib

import numpy as np

from pynestlite.errors import HardwareUnsupportedError
from pynestlite.hardware.compiler import compile_network
from pynestlite.hardware.network import is_adex, read_network
from pynestlite.hardware.program import _POISSON


def _fingerprint(net):
    h = hashlib.sha1()
    for arr in (net.neuron_gids, net.source, net.target, net.weight, net.delay,
                net.input_gids):
        h.update(np.ascontiguousarray(arr).tobytes())
    for k in sorted(net.params):
        h.update(np.ascontiguousarray(net.params[k]).tobytes())
    for t in net.input_times:
        h.update(np.ascontiguousarray(t).tobytes())
    h.update(repr(net.poisson).encode())
    h.update(repr(sorted((g, tuple(m["targets"]), tuple(m["record_from"]))
                         for g, m in net.multimeters.items())).encode())
    return h.hexdigest()


class TargetState:
    """The program the kernel runs on the target, with what carries over runs."""

    def __init__(self, program, key):
        self.program = program
        self.key = key
        self.pending_t = np.empty(0)
        self.pending_src = np.empty(0, np.int64)


def run(engine, steps, chip):
    """Advance the kernel by ``steps`` on the emulated ``chip``."""
    from pynestlite.models import recorders, generators
    srs = [r.block for r in engine.records if isinstance(r.block, recorders.SpikeRecorder)]
    mms = [r.block for r in engine.records if isinstance(r.block, recorders.Multimeter)]
    for blk in srs + mms:
        for i, to in enumerate(blk.arrays["record_to"]):
            if to != "memory":
                raise HardwareUnsupportedError(
                    f"{blk.model} (node {blk.gids[i]}): record_to={to!r} on the hardware "
                    "target; its continuous spike times are kept in memory only")
    net = read_network(engine)
    key = (_fingerprint(net), engine.chip_seed, engine.hardware_latency, chip)
    st = engine.hardware_state
    t0 = engine.time_ms
    if st is None or st.key != key:
        prog = compile_network(net, chip, signed=False, chip_seed=engine.chip_seed,
                               latency=engine.hardware_latency)
        prog.emulator.reset(t0)
        st = engine.hardware_state = TargetState(prog, key)
    prog = st.program
    em = prog.emulator
    dur = float(engine.steps_to_ms(steps))
    t1 = t0 + dur
    em.set_state(net.state["V_m"], net.state["I_syn_ex"], net.state["I_syn_in"], net.state["w"])
    prog.start_run(parrots_idle=False)
    rng = prog._rng(_POISSON, prog.runs)
    # inputs emitted in (t0, t1], arriving their source's delay later (later
    # arrivals wait for the next run)
    new_t, new_s = [], []
    for i, times in enumerate(net.input_times):
        sel = (times > t0) & (times <= t1)
        new_t.append(times[sel])
        new_s.append(np.full(int(sel.sum()), i, np.int64))
    t_in, s_in = em.input_arrivals(np.concatenate(new_t) if new_t else np.empty(0),
                                   np.concatenate(new_s) if new_s else np.empty(0, np.int64))
    ts, src = [st.pending_t, t_in], [st.pending_src, s_in]
    for k, c in enumerate(prog.poisson_conn):
        q = net.poisson[prog.poisson_of[int(net.source[c])]]
        lo, hi = max(t0, q["start"]), min(t1, q["stop"])
        if hi > lo and q["rate"] > 0:
            n = rng.poisson(q["rate"] * (hi - lo) * 1e-3)
            ts.append(np.sort(lo + (hi - lo) * (1.0 - rng.random(n))) + prog.delay)
            src.append(np.full(n, len(net.input_gids) + k, np.int64))
    t_all = np.concatenate(ts)
    s_all = np.concatenate(src)
    order = np.lexsort((s_all, t_all))
    t_all, s_all = t_all[order], s_all[order]
    now = t_all <= t1
    st.pending_t, st.pending_src = t_all[~now], s_all[~now]
    prog._check_rate(int(now.sum()), dur)
    # one membrane trace: the multimeter's sample stamps in (step, step + steps]
    trace, trace_t, plan = -1, None, None
    for blk in mms:
        for i in range(blk.n):
            tg = engine.recording_targets(int(blk.gids[i]))
            if len(tg) and "V_m" in blk.arrays["record_from"][i]:
                iv = int(blk.interval_steps[i])
                nxt = int(blk.arrays["next_rec"][i])
                stamps = np.arange(nxt + 1, engine.step + steps + 1, iv, dtype=np.int64)
                blk.arrays["next_rec"][i] = nxt + len(stamps) * iv
                trace = int(np.searchsorted(net.neuron_gids, tg[0]))
                trace_t = engine.steps_to_ms(stamps).astype(np.float64)
                plan = (blk, i, int(tg[0]), stamps)
    nrn, times, values = em.run(np.ascontiguousarray(t_all[now]),
                                np.ascontiguousarray(s_all[now]), t1, trace, trace_t)
    # spikes of local neurons to the recorders (NEST: recorders see local nodes)
    gids = net.neuron_gids[nrn]
    local = engine.is_local(gids)
    for blk in srs:
        blk.record_precise(gids[local], times[local], engine)
    gens = [r.block for r in engine.records if isinstance(r.block, generators.SpikeGenerator)]
    if srs and gens:
        engine._record_generator_spikes(gens, srs, engine.step, engine.step + steps)
    if plan is not None and engine.is_local([plan[2]])[0]:
        blk, i, g, stamps = plan
        t_min, t_max = blk.t_lim
        ok = (stamps > t_min[i]) & (stamps <= t_max[i])
        cols = [np.full(int(ok.sum()), g, np.int64), stamps[ok]]
        for name in blk.arrays["record_from"][i]:
            cols.append(values[ok])
        blk.store(i, tuple(cols), engine)
    # state back to the local neurons
    V, Ie, Ii, w = em.state()
    for b, rows, g in engine.locate_local(net.neuron_gids):
        pos = np.searchsorted(net.neuron_gids, g)
        b.arrays["I_syn_ex"][rows] = Ie[pos]
        if is_adex(b):
            b.arrays["V_m"][rows] = V[pos]
            b.arrays["I_syn_in"][rows] = -Ii[pos]
            b.arrays["w"][rows] = w[pos]
        else:
            b.arrays["V_m"][rows] = V[pos] - b.arrays["E_L"][rows]
            b.arrays["I_syn_in"][rows] = Ii[pos]
    hw = chip.ms_to_hw(dur)
    rep = dict(prog.report)
    rep.update(hardware_time_per_run_s=hw, energy_per_run_J=chip.power * hw,
               runs_per_s=1.0 / hw if hw > 0 else float("inf"), spikes=int(len(times)))
    engine.hardware_report = type(prog.report)(rep)
