"""Fixed points of update maps, their multipliers and their stability.

A fixed point solves ``F(u) = u`` in the chart of the map (the additive
log-ratio chart for simplex maps, so only interior points of the simplex are
fixed points here). Its *multipliers* are the eigenvalues of the chart
Jacobian ``DF(u)``: it attracts nearby orbits when all of them lie inside the
unit circle and repels along every direction outside it; a multiplier on the
unit circle makes it non-hyperbolic (the place of bifurcations: fold or flip
at +1 or -1, Neimark-Sacker for a complex pair).

:func:`fixed_points` runs a safeguarded Newton method from many seeded starts
and returns the distinct solutions; :func:`newton_fixed_point` is the
single-start solver; :func:`multipliers` and :func:`classify_fixed_point`
analyse a given point.

This module may import :mod:`dynsys_align.maps`, the validation helpers, the
exceptions and the other private helpers of :mod:`dynsys_align.analysis`.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
from numba import njit, types

from .._linalg import EPS, lu_solve_inplace
from .._validation import check_positive
from ..exceptions import ConvergenceError, InvalidParameter
from ..maps import _kernels as K_
from .lyapunov import (
    EUCLIDEAN_ESCAPE_RADIUS,
    SIMPLEX_ESCAPE_RADIUS,
    STATUS_OK,
    _escape_code,
)

__all__ = [
    "FixedPoint",
    "NewtonResult",
    "fixed_points",
    "newton_fixed_point",
    "multipliers",
    "classify_fixed_point",
    "newton_kernel",
    "STABILITY_LABELS",
    "NEWTON_CONVERGED",
    "NEWTON_MAX_ITER",
    "NEWTON_NO_DECREASE",
    "NEWTON_ESCAPED",
    "NEWTON_NON_FINITE",
]

logger = logging.getLogger(__name__)

#: The labels :func:`classify_fixed_point` can return.
STABILITY_LABELS = ("stable node", "stable focus", "saddle", "unstable node",
                    "unstable focus", "non-hyperbolic")

#: Newton status: the residual met the tolerance.
NEWTON_CONVERGED = 0
#: Newton status: ``max_iter`` iterations without meeting the tolerance.
NEWTON_MAX_ITER = 1
#: Newton status: the line search found no decrease of the residual.
NEWTON_NO_DECREASE = 2
#: Newton status: the iterates ran to the escape radius (the boundary of the
#: simplex, or infinity for a Euclidean map) and could not get further.
NEWTON_ESCAPED = 3
#: Newton status: the start or the map's value there is not finite.
NEWTON_NON_FINITE = 4

_NEWTON_MESSAGES = {
    NEWTON_CONVERGED: "converged",
    NEWTON_MAX_ITER: "reached max_iter without meeting the tolerance",
    NEWTON_NO_DECREASE: (
        "the line search found no decrease of the residual (a singular or "
        "ill-conditioned F'(u) - I, or a local minimum of |F(u) - u| that is not "
        "a root)"
    ),
    NEWTON_ESCAPED: (
        "the iterates ran to the escape radius: the residual keeps decreasing "
        "towards the boundary of the simplex (or infinity), where no fixed point "
        "of the chart lies"
    ),
    NEWTON_NON_FINITE: "the start or the map's value there is not finite",
}

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(types.void(K_.StepType, types.boolean, _vec, _vec, _vec, _vec, _vec, _vec),
      cache=True)
def _residual(step, simplex, u, p, zin, zout, fu, g):
    K_.chart_step(step, simplex, u, p, zin, zout, fu)
    for i in range(u.size):
        g[i] = fu[i] - u[i]


@njit(types.Tuple((_vec, types.float64, types.int64, types.int64))(
    K_.StepType, K_.JacobianType, types.boolean, types.boolean, _vec, _vec,
    types.float64, types.int64, types.float64), cache=True)
def newton_kernel(step, jac, has_jac, simplex, u0, p, tol, max_iter, escape_radius):
    """Safeguarded Newton iteration for ``F(u) - u = 0`` in chart coordinates.

    Each iteration solves ``(DF(u) - I) d = -(F(u) - u)`` (steepest descent
    on ``|F(u) - u|^2 / 2`` when that matrix is numerically singular), then
    halves the step until the Armijo condition holds on ``|F(u) - u|_2^2`` and
    the trial point stays inside the escape radius (logit spread for simplex
    maps, max norm for Euclidean maps).

    Returns
    -------
    u : ndarray
        Last iterate.
    residual : float
        ``max_i |F(u)_i - u_i|`` at ``u``.
    n_iter : int
        Newton iterations taken.
    status : int
        One of ``NEWTON_CONVERGED`` (``residual <= tol * (1 + max|u|)``),
        ``NEWTON_MAX_ITER``, ``NEWTON_NO_DECREASE``, ``NEWTON_ESCAPED``,
        ``NEWTON_NON_FINITE``.
    """
    n = u0.size
    zin, zout, work, Jz = K_.chart_workspace(n, simplex)
    fu = np.empty(n)
    g = np.empty(n)
    gn = np.empty(n)
    un = np.empty(n)
    d = np.empty(n)
    Jd = np.empty(n)
    J = np.empty((n, n))
    A = np.empty((n, n))
    u = u0.copy()

    if _escape_code(simplex, u, escape_radius) != STATUS_OK:
        return u, np.nan, 0, NEWTON_ESCAPED
    _residual(step, simplex, u, p, zin, zout, fu, g)
    for i in range(n):
        if not math.isfinite(g[i]):
            return u, np.nan, 0, NEWTON_NON_FINITE

    for it in range(max_iter + 1):
        r = 0.0
        unorm = 0.0
        phi = 0.0
        for i in range(n):
            r = max(r, abs(g[i]))
            unorm = max(unorm, abs(u[i]))
            phi += 0.5 * g[i] * g[i]
        if r <= tol * (1.0 + unorm):
            return u, r, it, NEWTON_CONVERGED
        if it == max_iter:
            break

        K_.chart_jacobian_into(step, jac, has_jac, simplex, u, p, zin, zout, work, Jz, J)
        for i in range(n):
            for j in range(n):
                A[i, j] = J[i, j]
            A[i, i] -= 1.0
            d[i] = -g[i]
        solved = lu_solve_inplace(A, d, n * EPS)
        for i in range(n):
            for j in range(n):
                A[i, j] = J[i, j]
            A[i, i] -= 1.0
        if solved:
            for i in range(n):
                if not math.isfinite(d[i]):
                    solved = False
        if not solved:
            # steepest descent on |g|^2 / 2: d = -A^T g
            for j in range(n):
                acc = 0.0
                for i in range(n):
                    acc += A[i, j] * g[i]
                d[j] = -acc
        slope = 0.0
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += A[i, j] * d[j]
            Jd[i] = acc
            slope += g[i] * acc
        if not slope < 0.0:
            return u, r, it, NEWTON_NO_DECREASE

        t = 1.0
        accepted = False
        escaped = False
        for _ in range(60):
            for i in range(n):
                un[i] = u[i] + t * d[i]
            if _escape_code(simplex, un, escape_radius) != STATUS_OK:
                escaped = True
                t *= 0.5
                continue
            _residual(step, simplex, un, p, zin, zout, fu, gn)
            phin = 0.0
            for i in range(n):
                phin += 0.5 * gn[i] * gn[i]
            if math.isfinite(phin) and phin <= phi + 1e-4 * t * slope:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            return u, r, it, NEWTON_ESCAPED if escaped else NEWTON_NO_DECREASE
        for i in range(n):
            u[i] = un[i]
            g[i] = gn[i]
    return u, r, max_iter, NEWTON_MAX_ITER


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """A fixed point with its multipliers and stability label.

    Attributes
    ----------
    x : ndarray
        The point in native coordinates (the policy for simplex maps).
    u : ndarray
        The point in chart coordinates.
    residual : float
        ``max_i |F(u)_i - u_i|`` in the chart.
    multipliers : ndarray of complex
        Eigenvalues of the chart Jacobian at ``u``, by decreasing modulus.
    stability : str
        One of :data:`STABILITY_LABELS` (see :func:`classify_fixed_point`).
    """

    x: np.ndarray
    u: np.ndarray
    residual: float
    multipliers: np.ndarray
    stability: str


@dataclass(frozen=True, eq=False)
class NewtonResult:
    """Outcome of :func:`newton_fixed_point`.

    Attributes
    ----------
    success : bool
        Whether the residual met the tolerance.
    status : int
        A ``NEWTON_*`` code of this module.
    message : str
        What happened, with the final residual.
    fixed_point : FixedPoint or None
        The fixed point (with multipliers and stability) on success.
    residual : float
        ``max_i |F(u)_i - u_i|`` at the last iterate.
    n_iter : int
        Newton iterations taken.
    last_u : ndarray
        The last chart iterate, for diagnosis (not a fixed point unless
        ``success``).
    """

    success: bool
    status: int
    message: str
    fixed_point: FixedPoint | None
    residual: float
    n_iter: int
    last_u: np.ndarray


def _sort_multipliers(mu) -> np.ndarray:
    mu = np.asarray(mu, dtype=complex).ravel()
    order = np.lexsort((-mu.imag, -mu.real, -np.abs(mu)))
    return mu[order]


def _chart_multipliers(map, u) -> np.ndarray:
    step, jac, has_jac, simplex = map.kernels
    n = map.chart_dim
    J = np.empty((n, n))
    K_.chart_jacobian(step, jac, has_jac, simplex, np.ascontiguousarray(u, float),
                      np.array(map.params, dtype=float), J)
    if not np.all(np.isfinite(J)):
        raise InvalidParameter(
            f"the chart Jacobian is not finite at u = {np.array2string(u, precision=4)}"
        )
    return _sort_multipliers(np.linalg.eigvals(J))


def multipliers(map, x) -> np.ndarray:
    """Eigenvalues of the chart Jacobian of ``map`` at the state ``x``.

    Parameters
    ----------
    map : UpdateMap
        Any update map (finite differences are used without an analytic
        Jacobian).
    x : array_like
        State in native coordinates (an interior policy for simplex maps).
        Normally a fixed point; elsewhere the eigenvalues have no dynamical
        meaning on their own.

    Returns
    -------
    ndarray of complex, shape (map.chart_dim,)
        Multipliers by decreasing modulus (ties: decreasing real, then
        imaginary part).

    Raises
    ------
    InvalidParameter, InvalidPolicy
        If ``x`` is not a valid state, or the Jacobian there is not finite.

    Notes
    -----
    For a simplex map these are the multipliers on the tangent space of the
    simplex: the chart removes the direction of adding a constant to every
    logit, which carries no information about the policy.

    Examples
    --------
    >>> from dynsys_align.maps.classic import Logistic
    >>> from dynsys_align.analysis.fixed_points import multipliers
    >>> multipliers(Logistic(2.5), [0.6])
    array([-0.5+0.j])
    """
    return _chart_multipliers(map, map.to_chart(x))


def classify_fixed_point(multipliers, tol: float = 1e-8) -> str:
    """Stability label of a fixed point from its multipliers.

    Parameters
    ----------
    multipliers : array_like of complex
        All multipliers of the fixed point (a non-empty, finite vector).
    tol : float, optional
        A multiplier with ``| |mu| - 1 | <= tol`` counts as on the unit
        circle, and one with ``|Im mu| <= tol`` as real.

    Returns
    -------
    str
        ``"non-hyperbolic"`` if some multiplier is on the unit circle;
        otherwise ``"stable ..."`` if all have modulus < 1, ``"unstable ..."``
        if all have modulus > 1, ``"saddle"`` if both kinds occur; the suffix
        is ``"focus"`` when some multiplier is non-real (orbits rotate about
        the point) and ``"node"`` when all are real.

    Raises
    ------
    InvalidParameter
        If ``multipliers`` is empty or not finite, or ``tol`` is not > 0.

    Notes
    -----
    A negative real multiplier makes orbits alternate sides of the point;
    it is still labelled "node". With ``tol`` at its default, a multiplier
    computed from a finite-difference Jacobian (accuracy about 1e-10) is
    classified reliably unless it lies within about 1e-8 of the unit circle.

    Examples
    --------
    >>> from dynsys_align.analysis.fixed_points import classify_fixed_point
    >>> classify_fixed_point([0.5 + 0.5j, 0.5 - 0.5j])
    'stable focus'
    >>> classify_fixed_point([2.0, 0.3])
    'saddle'
    >>> classify_fixed_point([-1.0, 0.3])
    'non-hyperbolic'
    """
    tol = check_positive(tol, "tol")
    try:
        mu = np.asarray(multipliers, dtype=complex).ravel()
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(
            f"multipliers must be numbers, got {multipliers!r}"
        ) from exc
    if mu.size == 0:
        raise InvalidParameter("multipliers must be a non-empty vector, got none")
    if not np.all(np.isfinite(mu)):
        raise InvalidParameter(f"multipliers must be finite, got {mu}")
    modulus = np.abs(mu)
    if np.any(np.abs(modulus - 1.0) <= tol):
        return "non-hyperbolic"
    kind = "focus" if np.any(np.abs(mu.imag) > tol) else "node"
    if np.all(modulus < 1.0):
        return f"stable {kind}"
    if np.all(modulus > 1.0):
        return f"unstable {kind}"
    return "saddle"


def _count(value, name, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, np.integer)):
        raise InvalidParameter(f"{name} must be an integer, got {name} = {value!r}")
    if value < minimum:
        raise InvalidParameter(f"{name} must be >= {minimum}, got {name} = {value!r}")
    return int(value)


def _radius(map, escape_radius):
    if escape_radius is None:
        return SIMPLEX_ESCAPE_RADIUS if map.is_simplex else EUCLIDEAN_ESCAPE_RADIUS
    return check_positive(escape_radius, "escape_radius")


def _make_fixed_point(map, u, residual, multiplier_tol):
    mu = _chart_multipliers(map, u)
    return FixedPoint(x=map.from_chart(u), u=u.copy(), residual=float(residual),
                      multipliers=mu,
                      stability=classify_fixed_point(mu, multiplier_tol))


def newton_fixed_point(map, x0, *, tol: float = 1e-12, max_iter: int = 100,
                       on_failure: str = "warn", escape_radius: float | None = None,
                       multiplier_tol: float = 1e-8) -> NewtonResult:
    """Find one fixed point of ``map`` by Newton's method from ``x0``.

    ``newton_fixed_point(map, x0, tol=1e-12, max_iter=100, on_failure="warn")
    -> NewtonResult``.

    Parameters
    ----------
    map : UpdateMap
        Any update map.
    x0 : array_like
        Start in native coordinates (an interior policy for simplex maps).
    tol : float, optional
        Convergence when ``max_i |F(u)_i - u_i| <= tol * (1 + max_i |u_i|)`` in
        the chart.
    max_iter : int, optional
        Maximum number of Newton iterations (>= 1).
    on_failure : {"warn", "raise", "ignore"}, optional
        On failure, emit a ``RuntimeWarning``, raise
        :class:`~dynsys_align.exceptions.ConvergenceError`, or only report it in
        the result.
    escape_radius : float, optional
        Trial points must keep the logit spread (simplex maps) or the max norm
        (Euclidean maps) within this radius; defaults as in
        :func:`~dynsys_align.analysis.lyapunov.lyapunov_spectrum` (100 and
        1e100).
    multiplier_tol : float, optional
        Tolerance of :func:`classify_fixed_point` for the stability label.

    Returns
    -------
    NewtonResult
        ``fixed_point`` holds the point, its multipliers and stability label on
        success and is None otherwise; ``last_u`` keeps the last iterate.

    Raises
    ------
    ConvergenceError
        On failure with ``on_failure="raise"``.
    InvalidParameter, InvalidPolicy
        On invalid arguments or start.

    Notes
    -----
    Newton's method converges quadratically from starts close enough to a
    fixed point none of whose multipliers equals 1; from farther away it may
    reach another fixed point or fail. A step is halved until the squared residual decreases (Armijo rule);
    when ``DF(u) - I`` is numerically singular a steepest-descent step is
    taken instead, so the iteration can stall at a local minimum of the
    residual that is not a root; that is reported as a failure, never as a
    fixed point. Near a multiplier equal to 1 (a fold) convergence is only
    linear and may need more than ``max_iter`` iterations. Fixed points on the
    boundary of the simplex are outside the chart and cannot be found.

    Examples
    --------
    >>> from dynsys_align.maps.classic import Logistic
    >>> from dynsys_align.analysis.fixed_points import newton_fixed_point
    >>> res = newton_fixed_point(Logistic(2.5), [0.7])
    >>> res.success, round(float(res.fixed_point.x[0]), 12), res.fixed_point.stability
    (True, 0.6, 'stable node')
    """
    if on_failure not in ("warn", "raise", "ignore"):
        raise InvalidParameter(
            f"on_failure must be 'warn', 'raise' or 'ignore', got {on_failure!r}"
        )
    tol = check_positive(tol, "tol")
    max_iter = _count(max_iter, "max_iter", 1)
    radius = _radius(map, escape_radius)
    multiplier_tol = check_positive(multiplier_tol, "multiplier_tol")
    u0 = map.to_chart(x0)
    return _newton(map, u0, tol, max_iter, radius, multiplier_tol, on_failure,
                   stacklevel=3)


def _newton(map, u0, tol, max_iter, radius, multiplier_tol, on_failure,
            stacklevel):
    step, jac, has_jac, simplex = map.kernels
    u, r, n_iter, code = newton_kernel(step, jac, has_jac, simplex,
                                       np.ascontiguousarray(u0, float),
                                       np.array(map.params, dtype=float),
                                       float(tol), int(max_iter), float(radius))
    code = int(code)
    if code == NEWTON_CONVERGED:
        fp = _make_fixed_point(map, u, r, multiplier_tol)
        message = f"converged in {n_iter} iterations, residual {r:.3g}"
        return NewtonResult(True, code, message, fp, float(r), int(n_iter), u)
    message = (f"Newton failed after {n_iter} iterations: {_NEWTON_MESSAGES[code]} "
               f"(residual {r:.3g}, tol {tol:g})")
    if on_failure == "raise":
        raise ConvergenceError(message)
    if on_failure == "warn":
        warnings.warn(message, RuntimeWarning, stacklevel=stacklevel)
    return NewtonResult(False, code, message, None, float(r), int(n_iter), u)


def _bounds_box(bounds, n):
    try:
        low, high = bounds
        low = np.broadcast_to(np.asarray(low, dtype=float), (n,)).copy()
        high = np.broadcast_to(np.asarray(high, dtype=float), (n,)).copy()
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(
            f"bounds must be a pair (low, high) of scalars or length-{n} vectors, "
            f"got {bounds!r}"
        ) from exc
    if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
        raise InvalidParameter(f"bounds must be finite, got {bounds!r}")
    if np.any(low >= high):
        raise InvalidParameter(
            f"bounds need low < high in every coordinate, got low = {low}, "
            f"high = {high}"
        )
    return low, high


def _starts(map, n_starts, rng, starts, bounds):
    n = map.chart_dim
    rows = []
    if starts is not None:
        S = np.asarray(starts, dtype=float)
        if S.ndim == 1:
            S = S[None, :]
        if S.ndim != 2 or S.shape[1] != map.dim:
            raise InvalidParameter(
                f"starts must have shape (m, {map.dim}) in native coordinates, got "
                f"{np.shape(starts)}"
            )
        rows.extend(map.to_chart(row) for row in S)
    rows.append(map.to_chart(map.default_state()))
    if n_starts > 0:
        if bounds is not None:
            low, high = bounds
            rows.extend(rng.uniform(low, high, size=(n_starts, n)))
        elif map.is_simplex:
            pis = rng.dirichlet(np.ones(map.dim), size=n_starts)
            # a Dirichlet draw can underflow to 0; nudge it into the interior
            pis = np.maximum(pis, 1e-300)
            pis /= pis.sum(axis=1, keepdims=True)
            rows.extend(map.to_chart(pi) for pi in pis)
        else:
            rows.extend(rng.uniform(-1.0, 1.0, size=(n_starts, n)))
    return [np.ascontiguousarray(r, dtype=float) for r in rows]


def fixed_points(map, *, n_starts: int = 64, rng=None, starts=None,
                 tol: float = 1e-12, max_iter: int = 100, bounds=None,
                 dedup_tol: float = 1e-6, multiplier_tol: float = 1e-8,
                 escape_radius: float | None = None) -> list[FixedPoint]:
    """Distinct fixed points of ``map`` found by Newton's method from many starts.

    ``fixed_points(map, n_starts=64, rng=None, starts=None, tol=1e-12,
    max_iter=100, bounds=None) -> list[FixedPoint]``, sorted by native
    coordinates.

    Parameters
    ----------
    map : UpdateMap
        Any update map.
    n_starts : int, optional
        Number of random starts (>= 0). Simplex maps draw policies from the
        flat Dirichlet distribution; Euclidean maps draw uniformly from
        ``[-1, 1]^n``; with ``bounds`` both draw uniformly from that box in
        chart coordinates. ``map.default_state()`` is always tried as well.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the random starts; ``None`` means seed 0, so
        repeated calls give the same result.
    starts : array_like, optional
        Extra starts in native coordinates, shape ``(m, map.dim)``.
    tol, max_iter : optional
        As in :func:`newton_fixed_point`.
    bounds : (low, high), optional
        A box in chart coordinates (scalars or length ``chart_dim`` vectors).
        When given, starts are drawn from it and only fixed points inside it
        are returned.
    dedup_tol : float, optional
        Two solutions ``u, v`` are the same fixed point when
        ``max_i |u_i - v_i| <= dedup_tol * (1 + max_i |v_i|)``; the one with
        the smaller residual is kept.
    multiplier_tol : float, optional
        Tolerance of :func:`classify_fixed_point`.
    escape_radius : float, optional
        As in :func:`newton_fixed_point`.

    Returns
    -------
    list of FixedPoint
        Distinct fixed points sorted lexicographically by native coordinates
        (the policy for simplex maps); empty if no start converged.

    Raises
    ------
    InvalidParameter, InvalidPolicy
        On invalid arguments or starts.

    Notes
    -----
    Starts that fail to converge are skipped (counted in a debug log
    message); no warning is issued because failing starts are expected when
    searching. The search is heuristic: a fixed point whose basin under the
    damped Newton iteration contains none of the starts is missed, so use more
    starts, ``starts`` or ``bounds`` when completeness matters. Fixed points
    closer than ``dedup_tol`` are merged, and fixed points on the boundary of
    the simplex are outside the chart and never returned. The cost is
    ``n_starts`` Newton runs of a few iterations each, with ``O(n^3)`` per
    iteration (plus ``2 n`` step evaluations without an analytic Jacobian).

    Examples
    --------
    The Henon map has the fixed points ``(x, 0.3 x)`` with
    ``1.4 x^2 + 0.7 x - 1 = 0``, both saddles:

    >>> import numpy as np
    >>> from dynsys_align.maps.classic import Henon
    >>> from dynsys_align.analysis.fixed_points import fixed_points
    >>> fps = fixed_points(Henon(1.4, 0.3), n_starts=16, rng=1)
    >>> [np.round(fp.x, 6) for fp in fps]
    [array([-1.131354, -0.339406]), array([0.631354, 0.189406])]
    >>> [fp.stability for fp in fps]
    ['saddle', 'saddle']
    """
    n_starts = _count(n_starts, "n_starts", 0)
    tol = check_positive(tol, "tol")
    max_iter = _count(max_iter, "max_iter", 1)
    dedup_tol = check_positive(dedup_tol, "dedup_tol")
    multiplier_tol = check_positive(multiplier_tol, "multiplier_tol")
    radius = _radius(map, escape_radius)
    box = None if bounds is None else _bounds_box(bounds, map.chart_dim)
    try:
        gen = np.random.default_rng(0 if rng is None else rng)
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(
            f"rng must be None, a non-negative integer seed or a "
            f"numpy.random.Generator, got rng = {rng!r}"
        ) from exc

    found: list[tuple[np.ndarray, float]] = []
    failures = 0
    for u0 in _starts(map, n_starts, gen, starts, box):
        res = _newton(map, u0, tol, max_iter, radius, multiplier_tol, "ignore", 2)
        if not res.success:
            failures += 1
            continue
        u, r = res.last_u, res.residual
        if box is not None and (np.any(u < box[0]) or np.any(u > box[1])):
            continue
        for i, (v, rv) in enumerate(found):
            if np.max(np.abs(u - v)) <= dedup_tol * (1.0 + np.max(np.abs(v))):
                if r < rv:
                    found[i] = (u, r)
                break
        else:
            found.append((u, r))
    logger.debug("fixed_points: %d distinct, %d starts failed", len(found), failures)

    points = [_make_fixed_point(map, u, r, multiplier_tol) for u, r in found]
    points.sort(key=lambda fp: tuple(np.round(fp.x, 9)))
    return points

