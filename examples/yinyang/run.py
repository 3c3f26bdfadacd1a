"""Yin-Yang with first-spike times: software training, in-the-loop training
on the emulated BrainScaleS-2 chip, and the emulator's throughput.

    python examples/yinyang/run.py [--quick] [--seeds N] [--out DIR] [--json PATH]

Without options the paper's configurations run:

1. software, exact gradients, tau_m = tau_s (Lambert W), 5-120-3, Table
   SI.F1 hyperparameters, 300 epochs (Göltz et al. 2021: 95.9 ± 0.7 %);
2. in the loop on the emulated chip (``pynestlite.hardware``): the DelGrad
   hardware recipe, weights only (tau_m = tau_s, threshold 2.6, inputs x5,
   6-bit weights in ±2.1, 4-30-3, batch 40, lr 0.002, ΔMSE loss, 300 epochs;
   thesis: ≈ 12.5 % error in hardware-aware simulation, 13.95 % on the chip).
   The forward pass runs on the emulator with the chip's fixed-pattern and
   trial-to-trial noise and quantized weights; the backward pass uses the
   measured spike times with the nominal parameters, the threshold
   included (the thesis' backward; see the README for the exact
   alternative);
   and the same with axonal delays (DelGrad: delays in [2, 3.5] tau_s on
   the inputs and the hidden neurons, realized by parrot neurons on the chip;
   thesis ≈ 9.3 % error in hardware-aware simulation, 7.4 % on the chip);
3. the throughput of the emulator on Yin-Yang inference (the trained 5-120-3
   network compiled for the chip, the test set presented ten times), against
   the chip's own 48 µs per sample.

``--quick`` trains shortly (minutes in all; the test suite runs it);
``--seeds N`` repeats both trainings with N seeds (medians reported).
JSON keys: ``test_accuracy_software``, ``test_accuracy_emulated`` (weights
only), ``emulator_samples_per_s`` (plus ``test_accuracy_emulated_delays``,
per-seed details and ``config``).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import configs  # noqa: E402
import dataset  # noqa: E402
import emulated  # noqa: E402
import ttfs_network as network  # noqa: E402
import training  # noqa: E402


def software_run(seed, quick, log):
    cfg = configs.get("target1")
    epochs = 25 if quick else cfg["training"]["epochs"]
    data = dataset.splits(cfg["data"])
    t0 = time.perf_counter()
    trainer, hist = training.train(cfg, data=data, seed=seed, epochs=epochs,
                                   eval_every=max(1, epochs // 10), log=log)
    return trainer, {"seed": seed, "epochs": epochs, "test_accuracy": hist[-1]["test_acc"],
                     "train_accuracy": hist[-1]["train_acc"],
                     "wall_s": time.perf_counter() - t0,
                     "val_curve": [(r["epoch"], r["val_acc"]) for r in hist if "val_acc" in r]}


def emulated_run(seed, quick, log, config="target3_weights"):
    """In-the-loop training: forward on the emulated chip, backward on the host
    (``config``: target3_weights, or target3_delays with axonal delays on
    parrot neurons)."""
    cfg = configs.get(config)
    net = cfg["network"]
    # the chip brings its own threshold noise and weight resolution
    net["threshold_noise_fp"], net["threshold_noise_b2b"], net["delay_jitter"] = (0.0, 0.0), 0.0, 0.0
    epochs = 15 if quick else cfg["training"]["epochs"]
    data = dataset.splits(cfg["data"])
    if quick:
        data["train"] = (data["train"][0][:1500], data["train"][1][:1500])
    spec = network.network_spec(cfg)
    fw = emulated.EmulatorForward(spec, weight_range=cfg["training"]["weight_clip"],
                                  chip_seed=seed)
    t0 = time.perf_counter()
    trainer, hist = training.train(cfg, data=data, forward=fw, seed=seed, epochs=epochs,
                                   eval_every=max(1, epochs // 10), log=log)
    return trainer, fw, {
        "seed": seed, "epochs": epochs, "test_accuracy": hist[-1]["test_acc"],
        "train_accuracy": hist[-1]["train_acc"], "wall_s": time.perf_counter() - t0,
        "emulated_samples": fw.samples, "hardware_time_s": fw.hardware_time,
        "hardware_energy_J": fw.energy,
        "val_curve": [(r["epoch"], r["val_acc"]) for r in hist if "val_acc" in r],
        "report": {k: v for k, v in fw.program.report.items()}}


def throughput(trainer, repeats):
    """Samples per second of the emulator on the trained 5-120-3 network."""
    spec = trainer.spec
    w = trainer.used_weights()
    wr = float(max(np.max(np.abs(x)) for x in w))
    fw = emulated.EmulatorForward(spec, weight_range=wr)
    feats, labels = dataset.splits(trainer.config["data"])["test"]
    x = np.tile(trainer.input_times(feats), (repeats, 1))
    fw(w, x[:100])
    t0 = time.perf_counter()
    out = fw(w, x)
    dt = time.perf_counter() - t0
    acc = float((np.argmin(out[-1][:len(feats)], axis=1) == labels).mean())
    rep = fw.program.report
    return {"samples": len(x), "seconds": dt, "samples_per_s": len(x) / dt,
            "chip_samples_per_s": 1.0 / rep["hardware_time_per_run_s"],
            "energy_per_sample_J": rep["energy_per_run_J"],
            "test_accuracy_on_chip_weights": acc}


def plots(out_dir, sw, em, em_d=()):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out_dir, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in sw:
        e, a = zip(*r["val_curve"])
        ax.plot(np.array(e) + 1, 100 * np.array(a), color="C0", alpha=0.7)
    for runs, color in ((em, "C3"), (em_d, "C2")):
        for r in runs:
            e, a = zip(*r["val_curve"])
            ax.plot(np.array(e) + 1, 100 * np.array(a), color=color, alpha=0.7)
    ax.plot([], [], color="C0", label="software 5-120-3 (exact gradients)")
    ax.plot([], [], color="C3", label="in the loop, emulated BrainScaleS-2 (4x5-30-3)")
    ax.plot([], [], color="C2", label="in the loop with axonal delays (parrots)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "yinyang_training.png"), dpi=120)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--out", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    def log(r):
        if args.verbose:
            print(f"  epoch {r['epoch'] + 1} loss {r['train_loss']:.4f} train "
                  f"{100 * r['train_acc']:.1f}%" + (f" val {100 * r['val_acc']:.1f}%"
                                                    if "val_acc" in r else ""), flush=True)

    sw, em, em_d = [], [], []
    trainer = None
    for seed in range(args.seeds):
        tr, res = software_run(seed, args.quick, log)
        trainer = trainer or tr
        sw.append(res)
        print(f"software 5-120-3 seed {seed}: test {100 * res['test_accuracy']:.2f} % after "
              f"{res['epochs']} epochs ({res['wall_s']:.0f} s)", flush=True)
        _, fw, res = emulated_run(seed, args.quick, log)
        em.append(res)
        print(f"in the loop on the emulated chip seed {seed}: test "
              f"{100 * res['test_accuracy']:.2f} % after {res['epochs']} epochs "
              f"({res['wall_s']:.0f} s; {res['emulated_samples']} emulated samples, "
              f"{res['hardware_time_s'] * 1e3:.1f} ms and {res['hardware_energy_J'] * 1e3:.2f} mJ "
              "of chip time and energy)", flush=True)
        _, fw, res = emulated_run(seed, args.quick, log, config="target3_delays")
        em_d.append(res)
        print(f"in the loop with axonal delays (chip seed {seed}): test "
              f"{100 * res['test_accuracy']:.2f} % after {res['epochs']} epochs "
              f"({res['wall_s']:.0f} s; {fw.program.report['parrot_neurons']} parrot neurons)",
              flush=True)
    tp = throughput(trainer, 2 if args.quick else 10)
    print(f"emulator inference: {tp['samples_per_s']:,.0f} samples/s on one core "
          f"(the chip: {tp['chip_samples_per_s']:,.0f}/s, "
          f"{tp['energy_per_sample_J'] * 1e6:.1f} µJ per sample)")
    result = {
        "test_accuracy_software": float(np.median([r["test_accuracy"] for r in sw])),
        "test_accuracy_emulated": float(np.median([r["test_accuracy"] for r in em])),
        "test_accuracy_emulated_delays": float(np.median([r["test_accuracy"] for r in em_d])),
        "emulator_samples_per_s": tp["samples_per_s"],
        "software_runs": sw, "emulated_runs": em, "emulated_delay_runs": em_d,
        "throughput": tp,
        "config": {"quick": args.quick, "seeds": args.seeds,
                   "software": configs.get("target1"),
                   "emulated": configs.get("target3_weights"),
                   "emulated_delays": configs.get("target3_delays")},
    }
    print(f"median test accuracy: software {100 * result['test_accuracy_software']:.2f} %, "
          f"emulated chip {100 * result['test_accuracy_emulated']:.2f} % (weights only), "
          f"{100 * result['test_accuracy_emulated_delays']:.2f} % (with delays)")
    if args.out:
        plots(args.out, sw, em, em_d)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1, default=lambda o: o.tolist()
                      if isinstance(o, np.ndarray) else str(o))
    return result


if __name__ == "__main__":
    main()
