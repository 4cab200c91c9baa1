"""Closed-form thresholds of the iterated alignment maps.

The formulas here come from "How Sampling Shapes LLM Alignment: From One-Shot
Optima to Iterative Dynamics" (arXiv 2602.12180) and from the derived facts in
the package's model notes. They cost nothing to evaluate, so plots draw them as
overlays on regime maps and bifurcation diagrams, and tests compare the
numerical analyses with them.

- K = 3 rock-paper-scissors cycle ``P_ij = 1/2 +- a`` with uniform base
  reference and sampler: the uniform fixed point has multipliers
  ``alpha +- i a beta lam / sqrt(3)`` and loses stability (Neimark-Sacker) at
  ``beta lam = sqrt(3 (1 - alpha^2)) / a``.
- Any ``P``: the map is a contraction when
  ``alpha + beta lam ||S||_2 / 2 < 1`` with ``S = P - 1/2``, that is below
  ``beta lam = 2 (1 - alpha) / ||S||_2``. Sufficient, not necessary.
- Strictly transitive ``P``: entropy collapse is governed by the ratio
  ``beta lam / (1 - alpha)``.

This module may import numpy, the validation helpers and the exceptions only.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_preference_array, check_positive, check_unit_interval
from .exceptions import InvalidParameter

__all__ = [
    "rps_matrix",
    "rps_neimark_sacker",
    "rps_multipliers",
    "contraction_modulus",
    "contraction_boundary",
    "collapse_ratio",
]

_SQRT3 = math.sqrt(3.0)


def _check_cycle_strength(a) -> float:
    a = check_positive(a, "a")
    if a > 0.5:
        raise InvalidParameter(
            f"cycle strength a must lie in (0, 1/2] so that 1/2 + a is a "
            f"probability, got a = {a!r}"
        )
    return a


def _unit_interval_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    for v in np.unique(arr):
        check_unit_interval(v, name)
    return arr


def _scalar_or_array(x: np.ndarray):
    return float(x) if np.ndim(x) == 0 else x


def rps_matrix(a: float) -> np.ndarray:
    """Preference matrix of the K = 3 rock-paper-scissors cycle.

    Response 0 beats 1, 1 beats 2 and 2 beats 0, each with probability
    ``1/2 + a``.

    Parameters
    ----------
    a : float in (0, 1/2]
        Cycle strength.

    Returns
    -------
    numpy.ndarray, shape (3, 3)
        ``P`` with ``P_ii = 1/2``, ``P_01 = P_12 = P_20 = 1/2 + a`` and
        ``P_ji = 1 - P_ij``.

    Raises
    ------
    InvalidParameter
        If ``a`` is not in (0, 1/2].

    Examples
    --------
    >>> rps_matrix(0.25)
    array([[0.5 , 0.75, 0.25],
           [0.25, 0.5 , 0.75],
           [0.75, 0.25, 0.5 ]])
    """
    a = _check_cycle_strength(a)
    return np.array(
        [[0.5, 0.5 + a, 0.5 - a], [0.5 - a, 0.5, 0.5 + a], [0.5 + a, 0.5 - a, 0.5]]
    )


def rps_neimark_sacker(a: float, alpha):
    """Critical ``beta lam`` of the Neimark-Sacker bifurcation of the K = 3 cycle.

    With uniform base reference and sampler the uniform policy is a fixed point
    of MRS-IPO on the cycle :func:`rps_matrix`; it is stable for
    ``beta lam`` below ``sqrt(3 (1 - alpha^2)) / a`` and unstable above it,
    where a complex pair of multipliers crosses the unit circle.

    Parameters
    ----------
    a : float in (0, 1/2]
        Cycle strength.
    alpha : float or array_like in [0, 1]
        Weight of the current policy in the reference mix.

    Returns
    -------
    float or numpy.ndarray
        The critical product ``beta * lam`` (0 at ``alpha = 1``: the uniform
        point of Hedge on a cyclic game is never asymptotically stable).

    Raises
    ------
    InvalidParameter
        If ``a`` is not in (0, 1/2] or ``alpha`` is not in [0, 1].

    Notes
    -----
    From ``|alpha + i a beta lam / sqrt(3)|^2 = 1``, i.e. the paper's condition
    ``alpha^2 + a^2 beta^2 lam^2 / 3 > 1`` for instability.

    Examples
    --------
    >>> round(rps_neimark_sacker(0.25, 0.5), 6)
    6.0
    """
    a = _check_cycle_strength(a)
    alpha = _unit_interval_array(alpha, "alpha")
    return _scalar_or_array(np.sqrt(3.0 * (1.0 - alpha**2)) / a)


def rps_multipliers(a: float, alpha: float, beta: float, lam: float) -> np.ndarray:
    """Multipliers of the uniform fixed point of MRS-IPO on the K = 3 cycle.

    Parameters
    ----------
    a : float in (0, 1/2]
        Cycle strength.
    alpha, lam : float in [0, 1]
        Reference and sampling mix weights.
    beta : float > 0
        Preference strength.

    Returns
    -------
    numpy.ndarray of complex, shape (2,)
        ``alpha + i a beta lam / sqrt(3)`` and its conjugate, the eigenvalues
        of the Jacobian in the log-ratio chart at the uniform policy.

    Raises
    ------
    InvalidParameter
        If a parameter is outside its range.

    Examples
    --------
    >>> rps_multipliers(0.25, 0.5, 4.0, 1.0).round(6)
    array([0.5+0.57735j, 0.5-0.57735j])
    """
    a = _check_cycle_strength(a)
    alpha = check_unit_interval(alpha, "alpha")
    lam = check_unit_interval(lam, "lam")
    beta = check_positive(beta, "beta")
    omega = a * beta * lam / _SQRT3
    return np.array([complex(alpha, omega), complex(alpha, -omega)])


def _skew_norm(P) -> float:
    A = as_preference_array(P)
    return float(np.linalg.norm(A - 0.5, 2))


def contraction_modulus(P, alpha: float, beta: float, lam: float) -> float:
    """Contraction bound ``alpha + beta lam ||P - 1/2||_2 / 2`` of MRS-IPO.

    Parameters
    ----------
    P : PreferenceMatrix or array_like, shape (K, K)
        Preference matrix.
    alpha, lam : float in [0, 1]
        Reference and sampling mix weights.
    beta : float > 0
        Preference strength.

    Returns
    -------
    float
        The bound ``q``. When ``q < 1`` the map (in logits modulo constants,
        Euclidean norm) is a contraction with modulus at most ``q``: a unique
        interior fixed point attracts every orbit.

    Raises
    ------
    InvalidPreferenceMatrix, InvalidParameter
        On an invalid matrix or a parameter outside its range.

    Notes
    -----
    The Jacobian in logits is ``alpha I + beta lam S D`` with
    ``D = diag(pi) - pi pi^T`` and ``||D||_2 <= 1/2``, which gives the bound.
    It is sufficient, not necessary: orbits often converge well above it.

    Examples
    --------
    >>> round(contraction_modulus(rps_matrix(0.25), 0.5, 1.0, 1.0), 6)
    0.716506
    """
    alpha = check_unit_interval(alpha, "alpha")
    lam = check_unit_interval(lam, "lam")
    beta = check_positive(beta, "beta")
    return alpha + 0.5 * beta * lam * _skew_norm(P)


def contraction_boundary(P, alpha):
    """The product ``beta lam`` at which :func:`contraction_modulus` reaches 1.

    Parameters
    ----------
    P : PreferenceMatrix or array_like, shape (K, K)
        Preference matrix.
    alpha : float or array_like in [0, 1]
        Weight of the current policy in the reference mix.

    Returns
    -------
    float or numpy.ndarray
        ``2 (1 - alpha) / ||P - 1/2||_2``; ``inf`` when ``P`` is all ties
        (the map is then a contraction for every ``beta lam`` if ``alpha < 1``).

    Raises
    ------
    InvalidPreferenceMatrix, InvalidParameter
        On an invalid matrix or ``alpha`` outside [0, 1].

    Examples
    --------
    >>> round(contraction_boundary(rps_matrix(0.25), 0.5), 6)
    2.309401
    """
    norm = _skew_norm(P)
    alpha = _unit_interval_array(alpha, "alpha")
    with np.errstate(divide="ignore"):
        out = np.where(norm > 0.0, 2.0 * (1.0 - alpha) / max(norm, 1e-300), np.inf)
    return _scalar_or_array(out)


def collapse_ratio(alpha, beta, lam):
    """Ratio ``beta lam / (1 - alpha)`` that controls entropy collapse.

    For a strictly transitive ``P`` (and ``lam = 1``, uniform reference) the
    fixed point of MRS-IPO depends on the parameters only through this ratio,
    and its entropy falls towards 0 as the ratio grows.

    Parameters
    ----------
    alpha, lam : float or array_like in [0, 1]
        Reference and sampling mix weights.
    beta : float or array_like > 0
        Preference strength.

    Returns
    -------
    float or numpy.ndarray
        The ratio, ``inf`` where ``alpha = 1`` (no finite fixed point: the
        policy converges to the top response).

    Raises
    ------
    InvalidParameter
        If a parameter is outside its range.

    Examples
    --------
    >>> collapse_ratio(0.5, 4.0, 0.5)
    4.0
    >>> collapse_ratio(1.0, 4.0, 0.5)
    inf
    """
    alpha = _unit_interval_array(alpha, "alpha")
    lam = _unit_interval_array(lam, "lam")
    beta = np.asarray(beta, dtype=float)
    for v in np.unique(beta):
        check_positive(v, "beta")
    num = beta * lam
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(alpha < 1.0, num / np.where(alpha < 1.0, 1.0 - alpha, 1.0),
                       np.inf)
    return _scalar_or_array(out)
