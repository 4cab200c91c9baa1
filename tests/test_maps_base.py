"""The UpdateMap extension point, exercised with maps written in this file."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from dynsys_align import InvalidParameter, UpdateMap, compiled_jacobian, compiled_step
from dynsys_align.maps import softmax


@compiled_step
def linear_step(x, p, out):
    # x -> A x with A = [[p0, p1], [p2, p3]]
    out[0] = p[0] * x[0] + p[1] * x[1]
    out[1] = p[2] * x[0] + p[3] * x[1]


@compiled_step
def hedge_step(z, p, out):
    # Multiplicative weights on the payoff matrix stored in p[1:]; p[0] is the rate.
    K = z.size
    m = z.max()
    w = np.exp(z - m)
    w /= w.sum()
    for i in range(K):
        acc = 0.0
        for j in range(K):
            acc += p[1 + i * K + j] * w[j]
        out[i] = z[i] + p[0] * acc


class Linear(UpdateMap):
    """x -> A x on R^2 (a user map written as a subclass)."""

    param_names = ("a11", "a12", "a21", "a22")
    step_kernel = linear_step

    def __init__(self, A):
        super().__init__(np.asarray(A, float).ravel(), 2)


def test_subclass_orbit_is_matrix_power():
    A = np.array([[0.5, 0.2], [-0.3, 0.9]])
    m = Linear(A)
    orbit = m.orbit([1.0, -2.0], n=7)
    expected = np.array([np.linalg.matrix_power(A, t) @ [1.0, -2.0] for t in range(8)])
    assert_allclose(orbit, expected, rtol=1e-14, atol=1e-15)


def test_finite_difference_jacobian_of_a_linear_map_is_the_matrix():
    A = np.array([[0.5, 0.2], [-0.3, 0.9]])
    m = Linear(A)
    assert not m.has_jacobian
    assert_allclose(m.jacobian_chart(np.array([3.0, -1.0])), A, atol=1e-9)
    assert_allclose(m.jacobian([3.0, -1.0]), A, atol=1e-9)


def test_from_kernels_simplex_map_keeps_the_simplex_and_follows_hedge():
    A = np.array([[0.0, 1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, -1.0, 0.0]])
    eta = 0.1
    m = UpdateMap.from_kernels(hedge_step, dim=3, params=np.r_[eta, A.ravel()],
                               param_names=["eta"], space="simplex")
    pi = np.array([0.6, 0.3, 0.1])
    expected = pi * np.exp(eta * A @ pi)
    assert_allclose(m.step(pi), expected / expected.sum(), rtol=1e-13)
    orbit = m.orbit(pi, n=500)
    assert_allclose(orbit.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(orbit > 0)


def test_hedge_on_zero_sum_game_has_unit_multipliers_in_chart():
    # Hedge on a skew-symmetric game: the Jacobian at the uniform point is
    # I + eta A D, whose nonconstant eigenvalues are 1 +- i eta / sqrt(3) for RPS.
    A = np.array([[0.0, 1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, -1.0, 0.0]])
    eta = 0.3
    m = UpdateMap.from_kernels(hedge_step, dim=3, params=np.r_[eta, A.ravel()],
                               param_names=["eta"], space="simplex")
    mult = np.linalg.eigvals(m.jacobian_chart(np.zeros(2)))
    expected = 1.0 + 1j * eta / np.sqrt(3) * np.array([1, -1])
    assert_allclose(np.sort_complex(mult), np.sort_complex(expected), atol=1e-8)


def test_analytic_jacobian_kernel_is_used_when_given():
    @compiled_jacobian
    def wrong_on_purpose(x, p, J):
        J[:, :] = 7.0

    m = UpdateMap.from_kernels(linear_step, wrong_on_purpose, dim=2,
                               params=[1.0, 0.0, 0.0, 1.0])
    assert m.has_jacobian
    assert_allclose(m.jacobian_chart(np.zeros(2)), np.full((2, 2), 7.0))


def test_vary_broadcasts_named_parameters():
    m = Linear(np.eye(2))
    P = m.vary(a11=[0.1, 0.2, 0.3], a22=0.5)
    assert P.shape == (3, 4)
    assert_allclose(P[:, 0], [0.1, 0.2, 0.3])
    assert_allclose(P[:, 3], 0.5)
    assert_allclose(P[:, 1:3], 0.0)


def test_batch_final_runs_every_parameter_row():
    m = Linear(np.eye(2))
    rates = np.array([0.5, 1.0, 1.5])
    finals = m.batch_final([1.0, 1.0], n=4, params=m.vary(a11=rates, a22=rates))
    assert_allclose(finals, np.column_stack([rates**4, rates**4]), rtol=1e-14)


def test_overflowing_orbit_is_reported_as_nan_not_garbage():
    m = Linear([[1e200, 0.0], [0.0, 1.0]])
    orbit = m.orbit([1e200, 1.0], n=5)
    assert np.all(np.isfinite(orbit[0]))
    assert np.all(np.isnan(orbit[1:]))


def test_chart_round_trip_on_the_simplex():
    m = UpdateMap.from_kernels(hedge_step, dim=4, params=np.r_[0.1, np.zeros(16)],
                               space="simplex")
    pi = np.array([0.1, 0.2, 0.3, 0.4])
    u = m.to_chart(pi)
    assert_allclose(u, np.log(pi[:-1] / pi[-1]), rtol=1e-15)
    assert_allclose(m.from_chart(u), pi, rtol=1e-14)
    assert_allclose(softmax(np.log(pi) + 5.0), pi, rtol=1e-14)


def test_missing_step_kernel_is_a_clear_error():
    class NoStep(UpdateMap):
        pass

    with pytest.raises(TypeError, match="sets no step_kernel"):
        NoStep([1.0], 1)


def test_bad_state_and_parameter_shapes_raise():
    m = Linear(np.eye(2))
    with pytest.raises(InvalidParameter, match="length 2"):
        m.orbit([1.0, 2.0, 3.0], n=2)
    with pytest.raises(InvalidParameter, match=r"shape \(m, 4\)"):
        m.batch_final([0.0, 0.0], n=2, params=np.zeros((3, 5)))
    with pytest.raises(InvalidParameter, match="n >= 0 and stride >= 1"):
        m.orbit([0.0, 0.0], n=5, stride=0)
    with pytest.raises(InvalidParameter, match="must be finite"):
        Linear([[np.nan, 0], [0, 1]])


def test_stack_rejects_mixed_classes():
    hedge = UpdateMap.from_kernels(hedge_step, dim=2, params=np.zeros(5), space="simplex")
    with pytest.raises(ValueError, match="one class"):
        UpdateMap.stack([Linear(np.eye(2)), hedge])


def test_compiled_step_rejects_non_functions():
    with pytest.raises(TypeError, match="must be a function"):
        compiled_step(3)


def test_math_module_is_usable_in_kernels():
    @compiled_step
    def cosine(x, p, out):
        out[0] = math.cos(x[0])

    m = UpdateMap.from_kernels(cosine, dim=1)
    # Dottie number: the unique real fixed point of cos.
    assert_allclose(m.orbit([1.0], n=200)[-1, 0], 0.7390851332151607, rtol=1e-12)
