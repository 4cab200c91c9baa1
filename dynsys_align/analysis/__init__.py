"""Analyses that work on any :class:`~dynsys_align.maps.UpdateMap`.

``fixed_points`` (Newton, multipliers, stability labels), ``lyapunov`` (QR
spectra with convergence estimates), ``periodic`` (period detection and Newton on
the k-th iterate), ``continuation`` (pseudo-arclength continuation, fold, flip and
Neimark-Sacker detection, period-doubling cascades) and ``regimes`` (``classify``
and its batched compiled core). Modules here may import :mod:`dynsys_align.maps`,
the validation helpers and the exceptions, never the sweeps, plotting or the
command line.
"""

from .continuation import (
    Branch,
    Cascade,
    SpecialPoint,
    bifurcation_test_functions,
    continue_doubled_orbit,
    continue_orbit,
    period_doubling_cascade,
)
from .fixed_points import (
    FixedPoint,
    NewtonResult,
    classify_fixed_point,
    fixed_points,
    multipliers,
    newton_fixed_point,
)
from .lyapunov import LyapunovResult, lyapunov_spectrum, max_lyapunov
from .periodic import PeriodicOrbit, detect_period, find_periodic_orbits, periodic_orbit
from .regimes import (
    KINDS,
    Criteria,
    Regime,
    RegimeSummary,
    classify,
    kind_code,
    kind_name,
    kind_names,
    summarize,
)

__all__ = [
    "FixedPoint",
    "NewtonResult",
    "classify_fixed_point",
    "fixed_points",
    "multipliers",
    "newton_fixed_point",
    "LyapunovResult",
    "lyapunov_spectrum",
    "max_lyapunov",
    "PeriodicOrbit",
    "detect_period",
    "find_periodic_orbits",
    "periodic_orbit",
    "Branch",
    "Cascade",
    "SpecialPoint",
    "bifurcation_test_functions",
    "continue_doubled_orbit",
    "continue_orbit",
    "period_doubling_cascade",
    "KINDS",
    "Criteria",
    "Regime",
    "RegimeSummary",
    "classify",
    "kind_code",
    "kind_name",
    "kind_names",
    "summarize",
]
