"""One-shot IPO/DPO optima, ranking desiderata and instance-dependent sampling.

Checks use first-order conditions, closed forms (two-point supports, Bradley-Terry
matrices, symmetric cycles), an independent scipy minimisation and brute-force
social-choice notions; none compares the code with its own output.
"""

import itertools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from scipy.special import expit, logit

from dynsys_align.exceptions import (
    ConvergenceError,
    InvalidParameter,
    InvalidPolicy,
    InvalidPreferenceMatrix,
    NoFiniteOptimum,
)
from dynsys_align.optima import (
    condorcet_top,
    dpo_optimum,
    ipo_optimum,
    order_preserving,
    smith_top,
    smith_top_sampling,
)
from dynsys_align.preferences import PreferenceMatrix


def random_preferences(K, rng):
    """A random preference matrix with entries strictly inside (0, 1)."""
    U = rng.uniform(0.05, 0.95, size=(K, K))
    P = np.triu(U, 1)
    P = P + np.tril(1.0 - P.T, -1)
    np.fill_diagonal(P, 0.5)
    return P


def rps(a):
    return np.array([[0.5, 0.5 + a, 0.5 - a],
                     [0.5 - a, 0.5, 0.5 + a],
                     [0.5 + a, 0.5 - a, 0.5]])


# Condorcet winner 0 (P_0j = 0.55) over the cycle 1 > 2 > 3 > 1 in which response
# 1 wins big (P_12 = 0.99) and loses narrowly (P_13 = 0.49). With uniform mu the
# win rates are (P mu)_0 = (0.5 + 3 * 0.55) / 4 = 2.15 / 4 and
# (P mu)_1 = (0.45 + 0.5 + 0.99 + 0.49) / 4 = 2.43 / 4 > (P mu)_0, so with a
# uniform reference the IPO optimum puts response 1 above the Condorcet winner
# for every beta > 0.
CONDORCET_OVER_CYCLE = np.array([
    [0.50, 0.55, 0.55, 0.55],
    [0.45, 0.50, 0.99, 0.49],
    [0.45, 0.01, 0.50, 0.60],
    [0.45, 0.51, 0.40, 0.50],
])


def brute_force_smith_set(P):
    """Smallest non-empty set whose every member beats every non-member strictly."""
    K = P.shape[0]
    for size in range(1, K + 1):
        for S in itertools.combinations(range(K), size):
            rest = [j for j in range(K) if j not in S]
            if all(P[a, b] > 0.5 for a in S for b in rest):
                return set(S)
    raise AssertionError("unreachable: the full set always qualifies")


def bt_loss(s, P, mu):
    d = s[:, None] - s[None, :]
    W = np.outer(mu, mu)
    return -np.sum(W * P * np.log(expit(d)))


# --- IPO ------------------------------------------------------------------------


def test_ipo_optimum_satisfies_first_order_conditions_on_the_simplex():
    # Lagrangian stationarity of E_pi[beta P mu] - KL(pi || ref) on the simplex:
    # beta (P mu)_i - log(pi_i / ref_i) - 1 must be the same for every i.
    rng = np.random.default_rng(3)
    P = random_preferences(5, rng)
    mu, ref = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    beta = 2.7
    pi = ipo_optimum(P, mu, ref, beta)
    grad = beta * P @ mu - np.log(pi / ref) - 1.0
    assert_allclose(grad - grad.mean(), 0.0, atol=1e-13)
    assert_allclose(pi.sum(), 1.0, rtol=1e-15)


def test_ipo_optimum_beats_every_other_policy_on_the_ipo_objective():
    rng = np.random.default_rng(4)
    P = random_preferences(4, rng)
    mu, ref = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))
    beta = 1.5

    def objective(pi):
        return beta * pi @ P @ mu - np.sum(pi * np.log(pi / ref))

    best = objective(ipo_optimum(P, mu, ref, beta))
    others = rng.dirichlet(np.ones(4), size=500)
    assert best > max(objective(pi) for pi in others)


def test_ipo_log_optimum_stays_finite_when_probabilities_underflow():
    P = rps(0.4)
    mu = np.array([1.0, 0.0, 0.0])
    beta = 5000.0
    logpi = ipo_optimum(P, mu, None, beta, log=True)
    assert np.all(np.isfinite(logpi))
    # log pi_0 - log pi_2 = beta (P_00 - P_20) exactly (uniform reference)
    assert_allclose(logpi[0] - logpi[2], beta * (0.5 - 0.9), rtol=1e-12)


# --- DPO ------------------------------------------------------------------------


@pytest.mark.parametrize("mu", [
    [0.25, 0.25, 0.25, 0.25],
    [0.7, 0.1, 0.1, 0.1],
    [0.05, 0.15, 0.3, 0.5],
])
def test_dpo_optimum_of_a_bradley_terry_matrix_does_not_depend_on_mu(mu):
    s = np.array([1.2, 0.3, -0.4, -1.1])
    P = expit(s[:, None] - s[None, :])
    ref = np.array([0.1, 0.2, 0.3, 0.4])
    beta = 0.5
    expected = ref * np.exp(s / beta)
    assert_allclose(dpo_optimum(P, mu, ref, beta), expected / expected.sum(),
                    rtol=1e-11)


def test_dpo_two_point_support_fits_the_logit_of_the_compared_pair():
    # With mu on {i, j} only, the fit has the single equation
    # P_ij = sigmoid(s_i - s_j), for any P.
    P = rps(0.3)
    res = dpo_optimum(P, [0.4, 0.6, 0.0], None, 2.0, return_result=True)
    assert_allclose(res.scores[0] - res.scores[1], logit(0.8), rtol=1e-12)
    assert_allclose(np.log(res.policy[0] / res.policy[1]), logit(0.8) / 2.0,
                    rtol=1e-12)


def test_dpo_optimum_of_symmetric_cycle_with_uniform_mu_is_the_reference():
    # The rotation 0 -> 1 -> 2 -> 0 maps the RPS matrix and the uniform mu to
    # themselves, so the unique scores are equal and pi = ref.
    ref = np.array([0.5, 0.3, 0.2])
    assert_allclose(dpo_optimum(rps(0.3), np.ones(3) / 3, ref, 0.7), ref, rtol=1e-12)


def test_dpo_optimum_moves_with_mu_for_a_non_bradley_terry_matrix():
    # Uniform mu gives pi = ref (symmetry); mu on {0, 1} gives
    # log(pi_0 / pi_1) = logit(P_01) / beta = logit(0.8) / beta != 0.
    P, beta = rps(0.3), 0.7
    uniform = dpo_optimum(P, np.ones(3) / 3, None, beta)
    pair = dpo_optimum(P, [0.5, 0.5, 0.0], None, beta)
    assert_allclose(np.log(uniform[0] / uniform[1]), 0.0, atol=1e-12)
    assert_allclose(np.log(pair[0] / pair[1]), logit(0.8) / beta, rtol=1e-12)


def test_dpo_stationarity_residual_reaches_1e_minus_12():
    rng = np.random.default_rng(11)
    P = random_preferences(6, rng)
    mu = rng.dirichlet(np.ones(6))
    res = dpo_optimum(P, mu, None, 1.0, return_result=True)
    s = res.scores
    r = (mu[None, :] * (P - expit(s[:, None] - s[None, :]))).sum(axis=1)
    assert res.success
    assert np.max(np.abs(r)) <= 1e-12
    assert res.residual <= 1e-12


@pytest.mark.parametrize("seed", range(4))
def test_dpo_fit_converges_for_near_vertex_mu_and_near_deterministic_preferences(
        seed):
    # Weights spanning 300 orders of magnitude and P entries within 1e-12 of 0/1
    # (a deterministic 5-cycle keeps the digraph strongly connected).
    rng = np.random.default_rng(seed)
    K = 5
    P = np.full((K, K), 0.5)
    for i in range(K):
        for j in range(i + 1, K):
            P[i, j] = rng.choice([1e-12, 1e-3, 0.3, 0.999, 1 - 1e-12])
            P[j, i] = 1.0 - P[i, j]
    for i in range(K):
        j = (i + 1) % K
        P[i, j], P[j, i] = 1.0, 0.0
    mu = 10.0 ** -rng.uniform(0, 300, size=K)
    mu /= mu.sum()
    res = dpo_optimum(P, mu, None, 1.0, return_result=True)
    s = res.scores
    r = (mu[None, :] * (P - expit(s[:, None] - s[None, :]))).sum(axis=1)
    assert res.success
    assert np.max(np.abs(r)) <= 1e-12


def test_dpo_scores_agree_with_an_independent_minimisation_of_the_logistic_loss():
    rng = np.random.default_rng(5)
    P = random_preferences(5, rng)
    mu = rng.dirichlet(np.ones(5))
    res = dpo_optimum(P, mu, None, 1.0, return_result=True)
    ref_fit = minimize(bt_loss, np.zeros(5), args=(P, mu), method="BFGS",
                       options={"gtol": 1e-12})
    s_ref = ref_fit.x - mu @ ref_fit.x
    assert_allclose(res.scores, s_ref, atol=1e-6)


def test_dpo_scores_have_mu_weighted_mean_zero_and_unsampled_responses_score_zero():
    rng = np.random.default_rng(8)
    P = random_preferences(4, rng)
    mu = np.array([0.5, 0.3, 0.2, 0.0])
    res = dpo_optimum(P, mu, None, 1.0, return_result=True)
    assert_allclose(mu @ res.scores, 0.0, atol=1e-14)
    assert res.scores[3] == 0.0
    assert_allclose(res.support, [0, 1, 2])


def test_dpo_optimum_accepts_a_preference_matrix_object():
    s = np.array([0.4, -0.1, -0.3])
    P = PreferenceMatrix(expit(s[:, None] - s[None, :]))
    expected = np.exp(s / 2.0)
    assert_allclose(dpo_optimum(P, [0.2, 0.3, 0.5], None, 2.0),
                    expected / expected.sum(), rtol=1e-11)


def test_dpo_optimum_of_a_deterministic_cycle_is_finite():
    # 0 beats 1, 1 beats 2, 2 beats 0 with probability 1: every cut is crossed
    # both ways, so a finite optimum exists; by symmetry it is the reference.
    P = np.array([[0.5, 1.0, 0.0], [0.0, 0.5, 1.0], [1.0, 0.0, 0.5]])
    assert_allclose(dpo_optimum(P, np.ones(3) / 3, None, 1.0), np.ones(3) / 3,
                    rtol=1e-12)


def test_dpo_raises_no_finite_optimum_on_a_deterministic_cut():
    P = np.full((4, 4), 0.5)
    P[np.ix_([0, 1], [2, 3])] = 1.0
    P[np.ix_([2, 3], [0, 1])] = 0.0
    P[0, 1], P[1, 0] = 0.7, 0.3
    with pytest.raises(NoFiniteOptimum, match=r"responses \[0, 1\] beat responses "
                                              r"\[2, 3\] with probability exactly 1"):
        dpo_optimum(P, np.ones(4) / 4, None, 1.0)


def test_dpo_raises_no_finite_optimum_when_the_support_disconnects_a_cycle():
    # The deterministic cycle is fine on all three responses, but without
    # response 2 nothing ever beats response 0.
    P = np.array([[0.5, 1.0, 0.0], [0.0, 0.5, 1.0], [1.0, 0.0, 0.5]])
    with pytest.raises(NoFiniteOptimum, match=r"responses \[0\] beat responses \[1\]"):
        dpo_optimum(P, [0.5, 0.5, 0.0], None, 1.0)


def test_dpo_unsupported_raise_refuses_a_mu_with_zeros():
    with pytest.raises(InvalidPolicy, match=r"mu is 0 on responses \[2\]"):
        dpo_optimum(rps(0.2), [0.5, 0.5, 0.0], None, 1.0, unsupported="raise")


def test_dpo_missing_tolerance_raises_convergence_error():
    # Scores near log(1e-12) cannot be reached by one capped Newton step.
    P = rps(0.5 - 1e-12)
    with pytest.raises(ConvergenceError, match="residual"):
        dpo_optimum(P, [0.98, 0.01, 0.01], None, 1.0, max_iter=1)


def test_dpo_missing_tolerance_warns_when_a_result_is_requested():
    P = rps(0.5 - 1e-12)
    with pytest.warns(RuntimeWarning, match="Bradley-Terry fit stopped"):
        res = dpo_optimum(P, [0.98, 0.01, 0.01], None, 1.0, max_iter=1,
                          return_result=True)
    assert not res.success


# --- bad inputs -------------------------------------------------------------------


@pytest.mark.parametrize("solver", [ipo_optimum, dpo_optimum])
def test_mu_off_the_simplex_is_rejected(solver):
    with pytest.raises(InvalidPolicy, match="mu must sum to 1"):
        solver(rps(0.2), [0.5, 0.3, 0.1], None, 1.0)


@pytest.mark.parametrize("solver", [ipo_optimum, dpo_optimum])
def test_negative_mu_is_rejected(solver):
    with pytest.raises(InvalidPolicy, match="mu must be non-negative"):
        solver(rps(0.2), [1.2, -0.1, -0.1], None, 1.0)


@pytest.mark.parametrize("solver", [ipo_optimum, dpo_optimum])
@pytest.mark.parametrize("beta", [0.0, -1.0])
def test_non_positive_beta_is_rejected(solver, beta):
    with pytest.raises(InvalidParameter, match=r"beta must be > 0"):
        solver(rps(0.2), np.ones(3) / 3, None, beta)


@pytest.mark.parametrize("solver", [ipo_optimum, dpo_optimum])
def test_nan_in_preferences_is_rejected(solver):
    P = rps(0.2)
    P[0, 1] = np.nan
    with pytest.raises(InvalidPreferenceMatrix, match="must be finite"):
        solver(P, np.ones(3) / 3, None, 1.0)


@pytest.mark.parametrize("solver", [ipo_optimum, dpo_optimum])
def test_nan_in_mu_is_rejected(solver):
    with pytest.raises(InvalidPolicy, match="mu must be finite"):
        solver(rps(0.2), [np.nan, 0.5, 0.5], None, 1.0)


@pytest.mark.parametrize("solver", [ipo_optimum, dpo_optimum])
def test_reference_with_a_zero_is_rejected(solver):
    with pytest.raises(InvalidPolicy, match="ref must lie in the open simplex"):
        solver(rps(0.2), np.ones(3) / 3, [0.5, 0.5, 0.0], 1.0)


def test_dpo_rejects_an_unknown_unsupported_rule():
    with pytest.raises(InvalidParameter, match="unsupported must be 'mean' or"):
        dpo_optimum(rps(0.2), np.ones(3) / 3, None, 1.0, unsupported="drop")


@pytest.mark.parametrize("max_iter", [2.5, 0, "ten"])
def test_dpo_rejects_a_bad_iteration_budget(max_iter):
    with pytest.raises(InvalidParameter, match="max_iter must be a positive integer"):
        dpo_optimum(rps(0.2), np.ones(3) / 3, None, 1.0, max_iter=max_iter)


# --- desiderata -------------------------------------------------------------------


def test_condorcet_top_checks_the_condorcet_winner_on_hand_cases():
    P = CONDORCET_OVER_CYCLE
    assert condorcet_top(P, [0.4, 0.3, 0.2, 0.1])
    assert not condorcet_top(P, [0.3, 0.4, 0.2, 0.1])
    assert not condorcet_top(P, [0.35, 0.35, 0.2, 0.1])  # a tie is not "top"


def test_condorcet_top_is_vacuous_without_a_condorcet_winner():
    assert condorcet_top(rps(0.2), [0.1, 0.1, 0.8])


def test_smith_top_checks_the_smith_set_on_a_hand_case():
    # Smith set {0, 1, 2} (a cycle), all beating 3.
    P = np.array([[0.5, 0.7, 0.2, 0.9],
                  [0.3, 0.5, 0.7, 0.9],
                  [0.8, 0.3, 0.5, 0.9],
                  [0.1, 0.1, 0.1, 0.5]])
    assert smith_top(P, [0.3, 0.25, 0.25, 0.2])
    assert not smith_top(P, [0.4, 0.3, 0.1, 0.2])


def test_smith_top_is_condorcet_top_when_there_is_a_condorcet_winner():
    P = CONDORCET_OVER_CYCLE
    assert smith_top(P, [0.4, 0.3, 0.2, 0.1])
    assert not smith_top(P, [0.3, 0.4, 0.2, 0.1])


def test_order_preserving_on_hand_cases():
    P = [[0.5, 0.7, 0.9], [0.3, 0.5, 0.6], [0.1, 0.4, 0.5]]  # 0 > 1 > 2
    assert order_preserving(P, [0.5, 0.3, 0.2])
    assert not order_preserving(P, [0.5, 0.2, 0.3])
    assert not order_preserving(P, [0.4, 0.4, 0.2])


def test_order_preserving_rejects_a_cyclic_matrix_naming_the_cycle():
    with pytest.raises(InvalidPreferenceMatrix, match=r"cycle \d > \d > \d > \d"):
        order_preserving(rps(0.2), np.ones(3) / 3)


def test_desiderata_accept_a_preference_matrix_object():
    assert condorcet_top(PreferenceMatrix(CONDORCET_OVER_CYCLE), [0.4, 0.3, 0.2, 0.1])


def test_every_mu_preserves_a_strongly_transitive_order_under_ipo():
    # Paper: under SST, P_ik >= P_jk for all k when i is above j, so
    # (P mu)_i >= (P mu)_j for every mu (strictly for interior mu under strict SST).
    s = np.array([2.0, 1.0, 0.3, -0.5, -1.5])
    P = expit(s[:, None] - s[None, :])  # Bradley-Terry is strictly SST
    rng = np.random.default_rng(2)
    for mu in rng.dirichlet(np.ones(5), size=50):
        assert order_preserving(P, ipo_optimum(P, mu, None, 3.0))


# --- instance-dependent sampling ---------------------------------------------------


def test_uniform_sampling_is_not_condorcet_top_on_the_constructed_matrix():
    pi = ipo_optimum(CONDORCET_OVER_CYCLE, np.ones(4) / 4, None, 1.0)
    assert pi[1] > pi[0]
    assert not condorcet_top(CONDORCET_OVER_CYCLE, pi)


def test_instance_sampling_makes_the_constructed_matrix_condorcet_top():
    res = smith_top_sampling(CONDORCET_OVER_CYCLE, None, 1.0)
    assert res.success and res.condorcet_top and res.smith_top
    pi = ipo_optimum(CONDORCET_OVER_CYCLE, res.mu, None, 1.0)
    assert np.argmax(pi) == 0 and np.sum(pi == pi.max()) == 1


def test_instance_sampling_margin_is_at_least_that_of_sampling_the_winner():
    # mu = e_c gives the gaps beta (1/2 - P_ic) (uniform ref); the LP optimum can
    # only be larger.
    beta = 2.0
    res = smith_top_sampling(CONDORCET_OVER_CYCLE, None, beta)
    point_mass = beta * np.min(0.5 - CONDORCET_OVER_CYCLE[1:, 0])
    assert res.margin >= point_mass - 1e-12


def test_instance_sampling_reports_the_achieved_log_probability_gap():
    rng = np.random.default_rng(21)
    P = np.array([[0.5, 0.7, 0.2, 0.9, 0.8],
                  [0.3, 0.5, 0.7, 0.6, 0.9],
                  [0.8, 0.3, 0.5, 0.7, 0.6],
                  [0.1, 0.4, 0.3, 0.5, 0.9],
                  [0.2, 0.1, 0.4, 0.1, 0.5]])
    ref = rng.dirichlet(5 * np.ones(5))
    res = smith_top_sampling(P, ref, 4.0)
    logpi = np.log(ipo_optimum(P, res.mu, ref, 4.0))
    S = sorted(brute_force_smith_set(P))
    rest = [j for j in range(5) if j not in S]
    assert_allclose(res.margin, logpi[S].min() - logpi[rest].max(), rtol=1e-10)


@pytest.mark.parametrize("seed", range(8))
def test_instance_sampling_is_smith_top_for_random_matrices_with_uniform_reference(
        seed):
    # LP duality shows a positive margin always exists for a uniform reference.
    rng = np.random.default_rng(seed)
    P = random_preferences(6, rng)
    res = smith_top_sampling(P, None, 0.5)
    S = brute_force_smith_set(P)
    outside = [j for j in range(6) if j not in S]
    assert res.success
    if outside:
        assert res.policy[sorted(S)].min() > res.policy[outside].max()


def test_instance_sampling_fails_when_the_reference_outweighs_beta():
    # The gap for (c, i) is at most log(ref_c / ref_i) + beta, negative here.
    beta = 1.0
    ref = np.array([0.05, 0.8, 0.05, 0.1])
    assert np.log(ref[0] / ref[1]) + beta < 0
    res = smith_top_sampling(CONDORCET_OVER_CYCLE, ref, beta)
    assert not res.success and not res.condorcet_top
    assert res.margin <= np.log(ref[0] / ref[1]) + beta


def test_instance_sampling_is_vacuous_when_the_smith_set_is_everything():
    res = smith_top_sampling(rps(0.2), None, 1.0)
    assert res.success and res.margin == np.inf
    assert res.smith_set == (0, 1, 2)


def test_instance_sampling_rejects_a_non_positive_beta():
    with pytest.raises(InvalidParameter, match="beta must be > 0"):
        smith_top_sampling(CONDORCET_OVER_CYCLE, None, 0.0)


def test_no_warning_on_a_well_posed_dpo_problem():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dpo_optimum(rps(0.2), [0.2, 0.3, 0.5], None, 1.0)
