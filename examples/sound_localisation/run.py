"""Sound localisation by interaural phase difference (COMOB; seed 000): the
paper's trained base model run in pynestlite.

    python examples/sound_localisation/run.py --weights FILE [--quick] [--out DIR] [--json PATH]

With ``--weights`` (a ``torch.save`` file of the paper's ITDNet, read without
torch; the paper's own is ``examples/sound_localisation/data/itdnet-for-paper.pt``)
the script regenerates the paper's base-model test set (config B, numpy legacy
seed 32844534, 4,096 trials; ``--quick``: its first 512), runs the network of
``network.py`` on it with the hidden refractory time t_ref = 1 ms (notes
target T3), with t_ref = 0 (the refractory sanity check T4), and with the
readout window of the paper's latency (``reference.WINDOWS``), checks every
trial against the numpy model of the same arithmetic (``reference.py``) and
reports accuracy, mean absolute IPD error (midpoint and continuous), the
errors one class off, hidden rates, the confusion matrix and the tuning
curves, with the paper's own discrete semantics (numpy) beside them.

Training with e-prop is not built yet: without ``--weights`` the script stops
with an error.

The JSON holds ``test_accuracy``, ``mae_deg`` (the paper's midpoint
definition), ``config`` and the other numbers; figures confusion.png,
tuning_hidden.png and tuning_readout.png go to ``--out``.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import evaluate  # noqa: E402
import ipd_data  # noqa: E402
import network  # noqa: E402
import reference  # noqa: E402
import weights as weights_io  # noqa: E402

from pynestlite.parallel import comm  # noqa: E402

FULL = {"num_samples": 4096, "trials": 4096}
QUICK = {"num_samples": 4096, "trials": 512}


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", metavar="FILE",
                   help="evaluate this trained ITDNet file (torch zip, read without torch)")
    p.add_argument("--quick", action="store_true", help="the first 512 test trials only")
    p.add_argument("--out", metavar="DIR", help="folder for the figures")
    p.add_argument("--json", metavar="PATH", help="write the measured numbers here")
    p.add_argument("--seed", type=int, default=ipd_data.PAPER_TEST_SEED,
                   help="numpy legacy seed of the test set (default: the paper's)")
    p.add_argument("--replicas", type=int, default=16,
                   help="network copies run in parallel (speed only)")
    p.add_argument("--threads", type=int, default=1, help="local_num_threads")
    args = p.parse_args(argv)
    if args.weights is None:
        p.error("training with e-prop is not built yet; evaluate a trained file with "
                "--weights FILE (the paper's: examples/sound_localisation/data/"
                "itdnet-for-paper.pt)")
    return args


def measure(data, W, t_ref, window, args, bar):
    """Run the network on ``data`` and evaluate it."""
    t0 = time.perf_counter()
    out = network.run_trials(data.spikes, W.W_ih, W.W_ho, tau=W.tau, t_ref=t_ref, dt=W.dt,
                             replicas=args.replicas, threads=args.threads, window=window,
                             progress=bar.update if bar is not None else None)
    wall = time.perf_counter() - t0
    res = evaluate.evaluate(out["readout_mean"], out["hidden_counts"], data.ipd, data.labels,
                            duration=data.config.duration, num_classes=data.config.num_classes)
    tm = out["timing"]
    res.update({"wall_s": wall, "trials_per_s": len(data) / wall, **tm,
                "us_per_step": 1e6 * tm["run_s"] / tm["steps"],
                "us_per_trial_step": 1e6 * tm["run_s"] / (len(data) * data.config.steps)})
    ref_mean, ref_s = reference.nest_forward(data.spikes, W.W_ih, W.W_ho, tau=W.tau, dt=W.dt,
                                             t_ref_steps=int(round(t_ref / W.dt)),
                                             window=window)
    res["matches_numpy_model"] = bool(np.array_equal(ref_mean, out["readout_mean"])
                                      and np.array_equal(ref_s.sum(axis=1), out["hidden_counts"]))
    return res


def summary(res):
    """The JSON-ready scalar numbers of an evaluation."""
    keys = ("accuracy", "mae_midpoint_deg", "mae_continuous_deg", "errors",
            "errors_one_class_off", "matches_numpy_model", "wall_s", "trials_per_s",
            "build_s", "run_s", "collect_s", "steps", "us_per_step", "us_per_trial_step")
    out = {k: res[k] for k in keys if k in res}
    out["hidden_rate_hz"] = [float(r) for r in res["hidden_rate_hz"]]
    return out


def main(argv=None):
    args = parse(argv)
    cfg = QUICK if args.quick else FULL
    rank0 = comm.rank == 0
    W = weights_io.load_itdnet(args.weights)
    t0 = time.perf_counter()
    data = ipd_data.generate(cfg["num_samples"], "B", seed=args.seed, first=cfg["trials"])
    t_data = time.perf_counter() - t0
    if rank0:
        print(f"weights {args.weights}: W_ih {W.W_ih.shape}, W_ho {W.W_ho.shape}, "
              f"tau {W.tau} ms; test set: {len(data)} trials of seed {args.seed} "
              f"({t_data:.1f} s)")
    bar = None
    if rank0:
        from tqdm import tqdm
        bar = tqdm(total=3 * len(data), unit="trial", desc="pynestlite", leave=False)
    main_res = measure(data, W, 1.0, "input", args, bar)
    ref0 = measure(data, W, 0.0, "input", args, bar)
    late = measure(data, W, 1.0, "paper", args, bar)
    if bar is not None:
        bar.close()
    m, s = reference.paper_forward(data.spikes, W.W_ih, W.W_ho, tau=W.tau, dt=W.dt)
    paper = evaluate.evaluate(m, s.sum(axis=1), data.ipd, data.labels)
    result = {
        "config": {"ipd_config": "B", "f_hz": data.config.f, "spike_rule": data.config.spike_rule,
                   "seed": args.seed, "num_samples": cfg["num_samples"], "trials": len(data),
                   "quick": args.quick, "weights": os.path.basename(args.weights),
                   "tau_ms": W.tau, "dt_ms": W.dt, "t_ref_ms": 1.0, "V_th": 1.0, "V_reset": 0.0,
                   "window": "input",
                   "num_hidden": W.num_hidden, "num_classes": W.num_classes,
                   "replicas": args.replicas, "threads": args.threads, "ranks": comm.size},
        "test_accuracy": main_res["accuracy"],
        "mae_deg": main_res["mae_midpoint_deg"],
        **{k: v for k, v in summary(main_res).items() if k not in ("accuracy",
                                                                   "mae_midpoint_deg")},
        "confusion": main_res["confusion"].tolist(),
        "tuning_hidden_hz_mean": np.round(main_res["tuning_hidden_hz"][0], 3).tolist(),
        "t_ref_0": summary(ref0),
        "paper_window": summary(late),
        "paper_semantics_numpy": {k: v for k, v in summary(paper).items()
                                  if k in ("accuracy", "mae_midpoint_deg", "mae_continuous_deg",
                                           "errors", "errors_one_class_off", "hidden_rate_hz")},
        "data_generation_s": t_data,
    }
    if rank0:
        print(f"pynestlite, t_ref 1 ms: accuracy {100 * main_res['accuracy']:.2f} % "
              f"(paper 82.6 %), MAE {main_res['mae_midpoint_deg']:.2f} deg midpoint "
              f"(paper 2.6) / {main_res['mae_continuous_deg']:.2f} deg continuous, "
              f"{100 * main_res['errors_one_class_off']:.1f} % of {main_res['errors']} errors "
              f"one class off, hidden {main_res['hidden_rate_hz'].min():.0f}-"
              f"{main_res['hidden_rate_hz'].max():.0f} Hz; same as the numpy model: "
              f"{main_res['matches_numpy_model']}")
        print(f"pynestlite, t_ref 0:    accuracy {100 * ref0['accuracy']:.2f} % (notes 78.5 %), "
              f"MAE {ref0['mae_midpoint_deg']:.2f} deg; same as the numpy model: "
              f"{ref0['matches_numpy_model']}")
        print(f"pynestlite, t_ref 1 ms, the paper's latency window: accuracy "
              f"{100 * late['accuracy']:.2f} %, MAE {late['mae_midpoint_deg']:.2f} deg, hidden "
              f"{late['hidden_rate_hz'].min():.0f}-{late['hidden_rate_hz'].max():.0f} Hz; same "
              f"as the numpy model: {late['matches_numpy_model']}")
        print(f"paper's discrete semantics (numpy): accuracy {100 * paper['accuracy']:.2f} %, "
              f"MAE {paper['mae_midpoint_deg']:.2f} / {paper['mae_continuous_deg']:.2f} deg")
        print(f"speed: {main_res['trials_per_s']:.0f} trials/s ({main_res['wall_s']:.1f} s for "
              f"{len(data)} trials: build {main_res['build_s']:.1f} s, run "
              f"{main_res['run_s']:.1f} s = {main_res['us_per_step']:.0f} us per step of "
              f"{args.replicas} network copies, {main_res['us_per_trial_step']:.2f} us per "
              f"trial-step)")
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            for f in evaluate.plot_all(main_res, args.out, title="pynestlite, paper weights:"):
                print("wrote", f)
        if args.json:
            os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
            with open(args.json, "w") as fh:
                json.dump(result, fh, indent=1)
            print("wrote", args.json)
    return result


if __name__ == "__main__":
    main()
