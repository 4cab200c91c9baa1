"""Theorem 4: MRS-DPO shows the same phenomena as MRS-IPO, at other thresholds.

MRS-DPO replaces the IPO optimum by the DPO one: each round fits
Bradley-Terry scores ``s(mu)`` of ``P`` under the pair weights ``mu_i mu_j``
and moves to ``log pi = log ref_t + s / beta + const``. Here ``beta`` is DPO's
KL weight, so a *large* ``beta`` is a *weak* preference signal -- the opposite
of IPO's ``beta``.

Derivation used below (ours, not the paper's). On the K = 3 cycle
``P_ij = 1/2 +- a`` with uniform reference and sampler, the uniform policy is a
fixed point with ``s = 0``. Differentiating the fit there gives
``ds/dmu = 4 S`` (``1/4`` is the slope of the sigmoid at 0), so the Jacobian in
logits is ``alpha I + (4 lam / (3 beta)) S`` and the multipliers are
``alpha +- i 4 a lam / (sqrt(3) beta)``. The uniform point therefore loses
stability below ``beta* = 4 a lam / sqrt(3 (1 - alpha^2))``: at the uniform
point MRS-DPO acts like MRS-IPO with ``beta_IPO = 4 / beta_DPO``.

The script checks:

* the computed multipliers against that formula;
* the Neimark-Sacker point found numerically by continuation in ``beta``, and
  the onset of oscillation read off a bifurcation diagram, against
  ``beta*``;
* the thresholds compared with MRS-IPO on the 3-cycle (product 4) and, found
  numerically, on the 4-cycle ``cyclic4`` (where no simple relation holds);
* entropy collapse on strictly transitive ``P``: for an exact Bradley-Terry
  ``P`` the fit returns the true scores for every ``mu``, so with ``lam = 1``
  the fixed point is ``softmax(s / (beta (1 - alpha)))`` in closed form; and
  at ``alpha = 1`` the policy converges to the top response with eventually
  decreasing entropy.

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
    from entropy_collapse import shannon_entropy, top_response
else:
    from ._common import prepare_out, run_cli, save_figure, write_results
    from .entropy_collapse import shannon_entropy, top_response

__all__ = ["main", "dpo_critical_beta", "dpo_rps_multipliers"]

#: Cycle strength of the 3-cycle.
MARGIN = 0.2


def dpo_rps_multipliers(a, alpha, beta, lam) -> np.ndarray:
    """``alpha +- i 4 a lam / (sqrt(3) beta)`` at the uniform point of the 3-cycle."""
    w = 4.0 * a * lam / (math.sqrt(3.0) * beta)
    return np.array([complex(alpha, w), complex(alpha, -w)])


def dpo_critical_beta(a, alpha, lam=1.0):
    """DPO ``beta`` below which the uniform point of the 3-cycle is unstable."""
    return 4.0 * a * lam / np.sqrt(3.0 * (1.0 - np.asarray(alpha, float) ** 2))


def _ns_point(m, x0, p0, p_end) -> float:
    """First Neimark-Sacker point met when continuing ``beta`` from ``p0``."""
    br = da.continue_orbit(m, "beta", x0, p0, p_end, detect=("neimark_sacker",),
                           stop_at=("neimark_sacker",))
    ns = [sp.param for sp in br.special_points if sp.kind == "neimark_sacker"]
    return ns[0] if ns else math.nan


def main(out_dir, quick: bool = False, seed: int = 0) -> dict:
    """Run the Theorem 4 checks; write figures and summaries into ``out_dir``."""
    out = prepare_out(out_dir)
    rng = np.random.default_rng(seed)
    a = MARGIN
    P3 = da.cyclic(3, margin=a)
    uniform = np.full(3, 1.0 / 3.0)
    results: dict = {"margin": a}
    checks: dict = {}

    # 1. multipliers at the uniform point of the 3-cycle
    errs = []
    for _ in range(4 if quick else 30):
        alpha, lam = rng.uniform(0.0, 1.0), rng.uniform(0.1, 1.0)
        beta = rng.uniform(0.2, 3.0)
        m = da.MRSDPO(P3, alpha=alpha, beta=beta, lam=lam)
        got = np.sort_complex(da.multipliers(m, uniform))
        want = np.sort_complex(dpo_rps_multipliers(a, alpha, beta, lam))
        errs.append(float(np.max(np.abs(got - want))))
    results["multiplier_max_error"] = max(errs)
    checks["DPO multipliers equal alpha +- i 4 a lam / (sqrt 3 beta)"] = (
        max(errs) < 1e-8)

    # 2. Neimark-Sacker by continuation, against the derived closed form,
    #    and the IPO threshold at the same alpha
    alphas = [0.0, 0.5, 0.8] if quick else [0.0, 0.25, 0.5, 0.7, 0.8, 0.9]
    rows = []
    for alpha in alphas:
        crit = float(dpo_critical_beta(a, alpha))
        md = da.MRSDPO(P3, alpha=alpha, beta=2.0 * crit, lam=1.0)
        found_dpo = _ns_point(md, uniform, 2.0 * crit, 0.5 * crit)
        ipo_crit = math.sqrt(3.0 * (1.0 - alpha**2)) / a
        mi = da.MRSIPO(P3, alpha=alpha, beta=0.5 * ipo_crit, lam=1.0)
        found_ipo = _ns_point(mi, uniform, 0.5 * ipo_crit, 2.0 * ipo_crit)
        rows.append((alpha, found_dpo, crit, found_ipo, found_dpo * found_ipo))
    rows = np.array(rows)
    results["ns_table_columns"] = ["alpha", "dpo_beta_found", "dpo_beta_closed_form",
                                   "ipo_beta_found", "product"]
    results["ns_table"] = rows
    rel = np.abs(rows[:, 1] - rows[:, 2]) / rows[:, 2]
    results["dpo_ns_max_relative_error"] = float(np.max(rel))
    checks["continuation finds the DPO Neimark-Sacker point at beta*"] = bool(
        np.all(np.isfinite(rel)) and np.max(rel) < 1e-6)
    checks["on the 3-cycle beta_DPO* x beta_IPO* = 4 (thresholds differ)"] = bool(
        np.allclose(rows[:, 4], 4.0, rtol=1e-6))
    np.savetxt(out / "ns_thresholds.csv", rows, delimiter=",",
               header=",".join(results["ns_table_columns"]), comments="")

    # 3. onset of oscillation in a bifurcation diagram over the DPO beta
    alpha = 0.5
    crit = float(dpo_critical_beta(a, alpha))
    betas = np.linspace(0.3 * crit, 2.5 * crit, 24 if quick else 120)
    md = da.MRSDPO(P3, alpha=alpha, beta=crit, lam=1.0)
    n_tr = 1500 if quick else 4000
    diag = da.bifurcation_diagram(md, "beta", betas, n_transient=n_tr, n_keep=100,
                                  lyapunov=not quick, progress=False)
    amplitude = np.ptp(diag.points, axis=1)
    oscillates = amplitude > 1e-6
    onset = float(betas[oscillates].max()) if oscillates.any() else math.nan
    results["bifurcation_onset_beta"] = onset
    results["dpo_closed_form_beta"] = crit
    checks["bifurcation diagram: oscillation only below beta*"] = bool(
        np.all(oscillates[betas < 0.9 * crit]) and not np.any(
            oscillates[betas > 1.1 * crit]))
    fig = plotting.plot_bifurcation(diag, lyapunov=not quick,
                                    title=rf"MRS-DPO on the 3-cycle, $\alpha$ = {alpha}")
    for ax in fig.axes:
        ax.axvline(crit, color="#D55E00", ls="--", lw=1.2,
                   label=r"derived $\beta^*$")
    fig.axes[-1].set_xlabel(r"DPO $\beta$ (KL weight; large = weak signal)")
    fig.axes[0].legend(fontsize="small")
    save_figure(fig, out, "dpo_bifurcation")

    # 4. thresholds on the 4-cycle, found numerically for both maps
    P4 = da.from_name("cyclic4")
    start = np.full(4, 0.25)
    ipo4 = _ns_point(da.MRSIPO(P4, alpha=alpha, beta=1.0, lam=1.0), start, 1.0, 40.0)
    dpo4 = _ns_point(da.MRSDPO(P4, alpha=alpha, beta=5.0, lam=1.0), start, 5.0, 0.05)
    results["cyclic4_ipo_ns_beta"] = ipo4
    results["cyclic4_dpo_ns_beta"] = dpo4
    results["cyclic4_product"] = ipo4 * dpo4
    found = bool(np.isfinite(ipo4) and np.isfinite(dpo4))
    if found:
        # just past each point (stronger signal) the orbits no longer settle
        past_ipo = da.classify(da.MRSIPO(P4, alpha=alpha, beta=1.1 * ipo4, lam=1.0),
                               n_transient=n_tr, n_keep=500).kind
        past_dpo = da.classify(da.MRSDPO(P4, alpha=alpha, beta=dpo4 / 1.1, lam=1.0),
                               n_transient=n_tr, n_keep=500).kind
        results["cyclic4_regimes_past_the_points"] = [past_ipo, past_dpo]
        found = past_ipo != "fixed_point" and past_dpo != "fixed_point"
    checks["both maps oscillate past a Neimark-Sacker point on the 4-cycle"] = found

    # 5. collapse on strictly transitive P
    scores = np.array([1.2, 0.5, -0.1, -0.9])
    Pbt = np.array(da.bradley_terry(scores).matrix)
    ratios = np.logspace(-0.5, 1.5, 8 if quick else 25)   # 1 / (beta (1 - alpha))
    m = da.MRSDPO(Pbt, alpha=0.5, beta=1.0, lam=1.0)
    H = {}
    for al in (0.0, 0.5):
        prm = m.vary(alpha=al, beta=1.0 / (ratios * (1.0 - al)))
        H[al] = shannon_entropy(m.batch_final(n=400 if quick else 2000, params=prm))
    closed = shannon_entropy(np.array([da.softmax(r * scores) for r in ratios]))
    results["bt_fixed_point_max_entropy_error"] = float(
        max(np.max(np.abs(h - closed)) for h in H.values()))
    checks["BT preferences: DPO fixed point is softmax(s / (beta (1 - alpha)))"] = (
        results["bt_fixed_point_max_entropy_error"] < 1e-8)
    checks["alpha < 1: DPO entropy falls as 1 / (beta (1 - alpha)) grows"] = bool(
        all(np.all(np.diff(h) < 0) for h in H.values()))

    Pt = np.array(da.from_name("transitive4").matrix)
    top = top_response(Pt)
    x0 = np.full(4, 0.02)
    x0[np.argmin(Pt.sum(axis=1))] = 0.94
    n = 400 if quick else 2000
    collapse_ok, last_up = True, {}
    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    for lam in (1.0, 0.5):
        orbit = da.MRSDPO(Pt, alpha=1.0, beta=0.5, lam=lam).orbit(x0, n=n)
        h = shannon_entropy(orbit)
        up = np.nonzero(np.diff(h) > 0)[0]
        last_up[lam] = int(up[-1] + 1) if up.size else 0
        collapse_ok &= bool(last_up[lam] < n // 2 and orbit[-1, top] > 1 - 1e-8)
        ax.semilogy(np.maximum(h, 1e-300), label=rf"$\lambda$ = {lam}")
    ax.set_xlabel(r"round $t$")
    ax.set_ylabel("entropy (nats)")
    ax.set_title(r"MRS-DPO, $\alpha$ = 1, $\beta$ = 0.5, transitive4")
    ax.legend(fontsize="small")
    save_figure(fig, out, "dpo_alpha1_entropy")
    results["alpha1_last_entropy_increase"] = last_up
    checks["alpha = 1: DPO converges to the top response, entropy eventually falls"] = (
        collapse_ok)

    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    for al, h in H.items():
        ax.semilogx(ratios, h, "o", ms=4, label=rf"MRS-DPO, $\alpha$ = {al}")
    ax.semilogx(ratios, closed, "k-", lw=1, label=r"softmax$(s\,r)$ (closed form)")
    ax.set_xlabel(r"$r = 1 / (\beta (1 - \alpha))$, $\lambda = 1$")
    ax.set_ylabel("final entropy (nats)")
    ax.set_title("MRS-DPO on a Bradley-Terry matrix")
    ax.legend(fontsize="small")
    save_figure(fig, out, "dpo_entropy_vs_ratio")

    results["checks"] = checks
    write_results(out, results)
    return results


if __name__ == "__main__":
    raise SystemExit(run_cli(main, "Theorem 4: MRS-DPO dynamics"))
