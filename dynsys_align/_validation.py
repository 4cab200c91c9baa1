"""Input checks shared by the whole package.

Each check returns a clean float64 array (or float) or raises an exception from
:mod:`dynsys_align.exceptions` whose message names the value and the rule broken.
"""

from __future__ import annotations

import numbers

import numpy as np

from .exceptions import InvalidParameter, InvalidPolicy, InvalidPreferenceMatrix

__all__ = [
    "PREFERENCE_ATOL",
    "SIMPLEX_ATOL",
    "as_preference_array",
    "check_policy",
    "check_unit_interval",
    "check_positive",
    "check_finite_vector",
]

#: Tolerance on ``P + P^T = 1`` and on the diagonal ``P_ii = 1/2``.
PREFERENCE_ATOL = 1e-9
#: Tolerance on ``sum(pi) = 1`` for policies given by the user.
SIMPLEX_ATOL = 1e-8


def _short(a) -> str:
    return np.array2string(np.asarray(a), precision=4, threshold=20)


def as_preference_array(P, *, atol: float = PREFERENCE_ATOL) -> np.ndarray:
    """Return ``P`` as a validated float64 preference matrix.

    Accepts a :class:`~dynsys_align.PreferenceMatrix` (anything with a ``matrix``
    attribute) or an array-like. Rules: square, K >= 2, finite, entries in [0, 1],
    ``P + P^T = 1`` and ``P_ii = 1/2`` within ``atol``.
    """
    if hasattr(P, "matrix") and not isinstance(P, np.ndarray):
        P = P.matrix  # a PreferenceMatrix (or a map exposing its matrix): check anyway
    try:
        A = np.array(P, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidPreferenceMatrix(
            f"preference matrix must be numeric, got {P!r}"
        ) from exc
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise InvalidPreferenceMatrix(
            f"preference matrix must be square (K x K), got shape {A.shape}"
        )
    if A.shape[0] < 2:
        raise InvalidPreferenceMatrix(
            f"preference matrix needs K >= 2 responses, got K = {A.shape[0]}"
        )
    if not np.all(np.isfinite(A)):
        bad = np.argwhere(~np.isfinite(A))[0]
        raise InvalidPreferenceMatrix(
            f"preference matrix must be finite, P[{bad[0]}, {bad[1]}] = "
            f"{A[tuple(bad)]}"
        )
    if A.min() < 0.0 or A.max() > 1.0:
        i, j = np.unravel_index(np.argmax(np.maximum(-A, A - 1.0)), A.shape)
        raise InvalidPreferenceMatrix(
            f"preference entries must lie in [0, 1], P[{i}, {j}] = {A[i, j]}"
        )
    diag = np.abs(np.diag(A) - 0.5)
    if diag.max() > atol / 2:
        i = int(np.argmax(diag))
        raise InvalidPreferenceMatrix(
            f"preference matrix must have P_ii = 1/2 on the diagonal (tolerance "
            f"{atol / 2:g}); P[{i}, {i}] = {A[i, i]:.12g}"
        )
    dev = np.abs(A + A.T - 1.0)
    if dev.max() > atol:
        i, j = np.unravel_index(np.argmax(dev), A.shape)
        raise InvalidPreferenceMatrix(
            f"preference matrix must satisfy P_ij + P_ji = 1 (tolerance {atol:g}); "
            f"P[{i}, {j}] + P[{j}, {i}] = {A[i, j] + A[j, i]:.12g}"
        )
    return A


def check_policy(pi, name: str = "pi", *, K: int | None = None,
                 atol: float = SIMPLEX_ATOL, interior: bool = True) -> np.ndarray:
    """Return ``pi`` as a float64 point of the simplex, renormalised exactly.

    Rules: one-dimensional, finite, length ``K`` (if given), entries >= 0 (> 0 when
    ``interior``), sum 1 within ``atol``.
    """
    try:
        v = np.array(pi, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidPolicy(f"{name} must be a numeric vector, got {pi!r}") from exc
    if v.ndim != 1:
        raise InvalidPolicy(f"{name} must be a 1-D vector, got shape {v.shape}")
    if K is not None and v.size != K:
        raise InvalidPolicy(f"{name} must have length K = {K}, got {v.size}")
    if not np.all(np.isfinite(v)):
        raise InvalidPolicy(f"{name} must be finite, got {_short(v)}")
    if interior and np.any(v <= 0.0):
        raise InvalidPolicy(
            f"{name} must lie in the open simplex (every entry > 0), got {_short(v)}"
        )
    if np.any(v < 0.0):
        raise InvalidPolicy(f"{name} must be non-negative, got {_short(v)}")
    total = v.sum()
    if abs(total - 1.0) > atol:
        raise InvalidPolicy(
            f"{name} must sum to 1 (tolerance {atol:g}), got sum {total:.12g} for "
            f"{_short(v)}"
        )
    return v / total


def _scalar(x, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.number)):
        arr = np.asarray(x)
        if arr.ndim == 0 and np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
            x = arr.item()
        else:
            raise InvalidParameter(f"{name} must be a real number, got {x!r}")
    x = float(x)
    if not np.isfinite(x):
        raise InvalidParameter(f"{name} must be finite, got {x!r}")
    return x


def check_unit_interval(x, name: str) -> float:
    """Return ``x`` as a float, requiring a finite value in [0, 1]."""
    v = _scalar(x, name)
    if not 0.0 <= v <= 1.0:
        raise InvalidParameter(f"{name} must lie in [0, 1], got {name} = {v!r}")
    return v


def check_positive(x, name: str, *, allow_zero: bool = False) -> float:
    """Return ``x`` as a float, requiring a finite value > 0 (or >= 0)."""
    v = _scalar(x, name)
    if v < 0.0 or (v == 0.0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise InvalidParameter(f"{name} must be {rule}, got {name} = {v!r}")
    return v


def check_finite_vector(x, name: str, *, dim: int | None = None) -> np.ndarray:
    """Return ``x`` as a finite 1-D float64 array (of length ``dim`` if given)."""
    try:
        v = np.array(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(f"{name} must be a numeric vector, got {x!r}") from exc
    if v.ndim == 0:
        v = v.reshape(1)
    if v.ndim != 1:
        raise InvalidParameter(f"{name} must be a 1-D vector, got shape {v.shape}")
    if dim is not None and v.size != dim:
        raise InvalidParameter(f"{name} must have length {dim}, got {v.size}")
    if not np.all(np.isfinite(v)):
        raise InvalidParameter(f"{name} must be finite, got {_short(v)}")
    return v
