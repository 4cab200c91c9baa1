"""Tests of dynsys_align.analysis.periodic against orbits whose period is known."""

import numpy as np
import pytest

from dynsys_align.analysis.periodic import detect_period_kernel


def _cycle(values, n_rows):
    values = np.asarray(values, dtype=float).reshape(len(values), -1)
    rows = [values[t % len(values)] for t in range(n_rows)]
    return np.ascontiguousarray(np.array(rows))


def test_detect_period_kernel_constant_tail_has_period_one():
    U = _cycle([[0.3, -1.2]], 20)
    assert detect_period_kernel(U, 10, 1e-10) == 1


@pytest.mark.parametrize("k", [2, 3, 5, 7])
def test_detect_period_kernel_finds_exact_cycle_length(k):
    rng = np.random.default_rng(k)
    U = _cycle(rng.normal(size=(k, 2)), 6 * k)
    assert detect_period_kernel(U, 10, 1e-10) == k


def test_detect_period_kernel_returns_smallest_period_not_a_multiple():
    U = _cycle([[1.0], [2.0], [3.0]], 40)
    assert detect_period_kernel(U, 12, 1e-12) == 3


def test_detect_period_kernel_tolerates_noise_below_tol_times_scale():
    rng = np.random.default_rng(1)
    base = _cycle([[100.0], [-50.0], [20.0], [70.0]], 64)
    noisy = np.ascontiguousarray(base + rng.uniform(-4e-7, 4e-7, base.shape))
    # scale is max |U| = 100, so differences up to 8e-7 pass at tol = 1e-8
    assert detect_period_kernel(noisy, 10, 1e-8) == 4
    assert detect_period_kernel(noisy, 10, 1e-10) == 0


def test_detect_period_kernel_needs_two_full_periods_in_the_tail():
    U = _cycle([[1.0], [2.0], [3.0], [4.0], [5.0]], 9)
    assert detect_period_kernel(U, 10, 1e-12) == 0
    U = _cycle([[1.0], [2.0], [3.0], [4.0], [5.0]], 10)
    assert detect_period_kernel(U, 10, 1e-12) == 5


def test_detect_period_kernel_aperiodic_tail_returns_zero():
    # the irrational rotation x -> x + sqrt(2) mod 1 has no periodic orbit
    x = np.mod(0.1 + np.sqrt(2.0) * np.arange(200), 1.0)
    U = np.ascontiguousarray(x[:, None])
    assert detect_period_kernel(U, 50, 1e-6) == 0


def test_detect_period_kernel_non_finite_tail_returns_zero():
    U = _cycle([[1.0], [2.0]], 20)
    U[7, 0] = np.nan
    assert detect_period_kernel(U, 10, 1e-8) == 0
