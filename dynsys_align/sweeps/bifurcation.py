"""Bifurcation diagrams: the attractor of a map as one parameter varies.

For each value of the parameter the orbit from one start is iterated past a
transient, and the next ``n_keep`` states are recorded through an observable.
Optionally the largest Lyapunov exponent of each orbit is estimated on the same
pass. All parameter values run in parallel inside one compiled kernel that
takes the map's kernels as arguments; the chunks of values go through the
local or Dask backend of :mod:`dynsys_align.sweeps.backends`.

This module may import :mod:`dynsys_align.maps`, :mod:`dynsys_align.analysis`,
the sweep backends, the validation helpers and the exceptions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange, types

from .._validation import check_finite_vector
from ..analysis.lyapunov import (
    EUCLIDEAN_ESCAPE_RADIUS,
    SIMPLEX_ESCAPE_RADIUS,
    STATUS_DIVERGENT,
    STATUS_NAMES,
    max_lyapunov_kernel,
)
from ..exceptions import InvalidParameter
from ..maps import _kernels as K_
from ..maps.base import UpdateMap
from .backends import _check_backend, _check_chunk_size, _check_count, run_chunks

__all__ = ["BifurcationDiagram", "bifurcation_diagram"]

logger = logging.getLogger(__name__)

_vec = types.float64[::1]
_mat = types.float64[:, ::1]
_mat3 = types.float64[:, :, ::1]
_ivec = types.int64[::1]


@njit(types.Tuple((_mat3, _vec, _ivec))(
    K_.StepType, K_.JacobianType, types.boolean, types.boolean, _mat, _mat,
    types.int64, types.int64, types.boolean, types.int64, types.float64),
    cache=True, parallel=True)
def _diagram_kernel(step, jac, has_jac, simplex, U0, Pm, n_transient, n_keep,
                    want_lyapunov, n_lyapunov, escape_radius):
    """Chart states kept after the transient, exponents and status, per row."""
    nb = U0.shape[0]
    n = U0.shape[1]
    points = np.full((nb, n_keep, n), np.nan)
    lyap = np.full(nb, np.nan)
    status = np.zeros(nb, dtype=np.int64)
    for b in prange(nb):
        p = Pm[b].copy()
        u, done = K_.advance_chart(step, simplex, U0[b].copy(), p, n_transient)
        if done < n_transient:
            status[b] = STATUS_DIVERGENT
        else:
            orbit, kept = K_.orbit_chart(step, simplex, u, p, n_keep - 1, 1)
            points[b, :, :] = orbit
            if kept < n_keep - 1:
                status[b] = STATUS_DIVERGENT
            if want_lyapunov:
                lam, st, _ = max_lyapunov_kernel(step, jac, has_jac, simplex, u, p,
                                                 0, n_lyapunov, escape_radius)
                lyap[b] = lam
                if status[b] == 0:
                    status[b] = st
    return points, lyap, status


def _log_policy(U: np.ndarray) -> np.ndarray:
    """``log softmax([u, 0])`` along the last axis, exact at any scale."""
    z = np.concatenate([U, np.zeros(U.shape[:-1] + (1,))], axis=-1)
    top = z.max(axis=-1, keepdims=True)
    return z - top - np.log(np.exp(z - top).sum(axis=-1, keepdims=True))


def _observe(map_: UpdateMap, U: np.ndarray, observable) -> np.ndarray:
    """Apply the observable to chart states ``U`` of shape (rows, n_keep, n)."""
    if isinstance(observable, (int, np.integer)):
        if map_.is_simplex:
            return np.exp(_log_policy(U)[..., int(observable)])
        return U[..., int(observable)].copy()
    if observable == "entropy":
        logp = _log_policy(U)
        return -(np.exp(logp) * logp).sum(axis=-1)
    states = np.exp(_log_policy(U)) if map_.is_simplex else U
    values = np.asarray(observable(states), dtype=float)
    if values.shape != U.shape[:2]:
        raise InvalidParameter(
            f"observable must map states of shape {states.shape} to shape "
            f"{U.shape[:2]}, got shape {values.shape}"
        )
    return values


def _diagram_chunk(map_, params, *, u0, n_transient, n_keep, observable, lyapunov,
                   n_lyapunov, escape_radius):
    step, jac, has_jac, simplex = map_.kernels
    U0 = np.ascontiguousarray(np.repeat(u0[None, :], params.shape[0], axis=0))
    U, lyap, status = _diagram_kernel(step, jac, has_jac, simplex, U0, params,
                                      n_transient, n_keep, lyapunov, n_lyapunov,
                                      escape_radius)
    return {"points": _observe(map_, U, observable), "lyapunov": lyap,
            "status": status}


def _check_observable(map_: UpdateMap, observable):
    if isinstance(observable, bool):
        raise InvalidParameter(f"observable must not be a bool, got {observable!r}")
    if observable is None:
        return 0
    if isinstance(observable, (int, np.integer)):
        if not 0 <= observable < map_.dim:
            raise InvalidParameter(
                f"observable index must lie in [0, {map_.dim}) for a map of "
                f"dimension {map_.dim}, got observable = {observable}"
            )
        return int(observable)
    if isinstance(observable, str):
        if observable != "entropy":
            raise InvalidParameter(
                "observable must be a coordinate index, 'entropy' or a function, "
                f"got observable = {observable!r}"
            )
        if not map_.is_simplex:
            raise InvalidParameter(
                "observable 'entropy' needs a simplex map; "
                f"{type(map_).__name__} is Euclidean"
            )
        return observable
    if callable(observable):
        return observable
    raise InvalidParameter(
        "observable must be a coordinate index, 'entropy' or a function, "
        f"got observable = {observable!r}"
    )


def _observable_label(map_, observable) -> str:
    if isinstance(observable, int):
        return f"pi_{observable}" if map_.is_simplex else f"x_{observable}"
    if observable == "entropy":
        return "entropy"
    py = getattr(observable, "py_func", observable)
    return getattr(py, "__name__", type(py).__name__)


@dataclass(frozen=True, eq=False)
class BifurcationDiagram:
    """Attractor samples of a map over a range of one parameter.

    Attributes
    ----------
    param : str
        Name of the varied parameter.
    values : numpy.ndarray, shape (n_values,)
        Its values, in the order given.
    points : numpy.ndarray, shape (n_values, n_keep)
        The observable along the kept part of each orbit (iterates
        ``n_transient, ..., n_transient + n_keep - 1``); NaN where the orbit
        overflowed.
    lyapunov : numpy.ndarray, shape (n_values,), or None
        Largest Lyapunov exponent of each orbit (NaN where the status is not
        ``"ok"``), or None when not requested.
    status : numpy.ndarray of str, shape (n_values,)
        ``"ok"``, ``"collapse"`` (a simplex orbit reached the escape spread
        of the logits) or ``"divergent"`` (an overflow, or a Euclidean orbit
        beyond the escape radius). Collapse is only detected when exponents
        are requested.
    observable : str
        What ``points`` holds (``"pi_0"``, ``"x_0"``, ``"entropy"`` or the
        function's name).
    n_transient : int
        Discarded iterations.
    map_name : str
        Class name of the map.
    """

    param: str
    values: np.ndarray
    points: np.ndarray
    lyapunov: np.ndarray | None
    status: np.ndarray
    observable: str
    n_transient: int
    map_name: str
    attrs: dict = field(default_factory=dict)

    @property
    def n_keep(self) -> int:
        """Number of kept iterates per value."""
        return self.points.shape[1]

    def to_xarray(self):
        """The diagram as an :class:`xarray.Dataset`.

        Returns
        -------
        xarray.Dataset
            Variable ``points`` with dims ``(param, "iterate")``, ``status``
            and (if computed) ``lyapunov`` with dim ``(param,)``; the
            coordinate ``iterate`` holds the iteration numbers.
        """
        import xarray as xr

        data = {
            "points": ((self.param, "iterate"), self.points,
                       {"long_name": self.observable}),
            "status": ((self.param,), self.status.astype(str)),
        }
        if self.lyapunov is not None:
            data["lyapunov"] = ((self.param,), self.lyapunov,
                                {"long_name": "largest Lyapunov exponent"})
        coords = {
            self.param: self.values,
            "iterate": self.n_transient + np.arange(self.n_keep),
        }
        attrs = {"map": self.map_name, "observable": self.observable,
                 "n_transient": self.n_transient, **self.attrs}
        return xr.Dataset(data, coords=coords, attrs=attrs)


def bifurcation_diagram(map, param: str, values, *, x0=None, n_transient: int = 1000,
                        n_keep: int = 200, observable=None, lyapunov: bool = False,
                        n_lyapunov: int = 1000, backend: str = "local", client=None,
                        chunk_size: int | None = None, checkpoint_dir=None,
                        progress: bool = True) -> BifurcationDiagram:
    """Orbit diagram of ``map`` as the named parameter runs over ``values``.

    ``bifurcation_diagram(map, param, values)`` iterates, for every value, the
    orbit from ``x0`` for ``n_transient`` steps and records the observable at
    the next ``n_keep`` iterates; with ``lyapunov=True`` it also estimates the
    largest Lyapunov exponent over ``n_lyapunov`` steps after the transient.

    Parameters
    ----------
    map : UpdateMap
        Any map; the other parameters stay at the map's values.
    param : str
        One of ``map.param_names``.
    values : array_like, shape (n_values,)
        Parameter values, each checked by the map's own rules.
    x0 : array_like, optional
        Start shared by every value (a policy for simplex maps). Default:
        ``map.default_state()``.
    n_transient : int, default 1000
        Discarded iterations (>= 0).
    n_keep : int, default 200
        Recorded iterations (>= 1).
    observable : int, "entropy" or callable, optional
        What to record: a coordinate index (of the policy for simplex maps,
        of the state otherwise), ``"entropy"`` (simplex maps, nats), or a
        vectorised function taking states of shape ``(rows, n_keep, dim)``
        (policies for simplex maps; ``rows`` the values of one chunk) and
        returning shape ``(rows, n_keep)``. Default: coordinate 0.
    lyapunov : bool, default False
        Also estimate the largest Lyapunov exponent of each orbit.
    n_lyapunov : int, default 1000
        Steps over which the exponent is averaged (>= 1).
    backend : {"local", "dask"}
        Run chunks here (compiled, parallel) or as Dask tasks; see
        :func:`dynsys_align.sweeps.regime_map` and the distributed docs.
    client : distributed.Client or str, optional
        Dask client or scheduler address (Dask backend only); default: a
        local cluster started and closed by the call.
    chunk_size : int, optional
        Parameter values per chunk (default 256).
    checkpoint_dir : path-like, optional
        Write each finished chunk there and reuse finished chunks of the same
        sweep on a later call.
    progress : bool, default True
        Show a progress bar over chunks.

    Returns
    -------
    BifurcationDiagram
        ``values``, ``points`` (n_values x n_keep), ``lyapunov``, ``status``
        and :meth:`BifurcationDiagram.to_xarray`.

    Raises
    ------
    InvalidParameter
        For an unknown parameter name, empty or non-finite values, a value
        the map rejects (e.g. ``alpha = 1.5``), bad counts, an unknown
        observable, backend or chunk size.

    Notes
    -----
    Cost: ``n_values * (n_transient + n_keep)`` map steps, plus
    ``n_values * n_lyapunov`` steps and chart Jacobians when
    ``lyapunov=True``. All values of a chunk run in one parallel compiled
    kernel; results do not depend on the chunking or the backend.

    One start is used for every value, so a diagram shows one attractor per
    value: coexisting attractors need several calls with different ``x0``.
    A start exactly on an unstable fixed point (such as the uniform policy of
    a symmetric cycle) stays there in exact arithmetic and draws that point
    even where it is unstable: start off it. Exponents are finite-time
    estimates; near bifurcations they converge slowly. Without
    ``lyapunov=True`` a simplex orbit collapsing onto a vertex is still
    drawn (its policy coordinates are exact) but its status stays ``"ok"``.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps.classic import Logistic
    >>> d = bifurcation_diagram(Logistic(3.0), "r", [2.5, 3.2], n_keep=4,
    ...                         progress=False)
    >>> np.round(d.points, 4)
    array([[0.6   , 0.6   , 0.6   , 0.6   ],
           [0.7995, 0.513 , 0.7995, 0.513 ]])
    """
    if not isinstance(map, UpdateMap):
        raise InvalidParameter(f"map must be an UpdateMap, got {map!r}")
    map.param_index(param)
    vals = np.asarray(values, dtype=float)
    if vals.ndim != 1 or vals.size == 0:
        raise InvalidParameter(
            f"values must be a non-empty 1-D array, got shape {vals.shape}"
        )
    check_finite_vector(vals, "values")
    n_transient = _check_count(n_transient, "n_transient", 0)
    n_keep = _check_count(n_keep, "n_keep", 1)
    n_lyapunov = _check_count(n_lyapunov, "n_lyapunov", 1)
    observable = _check_observable(map, observable)
    _check_backend(backend)
    chunk_size = _check_chunk_size(chunk_size)
    params = map.vary(**{param: vals})
    u0 = map.to_chart(map.default_state() if x0 is None else x0)

    escape = SIMPLEX_ESCAPE_RADIUS if map.is_simplex else EUCLIDEAN_ESCAPE_RADIUS
    options = {
        "u0": u0, "n_transient": n_transient, "n_keep": n_keep,
        "observable": observable, "lyapunov": bool(lyapunov),
        "n_lyapunov": n_lyapunov, "escape_radius": escape,
    }
    out = run_chunks(_diagram_chunk, map, params, options, chunk_size=chunk_size,
                     backend=backend, client=client, checkpoint_dir=checkpoint_dir,
                     progress=progress, desc=f"bifurcation in {param}")

    status = np.array([STATUS_NAMES[int(s)] for s in out["status"]])
    n_bad = int(np.sum(status == "divergent"))
    if n_bad:
        logger.warning("%d of %d orbits diverged; their points are NaN", n_bad,
                       len(status))
    return BifurcationDiagram(
        param=param,
        values=vals.copy(),
        points=out["points"],
        lyapunov=out["lyapunov"] if lyapunov else None,
        status=status,
        observable=_observable_label(map, observable),
        n_transient=n_transient,
        map_name=type(map).__name__,
        attrs={"n_lyapunov": n_lyapunov} if lyapunov else {},
    )
