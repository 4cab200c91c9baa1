"""Figures: bifurcation diagrams, regime maps, time series, ternary plots, multipliers.

Every function draws with plain matplotlib (any backend, including the
non-interactive ``Agg``), takes an optional ``ax`` to draw into and returns what
it drew on (an :class:`~matplotlib.axes.Axes`, or a
:class:`~matplotlib.figure.Figure` for multi-panel plots). Inputs are plain
arrays or duck-typed result objects (anything with the documented attributes),
so the functions work with the results of :mod:`dynsys_align.sweeps` as well as
with arrays computed by hand.

Regime kinds always get the same colour, taken from the colour-blind-safe
Okabe-Ito palette (:data:`REGIME_COLORS`).

This module may import matplotlib, numpy, :mod:`dynsys_align.theory`, the
validation helpers and the exceptions; nothing in the package imports it except
the command line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

from .exceptions import InvalidParameter, InvalidPolicy

__all__ = [
    "REGIME_COLORS",
    "REGIME_KINDS",
    "plot_bifurcation",
    "plot_regime_map",
    "neimark_sacker_overlay",
    "contraction_overlay",
    "plot_time_series",
    "plot_ternary",
    "plot_multipliers",
    "barycentric",
]

logger = logging.getLogger(__name__)

#: Regime kinds in the order of :data:`dynsys_align.analysis.regimes.KINDS` (a
#: regime code indexes it). Kept here so that plotting does not import, and
#: compile, the analysis kernels.
REGIME_KINDS = (
    "fixed_point",
    "periodic",
    "quasi_periodic",
    "chaotic",
    "collapse",
    "divergent",
)

#: Okabe-Ito colour of each regime kind; a kind always gets the same colour.
REGIME_COLORS = {
    "fixed_point": "#0072B2",  # blue
    "periodic": "#009E73",  # bluish green
    "quasi_periodic": "#CC79A7",  # reddish purple
    "chaotic": "#D55E00",  # vermillion
    "collapse": "#E69F00",  # orange
    "divergent": "#000000",  # black
}
_UNKNOWN_COLOR = "#F0E442"  # yellow, for kinds outside REGIME_KINDS

_PARAM_SYMBOLS = {
    "alpha": r"$\alpha$",
    "beta": r"$\beta$",
    "lam": r"$\lambda$",
    "lambda": r"$\lambda$",
    "beta_lam": r"$\beta\lambda$",
    "beta*lam": r"$\beta\lambda$",
    "r": r"$r$",
    "a": r"$a$",
    "b": r"$b$",
    "eta": r"$\eta$",
}

_SQRT3_2 = np.sqrt(3.0) / 2.0


def _param_label(name) -> str:
    if name is None:
        return "parameter"
    return _PARAM_SYMBOLS.get(str(name), str(name))


def _new_axes(ax, figsize):
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _observable_label(name) -> str:
    if not name:
        return "observable"
    name = str(name)
    head, _, index = name.partition("_")
    if head in ("pi", "x") and index.isdigit():
        return rf"$\{head}_{{{index}}}$" if head == "pi" else rf"$x_{{{index}}}$"
    if name == "entropy":
        return "entropy (nats)"
    return name


def _get(obj, name, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


# --- bifurcation diagrams -----------------------------------------------------


def plot_bifurcation(diagram, lyapunov: bool = True, *, ax=None, param=None,
                     ylabel: str | None = None, title: str | None = None,
                     markersize: float = 1.0):
    """Draw a bifurcation diagram, optionally with its Lyapunov exponents below.

    ``plot_bifurcation(diagram)`` plots, for every parameter value, the stored
    orbit points as small dots; with ``lyapunov=True`` (and exponents present) a
    second panel below, sharing the parameter axis, shows the largest Lyapunov
    exponent with a dotted zero line.

    Parameters
    ----------
    diagram : object or mapping
        Anything with ``values`` (shape ``(n,)``), ``points`` (shape
        ``(n, n_keep)``) and optionally ``lyapunov`` (shape ``(n,)`` or None)
        and ``param`` (the parameter name), as attributes or mapping keys --
        e.g. the result of :func:`dynsys_align.sweeps.bifurcation_diagram`.
    lyapunov : bool, default True
        Draw the Lyapunov panel. Ignored (with a log message) when the diagram
        holds no exponents.
    ax : Axes or sequence of two Axes, optional
        Where to draw: one Axes for the points only, two (points, exponents)
        for both panels. A new figure is made when omitted.
    param : str, optional
        Parameter name for the x label (``"beta"`` is shown as ``β``); defaults
        to ``diagram.param``.
    ylabel : str, optional
        Label of the observable axis; default from ``diagram.observable``
        (``"pi_0"`` is shown as ``π_0``), else ``"observable"``.
    title : str, optional
        Figure title.
    markersize : float, default 1.0
        Size of the dots.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the panel(s).

    Raises
    ------
    InvalidParameter
        If ``values`` and ``points`` do not fit together, or if the Lyapunov
        panel is requested with a single Axes.

    Notes
    -----
    Points that are NaN (orbits that diverged or collapsed past the float
    range) are simply not drawn. The dots are drawn as one line object with no
    connecting lines, so diagrams of some 10^6 points stay quick.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.linspace(2.5, 4.0, 30)
    >>> pts = np.tile(np.linspace(0.1, 0.9, 5), (30, 1))
    >>> fig = plot_bifurcation({"values": r, "points": pts,
    ...                         "lyapunov": np.log(np.abs(2 - r)), "param": "r"})
    >>> len(fig.axes)
    2
    """
    values = np.asarray(_get(diagram, "values"), dtype=float)
    points = np.asarray(_get(diagram, "points"), dtype=float)
    if points.ndim == 1:
        points = points[:, None]
    if values.ndim != 1 or points.ndim != 2 or points.shape[0] != values.size:
        raise InvalidParameter(
            "diagram needs values of shape (n,) and points of shape (n, n_keep); got "
            f"values {values.shape} and points {points.shape}"
        )
    lyap = _get(diagram, "lyapunov")
    if lyapunov and lyap is None:
        logger.info("diagram holds no Lyapunov exponents; drawing the points only")
    two = bool(lyapunov) and lyap is not None
    param = _get(diagram, "param") if param is None else param

    if ax is None:
        if two:
            fig, (ax_pts, ax_lyap) = plt.subplots(
                2, 1, sharex=True, figsize=(6.4, 5.2), layout="constrained",
                gridspec_kw={"height_ratios": [3, 1.3]},
            )
        else:
            fig, ax_pts = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    else:
        axes = list(ax) if isinstance(ax, (Sequence, np.ndarray)) else [ax]
        if two and len(axes) != 2:
            raise InvalidParameter(
                "the Lyapunov panel needs two Axes (points, exponents); got "
                f"{len(axes)}; pass lyapunov=False to draw the points only"
            )
        ax_pts = axes[0]
        ax_lyap = axes[1] if two else None
        fig = ax_pts.figure

    ax_pts.plot(np.repeat(values, points.shape[1]), points.ravel(), ls="none",
                marker=".", ms=markersize, color="black", alpha=0.6,
                rasterized=True)
    ax_pts.set_ylabel(ylabel or _observable_label(_get(diagram, "observable")))
    if title:
        ax_pts.set_title(title)
    if two:
        lyap = np.asarray(lyap, dtype=float)
        if lyap.shape != values.shape:
            raise InvalidParameter(
                f"lyapunov must have shape {values.shape} like values, got {lyap.shape}"
            )
        ax_lyap.plot(values, lyap, color="#0072B2", lw=1.0)
        ax_lyap.axhline(0.0, color="gray", ls=":", lw=1.0)
        ax_lyap.set_ylabel(r"largest exponent $\lambda_1$")
        ax_lyap.set_xlabel(_param_label(param))
    else:
        ax_pts.set_xlabel(_param_label(param))
    return fig


# --- regime maps --------------------------------------------------------------


def _kind_names_from_attrs(attrs) -> tuple[str, ...] | None:
    for key in ("kinds", "kind_names", "flag_meanings", "kind_codes"):
        if key in attrs:
            val = attrs[key]
            if isinstance(val, str):
                val = val.replace(",", " ").split()
            return tuple(str(v) for v in val)
    return None


def _regime_arrays(regimes, x, y, kind_names):
    """Return (kinds as names 2-D, x coords, y coords, x name, y name)."""
    xname = yname = None
    if hasattr(regimes, "to_xarray"):
        regimes = regimes.to_xarray()
    if hasattr(regimes, "data_vars"):  # an xarray Dataset
        if "kind" not in regimes:
            raise InvalidParameter("regime dataset has no 'kind' variable")
        names = _kind_names_from_attrs(regimes["kind"].attrs)
        names = names or _kind_names_from_attrs(regimes.attrs)
        regimes = regimes["kind"]
        kind_names = kind_names or names
    if hasattr(regimes, "dims"):  # an xarray DataArray
        da = regimes.squeeze(drop=True)
        kind_names = kind_names or _kind_names_from_attrs(da.attrs)
        if da.ndim != 2:
            raise InvalidParameter(
                f"a regime map plot needs two varying dimensions, got {da.dims}"
            )
        if isinstance(x, str) or isinstance(y, str):
            xd = x if isinstance(x, str) else next(d for d in da.dims if d != y)
            yd = y if isinstance(y, str) else next(d for d in da.dims if d != xd)
            da = da.transpose(yd, xd)
        yname, xname = da.dims
        xc = np.asarray(da[xname].values, dtype=float) if xname in da.coords else None
        yc = np.asarray(da[yname].values, dtype=float) if yname in da.coords else None
        x = xc if x is None or isinstance(x, str) else x
        y = yc if y is None or isinstance(y, str) else y
        regimes = da.values
    kinds = np.asarray(regimes)
    if kinds.ndim != 2:
        raise InvalidParameter(f"regimes must be a 2-D array, got shape {kinds.shape}")
    if np.issubdtype(kinds.dtype, np.integer):
        names = tuple(kind_names or REGIME_KINDS)
        if kinds.size and (kinds.min() < 0 or kinds.max() >= len(names)):
            raise InvalidParameter(
                f"regime codes must lie in 0..{len(names) - 1}, got "
                f"{kinds.min()}..{kinds.max()}"
            )
        kinds = np.asarray(names, dtype=object)[kinds]
    else:
        kinds = kinds.astype(str)
    ny, nx = kinds.shape
    x = np.arange(nx, dtype=float) if x is None else np.asarray(x, dtype=float)
    y = np.arange(ny, dtype=float) if y is None else np.asarray(y, dtype=float)
    if x.shape != (nx,) or y.shape != (ny,):
        raise InvalidParameter(
            f"regimes of shape {kinds.shape} need x of length {nx} and y of length "
            f"{ny}, got {x.shape} and {y.shape}"
        )
    return kinds, x, y, xname, yname


def _overlay_items(overlays):
    if overlays is None:
        return []
    if isinstance(overlays, Mapping) and "x" in overlays:
        overlays = [overlays]
    items = []
    for ov in overlays:
        if isinstance(ov, Mapping):
            items.append((ov["x"], ov["y"], ov.get("label"), dict(ov.get("style", {}))))
        elif len(ov) in (2, 3):
            items.append((ov[0], ov[1], ov[2] if len(ov) == 3 else None, {}))
        else:
            raise InvalidParameter(
                "an overlay is a mapping with keys x, y (label, style) or a tuple "
                f"(x, y[, label]); got {ov!r}"
            )
    return items


def plot_regime_map(regimes, x=None, y=None, *, overlays=(), kind_names=None,
                    ax=None, xlabel: str | None = None, ylabel: str | None = None,
                    title: str | None = None, legend: bool = True):
    """Draw a two-parameter regime map with a categorical legend and theory overlays.

    Parameters
    ----------
    regimes : RegimeMap, xarray object or array_like
        Either a result with ``to_xarray()`` (a :class:`~dynsys_align.sweeps.RegimeMap`),
        an xarray Dataset with a ``kind`` variable or a DataArray of kinds, or a
        2-D array of kind names (strings) or integer codes, shape
        ``(len(y), len(x))``. Size-one dimensions are dropped; two must remain.
    x, y : array_like or str, optional
        Cell-centre coordinates along the columns and rows, or (for xarray
        input) the names of the dimensions to put on each axis. Default: the
        xarray coordinates, or cell indices for plain arrays.
    overlays : sequence, optional
        Curves drawn on top, each a mapping ``{"x": ..., "y": ..., "label":
        ..., "style": {...}}`` or a tuple ``(x, y[, label])``; see
        :func:`neimark_sacker_overlay`.
    kind_names : sequence of str, optional
        Names of the integer codes; default the names stored with an xarray
        input, else :data:`REGIME_KINDS`.
    ax : Axes, optional
        Where to draw; a new figure is made when omitted.
    xlabel, ylabel, title : str, optional
        Axis labels (default: the symbol of the dimension name) and title.
    legend : bool, default True
        Draw the legend: one patch per regime kind present, then the overlays.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameter
        If the regimes are not two-dimensional, codes are out of range, the
        coordinates do not match, or an overlay is malformed.

    Notes
    -----
    Cells are drawn with ``pcolormesh(shading="nearest")``, so each cell is
    centred on its grid point; grids need monotonic coordinates. Kinds outside
    :data:`REGIME_KINDS` are drawn in yellow.

    Examples
    --------
    >>> kinds = [["fixed_point", "periodic"], ["fixed_point", "chaotic"]]
    >>> ax = plot_regime_map(kinds, x=[1.0, 2.0], y=[0.1, 0.2])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['fixed point', 'periodic', 'chaotic']
    """
    kinds, x, y, xname, yname = _regime_arrays(regimes, x, y, kind_names)
    present = [k for k in REGIME_KINDS if np.any(kinds == k)]
    present += sorted({str(k) for k in np.unique(kinds)} - set(REGIME_KINDS))
    index = {k: i for i, k in enumerate(present)}
    codes = np.vectorize(index.__getitem__, otypes=[float])(kinds)
    colors = [REGIME_COLORS.get(k, _UNKNOWN_COLOR) for k in present]

    ax = _new_axes(ax, (6.4, 4.4))
    cmap = ListedColormap(colors)
    norm = BoundaryNorm(np.arange(len(present) + 1) - 0.5, len(present))
    ax.pcolormesh(x, y, codes, shading="nearest", cmap=cmap, norm=norm,
                  rasterized=True)
    handles = [Patch(facecolor=c, edgecolor="none", label=_kind_label(k))
               for k, c in zip(present, colors, strict=True)]

    for ox, oy, label, style in _overlay_items(overlays):
        kw = {"color": "black", "lw": 1.8, "ls": "--",
              "path_effects": [withStroke(linewidth=4.0, foreground="white")]}
        kw.update(style)
        (line,) = ax.plot(np.asarray(ox, float), np.asarray(oy, float), label=label,
                          **kw)
        if label:
            handles.append(line)
    ax.set_xlim(x.min() - 0.5 * _cell(x), x.max() + 0.5 * _cell(x))
    ax.set_ylim(y.min() - 0.5 * _cell(y), y.max() + 0.5 * _cell(y))
    ax.set_xlabel(xlabel or _param_label(xname))
    ax.set_ylabel(ylabel or _param_label(yname))
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, fontsize="small", title="regime")
    return ax


def _kind_label(kind: str) -> str:
    return "quasi-periodic" if kind == "quasi_periodic" else kind.replace("_", " ")


def _cell(c):
    return float(np.min(np.abs(np.diff(c)))) if c.size > 1 else 1.0


def neimark_sacker_overlay(a, alpha, *, lam: float = 1.0,
                           transpose: bool = False) -> dict:
    """The K = 3 Neimark-Sacker curve as an overlay for :func:`plot_regime_map`.

    For the rock-paper-scissors matrix ``P_ij = 1/2 +- a`` with uniform
    reference and sampler, the uniform fixed point loses stability at
    ``beta lam = sqrt(3 (1 - alpha^2)) / a`` (see
    :func:`dynsys_align.theory.rps_neimark_sacker`).

    Parameters
    ----------
    a : float
        Preference margin, ``0 < a <= 1/2``.
    alpha : array_like
        Values of alpha in [0, 1] at which to evaluate the curve.
    lam : float, default 1.0
        Sampling mix; the curve's y values are divided by it, so with
        ``lam != 1`` they are critical values of ``beta`` (use 1 when the map's
        axis is ``beta lam``).
    transpose : bool, default False
        Put alpha on the y axis instead of the x axis.

    Returns
    -------
    dict
        ``{"x", "y", "label", "style"}`` ready for ``overlays``.

    Raises
    ------
    InvalidParameter
        On a margin outside (0, 1/2], alpha outside [0, 1] or lam outside (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> ov = neimark_sacker_overlay(0.2, [0.0, 0.6])
    >>> np.round(ov["y"], 6)
    array([8.660254, 6.928203])
    """
    from .theory import rps_neimark_sacker

    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    if not (0.0 < lam <= 1.0):
        raise InvalidParameter(f"lam must lie in (0, 1], got lam = {lam!r}")
    crit = np.asarray(rps_neimark_sacker(a, alpha), dtype=float) / lam
    label = "Neimark-Sacker (theory)"
    style = {"color": "black", "ls": "--"}
    if transpose:
        return {"x": crit, "y": alpha, "label": label, "style": style}
    return {"x": alpha, "y": crit, "label": label, "style": style}


def contraction_overlay(P, alpha, *, lam: float = 1.0,
                        transpose: bool = False) -> dict:
    """The global-stability bound as an overlay for :func:`plot_regime_map`.

    For any preference matrix, MRS-IPO is a contraction (one globally
    attracting fixed point) while ``alpha + beta lam ||P - 1/2||_2 / 2 < 1``,
    that is below ``beta lam = 2 (1 - alpha) / ||P - 1/2||_2`` (see
    :func:`dynsys_align.theory.contraction_boundary`). The bound is sufficient,
    not necessary: fixed points are often found beyond it, never oscillations
    below it.

    Parameters
    ----------
    P : PreferenceMatrix or array_like
        Preference matrix.
    alpha : array_like
        Values of alpha in [0, 1] at which to evaluate the curve.
    lam : float, default 1.0
        Sampling mix; the curve's y values are divided by it, so with
        ``lam != 1`` they are values of ``beta``.
    transpose : bool, default False
        Put alpha on the y axis instead of the x axis.

    Returns
    -------
    dict
        ``{"x", "y", "label", "style"}`` ready for ``overlays``.

    Raises
    ------
    InvalidPreferenceMatrix, InvalidParameter
        On an invalid matrix, alpha outside [0, 1] or lam outside (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from dynsys_align.theory import rps_matrix
    >>> ov = contraction_overlay(rps_matrix(0.25), [0.0, 0.5])
    >>> np.round(ov["y"], 6)       # 2 (1 - alpha) / (0.25 sqrt(3))
    array([4.618802, 2.309401])
    """
    from .theory import contraction_boundary

    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    if not (0.0 < lam <= 1.0):
        raise InvalidParameter(f"lam must lie in (0, 1], got lam = {lam!r}")
    crit = np.atleast_1d(np.asarray(contraction_boundary(P, alpha), float)) / lam
    label = "contraction bound (theory)"
    style = {"color": "#555555", "ls": ":"}
    if transpose:
        return {"x": crit, "y": alpha, "label": label, "style": style}
    return {"x": alpha, "y": crit, "label": label, "style": style}


# --- orbits -------------------------------------------------------------------


def plot_time_series(orbit, labels=None, *, ax=None, start: int = 0,
                     ylabel: str | None = None, title: str | None = None,
                     log: bool = False, legend: bool = True):
    """Plot each policy coordinate (or state coordinate) against the round.

    Parameters
    ----------
    orbit : array_like, shape (T, K)
        Successive states, e.g. ``map.orbit(pi0, n)``.
    labels : sequence of str, optional
        Legend entry per coordinate; default ``π_0, π_1, ...``.
    ax : Axes, optional
        Where to draw; a new figure is made when omitted.
    start : int, default 0
        Round number of the first row (e.g. after a discarded transient).
    ylabel, title : str, optional
        Default y label: "policy".
    log : bool, default False
        Logarithmic y axis: shows how fast the losing coordinates vanish in a
        collapse (zeros are not drawn on it).
    legend : bool, default True
        Draw the legend.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameter
        If ``orbit`` is not 2-D or ``labels`` has the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_time_series(np.array([[0.5, 0.5], [0.6, 0.4], [0.7, 0.3]]))
    >>> len(ax.get_lines())
    2
    """
    X = np.asarray(orbit, dtype=float)
    if X.ndim != 2:
        raise InvalidParameter(
            f"orbit must be 2-D (rounds x coordinates), got {X.shape}")
    K = X.shape[1]
    if labels is None:
        labels = [rf"$\pi_{{{i}}}$" for i in range(K)]
    elif len(labels) != K:
        raise InvalidParameter(
            f"need {K} labels, one per coordinate, got {len(labels)}")
    ax = _new_axes(ax, (6.4, 3.6))
    t = np.arange(start, start + X.shape[0])
    for i in range(K):
        ax.plot(t, X[:, i], lw=1.2, label=str(labels[i]))
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(r"round $t$")
    ax.set_ylabel(ylabel or r"policy $\pi_i$")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize="small", ncols=min(K, 4))
    return ax


def barycentric(pi) -> np.ndarray:
    """Planar coordinates of K = 3 policies in the equilateral ternary triangle.

    The policy ``pi`` is placed at ``pi_0 e_0 + pi_1 e_1 + pi_2 e_2`` with the
    vertices ``e_0 = (0, 0)``, ``e_1 = (1, 0)`` and ``e_2 = (1/2, sqrt(3)/2)``.

    Parameters
    ----------
    pi : array_like, shape (..., 3)
        Policies (rows of a matrix allowed). Not validated here; see
        :func:`plot_ternary`.

    Returns
    -------
    numpy.ndarray, shape (..., 2)
        ``(x, y)`` of each policy.

    Examples
    --------
    >>> barycentric([1/3, 1/3, 1/3]).round(6)
    array([0.5     , 0.288675])
    """
    P = np.asarray(pi, dtype=float)
    return np.stack([P[..., 1] + 0.5 * P[..., 2], _SQRT3_2 * P[..., 2]], axis=-1)


def plot_ternary(orbits, labels=None, *, vertex_labels=None, ax=None,
                 start_markers: bool = True, title: str | None = None,
                 markersize: float = 2.0):
    """Draw orbits of K = 3 policies on the simplex (a ternary plot).

    Each policy ``(pi_0, pi_1, pi_2)`` is drawn at ``pi_0 e_0 + pi_1 e_1 + pi_2 e_2``
    with the vertices of an equilateral triangle, using plain matplotlib.

    Parameters
    ----------
    orbits : array_like or sequence of array_like
        One orbit of shape ``(T, 3)`` or a sequence of them.
    labels : sequence of str, optional
        Legend entry per orbit.
    vertex_labels : sequence of three str, optional
        Text at the vertices; default ``y_0, y_1, y_2`` (the responses).
    ax : Axes, optional
        Where to draw; a new figure is made when omitted.
    start_markers : bool, default True
        Mark the first point of each orbit with a hollow circle.
    title : str, optional
    markersize : float, default 2.0

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidPolicy
        If an orbit does not have three columns, has negative or non-finite
        entries, or rows that do not sum to 1 (tolerance 1e-6).
    InvalidParameter
        If ``labels`` or ``vertex_labels`` have the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_ternary(np.array([[0.2, 0.3, 0.5], [1/3, 1/3, 1/3]]))
    >>> [t.get_text() for t in ax.texts]
    ['$y_0$', '$y_1$', '$y_2$']
    """
    if isinstance(orbits, np.ndarray) and orbits.ndim == 2:
        orbits = [orbits]
    orbits = [np.asarray(o, dtype=float) for o in orbits]
    for k, o in enumerate(orbits):
        if o.ndim != 2 or o.shape[1] != 3:
            raise InvalidPolicy(
                f"a ternary plot needs orbits of shape (T, 3); orbit {k} has shape "
                f"{o.shape}"
            )
        if not np.all(np.isfinite(o)) or np.any(o < 0.0):
            raise InvalidPolicy(f"orbit {k} has negative or non-finite entries")
        dev = np.abs(o.sum(axis=1) - 1.0)
        if dev.size and dev.max() > 1e-6:
            worst = o.sum(axis=1)[dev.argmax()]
            raise InvalidPolicy(
                f"orbit {k} leaves the simplex: a row sums to {worst!r}")
    if labels is not None and len(labels) != len(orbits):
        raise InvalidParameter(f"need {len(orbits)} labels, got {len(labels)}")
    vertex_labels = vertex_labels or [r"$y_0$", r"$y_1$", r"$y_2$"]
    if len(vertex_labels) != 3:
        raise InvalidParameter(f"need 3 vertex labels, got {len(vertex_labels)}")

    ax = _new_axes(ax, (5.0, 4.6))
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, _SQRT3_2], [0.0, 0.0]])
    ax.plot(corners[:, 0], corners[:, 1], color="black", lw=1.0)
    offsets = [(-0.04, -0.05, "right"), (0.04, -0.05, "left"), (0.0, 0.04, "center")]
    for (vx, vy), (dx, dy, ha), text in zip(corners[:3], offsets, vertex_labels,
                                          strict=True):
        ax.text(vx + dx, vy + dy, text, ha=ha, va="center", fontsize="large")
    for k, o in enumerate(orbits):
        xy = barycentric(o)
        label = None if labels is None else labels[k]
        (line,) = ax.plot(xy[:, 0], xy[:, 1], lw=0.6, marker=".", ms=markersize,
                          label=label)
        if start_markers and len(xy):
            ax.plot(xy[0, 0], xy[0, 1], marker="o", ms=7, mfc="none",
                    mec=line.get_color(), ls="none")
    ax.set_aspect("equal")
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.1, _SQRT3_2 + 0.1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    if labels is not None:
        ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  frameon=False)
    return ax


# --- multipliers --------------------------------------------------------------


def plot_multipliers(multipliers, *, labels=None, reference=None, ax=None,
                     title: str | None = None):
    """Plot Floquet multipliers in the complex plane against the unit circle.

    A multiplier inside the circle is a contracting direction, outside an
    expanding one; a complex pair crossing the circle is a Neimark-Sacker
    bifurcation, a real multiplier crossing at -1 a flip, at +1 a fold.

    Parameters
    ----------
    multipliers : array_like or sequence of array_like
        One set of (complex) multipliers, or a sequence of sets (e.g. one per
        fixed point).
    labels : sequence of str, optional
        Legend entry per set.
    reference : array_like, optional
        Expected multipliers (e.g. a closed form) drawn as hollow squares.
    ax : Axes, optional
        Where to draw; a new figure is made when omitted.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        With equal aspect, the unit circle (a line labelled "unit circle") and
        the coordinate axes.

    Raises
    ------
    InvalidParameter
        If multipliers are not finite or ``labels`` has the wrong length.

    Examples
    --------
    >>> ax = plot_multipliers([0.5 + 0.5j, 0.5 - 0.5j])
    >>> [line.get_label() for line in ax.get_lines()][0]
    'unit circle'
    """
    if isinstance(multipliers, np.ndarray):
        nested = multipliers.ndim == 2
    else:
        seq = isinstance(multipliers, Sequence) and len(multipliers) > 0
        nested = seq and np.ndim(multipliers[0]) > 0
    if nested:
        sets = [np.atleast_1d(np.asarray(m, dtype=complex)) for m in multipliers]
    else:
        sets = [np.atleast_1d(np.asarray(multipliers, dtype=complex))]
    for k, s in enumerate(sets):
        if not np.all(np.isfinite(s)):
            raise InvalidParameter(f"multiplier set {k} is not finite: {s}")
    if labels is not None and len(labels) != len(sets):
        raise InvalidParameter(f"need {len(sets)} labels, got {len(labels)}")

    ax = _new_axes(ax, (4.8, 4.6))
    theta = np.linspace(0.0, 2.0 * np.pi, 361)
    ax.plot(np.cos(theta), np.sin(theta), color="gray", lw=1.0, label="unit circle")
    ax.axhline(0.0, color="lightgray", lw=0.8, zorder=0)
    ax.axvline(0.0, color="lightgray", lw=0.8, zorder=0)
    radius = 1.0
    for k, s in enumerate(sets):
        label = f"set {k}" if labels is None else labels[k]
        ax.plot(s.real, s.imag, ls="none", marker="o", ms=6, label=label)
        radius = max(radius, float(np.abs(s).max(initial=0.0)))
    if reference is not None:
        ref = np.atleast_1d(np.asarray(reference, dtype=complex))
        ax.plot(ref.real, ref.imag, ls="none", marker="s", ms=11, mfc="none",
                mec="black", label="theory")
        radius = max(radius, float(np.abs(ref).max(initial=0.0)))
    lim = 1.15 * radius
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel(r"Re $\mu$")
    ax.set_ylabel(r"Im $\mu$")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small", loc="upper left")
    return ax
