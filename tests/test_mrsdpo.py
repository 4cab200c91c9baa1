"""MRS-DPO: self-consistency of fixed points, derivatives, multipliers, bad inputs.

The Bradley-Terry fits used as references are solved here with scipy's root
finder on the stationarity equations, independently of the package's solver.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import root
from scipy.special import expit, logit

from dynsys_align.exceptions import (
    InvalidParameter,
    InvalidPolicy,
    InvalidPreferenceMatrix,
    NoFiniteOptimum,
)
from dynsys_align.maps.dpo import MRSDPO


def tournament(K, wins, p):
    """P with P_ij = p for every (i, j) in wins, 1 - p the other way, 1/2 elsewhere."""
    P = np.full((K, K), 0.5)
    for i, j in wins:
        P[i, j], P[j, i] = p, 1.0 - p
    return P


# The paper's cyclic 4-response tournament: 0>1>2>3>0 plus 0>2 and 1>3.
CYCLIC4 = tournament(4, [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3)], 0.8)
REF = np.array([0.4, 0.3, 0.2, 0.1])
PI0 = np.array([0.1, 0.2, 0.3, 0.4])


def independent_bt_scores(P, mu):
    """Solve sum_j mu_j (P_ij - sigmoid(s_i - s_j)) = 0 with s_{K-1} = 0 by scipy."""
    K = P.shape[0]

    def residual(x):
        s = np.r_[x, 0.0]
        return (mu[None, :] * (P - expit(s[:, None] - s[None, :]))).sum(axis=1)[:-1]

    sol = root(residual, np.zeros(K - 1), method="hybr", tol=1e-14)
    assert np.max(np.abs(residual(sol.x))) < 1e-14
    return np.r_[sol.x, 0.0]


def fixed_point(m, n=3000):
    orbit = m.orbit(n=n)
    assert_allclose(orbit[-1], orbit[-2], atol=1e-13)
    return orbit[-1]


def fd_chart_jacobian(m, u, h=1e-6):
    n = u.size
    J = np.empty((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        J[:, k] = (m.step_chart(u + e) - m.step_chart(u - e)) / (2 * h)
    return J


def test_one_step_from_any_policy_with_alpha_zero_is_the_dpo_optimum_of_bt_scores():
    # For a Bradley-Terry P the fit returns the generating scores for any mu.
    s = np.array([0.9, 0.2, -0.3, -0.8])
    P = expit(s[:, None] - s[None, :])
    beta = 0.5
    m = MRSDPO(P, alpha=0.0, beta=beta, lam=0.6, ref=REF, pi0=PI0)
    expected = REF * np.exp(s / beta)
    assert_allclose(m.step([0.1, 0.6, 0.2, 0.1]), expected / expected.sum(),
                    rtol=1e-11)


def test_fixed_point_of_a_bradley_terry_matrix_has_the_closed_form():
    # s(mu) is constant, so the fixed point solves
    # (1 - alpha) log(pi / ref) = s / beta + const.
    s = np.array([0.9, 0.2, -0.3, -0.8])
    P = expit(s[:, None] - s[None, :])
    alpha, beta = 0.6, 2.0
    m = MRSDPO(P, alpha=alpha, beta=beta, lam=0.8, ref=REF, pi0=PI0)
    expected = REF * np.exp(s / (beta * (1 - alpha)))
    assert_allclose(fixed_point(m), expected / expected.sum(), rtol=1e-11)


@pytest.mark.parametrize("lam", [0.5, 1.0])
def test_fixed_point_satisfies_its_self_consistency_equation(lam):
    # pi* proportional to ref * exp(s(mu*) / (beta (1 - alpha))),
    # mu* = lam pi* + (1 - lam) pi0.
    alpha, beta = 0.5, 2.0
    m = MRSDPO(CYCLIC4, alpha=alpha, beta=beta, lam=lam, ref=REF, pi0=PI0)
    pi = fixed_point(m)
    s = independent_bt_scores(CYCLIC4, lam * pi + (1 - lam) * PI0)
    gap = np.log(pi / REF) - s / (beta * (1 - alpha))
    assert_allclose(gap - gap.mean(), 0.0, atol=1e-11)


def test_scores_match_an_independent_bradley_terry_fit():
    m = MRSDPO(CYCLIC4, alpha=0.5, beta=1.0, lam=0.3, ref=REF, pi0=PI0)
    pi = np.array([0.1, 0.5, 0.3, 0.1])
    expected = independent_bt_scores(CYCLIC4, 0.3 * pi + 0.7 * PI0)
    assert_allclose(m.scores(pi), expected, atol=1e-11)


@pytest.mark.parametrize("lam", [0.4, 1.0])
def test_analytic_chart_jacobian_matches_finite_differences_of_the_step(lam):
    m = MRSDPO(CYCLIC4, alpha=0.3, beta=1.5, lam=lam, ref=REF, pi0=PI0)
    u = np.array([0.7, -0.4, 1.1])
    assert_allclose(m.jacobian_chart(u), fd_chart_jacobian(m, u), atol=1e-8)


def test_analytic_logit_jacobian_matches_finite_differences_of_the_kernel():
    # In native logits the gauge of the scores matters; the kernel and its
    # Jacobian must use the same one.
    m = MRSDPO(CYCLIC4, alpha=0.3, beta=1.5, lam=0.6, ref=REF, pi0=PI0)
    z = np.array([0.2, -0.5, 0.9, 0.1])
    step = type(m).step_kernel
    J = np.empty((4, 4))
    h = 1e-6
    for k in range(4):
        zp, zm, fp, fm = z.copy(), z.copy(), np.empty(4), np.empty(4)
        zp[k] += h
        zm[k] -= h
        step(zp, m.params.copy(), fp)
        step(zm, m.params.copy(), fm)
        J[:, k] = (fp - fm) / (2 * h)
    pi = np.exp(z) / np.exp(z).sum()
    assert_allclose(m.jacobian(pi), J, atol=1e-8)


def test_multipliers_of_an_on_policy_interior_fixed_point_have_real_part_alpha():
    # lam = 1: (ds/dmu) D = H^+ diag(mu) B diag(mu) (H the PSD Hessian of the fit,
    # B skew), a PSD matrix times a skew one, so its eigenvalues are imaginary.
    alpha = 0.5
    m = MRSDPO(CYCLIC4, alpha=alpha, beta=2.0, lam=1.0, ref=REF)
    pi = fixed_point(m)
    mult = np.linalg.eigvals(m.jacobian_chart(m.to_chart(pi)))
    assert_allclose(mult.real, alpha, atol=1e-10)
    assert np.max(np.abs(mult.imag)) > 0.05  # a genuine rotation, not a BT case


def test_multipliers_of_a_three_cycle_fixed_point_form_a_complex_pair():
    # Rock-paper-scissors with uniform ref and pi0: the uniform policy is fixed by
    # symmetry; its two chart multipliers are alpha +- i omega.
    a = 0.3
    P = tournament(3, [(0, 1), (1, 2), (2, 0)], 0.5 + a)
    alpha = 0.7
    m = MRSDPO(P, alpha=alpha, beta=1.0, lam=1.0)
    assert_allclose(m.step(np.ones(3) / 3), np.ones(3) / 3, atol=1e-14)
    mult = np.linalg.eigvals(m.jacobian_chart(np.zeros(2)))
    assert_allclose(mult.real, alpha, atol=1e-12)
    assert_allclose(mult[0].imag, -mult[1].imag, atol=1e-12)


def test_step_stays_finite_and_exact_at_a_collapsed_policy():
    # With lam = 1 and pi = e_0 (the other entries underflow), each response's
    # own equation gives s_i - s_0 = logit(P_i0).
    alpha, beta = 0.4, 1.5
    P = tournament(3, [(0, 1), (1, 2), (2, 0)], 0.7)
    ref = np.array([0.5, 0.3, 0.2])
    m = MRSDPO(P, alpha=alpha, beta=beta, lam=1.0, ref=ref)
    u = np.array([800.0, -800.0])
    s = np.array([0.0, logit(P[1, 0]), logit(P[2, 0])])
    expected = (alpha * u + (1 - alpha) * (np.log(ref[:2]) - np.log(ref[2]))
                + (s[:2] - s[2]) / beta)
    assert_allclose(m.step_chart(u), expected, rtol=1e-12)


def test_bradley_terry_orbit_with_alpha_one_is_exact_while_collapsing():
    # alpha = 1 and a BT P: z_{t+1} = z_t + s / beta exactly, whatever mu is, so
    # u_t = t (s_i - s_{K-1}) / beta even after the policy has underflowed to a
    # vertex (spread of 3000 logits at the end).
    s = np.array([1.0, 0.4, -0.2, -1.0])
    P = expit(s[:, None] - s[None, :])
    beta = 2.0 / 3.0
    m = MRSDPO(P, alpha=1.0, beta=beta, lam=1.0)
    U, done = m.orbit_chart(np.zeros(3), 1000)
    t = np.arange(1001)[:, None]
    assert done == 1000
    assert_allclose(U, t * (s[:3] - s[3]) / beta, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("lam", [1.0, 0.5])
def test_cyclic_orbit_with_alpha_one_stays_finite_at_the_boundary(lam):
    m = MRSDPO(CYCLIC4, alpha=1.0, beta=0.5, lam=lam)
    U, done = m.orbit_chart(np.zeros(3), 3000)
    assert done == 3000
    assert np.all(np.isfinite(U))
    assert np.max(np.abs(U[-1])) > 700  # far beyond the underflow of exp


def test_with_params_changes_beta_in_the_dpo_convention():
    # Larger KL weight keeps the image closer to the reference (alpha = 0).
    s = np.array([1.0, 0.0, -1.0])
    P = expit(s[:, None] - s[None, :])
    m = MRSDPO(P, alpha=0.0, beta=1.0, lam=1.0)
    pi = m.with_params(beta=4.0).step(np.ones(3) / 3)
    assert_allclose(np.log(pi[0] / pi[2]), (s[0] - s[2]) / 4.0, rtol=1e-12)


# --- bad inputs -------------------------------------------------------------------


def test_construction_refuses_a_matrix_with_a_deterministic_cut():
    P = tournament(4, [(0, 1)], 0.7)
    for i in (0, 1):
        for j in (2, 3):
            P[i, j], P[j, i] = 1.0, 0.0
    with pytest.raises(NoFiniteOptimum, match=r"responses \[0, 1\] beat responses "
                                              r"\[2, 3\]"):
        MRSDPO(P, alpha=0.5, beta=1.0, lam=0.5)


def test_construction_accepts_a_deterministic_cycle():
    P = tournament(3, [(0, 1), (1, 2), (2, 0)], 1.0)
    m = MRSDPO(P, alpha=0.5, beta=1.0, lam=1.0)
    assert_allclose(m.step(np.ones(3) / 3), np.ones(3) / 3, atol=1e-14)


@pytest.mark.parametrize("alpha", [1.5, -0.1])
def test_alpha_outside_the_unit_interval_is_rejected(alpha):
    with pytest.raises(InvalidParameter, match=r"alpha must lie in \[0, 1\]"):
        MRSDPO(CYCLIC4, alpha=alpha, beta=1.0, lam=0.5)


@pytest.mark.parametrize("beta", [0.0, -2.0])
def test_non_positive_beta_is_rejected(beta):
    with pytest.raises(InvalidParameter, match="beta must be > 0"):
        MRSDPO(CYCLIC4, alpha=0.5, beta=beta, lam=0.5)


def test_nan_beta_is_rejected():
    with pytest.raises(InvalidParameter, match="beta must be finite"):
        MRSDPO(CYCLIC4, alpha=0.5, beta=np.nan, lam=0.5)


def test_with_params_rejects_lam_above_one():
    m = MRSDPO(CYCLIC4, alpha=0.5, beta=1.0, lam=0.5)
    with pytest.raises(InvalidParameter, match=r"lam must lie in \[0, 1\]"):
        m.with_params(lam=1.2)


def test_nan_in_preferences_is_rejected():
    P = CYCLIC4.copy()
    P[1, 2] = np.nan
    with pytest.raises(InvalidPreferenceMatrix, match="must be finite"):
        MRSDPO(P, alpha=0.5, beta=1.0, lam=0.5)


def test_offline_sampler_off_the_simplex_is_rejected():
    with pytest.raises(InvalidPolicy, match="pi0 must sum to 1"):
        MRSDPO(CYCLIC4, alpha=0.5, beta=1.0, lam=0.5, pi0=[0.3, 0.3, 0.3, 0.3])
