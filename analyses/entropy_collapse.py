"""Theorem 3: entropy collapse of MRS-IPO on strictly transitive preferences.

For a strictly strongly stochastically transitive (SST) ``P`` the controlling
quantity is the ratio ``beta lam / (1 - alpha)``:

* ``alpha < 1``: the fixed point solves
  ``pi = softmax(log ref + beta / (1 - alpha) P (lam pi + (1 - lam) pi0))``;
  with ``lam = 1`` and uniform ``ref`` it depends on the parameters only
  through the ratio ``r``, and its entropy falls towards 0 as ``r`` grows, the
  mass gathering on the top response;
* ``alpha = 1``: the entropy of ``pi_t`` eventually decreases monotonically
  and ``pi_t`` converges to the top response.

The script checks these on a built-in strictly transitive matrix and on a
seeded random Bradley-Terry matrix (strictly SST when the scores differ). Near
the top vertex ``pi_j / pi_top`` is about ``exp(-r (P_top,j - 1/2))``, so the
ratio grid of each matrix runs up to ``r (P_top,j - 1/2) = 25`` for the
closest competitor ``j``, where the entropy is about ``26 e^-25 = 3.6e-10``. The
fixed points are also solved independently, with :func:`scipy.optimize.fsolve`
on ``pi = softmax(r P pi)`` in log-ratios, and the top response is read off
``P`` directly. Imports: numpy, scipy, matplotlib, :mod:`dynsys_align`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import fsolve

import dynsys_align as da

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import prepare_out, run_cli, save_figure, write_results
else:
    from ._common import prepare_out, run_cli, save_figure, write_results

__all__ = ["main", "top_response", "solve_fixed_point", "shannon_entropy"]


def top_response(P: np.ndarray) -> int:
    """The response that beats every other with probability above 1/2."""
    K = P.shape[0]
    wins = [i for i in range(K) if all(P[i, j] > 0.5 for j in range(K) if j != i)]
    if len(wins) != 1:
        raise ValueError("P has no Condorcet winner")
    return wins[0]


def shannon_entropy(pi: np.ndarray) -> np.ndarray:
    """Entropy in nats along the last axis, with ``0 log 0 = 0``."""
    pi = np.asarray(pi, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(pi > 0, pi * np.log(pi), 0.0)
    return -terms.sum(axis=-1)


def solve_fixed_point(P: np.ndarray, r: float, u0: np.ndarray) -> np.ndarray:
    """Log-ratios ``u_i = log(pi_i / pi_K)`` of the solution of ``pi = softmax(r P pi)``."""
    def g(u):
        z = np.append(u, 0.0)
        pi = np.exp(z - z.max())
        pi /= pi.sum()
        rhs = r * P @ pi
        return u - (rhs[:-1] - rhs[-1])

    u, info, ier, msg = fsolve(g, u0, full_output=True, xtol=1e-14)
    if ier != 1 and np.max(np.abs(g(u))) > 1e-12:
        raise RuntimeError(f"fsolve failed at r = {r}: {msg}")
    return u


def _matrices(rng) -> dict[str, np.ndarray]:
    scores = -np.cumsum(rng.uniform(0.2, 0.8, size=5))     # gaps of 0.2 to 0.8
    return {
        "transitive4": np.array(da.from_name("transitive4").matrix),
        "random_bt5": np.array(da.bradley_terry(scores).matrix),
    }


def main(out_dir, quick: bool = False, seed: int = 0) -> dict:
    """Run the Theorem 3 checks; write figures and summaries into ``out_dir``."""
    out = prepare_out(out_dir)
    rng = np.random.default_rng(seed)
    n_ratios = 10 if quick else 40
    alphas = (0.0, 0.5, 0.9)
    n_tr = 2000 if quick else 5000
    results: dict = {"alphas": list(alphas)}
    checks: dict = {}
    matrices = _matrices(rng)

    monotone = small_end = on_top = same_ratio = matches_solver = True
    spread_alpha, solver_err, end_entropy = 0.0, 0.0, {}
    curves, grids = {}, {}
    for name, P in matrices.items():
        K = P.shape[0]
        if not da.PreferenceMatrix(P).is_strongly_transitive(strict=True):
            raise RuntimeError(f"{name} is not strictly SST")
        top = top_response(P)
        # near the top vertex pi_j / pi_top is about exp(-r (P_top,j - 1/2)):
        # run the ratio up to where the smallest such exponent is 25
        margin = min(P[top, j] - 0.5 for j in range(K) if j != top)
        ratios = np.logspace(-1, np.log10(25.0 / margin), n_ratios)
        grids[name] = ratios
        m = da.MRSIPO(P, alpha=0.5, beta=1.0, lam=1.0)
        H = {}
        for alpha in alphas:
            rows = m.vary(alpha=alpha, beta=ratios * (1.0 - alpha))
            s = da.summarize(m, rows, n_transient=n_tr, n_keep=200)
            finals = m.batch_final(n=n_tr, params=rows)
            if not np.all(s.kind_names() == "fixed_point"):
                monotone = False
            H[alpha] = shannon_entropy(finals)
            monotone &= bool(np.all(np.diff(H[alpha]) <= 1e-12))
            small_end &= bool(H[alpha][-1] < 1e-6)
            on_top &= bool(np.argmax(finals[-1]) == top)
        curves[name] = H
        end_entropy[name] = float(H[alphas[0]][-1])
        for alpha in alphas[1:]:
            spread_alpha = max(spread_alpha,
                               float(np.max(np.abs(H[alpha] - H[alphas[0]]))))

        # independent fixed points of pi = softmax(r P pi)
        u = np.zeros(K - 1)
        for r, h in zip(ratios, H[alphas[0]], strict=True):
            u = solve_fixed_point(P, r, u)
            err = abs(float(shannon_entropy(da.softmax(np.append(u, 0.0)))) - h)
            solver_err = max(solver_err, err)
    same_ratio = spread_alpha < 1e-8
    matches_solver = solver_err < 1e-8

    results["largest_ratio"] = {k: float(v[-1]) for k, v in grids.items()}
    results["entropy_at_largest_ratio"] = end_entropy
    results["max_entropy_difference_across_alpha"] = spread_alpha
    results["max_difference_to_independent_solver"] = solver_err
    checks["alpha < 1: every orbit converges and entropy falls with the ratio"] = (
        monotone)
    checks["alpha < 1: entropy below 1e-6 once r (P_top,j - 1/2) >= 25"] = (
        small_end)
    checks["alpha < 1: the mass gathers on the top response"] = on_top
    checks["lam = 1: limit depends on the parameters only through the ratio"] = (
        same_ratio)
    checks["fixed points agree with an independent solver"] = matches_solver

    # lam < 1: the ratio alone no longer fixes the limit (same ratio, other lam)
    P = matrices["transitive4"]
    m = da.MRSIPO(P, alpha=0.5, beta=1.0, lam=1.0)
    lams = np.array([1.0, 0.5, 0.25])
    r = 10.0
    rows = m.vary(lam=lams, beta=r * 0.5 / lams)
    H_lam = shannon_entropy(m.batch_final(n=n_tr, params=rows))
    results["entropy_same_ratio_10_by_lam"] = dict(zip(lams.tolist(),
                                                       H_lam.tolist(),
                                                       strict=True))

    # alpha = 1: eventually monotone entropy and convergence to the top response
    n = 600 if quick else 3000
    last_increase, final_top = {}, {}
    eventually, converges = True, True
    orbits = {}
    for name, P in matrices.items():
        top = top_response(P)
        # start with most mass on the weakest response: entropy first rises
        start = np.full(P.shape[0], 0.02)
        start[np.argmin(P.sum(axis=1))] = 1.0 - 0.02 * (P.shape[0] - 1)
        for lam in (1.0, 0.5):
            m1 = da.MRSIPO(P, alpha=1.0, beta=2.0, lam=lam)
            orbit = m1.orbit(start, n=n)
            H1 = shannon_entropy(orbit)
            up = np.nonzero(np.diff(H1) > 0.0)[0]
            t_last = int(up[-1] + 1) if up.size else 0
            key = f"{name}, lam={lam}"
            last_increase[key] = t_last
            final_top[key] = float(orbit[-1, top])
            eventually &= t_last < n // 2
            converges &= bool(orbit[-1, top] > 1.0 - 1e-8)
            orbits[key] = (orbit, H1, top)
    results["alpha1_last_entropy_increase"] = last_increase
    results["alpha1_final_top_probability"] = final_top
    checks["alpha = 1: entropy eventually decreases monotonically"] = eventually
    checks["alpha = 1: pi_t converges to the top response"] = converges

    # figures
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    styles = {0.0: "-", 0.5: "--", 0.9: ":"}
    for name, H in curves.items():
        for alpha, h in H.items():
            ax.semilogx(grids[name], h, styles[alpha], lw=1.6,
                        label=rf"{name}, $\alpha$ = {alpha}")
    ax.set_xlabel(r"ratio $\beta\lambda / (1 - \alpha)$   ($\lambda = 1$)")
    ax.set_ylabel("final entropy (nats)")
    ax.set_title("strictly SST preferences: collapse with the ratio")
    ax.legend(fontsize="small")
    save_figure(fig, out, "entropy_vs_ratio")

    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.2),
                                   layout="constrained")
    for key, (orbit, H1, top) in orbits.items():
        ax1.semilogy(np.maximum(H1, 1e-300), label=key)
        ax2.plot(orbit[:, top], label=key)
    ax1.set_ylabel("entropy (nats)")
    ax1.set_title(r"$\alpha$ = 1, $\beta$ = 2")
    ax1.legend(fontsize="small")
    ax2.set_ylabel(r"$\pi_t$(top response)")
    ax2.set_xlabel(r"round $t$")
    save_figure(fig, out, "alpha1_collapse")

    with open(out / "entropy_vs_ratio.csv", "w") as fh:
        fh.write("matrix,alpha,ratio,entropy\n")
        for name, H in curves.items():
            for alpha, h in H.items():
                for rr, hh in zip(grids[name], h, strict=True):
                    fh.write(f"{name},{alpha},{rr:.6g},{hh:.6e}\n")

    results["checks"] = checks
    write_results(out, results)
    return results


if __name__ == "__main__":
    raise SystemExit(run_cli(main, "Theorem 3: entropy collapse"))
