"""One-parameter continuation of fixed points and periodic orbits, with bifurcations.

A period-``k`` orbit of a map ``F(u; p)`` is a zero of ``H(u, p) = F^k(u; p) - u``
in chart coordinates. As the named parameter ``p`` varies these zeros form curves
(branches) in ``(u, p)`` space. This module follows a branch by pseudo-arclength
continuation (tangent predictor, Newton corrector on the bordered system, adaptive
step), watches test functions of the multipliers along it, locates the
bifurcations where they change sign (fold, flip / period doubling,
Neimark-Sacker), and switches at a flip onto the period-``2k`` branch, which lets
:func:`period_doubling_cascade` follow a period-doubling cascade on its own.

This module may import :mod:`dynsys_align.maps`,
:mod:`dynsys_align.analysis.periodic`, the validation helpers and the
exceptions; nothing in the sweeps, plotting or the command line.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from numba import njit, types
from scipy.optimize import brentq

from ..exceptions import ConvergenceError, InvalidParameter
from ..maps import _kernels as K_
from ..maps._kernels import JacobianType, StepType
from .fixed_points import classify_fixed_point
from .lyapunov import SIMPLEX_ESCAPE_RADIUS
from .periodic import (
    _check_int,
    _check_tol,
    _iterate,
    _minimal_period,
    _newton_periodic,
    _power,
    _sorted_eigvals,
    _writable,
)

__all__ = [
    "continue_orbit",
    "continue_doubled_orbit",
    "period_doubling_cascade",
    "Branch",
    "SpecialPoint",
    "Cascade",
    "bifurcation_test_functions",
]

logger = logging.getLogger(__name__)

#: Kinds of special points that can be detected along a branch.
DETECTABLE = ("fold", "flip", "neimark_sacker")
#: Default escape radius (largest ``max |u|``) of a continued Euclidean orbit.
EUCLIDEAN_CONTINUATION_RADIUS = 1e6


def bifurcation_test_functions(multipliers) -> dict[str, float]:
    """The three bifurcation test functions of a set of multipliers.

    Parameters
    ----------
    multipliers : array_like of complex
        Eigenvalues ``mu_1, ..., mu_n`` of the monodromy matrix ``M = DF^k``.

    Returns
    -------
    dict
        ``"fold"``: ``det(M - I) = prod (mu_i - 1)``, zero when a multiplier is
        +1; ``"flip"``: ``det(M + I) = prod (mu_i + 1)``, zero when a multiplier
        is -1; ``"neimark_sacker"``: ``prod_{i<j} (mu_i mu_j - 1)``, the
        determinant of the bialternate product ``M (.) M - I``, zero when two
        multipliers have product 1 (a complex pair on the unit circle, or a
        real pair ``mu, 1/mu``: a neutral saddle, which the continuation
        discards). Each value is real for a real matrix; the last is 1 in
        dimension one.

    Examples
    --------
    >>> v = bifurcation_test_functions([0.5 + 1j, 0.5 - 1j])
    >>> round(v["neimark_sacker"], 12)   # |mu|^2 - 1
    0.25
    >>> round(v["flip"], 12)             # |mu + 1|^2
    3.25
    """
    mu = np.atleast_1d(np.asarray(multipliers, dtype=complex))
    ns = 1.0 + 0.0j
    for i in range(mu.size):
        for j in range(i + 1, mu.size):
            ns *= mu[i] * mu[j] - 1.0
    return {
        "fold": float(np.prod(mu - 1.0).real),
        "flip": float(np.prod(mu + 1.0).real),
        "neimark_sacker": float(ns.real),
    }


@dataclass(frozen=True, eq=False)
class SpecialPoint:
    """A bifurcation located on a branch.

    Attributes
    ----------
    kind : str
        ``"fold"`` (a multiplier +1 where the branch turns back in the
        parameter), ``"branch_point"`` (a multiplier +1 where the parameter
        keeps its direction: a transcritical or pitchfork crossing),
        ``"flip"`` (a multiplier -1; period doubling) or ``"neimark_sacker"``
        (a complex pair on the unit circle).
    param : float
        Parameter value of the bifurcation.
    point : ndarray
        The orbit point there, native coordinates.
    chart_point : ndarray
        The orbit point in chart coordinates.
    multipliers : ndarray of complex
        Multipliers there, sorted by decreasing modulus.
    period : int
        Period of the orbit on whose branch the point lies.
    index : int
        Position in the branch arrays of the first point after the bifurcation.
    eigenvector : ndarray or None
        For a flip, the real chart eigenvector of the multiplier -1 (unit
        length); for a fold or branch point, that of +1; None otherwise.
    """

    kind: str
    param: float
    point: np.ndarray
    chart_point: np.ndarray
    multipliers: np.ndarray
    period: int
    index: int
    eigenvector: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Branch:
    """A continued branch of fixed points or period-``k`` orbits.

    Attributes
    ----------
    param_name : str
        The continued parameter.
    period : int
        Period of the orbits on the branch (1: fixed points).
    params : ndarray, shape (N,)
        Parameter value at each computed point.
    points : ndarray, shape (N, dim)
        One point of the orbit at each parameter, native coordinates.
    chart_points : ndarray, shape (N, chart_dim)
        The same in chart coordinates.
    multipliers : ndarray of complex, shape (N, chart_dim)
        Multipliers at each point, sorted by decreasing modulus.
    stability : list of str
        Label of each point, from
        :func:`~dynsys_align.analysis.fixed_points.classify_fixed_point` applied
        to its multipliers.
    special_points : list of SpecialPoint
        Located bifurcations, in the order met along the branch.
    success : bool
        True when the branch ended for an expected reason (parameter interval
        left, ``max_steps`` reached, a requested stop); False when the step
        size fell below ``ds_min`` or the state left the bounded region.
    message : str
        Why the continuation stopped.
    """

    param_name: str
    period: int
    params: np.ndarray
    points: np.ndarray
    chart_points: np.ndarray
    multipliers: np.ndarray
    stability: list[str]
    special_points: list[SpecialPoint]
    success: bool
    message: str

    def __len__(self) -> int:
        return int(self.params.size)


@dataclass(frozen=True, eq=False)
class Cascade:
    """Result of :func:`period_doubling_cascade`.

    Attributes
    ----------
    params : ndarray
        Located period-doubling parameters ``r_1 < r_2 < ...`` (in the order met).
    periods : ndarray of int
        Period of the orbit that doubles at each ``r_n`` (1, 2, 4, ...).
    ratios : ndarray
        ``(r_n - r_{n-1}) / (r_{n+1} - r_n)`` for ``n = 2, ...``; these tend to
        Feigenbaum's constant 4.6692... in a generic one-hump cascade.
    special_points : list of SpecialPoint
        The flip points themselves.
    branches : list of Branch
        The branches followed, one per period.
    success : bool
        Whether ``n_doublings`` flips were located.
    message : str
        Why the search stopped.
    """

    params: np.ndarray
    periods: np.ndarray
    ratios: np.ndarray
    special_points: list[SpecialPoint]
    branches: list[Branch]
    success: bool
    message: str


# --- the problem H(u, p) = F^k(u; p) - u ----------------------------------------

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(
    types.boolean(StepType, JacobianType, types.boolean, types.boolean, _vec, _vec,
                  types.int64, types.int64, _mat, _mat, _vec),
    cache=True,
)
def _orbit_sensitivity(step, jac, has_jac, simplex, u0, p, index, k, orbit, M, w):
    # Like orbit_monodromy_kernel, and also w = dF^k/dp for p = p[index], by the
    # chain rule w <- DF(u_t) w + dF/dp(u_t). Only the one-step derivative
    # dF/dp is a central difference; differencing F^k itself in p would be far
    # too coarse deep in a cascade, where the orbit changes on parameter
    # scales below the difference step.
    n = u0.size
    zin, zout, work, Jz = K_.chart_workspace(n, simplex)
    J = np.empty((n, n))
    tmp = np.empty((n, n))
    fp = np.empty(n)
    fm = np.empty(n)
    wt = np.empty(n)
    pp = p.copy()
    h = 6.0554544523933395e-06 * max(1.0, abs(p[index]))
    orbit[:, :] = np.nan
    M[:, :] = 0.0
    for i in range(n):
        M[i, i] = 1.0
        orbit[0, i] = u0[i]
        w[i] = 0.0
    for t in range(k):
        u = orbit[t]
        v = orbit[t + 1]
        K_.chart_jacobian_into(step, jac, has_jac, simplex, u, p, zin, zout, work, Jz, J)
        K_.chart_step(step, simplex, u, p, zin, zout, v)
        pp[index] = p[index] + h
        K_.chart_step(step, simplex, u, pp, zin, zout, fp)
        pp[index] = p[index] - h
        K_.chart_step(step, simplex, u, pp, zin, zout, fm)
        pp[index] = p[index]
        ok = True
        for i in range(n):
            acc = (fp[i] - fm[i]) / (2.0 * h)
            for r in range(n):
                acc += J[i, r] * w[r]
            wt[i] = acc
            for j in range(n):
                acc = 0.0
                for r in range(n):
                    acc += J[i, r] * M[r, j]
                tmp[i, j] = acc
        for i in range(n):
            w[i] = wt[i]
            if not (math.isfinite(v[i]) and math.isfinite(wt[i])):
                ok = False
            for j in range(n):
                M[i, j] = tmp[i, j]
                if not math.isfinite(tmp[i, j]):
                    ok = False
        if not ok:
            M[:, :] = np.nan
            return False
    return True


@dataclass
class _Problem:
    map: object
    index: int
    period: int
    tol: float
    max_newton: int
    base: np.ndarray = field(init=False)
    kernels: tuple = field(init=False)
    n: int = field(init=False)

    def __post_init__(self):
        self.base = _writable(self.map.params).copy()
        self.kernels = self.map.kernels
        self.n = self.map.chart_dim

    def pvec(self, value):
        p = self.base.copy()
        p[self.index] = value
        return p

    def evaluate(self, y):
        """``(H, A = M - I, b = dH/dp, M, finite)`` at ``y = (u, p)``."""
        n, k = self.n, self.period
        step, jac, has_jac, simplex = self.kernels
        orbit = np.empty((k + 1, n))
        M = np.empty((n, n))
        b = np.empty(n)
        ok = _orbit_sensitivity(step, jac, has_jac, simplex,
                                np.ascontiguousarray(y[:n]), self.pvec(y[n]),
                                self.index, k, orbit, M, b)
        if not ok:
            return None, None, None, M, False
        return orbit[k] - y[:n], M - np.eye(n), b, M, True

    def correct(self, y_pred, t, max_dist):
        """Newton on ``[H(y); t.(y - y_pred)] = 0``.

        Returns ``(y, A, b, M, iterations)`` or None when it fails or wanders
        farther than ``max_dist`` from the prediction.
        """
        y = y_pred.copy()
        n = self.n
        for it in range(self.max_newton + 1):
            H, A, b, M, ok = self.evaluate(y)
            if not ok:
                return None
            scale = max(1.0, float(np.max(np.abs(y[:n]))))
            if float(np.max(np.abs(H))) <= self.tol * scale:
                if np.linalg.norm(y - y_pred) > max_dist:
                    return None
                return y, A, b, M, it
            if it == self.max_newton:
                return None
            B = np.empty((n + 1, n + 1))
            B[:n, :n] = A
            B[:n, n] = b
            B[n, :] = t
            rhs = np.concatenate([-H, [-float(t @ (y - y_pred))]])
            try:
                dy = np.linalg.solve(B, rhs)
            except np.linalg.LinAlgError:
                return None
            if not np.all(np.isfinite(dy)):
                return None
            y = y + dy
            if np.linalg.norm(y - y_pred) > max_dist:
                return None
        return None


def _tangent(A, b, t_prev=None, orient=None):
    """Unit tangent of the branch: the null vector of ``[A b]``.

    With ``t_prev`` the bordered system fixes ``t . t_prev = 1`` (so the
    direction is kept); otherwise the SVD null vector is oriented along ``orient``.
    """
    n = A.shape[0]
    Ab = np.hstack([A, b[:, None]])
    if t_prev is not None:
        B = np.vstack([Ab, t_prev[None, :]])
        rhs = np.zeros(n + 1)
        rhs[n] = 1.0
        try:
            t = np.linalg.solve(B, rhs)
        except np.linalg.LinAlgError:
            t = None
        if t is not None and np.all(np.isfinite(t)):
            return t / np.linalg.norm(t)
    t = np.linalg.svd(Ab)[2][-1]
    ref = t_prev if t_prev is not None else orient
    if ref is not None and float(t @ ref) < 0.0:
        t = -t
    return t


def _eigvec(M, target):
    mu, V = np.linalg.eig(M)
    i = int(np.argmin(np.abs(mu - target)))
    v = V[:, i]
    j = int(np.argmax(np.abs(v)))
    v = (v * np.exp(-1j * np.angle(v[j]))).real
    return v / np.linalg.norm(v)


def _classify_ns(mu, tol=1e-6):
    """Whether the root of the NS test function is a complex pair on the circle."""
    mu = np.asarray(mu)
    best, pair = np.inf, None
    for i in range(mu.size):
        for j in range(i + 1, mu.size):
            d = abs(mu[i] * mu[j] - 1.0)
            if d < best:
                best, pair = d, (mu[i], mu[j])
    if pair is None:
        return False
    a, b = pair
    return bool(abs(a.imag) > tol and abs(a - np.conj(b)) <= 1e-6 * max(1, abs(a)))


# --- the continuation loop -----------------------------------------------------


@dataclass
class _Point:
    y: np.ndarray
    M: np.ndarray
    mu: np.ndarray
    psi: dict


def _make_point(y, M):
    mu = _sorted_eigvals(M)
    return _Point(y=y, M=M, mu=mu, psi=bifurcation_test_functions(mu))


def _trace(prob, y0, M0, t0, *, p_lo, p_hi, ds, ds_min, ds_max, max_steps,
           detect, stop_at, escape_radius, stability_tol):
    n = prob.n
    pts = [_make_point(y0, M0)]
    special: list[SpecialPoint] = []
    t = t0
    y = y0
    success, message = True, f"reached max_steps = {max_steps}"
    steps = 0
    stop = False
    while steps < max_steps and not stop:
        res = prob.correct(y + ds * t, t, max_dist=ds)
        t_new = None
        if res is not None:
            y_new, A, b, M, its = res
            t_new = _tangent(A, b, t)
            # a sharp turn means the corrector may have jumped to another branch
            if float(t_new @ t) < 0.9:
                res = None
        if res is None:
            ds *= 0.5
            if ds < ds_min:
                success = False
                message = (f"step size fell below ds_min = {ds_min:g} at "
                           f"{_param_name(prob)} = {y[n]:.12g}")
                break
            continue
        steps += 1
        new = _make_point(y_new, M)
        prev = pts[-1]

        # locate every sign change of a test function inside this step
        found = []
        for kind in detect:
            a, c = prev.psi[kind], new.psi[kind]
            if a != 0.0 and math.isfinite(a) and math.isfinite(c) and a * c <= 0.0:
                sp = _locate(prob, y, t, ds, kind, len(pts), t_new)
                if sp is not None:
                    found.append(sp)
        found.sort(key=lambda s: s[0])
        for _, sp in found:
            if p_lo <= sp.param <= p_hi:
                special.append(sp)
                logger.info("%s of the period-%d branch at %s = %.12g", sp.kind,
                            prob.period, _param_name(prob), sp.param)
                if sp.kind in stop_at or (sp.kind == "branch_point"
                                          and "fold" in stop_at):
                    pts.append(_make_point(np.concatenate([sp.chart_point,
                                                           [sp.param]]),
                                           _iterate(prob.kernels, sp.chart_point,
                                                    prob.pvec(sp.param),
                                                    prob.period)[1]))
                    message = f"stopped at the first {sp.kind}"
                    stop = True
                    break
        if stop:
            break

        if not p_lo <= y_new[n] <= p_hi:
            edge = p_hi if y_new[n] > p_hi else p_lo
            landed = _land(prob, y, t, ds, edge)
            if landed is not None:
                pts.append(landed)
            message = f"reached the end of the parameter interval, {edge:.12g}"
            break
        if float(np.max(np.abs(y_new[:n]))) > escape_radius:
            pts.append(new)
            success = False
            message = (f"the orbit left the region max |u| <= {escape_radius:g} "
                       f"at {_param_name(prob)} = {y_new[n]:.12g}")
            break
        pts.append(new)
        y, t = y_new, t_new
        if its <= 2:
            ds = min(1.5 * ds, ds_max)
        elif its >= 5:
            ds = max(ds / 1.5, ds_min)

    Y = np.array([q.y for q in pts])
    U = np.ascontiguousarray(Y[:, :n])
    return Branch(
        param_name=_param_name(prob), period=prob.period, params=Y[:, n].copy(),
        points=prob.map.from_chart(U), chart_points=U,
        multipliers=np.array([q.mu for q in pts]),
        stability=[classify_fixed_point(q.mu, stability_tol) for q in pts],
        special_points=special, success=success, message=message,
    )


def _param_name(prob) -> str:
    return prob.map.param_names[prob.index]


def _on_curve(prob, y, t, s):
    """The branch point at arclength ``s`` along the predictor from ``y``."""
    res = prob.correct(y + s * t, t, max_dist=max(abs(s), 1e-12) + 1e-9)
    if res is None:
        raise ConvergenceError(
            f"corrector failed inside an accepted step at s = {s:.3g}"
        )
    return res


def _locate(prob, y, t, ds, kind, index, t_next):
    n = prob.n

    def g(s):
        M = _on_curve(prob, y, t, s)[3]
        return bifurcation_test_functions(_sorted_eigvals(M))[kind]

    try:
        s_star = brentq(g, 0.0, ds, xtol=1e-15, rtol=4 * np.finfo(float).eps,
                        maxiter=200)
        y_s, A, b, M, _ = _on_curve(prob, y, t, s_star)
    except (ConvergenceError, ValueError) as exc:
        logger.warning("could not locate a %s of the period-%d branch near %s = "
                       "%.12g: %s", kind, prob.period, _param_name(prob), y[n], exc)
        return None
    mu = _sorted_eigvals(M)
    eigvec = None
    label = kind
    if kind == "fold":
        # at a fold the parameter turns back; at a branch point it goes on
        turned = np.sign(t[n]) != np.sign(t_next[n])
        label = "fold" if turned else "branch_point"
        eigvec = _eigvec(M, 1.0)
    elif kind == "flip":
        eigvec = _eigvec(M, -1.0)
    elif not _classify_ns(mu):
        logger.debug("neutral saddle (real multipliers mu, 1/mu) at %s = %.12g; "
                     "not a Neimark-Sacker point", _param_name(prob), y_s[n])
        return None
    u = np.ascontiguousarray(y_s[:n])
    sp = SpecialPoint(kind=label, param=float(y_s[n]), point=prob.map.from_chart(u),
                      chart_point=u, multipliers=mu, period=prob.period, index=index,
                      eigenvector=eigvec)
    return s_star, sp


def _land(prob, y, t, ds, edge):
    n = prob.n
    try:
        s_edge = brentq(lambda s: _on_curve(prob, y, t, s)[0][n] - edge, 0.0, ds,
                        xtol=1e-15, maxiter=200)
        y_e, _, _, M, _ = _on_curve(prob, y, t, s_edge)
    except (ConvergenceError, ValueError):
        return None
    return _make_point(y_e, M)


# --- public entry points ---------------------------------------------------------


def _check_setup(map, param, p0, p_end, ds, ds_min, ds_max, max_steps, tol,
                 max_newton, escape_radius):
    index = map.param_index(param)
    p0 = map[param] if p0 is None else map.check_param(param, p0)
    p_end = map.check_param(param, p_end)
    if p_end == p0:
        raise InvalidParameter(
            f"p_end must differ from p0, got p0 = p_end = {p0!r}"
        )
    ds = _check_tol(ds, "ds")
    ds_min = _check_tol(ds_min, "ds_min")
    ds_max = _check_tol(ds_max, "ds_max")
    if not ds_min <= ds <= ds_max:
        raise InvalidParameter(
            f"need ds_min <= ds <= ds_max, got ds_min = {ds_min!r}, ds = {ds!r}, "
            f"ds_max = {ds_max!r}"
        )
    max_steps = _check_int(max_steps, "max_steps", 1)
    tol = _check_tol(tol, "tol")
    max_newton = _check_int(max_newton, "max_newton", 1)
    escape_radius = _radius(map, escape_radius)
    return index, float(p0), float(p_end), ds, ds_min, ds_max, max_steps, tol, \
        max_newton, escape_radius


def _radius(map, escape_radius) -> float:
    if escape_radius is None:
        return (SIMPLEX_ESCAPE_RADIUS if map.is_simplex
                else EUCLIDEAN_CONTINUATION_RADIUS)
    return _check_tol(escape_radius, "escape_radius")


def _check_kinds(kinds, name):
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    for k in kinds:
        if k not in DETECTABLE:
            raise InvalidParameter(
                f"{name} entries must be among {DETECTABLE}, got {k!r}"
            )
    return kinds


def continue_orbit(map, param: str, x0, p0, p_end, *, period: int = 1,
                   ds: float = 1e-2, ds_min: float = 1e-9, ds_max: float = 5e-2,
                   max_steps: int = 2000, tol: float = 1e-11, max_newton: int = 10,
                   detect=DETECTABLE, stop_at=(),
                   escape_radius: float | None = None,
                   stability_tol: float = 1e-8) -> Branch:
    """Follow fixed points or period-``k`` orbits as one parameter varies.

    Parameters
    ----------
    map : UpdateMap
        Any update map, built-in or user-defined (with or without Jacobian).
    param : str
        Name of the continued parameter (one of ``map.param_names``).
    x0 : array_like
        A point of the orbit at ``p0``, or a guess close to one (native
        coordinates: a policy for a simplex map). It is first refined by Newton's
        method at fixed ``p0``.
    p0 : float or None
        Start value of the parameter (None: the map's current value).
    p_end : float
        The branch is followed from ``p0`` towards ``p_end`` and stops when it
        leaves the interval between them (landing exactly on the end).
    period : int, optional
        Period ``k`` of the orbit (1: fixed points).
    ds, ds_min, ds_max : float, optional
        Initial, smallest and largest arclength step in ``(u, p)`` space.
    max_steps : int, optional
        Maximum number of accepted steps.
    tol : float, optional
        Newton tolerance on ``max |F^k(u) - u|``, relative to ``max(1, max |u|)``.
    max_newton : int, optional
        Maximum corrector iterations per step.
    detect : sequence of str, optional
        Test functions to monitor: any of ``"fold"``, ``"flip"``,
        ``"neimark_sacker"``.
    stop_at : sequence of str, optional
        Kinds at whose first occurrence the branch ends (the special point is
        then the last branch point).
    escape_radius : float, optional
        The continuation stops (``success = False``) once ``max |u|`` exceeds
        it: a Euclidean orbit running off to infinity, or a simplex orbit
        approaching the boundary, where chart coordinates grow without bound.
        Default: :data:`~dynsys_align.analysis.lyapunov.SIMPLEX_ESCAPE_RADIUS`
        (100, log-ratios of 100) for simplex maps, ``1e6`` otherwise.
    stability_tol : float, optional
        Tolerance of the stability labels.

    Returns
    -------
    Branch
        Parameter values, orbit points, multipliers and stability along the
        branch, and the located special points.

    Raises
    ------
    InvalidParameter
        If ``param`` is unknown, ``p0`` or ``p_end`` breaks the map's parameter
        rules, ``p_end == p0``, the step sizes are not ``0 < ds_min <= ds <=
        ds_max``, a count or tolerance is invalid, or ``detect``/``stop_at`` name
        an unknown kind.
    ConvergenceError
        If no period-``k`` orbit is found near ``x0`` at ``p0``.

    Warns
    -----
    RuntimeWarning
        If the orbit found at ``p0`` has a minimal period that is a proper
        divisor of ``period`` (it is then continued as a solution of
        ``F^k(u) = u``, whose flips show up as branch points).

    Notes
    -----
    Algorithm: with ``y = (u, p)`` and ``H(y) = F^k(u; p) - u``, the unit tangent
    ``t`` spans the null space of ``DH = [DF^k - I, dF^k/dp]``; both blocks are
    accumulated along the orbit by the chain rule, with only the one-step
    parameter derivative ``dF/dp`` taken by central differences. A step
    predicts ``y + ds t`` and corrects with Newton's method on ``H(y) = 0,
    t . (y - y_pred) = 0``. Steps that fail, wander farther than ``ds`` or
    turn the tangent by more than about 25 degrees are halved; easy steps (at
    most two Newton iterations) grow by 1.5 up to ``ds_max``.
    Because the parameter is an unknown, folds are passed without trouble.

    Bifurcations are located where a test function of
    :func:`bifurcation_test_functions` changes sign between two accepted points: the
    corrected point at arclength ``s`` along the step is a smooth function of
    ``s``, and Brent's method finds the root in ``s`` to about 1e-15, so the
    parameter is located to within rounding and the tolerance ``tol``. A zero
    of ``det(M - I)`` where the parameter turns back is a fold, otherwise a
    branch point; a zero of the bialternate test is kept only when a complex
    pair lies on the unit circle.

    Cost: each Newton iteration integrates ``3 k`` map steps (the orbit and the
    one-step parameter differences) and ``k`` Jacobians; locating a special
    point costs a few dozen corrections.

    Limits: two sign changes of one test function inside a single step cancel
    and go unnoticed, so keep ``ds_max`` below the parameter spacing of the
    bifurcations of interest. Branch points are detected only through
    ``det(M - I)`` and not switched. A Neimark-Sacker point is reported when a
    complex pair crosses the unit circle; resonances and the invariant circle
    born there are not analysed. Quasi-periodic or chaotic motion is not
    continued; the period must be known.

    Examples
    --------
    The logistic map's fixed point ``1 - 1/r`` loses stability in a flip at
    ``r = 3``:

    >>> from dynsys_align.maps.classic import Logistic
    >>> br = continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.2)
    >>> [(sp.kind, round(sp.param, 10)) for sp in br.special_points]
    [('flip', 3.0)]
    >>> br.stability[0], br.stability[-1]
    ('stable node', 'unstable node')
    """
    (index, p0, p_end, ds, ds_min, ds_max, max_steps, tol, max_newton,
     escape_radius) = _check_setup(map, param, p0, p_end, ds, ds_min, ds_max,
                                   max_steps, tol, max_newton, escape_radius)
    k = _check_int(period, "period", 1)
    detect = _check_kinds(detect, "detect")
    stop_at = _check_kinds(stop_at, "stop_at")
    stability_tol = _check_tol(stability_tol, "stability_tol")
    prob = _Problem(map, index, k, tol, max_newton)
    u0 = map.to_chart(x0)
    u, res, _, M, _, ok, msg = _newton_periodic(prob.kernels, u0, prob.pvec(p0), k,
                                                tol, 50)
    if not ok:
        raise ConvergenceError(
            f"no period-{k} orbit found near x0 at {param} = {p0!r}: {msg}"
        )
    scale = max(1.0, float(np.max(np.abs(u))))
    d = _minimal_period(prob.kernels, u, prob.pvec(p0), k, max(1e3 * tol, 1e-9) * scale)
    if d < k:
        warnings.warn(
            f"continue_orbit: the orbit found near x0 has minimal period {d}, not "
            f"{k}; its branch is continued as a solution of F^{k}(u) = u",
            RuntimeWarning, stacklevel=2,
        )
    y0 = np.concatenate([u, [p0]])
    H, A, b, M, _ = prob.evaluate(y0)
    orient = np.zeros(prob.n + 1)
    orient[-1] = np.sign(p_end - p0)
    t0 = _tangent(A, b, None, orient)
    return _trace(prob, y0, M, t0, p_lo=min(p0, p_end), p_hi=max(p0, p_end), ds=ds,
                  ds_min=ds_min, ds_max=ds_max, max_steps=max_steps, detect=detect,
                  stop_at=stop_at, escape_radius=escape_radius,
                  stability_tol=stability_tol)


def _switch_at_flip(prob, sp, amplitude, max_shift=np.inf):
    """First point ``y`` of the period-2k branch born at the flip ``sp``.

    Solves ``F^{2k}(u) = u`` together with ``v . (u - u*) = h`` for ``(u, p)``
    (the doubled orbit at amplitude ``h`` along the -1 eigenvector ``v``),
    dividing ``h`` by 4 (up to 8 times) when Newton fails or the solution's
    parameter lies farther than ``max_shift`` from the flip. Returns
    ``(problem, y, M, (v, 0))`` or None.
    """
    n = prob.n
    doubled = _Problem(prob.map, prob.index, 2 * prob.period, prob.tol,
                       prob.max_newton)
    v = sp.eigenvector
    y_star = np.concatenate([sp.chart_point, [sp.param]])
    t = np.concatenate([v, [0.0]])
    h = amplitude
    for _ in range(9):
        res = doubled.correct(y_star + h * t, t, max_dist=10.0 * h)
        if res is not None and abs(res[0][n] - sp.param) <= max_shift:
            y, _, _, M, _ = res
            u, p = y[:n], y[n]
            scale = max(1.0, float(np.max(np.abs(u))))
            back = _power(prob.kernels, u, prob.pvec(p), prob.period)
            # the old orbit also solves F^{2k}(u) = u; make sure we left it
            if float(np.max(np.abs(back - u))) > 1e3 * prob.tol * scale:
                return doubled, y, M, t
        h *= 0.25
    return None


def _doubled_branch(map, index, flip, p_lo, p_hi, amplitude, ds, ds_min, ds_max,
                    max_steps, tol, max_newton, detect, stop_at, escape_radius,
                    stability_tol, max_shift=np.inf):
    """Switch at ``flip`` and trace the period-2k branch; None if switching fails."""
    prob = _Problem(map, index, flip.period, tol, max_newton)
    switched = _switch_at_flip(prob, flip, amplitude, max_shift)
    if switched is None:
        return None
    doubled, y, M, away = switched
    H, A, b, M, _ = doubled.evaluate(y)
    t0 = _tangent(A, b, None, away)
    return _trace(doubled, y, M, t0, p_lo=p_lo, p_hi=p_hi, ds=ds, ds_min=ds_min,
                  ds_max=ds_max, max_steps=max_steps, detect=detect,
                  stop_at=stop_at, escape_radius=escape_radius,
                  stability_tol=stability_tol)


def continue_doubled_orbit(map, param: str, flip: SpecialPoint, p_end, *,
                           amplitude: float = 1e-3, ds: float = 1e-2,
                           ds_min: float = 1e-9, ds_max: float = 5e-2,
                           max_steps: int = 2000, tol: float = 1e-11,
                           max_newton: int = 10, detect=DETECTABLE, stop_at=(),
                           escape_radius: float | None = None,
                           stability_tol: float = 1e-8) -> Branch:
    """Switch at a flip onto the period-doubled orbit and continue it.

    Parameters
    ----------
    map : UpdateMap
        The map whose branch produced ``flip``.
    param : str
        The continued parameter (the one ``flip`` was located in).
    flip : SpecialPoint
        A special point of kind ``"flip"`` from :func:`continue_orbit` (it
        carries the period ``k``, the point and the -1 eigenvector).
    p_end : float
        The doubled branch is followed within the interval between
        ``flip.param`` and ``p_end``; choose ``p_end`` on the side where the
        doubled orbit exists (beyond the flip for a supercritical doubling).
    amplitude : float, optional
        Chart distance ``h`` from the flip point at which the doubled orbit is
        first solved for (reduced if Newton fails).
    ds, ds_min, ds_max, max_steps, tol, max_newton, detect, stop_at
        As in :func:`continue_orbit`.
    escape_radius, stability_tol
        As in :func:`continue_orbit`.

    Returns
    -------
    Branch
        The branch of period ``2k``, starting next to the flip.

    Raises
    ------
    InvalidParameter
        If ``flip`` is not a flip point, ``p_end`` equals its parameter or
        breaks the map's rules, or an option is invalid as in
        :func:`continue_orbit`.
    ConvergenceError
        If Newton's method finds no doubled orbit near the flip.

    Notes
    -----
    The first point solves ``F^{2k}(u; p) = u`` together with
    ``v . (u - u*) = h`` for ``(u, p)``, where ``u*`` is the flip point and
    ``v`` its -1 eigenvector; the branch is then continued away from ``u*``.
    Close to the flip the doubled orbit's own multiplier +1 is only
    ``O(h^2)`` away, so a very small ``amplitude`` makes the first corrections
    ill-conditioned. A degenerate flip (zero cubic coefficient of the normal
    form) may give no nearby doubled orbit.

    Examples
    --------
    >>> from dynsys_align.maps.classic import Logistic
    >>> br = continue_orbit(Logistic(2.5), "r", [0.6], 2.5, 3.2)
    >>> doubled = continue_doubled_orbit(Logistic(2.5), "r", br.special_points[0],
    ...                                  3.5)
    >>> doubled.period, [(sp.kind, round(sp.param, 10))
    ...                  for sp in doubled.special_points]   # 1 + sqrt(6)
    (2, [('flip', 3.4494897428)])
    """
    if not isinstance(flip, SpecialPoint) or flip.kind != "flip":
        raise InvalidParameter(
            f"flip must be a SpecialPoint of kind 'flip', got {flip!r:.80}"
        )
    (index, p0, p_end, ds, ds_min, ds_max, max_steps, tol, max_newton,
     escape_radius) = _check_setup(map, param, flip.param, p_end, ds, ds_min,
                                   ds_max, max_steps, tol, max_newton,
                                   escape_radius)
    amplitude = _check_tol(amplitude, "amplitude")
    detect = _check_kinds(detect, "detect")
    stop_at = _check_kinds(stop_at, "stop_at")
    stability_tol = _check_tol(stability_tol, "stability_tol")
    branch = _doubled_branch(map, index, flip, min(p0, p_end), max(p0, p_end),
                             amplitude, ds, ds_min, ds_max, max_steps, tol,
                             max_newton, detect, stop_at, escape_radius, stability_tol)
    if branch is None:
        raise ConvergenceError(
            f"no period-{2 * flip.period} orbit found next to the flip at "
            f"{param} = {flip.param!r}"
        )
    return branch


def period_doubling_cascade(map, param: str, x0, p0, p_end, n_doublings: int = 5, *,
                            period: int = 1, amplitude: float = 1e-3,
                            ds: float = 1e-2, ds_min: float = 1e-10,
                            ds_max: float = 5e-2, max_steps: int = 2000,
                            tol: float = 1e-11, max_newton: int = 10,
                            escape_radius: float | None = None) -> Cascade:
    """Follow a period-doubling cascade: locate ``r_1, r_2, ...`` and their ratios.

    Starting from a period-``k`` orbit near ``x0`` at ``p0``, the branch is
    continued towards ``p_end`` until its first flip (a multiplier -1), which
    is located; the continuation then switches to the period-``2k`` orbit born
    there and repeats, ``n_doublings`` times or until ``p_end``.

    Parameters
    ----------
    map : UpdateMap
        Any update map.
    param : str
        The continued parameter.
    x0 : array_like
        A point of the period-``period`` orbit at ``p0`` (or a close guess).
    p0 : float or None
        Start value (None: the map's current value).
    p_end : float
        Far end of the parameter interval.
    n_doublings : int, optional
        Number of flips to locate.
    period : int, optional
        Period of the starting orbit.
    amplitude : float, optional
        Chart distance ``h`` from the flip point at which the doubled orbit is
        first solved for (halved up to five times if Newton fails).
    ds, ds_min, ds_max, max_steps, tol, max_newton, escape_radius
        As in :func:`continue_orbit`, for every branch; after two flips
        ``ds_max`` is also capped at a tenth of the last spacing
        ``r_n - r_{n-1}``, because the spacings shrink geometrically, and a
        switched orbit is accepted only within ``0.02 (r_n - r_{n-1})`` of the
        flip (otherwise ``h`` is reduced), so that it starts before the next
        flip.

    Returns
    -------
    Cascade
        Flip parameters, periods, successive ratios, the flip points and the
        followed branches; ``success`` says whether ``n_doublings`` were found.

    Raises
    ------
    InvalidParameter
        For the same inputs as :func:`continue_orbit`, or ``n_doublings < 1``,
        or a non-positive ``amplitude``.
    ConvergenceError
        If no orbit is found near ``x0`` at ``p0``.

    Notes
    -----
    Branch switching: at a flip ``(u*, p*)`` with -1 eigenvector ``v`` of
    ``DF^k``, the period-``2k`` orbit bifurcates with amplitude growing like
    ``sqrt|p - p*|``; the first point of its branch solves
    ``F^{2k}(u; p) = u, v . (u - u*) = h`` for ``(u, p)``, which works whether
    the doubling is super- or subcritical. The new branch is followed away
    from ``u*``.

    Cost: the ``n``-th branch has period ``2^{n-1} k``, so a Newton iteration
    costs ``O(2^n)`` map steps and the step count per branch grows slowly as
    the spacings shrink; five doublings of the logistic map take well under a
    second once compiled. Limits: double precision bounds the depth: the
    spacings shrink like ``4.67^-n``; the logistic cascade is followed to
    ``r_10`` (the doubling of the period-512 orbit), after which switching
    onto the period-1024 orbit fails. A branch that folds or ends before its
    flip ends the cascade (``success = False`` with the reason).

    Examples
    --------
    >>> from dynsys_align.maps.classic import Logistic
    >>> c = period_doubling_cascade(Logistic(2.8), "r", [0.6], 2.8, 3.56, 2)
    >>> [round(float(r), 10) for r in c.params]   # 3 and 1 + sqrt(6)
    [3.0, 3.4494897428]
    """
    n_doublings = _check_int(n_doublings, "n_doublings", 1)
    amplitude = _check_tol(amplitude, "amplitude")
    escape_radius = _radius(map, escape_radius)
    first = continue_orbit(map, param, x0, p0, p_end, period=period, ds=ds,
                           ds_min=ds_min, ds_max=ds_max, max_steps=max_steps, tol=tol,
                           max_newton=max_newton, detect=("flip",), stop_at=("flip",),
                           escape_radius=escape_radius)
    p_lo, p_hi = min(first.params[0], p_end), max(first.params[0], p_end)
    branches = [first]
    flips: list[SpecialPoint] = []
    branch = first
    message = ""
    while True:
        if not branch.special_points:
            message = (f"the period-{branch.period} branch ended before a flip: "
                       f"{branch.message}")
            break
        sp = branch.special_points[-1]
        flips.append(sp)
        if len(flips) == n_doublings:
            message = f"located {n_doublings} period doublings"
            break
        cap, shift = ds_max, np.inf
        if len(flips) >= 2:
            gap = abs(flips[-1].param - flips[-2].param)
            cap = min(ds_max, 0.1 * gap)
            # the next flip is about gap / 4.67 away: start well before it
            shift = 0.02 * gap
        branch = _doubled_branch(map, map.param_index(param), sp, p_lo, p_hi,
                                 amplitude, min(ds, cap), min(ds_min, cap), cap,
                                 max_steps, tol, max_newton, ("flip",), ("flip",),
                                 escape_radius, 1e-8, shift)
        if branch is None:
            message = (f"could not switch onto the period-{2 * sp.period} orbit "
                       f"at {param} = {sp.param:.12g}")
            break
        branches.append(branch)
    r = np.array([s.param for s in flips])
    gaps = np.diff(r)
    ratios = gaps[:-1] / gaps[1:] if gaps.size >= 2 else np.empty(0)
    success = len(flips) == n_doublings
    if not success:
        logger.warning("period_doubling_cascade: %s", message)
    return Cascade(params=r, periods=np.array([s.period for s in flips], dtype=int),
                   ratios=ratios, special_points=flips, branches=branches,
                   success=success, message=message)
