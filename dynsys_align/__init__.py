"""dynsys_align: iterative LLM preference alignment as a discrete dynamical system.

The public face of the package. Names are loaded on first use, so that
``import dynsys_align`` stays quick and only the compiled kernels a session
needs are loaded. Subpackages: :mod:`~dynsys_align.preferences`,
:mod:`~dynsys_align.data`, :mod:`~dynsys_align.optima`,
:mod:`~dynsys_align.maps`, :mod:`~dynsys_align.analysis`,
:mod:`~dynsys_align.sweeps`, :mod:`~dynsys_align.theory`,
:mod:`~dynsys_align.plotting`.

Examples
--------
>>> import dynsys_align as da
>>> m = da.MRSIPO(da.cyclic(3, margin=0.2), alpha=0.5, beta=2.0, lam=1.0)
>>> da.classify(m).kind
'fixed_point'
"""

import logging

from . import _lazy
from .exceptions import (
    ConvergenceError,
    DataFormatError,
    DynsysAlignError,
    InvalidParameter,
    InvalidPolicy,
    InvalidPreferenceMatrix,
    NoFiniteOptimum,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_SUBMODULES = (
    "analysis", "data", "maps", "optima", "plotting", "preferences", "sweeps", "theory",
)

# Public names, keyed by the module that defines them.
_EXPORTS = {
    "maps.base": (
        "UpdateMap", "compiled_step", "compiled_jacobian", "entropy", "softmax",
    ),
    "maps.alignment": ("MRSIPO",),
    "maps.dpo": ("MRSDPO",),
    "maps.finite_step": ("FiniteStepIPO",),
    "maps.classic": ("Logistic", "Henon", "Replicator"),
    "preferences": (
        "PreferenceMatrix", "BUILTIN_NAMES", "bradley_terry", "cyclic",
        "from_attribute_scores", "from_name", "from_tournament", "load_matrix",
        "transitive",
    ),
    "optima": (
        "ipo_optimum", "dpo_optimum", "DPOResult", "condorcet_top", "smith_top",
        "order_preserving", "smith_top_sampling", "SamplingResult",
    ),
    "analysis.fixed_points": (
        "fixed_points", "newton_fixed_point", "multipliers", "classify_fixed_point",
        "FixedPoint",
    ),
    "analysis.lyapunov": ("lyapunov_spectrum", "max_lyapunov", "LyapunovResult"),
    "analysis.periodic": (
        "detect_period", "periodic_orbit", "find_periodic_orbits", "PeriodicOrbit",
    ),
    "analysis.continuation": (
        "continue_orbit", "continue_doubled_orbit", "period_doubling_cascade",
        "Branch", "SpecialPoint", "Cascade",
    ),
    "analysis.regimes": (
        "classify", "summarize", "Criteria", "Regime", "RegimeSummary", "KINDS",
    ),
    "sweeps": ("bifurcation_diagram", "regime_map", "BifurcationDiagram", "RegimeMap"),
    "plotting": (
        "plot_bifurcation", "plot_regime_map", "plot_time_series", "plot_ternary",
        "plot_multipliers",
    ),
    "theory": (
        "rps_matrix", "rps_neimark_sacker", "rps_multipliers", "contraction_modulus",
        "contraction_boundary", "collapse_ratio",
    ),
}
__getattr__, __dir__, _lazy_names = _lazy.attach(__name__, _EXPORTS, _SUBMODULES)

__all__ = [
    "ConvergenceError",
    "DataFormatError",
    "DynsysAlignError",
    "InvalidParameter",
    "InvalidPolicy",
    "InvalidPreferenceMatrix",
    "NoFiniteOptimum",
    *_lazy_names,
]
