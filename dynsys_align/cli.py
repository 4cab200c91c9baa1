"""The ``dynsys-align`` command line.

Subcommands:

- ``demo``: the package's showcase on built-in preference matrices: regimes of
  representative parameter points compared with the closed-form thresholds, a
  bifurcation diagram with Lyapunov exponents, a regime map with the
  Neimark-Sacker curve, orbits on the simplex, multipliers and an entropy
  collapse; figures and ``report.txt`` go to an output folder.
- ``classify``: the regime of one MRS-IPO parameter point.
- ``fixed-points``: fixed points of MRS-IPO with multipliers and stability.
- ``bifurcation``: a bifurcation diagram in one parameter.
- ``regimes``: a regime map over one to three parameters.

Errors in the input end the command with a one-line message on stderr and exit
status 1 (2 for malformed command lines). This module is the top of the
package: it may import everything else, and it is the only place that prints.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__
from .exceptions import DynsysAlignError, InvalidParameter

__all__ = ["main", "build_parser", "parse_values", "run_demo"]

logger = logging.getLogger(__name__)

PROG = "dynsys-align"
DEFAULT_OUT = "dynsys-align-out"
_SWEEPABLE = ("alpha", "beta", "lam")
_DEFAULTS = {"alpha": "0.5", "beta": "10", "lam": "1"}
#: xarray engine of the bifurcation data files: netCDF-3 through scipy (a required
#: dependency), the format :meth:`~dynsys_align.sweeps.RegimeMap.save` writes too.
NETCDF_ENGINE = "scipy"


# --- argument parsing ---------------------------------------------------------


def parse_values(text: str, name: str) -> np.ndarray:
    """Parse a parameter given on the command line.

    Three forms are accepted: one number (``"4.5"``), a range
    ``"start:stop:num"`` (``num`` evenly spaced values including both ends, as
    :func:`numpy.linspace`) and a comma-separated list (``"1,2,5"``).

    Parameters
    ----------
    text : str
        The option value.
    name : str
        Parameter name, used in error messages.

    Returns
    -------
    numpy.ndarray
        One-dimensional float array (length 1 for a single number).

    Raises
    ------
    InvalidParameter
        If the text is not a number, a well-formed range with ``num >= 1``, or
        a list of numbers. Range checks (e.g. alpha in [0, 1]) are the map's.

    Examples
    --------
    >>> parse_values("0.5:10:3", "beta")
    array([ 0.5 ,  5.25, 10.  ])
    >>> parse_values("1,2", "beta")
    array([1., 2.])
    """
    text = str(text).strip()
    rule = "a number, start:stop:num or a comma-separated list"
    parts = text.split(":")
    try:
        if len(parts) == 3:
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
        elif len(parts) == 1:
            values = np.array([float(v) for v in text.split(",")])
        else:
            raise ValueError(text)
    except ValueError:
        raise InvalidParameter(
            f"{name} must be {rule}, got {name} = {text!r}") from None
    if len(parts) == 3:
        if num < 1:
            raise InvalidParameter(
                f"{name} range needs num >= 1 values, got {name} = {text!r}"
            )
        values = np.linspace(start, stop, num)
    if not np.all(np.isfinite(values)):
        raise InvalidParameter(f"{name} must be finite, got {name} = {text!r}")
    return values


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _common_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("output and logging")
    g.add_argument("-v", "--verbose", action="count", default=0,
                   help="more log messages on stderr (-v: info, -vv: debug)")
    g.add_argument("--no-progress", action="store_true",
                   help="do not show progress bars")
    g.add_argument("--seed", type=int, default=0,
                   help="seed of every random choice (default: %(default)s)")
    return p


def _model_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    from .preferences import BUILTIN_NAMES

    g = p.add_argument_group(
        "model (MRS-IPO)",
        "--alpha, --beta and --lam take one number, a range start:stop:num "
        "(num values from start to stop inclusive) or a list a,b,c; ranges "
        "are for bifurcation and regimes.")
    g.add_argument("--preferences", "-P", default="cyclic3", metavar="NAME|PATH",
                   help="built-in preference matrix name "
                        f"({', '.join(BUILTIN_NAMES)}) or a .npy/.csv file with "
                        "the K x K matrix (default: %(default)s)")
    g.add_argument("--alpha", default=_DEFAULTS["alpha"], metavar="VALUE",
                   help="weight of the current policy in the reference, in [0, 1] "
                        "(default: %(default)s)")
    g.add_argument("--beta", default=_DEFAULTS["beta"], metavar="VALUE",
                   help="strength of the preference signal, > 0 "
                        "(default: %(default)s)")
    g.add_argument("--lam", default=_DEFAULTS["lam"], metavar="VALUE",
                   help="weight of the current policy in the sampler, in [0, 1] "
                        "(default: %(default)s)")
    g.add_argument("--n-transient", type=_positive_int, default=2000, metavar="N",
                   help="rounds discarded before measuring (default: %(default)s)")
    g.add_argument("--n-keep", type=_positive_int, default=1000, metavar="N",
                   help="rounds measured after the transient (default: %(default)s)")
    return p


def _start_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--x0", default=None, metavar="PI",
                   help="initial policy as comma-separated probabilities "
                        "(default: drawn from a Dirichlet(3, ..., 3) with --seed; the "
                        "uniform policy is often an unstable fixed point)")
    return p


def _sweep_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("sweep execution")
    g.add_argument("--backend", choices=("local", "dask"), default="local",
                   help="local: compiled parallel loop on this machine; dask: "
                        "chunks as tasks on a dask.distributed cluster "
                        "(default: %(default)s)")
    g.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="address of a running dask scheduler, e.g. "
                        "tcp://host:8786 (with --backend dask; default: start a "
                        "local cluster)")
    g.add_argument("--checkpoint", metavar="DIR", default=None,
                   help="folder for finished chunks; a re-run with the same "
                        "folder computes only the missing ones (default: none)")
    g.add_argument("--chunk-size", type=_positive_int, default=None, metavar="N",
                   help="parameter points per chunk (default: the sweep's own)")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``dynsys-align`` (exposed for documentation tools).

    Returns
    -------
    argparse.ArgumentParser
    """
    common, model, sweep = _common_parent(), _model_parent(), _sweep_parent()
    start = _start_parent()
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=fmt,
        description="Iterated preference alignment (MRS-IPO) as a discrete "
                    "dynamical system: regimes, fixed points, bifurcation "
                    "diagrams and regime maps.",
        epilog="Parameters take one number, a range start:stop:num or a list "
               "a,b,c.\nExample: dynsys-align bifurcation --preferences cyclic3 "
               "--alpha 0.5 --beta 0.5:15:300",
    )
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "demo", parents=[common],
        help="run the showcase on built-in examples and write figures + report",
        description="Regimes of the K = 3 cycle, cyclic4 and transitive4 at "
                    "representative parameters, compared with the closed-form "
                    "thresholds; a bifurcation diagram in beta with Lyapunov "
                    "exponents; a regime map over alpha x beta*lam with the "
                    "Neimark-Sacker curve; K = 3 orbits on the simplex; "
                    "multipliers; an entropy collapse. Writes PNG figures and "
                    "report.txt.",
    )
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="output folder (default: %(default)s)")
    p.add_argument("--quick", action="store_true",
                   help="smaller grids and shorter orbits (a few seconds once "
                        "compiled)")
    p.add_argument("--dpi", type=_positive_int, default=100,
                   help="resolution of the PNG figures (default: %(default)s)")

    p = sub.add_parser(
        "classify", parents=[common, model, start],
        help="regime of one parameter point",
        description="Iterate MRS-IPO from a generic start (or --x0), discard "
                    "the transient and report the regime (fixed_point, periodic, "
                    "quasi_periodic, chaotic, collapse, divergent), period, "
                    "largest Lyapunov exponent and entropy.",
    )
    p.add_argument("--out", default=None, metavar="DIR",
                   help="also write the orbit figure into DIR (default: none)")

    p = sub.add_parser(
        "fixed-points", parents=[common, model],
        help="fixed points, multipliers and stability",
        description="Newton's method from many seeded starts; prints each fixed "
                    "point with its multipliers and stability label.",
    )
    p.add_argument("--n-starts", type=_positive_int, default=64,
                   help="number of Newton starts (default: %(default)s)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="also write the multiplier figure and a CSV into DIR "
                        "(default: none)")

    p = sub.add_parser(
        "bifurcation", parents=[common, model, start, sweep],
        help="bifurcation diagram in one parameter",
        description="Give exactly one of --alpha/--beta/--lam as a range, e.g. "
                    "--beta 0.5:15:300. Writes bifurcation_<param>.png and "
                    "bifurcation_<param>.nc (netCDF).",
    )
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="output folder (default: %(default)s)")
    p.add_argument("--no-lyapunov", action="store_true",
                   help="skip the largest Lyapunov exponent panel")

    p = sub.add_parser(
        "regimes", parents=[common, model, start, sweep],
        help="regime map over one to three parameters",
        description="Give one to three of --alpha/--beta/--lam as ranges. Writes "
                    "regimes.nc (netCDF) and, for two parameters, regimes.png "
                    "(with the Neimark-Sacker curve for a K = 3 cycle in "
                    "alpha x beta).",
    )
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="output folder (default: %(default)s)")
    return parser


# --- shared helpers -----------------------------------------------------------


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the message."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _setup_logging(verbosity: int):
    """Send the package's log to stderr at the chosen level; return an undo function.

    The undo restores the logger as it was, so calling :func:`main` inside a
    larger program (or a test session) leaves its logging untouched.
    """
    level = logging.WARNING if verbosity <= 0 else (
        logging.INFO if verbosity == 1 else logging.DEBUG)
    root = logging.getLogger("dynsys_align")
    old_level = root.level
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)

    def undo():
        root.removeHandler(handler)
        root.setLevel(old_level)

    return undo


def _load_preferences(spec: str):
    from .preferences import from_name, load_matrix

    path = Path(spec)
    if path.suffix.lower() in (".npy", ".csv") or path.exists():
        if not path.exists():
            raise FileNotFoundError(f"preference file not found: {spec}")
        return load_matrix(path)
    return from_name(spec)


def _parameters(args) -> dict[str, np.ndarray]:
    return {name: parse_values(getattr(args, name), name) for name in _SWEEPABLE}


def _build_map(P, values: dict[str, np.ndarray]):
    from .maps import MRSIPO

    first = {k: float(v[0]) for k, v in values.items()}
    m = MRSIPO(P, **first)
    for name, v in values.items():
        # validates every value of a sweep against the map's rules
        m.vary(**{name: v})
    return m


def _scalars_only(values, command):
    many = [k for k, v in values.items() if v.size > 1]
    if many:
        raise InvalidParameter(
            f"{command} takes single values; {', '.join(many)} was given as a "
            "range or list (use the bifurcation or regimes command to sweep)"
        )


def _start(args, m) -> np.ndarray:
    if args.x0 is None:
        return _generic_start(m.K, args.seed)
    from ._validation import check_policy

    return check_policy(parse_values(args.x0, "x0"), "x0", K=m.K)


def _client_arg(args):
    if args.scheduler and args.backend != "dask":
        raise InvalidParameter("--scheduler needs --backend dask")
    return args.scheduler


def _out_dir(path) -> Path:
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _regime_line(r) -> str:
    period = f" (period {r.period})" if r.period else ""
    entropy = "not defined" if r.entropy is None else f"{r.entropy:.4g} nats"
    if np.isfinite(r.lyapunov):
        lyap = f"{r.lyapunov:.4g}"
    else:
        lyap = "not defined (the orbit leaves the interior)"
    return f"{r.kind}{period}, largest Lyapunov exponent {lyap}, entropy {entropy}"


def _save_figure(fig, path: Path, dpi: int = 100) -> Path:
    fig.savefig(path, dpi=dpi)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def _rps_margin(P) -> float | None:
    """The margin a if P is the K = 3 rock-paper-scissors cycle (either direction)."""
    from .theory import rps_matrix

    A = np.asarray(getattr(P, "matrix", P), dtype=float)
    if A.shape != (3, 3):
        return None
    a = abs(A[0, 1] - 0.5)
    if not 0.0 < a <= 0.5:
        return None
    R = rps_matrix(a)
    if np.allclose(A, R, atol=1e-12) or np.allclose(A, R.T, atol=1e-12):
        return a
    return None


# --- subcommands --------------------------------------------------------------


def _cmd_classify(args) -> int:
    from .analysis.regimes import classify

    values = _parameters(args)
    _scalars_only(values, "classify")
    P = _load_preferences(args.preferences)
    m = _build_map(P, values)
    x0 = _start(args, m)
    r = classify(m, x0, n_transient=args.n_transient, n_keep=args.n_keep)
    print(f"{args.preferences}: K = {m.K}, alpha = {m['alpha']:g}, "
          f"beta = {m['beta']:g}, lam = {m['lam']:g}")
    print(f"start: pi = {np.array2string(np.asarray(x0), precision=4)}")
    print(f"regime: {_regime_line(r)}")
    print(f"reason: {r.reason}")
    if args.out:
        from .plotting import plot_time_series

        out = _out_dir(args.out)
        orbit = m.orbit(x0, args.n_transient + args.n_keep)
        ax = plot_time_series(orbit, title=f"{args.preferences}: {r.kind}")
        print(f"wrote {_save_figure(ax.figure, out / 'classify_orbit.png')}")
    return 0


def _cmd_fixed_points(args) -> int:
    from .analysis.fixed_points import fixed_points

    values = _parameters(args)
    _scalars_only(values, "fixed-points")
    P = _load_preferences(args.preferences)
    m = _build_map(P, values)
    found = fixed_points(m, n_starts=args.n_starts, rng=args.seed)
    print(f"{args.preferences}: K = {m.K}, alpha = {m['alpha']:g}, "
          f"beta = {m['beta']:g}, lam = {m['lam']:g}: {len(found)} fixed point(s)")
    for k, fp in enumerate(found):
        mult = ", ".join(_complex(z) for z in fp.multipliers)
        print(f"[{k}] {fp.stability}: pi = {np.array2string(fp.x, precision=5)}")
        print(f"    multipliers: {mult}")
    if args.out and found:
        from .plotting import plot_multipliers

        out = _out_dir(args.out)
        ax = plot_multipliers([fp.multipliers for fp in found],
                              labels=[f"[{k}] {fp.stability}"
                                      for k, fp in enumerate(found)])
        print(f"wrote {_save_figure(ax.figure, out / 'fixed_points.png')}")
        rows = [np.concatenate([fp.x, np.abs(fp.multipliers)]) for fp in found]
        header = ",".join([f"pi_{i}" for i in range(m.K)] +
                          [f"abs_mu_{i}" for i in range(len(found[0].multipliers))])
        np.savetxt(out / "fixed_points.csv", np.array(rows), delimiter=",",
                   header=header, comments="")
        print(f"wrote {out / 'fixed_points.csv'}")
    return 0


def _complex(z) -> str:
    z = complex(z)
    if abs(z.imag) < 1e-12:
        return f"{z.real:.6g}"
    return f"{z.real:.6g}{z.imag:+.6g}i (|mu| = {abs(z):.6g})"


def _cmd_bifurcation(args) -> int:
    from .plotting import plot_bifurcation
    from .sweeps import bifurcation_diagram

    values = _parameters(args)
    swept = [k for k, v in values.items() if v.size > 1]
    if len(swept) != 1:
        raise InvalidParameter(
            "bifurcation needs exactly one of --alpha/--beta/--lam as a range "
            f"(start:stop:num), got {len(swept)}: {', '.join(swept) or 'none'}"
        )
    param = swept[0]
    P = _load_preferences(args.preferences)
    m = _build_map(P, values)
    client = _client_arg(args)
    out = _out_dir(args.out)
    d = bifurcation_diagram(
        m, param, values[param], x0=_start(args, m), n_transient=args.n_transient,
        n_keep=args.n_keep, lyapunov=not args.no_lyapunov, backend=args.backend,
        client=client,
        chunk_size=args.chunk_size, checkpoint_dir=args.checkpoint,
        progress=not args.no_progress,
    )
    data = out / f"bifurcation_{param}.nc"
    d.to_xarray().to_netcdf(data, engine=NETCDF_ENGINE)
    fig = plot_bifurcation(d, lyapunov=not args.no_lyapunov, param=param,
                           title=f"{args.preferences}: bifurcation in {param}")
    print(f"wrote {data}")
    print(f"wrote {_save_figure(fig, out / f'bifurcation_{param}.png')}")
    return 0


def _cmd_regimes(args) -> int:
    from .plotting import contraction_overlay, neimark_sacker_overlay, plot_regime_map
    from .sweeps import regime_map

    values = _parameters(args)
    grid = {k: v for k, v in values.items() if v.size > 1}
    if not grid:
        raise InvalidParameter(
            "regimes needs at least one of --alpha/--beta/--lam as a range "
            "(start:stop:num)"
        )
    P = _load_preferences(args.preferences)
    m = _build_map(P, values)
    client = _client_arg(args)
    out = _out_dir(args.out)
    rm = regime_map(
        m, grid, x0=_start(args, m), n_transient=args.n_transient,
        n_keep=args.n_keep, backend=args.backend, client=client,
        chunk_size=args.chunk_size, checkpoint_dir=args.checkpoint,
        progress=not args.no_progress,
    )
    rm.save(out / "regimes.nc")
    print(f"wrote {out / 'regimes.nc'}")
    ds = rm.to_xarray()
    counts = _kind_counts(ds)
    print("cells per regime: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
    if len(grid) == 2:
        overlays = []
        a = _rps_margin(P)
        lam = float(values["lam"][0])
        if set(grid) == {"alpha", "beta"} and lam > 0.0:
            if a is not None:
                overlays.append(neimark_sacker_overlay(a, grid["alpha"], lam=lam,
                                                       transpose=True))
            overlays.append(contraction_overlay(P, grid["alpha"], lam=lam,
                                                transpose=True))
        ax = plot_regime_map(ds, x="beta" if "beta" in grid else None,
                             y="alpha" if "alpha" in grid else None,
                             overlays=overlays,
                             title=f"{args.preferences}: regimes")
        print(f"wrote {_save_figure(ax.figure, out / 'regimes.png')}")
    else:
        logger.info("no figure: a regime map figure needs exactly two swept parameters")
    return 0


def _kind_counts(ds) -> dict[str, int]:
    from .analysis.regimes import kind_names

    names = kind_names(np.asarray(ds["kind"].values).ravel())
    kinds, counts = np.unique(names, return_counts=True)
    return {str(k): int(n) for k, n in zip(kinds, counts, strict=True)}


# --- demo ---------------------------------------------------------------------


def _generic_start(K: int, seed) -> np.ndarray:
    # The uniform policy is a fixed point of every map with uniform reference
    # and sampler on a cycle, so orbits start from a generic interior point;
    # concentration 3 keeps it away from the faces of the simplex.
    return np.random.default_rng(seed).dirichlet(np.full(K, 3.0))


def _demo_cases():
    """(matrix name, alpha, beta, lam) of the representative points."""
    return [
        ("cyclic3", 0.5, 5.0, 1.0),
        ("cyclic3", 0.5, 10.0, 1.0),
        ("cyclic3", 0.8, 4.0, 1.0),
        ("cyclic3", 0.8, 7.0, 1.0),
        ("cyclic4", 0.5, 2.0, 1.0),
        ("cyclic4", 0.4, 40.0, 1.0),
        ("transitive4", 0.5, 5.0, 1.0),
        ("transitive4", 1.0, 5.0, 1.0),
    ]


def _theory_verdict(P, alpha, beta, lam):
    """What the closed forms predict: (prediction text, predicted kinds or None)."""
    from .theory import collapse_ratio, contraction_modulus, rps_neimark_sacker

    a = _rps_margin(P)
    if a is not None:
        crit = rps_neimark_sacker(a, alpha)
        if beta * lam < crit:
            return (f"beta*lam = {beta * lam:g} < Neimark-Sacker threshold "
                    f"{crit:.4g}: uniform point stable", ("fixed_point",))
        return (f"beta*lam = {beta * lam:g} > Neimark-Sacker threshold "
                f"{crit:.4g}: orbits keep circulating",
                ("periodic", "quasi_periodic"))
    strict_sst = P.is_strongly_transitive(strict=True)
    if alpha == 1.0 and strict_sst:
        return ("alpha = 1 with strictly transitive P: entropy collapse onto "
                "the top response", ("collapse",))
    q = contraction_modulus(P, alpha, beta, lam)
    if q < 1.0:
        return (f"contraction modulus {q:.3g} < 1: unique globally attracting "
                "fixed point", ("fixed_point",))
    ratio = collapse_ratio(alpha, beta, lam)
    if strict_sst:
        return (f"strictly transitive P, collapse ratio beta*lam/(1-alpha) = "
                f"{ratio:.3g}: the limit approaches the top response as the "
                "ratio grows (no threshold to compare)", None)
    return (f"contraction modulus {q:.3g} >= 1: no closed-form prediction", None)


def run_demo(out, *, quick: bool = False, seed: int = 0, progress: bool = True,
             dpi: int = 100) -> list[Path]:
    """Run the showcase and write its figures and ``report.txt`` into ``out``.

    Parameters
    ----------
    out : str or pathlib.Path
        Output folder (created if missing).
    quick : bool, default False
        Smaller grids and shorter orbits.
    seed : int, default 0
        Seed of the generic initial policies and of the fixed-point search.
    progress : bool, default True
        Show a progress bar over the steps on stderr.
    dpi : int, default 100
        Resolution of the PNG files.

    Returns
    -------
    list of pathlib.Path
        The files written, ``report.txt`` last.

    Raises
    ------
    OSError
        If the output folder cannot be created or written.

    Notes
    -----
    Cost: with a warm numba cache about 5 to 15 seconds on two cores (less
    with ``quick``); the first run in a fresh environment adds the one-off
    compilation of the package's kernels (about 40 seconds on two cores). The regime of each point is decided on one orbit of finite
    length (see :func:`dynsys_align.analysis.regimes.classify`), so points
    chosen close to a threshold could be misread; the representative points sit
    well away from the thresholds.
    """
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    from .analysis.regimes import classify
    from .maps import MRSIPO
    from .plotting import (
        neimark_sacker_overlay,
        plot_bifurcation,
        plot_multipliers,
        plot_regime_map,
        plot_ternary,
        plot_time_series,
    )
    from .preferences import from_name
    from .sweeps import bifurcation_diagram, regime_map
    from .theory import rps_multipliers, rps_neimark_sacker

    out = _out_dir(out)
    n_tr, n_keep = (1000, 1000) if quick else (2000, 1000)
    files: list[Path] = []
    lines = [
        f"dynsys-align {__version__} demo ({'quick' if quick else 'full'} mode, "
        f"seed {seed})",
        "MRS-IPO: pi' = softmax(alpha log pi + (1 - alpha) log ref + beta P mu), "
        "mu = lam pi + (1 - lam) pi0; ref and pi0 uniform.",
        "",
    ]
    steps = ["regimes", "bifurcation", "regime map", "ternary", "collapse",
             "multipliers"]
    bar = tqdm(steps, desc="demo", disable=not progress, leave=False)
    mats = {name: from_name(name) for name in ("cyclic3", "cyclic4", "transitive4")}
    a3 = _rps_margin(mats["cyclic3"])

    def save(fig, name):
        path = _save_figure(fig, out / name, dpi)
        files.append(path)

    t_step = time.perf_counter()
    for step in bar:
        bar.set_postfix_str(step)
        logger.info("demo: %s", step)
        if step == "regimes":
            lines.append("1. Regimes of representative points (start: a generic "
                         "interior policy)")
            agree_all = True
            for name, alpha, beta, lam in _demo_cases():
                P = mats[name]
                m = MRSIPO(P, alpha=alpha, beta=beta, lam=lam)
                r = classify(m, _generic_start(m.K, seed), n_transient=n_tr,
                             n_keep=n_keep)
                text, predicted = _theory_verdict(P, alpha, beta, lam)
                if predicted is None:
                    verdict = "no prediction"
                else:
                    ok = r.kind in predicted
                    agree_all &= ok
                    verdict = "agrees" if ok else "DISAGREES"
                lines.append(f"- {name} (K = {m.K}), alpha = {alpha:g}, "
                             f"beta = {beta:g}, lam = {lam:g}: {_regime_line(r)}")
                lines.append(f"    theory: {text} -> {verdict}")
            lines.append(f"  all predictions met: {'yes' if agree_all else 'NO'}")
            lines.append("")
        elif step == "bifurcation":
            n_values = 80 if quick else 240
            lines.append(f"2. Bifurcation diagrams in beta (lam = 1, {n_values} "
                         "values)")
            for name, alpha, b_max in (("cyclic3", 0.5, 15.0), ("cyclic4", 0.4, 50.0)):
                betas = np.linspace(0.5, b_max, n_values)
                m = MRSIPO(mats[name], alpha=alpha, beta=1.0, lam=1.0)
                d = bifurcation_diagram(
                    m, "beta", betas, x0=_generic_start(m.K, seed),
                    n_transient=n_tr, n_keep=100 if quick else 200, lyapunov=True,
                    progress=False)
                fig = plot_bifurcation(
                    d, param="beta",
                    title=rf"{name}: $\alpha = {alpha:g}$, $\lambda = 1$")
                if name == "cyclic3":
                    crit = rps_neimark_sacker(a3, 0.5)
                    for ax in fig.axes:
                        ax.axvline(crit, color="#D55E00", ls="--", lw=1.0,
                                   label="Neimark-Sacker (theory)")
                    fig.axes[0].legend(loc="upper left", fontsize="small")
                    lines.append(f"   cyclic3: theory puts Neimark-Sacker at "
                                 f"beta = {crit:.4g}")
                lyap = np.asarray(d.lyapunov, dtype=float)
                if np.any(np.isfinite(lyap)):
                    k = int(np.nanargmax(lyap))
                    lines.append(f"   {name} (alpha = {alpha:g}): largest exponent "
                                 f"{lyap[k]:.3g} at beta = {betas[k]:.3g}; positive "
                                 f"(> 0.01) at {int(np.sum(lyap > 0.01))} of "
                                 f"{n_values} values")
                save(fig, f"bifurcation_{name}.png")
            lines.append("")
        elif step == "regime map":
            n_a, n_b = (10, 16) if quick else (24, 36)
            alphas = np.linspace(0.0, 0.95, n_a)
            betas = np.linspace(1.0, 15.0, n_b)
            m = MRSIPO(mats["cyclic3"], alpha=0.5, beta=1.0, lam=1.0)
            rm = regime_map(m, {"alpha": alphas, "beta": betas},
                            x0=_generic_start(3, seed), n_transient=n_tr,
                            n_keep=n_keep, progress=False)
            ds = rm.to_xarray()
            ov = neimark_sacker_overlay(a3, np.linspace(0.0, 0.95, 100),
                                        transpose=True)
            ax = plot_regime_map(ds, x="beta", y="alpha", overlays=[ov],
                                 xlabel=r"$\beta\lambda$ ($\lambda = 1$)",
                                 title="cyclic3: regimes")
            save(ax.figure, "regime_map_cyclic3.png")
            agree, total = _regime_map_agreement(ds, a3)
            lines.append(f"3. Regime map of cyclic3 over alpha x beta*lam "
                         f"({n_a} x {n_b} cells)")
            lines.append("   cells more than 10% away from the Neimark-Sacker "
                         f"curve that agree with theory: {agree} of {total}")
            lines.append("")
        elif step == "ternary":
            m = MRSIPO(mats["cyclic3"], alpha=0.5, beta=5.0, lam=1.0)
            x0 = _generic_start(3, seed)
            below = m.orbit(x0, 60)
            above = m.with_params(beta=10.0).orbit(x0, 400)
            ax = plot_ternary([below, above[200:]],
                              labels=[r"$\beta\lambda = 5$ (below threshold)",
                                      r"$\beta\lambda = 10$ (above, rounds 200-400)"],
                              title=r"cyclic3, $\alpha = 0.5$")
            save(ax.figure, "ternary_cyclic3.png")
        elif step == "multipliers":
            from .analysis.fixed_points import fixed_points

            sets, labels, texts, refs = [], [], [], []
            for beta in (5.0, 10.0):
                m = MRSIPO(mats["cyclic3"], alpha=0.5, beta=beta, lam=1.0)
                fps = fixed_points(m, n_starts=8 if quick else 32, rng=seed)
                for fp in fps:
                    sets.append(fp.multipliers)
                    labels.append(rf"$\beta\lambda = {beta:g}$: {fp.stability}")
                    texts.append(f"beta*lam = {beta:g}: {fp.stability}")
                refs.append(rps_multipliers(a3, 0.5, beta, 1.0))
            ax = plot_multipliers(sets, labels=labels, reference=np.concatenate(refs),
                                  title=r"cyclic3 uniform point, $\alpha = 0.5$")
            save(ax.figure, "multipliers_cyclic3.png")
            lines.append("5. Multipliers of the uniform fixed point of cyclic3 "
                         "(alpha = 0.5): theory alpha +- i a beta lam / sqrt(3)")
            for lab, s in zip(texts, sets, strict=True):
                lines.append(f"   {lab}: " + ", ".join(_complex(z) for z in s))
            lines.append("")
        elif step == "collapse":
            m = MRSIPO(mats["transitive4"], alpha=1.0, beta=5.0, lam=1.0)
            orbit = m.orbit(np.full(m.K, 1.0 / m.K), 150 if quick else 300)
            fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.2),
                                           layout="constrained")
            plot_time_series(orbit, ax=ax1,
                             title=r"transitive4: $\alpha = 1$, $\beta = 5$, "
                                   r"$\lambda = 1$ (from uniform)")
            plot_time_series(orbit, ax=ax2, log=True, legend=False,
                             ylabel=r"$\pi_i$ (log scale)")
            ax1.set_xlabel("")
            ax2.set_ylim(top=3.0)
            save(fig, "collapse_transitive4.png")
            from .maps import entropy

            h = entropy(orbit)
            lines.append("4. Entropy collapse of transitive4 at alpha = 1, "
                         "beta = 5, lam = 1 (from the uniform policy)")
            lines.append(f"   entropy: {h[0]:.4g} nats at round 0, {h[-1]:.3g} at "
                         f"round {len(h) - 1}; monotone from round "
                         f"{_monotone_from(h)}; top response "
                         f"{int(np.argmax(orbit[-1]))} has pi = {orbit[-1].max():.6f}")
            lines.append("")
        logger.info("demo: %s done at %.1f s", step, time.perf_counter() - t_step)
    report = out / "report.txt"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    files.append(report)
    return files


def _monotone_from(h) -> int:
    """First round after which the entropy never increases again."""
    inc = np.flatnonzero(np.diff(h) > 0.0)
    return int(inc[-1] + 1) if inc.size else 0


def _regime_map_agreement(ds, a) -> tuple[int, int]:
    """Cells farther than 10% from the K = 3 threshold that match theory."""
    from .analysis.regimes import kind_names
    from .theory import rps_neimark_sacker

    kind = ds["kind"].transpose("alpha", "beta")
    names = kind_names(np.asarray(kind.values).ravel()).reshape(kind.shape)
    alpha = np.asarray(kind["alpha"].values)[:, None]
    beta = np.asarray(kind["beta"].values)[None, :]
    crit = np.asarray(rps_neimark_sacker(a, alpha))
    below = beta < 0.9 * crit
    above = beta > 1.1 * crit
    ok = (below & (names == "fixed_point")) | (
        above & np.isin(names, ["periodic", "quasi_periodic"]))
    return int(ok.sum()), int((below | above).sum())


def _cmd_demo(args) -> int:
    t0 = time.perf_counter()
    files = run_demo(args.out, quick=args.quick, seed=args.seed,
                     progress=not args.no_progress, dpi=args.dpi)
    for f in files:
        print(f"wrote {f}")
    print(f"demo finished in {time.perf_counter() - t0:.1f} s; report: {files[-1]}")
    return 0


_COMMANDS = {
    "demo": _cmd_demo,
    "classify": _cmd_classify,
    "fixed-points": _cmd_fixed_points,
    "bifurcation": _cmd_bifurcation,
    "regimes": _cmd_regimes,
}


def main(argv=None) -> int:
    """Run ``dynsys-align`` with the given arguments (default: ``sys.argv[1:]``).

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments without the program name.

    Returns
    -------
    int
        Exit status: 0 on success, 1 on bad input or a failed computation (a
        one-line message on stderr), 2 on a malformed command line, 130 when
        interrupted.

    Examples
    --------
    >>> main(["classify", "--alpha", "1.5"])
    1
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    undo_logging = _setup_logging(args.verbose)
    if os.environ.get("MPLBACKEND") is None:
        import matplotlib

        matplotlib.use("Agg")
    try:
        return _COMMANDS[args.command](args)
    except (DynsysAlignError, ValueError, OSError, ImportError) as exc:
        message = " ".join(str(exc).split())
        print(f"{PROG}: error: {message}", file=sys.stderr)
        logger.debug("traceback of the error above", exc_info=True)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        undo_logging()
