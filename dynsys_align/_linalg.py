"""Small dense linear algebra for compiled kernels (numba, no allocation).

Shared by the Bradley-Terry fit (``_bradley_terry``) and the analyses; it may
import nothing from the package.
"""

from __future__ import annotations

import math

from numba import njit, types

__all__ = ["lu_solve_inplace", "EPS"]

#: Machine epsilon of float64.
EPS = 2.220446049250313e-16

_vec = types.float64[::1]
_mat = types.float64[:, ::1]


@njit(types.boolean(_mat, _vec, types.float64), cache=True)
def lu_solve_inplace(A, b, pivot_rtol):
    """Solve ``A x = b`` by Gaussian elimination with partial pivoting, in place.

    ``A`` (square) is destroyed and ``b`` is overwritten by ``x``. Returns False,
    leaving ``b`` unspecified, when an entry of ``A`` is not finite or a pivot is
    at most ``pivot_rtol * max|A_ij|`` (``pivot_rtol = 0`` rejects only exact
    zero pivots; ``n * EPS`` rejects numerically singular matrices).
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
    tiny = pivot_rtol * scale
    for c in range(n):
        piv = c
        big = abs(A[c, c])
        for i in range(c + 1, n):
            if abs(A[i, c]) > big:
                big = abs(A[i, c])
                piv = i
        if big <= tiny or big == 0.0:
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
