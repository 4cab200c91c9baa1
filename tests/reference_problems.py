"""Reference systems with answers known independently of this package.

Every entry is a closed form, a theorem, or a published value, with its source
in a comment. Tests across the package draw on this registry; keep it data plus
small constructors (no assertions, no calls into the analyses).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "LOGISTIC_LYAPUNOV_R4",
    "LOGISTIC_PERIOD_DOUBLING",
    "FEIGENBAUM_DELTA",
    "HENON_CLASSIC",
    "HENON_EXPONENTS",
    "HENON_EXPONENTS_ATOL",
    "logistic_fixed_point",
    "logistic_fixed_point_multiplier",
    "logistic_stable_branch_exponent",
    "henon_fixed_points",
    "henon_fixed_point_multipliers",
    "RPS_PAYOFF",
    "hedge_rps_multipliers",
    "rock_paper_scissors_preferences",
    "mrsipo_rps_multipliers",
    "mrsipo_rps_unstable",
    "strictly_transitive_preferences",
    "random_preference_matrix",
    "PAPER_CYCLIC_K4_EDGES",
]

# --- logistic map x -> r x (1 - x) -------------------------------------------

#: Lyapunov exponent at r = 4: the map is conjugate to the tent map with slope 2
#: (Ulam and von Neumann), so the exponent is log 2.
LOGISTIC_LYAPUNOV_R4 = math.log(2.0)
#: First two period-doubling points: r1 = 3 (multiplier 2 - r = -1) and
#: r2 = 1 + sqrt(6) (the 2-cycle's multiplier reaches -1).
LOGISTIC_PERIOD_DOUBLING = (3.0, 1.0 + math.sqrt(6.0))
#: Feigenbaum's constant delta (Feigenbaum 1978; digits from OEIS A006890).
FEIGENBAUM_DELTA = 4.669201609102990


def logistic_fixed_point(r: float) -> float:
    """Non-trivial fixed point ``1 - 1/r`` of the logistic map."""
    return 1.0 - 1.0 / r


def logistic_fixed_point_multiplier(r: float) -> float:
    """Multiplier ``f'(1 - 1/r) = r (1 - 2 (1 - 1/r)) = 2 - r``."""
    return 2.0 - r


def logistic_stable_branch_exponent(r: float) -> float:
    """Lyapunov exponent ``log |2 - r|`` of orbits attracted to ``1 - 1/r``.

    Valid for ``1 < r < 3``, where that fixed point attracts (0, 1).
    """
    return math.log(abs(2.0 - r))


# --- Henon map (x, y) -> (1 - a x^2 + y, b x) --------------------------------

#: The classical parameters (Henon 1976).
HENON_CLASSIC = {"a": 1.4, "b": 0.3}
#: Lyapunov exponents of the classical attractor; widely quoted values are
#: 0.419 and -1.623 (e.g. Sprott, "Chaos and Time-Series Analysis", 2003,
#: appendix A: 0.41922, and the sum is log 0.3 = -1.20397 exactly).
HENON_EXPONENTS = (0.41922, math.log(0.3) - 0.41922)
#: Rounding of the quoted value 0.41922 (its last digit).
HENON_EXPONENTS_ATOL = 1e-5


def henon_fixed_points(a: float, b: float) -> np.ndarray:
    """Fixed points ``(x, b x)`` with ``a x^2 + (1 - b) x - 1 = 0``, rows sorted by x."""
    disc = (1.0 - b) ** 2 + 4.0 * a
    xs = sorted([(-(1.0 - b) - math.sqrt(disc)) / (2.0 * a),
                 (-(1.0 - b) + math.sqrt(disc)) / (2.0 * a)])
    return np.array([[x, b * x] for x in xs])


def henon_fixed_point_multipliers(a: float, b: float, x: float) -> np.ndarray:
    """Roots of ``mu^2 + 2 a x mu - b = 0``, the eigenvalues of ``[[-2ax, 1], [b, 0]]``."""
    return np.roots([1.0, 2.0 * a * x, -b]).astype(complex)


# --- Hedge on rock-paper-scissors --------------------------------------------

#: Row player's payoff: rock 0, paper 1, scissors 2; paper beats rock, etc.
RPS_PAYOFF = np.array([[0.0, -1.0, 1.0],
                       [1.0, 0.0, -1.0],
                       [-1.0, 1.0, 0.0]])


def hedge_rps_multipliers(eta: float) -> np.ndarray:
    """Multipliers ``1 +- i eta / sqrt(3)`` of Hedge on RPS at the uniform point.

    The chart Jacobian is ``I + eta A D`` restricted to the tangent space, with
    ``D = (I - 11^T/3) / 3`` at the uniform point and ``A 1 = 0``, so it is
    ``I + eta A / 3`` there; ``A`` has eigenvalues ``+- i sqrt(3)`` on the sum-zero
    plane.
    """
    w = eta / math.sqrt(3.0)
    return np.array([1.0 + 1j * w, 1.0 - 1j * w])


# --- MRS-IPO ------------------------------------------------------------------


def rock_paper_scissors_preferences(a: float) -> np.ndarray:
    """Cyclic K = 3 preferences ``P_ij = 1/2 +- a``: 0 beats 1 beats 2 beats 0."""
    return np.array([[0.5, 0.5 + a, 0.5 - a],
                     [0.5 - a, 0.5, 0.5 + a],
                     [0.5 + a, 0.5 - a, 0.5]])


def mrsipo_rps_multipliers(a: float, alpha: float, beta: float,
                           lam: float) -> np.ndarray:
    """Multipliers ``alpha +- i a beta lam / sqrt(3)`` at the uniform fixed point.

    THEORY.md (derived result, consistent with the paper's oscillation theorem
    for K = 3: instability iff ``alpha^2 + a^2 beta^2 lam^2 / 3 > 1``).
    """
    w = a * beta * lam / math.sqrt(3.0)
    return np.array([alpha + 1j * w, alpha - 1j * w])


def mrsipo_rps_unstable(a: float, alpha: float, beta: float, lam: float) -> bool:
    """The paper's instability condition for the uniform point of RPS."""
    return alpha ** 2 + (a * beta * lam) ** 2 / 3.0 > 1.0


def strictly_transitive_preferences(K: int, gap: float = 0.1) -> np.ndarray:
    """A strictly SST matrix ``P_ij = 1/2 + gap (j - i)`` (0 is the best response).

    For ``i < j < k`` we have ``P_ik = 1/2 + gap (k - i) > max(P_ij, P_jk)``,
    so the matrix is strictly strongly stochastically transitive; entries stay
    in [0, 1] when ``gap (K - 1) <= 1/2``.
    """
    i = np.arange(K)
    return 0.5 + gap * (i[None, :] - i[:, None])


def random_preference_matrix(K: int, rng) -> np.ndarray:
    """A preference matrix with independent uniform upper-triangle entries."""
    rng = np.random.default_rng(rng)
    P = np.full((K, K), 0.5)
    iu = np.triu_indices(K, 1)
    P[iu] = rng.uniform(0.0, 1.0, size=len(iu[0]))
    P[(iu[1], iu[0])] = 1.0 - P[iu]
    return P


#: Cyclic tournament on K = 4 used in the paper's real-model runs:
#: 0>1>2>3>0 plus 0>2 and 1>3 (edges i -> j mean i beats j).
PAPER_CYCLIC_K4_EDGES = ((0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3))
