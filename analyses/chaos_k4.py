"""Chaos of MRS-IPO on the 4-response cyclic tournament at large ``beta lam``.

``from_name("cyclic4")`` is the tournament ``0>1>2>3>0`` plus ``0>2`` and
``1>3`` with margins 0.2 (the one the paper's authors use). For ``K >= 4`` and
large ``beta lam`` the model notes report orbits with a positive largest
Lyapunov exponent. The script:

* estimates the largest exponent at ``alpha = 0.5, beta = 47.5, lam = 1`` with
  its batch-means standard error and checks it is positive by more than three
  standard errors;
* re-estimates it independently: a plain-numpy implementation of the update
  in logits and the separation of two nearby orbits, renormalised every round;
* checks a structural fact derived for even K (not in the paper): when
  ``S = P - 1/2`` is invertible, ``w = S^{-1} 1`` satisfies ``w^T S D = 0``
  for every ``D = diag(pi) - pi pi^T``, so ``g_t = w^T z_t`` obeys
  ``g_{t+1} - g* = alpha (g_t - g*)`` exactly and one Lyapunov exponent equals
  ``log alpha``; the attractor lies in a plane of the 3-D chart;
* draws a bifurcation diagram in ``beta`` with the Lyapunov panel.

Imports: numpy, matplotlib, :mod:`dynsys_align`.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import dynsys_align as da
from dynsys_align import plotting

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import prepare_out, run_cli, save_figure, write_results
else:
    from ._common import prepare_out, run_cli, save_figure, write_results

__all__ = ["main", "numpy_step", "separation_exponent"]

ALPHA, BETA, LAM = 0.5, 47.5, 1.0


def numpy_step(z: np.ndarray, P: np.ndarray, alpha: float, beta: float,
               lam: float) -> np.ndarray:
    """One MRS-IPO round in logits (uniform reference and sampler), centred."""
    pi = np.exp(z - z.max())
    pi /= pi.sum()
    K = z.size
    mu = lam * pi + (1.0 - lam) / K
    out = alpha * z + beta * P @ mu
    return out - out.mean()


def separation_exponent(P, alpha, beta, lam, z0, n_transient, n_steps,
                        d0: float = 1e-8) -> float:
    """Mean log growth per round of a tiny separation between two orbits."""
    z = z0 - z0.mean()
    for _ in range(n_transient):
        z = numpy_step(z, P, alpha, beta, lam)
    v = np.array([1.0, -0.3, 0.7, -1.4])[: z.size]
    v = v - v.mean()
    v *= d0 / np.linalg.norm(v)
    total = 0.0
    for _ in range(n_steps):
        z_new = numpy_step(z, P, alpha, beta, lam)
        y_new = numpy_step(z + v, P, alpha, beta, lam)
        d = y_new - z_new
        dist = np.linalg.norm(d)
        total += math.log(dist / d0)
        v = d * (d0 / dist)
        z = z_new
    return total / n_steps


def main(out_dir, quick: bool = False, seed: int = 0) -> dict:
    """Run the chaos checks; write figures and summaries into ``out_dir``."""
    out = prepare_out(out_dir)
    rng = np.random.default_rng(seed)
    P = np.array(da.from_name("cyclic4").matrix)
    m = da.MRSIPO(P, alpha=ALPHA, beta=BETA, lam=LAM)
    x0 = rng.dirichlet(np.ones(4))
    n_steps = 20_000 if quick else 200_000
    n_tr = 2000
    results: dict = {"alpha": ALPHA, "beta": BETA, "lam": LAM, "start": x0}
    checks: dict = {}

    # 1. largest exponent with standard error, and the full spectrum
    res = da.lyapunov_spectrum(m, x0, n_steps=n_steps, n_transient=n_tr)
    lam1, se1 = float(res.exponents[0]), float(res.stderr[0])
    results["lyapunov_spectrum"] = res.exponents
    results["lyapunov_stderr"] = res.stderr
    results["largest_exponent"] = lam1
    results["largest_exponent_stderr"] = se1
    checks["largest Lyapunov exponent > 3 standard errors above 0"] = bool(
        res.success and lam1 - 3.0 * se1 > 0.0)

    # 2. independent estimate from two nearby numpy orbits
    z0 = np.log(x0)
    n_sep = 20_000 if quick else 100_000
    lam_sep = separation_exponent(P, ALPHA, BETA, LAM, z0, n_tr, n_sep)
    results["separation_exponent_numpy"] = lam_sep
    checks["two-orbit separation (numpy) agrees with the exponent"] = bool(
        abs(lam_sep - lam1) < 0.03)

    # 3. the exact contracting direction w = S^{-1} 1
    S = P - 0.5
    w = np.linalg.solve(S, np.ones(4))
    c = float((w @ S)[0])                   # w^T S = c 1^T
    g_star = BETA * LAM * c / (1.0 - ALPHA)
    orbit = m.orbit(x0, n=60)
    g = np.log(orbit) @ w - g_star
    recursion_err = float(np.max(np.abs(g[1:] - ALPHA * g[:-1])))
    results["w_recursion_max_error"] = recursion_err
    checks["w^T z_t - g* shrinks by exactly alpha per round"] = bool(
        recursion_err < 1e-8 * max(1.0, float(np.max(np.abs(g)))))
    gaps = np.abs(res.exponents - math.log(ALPHA))
    i2 = int(np.argmin(gaps))
    results["exponent_closest_to_log_alpha"] = float(res.exponents[i2])
    checks["one Lyapunov exponent equals log alpha"] = bool(
        gaps[i2] < 3.0 * float(res.stderr[i2]) + 1e-3)

    # 4. bifurcation diagram in beta with the Lyapunov panel
    betas = np.linspace(30.0, 60.0, 60 if quick else 600)
    diag = da.bifurcation_diagram(m, "beta", betas, x0=x0, n_transient=n_tr,
                                  n_keep=100 if quick else 300, lyapunov=True,
                                  n_lyapunov=2000 if quick else 5000,
                                  progress=not quick)
    positive = diag.lyapunov > 0.01
    results["fraction_of_betas_with_positive_exponent"] = float(positive.mean())
    results["beta_with_largest_exponent"] = float(betas[np.nanargmax(diag.lyapunov)])
    checks["the bifurcation diagram contains chaotic parameter values"] = bool(
        positive.any())
    fig = plotting.plot_bifurcation(
        diag, title=rf"MRS-IPO on cyclic4, $\alpha$ = {ALPHA}, $\lambda$ = {LAM}")
    save_figure(fig, out, "bifurcation_beta")

    long = m.orbit(x0, n=6000)[1000:]
    U = np.log(long[:, :3]) - np.log(long[:, 3:])      # log-ratio chart
    fig, ax = plt.subplots(figsize=(5.0, 4.6), layout="constrained")
    ax.plot(U[:, 0], U[:, 1], ".", ms=1.0, color="black", alpha=0.5)
    ax.set_xlabel(r"$\log(\pi_0 / \pi_3)$")
    ax.set_ylabel(r"$\log(\pi_1 / \pi_3)$")
    ax.set_title(rf"attractor, $\beta$ = {BETA}: $\lambda_1$ = {lam1:.3f} "
                 rf"$\pm$ {se1:.3f}")
    save_figure(fig, out, "attractor")

    with open(out / "lyapunov.csv", "w") as fh:
        fh.write("exponent,stderr\n")
        for e, s in zip(res.exponents, res.stderr, strict=True):
            fh.write(f"{e:.6f},{s:.6f}\n")

    results["checks"] = checks
    write_results(out, results)
    return results


if __name__ == "__main__":
    raise SystemExit(run_cli(main, "Chaos on the 4-cycle"))
