"""MRS-IPO bifurcation diagram: the compiled sweep against plain numpy baselines.

Workload: K = 4 cyclic tournament (0>1>2>3>0 plus 0>2 and 1>3), alpha = 0.5,
lam = 1, 2,000 values of beta, 3,000 iterations per value (2,800 discarded, 200
kept, first policy coordinate recorded).

Baselines, both timed in this same run:

- "numpy, one orbit at a time": the obvious loop, one numpy update per step
  per value. It is slow, so it runs on a subset of values and its time is
  scaled to the full grid (stated in the output).
- "numpy, vectorised over values": every step updates all 2,000 orbits at
  once with batched array operations (a strong baseline; same arithmetic).

Ratios measured in one run are meaningful on a shared machine; absolute times
are not. Run with ``python benchmarks/bench_bifurcation.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dynsys_align.maps import MRSIPO
from dynsys_align.sweeps import bifurcation_diagram


def cyclic4(p: float = 0.8) -> np.ndarray:
    """0>1>2>3>0 plus 0>2 and 1>3, each won with probability p."""
    P = np.full((4, 4), 0.5)
    for i, j in [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3)]:
        P[i, j], P[j, i] = p, 1.0 - p
    return P


def numpy_one_at_a_time(P, alpha, lam, betas, x0, n_transient, n_keep):
    """One numpy update per step per beta, in logits."""
    K = P.shape[0]
    pi0 = np.full(K, 1.0 / K)
    log_ref = np.log(pi0)
    out = np.empty((len(betas), n_keep))
    for b, beta in enumerate(betas):
        z = np.log(np.asarray(x0, dtype=float))
        for t in range(n_transient + n_keep):
            e = np.exp(z - z.max())
            pi = e / e.sum()
            if t >= n_transient:
                out[b, t - n_transient] = pi[0]
            mu = lam * pi + (1.0 - lam) * pi0
            z = alpha * z + (1.0 - alpha) * log_ref + beta * (P @ mu)
    return out


def numpy_vectorised(P, alpha, lam, betas, x0, n_transient, n_keep):
    """All betas advanced together, one batched update per step."""
    K = P.shape[0]
    pi0 = np.full(K, 1.0 / K)
    log_ref = np.log(pi0)
    Z = np.repeat(np.log(np.asarray(x0, dtype=float))[None, :], len(betas), axis=0)
    beta = np.asarray(betas)[:, None]
    out = np.empty((len(betas), n_keep))
    for t in range(n_transient + n_keep):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        Pi = E / E.sum(axis=1, keepdims=True)
        if t >= n_transient:
            out[:, t - n_transient] = Pi[:, 0]
        Mu = lam * Pi + (1.0 - lam) * pi0
        Z = alpha * Z + (1.0 - alpha) * log_ref + beta * (Mu @ P.T)
    return out


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=2000)
    parser.add_argument("--transient", type=int, default=2800)
    parser.add_argument("--keep", type=int, default=200)
    parser.add_argument("--subset", type=int, default=20,
                        help="values run by the one-at-a-time numpy loop")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    P = cyclic4()
    alpha, lam = 0.5, 1.0
    betas = np.linspace(0.5, 30.0, args.values)
    x0 = [0.4, 0.3, 0.2, 0.1]
    m = MRSIPO(P, alpha=alpha, beta=1.0, lam=lam)
    kw = dict(x0=x0, n_transient=args.transient, n_keep=args.keep, progress=False,
              chunk_size=args.values)

    t_first, _ = timed(lambda: bifurcation_diagram(m, "beta", betas[:2], **kw))
    t_ours = min(timed(lambda: bifurcation_diagram(m, "beta", betas, **kw))[0]
                 for _ in range(args.repeats))
    diagram = bifurcation_diagram(m, "beta", betas, **kw)
    t_vec, ref_vec = timed(lambda: numpy_vectorised(
        P, alpha, lam, betas, x0, args.transient, args.keep))
    sub = betas[:: max(1, args.values // args.subset)][: args.subset]
    t_sub, ref_sub = timed(lambda: numpy_one_at_a_time(
        P, alpha, lam, sub, x0, args.transient, args.keep))
    t_loop = t_sub * len(betas) / len(sub)

    steps = len(betas) * (args.transient + args.keep)
    print(f"workload: {len(betas)} values x {args.transient + args.keep} iterations "
          f"= {steps:,d} MRS-IPO steps (K = 4)")
    print(f"first call (compiled code loaded from cache or compiled): {t_first:.2f} s")
    print(f"compiled sweep (best of {args.repeats})        : {t_ours:8.3f} s")
    print(f"numpy, vectorised over values     : {t_vec:8.3f} s  "
          f"-> ratio {t_vec / t_ours:6.1f}x")
    print(f"numpy, one orbit at a time        : {t_loop:8.3f} s  "
          f"(measured {t_sub:.2f} s on {len(sub)} values, scaled by "
          f"{len(betas) / len(sub):.0f}) -> ratio {t_loop / t_ours:6.0f}x")
    # the baselines run the same arithmetic in another order, so chaotic orbits
    # separate after a while; compare where the diagram is not chaotic
    idx = np.flatnonzero(np.ptp(diagram.points, axis=1) < 1e-6)
    if idx.size:
        print(f"max |difference| to the vectorised baseline on {idx.size} values "
              f"with a fixed point: "
              f"{np.abs(diagram.points[idx] - ref_vec[idx]).max():.1e}")
    del ref_sub


if __name__ == "__main__":
    main()
