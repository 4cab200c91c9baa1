"""Reference maps with known answers: logistic, Henon and replicator (Hedge).

These are the systems the analysis engine is tested against: the logistic map
(period doubling, the Lyapunov exponent ``log 2`` at ``r = 4``), the Henon map
(a chaotic attractor with exponents about 0.419 and -1.623 whose sum is
``log b``), and the discrete replicator dynamics in logits, i.e. multiplicative
weights (Hedge) on a payoff matrix, the ``alpha = 1`` relative of the alignment
maps. Each has a compiled step and a compiled analytic Jacobian.

This module may import :mod:`dynsys_align.maps.base`, the validation helpers and
the exceptions, nothing higher.
"""

from __future__ import annotations

import numpy as np

from .._validation import _scalar as _real
from .._validation import check_positive
from ..exceptions import InvalidParameter
from ._kernels import softmax_into, stack_vector
from .base import UpdateMap, compiled_jacobian, compiled_step

__all__ = ["Logistic", "Henon", "Replicator"]


@compiled_step
def logistic_step(x, p, out):
    out[0] = p[0] * x[0] * (1.0 - x[0])


@compiled_jacobian
def logistic_jacobian(x, p, J):
    J[0, 0] = p[0] * (1.0 - 2.0 * x[0])


class Logistic(UpdateMap):
    """The logistic map ``x -> r x (1 - x)`` on the real line.

    Parameters
    ----------
    r : float > 0
        Growth parameter. For ``0 < r <= 4`` the interval [0, 1] is invariant;
        for ``r > 4`` almost every orbit escapes to ``-inf``.

    Raises
    ------
    InvalidParameter
        If ``r`` is not a finite number > 0.

    Notes
    -----
    Known answers: the fixed point ``1 - 1/r`` has multiplier ``2 - r``
    (stable for ``1 < r < 3``); period doubling at ``r = 3`` and
    ``1 + sqrt(6)``; the Lyapunov exponent is ``log 2`` at ``r = 4``. At
    ``r = 4`` a floating-point orbit can land exactly on 0 or on the fixed point
    3/4 (for example from ``x = 0.5``); choose a generic start.

    Examples
    --------
    >>> from dynsys_align.maps.classic import Logistic
    >>> Logistic(3.2).orbit([0.5], 2)[:, 0]
    array([0.5  , 0.8  , 0.512])
    """

    param_names = ("r",)
    step_kernel = logistic_step
    jacobian_kernel = logistic_jacobian

    def __init__(self, r):
        super().__init__([self.check_param("r", r)], 1)

    def check_param(self, name, value):
        if name == "r":
            return check_positive(value, "r")
        return super().check_param(name, value)

    def default_state(self) -> np.ndarray:
        """``[0.3]``: an interior point of (0, 1) away from the special points 0, 1/2, 1."""
        return np.array([0.3])


@compiled_step
def henon_step(x, p, out):
    out[0] = 1.0 - p[0] * x[0] * x[0] + x[1]
    out[1] = p[1] * x[0]


@compiled_jacobian
def henon_jacobian(x, p, J):
    J[0, 0] = -2.0 * p[0] * x[0]
    J[0, 1] = 1.0
    J[1, 0] = p[1]
    J[1, 1] = 0.0


class Henon(UpdateMap):
    """The Henon map ``(x, y) -> (1 - a x^2 + y, b x)`` on the plane.

    Parameters
    ----------
    a : float, optional
        Nonlinearity (finite; default 1.4).
    b : float, optional
        Contraction (finite and nonzero; default 0.3). The Jacobian determinant
        is ``-b`` everywhere.

    Raises
    ------
    InvalidParameter
        If ``a`` is not finite, or ``b`` is not finite or is zero.

    Notes
    -----
    At the classical values ``a = 1.4, b = 0.3`` the map has a chaotic
    attractor with Lyapunov exponents about 0.419 and -1.623 (sum ``log 0.3``).
    Fixed points have ``y = b x`` with ``a x^2 + (1 - b) x - 1 = 0``; they exist
    when ``(1 - b)^2 + 4 a >= 0``. Orbits from far away escape to infinity.

    Examples
    --------
    >>> from dynsys_align.maps.classic import Henon
    >>> Henon().step([0.0, 0.0])
    array([1., 0.])
    """

    param_names = ("a", "b")
    step_kernel = henon_step
    jacobian_kernel = henon_jacobian

    def __init__(self, a=1.4, b=0.3):
        super().__init__([self.check_param("a", a), self.check_param("b", b)], 2)

    def check_param(self, name, value):
        if name == "a":
            return _real(value, "a")
        if name == "b":
            v = _real(value, "b")
            if v == 0.0:
                raise InvalidParameter(
                    "b must be nonzero (the Henon map is invertible only then), "
                    "got b = 0.0"
                )
            return v
        return super().check_param(name, value)

    def default_state(self) -> np.ndarray:
        """The origin, which lies in the basin of the classical attractor."""
        return np.zeros(2)


@compiled_step
def replicator_step(z, p, out):
    K = z.size
    eta = p[0]
    pi = stack_vector(K)
    softmax_into(z, pi)
    for i in range(K):
        acc = 0.0
        for j in range(K):
            acc += p[1 + i * K + j] * pi[j]
        out[i] = z[i] + eta * acc


@compiled_jacobian
def replicator_jacobian(z, p, J):
    # dz'/dz = I + eta A D with D = diag(pi) - pi pi^T
    K = z.size
    eta = p[0]
    pi = stack_vector(K)
    softmax_into(z, pi)
    w = stack_vector(K)
    for i in range(K):
        acc = 0.0
        for j in range(K):
            acc += p[1 + i * K + j] * pi[j]
        w[i] = acc
    for i in range(K):
        for j in range(K):
            J[i, j] = eta * (p[1 + i * K + j] - w[i]) * pi[j]
        J[i, i] += 1.0


class Replicator(UpdateMap):
    """Discrete replicator dynamics (multiplicative weights, Hedge) on the simplex.

    ``Replicator(A, eta)``: the logits move by ``eta`` times the payoffs of the
    current mixed strategy, ``z -> z + eta A softmax(z)``, i.e.
    ``pi_i' proportional to pi_i exp(eta (A pi)_i)``.

    Parameters
    ----------
    A : array_like, shape (K, K)
        Finite payoff matrix, ``K >= 2``; ``A_ij`` is the payoff of pure
        strategy ``i`` against ``j``.
    eta : float > 0
        Step size (learning rate).

    Raises
    ------
    InvalidParameter
        If ``A`` is not a finite square matrix with ``K >= 2``, or ``eta`` is
        not a finite number > 0.

    Notes
    -----
    The Jacobian in logits is ``I + eta A D`` with ``D = diag(pi) - pi pi^T``.
    An interior fixed point is an interior equilibrium of the game:
    ``(A pi)_i`` equal for every ``i``. For rock-paper-scissors (``A``
    antisymmetric with ``A_01 = A_12 = A_20 = -1``) it is the uniform point
    with multipliers ``1 +- i eta / sqrt(3)``, outside the unit circle: Hedge
    spirals away from the equilibrium towards the boundary. The MRS-IPO map
    with ``alpha = 1`` and ``lam = 1`` is this map with ``A = beta P``.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps.classic import Replicator
    >>> rps = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]])
    >>> np.round(Replicator(rps, 0.1).step([0.2, 0.3, 0.5]), 4)
    array([0.204 , 0.2911, 0.5049])
    """

    space = "simplex"
    param_names = ("eta",)
    step_kernel = replicator_step
    jacobian_kernel = replicator_jacobian

    def __init__(self, A, eta):
        try:
            A = np.array(A, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InvalidParameter(
                f"payoff matrix A must be numeric, got {A!r}"
            ) from exc
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 2:
            raise InvalidParameter(
                f"payoff matrix A must be square K x K with K >= 2, got shape "
                f"{A.shape}"
            )
        if not np.all(np.isfinite(A)):
            raise InvalidParameter("payoff matrix A must be finite, got non-finite "
                                   "entries")
        eta = self.check_param("eta", eta)
        super().__init__(np.concatenate([[eta], A.ravel()]), A.shape[0])

    def check_param(self, name, value):
        if name == "eta":
            return check_positive(value, "eta")
        return super().check_param(name, value)

    @property
    def payoff(self) -> np.ndarray:
        """The payoff matrix ``A``."""
        K = self.dim
        return self.params[1:1 + K * K].reshape(K, K).copy()
