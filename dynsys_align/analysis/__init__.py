"""Analyses that work on any :class:`~dynsys_align.maps.UpdateMap`.

``fixed_points`` (Newton, multipliers, stability labels), ``lyapunov`` (QR
spectra with convergence estimates), ``periodic`` (period detection and Newton on
the k-th iterate), ``continuation`` (pseudo-arclength continuation, fold, flip and
Neimark-Sacker detection, period-doubling cascades) and ``regimes`` (``classify``
and its batched compiled core). Modules here may import :mod:`dynsys_align.maps`,
the validation helpers and the exceptions, never the sweeps, plotting or the
command line.
"""

from .. import _lazy

_EXPORTS = {
    "fixed_points": (
        "FixedPoint", "NewtonResult", "classify_fixed_point", "fixed_points",
        "multipliers", "newton_fixed_point",
    ),
    "lyapunov": ("LyapunovResult", "lyapunov_spectrum", "max_lyapunov"),
    "periodic": (
        "PeriodicOrbit", "detect_period", "find_periodic_orbits", "periodic_orbit",
    ),
    "continuation": (
        "Branch", "Cascade", "SpecialPoint", "bifurcation_test_functions",
        "continue_doubled_orbit", "continue_orbit", "period_doubling_cascade",
    ),
    "regimes": (
        "KINDS", "Criteria", "Regime", "RegimeSummary", "classify", "kind_code",
        "kind_name", "kind_names", "summarize",
    ),
}

__getattr__, __dir__, __all__ = _lazy.attach(__name__, _EXPORTS)

# The function fixed_points shares its name with its module; importing the module
# (as other analyses do) would set the package attribute to the module, so the
# function is bound eagerly here.
from .fixed_points import fixed_points as fixed_points  # noqa: E402
