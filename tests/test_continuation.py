"""Tests of dynsys_align.analysis.continuation against closed-form bifurcations.

Reference values: logistic flips r1 = 3, r2 = 1 + sqrt(6) (closed form) and the
published cascade values r3 = 3.5440903595519, r4 = 3.5644072660954,
r5 = 3.5687594195448; the period-3 window opens in a fold at r = 1 + sqrt(8);
x -> r + x^2 folds at r = 1/4, x = 1/2; the Henon fixed points fold at
a = -(1 - b)^2 / 4 and flip at a = 3 (1 - b)^2 / 4; the MRS-IPO
rock-paper-scissors point loses stability in a Neimark-Sacker bifurcation at
beta lam = sqrt(3 (1 - alpha^2)) / a.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align import (
    ConvergenceError,
    InvalidParameter,
    UpdateMap,
    compiled_step,
)
from dynsys_align.analysis.continuation import (
    bifurcation_test_functions,
    continue_doubled_orbit,
    continue_orbit,
    period_doubling_cascade,
)
from dynsys_align.maps import MRSIPO
from dynsys_align.maps.classic import Henon, Logistic

R_PUBLISHED = np.array([3.0, 1.0 + np.sqrt(6.0), 3.5440903595519,
                        3.5644072660954, 3.5687594195448])
FEIGENBAUM = 4.669201609102990


@compiled_step
def quadratic_step(x, p, out):
    # x -> r + x^2: fixed points x^2 - x + r = 0 merge in a fold at r = 1/4
    out[0] = p[0] + x[0] * x[0]


@compiled_step
def henon_step_no_jacobian(x, p, out):
    out[0] = 1.0 - p[0] * x[0] * x[0] + x[1]
    out[1] = p[1] * x[0]


@compiled_step
def saddle_step(x, p, out):
    # fixed point 0 with real multipliers 2 and c: their product is 1 at c = 1/2
    out[0] = 2.0 * x[0] + x[0] * x[0]
    out[1] = p[0] * x[1]


@compiled_step
def damped_hedge_step(z, p, out):
    # z -> g z + eta S softmax(z), S = P - 1/2 stored in p[2:]; a user simplex
    # map without a Jacobian (MRS-IPO with alpha = g, lam = 1, beta = eta)
    K = z.size
    w = np.exp(z - z.max())
    w /= w.sum()
    for i in range(K):
        acc = 0.0
        for j in range(K):
            acc += p[2 + i * K + j] * w[j]
        out[i] = p[1] * z[i] + p[0] * acc


def quadratic(r):
    return UpdateMap.from_kernels(quadratic_step, dim=1, params=[r],
                                  param_names=["r"], name="Quadratic")


def henon_user(a, b):
    return UpdateMap.from_kernels(henon_step_no_jacobian, dim=2, params=[a, b],
                                  param_names=["a", "b"], name="UserHenon")


def rps(a):
    return np.array([[0.5, 0.5 + a, 0.5 - a],
                     [0.5 - a, 0.5, 0.5 + a],
                     [0.5 + a, 0.5 - a, 0.5]])


def kinds(branch):
    return [sp.kind for sp in branch.special_points]


# --- logistic map -------------------------------------------------------------


def test_logistic_fixed_point_flip_located_at_r_equal_3():
    br = continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.3)
    assert kinds(br) == ["flip"]
    sp = br.special_points[0]
    assert_allclose(sp.param, 3.0, atol=1e-8)
    assert_allclose(sp.point, [2.0 / 3.0], atol=1e-8)
    assert_allclose(sp.multipliers.real, [-1.0], atol=1e-8)


def test_logistic_fixed_point_branch_follows_closed_form_and_multiplier():
    br = continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.3)
    r = br.params
    assert_allclose(br.points[:, 0], 1.0 - 1.0 / r, atol=1e-11)
    assert_allclose(br.multipliers[:, 0].real, 2.0 - r, atol=1e-9)


def test_logistic_branch_ends_exactly_at_p_end_with_correct_labels():
    br = continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.3)
    assert br.success
    assert_allclose(br.params[[0, -1]], [2.5, 3.3], atol=1e-12)
    assert br.stability[0] == "stable node"
    assert br.stability[-1] == "unstable node"


def test_logistic_two_cycle_flip_located_at_one_plus_sqrt6():
    r = 3.2
    br = continue_orbit(Logistic(r), "r", [0.513], r, 3.5, period=2)
    assert kinds(br) == ["flip"]
    assert_allclose(br.special_points[0].param, 1.0 + np.sqrt(6.0), atol=1e-8)
    # the 2-cycle multiplier is 4 + 2 r - r^2 along the whole branch
    r = br.params
    assert_allclose(br.multipliers[:, 0].real, 4.0 + 2.0 * r - r * r, atol=1e-8)


def test_logistic_period_three_window_opens_in_a_fold_at_one_plus_sqrt8():
    m = Logistic(3.84)
    x = m.orbit([0.3], 3000)[-1]
    br = continue_orbit(m, "r", x, 3.84, 3.8, period=3, stop_at="fold")
    assert kinds(br) == ["fold"]
    sp = br.special_points[0]
    assert_allclose(sp.param, 1.0 + np.sqrt(8.0), atol=1e-8)
    assert_allclose(sp.multipliers.real, [1.0], atol=1e-6)


def test_doubled_branch_of_the_logistic_is_the_closed_form_two_cycle():
    fixed = continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.2)
    br = continue_doubled_orbit(Logistic(2.5), "r", fixed.special_points[0], 3.4)
    assert br.period == 2
    r = br.params
    # points of the 2-cycle solve r^2 x^2 - r (r + 1) x + (r + 1) = 0
    x = br.points[:, 0]
    assert_allclose(r * r * x * x - r * (r + 1.0) * x + (r + 1.0), 0.0, atol=1e-10)
    assert np.all(np.abs(x - (1.0 - 1.0 / r)) > 1e-4)
    assert_allclose(r[-1], 3.4, atol=1e-12)


def test_cascade_locates_the_first_five_period_doublings():
    c = period_doubling_cascade(Logistic(2.8), "r", [0.6], 2.8, 3.57, 5)
    assert c.success
    assert_allclose(c.params[:2], R_PUBLISHED[:2], atol=1e-8)
    # r3..r5 are compared with published 13-digit values
    assert_allclose(c.params[2:], R_PUBLISHED[2:], atol=1e-9)
    assert list(c.periods) == [1, 2, 4, 8, 16]


def test_cascade_ratios_approach_the_feigenbaum_constant():
    c = period_doubling_cascade(Logistic(2.8), "r", [0.6], 2.8, 3.57, 5)
    gaps = np.diff(R_PUBLISHED)
    assert_allclose(c.ratios, gaps[:-1] / gaps[1:], rtol=1e-6)
    # 4.7514, 4.6563, 4.6682: the error to delta shrinks like about 1 / delta
    assert_allclose(c.ratios, [4.7514, 4.6563, 4.6682], atol=1e-4)
    assert abs(c.ratios[-1] - FEIGENBAUM) < 2e-3


def test_deep_cascade_ratio_converges_to_feigenbaum_delta():
    # nine doublings (the last on the period-256 orbit); delta_n - delta shrinks
    # by about delta each level, and delta_7 lies within 1e-4 of 4.6692016
    c = period_doubling_cascade(Logistic(2.8), "r", [0.6], 2.8, 3.56995, 9)
    assert c.success
    assert list(c.periods) == [2 ** n for n in range(9)]
    err = np.abs(c.ratios - FEIGENBAUM)
    assert np.all(err[2:] < err[1:-1])
    assert err[-1] < 1e-4
    # the accumulation point is r_inf = 3.5699456718...
    assert 0.0 < 3.5699456718 - c.params[-1] < 1e-5


def test_cascade_stops_at_p_end_and_reports_partial_success():
    c = period_doubling_cascade(Logistic(2.8), "r", [0.6], 2.8, 3.5, 5)
    assert not c.success
    assert_allclose(c.params, R_PUBLISHED[:2], atol=1e-8)
    assert "ended before a flip" in c.message


def test_logistic_transcritical_at_r_equal_1_is_a_branch_point_not_a_fold():
    # the fixed point 0 has multiplier r; the branch x = 1 - 1/r crosses it at r = 1
    br = continue_orbit(Logistic(0.5), "r", [0.0], 0.5, 1.5)
    assert kinds(br) == ["branch_point"]
    assert_allclose(br.special_points[0].param, 1.0, atol=1e-8)
    assert_allclose(br.points[:, 0], 0.0, atol=1e-12)


def test_continue_orbit_warns_when_the_start_has_a_smaller_period():
    with pytest.warns(RuntimeWarning, match="minimal period 1, not 2"):
        continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 2.6, period=2)


# --- closed-form folds --------------------------------------------------------


def test_quadratic_user_map_fold_at_one_quarter():
    br = continue_orbit(quadratic(0.0), "r", [0.0], 0.0, 1.0)
    assert kinds(br) == ["fold"]
    sp = br.special_points[0]
    assert_allclose(sp.param, 0.25, atol=1e-8)
    assert_allclose(sp.point, [0.5], atol=1e-6)
    # every branch point is a fixed point: x^2 - x + r = 0
    x = br.points[:, 0]
    assert_allclose(x * x - x + br.params, 0.0, atol=1e-10)


def test_quadratic_fold_turns_back_onto_the_unstable_branch():
    br = continue_orbit(quadratic(0.0), "r", [0.0], 0.0, 1.0)
    # the branch returns to r = 0 on the repelling fixed point x = 1
    assert_allclose(br.params[-1], 0.0, atol=1e-12)
    assert_allclose(br.points[-1], [1.0], atol=1e-10)
    # multiplier 2 x: 0 at the start (x = 0), 2 at the end (x = 1)
    assert br.stability[0] == "stable node"
    assert br.stability[-1] == "unstable node"


@pytest.mark.parametrize("b", [0.3, -0.2])
def test_henon_fixed_point_fold_at_closed_form(b):
    br = continue_orbit(Henon(0.0, b), "a", [1 / (1 - b), b / (1 - b)], 0.0, -1.0,
                        stop_at="fold")
    assert kinds(br) == ["fold"]
    sp = br.special_points[0]
    assert_allclose(sp.param, -(1.0 - b) ** 2 / 4.0, atol=1e-8)
    # at the fold the double root is x = -(1 - b) / (2 a) = 2 / (1 - b)
    assert_allclose(sp.point, [2.0 / (1 - b), 2.0 * b / (1 - b)], atol=1e-6)


@pytest.mark.parametrize("b", [0.3, -0.2])
def test_henon_fixed_point_flip_at_closed_form(b):
    br = continue_orbit(Henon(0.0, b), "a", [1 / (1 - b), b / (1 - b)], 0.0, 2.0)
    assert kinds(br) == ["flip"]
    assert_allclose(br.special_points[0].param, 3.0 * (1.0 - b) ** 2 / 4.0, atol=1e-8)


def test_user_henon_without_jacobian_gets_the_same_fold_and_flip():
    b = 0.3
    x0 = [1 / (1 - b), b / (1 - b)]
    fold = continue_orbit(henon_user(0.0, b), "a", x0, 0.0, -1.0, stop_at="fold")
    flip = continue_orbit(henon_user(0.0, b), "a", x0, 0.0, 1.0)
    assert_allclose(fold.special_points[0].param, -(1.0 - b) ** 2 / 4.0, atol=1e-8)
    assert_allclose(flip.special_points[0].param, 3.0 * (1.0 - b) ** 2 / 4.0,
                    atol=1e-8)


def test_henon_cascade_matches_closed_form_first_two_doublings():
    # the 2-cycle has trace(DF^2) = 4 ((1 - b)^2 - a) + 2 b and det b^2, so it
    # flips (1 + trace + det = 0) at a = (1 + b)^2 / 4 + (1 - b)^2
    b = 0.3
    c = period_doubling_cascade(Henon(0.0, b), "a", [1 / (1 - b), b / (1 - b)],
                                0.0, 1.2, 2)
    assert c.success
    assert_allclose(c.params, [3.0 * (1 - b) ** 2 / 4.0,
                               (1 + b) ** 2 / 4.0 + (1 - b) ** 2], atol=1e-8)


def test_henon_flip_eigenvector_is_the_minus_one_eigenvector():
    b = 0.3
    br = continue_orbit(Henon(0.0, b), "a", [1 / (1 - b), b / (1 - b)], 0.0, 1.0)
    sp = br.special_points[0]
    J = Henon(sp.param, b).jacobian(sp.point)
    assert_allclose(J @ sp.eigenvector, -sp.eigenvector, atol=1e-7)


# --- MRS-IPO: Neimark-Sacker --------------------------------------------------


@pytest.mark.parametrize("alpha, lam, a", [(0.5, 0.8, 0.2), (0.0, 1.0, 0.3),
                                           (0.9, 0.6, 0.25)])
def test_mrsipo_neimark_sacker_in_beta_at_theorem_threshold(alpha, lam, a):
    critical = np.sqrt(3.0 * (1.0 - alpha ** 2)) / a / lam
    m = MRSIPO(rps(a), alpha=alpha, beta=0.5 * critical, lam=lam)
    br = continue_orbit(m, "beta", np.full(3, 1 / 3), 0.5 * critical, 1.5 * critical)
    assert kinds(br) == ["neimark_sacker"]
    sp = br.special_points[0]
    assert_allclose(sp.param, critical, atol=1e-8)
    assert_allclose(np.abs(sp.multipliers), [1.0, 1.0], atol=1e-10)


def test_user_simplex_map_without_jacobian_gets_the_theorem_threshold():
    a, g = 0.25, 0.7
    S = rps(a) - 0.5
    m = UpdateMap.from_kernels(damped_hedge_step, dim=3,
                               params=np.concatenate([[1.0, g], S.ravel()]),
                               param_names=["eta", "g"], space="simplex",
                               name="DampedHedge")
    critical = np.sqrt(3.0 * (1.0 - g ** 2)) / a
    br = continue_orbit(m, "eta", [0.5, 0.3, 0.2], 1.0, 2.0 * critical)
    assert [sp.kind for sp in br.special_points] == ["neimark_sacker"]
    assert_allclose(br.special_points[0].param, critical, atol=1e-8)
    assert_allclose(br.special_points[0].point, np.full(3, 1 / 3), atol=1e-10)


def test_mrsipo_uniform_point_is_a_trivial_branch_with_changing_multipliers():
    a, alpha, lam = 0.2, 0.5, 0.8
    m = MRSIPO(rps(a), alpha=alpha, beta=1.0, lam=lam)
    br = continue_orbit(m, "beta", np.full(3, 1 / 3), 1.0, 12.0)
    assert_allclose(br.points, 1.0 / 3.0, atol=1e-12)
    w = a * br.params * lam / np.sqrt(3.0)
    assert_allclose(np.abs(br.multipliers[:, 0]), np.hypot(alpha, w), atol=1e-10)


def test_neutral_saddle_is_not_reported_as_neimark_sacker():
    # multipliers 2 and c are real; 2 c = 1 zeroes the bialternate test at c = 1/2
    m = UpdateMap.from_kernels(saddle_step, dim=2, params=[0.3], param_names=["c"],
                               name="Saddle")
    br = continue_orbit(m, "c", [0.0, 0.0], 0.3, 0.8)
    assert br.special_points == []
    crossed = np.sign(br.multipliers[:, 0].real * br.multipliers[:, 1].real - 1.0)
    assert crossed[0] == -1.0 and crossed[-1] == 1.0


def test_mrsipo_k4_cycle_neimark_sacker_pair_is_alpha_plus_i_sqrt():
    # the cyclic tournament 0>1>2>3>0 with 0>2 and 1>3: the interior fixed point
    # moves with beta, and every multiplier has real part alpha (THEORY.md), so
    # the critical pair on the unit circle is alpha +- i sqrt(1 - alpha^2)
    P = np.full((4, 4), 0.5)
    for i, j in [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3)]:
        P[i, j], P[j, i] = 0.8, 0.2
    alpha, lam = 0.6, 0.9
    m = MRSIPO(P, alpha=alpha, beta=0.5, lam=lam)
    x0 = m.orbit(np.full(4, 0.25), 500)[-1]
    br = continue_orbit(m, "beta", x0, 0.5, 10.0, stop_at="neimark_sacker")
    sp = br.special_points[0]
    assert sp.kind == "neimark_sacker"
    w = np.sqrt(1.0 - alpha ** 2)
    assert_allclose(sp.multipliers[:2], [alpha + 1j * w, alpha - 1j * w], atol=1e-8)
    assert_allclose(sp.multipliers.real, alpha, atol=1e-8)
    # the located point is a fixed point of the map at the located beta
    assert_allclose(m.with_params(beta=sp.param).step(sp.point), sp.point, atol=1e-12)


def test_simplex_branch_stops_when_the_policy_approaches_the_boundary():
    # a transitive P: as alpha -> 1 the fixed point collapses onto response 0
    P = np.array([[0.5, 0.7, 0.8], [0.3, 0.5, 0.6], [0.2, 0.4, 0.5]])
    m = MRSIPO(P, alpha=0.5, beta=5.0, lam=1.0)
    x0 = m.orbit(np.full(3, 1 / 3), 500)[-1]
    br = continue_orbit(m, "alpha", x0, 0.5, 1.0, ds_max=0.5, max_steps=5000)
    assert not br.success
    assert "left the region max |u| <= 100" in br.message
    assert br.points[-1, 0] > 1.0 - 1e-12


def test_stop_at_ends_the_branch_on_the_special_point():
    br = continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.5, stop_at=("flip",))
    assert_allclose(br.params[-1], 3.0, atol=1e-8)
    assert br.message == "stopped at the first flip"


# --- test functions -----------------------------------------------------------


def test_bifurcation_test_functions_are_the_characteristic_products():
    mu = np.array([0.5, -2.0, 0.3 + 0.4j, 0.3 - 0.4j])
    M = np.diag([0.5, -2.0, 0.0, 0.0])
    M[2:, 2:] = [[0.3, 0.4], [-0.4, 0.3]]
    v = bifurcation_test_functions(mu)
    assert_allclose(v["fold"], np.linalg.det(M - np.eye(4)), rtol=1e-12)
    assert_allclose(v["flip"], np.linalg.det(M + np.eye(4)), rtol=1e-12)
    pairs = [mu[i] * mu[j] - 1 for i in range(4) for j in range(i + 1, 4)]
    assert_allclose(v["neimark_sacker"], np.prod(pairs).real, rtol=1e-12)


def test_bifurcation_test_function_ns_vanishes_on_the_unit_circle():
    v = bifurcation_test_functions([np.exp(0.7j), np.exp(-0.7j)])
    assert_allclose(v["neimark_sacker"], 0.0, atol=1e-15)


# --- bad input ----------------------------------------------------------------


def test_continue_orbit_rejects_unknown_parameter():
    with pytest.raises(InvalidParameter, match="has no parameter 'q'"):
        continue_orbit(Logistic(2.5), "q", [0.6], 2.5, 3.0)


def test_continue_orbit_rejects_equal_endpoints():
    with pytest.raises(InvalidParameter, match="p_end must differ from p0"):
        continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 2.5)


def test_continue_orbit_rejects_end_value_breaking_the_map_rules():
    m = MRSIPO(rps(0.2), alpha=0.5, beta=1.0, lam=0.8)
    with pytest.raises(InvalidParameter, match="beta must be > 0"):
        continue_orbit(m, "beta", np.full(3, 1 / 3), 1.0, -1.0)


def test_continue_orbit_rejects_disordered_step_sizes():
    with pytest.raises(InvalidParameter, match="need ds_min <= ds <= ds_max"):
        continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.0, ds=0.1, ds_max=0.01)


def test_continue_orbit_rejects_non_positive_step():
    with pytest.raises(InvalidParameter, match="ds must be > 0"):
        continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.0, ds=0.0)


def test_continue_orbit_rejects_unknown_special_point_kind():
    with pytest.raises(InvalidParameter, match="detect entries must be among"):
        continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.0, detect=("hopf",))


def test_continue_orbit_raises_when_no_orbit_exists_at_the_start():
    # a < -(1 - b)^2 / 4: the Henon map has no fixed point
    with pytest.raises(ConvergenceError, match="no period-1 orbit found near x0"):
        continue_orbit(Henon(-1.0, 0.3), "a", [1.0, 0.3], -1.0, 0.0)


def test_continue_doubled_orbit_rejects_a_special_point_that_is_no_flip():
    br = continue_orbit(quadratic(0.0), "r", [0.0], 0.0, 1.0)
    with pytest.raises(InvalidParameter, match="flip must be a SpecialPoint of kind"):
        continue_doubled_orbit(quadratic(0.0), "r", br.special_points[0], 1.0)


def test_cascade_rejects_zero_doublings():
    with pytest.raises(InvalidParameter, match="n_doublings must be >= 1"):
        period_doubling_cascade(Logistic(2.8), "r", [0.6], 2.8, 3.57, 0)


def test_cascade_rejects_non_positive_amplitude():
    with pytest.raises(InvalidParameter, match="amplitude must be > 0"):
        period_doubling_cascade(Logistic(2.8), "r", [0.6], 2.8, 3.57, amplitude=0.0)


def test_continue_orbit_rejects_non_positive_escape_radius():
    with pytest.raises(InvalidParameter, match="escape_radius must be > 0"):
        continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.0, escape_radius=-1.0)
