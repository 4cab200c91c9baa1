"""Periodic orbits: period detection on stored orbits and Newton on the k-th iterate.

A point ``u`` of period ``k`` solves ``F^k(u) = u`` in chart coordinates (the
log-ratio chart of a simplex map, the identity chart of a Euclidean map). This
module detects the period of an attractor from a simulated orbit tail, refines a
period-k orbit by Newton's method on ``G(u) = F^k(u) - u`` and reports its
multipliers, the eigenvalues of the monodromy matrix ``DF^k`` (the product of the
chart Jacobians along the orbit).

This module may import :mod:`dynsys_align.maps`,
:mod:`dynsys_align.analysis.fixed_points` (for the stability labels), the
validation helpers and the exceptions; nothing in the sweeps, plotting or the
command line.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from numba import njit, types

from .._validation import check_positive
from ..exceptions import InvalidParameter
from ..maps import _kernels as K_
from ..maps._kernels import JacobianType, StepType
from .fixed_points import classify_fixed_point

__all__ = [
    "detect_period_kernel",
    "orbit_monodromy_kernel",
    "detect_period",
    "periodic_orbit",
    "find_periodic_orbits",
    "PeriodicOrbit",
]

logger = logging.getLogger(__name__)

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(types.int64(_mat, types.int64, types.float64), cache=True)
def detect_period_kernel(U, max_period, tol):
    """Smallest period ``k <= max_period`` of a stored orbit tail, or 0 (compiled).

    Parameters
    ----------
    U : ndarray of float64, shape (n_rows, n), C-contiguous
        Successive chart states, one per row.
    max_period : int
        Largest period tested.
    tol : float
        Relative tolerance (should be > 0).

    Returns
    -------
    int
        The smallest ``k`` in ``1 .. max_period`` with
        ``max_i |U[t + k, i] - U[t, i]| <= tol * scale`` for every ``t`` with
        ``t + k < n_rows``, or 0 when there is none.

    Notes
    -----
    The norm is the maximum (infinity) norm of the difference of two states
    and ``scale = max(1, max_{t,i} |U[t, i]|)``, so ``tol`` is relative for
    large states and absolute for small ones. A period ``k`` is only tested
    when the tail holds at least ``2 k`` rows, so that every phase of the cycle
    is compared at least once. A tail with any non-finite entry has no period
    (0). Inputs are not validated: ``max_period < 1`` gives 0. The cost is at
    most ``max_period * n_rows * n`` comparisons, usually far fewer because a
    wrong ``k`` fails early.

    The signature is fixed, ``int64(float64[:, ::1], int64, float64)``, and the
    compiled code is cached, so other compiled functions call it directly.

    Examples
    --------
    >>> import numpy as np
    >>> U = np.array([[0.0], [1.0], [2.0]] * 4)
    >>> int(detect_period_kernel(U, 10, 1e-12))
    3
    """
    n_rows = U.shape[0]
    n = U.shape[1]
    scale = 1.0
    for t in range(n_rows):
        for i in range(n):
            a = abs(U[t, i])
            if not math.isfinite(a):
                return 0
            if a > scale:
                scale = a
    thr = tol * scale
    for k in range(1, max_period + 1):
        if 2 * k > n_rows:
            break
        periodic = True
        for t in range(n_rows - k):
            for i in range(n):
                if not abs(U[t + k, i] - U[t, i]) <= thr:
                    periodic = False
                    break
            if not periodic:
                break
        if periodic:
            return k
    return 0


@njit(
    types.boolean(StepType, JacobianType, types.boolean, types.boolean, _vec, _vec,
                  types.int64, _mat, _mat),
    cache=True,
)
def orbit_monodromy_kernel(step, jac, has_jac, simplex, u0, p, k, orbit, M):
    """Iterate ``k`` times from ``u0`` and accumulate the monodromy matrix (compiled).

    Parameters
    ----------
    step, jac : compiled kernels
        The map's step and Jacobian kernels (``map.kernels[:2]``).
    has_jac, simplex : bool
        Whether ``jac`` is a real Jacobian, and whether the map is a simplex map
        (``map.kernels[2:]``).
    u0 : ndarray of float64, shape (n,)
        Start in chart coordinates.
    p : ndarray of float64
        Parameter vector (writable, contiguous).
    k : int
        Number of steps.
    orbit : ndarray of float64, shape (k + 1, n)
        Output: the chart states ``u_0, ..., u_k``.
    M : ndarray of float64, shape (n, n)
        Output: ``DF(u_{k-1}) ... DF(u_0)``, the chart Jacobian of ``F^k`` at
        ``u0`` by the chain rule.

    Returns
    -------
    bool
        True when every state and Jacobian entry stayed finite. Otherwise False,
        with NaN in ``M`` and in the rows of ``orbit`` not reached.

    Notes
    -----
    Each factor comes from :func:`~dynsys_align.maps._kernels.chart_jacobian`,
    so a map without an analytic Jacobian gets central differences (``2 n``
    extra steps per factor). Cost: ``k`` steps, ``k`` Jacobians and ``k n^3``
    multiply-adds.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps.classic import Logistic
    >>> m = Logistic(3.2)
    >>> orbit, M = np.empty((3, 1)), np.empty((1, 1))
    >>> ok = orbit_monodromy_kernel(*m.kernels, np.array([0.3]), np.array([3.2]),
    ...                             2, orbit, M)
    >>> bool(ok), orbit[:, 0].round(6).tolist()
    (True, [0.3, 0.672, 0.705331])
    >>> round(float(M[0, 0]), 6)     # r (1 - 2 * 0.3) * r (1 - 2 * 0.672)
    -1.409024
    """
    n = u0.size
    zin, zout, work, Jz = K_.chart_workspace(n, simplex)
    J = np.empty((n, n))
    tmp = np.empty((n, n))
    orbit[:, :] = np.nan
    M[:, :] = 0.0
    for i in range(n):
        M[i, i] = 1.0
        orbit[0, i] = u0[i]
    for t in range(k):
        u = orbit[t]
        v = orbit[t + 1]
        K_.chart_jacobian_into(step, jac, has_jac, simplex, u, p, zin, zout, work, Jz, J)
        K_.chart_step(step, simplex, u, p, zin, zout, v)
        for i in range(n):
            for j in range(n):
                acc = 0.0
                for r in range(n):
                    acc += J[i, r] * M[r, j]
                tmp[i, j] = acc
        ok = True
        for i in range(n):
            if not math.isfinite(v[i]):
                ok = False
            for j in range(n):
                M[i, j] = tmp[i, j]
                if not math.isfinite(tmp[i, j]):
                    ok = False
        if not ok:
            M[:, :] = np.nan
            for s in range(t + 1, k + 1):
                orbit[s, :] = np.nan
            return False
    return True


# --- helpers shared with the continuation module -------------------------------


def _check_tol(tol, name: str, allow_zero: bool = False) -> float:
    return check_positive(tol, name, allow_zero=allow_zero)


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidParameter(f"{name} must be an integer, got {name} = {value!r}")
    v = int(value)
    if v < minimum:
        raise InvalidParameter(f"{name} must be >= {minimum}, got {name} = {v}")
    return v


def _sorted_eigvals(M) -> np.ndarray:
    # the order fixed_points uses: decreasing modulus, then real, then imaginary part
    mu = np.linalg.eigvals(M).astype(complex)
    order = np.lexsort((-mu.imag, -mu.real, -np.abs(mu)))
    return mu[order]


def _writable(p) -> np.ndarray:
    # compiled kernels take writable contiguous arrays; map.params is read-only
    p = np.ascontiguousarray(p, dtype=float)
    return p if p.flags.writeable else p.copy()


def _iterate(kernels, u, p, k):
    """``(orbit, monodromy, finite)`` of ``k`` steps from chart point ``u``."""
    step, jac, has_jac, simplex = kernels
    n = u.size
    orbit = np.empty((k + 1, n))
    M = np.empty((n, n))
    ok = orbit_monodromy_kernel(step, jac, has_jac, simplex,
                                _writable(u), _writable(p), k, orbit, M)
    return orbit, M, ok


def _power(kernels, u, p, k) -> np.ndarray:
    """``F^k(u)`` in chart coordinates (NaN if the orbit overflows)."""
    step, _, _, simplex = kernels
    v, done = K_.advance_chart(step, simplex, _writable(u), _writable(p), int(k))
    if done < k:
        return np.full(u.size, np.nan)
    return v


def _minimal_period(kernels, u, p, k, thr) -> int:
    for d in range(1, k):
        if k % d == 0 and np.max(np.abs(_power(kernels, u, p, d) - u)) <= thr:
            return d
    return k


def _newton_periodic(kernels, u0, p, k, tol, max_iter):
    """Newton on ``F^k(u) - u`` in the chart, with a backtracking safeguard.

    Returns ``(u, residual, orbit, M, n_iter, converged, message)``.
    """
    u = np.array(u0, dtype=float)
    orbit, M, ok = _iterate(kernels, u, p, k)
    if not ok:
        return u, np.inf, orbit, M, 0, False, "the orbit of the initial guess overflows"
    G = orbit[k] - u
    res = float(np.max(np.abs(G)))
    eye = np.eye(u.size)
    for it in range(max_iter + 1):
        scale = max(1.0, float(np.max(np.abs(u))))
        if res <= tol * scale:
            return u, res, orbit, M, it, True, "converged"
        if it == max_iter:
            break
        A = M - eye
        try:
            du = np.linalg.solve(A, -G)
        except np.linalg.LinAlgError:
            du = np.linalg.lstsq(A, -G, rcond=None)[0]
        if not np.all(np.isfinite(du)):
            return u, res, orbit, M, it, False, "singular Newton system (multiplier 1)"
        # Backtracking: accept the first step length that lowers the residual;
        # if none does, take the shortest tried (Newton may need to climb).
        lam = 1.0
        for _ in range(12):
            trial = u + lam * du
            o2, M2, ok2 = _iterate(kernels, trial, p, k)
            if ok2:
                r2 = float(np.max(np.abs(o2[k] - trial)))
                if r2 < res:
                    break
            lam *= 0.5
        if not ok2:
            return u, res, orbit, M, it, False, "Newton iterates left every bounded set"
        u, orbit, M = trial, o2, M2
        G = orbit[k] - u
        res = float(np.max(np.abs(G)))
    return (u, res, orbit, M, max_iter, False,
            f"no convergence in {max_iter} Newton iterations (residual {res:.3g})")


@dataclass(frozen=True, eq=False)
class PeriodicOrbit:
    """A periodic orbit refined by Newton's method, with its multipliers.

    Attributes
    ----------
    period : int
        The period ``k`` that was solved for (``F^k(u) = u``).
    minimal_period : int
        The smallest ``d`` dividing ``k`` with ``F^d(u) = u`` at the solution.
    points : ndarray, shape (k, dim)
        The orbit in native coordinates (policies for a simplex map).
    chart_points : ndarray, shape (k, chart_dim)
        The orbit in chart coordinates; row 0 is the refined point.
    multipliers : ndarray of complex, shape (chart_dim,)
        Eigenvalues of the monodromy matrix ``DF^k``, sorted by decreasing modulus.
    monodromy : ndarray, shape (chart_dim, chart_dim)
        The monodromy matrix itself.
    stability : str
        Label from :func:`~dynsys_align.analysis.fixed_points.classify_fixed_point`
        applied to the multipliers (``"unknown"`` when Newton failed).
    residual : float
        ``max |F^k(u) - u|`` at the returned point (chart coordinates).
    success : bool
        Whether Newton converged to an orbit of minimal period ``k``.
    message : str
        What happened.
    n_iter : int
        Newton iterations used.
    """

    period: int
    minimal_period: int
    points: np.ndarray
    chart_points: np.ndarray
    multipliers: np.ndarray
    monodromy: np.ndarray
    stability: str
    residual: float
    success: bool
    message: str
    n_iter: int = field(default=0)


def _make_orbit(map, u, res, orbit, M, k, n_iter, converged, message, tol,
                stability_tol=1e-8):
    kernels = map.kernels
    p = map.params
    chart = np.array(orbit[:k])
    if converged and np.all(np.isfinite(M)):
        mu = _sorted_eigvals(M)
        scale = max(1.0, float(np.max(np.abs(chart))))
        d = _minimal_period(kernels, u, p, k, max(1e3 * tol, 1e-9) * scale)
        label = classify_fixed_point(mu, stability_tol)
    else:
        mu = np.full(u.size, np.nan, dtype=complex)
        d = k
        label = "unknown"
    success = bool(converged and d == k)
    if converged and d < k:
        message = (f"Newton converged to an orbit of minimal period {d}, not the "
                   f"requested period {k}")
    return PeriodicOrbit(
        period=k, minimal_period=d, points=map.from_chart(chart), chart_points=chart,
        multipliers=mu, monodromy=np.array(M), stability=label, residual=float(res),
        success=success, message=message, n_iter=int(n_iter),
    )


def periodic_orbit(map, x0, period: int, *, tol: float = 1e-11,
                   max_iter: int = 50) -> PeriodicOrbit:
    """Refine a period-``k`` orbit of a map by Newton's method on ``F^k(u) - u``.

    Parameters
    ----------
    map : UpdateMap
        Any update map, built-in or user-defined.
    x0 : array_like
        Initial guess for one point of the orbit, in native coordinates (a
        policy with positive entries for a simplex map).
    period : int
        The period ``k >= 1`` to solve for (``k = 1``: a fixed point).
    tol : float, optional
        Convergence when ``max |F^k(u) - u| <= tol * max(1, max |u|)`` in chart
        coordinates.
    max_iter : int, optional
        Maximum number of Newton iterations.

    Returns
    -------
    PeriodicOrbit
        The orbit, its residual, multipliers, stability label, ``success`` and
        ``message``.

    Raises
    ------
    InvalidParameter
        If ``period`` or ``max_iter`` is not a positive integer, ``tol`` is not
        positive, or ``x0`` is not a valid state of the map.

    Warns
    -----
    RuntimeWarning
        If Newton does not converge, or converges to an orbit whose minimal
        period is a proper divisor of ``period`` (``success`` is then False).

    Notes
    -----
    Each iteration integrates ``k`` steps with the chart Jacobians, forms the
    monodromy matrix ``M = DF(u_{k-1}) ... DF(u_0)`` and solves
    ``(M - I) du = -(F^k(u) - u)``; a backtracking safeguard halves the step
    until the residual decreases. Convergence is quadratic near a hyperbolic
    orbit but degrades where ``M`` has a multiplier near 1 (``M - I`` nearly
    singular: a fold of the orbit). For long periods of chaotic maps the
    product ``M`` grows like ``exp(k * lambda_max)`` and the attainable
    residual is limited by rounding, so ``tol`` may then need to be raised.
    A map without an analytic Jacobian uses central differences (about 1e-10
    accurate), which slows Newton near the solution but does not change it.

    Examples
    --------
    The 2-cycle of the logistic map ``x -> r x (1 - x)`` at ``r = 3.2`` has
    multiplier ``4 + 2 r - r^2 = 0.16``:

    >>> from dynsys_align.maps.classic import Logistic
    >>> m = Logistic(3.2)
    >>> orb = periodic_orbit(m, [0.5], 2)
    >>> orb.success, orb.stability
    (True, 'stable node')
    >>> round(float(orb.multipliers[0].real), 10)
    0.16
    """
    k = _check_int(period, "period", 1)
    max_iter = _check_int(max_iter, "max_iter", 1)
    tol = _check_tol(tol, "tol")
    u0 = map.to_chart(x0)
    out = _newton_periodic(map.kernels, u0, _writable(map.params), k, tol, max_iter)
    orb = _make_orbit(map, *out[:4], k, *out[4:], tol)
    if not orb.success:
        warnings.warn(f"periodic_orbit: {orb.message}", RuntimeWarning, stacklevel=2)
    return orb


def detect_period(map, x0=None, *, n_transient: int = 1000, n_keep: int = 256,
                  max_period: int = 64, tol: float = 1e-8) -> int:
    """Period of the attractor reached from ``x0``, or 0 if none is found.

    Parameters
    ----------
    map : UpdateMap
        Any update map.
    x0 : array_like, optional
        Initial state in native coordinates; the map's default state if omitted.
    n_transient : int, optional
        Steps discarded before the orbit tail is stored.
    n_keep : int, optional
        Length of the stored tail (rows); periods up to ``n_keep // 2`` can be seen.
    max_period : int, optional
        Largest period tested.
    tol : float, optional
        Relative tolerance of :func:`detect_period_kernel` (infinity norm, scale
        ``max(1, max |u|)`` over the tail).

    Returns
    -------
    int
        The smallest period ``k <= max_period`` of the tail in chart
        coordinates, 0 when the tail is not periodic within ``tol`` (chaos,
        quasi-periodic motion, a transient that has not died out, or an orbit
        that overflowed, which is logged).

    Raises
    ------
    InvalidParameter
        If a count is not a positive integer, ``tol`` is not positive or ``x0``
        is not a valid state.

    Notes
    -----
    Cost: ``n_transient + n_keep`` map steps plus ``O(max_period * n_keep)``
    comparisons. Near a bifurcation the approach to the attractor is slow
    (the leading multiplier is close to the unit circle) and a short transient
    gives 0; a collapsing simplex orbit drifts to infinity in the chart and has
    no period.

    Examples
    --------
    >>> from dynsys_align.maps.classic import Logistic
    >>> m = Logistic(3.5)
    >>> detect_period(m, [0.3])
    4
    """
    n_transient = _check_int(n_transient, "n_transient", 0)
    n_keep = _check_int(n_keep, "n_keep", 2)
    max_period = _check_int(max_period, "max_period", 1)
    tol = _check_tol(tol, "tol")
    u0 = map.to_chart(map.default_state() if x0 is None else x0)
    step, _, _, simplex = map.kernels
    p = _writable(map.params)
    u, done = K_.advance_chart(step, simplex, u0, p, n_transient)
    if done < n_transient:
        logger.warning("detect_period: the orbit overflowed after %d steps", done)
        return 0
    U, done = K_.orbit_chart(step, simplex, np.ascontiguousarray(u), p, n_keep - 1, 1)
    if done < n_keep - 1:
        logger.warning("detect_period: the orbit overflowed after %d steps",
                       n_transient + done)
        return 0
    return int(detect_period_kernel(U, max_period, tol))


def _same_orbit(a: PeriodicOrbit, b: PeriodicOrbit, tol: float) -> bool:
    if a.period != b.period:
        return False
    scale = max(1.0, float(np.max(np.abs(a.chart_points))))
    d = np.max(np.abs(b.chart_points - a.chart_points[0]), axis=1)
    return bool(np.min(d) <= tol * scale)


def find_periodic_orbits(map, starts=None, *, n_starts: int = 8, rng=None,
                         n_transient: int = 1000, n_keep: int = 256,
                         max_period: int = 64, detect_tol: float = 1e-8,
                         tol: float = 1e-11, max_iter: int = 50
                         ) -> list[PeriodicOrbit]:
    """Attracting periodic orbits found by simulation, detection and refinement.

    From each start the map is iterated, the period of the tail is detected
    with :func:`detect_period`, and the orbit is refined by Newton's method
    from the last stored state. Orbits that fail to refine, or that are not
    attracting (a multiplier of modulus above ``1 + 1e-6``), are dropped;
    duplicates (one orbit reached from several starts, in any phase) are kept
    once.

    Parameters
    ----------
    map : UpdateMap
        Any update map.
    starts : array_like, optional
        Initial states (rows, native coordinates). Default: the map's default
        state plus ``n_starts - 1`` random states drawn with ``rng``: policies
        from the flat Dirichlet distribution for a simplex map, the default
        state plus a uniform perturbation in ``[-1, 1]`` per coordinate
        otherwise.
    n_starts : int, optional
        Number of starts when ``starts`` is omitted.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the random starts.
    n_transient, n_keep, max_period, detect_tol
        Passed to :func:`detect_period` (``detect_tol`` as its ``tol``).
    tol, max_iter
        Passed to the Newton refinement (see :func:`periodic_orbit`).

    Returns
    -------
    list of PeriodicOrbit
        Distinct attracting orbits, sorted by period, then by the first chart
        coordinate of their lexicographically smallest point.

    Raises
    ------
    InvalidParameter
        On invalid counts, tolerances or starts.

    Notes
    -----
    Only attractors reached from the starts are found; unstable orbits (and
    attractors with tiny basins) are not. Euclidean random starts that
    overflow are skipped, so give ``starts`` for maps whose bounded region is
    not around the default state. Cost: one simulation of ``n_transient +
    n_keep`` steps per start plus a few Newton iterations per detected orbit.

    Examples
    --------
    >>> from dynsys_align.maps.classic import Logistic
    >>> m = Logistic(3.2)
    >>> orbits = find_periodic_orbits(m, starts=[[0.2], [0.7]])
    >>> [(o.period, o.stability) for o in orbits]
    [(2, 'stable node')]
    """
    n_starts = _check_int(n_starts, "n_starts", 1)
    detect_tol = _check_tol(detect_tol, "detect_tol")
    tol = _check_tol(tol, "tol")
    max_iter = _check_int(max_iter, "max_iter", 1)
    if starts is None:
        gen = np.random.default_rng(rng)
        rows = [map.default_state()]
        for _ in range(n_starts - 1):
            if map.is_simplex:
                rows.append(gen.dirichlet(np.ones(map.dim)))
            else:
                rows.append(map.default_state() + gen.uniform(-1.0, 1.0, map.dim))
        starts = rows
    else:
        starts = np.asarray(starts, dtype=float)
        if starts.ndim == 1:
            starts = starts[None, :]
        if starts.ndim != 2 or starts.shape[1] != map.dim:
            raise InvalidParameter(
                f"starts must have shape (m, {map.dim}), got {starts.shape}"
            )
    found: list[PeriodicOrbit] = []
    step, _, _, simplex = map.kernels
    p = _writable(map.params)
    for x in starts:
        k = detect_period(map, x, n_transient=n_transient, n_keep=n_keep,
                          max_period=max_period, tol=detect_tol)
        if k == 0:
            continue
        u = map.to_chart(x)
        u, _ = K_.advance_chart(step, simplex, u, p, n_transient + n_keep - 1)
        out = _newton_periodic(map.kernels, u, p, k, tol, max_iter)
        orb = _make_orbit(map, *out[:4], k, *out[4:], tol)
        if not orb.success:
            logger.debug("find_periodic_orbits: dropped a period-%d orbit: %s", k,
                         orb.message)
            continue
        if np.max(np.abs(orb.multipliers)) > 1.0 + 1e-6:
            logger.debug("find_periodic_orbits: dropped an unstable period-%d orbit", k)
            continue
        if not any(_same_orbit(o, orb, 1e-6) for o in found):
            found.append(orb)
    # present each orbit from its lexicographically smallest chart point
    for idx, o in enumerate(found):
        i = min(range(o.period), key=lambda j: tuple(o.chart_points[j]))
        found[idx] = replace(o, chart_points=np.roll(o.chart_points, -i, axis=0),
                             points=np.roll(o.points, -i, axis=0))
    found.sort(key=lambda o: (o.period, tuple(o.chart_points[0])))
    return found
