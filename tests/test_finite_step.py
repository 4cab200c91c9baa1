"""IPO with a finite learning rate (FiniteStepIPO).

The population IPO loss is written out here from its definition (pairs drawn
from mu, the winner drawn from P, squared distance of the log-ratio margin to
beta / 2) and the map is checked against gradient steps on it, against the
closed-form solution of the linear inner iteration, and against MRS-IPO.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align.exceptions import InvalidParameter, InvalidPreferenceMatrix
from dynsys_align.maps import MRSIPO
from dynsys_align.maps.finite_step import FiniteStepIPO

P4 = np.array([[0.5, 0.7, 0.6, 0.3],
               [0.3, 0.5, 0.8, 0.6],
               [0.4, 0.2, 0.5, 0.9],
               [0.7, 0.4, 0.1, 0.5]])
REF = np.array([0.1, 0.2, 0.3, 0.4])
PI0 = np.array([0.4, 0.3, 0.2, 0.1])


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def round_data(z, alpha, lam, ref=REF, pi0=PI0):
    """The round's reference logits and sampler at logits z."""
    return alpha * z + (1 - alpha) * np.log(ref), lam * softmax(z) + (1 - lam) * pi0


def population_ipo_loss(theta, ref_logits, mu, P, beta):
    """E over y, y' ~ mu and the winner ~ P of (h(winner, loser) - beta / 2)^2."""
    g = theta - ref_logits
    h = g[:, None] - g[None, :]  # h[i, j] = margin of i over j
    c = beta / 2
    terms = P * (h - c) ** 2 + P.T * (-h - c) ** 2
    return float(np.sum(np.outer(mu, mu) * terms))


def kernel_step(m, z):
    out = np.empty(z.size)
    type(m).step_kernel(np.ascontiguousarray(z, dtype=float), m.params.copy(), out)
    return out


def centred(v):
    return v - v.mean()


def test_one_inner_step_is_a_gradient_step_on_the_population_ipo_loss():
    alpha, beta, lam, eta = 0.6, 3.0, 0.7, 0.05
    m = FiniteStepIPO(P4, alpha, beta, lam, eta, 1, ref=REF, pi0=PI0)
    z = np.array([0.3, -0.2, 0.5, 0.0])
    ref_logits, mu = round_data(z, alpha, lam)
    grad = np.empty(4)
    h = 1e-6
    for k in range(4):
        e = np.zeros(4)
        e[k] = h
        grad[k] = (population_ipo_loss(z + e, ref_logits, mu, P4, beta)
                   - population_ipo_loss(z - e, ref_logits, mu, P4, beta)) / (2 * h)
    assert_allclose(kernel_step(m, z), z - eta * grad, atol=1e-9)


def test_minimiser_of_the_population_loss_is_the_ipo_optimum():
    # The loss is minimised where log(pi / ref_t) = beta P mu + const.
    alpha, beta, lam = 0.6, 3.0, 0.7
    z = np.array([0.3, -0.2, 0.5, 0.0])
    ref_logits, mu = round_data(z, alpha, lam)
    best = ref_logits + beta * P4 @ mu
    rng = np.random.default_rng(0)
    value = population_ipo_loss(best, ref_logits, mu, P4, beta)
    for _ in range(100):
        other = best + 0.1 * rng.normal(size=4)
        assert population_ipo_loss(other, ref_logits, mu, P4, beta) > value


@pytest.mark.parametrize("eta, n_inner", [(0.3, 1), (0.3, 5), (0.9, 12), (1.7, 3)])
def test_inner_loop_follows_the_closed_form_of_the_linear_iteration(eta, n_inner):
    # theta_n - T = (I - 4 eta D_mu)^n (z - T), D_mu = diag(mu) - mu mu^T, with T
    # the MRS-IPO image (logits modulo a constant).
    alpha, beta, lam = 0.5, 2.0, 0.6
    m = FiniteStepIPO(P4, alpha, beta, lam, eta, n_inner, ref=REF, pi0=PI0)
    z = np.array([1.0, -0.5, 0.2, 0.0])
    ref_logits, mu = round_data(z, alpha, lam)
    T = ref_logits + beta * P4 @ mu
    M = np.eye(4) - 4 * eta * (np.diag(mu) - np.outer(mu, mu))
    expected = T + np.linalg.matrix_power(M, n_inner) @ (z - T)
    assert_allclose(centred(kernel_step(m, z)), centred(expected), atol=1e-12)


def test_map_converges_to_the_mrs_ipo_step_at_the_predicted_rate():
    alpha, beta, lam, eta = 0.5, 2.0, 0.6, 0.4
    z = np.array([1.0, -0.5, 0.2, 0.0])
    ref_logits, mu = round_data(z, alpha, lam)
    T = ref_logits + beta * P4 @ mu
    D = np.diag(mu) - np.outer(mu, mu)
    d = np.linalg.eigvalsh(D)[1:]  # drop the eigenvalue 0 of the constant vector
    rho = np.max(np.abs(1 - 4 * eta * d))
    exact = MRSIPO(P4, alpha, beta, lam, ref=REF, pi0=PI0)
    pi = softmax(z)
    for n in (5, 50, 500):
        m = FiniteStepIPO(P4, alpha, beta, lam, eta, n, ref=REF, pi0=PI0)
        err = np.linalg.norm(centred(kernel_step(m, z)) - centred(T))
        assert err <= rho**n * np.linalg.norm(centred(z - T)) + 1e-13
    m = FiniteStepIPO(P4, alpha, beta, lam, eta, 2000, ref=REF, pi0=PI0)
    assert_allclose(m.step(pi), exact.step(pi), atol=1e-12)


def test_contraction_case_converges_to_the_mrs_ipo_fixed_point():
    # alpha + beta lam ||S||_2 / 2 < 1: MRS-IPO has a unique, globally attracting
    # fixed point solving pi = softmax(log ref + beta / (1 - alpha) P mu). The
    # finite-step map has the same fixed points.
    alpha, beta, lam = 0.4, 1.5, 0.8
    assert alpha + beta * lam * np.linalg.norm(P4 - 0.5, 2) / 2 < 1
    m = FiniteStepIPO(P4, alpha, beta, lam, eta=0.3, n_inner=3, ref=REF, pi0=PI0)
    orbit = m.orbit([0.7, 0.1, 0.1, 0.1], n=4000)
    pi = orbit[-1]
    assert_allclose(orbit[-1], orbit[-2], atol=1e-14)
    mu = lam * pi + (1 - lam) * PI0
    gap = np.log(pi / REF) - beta / (1 - alpha) * P4 @ mu
    assert_allclose(centred(gap), 0.0, atol=1e-12)


@pytest.mark.parametrize("eta, n_inner", [(0.4, 1), (0.4, 6), (1.2, 4)])
def test_analytic_jacobian_matches_finite_differences_of_the_step(eta, n_inner):
    m = FiniteStepIPO(P4, 0.6, 3.0, 0.7, eta, n_inner, ref=REF, pi0=PI0)
    u = np.array([0.4, -0.3, 0.8])
    J = np.empty((3, 3))
    h = 1e-6
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        J[:, k] = (m.step_chart(u + e) - m.step_chart(u - e)) / (2 * h)
    assert_allclose(m.jacobian_chart(u), J, atol=1e-8)


def test_n_inner_can_be_varied_as_a_parameter():
    m = FiniteStepIPO(P4, 0.5, 2.0, 0.6, 0.4, 1, ref=REF, pi0=PI0)
    assert m.with_params(n_inner=7)["n_inner"] == 7.0
    assert m.vary(n_inner=[1, 2, 3])[:, m.param_index("n_inner")].tolist() == [1, 2, 3]


# --- bad inputs -------------------------------------------------------------------


@pytest.mark.parametrize("eta", [0.0, -0.1])
def test_non_positive_learning_rate_is_rejected(eta):
    with pytest.raises(InvalidParameter, match="eta must be > 0"):
        FiniteStepIPO(P4, 0.5, 2.0, 0.6, eta, 3)


@pytest.mark.parametrize("n_inner", [0, 2.5, -1])
def test_n_inner_must_be_a_positive_whole_number(n_inner):
    with pytest.raises(InvalidParameter, match="n_inner must be a whole number >= 1"):
        FiniteStepIPO(P4, 0.5, 2.0, 0.6, 0.3, n_inner)


def test_nan_learning_rate_is_rejected():
    with pytest.raises(InvalidParameter, match="eta must be finite"):
        FiniteStepIPO(P4, 0.5, 2.0, 0.6, np.nan, 3)


@pytest.mark.parametrize("alpha", [1.01, -0.5])
def test_alpha_outside_the_unit_interval_is_rejected(alpha):
    with pytest.raises(InvalidParameter, match=r"alpha must lie in \[0, 1\]"):
        FiniteStepIPO(P4, alpha, 2.0, 0.6, 0.3, 3)


def test_with_params_rejects_a_zero_beta():
    m = FiniteStepIPO(P4, 0.5, 2.0, 0.6, 0.3, 3)
    with pytest.raises(InvalidParameter, match="beta must be > 0"):
        m.with_params(beta=0.0)


def test_malformed_preference_matrix_is_rejected():
    P = P4.copy()
    P[0, 1] = 0.9  # P_01 + P_10 = 1.2
    with pytest.raises(InvalidPreferenceMatrix, match="P_ij \\+ P_ji = 1"):
        FiniteStepIPO(P, 0.5, 2.0, 0.6, 0.3, 3)
