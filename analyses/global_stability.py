"""Theorem 2: global stability of MRS-IPO under the contraction condition.

For any preference matrix ``P`` with ``S = P - 1/2``, MRS-IPO is a contraction
(in logits modulo constants, Euclidean norm) when
``q = alpha + beta lam ||S||_2 / 2 < 1``; it then has one interior fixed point
that attracts every orbit. The condition is sufficient, not necessary. On many
seeded random preference matrices of several sizes K the script checks:

* the contraction itself: for random pairs of logit vectors the distance of
  the images (centred logits) is at most ``q`` times the distance of the
  inputs;
* global convergence: orbits from many random starts end at one point (the
  largest spread of the final policies is reported);
* sufficiency: every orbit below the bound converges to a fixed point;
* not necessary: the fraction of parameter cells *beyond* the bound that still
  converge to a fixed point is positive.

``||S||_2`` and ``q`` are computed here with numpy, not with
:mod:`dynsys_align.theory`. Imports: numpy, matplotlib, :mod:`dynsys_align`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import dynsys_align as da
from dynsys_align.preferences import random as random_preferences

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import prepare_out, run_cli, save_figure, write_results
else:
    from ._common import prepare_out, run_cli, save_figure, write_results

__all__ = ["main", "BOUND_FACTORS"]

#: Multiples of the contraction bound (in ``beta lam``) swept per matrix.
BOUND_FACTORS = np.array([0.25, 0.5, 0.9, 1.5, 2.0, 3.0, 5.0, 8.0])


def _centred(z: np.ndarray) -> np.ndarray:
    return z - z.mean(axis=-1, keepdims=True)


def _contraction_ratio(m, rng, n_pairs: int) -> float:
    """Largest ``|F(z) - F(z')| / |z - z'|`` over random pairs (centred logits)."""
    worst = 0.0
    for _ in range(n_pairs):
        z1, z2 = rng.normal(0.0, 2.0, size=(2, m.dim))
        f1 = np.log(m.step(da.softmax(z1)))
        f2 = np.log(m.step(da.softmax(z2)))
        num = np.linalg.norm(_centred(f1) - _centred(f2))
        den = np.linalg.norm(_centred(z1) - _centred(z2))
        worst = max(worst, num / den)
    return worst


def main(out_dir, quick: bool = False, seed: int = 0) -> dict:
    """Run the Theorem 2 checks; write figures and summaries into ``out_dir``."""
    out = prepare_out(out_dir)
    rng = np.random.default_rng(seed)
    Ks = (3, 4, 5) if quick else (3, 4, 5, 6, 8)
    n_matrices = 6 if quick else 60
    n_starts = 6 if quick else 16
    n_steps = 1500 if quick else 3000
    results: dict = {"K": list(Ks), "matrices_per_K": n_matrices}
    checks: dict = {}

    worst_excess = -np.inf          # max over maps of (observed ratio - q)
    spreads, moduli, residuals = [], [], []
    beyond_fp = {}                  # K -> fraction of fixed points per factor
    below_all_fp = True
    for K in Ks:
        maps, bounds = [], []
        for _ in range(n_matrices):
            P = random_preferences(K, rng)
            s_norm = float(np.linalg.norm(P.matrix - 0.5, 2))
            alpha = rng.uniform(0.0, 0.8)
            lam = rng.uniform(0.2, 1.0)
            frac = rng.uniform(0.1, 0.9)
            bound = 2.0 * (1.0 - alpha) / s_norm         # critical beta lam
            beta = frac * bound / lam
            q = alpha + 0.5 * beta * lam * s_norm
            m = da.MRSIPO(P, alpha=alpha, beta=beta, lam=lam)
            maps.append(m)
            bounds.append((bound, lam))

            # contraction of the map itself
            ratio = _contraction_ratio(m, rng, 10 if quick else 40)
            worst_excess = max(worst_excess, ratio - q)

            # global convergence from random starts
            starts = rng.dirichlet(np.ones(K), size=n_starts)
            finals = m.batch_final(starts, n=n_steps)
            spreads.append(float(np.max(finals.max(axis=0) - finals.min(axis=0))))
            residuals.append(float(np.max(np.abs(m.step(finals[0]) - finals[0]))))
            moduli.append(q)

        # regimes at multiples of the bound, all matrices of this K at once
        rows = []
        for m, (bound, lam) in zip(maps, bounds, strict=True):
            rows.append(m.vary(beta=BOUND_FACTORS * bound / lam))
        kinds = da.summarize(maps[0], np.vstack(rows), n_transient=n_steps,
                             n_keep=500).kind_names()
        kinds = kinds.reshape(n_matrices, BOUND_FACTORS.size)
        is_fp = kinds == "fixed_point"
        below_all_fp &= bool(np.all(is_fp[:, BOUND_FACTORS < 1.0]))
        beyond_fp[K] = is_fp.mean(axis=0)

    spreads, moduli = np.array(spreads), np.array(moduli)
    beyond = BOUND_FACTORS > 1.0
    frac_beyond = float(np.mean([beyond_fp[K][beyond] for K in Ks]))
    results["max_contraction_excess"] = float(worst_excess)
    results["max_final_spread"] = float(spreads.max())
    results["max_fixed_point_residual"] = float(max(residuals))
    results["largest_modulus_q"] = float(moduli.max())
    results["fixed_point_fraction_beyond_bound"] = frac_beyond
    results["fixed_point_fraction_by_factor"] = {
        str(K): dict(zip(BOUND_FACTORS.tolist(), beyond_fp[K].tolist(), strict=True))
        for K in Ks
    }
    checks["images of random pairs are at most q times closer (contraction)"] = (
        worst_excess <= 1e-12)
    checks["random starts end at one point inside the bound"] = bool(
        spreads.max() < 1e-8)
    checks["the common end point is a fixed point"] = max(residuals) < 1e-10
    checks["every orbit below the bound converges to a fixed point"] = below_all_fp
    checks["fixed points persist beyond the bound (sufficient, not necessary)"] = (
        frac_beyond > 0.0)

    # figures
    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    for K in Ks:
        ax.plot(BOUND_FACTORS, beyond_fp[K], marker="o", label=f"K = {K}")
    ax.axvline(1.0, color="black", ls="--", label="contraction bound")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(BOUND_FACTORS, labels=[f"{f:g}" for f in BOUND_FACTORS])
    ax.set_xlabel(r"$\beta\lambda$ / bound $2(1-\alpha)/\|P - 1/2\|_2$")
    ax.set_ylabel("fraction of orbits at a fixed point")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("random preference matrices")
    ax.legend(fontsize="small")
    save_figure(fig, out, "fixed_points_vs_bound")

    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    ax.semilogy(moduli, np.maximum(spreads, 1e-17), "o", ms=3)
    ax.set_xlabel(r"contraction modulus $q = \alpha + \beta\lambda\|S\|_2/2$")
    ax.set_ylabel("spread of final policies (max-norm)")
    ax.set_title(f"{n_starts} random starts per matrix, {n_steps} rounds")
    save_figure(fig, out, "final_spread")

    with open(out / "fixed_point_fraction.csv", "w") as fh:
        fh.write("K," + ",".join(f"factor_{f:g}" for f in BOUND_FACTORS) + "\n")
        for K in Ks:
            fh.write(f"{K}," + ",".join(f"{v:.4f}" for v in beyond_fp[K]) + "\n")

    results["checks"] = checks
    write_results(out, results)
    return results


if __name__ == "__main__":
    raise SystemExit(run_cli(main, "Theorem 2: global stability"))
