"""Compiled weighted Bradley-Terry fit, shared by the DPO optimum and MRS-DPO.

Given a preference matrix ``P`` and a sampling distribution ``mu``, the
population DPO problem reduces to the Bradley-Terry (BT) fit with pair weights
``mu_i mu_j``: minimise

    L(s) = - sum_{i<j} mu_i mu_j [P_ij log sigmoid(s_i - s_j)
                                  + P_ji log sigmoid(s_j - s_i)]

over scores ``s``. Its stationarity conditions, divided by ``mu_i``, are the
residuals

    r_i(s) = sum_j mu_j (P_ij - sigmoid(s_i - s_j)) = 0,   i in supp(mu).

The scores are defined up to an additive constant (the gauge); the kernels here
fix it by ``s_ref = 0`` for the last supported index ``ref`` and set the
(unidentified) scores outside the support to 0. Callers re-gauge as they need.

A finite minimiser exists if and only if the digraph on ``supp(mu)`` with an
edge ``i -> j`` whenever ``P_ij > 0`` is strongly connected; the kernels assume
it and the Python callers check it first (:func:`support_cut`).

Everything here is numba-compiled with explicit signatures and ``cache=True``
so that the step kernel of MRS-DPO can call the fit every round. This module
may import numpy, numba and networkx only.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from numba import njit, types

__all__ = [
    "bt_residual",
    "bt_loss",
    "fit_weighted_bt",
    "bt_sensitivity",
    "support_cut",
    "FIT_MAX_STEP",
]

_vec = types.float64[::1]
_mat = types.float64[:, ::1]
_ivec = types.int64[::1]

#: Largest change of any score in one Newton step (step control).
FIT_MAX_STEP = 30.0


@njit(types.float64(types.float64), cache=True)
def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(types.float64(types.float64), cache=True)
def _softplus(x):
    # log(1 + exp(x)) without overflow; -log sigmoid(x) = softplus(-x)
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


@njit(types.float64(types.float64), cache=True)
def _dsigmoid(x):
    e = math.exp(-abs(x))
    return e / ((1.0 + e) * (1.0 + e))


@njit(types.float64(_mat, _vec, _vec, _vec), cache=True)
def bt_residual(P, mu, s, r):
    """Write ``r_i = sum_j mu_j (P_ij - sigmoid(s_i - s_j))`` and return ``max |r_i|``.

    Entries outside the support of ``mu`` are set to 0 and do not count.
    """
    K = s.size
    worst = 0.0
    for i in range(K):
        if mu[i] <= 0.0:
            r[i] = 0.0
            continue
        acc = 0.0
        for j in range(K):
            if mu[j] > 0.0 and j != i:
                acc += mu[j] * (P[i, j] - _sigmoid(s[i] - s[j]))
        r[i] = acc
        if abs(acc) > worst:
            worst = abs(acc)
    return worst


@njit(types.float64(_mat, _vec, _vec), cache=True)
def bt_loss(P, mu, s):
    """The weighted BT negative log-likelihood ``L(s)`` (finite for finite ``s``)."""
    K = s.size
    total = 0.0
    for i in range(K):
        if mu[i] <= 0.0:
            continue
        for j in range(i + 1, K):
            if mu[j] <= 0.0:
                continue
            d = s[i] - s[j]
            total += mu[i] * mu[j] * (P[i, j] * _softplus(-d) + P[j, i] * _softplus(d))
    return total


@njit(types.boolean(_mat, _vec), cache=True)
def _solve_inplace(A, b):
    # Gaussian elimination with partial pivoting; b becomes the solution.
    n = b.size
    for c in range(n):
        piv = c
        big = abs(A[c, c])
        for r in range(c + 1, n):
            if abs(A[r, c]) > big:
                big = abs(A[r, c])
                piv = r
        if big == 0.0 or not math.isfinite(big):
            return False
        if piv != c:
            for k in range(n):
                A[c, k], A[piv, k] = A[piv, k], A[c, k]
            b[c], b[piv] = b[piv], b[c]
        for r in range(c + 1, n):
            f = A[r, c] / A[c, c]
            if f != 0.0:
                for k in range(c, n):
                    A[r, k] -= f * A[c, k]
                b[r] -= f * b[c]
    for c in range(n - 1, -1, -1):
        acc = b[c]
        for k in range(c + 1, n):
            acc -= A[c, k] * b[k]
        b[c] = acc / A[c, c]
    return True


@njit(_ivec(_vec), cache=True)
def _support(mu):
    n = 0
    for i in range(mu.size):
        if mu[i] > 0.0:
            n += 1
    idx = np.empty(n, dtype=np.int64)
    n = 0
    for i in range(mu.size):
        if mu[i] > 0.0:
            idx[n] = i
            n += 1
    return idx


@njit(types.void(_mat, _vec, _vec, _ivec, _mat), cache=True)
def _reduced_jacobian(P, mu, s, idx, A):
    # A[a, b] = -d r_{idx[a]} / d s_{idx[b]} for a, b < n - 1 (last support index
    # fixed): the Hessian of L with rows divided by mu, positive definite
    n = idx.size - 1
    for a in range(n):
        i = idx[a]
        diag = 0.0
        for c in range(idx.size):
            j = idx[c]
            if j != i:
                diag += mu[j] * _dsigmoid(s[i] - s[j])
        for b in range(n):
            k = idx[b]
            A[a, b] = diag if k == i else -mu[k] * _dsigmoid(s[i] - s[k])


@njit(types.Tuple((types.int64, types.float64, types.boolean))(
    _mat, _vec, _vec, types.float64, types.int64), cache=True)
def fit_weighted_bt(P, mu, s, tol, max_iter):
    """Solve the mu-weighted BT fit by a safeguarded Newton method, in place.

    ``s`` holds the starting scores on entry and the fitted scores on exit, in
    the gauge ``s[ref] = 0`` (``ref`` the last index with ``mu > 0``) with
    ``s = 0`` outside the support. Returns ``(iterations, residual, converged)``
    where ``residual = max_i |r_i|`` over the support and ``converged`` means
    ``residual <= tol``.

    Each step solves the Newton system of the residuals ``r`` (the row-scaled
    Hessian of ``L``, so tiny weights do not make it singular), caps the largest
    score change at :data:`FIT_MAX_STEP` and backtracks until either the Armijo
    condition on ``L`` holds or, once ``L`` is flat to rounding, the residual
    shrinks. Assumes a finite minimiser exists (see :func:`support_cut`).
    """
    K = s.size
    idx = _support(mu)
    ns = idx.size
    r = np.empty(K)
    if ns == 0:
        for i in range(K):
            s[i] = 0.0
        return 0, 0.0, True
    ref = idx[ns - 1]
    shift = s[ref]
    for i in range(K):
        s[i] = s[i] - shift if mu[i] > 0.0 else 0.0
    res = bt_residual(P, mu, s, r)
    if ns == 1:
        return 0, res, True
    n = ns - 1
    A = np.empty((n, n))
    d = np.empty(n)
    trial = np.empty(K)
    rt = np.empty(K)
    loss = bt_loss(P, mu, s)
    it = 0
    while res > tol and it < max_iter:
        it += 1
        _reduced_jacobian(P, mu, s, idx, A)
        for a in range(n):
            d[a] = r[idx[a]]
        if not _solve_inplace(A, d):
            return it, res, False
        big = 0.0
        for a in range(n):
            if abs(d[a]) > big:
                big = abs(d[a])
        if big > FIT_MAX_STEP:
            for a in range(n):
                d[a] *= FIT_MAX_STEP / big
        # directional derivative of L along d (gradient of L is mu_i * r_i with
        # the sign convention g = -mu * r)
        slope = 0.0
        for a in range(n):
            slope -= mu[idx[a]] * r[idx[a]] * d[a]
        t = 1.0
        accepted = False
        for _ in range(60):
            for i in range(K):
                trial[i] = s[i]
            for a in range(n):
                trial[idx[a]] = s[idx[a]] + t * d[a]
            new_loss = bt_loss(P, mu, trial)
            new_res = bt_residual(P, mu, trial, rt)
            flat = 1e-13 * (1.0 + abs(loss))
            if new_loss <= loss + 1e-4 * t * slope or (
                    new_loss <= loss + flat and new_res < res):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            return it, res, False
        for i in range(K):
            s[i] = trial[i]
            r[i] = rt[i]
        loss = new_loss
        res = new_res
    return it, res, res <= tol


@njit(types.boolean(_mat, _vec, _vec, _mat), cache=True)
def bt_sensitivity(P, mu, s, M):
    """Write ``M = ds/dmu`` of the fitted scores (gauge ``s[K-1] = 0``).

    Requires a fully supported ``mu`` (every entry > 0) and ``s`` solving the
    fit. By the implicit function theorem applied to the residuals ``r(s, mu)``
    (rows ``0..K-2``; the last row is implied by ``sum_i mu_i r_i = 0``),
    ``M[:K-1] = A^{-1} B`` with ``A = -dr/ds`` (columns ``0..K-2``) and
    ``B_ik = dr_i/dmu_k = P_ik - sigmoid(s_i - s_k)``; the last row is zero.
    ``mu`` is perturbed in all of R^K, so the result applies to any direction,
    in particular the tangent directions of the simplex. Returns False if the
    linear system is singular.
    """
    K = s.size
    n = K - 1
    idx = np.arange(K)
    A0 = np.empty((n, n))
    _reduced_jacobian(P, mu, s, idx, A0)
    A = np.empty((n, n))
    col = np.empty(n)
    for k in range(K):
        A[:, :] = A0
        for a in range(n):
            col[a] = P[a, k] - _sigmoid(s[a] - s[k]) if a != k else 0.0
        if not _solve_inplace(A, col):
            return False
        for a in range(n):
            M[a, k] = col[a]
        M[n, k] = 0.0
    return True


def support_cut(P: np.ndarray, support) -> tuple[list[int], list[int]] | None:
    """A cut that makes the weighted BT fit on ``support`` have no finite solution.

    Builds the digraph on ``support`` with an edge ``i -> j`` whenever
    ``P[i, j] > 0`` (``i`` wins against ``j`` with positive probability). If it
    is strongly connected, returns None (a unique finite fit exists up to the
    gauge). Otherwise returns ``(A, B)``: ``A`` a strongly connected component
    with no edge entering it from ``B = support - A``, so ``P[i, j] = 1`` for
    every ``i`` in ``A`` and ``j`` in ``B`` and the scores of ``A`` diverge.
    """
    support = [int(i) for i in support]
    G = nx.DiGraph()
    G.add_nodes_from(support)
    G.add_edges_from((i, j) for i in support for j in support
                     if i != j and P[i, j] > 0.0)
    if len(support) <= 1 or nx.is_strongly_connected(G):
        return None
    C = nx.condensation(G)
    source = next(c for c in C.nodes if C.in_degree(c) == 0)
    top = sorted(C.nodes[source]["members"])
    rest = sorted(set(support) - set(top))
    return top, rest
