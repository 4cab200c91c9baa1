"""Regime maps: the regime of every cell of a parameter grid.

A grid of one to three named parameters (the cartesian product of 1-D arrays),
optionally times a batch of preference matrices, is flattened into a parameter
matrix; :func:`dynsys_align.analysis.regimes.summarize` classifies every row
(fixed point, periodic, quasi-periodic, chaotic, collapse, divergent) and
measures its period, largest Lyapunov exponent, final entropy and oscillation
strength. The rows run in chunks through the local or Dask backend of
:mod:`dynsys_align.sweeps.backends`, with optional checkpoints and resume.

The result, :class:`RegimeMap`, is labelled by the parameter names (and
``"matrix"``), converts to :mod:`xarray` and :mod:`pandas`, and is saved as
netCDF with the regime kind stored as integer codes plus the CF attributes
``flag_values`` / ``flag_meanings`` that name them.

This module may import :mod:`dynsys_align.maps`, :mod:`dynsys_align.analysis`,
the sweep backends, the validation helpers and the exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .._validation import as_preference_array, check_finite_vector
from ..analysis import regimes as _regimes
from ..exceptions import DataFormatError, InvalidParameter
from ..maps.base import UpdateMap
from .backends import _check_backend, _check_chunk_size, _check_count, run_chunks

__all__ = ["RegimeMap", "regime_map", "KINDS", "MAX_GRID_PARAMS"]

logger = logging.getLogger(__name__)

#: Regime names; a regime's integer code is its position here.
KINDS = tuple(_regimes.KINDS)
#: Largest number of named parameters in one grid.
MAX_GRID_PARAMS = 3
#: The measured fields of every cell, in storage order.
FIELDS = ("kind", "period", "lyapunov", "entropy", "oscillation")
_MATRIX_DIM = "matrix"
# the regime criteria need a few kept steps to detect a period
_MIN_KEEP = 4


def _regime_chunk(map_, params, *, x0, n_transient, n_keep, criteria):
    s = _regimes.summarize(map_, params, x0, n_transient=n_transient, n_keep=n_keep,
                           criteria=criteria)
    return {name: np.asarray(getattr(s, name)) for name in FIELDS}


@dataclass(frozen=True, eq=False)
class RegimeMap:
    """Regimes over a labelled grid of parameters (and preference matrices).

    Attributes
    ----------
    dims : tuple of str
        Names of the axes: the grid's parameter names in the order given,
        then ``"matrix"`` when a batch of matrices was swept.
    coords : dict
        Coordinate array of every axis (the parameter values; 0, 1, ... for
        ``"matrix"``).
    kind : numpy.ndarray of int
        Regime codes, positions in :attr:`KINDS`; shape ``self.shape``.
    period : numpy.ndarray of int
        1 for fixed points, the detected period of cycles, 0 otherwise.
    lyapunov : numpy.ndarray of float
        Largest Lyapunov exponent (NaN for collapse and divergent cells).
    entropy : numpy.ndarray of float
        Entropy (nats) of the final policy; NaN for Euclidean maps.
    oscillation : numpy.ndarray of float
        Mean over coordinates of the temporal variance of the policy (or
        state) coordinates over the kept window.
    attrs : dict
        Provenance: map class, ``n_transient``, ``n_keep``, criteria.
    """

    dims: tuple
    coords: dict
    kind: np.ndarray
    period: np.ndarray
    lyapunov: np.ndarray
    entropy: np.ndarray
    oscillation: np.ndarray
    attrs: dict = field(default_factory=dict)

    #: Regime names; code ``i`` means ``KINDS[i]``.
    KINDS = KINDS

    @property
    def shape(self) -> tuple:
        """Shape of the grid (one axis per entry of :attr:`dims`)."""
        return self.kind.shape

    @staticmethod
    def kind_name(code):
        """Regime name of a code, or an array of names for an array of codes.

        Examples
        --------
        >>> RegimeMap.kind_name(0)
        'fixed_point'
        >>> RegimeMap.kind_name([1, 4]).tolist()
        ['periodic', 'collapse']
        """
        codes = np.asarray(code)
        if codes.size and (codes.min() < 0 or codes.max() >= len(KINDS)):
            raise InvalidParameter(
                f"regime codes must lie in [0, {len(KINDS)}), got {code!r}"
            )
        if codes.ndim == 0:
            return KINDS[int(codes)]
        return np.asarray(KINDS, dtype=object)[codes]

    def kind_names(self) -> np.ndarray:
        """Regime names of every cell (object array of str, shape ``self.shape``)."""
        return self.kind_name(self.kind)

    def counts(self) -> dict[str, int]:
        """Number of cells of each regime (every name of :attr:`KINDS`)."""
        return {name: int(np.sum(self.kind == i)) for i, name in enumerate(KINDS)}

    def to_xarray(self):
        """The map as an :class:`xarray.Dataset`.

        Returns
        -------
        xarray.Dataset
            Variables ``kind`` (int8 codes with CF attributes ``flag_values``
            and ``flag_meanings`` naming them), ``period`` (int32),
            ``lyapunov``, ``entropy``, ``oscillation`` over :attr:`dims`.
        """
        import xarray as xr

        kind_attrs = {
            "long_name": "regime kind",
            "flag_values": np.arange(len(KINDS), dtype=np.int8),
            "flag_meanings": " ".join(KINDS),
        }
        data = {
            "kind": (self.dims, self.kind.astype(np.int8), kind_attrs),
            "period": (self.dims, self.period.astype(np.int32),
                       {"long_name": "period (1 fixed point, 0 none detected)"}),
            "lyapunov": (self.dims, self.lyapunov,
                         {"long_name": "largest Lyapunov exponent"}),
            "entropy": (self.dims, self.entropy,
                        {"long_name": "entropy of the final policy", "units": "nat"}),
            "oscillation": (self.dims, self.oscillation,
                            {"long_name": "time-averaged variance of coordinates"}),
        }
        return xr.Dataset(data, coords=dict(self.coords), attrs=dict(self.attrs))

    @classmethod
    def from_xarray(cls, ds) -> RegimeMap:
        """Rebuild a map from a Dataset written by :meth:`to_xarray`.

        Raises
        ------
        DataFormatError
            If a variable is missing or the regime names differ from
            :attr:`KINDS`.
        """
        missing = [name for name in FIELDS if name not in ds]
        if missing:
            raise DataFormatError(
                f"regime map dataset lacks variable(s) {', '.join(missing)}"
            )
        meanings = str(ds["kind"].attrs.get("flag_meanings", "")).split()
        if tuple(meanings) != KINDS:
            raise DataFormatError(
                f"regime map dataset names kinds {meanings}, expected {list(KINDS)}"
            )
        dims = tuple(ds["kind"].dims)
        return cls(
            dims=dims,
            coords={d: np.asarray(ds[d].values) for d in dims},
            kind=np.asarray(ds["kind"].values, dtype=np.int64),
            period=np.asarray(ds["period"].values, dtype=np.int64),
            lyapunov=np.asarray(ds["lyapunov"].values, dtype=float),
            entropy=np.asarray(ds["entropy"].values, dtype=float),
            oscillation=np.asarray(ds["oscillation"].values, dtype=float),
            attrs=dict(ds.attrs),
        )

    def to_pandas(self):
        """The map as a long :class:`pandas.DataFrame`, one row per cell.

        Columns: one per entry of :attr:`dims`, then ``kind`` (codes),
        ``kind_name`` (categorical), ``period``, ``lyapunov``, ``entropy``,
        ``oscillation``.
        """
        import pandas as pd

        df = self.to_xarray().to_dataframe().reset_index()
        df["kind"] = df["kind"].astype(np.int64)
        names = pd.Categorical.from_codes(df["kind"].to_numpy(), categories=KINDS)
        df.insert(len(self.dims) + 1, "kind_name", names)
        return df

    def save(self, path) -> None:
        """Write the map to a netCDF file (netCDF-3 classic, via scipy).

        scipy is a dependency of the package already, and every netCDF
        library reads the classic format; regime codes are stored as bytes
        and periods as 32-bit integers because the format has no 64-bit
        integers.
        """
        self.to_xarray().to_netcdf(path, engine="scipy")

    @classmethod
    def load(cls, path) -> RegimeMap:
        """Read a map written by :meth:`save`."""
        import xarray as xr

        with xr.open_dataset(path) as ds:
            return cls.from_xarray(ds.load())


def _check_grid(map_: UpdateMap, grid) -> dict[str, np.ndarray]:
    if not isinstance(grid, Mapping):
        raise InvalidParameter(
            f"grid must be a dict of parameter name -> 1-D values, got {grid!r}"
        )
    if len(grid) == 0:
        raise InvalidParameter("grid is empty: name at least one parameter to sweep")
    if len(grid) > MAX_GRID_PARAMS:
        raise InvalidParameter(
            f"grid may sweep at most {MAX_GRID_PARAMS} parameters, got {len(grid)}: "
            f"{', '.join(map(str, grid))}"
        )
    out = {}
    for name, values in grid.items():
        map_.param_index(name)
        vals = np.asarray(values, dtype=float)
        if vals.ndim == 0:
            vals = vals.reshape(1)
        if vals.ndim != 1 or vals.size == 0:
            raise InvalidParameter(
                f"grid values of {name!r} must be a non-empty 1-D array, "
                f"got shape {vals.shape}"
            )
        check_finite_vector(vals, f"grid values of {name!r}")
        for v in np.unique(vals):
            map_.check_param(name, v)
        out[name] = vals
    return out


def _matrix_maps(map_: UpdateMap, matrices) -> list[UpdateMap]:
    items = list(matrices)
    if not items:
        raise InvalidParameter("matrices is empty: pass at least one map or matrix")
    maps = []
    for k, item in enumerate(items):
        if isinstance(item, UpdateMap):
            maps.append(item)
            continue
        K = as_preference_array(item).shape[0]
        if K != map_.dim:
            raise InvalidParameter(
                f"every matrix must give a {type(map_).__name__} of dimension "
                f"{map_.dim}, got matrices[{k}] with K = {K}"
            )
        kwargs = {name: map_[name] for name in map_.param_names}
        for extra in ("ref", "pi0"):
            if hasattr(map_, extra):
                kwargs[extra] = getattr(map_, extra)
        try:
            maps.append(type(map_)(item, **kwargs))
        except TypeError as exc:
            raise InvalidParameter(
                f"cannot build a {type(map_).__name__} from matrices[{k}] ({exc}); "
                "pass maps instead of matrices"
            ) from exc
    if any(type(m) is not type(map_) or m.dim != map_.dim for m in maps):
        raise InvalidParameter(
            f"every matrix must give a {type(map_).__name__} of dimension "
            f"{map_.dim}, got "
            f"{sorted({(type(m).__name__, m.dim) for m in maps})}"
        )
    return maps


def _grid_params(map_, grid, maps):
    """Parameter matrix of the grid in C order over (grid names..., matrix)."""
    base = map_.params[None, :] if maps is None else UpdateMap.stack(maps)
    shape = tuple(v.size for v in grid.values())
    full = np.empty(shape + base.shape)
    full[...] = base
    n_axes = len(shape) + 1
    for axis, (name, vals) in enumerate(grid.items()):
        bshape = [1] * n_axes
        bshape[axis] = vals.size
        full[..., map_.param_index(name)] = vals.reshape(bshape)
    return np.ascontiguousarray(full.reshape(-1, base.shape[1])), shape


def regime_map(map, grid, *, matrices=None, x0=None, n_transient: int = 2000,
               n_keep: int = 1000, criteria=None, backend: str = "local",
               client=None, chunk_size: int | None = None, checkpoint_dir=None,
               progress: bool = True) -> RegimeMap:
    """Regime of every cell of a parameter grid (times a batch of matrices).

    ``regime_map(map, {"alpha": a, "beta": b})`` classifies the orbit of the
    map at every pair ``(alpha, beta)`` of the cartesian product, keeping the
    map's other parameters; with ``matrices`` the grid is repeated for each
    preference matrix.

    Parameters
    ----------
    map : UpdateMap
        The map; its parameters not in ``grid`` are held fixed.
    grid : dict of str -> array_like
        One to three parameter names (from ``map.param_names``), each with a
        non-empty 1-D array of values, checked by the map's own rules.
    matrices : sequence, optional
        Preference matrices (or maps of the same class as ``map``). Matrices
        build maps through ``type(map)(P, **named parameters, ref, pi0)``
        with the named parameters (and ``ref`` / ``pi0`` if the map has them)
        taken from ``map``. Adds a trailing ``"matrix"`` axis.
    x0 : array_like, optional
        Start shared by every cell (a policy for simplex maps); default
        ``map.default_state()``.
    n_transient : int, default 2000
        Discarded steps (>= 0).
    n_keep : int, default 1000
        Kept window for exponents, oscillation and period detection.
    criteria : dynsys_align.analysis.regimes.Criteria, optional
        Classification thresholds (default ``Criteria()``).
    backend : {"local", "dask"}
        Run chunks here (compiled, parallel) or as ``dask.distributed`` tasks.
    client : distributed.Client or str, optional
        Dask client or scheduler address (Dask backend); default: a local
        cluster started and closed by the call.
    chunk_size : int, optional
        Cells per chunk (default 256).
    checkpoint_dir : path-like, optional
        Write each finished chunk there; a later call with the same sweep
        loads them and computes only the missing chunks.
    progress : bool, default True
        Show a progress bar over chunks.

    Returns
    -------
    RegimeMap
        Labelled arrays ``kind``, ``period``, ``lyapunov``, ``entropy``,
        ``oscillation``; see :meth:`RegimeMap.to_xarray`,
        :meth:`RegimeMap.to_pandas`, :meth:`RegimeMap.save`.

    Raises
    ------
    InvalidParameter
        For an empty grid, more than three parameters, an unknown name, empty
        or non-finite values, a value the map rejects, mismatched matrices,
        bad counts, backend or chunk size.
    InvalidPreferenceMatrix
        For an invalid preference matrix in ``matrices``.

    Notes
    -----
    Cost: ``cells * (n_transient + n_keep)`` map steps and as many chart
    Jacobians (see :func:`~dynsys_align.analysis.regimes.summarize`). Cells are
    independent, so the result is bit-identical for every chunking and
    backend. Every verdict is a finite-time classification with the limits
    of :class:`~dynsys_align.analysis.regimes.Criteria`: long transients near
    a bifurcation, slow convergence of exponents, quasi-periodic versus
    long-period orbits. A start exactly on an unstable symmetric fixed point
    (such as the uniform policy of a cyclic game) stays there: start off it.

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.maps import MRSIPO
    >>> from dynsys_align.theory import rps_matrix, rps_neimark_sacker
    >>> m = MRSIPO(rps_matrix(0.25), alpha=0.5, beta=1.0, lam=1.0)
    >>> rps_neimark_sacker(0.25, 0.5)
    6.0
    >>> rm = regime_map(m, {"beta": [3.0, 9.0]}, x0=[0.5, 0.3, 0.2],
    ...                 n_transient=500, n_keep=200, progress=False)
    >>> rm.kind_names().tolist()
    ['fixed_point', 'quasi_periodic']
    """
    if not isinstance(map, UpdateMap):
        raise InvalidParameter(f"map must be an UpdateMap, got {map!r}")
    grid = _check_grid(map, grid)
    maps = None if matrices is None else _matrix_maps(map, matrices)
    n_transient = _check_count(n_transient, "n_transient", 0)
    n_keep = _check_count(n_keep, "n_keep", _MIN_KEEP)
    if criteria is None:
        criteria = _regimes.Criteria()
    if not isinstance(criteria, _regimes.Criteria):
        raise InvalidParameter(
            f"criteria must be a Criteria instance or None, got {criteria!r}"
        )
    _check_backend(backend)
    chunk_size = _check_chunk_size(chunk_size)
    if x0 is not None:
        x0 = np.asarray(x0, dtype=float)
        map.to_chart(x0)  # validates the start before any work is sent out
    params, shape = _grid_params(map, grid, maps)

    options = {"x0": x0, "n_transient": n_transient, "n_keep": n_keep,
               "criteria": criteria}
    out = run_chunks(_regime_chunk, map, params, options, chunk_size=chunk_size,
                     backend=backend, client=client, checkpoint_dir=checkpoint_dir,
                     progress=progress, desc="regime map")

    dims = tuple(grid)
    coords = dict(grid)
    if maps is not None:
        dims += (_MATRIX_DIM,)
        coords[_MATRIX_DIM] = np.arange(len(maps))
        shape += (len(maps),)
    fields = {name: out[name].reshape(shape) for name in FIELDS}
    attrs = {"map": type(map).__name__, "n_transient": n_transient,
             "n_keep": n_keep, "criteria": repr(criteria)}
    rm = RegimeMap(dims=dims, coords=coords, attrs=attrs, **fields)
    logger.info("regime map of %d cells: %s", rm.kind.size,
                ", ".join(f"{k} {v}" for k, v in rm.counts().items() if v))
    return rm
