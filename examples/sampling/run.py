"""Sampling with current-based LIF networks under (oscillating) Poisson background.

Seed 001, chapter 4 (notes section 4.A, targets T5 and T6)::

    python examples/sampling/run.py [--quick] [--out DIR] [--json PATH]

Parts:

1. Free-membrane statistics for the five Table 4.3 configurations against
   Eqs. 4.1-4.2 (threshold disabled).
2. Activation curve p(z=1) = nu_out * t_ref against the input current at
   2 + 2 kHz and its logistic fit (beta, I_0; Eq. 4.3).
3. The balanced isoline: beta and I_0 along the printed isoline
   nu_inh = -0.13 + 1.04 nu_exc (Eq. 4.9), and the isoline of this neuron
   model measured the same way (I_0 held at its 2 + 2 kHz value, then a
   linear fit nu_inh = nu_0 + m nu_exc); beta and I_0 maps over a grid of (nu_exc, nu_inh) (Fig. 4.1d, e) and the
   I_0 contour through the 2 + 2 kHz value read off the grid.
4. The 4-neuron Boltzmann sampler of Eqs. 4.27-4.29 mapped with Eqs.
   4.24-4.25 (measured beta, I_0) at T = 1: D_KL(sampled || exact).
5. Oscillating background (Table 4.2 "entropy": nu_exc 0.25-10 kHz,
   f_osc 1 Hz; nu_inh on the measured isoline; w_exc = -w_inh = 0.5 nA, see
   the README): phase-binned entropy against S(p_T(t)) and D_KL to p_1;
   in the full run also the Fig. 4.2c rescaling (nu_exc x 0.5, w_exc x
   sqrt 2).
6. The T = 1 sampler mapped with the thesis' printed beta = 1.39 and
   I_0 = 1.34, read literally (/nA, nA) and read as the slope per mV of
   mean free potential (beta g_L) with the offset counted below threshold.

The JSON holds ``beta_per_nA``, ``I0_nA``, ``dkl_T1`` and ``config`` plus the
other measured numbers; figures fig4_1.png, fig4_2.png and fig4_3.png go to
``--out``.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import boltzmann as bm  # noqa: E402
import lif  # noqa: E402
import tempering  # noqa: E402

FULL = {"t_free": 100000.0, "n_free": 4, "t_act": 30000.0, "n_current": 41, "n_rep": 4,
        "iso_exc": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0], "t_iso": 20000.0,
        "t_sampler": 100000.0, "t_osc": 100000.0, "n_phase_bins": 40,
        "map_exc": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0],
        "map_inh": [0.4, 1.0, 2.0, 4.0, 8.0, 16.0, 31.0], "t_map": 10000.0,
        "rescaled": True, "network_seed": 42, "seed": 1}
QUICK = {"t_free": 20000.0, "n_free": 4, "t_act": 10000.0, "n_current": 41, "n_rep": 2,
         "iso_exc": [1.0, 2.0, 4.0], "t_iso": 5000.0,
         "t_sampler": 20000.0, "t_osc": 10000.0, "n_phase_bins": 20,
         "map_exc": [1.0, 4.0], "map_inh": [1.0, 4.0], "t_map": 2000.0,
         "rescaled": False, "network_seed": 42, "seed": 1}
# The thesis' printed constants at 2 + 2 kHz (Eq. 4.14)
PRINTED = {"beta": 1.39, "I0": 1.34}
OSC = {"nu_min": 0.25, "nu_max": 10.0, "f_osc": 1.0}


def currents(nu_exc, nu_inh, n):
    """An input-current grid (nA) spanning the activation curve: +-4 s.d. of
    the free synaptic current around its expected midpoint."""
    _, s_u = lif.free_membrane_theory(nu_exc, nu_inh)
    s_i = s_u * lif.G_L
    centre = lif.W_BG * lif.TAU_S * (nu_inh - nu_exc) - 0.6 * s_i
    return np.linspace(centre - 4.0 * s_i, centre + 4.0 * s_i, n)


def fit_many(pairs, cfg, seed, t_sim):
    """Logistic fits (beta, I0, se_beta, se_I0) for several backgrounds,
    simulated together."""
    I = np.array([currents(ne, ni, cfg["n_current"]) for ne, ni in pairs])
    p = lif.activation_grid(pairs, I, t_sim, seed=seed, n_rep=cfg["n_rep"])
    return [lif.fit_logistic(I[c], p[c], full=True) for c in range(len(pairs))]


def part_free(cfg, bar):
    out = {}
    for name, (ne, ni) in lif.TABLE_4_3.items():
        mu, sd, skew, kurt = lif.free_membrane(ne, ni, cfg["t_free"], n=cfg["n_free"],
                                               seed=cfg["seed"])
        mu_th, sd_th = lif.free_membrane_theory(ne, ni)
        out[name] = {"nu_exc_kHz": ne, "nu_inh_kHz": ni, "mean_mV": mu, "sd_mV": sd,
                     "mean_theory_mV": mu_th, "sd_theory_mV": sd_th,
                     "mean_rel_err": abs(mu - mu_th) / abs(mu_th),
                     "mean_err_in_sd": abs(mu - mu_th) / sd_th,
                     "sd_rel_err": abs(sd - sd_th) / sd_th,
                     "skewness": skew, "excess_kurtosis": kurt}
        bar.update(1)
    return out


def part_activation(cfg, bar):
    I = currents(2.0, 2.0, cfg["n_current"])
    p = lif.activation(I, 2.0, 2.0, cfg["t_act"], seed=cfg["seed"], n_rep=cfg["n_rep"])
    beta, I0, se_b, se_i = lif.fit_logistic(I, p, full=True)
    mu0, s_u = lif.free_membrane_theory(2.0, 2.0)
    bar.update(1)
    # the same curve against the mean free potential: slope per mV and the
    # inflection's distance below threshold (Eq. 4.16's change of variable)
    return {"I_nA": I.tolist(), "p_on": p.tolist(), "beta_per_nA": beta, "I0_nA": I0,
            "beta_se": se_b, "I0_se": se_i,
            "beta_per_mV": beta * lif.G_L, "beta_per_mV_gaussian": 4.0 / (np.sqrt(2 * np.pi) * s_u),
            "inflection_below_threshold_mV": lif.V_TH - (mu0 + I0 / lif.G_L),
            "p_on_zero_current": float(lif.logistic(0.0, beta, I0))}


def part_isoline(cfg, I0_ref, beta_ref, bar):
    """beta and I_0 along the printed isoline; the isoline of this model
    (nu_inh holding I_0 at its 2 + 2 kHz value, found by iteration, then a
    linear fit); and beta, I_0 measured afresh on the fitted line.  Each set
    of points is one simulation."""
    exc = list(cfg["iso_exc"])

    def rows(pairs, seed):
        out = []
        for (ne, ni), (b, i0, sb, si) in zip(pairs, fit_many(pairs, cfg, seed, cfg["t_iso"])):
            out.append({"nu_exc_kHz": ne, "nu_inh_kHz": ni, "beta_per_nA": b, "I0_nA": i0,
                        "I0_se": si, "T_measured": beta_ref / b,
                        "T_eq_4_20": float(tempering.temperature(ne, ni))})
        return out

    printed = rows([(ne, float(lif.isoline_inh(ne))) for ne in exc], cfg["seed"])
    k = lif.W_BG * lif.TAU_S            # I_0 moves by k nA per kHz of extra inhibition
    inh = list(exc)
    for _ in range(3):
        fits = fit_many(list(zip(exc, inh)), cfg, cfg["seed"], cfg["t_iso"])
        inh = [max(ni + (I0_ref - f[1]) / k, 0.0) for ni, f in zip(inh, fits)]
    bar.update(len(exc) // 2)
    calibration = rows(list(zip(exc, inh)), cfg["seed"] + 1)
    x = np.array(exc)
    y = np.array(inh)
    m, nu0 = np.polyfit(x, y, 1)
    r2 = 1.0 - np.sum((y - (nu0 + m * x)) ** 2) / np.sum((y - y.mean()) ** 2)
    on_fit = rows([(ne, float(max(nu0 + m * ne, 0.0))) for ne in exc], cfg["seed"] + 1)
    bar.update(len(exc) - len(exc) // 2)

    def dev(rows_):
        return float(np.max([abs(r["I0_nA"] / I0_ref - 1.0) for r in rows_]))

    def dev_se(rows_):
        # deviation from I0_ref in standard errors of the point's fit
        return float(np.max([abs(r["I0_nA"] - I0_ref) / r["I0_se"] for r in rows_]))

    def t_err(rows_):
        return float(np.max([abs(r["T_measured"] / r["T_eq_4_20"] - 1.0) for r in rows_]))

    return {"printed": printed, "calibration": calibration, "measured": on_fit,
            "fit": {"nu0_kHz": float(nu0), "m": float(m), "r2": float(r2)},
            "I0_max_rel_dev": dev(on_fit), "I0_max_rel_dev_calibrated": dev(calibration),
            "I0_max_dev_in_se_calibrated": dev_se(calibration),
            "I0_max_rel_dev_printed": dev(printed),
            "T_max_rel_err": t_err(on_fit), "T_max_rel_err_calibrated": t_err(calibration)}


def part_maps(cfg, I0_ref, bar):
    """beta and I_0 over a grid of background rates (Fig. 4.1d, e), and the
    I_0 = I_0(2 + 2 kHz) contour read off the grid: for each nu_exc the
    nu_inh where I_0 (rising with nu_inh) crosses the reference."""
    exc, inh = list(cfg["map_exc"]), list(cfg["map_inh"])
    pairs = [(ne, ni) for ne in exc for ni in inh]
    fits = fit_many(pairs, cfg, cfg["seed"] + 2, cfg["t_map"])
    beta = np.array([f[0] for f in fits]).reshape(len(exc), len(inh))
    I0 = np.array([f[1] for f in fits]).reshape(len(exc), len(inh))
    contour = []
    for a, ne in enumerate(exc):
        row = I0[a]
        if np.all(np.diff(row) > 0) and row[0] <= I0_ref <= row[-1]:
            contour.append([ne, float(np.interp(I0_ref, row, inh))])
    out = {"nu_exc_kHz": exc, "nu_inh_kHz": inh, "beta_per_nA": beta.tolist(),
           "I0_nA": I0.tolist(), "I0_contour": contour}
    if len(contour) >= 2:
        c = np.array(contour)
        m, nu0 = np.polyfit(c[:, 0], c[:, 1], 1)
        out["I0_contour_fit"] = {"nu0_kHz": float(nu0), "m": float(m)}
    bar.update(1)
    return out


def sampler_dkl(cfg, beta, I0, w_exc=lif.W_BG):
    W, B = bm.network_4_27(cfg["network_seed"])
    J, I_in = bm.lif_parameters(W, B, beta, I0, lif.TAU_S, lif.TAU_M, lif.T_REF)
    s, t = lif.sampling_network(J, I_in, cfg["t_sampler"], seed=cfg["seed"], w_exc=w_exc)
    hist, _ = bm.state_histogram(s, t, 4, 0.0, cfg["t_sampler"], lif.T_REF, lif.DT)
    return hist, bm.dkl(hist, bm.boltzmann(W, B, 1.0)), len(s)


def part_printed(cfg, bar):
    """The T = 1 sampler mapped with the thesis' printed beta and I_0, read
    literally (1.39 /nA, +1.34 nA) and read as a slope per mV of mean
    potential with the offset below threshold (1.39 / g_L /nA, -1.34 nA)."""
    out = {}
    for name, (b, i0) in {"literal": (PRINTED["beta"], PRINTED["I0"]),
                          "per_mV_below_threshold": (PRINTED["beta"] / lif.G_L,
                                                     -PRINTED["I0"])}.items():
        _, d, _ = sampler_dkl(cfg, b, i0)
        out[name] = {"beta_per_nA": b, "I0_nA": i0, "dkl_T1": d}
    bar.update(1)
    return out


def part_sampler(cfg, beta, I0, bar):
    W, B = bm.network_4_27(cfg["network_seed"])
    J, I_in = bm.lif_parameters(W, B, beta, I0, lif.TAU_S, lif.TAU_M, lif.T_REF)
    hist, d, n_spikes = sampler_dkl(cfg, beta, I0)
    bar.update(1)
    return {"W": W.tolist(), "B": B.tolist(), "J_nA": J.tolist(), "I_in_nA": I_in.tolist(),
            "p_sampled": hist.tolist(), "p_exact": bm.boltzmann(W, B, 1.0).tolist(),
            "dkl_T1": d, "rate_hz": (n_spikes / 4 / cfg["t_sampler"] * 1e3)}


def part_oscillation(cfg, beta, I0, nu0, m, bar, scale=1.0):
    """The sampler under the 1 Hz background oscillation.  ``scale`` != 1 is
    the Fig. 4.2c variant: nu_exc multiplied by ``scale`` and w_exc divided
    by sqrt(scale), which keeps the variance of the input (Eq. 4.4) but not
    its mean."""
    W, B = bm.network_4_27(cfg["network_seed"])
    J, I_in = bm.lif_parameters(W, B, beta, I0, lif.TAU_S, lif.TAU_M, lif.T_REF)
    step = 1.0
    rt = np.arange(0.0, cfg["t_osc"] + 100.0, step)
    ne = tempering.exc_rate(rt - 100.0, OSC["nu_min"], OSC["nu_max"], OSC["f_osc"])
    ni = np.maximum(nu0 + m * ne, 0.0)
    rt[0] = lif.DT                      # rate_times must be > 0
    s, t = lif.sampling_network(J, I_in, cfg["t_osc"], nu_exc=scale * ne, nu_inh=ni,
                                w_exc=lif.W_BG / np.sqrt(scale),
                                rate_times=rt, seed=cfg["seed"])
    _, code = bm.state_histogram(s, t, 4, 0.0, cfg["t_osc"], lif.T_REF, lif.DT)
    period = 1000.0 / OSC["f_osc"]
    n_bins = cfg["n_phase_bins"]
    hist, S, D = tempering.phase_binned(code, lif.DT, period, n_bins, 16, W, B)
    centres = (np.arange(n_bins) + 0.5) * period / n_bins
    S_target = tempering.target_entropy(centres, W, B, OSC["nu_min"], OSC["nu_max"],
                                        OSC["f_osc"], nu0, m)
    ne_c = tempering.exc_rate(centres, OSC["nu_min"], OSC["nu_max"], OSC["f_osc"])
    T_c = tempering.temperature(ne_c, nu0 + m * ne_c)
    D_target = [bm.dkl(bm.boltzmann(W, B, float(T)), bm.boltzmann(W, B, 1.0)) for T in T_c]
    lag, rms = tempering.best_lag(S, W, B, OSC["nu_min"], OSC["nu_max"], OSC["f_osc"],
                                  nu0, m, np.arange(-100.0, 201.0, 1.0))
    cross = tempering.unit_crossings(period, OSC["nu_min"], OSC["nu_max"], OSC["f_osc"],
                                     nu0, m)
    # D_KL near the T = 1 crossings (the bin containing crossing + lag) and at the extremes
    near = [int(((c + lag) % period) / period * n_bins) for c in cross]
    t_hot, t_cold = 0.25 * period, 0.75 * period
    hot = int(((t_hot + lag) % period) / period * n_bins)
    cold = int(((t_cold + lag) % period) / period * n_bins)
    bar.update(1)
    return {"phase_ms": centres.tolist(), "S_sampled": S.tolist(), "S_target": S_target.tolist(),
            "dkl_phase": D.tolist(), "dkl_exact_pT_phase": D_target, "T_phase": T_c.tolist(),
            "lag_ms": lag, "entropy_rms_at_lag": rms,
            "T1_crossings_ms": cross.tolist(),
            "dkl_near_T1": [float(D[i]) for i in near],
            "dkl_hot": float(D[hot]), "dkl_cold": float(D[cold]),
            "dkl_min_phase_ms": float(centres[int(np.argmin(D))])}


def figures(res, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(out, exist_ok=True)
    colours = {"blue": "tab:blue", "orange": "tab:orange", "red": "tab:red",
               "green": "tab:green", "purple": "tab:purple"}
    fig, ax = plt.subplots(2, 3, figsize=(15, 8))
    u = np.linspace(-60, -40, 400)
    for name, r in res["free_membrane"].items():
        g = np.exp(-0.5 * ((u - r["mean_theory_mV"]) / r["sd_theory_mV"]) ** 2)
        ax[0, 0].plot(u, g / (r["sd_theory_mV"] * np.sqrt(2 * np.pi)), color=colours[name],
                      label=f"{name} {r['nu_exc_kHz']}/{r['nu_inh_kHz']} kHz")
        ax[0, 0].plot([r["mean_mV"]], [0.0], "v", color=colours[name])
    ax[0, 0].set(xlabel="free u (mV)", ylabel="density (Eqs. 4.1-4.2; marks: sampled mean)")
    ax[0, 0].legend(fontsize=7)
    a = res["activation"]
    I = np.array(a["I_nA"])
    ax[0, 1].plot(I, a["p_on"], "o", ms=3, label="simulated 2+2 kHz")
    ax[0, 1].plot(I, lif.logistic(I, a["beta_per_nA"], a["I0_nA"]),
                  label=f"logistic beta={a['beta_per_nA']:.3f}/nA I0={a['I0_nA']:.3f} nA")
    ax[0, 1].set(xlabel="I_in (nA)", ylabel="p(z=1) = nu_out t_ref")
    ax[0, 1].legend(fontsize=7)
    iso = res["isoline"]
    x = np.array([r["nu_exc_kHz"] for r in iso["calibration"]])
    ax[1, 0].plot(x, [r["nu_inh_kHz"] for r in iso["calibration"]], "o",
                  label="calibrated (I0 held)")
    f = iso["fit"]
    ax[1, 0].plot(x, f["nu0_kHz"] + f["m"] * x,
                  label=f"fit nu0={f['nu0_kHz']:.3f} m={f['m']:.3f}")
    ax[1, 0].plot(x, lif.isoline_inh(x), "--", label="Eq. 4.9 (printed)")
    ax[1, 0].set(xlabel="nu_exc (kHz)", ylabel="nu_inh (kHz)")
    ax[1, 0].legend(fontsize=7)
    for key, mk in (("calibration", "o"), ("measured", "^"), ("printed", "s")):
        rows = iso[key]
        ax[1, 1].plot([r["T_eq_4_20"] for r in rows], [r["I0_nA"] for r in rows], mk + "-",
                      label=f"I0 ({'on fitted line' if key == 'measured' else key})")
        ax[1, 1].plot([r["T_eq_4_20"] for r in rows], [r["T_measured"] for r in rows],
                      mk + ":", label=f"beta_ref/beta ({'on fitted line' if key == 'measured' else key})")
    ax[1, 1].set(xlabel="T from Eq. 4.20", ylabel="I0 (nA) / measured T")
    ax[1, 1].legend(fontsize=7)
    mp = res["maps"]
    ex, ih = np.array(mp["nu_exc_kHz"]), np.array(mp["nu_inh_kHz"])
    for a, key, label in ((ax[0, 2], "beta_per_nA", "beta (1/nA), Fig. 4.1d"),
                          (ax[1, 2], "I0_nA", "I0 (nA), Fig. 4.1e")):
        z = np.array(mp[key]).T             # rows nu_inh, columns nu_exc
        if len(ex) > 1 and len(ih) > 1:
            cs = a.contourf(ex, ih, z, levels=20, cmap="viridis")
            a.contour(ex, ih, z, levels=8, colors="w", linewidths=0.6, linestyles="--")
            fig.colorbar(cs, ax=a)
        a.set(xscale="log", yscale="log", xlabel="nu_exc (kHz)", ylabel="nu_inh (kHz)",
              title=label)
    if mp["I0_contour"]:
        c = np.array(mp["I0_contour"])
        ax[1, 2].plot(c[:, 0], c[:, 1], "r.-", label="I0 = I0(2+2 kHz)")
        ax[1, 2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4_1.png"), dpi=110)
    plt.close(fig)

    s = res["sampler"]
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    k = np.arange(16)
    ax[0].bar(k - 0.2, s["p_exact"], 0.4, label="exact p_1")
    ax[0].bar(k + 0.2, s["p_sampled"], 0.4, label=f"LIF, D_KL={s['dkl_T1']:.4f}")
    ax[0].set_xticks(k, [format(i, "04b")[::-1] for i in k], rotation=90, fontsize=7)
    ax[0].set(ylabel="p(z)", title="T = 1 (z_1..z_4)")
    ax[0].legend(fontsize=8)
    if "oscillation" in res:
        o = res["oscillation"]
        ax[1].plot(o["phase_ms"], o["S_sampled"], "o-", label="sampled (phase-binned)")
        ax[1].plot(o["phase_ms"], o["S_target"], label="S(p_T(t))")
        ax[1].set(xlabel="phase (ms)", ylabel="entropy (nats)",
                  title=f"f_osc = 1 Hz, lag {o['lag_ms']:.0f} ms")
        ax[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fig4_2.png"), dpi=110)
    plt.close(fig)
    if "oscillation" in res:
        o = res["oscillation"]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(o["phase_ms"], o["dkl_phase"], "o-", label="sampled")
        ax.plot(o["phase_ms"], o["dkl_exact_pT_phase"], label="exact p_T(t)")
        ax.legend(fontsize=8)
        for c in o["T1_crossings_ms"]:
            ax.axvline(c, color="k", ls=":")
        ax.set(xlabel="phase (ms)", ylabel="D_KL(sampled || p_1) (nats)",
               title="dotted: T = 1 crossings")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "fig4_3.png"), dpi=110)
        plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="reduced run (well under a minute)")
    ap.add_argument("--out", default=None, help="directory for the figures")
    ap.add_argument("--json", default=None, help="file for the measured numbers")
    args = ap.parse_args(argv)
    from tqdm import tqdm
    cfg = dict(QUICK if args.quick else FULL)
    t0 = time.time()
    res = {}
    n_tasks = len(lif.TABLE_4_3) + 1 + len(cfg["iso_exc"]) + 4 + int(cfg["rescaled"])
    with tqdm(total=n_tasks, desc="sampling", unit="part", file=sys.stdout) as bar:
        res["free_membrane"] = part_free(cfg, bar)
        res["activation"] = part_activation(cfg, bar)
        beta, I0 = res["activation"]["beta_per_nA"], res["activation"]["I0_nA"]
        res["isoline"] = part_isoline(cfg, I0, beta, bar)
        res["sampler"] = part_sampler(cfg, beta, I0, bar)
        fit = res["isoline"]["fit"]
        res["oscillation"] = part_oscillation(cfg, beta, I0, fit["nu0_kHz"], fit["m"], bar)
        res["maps"] = part_maps(cfg, I0, bar)
        res["printed_constants"] = part_printed(cfg, bar)
        if cfg["rescaled"]:
            res["oscillation_rescaled"] = part_oscillation(
                cfg, beta, I0, fit["nu0_kHz"], fit["m"], bar, scale=0.5)
    res["beta_per_nA"] = beta
    res["I0_nA"] = I0
    res["dkl_T1"] = res["sampler"]["dkl_T1"]
    res["config"] = dict(cfg, quick=bool(args.quick), oscillation=OSC,
                         neuron=lif.NEURON, w_bg_nA=lif.W_BG, resolution_ms=lif.DT)
    res["wall_s"] = time.time() - t0
    fm = res["free_membrane"]
    print("free membrane: max |mean err| %.4f mV-relative, max sd err %.2f %%, "
          "max |skewness| %.3f, max |excess kurtosis| %.3f" % (
              max(r["mean_rel_err"] for r in fm.values()),
              100 * max(r["sd_rel_err"] for r in fm.values()),
              max(abs(r["skewness"]) for r in fm.values()),
              max(abs(r["excess_kurtosis"]) for r in fm.values())))
    a = res["activation"]
    print(f"logistic fit 2+2 kHz: beta = {beta:.3f} /nA (s.e. {a['beta_se']:.3f}), "
          f"I0 = {I0:.3f} nA (s.e. {a['I0_se']:.3f}); against the mean free potential "
          f"beta_u = {a['beta_per_mV']:.3f} /mV (Gaussian estimate "
          f"{a['beta_per_mV_gaussian']:.3f}), inflection "
          f"{a['inflection_below_threshold_mV']:.3f} mV below threshold; "
          f"p(z=1) at I_in = 0: {a['p_on_zero_current']:.3f}")
    pc = res["printed_constants"]
    print("T=1 sampler with the printed constants: " + ", ".join(
        f"{k} (beta {v['beta_per_nA']:.3f} /nA, I0 {v['I0_nA']:+.2f} nA) D_KL {v['dkl_T1']:.4f}"
        for k, v in pc.items()))
    mp = res["maps"]
    if "I0_contour_fit" in mp:
        print(f"I0 contour on the rate grid: nu_inh = {mp['I0_contour_fit']['nu0_kHz']:.3f} + "
              f"{mp['I0_contour_fit']['m']:.3f} nu_exc")
    f = res["isoline"]["fit"]
    print(f"measured isoline: nu_inh = {f['nu0_kHz']:.3f} + {f['m']:.3f} nu_exc (r2 {f['r2']:.5f}); "
          f"on it I0 within {100 * res['isoline']['I0_max_rel_dev']:.1f} %, "
          f"T within {100 * res['isoline']['T_max_rel_err']:.1f} % of Eq. 4.20; "
          f"at the calibrated points I0 within "
          f"{100 * res['isoline']['I0_max_rel_dev_calibrated']:.1f} % "
          f"({res['isoline']['I0_max_dev_in_se_calibrated']:.1f} fit s.e.), T within "
          f"{100 * res['isoline']['T_max_rel_err_calibrated']:.1f} %; on the printed "
          f"isoline I0 within {100 * res['isoline']['I0_max_rel_dev_printed']:.1f} %")
    print(f"T=1 sampler: D_KL = {res['dkl_T1']:.4f} nats")
    o = res["oscillation"]
    print(f"oscillation: lag {o['lag_ms']:.0f} ms, D_KL near T=1 {o['dkl_near_T1']}, "
          f"hot {o['dkl_hot']:.3f}, cold {o['dkl_cold']:.3f}")
    if "oscillation_rescaled" in res:
        o = res["oscillation_rescaled"]
        print(f"rescaled (nu_exc x 0.5, w_exc x sqrt 2): lag {o['lag_ms']:.0f} ms, "
              f"entropy r.m.s. {o['entropy_rms_at_lag']:.3f}, D_KL near T=1 {o['dkl_near_T1']}")
    print(f"wall time {res['wall_s']:.1f} s")
    if args.out:
        figures(res, args.out)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return res


if __name__ == "__main__":
    main()
