"""Small compiled linear-algebra helpers for the tangent-space analyses.

The Lyapunov drivers re-orthonormalise a handful of tangent vectors at every
step of an orbit. For the small dimensions met here (a chart of dimension 1 to
a few dozen) a hand-written QR without allocations is much cheaper than a
LAPACK call per step, and it keeps the whole loop inside one compiled function.
The fixed-point solver uses the small pivoted LU solve.

This module may import numpy and numba only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types

__all__ = ["gram_schmidt_qr", "initial_frame", "matmul_into"]

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(types.void(_mat, _mat, _vec), cache=True)
def gram_schmidt_qr(W, Q, rdiag):
    """Thin QR factorisation ``W = Q R`` by Gram-Schmidt with reorthogonalisation.

    ``W`` has shape ``(n, k)``, ``k <= n``, and is left unchanged. On return
    ``Q`` (``(n, k)``) has orthonormal columns and ``rdiag`` (``(k,)``) holds the
    diagonal of ``R`` (all entries >= 0).

    Each column is orthogonalised twice against the previous ones (modified
    Gram-Schmidt, repeated), which gives columns orthogonal to working
    precision unless ``W`` is numerically rank deficient ("twice is enough").
    A column that is exactly dependent on the previous ones gives
    ``rdiag[j] = 0`` and a zero column of ``Q``; in the Lyapunov drivers that
    direction then contributes ``log 0 = -inf``, which is the right exponent of
    a tangent direction mapped to zero.
    """
    n, k = W.shape
    for j in range(k):
        for i in range(n):
            Q[i, j] = W[i, j]
        for _ in range(2):
            for c in range(j):
                d = 0.0
                for i in range(n):
                    d += Q[i, c] * Q[i, j]
                for i in range(n):
                    Q[i, j] -= d * Q[i, c]
        s = 0.0
        for i in range(n):
            s += Q[i, j] * Q[i, j]
        r = math.sqrt(s)
        rdiag[j] = r
        if r > 0.0:
            inv = 1.0 / r
            for i in range(n):
                Q[i, j] *= inv


@njit(types.void(_mat, _mat, _mat), cache=True)
def matmul_into(J, Q, W):
    """``W = J @ Q`` for C-contiguous float64 matrices, without allocation."""
    n = J.shape[0]
    m = J.shape[1]
    k = Q.shape[1]
    for i in range(n):
        for c in range(k):
            acc = 0.0
            for r in range(m):
                acc += J[i, r] * Q[r, c]
            W[i, c] = acc


@njit(_mat(types.int64, types.int64), cache=True)
def initial_frame(n, k):
    """A fixed orthonormal ``(n, k)`` frame in general position.

    The columns are the orthonormalised columns of a deterministic matrix whose
    entries come from the golden-ratio sequence, so no column lies in a
    coordinate subspace (a coordinate axis can be an invariant stable direction
    of a map, which would hide the largest exponent). The result is the same on
    every call, which keeps the Lyapunov drivers deterministic.
    """
    g = 0.6180339887498949
    A = np.empty((n, k))
    for i in range(n):
        for c in range(k):
            t = ((i + 1) * g + (c + 1) * g * g * (i + 2)) % 1.0
            A[i, c] = t - 0.5 + (1.0 if i == c else 0.0)
    Q = np.empty((n, k))
    rdiag = np.empty(k)
    gram_schmidt_qr(A, Q, rdiag)
    return Q
