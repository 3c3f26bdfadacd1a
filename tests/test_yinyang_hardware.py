"""Yin-Yang on the hardware target: the emulated forward pass equals the
closed-form software forward on an ideal chip, in-the-loop training learns,
and the reproduction script's quick mode writes its JSON keys."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
YY = os.path.join(HERE, "..", "examples", "yinyang")
sys.path.insert(0, YY)

import configs  # noqa: E402
import dataset  # noqa: E402
import emulated  # noqa: E402
import ttfs_network as network  # noqa: E402
import training  # noqa: E402

from pynestlite import hardware  # noqa: E402


@pytest.mark.parametrize("name", ["target1", "target3_weights", "target3_delays"])
def test_emulated_forward_equals_closed_form_on_ideal_chip(name):
    """Two layers, bias spikes (target 1) or x5 multiplexed inputs and
    threshold 2.6 (target 3), with axonal delays on parrot neurons (delays
    on the parrots' hold grid): every spike time equal to 1e-9 tau_s."""
    cfg = configs.get(name)
    spec = network.network_spec(cfg)
    clip = 4.0
    rng = np.random.default_rng(0)
    W = [network.quantise(rng.normal(m, s, (n_in, n_out)), clip, 6)
         for (m, s), n_in, n_out in zip(cfg["network"]["weight_init"], spec["n_in"],
                                        spec["layer_sizes"])]
    if name.startswith("target3"):
        W = [w * 2.5 if l == 1 else w for l, w in enumerate(W)]
        W = [network.quantise(w, clip, 6) for w in W]
    chip = hardware.BRAINSCALES2.ideal()
    fw = emulated.EmulatorForward(spec, weight_range=clip, chip=chip)
    feats, _ = dataset.yin_yang(300, 5)
    x = training.Trainer(cfg, seed=0).input_times(feats)
    kw = {}
    if spec["delays"]:
        # holds of 12-21 µs on the parrots' grid, in tau_s = 6 µs
        lo, hi = chip.parrot_delay_range
        step = (hi - lo) / ((1 << chip.parrot_delay_bits) - 1)
        kw["delays"] = [(lo + rng.integers(38, 123, n) * step) * 1e6 / 6.0
                        for n in (spec["n_inputs"], spec["layer_sizes"][0])]
    ref = network.SoftwareForward(spec, noise=False)(W, x, **kw)
    got = fw(W, x, **kw)
    for a, b in zip(ref, got):
        fin = np.isfinite(a)
        assert np.array_equal(fin, np.isfinite(b))
        assert fin.mean() > 0.3
        assert np.max(np.abs(a[fin] - b[fin])) < 1e-9


def test_in_the_loop_training_learns():
    cfg = configs.get("target3_weights")
    cfg["network"]["threshold_noise_fp"] = (0.0, 0.0)
    cfg["network"]["threshold_noise_b2b"] = 0.0
    cfg["network"]["delay_jitter"] = 0.0
    spec = network.network_spec(cfg)
    fw = emulated.EmulatorForward(spec, weight_range=2.1, chip_seed=3)
    data = dataset.splits(cfg["data"])
    data["train"] = (data["train"][0][:1000], data["train"][1][:1000])
    trainer = training.Trainer(cfg, forward=fw, seed=1)
    before = trainer.evaluate(*data["test"])["acc"]
    trainer.fit({"train": data["train"]}, epochs=8)
    after = trainer.evaluate(*data["test"])["acc"]
    assert after > 0.6 and after > before + 0.2
    assert fw.samples > 8000
    assert fw.hardware_time == pytest.approx(fw.samples * 48e-6, rel=1e-9)


def test_reproduction_script_quick_json(tmp_path):
    out = tmp_path / "yy.json"
    subprocess.run([sys.executable, os.path.join(YY, "run.py"), "--quick", "--json", str(out),
                    "--out", str(tmp_path)], check=True, capture_output=True, timeout=900)
    res = json.loads(out.read_text())
    for key in ("test_accuracy_software", "test_accuracy_emulated", "emulator_samples_per_s",
                "config"):
        assert key in res
    assert res["test_accuracy_software"] > 0.85
    assert res["test_accuracy_emulated"] > 0.6
    assert res["test_accuracy_emulated_delays"] > 0.6
    assert res["emulated_delay_runs"][0]["report"]["parrot_neurons"] == 50
    assert res["emulator_samples_per_s"] > 100
    assert (tmp_path / "yinyang_training.png").exists()
