"""MRS-IPO against the theory of the iterative alignment map (THEORY.md)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align import (
    MRSIPO,
    InvalidParameter,
    InvalidPolicy,
    InvalidPreferenceMatrix,
)
from dynsys_align.maps import entropy
from dynsys_align.maps._kernels import entropy_chart


def rps(a):
    """Rock-paper-scissors preference matrix with margin a."""
    return np.array([[0.5, 0.5 + a, 0.5 - a],
                     [0.5 - a, 0.5, 0.5 + a],
                     [0.5 + a, 0.5 - a, 0.5]])


def random_preferences(K, rng):
    U = rng.uniform(size=(K, K))
    P = np.triu(U, 1) + np.tril(1.0 - U.T, -1)
    np.fill_diagonal(P, 0.5)
    return P


def strictly_transitive(K, spread=1.0):
    """Bradley-Terry matrix with strictly decreasing scores: strictly SST."""
    s = spread * np.arange(K, 0, -1, dtype=float)
    return 1.0 / (1.0 + np.exp(-(s[:, None] - s[None, :])))


def test_step_matches_the_round_written_with_policies():
    # One round written directly from the definition: geometric reference mix,
    # linear sampler mix, IPO closed form.
    rng = np.random.default_rng(0)
    P = random_preferences(4, rng)
    ref = rng.dirichlet(np.ones(4))
    pi0 = rng.dirichlet(np.ones(4))
    pi = rng.dirichlet(np.ones(4))
    alpha, beta, lam = 0.7, 3.0, 0.6
    m = MRSIPO(P, alpha, beta, lam, ref=ref, pi0=pi0)
    ref_t = pi**alpha * ref ** (1 - alpha)
    mu = lam * pi + (1 - lam) * pi0
    expected = ref_t * np.exp(beta * P @ mu)
    assert_allclose(m.step(pi), expected / expected.sum(), rtol=1e-12)


def test_fixed_point_satisfies_self_consistency_equation():
    rng = np.random.default_rng(1)
    P = random_preferences(5, rng)
    ref = rng.dirichlet(np.ones(5))
    pi0 = rng.dirichlet(np.ones(5))
    alpha, beta, lam = 0.4, 1.5, 0.8
    m = MRSIPO(P, alpha, beta, lam, ref=ref, pi0=pi0)
    assert m.contraction_modulus() < 1.0
    pi = m.orbit(n=2000)[-1]
    rhs = ref * np.exp(beta / (1 - alpha) * P @ (lam * pi + (1 - lam) * pi0))
    assert_allclose(pi, rhs / rhs.sum(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("alpha,beta,lam,a", [(0.5, 4.0, 1.0, 0.2), (0.9, 2.0, 0.5, 0.3),
                                              (0.0, 10.0, 0.8, 0.1)])
def test_rps_multipliers_at_uniform_point(alpha, beta, lam, a):
    m = MRSIPO(rps(a), alpha, beta, lam)
    mult = np.linalg.eigvals(m.jacobian_chart(np.zeros(2)))
    omega = a * beta * lam / np.sqrt(3)
    expected = np.array([alpha + 1j * omega, alpha - 1j * omega])
    assert_allclose(np.sort_complex(mult), np.sort_complex(expected), atol=1e-12)


def test_logit_jacobian_has_alpha_along_constant_direction_and_closed_form():
    rng = np.random.default_rng(2)
    P = random_preferences(4, rng)
    pi = rng.dirichlet(np.ones(4))
    alpha, beta, lam = 0.3, 2.0, 0.7
    J = MRSIPO(P, alpha, beta, lam).jacobian(pi)
    D = np.diag(pi) - np.outer(pi, pi)
    S = P - 0.5
    assert_allclose(J, alpha * np.eye(4) + beta * lam * S @ D, atol=1e-12)
    assert_allclose(J @ np.ones(4), alpha * np.ones(4), atol=1e-12)


def test_jacobian_matches_difference_quotient_of_the_step():
    rng = np.random.default_rng(3)
    P = random_preferences(4, rng)
    m = MRSIPO(P, 0.6, 5.0, 0.9, pi0=rng.dirichlet(np.ones(4)))
    u = rng.normal(size=3)
    h = 1e-6
    fd = np.column_stack([(m.step_chart(u + h * e) - m.step_chart(u - h * e)) / (2 * h)
                          for e in np.eye(3)])
    assert_allclose(m.jacobian_chart(u), fd, atol=1e-8)


def test_random_starts_converge_to_one_point_inside_contraction_region():
    rng = np.random.default_rng(4)
    P = random_preferences(4, rng)
    S_norm = np.linalg.norm(P - 0.5, 2)
    alpha, lam = 0.5, 1.0
    beta = 0.9 * 2 * (1 - alpha) / (lam * S_norm)  # modulus 0.95 - 0.05
    m = MRSIPO(P, alpha, beta, lam)
    assert m.contraction_modulus() < 1.0
    starts = rng.dirichlet(np.ones(4), size=20)
    finals = m.batch_final(starts, n=3000)
    assert_allclose(finals, np.repeat(finals[:1], 20, axis=0), atol=1e-12)


def test_batch_over_matrices_matches_single_orbits():
    rng = np.random.default_rng(5)
    maps = [MRSIPO(random_preferences(4, rng), 0.8, 6.0, 0.9) for _ in range(6)]
    batch = maps[0].batch_orbit(n=50, stride=10, params=MRSIPO.stack(maps))
    assert batch.shape == (6, 6, 4)
    for b, m in zip(batch, maps, strict=True):
        assert_allclose(b, m.orbit(n=50, stride=10), rtol=1e-13)


def test_orbit_stays_on_the_simplex():
    rng = np.random.default_rng(6)
    m = MRSIPO(random_preferences(5, rng), 1.0, 20.0, 1.0)
    orbit = m.orbit(rng.dirichlet(np.ones(5)), n=5000)
    assert orbit.shape == (5001, 5)
    assert np.all(np.isfinite(orbit))
    assert np.all(orbit >= 0.0)
    assert_allclose(orbit.sum(axis=1), 1.0, atol=1e-12)


def test_orbit_shape_with_stride():
    m = MRSIPO(rps(0.2), 0.5, 1.0, 1.0)
    assert m.orbit(n=10, stride=3).shape == (4, 3)


def test_collapse_alpha_one_strictly_transitive_stays_finite_for_a_million_steps():
    # Entropy-collapse theorem: alpha = 1 and strictly SST P drive pi_t to the top
    # response; in logits the orbit must stay finite however long it runs.
    m = MRSIPO(strictly_transitive(4, 0.3), 1.0, 2.0, 1.0)
    U, done = m.orbit_chart(np.zeros(3), 10**6, stride=10**5)
    assert done == 10**6
    assert np.all(np.isfinite(U))
    entropies = np.array([entropy_chart(np.ascontiguousarray(u)) for u in U])
    assert np.all(np.isfinite(entropies))
    assert entropies[-1] < 1e-12
    # Entropy eventually decreases monotonically along the orbit.
    assert np.all(np.diff(entropies[1:]) <= 0.0)
    pi = m.from_chart(U[-1])
    assert np.argmax(pi) == 0


def test_collapse_ratio_concentrates_fixed_point_on_top_response():
    # For alpha < 1 the limit approaches the top vertex as beta lam / (1 - alpha) grows.
    P = strictly_transitive(4, 0.5)
    tops = []
    for beta in (0.5, 2.0, 8.0, 32.0, 128.0):
        m = MRSIPO(P, 0.5, beta, 1.0)
        tops.append(m.orbit(n=4000)[-1, 0])
    assert np.all(np.diff(tops) > 0.0)
    assert 1.0 - tops[-1] < 1e-12


def test_entropy_of_policy_with_tiny_entries_is_finite():
    pi = np.array([1.0 - 2e-300, 1e-300, 1e-300, 0.0])
    h = entropy(pi)
    assert np.isfinite(h)
    assert 0.0 <= h < 1e-296
    u = np.array([-700.0, -650.0, 800.0])  # softmax entries far below 1e-300
    assert np.isfinite(entropy_chart(u))
    assert entropy_chart(u) >= 0.0


def test_entropy_chart_matches_uniform_closed_form():
    assert_allclose(entropy_chart(np.zeros(4)), np.log(5), rtol=1e-15)


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"alpha": 1.5}, InvalidParameter, r"alpha must lie in \[0, 1\], got alpha = 1.5"),
    ({"alpha": np.nan}, InvalidParameter, "alpha must be finite"),
    ({"lam": -0.1}, InvalidParameter, r"lam must lie in \[0, 1\]"),
    ({"beta": 0.0}, InvalidParameter, "beta must be > 0"),
    ({"beta": "big"}, InvalidParameter, "beta must be a real number"),
    ({"ref": [0.5, 0.5, 0.0]}, InvalidPolicy, "open simplex"),
    ({"pi0": [0.5, 0.2, 0.2]}, InvalidPolicy, "sum to 1"),
    ({"pi0": [0.5, 0.5]}, InvalidPolicy, "length K = 3"),
])
def test_bad_parameters_raise_clear_errors(kwargs, exc, match):
    args = {"alpha": 0.5, "beta": 1.0, "lam": 1.0}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        MRSIPO(rps(0.2), **args)


@pytest.mark.parametrize("P,match", [
    (np.full((3, 2), 0.5), "square"),
    ([[0.5]], "K >= 2"),
    ([[0.5, 0.7], [0.2, 0.5]], r"P_ij \+ P_ji = 1"),
    ([[0.5, 1.2], [-0.2, 0.5]], r"\[0, 1\]"),
    ([[0.5, np.nan], [np.nan, 0.5]], "finite"),
    ([[0.4, 0.5], [0.5, 0.6]], r"P_ii = 1/2 on the diagonal"),
])
def test_bad_preference_matrix_raises(P, match):
    with pytest.raises(InvalidPreferenceMatrix, match=match):
        MRSIPO(P, 0.5, 1.0, 1.0)


def test_policy_off_the_simplex_raises():
    m = MRSIPO(rps(0.2), 0.5, 1.0, 1.0)
    with pytest.raises(InvalidPolicy, match="sum to 1"):
        m.step([0.2, 0.2, 0.2])
    with pytest.raises(InvalidPolicy, match="finite"):
        m.orbit([np.nan, 0.5, 0.5], n=3)


def test_with_params_validates_and_leaves_original_unchanged():
    m = MRSIPO(rps(0.2), 0.5, 1.0, 1.0)
    m2 = m.with_params(beta=3.0)
    assert m["beta"] == 1.0 and m2["beta"] == 3.0
    with pytest.raises(InvalidParameter, match="alpha must lie in"):
        m.with_params(alpha=2.0)
    with pytest.raises(InvalidParameter, match="no parameter 'gamma'"):
        m.with_params(gamma=1.0)
    with pytest.raises(InvalidParameter, match="beta must be > 0"):
        m.vary(beta=[1.0, -1.0])
