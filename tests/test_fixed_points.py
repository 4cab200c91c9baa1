"""Fixed points, multipliers and stability labels against closed forms and theorems."""

import math
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align.analysis.fixed_points import (
    NEWTON_CONVERGED,
    STABILITY_LABELS,
    classify_fixed_point,
    fixed_points,
    multipliers,
    newton_fixed_point,
)
from dynsys_align.exceptions import ConvergenceError, InvalidParameter, InvalidPolicy
from dynsys_align.maps import MRSIPO, UpdateMap, compiled_step
from dynsys_align.maps.classic import Henon, Logistic, Replicator
from tests import reference_problems as ref

# --- maps defined here through the public extension API, without a Jacobian ---


@compiled_step
def henon_fd_step(x, p, out):
    out[0] = 1.0 - p[0] * x[0] * x[0] + x[1]
    out[1] = p[1] * x[0]


@compiled_step
def rotation_scaling_step(x, p, out):
    # x -> rho R(theta) (x - c) + c: one fixed point c, multipliers rho e^{+-i theta}
    rho, theta, c0, c1 = p[0], p[1], p[2], p[3]
    d0 = x[0] - c0
    d1 = x[1] - c1
    out[0] = c0 + rho * (math.cos(theta) * d0 - math.sin(theta) * d1)
    out[1] = c1 + rho * (math.sin(theta) * d0 + math.cos(theta) * d1)


def henon_fd(a=1.4, b=0.3):
    return UpdateMap.from_kernels(henon_fd_step, dim=2, params=[a, b],
                                  param_names=["a", "b"], name="HenonFD")


def rotation_scaling(rho, theta, center):
    return UpdateMap.from_kernels(rotation_scaling_step, dim=2,
                                  params=[rho, theta, *center],
                                  param_names=["rho", "theta"], name="RotScale")


# --- logistic ------------------------------------------------------------------------


@pytest.mark.parametrize("r", [0.5, 1.5, 2.5, 2.8, 3.3, 3.9])
def test_logistic_fixed_points_are_zero_and_one_minus_inverse_r(r):
    fps = fixed_points(Logistic(r), n_starts=16, rng=0)
    assert_allclose([fp.x[0] for fp in fps],
                    sorted([0.0, ref.logistic_fixed_point(r)]), atol=1e-12)


@pytest.mark.parametrize("r", [0.5, 1.5, 2.5, 2.8, 3.3, 3.9])
def test_logistic_multipliers_are_r_and_two_minus_r(r):
    fps = fixed_points(Logistic(r), n_starts=16, rng=0)
    by_x = {round(fp.x[0], 9): fp.multipliers[0] for fp in fps}
    assert_allclose(by_x[0.0], r, atol=1e-12)
    assert_allclose(by_x[round(ref.logistic_fixed_point(r), 9)],
                    ref.logistic_fixed_point_multiplier(r), atol=1e-12)


@pytest.mark.parametrize("r, label", [(2.5, "stable node"), (3.3, "unstable node"),
                                      (3.0, "non-hyperbolic")])
def test_logistic_nontrivial_fixed_point_label(r, label):
    res = newton_fixed_point(Logistic(r), [0.5])
    assert res.success
    assert_allclose(res.fixed_point.x[0], ref.logistic_fixed_point(r), atol=1e-12)
    assert res.fixed_point.stability == label


def test_multipliers_at_logistic_fixed_point_match_closed_form():
    assert_allclose(multipliers(Logistic(2.8), [1.0 - 1.0 / 2.8]), [2.0 - 2.8],
                    atol=1e-12)


# --- Henon ---------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [(1.4, 0.3), (0.2, 0.3), (1.0, -0.5)])
def test_henon_fixed_points_solve_the_quadratic(a, b):
    fps = fixed_points(Henon(a, b), n_starts=32, rng=3, bounds=(-5.0, 5.0))
    assert_allclose(np.array([fp.x for fp in fps]), ref.henon_fixed_points(a, b),
                    atol=1e-12)


def test_henon_fixed_point_multipliers_match_characteristic_polynomial():
    for fp in fixed_points(Henon(1.4, 0.3), n_starts=16, rng=0):
        expected = ref.henon_fixed_point_multipliers(1.4, 0.3, fp.x[0])
        assert_allclose(np.sort_complex(fp.multipliers), np.sort_complex(expected),
                        atol=1e-12)


def test_classic_henon_fixed_points_are_saddles():
    labels = [fp.stability for fp in fixed_points(Henon(), n_starts=16, rng=0)]
    assert labels == ["saddle", "saddle"]


def test_henon_without_real_fixed_points_gives_empty_list():
    # (1 - b)^2 + 4 a < 0: the quadratic has no real root
    assert fixed_points(Henon(-0.2, 0.3), n_starts=16, rng=0) == []


def test_user_map_without_jacobian_gets_henon_fixed_points_and_multipliers():
    fps = fixed_points(henon_fd(), n_starts=16, rng=0)
    assert_allclose(np.array([fp.x for fp in fps]), ref.henon_fixed_points(1.4, 0.3),
                    atol=1e-12)
    for fp in fps:
        expected = ref.henon_fixed_point_multipliers(1.4, 0.3, fp.x[0])
        # central differences: about 1e-10 accurate
        assert_allclose(np.sort_complex(fp.multipliers), np.sort_complex(expected),
                        atol=1e-8)


@pytest.mark.parametrize("rho, label", [(0.7, "stable focus"), (1.3, "unstable focus")])
def test_user_rotation_scaling_map_has_known_multipliers(rho, label):
    theta = 0.9
    fps = fixed_points(rotation_scaling(rho, theta, (0.25, -0.5)), n_starts=8, rng=0)
    assert len(fps) == 1
    assert_allclose(fps[0].x, [0.25, -0.5], atol=1e-12)
    assert_allclose(fps[0].multipliers,
                    [rho * np.exp(1j * theta), rho * np.exp(-1j * theta)], atol=1e-8)
    assert fps[0].stability == label


# --- simplex maps --------------------------------------------------------------------


def test_replicator_rps_fixed_point_is_uniform():
    fps = fixed_points(Replicator(ref.RPS_PAYOFF, 0.3), n_starts=32, rng=0)
    assert len(fps) == 1
    assert_allclose(fps[0].x, np.full(3, 1.0 / 3.0), atol=1e-12)


def test_replicator_rps_multipliers_and_instability():
    eta = 0.3
    fps = fixed_points(Replicator(ref.RPS_PAYOFF, eta), n_starts=8, rng=0)
    assert_allclose(fps[0].multipliers, ref.hedge_rps_multipliers(eta), atol=1e-12)
    assert fps[0].stability == "unstable focus"


@pytest.mark.parametrize("K", [3, 4, 6])
@pytest.mark.parametrize("alpha, beta, lam", [(0.3, 5.0, 1.0), (0.8, 20.0, 0.5),
                                              (0.5, 50.0, 0.8), (0.0, 2.0, 1.0)])
def test_mrsipo_interior_multipliers_have_real_part_alpha(K, alpha, beta, lam):
    rng = np.random.default_rng(1000 * K + int(100 * alpha))
    for _ in range(3):
        P = ref.random_preference_matrix(K, rng)
        fps = fixed_points(MRSIPO(P, alpha, beta, lam), n_starts=16, rng=rng)
        assert len(fps) >= 1
        for fp in fps:
            assert fp.residual <= 1e-10
            assert_allclose(fp.multipliers.real, alpha, atol=1e-9)


@pytest.mark.parametrize("alpha, beta, lam", [(0.5, 3.0, 1.0), (0.9, 10.0, 0.7),
                                              (1.0, 4.0, 1.0)])
def test_mrsipo_rps_uniform_point_multipliers(alpha, beta, lam):
    a = 0.2
    m = MRSIPO(ref.rock_paper_scissors_preferences(a), alpha, beta, lam)
    fps = fixed_points(m, n_starts=16, rng=0)
    assert len(fps) == 1
    assert_allclose(fps[0].x, np.full(3, 1.0 / 3.0), atol=1e-12)
    assert_allclose(fps[0].multipliers, ref.mrsipo_rps_multipliers(a, alpha, beta, lam),
                    atol=1e-12)


@pytest.mark.parametrize("alpha, beta", [(0.5, 3.0), (0.9, 10.0), (0.6, 8.0)])
def test_mrsipo_rps_stability_follows_the_oscillation_theorem(alpha, beta):
    a, lam = 0.2, 1.0
    m = MRSIPO(ref.rock_paper_scissors_preferences(a), alpha, beta, lam)
    res = newton_fixed_point(m, [0.5, 0.3, 0.2])
    expected = ("unstable focus" if ref.mrsipo_rps_unstable(a, alpha, beta, lam)
                else "stable focus")
    assert res.fixed_point.stability == expected


def test_mrsipo_rps_on_the_unit_circle_is_non_hyperbolic():
    # alpha^2 + a^2 beta^2 / 3 = 0.36 + 0.04 * 48 / 3 = 1
    m = MRSIPO(ref.rock_paper_scissors_preferences(0.2), 0.6, math.sqrt(48.0), 1.0)
    fps = fixed_points(m, n_starts=8, rng=0)
    assert [fp.stability for fp in fps] == ["non-hyperbolic"]


def test_mrsipo_alpha1_transitive_has_no_interior_fixed_point():
    # the only fixed points are vertices, which lie outside the chart
    m = MRSIPO(ref.strictly_transitive_preferences(3, 0.2), 1.0, 5.0, 1.0)
    assert fixed_points(m, n_starts=16, rng=0) == []


# --- search options ------------------------------------------------------------------


def test_results_do_not_depend_on_the_seed():
    a = fixed_points(Henon(), n_starts=32, rng=1)
    b = fixed_points(Henon(), n_starts=32, rng=2)
    assert_allclose(np.array([fp.x for fp in a]), np.array([fp.x for fp in b]),
                    atol=1e-12)


def test_bounds_keep_only_fixed_points_inside_the_box():
    fps = fixed_points(Henon(), n_starts=32, rng=0, bounds=(0.0, 1.0))
    assert_allclose(np.array([fp.x for fp in fps]), ref.henon_fixed_points(1.4, 0.3)[1:],
                    atol=1e-12)


def test_explicit_starts_alone_find_the_nearby_fixed_point():
    fps = fixed_points(Logistic(2.5), n_starts=0, starts=[[0.55], [0.65]])
    assert_allclose([fp.x[0] for fp in fps], [0.6], atol=1e-12)


def test_newton_reports_iterations_and_converged_status():
    res = newton_fixed_point(Henon(), [0.6, 0.2])
    assert res.status == NEWTON_CONVERGED
    assert 1 <= res.n_iter <= 10
    assert res.residual <= 1e-12


# --- classification rules ------------------------------------------------------------


@pytest.mark.parametrize("mu, label", [
    ([0.5, -0.2], "stable node"),
    ([0.5 + 0.5j, 0.5 - 0.5j, 0.1], "stable focus"),
    ([2.0, 0.5], "saddle"),
    ([1.5 + 1j, 1.5 - 1j, 0.2], "saddle"),
    ([2.0, -3.0], "unstable node"),
    ([1.0 + 1.0j, 1.0 - 1.0j], "unstable focus"),
    ([1.0 + 1e-10, 0.5], "non-hyperbolic"),
    ([-1.0, 0.5], "non-hyperbolic"),
    ([np.exp(0.3j), np.exp(-0.3j)], "non-hyperbolic"),
])
def test_classify_fixed_point_rules(mu, label):
    assert label in STABILITY_LABELS
    assert classify_fixed_point(mu) == label


def test_classify_tolerance_decides_the_unit_circle():
    assert classify_fixed_point([1.001, 0.5], tol=1e-2) == "non-hyperbolic"
    assert classify_fixed_point([1.001, 0.5], tol=1e-4) == "saddle"


# --- failures and bad input ----------------------------------------------------------


def test_newton_failure_warns_and_returns_no_point():
    with pytest.warns(RuntimeWarning, match="Newton failed") as record:
        res = newton_fixed_point(Henon(-0.2, 0.3), [0.2, 0.3])
    assert not res.success
    assert res.fixed_point is None
    # the warning points at the caller, not at the library
    assert record[0].filename == __file__


def test_newton_failure_raises_on_request():
    with pytest.raises(ConvergenceError, match="Newton failed after"):
        newton_fixed_point(Henon(-0.2, 0.3), [0.2, 0.3], on_failure="raise")


def test_newton_failure_ignore_is_silent_but_reported():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = newton_fixed_point(Henon(-0.2, 0.3), [0.2, 0.3], on_failure="ignore")
    assert not res.success and "failed" in res.message


def test_newton_towards_simplex_boundary_fails():
    m = MRSIPO(ref.strictly_transitive_preferences(3, 0.2), 1.0, 5.0, 1.0)
    res = newton_fixed_point(m, [0.2, 0.3, 0.5], on_failure="ignore")
    assert not res.success
    assert res.fixed_point is None


@pytest.mark.parametrize("kwargs, match", [
    ({"n_starts": -1}, r"n_starts must be >= 0, got n_starts = -1"),
    ({"n_starts": 2.5}, r"n_starts must be an integer"),
    ({"tol": 0.0}, r"tol must be > 0"),
    ({"max_iter": 0}, r"max_iter must be >= 1"),
    ({"dedup_tol": -1e-3}, r"dedup_tol must be > 0"),
    ({"bounds": (1.0, -1.0)}, r"bounds need low < high"),
    ({"bounds": (0.0, np.inf)}, r"bounds must be finite"),
    ({"bounds": 3.0}, r"bounds must be a pair"),
    ({"starts": [[0.1, 0.2, 0.3]]}, r"starts must have shape \(m, 2\)"),
    ({"escape_radius": -5.0}, r"escape_radius must be > 0"),
    ({"multiplier_tol": 0.0}, r"multiplier_tol must be > 0"),
    ({"rng": "seven"}, r"rng must be None, a non-negative integer seed"),
    ({"rng": -3}, r"rng must be None, a non-negative integer seed"),
])
def test_fixed_points_bad_arguments_raise(kwargs, match):
    with pytest.raises(InvalidParameter, match=match):
        fixed_points(Henon(), **kwargs)


def test_newton_bad_on_failure_raises():
    with pytest.raises(InvalidParameter, match="on_failure must be 'warn', 'raise'"):
        newton_fixed_point(Henon(), [0.0, 0.0], on_failure="loud")


def test_newton_start_outside_simplex_raises():
    with pytest.raises(InvalidPolicy, match="open simplex"):
        newton_fixed_point(Replicator(ref.RPS_PAYOFF, 0.1), [0.0, 0.5, 0.5])


@pytest.mark.parametrize("mu, tol, match", [
    ([], 1e-8, "non-empty"),
    ([np.nan, 0.5], 1e-8, "must be finite"),
    ([0.5], 0.0, "tol must be > 0"),
    (["a"], 1e-8, "multipliers must be numbers"),
])
def test_classify_bad_input_raises(mu, tol, match):
    with pytest.raises(InvalidParameter, match=match):
        classify_fixed_point(mu, tol)


def test_multipliers_at_invalid_state_raise():
    with pytest.raises(InvalidParameter, match="state must have length 2, got 1"):
        multipliers(Henon(), [0.1])


def test_multipliers_at_non_policy_raise():
    with pytest.raises(InvalidPolicy, match="must sum to 1"):
        multipliers(Replicator(ref.RPS_PAYOFF, 0.1), [0.2, 0.2, 0.2])
