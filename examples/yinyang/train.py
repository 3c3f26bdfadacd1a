"""Train one of the Yin-Yang configurations in software and print the epoch log.

    python examples/yinyang/train.py target1 --seed 0 [--epochs 300] [--eval-every 10] [--save out.npz]

Configurations: see ``configs.py`` (target1, target2_weights, target2_delays,
target3_weights, target3_delays).  The last line reports the test accuracy.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import configs  # noqa: E402
import training  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config", choices=sorted(configs.CONFIGS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--lr", type=float, default=None, help="override the (weight and delay) learning rate")
    ap.add_argument("--save", default=None, help="write the final weights and delays to this .npz")
    args = ap.parse_args(argv)

    cfg = configs.get(args.config)
    if args.lr is not None:
        cfg["training"]["lr"] = args.lr
        if cfg["network"]["delays"]:
            cfg["network"]["delays"]["lr"] = args.lr
    t_start = time.perf_counter()

    def log(r):
        parts = [f"epoch {r['epoch'] + 1:3d}", f"lr {r['lr']:.5f}", f"loss {r['train_loss']:.4f}",
                 f"train {100 * r['train_acc']:.2f}%", f"bumps {r['bumps']}", f"clipped {r['clipped']}",
                 f"{r['time']:.2f}s"]
        if "val_acc" in r:
            parts.append(f"val {100 * r['val_acc']:.2f}%")
        if "test_acc" in r:
            parts.append(f"test {100 * r['test_acc']:.2f}%")
        print("  ".join(parts), flush=True)

    trainer, history = training.train(cfg, seed=args.seed, epochs=args.epochs,
                                      eval_every=args.eval_every, log=log)
    wall = time.perf_counter() - t_start
    train_time = np.mean([r["time"] for r in history])
    print(f"{cfg['name']} seed {args.seed}: test accuracy {100 * history[-1]['test_acc']:.2f}% "
          f"after {len(history)} epochs; {train_time:.2f} s per training epoch, {wall:.0f} s wall", flush=True)
    if args.save:
        st = trainer.state()
        arrays = {f"w{l}": w for l, w in enumerate(st["weights"])}
        if st["delays"] is not None:
            arrays.update({f"d{l}": d for l, d in enumerate(st["delays"])})
        np.savez(args.save, **arrays)


if __name__ == "__main__":
    main()
