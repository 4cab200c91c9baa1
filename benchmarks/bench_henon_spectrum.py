"""Henon Lyapunov spectrum: compiled QR engine against a plain numpy loop.

Both run the same algorithm (tangent frame pushed forward by the Jacobian and
re-orthonormalised by a QR factorisation at every step) on the Henon map
a = 1.4, b = 0.3. The compiled engine runs 10^6 measured steps; the numpy loop
(np.linalg.qr per step) runs fewer steps and is compared per step. Both are
timed in this one run, so the ratio is meaningful on a shared, noisy machine
while absolute times are not. Run with
``python benchmarks/bench_henon_spectrum.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dynsys_align.analysis.lyapunov import lyapunov_spectrum
from dynsys_align.maps.classic import Henon


def numpy_spectrum(a, b, x0, n_transient, n_steps):
    """The QR method for the Henon map written as a straightforward numpy loop."""
    x = np.array(x0, dtype=float)
    Q = np.eye(2)
    sums = np.zeros(2)
    for t in range(n_transient + n_steps):
        J = np.array([[-2.0 * a * x[0], 1.0], [b, 0.0]])
        Q, R = np.linalg.qr(J @ Q)
        if t >= n_transient:
            sums += np.log(np.abs(np.diag(R)))
        x = np.array([1.0 - a * x[0] ** 2 + x[1], b * x[0]])
    return sums / n_steps


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000,
                        help="measured steps for the compiled engine (default 1e6)")
    parser.add_argument("--numpy-steps", type=int, default=100_000,
                        help="measured steps for the numpy loop (default 1e5)")
    parser.add_argument("--transient", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    m = Henon(1.4, 0.3)
    x0 = [0.0, 0.0]
    lyapunov_spectrum(m, x0, n_steps=10, n_transient=0)  # load compiled code

    # Alternate the two in each repeat and keep the best of each, so a burst of
    # load from other processes penalises neither side alone.
    t_ours = t_np = np.inf
    for _ in range(args.repeats):
        t, res = timed(lambda: lyapunov_spectrum(m, x0, n_steps=args.steps,
                                                 n_transient=args.transient))
        t_ours = min(t_ours, t)
        t, ex_np = timed(lambda: numpy_spectrum(1.4, 0.3, x0, args.transient,
                                                args.numpy_steps))
        t_np = min(t_np, t)

    total_ours = args.steps + args.transient
    total_np = args.numpy_steps + args.transient
    per_ours = t_ours / total_ours
    per_np = t_np / total_np
    print(f"compiled : {total_ours:>10,d} steps in {t_ours:8.3f} s "
          f"({per_ours * 1e9:8.1f} ns/step)  exponents {np.round(res.exponents, 4)}"
          f" +- {np.round(res.stderr, 4)}")
    print(f"numpy    : {total_np:>10,d} steps in {t_np:8.3f} s "
          f"({per_np * 1e9:8.1f} ns/step)  exponents {np.round(ex_np, 4)}"
          f"  (fewer steps, scaled per step)")
    print(f"sum of compiled exponents - log 0.3: "
          f"{res.exponents.sum() - np.log(0.3):.2e}")
    print(f"speed-up (numpy time per step / compiled time per step): "
          f"{per_np / per_ours:.0f}x  (target >= 100x)")


if __name__ == "__main__":
    main()
