"""Closed-form thresholds of dynsys_align.theory against the maps' own numerics."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align.exceptions import InvalidParameter, InvalidPreferenceMatrix
from dynsys_align.maps import MRSIPO
from dynsys_align.theory import (
    collapse_ratio,
    contraction_boundary,
    contraction_modulus,
    rps_matrix,
    rps_multipliers,
    rps_neimark_sacker,
)


def _sorted_by_imag(z):
    z = np.asarray(z)
    return z[np.argsort(z.imag)]


def _transitive_matrix(scores):
    s = np.asarray(scores, dtype=float)
    return 1.0 / (1.0 + np.exp(-(s[:, None] - s[None, :])))


@pytest.mark.parametrize(
    "a, alpha, beta, lam",
    [(0.25, 0.5, 4.0, 1.0), (0.1, 0.0, 10.0, 0.5), (0.4, 0.9, 2.0, 0.8)],
)
def test_rps_multipliers_are_eigenvalues_of_chart_jacobian_at_uniform_point(
    a, alpha, beta, lam
):
    m = MRSIPO(rps_matrix(a), alpha=alpha, beta=beta, lam=lam)
    numeric = np.linalg.eigvals(m.jacobian_chart(np.zeros(2)))
    expected = rps_multipliers(a, alpha, beta, lam)
    assert_allclose(_sorted_by_imag(numeric), _sorted_by_imag(expected), atol=1e-12)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.8])
def test_spectral_radius_is_one_at_neimark_sacker_threshold(alpha):
    a = 0.2
    critical = rps_neimark_sacker(a, alpha)
    m = MRSIPO(rps_matrix(a), alpha=alpha, beta=critical, lam=1.0)
    radius = np.abs(np.linalg.eigvals(m.jacobian_chart(np.zeros(2)))).max()
    assert_allclose(radius, 1.0, atol=1e-12)


def test_neimark_sacker_threshold_is_zero_for_hedge():
    assert rps_neimark_sacker(0.3, 1.0) == 0.0


def test_orbit_near_uniform_point_converges_below_and_leaves_above_threshold():
    a, alpha = 0.25, 0.5
    critical = rps_neimark_sacker(a, alpha)
    start = np.array([0.34, 0.33, 0.33])
    uniform = np.full(3, 1.0 / 3.0)
    below = MRSIPO(rps_matrix(a), alpha=alpha, beta=0.9 * critical, lam=1.0)
    above = MRSIPO(rps_matrix(a), alpha=alpha, beta=1.1 * critical, lam=1.0)
    d0 = np.abs(start - uniform).max()
    d_below = np.abs(below.orbit(start, 3000)[-1] - uniform).max()
    d_above = np.abs(above.orbit(start, 3000)[-1] - uniform).max()
    assert d_below < 1e-10
    assert d_above > 10 * d0


def test_neimark_sacker_threshold_vectorises_over_alpha():
    alphas = np.array([0.0, 0.6, 1.0])
    assert_allclose(
        rps_neimark_sacker(0.5, alphas), np.array([2.0, 1.6, 0.0]) * np.sqrt(3.0),
        rtol=1e-14, atol=1e-14,
    )


def test_contraction_modulus_of_cycle_matches_closed_skew_norm():
    # S of the cycle has eigenvalues 0 and +-i a sqrt(3), so ||S||_2 = a sqrt(3).
    a, alpha, beta, lam = 0.3, 0.2, 1.5, 0.7
    q = contraction_modulus(rps_matrix(a), alpha, beta, lam)
    assert_allclose(q, alpha + beta * lam * a * np.sqrt(3.0) / 2.0, rtol=1e-14)


def test_contraction_boundary_of_cycle_matches_closed_form():
    a, alpha = 0.3, 0.2
    expected = 2.0 * (1.0 - alpha) / (a * np.sqrt(3.0))
    assert_allclose(contraction_boundary(rps_matrix(a), alpha), expected, rtol=1e-14)


def test_contraction_boundary_is_infinite_for_all_ties():
    assert contraction_boundary(np.full((3, 3), 0.5), 0.5) == np.inf


def test_contraction_modulus_bounds_jacobian_norm_on_centred_logits():
    # Theorem 2's mechanism: on logits modulo constants (centred vectors) the
    # Jacobian alpha I + beta lam S D has norm at most the modulus everywhere.
    rng = np.random.default_rng(7)
    for K in (3, 4, 6):
        scores = rng.normal(size=(K, K))
        P = 1.0 / (1.0 + np.exp(-(scores - scores.T)))
        alpha, beta, lam = rng.uniform(0, 1), rng.uniform(0.5, 8), rng.uniform(0, 1)
        m = MRSIPO(P, alpha=alpha, beta=beta, lam=lam)
        q = contraction_modulus(P, alpha, beta, lam)
        C = np.eye(K) - np.full((K, K), 1.0 / K)
        for pi in rng.dirichlet(np.full(K, 0.7), size=20):
            norm = np.linalg.norm(C @ m.jacobian(pi) @ C, 2)
            assert norm <= q + 1e-12


def test_orbits_contract_below_contraction_boundary():
    rng = np.random.default_rng(11)
    scores = rng.normal(size=(4, 4))
    P = 1.0 / (1.0 + np.exp(-(scores - scores.T)))
    alpha = 0.6
    beta = 0.95 * contraction_boundary(P, alpha)
    m = MRSIPO(P, alpha=alpha, beta=beta, lam=1.0)
    ends = [m.orbit(pi, 400)[-1] for pi in rng.dirichlet(np.ones(4), size=5)]
    assert_allclose(np.array(ends), np.repeat(ends[:1], 5, axis=0), atol=1e-12)


def test_collapse_ratio_is_infinite_at_alpha_one():
    assert collapse_ratio(1.0, 3.0, 0.5) == np.inf


def test_fixed_point_depends_only_on_collapse_ratio_for_on_policy_sampling():
    # With lam = 1 and a uniform reference the fixed point solves
    # pi proportional to exp(ratio * P pi): equal ratios give equal fixed points.
    P = _transitive_matrix([1.0, 0.4, -0.3, -1.2])
    first = MRSIPO(P, alpha=0.5, beta=1.0, lam=1.0)
    second = MRSIPO(P, alpha=0.75, beta=0.5, lam=1.0)
    assert collapse_ratio(0.5, 1.0, 1.0) == collapse_ratio(0.75, 0.5, 1.0)
    start = np.full(4, 0.25)
    pi1 = first.orbit(start, 2000)[-1]
    pi2 = second.orbit(start, 2000)[-1]
    assert_allclose(pi1, pi2, atol=1e-12)
    ratio = collapse_ratio(0.5, 1.0, 1.0)
    w = np.exp(ratio * P @ pi1)
    assert_allclose(pi1, w / w.sum(), atol=1e-12)


def test_fixed_point_entropy_falls_as_collapse_ratio_grows():
    P = _transitive_matrix([1.0, 0.4, -0.3, -1.2])
    start = np.full(4, 0.25)
    entropies = []
    for alpha in (0.0, 0.5, 0.8, 0.9):
        m = MRSIPO(P, alpha=alpha, beta=1.0, lam=1.0)
        pi = m.orbit(start, 3000)[-1]
        entropies.append(-(pi * np.log(pi)).sum())
    assert np.all(np.diff(entropies) < 0)


@pytest.mark.parametrize("a", [0.0, -0.1, 0.6])
def test_cycle_strength_outside_range_is_rejected(a):
    with pytest.raises(InvalidParameter, match=r"a must|a = "):
        rps_neimark_sacker(a, 0.5)


def test_alpha_outside_unit_interval_is_rejected():
    with pytest.raises(InvalidParameter, match=r"alpha must lie in \[0, 1\], got alpha = 1.5"):
        rps_neimark_sacker(0.2, [0.5, 1.5])


def test_nonpositive_beta_is_rejected():
    with pytest.raises(InvalidParameter, match=r"beta must be > 0, got beta = -1.0"):
        collapse_ratio(0.5, -1.0, 0.5)


def test_lam_outside_unit_interval_is_rejected():
    with pytest.raises(InvalidParameter, match=r"lam must lie in \[0, 1\]"):
        rps_multipliers(0.2, 0.5, 1.0, 2.0)


def test_invalid_preference_matrix_is_rejected():
    with pytest.raises(InvalidPreferenceMatrix, match="P_ij \\+ P_ji = 1"):
        contraction_modulus(np.array([[0.5, 0.9], [0.9, 0.5]]), 0.5, 1.0, 1.0)
