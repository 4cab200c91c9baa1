"""Lyapunov exponents against closed forms, theorems and published values."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align.analysis.lyapunov import (
    STATUS_COLLAPSE,
    STATUS_DIVERGENT,
    STATUS_OK,
    lyapunov_spectrum,
    max_lyapunov,
    max_lyapunov_kernel,
)
from dynsys_align.exceptions import InvalidParameter, InvalidPolicy
from dynsys_align.maps import MRSIPO, UpdateMap, compiled_step
from dynsys_align.maps.classic import Henon, Logistic, Replicator
from tests import reference_problems as ref

# --- maps defined here through the public extension API, without a Jacobian ---


@compiled_step
def linear3_step(x, p, out):
    # x -> M x with M = S diag(p[0], p[1], p[2]) S^-1 for a fixed shear S
    # (S = [[1, 1, 0], [0, 1, 1], [0, 0, 1]]); eigenvalues p[0], p[1], p[2]
    a, b, c = p[0], p[1], p[2]
    y0 = x[0] - x[1] + x[2]
    y1 = x[1] - x[2]
    y2 = x[2]
    w0 = a * y0
    w1 = b * y1
    w2 = c * y2
    out[0] = w0 + w1
    out[1] = w1 + w2
    out[2] = w2


@compiled_step
def henon_like_step(x, p, out):
    out[0] = 1.0 - p[0] * x[0] * x[0] + x[1]
    out[1] = p[1] * x[0]


def linear_map(eigenvalues):
    return UpdateMap.from_kernels(linear3_step, dim=3, params=eigenvalues,
                                  param_names=["a", "b", "c"], name="Linear3")


def henon_without_jacobian():
    return UpdateMap.from_kernels(henon_like_step, dim=2, params=[1.4, 0.3],
                                  param_names=["a", "b"], name="HenonFD")


# --- the compiled kernel --------------------------------------------------------


def test_max_lyapunov_kernel_logistic_r4_is_log2():
    # log|f'| is log 2 plus a coboundary along the conjugacy to the tent map, so
    # the time average converges like 1/n; x0 = 0.3 is not a preimage of 1/2.
    m = Logistic(4.0)
    lam, code, u = max_lyapunov_kernel(*m.kernels, np.array([0.3]), m.params.copy(),
                                       100, 100_000, 1e100)
    assert code == STATUS_OK
    assert_allclose(lam, ref.LOGISTIC_LYAPUNOV_R4, atol=2e-3)


def test_max_lyapunov_kernel_divergent_orbit_has_code_2_and_nan():
    # r = 4.5 maps 1/2 to 1.125 > 1, from where the orbit runs to -infinity
    m = Logistic(4.5)
    lam, code, u = max_lyapunov_kernel(*m.kernels, np.array([0.5]), m.params.copy(),
                                       0, 1000, 1e100)
    assert code == STATUS_DIVERGENT
    assert math.isnan(lam)
    assert abs(u[0]) <= 1e100


def test_max_lyapunov_kernel_collapse_has_code_1_and_nan():
    P = ref.strictly_transitive_preferences(3, gap=0.2)
    m = MRSIPO(P, alpha=1.0, beta=5.0, lam=1.0)
    u0 = m.to_chart(np.full(3, 1.0 / 3.0))
    lam, code, u = max_lyapunov_kernel(*m.kernels, u0, m.params.copy(), 0, 10_000,
                                       50.0)
    assert code == STATUS_COLLAPSE
    assert math.isnan(lam)


# --- one-dimensional closed forms ----------------------------------------------------


def test_logistic_r4_exponent_is_log2():
    # x0 = 0.3 is generic; the check on the final state rules out a floating-point
    # orbit that fell onto 0 or onto the fixed point 3/4, where the average would
    # be log 4 or log 2 by accident rather than by ergodicity.
    res = max_lyapunov(Logistic(4.0), [0.3], n_steps=200_000, n_transient=100)
    assert res.status == "ok"
    assert 0.0 < res.x[0] < 1.0 and res.x[0] != 0.75
    assert_allclose(res.exponents[0], ref.LOGISTIC_LYAPUNOV_R4, atol=2e-3)


@pytest.mark.parametrize("r", [1.5, 2.5, 2.8])
def test_logistic_stable_branch_exponent_is_log_abs_2_minus_r(r):
    res = max_lyapunov(Logistic(r), [0.3], n_steps=2_000, n_transient=2_000)
    assert_allclose(res.exponents[0], ref.logistic_stable_branch_exponent(r),
                    rtol=1e-9)


def test_superstable_fixed_point_gives_minus_infinity():
    # r = 2 has the fixed point 1/2 with multiplier 0: the tangent vector dies
    res = max_lyapunov(Logistic(2.0), [0.5], n_steps=100, n_transient=0)
    assert res.status == "ok"
    assert res.exponents[0] == -np.inf


# --- linear maps: exponents are log |eigenvalues| ------------------------------------


def test_linear_map_spectrum_is_log_abs_eigenvalues():
    eig = [2.0, -0.5, 0.25]
    res = lyapunov_spectrum(linear_map(eig), np.zeros(3), n_steps=500,
                            n_transient=100)
    assert_allclose(res.exponents, np.log(np.abs(eig)), atol=1e-8)


def test_linear_map_running_estimates_are_constant():
    eig = [2.0, -0.5, 0.25]
    res = lyapunov_spectrum(linear_map(eig), np.zeros(3), n_steps=500,
                            n_transient=100, block=50)
    assert res.running.shape == (10, 3)
    assert_allclose(res.steps, np.arange(50, 501, 50))
    assert_allclose(res.running, np.tile(np.log(np.abs(eig)), (10, 1)), atol=1e-8)


def test_linear_map_batch_standard_error_vanishes():
    res = lyapunov_spectrum(linear_map([3.0, 1.0, 0.1]), np.zeros(3), n_steps=400,
                            n_transient=100, block=40)
    assert_allclose(res.stderr, 0.0, atol=1e-8)


def test_partial_spectrum_returns_largest_exponents():
    eig = [0.1, 3.0, -0.7]
    res = lyapunov_spectrum(linear_map(eig), np.zeros(3), n_steps=300,
                            n_transient=100, k=2)
    assert_allclose(res.exponents, [math.log(3.0), math.log(0.7)], atol=1e-8)


def test_max_lyapunov_finds_expanding_direction_off_the_axes():
    # the first coordinate axis is the contracting eigendirection here; a start
    # frame along it would report log 0.1 instead of log 3
    res = max_lyapunov(linear_map([0.1, 3.0, -0.7]), np.zeros(3), n_steps=300,
                       n_transient=100)
    assert_allclose(res.exponents[0], math.log(3.0), atol=1e-8)


# --- Henon ---------------------------------------------------------------------------


def test_henon_spectrum_matches_published_values():
    res = lyapunov_spectrum(Henon(), [0.0, 0.0], n_steps=1_000_000, n_transient=1000)
    assert res.status == "ok"
    assert_allclose(res.exponents, ref.HENON_EXPONENTS, atol=3e-3)


def test_henon_standard_error_is_consistent_with_published_value():
    res = lyapunov_spectrum(Henon(), [0.0, 0.0], n_steps=1_000_000, block=10_000)
    assert np.all(res.stderr < 1e-3)
    assert np.all(np.abs(res.exponents - ref.HENON_EXPONENTS)
                  <= 5.0 * res.stderr + ref.HENON_EXPONENTS_ATOL)


def test_henon_exponent_sum_is_log_b():
    # log|det J| = log b at every step, so the QR log-diagonal sums to it exactly
    res = lyapunov_spectrum(Henon(1.4, 0.3), [0.0, 0.0], n_steps=20_000)
    assert_allclose(res.exponents.sum(), math.log(0.3), atol=1e-9)


def test_henon_max_lyapunov_matches_published_value():
    res = max_lyapunov(Henon(), [0.0, 0.0], n_steps=400_000)
    assert_allclose(res.exponents[0], ref.HENON_EXPONENTS[0], atol=3e-3)


def test_user_map_without_jacobian_gets_henon_spectrum():
    res = lyapunov_spectrum(henon_without_jacobian(), [0.0, 0.0],
                            n_steps=400_000)
    assert res.status == "ok"
    assert_allclose(res.exponents, ref.HENON_EXPONENTS, atol=3e-3)
    assert_allclose(res.exponents.sum(), math.log(0.3), atol=1e-7)


# --- simplex maps --------------------------------------------------------------------


def test_mrsipo_stable_rps_exponents_are_log_modulus_of_multipliers():
    # attracted to the uniform point with multipliers alpha +- i a beta lam / sqrt 3
    a, alpha, beta, lam = 0.2, 0.5, 3.0, 0.9
    m = MRSIPO(ref.rock_paper_scissors_preferences(a), alpha, beta, lam)
    res = lyapunov_spectrum(m, [0.5, 0.3, 0.2], n_steps=20_000, n_transient=500)
    expected = np.log(np.abs(ref.mrsipo_rps_multipliers(a, alpha, beta, lam)))
    assert_allclose(res.exponents, expected, atol=2e-4)
    assert_allclose(res.x, np.full(3, 1.0 / 3.0), atol=1e-12)


def test_hedge_on_rps_at_equilibrium_has_exponent_log_modulus():
    eta = 0.5
    res = lyapunov_spectrum(Replicator(ref.RPS_PAYOFF, eta), np.full(3, 1 / 3),
                            n_steps=20_000)
    expected = np.log(np.abs(ref.hedge_rps_multipliers(eta)))
    assert_allclose(res.exponents, expected, atol=2e-4)


def test_mrsipo_alpha1_transitive_reports_collapse_not_a_number():
    P = ref.strictly_transitive_preferences(4, gap=0.1)
    m = MRSIPO(P, alpha=1.0, beta=5.0, lam=1.0)
    res = lyapunov_spectrum(m, [0.1, 0.2, 0.3, 0.4])
    assert res.status == "collapse"
    assert not res.success
    assert np.all(np.isnan(res.exponents))
    assert np.all(np.isnan(res.stderr))
    assert "collapse" in res.message
    # the collapse is onto the top response, response 0
    assert res.x[0] > 1.0 - 1e-12


def test_divergent_euclidean_orbit_reports_divergent():
    res = lyapunov_spectrum(Logistic(4.5), [0.5], n_steps=1000)
    assert res.status == "divergent"
    assert np.all(np.isnan(res.exponents))
    assert "diverged" in res.message


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    ({"n_steps": 0}, r"n_steps must be >= 1, got n_steps = 0"),
    ({"n_steps": 10.5}, r"n_steps must be an integer"),
    ({"n_transient": -1}, r"n_transient must be >= 0"),
    ({"k": 0}, r"k must be >= 1"),
    ({"k": 3}, r"k must be at most the chart dimension 2, got k = 3"),
    ({"block": 0}, r"block must be >= 1"),
    ({"escape_radius": -1.0}, r"escape_radius must be > 0"),
    ({"escape_radius": float("nan")}, r"escape_radius must be finite"),
])
def test_bad_arguments_raise_invalid_parameter(kwargs, match):
    with pytest.raises(InvalidParameter, match=match):
        lyapunov_spectrum(Henon(), [0.0, 0.0], **kwargs)


def test_wrong_length_state_raises():
    with pytest.raises(InvalidParameter, match="state must have length 2, got 3"):
        lyapunov_spectrum(Henon(), [0.0, 0.0, 0.0])


def test_non_policy_start_on_simplex_raises():
    m = Replicator(ref.RPS_PAYOFF, 0.1)
    with pytest.raises(InvalidPolicy, match="must sum to 1"):
        lyapunov_spectrum(m, [0.5, 0.5, 0.5])
