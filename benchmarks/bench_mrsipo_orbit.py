"""MRS-IPO orbit throughput (K = 4): compiled kernels against a plain numpy loop.

Both implementations run the same map in logits and store every state. The numpy
loop is timed on fewer steps than the compiled code and compared per step; all
are timed in this one run, so the ratios are meaningful on a shared, noisy
machine while absolute numbers are not. Two compiled figures are reported: one
orbit (``MRSIPO.orbit_chart``, one core) and many orbits at once
(the compiled batch driver behind ``MRSIPO.batch_orbit``, numba ``prange``
over all cores), which is how sweeps
run. Run with ``python benchmarks/bench_mrsipo_orbit.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dynsys_align import MRSIPO
from dynsys_align.maps._kernels import batch_orbit_chart


def numpy_orbit(P, alpha, beta, lam, log_ref, pi0, z0, n):
    """The same map written as a straightforward numpy loop."""
    z = z0.copy()
    out = np.empty((n + 1, z.size))
    out[0] = z
    const = (1 - alpha) * log_ref + beta * (1 - lam) * P @ pi0
    for t in range(n):
        e = np.exp(z - z.max())
        z = alpha * z + beta * lam * P @ (e / e.sum()) + const
        z = z - z[-1]
        out[t + 1] = z
    return out


def best_of(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2_000_000,
                        help="steps for the compiled orbit (default 2e6)")
    parser.add_argument("--numpy-steps", type=int, default=50_000,
                        help="steps for the numpy loop (default 5e4)")
    parser.add_argument("--batch", type=int, default=64,
                        help="orbits in the batched measurement (default 64)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    P = np.array([[0.5, 0.7, 0.6, 0.3],
                  [0.3, 0.5, 0.7, 0.6],
                  [0.4, 0.3, 0.5, 0.7],
                  [0.7, 0.4, 0.3, 0.5]])
    alpha, beta, lam = 0.9, 8.0, 0.8
    m = MRSIPO(P, alpha, beta, lam)
    u0 = np.array([0.1, -0.2, 0.3])
    m.orbit_chart(u0, 10)  # load the compiled kernels before timing

    t_numba = best_of(lambda: m.orbit_chart(u0, args.steps, 1), args.repeats)
    # Many orbits in chart coordinates, like orbit_chart (no conversion to policies).
    step, _, _, simplex = m.kernels
    U0 = np.ascontiguousarray(np.random.default_rng(0).normal(size=(args.batch, 3)))
    Pm = np.ascontiguousarray(np.repeat(m.params[None, :], args.batch, axis=0))
    batch_steps = max(args.steps // args.batch, 1)
    batch_orbit_chart(step, simplex, U0, Pm, 10, 1)
    t_batch = best_of(lambda: batch_orbit_chart(step, simplex, U0, Pm, batch_steps, 1),
                      args.repeats)
    z0 = np.r_[u0, 0.0]
    t_numpy = best_of(lambda: numpy_orbit(P, alpha, beta, lam, np.log(np.full(4, 0.25)),
                                          np.full(4, 0.25), z0, args.numpy_steps),
                      args.repeats)

    # Same orbit from both implementations (a sanity check, not a timing).
    ref = numpy_orbit(P, alpha, beta, lam, np.log(np.full(4, 0.25)), np.full(4, 0.25),
                      z0, 1000)[:, :3]
    ours, _ = m.orbit_chart(u0, 1000, 1)
    agree = np.max(np.abs(ours - ref))

    per_numba = t_numba / args.steps
    per_batch = t_batch / (batch_steps * args.batch)
    per_numpy = t_numpy / args.numpy_steps
    print(f"compiled, one orbit  : {args.steps:>10,d} steps in {t_numba:8.3f} s "
          f"({per_numba * 1e9:8.1f} ns/step)")
    print(f"compiled, {args.batch} orbits : {batch_steps * args.batch:>10,d} steps in "
          f"{t_batch:8.3f} s ({per_batch * 1e9:8.1f} ns/step)")
    print(f"numpy loop           : {args.numpy_steps:>10,d} steps in {t_numpy:8.3f} s "
          f"({per_numpy * 1e9:8.1f} ns/step)")
    print(f"max |difference| over 1000 steps: {agree:.2e}")
    print(f"speed-up, one orbit  (numpy ns/step over compiled ns/step): "
          f"{per_numpy / per_numba:.0f}x")
    print(f"speed-up, throughput ({args.batch} orbits in parallel)      : "
          f"{per_numpy / per_batch:.0f}x  (target >= 100x)")


if __name__ == "__main__":
    main()
