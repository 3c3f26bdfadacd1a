"""Hardware target: compile time of the thesis' MNIST-16x16 network (256-246-10)
and emulator throughput on Yin-Yang inference (5-120-3, tau_m = tau_s = 6 ms
of model time = 6 µs on the chip), against the chip's 20,800 samples/s and,
when NEST 3.10 is installed, NEST simulating the same patterns (time-stepped
iaf_psc_exp, one concatenated spike train) in the same run.

    python scaling/bench_hardware.py [--patterns 10000] [--nest-patterns 500]
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TAU = 6.0


def yinyang_times(n, seed=0):
    """Input spike times (ms) of n Yin-Yang-like patterns: (x, y, 1-x, 1-y)
    mapped to [0.15, 2] tau plus a bias spike at 0.9 tau."""
    rng = np.random.default_rng(seed)
    xy = rng.random((n, 2))
    feats = np.concatenate([xy, 1 - xy], axis=1)
    t = 0.15 + feats * 1.85
    return np.concatenate([t, np.full((n, 1), 0.9)], axis=1) * TAU


def build(nest, n_in=5, n_hidden=120, n_out=3, seed=1, resolution=0.1):
    """The 5-120-3 TTFS network in model units (C_m = tau: g = 1 nS, threshold 1 mV)."""
    rng = np.random.default_rng(seed)
    nest.ResetKernel()
    nest.resolution = resolution
    p = {"tau_m": TAU, "tau_syn_ex": TAU, "tau_syn_in": TAU, "C_m": TAU, "E_L": 0.0,
         "V_th": 1.0, "V_reset": 0.0, "V_m": 0.0, "t_ref": 30.0}
    sg = nest.Create("spike_generator", n_in)
    h = nest.Create("iaf_psc_exp", n_hidden, params=p)
    o = nest.Create("iaf_psc_exp", n_out, params=p)
    W1 = rng.normal(1.5, 0.8, (n_hidden, n_in))
    W2 = rng.normal(0.5, 0.8, (n_out, n_hidden))
    nest.Connect(sg, h, "all_to_all", syn_spec={"weight": W1, "delay": resolution})
    nest.Connect(h, o, "all_to_all", syn_spec={"weight": W2, "delay": resolution})
    return sg, h, o


def nest_inference(patterns, period):
    """NEST: the same patterns concatenated, one spike_recorder (child process)."""
    code = f"""
import sys, time, numpy as np
sys.path.insert(0, {HERE!r})
import nest
from bench_hardware import build, yinyang_times
nest.set_verbosity("M_ERROR")
X = yinyang_times({patterns})
t0 = time.perf_counter()
sg, h, o = build(nest, resolution=0.01)
for i in range(5):
    sg[i].set(spike_times=list(np.round(np.arange({patterns}) * {period} + X[:, i] + 0.01, 2)))
sr = nest.Create("spike_recorder")
nest.Connect(h + o, sr)
nest.Simulate({patterns} * {period} + 1.0)
print(time.perf_counter() - t0)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        return None
    return float(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patterns", type=int, default=20000)
    ap.add_argument("--nest-patterns", type=int, default=500)
    args = ap.parse_args()
    import pynestlite as nest
    from pynestlite import hardware

    # compile time of the paper's MNIST-16x16 configuration
    nest.ResetKernel()
    sg = nest.Create("spike_generator", 256)
    p = {"tau_m": TAU, "tau_syn_ex": TAU, "tau_syn_in": TAU, "C_m": TAU, "E_L": 0.0,
         "V_th": 1.0, "V_reset": 0.0, "t_ref": 30.0}
    hid = nest.Create("iaf_psc_exp", 246, params=p)
    out = nest.Create("iaf_psc_exp", 10, params=p)
    nest.Connect(sg, hid, syn_spec={"weight": nest.random.normal(0.0, 0.3)})
    nest.Connect(hid, out, syn_spec={"weight": nest.random.normal(0.0, 0.3)})
    t0 = time.perf_counter()
    prog = hardware.compile()
    t_compile = time.perf_counter() - t0
    print(prog.report)
    print(f"MNIST-16x16 (256-246-10) compile: {t_compile:.3f} s")

    # Yin-Yang inference throughput on one core
    build(nest)
    prog = hardware.compile()
    X = yinyang_times(args.patterns)
    prog.run_batch(X[:100])
    t0 = time.perf_counter()
    res = prog.run_batch(X)
    dt = time.perf_counter() - t0
    rate = args.patterns / dt
    em = prog.emulator
    print(f"Yin-Yang 5-120-3 inference: {args.patterns} patterns in {dt:.3f} s = "
          f"{rate:,.0f} samples/s (chip: {1 / prog.report['hardware_time_per_run_s']:,.0f}/s; "
          f"emulator/chip {rate * prog.report['hardware_time_per_run_s']:.2f}x); "
          f"{np.isfinite(res).mean():.0%} neurons spike; predictions/pattern "
          f"{em.predictions / args.patterns:.0f}, root solves/pattern "
          f"{em.root_solves / args.patterns:.0f}")
    try:
        import nest as _nest  # noqa: F401
        have_nest = True
    except ImportError:
        have_nest = False
    if have_nest and args.nest_patterns:
        t_nest = nest_inference(args.nest_patterns, prog.sample_period)
        if t_nest:
            r_nest = args.nest_patterns / t_nest
            print(f"NEST 3.10 (h = 0.01 ms, same patterns concatenated): {r_nest:,.0f} "
                  f"samples/s; pynestlite emulator / NEST = {rate / r_nest:.1f}x")


if __name__ == "__main__":
    main()
