"""Theorem 1: oscillation of MRS-IPO on the K = 3 rock-paper-scissors cycle.

For ``P_ij = 1/2 +- a`` with uniform base reference and sampler, the uniform
policy is a fixed point whose multipliers in the log-ratio chart are
``alpha +- i a beta lam / sqrt(3)``; it loses stability when
``alpha^2 + a^2 (beta lam)^2 / 3 > 1`` (a Neimark-Sacker bifurcation) and the
orbits keep circulating around it. The script checks:

* the multipliers computed by the package at the uniform point against that
  closed form, for random parameters;
* a regime map over ``alpha x beta lam`` against the critical curve
  ``beta lam = sqrt(3 (1 - alpha^2)) / a`` (cells clearly below it converge,
  cells clearly above it oscillate), and that with ``lam < 1`` the threshold
  sits at the same product ``beta lam``;
* the Neimark-Sacker point located by continuation in ``beta`` against the
  closed form, at several ``alpha``;
* that an orbit above the threshold keeps winding around the uniform point.

The closed forms are written out here from the theorem, not taken from
:mod:`dynsys_align.theory`. Imports: numpy, matplotlib, :mod:`dynsys_align`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import dynsys_align as da
from dynsys_align import plotting

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import prepare_out, run_cli, save_figure, write_results
else:
    from ._common import prepare_out, run_cli, save_figure, write_results

__all__ = ["main", "critical_beta_lam", "rps_multipliers_closed_form"]

#: Cycle strength used throughout.
MARGIN = 0.2


def critical_beta_lam(a: float, alpha):
    """``beta lam`` at which ``alpha^2 + a^2 (beta lam)^2 / 3 = 1``."""
    return np.sqrt(3.0 * (1.0 - np.asarray(alpha, float) ** 2)) / a


def rps_multipliers_closed_form(a, alpha, beta, lam) -> np.ndarray:
    """``alpha +- i a beta lam / sqrt(3)``, sorted with positive imaginary part first."""
    w = a * beta * lam / math.sqrt(3.0)
    return np.array([complex(alpha, w), complex(alpha, -w)])


def _winding_turns(orbit: np.ndarray) -> float:
    """Net number of turns of the orbit around the uniform policy (ternary plane)."""
    xy = plotting.barycentric(orbit)
    centre = plotting.barycentric(np.full(3, 1.0 / 3.0))
    ang = np.unwrap(np.arctan2(xy[:, 1] - centre[1], xy[:, 0] - centre[0]))
    return float(abs(ang[-1] - ang[0]) / (2.0 * math.pi))


def main(out_dir, quick: bool = False, seed: int = 0) -> dict:
    """Run the Theorem 1 checks; write figures and summaries into ``out_dir``."""
    out = prepare_out(out_dir)
    rng = np.random.default_rng(seed)
    a = MARGIN
    P = da.cyclic(3, margin=a)
    uniform = np.full(3, 1.0 / 3.0)
    results: dict = {"margin": a}
    checks: dict = {}

    # 1. multipliers at the uniform point against the closed form
    n_mult = 5 if quick else 40
    errs = []
    for _ in range(n_mult):
        alpha, lam = rng.uniform(0.0, 1.0, size=2)
        beta = rng.uniform(0.5, 30.0)
        m = da.MRSIPO(P, alpha=alpha, beta=beta, lam=lam)
        got = np.sort_complex(da.multipliers(m, uniform))
        want = np.sort_complex(rps_multipliers_closed_form(a, alpha, beta, lam))
        errs.append(float(np.max(np.abs(got - want))))
    results["multiplier_max_error"] = max(errs)
    checks["multipliers equal alpha +- i a beta lam / sqrt 3"] = max(errs) < 1e-9

    # 2. regime map over alpha x beta lam (lam = 1, so beta = beta lam)
    alphas = np.linspace(0.0, 0.95, 10 if quick else 39)
    betas = np.linspace(0.5, 15.0, 14 if quick else 59)
    m = da.MRSIPO(P, alpha=0.5, beta=1.0, lam=1.0)
    n_tr, n_keep = (1500, 300) if quick else (4000, 1000)
    rm = da.regime_map(m, {"alpha": alphas, "beta": betas}, n_transient=n_tr,
                       n_keep=n_keep, progress=not quick)
    kinds = rm.kind_names()                      # shape (alpha, beta)
    crit = critical_beta_lam(a, alphas)[:, None]
    ratio = betas[None, :] / crit
    below, above = ratio < 0.9, ratio > 1.1
    oscillating = np.isin(kinds, ("periodic", "quasi_periodic", "chaotic"))
    results["cells_below_curve"] = int(below.sum())
    results["cells_above_curve"] = int(above.sum())
    results["fixed_point_fraction_below"] = float(np.mean(kinds[below]
                                                          == "fixed_point"))
    results["oscillating_fraction_above"] = float(np.mean(oscillating[above]))
    results["regime_counts"] = rm.counts()
    checks["every cell below 0.9 x the curve converges to a fixed point"] = bool(
        np.all(kinds[below] == "fixed_point"))
    checks["every cell above 1.1 x the curve oscillates"] = bool(
        np.all(oscillating[above]))
    rm.to_pandas().to_csv(out / "regime_map.csv")

    # the threshold involves beta and lam only through their product
    lams = np.array([0.25, 0.5, 0.75])
    crit_half = float(critical_beta_lam(a, 0.5))
    rows = np.vstack([m.vary(alpha=0.5, lam=lams, beta=f * crit_half / lams)
                      for f in (0.9, 1.1)])
    k = da.summarize(m, rows, n_transient=n_tr, n_keep=n_keep).kind_names()
    k = k.reshape(2, lams.size)
    checks["at lam < 1 the threshold sits at the same beta lam"] = bool(
        np.all(k[0] == "fixed_point") and np.all(k[1] != "fixed_point"))

    ax = plotting.plot_regime_map(
        rm, "alpha", "beta",
        overlays=[plotting.neimark_sacker_overlay(a, np.linspace(0, 0.999, 200))],
        ylabel=r"$\beta\lambda$ ($\lambda = 1$)",
        title=f"MRS-IPO on the 3-cycle (a = {a})",
    )
    save_figure(ax.figure, out, "regime_map")

    # 3. Neimark-Sacker point by continuation in beta against the closed form
    ns_alphas = [0.0, 0.5, 0.8] if quick else [0.0, 0.25, 0.5, 0.7, 0.8, 0.9]
    located, expected = [], []
    for alpha in ns_alphas:
        crit_b = float(critical_beta_lam(a, alpha))
        mc = da.MRSIPO(P, alpha=alpha, beta=0.5 * crit_b, lam=1.0)
        br = da.continue_orbit(mc, "beta", uniform, 0.5 * crit_b, 1.5 * crit_b,
                               detect=("neimark_sacker",))
        ns = [sp.param for sp in br.special_points if sp.kind == "neimark_sacker"]
        located.append(ns[0] if ns else math.nan)
        expected.append(crit_b)
    located, expected = np.array(located), np.array(expected)
    results["ns_alpha"] = ns_alphas
    results["ns_located"] = located
    results["ns_closed_form"] = expected
    results["ns_max_relative_error"] = float(np.max(np.abs(located - expected)
                                                    / expected))
    checks["continuation locates Neimark-Sacker at the closed form"] = bool(
        np.all(np.isfinite(located)) and results["ns_max_relative_error"] < 1e-6)

    # 4. an orbit above the threshold keeps circulating
    alpha, beta = 0.5, 1.3 * float(critical_beta_lam(a, 0.5))
    mo = da.MRSIPO(P, alpha=alpha, beta=beta, lam=1.0)
    n = 2000 if quick else 6000
    orbit = mo.orbit(n=n)
    tail = orbit[n // 2:]
    first, second = tail[: len(tail) // 2], tail[len(tail) // 2:]
    spread = [float(np.mean(np.var(part, axis=0))) for part in (first, second)]
    turns = _winding_turns(tail)
    results["circulating_beta"] = beta
    results["winding_turns_second_half"] = turns
    results["oscillation_late_over_early"] = spread[1] / spread[0]
    checks["orbit above threshold keeps winding (no decay of the variance)"] = (
        turns > 5 and spread[1] / spread[0] > 0.5)

    mu_num = da.multipliers(mo, uniform)
    ax = plotting.plot_multipliers(
        mu_num, labels=["uniform fixed point (computed)"],
        reference=rps_multipliers_closed_form(a, alpha, beta, 1.0),
        title=rf"multipliers at $\alpha$ = {alpha}, $\beta\lambda$ = {beta:.2f}",
    )
    save_figure(ax.figure, out, "multipliers")
    ax = plotting.plot_time_series(orbit[-300:], start=n - 299,
                                   title=rf"orbit at $\beta\lambda$ = {beta:.2f}")
    save_figure(ax.figure, out, "time_series")

    results["checks"] = checks
    write_results(out, results)
    return results


if __name__ == "__main__":
    raise SystemExit(run_cli(main, "Theorem 1: oscillation on the 3-cycle"))
