"""Exceptions raised by dynsys_align.

Every error the package raises on bad input derives from :class:`DynsysAlignError`
and from the matching built-in class (``ValueError``, ``RuntimeError``), so callers
may catch either. Messages name the offending value and the rule it broke.
"""

__all__ = [
    "DynsysAlignError",
    "InvalidPreferenceMatrix",
    "InvalidPolicy",
    "InvalidParameter",
    "NoFiniteOptimum",
    "ConvergenceError",
    "DataFormatError",
]


class DynsysAlignError(Exception):
    """Base class of every exception raised by dynsys_align."""


class InvalidPreferenceMatrix(DynsysAlignError, ValueError):
    """A matrix is not a preference matrix (square, finite, in [0, 1], P + P^T = 1)."""


class InvalidPolicy(DynsysAlignError, ValueError):
    """A vector is not a point of the probability simplex."""


class InvalidParameter(DynsysAlignError, ValueError):
    """A scalar or vector parameter is outside its allowed range."""


class NoFiniteOptimum(DynsysAlignError, ValueError):
    """An optimisation problem has no finite solution (for example a DPO fit on a cut)."""


class ConvergenceError(DynsysAlignError, RuntimeError):
    """An iterative solver did not reach its tolerance."""


class DataFormatError(DynsysAlignError, ValueError):
    """A data file does not have the expected columns, types or values."""
