"""Periodic orbits: period detection on stored orbits and Newton on the k-th iterate.

A point ``u`` of period ``k`` solves ``F^k(u) = u`` in chart coordinates (the
log-ratio chart of a simplex map, the identity chart of a Euclidean map). This
module detects the period of an attractor from a simulated orbit tail, refines a
period-k orbit by Newton's method on ``G(u) = F^k(u) - u`` and reports its
multipliers, the eigenvalues of the monodromy matrix ``DF^k`` (the product of the
chart Jacobians along the orbit).

This module may import :mod:`dynsys_align.maps`, the validation helpers and the
exceptions; nothing in the sweeps, plotting or the command line.
"""

from __future__ import annotations

import logging
import math

from numba import njit, types

__all__ = [
    "detect_period_kernel",
]

logger = logging.getLogger(__name__)

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(types.int64(_mat, types.int64, types.float64), cache=True)
def detect_period_kernel(U, max_period, tol):
    """Smallest period ``k <= max_period`` of a stored orbit tail, or 0 (compiled).

    ``U`` holds successive chart states as rows. The tail has period ``k`` when
    ``max_i |U[t + k, i] - U[t, i]| <= tol * scale`` for every ``t`` with
    ``t + k`` inside the tail: the maximum (infinity) norm of the difference,
    with ``scale = max(1, max_{t,i} |U[t, i]|)`` so that ``tol`` is relative
    for large states and absolute for small ones. A period ``k`` is only
    tested when the tail holds at least ``2 k`` rows, so that every phase of
    the cycle is compared at least once. A tail with any non-finite entry has
    no period (returns 0). The inputs are not validated: ``max_period < 1``
    gives 0 and ``tol`` should be positive.

    Callable from other compiled code; the signature is
    ``int64(float64[:, ::1], int64, float64)``.
    """
    n_rows = U.shape[0]
    n = U.shape[1]
    scale = 1.0
    for t in range(n_rows):
        for i in range(n):
            a = abs(U[t, i])
            if not math.isfinite(a):
                return 0
            if a > scale:
                scale = a
    thr = tol * scale
    for k in range(1, max_period + 1):
        if 2 * k > n_rows:
            break
        periodic = True
        for t in range(n_rows - k):
            for i in range(n):
                if not abs(U[t + k, i] - U[t, i]) <= thr:
                    periodic = False
                    break
            if not periodic:
                break
        if periodic:
            return k
    return 0
