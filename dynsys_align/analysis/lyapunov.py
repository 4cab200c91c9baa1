"""Lyapunov exponents of update maps: tangent dynamics with repeated QR.

The Lyapunov spectrum of a map ``F`` along an orbit ``u_0, u_1, ...`` is the set
of average exponential growth rates of tangent vectors under the products
``DF(u_{t-1}) ... DF(u_0)``. Following Benettin et al. and Shimada and
Nagashima, ``k`` tangent vectors are carried along the orbit and
re-orthonormalised by a QR factorisation after every step; the time averages
of ``log |R_jj|`` converge to the ``k`` largest exponents.

Everything runs in the chart of the map (the additive log-ratio chart for
simplex maps), inside one compiled loop that takes the map's kernels as
arguments, so a user-defined map is analysed at the speed of a built-in one.

Orbits that leave every compact set of the chart cannot have a meaningful
exponent: a simplex orbit collapsing onto the boundary of the simplex, or an
orbit of a Euclidean map running off to infinity. Those are detected and
reported with status ``"collapse"`` or ``"divergent"`` and NaN exponents.

This module may import :mod:`dynsys_align.maps`, the validation helpers and
the exceptions.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit, types

from .._validation import check_positive
from ..exceptions import InvalidParameter
from ..maps import _kernels as K_
from ._linalg import gram_schmidt_qr, initial_frame, matmul_into

__all__ = [
    "LyapunovResult",
    "lyapunov_spectrum",
    "max_lyapunov",
    "max_lyapunov_kernel",
    "lyapunov_spectrum_kernel",
    "STATUS_OK",
    "STATUS_COLLAPSE",
    "STATUS_DIVERGENT",
    "STATUS_NAMES",
    "SIMPLEX_ESCAPE_RADIUS",
    "EUCLIDEAN_ESCAPE_RADIUS",
]

logger = logging.getLogger(__name__)

#: Status code of a run that completed every step on a bounded orbit.
STATUS_OK = 0
#: Status code of a simplex orbit whose logit spread exceeded the escape radius.
STATUS_COLLAPSE = 1
#: Status code of an orbit that became non-finite or left the escape radius
#: (Euclidean maps), or whose tangent vectors overflowed.
STATUS_DIVERGENT = 2
#: Names of the status codes, as used in :class:`LyapunovResult`.
STATUS_NAMES = {STATUS_OK: "ok", STATUS_COLLAPSE: "collapse",
                STATUS_DIVERGENT: "divergent"}

#: Default escape radius for simplex maps: the largest allowed logit spread
#: ``max_i z_i - min_i z_i = log(max_i pi_i / min_i pi_i)``. 100 means the
#: smallest policy coordinate is at least ``exp(-100) ~ 3.7e-44`` times the
#: largest.
SIMPLEX_ESCAPE_RADIUS = 100.0
#: Default escape radius for Euclidean maps (largest allowed ``max_i |x_i|``).
EUCLIDEAN_ESCAPE_RADIUS = 1e100

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(types.int64(types.boolean, _vec, types.float64), cache=True)
def _escape_code(simplex, u, radius):
    # Simplex: logit spread of z = [u, 0]; Euclidean: max norm.
    lo = 0.0
    hi = 0.0
    big = 0.0
    for i in range(u.size):
        v = u[i]
        if not math.isfinite(v):
            return STATUS_DIVERGENT
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        if abs(v) > big:
            big = abs(v)
    if simplex:
        if hi - lo > radius:
            return STATUS_COLLAPSE
    elif big > radius:
        return STATUS_DIVERGENT
    return STATUS_OK


@njit(types.Tuple((_mat, types.int64, types.int64, _vec))(
    K_.StepType, K_.JacobianType, types.boolean, types.boolean, _vec, _vec, _mat,
    types.int64, types.int64, types.int64, types.float64), cache=True)
def lyapunov_spectrum_kernel(step, jac, has_jac, simplex, u0, p, Q0, n_transient,
                             n_steps, block, escape_radius):
    """Benettin/QR driver: block sums of ``log |R_jj|`` along an orbit.

    Parameters
    ----------
    step, jac, has_jac, simplex
        The map's kernels, as returned by ``UpdateMap.kernels``.
    u0 : ndarray, shape (n,)
        Initial chart point.
    p : ndarray
        Parameter vector.
    Q0 : ndarray, shape (n, k)
        Initial orthonormal tangent frame (``k`` exponents are computed).
    n_transient, n_steps : int
        Steps discarded (the frame is still evolved, to align it) and steps
        measured.
    block : int
        Steps per block of the returned sums.
    escape_radius : float
        Escape test applied to every new state: logit spread for simplex maps,
        max norm for Euclidean maps.

    Returns
    -------
    sums : ndarray, shape (ceil(n_steps / block), k)
        Sum of ``log |R_jj|`` over each block of measured steps (rows of blocks
        not reached are NaN; the last block may be shorter than ``block``).
    status : int
        ``STATUS_OK``, ``STATUS_COLLAPSE`` or ``STATUS_DIVERGENT``.
    n_done : int
        Measured steps completed before an escape (``n_steps`` if none).
    u : ndarray, shape (n,)
        Last chart state reached (the last bounded one on escape).
    """
    n = u0.size
    k = Q0.shape[1]
    n_blocks = (n_steps + block - 1) // block
    sums = np.full((n_blocks, k), np.nan)
    zin, zout, work, Jz = K_.chart_workspace(n, simplex)
    J = np.empty((n, n))
    W = np.empty((n, k))
    rdiag = np.empty(k)
    acc = np.zeros(k)
    # products of R_jj between logarithms: one log per many steps, not per step
    prod = np.ones(k)
    Q = Q0.copy()
    u = u0.copy()
    v = np.empty(n)
    status = _escape_code(simplex, u, escape_radius)
    if status != STATUS_OK:
        return sums, status, 0, u
    total = n_transient + n_steps
    # counters instead of an integer modulo per step
    b = 0
    left_in_block = block
    for t in range(total):
        K_.chart_jacobian_into(step, jac, has_jac, simplex, u, p, zin, zout, work, Jz,
                                 J)
        matmul_into(J, Q, W)
        gram_schmidt_qr(W, Q, rdiag)
        # a non-finite entry of J Q makes its column norm R_jj non-finite
        for c in range(k):
            if not math.isfinite(rdiag[c]):
                status = STATUS_DIVERGENT
        if status != STATUS_OK:
            return sums, status, max(t - n_transient, 0), u
        K_.chart_step(step, simplex, u, p, zin, zout, v)
        status = _escape_code(simplex, v, escape_radius)
        if status != STATUS_OK:
            return sums, status, max(t - n_transient, 0), u
        u, v = v, u
        if t >= n_transient:
            for c in range(k):
                a = rdiag[c]
                if 1e-100 < a < 1e100:
                    prod[c] *= a
                    if not 1e-200 < prod[c] < 1e200:
                        acc[c] += math.log(prod[c])
                        prod[c] = 1.0
                else:
                    acc[c] += math.log(a)
            left_in_block -= 1
            if left_in_block == 0 or t == total - 1:
                for c in range(k):
                    sums[b, c] = acc[c] + math.log(prod[c])
                    acc[c] = 0.0
                    prod[c] = 1.0
                b += 1
                left_in_block = block
    return sums, STATUS_OK, n_steps, u


@njit(types.Tuple((types.float64, types.int64, _vec))(
    K_.StepType, K_.JacobianType, types.boolean, types.boolean, _vec, _vec,
    types.int64, types.int64, types.float64), cache=True)
def max_lyapunov_kernel(step, jac, has_jac, simplex, u0, p, n_transient, n_steps,
                        escape_radius):
    """Largest Lyapunov exponent of one orbit, for use inside compiled loops.

    One tangent vector (starting from the first column of
    :func:`~dynsys_align.analysis._linalg.initial_frame`) is pushed forward by the
    chart Jacobian and renormalised at every step; the exponent is the average
    of the logarithms of the growth factors over the ``n_steps`` steps after
    ``n_transient`` discarded ones.

    Parameters
    ----------
    step, jac, has_jac, simplex
        The map's kernels, as returned by ``UpdateMap.kernels``.
    u0 : ndarray, shape (n,)
        Initial chart point.
    p : ndarray
        Parameter vector.
    n_transient, n_steps : int
        Discarded and measured steps (``n_steps >= 1``).
    escape_radius : float
        For simplex maps the largest allowed logit spread
        ``max z - min z`` (``z = [u, 0]``); for Euclidean maps the largest
        allowed ``max |u_i|``.

    Returns
    -------
    exponent : float
        The estimate; NaN unless ``status == 0``. ``-inf`` when the tangent
        vector is mapped exactly to zero (a superstable orbit).
    status : int
        0 (``STATUS_OK``): every step completed on a bounded orbit.
        1 (``STATUS_COLLAPSE``): a simplex orbit exceeded the logit spread
        ``escape_radius`` (collapse onto the boundary of the simplex).
        2 (``STATUS_DIVERGENT``): a state or tangent vector became non-finite,
        or a Euclidean orbit exceeded ``escape_radius``.
    final_u : ndarray, shape (n,)
        Last chart state reached (the last bounded one on escape).
    """
    Q0 = initial_frame(u0.size, 1)
    sums, status, n_done, u = lyapunov_spectrum_kernel(
        step, jac, has_jac, simplex, u0, p, Q0, n_transient, n_steps, n_steps,
        escape_radius)
    if status != STATUS_OK:
        return np.nan, status, u
    return sums[0, 0] / n_steps, status, u


@dataclass(frozen=True, eq=False)
class LyapunovResult:
    """Outcome of :func:`lyapunov_spectrum` or :func:`max_lyapunov`.

    Attributes
    ----------
    exponents : ndarray, shape (k,)
        Lyapunov exponents in the order of the tangent frame's columns, which
        the QR method sorts by decreasing value as the run converges. NaN
        unless ``status == "ok"``.
    stderr : ndarray, shape (k,)
        Standard errors from batch means over the complete blocks (NaN with
        fewer than two complete blocks or when ``status != "ok"``). Orbit
        correlations longer than a block make them optimistic.
    status : str
        ``"ok"``, ``"collapse"`` (a simplex orbit reached the boundary of the
        escape radius) or ``"divergent"`` (non-finite state or tangent vector,
        or a Euclidean orbit beyond the escape radius).
    message : str
        Human-readable account of the status.
    running : ndarray, shape (n_blocks, k)
        Running estimates: the average over the first ``steps[i]`` measured
        steps. On escape it holds only the blocks completed before the escape
        (a diagnostic of the approach to the boundary, not an exponent).
    steps : ndarray of int, shape (n_blocks,)
        Measured step counts at which ``running`` was recorded.
    n_steps : int
        Measured steps completed.
    x : ndarray
        Final state in native coordinates (the policy for simplex maps).
    u : ndarray
        Final state in chart coordinates.
    """

    exponents: np.ndarray
    stderr: np.ndarray
    status: str
    message: str
    running: np.ndarray = field(repr=False)
    steps: np.ndarray = field(repr=False)
    n_steps: int
    x: np.ndarray
    u: np.ndarray

    @property
    def success(self) -> bool:
        """Whether the exponents are valid estimates (``status == "ok"``)."""
        return self.status == "ok"


def _count(value, name, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, np.integer)):
        raise InvalidParameter(f"{name} must be an integer, got {name} = {value!r}")
    if value < minimum:
        raise InvalidParameter(
            f"{name} must be >= {minimum}, got {name} = {value!r}"
        )
    return int(value)


def lyapunov_spectrum(map, x0=None, n_steps: int = 10_000, n_transient: int = 1_000,
                      *, k: int | None = None, block: int | None = None,
                      escape_radius: float | None = None) -> LyapunovResult:
    """Lyapunov spectrum of the orbit of ``map`` from ``x0`` by the QR method.

    ``lyapunov_spectrum(map, x0, n_steps, n_transient, k=None, block=None,
    escape_radius=None) -> LyapunovResult`` with the ``k`` largest exponents
    (all ``map.chart_dim`` of them by default).

    Parameters
    ----------
    map : UpdateMap
        Any update map; its analytic Jacobian is used when it has one, central
        finite differences of the step otherwise.
    x0 : array_like, optional
        Initial state in native coordinates (a policy for simplex maps);
        ``map.default_state()`` by default.
    n_steps : int, optional
        Measured steps (>= 1).
    n_transient : int, optional
        Steps iterated first and discarded (>= 0); the tangent frame is evolved
        during them too, so it is aligned when measuring starts.
    k : int, optional
        Number of exponents, ``1 <= k <= map.chart_dim``.
    block : int, optional
        Steps per block for the running estimates and the batch-means
        standard errors; ``max(1, n_steps // 100)`` by default.
    escape_radius : float, optional
        Simplex maps: the largest allowed logit spread
        ``max_i z_i - min_i z_i = log(max pi / min pi)``, default
        :data:`SIMPLEX_ESCAPE_RADIUS` (100). Euclidean maps: the largest
        allowed ``max_i |x_i|``, default :data:`EUCLIDEAN_ESCAPE_RADIUS`
        (1e100).

    Returns
    -------
    LyapunovResult
        Exponents, standard errors, status, message, running estimates and the
        final state.

    Raises
    ------
    InvalidParameter
        If a count or the escape radius is out of range, or ``x0`` is not a
        finite state of the right length.
    InvalidPolicy
        If ``x0`` is not an interior policy of a simplex map.

    Notes
    -----
    Each step multiplies the ``n x k`` orthonormal tangent frame ``Q`` by the
    chart Jacobian ``J(u_t)`` and refactorises ``J Q = Q' R`` by Gram-Schmidt
    with reorthogonalisation; exponent ``j`` is the time average of
    ``log R_jj``. For ``k = n`` the sum of the exponents is the average of
    ``log |det J|`` exactly, up to rounding. The cost is ``O(n^2 k)`` per step plus a Jacobian
    evaluation (``2 n`` extra step evaluations without an analytic Jacobian,
    whose central differences are accurate to about 1e-10).

    The estimates are finite-time averages: their error decays like
    ``1 / sqrt(n_steps)`` on chaotic orbits and like ``1 / n_steps`` on orbits
    converging to an attracting cycle. ``stderr`` quantifies the first kind only
    and assumes blocks much longer than the orbit's correlation time.

    An orbit whose state becomes non-finite or leaves the escape radius stops
    the run with status ``"collapse"`` (simplex maps) or ``"divergent"``
    (Euclidean maps, or any non-finite state or tangent vector) and NaN
    exponents. A simplex orbit that drifts towards the boundary too slowly to
    cross the escape radius within ``n_transient + n_steps`` steps is not
    detected: its exponents describe the drift (for the alignment maps values
    near ``log alpha``, as their Jacobian tends to ``alpha I`` at a vertex);
    check ``result.x``. On a map that is not invertible a tangent vector can be mapped exactly to
    zero (logistic map at its critical point), giving ``-inf``.

    References
    ----------
    G. Benettin, L. Galgani, A. Giorgilli, J.-M. Strelcyn, "Lyapunov
    characteristic exponents for smooth dynamical systems and for Hamiltonian
    systems", Meccanica 15 (1980). I. Shimada, T. Nagashima, "A numerical
    approach to ergodic problem of dissipative dynamical systems", Prog. Theor.
    Phys. 61 (1979).

    Examples
    --------
    The Henon attractor (exponents about 0.419 and -1.623):

    >>> import numpy as np
    >>> from dynsys_align.maps.classic import Henon
    >>> from dynsys_align.analysis.lyapunov import lyapunov_spectrum
    >>> res = lyapunov_spectrum(Henon(1.4, 0.3), [0.0, 0.0], n_steps=100_000)
    >>> res.status, np.round(res.exponents, 2)
    ('ok', array([ 0.42, -1.62]))
    >>> bool(abs(res.exponents.sum() - np.log(0.3)) < 1e-12)
    True
    """
    n = map.chart_dim
    n_steps = _count(n_steps, "n_steps", 1)
    n_transient = _count(n_transient, "n_transient", 0)
    k = n if k is None else _count(k, "k", 1)
    if k > n:
        raise InvalidParameter(
            f"k must be at most the chart dimension {n}, got k = {k}"
        )
    block = max(1, n_steps // 100) if block is None else _count(block, "block", 1)
    if escape_radius is None:
        escape_radius = (SIMPLEX_ESCAPE_RADIUS if map.is_simplex
                         else EUCLIDEAN_ESCAPE_RADIUS)
    escape_radius = check_positive(escape_radius, "escape_radius")

    u0 = map.to_chart(map.default_state() if x0 is None else x0)
    step, jac, has_jac, simplex = map.kernels
    Q0 = initial_frame(n, k)
    sums, code, n_done, u = lyapunov_spectrum_kernel(
        step, jac, has_jac, simplex, u0, np.array(map.params, dtype=float), Q0,
        n_transient, n_steps, block, float(escape_radius))

    done_blocks = int(np.sum(~np.any(np.isnan(sums), axis=1)))
    steps = np.minimum(np.arange(1, done_blocks + 1) * block, n_steps)
    running = np.cumsum(sums[:done_blocks], axis=0) / steps[:, None]
    status = STATUS_NAMES[int(code)]
    if status == "ok":
        exponents = sums.sum(axis=0) / n_steps
        full = n_steps // block
        if full >= 2:
            means = sums[:full] / block
            with np.errstate(invalid="ignore"):
                # a superstable orbit has -inf block means and no spread to report
                stderr = means.std(axis=0, ddof=1) / math.sqrt(full)
        else:
            stderr = np.full(k, np.nan)
        message = f"completed {n_steps} measured steps after {n_transient} transient"
    else:
        exponents = np.full(k, np.nan)
        stderr = np.full(k, np.nan)
        where = (f"after {n_done} measured steps" if n_done > 0
                 else "during the transient or at the start")
        if status == "collapse":
            message = (
                f"orbit collapsed onto the boundary of the simplex {where}: the "
                f"logit spread log(max pi / min pi) exceeded escape_radius = "
                f"{escape_radius:g}; no finite-time exponent is meaningful"
            )
        else:
            message = (
                f"orbit diverged {where}: a state or tangent vector became "
                f"non-finite or left escape_radius = {escape_radius:g}"
            )
        logger.info("lyapunov_spectrum: %s", message)
    return LyapunovResult(
        exponents=exponents, stderr=stderr, status=status, message=message,
        running=running, steps=steps, n_steps=int(n_done),
        x=map.from_chart(u), u=u,
    )


def max_lyapunov(map, x0=None, n_steps: int = 10_000, n_transient: int = 1_000, *,
                 block: int | None = None,
                 escape_radius: float | None = None) -> LyapunovResult:
    """Largest Lyapunov exponent of the orbit of ``map`` from ``x0``.

    ``max_lyapunov(map, x0, n_steps, n_transient, block=None,
    escape_radius=None) -> LyapunovResult`` with one exponent: the same as
    ``lyapunov_spectrum(..., k=1)``, at a cost of ``O(n^2)`` per step instead
    of ``O(n^3)``.

    Parameters
    ----------
    map, x0, n_steps, n_transient, block, escape_radius
        As in :func:`lyapunov_spectrum`.

    Returns
    -------
    LyapunovResult
        ``exponents`` has length 1.

    Raises
    ------
    InvalidParameter, InvalidPolicy
        As in :func:`lyapunov_spectrum`.

    Notes
    -----
    The single tangent vector starts from a fixed vector in general position,
    so it has a component along the most unstable direction unless the orbit
    is special. Limits are those of :func:`lyapunov_spectrum`. Inside compiled
    loops use :func:`max_lyapunov_kernel` directly.

    Examples
    --------
    On the stable branch of the logistic map the exponent is
    ``log |2 - r|``:

    >>> import numpy as np
    >>> from dynsys_align.maps.classic import Logistic
    >>> from dynsys_align.analysis.lyapunov import max_lyapunov
    >>> res = max_lyapunov(Logistic(2.5), [0.3], n_steps=2000, n_transient=200)
    >>> bool(abs(res.exponents[0] - np.log(0.5)) < 1e-3)
    True
    """
    return lyapunov_spectrum(map, x0, n_steps, n_transient, k=1, block=block,
                             escape_radius=escape_radius)
