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
return them with ``s = 0`` at the last supported index and set the
(unidentified) scores outside the support to 0. Callers re-gauge as they need.

A finite minimiser exists if and only if the digraph on ``supp(mu)`` with an
edge ``i -> j`` whenever ``P_ij > 0`` is strongly connected; the kernels assume
it and the Python callers check it first (:func:`support_cut`).

Everything here is numba-compiled with explicit signatures and ``cache=True``
so that the step kernel of MRS-DPO can call the fit every round. numba's disk
cache of a caller is keyed on the caller's own file only: after editing this
module, delete the cached kernels of :mod:`dynsys_align.maps.dpo` (its
``__pycache__/dpo.*.nbi``/``.nbc`` files) or they keep the old fit. This module
may import numpy, numba and networkx only.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from numba import njit, types

from ._linalg import lu_solve_inplace

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


@njit(types.Tuple((_ivec, types.int64))(_vec), cache=True)
def _free_indices(mu):
    # The supported indices except the one of largest weight, and that index.
    # Its equation is the one dropped: it follows from the others through
    # sum_i mu_i r_i = 0, with factors mu_i / mu_top <= 1 on their errors.
    top = -1
    n = 0
    for i in range(mu.size):
        if mu[i] > 0.0:
            n += 1
            if top < 0 or mu[i] > mu[top]:
                top = i
    free = np.empty(max(n - 1, 0), dtype=np.int64)
    n = 0
    for i in range(mu.size):
        if mu[i] > 0.0 and i != top:
            free[n] = i
            n += 1
    return free, top


@njit(types.void(_mat, _vec, _vec, _ivec, _mat), cache=True)
def _reduced_jacobian(P, mu, s, free, A):
    # A[a, b] = -d r_{free[a]} / d s_{free[b]}: the Hessian of L restricted to
    # the free scores, with rows divided by mu (non-singular, diagonally
    # dominant because the fixed index carries positive weight)
    K = s.size
    n = free.size
    for a in range(n):
        i = free[a]
        diag = 0.0
        for j in range(K):
            if j != i and mu[j] > 0.0:
                diag += mu[j] * _dsigmoid(s[i] - s[j])
        for b in range(n):
            k = free[b]
            A[a, b] = diag if k == i else -mu[k] * _dsigmoid(s[i] - s[k])


@njit(types.float64(_vec, _ivec), cache=True)
def _merit(r, free):
    acc = 0.0
    for a in range(free.size):
        acc += r[free[a]] * r[free[a]]
    return acc


@njit(types.Tuple((types.int64, types.float64, types.boolean))(
    _mat, _vec, _vec, types.float64, types.int64), cache=True)
def fit_weighted_bt(P, mu, s, tol, max_iter):
    """Solve the mu-weighted BT fit by a safeguarded Newton method, in place.

    ``s`` holds the starting scores on entry and the fitted scores on exit, in
    the gauge ``s[last] = 0`` (``last`` the last index with ``mu > 0``) with
    ``s = 0`` outside the support. Returns ``(iterations, residual, converged)``
    where ``residual = max_i |r_i|`` over the support and ``converged`` means
    ``residual <= tol``.

    Newton's method runs on the residual equations of every supported response
    but the most sampled one, whose score is held fixed (its equation is
    implied by the others). Each step caps the largest score change at
    :data:`FIT_MAX_STEP` and backtracks until the Armijo condition holds for
    the loss ``L`` or for the squared residual norm; the second keeps rarely
    sampled responses, which barely move ``L``, under control. Assumes a finite
    minimiser exists (see :func:`support_cut`).
    """
    K = s.size
    free, top = _free_indices(mu)
    r = np.empty(K)
    if top < 0:
        for i in range(K):
            s[i] = 0.0
        return 0, 0.0, True
    shift = s[top]
    last = 0
    for i in range(K):
        if mu[i] > 0.0:
            s[i] -= shift
            last = i
        else:
            s[i] = 0.0
    res = bt_residual(P, mu, s, r)
    n = free.size
    A = np.empty((n, n))
    d = np.empty(n)
    trial = np.empty(K)
    rt = np.empty(K)
    loss = bt_loss(P, mu, s)
    merit = _merit(r, free)
    it = 0
    ok = True
    while res > tol and it < max_iter:
        it += 1
        _reduced_jacobian(P, mu, s, free, A)
        for a in range(n):
            d[a] = r[free[a]]
        if not lu_solve_inplace(A, d, 0.0):
            ok = False
            break
        big = 0.0
        for a in range(n):
            if abs(d[a]) > big:
                big = abs(d[a])
        scale = FIT_MAX_STEP / big if big > FIT_MAX_STEP else 1.0
        # slope of L along d (its gradient is -mu * r); the squared residual
        # norm has slope -2 * merit * scale along the Newton direction
        slope = 0.0
        for a in range(n):
            d[a] *= scale
            slope -= mu[free[a]] * r[free[a]] * d[a]
        t = 1.0
        accepted = False
        for _ in range(60):
            for i in range(K):
                trial[i] = s[i]
            for a in range(n):
                trial[free[a]] = s[free[a]] + t * d[a]
            new_loss = bt_loss(P, mu, trial)
            new_res = bt_residual(P, mu, trial, rt)
            new_merit = _merit(rt, free)
            if (new_loss <= loss + 1e-4 * t * slope
                    or new_merit <= (1.0 - 2e-4 * t * scale) * merit):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            ok = False
            break
        for i in range(K):
            s[i] = trial[i]
            r[i] = rt[i]
        loss = new_loss
        merit = new_merit
        res = new_res
    shift = s[last]
    for i in range(K):
        if mu[i] > 0.0:
            s[i] -= shift
    return it, res, ok and res <= tol


@njit(types.boolean(_mat, _vec, _vec, _mat), cache=True)
def bt_sensitivity(P, mu, s, M):
    """Write ``M = ds/dmu`` of the fitted scores (gauge ``s[K-1] = 0``).

    Requires a fully supported ``mu`` (every entry > 0) and ``s`` solving the
    fit. By the implicit function theorem applied to the residuals ``r(s, mu)``
    (every row but that of the most sampled response ``top``, which is implied
    by ``sum_i mu_i r_i = 0``), the derivative with ``s_top`` held fixed is
    ``A^{-1} B`` on the other rows, with ``A = -dr/ds`` and
    ``B_ik = dr_i/dmu_k = P_ik - sigmoid(s_i - s_k)``; subtracting its last row
    moves it to the gauge ``s[K-1] = 0``. ``mu`` is perturbed in all of R^K, so
    the result applies to any direction, in particular the tangent directions
    of the simplex. Returns False if the linear system is singular.
    """
    K = s.size
    free, top = _free_indices(mu)
    n = free.size
    A0 = np.empty((n, n))
    _reduced_jacobian(P, mu, s, free, A0)
    A = np.empty((n, n))
    col = np.empty(n)
    for k in range(K):
        A[:, :] = A0
        for a in range(n):
            i = free[a]
            col[a] = P[i, k] - _sigmoid(s[i] - s[k]) if i != k else 0.0
        if not lu_solve_inplace(A, col, 0.0):
            return False
        M[top, k] = 0.0
        for a in range(n):
            M[free[a], k] = col[a]
    for k in range(K):
        last = M[K - 1, k]
        for i in range(K):
            M[i, k] -= last
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
