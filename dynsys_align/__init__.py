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

import importlib
import logging

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

_EXPORTS = {
    "maps": (
        "UpdateMap", "compiled_step", "compiled_jacobian", "entropy", "softmax",
        "MRSIPO", "MRSDPO", "FiniteStepIPO", "Logistic", "Henon", "Replicator",
    ),
    "preferences": (
        "PreferenceMatrix", "BUILTIN_NAMES", "bradley_terry", "cyclic",
        "from_attribute_scores", "from_name", "from_tournament", "load_matrix",
        "transitive",
    ),
    "optima": (
        "ipo_optimum", "dpo_optimum", "DPOResult", "condorcet_top", "smith_top",
        "order_preserving", "smith_top_sampling", "SamplingResult",
    ),
    "analysis": (
        "fixed_points", "newton_fixed_point", "multipliers", "classify_fixed_point",
        "FixedPoint", "lyapunov_spectrum", "max_lyapunov", "LyapunovResult",
        "detect_period", "periodic_orbit", "find_periodic_orbits", "PeriodicOrbit",
        "continue_orbit", "continue_doubled_orbit", "period_doubling_cascade",
        "Branch", "SpecialPoint", "Cascade", "classify", "summarize", "Criteria",
        "Regime", "RegimeSummary", "KINDS",
    ),
    "sweeps": ("bifurcation_diagram", "regime_map", "BifurcationDiagram", "RegimeMap"),
    "theory": (
        "rps_matrix", "rps_neimark_sacker", "rps_multipliers", "contraction_modulus",
        "contraction_boundary", "collapse_ratio",
    ),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "ConvergenceError",
    "DataFormatError",
    "DynsysAlignError",
    "InvalidParameter",
    "InvalidPolicy",
    "InvalidPreferenceMatrix",
    "NoFiniteOptimum",
    *_SUBMODULES,
    *_WHERE,
]


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
