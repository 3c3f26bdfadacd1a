"""Sound localisation by interaural phase difference (COMOB; seed 000): the
paper's base model (config B) trained with pynestlite's event-driven e-prop,
or the paper's trained weights, run in pynestlite.

    python examples/sound_localisation/run.py [--quick] [--feedback symmetric|random]
        [--loss cross_entropy|mean_squared_error] [--epochs N] [--train-size N]
        [--batch-trials N] [--lr LR] [--c-reg C] [--out DIR] [--json PATH]
    python examples/sound_localisation/run.py --weights FILE [--quick] [--out DIR] [--json PATH]

Without ``--weights`` the script trains config B from scratch with e-prop
(``train.py``: eprop_iaf_psc_delta hidden neurons, eprop_readout readouts
with the per-step cross entropy, symmetric feedback, Adam, NEST's
firing-rate regularization) on the paper's training set (numpy legacy seed
32844534 with N = 16,384, its first ``--train-size`` trials; default all,
10 epochs of minibatches of 32, lr 2e-3: a tenth of the paper's 164,000 s
of model time, which ``--epochs 100 --batch-trials 128 --lr 1e-3`` asks
for), with a progress bar, then evaluates the trained weights with
``network.py``'s
inference (readout window ``"input"``, the samples the training's learning
window covered) on the paper's test set (4,096 trials of the same seed with
N = 4,096), and writes the loss curve, confusion matrix and tuning curves.
``--quick``: 1,024 training trials, 3 epochs, minibatches of 16 trials, lr
1e-2, the first 512 test trials (well under a minute).

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

The JSON holds ``test_accuracy``, ``mae_deg`` (the paper's midpoint
definition), ``config`` and the other numbers; figures (loss.png when
training, confusion.png, tuning_hidden.png, tuning_readout.png) go to
``--out``, and the trained weights to ``--out``/trained_weights.npz.
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
import train as train_mod  # noqa: E402
import weights as weights_io  # noqa: E402

from pynestlite.parallel import comm  # noqa: E402

FULL = {"num_samples": 4096, "trials": 4096}
QUICK = {"num_samples": 4096, "trials": 512}
TRAIN_SET_SIZE = 16384           # the paper's training set (its seeded N)
#: the measured recipe (test accuracy 86.6 %); the paper's budget is 100 epochs of
#: minibatches of 128 at lr 1e-3
TRAIN_FULL = {"train_size": TRAIN_SET_SIZE, "epochs": 10, "batch_trials": 32, "lr": 2e-3}
TRAIN_QUICK = {"train_size": 1024, "epochs": 3, "batch_trials": 16, "lr": 1e-2}
TRAINING_OPTIONS = ("feedback", "loss", "epochs", "train_size", "batch_trials", "lr",
                    "c_reg", "f_target", "init_seed")


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", metavar="FILE",
                   help="evaluate this trained ITDNet file (torch zip, read without torch) "
                        "instead of training")
    p.add_argument("--quick", action="store_true",
                   help="a small run: 512 test trials (and 1,024 training trials, 3 epochs)")
    p.add_argument("--out", metavar="DIR", help="folder for the figures (and trained weights)")
    p.add_argument("--json", metavar="PATH", help="write the measured numbers here")
    p.add_argument("--seed", type=int, default=ipd_data.PAPER_TEST_SEED,
                   help="numpy legacy seed of the data sets (default: the paper's)")
    p.add_argument("--replicas", type=int, default=16,
                   help="network copies run in parallel in the evaluation (speed only)")
    p.add_argument("--threads", type=int, default=1, help="local_num_threads")
    g = p.add_argument_group("training (without --weights)")
    g.add_argument("--feedback", choices=train_mod.FEEDBACK,
                   help="e-prop feedback weights (default symmetric)")
    g.add_argument("--loss", choices=train_mod.LOSSES,
                   help="readout loss (default cross_entropy)")
    g.add_argument("--epochs", type=int, help="default 10 (quick 3; the paper's 100)")
    g.add_argument("--train-size", type=int,
                   help=f"training trials, the first of the paper's set (default "
                        f"{TRAIN_SET_SIZE}; quick 1,024)")
    g.add_argument("--batch-trials", type=int,
                   help="trials per minibatch (one Adam step each; default 32, quick 16, "
                        "the paper's 128)")
    g.add_argument("--lr", type=float, help="Adam learning rate (default 2e-3, quick 1e-2, "
                        "the paper's 1e-3)")
    g.add_argument("--c-reg", type=float, help="firing-rate regularization c_reg (default "
                   f"{train_mod.TrainConfig.c_reg})")
    g.add_argument("--f-target", type=float, help="target hidden rate (Hz; default "
                   f"{train_mod.TrainConfig.f_target})")
    g.add_argument("--init-seed", type=int, help="numpy seed of the initial weights, random "
                   f"feedback and shuffling (default {train_mod.TrainConfig.seed})")
    args = p.parse_args(argv)
    if args.weights is not None:
        given = [o for o in TRAINING_OPTIONS if getattr(args, o) is not None]
        if given:
            p.error("--weights evaluates given weights; training options "
                    + ", ".join("--" + o.replace("_", "-") for o in given) + " do not apply")
        return args
    base = TRAIN_QUICK if args.quick else TRAIN_FULL
    for key, v in base.items():
        if getattr(args, key) is None:
            setattr(args, key, v)
    for key in ("epochs", "train_size", "batch_trials"):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be >= 1, got {getattr(args, key)}")
    if args.train_size % args.batch_trials:
        p.error(f"--train-size {args.train_size} must be a multiple of --batch-trials "
                f"{args.batch_trials} (one optimizer step per full minibatch)")
    if not args.lr > 0:
        p.error(f"--lr must be > 0, got {args.lr}")
    try:
        args.train_config = train_mod.TrainConfig(
            epochs=args.epochs, batch_trials=args.batch_trials, lr=args.lr,
            feedback=args.feedback or "symmetric", loss=args.loss or "cross_entropy",
            **{k: getattr(args, k) for k in ("c_reg", "f_target")
               if getattr(args, k) is not None},
            **({"seed": args.init_seed} if args.init_seed is not None else {})).check()
    except ValueError as e:
        p.error(str(e))
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
    if args.weights is None:
        return run_training(args)
    return run_weights(args)


def run_weights(args):
    """Evaluate the given weights file (module docstring)."""
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
            write_json(args.json, result)
    return result



def write_json(path, result):
    """The measured numbers to ``path`` (its directory made if needed)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(result, fh, indent=1)
    print("wrote", path)


def full_run_estimate(us_per_step, slot_steps):
    """Seconds of the paper's full training (16,384 trials x 100 epochs) at
    the measured cost per simulated step."""
    return TRAIN_SET_SIZE * 100 * slot_steps * us_per_step * 1e-6


def plot_loss(epochs, path, title=""):
    """The training loss and accuracy per epoch."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ep = [e["epoch"] for e in epochs]
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.plot(ep, [e["loss"] for e in epochs], "o-", ms=3, color="C0")
    ax.set_xlabel("epoch")
    ax.set_ylabel("per-step loss", color="C0")
    ax2 = ax.twinx()
    ax2.plot(ep, [100 * e["train_accuracy"] for e in epochs], "s-", ms=3, color="C1")
    ax2.set_ylabel("training accuracy during the epoch (%)", color="C1")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def run_training(args):
    """Train with e-prop, then evaluate on the test set (module docstring)."""
    cfg = args.train_config
    rank0 = comm.rank == 0
    t0 = time.perf_counter()
    n_set = max(TRAIN_SET_SIZE, args.train_size)
    data = ipd_data.generate(n_set, "B", seed=args.seed, first=args.train_size)
    test = ipd_data.generate(QUICK["num_samples"] if args.quick else FULL["num_samples"], "B",
                             seed=args.seed,
                             first=QUICK["trials"] if args.quick else FULL["trials"])
    t_data = time.perf_counter() - t0
    if rank0:
        print(f"training set: {len(data)} trials (seed {args.seed}, N = {n_set}); test set: "
              f"{len(test)} trials ({t_data:.1f} s); e-prop, {cfg.feedback} feedback, "
              f"{cfg.loss} loss, {cfg.epochs} epochs, minibatches of {cfg.batch_trials}, "
              f"Adam lr {cfg.lr}, "
              f"c_reg {cfg.c_reg}, f_target {cfg.f_target} Hz")
    bar = None
    if rank0:
        from tqdm import tqdm
        bar = tqdm(total=cfg.epochs * len(data), unit="trial", desc="e-prop training",
                   leave=False)

    def log(rec):
        if rank0:
            rates = np.asarray(rec["hidden_rate_hz"])
            msg = (f"epoch {rec['epoch']}: loss {rec['loss']:.4f}, training accuracy "
                   f"{100 * rec['train_accuracy']:.1f} %, hidden {rates.min():.0f}-"
                   f"{rates.max():.0f} Hz, {rec['wall_s']:.1f} s")
            if bar is not None:
                bar.write(msg)
            else:
                print(msg)

    trained = train_mod.train(data, cfg, progress=bar.update if bar is not None else None,
                              log=log)
    if bar is not None:
        bar.close()
    W = weights_io.ITDWeights(W_ih=trained["W_ih"], W_ho=trained["W_ho"], tau=cfg.tau,
                              dt=cfg.dt)
    res = measure(test, W, cfg.t_ref, "input", args, None)
    tm = trained["timing"]
    epochs = trained["epochs"]
    result = {
        "config": {"ipd_config": "B", "f_hz": data.config.f, "spike_rule": data.config.spike_rule,
                   "seed": args.seed, "train_set_N": n_set, "train_trials": len(data),
                   "test_trials": len(test), "quick": args.quick, "window": "input",
                   "slot_steps": trained["slot_steps"], "ranks": comm.size, **trained["config"]},
        "test_accuracy": res["accuracy"],
        "mae_deg": res["mae_midpoint_deg"],
        **{k: v for k, v in summary(res).items() if k not in ("accuracy", "mae_midpoint_deg")},
        "confusion": res["confusion"].tolist(),
        "tuning_hidden_hz_mean": np.round(res["tuning_hidden_hz"][0], 3).tolist(),
        "loss_per_epoch": [e["loss"] for e in epochs],
        "train_accuracy_per_epoch": [e["train_accuracy"] for e in epochs],
        "train_hidden_rate_hz_last_epoch": epochs[-1]["hidden_rate_hz"],
        "epoch_wall_s": [e["wall_s"] for e in epochs],
        "training_timing": tm,
        "training_us_per_step": tm["us_per_step"],
        "full_run_estimate_s": full_run_estimate(tm["us_per_step"], trained["slot_steps"]),
        "data_generation_s": t_data,
    }
    if rank0:
        rates = res["hidden_rate_hz"]
        print(f"loss {epochs[0]['loss']:.4f} -> {epochs[-1]['loss']:.4f}; training accuracy "
              f"(last epoch) {100 * epochs[-1]['train_accuracy']:.1f} %")
        print(f"test: accuracy {100 * res['accuracy']:.2f} % (chance 8.3 %, paper 82.6 %), MAE "
              f"{res['mae_midpoint_deg']:.2f} deg midpoint / {res['mae_continuous_deg']:.2f} "
              f"deg continuous, {100 * res['errors_one_class_off']:.1f} % of {res['errors']} "
              f"errors one class off, hidden {rates.min():.0f}-{rates.max():.0f} Hz")
        print(f"training speed: {tm['us_per_step']:.1f} us per simulated ms of the network "
              f"({tm['run_s']:.1f} s for {tm['steps']} steps); the full run (16,384 trials x "
              f"100 epochs) would take {result['full_run_estimate_s'] / 3600:.2f} h")
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            title = f"pynestlite e-prop ({cfg.feedback} feedback):"
            print("wrote", plot_loss(epochs, os.path.join(args.out, "loss.png"),
                                     title.rstrip(":")))
            for f in evaluate.plot_all(res, args.out, title=title):
                print("wrote", f)
            f = os.path.join(args.out, "trained_weights.npz")
            np.savez(f, W_ih=trained["W_ih"], W_ho=trained["W_ho"], B=trained["B"],
                     W_ih_init=trained["W_ih_init"], W_ho_init=trained["W_ho_init"])
            print("wrote", f)
        if args.json:
            write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
