"""The reference maps: formulas, Jacobians, invariants and parameter validation."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align.exceptions import InvalidParameter
from dynsys_align.maps import MRSIPO
from dynsys_align.maps.classic import Henon, Logistic, Replicator
from tests import reference_problems as ref


def central_difference(f, x, h=1e-6):
    """Jacobian of ``f`` at ``x`` by central differences, column by column."""
    x = np.asarray(x, dtype=float)
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        cols.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(cols, axis=1)


# --- logistic ------------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, 0.1, 0.37, 0.5, 0.9, 1.0])
def test_logistic_step_is_r_x_one_minus_x(x):
    assert_allclose(Logistic(3.7).step([x]), [3.7 * x * (1 - x)], rtol=1e-15)


def test_logistic_maps_unit_interval_into_itself_for_r_up_to_4():
    xs = np.linspace(0.0, 1.0, 201)
    for r in (0.5, 2.0, 3.5, 4.0):
        m = Logistic(r)
        images = np.array([m.step([x])[0] for x in xs])
        assert np.all((images >= 0.0) & (images <= 1.0))
        assert_allclose(images.max(), r / 4.0, rtol=1e-15)


def test_logistic_jacobian_is_r_times_one_minus_2x():
    m = Logistic(3.2)
    for x in (0.0, 0.25, 0.8):
        assert_allclose(m.jacobian([x]), [[3.2 * (1 - 2 * x)]], rtol=1e-15)


def test_logistic_two_cycle_closed_form():
    # the period-2 points solve r^2 x^2 - r(r + 1) x + (r + 1) = 0
    r = 3.2
    disc = math.sqrt((r + 1) * (r - 3))
    p, q = (r + 1 - disc) / (2 * r), (r + 1 + disc) / (2 * r)
    m = Logistic(r)
    assert_allclose(m.step([p]), [q], rtol=1e-14)
    assert_allclose(m.step([q]), [p], rtol=1e-14)


def test_logistic_orbit_converges_to_one_minus_inverse_r():
    orbit = Logistic(2.8).orbit([0.3], 400)
    assert_allclose(orbit[-1], [ref.logistic_fixed_point(2.8)], atol=1e-14)


# --- Henon ---------------------------------------------------------------------------


def test_henon_defaults_are_the_classical_parameters():
    m = Henon()
    assert (m["a"], m["b"]) == (ref.HENON_CLASSIC["a"], ref.HENON_CLASSIC["b"])


def test_henon_step_formula():
    assert_allclose(Henon(1.4, 0.3).step([0.5, -0.2]),
                    [1 - 1.4 * 0.25 - 0.2, 0.3 * 0.5], rtol=1e-15)


def test_henon_inverse_recovers_the_preimage():
    # (x, y) = (y' / b, x' - 1 + a (y' / b)^2)
    a, b = 1.4, 0.3
    rng = np.random.default_rng(4)
    m = Henon(a, b)
    for x in rng.uniform(-1.0, 1.0, size=(5, 2)):
        xn, yn = m.step(x)
        back = [yn / b, xn - 1 + a * (yn / b) ** 2]
        assert_allclose(back, x, atol=1e-13)


def test_henon_jacobian_determinant_is_minus_b_everywhere():
    m = Henon(1.4, 0.3)
    for x in np.random.default_rng(1).uniform(-2.0, 2.0, size=(10, 2)):
        assert_allclose(np.linalg.det(m.jacobian(x)), -0.3, rtol=1e-14)


def test_henon_jacobian_matches_central_differences():
    m = Henon(1.2, -0.4)
    x = np.array([0.3, -0.7])
    assert_allclose(m.jacobian(x), central_difference(m.step, x), atol=1e-8)


def test_henon_fixed_points_are_fixed_under_step():
    m = Henon(1.4, 0.3)
    for x in ref.henon_fixed_points(1.4, 0.3):
        assert_allclose(m.step(x), x, atol=1e-14)


def test_henon_orbit_from_origin_stays_on_the_bounded_attractor():
    orbit = Henon().orbit([0.0, 0.0], 10_000)
    assert np.all(np.isfinite(orbit))
    # the classical attractor spans about |x| <= 1.28, and y = b x on it
    assert np.abs(orbit[100:, 0]).max() < 1.3
    assert np.abs(orbit[100:, 1]).max() < 0.4


# --- replicator ----------------------------------------------------------------------


def hedge_update(A, eta, pi):
    w = pi * np.exp(eta * A @ pi)
    return w / w.sum()


def test_replicator_step_is_multiplicative_weights():
    A = np.array([[0.0, 2.0, -1.0], [1.0, 0.5, 0.0], [-2.0, 1.0, 3.0]])
    pi = np.array([0.2, 0.5, 0.3])
    assert_allclose(Replicator(A, 0.4).step(pi), hedge_update(A, 0.4, pi), rtol=1e-14)


def test_replicator_rps_uniform_point_is_fixed():
    assert_allclose(Replicator(ref.RPS_PAYOFF, 0.7).step(np.full(3, 1 / 3)),
                    np.full(3, 1 / 3), atol=1e-15)


def test_replicator_logit_jacobian_matches_central_differences():
    A = np.array([[0.0, 2.0, -1.0], [1.0, 0.5, 0.0], [-2.0, 1.0, 3.0]])
    m = Replicator(A, 0.4)
    z = np.array([0.3, -1.2, 0.5])

    def logit_step(z):
        pi = np.exp(z - z.max())
        pi /= pi.sum()
        return z + 0.4 * A @ pi

    assert_allclose(m.jacobian(np.exp(z) / np.exp(z).sum()),
                    central_difference(logit_step, z), atol=1e-8)


def test_hedge_on_rps_moves_away_from_the_equilibrium():
    # for a zero-sum game with an interior equilibrium x*, multiplicative
    # weights strictly increases KL(x* || pi_t) (Bailey and Piliouras 2018)
    m = Replicator(ref.RPS_PAYOFF, 0.2)
    orbit = m.orbit([0.4, 0.35, 0.25], 200)
    u = np.full(3, 1 / 3)
    kl = np.sum(u * np.log(u / orbit), axis=1)
    assert np.all(np.diff(kl) > 0.0)


def test_mrsipo_with_alpha_one_and_lam_one_is_hedge_on_beta_p():
    # the alignment map in the identity case alpha = lam = 1 (THEORY.md)
    P = ref.random_preference_matrix(4, 7)
    pi = np.array([0.1, 0.2, 0.3, 0.4])
    beta = 2.5
    assert_allclose(MRSIPO(P, 1.0, beta, 1.0).step(pi), hedge_update(beta * P, 1.0, pi),
                    rtol=1e-13)


def test_replicator_payoff_round_trips():
    A = np.arange(9.0).reshape(3, 3)
    assert_allclose(Replicator(A, 0.1).payoff, A, rtol=0)


# --- validation ----------------------------------------------------------------------


@pytest.mark.parametrize("r, match", [
    (0.0, r"r must be > 0, got r = 0.0"),
    (-1.0, r"r must be > 0, got r = -1.0"),
    (float("nan"), r"r must be finite"),
    ("four", r"r must be a real number"),
])
def test_logistic_rejects_bad_r(r, match):
    with pytest.raises(InvalidParameter, match=match):
        Logistic(r)


def test_logistic_with_params_validates():
    with pytest.raises(InvalidParameter, match=r"r must be > 0, got r = -2.0"):
        Logistic(3.0).with_params(r=-2.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"b": 0.0}, r"b must be nonzero"),
    ({"a": float("inf")}, r"a must be finite"),
    ({"b": None}, r"b must be a real number"),
])
def test_henon_rejects_bad_parameters(kwargs, match):
    with pytest.raises(InvalidParameter, match=match):
        Henon(**kwargs)


def test_henon_vary_validates():
    with pytest.raises(InvalidParameter, match="b must be nonzero"):
        Henon().vary(b=[0.3, 0.0])


@pytest.mark.parametrize("A, eta, match", [
    (np.eye(3), 0.0, r"eta must be > 0, got eta = 0.0"),
    (np.eye(3), -0.5, r"eta must be > 0"),
    (np.ones((2, 3)), 0.1, r"square K x K with K >= 2, got shape \(2, 3\)"),
    (np.ones((1, 1)), 0.1, r"K >= 2, got shape \(1, 1\)"),
    ([[0.0, np.nan], [1.0, 0.0]], 0.1, r"A must be finite"),
    ([["x", "y"], ["z", "w"]], 0.1, r"A must be numeric"),
])
def test_replicator_rejects_bad_input(A, eta, match):
    with pytest.raises(InvalidParameter, match=match):
        Replicator(A, eta)
