"""Tests of dynsys_align.analysis.periodic against orbits whose period is known."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align import InvalidParameter, InvalidPolicy, UpdateMap, compiled_step
from dynsys_align.analysis.periodic import (
    detect_period,
    detect_period_kernel,
    find_periodic_orbits,
    periodic_orbit,
)
from dynsys_align.maps import MRSIPO
from dynsys_align.maps.classic import Henon, Logistic


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


# --- maps with known periodic orbits -------------------------------------------------


@compiled_step
def henon_step_no_jacobian(x, p, out):
    # the Henon map written here through the public extension API, without a Jacobian
    out[0] = 1.0 - p[0] * x[0] * x[0] + x[1]
    out[1] = p[1] * x[0]


def henon_user(a, b):
    return UpdateMap.from_kernels(henon_step_no_jacobian, dim=2, params=[a, b],
                                  param_names=["a", "b"], name="UserHenon")


def rps(a):
    return np.array([[0.5, 0.5 + a, 0.5 - a],
                     [0.5 - a, 0.5, 0.5 + a],
                     [0.5 + a, 0.5 - a, 0.5]])


def logistic_two_cycle(r):
    # roots of r^2 x^2 - r (r + 1) x + (r + 1) = 0
    d = np.sqrt((r - 3.0) * (r + 1.0))
    return np.sort([(r + 1.0 - d) / (2.0 * r), (r + 1.0 + d) / (2.0 * r)])


def henon_two_cycle(a, b):
    # x1 + x2 = (1 - b) / a and x1 x2 = ((1 - b)^2 - a) / a^2, with y_i = b x_j
    s = (1.0 - b) / a
    q = ((1.0 - b) ** 2 - a) / a ** 2
    d = np.sqrt(s * s / 4.0 - q)
    return s / 2.0 + d, s / 2.0 - d


@pytest.mark.parametrize("r, expected", [(2.8, 1), (3.2, 2), (3.5, 4), (3.83, 3)])
def test_detect_period_logistic_matches_the_bifurcation_sequence(r, expected):
    # r1 = 3 < 3.2 < r2 = 3.449 < 3.5 < r3 = 3.544; 3.83 lies in the period-3
    # window that opens at 1 + sqrt(8) = 3.8284
    assert detect_period(Logistic(r), [0.3], n_transient=3000) == expected


def test_detect_period_logistic_chaotic_regime_has_no_period():
    assert detect_period(Logistic(4.0), [0.3], max_period=64) == 0


def test_detect_period_divergent_orbit_returns_zero():
    assert detect_period(Logistic(3.0), [2.0], n_transient=100) == 0


def test_periodic_orbit_logistic_two_cycle_matches_closed_form():
    r = 3.2
    orb = periodic_orbit(Logistic(r), [0.5], 2)
    assert orb.success
    assert orb.minimal_period == 2
    assert_allclose(np.sort(orb.points[:, 0]), logistic_two_cycle(r), atol=1e-12)
    # the multiplier of the 2-cycle is 4 + 2 r - r^2
    assert_allclose(orb.multipliers.real, [4.0 + 2.0 * r - r * r], atol=1e-11)
    assert orb.stability == "stable node"


def test_periodic_orbit_user_henon_two_cycle_matches_closed_form():
    a, b = 1.4, 0.3
    x1, x2 = henon_two_cycle(a, b)
    orb = periodic_orbit(henon_user(a, b), [x1 + 0.05, b * x2 - 0.05], 2)
    assert orb.success
    assert_allclose(orb.points, [[x1, b * x2], [x2, b * x1]], atol=1e-10)


def test_periodic_orbit_henon_monodromy_determinant_is_b_to_the_period():
    # det DF = -b at every point, so det DF^2 = b^2 whatever the orbit
    a, b = 1.4, 0.3
    x1, x2 = henon_two_cycle(a, b)
    orb = periodic_orbit(Henon(a, b), [x1, b * x2], 2)
    assert_allclose(np.prod(orb.multipliers).real, b * b, rtol=1e-12)
    assert_allclose(np.linalg.det(orb.monodromy), b * b, rtol=1e-12)
    assert orb.stability == "saddle"


@pytest.mark.parametrize("beta, label",
                         [(4.0, "stable focus"), (12.0, "unstable focus")])
def test_periodic_orbit_mrsipo_uniform_point_has_theory_multipliers(beta, label):
    a, alpha, lam = 0.2, 0.5, 0.8
    m = MRSIPO(rps(a), alpha=alpha, beta=beta, lam=lam)
    orb = periodic_orbit(m, [0.5, 0.3, 0.2], 1)
    assert orb.success
    assert_allclose(orb.points[0], np.full(3, 1.0 / 3.0), atol=1e-12)
    w = a * beta * lam / np.sqrt(3.0)
    assert_allclose(orb.multipliers, [alpha + 1j * w, alpha - 1j * w], atol=1e-12)
    assert orb.stability == label


def test_periodic_orbit_warns_when_it_converges_to_a_smaller_period():
    r = 3.2
    with pytest.warns(RuntimeWarning, match="minimal period 1, not the requested"):
        orb = periodic_orbit(Logistic(r), [1.0 - 1.0 / r + 1e-3], 2)
    assert not orb.success
    assert orb.minimal_period == 1
    assert_allclose(orb.points[:, 0], 1.0 - 1.0 / r, atol=1e-12)


def test_periodic_orbit_warns_when_newton_runs_out_of_iterations():
    with pytest.warns(RuntimeWarning, match="no convergence in 1 Newton iterations"):
        orb = periodic_orbit(Logistic(3.2), [0.1], 2, max_iter=1)
    assert not orb.success


def test_find_periodic_orbits_logistic_returns_the_attracting_two_cycle_once():
    # the logistic map has at most one attracting cycle (negative Schwarzian
    # derivative), here the 2-cycle, reached from every start in (0, 1) except
    # the repelling fixed points and their preimages
    r = 3.2
    orbits = find_periodic_orbits(Logistic(r), starts=[[0.1], [0.4], [0.9]])
    assert len(orbits) == 1
    assert orbits[0].period == 2
    assert_allclose(orbits[0].points[:, 0], logistic_two_cycle(r), atol=1e-12)


def test_find_periodic_orbits_drops_unstable_orbits_reached_exactly():
    # the start 0 sits on the repelling fixed point 0 and stays there
    orbits = find_periodic_orbits(Logistic(2.8), starts=[[0.0], [0.3]])
    assert len(orbits) == 1
    assert_allclose(orbits[0].points[0, 0], 1.0 - 1.0 / 2.8, atol=1e-12)


def test_find_periodic_orbits_random_simplex_starts_reach_the_uniform_point():
    # alpha + beta lam ||S||_2 / 2 = 0.5 + 1.6 * 0.2 sqrt(3) / 2 < 1: a
    # contraction (paper, global stability), so every start converges to the
    # uniform fixed point
    m = MRSIPO(rps(0.2), alpha=0.5, beta=2.0, lam=0.8)
    assert m.contraction_modulus() < 1.0
    orbits = find_periodic_orbits(m, n_starts=4, rng=3)
    assert len(orbits) == 1
    assert_allclose(orbits[0].points[0], np.full(3, 1.0 / 3.0), atol=1e-10)


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize("period", [0, -2])
def test_periodic_orbit_rejects_non_positive_period(period):
    with pytest.raises(InvalidParameter, match="period must be >= 1"):
        periodic_orbit(Logistic(3.2), [0.5], period)


def test_periodic_orbit_rejects_non_integer_period():
    with pytest.raises(InvalidParameter, match="period must be an integer"):
        periodic_orbit(Logistic(3.2), [0.5], 2.5)


def test_periodic_orbit_rejects_negative_tol():
    with pytest.raises(InvalidParameter, match="tol must be > 0"):
        periodic_orbit(Logistic(3.2), [0.5], 2, tol=-1e-9)


def test_periodic_orbit_rejects_state_of_wrong_length():
    with pytest.raises(InvalidParameter, match="state must have length 2"):
        periodic_orbit(Henon(), [0.5], 1)


def test_periodic_orbit_rejects_non_finite_state():
    with pytest.raises(InvalidParameter, match="state must be finite"):
        periodic_orbit(Logistic(3.2), [np.nan], 1)


def test_periodic_orbit_rejects_policy_off_the_simplex():
    m = MRSIPO(rps(0.2), alpha=0.5, beta=4.0, lam=0.8)
    with pytest.raises(InvalidPolicy, match="must sum to 1"):
        periodic_orbit(m, [0.5, 0.5, 0.5], 1)


def test_detect_period_rejects_zero_max_period():
    with pytest.raises(InvalidParameter, match="max_period must be >= 1"):
        detect_period(Logistic(3.2), [0.5], max_period=0)


def test_detect_period_rejects_a_tail_of_one_row():
    with pytest.raises(InvalidParameter, match="n_keep must be >= 2"):
        detect_period(Logistic(3.2), [0.5], n_keep=1)


def test_detect_period_rejects_zero_tol():
    with pytest.raises(InvalidParameter, match="tol must be > 0"):
        detect_period(Logistic(3.2), [0.5], tol=0.0)


def test_find_periodic_orbits_rejects_starts_of_wrong_shape():
    with pytest.raises(InvalidParameter, match=r"starts must have shape \(m, 2\)"):
        find_periodic_orbits(Henon(), starts=[[0.1, 0.2, 0.3]])
