"""Regime classification: what an orbit settles into, and why we think so.

One pass over an orbit (a transient, then a kept window) collects everything the
classification needs: whether the orbit stayed finite, a finite-time estimate of
the largest Lyapunov exponent, the Shannon entropy of the final policy, the
oscillation strength, how close the orbit comes to the simplex boundary and
whether it is still heading there, and the last stretch of the orbit for period
detection. A fixed decision order (see :class:`Criteria`) turns those numbers
into one of the :data:`KINDS`.

Two entry points share that pass:

* :func:`classify` for one map and start, returning a :class:`Regime` with a
  readable reason, the evidence and a summary of the attractor;
* :func:`summarize` for a batch (rows of a parameter matrix, in parallel),
  returning a :class:`RegimeSummary` of plain arrays. The sweeps build on it;
  every row depends only on its own inputs, so chunking a grid never changes a
  result.

The compiled core is public for code that runs its own loops:
:func:`orbit_statistics` (one orbit, callable from compiled code) and
:func:`batch_statistics` (one parallel kernel over rows), with the entries of
their statistics vectors named in :data:`STATISTICS`.

This module may import :mod:`dynsys_align.maps` (the map interface and its
compiled drivers), :mod:`dynsys_align.analysis.periodic`, the validation helpers
and the exceptions; nothing from the sweeps, plotting or the command line.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange, types

from ..exceptions import InvalidParameter
from ..maps import _kernels as K_
from ..maps.base import UpdateMap
from .periodic import detect_period_kernel

__all__ = [
    "KINDS",
    "STATISTICS",
    "Criteria",
    "Regime",
    "RegimeSummary",
    "classify",
    "summarize",
    "kind_code",
    "kind_name",
    "kind_names",
    "orbit_statistics",
    "batch_statistics",
]

logger = logging.getLogger(__name__)

#: Regime names; a regime's integer code is its position in this tuple.
KINDS = (
    "fixed_point",
    "periodic",
    "quasi_periodic",
    "chaotic",
    "collapse",
    "divergent",
)
FIXED_POINT, PERIODIC, QUASI_PERIODIC, CHAOTIC, COLLAPSE, DIVERGENT = range(6)

#: Entries of the statistics vector written by :func:`orbit_statistics`.
STATISTICS = (
    "lyapunov",
    "entropy",
    "oscillation",
    "log_min_coordinate",
    "boundary_drift",
)
_LYAP, _ENTROPY, _OSC, _LOG_MIN, _DRIFT = range(5)
_N_STATS = len(STATISTICS)

_vec = types.float64[::1]
_mat = types.float64[:, ::1]
_ivec = types.int64[::1]


def kind_code(name: str) -> int:
    """Integer code of a regime name.

    Parameters
    ----------
    name : str
        One of :data:`KINDS`.

    Returns
    -------
    int
        The position of ``name`` in :data:`KINDS`.

    Raises
    ------
    InvalidParameter
        If ``name`` is not a regime name.

    Examples
    --------
    >>> kind_code("chaotic")
    3
    """
    try:
        return KINDS.index(name)
    except ValueError:
        raise InvalidParameter(
            f"unknown regime {name!r}; known regimes: {', '.join(KINDS)}"
        ) from None


def kind_name(code: int) -> str:
    """Regime name of an integer code.

    Parameters
    ----------
    code : int
        A code between 0 and ``len(KINDS) - 1``.

    Returns
    -------
    str
        ``KINDS[code]``.

    Raises
    ------
    InvalidParameter
        If ``code`` is not a valid regime code.

    Examples
    --------
    >>> kind_name(1)
    'periodic'
    """
    if isinstance(code, bool) or not isinstance(code, (int, np.integer)):
        raise InvalidParameter(
            f"regime codes are integers in [0, {len(KINDS) - 1}], got {code!r}"
        )
    c = int(code)
    if not 0 <= c < len(KINDS):
        raise InvalidParameter(
            f"regime codes are integers in [0, {len(KINDS) - 1}], got {code!r}"
        )
    return KINDS[c]


def kind_names(codes) -> np.ndarray:
    """Regime names for an array of integer codes (same shape, dtype object).

    Parameters
    ----------
    codes : array_like of int
        Regime codes.

    Returns
    -------
    numpy.ndarray
        The names, as Python strings in an object array.

    Raises
    ------
    InvalidParameter
        If some code is not a valid regime code.

    Examples
    --------
    >>> kind_names([0, 3]).tolist()
    ['fixed_point', 'chaotic']
    """
    c = np.asarray(codes)
    if c.size and (
        not np.issubdtype(c.dtype, np.integer) or c.min() < 0 or c.max() >= len(KINDS)
    ):
        raise InvalidParameter(
            f"regime codes are integers in [0, {len(KINDS) - 1}], got {codes!r}"
        )
    return np.array(KINDS, dtype=object)[c.astype(np.int64)]


# --- criteria -----------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """Every tolerance the regime decision uses, with its default.

    The decision is taken in this order; the first rule that applies wins.

    1. ``divergent``: the orbit produced a non-finite state, or (Euclidean maps
       only) a state with max-norm above ``escape_radius``.
    2. ``collapse`` (simplex maps only): at the final iterate the smallest policy
       coordinate is below ``collapse_min_coord`` or the entropy is below
       ``collapse_entropy``, *and* the orbit is still heading to the boundary:
       the smallest log-coordinate reached in the second half of the kept window
       lies more than ``collapse_drift`` nats below the one reached in the first
       half.
    3. ``fixed_point``: every step of the stored tail moves the chart state by at
       most ``fixed_point_tol`` times the tail's scale (see Notes); also when
       period detection at ``period_tol`` finds period 1 (a fixed point that is
       still being approached).
    4. ``periodic``: the tail repeats with a smallest period ``k`` in
       ``2..max_period`` within ``period_tol`` times the scale.
    5. ``chaotic``: no period, and the largest Lyapunov exponent exceeds
       ``chaos_lyapunov``.
    6. ``quasi_periodic``: no period, and the exponent lies in
       ``[-quasi_periodic_lyapunov, chaos_lyapunov]``.
    7. otherwise ``periodic`` with unknown period: the orbit contracts (clearly
       negative exponent) but repeats with no period up to ``max_period``, so it
       is a longer cycle or has not finished its transient.

    Parameters
    ----------
    fixed_point_tol : float, default 1e-8
        Largest relative step size over the tail that counts as standing still.
    period_tol : float, default 1e-6
        Relative tolerance of period detection.
    max_period : int, default 64
        Largest period looked for. The stored tail holds
        ``min(n_keep, tail_factor * max_period)`` states and periods above half
        its length are not tested.
    tail_factor : int, default 4
        Length of the stored tail in units of ``max_period``.
    chaos_lyapunov : float, default 0.01
        Exponents above this (with no period) mean chaos.
    quasi_periodic_lyapunov : float, default 0.01
        Exponents within ``[-quasi_periodic_lyapunov, chaos_lyapunov]`` (with no
        period) mean quasi-periodic motion.
    collapse_min_coord : float, default 1e-10
        Policy coordinates below this count as collapsed.
    collapse_entropy : float, default 1e-9
        Entropies (nats) below this count as collapsed.
    collapse_drift : float, default 1.0
        How far (in nats of the smallest log-coordinate) the orbit must still be
        moving toward the boundary over the kept window to be called a collapse
        rather than a fixed point or cycle near a vertex.
    escape_radius : float, default 1e10
        Euclidean maps only: a state with a coordinate larger than this in
        absolute value counts as divergent.

    Raises
    ------
    InvalidParameter
        If a tolerance is not finite and positive, ``max_period`` or
        ``tail_factor`` is below 2, or
        ``quasi_periodic_lyapunov > chaos_lyapunov``.

    Notes
    -----
    Distances are max-norms in chart coordinates (log-ratios on the simplex);
    the tolerances are absolute for states of size below 1 and relative to
    ``max |u|`` over the stored tail above (the rule of
    :func:`~dynsys_align.analysis.periodic.detect_period_kernel`). Exponents
    are finite-time estimates over the kept window, so the thresholds
    separating quasi-periodic motion from chaos and from long cycles are only
    as sharp as ``1 / n_keep`` allows.

    Examples
    --------
    >>> Criteria(chaos_lyapunov=0.05).max_period
    64
    """

    fixed_point_tol: float = 1e-8
    period_tol: float = 1e-6
    max_period: int = 64
    tail_factor: int = 4
    chaos_lyapunov: float = 0.01
    quasi_periodic_lyapunov: float = 0.01
    collapse_min_coord: float = 1e-10
    collapse_entropy: float = 1e-9
    collapse_drift: float = 1.0
    escape_radius: float = 1e10

    def __post_init__(self):
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name in ("max_period", "tail_factor"):
                if (isinstance(v, bool) or not isinstance(v, (int, np.integer))
                        or v < 2):
                    raise InvalidParameter(
                        f"{f.name} must be an integer >= 2, got {f.name} = {v!r}"
                    )
                object.__setattr__(self, f.name, int(v))
                continue
            try:
                fv = float(v)
            except (TypeError, ValueError):
                raise InvalidParameter(
                    f"{f.name} must be a real number, got {f.name} = {v!r}"
                ) from None
            if not (math.isfinite(fv) and fv > 0.0):
                raise InvalidParameter(
                    f"{f.name} must be finite and > 0, got {f.name} = {v!r}"
                )
            object.__setattr__(self, f.name, fv)
        if self.quasi_periodic_lyapunov > self.chaos_lyapunov:
            raise InvalidParameter(
                "quasi_periodic_lyapunov must not exceed chaos_lyapunov, got "
                f"{self.quasi_periodic_lyapunov!r} > {self.chaos_lyapunov!r}"
            )


# --- compiled pass ------------------------------------------------------------


@njit(
    types.int64(K_.StepType, K_.JacobianType, types.boolean, types.boolean, _vec,
                _vec, types.int64, types.int64, types.float64, _vec, _mat),
    cache=True,
)
def orbit_statistics(step, jac, has_jac, simplex, u0, p, n_transient, n_keep,
                     escape_radius, stats, tail):
    """One pass over an orbit in chart coordinates, collecting regime evidence.

    Compiled (explicit signature, cached); callable from other compiled code.
    Iterates ``n_transient + n_keep`` steps from ``u0``; the kept window is the
    ``n_keep`` states after the transient.

    Parameters
    ----------
    step, jac : compiled kernels
        The map's kernels (``map.kernels``); ``jac`` is ignored when
        ``has_jac`` is false (central differences are used).
    has_jac, simplex : bool
        Whether ``jac`` is real, and whether the map lives on the simplex.
    u0 : float64[::1]
        Start in chart coordinates.
    p : float64[::1]
        Parameter vector.
    n_transient, n_keep : int
        Transient length (>= 0) and window length (>= 2).
    escape_radius : float
        Euclidean maps: a coordinate above this in absolute value stops the
        orbit as divergent (ignored on the simplex).
    stats : float64[::1], length ``len(STATISTICS)``
        Output: the entries named in :data:`STATISTICS`. The exponent and the
        oscillation are NaN when the orbit diverged; entropy is NaN and the
        log coordinate and drift are 0 for Euclidean maps.
    tail : float64[:, ::1], shape ``(n_tail, chart_dim)``, ``n_tail <= n_keep``
        Output: the last ``n_tail`` chart states of the window, oldest first
        (meaningless if the orbit diverged).

    Returns
    -------
    int
        Steps completed: ``n_transient + n_keep``, or fewer if the orbit
        produced a non-finite or escaping state (the state reached is the
        last finite one).
    """
    n = u0.size
    m = n + 1 if simplex else n
    total = n_transient + n_keep
    n_tail = tail.shape[0]
    first_tail = total - n_tail + 1
    half = n_transient + n_keep // 2
    zin, zout, work, Jz = K_.chart_workspace(n, simplex)
    J = np.empty((n, n))
    u = u0.copy()
    v = np.empty(n)
    w = np.empty(n)
    jw = np.empty(n)
    x = np.empty(m)
    mean = np.zeros(m)
    m2 = np.zeros(m)

    # a fixed, generic tangent vector (not aligned with coordinate axes)
    w0 = np.empty(n)
    s = 0.0
    for i in range(n):
        w0[i] = 1.0 + 0.37 * i
        s += w0[i] * w0[i]
    for i in range(n):
        w0[i] /= math.sqrt(s)
        w[i] = w0[i]

    log_growth = 0.0
    superstable = False
    min1 = math.inf
    min2 = math.inf
    log_min = 0.0
    done = total
    for t in range(1, total + 1):
        K_.chart_jacobian_into(step, jac, has_jac, simplex, u, p, zin, zout, work, Jz, J)
        K_.chart_step(step, simplex, u, p, zin, zout, v)
        escaped = False
        for i in range(n):
            if not math.isfinite(v[i]) or (not simplex and abs(v[i]) > escape_radius):
                escaped = True
        if escaped:
            done = t - 1
            break

        # tangent vector: w <- J w / |J w|, log growth counted in the window
        norm2 = 0.0
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += J[i, j] * w[j]
            jw[i] = acc
            norm2 += acc * acc
        norm = math.sqrt(norm2)
        if norm > 0.0 and math.isfinite(norm):
            for i in range(n):
                w[i] = jw[i] / norm
            if t > n_transient:
                log_growth += math.log(norm)
        else:
            # a zero product means a superstable direction (exponent -inf)
            if norm == 0.0 and t > n_transient:
                superstable = True
            for i in range(n):
                w[i] = w0[i]
        u, v = v, u
        if t <= n_transient:
            continue

        # observed coordinates: the policy, or the state itself
        if simplex:
            zmax = 0.0
            zmin = 0.0
            for i in range(n):
                if u[i] > zmax:
                    zmax = u[i]
                if u[i] < zmin:
                    zmin = u[i]
            s = 0.0
            for i in range(n):
                x[i] = math.exp(u[i] - zmax)
                s += x[i]
            x[n] = math.exp(-zmax)
            s += x[n]
            for i in range(m):
                x[i] /= s
            log_min = zmin - zmax - math.log(s)
            if t <= half:
                min1 = min(min1, log_min)
            else:
                min2 = min(min2, log_min)
        else:
            for i in range(n):
                x[i] = u[i]
        k = t - n_transient
        for i in range(m):
            d = x[i] - mean[i]
            mean[i] += d / k
            m2[i] += d * (x[i] - mean[i])
        if t >= first_tail:
            for i in range(n):
                tail[t - first_tail, i] = u[i]

    if done < total:
        stats[_LYAP] = math.nan
        stats[_OSC] = math.nan
    else:
        stats[_LYAP] = -math.inf if superstable else log_growth / n_keep
        osc = 0.0
        for i in range(m):
            osc += m2[i] / n_keep
        stats[_OSC] = osc / m
    if simplex:
        stats[_ENTROPY] = K_.entropy_chart(u)
        stats[_LOG_MIN] = log_min
        stats[_DRIFT] = min1 - min2 if done == total else 0.0
    else:
        stats[_ENTROPY] = math.nan
        stats[_LOG_MIN] = 0.0
        stats[_DRIFT] = 0.0
    return done


@njit(
    types.Tuple((_mat, _ivec, _ivec, _ivec))(
        K_.StepType, K_.JacobianType, types.boolean, types.boolean, _mat, _mat,
        types.int64, types.int64, types.int64, types.int64, types.float64,
        types.float64, types.float64),
    cache=True,
    parallel=True,
)
def batch_statistics(step, jac, has_jac, simplex, U0, Pm, n_transient, n_keep,
                     n_tail, max_period, fixed_point_tol, period_tol, escape_radius):
    """:func:`orbit_statistics` and period detection for many rows in parallel.

    Compiled with numba ``prange`` (explicit signature, cached). Row ``b``
    uses start ``U0[b]`` and parameter vector ``Pm[b]``. Rows are computed
    independently, so the result of a row does not depend on the batch it is
    in.

    Parameters
    ----------
    step, jac, has_jac, simplex
        As for :func:`orbit_statistics`.
    U0, Pm : float64[:, ::1]
        Starts (chart coordinates) and parameter vectors, equal row counts.
    n_transient, n_keep : int
        Transient and window lengths.
    n_tail : int
        Number of final states kept for period detection (``<= n_keep``).
    max_period : int
        Largest period looked for (at most ``n_tail // 2`` is meaningful).
    fixed_point_tol, period_tol : float
        Tolerances of the two calls to
        :func:`~dynsys_align.analysis.periodic.detect_period_kernel`.
    escape_radius : float
        As for :func:`orbit_statistics`.

    Returns
    -------
    stats : float64[:, ::1]
        One row of :data:`STATISTICS` per orbit.
    still : int64[::1]
        1 where the tail stands still within ``fixed_point_tol``, else 0.
    period : int64[::1]
        Smallest period within ``period_tol`` (0 if none or diverged).
    done : int64[::1]
        Steps completed per orbit.
    """
    nb = U0.shape[0]
    n = U0.shape[1]
    total = n_transient + n_keep
    stats = np.empty((nb, _N_STATS))
    still = np.zeros(nb, dtype=np.int64)
    period = np.zeros(nb, dtype=np.int64)
    done = np.empty(nb, dtype=np.int64)
    for b in prange(nb):
        row = np.empty(_N_STATS)
        tail = np.empty((n_tail, n))
        d = orbit_statistics(step, jac, has_jac, simplex, U0[b].copy(), Pm[b].copy(),
                             n_transient, n_keep, escape_radius, row, tail)
        stats[b, :] = row
        done[b] = d
        if d == total:
            still[b] = detect_period_kernel(tail, 1, fixed_point_tol)
            period[b] = detect_period_kernel(tail, max_period, period_tol)
    return stats, still, period, done


# --- decision -----------------------------------------------------------------


def _tail_length(n_keep: int, criteria: Criteria) -> int:
    return int(min(n_keep, criteria.tail_factor * criteria.max_period))


def _decide(stats, still, period, done, total, simplex, criteria):
    """Regime codes and effective periods from the pass's arrays (vectorised)."""
    c = criteria
    lyap = stats[:, _LYAP]
    entropy = stats[:, _ENTROPY]
    diverged = done < total
    with np.errstate(invalid="ignore"):
        if simplex:
            near = (stats[:, _LOG_MIN] < math.log(c.collapse_min_coord)) | (
                entropy < c.collapse_entropy
            )
            collapsing = ~diverged & near & (stats[:, _DRIFT] > c.collapse_drift)
        else:
            collapsing = np.zeros_like(diverged)
        open_ = ~diverged & ~collapsing
        fixed = open_ & ((still == 1) | (period == 1))
        cyc = open_ & ~fixed & (period >= 2)
        rest = open_ & ~fixed & ~cyc
        chaotic = rest & (lyap > c.chaos_lyapunov)
        # what remains (clearly negative exponent, no period) stays periodic
        quasi = rest & ~chaotic & (lyap >= -c.quasi_periodic_lyapunov)
    kind = np.full(len(done), PERIODIC, dtype=np.int64)
    kind[diverged] = DIVERGENT
    kind[collapsing] = COLLAPSE
    kind[fixed] = FIXED_POINT
    kind[chaotic] = CHAOTIC
    kind[quasi] = QUASI_PERIODIC
    per = np.zeros(len(done), dtype=np.int64)
    per[fixed] = 1
    per[cyc] = period[cyc]
    return kind, per


# --- results ------------------------------------------------------------------


@dataclass(frozen=True)
class RegimeSummary:
    """Regimes of a batch of orbits, one entry per parameter row.

    Attributes
    ----------
    kind : numpy.ndarray of int64
        Regime codes (positions in :data:`KINDS`); see :meth:`kind_names`.
    period : numpy.ndarray of int64
        1 for fixed points, the period of detected cycles, 0 otherwise
        (including periodic orbits whose period exceeds the search).
    lyapunov : numpy.ndarray of float
        Finite-time largest Lyapunov exponent over the kept window; NaN for
        collapse and divergent rows (no attractor to measure), ``-inf`` for a
        superstable orbit.
    entropy : numpy.ndarray of float
        Entropy (nats) of the final policy (last finite one if divergent); NaN
        for Euclidean maps, which have no policy.
    oscillation : numpy.ndarray of float
        Mean over coordinates of the temporal variance of the policy
        coordinates (Euclidean maps: of the state coordinates) over the kept
        window; NaN for divergent rows.
    steps : numpy.ndarray of int64
        Steps completed before divergence (``n_transient + n_keep`` if none).
    criteria : Criteria
        The criteria used.
    """

    kind: np.ndarray
    period: np.ndarray
    lyapunov: np.ndarray
    entropy: np.ndarray
    oscillation: np.ndarray
    steps: np.ndarray
    criteria: Criteria = field(default_factory=Criteria)

    def __len__(self) -> int:
        return len(self.kind)

    def kind_names(self) -> np.ndarray:
        """The regime names of :attr:`kind` (object array of str)."""
        return kind_names(self.kind)

    def counts(self) -> dict[str, int]:
        """How many rows fall in each regime (every name of :data:`KINDS`)."""
        return {name: int(np.sum(self.kind == i)) for i, name in enumerate(KINDS)}


@dataclass(frozen=True)
class Regime:
    """The regime of one orbit, with the evidence that decided it.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    period : int or None
        1 for a fixed point, the period of a detected cycle, else None.
    lyapunov : float
        Finite-time largest Lyapunov exponent over the kept window (NaN for
        collapse and divergent; :attr:`reason` says why).
    entropy : float or None
        Entropy (nats) of the final policy; None for Euclidean maps.
    oscillation : float
        Oscillation strength (see :class:`RegimeSummary`).
    attractor : dict
        What the orbit settled on, in native coordinates (policies for simplex
        maps): ``point`` (fixed point); ``cycle`` (periodic, the last period's
        states); ``mean``, ``min``, ``max`` over the stored tail
        (quasi-periodic, chaotic, periodic of unknown period); ``vertex`` and
        ``final`` (collapse); ``last_finite`` and ``steps`` (divergent).
    reason : str
        The rule that decided, in words, with the numbers compared.
    evidence : dict
        The raw numbers behind the decision.
    criteria : Criteria
        The criteria used.
    """

    kind: str
    period: int | None
    lyapunov: float
    entropy: float | None
    oscillation: float
    attractor: dict
    reason: str
    evidence: dict
    criteria: Criteria = field(default_factory=Criteria, repr=False)

    def __repr__(self) -> str:
        parts = [f"kind={self.kind!r}"]
        if self.period is not None:
            parts.append(f"period={self.period}")
        parts.append(f"lyapunov={self.lyapunov:.4g}")
        if self.entropy is not None:
            parts.append(f"entropy={self.entropy:.4g}")
        parts.append(f"oscillation={self.oscillation:.3g}")
        parts.append(f"reason={self.reason!r}")
        return "Regime(" + ", ".join(parts) + ")"


# --- public functions ---------------------------------------------------------


def _check_lengths(n_transient, n_keep):
    for name, v, low in (("n_transient", n_transient, 0), ("n_keep", n_keep, 4)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InvalidParameter(f"{name} must be an integer, got {name} = {v!r}")
        if v < low:
            raise InvalidParameter(f"{name} must be >= {low}, got {name} = {v}")
    return int(n_transient), int(n_keep)


def _check_criteria(criteria):
    if criteria is None:
        return Criteria()
    if not isinstance(criteria, Criteria):
        raise InvalidParameter(
            f"criteria must be a Criteria instance or None, got {criteria!r}"
        )
    return criteria


def _check_map(m):
    if not isinstance(m, UpdateMap):
        raise InvalidParameter(f"expected an UpdateMap, got {type(m).__name__}")


def _check_param_matrix(m: UpdateMap, params) -> np.ndarray:
    if params is None:
        return m.params[None, :].copy()
    try:
        Pm = np.array(params, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameter(f"params must be numeric, got {params!r}") from None
    if Pm.ndim == 1:
        Pm = Pm[None, :]
    if Pm.ndim != 2 or Pm.shape[1] != m.params.size:
        raise InvalidParameter(
            f"params must have shape (rows, {m.params.size}) for "
            f"{type(m).__name__}, got shape {np.shape(params)}"
        )
    bad = np.argwhere(~np.isfinite(Pm))
    if bad.size:
        r, col = bad[0]
        label = m.param_names[col] if col < len(m.param_names) else f"entry {col}"
        raise InvalidParameter(
            f"params must be finite; row {r}, {label} is {float(Pm[r, col])!r}"
        )
    return Pm


def summarize(map, params=None, x0=None, *, n_transient: int = 2000,
              n_keep: int = 1000, criteria: Criteria | None = None
              ) -> RegimeSummary:
    """Regimes of many orbits at once: one row per parameter vector.

    Runs ``n_transient`` steps, then a kept window of ``n_keep`` steps, for
    every row of ``params`` in parallel (compiled, numba ``prange``), and
    classifies each orbit with the rules of :class:`Criteria`.

    Parameters
    ----------
    map : UpdateMap
        The map; its kernels are used with each row of ``params``.
    params : array_like, optional
        Parameter matrix, shape ``(rows, len(map.params))`` (from
        :meth:`UpdateMap.vary` or :meth:`UpdateMap.stack`), or one vector.
        Default: the map's own parameters.
    x0 : array_like, optional
        Initial state (a policy for simplex maps), one for all rows or one per
        row. Default: ``map.default_state()``, a generic interior policy for
        simplex maps; a Euclidean map's default may be a fixed point (the
        origin of a linear map), so pass a generic start there.
    n_transient : int, default 2000
        Steps discarded before the kept window (>= 0).
    n_keep : int, default 1000
        Length of the kept window (>= 4) over which exponents, oscillation and
        the tail for period detection are taken.
    criteria : Criteria, optional
        Tolerances and thresholds; default ``Criteria()``.

    Returns
    -------
    RegimeSummary
        Arrays with one entry per row: ``kind``, ``period``, ``lyapunov``,
        ``entropy``, ``oscillation``, ``steps``.

    Raises
    ------
    InvalidParameter
        For a non-map, bad lengths, a parameter matrix of the wrong shape or
        with non-finite entries, mismatched row counts, or bad criteria.
    InvalidPolicy
        If a start is not an interior policy (simplex maps).

    Notes
    -----
    Cost: ``rows * (n_transient + n_keep)`` steps plus as many chart Jacobians
    (finite differences, i.e. ``2 * dim`` extra steps, when the map has no
    analytic Jacobian), and ``O(max_period * tail * dim)`` per row for period
    detection. The result of a row depends only on that row's start and
    parameters, so splitting a grid into chunks gives identical results. The
    rows are not checked by the map's own parameter rules (build them with
    :meth:`UpdateMap.vary` for that). Each regime is a finite-time verdict; see
    :class:`Criteria` and :func:`classify` for the limits.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps import MRSIPO
    >>> a = 0.2
    >>> P = np.array([[0.5, 0.5 + a, 0.5 - a],
    ...               [0.5 - a, 0.5, 0.5 + a],
    ...               [0.5 + a, 0.5 - a, 0.5]])
    >>> m = MRSIPO(P, alpha=0.5, beta=4.0, lam=1.0)
    >>> s = summarize(m, m.vary(beta=[4.0, 12.0]), x0=[0.5, 0.3, 0.2],
    ...               n_transient=500, n_keep=200)
    >>> s.kind_names().tolist()       # the threshold is beta = 7.5
    ['fixed_point', 'quasi_periodic']
    >>> bool(s.oscillation[0] < 1e-12 < s.oscillation[1])
    True
    """
    _check_map(map)
    n_transient, n_keep = _check_lengths(n_transient, n_keep)
    c = _check_criteria(criteria)
    Pm = _check_param_matrix(map, params)
    U0, Pm = map._batch_chart(map.default_state() if x0 is None else x0, Pm)
    step, jac, has_jac, simplex = map.kernels
    n_tail = _tail_length(n_keep, c)
    max_period = min(c.max_period, n_tail // 2)
    stats, still, period, done = batch_statistics(
        step, jac, has_jac, simplex, U0, Pm, n_transient, n_keep, n_tail,
        max_period, c.fixed_point_tol, c.period_tol, c.escape_radius,
    )
    total = n_transient + n_keep
    kind, per = _decide(stats, still, period, done, total, simplex, c)
    lyap = stats[:, _LYAP].copy()
    lyap[(kind == COLLAPSE) | (kind == DIVERGENT)] = np.nan
    n_div = int(np.sum(kind == DIVERGENT))
    if n_div:
        logger.info("%d of %d orbits diverged", n_div, len(kind))
    return RegimeSummary(
        kind=kind,
        period=per,
        lyapunov=lyap,
        entropy=stats[:, _ENTROPY].copy(),
        oscillation=stats[:, _OSC].copy(),
        steps=done,
        criteria=c,
    )


def classify(map, x0=None, *, n_transient: int = 2000, n_keep: int = 1000,
             criteria: Criteria | None = None) -> Regime:
    """Classify the long-run behaviour of one orbit of a map.

    Runs ``n_transient`` steps, then a kept window of ``n_keep`` steps, in
    chart coordinates, collecting a finite-time largest Lyapunov exponent (one
    tangent vector renormalised every step), the entropy of the final policy,
    the oscillation strength, the distance to the simplex boundary and the last
    stretch of the orbit; then applies the rules of :class:`Criteria` in their
    documented order.

    Parameters
    ----------
    map : UpdateMap
        The map to iterate (with its own parameters).
    x0 : array_like, optional
        Initial state (a policy for simplex maps). Default:
        ``map.default_state()``, a generic interior policy for simplex maps; a
        Euclidean map's default may be a fixed point, so pass a generic start
        there to see the attractor.
    n_transient : int, default 2000
        Steps discarded before the kept window (>= 0).
    n_keep : int, default 1000
        Length of the kept window (>= 4).
    criteria : Criteria, optional
        Tolerances and thresholds; default ``Criteria()``.

    Returns
    -------
    Regime
        ``kind`` (one of :data:`KINDS`), ``period``, ``lyapunov``, ``entropy``,
        ``oscillation``, ``attractor``, ``reason`` and ``evidence``.

    Raises
    ------
    InvalidParameter
        For a non-map, bad lengths, a start of the wrong shape, or bad criteria.
    InvalidPolicy
        If ``x0`` is not an interior policy (simplex maps).

    Notes
    -----
    The verdict is about a finite stretch of one orbit and inherits its limits:

    * a long transient (slow approach to a fixed point, a multiplier close to 1
      in modulus) can look periodic, quasi-periodic or, with the drift rule,
      even like a collapse; raise ``n_transient`` near bifurcations;
    * a cycle longer than ``max_period`` (or than half the stored tail) is not
      detected: with a clearly negative exponent it is reported as periodic of
      unknown period, otherwise it is indistinguishable from quasi-periodic
      motion;
    * the exponent is a finite-time estimate whose error decays like
      ``1 / n_keep`` on regular orbits and more slowly on chaotic ones; orbits
      near the thresholds may flip between quasi-periodic and chaotic;
    * only the attractor reached from ``x0`` is seen; other attractors need
      other starts.

    The result equals row 0 of :func:`summarize` with the same inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps import MRSIPO
    >>> a = 0.2
    >>> P = np.array([[0.5, 0.5 + a, 0.5 - a],
    ...               [0.5 - a, 0.5, 0.5 + a],
    ...               [0.5 + a, 0.5 - a, 0.5]])
    >>> r = classify(MRSIPO(P, alpha=0.5, beta=4.0, lam=1.0), [0.5, 0.3, 0.2])
    >>> r.kind, r.period
    ('fixed_point', 1)
    >>> np.round(r.attractor["point"], 6)
    array([0.333333, 0.333333, 0.333333])
    """
    _check_map(map)
    n_transient, n_keep = _check_lengths(n_transient, n_keep)
    c = _check_criteria(criteria)
    u0 = map.to_chart(map.default_state() if x0 is None else x0)
    step, jac, has_jac, simplex = map.kernels
    p = np.array(map.params, dtype=float)
    n_tail = _tail_length(n_keep, c)
    max_period = min(c.max_period, n_tail // 2)
    stats = np.empty(_N_STATS)
    tail = np.empty((n_tail, map.chart_dim))
    done = orbit_statistics(step, jac, has_jac, simplex, u0, p, n_transient,
                            n_keep, c.escape_radius, stats, tail)
    total = n_transient + n_keep
    still = period = 0
    if done == total:
        still = detect_period_kernel(tail, 1, c.fixed_point_tol)
        period = detect_period_kernel(tail, max_period, c.period_tol)
    kind_arr, per_arr = _decide(stats[None, :], np.array([still]),
                                np.array([period]), np.array([done]), total,
                                simplex, c)
    code = int(kind_arr[0])
    kind = KINDS[code]
    per = int(per_arr[0]) or None
    lyap = float(stats[_LYAP])
    entropy = float(stats[_ENTROPY]) if simplex else None
    evidence = {
        "steps": int(done),
        "lyapunov_estimate": lyap,
        "log_min_coordinate": float(stats[_LOG_MIN]) if simplex else None,
        "boundary_drift": float(stats[_DRIFT]) if simplex else None,
        "tail_length": n_tail,
        "still_within_fixed_point_tol": bool(still),
        "detected_period": int(period),
        "max_period_searched": max_period,
    }
    reason = _reason(code, per, lyap, stats, still, period, done, total,
                     max_period, c)
    if code in (COLLAPSE, DIVERGENT):
        lyap = math.nan
    if done < total:
        # the tail is incomplete; only the last finite state is meaningful
        last = _last_state(map, u0, p, done)
        attractor = {"last_finite": map.from_chart(last), "steps": int(done)}
        if simplex:
            entropy = float(K_.entropy_chart(last))
    else:
        attractor = _attractor(map, code, per, tail)
    return Regime(kind=kind, period=per, lyapunov=lyap, entropy=entropy,
                  oscillation=float(stats[_OSC]), attractor=attractor,
                  reason=reason, evidence=evidence, criteria=c)


def _last_state(map, u0, p, done):
    step, _, _, simplex = map.kernels
    u, _ = K_.advance_chart(step, simplex, u0, p, int(done))
    return u


def _attractor(map, code, per, tail):
    X = map.from_chart(tail)
    if code == FIXED_POINT:
        return {"point": X[-1]}
    if code == PERIODIC and per:
        return {"cycle": X[-per:]}
    if code == COLLAPSE:
        return {"vertex": int(np.argmax(X[-1])), "final": X[-1]}
    return {"mean": X.mean(axis=0), "min": X.min(axis=0), "max": X.max(axis=0)}


def _reason(code, per, lyap, stats, still, period, done, total, max_period, c):
    if code == DIVERGENT:
        return (f"orbit left every bounded set after {done} of {total} steps "
                f"(non-finite state or |x| > escape_radius = {c.escape_radius:g}); "
                "no attractor, so no Lyapunov exponent")
    if code == COLLAPSE:
        return (f"smallest policy coordinate exp({stats[_LOG_MIN]:.4g}) or entropy "
                f"{stats[_ENTROPY]:.3g} is below the collapse threshold "
                f"({c.collapse_min_coord:g} / {c.collapse_entropy:g}) and still "
                f"falling by {stats[_DRIFT]:.4g} nats over the window (> "
                f"{c.collapse_drift:g}); the orbit runs into the boundary, so "
                "there is no attractor to take an exponent on")
    if code == FIXED_POINT:
        if still:
            return (f"every step of the last states moves by at most "
                    f"fixed_point_tol = {c.fixed_point_tol:g} (relative)")
        return (f"the last states repeat with period 1 within period_tol = "
                f"{c.period_tol:g} but not yet within fixed_point_tol = "
                f"{c.fixed_point_tol:g}: a fixed point still being approached")
    if code == PERIODIC and per:
        return (f"the last states repeat with smallest period {per} within "
                f"period_tol = {c.period_tol:g} (relative)")
    if code == CHAOTIC:
        return (f"no period up to {max_period} and largest Lyapunov exponent "
                f"{lyap:.4g} > chaos_lyapunov = {c.chaos_lyapunov:g}")
    if code == QUASI_PERIODIC:
        return (f"no period up to {max_period} and largest Lyapunov exponent "
                f"{lyap:.4g} within [-{c.quasi_periodic_lyapunov:g}, "
                f"{c.chaos_lyapunov:g}]")
    return (f"no period up to {max_period} although the largest Lyapunov exponent "
            f"{lyap:.4g} < -{c.quasi_periodic_lyapunov:g}: a longer cycle or an "
            "unfinished transient")
