"""Small compiled linear-algebra helpers for the tangent-space analyses.

The Lyapunov drivers re-orthonormalise a handful of tangent vectors at every
step of an orbit. For the small dimensions met here (a chart of dimension 1 to
a few dozen) a hand-written Householder QR without allocations is much cheaper
than a LAPACK call per step, and it keeps the whole loop inside one compiled
function.

This module may import numpy and numba only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types

__all__ = ["householder_qr", "initial_frame", "matmul_into", "lu_solve_inplace"]

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(types.void(_mat, _mat, _vec, _mat, _vec), cache=True)
def householder_qr(A, Q, rdiag, V, vnorm2):
    """Thin QR factorisation ``A = Q R`` by Householder reflections, in place.

    ``A`` (shape ``(n, k)``, ``k <= n``) is overwritten by working data. On
    return ``Q`` (shape ``(n, k)``) has orthonormal columns and ``rdiag`` holds
    the diagonal of ``R`` (entries may be negative; a zero column gives a zero
    entry and an arbitrary unit column of ``Q``). ``V`` (``(n, k)``) and
    ``vnorm2`` (``(k,)``) are work buffers.
    """
    n, k = A.shape
    for j in range(k):
        s = 0.0
        for i in range(j, n):
            s += A[i, j] * A[i, j]
        alpha = math.sqrt(s)
        for i in range(n):
            V[i, j] = 0.0
        if alpha == 0.0:
            rdiag[j] = 0.0
            vnorm2[j] = 0.0
            continue
        x0 = A[j, j]
        sgn = 1.0 if x0 >= 0.0 else -1.0
        rdiag[j] = -sgn * alpha
        V[j, j] = x0 + sgn * alpha
        for i in range(j + 1, n):
            V[i, j] = A[i, j]
        # |v|^2 = (x0 + sgn alpha)^2 + alpha^2 - x0^2, written without cancellation
        vnorm2[j] = 2.0 * alpha * (alpha + abs(x0))
        for c in range(j + 1, k):
            d = 0.0
            for i in range(j, n):
                d += V[i, j] * A[i, c]
            f = 2.0 * d / vnorm2[j]
            for i in range(j, n):
                A[i, c] -= f * V[i, j]

    # Q = H_0 H_1 ... H_{k-1} applied to the first k columns of the identity;
    # columns c < j are still unit vectors supported above row j, so H_j
    # leaves them alone.
    for i in range(n):
        for c in range(k):
            Q[i, c] = 1.0 if i == c else 0.0
    for j in range(k - 1, -1, -1):
        if vnorm2[j] == 0.0:
            continue
        for c in range(j, k):
            d = 0.0
            for i in range(j, n):
                d += V[i, j] * Q[i, c]
            f = 2.0 * d / vnorm2[j]
            for i in range(j, n):
                Q[i, c] -= f * V[i, j]


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
    V = np.empty((n, k))
    vnorm2 = np.empty(k)
    householder_qr(A, Q, rdiag, V, vnorm2)
    return Q


@njit(types.boolean(_mat, _vec), cache=True)
def lu_solve_inplace(A, b):
    """Solve ``A x = b`` by Gaussian elimination with partial pivoting, in place.

    ``A`` (square) is destroyed and ``b`` is overwritten by ``x``. Returns
    False, leaving ``b`` unspecified, when a pivot is at most
    ``n * eps * max|A_ij|`` (numerically singular) or an entry is not finite.
    """
    n = A.shape[0]
    scale = 0.0
    for i in range(n):
        for j in range(n):
            a = abs(A[i, j])
            if not math.isfinite(a):
                return False
            if a > scale:
                scale = a
    if scale == 0.0:
        return False
    tiny = n * 2.220446049250313e-16 * scale
    for c in range(n):
        piv = c
        big = abs(A[c, c])
        for i in range(c + 1, n):
            if abs(A[i, c]) > big:
                big = abs(A[i, c])
                piv = i
        if big <= tiny:
            return False
        if piv != c:
            for j in range(n):
                A[c, j], A[piv, j] = A[piv, j], A[c, j]
            b[c], b[piv] = b[piv], b[c]
        for i in range(c + 1, n):
            f = A[i, c] / A[c, c]
            if f != 0.0:
                for j in range(c, n):
                    A[i, j] -= f * A[c, j]
                b[i] -= f * b[c]
    for i in range(n - 1, -1, -1):
        acc = b[i]
        for j in range(i + 1, n):
            acc -= A[i, j] * b[j]
        b[i] = acc / A[i, i]
    return True
